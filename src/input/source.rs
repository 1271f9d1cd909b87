//! Reading a file's bytes: compression detected from magic bytes, plain files cut into
//! newline-aligned byte ranges read with pread into reused buffers, compressed archives
//! (gzip, bzip2, xz, zstd) streamed through their decoder in newline-aligned chunks.
//!
//! Nothing is memory-mapped. A mapped file that someone truncates kills the process
//! with SIGBUS, and knocklog reads files that other users (and logrotate's
//! copytruncate) can truncate at any time; with pread a shrunk file is a short read,
//! which is reported. Measured on the 1 GB bench corpus, the copy costs 1-3% of a
//! scan's CPU (benches/RESULTS.md, Performance).

use std::fs::File;
use std::io::{self, BufRead, Read, Seek};
use std::os::unix::fs::FileExt;
use std::path::Path;

use flate2::bufread::GzDecoder;

use crate::vocab::progress::BytesRead;

/// The memory an xz stream may ask its decoder to reserve: the .xz format's largest
/// dictionary (1.5 GiB, `xz --lzma2=dict=1536MiB`) and its bookkeeping, so that no
/// valid archive is refused. Only the .xz format is decoded, never the legacy .lzma
/// header whose 32-bit dictionary field lets 19 attacker bytes reserve 4 GiB (found by
/// fuzzing). The dictionary is touched only as output is decoded, and the output is
/// capped, so the pages an archive really costs stay bounded by that cap.
const XZ_MEMORY_LIMIT: u64 = 1600 << 20;

/// How a file's bytes are stored, from its first bytes (never from its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    /// gzip, concatenated members included (logrotate's default).
    Gzip,
    Bzip2,
    Xz,
    Zstd,
    /// lz4 frames: recognised so the user gets a clear message.
    Unsupported(&'static str),
}

impl Compression {
    pub fn from_magic(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', ..] => Compression::Bzip2,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            [0x04, 0x22, 0x4d, 0x18, ..] => Compression::Unsupported("lz4"),
            _ => Compression::None,
        }
    }

    /// True for an archive knocklog decompresses as it reads.
    pub fn is_compressed(self) -> bool {
        matches!(self, Compression::Gzip | Compression::Bzip2 | Compression::Xz | Compression::Zstd)
    }

    /// `gzip`, `bzip2`, `xz`, `zstd`; None for plain text.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gzip"),
            Compression::Bzip2 => Some("bzip2"),
            Compression::Xz => Some("xz"),
            Compression::Zstd => Some("zstd"),
            Compression::Unsupported(name) => Some(name),
        }
    }

    /// `input` decompressed, every concatenated member or frame of it; `input` itself
    /// for plain text.
    pub fn decoder<'a, R: BufRead + Send + 'a>(self, input: R) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Compression::Gzip => Box::new(GzipMembers::new(input)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
            Compression::Xz => {
                let stream =
                    liblzma::stream::Stream::new_stream_decoder(XZ_MEMORY_LIMIT, liblzma::stream::CONCATENATED)
                        .map_err(io::Error::other)?;
                Box::new(liblzma::bufread::XzDecoder::new_stream(input, stream))
            }
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
            Compression::None => Box::new(input),
            Compression::Unsupported(name) => {
                return Err(io::Error::new(io::ErrorKind::Unsupported, format!("{name}-compressed")))
            }
        })
    }
}

/// A gzip file's members one after the other, as `gzip -d` reads them. Bytes after a
/// complete member that do not open another (padding a copy tool added, zeroes of a
/// preallocated file) end the stream with a `TrailingGarbage` error: every line was
/// read, unlike a member cut short or corrupt, whose error is the decoder's own.
struct GzipMembers<R> {
    member: Option<GzDecoder<R>>,
    between: Option<R>,
    complete: u64,
}

/// The error a gzip stream ends with when bytes that are no gzip member follow its last
/// complete member.
#[derive(Debug)]
pub struct TrailingGarbage {
    pub members: u64,
}

impl std::fmt::Display for TrailingGarbage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "trailing garbage ignored after gzip member {}", self.members)
    }
}

impl std::error::Error for TrailingGarbage {}

/// True when a read error is `TrailingGarbage`: the archive was read whole.
pub fn is_trailing_garbage(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<TrailingGarbage>())
}

impl<R: BufRead> GzipMembers<R> {
    fn new(input: R) -> Self {
        GzipMembers { member: Some(GzDecoder::new(input)), between: None, complete: 0 }
    }
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(member) = &mut self.member {
                let n = member.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                // The member ended, its trailer checked; the input stands just after it.
                self.complete += 1;
                self.between = self.member.take().map(GzDecoder::into_inner);
            }
            let Some(input) = &mut self.between else { return Ok(0) };
            let rest = input.fill_buf()?;
            if rest.is_empty() {
                return Ok(0);
            }
            // A magic split by the buffer's end (one byte left) is given the benefit of
            // the doubt: the decoder then tells a member from damage (a lone 0x1f at the
            // very end is then read as a member cut short).
            if !(rest.starts_with(&[0x1f, 0x8b]) || rest == [0x1f]) {
                self.between = None;
                return Err(io::Error::new(io::ErrorKind::InvalidData, TrailingGarbage { members: self.complete }));
            }
            self.member = self.between.take().map(GzDecoder::new);
        }
    }
}

