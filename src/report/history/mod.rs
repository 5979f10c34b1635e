//! The history of past scans, as `preflight history` shows it and as `scan --history` keeps it:
//! one `ScanRecord` per scan (the verdict, the checklist and the headline measures per source,
//! column and entity), and its renderers: text, JSON, Markdown, and HTML with SVG line charts.
//!
//! A `ScanRecord` is built from a `Report` here, without I/O; `crate::history` stores it in and
//! reads it back from the SQLite history file. Entities are read through their JSON form
//! (`name`, `systems`, and maps keyed by system such as `unmatched_share`), so that this code
//! depends on no entity field beyond those.

pub mod html;
pub mod markdown;
pub mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Serialize, Serializer};

use super::Report;
use crate::measures::Status;
use crate::stats::timestamp::parse_timestamp;
use crate::verdict::{Checklist, Severity};

/// Output formats `preflight history --format` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
    /// GitHub-flavoured Markdown tables, one section per profile.
    Markdown,
    /// One self-contained HTML page with SVG line charts.
    Html,
}

/// Every stored scan of a history file (or of one profile in it), oldest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryReport {
    /// The history file, as given on the command line.
    pub history: String,
    pub scans: Vec<ScanRecord>,
}

impl HistoryReport {
    /// Profile names in the order of their first scan.
    pub fn profiles(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.scans {
            if !out.contains(&s.profile.name.as_str()) {
                out.push(&s.profile.name);
            }
        }
        out
    }

    /// The scans of one profile, oldest first.
    pub fn of(&self, profile: &str) -> Vec<&ScanRecord> {
        self.scans.iter().filter(|s| s.profile.name == profile).collect()
    }
}

/// What a scan keeps for the long run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScanRecord {
    /// The scan's row id in the history file; `None` before it is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// RFC 3339, UTC.
    pub as_of: String,
    #[serde(skip)]
    pub as_of_micros: i64,
    pub profile: ProfileRef,
    /// The preflight version that ran the scan, and how long it took; unknown for scans stored
    /// by history schema 1.
    pub tool_version: Option<String>,
    pub duration_ms: Option<u64>,
    pub verdict: Severity,
    pub checklist: Parts,
    pub findings: Tally,
    pub sources: Vec<SourceRecord>,
    pub entities: Vec<EntityRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProfileRef {
    pub name: String,
    pub path: Option<String>,
}

/// Findings per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub fail: u64,
    pub warn: u64,
    pub pass: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceRecord {
    pub name: String,
    pub kind: Option<String>,
    /// `ok`, or `error` when the source could not be read (its measures are then absent).
    pub status: String,
    pub rows: Option<u64>,
    pub ready_rows: Option<u64>,
    pub ready_share: Option<f64>,
    /// Age of the newest record not in the future, at the scan's as-of time.
    pub age_seconds: Option<i64>,
    pub stale_rows: Option<u64>,
    pub stale_share: Option<f64>,
    pub labeled: Option<u64>,
    pub coverage: Option<f64>,
    /// The largest missing share among required columns (among all columns when none is
    /// required), and its column; the column is `None` when nothing is missing.
    pub missing_share: Option<f64>,
    pub missing_column: Option<String>,
    /// Every column with its type and missing share; `None` when the scan did not record them
    /// (scans stored by history schema 1).
    #[serde(skip)]
    pub columns: Option<Vec<ColumnRecord>>,
}

