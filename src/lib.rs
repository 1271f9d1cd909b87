//! knocklog: who came knocking, how, and who keeps coming back. The folders are the
//! stages of the data flow, and every import runs down them (tests/layering.rs):
//! `vocab` (the shared vocabulary) -> `input` (find, open, decompress, chunk) ->
//! `parse` (one module per log format) -> `detect` (rules and policy: one judgement
//! per line) -> `aggregate` and `learn` (per-IP statistics, verdicts, blocklist;
//! suggested patterns) -> `pipeline` (the parallel scan) -> `findings` (what a run
//! found) -> `enrich` (DNS, this host) -> `output` and `store` (tables, reports,
//! blocklists; the history store) -> `query` (SQL) -> `config` (settings from the
//! command line, `cli`) -> `cmd` (one module per subcommand). `fuzzing` sits on top:
//! the fuzz entry points, each driving one parser or reader.

pub mod aggregate;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod detect;
pub mod enrich;
pub mod findings;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod learn;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod query;
pub mod store;
pub mod vocab;
