//! Aggregates a database computed for a source (DESIGN §6 push-down), turned into the
//! accumulator the measures read.

use super::*;

/// What a database computed for one column by aggregate SQL (DESIGN §6 push-down): the
/// measures a reader would otherwise accumulate cell by cell.
#[derive(Clone, Debug, Default)]
pub struct PushedColumn {
    /// The column's type in report terms (`string`, `integer`, `timestamp`, …).
    pub ty: &'static str,
    pub nulls: u64,
    pub blanks: u64,
    pub placeholders: u64,
    pub present: u64,
    /// Exact distinct present values.
    pub distinct: u64,
    pub range: Option<PushedRange>,
    /// Most frequent present values, most frequent first, ties by value (as `top_values`).
    pub top: Vec<(String, u64)>,
    pub missing_examples: Vec<(Pos, MissingKind, String)>,
    /// PII matches per `PiiKind`, counted on a sample of `pii_sampled` present values.
    pub pii: [u64; 6],
    pub pii_examples: Vec<(Pos, PiiKind, String)>,
    pub pii_sampled: Option<u64>,
}

/// Min and max of a pushed-down column, in the column's own terms.
#[derive(Clone, Debug, PartialEq)]
pub enum PushedRange {
    Int(i64, i64),
    Float(f64, f64),
    /// Microseconds since the epoch, UTC.
    Micros(i64, i64),
    Text(String, String),
}

/// Key uniqueness counted by a database.
#[derive(Clone, Debug, Default)]
pub struct PushedKeys {
    pub distinct: u64,
    /// Distinct values occurring more than once, and the rows beyond their first.
    pub duplicated: u64,
    pub duplicate_rows: u64,
    pub examples: Vec<(Pos, String)>,
}

/// Everything a database computed for one source; `SourceAcc::from_pushdown` turns it into the
/// accumulator the measures read, so SQL and file sources are measured by the same code.
#[derive(Clone, Debug, Default)]
pub struct Pushdown {
    pub columns: Vec<String>,
    /// One per entry of `columns`.
    pub cols: Vec<PushedColumn>,
    pub rows: u64,
    pub complete_rows: u64,
    pub labeled_rows: u64,
    pub ready_rows: u64,
    /// For the request's timestamp column, when the source has it.
    pub timestamp: Option<TimestampAcc>,
    /// For the request's label column, when the source has it.
    pub labels: Option<LabelAcc>,
    /// For the request's key column, when the source has it.
    pub keys: Option<PushedKeys>,
    /// `(copies, distinct rows with copies, examples)`, when the database counted duplicate
    /// records.
    pub duplicate_records: Option<(u64, u64, Vec<Pos>)>,
    /// `(groups, rows, examples)` of label conflicts, when the database grouped them.
    pub conflicts: Option<(u64, u64, Vec<rows::ConflictGroup>)>,
}

