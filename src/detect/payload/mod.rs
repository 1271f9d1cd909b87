//! Attack payloads inside a request: SQL injection, XSS, command and code injection,
//! traversal/LFI, remote inclusion and protocol attacks, found the way a WAF finds them.
//! The request target is taken apart as the server and the application read it
//! (`request.rs`), each value goes through the transformations a rule asks for
//! (`transform.rs`), and the rules are OWASP CRS's request-attack rules (`rules.rs`),
//! with CRS's own detectors for SQL injection and XSS: libinjection's tokenizers and
//! fingerprints. A line is an attack when the rules it matches reach CRS's blocking
//! score (5: one critical rule, or two lesser ones), at the paranoia level asked for.
//!
//! Only values holding, once decoded, a byte an attack needs (`request::holds_trigger`:
//! quotes, `<`, `;`, `|`, `$`, `(`, `\`, a backtick, braces, a leftover `%`, ...) are
//! looked at, so the common clean request costs one table scan.

mod prose;
mod request;
pub mod rules;
mod shell;
mod transform;

use rules::{Detector, Operator, RuleSet, Vars};
use rustc_hash::FxHashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use request::unescape_log;

const FINGERPRINTS: &str = include_str!("sqli-fingerprints.txt");

/// The default paranoia level (CRS's): precision first.
pub const DEFAULT_PARANOIA: u8 = 1;

/// CRS's inbound anomaly threshold: a request at or above it is blocked.
const BLOCKING_SCORE: u32 = 5;

/// Longest value looked at: longer targets are a probe anyway (`classify::LONG_URI`).
const MAX_VALUE: usize = 4096;

/// What an XSS finding looked like, for its name (`xss:script-tag`).
const XSS_SHAPES: [&str; 5] = ["script-tag", "event-handler", "script-uri", "html-tag", "attribute"];

/// Which field of the request a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Target,
    Agent,
    Referer,
}

pub struct PayloadDetector {
    rules: RuleSet,
    /// At the default level, rules leave alone arguments that read as a sentence
    /// (`prose.rs`), and libinjection's SQL findings need an injection's tokens
    /// (`sqli_has_injection_tokens`).
    prose_guard: bool,
    /// Every name a finding can have; a finding is an index into it.
    names: Vec<String>,
    /// Index of `<kind>:crs-<id>` per rule.
    rule_names: Vec<u32>,
    fingerprints: FxHashMap<String, u32>,
    /// `sqli:libinjection`: a fingerprint missing from the table (never seen so far).
    unnamed_sqli: u32,
    xss_shapes: u32,
}

