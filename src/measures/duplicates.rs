//! Duplicate records, a part of "clean": rows identical to an earlier row in every measured
//! column (exact copies, DESIGN §3), from the source's row set, judged by
//! `max_duplicate_records` when the profile sets it. A copy is training data counted twice and
//! a test row that may also be a training row.

use crate::measures::{DuplicateRecords, SourceReport, share};
use crate::profile::SourceSpec;
use crate::stats::{Example, SourceAcc};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::rules::{Ev, crossed, finding, limit_text};

/// The documentation `preflight explain duplicate_records` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("duplicates.md");

/// The measure, or why it was not taken.
pub(super) fn measure(acc: &SourceAcc) -> Result<DuplicateRecords, String> {
    let Some(set) = &acc.row_set else {
        return Err("this read does not compare whole rows (a database's push-down)".into());
    };
    if let Some(col) = set.nested() {
        return Err(format!("column `{col}` holds nested values, which are not compared"));
    }
    if set.met().is_some_and(|m| m != acc.rows) {
        return Err("not every row reached the comparison".into());
    }
    Ok(DuplicateRecords { rows: set.copies(), distinct: set.distinct(), share: share(set.copies(), acc.rows) })
}

pub(super) fn clean(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let th = &spec.thresholds.max_duplicate_records;
    if th.warn.is_none() && th.fail.is_none() {
        return;
    }
    let id = FindingId::new(Rule::DuplicateRecords, Subject::source(&spec.name));
    let Some(d) = &report.duplicate_records else {
        let mut f = finding(id, Check::Clean, Severity::Warn, spec, None);
        f.value = Some("not measured".into());
        f.threshold = limit_text(th, |x| x.to_string());
        let why = report.duplicate_records_unmeasured.as_deref().unwrap_or("not measured");
        f.message = format!("duplicate records not measured: {why}");
        out.push(f);
        return;
    };
    let sev = at_most(d.rows, th);
    let mut f = finding(id, Check::Clean, sev, spec, None);
    f.value = Some(d.rows.to_string());
    f.threshold = limit_text(th, |x| x.to_string());
    let rows = report.rows.unwrap_or(0);
    f.message = if d.rows == 0 {
        format!("no row of {rows} repeats an earlier row in every column")
    } else {
        format!(
            "{} row(s) repeat an earlier row in every column ({} distinct row(s) with copies){}",
            d.rows,
            d.distinct,
            crossed(sev, th, |x| x.to_string(), "above")
        )
    };
    if let Some(set) = &ev.stats.acc.row_set {
        f.evidence = set
            .examples
            .iter()
            .map(|p| Example { at: ev.at(p), value: Some("identical to an earlier row".into()) })
            .collect();
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, spec};
    use crate::profile::Limit;
    use crate::verdict::Severity;

    #[test]
    fn no_finding_unless_the_profile_sets_a_limit() {
        assert!(findings_with(&spec()).iter().all(|f| f.id != "duplicate_records.max_duplicate_records.t"));
    }

    #[test]
    fn copies_pass_warn_and_fail_at_their_limits() {
        // The fixture's rows are all different: 0 copies. Edited to 2 copies.
        let at = |warn, fail, copies| {
            let mut s = spec();
            s.thresholds.max_duplicate_records = Limit { warn, fail };
            let f = findings_edited(&s, |r| {
                if let Some(d) = &mut r.duplicate_records {
                    d.rows = copies;
                }
            });
            get(&f, "duplicate_records.max_duplicate_records.t").severity
        };
        assert_eq!(at(Some(0), None, 0), Severity::Pass, "none, warn above 0");
        assert_eq!(at(Some(2), Some(5), 2), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(1), Some(5), 2), Severity::Warn, "above warn");
        assert_eq!(at(Some(0), Some(2), 2), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0), Some(1), 2), Severity::Fail, "above fail");
    }

    #[test]
    fn a_source_whose_rows_were_not_compared_warns_when_a_limit_is_set() {
        let mut s = spec();
        s.thresholds.max_duplicate_records = Limit { warn: Some(0), fail: None };
        let f = findings_edited(&s, |r| {
            r.duplicate_records = None;
            r.duplicate_records_unmeasured = Some("column `tags` holds nested values".into());
        });
        let d = get(&f, "duplicate_records.max_duplicate_records.t");
        assert_eq!((d.severity, d.value.as_deref()), (Severity::Warn, Some("not measured")));
        assert!(d.message.contains("`tags`"), "{}", d.message);
    }

    #[test]
    fn repeated_fixture_rows_are_counted_with_their_lines() {
        use crate::stats::tests::{collect, rows};
        let mut all = rows();
        all.push(all[0]);
        all.push(all[0]);
        all.push(all[4]);
        let acc = collect(&all, 2);
        let d = super::measure(&acc).expect("measured");
        assert_eq!((d.rows, d.distinct), (3, 2));
        let set = acc.row_set.as_ref().expect("row set");
        let lines: Vec<_> = set.examples.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(8), Some(9), Some(10)]);
    }
}
