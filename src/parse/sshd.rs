//! sshd messages (sshd, sshd-session, sshd-auth): failed and accepted logins, probes,
//! preauth disconnects. The remote address and user come from each message's grammar,
//! never from "the first IP-looking text": sshd writes the attacker's user name before
//! its own ` from IP port N` and client-supplied auth info after it.

use crate::parse::programs;
use crate::parse::util::{after_ignore_case, is_remote, parse_u64, remote, rfind, skip_spaces, token};
use crate::vocab::event::{EventTag, ParsedLine};
use memchr::memmem;

/// True for the program names sshd logs under: `sshd`, OpenSSH 9.8+'s `sshd-session`
/// and `sshd-auth`, any of them as a path (`/usr/sbin/sshd`) or with an instance
/// suffix (`sshd@1`).
pub fn is_sshd_program(program: &[u8]) -> bool {
    let name = memchr::memrchr(b'/', program).map_or(program, |at| &program[at + 1..]);
    let name = memchr::memchr(b'@', name).map_or(name, |at| &name[..at]);
    matches!(name, b"sshd" | b"sshd-session" | b"sshd-auth")
}

/// Parses an sshd message (the text after `sshd[pid]: `) into `out`. Lines without an
/// address keep `ip` empty: the pipeline attributes them through the pid.
pub fn parse_message<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let msg = skip_kernel_prefix(msg.trim_ascii_end());
    let (msg, preauth) = strip_preauth(msg);
    let msg = msg.strip_prefix(b"error: ").or_else(|| msg.strip_prefix(b"fatal: ")).unwrap_or(msg);
    let (first, rest) = token(msg);
    match first {
        b"Failed" => auth_outcome(rest, Outcome::Failed, out),
        b"Accepted" => auth_outcome(rest, Outcome::Accepted, out),
        b"Postponed" => auth_outcome(rest, Outcome::Postponed, out),
        // one method of several that AuthenticationMethods requires
        b"Partial" => auth_outcome(rest, Outcome::Partial, out),
        // OpenSSH before 3.8 said "illegal" where it now says "invalid"
        b"Invalid" | b"Illegal" => invalid_user(rest, out),
        b"input_userauth_request:" => {
            out.tag = EventTag::InvalidUser;
            out.user = strip_invalid_user(rest).unwrap_or(rest);
        }
        b"Connection" => connection(rest, preauth, out),
        b"Disconnected" => disconnected(rest, preauth, out),
        // session.c, after a login: `Starting session: shell on pts/0 for U from A port N
        // id M` and `Close session: user U from A port N id M`.
        b"Starting" | b"Close" => session_line(first, rest, out),
        b"Disconnecting" => disconnecting_peer(rest, out),
        b"Disconnecting:" => disconnecting_bare(rest, out),
        b"Received" => received(rest, out),
        b"Did" => {
            out.tag = EventTag::NoIdentification;
            out.ip = rest
                .strip_prefix(b"not receive identification string from ")
                .and_then(addr_port_to_end)
                .unwrap_or_default();
        }
        b"kex_exchange_identification:" => out.tag = EventTag::KexFailure,
        b"banner" => {
            out.tag = EventTag::KexFailure;
            set_peer_before_fixed_reason(rest.strip_prefix(b"exchange: Connection from "), out);
        }
        b"ssh_dispatch_run_fatal:" => {
            out.tag = EventTag::KexFailure;
            set_peer_before_fixed_reason(rest.strip_prefix(b"Connection from "), out);
        }
        // sshpkt_fatal's `TAG: Connection from PEER: ERROR` for any other TAG (`read`,
        // `ssh_packet_write_poll` ...): the error is sshd's own text.
        _ if first.ends_with(b":") && rest.starts_with(b"Connection from ") => {
            set_peer_before_fixed_reason(rest.strip_prefix(b"Connection from "), out);
            if preauth {
                out.tag = EventTag::KexFailure;
            }
        }
        b"Unable" => {
            out.tag = EventTag::NegotiationFailure;
            set_peer_before_port_colon(
                rest.strip_prefix(b"to negotiate with "),
                |_, reason| reason.starts_with(b"no matching "),
                out,
            );
        }
        // `fatal: no matching mac found: ...` (older sshd, address only on other lines)
        b"no" if rest.starts_with(b"matching ") => out.tag = EventTag::NegotiationFailure,
        b"Bad" => bad_protocol_version(rest, out),
        // kex.c: a version banner that marks a known scanner
        b"probed" | b"scanned" => {
            out.tag = EventTag::BadProtocolVersion;
            set_peer_before_with(rest.strip_prefix(b"from "), out);
        }
        b"Protocol" => {
            out.tag = EventTag::BadProtocolVersion;
            if let Some(s) = rest.strip_prefix(b"major versions differ for ") {
                set_leading_addr(s, out);
            }
        }
        b"User" => user_not_allowed(rest, out),
        b"ROOT" => {
            if let Some(s) = rest.strip_prefix(b"LOGIN REFUSED FROM ") {
                out.tag = EventTag::UserNotAllowed;
                out.user = b"root";
                out.ip = addr_port_to_end(s).unwrap_or_default();
            }
        }
        b"refused" => refused_connect(rest, out),
        b"reverse" => reverse_mapping(rest, out),
        b"Address" if memmem::find(rest, b" maps to ").is_some() => {
            out.tag = EventTag::ReverseMappingFailed;
            out.ip = remote(token(rest).0);
        }
        b"Nasty" => nasty_ptr(rest, out),
        b"PAM:" => pam_error(skip_spaces(rest), out),
        b"PAM" => pam_summary(rest, out),
        b"maximum" => {
            out.tag = EventTag::MaxAuthAttempts;
            if let Some(s) = rest.strip_prefix(b"authentication attempts exceeded for ") {
                set_user_from(strip_invalid_user(s).unwrap_or(s), auth_tail, out);
            }
        }
        b"Timeout" => timeout(rest, out),
        // OpenSSH 9.8+ listener: MaxStartups and PerSourcePenalties refusals, and the
        // penalties themselves. Both follow failures already counted on their own lines.
        b"drop" => {
            if let Some(s) = rest.strip_prefix(b"connection #").and_then(skip_digits) {
                out.ip = s
                    .strip_prefix(b" from [")
                    .and_then(|s| Some(remote(&s[..memchr::memchr(b']', s)?])))
                    .unwrap_or_default();
            }
        }
        b"srclimit_penalise:" => out.ip = penalised_address(rest),
        b"Read" | b"Write" => read_failed(rest, preauth, out),
        b"SSH:" => patched_remote(rest, out),
        _ if first.starts_with(b"pam_") || first.starts_with(b"(pam_") => {
            programs::parse_pam(msg, out);
        }
        _ => {}
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Failed,
    Accepted,
    Postponed,
    Partial,
}

