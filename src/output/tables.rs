//! The rows of knocklog's tables, one builder function per table; each builds the
//! columns `columns` declares, in its order. Column names are a contract (`knocklog
//! columns` prints them): add columns; a rename comes with the store reading the old
//! name (`store::tables::upgrade`).

use super::columns;
use super::table::{non_empty, Batch, BatchBuilder, TextColumn, Values};
use std::collections::BTreeMap;

use crate::aggregate::assess::Assessed;
use crate::aggregate::campaigns::Campaign;
use crate::aggregate::ip_stats::{max_opt, min_opt, Suspicion};
use crate::aggregate::sessions::Session;
use crate::detect::policy::Policy;
use crate::findings::{FleetOrigin, PeriodOrigin, ServerSighting};
use crate::vocab::event::Category;
use crate::vocab::event::{Event, LogKind, TextField};
use crate::vocab::labels::{DnsName, Labels};
use crate::vocab::text::join_escaped;
use crate::vocab::time::format_day;

/// `events`: one row per kept line that concerns a remote address.
/// `rules[i]` is rule i's name and the category it assigns.
pub fn events_batch(events: &[Event], source_files: &[String], rules: &[(String, Category)]) -> Batch {
    let n = events.len();
    let text = || TextColumn::with_capacity(n);
    let (mut ip, mut log_kind, mut tag, mut category, mut rule, mut rule_category) =
        (text(), text(), text(), text(), text(), text());
    let (mut source_file, mut vhost, mut method, mut path, mut protocol) = (text(), text(), text(), text(), text());
    let (mut referer, mut user_agent, mut user, mut host, mut program, mut message) =
        (text(), text(), text(), text(), text(), text());
    let mut proxy = text();
    let mut ts = Vec::with_capacity(n);
    let mut counts = Vec::with_capacity(n);
    let mut line_no = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut bytes = Vec::with_capacity(n);
    let mut pid = Vec::with_capacity(n);
    for e in events {
        ts.push(e.ts);
        ip.push_present(e.ip());
        log_kind.push(Some(e.log_kind.as_str()));
        tag.push(Some(e.tag.as_str()));
        category.push(Some(e.category.as_str()));
        let matched = e.rule.and_then(|r| rules.get(r as usize));
        rule.push(matched.map(|m| m.0.as_str()));
        rule_category.push(matched.map(|m| m.1.as_str()));
        counts.push(Some(e.counts));
        source_file.push(source_files.get(e.file as usize).map(String::as_str));
        line_no.push(Some(e.line_no as i64));
        vhost.push_present(e.text(TextField::Vhost));
        method.push_present(e.text(TextField::Method));
        path.push_present(e.path());
        protocol.push_present(e.text(TextField::Protocol));
        status.push((e.status != 0).then_some(e.status as i64));
        bytes.push(e.bytes.map(|b| b as i64));
        referer.push_present(e.text(TextField::Referer));
        user_agent.push_present(e.user_agent());
        user.push_present(e.user());
        host.push_present(e.text(TextField::Host));
        program.push_present(e.text(TextField::Program));
        pid.push(e.pid.map(i64::from));
        message.push_present(e.text(TextField::Message));
        proxy.push_present(e.text(TextField::Proxy));
    }
    BatchBuilder::of(&columns::EVENTS)
        .col("ts", Values::Timestamp(ts))
        .col("ip", Values::Text(ip))
        .col("log_kind", Values::Category(log_kind))
        .col("event", Values::Category(tag))
        .col("category", Values::Category(category))
        .col("rule", Values::Category(rule))
        .col("rule_category", Values::Category(rule_category))
        .col("counts_against_address", Values::Bool(counts))
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
        .col("proxy", Values::Category(proxy))
        .build()
}

