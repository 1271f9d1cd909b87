//! The built-in rules that are code rather than data: what the parsers' tags mean (sshd,
//! PAM, login daemons, web-server error logs), and the structure and status of requests
//! (CONNECT and proxy use, malformed request lines, 401/403). No scanning beyond a few
//! fixed prefixes: these run on every line.

use crate::vocab::event::Category;
use crate::vocab::event::{EventTag, ParsedLine};
use memchr::memmem;

macro_rules! fixed_rules {
    ($($id:ident = $name:literal, $category:ident;)*) => {
        /// The code rules; their index in the rule table is their discriminant.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Fixed { $($id),* }
        /// (name, category) of each `Fixed` rule, in discriminant order.
        pub const FIXED: &[(&str, Category)] = &[$(($name, Category::$category)),*];
    };
}

fixed_rules! {
    // Logins (sshd, dropbear, ftp daemons, audit): the tag says what failed; the user
    // being unknown makes it a bad user, else a bad password.
    FailedPassword = "auth:failed_password", AuthBadPassword;
    FailedPasswordInvalidUser = "auth:failed_password_invalid_user", AuthBadUser;
    FailedOtherAuth = "auth:failed_other_auth", AuthBadPassword;
    FailedOtherAuthInvalidUser = "auth:failed_other_auth_invalid_user", AuthBadUser;
    FailedPublickeyInvalidUser = "auth:failed_publickey_invalid_user", AuthBadUser;
    InvalidUser = "auth:invalid_user", AuthBadUser;
    UserNotAllowed = "auth:user_not_allowed", AuthBadUser;
    MaxAuthAttempts = "auth:max_auth_attempts", AuthBadPassword;
    MaxAuthAttemptsInvalidUser = "auth:max_auth_attempts_invalid_user", AuthBadUser;
    PamAuthFailure = "pam:auth_failure", AuthBadPassword;
    PamAuthFailureInvalidUser = "pam:auth_failure_invalid_user", AuthBadUser;
    PamUserUnknown = "pam:user_unknown", AuthBadUser;
    // sshd before authentication
    NoIdentification = "sshd:no_identification", SshPreauth;
    KexFailure = "sshd:kex_failure", SshPreauth;
    NegotiationFailure = "sshd:negotiation_failure", SshPreauth;
    BadProtocolVersion = "sshd:bad_protocol_version", SshPreauth;
    ClosedPreauth = "sshd:closed_preauth", SshPreauth;
    DisconnectedPreauth = "sshd:disconnected_preauth", SshPreauth;
    ReceivedDisconnect = "sshd:received_disconnect_preauth", SshPreauth;
    RefusedConnect = "tcpd:refused_connect", Denied;
    // web-server error logs
    UserNotFound = "http_auth:user_not_found", AuthBadUser;
    PasswordMismatch = "http_auth:password_mismatch", AuthBadPassword;
    AccessDenied = "web:access_denied", Denied;
    ScriptNotFound = "web:script_not_found", Probe;
    BadRequest = "web:bad_request", Malformed;
    ModSecurity = "modsecurity:alert", Probe;
    Suhosin = "suhosin:alert", Probe;
    ShellshockRefused = "cgi:shellshock", Probe;
    SecurityAlert = "web:security_alert", Probe;
    RateLimited = "nginx:limit_req", Denied;
    // requests
    Connect = "request:connect", Connect;
    AbsoluteUri = "request:absolute_uri", Connect;
    SquidDenied = "squid:denied", Connect;
    SquidAuthRequired = "squid:auth_required", Denied;
    SquidBadRequest = "squid:bad_request", Malformed;
    LongUri = "request:long_uri", Probe;
    TraceMethod = "request:trace", Probe;
    EmptyRequest400 = "request:empty_400", Malformed;
    EmptyRequest408 = "request:empty_408", Malformed;
    BinaryRequest = "request:binary", Malformed;
    BadMethod = "request:bad_method", Malformed;
    UnknownMethod = "request:unknown_method", Malformed;
    BadProtocol = "request:bad_protocol", Malformed;
    NoProtocol = "request:no_protocol", Malformed;
    BadTarget = "request:bad_target", Malformed;
    Status400 = "status:400", Malformed;
    Status401User = "status:401_user", AuthBadUser;
    Status401 = "status:401", Denied;
    Status403 = "status:403", Denied;
    Status407 = "status:407", Denied;
    Status444 = "status:444", Denied;
    Status501 = "status:501", Malformed;
}

