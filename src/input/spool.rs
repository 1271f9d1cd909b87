//! Streams named on the command line (`-` for standard input, a pipe such as bash's
//! `<(zcat old.gz)`): copied into a private temporary file, which is then read like any
//! log file. The copy is what lets a stream be read in parallel ranges, sniffed for its
//! format and compression, and read twice where yearless syslog needs it (see `years`);
//! it is deleted when the scan ends.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How a stream is named in messages, tables and summary.json.
pub const STDIN_NAME: &str = "<stdin>";

/// Bytes copied per read.
const COPY_BYTES: usize = 1 << 20;

/// A stream's private copy.
#[derive(Debug)]
pub struct Spooled {
    /// The stream as the user named it (`<stdin>` for `-`).
    pub name: PathBuf,
    /// The copy (deleted when dropped).
    pub copy: tempfile::NamedTempFile,
    /// Set when the stream failed before its end: what was copied before is kept.
    pub error: Option<String>,
}

/// True for a command-line path that is read as a stream: `-`, or a FIFO or pipe
/// (`/dev/stdin` on a pipe, `/dev/fd/63` from process substitution).
pub fn is_stream(path: &Path) -> bool {
    path.as_os_str() == "-" || fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// The name a stream argument is shown under.
pub fn shown_name(path: &Path) -> PathBuf {
    if path.as_os_str() == "-" {
        PathBuf::from(STDIN_NAME)
    } else {
        path.to_owned()
    }
}

/// Copies the stream `path` names into a temporary file. Err (a reason to show) when it
/// cannot be opened or brings no byte (a FIFO that nobody writes to).
pub fn spool(path: &Path) -> Result<Spooled, String> {
    let stdin = path.as_os_str() == "-";
    let name = shown_name(path);
    let mut copy = tempfile::Builder::new()
        .prefix("knocklog-stream-")
        .tempfile()
        .map_err(|e| format!("cannot make a temporary copy of the stream: {e}"))?;
    let copied = if stdin {
        copy_all(&mut io::stdin().lock(), copy.as_file_mut())
    } else {
        let mut fifo = open_fifo(path)?;
        copy_all(&mut fifo, copy.as_file_mut())
    };
    let error = match copied {
        // Named on the command line, a stream was expected to bring lines.
        Ok(0) => return Err("no bytes came from it (nothing wrote to it)".to_owned()),
        Ok(_) => None,
        Err((bytes, e)) => Some(format!("the stream failed after {bytes} bytes ({e}); the lines before were read")),
    };
    Ok(Spooled { name, copy, error })
}

/// Opens a FIFO without waiting for a writer (an ordinary open of one that nobody
/// writes to would wait for ever), then reads it blocking: reads wait for the writer's
/// next bytes and end when it closes its end, or at once when there is no writer.
fn open_fifo(path: &Path) -> Result<File, String> {
    use std::os::fd::AsRawFd;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot open: {e}"))?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with integer flags only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(format!("cannot read: {}", io::Error::last_os_error()));
    }
    Ok(file)
}

/// Copies `from` to its end; on a failure, the bytes copied before it and the error.
fn copy_all(from: &mut impl Read, to: &mut File) -> Result<u64, (u64, io::Error)> {
    let mut buf = vec![0u8; COPY_BYTES];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((total, e)),
        };
        to.write_all(&buf[..n]).map_err(|e| (total, e))?;
        total += n as u64;
    }
    to.flush().map_err(|e| (total, e))?;
    Ok(total)
}
