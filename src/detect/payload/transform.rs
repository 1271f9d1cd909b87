//! The transformations a payload rule applies to a value before its operator, named as
//! in ModSecurity's reference (`t:urlDecodeUni`, `t:cmdLine`, ...), so rules taken from
//! CRS see the value as CRS would. Each maps bytes to bytes; none can grow a value by
//! more than a small constant factor (decoders only shrink), so a bounded input stays
//! bounded.

/// One transformation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transform {
    Lowercase,
    UrlDecode,
    UrlDecodeUni,
    Utf8ToUnicode,
    HtmlEntityDecode,
    JsDecode,
    CssDecode,
    EscapeSeqDecode,
    RemoveNulls,
    ReplaceNulls,
    RemoveWhitespace,
    CompressWhitespace,
    ReplaceComments,
    RemoveCommentsChar,
    CmdLine,
    NormalizePath,
    NormalizePathWin,
    Base64Decode,
    Trim,
}

impl Transform {
    /// The ModSecurity name (`t:` action) -> transformation; `none` is handled by the
    /// caller (it resets the list).
    pub fn from_name(name: &str) -> Option<Transform> {
        use Transform::*;
        Some(match name {
            "lowercase" => Lowercase,
            "urlDecode" => UrlDecode,
            "urlDecodeUni" => UrlDecodeUni,
            "utf8toUnicode" => Utf8ToUnicode,
            "htmlEntityDecode" => HtmlEntityDecode,
            "jsDecode" => JsDecode,
            "cssDecode" => CssDecode,
            "escapeSeqDecode" => EscapeSeqDecode,
            "removeNulls" => RemoveNulls,
            "replaceNulls" => ReplaceNulls,
            "removeWhitespace" => RemoveWhitespace,
            "compressWhitespace" => CompressWhitespace,
            "replaceComments" => ReplaceComments,
            "removeCommentsChar" => RemoveCommentsChar,
            "cmdLine" => CmdLine,
            "normalizePath" => NormalizePath,
            "normalizePathWin" => NormalizePathWin,
            "base64Decode" => Base64Decode,
            "trim" => Trim,
            _ => return None,
        })
    }

    /// Applies the transformation to `input`, writing into `out` (cleared first).
    pub fn apply(self, input: &[u8], out: &mut Vec<u8>) {
        out.clear();
        use Transform::*;
        match self {
            Lowercase => out.extend(input.iter().map(u8::to_ascii_lowercase)),
            UrlDecode => url_decode(input, false, out),
            UrlDecodeUni => url_decode_repeated(input, out),
            Utf8ToUnicode => utf8_to_ascii(input, out),
            HtmlEntityDecode => html_entity_decode(input, out),
            JsDecode => backslash_decode(input, Escapes::Js, out),
            CssDecode => css_decode(input, out),
            EscapeSeqDecode => backslash_decode(input, Escapes::C, out),
            RemoveNulls => out.extend(input.iter().filter(|&&b| b != 0)),
            ReplaceNulls => out.extend(input.iter().map(|&b| if b == 0 { b' ' } else { b })),
            RemoveWhitespace => out.extend(input.iter().filter(|&&b| !is_space(b))),
            CompressWhitespace => compress_whitespace(input, out),
            ReplaceComments => replace_comments(input, out),
            RemoveCommentsChar => remove_comment_chars(input, out),
            CmdLine => cmd_line(input, out),
            NormalizePath => normalize_path(input, false, out),
            NormalizePathWin => normalize_path(input, true, out),
            Base64Decode => base64_decode(input, out),
            Trim => {
                let start = input.iter().position(|&b| !is_space(b)).unwrap_or(input.len());
                let end = input.iter().rposition(|&b| !is_space(b)).map_or(start, |e| e + 1);
                out.extend_from_slice(&input[start..end]);
            }
        }
    }
}

