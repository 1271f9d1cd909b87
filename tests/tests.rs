//! Integration tests: run the knocklog binary like a user would, on the shipped
//! sample-logs/ and on the real corpora in ../shared/corpora, and check its outputs.

mod corpora;
mod detection;
mod learn;
mod robustness;
mod sample_logs;
mod util;
