//! Rotated archives of every kind a /var/log holds (gzip, bzip2, xz, zstd) are read
//! like the live file: one rotation group, oldest first, every line counted, the
//! compression named in summary.json, and exit code 0.

use std::io::Write;

use crate::util::scan;

/// Access lines of day `day` (of January 2026), one probe of `/wp-login.php` each.
fn access_lines(day: u32, n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let line = format!(
            "203.0.113.{} - - [{day:02}/Jan/2026:10:{:02}:00 +0000] \"GET /wp-login.php HTTP/1.1\" 404 196 \"-\" \"curl/8\"\n",
            10 + day,
            i % 60
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

#[test]
fn bzip2_xz_and_zstd_rotations_are_read_like_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("apache2");
    std::fs::create_dir(&logs).unwrap();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(logs.join(name), bytes).unwrap();
    write("access.log", access_lines(5, 10));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&access_lines(4, 11)).unwrap();
    write("access.log.1.gz", gz.finish().unwrap());
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&access_lines(3, 12)).unwrap();
    write("access.log.2.bz2", bz.finish().unwrap());
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&access_lines(2, 13)).unwrap();
    write("access.log.3.xz", xz.finish().unwrap());
    write("access.log.4.zst", zstd::stream::encode_all(&access_lines(1, 14)[..], 1).unwrap());

    let run = scan(&[&logs], &["--timezone", "utc"]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let summary = run.summary();
    let files: Vec<(String, Option<String>, u64)> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["path"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            (name, f["compression"].as_str().map(str::to_owned), f["lines"].as_u64().unwrap())
        })
        .collect();
    let want: Vec<(String, Option<String>, u64)> = [
        ("access.log.4.zst", Some("zstd"), 14),
        ("access.log.3.xz", Some("xz"), 13),
        ("access.log.2.bz2", Some("bzip2"), 12),
        ("access.log.1.gz", Some("gzip"), 11),
        ("access.log", None, 10),
    ]
    .into_iter()
    .map(|(n, c, l)| (n.to_owned(), c.map(str::to_owned), l))
    .collect();
    assert_eq!(files, want, "oldest first, every line, the compression named");
    let ips: Vec<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    for day in 1..=5 {
        assert!(ips.contains(&format!("203.0.113.{}", 10 + day)), "the prober of day {day} is in ips");
    }
}
