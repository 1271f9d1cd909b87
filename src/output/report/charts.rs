//! Inline SVG charts: suspicious events per day stacked by category, and the address x
//! day heat map. Colours are SVG attributes (not CSS), so the charts keep their
//! colours in the fragment, on a host page that brings its own style sheet.

use std::fmt::Write;

use super::escape::push_text;
use super::format;
use super::HeatRow;
use crate::detect::policy::Verdict;
use crate::vocab::event::Category;
use crate::vocab::time::{civil_from_days, days_from_civil};

/// A colour per suspicious category, distinguishable for most colour-blind readers.
pub fn colour(c: Category) -> &'static str {
    match c {
        Category::AuthBadUser => "#e15759",
        Category::AuthBadPassword => "#f28e2b",
        Category::Connect => "#76b7b2",
        Category::Probe => "#4e79a7",
        Category::ScannerAgent => "#b07aa1",
        Category::Malformed => "#9c755f",
        Category::SshPreauth => "#8f8a86",
        Category::Denied => "#edc948",
        Category::AttackPattern => "#59a14f",
        Category::FakeCrawler => "#ff9da7",
        Category::Ignored | Category::Unclassified | Category::Benign => "#cccccc",
    }
}

/// A little square in a category's colour, for legends and table cells.
pub fn swatch(out: &mut String, c: Category) {
    let _ = write!(
        out,
        r#"<svg class="knocklog-swatch" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="{}"/></svg>"#,
        colour(c)
    );
}

/// Columns of a chart over `first..=last` days: one per day up to `DAILY_DAYS`, one
/// per week up to `WEEKLY_DAYS`, one per calendar month beyond; 91-day or yearly
/// columns when even months would be more than `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bins {
    pub first: i32,
    /// Days per column (30 stands for calendar months when `months`).
    pub size: i32,
    pub count: usize,
    /// Columns are calendar months, the first the month of `first`.
    pub months: bool,
}

/// Periods up to this long are charted per day, up to `WEEKLY_DAYS` per week.
pub const DAILY_DAYS: i32 = 120;
pub const WEEKLY_DAYS: i32 = 730;

fn month_index(day: i32) -> i32 {
    let (y, m, _) = civil_from_days(day as i64);
    y * 12 + m as i32 - 1
}

fn month_start(index: i32) -> i32 {
    days_from_civil(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1) as i32
}

impl Bins {
    pub fn new(first: i32, last: i32, max: usize) -> Bins {
        let days = (last - first + 1).max(1);
        let fixed = |size: i32| Bins { first, size, count: ((days + size - 1) / size) as usize, months: false };
        if days <= DAILY_DAYS && days as usize <= max {
            return fixed(1);
        }
        if days <= WEEKLY_DAYS && fixed(7).count <= max {
            return fixed(7);
        }
        let months = (month_index(last.max(first)) - month_index(first) + 1) as usize;
        if months <= max {
            return Bins { first: month_start(month_index(first)), size: 30, count: months, months: true };
        }
        let size = [91, 365]
            .into_iter()
            .find(|s| (days + s - 1) / s <= max as i32)
            .unwrap_or_else(|| (days + max as i32 - 1) / max as i32);
        fixed(size)
    }

    pub fn of(&self, day: i32) -> Option<usize> {
        if day < self.first {
            return None;
        }
        let i = if self.months { month_index(day) - month_index(self.first) } else { (day - self.first) / self.size };
        ((i as usize) < self.count).then_some(i as usize)
    }

    pub fn start(&self, i: usize) -> i32 {
        if self.months {
            month_start(month_index(self.first) + i as i32)
        } else {
            self.first + self.size * i as i32
        }
    }

    /// Days column `i` covers.
    pub fn days(&self, i: usize) -> i32 {
        if self.months {
            self.start(i + 1) - self.start(i)
        } else {
            self.size
        }
    }

    /// "day", "week", "month", "91 days"...: what one column covers.
    pub fn unit(&self) -> String {
        match (self.months, self.size) {
            (true, _) => "month".into(),
            (_, 1) => "day".into(),
            (_, 7) => "week".into(),
            (_, 365) => "year".into(),
            (_, n) => format!("{n} days"),
        }
    }

    /// A column's label on the axis: `MM-DD`, or `YYYY-MM` over long periods.
    fn label(&self, i: usize) -> String {
        let d = format::day(self.start(i));
        if self.months || self.size * self.count as i32 > 300 {
            d[..7].to_owned()
        } else {
            d[5..].to_owned()
        }
    }

