//! Learning new attack patterns: the planted paths of sample-logs are suggested and no
//! benign path is; accepted patterns flag, on a re-scan, the addresses that only used
//! them; learn -> accept -> learn converges; the corpora's suggestions are attack
//! targets.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::util::{corpora, knocklog, read_csv, repo, scan};

const SAMPLE_ARGS: [&str; 7] =
    ["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice", "--format"];

fn patterns_of(file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    let parsed = knocklog::detect::patterns::parse(file, &bytes).unwrap();
    parsed
        .patterns
        .into_iter()
        .map(|p| match p.kind {
            knocklog::detect::patterns::PatternKind::Substring(s) => String::from_utf8(s).unwrap(),
            knocklog::detect::patterns::PatternKind::Regex(r) => format!("re:{r}"),
        })
        .collect()
}

/// Does pattern-file line `p` match `line` (the rules of `detect::patterns`)?
fn matches(p: &str, line: &str) -> bool {
    match p.strip_prefix("re:") {
        Some(re) => regex::bytes::RegexBuilder::new(re).unicode(false).build().unwrap().is_match(line.as_bytes()),
        None => line.contains(p),
    }
}

fn access_lines(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for f in ["apache2/access.log", "apache2/access.log.1", "nginx/access.log"] {
        lines.extend(String::from_utf8_lossy(&std::fs::read(dir.join(f)).unwrap()).lines().map(str::to_owned));
    }
    for f in ["apache2/access.log.2.gz", "apache2/access.log.3.gz"] {
        let mut bytes = Vec::new();
        let file = std::fs::File::open(dir.join(f)).unwrap();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(file), &mut bytes).unwrap();
        lines.extend(String::from_utf8_lossy(&bytes).lines().map(str::to_owned));
    }
    lines
}

#[test]
fn sample_logs_planted_paths_are_suggested_and_no_benign_path_is() {
    let sample = repo().join("sample-logs");
    let mut args = SAMPLE_ARGS.to_vec();
    args.push("csv");
    let run = scan(&[&sample], &args);
    let suggested = patterns_of(&run.out.join("suggested-patterns.txt"));
    let table = run.table("patterns");
    assert_eq!(table.len(), suggested.len());
    assert_eq!(table.iter().map(|r| r["pattern"].clone()).collect::<Vec<_>>(), suggested);
    for planted in
        ["/cgi-mod/webctl", "/owa2/ecp/Current/exporttool.ashx", "/api/v2/.creds_backup.json", "/wsman/relay.do"]
    {
        let row = table.iter().find(|r| r["pattern"] == planted).unwrap_or_else(|| panic!("{planted}: {suggested:?}"));
        assert_eq!(row["kind"], "path");
        assert!(row["attacker_ips"].parse::<u32>().unwrap() >= 2);
        assert_eq!(row["benign_ips"], "0");
        assert!(row["example"].contains(planted), "{row:?}");
    }
    // Benign lines: addresses with no suspicious event (not in `ips`), and alice's.
    let flagged: HashSet<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    let benign: Vec<String> = access_lines(&sample)
        .into_iter()
        .filter(|l| {
            let mut f = l.split(' ');
            let ip = f.next().unwrap_or_default();
            !flagged.contains(ip) || f.nth(1) == Some("alice")
        })
        .collect();
    assert!(benign.len() > 500, "only {} benign lines", benign.len());
    for p in &suggested {
        let hit = benign.iter().find(|l| matches(p, l));
        assert!(hit.is_none(), "suggested {p:?} matches the benign line {hit:?}");
    }
}

