//! libFuzzer target `journal_text`: `knocklog::fuzzing::journal_text`, which tests/mutation.rs runs on stable.
#![no_main]

use knocklog::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::journal_text(data));
