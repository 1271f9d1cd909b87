//! DataFrames (query results, tables read back from the store) as text: an aligned
//! table for the terminal (attacker text made safe), CSV (formula cells neutralised,
//! like knocklog's own CSV tables) and Parquet files.
//! Timestamps print as in the CSV tables (RFC 3339 UTC), dates as YYYY-MM-DD, lists
//! as the JSON arrays of the CSV tables.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use polars::prelude::*;

use super::csv_out::needs_neutralising;
use crate::vocab::text::for_terminal;
use crate::vocab::time::{format_day, format_ts};

/// Widest a cell gets on the terminal; longer text is cut with `...` (CSV and Parquet
/// keep it whole).
const MAX_CELL: usize = 60;

/// Every cell of `df` as text (None: null), column by column.
pub fn cells(df: &DataFrame) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    df.columns().iter().map(|c| column_cells(c.as_materialized_series())).collect()
}

fn column_cells(s: &Series) -> anyhow::Result<Vec<Option<String>>> {
    Ok(match s.dtype() {
        DataType::Datetime(unit, _) => {
            let per_micro = match unit {
                TimeUnit::Nanoseconds => 1000,
                TimeUnit::Microseconds => 1,
                TimeUnit::Milliseconds => -1000,
            };
            let phys = s.to_physical_repr();
            phys.i64()?
                .iter()
                .map(|v| {
                    v.map(|v| match per_micro {
                        1 => format_ts(v),
                        -1000 => format_ts(v * 1000),
                        n => format_ts(v.div_euclid(n)),
                    })
                })
                .collect()
        }
        DataType::Date => s.to_physical_repr().i32()?.iter().map(|v| v.map(format_day)).collect(),
        DataType::Float32 | DataType::Float64 => {
            s.cast(&DataType::Float64)?.f64()?.iter().map(|v| v.map(format_float)).collect()
        }
        DataType::Boolean => s.bool()?.iter().map(|v| v.map(|b| b.to_string())).collect(),
        DataType::List(_) | DataType::Struct(_) => (0..s.len())
            .map(|i| match s.get(i)? {
                AnyValue::Null => Ok(None),
                v => Ok(Some(json(&v))),
            })
            .collect::<PolarsResult<_>>()?,
        DataType::String => s.str()?.iter().map(|v| v.map(str::to_owned)).collect(),
        dtype if dtype.is_integer() => {
            s.cast(&DataType::Int64)?.i64()?.iter().map(|v| v.map(|x| x.to_string())).collect()
        }
        _ => match s.cast(&DataType::String) {
            Ok(text) => text.str()?.iter().map(|v| v.map(str::to_owned)).collect(),
            Err(_) => (0..s.len()).map(|i| s.get(i).ok().map(|v| v.to_string())).collect(),
        },
    })
}

/// A nested value as JSON text, as the CSV tables write list cells: structs as objects
/// with their fields in order, dates and timestamps as text.
fn json(v: &AnyValue) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &AnyValue) {
    let text = |s: &str| serde_json::Value::from(s).to_string();
    match v {
        AnyValue::Null => out.push_str("null"),
        AnyValue::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        AnyValue::Date(d) => out.push_str(&text(&format_day(*d))),
        AnyValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, &item);
            }
            out.push(']');
        }
        AnyValue::Struct(..) | AnyValue::StructOwned(_) => {
            let DataType::Struct(fields) = v.dtype() else { unreachable!("a struct value has a struct type") };
            out.push('{');
            for (i, (field, item)) in fields.iter().zip(v._iter_struct_av()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&text(field.name()));
                out.push(':');
                write_json(out, &item);
            }
            out.push('}');
        }
        v if v.is_integer() => out.push_str(&v.extract::<i64>().map_or("null".into(), |x| x.to_string())),
        v if v.is_float() => out.push_str(
            &v.extract::<f64>().and_then(serde_json::Number::from_f64).map_or("null".into(), |x| x.to_string()),
        ),
        v => out.push_str(&text(&v.get_str().map_or_else(|| v.to_string(), str::to_owned))),
    }
}