/// `Failed|Accepted|Postponed METHOD for [invalid user ]USER from ADDR port N sshX[: INFO]`
fn auth_outcome<'a>(rest: &'a [u8], outcome: Outcome, out: &mut ParsedLine<'a>) {
    let (method, rest) = token(rest);
    let Some(rest) = rest.strip_prefix(b"for ") else {
        return;
    };
    let method = method.split(|&c| c == b'/').next().unwrap_or(method);
    out.tag = match (outcome, method) {
        (Outcome::Failed, b"password") => EventTag::FailedPassword,
        (Outcome::Failed, b"publickey") => EventTag::FailedPublickey,
        (Outcome::Failed, _) => EventTag::FailedOtherAuth,
        (Outcome::Accepted, b"password") => EventTag::AcceptedPassword,
        (Outcome::Accepted, b"publickey") => EventTag::AcceptedPublickey,
        (Outcome::Accepted, _) => EventTag::AcceptedOtherAuth,
        (Outcome::Postponed | Outcome::Partial, _) => EventTag::Other,
    };
    set_user_from(strip_invalid_user(rest).unwrap_or(rest), auth_tail, out);
}

/// What follows `invalid user ` (or the `illegal user ` of OpenSSH before 3.8).
fn strip_invalid_user(s: &[u8]) -> Option<&[u8]> {
    s.strip_prefix(b"invalid user ").or_else(|| s.strip_prefix(b"illegal user "))
}

/// `Invalid user USER from ADDR[ port N]`
fn invalid_user<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(s) = rest.strip_prefix(b"user ") {
        out.tag = EventTag::InvalidUser;
        set_user_from(s, addr_port_to_end, out);
    }
}

