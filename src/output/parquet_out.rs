//! Parquet output with polars: a batch becomes a DataFrame (categorical low-cardinality
//! text, UTC microsecond datetimes, dates, and real lists: of (value, count) structs,
//! of dates, of categories) appended as a row group, so a table is never held whole
//! in memory.

use std::fs::File;
use std::io::BufWriter;

use anyhow::Context;
use polars::prelude::*;
// Explicit: the prelude also has the CSV writer's BatchedWriter (enabled by polars-lazy).
use polars::io::parquet::write::BatchedWriter;

use super::table::{Batch, ListColumn, Values};

/// polars writes the file's metadata a field at a time (42k writes of 53 bytes on
/// average for the 1 GB bench's events table): the buffer turns them into a few large
/// writes. The writer flushes it when it ends the file.
type Sink = BufWriter<File>;

pub struct ParquetTable {
    writer: Option<BatchedWriter<Sink>>,
    file: Option<File>,
}

impl ParquetTable {
    /// Writes into `file`, newly created (see `vocab::files::PendingFile`).
    pub fn new(file: File) -> Self {
        ParquetTable { writer: None, file: Some(file) }
    }

    pub fn write(&mut self, batch: &Batch) -> anyhow::Result<()> {
        let df = to_dataframe(batch)?;
        if self.writer.is_none() {
            let file = self.file.take().context("parquet writer already finished")?;
            let writer = ParquetWriter::new(BufWriter::with_capacity(1 << 20, file))
                .with_compression(ParquetCompression::Zstd(None))
                .batched(df.schema())?;
            self.writer = Some(writer);
        }
        if df.height() > 0 {
            self.writer.as_mut().context("parquet writer missing")?.write_batch(&df)?;
        }
        Ok(())
    }

    /// Writes the footer. `empty` describes the columns when no batch was written.
    pub fn finish(mut self, empty: &Batch) -> anyhow::Result<()> {
        if self.writer.is_none() {
            self.write(empty)?;
        }
        let writer = self.writer.take().context("parquet writer missing")?;
        writer.finish()?;
        Ok(())
    }
}

/// Converts a batch to a DataFrame with knocklog's column types.
/// Columns are converted in parallel: a batch is written while the other workers keep
/// parsing, and converting strings is most of the cost of writing Parquet.
pub fn to_dataframe(batch: &Batch) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let columns = batch.columns.par_iter().map(to_column).collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(batch.rows(), columns)
}

pub fn to_column(c: &super::table::Column) -> PolarsResult<polars::prelude::Column> {
    let name = PlSmallStr::from_static(c.name);
    let series = match &c.values {
        Values::Text(v) => StringChunked::from_iter_options(name, v.iter()).into_series(),
        Values::Category(v) => StringChunked::from_iter_options(name, v.iter())
            .into_series()
            .cast(&DataType::from_categories(Categories::global()))?,
        Values::Timestamp(v) => Int64Chunked::from_iter_options(name, v.iter().copied())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series(),
        Values::Date(v) => Int32Chunked::from_vec(name, v.clone()).into_date().into_series(),
        Values::Int(v) => Series::new(name, v),
        Values::Float(v) => Series::new(name, v),
        Values::Bool(v) => Series::new(name, v),
        Values::TextCounts(v) => {
            let (values, counts, ends) = v.parts();
            let value = StringChunked::from_iter_options("value".into(), values.iter()).into_series();
            counted(name, value, counts, ends)?
        }
        Values::IntCounts(v) => {
            let (values, counts) = v.items().iter().copied().unzip();
            int_counts(name, values, counts, v.ends())?
        }
        Values::Dates(v) => {
            let days = Int32Chunked::from_slice("".into(), v.items()).into_date().into_series();
            list(name, days, v.ends())?
        }
        Values::Categories(v) => list_of_names(name, v)?.cast(&c.values.kind().dtype())?,
    };
    debug_assert_eq!(series.dtype(), &c.values.kind().dtype(), "{}", c.name);
    Ok(series.into_column())
}

