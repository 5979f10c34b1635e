//! Findings and how they add up: a `Finding` is one judged check, its `Severity` and the
//! `Check` (checklist part) it answers; the `Checklist` is the worst finding per part.

use serde::Serialize;

use crate::stats::Example;

use super::id::FindingId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Pass,
    Warn,
    Fail,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Pass => "PASS",
            Severity::Warn => "WARN",
            Severity::Fail => "FAIL",
        }
    }
}

/// The parts of the checklist row "Data access: clean, permissioned, current data sources",
/// and `Trend`: how this scan compares with earlier ones (only with `scan --history`). The
/// trend is judged beside data access, not inside it: `data_access` stays the worst of the
/// five DESIGN parts, and the verdict is the worse of data access and trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Clean,
    Permissioned,
    Current,
    Labeled,
    Connected,
    Trend,
}

impl Check {
    /// The five parts of data access (DESIGN §4); `Trend` is not one of them.
    pub const ALL: [Check; 5] = [Check::Clean, Check::Permissioned, Check::Current, Check::Labeled, Check::Connected];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Clean => "clean",
            Check::Permissioned => "permissioned",
            Check::Current => "current",
            Check::Labeled => "labeled",
            Check::Connected => "connected",
            Check::Trend => "trend",
        }
    }

    /// One of the five parts of data access: every check but the trend.
    pub fn in_data_access(self) -> bool {
        self != Check::Trend
    }
}

/// One judged check. `value` and `threshold` are rendered for people (`9d`, `3.4%`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub check: Check,
    pub severity: Severity,
    pub source: Option<String>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub threshold: Option<String>,
    pub message: String,
    /// At most five examples: where (line, row or key) and the value, masked if PII.
    pub evidence: Vec<Example>,
}

impl Finding {
    /// A finding with nothing measured or said yet: the rules fill in value, threshold,
    /// message and evidence.
    pub fn new(id: FindingId, check: Check, severity: Severity, source: Option<&str>, column: Option<&str>) -> Finding {
        Finding {
            id,
            check,
            severity,
            source: source.map(str::to_string),
            column: column.map(str::to_string),
            value: None,
            threshold: None,
            message: String::new(),
            evidence: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Checklist {
    pub data_access: Option<Severity>,
    pub clean: Option<Severity>,
    pub permissioned: Option<Severity>,
    pub current: Option<Severity>,
    pub labeled: Option<Severity>,
    pub connected: Option<Severity>,
    /// Regressions against earlier scans; absent without `--history`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Severity>,
}

impl Checklist {
    /// Each part is the worst finding under it; a part with no findings is `None` (not checked).
    pub fn from_findings(findings: &[Finding]) -> Checklist {
        let worst = |c: Check| findings.iter().filter(|f| f.check == c).map(|f| f.severity).max();
        let mut out = Checklist {
            data_access: None,
            clean: worst(Check::Clean),
            permissioned: worst(Check::Permissioned),
            current: worst(Check::Current),
            labeled: worst(Check::Labeled),
            connected: worst(Check::Connected),
            trend: worst(Check::Trend),
        };
        out.data_access =
            findings.iter().filter(|f| f.check.in_data_access()).map(|f| f.severity).max().or(Some(Severity::Pass));
        out
    }

    /// The parts a report shows, in order: the five of data access, then the trend only when
    /// the scan kept a history (without one the report is as it was).
    pub fn shown(&self) -> impl Iterator<Item = Check> {
        Check::ALL.into_iter().chain(self.trend.map(|_| Check::Trend))
    }

    pub fn get(&self, c: Check) -> Option<Severity> {
        match c {
            Check::Clean => self.clean,
            Check::Permissioned => self.permissioned,
            Check::Current => self.current,
            Check::Labeled => self.labeled,
            Check::Connected => self.connected,
            Check::Trend => self.trend,
        }
    }
}

impl Finding {
    /// The entity a finding of the `entities` measure concerns.
    pub fn entity(&self) -> Option<&str> {
        self.id.entity()
    }

    /// The source the finding is about, from its typed subject: `None` for a finding about an
    /// entity, whose `source` (as the JSON has always written it) holds the entity's name.
    pub fn source_name(&self) -> Option<&str> {
        match self.id.subject.entity() {
            Some(_) => None,
            None => self.source.as_deref(),
        }
    }
}
