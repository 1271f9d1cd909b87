//! What a scan tells the person at the terminal: problems with the input on stderr
//! (each naming its file and line), and on stdout the closing summary: what was read,
//! the worst addresses, sneak attackers, the blocklist, and where everything was written.
//! Every attacker-controlled string goes through `text::for_terminal`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::colour;
use super::summary::Summary;
use super::Formats;
use crate::aggregate::assess::Assessed;
use crate::aggregate::FileStats;
use crate::detect::policy::Verdict;
use crate::findings::{Findings, PeriodOrigin};
use crate::learn::file::kind_name;
use crate::learn::Suggestion;
use crate::vocab::event::Category;
use crate::vocab::text::for_terminal;
use crate::vocab::time::{format_day, format_ts};

/// Prints each file's warnings and skipped lines on stderr; returns how many files
/// could not be read whole (exit code 2: unreadable, truncated, changed, corrupt or over
/// a cap). Unparsed lines and odd dates are what the logs hold, read whole: they are
/// counted in summary.json, not problems.
pub fn report_file_problems(files: &[FileStats]) -> usize {
    let mut damaged = 0;
    for f in files {
        let path = for_terminal(&f.path);
        for w in &f.warnings {
            eprintln!("knocklog: {}: {w}", colour::err(colour::WARNING, &path));
        }
        for n in &f.notes {
            eprintln!("knocklog: {path}: {}: {n}", colour::err(colour::NOTE, "note"));
        }
        // Over-long lines were not read whole either.
        if !f.warnings.is_empty() || f.counts.overlong_lines > 0 {
            damaged += 1;
        }
        if f.counts.unparsed > 0 {
            eprintln!(
                "knocklog: {path}: {} of {} lines are not {} lines and were skipped; their commonest shapes:",
                f.counts.unparsed, f.counts.lines, f.format
            );
            for shape in f.unparsed_shapes.top(3) {
                let example = shorten(&for_terminal(&shape.example), 100);
                match shape.lines {
                    1 => eprintln!("knocklog:     line {}: {example}", shape.line_no),
                    n => eprintln!("knocklog:     {n} lines like line {}: {example}", shape.line_no),
                }
            }
        }
        if f.counts.overlong_lines > 0 {
            eprintln!(
                "knocklog: {path}: {} lines are longer than --max-line-bytes: that much of each was read, {} bytes skipped",
                f.counts.overlong_lines,
                f.counts.overlong_bytes_skipped
            );
        }
        if f.counts.bad_time > 0 {
            eprintln!(
                "knocklog: {path}: {} lines have an impossible date and were kept without a time",
                f.counts.bad_time
            );
        }
    }
    if let Some(note) = empty_window(files) {
        eprintln!("knocklog: {}: {note}", colour::err(colour::NOTE, "note"));
    }
    damaged
}

/// When `--since`/`--until` left no line in the window: says so, for the run would
/// otherwise read as a quiet one.
fn empty_window(files: &[FileStats]) -> Option<String> {
    let outside: u64 = files.iter().map(|f| f.counts.out_of_range).sum();
    let inside = files.iter().any(|f| f.first_micros.is_some());
    (outside > 0 && !inside).then(|| {
        format!("no line falls in the --since/--until window: all {outside} lines with a time are outside it, so nothing was judged")
    })
}

/// The tables and summary the scan wrote, for the closing lines.
pub fn tables_written(out: &Path, formats: Formats) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for name in std::iter::once("events").chain(super::write::SCAN_TABLES) {
        if formats.csv {
            paths.push(out.join(format!("{name}.csv")));
        }
        if formats.parquet {
            paths.push(out.join(format!("{name}.parquet")));
        }
    }
    paths.push(out.join("summary.json"));
    paths
}

fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