/// Splits `USER from TAIL` at the ` from ` whose tail has the fixed grammar `tail`
/// accepts, and stores user and address. The user is whatever the client sent, kept
/// byte-exact. A tail may stop at the `: INFO` separator, and both USER and INFO
/// (hostbased's client user and host, a certificate's key ID, a GSSAPI principal) can
/// hold client text shaped like a tail, so one fitting split is sshd's and several
/// are ambiguous: the line keeps no address and no user (the pid attributes it),
/// and a client cannot pick the address.
fn set_user_from<'a>(s: &'a [u8], tail: fn(&'a [u8]) -> Option<&'a [u8]>, out: &mut ParsedLine<'a>) {
    let mut fitting = memmem::find_iter(s, b" from ").filter_map(|at| Some((at, tail(&s[at + 6..])?)));
    match (fitting.next(), fitting.next()) {
        (Some((at, addr)), None) => {
            out.user = &s[..at];
            out.ip = addr;
        }
        (Some(_), Some(_)) => out.ambiguous_address = true,
        _ => {}
    }
}

/// The auth tail `ADDR port N[ sshX][: INFO]`.
fn auth_tail(b: &[u8]) -> Option<&[u8]> {
    let (addr, rest) = token(b);
    let rest = rest.strip_prefix(b"port ")?;
    let mut rest = skip_digits(rest)?;
    if let Some(proto) = rest.strip_prefix(b" ssh") {
        rest = &proto[proto.iter().take_while(|c| c.is_ascii_digit()).count()..];
    }
    let complete = rest.is_empty() || rest == b":" || rest.starts_with(b": ");
    (complete && is_remote(addr)).then_some(addr)
}

/// `ADDR[ port N]` making up all of `b`.
fn addr_port_to_end(b: &[u8]) -> Option<&[u8]> {
    let (addr, rest) = token(b);
    if !rest.is_empty() {
        parse_u64(rest.strip_prefix(b"port ")?)?;
    }
    is_remote(addr).then_some(addr)
}

/// Skips at least one ASCII digit.
fn skip_digits(b: &[u8]) -> Option<&[u8]> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    (n > 0).then(|| &b[n..])
}

/// How sshd qualified the user on `Connection closed by`, `Disconnected from` ... lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UserKind {
    NoUser,
    Invalid,
    Authenticating,
    Valid,
}

/// Parses `[invalid user U |authenticating user U |user U ]ADDR[ port N]` (the whole
/// of `s`), anchored at the end: the address is the token before ` port N`, the
/// user everything between the qualifier and it. A qualified user without
/// ` port N` is a line without an address (`Connection closed by authenticating
/// user root [preauth]`).
fn set_peer<'a>(s: &'a [u8], out: &mut ParsedLine<'a>) -> UserKind {
    let qualifiers: [(&[u8], UserKind); 3] = [
        (b"invalid user ", UserKind::Invalid),
        (b"authenticating user ", UserKind::Authenticating),
        (b"user ", UserKind::Valid),
    ];
    for (qualifier, kind) in qualifiers {
        let Some(rest) = s.strip_prefix(qualifier) else {
            continue;
        };
        match strip_port_suffix(rest) {
            Some(head) => match memchr::memrchr(b' ', head) {
                Some(cut) => {
                    out.user = &head[..cut];
                    out.ip = remote(&head[cut + 1..]);
                }
                None => out.ip = remote(head),
            },
            None => out.user = rest,
        }
        return kind;
    }
    out.ip = remote(strip_port_suffix(s).unwrap_or(s));
    UserKind::NoUser
}

