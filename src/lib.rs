//! knocklog: who came knocking, how, and who keeps coming back. The data flows
//! input (find, open, decompress, chunk) -> parse (one module per log format) ->
//! pipeline (parallel scan, ordered collection) -> aggregate (per-IP, per-day) ->
//! output (CSV, Parquet, summary); `cmd` holds one module per subcommand.

pub mod aggregate;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod detect;
pub mod input;
pub mod learn;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod query;
pub mod store;
pub mod vocab;
