//! Discovery: walks the given paths, recognises log families by name (or by sniffing
//! the first lines), skips binary logs with a note, and returns the files grouped by
//! rotation, oldest first, each with the format its lines will be parsed in.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::journal::{self, binary, JournalKind};
use super::rotation::{split_rotation, RotationRank};
use super::source::{self, Compression};
use super::spool;
use crate::vocab::event::Format;

/// What a file is, as far as its name (or, failing that, its content) tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    ApacheAccess,
    ApacheError,
    NginxAccess,
    NginxError,
    Auth,
    Syslog,
    Squid,
    Lighttpd,
    Audit,
    /// systemd journal: binary files and export/JSON dumps (`LogFile::journal`).
    Journal,
    /// Not known by name; the format was found by sniffing the content.
    Sniffed,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::ApacheAccess => "apache_access",
            Family::ApacheError => "apache_error",
            Family::NginxAccess => "nginx_access",
            Family::NginxError => "nginx_error",
            Family::Auth => "auth",
            Family::Syslog => "syslog",
            Family::Squid => "squid",
            Family::Lighttpd => "lighttpd",
            Family::Audit => "audit",
            Family::Journal => "journal",
            Family::Sniffed => "sniffed",
        }
    }

    /// The format a file of this family is read in when its first lines say nothing.
    fn default_format(self) -> Option<Format> {
        Some(match self {
            Family::ApacheAccess | Family::NginxAccess => Format::Access,
            Family::ApacheError => Format::ApacheError,
            Family::NginxError => Format::NginxError,
            Family::Auth | Family::Syslog => Format::Syslog,
            Family::Squid => Format::Squid,
            Family::Lighttpd => Format::LighttpdError,
            Family::Audit => Format::Audit,
            Family::Journal | Family::Sniffed => return None,
        })
    }
}

/// One log file to read.
#[derive(Clone, Debug)]
pub struct LogFile {
    pub path: PathBuf,
    pub family: Family,
    pub format: Format,
    pub compression: Compression,
    /// Bytes on disk when discovered; plain files are read up to this size.
    pub size: u64,
    pub mtime: SystemTime,
    /// Directory + base name shared by the rotated siblings.
    pub group: String,
    pub rank: RotationRank,
    /// Set for journal sources, whose entries are rendered as syslog lines (`format`
    /// is then Syslog).
    pub journal: Option<JournalKind>,
    /// For a stream (`-`, a pipe): the private copy that is read; `path` is then the
    /// stream's name as shown.
    pub stream_copy: Option<PathBuf>,
}

impl LogFile {
    /// The file whose bytes are read: the stream's copy, or `path` itself.
    pub fn source_path(&self) -> &Path {
        self.stream_copy.as_deref().unwrap_or(&self.path)
    }

    /// True for the newest member of a rotation group, which may still be written to.
    pub fn is_live(&self) -> bool {
        self.rank == RotationRank::Live
    }
}

/// A file that was passed over, and why. `warning` ones make the exit code 2.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
    pub warning: bool,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Grouped by rotation (groups in path order), each group oldest to newest.
    pub files: Vec<LogFile>,
    pub skipped: Vec<Skipped>,
    /// The copies of the streams read (deleted when the discovery is dropped).
    pub stream_copies: Vec<tempfile::NamedTempFile>,
}

impl Discovery {
    /// The files' size on disk, in all.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Names of binary login records: never text, always skipped with a note.
const BINARY_NAMES: [&str; 6] = ["wtmp", "btmp", "lastlog", "faillog", "utmp", "tallylog"];

/// How many bytes of (decompressed) content are sniffed.
const SNIFF_BYTES: usize = 64 * 1024;

/// Tells the format of a file from its first (decompressed) bytes, if any: the
/// parsers know the formats, so the caller hands their sniffer in.
pub type Sniffer = fn(&[u8]) -> Option<Format>;

/// Walks `paths` and classifies every regular file found; copies the streams among
/// them (`-`, pipes) first. `forced` overrides format detection for every file
/// (`--log-format`).
pub fn discover(paths: &[PathBuf], forced: Option<Format>, sniff: Sniffer) -> Discovery {
    let mut found = Vec::new();
    let mut out = Discovery::default();
    let mut streams = Vec::new();
    for path in paths {
        if spool::is_stream(path) {
            match spool::spool(path) {
                Ok(copy) => streams.push(copy),
                Err(reason) => out.skipped.push(Skipped { path: spool::shown_name(path), reason, warning: true }),
            }
        } else {
            walk(path, true, &mut found, &mut out.skipped);
        }
    }
    found.sort();
    found.dedup();
    let mut groups: BTreeMap<String, Vec<LogFile>> = BTreeMap::new();
    for stream in streams {
        if let Some(reason) = stream.error.clone() {
            out.skipped.push(Skipped { path: stream.name.clone(), reason, warning: true });
        }
        // A stream is a rotation group of its own, whatever its name says.
        match classify(&stream.name, stream.copy.path(), forced, sniff) {
            Ok(mut file) => {
                file.stream_copy = Some(stream.copy.path().to_owned());
                file.group = stream.name.display().to_string();
                file.rank = RotationRank::Live;
                groups.entry(file.group.clone()).or_default().push(file);
            }
            Err(skip) => out.skipped.push(skip),
        }
        out.stream_copies.push(stream.copy);
    }
    for path in found {
        match classify(&path, &path, forced, sniff) {
            Ok(file) => groups.entry(file.group.clone()).or_default().push(file),
            Err(skip) => out.skipped.push(skip),
        }
    }
    for (_, mut members) in groups {
        members.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.path.cmp(&b.path)));
        out.files.extend(members);
    }
    // Journals first: they are the reference copy their auth.log twins are checked
    // against (the scan reads them first whatever the order; this only spares buffering).
    out.files.sort_by_key(|f| f.journal.is_none());
    out
}

