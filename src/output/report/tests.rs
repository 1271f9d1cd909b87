//! Report tests with hand-built scan results: the model's counts, the page's
//! structure, escaping of hostile text, the fragment and the optional inputs.

use super::*;
use crate::aggregate::assess::assess;
use crate::aggregate::ip_stats::SuspiciousLine;
use crate::aggregate::IpStats;
use crate::detect::allowlist::AllowList;
use crate::detect::policy::{Mode, Thresholds};
use crate::learn::CandidateKind;
use crate::vocab::event::{Event, LogKind, ParsedLine};

const DAY: i64 = 86_400_000_000;
const HOSTILE: &str = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>\u{202e}\"'";

fn policy() -> Policy {
    Policy {
        mode: Mode::Standard,
        allow_ips: AllowList::new(Vec::new()),
        trusted_proxies: Default::default(),
        allow_users: ["alice".to_owned()].into(),
        thresholds: Thresholds::default(),
        behaviour: Default::default(),
    }
}

struct Line {
    ip: &'static str,
    ts: i64,
    category: Category,
    user: &'static str,
    path: &'static str,
    agent: &'static str,
}

/// A probe of `/x` from `ip` at `ts`.
fn probe(ip: &'static str, ts: i64) -> Line {
    Line { ip, ts, category: Category::Probe, user: "", path: "/x", agent: "" }
}

/// Feeds lines through the same accounting the scan does: per-IP statistics and the
/// event tally.
fn scan(lines: &[Line]) -> (Vec<Assessed>, EventTally) {
    let mut table = crate::aggregate::IpTable::default();
    let mut tally = EventTally::default();
    for l in lines {
        let stats: &mut IpStats = table.entry(l.ip.as_bytes());
        stats.record(Some(l.ts), LogKind::Access, 404);
        let line = SuspiciousLine {
            ts: Some(l.ts),
            category: l.category,
            weak: false,
            allowed_user_failure: false,
            user: l.user.as_bytes(),
            path: l.path.as_bytes(),
            user_agent: l.agent.as_bytes(),
        };
        stats.record_suspicious(&line, 1_800_000_000);
        tally.count(&event(l));
    }
    (assess(table.into_rows(), &policy(), false).ips, tally)
}

fn event(l: &Line) -> Event {
    let parsed = ParsedLine {
        method: b"GET",
        path: l.path.as_bytes(),
        status: 404,
        user_agent: l.agent.as_bytes(),
        user: l.user.as_bytes(),
        ..Default::default()
    };
    let mut e = Event::from_parsed(&parsed, l.ip.as_bytes());
    (e.ts, e.category, e.counts, e.line_no) = (Some(l.ts), l.category, true, 1);
    e
}

fn sample() -> ReportData {
    let mut lines = Vec::new();
    // A scanner: 6 probes in one burst on day 100.
    for i in 0..6 {
        lines.push(Line {
            ip: "198.51.100.7",
            ts: 100 * DAY + i * 1_000_000,
            category: Category::Probe,
            user: "",
            path: if i % 2 == 0 { "/wp-admin/setup.php" } else { "/.env" },
            agent: "sqlmap/1.7",
        });
    }
    // A quiet returner: one bad user a day on four days, with hostile text.
    for d in [100, 102, 104, 106] {
        lines.push(Line {
            ip: "203.0.113.66",
            ts: d * DAY + 3_600_000_000,
            category: Category::AuthBadUser,
            user: HOSTILE,
            path: "/private/x<b>",
            agent: HOSTILE,
        });
    }
    // The owner's typo... as a guesser on alice.
    lines.push(Line {
        ip: "192.0.2.5",
        ts: 101 * DAY,
        category: Category::AuthBadPassword,
        user: "alice",
        path: "/private/",
        agent: "",
    });
    lines.push(Line {
        ip: "192.0.2.5",
        ts: 101 * DAY + 60_000_000,
        category: Category::AuthBadUser,
        user: "alice",
        path: "/private/",
        agent: "",
    });
    let (ips, tally) = scan(&lines);
    let file = FileStats {
        path: "/var/log/apache2/access.log".into(),
        format: "access".into(),
        counts: crate::aggregate::file_stats::LineCounts { lines: 20, parsed: 19, unparsed: 1, ..Default::default() },
        first_micros: Some(100 * DAY),
        last_micros: Some(106 * DAY + 3_600_000_000),
        ..Default::default()
    };
    ReportData::from_scan(&[file], &ips, &tally, &policy(), DEFAULT_PANELS)
}

