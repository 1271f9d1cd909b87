//! Attribution that attacker text cannot move, for every access form knocklog reads:
//! each injection is written into each field a client controls, escaped the way the
//! daemon writes that field, and the line must still belong to its real client.
//! Lines are made for this test from the daemons' documented formats, with
//! documentation addresses; 8.8.8.8 stands for the address an attacker wants blamed.

use super::parse;
use crate::parse::forwarded::TrustedProxies;
use crate::vocab::address::canonical;

const REAL: &str = "203.0.113.9";
const FORGED: &str = "8.8.8.8";
/// The reverse proxy in front of the server, and the trusted block it is in.
const PROXY: &str = "192.0.2.10";
const TRUSTED: &str = "192.0.2.0/28";
const TIME: &str = "[06/Jan/2026:02:32:23 +0000]";

/// What attackers write to get 8.8.8.8 blamed: the shapes knocklog's other parsers read
/// an address from, an access frame, a field break, and a whole forged line after a
/// newline (which both daemons escape, so it stays inside its field; a real newline
/// would need the daemon to write one, and neither does).
const INJECTIONS: &[&str] = &[
    "from 8.8.8.8 port 22",
    " rhost=8.8.8.8",
    "[client 8.8.8.8]",
    "client: 8.8.8.8,",
    "8.8.8.8 - - [",
    "[Client 8.8.8.8]",
    "\" 200 1 \"-\" \"-\" \"8.8.8.8",
    "\n8.8.8.8 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"",
    // Aimed at this parser: a forged time and frame tail, and plain header spoofing.
    "x [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 1",
    "8.8.8.8",
    "8.8.8.8, 8.8.8.8",
];

/// How a daemon writes a client-supplied value into its log.
#[derive(Clone, Copy, Debug)]
enum Daemon {
    /// Apache's ap_escape_logitem: `"` and `\` get a backslash, control bytes become
    /// `\n`-style or `\xhh` escapes.
    Apache,
    /// nginx's log escaping: `"`, `\`, control and non-ASCII bytes become `\xHH`.
    Nginx,
}

impl Daemon {
    fn escape(self, value: &str) -> String {
        let mut out = String::new();
        for b in value.bytes() {
            match (self, b) {
                (Daemon::Apache, b'"' | b'\\') => {
                    out.push('\\');
                    out.push(b as char);
                }
                (Daemon::Apache, b'\n') => out.push_str("\\n"),
                (Daemon::Apache, b'\t') => out.push_str("\\t"),
                (Daemon::Apache, b) if b < 0x20 || b == 0x7f => out.push_str(&format!("\\x{b:02x}")),
                (Daemon::Nginx, b) if b == b'"' || b == b'\\' || b < 0x20 || b >= 0x7f => {
                    out.push_str(&format!("\\x{b:02X}"))
                }
                (_, b) => out.push(b as char),
            }
        }
        out
    }

    /// `%l` (Apache only): mod_ident keeps the first word of the identd answer.
    fn ident(self, value: &str) -> String {
        self.escape(value.split_whitespace().next().unwrap_or("-"))
    }
}

/// The fields a client controls, with what it sent (`-` where it sent nothing).
#[derive(Clone, Default)]
struct Sent {
    ident: Option<String>,
    user: Option<String>,
    path: Option<String>,
    referer: Option<String>,
    agent: Option<String>,
    /// The client's own X-Forwarded-For, which the proxy extends with `, REAL`.
    forwarded_for: Option<String>,
    trailing: Option<String>,
}

impl Sent {
    fn with(field: &str, value: &str) -> Sent {
        let mut s = Sent::default();
        let v = Some(value.to_owned());
        match field {
            "ident" => s.ident = v,
            "user" => s.user = v,
            "path" => s.path = v,
            "referer" => s.referer = v,
            "agent" => s.agent = v,
            "forwarded_for" => s.forwarded_for = v,
            _ => s.trailing = v,
        }
        s
    }
}

/// An access form: which daemons write it, which fields it has, and how a line is made.
struct Form {
    name: &'static str,
    daemons: &'static [Daemon],
    /// The fields of `Sent` the form writes.
    fields: &'static [&'static str],
    /// The line's client is the proxy: resolve it with `--trusted-proxy`.
    proxied: bool,
    line: fn(Daemon, &Sent) -> String,
}

