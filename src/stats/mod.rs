//! Mergeable per-column accumulators: what a source reader feeds, batch by batch, and what the
//! measures read. Every count here is exact except `distinct` once a column outgrows the exact
//! set, where a HyperLogLog sketch takes over.
//!
//! A reader turns each batch of rows into `Cell`s and calls `BatchAcc::push`; batches are
//! accumulated on worker threads and merged in batch order with `SourceAcc::merge`, so memory is
//! bounded by the batch size and the result does not depend on the number of threads.

mod batch;
pub mod entity;
mod evidence;
pub mod hll;
pub mod keys;
mod merge;
pub mod pii;
mod pushdown;
mod request;
pub mod rows;
pub mod timestamp;
mod values;

use std::borrow::Cow;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

pub use evidence::{Example, Locator, LocatorInFile, Pos};
pub use pii::PiiKind;
pub use pushdown::{Pushdown, PushedColumn, PushedKeys, PushedRange};
pub use request::{KeyGather, StatsRequest, ValueGather, add_columns};

use keys::{KeyCollector, ValueCollector};
use rows::{ConflictBatch, ConflictSet, RowBatch, RowSet};
use values::ValueCounter;

/// At most this many examples are kept as evidence for anything.
pub const MAX_EXAMPLES: usize = 5;

/// What a column feeds besides its own measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Key(usize),
    PairKey(usize),
    PairValue(usize),
}

/// One value as a reader hands it over. `Text` is raw bytes (not yet checked for UTF-8);
/// `quoted` distinguishes CSV's `""` (an empty string, a blank) from an empty field (a null).
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    Null,
    Text(&'a [u8]),
    /// Text a reader has already found to be valid UTF-8 (a CSV batch checked as a whole).
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
    /// Days since the Unix epoch.
    Date(i32),
    /// Binary: present, counted, hashed by its bytes.
    Opaque(&'a [u8]),
    /// A nested value (list, struct, map): present or null, its contents not measured.
    Nested,
}

/// Row-level flags for the headline: a row is ready when none is set.
pub const ROW_INCOMPLETE: u8 = 1;
pub const ROW_UNLABELED: u8 = 2;
pub const ROW_STALE: u8 = 4;

/// What a column was observed to hold, narrowed as values arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TypeSeen {
    any: bool,
    all_int: bool,
    all_float: bool,
    all_bool: bool,
    all_timestamp: bool,
    all_date: bool,
}

impl Default for TypeSeen {
    fn default() -> Self {
        TypeSeen { any: false, all_int: true, all_float: true, all_bool: true, all_timestamp: true, all_date: true }
    }
}

impl TypeSeen {
    fn merge(&mut self, o: &TypeSeen) {
        self.any |= o.any;
        self.all_int &= o.all_int;
        self.all_float &= o.all_float;
        self.all_bool &= o.all_bool;
        self.all_timestamp &= o.all_timestamp;
        self.all_date &= o.all_date;
    }
}

/// Min and max kept both as numbers (for numeric columns) and as text.
#[derive(Clone, Debug, Default)]
struct MinMax {
    num: Option<(f64, f64)>,
    int: Option<(i64, i64)>,
    ts: Option<(i64, i64)>,
    text: Option<(TextBound, TextBound)>,
}

/// A text min or max, with its first 16 bytes as a big-endian number: comparing those numbers
/// settles almost every comparison without a call to `memcmp`.
#[derive(Clone, Debug, Default)]
struct TextBound {
    head: u128,
    bytes: Vec<u8>,
}

impl TextBound {
    fn new(x: &[u8]) -> TextBound {
        TextBound { head: head(x), bytes: x.to_vec() }
    }

    /// Replaces the bound, reusing its allocation: a column in ascending order (an id, a
    /// creation time) has a new max on every row.
    fn set(&mut self, x: &[u8], head: u128) {
        self.head = head;
        self.bytes.clear();
        self.bytes.extend_from_slice(x);
    }
}

/// The first 16 bytes, zero-padded: of two texts whose heads differ, the one with the smaller
/// head sorts first (a shorter text is padded with bytes no greater than any of the other's).
#[inline]
fn head(x: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    for (d, s) in b.iter_mut().zip(x) {
        *d = *s;
    }
    u128::from_be_bytes(b)
}