/// For `PEER port N: REASON` messages whose REASON may hold the client's words
/// (`Disconnecting`, `Unable to negotiate ... Their offer: LIST`). Without a user the
/// peer is one token, so the first ` port N:` is sshd's. With one (`invalid user U
/// ADDR port N:`), text of the client's stands on both sides; a split counts only if
/// `reason_fits` accepts what follows it, and when several splits fit the line is
/// ambiguous and gets no address rather than one the client chose. A single split is
/// sshd's whatever its reason says.
fn set_peer_before_port_colon<'a>(
    s: Option<&'a [u8]>,
    reason_fits: fn(peer: &[u8], reason: &[u8]) -> bool,
    out: &mut ParsedLine<'a>,
) -> UserKind {
    let Some(s) = s else { return UserKind::NoUser };
    let mut ends = ends_of_port_colon(s);
    let Some(first) = ends.next() else { return UserKind::NoUser };
    if !has_user_qualifier(s) {
        return set_peer(&s[..first], out);
    }
    let Some(second) = ends.next() else { return set_peer(&s[..first], out) };
    let fits = |end: &usize| reason_fits(&s[..*end], skip_spaces(&s[*end + 1..]));
    let mut fitting = [first, second].into_iter().chain(ends).filter(fits);
    match (fitting.next(), fitting.next()) {
        (Some(end), None) => set_peer(&s[..end], out),
        _ => {
            // Still say which kind of peer it was; the user and address stay unknown.
            let kind = set_peer(&s[..first], out);
            (out.user, out.ip) = (&[], &[]);
            out.ambiguous_address = true;
            kind
        }
    }
}

/// For `PEER port N: ERROR` where ERROR is sshd's own fixed text (`ssh_err`,
/// `strerror`): the client's words, if any, are in the user before it, so the last
/// ` port N:` is sshd's.
fn set_peer_before_fixed_reason<'a>(s: Option<&'a [u8]>, out: &mut ParsedLine<'a>) -> UserKind {
    match s.and_then(|s| Some(&s[..ends_of_port_colon(s).last()?])) {
        Some(peer) => set_peer(peer, out),
        None => UserKind::NoUser,
    }
}

/// For lines whose genuine form has no user before the address (so never more than
/// one split to choose from).
fn no_reason_fits(_peer: &[u8], _reason: &[u8]) -> bool {
    false
}

/// True when `s` starts with one of sshd's log preambles (`invalid user `, ...).
fn has_user_qualifier(s: &[u8]) -> bool {
    [&b"invalid user "[..], b"authenticating user ", b"user "].iter().any(|q| s.starts_with(q))
}

/// Index just after the digits of each ` port N:` in `s`, in order.
fn ends_of_port_colon(s: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memmem::find_iter(s, b" port ").filter_map(|at| {
        let digits = s[at + 6..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = at + 6 + digits;
        (digits > 0 && s.get(end) == Some(&b':')).then_some(end)
    })
}

/// `ADDR port N with VERSION.  Don't panic.` (kex.c's probe and scanner notices): the
/// address is sshd's one token, the version the client's.
fn set_peer_before_with<'a>(s: Option<&'a [u8]>, out: &mut ParsedLine<'a>) {
    let Some(s) = s else { return };
    let (addr, rest) = token(s);
    let with = rest.strip_prefix(b"port ").and_then(skip_digits).is_some_and(|r| r.starts_with(b" with "));
    if with {
        out.ip = remote(addr);
    }
}

/// `s` without a trailing ` port N`, if it has one.
fn strip_port_suffix(s: &[u8]) -> Option<&[u8]> {
    let at = rfind(s, b" port ")?;
    parse_u64(&s[at + 6..])?;
    Some(&s[..at])
}

/// `closed by PEER`, `reset by PEER`, `from ADDR port N on ADDR port N`.
fn connection<'a>(rest: &'a [u8], preauth: bool, out: &mut ParsedLine<'a>) {
    if let Some(s) = rest.strip_prefix(b"closed by ") {
        let kind = set_peer(s, out);
        out.tag = if preauth || matches!(kind, UserKind::Invalid | UserKind::Authenticating) {
            EventTag::ConnectionClosedPreauth
        } else {
            EventTag::Other
        };
    } else if let Some(s) = rest.strip_prefix(b"reset by ") {
        // A bare reset happens during key exchange; with a user, during authentication.
        out.tag = match set_peer(s, out) {
            UserKind::NoUser => EventTag::KexFailure,
            _ => EventTag::ConnectionClosedPreauth,
        };
    } else if let Some(s) = rest.strip_prefix(b"from ") {
        match s.strip_suffix(b" timed out") {
            // packet.c's SSH_ERR_CONN_TIMEOUT: `Connection from PEER timed out`
            Some(peer) => {
                let kind = set_peer(peer, out);
                out.tag = if preauth || matches!(kind, UserKind::Invalid | UserKind::Authenticating) {
                    EventTag::ConnectionClosedPreauth
                } else {
                    EventTag::Other
                };
            }
            // `Connection from ADDR port N on LADDR port M`, logged before any user
            None => {
                out.tag = EventTag::ConnectionOpened;
                let (addr, after) = token(s);
                if after.starts_with(b"port ") {
                    out.ip = remote(addr);
                }
            }
        }
    }
}

