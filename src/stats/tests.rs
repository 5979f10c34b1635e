//! Unit tests of the accumulators, and the request and collection helpers other modules'
//! tests use.

use super::*;

#[test]
fn text_min_and_max_agree_with_byte_order_when_the_first_16_bytes_tie() {
    let texts: [&[u8]; 9] = [
        b"ab",
        b"ab\0",
        b"a",
        b"abcdefghijklmnopq",
        b"abcdefghijklmnop",
        b"abcdefghijklmnopA",
        b"",
        b"\xff",
        b"abcdefghijklmnop\0",
    ];
    // Every order of arrival of a few rotations.
    for start in 0..texts.len() {
        let mut m = MinMax::default();
        for t in texts.iter().cycle().skip(start).take(texts.len()) {
            m.text(t);
        }
        let (lo, hi) = m.text.as_ref().map(|(a, b)| (a.bytes.clone(), b.bytes.clone())).unwrap_or_default();
        assert_eq!((lo.as_slice(), hi.as_slice()), (&b""[..], &b"\xff"[..]));
    }
    let mut m = MinMax::default();
    for t in [&b"abcdefghijklmnopq"[..], b"abcdefghijklmnopA", b"abcdefghijklmnop\0", b"abcdefghijklmnop"] {
        m.text(t);
    }
    let (lo, hi) = m.text.as_ref().map(|(a, b)| (a.bytes.clone(), b.bytes.clone())).unwrap_or_default();
    assert_eq!((lo.as_slice(), hi.as_slice()), (&b"abcdefghijklmnop"[..], &b"abcdefghijklmnopq"[..]));
}

const DAY: i64 = 86_400_000_000;
/// 2025-01-10T10:00:00Z.
pub const AS_OF: i64 = 1_736_503_200_000_000;

pub fn request() -> StatsRequest {
    StatsRequest {
        required: vec!["id".into(), "body".into()],
        timestamp: Some("ts".into()),
        label: Some("label".into()),
        label_inputs: Vec::new(),
        key: Some("id".into()),
        placeholders: vec!["n/a".into(), "-".into(), "unknown".into()],
        as_of: AS_OF,
        stale_before: AS_OF - 365 * DAY,
        entity_keys: Vec::new(),
        entity_values: Vec::new(),
        only: None,
    }
}

/// Rows as text cells (`None` is a null), fed in batches of `batch` rows and merged in order.
pub fn collect(rows: &[[Option<&str>; 4]], batch: usize) -> SourceAcc {
    collect_with(rows, batch, &request())
}

/// The same under another request (label inputs, say).
pub fn collect_with(rows: &[[Option<&str>; 4]], batch: usize, req: &StatsRequest) -> SourceAcc {
    let req = req.clone();
    let columns: Vec<String> = ["id", "body", "ts", "label"].iter().map(|s| s.to_string()).collect();
    let mut acc = SourceAcc::new(&columns, &[None, None, None, None], &req);
    for (b, chunk) in rows.chunks(batch.max(1)).enumerate() {
        let mut batch_acc = acc.batch(&req, chunk.len());
        for (r, row) in chunk.iter().enumerate() {
            let i = (b * batch + r) as u64;
            let pos = Pos { part: 0, line: Some(i + 2), row: i };
            for (c, cell) in row.iter().enumerate() {
                let cell = match cell {
                    Some(s) => Cell::Text(s.as_bytes()),
                    None => Cell::Null,
                };
                batch_acc.push(c, r, pos, cell);
            }
        }
        acc.merge(batch_acc.finish(chunk.len() as u64, false, false));
    }
    acc
}

pub fn rows() -> Vec<[Option<&'static str>; 4]> {
    vec![
        [Some("1"), Some("printer jams"), Some("2025-01-09T10:00:00Z"), Some("hardware")],
        [Some("2"), Some("  "), Some("2025-01-08"), Some("Hardware ")],
        [Some("3"), Some("N/A"), Some("2023-01-01 00:00:00"), Some("billing")],
        [Some("3"), None, Some("yesterday"), None],
        [None, Some("refund please"), Some("2026-01-01T00:00:00Z"), Some("-")],
        [Some("5"), Some("cannot log in"), None, Some("billing")],
    ]
}

#[test]
fn missing_fields_count_nulls_blanks_and_placeholders() {
    let acc = collect(&rows(), 64);
    let body = &acc.cols[1];
    assert_eq!((body.nulls, body.blanks, body.placeholders, body.present), (1, 1, 1, 3));
    let id = &acc.cols[0];
    assert_eq!((id.nulls, id.blanks, id.placeholders), (1, 0, 0));
    // Complete: every required column (id, body) present: rows 1 and 6.
    assert_eq!(acc.complete_rows, 2);
}

