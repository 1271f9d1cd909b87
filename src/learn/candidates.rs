//! Candidate patterns of one request shape (path, its directory prefixes, file name,
//! extension, query parameter names, user agent token) and the line each becomes in an
//! attack pattern file. Patterns match the whole raw line (see `detect::patterns`), so
//! each form is chosen to match the request it came from and as little else as possible.

use super::CandidateKind;

/// Longest path or prefix kept as a candidate: longer ones are payloads, not targets
/// (and over-long URIs are a built-in probe rule already).
pub const MAX_PATH: usize = 200;
/// Longest extension (without the dot) and parameter name kept.
const MAX_EXT: usize = 8;
const MAX_PARAM: usize = 40;

/// Extensions of ordinary web content and downloads. A request for a missing `x.html`
/// (or Nimda's `cmd.exe`) can be an attack, and its path is a candidate; but every
/// site may serve such files tomorrow, so the extension itself is never suggested
/// (script extensions like `.cgi` or `.do` are what an admin blocks by extension).
const CONTENT_EXTENSIONS: [&str; 36] = [
    "html", "htm", "css", "js", "mjs", "map", "json", "xml", "txt", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp",
    "avif", "woff", "woff2", "ttf", "pdf", "mp4", "webm", "md", "mp3", "csv", "zip", "gz", "tgz", "tar", "exe", "msi",
    "dmg", "deb", "rpm", "iso",
];

/// Names every browser, crawler and client asks for on every site (`/robots.txt`,
/// `/favicon.ico`, index pages...). Scanners ask for them too, so on a log where the
/// only visitors are attackers they would look like attack targets; no admin would
/// block them. Compared with the file name in lowercase; `index.*` and `default.*`
/// cover the index pages of every server.
const WELL_KNOWN_FILES: [&str; 12] = [
    "/robots.txt",
    "/favicon.ico",
    "/sitemap.xml",
    "/ads.txt",
    "/humans.txt",
    "/security.txt",
    "/crossdomain.xml",
    "/browserconfig.xml",
    "/manifest.json",
    "/site.webmanifest",
    "/apple-touch-icon.png",
    "/apple-touch-icon-precomposed.png",
];

/// Directories of the same kind: ACME challenges and RFC 8615 metadata, the Apache
/// manual and icons a default install serves.
const WELL_KNOWN_PREFIXES: [&str; 3] = ["/.well-known/", "/manual/", "/icons/"];

/// True for a file name (`/robots.txt`) every client may ask for.
fn well_known_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or_default();
    WELL_KNOWN_FILES.contains(&lower.as_str()) || stem == "/index" || stem == "/default"
}

/// True for a path under a well-known directory.
fn in_well_known_dir(path: &str) -> bool {
    WELL_KNOWN_PREFIXES.iter().any(|p| path.len() >= p.len() && path[..p.len()].eq_ignore_ascii_case(p))
}

/// True for a well-known file at the top (`/robots.txt`, `/index.html`).
fn well_known_top_file(path: &str) -> bool {
    path.rfind('/') == Some(0) && well_known_file(path)
}

/// One candidate: its kind and its text (path, prefix, `/file`, extension in lowercase,
/// parameter name or agent token).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Candidate {
    pub kind: CandidateKind,
    pub text: String,
}

impl Candidate {
    fn new(kind: CandidateKind, text: &str) -> Candidate {
        Candidate { kind, text: text.to_owned() }
    }

