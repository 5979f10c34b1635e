//! Turns what a source collected (`SourceStats`) into the measures of DESIGN §3, as the
//! report's `SourceReport`. No I/O and no clock: everything comes from the stats and the spec.

pub mod access;
mod conflicts;
mod duplicates;
pub mod entities;
pub mod format;
pub mod keys;
pub mod labels;
pub mod missing;
mod output;
pub mod rules;
pub mod staleness;

pub use output::{
    AccessReport, AgeBucket, ColumnReport, ConflictExample, Conflicts, DuplicateRecords, EntityReport, KeyReport,
    LabelConflictExample, LabelConflicts, LabelReport, PerSystem, PiiReport, SourceReport, StalenessReport, Status,
    ValueCount, share, transport_text,
};

pub use rules::evaluate_source;

use crate::profile::SourceSpec;
use crate::sources::{SourceError, SourceFailure, SourceStats};
use crate::stats::pii::{PiiKind, mask};
use crate::stats::timestamp::format_micros;
use crate::stats::{AGE_BUCKET_DAYS, SourceAcc, StatsRequest};

/// Classes listed by name in `labels.classes`; the rest are summed under `other`.
pub const TOP_CLASSES: usize = 50;

/// A column is reported as personal data when at least this share of its present values
/// match one kind: a free-text column quoting an address now and then is not a PII column.
pub const PII_MIN_SHARE: f64 = 0.5;

/// Measures of a source that was read.
pub fn measure(spec: &SourceSpec, location: String, stats: &SourceStats, req: &StatsRequest) -> SourceReport {
    let acc = &stats.acc;
    let rows = acc.rows;
    let columns: Vec<ColumnReport> = (0..acc.columns.len()).map(|i| column(spec, acc, i, req)).collect();
    let absent_required =
        spec.required.iter().filter(|r| !acc.columns.contains(&r.name)).map(|r| r.name.clone()).collect();
    let staleness = acc.timestamp().map(|ts| {
        let column = acc.timestamp_column().and_then(|i| acc.columns.get(i)).cloned().unwrap_or_default();
        let newest = ts.max.map(|m| m.0);
        StalenessReport {
            column,
            newest: newest.map(format_micros),
            oldest: ts.min.map(|m| format_micros(m.0)),
            age_seconds: newest.map(|n| (req.as_of - n).div_euclid(1_000_000)),
            newest_past: ts.max_past.map(|m| format_micros(m.0)),
            age_past_seconds: ts.max_past.map(|m| (req.as_of - m.0).div_euclid(1_000_000)),
            stale_after_seconds: spec.thresholds.stale_after,
            stale_rows: ts.stale,
            stale_share: share(ts.stale, rows),
            future_rows: ts.future,
            unparseable: ts.unparseable,
            naive_utc: ts.naive,
            file_modified: stats.signals.modified.map(format_micros),
            footer_min: stats.signals.footer_min.map(format_micros),
            footer_max: stats.signals.footer_max.map(format_micros),
            database: stats.signals.database.clone(),
            age_histogram: AGE_BUCKET_DAYS
                .iter()
                .zip(ts.age_histogram.iter())
                .map(|(&d, &n)| AgeBucket { under_days: (d != i64::MAX).then_some(d), rows: n })
                .collect(),
        }
    });
    let labels = acc.labels().map(|l| {
        let column = acc.label_column().and_then(|i| acc.columns.get(i)).cloned().unwrap_or_default();
        labels(column, &l.counts, l.overflow, acc.labeled_rows, rows, spec.thresholds.min_class_examples)
    });
    let keys = acc.key_set.as_ref().map(|k| KeyReport {
        column: acc.key_column().and_then(|i| acc.columns.get(i)).cloned().unwrap_or_default(),
        distinct: k.distinct(),
        duplicates: k.duplicates(),
        duplicate_rows: k.duplicate_rows,
    });
    let mut access = AccessReport::from_files(true, true, stats.access.as_ref());
    if let Some(fa) = &stats.access {
        access.notes.extend(fa.world_writable_files.iter().map(|f| format!("`{f}` is world-writable")));
    }
    if let Some(sql) = &stats.sql {
        access.can_write = Some(sql.can_write());
        access.owner = sql.table_owner.clone();
        access.notes.extend(sql.notes.iter().cloned());
        access.sql = Some(sql.clone());
        access.engine = sql.engine.clone();
        access.transport = sql.transport.clone();
    }
    let duplicates = duplicates::measure(acc);
    let mut report = SourceReport {
        name: spec.name.clone(),
        kind: stats.kind.to_string(),
        location,
        status: Status::Ok,
        error: None,
        rows: Some(rows),
        complete_rows: Some(acc.complete_rows),
        ready_rows: Some(acc.ready_rows),
        ready_share: Some(share(acc.ready_rows, rows)),
        files: if stats.parts.len() > 1 { stats.parts.clone() } else { Vec::new() },
        bytes: Some(stats.bytes),
        columns,
        absent_required,
        staleness,
        labels,
        keys,
        duplicate_records: duplicates.as_ref().ok().cloned(),
        duplicate_records_unmeasured: duplicates.err(),
        access,
        csv: stats.csv.clone(),
        read: stats.read.clone(),
        delta: stats.signals.delta.clone(),
    };
    let conflicts = conflicts::measure(spec, stats, &report);
    if let Some(l) = &mut report.labels {
        l.conflicts = conflicts;
    }
    report
}

