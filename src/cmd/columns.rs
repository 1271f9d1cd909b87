//! `knocklog columns [TABLE] [--json|--markdown]`: the data dictionary, every table's
//! columns with their Parquet type, CSV form and meaning, printed from the declarations
//! the writers are checked against (`output::columns`). GUIDE.md holds the Markdown
//! form (a test keeps it equal).

use std::io::Write;

use anyhow::Context;

use super::EXIT_OK;
use crate::cli::ColumnsArgs;
use crate::config::UsageError;
use crate::output::columns::{tables, TableDoc};

pub fn run(args: &ColumnsArgs) -> anyhow::Result<u8> {
    let all = tables();
    let chosen: Vec<&TableDoc> = all.iter().filter(|t| args.table.as_deref().is_none_or(|n| n == t.name)).collect();
    if chosen.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        for t in &all {
            if !names.contains(&t.name) {
                names.push(t.name);
            }
        }
        let asked = crate::vocab::text::for_terminal(args.table.as_deref().unwrap_or_default());
        return Err(UsageError(format!("no table {asked:?}; the tables are {}", names.join(", "))).into());
    }
    let mut out = std::io::stdout().lock();
    let text = match (args.json, args.markdown) {
        (true, _) => format!("{}\n", json(&chosen)),
        (_, true) => markdown(&chosen),
        _ => text(&chosen),
    };
    out.write_all(text.as_bytes()).context("writing the columns")?;
    Ok(EXIT_OK)
}

/// Every table as a heading, then one aligned line per column: name, type, meaning.
pub fn text(tables: &[&TableDoc]) -> String {
    let name_width = tables.iter().flat_map(|t| t.columns.iter().map(|c| c.name.len())).max().unwrap_or(0);
    let type_width =
        tables.iter().flat_map(|t| t.columns.iter().map(|c| c.kind.polars_name().len())).max().unwrap_or(0);
    let mut out = String::new();
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let place = match t.place {
            crate::output::columns::Place::Out => "in --out",
            crate::output::columns::Place::FleetOut => "in a fleet report's --out",
            crate::output::columns::Place::Store => "in a history store",
        };
        out.push_str(&format!("{} ({place}): {}\n", t.name, t.row));
        for c in t.columns {
            let kind = c.kind.polars_name();
            out.push_str(&format!("  {:name_width$}  {kind:type_width$}  {}\n", c.name, c.about));
        }
    }
    out.push_str(
        "\nTypes as polars names them; --json adds DuckDB's, Arrow's and the CSV form (lists: a JSON array in the cell).\n",
    );
    out
}

/// The tables as one JSON array: `[{"table", "in", "row", "columns": [{"name", "type"
/// (polars), "duckdb", "arrow" (pyarrow), "csv", "about"}]}]`.
pub fn json(tables: &[&TableDoc]) -> serde_json::Value {
    tables
        .iter()
        .map(|t| {
            let columns: Vec<serde_json::Value> = t
                .columns
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name,
                        "type": c.kind.polars_name(),
                        "duckdb": c.kind.duckdb_name(),
                        "arrow": c.kind.arrow_name(),
                        "csv": c.kind.csv_form(),
                        "about": c.about,
                    })
                })
                .collect();
            serde_json::json!({ "table": t.name, "in": t.place.as_str(), "row": t.row, "columns": columns })
        })
        .collect()
}

/// Every table as a Markdown heading line and a table of name, polars type, CSV form
/// and meaning.
pub fn markdown(tables: &[&TableDoc]) -> String {
    let mut out = String::new();
    for t in tables {
        let place = match t.place {
            crate::output::columns::Place::Out => "`--out`",
            crate::output::columns::Place::FleetOut => "a fleet report's `--out`",
            crate::output::columns::Place::Store => "history store",
        };
        out.push_str(&format!("**`{}`** ({place}): {}\n\n", t.name, t.row));
        out.push_str("| column | type (polars) | CSV | meaning |\n|---|---|---|---|\n");
        for c in t.columns {
            let cell = |s: &str| s.replace('|', "\\|");
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} |\n",
                c.name,
                c.kind.polars_name(),
                cell(c.kind.csv_form()),
                cell(&c.about)
            ));
        }
        out.push('\n');
    }
    out
}
