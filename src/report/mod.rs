//! The report: everything one scan found, in the shape of DESIGN §5, and its renderers.
//!
//! The model here is what every output format reads; renderers are pure functions from
//! `&Report` to bytes and never look at sources or profiles.

pub mod csv;
pub mod escape;
pub mod fmt;
pub mod github;
pub mod gitlab;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod page;
pub mod readiness;
pub mod sample;
pub mod terminal;
pub mod view;

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::sources::{CsvInfo, DbSignals, FileAccess, SqlAccess};
use crate::stats::pii::{PiiKind, mask};
use crate::stats::{Example, clip};

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
    pub id: String,
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
    pub fn new(id: String, check: Check, severity: Severity, source: Option<&str>, column: Option<&str>) -> Finding {
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

impl Finding {
    /// The entity a finding concerns: its id is `entities.<rule>.<entity>[.…]`.
    pub fn entity(&self) -> Option<&str> {
        let mut parts = self.id.split('.');
        (parts.next() == Some("entities")).then(|| parts.nth(1)).flatten()
    }
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
    pub readiness: readiness::Readiness,
}

impl Report {
    /// Whether the go/no-go review is shown. An ad-hoc scan (`preflight profile`) has no profile
    /// file to declare a review in, no owner and no KPI: its review would only say "still an
    /// experiment" about a quick look at some files, so the renderers leave it out.
    pub fn shows_review(&self) -> bool {
        !self.profile.path.is_empty()
    }
}

/// Fragmentation of one entity across its systems (DESIGN §3). Maps are keyed by system (the
/// source's name) in the order the profile lists them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityReport {
    pub name: String,
    pub systems: Vec<String>,
    /// The key column read in each system.
    pub keys: PerSystem<String>,
    pub status: Status,
    pub error: Option<String>,
    /// `preflight` when key sets were streamed to the scanner, `database` when the database
    /// that holds every system joined them itself.
    pub computed_in: &'static str,
    pub normalize: Vec<String>,
    pub distinct_keys: PerSystem<u64>,
    /// Rows with no usable key: null, blank, or empty once normalized.
    pub missing_keys: PerSystem<u64>,
    pub in_all: u64,
    pub union: u64,
    pub unmatched: PerSystem<u64>,
    pub unmatched_share: PerSystem<f64>,
    pub duplicates: PerSystem<u64>,
    pub fragmentation: f64,
    pub shapes: PerSystem<Vec<String>>,
    pub shapes_differ: bool,
    pub matched_raw: u64,
    pub matched_normalized: u64,
    /// Matches normalization added (`matched_normalized - matched_raw`).
    pub recovered: i64,
    pub suggestion: Option<Suggestion>,
    /// Key rows (distinct keys with their counts) a database sent for this entity.
    pub keys_fetched: PerSystem<u64>,
    pub conflicts: Vec<Conflicts>,
}

impl EntityReport {
    /// An entity that could not be measured: every count empty, the reason in `error`.
    pub fn unmeasured(name: &str, keys: PerSystem<String>, normalize: Vec<String>, error: String) -> EntityReport {
        EntityReport {
            name: name.to_string(),
            systems: keys.0.iter().map(|(s, _)| s.clone()).collect(),
            keys,
            status: Status::Error,
            error: Some(error),
            computed_in: "preflight",
            normalize,
            distinct_keys: PerSystem::default(),
            missing_keys: PerSystem::default(),
            in_all: 0,
            union: 0,
            unmatched: PerSystem::default(),
            unmatched_share: PerSystem::default(),
            duplicates: PerSystem::default(),
            fragmentation: 0.0,
            shapes: PerSystem::default(),
            shapes_differ: false,
            matched_raw: 0,
            matched_normalized: 0,
            recovered: 0,
            suggestion: None,
            keys_fetched: PerSystem::default(),
            conflicts: Vec::new(),
        }
    }
}

impl EntityReport {
    /// Whether a finding is about this entity (its id is `entities.<rule>.<entity>[.…]`).
    pub fn owns(&self, f: &Finding) -> bool {
        let mut parts = f.id.split('.');
        parts.next() == Some("entities") && parts.nth(1) == Some(self.name.as_str())
    }
}

