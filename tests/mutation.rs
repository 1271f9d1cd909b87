//! Random-mutation testing of every fuzz entry point (`knocklog::fuzzing`, the code the
//! libFuzzer targets of `fuzz/` run), on stable: seeds written here from the daemons'
//! documented formats are mutated with a deterministic PRNG (byte flips, insertions,
//! deletions, splices of two seeds, truncations, repeated chunks, planted integers) and
//! fed to the entry points, which must not panic, must not hang (each input has a time
//! bound) and must keep their invariants (decompressed chunks within their caps and
//! equal to the content, one journal entry per line, ...).
//!
//! `KNOCKLOG_MUTATION_SECS` is the time of each of the three groups (default 1, so CI
//! spends about 3 s here; 600 for a long run), `KNOCKLOG_MUTATION_SEED` changes the
//! PRNG's seed, `KNOCKLOG_MUTATION_INPUT_SECS` the per-input bound (default 10).
//! `KNOCKLOG_MUTATION_SEEDS_DIR=DIR` also writes each target's seeds to `DIR/TARGET/`,
//! the start of a corpus for the libFuzzer target of that name.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use knocklog::fuzzing;
use knocklog::input::journal::hash::jenkins_hash64;
use knocklog::input::source::Compression;
use knocklog::vocab::event::Format;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// splitmix64: tiny, deterministic, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that mean something to some parser or reader: separators, quotes, brackets,
/// escapes, address and field syntax, invalid UTF-8.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\0",
    b" ",
    b"\"",
    b"'",
    b"[",
    b"]",
    b"(",
    b")",
    b":",
    b"::",
    b"%",
    b"%2e",
    b"\\",
    b"=",
    b";",
    b",",
    b"#012",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xae",
    b"-",
    b"/",
    b".",
    b"0",
    b"9",
    b"255",
    b"256",
    b"4294967296",
    b"99999999999999999999",
    b"::ffff:",
    b"203.0.113.5",
    b"2001:db8::1",
    b"fe80::1%eth0",
    b" from ",
    b" port ",
    b" for ",
    b"invalid user ",
    b"rhost=",
    b"user=",
    b"client: ",
    b"[client ",
    b"[Client ",
    b"addr=",
    b"MESSAGE=",
    b"_PID=",
    b"__REALTIME_TIMESTAMP=",
    b"{\"MESSAGE\":",
    b"[1,2,3]",
    b"null",
    b"Jan 31 ",
    b"Feb 29 ",
    b"24:60:61",
    b"+14:00",
    b"-99:99",
    b"HTTP/1.1",
    b"\"GET / HTTP/1.1\"",
    b"AH01618: ",
    b"sshd[",
    b"pam_unix(",
];

/// Little-endian integers worth planting in binary formats (sizes, offsets, counts).
const INTEGERS: &[u64] =
    &[0, 1, 7, 8, 15, 16, 63, 64, 255, 256, 4096, 65535, 1 << 31, u32::MAX as u64, u64::MAX, 1 << 63];

const MAX_INPUT: usize = 256 * 1024;

/// One to eight stacked mutations of a seed (or of a splice of two).
fn mutate(rng: &mut Rng, pool: &[Vec<u8>]) -> Vec<u8> {
    let mut data = rng.pick(pool).clone();
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 => {
                let at = rng.below(len + 1);
                let token = rng.pick(TOKENS);
                data.splice(at..at, token.iter().copied());
            }
            3 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let random: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, random);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                data.drain(at..at + n);
            }
            5 => {
                let other = rng.pick(pool);
                let (cut, from) = (rng.below(len + 1), rng.below(other.len() + 1));
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            6 if len > 0 => data.truncate(rng.below(len)),
            7 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(256));
                let chunk = data[at..at + n].to_vec();
                for _ in 0..1 + rng.below(64) {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            8 if len >= 8 => {
                let at = rng.below(len - 7) & !rng.pick(&[0usize, 7]);
                let value = *rng.pick(INTEGERS);
                let width = *rng.pick(&[1usize, 2, 4, 8]);
                data[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            }
            _ if len > 1 => {
                // Two bytes swapped: delimiters out of order.
                let (a, b) = (rng.below(len), rng.below(len));
                data.swap(a, b);
            }
            _ => data.push(rng.next() as u8),
        }
        data.truncate(MAX_INPUT);
    }
    data
}