fn esc(d: Daemon, v: &Option<String>, absent: &str) -> String {
    v.as_deref().map_or(absent.to_owned(), |v| d.escape(v))
}

/// `ident user [time] "request" status bytes`, as every Apache/nginx form writes it.
fn frame_tail(d: Daemon, s: &Sent) -> String {
    let ident = s.ident.as_deref().map_or("-".to_owned(), |v| d.ident(v));
    let user = esc(d, &s.user, "-");
    let path = esc(d, &s.path, "");
    format!("{ident} {user} {TIME} \"GET /{path} HTTP/1.1\" 404 153")
}

fn agent_fields(d: Daemon, s: &Sent) -> String {
    format!("\"{}\" \"{}\"", esc(d, &s.referer, "-"), esc(d, &s.agent, "Mozilla/5.0"))
}

/// The X-Forwarded-For the server receives: what the client sent (a header value, so
/// without the spaces around it), extended by the proxy.
fn forwarded_for(d: Daemon, s: &Sent) -> String {
    match &s.forwarded_for {
        Some(v) => format!("{}, {REAL}", d.escape(v.trim())),
        None => REAL.to_owned(),
    }
}

fn trailing(d: Daemon, s: &Sent) -> String {
    s.trailing.as_ref().map_or(String::new(), |v| format!(" \"{}\"", d.escape(v)))
}

const BOTH: &[Daemon] = &[Daemon::Apache, Daemon::Nginx];
const COMMON_FIELDS: &[&str] = &["ident", "user", "path"];
const COMBINED_FIELDS: &[&str] = &["ident", "user", "path", "referer", "agent", "trailing"];
const FORWARDED_FIELDS: &[&str] = &["ident", "user", "path", "referer", "agent", "forwarded_for", "trailing"];
const NPM_FIELDS: &[&str] = &["path", "referer", "agent"];

fn forms() -> Vec<Form> {
    vec![
        Form {
            name: "common",
            daemons: BOTH,
            fields: COMMON_FIELDS,
            proxied: false,
            line: |d, s| format!("{REAL} {}", frame_tail(d, s)),
        },
        Form {
            name: "combined",
            daemons: BOTH,
            fields: COMBINED_FIELDS,
            proxied: false,
            line: |d, s| format!("{REAL} {} {}{}", frame_tail(d, s), agent_fields(d, s), trailing(d, s)),
        },
        Form {
            name: "vhost_combined",
            daemons: &[Daemon::Apache],
            fields: COMBINED_FIELDS,
            proxied: false,
            line: |d, s| {
                format!("www.example.com:443 {REAL} {} {}{}", frame_tail(d, s), agent_fields(d, s), trailing(d, s))
            },
        },
        Form {
            // nginx `main` and Apache `... "%{User-Agent}i" "%{X-Forwarded-For}i"`.
            name: "combined + X-Forwarded-For",
            daemons: BOTH,
            fields: FORWARDED_FIELDS,
            proxied: true,
            line: |d, s| {
                let xff = forwarded_for(d, s);
                format!("{PROXY} {} {} \"{xff}\"{}", frame_tail(d, s), agent_fields(d, s), trailing(d, s))
            },
        },
        Form {
            // Apache `%{X-Forwarded-For}i %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`.
            name: "X-Forwarded-For as the client field",
            daemons: &[Daemon::Apache],
            fields: FORWARDED_FIELDS,
            proxied: false,
            line: |d, s| {
                format!("{} {} {}{}", forwarded_for(d, s), frame_tail(d, s), agent_fields(d, s), trailing(d, s))
            },
        },
        Form {
            name: "Nginx Proxy Manager proxy",
            daemons: &[Daemon::Nginx],
            fields: NPM_FIELDS,
            proxied: false,
            line: |d, s| {
                format!(
                    "{TIME} - 200 404 - GET https www.example.com \"/{}\" [Client {REAL}] [Length 153] [Gzip -] [Sent-to 192.0.2.20] \"{}\" \"{}\"",
                    esc(d, &s.path, ""),
                    esc(d, &s.agent, "Mozilla/5.0"),
                    esc(d, &s.referer, "-")
                )
            },
        },
        Form {
            name: "Nginx Proxy Manager standard",
            daemons: &[Daemon::Nginx],
            fields: NPM_FIELDS,
            proxied: false,
            line: |d, s| {
                format!(
                    "{TIME} 404 - GET http www.example.com \"/{}\" [Client {REAL}] [Length 153] [Gzip -] \"{}\" \"{}\"",
                    esc(d, &s.path, ""),
                    esc(d, &s.agent, "Mozilla/5.0"),
                    esc(d, &s.referer, "-")
                )
            },
        },
    ]
}

