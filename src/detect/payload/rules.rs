//! The payload rules: `signatures/feed-crs-payload.txt` (generated from OWASP CRS by
//! `knocklog-gen feeds`) parsed and compiled once. The format is documented in
//! `signatures/README.md`.

use super::transform::Transform;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::sync::OnceLock;

/// CRS's rules, generated; then knocklog's own, which name a line only when no CRS rule
/// did.
const FILES: [(&str, &str); 2] = [
    ("feed-crs-payload.txt", include_str!("../signatures/feed-crs-payload.txt")),
    ("payload.txt", include_str!("../signatures/payload.txt")),
];

/// Where in a logged request a value comes from (a bit set, as CRS variable names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vars(pub u16);

impl Vars {
    pub const ARGS: Vars = Vars(1);
    pub const ARGS_NAMES: Vars = Vars(2);
    pub const QUERY_STRING: Vars = Vars(4);
    pub const FILENAME: Vars = Vars(8);
    pub const BASENAME: Vars = Vars(16);
    pub const URI: Vars = Vars(32);
    pub const URI_RAW: Vars = Vars(64);
    pub const AGENT: Vars = Vars(128);
    pub const REFERER: Vars = Vars(256);
    /// In a chained condition: the values the previous condition matched.
    pub const MATCHED: Vars = Vars(512);
    /// The parts of the request target.
    pub const TARGET: Vars = Vars(1 | 2 | 4 | 8 | 16 | 32 | 64);

    pub fn intersects(self, other: Vars) -> bool {
        self.0 & other.0 != 0
    }

    fn parse(spec: &str) -> Result<Vars, String> {
        let mut set = 0;
        let mut excluded = 0;
        for var in spec.split(',') {
            let (negated, name) = match var.strip_prefix('!') {
                Some(name) => (true, name),
                None => (false, var),
            };
            let bits = match name {
                "ARGS" | "ARGS_GET" => Vars::ARGS.0,
                "ARGS_NAMES" | "ARGS_GET_NAMES" => Vars::ARGS_NAMES.0,
                "QUERY_STRING" => Vars::QUERY_STRING.0,
                "REQUEST_FILENAME" => Vars::FILENAME.0,
                "REQUEST_BASENAME" => Vars::BASENAME.0,
                "REQUEST_URI" => Vars::URI.0,
                "REQUEST_URI_RAW" => Vars::URI_RAW.0,
                "REQUEST_HEADERS" => Vars::AGENT.0 | Vars::REFERER.0,
                "REQUEST_HEADERS:User-Agent" => Vars::AGENT.0,
                "REQUEST_HEADERS:Referer" => Vars::REFERER.0,
                "MATCHED_VARS" => Vars::MATCHED.0,
                // Exclusions of headers a log does not hold change nothing.
                other if negated && other.starts_with("REQUEST_HEADERS:") => 0,
                other => return Err(format!("unknown variable {other}")),
            };
            if negated {
                excluded |= bits;
            } else {
                set |= bits;
            }
        }
        Ok(Vars(set & !excluded))
    }
}

/// The detectors that are code rather than a pattern: libinjection's two, and the
/// shell's reading of a value (`shell.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    Sqli,
    Xss,
    ShellGlob,
    QuotedCommand,
}

pub enum Operator {
    /// A regex, matched through its transformation list's `RegexSet`; compiled on its
    /// own only when a `neutral` line makes a second look necessary (compiling a
    /// hundred CRS regexes twice cost 40 ms at every start).
    Regex(LazyRegex),
    /// Case-insensitive phrases (`@pm`, `@pmFromFile`).
    Phrases(AhoCorasick),
    Detect(Detector),
    Contains(Vec<u8>),
    BeginsWith(Vec<u8>),
    EndsWith(Vec<u8>),
    Equals(Vec<u8>),
}

impl Operator {
    pub fn matches_bytes(&self, value: &[u8]) -> bool {
        match self {
            Operator::Regex(re) => re.get().is_some_and(|re| re.is_match(value)),
            Operator::Phrases(ac) => ac.is_match(value),
            Operator::Detect(_) => false, // run by the caller, which names the finding
            Operator::Contains(s) => memchr::memmem::find(value, s).is_some(),
            Operator::BeginsWith(s) => value.starts_with(s),
            Operator::EndsWith(s) => value.ends_with(s),
            Operator::Equals(s) => value == s.as_slice(),
        }
    }
}

/// One condition: where it looks, how the value is transformed, what it looks for.
pub struct Condition {
    pub vars: Vars,
    /// Index into `RuleSet::chains`.
    pub chain: usize,
    pub operator: Operator,
    /// For a regex: its index in the set of its transformation list's regexes.
    pub in_set: Option<usize>,
    /// CRS's `multiMatch`: the operator runs on the value as it is and after each
    /// transformation, not only after the last (934100 base64-decodes in the middle).
    pub multi: bool,
}

