//! summary.json: what was read (per file: family, format, bytes, lines, parsed,
//! unparsed with examples, time span, warnings), what was skipped and why, and totals.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::blocklist::BlocklistSummary;
use crate::aggregate::file_stats::time_span;
use crate::aggregate::FileStats;
use crate::findings::{Findings, PeriodOrigin};
use crate::input::Skipped;
use crate::vocab::host::HostInfo;
use crate::vocab::time::format_day;

#[derive(Serialize)]
pub struct SkippedEntry {
    pub path: String,
    pub reason: String,
    pub warning: bool,
}

#[derive(Serialize, Default)]
pub struct Totals {
    pub files: usize,
    pub files_skipped: usize,
    pub bytes: u64,
    pub content_bytes: u64,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    pub out_of_range: u64,
    pub ips: usize,
    pub events_written: u64,
    pub warnings: usize,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
}

#[derive(Serialize)]
pub struct Summary<'a> {
    pub knocklog_version: &'static str,
    pub totals: Totals,
    pub files: &'a [FileStats],
    pub skipped: Vec<SkippedEntry>,
    /// What the blocklist files hold (set by `scan` once they are written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocklist: Option<BlocklistSummary>,
    /// Where the address labels came from and how many addresses got each (set by
    /// `scan` when it was asked for any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<serde_json::Value>,
    /// This server's addresses and listening sockets (`--host-info`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostInfo>,
    /// Addresses whose agents claimed a crawler, by what checking the claim found.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub crawler_checks: BTreeMap<&'static str, usize>,
    /// The rows of timeline.csv/.jsonl and the events left out of it (`--timeline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<super::timeline::TimelineWritten>,
}

impl<'a> Summary<'a> {
    pub fn new(files: &'a [FileStats], skipped: &[Skipped], ips: usize, events_written: u64) -> Self {
        let (first_ts, last_ts) = time_span(files);
        let totals = Totals {
            files: files.len(),
            files_skipped: skipped.len(),
            bytes: files.iter().map(|f| f.bytes).sum(),
            content_bytes: files.iter().map(|f| f.counts.content_bytes).sum(),
            lines: files.iter().map(|f| f.counts.lines).sum(),
            parsed: files.iter().map(|f| f.counts.parsed).sum(),
            unparsed: files.iter().map(|f| f.counts.unparsed).sum(),
            out_of_range: files.iter().map(|f| f.counts.out_of_range).sum(),
            ips,
            events_written,
            warnings: files.iter().map(|f| f.warnings.len()).sum::<usize>()
                + skipped.iter().filter(|s| s.warning).count(),
            first_ts,
            last_ts,
        };
        let skipped = skipped
            .iter()
            .map(|s| SkippedEntry { path: s.path.display().to_string(), reason: s.reason.clone(), warning: s.warning })
            .collect();
        Summary {
            knocklog_version: env!("CARGO_PKG_VERSION"),
            totals,
            files,
            skipped,
            blocklist: None,
            enrichment: None,
            host: None,
            crawler_checks: BTreeMap::new(),
            timeline: None,
        }
    }
}

/// The label sources of `findings` and how many of its addresses each kind of label
/// reached; None when no enrichment was asked for.
pub fn enrichment_json(findings: &Findings) -> Option<serde_json::Value> {
    let e = findings.enriched;
    if !(e.any_label() || e.dns) {
        return None;
    }
    let labels = || findings.ips.iter().filter_map(|a| a.labels.as_deref());
    let count = |f: &dyn Fn(&crate::vocab::labels::Labels) -> bool| labels().filter(|l| f(l)).count();
    Some(serde_json::json!({
        "sources": findings.label_sources,
        "addresses": findings.ips.len(),
        "labelled": {
            "range_label": count(&|l| l.range.is_some()),
            "country": count(&|l| l.country.is_some()),
            "asn": count(&|l| l.asn.is_some()),
            "rdns": count(&|l| l.dns.as_ref().is_some_and(|d| d.name.is_some())),
            "fcrdns": count(&|l| l.dns.as_ref().is_some_and(|d| d.confirmed)),
        },
        "dns": findings.dns.as_ref().map(|outcome| dns_json(findings, outcome)),
    }))
}

/// How `--dns` went: addresses asked, cache hits, lookups, what the deadline cut off,
/// and the `rdns_error` counts.
fn dns_json(findings: &Findings, outcome: &crate::vocab::labels::DnsOutcome) -> serde_json::Value {
    let mut value = serde_json::to_value(outcome).unwrap_or_default();
    let errors: serde_json::Map<String, serde_json::Value> = crate::vocab::labels::DnsError::ALL
        .into_iter()
        .map(|e| {
            let n =
                findings.ips.iter().filter_map(|a| a.labels.as_deref()?.dns.as_ref()).filter(|d| d.error == Some(e));
            (e.as_str().to_owned(), n.count().into())
        })
        .collect();
    value["errors"] = errors.into();
    value
}

/// report.json of a store period (the blocklist counts are added by the writer):
/// attackers, new and returning, suspicious events, verdicts and every suspicious
/// category, this period against the previous one.
pub fn period_json(findings: &Findings, period: &PeriodOrigin) -> serde_json::Value {
    let attackers = period.figures.attackers.this;
    let returning = findings.returning(period);
    let verdicts = findings.verdict_counts();
    let by_category: serde_json::Map<String, serde_json::Value> = period
        .figures
        .by_category
        .iter()
        .map(|(c, n)| (c.as_str().to_owned(), json!({ "this": n.this, "previous": n.previous })))
        .collect();
    let mut value = json!({
        "period": { "first_day": format_day(period.figures.days.0), "last_day": format_day(period.figures.days.1), "days_held": period.figures.days_held },
        "previous": { "first_day": format_day(period.figures.previous_days.0), "last_day": format_day(period.figures.previous_days.1) },
        "attackers": { "this": attackers, "previous": period.figures.attackers.previous, "new": attackers - returning, "returning": returning },
        "suspicious_events": { "this": period.figures.suspicious_events.this, "previous": period.figures.suspicious_events.previous },
        "verdicts": { "block": verdicts.block, "watch": verdicts.watch, "sneak": verdicts.sneak },
        "campaigns": findings.campaigns.len(),
        "by_category": by_category,
    });
    if let Some(fleet) = &period.fleet {
        value["servers"] = json!({
            "count": fleet.servers.len(),
            "names": fleet.servers,
            "addresses_on_several": fleet.on_several_servers(),
            "spread_sneaks": fleet.spread_sneaks.len(),
        });
    }
    value
}