    /// A column's span for a tooltip: `2026-01-05`, `2026-01-05 to 2026-01-11`, `2026-01`.
    fn span(&self, i: usize) -> String {
        match (self.months, self.size) {
            (true, _) => format::day(self.start(i))[..7].to_owned(),
            (_, 1) => format::day(self.start(i)),
            _ => format!("{} to {}", format::day(self.start(i)), format::day(self.start(i) + self.size - 1)),
        }
    }

    /// Evenly spaced label positions, about `n`, always the first and last column.
    fn ticks(&self, n: usize) -> Vec<usize> {
        let step = self.count.div_ceil(n).max(1);
        let mut ticks: Vec<usize> = (0..self.count).step_by(step).collect();
        if ticks.last() != Some(&(self.count - 1)) {
            // A last label closer than a step to the previous one would overlap it.
            if ticks.len() > 1 && self.count - 1 - ticks[ticks.len() - 1] < step {
                ticks.pop();
            }
            ticks.push(self.count - 1);
        }
        ticks
    }
}

/// Columns of the stacked chart and the heat map at most.
pub const CHART_COLUMNS: usize = 120;
pub const HEAT_COLUMNS: usize = 190;

/// A value that is at least `n` and a round number (1, 2, 5 x 10^k).
fn nice_ceiling(n: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step * m >= n {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// The chart frame shared by the bar charts: a y axis to `top` with round labels
/// (the margin sized to the widest, so big numbers are not clipped) and labelled
/// columns. Returns (left margin, column width).
struct Frame {
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    top_pad: f64,
    bottom: f64,
}

impl Frame {
    fn new(top: u64) -> Frame {
        // About 7.6 px per character at font-size 13.
        let left = 10.0 + 7.6 * format::count(top).len() as f64;
        Frame { w: 900.0, h: 250.0, left, right: 8.0, top_pad: 10.0, bottom: 38.0 }
    }
    fn plot_w(&self) -> f64 {
        self.w - self.left - self.right
    }
    fn plot_h(&self) -> f64 {
        self.h - self.top_pad - self.bottom
    }
    fn y_axis(&self, out: &mut String, top: u64) {
        for i in 0..=2u64 {
            let v = top * i / 2;
            let y = self.top_pad + self.plot_h() - self.plot_h() * (v as f64 / top as f64);
            let _ = write!(
                out,
                r#"<line x1="{}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="currentColor" stroke-opacity="0.2"/><text x="{}" y="{:.1}" text-anchor="end" fill="currentColor">{}</text>"#,
                self.left,
                self.w - self.right,
                self.left - 4.0,
                y + 4.0,
                format::count(v)
            );
        }
    }
    fn x_axis(&self, out: &mut String, bins: &Bins, first: i32, last: i32) {
        let slot = self.plot_w() / bins.count as f64;
        for i in bins.ticks(8) {
            // The outer labels are aligned inwards so they never leave the picture.
            let (x, anchor) = match i {
                0 => (self.left, "start"),
                i if i + 1 == bins.count => (self.w - self.right, "end"),
                i => (self.left + slot * (i as f64 + 0.5), "middle"),
            };
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{}" text-anchor="{anchor}" fill="currentColor">{}</text>"#,
                self.h - self.bottom + 16.0,
                bins.label(i)
            );
        }
        let per = if bins.size == 1 && !bins.months { String::new() } else { format!(", one bar per {}", bins.unit()) };
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" fill="currentColor" fill-opacity="0.7">UTC, {} to {}{per}</text></svg>"#,
            self.w - self.right,
            self.h - 4.0,
            format::day(first),
            format::day(last)
        );
    }
}

