//! One file's lines in order, numbered as a scan numbers them: a text log's (plain or
//! gzip, decompressed) or the syslog lines a journal's entries become. For reading a
//! file line by line outside a scan (`knocklog explain --file F --line N`).

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::Context;

use super::journal;
use super::source;

/// Calls `f` with each line's number (from 1) and the line without its newline (a
/// trailing CR kept), until `f` breaks. Returns how many lines were seen.
pub fn each_line(path: &Path, mut f: impl FnMut(u64, &[u8]) -> ControlFlow<()>) -> anyhow::Result<u64> {
    if let Some(seen) =
        journal::each_entry_line(path, &mut f).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
    {
        return Ok(seen);
    }
    let head = source::read_head(path, 64 * 1024).with_context(|| format!("cannot read {}", path.display()))?;
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader =
        head.compression.decoder(BufReader::new(file)).with_context(|| format!("reading {}", path.display()))?;
    let mut reader = BufReader::new(reader);
    let context = || format!("reading {}", path.display());
    source::skip_leading_nuls(&mut reader).with_context(context)?;
    let mut seen = 0u64;
    let mut line = Vec::new();
    while read_capped_line(&mut reader, &mut line, source::MAX_LINE_BYTES).with_context(context)? {
        seen += 1;
        if f(seen, &line).is_break() {
            break;
        }
    }
    Ok(seen)
}

/// Reads the next line into `line` (without its newline), as a scan cuts it: its
/// first `max` bytes, the rest read and dropped. False at the end of the input.
fn read_capped_line(reader: &mut impl BufRead, line: &mut Vec<u8>, max: usize) -> std::io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let (used, done) = {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(any);
            }
            any = true;
            let (part, used, done) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            let room = max.saturating_sub(line.len());
            line.extend_from_slice(&part[..part.len().min(room)]);
            (used, done)
        };
        reader.consume(used);
        if done {
            return Ok(true);
        }
    }
}