/// The rule for a line the parser tagged (anything but `Request`), or None.
pub fn tag_rule(line: &[u8], p: &ParsedLine) -> Option<Fixed> {
    use EventTag::*;
    let msg = p.message;
    let sshd_program = crate::parse::sshd::is_sshd_program(p.program);
    Some(match p.tag {
        FailedPassword if invalid_user(line, p) => Fixed::FailedPasswordInvalidUser,
        FailedPassword => Fixed::FailedPassword,
        // The audit USER_LOGIN record sums up a connection whose USER_AUTH failures were
        // already logged one by one.
        FailedOtherAuth if head_has(line, b"USER_LOGIN") => return None,
        FailedOtherAuth if invalid_user(line, p) => Fixed::FailedOtherAuthInvalidUser,
        FailedOtherAuth => Fixed::FailedOtherAuth,
        // A key offered for a user who does not exist is a guess, not a key ring being
        // tried in turn (a valid user's `Failed publickey` counts for nothing, below).
        FailedPublickey if invalid_user(line, p) => Fixed::FailedPublickeyInvalidUser,
        // sshd's `input_userauth_request: invalid user X [preauth]` repeats the
        // `Invalid user X from IP` line of the same connection.
        InvalidUser if msg.starts_with(b"input_userauth_request") => return None,
        InvalidUser => Fixed::InvalidUser,
        UserNotAllowed => Fixed::UserNotAllowed,
        // OpenSSH 7+ writes `maximum authentication attempts exceeded for U from IP`
        // and then `Disconnecting [invalid|authenticating] user U IP port N: Too many
        // authentication failures`: one event, counted on the first. The bare
        // `Disconnecting: Too many ...` of older versions is the only line.
        MaxAuthAttempts if msg.starts_with(b"Disconnecting ") => return None,
        MaxAuthAttempts if invalid_user(line, p) => Fixed::MaxAuthAttemptsInvalidUser,
        MaxAuthAttempts => Fixed::MaxAuthAttempts,
        // sshd's `PAM 2 more authentication failures` sums up failures it logged one
        // by one, and `check pass; user unknown` comes with sshd's own `Invalid user`.
        // A PAM module's failure inside sshd (`pam_unix(sshd:auth): authentication
        // failure`) is the module's result, not the stack's: the scan counts it only
        // when sshd logs no verdict of its own for the attempt (see `sshd_pam_role`).
        // Without an address it would reach the scan through the pid, unpaired.
        PamAuthFailure if sshd_program && pam_module_echo(msg) && (pam_summary(msg) || p.ip.is_empty()) => return None,
        PamUserUnknown if sshd_program && pam_module_echo(msg) => return None,
        PamAuthFailure if memmem::find(msg, b"illegal user ").is_some() => Fixed::PamAuthFailureInvalidUser,
        PamAuthFailure => Fixed::PamAuthFailure,
        PamUserUnknown => Fixed::PamUserUnknown,
        NoIdentification => Fixed::NoIdentification,
        KexFailure => Fixed::KexFailure,
        NegotiationFailure => Fixed::NegotiationFailure,
        BadProtocolVersion => Fixed::BadProtocolVersion,
        ConnectionClosedPreauth => Fixed::ClosedPreauth,
        DisconnectedPreauth => Fixed::DisconnectedPreauth,
        ReceivedDisconnect if disconnect_is_failure(msg) => Fixed::ReceivedDisconnect,
        AuthUserNotFound => Fixed::UserNotFound,
        AuthPasswordMismatch => Fixed::PasswordMismatch,
        AccessDenied if msg.starts_with(b"refused connect") => Fixed::RefusedConnect,
        AccessDenied => Fixed::AccessDenied,
        ScriptNotFound => Fixed::ScriptNotFound,
        BadRequest => Fixed::BadRequest,
        SecurityAlert => security_alert(msg),
        // `Connection closed by ADDR port N` naming no user: the client left before it
        // sent one (banner grabbers after `kex_exchange_identification`). Sessions of
        // modern OpenSSH close naming their user; the old port-less form is ambiguous.
        Other if sshd_program && p.user.is_empty() && closed_before_user(msg) => Fixed::ClosedPreauth,
        // Failed publickey: a user with several keys fails on each until one fits.
        // Reverse-mapping failures are the client ISP's DNS, not the client. Accepted,
        // opened, closed sessions and `File does not exist` (unless a signature says
        // the path is a probe) count for nothing by themselves.
        _ => return None,
    })
}

