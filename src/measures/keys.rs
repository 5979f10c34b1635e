//! Keys, a part of "clean": the source's own key present and unique.

use crate::measures::{KeyReport, SourceReport};
use crate::profile::SourceSpec;
use crate::stats::SourceAcc;
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text};

/// The documentation `preflight explain keys` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("keys.md");

/// The key measures of a source with a key column.
pub(super) fn measure(acc: &SourceAcc) -> Option<KeyReport> {
    acc.key_set.as_ref().map(|k| KeyReport {
        column: acc.key_column().and_then(|i| acc.columns.get(i)).cloned().unwrap_or_default(),
        distinct: k.distinct(),
        duplicates: k.duplicates(),
        duplicate_rows: k.duplicate_rows,
    })
}

pub(super) fn keys(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let Some(k) = &report.keys else {
        if let Some(key) = &spec.key {
            let mut f = finding(
                FindingId::new(Rule::KeysKeyAbsent, Subject::source(&spec.name)),
                Check::Clean,
                Severity::Fail,
                spec,
                Some(&key.name),
            );
            f.value = Some("absent".into());
            f.message =
                format!("key column `{}` is not in the source{}", key.name, did_you_mean_column(&key.name, report));
            out.push(f);
        }
        return;
    };
    if !spec.unique {
        return;
    }
    let th = &spec.thresholds.max_duplicate_keys;
    let sev = at_most(k.duplicates, th);
    let mut f = finding(
        FindingId::new(Rule::KeysDuplicates, Subject::source(&spec.name)),
        Check::Clean,
        sev,
        spec,
        Some(&k.column),
    );
    f.value = Some(k.duplicates.to_string());
    f.threshold = limit_text(th, |x| x.to_string());
    f.message = if k.duplicates == 0 {
        format!("all {} key values of `{}` are unique", k.distinct, k.column)
    } else {
        format!(
            "{} key value(s) of `{}` occur more than once ({} extra rows){}",
            k.duplicates,
            k.column,
            k.duplicate_rows,
            crossed(sev, th, |x| x.to_string(), "above")
        )
    };
    if let Some(set) = &ev.stats.acc.key_set {
        f.evidence = set.duplicate_examples.iter().map(|(p, v)| ev.example(&k.column, p, Some(v))).collect();
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, named, spec};
    use crate::profile::Limit;
    use crate::verdict::Severity;

    #[test]
    fn duplicates_pass_warn_and_fail_at_their_limits() {
        // The fixture's key `id` holds `3` twice: one duplicated value.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.max_duplicate_keys = Limit { warn, fail };
            get(&findings_with(&s), "keys.duplicates.t").severity
        };
        assert_eq!(at(Some(1), Some(2)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0), Some(1)), Severity::Warn, "above warn, at fail");
        assert_eq!(at(Some(0), Some(0)), Severity::Fail);
    }

    #[test]
    fn duplicates_edges_one_by_one() {
        // One duplicated key value (`3`).
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.max_duplicate_keys = Limit { warn, fail };
            let f = findings_with(&s);
            let d = get(&f, "keys.duplicates.t");
            assert_eq!(d.value.as_deref(), Some("1"));
            d.severity
        };
        assert_eq!(at(Some(1), Some(5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0), Some(5)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0), Some(1)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0), Some(0)), Severity::Fail, "just past fail");
    }

    #[test]
    fn a_key_that_need_not_be_unique_is_not_judged() {
        let mut s = spec();
        s.unique = false;
        assert!(findings_with(&s).iter().all(|f| f.id != "keys.duplicates.t"));
    }

    #[test]
    fn an_absent_key_column_fails() {
        let mut s = spec();
        s.key = Some(named("ticket_id"));
        // The stats hold no key column then, so the report has no keys.
        let f = findings_edited(&s, |r| r.keys = None);
        let absent = get(&f, "keys.key_absent.t");
        assert_eq!((absent.severity, absent.value.as_deref()), (Severity::Fail, Some("absent")));
        assert!(f.iter().all(|f| f.id != "keys.duplicates.t"));
        assert!(findings_with(&spec()).iter().all(|f| f.id != "keys.key_absent.t"));
    }
}
