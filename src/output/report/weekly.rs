//! The parts of the HTML report only a history report has: the period line, the
//! weekly section (new vs returning attackers, the change against the previous
//! period) and the overview of the store and its sources. Escaping and markup rules
//! are those of `markup`.

use std::fmt::Write;

use super::charts::swatch;
use super::escape::{push_text, text};
use super::format::{self, count, percent};
use super::history::{AttackerRow, HistoryView};
use super::markup::{
    cap_note, heading, note, table_end, table_start, table_start_in, td_addr, td_num, td_plain, td_text,
    td_verdict_score, Kind,
};
use super::ReportData;
use crate::findings::Change;

/// Sources listed in the overview at most.
const MAX_SOURCES: usize = 500;

fn days(d: (i32, i32)) -> String {
    format!("{} to {}", format::day(d.0), format::day(d.1))
}

/// `the history store <code>DIR</code>`, or `the fleet <code>DIR</code> (3 servers: ...)`.
fn source_named(h: &HistoryView) -> String {
    match &h.fleet {
        Some(f) => {
            format!("the fleet <code>{}</code> ({})", text(&h.figures.store), super::fleet::servers_named(&f.servers))
        }
        None => format!("the history store <code>{}</code>", text(&h.figures.store)),
    }
}

/// Under the title: the period, the store, how much of the period it holds.
pub fn period_line(out: &mut String, h: &HistoryView) {
    let from = source_named(h);
    let _ = write!(
        out,
        "{} (UTC days), from {from}: {} of {} days held",
        days(h.figures.days),
        count(h.figures.days_held as u64),
        count((h.figures.days.1 - h.figures.days.0 + 1) as u64)
    );
}

/// `+3 (+25 %)`, `-2 (-10 %)`, `+4 (none before)`, `no change`, and its class.
fn change(c: Change) -> (String, &'static str) {
    let diff = c.this as i64 - c.previous as i64;
    let class = match diff {
        1.. => "knocklog-up",
        ..=-1 => "knocklog-down",
        0 => "knocklog-same",
    };
    let text = match (c.previous, diff) {
        (_, 0) => "no change".to_owned(),
        (0, d) => format!("{d:+} (none before)"),
        (p, d) => format!("{d:+} ({:+.0} %)", d as f64 * 100.0 / p as f64),
    };
    (text, class)
}

