//! The collector: receives chunk results from the workers in any order and replays
//! everything order-dependent in input order: line numbers, sshd pid attribution across chunks, per-file statistics
//! and the event stream handed to the output sink.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::worker::{binding_fresh, suspicious_line, ChunkOutput, PidBinding, PidKey};
use crate::aggregate::file_stats::UNPARSED_EXAMPLES;
use crate::aggregate::ip::canonical;
use crate::aggregate::ip::AddrKey;
use crate::aggregate::ip_stats::{max_opt, min_opt};
use crate::aggregate::{FileStats, IpTable};
use crate::detect::policy::Policy;
use crate::detect::Classifier;
use crate::event::Event;

/// Receives the kept events in input order (file, then line).
pub trait EventSink {
    fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()>;
}

/// One worker result: chunk `chunk` of file `file`; `last` marks the file's end.
pub struct ChunkMessage {
    pub file: u32,
    pub chunk: u32,
    pub last: bool,
    pub output: ChunkOutput,
    pub warnings: Vec<String>,
}

pub struct Collector<'p, S> {
    sink: S,
    policy: &'p Policy,
    classifier: &'p Classifier,
    all_events: bool,
    next: (u32, u32),
    waiting: BTreeMap<(u32, u32), ChunkMessage>,
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
    pub fn new(
        stats: Vec<FileStats>,
        sink: S,
        all_events: bool,
        policy: &'p Policy,
        classifier: &'p Classifier,
    ) -> Self {
        let n = stats.len();
        Collector {
            sink,
            policy,
            classifier,
            all_events,
            next: (0, 0),
            waiting: BTreeMap::new(),
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
        self.waiting.insert((msg.file, msg.chunk), msg);
        while let Some(msg) = self.waiting.remove(&self.next) {
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
                continue;
            };
            let mut event = pending.event;
            let addr = AddrKey::of(&binding.ip);
            let decision = self.policy.judge(self.classifier, pending.hit, addr, event.user.as_bytes(), event.tag);
            let stats = self.ips.entry(&binding.ip);
            stats.record(event.ts, event.log_kind, event.status);
            let suspicious = decision.category.is_suspicious();
            if suspicious {
                let (user, path, agent) = (event.user.as_bytes(), event.path.as_bytes(), event.user_agent.as_bytes());
                let line = suspicious_line(event.ts, &decision, user, path, agent);
                stats.record_suspicious(&line, self.policy.thresholds.session_gap_micros());
            }
            if self.all_events || suspicious {
                event.ip = canonical(&binding.ip);
                event.category = decision.category;
                event.rule = decision.rule;
                event.counts = decision.counts();
                events.push(event);
                attributed = true;
            }
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
/// everything queued. With --threads 1 the whole scan runs on one thread.
pub struct SharedCollector<'p, S> {
    queue: std::sync::Mutex<Vec<ChunkMessage>>,
    collector: std::sync::Mutex<Collector<'p, S>>,
}

impl<'p, S: EventSink> SharedCollector<'p, S> {
    pub fn new(collector: Collector<'p, S>) -> Self {
        SharedCollector { queue: std::sync::Mutex::new(Vec::new()), collector: std::sync::Mutex::new(collector) }
    }

    pub fn submit(&self, msg: ChunkMessage) {
        lock(&self.queue).push(msg);
        loop {
            {
                let Ok(mut collector) = self.collector.try_lock() else {
                    // Another worker is replaying and will see our message.
                    return;
                };
                loop {
                    let batch = std::mem::take(&mut *lock(&self.queue));
                    if batch.is_empty() {
                        break;
                    }
                    for m in batch {
                        collector.accept(m);
                    }
                }
            }
            // A message queued between our last look and the unlock is ours to replay.
            if lock(&self.queue).is_empty() {
                return;
            }
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

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