#[test]
fn staleness_counts_stale_future_and_unparseable() {
    let acc = collect(&rows(), 64);
    let ts = acc.timestamp().expect("timestamp column");
    assert_eq!((ts.parsed, ts.stale, ts.future, ts.unparseable, ts.naive), (4, 1, 1, 1, 2));
    assert_eq!(ts.max.map(|m| m.0), Some(AS_OF + 356 * DAY - 10 * 3_600_000_000));
    assert_eq!(ts.max_past.map(|m| m.0), Some(AS_OF - DAY));
    assert_eq!(ts.stale_examples.first().map(|e| e.0.line), Some(Some(4)));
    assert_eq!(ts.unparseable_examples.first().map(|e| e.1.as_str()), Some("yesterday"));
}

#[test]
fn labels_count_raw_values_and_coverage() {
    let acc = collect(&rows(), 64);
    let l = acc.labels().expect("label column");
    assert_eq!(l.counts.get("billing"), Some(&2));
    assert_eq!(l.counts.get("hardware"), Some(&1));
    assert_eq!(l.counts.get("Hardware "), Some(&1));
    assert_eq!(l.counts.len(), 3);
    // Null and the placeholder `-` are unlabeled.
    assert_eq!(acc.labeled_rows, 4);
}

#[test]
fn ready_rows_need_complete_labeled_and_fresh() {
    let acc = collect(&rows(), 64);
    // Row 1: ready. Row 2: blank body. Row 3: placeholder body and stale. Row 4: null body
    // and label. Row 5: null id. Row 6: ready (a missing timestamp is not stale).
    assert_eq!(acc.ready_rows, 2);
}

#[test]
fn keys_find_duplicates_across_batches() {
    let acc = collect(&rows(), 2);
    let keys = acc.key_set.as_ref().expect("key set");
    assert_eq!((keys.seen.len(), keys.duplicated.len(), keys.duplicate_rows), (4, 1, 1));
    assert_eq!(keys.duplicate_examples.first().map(|e| (e.0.line, e.1.as_str())), Some((Some(5), "3")));
}

#[test]
fn results_do_not_depend_on_batch_size() {
    let whole = collect(&rows(), 64);
    for batch in 1..=5 {
        let parts = collect(&rows(), batch);
        assert_eq!((parts.rows, parts.complete_rows, parts.labeled_rows, parts.ready_rows), (6, 2, 4, 2));
        for (a, b) in whole.cols.iter().zip(&parts.cols) {
            assert_eq!((a.nulls, a.blanks, a.placeholders, a.present), (b.nulls, b.blanks, b.placeholders, b.present));
        }
        assert_eq!(whole.distinct(1), parts.distinct(1), "batch {batch}");
        assert_eq!(whole.min_max(2), parts.min_max(2), "batch {batch}");
    }
}

#[test]
fn column_types_are_inferred_from_text() {
    let acc = collect(&rows(), 64);
    assert_eq!(acc.column_type(1), "string");
    assert_eq!(acc.column_type(2), "string", "`yesterday` makes the column text");
    assert_eq!(acc.min_max(0), Some(("1".into(), "5".into())));
}

/// One column of text cells, the other three null.
fn one_column(values: &[&'static str]) -> SourceAcc {
    let rows: Vec<[Option<&str>; 4]> = values.iter().map(|v| [Some(*v), None, None, None]).collect();
    collect(&rows, 2)
}

#[test]
fn issue_18_a_zip_code_with_a_leading_zero_is_text_and_keeps_its_zero() {
    let acc = one_column(&["08123", "10115", "94016"]);
    assert_eq!(acc.column_type(0), "string");
    assert_eq!(acc.min_max(0), Some(("08123".into(), "94016".into())));
    let floats = one_column(&["007.5", "1.5"]);
    assert_eq!(floats.column_type(0), "string");
}

#[test]
fn issue_18_numbers_that_would_not_write_back_as_written_are_text() {
    for v in ["+5", "00", "-07", "12345678901234567890", "1234567890.1234567"] {
        assert!(!reads_as_number(v), "{v}");
    }
    for v in ["0", "-3", "0.5", "1.50", "1e5", "-0.25", "123456789012345678", "9007199254740.99"] {
        assert!(reads_as_number(v), "{v}");
    }
    assert_eq!(one_column(&["0", "12", "-3"]).column_type(0), "integer");
    assert_eq!(one_column(&["0.5", "1.50"]).column_type(0), "float");
}

#[test]
fn issue_18_text_min_and_max_are_exact_values_of_the_data() {
    let long = "Sexing primers did not amplify. Not enough blood for isotopic analysis of the sample.";
    let acc = one_column(&["Adult not sampled.", long]);
    assert_eq!(acc.min_max(0), Some(("Adult not sampled.".into(), long.into())));
}