/// Opens a file the scan reads, refusing anything but a regular file. A FIFO is opened
/// without blocking and then refused: the tree is writable by others, and a log the
/// walk saw as a regular file can be a FIFO by the time it is opened, which a plain
/// open would wait on forever (and a device like /dev/zero would be read forever).
pub fn open_regular(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    let kind = file.metadata()?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    let what = match () {
        _ if kind.is_fifo() => "a FIFO",
        _ if kind.is_char_device() => "a character device",
        _ if kind.is_block_device() => "a block device",
        _ if kind.is_socket() => "a socket",
        _ if kind.is_dir() => "a directory",
        _ => "not a file",
    };
    Err(io::Error::new(io::ErrorKind::InvalidInput, format!("not a regular file but {what}")))
}

/// The first bytes of a file's content, decompressed.
pub struct Head {
    pub compression: Compression,
    pub bytes: Vec<u8>,
}

/// Reads up to `limit` content bytes from the start of a file (the rotation
/// fingerprints of the history store are these bytes).
pub fn read_head(path: &Path, limit: usize) -> io::Result<Head> {
    read_head_after_hole(path, limit, false)
}

/// Like `read_head`, but the content's first bytes after a leading NUL hole: what a
/// scan reads, for telling the file's format.
pub fn read_text_head(path: &Path, limit: usize) -> io::Result<Head> {
    read_head_after_hole(path, limit, true)
}

fn read_head_after_hole(path: &Path, limit: usize, skip_hole: bool) -> io::Result<Head> {
    let mut file = open_regular(path)?;
    let mut magic = [0u8; 6];
    let n = file.read_at(&mut magic, 0)?;
    let compression = Compression::from_magic(&magic[..n]);
    let mut bytes = Vec::with_capacity(limit.min(1 << 16));
    match compression {
        Compression::None => {
            if skip_hole {
                let hole = leading_nuls(&file, file.metadata()?.len())?;
                file.seek(io::SeekFrom::Start(hole))?;
            }
            file.take(limit as u64).read_to_end(&mut bytes)?;
        }
        Compression::Unsupported(_) => {}
        compressed => {
            let mut decoder = io::BufReader::new(compressed.decoder(io::BufReader::new(file))?);
            // A truncated or corrupt archive still shows its first lines (the error is
            // reported when the file is read in full); a hole is skipped for at most
            // 64 MiB here, which is enough to see the lines of any real log.
            if skip_hole {
                let _ = skip_leading_nuls(&mut (&mut decoder).take(64 << 20));
            }
            let mut limited = decoder.take(limit as u64);
            let mut buf = [0u8; 8192];
            loop {
                match limited.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => bytes.extend_from_slice(&buf[..n]),
                }
            }
        }
    }
    Ok(Head { compression, bytes })
}

/// The longest line read whole; the rest of a longer one is skipped and counted. A
/// corrupt or hostile file can be gigabytes without a newline, and a line is held in
/// memory whole (several times over, as it is parsed and kept).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A newline-aligned byte range of a plain file, and what follows it unread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainRange {
    pub start: u64,
    pub end: u64,
    /// Bytes after `end` that are skipped: the rest of an over-long line (this range is
    /// its first `max_line` bytes), up to and including its newline.
    pub skipped_after: u64,
}

/// The NUL bytes a plain file starts with: the hole that copytruncate leaves when the
/// writer does not append (it goes on writing at its old offset into the emptied
/// file). What follows the hole starts with a line.
pub fn leading_nuls(file: &File, size: u64) -> io::Result<u64> {
    let mut probe = vec![0u8; 64 * 1024];
    let mut pos = 0u64;
    while pos < size {
        pos = next_data(file, pos).min(size);
        if pos == size {
            break;
        }
        let want = probe.len().min((size - pos) as usize);
        let n = file.read_at(&mut probe[..want], pos)?;
        if n == 0 {
            break;
        }
        match probe[..n].iter().position(|&c| c != 0) {
            Some(i) => return Ok(pos + i as u64),
            None => pos += n as u64,
        }
    }
    Ok(pos)
}

/// Drops the NUL bytes `reader` starts with (see `leading_nuls`); returns how many.
pub fn skip_leading_nuls<R: BufRead>(reader: &mut R) -> io::Result<u64> {
    let mut skipped = 0u64;
    loop {
        let (zeros, available) = {
            let buf = reader.fill_buf()?;
            (buf.iter().position(|&c| c != 0).unwrap_or(buf.len()), buf.len())
        };
        reader.consume(zeros);
        skipped += zeros as u64;
        if available == 0 || zeros < available {
            return Ok(skipped);
        }
    }
}