fn change_span(out: &mut String, c: Change) {
    let (text, class) = change(c);
    let _ = write!(out, r#"<span class="{class}">{text}</span>"#);
}

/// One figure of the weekly section; `id` names its `<dd>` for readers and tests.
fn figure(out: &mut String, id: &str, name: &str, value: u64, sub: &str) {
    let _ = write!(
        out,
        r#"<div><dt>{name}</dt><dd id="knocklog-{id}" data-v="{value}">{}<small>{sub}</small></dd></div>"#,
        count(value)
    );
}

/// The weekly section: what changed since the previous period and who is new.
pub fn section(out: &mut String, d: &ReportData, h: &HistoryView) {
    heading(out, "weekly", "This period against the previous one");
    note(
        out,
        &format!(
            "This period: {}; the previous one: {} (the same length). An attacker is an address with a suspicious event; <em>returning</em>: the store holds a suspicious event of it on an earlier day, <em>new</em>: it does not.",
            days(h.figures.days),
            days(h.figures.previous_days)
        ),
    );
    out.push_str(r#"<dl class="knocklog-figures">"#);
    let mut sub = String::new();
    change_span(&mut sub, h.figures.attackers);
    let _ = write!(sub, " on {}", count(h.figures.attackers.previous));
    figure(out, "attackers", "Attackers", h.figures.attackers.this, &sub);
    figure(out, "new-attackers", "New", h.new_total as u64, "never suspicious before");
    figure(out, "returning-attackers", "Returning", h.returning_total as u64, "suspicious before this period");
    let mut sub = String::new();
    change_span(&mut sub, h.figures.suspicious_events);
    let _ = write!(sub, " on {}", count(h.figures.suspicious_events.previous));
    figure(out, "suspicious-events", "Suspicious events", h.figures.suspicious_events.this, &sub);
    out.push_str("</dl>");

    out.push_str("<h3>Change by category</h3>");
    let rows: Vec<_> = h.figures.by_category.iter().filter(|(_, c)| c.this > 0 || c.previous > 0).collect();
    if rows.is_empty() {
        note(out, "No suspicious event in either period.");
    } else {
        table_start_in(
            out,
            "knocklog-scroll knocklog-narrow",
            "Categories",
            &[("Category", Kind::Text), ("This period", Kind::Num), ("Previous", Kind::Num), ("Change", Kind::Num)],
        );
        for (c, n) in rows {
            out.push_str(r#"<tr><td class="knocklog-cat">"#);
            swatch(out, *c);
            out.push_str(c.as_str());
            out.push_str("</td>");
            td_num(out, n.this);
            td_num(out, n.previous);
            let (text, class) = change(*n);
            let _ = write!(
                out,
                r#"<td class="knocklog-num {class}" data-v="{}">{text}</td>"#,
                n.this as i64 - n.previous as i64
            );
            out.push_str("</tr>");
        }
        table_end(out);
        note(out, "Weak signals count in their category, as in <code>ips.csv</code>, not in the suspicious events.");
    }

    let _ = write!(out, "<h3>New attackers ({})</h3>", count(h.new_total as u64));
    attackers(out, d, "New attackers", &h.new, h.new_total, false);
    let _ = write!(out, "<h3>Returning attackers ({})</h3>", count(h.returning_total as u64));
    attackers(out, d, "Returning attackers", &h.returning, h.returning_total, true);
}

fn attackers(out: &mut String, d: &ReportData, label: &str, rows: &[AttackerRow], total: usize, returning: bool) {
    if rows.is_empty() {
        note(out, if returning { "No attacker of this period came back." } else { "No new attacker." });
        return;
    }
    let mut columns = vec![
        ("Address", Kind::Text),
        ("Verdict", Kind::Text),
        ("Score", Kind::Num),
        ("Suspicious", Kind::Num),
        ("Days", Kind::Num),
    ];
    if returning {
        columns.extend([("Previous period", Kind::Num), ("First suspicious (UTC)", Kind::Num)]);
    }
    table_start_in(out, "knocklog-scroll knocklog-narrow", label, &columns);
    for r in rows {
        out.push_str("<tr>");
        td_addr(out, &r.ip, d.links.target(&r.ip));
        td_verdict_score(out, r.verdict, r.sneak, r.score);
        td_num(out, r.suspicious_events);
        td_num(out, r.days_active as u64);
        if returning {
            td_num(out, r.previous_events);
            match r.first_suspicious_day {
                Some(d) => {
                    let _ = write!(out, r#"<td class="knocklog-time" data-v="{d}">{}</td>"#, format::day(d));
                }
                None => out.push_str(r#"<td data-v="0">–</td>"#),
            }
        }
        out.push_str("</tr>");
    }
    table_end(out);
    cap_note(out, rows.len(), total, "attackers", "attackers.csv");
}

/// The overview's figures of a history report: the store's view of the period.
pub fn overview_figures(out: &mut String, d: &ReportData, h: &HistoryView) {
    let t = &d.totals;
    out.push_str(r#"<dl class="knocklog-figures">"#);
    let mut figure = |name: &str, value: String, sub: String| {
        let _ = write!(out, "<div><dt>{name}</dt><dd>{value}<small>{sub}</small></dd></div>");
    };
    figure(
        "Days held",
        count(h.figures.days_held as u64),
        format!("of {} in the period", count((h.figures.days.1 - h.figures.days.0 + 1) as u64)),
    );
    let read_by = if h.fleet.is_some() { "log files the servers' stores read" } else { "log files the store read" };
    figure("Sources", count(h.figures.sources.len() as u64), read_by.into());
    figure("Lines with an address", count(h.figures.lines), "in the period".into());
    figure(
        "Suspicious events",
        count(t.suspicious_events),
        format!("{} of those lines", percent(t.suspicious_events, h.figures.lines)),
    );
    figure(
        "Addresses",
        count(t.addresses as u64),
        format!("{} block, {} watch", count(t.block as u64), count(t.watch as u64)),
    );
    figure("Sneak attackers", count(t.sneak as u64), "quiet returners".into());
    out.push_str("</dl>");
}

/// The overview's list of sources: the store's ledger, in place of the files a scan read.
pub fn sources(out: &mut String, h: &HistoryView) {
    out.push_str("<h3>Sources in the store</h3>");
    let from = source_named(h);
    note(
        out,
        &format!(
            "Computed from {from} alone, no log was read. The store keeps what it read of each source over all its runs, not per day: lines and bytes are the totals read so far, and lines without an address or a time are in no day."
        ),
    );
    if h.figures.sources.is_empty() {
        note(out, "The store has read no source yet.");
        return;
    }
    // A fleet's sources are each a server's: the same path is another file on each.
    let fleet = h.fleet.is_some();
    let mut columns = vec![
        ("Source (where last read)", Kind::Text),
        ("Lines read", Kind::Num),
        ("Bytes read", Kind::Num),
        ("First read", Kind::Text),
        ("Last read", Kind::Text),
    ];
    if fleet {
        columns.insert(0, ("Server", Kind::Text));
    }
    table_start(out, "Sources in the store", &columns);
    for s in h.figures.sources.iter().take(MAX_SOURCES) {
        out.push_str("<tr>");
        if fleet {
            td_text(out, s.server.as_deref().unwrap_or_default());
        }
        td_text(out, &s.path);
        td_num(out, s.lines);
        td_num(out, s.bytes);
        for at in [&s.first_read, &s.last_read] {
            let mut cell = String::new();
            push_text(&mut cell, at);
            td_plain(out, &cell);
        }
        out.push_str("</tr>");
    }
    table_end(out);
    cap_note(out, h.figures.sources.len().min(MAX_SOURCES), h.figures.sources.len(), "sources", "manifest.json");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_people_say_them() {
        assert_eq!(change(Change { this: 5, previous: 4 }), ("+1 (+25 %)".into(), "knocklog-up"));
        assert_eq!(change(Change { this: 9, previous: 10 }), ("-1 (-10 %)".into(), "knocklog-down"));
        assert_eq!(change(Change { this: 4, previous: 0 }), ("+4 (none before)".into(), "knocklog-up"));
        assert_eq!(change(Change { this: 0, previous: 3 }), ("-3 (-100 %)".into(), "knocklog-down"));
        assert_eq!(change(Change { this: 0, previous: 0 }), ("no change".into(), "knocklog-same"));
    }
}
