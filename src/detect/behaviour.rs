//! The behaviour rules' parameters and which lines feed them: what no single line
//! shows but an address's timeline does (the batch form of fail2ban's
//! maxretry/findtime and CrowdSec's leaky buckets). `aggregate::behaviour` counts the
//! lines per address and judges them at the end.

use regex::bytes::RegexSet;

use crate::vocab::time::MICROS_PER_SEC;

/// Every behaviour rule's parameters. A count of 0 turns its rule off.
#[derive(Clone, Debug)]
pub struct BehaviourRules {
    pub http_probing: Probing,
    pub login_flood: LoginFlood,
    pub credential_stuffing: Stuffing,
    pub campaigns: Campaigns,
}

/// `http_probing`: many distinct paths answered 400/403/404 in a burst, the scanner
/// whose agent looks innocent: CrowdSec's http-probing leaky bucket (a bucket of
/// `capacity` distinct paths, one leaking out every `leak_secs`).
#[derive(Clone, Debug, PartialEq)]
pub struct Probing {
    pub capacity: u32,
    pub leak_secs: i64,
}

/// `login_flood`: POSTs to a login endpoint from one address, whatever they were
/// answered (WordPress answers a wrong password with 200).
#[derive(Clone, Debug)]
pub struct LoginFlood {
    pub posts: u32,
    pub window_secs: i64,
    /// The endpoints as written (the defaults and the user's), for the guide and errors.
    pub paths: Vec<String>,
    matcher: RegexSet,
}

/// `credential_stuffing`: many distinct usernames tried by one address (ssh, basic
/// auth, mail): each one first tried within the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Stuffing {
    pub usernames: u32,
    pub window_secs: i64,
}

/// `campaigns`: addresses that share a behaviour (the same ordered username list, the
/// same set of suspicious paths with the same agents) within a window are one campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct Campaigns {
    /// Addresses a campaign needs (0: no campaigns).
    pub min_addresses: usize,
    /// A campaign this large makes every member `block`; smaller ones make them `watch`.
    pub block_addresses: usize,
    /// The next member must start within this long after the campaign's last activity.
    pub window_secs: i64,
    /// Usernames an ordered list needs to be a signature (one name is everyone's root).
    pub min_usernames: usize,
    /// Suspicious paths a path set needs to be a signature.
    pub min_paths: usize,
}

/// Login endpoints counted by default. A name without `/` is a path's last segment
/// (`login` is `/user/login`, `/admin/login`, `/api/v1/login`, `/apps/login`); one
/// with `/` is the path's end, `*` standing for one segment.
pub const DEFAULT_LOGIN_PATHS: &[&str] = &[
    "wp-login.php",
    "xmlrpc.php",
    "login",
    "login.php",
    "signin",
    "/ghost/api/admin/session",
    "/ghost/api/*/admin/session",
];

impl Default for BehaviourRules {
    fn default() -> Self {
        BehaviourRules {
            http_probing: Probing { capacity: 10, leak_secs: 10 },
            login_flood: LoginFlood::new(10, 10 * 60, &[]).expect("the default login paths compile"),
            credential_stuffing: Stuffing { usernames: 5, window_secs: 10 * 60 },
            campaigns: Campaigns {
                min_addresses: 3,
                block_addresses: 10,
                window_secs: 86_400,
                min_usernames: 2,
                min_paths: 2,
            },
        }
    }
}

impl LoginFlood {
    /// The default endpoints and `extra` ones; an endpoint that cannot be read is an
    /// error naming it.
    pub fn new(posts: u32, window_secs: i64, extra: &[String]) -> Result<LoginFlood, String> {
        let mut paths: Vec<String> = DEFAULT_LOGIN_PATHS.iter().map(|p| p.to_string()).collect();
        for p in extra {
            let p = p.trim();
            if p.is_empty() || p.contains(['?', '#', ' ']) {
                return Err(format!("login path {p:?}: expected a path or a last segment, without query or spaces"));
            }
            if !paths.iter().any(|q| q == p) {
                paths.push(p.to_owned());
            }
        }
        let patterns: Vec<String> = paths.iter().map(|p| endpoint_regex(p)).collect();
        let matcher = RegexSet::new(&patterns).map_err(|e| format!("login paths: {e}"))?;
        Ok(LoginFlood { posts, window_secs, paths, matcher })
    }