impl MinMax {
    fn num(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.num = Some(match self.num {
            Some((a, b)) => (a.min(x), b.max(x)),
            None => (x, x),
        });
    }
    fn int(&mut self, x: i64) {
        self.int = Some(match self.int {
            Some((a, b)) => (a.min(x), b.max(x)),
            None => (x, x),
        });
    }
    fn ts(&mut self, x: i64) {
        self.ts = Some(match self.ts {
            Some((a, b)) => (a.min(x), b.max(x)),
            None => (x, x),
        });
    }
    fn text(&mut self, x: &[u8]) {
        match &mut self.text {
            Some((a, b)) => {
                let h = head(x);
                if h < a.head || (h == a.head && x < a.bytes.as_slice()) {
                    a.set(x, h);
                }
                if h > b.head || (h == b.head && x > b.bytes.as_slice()) {
                    b.set(x, h);
                }
            }
            None => self.text = Some((TextBound::new(x), TextBound::new(x))),
        }
    }
    fn merge(&mut self, o: &MinMax) {
        if let Some((a, b)) = o.num {
            self.num(a);
            self.num(b);
        }
        if let Some((a, b)) = o.int {
            self.int(a);
            self.int(b);
        }
        if let Some((a, b)) = o.ts {
            self.ts(a);
            self.ts(b);
        }
        if let Some((a, b)) = &o.text {
            self.text(&a.bytes);
            self.text(&b.bytes);
        }
    }
}

/// Why a value counts as missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingKind {
    Null,
    Blank,
    Placeholder,
}

/// Age buckets of the timestamp histogram, upper bounds in days (the last is open).
pub const AGE_BUCKET_DAYS: [i64; 10] = [1, 2, 7, 30, 90, 180, 365, 730, 1825, i64::MAX];

#[derive(Clone, Debug, Default)]
pub struct TimestampAcc {
    pub parsed: u64,
    pub naive: u64,
    pub unparseable: u64,
    pub stale: u64,
    pub future: u64,
    pub min: Option<(i64, Pos)>,
    pub max: Option<(i64, Pos)>,
    /// Newest value at or before as-of: the data's age when some rows are dated in the future.
    pub max_past: Option<(i64, Pos)>,
    pub unparseable_examples: Vec<(Pos, String)>,
    pub stale_examples: Vec<(Pos, String)>,
    pub future_examples: Vec<(Pos, String)>,
    /// Counts per `AGE_BUCKET_DAYS` bucket, for rows not in the future.
    pub age_histogram: [u64; 10],
    /// Whether the value just observed was stale, read by `BatchAcc::push` for the row flags.
    last_was_stale: bool,
}

#[derive(Clone, Debug, Default)]
pub struct LabelAcc {
    pub counts: FxHashMap<String, u64>,
    /// Labels not counted individually because the class map reached its cap.
    pub overflow: u64,
}

const MAX_LABEL_CLASSES: usize = 100_000;

/// Keys seen in one batch, in row order: merged into the source's key set afterwards.
#[derive(Clone, Debug, Default)]
struct KeyBatch {
    hashes: Vec<u128>,
    pos: Vec<Pos>,
    /// Every row's key text, back to back: one allocation per batch rather than one per row.
    /// Only duplicates' values are ever quoted, but which rows repeat a key is known only once
    /// the batch meets the source's key set.
    text: String,
    /// Where each row's key ends in `text`.
    ends: Vec<usize>,
}

impl KeyBatch {
    #[inline]
    fn push(&mut self, hash: u128, pos: Pos, value: &str) {
        self.hashes.push(hash);
        self.pos.push(pos);
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    fn value(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends.get(i - 1).copied().unwrap_or(0) };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or_default()
    }

    fn extend(&mut self, other: KeyBatch) {
        let base = self.text.len();
        self.hashes.extend(other.hashes);
        self.pos.extend(other.pos);
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.into_iter().map(|e| e + base));
    }
}

