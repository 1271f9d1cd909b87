//! Policy: the user's allow-lists, mode and thresholds applied to what the classifier
//! found, and the per-IP verdict (sneak attackers, strikes, the owner's typos).

use std::collections::HashSet;

use super::allowlist::AllowList;
use super::behaviour::Campaigns;
use super::Hit;
use crate::parse::forwarded::TrustedProxies;
use crate::vocab::address::AddrKey;
use crate::vocab::event::Category;
use crate::vocab::event::EventTag;

/// Which criteria flag a line (the watchdog's modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every criterion.
    Standard,
    /// Only usernames and passwords; the address allow-list is not applied (for servers
    /// with many remote devices).
    User,
    /// Only addresses; the username allow-list is not applied (many users on one LAN).
    Ip,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "standard" => Some(Mode::Standard),
            "user" => Some(Mode::User),
            "ip" => Some(Mode::Ip),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Standard => "standard",
            Mode::User => "user",
            Mode::Ip => "ip",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Suspicious events that make an address `block` ("a few strikes").
    pub block_strikes: u64,
    /// A sneak attacker is suspicious on at least this many distinct days...
    pub sneak_min_days: usize,
    /// ...with at most this many suspicious events on any one day.
    pub sneak_max_daily: u64,
    /// Silence that ends an attempt session, in seconds.
    pub session_gap_secs: i64,
    /// Wrong passwords for an allowed user that do not count as strikes (the owner
    /// mistyping on a hotel's Wi-Fi); beyond this many it is a guesser.
    pub allowed_user_tolerance: u64,
}

impl Thresholds {
    pub fn session_gap_micros(&self) -> i64 {
        self.session_gap_secs * crate::vocab::time::MICROS_PER_SEC
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            block_strikes: 3,
            sneak_min_days: 3,
            sneak_max_daily: 5,
            session_gap_secs: 30 * 60,
            allowed_user_tolerance: 5,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub mode: Mode,
    pub allow_ips: AllowList,
    /// Reverse proxies whose X-Forwarded-For names the client (`--trusted-proxy`).
    pub trusted_proxies: TrustedProxies,
    pub allow_users: HashSet<String>,
    pub thresholds: Thresholds,
    /// What no single line shows (see `behaviour`).
    pub behaviour: super::behaviour::BehaviourRules,
}

/// The decision about one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub category: Category,
    /// The classifier's rule, None when the policy decided (allow-list, mode, success).
    pub rule: Option<u32>,
    /// A wrong password for an allowed user (tolerated up to a point in the verdict).
    pub allowed_user_failure: bool,
    /// A weak signal (see `Classifier::is_weak`): labelled, but not counted.
    pub weak: bool,
    /// Why, for `knocklog explain`.
    pub reason: Reason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Ignored,
    AllowedAddress,
    NotInMode,
    Success,
    AllowedUserRelabelled,
    Matched,
    NothingMatched,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Ignored => "matched an --ignore-patterns line: never counts",
            Reason::AllowedAddress => "the address is on the allow-list (or loopback): never flagged",
            Reason::NotInMode => "this criterion is not used in the current --mode",
            Reason::Success => "a successful login",
            Reason::AllowedUserRelabelled => {
                "the username is on the allow-list, so this is a wrong password, not a bad user"
            }
            Reason::Matched => "matched a rule",
            Reason::NothingMatched => "no rule matched",
        }
    }
}

impl Decision {
    /// True when the line counts against its address.
    pub fn counts(&self) -> bool {
        self.category.is_suspicious() && !self.weak
    }
}

impl Policy {
    /// `decide`, with weak rules marked (see `Classifier::is_weak`).
    #[inline]
    pub fn judge(
        &self,
        classifier: &super::Classifier,
        hit: Option<Hit>,
        addr: AddrKey,
        user: &[u8],
        tag: EventTag,
    ) -> Decision {
        let mut d = self.decide(hit, addr, user, tag);
        d.weak = self.mode != Mode::Ip && d.category.is_suspicious() && d.rule.is_some_and(|r| classifier.is_weak(r));
        d
    }

    pub fn is_allowed_user(&self, user: &[u8]) -> bool {
        !self.allow_users.is_empty() && std::str::from_utf8(user).is_ok_and(|u| self.allow_users.contains(u))
    }

