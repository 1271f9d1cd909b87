//! Request shapes: what learning counts of a request that no rule judged (see
//! `shapes` for the counting), so learning works on aggregates and never re-reads the
//! logs.
//!
//! A request shape is the path without its query string, the query parameter names and
//! the user agent's product token. Query values are dropped on purpose: they are where
//! the per-line noise is (ids, cache busters, search terms), and no pattern is learned
//! from them. Candidate patterns (prefixes, file, extension...) are derived from the
//! shapes only once, at the end, so the hot loop does one hash lookup per access line.

/// Longest example line kept (bytes).
pub const EXAMPLE_BYTES: usize = 400;

/// Builds the shape key of a request into `key`.
pub fn shape_key(path: &[u8], user_agent: &[u8], key: &mut Vec<u8>) {
    key.clear();
    let (bare, query) = match memchr::memchr(b'?', path) {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, &b""[..]),
    };
    key.extend_from_slice(bare);
    key.push(0);
    let mut first = true;
    for pair in query.split(|&c| c == b'&' || c == b';') {
        let name = pair.split(|&c| c == b'=').next().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        if !first {
            key.push(b'&');
        }
        first = false;
        key.extend_from_slice(name);
    }
    key.push(0);
    key.extend_from_slice(agent_token(user_agent));
}

/// The user agent's product token: `python-requests` of `python-requests/2.31.0`,
/// `Mozilla` of `Mozilla/5.0 (...)`; empty for `-` or an agent that does not start with
/// a plain token.
pub fn agent_token(ua: &[u8]) -> &[u8] {
    let end = ua.iter().position(|&c| !is_token_byte(c)).unwrap_or(ua.len());
    let token = &ua[..end];
    let next = ua.get(end).copied();
    let ends_well = matches!(next, None | Some(b'/') | Some(b' ') | Some(b'(') | Some(b';'));
    if token.len() < 2 || token.len() > 64 || !ends_well || !token[0].is_ascii_alphabetic() {
        return b"";
    }
    token
}

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

/// Splits a shape key back into (path, param names, agent token).
pub fn split_key(key: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let mut parts = key.splitn(3, |&c| c == 0);
    let path = parts.next().unwrap_or_default();
    let params = parts.next().unwrap_or_default();
    let agent = parts.next().unwrap_or_default();
    (path, params, agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str, ua: &str) -> Vec<u8> {
        let mut k = Vec::new();
        shape_key(path.as_bytes(), ua.as_bytes(), &mut k);
        k
    }

    #[test]
    fn shapes_drop_query_values() {
        assert_eq!(key("/a/b.php?id=1&x=2", "curl/8.0"), b"/a/b.php\0id&x\0curl");
        assert_eq!(key("/a/b.php?id=99&x=", "curl/7.1"), key("/a/b.php?id=1&x=2", "curl/8.0"));
        assert_eq!(key("/", "-"), b"/\0\0");
        assert_eq!(key("/?&=&a", ""), b"/\0a\0");
        let k = key("/x?q=1", "Mozilla/5.0 (X11)");
        assert_eq!(split_key(&k), (&b"/x"[..], &b"q"[..], &b"Mozilla"[..]));
    }

    #[test]
    fn agent_tokens() {
        assert_eq!(agent_token(b"python-requests/2.31.0"), b"python-requests");
        assert_eq!(agent_token(b"zgrab"), b"zgrab");
        assert_eq!(agent_token(b"-"), b"");
        assert_eq!(agent_token(b"() { :; }; /bin/bash"), b"");
        assert_eq!(agent_token(b"${jndi:ldap://x/a}"), b"");
        assert_eq!(agent_token(b"\xff\xfeabc"), b"");
        assert_eq!(agent_token(b"abc\xff"), b"");
    }
}
