//! User agents grouped for the report: agents that differ only in a test number, a
//! build or a comment (`Nikto/2.1.6 (Test:000123)`) are one row, keyed by product
//! token and major version (`Nikto/2`), with the variants listed under it.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{sorted_top, TopRow};
use crate::aggregate::assess::Assessed;

/// Variants listed under a group at most.
pub const MAX_VARIANTS: usize = 20;

/// Product tokens every browser-like agent carries: they name no product.
const GENERIC: [&str; 7] = ["Mozilla", "AppleWebKit", "KHTML", "Gecko", "Version", "Mobile", "Safari"];

#[derive(Clone, Debug, PartialEq)]
pub struct AgentGroup {
    /// `Nikto/2`, `curl/8`, or the agent itself (shortened) when it has no product token.
    pub key: String,
    pub hits: u64,
    /// Distinct addresses that sent any variant.
    pub ips: u64,
    /// The variants, most hits first (`MAX_VARIANTS` at most).
    pub variants: Vec<TopRow>,
    pub variants_total: usize,
}

/// The group of a user agent: its first product token that names a product, with
/// the major version; `Safari` counts only when nothing else does.
pub fn group_key(agent: &str) -> String {
    let tokens: Vec<(&str, &str)> = agent
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ';' | ',' | '[' | ']' | '+'))
        .filter_map(|t| t.split_once('/'))
        .filter(|(name, version)| {
            !name.is_empty() && version.chars().next().is_some_and(|c| c.is_ascii_digit() || c == 'v')
        })
        .collect();
    let pick = tokens
        .iter()
        .find(|(name, _)| !GENERIC.contains(name))
        .or_else(|| tokens.iter().find(|(name, _)| *name == "Safari"))
        .or(tokens.first());
    match pick {
        Some((name, version)) => {
            let major: String = version.trim_start_matches('v').chars().take_while(char::is_ascii_digit).collect();
            format!("{name}/{major}")
        }
        None => {
            let (shown, cut) = super::escape::shorten(agent.trim(), 60);
            if cut {
                format!("{shown}…")
            } else {
                shown.to_owned()
            }
        }
    }
}

/// The suspicious addresses' user agents in groups, most hits first.
pub fn groups(ips: &[&Assessed]) -> Vec<AgentGroup> {
    #[derive(Default)]
    struct Acc<'a> {
        hits: u64,
        ips: u64,
        variants: FxHashMap<&'a str, (u64, u64)>,
    }
    let mut keys: FxHashMap<&str, String> = FxHashMap::default();
    let mut acc: FxHashMap<String, Acc> = FxHashMap::default();
    for a in ips {
        let Some(s) = a.stats.suspicion.as_deref() else { continue };
        let mut mine: FxHashSet<String> = FxHashSet::default();
        for (agent, &n) in &s.user_agents {
            let key = keys.entry(agent.as_str()).or_insert_with(|| group_key(agent)).clone();
            let g = acc.entry(key.clone()).or_default();
            g.hits += n;
            if mine.insert(key) {
                g.ips += 1;
            }
            let v = g.variants.entry(agent.as_str()).or_default();
            v.0 += n;
            v.1 += 1;
        }
    }
    let mut rows: Vec<AgentGroup> = acc
        .into_iter()
        .map(|(key, g)| {
            let variants = sorted_top(g.variants);
            let variants_total = variants.len();
            let variants = variants.into_iter().take(MAX_VARIANTS).collect();
            AgentGroup { key, hits: g.hits, ips: g.ips, variants, variants_total }
        })
        .collect();
    rows.sort_by(|a, b| b.hits.cmp(&a.hits).then(b.ips.cmp(&a.ips)).then_with(|| a.key.cmp(&b.key)));
    rows
}
