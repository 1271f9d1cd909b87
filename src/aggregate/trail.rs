//! Per-address trails for the report's drill-down panels: the earliest few suspicious
//! events of each address across every log (web, ssh, journal), and how often each
//! classifier rule fired for it. Bounded per address (`TRAIL_EVENTS` events with
//! shortened text, one counter per rule that fired) and in addresses: past
//! `2 * TRAIL_ADDRESSES` the trails of all but the `TRAIL_ADDRESSES` busiest are
//! dropped, so a botnet of one-line attackers costs no memory here, and a scan never
//! holds every event: the events table has them all. A dropped address that comes
//! back starts a new trail; the report tells by its `seen` falling short.

use rustc_hash::FxHashMap;

use crate::vocab::event::{Category, Event, LogKind};

/// Events kept per address: the earliest by time, then by file and line.
pub const TRAIL_EVENTS: usize = 16;
/// Addresses whose trails are kept after a prune (the busiest by events seen).
pub const TRAIL_ADDRESSES: usize = 20_000;
/// Characters of an event's text kept (the path, username or message).
const DETAIL_CHARS: usize = 72;

/// One remembered event.
#[derive(Clone, Debug, PartialEq)]
pub struct TrailEvent {
    pub ts: Option<i64>,
    pub kind: LogKind,
    pub category: Category,
    pub status: u16,
    /// What the line was about, shortened: `GET /path`, `user root`, or the message.
    pub detail: Box<str>,
    file: u32,
    line_no: u64,
}

impl TrailEvent {
    /// Time order; lines without a time last; then input position.
    fn key(&self) -> (i64, u32, u64) {
        (self.ts.unwrap_or(i64::MAX), self.file, self.line_no)
    }
}

/// What the report remembers of one address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trail {
    /// The earliest `TRAIL_EVENTS` suspicious events, in time order.
    pub events: Vec<TrailEvent>,
    /// Suspicious events seen, kept or not.
    pub seen: u64,
    /// (classifier rule, events it decided), in first-fired order.
    pub rules: Vec<(u32, u64)>,
}

/// Every address's trail, keyed by its canonical spelling (`Assessed::ip`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trails {
    pub by_ip: FxHashMap<String, Trail>,
    /// (rule name, category) by rule number, as the events table names them.
    pub rule_names: Vec<(String, Category)>,
}

impl Trails {
    /// Remembers `e` if it is suspicious. Any arrival order gives the same trails:
    /// the events kept are the first by (time, file, line).
    pub fn add(&mut self, e: &Event) {
        if !e.category.is_suspicious() {
            return;
        }
        if self.by_ip.len() >= 2 * TRAIL_ADDRESSES && !self.by_ip.contains_key(e.ip()) {
            self.prune();
        }
        let trail = match self.by_ip.get_mut(e.ip()) {
            Some(t) => t,
            None => self.by_ip.entry(e.ip().to_owned()).or_default(),
        };
        trail.seen += 1;
        if let Some(rule) = e.rule {
            match trail.rules.iter_mut().find(|r| r.0 == rule) {
                Some(r) => r.1 += 1,
                None => trail.rules.push((rule, 1)),
            }
        }
        let key = (e.ts.unwrap_or(i64::MAX), e.file, e.line_no);
        if trail.events.len() == TRAIL_EVENTS && trail.events.last().is_some_and(|last| last.key() <= key) {
            return;
        }
        let event = TrailEvent {
            ts: e.ts,
            kind: e.log_kind,
            category: e.category,
            status: e.status,
            detail: detail(e).into(),
            file: e.file,
            line_no: e.line_no,
        };
        let at = trail.events.partition_point(|x| x.key() <= key);
        trail.events.insert(at, event);
        trail.events.truncate(TRAIL_EVENTS);
    }

    /// Keeps the `TRAIL_ADDRESSES` trails that saw most events (ties by address, so
    /// the same input keeps the same trails).
    fn prune(&mut self) {
        let mut all: Vec<(String, Trail)> = self.by_ip.drain().collect();
        all.select_nth_unstable_by(TRAIL_ADDRESSES - 1, |a, b| b.1.seen.cmp(&a.1.seen).then_with(|| a.0.cmp(&b.0)));
        all.truncate(TRAIL_ADDRESSES);
        self.by_ip.extend(all);
    }

    pub fn get(&self, ip: &str) -> Option<&Trail> {
        self.by_ip.get(ip)
    }

    /// The name of rule `r`, `rule r` when the table does not know it.
    pub fn rule_name(&self, r: u32) -> (String, Option<Category>) {
        match self.rule_names.get(r as usize) {
            Some((name, c)) => (name.clone(), Some(*c)),
            None => (format!("rule {r}"), None),
        }
    }
}

/// A few words of what an event was: the request, the username tried, or the message.
fn detail(e: &Event) -> String {
    let mut s = String::new();
    if !e.path().is_empty() {
        s.push_str(e.text(crate::vocab::event::TextField::Method));
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(e.path());
    } else if !e.user().is_empty() {
        s.push_str("user ");
        s.push_str(e.user());
    } else {
        s.push_str(e.text(crate::vocab::event::TextField::Message));
    }
    match s.char_indices().nth(DETAIL_CHARS) {
        Some((i, _)) => {
            s.truncate(i);
            s.push('…');
            s
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::event::ParsedLine;

    fn ev(ip: &str, ts: i64, line: u64) -> Event {
        let p = ParsedLine { method: b"GET", path: b"/x", status: 404, ..Default::default() };
        let mut e = Event::from_parsed(&p, ip.as_bytes());
        (e.ts, e.category, e.counts, e.line_no, e.rule) = (Some(ts), Category::Probe, true, line, Some(3));
        e
    }

    #[test]
    fn a_trail_keeps_the_earliest_events_whatever_the_order() {
        let events: Vec<Event> = (0..40).map(|i| ev("192.0.2.1", (i * 7919) % 40, i as u64)).collect();
        let mut forward = Trails::default();
        events.iter().for_each(|e| forward.add(e));
        let mut backward = Trails::default();
        events.iter().rev().for_each(|e| backward.add(e));
        assert_eq!(forward, backward);
        let t = forward.get("192.0.2.1").unwrap();
        assert_eq!((t.seen, t.events.len(), t.rules.as_slice()), (40, TRAIL_EVENTS, &[(3, 40)][..]));
        let times: Vec<i64> = t.events.iter().map(|e| e.ts.unwrap()).collect();
        assert_eq!(times, (0..TRAIL_EVENTS as i64).collect::<Vec<_>>());
        assert_eq!(&*t.events[0].detail, "GET /x");
        let mut benign = ev("192.0.2.2", 1, 1);
        benign.category = Category::Benign;
        forward.add(&benign);
        assert!(forward.get("192.0.2.2").is_none(), "benign lines are not remembered");
    }

    #[test]
    fn trails_are_bounded_in_addresses_and_keep_the_busiest() {
        let mut trails = Trails::default();
        for _ in 0..3 {
            trails.add(&ev("192.0.2.1", 1, 1));
        }
        for i in 0..(2 * TRAIL_ADDRESSES as u32 + 5) {
            trails.add(&ev(&std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string(), 1, 1));
        }
        assert!(trails.by_ip.len() < 2 * TRAIL_ADDRESSES);
        assert_eq!(trails.get("192.0.2.1").map(|t| t.seen), Some(3), "the busiest stays");
    }
}
