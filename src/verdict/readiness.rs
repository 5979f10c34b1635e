//! The production checklist of the go/no-go review: fills the six rows from what the scan
//! measured (data access; monitoring, from the history), what the profile names (owner, KPI)
//! and what people declared in `[review]`, then applies the review's rule.

use crate::profile::{Declaration, Profile, ReviewStatus, format_duration};
use crate::verdict::review::{Basis, Checkpoint, Readiness, ReadinessRow, RowStatus};
use crate::verdict::{Check, Checklist, Severity};

/// What the history shows about monitoring: earlier scans of this profile in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Monitoring {
    /// The history file, as shown to people.
    pub history: String,
    pub window_secs: i64,
    /// Earlier scans of the profile dated within the window before this scan's as-of.
    pub recent_scans: usize,
    /// The latest of them (RFC 3339).
    pub latest: Option<String>,
}

/// The six rows and the outcome; `monitoring` is `None` when the scan kept no history.
pub fn evaluate(profile: &Profile, checklist: &Checklist, monitoring: Option<&Monitoring>) -> Readiness {
    let review = &profile.review;
    let rows = Checkpoint::ALL
        .into_iter()
        .map(|c| match c {
            Checkpoint::BusinessMetric => {
                business_metric(profile.pilot.kpi.as_deref(), review.business_metric.as_ref())
            }
            Checkpoint::DataAccess => data_access(checklist),
            Checkpoint::WorkflowFit => declared(c, review.workflow_fit.as_ref(), review.present),
            Checkpoint::Owner => owner(profile.pilot.owner.as_deref()),
            Checkpoint::Monitoring => match monitoring {
                Some(m) => measured_monitoring(&profile.pilot.name, m, review.monitoring.as_ref()),
                None => {
                    let mut row = declared(c, review.monitoring.as_ref(), review.present);
                    row.note = Some(join(row.note.as_deref(), "run `scan --history` to measure it"));
                    row
                }
            },
            Checkpoint::RolloutPlan => declared(c, review.rollout_plan.as_ref(), review.present),
        })
        .collect();
    Readiness::from_rows(rows, review.present)
}

fn status(s: ReviewStatus) -> RowStatus {
    match s {
        ReviewStatus::Pass => RowStatus::Pass,
        ReviewStatus::Fail => RowStatus::Fail,
        ReviewStatus::Unknown => RowStatus::Unknown,
    }
}

fn join(first: Option<&str>, then: &str) -> String {
    match first {
        Some(f) => format!("{f}; {then}"),
        None => then.to_string(),
    }
}

/// A row only people can answer: as declared, else unknown.
fn declared(checkpoint: Checkpoint, d: Option<&Declaration>, review_present: bool) -> ReadinessRow {
    match d {
        Some(d) => ReadinessRow {
            checkpoint,
            status: status(d.status),
            basis: Basis::Declared,
            declared_by: d.by.clone(),
            note: d.note.clone(),
        },
        None => ReadinessRow {
            checkpoint,
            status: RowStatus::Unknown,
            basis: Basis::Declared,
            declared_by: None,
            note: review_present.then(|| format!("not declared: add `{}` to `[review]`", checkpoint.key())),
        },
    }
}

/// The KPI comes from `[pilot] kpi`; whether it is measured and agreed is declared. A pilot
/// that names no KPI fails the row whatever was declared: there is nothing to judge it on.
fn business_metric(kpi: Option<&str>, d: Option<&Declaration>) -> ReadinessRow {
    let mut row = declared(Checkpoint::BusinessMetric, d, false);
    match kpi.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => {
            let said = row.note.take();
            row.note = Some(match said {
                Some(n) => format!("KPI: {k}; {n}"),
                None => format!("KPI: {k}"),
            });
        }
        None => {
            row.status = RowStatus::Fail;
            row.note = Some(join(row.note.as_deref(), "`[pilot] kpi` names no KPI"));
        }
    }
    row
}

