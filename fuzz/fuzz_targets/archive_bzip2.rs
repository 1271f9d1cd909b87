//! libFuzzer target `archive_bzip2`: `knocklog::fuzzing::archive`, which tests/mutation.rs runs on stable.
#![no_main]

use knocklog::fuzzing;
use knocklog::input::source::Compression;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::archive(Compression::Bzip2, data));