pub struct Rule {
    /// The CRS rule id (`942270`).
    pub id: String,
    /// What the rule finds: `sqli`, `xss`, `rce`, `lfi`, `rfi`, `php`, `generic`,
    /// `protocol`, `fixation`.
    pub kind: String,
    pub paranoia: u8,
    /// CRS's anomaly points: critical 5, error 4, warning 3, notice 2.
    pub score: u8,
    /// All must hold; the second and later see the values the one before matched.
    pub conditions: Vec<Condition>,
    /// Benign constructs (knocklog's `neutral` lines): taken out of a value before the
    /// rule's pattern is believed (`user(id: 1)` in a GraphQL query is not MySQL's USER()).
    pub neutral: Vec<Regex>,
}

pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The distinct transformation lists, so each value is transformed once per list.
    pub chains: Vec<Vec<Transform>>,
    /// Per transformation list, every regex of a condition using it, as one set: one
    /// pass over a value answers them all (a hundred separate regexes on every argument
    /// cost 4.7x the scan of a query-heavy log; measured in benches/RESULTS.md).
    pub sets: Vec<LazySet>,
}

/// A transformation list's regexes, compiled into a `RegexSet` when first needed: the
/// 23 sets of the default level take about 50 ms to compile, which a run over logs
/// with no request in them should not pay. Every level's sets are compiled by the unit
/// tests, so a set that fails to compile is a build defect, not a runtime state.
pub struct LazySet {
    patterns: Vec<String>,
    compiled: OnceLock<Option<RegexSet>>,
}