impl SourceRecord {
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }

    pub fn column(&self, name: &str) -> Option<&ColumnRecord> {
        self.columns.as_ref()?.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub missing: u64,
    pub missing_share: f64,
    pub distinct: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityRecord {
    pub name: String,
    pub systems: Vec<String>,
    /// Per system, when the report measured it.
    pub unmatched_share: BTreeMap<String, f64>,
    pub distinct_keys: BTreeMap<String, u64>,
    pub fragmentation: Option<f64>,
    pub in_all: Option<u64>,
    /// The entity as the report serialized it, stored whole.
    #[serde(skip)]
    pub measures: serde_json::Value,
}

impl EntityRecord {
    /// Reads the fields trends use from an entity's JSON form; absent fields stay empty.
    pub fn from_json(measures: serde_json::Value) -> EntityRecord {
        let name = measures["name"].as_str().unwrap_or_default().to_string();
        let systems = measures["systems"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let unmatched_share = number_map(&measures["unmatched_share"], serde_json::Value::as_f64);
        let distinct_keys = number_map(&measures["distinct_keys"], serde_json::Value::as_u64);
        EntityRecord {
            name,
            systems,
            unmatched_share,
            distinct_keys,
            fragmentation: measures["fragmentation"].as_f64(),
            in_all: measures["in_all"].as_u64(),
            measures,
        }
    }
}

fn number_map<T>(v: &serde_json::Value, read: fn(&serde_json::Value) -> Option<T>) -> BTreeMap<String, T> {
    v.as_object().map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), read(v)?))).collect()).unwrap_or_default()
}

/// The checklist parts with their verdicts, in the report's order; `None` is "not checked".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parts(pub Vec<(String, Option<Severity>)>);

/// The order parts are listed in: the report's own, then the trend.
pub(super) const PART_ORDER: [&str; 7] =
    ["data_access", "clean", "permissioned", "current", "labeled", "connected", "trend"];

impl Parts {
    pub fn from_checklist(c: &Checklist) -> Parts {
        let value = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        // A checklist serializes to an object of severities; parsing it back cannot fail.
        Parts::parse(&value).unwrap_or_default()
    }

    /// Reads a stored checklist object; an unknown severity is an error naming it.
    pub fn parse(v: &serde_json::Value) -> Result<Parts, String> {
        let Some(map) = v.as_object() else { return Err(format!("expected a JSON object, found `{v}`")) };
        let mut keys: Vec<&String> = map.keys().collect();
        let rank = |k: &str| PART_ORDER.iter().position(|p| *p == k).unwrap_or(PART_ORDER.len());
        keys.sort_by_key(|k| rank(k));
        let mut out = Vec::new();
        for k in keys {
            let sev = match &map[k] {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(
                    parse_severity(s).ok_or_else(|| format!("`{k}` is `{s}`, expected PASS, WARN, FAIL or null"))?,
                ),
                other => return Err(format!("`{k}` is `{other}`, expected PASS, WARN, FAIL or null")),
            };
            out.push((k.clone(), sev));
        }
        Ok(Parts(out))
    }

    pub fn get(&self, part: &str) -> Option<Severity> {
        self.0.iter().find(|(k, _)| k == part).and_then(|(_, s)| *s)
    }
}

impl Serialize for Parts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "PASS" => Some(Severity::Pass),
        "WARN" => Some(Severity::Warn),
        "FAIL" => Some(Severity::Fail),
        _ => None,
    }
}

impl ScanRecord {
    /// What a scan keeps of its report. Fails only when the report's `as_of` is not a
    /// timestamp, which a report built by `scan` never has.
    pub fn from_report(r: &Report) -> Result<ScanRecord, String> {
        let as_of_micros = parse_timestamp(&r.as_of)
            .map(|p| p.micros)
            .ok_or_else(|| format!("the report's `as_of` `{}` is not a timestamp", r.as_of))?;
        let mut findings = Tally::default();
        for f in &r.findings {
            match f.severity {
                Severity::Fail => findings.fail += 1,
                Severity::Warn => findings.warn += 1,
                Severity::Pass => findings.pass += 1,
            }
        }
        let sources = r.sources.iter().map(source_record).collect();
        let mut entities = Vec::with_capacity(r.entities.len());
        for e in &r.entities {
            let v = serde_json::to_value(e).map_err(|err| format!("entity `{}`: {err}", e.name))?;
            entities.push(EntityRecord::from_json(v));
        }
        Ok(ScanRecord {
            id: None,
            as_of: r.as_of.clone(),
            as_of_micros,
            profile: ProfileRef { name: r.profile.name.clone(), path: Some(r.profile.path.clone()) },
            tool_version: Some(r.version.to_string()),
            duration_ms: Some(r.duration_ms),
            verdict: r.verdict,
            checklist: Parts::from_checklist(&r.checklist),
            findings,
            sources,
            entities,
        })
    }

