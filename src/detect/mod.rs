//! Detection: what kind of knock a line is. Built-in signatures (data files embedded at
//! compile time) and the user's attack/ignore pattern files compile into one matcher;
//! `policy` then applies allow-lists and modes; `judge` is the one place a line is
//! judged (the scan and `explain` both go through it).
//! `classify` decides per line; `rules` holds the code rules (tags, request structure,
//! status), `signatures` the rule data, `matcher` the automata, `normalize` the form
//! fields are matched in, `cache` the per-thread memo of field verdicts.

pub mod allowlist;
pub mod behaviour;
mod cache;
pub mod classify;
pub mod crawlers;
pub mod judge;
mod matcher;
mod normalize;
pub mod patterns;
pub mod payload;
pub mod policy;
mod rules;
pub mod signatures;

pub use classify::{Classifier, Hit};
pub use judge::{Judge, Judgement};
pub use rules::{sshd_pam_role, SshdPamRole, PAM_VERDICT_WAIT_SECS};
