//! The production checklist of the go/no-go review (DESIGN §4) as the report carries it: six
//! rows, each measured by preflight or declared by a person, and the rule's outcome.

use serde::Serialize;

/// A row's answer. Serialized lowercase, as the profile writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    Pass,
    Fail,
    Unknown,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Pass => "pass",
            RowStatus::Fail => "fail",
            RowStatus::Unknown => "unknown",
        }
    }

    /// Upper case, as the report shows severities.
    pub fn shown(self) -> &'static str {
        match self {
            RowStatus::Pass => "PASS",
            RowStatus::Fail => "FAIL",
            RowStatus::Unknown => "?",
        }
    }
}

/// Whether preflight measured a row itself or a person declared it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Measured,
    Declared,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Measured => "measured",
            Basis::Declared => "declared",
        }
    }
}

/// The six checkpoints, in the order the review asks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Checkpoint {
    BusinessMetric,
    DataAccess,
    WorkflowFit,
    Owner,
    Monitoring,
    RolloutPlan,
}

impl Checkpoint {
    pub const ALL: [Checkpoint; 6] = [
        Checkpoint::BusinessMetric,
        Checkpoint::DataAccess,
        Checkpoint::WorkflowFit,
        Checkpoint::Owner,
        Checkpoint::Monitoring,
        Checkpoint::RolloutPlan,
    ];

    /// The JSON name, also the `[review]` key of a declared row.
    pub fn key(self) -> &'static str {
        match self {
            Checkpoint::BusinessMetric => "business_metric",
            Checkpoint::DataAccess => "data_access",
            Checkpoint::WorkflowFit => "workflow_fit",
            Checkpoint::Owner => "owner",
            Checkpoint::Monitoring => "monitoring",
            Checkpoint::RolloutPlan => "rollout_plan",
        }
    }

    /// The row's title as the review page writes it.
    pub fn title(self) -> &'static str {
        match self {
            Checkpoint::BusinessMetric => "Business metric",
            Checkpoint::DataAccess => "Data access",
            Checkpoint::WorkflowFit => "Workflow fit",
            Checkpoint::Owner => "Owner",
            Checkpoint::Monitoring => "Monitoring",
            Checkpoint::RolloutPlan => "Rollout plan",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReadinessRow {
    pub checkpoint: Checkpoint,
    pub status: RowStatus,
    pub basis: Basis,
    /// Who declared the row; `None` for a measured row and for a row nobody declared yet.
    pub declared_by: Option<String>,
    pub note: Option<String>,
}

impl ReadinessRow {
    /// How the row was answered, for people: `measured`, `declared by Dana`, or for a measured
    /// row with a declared note, `measured, note by Sam`.
    pub fn basis_text(&self) -> String {
        match (&self.declared_by, self.basis) {
            (None, b) => b.as_str().to_string(),
            (Some(by), Basis::Declared) => format!("declared by {by}"),
            (Some(by), Basis::Measured) => format!("measured, note by {by}"),
        }
    }
}

/// What the review's rule makes of the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Fewer than three rows fail and none is unknown.
    Ready,
    /// Three or more rows fail: not ready for production.
    Experiment,
    /// Fewer than three rows fail, but some are not answered yet.
    Undecided,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readiness {
    pub rows: Vec<ReadinessRow>,
    /// How many rows fail; three or more make the pilot "still an experiment".
    pub failing: usize,
    pub outcome: Outcome,
    /// The outcome in words: `4 of 6 pass: ready`, `3 fail: still an experiment`.
    pub summary: String,
    /// Whether the profile has a `[review]` table; without one the report says how to add it.
    pub declared: bool,
}

/// Rows failing at or beyond this many make the pilot still an experiment.
pub const FAILING_LIMIT: usize = 3;

/// What the report says when the profile declares no `[review]`.
pub const HOW_TO_DECLARE: &str = "declare the rows people answer in the profile's `[review]` table, e.g. \
`workflow_fit = { status = \"pass\", by = \"name\", note = \"link\" }` (also `business_metric`, `monitoring`, \
`rollout_plan`)";

impl Readiness {
    /// Applies the review's rule to six rows.
    pub fn from_rows(rows: Vec<ReadinessRow>, declared: bool) -> Readiness {
        let count = |s: RowStatus| rows.iter().filter(|r| r.status == s).count();
        let (pass, failing, unknown) = (count(RowStatus::Pass), count(RowStatus::Fail), count(RowStatus::Unknown));
        let (outcome, summary) = if failing >= FAILING_LIMIT {
            (Outcome::Experiment, format!("{failing} fail: still an experiment"))
        } else if unknown > 0 {
            (Outcome::Undecided, format!("{pass} of {} pass, {unknown} unknown: not yet decided", rows.len()))
        } else {
            (Outcome::Ready, format!("{pass} of {} pass: ready", rows.len()))
        };
        Readiness { rows, failing, outcome, summary, declared }
    }

    /// Whether `--require-review` lets the scan exit 0: only a ready review does.
    pub fn is_ready(&self) -> bool {
        self.outcome == Outcome::Ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(statuses: [RowStatus; 6]) -> Vec<ReadinessRow> {
        Checkpoint::ALL
            .into_iter()
            .zip(statuses)
            .map(|(checkpoint, status)| ReadinessRow {
                checkpoint,
                status,
                basis: Basis::Declared,
                declared_by: None,
                note: None,
            })
            .collect()
    }

    #[test]
    fn three_failing_rows_make_an_experiment() {
        use RowStatus::{Fail as F, Pass as P, Unknown as U};
        let r = Readiness::from_rows(rows([P, F, P, P, F, P]), true);
        assert_eq!((r.failing, r.outcome, r.summary.as_str()), (2, Outcome::Ready, "4 of 6 pass: ready"));
        let r = Readiness::from_rows(rows([F, F, P, U, F, P]), true);
        assert_eq!((r.failing, r.outcome, r.summary.as_str()), (3, Outcome::Experiment, "3 fail: still an experiment"));
        let r = Readiness::from_rows(rows([P, P, U, P, U, F]), true);
        assert_eq!(r.outcome, Outcome::Undecided);
        assert_eq!(r.summary, "3 of 6 pass, 2 unknown: not yet decided");
        assert!(!r.is_ready());
        let json = serde_json::to_value(&r).unwrap_or_default();
        assert_eq!(json["rows"][0]["checkpoint"], "business_metric");
        assert_eq!(json["rows"][2]["status"], "unknown");
        assert_eq!(json["rows"][2]["basis"], "declared");
        assert_eq!(json["outcome"], "undecided");
    }
}
