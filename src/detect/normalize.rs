//! Field normalisation for signature matching: the canonical form a request field is
//! matched in, written into a fixed stack buffer (no allocation), chunk by chunk.
//!
//! Attackers vary case and encoding to slip past literal matching, so a field is matched
//! in one canonical form rather than every spelling being listed:
//! - ASCII lowercase (signatures are written in lowercase);
//! - one round of `%XX` decoding, so `%2e%2e%2f`, `%27` and `%3Cscript` read as `../`,
//!   `'` and `<script`. Double encoding (`%252e`) leaves `%2e` after that round, which is
//!   what the double-encoding signatures spell out;
//! - the access log's own escapes undone: `\"` is `"`, `\xHH` is the byte;
//! - `+` is a space (form encoding: `union+select`);
//! - in request targets (`Url` mode) a backslash is a slash (IIS-style `..\..\`), and
//!   runs of `/` collapse to one (`//phpMyAdmin/`). Referers are matched in `Text` mode:
//!   their `scheme://` would send every one down the slow path, and the payloads looked
//!   for there do not depend on slashes;
//! - the text sits between two NUL sentinels, so `^` and `$` anchors in signatures are
//!   plain bytes to the automaton (a decoded `%00` also reads as an end, as it does to C).
//!
//! Fields longer than the buffer are scanned in chunks that overlap by `OVERLAP` bytes,
//! so a literal of up to that length is never cut in two.

/// Normalised bytes per chunk.
pub const CHUNK: usize = 1024;
/// How far consecutive chunks overlap: the longest literal a signature may have.
pub const OVERLAP: usize = 96;

/// How a field is canonicalised.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Request targets and referers: the URL rules above.
    Url,
    /// User agents, referers and messages: lowercase, decoding, `+` as a space.
    Text,
}

/// Whether the field holds bytes that need more than lowercasing (SIMD scans).
fn needs_slow_path(field: &[u8], mode: Mode) -> bool {
    match mode {
        Mode::Url => {
            memchr::memchr3(b'%', b'\\', b'+', field).is_some() || memchr::memmem::find(field, b"//").is_some()
        }
        Mode::Text => memchr::memchr3(b'%', b'\\', b'+', field).is_some(),
    }
}

/// Fields up to this long are normalised in one go into a small buffer (decoding only
/// shrinks a field, so the output fits); zeroing it costs a few cycles, a full chunk
/// buffer about ten times more.
const SMALL: usize = 512;

/// Normalises `field` and calls `scan` on each chunk (sentinels included). Stops early
/// when `scan` returns false.
#[inline]
pub fn for_each_chunk(field: &[u8], mode: Mode, mut scan: impl FnMut(&[u8]) -> bool) {
    if field.len() + 2 <= SMALL {
        let mut buf = [0u8; SMALL];
        let len = if needs_slow_path(field, mode) {
            let mut len = 1;
            let mut at = 0;
            while at < field.len() {
                let (byte, used) = decode_one(&field[at..], mode);
                at += used;
                if !(mode == Mode::Url && byte == b'/' && buf[len - 1] == b'/') {
                    buf[len] = byte;
                    len += 1;
                }
            }
            len
        } else {
            // Nothing to decode or collapse (most paths and user agents): a lowercase
            // copy the compiler vectorises.
            for (o, c) in buf[1..=field.len()].iter_mut().zip(field) {
                *o = c.to_ascii_lowercase();
            }
            field.len() + 1
        };
        scan(&buf[..len + 1]);
        return;
    }
    let mut buf = [0u8; CHUNK + 2];
    let mut len = 1; // buf[0] is the start sentinel
    let mut at = 0;
    while at < field.len() {
        let (byte, used) = decode_one(&field[at..], mode);
        at += used;
        if mode == Mode::Url && byte == b'/' && buf[len - 1] == b'/' {
            continue;
        }
        if len == CHUNK + 1 {
            if !scan(&buf[..len]) {
                return;
            }
            buf.copy_within(len - OVERLAP..len, 0);
            len = OVERLAP;
        }
        buf[len] = byte;
        len += 1;
    }
    buf[len] = 0;
    scan(&buf[..len + 1]);
}