/// Whitespace as ModSecurity's transformations see it (a non-breaking space included).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Writes code point `c` as ModSecurity's decoders do for the ASCII-relevant cases:
/// ASCII as itself, the full-width forms U+FF01..U+FF5E as the ASCII they imitate
/// (`％` `＜`), everything else as UTF-8.
fn push_code_point(c: u32, out: &mut Vec<u8>) {
    let c = if (0xff01..=0xff5e).contains(&c) { c - 0xff01 + 0x21 } else { c };
    match char::from_u32(c) {
        Some(ch) if c < 0x80 => out.push(ch as u8),
        Some(ch) => out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes()),
        None => out.push(b'?'),
    }
}

/// How many more rounds `urlDecodeUni` takes while the value still changes: an
/// application that decodes twice (or a proxy in front that decoded once already) reads
/// `%252527` as `'`.
const MORE_ROUNDS: usize = 2;

fn url_decode_repeated(input: &[u8], out: &mut Vec<u8>) {
    url_decode(input, true, out);
    for _ in 0..MORE_ROUNDS {
        if memchr::memchr(b'%', out).is_none() {
            break;
        }
        let mut next = Vec::with_capacity(out.len());
        url_decode(out, true, &mut next);
        if next == *out {
            break;
        }
        *out = next;
    }
}