    pub fn source(&self, name: &str) -> Option<&SourceRecord> {
        self.sources.iter().find(|s| s.name == name)
    }

    pub fn entity(&self, name: &str) -> Option<&EntityRecord> {
        self.entities.iter().find(|e| e.name == name)
    }
}

fn source_record(s: &super::SourceReport) -> SourceRecord {
    let ok = s.status == Status::Ok;
    // The same column the text report calls "most missing": required ones when there are any.
    let required = s.columns.iter().any(|c| c.required);
    let candidates = s.columns.iter().filter(|c| c.required || !required);
    let worst = candidates.clone().filter(|c| c.missing > 0).max_by(|a, b| a.missing_share.total_cmp(&b.missing_share));
    let missing_share = match worst {
        Some(c) => Some(c.missing_share),
        None if candidates.count() > 0 => Some(0.0),
        None => None,
    };
    let columns = s
        .columns
        .iter()
        .map(|c| ColumnRecord {
            name: c.name.clone(),
            ty: c.ty.clone(),
            required: c.required,
            missing: c.missing,
            missing_share: c.missing_share,
            distinct: c.distinct,
        })
        .collect();
    SourceRecord {
        name: s.name.clone(),
        kind: Some(s.kind.clone()),
        status: if ok { "ok" } else { "error" }.to_string(),
        rows: s.rows,
        ready_rows: s.ready_rows,
        ready_share: s.ready_share,
        age_seconds: s.staleness.as_ref().and_then(|st| st.age_past_seconds),
        stale_rows: s.staleness.as_ref().map(|st| st.stale_rows),
        stale_share: s.staleness.as_ref().map(|st| st.stale_share),
        labeled: s.labels.as_ref().map(|l| l.labeled),
        coverage: s.labels.as_ref().map(|l| l.coverage),
        missing_share,
        missing_column: worst.map(|c| c.name.clone()),
        columns: ok.then_some(columns),
    }
}

/// Every (entity, system) pair the scans measured unmatched keys for, in first-seen order.
fn entity_systems<'a>(scans: &[&'a ScanRecord]) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for s in scans {
        for e in &s.entities {
            for system in e.unmatched_share.keys() {
                if !pairs.contains(&(e.name.as_str(), system.as_str())) {
                    pairs.push((&e.name, system));
                }
            }
        }
    }
    pairs
}

/// The first and the last scan in which a source could be read, when there are two: what its
/// measures moved between.
fn first_and_last<'a>(source: &str, scans: &[&'a ScanRecord]) -> Option<(&'a SourceRecord, &'a SourceRecord)> {
    let ok: Vec<&SourceRecord> = scans.iter().filter_map(|s| s.source(source).filter(|x| x.is_ok())).collect();
    match (ok.first(), ok.last()) {
        (Some(a), Some(b)) if ok.len() > 1 => Some((a, b)),
        _ => None,
    }
}

/// What a source's "most missing" cell says.
#[derive(Clone, Copy, Debug, PartialEq)]
enum MostMissing<'a> {
    /// The most-missing column and its share.
    Column(&'a str, f64),
    /// Measured, and nothing is missing.
    Nothing,
    /// Not recorded.
    Unknown,
}

impl SourceRecord {
    fn most_missing(&self) -> MostMissing<'_> {
        match (&self.missing_column, self.missing_share) {
            (Some(c), Some(x)) => MostMissing::Column(c, x),
            (None, Some(_)) => MostMissing::Nothing,
            _ => MostMissing::Unknown,
        }
    }
}

/// Every source named in any of the scans, in the order they first appear.
fn source_names<'a>(scans: &[&'a ScanRecord]) -> Vec<&'a str> {
    let mut sources: Vec<&str> = Vec::new();
    for s in scans {
        for src in &s.sources {
            if !sources.contains(&src.name.as_str()) {
                sources.push(&src.name);
            }
        }
    }
    sources
}

/// `better`, `worse` or `same` for a move of a share.
fn judged(delta: f64, higher_is_better: bool) -> &'static str {
    if delta.abs() < 0.00005 {
        "same"
    } else if (delta > 0.0) == higher_is_better {
        "better"
    } else {
        "worse"
    }
}

