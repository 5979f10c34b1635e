//! Label coverage, the "labeled" part: the label present, its coverage, rare classes and
//! labels that differ only in case or spaces.

use crate::measures::{LabelReport, SourceReport, share};
use crate::profile::SourceSpec;
use crate::stats::{SourceAcc, clip};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_least};

use super::missing::missing_evidence;
use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text, pct};

/// The documentation `preflight explain label_coverage` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("labels.md");

/// Classes listed by name in `labels.classes`; the rest are summed under `other`.
pub const TOP_CLASSES: usize = 50;

/// The label measures of a source with a label column; the registered measures within the
/// labels (`added`) are filled later, from the whole report.
pub(super) fn measure(spec: &SourceSpec, acc: &SourceAcc) -> Option<LabelReport> {
    let rows = acc.rows;
    acc.labels().map(|l| {
        let column = acc.label_column().and_then(|i| acc.columns.get(i)).cloned().unwrap_or_default();
        classes(column, &l.counts, l.overflow, acc.labeled_rows, rows, spec.thresholds.min_class_examples)
    })
}

fn classes(
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
        added: Default::default(),
    }
}

pub(super) fn labeled(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let Some(label) = &spec.label else { return };
    let name = &spec.name;
    let th = &spec.thresholds;
    let col = Some(label.name.as_str());
    let Some(l) = &report.labels else {
        let mut f = finding(
            FindingId::new(Rule::LabelsLabelAbsent, Subject::source(name)),
            Check::Labeled,
            Severity::Fail,
            spec,
            col,
        );
        f.value = Some("absent".into());
        let hint = did_you_mean_column(&label.name, report);
        f.message = format!("label column `{}` is not in the source{hint}", label.name);
        out.push(f);
        return;
    };
    let sev = at_least(l.coverage, &th.min_label_coverage);
    let mut f =
        finding(FindingId::new(Rule::LabelsMinLabelCoverage, Subject::source(name)), Check::Labeled, sev, spec, col);
    f.value = Some(pct(l.coverage));
    f.threshold = limit_text(&th.min_label_coverage, pct);
    let rows = report.rows.unwrap_or(0);
    f.message = format!(
        "{} of {rows} rows labeled ({}){}",
        l.labeled,
        pct(l.coverage),
        crossed(sev, &th.min_label_coverage, pct, "below")
    );
    if let Some(c) = report.columns.iter().find(|c| c.name == l.column) {
        f.evidence = missing_evidence(ev, c);
    }
    out.push(f);

    if !l.rare_classes.is_empty() {
        let mut f = finding(
            FindingId::new(Rule::LabelsRareClasses, Subject::source(name)),
            Check::Labeled,
            Severity::Warn,
            spec,
            col,
        );
        let counts: Vec<String> = l
            .rare_classes
            .iter()
            .take(10)
            .map(|k| {
                let n = l.classes.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n);
                format!("\"{}\" ({n})", clip(k))
            })
            .collect();
        f.value = Some(l.rare_classes.len().to_string());
        f.threshold = Some(format!("{} examples per class", th.min_class_examples));
        f.message = format!(
            "{} class(es) have fewer than {} examples: {}",
            l.rare_classes.len(),
            th.min_class_examples,
            counts.join(", ")
        );
        out.push(f);
    }
    if !l.variant_labels.is_empty() {
        let mut f = finding(
            FindingId::new(Rule::LabelsVariantLabels, Subject::source(name)),
            Check::Labeled,
            Severity::Warn,
            spec,
            col,
        );
        let groups: Vec<String> = l
            .variant_labels
            .iter()
            .take(5)
            .map(|g| g.iter().map(|v| format!("\"{}\"", clip(v))).collect::<Vec<_>>().join(" = "))
            .collect();
        f.value = Some(l.variant_labels.len().to_string());
        f.message = format!("labels that differ only in case or spaces: {}", groups.join("; "));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, named, spec};
    use crate::profile::Limit;
    use crate::verdict::Severity;

    #[test]
    fn coverage_passes_warns_and_fails_at_its_limits() {
        // 4 of the fixture's 6 rows carry a label: 66.7% coverage.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.min_label_coverage = Limit { warn, fail };
            get(&findings_with(&s), "labels.min_label_coverage.t").severity
        };
        assert_eq!(at(Some(0.6), Some(0.5)), Severity::Pass);
        assert_eq!(at(Some(0.8), Some(0.6)), Severity::Warn);
        assert_eq!(at(Some(0.9), Some(0.7)), Severity::Fail);
    }

    #[test]
    fn coverage_edges_are_inclusive() {
        // 4 of 6 rows labeled: a coverage of 0.6667.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.min_label_coverage = Limit { warn, fail };
            get(&findings_with(&s), "labels.min_label_coverage.t").severity
        };
        assert_eq!(at(Some(0.6667), Some(0.5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0.6668), Some(0.5)), Severity::Warn, "just below warn");
        assert_eq!(at(Some(0.9), Some(0.6667)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0.9), Some(0.6668)), Severity::Fail, "just below fail");
    }

    #[test]
    fn an_absent_label_column_fails() {
        // A label the source lacks: the stats hold no label column, so the report has no labels.
        let mut s = spec();
        s.label = Some(named("category"));
        let f = findings_edited(&s, |r| r.labels = None);
        let absent = get(&f, "labels.label_absent.t");
        assert_eq!((absent.severity, absent.value.as_deref()), (Severity::Fail, Some("absent")));
        assert!(f.iter().all(|f| f.id != "labels.min_label_coverage.t"));
        assert!(findings_with(&spec()).iter().all(|f| f.id != "labels.label_absent.t"));
    }

    #[test]
    fn rare_classes_warn_below_min_class_examples() {
        // Classes: `billing` twice, `hardware` and `Hardware ` once each.
        let at = |min| {
            let mut s = spec();
            s.thresholds.min_class_examples = min;
            let f = findings_with(&s);
            f.iter()
                .find(|f| f.id == "labels.rare_classes.t")
                .map(|f| (f.severity, f.value.clone().unwrap_or_default()))
        };
        assert_eq!(at(1), None, "every class has at least one example");
        assert_eq!(at(2), Some((Severity::Warn, "2".to_string())), "a class of exactly 2 is not rare at 2");
        assert_eq!(at(3), Some((Severity::Warn, "3".to_string())));
    }

    #[test]
    fn variant_labels_warn_and_distinct_labels_pass() {
        let f = findings_with(&spec());
        let v = get(&f, "labels.variant_labels.t");
        assert_eq!((v.severity, v.value.as_deref()), (Severity::Warn, Some("1")), "`hardware` = `Hardware `");
        let f = findings_edited(&spec(), |r| {
            if let Some(l) = r.labels.as_mut() {
                l.variant_labels.clear();
            }
        });
        assert!(f.iter().any(|f| f.id == "labels.min_label_coverage.t"));
        assert!(f.iter().all(|f| f.id != "labels.variant_labels.t"));
    }

    #[test]
    fn labels_rank_classes_and_find_variants() {
        let mut counts = rustc_hash::FxHashMap::default();
        for (k, v) in [("billing", 8), ("Billing", 2), ("billing ", 1), ("login", 4)] {
            counts.insert(k.to_string(), v);
        }
        let l = super::classes("category".into(), &counts, 0, 15, 20, 3);
        assert_eq!(l.classes.first(), Some(&("billing".to_string(), 8)));
        assert_eq!(l.rare_classes, vec!["Billing".to_string(), "billing ".to_string()]);
        assert_eq!(l.imbalance, Some(8.0));
        assert_eq!(l.variant_labels, vec![vec!["Billing".to_string(), "billing".to_string(), "billing ".to_string()]]);
        assert_eq!(l.coverage, 0.75);
    }
}
