//! `knocklog-gen`: the deterministic log generator. Owns the committed `sample-logs/`
//! tree (`sample`: a small home server's rotated /var/log with planted actors and a
//! README listing them) and the large benchmark corpus (`bench`: a realistic access-log
//! rotation of any size), and the feed-derived signature files (`feeds`: CrowdSec hub
//! and OWASP CRS data vendored under src/detect/signatures/feeds/). It shares knocklog's calendar code and gives the same bytes on
//! every run (seeded RNG, gzip headers with mtime 0).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "knocklog-gen",
    version,
    about = "Deterministic log generator: knocklog's sample tree and benchmark corpora"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the small sample tree (apache2/, nginx/, auth.log*, README.md) into DIR.
    Sample {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write a large access-log rotation into DIR/plain (and a gzip copy into DIR/gz).
    Bench {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Total size of the plain files: 1GB, 200MB, 512MiB ... (KB/MB/GB are decimal).
        #[arg(long, default_value = "1GB", value_parser = parse_size)]
        size: u64,
        /// Number of rotated files: access.log, access.log.1, ... access.log.(N-1).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        files: u32,
        /// Also write a gzip copy (level 6) of every file into DIR/gz.
        #[arg(long)]
        gzip: bool,
        /// Seed of the random stream (same seed, same bytes).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Who sends the lines: `attack`, a small site under heavy scanning (6% of lines
        /// from attackers), `site`, a busy site (nearly all addresses benign, many of them),
        /// or `storm`, a scanner storm (every line a probe, a few from each of many addresses).
        #[arg(long, value_enum, default_value_t = bench::Mix::Attack)]
        mix: bench::Mix,
        /// Distinct clients in the pool [default: 40000 for attack, one per 1000 bytes for
        /// site, one scanner per 330 bytes for storm].
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(100..=50_000_000))]
        clients: Option<u64>,
    },
    /// Regenerate src/detect/signatures/feed-*.txt from the vendored feeds beside them.
    Feeds {
        /// The repository's root (the directory holding Cargo.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Box<dyn Error>> = match cli.command {
        Command::Sample { out } => sample::write_tree(&out).map_err(Into::into),
        Command::Bench { out, size, files, gzip, seed, mix, clients } => {
            let request = bench::Request { size, files, gzip, seed, mix, clients: clients.map(|n| n as usize) };
            bench::run(&out, &request).map_err(Into::into)
        }
        Command::Feeds { root } => feeds::run(&root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("knocklog-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `1GB`, `200MB`, `1.5G`, `512MiB`, `4096`: decimal units unless spelled `KiB/MiB/GiB`.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("not a size: {text:?} (try 1GB or 200MB)"))?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit {other:?} (use KB, MB, GB or KiB, MiB, GiB)")),
    };
    let bytes = (number * multiplier).round();
    if !(1.0..=1e15).contains(&bytes) {
        return Err(format!("size out of range: {text:?}"));
    }
    Ok(bytes as u64)
}

/// Compresses `data` as gzip level 6 with a fixed header (mtime 0, no name), so the same
/// input always gives the same bytes.
fn gzip_bytes(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder =
        flate2::GzBuilder::new().mtime(0).write(Vec::with_capacity(data.len() / 4), flate2::Compression::new(6));
    encoder.write_all(data)?;
    encoder.finish()
}

mod bench;
mod civil;
mod feeds;
mod rng;
mod sample;
