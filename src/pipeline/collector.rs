//! The collector: receives chunk results from the workers in any order and replays
//! everything order-dependent in input order: line numbers, sshd pid attribution across chunks, per-file statistics
//! and the event stream handed to the output sink.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use rustc_hash::FxHashMap;

use super::worker::{binding_fresh, suspicious_line, ChunkOutput, PidBinding, PidKey};
use crate::aggregate::file_stats::UNPARSED_EXAMPLES;
use crate::aggregate::ip_stats::{max_opt, min_opt};
use crate::aggregate::{FileStats, IpTable};
use crate::detect::Judge;
use crate::vocab::address::canonical;
use crate::vocab::address::AddrKey;
use crate::vocab::event::{EventSink, TextField};

/// One worker result: chunk `chunk` of file `file`; `last` marks the file's end.
pub struct ChunkMessage {
    pub file: u32,
    pub chunk: u32,
    pub last: bool,
    pub output: ChunkOutput,
    pub warnings: Vec<String>,
}

impl ChunkMessage {
    fn events(&self) -> usize {
        self.output.events.len() + self.output.pending.len()
    }
}

pub struct Collector<'p, S> {
    sink: S,
    judge: Judge<'p>,
    all_events: bool,
    next: (u32, u32),
    waiting: BTreeMap<(u32, u32), ChunkMessage>,
    /// Events held in `waiting`, and the most it held.
    waiting_events: usize,
    peak_waiting_events: usize,
    pub stats: Vec<FileStats>,
    pub ts_span: Vec<(Option<i64>, Option<i64>)>,
    pub ips: IpTable,
    pids: FxHashMap<PidKey, PidBinding>,
    lines_before: u64,
    /// Lines of each file before the part read (a history scan resuming a file), so
    /// line numbers stay those of the whole file. Empty: none.
    pub line_starts: Vec<u64>,
    pub sink_error: Option<anyhow::Error>,
}

impl<'p, S: EventSink> Collector<'p, S> {
    pub fn new(stats: Vec<FileStats>, sink: S, all_events: bool, judge: Judge<'p>) -> Self {
        let n = stats.len();
        Collector {
            sink,
            judge,
            all_events,
            next: (0, 0),
            waiting: BTreeMap::new(),
            waiting_events: 0,
            peak_waiting_events: 0,
            stats,
            ts_span: vec![(None, None); n],
            ips: IpTable::default(),
            pids: FxHashMap::default(),
            lines_before: 0,
            line_starts: Vec::new(),
            sink_error: None,
        }
    }

    pub fn accept(&mut self, msg: ChunkMessage) {
        self.waiting_events += msg.events();
        self.peak_waiting_events = self.peak_waiting_events.max(self.waiting_events);
        self.waiting.insert((msg.file, msg.chunk), msg);
        while let Some(msg) = self.waiting.remove(&self.next) {
            self.waiting_events -= msg.events();
            self.replay(msg);
        }
    }

    /// True when every file's last chunk has been replayed.
    pub fn is_complete(&self) -> bool {
        self.waiting.is_empty() && self.next.0 as usize == self.stats.len()
    }

    pub fn into_sink(self) -> S {
        self.sink
    }