pub fn print_summary(
    summary: &Summary,
    findings: &Findings,
    elapsed: std::time::Duration,
    out_dir: &Path,
    written: &[PathBuf],
) -> anyhow::Result<()> {
    let ips = &findings.ips;
    let t = &summary.totals;
    let mut out = std::io::stdout().lock();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let share = |n: u64| if t.lines == 0 { 0.0 } else { 100.0 * n as f64 / t.lines as f64 };
    writeln!(
        out,
        "Read {} files ({} skipped), {} lines in {:.2}s ({:.0} lines/s, {:.1} MB/s).",
        t.files,
        t.files_skipped,
        t.lines,
        secs,
        t.lines as f64 / secs,
        t.content_bytes as f64 / secs / 1e6
    )?;
    // Which files were passed over: "(1 skipped)" alone names none.
    for s in summary.skipped.iter().take(SKIPPED_SHOWN) {
        writeln!(out, "  skipped {}: {}", for_terminal(&s.path), for_terminal(&s.reason))?;
    }
    if summary.skipped.len() > SKIPPED_SHOWN {
        writeln!(out, "  ... and {} more in summary.json", summary.skipped.len() - SKIPPED_SHOWN)?;
    }
    writeln!(
        out,
        "Parsed {} lines ({:.2}%), unparsed {} ({:.2}%).",
        t.parsed,
        share(t.parsed),
        t.unparsed,
        share(t.unparsed)
    )?;
    if let (Some(a), Some(b)) = (&t.first_ts, &t.last_ts) {
        writeln!(out, "Period: {a} .. {b} (UTC).")?;
    } else if let Some(note) = empty_window(summary.files) {
        writeln!(out, "Period: none: {note}.")?;
    }
    let count = |v: Verdict| ips.iter().filter(|a| a.verdict == v).count();
    let counted: u64 = ips.iter().map(|a| a.stats.suspicious_events()).sum();
    writeln!(
        out,
        "{} suspicious addresses: {} to block ({} sneak attackers), {} to watch; {} events written to {} \
         ({counted} count against their address, as in the report; weak signals and --all-events lines do not).",
        ips.iter().filter(|a| a.is_suspect()).count(),
        count(Verdict::Block),
        ips.iter().filter(|a| a.sneak).count(),
        count(Verdict::Watch),
        t.events_written,
        for_terminal(&out_dir.display().to_string()),
    )?;
    if let Some(b) = &summary.blocklist {
        let left_out: usize = b.excluded.values().sum();
        let why: Vec<String> = b.excluded.iter().map(|(w, n)| format!("{n} {}", w.replace('_', " "))).collect();
        writeln!(
            out,
            "Blocklist: {} entries ({} IPv4, {} IPv6, {} proposed ranges) in blocklist.txt, .nft, .ipset, .iptables, .ip6tables{}.",
            b.entries,
            b.entries_v4,
            b.entries_v6,
            b.ranges_proposed.len(),
            if left_out == 0 { String::new() } else { format!("; {left_out} {} addresses left out ({})", b.verdict, why.join(", ")) }
        )?;
    }
    if let Some(line) = enrichment_line(summary) {
        writeln!(out, "{line}")?;
    }
    let worst: Vec<&Assessed> = ips.iter().filter(|a| a.verdict != Verdict::None).take(WORST_SHOWN).collect();
    if !worst.is_empty() {
        writeln!(out, "\n{}", colour::out(colour::HEADING, "Worst first:"))?;
        let header = format!(
            "  {:<28} {:<7} {:>7} {:>6} {:>5}  {:<20}  categories",
            "ip", "verdict", "score", "susp", "days", "last seen"
        );
        writeln!(out, "{}", colour::out(colour::HEADING, &header))?;
        // The categories column takes what the terminal has left (at least 16).
        let fixed = header.len() - "categories".len();
        let categories_width = colour::stdout_width().map(|w| w.saturating_sub(fixed).max(16));
        for a in worst {
            let s = a.stats.suspicion.as_deref();
            // Whole seconds keep the columns aligned; the tables keep the microseconds.
            let when = a.stats.last_seen.map(|t| format_ts(t - t.rem_euclid(1_000_000))).unwrap_or_else(|| "-".into());
            let categories: Vec<&str> = Category::ALL
                .iter()
                .filter(|c| s.is_some_and(|s| s.by_category[c.index()] > 0))
                .map(|c| c.as_str())
                .collect();
            let style = match a.verdict {
                Verdict::Block => colour::BLOCK,
                _ => colour::WATCH,
            };
            let mut categories = categories.join(",");
            for trip in &a.trips {
                categories.push_str(if categories.is_empty() { "+" } else { " +" });
                categories.push_str(trip.rule.as_str());
            }
            if let Some(id) = a.campaign {
                categories.push_str(&format!(" (campaign {id})"));
            }
            if a.previous_blocks > 0 {
                categories.push_str(&format!(" (blocked before on {} days)", a.previous_blocks));
            }
            if a.sneak {
                categories.push_str(" (sneak)");
            }
            if let Some(width) = categories_width {
                categories = shorten(&categories, width.saturating_sub(3));
            }
            writeln!(
                out,
                "  {:<28} {} {:>7.0} {:>6} {:>5}  {:<20}  {}",
                for_terminal(&a.ip),
                colour::out(style, &format!("{:<7}", a.verdict.as_str())),
                a.score,
                a.stats.suspicious_events(),
                s.map_or(0, |s| s.daily.len()),
                when,
                categories,
            )?;
        }
        let more = ips.iter().filter(|a| a.verdict != Verdict::None).count().saturating_sub(WORST_SHOWN);
        if more > 0 {
            writeln!(out, "  ... and {more} more in ips")?;
        }
        writeln!(
            out,
            "  (score: points, each suspicious event weighed by its category, 10 a day more for a sneak \
             attacker, 10 per behaviour rule (+rule); susp: suspicious events; days: days with one)"
        )?;
    }
    if !findings.campaigns.is_empty() {
        let c = &findings.campaigns[0];
        writeln!(
            out,
            "\n{} {}; the largest, campaign 1: {} addresses sharing {} ({}). All in campaigns.",
            colour::out(colour::HEADING, "Campaigns:"),
            findings.campaigns.len(),
            c.ips.len(),
            c.shared.as_str(),
            for_terminal(&shorten(&c.evidence, 80)),
        )?;
    }
    let sneaks: Vec<String> = ips
        .iter()
        .filter(|a| a.sneak)
        .take(10)
        .map(|a| {
            let s = a.stats.suspicion.as_deref();
            format!(
                "{} ({} days, {} events)",
                for_terminal(&a.ip),
                s.map_or(0, |s| s.daily.len()),
                a.stats.suspicious_events()
            )
        })
        .collect();
    if !sneaks.is_empty() {
        let n = ips.iter().filter(|a| a.sneak).count();
        let more = if n > sneaks.len() { format!(", ... {} more", n - sneaks.len()) } else { String::new() };
        let heading = colour::out(colour::SNEAK, "Sneak attackers (quiet returners):");
        writeln!(out, "\n{heading} {}{more}", sneaks.join(", "))?;
    }
    writeln!(out)?;
    let (pages, tables): (Vec<_>, Vec<_>) = written.iter().partition(|p| p.extension().is_some_and(|e| e == "html"));
    for p in pages {
        writeln!(out, "Report: {}", for_terminal(&p.display().to_string()))?;
    }
    // "events, ips, ... (.csv .parquet)": one name per table, the formats once.
    let (mut stems, mut exts): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for p in tables.iter().filter(|p| p.extension().is_some_and(|e| e != "json")) {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let ext = p.extension().map(|s| format!(".{}", s.to_string_lossy())).unwrap_or_default();
        if !stems.contains(&stem) {
            stems.push(stem);
        }
        if !exts.contains(&ext) {
            exts.push(ext);
        }
    }
    writeln!(
        out,
        "Tables: {} ({}) and summary.json in {}",
        stems.join(", "),
        exts.join(" "),
        for_terminal(&out_dir.display().to_string())
    )?;
    Ok(())
}

