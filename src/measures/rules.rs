//! The rules per source, one module per measure (access, format, missing, keys, staleness,
//! labels), each returning its findings; here the order they run in and what they share.
//! Thresholds come from the profile (data, not code); evidence from the collected examples.

use crate::measures::{SourceReport, Status};
use crate::profile::{Limit, SourceSpec};
use crate::sources::SourceStats;
use crate::stats::{Example, Locator, LocatorInFile, Pos};
use crate::verdict::{Check, Finding, FindingId, Severity};

/// Every finding for one source: access first, then clean, current and labeled.
pub fn evaluate_source(spec: &SourceSpec, report: &SourceReport, stats: Option<&SourceStats>) -> Vec<Finding> {
    let mut out = Vec::new();
    super::access::access(spec, report, stats, &mut out);
    let Some(stats) = stats.filter(|_| report.status == Status::Ok) else { return out };
    let ev = Ev { stats, report };
    super::format::structure(spec, report, &mut out);
    super::missing::missing(spec, report, &ev, &mut out);
    super::keys::keys(spec, report, &ev, &mut out);
    super::staleness::current(spec, report, &ev, &mut out);
    super::labels::labeled(spec, report, &ev, &mut out);
    super::registry::judge(spec, report, &ev, &mut out);
    out
}

/// Turns collected positions into evidence, masking values of PII columns.
pub struct Ev<'a> {
    pub(super) stats: &'a SourceStats,
    pub(super) report: &'a SourceReport,
}

impl Ev<'_> {
    pub(super) fn at(&self, pos: &Pos) -> LocatorInFile {
        locate(self.stats, pos)
    }

    pub(super) fn example(&self, column: &str, pos: &Pos, value: Option<&str>) -> Example {
        Example { at: self.at(pos), value: value.map(|v| self.shown(column, v)) }
    }

    pub(super) fn shown(&self, column: &str, v: &str) -> String {
        self.report.shown(column, v)
    }

    pub(super) fn col(&self, name: &str) -> Option<usize> {
        self.stats.acc.columns.iter().position(|c| c == name)
    }
}

/// Where a collected position is, as evidence names it: a line or row of a file (and which
/// part), or the key of a SQL row.
pub(super) fn locate(stats: &SourceStats, pos: &Pos) -> LocatorInFile {
    // A SQL row is named by its key; the position indexes the keys the source fetched.
    if let Some(keys) = &stats.evidence_keys {
        let key = usize::try_from(pos.row).ok().and_then(|i| keys.get(i)).cloned().unwrap_or_default();
        let at = if stats.evidence_without_key {
            Locator::NoKey("no primary key and no `key` in the profile: set `key` to name the rows".into())
        } else {
            Locator::Key(key)
        };
        return LocatorInFile { file: None, at };
    }
    let file = (stats.parts.len() > 1).then(|| stats.parts.get(pos.part as usize).cloned()).flatten();
    let at = match pos.line {
        Some(l) => Locator::Line(l),
        None => Locator::Row(pos.row),
    };
    LocatorInFile { file, at }
}

pub(super) fn finding(
    id: FindingId,
    check: Check,
    severity: Severity,
    spec: &SourceSpec,
    column: Option<&str>,
) -> Finding {
    Finding::new(id, check, severity, Some(&spec.name), column)
}

/// Findings' messages word shares as the reports do.
pub(crate) use crate::fmt::pct;

pub(crate) fn limit_text<T: Copy>(l: &Limit<T>, show: impl Fn(T) -> String) -> Option<String> {
    match (l.warn, l.fail) {
        (Some(w), Some(f)) => Some(format!("warn {} · fail {}", show(w), show(f))),
        (Some(w), None) => Some(format!("warn {}", show(w))),
        (None, Some(f)) => Some(format!("fail {}", show(f))),
        (None, None) => None,
    }
}

/// Which limit a severity crossed, for messages: `(fail at 7d)`.
pub(crate) fn crossed<T: Copy>(sev: Severity, l: &Limit<T>, show: impl Fn(T) -> String, word: &str) -> String {
    let t = match sev {
        Severity::Fail => l.fail.map(|f| ("fail", f)),
        Severity::Warn => l.warn.map(|w| ("warn", w)),
        Severity::Pass => l.warn.or(l.fail).map(|w| ("warn", w)),
    };
    match t {
        Some((k, v)) if sev != Severity::Pass => format!(" ({k} {word} {})", show(v)),
        Some((_, v)) => format!(" (within {})", show(v)),
        None => String::new(),
    }
}

