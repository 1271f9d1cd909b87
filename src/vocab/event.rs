//! The typed vocabulary every stage shares: log kinds, formats, what a parser pulls
//! out of one line (`ParsedLine`, borrowed, no allocation) and the owned `Event` row.

use crate::vocab::time::CivilTime;

/// Which kind of log a line came from: the `log_kind` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    Access,
    Error,
    Auth,
    Syslog,
}

impl LogKind {
    pub const ALL: [LogKind; 4] = [LogKind::Access, LogKind::Error, LogKind::Auth, LogKind::Syslog];

    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Access => "access",
            LogKind::Error => "error",
            LogKind::Auth => "auth",
            LogKind::Syslog => "syslog",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

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
    /// A user agent claiming a search-engine crawler (Googlebot, bingbot...) from an
    /// address that the crawler's published ranges or forward-confirmed DNS deny. It is
    /// judged per address after reading (see `aggregate::crawlers`), so the `events`
    /// table keeps each line's own category.
    FakeCrawler,
    /// A line matched by the user's --ignore-patterns (never counts).
    Ignored,
    /// Nothing matched.
    Unclassified,
    /// Known good: whitelisted, or a successful login.
    Benign,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Category::AuthBadUser,
        Category::AuthBadPassword,
        Category::Connect,
        Category::Probe,
        Category::ScannerAgent,
        Category::Malformed,
        Category::SshPreauth,
        Category::Denied,
        Category::AttackPattern,
        Category::FakeCrawler,
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
            Category::FakeCrawler => "fake_crawler",
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

    /// Categories that show no intent: what every address on the internet sends by
    /// accident or by sweep (an ssh connection that never says who it is, TLS bytes on a
    /// plain HTTP port). They label lines and add to the score, but they never make an
    /// address `block` or a sneak attacker on their own.
    pub fn is_noise(self) -> bool {
        matches!(self, Category::SshPreauth | Category::Malformed)
    }

    /// The MITRE ATT&CK (Enterprise) technique that a suspicious category's lines are
    /// evidence of, as (id, name); None for the categories that are not suspicious.
    pub fn attack_technique(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Category::AuthBadUser | Category::AuthBadPassword => ("T1110", "Brute Force"),
            Category::Connect => ("T1090", "Proxy"),
            Category::Probe | Category::AttackPattern => ("T1190", "Exploit Public-Facing Application"),
            Category::ScannerAgent | Category::Malformed | Category::SshPreauth | Category::Denied => {
                ("T1595", "Active Scanning")
            }
            // Impersonation of a trusted crawler to pass allow-lists.
            Category::FakeCrawler => ("T1036", "Masquerading"),
            Category::Ignored | Category::Unclassified | Category::Benign => return None,
        })
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A line layout knocklog can parse. Detected per file, or forced with `--log-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Apache/nginx access log: common, combined and vhost_combined (one parser).
    Access,
    /// Squid's native access.log (`1386543323.000 4 1.2.3.4 TCP_DENIED/403 ...`).
    Squid,
    /// Apache 2.4 error log (`[Tue Jan 06 02:32:23.803330 2026] [module:level] ...`)
    /// and Apache 1.3/2.2 (`[Sun Jul 18 04:02:11 2004] [error] [client IP] ...`).
    ApacheError,
    /// nginx error log (`2026/01/06 02:32:23 [error] 12#0: *1 ... client: IP, ...`).
    NginxError,
    /// lighttpd error log (`2011-12-25 17:09:20: (http_auth.c.875) ...`).
    LighttpdError,
    /// Syslog in any of its headers: RFC 3164, rsyslog ISO 8601, RFC 5424, and
    /// header-less `host prog[pid]: msg` dumps (journalctl -o cat style).
    Syslog,
    /// Linux audit log (`type=USER_LOGIN msg=audit(1373330716.415:4063): ...`).
    Audit,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Access,
        Format::Squid,
        Format::ApacheError,
        Format::NginxError,
        Format::LighttpdError,
        Format::Syslog,
        Format::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Access => "access",
            Format::Squid => "squid",
            Format::ApacheError => "apache_error",
            Format::NginxError => "nginx_error",
            Format::LighttpdError => "lighttpd_error",
            Format::Syslog => "syslog",
            Format::Audit => "audit",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    pub fn log_kind(self) -> LogKind {
        match self {
            Format::Access | Format::Squid => LogKind::Access,
            Format::ApacheError | Format::NginxError | Format::LighttpdError => LogKind::Error,
            Format::Syslog | Format::Audit => LogKind::Auth,
        }
    }
}

