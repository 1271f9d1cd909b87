//! Detection: what kind of knock a line is. Built-in signatures (data files embedded at
//! compile time) and the user's attack/ignore pattern files compile into one matcher;
//! `policy` then applies whitelists and modes, and the per-IP verdicts build on that.
//! `classify` decides per line; `rules` holds the code rules (tags, request structure,
//! status), `signatures` the rule data, `matcher` the automata, `normalize` the form
//! fields are matched in, `cache` the per-thread memo of field verdicts.

pub mod allowlist;
pub mod assess;
mod cache;
pub mod classify;
mod matcher;
mod normalize;
pub mod patterns;
pub mod policy;
mod rules;
pub mod settings;
pub mod signatures;

pub use classify::{Classifier, Hit};

/// The `category` column: why a line counts (or does not count) against its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// A username that is not allowed or does not exist (Apache AH01618, sshd Invalid
    /// user, 401 with an unknown remote user, pam unknown user).
    AuthBadUser,
    /// An existing or allowed user with a wrong password (AH01617, sshd Failed password
    /// for root).
    AuthBadPassword,
    /// CONNECT or absolute-URI proxy requests.
    Connect,
    /// Requests for known attack targets (admin panels, wp-login, .env, traversal,
    /// injection markers, Shellshock, Log4Shell, over-long URIs...).
    Probe,
    /// Tool user agents (sqlmap, Nikto, masscan, zgrab, nuclei...).
    ScannerAgent,
    /// Invalid method or URI, binary in the request line, 400/408 without a request.
    Malformed,
    /// sshd pre-authentication noise: no identification, kex/negotiation failures, bad
    /// protocol version.
    SshPreauth,
    /// 401/403 for an address that is not whitelisted (the watchdog's "bad IP").
    Denied,
    /// A line matched by the user's --attack-patterns.
    AttackPattern,
    /// A line matched by the user's --ignore-patterns (never counts).
    Ignored,
    /// Nothing matched.
    Unclassified,
    /// Known good: whitelisted, or a successful login.
    Benign,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::AuthBadUser,
        Category::AuthBadPassword,
        Category::Connect,
        Category::Probe,
        Category::ScannerAgent,
        Category::Malformed,
        Category::SshPreauth,
        Category::Denied,
        Category::AttackPattern,
        Category::Ignored,
        Category::Unclassified,
        Category::Benign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::AuthBadUser => "auth_bad_user",
            Category::AuthBadPassword => "auth_bad_password",
            Category::Connect => "connect",
            Category::Probe => "probe",
            Category::ScannerAgent => "scanner_agent",
            Category::Malformed => "malformed",
            Category::SshPreauth => "ssh_preauth",
            Category::Denied => "denied",
            Category::AttackPattern => "attack_pattern",
            Category::Ignored => "ignored",
            Category::Unclassified => "unclassified",
            Category::Benign => "benign",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// True for the categories that count against an address.
    pub fn is_suspicious(self) -> bool {
        !matches!(self, Category::Ignored | Category::Unclassified | Category::Benign)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}