    /// The line for an attack pattern file. Substrings for what sits in the path, so an
    /// admin can read them; anchored regexes where a bare substring would over-match:
    /// an extension only at the end of the request path (not in a referer or inside a
    /// longer name), a parameter only as a name in the request's query, an agent token
    /// only at the start of a quoted field.
    pub fn pattern(&self) -> String {
        match self.kind {
            CandidateKind::Path | CandidateKind::Prefix | CandidateKind::File => self.text.clone(),
            CandidateKind::Extension => {
                format!(r#"re:"[A-Z]+ [^ "?]*\.(?i:{})[?; "]"#, regex::escape(&self.text))
            }
            CandidateKind::Param => format!(r#"re:"[A-Z]+ [^ "]*[?&;]{}[=&; "]"#, regex::escape(&self.text)),
            CandidateKind::Agent => format!(r#"re:"{}[/ ;("]"#, regex::escape(&self.text)),
        }
    }

    /// True when every line `specific` matches is also matched by `self` (a prefix of
    /// a path, a file name or extension of a path): then, with the same support, only
    /// the specific one is suggested.
    pub fn generalises(&self, specific: &Candidate) -> bool {
        use CandidateKind::*;
        if self == specific {
            return false;
        }
        let s = specific.text.as_str();
        match (self.kind, specific.kind) {
            (Prefix, Path | Prefix) => s.starts_with(&self.text),
            (File, Path) => s.ends_with(&self.text),
            (Extension, Path | File) => extension(s).is_some_and(|e| e == self.text),
            _ => false,
        }
    }
}

/// Text a substring pattern may hold: printable ASCII without blanks or quotes (the
/// form Apache and nginx log a request path in). Anything else is garbage or binary
/// and becomes no candidate.
fn is_plain(text: &[u8]) -> bool {
    text.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'"' && c != b'\\')
}

/// The lowercase extension of a path's last segment (`cgi` of `/a/b.CGI`); none for a
/// hidden file without one (`/.env`) or an odd one.
pub fn extension(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let dot = name.rfind('.')?;
    let ext = &name[dot + 1..];
    let ok = dot > 0 && !ext.is_empty() && ext.len() <= MAX_EXT && ext.bytes().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| ext.to_ascii_lowercase())
}

/// Every candidate of one request shape (`seen::split_key`'s parts), each once.
pub fn of_shape(path: &[u8], params: &[u8], agent: &[u8]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let plain_path = path.len() >= 2 && path.len() <= MAX_PATH && path[0] == b'/' && is_plain(path);
    if plain_path && !in_well_known_dir(std::str::from_utf8(path).expect("plain ASCII")) {
        let p = std::str::from_utf8(path).expect("plain ASCII");
        // A directory (`/wsman/`) is its own prefix candidate, not a second spelling.
        if !p.ends_with('/') && !well_known_top_file(p) {
            out.push(Candidate::new(CandidateKind::Path, p));
        }
        // Directory prefixes while the segments are plain names: a `.`, `..` or empty
        // segment is an evasion trick, and the path candidate covers it as written.
        let mut end = 0;
        for segment in p[1..].split('/') {
            let next = end + 1 + segment.len();
            if next >= p.len() {
                break;
            }
            if segment.is_empty() || segment == "." || segment == ".." {
                break;
            }
            end = next;
            out.push(Candidate::new(CandidateKind::Prefix, &p[..=end]));
        }
        let name = &p[p.rfind('/').expect("starts with /")..];
        let plain_name = name.len() > 1 && name != "/." && name != "/..";
        if plain_name && name != p && !well_known_file(name) {
            out.push(Candidate::new(CandidateKind::File, name));
        }
        if plain_name {
            if let Some(ext) = extension(p).filter(|e| !CONTENT_EXTENSIONS.contains(&e.as_str())) {
                out.push(Candidate { kind: CandidateKind::Extension, text: ext });
            }
        }
    }
    let mut names: Vec<&[u8]> = params
        .split(|&c| c == b'&')
        .filter(|n| {
            !n.is_empty()
                && n.len() <= MAX_PARAM
                && n.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'[' | b']'))
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    for n in names {
        out.push(Candidate::new(CandidateKind::Param, std::str::from_utf8(n).expect("ASCII")));
    }
    if !agent.is_empty() && is_plain(agent) {
        out.push(Candidate::new(CandidateKind::Agent, std::str::from_utf8(agent).expect("plain ASCII")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::seen::{shape_key, split_key};
    use CandidateKind::*;

    fn of(path: &str, ua: &str) -> Vec<(CandidateKind, String)> {
        let mut key = Vec::new();
        shape_key(path.as_bytes(), ua.as_bytes(), &mut key);
        let (p, q, a) = split_key(&key);
        of_shape(p, q, a).into_iter().map(|c| (c.kind, c.text)).collect()
    }

    fn c(kind: CandidateKind, text: &str) -> (CandidateKind, String) {
        (kind, text.to_owned())
    }

    #[test]
    fn a_request_gives_its_path_prefixes_file_extension_params_and_agent() {
        assert_eq!(
            of("/cgi-mod/sub/webctl.cgi?cmd=x&id=1&cmd=y", "python-requests/2.31"),
            [
                c(Path, "/cgi-mod/sub/webctl.cgi"),
                c(Prefix, "/cgi-mod/"),
                c(Prefix, "/cgi-mod/sub/"),
                c(File, "/webctl.cgi"),
                c(Extension, "cgi"),
                c(Param, "cmd"),
                c(Param, "id"),
                c(Agent, "python-requests"),
            ]
        );
        assert_eq!(of("/wsman/", "-"), [c(Prefix, "/wsman/")]);
        assert_eq!(of("/x.PHP", ""), [c(Path, "/x.PHP"), c(Extension, "php")]);
        assert_eq!(of("/x.HTML", ""), [c(Path, "/x.HTML")]);
        assert_eq!(of("/api/v2/.creds_backup.json", "")[3], c(File, "/.creds_backup.json"));
        assert_eq!(of("/.env", ""), [c(Path, "/.env")]);
        assert_eq!(of("/", ""), []);
    }

    #[test]
    fn well_known_resources_are_never_candidates() {
        assert_eq!(of("/robots.txt", ""), []);
        assert_eq!(of("/Favicon.ico", ""), []);
        assert_eq!(of("/index.php", ""), [c(Extension, "php")]);
        assert_eq!(of("/.well-known/acme-challenge/x", ""), []);
        assert_eq!(of("/manual/en/index.html", ""), []);
        // Under an attack directory the file name is still a generic one...
        assert_eq!(
            of("/phpmyadmin/index.php", ""),
            [c(Path, "/phpmyadmin/index.php"), c(Prefix, "/phpmyadmin/"), c(Extension, "php")]
        );
        // ...and an odd name that merely starts like one is not.
        assert_eq!(of("/robots.txt.bak", "")[0], c(Path, "/robots.txt.bak"));
        assert_eq!(of("/indexer/x.cgi", "")[1], c(Prefix, "/indexer/"));
    }

    #[test]
    fn odd_paths_give_no_odd_candidates() {
        // Traversal: the path as written, no prefix at or beyond the `..`.
        assert_eq!(
            of("/static/../cgi-mod/x.cgi", ""),
            [c(Path, "/static/../cgi-mod/x.cgi"), c(Prefix, "/static/"), c(File, "/x.cgi"), c(Extension, "cgi")]
        );
        assert_eq!(of("//etc/passwd", ""), [c(Path, "//etc/passwd"), c(File, "/passwd")]);
        // Percent-encoding is kept as written: that is what the raw line holds.
        assert_eq!(of("/a%2e%2e/x%20y", "")[0], c(Path, "/a%2e%2e/x%20y"));
        // Binary garbage, quotes, backslashes, spaces, absolute URIs: nothing from the path.
        for bad in ["/\u{16}\u{3}\u{1}", "/a\"b", "/a b", "/a\\x", "http://example.org/", "*", "/\u{e9}t\u{e9}"] {
            assert!(of(bad, "").iter().all(|(k, _)| *k == Param), "{bad:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_PATH));
        assert_eq!(of(&long, ""), []);
        assert_eq!(of("/?a%0a=1&b\"=2&ok_1=3", ""), [c(Param, "ok_1")]);
    }

    #[test]
    fn patterns_match_their_lines_and_not_their_neighbours() {
        // Compiled as `detect::patterns` compiles a pattern file's regexes.
        let re = |c: &Candidate| {
            let source = c.pattern().strip_prefix("re:").unwrap().to_owned();
            regex::bytes::RegexBuilder::new(&source).unicode(false).build().unwrap()
        };
        let line = |req: &str, referer: &str, ua: &str| {
            format!(r#"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "{req}" 404 1 "{referer}" "{ua}""#)
        };
        let ext = Candidate::new(Extension, "cgi");
        let ext = re(&ext);
        assert!(ext.is_match(line("GET /a/b.cgi HTTP/1.1", "-", "x").as_bytes()));
        assert!(ext.is_match(line("POST /b.CGI?x=1 HTTP/1.1", "-", "x").as_bytes()));
        assert!(ext.is_match(line("GET /b.cgi", "-", "x").as_bytes()));
        assert!(!ext.is_match(line("GET /b.cgix HTTP/1.1", "-", "x").as_bytes()));
        assert!(!ext.is_match(line("GET /b.cgi/x HTTP/1.1", "-", "x").as_bytes()));
        assert!(!ext.is_match(line("GET /?f=b.cgi HTTP/1.1", "-", "x").as_bytes()));
        assert!(!ext.is_match(line("GET / HTTP/1.1", "http://x/b.cgi", "x").as_bytes()));
        let param = re(&Candidate::new(Param, "cmd"));
        assert!(param.is_match(line("GET /a?cmd=id HTTP/1.1", "-", "x").as_bytes()));
        assert!(param.is_match(line("GET /a?x=1&cmd HTTP/1.1", "-", "x").as_bytes()));
        assert!(!param.is_match(line("GET /a?xcmd=1 HTTP/1.1", "-", "x").as_bytes()));
        assert!(!param.is_match(line("GET /cmd=1 HTTP/1.1", "-", "x").as_bytes()));
        assert!(!param.is_match(line("GET / HTTP/1.1", "http://x/?cmd=1", "x").as_bytes()));
        let agent = re(&Candidate::new(Agent, "Go-http-client"));
        assert!(agent.is_match(line("GET / HTTP/1.1", "-", "Go-http-client/1.1").as_bytes()));
        assert!(!agent.is_match(line("GET / HTTP/1.1", "-", "Mozilla/5.0 Go-http-client/1.1").as_bytes()));
        assert!(!agent.is_match(line("GET / HTTP/1.1", "-", "Go-http-clientX/1.1").as_bytes()));
        // Regex metacharacters in a token or name are escaped.
        let dotted = re(&Candidate::new(Agent, "a.b"));
        assert!(!dotted.is_match(line("GET / HTTP/1.1", "-", "axb/1").as_bytes()));
    }

    #[test]
    fn generalisation() {
        let path = Candidate::new(Path, "/cgi-mod/webctl.cgi");
        assert!(Candidate::new(Prefix, "/cgi-mod/").generalises(&path));
        assert!(Candidate::new(File, "/webctl.cgi").generalises(&path));
        assert!(Candidate::new(Extension, "cgi").generalises(&path));
        assert!(!Candidate::new(Prefix, "/cgi/").generalises(&path));
        assert!(!Candidate::new(Param, "x").generalises(&path));
        assert!(!path.generalises(&path));
    }
}