/// What happened on an error/auth line, as far as the parser can tell without policy.
/// Detection (whitelists, categories) builds on these; parsers never decide "suspicious".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum EventTag {
    /// An access-log request (method/path/status carry the detail).
    Request,
    /// Any other line with a remote address that has no more specific tag.
    #[default]
    Other,
    // --- sshd and friends ---
    FailedPassword,
    FailedPublickey,
    /// keyboard-interactive, hostbased, gssapi, none ...
    FailedOtherAuth,
    InvalidUser,
    /// `User x from IP not allowed because ...` (DenyUsers, AllowGroups, ...)
    UserNotAllowed,
    AcceptedPassword,
    AcceptedPublickey,
    AcceptedOtherAuth,
    /// `Connection from IP port N on ...` (opens a session, binds pid -> IP)
    ConnectionOpened,
    /// `Connection closed by [invalid|authenticating] user x IP port N [preauth]`
    ConnectionClosedPreauth,
    /// `Disconnected from [invalid|authenticating] user x IP port N [preauth]`
    DisconnectedPreauth,
    /// `Received disconnect from IP port N:11: ... [preauth]`
    ReceivedDisconnect,
    /// `maximum authentication attempts exceeded`, `Too many authentication failures`
    MaxAuthAttempts,
    /// `Did not receive identification string from IP`
    NoIdentification,
    /// `kex_exchange_identification: ...`, `Connection reset by ... [preauth]` during kex
    KexFailure,
    /// `Unable to negotiate with IP port N: no matching key exchange method found`
    NegotiationFailure,
    /// `Bad protocol version identification '...' from IP`
    BadProtocolVersion,
    /// `reverse mapping checking getaddrinfo for X [IP] failed - POSSIBLE BREAK-IN ATTEMPT!`
    ReverseMappingFailed,
    /// `pam_unix(...): authentication failure; ... rhost=...` and `(pam_unix)` variants,
    /// `error: PAM: Authentication failure for x from host`
    PamAuthFailure,
    /// `pam_unix(...): check pass; user unknown`
    PamUserUnknown,
    /// A session that ends normally (`Disconnected from user x IP port N`, not preauth)
    SessionClosed,
    // --- web server error logs ---
    /// Apache AH01618 `user x not found`, nginx `user "x" was not found in "..."`
    AuthUserNotFound,
    /// Apache AH01617 `user x: authentication failure for "/": Password Mismatch`,
    /// nginx `user "x": password mismatch`, lighttpd `password doesn't match`
    AuthPasswordMismatch,
    /// Apache `client denied by server configuration`, nginx `access forbidden by rule`
    AccessDenied,
    /// `File does not exist`, nginx `open() "..." failed (2: No such file or directory)`
    FileNotFound,
    /// Apache 1.3 `request failed: URI too long`, `Invalid method in request`, nginx
    /// `client sent invalid method`, ...
    BadRequest,
    /// `script not found or unable to stat`, `attempt to invoke directory as script`
    ScriptNotFound,
    /// ModSecurity, suhosin, nginx limit_req and other security-module alerts
    SecurityAlert,
}

impl EventTag {
    pub fn as_str(self) -> &'static str {
        match self {
            EventTag::Request => "request",
            EventTag::Other => "other",
            EventTag::FailedPassword => "failed_password",
            EventTag::FailedPublickey => "failed_publickey",
            EventTag::FailedOtherAuth => "failed_other_auth",
            EventTag::InvalidUser => "invalid_user",
            EventTag::UserNotAllowed => "user_not_allowed",
            EventTag::AcceptedPassword => "accepted_password",
            EventTag::AcceptedPublickey => "accepted_publickey",
            EventTag::AcceptedOtherAuth => "accepted_other_auth",
            EventTag::ConnectionOpened => "connection_opened",
            EventTag::ConnectionClosedPreauth => "connection_closed_preauth",
            EventTag::DisconnectedPreauth => "disconnected_preauth",
            EventTag::ReceivedDisconnect => "received_disconnect",
            EventTag::MaxAuthAttempts => "max_auth_attempts",
            EventTag::NoIdentification => "no_identification",
            EventTag::KexFailure => "kex_failure",
            EventTag::NegotiationFailure => "negotiation_failure",
            EventTag::BadProtocolVersion => "bad_protocol_version",
            EventTag::ReverseMappingFailed => "reverse_mapping_failed",
            EventTag::PamAuthFailure => "pam_auth_failure",
            EventTag::PamUserUnknown => "pam_user_unknown",
            EventTag::SessionClosed => "session_closed",
            EventTag::AuthUserNotFound => "auth_user_not_found",
            EventTag::AuthPasswordMismatch => "auth_password_mismatch",
            EventTag::AccessDenied => "access_denied",
            EventTag::FileNotFound => "file_not_found",
            EventTag::BadRequest => "bad_request",
            EventTag::ScriptNotFound => "script_not_found",
            EventTag::SecurityAlert => "security_alert",
        }
    }
}

