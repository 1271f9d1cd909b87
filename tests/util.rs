//! The test harness: a temporary work dir, a runner for the knocklog binary, readers
//! for its CSV outputs and the path of the shared corpora.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

// Some of its helpers serve only the unit tests of src/enrich/dns.rs.
#[allow(dead_code)]
pub mod dns_server;
pub mod mmdb;

/// The knocklog binary; `KNOCKLOG_BIN` overrides the one cargo built (on a machine
/// where several worktrees share one target directory, the built one can be replaced
/// by another worktree's build between compiling and running the tests).
pub fn knocklog() -> Command {
    match std::env::var_os("KNOCKLOG_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::new(env!("CARGO_BIN_EXE_knocklog")),
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when no test may skip: `KNOCKLOG_TEST_STRICT=1`, which `.ci/run` sets, so
/// that CI never passes by skipping.
pub fn strict() -> bool {
    std::env::var_os("KNOCKLOG_TEST_STRICT").is_some_and(|v| v == "1")
}

/// Skips `test`, which needs what is missing here (`why`), with one line on stderr;
/// under `strict()` a panic instead. Written to stderr directly, past the harness's
/// capture, so that a passing run still shows what it did not test.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    if strict() {
        panic!("{test}: {why}, and KNOCKLOG_TEST_STRICT=1 allows no skipped test");
    }
    let _ = writeln!(std::io::stderr(), "knocklog tests: SKIPPED {test}: {why}");
    if SKIPPED.fetch_add(1, Ordering::SeqCst) == 0 {
        // libtest counts a skipped test as passed; the count is told after its own
        // summary, when the process exits.
        unsafe { libc::atexit(tell_skipped) };
    }
}

static SKIPPED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn tell_skipped() {
    use std::io::Write;
    let n = SKIPPED.load(Ordering::SeqCst);
    let _ = writeln!(
        std::io::stderr(),
        "knocklog tests: {n} skipped for a missing corpus or tool (the SKIPPED lines above); \
         KNOCKLOG_TEST_STRICT=1 makes each a failure"
    );
}

/// ../shared/corpora beside the repository, an optional corpus of real logs; None
/// (the test skipped, see `skip`) when it is absent.
pub fn corpora(test: &str) -> Option<PathBuf> {
    let dir = repo().join("../shared/corpora");
    if dir.is_dir() {
        return Some(dir);
    }
    skip(test, "the optional corpus of real logs ../shared/corpora is absent");
    None
}

/// Result of one run: exit code, stdout, stderr and the output directory.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub out: PathBuf,
    _dir: tempfile::TempDir,
}

/// Runs `knocklog scan` on `paths` with extra `args`, into a fresh output directory.
pub fn scan(paths: &[&Path], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output: Output = knocklog()
        .arg("scan")
        .args(paths)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .args(args)
        .output()
        .expect("running knocklog");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out,
        _dir: dir,
    };
    assert!(
        run.code == 0 || run.code == 2,
        "knocklog scan exited with {} (a panic is 101)\nstderr:\n{}",
        run.code,
        run.stderr
    );
    run
}

impl Run {
    /// Rows of `<out>/<table>.csv` as column -> value maps.
    pub fn table(&self, table: &str) -> Vec<HashMap<String, String>> {
        read_csv(&self.out.join(format!("{table}.csv")))
    }

    /// The addresses whose events all have rules that `only` accepts (and that have
    /// at least one event), with those rules.
    pub fn addresses_only_by(&self, only: impl Fn(&str) -> bool) -> Vec<(String, Vec<String>)> {
        let mut rules_of: HashMap<String, Vec<String>> = HashMap::new();
        for e in self.table("events") {
            rules_of.entry(e["ip"].clone()).or_default().push(e["rule"].clone());
        }
        rules_of.into_iter().filter(|(_, rules)| rules.iter().all(|r| only(r))).collect()
    }

    pub fn summary(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.out.join("summary.json")).expect("summary.json");
        serde_json::from_str(&text).expect("summary.json is JSON")
    }
}

pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}
