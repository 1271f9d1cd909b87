//! `Classifier`: what kind of knock one parsed line is. The user's ignore and attack
//! patterns come first; then lines the parsers tagged (sshd, PAM, web-server errors) go
//! through a `match` on the tag (`rules.rs`, no scanning), and requests through their
//! structure (CONNECT, malformed request lines), the signatures (one Aho-Corasick
//! automaton per field, `matcher.rs`) and the status code.
//!
//! When several rules match one line, the most specific category wins, in this order:
//! attack_pattern > connect > scanner_agent > probe > malformed > auth_bad_user >
//! auth_bad_password > ssh_preauth > denied; within a category a signature before a code
//! rule (it is more specific), and among signatures the one listed first.
//! So sqlmap asking for `/wp-login.php` is `scanner_agent`, and a 401 on
//! `/wp-login.php` is `probe`.

use super::cache::{self, AgentVerdict};
use super::crawlers::{self, Crawler};
use super::matcher::{Best, FieldMatcher, UserMatcher};
use super::normalize::Mode;
use super::patterns::{self, PatternError, PatternFile};
use super::payload::{self, Field, PayloadDetector};
use super::rules::{self, Fixed, FIXED};
use super::signatures::{self, rank, Fields};
use crate::vocab::event::Category;
use crate::vocab::event::{EventTag, LogKind, ParsedLine};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// What matched a line: its category and the rule that said so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub category: Category,
    /// Index into the classifier's rule table (`Classifier::rule_name`).
    pub rule: u32,
}

/// Paths longer than this are a probe in themselves (overflow attempts, Code Red's
/// `default.ida?NNNN...`): no link a browser follows is that long.
pub const LONG_URI: usize = 2000;

/// See `Classifier::is_weak`.
pub const WEAK_RULES: [&str; 3] = ["status:401", "status:403", "request:empty_408"];

pub struct Classifier {
    /// Distinguishes classifiers in the per-thread memo of field verdicts (`cache.rs`).
    id: u64,
    names: Vec<String>,
    categories: Vec<Category>,
    /// `is_weak` per rule, decided once from the names.
    weak: Vec<bool>,
    /// False: only the user's patterns classify (the self-learning detector's mode).
    builtin: bool,
    /// Request targets, and the paths error lines name.
    path: FieldMatcher,
    agent: FieldMatcher,
    referer: FieldMatcher,
    /// Messages of error-log lines the parser left untagged.
    message: FieldMatcher,
    /// Attack payloads in request fields (CRS's rules and libinjection), with the index
    /// of its first name among the rules; None without built-in rules.
    payload: Option<(PayloadDetector, u32)>,
    ignore: UserMatcher,
    attack: UserMatcher,
}

impl Classifier {
    /// Built-in rules (unless `builtin` is false) plus the user's pattern files, payload
    /// rules at the default paranoia level.
    pub fn new(builtin: bool, attack_files: &[PathBuf], ignore_files: &[PathBuf]) -> Result<Classifier, PatternError> {
        Classifier::with_paranoia(builtin, payload::DEFAULT_PARANOIA, attack_files, ignore_files)
    }

    /// Built-in rules (unless `builtin` is false) plus the user's pattern files. The
    /// built-in rules are the signature files, the payload rules up to `paranoia` (1-4)
    /// and the tag, structure and status rules.
    pub fn with_paranoia(
        builtin: bool,
        paranoia: u8,
        attack_files: &[PathBuf],
        ignore_files: &[PathBuf],
    ) -> Result<Classifier, PatternError> {
        let mut names: Vec<String> = FIXED.iter().map(|(name, _)| name.to_string()).collect();
        let mut categories: Vec<Category> = FIXED.iter().map(|&(_, c)| c).collect();
        let sigs = if builtin { signatures::builtin()? } else { Vec::new() };
        let first_sig = names.len() as u32;
        for s in &sigs {
            names.push(s.name.clone());
            categories.push(s.category);
        }
        let path = FieldMatcher::new(&sigs, first_sig, Fields(Fields::PATH.0 | Fields::MISSING.0), Mode::Url);
        let agent = FieldMatcher::new(&sigs, first_sig, Fields::AGENT, Mode::Text);
        let referer = FieldMatcher::new(&sigs, first_sig, Fields::REFERER, Mode::Text);
        let message = FieldMatcher::new(&sigs, first_sig, Fields::MESSAGE, Mode::Text);
        let payload = if builtin {
            let detector = PayloadDetector::new(paranoia).map_err(|message| PatternError::Builtin {
                file: "payload rules".into(),
                line: 0,
                message,
            })?;
            let first = names.len() as u32;
            names.extend(detector.names().iter().cloned());
            categories.resize(names.len(), Category::Probe);
            Some((detector, first))
        } else {
            None
        };

        let mut user_matcher = |files: &[PathBuf], category: Category| -> Result<UserMatcher, PatternError> {
            let loaded: Vec<PatternFile> = files.iter().map(|f| patterns::load(f)).collect::<Result<_, _>>()?;
            let first = names.len() as u32;
            for file in &loaded {
                for pattern in &file.patterns {
                    names.push(format!("{}:{}", file.path.display(), pattern.line));
                    categories.push(category);
                }
            }
            Ok(UserMatcher::new(&loaded, first))
        };
        let attack = user_matcher(attack_files, Category::AttackPattern)?;
        let ignore = user_matcher(ignore_files, Category::Ignored)?;
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let weak = names.iter().map(|n| WEAK_RULES.contains(&n.as_str())).collect();
        Ok(Classifier { id, names, categories, weak, builtin, path, agent, referer, message, payload, ignore, attack })
    }