impl LazySet {
    pub fn get(&self) -> Option<&RegexSet> {
        self.compiled
            .get_or_init(|| {
                if self.patterns.is_empty() {
                    return None;
                }
                RegexSetBuilder::new(&self.patterns)
                    .unicode(false)
                    .dot_matches_new_line(true)
                    .size_limit(REGEX_SIZE_LIMIT * 8)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    #[cfg(test)]
    pub fn compiles(&self) -> bool {
        self.patterns.is_empty() || self.get().is_some()
    }
}

/// A fixed limit on what one compiled regex may take (CRS's largest need a few MB).
const REGEX_SIZE_LIMIT: usize = 32 << 20;

/// The built-in rules up to `paranoia` (1-4).
pub fn builtin(paranoia: u8) -> Result<RuleSet, String> {
    let mut set = RuleSet { rules: Vec::new(), chains: Vec::new(), sets: Vec::new() };
    for (name, text) in FILES {
        parse(text, paranoia, &mut set).map_err(|e| format!("{name}: {e}"))?;
    }
    build_sets(&mut set);
    Ok(set)
}

/// Gathers each transformation list's regexes into one `RegexSet`.
fn build_sets(set: &mut RuleSet) {
    let mut patterns: Vec<Vec<String>> = vec![Vec::new(); set.chains.len()];
    for rule in &mut set.rules {
        for c in &mut rule.conditions {
            if let (Operator::Regex(re), false) = (&c.operator, c.multi) {
                c.in_set = Some(patterns[c.chain].len());
                patterns[c.chain].push(re.pattern.clone());
            }
        }
    }
    set.sets = patterns.into_iter().map(|patterns| LazySet { patterns, compiled: OnceLock::new() }).collect();
}

fn parse(text: &str, paranoia: u8, set: &mut RuleSet) -> Result<(), String> {
    let mut keep = false;
    let mut vars = Vars(0);
    let mut chain = 0usize;
    let mut multi = false;
    let mut phrases: Vec<String> = Vec::new();
    let finish_phrases =
        |phrases: &mut Vec<String>, set: &mut RuleSet, vars: Vars, chain: usize, multi: bool| -> Result<(), String> {
            if phrases.is_empty() {
                return Ok(());
            }
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .build(phrases.drain(..))
                .map_err(|e| e.to_string())?;
            push_condition(set, Condition { vars, chain, operator: Operator::Phrases(ac), in_set: None, multi });
            Ok(())
        };
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}", n + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('\t').unwrap_or((line, ""));
        if key != "pm" {
            finish_phrases(&mut phrases, set, vars, chain, multi).map_err(at)?;
        }
        match key {
            "rule" => {
                let f: Vec<&str> = value.split('\t').collect();
                let [id, level, kind, severity] = f[..] else { return Err(at(format!("bad rule line {line:?}"))) };
                let level: u8 = level.parse().map_err(|_| at(format!("bad paranoia level {level:?}")))?;
                keep = level <= paranoia;
                let score = match severity {
                    "critical" => 5,
                    "error" => 4,
                    "warning" => 3,
                    "notice" => 2,
                    other => return Err(at(format!("bad severity {other:?}"))),
                };
                if keep {
                    set.rules.push(Rule {
                        id: id.into(),
                        kind: kind.into(),
                        paranoia: level,
                        score,
                        conditions: Vec::new(),
                        neutral: Vec::new(),
                    });
                }
                chain = intern(&mut set.chains, Vec::new());
                multi = false;
            }
            "chain" => {
                chain = intern(&mut set.chains, Vec::new());
                multi = false;
            }
            "multimatch" => multi = true,
            "vars" => vars = Vars::parse(value).map_err(at)?,
            "t" => {
                let list = value
                    .split(',')
                    .map(|name| Transform::from_name(name).ok_or_else(|| format!("unknown transformation {name}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(at)?;
                chain = intern(&mut set.chains, list);
            }
            "neutral" => {
                let (id, pattern) = value.split_once('\t').ok_or_else(|| at("neutral: rule id and regex".into()))?;
                let re = compile(pattern).map_err(at)?;
                // A rule above the paranoia level asked for is not loaded: nothing to tune.
                if let Some(rule) = set.rules.iter_mut().find(|r| r.id == id) {
                    rule.neutral.push(re);
                }
            }
            _ if !keep => {}
            "pm" => phrases.push(value.to_string()),
            "rx" => {
                let re = LazyRegex { pattern: value.to_string(), compiled: OnceLock::new() };
                push_condition(set, Condition { vars, chain, operator: Operator::Regex(re), in_set: None, multi });
            }
            "detect" => {
                let d = match value {
                    "sqli" => Detector::Sqli,
                    "xss" => Detector::Xss,
                    "shell-glob" => Detector::ShellGlob,
                    "quoted-command" => Detector::QuotedCommand,
                    other => return Err(at(format!("unknown detector {other}"))),
                };
                push_condition(set, Condition { vars, chain, operator: Operator::Detect(d), in_set: None, multi });
            }
            "contains" | "beginsWith" | "endsWith" | "streq" => {
                let s = value.as_bytes().to_vec();
                let operator = match key {
                    "contains" => Operator::Contains(s),
                    "beginsWith" => Operator::BeginsWith(s),
                    "endsWith" => Operator::EndsWith(s),
                    _ => Operator::Equals(s),
                };
                push_condition(set, Condition { vars, chain, operator, in_set: None, multi });
            }
            other => return Err(at(format!("unknown key {other:?}"))),
        }
    }
    if keep {
        finish_phrases(&mut phrases, set, vars, chain, multi)?;
    }
    if let Some(r) = set.rules.iter().find(|r| r.conditions.is_empty()) {
        return Err(format!("rule {} has no condition", r.id));
    }
    Ok(())
}

/// A rule's regex, compiled when first needed alone. Its set compiled it at load with
/// the same syntax and options, so it is known to be valid.
pub struct LazyRegex {
    pub pattern: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn get(&self) -> Option<&Regex> {
        self.compiled.get_or_init(|| compile(&self.pattern).ok()).as_ref()
    }
}

/// A rule regex as ModSecurity compiles it: on bytes, `.` matching a newline too.
fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .dot_matches_new_line(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

fn push_condition(set: &mut RuleSet, c: Condition) {
    if let Some(rule) = set.rules.last_mut() {
        rule.conditions.push(c);
    }
}

fn intern(chains: &mut Vec<Vec<Transform>>, list: Vec<Transform>) -> usize {
    match chains.iter().position(|c| *c == list) {
        Some(i) => i,
        None => {
            chains.push(list);
            chains.len() - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_of_the_builtin_rules_compiles() {
        let counts: Vec<usize> = (1..=4).map(|pl| builtin(pl).unwrap().rules.len()).collect();
        assert!(builtin(4).unwrap().sets.iter().all(LazySet::compiles));
        assert!(counts[0] >= 90, "{counts:?}");
        assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
        let pl1 = builtin(1).unwrap();
        assert!(pl1.rules.iter().all(|r| r.paranoia == 1));
        let sqli = pl1.rules.iter().find(|r| r.id == "942100").unwrap();
        assert!(matches!(sqli.conditions[0].operator, Operator::Detect(Detector::Sqli)));
        assert!(sqli.conditions[0].vars.intersects(Vars::ARGS) && sqli.conditions[0].vars.intersects(Vars::AGENT));
    }

    /// A `neutral` line names a rule that exists (at the highest level, where every
    /// rule is loaded): a typo would tune nothing, silently.
    #[test]
    fn neutral_lines_name_existing_rules() {
        let all = builtin(4).unwrap();
        for line in FILES[1].1.lines().filter(|l| l.starts_with("neutral\t")) {
            let id = line.split('\t').nth(1).unwrap();
            let rule = all.rules.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("neutral for unknown rule {id}"));
            assert!(!rule.neutral.is_empty());
        }
    }

    #[test]
    fn excluded_headers_are_taken_out() {
        assert_eq!(Vars::parse("REQUEST_HEADERS,!REQUEST_HEADERS:Referer").unwrap(), Vars::AGENT);
        assert_eq!(Vars::parse("ARGS,!REQUEST_HEADERS:Host").unwrap(), Vars::ARGS);
        assert!(Vars::parse("REQUEST_COOKIES").is_err());
    }
}