impl PayloadDetector {
    /// The built-in rules up to `paranoia` (1-4; CRS's levels).
    pub fn new(paranoia: u8) -> Result<PayloadDetector, String> {
        let rules = rules::builtin(paranoia.clamp(1, 4))?;
        let mut names = Vec::new();
        let mut rule_names = Vec::new();
        for r in &rules.rules {
            rule_names.push(names.len() as u32);
            // CRS's rules by their number, knocklog's own by their name.
            let crs = r.id.bytes().all(|b| b.is_ascii_digit());
            names.push(if crs { format!("{}:crs-{}", r.kind, r.id) } else { format!("{}:{}", r.kind, r.id) });
        }
        let mut fingerprints = FxHashMap::default();
        for fp in FINGERPRINTS.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            fingerprints.insert(fp.to_string(), names.len() as u32);
            names.push(format!("sqli:{fp}"));
        }
        let unnamed_sqli = names.len() as u32;
        names.push("sqli:libinjection".into());
        let xss_shapes = names.len() as u32;
        names.extend(XSS_SHAPES.iter().map(|s| format!("xss:{s}")));
        let prose_guard = paranoia <= 1;
        Ok(PayloadDetector { rules, prose_guard, names, rule_names, fingerprints, unnamed_sqli, xss_shapes })
    }

    /// Every name `inspect` can return an index of.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The finding in one field of a request (its raw, logged form), as an index into
    /// `names`, or None. The target is read as the server read it; agent and referer
    /// as the headers were sent.
    pub fn inspect(&self, field: Field, raw: &[u8]) -> Option<u32> {
        let raw = &raw[..raw.len().min(MAX_VALUE)];
        // The same trigger bytes as each value's, on the raw field: decoding only turns
        // a `%` escape (itself a trigger) into one.
        if !request::holds_trigger(raw, false) {
            return None;
        }
        let unescaped = unescape_log(raw);
        let values = match field {
            Field::Target => request::target_values(&unescaped),
            Field::Agent => vec![request::Value::new(Vars::AGENT, unescaped)],
            Field::Referer => vec![request::Value::new(Vars::REFERER, unescaped)],
        };
        // The values worth looking at: those that may hold a payload, less the
        // arguments that read as sentences at the default level.
        let mut live: Mask = 0;
        let mut live_vars = 0u16;
        for (v, value) in values.iter().enumerate().take(Mask::BITS as usize) {
            let sentence = || {
                self.prose_guard
                    && value.var.intersects(Vars(Vars::ARGS.0 | Vars::ARGS_NAMES.0))
                    && prose::reads_as_prose(&value.bytes)
            };
            if value.open && !sentence() {
                live |= 1 << v;
                live_vars |= value.var.0;
            }
        }
        if live == 0 {
            return None;
        }
        let mut scratch = Scratch::new(&values, self.rules.chains.len());
        let mut score = 0;
        let mut first = None;
        for (i, rule) in self.rules.rules.iter().enumerate() {
            if !rule.conditions[0].vars.intersects(Vars(live_vars)) {
                continue;
            }
            let Some(name) = self.rule_matches(i, rule, &values, live, &mut scratch) else { continue };
            score += rule.score as u32;
            first.get_or_insert(name);
            if score >= BLOCKING_SCORE {
                return first;
            }
        }
        None
    }

    /// The finding's name if every condition of `rule` holds on some live value.
    fn rule_matches(
        &self,
        i: usize,
        rule: &rules::Rule,
        values: &[request::Value],
        live: Mask,
        s: &mut Scratch,
    ) -> Option<u32> {
        let mut matched: Mask = 0;
        let mut name = self.rule_names[i];
        for (n, c) in rule.conditions.iter().enumerate() {
            let mut candidates =
                if n > 0 && c.vars.intersects(Vars::MATCHED) { matched } else { live & s.mask_of(values, c.vars) };
            matched = 0;
            while candidates != 0 {
                let v = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                if let Some(i) = c.in_set {
                    if !s.set_matches(values, v, c.chain, &self.rules).contains(&i) {
                        continue;
                    }
                }
                if c.multi {
                    let stages = stages(&values[v].bytes, &self.rules.chains[c.chain]);
                    if stages.iter().any(|stage| self.holds(c, rule, stage, &mut name)) {
                        matched |= 1 << v;
                    }
                    continue;
                }
                let value = s.transformed(values, v, c.chain, &self.rules.chains);
                let hit = match &c.operator {
                    // A regex in a set has matched already; a neutral line may take it back.
                    op @ Operator::Regex(_) if c.in_set.is_some() => {
                        rule.neutral.is_empty() || op.matches_bytes(&neutralised(value, rule))
                    }
                    _ => self.holds(c, rule, value, &mut name),
                };
                if hit {
                    matched |= 1 << v;
                }
            }
            if matched == 0 {
                return None;
            }
        }
        Some(name)
    }

    /// Whether condition `c`'s operator holds on `value` (a regex on its own, not
    /// through its set), naming the finding for the detectors.
    fn holds(&self, c: &rules::Condition, rule: &rules::Rule, value: &[u8], name: &mut u32) -> bool {
        match &c.operator {
            Operator::Detect(Detector::Sqli) => self.sqli(value).inspect(|&n| *name = n).is_some(),
            Operator::Detect(Detector::Xss) => self.xss(value).inspect(|&n| *name = n).is_some(),
            Operator::Detect(Detector::ShellGlob) => shell::sensitive_glob(value),
            Operator::Detect(Detector::QuotedCommand) => shell::quoted_command(value),
            op => op.matches_bytes(value) && (rule.neutral.is_empty() || op.matches_bytes(&neutralised(value, rule))),
        }
    }

    /// libinjection's SQL detector; a panic in it (attacker-chosen input into a port)
    /// is taken as no finding rather than the end of the scan.
    fn sqli(&self, value: &[u8]) -> Option<u32> {
        let fingerprint = catch_unwind(AssertUnwindSafe(|| {
            let mut state = libinjectionrs::SqliState::new(value, libinjectionrs::SqliFlags::FLAG_NONE);
            state.detect().then(|| state.fingerprint_string())
        }))
        .ok()??;
        if self.prose_guard && !sqli_has_injection_tokens(&fingerprint) {
            return None;
        }
        Some(self.fingerprints.get(&fingerprint.to_ascii_lowercase()).copied().unwrap_or(self.unnamed_sqli))
    }

    fn xss(&self, value: &[u8]) -> Option<u32> {
        let found =
            catch_unwind(AssertUnwindSafe(|| libinjectionrs::detect_xss(value).is_injection())).unwrap_or(false);
        found.then(|| self.xss_shapes + xss_shape(value) as u32)
    }
}