/// Stacked bars, one per day (or week, month...) of `first..=last`, from (day,
/// category, events) rows.
pub fn daily_stacked(out: &mut String, daily: &[(i32, Category, u64)], first: i32, last: i32) {
    let bins = Bins::new(first, last, CHART_COLUMNS);
    let mut per_bin: Vec<[u64; Category::ALL.len()]> = vec![[0; Category::ALL.len()]; bins.count];
    for &(d, c, n) in daily {
        if let Some(i) = bins.of(d) {
            per_bin[i][c.index()] += n;
        }
    }
    let max = per_bin.iter().map(|d| d.iter().sum::<u64>()).max().unwrap_or(0);
    let top = nice_ceiling(max.max(1));
    let f = Frame::new(top);
    let (plot_h, slot) = (f.plot_h(), f.plot_w() / bins.count as f64);
    let bar = (slot * 0.8).max(slot.min(1.0));
    let _ = write!(
        out,
        r#"<svg class="knocklog-chart" viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="knocklog-daily-title" font-family="system-ui, sans-serif" font-size="13"><title id="knocklog-daily-title">Suspicious events per {} (UTC), stacked by category; highest {}</title>"#,
        f.w,
        f.h,
        bins.unit(),
        format::count(max)
    );
    f.y_axis(out, top);
    for (i, counts) in per_bin.iter().enumerate() {
        let total: u64 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let x = f.left + slot * i as f64 + (slot - bar) / 2.0;
        let _ = write!(out, "<g><title>{} (UTC): {} suspicious", bins.span(i), format::count(total));
        for c in Category::ALL.iter().filter(|c| counts[c.index()] > 0) {
            let _ = write!(out, "; {} {}", c.as_str(), format::count(counts[c.index()]));
        }
        out.push_str("</title>");
        let mut y = f.top_pad + plot_h;
        for c in Category::ALL.iter().filter(|c| counts[c.index()] > 0) {
            let hgt = plot_h * counts[c.index()] as f64 / top as f64;
            y -= hgt;
            let _ = write!(
                out,
                r#"<rect x="{x:.2}" y="{y:.2}" width="{bar:.2}" height="{hgt:.2}" fill="{}"/>"#,
                colour(*c)
            );
        }
        out.push_str("</g>");
    }
    f.x_axis(out, &bins, first, last);
}

/// All lines with an address per day (or week...), the suspicious part in red: how
/// much of the traffic the attacks are.
pub fn traffic(out: &mut String, lines: &[(i32, u64)], suspicious: &[(i32, u64)], first: i32, last: i32) {
    let bins = Bins::new(first, last, CHART_COLUMNS);
    let mut per_bin = vec![(0u64, 0u64); bins.count];
    for &(d, n) in lines {
        if let Some(i) = bins.of(d) {
            per_bin[i].0 += n;
        }
    }
    for &(d, n) in suspicious {
        if let Some(i) = bins.of(d) {
            per_bin[i].1 += n;
        }
    }
    let max = per_bin.iter().map(|b| b.0.max(b.1)).max().unwrap_or(0);
    let top = nice_ceiling(max.max(1));
    let f = Frame::new(top);
    let (plot_h, slot) = (f.plot_h(), f.plot_w() / bins.count as f64);
    let bar = (slot * 0.8).max(slot.min(1.0));
    let _ = write!(
        out,
        r#"<svg class="knocklog-chart" viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet" role="img" font-family="system-ui, sans-serif" font-size="13"><title>Lines with an address per {} (UTC), the suspicious ones in red</title>"#,
        f.w,
        f.h,
        bins.unit()
    );
    f.y_axis(out, top);
    for (i, &(all, bad)) in per_bin.iter().enumerate() {
        if all == 0 && bad == 0 {
            continue;
        }
        let x = f.left + slot * i as f64 + (slot - bar) / 2.0;
        let base = f.top_pad + plot_h;
        let (h_all, h_bad) = (plot_h * all as f64 / top as f64, plot_h * bad.min(all.max(bad)) as f64 / top as f64);
        let _ = write!(
            out,
            r##"<g class="knocklog-traffic"><title>{} (UTC): {} lines, {} suspicious ({})</title><rect x="{x:.2}" y="{:.2}" width="{bar:.2}" height="{h_all:.2}" fill="#9aa3ae"/><rect x="{x:.2}" y="{:.2}" width="{bar:.2}" height="{h_bad:.2}" fill="#e15759"/></g>"##,
            bins.span(i),
            format::count(all),
            format::count(bad),
            format::percent(bad, all),
            base - h_all,
            base - h_bad
        );
    }
    f.x_axis(out, &bins, first, last);
}

/// Heat colour of a day's suspicious events.
fn heat_colour(n: u64) -> &'static str {
    match n {
        0 => "none",
        1 => "#fdd49e",
        2 => "#fdbb84",
        3..=5 => "#fc8d59",
        6..=20 => "#e34a33",
        _ => "#b30000",
    }
}

pub const HEAT_LEGEND: [(&str, &str); 5] =
    [("1", "#fdd49e"), ("2", "#fdbb84"), ("3-5", "#fc8d59"), ("6-20", "#e34a33"), ("> 20", "#b30000")];

/// (column, events, active days) of one row's cells.
fn binned(bins: &Bins, cells: &[(i32, u64)]) -> Vec<(usize, u64, u32)> {
    let mut per_bin: Vec<(usize, u64, u32)> = Vec::new();
    for &(d, n) in cells {
        let Some(i) = bins.of(d) else { continue };
        match per_bin.iter_mut().find(|c| c.0 == i) {
            Some(c) => (c.1, c.2) = (c.1 + n, c.2 + u32::from(n > 0)),
            None => per_bin.push((i, n, u32::from(n > 0))),
        }
    }
    per_bin
}

