//! The hot loop: one newline-aligned chunk of one file -> parsed lines -> per-IP
//! statistics and the events worth keeping. Runs on many threads at once; everything
//! it produces is merged later by the collector, in input order.

use rustc_hash::FxHashMap;

use super::pam_pairing::{Answered, Waiting, WaitingPam};
use super::thread_tables::WorkerTables;
use crate::aggregate::crawlers::CrawlerClaim;
use crate::aggregate::file_stats::{LineCounts, NoAddressPrograms, UnparsedExample, UnparsedShapes, UNPARSED_EXAMPLES};
use crate::aggregate::history_lines::{RequestRow, WorkerHistory};
use crate::aggregate::ip_stats::{Slot, SuspiciousLine};
use crate::detect::policy::{Decision, Mode};
use crate::detect::{sshd_pam_role, SshdPamRole};
use crate::detect::{Hit, Judge};
use crate::input::journal::JournalKeys;
use crate::input::years::YearPlan;
use crate::parse::{self, util::is_blank};
use crate::vocab::address::{canonical, AddrKey};
use crate::vocab::event::Category;
use crate::vocab::event::{ClientSource, Event, EventTag, Format, LogKind, ParsedLine};
use crate::vocab::progress::BytesRead;
use crate::vocab::text::lossless;
use crate::vocab::time::{LocalZone, MICROS_PER_SEC};

/// What the worker needs to know about the file a chunk comes from.
pub struct FileCtx<'a> {
    pub file: u32,
    pub judge: Judge<'a>,
    pub format: Format,
    pub years: Option<&'a YearPlan>,
    /// Year for yearless stamps when there is no plan (the file's mtime year).
    pub fallback_year: i32,
    pub zone: &'a LocalZone,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub all_events: bool,
    /// Count what `--history` keeps of the lines that become no event.
    pub history: bool,
    /// The journal entries read before this text file: a line repeating one is skipped.
    pub journal_keys: Option<&'a JournalKeys>,
    /// Count unjudged requests for learning (off with `--no-learn`).
    pub learn: bool,
    /// Where the bytes read are counted.
    pub bytes_read: &'a BytesRead,
    /// Lines are cut at this many bytes (the readers cut the ones crossing a chunk's end).
    pub max_line: usize,
}

/// An sshd-style session: which address a (host, pid) was talking to, and when.
pub type PidKey = (Box<[u8]>, u32);

#[derive(Clone, Debug)]
pub struct PidBinding {
    pub ip: Box<[u8]>,
    pub ts: Option<i64>,
}

/// How long after its last line a pid's address is still trusted for a line that
/// names no address (sshd sessions last minutes; pids are reused much later).
pub const PID_BINDING_MICROS: i64 = 2 * 3600 * MICROS_PER_SEC;

/// An event that names no address, waiting for an earlier chunk's pid binding.
#[derive(Debug)]
pub struct PendingEvent {
    pub key: PidKey,
    pub event: Event,
    /// What the classifier made of the line; the policy decides once the address is known.
    pub hit: Option<Hit>,
}

/// Everything one chunk yields. Line numbers are 1-based within the chunk; the
/// collector shifts them once it knows how many lines came before.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    pub counts: LineCounts,
    pub unparsed_examples: Vec<UnparsedExample>,
    pub unparsed_shapes: UnparsedShapes,
    /// The chunk's `counts.no_address` per program, but for its pending events: those
    /// the collector counts once it knows whether a pid binding names their address.
    pub no_address_programs: NoAddressPrograms,
    pub events: Vec<Event>,
    pub pending: Vec<PendingEvent>,
    /// The last binding of each (host, pid) in this chunk.
    pub pid_bindings: FxHashMap<PidKey, PidBinding>,
    /// PAM module failures inside sshd still waiting for sshd's verdict at the chunk's
    /// end (see `pam_pairing`): the collector settles them.
    pub pam_waiting: Waiting,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
}

/// Lines parsed ahead of the ones being counted. While the parser works through them,
/// the index slots of their addresses load; then their statistics are prefetched, all
/// before the first is counted. The cache misses of many lines overlap instead of
/// stalling each line in turn.
const READ_AHEAD: usize = 16;

/// A line that is counted but not parsed.
#[derive(Clone, Copy)]
enum Filler {
    Blank,
    Comment,
}

