//! What the reports show, resolved once from a `Report`: the headline, the checklist rows,
//! the ready rows, the findings in reading order with their evidence, per source and per entity
//! the facts and table rows, the staleness facts and the age buckets, the review. Every renderer
//! reads a `View` and keeps only its layout and escaping; a fact worded here reads the same in
//! every format.
//!
//! Text that holds data (names, values, timestamps) is a `Phrase`: fixed words and numbers,
//! with the data marked, so that each renderer escapes only the data and words the rest alike.

use crate::stats::{Example, Locator};

use super::Report;
use crate::fmt::{count, duration, pct, pct_of, thousands, when};
use crate::measures::{
    ADDED, ColumnReport, Conflicts, EntityReport, LabelReport, SourceReport, StalenessReport, Status, Within,
};
use crate::verdict::review::Readiness;
use crate::verdict::{Check, Finding, Rule, Severity};

pub use crate::fmt::{Phrase, Piece, plain_phrase};

fn words(s: impl Into<String>) -> Piece {
    Piece::Words(s.into())
}

fn data(s: impl Into<String>) -> Piece {
    Piece::Data(s.into())
}

/// A report resolved for display.
pub struct View<'a> {
    pub report: &'a Report,
    /// The row every format leads with: data access, or the verdict when nothing judged it.
    pub headline: Severity,
    /// The trend beside it, only for a scan with a history.
    pub trend: Option<Severity>,
    /// The checklist row of data access as a whole (its `check` is `None`).
    pub data_access: PartRow<'a>,
    /// The parts the checklist shows, in order: the five of data access, then the trend.
    pub parts: Vec<PartRow<'a>>,
    pub ready: Vec<ReadyRow<'a>>,
    /// WARN and FAIL findings in reading order (FAILs first).
    pub to_act_on: Vec<FindingRow<'a>>,
    /// PASS findings in reading order.
    pub passed: Vec<FindingRow<'a>>,
    pub fails: u64,
    pub warns: u64,
    pub sources: Vec<SourceView<'a>>,
    pub entities: Vec<EntityView<'a>>,
    /// The go/no-go review, when the report shows one.
    pub review: Option<&'a Readiness>,
}

impl<'a> View<'a> {
    pub fn new(r: &'a Report) -> View<'a> {
        let order = sorted(r);
        let part = |check: Check| -> PartRow<'a> {
            let findings: Vec<&Finding> = order.iter().copied().filter(|f| f.check == check).collect();
            PartRow { check: Some(check), severity: r.checklist.get(check), tally: tally(&findings), findings }
        };
        let all: Vec<&Finding> = r.findings.iter().filter(|f| f.check.in_data_access()).collect();
        let data_access = PartRow { check: None, severity: r.checklist.data_access, tally: tally(&all), findings: all };
        let row = |f: &'a Finding| FindingRow::new(r, f);
        let to_act_on: Vec<FindingRow> =
            order.iter().copied().filter(|f| f.severity != Severity::Pass).map(row).collect();
        let passed = order.iter().copied().filter(|f| f.severity == Severity::Pass).map(row).collect();
        let fails = to_act_on.iter().filter(|f| f.finding.severity == Severity::Fail).count() as u64;
        View {
            report: r,
            headline: r.checklist.data_access.unwrap_or(r.verdict),
            trend: r.checklist.trend,
            data_access,
            parts: r.checklist.shown().map(part).collect(),
            ready: r.sources.iter().map(|s| ReadyRow { source: s, ready: Ready::of(s) }).collect(),
            warns: to_act_on.len() as u64 - fails,
            fails,
            to_act_on,
            passed,
            sources: r.sources.iter().map(|s| SourceView::new(r, s)).collect(),
            entities: r.entities.iter().map(|e| EntityView::new(r, e)).collect(),
            review: r.shows_review().then_some(&r.readiness),
        }
    }

    /// How many findings of the whole report have this severity.
    pub fn count(&self, sev: Severity) -> usize {
        self.report.findings.iter().filter(|f| f.severity == sev).count()
    }

    /// The findings of one part in the order the rules produced them (JUnit lists them so).
    pub fn part_in_rule_order(&self, check: Check) -> Vec<&'a Finding> {
        self.report.findings.iter().filter(|f| f.check == check).collect()
    }
}