/// Cuts `[0, size)` of a plain file into ranges of about `target` bytes, each ending
/// just after a newline (or at `size`), so that every line falls in exactly one range.
pub fn plain_ranges(file: &File, size: u64, target: u64, max_line: usize) -> io::Result<Vec<PlainRange>> {
    plain_ranges_from(file, 0, size, target, max_line)
}

/// `plain_ranges` over `[from, size)`; `from` must be a line start (0, or just after a
/// newline), as when a history scan resumes after the lines it already holds. A line
/// longer than `max_line` that crosses a range's nominal end gets a range of its own,
/// its first `max_line` bytes, and the rest is skipped (`PlainRange::skipped_after`);
/// so no range is much longer than `target + max_line`, whatever the file holds.
/// (Over-long lines inside a range are cut by the line scanner.)
pub fn plain_ranges_from(
    file: &File,
    from: u64,
    size: u64,
    target: u64,
    max_line: usize,
) -> io::Result<Vec<PlainRange>> {
    let max_line = max_line as u64;
    let mut probe = vec![0u8; 64 * 1024];
    let mut ranges = Vec::new();
    let mut start = from;
    while start < size {
        let nominal = start.saturating_add(target);
        if nominal >= size {
            ranges.push(PlainRange { start, end: size, skipped_after: 0 });
            break;
        }
        let limit = nominal.saturating_add(max_line).min(size);
        if let Some(i) = newline_in(file, &mut probe, nominal, limit)? {
            ranges.push(PlainRange { start, end: i + 1, skipped_after: 0 });
            start = i + 1;
            continue;
        }
        if limit == size {
            ranges.push(PlainRange { start, end: size, skipped_after: 0 });
            break;
        }
        // The line crossing `nominal` is over-long: the lines before it, then its
        // first `max_line` bytes, then skip to its newline.
        let line_start = last_newline_in(file, &mut probe, start, nominal)?.map_or(start, |i| i + 1);
        if line_start > start {
            ranges.push(PlainRange { start, end: line_start, skipped_after: 0 });
        }
        let kept_end = line_start + max_line;
        let resume = newline_in(file, &mut probe, kept_end, size)?.map_or(size, |i| i + 1);
        ranges.push(PlainRange { start: line_start, end: kept_end, skipped_after: resume - kept_end });
        start = resume;
    }
    Ok(ranges)
}

/// Where the next bytes stored on disk start at or after `at`: holes of a sparse file
/// read as NULs, hold no newline and cost no disk, so a hostile file can be terabytes
/// of them; reading them took about a second per GB. `at` itself where the file system
/// cannot tell, `u64::MAX` when only a hole follows.
fn next_data(file: &File, at: u64) -> u64 {
    use std::os::fd::AsRawFd;
    let Ok(offset) = libc::off_t::try_from(at) else { return at };
    // SAFETY: lseek on a descriptor we own; the position it moves is never used (every
    // read is a pread), so threads sharing the file are unaffected.
    match unsafe { libc::lseek(file.as_raw_fd(), offset, libc::SEEK_DATA) } {
        found if found >= 0 => (found as u64).max(at),
        _ if io::Error::last_os_error().raw_os_error() == Some(libc::ENXIO) => u64::MAX,
        _ => at,
    }
}

/// The first newline in `[from, to)` of `file`.
fn newline_in(file: &File, probe: &mut [u8], mut from: u64, to: u64) -> io::Result<Option<u64>> {
    while from < to {
        from = next_data(file, from);
        if from >= to {
            return Ok(None);
        }
        let want = probe.len().min((to - from) as usize);
        let n = file.read_at(&mut probe[..want], from)?;
        if n == 0 {
            return Ok(None);
        }
        if let Some(i) = memchr::memchr(b'\n', &probe[..n]) {
            return Ok(Some(from + i as u64));
        }
        from += n as u64;
    }
    Ok(None)
}

/// The last newline in `[from, to)` of `file`, read backwards.
fn last_newline_in(file: &File, probe: &mut [u8], from: u64, mut to: u64) -> io::Result<Option<u64>> {
    while to > from {
        let want = probe.len().min((to - from) as usize);
        let at = to - want as u64;
        let n = file.read_at(&mut probe[..want], at)?;
        if let Some(i) = memchr::memrchr(b'\n', &probe[..n]) {
            return Ok(Some(at + i as u64));
        }
        to = at;
    }
    Ok(None)
}

/// Cuts `data` into at most `pieces` ranges of about equal size, each ending just after
/// a newline (the last one at the end of `data`), so that every line falls in exactly
/// one range. Empty data gives no range.
pub fn line_pieces(data: &[u8], pieces: usize) -> Vec<std::ops::Range<usize>> {
    let target = data.len().div_ceil(pieces.max(1)).max(1) as u64;
    let newline = |pos: u64| {
        Ok::<_, std::convert::Infallible>(memchr::memchr(b'\n', &data[pos as usize..]).map(|i| pos + i as u64))
    };
    let Ok(ranges) = cut_at_newlines(0, data.len() as u64, target, newline);
    ranges.into_iter().map(|(start, end)| start as usize..end as usize).collect()
}