/// The checklist row preflight answers itself: a WARN still passes (as the exit code has it
/// without `--strict`), and the note names the parts that did not pass.
fn data_access(checklist: &Checklist) -> ReadinessRow {
    let sev = checklist.data_access.unwrap_or(Severity::Pass);
    let parts = |level: Severity| -> Vec<&str> {
        Check::ALL.into_iter().filter(|c| checklist.get(*c) == Some(level)).map(Check::as_str).collect()
    };
    let weak: Vec<String> = [Severity::Fail, Severity::Warn]
        .into_iter()
        .filter_map(|level| {
            let p = parts(level);
            (!p.is_empty()).then(|| format!("{} in {}", level.as_str(), p.join(", ")))
        })
        .collect();
    let note = if weak.is_empty() { "every part passes".to_string() } else { weak.join("; ") };
    ReadinessRow {
        checkpoint: Checkpoint::DataAccess,
        status: if sev == Severity::Fail { RowStatus::Fail } else { RowStatus::Pass },
        basis: Basis::Measured,
        declared_by: None,
        note: Some(note),
    }
}

/// Separators that put more than one person in `[pilot] owner`. `+` and `/` are left out: they
/// appear inside single addresses (`support+ops@…`) and team names.
const OWNER_SEPARATORS: &[&str] = &[",", ";", "&", " and ", "\n"];

/// Exactly one accountable person passes; none, or several, fails.
fn owner(owner: Option<&str>) -> ReadinessRow {
    let named = owner.map(str::trim).filter(|o| !o.is_empty());
    let (status, note) = match named {
        None => (RowStatus::Fail, "no owner: name one accountable person as `[pilot] owner`".to_string()),
        Some(o) if OWNER_SEPARATORS.iter().any(|s| o.contains(s)) => {
            (RowStatus::Fail, format!("`{o}` names more than one owner; the review needs exactly one"))
        }
        Some(o) => (RowStatus::Pass, format!("{o}, from `[pilot] owner`")),
    };
    ReadinessRow {
        checkpoint: Checkpoint::Owner,
        status,
        basis: Basis::Declared,
        declared_by: named.map(str::to_string),
        note: Some(note),
    }
}

