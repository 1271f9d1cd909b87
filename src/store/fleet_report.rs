//! A fleet's period as one set of findings (`knocklog report --history FLEET`): every
//! server's store loaded and merged as if one scan had read all their logs, judged as
//! one store's period is, plus what each server saw of each address and the sneak
//! attackers only the whole fleet shows.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use polars::prelude::{Column, DataFrame};

use super::fleet::{Server, KEY};
use super::period::{self, Days, Period};
use super::report::{self, Loaded};
use super::Store;
use crate::aggregate::blocklist::BlocklistSettings;
use crate::aggregate::IpStats;
use crate::detect::policy::{is_sneak, Policy, Thresholds};
use crate::findings::{Findings, FleetOrigin, Origin, ServerSighting};

/// Opens every server's store (each locked until the report is done, so the fleet is
/// read as it stands at one time) and checks that none was left half-written.
pub fn open(servers: Vec<Server>) -> anyhow::Result<Vec<(Server, Store)>> {
    servers
        .into_iter()
        .map(|server| {
            let store = Store::open(&server.dir, false)?;
            store.ensure_whole()?;
            Ok((server, store))
        })
        .collect()
}

/// The findings of `days` over every server of the fleet in `dir` (`open`'s stores),
/// judged with `policy`; `generated` is when.
pub fn findings(
    dir: &Path,
    servers: &[(Server, Store)],
    days: Days,
    policy: &Policy,
    settings: &BlocklistSettings,
    generated: i64,
) -> anyhow::Result<Findings> {
    let mut merged = Merged::default();
    let mut fleet = FleetOrigin { servers: servers.iter().map(|s| s.0.name.clone()).collect(), ..Default::default() };
    // Addresses some server alone makes a sneak attacker: not spread over the fleet.
    let mut sneak_on_one_server = BTreeSet::new();
    for (index, (server, store)) in servers.iter().enumerate() {
        let loaded = report::load(store, days, policy)
            .with_context(|| format!("reading server {} ({})", server.name, server.dir.display()))?;
        for (ip, stats) in &loaded.period.ips {
            fleet.sightings.entry(ip.clone()).or_default().push(sighting(index, stats));
            if sneak_alone(stats, &policy.thresholds) {
                sneak_on_one_server.insert(ip.clone());
            }
        }
        merged.add(&server.name, loaded)?;
    }
    let mut findings = report::judge(merged.finish()?, &dir.display().to_string(), days, policy, settings, generated)?;
    let listed: BTreeSet<&str> = findings.ips.iter().map(|a| a.ip.as_str()).collect();
    fleet.sightings.retain(|ip, _| listed.contains(ip.as_str()));
    fleet.spread_sneaks =
        findings.ips.iter().filter(|a| a.sneak && !sneak_on_one_server.contains(&a.ip)).map(|a| a.ip.clone()).collect();
    match &mut findings.origin {
        Origin::Period(p) => p.fleet = Some(Box::new(fleet)),
        Origin::Scan(_) => unreachable!("a store period's findings"),
    }
    Ok(findings)
}

/// One server's share of an address (its statistics settled).
fn sighting(server: usize, s: &IpStats) -> ServerSighting {
    ServerSighting {
        server,
        events: s.events,
        suspicious_events: s.suspicious_events(),
        first_seen: s.first_seen,
        last_seen: s.last_seen,
        active_days: s.days_active(),
    }
}

/// The sneak rule asked of one server's share alone.
fn sneak_alone(s: &IpStats, t: &Thresholds) -> bool {
    s.suspicion.as_deref().is_some_and(|s| is_sneak(t, s.intent_events, s.intent_daily.len(), s.max_daily_intent()))
}

/// The servers' loaded periods being added up into one.
#[derive(Default)]
struct Merged {
    stats: BTreeMap<String, IpStats>,
    events: Vec<DataFrame>,
    loaded: Loaded,
}

impl Merged {
    /// Adds a server's period: per-address statistics merged as a scan merges its
    /// threads', its events tagged with the server's name.
    fn add(&mut self, server: &str, loaded: Loaded) -> anyhow::Result<()> {
        let Loaded { period, previous, first_suspicious_day, block_history, days_held, sources } = loaded;
        let Period { ips, mut events, by_ip } = period;
        for (ip, s) in ips {
            match self.stats.entry(ip) {
                Entry::Occupied(mut e) => e.get_mut().merge(&s),
                Entry::Vacant(e) => {
                    e.insert(s);
                }
            }
        }
        if events.width() > 0 {
            let names = vec![server; events.height()];
            events.with_column(Column::new(KEY.into(), names))?;
            self.events.push(events);
        }
        let totals = &mut self.loaded;
        for (ip, d) in by_ip {
            totals.period.by_ip.entry(ip).or_default().add(&d);
        }
        for (ip, d) in previous {
            totals.previous.entry(ip).or_default().add(&d);
        }
        for (ip, day) in first_suspicious_day {
            let first = totals.first_suspicious_day.entry(ip).or_insert(day);
            *first = (*first).min(day);
        }
        totals.block_history.merge(block_history);
        totals.days_held.extend(days_held);
        totals
            .sources
            .extend(sources.into_iter().map(|s| crate::findings::SourceRead { server: Some(server.to_owned()), ..s }));
        Ok(())
    }

    /// The fleet as one store's load: addresses in the order `period::load` gives them
    /// (most lines first), events in time order.
    fn finish(self) -> anyhow::Result<Loaded> {
        let mut loaded = self.loaded;
        let mut ips: Vec<(String, IpStats)> = self.stats.into_iter().collect();
        for (_, s) in &mut ips {
            s.settle();
        }
        ips.sort_by(|a, b| b.1.events.cmp(&a.1.events).then_with(|| a.0.cmp(&b.0)));
        loaded.period.ips = ips;
        loaded.period.events = period::stack_events(self.events)?;
        Ok(loaded)
    }
}