    /// Applies allow-lists and mode to the classifier's hit for one line.
    #[inline]
    pub fn decide(&self, hit: Option<Hit>, addr: AddrKey, user: &[u8], tag: EventTag) -> Decision {
        let decision =
            |category, rule, reason| Decision { category, rule, allowed_user_failure: false, weak: false, reason };
        let Some(hit) = hit else {
            let success =
                matches!(tag, EventTag::AcceptedPassword | EventTag::AcceptedPublickey | EventTag::AcceptedOtherAuth);
            return if success {
                decision(Category::Benign, None, Reason::Success)
            } else if self.mode != Mode::User && self.allow_ips.contains(addr) {
                decision(Category::Benign, None, Reason::AllowedAddress)
            } else {
                decision(Category::Unclassified, None, Reason::NothingMatched)
            };
        };
        let mut category = hit.category;
        if category == Category::Ignored {
            return decision(category, Some(hit.rule), Reason::Ignored);
        }
        if self.mode != Mode::User && self.allow_ips.contains(addr) {
            return decision(Category::Benign, Some(hit.rule), Reason::AllowedAddress);
        }
        let auth = matches!(category, Category::AuthBadUser | Category::AuthBadPassword);
        if self.mode == Mode::User && !auth {
            return decision(Category::Unclassified, Some(hit.rule), Reason::NotInMode);
        }
        let mut reason = Reason::Matched;
        let allowed_user = self.mode != Mode::Ip && self.is_allowed_user(user);
        if category == Category::AuthBadUser && allowed_user {
            category = Category::AuthBadPassword;
            reason = Reason::AllowedUserRelabelled;
        }
        Decision {
            category,
            rule: Some(hit.rule),
            allowed_user_failure: category == Category::AuthBadPassword && allowed_user,
            weak: false,
            reason,
        }
    }
}

/// What an address gets in the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    None,
    Watch,
    Block,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::None => "none",
            Verdict::Watch => "watch",
            Verdict::Block => "block",
        }
    }
}

/// How much each category weighs in an address's `score`.
pub fn weight(category: Category) -> f64 {
    match category {
        Category::ScannerAgent | Category::FakeCrawler => 4.0,
        Category::Probe | Category::AttackPattern => 3.0,
        Category::AuthBadUser | Category::Connect => 2.0,
        Category::AuthBadPassword | Category::Malformed | Category::SshPreauth | Category::Denied => 1.0,
        Category::Ignored | Category::Unclassified | Category::Benign => 0.0,
    }
}

/// Inputs of a verdict, gathered per address.
#[derive(Default)]
pub struct VerdictInput {
    pub allowed_address: bool,
    pub suspicious: u64,
    /// Of `suspicious`, the events that show intent (see `Category::is_noise`).
    pub intent: u64,
    pub allowed_user_failures: u64,
    /// Days with an event that shows intent, and the most such events on one day.
    pub intent_days: usize,
    pub max_daily_intent: u64,
    /// A behaviour rule tripped (see `behaviour`).
    pub behaviour: bool,
    /// Addresses in the largest campaign the address is part of (0: none).
    pub campaign_addresses: usize,
}

/// The sneak rule alone: events that show intent on at least `sneak_min_days` days,
/// never more than `sneak_max_daily` of them on one. (A fleet report asks it of each
/// server's share of an address as well as of the whole.)
pub fn is_sneak(t: &Thresholds, intent: u64, intent_days: usize, max_daily_intent: u64) -> bool {
    intent > 0 && intent_days >= t.sneak_min_days && max_daily_intent <= t.sneak_max_daily
}

