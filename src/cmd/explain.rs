//! `knocklog explain`: one line through the whole judgement — detected format, every
//! parsed field, the rule that matched, the category, and the allow-list/mode decision
//! with its reason. For writing pattern files and for "why was this flagged?".

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::Context;

use super::EXIT_OK;
use crate::cli::ExplainArgs;
use crate::config::{parse_log_format, parse_zone, DetectConfig, UsageError};
use crate::input::journal;
use crate::input::source::{self, Compression};
use crate::parse;
use crate::vocab::address::{canonical, AddrKey};
use crate::vocab::event::{Format, ParsedLine};
use crate::vocab::text::{for_terminal, lossless};
use crate::vocab::time::{format_ts, year_month_of, LocalZone};

pub fn run(args: &ExplainArgs) -> anyhow::Result<u8> {
    let detect = DetectConfig::from_args(&args.detect)?;
    let classifier = detect.classifier()?;
    let zone = parse_zone(&args.timezone)?;
    let forced = parse_log_format(args.log_format.as_deref())?;
    let (line, file_format) = match (&args.line_text, &args.file, args.line) {
        (Some(text), None, None) => (text.as_bytes().to_vec(), None),
        (None, Some(file), Some(n)) if n > 0 => read_line(file, n)?,
        _ => return Err(UsageError("give a LINE, or --file FILE --line N (N from 1)".into()).into()),
    };
    let line = line.strip_suffix(b"\r").unwrap_or(&line).to_vec();
    let mut out = std::io::stdout().lock();
    let show = |s: &[u8]| for_terminal(&lossless(s));
    writeln!(out, "line:      {}", show(&line))?;

    let parsed = match forced.or(file_format) {
        Some(f) => parse::parse_line(f, &line).map(|p| (f, p)).or_else(|| parse::parse_other_format(f, &line)),
        None => Format::ALL.into_iter().find_map(|f| parse::parse_line(f, &line).map(|p| (f, p))),
    };
    let Some((format, p)) = parsed else {
        writeln!(out, "format:    none: knocklog reads no format this line is in (a scan counts it as unparsed)")?;
        return Ok(EXIT_OK);
    };
    let kind = if format == Format::Syslog { p.tag.kind_in_syslog(p.program) } else { format.log_kind() };
    writeln!(out, "format:    {} (log kind {})", format.as_str(), kind.as_str())?;
    print_fields(&mut out, &p, zone)?;

    let hit = classifier.classify(&line, &p, kind);
    match hit {
        Some(h) => {
            writeln!(out, "rule:      {} -> {}", for_terminal(classifier.rule_name(h.rule)), h.category.as_str())?
        }
        None => writeln!(out, "rule:      none matched")?,
    }
    if p.ip.is_empty() {
        writeln!(out, "decision:  the line names no remote address; it is not an event")?;
        if p.pid.is_some() {
            writeln!(
                out,
                "           (in a scan, an sshd line is attributed to the address its process id had earlier)"
            )?;
        }
        return Ok(EXIT_OK);
    }
    let policy = &detect.policy;
    let d = policy.judge(&classifier, hit, AddrKey::of(p.ip), p.user, p.tag);
    writeln!(
        out,
        "address:   {}{}",
        for_terminal(&canonical(p.ip)),
        if policy.allow_ips.contains(AddrKey::of(p.ip)) { " (allowed)" } else { "" }
    )?;
    writeln!(out, "mode:      {}", policy.mode.as_str())?;
    writeln!(out, "category:  {}", d.category.as_str())?;
    writeln!(
        out,
        "decision:  {} — {}",
        if d.counts() {
            "suspicious, counts against the address"
        } else if d.weak {
            "a weak signal: labelled, but never counts against an address on its own"
        } else {
            "does not count"
        },
        d.reason.describe()
    )?;
    if d.allowed_user_failure {
        writeln!(
            out,
            "           wrong password for an allowed user: up to {} of these are tolerated as typos",
            policy.thresholds.allowed_user_tolerance
        )?;
    }
    Ok(EXIT_OK)
}

fn print_fields(out: &mut impl Write, p: &ParsedLine, zone: LocalZone) -> std::io::Result<()> {
    let show = |s: &[u8]| for_terminal(&lossless(s));
    if let Some(t) = p.time {
        let year = if t.year == 0 { year_month_of(std::time::SystemTime::now()).0 } else { t.year };
        let when = t.to_utc_micros(year, zone).map(format_ts).unwrap_or_else(|| "invalid date".into());
        let note = if t.year == 0 {
            " (no year in the line: this year assumed; a scan infers it from the rotation)"
        } else {
            ""
        };
        writeln!(out, "time:      {when}{note}")?;
    }
    writeln!(out, "event:     {}", p.tag.as_str())?;
    let fields: [(&str, &[u8]); 11] = [
        ("ip", p.ip),
        ("user", p.user),
        ("vhost", p.vhost),
        ("method", p.method),
        ("path", p.path),
        ("protocol", p.protocol),
        ("referer", p.referer),
        ("agent", p.user_agent),
        ("host", p.host),
        ("program", p.program),
        ("message", p.message),
    ];
    for (name, value) in fields.iter().filter(|(_, v)| !v.is_empty()) {
        writeln!(out, "{:<10} {}", format!("{name}:"), show(value))?;
    }
    if p.status != 0 {
        writeln!(out, "status:    {}", p.status)?;
    }
    if let Some(b) = p.bytes {
        writeln!(out, "bytes:     {b}")?;
    }
    if let Some(pid) = p.pid {
        writeln!(out, "pid:       {pid}")?;
    }
    Ok(())
}

/// Line `n` (from 1) of a plain or gzip file, and the format the file's first lines are in.
fn read_line(path: &Path, n: u64) -> anyhow::Result<(Vec<u8>, Option<Format>)> {
    // A journal entry is explained as the syslog line a scan makes of it.
    if let Some(line) = journal::nth_entry_line(path, n).map_err(|e| UsageError(format!("{}: {e}", path.display())))? {
        return Ok((line, Some(Format::Syslog)));
    }
    let head = source::read_head(path, 64 * 1024).with_context(|| format!("cannot read {}", path.display()))?;
    let format = parse::sniff(head.bytes.split(|&c| c == b'\n'));
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader: Box<dyn Read> = match head.compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::None => Box::new(file),
        Compression::Unsupported(kind) => anyhow::bail!("{}: {kind}-compressed, decompress it first", path.display()),
    };
    let mut lines = BufReader::new(reader).split(b'\n');
    let line = lines.nth((n - 1) as usize).transpose().with_context(|| format!("reading {}", path.display()))?;
    let line = line.ok_or_else(|| UsageError(format!("{} has fewer than {n} lines", path.display())))?;
    Ok((line, format))
}