/// The exact key set of a source. 128-bit hashes stand in for the values: a collision among
/// 10^8 keys has a probability near 10^-23, so the counts are exact in practice.
#[derive(Debug, Default)]
pub struct KeySet {
    pub seen: hashbrown::HashSet<u128, rustc_hash::FxBuildHasher>,
    pub duplicated: hashbrown::HashSet<u128, rustc_hash::FxBuildHasher>,
    pub duplicate_rows: u64,
    pub duplicate_examples: Vec<(Pos, String)>,
    /// `(distinct, duplicated)` counted by a database: its keys never reach `seen`.
    counted: Option<(u64, u64)>,
}

impl KeySet {
    /// Distinct key values.
    pub fn distinct(&self) -> u64 {
        self.counted.map_or(self.seen.len() as u64, |c| c.0)
    }
    /// Distinct key values that occur more than once.
    pub fn duplicates(&self) -> u64 {
        self.counted.map_or(self.duplicated.len() as u64, |c| c.1)
    }
}

#[derive(Clone, Debug, Default)]
pub struct ColumnAcc {
    pub nulls: u64,
    pub blanks: u64,
    pub placeholders: u64,
    pub present: u64,
    pub invalid_utf8: u64,
    pub invalid_utf8_examples: Vec<Pos>,
    pub missing_examples: Vec<(Pos, MissingKind, String)>,
    pub pii: [u64; 6],
    pub pii_examples: Vec<(Pos, PiiKind, String)>,
    values: ValueCounter,
    seen: TypeSeen,
    minmax: MinMax,
    native_type: Option<&'static str>,
    ts: Option<TimestampAcc>,
    label: Option<LabelAcc>,
    keys: Option<KeyBatch>,
    required: bool,
    /// Values arrived as native cells (tagged in the value counter), not as text.
    native_cells: bool,
    /// Nested values: distinct counts and min/max do not apply.
    untracked: bool,
    /// Set by `SourceAcc::from_pushdown`: what the database counted, in place of the value counter.
    pushed: Option<PushedValues>,
    /// Values the PII classifier saw, when that was a sample rather than every present value.
    pii_sampled: Option<u64>,
    /// Classifications of the batch's repeated values (a column of a few dozen addresses is
    /// classified a few dozen times, not once per row).
    pii_cache: pii::Cache,
}

/// Distinct count and most frequent values computed by a database, for a pushed-down column.
#[derive(Clone, Debug, Default)]
struct PushedValues {
    distinct: u64,
    top: Vec<(String, u64)>,
}

/// Everything collected from one batch (or, after merging, a whole source).
#[derive(Debug)]
pub struct SourceAcc {
    pub columns: Vec<String>,
    pub rows: u64,
    pub complete_rows: u64,
    pub labeled_rows: u64,
    pub ready_rows: u64,
    pub cols: Vec<ColumnAcc>,
    pub key_set: Option<KeySet>,
    key_col: Option<usize>,
    ts_col: Option<usize>,
    label_col: Option<usize>,
    /// One per `StatsRequest::entity_keys`; empty for a column the source lacks.
    pub entity_keys: Vec<KeyCollector>,
    /// One per `StatsRequest::entity_values`.
    pub entity_values: Vec<ValueCollector>,
    /// Per column, the entity collectors it feeds.
    slots: Vec<Vec<Slot>>,
    /// The source's distinct rows, for duplicate records; `None` in a batch, whose rows wait
    /// in `row_batch` until they meet the source's set in batch order.
    pub row_set: Option<RowSet>,
    row_batch: Option<RowBatch>,
    /// Labeled rows grouped by their `label_inputs`, when the source has the label and every
    /// input; `None` in a batch, as `row_set`.
    pub conflicts: Option<ConflictSet>,
    conflict_batch: Option<ConflictBatch>,
    /// Per column, its place in `label_inputs`; empty when conflicts are not collected.
    input_of: Vec<Option<usize>>,
}

/// Each row's key and value text of one `compare` side.
type RowPairs = (Vec<Option<String>>, Vec<Option<String>>);

/// Per column, whether a batch need only sketch the column's values: what it tracked would
/// be dropped when merged. Columns of unique values (ids, free text) are so after a few batches.
#[derive(Clone, Debug, Default)]
pub struct SketchOnly(Vec<bool>);

