//! Enrichment: what asks the world outside the logs, called between aggregation and
//! output and never from a writer: range, country and AS labels, two-way DNS of the
//! visitors, and this machine's own addresses.

pub mod crawlers;
pub mod dns;
pub mod geo;
pub mod host;
pub mod own;
pub mod ranges;

use std::path::PathBuf;

use rayon::prelude::*;

use crate::aggregate::blocklist::{LabelBlock, Net};
use crate::findings::Findings;
use crate::vocab::labels::{LabelSource, Labels};
use geo::{GeoDb, Interner};
use ranges::{RangeSource, RangeTable};

/// The label sources a run was given (`--ranges`, `--geoip`, `--asn`), opened.
#[derive(Default)]
pub struct LabelSources {
    pub ranges: Option<RangeTable>,
    pub geoip: Option<GeoDb>,
    pub asn: Option<GeoDb>,
}

impl LabelSources {
    /// Opens every source; the first that cannot be read is the error.
    pub fn open(ranges: &[RangeSource], geoip: Option<&PathBuf>, asn: Option<&PathBuf>) -> Result<Self, String> {
        let ranges = if ranges.is_empty() { None } else { Some(RangeTable::load(ranges)?) };
        let open =
            |p: Option<&PathBuf>, flag: &str| p.map(|p| GeoDb::open(p).map_err(|e| format!("{flag} {e}"))).transpose();
        Ok(LabelSources { ranges, geoip: open(geoip, "--geoip")?, asn: open(asn, "--asn")? })
    }

    /// The sources, for summary.json.
    pub fn describe(&self) -> Vec<LabelSource> {
        let mut out: Vec<LabelSource> = Vec::new();
        for (path, ranges) in self.ranges.iter().flat_map(|t| t.loaded.iter()) {
            out.push(LabelSource { kind: "ranges", path: path.clone(), ranges: Some(*ranges), database_type: None });
        }
        for (kind, db) in [("geoip", &self.geoip), ("asn", &self.asn)] {
            if let Some(db) = db {
                let (path, database_type) = (db.path.display().to_string(), Some(db.database_type().to_owned()));
                out.push(LabelSource { kind, path, ranges: None, database_type });
            }
        }
        out
    }

    /// The whole labels that may go on the blocklist: those asked for by name (an
    /// error when no source has them), and every `--ranges` label, proposed only on
    /// evidence (see `aggregate::blocklist::labels`).
    pub fn label_blocks(
        &self,
        range_labels: &[String],
        countries: &[String],
        asns: &[u32],
    ) -> Result<Vec<LabelBlock>, String> {
        let mut out = Vec::new();
        if let Some(table) = &self.ranges {
            for label in table.labels() {
                let asked = range_labels.iter().any(|l| l.eq_ignore_ascii_case(label));
                out.push(LabelBlock {
                    label: format!("range {label}"),
                    asked,
                    nets: key_nets(&table.ranges_of(label)),
                });
            }
        }
        for wanted in range_labels {
            if !self.ranges.as_ref().is_some_and(|t| t.labels().iter().any(|l| l.eq_ignore_ascii_case(wanted))) {
                let known: Vec<String> =
                    self.ranges.iter().flat_map(|t| t.labels().iter().map(|l| l.to_string())).collect();
                return Err(format!(
                    "--block-range-label {wanted}: no --ranges file gives that label (labels: {})",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                ));
            }
        }
        for cc in countries {
            let db = self.geoip.as_ref().ok_or_else(|| format!("--block-country {cc}: needs --geoip FILE.mmdb"))?;
            let nets = db.networks_where(|l| l.country.as_deref() == Some(cc.as_str()))?;
            out.push(LabelBlock { label: format!("country {cc}"), asked: true, nets });
        }
        for asn in asns {
            let db = self.asn.as_ref().ok_or_else(|| format!("--block-asn {asn}: needs --asn FILE.mmdb"))?;
            let nets = db.networks_where(|l| l.asn == Some(*asn))?;
            out.push(LabelBlock { label: format!("AS{asn}"), asked: true, nets });
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_none() && self.geoip.is_none() && self.asn.is_none()
    }

    /// Labels every address of `findings` (those the tables hold).
    pub fn label(&self, findings: &mut Findings) {
        if self.is_empty() {
            return;
        }
        findings.enriched.ranges |= self.ranges.is_some();
        findings.enriched.geoip |= self.geoip.is_some();
        findings.enriched.asn |= self.asn.is_some();
        findings.label_sources = self.describe();
        // Lookups in parallel; the strings they give are shared afterwards, in order.
        let found: Vec<(Option<std::sync::Arc<str>>, geo::GeoLabels, geo::GeoLabels)> = findings
            .ips
            .par_iter()
            .map(|a| match crate::vocab::address::parse(&a.ip) {
                Some(ip) => (
                    self.ranges.as_ref().and_then(|t| t.label(ip).cloned()),
                    self.geoip.as_ref().map(|g| g.lookup(ip)).unwrap_or_default(),
                    self.asn.as_ref().map(|g| g.lookup(ip)).unwrap_or_default(),
                ),
                None => Default::default(),
            })
            .collect();
        let mut strings = Interner::default();
        for (a, (range, country, asn)) in findings.ips.iter_mut().zip(found) {
            let labels = a.labels.get_or_insert_with(Default::default);
            labels.range = range;
            labels.country = country.country.map(|c| strings.get(c));
            labels.asn = asn.asn;
            labels.as_org = asn.as_org.map(|o| strings.get(o));
            if labels.is_empty() {
                a.labels = None;
            }
        }
    }
}

/// CIDR blocks of key-space intervals (IPv4 below 2^32, IPv6 above: `ranges::key`).
fn key_nets(intervals: &[(u128, u128)]) -> Vec<Net> {
    let mut out = Vec::new();
    for &(lo, hi) in intervals {
        let v6 = lo >= 1 << 32;
        let (lo, hi) = if v6 { (lo - (1 << 32), hi - (1 << 32)) } else { (lo, hi) };
        out.extend(crate::aggregate::blocklist::net::cidrs(v6, lo, hi));
    }
    out
}

/// The labels of an address, created empty when it has none yet.
pub fn labels_of(a: &mut crate::aggregate::assess::Assessed) -> &mut Labels {
    a.labels.get_or_insert_with(Default::default)
}
