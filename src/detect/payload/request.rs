//! A logged request target taken apart the way the server and the application saw it:
//! the log's own escaping undone first (Apache writes `"` as `\"`, `\` as `\\` and other
//! unprintable bytes as `\xHH`; nginx writes all three as `\xHH`), then the path and the
//! query string, then each query argument's name and value, percent-decoded once with
//! `+` as a space, as the application reads them. Rules decode further themselves
//! (`t:urlDecodeUni` on an argument is the second round that catches `%2527`).

use super::rules::Vars;

/// The most arguments taken from one query string (the rest are one more value), so
/// that a target gives at most `MAX_VALUES` values (`4 + 2 * MAX_ARGS + 1`).
const MAX_ARGS: usize = 60;
#[cfg(test)]
pub const MAX_VALUES: usize = 4 + 2 * MAX_ARGS + 1;

/// One value a rule can look at, and the variable it is.
pub struct Value {
    pub var: Vars,
    pub bytes: Vec<u8>,
    /// Whether it may hold a payload at all, read as the application reads it (see
    /// `holds_trigger`): `q`, `page`, `/search` and `what%20time%20is%20it` never are.
    pub open: bool,
}

impl Value {
    pub fn new(var: Vars, bytes: Vec<u8>) -> Value {
        let argument = var.intersects(Vars(Vars::ARGS.0 | Vars::ARGS_NAMES.0));
        let open = if argument {
            holds_trigger(&bytes, true)
        } else {
            // Raw parts of the request: judged once decoded, where `=` and `&` are the
            // query's own syntax.
            let mut decoded = Vec::with_capacity(bytes.len());
            super::transform::url_decode(&bytes, true, &mut decoded);
            holds_trigger(&decoded, false)
        };
        Value { var, bytes, open }
    }
}

/// The bytes no payload does without, as a table (a per-byte `match` was 6% of a
/// query-heavy scan): quotes, markup, shell and SQL punctuation, brackets and braces,
/// a `%` left over (double encoding), control bytes (CRLF injection, NUL) and overlong
/// UTF-8 leads. `ARGUMENT` marks the ones that count only inside an argument's value,
/// where they are not the query's own syntax: `=`, `&` and `#` (a tautology, a shell
/// separator, a comment).
const TRIGGER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = ANYWHERE;
        b += 1;
    }
    let bytes = b"'\"<>;|$()\\`{}[]*%";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = ANYWHERE;
        i += 1;
    }
    table[0x7f] = ANYWHERE;
    table[0xc0] = ANYWHERE;
    table[0xc1] = ANYWHERE;
    table[b'=' as usize] = ARGUMENT;
    table[b'&' as usize] = ARGUMENT;
    table[b'#' as usize] = ARGUMENT;
    table[b'?' as usize] = ARGUMENT;
    table
};
const ANYWHERE: u8 = 1;
const ARGUMENT: u8 = 2;

/// Whether decoded text holds a trigger byte, or one of the pairs `..`, `/*`, `--`,
/// `://`. In an argument, some bytes count only where they can be code: an apostrophe
/// not between two letters (`O'Brien` and `don't` are names and words), a `$` not
/// before a digit (`$19.99`), a `%` before two hex digits or `u` (an encoding left
/// over, not "50% off"), a `?` inside a word (a glob, `/e?c/p?sswd`, not a question).
pub fn holds_trigger(text: &[u8], argument: bool) -> bool {
    let mask = if argument { ANYWHERE | ARGUMENT } else { ANYWHERE };
    let code = |at: usize| {
        let letter = |i: Option<usize>| i.and_then(|i| text.get(i)).is_some_and(u8::is_ascii_alphabetic);
        let next = text.get(at + 1).copied();
        match text[at] {
            b'\'' => !(letter(at.checked_sub(1)) && letter(Some(at + 1))),
            b'$' => !next.is_some_and(|b| b.is_ascii_digit()),
            b'%' => next.is_some_and(|b| b.is_ascii_hexdigit() || b == b'u' || b == b'U'),
            b'?' => next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'?'),
            _ => true,
        }
    };
    let found = if argument {
        (0..text.len()).any(|at| TRIGGER[text[at] as usize] & mask != 0 && code(at))
    } else {
        text.iter().any(|&b| TRIGGER[b as usize] & mask != 0)
    };
    found || [&b".."[..], b"/*", b"--", b"://"].iter().any(|pair| memchr::memmem::find(text, pair).is_some())
}

