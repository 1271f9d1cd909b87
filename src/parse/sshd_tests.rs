//! Unit tests of sshd.rs: every message form, with the injection cases that decide
//! attribution. Lines are written for these tests with documentation addresses.

use super::*;
use EventTag::*;

fn parsed(msg: &str) -> ParsedLine<'_> {
    let mut out = ParsedLine::default();
    parse_message(msg.as_bytes(), &mut out);
    out
}

#[track_caller]
fn check(msg: &str, tag: EventTag, ip: &str, user: &str) {
    let p = parsed(msg);
    let got = (p.tag, String::from_utf8_lossy(p.ip).into_owned(), String::from_utf8_lossy(p.user).into_owned());
    assert_eq!(got, (tag, ip.to_string(), user.to_string()), "{msg}");
}

#[test]
fn failed_and_accepted_logins() {
    check("Failed password for root from 203.0.113.9 port 40022 ssh2", FailedPassword, "203.0.113.9", "root");
    check(
        "Failed password for invalid user oracle from 198.51.100.4 port 5122 ssh2",
        FailedPassword,
        "198.51.100.4",
        "oracle",
    );
    check(
        "Failed publickey for git from 192.0.2.8 port 57904 ssh2: ECDSA SHA256:abcd",
        FailedPublickey,
        "192.0.2.8",
        "git",
    );
    check(
        "Failed keyboard-interactive/pam for invalid user bob from 2001:db8::7 port 33723 ssh2",
        FailedOtherAuth,
        "2001:db8::7",
        "bob",
    );
    check("Failed none for invalid user 0 from 198.51.100.30 port 49811 ssh2", FailedOtherAuth, "198.51.100.30", "0");
    check(
        "Failed hostbased for ann from 192.0.2.3 port 4578 ssh2: RSA 8c:e3, client user \"ann\", client host \"x\"",
        FailedOtherAuth,
        "192.0.2.3",
        "ann",
    );
    check("Failed unknown for invalid user carl from 192.0.2.2 port 55555 ssh2", FailedOtherAuth, "192.0.2.2", "carl");
    check("Failed password for dan from 192.0.2.44 port 45416 ssh1", FailedPassword, "192.0.2.44", "dan");
    check(
        "Failed publickey for roehl from host.example.com port 51332 ssh2",
        FailedPublickey,
        "host.example.com",
        "roehl",
    );
    check(
        "Failed publickey for roehl from ::ffff:198.51.100.22 port 51332 ssh2",
        FailedPublickey,
        "::ffff:198.51.100.22",
        "roehl",
    );
    check("Failed password for invalid user  from 203.0.113.50 port 3322 ssh2", FailedPassword, "203.0.113.50", "");
    check(
        "Failed password for invalid user  0101 from 203.0.113.51 port 3322 ssh2",
        FailedPassword,
        "203.0.113.51",
        " 0101",
    );
    check("Accepted password for alice from 192.0.2.10 port 52100 ssh2", AcceptedPassword, "192.0.2.10", "alice");
    check(
        "Accepted publickey for git from 192.0.2.1 port 579 ssh2: RSA SHA256:Kl8k",
        AcceptedPublickey,
        "192.0.2.1",
        "git",
    );
    check(
        "Accepted keyboard-interactive/pam for eve from 2001:db8::5 port 22 ssh2",
        AcceptedOtherAuth,
        "2001:db8::5",
        "eve",
    );
    check("Postponed publickey for git from 192.0.2.1 port 57904 ssh2 [preauth]", Other, "192.0.2.1", "git");
}