impl EventTag {
    /// The log kind of a syslog line, from what it says rather than the file it is in:
    /// /var/log/messages carries sshd lines on some systems and haproxy requests on
    /// others.
    pub fn kind_in_syslog(self, program: &[u8]) -> LogKind {
        use EventTag::*;
        match self {
            Request => LogKind::Access,
            AuthUserNotFound | AuthPasswordMismatch | AccessDenied | FileNotFound | BadRequest | ScriptNotFound
            | SecurityAlert => LogKind::Error,
            Other if !is_login_program(program) => LogKind::Syslog,
            _ => LogKind::Auth,
        }
    }
}

/// Programs whose every line is about logging in.
fn is_login_program(program: &[u8]) -> bool {
    program.starts_with(b"sshd")
        || matches!(program, b"dropbear" | b"sudo" | b"su" | b"login" | b"systemd-logind" | b"passwd")
        || program.starts_with(b"pam")
}

/// Everything a parser pulls out of one line, borrowed from the line: no allocation.
/// Empty slices mean "absent". Parsers fill what their format has.
#[derive(Clone, Debug, Default)]
pub struct ParsedLine<'a> {
    /// When the line says it happened, as written (year/offset may be missing).
    pub time: Option<CivilTime>,
    /// The remote party exactly as written: an IP (v4, v6, `::ffff:`-mapped) or, where
    /// the log has only that, a host name. Never guessed from "the first IP-looking text".
    pub ip: &'a [u8],
    /// `ip` as an IPv4 address, when the parser read it as one already (access logs):
    /// the scan then keys the address without parsing it a second time.
    pub ip_v4: Option<u32>,
    pub tag: EventTag,
    // access-log fields
    pub vhost: &'a [u8],
    pub method: &'a [u8],
    pub path: &'a [u8],
    pub protocol: &'a [u8],
    /// HTTP status, 0 when the line has none.
    pub status: u16,
    pub bytes: Option<u64>,
    pub referer: &'a [u8],
    pub user_agent: &'a [u8],
    /// The remote user of an access line, or the username tried on an auth/error line.
    pub user: &'a [u8],
    // error/syslog fields
    /// Syslog host name, if the header has one.
    pub host: &'a [u8],
    /// Program (`sshd`, `sshd-session`, `pam_unix`...) or Apache module (`auth_basic`).
    pub program: &'a [u8],
    pub pid: Option<u32>,
    /// The message body after the header (error and syslog lines).
    pub message: &'a [u8],
    // forwarding (access lines)
    /// X-Forwarded-For as the line wrote it (a quoted field after the user agent), or,
    /// when the client field itself is such a list, the elements left of `ip`. Empty
    /// when the line has none (or `-`).
    pub forwarded_for: &'a [u8],
    /// Where `ip` came from.
    pub client: ClientSource,
    /// The trusted proxy the line's connection came from, when `ip` was taken from
    /// `forwarded_for` through it (the `proxy` column); empty otherwise.
    pub proxy: &'a [u8],
    /// The line names more than one address where its daemon writes one: client text
    /// forged a second, and no reading is sure, so `ip` stays empty (no address rather
    /// than one the client chose).
    pub ambiguous_address: bool,
}

/// Where an access line's client address (`ParsedLine::ip`) came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientSource {
    /// The address the server saw the connection come from, as it logged it.
    #[default]
    Peer,
    /// The line's client field is an X-Forwarded-For list (`%{X-Forwarded-For}i %l %u
    /// ...`) and `ip` is its right-most element: the line does not name the real peer.
    ForwardedList,
    /// X-Forwarded-For, through the trusted proxy in `proxy`.
    TrustedProxy,
}

/// One output row of the `events` table, owned. Built only for lines that are kept.
/// Its text fields live in one buffer (see `TextField`): one allocation per event
/// instead of one per field, which mattered when a scan keeps hundreds of thousands.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Microseconds since the Unix epoch, UTC. None when the line has no time.
    pub ts: Option<i64>,
    pub log_kind: LogKind,
    pub tag: EventTag,
    pub category: Category,
    /// The classifier's rule (see `Classifier::rule_name`), None when the policy decided.
    pub rule: Option<u32>,
    /// Counts against the address: suspicious, and not a weak signal.
    pub counts: bool,
    /// Index into the scan's file list (for `source_file`).
    pub file: u32,
    /// 1-based line number within the (decompressed) file.
    pub line_no: u64,
    pub status: u16,
    pub bytes: Option<u64>,
    pub pid: Option<u32>,
    /// The text fields back to back, in `TextField` order; field f ends at `ends[f]`.
    text: String,
    ends: [u32; TextField::ALL.len()],
}

