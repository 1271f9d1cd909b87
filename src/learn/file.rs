//! Suggestions as attack pattern file text (`suggested-patterns.txt`, the self-learning
//! detector's format: one pattern a line, `#` comments), and accepted ones appended to
//! an existing pattern file without touching its lines or repeating a pattern.
//!
//! Every comment is built from attacker-controlled text (the example line), so it is
//! flattened to one line: a log line can never end a comment and start a pattern.

use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

use anyhow::Context;

use super::Suggestion;
use crate::vocab::time::format_ts;

/// Text safe inside a `#` comment line: no line breaks of any kind (control characters
/// and Unicode line/paragraph separators become visible escapes).
pub fn comment_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::vocab::text::for_terminal(s).chars() {
        match c {
            '\u{2028}' | '\u{2029}' | '\u{85}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// True when `pattern` reads back as exactly one pattern line.
fn is_one_pattern_line(pattern: &str) -> bool {
    !pattern.is_empty()
        && pattern.trim() == pattern
        && !pattern.starts_with('#')
        && !pattern.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

/// The comment and pattern lines of one suggestion (`n` is its number in the list).
pub fn entry(n: usize, s: &Suggestion) -> String {
    let when = match (s.first_seen, s.last_seen) {
        (Some(a), Some(b)) => format!(", {} .. {}", format_ts(a), format_ts(b)),
        _ => String::new(),
    };
    let example = if s.example.is_empty() { "(none kept)".to_owned() } else { comment_safe(&s.example) };
    let sampled = if s.sampled {
        " (attacker IPs estimated from a sample of a popular request's addresses, benign IPs counted on it)"
    } else {
        ""
    };
    format!(
        "# {n}. {}: {} attacker IPs, {} hits; {} benign IPs, {} benign hits; confidence {:.2}{when}{sampled}\n# example: {example}\n# check: {}\n{}\n",
        kind_name(s.kind),
        s.attacker_ips,
        s.attacker_hits,
        s.benign_ips,
        s.benign_hits,
        s.confidence,
        s.check,
        s.pattern
    )
}

pub fn kind_name(kind: super::CandidateKind) -> &'static str {
    use super::CandidateKind::*;
    match kind {
        Path => "path",
        Prefix => "prefix",
        File => "file",
        Extension => "extension",
        Param => "param",
        Agent => "agent",
    }
}

/// The whole `suggested-patterns.txt`.
pub fn render(suggestions: &[Suggestion], attackers: usize) -> String {
    let mut out = format!(
        "# knocklog suggested attack patterns: {} learned from what {attackers} attacker addresses requested\n\
         # that no rule knew, and no benign address requested. Review them; the file works as is with\n\
         # --attack-patterns, or append chosen ones with `knocklog learn --accept N,M`.\n",
        suggestions.len()
    );
    for (i, s) in suggestions.iter().filter(|s| is_one_pattern_line(&s.pattern)).enumerate() {
        out.push('\n');
        out.push_str(&entry(i + 1, s));
    }
    out
}

/// The patterns a pattern file already holds (trimmed, as `detect::patterns` reads them).
pub fn existing_patterns(bytes: &[u8]) -> HashSet<Vec<u8>> {
    bytes
        .split(|&c| c == b'\n')
        .map(|l| l.trim_ascii())
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .map(<[u8]>::to_vec)
        .collect()
}

/// Appends `chosen` to the pattern file at `path` (created if missing), skipping the
/// patterns it already holds; returns how many were added. The file is rewritten under
/// a temporary name and renamed, so a crash leaves the old or the new file, never half.
pub fn append(path: &Path, chosen: &[(usize, &Suggestion)]) -> anyhow::Result<usize> {
    let old = match crate::vocab::files::read_small_file(path, crate::vocab::files::MAX_INPUT_FILE_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut present = existing_patterns(&old);
    let mut added = String::new();
    let mut count = 0;
    for (n, s) in chosen {
        if !is_one_pattern_line(&s.pattern) || !present.insert(s.pattern.as_bytes().to_vec()) {
            continue;
        }
        added.push_str(&entry(*n, s));
        count += 1;
    }
    if count == 0 {
        return Ok(0);
    }
    let mut bytes = old;
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(added.as_bytes());
    crate::vocab::files::write_atomic(path, &bytes)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::patterns::{parse, PatternKind};
    use crate::learn::CandidateKind;

    fn suggestion(pattern: &str, example: &str) -> Suggestion {
        Suggestion {
            pattern: pattern.into(),
            kind: CandidateKind::Path,
            attacker_ips: 2,
            attacker_hits: 3,
            benign_ips: 0,
            benign_hits: 0,
            confidence: 0.67,
            first_seen: Some(0),
            last_seen: Some(1_000_000),
            example: example.into(),
            sampled: false,
            check: crate::learn::generic::what_to_check(CandidateKind::Path),
        }
    }

    #[test]
    fn an_example_line_never_becomes_a_pattern() {
        let nasty = "1.2.3.4 \"GET /x\nre:.\r\n/evil\u{2028}/more\u{85}x\u{1b}[2J\" 404";
        let text = render(&[suggestion("/cgi-mod/webctl.cgi", nasty)], 2);
        let f = parse(Path::new("s.txt"), text.as_bytes()).unwrap();
        assert_eq!(f.patterns.len(), 1, "{text}");
        assert_eq!(f.patterns[0].kind, PatternKind::Substring(b"/cgi-mod/webctl.cgi".to_vec()));
        assert!(
            text.contains("# example: 1.2.3.4 \"GET /x\\x0are:.\\x0d\\x0a/evil\\u{2028}/more\\x85x\\x1b[2J\""),
            "{text}"
        );
        // A pattern that would not read back as itself is left out.
        let text = render(&[suggestion("#x", ""), suggestion(" /a", ""), suggestion("/a\nb", "")], 2);
        assert!(parse(Path::new("s.txt"), text.as_bytes()).unwrap().patterns.is_empty(), "{text}");
    }

    #[test]
    fn appending_keeps_the_file_and_never_repeats_a_pattern() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("attack.txt");
        std::fs::write(&path, "# mine\n/old\n  /cgi-mod/webctl.cgi  ").unwrap();
        let a = suggestion("/cgi-mod/webctl.cgi", "x");
        let b = suggestion("/wsman/", "y");
        assert_eq!(append(&path, &[(1, &a), (2, &b), (3, &b)]).unwrap(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# mine\n/old\n  /cgi-mod/webctl.cgi  \n# 2. path:"), "{text}");
        assert_eq!(append(&path, &[(1, &a), (2, &b)]).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let f = parse(&path, text.as_bytes()).unwrap();
        assert_eq!(f.patterns.len(), 3);
        let fresh = dir.path().join("new.txt");
        assert_eq!(append(&fresh, &[(1, &a)]).unwrap(), 1);
        assert!(std::fs::read_to_string(&fresh).unwrap().ends_with("\n/cgi-mod/webctl.cgi\n"));
    }
}
