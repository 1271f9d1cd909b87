//! Range labels (`--ranges`): the published address ranges of clouds and crawlers, or
//! the user's own `cidr,label` list, flattened into sorted disjoint intervals so that
//! labelling an address is one binary search (the most specific range wins).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::aggregate::blocklist::net::{key_of, Net};
use crate::vocab::files::{read_small_file, MAX_INPUT_FILE_BYTES};

/// A ranges file as named on the command line: `FILE` or `LABEL=FILE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeSource {
    /// Labels every range of the file when given; else the file's shape or name does.
    pub label: Option<String>,
    pub path: PathBuf,
}

impl RangeSource {
    /// `aws=ip-ranges.json` or `ip-ranges.json`. A path holding `=` can be given as
    /// `./a=b.json`: only a label of plain name characters before the `=` counts.
    pub fn parse(text: &str) -> Result<RangeSource, String> {
        if let Some((label, path)) = text.split_once('=') {
            if !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) {
                if path.is_empty() {
                    return Err(format!("--ranges {text}: no file after the label"));
                }
                return Ok(RangeSource { label: Some(label.to_owned()), path: path.into() });
            }
        }
        Ok(RangeSource { label: None, path: text.into() })
    }
}

/// `LABEL=FILE` or `FILE`, as parsed.
impl std::fmt::Display for RangeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match &self.label {
            Some(label) => write!(f, "{label}={}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// One range as read, before flattening.
#[derive(Clone, Debug)]
struct Range {
    net: Net,
    label: u32,
    /// The order it was read in: between equally specific ranges, the first wins.
    order: u32,
}

/// Labelled ranges, as disjoint sorted intervals over one key space (IPv4 below
/// IPv6, see `key`).
#[derive(Debug, Default)]
pub struct RangeTable {
    labels: Vec<Arc<str>>,
    /// (first key, last key, label index), sorted, not overlapping.
    intervals: Vec<(u128, u128, u32)>,
    /// Ranges read, per source file: (path, ranges).
    pub loaded: Vec<(String, usize)>,
}

/// What loading one file found: its label source and ranges.
struct FileRanges {
    /// Per range: its network and label text.
    ranges: Vec<(Net, String)>,
}

/// Longest label kept: labels come from files anyone may have edited.
const MAX_LABEL: usize = 64;

impl RangeTable {
    /// Reads every source; an unreadable or shapeless file is an error naming it.
    pub fn load(sources: &[RangeSource]) -> Result<RangeTable, String> {
        let mut labels: Vec<Arc<str>> = Vec::new();
        let mut ranges = Vec::new();
        let mut loaded = Vec::new();
        for source in sources {
            let file = read_file(source)?;
            loaded.push((source.path.display().to_string(), file.ranges.len()));
            for (net, label) in file.ranges {
                let label = clean_label(&label);
                let index = match labels.iter().position(|l| **l == *label) {
                    Some(i) => i,
                    None => {
                        labels.push(label.into());
                        labels.len() - 1
                    }
                };
                ranges.push(Range { net, label: index as u32, order: ranges.len() as u32 });
            }
        }
        Ok(RangeTable { labels, intervals: flatten(ranges), loaded })
    }

    /// The label of the most specific range holding `ip`.
    pub fn label(&self, ip: IpAddr) -> Option<&Arc<str>> {
        let (v6, addr) = key_of(ip);
        let k = key(v6, addr);
        let i = self.intervals.partition_point(|iv| iv.1 < k);
        let (first, _, label) = *self.intervals.get(i)?;
        (first <= k).then(|| &self.labels[label as usize])
    }

    /// Every label, in the order first read.
    pub fn labels(&self) -> &[Arc<str>] {
        &self.labels
    }

    /// The ranges labelled `label`, merged where they touch (for range blocks).
    pub fn ranges_of(&self, label: &str) -> Vec<(u128, u128)> {
        let Some(index) = self.labels.iter().position(|l| &**l == label) else { return Vec::new() };
        let mut out: Vec<(u128, u128)> = Vec::new();
        for &(a, b, _) in self.intervals.iter().filter(|iv| iv.2 as usize == index) {
            match out.last_mut() {
                Some(last) if last.1.checked_add(1) == Some(a) => last.1 = b,
                _ => out.push((a, b)),
            }
        }
        out
    }
}

/// One key space for both families: IPv4 at 0..2^32, IPv6 above it (offset by 2^32,
/// which no real IPv6 range needs: the low 2^32 of IPv6 is `::/96`, reserved).
pub fn key(v6: bool, addr: u128) -> u128 {
    if v6 {
        addr.saturating_add(1 << 32)
    } else {
        addr
    }
}

/// Lower case, name characters only, bounded: a label is shown in tables, HTML and
/// blocklist comments.
fn clean_label(label: &str) -> String {
    let mut out: String = label
        .trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() || "-_.:".contains(c) { c } else { '-' })
        .take(MAX_LABEL)
        .collect();
    if out.is_empty() {
        out.push_str("range");
    }
    out
}

/// Disjoint intervals from nested or disjoint CIDR ranges (CIDR blocks never partly
/// overlap): a sweep in address order with a stack of the ranges still open, where
/// the innermost open range labels the addresses it covers.
fn flatten(mut ranges: Vec<Range>) -> Vec<(u128, u128, u32)> {
    let span = |r: &Range| (key(r.net.v6, r.net.first()), key(r.net.v6, r.net.last()));
    // Outer before inner at the same start; among equals the first read is pushed
    // last, so it is the one on top.
    ranges.sort_by(|a, b| {
        let (sa, ea) = span(a);
        let (sb, eb) = span(b);
        sa.cmp(&sb).then(eb.cmp(&ea)).then(b.order.cmp(&a.order))
    });
    let mut out: Vec<(u128, u128, u32)> = Vec::new();
    let mut open: Vec<(u128, u32)> = Vec::new(); // (last key, label) of enclosing ranges
    let mut cursor: u128 = 0; // first key not yet labelled
    let emit = |from: u128, to: u128, label: u32, out: &mut Vec<(u128, u128, u32)>| {
        if from > to {
            return;
        }
        match out.last_mut() {
            Some(last) if last.2 == label && last.1.checked_add(1) == Some(from) => last.1 = to,
            _ => out.push((from, to, label)),
        }
    };
    for r in &ranges {
        let (start, end) = span(r);
        // Close the ranges that end before this one starts, labelling what they
        // cover up to their end.
        while let Some(&(last, label)) = open.last() {
            if last >= start {
                break;
            }
            emit(cursor, last, label, &mut out);
            cursor = cursor.max(last.saturating_add(1));
            open.pop();
        }
        if let Some(&(_, label)) = open.last() {
            if start > cursor {
                emit(cursor, start - 1, label, &mut out);
            }
        }
        cursor = cursor.max(start);
        open.push((end, r.label));
    }
    while let Some((last, label)) = open.pop() {
        emit(cursor, last, label, &mut out);
        cursor = cursor.max(last.saturating_add(1));
    }
    out
}

/// Reads one file in whichever published shape it has.
fn read_file(source: &RangeSource) -> Result<FileRanges, String> {
    let path = &source.path;
    let bytes = read_small_file(path, MAX_INPUT_FILE_BYTES).map_err(|e| format!("--ranges {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("--ranges {}: not UTF-8 text", path.display()))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let stem = file_label(path);
    let ranges = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let json: serde_json::Value =
            serde_json::from_str(trimmed).map_err(|e| format!("--ranges {}: not valid JSON ({e})", path.display()))?;
        let label = source.label.clone().unwrap_or_else(|| json_provider(&json).map_or(stem, str::to_owned));
        let mut nets = Vec::new();
        collect_json_nets(&json, &mut nets, 0);
        nets.into_iter().map(|n| (n, label.clone())).collect()
    } else {
        read_lines(trimmed, path, source.label.as_deref(), &stem)?
    };
    if ranges.is_empty() {
        return Err(format!("--ranges {}: no address range in it", path.display()));
    }
    Ok(FileRanges { ranges })
}

/// The provider a published JSON file belongs to, by the keys its publisher uses.
fn json_provider(json: &serde_json::Value) -> Option<&'static str> {
    let first_prefix = json.get("prefixes").and_then(|p| p.get(0));
    if json.get("syncToken").is_some() && first_prefix.is_some_and(|p| p.get("ip_prefix").is_some()) {
        return Some("aws");
    }
    if first_prefix.and_then(|p| p.get("service")).and_then(|s| s.as_str()) == Some("Google Cloud") {
        return Some("gcp");
    }
    let values = json.get("values").and_then(|v| v.get(0));
    if json.get("cloud").is_some() && values.is_some_and(|v| v.pointer("/properties/addressPrefixes").is_some()) {
        return Some("azure");
    }
    if json.pointer("/result/ipv4_cidrs").is_some() || json.pointer("/result/ipv6_cidrs").is_some() {
        return Some("cloudflare");
    }
    if json.pointer("/regions/0/cidrs/0/cidr").is_some() {
        return Some("oracle");
    }
    None
}

/// Every string in the document that is a CIDR range (`3.5.140.0/22`): each
/// publisher nests them differently, and no other string of theirs is one.
fn collect_json_nets(value: &serde_json::Value, out: &mut Vec<Net>, depth: usize) {
    // serde_json's own recursion limit (128) bounds this too; ours is stated.
    if depth > 64 {
        return;
    }
    match value {
        serde_json::Value::String(s) if s.contains('/') => {
            if let Some(net) = parse_net(s) {
                out.push(net);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_json_nets(v, out, depth + 1)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_json_nets(v, out, depth + 1)),
        _ => {}
    }
}

/// Text shapes: a list of CIDRs a line (Cloudflare's ips-v4), `cidr,label` CSV, or a
/// geofeed (RFC 8805: `prefix,country,region,city,postal`, as DigitalOcean
/// publishes), whose columns after the prefix are places, not labels.
fn read_lines(text: &str, path: &Path, label: Option<&str>, stem: &str) -> Result<Vec<(Net, String)>, String> {
    let mut out = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cells = line.split(',').map(str::trim);
        let cidr = cells.next().unwrap_or_default();
        let rest: Vec<&str> = cells.collect();
        let net = match parse_net(cidr) {
            Some(net) => net,
            // A header row (`cidr,label`, `prefix,country,...`) before the first range.
            None if out.is_empty() && !header_seen => {
                header_seen = true;
                continue;
            }
            None => {
                let shown = crate::vocab::text::for_terminal(&cidr.chars().take(60).collect::<String>());
                return Err(format!("--ranges {}:{}: not an address range: {shown}", path.display(), i + 1));
            }
        };
        let name = match (label, rest.as_slice()) {
            (Some(l), _) => l.to_owned(),
            (None, [one]) if !one.is_empty() => (*one).to_owned(),
            _ => stem.to_owned(),
        };
        out.push((net, name));
    }
    Ok(out)
}

/// `203.0.113.0/24` or one address; host bits are cleared (`203.0.113.7/24` is the /24).
fn parse_net(text: &str) -> Option<Net> {
    match text.parse::<ipnet::IpNet>() {
        Ok(net) => Some(Net::from(net.trunc())),
        Err(_) => text.parse::<IpAddr>().ok().map(Net::of_ip),
    }
}

/// The file's name without extension (`googlebot.json` labels `googlebot`).
fn file_label(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).map_or("ranges", |s| s).to_owned()
}

#[cfg(test)]
mod tests;