/// A named entry point and the seeds it starts from.
struct Target {
    name: &'static str,
    run: fn(&[u8]),
    seeds: Vec<Vec<u8>>,
}

/// What a group's run did, for the closing line.
struct Figures {
    inputs: u64,
    slowest: Duration,
}

/// Feeds mutants of each target's seeds to it for `secs` seconds on a worker thread,
/// failing on a panic or an input that takes longer than the per-input bound.
fn run_group(group: &str, targets: Vec<Target>) {
    let secs = env_u64("KNOCKLOG_MUTATION_SECS", 1);
    let bound = Duration::from_secs(env_u64("KNOCKLOG_MUTATION_INPUT_SECS", 10));
    let mut rng = Rng(env_u64("KNOCKLOG_MUTATION_SEED", 0x6b6e_6f63_6b6c_6f67) ^ group.len() as u64);
    let seeds_dir = std::env::var_os("KNOCKLOG_MUTATION_SEEDS_DIR").map(std::path::PathBuf::from);
    for t in &targets {
        assert!(!t.seeds.is_empty(), "{}: no seeds", t.name);
        for (i, seed) in t.seeds.iter().enumerate() {
            (t.run)(seed);
            if let Some(dir) = &seeds_dir {
                let dir = dir.join(t.name);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
            }
        }
    }
    let runs: Vec<fn(&[u8])> = targets.iter().map(|t| t.run).collect();
    let (to_worker, inputs) = mpsc::channel::<(usize, Vec<u8>)>();
    let (to_main, results) = mpsc::channel::<Result<(), String>>();
    let worker = std::thread::spawn(move || {
        for (target, data) in inputs {
            let run = runs[target];
            let outcome = std::panic::catch_unwind(|| run(&data)).map_err(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            });
            if to_main.send(outcome).is_err() {
                return;
            }
        }
    });
    let mut pools: Vec<Vec<Vec<u8>>> = targets.iter().map(|t| t.seeds.clone()).collect();
    let mut per_target = vec![0u64; targets.len()];
    let mut figures = Figures { inputs: 0, slowest: Duration::ZERO };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        let target = figures.inputs as usize % targets.len();
        let data = mutate(&mut rng, &pools[target]);
        let began = Instant::now();
        to_worker.send((target, data.clone())).unwrap();
        let outcome = match results.recv_timeout(bound) {
            Ok(outcome) => outcome,
            Err(_) => fail(group, &targets[target], &data, &format!("no answer within {bound:?} (a hang?)")),
        };
        if let Err(message) = outcome {
            fail(group, &targets[target], &data, &format!("panicked: {message}"));
        }
        figures.slowest = figures.slowest.max(began.elapsed());
        figures.inputs += 1;
        per_target[target] += 1;
        // Some mutants become seeds, so that mutations compound over a long run.
        let pool = &mut pools[target];
        if rng.below(16) == 0 {
            if pool.len() < 512 {
                pool.push(data);
            } else {
                let at = targets[target].seeds.len() + rng.below(pool.len() - targets[target].seeds.len());
                pool[at] = data;
            }
        }
    }
    drop(to_worker);
    worker.join().unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let counts: Vec<String> = targets.iter().zip(&per_target).map(|(t, n)| format!("{} {n}", t.name)).collect();
    let _ = writeln!(
        std::io::stderr(),
        "knocklog mutation {group}: {} inputs in {elapsed:.1} s ({:.0}/s), slowest {:.1} ms; {}",
        figures.inputs,
        figures.inputs as f64 / elapsed,
        figures.slowest.as_secs_f64() * 1000.0,
        counts.join(", ")
    );
}

