//! `knocklog explain`: one line through the whole judgement — detected format, every
//! parsed field, the rule that matched, the category, and the allow-list/mode decision
//! with its reason. For writing pattern files and for "why was this flagged?".

use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

use super::EXIT_OK;
use crate::aggregate::file_stats::shape_of;
use crate::cli::ExplainArgs;
use crate::config::{parse_log_format, parse_zone, DetectConfig, UsageError};
use crate::detect::policy::Policy;
use crate::detect::{Classifier, Hit, Judge, Judgement};
use crate::input::discover;
use crate::input::lines::each_line;
use crate::parse::forwarded::Forwarding;
use crate::parse::{self, reads_addresses_of, LineReading};
use crate::vocab::address::{canonical, is_loopback, AddrKey};
use crate::vocab::event::{ClientSource, EventTag, Format, ParsedLine};
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
    writeln!(out, "line:      {}", for_terminal(&lossless(&line)))?;
    let judge = Judge::new(&classifier, &detect.policy);
    let ((reading, judgement), forwarding) = judge.read_forwarded_and_judge(forced.or(file_format), &line);
    let (format, kind, p) = match &reading {
        LineReading::Parsed { format, kind, parsed } => (*format, *kind, parsed),
        LineReading::Blank => {
            writeln!(out, "format:    none: a blank line")?;
            writeln!(out, "reading:   no address: counted under \"(blank)\" in summary.json's no_address_by_program")?;
            return Ok(EXIT_OK);
        }
        LineReading::Comment => {
            writeln!(out, "format:    none: a comment line")?;
            writeln!(
                out,
                "reading:   no address: counted under \"(comment)\" in summary.json's no_address_by_program"
            )?;
            return Ok(EXIT_OK);
        }
        LineReading::Unparsed => {
            writeln!(out, "format:    none: knocklog reads no format this line is in")?;
            writeln!(
                out,
                "reading:   unparsed: a scan counts it in `unparsed`, grouped by shape `{}` in summary.json's unparsed_shapes",
                for_terminal(&shape_of(&line))
            )?;
            return Ok(EXIT_OK);
        }
    };
    writeln!(out, "format:    {} (log kind {})", format.as_str(), kind.as_str())?;
    print_fields(&mut out, p, &zone)?;
    print_forwarding(&mut out, p, forwarding)?;
    match judgement {
        Some(j) => print_judgement(&mut out, &classifier, &detect.policy, p, j)?,
        None => {
            match judge.classify(&line, p, kind) {
                Some(h) => print_rule(&mut out, &classifier, h)?,
                None => writeln!(out, "rule:      none matched")?,
            }
            writeln!(out, "reading:   no address: {}", why_no_address(format, p))?;
            writeln!(out, "decision:  the line names no remote address; on its own it is not an event")?;
        }
    }
    Ok(EXIT_OK)
}

/// Why a line of a known format names no address, as a scan counts it (in
/// summary.json's `no_address`, under its program).
fn why_no_address(format: Format, p: &ParsedLine) -> String {
    if p.ambiguous_address {
        return "the line reads two ways: text the client wrote forged a second address where the daemon writes \
                one, so neither is taken (no address rather than a framed one); counted in ambiguous_address"
            .to_owned();
    }
    let program = lossless(p.program);
    if format != Format::Syslog {
        let name = if p.program.is_empty() { format.as_str().to_owned() } else { program };
        return format!(
            "a {} line without a client (start-up, configuration and child-process messages have none); counted under \"{}\"",
            format.as_str(),
            for_terminal(&name)
        );
    }
    if p.program.is_empty() {
        return "a syslog line without a program tag (`-- MARK --`, `last message repeated`); counted under \"syslog\""
            .to_owned();
    }
    let program = for_terminal(&program);
    match p.pid {
        Some(pid) if p.tag != EventTag::Other => format!(
            "this {program} message names no address ({}); a scan attributes it to the address process {pid} \
             named earlier in the file (within 2 hours), else counts it under \"{program}\"",
            p.tag.as_str()
        ),
        _ if reads_addresses_of(p.program) => format!(
            "knocklog reads addresses from {program}'s messages, and this kind names none; counted under \"{program}\""
        ),
        _ => format!(
            "knocklog reads no addresses from {program}'s messages (only those of sshd, PAM, web servers, FTP daemons \
             and the others GUIDE.md lists); counted under \"{program}\""
        ),
    }
}