/// `%HH` (and with `uni`, `%uHHHH`) decoded, `+` as a space; malformed escapes kept.
pub fn url_decode(input: &[u8], uni: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (input.get(i + 1).and_then(|&b| hex(b)), input.get(i + 2).and_then(|&b| hex(b)))
            {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if uni && matches!(input.get(i + 1), Some(b'u' | b'U')) {
                let digits = input.get(i + 2..i + 6).map(|d| d.iter().map(|&b| hex(b)).collect::<Option<Vec<u8>>>());
                if let Some(Some(d)) = digits {
                    let c = d.iter().fold(0u32, |acc, &x| acc << 4 | x as u32);
                    push_code_point(c, out);
                    i += 6;
                    continue;
                }
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
}

/// UTF-8 read as the characters it encodes, the way an application would: full-width
/// ASCII look-alikes as ASCII, and the overlong two-byte forms of ASCII (`C0 AE` for
/// `.`, `C0 AF` for `/`) that lenient decoders accept, as the ASCII byte. Anything else
/// is kept as it is.
fn utf8_to_ascii(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if (b == 0xc0 || b == 0xc1) && input.get(i + 1).is_some_and(|&n| n & 0xc0 == 0x80) {
            out.push(((b & 0x1f) << 6) | (input[i + 1] & 0x3f));
            i += 2;
            continue;
        }
        if b == 0xef && i + 2 < input.len() {
            let c = ((b as u32 & 0x0f) << 12) | ((input[i + 1] as u32 & 0x3f) << 6) | (input[i + 2] as u32 & 0x3f);
            if (0xff01..=0xff5e).contains(&c) && input[i + 1] & 0xc0 == 0x80 && input[i + 2] & 0xc0 == 0x80 {
                push_code_point(c, out);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
}

/// HTML character references: `&#NN;`, `&#xHH;` (the `;` optional, as browsers allow)
/// and the named ones attacks use.
fn html_entity_decode(input: &[u8], out: &mut Vec<u8>) {
    const NAMED: [(&[u8], u8); 7] = [
        (b"lt", b'<'),
        (b"gt", b'>'),
        (b"amp", b'&'),
        (b"quot", b'"'),
        (b"apos", b'\''),
        (b"nbsp", 0xa0),
        (b"colon", b':'),
    ];
    let mut i = 0;
    'outer: while i < input.len() {
        if input[i] == b'&' {
            let rest = &input[i + 1..];
            if rest.first() == Some(&b'#') {
                let (radix, start) = if matches!(rest.get(1), Some(b'x' | b'X')) { (16, 2) } else { (10, 1) };
                let digits = rest[start..].iter().take(8).take_while(|b| (**b as char).is_digit(radix)).count();
                if digits > 0 {
                    let text = std::str::from_utf8(&rest[start..start + digits]).unwrap_or("0");
                    let c = u32::from_str_radix(text, radix).unwrap_or(0xfffd);
                    push_code_point(c, out);
                    i += 1 + start + digits;
                    if input.get(i) == Some(&b';') {
                        i += 1;
                    }
                    continue;
                }
            }
            for (name, byte) in NAMED {
                if rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name) {
                    out.push(byte);
                    i += 1 + name.len();
                    if input.get(i) == Some(&b';') {
                        i += 1;
                    }
                    continue 'outer;
                }
            }
        }
        out.push(input[i]);
        i += 1;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Escapes {
    /// JavaScript: `\uHHHH`, `\xHH`, octal, the letter escapes.
    Js,
    /// C (ANSI escape sequences): `\xHH`, octal, the letter escapes.
    C,
}

fn backslash_decode(input: &[u8], kind: Escapes, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\\' || i + 1 >= input.len() {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let next = input[i + 1];
        let hex_run = |from: usize, n: usize| -> Option<u32> {
            let d = input.get(from..from + n)?;
            d.iter().try_fold(0u32, |acc, &b| hex(b).map(|x| acc << 4 | x as u32))
        };
        match next {
            b'u' if kind == Escapes::Js => {
                if let Some(c) = hex_run(i + 2, 4) {
                    push_code_point(c, out);
                    i += 6;
                    continue;
                }
            }
            b'x' | b'X' => {
                if let Some(c) = hex_run(i + 2, 2) {
                    out.push(c as u8);
                    i += 4;
                    continue;
                }
            }
            b'0'..=b'7' => {
                let digits = input[i + 1..].iter().take(3).take_while(|b| (b'0'..=b'7').contains(b)).count();
                let value = input[i + 1..i + 1 + digits].iter().fold(0u32, |acc, &b| acc * 8 + (b - b'0') as u32);
                out.push(value as u8);
                i += 1 + digits;
                continue;
            }
            _ => {}
        }
        out.push(match next {
            b'a' => 7,
            b'b' => 8,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            other => other,
        });
        i += 2;
    }
}

/// CSS escapes: `\` and up to six hex digits (one following space eaten), or `\` and a
/// character standing for itself; `\` before a newline is a continuation.
fn css_decode(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\\' || i + 1 >= input.len() {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let digits = input[i + 1..].iter().take(6).take_while(|&&b| hex(b).is_some()).count();
        if digits > 0 {
            let c = input[i + 1..i + 1 + digits].iter().fold(0u32, |acc, &b| acc << 4 | hex(b).unwrap_or(0) as u32);
            push_code_point(c, out);
            i += 1 + digits;
            if input.get(i).is_some_and(|&b| is_space(b)) {
                i += 1;
            }
        } else if input[i + 1] == b'\n' {
            i += 2;
        } else {
            out.push(input[i + 1]);
            i += 2;
        }
    }
}

fn compress_whitespace(input: &[u8], out: &mut Vec<u8>) {
    let mut in_space = false;
    for &b in input {
        if is_space(b) {
            if !in_space {
                out.push(b' ');
            }
            in_space = true;
        } else {
            out.push(b);
            in_space = false;
        }
    }
}

/// `/* ... */` becomes one space (an unterminated one runs to the end).
fn replace_comments(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        if input[i..].starts_with(b"/*") {
            match memchr::memmem::find(&input[i + 2..], b"*/") {
                Some(end) => i += 2 + end + 2,
                None => i = input.len(),
            }
            out.push(b' ');
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
}

/// The comment markers `/*`, `*/`, `--` and `#` removed.
fn remove_comment_chars(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        let rest = &input[i..];
        if rest.starts_with(b"/*") || rest.starts_with(b"*/") || rest.starts_with(b"--") {
            i += 2;
        } else if rest[0] == b'#' {
            i += 1;
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
}

/// What a shell or cmd.exe makes of a word, as ModSecurity's `cmdLine` has it: `\ " ' ^`
/// deleted (`w"h"o'am'i`, `who^ami`), a space before `/` or `(` deleted, `,` and `;` as
/// spaces, runs of spaces as one, lowercase.
fn cmd_line(input: &[u8], out: &mut Vec<u8>) {
    let mut space = false;
    for &b in input {
        match b {
            b'\\' | b'"' | b'\'' | b'^' => {}
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b',' | b';' => space = true,
            b'/' | b'(' => {
                space = false;
                out.push(b);
            }
            _ => {
                if space {
                    out.push(b' ');
                    space = false;
                }
                out.push(b.to_ascii_lowercase());
            }
        }
    }
    if space {
        out.push(b' ');
    }
}

/// `.` and `..` segments resolved and `//` collapsed, as a server maps a path to a file
/// (with `win`, `\` is a separator first).
fn normalize_path(input: &[u8], win: bool, out: &mut Vec<u8>) {
    let absolute = input.first().is_some_and(|&b| b == b'/' || (win && b == b'\\'));
    let trailing = input.last().is_some_and(|&b| b == b'/' || (win && b == b'\\'));
    let mut segments: Vec<&[u8]> = Vec::new();
    for seg in input.split(|&b| b == b'/' || (win && b == b'\\')) {
        match seg {
            b"" | b"." => {}
            b".." => {
                // Above the root stays at the root for an absolute path; a relative one
                // keeps its `..` (that is the traversal the rules look for).
                if segments.last().is_some_and(|s| *s != b"..") {
                    segments.pop();
                } else if !absolute {
                    segments.push(seg);
                }
            }
            _ => segments.push(seg),
        }
    }
    if absolute {
        out.push(b'/');
    }
    for (i, seg) in segments.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(seg);
    }
    if trailing && !segments.is_empty() {
        out.push(b'/');
    }
}

/// The longest leading run of base64 characters, decoded (padding optional).
fn base64_decode(input: &[u8], out: &mut Vec<u8>) {
    use base64::Engine as _;
    let end = input.iter().position(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/')).unwrap_or(input.len());
    let usable = end - end % 4 + if end % 4 >= 2 { end % 4 } else { 0 };
    let engine = &base64::engine::general_purpose::STANDARD_NO_PAD;
    if let Ok(bytes) = engine.decode(&input[..usable]) {
        out.extend_from_slice(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::Transform::{self, *};

    fn t(transform: Transform, input: &str) -> String {
        let mut out = Vec::new();
        transform.apply(input.as_bytes(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn decoders_read_what_servers_and_browsers_read() {
        assert_eq!(t(UrlDecode, "a%27+b%zz"), "a' b%zz");
        assert_eq!(t(UrlDecodeUni, "%u0027%uFF1Cx"), "'<x");
        assert_eq!(t(UrlDecodeUni, "%252527%zz"), "'%zz");
        assert_eq!(t(HtmlEntityDecode, "&lt;a&#x3a;&#58&quot;&Tab"), "<a::\"&Tab");
        assert_eq!(t(JsDecode, r"\x3cscript\u003e\141"), "<script>a");
        assert_eq!(t(CssDecode, r"\6a avascript\:"), "javascript:");
        assert_eq!(t(EscapeSeqDecode, r"a\nb\x41"), "a\nbA");
        let mut out = Vec::new();
        Utf8ToUnicode.apply(b"\xc0\xae\xc0\xae\xc0\xaf\xef\xbc\x9c", &mut out);
        assert_eq!(out, b"../<");
    }

    #[test]
    fn normalisers_undo_evasion() {
        assert_eq!(t(CmdLine, "w\"h\"o'am'i ;  cat /etc/pa\\sswd"), "whoami cat/etc/passwd");
        assert_eq!(t(ReplaceComments, "un/**/ion/*x"), "un ion ");
        assert_eq!(t(RemoveCommentsChar, "1--#/*x*/"), "1x");
        assert_eq!(t(CompressWhitespace, "a \t\n b"), "a b");
        assert_eq!(t(NormalizePath, "/a/./b/../../../etc//passwd"), "/etc/passwd");
        assert_eq!(t(NormalizePath, "../../etc/passwd"), "../../etc/passwd");
        assert_eq!(t(NormalizePathWin, "..\\..\\boot.ini"), "../../boot.ini");
        assert_eq!(t(Base64Decode, "aWQ7dW5hbWU=rest"), "id;uname");
        assert_eq!(t(Trim, "  x y "), "x y");
    }
}
