//! libFuzzer target `read_line`: `knocklog::fuzzing::read_line_any`, which tests/mutation.rs runs on stable.
#![no_main]

use knocklog::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::read_line_any(data));