/// One row per address, one column per day (or week, month...) of `first..=last`,
/// then its total and verdict; sneak attackers' labels are marked, and a label links
/// to the address's panel or row (`target`). Over weeks or months a cell shows the
/// days it was active on. The map keeps its size: its box scrolls on a phone.
pub fn heat_map(out: &mut String, rows: &[HeatRow], first: i32, last: i32, target: &dyn Fn(&str) -> Option<String>) {
    let bins = Bins::new(first, last, HEAT_COLUMNS);
    let label_chars = rows.iter().map(|r| r.ip.chars().count().min(40)).max().unwrap_or(8).max(8);
    let left = 12.0 + 6.8 * label_chars as f64;
    // Short periods get wide cells so the map keeps a readable size at 1:1.
    let cell = (760.0 / bins.count as f64).clamp(6.0, 44.0);
    let row_h = 16.0;
    let head = 18.0;
    let tail = 150.0;
    let grid_w = cell * bins.count as f64;
    let w = left + grid_w + tail;
    let h = head + row_h * rows.len() as f64 + 4.0;
    let _ = write!(
        out,
        r#"<svg class="knocklog-heat" viewBox="0 0 {w:.1} {h:.1}" width="{w:.0}" height="{h:.0}" role="img" aria-labelledby="knocklog-heat-title" font-family="ui-monospace, monospace" font-size="11"><title id="knocklog-heat-title">Suspicious events per address and {} (UTC)</title>"#,
        bins.unit()
    );
    let step = bins.count.div_ceil(8).max(1);
    for i in (0..bins.count).step_by(step) {
        let x = left + cell * i as f64;
        let _ =
            write!(out, r#"<text x="{x:.1}" y="11" fill="currentColor" fill-opacity="0.7">{}</text>"#, bins.label(i));
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="11" text-anchor="end" fill="currentColor" fill-opacity="0.7">total</text><text x="{:.1}" y="11" fill="currentColor" fill-opacity="0.7">verdict</text>"#,
        left + grid_w + 50.0,
        left + grid_w + 58.0
    );
    let show_days = bins.size > 1 && cell >= 9.0;
    for (r, row) in rows.iter().enumerate() {
        let y = head + row_h * r as f64;
        if r % 2 == 0 {
            let _ = write!(
                out,
                r#"<rect x="{left:.1}" y="{y:.1}" width="{grid_w:.1}" height="{row_h}" fill="currentColor" fill-opacity="0.04"/>"#
            );
        }
        let (label, cut) = super::escape::shorten(&row.ip, 40);
        let link = target(&row.ip);
        if let Some(id) = &link {
            let _ = write!(out, r##"<a href="#{id}">"##);
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{}"{}>"#,
            left - 6.0,
            y + 12.0,
            if row.sneak { "#c0392b" } else { "currentColor" },
            if row.sneak { r#" font-weight="bold""# } else { "" }
        );
        push_text(out, label);
        if cut {
            out.push('…');
        }
        out.push_str("</text>");
        if link.is_some() {
            out.push_str("</a>");
        }
        let per_bin = binned(&bins, &row.cells);
        for &(i, n, active) in per_bin.iter().filter(|c| c.1 > 0) {
            let x = left + cell * i as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.2}" y="{:.1}" width="{:.2}" height="{}" rx="1" fill="{}"><title>"#,
                y + 1.0,
                (cell - 0.6).max(1.0),
                row_h - 2.0,
                heat_colour(n / u64::from(active.max(1)))
            );
            push_text(out, &row.ip);
            let _ = write!(out, ", {} (UTC): {} suspicious", bins.span(i), format::count(n));
            if bins.size > 1 || bins.months {
                let _ = write!(out, " on {active} of {} days", bins.days(i));
            }
            out.push_str("</title></rect>");
            if show_days {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9" fill="#000">{active}</text>"##,
                    x + cell / 2.0,
                    y + 11.5
                );
            }
        }
        let total: u64 = row.cells.iter().map(|c| c.1).sum();
        let (colour, word) = match row.verdict {
            Verdict::Block => ("#c0392b", "block"),
            Verdict::Watch => ("#b7791f", "watch"),
            Verdict::None => ("currentColor", "–"),
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="currentColor">{}</text><text x="{:.1}" y="{:.1}" fill="{colour}">{word}{}</text>"#,
            left + grid_w + 50.0,
            y + 12.0,
            format::count(total),
            left + grid_w + 58.0,
            y + 12.0,
            if row.sneak { " sneak" } else { "" }
        );
    }
    out.push_str("</svg>");
}

