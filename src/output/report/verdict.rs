//! The answer first: what to block and watch, what is new, the worst five addresses
//! with why, a one-line health note when files were skipped or lines unparsed, and
//! how much of all the traffic the attacks are.

use std::fmt::Write;

use super::charts;
use super::escape::push_text;
use super::format::{count, percent};
use super::markup::{note, verdict_badge};
use super::ReportData;

/// Addresses named in the verdict.
const WORST: usize = 5;

pub fn answer(out: &mut String, d: &ReportData) {
    let t = &d.totals;
    out.push_str(r#"<div class="knocklog-answer" id="knocklog-answer"><p class="knocklog-headline">"#);
    if t.addresses == 0 {
        out.push_str("Nothing to block: no address did anything suspicious.");
    } else {
        let _ = write!(
            out,
            "<strong>Block {}</strong> address{}, <strong>watch {}</strong>",
            count(t.block as u64),
            if t.block == 1 { "" } else { "es" },
            count(t.watch as u64)
        );
        if t.sneak > 0 {
            let _ = write!(out, " ({} sneak attacker{})", count(t.sneak as u64), if t.sneak == 1 { "" } else { "s" });
        }
        if let Some(fleet) = d.history.as_ref().and_then(|h| h.fleet.as_ref()) {
            let _ = write!(out, " over {} servers", count(fleet.servers.len() as u64));
        }
        out.push('.');
        match &d.history {
            Some(h) => {
                let _ = write!(
                    out,
                    " <strong>{} new</strong> since the previous period, {} returning.",
                    count(h.new_total as u64),
                    count(h.returning_total as u64)
                );
            }
            None => {
                let again = d.visitors.iter().filter(|v| v.previous_blocks > 0).count();
                if again > 0 {
                    let _ = write!(out, " {} of them were blocked on earlier days too.", count(again as u64));
                }
            }
        }
    }
    out.push_str("</p>");
    health(out, d);
    if d.traffic.addresses > 0 {
        let lines: u64 = d.traffic.status_classes.iter().sum();
        let _ = write!(
            out,
            r#"<p class="knocklog-note">{} of {} lines with an address were suspicious ({}), from {} of {} addresses.</p>"#,
            count(t.suspicious_events),
            count(lines),
            percent(t.suspicious_events, lines),
            count(t.addresses as u64),
            count(d.traffic.addresses)
        );
    }
    if !d.visitors.is_empty() {
        out.push_str(r#"<ol class="knocklog-worst">"#);
        for v in d.visitors.iter().take(WORST) {
            out.push_str("<li><code>");
            match d.links.target(&v.ip) {
                Some(id) => {
                    let _ = write!(out, r##"<a href="#{id}">"##);
                    push_text(out, super::escape::shorten(&v.ip, 45).0);
                    out.push_str("</a>");
                }
                None => push_text(out, super::escape::shorten(&v.ip, 45).0),
            }
            let _ = write!(out, "</code> {} ", verdict_badge(v.verdict, v.sneak));
            out.push_str(&super::panels::why(v));
            out.push_str("</li>");
        }
        out.push_str("</ol>");
    }
    out.push_str("</div>");
}

/// "3 files skipped, 120 lines unparsed — see Files at the end", when so.
fn health(out: &mut String, d: &ReportData) {
    let t = &d.totals;
    let mut parts = Vec::new();
    if t.skipped > 0 {
        parts.push(format!("{} file{} skipped", count(t.skipped as u64), if t.skipped == 1 { "" } else { "s" }));
    }
    if t.unparsed > 0 {
        parts.push(format!("{} line{} unparsed", count(t.unparsed), if t.unparsed == 1 { "" } else { "s" }));
    }
    if parts.is_empty() {
        return;
    }
    let _ = write!(
        out,
        r##"<p class="knocklog-health">{} — see <a href="#knocklog-files">Files</a> at the end.</p>"##,
        parts.join(", ")
    );
}

/// All the traffic beside the attacks: lines per day with the suspicious share, and
/// the status mix (a scan only: a store keeps the suspicious events).
pub fn traffic(out: &mut String, d: &ReportData) {
    let tr = &d.traffic;
    let Some((first, last)) = d.chart_span() else { return };
    if tr.daily.is_empty() {
        return;
    }
    let unit = charts::Bins::new(first, last, charts::CHART_COLUMNS).unit();
    let _ = write!(out, "<h3>All traffic per {unit}, the suspicious part in red</h3>");
    let mut suspicious: std::collections::BTreeMap<i32, u64> = std::collections::BTreeMap::new();
    for &(day, _, n) in &d.daily {
        *suspicious.entry(day).or_default() += n;
    }
    let suspicious: Vec<(i32, u64)> = suspicious.into_iter().collect();
    out.push_str(r#"<figure class="knocklog-figure knocklog-chartbox">"#);
    charts::traffic(out, &tr.daily, &suspicious, first, last);
    out.push_str("</figure>");
    let total: u64 = tr.status_classes.iter().sum();
    let names = ["no HTTP status (ssh, journal...)", "1xx", "2xx", "3xx", "4xx", "5xx"];
    let mix: Vec<String> = (1..6)
        .chain([0])
        .filter(|&i| tr.status_classes[i] > 0)
        .map(|i| format!("{} {}", names[i], percent(tr.status_classes[i], total)))
        .collect();
    note(out, &format!("Status mix of all {} lines: {}.", count(total), mix.join(" · ")));
}