/// The canonical byte at the start of `rest` and how many input bytes it took.
#[inline]
fn decode_one(rest: &[u8], mode: Mode) -> (u8, usize) {
    let c = rest[0];
    let byte_and_len = match c {
        b'%' => match (rest.get(1).and_then(hex), rest.get(2).and_then(hex)) {
            (Some(h), Some(l)) => (h << 4 | l, 3),
            _ => (c, 1),
        },
        b'\\' => match rest.get(1) {
            Some(b'"') => (b'"', 2),
            Some(b'\\') => (b'\\', 2),
            Some(b'x') => match (rest.get(2).and_then(hex), rest.get(3).and_then(hex)) {
                (Some(h), Some(l)) => (h << 4 | l, 4),
                _ => (c, 1),
            },
            _ => (c, 1),
        },
        _ => (c, 1),
    };
    let (mut byte, used) = byte_and_len;
    if c == b'+' {
        byte = b' ';
    } else if mode == Mode::Url && byte == b'\\' {
        byte = b'/';
    }
    (byte.to_ascii_lowercase(), used)
}

fn hex(c: &u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A signature literal in the form the matcher sees: lowercase, and in Url mode with a
/// backslash read as a slash and runs of `/` collapsed, as the field will be. No
/// `%`-decoding: a `%2e` in a signature means a `%2e` left after one decoding round.
pub fn literal(pattern: &[u8], mode: Mode) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(pattern.len());
    for &c in pattern {
        let c = if mode == Mode::Url && c == b'\\' { b'/' } else { c.to_ascii_lowercase() };
        if mode == Mode::Url && c == b'/' && out.last() == Some(&b'/') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(field: &[u8], mode: Mode) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        for_each_chunk(field, mode, |c| {
            chunks.push(c.to_vec());
            true
        });
        chunks
    }

    #[test]
    fn decodes_and_canonicalises_urls() {
        assert_eq!(norm(b"//PhpMyAdmin/index.php", Mode::Url), [b"\0/phpmyadmin/index.php\0".to_vec()]);
        assert_eq!(norm(b"/a/..%2F..%2fetc%2Fpasswd", Mode::Url), [b"\0/a/../../etc/passwd\0".to_vec()]);
        assert_eq!(norm(b"/x?id=1+UNION+SELECT", Mode::Url), [b"\0/x?id=1 union select\0".to_vec()]);
        assert_eq!(norm(b"/scripts/..%255c..%255cwinnt", Mode::Url), [b"\0/scripts/..%5c..%5cwinnt\0".to_vec()]);
        assert_eq!(norm(b"/a\\x3Cb\\\"c\\\\d%zz%4", Mode::Url), [b"\0/a<b\"c/d%zz%4\0".to_vec()]);
        assert_eq!(norm(b"", Mode::Url), [b"\0\0".to_vec()]);
    }

    #[test]
    fn text_mode_keeps_slashes_and_plus() {
        assert_eq!(norm(b"Mozilla/5.0 (+http://x)", Mode::Text), [b"\0mozilla/5.0 ( http://x)\0".to_vec()]);
        assert_eq!(norm(b"%24%7Bjndi:ldap://x}", Mode::Text), [b"\0${jndi:ldap://x}\0".to_vec()]);
    }

    #[test]
    fn long_fields_come_in_overlapping_chunks() {
        let mut field = vec![b'a'; 3000];
        field[2990..].copy_from_slice(b"/etc/pass%");
        let chunks = norm(&field, Mode::Url);
        assert_eq!(chunks.len(), 4);
        assert!(chunks.iter().all(|c| c.len() <= CHUNK + 2));
        assert!(chunks[3].ends_with(b"/etc/pass%\0"));
        // the seam: the tail of one chunk starts the next
        assert_eq!(chunks[0][CHUNK + 1 - OVERLAP..], chunks[1][..OVERLAP]);
    }

    #[test]
    fn literals_match_the_field_form() {
        assert_eq!(literal(b"/PMA//Scripts\\x", Mode::Url), b"/pma/scripts/x");
        assert_eq!(literal(b"%2E%2e", Mode::Url), b"%2e%2e");
        assert_eq!(literal(b"Nikto/", Mode::Text), b"nikto/");
    }
}