/// `--json`: the closing summary as one object, for scripts: totals, what was skipped,
/// the blocklist, the worst addresses (as "Worst first" lists them) and the outputs.
/// The caller adds the exit code and its reason.
/// "Labels: 34 of 59 addresses in a --ranges range, 54 with a country ...; crawler
/// claims: 3 verified, 1 fake." None when there is nothing to say.
fn enrichment_line(summary: &Summary) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(e) = &summary.enrichment {
        let n = |k: &str| e["labelled"][k].as_u64().unwrap_or(0);
        let all = e["addresses"].as_u64().unwrap_or(0);
        let kinds: Vec<&str> =
            e["sources"].as_array().into_iter().flatten().filter_map(|s| s["kind"].as_str()).collect();
        let mut labels = Vec::new();
        for (kind, key, what) in [
            ("ranges", "range_label", "in a --ranges range"),
            ("geoip", "country", "with a country"),
            ("asn", "asn", "with an AS"),
        ] {
            if kinds.contains(&kind) {
                labels.push(format!("{} {what}", n(key)));
            }
        }
        if !labels.is_empty() {
            parts.push(format!("of {all} addresses, {}", labels.join(", ")));
        }
    }
    if !summary.crawler_checks.is_empty() {
        let checks: Vec<String> = summary.crawler_checks.iter().map(|(k, n)| format!("{n} {k}")).collect();
        parts.push(format!("crawler claims {} (ips.crawler_check)", checks.join(", ")));
    }
    (!parts.is_empty()).then(|| format!("Enrichment: {}.", parts.join("; ")))
}

