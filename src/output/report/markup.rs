//! The report's HTML building blocks: sortable tables and their cells, notes,
//! headings and badges, shared by the scan sections and the history sections. Every
//! text goes through `escape`.

use std::fmt::Write;

use super::charts::swatch;
use super::escape::{push_attr, push_text, shorten};
use super::format::{self, count};
use crate::detect::policy::Verdict;
use crate::vocab::event::Category;

/// Characters of a path, agent or pattern shown in a cell; the rest is in its `title`.
const CELL_CHARS: usize = 120;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Text,
    Num,
}

/// Opens a sortable table.
pub(super) fn table_start(out: &mut String, label: &str, columns: &[(&str, Kind)]) {
    table_start_in(out, "knocklog-scroll", label, columns)
}

/// Opens a sortable table in a container of the given classes.
pub(super) fn table_start_in(out: &mut String, classes: &str, label: &str, columns: &[(&str, Kind)]) {
    let _ = write!(out, r#"<div class="{classes}"><table class="knocklog-table" aria-label="{label}"><thead><tr>"#);
    for (name, kind) in columns {
        let class = if *kind == Kind::Num { r#" class="knocklog-num" data-type="num""# } else { "" };
        let _ = write!(out, r#"<th scope="col"{class}>{name}</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
}

pub(super) fn table_end(out: &mut String) {
    out.push_str("</tbody></table></div>");
}

/// Attacker text in a cell, shortened, with the whole text in a quoted `title`.
pub(super) fn td_text(out: &mut String, s: &str) {
    let (shown, cut) = shorten(s, CELL_CHARS);
    if cut {
        out.push_str(r#"<td class="knocklog-code" title=""#);
        push_attr(out, shorten(s, 2000).0);
        out.push_str("\">");
        push_text(out, shown);
        out.push_str("…</td>");
    } else {
        out.push_str(r#"<td class="knocklog-code">"#);
        push_text(out, s);
        out.push_str("</td>");
    }
}

/// An address cell: kept on one line (addresses that are not IPs are shortened), a
/// link to `target` (an id from `Links`, never text of the log) when given.
pub(super) fn td_addr(out: &mut String, s: &str, target: Option<String>) {
    let (shown, cut) = shorten(s, 45);
    // Addresses sort by value, not as text (185.81... before 185.242...).
    match s.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            let [x, y, z, w] = a.octets();
            let _ = write!(out, r#"<td class="knocklog-code knocklog-addr" data-v="4:{x:03}.{y:03}.{z:03}.{w:03}">"#);
        }
        Ok(std::net::IpAddr::V6(a)) => {
            let _ = write!(out, r#"<td class="knocklog-code knocklog-addr" data-v="6:{:032x}">"#, u128::from(a));
        }
        Err(_) => out.push_str(r#"<td class="knocklog-code knocklog-addr">"#),
    }
    if let Some(id) = &target {
        let _ = write!(out, r##"<a href="#{id}">"##);
    }
    push_text(out, shown);
    if cut {
        out.push('…');
    }
    if target.is_some() {
        out.push_str("</a>");
    }
    out.push_str("</td>");
}

pub(super) fn td_num(out: &mut String, n: u64) {
    let _ = write!(out, r#"<td class="knocklog-num" data-v="{n}">{}</td>"#, count(n));
}

pub(super) fn td_time(out: &mut String, ts: Option<i64>) {
    match ts {
        Some(t) => {
            let _ = write!(out, r#"<td class="knocklog-time" data-v="{t}">{}</td>"#, format::time(t));
        }
        None => out.push_str(r#"<td data-v="0">–</td>"#),
    }
}

pub(super) fn td_plain(out: &mut String, html: &str) {
    let _ = write!(out, "<td>{html}</td>");
}

pub(super) fn note(out: &mut String, text: &str) {
    let _ = write!(out, r#"<p class="knocklog-note">{text}</p>"#);
}

/// "Showing the first N of M (cap); file has them all", when capped.
pub(super) fn cap_note(out: &mut String, shown: usize, total: usize, what: &str, file: &str) {
    if total > shown {
        note(
            out,
            &format!(
                "Showing {} of {} {what} (the report keeps at most {}); <code>{file}</code> has them all.",
                count(shown as u64),
                count(total as u64),
                count(shown as u64),
            ),
        );
    }
}

/// Categories with their swatches; `stacked` puts one per line.
pub(super) fn categories_html(out: &mut String, stacked: bool, cats: impl Iterator<Item = (Category, Option<u64>)>) {
    out.push_str(if stacked {
        r#"<td class="knocklog-cats knocklog-stack">"#
    } else {
        r#"<td class="knocklog-cats">"#
    });
    for (i, (c, n)) in cats.enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let technique = c.attack_technique();
        match technique {
            Some((id, name)) => {
                let _ = write!(out, r#"<span class="knocklog-cat" title="MITRE ATT&amp;CK {id}: {name}">"#);
            }
            None => out.push_str(r#"<span class="knocklog-cat">"#),
        }
        swatch(out, c);
        out.push_str(c.as_str());
        if let Some(n) = n {
            let _ = write!(out, " {}", count(n));
        }
        if let Some((id, _)) = technique {
            let _ = write!(out, " <small>{id}</small>");
        }
        out.push_str("</span>");
    }
    out.push_str("</td>");
}

/// The verdict and score cells of an address's row, sorting block above watch above
/// none, and a sneak attacker above the rest of its verdict.
pub(super) fn td_verdict_score(out: &mut String, v: Verdict, sneak: bool, score: f64) {
    let rank = match v {
        Verdict::Block => 2,
        Verdict::Watch => 1,
        Verdict::None => 0,
    };
    let _ = write!(out, r#"<td data-v="{}">{}</td>"#, rank * 2 + sneak as u8, verdict_badge(v, sneak));
    let _ = write!(out, r#"<td class="knocklog-num" data-v="{0}">{0:.0}</td>"#, score);
}

pub(super) fn verdict_badge(v: Verdict, sneak: bool) -> String {
    let mut s = format!(r#"<span class="knocklog-verdict knocklog-{0}">{0}</span>"#, v.as_str());
    if sneak {
        s.push_str(r#" <span class="knocklog-verdict knocklog-sneak">sneak</span>"#);
    }
    s
}

pub(super) fn heading(out: &mut String, id: &str, title: &str) {
    let _ = write!(out, r#"<h2 id="knocklog-{id}">{title}</h2>"#);
}

/// Attacker text in a cell that wraps anywhere rather than widen the table, shortened
/// to `max` characters with the whole text in its `title`.
pub(super) fn push_cut(out: &mut String, s: &str, max: usize) {
    let (shown, cut) = shorten(s, max);
    if cut {
        out.push_str(r#"<span title=""#);
        push_attr(out, shorten(s, 2000).0);
        out.push_str("\">");
        push_text(out, shown);
        out.push_str("…</span>");
    } else {
        push_text(out, s);
    }
}