#[test]
fn user_name_injection_is_attributed_structurally() {
    // the user sent `x from 8.8.8.8 port 22 ssh2`
    check(
        "Failed password for invalid user x from 8.8.8.8 port 22 ssh2 from 203.0.113.5 port 4242 ssh2",
        FailedPassword,
        "203.0.113.5",
        "x from 8.8.8.8 port 22 ssh2",
    );
    // a tail stopping at `: ` may be sshd's followed by INFO, or the user's followed by
    // sshd's: ambiguous, so no address (the pid attributes the line)
    check(
        "Failed password for invalid user test from 192.0.2.77 port 58946 ssh2: from 198.51.100.2 port 55555 ssh2",
        FailedPassword,
        "",
        "",
    );
    // hostbased's INFO quotes the client's user and host: with a tail on each side the
    // line is ambiguous and gets no address (its pid attributes it)
    check(
        "Failed hostbased for invalid user a from 198.51.100.2 port 1 ssh2: x from 192.0.2.77 port 58946 ssh2: RSA SHA256:k, client user \"from 198.51.100.3 port 2 ssh2: \", client host \"h\"",
        FailedOtherAuth,
        "",
        "",
    );
    check(
        "Failed hostbased for ann from 192.0.2.77 port 58946 ssh2: RSA SHA256:k, client user \"x from 198.51.100.3 port 2 ssh2: \", client host \"h\"",
        FailedOtherAuth,
        "",
        "",
    );
    check(
        "Failed password for user from 192.0.2.78 port 20000 ssh1: ruser from 198.51.100.3",
        FailedPassword,
        "192.0.2.78",
        "user",
    );
    check(
        "Failed password for invalid user from 198.51.100.1 from 192.0.2.79 port 58946 ssh2",
        FailedPassword,
        "192.0.2.79",
        "from 198.51.100.1",
    );
    check(
        "Invalid user a from 198.51.100.1 port 5 from 203.0.113.6 port 6",
        InvalidUser,
        "203.0.113.6",
        "a from 198.51.100.1 port 5",
    );
    check("Invalid user 'x\" from 198.51.100.9 from 203.0.113.7", InvalidUser, "203.0.113.7", "'x\" from 198.51.100.9");
    check(
        "error: maximum authentication attempts exceeded for invalid user z from 198.51.100.1 port 1 ssh2 from 192.0.2.7 port 49941 ssh2 [preauth]",
        MaxAuthAttempts,
        "192.0.2.7",
        "z from 198.51.100.1 port 1 ssh2",
    );
    check(
        "Connection closed by invalid user a 198.51.100.8 port 9 192.0.2.31 port 4000 [preauth]",
        ConnectionClosedPreauth,
        "192.0.2.31",
        "a 198.51.100.8 port 9",
    );
    check(
        "Disconnected from invalid user b c 203.0.113.40 port 22 [preauth]",
        DisconnectedPreauth,
        "203.0.113.40",
        "b c",
    );
    check(
        "Bad protocol version identification 'x' from 198.51.100.5' from 203.0.113.8 port 4040",
        BadProtocolVersion,
        "203.0.113.8",
        "",
    );
    check(
        "PAM: Authentication failure for a from 198.51.100.1 via 198.51.100.2 from example.com",
        PamAuthFailure,
        "example.com",
        "a from 198.51.100.1 via 198.51.100.2",
    );
}

#[test]
fn invalid_and_refused_users() {
    check("Illegal user tom from 192.0.2.70", InvalidUser, "192.0.2.70", "tom");
    check("Failed password for illegal user tom from 192.0.2.70 port 3 ssh2", FailedPassword, "192.0.2.70", "tom");
    check("input_userauth_request: illegal user tom", InvalidUser, "", "tom");
    check("Invalid user ftp from 192.0.2.1", InvalidUser, "192.0.2.1", "ftp");
    check("Invalid user ftp from 192.0.2.2 port 37220", InvalidUser, "192.0.2.2", "ftp");
    check("Invalid user  from 203.0.113.3", InvalidUser, "203.0.113.3", "");
    check("input_userauth_request: invalid user webmaster [preauth]", InvalidUser, "", "webmaster");
    check(
        "User root from 198.51.100.45 not allowed because listed in DenyUsers",
        UserNotAllowed,
        "198.51.100.45",
        "root",
    );
    check("User allena from example.com not allowed because not in any group", UserNotAllowed, "example.com", "allena");
    check("User root not allowed because account is locked", UserNotAllowed, "", "root");
    check("ROOT LOGIN REFUSED FROM ::ffff:192.0.2.4 port 12345 [preauth]", UserNotAllowed, "::ffff:192.0.2.4", "root");
    check(
        "refused connect from _U2Fs_@::ffff:198.51.100.161 (::ffff:198.51.100.161)",
        AccessDenied,
        "::ffff:198.51.100.161",
        "",
    );
}

