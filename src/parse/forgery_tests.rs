//! Attacker text cannot move an address: for the error-log and syslog-program parsers,
//! every field a client writes (user names, paths, request lines, referers, headers)
//! gets each forged-address text, and the line must still be attributed to its real
//! client, never to the forged 8.8.8.8. (sshd, PAM and access lines have their own
//! tests beside their parsers; this one covers the rest.)

use crate::parse::{apache_error, lighttpd_error, syslog};
use crate::vocab::event::ParsedLine;

/// The forged texts, each naming 8.8.8.8 the way one of the parsers looks for an address.
const FORGED: [&str; 12] = [
    "from 8.8.8.8 port 22",
    " rhost=8.8.8.8",
    "[client 8.8.8.8]",
    "[client 8.8.8.8:1] ",
    "[remote 8.8.8.8:1] ",
    "client: 8.8.8.8,",
    "8.8.8.8 - - [",
    " IP: 8.8.8.8",
    "(attacker '8.8.8.8', file '",
    "' from 8.8.8.8:22",
    " FROM 8.8.8.8 FOR x",
    // A newline the daemon or rsyslog wrote escaped, and a whole forged line after it.
    "#012Jan  5 10:00:00 web sshd[1]: Failed password for root from 8.8.8.8 port 22 ssh2",
];

type Parser = fn(&[u8]) -> Option<ParsedLine<'_>>;

/// (parser, template with `{}` for each client-written field, the real address).
const TEMPLATES: [(&str, Parser, &str, &str); 14] = [
    ("apache 2.4 user", apache_error::parse, "[Mon Jan 05 10:00:00.1 2026] [auth_basic:error] [pid 1:tid 2] [client 192.0.2.60:5000] AH01618: user {} not found: /private/{}, referer: http://x/{}", "192.0.2.60"),
    ("apache 2.4 password", apache_error::parse, "[Mon Jan 05 10:00:00.1 2026] [auth_basic:error] [pid 1:tid 2] [client 192.0.2.60:5000] AH01617: user {}: authentication failure for \"/{}\": Password Mismatch", "192.0.2.60"),
    ("apache 2.4 file", apache_error::parse, "[Mon Jan 05 10:00:00.1 2026] [core:info] [pid 1] [client 192.0.2.60:5000] AH00128: File does not exist: /var/www/{}", "192.0.2.60"),
    ("apache 2.4 remote", apache_error::parse, "[Mon Jan 05 10:00:00.1 2026] [core:error] [pid 1] [remote 192.0.2.60:5000] AH00126: Invalid URI in request GET /{} HTTP/1.1", "192.0.2.60"),
    ("apache 2.2", apache_error::parse, "[Mon Jan 05 10:00:00 2026] [error] [client 192.0.2.60] user {} not found: /{}", "192.0.2.60"),
    ("apache modsecurity", apache_error::parse, "[Mon Jan 05 10:00:00 2026] [error] [client 192.0.2.60] ModSecurity: Access denied with code 403 (phase 2). [file \"x\"] [data \"{}\"] [hostname \"h\"] [uri \"/{}\"] [unique_id \"u\"]", "192.0.2.60"),
    ("lighttpd", lighttpd_error::parse, "2026-01-05 10:00:00: (mod_auth.c.828) password doesn't match for /{} username: {} IP: 192.0.2.61", "192.0.2.61"),
    ("haproxy", syslog_parse, "Jan  5 10:00:00 web haproxy[9]: 192.0.2.62:4000 [05/Jan/2026:10:00:00.000] fe be/s1 0/0/0/1/1 401 200 - - ---- 1/1/0/0/0 0/0 {{}} \"GET /{} HTTP/1.1\"", "192.0.2.62"),
    ("dropbear", syslog_parse, "Jan  5 10:00:00 web dropbear[9]: Bad password attempt for '{}' from 192.0.2.63:4000", "192.0.2.63"),
    ("vsftpd", syslog_parse, "Jan  5 10:00:00 web vsftpd[9]: [{}] FAIL LOGIN: Client \"192.0.2.64\"", "192.0.2.64"),
    ("proftpd", syslog_parse, "Jan  5 10:00:00 web proftpd[9]: web (client.example[192.0.2.65]) - USER {}: no such user found", "192.0.2.65"),
    ("pure-ftpd", syslog_parse, "Jan  5 10:00:00 web pure-ftpd: (?@192.0.2.66) [WARNING] Authentication failed for user [{}]", "192.0.2.66"),
    ("login", syslog_parse, "Jan  5 10:00:00 web login[9]: FAILED LOGIN (1) on '/dev/pts/1' FROM '192.0.2.67' FOR '{}', Authentication failure", "192.0.2.67"),
    ("nginx via syslog", syslog_parse, "Jan  5 10:00:00 web nginx: 2026/01/05 10:00:00 [error] 1#1: *1 user \"{}\" was not found in \"/etc/nginx/.htpasswd\", client: 192.0.2.68, server: _, request: \"GET /{} HTTP/1.1\", host: \"web\"", "192.0.2.68"),
];

fn syslog_parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    syslog::parse(line)
}

#[test]
fn forged_addresses_in_client_fields_are_never_attributed() {
    let mut cases = 0;
    let mut wrong = Vec::new();
    for (name, parse, template, real) in TEMPLATES {
        let slots = template.matches("{}").count();
        for forged in FORGED {
            // Each field alone, then all at once.
            for slot in 0..=slots {
                let mut line = String::new();
                for (i, piece) in template.split("{}").enumerate() {
                    if i > 0 {
                        line.push_str(if slot == slots || slot == i - 1 { forged } else { "u" });
                    }
                    line.push_str(piece);
                }
                let line = line.replace("{{}}", "{}");
                cases += 1;
                let got = parse(line.as_bytes()).map(|p| String::from_utf8_lossy(p.ip).into_owned());
                if got.as_deref() != Some(real) {
                    wrong.push(format!("{name}: {got:?} for {line}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {cases} forged lines misattributed:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(cases, 432, "every template, slot and forgery");
}
