//! Year inference for syslog lines that carry no year (RFC 3164 `Jan  6 00:02:28`):
//! the newest file of a rotation group takes its year from its modification time (or
//! from `--year-of-newest`), each older sibling from the one after it, and a
//! December-to-January step inside a file starts a new year from that line on. With
//! `--year` the chain runs forward instead, from the oldest file's first line.

use std::time::SystemTime;

use crate::vocab::time::{month_from_abbrev, year_month_of};

/// The months seen in one file, in line order.
#[derive(Clone, Debug, Default)]
pub struct MonthScan {
    pub first_month: Option<u8>,
    pub last_month: Option<u8>,
    /// Byte offsets of the lines where the month steps back by six or more (Dec -> Jan).
    pub rollovers: Vec<u64>,
    current: Option<u8>,
}

impl MonthScan {
    /// Feeds a newline-aligned piece of the file that starts at byte `base`.
    pub fn feed(&mut self, bytes: &[u8], base: u64) {
        let mut start = 0usize;
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            if let Some(month) = leading_month(&bytes[start..end]) {
                self.see(month, base + start as u64);
            }
            start = end + 1;
        }
    }

    fn see(&mut self, month: u8, offset: u64) {
        if self.first_month.is_none() {
            self.first_month = Some(month);
        }
        match self.current {
            Some(cur) if month + 6 <= cur => {
                self.rollovers.push(offset);
                self.current = Some(month);
            }
            // A straggler from before the last rollover: it does not move the clock.
            Some(cur) if month >= cur + 6 => {}
            _ => self.current = Some(month),
        }
        self.last_month = self.current;
    }
}

/// The month of a line that starts with an RFC 3164 stamp (after an optional `<PRI>`).
fn leading_month(line: &[u8]) -> Option<u8> {
    let line = match line.first() {
        Some(b'<') => &line[memchr::memchr(b'>', line)? + 1..],
        _ => line,
    };
    if line.len() < 4 || line[3] != b' ' {
        return None;
    }
    month_from_abbrev(line)
}

/// Which year each byte offset of a file falls in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearPlan {
    pub first_year: i32,
    pub rollovers: Vec<u64>,
}

impl YearPlan {
    #[inline]
    pub fn year_at(&self, offset: u64) -> i32 {
        if self.rollovers.is_empty() {
            return self.first_year;
        }
        self.first_year + self.rollovers.partition_point(|&o| o <= offset) as i32
    }
}

/// Where the years of yearless lines come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YearAnchor {
    /// The newest file's modification time.
    #[default]
    FileTimes,
    /// `--year`: the year of each group's first yearless line.
    Oldest(i32),
    /// `--year-of-newest`: the year of each group's last yearless line.
    Newest(i32),
}

/// Plans the years of one rotation group, given each member's scan and mtime, oldest
/// first. Members without yearless lines get None and do not break the chain.
pub fn plan_group(members: &[(MonthScan, SystemTime)], anchor: YearAnchor) -> Vec<Option<YearPlan>> {
    if let YearAnchor::Oldest(year) = anchor {
        return plan_forward(members, year);
    }
    let mut plans = vec![None; members.len()];
    // (first year, first month) of the next newer member that had yearless lines.
    let mut newer: Option<(i32, u8)> = None;
    for (i, (scan, mtime)) in members.iter().enumerate().rev() {
        let (Some(first_month), Some(last_month)) = (scan.first_month, scan.last_month) else {
            continue;
        };
        let last_year = match newer {
            Some((year, month)) if last_month <= month => year,
            Some((year, _)) => year - 1,
            None => match anchor {
                YearAnchor::Newest(year) => year,
                _ => {
                    let (year, month) = year_month_of(*mtime);
                    if last_month > month {
                        year - 1
                    } else {
                        year
                    }
                }
            },
        };
        let first_year = last_year - scan.rollovers.len() as i32;
        plans[i] = Some(YearPlan { first_year, rollovers: scan.rollovers.clone() });
        newer = Some((first_year, first_month));
    }
    plans
}

/// `--year`: the oldest member starts in `year`; each newer one starts in the year its
/// older sibling ended in, or the next when its first month is before that one's last.
fn plan_forward(members: &[(MonthScan, SystemTime)], year: i32) -> Vec<Option<YearPlan>> {
    let mut plans = vec![None; members.len()];
    // (last year, last month) of the next older member that had yearless lines.
    let mut older: Option<(i32, u8)> = None;
    for (i, (scan, _)) in members.iter().enumerate() {
        let (Some(first_month), Some(last_month)) = (scan.first_month, scan.last_month) else {
            continue;
        };
        let first_year = match older {
            Some((y, m)) if first_month + 6 <= m => y + 1,
            Some((y, _)) => y,
            None => year,
        };
        let last_year = first_year + scan.rollovers.len() as i32;
        plans[i] = Some(YearPlan { first_year, rollovers: scan.rollovers.clone() });
        older = Some((last_year, last_month));
    }
    plans
}

