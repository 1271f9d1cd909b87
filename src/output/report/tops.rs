//! What the attackers went for: the directories and paths probed (one section), and
//! the user agents they sent, grouped by product and major version with the variants
//! folded under each group.

use std::fmt::Write;

use super::escape::push_text;
use super::format::count;
use super::markup::{heading, note, push_cut, table_end, table_start_in, td_num, td_text, Kind};
use super::{ReportData, TopRow};

pub fn top_table(out: &mut String, label: &str, column: &str, rows: &[TopRow], total: usize, what: &str) {
    if rows.is_empty() {
        note(out, &format!("No {what}."));
        return;
    }
    table_start_in(
        out,
        "knocklog-scroll",
        label,
        &[(column, Kind::Text), ("Hits", Kind::Num), ("Addresses", Kind::Num)],
    );
    for r in rows {
        out.push_str("<tr>");
        td_text(out, &r.text);
        td_num(out, r.hits);
        td_num(out, r.ips);
        out.push_str("</tr>");
    }
    table_end(out);
    if total > rows.len() {
        note(out, &format!("Showing the top {} of {} {what}.", count(rows.len() as u64), count(total as u64)));
    }
}

/// Directories and paths side by side: where in the site, and what exactly.
pub fn paths(out: &mut String, d: &ReportData) {
    heading(out, "paths", "Paths probed");
    note(out, "The directories the suspicious requests went for (each path counted in its directory), and the paths themselves without the query string.");
    out.push_str(r#"<div class="knocklog-pair"><div><h3>By directory</h3>"#);
    top_table(out, "Directories targeted", "Directory", &d.directories, d.totals.directories, "directories");
    out.push_str("</div><div><h3>By path</h3>");
    top_table(out, "Probed paths", "Path (without query)", &d.paths, d.totals.paths, "paths");
    out.push_str("</div></div>");
}

/// User agents by product token and major version; a group's variants are folded.
pub fn agents(out: &mut String, d: &ReportData) {
    heading(out, "agents", "User agents");
    if d.agents.is_empty() {
        note(out, "No suspicious request sent a user agent.");
        return;
    }
    note(
        out,
        &format!(
            "{} distinct agents in {} groups: one row per product and major version (<code>Nikto/2</code>), its variants (test numbers, builds, comments) folded under it.",
            count(d.totals.agents as u64),
            count(d.totals.agent_groups as u64)
        ),
    );
    table_start_in(
        out,
        "knocklog-scroll",
        "User agents",
        &[("Product", Kind::Text), ("Hits", Kind::Num), ("Addresses", Kind::Num), ("Variants", Kind::Text)],
    );
    for g in &d.agents {
        out.push_str("<tr>");
        td_text(out, &g.key);
        td_num(out, g.hits);
        td_num(out, g.ips);
        out.push_str(r#"<td class="knocklog-code knocklog-list">"#);
        if g.variants_total == 1 {
            if let Some(v) = g.variants.first() {
                push_cut(out, &v.text, 160);
            }
        } else {
            let _ = write!(
                out,
                "<details><summary>{} variants</summary><ul class=\"knocklog-mini-list\">",
                count(g.variants_total as u64)
            );
            for v in &g.variants {
                out.push_str("<li>");
                push_cut(out, &v.text, 160);
                let _ = write!(out, " <small>×{}</small></li>", count(v.hits));
            }
            if g.variants_total > g.variants.len() {
                out.push_str("<li><small>and ");
                push_text(out, &count((g.variants_total - g.variants.len()) as u64));
                out.push_str(" more in <code>events.csv</code></small></li>");
            }
            out.push_str("</ul></details>");
        }
        out.push_str("</td></tr>");
    }
    table_end(out);
    if d.totals.agent_groups > d.agents.len() {
        note(
            out,
            &format!(
                "Showing the top {} of {} groups.",
                count(d.agents.len() as u64),
                count(d.totals.agent_groups as u64)
            ),
        );
    }
}
