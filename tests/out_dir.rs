//! `--out` shared with others and runs that fail: planted symlinks are replaced, never
//! followed (in `--out` and in a history store); a run that cannot write leaves the
//! previous set byte for byte and exits 3; leftovers of killed runs are swept; a second
//! run into one `--out` fails fast; the manifest names the set; the exit codes and the
//! last line on stderr.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant, SystemTime};

use crate::util::{knocklog, repo};

fn scan_into(out: &Path, paths: &[&Path], extra: &[&str]) -> Output {
    knocklog()
        .arg("scan")
        .args(paths)
        .args(["--timezone", "utc", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("running knocklog")
}

fn sample_into(out: &Path, extra: &[&str]) -> Output {
    scan_into(out, &[&repo().join("sample-logs")], extra)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_line(o: &Output) -> String {
    stderr(o).lines().last().unwrap_or_default().to_owned()
}

/// Every entry of `dir` (dot files included) with its bytes; directories and links as
/// a marker, so a left-over staging directory or a new link shows.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut entries = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().unwrap();
        let content = if kind.is_symlink() {
            format!("-> {}", fs::read_link(entry.path()).unwrap().display()).into_bytes()
        } else if kind.is_dir() {
            b"<dir>".to_vec()
        } else {
            fs::read(entry.path()).unwrap()
        };
        entries.insert(name, content);
    }
    entries
}

fn leftovers(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().filter(|n| n.starts_with(".knocklog-staging-") || n.contains(".knocklog-tmp-")).collect()
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(out.join("manifest.json")).expect("manifest.json")).expect("manifest is JSON")
}

/// A pid no process can have: above the kernel's maximum.
fn dead_pid() -> u64 {
    let max = fs::read_to_string("/proc/sys/kernel/pid_max").ok().and_then(|s| s.trim().parse().ok());
    max.unwrap_or(4_194_304) + 1
}

#[test]
fn a_full_disk_leaves_the_previous_set_byte_identical_and_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let first = sample_into(&out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = snapshot(&out);
    let staged_files = manifest(&out)["files"].as_array().unwrap().len() as u64;

    // The failing runs would write other content (every event kept, one more file):
    // had they replaced anything, the comparison below would see it.
    let other_args = ["--all-events", "--html-fragment"];
    let other = tmp.path().join("other");
    assert_eq!(sample_into(&other, &other_args).status.code(), Some(0));
    assert_ne!(fs::read(other.join("events.csv")).unwrap(), before["events.csv"]);

    // The first file, one in the middle, and the manifest (written after every other).
    for n in [1, staged_files / 2, staged_files + 2] {
        let n_arg = n.to_string();
        let failed = sample_into(&out, &[&other_args[..], &["--debug-fail-write", &n_arg]].concat());
        assert_eq!(failed.status.code(), Some(3), "write {n} failed: {}", stderr(&failed));
        let last = last_line(&failed);
        assert!(last.starts_with("knocklog: exit 3: the outputs could not be written into"), "{last}");
        assert!(last.contains("No space left on device"), "the reason comes last: {last}");
        assert!(!last.contains("/proc/self"), "files are named as the user knows them: {last}");
        if n == staged_files + 2 {
            assert!(last.contains("manifest.json"), "the manifest is the last file written: {last}");
        }
        assert!(last.contains(&out.display().to_string()), "{last}");
        assert!(snapshot(&out) == before, "write {n} failed: the previous set changed");
        assert_eq!(leftovers(&out), Vec::<String>::new(), "write {n} failed: staging left behind");
    }
}

#[test]
fn planted_symlinks_in_out_are_replaced_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    fs::write(&victim, "root's precious file\n").unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let finals = ["summary.json", "report.html", "blocklist.nft", "events.csv", "ips.parquet", "manifest.json"];
    for name in finals {
        symlink(&victim, out.join(name)).unwrap();
    }
    // The temporary names knocklog used to write (NAME.tmp-PID, opened through links):
    // links for the pids the run is likely to get.
    let last_pid: u64 = fs::read_to_string("/proc/sys/kernel/ns_last_pid").unwrap().trim().parse().unwrap();
    for pid in last_pid + 1..last_pid + 400 {
        for name in ["summary.json", "blocklist.txt"] {
            symlink(&victim, out.join(format!("{name}.tmp-{pid}"))).unwrap();
        }
    }

    let run = sample_into(&out, &[]);

    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "root's precious file\n");
    for name in finals {
        let kind = fs::symlink_metadata(out.join(name)).unwrap().file_type();
        assert!(kind.is_file(), "{name}: the planted link was replaced by the file");
    }
}