/// The cutting rule of `line_pieces`: from `start`, ranges
/// of about `target` bytes over `[start, size)`, each ending just after the first
/// newline at or after its nominal end (`newline_from(pos)` finds it; None: there is
/// none before `size`, and the range runs to `size`).
fn cut_at_newlines<E>(
    mut start: u64,
    size: u64,
    target: u64,
    mut newline_from: impl FnMut(u64) -> Result<Option<u64>, E>,
) -> Result<Vec<(u64, u64)>, E> {
    let mut ranges = Vec::new();
    while start < size {
        let nominal = start.saturating_add(target);
        let end = match nominal < size {
            true => newline_from(nominal)?.map_or(size, |i| i + 1),
            false => size,
        };
        ranges.push((start, end));
        start = end;
    }
    Ok(ranges)
}

/// Calls `f` with the bytes `[start, end)` of a plain file, read with pread into a
/// buffer reused by the thread (one range at a time, so memory stays bounded however
/// large the file). Returns what `f` returned, how many bytes were there (fewer than
/// asked when the file shrank while it was read) and, then, how many bytes of a line
/// cut by the shrink were kept from `f`: a cut line can name a different address than
/// the one written (203.0.113.25 cut to 203.0.113.2), so it is never parsed.
pub fn with_range<R>(file: &File, start: u64, end: u64, f: impl FnOnce(&[u8]) -> R) -> io::Result<(R, u64, u64)> {
    let len = (end - start) as usize;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|cell| {
        // Taken out of the cell so that a nested call (none today) could not alias it.
        let mut buf = cell.take();
        buf.resize(len, 0);
        let mut done = 0;
        while done < len {
            match file.read_at(&mut buf[done..], start + done as u64) {
                // The file shrank while we read it: keep what was there.
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    cell.replace(buf);
                    return Err(e);
                }
            }
        }
        let complete = if done < len { memchr::memrchr(b'\n', &buf[..done]).map_or(0, |i| i + 1) } else { done };
        let result = f(&buf[..complete]);
        cell.replace(buf);
        Ok((result, done as u64, (done - complete) as u64))
    })
}

/// A reader that counts the bytes taken from disk, for the progress bar.
pub struct Counted<R> {
    inner: R,
    counter: BytesRead,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.add(n as u64);
        Ok(n)
    }
}

/// One decompressed, newline-aligned piece of a compressed file. Its buffer goes back to
/// `DecodedChunks::recycle` so that a scan allocates (and zero-fills) only a few buffers.
pub struct DecodedChunk {
    buf: Vec<u8>,
    len: usize,
    /// Content bytes skipped after this chunk: the rest of an over-long line (the
    /// chunk ends with its first `max_line` bytes), its newline included.
    pub skipped_after: u64,
}

impl DecodedChunk {
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// An archive's compressed bytes, the first `size` (its size when the scan listed it),
/// read through a buffer and counted for the progress bar.
type Compressed = io::BufReader<Counted<io::Take<File>>>;

fn open_compressed(file: File, size: u64, read: BytesRead) -> Compressed {
    io::BufReader::with_capacity(256 * 1024, Counted { inner: file.take(size), counter: read })
}

/// How far a chunk reads past a partial line carried from the previous one.
pub const READ_PAST_CARRY: usize = 64 * 1024;

/// Streams a compressed file (all concatenated members or frames) as newline-aligned
/// chunks of about `chunk` bytes, at most `max(chunk, 2 * READ_PAST_CARRY) +
/// READ_PAST_CARRY`. The last chunk may end without a newline.
pub struct DecodedChunks {
    decoder: Box<dyn Read + Send>,
    carry: Vec<u8>,
    spare: Vec<Vec<u8>>,
    chunk: usize,
    max_line: usize,
    done: bool,
    /// The NUL bytes the content started with, dropped (see `leading_nuls`); the
    /// first chunk starts just after them.
    pub leading_nuls: u64,
    /// Set when the stream ended with an error (truncated or corrupt archive).
    pub error: Option<io::Error>,
    /// The bytes after the last newline when the stream broke off: the start of a line
    /// whose end is lost. They are dropped, not parsed, because a cut line can name a
    /// different address than the one written (203.0.113.25 cut to 203.0.113.2).
    pub cut_line_bytes: u64,
}

impl DecodedChunks {
    /// The compressed bytes read are added to `read`; lines longer than `max_line` are
    /// cut there (see `DecodedChunk::skipped_after`).
    pub fn open(
        file: File,
        size: u64,
        compression: Compression,
        chunk: usize,
        max_line: usize,
        read: BytesRead,
    ) -> io::Result<DecodedChunks> {
        DecodedChunks::from_reader(open_compressed(file, size, read), compression, chunk, max_line)
    }