/// `Starting session: WHAT for U from A port N id M`, `Close session: user U from A port
/// N id M`: a session of a user who logged in. The address is the one before sshd's
/// own ` port N id M` end; WHAT comes from the configuration, U is an account name.
fn session_line<'a>(first: &[u8], rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let Some(rest) = rest.strip_prefix(b"session: ") else { return };
    let Some(from) = rfind(rest, b" from ") else { return };
    let tail = &rest[from + 6..];
    let (addr, after) = token(tail);
    let (port_word, after) = token(after);
    let (port, after) = token(after);
    let (id_word, id) = token(after);
    if port_word != b"port" || parse_u64(port).is_none() || id_word != b"id" || parse_u64(id).is_none() {
        return;
    }
    let head = &rest[..from];
    let user = if first == b"Close" {
        out.tag = EventTag::SessionClosed;
        head.strip_prefix(b"user ")
    } else {
        rfind(head, b" for ").map(|at| &head[at + 5..])
    };
    out.user = user.unwrap_or_default();
    out.ip = remote(addr);
}

/// `Disconnected from [invalid|authenticating] user U ADDR port N [preauth]`
fn disconnected<'a>(rest: &'a [u8], preauth: bool, out: &mut ParsedLine<'a>) {
    let Some(s) = rest.strip_prefix(b"from ") else {
        return;
    };
    let kind = set_peer(s, out);
    out.tag = if preauth || matches!(kind, UserKind::Invalid | UserKind::Authenticating) {
        EventTag::DisconnectedPreauth
    } else {
        EventTag::SessionClosed
    };
}

const TOO_MANY_FAILURES: &[u8] = b"Too many authentication failures";

/// `Disconnecting invalid user U ADDR port N: REASON`. The reason may quote the
/// client (`Change of username ... (admin,ssh-connection) -> (x,...)`), so the known
/// reason is anchored at the end, any other at the first ` port N:`.
fn disconnecting_peer<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let known = rest.strip_suffix(TOO_MANY_FAILURES).and_then(|s| s.strip_suffix(b": "));
    let (kind, too_many) = match known {
        Some(peer) => (set_peer(peer, out), true),
        None => (set_peer_before_port_colon(Some(rest), disconnect_reason_fits, out), false),
    };
    out.tag = match (too_many, kind) {
        (true, _) => EventTag::MaxAuthAttempts,
        (false, UserKind::Invalid) => EventTag::InvalidUser,
        _ => EventTag::Other,
    };
}

/// The reasons sshd passes to `ssh_packet_disconnect` after a user is named (auth2.c,
/// serverloop.c, session.c, packet.c). auth2.c's `Change of username or service not
/// allowed: (U,SERVICE) -> (U2,SERVICE2)` repeats the peer's user first, which tells
/// a genuine split from one inside the second, client-chosen, user.
fn disconnect_reason_fits(peer: &[u8], reason: &[u8]) -> bool {
    const FIXED_REASONS: [&[u8]; 11] = [
        b"no authentication methods enabled",
        b"bad service request ",
        b"KEXINIT was not the first packet",
        b"multiple KEXINIT received",
        b"Possible attack: ",
        b"Protocol error: ",
        b"incoming sequence number ",
        b"outgoing sequence number ",
        b"strict KEX violation: ",
        b"unexpected packet type ",
        b"session after additional sessions disabled",
    ];
    let Some(users) = reason.strip_prefix(b"Change of username or service not allowed: (") else {
        return FIXED_REASONS.iter().any(|r| reason.starts_with(r));
    };
    let mut probe = ParsedLine::default();
    set_peer(peer, &mut probe);
    users.strip_prefix(probe.user).is_some_and(|rest| rest.starts_with(b","))
}

/// `Disconnecting: Too many authentication failures[ for U]` (address on other lines).
fn disconnecting_bare<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(s) = rest.strip_prefix(TOO_MANY_FAILURES) {
        out.tag = EventTag::MaxAuthAttempts;
        out.user = s.strip_prefix(b" for ").unwrap_or_default();
    }
}