/// Fails the test naming the input: its hex (the start of it) and a file holding it,
/// to replay with the fuzz target of the same name.
fn fail(group: &str, target: &Target, data: &[u8], why: &str) -> ! {
    let path = std::env::temp_dir().join(format!("knocklog-mutation-{}-{}.bin", target.name, std::process::id()));
    let saved = std::fs::write(&path, data).map_or_else(|e| format!("not saved: {e}"), |_| path.display().to_string());
    let hex: String = data.iter().take(512).map(|b| format!("{b:02x}")).collect();
    panic!("mutation {group}: target {} {why}\ninput ({} bytes, saved as {saved}): {hex}", target.name, data.len());
}

// ----- seeds: lines -----

fn lines(of: &[&str]) -> Vec<Vec<u8>> {
    of.iter().map(|l| l.as_bytes().to_vec()).collect()
}

const ACCESS: &[&str] = &[
    "203.0.113.5 - - [06/Jan/2026:10:00:00 +0000] \"GET /wp-login.php HTTP/1.1\" 404 196 \"-\" \"curl/8.5\"",
    "203.0.113.5 - alice [06/Jan/2026:10:00:00 -0500] \"POST /login?next=/ HTTP/1.1\" 401 12",
    "example.com:443 2001:db8::7 - - [06/Jan/2026:10:00:00 +0100] \"GET / HTTP/2.0\" 200 5120 \"https://example.com/\" \"Mozilla/5.0\"",
    "10.0.0.2 - - [06/Jan/2026:10:00:00 +0000] \"GET /x HTTP/1.1\" 200 1 \"-\" \"UA\" \"203.0.113.9, 10.0.0.1\"",
    "203.0.113.5 - - [06/Jan/2026:10:00:00 +0000] \"CONNECT example.com:443 HTTP/1.1\" 400 0 \"-\" \"-\"",
    "203.0.113.5 - - [06/Jan/2026:10:00:00 +0000] \"\\x16\\x03\\x01\\x00\" 400 166 \"-\" \"-\"",
    "[06/Jan/2026:10:00:00 +0000] - 200 200 - GET https example.com \"/admin\" [Client 203.0.113.5] [Length 9] [Gzip -] [Sent-to 10.0.0.2] \"zgrab\" \"-\"",
];
const SQUID: &[&str] = &[
    "1767693600.123    4 203.0.113.5 TCP_DENIED/403 3984 GET http://example.com/ - HIER_NONE/- text/html",
    "1767693600.500  12034 2001:db8::3 TCP_TUNNEL/200 5120 CONNECT example.com:443 alice HIER_DIRECT/198.51.100.7 -",
    "1767693600.500  PROXY.3128 00000 - 203.0.113.5:4001 198.51.100.80:80 512 2048 0 GET http://example.org/ HTTP/1.1",
];
const APACHE_ERROR: &[&str] = &[
    "[Tue Jan 06 02:32:23.803330 2026] [auth_basic:error] [pid 1234:tid 5678] [client 203.0.113.5:52314] AH01618: user admin not found: /admin",
    "[Sun Jul 18 04:02:11 2004] [error] [client 203.0.113.5] File does not exist: /var/www/phpmyadmin",
    "[Tue Jan 06 02:32:23.803330 2026] [core:error] [pid 1] [remote 2001:db8::5:4242] AH00126: Invalid URI in request GET /%2e%2e/ HTTP/1.1",
];
const NGINX_ERROR: &[&str] = &[
    "2026/01/06 02:32:23 [error] 12#0: *1 open() \"/usr/share/nginx/html/.env\" failed (2: No such file or directory), client: 203.0.113.5, server: localhost, request: \"GET /.env HTTP/1.1\", host: \"example.com\"",
    "2026/01/06 02:32:23 [error] 12#0: *2 user \"admin\" was not found in \"/etc/nginx/.htpasswd\", client: 2001:db8::9, server: _, request: \"GET / HTTP/1.1\"",
    "2026/01/06 02:32:23 [info] 12#0: *5 client login failed: \"Authentication credentials invalid\" while in http auth state, client: 203.0.113.5, server: 0.0.0.0:25, login: \"admin\"",
];
const LIGHTTPD_ERROR: &[&str] = &[
    "2011-12-25 17:09:20: (http_auth.c.875) password doesn't match for /admin username: admin, IP: 203.0.113.5",
    "2011-12-25 17:09:20: (mod_auth.c.1234) get_password failed, IP: 2001:db8::5",
];
const SYSLOG: &[&str] = &[
    "Jan  5 10:00:00 web sshd[7]: Failed password for invalid user admin from 203.0.113.5 port 4242 ssh2",
    "2026-01-05T10:00:00.123456+01:00 web sshd-session[8]: Invalid user oracle from 2001:db8::1 port 22",
    "<38>1 2026-01-05T10:00:00Z web sshd 4242 - - Connection closed by authenticating user root 203.0.113.5 port 4242 [preauth]",
    "Jan  5 10:00:00 web sudo: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
    "Jan  5 10:00:00 web sshd[9]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root",
    "web vsftpd[3]: [ftp] FAIL LOGIN: Client \"203.0.113.5\"",
    "Jan  5 10:00:00 web CRON[5]: (root) CMD (run-parts /etc/cron.hourly)",
];
const AUDIT: &[&str] = &[
    "type=USER_LOGIN msg=audit(1767607200.415:4063): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.5 terminal=ssh res=failed'",
    "type=USER_AUTH msg=audit(1767607200.415:4064): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct=\"admin\" exe=\"/usr/sbin/sshd\" hostname=2001:db8::5 addr=2001:db8::5 terminal=ssh res=failed'",
];