/// A line split and parsed ahead (see `READ_AHEAD`).
struct AheadLine<'a> {
    line: &'a [u8],
    /// Byte offset of the line in the file's content.
    offset: u64,
    filler: Option<Filler>,
    /// The file format's parse; None for filler lines too.
    primary: Option<ParsedLine<'a>>,
    /// The line's learning shape, when the read-ahead found it (access lines).
    shape: Option<u32>,
}

/// Parses every line of `data`, which starts at byte `base` of the file's content,
/// counting into `tables` (the calling thread's own).
pub fn scan_chunk(ctx: &FileCtx, data: &[u8], base: u64, tables: &mut WorkerTables) -> ChunkOutput {
    let mut out = ChunkOutput::default();
    out.counts.content_bytes = data.len() as u64;
    let mut ahead: Vec<AheadLine> = Vec::with_capacity(READ_AHEAD);
    let learn_ahead = ctx.learn && ctx.format == Format::Access;
    let mut start = 0usize;
    while start < data.len() {
        while ahead.len() < READ_AHEAD && start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            let mut raw = &data[start..end];
            if raw.len() > ctx.max_line {
                out.counts.overlong_lines += 1;
                out.counts.overlong_bytes_skipped += (raw.len() - ctx.max_line) as u64;
                raw = &raw[..ctx.max_line];
            }
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            let offset = base + start as u64;
            start = end + 1;
            let filler = if is_blank(line) {
                Some(Filler::Blank)
            } else if parse::is_comment(line) {
                Some(Filler::Comment)
            } else {
                None
            };
            let mut primary = if filler.is_some() { None } else { parse::parse_line(ctx.format, line) };
            if let Some(p) = &mut primary {
                ctx.judge.forwarded_client(p);
            }
            if let Some(v4) = primary.as_ref().and_then(|p| p.ip_v4) {
                tables.ips.prefetch_v4_index(v4);
            }
            ahead.push(AheadLine { line, offset, filler, primary, shape: None });
        }
        for a in &mut ahead {
            let Some(p) = &a.primary else { continue };
            if let Some(v4) = p.ip_v4 {
                tables.ips.prefetch_v4_stats(v4);
                if learn_ahead && !p.path.is_empty() {
                    a.shape = tables.learn.find_ahead(AddrKey::V4(v4), p.path, p.user_agent);
                }
            }
        }
        // By reference: a parsed line is 200 bytes, and moving each one again was
        // a visible part of the loop.
        for a in &ahead {
            scan_line(ctx, &mut out, tables, a);
        }
        ahead.clear();
    }
    if let Some(last) = out.last_ts {
        count_unanswered_pam(ctx, &mut out, tables, last);
    }
    // Settled PAM failures join the events late: put them back in line order.
    if out.events.windows(2).any(|w| w[0].line_no > w[1].line_no) {
        out.events.sort_by_key(|e| e.line_no);
    }
    out
}

/// Counts the PAM failures no verdict answered by `now` (see `pam_pairing`).
fn count_unanswered_pam(ctx: &FileCtx, out: &mut ChunkOutput, tables: &mut WorkerTables, now: i64) {
    let gap = ctx.judge.policy.thresholds.session_gap_micros();
    for waiting in out.pam_waiting.unanswered_by(now) {
        let stats = tables.ips.entry(&waiting.ip);
        out.events.push(waiting.count(stats, gap));
    }
}