/// `ips`: one row per remote address across every log kind (suspicious ones only,
/// unless `--all-ips`), worst first.
pub fn ips_batch(ips: &[Assessed]) -> Batch {
    let kind = |k: LogKind| ips.iter().map(move |a| Some(a.stats.by_kind[k.index()] as i64));
    fn susp(a: &Assessed) -> Option<&Suspicion> {
        a.stats.suspicion.as_deref()
    }
    let mut b = BatchBuilder::of(&columns::IPS)
        .text("ip", ips.iter().map(|a| Some(a.ip.as_str())))
        .category("verdict", ips.iter().map(|a| Some(a.verdict.as_str())))
        .float("score", ips.iter().map(|a| Some(a.score)))
        .boolean("sneak", ips.iter().map(|a| Some(a.sneak)))
        .boolean("allowed", ips.iter().map(|a| Some(a.allowed)))
        .timestamp("first_seen", ips.iter().map(|a| a.stats.first_seen))
        .timestamp("last_seen", ips.iter().map(|a| a.stats.last_seen))
        .int("active_day_count", ips.iter().map(|a| Some(a.stats.days_active() as i64)))
        .dates("active_days", ips.iter().map(|a| a.stats.daily().map(|d| d.0)))
        .int("events", ips.iter().map(|a| Some(a.stats.events as i64)))
        .int("suspicious_events", ips.iter().map(|a| Some(a.stats.suspicious_events() as i64)))
        .int("access_events", kind(LogKind::Access))
        .int("error_events", kind(LogKind::Error))
        .int("auth_events", kind(LogKind::Auth))
        .int("syslog_events", kind(LogKind::Syslog));
    for c in Category::ALL.into_iter().filter(|c| c.is_suspicious()) {
        b = b.int(c.as_str(), ips.iter().map(move |a| Some(susp(a).map_or(0, |s| s.by_category[c.index()]) as i64)));
    }
    b.text("techniques", ips.iter().map(|a| non_empty(&techniques(a))))
        .text("behaviour", ips.iter().map(|a| non_empty(&behaviour_list(a))))
        .int("campaign", ips.iter().map(|a| a.campaign.map(i64::from)))
        .int("previous_blocks", ips.iter().map(|a| Some(i64::from(a.previous_blocks))))
        .text("first_blocked", ips.iter().map(|a| a.first_blocked.map(format_day)))
        .int("suspicious_days", ips.iter().map(|a| Some(susp(a).map_or(0, |s| s.daily.len()) as i64)))
        .int("max_daily_events", ips.iter().map(|a| Some(susp(a).map_or(0, |s| s.max_daily()) as i64)))
        .int("sessions", ips.iter().map(|a| Some(susp(a).map_or(0, |s| s.sessions.len()) as i64)))
        .int(
            "longest_session_s",
            ips.iter().map(|a| susp(a).and_then(|s| s.sessions.iter().map(|x| (x.end - x.start) / 1_000_000).max())),
        )
        .text_counts("usernames", ips.iter().map(|a| a.stats.usernames_sorted()))
        .text_counts("paths", ips.iter().map(|a| susp(a).map(|s| Suspicion::top(&s.paths, 10)).unwrap_or_default()))
        .text_counts(
            "user_agents",
            ips.iter().map(|a| susp(a).map(|s| Suspicion::top(&s.user_agents, 5)).unwrap_or_default()),
        )
        .int_counts("statuses", ips.iter().map(|a| statuses(&a.stats.statuses)))
        // Tries, hits and lines whose username, path or agent was beyond the 1000 kept
        // per address (see aggregate::bounded).
        .int("usernames_beyond", ips.iter().map(|a| Some(susp(a).map_or(0, |s| s.usernames.beyond) as i64)))
        .int("paths_beyond", ips.iter().map(|a| Some(susp(a).map_or(0, |s| s.paths.beyond) as i64)))
        .int("user_agents_beyond", ips.iter().map(|a| Some(susp(a).map_or(0, |s| s.user_agents.beyond) as i64)))
        // The crawler its user agents claimed to be, and what checking that found.
        .category("crawler", ips.iter().map(|a| a.stats.crawler.map(|c| c.crawler.name())))
        .category("crawler_check", ips.iter().map(|a| a.stats.crawler.map(|c| c.check.as_str())))
        // Enrichment (`--ranges`, `--geoip`, `--asn`, `--dns`): null where not asked or not known.
        .category("range_label", ips.iter().map(|a| labels(a).and_then(|l| l.range.as_deref())))
        .category("country", ips.iter().map(|a| labels(a).and_then(|l| l.country.as_deref())))
        .int("asn", ips.iter().map(|a| labels(a).and_then(|l| l.asn.map(i64::from))))
        .category("as_org", ips.iter().map(|a| labels(a).and_then(|l| l.as_org.as_deref())))
        // `fcrdns` is null where no lookup was made (not asked, or cut off by the deadline).
        .text("rdns", ips.iter().map(|a| dns(a).and_then(|d| d.name.as_deref())))
        .boolean("fcrdns", ips.iter().map(|a| dns(a).filter(|d| d.looked_up()).map(|d| d.confirmed)))
        .category("rdns_error", ips.iter().map(|a| dns(a).and_then(|d| d.error.map(|e| e.as_str()))))
        .build()
}

fn labels(a: &Assessed) -> Option<&Labels> {
    a.labels.as_deref()
}