fn format_seeds(format: Format) -> Vec<Vec<u8>> {
    lines(match format {
        Format::Access => ACCESS,
        Format::Squid => SQUID,
        Format::ApacheError => APACHE_ERROR,
        Format::NginxError => NGINX_ERROR,
        Format::LighttpdError => LIGHTTPD_ERROR,
        Format::Syslog => SYSLOG,
        Format::Audit => AUDIT,
    })
}

/// Every format's target, named after the format.
fn format_target(format: Format) -> Target {
    let run: fn(&[u8]) = match format {
        Format::Access => |d| fuzzing::parse_line_in(Format::Access, d),
        Format::Squid => |d| fuzzing::parse_line_in(Format::Squid, d),
        Format::ApacheError => |d| fuzzing::parse_line_in(Format::ApacheError, d),
        Format::NginxError => |d| fuzzing::parse_line_in(Format::NginxError, d),
        Format::LighttpdError => |d| fuzzing::parse_line_in(Format::LighttpdError, d),
        Format::Syslog => |d| fuzzing::parse_line_in(Format::Syslog, d),
        Format::Audit => |d| fuzzing::parse_line_in(Format::Audit, d),
    };
    Target { name: format.as_str(), run, seeds: format_seeds(format) }
}

/// Messages for the program parsers, each behind the program's index and a header byte
/// (see `fuzzing::syslog_program`).
fn program_seeds() -> Vec<Vec<u8>> {
    let messages: &[(&str, &str)] = &[
        ("sshd", "Failed password for invalid user admin from 203.0.113.5 port 4242 ssh2"),
        ("sshd-session", "Accepted publickey for alice from 2001:db8::1 port 22 ssh2: ED25519 SHA256:abc"),
        ("sshd", "Invalid user x from 8.8.8.8 port 22 from 203.0.113.5 port 4242"),
        ("sshd", "Received disconnect from 203.0.113.5 port 4242:11: Bye Bye [preauth]"),
        ("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root"),
        ("sudo", "    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"),
        ("sudo", "pam_unix(sudo:auth): authentication failure; logname=bob uid=1001 euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=bob"),
        ("su", "FAILED SU (to root) bob on pts/1"),
        ("login", "FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure"),
        ("dropbear", "Bad password attempt for 'root' from 203.0.113.5:4242"),
        ("haproxy", "203.0.113.5:4242 [06/Jan/2026:10:00:00.123] fe be/srv1 0/0/0/1/1 404 123 - - ---- 1/1/0/0/0 0/0 \"GET /.env HTTP/1.1\""),
        ("suhosin", "ALERT - script tried to increase memory_limit to 536870912 bytes (attacker '203.0.113.5', file '/var/www/x.php')"),
        ("php-fpm", "[06-Jan-2026 10:00:00] WARNING: [pool www] child 12 said into stderr: \"client 203.0.113.5\""),
        ("vsftpd", "[ftp] FAIL LOGIN: Client \"203.0.113.5\""),
        ("proftpd", "web (203.0.113.5[203.0.113.5]) - USER admin: no such user found from 203.0.113.5 [203.0.113.5] to 10.0.0.1:21"),
        ("pure-ftpd", "(?@203.0.113.5) [WARNING] Authentication failed for user [admin]"),
        ("wu-ftpd", "failed login from host.example.com [203.0.113.5]"),
        ("klogind", "Authentication failed from 203.0.113.5: Software caused connection abort"),
        ("audit", "type=USER_LOGIN msg=audit(1767607200.415:4063): pid=1 uid=0 auid=4294967295 ses=1 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.5 terminal=ssh res=failed'"),
        ("nginx", "203.0.113.5 - - [06/Jan/2026:10:00:00 +0000] \"GET /wp-login.php HTTP/1.1\" 404 196 \"-\" \"curl/8\""),
        ("nginx", "2026/01/06 02:32:23 [error] 12#0: *1 access forbidden by rule, client: 203.0.113.5, server: _, request: \"GET /.git/config HTTP/1.1\""),
        ("apache2", "[auth_basic:error] [pid 1234] [client 203.0.113.5:52314] AH01618: user admin not found: /admin"),
        ("lighttpd", "(http_auth.c.875) password doesn't match for /admin username: admin, IP: 203.0.113.5"),
        ("systemd-logind", "New session 4 of user alice."),
    ];
    let mut seeds = Vec::new();
    for (i, (program, message)) in messages.iter().enumerate() {
        let index = fuzzing::SYSLOG_PROGRAMS.iter().position(|p| p == program).expect("a program of the list");
        let mut seed = vec![index as u8, (i % 4) as u8];
        seed.extend_from_slice(message.as_bytes());
        seeds.push(seed);
    }
    seeds
}