/// One checklist row: a part, its verdict (`None`: not checked), its findings worst first.
pub struct PartRow<'a> {
    pub check: Option<Check>,
    pub severity: Option<Severity>,
    pub findings: Vec<&'a Finding>,
    /// `2 FAIL · 5 WARN · 3 PASS`, or `none`.
    pub tally: String,
}

impl<'a> PartRow<'a> {
    /// The finding that stands for the part: its worst.
    pub fn worst(&self) -> Option<&'a Finding> {
        self.findings.first().copied()
    }

    /// Findings after the worst that are worth a "+N more": every one when the worst passed,
    /// else only those that did not pass.
    pub fn more(&self) -> usize {
        let Some(worst) = self.worst() else { return 0 };
        self.findings
            .iter()
            .skip(1)
            .filter(|f| worst.severity == Severity::Pass || f.severity != Severity::Pass)
            .count()
    }

    /// A trend that passed throughout is best summed up by what the scan was compared with
    /// (`trend.history`) rather than by one of its PASS findings.
    pub fn compared_with(&self) -> Option<&'a Finding> {
        let worst = self.worst()?;
        if self.check != Some(Check::Trend) || worst.severity != Severity::Pass {
            return None;
        }
        self.findings.iter().copied().find(|f| f.id.rule == Rule::TrendHistory)
    }
}

/// A source's ready rows for the headline table.
pub struct ReadyRow<'a> {
    pub source: &'a SourceReport,
    pub ready: Ready,
}

/// Whether a source's ready share could be measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    /// The source could not be read.
    Error,
    Measured {
        rows: u64,
        ready: u64,
    },
    /// Read, but without a ready count; `rows` when those were counted.
    Unmeasured {
        rows: Option<u64>,
    },
}

impl Ready {
    fn of(s: &SourceReport) -> Ready {
        match (s.status, s.rows, s.ready_rows) {
            (Status::Error, ..) => Ready::Error,
            (_, Some(rows), Some(ready)) => Ready::Measured { rows, ready },
            (_, rows, None) | (_, rows @ None, _) => Ready::Unmeasured { rows },
        }
    }

    /// The share as a table cell: `61%`, `error`, or `–` when not measured.
    pub fn share(&self) -> String {
        match *self {
            Ready::Error => "error".to_string(),
            Ready::Measured { rows, ready } => pct_of(ready, rows),
            Ready::Unmeasured { .. } => "–".to_string(),
        }
    }
}

/// A finding as listed: where it applies and its evidence, part names shortened against the
/// source's location.
pub struct FindingRow<'a> {
    pub finding: &'a Finding,
    /// `source.column`, `source`, or `-`.
    pub location: String,
    pub evidence: Vec<Evidence<'a>>,
}

impl<'a> FindingRow<'a> {
    pub fn new(r: &'a Report, f: &'a Finding) -> FindingRow<'a> {
        let base = source_location(r, f);
        FindingRow {
            finding: f,
            location: location(f),
            evidence: f.evidence.iter().map(|e| Evidence::of(e, base)).collect(),
        }
    }
}

/// One example of a finding: the file it is in (relative to the source's location when inside
/// it), where in it, and the value (`None`: null, or an entity key that is the whole example).
pub struct Evidence<'a> {
    pub file: Option<&'a str>,
    /// The file as the example names it, unshortened: examples from one file compare equal.
    pub full_file: Option<&'a str>,
    pub at: &'a Locator,
    pub value: Option<&'a str>,
}

