//! Shell evasions CRS's first paranoia level lets through, found by what the shell would
//! make of them rather than by more patterns: a glob that expands to a file attackers
//! read or run (`/etc/pa[s]swd`, `/???/c?t`, `/bin/ca*`), and a command word broken up
//! by quotes or backslashes that the shell removes (`w"h"o'am'i`, `wh\oami`) after a
//! command separator.

/// Files whose glob-spelled name is an attack: what a traversal or injection reads, and
/// the interpreters and tools it runs.
const SENSITIVE: [&str; 24] = [
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/hosts",
    "/etc/issue",
    "/etc/crontab",
    "/proc/self/environ",
    "/proc/version",
    "/bin/sh",
    "/bin/bash",
    "/bin/dash",
    "/bin/busybox",
    "/bin/cat",
    "/bin/nc",
    "/bin/id",
    "/bin/uname",
    "/usr/bin/id",
    "/usr/bin/whoami",
    "/usr/bin/wget",
    "/usr/bin/curl",
    "/usr/bin/nc",
    "/usr/bin/python",
    "/usr/bin/perl",
    "/usr/bin/uname",
];

/// Commands a probe runs to see whether injection works, or to fetch its payload.
const COMMANDS: [&str; 30] = [
    "id",
    "whoami",
    "uname",
    "cat",
    "ls",
    "pwd",
    "echo",
    "wget",
    "curl",
    "nc",
    "ncat",
    "bash",
    "sh",
    "ping",
    "nslookup",
    "ifconfig",
    "ipconfig",
    "sleep",
    "busybox",
    "python",
    "python3",
    "perl",
    "chmod",
    "rm",
    "tftp",
    "netstat",
    "hostname",
    "systeminfo",
    "powershell",
    "cmd",
];

/// A token of `value` that is a glob (`?`, `*` or a `[...]` class in a `/`-separated
/// path) matching one of `SENSITIVE`.
pub fn sensitive_glob(value: &[u8]) -> bool {
    let tokens = value.split(|b| matches!(b, b' ' | b'\t' | b'\n' | b';' | b'|' | b'&' | b'`' | b'(' | b')' | b'='));
    tokens.filter(|t| t.contains(&b'/') && t.iter().any(|b| matches!(b, b'?' | b'*' | b'['))).any(|t| {
        // The path part of the token: from its first `/`.
        let at = t.iter().position(|&b| b == b'/').unwrap_or(0);
        SENSITIVE.iter().any(|path| glob_matches(&t[at..], path.as_bytes()))
    })
}

/// Shell glob matching of a whole path: `?` one character, `*` any run, `[...]` a class
/// (`!`/`^` negates, `a-z` ranges); neither wildcard crosses a `/`.
fn glob_matches(glob: &[u8], path: &[u8]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((b'*', rest)) => {
            (0..=path.len()).take_while(|&n| n == 0 || path[n - 1] != b'/').any(|n| glob_matches(rest, &path[n..]))
        }
        Some((b'?', rest)) => path.first().is_some_and(|&c| c != b'/') && glob_matches(rest, &path[1..]),
        Some((b'[', rest)) => match (class_end(rest), path.first()) {
            (Some(end), Some(&c)) => {
                c != b'/' && in_class(&rest[..end], c) && glob_matches(&rest[end + 1..], &path[1..])
            }
            (None, Some(&b'[')) => glob_matches(rest, &path[1..]),
            _ => false,
        },
        Some((&g, rest)) => path.first() == Some(&g) && glob_matches(rest, &path[1..]),
    }
}

/// Where a class's `]` is (a `]` first in the class is a member).
fn class_end(class: &[u8]) -> Option<usize> {
    let skip = usize::from(matches!(class.first(), Some(b'!' | b'^')));
    let from = skip + usize::from(class.get(skip) == Some(&b']'));
    class[from..].iter().position(|&b| b == b']').map(|p| p + from)
}

/// A class holding `?` or `*` (`/[?]tc`) is read as the wildcard it was meant as: a
/// shell takes it literally, but the attacker's intent is the point, and it still has
/// to spell a sensitive path.
fn in_class(class: &[u8], c: u8) -> bool {
    let (negated, members) = match class.split_first() {
        Some((b'!' | b'^', rest)) => (true, rest),
        _ => (false, class),
    };
    if !negated && members.iter().any(|&m| m == b'?' || m == b'*') {
        return true;
    }
    let mut i = 0;
    let mut found = false;
    while i < members.len() {
        if i + 2 < members.len() && members[i + 1] == b'-' {
            found |= (members[i]..=members[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= members[i] == c;
            i += 1;
        }
    }
    found != negated
}

/// After a command separator (`;`, `|`, `&`, a backtick, `$(`, a newline), a word with
/// quotes or backslashes inside it that is a known command once the shell has removed
/// them.
pub fn quoted_command(value: &[u8]) -> bool {
    let mut i = 0;
    while i < value.len() {
        let after = match value[i] {
            b';' | b'|' | b'&' | b'`' | b'\n' => i + 1,
            b'$' if value.get(i + 1) == Some(&b'(') => i + 2,
            _ => {
                i += 1;
                continue;
            }
        };
        let start = after + value[after..].iter().take_while(|&&b| matches!(b, b' ' | b'\t' | b'|' | b'&')).count();
        let len = value[start..]
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'"' | b'\'' | b'\\'))
            .count();
        let word = &value[start..start + len];
        if word.iter().any(|&b| matches!(b, b'"' | b'\'' | b'\\')) {
            let plain: Vec<u8> =
                word.iter().filter(|b| b.is_ascii_alphanumeric()).map(u8::to_ascii_lowercase).collect();
            // A word that only ends in quotes is a quoted argument, not an evasion.
            let letters_after_quote =
                word.iter().skip_while(|b| b.is_ascii_alphanumeric()).any(u8::is_ascii_alphanumeric);
            if letters_after_quote && COMMANDS.iter().any(|c| c.as_bytes() == plain.as_slice()) {
                return true;
            }
        }
        i = start.max(i + 1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_that_name_sensitive_files_are_found() {
        for attack in ["cat /etc/pa[s]swd", "/[?]tc/pa[?]swd", "/???/??t /e?c/p*d", "x;/b[!x]n/ca*", "/etc/sha[d]ow"] {
            assert!(sensitive_glob(attack.as_bytes()), "{attack}");
        }
        for benign in ["/images/*.png", "what is /etc/passwd?", "/docs/[draft]/x", "a?b=c/d", "/e*/p"] {
            assert!(!sensitive_glob(benign.as_bytes()), "{benign}");
        }
    }

    #[test]
    fn commands_broken_up_by_quotes_are_found() {
        for attack in [";w\"h\"o'am'i", "|c\\at /etc/hosts", "$(i''d)", "`u'n'ame -a`", "& wh\\oami"] {
            assert!(quoted_command(attack.as_bytes()), "{attack}");
        }
        for benign in ["rock;n'roll", "a; it's", "Tom & Jerry's", "say 'cat'", "whoami"] {
            assert!(!quoted_command(benign.as_bytes()), "{benign}");
        }
    }
}
