//! Learning: new attack patterns suggested from what block-verdict addresses requested
//! that no rule knows yet, weighed against what benign addresses requested.

pub mod candidates;
pub mod file;
pub mod generic;
pub mod seen;
pub mod shapes;
pub mod suggest;

use serde::Serialize;

pub use suggest::{Evidence, LearnOptions};

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
    /// Some request behind it was made by more than `shapes::SAMPLE` addresses: its
    /// attacker counts are estimated from a uniform sample of them, its benign counts
    /// are those of the sample.
    pub sampled: bool,
    /// What a person should check before accepting it (`generic::what_to_check`).
    pub check: &'static str,
}

/// The worker's hook for an access-log line: counts it into its thread's request
/// shapes when no rule judged it (unclassified, or benign for an allowed address), or
/// when it was flagged only for its user agent or referer while its path is unknown to
/// every rule (a scanner asking for something new). Other suspicious lines are known
/// already, ignored ones were ruled out by the user, and sshd lines teach nothing about
/// usernames that is not flagged already. `found_ahead` is the line's shape if the
/// worker's read-ahead found it (`ShapeTable::find_ahead`).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn record(
    shapes: &mut shapes::ShapeTable,
    addr: crate::vocab::address::AddrKey,
    category: crate::vocab::event::Category,
    classifier: &crate::detect::Classifier,
    parsed: &crate::vocab::event::ParsedLine,
    ts: Option<i64>,
    allowed_user: bool,
    raw_line: &[u8],
    found_ahead: Option<u32>,
) {
    use crate::vocab::event::Category;
    if parsed.path.is_empty() {
        return;
    }
    let unexplained = match category {
        Category::Unclassified | Category::Benign => true,
        Category::ScannerAgent | Category::Probe => !classifier.request_path_is_known(parsed),
        _ => false,
    };
    if !unexplained {
        return;
    }
    // A line flagged for its user agent teaches its path, not its agent: a rule knows
    // the agent already (suggesting `sqlmap` again would be noise). Its shape is then
    // not the one found ahead, which was looked up with the agent.
    let (user_agent, known) =
        if category == Category::ScannerAgent { (&b""[..], None) } else { (parsed.user_agent, found_ahead) };
    let request = shapes::Request {
        ts,
        path: parsed.path,
        user_agent,
        allowed_user,
        suspicious_line: category.is_suspicious(),
        status: parsed.status,
        raw_line,
    };
    shapes.record(addr, &request, known);
}

/// Addresses learned from: those with the verdict `opts.learn_from` or worse.
pub fn attacker_count(assessed: &[crate::aggregate::assess::Assessed], opts: &LearnOptions) -> usize {
    assessed.iter().filter(|a| a.verdict >= opts.learn_from).count()
}

/// Name of the suggestions file in `--out`.
pub const SUGGESTIONS_FILE: &str = "suggested-patterns.txt";
