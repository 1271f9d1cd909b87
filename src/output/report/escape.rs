//! HTML escaping for attacker-controlled text: one function for element text, one for
//! double-quoted attribute values. Control and bidi characters become visible escapes
//! first (`text::for_terminal`), so a log line cannot reorder or hide what is shown.

use crate::vocab::text::for_terminal;

/// Appends `s` as HTML element text.
pub fn push_text(out: &mut String, s: &str) {
    push_escaped(out, &for_terminal(s), false);
}

/// Appends `s` as the value of a double-quoted attribute (the caller writes the quotes).
pub fn push_attr(out: &mut String, s: &str) {
    push_escaped(out, &for_terminal(s), true);
}

/// `s` as HTML element text.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_text(&mut out, s);
    out
}

/// `s` as a double-quoted attribute value.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_attr(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&#39;"),
            // U+2028/2029 and the other invisible format characters render as nothing.
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{2060}'..='\u{2064}' => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// At most `max` characters of `s`, with `…` when cut (long paths and agents are shown
/// shortened; the full text goes into a `title`).
pub fn shorten(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_inert() {
        assert_eq!(text("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(text("a&b \"q\" 'x'"), "a&amp;b \"q\" 'x'");
        assert_eq!(attr("x\" onmouseover=\"y' <b>"), "x&quot; onmouseover=&quot;y&#39; &lt;b&gt;");
        assert_eq!(text("&lt;"), "&amp;lt;");
    }

    #[test]
    fn controls_and_bidi_are_visible() {
        assert_eq!(text("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(text("a\x1b[2Jb\r\n"), "a\\x1b[2Jb\\x0d\\x0a");
        assert_eq!(attr("a\u{2028}b\u{feff}"), "a\\u{2028}b\\u{feff}");
        assert_eq!(text("x\u{2067}y"), "x\\u{2067}y");
    }

    #[test]
    fn shortening_counts_characters() {
        assert_eq!(shorten("ééé", 2), ("éé", true));
        assert_eq!(shorten("ab", 2), ("ab", false));
    }
}