#[test]
fn model_counts_match_the_scan() {
    let d = sample();
    assert_eq!(d.totals.suspicious_events, 12);
    assert_eq!(d.daily.iter().map(|r| r.2).sum::<u64>(), 12, "the chart holds every suspicious event");
    assert!(d.daily.contains(&(100, Category::Probe, 6)));
    assert!(d.daily.contains(&(100, Category::AuthBadUser, 1)));
    assert_eq!(d.visitors.len(), 3);
    assert_eq!(d.visitors[0].ip, "203.0.113.66", "the sneak attacker is worst");
    assert!(d.visitors[0].sneak);
    assert_eq!(d.visitors[0].days_active, 4);
    let alice = d.usernames.iter().find(|u| u.name == "alice").unwrap();
    assert_eq!((alice.attempts, alice.split.bad_password, alice.split.bad_user, alice.ips), (2, 1, 1, 1));
    assert!(alice.allowed);
    let hostile = d.usernames.iter().find(|u| u.name == HOSTILE).unwrap();
    assert_eq!((hostile.attempts, hostile.split.bad_user), (4, 4));
    assert_eq!(d.paths[0], TopRow { text: "/private/x<b>".into(), hits: 4, ips: 1 });
    assert_eq!(d.paths[1], TopRow { text: "/.env".into(), hits: 3, ips: 1 }, "ties by text");
    let private = d.directories.iter().find(|r| r.text == "/private/").unwrap();
    assert_eq!((private.hits, private.ips), (6, 2));
    assert_eq!(d.sessions.len(), 4 + 1 + 1);
    assert_eq!(d.heat.len(), 1, "only addresses seen on more than one day");
    assert_eq!(d.heat[0].cells.len(), 4);
    assert_eq!(d.day_span(), Some((100, 106)));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let d = sample().with_blocklist(&[BlockEntry {
        network: "203.0.113.66".into(),
        v6: false,
        addresses: 1,
        reason: format!("sneak attacker {HOSTILE}"),
        first_seen: Some(100 * DAY),
        last_seen: None,
        categories: vec![Category::AuthBadUser],
        previous_blocks: 0,
        rdns: None,
    }]);
    let page = render_page(&d);
    for bad in ["<script>document", "<img", "onerror=alert(1)>", "\u{202e}", "x<b>"] {
        assert!(!page.contains(bad), "{bad:?} reached the page unescaped");
    }
    assert!(page.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(page.contains("\\u{202e}"));
    assert_eq!(page.matches("<script>").count(), 1, "only the report's own script");
    assert!(page.contains("sneak attacker &lt;script&gt;"));
}

#[test]
fn page_requests_nothing_from_outside() {
    let page = render_page(&sample());
    for needle in ["http://", "https://", "@import", "//cdn", "src=\"http", "<link", "<iframe", "<object"] {
        assert!(!page.contains(needle), "report.html contains {needle:?}");
    }
    for (i, _) in page.match_indices("url(") {
        assert!(page[i..].starts_with("url(data:"), "url( other than data: at {i}");
    }
    assert!(!page.contains(" style=\""), "no style attributes: the CSP hashes only the <style> element");
    assert!(page.contains("http-equiv=\"Content-Security-Policy\""));
    assert!(page.starts_with("<!DOCTYPE html>"));
}

#[test]
fn fragment_is_one_prefixed_section() {
    let d = sample().with_suggestions(&[Suggestion {
        pattern: "/cgi-bin/<x>".into(),
        kind: CandidateKind::Path,
        attacker_ips: 3,
        attacker_hits: 40,
        benign_ips: 0,
        benign_hits: 0,
        confidence: 0.92,
        first_seen: None,
        last_seen: Some(105 * DAY),
        example: HOSTILE.into(),
        sampled: true,
        check: "that nothing of yours is served at this path",
    }]);
    let frag = render_fragment(&d);
    assert!(frag.starts_with("<section class=\"knocklog\">"));
    assert!(frag.trim_end().ends_with("</section>"));
    assert_eq!(frag.matches("<section").count(), 1);
    // A sampled count says it is an estimate.
    assert!(frag.contains(r#"data-v="3" title="estimated from a sample of the addresses">≈ 3</td>"#), "{frag}");
    for tag in ["<html", "<head>", "<body", "<style", "<script", "<meta", "<link"] {
        assert!(!frag.contains(tag), "fragment contains {tag}");
    }
    for (i, _) in frag.match_indices("class=\"") {
        let value = &frag[i + 7..];
        let value = &value[..value.find('"').unwrap()];
        for class in value.split_whitespace() {
            assert!(class == "knocklog" || class.starts_with("knocklog-"), "unprefixed class {class:?}");
        }
    }
    for (i, _) in frag.match_indices(" id=\"") {
        assert!(frag[i + 5..].starts_with("knocklog-"), "unprefixed id at {i}");
    }
    assert!(frag.contains("/cgi-bin/&lt;x&gt;"));
    assert!(frag.contains("92 %"));
    // The page carries exactly the fragment.
    assert!(render_page(&d).contains(frag.trim_end()));
}

#[test]
fn caps_are_stated() {
    let lines: Vec<Line> = (0..(MAX_VISITORS + 7))
        .map(|i| Line {
            ip: Box::leak(format!("10.{}.{}.1", i / 250, i % 250).into_boxed_str()),
            ts: 100 * DAY,
            category: Category::Probe,
            user: "",
            path: "/x",
            agent: "",
        })
        .collect();
    let (ips, tally) = scan(&lines);
    let d = ReportData::from_scan(&[], &ips, &tally, &policy(), DEFAULT_PANELS);
    assert_eq!(d.visitors.len(), MAX_VISITORS);
    assert_eq!(d.totals.visitors, MAX_VISITORS + 7);
    let page = render_page(&d);
    assert!(page.contains("Showing 500 of 507 addresses"), "the cap is said");
}

/// Over `MAX_SESSIONS`, the biggest sessions are shown, in time order, and the total
/// is still the count of all of them.
#[test]
fn the_biggest_sessions_are_shown_in_time_order() {
    const HOUR: i64 = 3_600_000_000;
    let extra = 100;
    let mut lines = Vec::new();
    // Session i (two hours apart, on two addresses) has 1 event for the first `extra`,
    // then 2, 3 ... : the first `extra` are the smallest.
    for i in 0..(MAX_SESSIONS + extra) {
        for e in 0..(1 + i / extra) {
            lines.push(Line {
                ip: if i % 2 == 0 { "198.51.100.7" } else { "198.51.100.8" },
                ts: 100 * DAY + 2 * i as i64 * HOUR + e as i64 * 1_000_000,
                category: Category::Probe,
                user: "",
                path: "/x",
                agent: "",
            });
        }
    }
    let (ips, tally) = scan(&lines);
    let d = ReportData::from_scan(&[], &ips, &tally, &policy(), DEFAULT_PANELS);
    assert_eq!(d.totals.sessions, MAX_SESSIONS + extra);
    assert_eq!(d.sessions.len(), MAX_SESSIONS);
    assert!(d.sessions.iter().all(|s| s.events >= 2), "a one-event session displaced a bigger one");
    assert!(d.sessions.windows(2).all(|w| w[0].start < w[1].start), "time order");
    assert_eq!(d.sessions[0].start, 100 * DAY + 2 * extra as i64 * HOUR);
}
#[test]
fn directories_of_paths() {
    assert_eq!(directory_of("/admin/login.php"), "/admin/");
    assert_eq!(directory_of("/x"), "/");
    assert_eq!(directory_of("/a/b/"), "/a/b/");
    assert_eq!(directory_of("*"), "*");
}

#[test]
fn dns_names_are_shown_escaped_and_marked() {
    use crate::vocab::labels::{DnsError, DnsName, Enriched, Labels};
    let d = sample();
    assert!(!render_page(&d).contains("Reverse DNS</th>"), "no column without --dns");
    let mut d = d.with_enriched(Enriched { dns: true, ..Default::default() });
    let dns = |name: Option<&str>, confirmed, error| DnsName { name: name.map(String::from), confirmed, error };
    let kinds = [
        dns(Some("scan.example.net"), true, None),
        dns(Some("<b>evil</b>"), false, None),
        dns(None, false, Some(DnsError::NxDomain)),
    ];
    assert_eq!(d.visitors.len(), kinds.len(), "the sample's visitors");
    for (v, found) in d.visitors.iter_mut().zip(kinds) {
        v.labels = Some(Labels { dns: Some(found), ..Default::default() });
    }
    let page = render_page(&d);
    assert!(page.contains("Reverse DNS</th>"));
    assert!(page.contains("scan.example.net ✓"));
    assert!(page.contains("&lt;b&gt;evil&lt;/b&gt; <small>(unconfirmed)</small>"));
    assert!(page.contains(r#"<td class="knocklog-code"> <small>(nxdomain)</small></td>"#));
    d.visitors[2].labels = Some(Labels { dns: Some(DnsName::deadline()), ..Default::default() });
    assert!(render_page(&d).contains(r#"<td class="knocklog-code"> <small>(deadline)</small></td>"#));
}

/// A history report of one returning prober; the store's and a source's names are
/// hostile.
fn history_sample() -> ReportData {
    let base = sample();
    let (ips, tally) = scan(&[Line {
        ip: "198.51.100.7",
        ts: 100 * DAY,
        category: Category::Probe,
        user: "",
        path: "/.env",
        agent: "",
    }]);
    let rows: Vec<AttackerRow> = ips.iter().map(|a| AttackerRow::of(a, Some(90), 2)).collect();
    let view = HistoryView {
        figures: crate::findings::PeriodFigures {
            store: format!("/srv/{HOSTILE}"),
            days: (100, 106),
            previous_days: (93, 99),
            days_held: 7,
            lines: 40,
            sources: vec![crate::findings::SourceRead {
                path: HOSTILE.into(),
                lines: 40,
                bytes: 4000,
                ..Default::default()
            }],
            attackers: crate::findings::Change { this: 1, previous: 4 },
            suspicious_events: crate::findings::Change { this: 1, previous: 0 },
            by_category: vec![(Category::Probe, crate::findings::Change { this: 1, previous: 0 })],
        },
        ..HistoryView::default()
    }
    .with_attackers(rows);
    assert!(base.history.is_none(), "a scan report has no history");
    ReportData::from_history(&ips, &tally, &policy(), view, DEFAULT_PANELS)
}

#[test]
fn history_report_shows_the_store_and_the_change() {
    let d = history_sample();
    assert!(d.files.is_empty(), "the store keeps no per-file counts of a period");
    assert_eq!((d.totals.files, d.totals.lines), (1, 40));
    let h = d.history.as_deref().unwrap();
    assert_eq!((h.new_total, h.returning_total), (0, 1));
    let page = render_page(&d);
    assert!(page.contains("<title>knocklog report 1970-04-11 to 1970-04-17 (UTC)</title>"));
    assert!(page.contains("id=\"knocklog-weekly\""));
    assert!(page.contains(r#"<span class="knocklog-down">-3 (-75 %)</span> on 4"#), "attackers fell");
    assert!(page.contains(r#"<span class="knocklog-up">+1 (none before)</span> on 0"#), "events rose from none");
    assert!(page.contains(">1970-04-01</td>"), "the returner's first suspicious day");
    assert!(!page.contains("Files read</th>"), "no files table: the store's sources instead");
    assert!(!page.contains("<script>document") && !page.contains("<img"), "hostile names are escaped");
    let frag = render_fragment(&d);
    for (i, _) in frag.match_indices("class=\"") {
        let value = &frag[i + 7..];
        for class in value[..value.find('"').unwrap()].split_whitespace() {
            assert!(class == "knocklog" || class.starts_with("knocklog-"), "unprefixed class {class:?}");
        }
    }
}

#[test]
fn the_tally_of_stored_lines_is_the_tally_of_events() {
    let mut streamed = EventTally::default();
    let mut stored = EventTally::default();
    for (category, user, counts) in [
        (Category::AuthBadUser, "root", true),
        (Category::AuthBadPassword, "alice", true),
        (Category::Probe, "", true),
        (Category::ScannerAgent, "bob", false),
        (Category::Denied, "bob", true),
    ] {
        let mut e = event(&Line { ip: "192.0.2.1", ts: 100 * DAY, category, user, path: "/", agent: "" });
        e.counts = counts;
        streamed.count(&e);
        stored.count_line(e.counts, e.ts, e.category, e.user());
    }
    assert_eq!(streamed, stored);
    assert_eq!(stored.day_category.values().sum::<u64>(), 4, "lines that do not count are not tallied");
    assert_eq!(stored.users["bob"], UserSplit { bad_user: 0, bad_password: 0, other: 1 });
}

/// Every `href="#x"` of a page, and whether an element has the id `x`.
fn dangling_anchors(page: &str) -> Vec<String> {
    let ids: std::collections::HashSet<&str> =
        page.match_indices(" id=\"").map(|(i, _)| &page[i + 5..i + 5 + page[i + 5..].find('"').unwrap()]).collect();
    page.match_indices("href=\"#")
        .map(|(i, _)| &page[i + 7..i + 7 + page[i + 7..].find('"').unwrap()])
        .filter(|target| !ids.contains(target))
        .map(str::to_owned)
        .collect()
}

#[test]
fn drill_down_ids_are_sanitised_and_unique() {
    let base = sample().visitors[0].clone();
    let visitors: Vec<VisitorRow> = ["a-b", "ax2db", HOSTILE, "2001:db8::5", "198.51.100.7"]
        .iter()
        .map(|ip| VisitorRow { ip: (*ip).into(), ..base.clone() })
        .collect();
    let links = Links::of(&visitors, 4);
    let ids: Vec<String> = visitors.iter().map(|v| links.target(&v.ip).unwrap()).collect();
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), ids.len(), "{ids:?}");
    for id in &ids {
        let rest = id.strip_prefix("knocklog-ip-").or_else(|| id.strip_prefix("knocklog-row-")).unwrap();
        assert!(rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{id}");
    }
    assert_eq!(ids[3], "knocklog-ip-2001_db8__5", "the first four have panels");
    assert_eq!(ids[4], "knocklog-row-198-51-100-7", "the others link to their row");
    assert_eq!(links.panel_id("ax2db"), Some("knocklog-ip-ax2db-2".into()), "a clash is numbered");
    assert_eq!(links.target("192.0.2.200"), None, "an address not listed is not a link");
}

#[test]
fn panels_are_capped_and_every_link_lands() {
    for cap in [0, 1, DEFAULT_PANELS] {
        let (ips, tally) = scan(&sample_lines());
        let d = ReportData::from_scan(&[], &ips, &tally, &policy(), cap);
        assert_eq!(d.panels.len(), cap.min(d.visitors.len()));
        assert_eq!(d.links.panels(), d.panels.len());
        let page = render_page(&d);
        assert_eq!(page.matches(r#"<article class="knocklog-panel""#).count(), d.panels.len());
        assert_eq!(dangling_anchors(&page), Vec::<String>::new(), "panels: {cap}");
        assert_eq!(dangling_anchors(&render_fragment(&d)), Vec::<String>::new());
        // Every address of the visitors table links somewhere (panel, or its own row).
        for v in &d.visitors {
            assert!(page.contains(&format!("id=\"{}\"", d.links.row_id(&v.ip).unwrap())));
        }
    }
    let d = sample();
    let sneak = &d.panels[0];
    assert_eq!(sneak.ip, "203.0.113.66");
    assert_eq!(sneak.days.len(), 4);
    assert_eq!(sneak.sessions_total, 4);
    let page = render_page(&d);
    assert!(page.contains(r##"<a href="#knocklog-ip-203-0-113-66">203.0.113.66</a>"##));
}

fn sample_lines() -> Vec<Line> {
    let mut lines = Vec::new();
    for (n, ip) in ["198.51.100.7", "203.0.113.66", "192.0.2.5"].iter().enumerate() {
        for i in 0..(2 + n as i64) {
            lines.push(Line {
                ip,
                ts: (100 + i) * DAY,
                category: Category::Probe,
                user: "",
                path: "/.env",
                agent: "curl/8.4.0",
            });
        }
    }
    lines
}

#[test]
fn user_agents_group_by_product_and_major_version() {
    use agents::group_key;
    assert_eq!(group_key("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000123)"), "Nikto/2");
    assert_eq!(
        group_key("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
        "Chrome/120"
    );
    assert_eq!(
        group_key("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"),
        "Safari/605"
    );
    assert_eq!(group_key("curl/8.4.0"), "curl/8");
    assert_eq!(group_key("masscan"), "masscan");
    assert_eq!(group_key("Mozilla/5.0"), "Mozilla/5");

    let agents: Vec<String> =
        (0..30).map(|i| format!("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:{i:06})")).collect();
    let lines: Vec<Line> = agents
        .iter()
        .enumerate()
        .map(|(i, a)| Line {
            ip: if i % 2 == 0 { "198.51.100.7" } else { "198.51.100.8" },
            ts: 100 * DAY + i as i64,
            category: Category::ScannerAgent,
            user: "",
            path: "/",
            agent: Box::leak(a.clone().into_boxed_str()),
        })
        .chain([Line {
            ip: "198.51.100.9",
            ts: 100 * DAY,
            category: Category::Probe,
            user: "",
            path: "/",
            agent: "curl/8.4.0",
        }])
        .collect();
    let (ips, tally) = scan(&lines);
    let d = ReportData::from_scan(&[], &ips, &tally, &policy(), DEFAULT_PANELS);
    assert_eq!(d.agents.len(), 2);
    let nikto = &d.agents[0];
    assert_eq!((nikto.key.as_str(), nikto.hits, nikto.ips, nikto.variants_total), ("Nikto/2", 30, 2, 30));
    assert_eq!(nikto.variants.len(), agents::MAX_VARIANTS);
    assert_eq!((d.totals.agents, d.totals.agent_groups), (31, 2));
    let page = render_page(&d);
    assert!(page.contains("<summary>30 variants</summary>"));
}

/// Over a long period the charts and the heat map count weeks, then months, and the
/// heat map keeps every returning address up to its cap, saying how many are beyond.
#[test]
fn long_periods_switch_to_weeks_and_months() {
    for (span, unit) in [(60, "day"), (200, "week"), (1000, "month")] {
        let lines: Vec<Line> = (0..(MAX_HEAT_ROWS + 3))
            .flat_map(|i| {
                let ip: &'static str = Box::leak(format!("10.0.{}.{}", i / 200, i % 200).into_boxed_str());
                [0, span].map(move |d| probe(ip, (100 + d) * DAY))
            })
            .collect();
        let (ips, tally) = scan(&lines);
        let d = ReportData::from_scan(&[], &ips, &tally, &policy(), 10);
        assert_eq!((d.heat.len(), d.totals.heat_rows), (MAX_HEAT_ROWS, MAX_HEAT_ROWS + 3));
        let page = render_page(&d);
        assert!(page.contains(&format!("Suspicious events per {unit}, by category")), "{span} days: {unit}");
        assert!(page.contains(&format!("Showing {MAX_HEAT_ROWS} of {} returning addresses", MAX_HEAT_ROWS + 3)));
        assert!(d.heat.windows(2).all(|w| w[0].score >= w[1].score), "heat rows by score");
        if unit != "day" {
            assert!(page.contains(&format!("on 1 of {} days", if unit == "week" { 7 } else { 30 })) || unit == "month");
        }
    }
}

/// Over the cap, the heat map shows the best-scored returning addresses, in order.
#[test]
fn the_heat_map_keeps_the_worst_returners() {
    let extra = 40;
    let lines: Vec<Line> = (0..(MAX_HEAT_ROWS + extra))
        .flat_map(|i| {
            let ip: &'static str = Box::leak(format!("10.1.{}.{}", i / 200, i % 200).into_boxed_str());
            // Scores in no order of the addresses: 1 to 50 lines a day.
            let per_day = 1 + (i * 37) % 50;
            (0..2 * per_day).map(move |n| probe(ip, (100 + (n % 2) as i64) * DAY + n as i64))
        })
        .collect();
    let (ips, tally) = scan(&lines);
    let d = ReportData::from_scan(&[], &ips, &tally, &policy(), 10);
    assert_eq!((d.heat.len(), d.totals.heat_rows), (MAX_HEAT_ROWS, MAX_HEAT_ROWS + extra));
    assert!(d.heat.windows(2).all(|w| w[0].score >= w[1].score), "heat rows by score");
    // The rows picked from the addresses in any order are the first rows of them all.
    let ip_of = |rows: &[HeatRow]| rows.iter().map(|h| h.ip.clone()).collect::<Vec<_>>();
    let mut refs: Vec<&Assessed> = ips.iter().collect();
    let (_, all) = super::heat_rows(&refs, usize::MAX);
    assert_eq!(ip_of(&d.heat), ip_of(&all[..MAX_HEAT_ROWS]));
    refs.reverse();
    let (found, picked) = super::heat_rows(&refs, MAX_HEAT_ROWS);
    assert_eq!((found, ip_of(&picked)), (MAX_HEAT_ROWS + extra, ip_of(&all[..MAX_HEAT_ROWS])));
}

#[test]
fn the_answer_comes_first_and_the_files_last() {
    let page = render_page(&sample());
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} missing"));
    let order = [
        "id=\"knocklog-answer\"",
        "id=\"knocklog-overview\"",
        "id=\"knocklog-access\"",
        "id=\"knocklog-campaigns\"",
        "id=\"knocklog-auth\"",
        "id=\"knocklog-sneak\"",
        "id=\"knocklog-paths\"",
        "id=\"knocklog-agents\"",
        "id=\"knocklog-addresses\"",
        "id=\"knocklog-files\"",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
    }
    assert!(page.contains("<strong>Block 2</strong> addresses"), "the verdict");
    assert!(page.contains("1 line unparsed — see <a href=\"#knocklog-files\">Files</a> at the end."));
    assert_eq!(page.matches("aria-label=\"Usernames tried\"").count(), 1, "one usernames table");
    assert!(!page.contains("Top usernames"));
}

#[test]
fn a_fleet_report_shows_what_spans_servers_escaped() {
    use crate::findings::{FleetOrigin, ServerSighting};
    let probe = |ip: &'static str, day: i64| Line {
        ip,
        ts: day * DAY,
        category: Category::Probe,
        user: "",
        path: "/.env",
        agent: "",
    };
    let (ips, tally) = scan(&[probe(HOSTILE, 100), probe("198.51.100.7", 101), probe("198.51.100.8", 102)]);
    let seen = |server: usize| ServerSighting {
        server,
        events: 1,
        suspicious_events: 1,
        active_days: 1,
        ..Default::default()
    };
    let fleet = FleetOrigin {
        servers: vec!["web-1".into(), "web-2".into()],
        sightings: [
            (HOSTILE.to_owned(), vec![seen(0), seen(1)]),
            ("198.51.100.7".to_owned(), vec![seen(0)]),
            ("198.51.100.8".to_owned(), vec![seen(1)]),
        ]
        .into(),
        spread_sneaks: [HOSTILE.to_owned()].into(),
    };
    let campaign = |id: u32, members: &[&str]| Campaign {
        id,
        shared: crate::aggregate::campaigns::Shared::Paths,
        evidence: "/.env".into(),
        ips: members.iter().map(|m| (*m).to_owned()).collect(),
        first_seen: 100 * DAY,
        last_seen: 102 * DAY,
        events: 2,
    };
    let campaigns = [campaign(1, &["198.51.100.7", "198.51.100.8"]), campaign(2, &["198.51.100.7"])];
    let attackers: Vec<&Assessed> = ips.iter().collect();
    let view = HistoryView {
        fleet: Some(fleet::FleetView::of(&fleet, &attackers, &campaigns, &Thresholds::default())),
        ..HistoryView::default()
    };
    let f = view.fleet.as_ref().unwrap();
    assert_eq!(f.spread.iter().map(|r| r.ip.as_str()).collect::<Vec<_>>(), [HOSTILE], "one address on both");
    assert_eq!(f.campaigns.len(), 1, "campaign 2 is on one server");
    assert_eq!(
        (f.campaigns[0].id, f.campaigns[0].servers.as_slice()),
        (1, &["web-1".to_owned(), "web-2".to_owned()][..])
    );
    let page = render_page(&ReportData::from_history(&ips, &tally, &policy(), view, DEFAULT_PANELS));
    assert!(page.contains(r##"<a href="#knocklog-campaign-1">1</a>"##) && page.contains("2 servers: web-1, web-2"));
    assert!(page.contains("over 2 servers."), "the answer says how many servers");
    assert!(!page.contains("<script>document") && !page.contains("<img"), "hostile addresses are escaped");
}