/// Monitoring as the history shows it: this profile was scanned within the window before. The
/// declared note adds what the history cannot show (who is alerted, the review loop).
fn measured_monitoring(profile: &str, m: &Monitoring, d: Option<&Declaration>) -> ReadinessRow {
    let window = format_duration(m.window_secs);
    let (status, seen) = match (m.recent_scans, &m.latest) {
        (0, _) | (_, None) => {
            (RowStatus::Fail, format!("no earlier scan of `{profile}` in `{}` within {window}", m.history))
        }
        (n, Some(latest)) => (
            RowStatus::Pass,
            format!(
                "{n} earlier scan{} of `{profile}` within {window} in `{}`, the latest as of {latest}",
                if n == 1 { "" } else { "s" },
                m.history
            ),
        ),
    };
    let note = match d.and_then(|d| d.note.as_deref()) {
        Some(n) => format!("{seen}; {n}"),
        None => seen,
    };
    ReadinessRow {
        checkpoint: Checkpoint::Monitoring,
        status,
        basis: Basis::Measured,
        declared_by: d.and_then(|d| d.note.as_ref().and(d.by.clone())),
        note: Some(note),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::verdict::review::Outcome;

    fn profile(extra: &str) -> Profile {
        let text = format!("{extra}\n[[sources]]\nname = \"t\"\npath = \"t.csv\"\n");
        match Profile::from_str(Path::new("p.toml"), &text) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    fn passing() -> Checklist {
        Checklist { data_access: Some(Severity::Warn), permissioned: Some(Severity::Warn), ..Checklist::default() }
    }

    #[test]
    fn without_a_review_the_declared_rows_are_unknown() {
        let p = profile("[pilot]\nname = \"p\"\nowner = \"Dana Lee\"\nkpi = \"tickets deflected\"\n");
        let r = evaluate(&p, &passing(), None);
        let got: Vec<(&str, RowStatus, Basis)> =
            r.rows.iter().map(|r| (r.checkpoint.key(), r.status, r.basis)).collect();
        assert_eq!(
            got,
            vec![
                ("business_metric", RowStatus::Unknown, Basis::Declared),
                ("data_access", RowStatus::Pass, Basis::Measured),
                ("workflow_fit", RowStatus::Unknown, Basis::Declared),
                ("owner", RowStatus::Pass, Basis::Declared),
                ("monitoring", RowStatus::Unknown, Basis::Declared),
                ("rollout_plan", RowStatus::Unknown, Basis::Declared),
            ]
        );
        assert!(!r.declared);
        assert_eq!(r.outcome, Outcome::Undecided);
        assert_eq!(r.rows[0].note.as_deref(), Some("KPI: tickets deflected"));
        assert_eq!(r.rows[1].note.as_deref(), Some("WARN in permissioned"));
        assert_eq!(r.rows[4].note.as_deref(), Some("run `scan --history` to measure it"));
    }

    #[test]
    fn owner_needs_exactly_one_person() {
        assert_eq!(owner(Some("Dana Lee")).status, RowStatus::Pass);
        assert_eq!(owner(Some("support+ops@example.com")).status, RowStatus::Pass);
        assert_eq!(owner(None).status, RowStatus::Fail);
        assert_eq!(owner(Some("  ")).status, RowStatus::Fail);
        assert_eq!(owner(Some("Dana, Sam")).status, RowStatus::Fail);
        assert_eq!(owner(Some("Dana and Sam")).status, RowStatus::Fail);
    }

    #[test]
    fn monitoring_is_measured_from_the_history() {
        let p = profile(
            "[pilot]\nname = \"p\"\nowner = \"Dana\"\nkpi = \"k\"\n[review]\n\
             monitoring = { status = \"pass\", by = \"Sam\", note = \"alerts go to #support-ai\" }\n\
             business_metric = { status = \"pass\", by = \"Dana\" }\n\
             workflow_fit = { status = \"fail\", by = \"Dana\", note = \"agents skip the drafts\" }\n\
             rollout_plan = { status = \"fail\", by = \"Dana\" }\n",
        );
        let none = Monitoring { history: "h.sqlite".into(), window_secs: 48 * 3600, recent_scans: 0, latest: None };
        let r = evaluate(&p, &Checklist { data_access: Some(Severity::Fail), ..Checklist::default() }, Some(&none));
        let m = &r.rows[4];
        assert_eq!((m.status, m.basis, m.declared_by.as_deref()), (RowStatus::Fail, Basis::Measured, Some("Sam")));
        assert_eq!(m.note.as_deref(), Some("no earlier scan of `p` in `h.sqlite` within 2d; alerts go to #support-ai"));
        assert_eq!((r.failing, r.outcome), (4, Outcome::Experiment));
        assert_eq!(r.summary, "4 fail: still an experiment");
        let one = Monitoring { recent_scans: 1, latest: Some("2025-01-09T10:00:00Z".into()), ..none };
        let r = evaluate(&p, &passing(), Some(&one));
        assert_eq!(r.rows[4].status, RowStatus::Pass);
        assert_eq!(
            r.rows[4].note.as_deref(),
            Some(
                "1 earlier scan of `p` within 2d in `h.sqlite`, the latest as of 2025-01-09T10:00:00Z; alerts go to #support-ai"
            )
        );
        assert_eq!((r.failing, r.outcome, r.summary.as_str()), (2, Outcome::Ready, "4 of 6 pass: ready"));
    }

    #[test]
    fn a_pilot_without_a_kpi_fails_business_metric() {
        let p = profile("[pilot]\nname = \"p\"\n[review]\nbusiness_metric = { status = \"pass\", by = \"Dana\" }\n");
        let r = evaluate(&p, &passing(), None);
        assert_eq!(r.rows[0].status, RowStatus::Fail);
        assert_eq!(r.rows[0].note.as_deref(), Some("`[pilot] kpi` names no KPI"));
        assert_eq!(r.rows[2].note.as_deref(), Some("not declared: add `workflow_fit` to `[review]`"));
    }
}