/// `Received disconnect from ADDR port N:11: reason` (and `from ADDR: 11: reason`).
fn received<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(s) = rest.strip_prefix(b"disconnect from ") {
        out.tag = EventTag::ReceivedDisconnect;
        if [&b"invalid user "[..], b"authenticating user ", b"user "].iter().any(|q| s.starts_with(q)) {
            set_peer_before_port_colon(Some(s), no_reason_fits, out);
        } else {
            set_leading_addr(s, out);
        }
    }
}

/// An address that starts `s` and ends at a space or at the old `ADDR: ` separator
/// (an IPv6 address keeps its colons: only the last, before the space, goes).
fn set_leading_addr<'a>(s: &'a [u8], out: &mut ParsedLine<'a>) {
    let (addr, _) = token(s);
    out.ip = remote(addr.strip_suffix(b":").unwrap_or(addr));
}

/// `Bad protocol version identification 'VERSION' from ADDR[ port N]`: the version is
/// the client's, so only a tail running to the end of the line counts. OpenSSH 7.x+
/// writes `Bad remote protocol version identification: 'VERSION'` with no address
/// (the pid has it). `Bad packet length N.` is left to the fatal line that follows it.
fn bad_protocol_version<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if rest.starts_with(b"remote protocol version identification: ") {
        out.tag = EventTag::BadProtocolVersion;
    } else if rest.starts_with(b"protocol version identification") {
        out.tag = EventTag::BadProtocolVersion;
        if let Some(at) = memmem::find_iter(rest, b" from ").find(|&at| addr_port_to_end(&rest[at + 6..]).is_some()) {
            out.ip = addr_port_to_end(&rest[at + 6..]).unwrap_or_default();
        }
    }
}

/// `User U from ADDR not allowed because REASON` (REASON is sshd's fixed text) and
/// `User U not allowed because account is locked`.
fn user_not_allowed<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let Some(at) = rfind(rest, b" not allowed because ") else {
        return;
    };
    out.tag = EventTag::UserNotAllowed;
    let head = &rest[..at];
    match rfind(head, b" from ") {
        Some(from) if is_remote(&head[from + 6..]) => {
            out.user = &head[..from];
            out.ip = &head[from + 6..];
        }
        _ => out.user = head,
    }
}

/// tcpd: `refused connect from NAME (ADDR)` or `refused connect from ADDR`.
fn refused_connect<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let Some(s) = rest.strip_prefix(b"connect from ") else {
        return;
    };
    out.tag = EventTag::AccessDenied;
    out.ip = match s.strip_suffix(b")").and_then(|s| Some(&s[memchr::memrchr(b'(', s)? + 1..])) {
        Some(addr) => remote(addr),
        None => remote(s),
    };
}

/// `reverse mapping checking getaddrinfo for NAME [ADDR] failed - POSSIBLE BREAK-IN
/// ATTEMPT!`: NAME comes from the attacker's DNS, so the bracket before `] failed`.
fn reverse_mapping<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if !rest.starts_with(b"mapping checking") {
        return;
    }
    out.tag = EventTag::ReverseMappingFailed;
    if let Some(end) = rfind(rest, b"] failed") {
        if let Some(open) = memchr::memrchr(b'[', &rest[..end]) {
            out.ip = remote(&rest[open + 1..end]);
        }
    }
}

/// `Nasty PTR record "NAME" is set up for ADDR, ignoring`
fn nasty_ptr<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(at) = rfind(rest, b" is set up for ") {
        out.tag = EventTag::ReverseMappingFailed;
        let s = &rest[at + 15..];
        out.ip = remote(s.split(|&c| c == b',').next().unwrap_or(s));
    }
}

/// `PAM: Authentication failure for [illegal user ]U from HOST[ via ADDR]`,
/// `PAM: User not known to the underlying authentication module for illegal user U
/// from HOST`. HOST ends the line (after dropping the ` via ADDR` of the local side).
fn pam_error<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let s = if let Some(s) = after_ignore_case(rest, b"authentication failure for ")
        .or_else(|| after_ignore_case(rest, b"authentication error for "))
    {
        out.tag = EventTag::PamAuthFailure;
        s
    } else if let Some(s) = rest.strip_prefix(b"User not known to the underlying authentication module for ") {
        out.tag = EventTag::PamUserUnknown;
        s
    } else {
        return;
    };
    let s = s.strip_prefix(b"illegal user ").unwrap_or(s);
    let s = match rfind(s, b" via ") {
        Some(at) if is_remote(&s[at + 5..]) => &s[..at],
        _ => s,
    };
    match rfind(s, b" from ") {
        Some(at) if is_remote(&s[at + 6..]) => {
            out.user = &s[..at];
            out.ip = &s[at + 6..];
        }
        _ => out.user = s,
    }
}