#[test]
fn preauth_closes_and_disconnects() {
    check("input_userauth_request: invalid user  [preauth]", InvalidUser, "", "");
    check("input_userauth_request: invalid user  0101 [preauth]", InvalidUser, "", " 0101");
    check("Connection closed by UNKNOWN port 65535 [preauth]", ConnectionClosedPreauth, "", "");
    check("Did not receive identification string from UNKNOWN port 65535", NoIdentification, "", "");
    check("Connection closed by 192.0.2.15 port 35352", Other, "192.0.2.15", "");
    check("Connection closed by 198.51.100.1 [preauth]", ConnectionClosedPreauth, "198.51.100.1", "");
    check(
        "Connection closed by authenticating user root 192.0.2.20 port 1558 [preauth]",
        ConnectionClosedPreauth,
        "192.0.2.20",
        "root",
    );
    check("Connection closed by authenticating user root [preauth]", ConnectionClosedPreauth, "", "root");
    check("Connection reset by 192.0.2.39 port 14282 [preauth]", KexFailure, "192.0.2.39", "");
    check(
        "Connection reset by authenticating user root 192.0.2.21 port 1558 [preauth]",
        ConnectionClosedPreauth,
        "192.0.2.21",
        "root",
    );
    check(
        "Disconnected from authenticating user root 192.0.2.6 port 33553 [preauth]",
        DisconnectedPreauth,
        "192.0.2.6",
        "root",
    );
    check("Disconnected from 192.0.2.4 port 36985 [preauth]", DisconnectedPreauth, "192.0.2.4", "");
    check("Disconnected from user alice 192.0.2.9 port 5000", SessionClosed, "192.0.2.9", "alice");
    check("Disconnected from 192.0.2.9 port 5000", SessionClosed, "192.0.2.9", "");
    check("Received disconnect from 198.51.100.34: 11: Bye Bye [preauth]", ReceivedDisconnect, "198.51.100.34", "");
    check(
        "error: Received disconnect from 192.0.2.100 port 7736:3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
        ReceivedDisconnect,
        "192.0.2.100",
        "",
    );
    check("Received disconnect from 2001:db8::9: 3: Ha ha: Auth fail [preauth]", ReceivedDisconnect, "2001:db8::9", "");
    check(
        "Received disconnect from 2001:db8::9 port 22:11: x port 5: y [preauth]",
        ReceivedDisconnect,
        "2001:db8::9",
        "",
    );
    check(
        "Connection from 192.0.2.10 port 62004 on 192.0.2.1 port 22 rdomain \"0\"",
        ConnectionOpened,
        "192.0.2.10",
        "",
    );
}

