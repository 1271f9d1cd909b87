//! Calendar arithmetic: civil timestamps as logs write them -> UTC microseconds,
//! month names, day numbers, and the local-time zone used for offset-less formats.

use std::sync::Arc;

/// A timestamp as a log line writes it. `year == 0` means the line has no year
/// (RFC 3164 syslog); `offset_secs == None` means local time of the logging host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micros: u32,
    pub offset_secs: Option<i32>,
}

pub const MICROS_PER_SEC: i64 = 1_000_000;
pub const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year as i64 - 1 } else { year as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// UTC year and month of a file time (modification times, now).
pub fn year_month_of(t: std::time::SystemTime) -> (i32, u8) {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (y, m, _) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    (y, m as u8)
}

/// UTC day number of a timestamp in microseconds.
/// The current time as UTC microseconds since the epoch (0 if the clock is before it).
pub fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// The UTC day number of a timestamp in microseconds.
pub fn day_of(ts_micros: i64) -> i32 {
    ts_micros.div_euclid(SECS_PER_DAY * MICROS_PER_SEC) as i32
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i32) -> String {
    let mut out = String::with_capacity(10);
    write_day(&mut out, day);
    out
}

/// Appends `YYYY-MM-DD` of a day number.
pub fn write_day(out: &mut String, day: i32) {
    let (y, m, d) = civil_from_days(day as i64);
    if !(0..=9999).contains(&y) {
        use std::fmt::Write;
        let _ = write!(out, "{y:04}-{m:02}-{d:02}");
        return;
    }
    let mut text = *b"0000-00-00";
    put_digits(&mut text[0..4], y as u32);
    put_digits(&mut text[5..7], m);
    put_digits(&mut text[8..10], d);
    out.push_str(ascii(&text));
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` of a timestamp in microseconds.
pub fn format_ts(ts_micros: i64) -> String {
    let mut out = String::with_capacity(27);
    write_ts(&mut out, ts_micros);
    out
}

/// Appends `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` of a timestamp in microseconds. Digits are
/// placed by hand: the tables write one or two stamps per row, and `write!` made that
/// a visible part of writing them.
pub fn write_ts(out: &mut String, ts_micros: i64) {
    let secs = ts_micros.div_euclid(MICROS_PER_SEC);
    let micros = ts_micros.rem_euclid(MICROS_PER_SEC) as u32;
    write_day(out, secs.div_euclid(SECS_PER_DAY) as i32);
    let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
    let mut text = *b"T00:00:00.000000Z";
    put_digits(&mut text[1..3], sod / 3600);
    put_digits(&mut text[4..6], sod % 3600 / 60);
    put_digits(&mut text[7..9], sod % 60);
    if micros == 0 {
        out.push_str(ascii(&text[..9]));
        out.push('Z');
    } else {
        put_digits(&mut text[10..16], micros);
        out.push_str(ascii(&text));
    }
}

/// Writes the last `into.len()` decimal digits of `value`, zero-padded.
#[inline]
fn put_digits(into: &mut [u8], mut value: u32) {
    for digit in into.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[inline]
fn ascii(text: &[u8]) -> &str {
    std::str::from_utf8(text).expect("digits and separators are ASCII")
}

/// Month number (1-12) of an English three-letter month name, any case.
#[inline]
pub fn month_from_abbrev(b: &[u8]) -> Option<u8> {
    if b.len() < 3 {
        return None;
    }
    let key = [b[0] | 0x20, b[1] | 0x20, b[2] | 0x20];
    Some(match &key {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

/// Parses exactly `N` ASCII digits.
#[inline]
pub fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() < N {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..N] {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u32;
    }
    Some(v)
}

/// Parses `HH:MM:SS` at the start of `b`.
#[inline]
pub fn hms(b: &[u8]) -> Option<(u8, u8, u8)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let h = digits::<2>(b)?;
    let m = digits::<2>(&b[3..])?;
    let s = digits::<2>(&b[6..])?;
    (h < 24 && m < 60 && s < 61).then_some((h as u8, m as u8, s as u8))
}

/// Parses a fraction of a second (`.123` or `.123456`): returns micros and bytes used
/// (including the dot); (0, 0) when there is none.
#[inline]
pub fn fraction(b: &[u8]) -> (u32, usize) {
    if b.first() != Some(&b'.') && b.first() != Some(&b',') {
        return (0, 0);
    }
    let mut micros = 0u32;
    let mut scale = 100_000u32;
    let mut i = 1;
    while i < b.len() && b[i].is_ascii_digit() {
        micros += (b[i] - b'0') as u32 * scale;
        scale /= 10;
        i += 1;
    }
    if i == 1 {
        return (0, 0);
    }
    (micros, i)
}

/// Parses a numeric UTC offset: `Z`, `+0100`, `+01:00`, `-07`. Returns seconds east and
/// bytes used.
#[inline]
pub fn utc_offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        c @ (b'+' | b'-') => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let h = digits::<2>(&b[1..])? as i32;
            let (m, used) = if b.get(3) == Some(&b':') {
                (digits::<2>(&b[4..])? as i32, 6)
            } else if let Some(m) = digits::<2>(&b[3..]) {
                (m as i32, 5)
            } else {
                (0, 3)
            };
            (h <= 23 && m < 60).then_some((sign * (h * 3600 + m * 60), used))
        }
        _ => None,
    }
}

/// How to read timestamps that carry no UTC offset.
#[derive(Clone, Debug)]
pub enum LocalZone {
    Utc,
    /// A fixed offset, seconds east of UTC.
    Fixed(i32),
    /// A zone with daylight-saving rules, from the tz database as the jiff crate reads
    /// it: this machine's (TZ, /etc/localtime) or one named like `Europe/Berlin`.
    Zone(Arc<jiff::tz::TimeZone>),
}

impl PartialEq for LocalZone {
    fn eq(&self, other: &LocalZone) -> bool {
        match (self, other) {
            (LocalZone::Utc, LocalZone::Utc) => true,
            (LocalZone::Fixed(a), LocalZone::Fixed(b)) => a == b,
            (LocalZone::Zone(a), LocalZone::Zone(b)) => Arc::ptr_eq(a, b) || a.iana_name() == b.iana_name(),
            _ => false,
        }
    }
}

impl LocalZone {
    /// Parses `utc`, `system`/`local`, a `+HH:MM` offset, or a tz database name.
    pub fn parse(s: &str) -> Option<LocalZone> {
        match s.to_ascii_lowercase().as_str() {
            "utc" | "z" | "gmt" => Some(LocalZone::Utc),
            // Where the system zone cannot be read, jiff takes UTC, as the C library did.
            "system" | "local" => Some(LocalZone::Zone(Arc::new(jiff::tz::TimeZone::system()))),
            other => match utc_offset(other.as_bytes()) {
                Some((secs, used)) if used == other.len() => Some(LocalZone::Fixed(secs)),
                _ => jiff::tz::TimeZone::get(s.trim()).ok().map(|tz| LocalZone::Zone(Arc::new(tz))),
            },
        }
    }

    /// Seconds east of UTC that apply to a local wall-clock time.
    #[inline]
    pub fn offset_at(&self, year: i32, month: u8, day: u8, hour: u8) -> i32 {
        match self {
            LocalZone::Utc => 0,
            LocalZone::Fixed(s) => *s,
            LocalZone::Zone(tz) => zone_offset(tz, year, month, day, hour),
        }
    }
}

/// A zone's offset for a local wall-clock hour, looked up once per distinct hour and
/// thread: a scan's lines come in time order, so most lines repeat the last hour.
fn zone_offset(tz: &Arc<jiff::tz::TimeZone>, year: i32, month: u8, day: u8, hour: u8) -> i32 {
    use std::cell::RefCell;
    /// The last zone, local hour and offset. The zone is held, so that a zone freed
    /// and another allocated at its address can never be taken for it.
    type Last = Option<(Arc<jiff::tz::TimeZone>, i64, i32)>;
    thread_local! {
        static LAST: RefCell<Last> = const { RefCell::new(None) };
    }
    let local_hour = days_from_civil(year, month as u32, day as u32) * 24 + hour as i64;
    let hit = LAST.with_borrow(|last| match last {
        Some((zone, key, off)) if *key == local_hour && Arc::ptr_eq(zone, tz) => Some(*off),
        _ => None,
    });
    if let Some(off) = hit {
        return off;
    }
    let off = lookup_offset(tz, year, month, day, hour);
    LAST.set(Some((tz.clone(), local_hour, off)));
    off
}

/// The offset of a local time. Where the clock skips that hour (spring forward) or
/// repeats it (fall back), the later of the two instants, as glibc's mktime gives
/// (knocklog asked mktime before); 0 for a date jiff cannot represent.
fn lookup_offset(tz: &jiff::tz::TimeZone, year: i32, month: u8, day: u8, hour: u8) -> i32 {
    let Ok(year) = i16::try_from(year) else { return 0 };
    let Ok(local) = jiff::civil::DateTime::new(year, month as i8, day as i8, hour as i8, 0, 0, 0) else {
        return 0;
    };
    match tz.to_ambiguous_timestamp(local).later() {
        Ok(ts) => {
            let local_secs = days_from_civil(year as i32, month as u32, day as u32) * SECS_PER_DAY + hour as i64 * 3600;
            (local_secs - ts.as_second()) as i32
        }
        Err(_) => 0,
    }
}

impl CivilTime {
    /// UTC microseconds, given the year to use when the line has none and the zone
    /// for lines without an offset. None for impossible dates.
    pub fn to_utc_micros(&self, fallback_year: i32, zone: &LocalZone) -> Option<i64> {
        let year = if self.year == 0 { fallback_year } else { self.year };
        if !(1..=12).contains(&self.month) || self.day == 0 || self.day > days_in_month(year, self.month) {
            return None;
        }
        let offset = match self.offset_secs {
            Some(o) => o,
            None => zone.offset_at(year, self.month, self.day, self.hour),
        };
        let days = days_from_civil(year, self.month as u32, self.day as u32);
        let secs = days * SECS_PER_DAY + self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second.min(59) as i64
            - offset as i64;
        Some(secs * MICROS_PER_SEC + self.micros as i64)
    }
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A span such as `30s`, `30m`, `12h`, `7d` or `2w`, in seconds; None for anything else
/// (a negative or overflowing count too).
pub fn parse_span_secs(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = *s.as_bytes().last()?;
    let n: i64 = s[..s.len() - 1].parse().ok().filter(|n| *n >= 0)?;
    let secs = match unit {
        b's' => 1,
        b'm' => 60,
        b'h' => 3600,
        b'd' => SECS_PER_DAY,
        b'w' => 7 * SECS_PER_DAY,
        _ => return None,
    };
    n.checked_mul(secs)
}

/// Seconds in `parse_span_secs`'s own syntax (`1w`, `12h`, `90s`), the largest unit
/// that divides them: what a user would type back into a flag or knocklog.toml.
pub fn span_text(secs: u64) -> String {
    match secs {
        s if s > 0 && s % 604_800 == 0 => format!("{}w", s / 604_800),
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Parses `--since`/`--until` values: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[Z]`, or a
/// relative `7d`/`12h`/`30m`/`2w` before `now_micros`. Returns UTC microseconds.
pub fn parse_when(s: &str, now_micros: i64) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    // A trailing letter is a span's unit, or the Z of a time stamp.
    if let Some(secs) = parse_span_secs(s) {
        return now_micros.checked_sub(secs.checked_mul(MICROS_PER_SEC)?);
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits::<4>(b)? as i32;
    let m = digits::<2>(&b[5..])? as u8;
    let d = digits::<2>(&b[8..])? as u8;
    let mut t = CivilTime { year: y, month: m, day: d, offset_secs: Some(0), ..Default::default() };
    if b.len() > 10 {
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        let (h, mi, se) = hms(&b[11..])?;
        t.hour = h;
        t.minute = mi;
        t.second = se;
        let rest = &b[19..];
        if !rest.is_empty() {
            let (off, used) = utc_offset(rest)?;
            if used != rest.len() {
                return None;
            }
            t.offset_secs = Some(off);
        }
    }
    t.to_utc_micros(y, &LocalZone::Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn named_zones_follow_their_summer_time() {
        let berlin = LocalZone::parse("Europe/Berlin").expect("a tz database name");
        assert_eq!(berlin.offset_at(2026, 1, 15, 12), 3600);
        assert_eq!(berlin.offset_at(2026, 7, 15, 12), 7200);
        // 2026-03-29 02:30 does not exist in Berlin (the clock skips to 03:00), and
        // 02:00-03:00 on 2026-10-25 happens twice: the later instant, as mktime gave.
        assert_eq!(berlin.offset_at(2026, 3, 29, 2), 3600);
        assert_eq!(berlin.offset_at(2026, 10, 25, 2), 3600);
        let new_york = LocalZone::parse("America/New_York").unwrap();
        assert_eq!(new_york.offset_at(2026, 1, 15, 12), -5 * 3600);
        assert_eq!(LocalZone::parse("utc"), Some(LocalZone::Utc));
        assert_eq!(LocalZone::parse("+01:30"), Some(LocalZone::Fixed(5400)));
        assert!(LocalZone::parse("Mars/Olympus_Mons").is_none());
        assert!(LocalZone::parse("system").is_some());
    }

    #[test]
    fn offsets_are_honoured() {
        let t = CivilTime {
            year: 2000,
            month: 10,
            day: 10,
            hour: 13,
            minute: 55,
            second: 36,
            micros: 0,
            offset_secs: Some(-7 * 3600),
        };
        assert_eq!(format_ts(t.to_utc_micros(0, &LocalZone::Utc).unwrap()), "2000-10-10T20:55:36Z");
        assert_eq!(utc_offset(b"+05:30"), Some((19_800, 6)));
        assert_eq!(utc_offset(b"-0700"), Some((-25_200, 5)));
    }

    #[test]
    fn impossible_dates_are_rejected() {
        let t = CivilTime { year: 2025, month: 2, day: 29, ..Default::default() };
        assert_eq!(t.to_utc_micros(0, &LocalZone::Utc), None);
        let t = CivilTime { year: 0, month: 2, day: 29, ..Default::default() };
        assert!(t.to_utc_micros(2024, &LocalZone::Utc).is_some());
    }

    #[test]
    fn since_values() {
        let now = parse_when("2026-01-10", 0).unwrap();
        assert_eq!(parse_when("7d", now), parse_when("2026-01-03", 0));
        assert_eq!(format_ts(parse_when("2026-01-03T04:05:06+01:00", 0).unwrap()), "2026-01-03T03:05:06Z");
        assert_eq!(parse_when("yesterday", now), None);
    }

    #[test]
    fn stamps_are_written_as_format_would() {
        let reference = |ts: i64| {
            let (secs, micros) = (ts.div_euclid(MICROS_PER_SEC), ts.rem_euclid(MICROS_PER_SEC));
            let (y, m, d) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
            let sod = secs.rem_euclid(SECS_PER_DAY);
            let fraction = if micros == 0 { String::new() } else { format!(".{micros:06}") };
            format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{fraction}Z", sod / 3600, sod % 3600 / 60, sod % 60)
        };
        let mut ts: i64 = -62_200_000_000_000_000; // before year 0: the slow path
        while ts < 260_000_000_000_000_000 {
            assert_eq!(format_ts(ts), reference(ts), "{ts}");
            assert_eq!(format_ts(ts - ts.rem_euclid(MICROS_PER_SEC)), reference(ts - ts.rem_euclid(MICROS_PER_SEC)));
            ts += 987_654_321_987;
        }
        assert_eq!(format_ts(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_ts(-1), "1969-12-31T23:59:59.999999Z");
        assert_eq!(format_day(-719_528), "0000-01-01");
    }
}
