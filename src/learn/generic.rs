//! What a benign site has too, so learning never suggests it whatever this scan saw:
//! generic directory prefixes (`/api/`, `/v1/`, `/static/` ...), the agents of HTTP
//! libraries and tools everyone uses, and anything shorter than a specificity floor.
//! Attackers use them all, and on a log where every user of `/api/` or `curl` was an
//! attacker they would look like attack signs; accepted, they would flag the next
//! site's ordinary traffic. Longer, specific candidates under them stay (`/api/v2/
//! .creds_backup.json`, `/vendor/phpunit/`).

use super::candidates::Candidate;
use super::CandidateKind;

/// Directory names that, alone or in a row (`/api/v2/`), are an ordinary site's layout.
const GENERIC_SEGMENTS: &[&str] = &[
    "api",
    "rest",
    "graphql",
    "static",
    "assets",
    "public",
    "media",
    "images",
    "img",
    "css",
    "js",
    "fonts",
    "uploads",
    "upload",
    "files",
    "content",
    "dist",
    "build",
    "vendor",
    "lib",
    "libs",
    "scripts",
    "cgi-bin",
    "wp-content",
    "wp-includes",
    "wp-admin",
    "themes",
    "plugins",
    "modules",
    "blog",
    "en",
    "de",
    "fr",
    "es",
    "www",
    "web",
    "app",
    "apps",
    "user",
    "users",
    "account",
    "admin",
    "login",
    "auth",
    "docs",
    "download",
    "downloads",
    "search",
    "feed",
];

/// Agent tokens of HTTP libraries, command-line tools and browsers (compared in
/// lowercase): monitoring, scripts and apps send them every day.
const GENERIC_AGENTS: &[&str] = &[
    "mozilla",
    "opera",
    "curl",
    "wget",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "python",
    "aiohttp",
    "httpx",
    "go-http-client",
    "okhttp",
    "java",
    "apache-httpclient",
    "axios",
    "node-fetch",
    "node",
    "undici",
    "libwww-perl",
    "lwp",
    "guzzlehttp",
    "ruby",
    "php",
    "dalvik",
    "wordpress",
    "restsharp",
    "reqwest",
    "httpie",
    "powershell",
    "winhttp",
    "microsoft-cryptoapi",
    "cfnetwork",
    "dart",
    "electron",
];

/// Query parameters every dynamic site takes.
const GENERIC_PARAMS: &[&str] = &[
    "id",
    "page",
    "q",
    "s",
    "search",
    "query",
    "lang",
    "sort",
    "order",
    "limit",
    "offset",
    "ref",
    "v",
    "ver",
    "version",
    "format",
    "callback",
    "_",
    "t",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "fbclid",
    "gclid",
];

/// Shortest text a candidate may have, per kind: `/a/` or `/x.p` say too little.
fn floor(kind: CandidateKind) -> usize {
    match kind {
        CandidateKind::Path | CandidateKind::Prefix | CandidateKind::File => 5,
        CandidateKind::Param | CandidateKind::Agent => 3,
        CandidateKind::Extension => 2,
    }
}

/// True for a candidate learning must never suggest.
pub fn is_generic(c: &Candidate) -> bool {
    if c.text.len() < floor(c.kind) {
        return true;
    }
    match c.kind {
        CandidateKind::Prefix => generic_prefix(&c.text),
        CandidateKind::Agent => GENERIC_AGENTS.iter().any(|a| c.text.eq_ignore_ascii_case(a)),
        CandidateKind::Param => GENERIC_PARAMS.iter().any(|p| c.text.eq_ignore_ascii_case(p)),
        CandidateKind::Path | CandidateKind::File | CandidateKind::Extension => false,
    }
}

/// `/api/`, `/api/v2/`, `/static/js/`: every segment generic, or an API version.
fn generic_prefix(prefix: &str) -> bool {
    prefix.trim_matches('/').split('/').all(|segment| {
        let lower = segment.to_ascii_lowercase();
        GENERIC_SEGMENTS.contains(&lower.as_str()) || is_version(&lower)
    })
}

/// `v1`, `v2`, `v10`, `2024`: version and year directories.
fn is_version(segment: &str) -> bool {
    let digits = segment.strip_prefix('v').unwrap_or(segment);
    !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|c| c.is_ascii_digit())
}

/// What a person should check before accepting a suggestion of this kind.
pub fn what_to_check(kind: CandidateKind) -> &'static str {
    match kind {
        CandidateKind::Path => "that nothing of yours is served at this path",
        CandidateKind::Prefix => "that nothing of yours lives under this directory",
        CandidateKind::File => "that no file of yours has this name, in any directory",
        CandidateKind::Extension => "that you serve no file with this extension",
        CandidateKind::Param => "that no page of yours takes this query parameter",
        CandidateKind::Agent => "that no client of yours (monitoring, scripts, apps) sends this agent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CandidateKind::*;

    fn c(kind: CandidateKind, text: &str) -> Candidate {
        Candidate { kind, text: text.to_owned() }
    }

    #[test]
    fn generic_layout_tools_and_short_texts_are_never_suggested() {
        for generic in [
            c(Prefix, "/api/"),
            c(Prefix, "/api/v2/"),
            c(Prefix, "/V1/"),
            c(Prefix, "/static/js/"),
            c(Prefix, "/wp-content/plugins/"),
            c(Prefix, "/2024/"),
            c(Agent, "curl"),
            c(Agent, "python-requests"),
            c(Agent, "Go-http-client"),
            c(Agent, "okhttp"),
            c(Agent, "Wget"),
            c(Param, "id"),
            c(Param, "utm_source"),
            c(Path, "/a.p"),
            c(File, "/x"),
            c(Agent, "ab"),
        ] {
            assert!(is_generic(&generic), "{generic:?}");
        }
        for specific in [
            c(Prefix, "/cgi-mod/"),
            c(Prefix, "/vendor/phpunit/"),
            c(Prefix, "/api/jsonws/"),
            c(Path, "/api/v2/.creds_backup.json"),
            c(File, "/exporttool.ashx"),
            c(Agent, "zgrab"),
            c(Param, "cmdline"),
            c(Extension, "asp"),
        ] {
            assert!(!is_generic(&specific), "{specific:?}");
        }
    }
}