impl<'a> Evidence<'a> {
    pub fn of(e: &'a Example, base: Option<&str>) -> Evidence<'a> {
        let file = e.at.file.as_deref().map(|file| {
            base.and_then(|b| file.strip_prefix(b))
                .map(|rest| rest.trim_start_matches(['/', '\\']))
                .filter(|rest| !rest.is_empty())
                .unwrap_or(file)
        });
        Evidence { file, full_file: e.at.file.as_deref(), at: &e.at.at, value: e.value.as_deref() }
    }

    /// `part-1.parquet row 12`, `line 88`, `key C-00017`, `no key`. Not escaped.
    pub fn place(&self) -> String {
        let mut at = String::new();
        if let Some(file) = self.file {
            at.push_str(file);
            at.push(' ');
        }
        match self.at {
            Locator::Line(n) => at.push_str(&format!("line {}", thousands(*n))),
            Locator::Row(n) => at.push_str(&format!("row {}", thousands(*n))),
            Locator::Key(k) | Locator::EntityKey(k) => at.push_str(&format!("key {k}")),
            Locator::NoKey(_) => at.push_str("no key"),
        }
        at
    }

    /// The value quoted (`"TBD"`), `(null)`, or empty for an entity key. Not escaped.
    pub fn shown(&self) -> String {
        match (self.value, self.at) {
            (Some(v), _) => format!("\"{v}\""),
            // The key is the whole example.
            (None, Locator::EntityKey(_)) => String::new(),
            (None, _) => "(null)".to_string(),
        }
    }
}

/// What one source shows: its facts line, table rows, staleness, labels, key and access.
pub struct SourceView<'a> {
    pub source: &'a SourceReport,
    /// The location, then how many files, rows, complete and ready rows.
    pub facts: Vec<Phrase>,
    pub columns: Vec<ColumnRow<'a>>,
    /// `(column, value, count)` of every suspected placeholder.
    pub suspected: Vec<(&'a str, &'a str, u64)>,
    pub staleness: Option<StalenessView<'a>>,
    pub labels: Option<LabelsView<'a>>,
    /// `120 distinct · 3 duplicated (4 extra rows)`.
    pub key: Option<String>,
    /// The sections of the measures of `measures::ADDED` that have something to show:
    /// heading and line.
    pub added: Vec<(&'static str, Phrase)>,
    pub access: Vec<Phrase>,
    /// The source in one line for a narrow layout (the terminal): rows, ready share, what is
    /// most missing, the newest record, labels, how it was read.
    pub summary: Vec<Phrase>,
}

impl<'a> SourceView<'a> {
    /// Why the source could not be read, when it could not.
    pub fn error(&self) -> Option<&'a str> {
        let s = self.source;
        (s.status == Status::Error).then(|| s.error.as_deref().unwrap_or("unknown error"))
    }

    fn new(r: &'a Report, s: &'a SourceReport) -> SourceView<'a> {
        let mut facts = vec![vec![Piece::Code(s.location.clone())]];
        if s.files.len() > 1 {
            facts.push(vec![words(count(s.files.len() as u64, "file", "files"))]);
        }
        if let Some(rows) = s.rows {
            facts.push(vec![words(count(rows, "row", "rows"))]);
            if let Some(c) = s.complete_rows {
                facts.push(vec![words(format!("{} complete", thousands(c)))]);
            }
            if let Some(ready) = s.ready_rows {
                facts.push(vec![words(format!("{} ready ({})", thousands(ready), pct_of(ready, rows)))]);
            }
        }
        let missing_severity = |col: &str| {
            r.findings
                .iter()
                .find(|f| {
                    f.id.rule == Rule::MissingMaxMissingShare
                        && f.source_name() == Some(s.name.as_str())
                        && f.column.as_deref() == Some(col)
                })
                .map(|f| f.severity)
        };
        let columns = s
            .columns
            .iter()
            .map(|c| ColumnRow {
                column: c,
                distinct: match c.distinct {
                    Some(d) if c.distinct_exact => thousands(d),
                    Some(d) => format!("~{}", thousands(d)),
                    None => "–".to_string(),
                },
                missing_severity: missing_severity(&c.name),
            })
            .collect();
        let suspected = s
            .columns
            .iter()
            .flat_map(|c| c.suspected_placeholders.iter().map(move |v| (c.name.as_str(), v.value.as_str(), v.count)))
            .collect();
        SourceView {
            source: s,
            facts,
            columns,
            suspected,
            staleness: s.staleness.as_ref().map(StalenessView::new),
            labels: s.labels.as_ref().map(|l| LabelsView::new(r, s, l)),
            key: s.keys.as_ref().map(|k| {
                format!(
                    "{} distinct · {} duplicated ({} extra rows)",
                    thousands(k.distinct),
                    thousands(k.duplicates),
                    thousands(k.duplicate_rows)
                )
            }),
            added: added(r, s, Within::Source),
            access: access(s),
            summary: summary(s),
        }
    }
}

/// The registered measures' sections: a measure shows its line when it has something to say
/// or one of its findings judged the source.
fn added(r: &Report, s: &SourceReport, within: Within) -> Vec<(&'static str, Phrase)> {
    ADDED
        .iter()
        .filter(|m| m.within() == within)
        .filter_map(|m| {
            let judged = r.findings.iter().any(|f| f.id.rule == m.rule() && f.source_name() == Some(&s.name));
            Some((m.heading(), m.line(s, judged)?))
        })
        .collect()
}