    fn replay(&mut self, msg: ChunkMessage) {
        let out = msg.output;
        let shift = self.lines_before + self.line_starts.get(msg.file as usize).copied().unwrap_or(0);
        let fs = &mut self.stats[msg.file as usize];
        fs.counts.add(&out.counts);
        fs.warnings.extend(msg.warnings);
        fs.no_address_by_program.add(&out.no_address_programs);
        fs.unparsed_shapes.add(out.unparsed_shapes, shift);
        for mut example in out.unparsed_examples {
            if fs.unparsed_examples.len() < UNPARSED_EXAMPLES {
                example.line_no += shift;
                fs.unparsed_examples.push(example);
            }
        }
        let span = &mut self.ts_span[msg.file as usize];
        span.0 = min_opt(span.0, out.first_ts);
        span.1 = max_opt(span.1, out.last_ts);

        let mut events = out.events;
        let mut attributed = false;
        for pending in out.pending {
            let Some(binding) = self.pids.get(&pending.key).filter(|b| binding_fresh(b, pending.event.ts)) else {
                fs.counts.no_address += 1;
                fs.no_address_by_program.count(pending.event.text(TextField::Program).as_bytes(), 1);
                continue;
            };
            fs.counts.with_address += 1;
            let mut event = pending.event;
            let addr = AddrKey::of(&binding.ip);
            let decision = self.judge.decide(pending.hit, addr, event.user().as_bytes(), event.tag);
            let stats = self.ips.entry(&binding.ip);
            stats.record(event.ts, event.log_kind, event.status);
            let suspicious = decision.category.is_suspicious();
            if suspicious {
                let (user, path, agent) =
                    (event.user().as_bytes(), event.path().as_bytes(), event.user_agent().as_bytes());
                let line = suspicious_line(event.ts, &decision, user, path, agent);
                stats.record_suspicious(&line, self.judge.policy.thresholds.session_gap_micros());
            }
            if self.all_events || suspicious {
                event.set_ip(&canonical(&binding.ip));
                event.category = decision.category;
                event.rule = decision.rule;
                event.counts = decision.counts();
                events.push(event);
                attributed = true;
            }
        }
        // PAM failures still waiting for sshd's verdict at the chunk's end: at the
        // file's end nothing answers them; before a boundary the next chunk's first
        // lines all but always do (see `pam_pairing`).
        let mut pam_waiting = out.pam_waiting;
        for waiting in pam_waiting.take_all() {
            let gap = self.judge.policy.thresholds.session_gap_micros();
            let ip = waiting.ip.clone();
            let stats = self.ips.entry(&ip);
            let event = if msg.last { waiting.count(stats, gap) } else { waiting.answered(stats, gap) };
            events.push(event);
            attributed = true;
        }
        if attributed {
            events.sort_by_key(|e| e.line_no);
        }
        self.pids.extend(out.pid_bindings);
        for e in &mut events {
            e.line_no += shift;
        }
        if self.sink_error.is_none() && !events.is_empty() {
            if let Err(e) = self.sink.write(events) {
                self.sink_error = Some(e);
            }
        }
        self.lines_before += out.counts.lines;
        if msg.last {
            self.next = (msg.file + 1, 0);
            self.lines_before = 0;
            self.pids.clear();
        } else {
            self.next.1 += 1;
        }
    }
}

/// The collector shared by the workers without a thread of its own: a worker that
/// finishes a chunk queues its result and, if no other worker is replaying, replays
/// everything queued. With --threads 1 all parsing and replaying runs on one thread
/// (the events table is written on its own, see `EventsWriter`).
///
/// Results that arrive ahead of their turn wait in the collector, and results queued
/// while another worker replays wait for it; a worker whose result is not replayed yet
/// while too many events wait, in either place, waits for the collector to catch up
/// instead of parsing further, so memory follows the window, not the file (a scan where
/// every line is an event is as fast as its sink; counting only the results out of turn,
/// those queued behind a slow sink were unbounded). The worker replaying never waits,
/// and a time limit guards against waiting on a turn nobody is working on.
pub struct SharedCollector<'p, S> {
    queue: std::sync::Mutex<Vec<ChunkMessage>>,
    collector: std::sync::Mutex<Collector<'p, S>>,
    /// Signalled after each replay.
    progress: std::sync::Condvar,
    /// The collector's `waiting_events`, readable without its lock.
    waiting_events: std::sync::atomic::AtomicUsize,
    /// Events of the results in `queue`.
    queued_events: std::sync::atomic::AtomicUsize,
    /// The most events queued and waiting at once, as submitters saw them.
    peak_held_events: std::sync::atomic::AtomicUsize,
    /// `MAX_WAITING_EVENTS` (smaller in tests).
    max_waiting: usize,
}