/// Counts one line into `out` and `tables`.
fn scan_line(ctx: &FileCtx, out: &mut ChunkOutput, tables: &mut WorkerTables, ahead: &AheadLine) {
    let AheadLine { line, offset, filler, ref primary, shape } = *ahead;
    out.counts.lines += 1;
    if let Some(filler) = filler {
        out.counts.no_address += 1;
        match filler {
            Filler::Blank => {
                out.counts.blank += 1;
                out.no_address_programs.count(b"(blank)", 1);
            }
            Filler::Comment => {
                out.counts.comments += 1;
                out.no_address_programs.count(b"(comment)", 1);
            }
        }
        return;
    }
    let track_pids = ctx.format == Format::Syslog;
    let kind;
    let format;
    let fallback;
    let parsed: &ParsedLine = match primary {
        Some(p) => {
            kind = parse::line_kind(ctx.format, p);
            format = ctx.format;
            p
        }
        None => {
            fallback = parse::parse_other_format(ctx.format, line).map(|(format, mut p)| {
                ctx.judge.forwarded_client(&mut p);
                (format, p)
            });
            match &fallback {
                Some((f, p)) => {
                    kind = parse::line_kind(*f, p);
                    format = *f;
                    p
                }
                None => {
                    out.counts.unparsed += 1;
                    out.unparsed_shapes.count(out.counts.lines, line);
                    if out.unparsed_examples.len() < UNPARSED_EXAMPLES {
                        out.unparsed_examples
                            .push(UnparsedExample { line_no: out.counts.lines, text: lossless(truncate(line, 300)) });
                    }
                    return;
                }
            }
        }
    };
    out.counts.parsed += 1;
    // Counted now unless it waits for a pid binding (then the collector counts it).
    let mut address_counted = false;
    if !parsed.ip.is_empty() {
        out.counts.with_address += 1;
        address_counted = true;
    }
    out.counts.forwarded_clients += u64::from(parsed.client != ClientSource::Peer);
    let ts = match parsed.time {
        Some(t) => {
            let year = ctx.years.map_or(ctx.fallback_year, |p| p.year_at(offset));
            let ts = t.to_utc_micros(year, ctx.zone);
            if ts.is_none() {
                out.counts.bad_time += 1;
            }
            ts
        }
        None => None,
    };
    if let Some(ts) = ts {
        if ctx.since.is_some_and(|s| ts < s) || ctx.until.is_some_and(|u| ts >= u) {
            out.counts.out_of_range += 1;
            if !address_counted {
                count_no_address(out, format, parsed);
            }
            return;
        }
        out.first_ts = Some(out.first_ts.map_or(ts, |f| f.min(ts)));
        out.last_ts = Some(out.last_ts.map_or(ts, |l| l.max(ts)));
        if ctx.journal_keys.is_some_and(|k| k.contains(ts, parsed.host, parsed.program, parsed.pid, parsed.message)) {
            out.counts.duplicates += 1;
            if !address_counted {
                count_no_address(out, format, parsed);
            }
            // The journal copy counts the line; its address still explains later lines.
            if let (true, Some(pid)) = (track_pids && !parsed.ip.is_empty(), parsed.pid) {
                out.pid_bindings.insert((parsed.host.into(), pid), PidBinding { ip: parsed.ip.into(), ts: Some(ts) });
            }
            return;
        }
    }
    if let (false, Some(ts)) = (out.pam_waiting.is_empty(), ts) {
        count_unanswered_pam(ctx, out, tables, ts);
    }
    let mut resolved: Option<Box<[u8]>> = None;
    if track_pids {
        if let Some(pid) = parsed.pid {
            // The key is built only for the lines that bind or need a binding: most
            // syslog lines with a pid (cron, systemd...) do neither.
            if !parsed.ip.is_empty() {
                out.pid_bindings.insert((parsed.host.into(), pid), PidBinding { ip: parsed.ip.into(), ts });
            } else if parsed.tag != EventTag::Other {
                let key: PidKey = (parsed.host.into(), pid);
                match out.pid_bindings.get(&key).filter(|b| binding_fresh(b, ts)) {
                    Some(binding) => resolved = Some(binding.ip.clone()),
                    None => {
                        let hit = ctx.judge.classify(line, parsed, kind);
                        let event = build_event(ctx.file, kind, out.counts.lines, ts, parsed, b"", None);
                        out.pending.push(PendingEvent { key, event, hit });
                        return;
                    }
                }
            }
        }
    }
    let ip: &[u8] = resolved.as_deref().unwrap_or(parsed.ip);
    if ip.is_empty() {
        count_no_address(out, format, parsed);
        return;
    }
    if !address_counted {
        out.counts.with_address += 1;
    }
    let addr = match (&resolved, parsed.ip_v4) {
        (None, Some(v4)) => AddrKey::V4(v4),
        _ => AddrKey::of(ip),
    };
    // The address's statistics load while the line is classified.
    let slot = tables.ips.slot(addr);
    let judgement = ctx.judge.judge_line(line, parsed, kind, addr);
    let decision = judgement.decision;
    let stats = tables.ips.at(slot);
    stats.record(ts, kind, parsed.status);
    if let Some(crawler) = judgement.claim {
        CrawlerClaim::count(&mut stats.crawler, crawler);
    }
    if kind == LogKind::Access {
        stats.observe(ts, parsed.method, parsed.path, parsed.status, &ctx.judge.policy.behaviour);
    }
    match sshd_pam_role(parsed) {
        SshdPamRole::AwaitsVerdict if resolved.is_none() && decision.counts() => {
            let event = build_event(ctx.file, kind, out.counts.lines, ts, parsed, ip, Some(&decision));
            out.pam_waiting.push(WaitingPam { host: parsed.host.into(), ip: ip.into(), ts, event, decision });
            return;
        }
        SshdPamRole::Verdict => {
            let session_gap = ctx.judge.policy.thresholds.session_gap_micros();
            out.pam_waiting.answer(parsed.host, addr, ts, Answered { stats, session_gap, events: &mut out.events });
        }
        _ => {}
    }
    if kind == LogKind::Access && ctx.learn {
        let allowed_user = !parsed.user.is_empty()
            && ctx.judge.policy.mode != Mode::Ip
            && ctx.judge.policy.is_allowed_user(parsed.user);
        // A shape found ahead is that of `primary`'s path and agent, so of `parsed`.
        crate::learn::record(
            &mut tables.learn,
            addr,
            decision.category,
            ctx.judge.classifier,
            parsed,
            ts,
            allowed_user,
            line,
            shape,
        );
    }
    let suspicious = decision.category.is_suspicious();
    if suspicious {
        let line = suspicious_line(ts, &decision, parsed.user, parsed.path, parsed.user_agent);
        stats.record_suspicious(&line, ctx.judge.policy.thresholds.session_gap_micros());
    }
    if ctx.all_events || suspicious {
        out.events.push(build_event(ctx.file, kind, out.counts.lines, ts, parsed, ip, Some(&decision)));
    } else if ctx.history {
        count_for_history(ctx.file, &mut tables.history, slot, kind, ts, parsed, ip);
    }
}