#[test]
fn parser_seeds_parse_in_their_formats() {
    for format in Format::ALL {
        for seed in format_seeds(format) {
            let parsed = knocklog::parse::parse_line(format, &seed);
            assert!(parsed.is_some(), "{format:?} does not read its seed {}", String::from_utf8_lossy(&seed));
        }
    }
}

#[test]
fn mutated_lines_break_no_parser() {
    let mut targets: Vec<Target> = Format::ALL.into_iter().map(format_target).collect();
    let all: Vec<Vec<u8>> = Format::ALL.into_iter().flat_map(format_seeds).collect();
    targets.push(Target { name: "read_line", run: fuzzing::read_line_any, seeds: all });
    targets.push(Target { name: "syslog_program", run: fuzzing::syslog_program, seeds: program_seeds() });
    run_group("parsers", targets);
}

// ----- seeds: archives -----

/// A few kinds of line and an over-long one, as a rotated log holds them.
fn archive_text(variant: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for (i, line) in ACCESS.iter().chain(SYSLOG).enumerate().take(3 + variant * 4) {
        text.extend_from_slice(line.as_bytes());
        text.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
    }
    if variant == 1 {
        text.extend(std::iter::repeat_n(b'A', fuzzing::ARCHIVE_MAX_LINE + 700));
        text.extend_from_slice(b"\nafter the long line\n");
    }
    if variant == 2 {
        let mut holed = vec![0u8; 300];
        holed.extend_from_slice(&text);
        text = holed;
        text.extend_from_slice(b"no newline at the end");
    }
    text
}

