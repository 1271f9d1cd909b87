//! `knocklog query`: SQL (a canned file from queries/ or `--sql`) over every table of a
//! data directory, printed as an aligned table on a terminal, as CSV when piped, as
//! JSON Lines with `--json`, or written to `--out FILE.csv|FILE.parquet`.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use super::{EXIT_OK, EXIT_USAGE};
use crate::cli::QueryArgs;
use crate::config::UsageError;
use crate::output::frame as render;
use crate::query;
use crate::vocab::text::for_terminal;

pub fn run(args: &QueryArgs) -> anyhow::Result<u8> {
    let data = &args.data;
    if !data.is_dir() {
        return Err(UsageError(format!(
            "--data {}: not a directory (give a scan's or report's --out, a history store, or a fleet of them)",
            data.display()
        ))
        .into());
    }
    // A history store: finish any interrupted run first, so every day is as committed.
    // A store with a day file missing or changed would answer from the rest. A fleet:
    // the same for each of its servers' stores.
    if let Some(servers) = crate::store::fleet::servers(data)? {
        for server in servers {
            crate::store::Store::open(&server.dir, false)?.ensure_whole()?;
        }
    } else if data.join(crate::store::MANIFEST).is_file() && !crate::output::out_dir::is_output_set(data) {
        // (A scan's --out has a manifest.json too, of its own kind.)
        crate::store::Store::open(data, false)?.ensure_whole()?;
    }
    let mut tables = query::find_tables(data)?;
    if let Some(manifest) = crate::output::out_dir::read_manifest(data) {
        // A scan's or report's --out: only the files of its current set are its tables.
        // One the set does not list (left by hand, or by another tool) is not read.
        tables.retain(|t| {
            let listed = t.source.file_name().is_some_and(|n| manifest.files.iter().any(|f| *n == *f.name));
            if !listed {
                let shown = for_terminal(&t.source.display().to_string());
                eprintln!(
                    "knocklog: {shown}: not part of the set manifest.json lists (run {}); not read",
                    manifest.run_id
                );
            }
            listed
        });
        ensure_as_listed(&tables, &manifest)?;
    }
    if tables.is_empty() {
        return Err(
            UsageError(format!("--data {}: no tables there (no *.parquet, no history store)", data.display())).into()
        );
    }
    if args.tables {
        print!("{}", query::describe(&tables));
        return Ok(EXIT_OK);
    }
    let sql = match (&args.file, &args.sql) {
        (_, Some(sql)) => sql.clone(),
        (Some(file), None) => {
            let bytes = crate::vocab::files::read_small_file(file, crate::vocab::files::MAX_INPUT_FILE_BYTES)
                .with_context(|| format!("reading {}", file.display()))?;
            String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", file.display()))?
        }
        (None, None) => return Err(UsageError("give a FILE.sql, --sql 'SELECT ...' or --tables".into()).into()),
    };
    let mut ctx = query::context_for(&tables, &sql)?;
    let mut df = match query::run(&mut ctx, &sql) {
        Ok(df) => df,
        Err(e) => {
            let what = args.file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default();
            // polars' messages run over several lines: each is shown as a line.
            let message = e.to_string();
            let mut lines = message.lines();
            let first = lines.next().unwrap_or_default();
            eprintln!("knocklog: {}query failed: {}", for_terminal(&what), for_terminal(first));
            for line in lines {
                eprintln!("knocklog:     {}", for_terminal(line));
            }
            eprintln!("tables in {}:", for_terminal(&data.display().to_string()));
            eprint!("{}", query::describe(&tables));
            return Ok(super::stop(EXIT_USAGE, "the query failed (its error and the tables are above)"));
        }
    };
    match &args.out {
        Some(path) => render::write_file(path, &mut df)?,
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            if args.json {
                render::write_json_lines(&mut out, &df)?;
            } else if stdout.is_terminal() {
                render::write_table(&mut out, &df)?;
            } else {
                render::write_csv(&mut out, &df)?;
            }
            out.flush()?;
        }
    }
    Ok(EXIT_OK)
}

/// Fails when a table file's size is not what the set's manifest says: a run is
/// switching a new set in (or died half-way), or someone replaced the file.
fn ensure_as_listed(tables: &[query::Table], manifest: &crate::output::out_dir::Manifest) -> anyhow::Result<()> {
    for table in tables {
        let Some(name) = table.source.file_name() else { continue };
        let Some(listed) = manifest.files.iter().find(|f| *name == *f.name) else { continue };
        let bytes = std::fs::metadata(&table.source).map(|m| m.len()).unwrap_or(u64::MAX);
        anyhow::ensure!(
            bytes == listed.bytes,
            "{}: {} bytes, but manifest.json (run {}) says {}: a run is switching its outputs in, or the file was replaced; query again once it is done",
            for_terminal(&table.source.display().to_string()),
            bytes,
            manifest.run_id,
            listed.bytes
        );
    }
    Ok(())
}
