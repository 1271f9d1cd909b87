//! report.html in a real browser: hostile log lines must not run (their payloads would
//! change document.title), the report's own script must run under its strict CSP, and
//! the report must be exact and thread-independent on sample-logs/.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{knocklog, repo, scan};

/// Each payload, if it ever ran, would set the page title to `pwned`.
const PAYLOADS: [&str; 6] = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=document.title='pwned'>",
    "</textarea><script>document.title='pwned'</script>",
    "javascript:document.title='pwned'",
    "</style><style>body{background:url(http://127.0.0.1:9/x)}</style><script>document.title='pwned'</script>",
    "\u{202e}<svg onload=document.title='pwned'>",
];

/// A small log tree whose usernames, paths, user agents, referers and one unparsed
/// raw line carry the payloads.
fn hostile_tree(dir: &Path) {
    let mut access = String::new();
    let mut auth = String::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let nospace = p.replace(' ', "");
        for day in 5..8 {
            access.push_str(&format!(
                "203.0.113.{ip} - {nospace} [0{day}/Jan/2026:10:1{i}:00 +0000] \"GET /wp-login.php?x={nospace} HTTP/1.1\" 401 12 \"{p}\" \"sqlmap/1.7 {p}\"\n",
                ip = 10 + i,
            ));
            access.push_str(&format!(
                "203.0.113.{ip} - - [0{day}/Jan/2026:10:2{i}:00 +0000] \"GET /{nospace}/.env HTTP/1.1\" 404 12 \"{p}\" \"Mozilla/5.0 {p}\"\n",
                ip = 10 + i,
            ));
            auth.push_str(&format!(
                "2026-01-0{day}T11:0{i}:00+00:00 host sshd[1{i}]: Invalid user {nospace} from 198.51.100.{ip} port 4242\n",
                ip = 10 + i,
            ));
        }
    }
    access.push_str("<script>document.title='pwned'</script> this raw line is in no format\n");
    std::fs::create_dir_all(dir.join("apache2")).unwrap();
    std::fs::write(dir.join("apache2/access.log"), access).unwrap();
    std::fs::write(dir.join("auth.log"), auth).unwrap();
}

/// The chromium binary on PATH, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// True when chromium is here; else `test` is skipped (see `util::skip`).
pub fn has_chromium(test: &str) -> bool {
    let found = chromium().is_some();
    if !found {
        crate::util::skip(test, "chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)");
    }
    found
}

/// The DOM after load, as chromium headless serialises it.
pub fn dump_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium().expect("chromium (the test checks has_chromium first)"))
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("running chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("DOM is UTF-8")
}

#[test]
fn hostile_log_content_never_runs_in_the_report() {
    if !has_chromium("report_browser::hostile_log_content_never_runs_in_the_report") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    hostile_tree(dir.path());
    let run = scan(&[dir.path()], &["--timezone", "utc", "--html-fragment"]);
    let page = run.out.join("report.html");
    let html = std::fs::read_to_string(&page).expect("report.html is written");
    assert!(html.contains("Content-Security-Policy"));
    let dom = dump_dom(&page);

    let title = dom.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("a title");
    assert!(title.starts_with("knocklog report"), "the title was changed to {title:?}");
    assert!(!dom.contains("pwned</title>"));
    assert!(dom.contains("data-knocklog-script=\"ran\""), "the report's own script did not run (blocked by its CSP?)");
    assert!(dom.contains("data-knocklog-sort"), "the script made the tables sortable");
    // The payloads are shown as text: escaped in the serialised DOM, never elements.
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(dom.contains("&lt;img"));
    assert!(dom.contains("\\u{202e}"), "bidi overrides are shown, not applied");
    assert_eq!(dom.matches("<script").count(), 1, "only the report's own script element");
    assert_eq!(dom.matches("<style").count(), 1, "only the report's own style element");
    for element in ["<img", "<svg onload", "<textarea", "href=\"javascript:"] {
        assert!(!dom.contains(element), "a payload became markup: {element}");
    }
    // Usernames, paths, user agents and the raw line all reached the report.
    assert!(html.contains("sqlmap/1.7 &lt;script&gt;"), "user agents are listed");
    assert!(html.contains("/wp-login.php"), "paths are listed");
    assert!(html.contains("this raw line is in no format"), "unparsed lines are shown");

    let fragment = std::fs::read_to_string(run.out.join("report-fragment.html")).expect("--html-fragment");
    assert!(fragment.starts_with("<section class=\"knocklog\">"));
    assert!(!fragment.contains("<script") && !fragment.contains("<style"));
}