    /// What kind of knock `line` (the raw line, without newline) is, from its parsed
    /// fields `p` and the format's log kind. None = nothing matched (unclassified).
    /// Ignore patterns win over everything (category Ignored); then user attack patterns
    /// (AttackPattern); then built-in rules. Whitelists and modes are NOT applied here.
    pub fn classify(&self, line: &[u8], p: &ParsedLine, kind: LogKind) -> Option<Hit> {
        self.classify_claiming(line, p, kind, &mut None)
    }

    /// `classify`, and the crawler a request's user agent claims to be in `claim`
    /// (left None for lines the user's patterns decide, and when built-in rules are
    /// off: the claim comes with the agent's signature pass).
    pub fn classify_claiming(
        &self,
        line: &[u8],
        p: &ParsedLine,
        kind: LogKind,
        claim: &mut Option<Crawler>,
    ) -> Option<Hit> {
        if let Some(rule) = self.ignore.first_match(line) {
            return Some(self.hit(rule));
        }
        if let Some(rule) = self.attack.first_match(line) {
            return Some(self.hit(rule));
        }
        if !self.builtin {
            return None;
        }
        let mut best = Best::NONE;
        match p.tag {
            EventTag::Request => self.request(p, &mut best, claim),
            EventTag::FileNotFound | EventTag::ScriptNotFound => self.scan_path(p, true, &mut best),
            EventTag::AccessDenied | EventTag::BadRequest | EventTag::SecurityAlert => {
                self.scan_path(p, false, &mut best)
            }
            EventTag::Other if kind == LogKind::Error => self.message.scan(p.message, false, &mut best),
            _ => {}
        }
        if let Some(fixed) = rules::tag_rule(line, p) {
            self.offer_fixed(&mut best, fixed);
        }
        best.rule().map(|rule| self.hit(rule))
    }

    /// True when a request's target alone is known to a built-in signature (or is
    /// over-long). Learning uses it for lines flagged only for their user agent or
    /// referer (Nikto asking for a path no signature knows): the path is still news.
    pub fn request_path_is_known(&self, p: &ParsedLine) -> bool {
        if !self.builtin || p.path.is_empty() {
            return false;
        }
        if p.path.len() > LONG_URI {
            return true;
        }
        let missing = matches!(p.status, 404 | 410);
        let verdict = cache::with_memos(self.id, |memos| {
            memos.path.get(p.path, missing as u8, || self.field_verdict(&self.path, p.path, missing, Field::Target))
        });
        verdict.rule().is_some()
    }

    /// Stable, human-readable name of a rule for the `rule` column.
    pub fn rule_name(&self, rule: u32) -> &str {
        self.names.get(rule as usize).map_or("?", String::as_str)
    }

    pub fn rule_count(&self) -> usize {
        self.names.len()
    }

    /// Rules that describe something every browser does now and then (the basic-auth
    /// challenge before credentials, a forbidden directory, Chrome's idle preconnects
    /// timing out): the line keeps its category, but such lines never count against an
    /// address, except in `--mode ip`, where "denied from an unknown address" is the
    /// criterion itself.
    pub fn is_weak(&self, rule: u32) -> bool {
        self.weak.get(rule as usize).copied().unwrap_or(false)
    }

    /// The category a rule assigns.
    pub fn rule_category(&self, rule: u32) -> Category {
        self.categories.get(rule as usize).copied().unwrap_or(Category::Unclassified)
    }

    fn hit(&self, rule: u32) -> Hit {
        Hit { category: self.categories[rule as usize], rule }
    }

