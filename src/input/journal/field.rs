//! One DATA object's payload as a journal field, plain or compressed (xz, lz4, zstd as
//! journald writes them): its name is read from the first bytes alone, so that a field no
//! syslog line needs is never inflated, and the whole `NAME=value` is inflated only up to
//! a limit the caller sets, so that a payload built to inflate to gigabytes costs what
//! the limit allows and no more.

use std::borrow::Cow;
use std::io::Read;

pub const COMPRESSED_XZ: u8 = 1;
pub const COMPRESSED_LZ4: u8 = 2;
pub const COMPRESSED_ZSTD: u8 = 4;

/// journald refuses field names longer than 64 bytes (`journal_field_valid`), so the `=`
/// of any field it wrote is among the first 65 bytes.
const NAME_PEEK: usize = 65;
/// Memory the xz decoder may take: journald compresses with a 1 MiB dictionary; a stream
/// that asks for more than 16 MiB was not written by it.
const XZ_MEMLIMIT: u64 = 16 << 20;
/// Largest zstd window accepted (2^23, 8 MiB): journald compresses each field alone at the
/// default level, whose window is 2 MiB at most, and a frame may otherwise ask for 2 GiB.
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// True when an object's flags say its payload is compressed.
pub fn is_compressed(flags: u8) -> bool {
    flags & (COMPRESSED_XZ | COMPRESSED_LZ4 | COMPRESSED_ZSTD) != 0
}

/// A payload opened for reading, its first bytes already inflated.
pub struct Field<'a> {
    rest: Rest<'a>,
    /// A plain payload whole; of a compressed one, its first `NAME_PEEK` bytes inflated.
    head: Cow<'a, [u8]>,
}

enum Rest<'a> {
    Plain(&'a [u8]),
    Stream(Box<dyn Read + 'a>),
    /// journald's LZ4: the inflated size as 8 bytes, then one LZ4 block.
    Lz4 {
        block: &'a [u8],
        size: usize,
    },
}

/// A field's `NAME=value`, whole or cut at the limit.
pub struct Inflated<'a> {
    pub bytes: Cow<'a, [u8]>,
    pub cut: bool,
}