/// The unknown-user form of a failure: `for invalid user U`/`illegal user U` before the
/// user name, or Solaris' `<invalid username>`.
fn invalid_user(line: &[u8], p: &ParsedLine) -> bool {
    if p.user == b"<invalid username>" {
        return true;
    }
    let qualified = |before: &[u8]| before.ends_with(b"invalid user ") || before.ends_with(b"illegal user ");
    match text_before(line, p.user) {
        Some(before) if !p.user.is_empty() => qualified(before),
        // An empty user has no position to look at: fall back to the message.
        _ => {
            memmem::find(p.message, b" invalid user ").is_some() || memmem::find(p.message, b" illegal user ").is_some()
        }
    }
}

/// The part of `line` before `field`, when `field` borrows from `line`.
fn text_before<'a>(line: &'a [u8], field: &[u8]) -> Option<&'a [u8]> {
    let start = line.as_ptr() as usize;
    let at = field.as_ptr() as usize;
    (at >= start && at + field.len() <= start + line.len()).then(|| &line[..at - start])
}

/// `needle` within the first 64 bytes of the line (record types, program tags).
fn head_has(line: &[u8], needle: &[u8]) -> bool {
    memmem::find(&line[..line.len().min(64)], needle).is_some()
}

fn closed_before_user(msg: &[u8]) -> bool {
    msg.strip_prefix(b"Connection closed by ").is_some_and(|rest| memmem::find(rest, b" port ").is_some())
}

/// A PAM module's own line, or sshd's summary of PAM failures, rather than sshd's verdict.
fn pam_module_echo(msg: &[u8]) -> bool {
    msg.starts_with(b"pam_") || msg.starts_with(b"(pam_") || pam_summary(msg)
}

/// sshd's `PAM N more authentication failures; ...`.
fn pam_summary(msg: &[u8]) -> bool {
    msg.starts_with(b"PAM ") && msg.get(4).is_some_and(u8::is_ascii_digit)
}

/// A line's part in pairing a PAM module's failure inside sshd with sshd's own verdict
/// on the same attempt.
///
/// With UsePAM, one password or keyboard-interactive attempt logs the PAM module's
/// `pam_unix(sshd:auth): authentication failure; ... rhost=X` and then sshd's
/// `Failed password for U from X port N ssh2`. Counting both counted the attempt twice;
/// counting only sshd's lost attempts sshd reports in words knocklog does not know,
/// and old Red Hat sshd that logged only PAM's line. And a module's failure is not the
/// stack's: with pam_unix before pam_ldap or pam_sss, pam_unix fails and the next
/// module lets the user in (`Accepted password` follows). So the module's line waits
/// for sshd's next verdict on its address: a `Failed` or `Accepted` takes it over (it
/// is not counted), and one still unanswered after `PAM_VERDICT_WAIT_SECS` counts once.
/// By address, not pid: keyboard-interactive runs PAM in a child process of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SshdPamRole {
    /// A PAM module's failure inside sshd, with an address.
    AwaitsVerdict,
    /// sshd's own outcome of a password or keyboard-interactive attempt.
    Verdict,
    Neither,
}