/// A source that could not be read: its measures are absent, its access says why.
pub fn failed(spec: &SourceSpec, location: String, f: &SourceFailure) -> SourceReport {
    let reachable = !matches!(
        f.error,
        SourceError::NotFound { .. } | SourceError::NoFiles { .. } | SourceError::Unreachable { .. }
    );
    let access = AccessReport::from_files(reachable, false, f.access.as_ref());
    SourceReport::unread(spec.name.clone(), f.kind.to_string(), location, f.error.to_string(), access)
}

fn column(spec: &SourceSpec, acc: &SourceAcc, i: usize, req: &StatsRequest) -> ColumnReport {
    let name = acc.columns.get(i).cloned().unwrap_or_default();
    let Some(c) = acc.cols.get(i) else {
        return ColumnReport {
            name,
            ty: "unknown".into(),
            required: false,
            nulls: 0,
            blanks: 0,
            placeholders: 0,
            missing: 0,
            missing_share: 0.0,
            distinct: None,
            distinct_exact: false,
            min: None,
            max: None,
            pii: None,
            suspected_placeholders: Vec::new(),
            invalid_utf8: 0,
        };
    };
    let missing = c.nulls + c.blanks + c.placeholders;
    let distinct = acc.distinct(i);
    let ty = acc.column_type(i);
    let pii_kind = pii_of(c.pii, c.pii_base());
    // A PII column's min, max and sentinel values are personal data too: mask them as evidence is.
    let shown = |v: String| match pii_kind {
        Some((kind, _)) => mask(&v, kind),
        None => v,
    };
    let (min, max) = acc.min_max(i).map_or((None, None), |(a, b)| (Some(shown(a)), Some(shown(b))));
    let pii = pii_kind.map(|(kind, matches)| PiiReport {
        kind: kind.name().to_string(),
        matches,
        share: share(matches, c.pii_base()),
        acknowledged: spec.pii.iter().any(|p| p.name == name),
    });
    let is_label = acc.label_column() == Some(i);
    let suspected = if is_label {
        Vec::new()
    } else {
        suspected_placeholders(acc, i, c.present, distinct.map(|d| d.0), &req.placeholders)
            .into_iter()
            .map(|v| ValueCount { value: shown(v.value), ..v })
            .collect()
    };
    ColumnReport {
        required: spec.required.iter().any(|r| r.name == name),
        name,
        ty: ty.to_string(),
        nulls: c.nulls,
        blanks: c.blanks,
        placeholders: c.placeholders,
        missing,
        missing_share: share(missing, acc.rows),
        distinct: distinct.map(|d| d.0),
        distinct_exact: distinct.is_some_and(|d| d.1),
        min,
        max,
        pii,
        suspected_placeholders: suspected,
        invalid_utf8: c.invalid_utf8,
    }
}

/// The dominant PII kind of a column and its matches, when it covers enough of the values.
pub fn pii_of(counts: [u64; 6], present: u64) -> Option<(PiiKind, u64)> {
    let (kind, n) = PiiKind::ALL.iter().zip(counts).max_by_key(|(_, n)| *n)?;
    (n > 0 && present > 0 && n as f64 / present as f64 >= PII_MIN_SHARE).then_some((*kind, n))
}

