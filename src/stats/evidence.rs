//! Where evidence was found: a line, a row, a key, in which file; and a position kept while
//! a batch is read.

use serde::Serialize;

/// Where a value was found: a CSV line (1-based, the header is line 1), a Parquet row index
/// (0-based), or a SQL key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Locator {
    Line(u64),
    Row(u64),
    Key(String),
    /// An entity's key value itself, standing for every row that holds it (DESIGN §3
    /// "Fragmentation"): there is no one row to point at.
    EntityKey(String),
    /// A row of a SQL table with no primary key, read without a `key`: nothing names the row
    /// (the text says why), so the example shows its value only.
    NoKey(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Example {
    #[serde(flatten)]
    pub at: LocatorInFile,
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocatorInFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(flatten)]
    pub at: Locator,
}

/// Position of a row while a batch is read, turned into an `Example` only when one is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub part: u32,
    pub line: Option<u64>,
    pub row: u64,
}