#[test]
fn too_many_failures() {
    check(
        "error: maximum authentication attempts exceeded for invalid user xxx from 192.0.2.7 port 49941 ssh2 [preauth]",
        MaxAuthAttempts,
        "192.0.2.7",
        "xxx",
    );
    check(
        "error: maximum authentication attempts exceeded for root from 192.0.2.8 port 1 ssh2 [preauth]",
        MaxAuthAttempts,
        "192.0.2.8",
        "root",
    );
    check(
        "Disconnecting invalid user xxx 192.0.2.7 port 49941: Too many authentication failures [preauth]",
        MaxAuthAttempts,
        "192.0.2.7",
        "xxx",
    );
    check(
        "Disconnecting authenticating user root 192.0.2.9 port 2: Too many authentication failures [preauth]",
        MaxAuthAttempts,
        "192.0.2.9",
        "root",
    );
    check("Disconnecting: Too many authentication failures [preauth]", MaxAuthAttempts, "", "");
    check("Disconnecting: Too many authentication failures for root [preauth]", MaxAuthAttempts, "", "root");
    check(
        "Disconnecting invalid user admin 192.0.2.117 port 44004: Change of username or service not allowed: (admin,ssh-connection) -> (u 198.51.100.1 port 9: ,ssh-connection) [preauth]",
        InvalidUser,
        "192.0.2.117",
        "admin",
    );
}

#[test]
fn probes_and_kex() {
    check("Did not receive identification string from 198.51.100.114", NoIdentification, "198.51.100.114", "");
    check("Did not receive identification string from 192.0.2.5 port 35836", NoIdentification, "192.0.2.5", "");
    check("error: kex_exchange_identification: Connection closed by remote host", KexFailure, "", "");
    check("banner exchange: Connection from 192.0.2.61 port 5: invalid format", KexFailure, "192.0.2.61", "");
    check("ssh_dispatch_run_fatal: Connection from 192.0.2.13 port 33738: message authentication code incorrect [preauth]", KexFailure, "192.0.2.13", "");
    check("fatal: Timeout before authentication for 192.0.2.14 port 55555", KexFailure, "192.0.2.14", "");
    check(
        "Timeout before authentication for connection from 192.0.2.17 to 127.0.0.1, pid = 29098",
        KexFailure,
        "192.0.2.17",
        "",
    );
    check("fatal: Read from socket failed: Connection reset by peer [preauth]", KexFailure, "", "");
    check(
        "Unable to negotiate with 192.0.2.1 port 55419: no matching cipher found. Their offer: aes256-cbc [preauth]",
        NegotiationFailure,
        "192.0.2.1",
        "",
    );
    check("fatal: no matching mac found: client hmac-x server hmac-y [preauth]", NegotiationFailure, "", "");
    check(
        "Bad protocol version identification 'GET / HTTP/1.1' from 203.0.113.80 port 33454",
        BadProtocolVersion,
        "203.0.113.80",
        "",
    );
    check("Bad protocol version identification '' from 203.0.113.81", BadProtocolVersion, "203.0.113.81", "");
    check(
        "error: Protocol major versions differ for 198.51.100.2 port 5: SSH-2.0-x vs. SSH-1.5-y",
        BadProtocolVersion,
        "198.51.100.2",
        "",
    );
    check(
        "SSH: Server;Ltype: Version;Remote: 192.0.2.33-1780;Protocol: 2.0;Client: libssh2_1.4.3",
        Other,
        "192.0.2.33",
        "",
    );
}

