//! A gzip archive with bytes after its last member (padding a copy tool added, a
//! concatenation gone wrong) is read whole and said to carry trailing garbage, as gzip(1)
//! says it; a member cut short is still said to end early.

use std::io::Write;

use crate::util::scan;

const LINE: &str = "Jan  5 10:00:00 web sshd[7]: Failed password for root from 203.0.113.70 port 4000 ssh2\n";

fn member(lines: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..lines {
        enc.write_all(LINE.as_bytes()).unwrap();
    }
    enc.finish().unwrap()
}

#[test]
fn trailing_garbage_after_the_last_member_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = [member(3), member(2)].concat();
    archive.extend_from_slice(b"\0\0\0\0not a gzip member at all\n");
    std::fs::write(dir.path().join("auth.log.2.gz"), &archive).unwrap();
    let run = scan(&[dir.path()], &["--timezone", "utc"]);
    let summary = run.summary();
    let f = &summary["files"][0];
    assert_eq!((f["lines"].as_u64(), f["with_address"].as_u64()), (Some(5), Some(5)), "{f}");
    let warnings = f["warnings"].to_string();
    assert!(warnings.contains("trailing garbage ignored"), "{warnings}");
    assert!(!warnings.contains("ends early"), "{warnings}");
    assert_eq!(run.code, 2, "the file is not exactly the archive it claims to be");
}

#[test]
fn a_member_cut_short_still_ends_early() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = [member(3), member(2)].concat();
    archive.truncate(archive.len() - 12);
    std::fs::write(dir.path().join("auth.log.2.gz"), &archive).unwrap();
    let run = scan(&[dir.path()], &["--timezone", "utc"]);
    let warnings = run.summary()["files"][0]["warnings"].to_string();
    assert!(warnings.contains("ends early or is corrupt"), "{warnings}");
    assert!(!warnings.contains("trailing garbage"), "{warnings}");
    assert_eq!(run.code, 2);
}
