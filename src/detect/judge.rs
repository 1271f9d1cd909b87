//! One line's judgement: the classifier's rule for the line, then the allow-lists and
//! mode for its address. The scan's workers, the lines it attributes later through
//! an sshd pid, and `explain` all judge through this one type, so they cannot drift.

use super::crawlers::Crawler;
use super::policy::{Decision, Policy};
use super::{Classifier, Hit};
use crate::parse::forwarded::Forwarding;
use crate::parse::{self, LineReading};
use crate::vocab::address::AddrKey;
use crate::vocab::event::{EventTag, Format, LogKind, ParsedLine};

/// The rules and the user's policy, together.
#[derive(Clone, Copy)]
pub struct Judge<'a> {
    pub classifier: &'a Classifier,
    pub policy: &'a Policy,
}

/// What a line with a remote address was judged to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judgement {
    /// The rule that matched, before allow-lists and mode.
    pub hit: Option<Hit>,
    pub decision: Decision,
    /// The crawler the line's user agent claims to be (see `crawlers`).
    pub claim: Option<Crawler>,
}

impl<'a> Judge<'a> {
    pub fn new(classifier: &'a Classifier, policy: &'a Policy) -> Self {
        Judge { classifier, policy }
    }

    /// Takes an access line's client from X-Forwarded-For when the line came through a
    /// trusted proxy (see `parse::forwarded`); every other line is left as it is. Done
    /// before anything looks at the address.
    #[inline]
    pub fn forwarded_client<'l>(&self, parsed: &mut ParsedLine<'l>) -> Forwarding<'l> {
        self.policy.trusted_proxies.resolve(parsed)
    }

    /// The line's rule, which does not depend on its address: a line whose address is
    /// not known yet (an sshd line named only by its pid) is classified when read and
    /// decided once the address is found.
    #[inline]
    pub fn classify(&self, line: &[u8], parsed: &ParsedLine, kind: LogKind) -> Option<Hit> {
        self.classifier.classify(line, parsed, kind)
    }

    /// The decision for a classified line once its address is known.
    #[inline]
    pub fn decide(&self, hit: Option<Hit>, addr: AddrKey, user: &[u8], tag: EventTag) -> Decision {
        self.policy.judge(self.classifier, hit, addr, user, tag)
    }

    /// `classify`, then `decide` for the address `addr`.
    #[inline]
    pub fn judge_line(&self, line: &[u8], parsed: &ParsedLine, kind: LogKind, addr: AddrKey) -> Judgement {
        let mut claim = None;
        let hit = self.classifier.classify_claiming(line, parsed, kind, &mut claim);
        Judgement { hit, decision: self.decide(hit, addr, parsed.user, parsed.tag), claim }
    }

    /// One line on its own, read as in a file of `file_format` (see `parse::read_line`),
    /// its client taken through a trusted proxy, and judged when it names an address;
    /// `explain` shows this. A line naming none gets no judgement (the scan attributes
    /// an sshd one through its pid, if it can).
    pub fn read_and_judge<'l>(
        &self,
        file_format: Option<Format>,
        line: &'l [u8],
    ) -> (LineReading<'l>, Option<Judgement>) {
        self.read_forwarded_and_judge(file_format, line).0
    }

    /// `read_and_judge`, and what X-Forwarded-For did to the line's client.
    pub fn read_forwarded_and_judge<'l>(
        &self,
        file_format: Option<Format>,
        line: &'l [u8],
    ) -> ((LineReading<'l>, Option<Judgement>), Forwarding<'l>) {
        let mut reading = parse::read_line(file_format, line);
        let forwarding = match &mut reading {
            LineReading::Parsed { parsed, .. } => self.forwarded_client(parsed),
            _ => Forwarding::NoHeader,
        };
        let judgement = match &reading {
            LineReading::Parsed { kind, parsed, .. } if !parsed.ip.is_empty() => {
                Some(self.judge_line(line, parsed, *kind, AddrKey::of(parsed.ip)))
            }
            _ => None,
        };
        ((reading, judgement), forwarding)
    }
}