#[test]
fn reverse_mapping_and_pam() {
    check(
        "reverse mapping checking getaddrinfo for ns.example.com [198.51.100.186] failed - POSSIBLE BREAK-IN ATTEMPT!",
        ReverseMappingFailed,
        "198.51.100.186",
        "",
    );
    check(
        "reverse mapping checking getaddrinfo for [198.51.100.1] failed x [203.0.113.1] failed - POSSIBLE BREAK-IN ATTEMPT!",
        ReverseMappingFailed,
        "203.0.113.1",
        "",
    );
    check("Address 192.0.2.4 maps to a.example.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!", ReverseMappingFailed, "192.0.2.4", "");
    check("Nasty PTR record \"1.2.3.4\" is set up for 192.0.2.41, ignoring", ReverseMappingFailed, "192.0.2.41", "");
    check(
        "error: PAM: Authentication failure for myhlj1374 from 192.030.0.6",
        PamAuthFailure,
        "192.030.0.6",
        "myhlj1374",
    );
    check(
        "error: PAM: authentication error for james from example.com via 192.168.1.201",
        PamAuthFailure,
        "example.com",
        "james",
    );
    check(
        "error: PAM: User not known to the underlying authentication module for illegal user kit from 192.0.2.227 ",
        PamUserUnknown,
        "192.0.2.227",
        "kit",
    );
    check(
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.186 ",
        PamAuthFailure,
        "198.51.100.186",
        "",
    );
    check("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=a.example.net  user=root", PamAuthFailure, "a.example.net", "root");
    check("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=rda rhost=192.0.2.113 [preauth]", PamAuthFailure, "192.0.2.113", "rda");
    check("pam_unix(sshd:auth): check pass; user unknown", PamUserUnknown, "", "");
    check(
        "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.76  user=root",
        PamAuthFailure,
        "192.0.2.76",
        "root",
    );
    check(
        "PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.80 ",
        PamAuthFailure,
        "192.0.2.80",
        "",
    );
    check("PAM service(sshd) ignoring max retries; 6 > 3", Other, "", "");
    check("pam_unix(sshd:session): session closed for user fztu", SessionClosed, "", "fztu");
}

#[test]
fn prefixes_and_plain_lines() {
    check(
        "kernel:[  970.699396]: Failed keyboard-interactive for <invalid username> from 192.0.2.55 port 42742 ssh2",
        FailedOtherAuth,
        "192.0.2.55",
        "<invalid username>",
    );
    check(
        "kernel: [  970.699397] Failed password for user admin from 192.0.2.10 port 42745 ssh2",
        FailedPassword,
        "192.0.2.10",
        "user admin",
    );
    check("Server listening on 0.0.0.0 port 22.", Other, "", "");
    check("Received signal 15; terminating.", Other, "", "");
    check("subsystem request for sftp", Other, "", "");
    check("", Other, "", "");
    check("Failed", Other, "", "");
    check("Failed password for root from", FailedPassword, "", "");
}

