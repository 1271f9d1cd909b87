//! report.html and report-fragment.html: a plain, owned model of what the report shows
//! (`ReportData`, built from a scan's outputs or from the history store) and
//! the writer that turns it into one self-contained, strictly escaped HTML page.

pub mod agents;
mod campaigns;
mod charts;
pub mod escape;
mod files;
pub mod fleet;
mod format;
pub mod history;
pub mod host;
mod html;
pub mod links;
mod markup;
pub mod panels;
mod sections;
mod tops;
mod verdict;
mod weekly;

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::aggregate::assess::Assessed;
use crate::aggregate::blocklist::BlockEntry;
use crate::aggregate::campaigns::Campaign;
use crate::aggregate::ip_stats::{max_opt, min_opt, Suspicion};
use crate::aggregate::sessions::Session;
use crate::aggregate::FileStats;
use crate::detect::behaviour::BehaviourRules;
use crate::detect::policy::{Policy, Verdict};
use crate::learn::Suggestion;
use crate::vocab::event::Category;
use crate::vocab::files::write_atomic;
use crate::vocab::labels::{Enriched, Labels};
use crate::vocab::time::day_of;

pub use crate::aggregate::tally::{EventTally, Traffic, UserSplit};
pub use agents::AgentGroup;
pub use history::{AttackerRow, HistoryView};
pub use html::{render_fragment, render_page};
pub use links::Links;
pub use panels::Panel;

/// Addresses given a drill-down panel unless `--report-panels` says otherwise.
pub const DEFAULT_PANELS: usize = 200;

/// Row caps: the report of a 1 GB scan must still open fast. The tables hold the rest.
pub const MAX_VISITORS: usize = 500;
pub const MAX_USERNAMES: usize = 500;
pub const MAX_SESSIONS: usize = 500;
pub const MAX_TOP: usize = 50;
pub const MAX_DIRECTORIES: usize = 30;
pub const MAX_HEAT_ROWS: usize = 60;
pub const MAX_BLOCK_ROWS: usize = 1000;
pub const MAX_SUGGESTIONS: usize = 250;

