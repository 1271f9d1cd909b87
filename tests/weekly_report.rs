//! report.html of `knocklog report` (the weekly report from the history store): the
//! scan report's sections computed from the store alone, agreeing with the report's
//! own tables, and the weekly section (new vs returning attackers, the change on the
//! previous period) agreeing with attackers.csv and report.json; its script runs under
//! its CSP in a real browser.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Output;

use crate::util::{knocklog, read_csv, repo};

const ARGS: [&str; 6] = ["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"];

/// The body of the table labelled `label` (from its `aria-label` to `</table>`).
fn table<'a>(page: &'a str, label: &str) -> &'a str {
    let start = page.find(&format!("aria-label=\"{label}\"")).unwrap_or_else(|| panic!("no table {label:?}"));
    let body = &page[start..];
    &body[..body.find("</table>").unwrap()]
}

fn rows(page: &str, label: &str) -> usize {
    table(page, label).split("<tbody>").nth(1).unwrap().matches("<tr").count()
}

/// The per-day totals of the stacked chart, from each bar's title.
fn charted(page: &str) -> BTreeMap<String, u64> {
    let mut days = BTreeMap::new();
    for part in page.split("<g><title>").skip(1) {
        let (day, rest) = part.split_once(" (UTC): ").unwrap();
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ',').filter(|c| *c != ',').collect();
        days.insert(day.to_owned(), n.parse().unwrap());
    }
    days
}

/// The `data-v` of the weekly figure `id`.
fn figure(page: &str, id: &str) -> u64 {
    let at = page.find(&format!("id=\"knocklog-{id}\" data-v=\"")).unwrap_or_else(|| panic!("no figure {id}"));
    let rest = &page[at..];
    let v = rest.split("data-v=\"").nth(1).unwrap();
    v[..v.find('"').unwrap()].parse().unwrap()
}