/// A column's table row: the report's counts, the distinct count as shown (`~` for an
/// estimate) and the severity of its missing-share finding.
pub struct ColumnRow<'a> {
    pub column: &'a ColumnReport,
    pub distinct: String,
    pub missing_severity: Option<Severity>,
}

fn access(s: &SourceReport) -> Vec<Phrase> {
    let a = &s.access;
    let flag = |ok: bool, yes: &'static str, no: &'static str| vec![if ok { words(yes) } else { Piece::Loud(no) }];
    let mut out = vec![flag(a.reachable, "reachable", "not reachable"), flag(a.readable, "readable", "not readable")];
    if let Some(w) = a.can_write {
        out.push(vec![if w { Piece::Loud("the role can write") } else { words("read-only role") }]);
    }
    if let Some(o) = &a.owner {
        out.push(vec![words("owner "), data(o.as_str())]);
    }
    if let Some(m) = &a.mode {
        out.push(vec![words("mode "), data(m.as_str())]);
    }
    if a.world_writable == Some(true) {
        out.push(vec![Piece::Loud("world-writable")]);
    }
    if let Some(e) = &a.engine {
        out.push(vec![words("engine "), data(e.as_str())]);
    }
    if let Some(t) = &a.transport {
        let shown = crate::measures::transport_text(t);
        out.push(vec![if t.encrypted { data(shown) } else { Piece::Risk(shown) }]);
    }
    out
}

/// A source in one line: rows, ready share, what is most missing, the newest record, labels,
/// how it was read.
fn summary(s: &SourceReport) -> Vec<Phrase> {
    let mut items = Vec::new();
    if let Some(rows) = s.rows {
        items.push(vec![words(count(rows, "row", "rows"))]);
        if let Some(ready) = s.ready_rows.filter(|_| rows > 0) {
            items.push(vec![words(format!("{} ready", pct_of(ready, rows)))]);
        }
    }
    // The most-missing column of all, saying whether it is required: a column left out of
    // `required` can still be mostly empty, and "nothing missing" must never hide it. The
    // most-missing required column follows when it is another. See: issue 18.
    let most = |required_only: bool| {
        s.columns
            .iter()
            .filter(|c| c.required || !required_only)
            .filter(|c| c.missing > 0)
            .max_by(|a, b| a.missing_share.total_cmp(&b.missing_share))
    };
    let whether = |c: &ColumnReport| if c.required { " (required)" } else { " (not required)" };
    match most(false) {
        Some(c) => {
            items.push(vec![
                words("most missing "),
                data(c.name.as_str()),
                words(format!(" {}{}", pct(c.missing_share), whether(c))),
            ]);
            if let Some(r) = most(true).filter(|r| r.name != c.name) {
                items.push(vec![
                    words("most missing required "),
                    data(r.name.as_str()),
                    words(format!(" {}", pct(r.missing_share))),
                ]);
            }
        }
        None if !s.columns.is_empty() => items.push(vec![words("nothing missing")]),
        None => {}
    }
    if !s.absent_required.is_empty() {
        items.push(vec![words(count(
            s.absent_required.len() as u64,
            "required column absent",
            "required columns absent",
        ))]);
    }
    if let Some(st) = &s.staleness {
        items.push(match st.newest {
            Some(_) => newest(st),
            None => vec![words("no timestamp in "), data(st.column.as_str())],
        });
    }
    if let Some(l) = &s.labels {
        items.push(vec![words(format!("{} labeled (", pct(l.coverage))), data(l.column.as_str()), words(")")]);
    }
    items.extend(ADDED.iter().filter_map(|m| m.summary_item(s)).map(|t| vec![words(t)]));
    if items.is_empty() {
        items.push(vec![words("no measures")]);
    }
    // How a database was read: its rows streamed here, or its measures computed there.
    match s.read.as_ref().map(|r| r.mode) {
        Some("stream") => items.push(vec![words("streamed")]),
        Some("pushdown") => items.push(vec![words("pushed down")]),
        _ => {}
    }
    // What the database is and how its session travelled: after the measures, which matter more.
    if let Some(e) = &s.access.engine {
        items.push(vec![data(e.as_str())]);
    }
    if let Some(t) = &s.access.transport {
        items.push(vec![words(crate::measures::transport_text(t))]);
    }
    items
}

