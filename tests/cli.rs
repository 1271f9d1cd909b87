//! Command-line conventions: `--json` summaries that scripts can read, colour on a
//! terminal only (and never with NO_COLOR or `--color never`), grouped help,
//! completions and man pages, usage errors that exit 1, and the README's main command
//! run exactly as README.md writes it.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;

use crate::util::{knocklog, repo};

fn sample_args(out: &std::path::Path) -> Vec<String> {
    let out = out.display().to_string();
    ["scan", "sample-logs", "--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice", "--out", &out]
        .map(str::to_owned)
        .to_vec()
}

#[test]
fn scan_json_is_one_object_with_the_exit_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = knocklog().current_dir(repo()).args(sample_args(&dir.path().join("out"))).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one line of JSON, nothing else on stdout: {text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["exit"]["code"], 0);
    assert!(json["exit"]["reason"].is_null());
    assert!(json["totals"]["lines"].as_u64().unwrap() > 1000, "{json}");
    let worst = json["worst"].as_array().unwrap();
    assert!(!worst.is_empty() && worst[0]["verdict"] == "block", "{json}");
    assert!(json["written"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().ends_with("report.html")));

    // A damaged input: the code and its reason are in the object too.
    let logs = tempfile::tempdir().unwrap();
    std::fs::write(logs.path().join("auth.log"), b"Jan  5 10:00:00 h sshd[1]: Invalid user a from 192.0.2.1 port 22\n")
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut gz,
        &b"Jan  4 10:00:00 h sshd[1]: Invalid user b from 192.0.2.2 port 22\n".repeat(50),
    )
    .unwrap();
    let gz = gz.finish().unwrap();
    // Cut short: the archive ends early.
    std::fs::write(logs.path().join("auth.log.1.gz"), &gz[..gz.len() / 2]).unwrap();
    // `scan DIR --json` into a fresh --out: exits 2, and the object says so.
    let scan_json_exit_2 = |logs: &std::path::Path, out: &str| -> serde_json::Value {
        let run =
            knocklog().arg("scan").arg(logs).arg("--out").arg(dir.path().join(out)).arg("--json").output().unwrap();
        assert_eq!(run.status.code(), Some(2));
        let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(json["exit"]["code"], 2);
        json
    };
    let json = scan_json_exit_2(logs.path(), "out2");
    assert_eq!(json["exit"]["reason"], "1 file could not be read whole (see above)");

    // Nothing to read: still one object, with the exit reason and what was passed over.
    let nothing = tempfile::tempdir().unwrap();
    std::fs::write(nothing.path().join("notes.txt"), b"no log here\n").unwrap();
    let json = scan_json_exit_2(nothing.path(), "out3");
    assert!(json["exit"]["reason"].as_str().unwrap().starts_with("no log files knocklog can read"), "{json}");
    assert_eq!(json["totals"]["files"], 0);
    assert!(json["skipped"][0]["path"].as_str().unwrap().ends_with("notes.txt"), "{json}");
}

#[test]
fn query_json_lines_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scan = knocklog().current_dir(repo()).args(sample_args(&out)).arg("--quiet").output().unwrap();
    assert_eq!(scan.status.code(), Some(0));
    let q = knocklog()
        .args(["query", "--sql", "SELECT ip, score, sneak FROM ips ORDER BY score DESC LIMIT 3", "--json", "--data"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(q.status.code(), Some(0), "{}", String::from_utf8_lossy(&q.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(q.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["score"].is_number() && rows[0]["sneak"].is_boolean() && rows[0]["ip"].is_string(), "{rows:?}");

    // A failing query: polars' message keeps its lines, and the last line says why.
    let q = knocklog().args(["query", "--sql", "SELECT nope FROM ips", "--data"]).arg(&out).output().unwrap();
    assert_eq!(q.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&q.stderr);
    assert!(!stderr.contains("\\x0a"), "{stderr}");
    assert!(stderr.trim_end().lines().last().unwrap().starts_with("knocklog: exit 1: the query failed"), "{stderr}");
}

/// Runs `knocklog args...` with stdout on a pseudo-terminal; returns what it printed.
fn on_a_terminal(args: &[String], env: &[(&str, &str)]) -> String {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors we then own; no name, termios or size.
    let rc =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors were just opened and are owned here only.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut command = knocklog();
    command.current_dir(repo()).args(args).stdout(Stdio::from(slave)).stderr(Stdio::null()).env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once the child has exited and its end is closed.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        text
    });
    child.wait().unwrap();
    drop(command);
    String::from_utf8_lossy(&reader.join().unwrap()).into_owned()
}

#[test]
fn colour_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let args = sample_args(&dir.path().join("out"));
    let coloured = on_a_terminal(&args, &[("TERM", "xterm")]);
    assert!(coloured.contains("Worst first"), "{coloured}");
    assert!(coloured.contains("\x1b[31m") || coloured.contains("\x1b[1m\x1b[31m"), "a red block verdict: {coloured:?}");
    let no_color = on_a_terminal(&args, &[("TERM", "xterm"), ("NO_COLOR", "1")]);
    assert!(no_color.contains("Worst first") && !no_color.contains('\x1b'), "{no_color:?}");
    let never = on_a_terminal(&[args.clone(), vec!["--color".into(), "never".into()]].concat(), &[("TERM", "xterm")]);
    assert!(!never.contains('\x1b'), "{never:?}");

    let piped = knocklog().current_dir(repo()).args(&args).output().unwrap();
    let piped_text = String::from_utf8_lossy(&piped.stdout);
    assert!(piped_text.contains("Worst first") && !piped_text.contains('\x1b'), "{piped_text:?}");
    let forced = knocklog().current_dir(repo()).args(&args).args(["--color", "always"]).output().unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
}