/// Wordings of OpenSSH 8.x to 9.x, from the format strings of auth.c, auth2.c,
/// packet.c, kex.c, sshd.c and srclimit.c.
#[test]
fn openssh_8_to_9_wordings() {
    check(
        "Failed publickey for invalid user deploy from 198.51.100.20 port 40112 ssh2: ED25519 SHA256:Qx7",
        FailedPublickey,
        "198.51.100.20",
        "deploy",
    );
    check(
        "Failed none for invalid user admin from 203.0.113.9 port 5022 ssh2",
        FailedOtherAuth,
        "203.0.113.9",
        "admin",
    );
    check(
        "Postponed keyboard-interactive for invalid user pi from 192.0.2.31 port 6001 ssh2 [preauth]",
        Other,
        "192.0.2.31",
        "pi",
    );
    check(
        "Partial publickey for alice from 2001:db8::31 port 6002 ssh2: ECDSA SHA256:x9",
        Other,
        "2001:db8::31",
        "alice",
    );
    check(
        "Connection closed by invalid user support 192.0.2.90 port 41000 [preauth]",
        ConnectionClosedPreauth,
        "192.0.2.90",
        "support",
    );
    check(
        "Disconnected from invalid user ubnt 203.0.113.77 port 51234 [preauth]",
        DisconnectedPreauth,
        "203.0.113.77",
        "ubnt",
    );
    check(
        "Connection from authenticating user root 198.51.100.70 port 22022 timed out [preauth]",
        ConnectionClosedPreauth,
        "198.51.100.70",
        "root",
    );
    check("Connection from user bob 192.0.2.71 port 22023 timed out", Other, "192.0.2.71", "bob");
    check(
        "ssh_packet_write_poll: Connection from user bob 192.0.2.72 port 22024: Broken pipe",
        Other,
        "192.0.2.72",
        "bob",
    );
    check(
        "read: Connection from 203.0.113.73 port 22025: Connection timed out [preauth]",
        KexFailure,
        "203.0.113.73",
        "",
    );
    check(
        "Unable to negotiate with 198.51.100.74 port 22026: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]",
        NegotiationFailure,
        "198.51.100.74",
        "",
    );
    check(
        "Received disconnect from 203.0.113.75 port 22027:11: Bye Bye [preauth]",
        ReceivedDisconnect,
        "203.0.113.75",
        "",
    );
    check("Bad remote protocol version identification: 'SSH-1.33-OpenSSH_6.0'", BadProtocolVersion, "", "");
    check(
        "probed from 192.0.2.76 port 22028 with SSH-2.0-ssh-keyscan.  Don't panic.",
        BadProtocolVersion,
        "192.0.2.76",
        "",
    );
    check(
        "scanned from 192.0.2.77 port 22029 with SSH-2.0-ScannerX.  Don't panic.",
        BadProtocolVersion,
        "192.0.2.77",
        "",
    );
    check("Timeout before authentication for connection from 192.0.2.78, pid = 3001", KexFailure, "192.0.2.78", "");
    check(
        "drop connection #3 from [198.51.100.79]:22030 on [192.0.2.1]:22 penalty: failed authentication",
        Other,
        "198.51.100.79",
        "",
    );
    check(
        "drop connection #10 from [2001:db8::80]:22031 on [2001:db8::1]:22 past MaxStartups",
        Other,
        "2001:db8::80",
        "",
    );
    check(
        "srclimit_penalise: ipv4: new 203.0.113.81/32 active penalty of 30.000 seconds for penalty: failed authentication",
        Other,
        "203.0.113.81",
        "",
    );
    check(
        "srclimit_penalise: 2001:db8::82/128: activating ipv6 penalty of 16.000 seconds for penalty: exceeded LoginGraceTime",
        Other,
        "2001:db8::82",
        "",
    );
    check(
        "srclimit_penalise: ipv6: new 2001:db8::/64 deferred penalty of 10.000 seconds for penalty: connections without attempting authentication",
        Other,
        "",
        "",
    );
    check("userauth_pubkey: key type ssh-dss not in PubkeyAcceptedAlgorithms [preauth]", Other, "", "");
    check("userauth_pubkey: signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms [preauth]", Other, "", "");
    check(
        "User guest from 192.0.2.83 not allowed because none of user's groups are listed in AllowGroups",
        UserNotAllowed,
        "192.0.2.83",
        "guest",
    );
    check("User ops from 192.0.2.84 not allowed because not listed in AllowUsers", UserNotAllowed, "192.0.2.84", "ops");
    check("User games not allowed because shell /usr/sbin/nologin does not exist", UserNotAllowed, "", "games");
    check("User news not allowed because shell /bin/false is not executable", UserNotAllowed, "", "news");
}

#[test]
fn sshd_program_names() {
    for name in ["sshd", "sshd-session", "sshd-auth", "/usr/sbin/sshd", "/usr/libexec/openssh/sshd-session", "sshd@2"] {
        assert!(is_sshd_program(name.as_bytes()), "{name}");
    }
    for name in ["sshdx", "ssh", "sshd-keygen", "", "/", "@"] {
        assert!(!is_sshd_program(name.as_bytes()), "{name}");
    }
}

use crate::parse::util::ADDRESS_INJECTIONS as INJECTIONS;

/// What attribution a message form must keep whatever its client fields say.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Keeps {
    /// The real address, always.
    Address,
    /// The real address, or none where the client's text makes the line ambiguous
    /// (then the pid attributes it): on both sides of sshd's tail (key info, hostbased
    /// client user and host, an algorithm offer), or a user holding a whole tail and
    /// `: ` (`x from 8.8.8.8 port 22 ssh2: y`), which reads as sshd's tail and INFO.
    AddressOrNone,
    /// The form names no address: the injected one must not appear either.
    NoAddress,
}

