//! Learning: new attack patterns suggested from what block-verdict addresses requested
//! that no rule knows yet, weighed against what benign addresses requested.

use serde::Serialize;

/// What part of a request a suggested pattern describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CandidateKind {
    /// The path without its query string.
    Path,
    /// A directory prefix of the path.
    Prefix,
    /// The file name (last path segment).
    File,
    /// The file extension.
    Extension,
    /// A query parameter name.
    Param,
    /// The user agent's product token.
    Agent,
}

/// One suggested pattern with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The pattern as it goes into an attack pattern file.
    pub pattern: String,
    pub kind: CandidateKind,
    pub attacker_ips: u32,
    pub attacker_hits: u64,
    pub benign_ips: u32,
    pub benign_hits: u64,
    /// 0..1: how sure the evidence makes us.
    pub confidence: f64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// One raw line that produced it (attacker-controlled text).
    pub example: String,
}