/// In the form whose client field is X-Forwarded-For, what a client puts into its own
/// header comes first in the line. When that opens with a word and a space, the line
/// reads exactly like an ordinary access line whose user name holds the rest: no
/// parser can tell them apart (see `access::forwarded_list`).
fn ambiguous_by_the_format(form: &Form, field: &str, d: Daemon, injection: &str) -> bool {
    let escaped = d.escape(injection.trim());
    let first = escaped.split(' ').next().unwrap_or("");
    form.name == "X-Forwarded-For as the client field"
        && field == "forwarded_for"
        && escaped.contains(' ')
        && !first.ends_with(',')
        && super::is_client(first.as_bytes())
}

#[test]
fn no_field_a_client_controls_moves_the_attribution() {
    let trusted = TrustedProxies::new(vec![TRUSTED.parse().unwrap()]);
    let (mut checked, mut ambiguous) = (0, 0);
    let mut failures = Vec::new();
    for form in forms() {
        for &d in form.daemons {
            // Each form reads its own clean line first.
            let clean = (form.line)(d, &Sent::default());
            assert!(parse(clean.as_bytes()).is_some(), "{}: {clean}", form.name);
            for &field in form.fields {
                for injection in INJECTIONS {
                    if ambiguous_by_the_format(&form, field, d, injection) {
                        ambiguous += 1;
                        continue;
                    }
                    checked += 1;
                    let line = (form.line)(d, &Sent::with(field, injection));
                    let Some(mut p) = parse(line.as_bytes()) else {
                        failures.push(format!("{} / {d:?} / {field}: unparsed: {line}", form.name));
                        continue;
                    };
                    if form.proxied {
                        trusted.resolve(&mut p);
                    }
                    let (ip, proxy) = (canonical(p.ip), canonical(p.proxy));
                    let want_proxy = if form.proxied { PROXY } else { "" };
                    if ip != REAL || proxy != want_proxy || ip == FORGED {
                        failures.push(format!("{} / {d:?} / {field}: ip {ip}, proxy {proxy:?}: {line}", form.name));
                    }
                }
            }
        }
    }
    eprintln!(
        "access attribution: {checked} injection cases held, {ambiguous} skipped as ambiguous by the format \
         (X-Forwarded-For as the client field, with a client-made first word)"
    );
    assert!(failures.is_empty(), "{} of {checked} cases moved:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked + ambiguous, expected_cases());
    assert!(ambiguous < checked / 10, "{ambiguous} ambiguous of {checked}");
}

/// Forms x daemons x fields x injections, counted from the table rather than the loop.
fn expected_cases() -> usize {
    forms().iter().map(|f| f.daemons.len() * f.fields.len()).sum::<usize>() * INJECTIONS.len()
}

#[test]
fn a_forged_forwarded_for_from_an_untrusted_client_is_ignored() {
    let trusted = TrustedProxies::new(vec![TRUSTED.parse().unwrap()]);
    for &d in BOTH {
        for injection in INJECTIONS {
            // The attacker connects directly and sends its own header; no proxy extends it.
            let xff = d.escape(injection);
            let line = format!("{REAL} - - {TIME} \"GET / HTTP/1.1\" 404 153 \"-\" \"x\" \"{xff}\"");
            let mut p = parse(line.as_bytes()).unwrap_or_else(|| panic!("unparsed: {line}"));
            trusted.resolve(&mut p);
            assert_eq!((canonical(p.ip).as_str(), p.proxy), (REAL, &b""[..]), "{line}");
        }
    }
    // ...and so is the header of the trusted proxy's own lines without --trusted-proxy.
    let line = format!("{PROXY} - - {TIME} \"GET / HTTP/1.1\" 404 153 \"-\" \"x\" \"{FORGED}\"");
    let mut p = parse(line.as_bytes()).unwrap();
    TrustedProxies::default().resolve(&mut p);
    assert_eq!(canonical(p.ip), PROXY);
}
