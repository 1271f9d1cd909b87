//! Syslog lines: the header in every form knocklog meets (RFC 3164 with or without
//! `<PRI>` and host, rsyslog ISO 8601, RFC 5424, header-less `host prog[pid]: msg`
//! journal text, metalog `[prog]`), then the message handed to its program's parser.

use crate::parse::stamps::{iso_stamp, rfc3164_stamp};
use crate::parse::util::{is_host_like, is_ip_like, parse_u64, skip_spaces, token};
use crate::parse::{programs, sshd};
use crate::vocab::event::ParsedLine;

/// Longest program name accepted in a tag; longer "names" are message text.
const MAX_PROGRAM_LEN: usize = 64;

/// Parses one syslog line. None only when the line has no recognisable syslog header,
/// so that format sniffing can tell syslog from access and error logs.
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = strip_line_end(line);
    let (after_pri, has_pri) = strip_pri(line);
    let mut out = ParsedLine::default();
    if has_pri {
        if let Some(rest) = rfc5424_version(after_pri) {
            parse_rfc5424(rest, &mut out)?;
            return Some(out);
        }
    }
    if let Some((time, rest)) = rfc3164_stamp(after_pri).or_else(|| iso_stamp(after_pri, b'T')) {
        out.time = Some(time);
        let (tag, message) = host_and_tag(rest, &mut out);
        finish(tag, message, &mut out);
        return Some(out);
    }
    // syslog-ng/rsyslog templates with `YYYY-MM-DD HH:MM:SS`: many application logs
    // start that way too, so only with a host and a program tag after it.
    if let Some((time, rest)) = iso_stamp(after_pri, b' ') {
        let (host, after) = token(skip_spaces(rest));
        let (tag, message) = program_tag(after, true)?;
        if !(is_host_like(host) || is_ip_like(host)) {
            return None;
        }
        out.time = Some(time);
        out.host = host;
        finish(tag, message, &mut out);
        return Some(out);
    }
    if has_pri {
        None
    } else {
        parse_headerless(line)
    }
}

/// The program tag of a syslog line: `sshd[123]:`, `sshd:`, `sshd(pam_unix)[123]:`,
/// `proftpd[123]` (some daemons omit the colon).
#[derive(Clone, Copy, Default)]
struct Tag<'a> {
    program: &'a [u8],
    /// What sits in parentheses after the name: `pam_unix` in `sshd(pam_unix)[1]:`.
    facility: &'a [u8],
    pid: Option<u32>,
}

/// Fills program/pid/message and hands the message to the program's parser.
fn finish<'a>(tag: Tag<'a>, message: &'a [u8], out: &mut ParsedLine<'a>) {
    out.program = tag.program;
    out.pid = tag.pid;
    out.message = message;
    let message = skip_solaris_msgid(message);
    let message = unwrap_repeated(message);
    if tag.facility.starts_with(b"pam") {
        // Old Red Hat `sshd(pam_unix)[1]: authentication failure; ...`
        programs::parse_pam_body(message, out);
    } else if sshd::is_sshd_program(tag.program) {
        sshd::parse_message(message, out);
    } else {
        programs::parse_message(tag.program, message, out);
    }
}

/// Drops the trailing `\r` (and a stray `\n`) a line may still carry.
fn strip_line_end(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r' | b'\n'] = line {
        line = rest;
    }
    line
}

/// Skips a `<PRI>` prefix (1-3 digits): returns the rest and whether there was one.
fn strip_pri(line: &[u8]) -> (&[u8], bool) {
    if line.first() != Some(&b'<') {
        return (line, false);
    }
    let n = line[1..].iter().take(4).take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&n) && line.get(1 + n) == Some(&b'>') {
        (&line[2 + n..], true)
    } else {
        (line, false)
    }
}

/// Host (if any) and program tag after an RFC 3164 / ISO stamp; returns the tag and
/// the message. A missing host is seen by the first token already being a tag (a host
/// name never ends in `:` nor carries `[pid]`).
fn host_and_tag<'a>(rest: &'a [u8], out: &mut ParsedLine<'a>) -> (Tag<'a>, &'a [u8]) {
    let rest = skip_spaces(rest);
    if let Some((tag, message)) = metalog_tag(rest).or_else(|| program_tag(rest, false)) {
        return (tag, message);
    }
    let (host, after) = token(rest);
    out.host = host;
    let after = skip_spaces(after);
    match program_tag(after, false) {
        Some(found) => found,
        // `-- MARK --`, `last message repeated 3 times`, `syslogd 1.5.0: restart.`
        None => (Tag::default(), after),
    }
}

