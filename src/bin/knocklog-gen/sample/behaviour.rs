//! The sample tree's actors that no single line gives away: a distributed wordlist
//! campaign, a login flood that is answered 200 throughout, and a prober whose agent
//! is an ordinary browser's.

use super::*;

/// Twenty addresses, each asking once for the same two exploit paths in the same order
/// (a botnet splitting one scan over many addresses to stay under per-address limits).
pub(super) const WORDLIST_CAMPAIGN: [&str; 20] = [
    "203.0.113.160",
    "203.0.113.161",
    "203.0.113.162",
    "203.0.113.163",
    "203.0.113.164",
    "203.0.113.165",
    "203.0.113.166",
    "203.0.113.167",
    "203.0.113.168",
    "203.0.113.169",
    "203.0.113.170",
    "203.0.113.171",
    "203.0.113.172",
    "203.0.113.173",
    "203.0.113.174",
    "203.0.113.175",
    "203.0.113.176",
    "203.0.113.177",
    "203.0.113.178",
    "203.0.113.179",
];
/// Confluence's CVE-2023-22518 restore endpoint and ownCloud's CVE-2023-49103
/// phpinfo leak: both answered 404 here.
pub(super) const CAMPAIGN_WORDLIST: [&str; 2] =
    ["/json/setup-restore.action", "/owncloud/apps/graphapi/vendor/microsoft/microsoft-graph/tests/getphpinfo.php"];
pub(super) const LOGIN_FLOODER: &str = "198.51.100.240";
pub(super) const QUIET_PROBER: &str = "198.51.100.230";

/// Day 9, 01:00 to about 04:30: one address every 6-14 minutes, each asking once for
/// both paths, seconds apart, with the same browser agent, and never again. Alone,
/// each is one `watch`: two suspicious lines.
pub(super) fn wordlist_campaign(w: &mut World) {
    let mut rng = Rng::named("wordlist campaign");
    let ua = BROWSERS[0];
    let mut t = at(9, 1, 0, 0) + micros(&mut rng);
    for ip in WORDLIST_CAMPAIGN {
        let mut u = t;
        for path in CAMPAIGN_WORDLIST {
            w.access(u, Hit::new(ip, &get(path), 404, 196, ua));
            u += rng.range(SEC, 5 * SEC);
        }
        t += rng.range(6 * MIN, 14 * MIN);
    }
}

/// Day 11, 14:03: 30 POSTs to Gitea's login form in about five minutes. Gitea answers
/// a wrong password with the form again, 200, so no line is suspicious by itself.
pub(super) fn gitea_login_flood(w: &mut World) {
    let mut rng = Rng::named("gitea login flood");
    let ua = BROWSERS[3];
    let mut t = at(11, 14, 3, 0) + micros(&mut rng);
    w.nginx_access(t, Hit::new(LOGIN_FLOODER, "GET /user/login HTTP/1.1", 200, 10_412, ua));
    for _ in 0..30 {
        t += rng.range(5 * SEC, 15 * SEC);
        let hit = Hit::new(LOGIN_FLOODER, "POST /user/login HTTP/1.1", 200, rng.range(10_380, 10_460) as u64, ua);
        w.nginx_access(t, hit.referer("https://git.example.net/user/login"));
    }
}

/// Day 12, 03:12: 24 missing directories in about 40 seconds, with a browser's agent
/// and paths that no signature names: only the burst gives it away.
pub(super) fn quiet_agent_prober(w: &mut World) {
    let mut rng = Rng::named("quiet agent prober");
    let ua = BROWSERS[6];
    let paths = [
        "/v1/",
        "/v2/",
        "/beta/",
        "/staging/",
        "/demo/",
        "/archive/",
        "/2019/",
        "/2020/",
        "/2021/",
        "/site-old/",
        "/oldsite/",
        "/website/",
        "/home/",
        "/main/",
        "/web/",
        "/public/",
        "/shop/",
        "/store/",
        "/portal/",
        "/intranet/",
        "/members/",
        "/files/",
        "/media/",
        "/docs/",
    ];
    let mut t = at(12, 3, 12, 0) + micros(&mut rng);
    for path in paths {
        w.access(t, Hit::new(QUIET_PROBER, &get(path), 404, 196, ua));
        t += rng.range(SEC, 3 * SEC);
    }
}