pub(super) fn did_you_mean_column(name: &str, report: &SourceReport) -> String {
    crate::profile::did_you_mean(name, report.columns.iter().map(|c| c.name.as_str()))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::profile::Location;
    use crate::profile::{Named, Thresholds};
    use crate::sources::SourceStats;
    use crate::stats::tests::{collect_with, request, rows};

    pub(crate) fn named(n: &str) -> Named {
        Named { name: n.into(), line: 1, col: 1 }
    }

    pub(crate) fn spec() -> SourceSpec {
        SourceSpec {
            name: "t".into(),
            line: 1,
            location: Location::Path { written: "t.csv".into(), resolved: "t.csv".into() },
            format: None,
            delimiter: None,
            table: None,
            query: None,
            password_env: None,
            timestamp: Some(named("ts")),
            label: Some(named("label")),
            label_inputs: Vec::new(),
            key: Some(named("id")),
            unique: true,
            required: vec![named("id"), named("body")],
            pii: Vec::new(),
            columns: None,
            thresholds: Thresholds { min_class_examples: 2, ..Thresholds::default() },
            timeout: None,
            connect: Default::default(),
            object: Default::default(),
        }
    }

    fn findings() -> Vec<Finding> {
        findings_with(&spec())
    }

    /// The findings of the fixture rows (`stats::tests::rows`) under `spec`'s thresholds.
    pub(in crate::measures) fn findings_with(spec: &SourceSpec) -> Vec<Finding> {
        findings_edited(spec, |_| {})
    }

    /// The same, after `edit` changes what was measured: for the signals the fixture's rows
    /// cannot carry (a file's shape, a role, a session's transport).
    pub(in crate::measures) fn findings_edited(
        spec: &SourceSpec,
        edit: impl FnOnce(&mut SourceReport),
    ) -> Vec<Finding> {
        let mut req = request();
        req.label_inputs = spec.label_inputs.iter().map(|n| n.name.clone()).collect();
        let stats = stats_of(collect_with(&rows(), 64, &req));
        let mut report = crate::measures::measure(spec, "t.csv".into(), &stats, &req);
        edit(&mut report);
        evaluate_source(spec, &report, Some(&stats))
    }

    /// What the reader of `t.csv` hands over with `acc`.
    pub(in crate::measures) fn stats_of(acc: crate::stats::SourceAcc) -> SourceStats {
        SourceStats {
            kind: "csv",
            parts: vec!["t.csv".into()],
            acc,
            csv: None,
            signals: Default::default(),
            access: None,
            bytes: 0,
            evidence_keys: None,
            evidence_without_key: false,
            read: None,
            sql: None,
        }
    }

    pub(in crate::measures) fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
        f.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding {id}"))
    }

    #[test]
    fn missing_share_over_fail_is_fail_with_evidence() {
        let f = findings();
        let body = get(&f, "missing.max_missing_share.t.body");
        assert_eq!(body.severity, Severity::Fail, "3 of 6 missing");
        assert_eq!(body.value.as_deref(), Some("50%"));
        let lines: Vec<_> = body.evidence.iter().map(|e| (e.at.at.clone(), e.value.clone())).collect();
        assert_eq!(
            lines,
            vec![
                (Locator::Line(3), Some("  ".into())),
                (Locator::Line(4), Some("N/A".into())),
                (Locator::Line(5), None)
            ]
        );
    }

    #[test]
    fn age_is_judged_on_the_newest_value_not_in_the_future() {
        let f = findings();
        let age = get(&f, "staleness.max_age.t");
        assert_eq!(age.severity, Severity::Pass, "1 day old, warn at 2d");
        assert_eq!(age.value.as_deref(), Some("1d"));
        assert_eq!(get(&f, "staleness.future_rows.t").severity, Severity::Warn);
        assert_eq!(get(&f, "staleness.unparseable.t").severity, Severity::Warn);
        assert_eq!(get(&f, "staleness.max_stale_share.t").severity, Severity::Pass);
    }

    #[test]
    fn labels_duplicates_and_variants() {
        let f = findings();
        // 4 of 6 labeled: 67%, below warn 80% and above fail 50%.
        assert_eq!(get(&f, "labels.min_label_coverage.t").severity, Severity::Warn);
        assert_eq!(get(&f, "labels.variant_labels.t").severity, Severity::Warn);
        assert_eq!(get(&f, "labels.rare_classes.t").severity, Severity::Warn);
        let dup = get(&f, "keys.duplicates.t");
        assert_eq!(dup.severity, Severity::Fail);
        assert_eq!(dup.evidence.first().and_then(|e| e.value.clone()), Some("3".into()));
        assert_eq!(get(&f, "access.readable.t").severity, Severity::Pass);
    }
}