/// Events waiting out of turn beyond which a worker that is ahead waits (about 50 MB).
const MAX_WAITING_EVENTS: usize = 100_000;
/// The longest a worker waits for one result to be taken.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl<'p, S: EventSink> SharedCollector<'p, S> {
    pub fn new(collector: Collector<'p, S>) -> Self {
        Self::with_window(collector, MAX_WAITING_EVENTS)
    }

    fn with_window(collector: Collector<'p, S>, max_waiting: usize) -> Self {
        SharedCollector {
            max_waiting,
            queue: std::sync::Mutex::new(Vec::new()),
            collector: std::sync::Mutex::new(collector),
            progress: std::sync::Condvar::new(),
            waiting_events: std::sync::atomic::AtomicUsize::new(0),
            queued_events: std::sync::atomic::AtomicUsize::new(0),
            peak_held_events: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    pub fn submit(&self, msg: ChunkMessage) {
        let key = (msg.file, msg.chunk);
        let events = msg.events();
        {
            let mut queue = lock(&self.queue);
            queue.push(msg);
            self.queued_events.fetch_add(events, Ordering::Relaxed);
        }
        self.peak_held_events.fetch_max(self.held_events(), Ordering::Relaxed);
        loop {
            {
                let Ok(mut collector) = self.collector.try_lock() else {
                    // Another worker is replaying and will see our message (or this
                    // thread is, further up its stack: see `Replaying`).
                    break;
                };
                let _replaying = Replaying::enter();
                loop {
                    let batch = {
                        let mut queue = lock(&self.queue);
                        self.queued_events.store(0, Ordering::Relaxed);
                        std::mem::take(&mut *queue)
                    };
                    if batch.is_empty() {
                        break;
                    }
                    for m in batch {
                        collector.accept(m);
                    }
                }
                self.waiting_events.store(collector.waiting_events, Ordering::Relaxed);
                self.progress.notify_all();
            }
            // A message queued between our last look and the unlock is ours to replay.
            if lock(&self.queue).is_empty() {
                break;
            }
        }
        if self.held_events() > self.max_waiting && !Replaying::here() {
            self.wait_for_turn(key);
        }
    }

    /// Events of the results not replayed yet: out of turn, or queued.
    fn held_events(&self) -> usize {
        self.waiting_events.load(Ordering::Relaxed) + self.queued_events.load(Ordering::Relaxed)
    }

    /// Waits while chunk `key` has not been replayed and too many events wait.
    fn wait_for_turn(&self, key: (u32, u32)) {
        let started = std::time::Instant::now();
        // Under the collector's lock its `waiting_events` is the one stored after the
        // last replay, so `held_events` reads it.
        let mut collector = lock(&self.collector);
        while collector.next <= key && self.held_events() > self.max_waiting && started.elapsed() < MAX_WAIT {
            collector = match self.progress.wait_timeout(collector, std::time::Duration::from_millis(20)) {
                Ok((c, _)) => c,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    pub fn into_inner(self) -> Collector<'p, S> {
        let mut collector = self.collector.into_inner().unwrap_or_else(|p| p.into_inner());
        for m in self.queue.into_inner().unwrap_or_else(|p| p.into_inner()) {
            collector.accept(m);
        }
        collector
    }
}

thread_local! {
    static REPLAYING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the thread that holds the collector. A sink that waits on rayon (a parallel
/// iterator, or polars' pool: the events table's writer did, before it got a thread of
/// its own) lets rayon run other jobs of this pool meanwhile, on this thread: a chunk
/// parsed there must not wait for the collector's progress (only this thread can make
/// it), or the scan deadlocks. Its result is queued and replayed when the sink returns.
struct Replaying {
    outer: bool,
}

impl Replaying {
    fn enter() -> Self {
        Replaying { outer: REPLAYING.replace(true) }
    }

    fn here() -> bool {
        REPLAYING.get()
    }
}

impl Drop for Replaying {
    fn drop(&mut self) {
        REPLAYING.set(self.outer);
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::allowlist::AllowList;
    use crate::detect::policy::{Mode, Policy, Thresholds};
    use crate::detect::Classifier;
    use crate::vocab::event::{Event, LogKind, ParsedLine};

    #[derive(Default)]
    struct Lines(Vec<u64>);

    impl EventSink for Lines {
        fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()> {
            self.0.extend(events.iter().map(|e| e.line_no));
            Ok(())
        }
    }

    fn standard_policy() -> Policy {
        Policy {
            mode: Mode::Standard,
            allow_ips: AllowList::new(Vec::new()),
            trusted_proxies: Default::default(),
            allow_users: Default::default(),
            thresholds: Thresholds::default(),
            behaviour: Default::default(),
        }
    }

    /// Chunk `chunk` of file 0: three lines, each an event.
    fn three_events(chunk: u32, last: bool) -> ChunkMessage {
        let mut output = ChunkOutput::default();
        output.counts.lines = 3;
        let p = ParsedLine::default();
        output.events = (1..=3)
            .map(|n| super::super::worker::build_event(0, LogKind::Access, n, None, &p, b"1.2.3.4", None))
            .collect();
        ChunkMessage { file: 0, chunk, last, output, warnings: Vec::new() }
    }

    /// Two workers, each handing in every other chunk, with a window of one event: the
    /// one ahead waits for the other's turn; every event arrives, in order, and nobody
    /// waits out the time limit.
    #[test]
    fn a_worker_ahead_waits_and_everything_arrives_in_order() {
        let policy = standard_policy();
        let classifier = Classifier::new(false, &[], &[]).unwrap();
        let stats = vec![FileStats::default()];
        let collector = Collector::new(stats, Lines::default(), true, Judge::new(&classifier, &policy));
        let shared = SharedCollector::with_window(collector, 1);
        const CHUNKS: u32 = 40;
        let message = |chunk: u32| three_events(chunk, chunk + 1 == CHUNKS);
        let started = std::time::Instant::now();
        std::thread::scope(|s| {
            for parity in [0, 1] {
                let (shared, message) = (&shared, &message);
                s.spawn(move || {
                    for chunk in (parity..CHUNKS).step_by(2) {
                        if parity == 1 {
                            std::thread::sleep(std::time::Duration::from_millis(2));
                        }
                        shared.submit(message(chunk));
                    }
                });
            }
        });
        assert!(started.elapsed() < MAX_WAIT, "a worker waited out the time limit");
        let collector = shared.into_inner();
        assert!(collector.is_complete());
        // Without waiting, the even worker would run 20 chunks (60 events) ahead.
        assert!(collector.peak_waiting_events <= 9, "{} events waited", collector.peak_waiting_events);
        assert_eq!(collector.into_sink().0, (1..=3 * u64::from(CHUNKS)).collect::<Vec<_>>());
    }

    /// A sink slower than the workers.
    #[derive(Default)]
    struct Slow(Vec<u64>);

    impl EventSink for Slow {
        fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()> {
            std::thread::sleep(std::time::Duration::from_millis(3));
            self.0.extend(events.iter().map(|e| e.line_no));
            Ok(())
        }
    }

    /// Behind a slow sink, a worker's results in their turn queue up while another
    /// worker replays: the worker waits for them once the window is full, instead of
    /// queueing the whole file (before, 87 of this test's 90 events were held at once).
    #[test]
    fn results_queued_behind_a_slow_sink_are_held_to_the_window() {
        let policy = standard_policy();
        let classifier = Classifier::new(false, &[], &[]).unwrap();
        let collector =
            Collector::new(vec![FileStats::default()], Slow::default(), true, Judge::new(&classifier, &policy));
        let shared = SharedCollector::with_window(collector, 1);
        const CHUNKS: u32 = 30;
        std::thread::scope(|s| {
            let shared = &shared;
            // Chunk 0's replay is slow; meanwhile the other worker hands in the rest.
            s.spawn(move || shared.submit(three_events(0, false)));
            s.spawn(move || {
                for chunk in 1..CHUNKS {
                    shared.submit(three_events(chunk, chunk + 1 == CHUNKS));
                }
            });
        });
        let peak = shared.peak_held_events.load(Ordering::Relaxed);
        let collector = shared.into_inner();
        assert!(collector.is_complete());
        assert_eq!(collector.into_sink().0, (1..=3 * u64::from(CHUNKS)).collect::<Vec<_>>());
        assert!(peak <= 9, "{peak} events held at once");
    }

    /// What a thread runs while its sink writes (standing in for the chunk jobs rayon
    /// lets a thread run while it waits for polars' pool inside a Parquet write).
    type Stolen = std::sync::Arc<std::sync::Mutex<Vec<Box<dyn FnOnce() + Send>>>>;

    struct Stealing {
        lines: Vec<u64>,
        stolen: Stolen,
    }

    impl EventSink for Stealing {
        fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()> {
            self.lines.extend(events.iter().map(|e| e.line_no));
            let jobs = std::mem::take(&mut *self.stolen.lock().unwrap());
            for job in jobs {
                job();
            }
            Ok(())
        }
    }

    /// A chunk handed in from inside the collector's own replay (the thread holding it
    /// ran that chunk while its sink waited) while too many events wait must not wait
    /// for the collector: only that thread could release it. Before, the scan hung.
    #[test]
    fn a_chunk_handed_in_during_a_replay_on_the_same_thread_does_not_wait() {
        let policy: &'static Policy = Box::leak(Box::new(standard_policy()));
        let classifier: &'static Classifier = Box::leak(Box::new(Classifier::new(false, &[], &[]).unwrap()));
        let stolen = Stolen::default();
        let sink = Stealing { lines: Vec::new(), stolen: stolen.clone() };
        let collector = Collector::new(vec![FileStats::default()], sink, true, Judge::new(classifier, policy));
        let shared: &'static SharedCollector<'static, Stealing> =
            Box::leak(Box::new(SharedCollector::with_window(collector, 1)));
        let message = |chunk: u32| three_events(chunk, chunk == 2);
        // Chunk 1 arrives first and waits for its turn: 3 events wait, the window is 1.
        let early = std::thread::spawn(move || shared.submit(message(1)));
        while shared.waiting_events.load(Ordering::Relaxed) == 0 {
            std::thread::yield_now();
        }
        // Chunk 0's replay writes its events, and the sink's thread hands in chunk 2.
        stolen.lock().unwrap().push(Box::new(move || shared.submit(message(2))));
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            shared.submit(message(0));
            let _ = done.send(());
        });
        let ended = finished.recv_timeout(std::time::Duration::from_secs(20)).is_ok();
        assert!(ended, "the replaying thread waited for itself");
        early.join().unwrap();
        let collector = shared.collector.lock().unwrap();
        assert!(collector.is_complete());
        assert_eq!(collector.sink.lines, (1..=9).collect::<Vec<_>>());
    }
}
