//! A batch of a table as typed columns: the one description both the CSV and the
//! Parquet writers read, so the two formats always have the same columns. A batch of
//! a documented table is checked against its declaration (`columns`) as it is built.

use super::columns::{ColumnDoc, Kind};

/// The values of one column. `None` is a null (an absent field), distinct from "".
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Free text from the logs (paths, user agents...).
    Text(TextColumn),
    /// Low-cardinality text (log kinds, methods, files): categorical in Parquet.
    Category(TextColumn),
    /// UTC timestamps in microseconds.
    Timestamp(Vec<Option<i64>>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    /// Per row, a list of (text, count): usernames tried, paths, user agents.
    TextCounts(TextCounts),
    /// Per row, a list of (integer, count): HTTP statuses.
    IntCounts(ListColumn<(i64, i64)>),
    /// Per row, a list of days (since 1970-01-01).
    Dates(ListColumn<i32>),
    /// Per row, a list of low-cardinality names (categories): categorical in Parquet.
    Categories(ListColumn<&'static str>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) | Values::Category(v) => v.len(),
            Values::Timestamp(v) | Values::Int(v) => v.len(),
            Values::Date(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::TextCounts(v) => v.len(),
            Values::IntCounts(v) => v.len(),
            Values::Dates(v) => v.len(),
            Values::Categories(v) => v.len(),
        }
    }

    /// The type the column is declared with.
    pub fn kind(&self) -> Kind {
        match self {
            Values::Text(_) => Kind::Text,
            Values::Category(_) => Kind::Category,
            Values::Timestamp(_) => Kind::Timestamp,
            Values::Date(_) => Kind::Date,
            Values::Int(_) => Kind::Int,
            Values::Float(_) => Kind::Float,
            Values::Bool(_) => Kind::Bool,
            Values::TextCounts(_) => Kind::TextCounts,
            Values::IntCounts(_) => Kind::IntCounts,
            Values::Dates(_) => Kind::Dates,
            Values::Categories(_) => Kind::Categories,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cells of a text column in one buffer: building a batch of events costs a
/// copy of their bytes, not an allocation per cell (which was a tenth of a scan).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextColumn {
    text: String,
    /// Where each cell ends in `text`; a null cell is empty and marked in `nulls`.
    ends: Vec<usize>,
    nulls: Vec<bool>,
}

impl TextColumn {
    pub fn with_capacity(rows: usize) -> Self {
        TextColumn { text: String::new(), ends: Vec::with_capacity(rows), nulls: Vec::with_capacity(rows) }
    }

    pub fn push(&mut self, cell: Option<&str>) {
        self.text.push_str(cell.unwrap_or_default());
        self.ends.push(self.text.len());
        self.nulls.push(cell.is_none());
    }

    /// Pushes `s`, or a null when it is empty (an absent field).
    pub fn push_present(&mut self, s: &str) {
        self.push((!s.is_empty()).then_some(s));
    }

    pub fn get(&self, row: usize) -> Option<&str> {
        if self.nulls[row] {
            return None;
        }
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        Some(&self.text[start..self.ends[row]])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for TextColumn {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(cells: I) -> Self {
        let cells = cells.into_iter();
        let mut column = TextColumn::with_capacity(cells.size_hint().0);
        for cell in cells {
            column.push(cell.as_ref().map(AsRef::as_ref));
        }
        column
    }
}

/// Per row a list of items, in one buffer: `ends[row]` is where the row's items end.
/// A row with no items is an empty list, never a null.
#[derive(Clone, Debug, PartialEq)]
pub struct ListColumn<T> {
    items: Vec<T>,
    ends: Vec<usize>,
}

impl<T> Default for ListColumn<T> {
    fn default() -> Self {
        ListColumn { items: Vec::new(), ends: Vec::new() }
    }
}

impl<T> ListColumn<T> {
    pub fn push_row(&mut self, items: impl IntoIterator<Item = T>) {
        self.items.extend(items);
        self.ends.push(self.items.len());
    }

    pub fn row(&self, row: usize) -> &[T] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.items[start..self.ends[row]]
    }

    /// Every row's items one after the other.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl<T, R: IntoIterator<Item = T>> FromIterator<R> for ListColumn<T> {
    fn from_iter<I: IntoIterator<Item = R>>(rows: I) -> Self {
        let mut column = ListColumn::default();
        for row in rows {
            column.push_row(row);
        }
        column
    }
}

/// Per row a list of (text, count), the texts in one buffer like a `TextColumn`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextCounts {
    values: TextColumn,
    counts: Vec<i64>,
    ends: Vec<usize>,
}

impl TextCounts {
    pub fn push_row<'a>(&mut self, items: impl IntoIterator<Item = (&'a str, u64)>) {
        for (value, count) in items {
            self.values.push(Some(value));
            self.counts.push(count as i64);
        }
        self.ends.push(self.counts.len());
    }

    /// The items of `row`, as (value, count).
    pub fn row(&self, row: usize) -> impl ExactSizeIterator<Item = (&str, i64)> + '_ {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        (start..self.ends[row]).map(|i| (self.values.get(i).unwrap_or_default(), self.counts[i]))
    }

    /// Every row's values and counts one after the other, and where each row ends.
    pub fn parts(&self) -> (&TextColumn, &[i64], &[usize]) {
        (&self.values, &self.counts, &self.ends)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl<'a, R: IntoIterator<Item = (&'a str, u64)>> FromIterator<R> for TextCounts {
    fn from_iter<I: IntoIterator<Item = R>>(rows: I) -> Self {
        let mut column = TextCounts::default();
        for row in rows {
            column.push_row(row);
        }
        column
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: &'static str,
    pub values: Values,
}

/// Rows of one table, column by column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub columns: Vec<Column>,
}

