//! Inline SVG charts: suspicious events per day stacked by category, and the address x
//! day heat map. Colours are SVG attributes (not CSS), so the charts keep their
//! colours in the fragment, on a host page that brings its own style sheet.

use std::fmt::Write;

use super::escape::push_text;
use super::format;
use super::HeatRow;
use crate::vocab::event::Category;

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

/// Columns of a chart over `first..=last` days: one per day for short periods, one
/// per week, 30 or 91 days or year for long ones, so a chart never has more than
/// `max` columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bins {
    pub first: i32,
    /// Days per column.
    pub size: i32,
    pub count: usize,
}

impl Bins {
    pub fn new(first: i32, last: i32, max: usize) -> Bins {
        let days = (last - first + 1).max(1);
        let size = [1, 7, 30, 91, 365]
            .into_iter()
            .find(|s| (days + s - 1) / s <= max as i32)
            .unwrap_or_else(|| (days + max as i32 - 1) / max as i32);
        Bins { first, size, count: ((days + size - 1) / size) as usize }
    }

    pub fn of(&self, day: i32) -> Option<usize> {
        let i = (day - self.first).div_euclid(self.size);
        (day >= self.first && (i as usize) < self.count).then_some(i as usize)
    }

    pub fn start(&self, i: usize) -> i32 {
        self.first + self.size * i as i32
    }

    /// "day", "week", "30 days"...: what one column covers.
    pub fn unit(&self) -> String {
        match self.size {
            1 => "day".into(),
            7 => "week".into(),
            365 => "year".into(),
            n => format!("{n} days"),
        }
    }

    /// A column's label on the axis: `MM-DD`, or `YYYY-MM` over long periods.
    fn label(&self, i: usize) -> String {
        let d = format::day(self.start(i));
        if self.size * self.count as i32 > 300 {
            d[..7].to_owned()
        } else {
            d[5..].to_owned()
        }
    }