#[test]
fn the_weekly_report_html_agrees_with_its_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, scan_out) = (tmp.path().join("store"), tmp.path().join("scan"));
    let o = knocklog()
        .args(["scan", "--quiet", "--out"])
        .arg(&scan_out)
        .arg("--history")
        .arg(&store)
        .arg(repo().join("sample-logs"))
        .args(ARGS)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "the three garbage lines are counted, not errors: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = |since: &str, until: &str, out: &Path, extra: &[&str]| -> Output {
        let o = knocklog()
            .args(["report", "--quiet", "--history"])
            .arg(&store)
            .args(["--since", since, "--until", until, "--out"])
            .arg(out)
            .args(&ARGS[2..])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };

    // The whole store: every section the scan's report has from its logs is the same
    // when computed from the store (the tally from the stored events included).
    let all = tmp.path().join("all");
    report("2025-12-01", "2026-02-01", &all, &[]);
    let scan_page = fs::read_to_string(scan_out.join("report.html")).unwrap();
    let all_page = fs::read_to_string(all.join("report.html")).expect("report writes report.html");
    for label in [
        "Suspicious visitors",
        "Usernames tried",
        "Directories targeted",
        "Attempt sessions",
        "Probed paths",
        "User agents",
        "Blocklist",
    ] {
        assert_eq!(table(&scan_page, label), table(&all_page, label), "{label} differs between scan and report");
    }
    assert_eq!(charted(&scan_page), charted(&all_page));
    assert!(!scan_page.contains("id=\"knocklog-weekly\""), "a scan has no previous period");
    assert!(!all.join("report-fragment.html").exists(), "the fragment only with --html-fragment");

    // The last week of the sample, with its blocklist (documentation addresses).
    let week = tmp.path().join("week");
    report("2026-01-02", "2026-01-09", &week, &["--html-fragment", "--blocklist-include-special"]);
    let page = fs::read_to_string(week.join("report.html")).unwrap();
    assert!(page.contains("<title>knocklog report 2026-01-02 to 2026-01-08 (UTC)</title>"));
    assert!(page.contains("from the history store"), "the overview says where the figures come from");
    assert!(!page.contains(" style="), "no style attributes (CSP)");

    // The chart's per-day totals are the events table's counting lines per day, and
    // add up to the suspicious events of ips.csv; the visitors are ips.csv's.
    let mut per_day = BTreeMap::<String, u64>::new();
    for e in read_csv(&week.join("events.csv")).iter().filter(|e| e["counts_against_address"] == "true") {
        *per_day.entry(e["ts"][..10].to_owned()).or_default() += 1;
    }
    assert_eq!(charted(&page), per_day);
    assert_eq!(per_day.keys().next().map(String::as_str), Some("2026-01-02"));
    let ips = read_csv(&week.join("ips.csv"));
    let suspicious: Vec<u64> = ips.iter().map(|r| r["suspicious_events"].parse().unwrap()).collect();
    assert_eq!(per_day.values().sum::<u64>(), suspicious.iter().sum::<u64>());
    // Listed: an address with a suspicious line, a behaviour rule or a campaign.
    let suspects =
        ips.iter().filter(|r| r["suspicious_events"] != "0" || !r["behaviour"].is_empty() || !r["campaign"].is_empty());
    assert_eq!(rows(&page, "Suspicious visitors"), suspects.count());

    // New vs returning: the figures and tables are the attackers table's.
    let attackers = read_csv(&week.join("attackers.csv"));
    let count = |status: &str| attackers.iter().filter(|r| r["status"] == status).count();
    assert!(count("new") > 0 && count("returning") > 0);
    assert_eq!(figure(&page, "new-attackers") as usize, count("new"));
    assert_eq!(figure(&page, "returning-attackers") as usize, count("returning"));
    assert_eq!(figure(&page, "attackers") as usize, attackers.len());
    assert_eq!(rows(&page, "New attackers"), count("new"));
    assert_eq!(rows(&page, "Returning attackers"), count("returning"));
    for r in &attackers {
        let label = if r["status"] == "new" { "New attackers" } else { "Returning attackers" };
        assert!(table(&page, label).contains(&format!(">{}</", r["ip"])), "{} not under {label}", r["ip"]);
    }
    assert!(table(&page, "Returning attackers").contains(">203.0.113.66</"), "the quiet returner returns");

    // The change on the previous period: report.json's figures, with sign and percent.
    let json: serde_json::Value = serde_json::from_slice(&fs::read(week.join("report.json")).unwrap()).unwrap();
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    assert_eq!(figure(&page, "suspicious-events"), n(&json["suspicious_events"]["this"]));
    let (this, prev) = (n(&json["attackers"]["this"]) as i64, n(&json["attackers"]["previous"]) as i64);
    assert!(prev > 0);
    let expected = format!("{:+} ({:+.0} %)</span> on {prev}", this - prev, (this - prev) as f64 * 100.0 / prev as f64);
    assert!(page.contains(&expected), "attackers change {expected:?}");
    let categories = table(&page, "Categories");
    for (name, c) in json["by_category"].as_object().unwrap() {
        let (this, prev) = (n(&c["this"]), n(&c["previous"]));
        if this + prev == 0 {
            assert!(!categories.contains(&format!("{name}</td>")), "{name} has nothing to show");
            continue;
        }
        let row = categories.split("<tr>").find(|r| r.contains(&format!("{name}</td>"))).expect(name);
        assert!(row.contains(&format!("data-v=\"{this}\"")) && row.contains(&format!("data-v=\"{prev}\"")), "{row}");
        assert!(row.contains(&format!("data-v=\"{}\"", this as i64 - prev as i64)), "{row}");
    }

    // The blocklist shown is the one written.
    let listed: Vec<String> = fs::read_to_string(week.join("blocklist.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len() as u64, n(&json["blocklist"]["entries"]));
    assert!(!listed.is_empty());
    assert_eq!(rows(&page, "Blocklist"), listed.len());
    for net in &listed {
        assert!(table(&page, "Blocklist").contains(&format!(">{net}</")), "{net} not in the report");
    }

    let fragment = fs::read_to_string(week.join("report-fragment.html")).expect("--html-fragment");
    assert!(fragment.starts_with("<section class=\"knocklog\">"));
    assert!(fragment.contains("id=\"knocklog-weekly\""));
    assert!(!fragment.contains("<script") && !fragment.contains("<style"));

    // Its own script runs under its CSP.
    if crate::report_browser::has_chromium("weekly_report::the_weekly_report_html_agrees_with_its_tables (its script)")
    {
        let dom = crate::report_browser::dump_dom(&week.join("report.html"));
        assert!(dom.contains("data-knocklog-script=\"ran\""), "the report's script did not run (blocked by its CSP?)");
    }
}