/// Whether a libinjection fingerprint holds what makes text an injection rather than
/// words its tokenizer reads as SQL: a string that breaks out of quotes (`s`), a comment
/// (`c`), a logic operator (`&`), a statement separator (`;`), UNION (`U`), a variable
/// (`v`), or a numeric context it starts in (`1...`). English sentences tokenize as
/// barewords, keywords and types (`ntnkn` for "so call may as with"), which libinjection
/// also accepts; at the default paranoia level they are not taken.
fn sqli_has_injection_tokens(fingerprint: &str) -> bool {
    fingerprint.starts_with('1') || fingerprint.bytes().any(|b| matches!(b, b's' | b'c' | b'&' | b';' | b'U' | b'v'))
}

/// A value as it is and after each transformation of `list` in turn (`multiMatch`).
fn stages(value: &[u8], list: &[transform::Transform]) -> Vec<Vec<u8>> {
    let mut out = vec![value.to_vec()];
    for t in list {
        let mut next = Vec::new();
        t.apply(out.last().map_or(&[][..], Vec::as_slice), &mut next);
        out.push(next);
    }
    out
}

/// `value` with the rule's benign constructs blanked out.
fn neutralised(value: &[u8], rule: &rules::Rule) -> Vec<u8> {
    let mut out = value.to_vec();
    for re in &rule.neutral {
        out = re.replace_all(&out, &b" "[..]).into_owned();
    }
    out
}

/// Which of `XSS_SHAPES` a value libinjection called XSS has.
fn xss_shape(value: &[u8]) -> usize {
    let lower = value.to_ascii_lowercase();
    let has = |s: &[u8]| memchr::memmem::find(&lower, s).is_some();
    let handler = lower.windows(3).enumerate().any(|(i, w)| {
        w.starts_with(b"on")
            && w[2].is_ascii_alphabetic()
            && (i == 0 || !lower[i - 1].is_ascii_alphanumeric())
            && lower[i..]
                .iter()
                .take(40)
                .skip(2)
                .find(|b| !b.is_ascii_alphabetic())
                .is_some_and(|&b| b == b'=' || b == b' ')
    });
    if has(b"<script") {
        0
    } else if handler {
        1
    } else if has(b"javascript:") || has(b"vbscript:") {
        2
    } else if has(b"<") {
        3
    } else {
        4
    }
}

/// A set of values of one field, by index (`request::MAX_VALUES` fit).
type Mask = u128;

/// Each value transformed by each transformation list at most once per field.
struct Scratch {
    cache: Vec<Option<Vec<u8>>>,
    /// Which regexes of a transformation list's set match a value (indexes, sorted).
    set_hits: Vec<Option<Vec<usize>>>,
    chains: usize,
    spare: Vec<u8>,
    /// The values of each variable set asked about so far.
    masks: Vec<(u16, Mask)>,
}

impl Scratch {
    fn new(values: &[request::Value], chains: usize) -> Scratch {
        Scratch {
            cache: vec![None; values.len() * chains],
            set_hits: vec![None; values.len() * chains],
            chains,
            spare: Vec::new(),
            masks: Vec::new(),
        }
    }

    /// The values whose variable is in `vars`.
    fn mask_of(&mut self, values: &[request::Value], vars: Vars) -> Mask {
        if let Some(&(_, mask)) = self.masks.iter().find(|(v, _)| *v == vars.0) {
            return mask;
        }
        let mask = values
            .iter()
            .enumerate()
            .take(Mask::BITS as usize)
            .filter(|(_, value)| value.var.intersects(vars))
            .fold(0, |m, (i, _)| m | 1 << i);
        self.masks.push((vars.0, mask));
        mask
    }

    /// The indexes of the regexes in `chain`'s set that match value `v` (one pass).
    fn set_matches(&mut self, values: &[request::Value], v: usize, chain: usize, rules: &RuleSet) -> &[usize] {
        let slot = v * self.chains + chain;
        if self.set_hits[slot].is_none() {
            let hits = match rules.sets[chain].get() {
                Some(set) => set.matches(self.transformed(values, v, chain, &rules.chains)).into_iter().collect(),
                None => Vec::new(),
            };
            self.set_hits[slot] = Some(hits);
        }
        self.set_hits[slot].as_deref().unwrap_or_default()
    }

    fn transformed<'s>(
        &'s mut self,
        values: &[request::Value],
        v: usize,
        chain: usize,
        lists: &[Vec<transform::Transform>],
    ) -> &'s [u8] {
        let slot = v * self.chains + chain;
        if self.cache[slot].is_none() {
            let mut current = values[v].bytes.clone();
            for t in &lists[chain] {
                t.apply(&current, &mut self.spare);
                std::mem::swap(&mut current, &mut self.spare);
            }
            self.cache[slot] = Some(current);
        }
        self.cache[slot].as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