/// A batch being filled: one `ColumnAcc` per column plus the row flags of this batch.
pub struct BatchAcc<'r> {
    pub acc: SourceAcc,
    req: &'r StatsRequest,
    row_flags: Vec<u8>,
    /// Per `entity_values` entry, each row's key and value, paired when the batch closes (a
    /// reader may hand over a batch column by column).
    pairs: Vec<RowPairs>,
    /// Bit `n` is set when a placeholder is `n` bytes long: most values are ruled out by their
    /// length before any comparison.
    placeholder_lens: u64,
    /// Each row's hash and position, for duplicate records.
    row_hash: Vec<u128>,
    row_pos: Vec<Pos>,
    /// The first column seen holding a nested value: rows are then not compared.
    nested: Option<usize>,
    /// For label conflicts (empty unless collected): each row's folded-inputs hash, folded
    /// label hash, and where its label and inputs are written in `texts`.
    input_hash: Vec<u128>,
    label_hash: Vec<u64>,
    spans: Vec<(u32, u32)>,
    texts: String,
}

impl SourceAcc {
    /// An empty accumulator for these columns; `native_types` names a column's declared type
    /// where the format has one (Parquet), `None` where values are inferred (CSV).
    pub fn new(columns: &[String], native_types: &[Option<&'static str>], req: &StatsRequest) -> SourceAcc {
        let find = |name: &Option<String>| name.as_ref().and_then(|n| columns.iter().position(|c| c == n));
        let ts_col = find(&req.timestamp);
        let label_col = find(&req.label);
        let key_col = find(&req.key);
        let cols = columns
            .iter()
            .enumerate()
            .map(|(i, name)| ColumnAcc {
                ts: (Some(i) == ts_col).then(TimestampAcc::default),
                label: (Some(i) == label_col).then(LabelAcc::default),
                keys: (Some(i) == key_col).then(KeyBatch::default),
                required: req.required.iter().any(|r| r == name),
                native_type: native_types.get(i).copied().flatten(),
                ..ColumnAcc::default()
            })
            .collect();
        let mut slots = vec![Vec::new(); columns.len()];
        let mut slot = |name: &str, s: Slot| {
            if let Some(i) = columns.iter().position(|c| c == name) {
                slots[i].push(s);
            }
        };
        for (i, g) in req.entity_keys.iter().enumerate() {
            slot(&g.column, Slot::Key(i));
        }
        for (i, g) in req.entity_values.iter().enumerate() {
            slot(&g.key, Slot::PairKey(i));
            slot(&g.value, Slot::PairValue(i));
        }
        let with_conflicts =
            label_col.is_some() && !req.label_inputs.is_empty() && req.label_inputs.iter().all(|n| columns.contains(n));
        let input_of = if with_conflicts {
            columns.iter().map(|c| req.label_inputs.iter().position(|n| n == c)).collect()
        } else {
            Vec::new()
        };
        SourceAcc {
            columns: columns.to_vec(),
            rows: 0,
            complete_rows: 0,
            labeled_rows: 0,
            ready_rows: 0,
            cols,
            key_set: key_col.map(|_| KeySet::default()),
            key_col,
            ts_col,
            label_col,
            entity_keys: req.entity_keys.iter().map(|g| KeyCollector::sharing(Arc::clone(&g.raw_full))).collect(),
            entity_values: req.entity_values.iter().map(|_| ValueCollector::default()).collect(),
            slots,
            row_set: Some(RowSet::default()),
            row_batch: None,
            conflicts: with_conflicts.then(ConflictSet::default),
            conflict_batch: None,
            input_of,
        }
    }

    pub fn batch<'r>(&self, req: &'r StatsRequest, rows: usize) -> BatchAcc<'r> {
        let types: Vec<Option<&'static str>> = self.cols.iter().map(|c| c.native_type).collect();
        let mut acc = SourceAcc::new(&self.columns, &types, req);
        acc.key_set = None;
        acc.row_set = None;
        let conflicts = acc.conflicts.take().is_some();
        let pairs = req.entity_values.iter().map(|_| (vec![None; rows], vec![None; rows])).collect();
        // `is_placeholder` never matches a value over 32 bytes, so 64 bits cover every length.
        let placeholder_lens = req.placeholders.iter().filter(|p| p.len() < 64).fold(0u64, |m, p| m | 1 << p.len());
        let zero = Pos { part: 0, line: None, row: 0 };
        let per_row = |n: usize| if conflicts { n } else { 0 };
        BatchAcc {
            acc,
            req,
            row_flags: vec![0; rows],
            pairs,
            placeholder_lens,
            row_hash: vec![0; rows],
            row_pos: vec![zero; rows],
            nested: None,
            input_hash: vec![0; per_row(rows)],
            label_hash: vec![0; per_row(rows)],
            spans: vec![(0, 0); per_row(rows * (req.label_inputs.len() + 1))],
            texts: String::new(),
        }
    }

    /// Gives an accumulator made by `batch` the source's own row sets, as `like` has them: for
    /// a reader whose share of the rows is merged with the others' only at the end, so that
    /// copies within its share are found while their rows can still be named.
    pub fn keep_rows_like(&mut self, like: &SourceAcc) {
        self.row_set = like.row_set.as_ref().map(|_| RowSet::default());
        self.conflicts = like.conflicts.as_ref().map(|_| ConflictSet::default());
    }

    /// Per column, whether a later batch need only sketch its values
    /// (`ValueCounter::keeps_nothing`).
    pub fn sketch_only(&self) -> SketchOnly {
        SketchOnly(self.cols.iter().map(|c| c.values.keeps_nothing()).collect())
    }

    pub fn timestamp_column(&self) -> Option<usize> {
        self.ts_col
    }
    pub fn label_column(&self) -> Option<usize> {
        self.label_col
    }
    pub fn key_column(&self) -> Option<usize> {
        self.key_col
    }

    /// Distinct values of a column: exact while the column's exact set held, else estimated.
    pub fn distinct(&self, col: usize) -> Option<(u64, bool)> {
        let c = self.cols.get(col).filter(|c| !c.untracked)?;
        Some(match &c.pushed {
            Some(p) => (p.distinct, true),
            None => c.values.distinct(),
        })
    }

    pub fn column_type(&self, col: usize) -> &'static str {
        let Some(c) = self.cols.get(col) else { return "unknown" };
        if let Some(t) = c.native_type {
            return t;
        }
        let s = c.seen;
        if !s.any {
            "empty"
        } else if s.all_bool {
            "boolean"
        } else if s.all_int {
            "integer"
        } else if s.all_float {
            "float"
        } else if s.all_date {
            "date"
        } else if s.all_timestamp {
            "timestamp"
        } else {
            "string"
        }
    }

    /// Min and max rendered for the report in the column's own terms.
    pub fn min_max(&self, col: usize) -> Option<(String, String)> {
        let c = self.cols.get(col)?;
        let m = &c.minmax;
        let ty = self.column_type(col);
        match ty {
            "integer" if m.int.is_some() => m.int.map(|(a, b)| (a.to_string(), b.to_string())),
            "integer" | "float" => m.num.map(|(a, b)| (fmt_float(a), fmt_float(b))),
            "timestamp" | "date" if m.ts.is_some() => {
                m.ts.map(|(a, b)| (timestamp::format_micros(a), timestamp::format_micros(b)))
            }
            // Exact values of the data (DESIGN §5): a renderer that shows them clips them itself.
            _ => m.text.as_ref().map(|(a, b)| {
                (String::from_utf8_lossy(&a.bytes).into_owned(), String::from_utf8_lossy(&b.bytes).into_owned())
            }),
        }
    }

    /// Values tracked exactly from their first occurrence, most frequent first.
    pub fn top_values(&self, col: usize, n: usize) -> Vec<(String, u64)> {
        let Some(c) = self.cols.get(col) else { return Vec::new() };
        match &c.pushed {
            Some(p) => p.top.iter().take(n).cloned().collect(),
            None => c.values.top(n, c.native_cells),
        }
    }

    pub fn timestamp(&self) -> Option<&TimestampAcc> {
        self.ts_col.and_then(|i| self.cols.get(i)).and_then(|c| c.ts.as_ref())
    }

    /// The timestamp accumulator, for a reader that rewrites example positions.
    pub fn timestamp_mut(&mut self) -> Option<&mut TimestampAcc> {
        let i = self.ts_col?;
        self.cols.get_mut(i).and_then(|c| c.ts.as_mut())
    }

    pub fn labels(&self) -> Option<&LabelAcc> {
        self.label_col.and_then(|i| self.cols.get(i)).and_then(|c| c.label.as_ref())
    }
}

