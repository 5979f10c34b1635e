//! Duplicate records, a part of "clean": rows identical to an earlier row in every measured
//! column (exact copies, DESIGN §3), from the source's row set, judged by
//! `max_duplicate_records` when the profile sets it. A copy is training data counted twice and
//! a test row that may also be a training row. Registered in `measures::ADDED`: this module is
//! the whole measure.

use serde::Serialize;

use crate::fmt::{Phrase, Piece, count, pct};
use crate::measures::{Measure, Measurement, SourceReport, share};
use crate::profile::SourceSpec;
use crate::sources::SourceStats;
use crate::stats::Example;
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::rules::{Ev, crossed, finding, limit_text};

/// The measure's name: its JSON key, its `explain` topic, its finding id's first part.
const NAME: &str = "duplicate_records";
/// Its limit, declared in `profile::MEASURE_LIMITS`.
const KEY: &str = "max_duplicate_records";

/// `duplicate_records` of a source's JSON report: `rows` counts the extra copies, `distinct`
/// the distinct rows that have copies, `share` is `rows` over the source's rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DuplicateRecords {
    pub rows: u64,
    pub distinct: u64,
    pub share: f64,
}

/// The measure, as `measures::ADDED` lists it.
pub struct Duplicates;

impl Measure for Duplicates {
    fn name(&self) -> &'static str {
        NAME
    }

    fn rule(&self) -> Rule {
        Rule::DuplicateRecords
    }

    fn check(&self) -> Check {
        Check::Clean
    }

    fn summary(&self) -> &'static str {
        "rows identical to an earlier row in every column (clean)"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &[KEY, "duplicate_rows", "copies"]
    }

    fn explain(&self) -> &'static str {
        include_str!("duplicates.md")
    }

    fn measure(&self, _: &SourceSpec, stats: &SourceStats, _: &SourceReport) -> Measurement {
        let acc = &stats.acc;
        let Some(set) = &acc.row_set else {
            return Measurement::Unmeasured("this read does not compare whole rows (a database's push-down)".into());
        };
        if let Some(col) = set.nested() {
            return Measurement::Unmeasured(format!("column `{col}` holds nested values, which are not compared"));
        }
        if set.met().is_some_and(|m| m != acc.rows) {
            return Measurement::Unmeasured("not every row reached the comparison".into());
        }
        let (rows, distinct) = (set.copies(), set.distinct());
        Measurement::Taken(Box::new(DuplicateRecords { rows, distinct, share: share(rows, acc.rows) }))
    }

    fn judge(&self, spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
        let th = spec.thresholds.count_limit(KEY);
        if th.warn.is_none() && th.fail.is_none() {
            return;
        }
        let id = FindingId::new(Rule::DuplicateRecords, Subject::source(&spec.name));
        let Some(d) = report.added.get::<DuplicateRecords>(NAME) else {
            let mut f = finding(id, Check::Clean, Severity::Warn, spec, None);
            f.value = Some("not measured".into());
            f.threshold = limit_text(&th, |x| x.to_string());
            let why = report.added.unmeasured(NAME).unwrap_or("not measured");
            f.message = format!("duplicate records not measured: {why}");
            out.push(f);
            return;
        };
        let sev = at_most(d.rows, &th);
        let mut f = finding(id, Check::Clean, sev, spec, None);
        f.value = Some(d.rows.to_string());
        f.threshold = limit_text(&th, |x| x.to_string());
        let rows = report.rows.unwrap_or(0);
        f.message = if d.rows == 0 {
            format!("no row of {rows} repeats an earlier row in every column")
        } else {
            format!(
                "{} row(s) repeat an earlier row in every column ({} distinct row(s) with copies){}",
                d.rows,
                d.distinct,
                crossed(sev, &th, |x| x.to_string(), "above")
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

    fn heading(&self) -> &'static str {
        "Duplicate records"
    }

    /// Shown when rows repeat, or when the profile asked (a finding judged them), so a source
    /// without copies and without a limit reads as before.
    fn line(&self, s: &SourceReport, judged: bool) -> Option<Phrase> {
        match s.added.get::<DuplicateRecords>(NAME) {
            Some(d) if d.rows > 0 || judged => Some(vec![Piece::Words(format!(
                "{} repeat an earlier row in every column ({} with copies, {} of rows)",
                count(d.rows, "row", "rows"),
                count(d.distinct, "distinct row", "distinct rows"),
                pct(d.share)
            ))]),
            Some(_) => None,
            None if judged => {
                Some(vec![Piece::Words("not measured: ".into()), Piece::Data(s.added.unmeasured(NAME)?.into())])
            }
            None => None,
        }
    }

    fn summary_item(&self, s: &SourceReport) -> Option<String> {
        let d = s.added.get::<DuplicateRecords>(NAME).filter(|d| d.rows > 0)?;
        Some(count(d.rows, "duplicate row", "duplicate rows"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, spec, stats_of};
    use super::{DuplicateRecords, Duplicates, KEY, NAME};
    use crate::measures::{Measure, Measurement};
    use crate::profile::{AnyLimit, Limit};
    use crate::verdict::Severity;

    const ID: &str = "duplicate_records.max_duplicate_records.t";

    #[test]
    fn no_finding_unless_the_profile_sets_a_limit() {
        assert!(findings_with(&spec()).iter().all(|f| f.id != ID));
    }

    #[test]
    fn copies_pass_warn_and_fail_at_their_limits() {
        // The fixture's rows are all different: 0 copies. Edited to 2 copies.
        let at = |warn, fail, copies| {
            let mut s = spec();
            s.thresholds.set_limit(KEY, AnyLimit::Count(Limit { warn, fail }));
            let f = findings_edited(&s, |r| {
                let d = DuplicateRecords { rows: copies, distinct: 1, share: 0.1 };
                r.added.set(NAME, Some(d), None);
            });
            get(&f, ID).severity
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
        s.thresholds.set_limit(KEY, AnyLimit::Count(Limit { warn: Some(0), fail: None }));
        let f = findings_edited(&s, |r| {
            r.added.set::<DuplicateRecords>(NAME, None, Some("column `tags` holds nested values".into()));
        });
        let d = get(&f, ID);
        assert_eq!((d.severity, d.value.as_deref()), (Severity::Warn, Some("not measured")));
        assert!(d.message.contains("`tags`"), "{}", d.message);
    }

    #[test]
    fn the_line_shows_copies_and_a_judged_source_only() {
        let access = crate::measures::AccessReport::from_files(true, true, None);
        let mut r =
            crate::measures::SourceReport::unread("t".into(), "csv".into(), "t.csv".into(), String::new(), access);
        let line = |r: &crate::measures::SourceReport, judged| {
            Duplicates.line(r, judged).map(|p| crate::fmt::plain_phrase(&p, |d| d.to_string()))
        };
        r.added.set(NAME, Some(DuplicateRecords { rows: 0, distinct: 0, share: 0.0 }), None);
        assert_eq!(line(&r, false), None, "no copies, no limit: nothing to say");
        assert!(line(&r, true).is_some_and(|l| l.starts_with("0 rows repeat")));
        r.added.set(NAME, Some(DuplicateRecords { rows: 3, distinct: 2, share: 0.25 }), None);
        assert!(line(&r, false).is_some_and(|l| l.contains("2 distinct rows with copies")));
        assert_eq!(Duplicates.summary_item(&r).as_deref(), Some("3 duplicate rows"));
        r.added.set::<DuplicateRecords>(NAME, None, Some("a reason".into()));
        assert_eq!(line(&r, false), None);
        assert_eq!(line(&r, true).as_deref(), Some("not measured: a reason"));
    }

    #[test]
    fn repeated_fixture_rows_are_counted_with_their_lines() {
        use crate::stats::tests::{collect, rows};
        let mut all = rows();
        all.push(all[0]);
        all.push(all[0]);
        all.push(all[4]);
        let acc = collect(&all, 2);
        let stats = stats_of(acc);
        let access = crate::measures::AccessReport::from_files(true, true, None);
        let r = crate::measures::SourceReport::unread("t".into(), "csv".into(), "t.csv".into(), String::new(), access);
        let Measurement::Taken(out) = Duplicates.measure(&spec(), &stats, &r) else { panic!("not measured") };
        let d = out.as_any().downcast_ref::<DuplicateRecords>().expect("its type");
        assert_eq!((d.rows, d.distinct), (3, 2));
        let set = stats.acc.row_set.as_ref().expect("row set");
        let lines: Vec<_> = set.examples.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(8), Some(9), Some(10)]);
    }
}