    /// `open` over compressed bytes from any reader: the fuzz entry points (`fuzzing`)
    /// hand in bytes from memory, so that they drive the very chunking a scan does.
    #[doc(hidden)]
    pub fn from_reader(
        compressed: impl BufRead + Send + 'static,
        compression: Compression,
        chunk: usize,
        max_line: usize,
    ) -> io::Result<DecodedChunks> {
        let mut decoder = io::BufReader::with_capacity(64 * 1024, compression.decoder(compressed)?);
        let (leading_nuls, error) = match skip_leading_nuls(&mut decoder) {
            Ok(n) => (n, None),
            Err(e) => (0, Some(e)),
        };
        Ok(DecodedChunks {
            decoder: Box::new(decoder),
            carry: Vec::new(),
            spare: Vec::new(),
            chunk: chunk.max(max_line + 1),
            max_line,
            done: error.is_some(),
            leading_nuls,
            error,
            cut_line_bytes: 0,
        })
    }

    /// Gives a chunk's buffer back for reuse.
    pub fn recycle(&mut self, chunk: DecodedChunk) {
        if self.spare.len() < 2 {
            self.spare.push(chunk.buf);
        }
    }

    /// The next chunk, or None at the end of the stream (check `error` then).
    pub fn next_chunk(&mut self) -> Option<DecodedChunk> {
        if self.done {
            return None;
        }
        // Buffers keep their full length (initialised once), so reading into them
        // never zero-fills again.
        let mut buf = self.spare.pop().unwrap_or_default();
        let want = self.chunk.max(self.carry.len() + READ_PAST_CARRY);
        if buf.len() < want {
            buf.resize(want, 0);
        }
        let mut len = self.carry.len();
        buf[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut eof = false;
        // Up to `want`, not the buffer's length: a recycled buffer may be longer, and
        // filling it whole let each round's carry, and so the next buffer, grow.
        while len < want {
            match self.decoder.read(&mut buf[len..want]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    eof = true;
                    break;
                }
            }
        }
        if eof {
            self.done = true;
            if self.error.as_ref().is_some_and(|e| !is_trailing_garbage(e)) {
                let complete = memchr::memrchr(b'\n', &buf[..len]).map_or(0, |i| i + 1);
                self.cut_line_bytes = (len - complete) as u64;
                len = complete;
            }
            return (len > 0).then_some(DecodedChunk { buf, len, skipped_after: 0 });
        }
        match memchr::memrchr(b'\n', &buf[..len]) {
            Some(i) => {
                self.carry.extend_from_slice(&buf[i + 1..len]);
                Some(DecodedChunk { buf, len: i + 1, skipped_after: 0 })
            }
            // The buffer (longer than `max_line`) holds one line without its end: keep
            // its first `max_line` bytes and skip to its newline.
            None => {
                let skipped = (len - self.max_line) as u64 + self.skip_line();
                Some(DecodedChunk { buf, len: self.max_line, skipped_after: skipped })
            }
        }
    }