fn dns(a: &Assessed) -> Option<&DnsName> {
    labels(a).and_then(|l| l.dns.as_ref())
}

/// The ATT&CK techniques of the categories an address's suspicious events fall in,
/// in category order, then those of the behaviour rules it tripped, each once:
/// `T1110;T1595`.
fn techniques(a: &Assessed) -> String {
    let by_category = a.stats.suspicion.as_deref().map_or(&[][..], |s| &s.by_category[..]);
    let counted = Category::ALL.into_iter().filter(|c| by_category.get(c.index()).is_some_and(|&n| n > 0));
    let mut ids: Vec<&str> = Vec::new();
    let from_lines = counted.filter_map(|c| c.attack_technique().map(|t| t.0));
    for id in from_lines.chain(a.trips.iter().map(|t| t.rule.attack_technique())) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.join(";")
}

/// The behaviour rules an address tripped: `http_probing;login_flood`.
fn behaviour_list(a: &Assessed) -> String {
    a.trips.iter().map(|t| t.rule.as_str()).collect::<Vec<_>>().join(";")
}

/// `campaigns`: one row per distributed campaign, largest first.
pub fn campaigns_batch(campaigns: &[Campaign]) -> Batch {
    let c = campaigns;
    BatchBuilder::of(&columns::CAMPAIGNS)
        .int("campaign", c.iter().map(|c| Some(i64::from(c.id))))
        .category("shared", c.iter().map(|c| Some(c.shared.as_str())))
        .text("evidence", c.iter().map(|c| Some(c.evidence.as_str())))
        .int("addresses", c.iter().map(|c| Some(c.ips.len() as i64)))
        .text("ips", c.iter().map(|c| Some(join_escaped(c.ips.iter().map(String::as_str)))))
        .timestamp("first_seen", c.iter().map(|c| Some(c.first_seen)))
        .timestamp("last_seen", c.iter().map(|c| Some(c.last_seen)))
        .int("events", c.iter().map(|c| Some(c.events as i64)))
        .build()
}

/// (status, answers), by status.
pub fn statuses(counted: &[(u16, u64)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = counted.iter().map(|&(s, n)| (i64::from(s), n as i64)).collect();
    v.sort_unstable();
    v
}

/// The names of the categories in `mask` (bit `Category::index`), in category order.
pub fn category_names(mask: u16) -> impl Iterator<Item = &'static str> {
    Category::ALL.into_iter().filter(move |c| mask & (1 << c.index()) != 0).map(Category::as_str)
}

/// `sessions`: one row per burst of suspicious events of an address.
pub fn sessions_batch(ips: &[Assessed]) -> Batch {
    let rows: Vec<(&str, &Session)> = ips
        .iter()
        .flat_map(|a| a.stats.suspicion.iter().flat_map(move |s| s.sessions.iter().map(move |x| (a.ip.as_str(), x))))
        .collect();
    BatchBuilder::of(&columns::SESSIONS)
        .text("ip", rows.iter().map(|r| Some(r.0)))
        .timestamp("start", rows.iter().map(|r| Some(r.1.start)))
        .timestamp("end", rows.iter().map(|r| Some(r.1.end)))
        .int("duration_s", rows.iter().map(|r| Some((r.1.end - r.1.start) / 1_000_000)))
        .int("events", rows.iter().map(|r| Some(r.1.events as i64)))
        .categories("categories", rows.iter().map(|r| category_names(r.1.categories)))
        .build()
}

/// A username's attempts, addresses, first and last try.
type UserTally = (u64, u64, Option<i64>, Option<i64>);

/// `usernames`: one row per username tried in a suspicious line.
pub fn usernames_batch(ips: &[Assessed], policy: &Policy) -> Batch {
    let mut users: BTreeMap<&str, UserTally> = BTreeMap::new();
    for a in ips {
        for (name, tries) in a.stats.suspicion.iter().flat_map(|s| s.usernames.iter()) {
            let e = users.entry(name.as_str()).or_default();
            e.0 += tries.count;
            e.1 += 1;
            e.2 = min_opt(e.2, tries.first);
            e.3 = max_opt(e.3, tries.last);
        }
    }
    let mut rows: Vec<(&str, UserTally)> = users.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
    BatchBuilder::of(&columns::USERNAMES)
        .text("username", rows.iter().map(|r| Some(r.0.to_owned())))
        .int("attempts", rows.iter().map(|r| Some(r.1 .0 as i64)))
        .int("ips", rows.iter().map(|r| Some(r.1 .1 as i64)))
        .timestamp("first_seen", rows.iter().map(|r| r.1 .2))
        .timestamp("last_seen", rows.iter().map(|r| r.1 .3))
        .boolean("allowed", rows.iter().map(|r| Some(policy.allow_users.contains(r.0))))
        .build()
}