pub fn summary_json(summary: &Summary, findings: &Findings, out_dir: &Path, written: &[PathBuf]) -> serde_json::Value {
    let ips = &findings.ips;
    let worst: Vec<serde_json::Value> = ips
        .iter()
        .filter(|a| a.verdict != Verdict::None)
        .take(WORST_SHOWN)
        .map(|a| {
            let s = a.stats.suspicion.as_deref();
            let categories: Vec<&str> = Category::ALL
                .iter()
                .filter(|c| s.is_some_and(|s| s.by_category[c.index()] > 0))
                .map(|c| c.as_str())
                .collect();
            serde_json::json!({
                "ip": a.ip,
                "verdict": a.verdict.as_str(),
                "score": a.score,
                "sneak": a.sneak,
                "suspicious_events": a.stats.suspicious_events(),
                "days": s.map_or(0, |s| s.daily.len()),
                "last_seen": a.stats.last_seen.map(format_ts),
                "categories": categories,
                "behaviour": a.trips.iter().map(|t| t.rule.as_str()).collect::<Vec<_>>(),
                "campaign": a.campaign,
                "previous_blocks": a.previous_blocks,
            })
        })
        .collect();
    serde_json::json!({
        "totals": summary.totals,
        "skipped": summary.skipped,
        "blocklist": summary.blocklist,
        "verdicts": {
            "block": ips.iter().filter(|a| a.verdict == Verdict::Block).count(),
            "watch": ips.iter().filter(|a| a.verdict == Verdict::Watch).count(),
            "sneak": ips.iter().filter(|a| a.sneak).count(),
        },
        "campaigns": findings.campaigns.iter().take(WORST_SHOWN).map(|c| serde_json::json!({
            "campaign": c.id,
            "shared": c.shared.as_str(),
            "addresses": c.ips.len(),
            "evidence": c.evidence,
        })).collect::<Vec<_>>(),
        "worst": worst,
        "enrichment": summary.enrichment,
        "crawler_checks": summary.crawler_checks,
        "out": out_dir.display().to_string(),
        "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

/// `knocklog learn`'s numbered list of suggestions, with their evidence.
pub fn print_suggestions(
    out: &mut impl Write,
    suggestions: &[Suggestion],
    attackers: usize,
    overflow: u64,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "{} suggested attack patterns, learned from {attackers} attacker addresses (ranked by attacker addresses, then hits: their lines that match).",
        suggestions.len()
    )?;
    if overflow > 0 {
        writeln!(
            out,
            "({overflow} lines were not weighed: the per-thread limit of distinct request shapes was reached.)"
        )?;
    }
    if suggestions.is_empty() {
        return Ok(());
    }
    let width = suggestions.len().to_string().len();
    writeln!(
        out,
        "\n  {:>width$}  {:<9} {:>9} {:>7} {:>6} {:>5}  pattern",
        "#", "kind", "attackers", "hits", "benign", "conf"
    )?;
    for (i, s) in suggestions.iter().enumerate() {
        writeln!(
            out,
            "  {:>width$}  {:<9} {:>9} {:>7} {:>6} {:>5.2}  {}",
            i + 1,
            kind_name(s.kind),
            // `~`: estimated from a sample of a popular request's addresses.
            format!("{}{}", if s.sampled { "~" } else { "" }, s.attacker_ips),
            s.attacker_hits,
            s.benign_ips,
            s.confidence,
            for_terminal(&s.pattern)
        )?;
        if !s.example.is_empty() {
            writeln!(out, "  {:>width$}  e.g. {}", "", shorten(&for_terminal(&s.example), 150))?;
        }
        writeln!(out, "  {:>width$}  check {}", "", s.check)?;
    }
    Ok(())
}

/// After a scan's summary: how many patterns were suggested, and where.
pub fn print_suggestions_note(suggestions: &[Suggestion], out_dir: &Path) -> anyhow::Result<()> {
    if suggestions.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let top: Vec<String> = suggestions.iter().take(3).map(|s| for_terminal(&s.pattern)).collect();
    writeln!(
        out,
        "\n{} new attack patterns suggested in {} (top: {}); review them with `knocklog learn`.",
        suggestions.len(),
        for_terminal(&out_dir.join(crate::learn::SUGGESTIONS_FILE).display().to_string()),
        top.join("  ")
    )?;
    Ok(())
}

/// The closing lines of a store period's report: the period, attackers new and
/// returning against the period before, verdicts, and what was written where.
pub fn print_period_summary(
    findings: &Findings,
    period: &PeriodOrigin,
    out_dir: &Path,
    written: &[PathBuf],
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let attackers = period.figures.attackers.this;
    let returning = findings.returning(period);
    let days = period.figures.days.1 - period.figures.days.0 + 1;
    writeln!(
        out,
        "Report {} ({} of {} days held), against {}.",
        describe_days(period.figures.days),
        period.figures.days_held,
        days,
        describe_days(period.figures.previous_days)
    )?;
    writeln!(
        out,
        "{} attackers ({}), {} new and {} returning; {} suspicious events ({}).",
        attackers,
        change(attackers, period.figures.attackers.previous),
        attackers - returning,
        returning,
        period.figures.suspicious_events.this,
        change(period.figures.suspicious_events.this, period.figures.suspicious_events.previous)
    )?;
    let verdicts = findings.verdict_counts();
    writeln!(
        out,
        "{} to block ({} sneak attackers), {} to watch; blocklist: {} entries.",
        verdicts.block,
        verdicts.sneak,
        verdicts.watch,
        findings.blocklist.entries.len(),
    )?;
    if let Some(fleet) = &period.fleet {
        writeln!(
            out,
            "Across {} servers ({}): {} listed addresses seen on more than one, {} sneak attackers only over the fleet.",
            fleet.servers.len(),
            fleet.servers.join(", "),
            fleet.on_several_servers(),
            fleet.spread_sneaks.len()
        )?;
    }
    for p in written {
        writeln!(out, "Report: {}", for_terminal(&p.display().to_string()))?;
    }
    writeln!(
        out,
        "Tables: {}, events, blocklist files and report.json in {}",
        super::write::period_tables(period).join(", "),
        for_terminal(&out_dir.display().to_string())
    )?;
    Ok(())
}

/// `2026-01-05 .. 2026-01-11`.
pub fn describe_days((first, last): (i32, i32)) -> String {
    format!("{} .. {}", format_day(first), format_day(last))
}

/// `+25% on the period before`, `no change`, ... against the previous period.
fn change(this: u64, previous: u64) -> String {
    match previous {
        0 if this == 0 => "no change".into(),
        0 => "none the period before".into(),
        p => format!("{:+.0}% on the period before", (this as f64 - p as f64) * 100.0 / p as f64),
    }
}

/// Skipped files named under the first line.
const SKIPPED_SHOWN: usize = 5;

/// Addresses listed under "Worst first".
const WORST_SHOWN: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn file(unparsed: u64, warnings: &[&str]) -> FileStats {
        let mut f = FileStats { path: "/var/log/access.log".into(), format: "access".into(), ..Default::default() };
        f.counts.lines = 10;
        f.counts.unparsed = unparsed;
        f.warnings = warnings.iter().map(|w| w.to_string()).collect();
        f
    }

    #[test]
    fn a_window_that_holds_no_line_is_said() {
        let mut f = file(0, &[]);
        f.counts.out_of_range = 10;
        assert!(empty_window(&[f.clone()]).unwrap().contains("all 10 lines with a time are outside it"));
        f.first_micros = Some(0);
        assert_eq!(empty_window(&[f]), None);
        assert_eq!(empty_window(&[file(0, &[])]), None, "no window, or no line with a time");
    }

    #[test]
    fn unparsed_lines_are_no_input_problem_but_damage_is_one_per_file() {
        assert_eq!(report_file_problems(&[file(3, &[])]), 0, "unparsed lines were read whole");
        let damaged = [file(0, &["read error at byte 0: x", "truncated"]), file(1, &["changed while read"])];
        assert_eq!(report_file_problems(&damaged), 2, "two files could not be read whole");
    }
}
