//! The matching machinery: one Aho-Corasick automaton per field over the normalised
//! field (signatures), and the automaton plus regex set of the user's pattern files
//! (raw line). No allocation and no per-rule loop per line: an automaton pass finds
//! every literal at once, and a signature's regex runs only where its literal was found.

use super::normalize::{self, Mode};
use super::patterns::{PatternFile, PatternKind};
use super::signatures::{compile_regex, rank, Fields, Signature};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexSet};

/// The winning rule so far: lowest (rank, rule) wins.
#[derive(Clone, Copy, Debug)]
pub struct Best {
    rank: u8,
    rule: u32,
}

impl Default for Best {
    fn default() -> Self {
        Best::NONE
    }
}

impl Best {
    pub const NONE: Best = Best { rank: u8::MAX, rule: u32::MAX };

    #[inline]
    pub fn offer(&mut self, rank: u8, rule: u32) {
        if (rank, rule) < (self.rank, self.rule) {
            *self = Best { rank, rule };
        }
    }

    /// Takes `other` if it wins.
    #[inline]
    pub fn merge(&mut self, other: Best) {
        self.offer(other.rank, other.rule);
    }

    #[inline]
    pub fn rank(&self) -> u8 {
        self.rank
    }

    pub fn rule(&self) -> Option<u32> {
        (self.rule != u32::MAX).then_some(self.rule)
    }
}

/// What an automaton pattern stands for.
#[derive(Clone, Copy, Debug)]
struct Target {
    rule: u32,
    rank: u8,
    /// Only when the server said the target does not exist.
    missing_only: bool,
    /// Index into `regexes`, or `NO_REGEX`.
    regex: u32,
}

const NO_REGEX: u32 = u32::MAX;

/// The signatures of one field.
pub struct FieldMatcher {
    automaton: Option<AhoCorasick>,
    targets: Vec<Target>,
    regexes: Vec<Regex>,
    mode: Mode,
}

impl FieldMatcher {
    /// The signatures of `sigs` (rule numbers from `first_rule` on) that look at any of
    /// `fields`, matched in `mode`. The data was validated when it was parsed.
    pub fn new(sigs: &[Signature], first_rule: u32, fields: Fields, mode: Mode) -> FieldMatcher {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut targets = Vec::new();
        let mut regexes = Vec::new();
        for (i, sig) in sigs.iter().enumerate() {
            if sig.fields.0 & fields.0 == 0 {
                continue;
            }
            let regex = match &sig.regex {
                Some(source) => {
                    regexes.push(compile_regex(source).expect("signature regexes are checked when parsed"));
                    (regexes.len() - 1) as u32
                }
                None => NO_REGEX,
            };
            let missing_only = !sig.fields.contains(Fields::PATH) && sig.fields.contains(Fields::MISSING);
            let target = Target { rule: first_rule + i as u32, rank: rank(sig.category), missing_only, regex };
            // Anchors become the sentinels of the normalised field; a URL path also
            // ends where its query, fragment or matrix parameters start.
            let body = normalize::literal(&sig.literal, mode);
            let start: &[u8] = if sig.at_start { b"\0" } else { b"" };
            let ends: &[&[u8]] = match (sig.at_end, mode) {
                (false, _) => &[b""],
                (true, Mode::Text) => &[b"\0"],
                (true, Mode::Url) => &[b"\0", b"?", b"#", b";"],
            };
            for end in ends {
                literals.push([start, &body, end].concat());
                targets.push(target);
            }
        }
        // A DFA: the fastest search, and the few thousand states of the signature set
        // stay small. Standard semantics with overlapping search report every literal:
        // a non-overlapping search would let a regex trigger whose regex then fails
        // (`.php` for `.php5`) hide a literal it overlaps (`.php` at the path's end).
        let automaton = (!literals.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&literals)
                .expect("signature automaton")
        });
        FieldMatcher { automaton, targets, regexes, mode }
    }

    /// Offers every signature found in `field` to `best`. `missing`: the server said
    /// the target does not exist (enables `missing` signatures).
    #[inline]
    pub fn scan(&self, field: &[u8], missing: bool, best: &mut Best) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        normalize::for_each_chunk(field, self.mode, |chunk| {
            // Most fields hold no literal at all: the plain search loop says so faster
            // than the overlapping one, which then runs only on the rest.
            if !automaton.is_match(chunk) {
                return true;
            }
            for m in automaton.find_overlapping_iter(chunk) {
                let t = self.targets[m.pattern().as_usize()];
                if (t.missing_only && !missing) || (t.rank, t.rule) >= (best.rank, best.rule) {
                    continue;
                }
                if t.regex != NO_REGEX && !self.regexes[t.regex as usize].is_match(chunk) {
                    continue;
                }
                best.offer(t.rank, t.rule);
            }
            true
        });
    }
}

/// The user's patterns of one kind (attack or ignore), matched on the raw line.
pub struct UserMatcher {
    substrings: Option<(AhoCorasick, Vec<u32>)>,
    /// A SIMD (Teddy) search over the substrings, when there are few enough: a faster
    /// "does any match" than the automaton, whose own prefilter picks start bytes such
    /// as `/` that are on every access line.
    gate: Option<aho_corasick::packed::Searcher>,
    regexes: Option<(RegexSet, Vec<u32>)>,
}

impl UserMatcher {
    /// Rule numbers run from `first_rule` in file order, pattern by pattern.
    pub fn new(files: &[PatternFile], first_rule: u32) -> UserMatcher {
        let (mut literals, mut literal_rules) = (Vec::new(), Vec::new());
        let (mut sources, mut source_rules) = (Vec::new(), Vec::new());
        // Rules are numbered in file order, from `first_rule`.
        for (rule, pattern) in (first_rule..).zip(files.iter().flat_map(|f| &f.patterns)) {
            match &pattern.kind {
                PatternKind::Substring(bytes) => {
                    literals.push(bytes.clone());
                    literal_rules.push(rule);
                }
                PatternKind::Regex(source) => {
                    sources.push(source.clone());
                    source_rules.push(rule);
                }
            }
        }
        let gate = (!literals.is_empty() && literals.len() <= 64)
            .then(|| aho_corasick::packed::Searcher::new(literals.iter()))
            .flatten();
        let substrings = (!literals.is_empty()).then(|| {
            let automaton = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&literals);
            (automaton.expect("user substring automaton"), literal_rules)
        });
        let regexes = (!sources.is_empty()).then(|| {
            // Each regex compiled alone when the file was loaded, so the set does too.
            let set = regex::bytes::RegexSetBuilder::new(&sources).unicode(false).size_limit(1 << 26).build();
            (set.expect("user regex set"), source_rules)
        });
        UserMatcher { substrings, gate, regexes }
    }

    /// The first pattern (in file order) that matches the raw line.
    #[inline]
    pub fn first_match(&self, line: &[u8]) -> Option<u32> {
        let mut first = None;
        if let Some((automaton, rules)) = &self.substrings {
            // is_match uses the automaton's prefilter; the overlapping search that finds
            // the first pattern in file order runs only on lines that match.
            let may_match = match &self.gate {
                Some(gate) => gate.find(line).is_some(),
                None => automaton.is_match(line),
            };
            if may_match {
                first = automaton.find_overlapping_iter(line).map(|m| rules[m.pattern().as_usize()]).min();
            }
        }
        if let Some((set, rules)) = &self.regexes {
            if set.is_match(line) {
                let r = set.matches(line).iter().next().map(|i| rules[i]);
                first = first.into_iter().chain(r).min();
            }
        }
        first
    }
}