#[test]
fn help_is_grouped_and_short_help_fits_a_screen() {
    let help = knocklog().args(["scan", "--help"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    for heading in ["Input:", "Output:", "Detection:", "Blocklist:", "Learning:"] {
        assert!(text.lines().any(|l| l == heading), "no {heading} heading in\n{text}");
    }
    let short = knocklog().args(["scan", "-h"]).output().unwrap();
    let lines = String::from_utf8(short.stdout).unwrap().lines().count();
    // 128 lines before the one-sentence short help; about 50 flags keep it above a screen.
    assert!(lines <= 110, "scan -h is {lines} lines");
}

#[test]
fn completions_and_man_pages_are_generated() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef knocklog"), ("fish", "complete -c knocklog")] {
        let out = knocklog().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker) && text.contains("year-of-newest"), "{shell}: {}", &text[..200.min(text.len())]);
    }
    let bash = knocklog().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.bash"), &bash.stdout).unwrap();
    let check = std::process::Command::new("bash").arg("-n").arg(dir.path().join("k.bash")).status().unwrap();
    assert!(check.success(), "the bash completion script parses");

    let man = knocklog().arg("man").output().unwrap();
    let page = String::from_utf8(man.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH knocklog"), "{}", &page[..200.min(page.len())]);
    let scan = knocklog().args(["man", "scan"]).output().unwrap();
    let page = String::from_utf8(scan.stdout).unwrap();
    assert!(
        page.contains(".TH knocklog-scan") && page.contains("year\\-of\\-newest"),
        "{}",
        &page[..300.min(page.len())]
    );
    let bad = knocklog().args(["man", "nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_1_with_the_reason_last() {
    let cases: [&[&str]; 5] = [
        &["scan", "--threads", "0", "sample-logs"],
        &["scan", "--no-such-flag"],
        &["scan", "/no/such/dir"],
        &["scan", "--year", "20", "sample-logs"],
        &["report"],
    ];
    for args in cases {
        let out = knocklog().current_dir(repo()).args(args).arg("--out").arg("/tmp/knocklog-never-written").output();
        let out = out.unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// A reader that stops early (`knocklog query ... | head`) ends the run quietly: exit 0,
/// nothing on stderr, no panic, whichever command was writing.
#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let run = crate::util::scan(&[&repo().join("sample-logs")], &[]);
    let data = run.out.to_str().unwrap();
    let commands: [&[&str]; 4] = [
        &["completions", "bash"],
        &["man"],
        &["columns", "--markdown"],
        &["query", "--data", data, "--sql", "SELECT * FROM events"],
    ];
    for args in commands {
        let mut child = knocklog().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // Closed before the child writes a byte: its first write meets a broken pipe.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// The README's first command, exactly as written there (lines of its first sh block
/// that do not start with `#`), run from the repository: it must succeed and write the
/// outputs the README promises.
#[test]
fn the_readme_main_command_works_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("an sh block in README.md");
    let commands: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
    assert_eq!(commands.len(), 2, "the main job and the tests: {commands:?}");
    let main = commands[0];
    let words: Vec<&str> = main.split_whitespace().collect();
    let tail = words.iter().position(|w| *w == "--").expect("cargo run --release -- ...");
    assert_eq!(&words[..tail], ["cargo", "run", "--release"], "{main}");
    assert!(commands[1].starts_with("cargo test"), "{}", commands[1]);
    // Run with the binary cargo built (no rebuild), into a scratch copy of --out.
    let mut args: Vec<String> = words[tail + 1..].iter().map(|w| w.to_string()).collect();
    let dir = tempfile::tempdir().unwrap();
    let at = args.iter().position(|a| a == "--out").expect("--out in the README command");
    let out = dir.path().join(&args[at + 1]);
    args[at + 1] = out.display().to_string();
    let run = knocklog().current_dir(repo()).args(&args).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{main}\n{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("203.0.113.66") && stdout.contains("sneak"), "{stdout}");
    for file in ["events.csv", "ips.parquet", "report.html", "blocklist.nft", "summary.json", "suggested-patterns.txt"]
    {
        assert!(out.join(file).is_file(), "{file} missing after the README command");
    }
}
