//! Turning attacker-controlled bytes into safe text: invalid UTF-8 kept as `\xNN`
//! escapes (lossless, never a crash), and control characters neutralised for terminals.

use std::fmt::Write;

/// Bytes as a String, byte-exact where they are UTF-8; each invalid byte becomes `\xNN`.
pub fn lossless(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 16);
            push_lossless(&mut out, bytes);
            out
        }
    }
}

/// Appends `lossless(bytes)` to `out`.
pub fn push_lossless(out: &mut String, mut bytes: &[u8]) {
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                // SAFETY-free: `good` is valid UTF-8 by the error's contract.
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                for b in &rest[..bad] {
                    let _ = write!(out, "\\x{b:02x}");
                }
                bytes = &rest[bad..];
            }
        }
    }
}

/// Appends `n` in decimal, without the formatting machinery (hot output loops).
pub fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Text safe to print on a terminal: control characters (ESC, CR, BEL, ...) and
/// Unicode bidi/format controls become visible escapes, so a log line cannot move the
/// cursor, recolour the screen or hide text.
pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Joins values with `;`, escaping `\` and `;` inside them so the list splits back
/// unambiguously.
pub fn join_escaped<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        for c in v.chars() {
            if c == ';' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_survives_as_escapes() {
        assert_eq!(lossless(b"ok"), "ok");
        assert_eq!(lossless(b"a\xffb\xc3"), "a\\xffb\\xc3");
        assert_eq!(lossless("é".as_bytes()), "é");
    }

    #[test]
    fn terminal_controls_are_visible() {
        assert_eq!(for_terminal("a\x1b[31mb\r"), "a\\x1b[31mb\\x0d");
        assert_eq!(for_terminal("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn joined_lists_escape_separators() {
        assert_eq!(join_escaped(["a;b", "c\\", "d"]), "a\\;b;c\\\\;d");
    }
}