/// sshd's messages with the fields a client controls: {U} user, {K} key or hostbased
/// info, {V} version string, {O} algorithm offer, {C} disconnect text. The real
/// address is 203.0.113.5.
const FORMS: &[(&str, Keeps)] = &[
    ("Failed password for {U} from 203.0.113.5 port 4242 ssh2", Keeps::AddressOrNone),
    ("Failed password for invalid user {U} from 203.0.113.5 port 4242 ssh2", Keeps::AddressOrNone),
    ("Failed none for invalid user {U} from 203.0.113.5 port 4242 ssh2", Keeps::AddressOrNone),
    ("Failed keyboard-interactive/pam for invalid user {U} from 203.0.113.5 port 4242 ssh2", Keeps::AddressOrNone),
    ("Accepted password for {U} from 203.0.113.5 port 4242 ssh2", Keeps::AddressOrNone),
    ("Postponed keyboard-interactive for invalid user {U} from 203.0.113.5 port 4242 ssh2 [preauth]", Keeps::AddressOrNone),
    (
        "Failed publickey for invalid user {U} from 203.0.113.5 port 4242 ssh2: ED25519-CERT SHA256:Qx ID {K} (serial 1) CA ED25519 SHA256:Zz",
        Keeps::AddressOrNone,
    ),
    ("Accepted publickey for {U} from 203.0.113.5 port 4242 ssh2: RSA SHA256:{K}", Keeps::AddressOrNone),
    (
        "Failed hostbased for {U} from 203.0.113.5 port 4242 ssh2: RSA SHA256:Kk, client user \"{K}\", client host \"{K}\"",
        Keeps::AddressOrNone,
    ),
    ("Invalid user {U} from 203.0.113.5 port 4242", Keeps::Address),
    ("Invalid user {U} from 203.0.113.5", Keeps::Address),
    ("error: maximum authentication attempts exceeded for invalid user {U} from 203.0.113.5 port 4242 ssh2 [preauth]", Keeps::AddressOrNone),
    ("Disconnecting invalid user {U} 203.0.113.5 port 4242: Too many authentication failures [preauth]", Keeps::Address),
    (
        "Disconnecting authenticating user {U} 203.0.113.5 port 4242: Change of username or service not allowed: ({U},ssh-connection) -> ({K},ssh-connection) [preauth]",
        Keeps::AddressOrNone,
    ),
    ("Disconnected from invalid user {U} 203.0.113.5 port 4242 [preauth]", Keeps::Address),
    ("Disconnected from authenticating user {U} 203.0.113.5 port 4242 [preauth]", Keeps::Address),
    ("Disconnected from user {U} 203.0.113.5 port 4242", Keeps::Address),
    ("Connection closed by invalid user {U} 203.0.113.5 port 4242 [preauth]", Keeps::Address),
    ("Connection reset by authenticating user {U} 203.0.113.5 port 4242 [preauth]", Keeps::Address),
    ("Connection from authenticating user {U} 203.0.113.5 port 4242 timed out [preauth]", Keeps::Address),
    (
        "ssh_dispatch_run_fatal: Connection from invalid user {U} 203.0.113.5 port 4242: message authentication code incorrect [preauth]",
        Keeps::Address,
    ),
    (
        "Unable to negotiate with 203.0.113.5 port 4242: no matching host key type found. Their offer: {O} [preauth]",
        Keeps::Address,
    ),
    (
        "Unable to negotiate with invalid user {U} 203.0.113.5 port 4242: no matching cipher found. Their offer: {O} [preauth]",
        Keeps::AddressOrNone,
    ),
    ("Received disconnect from 203.0.113.5 port 4242:11: {C} [preauth]", Keeps::Address),
    ("Bad protocol version identification '{V}' from 203.0.113.5 port 4242", Keeps::Address),
    ("probed from 203.0.113.5 port 4242 with {V}.  Don't panic.", Keeps::Address),
    ("error: PAM: Authentication failure for {U} from 203.0.113.5", Keeps::Address),
    ("error: PAM: Authentication failure for illegal user {U} from 203.0.113.5", Keeps::Address),
    ("error: PAM: User not known to the underlying authentication module for illegal user {U} from 203.0.113.5", Keeps::Address),
    ("PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user={U}", Keeps::Address),
    (
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user={U}",
        Keeps::Address,
    ),
    ("input_userauth_request: invalid user {U} [preauth]", Keeps::NoAddress),
    ("Disconnecting: Too many authentication failures for {U} [preauth]", Keeps::NoAddress),
    ("Bad remote protocol version identification: '{V}'", Keeps::NoAddress),
    ("kex_exchange_identification: client sent invalid protocol identifier \"{V}\"", Keeps::NoAddress),
];