/// `newest 2025-01-10 10:00 UTC (9d old)`, `(in the future)` when it is, `no timestamp`.
fn newest(st: &StalenessReport) -> Phrase {
    match (&st.newest, st.age_seconds) {
        (Some(n), Some(age)) if age < 0 => vec![words("newest "), data(when(n)), words(" (in the future)")],
        (Some(n), Some(age)) => vec![words("newest "), data(when(n)), words(format!(" ({} old)", duration(age)))],
        (Some(n), None) => vec![words("newest "), data(when(n))],
        (None, _) => vec![words("no timestamp")],
    }
}

/// How current a source is, fact by fact, and its age histogram.
pub struct StalenessView<'a> {
    pub staleness: &'a StalenessReport,
    pub newest: Phrase,
    /// The newest record not in the future, when a future-dated one is newer.
    pub newest_past: Option<Phrase>,
    pub oldest: Option<Phrase>,
    /// `3 stale (15%, older than 365d)`.
    pub stale: String,
    /// `365d`.
    pub stale_after: String,
    /// `2 in the future`.
    pub future: Option<String>,
    pub unparseable: Option<String>,
    pub naive_utc: Option<String>,
    pub file_modified: Option<Phrase>,
    /// The Parquet footer's statistics of the column.
    pub footer: Option<Phrase>,
    /// `(label, rows, stale)` per bucket of the age histogram.
    pub buckets: Vec<(String, u64, bool)>,
}

