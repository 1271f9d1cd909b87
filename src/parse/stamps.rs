//! The timestamps that open a syslog line (RFC 3164 and ISO 8601), also met inside
//! messages that repeat one (journald-forwarded dropbear).

use crate::vocab::time::{digits, fraction, hms, month_from_abbrev, utc_offset, CivilTime};

/// RFC 3164 stamp `Mmm dd [YYYY ]HH:MM:SS` (day space-padded or not, optional
/// fraction) and the rest after its space. Without a year, `year` is 0.
pub fn rfc3164_stamp(b: &[u8]) -> Option<(CivilTime, &[u8])> {
    let month = month_from_abbrev(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let mut day = 0u32;
    let start = i;
    while i < b.len() && i - start < 2 && b[i].is_ascii_digit() {
        day = day * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    if i == start || !(1..=31).contains(&day) || b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    // macOS and some network gear write the year too: `Oct 27 2015 09:24:46`
    let mut year = 0;
    if let (Some(y), Some(b' ')) = (digits::<4>(&b[i..]), b.get(i + 4)) {
        year = y as i32;
        i += 5;
    }
    let (hour, minute, second) = hms(b.get(i..)?)?;
    i += 8;
    let (micros, used) = fraction(&b[i..]);
    i += used;
    let time = CivilTime { year, month, day: day as u8, hour, minute, second, micros, offset_secs: None };
    Some((time, after_stamp(b, i)?))
}

/// ISO 8601 stamp `YYYY-MM-DD<sep>HH:MM:SS[.frac][Z|+HH:MM]` and the rest after its
/// space. Without an offset the time is local (`offset_secs` None).
pub fn iso_stamp(b: &[u8], date_time_separator: u8) -> Option<(CivilTime, &[u8])> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != date_time_separator {
        return None;
    }
    // year 0 would read as "no year" downstream
    let year = digits::<4>(b).filter(|&y| y > 0)? as i32;
    let month = digits::<2>(&b[5..])? as u8;
    let day = digits::<2>(&b[8..])? as u8;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (hour, minute, second) = hms(&b[11..])?;
    let mut i = 19;
    let (micros, used) = fraction(&b[i..]);
    i += used;
    let mut offset_secs = None;
    if let Some((offset, used)) = utc_offset(&b[i..]) {
        offset_secs = Some(offset);
        i += used;
    }
    let time = CivilTime { year, month, day, hour, minute, second, micros, offset_secs };
    Some((time, after_stamp(b, i)?))
}

/// A stamp must end the line or be followed by a space.
fn after_stamp(b: &[u8], end: usize) -> Option<&[u8]> {
    match b.get(end) {
        None => Some(&[]),
        Some(b' ') => Some(&b[end + 1..]),
        Some(_) => None,
    }
}
