//! Attempt sessions: an address's suspicious events grouped into bursts separated by
//! more than a gap of silence. Kept as sorted, merged intervals, so memory grows with
//! the number of bursts, not of lines, and partial lists from threads merge exactly.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub start: i64,
    pub end: i64,
    pub events: u64,
    /// Bit i set: category with index i occurred.
    pub categories: u16,
}

/// Adds `s` to `sessions` (sorted by start, gaps > `gap` micros apart), merging every
/// session it comes within `gap` of.
pub fn insert(sessions: &mut Vec<Session>, s: Session, gap: i64) {
    super::reserve_first(sessions);
    // Lines mostly arrive in time order: the common case touches the last session.
    if let Some(last) = sessions.last_mut() {
        if s.start >= last.start && s.start <= last.end.saturating_add(gap) {
            last.end = last.end.max(s.end);
            last.events += s.events;
            last.categories |= s.categories;
            return;
        }
    }
    let mut i = sessions.partition_point(|x| x.start <= s.start);
    sessions.insert(i, s);
    if i > 0 && sessions[i].start <= sessions[i - 1].end.saturating_add(gap) {
        let cur = sessions.remove(i);
        i -= 1;
        absorb(&mut sessions[i], cur);
    }
    while i + 1 < sessions.len() && sessions[i + 1].start <= sessions[i].end.saturating_add(gap) {
        let next = sessions.remove(i + 1);
        absorb(&mut sessions[i], next);
    }
}

fn absorb(into: &mut Session, other: Session) {
    into.start = into.start.min(other.start);
    into.end = into.end.max(other.end);
    into.events += other.events;
    into.categories |= other.categories;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: i64) -> Session {
        Session { start: t, end: t, events: 1, categories: 1 }
    }

    #[test]
    fn any_insertion_order_gives_the_same_sessions() {
        let times = [0, 10, 20, 100, 105, 300, 29, 200, 150];
        let gap = 30;
        let mut sorted = times;
        sorted.sort();
        let mut a = Vec::new();
        for t in sorted {
            insert(&mut a, ev(t), gap);
        }
        let mut b = Vec::new();
        for t in times.iter().rev() {
            insert(&mut b, ev(*t), gap);
        }
        assert_eq!(a, b);
        let spans: Vec<(i64, i64, u64)> = a.iter().map(|s| (s.start, s.end, s.events)).collect();
        assert_eq!(spans, [(0, 29, 4), (100, 105, 2), (150, 150, 1), (200, 200, 1), (300, 300, 1)]);
        // A late event bridging two sessions merges them.
        insert(&mut a, ev(130), gap);
        assert_eq!(a[1], Session { start: 100, end: 150, events: 4, categories: 1 });
    }
}