/// The rule, the address and the decision for a line that names an address.
fn print_judgement(
    out: &mut impl Write,
    classifier: &Classifier,
    policy: &Policy,
    p: &ParsedLine,
    j: Judgement,
) -> std::io::Result<()> {
    match j.hit {
        Some(h) => print_rule(out, classifier, h)?,
        None => writeln!(out, "rule:      none matched")?,
    }
    let d = j.decision;
    writeln!(
        out,
        "address:   {}{}",
        for_terminal(&canonical(p.ip)),
        if policy.allow_ips.contains(AddrKey::of(p.ip)) { " (allowed)" } else { "" }
    )?;
    if is_loopback(&canonical(p.ip)) {
        let how = if policy.allow_ips.allows_loopback() {
            "allowed by default (--no-allow-loopback to count it)"
        } else {
            "counted like any address (--no-allow-loopback); never put on a blocklist"
        };
        writeln!(out, "loopback:  {how}")?;
    }
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
    Ok(())
}

/// Where the client address came from, when X-Forwarded-For had a say.
fn print_forwarding(out: &mut impl Write, p: &ParsedLine, forwarding: Forwarding) -> std::io::Result<()> {
    if !p.forwarded_for.is_empty() {
        writeln!(out, "forwarded: {}", for_terminal(&lossless(p.forwarded_for)))?;
    }
    let how = match forwarding {
        Forwarding::Forwarded { proxy, all_trusted } => {
            let which = if all_trusted {
                "every address in it is a trusted proxy, so the left-most"
            } else {
                "the right-most address that is no trusted proxy"
            };
            format!("from X-Forwarded-For via trusted proxy {} ({which})", for_terminal(&canonical(proxy)))
        }
        Forwarding::Unusable { element } => format!(
            "{} is a trusted proxy, but X-Forwarded-For element {} is no address: the proxy's address is kept",
            for_terminal(&canonical(p.ip)),
            for_terminal(&lossless(element))
        ),
        _ if p.client == ClientSource::ForwardedList => "the right-most element of the line's client field, an \
            X-Forwarded-For list; the line does not name the real peer (with no proxy in front of the server, \
            the client wrote the field)"
            .to_owned(),
        Forwarding::Untrusted => {
            "X-Forwarded-For ignored: the line's client is no --trusted-proxy, and anyone can send the header"
                .to_owned()
        }
        Forwarding::NoHeader => return Ok(()),
    };
    writeln!(out, "client:    {how}")
}

fn print_rule(out: &mut impl Write, classifier: &Classifier, hit: Hit) -> std::io::Result<()> {
    writeln!(out, "rule:      {} -> {}", for_terminal(classifier.rule_name(hit.rule)), hit.category.as_str())
}

fn print_fields(out: &mut impl Write, p: &ParsedLine, zone: &LocalZone) -> std::io::Result<()> {
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
    let fields: [(&str, &[u8]); 12] = [
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
        ("proxy", p.proxy),
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

/// Line `n` (from 1) of a file as a scan numbers it (a journal's entry `n` as the
/// syslog line a scan makes of it), and the format a scan reads the file in.
fn read_line(path: &Path, n: u64) -> anyhow::Result<(Vec<u8>, Option<Format>)> {
    let mut found = None;
    let seen = each_line(path, |i, line| {
        if i == n {
            found = Some(line.to_vec());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    let line = found.ok_or_else(|| UsageError(format!("{} has {seen} lines, fewer than {n}", path.display())))?;
    Ok((line, file_format(path)))
}

/// The format a scan reads a file in (by its name and first lines, as discovery
/// decides); None for a file a scan would pass over.
pub fn file_format(path: &Path) -> Option<Format> {
    let found = discover(&[path.to_path_buf()], None, parse::sniff_head);
    found.files.first().map(|f| f.format)
}