/// An `IntCounts` column from its parts: row i holds the (value, count) items up to
/// `ends[i]`.
pub fn int_counts(name: PlSmallStr, values: Vec<i64>, counts: Vec<i64>, ends: &[usize]) -> PolarsResult<Series> {
    counted(name, Int64Chunked::from_vec("value".into(), values).into_series(), &counts, ends)
}

/// A list column of `{value, count}` structs: row i holds the items up to `ends[i]`.
fn counted(name: PlSmallStr, value: Series, counts: &[i64], ends: &[usize]) -> PolarsResult<Series> {
    let count = Series::new("count".into(), counts);
    let items = StructChunked::from_series("".into(), value.len(), [value, count].iter())?.into_series();
    list(name, items, ends)
}

fn list_of_names(name: PlSmallStr, v: &ListColumn<&'static str>) -> PolarsResult<Series> {
    list(name, StringChunked::from_slice("".into(), v.items()).into_series(), v.ends())
}

/// The list column whose row i holds `items` up to `ends[i]`, built on the items'
/// Arrow array without copying them (a large-list array over its offsets).
fn list(name: PlSmallStr, items: Series, ends: &[usize]) -> PolarsResult<Series> {
    let items = items.rechunk();
    let values = items.to_arrow(0, CompatLevel::newest());
    let offsets: Vec<i64> = std::iter::once(0).chain(ends.iter().map(|&e| e as i64)).collect();
    let dtype = LargeListArray::default_datatype(values.dtype().clone());
    let array = LargeListArray::try_new(dtype, offsets.try_into()?, values, None)?;
    Series::from_arrow(name, array.boxed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::{tables, Kind};
    use crate::output::table::BatchBuilder;

    /// Every kind becomes the polars type the dictionary declares, empty or not, and a
    /// list's rows hold their own items.
    #[test]
    fn every_kind_has_its_declared_type() {
        for rows in [0, 2] {
            let pick = |v: Vec<(&'static str, u64)>| v.into_iter().take(rows).collect::<Vec<_>>();
            let batch = BatchBuilder::new()
                .text("t", (0..rows).map(|_| Some("x")))
                .category("c", (0..rows).map(|_| Some("x")))
                .timestamp("ts", (0..rows).map(|_| Some(1)))
                .date("d", (0..rows).map(|_| 1))
                .int("i", (0..rows).map(|_| Some(1)))
                .float("f", (0..rows).map(|_| Some(1.0)))
                .boolean("b", (0..rows).map(|_| Some(true)))
                .text_counts("tc", pick(vec![("a", 1), ("b", 2)]).into_iter().map(|i| vec![i]))
                .int_counts("ic", (0..rows).map(|r| vec![(404, r as i64); r]))
                .dates("ds", (0..rows).map(|r| vec![7; r]))
                .categories("cs", (0..rows).map(|r| vec!["probe"; r]))
                .build();
            let df = to_dataframe(&batch).unwrap();
            let kinds = [
                Kind::Text,
                Kind::Category,
                Kind::Timestamp,
                Kind::Date,
                Kind::Int,
                Kind::Float,
                Kind::Bool,
                Kind::TextCounts,
                Kind::IntCounts,
                Kind::Dates,
                Kind::Categories,
            ];
            for (column, kind) in df.columns().iter().zip(kinds) {
                assert_eq!(column.dtype(), &kind.dtype(), "{} of {rows} rows", column.name());
            }
            if rows == 2 {
                let lens: Vec<Option<u32>> = df.column("ic").unwrap().list().unwrap().lst_lengths().iter().collect();
                assert_eq!(lens, [Some(0), Some(1)]);
            }
        }
        // Each documented table builds, even empty, with its declared columns.
        assert!(tables().iter().all(|t| !t.columns.is_empty()));
    }
}
