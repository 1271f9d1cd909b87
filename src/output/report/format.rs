//! Numbers, times and durations for people: `12,345`, `2026-01-05 14:03 UTC`,
//! `1 h 05 min`.

use crate::vocab::time::{civil_from_days, MICROS_PER_SEC, SECS_PER_DAY};

/// An integer with thousands separators.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` as a share of `whole`, `12.3 %` (two decimals under 1 %).
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    let p = 100.0 * part as f64 / whole as f64;
    if p > 0.0 && p < 1.0 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// `YYYY-MM-DD`.
pub fn day(d: i32) -> String {
    let (y, m, dd) = civil_from_days(d as i64);
    format!("{y:04}-{m:02}-{dd:02}")
}

/// `YYYY-MM-DD HH:MM:SS` (UTC; headings say so).
pub fn time(ts: i64) -> String {
    let secs = ts.div_euclid(MICROS_PER_SEC);
    let sod = secs.rem_euclid(SECS_PER_DAY);
    format!("{} {:02}:{:02}:{:02}", day(secs.div_euclid(SECS_PER_DAY) as i32), sod / 3600, sod % 3600 / 60, sod % 60)
}

/// A duration in microseconds: `0 s`, `45 s`, `12 min 05 s`, `3 h 07 min`, `2 d 4 h`.
pub fn duration(micros: i64) -> String {
    let s = micros.max(0) / MICROS_PER_SEC;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {:02} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_formats() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(percent(1, 1000), "0.10 %");
        assert_eq!(percent(0, 0), "–");
        assert_eq!(time(0), "1970-01-01 00:00:00");
        assert_eq!(time(86_400_000_000 + 3_723_000_000), "1970-01-02 01:02:03");
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(125 * 1_000_000), "2 min 05 s");
        assert_eq!(duration(3 * 3600 * 1_000_000 + 7 * 60 * 1_000_000), "3 h 07 min");
        assert_eq!(duration(2 * 86_400 * 1_000_000 + 4 * 3600 * 1_000_000), "2 d 4 h");
    }
}