impl<'a> Field<'a> {
    /// Opens `payload` stored under the object's `flags`, inflating its first bytes only.
    pub fn open(flags: u8, payload: &'a [u8]) -> Result<Field<'a>, String> {
        match flags & (COMPRESSED_XZ | COMPRESSED_LZ4 | COMPRESSED_ZSTD) {
            0 => Ok(Field { rest: Rest::Plain(payload), head: Cow::Borrowed(payload) }),
            COMPRESSED_XZ => {
                let stream =
                    liblzma::stream::Stream::new_stream_decoder(XZ_MEMLIMIT, 0).map_err(|e| format!("xz: {e}"))?;
                Field::stream(Box::new(liblzma::bufread::XzDecoder::new_stream(payload, stream)), "xz")
            }
            COMPRESSED_ZSTD => {
                let mut decoder =
                    zstd::stream::read::Decoder::with_buffer(payload).map_err(|e| format!("zstd: {e}"))?;
                decoder.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(|e| format!("zstd: {e}"))?;
                Field::stream(Box::new(decoder), "zstd")
            }
            COMPRESSED_LZ4 => {
                let size = payload.get(..8).ok_or("lz4 payload too short")?;
                let size = u64::from_le_bytes(size.try_into().unwrap_or_default());
                let block = &payload[8..];
                let size = usize::try_from(size).ok().filter(|&s| s <= i32::MAX as usize);
                let size = size.ok_or_else(|| "lz4 field of an impossible size".to_string())?;
                let head = lz4_prefix(block, size.min(NAME_PEEK))?;
                Ok(Field { rest: Rest::Lz4 { block, size }, head: Cow::Owned(head) })
            }
            other => Err(format!("unknown compression flags {other:#x}")),
        }
    }

    fn stream(mut decoder: Box<dyn Read + 'a>, codec: &str) -> Result<Field<'a>, String> {
        let mut head = Vec::with_capacity(NAME_PEEK);
        (&mut decoder).take(NAME_PEEK as u64).read_to_end(&mut head).map_err(|e| format!("{codec}: {e}"))?;
        Ok(Field { rest: Rest::Stream(decoder), head: Cow::Owned(head) })
    }

    pub fn is_compressed(&self) -> bool {
        !matches!(self.rest, Rest::Plain(_))
    }

    /// The name before the `=`; None when there is no `=` where journald puts it.
    pub fn name(&self) -> Option<&[u8]> {
        let peek = &self.head[..self.head.len().min(NAME_PEEK)];
        memchr::memchr(b'=', peek).map(|eq| &peek[..eq])
    }

    /// Bytes inflated so far (none for a plain payload).
    pub fn inflated(&self) -> usize {
        if self.is_compressed() {
            self.head.len()
        } else {
            0
        }
    }

    /// The whole `NAME=value`, at most `limit` bytes of it (`cut` when there was more).
    pub fn read(self, limit: usize) -> Result<Inflated<'a>, String> {
        let cut_at = |mut bytes: Vec<u8>| {
            let cut = bytes.len() > limit;
            bytes.truncate(limit);
            Inflated { bytes: Cow::Owned(bytes), cut }
        };
        match self.rest {
            Rest::Plain(all) => {
                Ok(Inflated { bytes: Cow::Borrowed(&all[..all.len().min(limit)]), cut: all.len() > limit })
            }
            Rest::Stream(decoder) => {
                let mut bytes = self.head.into_owned();
                let want = (limit + 1).saturating_sub(bytes.len()) as u64;
                decoder.take(want).read_to_end(&mut bytes).map_err(|e| format!("inflating: {e}"))?;
                Ok(cut_at(bytes))
            }
            Rest::Lz4 { block, size } if size <= limit => {
                let bytes = lz4::block::decompress(block, Some(size as i32)).map_err(|e| format!("lz4: {e}"))?;
                if bytes.len() != size {
                    return Err(format!("lz4: {} bytes inflated, {size} announced", bytes.len()));
                }
                Ok(Inflated { bytes: Cow::Owned(bytes), cut: false })
            }
            Rest::Lz4 { block, .. } => Ok(Inflated { bytes: Cow::Owned(lz4_prefix(block, limit)?), cut: true }),
        }
    }
}

extern "C" {
    /// lz4's own partial decoder (lz4.h, stable API since 1.x), compiled into the library
    /// the `lz4` crate links; that crate does not declare it. systemd reads field names
    /// the same way (`decompress_startswith_lz4`).
    fn LZ4_decompress_safe_partial(
        src: *const std::ffi::c_char,
        dst: *mut std::ffi::c_char,
        src_size: std::ffi::c_int,
        target_output_size: std::ffi::c_int,
        dst_capacity: std::ffi::c_int,
    ) -> std::ffi::c_int;
}

/// The first `n` bytes an LZ4 block inflates to, without inflating the rest.
fn lz4_prefix(block: &[u8], n: usize) -> Result<Vec<u8>, String> {
    let src_size = std::ffi::c_int::try_from(block.len()).map_err(|_| "lz4 block too large".to_string())?;
    let n_int = std::ffi::c_int::try_from(n).map_err(|_| "lz4 limit too large".to_string())?;
    let mut out = vec![0u8; n];
    // SAFETY: the source is `block.len()` readable bytes and the destination `n` writable
    // ones, the sizes passed are those; the function writes at most `dst_capacity` bytes.
    let got =
        unsafe { LZ4_decompress_safe_partial(block.as_ptr().cast(), out.as_mut_ptr().cast(), src_size, n_int, n_int) };
    if got < 0 {
        return Err("lz4: malformed block".into());
    }
    out.truncate(got as usize);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn lz4(data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u64).to_le_bytes().to_vec();
        v.extend(lz4::block::compress(data, None, false).unwrap());
        v
    }

    #[test]
    fn every_codec_gives_the_name_first_and_the_field_up_to_the_limit() {
        let mut field = b"COREDUMP=".to_vec();
        field.extend((0..200_000u32).map(|i| (i % 251) as u8));
        let zst = zstd::stream::encode_all(&field[..], 3).unwrap();
        for (flags, stored) in
            [(0, field.clone()), (COMPRESSED_XZ, xz(&field)), (COMPRESSED_LZ4, lz4(&field)), (COMPRESSED_ZSTD, zst)]
        {
            let f = Field::open(flags, &stored).unwrap();
            assert_eq!(f.name(), Some(&b"COREDUMP"[..]), "{flags}");
            assert!(f.inflated() <= NAME_PEEK, "{flags}: only the name is inflated to read it");
            let whole = f.read(1 << 20).unwrap();
            assert_eq!((&whole.bytes[..], whole.cut), (&field[..], false), "{flags}");
            let cut = Field::open(flags, &stored).unwrap().read(1000).unwrap();
            assert_eq!((&cut.bytes[..], cut.cut), (&field[..1000], true), "{flags}");
        }
    }

    #[test]
    fn damaged_or_odd_payloads_are_errors_or_nameless() {
        assert!(Field::open(COMPRESSED_ZSTD, b"garbage").is_err_and(|e| e.contains("zstd")));
        assert!(Field::open(COMPRESSED_XZ, b"garbage").is_err_and(|e| e.contains("xz")));
        assert!(Field::open(COMPRESSED_LZ4, b"\x10\0\0\0\0\0\0\0\xff").is_err());
        assert!(Field::open(COMPRESSED_LZ4, b"\xff\xff\xff\xff\xff\xff\xff\xff").is_err());
        assert!(Field::open(COMPRESSED_XZ | COMPRESSED_ZSTD, b"x").is_err());
        let long_name = [b'A'; 70];
        assert_eq!(Field::open(0, &long_name).unwrap().name(), None);
    }
}