/// The log's escapes undone: `\"`, `\\` and `\xHH` (both servers' forms); any other
/// backslash is kept as it is.
pub fn unescape_log(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' {
            match field.get(i + 1) {
                Some(b'"') | Some(b'\\') => {
                    out.push(field[i + 1]);
                    i += 2;
                    continue;
                }
                Some(b'x') => {
                    let hex = field.get(i + 2..i + 4).and_then(|h| std::str::from_utf8(h).ok());
                    if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        out.push(byte);
                        i += 4;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

/// The values of a request target (already unescaped): the whole target (raw and as
/// `REQUEST_URI`), the path and its last segment, the query string, and each argument's
/// name and value.
pub fn target_values(target: &[u8]) -> Vec<Value> {
    let mut values = Vec::new();
    let (path, query) = match memchr::memchr(b'?', target) {
        Some(at) => (&target[..at], Some(&target[at + 1..])),
        None => (target, None),
    };
    // The raw parts are judged once decoded (where `=` and `&` are the query's own
    // syntax): the path and the query are each decoded once for all of them.
    let decoded = |raw: &[u8]| {
        let mut out = Vec::with_capacity(raw.len());
        super::transform::url_decode(raw, true, &mut out);
        out
    };
    let path_open = holds_trigger(&decoded(path), false);
    let query_open = query.is_some_and(|q| holds_trigger(&decoded(q), false));
    values.push(Value {
        var: Vars(Vars::URI.0 | Vars::URI_RAW.0),
        bytes: target.to_vec(),
        open: path_open || query_open,
    });
    values.push(Value { var: Vars::FILENAME, bytes: path.to_vec(), open: path_open });
    let base = memchr::memrchr(b'/', path).map_or(path, |at| &path[at + 1..]);
    values.push(Value {
        var: Vars::BASENAME,
        bytes: base.to_vec(),
        open: path_open && holds_trigger(&decoded(base), false),
    });
    let Some(query) = query else { return values };
    values.push(Value { var: Vars::QUERY_STRING, bytes: query.to_vec(), open: query_open });
    for (n, arg) in query.split(|&b| b == b'&').enumerate() {
        if arg.is_empty() {
            continue;
        }
        if n == MAX_ARGS {
            // Whatever follows is one value: still looked at, never dropped.
            let rest_at = arg.as_ptr() as usize - query.as_ptr() as usize;
            values.push(Value::new(Vars::ARGS, decode_arg(&query[rest_at..])));
            break;
        }
        let (name, value) = match memchr::memchr(b'=', arg) {
            Some(at) => (&arg[..at], &arg[at + 1..]),
            None => (arg, &b""[..]),
        };
        values.push(Value::new(Vars::ARGS_NAMES, decode_arg(name)));
        if !value.is_empty() {
            values.push(Value::new(Vars::ARGS, decode_arg(value)));
        }
    }
    values
}

fn decode_arg(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    super::transform::url_decode(raw, false, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_and_nginx_escapes_read_alike() {
        let apache = unescape_log(br#"/q?x=\"><script>\\\x01"#);
        let nginx = unescape_log(br"/q?x=\x22><script>\x5C\x01");
        assert_eq!(apache, nginx);
        assert_eq!(apache, b"/q?x=\"><script>\\\x01");
        assert_eq!(unescape_log(br"C:\temp"), br"C:\temp");
    }

    #[test]
    fn a_target_gives_path_query_and_decoded_arguments() {
        let values = target_values(b"/a/b.php?id=1%27+or+1=1&flag&x=%2527");
        let of = |var: Vars| -> Vec<String> {
            values.iter().filter(|v| v.var == var).map(|v| String::from_utf8_lossy(&v.bytes).into_owned()).collect()
        };
        assert_eq!(of(Vars::FILENAME), ["/a/b.php"]);
        assert_eq!(of(Vars::BASENAME), ["b.php"]);
        assert_eq!(of(Vars::QUERY_STRING), ["id=1%27+or+1=1&flag&x=%2527"]);
        assert_eq!(of(Vars::ARGS_NAMES), ["id", "flag", "x"]);
        assert_eq!(of(Vars::ARGS), ["1' or 1=1", "%27"]);
        let open: Vec<bool> = values.iter().filter(|v| v.var == Vars::ARGS_NAMES).map(|v| v.open).collect();
        assert_eq!(open, [false, false, false]);
        assert!(values.iter().filter(|v| v.var == Vars::ARGS).all(|v| v.open));
    }

    #[test]
    fn plain_searches_are_not_looked_at() {
        for plain in [&b"/search?q=what%20time%20is%20it%3F&page=2"[..], b"/s?q=o%27brien+for+%2419.99+50%25+off"] {
            assert!(target_values(plain).iter().filter(|v| v.var == Vars::ARGS).all(|v| !v.open), "nothing to look at");
        }
        for code in [&b"/s?q=x%27+or+1"[..], b"/s?q=%24IFS", b"/s?q=%2527", b"/s?q=a%26id"] {
            assert!(target_values(code).iter().any(|v| v.var == Vars::ARGS && v.open));
        }
        let many: Vec<u8> = (0..200).flat_map(|i| format!("a{i}=1&").into_bytes()).collect();
        assert!(target_values(&[b"/x?".as_slice(), &many].concat()).len() <= MAX_VALUES);
    }
}
