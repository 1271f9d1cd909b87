//! The report's last section: the files a scan read (or a store's sources) and the
//! unparsed lines, folded, since they matter only when something went wrong (the
//! health note at the top says when it did).

use std::fmt::Write;

use super::escape::{push_text, shorten};
use super::format::count;
use super::markup::{heading, note, table_end, table_start, td_num, td_plain, td_text, td_time, Kind};
use super::ReportData;

pub fn section(out: &mut String, d: &ReportData) {
    heading(out, "files", "Files read");
    if let Some(h) = &d.history {
        out.push_str("<details><summary>");
        let _ = write!(out, "{} sources in the store", count(h.figures.sources.len() as u64));
        out.push_str("</summary>");
        super::weekly::sources(out, h);
        out.push_str("</details>");
        return;
    }
    let t = &d.totals;
    let _ = write!(
        out,
        "<details class=\"knocklog-files\"><summary>{} files, {} lines, {} unparsed{}</summary>",
        count(t.files as u64),
        count(t.lines),
        count(t.unparsed),
        if t.skipped > 0 { format!(", {} skipped (see summary.json)", count(t.skipped as u64)) } else { String::new() }
    );
    table_start(
        out,
        "Files read",
        &[
            ("File", Kind::Text),
            ("Format", Kind::Text),
            ("Lines", Kind::Num),
            ("Parsed", Kind::Num),
            ("Unparsed", Kind::Num),
            ("First line (UTC)", Kind::Num),
            ("Last line (UTC)", Kind::Num),
        ],
    );
    for f in &d.files {
        out.push_str(if f.unparsed > 0 { r#"<tr class="knocklog-warn">"# } else { "<tr>" });
        td_text(out, &f.path);
        td_plain(
            out,
            &format!(
                "{}{}",
                super::escape::text(&f.format),
                f.compression.as_deref().map(|c| format!(" ({})", super::escape::text(c))).unwrap_or_default()
            ),
        );
        td_num(out, f.lines);
        td_num(out, f.parsed);
        td_num(out, f.unparsed);
        td_time(out, f.first_seen);
        td_time(out, f.last_seen);
        out.push_str("</tr>");
    }
    table_end(out);
    out.push_str("</details>");
    let unparsed: Vec<_> = d.files.iter().filter(|f| !f.unparsed_examples.is_empty()).collect();
    if !unparsed.is_empty() {
        let shown: usize = unparsed.iter().map(|f| f.unparsed_examples.len()).sum();
        let _ = write!(
            out,
            r#"<details class="knocklog-files" id="knocklog-unparsed"><summary>Unparsed lines: the first {} of {}</summary>"#,
            count(shown as u64),
            count(t.unparsed)
        );
        note(out, "Lines in no known format were counted and skipped; the first few of each file (summary.json has them too):");
        out.push_str(r#"<ul class="knocklog-unparsed">"#);
        for f in unparsed {
            for (line_no, text) in &f.unparsed_examples {
                out.push_str("<li><code>");
                push_text(out, &f.path);
                let _ = write!(out, ":{line_no}</code> <code class=\"knocklog-code\">");
                push_text(out, shorten(text, 300).0);
                out.push_str("</code></li>");
            }
        }
        out.push_str("</ul></details>");
    }
}
