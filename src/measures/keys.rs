//! Keys, a part of "clean": the source's own key present and unique.

use crate::measures::SourceReport;
use crate::profile::SourceSpec;
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text};

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
    use super::super::rules::tests::{findings_with, get, spec};
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
}