/// `improving`, `getting worse` or `steady` over a run of verdicts: the last against the first.
fn direction(verdicts: &[Severity]) -> String {
    let path: Vec<&str> = verdicts.iter().map(|v| v.as_str()).collect();
    let tail =
        if path.len() > 8 { format!("… {}", path[path.len() - 8..].join(" → ")) } else { path.join(" → ") };
    let trend = match (verdicts.first(), verdicts.last()) {
        (Some(a), Some(b)) if b < a => "improving",
        (Some(a), Some(b)) if b > a => "getting worse",
        _ => "steady",
    };
    format!("{tail} ({trend})")
}

/// Renders a history in one format (text without colour: it is a table, not a verdict).
pub fn render(h: &HistoryReport, format: HistoryFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        HistoryFormat::Text => text::render(h, out),
        HistoryFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, h).map_err(io::Error::other)?;
            writeln!(out)
        }
        HistoryFormat::Markdown => markdown::render(h, out),
        HistoryFormat::Html => html::render(h, out),
    }
}

/// A hand-built history of one profile over five nights, for renderer tests: `orders` shrinks
/// and loses labels, `kb` fails to read once, the verdict goes PASS, PASS, WARN, FAIL, WARN.
#[cfg(test)]
pub(crate) fn sample() -> HistoryReport {
    let scan = |day: u32, verdict: Severity, orders: (u64, f64, f64, f64, f64), kb_ok: bool| {
        let (rows, ready, stale, coverage, missing) = orders;
        let as_of = format!("2025-01-{day:02}T06:00:00Z");
        let as_of_micros = parse_timestamp(&as_of).map_or(0, |p| p.micros);
        let mut checklist = vec![("data_access".to_string(), Some(verdict))];
        checklist.push(("trend".to_string(), Some(Severity::Pass)));
        ScanRecord {
            id: Some(i64::from(day)),
            as_of,
            as_of_micros,
            profile: ProfileRef { name: "support-deflection".into(), path: Some("profiles/demo.toml".into()) },
            tool_version: Some("0.1.0".into()),
            duration_ms: Some(900),
            verdict,
            checklist: Parts(checklist),
            findings: Tally { fail: u64::from(verdict == Severity::Fail), warn: 2, pass: 10 },
            sources: vec![
                SourceRecord {
                    name: "orders".into(),
                    kind: Some("csv".into()),
                    status: "ok".into(),
                    rows: Some(rows),
                    ready_rows: Some((rows as f64 * ready).round() as u64),
                    ready_share: Some(ready),
                    age_seconds: Some(86_400),
                    stale_rows: Some((rows as f64 * stale).round() as u64),
                    stale_share: Some(stale),
                    labeled: Some((rows as f64 * coverage).round() as u64),
                    coverage: Some(coverage),
                    missing_share: Some(missing),
                    missing_column: Some("category".into()),
                    columns: None,
                },
                SourceRecord {
                    name: "kb".into(),
                    kind: Some("parquet".into()),
                    status: if kb_ok { "ok" } else { "error" }.into(),
                    rows: kb_ok.then_some(20),
                    ready_rows: kb_ok.then_some(16),
                    ready_share: kb_ok.then_some(0.8),
                    age_seconds: None,
                    stale_rows: None,
                    stale_share: None,
                    labeled: kb_ok.then_some(19),
                    coverage: kb_ok.then_some(0.95),
                    missing_share: kb_ok.then_some(0.05),
                    missing_column: kb_ok.then(|| "body".into()),
                    columns: None,
                },
            ],
            entities: Vec::new(),
        }
    };
    HistoryReport {
        history: "preflight-history.sqlite".into(),
        scans: vec![
            scan(6, Severity::Pass, (1_200, 0.81, 0.02, 0.9, 0.01), true),
            scan(7, Severity::Pass, (1_210, 0.8, 0.02, 0.9, 0.012), true),
            scan(8, Severity::Warn, (1_190, 0.78, 0.05, 0.86, 0.03), false),
            scan(9, Severity::Fail, (700, 0.5, 0.2, 0.6, 0.15), true),
            scan(10, Severity::Warn, (1_180, 0.75, 0.04, 0.85, 0.03), true),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample as report_sample;

    #[test]
    fn a_report_keeps_its_headline_measures() {
        let r = report_sample();
        let rec = ScanRecord::from_report(&r).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rec.as_of, "2025-01-10T10:00:00Z");
        assert_eq!(rec.as_of_micros, 1_736_503_200_000_000);
        assert_eq!(rec.verdict, r.verdict);
        assert_eq!(rec.checklist.get("data_access"), r.checklist.data_access);
        assert_eq!(rec.checklist.0.first().map(|p| p.0.as_str()), Some("data_access"));
        assert_eq!(rec.findings.fail + rec.findings.warn + rec.findings.pass, r.findings.len() as u64);
        let tickets = rec.source("tickets").unwrap_or_else(|| panic!("tickets"));
        let t = r.sources.first().unwrap_or_else(|| panic!("a source"));
        assert_eq!(tickets.rows, t.rows);
        assert_eq!(tickets.ready_share, t.ready_share);
        assert_eq!(tickets.stale_share, t.staleness.as_ref().map(|s| s.stale_share));
        assert_eq!(tickets.coverage, t.labels.as_ref().map(|l| l.coverage));
        assert_eq!(tickets.columns.as_ref().map(Vec::len), Some(t.columns.len()));
        // The worst required column, as the text report's "most missing".
        let worst = t
            .columns
            .iter()
            .filter(|c| c.required)
            .max_by(|a, b| a.missing_share.total_cmp(&b.missing_share))
            .unwrap_or_else(|| panic!("a required column"));
        assert_eq!(tickets.missing_column.as_deref(), Some(worst.name.as_str()));
        let agents = rec.source("agents").unwrap_or_else(|| panic!("agents"));
        assert_eq!(agents.status, "error");
        assert_eq!(agents.columns, None);
    }

    #[test]
    fn entities_are_read_from_their_json() {
        let e = EntityRecord::from_json(serde_json::json!({
            "name": "customer", "systems": ["tickets", "crm"],
            "unmatched_share": {"tickets": 0.071, "crm": 0.316},
            "distinct_keys": {"tickets": 700, "crm": 950}, "fragmentation": 0.35, "in_all": 650,
            "shapes": {"tickets": ["C-999999"]}
        }));
        assert_eq!(e.name, "customer");
        assert_eq!(e.systems, vec!["tickets", "crm"]);
        assert_eq!(e.unmatched_share.get("crm"), Some(&0.316));
        assert_eq!(e.distinct_keys.get("tickets"), Some(&700));
        assert_eq!(e.fragmentation, Some(0.35));
        assert_eq!(e.in_all, Some(650));
        // Today's entities carry only a name and systems: no measures, no error.
        let bare = EntityRecord::from_json(serde_json::json!({"name": "customer", "systems": []}));
        assert!(bare.unmatched_share.is_empty() && bare.fragmentation.is_none());
    }

    #[test]
    fn parts_keep_the_report_order_and_refuse_unknown_severities() {
        let v = serde_json::json!({"trend": "WARN", "clean": "PASS", "data_access": "FAIL", "connected": null});
        let p = Parts::parse(&v).unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<&str> = p.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["data_access", "clean", "connected", "trend"]);
        assert_eq!(p.get("trend"), Some(Severity::Warn));
        assert_eq!(p.get("connected"), None);
        let bad = Parts::parse(&serde_json::json!({"clean": "MAYBE"}));
        assert_eq!(bad, Err("`clean` is `MAYBE`, expected PASS, WARN, FAIL or null".to_string()));
        assert!(Parts::parse(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn verdict_direction() {
        use Severity::*;
        assert_eq!(direction(&[Fail, Warn, Pass]), "FAIL → WARN → PASS (improving)");
        assert_eq!(direction(&[Pass, Fail]), "PASS → FAIL (getting worse)");
        assert_eq!(direction(&[Warn]), "WARN (steady)");
        let long = [Pass; 10];
        assert!(direction(&long).starts_with("… PASS"));
        assert_eq!(judged(0.1, true), "better");
        assert_eq!(judged(0.1, false), "worse");
        assert_eq!(judged(0.0, true), "same");
    }
}