/// A small combined log: two scanners that probe known targets and a new path, a third
/// address that only asks for the new path, and benign readers.
fn write_log(dir: &Path) -> std::path::PathBuf {
    let line = |ip: &str, n: u32, path: &str, status: u16, ua: &str| {
        format!(
            "{ip} - - [05/Jan/2026:10:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" {status} 100 \"-\" \"{ua}\"\n",
            n / 60,
            n % 60
        )
    };
    let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0";
    let mut text = String::new();
    let mut n = 0;
    let mut add = |ip: &str, path: &str, status: u16, ua: &str| {
        n += 1;
        text.push_str(&line(ip, n, path, status, ua));
    };
    for ip in ["203.0.113.1", "203.0.113.2"] {
        for path in ["/wp-login.php", "/.env", "/.git/config", "/zz-vendor/relay.do", "/zz-vendor/relay.do?cmd=id", "/"]
        {
            add(ip, path, 404, browser);
        }
    }
    for _ in 0..3 {
        add("203.0.113.3", "/zz-vendor/relay.do", 404, browser);
    }
    for (i, path) in
        ["/", "/about/", "/blog/post-1/", "/feed.xml", "/static/site.css", "/blog/post-2/"].iter().enumerate()
    {
        for ip in ["192.0.2.10", "192.0.2.11", "192.0.2.12"] {
            add(ip, path, if i == 3 { 304 } else { 200 }, browser);
        }
    }
    let path = dir.join("access.log");
    std::fs::write(&path, text).unwrap();
    path
}

/// `knocklog learn` with a tolerance of one benign address: 203.0.113.3, which only
/// asked for the new path, has no suspicious event yet and so counts as benign.
fn learn(log: &Path, args: &[&str]) -> (i32, String) {
    let out = knocklog()
        .arg("learn")
        .arg(log)
        .args(["--timezone", "utc", "--learn-max-benign", "1"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.code() == Some(0), "learn failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), stdout)
}

fn verdicts(log: &Path, args: &[&str]) -> HashMap<String, String> {
    let mut a = vec!["--timezone", "utc", "--format", "csv"];
    a.extend_from_slice(args);
    let run = scan(&[log], &a);
    read_csv(&run.out.join("ips.csv")).into_iter().map(|r| (r["ip"].clone(), r["verdict"].clone())).collect()
}

#[test]
fn accepted_patterns_flag_new_attackers_and_learning_converges() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(dir.path());
    let before = verdicts(&log, &[]);
    assert_eq!(before.get("203.0.113.1").map(String::as_str), Some("block"));
    assert!(!before.contains_key("203.0.113.3"), "only the new path: not flagged yet {before:?}");

    let (_, listed) = learn(&log, &[]);
    assert!(listed.contains("/zz-vendor/relay.do"), "{listed}");
    // Numbered: accept the first one by number.
    let first = listed.lines().find(|l| l.trim_start().starts_with("1 ")).unwrap_or_else(|| panic!("{listed}"));
    let patterns = dir.path().join("attack.txt");
    std::fs::write(&patterns, "# my patterns\n/some-old-pattern\n").unwrap();
    let p = patterns.to_str().unwrap();
    learn(&log, &["--accept", "1", "--to", p]);
    let text = std::fs::read_to_string(&patterns).unwrap();
    assert!(text.starts_with("# my patterns\n/some-old-pattern\n"), "{text}");
    let accepted = patterns_of(&patterns);
    assert_eq!(accepted.len(), 2, "{text}");
    assert!(first.ends_with(&accepted[1]), "{first} vs {accepted:?}");

    // Accept the rest; a second accept-all adds nothing (converged).
    let (_, out) = learn(&log, &["--accept-all", "--attack-patterns", p]);
    assert!(out.contains("Appended"), "{out}");
    let (_, again) = learn(&log, &["--attack-patterns", p]);
    assert!(again.starts_with("0 suggested"), "{again}");
    let text_before = std::fs::read_to_string(&patterns).unwrap();
    learn(&log, &["--accept-all", "--attack-patterns", p]);
    assert_eq!(std::fs::read_to_string(&patterns).unwrap(), text_before);

    // The re-scan flags the address that only used the new path, and no reader.
    let after = verdicts(&log, &["--attack-patterns", p]);
    assert_eq!(after.get("203.0.113.3").map(String::as_str), Some("block"), "{after:?}");
    for reader in ["192.0.2.10", "192.0.2.11", "192.0.2.12"] {
        assert!(!after.contains_key(reader), "{reader} flagged: {after:?}");
    }
}

#[test]
fn learn_rejects_bad_accept_numbers_and_needs_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(dir.path());
    let out = knocklog().arg("learn").arg(&log).args(["--accept", "99", "--to"]).arg(dir.path().join("a.txt")).output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--accept 99"));
    let out = knocklog().arg("learn").arg(&log).arg("--accept-all").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("a.txt").exists());
}

