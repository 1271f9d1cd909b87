//! The "Across servers" section of a fleet report: addresses more than one server saw,
//! campaigns whose members span servers, and the sneak attackers only the whole fleet
//! shows (no single server saw enough of their days). Server names are restricted to
//! hive-safe characters, addresses are log text: both go through `escape`.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::escape::{push_text, text};
use super::format::count;
use super::markup::{cap_note, heading, note, table_end, table_start, td_addr, td_verdict_score, Kind};
use super::ReportData;
use crate::aggregate::assess::Assessed;
use crate::aggregate::campaigns::Campaign;
use crate::detect::policy::{Thresholds, Verdict};
use crate::findings::{FleetOrigin, ServerSighting};

/// Rows of each table at most; `servers.csv` has every address and server.
const MAX_ROWS: usize = 200;

/// What the section shows, built from the fleet's findings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetView {
    pub servers: Vec<String>,
    /// Attackers seen on two servers or more, worst first, capped.
    pub spread: Vec<SpreadRow>,
    pub spread_total: usize,
    /// Campaigns whose members were seen on two servers or more, largest first.
    pub campaigns: Vec<CampaignSpread>,
    /// Sneak attackers over the fleet that no server alone makes one, worst first, capped.
    pub spread_sneaks: Vec<SpreadRow>,
    pub spread_sneaks_total: usize,
    /// The sneak rule's figures, to say it in words.
    pub sneak_min_days: usize,
    pub sneak_max_daily: u64,
}

/// One address and what each server saw of it.
#[derive(Clone, Debug, PartialEq)]
pub struct SpreadRow {
    pub ip: String,
    pub verdict: Verdict,
    pub sneak: bool,
    pub score: f64,
    /// (server name, its share), in server order.
    pub servers: Vec<(String, ServerSighting)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CampaignSpread {
    pub id: u32,
    pub addresses: usize,
    pub servers: Vec<String>,
}

impl FleetView {
    /// The view of `fleet`; `attackers` are the findings' suspects, worst first.
    pub fn of(fleet: &FleetOrigin, attackers: &[&Assessed], campaigns: &[Campaign], t: &Thresholds) -> FleetView {
        let row = |a: &Assessed| SpreadRow {
            ip: a.ip.clone(),
            verdict: a.verdict,
            sneak: a.sneak,
            score: a.score,
            servers: fleet.of(&a.ip).iter().map(|s| (fleet.servers[s.server].clone(), *s)).collect(),
        };
        let spread: Vec<&&Assessed> = attackers.iter().filter(|a| fleet.of(&a.ip).len() > 1).collect();
        let sneaks: Vec<&&Assessed> = attackers.iter().filter(|a| fleet.spread_sneaks.contains(&a.ip)).collect();
        let campaigns = campaigns
            .iter()
            .filter_map(|c| {
                let servers: BTreeSet<usize> = c.ips.iter().flat_map(|ip| fleet.of(ip)).map(|s| s.server).collect();
                (servers.len() > 1).then(|| CampaignSpread {
                    id: c.id,
                    addresses: c.ips.len(),
                    servers: servers.into_iter().map(|s| fleet.servers[s].clone()).collect(),
                })
            })
            .collect();
        FleetView {
            servers: fleet.servers.clone(),
            spread_total: spread.len(),
            spread: spread.into_iter().take(MAX_ROWS).map(|a| row(a)).collect(),
            campaigns,
            spread_sneaks_total: sneaks.len(),
            spread_sneaks: sneaks.into_iter().take(MAX_ROWS).map(|a| row(a)).collect(),
            sneak_min_days: t.sneak_min_days,
            sneak_max_daily: t.sneak_max_daily,
        }
    }
}

/// `3 servers: a, b, c`.
pub fn servers_named(servers: &[String]) -> String {
    let n = servers.len();
    format!("{} server{}: {}", count(n as u64), if n == 1 { "" } else { "s" }, text(&servers.join(", ")))
}

pub fn section(out: &mut String, d: &ReportData, f: &FleetView) {
    heading(out, "servers", "Across servers");
    note(
        out,
        &format!(
            "The period of every server of the fleet ({}), read as one: an address's figures elsewhere in this report are its totals over all of them; <code>servers.csv</code> has each server's share of each address.",
            servers_named(&f.servers)
        ),
    );

    let _ = write!(out, "<h3>Attackers seen on several servers ({})</h3>", count(f.spread_total as u64));
    if f.spread.is_empty() {
        note(out, "No attacker was seen on more than one server.");
    } else {
        addresses(out, d, "Attackers seen on several servers", &f.spread);
        cap_note(out, f.spread.len(), f.spread_total, "addresses", "servers.csv");
    }

    let _ = write!(out, "<h3>Campaigns across servers ({})</h3>", count(f.campaigns.len() as u64));
    if f.campaigns.is_empty() {
        note(out, "No campaign's members were seen on more than one server.");
    } else {
        table_start(
            out,
            "Campaigns across servers",
            &[("Campaign", Kind::Num), ("Addresses", Kind::Num), ("Seen on", Kind::Num)],
        );
        for c in &f.campaigns {
            let _ = write!(
                out,
                r##"<tr><td class="knocklog-num" data-v="{0}"><a href="#knocklog-campaign-{0}">{0}</a></td><td class="knocklog-num" data-v="{1}">{2}</td>"##,
                c.id,
                c.addresses,
                count(c.addresses as u64)
            );
            let _ = write!(out, r#"<td data-v="{}">{}</td></tr>"#, c.servers.len(), servers_named(&c.servers));
        }
        table_end(out);
    }

    let _ = write!(out, "<h3>Sneak attackers only over the fleet ({})</h3>", count(f.spread_sneaks_total as u64));
    note(
        out,
        &format!(
            "Suspicious with intent on at least {} days and never more than {} times on one over the fleet, while no single server saw enough of those days to make them one: only the fleet shows them returning.",
            count(f.sneak_min_days as u64),
            count(f.sneak_max_daily)
        ),
    );
    if !f.spread_sneaks.is_empty() {
        addresses(out, d, "Sneak attackers only over the fleet", &f.spread_sneaks);
        cap_note(out, f.spread_sneaks.len(), f.spread_sneaks_total, "sneak attackers", "servers.csv");
    }
}

/// The table of `rows`: the address, its servers, verdict, score, each server's share.
fn addresses(out: &mut String, d: &ReportData, label: &str, rows: &[SpreadRow]) {
    table_start(
        out,
        label,
        &[
            ("Address", Kind::Text),
            ("Seen on", Kind::Num),
            ("Verdict", Kind::Text),
            ("Score", Kind::Num),
            ("Per server: lines (suspicious), active days", Kind::Text),
        ],
    );
    for r in rows {
        out.push_str("<tr>");
        td_addr(out, &r.ip, d.links.target(&r.ip));
        let names: Vec<String> = r.servers.iter().map(|(name, _)| name.clone()).collect();
        let _ = write!(out, r#"<td data-v="{}">{}</td>"#, names.len(), servers_named(&names));
        td_verdict_score(out, r.verdict, r.sneak, r.score);
        out.push_str(r#"<td class="knocklog-list">"#);
        for (i, (name, s)) in r.servers.iter().enumerate() {
            if i > 0 {
                out.push_str(" · ");
            }
            out.push_str("<strong>");
            push_text(out, name);
            let days = if s.active_days == 1 { "day" } else { "days" };
            let _ = write!(
                out,
                "</strong> {} ({}), {} {days}",
                count(s.events),
                count(s.suspicious_events),
                count(s.active_days as u64)
            );
        }
        out.push_str("</td></tr>");
    }
    table_end(out);
}
