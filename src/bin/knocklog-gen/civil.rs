//! Civil time in UTC, microseconds since the epoch, and the four stamp layouts we write.

use std::io::Write;

pub const SEC: i64 = 1_000_000;
pub const MIN: i64 = 60 * SEC;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

// The calendar arithmetic is knocklog's own (the generator and the parsers must agree).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    knocklog::vocab::time::days_from_civil(year as i32, month, day)
}

pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let (y, m, d) = knocklog::vocab::time::civil_from_days(days);
    (y as i64, m, d)
}

pub fn at(year: i64, month: u32, day: u32, hour: i64, minute: i64, second: i64) -> i64 {
    days_from_civil(year, month, day) * DAY + hour * HOUR + minute * MIN + second * SEC
}

pub struct Parts {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub micros: i64,
    pub weekday: usize,
}

pub fn parts(ts: i64) -> Parts {
    let days = ts.div_euclid(DAY);
    let rest = ts.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: rest / HOUR,
        minute: rest % HOUR / MIN,
        second: rest % MIN / SEC,
        micros: rest % SEC,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

/// Access logs: `06/Jan/2026:02:32:23 +0000`.
pub fn clf(out: &mut Vec<u8>, ts: i64) {
    let p = parts(ts);
    let month = MONTHS[p.month as usize - 1];
    let _ = write!(out, "{:02}/{month}/{}:{:02}:{:02}:{:02} +0000", p.day, p.year, p.hour, p.minute, p.second);
}

/// Apache 2.4 error log: `Tue Jan 06 02:32:23.803330 2026`.
pub fn apache_error(out: &mut Vec<u8>, ts: i64) {
    let p = parts(ts);
    let (weekday, month) = (WEEKDAYS[p.weekday], MONTHS[p.month as usize - 1]);
    let _ = write!(
        out,
        "{weekday} {month} {:02} {:02}:{:02}:{:02}.{:06} {}",
        p.day, p.hour, p.minute, p.second, p.micros, p.year
    );
}

/// rsyslog's RSYSLOG_FileFormat (Debian's default now): `2026-01-06T00:02:28.123456+00:00`.
pub fn rsyslog(out: &mut Vec<u8>, ts: i64) {
    let p = parts(ts);
    let _ = write!(
        out,
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.micros
    );
}

/// nginx error log: `2026/01/06 02:32:23`.
pub fn nginx(out: &mut Vec<u8>, ts: i64) {
    let p = parts(ts);
    let _ = write!(out, "{}/{:02}/{:02} {:02}:{:02}:{:02}", p.year, p.month, p.day, p.hour, p.minute, p.second);
}

/// `2026-01-06 02:32:23` for the README.
pub fn readable(ts: i64) -> String {
    let p = parts(ts);
    format!("{}-{:02}-{:02} {:02}:{:02}:{:02}", p.year, p.month, p.day, p.hour, p.minute, p.second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_formats() {
        for days in [-1, 0, 10_957, 20_448, 20_461] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        let ts = at(2026, 1, 6, 2, 32, 23) + 803_330;
        let mut out = Vec::new();
        apache_error(&mut out, ts);
        assert_eq!(out, b"Tue Jan 06 02:32:23.803330 2026");
        out.clear();
        clf(&mut out, ts);
        assert_eq!(out, b"06/Jan/2026:02:32:23 +0000");
    }
}
