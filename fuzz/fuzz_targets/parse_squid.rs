//! libFuzzer target `parse_squid`: `knocklog::fuzzing::parse_line_in`, which tests/mutation.rs runs on stable.
#![no_main]

use knocklog::fuzzing;
use knocklog::vocab::event::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::parse_line_in(Format::Squid, data));
