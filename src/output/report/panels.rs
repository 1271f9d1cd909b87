//! Per-address drill-down panels: for each of the worst visitors (`--report-panels`),
//! one anchored `<article>` with its verdict and why, its labels, sessions,
//! usernames, paths, user agents, the rules that fired, its days, and its first
//! events across the logs in time order.
//!
//! The per-event timeline comes from the scan's bounded trail of each address
//! (`aggregate::trail`: its earliest suspicious events, not all of them), because the
//! scan does not hold every event; the panel says how many more there were and the
//! sessions show when they came. A store period has no trails, so its panels show
//! the sessions alone.

use std::fmt::Write;

use super::escape::{push_attr, push_text, shorten};
use super::format::{self, count};
use super::markup::{note, verdict_badge};
use super::{ReportData, SessionRow, VisitorRow};
use crate::aggregate::assess::Assessed;
use crate::aggregate::ip_stats::Suspicion;
use crate::aggregate::trail::{TrailEvent, Trails};
use crate::vocab::event::Category;

/// Rows of each list in a panel at most; the tables have the rest.
const PANEL_ROWS: usize = 10;
/// Sessions listed in a panel at most (the largest, in time order).
const PANEL_SESSIONS: usize = 12;

#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub ip: String,
    pub sessions: Vec<SessionRow>,
    pub sessions_total: usize,
    /// (name, tries), most first.
    pub usernames: Vec<(String, u64)>,
    pub usernames_total: usize,
    pub paths: Vec<(String, u64)>,
    pub paths_total: usize,
    pub agents: Vec<(String, u64)>,
    pub agents_total: usize,
    /// (rule, its category, events it decided), most first.
    pub rules: Vec<(String, Option<Category>, u64)>,
    /// (UTC day, suspicious events), by day.
    pub days: Vec<(i32, u64)>,
    /// The address's earliest suspicious events across the logs, in time order.
    pub timeline: Vec<TrailEvent>,
    /// Suspicious events the trail saw (kept or not).
    pub timeline_seen: u64,
    /// Suspicious lines of the address in all: more than `timeline_seen` when its
    /// trail was dropped once (see `aggregate::trail`) and begun again.
    pub suspicious_lines: u64,
}

impl Panel {
    pub fn of(a: &Assessed, trails: &Trails) -> Panel {
        let s = a.stats.suspicion.as_deref();
        let top = |map: Option<&crate::aggregate::bounded::BoundedCounts<u64>>| -> (Vec<(String, u64)>, usize) {
            match map {
                Some(m) => {
                    (Suspicion::top(m, PANEL_ROWS).into_iter().map(|(k, n)| (k.to_owned(), n)).collect(), m.len())
                }
                None => (Vec::new(), 0),
            }
        };
        let (paths, paths_total) = top(s.map(|s| &s.paths));
        let (agents, agents_total) = agent_groups(s);
        let mut usernames: Vec<(String, u64)> =
            s.map(|s| s.usernames.iter().map(|(k, t)| (k.clone(), t.count)).collect()).unwrap_or_default();
        let usernames_total = usernames.len();
        usernames.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        usernames.truncate(PANEL_ROWS);

        let all_sessions = s.map_or(&[][..], |s| &s.sessions[..]);
        let mut sessions: Vec<_> = all_sessions.iter().collect();
        sessions.sort_by(|x, y| y.events.cmp(&x.events).then(x.start.cmp(&y.start)));
        sessions.truncate(PANEL_SESSIONS);
        sessions.sort_by_key(|x| x.start);
        let sessions = sessions
            .into_iter()
            .map(|x| SessionRow {
                ip: a.ip.clone(),
                start: x.start,
                end: x.end,
                events: x.events,
                categories: Category::ALL.into_iter().filter(|c| x.categories & (1 << c.index()) != 0).collect(),
            })
            .collect();

        let trail = trails.get(&a.ip);
        let mut rules: Vec<(String, Option<Category>, u64)> = trail
            .map(|t| {
                t.rules
                    .iter()
                    .map(|&(r, n)| {
                        let (name, c) = trails.rule_name(r);
                        (name, c, n)
                    })
                    .collect()
            })
            .unwrap_or_default();
        rules.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut days = s.map(|s| s.daily.clone()).unwrap_or_default();
        days.sort_unstable();
        Panel {
            ip: a.ip.clone(),
            sessions,
            sessions_total: all_sessions.len(),
            usernames,
            usernames_total,
            paths,
            paths_total,
            agents,
            agents_total,
            rules,
            days,
            timeline: trail.map(|t| t.events.clone()).unwrap_or_default(),
            timeline_seen: trail.map_or(0, |t| t.seen),
            // Every suspicious line of the address, weak ones included, as the trail counts.
            suspicious_lines: s.map_or(0, |s| s.by_category.iter().sum()),
        }
    }
}

