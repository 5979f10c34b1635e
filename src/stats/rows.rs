//! Whole-row collectors: exact duplicate records (rows identical to an earlier row in every
//! measured column) and label conflicts (labeled rows whose `label_inputs` agree after trim and
//! case-fold while their labels differ). A row is known only once every cell of it is in, so a
//! batch hands over one hash per row, and the source's sets meet the batches in batch order, as
//! the key set does.
//!
//! A row's hash is the wrapping sum of one 128-bit mix per cell, each mixing the column's index
//! with the cell's 64-bit hash: the sum does not depend on the order cells arrive in (a reader
//! may feed a batch column by column), and two rows collide only when two values of one column
//! share a 64-bit hash or two sums share 128 bits, both near 10^-19 per pair.

use rustc_hash::{FxBuildHasher, FxHashMap};
use xxhash_rust::xxh3::xxh3_64;

use super::{Cell, MAX_EXAMPLES, Pos, clip};

type Set = hashbrown::HashSet<u128, FxBuildHasher>;

/// A null, as a cell hash: no text hashes to it in practice, and it differs from `""`.
pub(super) const NULL: u64 = 0x6e75_6c6c_2d63_656c;

#[inline]
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// One cell's share of its row's hash: `h` is the cell's 64-bit hash, `col` its column.
#[inline]
pub(super) fn mix(col: usize, h: u64) -> u128 {
    let a = splitmix(h ^ (col as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let b = splitmix(a ^ 0xA076_1D64_78BD_642F);
    (u128::from(a) << 64) | u128::from(b)
}

/// A cell's 64-bit hash: text by its bytes (so `Text` and `Str` of the same bytes agree),
/// native values by their type and bits. `None` for a nested value, whose contents are not read.
#[inline]
pub(super) fn cell_hash(cell: Cell<'_>) -> Option<u64> {
    let tagged = |tag: u64, bits: u64| splitmix(bits ^ tag.wrapping_mul(0x2545_F491_4F6C_DD1D));
    Some(match cell {
        Cell::Null => NULL,
        Cell::Text(b) => xxh3_64(b),
        Cell::Str(t) => xxh3_64(t.as_bytes()),
        Cell::Int(i) => tagged(1, i as u64),
        Cell::Float(x) => tagged(2, x.to_bits()),
        Cell::Bool(b) => tagged(3, u64::from(b)),
        Cell::Timestamp(us) => tagged(4, us as u64),
        Cell::Date(d) => tagged(5, d as u64),
        Cell::Opaque(b) => tagged(6, xxh3_64(b)),
        Cell::Nested => return None,
    })
}

/// One batch's row hashes, in row order, with each row's position.
#[derive(Debug, Default)]
pub(super) struct RowBatch {
    pub(super) hashes: Vec<u128>,
    pub(super) pos: Vec<Pos>,
    /// A column whose values cannot be compared (nested), when one was seen.
    pub(super) nested: Option<String>,
}

impl RowBatch {
    pub(super) fn extend(&mut self, other: RowBatch) {
        self.hashes.extend(other.hashes);
        self.pos.extend(other.pos);
        self.nested = self.nested.take().or(other.nested);
    }
}

/// The distinct rows of a source, and the copies seen.
#[derive(Debug, Default)]
pub struct RowSet {
    seen: Set,
    duplicated: Set,
    copies: u64,
    /// Rows compared: a measure is only reported when every row of the source was.
    met: u64,
    /// The first copies, in row order.
    pub examples: Vec<Pos>,
    /// Why rows could not be compared: the first column holding nested values.
    nested: Option<String>,
    /// `(copies, distinct rows with copies)` counted by a database.
    counted: Option<(u64, u64)>,
}

impl RowSet {
    pub(super) fn counted(copies: u64, distinct: u64, examples: Vec<Pos>) -> RowSet {
        RowSet { counted: Some((copies, distinct)), examples, ..RowSet::default() }
    }

    pub(super) fn meet(&mut self, b: RowBatch) {
        self.met += b.hashes.len() as u64;
        if self.nested.is_none() {
            self.nested = b.nested;
        }
        if self.nested.is_some() {
            // Rows with a nested value are not compared: the set would only cost memory.
            self.seen = Set::default();
            self.duplicated = Set::default();
            return;
        }
        for (h, pos) in b.hashes.into_iter().zip(b.pos) {
            if !self.seen.insert(h) {
                self.copies += 1;
                self.duplicated.insert(h);
                if self.examples.len() < MAX_EXAMPLES {
                    self.examples.push(pos);
                }
            }
        }
    }

    /// Folds in the set of other rows of the same source (another reader's share of a table):
    /// a row both saw is one more copy.
    pub(super) fn union(&mut self, other: RowSet) {
        self.met += other.met;
        self.copies += other.copies;
        if self.nested.is_none() {
            self.nested = other.nested;
        }
        if self.nested.is_some() {
            self.seen = Set::default();
            self.duplicated = Set::default();
            return;
        }
        for h in other.seen {
            if !self.seen.insert(h) {
                self.copies += 1;
                self.duplicated.insert(h);
            }
        }
        self.duplicated.extend(other.duplicated);
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }

    /// Rows identical to an earlier row (the extra copies).
    pub fn copies(&self) -> u64 {
        self.counted.map_or(self.copies, |c| c.0)
    }

    /// Distinct rows that have copies.
    pub fn distinct(&self) -> u64 {
        self.counted.map_or(self.duplicated.len() as u64, |c| c.1)
    }

    /// Rows compared; a database's count covers every row.
    pub fn met(&self) -> Option<u64> {
        if self.counted.is_some() { None } else { Some(self.met) }
    }

    /// The column that kept rows from being compared, when one did.
    pub fn nested(&self) -> Option<&str> {
        self.nested.as_deref()
    }
}

/// How many labels a group holds, and how often each: one label in almost every group.
#[derive(Clone, Debug)]
enum Labels {
    One(u64, u64),
    Many(Vec<(u64, u64)>),
}

impl Labels {
    fn add(&mut self, label: u64, n: u64) {
        match self {
            Labels::One(l, c) if *l == label => *c += n,
            Labels::One(l, c) => *self = Labels::Many(vec![(*l, *c), (label, n)]),
            Labels::Many(v) => match v.iter_mut().find(|(l, _)| *l == label) {
                Some((_, c)) => *c += n,
                None => v.push((label, n)),
            },
        }
    }

    fn conflicting(&self) -> bool {
        matches!(self, Labels::Many(_))
    }

    fn rows(&self) -> u64 {
        match self {
            Labels::One(_, c) => *c,
            Labels::Many(v) => v.iter().map(|(_, c)| c).sum(),
        }
    }

    fn each(&self) -> Vec<(u64, u64)> {
        match self {
            Labels::One(l, c) => vec![(*l, *c)],
            Labels::Many(v) => v.clone(),
        }
    }
}

/// One batch's labeled rows grouped by their inputs, with the first row's inputs as written.
#[derive(Debug, Default)]
pub(super) struct ConflictBatch {
    groups: Vec<(u128, Labels, Vec<String>, Pos)>,
    /// A spelling of each folded label, as first written.
    labels: FxHashMap<u64, String>,
}

impl ConflictBatch {
    /// `rows` yields each labeled row's inputs hash, folded label hash, label as written, index
    /// in the batch and position; `texts(row)` gives a row's inputs as written, asked only for
    /// the first row of each group.
    pub(super) fn build<'a>(
        rows: impl Iterator<Item = (u128, u64, &'a str, usize, Pos)>,
        texts: impl Fn(usize) -> Vec<String>,
    ) -> ConflictBatch {
        let mut at: FxHashMap<u128, usize> = FxHashMap::default();
        let mut b = ConflictBatch::default();
        for (inputs, label, text, row, pos) in rows {
            b.labels.entry(label).or_insert_with(|| text.to_string());
            match at.get(&inputs).and_then(|&i| b.groups.get_mut(i)) {
                Some(g) => g.1.add(label, 1),
                None => {
                    at.insert(inputs, b.groups.len());
                    b.groups.push((inputs, Labels::One(label, 1), texts(row), pos));
                }
            }
        }
        b
    }

    pub(super) fn extend(&mut self, other: ConflictBatch) {
        self.groups.extend(other.groups);
        for (k, v) in other.labels {
            self.labels.entry(k).or_insert(v);
        }
    }
}

/// One group of conflicting rows kept as evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct ConflictGroup {
    /// The inputs as the group's first row wrote them, clipped, in `label_inputs` order.
    pub inputs: Vec<String>,
    /// Each label and its rows, most rows first.
    pub labels: Vec<(String, u64)>,
    pub pos: Pos,
}

/// The labeled rows of a source grouped by their folded inputs.
#[derive(Debug, Default)]
pub struct ConflictSet {
    groups: hashbrown::HashMap<u128, Labels, FxBuildHasher>,
    labels: FxHashMap<u64, String>,
    /// The first groups to conflict: their inputs hash, inputs and first row.
    kept: Vec<(u128, Vec<String>, Pos)>,
    /// Labeled rows grouped.
    met: u64,
    /// `(groups, rows, examples)` counted by a database.
    counted: Option<(u64, u64, Vec<ConflictGroup>)>,
}

impl ConflictSet {
    pub(super) fn counted(groups: u64, rows: u64, examples: Vec<ConflictGroup>) -> ConflictSet {
        ConflictSet { counted: Some((groups, rows, examples)), ..ConflictSet::default() }
    }

    pub(super) fn meet(&mut self, b: ConflictBatch) {
        for (k, v) in b.labels {
            self.labels.entry(k).or_insert(v);
        }
        for (inputs, labels, texts, pos) in b.groups {
            self.met += labels.rows();
            let now = match self.groups.get_mut(&inputs) {
                Some(mine) => {
                    let before = mine.conflicting();
                    for (l, n) in labels.each() {
                        mine.add(l, n);
                    }
                    !before && mine.conflicting()
                }
                None => {
                    let c = labels.conflicting();
                    self.groups.insert(inputs, labels);
                    c
                }
            };
            if now && self.kept.len() < MAX_EXAMPLES {
                self.kept.push((inputs, texts, pos));
            }
        }
    }

    /// Folds in the groups of other rows of the same source. A group that conflicts only once
    /// both are in is counted, though neither kept its inputs to show.
    pub(super) fn union(&mut self, other: ConflictSet) {
        self.met += other.met;
        for (k, v) in other.labels {
            self.labels.entry(k).or_insert(v);
        }
        for (inputs, labels) in other.groups {
            match self.groups.get_mut(&inputs) {
                Some(mine) => {
                    for (l, n) in labels.each() {
                        mine.add(l, n);
                    }
                }
                None => {
                    self.groups.insert(inputs, labels);
                }
            }
        }
        let room = MAX_EXAMPLES.saturating_sub(self.kept.len());
        self.kept.extend(other.kept.into_iter().take(room));
    }

    /// `(groups, rows)`: groups whose labels differ, and the labeled rows in them.
    pub fn conflicts(&self) -> (u64, u64) {
        if let Some((g, r, _)) = &self.counted {
            return (*g, *r);
        }
        self.groups.values().filter(|l| l.conflicting()).fold((0, 0), |(g, r), l| (g + 1, r + l.rows()))
    }

    /// Labeled rows grouped; `None` when a database counted.
    pub fn met(&self) -> Option<u64> {
        if self.counted.is_some() { None } else { Some(self.met) }
    }

    /// The first conflicting groups, with their labels.
    pub fn examples(&self) -> Vec<ConflictGroup> {
        if let Some((_, _, e)) = &self.counted {
            return e.clone();
        }
        self.kept
            .iter()
            .map(|(h, inputs, pos)| {
                let mut labels: Vec<(String, u64)> = self
                    .groups
                    .get(h)
                    .map(Labels::each)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(l, n)| (self.labels.get(&l).map_or_else(String::new, |t| clip(t)), n))
                    .collect();
                labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                ConflictGroup { inputs: inputs.clone(), labels, pos: *pos }
            })
            .collect()
    }

    /// The kept groups' first rows, for a reader that rewrites example positions.
    pub fn positions_mut(&mut self) -> impl Iterator<Item = &mut Pos> {
        self.kept.iter_mut().map(|(_, _, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Cell<'_>]) -> u128 {
        cells.iter().enumerate().fold(0u128, |h, (i, c)| h.wrapping_add(mix(i, cell_hash(*c).unwrap_or(0))))
    }

    #[test]
    fn a_row_hash_depends_on_each_value_and_its_column_not_on_arrival_order() {
        let a = row(&[Cell::Str("x"), Cell::Int(1), Cell::Null]);
        let reversed = [Cell::Null, Cell::Int(1), Cell::Str("x")]
            .iter()
            .enumerate()
            .fold(0u128, |h, (i, c)| h.wrapping_add(mix(2 - i, cell_hash(*c).unwrap_or(0))));
        assert_eq!(a, reversed);
        assert_eq!(a, row(&[Cell::Text(b"x"), Cell::Int(1), Cell::Null]), "text and checked text agree");
        assert_ne!(a, row(&[Cell::Int(1), Cell::Str("x"), Cell::Null]), "values swapped between columns");
        assert_ne!(a, row(&[Cell::Str("x"), Cell::Int(1), Cell::Str("")]), "a null is not an empty string");
        assert_ne!(a, row(&[Cell::Str("x"), Cell::Float(1.0), Cell::Null]), "an integer is not a float");
        assert_ne!(a, row(&[Cell::Str("x "), Cell::Int(1), Cell::Null]), "values are compared as written");
    }

    fn batch(hashes: &[u128]) -> RowBatch {
        let pos = (0..hashes.len() as u64).map(|row| Pos { part: 0, line: Some(row + 2), row }).collect();
        RowBatch { hashes: hashes.to_vec(), pos, nested: None }
    }

    #[test]
    fn copies_count_every_repeat_and_distinct_counts_each_repeated_row_once() {
        let mut set = RowSet::default();
        set.meet(batch(&[1, 2, 1, 3]));
        set.meet(batch(&[1, 2, 4]));
        // 1 three times (2 copies), 2 twice (1 copy).
        assert_eq!((set.copies(), set.distinct()), (3, 2));
        assert_eq!(set.examples.iter().map(|p| p.row).collect::<Vec<_>>(), vec![2, 0, 1]);
    }

    #[test]
    fn a_nested_column_leaves_rows_uncompared() {
        let mut set = RowSet::default();
        set.meet(batch(&[1, 1]));
        let mut b = batch(&[2, 2]);
        b.nested = Some("tags".into());
        set.meet(b);
        set.meet(batch(&[3, 3]));
        assert_eq!(set.nested(), Some("tags"));
    }

    fn labeled(rows: &[(u128, &str)]) -> ConflictBatch {
        let it = rows.iter().enumerate().map(|(i, (inputs, label))| {
            let pos = Pos { part: 0, line: None, row: i as u64 };
            (*inputs, xxh3_64(label.as_bytes()), *label, i, pos)
        });
        ConflictBatch::build(it, |r| vec![format!("input {}", rows.get(r).map_or(0, |x| x.0))])
    }

    #[test]
    fn groups_conflict_within_a_batch_and_across_batches() {
        let mut set = ConflictSet::default();
        set.meet(labeled(&[(1, "billing"), (1, "login"), (2, "billing"), (3, "login")]));
        assert_eq!(set.conflicts(), (1, 2));
        set.meet(labeled(&[(2, "refund"), (3, "login"), (1, "billing")]));
        // Group 1: billing ×2, login; group 2: billing, refund; group 3 agrees (login ×2).
        assert_eq!(set.conflicts(), (2, 5));
        let ex = set.examples();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].labels, vec![("billing".to_string(), 2), ("login".to_string(), 1)]);
        assert_eq!(ex[1].inputs, vec!["input 2".to_string()]);
    }
}