#[derive(Clone, Debug, PartialEq)]
pub struct FileRow {
    pub path: String,
    pub format: String,
    /// `gzip`, `xz`... for an archive.
    pub compression: Option<String>,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// (line number, raw line) of a few unparsed lines: attacker-controlled text.
    pub unparsed_examples: Vec<(u64, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VisitorRow {
    pub ip: String,
    /// Range, country, AS and DNS labels, when enrichment gave any.
    pub labels: Option<Labels>,
    pub verdict: Verdict,
    pub sneak: bool,
    pub allowed: bool,
    pub score: f64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Days with suspicious events.
    pub days_active: usize,
    pub events: u64,
    pub suspicious_events: u64,
    /// Suspicious categories with counts, in `Category::ALL` order.
    pub categories: Vec<(Category, u64)>,
    pub top_paths: Vec<(String, u64)>,
    pub usernames: usize,
    pub sessions: usize,
    /// The behaviour rules tripped: (rule, a few words of evidence, the full evidence).
    pub behaviour: Vec<(&'static str, String, String)>,
    /// The largest campaign the address is in.
    pub campaign: Option<u32>,
    /// Earlier days a history store saw it blocked, and the first of them.
    pub previous_blocks: u32,
    pub first_blocked: Option<i32>,
}

/// Suspicious addresses grouped by one label: where the attacks come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origins {
    pub ranges: Vec<OriginRow>,
    pub countries: Vec<OriginRow>,
    /// Keyed `AS64500 Example Hosting`.
    pub systems: Vec<OriginRow>,
}

/// One label's share of the attackers, largest first.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginRow {
    pub label: String,
    pub addresses: u64,
    pub block: u64,
    pub watch: u64,
    pub suspicious_events: u64,
}

impl Origins {
    fn of(suspicious: &[&Assessed]) -> Origins {
        let group = |key: &dyn Fn(&Labels) -> Option<String>| {
            let mut rows: FxHashMap<String, OriginRow> = FxHashMap::default();
            for a in suspicious {
                let Some(label) = a.labels.as_deref().and_then(key) else { continue };
                let row = rows.entry(label).or_insert_with_key(|k| OriginRow {
                    label: k.clone(),
                    addresses: 0,
                    block: 0,
                    watch: 0,
                    suspicious_events: 0,
                });
                row.addresses += 1;
                row.block += u64::from(a.verdict == Verdict::Block);
                row.watch += u64::from(a.verdict == Verdict::Watch);
                row.suspicious_events += a.stats.suspicious_events();
            }
            let mut rows: Vec<OriginRow> = rows.into_values().collect();
            rows.sort_by(|a, b| {
                b.addresses
                    .cmp(&a.addresses)
                    .then(b.suspicious_events.cmp(&a.suspicious_events))
                    .then_with(|| a.label.cmp(&b.label))
            });
            rows
        };
        Origins {
            ranges: group(&|l| l.range.as_deref().map(str::to_owned)),
            countries: group(&|l| l.country.as_deref().map(str::to_owned)),
            systems: group(&|l| l.asn.map(|n| as_name(n, l.as_org.as_deref()))),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.countries.is_empty() && self.systems.is_empty()
    }
}

/// `AS64500 Example Hosting`, or `AS64500` without an organisation.
pub fn as_name(number: u32, org: Option<&str>) -> String {
    match org {
        Some(o) if !o.is_empty() => format!("AS{number} {o}"),
        _ => format!("AS{number}"),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct UsernameRow {
    pub name: String,
    pub attempts: u64,
    pub ips: u64,
    pub split: UserSplit,
    pub allowed: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

/// A path, directory or user agent with how often and by how many addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct TopRow {
    pub text: String,
    pub hits: u64,
    pub ips: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub ip: String,
    pub start: i64,
    pub end: i64,
    pub events: u64,
    pub categories: Vec<Category>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HeatRow {
    pub ip: String,
    pub sneak: bool,
    pub verdict: Verdict,
    pub score: f64,
    /// (UTC day, suspicious events), sorted by day.
    pub cells: Vec<(i32, u64)>,
}

/// How many rows a capped list had before the cap.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    pub files: usize,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    pub suspicious_events: u64,
    /// Addresses with a suspicious event.
    pub addresses: usize,
    pub block: usize,
    pub watch: usize,
    pub sneak: usize,
    pub visitors: usize,
    pub usernames: usize,
    pub sessions: usize,
    pub paths: usize,
    pub directories: usize,
    pub agents: usize,
    pub agent_groups: usize,
    pub heat_rows: usize,
    /// Files found but not read.
    pub skipped: usize,
}

/// Everything the report shows, as plain rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportData {
    pub version: String,
    pub files: Vec<FileRow>,
    /// First and last timestamp read (UTC micros).
    pub period: Option<(i64, i64)>,
    pub totals: Totals,
    /// (UTC day, category, suspicious events), by day then category.
    pub daily: Vec<(i32, Category, u64)>,
    pub visitors: Vec<VisitorRow>,
    pub usernames: Vec<UsernameRow>,
    pub directories: Vec<TopRow>,
    pub paths: Vec<TopRow>,
    /// User agents grouped by product and major version, most hits first.
    pub agents: Vec<AgentGroup>,
    pub sessions: Vec<SessionRow>,
    pub heat: Vec<HeatRow>,
    pub blocklist: Option<Vec<BlockEntry>>,
    pub suggestions: Option<Vec<Suggestion>>,
    /// Distributed campaigns, largest first.
    pub campaigns: Vec<Campaign>,
    /// The enrichment asked for (`--dns`, `--ranges`...), whether or not it found labels.
    pub enriched: Enriched,
    /// The suspicious addresses grouped by range label, country and AS.
    pub origins: Origins,
    /// This server's sockets and the services attacked (`--host-info`).
    pub host: Option<host::HostView>,
    /// Built from the history store (`knocklog report`): the store, new vs returning
    /// attackers and the change on the period before.
    pub history: Option<Box<HistoryView>>,
    /// Drill-down panels of the worst visitors, in `visitors` order.
    pub panels: Vec<Panel>,
    /// Where each listed address links to: its panel or its visitors row.
    pub links: Links,
    /// Lines per day and the status mix of all the traffic (a scan only).
    pub traffic: Traffic,
}

impl ReportData {
    /// The report of one scan. `ips` is the assessed table (worst first).
    /// `panels`: how many of the worst visitors get a drill-down panel.
    pub fn from_scan(
        files: &[FileStats],
        ips: &[Assessed],
        tally: &EventTally,
        policy: &Policy,
        panels: usize,
    ) -> ReportData {
        let suspicious: Vec<&Assessed> = ips.iter().filter(|a| a.is_suspect()).collect();
        let mut totals = Totals {
            files: files.len(),
            lines: files.iter().map(|f| f.counts.lines).sum(),
            parsed: files.iter().map(|f| f.counts.parsed).sum(),
            unparsed: files.iter().map(|f| f.counts.unparsed).sum(),
            suspicious_events: suspicious.iter().map(|a| a.stats.suspicious_events()).sum(),
            addresses: suspicious.len(),
            block: ips.iter().filter(|a| a.verdict == Verdict::Block).count(),
            watch: ips.iter().filter(|a| a.verdict == Verdict::Watch).count(),
            sneak: ips.iter().filter(|a| a.sneak).count(),
            ..Totals::default()
        };
        let first = files.iter().filter_map(|f| f.first_micros).min();
        let last = files.iter().filter_map(|f| f.last_micros).max();
        let period = first.zip(last);

        // Rows only for the addresses the report lists (worst first): a scan of a million
        // scanners built a row for each and kept 500.
        let visitors: Vec<VisitorRow> =
            suspicious.iter().take(MAX_VISITORS).map(|a| visitor_row(a, &policy.behaviour)).collect();
        totals.visitors = suspicious.len();

        let usernames = username_rows(&suspicious, tally, policy);
        totals.usernames = usernames.len();
        let (paths, directories, agent_count) = top_rows(&suspicious);
        (totals.paths, totals.directories, totals.agents) = (paths.len(), directories.len(), agent_count);
        let agent_groups = agents::groups(&suspicious);
        totals.agent_groups = agent_groups.len();
        let (all_sessions, sessions) = session_rows(&suspicious);
        totals.sessions = all_sessions;
        let (heat_rows_found, heat) = heat_rows(&suspicious, MAX_HEAT_ROWS);
        totals.heat_rows = heat_rows_found;
        let panel_count = panels.min(visitors.len());
        let links = Links::of(&visitors, panel_count);
        let panels = suspicious.iter().take(panel_count).map(|a| Panel::of(a, &tally.trails)).collect();

        ReportData {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            files: files.iter().map(file_row).collect(),
            period,
            totals,
            daily: tally.day_category.iter().map(|(&(d, c), &n)| (d, c, n)).collect(),
            visitors,
            usernames: capped(usernames, MAX_USERNAMES),
            directories: capped(directories, MAX_DIRECTORIES),
            paths: capped(paths, MAX_TOP),
            agents: capped(agent_groups, MAX_TOP),
            sessions,
            heat,
            blocklist: None,
            suggestions: None,
            campaigns: Vec::new(),
            enriched: Enriched::default(),
            origins: Origins::of(&suspicious),
            host: None,
            history: None,
            panels,
            links,
            traffic: tally.traffic.clone(),
        }
    }

    /// How many files the scan found but could not read (the health note says so).
    pub fn with_skipped(mut self, skipped: usize) -> Self {
        self.totals.skipped = skipped;
        self
    }

    pub fn with_blocklist(mut self, entries: &[BlockEntry]) -> Self {
        self.blocklist = Some(entries.to_vec());
        self
    }

    pub fn with_campaigns(mut self, campaigns: &[Campaign]) -> Self {
        self.campaigns = campaigns.to_vec();
        self
    }

    pub fn with_suggestions(mut self, suggestions: &[Suggestion]) -> Self {
        self.suggestions = Some(suggestions.to_vec());
        self
    }

    /// First and last UTC day of the period (falls back to the chart's days).
    pub fn day_span(&self) -> Option<(i32, i32)> {
        let from_period = self.period.map(|(a, b)| (day_of(a), day_of(b)));
        let from_daily = self.daily.first().zip(self.daily.last()).map(|(a, b)| (a.0, b.0));
        match (from_period, from_daily) {
            (Some(p), Some(d)) => Some((p.0.min(d.0), p.1.max(d.1))),
            (p, d) => p.or(d),
        }
    }
}

/// Writes report.html (always) and report-fragment.html (with `fragment`) into `out`,
/// each atomically; returns the paths written.
pub fn write_reports(
    out: &std::path::Path,
    data: &ReportData,
    fragment: bool,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    let page = out.join("report.html");
    write_atomic(&page, render_page(data).as_bytes())?;
    written.push(page);
    if fragment {
        let path = out.join("report-fragment.html");
        write_atomic(&path, render_fragment(data).as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

impl ReportData {
    /// This server's sockets, against the services the suspicious addresses of `ips`
    /// went for.
    pub fn with_host(mut self, info: Option<&crate::vocab::host::HostInfo>, ips: &[Assessed]) -> Self {
        let suspicious: Vec<&Assessed> = ips.iter().filter(|a| a.is_suspect()).collect();
        self.host = info.map(|i| host::HostView::of(i, &suspicious));
        self
    }

    /// Which enrichment the findings had (their labels are on the visitors already).
    pub fn with_enriched(mut self, enriched: Enriched) -> Self {
        self.enriched = enriched;
        self
    }
}

fn capped<T>(mut v: Vec<T>, cap: usize) -> Vec<T> {
    v.truncate(cap);
    v
}

fn file_row(f: &FileStats) -> FileRow {
    FileRow {
        path: f.path.clone(),
        format: f.format.clone(),
        compression: f.compression.clone(),
        lines: f.counts.lines,
        parsed: f.counts.parsed,
        unparsed: f.counts.unparsed,
        first_seen: f.first_micros,
        last_seen: f.last_micros,
        unparsed_examples: f.unparsed_examples.iter().map(|e| (e.line_no, e.text.clone())).collect(),
    }
}

fn visitor_row(a: &Assessed, rules: &BehaviourRules) -> VisitorRow {
    let s = a.stats.suspicion.as_deref();
    VisitorRow {
        ip: a.ip.clone(),
        labels: a.labels.as_deref().cloned(),
        verdict: a.verdict,
        sneak: a.sneak,
        allowed: a.allowed,
        score: a.score,
        first_seen: a.stats.first_seen,
        last_seen: a.stats.last_seen,
        days_active: s.map_or(0, |s| s.daily.len()),
        events: a.stats.events,
        suspicious_events: a.stats.suspicious_events(),
        categories: s
            .map(|s| {
                Category::ALL
                    .iter()
                    .filter(|c| c.is_suspicious() && s.by_category[c.index()] > 0)
                    .map(|c| (*c, s.by_category[c.index()]))
                    .collect()
            })
            .unwrap_or_default(),
        top_paths: s
            .map(|s| Suspicion::top(&s.paths, 5).into_iter().map(|(p, n)| (p.to_owned(), n)).collect())
            .unwrap_or_default(),
        usernames: s.map_or(0, |s| s.usernames.len()),
        sessions: s.map_or(0, |s| s.sessions.len()),
        behaviour: a.trips.iter().map(|t| (t.rule.as_str(), t.brief(), t.describe(rules))).collect(),
        campaign: a.campaign,
        previous_blocks: a.previous_blocks,
        first_blocked: a.first_blocked,
    }
}

fn username_rows(ips: &[&Assessed], tally: &EventTally, policy: &Policy) -> Vec<UsernameRow> {
    let mut users: BTreeMap<&str, UsernameRow> = BTreeMap::new();
    for a in ips {
        for (name, tries) in a.stats.suspicion.iter().flat_map(|s| s.usernames.iter()) {
            let row = users.entry(name.as_str()).or_insert_with(|| UsernameRow {
                name: name.clone(),
                attempts: 0,
                ips: 0,
                split: tally.users.get(name.as_str()).copied().unwrap_or_default(),
                allowed: policy.allow_users.contains(name.as_str()),
                first_seen: None,
                last_seen: None,
            });
            row.attempts += tries.count;
            row.ips += 1;
            row.first_seen = min_opt(row.first_seen, tries.first);
            row.last_seen = max_opt(row.last_seen, tries.last);
        }
    }
    let mut rows: Vec<UsernameRow> = users.into_values().collect();
    rows.sort_by(|a, b| b.attempts.cmp(&a.attempts).then_with(|| a.name.cmp(&b.name)));
    rows
}

/// Paths and the directories they are in, most hits first, and how many distinct
/// user agents there were (`agents` groups them).
fn top_rows(ips: &[&Assessed]) -> (Vec<TopRow>, Vec<TopRow>, usize) {
    let mut paths: FxHashMap<&str, (u64, u64)> = FxHashMap::default();
    let mut dirs: FxHashMap<&str, (u64, u64)> = FxHashMap::default();
    let mut agents: FxHashMap<&str, (u64, u64)> = FxHashMap::default();
    for a in ips {
        let Some(s) = a.stats.suspicion.as_deref() else { continue };
        let mut my_dirs: FxHashMap<&str, u64> = FxHashMap::default();
        for (p, &n) in &s.paths {
            add(&mut paths, p, n);
            *my_dirs.entry(directory_of(p)).or_default() += n;
        }
        for (d, n) in my_dirs {
            add(&mut dirs, d, n);
        }
        for (u, &n) in &s.user_agents {
            add(&mut agents, u, n);
        }
    }
    (sorted_top(paths), sorted_top(dirs), agents.len())
}

fn add<'a>(map: &mut FxHashMap<&'a str, (u64, u64)>, key: &'a str, hits: u64) {
    let e = map.entry(key).or_default();
    e.0 += hits;
    e.1 += 1;
}

pub(crate) fn sorted_top(map: FxHashMap<&str, (u64, u64)>) -> Vec<TopRow> {
    let mut rows: Vec<TopRow> =
        map.into_iter().map(|(k, (hits, ips))| TopRow { text: k.to_owned(), hits, ips }).collect();
    rows.sort_by(|a, b| b.hits.cmp(&a.hits).then(b.ips.cmp(&a.ips)).then_with(|| a.text.cmp(&b.text)));
    rows
}

/// The directory a request path is in: `/admin/login.php` -> `/admin/`, `/x` -> `/`.
pub fn directory_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => path,
    }
}

/// The suspicious sessions of every address, and the ones the report shows in time
/// order: all of them, or the `MAX_SESSIONS` biggest (most events) when there are
/// more. The biggest are picked before any row is built: a long scan has 100k sessions.
fn session_rows(ips: &[&Assessed]) -> (usize, Vec<SessionRow>) {
    let mut sessions: Vec<(&Assessed, &Session)> = ips
        .iter()
        .flat_map(|a| a.stats.suspicion.iter().flat_map(|s| s.sessions.iter()).map(move |s| (*a, s)))
        .collect();
    let total = sessions.len();
    if total > MAX_SESSIONS {
        sessions.select_nth_unstable_by(MAX_SESSIONS - 1, |a, b| {
            b.1.events.cmp(&a.1.events).then(a.1.start.cmp(&b.1.start)).then_with(|| a.0.ip.cmp(&b.0.ip))
        });
        sessions.truncate(MAX_SESSIONS);
    }
    sessions.sort_unstable_by(|a, b| a.1.start.cmp(&b.1.start).then_with(|| a.0.ip.cmp(&b.0.ip)));
    let rows = sessions
        .into_iter()
        .map(|(a, s)| SessionRow {
            ip: a.ip.clone(),
            start: s.start,
            end: s.end,
            events: s.events,
            categories: Category::ALL.into_iter().filter(|c| s.categories & (1 << c.index()) != 0).collect(),
        })
        .collect();
    (total, rows)
}

/// Addresses seen on more than one day, highest score first (then the sneak attackers,
/// days and events): the returners a per-day view misses. How many there are, and the
/// rows of the first `cap` (only those are built).
fn heat_rows(ips: &[&Assessed], cap: usize) -> (usize, Vec<HeatRow>) {
    let mut rows: Vec<(&Assessed, &Suspicion)> = ips
        .iter()
        .filter_map(|a| a.stats.suspicion.as_deref().map(|s| (*a, s)))
        .filter(|(_, s)| s.daily.len() > 1)
        .collect();
    let worst_first = |a: &(&Assessed, &Suspicion), b: &(&Assessed, &Suspicion)| {
        b.0.score
            .total_cmp(&a.0.score)
            .then(b.0.sneak.cmp(&a.0.sneak))
            .then(b.1.daily.len().cmp(&a.1.daily.len()))
            .then(b.1.events.cmp(&a.1.events))
            .then_with(|| a.0.ip.cmp(&b.0.ip))
    };
    let found = rows.len();
    if found > cap {
        rows.select_nth_unstable_by(cap, worst_first);
        rows.truncate(cap);
    }
    rows.sort_by(worst_first);
    let rows = rows
        .into_iter()
        .map(|(a, s)| {
            let mut cells = s.daily.clone();
            cells.sort_unstable();
            HeatRow { ip: a.ip.clone(), sneak: a.sneak, verdict: a.verdict, score: a.score, cells }
        })
        .collect();
    (found, rows)
}

#[cfg(test)]
mod tests;