/// Why the modification times a group's years come from look like a copy's, if they
/// do: a forensic copy (`cp`, `scp`, an unpacked tarball without times) gives every
/// file one time, or a time long after the last line, and the years are then guesses.
pub fn copied_times(members: &[(MonthScan, SystemTime)], plans: &[Option<YearPlan>]) -> Option<String> {
    let dated: Vec<usize> = (0..members.len()).filter(|&i| plans[i].is_some()).collect();
    let &newest = dated.last()?;
    let secs = |t: SystemTime| t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if dated.len() >= 2 && dated.iter().all(|&i| secs(members[i].1) == secs(members[newest].1)) {
        return Some(format!("all {} files of this log have the same modification time", dated.len()));
    }
    let (scan, mtime) = &members[newest];
    let plan = plans[newest].as_ref()?;
    let last_year = plan.first_year + plan.rollovers.len() as i32;
    let last = last_year * 12 + i32::from(scan.last_month?);
    let (year, month) = year_month_of(*mtime);
    let months_after = year * 12 + i32::from(month) - last;
    (months_after >= 2).then(|| format!("its newest file was modified {months_after} months after its last line"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::time::{days_from_civil, SECS_PER_DAY};
    use std::time::{Duration, UNIX_EPOCH};

    fn at(y: i32, m: u32, d: u32) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs((days_from_civil(y, m, d) * SECS_PER_DAY) as u64)
    }

    fn scan(text: &str) -> MonthScan {
        let mut s = MonthScan::default();
        s.feed(text.as_bytes(), 0);
        s
    }

    #[test]
    fn rollover_inside_one_file() {
        let text = "Dec 30 10:00:00 h a: x\nDec 31 23:59:59 h a: x\nJan  1 00:00:01 h a: x\n";
        let s = scan(text);
        assert_eq!(s.rollovers, vec![46]);
        let plans = plan_group(&[(s, at(2026, 1, 2))], YearAnchor::FileTimes);
        let plan = plans[0].clone().unwrap();
        assert_eq!((plan.year_at(0), plan.year_at(23), plan.year_at(46)), (2025, 2025, 2026));
    }

    #[test]
    fn rollover_across_files_and_stale_mtimes() {
        let older = scan("Dec 28 10:00:00 h a: x\nDec 31 10:00:00 h a: x\n");
        let newer = scan("Jan  1 10:00:00 h a: x\nJan  5 10:00:00 h a: x\n");
        // The older file's mtime is meaningless (copied); only the newest one's counts.
        let plans = plan_group(&[(older, at(2030, 6, 1)), (newer, at(2026, 1, 5))], YearAnchor::FileTimes);
        assert_eq!(plans[0].as_ref().unwrap().first_year, 2025);
        assert_eq!(plans[1].as_ref().unwrap().first_year, 2026);
    }

    #[test]
    fn last_line_after_mtime_month_means_last_year() {
        let s = scan("Nov 28 10:00:00 h a: x\nDec  2 10:00:00 h a: x\n");
        let plans = plan_group(&[(s, at(2026, 3, 1))], YearAnchor::FileTimes);
        assert_eq!(plans[0].as_ref().unwrap().first_year, 2025);
    }

    #[test]
    fn a_given_year_anchors_either_end_of_the_chain() {
        let older = || scan("Dec 28 10:00:00 h a: x\nDec 31 10:00:00 h a: x\n");
        let newer = || scan("Jan  1 10:00:00 h a: x\nMar  5 10:00:00 h a: x\n");
        let copied = at(2031, 7, 1);
        let members = [(older(), copied), (newer(), copied)];
        let firsts =
            |plans: Vec<Option<YearPlan>>| plans.iter().map(|p| p.as_ref().unwrap().first_year).collect::<Vec<_>>();
        assert_eq!(firsts(plan_group(&members, YearAnchor::Oldest(2019))), vec![2019, 2020]);
        assert_eq!(firsts(plan_group(&members, YearAnchor::Newest(2019))), vec![2018, 2019]);
        // The times are a copy's: one time for both files, and years after the lines.
        let plans = plan_group(&members, YearAnchor::FileTimes);
        assert_eq!(firsts(plans.clone()), vec![2030, 2031]);
        let why = copied_times(&members, &plans).unwrap();
        assert!(why.contains("same modification time"), "{why}");
        let alone = [(newer(), at(2031, 4, 2))];
        let plans = plan_group(&alone, YearAnchor::FileTimes);
        assert_eq!(copied_times(&alone, &plans), None, "written in March, modified in April: a live log");
        let alone = [(newer(), copied)];
        let plans = plan_group(&alone, YearAnchor::FileTimes);
        assert_eq!(
            copied_times(&alone, &plans).as_deref(),
            Some("its newest file was modified 4 months after its last line")
        );
        let plans = plan_group(&alone, YearAnchor::Newest(2030));
        assert_eq!(
            copied_times(&alone, &plans).as_deref(),
            Some("its newest file was modified 16 months after its last line")
        );
        // A live log's time is its last write: no note.
        let live = [(older(), at(2025, 12, 30)), (newer(), at(2026, 3, 5))];
        assert_eq!(copied_times(&live, &plan_group(&live, YearAnchor::FileTimes)), None);
    }

    #[test]
    fn stragglers_do_not_roll_back() {
        let s =
            scan("Dec 31 23:59:58 h a: x\nJan  1 00:00:01 h a: x\nDec 31 23:59:59 h a: x\nJan  1 00:00:02 h a: x\n");
        assert_eq!(s.rollovers.len(), 1);
    }
}
