//! The collector: receives chunk results from the workers in any order and replays
//! everything order-dependent in input order: line numbers, sshd pid attribution across chunks, per-file statistics
//! and the event stream handed to the output sink.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::worker::{binding_fresh, keep_event_kind, ChunkOutput, PidBinding, PidKey};
use crate::aggregate::file_stats::UNPARSED_EXAMPLES;
use crate::aggregate::ip::canonical;
use crate::aggregate::ip_stats::{max_opt, min_opt};
use crate::aggregate::{FileStats, IpTable};
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

pub struct Collector<S> {
    sink: S,
    all_events: bool,
    next: (u32, u32),
    waiting: BTreeMap<(u32, u32), ChunkMessage>,
    pub stats: Vec<FileStats>,
    pub ts_span: Vec<(Option<i64>, Option<i64>)>,
    pub ips: IpTable,
    pids: FxHashMap<PidKey, PidBinding>,
    lines_before: u64,
    pub sink_error: Option<anyhow::Error>,
}

impl<S: EventSink> Collector<S> {
    pub fn new(stats: Vec<FileStats>, sink: S, all_events: bool) -> Self {
        let n = stats.len();
        Collector {
            sink,
            all_events,
            next: (0, 0),
            waiting: BTreeMap::new(),
            stats,
            ts_span: vec![(None, None); n],
            ips: IpTable::default(),
            pids: FxHashMap::default(),
            lines_before: 0,
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
        let shift = self.lines_before;
        let fs = &mut self.stats[msg.file as usize];
        fs.content_bytes += out.content_bytes;
        fs.lines += out.lines;
        fs.blank += out.blank;
        fs.comments += out.comments;
        fs.parsed += out.parsed;
        fs.unparsed += out.unparsed;
        fs.out_of_range += out.out_of_range;
        fs.bad_time += out.bad_time;
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
            self.ips.record(&binding.ip, event.ts, event.log_kind, event.user.as_bytes(), event.status);
            if keep_event_kind(self.all_events, event.log_kind, event.status) {
                event.ip = canonical(&binding.ip);
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
        self.lines_before += out.lines;
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
pub struct SharedCollector<S> {
    queue: std::sync::Mutex<Vec<ChunkMessage>>,
    collector: std::sync::Mutex<Collector<S>>,
}

impl<S: EventSink> SharedCollector<S> {
    pub fn new(collector: Collector<S>) -> Self {
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

    pub fn into_inner(self) -> Collector<S> {
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