/// How long a PAM module's failure waits for sshd's verdict: pam_unix delays its
/// answer by about 2 s, pam_faildelay is set to a few seconds, and sshd logs its verdict
/// as soon as PAM returns.
pub const PAM_VERDICT_WAIT_SECS: i64 = 30;

pub fn sshd_pam_role(p: &ParsedLine) -> SshdPamRole {
    use EventTag::*;
    if p.ip.is_empty() || !crate::parse::sshd::is_sshd_program(p.program) {
        return SshdPamRole::Neither;
    }
    match p.tag {
        PamAuthFailure if pam_module_echo(p.message) && !pam_summary(p.message) => SshdPamRole::AwaitsVerdict,
        // `error: PAM: Authentication failure for U from H` is sshd's (BSD, macOS)
        FailedPassword | FailedOtherAuth | AcceptedPassword | AcceptedOtherAuth | PamAuthFailure => {
            SshdPamRole::Verdict
        }
        _ => SshdPamRole::Neither,
    }
}

/// `Received disconnect from A port N:CODE: reason [preauth]`: before authentication
/// completed (`[preauth]`), or with a code that means the client failed or gave up
/// authenticating (3 with jsch's `Auth fail`, 14 no more methods). Code 11 without
/// `[preauth]` is an ordinary logout.
fn disconnect_is_failure(msg: &[u8]) -> bool {
    if msg.trim_ascii_end().ends_with(b"[preauth]") {
        return true;
    }
    let Some(at) = memmem::find(msg, b"disconnect from ") else {
        return false;
    };
    // The code is the first `:N:` / `: N:` after the address (an IPv6 address's groups
    // are hex without a following colon-digit-colon run of this shape only by chance,
    // and the reason after the code is the client's).
    let rest = &msg[at + 16..];
    let mut i = 0;
    while let Some(colon) = memchr::memchr(b':', &rest[i..]) {
        let after = &rest[i + colon + 1..];
        let after = after.strip_prefix(b" ").unwrap_or(after);
        let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && after.get(digits) == Some(&b':') {
            return matches!(&after[..digits], b"3" | b"14");
        }
        i += colon + 1;
    }
    false
}

fn security_alert(msg: &[u8]) -> Fixed {
    if msg.starts_with(b"limiting ") || msg.starts_with(b"delaying request") {
        // nginx limit_req/limit_conn: the server refused (or slowed) a flood.
        Fixed::RateLimited
    } else if memmem::find(msg, b"ModSecurity").is_some() || memmem::find(msg, b"mod_security").is_some() {
        Fixed::ModSecurity
    } else if memmem::find(msg, b"ALERT - ").is_some() {
        Fixed::Suhosin
    } else if memmem::find(msg, b"ignoring function definition attempt").is_some() {
        Fixed::ShellshockRefused
    } else {
        Fixed::SecurityAlert
    }
}