    /// Reads and drops the decoded bytes up to the next newline (what follows it goes
    /// to `carry`); returns how many were dropped, the newline included.
    fn skip_line(&mut self) -> u64 {
        let mut scratch = vec![0u8; 64 * 1024];
        let mut dropped = 0u64;
        loop {
            match self.decoder.read(&mut scratch) {
                Ok(0) => {
                    self.done = true;
                    return dropped;
                }
                Ok(n) => match memchr::memchr(b'\n', &scratch[..n]) {
                    Some(i) => {
                        self.carry.extend_from_slice(&scratch[i + 1..n]);
                        return dropped + i as u64 + 1;
                    }
                    None => dropped += n as u64,
                },
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                    return dropped;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Two concatenated members or frames of `text`, compressed as `kind`.
    fn compressed_twice(kind: Compression, text: &[u8]) -> Vec<u8> {
        let one = |t: &[u8]| -> Vec<u8> {
            match kind {
                Compression::Gzip => {
                    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    e.write_all(t).unwrap();
                    e.finish().unwrap()
                }
                Compression::Bzip2 => {
                    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                    e.write_all(t).unwrap();
                    e.finish().unwrap()
                }
                Compression::Xz => {
                    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                    e.write_all(t).unwrap();
                    e.finish().unwrap()
                }
                Compression::Zstd => zstd::stream::encode_all(t, 1).unwrap(),
                other => unreachable!("{other:?}"),
            }
        };
        let half = text.len() / 2;
        [one(&text[..half]), one(&text[half..])].concat()
    }

    /// All of `kind`'s decoded bytes, or the first error.
    fn decode_all(kind: Compression, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        kind.decoder(io::Cursor::new(bytes))?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn xz_decodes_only_the_xz_format_so_a_legacy_lzma_header_cannot_reserve_gigabytes() {
        let text = b"Dec  6 08:00:00 host sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n";
        let lzma_options = liblzma::stream::LzmaOptions::new_preset(1).unwrap();
        let mut legacy = liblzma::write::XzEncoder::new_stream(
            Vec::new(),
            liblzma::stream::Stream::new_lzma_encoder(&lzma_options).unwrap(),
        );
        legacy.write_all(text).unwrap();
        let legacy = legacy.finish().unwrap();
        assert!(decode_all(Compression::Xz, &legacy).is_err(), "a .lzma stream was decoded as xz");
        // The fuzzer's input: a .lzma header asking for a 4 GiB dictionary.
        let hostile = [9, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 91, 255, 255, 255, 254];
        assert!(decode_all(Compression::Xz, &hostile).is_err());
    }

    #[test]
    fn xz_with_the_formats_largest_dictionary_still_decodes() {
        let text = b"Dec  6 08:00:00 host sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n";
        let mut options = liblzma::stream::LzmaOptions::new_preset(6).unwrap();
        options.dict_size(1536 << 20);
        let mut filters = liblzma::stream::Filters::new();
        filters.lzma2(&options);
        let stream = liblzma::stream::Stream::new_stream_encoder(&filters, liblzma::stream::Check::Crc64).unwrap();
        let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
        e.write_all(text).unwrap();
        let archive = e.finish().unwrap();
        assert_eq!(decode_all(Compression::Xz, &archive).unwrap(), text);
        assert_eq!(decode_all(Compression::Xz, &compressed_twice(Compression::Xz, text)).unwrap(), text);
    }

    #[test]
    fn trailing_garbage_after_gzip_members_is_told_apart_from_a_cut_member() {
        let text: Vec<u8> = (0..2000).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
        let archive = compressed_twice(Compression::Gzip, &text);
        let read = |bytes: &[u8]| {
            let mut out = Vec::new();
            let err = Compression::Gzip.decoder(bytes).unwrap().read_to_end(&mut out).err();
            (out, err)
        };
        let (out, err) = read(&archive);
        assert!(out == text && err.is_none(), "{err:?}");
        for garbage in [&b"\0\0\0\0"[..], b"junk\n", b"\x8b\x1f"] {
            let (out, err) = read(&[&archive[..], garbage].concat());
            assert_eq!(out, text, "{garbage:?}: every line is read");
            let err = err.expect("trailing bytes are an error");
            assert!(is_trailing_garbage(&err), "{garbage:?}: {err}");
            assert_eq!(err.to_string(), "trailing garbage ignored after gzip member 2");
        }
        let (out, err) = read(&archive[..archive.len() - 40]);
        assert!(out.len() < text.len());
        assert!(err.is_some_and(|e| !is_trailing_garbage(&e)));
        let (_, err) = read(b"\x1f\x8b garbage");
        assert!(err.is_some_and(|e| !is_trailing_garbage(&e)), "a first member that is no gzip is corrupt");
    }

    #[test]
    fn every_archive_kind_reads_whole_in_newline_aligned_chunks() {
        let mut text = Vec::new();
        for i in 0..5000 {
            text.extend_from_slice(format!("line {i} {}\n", "y".repeat(i % 53)).as_bytes());
        }
        for kind in [Compression::Gzip, Compression::Bzip2, Compression::Xz, Compression::Zstd] {
            let mut tmp = tempfile::NamedTempFile::new().unwrap();
            let archive = compressed_twice(kind, &text);
            tmp.write_all(&archive).unwrap();
            let head = read_head(tmp.path(), 100).unwrap();
            assert_eq!((head.compression, &head.bytes[..]), (kind, &text[..100]), "{kind:?}");
            let file = File::open(tmp.path()).unwrap();
            let read = BytesRead::default();
            let mut chunks =
                DecodedChunks::open(file, archive.len() as u64, kind, 4096, MAX_LINE_BYTES, read.clone()).unwrap();
            let mut joined = Vec::new();
            while let Some(c) = chunks.next_chunk() {
                assert!(c.as_slice().ends_with(b"\n"), "{kind:?}: a chunk ends mid-line");
                joined.extend_from_slice(c.as_slice());
                chunks.recycle(c);
            }
            assert!(chunks.error.is_none(), "{kind:?}: {:?}", chunks.error);
            assert_eq!(joined, text, "{kind:?}: both members, in order");
            assert_eq!(read.get(), archive.len() as u64, "{kind:?}: every compressed byte counted");
        }
    }

    /// A FIFO (a log swapped for one after the walk saw it) is refused at once, never
    /// waited on; so is a device.
    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("auth.log");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let started = std::time::Instant::now();
        let err = open_regular(&fifo).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
        assert!(read_text_head(&fifo, 100).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let err = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("a character device"), "{err}");
        std::fs::write(dir.path().join("x"), b"a\n").unwrap();
        assert!(open_regular(&dir.path().join("x")).is_ok());
    }

    #[test]
    fn ranges_end_on_newlines_and_cover_everything() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let mut data = Vec::new();
        for i in 0..1000 {
            data.extend_from_slice(format!("line {i} {}\n", "x".repeat(i % 37)).as_bytes());
        }
        data.extend_from_slice(b"no newline at end");
        tmp.write_all(&data).unwrap();
        let file = File::open(tmp.path()).unwrap();
        for target in [1, 100, 4096, 1 << 20] {
            let ranges = plain_ranges(&file, data.len() as u64, target, MAX_LINE_BYTES).unwrap();
            let mut joined = Vec::new();
            for &PlainRange { start: s, end: e, .. } in &ranges {
                with_range(&file, s, e, |slice| {
                    assert!(e == data.len() as u64 || slice.ends_with(b"\n"));
                    joined.extend_from_slice(slice);
                })
                .unwrap();
            }
            assert_eq!(joined, data, "target {target}");
        }
    }

    #[test]
    fn line_pieces_end_on_newlines_and_cover_everything() {
        let data: Vec<u8> = (0..500).flat_map(|i| format!("line {i} {}\n", "y".repeat(i % 53)).into_bytes()).collect();
        for cut in [data.len(), data.len() - 3] {
            let data = &data[..cut];
            for pieces in [1, 2, 4, 7, 1000, 100_000] {
                let ranges = line_pieces(data, pieces);
                assert!(ranges.len() <= pieces);
                assert_eq!(ranges.first().map(|r| r.start), Some(0));
                assert_eq!(ranges.last().map(|r| r.end), Some(data.len()));
                for pair in ranges.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                    assert_eq!(data[pair[0].end - 1], b'\n');
                }
            }
        }
        assert!(line_pieces(b"", 4).is_empty());
        let whole = line_pieces(b"one long line without newline", 4);
        assert_eq!((whole.len(), whole[0].clone()), (1, 0..29));
    }

    #[test]
    fn gzip_members_and_truncation() {
        use flate2::write::GzEncoder;
        let mut gz = Vec::new();
        for part in [&b"a 1\nb 2\n"[..], b"c 3\nd 4\n"] {
            let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(part).unwrap();
            gz.extend(enc.finish().unwrap());
        }
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&gz).unwrap();
        let mut chunks = DecodedChunks::open(
            File::open(tmp.path()).unwrap(),
            gz.len() as u64,
            Compression::Gzip,
            3,
            MAX_LINE_BYTES,
            BytesRead::default(),
        )
        .unwrap();
        let mut all = Vec::new();
        while let Some(c) = chunks.next_chunk() {
            all.extend_from_slice(c.as_slice());
            chunks.recycle(c);
        }
        assert_eq!(all, b"a 1\nb 2\nc 3\nd 4\n");
        assert!(chunks.error.is_none());

        // A truncated archive: every decodable line, then the error.
        let cut = gz.len() - 10;
        let mut chunks = DecodedChunks::open(
            File::open(tmp.path()).unwrap(),
            cut as u64,
            Compression::Gzip,
            1 << 20,
            MAX_LINE_BYTES,
            BytesRead::default(),
        )
        .unwrap();
        let mut all = Vec::new();
        while let Some(c) = chunks.next_chunk() {
            all.extend_from_slice(c.as_slice());
        }
        assert!(all.starts_with(b"a 1\nb 2\n"));
        assert!(chunks.error.is_some());
    }