impl SourceAcc {
    /// Builds the accumulator from aggregates a database computed. The request decides which
    /// columns are the timestamp, label and key, exactly as for `SourceAcc::new`.
    pub fn from_pushdown(p: Pushdown, req: &StatsRequest) -> SourceAcc {
        let types: Vec<Option<&'static str>> = p.cols.iter().map(|c| Some(c.ty)).collect();
        let mut acc = SourceAcc::new(&p.columns, &types, req);
        acc.rows = p.rows;
        acc.complete_rows = p.complete_rows;
        acc.labeled_rows = p.labeled_rows;
        acc.ready_rows = p.ready_rows;
        for (c, pc) in acc.cols.iter_mut().zip(p.cols) {
            c.nulls = pc.nulls;
            c.blanks = pc.blanks;
            c.placeholders = pc.placeholders;
            c.present = pc.present;
            c.missing_examples = pc.missing_examples;
            c.pii = pc.pii;
            c.pii_examples = pc.pii_examples;
            c.pii_sampled = pc.pii_sampled;
            c.seen.any = pc.present > 0;
            // Cell-fed columns gather keys batch by batch; a pushed-down one has its counts already.
            c.keys = None;
            match pc.range {
                Some(PushedRange::Int(a, b)) => {
                    c.minmax.int = Some((a, b));
                    c.minmax.num = Some((a as f64, b as f64));
                }
                Some(PushedRange::Float(a, b)) => c.minmax.num = Some((a, b)),
                Some(PushedRange::Micros(a, b)) => c.minmax.ts = Some((a, b)),
                Some(PushedRange::Text(a, b)) => {
                    c.minmax.text = Some((TextBound::new(a.as_bytes()), TextBound::new(b.as_bytes())))
                }
                None => {}
            }
            c.pushed = Some(PushedValues { distinct: pc.distinct, top: pc.top });
        }
        if let (Some(i), Some(ts)) = (acc.ts_col, p.timestamp)
            && let Some(c) = acc.cols.get_mut(i)
        {
            c.ts = Some(ts);
        }
        if let (Some(i), Some(l)) = (acc.label_col, p.labels)
            && let Some(c) = acc.cols.get_mut(i)
        {
            c.label = Some(l);
        }
        acc.key_set = match (acc.key_col, p.keys) {
            (Some(_), Some(k)) => Some(KeySet {
                duplicate_rows: k.duplicate_rows,
                duplicate_examples: k.examples,
                counted: Some((k.distinct, k.duplicated)),
                ..KeySet::default()
            }),
            (Some(_), None) => Some(KeySet { counted: Some((0, 0)), ..KeySet::default() }),
            (None, _) => None,
        };
        // What the database did not count stays unmeasured rather than zero.
        acc.row_set = p.duplicate_records.map(|(c, d, e)| RowSet::counted(c, d, e));
        acc.conflicts = match (acc.conflicts.take(), p.conflicts) {
            (Some(_), Some((g, r, e))) => Some(ConflictSet::counted(g, r, e)),
            _ => None,
        };
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> StatsRequest {
        StatsRequest {
            required: vec!["id".into()],
            timestamp: None,
            label: Some("cat".into()),
            label_inputs: Vec::new(),
            key: Some("id".into()),
            placeholders: vec!["n/a".into()],
            as_of: 0,
            stale_before: 0,
            entity_keys: Vec::new(),
            entity_values: Vec::new(),
            only: None,
        }
    }

    #[test]
    fn pushed_aggregates_read_like_accumulated_ones() {
        let mut labels = LabelAcc::default();
        labels.counts.insert("a".into(), 3);
        let p = Pushdown {
            columns: vec!["id".into(), "cat".into()],
            cols: vec![
                PushedColumn {
                    ty: "integer",
                    present: 4,
                    distinct: 3,
                    range: Some(PushedRange::Int(1, 9)),
                    top: vec![("9".into(), 2), ("1".into(), 1)],
                    ..PushedColumn::default()
                },
                PushedColumn {
                    ty: "string",
                    nulls: 1,
                    present: 3,
                    distinct: 1,
                    pii: [2, 0, 0, 0, 0, 0],
                    pii_sampled: Some(2),
                    ..PushedColumn::default()
                },
            ],
            rows: 4,
            complete_rows: 4,
            labeled_rows: 3,
            ready_rows: 3,
            timestamp: None,
            labels: Some(labels),
            keys: Some(PushedKeys { distinct: 3, duplicated: 1, duplicate_rows: 1, examples: Vec::new() }),
            duplicate_records: None,
            conflicts: None,
        };
        let acc = SourceAcc::from_pushdown(p, &req());
        assert_eq!((acc.rows, acc.ready_rows), (4, 3));
        assert_eq!(acc.distinct(0), Some((3, true)));
        assert_eq!(acc.column_type(0), "integer");
        assert_eq!(acc.min_max(0), Some(("1".into(), "9".into())));
        assert_eq!(acc.top_values(0, 1), vec![("9".to_string(), 2)]);
        assert_eq!(acc.labels().map(|l| l.counts.get("a").copied()), Some(Some(3)));
        let keys = acc.key_set.as_ref().map(|k| (k.distinct(), k.duplicates(), k.duplicate_rows));
        assert_eq!(keys, Some((3, 1, 1)));
        // Whole rows the database did not compare are not measured, never counted as unique.
        assert!(acc.row_set.is_none());
        // PII shares are relative to the sample the classifier saw, not to every value.
        assert_eq!(acc.cols.get(1).map(ColumnAcc::pii_base), Some(2));
    }
}
