//! The report's content as one `<section class="knocklog">`, the answer first: the
//! verdict, the timeline, the attackers, campaigns, auth errors, sneak attackers and
//! what they went for; then origins, the blocklist, the address panels, and last the
//! files read. Every attacker-controlled string goes through `escape`; none becomes a
//! link, a style or script (links are the report's own anchors), and every attribute
//! value is double-quoted.

use std::fmt::Write;

use super::charts::{self, swatch, HEAT_LEGEND};
use super::escape::{push_attr, push_text};
use super::format::{self, count, percent};
use super::markup::{
    cap_note, categories_html, heading, note, push_cut, table_end, table_start, td_addr, td_num, td_plain, td_text,
    td_time, td_verdict_score, Kind,
};
use super::{ReportData, MAX_HEAT_ROWS, MAX_SUGGESTIONS};
use crate::vocab::event::Category;

fn scan_figures(out: &mut String, d: &ReportData) {
    let t = &d.totals;
    out.push_str(r#"<dl class="knocklog-figures">"#);
    let mut figure = |name: &str, value: String, sub: String| {
        let _ = write!(out, "<div><dt>{name}</dt><dd>{value}<small>{sub}</small></dd></div>");
    };
    let span = match d.day_span() {
        Some((a, b)) => format!("{} days", count((b - a + 1) as u64)),
        None => "–".into(),
    };
    figure("Files read", count(t.files as u64), span);
    figure("Lines", count(t.lines), format!("{} parsed", percent(t.parsed, t.lines)));
    figure("Unparsed", count(t.unparsed), percent(t.unparsed, t.lines));
    figure(
        "Suspicious events",
        count(t.suspicious_events),
        format!("{} of lines", percent(t.suspicious_events, t.lines)),
    );
    figure(
        "Addresses",
        count(t.addresses as u64),
        format!("{} block, {} watch", count(t.block as u64), count(t.watch as u64)),
    );
    figure("Sneak attackers", count(t.sneak as u64), "quiet returners".into());
    out.push_str("</dl>");
}

pub fn section(d: &ReportData) -> String {
    let mut out = String::with_capacity(64 * 1024 + d.panels.len() * 4096);
    out.push_str(r#"<section class="knocklog">"#);
    header(&mut out, d);
    super::verdict::answer(&mut out, d);
    if let Some(fleet) = d.history.as_ref().and_then(|h| h.fleet.as_ref()) {
        super::fleet::section(&mut out, d, fleet);
    }
    if let Some(h) = &d.history {
        super::weekly::section(&mut out, d, h);
    }
    overview(&mut out, d);
    access(&mut out, d);
    super::campaigns::section(&mut out, d);
    auth(&mut out, d);
    sneak(&mut out, d);
    super::tops::paths(&mut out, d);
    super::tops::agents(&mut out, d);
    origins(&mut out, d);
    super::host::section(&mut out, d);
    patterns_and_blocklist(&mut out, d);
    super::panels::section(&mut out, d);
    super::files::section(&mut out, d);
    let _ = write!(
        out,
        r#"<footer class="knocklog-footer">Written by knocklog {}. All times are UTC. Log content is shown as text, never followed or run.</footer></section>"#,
        super::escape::text(&d.version)
    );
    out
}

fn header(out: &mut String, d: &ReportData) {
    out.push_str(r#"<header class="knocklog-header"><h1>knocklog report</h1><p class="knocklog-period">"#);
    match (&d.history, d.period) {
        (Some(h), _) => super::weekly::period_line(out, h),
        (None, Some((a, b))) => {
            let _ = write!(out, "{} to {} UTC", format::time(a), format::time(b));
        }
        (None, None) => out.push_str("No timestamps were read."),
    }
    out.push_str(r#"</p><nav class="knocklog-nav">"#);
    if d.history.as_ref().is_some_and(|h| h.fleet.is_some()) {
        out.push_str(r##"<a href="#knocklog-servers">Across servers</a> "##);
    }
    if d.history.is_some() {
        out.push_str(r##"<a href="#knocklog-weekly">This period</a> "##);
    }
    out.push_str(r##"<a href="#knocklog-overview">Timeline</a> <a href="#knocklog-access">Attackers</a> <a href="#knocklog-campaigns">Campaigns</a> <a href="#knocklog-auth">Auth errors</a> <a href="#knocklog-sneak">Sneak attackers</a> <a href="#knocklog-paths">Paths</a> <a href="#knocklog-agents">User agents</a>"##);
    if d.enriched.any_label() {
        out.push_str(r##" <a href="#knocklog-origins">Origins</a>"##);
    }
    if d.host.is_some() {
        out.push_str(r##" <a href="#knocklog-host">This server</a>"##);
    }
    if d.suggestions.is_some() || d.blocklist.is_some() {
        out.push_str(r##" <a href="#knocklog-blocklist">Patterns &amp; blocklist</a>"##);
    }
    if !d.panels.is_empty() {
        out.push_str(r##" <a href="#knocklog-addresses">Address details</a>"##);
    }
    out.push_str(r##" <a href="#knocklog-files">Files</a></nav></header>"##);
}

fn overview(out: &mut String, d: &ReportData) {
    heading(out, "overview", "Figures and timeline");
    match &d.history {
        Some(h) => super::weekly::overview_figures(out, d, h),
        None => scan_figures(out, d),
    }

    match d.chart_span() {
        Some((first, last)) if !d.daily.is_empty() => {
            let unit = charts::Bins::new(first, last, charts::CHART_COLUMNS).unit();
            let _ = write!(out, "<h3>Suspicious events per {unit}, by category</h3>");
            out.push_str(r#"<figure class="knocklog-figure knocklog-chartbox">"#);
            charts::daily_stacked(out, &d.daily, first, last);
            out.push_str(r#"<figcaption class="knocklog-legend">"#);
            for c in Category::ALL.iter().filter(|c| d.daily.iter().any(|r| r.1 == **c)) {
                out.push_str(r#"<span class="knocklog-cat">"#);
                swatch(out, *c);
                out.push_str(c.as_str());
                out.push_str("</span> ");
            }
            out.push_str("</figcaption></figure>");
        }
        _ => {
            out.push_str("<h3>Suspicious events per day, by category</h3>");
            note(out, "No suspicious event with a timestamp.");
        }
    }
    super::verdict::traffic(out, d);
}

fn access(out: &mut String, d: &ReportData) {
    heading(out, "access", "Access: suspicious visitors");
    if d.visitors.is_empty() {
        note(out, "No address did anything suspicious.");
        return;
    }
    let dns = d.visitors.iter().any(|v| v.labels.as_ref().is_some_and(|l| l.dns.is_some()));
    let named =
        d.visitors.iter().any(|v| v.labels.as_ref().and_then(|l| l.dns.as_ref()).is_some_and(|n| n.name.is_some()));
    let network = d.enriched.any_label();
    let legend = "Worst first. <em>block</em>: enough strikes or a sneak attacker; <em>watch</em>: fewer.";
    let dns_note = if named {
        " Reverse DNS: ✓ when the name resolves back to the address; an unconfirmed name is only what the address owner claims; in brackets why a lookup gave no name or could not check it (<code>deadline</code>: not looked up in time)."
    } else if d.enriched.dns {
        " Reverse DNS: no listed address has a name (in brackets why, where the lookup failed)."
    } else if d.history.is_some() {
        ""
    } else {
        " Scan with <code>--dns</code> for reverse DNS names."
    };
    note(out, &format!("{legend}{dns_note}"));
    let mut columns = vec![("Address", Kind::Text)];
    if dns {
        columns.push(("Reverse DNS", Kind::Text));
    }
    if network {
        columns.push(("Network", Kind::Text));
    }
    columns.extend([
        ("Verdict", Kind::Text),
        ("Score", Kind::Num),
        ("Suspicious", Kind::Num),
        ("Days", Kind::Num),
        ("First seen (UTC)", Kind::Num),
        ("Last seen (UTC)", Kind::Num),
        ("Categories", Kind::Text),
        ("Behaviour", Kind::Text),
        ("Top paths", Kind::Text),
    ]);
    table_start(out, "Suspicious visitors", &columns);
    for v in &d.visitors {
        match d.links.row_id(&v.ip) {
            Some(id) => {
                let _ = write!(out, r#"<tr id="{id}">"#);
            }
            None => out.push_str("<tr>"),
        }
        td_addr(out, &v.ip, d.links.panel_id(&v.ip));
        let labels = v.labels.as_ref();
        if dns {
            match labels.and_then(|l| l.dns.as_ref()) {
                Some(n) => {
                    out.push_str(r#"<td class="knocklog-code">"#);
                    if let Some(name) = &n.name {
                        push_text(out, name);
                        out.push_str(if n.confirmed { " ✓" } else { " <small>(unconfirmed)</small>" });
                    }
                    if let Some(e) = n.error {
                        let _ = write!(out, " <small>({})</small>", e.as_str());
                    }
                    out.push_str("</td>");
                }
                None => out.push_str("<td></td>"),
            }
        }
        if network {
            network_cell(out, labels);
        }
        td_verdict_score(out, v.verdict, v.sneak, v.score);
        td_num(out, v.suspicious_events);
        td_num(out, v.days_active as u64);
        td_time(out, v.first_seen);
        td_time(out, v.last_seen);
        categories_html(out, true, v.categories.iter().map(|(c, n)| (*c, Some(*n))));
        behaviour_cell(out, v);
        out.push_str(r#"<td class="knocklog-code knocklog-list">"#);
        // Three paths, shortened: the panel lists more, and long paths would make tall rows.
        for (i, (p, n)) in v.top_paths.iter().take(3).enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            push_cut(out, p, 56);
            let _ = write!(out, " <small>×{}</small>", count(*n));
        }
        out.push_str("</td></tr>");
    }
    table_end(out);
    cap_note(out, d.visitors.len(), d.totals.visitors, "addresses", "ips.csv");
}

/// Range label, country and AS of an address, one per line.
fn network_cell(out: &mut String, labels: Option<&crate::vocab::labels::Labels>) {
    out.push_str(r#"<td class="knocklog-list">"#);
    if let Some(l) = labels {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(l.range.as_deref().map(|r| format!("<code>{}</code>", super::escape::text(r))));
        parts.extend(l.country.as_deref().map(super::escape::text));
        parts.extend(l.asn.map(|n| super::escape::text(&super::as_name(n, l.as_org.as_deref()))));
        out.push_str(&parts.join("<br>"));
    }
    out.push_str("</td>");
}

/// The suspicious addresses by range label, country and AS (`--ranges`, `--geoip`,
/// `--asn`): how much of the attack one provider or country carries.
fn origins(out: &mut String, d: &ReportData) {
    if !d.enriched.any_label() {
        return;
    }
    heading(out, "origins", "Where the attackers come from");
    let o = &d.origins;
    if o.is_empty() {
        note(out, "No suspicious address is in a labelled range or in the country and AS databases given.");
        return;
    }
    let groups = [
        (d.enriched.ranges, "By range label (--ranges)", "Range label", &o.ranges),
        (d.enriched.geoip, "By country (--geoip)", "Country", &o.countries),
        (d.enriched.asn, "By autonomous system (--asn)", "Autonomous system", &o.systems),
    ];
    for (asked, title, key, rows) in groups {
        if !asked {
            continue;
        }
        let _ = write!(out, "<h3>{title}</h3>");
        if rows.is_empty() {
            note(out, "No suspicious address has this label.");
            continue;
        }
        table_start(
            out,
            title,
            &[
                (key, Kind::Text),
                ("Addresses", Kind::Num),
                ("Block", Kind::Num),
                ("Watch", Kind::Num),
                ("Suspicious events", Kind::Num),
            ],
        );
        for r in rows.iter().take(super::MAX_TOP) {
            out.push_str("<tr>");
            td_text(out, &r.label);
            td_num(out, r.addresses);
            td_num(out, r.block);
            td_num(out, r.watch);
            td_num(out, r.suspicious_events);
            out.push_str("</tr>");
        }
        table_end(out);
        cap_note(out, rows.len().min(super::MAX_TOP), rows.len(), "labels", "ips.csv");
    }
}

/// The behaviour rules an address tripped (the full evidence in the title), and the
/// campaign it is part of, linked to its row.
fn behaviour_cell(out: &mut String, v: &super::VisitorRow) {
    out.push_str(r#"<td class="knocklog-list">"#);
    for (i, (rule, brief, full)) in v.behaviour.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        out.push_str(r#"<span title=""#);
        push_attr(out, full);
        let _ = write!(out, r#""><code>{rule}</code> <small>{}</small></span>"#, super::escape::text(brief));
    }
    let mut lines = v.behaviour.len();
    if let Some(id) = v.campaign {
        if lines > 0 {
            out.push_str("<br>");
        }
        let _ = write!(out, r##"<a href="#knocklog-campaign-{id}">campaign {id}</a>"##);
        lines += 1;
    }
    if let (n @ 1.., Some(first)) = (v.previous_blocks, v.first_blocked) {
        if lines > 0 {
            out.push_str("<br>");
        }
        let s = if n == 1 { "" } else { "s" };
        let _ = write!(
            out,
            r#"<span title="fail2ban's recidive: its blocklist entry lasts longer"><code>recidive</code> <small>blocked on {n} earlier day{s}, first {}</small></span>"#,
            crate::vocab::time::format_day(first)
        );
    }
    out.push_str("</td>");
}

fn auth(out: &mut String, d: &ReportData) {
    heading(out, "auth", "Auth errors: usernames tried");
    if d.usernames.is_empty() {
        note(out, "No username was tried.");
    } else {
        note(out, "<em>By name</em>: the user does not exist or is not allowed; <em>by password</em>: a wrong password for an existing or allowed user.");
        table_start(
            out,
            "Usernames tried",
            &[
                ("Username", Kind::Text),
                ("Attempts", Kind::Num),
                ("By name", Kind::Num),
                ("By password", Kind::Num),
                ("Other", Kind::Num),
                ("Addresses", Kind::Num),
                ("First (UTC)", Kind::Num),
                ("Last (UTC)", Kind::Num),
                ("Allowed", Kind::Text),
            ],
        );
        for u in &d.usernames {
            out.push_str("<tr>");
            td_text(out, &u.name);
            td_num(out, u.attempts);
            td_num(out, u.split.bad_user);
            td_num(out, u.split.bad_password);
            td_num(out, u.split.other);
            td_num(out, u.ips);
            td_time(out, u.first_seen);
            td_time(out, u.last_seen);
            td_plain(out, if u.allowed { "yes" } else { "" });
            out.push_str("</tr>");
        }
        table_end(out);
        cap_note(out, d.usernames.len(), d.totals.usernames, "usernames", "usernames.csv");
    }

    out.push_str("<h3>Attempt sessions</h3>");
    if d.sessions.is_empty() {
        note(out, "No attempt session.");
        return;
    }
    note(out, "A session is one address's suspicious events with no silence longer than the session gap (30 minutes unless <code>--session-gap</code> says otherwise).");
    table_start(
        out,
        "Attempt sessions",
        &[
            ("Address", Kind::Text),
            ("Start (UTC)", Kind::Num),
            ("End (UTC)", Kind::Num),
            ("Duration", Kind::Num),
            ("Events", Kind::Num),
            ("Categories", Kind::Text),
        ],
    );
    for s in &d.sessions {
        out.push_str("<tr>");
        td_addr(out, &s.ip, d.links.target(&s.ip));
        td_time(out, Some(s.start));
        td_time(out, Some(s.end));
        let _ = write!(
            out,
            r#"<td class="knocklog-num" data-v="{}">{}</td>"#,
            s.end - s.start,
            format::duration(s.end - s.start)
        );
        td_num(out, s.events);
        categories_html(out, false, s.categories.iter().map(|c| (*c, None)));
        out.push_str("</tr>");
    }
    table_end(out);
    if d.totals.sessions > d.sessions.len() {
        note(
            out,
            &format!(
                "Showing the {} largest of {} sessions; <code>sessions.csv</code> has them all.",
                count(d.sessions.len() as u64),
                count(d.totals.sessions as u64)
            ),
        );
    }
}

fn sneak(out: &mut String, d: &ReportData) {
    heading(out, "sneak", "Sneak attackers");
    match d.chart_span() {
        Some((first, last)) if !d.heat.is_empty() => {
            let unit = charts::Bins::new(first, last, charts::HEAT_COLUMNS).unit();
            note(
                out,
                &format!("Addresses suspicious on more than one day, highest score first, one row each, one column per UTC {unit}, then the row's total and verdict: a quiet returner is a long, pale row. <strong>Bold red</strong>: sneak attacker (suspicious on many days, never much on any one).{}", if unit == "day" { "" } else { " A cell shows on how many days of it the address was active; its colour is the events per active day." }),
            );
            out.push_str(r#"<figure class="knocklog-figure knocklog-heatbox">"#);
            charts::heat_map(out, &d.heat, first, last, &|ip| d.links.target(ip));
            let per = if unit == "day" { "that day".to_owned() } else { format!("per active day of the {unit}") };
            let _ = write!(out, r#"<figcaption class="knocklog-legend">Suspicious events {per}: "#);
            for (label, c) in HEAT_LEGEND {
                let _ = write!(
                    out,
                    r#"<span class="knocklog-cat"><svg class="knocklog-swatch" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="{c}"/></svg>{label}</span> "#
                );
            }
            out.push_str("</figcaption></figure>");
            if d.totals.heat_rows > d.heat.len() {
                note(
                    out,
                    &format!(
                        "Showing {} of {} returning addresses (at most {MAX_HEAT_ROWS}); <code>daily.csv</code> has every address and day.",
                        count(d.heat.len() as u64),
                        count(d.totals.heat_rows as u64)
                    ),
                );
            }
        }
        _ => note(out, "No address was suspicious on more than one day."),
    }
}

fn patterns_and_blocklist(out: &mut String, d: &ReportData) {
    if d.suggestions.is_none() && d.blocklist.is_none() {
        return;
    }
    heading(out, "blocklist", "Suggested patterns and blocklist");
    if let Some(suggestions) = &d.suggestions {
        out.push_str("<h3>Suggested attack patterns</h3>");
        if suggestions.is_empty() {
            note(out, "Nothing to suggest: every request of a blocked address matched a known rule.");
        } else {
            table_start(
                out,
                "Suggested attack patterns",
                &[
                    ("Pattern", Kind::Text),
                    ("Kind", Kind::Text),
                    ("Confidence", Kind::Num),
                    ("Attacker addresses", Kind::Num),
                    ("Attacker hits", Kind::Num),
                    ("Benign addresses", Kind::Num),
                    ("Last seen (UTC)", Kind::Num),
                    ("Example line", Kind::Text),
                ],
            );
            for s in suggestions.iter().take(MAX_SUGGESTIONS) {
                out.push_str("<tr>");
                td_text(out, &s.pattern);
                let kind = serde_json::to_value(s.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
                td_plain(out, &super::escape::text(kind.as_deref().unwrap_or("")));
                let _ = write!(
                    out,
                    r#"<td class="knocklog-num" data-v="{:.4}">{:.0} %</td>"#,
                    s.confidence,
                    100.0 * s.confidence.clamp(0.0, 1.0)
                );
                if s.sampled {
                    // Estimated from a sample of a popular request's addresses.
                    let n = s.attacker_ips;
                    let _ = write!(
                        out,
                        r#"<td class="knocklog-num" data-v="{n}" title="estimated from a sample of the addresses">≈ {}</td>"#,
                        count(n as u64)
                    );
                } else {
                    td_num(out, s.attacker_ips as u64);
                }
                td_num(out, s.attacker_hits);
                td_num(out, s.benign_ips as u64);
                td_time(out, s.last_seen);
                td_text(out, &s.example);
                out.push_str("</tr>");
            }
            table_end(out);
            let shown = suggestions.len().min(MAX_SUGGESTIONS);
            cap_note(out, shown, suggestions.len(), "suggestions", "the suggested pattern files");
        }
    }
    if let Some(entries) = &d.blocklist {
        out.push_str("<h3>Blocklist</h3>");
        if entries.is_empty() {
            note(out, "No address has a block verdict.");
            return;
        }
        table_start(
            out,
            "Blocklist",
            &[
                ("Address or range", Kind::Text),
                ("Addresses", Kind::Num),
                ("Reason", Kind::Text),
                ("Categories", Kind::Text),
                ("First seen (UTC)", Kind::Num),
                ("Last seen (UTC)", Kind::Num),
            ],
        );
        for e in entries.iter().take(super::MAX_BLOCK_ROWS) {
            out.push_str("<tr>");
            match d.links.target(&e.network) {
                Some(id) => td_addr(out, &e.network, Some(id)),
                None => td_text(out, &e.network),
            }
            td_num(out, e.addresses as u64);
            td_text(out, &e.reason);
            categories_html(out, false, e.categories.iter().map(|c| (*c, None)));
            td_time(out, e.first_seen);
            td_time(out, e.last_seen);
            out.push_str("</tr>");
        }
        table_end(out);
        cap_note(out, entries.len().min(super::MAX_BLOCK_ROWS), entries.len(), "entries", "the blocklist files");
    }
}