/// `daily`: events per UTC day and address; `rows` are `daily_rows` (sorted by day,
/// then address), or a batch of them.
pub fn daily_batch(rows: &[(i32, &str, u64)]) -> Batch {
    BatchBuilder::of(&columns::DAILY)
        .date("day", rows.iter().map(|r| r.0))
        .text("ip", rows.iter().map(|r| Some(r.1)))
        .int("events", rows.iter().map(|r| Some(r.2 as i64)))
        .build()
}

/// `patterns`: one row per suggested attack pattern, best first (see `learn`).
pub fn patterns_batch(suggestions: &[crate::learn::Suggestion]) -> Batch {
    let s = suggestions;
    BatchBuilder::of(&columns::PATTERNS)
        .text("pattern", s.iter().map(|s| Some(s.pattern.clone())))
        .category("kind", s.iter().map(|s| Some(crate::learn::file::kind_name(s.kind).to_owned())))
        .int("attacker_ips", s.iter().map(|s| Some(s.attacker_ips as i64)))
        .int("attacker_hits", s.iter().map(|s| Some(s.attacker_hits as i64)))
        .int("benign_ips", s.iter().map(|s| Some(s.benign_ips as i64)))
        .int("benign_hits", s.iter().map(|s| Some(s.benign_hits as i64)))
        .float("confidence", s.iter().map(|s| Some(s.confidence)))
        .timestamp("first_seen", s.iter().map(|s| s.first_seen))
        .timestamp("last_seen", s.iter().map(|s| s.last_seen))
        .text("example", s.iter().map(|s| non_empty(&s.example)))
        .boolean("sampled", s.iter().map(|s| Some(s.sampled)))
        .text("check", s.iter().map(|s| Some(s.check)))
        .build()
}

/// `attackers`: one row per address with a suspicious event in a store period: new or
/// returning (suspicious on some day before the period), and its events then and in
/// the previous period.
pub fn attackers_batch(ips: &[Assessed], period: &PeriodOrigin) -> Batch {
    let rows: Vec<&Assessed> = ips.iter().filter(|a| a.is_suspect()).collect();
    let first_seen = &period.first_suspicious_day;
    BatchBuilder::of(&columns::ATTACKERS)
        .text("ip", rows.iter().map(|a| Some(a.ip.clone())))
        .category("verdict", rows.iter().map(|a| Some(a.verdict.as_str().to_owned())))
        .float("score", rows.iter().map(|a| Some(a.score)))
        .boolean("sneak", rows.iter().map(|a| Some(a.sneak)))
        .category(
            "status",
            rows.iter().map(|a| Some(if first_seen.contains_key(&a.ip) { "returning" } else { "new" }.to_owned())),
        )
        .text("first_suspicious_day", rows.iter().map(|a| first_seen.get(&a.ip).map(|d| format_day(*d))))
        .int("suspicious_events", rows.iter().map(|a| Some(a.stats.suspicious_events() as i64)))
        .int(
            "previous_events",
            rows.iter().map(|a| Some(period.previous_events.get(&a.ip).copied().unwrap_or(0) as i64)),
        )
        .int("previous_blocks", rows.iter().map(|a| Some(i64::from(a.previous_blocks))))
        .build()
}

/// `servers`: one row per address of `ips` and server of the fleet that saw it, in
/// `ips` order, its servers in name order.
pub fn servers_batch(ips: &[Assessed], fleet: &FleetOrigin) -> Batch {
    let rows: Vec<(&str, &ServerSighting)> =
        ips.iter().flat_map(|a| fleet.of(&a.ip).iter().map(move |s| (a.ip.as_str(), s))).collect();
    BatchBuilder::of(&columns::SERVERS)
        .text("ip", rows.iter().map(|r| Some(r.0)))
        .category("server", rows.iter().map(|r| Some(fleet.servers[r.1.server].as_str())))
        .int("events", rows.iter().map(|r| Some(r.1.events as i64)))
        .int("suspicious_events", rows.iter().map(|r| Some(r.1.suspicious_events as i64)))
        .timestamp("first_seen", rows.iter().map(|r| r.1.first_seen))
        .timestamp("last_seen", rows.iter().map(|r| r.1.last_seen))
        .int("active_day_count", rows.iter().map(|r| Some(r.1.active_days as i64)))
        .build()
}