/// The corpora: the honeypot and fail2ban's annotated web logs. With the built-in rules
/// almost every attacker request is known already, so few patterns are left to learn;
/// the self-learning detector's own mode (only a seed pattern file) finds Nimda's
/// other targets from the addresses the seed catches.
#[test]
fn corpora_suggestions_are_attack_targets() {
    let Some(c) = corpora("learn::corpora_suggestions_are_attack_targets") else { return };
    let honeynet = c.join("honeynet-redhat71-httpd/httpd");
    let annotated = c.join("fail2ban/annotated/logs");
    let run = scan(&[&honeynet, &annotated], &["--timezone", "utc", "--format", "csv"]);
    let builtin = patterns_of(&run.out.join("suggested-patterns.txt"));
    assert!(builtin.len() <= 20, "{builtin:?}");
    for p in &builtin {
        assert!(p.contains("php") || p.contains(".exe") || p.contains("root"), "unexpected suggestion {p}");
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.txt");
    std::fs::write(&seed, "cmd.exe\n").unwrap();
    let seed = seed.to_str().unwrap();
    let run = scan(
        &[&honeynet, &annotated],
        &["--timezone", "utc", "--format", "csv", "--no-builtin-rules", "--attack-patterns", seed],
    );
    // Nimda's backdoor: about 200 addresses asked for it, counted on a sample of 64
    // (a popular request) and scaled up.
    let learned = patterns_of(&run.out.join("suggested-patterns.txt"));
    assert!(learned.iter().any(|p| p == "/MSADC/root.exe"), "{learned:?}");
    assert!(learned.iter().all(|p| p.contains("root.exe")), "{learned:?}");
    let table = run.table("patterns");
    let attackers = table[0]["attacker_ips"].parse::<u32>().unwrap();
    assert!((150..=250).contains(&attackers), "{:?}", table[0]);
    assert_eq!(table[0]["sampled"], "true");
}

/// Scanners flagged for their agent teach the paths no rule knows, never their agent
/// (a rule has it already) nor the files every client asks for (`/robots.txt`,
/// `/favicon.ico`, index pages), even when only attackers asked for them.
#[test]
fn known_agents_and_well_known_files_are_never_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (i, ip) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"].iter().enumerate() {
        for (j, path) in ["/robots.txt", "/favicon.ico", "/index.php", "/zz-new/probe.do", "/.env"].iter().enumerate() {
            text.push_str(&format!(
                "{ip} - - [05/Jan/2026:10:0{i}:0{j} +0000] \"GET {path} HTTP/1.1\" 404 10 \"-\" \"sqlmap/1.9.11#stable (https://sqlmap.org)\"\n"
            ));
        }
    }
    std::fs::write(dir.path().join("access.log"), text).unwrap();
    let out = knocklog().arg("learn").arg(dir.path().join("access.log")).args(["--timezone", "utc"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("/zz-new/probe.do"), "{stdout}");
    for never in ["sqlmap", "robots", "favicon", "/index.php"] {
        assert!(!stdout.lines().any(|l| l.contains(never) && !l.trim_start().starts_with("e.g.")), "{never}: {stdout}");
    }
}

/// With a tolerance for benign addresses, a suggestion may match a benign address's
/// lines; `--accept-all` takes none of those (they need a look and `--accept N`) and
/// says how many it left out.
#[test]
fn accept_all_refuses_what_a_benign_address_of_the_scan_also_requested() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(dir.path());
    let fresh = dir.path().join("fresh.txt");
    std::fs::write(&fresh, "").unwrap();
    let out = knocklog()
        .arg("learn")
        .arg(&log)
        .args(["--timezone", "utc", "--learn-max-benign", "1", "--accept-all", "--to"])
        .arg(&fresh)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("/zz-vendor/relay.do"), "listed, with its benign address: {stdout}");
    assert!(stderr.contains("--accept-all left out"), "{stderr}");
    let accepted = patterns_of(&fresh);
    assert!(accepted.iter().all(|p| !p.contains("zz-vendor")), "{accepted:?}");
}
