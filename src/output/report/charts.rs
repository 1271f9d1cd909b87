//! Inline SVG charts: suspicious events per day stacked by category, and the address x
//! day heat map. Colours are SVG attributes (not CSS), so the charts keep their
//! colours in the fragment, on a host page that brings its own style sheet.

use std::fmt::Write;

use super::escape::push_text;
use super::format;
use super::HeatRow;
use crate::detect::Category;

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

/// Stacked bars, one per day of `first..=last`, from (day, category, events) rows.
pub fn daily_stacked(out: &mut String, daily: &[(i32, Category, u64)], first: i32, last: i32) {
    let days = (last - first + 1).max(1) as usize;
    let mut per_day: Vec<[u64; Category::ALL.len()]> = vec![[0; Category::ALL.len()]; days];
    for &(d, c, n) in daily {
        if (first..=last).contains(&d) {
            per_day[(d - first) as usize][c.index()] += n;
        }
    }
    let max = per_day.iter().map(|d| d.iter().sum::<u64>()).max().unwrap_or(0);
    let top = nice_ceiling(max.max(1));
    let (w, h, left, right, top_pad, bottom) = (600.0, 250.0, 48.0, 6.0, 10.0, 38.0);
    let plot_w = w - left - right;
    let plot_h = h - top_pad - bottom;
    let slot = plot_w / days as f64;
    let bar = (slot * 0.8).max(slot.min(1.0));
    let _ = write!(
        out,
        r#"<svg class="knocklog-chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="knocklog-daily-title" font-family="system-ui, sans-serif" font-size="13"><title id="knocklog-daily-title">Suspicious events per day (UTC), stacked by category; highest day {}</title>"#,
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
    for (i, counts) in per_day.iter().enumerate() {
        let total: u64 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let _ = write!(out, "<g><title>{} (UTC): {} suspicious", format::day(first + i as i32), format::count(total));
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
    // Day labels: at most about six, evenly spaced, always the first and last day.
    let step = days.div_ceil(6).max(1);
    let mut ticks: Vec<usize> = (0..days).step_by(step).collect();
    if ticks.last() != Some(&(days - 1)) {
        // A last label closer than a step to the previous one would overlap it.
        if ticks.len() > 1 && days - 1 - ticks[ticks.len() - 1] < step {
            ticks.pop();
        }
        ticks.push(days - 1);
    }
    for i in ticks {
        let x = left + slot * (i as f64 + 0.5);
        let label = format::day(first + i as i32);
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
            h - bottom + 16.0,
            &label[5..]
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="end" fill="currentColor" fill-opacity="0.7">UTC days, {} to {}</text></svg>"#,
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

/// One row per address, one column per day of `first..=last`; sneak attackers' labels
/// are marked.
pub fn heat_map(out: &mut String, rows: &[HeatRow], first: i32, last: i32) {
    let days = (last - first + 1).max(1) as usize;
    let label_chars = rows.iter().map(|r| r.ip.chars().count().min(40)).max().unwrap_or(8).max(8);
    let left = 12.0 + 6.8 * label_chars as f64;
    // Short periods get wide cells so the map keeps a readable size at 1:1.
    let cell = (760.0 / days as f64).clamp(2.0, 44.0);
    let row_h = 16.0;
    let head = 18.0;
    let w = left + cell * days as f64 + 6.0;
    let h = head + row_h * rows.len() as f64 + 4.0;
    let _ = write!(
        out,
        r#"<svg class="knocklog-heat" viewBox="0 0 {w:.1} {h:.1}" width="{w:.0}" height="{h:.0}" role="img" aria-labelledby="knocklog-heat-title" font-family="ui-monospace, monospace" font-size="11"><title id="knocklog-heat-title">Suspicious events per address and UTC day</title>"#
    );
    // Day ticks on top: about eight.
    let step = days.div_ceil(8).max(1);
    for i in (0..days).step_by(step) {
        let x = left + cell * i as f64;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="11" fill="currentColor" fill-opacity="0.7">{}</text>"#,
            &format::day(first + i as i32)[5..]
        );
    }
    for (r, row) in rows.iter().enumerate() {
        let y = head + row_h * r as f64;
        if r % 2 == 0 {
            let _ = write!(
                out,
                r#"<rect x="{left:.1}" y="{y:.1}" width="{:.1}" height="{row_h}" fill="currentColor" fill-opacity="0.04"/>"#,
                cell * days as f64
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
        for &(d, n) in &row.cells {
            if !(first..=last).contains(&d) || n == 0 {
                continue;
            }
            let x = left + cell * (d - first) as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.2}" y="{:.1}" width="{:.2}" height="{}" rx="1" fill="{}"><title>"#,
                y + 1.0,
                (cell - 0.6).max(1.0),
                row_h - 2.0,
                heat_colour(n)
            );
            push_text(out, &row.ip);
            let _ = write!(out, " on {} (UTC): {} suspicious</title></rect>", format::day(d), format::count(n));
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
    fn heat_map_escapes_labels() {
        let rows = [HeatRow { ip: "<img src=x onerror=alert(1)>".into(), sneak: true, cells: vec![(5, 1), (7, 30)] }];
        let mut svg = String::new();
        heat_map(&mut svg, &rows, 5, 7);
        assert!(!svg.contains("<img"));
        assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(svg.contains("#b30000"));
    }
}
