//! The crate's layering, read from its own source: every `crate::` path in
//! `src/**/*.rs` names a folder at or below the importing one in the declared order,
//! and no two folders import each other. A new arrow running upwards fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::repo;

/// The stages from the bottom up; folders on one line share a level (they may import
/// each other's vocabulary in one direction only). `cli` is the raw command line,
/// which only `config` and `cmd` may see.
const LEVELS: &[&[&str]] = &[
    &["vocab"],
    &["input"],
    &["parse"],
    &["detect"],
    &["aggregate", "learn"],
    &["pipeline"],
    &["findings"],
    &["enrich"],
    &["output", "store"],
    &["query"],
    &["config", "cli"],
    &["cmd"],
    // The fuzz entry points drive parsers and readers; nothing imports them.
    &["fuzzing"],
];

fn level(folder: &str) -> Option<usize> {
    LEVELS.iter().position(|l| l.contains(&folder))
}

/// The top folder of a file under src/ (`src/parse/sshd.rs` -> parse, `src/cli.rs` -> cli).
fn folder_of(relative: &Path) -> String {
    let first = relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
    first.unwrap_or_default().trim_end_matches(".rs").to_owned()
}

/// The crate folders a file's code names: `crate::x::...` and `use crate::{x, y::z}`.
/// Comments are left out: a doc may mention any stage.
fn imported_folders(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            // Each item of the group starts a path: `a::b, c, d::{e, f}`.
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        let word: String =
                            group[j..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        out.insert(word);
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !word.is_empty() {
                out.insert(word);
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_import_runs_down_the_declared_levels() {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut arrows: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let from = folder_of(relative);
        // The binaries sit on top of the library and reach it as `knocklog::`.
        if from == "bin" || from == "lib" || from == "main" {
            continue;
        }
        let Some(from_level) = level(&from) else {
            problems.push(format!("src/{}: folder `{from}` has no level in LEVELS", relative.display()));
            continue;
        };
        for to in imported_folders(&std::fs::read_to_string(file).unwrap()) {
            if to == from {
                continue;
            }
            let Some(to_level) = level(&to) else {
                problems.push(format!("src/{}: imports `crate::{to}`, which has no level", relative.display()));
                continue;
            };
            if to_level > from_level {
                problems.push(format!("src/{}: `{from}` imports `{to}`, a later stage", relative.display()));
            }
            arrows.entry((from.clone(), to)).or_default().push(relative.display().to_string());
        }
    }
    for ((from, to), files) in &arrows {
        if from < to && arrows.contains_key(&(to.clone(), from.clone())) {
            let back = &arrows[&(to.clone(), from.clone())];
            problems.push(format!(
                "`{from}` and `{to}` import each other ({} / {})",
                files.join(", "),
                back.join(", ")
            ));
        }
    }
    assert!(problems.is_empty(), "the layering is broken:\n{}", problems.join("\n"));
}

#[test]
fn the_import_reader_sees_groups_and_paths() {
    let seen = imported_folders(
        "use crate::vocab::event::Event;\nuse crate::{detect::Hit, parse, output::{a, b}};\n// crate::cmd in a comment\nlet x = crate::store::open();",
    );
    let want: BTreeSet<String> = ["vocab", "detect", "parse", "output", "store"].map(String::from).into();
    assert_eq!(seen, want);
}
