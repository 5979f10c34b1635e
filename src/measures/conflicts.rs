//! Label conflicts, a part of "labeled": with `label_inputs`, groups of labeled rows whose
//! inputs are equal after trim and case-fold while their labels differ (DESIGN §3), judged by
//! `max_label_conflict_share`. The same inputs with two labels are noise a model cannot learn
//! from, however many rows are labeled. Registered in `measures::ADDED`, within the labels:
//! this module is the whole measure.

use serde::Serialize;

use crate::fmt::{Phrase, Piece, count};
use crate::measures::{Measure, Measurement, PerSystem, SourceReport, Within, share};
use crate::profile::SourceSpec;
use crate::sources::SourceStats;
use crate::stats::{Example, LocatorInFile};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::output::ordered_map;
use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text, locate, pct};

/// The measure's name: its key in a source's `labels`, its `explain` topic.
const NAME: &str = "conflicts";
/// Its limit, declared in `profile::MEASURE_LIMITS`.
const KEY: &str = "max_label_conflict_share";

/// `labels.conflicts`: labeled rows whose inputs are equal after trim and case-fold while
/// their labels differ (also after trim and case-fold).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelConflicts {
    /// The `label_inputs` columns, in the profile's order.
    pub inputs: Vec<String>,
    /// Groups of rows with equal inputs and more than one label.
    pub groups: u64,
    /// Labeled rows in those groups.
    pub rows: u64,
    /// `rows / labeled`.
    pub share: f64,
    /// Why the conflicts were not counted, when they were not (the numbers are then 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmeasured: Option<String>,
    pub examples: Vec<LabelConflictExample>,
}

/// One conflicting group: where its first row is, its inputs, and each label with its rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelConflictExample {
    #[serde(flatten)]
    pub at: LocatorInFile,
    /// Input column to its value in the group's first row (masked or clipped as evidence is).
    pub inputs: PerSystem<String>,
    #[serde(serialize_with = "ordered_map")]
    pub labels: Vec<(String, u64)>,
}

/// The measure, as `measures::ADDED` lists it.
pub struct Conflicting;

fn of(s: &SourceReport) -> Option<&LabelConflicts> {
    s.labels.as_ref()?.added.get::<LabelConflicts>(NAME)
}

impl Measure for Conflicting {
    fn name(&self) -> &'static str {
        NAME
    }

    fn topic(&self) -> &'static str {
        "label_conflicts"
    }

    fn within(&self) -> Within {
        Within::Labels
    }

    fn rule(&self) -> Rule {
        Rule::LabelsConflicts
    }

    fn check(&self) -> Check {
        Check::Labeled
    }

    fn summary(&self) -> &'static str {
        "rows whose label inputs agree and labels differ (labeled)"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["conflicts", "label_inputs", KEY, "label_noise"]
    }

    fn explain(&self) -> &'static str {
        include_str!("conflicts.md")
    }

    /// Taken for a source with `label_inputs`, its label and every input; absent otherwise.
    /// Evidence values are masked as the report's columns say.
    fn measure(&self, spec: &SourceSpec, stats: &SourceStats, report: &SourceReport) -> Measurement {
        let acc = &stats.acc;
        let inputs: Vec<String> = spec.label_inputs.iter().map(|n| n.name.clone()).collect();
        if inputs.is_empty() || acc.label_column().is_none() || !inputs.iter().all(|i| acc.columns.contains(i)) {
            return Measurement::Absent;
        }
        let Some(set) = &acc.conflicts else {
            return Measurement::Taken(Box::new(LabelConflicts {
                inputs,
                groups: 0,
                rows: 0,
                share: 0.0,
                unmeasured: Some("this read does not group rows by their inputs (a database's push-down)".into()),
                examples: Vec::new(),
            }));
        };
        let (groups, rows) = set.conflicts();
        let examples = set
            .examples()
            .into_iter()
            .map(|g| LabelConflictExample {
                at: locate(stats, &g.pos),
                inputs: PerSystem(inputs.iter().zip(&g.inputs).map(|(c, v)| (c.clone(), report.shown(c, v))).collect()),
                labels: g.labels,
            })
            .collect();
        let unmeasured = set
            .met()
            .filter(|&m| m != acc.labeled_rows)
            .map(|m| format!("{m} of {} labeled rows reached the grouping", acc.labeled_rows));
        let share = share(rows, acc.labeled_rows);
        Measurement::Taken(Box::new(LabelConflicts { inputs, groups, rows, share, unmeasured, examples }))
    }

    fn judge(&self, spec: &SourceSpec, report: &SourceReport, _: &Ev<'_>, out: &mut Vec<Finding>) {
        labeled(spec, report, out);
    }

    fn heading(&self) -> &'static str {
        "Label conflicts"
    }

    /// `4 labeled rows in 2 groups with the same subject, body carry different labels (3.1%)`.
    fn line(&self, s: &SourceReport, _: bool) -> Option<Phrase> {
        let c = of(s)?;
        if let Some(why) = &c.unmeasured {
            return Some(vec![Piece::Words(format!("not measured: {why}"))]);
        }
        let mut p = vec![Piece::Words(format!(
            "{} in {} with the same ",
            count(c.rows, "labeled row", "labeled rows"),
            count(c.groups, "group", "groups")
        ))];
        for (i, input) in c.inputs.iter().enumerate() {
            if i > 0 {
                p.push(Piece::Words(", ".into()));
            }
            p.push(Piece::Code(input.clone()));
        }
        p.push(Piece::Words(format!(" carry different labels ({} of labeled rows)", pct(c.share))));
        Some(p)
    }

    fn summary_item(&self, s: &SourceReport) -> Option<String> {
        let c = of(s).filter(|c| c.rows > 0)?;
        Some(format!("{} with conflicting labels", pct(c.share)))
    }
}