/// Proxy use, decided before anything else: Some(rule or nothing) for squid lines,
/// CONNECT and absolute-URI targets; None for an ordinary request.
pub fn proxy_rule(p: &ParsedLine) -> Option<Option<Fixed>> {
    if let Some(result) = squid_result(p.message) {
        // A forward proxy: every target is another site, so only its verdict counts.
        return Some(match (result, p.status) {
            (b"TCP_DENIED", 407) => Some(Fixed::SquidAuthRequired),
            (b"TCP_DENIED", _) => Some(Fixed::SquidDenied),
            (_, 400) => Some(Fixed::SquidBadRequest),
            _ => None,
        });
    }
    if p.method.eq_ignore_ascii_case(b"CONNECT") {
        return Some(Some(Fixed::Connect));
    }
    // `GET http://other.site/ HTTP/1.1`: a client using us as a proxy. HTTP/2 and 3
    // requests carry scheme and authority, and some servers log them in absolute form.
    if is_absolute_uri(p.path) && !(p.protocol.starts_with(b"HTTP/2") || p.protocol.starts_with(b"HTTP/3")) {
        return Some(Some(Fixed::AbsoluteUri));
    }
    None
}

/// Squid's result code (`TCP_DENIED` of `TCP_DENIED/403`), which the squid parser puts
/// in `message`; None for other lines.
fn squid_result(message: &[u8]) -> Option<&[u8]> {
    let slash = memchr::memchr(b'/', message)?;
    let (result, status) = (&message[..slash], &message[slash + 1..]);
    let looks_like = (result.starts_with(b"TCP_") || result.starts_with(b"UDP_") || result == b"NONE")
        && status.len() == 3
        && status.iter().all(u8::is_ascii_digit);
    looks_like.then_some(result)
}

/// `scheme://...` with a short alphabetic scheme.
fn is_absolute_uri(target: &[u8]) -> bool {
    let Some(colon) = target.iter().take(10).position(|&c| c == b':') else {
        return false;
    };
    colon > 0 && target[..colon].iter().all(u8::is_ascii_alphabetic) && target[colon..].starts_with(b"://")
}

/// Methods of HTTP, WebDAV and its extensions, and cache purging: anything else is a
/// client speaking another protocol or fuzzing.
const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"MKCALENDAR",
    b"ACL",
    b"CHECKOUT",
    b"CHECKIN",
    b"UNCHECKOUT",
    b"VERSION-CONTROL",
    b"UPDATE",
    b"LABEL",
    b"MERGE",
    b"MKWORKSPACE",
    b"MKACTIVITY",
    b"BASELINE-CONTROL",
    b"ORDERPATCH",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"LINK",
    b"UNLINK",
    b"PURGE",
    b"QUERY",
    b"PRI",
];

/// A request line no well-behaved client sends.
pub fn malformed_request(p: &ParsedLine) -> Option<Fixed> {
    let (method, target, protocol) = (p.method, p.path, p.protocol);
    // The common case first: a usual method, an origin-form target, a known version.
    let usual_method = matches!(method, b"GET" | b"POST" | b"HEAD");
    if usual_method && target.first() == Some(&b'/') && is_known_version(protocol) {
        return target_bytes_bad(target).then_some(Fixed::BinaryRequest).or_else(|| space_in(target));
    }
    if method.is_empty() {
        // `""`/`-`: a connection that sent no request (port scanners, TLS on port 80
        // cut short). Browsers' speculative connections also end as Apache's `- 408`.
        return match p.status {
            400 => Some(Fixed::EmptyRequest400),
            408 => Some(Fixed::EmptyRequest408),
            _ => None,
        };
    }
    if has_control_bytes(method) || target_bytes_bad(target) || has_control_bytes(protocol) {
        return Some(Fixed::BinaryRequest);
    }
    if !method.iter().all(|&c| c.is_ascii_uppercase() || c == b'-' || c == b'_') {
        // lowercase `get`, punctuation, escapes (`\x16\x03` TLS on a plain port)
        return Some(if memmem::find(method, b"\\x").is_some() { Fixed::BinaryRequest } else { Fixed::BadMethod });
    }
    if method == b"TRACE" || method == b"TRACK" {
        // Cross-site tracing probes: browsers cannot send TRACE.
        return Some(Fixed::TraceMethod);
    }
    if !usual_method && !KNOWN_METHODS.contains(&method) {
        return Some(Fixed::UnknownMethod);
    }
    if protocol.is_empty() {
        // HTTP/0.9 (`GET /`) died with the 1990s; squid and haproxy lines are handled
        // before this, and error-log requests do not get here.
        return Some(Fixed::NoProtocol);
    }
    if !is_known_version(protocol) {
        return Some(Fixed::BadProtocol);
    }
    // HTTP/2 and 3 requests may be logged in absolute form (`GET https://host/`).
    let absolute_ok = protocol.starts_with(b"HTTP/2") || protocol.starts_with(b"HTTP/3");
    if !(target.starts_with(b"/")
        || (target == b"*" && method == b"OPTIONS")
        || (absolute_ok && is_absolute_uri(target)))
    {
        return Some(Fixed::BadTarget);
    }
    space_in(target)
}