/// Floats with up to three decimals, without trailing zeros (`12.5`, `3`).
fn format_float(x: f64) -> String {
    let text = format!("{x:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Writes `df` as an aligned table: a header, a rule, one line per row, then the row
/// count. Every cell goes through `for_terminal` first.
pub fn write_table(out: &mut impl Write, df: &DataFrame) -> anyhow::Result<()> {
    let names: Vec<String> = df.get_column_names().iter().map(|n| for_terminal(n.as_str())).collect();
    let columns = cells(df)?;
    let numeric: Vec<bool> = df.columns().iter().map(|c| c.dtype().is_primitive_numeric()).collect();
    let shown: Vec<Vec<String>> = columns
        .iter()
        .map(|col| col.iter().map(|v| v.as_deref().map(|s| shorten(&for_terminal(s))).unwrap_or_default()).collect())
        .collect();
    let widths: Vec<usize> = names
        .iter()
        .zip(&shown)
        .map(|(n, col)| col.iter().map(|s| s.chars().count()).chain([n.chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                text.push_str("  ");
            }
            if numeric[i] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                if i + 1 < cells.len() {
                    text.push_str(&" ".repeat(pad));
                }
            }
        }
        text
    };
    writeln!(out, "{}", line(names.iter().map(String::as_str).collect()))?;
    writeln!(
        out,
        "{}",
        line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect())
    )?;
    for row in 0..df.height() {
        writeln!(out, "{}", line(shown.iter().map(|col| col[row].as_str()).collect()))?;
    }
    writeln!(out, "({} row{})", df.height(), if df.height() == 1 { "" } else { "s" })?;
    Ok(())
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_CELL) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

/// Writes `df` as CSV: a header, then the rows; text that a spreadsheet would run as a
/// formula gets a leading `'`.
pub fn write_csv(out: impl Write, df: &DataFrame) -> anyhow::Result<()> {
    let columns = cells(df)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(df.get_column_names().iter().map(|n| n.as_str()))?;
    let text: Vec<bool> = df
        .columns()
        .iter()
        .map(|c| matches!(c.dtype(), DataType::String | DataType::Categorical(..) | DataType::Enum(..)))
        .collect();
    let mut cell = String::new();
    for row in 0..df.height() {
        for (i, col) in columns.iter().enumerate() {
            cell.clear();
            if let Some(v) = &col[row] {
                if text[i] && needs_neutralising(v) {
                    cell.push('\'');
                }
                cell.push_str(v);
            }
            w.write_field(&cell)?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `df` as one JSON object per row (JSON Lines), for scripts: numbers and
/// booleans as JSON numbers and booleans, everything else as strings (timestamps as in
/// the CSV tables), nulls as null.
pub fn write_json_lines(out: &mut impl Write, df: &DataFrame) -> anyhow::Result<()> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let columns = cells(df)?;
    let kinds: Vec<&DataType> = df.columns().iter().map(|c| c.dtype()).collect();
    for row in 0..df.height() {
        let mut object = serde_json::Map::with_capacity(names.len());
        for (i, col) in columns.iter().enumerate() {
            let value = match (&col[row], kinds[i]) {
                (None, _) => serde_json::Value::Null,
                (Some(v), DataType::Boolean) => serde_json::Value::Bool(v == "true"),
                (Some(v), DataType::List(_) | DataType::Struct(_)) => {
                    serde_json::from_str(v).unwrap_or_else(|_| v.as_str().into())
                }
                (Some(v), t) if t.is_primitive_numeric() => {
                    serde_json::from_str::<serde_json::Number>(v).map_or_else(|_| v.as_str().into(), Into::into)
                }
                (Some(v), _) => v.as_str().into(),
            };
            object.insert(names[i].to_owned(), value);
        }
        writeln!(out, "{}", serde_json::Value::Object(object))?;
    }
    Ok(())
}

/// Writes `df` to `path`, as CSV or Parquet by its extension, whole or not at all
/// (`vocab::files`: a new temporary file, renamed over `path` when complete).
pub fn write_file(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    if !matches!(ext.as_str(), "csv" | "parquet") {
        anyhow::bail!("--out {}: expected a .csv or .parquet file name", path.display());
    }
    let (file, pending) = crate::vocab::files::PendingFile::create(path)?;
    let written = match ext.as_str() {
        "csv" => write_csv(std::io::BufWriter::new(file), df),
        _ => ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .map(drop)
            .map_err(anyhow::Error::from),
    };
    written.with_context(|| format!("writing {}", path.display()))?;
    pending.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        let ts = Int64Chunked::from_iter_options("ts".into(), [Some(1_767_571_200_000_000), None].into_iter())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series()
            .into_column();
        let ip = Series::new("ip".into(), [Some("=cmd|' /C calc'!A0"), Some("a\x1b[31mb")]).into_column();
        let score = Series::new("score".into(), [Some(12.5f64), Some(3.0)]).into_column();
        DataFrame::new(2, vec![ts, ip, score]).unwrap()
    }

    #[test]
    fn terminal_table_is_aligned_and_safe() {
        let mut out = Vec::new();
        write_table(&mut out, &frame()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ts                    ip                  score");
        assert_eq!(lines[2], "2026-01-05T00:00:00Z  =cmd|' /C calc'!A0   12.5");
        assert_eq!(lines[3], "                      a\\x1b[31mb              3");
        assert_eq!(lines[4], "(2 rows)");
    }

    #[test]
    fn csv_neutralises_formulas() {
        let mut out = Vec::new();
        write_csv(&mut out, &frame()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "ts,ip,score\n2026-01-05T00:00:00Z,'=cmd|' /C calc'!A0,12.5\n,a\x1b[31mb,3\n");
    }
}
