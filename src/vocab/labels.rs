//! What the world outside the logs says of an address (filled in by `enrich`): its
//! labelled range, country, autonomous system and two-way DNS name.

use std::sync::Arc;

/// An address's labels; each is None where it was not asked for or is not known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    /// The most specific `--ranges` range holding it (`aws`, `googlebot`, ...).
    pub range: Option<Arc<str>>,
    /// ISO 3166-1 alpha-2 code from `--geoip`.
    pub country: Option<Arc<str>>,
    /// Autonomous system number and organisation from `--asn`.
    pub asn: Option<u32>,
    pub as_org: Option<Arc<str>>,
    /// Two-way DNS (`--dns`).
    pub dns: Option<DnsName>,
}

impl Labels {
    pub fn is_empty(&self) -> bool {
        *self == Labels::default()
    }
}

/// A name from two-way DNS: the reverse lookup, and whether the name resolves back
/// to the address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsName {
    pub name: String,
    pub confirmed: bool,
}

/// Which enrichment a run asked for: the columns and report sections that apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enriched {
    pub dns: bool,
    pub ranges: bool,
    pub geoip: bool,
    pub asn: bool,
}

/// A label source a run read, for summary.json: `--ranges` file and its range count,
/// or a database and the type it names itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LabelSource {
    /// `ranges`, `geoip` or `asn`.
    pub kind: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranges: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_type: Option<String>,
}

impl Enriched {
    pub fn any_label(&self) -> bool {
        self.ranges || self.geoip || self.asn
    }
}