/// An address's user agents by group (`agents::group_key`), most hits first: 100
/// Nikto agents that differ in a test number are one line.
fn agent_groups(s: Option<&Suspicion>) -> (Vec<(String, u64)>, usize) {
    let Some(s) = s else { return (Vec::new(), 0) };
    let mut groups: std::collections::BTreeMap<String, (u64, usize, &str)> = std::collections::BTreeMap::new();
    for (agent, &n) in &s.user_agents {
        let g = groups.entry(super::agents::group_key(agent)).or_insert((0, 0, agent.as_str()));
        (g.0, g.1) = (g.0 + n, g.1 + 1);
    }
    let total = groups.len();
    let mut rows: Vec<(String, u64)> = groups
        .into_iter()
        .map(|(key, (hits, variants, agent))| {
            let name = if variants > 1 { format!("{key} ({variants} variants)") } else { agent.to_owned() };
            (name, hits)
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(PANEL_ROWS);
    (rows, total)
}

/// Why an address has its verdict, in a few words (HTML): sneak attacker, the rules
/// of behaviour it tripped, its campaign, earlier blocks, its main categories.
pub fn why(v: &VisitorRow) -> String {
    let mut parts: Vec<String> = Vec::new();
    if v.sneak {
        parts.push(format!("sneak attacker: suspicious on {} days, little on each", v.days_active));
    }
    for (rule, brief, _) in &v.behaviour {
        parts.push(format!("{rule} ({})", super::escape::text(brief)));
    }
    if let Some(c) = v.campaign {
        parts.push(format!("in campaign {c}"));
    }
    if v.previous_blocks > 0 {
        parts.push(format!(
            "blocked on {} earlier day{}",
            v.previous_blocks,
            if v.previous_blocks == 1 { "" } else { "s" }
        ));
    }
    let mut cats = v.categories.clone();
    cats.sort_by_key(|c| std::cmp::Reverse(c.1));
    let cats: Vec<String> = cats.iter().take(3).map(|(c, n)| format!("{} {}", c.as_str(), count(*n))).collect();
    parts.push(format!("{} suspicious events: {}", count(v.suspicious_events), cats.join(", ")));
    parts.join("; ")
}

/// Every panel, in one section.
pub fn section(out: &mut String, d: &ReportData) {
    if d.panels.is_empty() {
        return;
    }
    super::markup::heading(out, "addresses", "Address details");
    note(
        out,
        &format!(
            "One panel for each of the {} worst addresses (<code>--report-panels</code>); every other listed address links to its row of the visitors table. Times are UTC.",
            count(d.panels.len() as u64)
        ),
    );
    for (p, v) in d.panels.iter().zip(&d.visitors) {
        panel(out, d, p, v);
    }
}

fn panel(out: &mut String, d: &ReportData, p: &Panel, v: &VisitorRow) {
    let Some(id) = d.links.panel_id(&p.ip) else { return };
    let _ = write!(out, r#"<article class="knocklog-panel" id="{id}"><h3><code>"#);
    push_text(out, shorten(&p.ip, 60).0);
    let _ = write!(out, "</code> {} <small>score {:.0}</small>", verdict_badge(v.verdict, v.sneak), v.score);
    if let Some(row) = d.links.row_id(&p.ip) {
        let _ = write!(out, r##" <a class="knocklog-back" href="#{row}">row</a>"##);
    }
    out.push_str("</h3>");
    out.push_str(r#"<p class="knocklog-why">"#);
    out.push_str(&why(v));
    out.push_str("</p>");

    out.push_str(r#"<dl class="knocklog-facts">"#);
    let fact = |out: &mut String, name: &str, html: &str| {
        let _ = write!(out, "<div><dt>{name}</dt><dd>{html}</dd></div>");
    };
    let seen = match (v.first_seen, v.last_seen) {
        (Some(a), Some(b)) => format!("{} to {}", format::time(a), format::time(b)),
        _ => "–".into(),
    };
    fact(out, "Seen", &seen);
    fact(
        out,
        "Events",
        &format!(
            "{} suspicious of {}, on {} day{}",
            count(v.suspicious_events),
            count(v.events),
            v.days_active,
            if v.days_active == 1 { "" } else { "s" }
        ),
    );
    if let Some(l) = &v.labels {
        if let Some(n) = &l.dns {
            let mut h = String::new();
            match &n.name {
                Some(name) => {
                    h.push_str("<code>");
                    push_text(&mut h, name);
                    h.push_str("</code>");
                    h.push_str(if n.confirmed { " ✓" } else { " (unconfirmed)" });
                }
                None => h.push_str("no name"),
            }
            if let Some(e) = n.error {
                let _ = write!(h, " ({})", e.as_str());
            }
            fact(out, "Reverse DNS", &h);
        }
        if let Some(r) = &l.range {
            fact(out, "Range", &format!("<code>{}</code>", super::escape::text(r)));
        }
        if let Some(c) = &l.country {
            fact(out, "Country", &super::escape::text(c));
        }
        if let Some(n) = l.asn {
            fact(out, "AS", &super::escape::text(&super::as_name(n, l.as_org.as_deref())));
        }
    }
    out.push_str("</dl>");

    out.push_str(r#"<div class="knocklog-panel-grid">"#);
    // Categories with the rules that decided them.
    out.push_str(r#"<div><h4>Categories and rules</h4><ul class="knocklog-mini-list">"#);
    for (c, n) in &v.categories {
        out.push_str("<li>");
        super::charts::swatch(out, *c);
        let _ = write!(out, "{} ×{}</li>", c.as_str(), count(*n));
    }
    out.push_str("</ul><ul class=\"knocklog-mini-list\">");
    for (rule, _, n) in p.rules.iter().take(PANEL_ROWS) {
        out.push_str("<li><code>");
        push_text(out, rule);
        let _ = write!(out, "</code> ×{}</li>", count(*n));
    }
    if p.rules.is_empty() {
        out.push_str("<li><small>no classifier rule (policy or behaviour)</small></li>");
    }
    out.push_str("</ul></div>");
    mini_list(out, "Usernames", &p.usernames, p.usernames_total);
    mini_list(out, "Paths", &p.paths, p.paths_total);
    mini_list(out, "User agents", &p.agents, p.agents_total);
    out.push_str("</div>");

    if let Some((first, last)) = d.chart_span() {
        if !p.days.is_empty() {
            out.push_str(r#"<h4>Days</h4><div class="knocklog-heatbox">"#);
            super::charts::strip(out, &p.days, first, last);
            out.push_str("</div>");
        }
    }

    if !p.sessions.is_empty() {
        let _ = write!(out, "<h4>Sessions ({})</h4><ul class=\"knocklog-sessions\">", count(p.sessions_total as u64));
        for s in &p.sessions {
            let _ = write!(
                out,
                "<li>{} · {} · {} events ",
                format::time(s.start),
                format::duration(s.end - s.start),
                count(s.events)
            );
            // Names without swatches: 200 panels' swatches would weigh more than the text.
            out.push_str(&s.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "));
            out.push_str("</li>");
        }
        out.push_str("</ul>");
        if p.sessions_total > p.sessions.len() {
            note(
                out,
                &format!(
                    "The {} largest of {} sessions; <code>sessions.csv</code> has them all.",
                    p.sessions.len(),
                    count(p.sessions_total as u64)
                ),
            );
        }
    }

    if !p.timeline.is_empty() {
        let title = if p.suspicious_lines > p.timeline_seen { "Events, all logs" } else { "First events, all logs" };
        let _ = write!(out, "<h4>{title}</h4><ol class=\"knocklog-timeline\">");
        for e in &p.timeline {
            out.push_str("<li><span class=\"knocklog-time\">");
            match e.ts {
                Some(t) => out.push_str(&format::time(t)),
                None => out.push_str("no time"),
            }
            let _ = write!(out, "</span> <span class=\"knocklog-kind\">{}</span> ", e.kind.as_str());
            out.push_str(e.category.as_str());
            if e.status != 0 {
                let _ = write!(out, " <small>{}</small>", e.status);
            }
            // The trail keeps the detail shortened already: no title to repeat it.
            out.push_str(" <code class=\"knocklog-code\">");
            push_text(out, &e.detail);
            out.push_str("</code></li>");
        }
        out.push_str("</ol>");
        let more = p.timeline_seen.saturating_sub(p.timeline.len() as u64);
        if p.suspicious_lines > p.timeline_seen {
            note(
                out,
                &format!(
                    "Kept from later in the scan: the trails of the busiest addresses only are kept while reading, and this one's began again after {} suspicious lines; <code>events.csv</code> has every line.",
                    count(p.suspicious_lines - p.timeline_seen)
                ),
            );
        } else if more > 0 {
            note(
                out,
                &format!(
                    "The first {} of {} suspicious events ({} more); the sessions above show when the rest came, <code>events.csv</code> has every line.",
                    p.timeline.len(),
                    count(p.timeline_seen),
                    count(more)
                ),
            );
        }
    }
    out.push_str("</article>");
}

/// A short list of (text, count) under a heading, with how many there were in all.
fn mini_list(out: &mut String, title: &str, rows: &[(String, u64)], total: usize) {
    if rows.is_empty() {
        return;
    }
    let _ = write!(out, "<div><h4>{title} ({})</h4><ul class=\"knocklog-mini-list\">", count(total as u64));
    for (text, n) in rows {
        let (shown, cut) = shorten(text, 100);
        out.push_str("<li><code class=\"knocklog-code\"");
        if cut {
            out.push_str(" title=\"");
            push_attr(out, shorten(text, 2000).0);
            out.push('"');
        }
        out.push('>');
        push_text(out, shown);
        if cut {
            out.push('…');
        }
        let _ = write!(out, "</code> <small>×{}</small></li>", count(*n));
    }
    out.push_str("</ul>");
    if total > rows.len() {
        let _ = write!(out, "<p class=\"knocklog-note\">and {} more</p>", count((total - rows.len()) as u64));
    }
    out.push_str("</div>");
}
