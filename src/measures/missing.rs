//! Missing fields, a part of "clean": required columns absent, missing shares over their
//! limits, suspected placeholders.

use crate::measures::{ColumnReport, PiiReport, SourceReport, ValueCount, share};
use crate::profile::SourceSpec;
use crate::stats::pii::mask;
use crate::stats::{Example, MissingKind, SourceAcc, StatsRequest, clip};

use super::access::pii_of;
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text, pct};

/// The documentation `preflight explain missing_fields` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("missing.md");

/// One column's measures: missing values, distinct, min and max, personal data, sentinels.
pub(super) fn column(spec: &SourceSpec, acc: &SourceAcc, i: usize, req: &StatsRequest) -> ColumnReport {
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

pub(super) fn missing(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let name = &spec.name;
    let th = &spec.thresholds;
    for r in &report.absent_required {
        let mut f = finding(
            FindingId::new(Rule::MissingRequiredAbsent, Subject::column(name, r)),
            Check::Clean,
            Severity::Fail,
            spec,
            Some(r),
        );
        f.value = Some("absent".into());
        let hint = did_you_mean_column(r, report);
        f.message = format!("required column `{r}` is not in the source{hint}");
        out.push(f);
    }
    for c in report.columns.iter().filter(|c| c.required) {
        let sev = at_most(c.missing_share, &th.max_missing_share);
        let mut f = finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column(name, &c.name)),
            Check::Clean,
            sev,
            spec,
            Some(&c.name),
        );
        f.value = Some(pct(c.missing_share));
        f.threshold = limit_text(&th.max_missing_share, pct);
        f.message = format!(
            "{} missing{}: {} null, {} blank, {} placeholder",
            pct(c.missing_share),
            crossed(sev, &th.max_missing_share, pct, "above"),
            c.nulls,
            c.blanks,
            c.placeholders
        );
        f.evidence = missing_evidence(ev, c);
        out.push(f);
    }
    for c in &report.columns {
        if c.suspected_placeholders.is_empty() {
            continue;
        }
        let mut f = finding(
            FindingId::new(Rule::MissingSuspectedPlaceholders, Subject::column(name, &c.name)),
            Check::Clean,
            Severity::Warn,
            spec,
            Some(&c.name),
        );
        let list: Vec<String> =
            c.suspected_placeholders.iter().map(|v| format!("\"{}\" ×{}", clip(&v.value), v.count)).collect();
        f.value = Some(list.join(", "));
        f.message = format!(
            "looks like placeholder values: {}; add them to `placeholders` if they mean \"unknown\"",
            list.join(", ")
        );
        out.push(f);
    }
    for c in report.columns.iter().filter(|c| c.invalid_utf8 > 0) {
        let mut f = finding(
            FindingId::new(Rule::FormatInvalidUtf8, Subject::column(name, &c.name)),
            Check::Clean,
            Severity::Fail,
            spec,
            Some(&c.name),
        );
        f.value = Some(c.invalid_utf8.to_string());
        f.message = format!("{} value(s) are not valid UTF-8", c.invalid_utf8);
        if let Some(acc) = ev.col(&c.name).and_then(|i| ev.stats.acc.cols.get(i)) {
            f.evidence = acc.invalid_utf8_examples.iter().map(|p| Example { at: ev.at(p), value: None }).collect();
        }
        out.push(f);
    }
}

pub(super) fn missing_evidence(ev: &Ev<'_>, c: &ColumnReport) -> Vec<Example> {
    let Some(acc) = ev.col(&c.name).and_then(|i| ev.stats.acc.cols.get(i)) else { return Vec::new() };
    acc.missing_examples
        .iter()
        .map(|(pos, kind, v)| match kind {
            MissingKind::Null => Example { at: ev.at(pos), value: None },
            _ => Example { at: ev.at(pos), value: Some(v.clone()) },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, named, spec};
    use crate::measures::ValueCount;
    use crate::profile::Limit;
    use crate::verdict::Severity;

    #[test]
    fn missing_share_passes_warns_and_fails_at_its_limits() {
        // `body` is blank, `N/A` and null in 3 of the fixture's 6 rows: 50% missing.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.max_missing_share = Limit { warn, fail };
            get(&findings_with(&s), "missing.max_missing_share.t.body").severity
        };
        assert_eq!(at(Some(0.5), Some(0.6)), Severity::Pass, "a limit is inclusive");
        assert_eq!(at(Some(0.49), Some(0.5)), Severity::Warn);
        assert_eq!(at(Some(0.1), Some(0.49)), Severity::Fail);
    }

    #[test]
    fn missing_share_edges_are_inclusive() {
        // `body`: 3 of 6 rows missing, a share of exactly 0.5.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.max_missing_share = Limit { warn, fail };
            get(&findings_with(&s), "missing.max_missing_share.t.body").severity
        };
        assert_eq!(at(Some(0.5), Some(0.9)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0.4999), Some(0.9)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0.1), Some(0.5)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0.1), Some(0.4999)), Severity::Fail, "just past fail");
    }

    #[test]
    fn a_required_column_absent_fails_on_its_own() {
        let mut s = spec();
        s.required.push(named("email"));
        let f = findings_with(&s);
        let absent = get(&f, "missing.required_absent.t.email");
        assert_eq!((absent.severity, absent.value.as_deref()), (Severity::Fail, Some("absent")));
        assert!(f.iter().all(|f| f.id != "missing.max_missing_share.t.email"));
        assert!(findings_with(&spec()).iter().all(|f| !f.id.starts_with("missing.required_absent")));
    }

    #[test]
    fn suspected_placeholders_warn_and_none_say_nothing() {
        assert!(findings_with(&spec()).iter().all(|f| !f.id.starts_with("missing.suspected_placeholders")));
        let f = findings_edited(&spec(), |r| {
            if let Some(c) = r.columns.iter_mut().find(|c| c.name == "body") {
                c.suspected_placeholders = vec![ValueCount { value: "tbd".into(), count: 2, share: 0.3333 }];
            }
        });
        let p = get(&f, "missing.suspected_placeholders.t.body");
        assert_eq!((p.severity, p.value.as_deref()), (Severity::Warn, Some("\"tbd\" ×2")));
    }

    #[test]
    fn invalid_utf8_fails_from_one_value() {
        assert!(findings_with(&spec()).iter().all(|f| !f.id.starts_with("format.invalid_utf8")));
        let f = findings_edited(&spec(), |r| {
            if let Some(c) = r.columns.iter_mut().find(|c| c.name == "body") {
                c.invalid_utf8 = 1;
            }
        });
        let bad = get(&f, "format.invalid_utf8.t.body");
        assert_eq!((bad.severity, bad.value.as_deref()), (Severity::Fail, Some("1")));
    }

    #[test]
    fn sentinels_by_shape() {
        use super::sentinel_shape;
        assert!(sentinel_shape("0000000"));
        assert!(sentinel_shape("1900-01-01"));
        assert!(sentinel_shape("test@test.com"));
        assert!(!sentinel_shape("1234"));
        assert!(!sentinel_shape("jane@acme.io"));
    }
}