fn is_known_version(protocol: &[u8]) -> bool {
    matches!(protocol, b"HTTP/1.1" | b"HTTP/2.0" | b"HTTP/1.0" | b"HTTP/2" | b"HTTP/3" | b"HTTP/3.0")
}

/// A raw space in a target: the client did not encode it (or sent two lines in one).
fn space_in(target: &[u8]) -> Option<Fixed> {
    memchr::memchr(b' ', target).map(|_| Fixed::BadTarget)
}

/// Control bytes in a target, raw or escaped, in one pass (targets are scanned on every
/// line; the method and protocol only when unusual).
fn target_bytes_bad(target: &[u8]) -> bool {
    // A fold without early exit: the compiler vectorises it (targets are short).
    target.iter().fold(false, |seen, &c| seen | (c < 0x20) | (c == 0x7f) | (c == b'\\')) && has_control_bytes(target)
}

/// Raw control bytes, or the `\xHH` escapes Apache and nginx write for them. High bytes
/// (`\xD0\x9F`, unencoded UTF-8 from some clients) are not counted.
fn has_control_bytes(field: &[u8]) -> bool {
    if field.iter().any(|&c| c < 0x20 || c == 0x7f) {
        return true;
    }
    memchr::memchr_iter(b'\\', field).any(|at| match field.get(at + 1..at + 4) {
        Some([b'x', h, l]) => {
            matches!(h, b'0' | b'1') && l.is_ascii_hexdigit() || (*h, *l) == (b'7', b'f') || (*h, *l) == (b'7', b'F')
        }
        _ => false,
    })
}

/// What the status alone says: a 401 naming a user is a failed login; without one, and
/// 403/407/444, the server refused the client. 400 on a well-formed request line means
/// the headers were bad (plain HTTP to a TLS port, broken Host); 501 an exotic method.
pub fn status_rule(p: &ParsedLine) -> Option<Fixed> {
    match p.status {
        400 => Some(Fixed::Status400),
        401 if !p.user.is_empty() => Some(Fixed::Status401User),
        401 => Some(Fixed::Status401),
        403 => Some(Fixed::Status403),
        407 => Some(Fixed::Status407),
        444 => Some(Fixed::Status444),
        // a method the server does not implement: WebDAV exploit precursors, fuzzers
        501 => Some(Fixed::Status501),
        _ => None,
    }
}

/// Referers are long and almost always plain links; the payloads looked for in them
/// (Shellshock, Log4Shell, script and SQL injection, command substitution) need one of
/// these bytes, raw or `%`-encoded, or a `../`. A few SIMD passes skip the automaton for
/// the rest. (Not caught: an unencoded `union select` or `/etc/passwd` in a referer.)
pub fn referer_may_hold_payload(referer: &[u8]) -> bool {
    memchr::memchr3(b'$', b'<', b'\'', referer).is_some()
        || memchr::memchr3(b'(', b'"', b'`', referer).is_some()
        || memchr::memchr3(b'%', b';', b'|', referer).is_some()
        || memchr::memchr2(b'{', b'\\', referer).is_some()
        || memmem::find(referer, b"../").is_some()
}