#[test]
fn the_history_store_writes_through_no_planted_link() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    fs::write(&victim, "root's precious file\n").unwrap();
    let store = tmp.path().join("store");
    fs::create_dir(&store).unwrap();
    // The manifest's temporary name was fixed, and opened through links.
    symlink(&victim, store.join("manifest.json.tmp")).unwrap();
    let run = sample_into(&tmp.path().join("out"), &["--history", store.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "root's precious file\n");
    assert!(store.join("manifest.json").is_file());

    // A dangling link at the lock file's name made root create whatever it named.
    let store = tmp.path().join("store2");
    fs::create_dir(&store).unwrap();
    let created = tmp.path().join("created-by-root");
    symlink(&created, store.join(".lock")).unwrap();
    let refused = sample_into(&tmp.path().join("out2"), &["--history", store.to_str().unwrap()]);
    assert_ne!(refused.status.code(), Some(0), "a store whose lock is a link is not used");
    assert!(!created.exists(), "nothing was created through the link");
}

#[test]
fn an_out_that_is_a_history_store_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let store_arg = store.to_str().unwrap();
    let same = sample_into(&store, &["--history", store_arg]);
    assert_eq!(same.status.code(), Some(1), "{}", stderr(&same));
    assert!(last_line(&same).contains("is the --history store"), "{}", stderr(&same));
    assert!(!store.exists(), "refused before anything was created");

    let made = sample_into(&tmp.path().join("out"), &["--history", store_arg]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let before = snapshot(&store);
    // Both keep a manifest.json: the switch would have replaced the store's.
    let into_store = sample_into(&store, &[]);
    assert_eq!(into_store.status.code(), Some(1), "{}", stderr(&into_store));
    assert!(last_line(&into_store).contains("is a history store"), "{}", stderr(&into_store));
    assert!(snapshot(&store) == before, "the store is untouched");
}

#[test]
fn an_out_that_is_a_symlink_is_refused_unless_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("elsewhere");
    fs::create_dir(&target).unwrap();
    let link = tmp.path().join("out");
    symlink(&target, &link).unwrap();

    let refused = sample_into(&link, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let last = last_line(&refused);
    assert!(last.contains(&format!("--out {} is a symlink", link.display())), "{last}");
    assert!(last.contains("--out-follow-symlink"), "the message names the way out: {last}");
    assert_eq!(fs::read_dir(&target).unwrap().count(), 0, "nothing was written through the link");

    let followed = sample_into(&link, &["--out-follow-symlink"]);
    assert_eq!(followed.status.code(), Some(0), "{}", stderr(&followed));
    assert!(target.join("manifest.json").is_file() && target.join("events.csv").is_file());
}

#[test]
fn an_out_inside_a_scanned_path_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    fs::create_dir(&logs).unwrap();
    fs::write(
        logs.join("access.log"),
        "192.0.2.1 - - [06/Jan/2026:10:00:00 +0000] \"GET /.env HTTP/1.1\" 404 9 \"-\" \"x\"\n",
    )
    .unwrap();
    let out = logs.join("knocklog-out");
    let run = scan_into(&out, &[&logs], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(last_line(&run).contains("is inside the scanned path"), "{}", stderr(&run));
    assert!(!out.exists(), "nothing was created");
}

#[test]
fn leftovers_of_dead_runs_are_swept_and_live_ones_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let (dead, alive) = (dead_pid(), std::process::id());
    let stale_staging = out.join(format!(".knocklog-staging-{dead}-Xq3vT9kLm2Pa"));
    fs::create_dir(&stale_staging).unwrap();
    fs::write(stale_staging.join("events.csv"), "half").unwrap();
    let stale = [
        format!(".summary.json.knocklog-tmp-{dead}-a1b2c3d4e5f6"),
        // A version before staging directories left these.
        format!("events.csv.tmp-{dead}"),
    ];
    for name in &stale {
        fs::write(out.join(name), "half").unwrap();
    }
    // A live pid, but two days old: the pid may be someone else's by now.
    let ancient = out.join(format!(".knocklog-staging-{alive}-oldoldoldold"));
    fs::create_dir(&ancient).unwrap();
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    fs::File::open(&ancient).unwrap().set_modified(two_days_ago).unwrap();
    let live =
        [format!(".knocklog-staging-{alive}-LiveLiveLive"), format!(".report.html.knocklog-tmp-{alive}-livelivelive")];
    fs::create_dir(out.join(&live[0])).unwrap();
    fs::write(out.join(&live[1]), "being written").unwrap();
    let not_ours = format!("notes.txt.tmp-{dead}");
    fs::write(out.join(&not_ours), "the user's").unwrap();

    let run = sample_into(&out, &[]);

    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(!stale_staging.exists(), "a dead run's staging directory is removed");
    assert!(!ancient.exists(), "a day-old staging directory is removed");
    for name in &stale {
        assert!(!out.join(name).exists(), "{name} is removed");
    }
    for name in &live {
        assert!(out.join(name).exists(), "{name} belongs to a live process and is kept");
    }
    assert_eq!(fs::read_to_string(out.join(&not_ours)).unwrap(), "the user's", "not a knocklog file");
}