impl<'a> StalenessView<'a> {
    fn new(st: &'a StalenessReport) -> StalenessView<'a> {
        let newest_past = match (&st.newest_past, st.age_past_seconds) {
            (Some(n), Some(age)) if st.newest_past != st.newest => Some(vec![
                words("newest not in the future "),
                data(when(n)),
                words(format!(" ({} old)", duration(age))),
            ]),
            _ => None,
        };
        let nonzero = |n: u64, what: &str| (n > 0).then(|| format!("{} {what}", thousands(n)));
        let stale_after = duration(st.stale_after_seconds);
        StalenessView {
            staleness: st,
            newest: newest(st),
            newest_past,
            oldest: st.oldest.as_ref().map(|o| vec![words("oldest "), data(when(o))]),
            stale: format!("{} stale ({}, older than {stale_after})", thousands(st.stale_rows), pct(st.stale_share)),
            stale_after,
            future: nonzero(st.future_rows, "in the future"),
            unparseable: nonzero(st.unparseable, "not a timestamp"),
            naive_utc: nonzero(st.naive_utc, "without a zone, read as UTC"),
            file_modified: st.file_modified.as_ref().map(|m| vec![words("file modified "), data(when(m))]),
            footer: match (&st.footer_min, &st.footer_max) {
                (Some(lo), Some(hi)) => {
                    Some(vec![words("Parquet footer "), data(when(lo)), words(" to "), data(when(hi))])
                }
                _ => None,
            },
            buckets: age_buckets(st),
        }
    }
}

/// A source's labels: coverage in words and the classes, rare ones marked.
pub struct LabelsView<'a> {
    pub labels: &'a LabelReport,
    /// `12 of 20 rows labeled (60%)`.
    pub coverage: String,
    /// `imbalance 2.0 (largest class / smallest)`.
    pub imbalance: Option<String>,
    /// `(class, rows, rare)`.
    pub classes: Vec<(&'a str, u64, bool)>,
    /// The measures of `measures::ADDED` within the labels, heading and phrase: with
    /// `label_inputs`, `Label conflicts: 4 labeled rows in 2 groups with the same subject, body
    /// carry different labels (3.1%)`.
    pub added: Vec<(&'static str, Phrase)>,
}

impl<'a> LabelsView<'a> {
    fn new(r: &Report, s: &SourceReport, l: &'a LabelReport) -> LabelsView<'a> {
        let added = added(r, s, Within::Labels);
        LabelsView {
            labels: l,
            coverage: format!(
                "{} of {} rows labeled ({})",
                thousands(l.labeled),
                s.rows.map_or_else(|| "?".to_string(), thousands),
                pct(l.coverage)
            ),
            imbalance: l.imbalance.map(|i| format!("imbalance {i:.1} (largest class / smallest)")),
            classes: l.classes.iter().map(|(c, n)| (c.as_str(), *n, l.rare_classes.contains(c))).collect(),
            added,
        }
    }
}

/// What one entity shows: a row per system, its conflicts, the findings about it.
pub struct EntityView<'a> {
    pub entity: &'a EntityReport,
    /// One per system in the profile's order (`keys` and `systems` name the same systems).
    pub systems: Vec<SystemRow<'a>>,
    /// Each `compare` pair and its disagreeing share (`7.1%`).
    pub conflicts: Vec<(&'a Conflicts, String)>,
    /// The findings about this entity, in the order the rules produced them.
    pub findings: Vec<&'a Finding>,
}

/// One system of an entity: its key column and counts.
pub struct SystemRow<'a> {
    pub system: &'a str,
    pub key: &'a str,
    pub distinct: u64,
    pub unmatched: u64,
    /// Unmatched of distinct, as `7.1%`.
    pub unmatched_share: String,
    pub duplicates: u64,
    pub missing: u64,
    pub shapes: &'a [String],
}

impl<'a> EntityView<'a> {
    fn new(r: &'a Report, e: &'a EntityReport) -> EntityView<'a> {
        let systems = e
            .keys
            .0
            .iter()
            .map(|(system, key)| {
                let n = |m: &crate::measures::PerSystem<u64>| m.get(system).copied().unwrap_or(0);
                SystemRow {
                    system,
                    key,
                    distinct: n(&e.distinct_keys),
                    unmatched: n(&e.unmatched),
                    unmatched_share: pct_of(n(&e.unmatched), n(&e.distinct_keys)),
                    duplicates: n(&e.duplicates),
                    missing: n(&e.missing_keys),
                    shapes: e.shapes.get(system).map_or(&[], Vec::as_slice),
                }
            })
            .collect();
        EntityView {
            entity: e,
            systems,
            conflicts: e.conflicts.iter().map(|c| (c, pct_of(c.conflicting, c.compared))).collect(),
            findings: r.findings.iter().filter(|f| e.owns(f)).collect(),
        }
    }
}

/// The age histogram as `(label, rows, stale)`: `7–30d`, and whether the whole bucket is
/// older than `stale_after`.
pub fn age_buckets(st: &StalenessReport) -> Vec<(String, u64, bool)> {
    let stale_days = st.stale_after_seconds as f64 / 86_400.0;
    let mut lower = 0i64;
    st.age_histogram
        .iter()
        .map(|b| {
            let label = match b.under_days {
                Some(u) if lower == 0 => format!("<{}", days(u)),
                // `1–2y`, not `1y–2y`; `180d–1y` when the units differ.
                Some(u) if (lower % 365 == 0) == (u % 365 == 0) => {
                    format!("{}–{}", days(lower).trim_end_matches(['d', 'y']), days(u))
                }
                Some(u) => format!("{}–{}", days(lower), days(u)),
                None => format!("≥{}", days(lower)),
            };
            let stale = lower as f64 >= stale_days;
            lower = b.under_days.unwrap_or(lower);
            (label, b.rows, stale)
        })
        .collect()
}

/// A bucket bound: whole years as `2y`, else days.
fn days(d: i64) -> String {
    if d >= 365 && d % 365 == 0 { format!("{}y", d / 365) } else { format!("{d}d") }
}

/// Findings in reading order: FAIL before WARN before PASS, then by check (the checklist's
/// order), then by source in profile order, findings about entities after every source's;
/// ties keep the order the rules produced.
fn sorted(r: &Report) -> Vec<&Finding> {
    let rank = |f: &Finding| {
        f.source_name().and_then(|name| r.sources.iter().position(|s| s.name == name)).unwrap_or(r.sources.len())
    };
    let mut v: Vec<&Finding> = r.findings.iter().collect();
    v.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)).then(rank(a).cmp(&rank(b))));
    v
}

