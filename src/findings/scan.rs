//! The findings of a scan: the merged per-address statistics assessed, the learned
//! shapes weighed into suggestions, and the blocklist built from the verdicts.

use std::time::Duration;

use super::{Findings, Origin, Provenance, ScanOrigin};
use crate::aggregate::assess::{assess, Assessment};
use crate::aggregate::blocklist::{self, BenignAddresses, BlocklistSettings};
use crate::aggregate::crawlers::{self, ClaimCheck};
use crate::aggregate::file_stats::time_span;
use crate::aggregate::ip_stats::MergedIps;
use crate::aggregate::recidive::{self, BlockHistory, Cutoff};
use crate::aggregate::tally::EventTally;
use crate::aggregate::FileStats;
use crate::detect::policy::Policy;
use crate::input::Skipped;
use crate::learn::shapes::ShapeTable;
use crate::learn::{attacker_count, Evidence, LearnOptions};
use rustc_hash::FxHashMap;

/// What a scan read and counted, before any address is judged.
pub struct ScanCounts {
    pub files: Vec<FileStats>,
    pub skipped: Vec<Skipped>,
    /// The addresses: rows in no particular order, and the counts of the quiet ones.
    pub ips: MergedIps,
    pub learned: ShapeTable,
    pub tally: EventTally,
    pub elapsed: Duration,
}

/// How a scan's counts are judged.
pub struct Judging<'a> {
    pub policy: &'a Policy,
    /// Keep every address, not only the suspicious ones (`--all-ips`).
    pub all_ips: bool,
    pub learn: &'a LearnOptions,
    pub blocklist: &'a BlocklistSettings,
    /// When the findings are made (microseconds since the epoch).
    pub generated: i64,
    /// The days a history store saw addresses blocked (`scan --history`).
    pub block_history: Option<&'a BlockHistory>,
    /// What checking the addresses' crawler claims found (`enrich::crawlers`).
    pub crawler_checks: Option<&'a FxHashMap<String, ClaimCheck>>,
}

impl Findings {
    /// Runs on the current rayon pool.
    pub fn from_scan(counts: ScanCounts, how: &Judging) -> Findings {
        let ScanCounts { files, skipped, ips, learned, mut tally, elapsed } = counts;
        let MergedIps { rows: mut ips, traffic, quiet_keys } = ips;
        // All of the traffic, quiet addresses included, for the report.
        tally.traffic = traffic;
        let mut crawler_checks = std::collections::BTreeMap::new();
        if let Some(checks) = how.crawler_checks {
            crawlers::apply(&mut ips, checks);
            for check in checks.values() {
                *crawler_checks.entry(check.as_str()).or_default() += 1;
            }
        }
        // Before `assess` drops them: the addresses whose traffic did not count against
        // them, which a proposed blocklist range must not cover.
        let (benign, evidence) =
            rayon::join(|| BenignAddresses::collect(&ips, quiet_keys), || Evidence::take(&ips, learned));
        let Assessment { mut ips, campaigns } = assess(ips, how.policy, how.all_ips);
        if let Some(history) = how.block_history {
            recidive::apply(&mut ips, history, Cutoff::FirstSeen);
        }
        let suggestions = evidence.suggest(&ips, how.learn);
        let learn_overflow = evidence.overflow();
        drop(evidence);
        let attackers = attacker_count(&ips, how.learn);
        let blocklist = blocklist::build(&ips, &benign, &how.policy.allow_ips, how.blocklist);
        let (first_ts, last_ts) = time_span(&files);
        let provenance = Provenance { generated: how.generated, first_ts, last_ts };
        Findings {
            origin: Origin::Scan(ScanOrigin { files, skipped, elapsed }),
            ips,
            campaigns,
            policy: how.policy.clone(),
            tally,
            suggestions,
            attackers,
            learn_overflow,
            blocklist,
            blocklist_settings: how.blocklist.clone(),
            provenance,
            enriched: Default::default(),
            label_sources: Vec::new(),
            crawler_checks,
            host: None,
            dns: None,
        }
    }
}