/// Every message form with each injection in each client field in turn (bare, after
/// and before other text) and in all its fields at once, parsed as an sshd message
/// and as a whole syslog line: the injected address is never taken, and the real
/// one is kept as the form's `Keeps` says.
#[test]
fn attacker_fields_cannot_move_the_address() {
    const REAL: &[u8] = b"203.0.113.5";
    const FIELDS: [&str; 5] = ["{U}", "{K}", "{V}", "{O}", "{C}"];
    let mut cases = 0;
    let mut dropped = Vec::new();
    for &(form, keeps) in FORMS {
        let fields: Vec<&str> = FIELDS.into_iter().filter(|f| form.contains(f)).collect();
        // one field at a time, then all of them together
        let mut placements: Vec<Vec<&str>> = fields.iter().map(|f| vec![*f]).collect();
        if fields.len() > 1 {
            placements.push(fields.clone());
        }
        for injection in INJECTIONS {
            for value in [injection.to_string(), format!("a{injection}"), format!("{injection} b")] {
                for placed in &placements {
                    let mut msg = form.to_string();
                    for field in FIELDS {
                        msg = msg.replace(field, if placed.contains(&field) { &value } else { "bob" });
                    }
                    let line = format!("Mar  3 10:00:00 host sshd[4242]: {msg}");
                    let by_syslog = crate::parse::syslog::parse(line.as_bytes()).expect("a syslog line");
                    for ip in [parsed(&msg).ip, by_syslog.ip] {
                        cases += 1;
                        assert_ne!(ip, b"8.8.8.8", "framed: {msg:?}");
                        match keeps {
                            Keeps::Address => assert_eq!(ip, REAL, "lost: {msg:?}"),
                            Keeps::AddressOrNone if ip.is_empty() => dropped.push(msg.clone()),
                            Keeps::AddressOrNone => assert_eq!(ip, REAL, "{msg:?}"),
                            Keeps::NoAddress => assert_eq!(ip, b"", "{msg:?}"),
                        }
                    }
                }
            }
        }
    }
    eprintln!("sshd injection cases: {cases}, of which {} ambiguous (no address)", dropped.len());
    assert_eq!(cases, 3510);
    // Only the forms with client text on both sides of sshd's own may lose the address.
    assert!(dropped.len() < cases / 10, "{dropped:#?}");
}

#[test]
fn session_start_and_close_after_a_login() {
    check("Starting session: shell on pts/0 for alice from 192.0.2.90 port 50123 id 0", Other, "192.0.2.90", "alice");
    check("Starting session: command for bob from 2001:db8::90 port 50124 id 1", Other, "2001:db8::90", "bob");
    check(
        "Starting session: forced-command (key-option) 'rsync --server' for carol from 192.0.2.91 port 5 id 0",
        Other,
        "192.0.2.91",
        "carol",
    );
    check("Close session: user alice from 192.0.2.90 port 50123 id 0", SessionClosed, "192.0.2.90", "alice");
    // Not sshd's end of line: no address.
    check("Starting session: shell for x from 192.0.2.92 port 5", Other, "", "");
}