/// Counts a line that becomes no event into what `--history` keeps of it (the store
/// takes the events' share from the events themselves).
fn count_for_history(
    file: u32,
    history: &mut WorkerHistory,
    slot: Slot,
    kind: LogKind,
    ts: Option<i64>,
    parsed: &ParsedLine,
    ip: &[u8],
) {
    let Some(ts) = ts else { return history.count_untimed() };
    history.count(file, ts, slot, kind, parsed.status);
    if RequestRow::wanted(kind, parsed.method, parsed.status) {
        // Spelled as the events table spells them (see `Event::from_parsed`).
        let (ip, method) = (canonical(ip), lossless(parsed.method));
        history.request(RequestRow::new(file, ts, ip, method, &lossless(parsed.path), parsed.status));
    }
}

/// Counts a parsed line that names no address (and got none from a pid binding).
#[inline(never)]
fn count_no_address(out: &mut ChunkOutput, format: Format, parsed: &ParsedLine) {
    out.counts.no_address += 1;
    out.counts.ambiguous_address += u64::from(parsed.ambiguous_address);
    let program = if parsed.program.is_empty() { format.as_str().as_bytes() } else { parsed.program };
    out.no_address_programs.count(program, 1);
}

/// True when a binding made at `binding.ts` may explain a line at `ts`.
pub fn binding_fresh(binding: &PidBinding, ts: Option<i64>) -> bool {
    match (binding.ts, ts) {
        (Some(b), Some(t)) => t >= b && t - b <= PID_BINDING_MICROS,
        _ => true,
    }
}

/// What a suspicious line adds to its address's statistics.
pub fn suspicious_line<'a>(
    ts: Option<i64>,
    d: &Decision,
    user: &'a [u8],
    path: &'a [u8],
    user_agent: &'a [u8],
) -> SuspiciousLine<'a> {
    SuspiciousLine {
        ts,
        category: d.category,
        weak: d.weak,
        allowed_user_failure: d.allowed_user_failure,
        user,
        path,
        user_agent,
    }
}

pub fn build_event(
    file: u32,
    kind: LogKind,
    line_no: u64,
    ts: Option<i64>,
    p: &ParsedLine,
    ip: &[u8],
    decision: Option<&Decision>,
) -> Event {
    let mut event = Event::from_parsed(p, ip);
    event.ts = ts;
    event.log_kind = kind;
    event.category = decision.map_or(Category::Unclassified, |d| d.category);
    event.rule = decision.and_then(|d| d.rule);
    event.counts = decision.is_some_and(|d| d.counts());
    event.file = file;
    event.line_no = line_no;
    event
}

fn truncate(line: &[u8], max: usize) -> &[u8] {
    &line[..line.len().min(max)]
}