fn compress(compression: Compression, text: &[u8]) -> Vec<u8> {
    match compression {
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        }
        Compression::Bzip2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        }
        Compression::Xz => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(text).unwrap();
            e.finish().unwrap()
        }
        Compression::Zstd => zstd::stream::encode_all(text, 1).unwrap(),
        other => unreachable!("{other:?}"),
    }
}

/// One member, two members (the second empty or not), and the variants of the text.
fn archive_seeds(compression: Compression) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = (0..3).map(|v| compress(compression, &archive_text(v))).collect();
    seeds.push([compress(compression, &archive_text(0)), compress(compression, &archive_text(1))].concat());
    seeds.push([compress(compression, &archive_text(0)), compress(compression, b"")].concat());
    seeds
}

#[test]
fn mutated_archives_break_no_reader() {
    let targets = vec![
        Target {
            name: "gzip",
            run: |d| fuzzing::archive(Compression::Gzip, d),
            seeds: archive_seeds(Compression::Gzip),
        },
        Target {
            name: "bzip2",
            run: |d| fuzzing::archive(Compression::Bzip2, d),
            seeds: archive_seeds(Compression::Bzip2),
        },
        Target { name: "xz", run: |d| fuzzing::archive(Compression::Xz, d), seeds: archive_seeds(Compression::Xz) },
        Target {
            name: "zstd",
            run: |d| fuzzing::archive(Compression::Zstd, d),
            seeds: archive_seeds(Compression::Zstd),
        },
    ];
    run_group("archives", targets);
}

// ----- seeds: journals -----

/// A binary journal file after systemd's JOURNAL_FILE_FORMAT: the header, one DATA
/// object per field (stored as `flags` says: 0 plain, 1 xz, 2 lz4, 4 zstd), one ENTRY
/// object pointing at them; `compact` files have 4-byte entry items and a longer DATA
/// header.
fn journal_file(entries: &[&[&[u8]]], flags: u8, compact: bool) -> Vec<u8> {
    const HEADER: usize = 272;
    let mut f = vec![0u8; HEADER];
    f[..8].copy_from_slice(b"LPKSHHRH");
    if compact {
        f[12..16].copy_from_slice(&(1u32 << 4).to_le_bytes());
    }
    f[88..96].copy_from_slice(&(HEADER as u64).to_le_bytes());
    let data_header = if compact { 72 } else { 64 };
    let mut last_object = 0;
    for (n, fields) in entries.iter().enumerate() {
        let mut offsets = Vec::new();
        for field in *fields {
            let payload = match flags {
                0 => field.to_vec(),
                1 => compress(Compression::Xz, field),
                2 => [&(field.len() as u64).to_le_bytes()[..], &lz4::block::compress(field, None, false).unwrap()]
                    .concat(),
                _ => compress(Compression::Zstd, field),
            };
            let at = f.len();
            let size = data_header + payload.len();
            let mut object = vec![0u8; size];
            (object[0], object[1]) = (1, flags);
            object[8..16].copy_from_slice(&(size as u64).to_le_bytes());
            // Not keyed (no such header flag): Jenkins' lookup3 of the field as written.
            object[16..24].copy_from_slice(&jenkins_hash64(field).to_le_bytes());
            object[data_header..].copy_from_slice(&payload);
            f.extend_from_slice(&object);
            f.resize(f.len().next_multiple_of(8), 0);
            offsets.push(at as u64);
        }
        let item = if compact { 4 } else { 16 };
        let at = f.len();
        let size = 64 + item * offsets.len();
        let mut object = vec![0u8; size];
        object[0] = 3;
        object[8..16].copy_from_slice(&(size as u64).to_le_bytes());
        object[24..32].copy_from_slice(&(1_767_657_748_000_000u64 + n as u64 * 1_000_123).to_le_bytes());
        for (i, offset) in offsets.iter().enumerate() {
            let slot = &mut object[64 + item * i..64 + item * i + item.min(8)];
            slot.copy_from_slice(&offset.to_le_bytes()[..item.min(8)]);
        }
        f.extend_from_slice(&object);
        f.resize(f.len().next_multiple_of(8), 0);
        last_object = at;
    }
    let arena = (f.len() - HEADER) as u64;
    f[96..104].copy_from_slice(&arena.to_le_bytes());
    f[136..144].copy_from_slice(&(last_object as u64).to_le_bytes());
    f[152..160].copy_from_slice(&(entries.len() as u64).to_le_bytes());
    f
}