#[test]
fn a_second_run_into_one_out_fails_fast_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    // This test process plays the run that holds --out: the lock, and its staging
    // directory, which names its pid.
    let lock =
        fs::OpenOptions::new().create(true).truncate(false).write(true).open(out.join(".knocklog.lock")).unwrap();
    lock.lock().unwrap();
    let holder = std::process::id();
    fs::create_dir(out.join(format!(".knocklog-staging-{holder}-HeldHeldHeld"))).unwrap();

    let started = Instant::now();
    let second = sample_into(&out, &[]);
    assert!(started.elapsed() < Duration::from_secs(20), "it failed at once rather than waiting");
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let last = last_line(&second);
    assert!(last.contains(&format!("another knocklog run (pid {holder}) is writing into it")), "{last}");
    assert!(!out.join("events.csv").exists() && !out.join("manifest.json").exists(), "nothing was written");
    drop(lock);
    let third = sample_into(&out, &[]);
    assert_eq!(third.status.code(), Some(0), "once released, --out is usable: {}", stderr(&third));
}

#[test]
fn the_manifest_names_exactly_the_set_and_an_older_sets_files_leave() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(sample_into(&out, &["--html-fragment"]).status.code(), Some(0));
    let first = manifest(&out);
    let run_id = first["run_id"].as_str().unwrap().to_owned();
    assert!(!run_id.is_empty());
    let files = |m: &serde_json::Value| -> Vec<String> {
        m["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
    };
    let on_disk: Vec<String> =
        snapshot(&out).into_keys().filter(|n| !n.starts_with('.') && n != "manifest.json").collect();
    assert_eq!(files(&first), on_disk, "the manifest lists every file of the set, sorted");
    assert_eq!(first["command"], "scan");
    assert_eq!(first["inputs"], serde_json::json!([repo().join("sample-logs").display().to_string()]));
    let arguments: Vec<&str> = first["arguments"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(arguments.contains(&"--html-fragment") && arguments.contains(&"scan"), "{arguments:?}");
    for f in first["files"].as_array().unwrap() {
        let bytes = fs::read(out.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(f["bytes"].as_u64().unwrap(), bytes.len() as u64);
        let sha: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(f["sha256"].as_str().unwrap(), sha, "{}", f["name"]);
    }

    // CSV only, no fragment: the Parquet files and the fragment of the first set go.
    assert_eq!(sample_into(&out, &["--format", "csv"]).status.code(), Some(0));
    let second = manifest(&out);
    assert_ne!(second["run_id"].as_str().unwrap(), run_id);
    assert!(!out.join("events.parquet").exists() && !out.join("report-fragment.html").exists());
    let on_disk: Vec<String> =
        snapshot(&out).into_keys().filter(|n| !n.starts_with('.') && n != "manifest.json").collect();
    assert_eq!(files(&second), on_disk);
}

#[test]
fn exit_codes_say_why_on_the_last_line() {
    let tmp = tempfile::tempdir().unwrap();
    // The sample's three garbage lines are counted, not errors.
    let sample = sample_into(&tmp.path().join("sample"), &[]);
    assert_eq!(sample.status.code(), Some(0), "{}", stderr(&sample));
    assert!(!stderr(&sample).contains("knocklog: exit"), "{}", stderr(&sample));

    // A truncated archive could not be read whole.
    let logs = tmp.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let text: String = (0..3000)
        .map(|i| {
            format!(
                "203.0.113.{} - - [06/Jan/2026:10:00:{:02} +0000] \"GET /p{i} HTTP/1.1\" 404 9 \"-\" \"x\"\n",
                i % 200,
                i % 60
            )
        })
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    fs::write(logs.join("access.log.2.gz"), &gz[..gz.len() / 2]).unwrap();
    let whole: String = text.lines().take(100).map(|l| format!("{l}\n")).collect();
    fs::write(logs.join("access.log"), whole).unwrap();
    let damaged = scan_into(&tmp.path().join("damaged"), &[&logs], &[]);
    assert_eq!(damaged.status.code(), Some(2), "{}", stderr(&damaged));
    assert_eq!(last_line(&damaged), "knocklog: exit 2: 1 file could not be read whole (see above)");
    assert!(tmp.path().join("damaged/manifest.json").is_file(), "the outputs of the rest were written");

    // A usage error says so as the last line too.
    let bad = scan_into(&tmp.path().join("bad"), &[&logs], &["--log-format", "nonsense"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(last_line(&bad).starts_with("knocklog: exit 1: --log-format"), "{}", stderr(&bad));

    // Nothing readable under the paths given.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let nothing = scan_into(&tmp.path().join("none"), &[&empty], &[]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(last_line(&nothing).starts_with("knocklog: exit 2: "), "{}", stderr(&nothing));
}

/// `scan --help` documents the codes.
#[test]
fn scan_help_lists_the_exit_codes() {
    let help = knocklog().args(["scan", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for code in ["0  every readable file", "1  usage", "2  some input", "3  the outputs"] {
        assert!(text.contains(code), "{code}: {text}");
    }
}