/// Values that are not in the placeholder list but look like sentinels: a value with a
/// sentinel's shape repeated, or one value covering an unusual share of a mostly-unique column.
fn suspected_placeholders(
    acc: &SourceAcc,
    i: usize,
    present: u64,
    distinct: Option<u64>,
    listed: &[String],
) -> Vec<ValueCount> {
    if present < 4 {
        return Vec::new();
    }
    let mostly_unique = distinct.is_some_and(|d| d as f64 >= present as f64 * 0.5);
    acc.top_values(i, 5)
        .into_iter()
        .filter(|(v, n)| {
            let over_share = *n >= 3 && *n as f64 >= present as f64 * 0.05;
            *n >= 2
                && !listed.iter().any(|p| p.eq_ignore_ascii_case(v.trim()))
                && (sentinel_shape(v) || (mostly_unique && over_share))
        })
        .map(|(value, count)| ValueCount { share: share(count, acc.rows), value, count })
        .collect()
}

/// Shapes people type when a value is unknown: a repeated digit (`0000000`, `9999`), the
/// epoch or far-past/far-future dates, and test addresses.
pub fn sentinel_shape(v: &str) -> bool {
    let t = v.trim().to_ascii_lowercase();
    let b = t.as_bytes();
    let repeated_digit = b.len() >= 4 && b.iter().all(|c| c.is_ascii_digit()) && b.iter().all(|c| Some(c) == b.first());
    let sentinel_date =
        ["1900-01-01", "1970-01-01", "0001-01-01", "9999-12-31", "2099-12-31"].iter().any(|d| t.starts_with(d));
    let test_address =
        t.contains('@') && ["test@", "@test.", "noreply@", "no-reply@", "xxx@"].iter().any(|p| t.contains(p));
    repeated_digit || sentinel_date || test_address
}

fn labels(
    column: String,
    counts: &rustc_hash::FxHashMap<String, u64>,
    overflow: u64,
    labeled: u64,
    rows: u64,
    min_examples: u64,
) -> LabelReport {
    let mut all: Vec<(String, u64)> = counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rare_classes: Vec<String> = all.iter().filter(|(_, n)| *n < min_examples).map(|(k, _)| k.clone()).collect();
    let imbalance = match (all.first(), all.last()) {
        (Some(big), Some(small)) if small.1 > 0 => Some((big.1 as f64 / small.1 as f64 * 100.0).round() / 100.0),
        _ => None,
    };
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for (k, _) in &all {
        groups.entry(k.trim().to_lowercase()).or_default().push(k.clone());
    }
    let variant_labels = groups
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    let other: u64 = all.iter().skip(TOP_CLASSES).map(|(_, n)| n).sum::<u64>() + overflow;
    let mut classes: Vec<(String, u64)> = all.into_iter().take(TOP_CLASSES).collect();
    if other > 0 {
        classes.push(("other".into(), other));
    }
    LabelReport {
        column,
        labeled,
        coverage: share(labeled, rows),
        classes,
        rare_classes,
        imbalance,
        variant_labels,
        conflicts: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_by_shape() {
        assert!(sentinel_shape("0000000"));
        assert!(sentinel_shape("1900-01-01"));
        assert!(sentinel_shape("test@test.com"));
        assert!(!sentinel_shape("1234"));
        assert!(!sentinel_shape("jane@acme.io"));
    }

    #[test]
    fn labels_rank_classes_and_find_variants() {
        let mut counts = rustc_hash::FxHashMap::default();
        for (k, v) in [("billing", 8), ("Billing", 2), ("billing ", 1), ("login", 4)] {
            counts.insert(k.to_string(), v);
        }
        let l = labels("category".into(), &counts, 0, 15, 20, 3);
        assert_eq!(l.classes.first(), Some(&("billing".to_string(), 8)));
        assert_eq!(l.rare_classes, vec!["Billing".to_string(), "billing ".to_string()]);
        assert_eq!(l.imbalance, Some(8.0));
        assert_eq!(l.variant_labels, vec![vec!["Billing".to_string(), "billing".to_string(), "billing ".to_string()]]);
        assert_eq!(l.coverage, 0.75);
    }

    #[test]
    fn pii_needs_a_majority_of_values() {
        assert_eq!(pii_of([6, 0, 0, 0, 0, 0], 10), Some((PiiKind::Email, 6)));
        assert_eq!(pii_of([2, 0, 0, 0, 0, 0], 10), None);
        assert_eq!(pii_of([0; 6], 0), None);
    }
}
