//! Integration tests: run the knocklog binary like a user would, on the shipped
//! sample-logs/ and on the real corpora in ../shared/corpora, and check its outputs.

mod archives;
mod behaviour;
mod blocklist_tools;
mod cli;
mod columns;
mod corpora;
mod detection;
mod dns;
mod enrich;
mod explain_agrees;
mod fleet_data;
mod fleet_report;
mod forwarding;
mod gzip_trailing;
mod history;
mod hostile;
mod journal;
mod journal_history;
mod journal_hostile;
mod layering;
mod learn;
mod line_accounting;
mod mutation;
mod notebook;
mod out_dir;
mod payloads;
mod query;
mod report_browser;
mod robustness;
mod sample_logs;
mod streams;
mod timeline;
mod util;
mod weekly_report;