#[test]
fn sample_report_is_exact_and_thread_independent() {
    let sample = repo().join("sample-logs");
    let args = ["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"];
    let one = scan(&[&sample], &[&args[..], &["--threads", "1"]].concat());
    let two = scan(&[&sample], &[&args[..], &["--threads", "2"]].concat());
    let page = std::fs::read_to_string(one.out.join("report.html")).unwrap();
    assert_eq!(page, std::fs::read_to_string(two.out.join("report.html")).unwrap(), "threads changed report.html");
    assert!(!one.out.join("report-fragment.html").exists(), "the fragment only with --html-fragment");

    // The chart's per-day totals are the events table's counting lines per day.
    let mut expected = std::collections::BTreeMap::<String, u64>::new();
    for e in one.table("events").iter().filter(|e| e["counts_against_address"] == "true" && !e["ts"].is_empty()) {
        *expected.entry(e["ts"][..10].to_owned()).or_default() += 1;
    }
    let mut charted = std::collections::BTreeMap::<String, u64>::new();
    for part in page.split("<g><title>").skip(1) {
        let (day, rest) = part.split_once(" (UTC): ").unwrap();
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ',').filter(|c| *c != ',').collect();
        charted.insert(day.to_owned(), n.parse().unwrap());
    }
    assert_eq!(charted, expected);
    let ips = one.table("ips");
    let suspicious: u64 = ips.iter().map(|r| r["suspicious_events"].parse::<u64>().unwrap()).sum();
    assert_eq!(charted.values().sum::<u64>(), suspicious);
    // The sneak attacker of the sample is in the heat map, marked.
    assert!(page.contains(r##"font-weight="bold">203.0.113.66</text>"##), "203.0.113.66 marked as sneak");
    for section in [
        "knocklog-answer",
        "knocklog-overview",
        "knocklog-access",
        "knocklog-auth",
        "knocklog-sneak",
        "knocklog-paths",
        "knocklog-agents",
        "knocklog-addresses",
        "knocklog-files",
    ] {
        assert!(page.contains(&format!("id=\"{section}\"")), "{section} missing");
    }
}

#[test]
fn terminal_summary_names_attackers_and_outputs() {
    let sample = repo().join("sample-logs");
    let dir = tempfile::tempdir().unwrap();
    let out = knocklog()
        .args(["scan", "--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice", "--out"])
        .arg(dir.path())
        .arg(&sample)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Worst first:"), "{stdout}");
    assert!(stdout.contains("Sneak attackers (quiet returners): 203.0.113.66"), "{stdout}");
    assert!(stdout.contains(&format!("Report: {}", dir.path().join("report.html").display())), "{stdout}");
    assert!(
        stdout.contains(
            "Tables: events, ips, campaigns, sessions, usernames, daily, patterns (.csv .parquet) and summary.json"
        ),
        "{stdout}"
    );
    let quiet =
        knocklog().args(["scan", "--quiet", "--timezone", "utc", "--out"]).arg(dir.path()).arg(&sample).output();
    assert_eq!(quiet.unwrap().stdout, b"", "--quiet prints nothing on stdout");
}

/// The targets of every `href="#…"` in `html` that no element's `id` matches.
fn dangling_anchors(html: &str) -> (usize, Vec<String>) {
    let value = |at: usize| &html[at..at + html[at..].find('"').unwrap()];
    let ids: std::collections::HashSet<&str> = html.match_indices(" id=\"").map(|(i, _)| value(i + 5)).collect();
    let hrefs: Vec<&str> = html.match_indices("href=\"#").map(|(i, _)| value(i + 7)).collect();
    let dangling = hrefs.iter().filter(|h| !ids.contains(*h)).map(|h| h.to_string()).collect();
    (hrefs.len(), dangling)
}

#[test]
fn drill_down_links_land_in_the_browser() {
    if !has_chromium("report_browser::drill_down_links_land_in_the_browser") {
        return;
    }
    let sample = repo().join("sample-logs");
    let run = scan(&[&sample], &["--timezone", "utc", "--report-panels", "5"]);
    let page = run.out.join("report.html");
    let dom = dump_dom(&page);
    let (links, dangling) = dangling_anchors(&dom);
    assert!(links > 100, "the addresses are links ({links})");
    assert_eq!(dangling, Vec::<String>::new(), "links to no element");
    assert_eq!(dom.matches("<article class=\"knocklog-panel\"").count(), 5, "--report-panels 5");
    // Every row of the visitors table is a target; its address links to a panel or is the row itself.
    let visitors = dom.split("aria-label=\"Suspicious visitors\"").nth(1).unwrap().split("</table>").next().unwrap();
    let rows = visitors.matches("<tr id=\"knocklog-row-").count();
    assert_eq!(rows, run.table("ips").len(), "one anchored row per address");
    assert_eq!(visitors.matches("<a href=\"#knocklog-ip-").count(), 5);
    // The worst address's panel has its timeline across the logs.
    let first = dom.split("<article class=\"knocklog-panel\"").nth(1).unwrap().split("</article>").next().unwrap();
    assert!(first.contains("First events, all logs") && first.contains("knocklog-timeline"), "{first}");
}

/// A generated corpus of moderate size (about 40 MB of access logs) gives a page of
/// bounded size: the caps (500 visitors, 200 panels...) hold whatever the input.
#[test]
fn a_generated_corpus_gives_a_bounded_page() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("bench");
    let status = Command::new(env!("CARGO_BIN_EXE_knocklog-gen"))
        .args(["bench", "--files", "2", "--size", "20MB", "--out"])
        .arg(&logs)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let run = scan(&[&logs.join("plain")], &["--timezone", "utc", "--format", "csv"]);
    let page = run.out.join("report.html");
    let bytes = std::fs::metadata(&page).unwrap().len();
    assert!(bytes < PAGE_BOUND, "report.html is {bytes} bytes (bound {PAGE_BOUND})");
    if chromium().is_some() {
        let started = std::time::Instant::now();
        let dom = dump_dom(&page);
        let took = started.elapsed();
        let (_, dangling) = dangling_anchors(&dom);
        assert_eq!(dangling, Vec::<String>::new());
        eprintln!("report.html of the generated corpus: {bytes} bytes, loaded and dumped by chromium in {took:?}");
    }
}

/// What report.html may weigh at most, whatever the input.
const PAGE_BOUND: u64 = 4_000_000;
