//! The schemas of knocklog's tables, one builder function per table. Column names are
//! a contract (README documents them); add columns, never rename.

use super::table::{non_empty, Batch, BatchBuilder};
use crate::aggregate::ip_stats::{daily_rows, statuses_text};
use crate::aggregate::IpStats;
use crate::event::{Event, LogKind};
use crate::text::join_escaped;

/// `events`: one row per kept line that concerns a remote address.
pub fn events_batch(events: &[Event], source_files: &[String]) -> Batch {
    let opt_u = |v: Option<u64>| v.map(|x| x as i64);
    BatchBuilder::new()
        .timestamp("ts", events.iter().map(|e| e.ts))
        .text("ip", events.iter().map(|e| non_empty(&e.ip)))
        .category("log_kind", events.iter().map(|e| Some(e.log_kind.as_str().to_owned())))
        .category("event", events.iter().map(|e| Some(e.tag.as_str().to_owned())))
        .category("source_file", events.iter().map(|e| source_files.get(e.file as usize).cloned()))
        .int("line_no", events.iter().map(|e| Some(e.line_no as i64)))
        .category("vhost", events.iter().map(|e| non_empty(&e.vhost)))
        .category("method", events.iter().map(|e| non_empty(&e.method)))
        .text("path", events.iter().map(|e| non_empty(&e.path)))
        .category("protocol", events.iter().map(|e| non_empty(&e.protocol)))
        .int("status", events.iter().map(|e| (e.status != 0).then_some(e.status as i64)))
        .int("bytes", events.iter().map(|e| opt_u(e.bytes)))
        .text("referer", events.iter().map(|e| non_empty(&e.referer)))
        .category("user_agent", events.iter().map(|e| non_empty(&e.user_agent)))
        .text("user", events.iter().map(|e| non_empty(&e.user)))
        .category("host", events.iter().map(|e| non_empty(&e.host)))
        .category("program", events.iter().map(|e| non_empty(&e.program)))
        .int("pid", events.iter().map(|e| e.pid.map(i64::from)))
        .text("message", events.iter().map(|e| non_empty(&e.message)))
        .build()
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