/// One address's days as a strip of heat cells (the panel's row of the heat map).
pub fn strip(out: &mut String, cells: &[(i32, u64)], first: i32, last: i32) {
    let bins = Bins::new(first, last, HEAT_COLUMNS);
    let cell = (760.0 / bins.count as f64).clamp(6.0, 28.0);
    let w = cell * bins.count as f64 + 2.0;
    let _ = write!(
        out,
        r#"<svg class="knocklog-heat" viewBox="0 0 {w:.1} 30" width="{w:.0}" height="30" role="img" font-family="ui-monospace, monospace" font-size="10"><title>Suspicious events per {} (UTC)</title><rect x="0" y="1" width="{:.1}" height="14" fill="currentColor" fill-opacity="0.05"/>"#,
        bins.unit(),
        cell * bins.count as f64
    );
    for (i, n, active) in binned(&bins, cells).into_iter().filter(|c| c.1 > 0) {
        let _ = write!(
            out,
            r#"<rect x="{:.2}" y="2" width="{:.2}" height="12" rx="1" fill="{}"><title>{}: {} suspicious"#,
            cell * i as f64,
            (cell - 0.6).max(1.0),
            heat_colour(n / u64::from(active.max(1))),
            bins.span(i),
            format::count(n)
        );
        if bins.size > 1 || bins.months {
            let _ = write!(out, " on {active} days");
        }
        out.push_str("</title></rect>");
    }
    let _ = write!(
        out,
        r#"<text x="0" y="27" fill="currentColor" fill-opacity="0.7">{}</text><text x="{:.1}" y="27" text-anchor="end" fill="currentColor" fill-opacity="0.7">{}</text></svg>"#,
        format::day(bins.start(0)),
        w - 2.0,
        format::day(last)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_chart_draws_one_group_per_active_day() {
        let daily = [(10, Category::Probe, 3), (10, Category::AuthBadUser, 2), (12, Category::Probe, 7)];
        let mut svg = String::new();
        daily_stacked(&mut svg, &daily, 10, 12);
        assert_eq!(svg.matches("<g>").count(), 2);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("auth_bad_user 2; probe 3"), "{svg}");
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(1), 1);
    }

    #[test]
    fn long_periods_are_binned() {
        assert_eq!(Bins::new(0, 13, 120), Bins { first: 0, size: 1, count: 14, months: false });
        assert_eq!(Bins::new(0, 119, 190).size, 1, "up to 120 days: days");
        assert_eq!(Bins::new(0, 120, 190), Bins { first: 0, size: 7, count: 18, months: false }, "121 days: weeks");
        assert_eq!(Bins::new(0, 364, 120), Bins { first: 0, size: 7, count: 53, months: false });
        // Beyond two years: calendar months, the first starting on the 1st.
        let m = Bins::new(40, 40 + 800, 120);
        assert_eq!((m.months, m.first, m.count, m.unit().as_str()), (true, 31, 27, "month"));
        assert_eq!(
            (m.of(30), m.of(31), m.of(58), m.of(59), m.start(1), m.days(1)),
            (None, Some(0), Some(0), Some(1), 59, 31)
        );
        assert_eq!(m.span(0), "1970-02");
        assert_eq!(Bins::new(0, 9577, 120), Bins { first: 0, size: 91, count: 106, months: false });
        assert_eq!(Bins::new(0, 100_000, 120).count, 120);
        let b = Bins::new(10, 30, 2);
        assert_eq!((b.months, b.of(10), b.of(30), b.of(-1), b.of(31)), (true, Some(0), Some(0), None, None));
        let daily = [(0, Category::Probe, 3), (6, Category::Probe, 2), (7, Category::Probe, 1)];
        let mut svg = String::new();
        daily_stacked(&mut svg, &daily, 0, 364);
        assert!(svg.contains("1970-01-01 to 1970-01-07 (UTC): 5 suspicious"), "{svg}");
        assert!(svg.contains("one bar per week"));
    }

    #[test]
    fn heat_map_escapes_labels() {
        let rows = [HeatRow {
            ip: "<img src=x onerror=alert(1)>".into(),
            sneak: true,
            verdict: Verdict::Block,
            score: 1.0,
            cells: vec![(5, 1), (7, 30)],
        }];
        let mut svg = String::new();
        heat_map(&mut svg, &rows, 5, 7, &|_| Some("knocklog-ip-x".into()));
        assert!(!svg.contains("<img"));
        assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(svg.contains("#b30000"));
        assert!(svg.contains(r##"<a href="#knocklog-ip-x">"##), "the label links to the panel");
        assert!(svg.contains(">31</text>"), "the row total");
    }
}
