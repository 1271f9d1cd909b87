//! Enrichment: what asks the world outside the logs, called between aggregation and
//! output and never from a writer: two-way DNS of the visitors and this machine's
//! own addresses.

pub mod dns;
pub mod own;