fn walk(path: &Path, explicit: bool, found: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            skipped.push(Skipped { path: path.to_owned(), reason: format!("cannot read: {e}"), warning: true });
            return;
        }
    };
    // Follow a symlink only when the user named it; inside a tree, links may loop (or
    // lead to /dev/zero, or out of the tree).
    let meta = if meta.file_type().is_symlink() {
        if !explicit {
            let reason = "symbolic link inside the tree, not followed".to_owned();
            skipped.push(Skipped { path: path.to_owned(), reason, warning: false });
            return;
        }
        match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                skipped.push(Skipped { path: path.to_owned(), reason: format!("broken link: {e}"), warning: true });
                return;
            }
        }
    } else {
        meta
    };
    if meta.is_dir() {
        let entries = match fs::read_dir(path) {
            Ok(e) => e,
            Err(e) => {
                skipped.push(Skipped {
                    path: path.to_owned(),
                    reason: format!("cannot list directory: {e}"),
                    warning: true,
                });
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            walk(&child, false, found, skipped);
        }
    } else if meta.is_file() {
        found.push(path.to_owned());
    } else {
        // A FIFO in a tree would block the scan and a device never end: never opened
        // (FIFOs named on the command line are streams, see `spool`). A device named
        // on the command line is input the user expected read (a warning); met in a
        // tree, a note.
        let reason = format!("not a regular file but {}, not read", special_kind(&meta.file_type()));
        skipped.push(Skipped { path: path.to_owned(), reason, warning: explicit });
    }
}

fn special_kind(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match () {
        _ if kind.is_fifo() => "a FIFO",
        _ if kind.is_char_device() => "a character device",
        _ if kind.is_block_device() => "a block device",
        _ if kind.is_socket() => "a socket",
        _ => "of an unknown kind",
    }
}

/// Decides whether and how a file is read: `path` as it is named, its bytes read from
/// `read` (the same path, or a stream's copy).
fn classify(path: &Path, read: &Path, forced: Option<Format>, sniff: Sniffer) -> Result<LogFile, Skipped> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let note = |reason: &str, warning: bool| Skipped { path: path.to_owned(), reason: reason.to_owned(), warning };
    let (base, rank) = split_rotation(&name);
    if BINARY_NAMES.contains(&base.as_str()) {
        return Err(note("binary login records, not read", false));
    }
    let meta = fs::metadata(read).map_err(|e| note(&format!("cannot stat: {e}"), true))?;
    if name.ends_with(".journal") || name.ends_with(".journal~") {
        if meta.len() == 0 {
            return Err(note("empty", false));
        }
        return journal_file(path, read, &name, &meta).map_err(|why| note(&why, true));
    }
    let head = source::read_text_head(read, SNIFF_BYTES).map_err(|e| note(&format!("cannot open: {e}"), true))?;
    let compression = head.compression;
    if let Compression::Unsupported(kind) = compression {
        return Err(note(
            &format!("{kind}-compressed: not supported, decompress it first (e.g. with {kind} -d)"),
            true,
        ));
    }
    if head.bytes.is_empty() {
        return Err(note("empty", false));
    }
    let dir = path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(kind) = journal::export::sniff(&head.bytes) {
        return Ok(LogFile {
            path: path.to_owned(),
            family: Family::Journal,
            format: Format::Syslog,
            compression,
            size: meta.len(),
            mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            group: format!("{dir}/{base}"),
            rank,
            journal: Some(kind),
            stream_copy: None,
        });
    }
    // A stray NUL (or a run of them) in a text log must not hide its lines: a file
    // whose first lines read as a log is one, and only a file that reads as none is
    // judged binary; that is a warning, as it may hide a log.
    let family = family_by_name(path, &base);
    let sniffed = sniff(&head.bytes);
    if sniffed.is_none() && looks_binary(&head.bytes) {
        return Err(note("binary content, not a text log", true));
    }
    let format = match (forced, sniffed, family.and_then(Family::default_format)) {
        (Some(f), _, _) => f,
        (None, Some(f), _) => f,
        (None, None, Some(f)) => f,
        (None, None, None) => return Err(note("not a log format knocklog reads", false)),
    };
    Ok(LogFile {
        path: path.to_owned(),
        family: family.unwrap_or(Family::Sniffed),
        format,
        compression,
        size: meta.len(),
        mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        group: format!("{dir}/{base}"),
        rank,
        journal: None,
        stream_copy: None,
    })
}

