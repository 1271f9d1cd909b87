//! Rotation groups: `x.log`, `x.log.0`, `x.log.1`, `x.log.2.gz`, `x.log-20260105[.gz]`
//! are one log; this module names the group and orders its members oldest to newest.

use std::cmp::Ordering;

/// Where a file stands in its rotation group. Sorting ascending gives oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RotationRank {
    /// `x.log-20260105`: dateext rotation; older than numbered siblings and the live file.
    Dated(u64),
    /// `x.log.N`: larger N is older.
    Numbered(u32),
    /// `x.log`: the live file, newest.
    Live,
}

impl Ord for RotationRank {
    fn cmp(&self, other: &Self) -> Ordering {
        use RotationRank::*;
        match (self, other) {
            (Dated(a), Dated(b)) => a.cmp(b),
            (Numbered(a), Numbered(b)) => b.cmp(a),
            (Live, Live) => Ordering::Equal,
            (Dated(_), _) => Ordering::Less,
            (_, Dated(_)) => Ordering::Greater,
            (Numbered(_), Live) => Ordering::Less,
            (Live, Numbered(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for RotationRank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compression suffixes logrotate may add.
const COMPRESSION_SUFFIXES: [&str; 5] = [".gz", ".bz2", ".xz", ".zst", ".lz4"];

/// Splits a file name into (base name of the group, rank). The compression suffix is
/// dropped; compression itself is detected from content, not from the name.
pub fn split_rotation(file_name: &str) -> (String, RotationRank) {
    let mut name = file_name;
    for suffix in COMPRESSION_SUFFIXES {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped;
            break;
        }
    }
    if let Some((base, n)) = name.rsplit_once('.') {
        if !base.is_empty() && !n.is_empty() && n.len() <= 4 && n.bytes().all(|c| c.is_ascii_digit()) {
            return (base.to_owned(), RotationRank::Numbered(n.parse().unwrap_or(0)));
        }
    }
    if let Some((base, date)) = name.rsplit_once('-') {
        let digits = date.bytes().filter(u8::is_ascii_digit).count();
        let is_date = (8..=14).contains(&digits) && date.bytes().all(|c| c.is_ascii_digit() || c == b'_');
        if !base.is_empty() && is_date {
            let value = date.bytes().filter(u8::is_ascii_digit).fold(0u64, |v, c| v * 10 + (c - b'0') as u64);
            return (base.to_owned(), RotationRank::Dated(value));
        }
    }
    (name.to_owned(), RotationRank::Live)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_share_a_base() {
        for name in [
            "access.log",
            "access.log.1",
            "access.log.2.gz",
            "access.log-20260105",
            "access.log-20260105.gz",
            "access.log.0",
        ] {
            assert_eq!(split_rotation(name).0, "access.log", "{name}");
        }
        assert_eq!(split_rotation("access_log.13").0, "access_log");
        assert_eq!(split_rotation("syslog").1, RotationRank::Live);
    }

    #[test]
    fn oldest_first() {
        let mut names =
            vec!["x.log", "x.log.1", "x.log.0", "x.log.2.gz", "x.log.10.gz", "x.log-20260105", "x.log-20251230.gz"];
        names.sort_by_key(|n| split_rotation(n).1);
        assert_eq!(
            names,
            ["x.log-20251230.gz", "x.log-20260105", "x.log.10.gz", "x.log.2.gz", "x.log.1", "x.log.0", "x.log"]
        );
    }
}