    /// A column's span for a tooltip: `2026-01-05` or `2026-01-05 to 2026-01-11`.
    fn span(&self, i: usize) -> String {
        if self.size == 1 {
            format::day(self.start(i))
        } else {
            format!("{} to {}", format::day(self.start(i)), format::day(self.start(i) + self.size - 1))
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

/// Stacked bars, one per day (or week...) of `first..=last`, from (day, category,
/// events) rows.
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
    let (w, h, left, right, top_pad, bottom) = (600.0, 250.0, 48.0, 6.0, 10.0, 38.0);
    let plot_w = w - left - right;
    let plot_h = h - top_pad - bottom;
    let slot = plot_w / bins.count as f64;
    let bar = (slot * 0.8).max(slot.min(1.0));
    let _ = write!(
        out,
        r#"<svg class="knocklog-chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="knocklog-daily-title" font-family="system-ui, sans-serif" font-size="13"><title id="knocklog-daily-title">Suspicious events per {} (UTC), stacked by category; highest {}</title>"#,
        bins.unit(),
        format::count(max)
    );
    for i in 0..=2u64 {
        let v = top * i / 2;
        let y = top_pad + plot_h - plot_h * (v as f64 / top as f64);
        let _ = write!(
            out,
            r#"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="currentColor" stroke-opacity="0.2"/><text x="{}" y="{:.1}" text-anchor="end" fill="currentColor">{}</text>"#,
            w - right,
            left - 4.0,
            y + 4.0,
            format::count(v)
        );
    }
    for (i, counts) in per_bin.iter().enumerate() {
        let total: u64 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let _ = write!(out, "<g><title>{} (UTC): {} suspicious", bins.span(i), format::count(total));
        for c in Category::ALL.iter().filter(|c| counts[c.index()] > 0) {
            let _ = write!(out, "; {} {}", c.as_str(), format::count(counts[c.index()]));
        }
        out.push_str("</title>");
        let mut y = top_pad + plot_h;
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
    for i in bins.ticks(6) {
        // The outer labels are aligned inwards so they never leave the picture.
        let (x, anchor) = match i {
            0 => (left, "start"),
            i if i + 1 == bins.count => (w - right, "end"),
            i => (left + slot * (i as f64 + 0.5), "middle"),
        };
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{}" text-anchor="{anchor}" fill="currentColor">{}</text>"#,
            h - bottom + 16.0,
            bins.label(i)
        );
    }
    let per = if bins.size == 1 { String::new() } else { format!(", one bar per {}", bins.unit()) };
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="end" fill="currentColor" fill-opacity="0.7">UTC, {} to {}{per}</text></svg>"#,
        w - right,
        h - 4.0,
        format::day(first),
        format::day(last)
    );
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

/// One row per address, one column per day (or week...) of `first..=last`; sneak
/// attackers' labels are marked.
pub fn heat_map(out: &mut String, rows: &[HeatRow], first: i32, last: i32) {
    let bins = Bins::new(first, last, HEAT_COLUMNS);
    let label_chars = rows.iter().map(|r| r.ip.chars().count().min(40)).max().unwrap_or(8).max(8);
    let left = 12.0 + 6.8 * label_chars as f64;
    // Short periods get wide cells so the map keeps a readable size at 1:1.
    let cell = (760.0 / bins.count as f64).clamp(4.0, 44.0);
    let row_h = 16.0;
    let head = 18.0;
    let w = left + cell * bins.count as f64 + 6.0;
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
    for (r, row) in rows.iter().enumerate() {
        let y = head + row_h * r as f64;
        if r % 2 == 0 {
            let _ = write!(
                out,
                r#"<rect x="{left:.1}" y="{y:.1}" width="{:.1}" height="{row_h}" fill="currentColor" fill-opacity="0.04"/>"#,
                cell * bins.count as f64
            );
        }
        let (label, cut) = super::escape::shorten(&row.ip, 40);
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
        let mut per_bin: Vec<(usize, u64)> = Vec::new();
        for &(d, n) in &row.cells {
            let Some(i) = bins.of(d) else { continue };
            match per_bin.last_mut() {
                Some(last) if last.0 == i => last.1 += n,
                _ => per_bin.push((i, n)),
            }
        }
        for (i, n) in per_bin.into_iter().filter(|c| c.1 > 0) {
            let x = left + cell * i as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.2}" y="{:.1}" width="{:.2}" height="{}" rx="1" fill="{}"><title>"#,
                y + 1.0,
                (cell - 0.6).max(1.0),
                row_h - 2.0,
                heat_colour(n)
            );
            push_text(out, &row.ip);
            let _ = write!(out, ", {} (UTC): {} suspicious</title></rect>", bins.span(i), format::count(n));
        }
    }
    out.push_str("</svg>");
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
        assert_eq!(Bins::new(0, 13, 120), Bins { first: 0, size: 1, count: 14 });
        assert_eq!(Bins::new(0, 364, 120), Bins { first: 0, size: 7, count: 53 });
        assert_eq!(Bins::new(0, 9577, 120), Bins { first: 0, size: 91, count: 106 });
        assert_eq!(Bins::new(0, 100_000, 120).count, 120);
        let b = Bins::new(10, 30, 2);
        assert_eq!((b.size, b.of(10), b.of(39), b.of(9), b.of(40)), (30, Some(0), Some(0), None, None));
        let daily = [(0, Category::Probe, 3), (6, Category::Probe, 2), (7, Category::Probe, 1)];
        let mut svg = String::new();
        daily_stacked(&mut svg, &daily, 0, 364);
        assert!(svg.contains("1970-01-01 to 1970-01-07 (UTC): 5 suspicious"), "{svg}");
        assert!(svg.contains("one bar per week"));
    }

    #[test]
    fn heat_map_escapes_labels() {
        let rows = [HeatRow { ip: "<img src=x onerror=alert(1)>".into(), sneak: true, cells: vec![(5, 1), (7, 30)] }];
        let mut svg = String::new();
        heat_map(&mut svg, &rows, 5, 7);
        assert!(!svg.contains("<img"));
        assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(svg.contains("#b30000"));
    }
}
