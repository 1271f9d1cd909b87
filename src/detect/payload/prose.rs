//! Whether a query argument reads as a sentence someone typed ("what does phpinfo()
//! show", "sleep (7 hours) enough?") rather than code. CRS's pattern rules see the
//! function-call shape in both; an injected payload is compact code with a breakout
//! character in it, a search is mostly words. At the default paranoia level the
//! pattern rules leave sentences alone (libinjection's tokenizers still look at them).

/// Bytes that break out of a quoted or numeric context, or start a command, markup or
/// a template: no injection does without one of them, and sentences rarely have them.
/// An apostrophe between letters (`don't`, `O'Brien`) and a `$` before a digit (a price)
/// are a sentence's own; see `breaks_out`.
const BREAKOUT: &[u8] = b"'\"`;|<>{}$\\#\r\n\0";

fn breaks_out(value: &[u8], at: usize) -> bool {
    let before = at.checked_sub(1).map(|i| value[i]);
    let after = value.get(at + 1).copied();
    match value[at] {
        b'\'' => !(before.is_some_and(|b| b.is_ascii_alphabetic()) && after.is_some_and(|b| b.is_ascii_alphabetic())),
        b'$' => !after.is_some_and(|b| b.is_ascii_digit()),
        b => BREAKOUT.contains(&b),
    }
}

/// Words of SQL and shell that do not count as a sentence's words.
const CODE_WORDS: [&str; 39] = [
    "and", "or", "not", "xor", "select", "union", "all", "from", "where", "like", "null", "true", "false", "order",
    "by", "group", "having", "limit", "case", "when", "then", "else", "end", "if", "exec", "declare", "insert",
    "update", "delete", "drop", "into", "values", "table", "is", "for", "in", "do", "done", "while",
];

/// At least three words of two or more letters that are not SQL or shell keywords, at
/// least half of the whitespace-separated tokens, and no breakout byte or comment
/// marker anywhere.
pub fn reads_as_prose(value: &[u8]) -> bool {
    if (0..value.len()).any(|at| breaks_out(value, at)) {
        return false;
    }
    if [&b"--"[..], b"/*", b"&&", b".."].iter().any(|m| memchr::memmem::find(value, m).is_some()) {
        return false;
    }
    // A cmd.exe variable (`%x`, `%%i`, `%comspec%`); "50% off" keeps its space.
    if value.windows(2).any(|w| w[0] == b'%' && (w[1].is_ascii_alphabetic() || w[1] == b'%')) {
        return false;
    }
    let mut tokens = 0;
    let mut words = 0;
    for token in value.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty()) {
        tokens += 1;
        let edge = |b: &u8| matches!(b, b'(' | b')' | b'[' | b']' | b',' | b'.' | b'?' | b'!' | b':');
        let start = token.iter().position(|b| !edge(b)).unwrap_or(token.len());
        let end = token.iter().rposition(|b| !edge(b)).map_or(start, |e| e + 1);
        let core = &token[start..end];
        let letters = core.len() >= 2 && core.iter().all(|&b| b.is_ascii_alphabetic() || b >= 0x80 || b == b'-');
        if letters && !CODE_WORDS.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(core)) {
            words += 1;
        }
    }
    words >= 3 && words * 2 >= tokens
}

#[cfg(test)]
mod tests {
    use super::reads_as_prose;

    #[test]
    fn sentences_read_as_prose_and_payloads_do_not() {
        for sentence in [
            "what does phpinfo() show",
            "python eval() function explained",
            "sleep (7 hours) enough?",
            "café near me now",
        ] {
            assert!(reads_as_prose(sentence.as_bytes()), "{sentence}");
        }
        for payload in [
            "1 and sleep(5)",
            "phpinfo()",
            "1' or '1'='1",
            "x' or name like admin",
            "x; cat /etc/passwd",
            "<script>alert(1)</script>",
            "1 union select password from users",
            "system('id') and more words here",
            "eval(base64_decode(x))",
            "for %x in (a) do whoami",
        ] {
            assert!(!reads_as_prose(payload.as_bytes()), "{payload}");
        }
    }
}
