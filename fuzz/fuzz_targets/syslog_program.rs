//! libFuzzer target `syslog_program`: `knocklog::fuzzing::syslog_program`, which tests/mutation.rs runs on stable.
#![no_main]

use knocklog::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::syslog_program(data));