fn labeled(spec: &SourceSpec, report: &SourceReport, out: &mut Vec<Finding>) {
    if spec.label_inputs.is_empty() {
        return;
    }
    // Without the label itself, `labels.label_absent` has said it all.
    let Some(labels) = &report.labels else { return };
    let th = &spec.thresholds.share_limit(KEY);
    let id = || FindingId::new(Rule::LabelsConflicts, Subject::source(&spec.name));
    let label = spec.label.as_ref().map(|l| l.name.as_str());
    let Some(c) = labels.added.get::<LabelConflicts>(NAME) else {
        let absent: Vec<&str> = spec
            .label_inputs
            .iter()
            .map(|n| n.name.as_str())
            .filter(|n| !report.columns.iter().any(|c| c.name == *n))
            .collect();
        let mut f = finding(id(), Check::Labeled, Severity::Fail, spec, absent.first().copied().or(label));
        f.value = Some("absent".into());
        let hint = absent.first().map(|a| did_you_mean_column(a, report)).unwrap_or_default();
        let names: Vec<String> = absent.iter().map(|a| format!("`{a}`")).collect();
        f.message = format!("label input(s) {} not in the source{hint}", names.join(", "));
        out.push(f);
        return;
    };
    let mut f = finding(id(), Check::Labeled, Severity::Warn, spec, label);
    f.threshold = limit_text(th, pct);
    let on = c.inputs.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
    if let Some(why) = &c.unmeasured {
        f.value = Some("not measured".into());
        f.message = format!("label conflicts not measured: {why}");
        out.push(f);
        return;
    }
    f.severity = at_most(c.share, th);
    f.value = Some(pct(c.share));
    f.message = if c.groups == 0 {
        format!("no two labeled rows with the same {on} carry different labels")
    } else {
        format!(
            "{} labeled row(s) in {} group(s) with the same {on} carry different labels ({} of labeled rows){}",
            c.rows,
            c.groups,
            pct(c.share),
            crossed(f.severity, th, pct, "above")
        )
    };
    f.evidence = c
        .examples
        .iter()
        .map(|e| {
            // The renderers quote the whole value: only an empty input is quoted inside it.
            let inputs: Vec<String> =
                e.inputs.0.iter().map(|(_, v)| if v.is_empty() { "\"\"".to_string() } else { v.clone() }).collect();
            let labels: Vec<String> = e.labels.iter().map(|(l, n)| format!("{l} ({n})")).collect();
            Example { at: e.at.clone(), value: Some(format!("{} → {}", inputs.join(" · "), labels.join(", "))) }
        })
        .collect();
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, named, spec};
    use super::{KEY, LabelConflicts, NAME};
    use crate::measures::SourceReport;
    use crate::profile::{AnyLimit, Limit};
    use crate::verdict::Severity;

    const ID: &str = "labels.max_label_conflict_share.t";

    /// Changes the measured conflicts of `r`, which the fixture's rows cannot carry.
    fn edit(r: &mut SourceReport, change: impl FnOnce(&mut LabelConflicts)) {
        let Some(l) = r.labels.as_mut() else { return };
        let Some(mut c) = l.added.get::<LabelConflicts>(NAME).cloned() else { return };
        change(&mut c);
        l.added.set(NAME, Some(c), None);
    }

    #[test]
    fn no_finding_without_label_inputs() {
        assert!(findings_with(&spec()).iter().all(|f| f.id != ID));
    }

    #[test]
    fn conflicts_pass_warn_and_fail_at_their_limits() {
        // The fixture's labeled rows all have different bodies: no conflict. Edited to a share.
        let at = |warn, fail, share| {
            let mut s = spec();
            s.label_inputs = vec![named("body")];
            s.thresholds.set_limit(KEY, AnyLimit::Share(Limit { warn, fail }));
            let f = findings_edited(&s, |r| {
                edit(r, |c| {
                    c.share = share;
                    c.rows = 2;
                    c.groups = 1;
                })
            });
            get(&f, ID).severity
        };
        assert_eq!(at(Some(0.01), Some(0.05), 0.0), Severity::Pass);
        assert_eq!(at(Some(0.25), Some(0.5), 0.25), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0.2), Some(0.5), 0.25), Severity::Warn, "above warn");
        assert_eq!(at(Some(0.2), Some(0.25), 0.25), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0.1), Some(0.2), 0.25), Severity::Fail, "above fail");
    }

    #[test]
    fn an_absent_input_fails_with_a_hint() {
        let mut s = spec();
        s.label_inputs = vec![named("bodyy")];
        let f = get(&findings_with(&s), ID).clone();
        assert_eq!((f.severity, f.value.as_deref()), (Severity::Fail, Some("absent")));
        assert!(f.message.contains("`bodyy`") && f.message.contains("did you mean `body`"), "{}", f.message);
    }

    #[test]
    fn an_unmeasured_grouping_warns() {
        let mut s = spec();
        s.label_inputs = vec![named("body")];
        let f = findings_edited(&s, |r| edit(r, |c| c.unmeasured = Some("push-down".into())));
        let f = get(&f, ID);
        assert_eq!((f.severity, f.value.as_deref()), (Severity::Warn, Some("not measured")));
    }
}