/// Values per system, serialized as a JSON object in the profile's order.
#[derive(Clone, Debug, PartialEq)]
pub struct PerSystem<V>(pub Vec<(String, V)>);

impl<V> Default for PerSystem<V> {
    fn default() -> Self {
        PerSystem(Vec::new())
    }
}

impl<V> PerSystem<V> {
    pub fn get(&self, system: &str) -> Option<&V> {
        self.0.iter().find(|(s, _)| s == system).map(|(_, v)| v)
    }
}

impl<V: Serialize> Serialize for PerSystem<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A normalization that would match more keys than the profile's, tried on every key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub normalize: Vec<String>,
    /// Keys in every system under it (`matched_normalized` is the same count under the
    /// profile's own normalization).
    pub matched: u64,
}

/// One `compare` pair: matched keys whose values disagree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflicts {
    /// `source.column`.
    pub left: String,
    pub right: String,
    /// Keys with a value on both sides.
    pub compared: u64,
    pub conflicting: u64,
    pub share: f64,
    pub examples: Vec<ConflictExample>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConflictExample {
    pub key: String,
    pub left: String,
    pub right: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceReport {
    pub name: String,
    pub kind: String,
    pub location: String,
    pub status: Status,
    pub error: Option<String>,
    pub rows: Option<u64>,
    pub complete_rows: Option<u64>,
    pub ready_rows: Option<u64>,
    pub ready_share: Option<f64>,
    /// Files read, for a glob or a directory of parts.
    pub files: Vec<String>,
    pub bytes: Option<u64>,
    pub columns: Vec<ColumnReport>,
    /// Required columns the source does not have.
    pub absent_required: Vec<String>,
    pub staleness: Option<StalenessReport>,
    pub labels: Option<LabelReport>,
    pub keys: Option<KeyReport>,
    pub access: AccessReport,
    pub csv: Option<CsvInfo>,
    /// How the rows were read (DESIGN §5 `read`); `None` where a reader does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadInfo>,
    /// A Delta table's version, last commit and log row counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<crate::sources::delta::DeltaInfo>,
}

/// How a source's data was read: streamed into preflight's accumulators, or measured inside
/// the database (push-down), or read as a file; with why, and what crossed the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadInfo {
    /// `"stream"`, `"pushdown"` or `"file"`.
    pub mode: &'static str,
    pub reason: String,
    pub rows_transferred: u64,
    pub bytes_transferred: u64,
}

impl SourceReport {
    /// A value of `column` as evidence shows it: masked when the column holds personal data,
    /// else clipped.
    pub fn shown(&self, column: &str, v: &str) -> String {
        let p = self.columns.iter().find(|c| c.name == column).and_then(|c| c.pii.as_ref());
        match p.and_then(|p| PiiKind::ALL.into_iter().find(|k| k.name() == p.kind)) {
            Some(kind) => mask(v, kind),
            None => clip(v),
        }
    }