/// A binary journal file: `system.journal` is the live member of group `system`,
/// archived `system@...journal` and put-aside `system@...journal~` files are ordered by
/// the time of their first entry (from the header; from the name if the header has none).
fn journal_file(path: &Path, read: &Path, name: &str, meta: &fs::Metadata) -> Result<LogFile, String> {
    let mut head = Vec::with_capacity(256);
    source::open_regular(read)
        .and_then(|f| f.take(256).read_to_end(&mut head))
        .map_err(|e| format!("cannot open: {e}"))?;
    let header = binary::Header::parse(&head)?;
    let stem = name.trim_end_matches('~').trim_end_matches(".journal");
    let (base, archived) = match stem.split_once('@') {
        Some((base, rest)) => (base, Some(rest)),
        None => (stem, None),
    };
    let rank = match archived {
        None => RotationRank::Live,
        Some(rest) => {
            // `<seqnum id>-<head seqnum>-<head realtime>` (archived) or `<realtime>-<random>` (`~`).
            let from_name = || {
                let fields: Vec<&str> = rest.split('-').collect();
                let hex = if fields.len() == 3 { fields[2] } else { fields[0] };
                u64::from_str_radix(hex, 16).ok()
            };
            let head_realtime = Some(header.head_realtime).filter(|&t| t != 0).or_else(from_name).unwrap_or(0);
            RotationRank::Dated(head_realtime)
        }
    };
    let dir = path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(LogFile {
        path: path.to_owned(),
        family: Family::Journal,
        format: Format::Syslog,
        compression: Compression::None,
        size: meta.len(),
        mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        group: format!("{dir}/{base}.journal"),
        rank,
        journal: Some(JournalKind::Binary),
        stream_copy: None,
    })
}

/// Binary files have NUL bytes; text logs essentially never do (a stray one is fine).
fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    sample.iter().filter(|&&c| c == 0).count() * 100 > sample.len()
}

/// Recognises the well-known /var/log names (the base name, rotation suffix removed).
fn family_by_name(path: &Path, base: &str) -> Option<Family> {
    let in_dir = |d: &str| path.components().any(|c| c.as_os_str().to_string_lossy().contains(d));
    let nginx = in_dir("nginx");
    let is_access = base == "access_log"
        || base.ends_with("access.log")
        || base.ends_with("access_log")
        || base == "other_vhosts_access.log";
    let is_error = base == "error_log" || base.ends_with("error.log") || base.ends_with("error_log");
    Some(match base {
        _ if is_access && nginx => Family::NginxAccess,
        _ if is_access => Family::ApacheAccess,
        _ if is_error && nginx => Family::NginxError,
        _ if is_error && in_dir("lighttpd") => Family::Lighttpd,
        _ if is_error => Family::ApacheError,
        "auth.log" | "secure" | "authlog" => Family::Auth,
        "syslog" | "messages" | "daemon.log" | "user.log" | "kern.log" | "mail.log" => Family::Syslog,
        "audit.log" => Family::Audit,
        _ if in_dir("squid") && base.starts_with("access") => Family::Squid,
        _ if nginx && base.ends_with(".log") => Family::NginxAccess,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_name() {
        let f = |p: &str| {
            family_by_name(Path::new(p), &split_rotation(Path::new(p).file_name().unwrap().to_str().unwrap()).0)
        };
        assert_eq!(f("/var/log/apache2/access.log.2.gz"), Some(Family::ApacheAccess));
        assert_eq!(f("/var/log/apache2/other_vhosts_access.log"), Some(Family::ApacheAccess));
        assert_eq!(f("/var/log/apache2/shop.example.com.access.log"), Some(Family::ApacheAccess));
        assert_eq!(f("/var/log/nginx/error.log.1"), Some(Family::NginxError));
        assert_eq!(f("/var/log/nginx/shop.log"), Some(Family::NginxAccess));
        assert_eq!(f("/var/log/httpd/error_log-20260105"), Some(Family::ApacheError));
        assert_eq!(f("/var/log/secure-20260105.gz"), Some(Family::Auth));
        assert_eq!(f("/var/log/messages"), Some(Family::Syslog));
        assert_eq!(f("/var/log/dpkg.log"), None);
    }
}
