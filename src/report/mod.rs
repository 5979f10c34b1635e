//! The report: everything one scan found, in the shape of DESIGN §5, and its renderers.
//!
//! The model here is what every output format reads; renderers are pure functions from
//! `&Report` to bytes and never look at sources or profiles.

pub mod csv;
pub mod escape;
pub mod github;
pub mod gitlab;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod page;
pub mod sample;
pub mod terminal;
pub mod view;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::measures::{EntityReport, SourceReport};
use crate::verdict::review::Readiness;
#[cfg(test)]
use crate::verdict::{Check, FindingId, Rule, Subject};
use crate::verdict::{Checklist, Finding, Severity};

pub const SCHEMA_VERSION: u32 = 1;

/// Output formats `scan --format` accepts in this version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// GitHub-flavoured Markdown, for a pull request, an issue or a wiki page.
    Markdown,
    /// One self-contained HTML page with SVG charts, for e-mail and print.
    Html,
    /// JUnit XML: one testcase per finding, for CI systems.
    Junit,
    /// One row per finding (PASS included), for a spreadsheet.
    Csv,
    /// GitHub Actions workflow commands: an annotation per finding that matters most.
    Github,
    /// A GitLab Code Quality report (JSON array).
    Gitlab,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProfileInfo {
    pub name: String,
    pub owner: Option<String>,
    pub kpi: Option<String>,
    pub path: String,
    /// Where each `[[sources]]` / `[[entities]]` table starts in the profile (name, line), so
    /// CI annotations can point at the entry a finding concerns.
    #[serde(skip)]
    pub lines: ProfileLines,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileLines {
    pub sources: Vec<(String, usize)>,
    pub entities: Vec<(String, usize)>,
}

impl ProfileInfo {
    /// The profile line of the source or entity a finding concerns; 1 (the file) for findings
    /// of the whole scan, such as the trend's.
    pub fn line_of(&self, f: &Finding) -> usize {
        let find = |list: &[(String, usize)], name: &str| list.iter().find(|(n, _)| n == name).map(|(_, l)| *l);
        let line = match (f.entity(), f.source.as_deref()) {
            (Some(e), _) => find(&self.lines.entities, e),
            (None, Some(s)) => find(&self.lines.sources, s),
            (None, None) => None,
        };
        line.unwrap_or(1).max(1)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub profile: ProfileInfo,
    /// RFC 3339, UTC.
    pub as_of: String,
    pub duration_ms: u64,
    pub verdict: Severity,
    pub checklist: Checklist,
    pub sources: Vec<SourceReport>,
    pub entities: Vec<EntityReport>,
    pub findings: Vec<Finding>,
    /// The go/no-go review's six rows and its outcome (DESIGN §4).
    pub readiness: Readiness,
}

impl Report {
    /// Whether the go/no-go review is shown. An ad-hoc scan (`preflight profile`) has no profile
    /// file to declare a review in, no owner and no KPI: its review would only say "still an
    /// experiment" about a quick look at some files, so the renderers leave it out.
    pub fn shows_review(&self) -> bool {
        !self.profile.path.is_empty()
    }
}

// Findings are the verdict's: which of them an entity owns is a question of the report,
// which holds both.
impl EntityReport {
    /// Whether a finding is about this entity: one of the `entities` measure on it.
    pub fn owns(&self, f: &Finding) -> bool {
        f.entity() == Some(self.name.as_str())
    }
}

/// A renderer's output as a string, for renderer tests.
#[cfg(test)]
pub(crate) fn rendered(render: fn(&Report, &mut dyn std::io::Write) -> std::io::Result<()>, r: &Report) -> String {
    let mut buf = Vec::new();
    assert!(render(r, &mut buf).is_ok());
    String::from_utf8(buf).unwrap_or_default()
}

/// The sample report as a scan with `--history` leaves it: one WARN and one PASS finding of
/// the trend part, the checklist and the verdict made again.
#[cfg(test)]
pub(crate) fn sample_with_trend() -> Report {
    let mut r = sample::sample();
    let trend = |id: FindingId, severity: Severity, source: Option<&str>, message: &str| Finding {
        id,
        check: Check::Trend,
        severity,
        source: source.map(str::to_string),
        column: None,
        value: None,
        threshold: None,
        message: message.into(),
        evidence: Vec::new(),
    };
    r.findings.push(trend(
        FindingId::new(Rule::TrendHistory, Subject::Scan),
        Severity::Pass,
        None,
        "compared with 4 earlier scans of `support-deflection` in `h.sqlite`",
    ));
    r.findings.push(trend(
        FindingId::new(Rule::TrendMaxRowChange, Subject::source("kb")),
        Severity::Warn,
        Some("kb"),
        "rows fell 30% since the scan of 2025-01-09 10:00 UTC: 20 → 14 (warn above 20%)",
    ));
    r.checklist = Checklist::from_findings(&r.findings);
    r.verdict = crate::verdict::verdict(&r.findings);
    r
}

/// Stable ordering for maps in the report.
pub type Counts = BTreeMap<String, u64>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trend_is_judged_beside_data_access() {
        let plain = sample::sample();
        assert_eq!(plain.checklist.trend, None);
        let json = serde_json::to_value(&plain.checklist).unwrap_or_default();
        assert!(json.get("trend").is_none(), "without a history the checklist is as before: {json}");
        let r = sample_with_trend();
        assert_eq!(r.checklist.trend, Some(Severity::Warn));
        assert_eq!(r.checklist.data_access, plain.checklist.data_access, "trend findings stay out of data access");
        assert_eq!(r.verdict, Severity::Fail, "the worse of data access (FAIL) and trend (WARN)");
        assert_eq!(serde_json::to_value(&r.checklist).unwrap_or_default()["trend"], "WARN");
        // A WARN trend under a PASS data access makes the verdict WARN.
        let mut findings: Vec<Finding> = r.findings.iter().filter(|f| f.check == Check::Trend).cloned().collect();
        findings.push(Finding { severity: Severity::Pass, check: Check::Clean, ..findings[0].clone() });
        let c = Checklist::from_findings(&findings);
        assert_eq!((c.data_access, c.trend), (Some(Severity::Pass), Some(Severity::Warn)));
        assert_eq!(crate::verdict::verdict(&findings), Severity::Warn);
    }
}