    /// A POST to one of the endpoints (path without its query, trailing `/` ignored,
    /// case ignored: attackers vary it and the servers that matter do not care).
    #[inline]
    pub fn is_login_post(&self, method: &[u8], path: &[u8]) -> bool {
        if self.posts == 0 || !method.eq_ignore_ascii_case(b"POST") {
            return false;
        }
        let path = path.split(|&c| c == b'?').next().unwrap_or_default();
        let path = path.strip_suffix(b"/").unwrap_or(path);
        self.matcher.is_match(path)
    }
}

/// `login` -> `(?i)(?:^|/)login$`; `/api/*/auth` -> `(?i)/api/[^/]*/auth$`.
fn endpoint_regex(endpoint: &str) -> String {
    let trimmed = endpoint.trim_end_matches('/');
    let body: Vec<String> = trimmed.split('*').map(regex::escape).collect();
    let body = body.join("[^/]*");
    if trimmed.starts_with('/') {
        format!("(?i){body}$")
    } else {
        format!("(?i)(?:^|/){body}$")
    }
}

impl Probing {
    /// A line this rule counts: a 400/403/404 answer to a path that is not a static
    /// resource (a page's missing image or stylesheet is the site's fault, not the
    /// visitor's: CrowdSec leaves them out too).
    #[inline]
    pub fn counts(&self, status: u16, path: &[u8]) -> bool {
        // A path that is no path (TLS bytes sent to port 80, `http://host/` of a proxy
        // probe) is other rules' business.
        self.capacity > 0
            && matches!(status, 400 | 403 | 404)
            && path.first() == Some(&b'/')
            && !is_static_resource(path)
    }
}

impl BehaviourRules {
    pub fn window_micros(secs: i64) -> i64 {
        secs.max(1) * MICROS_PER_SEC
    }
}

/// Extensions of content a page pulls in by itself.
const STATIC_EXTENSIONS: &[&[u8]] = &[
    b"css", b"js", b"png", b"jpg", b"jpeg", b"gif", b"ico", b"svg", b"webp", b"avif", b"bmp", b"woff", b"woff2",
    b"ttf", b"otf", b"eot", b"mp4", b"webm", b"mp3",
];

fn is_static_resource(path: &[u8]) -> bool {
    let path = path.split(|&c| c == b'?').next().unwrap_or_default();
    let last = path.rsplit(|&c| c == b'/').next().unwrap_or_default();
    match last.iter().rposition(|&c| c == b'.') {
        Some(dot) => STATIC_EXTENSIONS.iter().any(|e| last[dot + 1..].eq_ignore_ascii_case(e)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_endpoints_match_the_end_of_the_path_and_only_posts() {
        let flood = LoginFlood::new(10, 600, &["/my/portal/enter".into()]).unwrap();
        for path in [
            "/wp-login.php",
            "/blog/wp-login.php?redirect_to=x",
            "/xmlrpc.php",
            "/user/login",
            "/en/user/login/",
            "/admin/login",
            "/api/v1/login",
            "/apps/login",
            "/ghost/api/admin/session/",
            "/ghost/api/v3/admin/session",
            "/WP-LOGIN.PHP",
            "/my/portal/enter",
        ] {
            assert!(flood.is_login_post(b"POST", path.as_bytes()), "{path}");
        }
        for path in ["/login-help", "/blog/loginpage", "/wp-login.php.bak", "/", "/session", "/portal/enter"] {
            assert!(!flood.is_login_post(b"POST", path.as_bytes()), "{path}");
        }
        assert!(!flood.is_login_post(b"GET", b"/wp-login.php"));
        assert!(LoginFlood::new(10, 600, &["/x?y".into()]).is_err());
        let off = LoginFlood::new(0, 600, &[]).unwrap();
        assert!(!off.is_login_post(b"POST", b"/wp-login.php"));
    }

    #[test]
    fn probing_counts_missing_pages_not_missing_assets() {
        let p = BehaviourRules::default().http_probing;
        assert!(p.counts(404, b"/backup.zip") && p.counts(403, b"/.git/config") && p.counts(400, b"/x?y=1"));
        assert!(!p.counts(404, b"/img/logo.PNG") && !p.counts(404, b"/app.js?v=3") && !p.counts(401, b"/admin"));
        assert!(!p.counts(200, b"/backup.zip") && !p.counts(400, b"\\x16\\x03\\x01") && !p.counts(404, b"http://x/"));
        // A source map is no page asset; PAN-OS's `.js.map` probe counts.
        assert!(p.counts(404, b"/global-protect/portal/js/jquery.min.js.map"));
    }
}