/// Parses a program tag at the start of `b`; returns it and the message after it.
/// `strict` (header-less lines, where the tag is all that says "syslog") wants a
/// plain name starting with a letter.
fn program_tag(b: &[u8], strict: bool) -> Option<(Tag<'_>, &[u8])> {
    let name_len =
        b.iter().position(|&c| matches!(c, b' ' | b'[' | b'(' | b':') || c < 0x21 || c == 0x7f).unwrap_or(b.len());
    if name_len == 0 || name_len > MAX_PROGRAM_LEN {
        return None;
    }
    let program = &b[..name_len];
    if strict
        && !(program[0].is_ascii_alphabetic()
            && program.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/' | b'@')))
    {
        return None;
    }
    let mut tag = Tag { program, ..Tag::default() };
    let mut i = name_len;
    if b.get(i) == Some(&b'(') {
        let inner = bracketed(&b[i + 1..], b')')?;
        tag.facility = inner;
        i += inner.len() + 2;
    }
    if b.get(i) == Some(&b'[') {
        let inner = bracketed(&b[i + 1..], b']')?;
        tag.pid = Some(u32::try_from(parse_u64(inner)?).ok()?);
        i += inner.len() + 2;
    }
    let colon = b.get(i) == Some(&b':');
    if colon {
        i += 1;
    }
    if !colon && tag.pid.is_none() {
        return None;
    }
    match b.get(i) {
        None => Some((tag, &[])),
        Some(b' ') => Some((tag, skip_spaces(&b[i..]))),
        Some(_) => None,
    }
}

/// The text up to `close` if it is short and has no spaces (tag parts only).
fn bracketed(b: &[u8], close: u8) -> Option<&[u8]> {
    let end = memchr::memchr(close, &b[..b.len().min(MAX_PROGRAM_LEN)])?;
    let inner = &b[..end];
    (!inner.contains(&b' ')).then_some(inner)
}

/// metalog's `Dec 31 11:59:59 [sshd] msg`: no host, program in brackets.
fn metalog_tag(b: &[u8]) -> Option<(Tag<'_>, &[u8])> {
    let inner = bracketed(b.strip_prefix(b"[")?, b']')?;
    let rest = &b[inner.len() + 2..];
    let plausible = !inner.is_empty() && inner[0].is_ascii_alphabetic() && is_host_like(inner);
    (plausible && (rest.is_empty() || rest[0] == b' '))
        .then(|| (Tag { program: inner, ..Tag::default() }, skip_spaces(rest)))
}

/// `host prog[pid]: msg` with no time at all (journalctl -o cat-like dumps).
fn parse_headerless(line: &[u8]) -> Option<ParsedLine<'_>> {
    let (host, after) = token(line);
    if !(is_host_like(host) || is_ip_like(host)) || !host[0].is_ascii_alphanumeric() {
        return None;
    }
    let (tag, message) = program_tag(after, true)?;
    let mut out = ParsedLine { host, ..ParsedLine::default() };
    finish(tag, message, &mut out);
    Some(out)
}

/// After `<PRI>`: an RFC 5424 version (`1 `) followed by a stamp or `-`.
fn rfc5424_version(b: &[u8]) -> Option<&[u8]> {
    let (version, rest) = token(b);
    let plausible = matches!(version.len(), 1 | 2) && version[0] != b'0' && version.iter().all(u8::is_ascii_digit);
    (plausible && (rest.starts_with(b"- ") || iso_stamp(rest, b'T').is_some())).then_some(rest)
}

/// `TIMESTAMP HOST APP PROCID MSGID SD [MSG]` with `-` for nil values.
fn parse_rfc5424<'a>(b: &'a [u8], out: &mut ParsedLine<'a>) -> Option<()> {
    let rest = match b.strip_prefix(b"- ") {
        Some(rest) => rest,
        None => {
            let (time, rest) = iso_stamp(b, b'T')?;
            out.time = Some(time);
            rest
        }
    };
    let (host, rest) = token(rest);
    let (app, rest) = token(rest);
    let (procid, rest) = token(rest);
    let (_msgid, rest) = token(rest);
    out.host = nil_to_empty(host);
    let tag = Tag {
        program: nil_to_empty(app),
        pid: parse_u64(procid).and_then(|p| u32::try_from(p).ok()),
        ..Tag::default()
    };
    let message = skip_structured_data(rest);
    let message = message.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(message);
    finish(tag, message, out);
    Some(())
}

fn nil_to_empty(b: &[u8]) -> &[u8] {
    if b == b"-" {
        &[]
    } else {
        b
    }
}

/// Skips RFC 5424 structured data (`-` or `[id k="v"]...`, values may hold `]` and
/// escaped quotes) and the space after it; returns the message.
fn skip_structured_data(b: &[u8]) -> &[u8] {
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    } else {
        while b.get(i) == Some(&b'[') {
            let mut in_quotes = false;
            i += 1;
            while i < b.len() {
                match (b[i], in_quotes) {
                    (b'\\', true) => i += 1,
                    (b'"', _) => in_quotes = !in_quotes,
                    (b']', false) => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
        }
    }
    match b.get(i..) {
        Some([b' ', message @ ..]) => message,
        Some(message) => message,
        None => &[],
    }
}

/// Solaris/OSX put `[ID 800047 auth.info] ` before the message.
fn skip_solaris_msgid(message: &[u8]) -> &[u8] {
    if let Some(rest) = message.strip_prefix(b"[ID ") {
        if let Some(end) = memchr::memchr(b']', rest) {
            return skip_spaces(&rest[end + 1..]);
        }
    }
    message
}

/// rsyslog's `message repeated 5 times: [ Failed password for ...]`: the inner message.
fn unwrap_repeated(message: &[u8]) -> &[u8] {
    let Some(rest) = message.strip_prefix(b"message repeated ") else {
        return message;
    };
    let (count, rest) = token(rest);
    match (parse_u64(count), rest.strip_prefix(b"times: [")) {
        (Some(_), Some(inner)) => skip_spaces(inner.strip_suffix(b"]").unwrap_or(inner)),
        _ => message,
    }
}

#[cfg(test)]
#[path = "syslog_tests.rs"]
mod tests;