const SSH_ENTRY: &[&[u8]] = &[
    b"_HOSTNAME=web",
    b"SYSLOG_IDENTIFIER=sshd",
    b"_PID=4242",
    b"MESSAGE=Failed password for root from 203.0.113.5 port 4242 ssh2",
    b"__REALTIME_TIMESTAMP=1767657748000000",
];
const INJECTED_ENTRY: &[&[u8]] = &[
    b"_COMM=sshd-session",
    b"SYSLOG_PID=77",
    b"MESSAGE=Invalid user a\nJan  5 10:00:00 web sshd[1]: Failed password for root from 8.8.8.8 port 1 ssh2",
];
const CRON_ENTRY: &[&[u8]] = &[b"_SYSTEMD_UNIT=cron.service", b"MESSAGE=(root) CMD (true)", b"_HOSTNAME=web"];

fn binary_journal_seeds() -> Vec<Vec<u8>> {
    let entries: &[&[&[u8]]] = &[SSH_ENTRY, INJECTED_ENTRY, CRON_ENTRY];
    let mut seeds = Vec::new();
    for flags in [0, 1, 2, 4] {
        seeds.push(journal_file(entries, flags, false));
    }
    seeds.push(journal_file(entries, 0, true));
    seeds.push(journal_file(entries, 4, true));
    seeds
}

fn text_journal_seeds() -> Vec<Vec<u8>> {
    let mut export = b"\0__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1767657748000001\n_HOSTNAME=web\nSYSLOG_IDENTIFIER=sshd\n_PID=7\nMESSAGE\n".to_vec();
    let message = b"Invalid user a\nb from 203.0.113.5 port 22";
    export.extend_from_slice(&(message.len() as u64).to_le_bytes());
    export.extend_from_slice(message);
    export.extend_from_slice(
        b"\n\n__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1767657749000000\n_COMM=cron\nMESSAGE=tick\n\n",
    );
    let json = b"\x01{\"__REALTIME_TIMESTAMP\":\"1767657748000001\",\"_HOSTNAME\":\"web\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"7\",\"MESSAGE\":\"Failed password for root from 203.0.113.5 port 4242 ssh2\"}\n\
{\"__REALTIME_TIMESTAMP\":\"1767657749000000\",\"_COMM\":\"sudo\",\"MESSAGE\":[102,111,111,10,98],\"_PID\":[\"1\",\"2\"]}\n\
{\"__CURSOR\":\"s=2\",\"MESSAGE\":null}\n"
        .to_vec();
    vec![export, json]
}

#[test]
fn journal_seeds_hold_their_entries() {
    use knocklog::input::journal::{binary, Batch};
    for seed in binary_journal_seeds() {
        let mut reader = binary::BinaryReader::new(binary::Bytes::from_vec(seed)).unwrap();
        let mut batch = Batch::default();
        reader.next_batch(&mut batch, 1 << 20);
        assert_eq!((reader.entries, reader.warnings.len()), (3, 0), "{:?}", reader.warnings);
        let text = String::from_utf8_lossy(&batch.text);
        assert!(text.contains("web sshd[4242]: Failed password for root from 203.0.113.5"), "{text}");
        assert!(text.contains("sshd-session[77]: Invalid user a#012Jan"), "{text}");
    }
}

#[test]
fn mutated_journals_break_no_reader() {
    let targets = vec![
        Target { name: "journal_binary", run: fuzzing::journal_binary, seeds: binary_journal_seeds() },
        Target { name: "journal_text", run: fuzzing::journal_text, seeds: text_journal_seeds() },
    ];
    run_group("journals", targets);
}