    /// A source that could not be read: no measures, only its error and what access showed.
    pub fn unread(name: String, kind: String, location: String, error: String, access: AccessReport) -> SourceReport {
        SourceReport {
            name,
            kind,
            location,
            status: Status::Error,
            error: Some(error),
            rows: None,
            complete_rows: None,
            ready_rows: None,
            ready_share: None,
            files: Vec::new(),
            bytes: None,
            columns: Vec::new(),
            absent_required: Vec::new(),
            staleness: None,
            labels: None,
            keys: None,
            access,
            csv: None,
            read: None,
            delta: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnReport {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub nulls: u64,
    pub blanks: u64,
    pub placeholders: u64,
    pub missing: u64,
    pub missing_share: f64,
    pub distinct: Option<u64>,
    /// False when `distinct` is a HyperLogLog estimate.
    pub distinct_exact: bool,
    pub min: Option<String>,
    pub max: Option<String>,
    pub pii: Option<PiiReport>,
    pub suspected_placeholders: Vec<ValueCount>,
    pub invalid_utf8: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PiiReport {
    /// The dominant kind (`email`, `phone`, `payment_card`, `iban`, `national_id`, `ip_address`).
    pub kind: String,
    pub matches: u64,
    /// Share of the column's present values that match.
    pub share: f64,
    /// Listed under the source's `pii` key in the profile.
    pub acknowledged: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StalenessReport {
    pub column: String,
    pub newest: Option<String>,
    pub oldest: Option<String>,
    /// `as_of - newest`: negative when the newest value is dated in the future.
    pub age_seconds: Option<i64>,
    /// Newest value at or before as-of, and its age: what `max_age` judges, so that one row
    /// dated in the future cannot hide how old the rest of the data is.
    pub newest_past: Option<String>,
    pub age_past_seconds: Option<i64>,
    pub stale_after_seconds: i64,
    pub stale_rows: u64,
    pub stale_share: f64,
    pub future_rows: u64,
    pub unparseable: u64,
    /// Values without a zone, read as UTC.
    pub naive_utc: u64,
    pub file_modified: Option<String>,
    pub footer_min: Option<String>,
    pub footer_max: Option<String>,
    /// The database's own change signals for the table (SQL sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DbSignals>,
    pub age_histogram: Vec<AgeBucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgeBucket {
    /// Upper bound in days, exclusive; `None` for the open last bucket.
    pub under_days: Option<i64>,
    pub rows: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelReport {
    pub column: String,
    pub labeled: u64,
    pub coverage: f64,
    /// Top 50 classes by count (then `other`), in that order.
    #[serde(serialize_with = "ordered_map")]
    pub classes: Vec<(String, u64)>,
    pub rare_classes: Vec<String>,
    pub imbalance: Option<f64>,
    pub variant_labels: Vec<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyReport {
    pub column: String,
    pub distinct: u64,
    /// Distinct key values that occur more than once.
    pub duplicates: u64,
    pub duplicate_rows: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccessReport {
    pub reachable: bool,
    pub readable: bool,
    pub can_write: Option<bool>,
    pub owner: Option<String>,
    pub mode: Option<String>,
    pub world_writable: Option<bool>,
    pub notes: Vec<String>,
    /// SQL sources: the role, its write privileges, superuser and ownership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<SqlAccess>,
    /// SQL sources: the engine and version found at connect time (`"PostgreSQL 15.10"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// SQL sources: `{"encrypted", "verified", "protocol"}` of the live session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<crate::sources::sql::Transport>,
}

impl AccessReport {
    pub fn from_files(reachable: bool, readable: bool, fa: Option<&FileAccess>) -> AccessReport {
        AccessReport {
            reachable,
            readable,
            can_write: None,
            owner: fa.map(|a| a.owner.clone()),
            mode: fa.map(|a| a.mode.clone()),
            world_writable: fa.map(|a| a.world_writable),
            notes: Vec::new(),
            sql: None,
            engine: None,
            transport: None,
        }
    }
}

fn ordered_map<S: Serializer>(v: &[(String, u64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, n) in v {
        m.serialize_entry(k, n)?;
    }
    m.end()
}

/// A session's transport in a few words: `TLSv1.3, verified`, `TLS, not verified`, `plaintext`.
pub fn transport_text(t: &crate::sources::sql::Transport) -> String {
    if !t.encrypted {
        return "plaintext".into();
    }
    let proto = t.protocol.clone().unwrap_or_else(|| "TLS".into());
    if t.verified { format!("{proto}, verified") } else { format!("{proto}, not verified") }
}

/// Shares are reported to four decimals: enough to recompute any count under 10,000 rows
/// exactly and short enough to read.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0 }
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
    let trend = |id: &str, severity: Severity, source: Option<&str>, message: &str| Finding {
        id: id.into(),
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
        "trend.history",
        Severity::Pass,
        None,
        "compared with 4 earlier scans of `support-deflection` in `h.sqlite`",
    ));
    r.findings.push(trend(
        "trend.max_row_change.kb",
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