    /// A file truncated while its bytes are in use: with a mapping this was SIGBUS (the
    /// whole process died); read with pread, the bytes are a copy and stay valid.
    #[test]
    fn a_plain_file_truncated_under_the_reader_is_survived() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..200_000).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
        tmp.write_all(&data).unwrap();
        let file = File::open(tmp.path()).unwrap();
        let writer = tmp.as_file().try_clone().unwrap();
        let (newlines, got, _) = with_range(&file, 0, data.len() as u64, |bytes| {
            writer.set_len(0).unwrap();
            bytes.iter().filter(|&&c| c == b'\n').count()
        })
        .unwrap();
        assert_eq!((newlines, got), (200_000, data.len() as u64));
        // After the truncation a read is short, and says so.
        let ((), got, cut) = with_range(&file, 0, data.len() as u64, |_| ()).unwrap();
        assert_eq!((got, cut), (0, 0));
        // Cut mid-line: the complete lines are handed on, the cut one is counted.
        writer.write_all_at(b"line 0\nline 1\nline 2\n", 0).unwrap();
        writer.set_len(12).unwrap();
        let (seen, got, cut) = with_range(&file, 0, data.len() as u64, |bytes| bytes.to_vec()).unwrap();
        assert_eq!((seen.as_slice(), got, cut), (&b"line 0\n"[..], 12, 5));
    }

    /// An archive truncated after its first chunk was decoded: the rest is an error for
    /// the file (exit code 2), never a crash.
    #[test]
    fn an_archive_truncated_while_decoded_is_survived() {
        use flate2::write::GzEncoder;
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut state = 7u64;
        for i in 0..300_000u64 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            enc.write_all(format!("{i} {state:x}\n").as_bytes()).unwrap();
        }
        let gz = enc.finish().unwrap();
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&gz).unwrap();
        let writer = tmp.as_file().try_clone().unwrap();
        let mut chunks = DecodedChunks::open(
            File::open(tmp.path()).unwrap(),
            gz.len() as u64,
            Compression::Gzip,
            4096,
            MAX_LINE_BYTES,
            BytesRead::default(),
        )
        .unwrap();
        let first = chunks.next_chunk().unwrap();
        assert!(first.as_slice().starts_with(b"0 "));
        writer.set_len(100).unwrap();
        let mut more = 0;
        while let Some(c) = chunks.next_chunk() {
            more += c.as_slice().len();
        }
        assert!(chunks.error.is_some(), "the cut is reported ({more} more bytes decoded)");
    }

    /// Holes of a sparse file (free to make, terabytes if one likes) are jumped over,
    /// not read: a file of a line, a 1 TiB hole and a line is cut in moments.
    #[test]
    fn sparse_holes_are_jumped_not_read() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let file = tmp.as_file();
        let hole = 1u64 << 40;
        if file.set_len(hole).is_err() {
            return; // a file system without files that large: nothing to check here
        }
        file.write_all_at(b"after the hole\n", hole).unwrap();
        let size = hole + 15;
        let started = std::time::Instant::now();
        assert_eq!(leading_nuls(file, size).unwrap(), hole);
        file.write_all_at(b"first\n", 0).unwrap();
        let ranges = plain_ranges(file, size, 8 << 20, MAX_LINE_BYTES).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
        let kept: Vec<(u64, u64)> = ranges.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(kept, [(0, 6), (6, 6 + MAX_LINE_BYTES as u64)]);
        assert_eq!(ranges[1].skipped_after, size - 6 - MAX_LINE_BYTES as u64);
    }

    /// A chunk never outgrows its size by more than the 64 KiB read past a carried line
    /// (and a line carried after a skipped over-long one), whatever the lines. Recycled
    /// buffers used to be filled to their whole length, so lines of the right lengths
    /// ratcheted them up round after round (a mutation run got 180 KB chunks from a
    /// 16 KiB chunk size): a bomb of such lines grew memory without end.
    #[test]
    fn chunks_stay_within_their_bound_whatever_the_lines() {
        let (chunk, max_line) = (16 * 1024, 4096);
        let lengths = [0usize, 1, 2, 100, 4000, 60_000, 70_000, 130_000, 200_000, 300_000];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut text = Vec::new();
        while text.len() < 40 << 20 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.extend(std::iter::repeat_n(b'x', lengths[(state % lengths.len() as u64) as usize]));
            text.push(b'\n');
        }
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&text).unwrap();
            e.finish().unwrap()
        };
        let mut chunks = DecodedChunks::from_reader(io::Cursor::new(gz), Compression::Gzip, chunk, max_line).unwrap();
        let (mut longest, mut total) = (0, 0u64);
        while let Some(c) = chunks.next_chunk() {
            longest = longest.max(c.as_slice().len());
            total += c.as_slice().len() as u64 + c.skipped_after;
            chunks.recycle(c);
        }
        assert_eq!(total, text.len() as u64);
        let bound = chunk.max(2 * READ_PAST_CARRY) + READ_PAST_CARRY;
        assert!(longest <= bound, "a chunk of {longest} bytes, over {bound}");
    }

    /// A line longer than the cap: its first `max_line` bytes are a range (or a chunk)
    /// of their own and the rest is skipped up to its newline; the lines around it are
    /// read whole, and memory never holds more than a range.
    #[test]
    fn over_long_lines_are_cut_and_the_rest_skipped() {
        let max_line = 4096;
        let mut data = Vec::new();
        for i in 0..2000 {
            data.extend_from_slice(format!("before {i}\n").as_bytes());
        }
        let long_at = data.len();
        data.extend(std::iter::repeat_n(b'\0', 300_000));
        data.push(b'\n');
        let after_at = data.len();
        for i in 0..2000 {
            data.extend_from_slice(format!("after {i}\n").as_bytes());
        }
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&data).unwrap();
        let file = File::open(tmp.path()).unwrap();
        for target in [1000, 8192, 1 << 20] {
            let ranges = plain_ranges(&file, data.len() as u64, target, max_line).unwrap();
            let mut covered = 0;
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end + pair[0].skipped_after, pair[1].start, "target {target}");
            }
            for r in &ranges {
                covered += r.end - r.start + r.skipped_after;
                assert!(r.end - r.start <= target + max_line as u64, "{r:?}");
            }
            assert_eq!(covered, data.len() as u64);
            if target < 300_000 {
                let cut = ranges.iter().find(|r| r.skipped_after > 0).expect("the long line is cut");
                assert_eq!((cut.start, cut.end - cut.start), (long_at as u64, max_line as u64), "target {target}");
                assert_eq!(cut.end + cut.skipped_after, after_at as u64);
            }
        }

        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&data).unwrap();
        let gz = enc.finish().unwrap();
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&gz).unwrap();
        let mut chunks = DecodedChunks::open(
            File::open(tmp.path()).unwrap(),
            gz.len() as u64,
            Compression::Gzip,
            1000,
            max_line,
            BytesRead::default(),
        )
        .unwrap();
        let (mut text, mut skipped) = (Vec::new(), 0);
        while let Some(c) = chunks.next_chunk() {
            text.extend_from_slice(c.as_slice());
            skipped += c.skipped_after;
            chunks.recycle(c);
        }
        assert!(chunks.error.is_none());
        assert_eq!(text.len() as u64 + skipped, data.len() as u64);
        assert!(text.starts_with(&data[..long_at + max_line]));
        assert!(text.ends_with(&data[after_at..]));
    }
}
