//! A batch of a table as typed columns: the one description both the CSV and the
//! Parquet writers read, so the two formats always have the same columns.

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
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) | Values::Category(v) => v.len(),
            Values::Timestamp(v) | Values::Int(v) => v.len(),
            Values::Date(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
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
}

impl BatchBuilder {
    pub fn new() -> Self {
        BatchBuilder { batch: Batch::default() }
    }

    pub fn col(mut self, name: &'static str, values: Values) -> Self {
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

    pub fn build(self) -> Batch {
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
