//! The report's "This server" section (`--host-info`): the server's addresses and
//! listening sockets, and whether the services the attackers went for listen at all.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::escape::push_text;
use super::markup::{heading, note, table_end, table_start, td_num, td_plain, td_text, Kind};
use super::ReportData;
use crate::aggregate::assess::Assessed;
use crate::vocab::event::{Category, LogKind};
use crate::vocab::host::HostInfo;

/// The host and the services attacked on it.
#[derive(Clone, Debug, PartialEq)]
pub struct HostView {
    pub info: HostInfo,
    pub services: Vec<ServiceRow>,
}

/// One attacked service: what it is, how many suspicious addresses went for it, and
/// whether a socket of it listens (None: not told by the sockets alone).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    pub service: String,
    pub attackers: u64,
    pub listening: Option<bool>,
}

/// Process names of web servers, when their port is not a web port.
const WEB_SERVERS: [&str; 7] = ["nginx", "apache2", "httpd", "lighttpd", "caddy", "haproxy", "traefik"];
const WEB_PORTS: [u16; 4] = [80, 443, 8080, 8443];

impl HostView {
    pub fn of(info: &HostInfo, suspicious: &[&Assessed]) -> HostView {
        let owned_by =
            |names: &[&str]| info.listening.iter().any(|l| l.process.as_deref().is_some_and(|p| names.contains(&p)));
        let count = |kind: LogKind| suspicious.iter().filter(|a| a.stats.by_kind[kind.index()] > 0).count() as u64;
        let mut services = Vec::new();
        let ssh = count(LogKind::Auth);
        if ssh > 0 {
            let listening = info.listens("tcp", 22) || owned_by(&["sshd"]);
            services.push(ServiceRow { service: "ssh (tcp 22)".into(), attackers: ssh, listening: Some(listening) });
        }
        let web = count(LogKind::Access);
        if web > 0 {
            let listening = WEB_PORTS.iter().any(|p| info.listens("tcp", *p)) || owned_by(&WEB_SERVERS);
            services.push(ServiceRow {
                service: "web (tcp 80, 443)".into(),
                attackers: web,
                listening: Some(listening),
            });
        }
        // The ports CONNECT and absolute-URI requests asked the server to relay to: a
        // proxy that listens there is what the prober hoped for.
        let mut ports: BTreeMap<u16, u64> = BTreeMap::new();
        for a in suspicious {
            let Some(s) = a.stats.suspicion.as_deref().filter(|s| s.by_category[Category::Connect.index()] > 0) else {
                continue;
            };
            let mut mine: Vec<u16> = s.paths.iter().filter_map(|(p, _)| relay_port(p)).collect();
            mine.sort_unstable();
            mine.dedup();
            for p in mine {
                *ports.entry(p).or_default() += 1;
            }
        }
        for (port, attackers) in ports {
            let listening = Some(info.listens("tcp", port));
            services.push(ServiceRow {
                service: format!("proxy relay to port {port} (CONNECT)"),
                attackers,
                listening,
            });
        }
        HostView { info: info.clone(), services }
    }
}

/// The port a proxy request targets: `host:port` (CONNECT) or an absolute URI.
fn relay_port(target: &str) -> Option<u16> {
    let (default, rest) = match target.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (443, rest),
        Some((_, rest)) => (80, rest),
        None => return target.rsplit_once(':').and_then(|(_, p)| p.parse().ok()),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((_, p)) if !p.contains(']') => p.parse().ok(),
        _ => Some(default),
    }
}

pub fn section(out: &mut String, d: &ReportData) {
    let Some(h) = &d.host else { return };
    heading(out, "host", "This server");
    note(
        out,
        "Read from this machine when the report was made: its addresses (never put on a blocklist) and what listens on it.",
    );
    if !h.services.is_empty() {
        out.push_str("<h3>Attacked services</h3>");
        table_start(
            out,
            "Attacked services",
            &[("Service", Kind::Text), ("Addresses", Kind::Num), ("Listening", Kind::Text)],
        );
        for s in &h.services {
            out.push_str("<tr>");
            td_text(out, &s.service);
            td_num(out, s.attackers);
            td_plain(
                out,
                match s.listening {
                    Some(true) => "yes",
                    Some(false) => "<strong>no</strong>: nothing listens for it here",
                    None => "unknown",
                },
            );
            out.push_str("</tr>");
        }
        table_end(out);
    }
    out.push_str("<h3>Listening sockets</h3>");
    if h.info.listening.is_empty() {
        note(out, "No listening socket was read.");
    } else {
        table_start(
            out,
            "Listening sockets",
            &[("Protocol", Kind::Text), ("Address", Kind::Text), ("Port", Kind::Num), ("Process", Kind::Text)],
        );
        for l in &h.info.listening {
            out.push_str("<tr>");
            td_plain(out, l.protocol);
            td_text(out, &l.address.to_string());
            // A port is a name, not a quantity: no thousands separator.
            let _ = write!(out, r#"<td class="knocklog-num">{}</td>"#, l.port);
            out.push_str("<td>");
            if let Some(p) = &l.process {
                push_text(out, p);
                let _ = write!(out, " <small>({})</small>", l.pid.unwrap_or_default());
            }
            out.push_str("</td></tr>");
        }
        table_end(out);
    }
    let addrs: Vec<String> = h.info.addresses.iter().map(|a| a.to_string()).collect();
    out.push_str("<h3>This server's addresses</h3><p class=\"knocklog-code\">");
    push_text(out, &addrs.join(", "));
    out.push_str("</p>");
    for n in &h.info.notes {
        out.push_str(r#"<p class="knocklog-note">"#);
        push_text(out, n);
        out.push_str("</p>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_targets_name_their_ports() {
        assert_eq!(relay_port("example.org:443"), Some(443));
        assert_eq!(relay_port("[2001:db8::1]:25"), Some(25));
        assert_eq!(relay_port("http://example.org/"), Some(80));
        assert_eq!(relay_port("https://example.org/x"), Some(443));
        assert_eq!(relay_port("http://example.org:8080/x"), Some(8080));
        assert_eq!(relay_port("/index.html"), None);
    }
}
