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

/// What two-way DNS found for an address: its reverse name (the first that resolves
/// back to it, else the first one returned), whether it does, and why the lookup is
/// incomplete. A PTR record is written by whoever owns the address, so an unconfirmed
/// name proves nothing; the name is attacker-controlled text wherever it is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsName {
    /// None when the reverse lookup gave no name.
    pub name: Option<String>,
    /// Forward-confirmed (FCrDNS): the name resolves back to the address.
    pub confirmed: bool,
    /// Without a name: why the reverse lookup gave none. With an unconfirmed name: why
    /// the forward check could not be made (a forward answer without the address is
    /// no error, just unconfirmed).
    pub error: Option<DnsError>,
}

impl DnsName {
    /// An address that was not looked up before the overall deadline.
    pub fn deadline() -> DnsName {
        DnsName { name: None, confirmed: false, error: Some(DnsError::Deadline) }
    }

    /// Whether a lookup happened: false only for `deadline`.
    pub fn looked_up(&self) -> bool {
        self.error != Some(DnsError::Deadline)
    }
}

/// Why two-way DNS gave no (checked) name: the `rdns_error` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DnsError {
    /// No answer within the per-query timeout.
    Timeout,
    /// The name does not exist.
    NxDomain,
    /// The server failed to answer (SERVFAIL).
    ServFail,
    /// The server refused to answer (REFUSED).
    Refused,
    /// NOERROR, but no PTR record.
    NoPtr,
    /// Not looked up before the overall deadline (`--dns-deadline`).
    Deadline,
    /// Anything else: an undecodable or truncated answer, another response code, a
    /// network error.
    Other,
}

impl DnsError {
    pub const ALL: [DnsError; 7] = [
        DnsError::Timeout,
        DnsError::NxDomain,
        DnsError::ServFail,
        DnsError::Refused,
        DnsError::NoPtr,
        DnsError::Deadline,
        DnsError::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DnsError::Timeout => "timeout",
            DnsError::NxDomain => "nxdomain",
            DnsError::ServFail => "servfail",
            DnsError::Refused => "refused",
            DnsError::NoPtr => "no_ptr",
            DnsError::Deadline => "deadline",
            DnsError::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<DnsError> {
        DnsError::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// A definite answer (the name does not exist, or has no PTR record), as opposed to
    /// a failure to get one.
    pub fn is_answer(self) -> bool {
        matches!(self, DnsError::NxDomain | DnsError::NoPtr)
    }
}

/// How a run's two-way DNS went, for summary.json and stderr.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct DnsOutcome {
    /// Addresses asked about (`--dns-all`: every address in `ips`; else the suspicious ones).
    pub addresses: usize,
    /// Answered from the history store's cache, unexpired.
    pub cache_hits: usize,
    /// Looked up in this run (answered or failed).
    pub looked_up: usize,
    /// Not looked up before the overall deadline (`rdns_error` = `deadline`).
    pub not_looked_up: usize,
    pub deadline_hit: bool,
    pub deadline_s: f64,
    /// `system` (resolv.conf) or the `--dns-server` addresses.
    pub servers: Vec<String>,
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
