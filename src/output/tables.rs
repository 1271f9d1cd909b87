//! The schemas of knocklog's tables, one builder function per table. Column names are
//! a contract (README documents them); add columns, never rename.

use super::table::{non_empty, Batch, BatchBuilder, Values};
use crate::aggregate::ip_stats::{daily_rows, statuses_text};
use crate::aggregate::IpStats;
use crate::event::{Event, LogKind};
use crate::text::join_escaped;

/// `events`: one row per kept line that concerns a remote address. Takes the events
/// by value: their strings move into the columns instead of being copied.
pub fn events_batch(events: Vec<Event>, source_files: &[String]) -> Batch {
    let n = events.len();
    let mut ts = Vec::with_capacity(n);
    let mut ip = Vec::with_capacity(n);
    let mut log_kind = Vec::with_capacity(n);
    let mut tag = Vec::with_capacity(n);
    let mut source_file = Vec::with_capacity(n);
    let mut line_no = Vec::with_capacity(n);
    let mut vhost = Vec::with_capacity(n);
    let mut method = Vec::with_capacity(n);
    let mut path = Vec::with_capacity(n);
    let mut protocol = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut bytes = Vec::with_capacity(n);
    let mut referer = Vec::with_capacity(n);
    let mut user_agent = Vec::with_capacity(n);
    let mut user = Vec::with_capacity(n);
    let mut host = Vec::with_capacity(n);
    let mut program = Vec::with_capacity(n);
    let mut pid = Vec::with_capacity(n);
    let mut message = Vec::with_capacity(n);
    for e in events {
        ts.push(e.ts);
        ip.push(present(e.ip));
        log_kind.push(Some(e.log_kind.as_str().to_owned()));
        tag.push(Some(e.tag.as_str().to_owned()));
        source_file.push(source_files.get(e.file as usize).cloned());
        line_no.push(Some(e.line_no as i64));
        vhost.push(present(e.vhost));
        method.push(present(e.method));
        path.push(present(e.path));
        protocol.push(present(e.protocol));
        status.push((e.status != 0).then_some(e.status as i64));
        bytes.push(e.bytes.map(|b| b as i64));
        referer.push(present(e.referer));
        user_agent.push(present(e.user_agent));
        user.push(present(e.user));
        host.push(present(e.host));
        program.push(present(e.program));
        pid.push(e.pid.map(i64::from));
        message.push(present(e.message));
    }
    BatchBuilder::new()
        .col("ts", Values::Timestamp(ts))
        .col("ip", Values::Text(ip))
        .col("log_kind", Values::Category(log_kind))
        .col("event", Values::Category(tag))
        .col("source_file", Values::Category(source_file))
        .col("line_no", Values::Int(line_no))
        .col("vhost", Values::Category(vhost))
        .col("method", Values::Category(method))
        .col("path", Values::Text(path))
        .col("protocol", Values::Category(protocol))
        .col("status", Values::Int(status))
        .col("bytes", Values::Int(bytes))
        .col("referer", Values::Text(referer))
        .col("user_agent", Values::Category(user_agent))
        .col("user", Values::Text(user))
        .col("host", Values::Category(host))
        .col("program", Values::Category(program))
        .col("pid", Values::Int(pid))
        .col("message", Values::Text(message))
        .build()
}

/// None for an absent ("") field.
fn present(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// `ips`: one row per remote address across every log kind.
pub fn ips_batch(ips: &[(String, IpStats)]) -> Batch {
    let kind = |k: LogKind| ips.iter().map(move |(_, s)| Some(s.by_kind[k.index()] as i64));
    BatchBuilder::new()
        .text("ip", ips.iter().map(|(ip, _)| Some(ip.clone())))
        .timestamp("first_seen", ips.iter().map(|(_, s)| s.first_seen))
        .timestamp("last_seen", ips.iter().map(|(_, s)| s.last_seen))
        .int("days_active", ips.iter().map(|(_, s)| Some(s.days_active() as i64)))
        .int("events", ips.iter().map(|(_, s)| Some(s.events as i64)))
        .int("access_events", kind(LogKind::Access))
        .int("error_events", kind(LogKind::Error))
        .int("auth_events", kind(LogKind::Auth))
        .int("syslog_events", kind(LogKind::Syslog))
        .text(
            "usernames",
            ips.iter().map(|(_, s)| non_empty(&join_escaped(s.usernames_sorted().into_iter().map(|(u, _)| u)))),
        )
        .text("statuses", ips.iter().map(|(_, s)| non_empty(&statuses_text(s))))
        .build()
}

/// `daily`: events per UTC day and address.
pub fn daily_batch(ips: &[(String, IpStats)]) -> Batch {
    let rows = daily_rows(ips);
    BatchBuilder::new()
        .date("day", rows.iter().map(|r| r.0))
        .text("ip", rows.iter().map(|r| Some(r.1.to_owned())))
        .int("events", rows.iter().map(|r| Some(r.2 as i64)))
        .build()
}