/// The text fields of an `Event`, in storage order. Empty means absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextField {
    /// The address in canonical spelling (see `vocab::address::canonical`).
    Ip,
    Vhost,
    Method,
    Path,
    Protocol,
    Referer,
    UserAgent,
    User,
    Host,
    Program,
    Message,
    /// The trusted proxy an access line came through (canonical spelling).
    Proxy,
}

impl TextField {
    pub const ALL: [TextField; 12] = [
        TextField::Ip,
        TextField::Vhost,
        TextField::Method,
        TextField::Path,
        TextField::Protocol,
        TextField::Referer,
        TextField::UserAgent,
        TextField::User,
        TextField::Host,
        TextField::Program,
        TextField::Message,
        TextField::Proxy,
    ];
}

impl Event {
    /// The event of a parsed line from address `ip` (as written; stored canonical), with
    /// the line's own fields; where it was read and what the detector made of it are
    /// set by the caller. Invalid UTF-8 in a field survives as `\xNN` escapes.
    pub fn from_parsed(p: &ParsedLine, ip: &[u8]) -> Event {
        let fields =
            [p.vhost, p.method, p.path, p.protocol, p.referer, p.user_agent, p.user, p.host, p.program, p.message];
        let mut text = String::with_capacity(ip.len() + p.proxy.len() + fields.iter().map(|f| f.len()).sum::<usize>());
        crate::vocab::address::push_canonical(&mut text, ip);
        let mut ends = [0u32; TextField::ALL.len()];
        ends[0] = text.len() as u32;
        for (i, field) in fields.into_iter().enumerate() {
            let start = text.len();
            crate::vocab::text::push_lossless(&mut text, field);
            // Only a corrupt log has a line of gigabytes: a field that would take the
            // event past 4 GiB is left out rather than widen every event's offsets.
            if u32::try_from(text.len()).is_err() {
                text.truncate(start);
            }
            ends[i + 1] = text.len() as u32;
        }
        // A proxy is an address the user trusted: short, never the field that overflows.
        crate::vocab::address::push_canonical(&mut text, p.proxy);
        ends[TextField::Proxy as usize] = text.len() as u32;
        Event {
            ts: None,
            log_kind: LogKind::Access,
            tag: p.tag,
            category: Category::Unclassified,
            rule: None,
            counts: false,
            file: 0,
            line_no: 0,
            status: p.status,
            bytes: p.bytes,
            pid: p.pid,
            text,
            ends,
        }
    }

    pub fn text(&self, field: TextField) -> &str {
        let i = field as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn ip(&self) -> &str {
        self.text(TextField::Ip)
    }

    pub fn path(&self) -> &str {
        self.text(TextField::Path)
    }

    pub fn user(&self) -> &str {
        self.text(TextField::User)
    }

    pub fn user_agent(&self) -> &str {
        self.text(TextField::UserAgent)
    }

    /// Replaces the address (an event attributed after the fact, by sshd pid).
    pub fn set_ip(&mut self, ip: &str) {
        let old = self.ends[0] as usize;
        self.text.replace_range(..old, ip);
        let shift = ip.len() as i64 - old as i64;
        for end in &mut self.ends {
            *end = (*end as i64 + shift) as u32;
        }
    }
}

/// Receives the kept events in input order (file, then line).
pub trait EventSink {
    fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suspicious_category_names_its_attack_technique() {
        for c in Category::ALL {
            let technique = c.attack_technique();
            assert_eq!(technique.is_some(), c.is_suspicious(), "{}", c.as_str());
            if let Some((id, name)) = technique {
                assert!(id.starts_with('T') && id[1..].bytes().all(|b| b.is_ascii_digit()) && !name.is_empty());
            }
        }
        assert_eq!(Category::AuthBadPassword.attack_technique().unwrap().0, "T1110");
        assert_eq!(Category::Connect.attack_technique().unwrap().0, "T1090");
    }

    #[test]
    fn text_fields_round_trip_and_the_address_can_be_replaced() {
        let p = ParsedLine {
            method: b"GET",
            path: &[b'/', b'a', 0xff, b'b'],
            user_agent: b"curl/8",
            message: b"m",
            ..Default::default()
        };
        let mut e = Event::from_parsed(&p, b"");
        assert_eq!(e.ip(), "");
        assert_eq!(e.text(TextField::Method), "GET");
        assert_eq!(e.path(), "/a\\xffb");
        assert_eq!(e.user_agent(), "curl/8");
        assert_eq!(e.user(), "");
        assert_eq!(e.text(TextField::Message), "m");
        e.set_ip("2001:db8::1");
        assert_eq!(e.ip(), "2001:db8::1");
        assert_eq!(e.path(), "/a\\xffb");
        assert_eq!(e.text(TextField::Message), "m");
        e.set_ip("1.2.3.4");
        assert_eq!((e.ip(), e.user_agent()), ("1.2.3.4", "curl/8"));
    }
}