impl Batch {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }
}

/// Builds a `Batch` column by column with short calls.
pub struct BatchBuilder {
    batch: Batch,
    /// The table's declared columns, which the batch must have in order, name and type.
    declared: Option<&'static [ColumnDoc]>,
}

impl BatchBuilder {
    /// A batch of columns declared nowhere (tests, ad-hoc frames).
    pub fn new() -> Self {
        BatchBuilder { batch: Batch::default(), declared: None }
    }

    /// A batch of a documented table: every column must be the next one `declared`
    /// (same name, same type) and `build` checks that none was left out, so the files
    /// written and `knocklog columns` cannot drift apart. A mismatch is a bug of
    /// knocklog's, caught by any test that builds the table (even empty).
    pub fn of(declared: &'static [ColumnDoc]) -> Self {
        BatchBuilder { batch: Batch::default(), declared: Some(declared) }
    }

    pub fn col(mut self, name: &'static str, values: Values) -> Self {
        if let Some(declared) = self.declared {
            let at = self.batch.columns.len();
            let doc = declared.get(at).unwrap_or_else(|| panic!("column {name} is not declared"));
            assert!(
                doc.name == name && doc.kind == values.kind(),
                "column {at} is {name} ({:?}) but is declared as {} ({:?})",
                values.kind(),
                doc.name,
                doc.kind
            );
        }
        self.batch.columns.push(Column { name, values });
        self
    }

    pub fn text<S: AsRef<str>, I: IntoIterator<Item = Option<S>>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Text(it.into_iter().collect()))
    }

    pub fn category<S: AsRef<str>, I: IntoIterator<Item = Option<S>>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Category(it.into_iter().collect()))
    }

    pub fn timestamp<I: IntoIterator<Item = Option<i64>>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Timestamp(it.into_iter().collect()))
    }

    pub fn date<I: IntoIterator<Item = i32>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Date(it.into_iter().collect()))
    }

    pub fn int<I: IntoIterator<Item = Option<i64>>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Int(it.into_iter().collect()))
    }

    pub fn float<I: IntoIterator<Item = Option<f64>>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Float(it.into_iter().collect()))
    }

    pub fn boolean<I: IntoIterator<Item = Option<bool>>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Bool(it.into_iter().collect()))
    }

    pub fn text_counts<'a, R: IntoIterator<Item = (&'a str, u64)>, I: IntoIterator<Item = R>>(
        self,
        name: &'static str,
        it: I,
    ) -> Self {
        self.col(name, Values::TextCounts(it.into_iter().collect()))
    }

    pub fn int_counts<R: IntoIterator<Item = (i64, i64)>, I: IntoIterator<Item = R>>(
        self,
        name: &'static str,
        it: I,
    ) -> Self {
        self.col(name, Values::IntCounts(it.into_iter().collect()))
    }

    pub fn dates<R: IntoIterator<Item = i32>, I: IntoIterator<Item = R>>(self, name: &'static str, it: I) -> Self {
        self.col(name, Values::Dates(it.into_iter().collect()))
    }

    pub fn categories<R: IntoIterator<Item = &'static str>, I: IntoIterator<Item = R>>(
        self,
        name: &'static str,
        it: I,
    ) -> Self {
        self.col(name, Values::Categories(it.into_iter().collect()))
    }

    pub fn build(self) -> Batch {
        if let Some(declared) = self.declared {
            let missing: Vec<&str> = declared.iter().skip(self.batch.columns.len()).map(|d| d.name).collect();
            assert!(missing.is_empty(), "declared columns not built: {missing:?}");
        }
        self.batch
    }
}

impl Default for BatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// `Some(s)` for a non-empty string, None for "" (absent field).
pub fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}