    /// A code rule wins over what the signatures found only with a better category: a
    /// signature of the same category names the line more precisely (`probe:kerbynet`
    /// rather than `web:script_not_found`).
    fn offer_fixed(&self, best: &mut Best, fixed: Fixed) {
        let rank = rank(self.categories[fixed as usize]);
        if rank < best.rank() {
            best.offer(rank, fixed as u32);
        }
    }

    /// One request field's verdict: its signatures, then, when none calls it a probe,
    /// the payload rules.
    fn field_verdict(&self, matcher: &FieldMatcher, value: &[u8], missing: bool, field: Field) -> Best {
        let mut own = Best::NONE;
        matcher.scan(value, missing, &mut own);
        if own.rank() > rank(Category::Probe) {
            if let Some((detector, first)) = &self.payload {
                if let Some(found) = detector.inspect(field, value) {
                    own.offer(rank(Category::Probe), first + found);
                }
            }
        }
        own
    }

    /// The path an error line names. When it is the request as the client sent it
    /// (nginx quotes the request line; the parser fills `method` then), the payload
    /// rules read it too; Apache's file names are paths on disk, not requests.
    fn scan_path(&self, p: &ParsedLine, missing: bool, best: &mut Best) {
        let path = served_path(p);
        if path.is_empty() {
            return;
        }
        if p.method.is_empty() {
            self.path.scan(path, missing, best);
        } else {
            best.merge(self.field_verdict(&self.path, &path[..path.len().min(LONG_URI)], missing, Field::Target));
        }
    }

    /// An access-log (or squid/haproxy) request.
    fn request(&self, p: &ParsedLine, best: &mut Best, claim: &mut Option<Crawler>) {
        if let Some(decided) = rules::proxy_rule(p) {
            // CONNECT, absolute-URI targets, squid results: nothing else outranks them,
            // and a forward proxy's targets are other sites' paths, not probes of ours.
            if let Some(fixed) = decided {
                self.offer_fixed(best, fixed);
            }
            return;
        }
        // Each field's verdict is remembered per thread (values repeat; `cache.rs`).
        let scan = |matcher: &FieldMatcher, value: &[u8], missing: bool, field: Field| {
            self.field_verdict(matcher, value, missing, field)
        };
        cache::with_memos(self.id, |memos| {
            if !p.user_agent.is_empty() {
                let agent = memos.agent.get(p.user_agent, 0, || AgentVerdict {
                    best: scan(&self.agent, p.user_agent, false, Field::Agent),
                    claim: crawlers::claimed(p.user_agent),
                });
                best.merge(agent.best);
                *claim = agent.claim;
            }
            if best.rank() <= rank(Category::ScannerAgent) {
                return;
            }
            if !p.path.is_empty() {
                // An over-long target is a probe anyway (below); its first part names it.
                let path = &p.path[..p.path.len().min(LONG_URI)];
                let missing = matches!(p.status, 404 | 410);
                best.merge(memos.path.get(path, missing as u8, || scan(&self.path, path, missing, Field::Target)));
            }
            if !p.referer.is_empty() {
                let verdict = || {
                    if rules::referer_may_hold_payload(p.referer) {
                        scan(&self.referer, p.referer, false, Field::Referer)
                    } else {
                        Best::NONE
                    }
                };
                best.merge(memos.referer.get(p.referer, 0, verdict));
            }
        });
        if best.rank() <= rank(Category::ScannerAgent) {
            return;
        }
        if p.path.len() > LONG_URI {
            self.offer_fixed(best, Fixed::LongUri);
        }
        if best.rank() <= rank(Category::Probe) {
            return;
        }
        for fixed in [rules::malformed_request(p), rules::status_rule(p)].into_iter().flatten() {
            self.offer_fixed(best, fixed);
        }
    }
}

/// The URL-like part of the path an error line names. nginx quotes the request (the
/// parser fills `method` then); Apache names the file, so its document root is cut at
/// the last directory that conventionally is one (`/var/www/html/x.php` -> `/x.php`,
/// `/usr/lib/cgi-bin/x` -> `/cgi-bin/x`), which lets `^`-anchored signatures apply.
fn served_path<'a>(p: &ParsedLine<'a>) -> &'a [u8] {
    const ROOTS: [&[u8]; 8] =
        [b"/public_html/", b"/htdocs/", b"/httpdocs/", b"/html/", b"/www/", b"/wwwroot/", b"/http/", b"/webroot/"];
    let path = p.path;
    if !p.method.is_empty() || !path.starts_with(b"/") {
        return path;
    }
    let root_end = ROOTS.iter().filter_map(|r| memchr::memmem::rfind(path, r).map(|at| at + r.len() - 1)).max();
    match root_end {
        Some(end) => &path[end..],
        None => memchr::memmem::find(path, b"/cgi-bin/").map_or(path, |at| &path[at..]),
    }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