/// (sneak, verdict) of one address.
///
/// Noise (`Category::is_noise`) never makes `block` or a sneak attacker on its own:
/// internet-wide sweeps send it to every address, day after day. Once an address has
/// shown intent, its noise counts as strikes like the rest. A behaviour rule that
/// tripped is intent enough to block; a campaign makes each member at least `watch`,
/// and `block` once it has `block_addresses` members.
pub fn verdict(t: &Thresholds, campaigns: &Campaigns, v: &VerdictInput) -> (bool, Verdict) {
    let in_campaign = v.campaign_addresses > 0;
    if v.allowed_address || (v.suspicious == 0 && !v.behaviour && !in_campaign) {
        return (false, Verdict::None);
    }
    let sneak = is_sneak(t, v.intent, v.intent_days, v.max_daily_intent);
    let strikes = v.suspicious - v.allowed_user_failures.min(t.allowed_user_tolerance);
    let blocks = v.behaviour
        || (in_campaign && v.campaign_addresses >= campaigns.block_addresses)
        || (v.intent > 0 && (sneak || strikes >= t.block_strikes));
    (sneak, if blocks { Verdict::Block } else { Verdict::Watch })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(suspicious: u64, allowed_user_failures: u64, days: usize, max_daily: u64) -> VerdictInput {
        VerdictInput {
            allowed_address: false,
            suspicious,
            intent: suspicious,
            allowed_user_failures,
            intent_days: days,
            max_daily_intent: max_daily,
            ..Default::default()
        }
    }

    #[test]
    fn verdicts() {
        let t = Thresholds::default();
        let c = super::super::behaviour::BehaviourRules::default().campaigns;
        assert_eq!(verdict(&t, &c, &input(1, 0, 1, 1)), (false, Verdict::Watch));
        assert_eq!(verdict(&t, &c, &input(3, 0, 1, 3)), (false, Verdict::Block));
        // The quiet returner: a few events a day on many days.
        assert_eq!(verdict(&t, &c, &input(9, 0, 9, 1)), (true, Verdict::Block));
        assert!(verdict(&t, &c, &input(2, 0, 3, 1)).0);
        // The owner mistyping from a hotel, and a guesser on the owner's account.
        assert_eq!(verdict(&t, &c, &input(2, 2, 1, 2)), (false, Verdict::Watch));
        assert_eq!(verdict(&t, &c, &input(60, 60, 1, 60)), (false, Verdict::Block));
        let allowed = VerdictInput { allowed_address: true, ..input(50, 0, 9, 9) };
        assert_eq!(verdict(&t, &c, &allowed), (false, Verdict::None));
    }

    #[test]
    fn noise_alone_never_blocks_nor_makes_a_sneak_attacker() {
        let t = Thresholds::default();
        let c = super::super::behaviour::BehaviourRules::default().campaigns;
        // ssh banner probes on 4 days, 40 in all: watched, not blocked.
        let sweeper = VerdictInput { intent: 0, intent_days: 0, max_daily_intent: 0, ..input(40, 0, 4, 10) };
        assert_eq!(verdict(&t, &c, &sweeper), (false, Verdict::Watch));
        // The same noise from an address that also tried one bad user: its noise counts.
        let guesser = VerdictInput { intent: 1, intent_days: 1, max_daily_intent: 1, ..input(40, 0, 4, 10) };
        assert_eq!(verdict(&t, &c, &guesser), (false, Verdict::Block));
        // Noise on many days and intent on one day is no quiet returner.
        let once = VerdictInput { intent: 1, intent_days: 1, max_daily_intent: 1, ..input(3, 0, 3, 1) };
        assert!(!verdict(&t, &c, &once).0);
    }

    #[test]
    fn a_behaviour_rule_blocks_and_a_campaign_raises_its_quiet_members() {
        let t = Thresholds::default();
        let c = super::super::behaviour::BehaviourRules::default().campaigns;
        // A login flood answered 200 throughout: no suspicious line, still a brute force.
        let flood = VerdictInput { behaviour: true, ..Default::default() };
        assert_eq!(verdict(&t, &c, &flood), (false, Verdict::Block));
        // One try each: watch alone, and in a small campaign; block in a large one.
        let quiet = input(1, 0, 1, 1);
        assert_eq!(verdict(&t, &c, &quiet).1, Verdict::Watch);
        let small = VerdictInput { campaign_addresses: c.block_addresses - 1, ..input(1, 0, 1, 1) };
        assert_eq!(verdict(&t, &c, &small).1, Verdict::Watch);
        let large = VerdictInput { campaign_addresses: c.block_addresses, ..input(1, 0, 1, 1) };
        assert_eq!(verdict(&t, &c, &large).1, Verdict::Block);
        let allowed = VerdictInput { allowed_address: true, ..flood };
        assert_eq!(verdict(&t, &c, &allowed).1, Verdict::None);
    }
}