/// `2 FAIL · 5 WARN · 3 PASS`, leaving out zeros.
fn tally(findings: &[&Finding]) -> String {
    let parts: Vec<String> = [Severity::Fail, Severity::Warn, Severity::Pass]
        .iter()
        .map(|&s| (s, findings.iter().filter(|f| f.severity == s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    if parts.is_empty() { "none".to_string() } else { parts.join(" · ") }
}

/// Where a finding applies: `source.column`, `source`, or `-` for neither.
pub fn location(f: &Finding) -> String {
    match (&f.source, &f.column) {
        (Some(s), Some(c)) => format!("{s}.{c}"),
        (Some(s), None) => s.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => "-".to_string(),
    }
}

/// Where a finding applies in a one-line summary: `source.column` or `source`; `-` without
/// a source, where a column alone would say too little.
pub fn summary_location(f: &Finding) -> String {
    match (&f.source, &f.column) {
        (Some(s), Some(c)) => format!("{s}.{c}"),
        (Some(s), None) => s.clone(),
        (None, _) => "-".to_string(),
    }
}

/// The location of the source a finding is about, to shorten part names in its evidence.
fn source_location<'a>(r: &'a Report, f: &Finding) -> Option<&'a str> {
    let name = f.source_name()?;
    r.sources.iter().find(|s| s.name == name).map(|s| s.location.as_str())
}

/// An example as `(where, value)`: `("part-1.parquet row 12", "\"TBD\"")`; a null value reads
/// `(null)`. Neither is escaped.
pub fn example_parts(e: &Example, base: Option<&str>) -> (String, String) {
    let ev = Evidence::of(e, base);
    (ev.place(), ev.shown())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_entity_named_as_a_source_is_not_sorted_as_that_source() {
        use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};
        let mut r = crate::report::sample::sample();
        let first = r.sources.first().map(|s| s.name.clone()).unwrap_or_default();
        let last = r.sources.last().map(|s| s.name.clone()).unwrap_or_default();
        assert_ne!(first, last, "the sample has two sources");
        // An entity that happens to share the first source's name: its finding's `source`
        // holds that name, as the JSON writes it.
        let about_entity = FindingId::new(Rule::TrendMaxUnmatchedShareRise, Subject::Entity(first.clone()));
        let about_last = FindingId::new(Rule::TrendMaxRowChange, Subject::source(&last));
        r.findings = vec![
            Finding::new(about_entity, Check::Trend, Severity::Warn, Some(&first), None),
            Finding::new(about_last, Check::Trend, Severity::Warn, Some(&last), None),
        ];
        let order: Vec<String> = super::sorted(&r).iter().map(|f| f.id.to_string()).collect();
        assert_eq!(order, [format!("trend.max_row_change.{last}"), format!("trend.max_unmatched_share_rise.{first}")]);
    }

    use super::*;
    use crate::report::sample::sample;
    use crate::stats::LocatorInFile;

    #[test]
    fn a_trend_that_passed_throughout_is_summed_up_by_what_it_was_compared_with() {
        let r = crate::report::sample_with_trend();
        let v = View::new(&r);
        let trend = v.parts.iter().find(|p| p.check == Some(Check::Trend));
        assert_eq!(trend.map(|p| p.tally.as_str()), Some("1 WARN · 1 PASS"));
        assert_eq!(trend.and_then(|p| p.worst()).map(|f| f.id.as_str()), Some("trend.max_row_change.kb"));
        assert_eq!(trend.and_then(PartRow::compared_with), None, "a WARN stands for itself");
        let mut r = r.clone();
        r.findings.retain(|f| f.id != "trend.max_row_change.kb");
        r.checklist = crate::report::Checklist::from_findings(&r.findings);
        let v = View::new(&r);
        let trend = v.parts.iter().find(|p| p.check == Some(Check::Trend));
        assert_eq!(trend.and_then(PartRow::compared_with).map(|f| f.id.as_str()), Some("trend.history"));
        assert_eq!(v.parts.len(), Check::ALL.len() + 1);
        assert_eq!(View::new(&sample()).parts.len(), Check::ALL.len(), "no trend row without a history");
    }

    #[test]
    fn ready_shares_say_error_or_dash_when_not_measured() {
        let mut s = sample().sources.remove(0);
        s.rows = Some(12_000);
        s.ready_rows = Some(1);
        assert_eq!(Ready::of(&s), Ready::Measured { rows: 12_000, ready: 1 });
        assert_eq!(Ready::of(&s).share(), "<0.1%");
        s.ready_rows = None;
        assert_eq!((Ready::of(&s), Ready::of(&s).share()), (Ready::Unmeasured { rows: Some(12_000) }, "–".into()));
        s.status = Status::Error;
        assert_eq!(Ready::of(&s).share(), "error");
    }

    #[test]
    fn evidence_names_parts_relative_to_the_source() {
        let e = Example {
            at: LocatorInFile { file: Some("/data/orders/part-1.parquet".into()), at: Locator::Row(1_204) },
            value: None,
        };
        let ev = Evidence::of(&e, Some("/data/orders"));
        assert_eq!((ev.place(), ev.shown()), ("part-1.parquet row 1,204".into(), "(null)".into()));
        assert_eq!(ev.full_file, Some("/data/orders/part-1.parquet"));
        assert_eq!(Evidence::of(&e, None).place(), "/data/orders/part-1.parquet row 1,204");
        let key = Example { at: LocatorInFile { file: None, at: Locator::EntityKey("C-17".into()) }, value: None };
        assert_eq!(example_parts(&key, None), ("key C-17".into(), String::new()));
        let v = Example { at: LocatorInFile { file: None, at: Locator::Line(88) }, value: Some("N/A".into()) };
        assert_eq!(example_parts(&v, None), ("line 88".into(), "\"N/A\"".into()));
    }

    #[test]
    fn phrases_escape_only_their_data() {
        let p = vec![words("newest "), data("<b>"), Piece::Loud("not readable"), Piece::Code("a b".into())];
        assert_eq!(plain_phrase(&p, |d| d.replace(' ', "_").replace('<', "&lt;")), "newest &lt;b>not readablea_b");
    }

    #[test]
    fn age_buckets_are_labelled_and_marked_stale() {
        let r = sample();
        let st = r.sources.first().and_then(|s| s.staleness.as_ref());
        let buckets = st.map(age_buckets).unwrap_or_default();
        let labels: Vec<&str> = buckets.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(labels, ["<1d", "1–2d", "2–7d", "7–30d", "30–90d", "90–180d", "180d–1y", "1–2y", "2–5y", "≥5y"]);
        let stale: Vec<bool> = buckets.iter().map(|b| b.2).collect();
        assert_eq!(stale, [false, false, false, false, false, false, false, true, true, true]);
    }

    /// What each renderer's code (its tests left out) names of `crate::report`, resolved to
    /// module paths such as `markdown` or `history::text`.
    fn modules_named(file: &str, code: &str) -> Vec<String> {
        let base: Vec<&str> = match file {
            f if f.starts_with("history/") => vec!["history"],
            "html/charts.rs" => vec!["html"],
            _ => vec![],
        };
        let code = code.split("#[cfg(test)]\nmod tests").next().unwrap_or(code);
        let mut out = Vec::new();
        for (prefix, root) in [("crate::report::", vec![]), ("super::", base)] {
            for (i, _) in code.match_indices(prefix) {
                if prefix == "super::" && code[..i].ends_with("crate::report::") {
                    continue;
                }
                let rest = &code[i + prefix.len()..];
                let items: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
                    None => vec![rest],
                };
                for item in items {
                    let path: Vec<&str> = item
                        .trim()
                        .split("::")
                        .map(|seg| seg.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""))
                        .collect();
                    let mut full: Vec<&str> = root.clone();
                    full.extend(path.iter().take(2));
                    let module = match full.as_slice() {
                        ["history", sub, ..] => format!("history::{sub}"),
                        [m, ..] => m.to_string(),
                        [] => String::new(),
                    };
                    out.push(module);
                }
            }
        }
        out
    }

    #[test]
    fn no_renderer_imports_another() {
        let renderers = [
            ("terminal.rs", "terminal"),
            ("json.rs", "json"),
            ("markdown.rs", "markdown"),
            ("html.rs", "html"),
            ("html/charts.rs", "html"),
            ("junit.rs", "junit"),
            ("csv.rs", "csv"),
            ("github.rs", "github"),
            ("gitlab.rs", "gitlab"),
            ("history/text.rs", "history::text"),
            ("history/markdown.rs", "history::markdown"),
            ("history/html.rs", "history::html"),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
        let mut wrong = Vec::new();
        for (file, own) in renderers {
            let code = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            assert!(!code.is_empty(), "{file} not found");
            for m in modules_named(file, &code) {
                if m != own && renderers.iter().any(|(_, r)| *r == m) {
                    wrong.push(format!("{file} uses {m}"));
                }
            }
        }
        assert_eq!(wrong, Vec::<String>::new(), "shared formatting goes in fmt.rs, shared facts in view.rs");
        // The check itself sees an import when there is one.
        assert_eq!(modules_named("history/html.rs", "use super::text::direction;"), ["history::text"]);
        assert_eq!(modules_named("junit.rs", "use super::{markdown::location, Report};"), ["markdown", "Report"]);
        assert_eq!(modules_named("csv.rs", "crate::report::html::esc(x)"), ["html"]);
    }
}
