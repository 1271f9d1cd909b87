//! Line parsers, one file per log format, and format sniffing. Parsers are pure:
//! bytes in, a borrowed `ParsedLine` out (None = this line is not of that format);
//! no allocation, no regex on the hot path, never a panic on any input.

pub mod access;
pub mod apache_error;
pub mod audit;
pub mod forwarded;
pub mod lighttpd_error;
pub mod nginx_error;
pub mod programs;
pub mod proxy_manager;
pub mod squid;
pub mod sshd;
pub mod stamps;
pub mod syslog;
pub mod util;

use crate::vocab::event::{Format, LogKind, ParsedLine};

/// True when knocklog reads remote addresses from syslog messages of `program` (sshd,
/// the web servers, FTP daemons ...; PAM lines are read whatever the program). The
/// messages of every other program keep only their header.
pub fn reads_addresses_of(program: &[u8]) -> bool {
    sshd::is_sshd_program(program) || programs::reads_addresses_of(program)
}

/// Parses one line (without its newline) in the given format.
#[inline]
pub fn parse_line(format: Format, line: &[u8]) -> Option<ParsedLine<'_>> {
    match format {
        Format::Access => access::parse(line),
        Format::Squid => squid::parse(line),
        Format::ApacheError => apache_error::parse(line),
        Format::NginxError => nginx_error::parse(line),
        Format::LighttpdError => lighttpd_error::parse(line),
        Format::Syslog => syslog::parse(line),
        Format::Audit => audit::parse(line),
    }
}

/// The log kind of a line read in `format`: a syslog line's from what it says
/// (/var/log/messages carries sshd lines on some systems and haproxy requests on
/// others), any other line's from its format.
#[inline]
pub fn line_kind(format: Format, parsed: &ParsedLine) -> LogKind {
    if format == Format::Syslog {
        parsed.tag.kind_in_syslog(parsed.program)
    } else {
        format.log_kind()
    }
}

/// A line's place in its file before any judgement: counted but not parsed (blank or
/// a comment), read in some format, or in none.
#[derive(Debug)]
pub enum LineReading<'a> {
    Blank,
    Comment,
    Parsed { format: Format, kind: LogKind, parsed: ParsedLine<'a> },
    Unparsed,
}

/// Reads one line as a scan of a file in `file_format` does: blank and comment lines
/// are counted only, then the file's format is tried and the others after it. Without
/// a file format, the first format that parses the line is taken.
pub fn read_line(file_format: Option<Format>, line: &[u8]) -> LineReading<'_> {
    if util::is_blank(line) {
        return LineReading::Blank;
    }
    if is_comment(line) {
        return LineReading::Comment;
    }
    let found = match file_format {
        Some(f) => parse_line(f, line).map(|p| (f, p)).or_else(|| parse_other_format(f, line)),
        None => Format::ALL.into_iter().find_map(|f| parse_line(f, line).map(|p| (f, p))),
    };
    match found {
        Some((format, parsed)) => LineReading::Parsed { format, kind: line_kind(format, &parsed), parsed },
        None => LineReading::Unparsed,
    }
}

/// Parses a line that is not in its file's format in the other formats (a file that
/// mixes access and error lines, a journal dump of several services).
#[inline(never)]
pub fn parse_other_format(primary: Format, line: &[u8]) -> Option<(Format, ParsedLine<'_>)> {
    Format::ALL.into_iter().filter(|&f| f != primary).find_map(|f| parse_line(f, line).map(|p| (f, p)))
}

/// True for a `#` comment line (W3C log headers, annotated test logs). No format
/// knocklog reads starts a line with `#`, and attackers cannot start a line.
#[inline]
pub fn is_comment(line: &[u8]) -> bool {
    line.first() == Some(&b'#')
}

/// `sniff` over the lines of a file's first bytes (CRLF or LF), the `Sniffer` that
/// discovery is handed.
pub fn sniff_head(head: &[u8]) -> Option<Format> {
    sniff(head.split(|&c| c == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)))
}

/// Picks the format that parses most of the sample lines (at least half of the
/// non-blank ones). Ties go to the earlier, more specific format in `Format::ALL`.
pub fn sniff<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<Format> {
    let sample: Vec<&[u8]> = lines.into_iter().filter(|l| !util::is_blank(l) && !is_comment(l)).take(50).collect();
    if sample.is_empty() {
        return None;
    }
    let mut best: Option<(Format, usize)> = None;
    for format in Format::ALL {
        let hits = sample.iter().filter(|l| parse_line(format, l).is_some()).count();
        if hits * 2 >= sample.len() && hits > 0 && best.is_none_or(|(_, b)| hits > b) {
            best = Some((format, hits));
        }
    }
    best.map(|(f, _)| f)
}

#[cfg(test)]
mod forgery_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_family() {
        let access: &[u8] = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326 \"-\" \"x\"";
        assert_eq!(sniff([access]), Some(Format::Access));
        let sys: &[u8] = b"Jan  6 00:02:28 host sshd[123]: Invalid user x from 1.2.3.4 port 22";
        assert_eq!(sniff([sys]), Some(Format::Syslog));
        let err: &[u8] = b"[Sun Jul 18 04:02:11 2004] [error] [client 1.2.3.4] File does not exist: /x";
        assert_eq!(sniff([err]), Some(Format::ApacheError));
        let ngx: &[u8] = b"2026/01/06 02:32:23 [error] 12#0: *1 open() \"/x\" failed (2: No such file or directory), client: 1.2.3.4, server: a, request: \"GET /x HTTP/1.1\"";
        assert_eq!(sniff([ngx]), Some(Format::NginxError));
        let garbage: &[u8] = b"\x00\x01\x02 hello";
        assert_eq!(sniff([garbage]), None);
    }
}
