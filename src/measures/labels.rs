//! Label coverage, the "labeled" part: the label present, its coverage, rare classes and
//! labels that differ only in case or spaces.

use crate::measures::SourceReport;
use crate::profile::SourceSpec;
use crate::stats::clip;
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_least};

use super::missing::missing_evidence;
use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text, pct};

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
    use super::super::rules::tests::{findings_with, get, spec};
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
}