/// A cell as entity keys and compared values read it: text as it is, numbers in decimal,
/// times as the report prints them. Nested values and nulls have none.
fn cell_text(cell: Cell<'_>) -> Option<Cow<'_, str>> {
    match cell {
        Cell::Null | Cell::Nested => None,
        Cell::Text(b) | Cell::Opaque(b) => Some(String::from_utf8_lossy(b)),
        Cell::Str(t) => Some(Cow::Borrowed(t)),
        Cell::Int(i) => Some(Cow::Owned(i.to_string())),
        Cell::Float(x) => Some(Cow::Owned(fmt_float(x))),
        Cell::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        Cell::Timestamp(us) => Some(Cow::Owned(timestamp::format_micros(us))),
        Cell::Date(d) => {
            let mut t = timestamp::format_micros(i64::from(d).saturating_mul(86_400_000_000));
            t.truncate(t.find('T').unwrap_or(t.len()));
            Some(Cow::Owned(t))
        }
    }
}

/// Whether text that parses as a number is one: its number form must write it back as it was
/// written, or the column is text. `08123` is a zip code or an id (8123 would lose its zero),
/// `+5` and a 20-digit id (which only a float holds, rounded) are not what they would write
/// back as either. Trailing zeros of a fraction (`1.50`) and exponents keep their value and
/// stay numbers: prices are written that way. Cheap: it looks at the first bytes and counts
/// digits, no allocation on the hot path.
/// See: issue 18 (`08123` typed integer, min/max reported as 8123).
pub fn reads_as_number(t: &str) -> bool {
    let b = t.as_bytes();
    let unsigned = match b.first() {
        Some(b'+') => return false,
        Some(b'-') => b.get(1..).unwrap_or_default(),
        _ => b,
    };
    let int_digits = unsigned.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_digits > 1 && unsigned.first() == Some(&b'0') {
        return false;
    }
    // Digits before any exponent: more than an f64 holds exactly (15) and the value is rounded.
    let mantissa = unsigned.iter().take_while(|c| !matches!(c, b'e' | b'E'));
    let significant = mantissa.filter(|c| c.is_ascii_digit()).skip_while(|&&c| c == b'0').count();
    significant <= 15 || (int_digits == unsigned.len() && significant <= 18)
}

fn extend_capped<T>(a: &mut Vec<T>, b: &mut Vec<T>) {
    let room = MAX_EXAMPLES.saturating_sub(a.len());
    a.extend(b.drain(..).take(room));
}

fn fmt_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{x:.1}") } else { format!("{x}") }
}

/// Long values are cut for reports; the cut is marked.
pub fn clip(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

impl ColumnAcc {
    /// Values the PII shares are relative to: every present value, or the sample classified.
    pub fn pii_base(&self) -> u64 {
        self.pii_sampled.unwrap_or(self.present)
    }
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod extreme_values {
    use super::tests::request;
    use super::*;

    #[test]
    fn extreme_dates_and_timestamps_do_not_overflow() {
        let req = request();
        let columns: Vec<String> = ["id", "body", "ts", "label"].iter().map(|s| s.to_string()).collect();
        let acc = SourceAcc::new(&columns, &[None, None, None, None], &req);
        let mut b = acc.batch(&req, 3);
        let pos = Pos { part: 0, line: None, row: 0 };
        b.push(2, 0, pos, Cell::Date(i32::MAX));
        b.push(2, 1, pos, Cell::Date(i32::MIN));
        b.push(2, 2, pos, Cell::Timestamp(i64::MIN));
        let acc = b.finish(3, false, false);
        let ts = acc.timestamp().expect("timestamp column");
        assert_eq!((ts.parsed, ts.future), (3, 1));
    }
}