/// `PAM 5 more authentication failures; logname= ... rhost=HOST  user=U`
fn pam_summary<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let (count, s) = token(rest);
    if parse_u64(count).is_some() && s.starts_with(b"more authentication failure") {
        out.tag = EventTag::PamAuthFailure;
        programs::set_pam_remote(s, out);
    }
}

/// `Timeout before authentication for ADDR port N` and the listener's
/// `... for connection from ADDR to ADDR, pid = N`.
fn timeout<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    let Some(s) = rest.strip_prefix(b"before authentication for ") else {
        return;
    };
    out.tag = EventTag::KexFailure;
    out.ip = match s.strip_prefix(b"connection from ") {
        // `connection from ADDR to LADDR, pid = N`, or `connection from ADDR, pid = N`
        // for a socket without ports
        Some(s) => {
            let addr = token(s).0;
            remote(addr.strip_suffix(b",").unwrap_or(addr))
        }
        None => addr_port_to_end(s).unwrap_or_default(),
    };
}

/// The source of `ipv4: new NET active penalty of ...` or `NET: activating ipv4
/// penalty of ...` when NET is one address (`/32`, `/128`); a wider net names no one.
fn penalised_address(rest: &[u8]) -> &[u8] {
    let net = match rest.strip_prefix(b"ipv4: new ").or_else(|| rest.strip_prefix(b"ipv6: new ")) {
        Some(s) => token(s).0,
        None => token(rest).0.strip_suffix(b":").unwrap_or_default(),
    };
    remote(net.strip_suffix(b"/32").or_else(|| net.strip_suffix(b"/128")).unwrap_or_default())
}

/// `Read from socket failed: Connection reset by peer [preauth]`, `Write failed: ...`,
/// `Read error from remote host ADDR port N: Connection reset by peer`.
fn read_failed<'a>(rest: &'a [u8], preauth: bool, out: &mut ParsedLine<'a>) {
    if let Some(s) = rest.strip_prefix(b"error from remote host ") {
        set_peer_before_fixed_reason(Some(s), out);
    }
    if preauth && rest.ends_with(b"Connection reset by peer") {
        out.tag = EventTag::KexFailure;
    }
}

/// A patched sshd's `SSH: Server;Ltype: Version;Remote: ADDR-PORT;...` (gh-864 style):
/// it opens the connection, so it carries the address for the pid.
fn patched_remote<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(at) = memmem::find(rest, b";Remote: ") {
        let s = &rest[at + 9..];
        let value = s.split(|&c| c == b';').next().unwrap_or(s);
        out.ip = match memchr::memrchr(b'-', value) {
            Some(dash) if parse_u64(&value[dash + 1..]).is_some() => remote(&value[..dash]),
            _ => remote(value),
        };
    }
}

/// A journald-forwarded `kernel:[  970.69]: ` or `kernel: [  970.69] ` before the text.
fn skip_kernel_prefix(msg: &[u8]) -> &[u8] {
    let Some(rest) = msg.strip_prefix(b"kernel:") else {
        return msg;
    };
    let rest = skip_spaces(rest);
    let rest = match rest.strip_prefix(b"[") {
        Some(inner) => match memchr::memchr(b']', inner) {
            Some(end) => &inner[end + 1..],
            None => return msg,
        },
        None => rest,
    };
    skip_spaces(rest.strip_prefix(b":").unwrap_or(rest))
}

/// The message without the ` [preauth]` sshd appends to its unprivileged child's lines.
fn strip_preauth(msg: &[u8]) -> (&[u8], bool) {
    match msg.strip_suffix(b"[preauth]") {
        Some(rest) => (rest.strip_suffix(b" ").unwrap_or(rest), true),
        None => (msg, false),
    }
}

#[cfg(test)]
#[path = "sshd_tests.rs"]
mod tests;
