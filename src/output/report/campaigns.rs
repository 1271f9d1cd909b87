//! The report's campaigns section: addresses that each did little but did the same
//! thing, one row per campaign, with what they share and who they are.

use std::fmt::Write;

use super::escape::{push_attr, push_text, shorten};
use super::format::count;
use super::markup::{heading, note, table_end, table_start, td_num, td_time, Kind};
use super::ReportData;

/// Members named in a row; `campaigns.csv` has them all.
const MEMBERS_SHOWN: usize = 12;
/// Campaigns shown; the table has them all.
pub const MAX_CAMPAIGNS: usize = 100;

pub fn section(out: &mut String, d: &ReportData) {
    heading(out, "campaigns", "Campaigns");
    if d.campaigns.is_empty() {
        note(
            out,
            "No campaign: no group of addresses shared an ordered username list or a set of suspicious paths and agents within a window.",
        );
        return;
    }
    note(
        out,
        "Addresses that each did little but did the same thing (the same usernames in the same order, or the same suspicious paths with the same agents) within a window are one campaign: every member is at least <em>watch</em>, and <em>block</em> once the campaign is large enough (<code>[behaviour.campaigns]</code> in knocklog.toml).",
    );
    table_start(
        out,
        "Campaigns",
        &[
            ("Campaign", Kind::Num),
            ("Shared", Kind::Text),
            ("Addresses", Kind::Num),
            ("Events", Kind::Num),
            ("First seen (UTC)", Kind::Num),
            ("Last seen (UTC)", Kind::Num),
            ("Evidence", Kind::Text),
            ("Members", Kind::Text),
        ],
    );
    for c in d.campaigns.iter().take(MAX_CAMPAIGNS) {
        let _ = write!(out, r#"<tr id="knocklog-campaign-{0}"><td class="knocklog-num" data-v="{0}">{0}</td>"#, c.id);
        let _ = write!(out, "<td>{}</td>", c.shared.as_str());
        td_num(out, c.ips.len() as u64);
        td_num(out, c.events);
        td_time(out, Some(c.first_seen));
        td_time(out, Some(c.last_seen));
        let (shown, cut) = shorten(&c.evidence, 200);
        out.push_str(r#"<td class="knocklog-code" title=""#);
        push_attr(out, &c.evidence);
        out.push_str("\">");
        push_text(out, shown);
        out.push_str(if cut { "…</td>" } else { "</td>" });
        out.push_str(r#"<td class="knocklog-code knocklog-list">"#);
        for (i, ip) in c.ips.iter().take(MEMBERS_SHOWN).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match d.links.target(ip) {
                Some(id) => {
                    let _ = write!(out, r##"<a href="#{id}">"##);
                    push_text(out, shorten(ip, 45).0);
                    out.push_str("</a>");
                }
                None => push_text(out, shorten(ip, 45).0),
            }
        }
        if c.ips.len() > MEMBERS_SHOWN {
            let _ = write!(out, " <small>and {} more</small>", count((c.ips.len() - MEMBERS_SHOWN) as u64));
        }
        out.push_str("</td></tr>");
    }
    table_end(out);
    if d.campaigns.len() > MAX_CAMPAIGNS {
        note(
            out,
            &format!(
                "Showing the {MAX_CAMPAIGNS} largest of {} campaigns; <code>campaigns.csv</code> has them all.",
                count(d.campaigns.len() as u64)
            ),
        );
    }
}
