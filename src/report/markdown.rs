//! The Markdown report (GitHub-flavoured): the checklist row with its owner and KPI first, a
//! table of the checklist parts, every WARN and FAIL with its evidence, then one section per
//! source and per entity. For pull requests, issues and wiki pages of a go/no-go review.
//!
//! Pure: reads only the `Report`. Text from the data (names, values, messages) is escaped, so
//! a value holding `|`, `*`, a backtick or `<script>` stays text and never breaks a table. The
//! small formatting helpers here (`pct`, `thousands`, `when`, …) are shared with the HTML and
//! JUnit renderers, so that every format words a number the same way.

use std::io::{self, Write};

use crate::stats::timestamp::format_duration_secs;
use crate::stats::{Example, Locator};

use super::{Report, pct_of};
use crate::measures::{EntityReport, PerSystem, SourceReport, StalenessReport, Status};
use crate::verdict::{Check, Finding, Severity};

/// Writes the report as Markdown.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(report).as_bytes())
}

fn document(r: &Report) -> String {
    let mut md = String::new();
    header(r, &mut md);
    if r.shows_review() {
        review(r, &mut md);
    }
    checklist(r, &mut md);
    ready_rows(r, &mut md);
    findings(r, &mut md);
    for s in &r.sources {
        source(s, &mut md);
    }
    for e in &r.entities {
        entity(r, e, &mut md);
    }
    md.push_str(&format!(
        "---\n\n{} {} · JSON report: `--format json` · what a measure means: `preflight explain MEASURE`\n",
        text(r.tool),
        text(r.version)
    ));
    md
}

fn header(r: &Report, md: &mut String) {
    let verdict = r.checklist.data_access.unwrap_or(r.verdict);
    md.push_str(&format!("# Data readiness: {}\n\n", text(&r.profile.name)));
    md.push_str(&format!("**Data access: clean, permissioned, current data sources: {}**\n\n", badge(verdict)));
    if let Some(trend) = r.checklist.trend {
        md.push_str(&format!(
            "**Trend against earlier scans: {}** · **verdict: {}**\n\n",
            badge(trend),
            badge(r.verdict)
        ));
    }
    let owner = r.profile.owner.as_deref().map_or_else(|| "*not set*".to_string(), text);
    let kpi = r.profile.kpi.as_deref().map_or_else(|| "*not set*".to_string(), text);
    md.push_str(&format!("- **Owner:** {owner}\n- **KPI:** {kpi}\n"));
    md.push_str(&format!("- **As of:** {}\n", text(&when(&r.as_of))));
    md.push_str(&format!("- **Profile:** {}\n", code(&r.profile.path, false)));
    md.push_str(&format!(
        "- **Scan:** {} · {} · {} {} · {}\n\n",
        count(r.sources.len() as u64, "source", "sources"),
        count(r.entities.len() as u64, "entity", "entities"),
        text(r.tool),
        text(r.version),
        elapsed(r.duration_ms)
    ));
}

fn checklist(r: &Report, md: &mut String) {
    md.push_str("## Checklist\n\n| Part | Verdict | Findings | Worst finding |\n|---|---|---|---|\n");
    let all: Vec<&Finding> = r.findings.iter().filter(|f| f.check.in_data_access()).collect();
    md.push_str(&format!(
        "| **Data access** | **{}** | {} | |\n",
        r.checklist.data_access.map_or_else(|| "not checked".to_string(), badge),
        tally(&all)
    ));
    let order = sorted(r);
    for check in r.checklist.shown() {
        let part: Vec<&Finding> = order.iter().copied().filter(|f| f.check == check).collect();
        let (verdict, worst) = match (r.checklist.get(check), part.first()) {
            (Some(sev), Some(f)) => {
                (badge(sev), format!("{}: {}", code(&location(f), true), text(&clip(&f.message, 100))))
            }
            (Some(sev), None) => (badge(sev), String::new()),
            (None, _) => ("not checked".to_string(), "no finding in this part".to_string()),
        };
        let findings = if part.is_empty() { "–".to_string() } else { tally(&part) };
        let name = if check == Check::Trend { "**Trend**".to_string() } else { check.as_str().to_string() };
        md.push_str(&format!("| {name} | {verdict} | {findings} | {worst} |\n"));
    }
    md.push('\n');
}

fn ready_rows(r: &Report, md: &mut String) {
    md.push_str("## Ready rows\n\nRows that are complete, labeled (when a label is set) and not stale (when a timestamp is set).\n\n");
    md.push_str("| Source | Kind | Rows | Complete | Ready | Ready share |\n|---|---|--:|--:|--:|--:|\n");
    for s in &r.sources {
        let n = |v: Option<u64>| v.map_or_else(|| "–".to_string(), thousands);
        let share = match (s.status, s.rows, s.ready_rows) {
            (Status::Error, ..) => "error".to_string(),
            (_, Some(rows), Some(ready)) => pct_of(ready, rows),
            _ => "–".to_string(),
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {share} |\n",
            code(&s.name, true),
            text(&s.kind),
            n(s.rows),
            n(s.complete_rows),
            n(s.ready_rows)
        ));
    }
    md.push('\n');
}

fn findings(r: &Report, md: &mut String) {
    let order = sorted(r);
    let listed: Vec<&Finding> = order.iter().copied().filter(|f| f.severity != Severity::Pass).collect();
    let fails = listed.iter().filter(|f| f.severity == Severity::Fail).count() as u64;
    let warns = listed.len() as u64 - fails;
    md.push_str(&format!(
        "## Findings to act on\n\n{}, {}.\n\n",
        count(fails, "FAIL", "FAILs"),
        count(warns, "WARN", "WARNs")
    ));
    for f in listed {
        md.push_str(&format!("### {} · {} · {}\n\n", badge(f.severity), f.check.as_str(), code(&location(f), false)));
        md.push_str(&format!("{}\n\n", text(&f.message)));
        let mut facts = Vec::new();
        match (&f.value, &f.threshold) {
            (Some(v), Some(t)) => facts.push(format!("**Observed:** {} · **threshold:** {}", text(v), text(t))),
            (Some(v), None) => facts.push(format!("**Observed:** {}", text(v))),
            (None, Some(t)) => facts.push(format!("**Threshold:** {}", text(t))),
            (None, None) => {}
        }
        if !f.evidence.is_empty() {
            let base = source_location(r, f);
            let items: Vec<String> = f.evidence.iter().map(|e| evidence(e, base)).collect();
            facts.push(format!("**Evidence:** {}", items.join(" · ")));
        }
        facts.push(format!("**Finding:** {}", code(&f.id, false)));
        for fact in facts {
            md.push_str(&format!("- {fact}\n"));
        }
        md.push('\n');
    }
    let passed: Vec<&Finding> = order.iter().copied().filter(|f| f.severity == Severity::Pass).collect();
    if !passed.is_empty() {
        md.push_str(&format!("### Passed checks ({})\n\n| Part | Where | Result |\n|---|---|---|\n", passed.len()));
        for f in passed {
            md.push_str(&format!("| {} | {} | {} |\n", f.check.as_str(), code(&location(f), true), text(&f.message)));
        }
        md.push('\n');
    }
}

/// `line 8 "N/A"`, `part-1.parquet row 12 (null)`: where, then the value as code.
fn evidence(e: &Example, base: Option<&str>) -> String {
    let (at, value) = example_parts(e, base);
    let value = match &e.value {
        Some(_) => code(&value, false),
        None => value,
    };
    if value.is_empty() { text(&at) } else { format!("{} {value}", text(&at)) }
}

fn source(s: &SourceReport, md: &mut String) {
    md.push_str(&format!("## Source {} ({})\n\n", code(&s.name, false), text(&s.kind)));
    let mut facts = vec![code(&s.location, false)];
    if s.files.len() > 1 {
        facts.push(count(s.files.len() as u64, "file", "files"));
    }
    if let Some(rows) = s.rows {
        facts.push(count(rows, "row", "rows"));
        if let Some(c) = s.complete_rows {
            facts.push(format!("{} complete", thousands(c)));
        }
        if let Some(ready) = s.ready_rows {
            facts.push(format!("{} ready ({})", thousands(ready), pct_of(ready, rows)));
        }
    }
    md.push_str(&format!("{}\n\n", facts.join(" · ")));
    if s.status == Status::Error {
        md.push_str(&format!(
            "**Error:** {}\n\nIts measures are absent; every other source was still scanned.\n\n",
            text(s.error.as_deref().unwrap_or("unknown error"))
        ));
    }
    if !s.columns.is_empty() {
        md.push_str("### Columns\n\n");
        md.push_str(
            "| Column | Type | Required | Missing | Share | Null | Blank | Placeholder | Distinct | Personal data |\n",
        );
        md.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|---|\n");
        for c in &s.columns {
            let distinct = match c.distinct {
                Some(d) if c.distinct_exact => thousands(d),
                Some(d) => format!("~{}", thousands(d)),
                None => "–".to_string(),
            };
            let pii = c.pii.as_ref().map_or_else(String::new, |p| {
                let ack = if p.acknowledged { ", listed" } else { ", **not listed**" };
                format!("{} ({}{ack})", text(&p.kind), pct(p.share))
            });
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {distinct} | {pii} |\n",
                code(&c.name, true),
                text(&c.ty),
                if c.required { "yes" } else { "" },
                thousands(c.missing),
                pct(c.missing_share),
                thousands(c.nulls),
                thousands(c.blanks),
                thousands(c.placeholders)
            ));
        }
        md.push('\n');
        let suspected: Vec<String> = s
            .columns
            .iter()
            .flat_map(|c| {
                c.suspected_placeholders.iter().map(move |v| {
                    format!(
                        "{} {} ×{}",
                        code(&c.name, false),
                        code(&format!("\"{}\"", v.value), false),
                        thousands(v.count)
                    )
                })
            })
            .collect();
        if !suspected.is_empty() {
            md.push_str(&format!("Suspected placeholders: {}\n\n", suspected.join(" · ")));
        }
    }
    if !s.absent_required.is_empty() {
        let cols: Vec<String> = s.absent_required.iter().map(|c| code(c, false)).collect();
        md.push_str(&format!("**Required columns absent:** {}\n\n", cols.join(", ")));
    }
    if let Some(st) = &s.staleness {
        staleness(st, md);
    }
    if let Some(l) = &s.labels {
        md.push_str(&format!(
            "### Labels ({})\n\n{} of {} rows labeled ({})",
            code(&l.column, false),
            thousands(l.labeled),
            s.rows.map_or_else(|| "?".to_string(), thousands),
            pct(l.coverage)
        ));
        if let Some(i) = l.imbalance {
            md.push_str(&format!(" · imbalance {i:.1} (largest class / smallest)"));
        }
        md.push_str("\n\n| Class | Rows | |\n|---|--:|---|\n");
        for (class, n) in &l.classes {
            let rare = if l.rare_classes.contains(class) { "rare" } else { "" };
            md.push_str(&format!("| {} | {} | {rare} |\n", code(&format!("\"{class}\""), true), thousands(*n)));
        }
        md.push('\n');
        if !l.variant_labels.is_empty() {
            let groups: Vec<String> = l
                .variant_labels
                .iter()
                .map(|g| g.iter().map(|v| code(&format!("\"{v}\""), false)).collect::<Vec<_>>().join(" = "))
                .collect();
            md.push_str(&format!("Variant labels: {}\n\n", groups.join(" · ")));
        }
    }
    if let Some(k) = &s.keys {
        md.push_str(&format!(
            "### Key ({})\n\n{} distinct · {} duplicated ({} extra rows)\n\n",
            code(&k.column, false),
            thousands(k.distinct),
            thousands(k.duplicates),
            thousands(k.duplicate_rows)
        ));
    }
    let a = &s.access;
    let mut access = vec![
        if a.reachable { "reachable" } else { "**not reachable**" }.to_string(),
        if a.readable { "readable" } else { "**not readable**" }.to_string(),
    ];
    if let Some(w) = a.can_write {
        access.push(if w { "**the role can write**" } else { "read-only role" }.to_string());
    }
    if let Some(o) = &a.owner {
        access.push(format!("owner {}", text(o)));
    }
    if let Some(m) = &a.mode {
        access.push(format!("mode {}", text(m)));
    }
    if a.world_writable == Some(true) {
        access.push("**world-writable**".to_string());
    }
    if let Some(e) = &a.engine {
        access.push(format!("engine {}", text(e)));
    }
    if let Some(t) = &a.transport {
        access.push(text(&crate::measures::transport_text(t)));
    }
    md.push_str(&format!("### Access\n\n{}\n\n", access.join(" · ")));
    for note in &a.notes {
        md.push_str(&format!("- {}\n", text(note)));
    }
    if !a.notes.is_empty() {
        md.push('\n');
    }
}

fn entity(r: &Report, e: &EntityReport, md: &mut String) {
    md.push_str(&format!("## Entity {}\n\n", code(&e.name, false)));
    let systems: Vec<String> =
        e.keys.0.iter().map(|(s, c)| format!("{} ({})", code(s, false), code(c, false))).collect();
    md.push_str(&format!("- **Systems:** {}\n", if systems.is_empty() { "none".into() } else { systems.join(", ") }));
    if let Some(err) = &e.error {
        md.push_str(&format!("- **Not measured:** {}\n", text(err)));
    } else {
        if !e.normalize.is_empty() {
            let n: Vec<String> = e.normalize.iter().map(|n| code(n, false)).collect();
            md.push_str(&format!(
                "- **Normalization:** {} · {} keys match as written, {} normalized\n",
                n.join(", "),
                thousands(e.matched_raw),
                thousands(e.matched_normalized)
            ));
        }
        md.push_str(&format!(
            "- **In every system:** {} of {} distinct keys · fragmentation {} · computed in {}\n",
            thousands(e.in_all),
            thousands(e.union),
            pct(e.fragmentation),
            e.computed_in
        ));
        if let Some(sg) = &e.suggestion {
            let n: Vec<String> = sg.normalize.iter().map(|n| code(n, false)).collect();
            md.push_str(&format!(
                "- **Suggested normalization:** {} would put {} keys in every system\n",
                n.join(", "),
                thousands(sg.matched)
            ));
        }
        md.push_str("\n| System | Key | Distinct keys | Unmatched | Duplicated | Missing keys | Shapes |\n");
        md.push_str("|---|---|---:|---:|---:|---:|---|\n");
        for (system, column) in &e.keys.0 {
            let n = |m: &PerSystem<u64>| m.get(system).copied().unwrap_or(0);
            let shapes: Vec<String> =
                e.shapes.get(system).map(|v| v.iter().map(|s| code(s, true)).collect()).unwrap_or_default();
            md.push_str(&format!(
                "| {} | {} | {} | {} ({}) | {} | {} | {} |\n",
                code(system, true),
                code(column, true),
                thousands(n(&e.distinct_keys)),
                thousands(n(&e.unmatched)),
                pct_of(n(&e.unmatched), n(&e.distinct_keys)),
                thousands(n(&e.duplicates)),
                thousands(n(&e.missing_keys)),
                shapes.join(" ")
            ));
        }
        if !e.conflicts.is_empty() {
            md.push_str("\n| Compared | Keys | Disagree | Example |\n|---|---:|---:|---|\n");
            for c in &e.conflicts {
                let ex = c.examples.first().map_or_else(String::new, |x| {
                    format!("{}: {} vs {}", code(&x.key, true), code(&x.left, true), code(&x.right, true))
                });
                md.push_str(&format!(
                    "| {} vs {} | {} | {} ({}) | {ex} |\n",
                    code(&c.left, true),
                    code(&c.right, true),
                    thousands(c.compared),
                    thousands(c.conflicting),
                    pct_of(c.conflicting, c.compared)
                ));
            }
        }
    }
    md.push('\n');
    for f in r.findings.iter().filter(|f| e.owns(f)) {
        md.push_str(&format!("- {} {}\n", badge(f.severity), text(&f.message)));
    }
    md.push('\n');
}

fn staleness(st: &StalenessReport, md: &mut String) {
    md.push_str(&format!("### Staleness ({})\n\n", code(&st.column, false)));
    let mut facts = Vec::new();
    match (&st.newest, st.age_seconds) {
        (Some(n), Some(age)) if age < 0 => facts.push(format!("newest {} (in the future)", text(&when(n)))),
        (Some(n), Some(age)) => facts.push(format!("newest {} ({} old)", text(&when(n)), format_duration_secs(age))),
        (Some(n), None) => facts.push(format!("newest {}", text(&when(n)))),
        (None, _) => facts.push("no timestamp".to_string()),
    }
    if st.newest_past != st.newest
        && let (Some(n), Some(age)) = (&st.newest_past, st.age_past_seconds)
    {
        facts.push(format!("newest not in the future {} ({} old)", text(&when(n)), format_duration_secs(age)));
    }
    if let Some(o) = &st.oldest {
        facts.push(format!("oldest {}", text(&when(o))));
    }
    facts.push(format!(
        "{} stale ({}, older than {})",
        thousands(st.stale_rows),
        pct(st.stale_share),
        format_duration_secs(st.stale_after_seconds)
    ));
    if st.future_rows > 0 {
        facts.push(format!("{} in the future", thousands(st.future_rows)));
    }
    if st.unparseable > 0 {
        facts.push(format!("{} not a timestamp", thousands(st.unparseable)));
    }
    if st.naive_utc > 0 {
        facts.push(format!("{} without a zone, read as UTC", thousands(st.naive_utc)));
    }
    if let Some(m) = &st.file_modified {
        facts.push(format!("file modified {}", text(&when(m))));
    }
    if let (Some(lo), Some(hi)) = (&st.footer_min, &st.footer_max) {
        facts.push(format!("Parquet footer {} to {}", text(&when(lo)), text(&when(hi))));
    }
    md.push_str(&format!("{}\n\n", facts.join(" · ")));
    if !st.age_histogram.is_empty() {
        md.push_str("| Age | Rows | |\n|---|--:|---|\n");
        for (label, rows, stale) in age_buckets(st) {
            md.push_str(&format!("| {label} | {} | {} |\n", thousands(rows), if stale { "stale" } else { "" }));
        }
        md.push('\n');
    }
}

// ---- helpers shared with the HTML and JUnit renderers ----

/// The age histogram as `(label, rows, stale)`: `7–30d`, and whether the whole bucket is
/// older than `stale_after`.
pub(crate) fn age_buckets(st: &StalenessReport) -> Vec<(String, u64, bool)> {
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
/// order), then by source in profile order; ties keep the order the rules produced.
pub(crate) fn sorted(r: &Report) -> Vec<&Finding> {
    let rank = |f: &Finding| {
        f.source.as_ref().and_then(|name| r.sources.iter().position(|s| &s.name == name)).unwrap_or(r.sources.len())
    };
    let mut v: Vec<&Finding> = r.findings.iter().collect();
    v.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)).then(rank(a).cmp(&rank(b))));
    v
}

/// `2 FAIL · 5 WARN · 3 PASS`, leaving out zeros.
pub(crate) fn tally(findings: &[&Finding]) -> String {
    let parts: Vec<String> = [Severity::Fail, Severity::Warn, Severity::Pass]
        .iter()
        .map(|&s| (s, findings.iter().filter(|f| f.severity == s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    if parts.is_empty() { "none".to_string() } else { parts.join(" · ") }
}

/// Where a finding applies: `source.column`, `source`, or `-` for neither.
pub(crate) fn location(f: &Finding) -> String {
    match (&f.source, &f.column) {
        (Some(s), Some(c)) => format!("{s}.{c}"),
        (Some(s), None) => s.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => "-".to_string(),
    }
}

/// The location of the source a finding is about, to shorten part names in its evidence.
pub(crate) fn source_location<'a>(r: &'a Report, f: &Finding) -> Option<&'a str> {
    let name = f.source.as_ref()?;
    r.sources.iter().find(|s| &s.name == name).map(|s| s.location.as_str())
}

/// An example as `(where, value)`: `("part-1.parquet row 12", "\"TBD\"")`; a null value reads
/// `(null)`. Neither is escaped.
pub(crate) fn example_parts(e: &Example, base: Option<&str>) -> (String, String) {
    let mut at = String::new();
    if let Some(file) = &e.at.file {
        let short = base
            .and_then(|b| file.strip_prefix(b))
            .map(|rest| rest.trim_start_matches(['/', '\\']))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(file);
        at.push_str(short);
        at.push(' ');
    }
    match &e.at.at {
        Locator::Line(n) => at.push_str(&format!("line {}", thousands(*n))),
        Locator::Row(n) => at.push_str(&format!("row {}", thousands(*n))),
        Locator::Key(k) | Locator::EntityKey(k) => at.push_str(&format!("key {k}")),
        Locator::NoKey(_) => at.push_str("no key"),
    }
    let value = match (&e.value, &e.at.at) {
        (Some(v), _) => format!("\"{v}\""),
        // The key is the whole example.
        (None, Locator::EntityKey(_)) => String::new(),
        (None, _) => "(null)".to_string(),
    };
    (at, value)
}

pub(crate) fn badge(sev: Severity) -> String {
    sev.as_str().to_string()
}

pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as people read it: `61%`, `3.4%`, `0%`.
pub(crate) fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 || p >= 10.0 || (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

/// `2025-01-10T10:00:00Z` as `2025-01-10 10:00 UTC` (seconds only when not zero); anything
/// else is returned as given.
pub(crate) fn when(ts: &str) -> String {
    let parts = (ts.get(..10), ts.get(10..11), ts.get(11..16), ts.get(16..19), ts.get(19..));
    match parts {
        (Some(date), Some("T"), Some(hm), Some(sec), Some(rest))
            if rest.starts_with(['Z', '.']) && rest.ends_with('Z') =>
        {
            if sec == ":00"
                && (rest == "Z" || rest.trim_start_matches('.').trim_end_matches('Z').bytes().all(|b| b == b'0'))
            {
                format!("{date} {hm} UTC")
            } else {
                format!("{date} {hm}{sec} UTC")
            }
        }
        _ => ts.to_string(),
    }
}

pub(crate) fn elapsed(ms: u64) -> String {
    if ms < 60_000 { format!("{:.1} s", ms as f64 / 1000.0) } else { format_duration_secs((ms / 1000) as i64) }
}

/// At most `max` chars, ending in `…` when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

// ---- Markdown escaping ----

/// Data as Markdown text: whitespace runs become one space, control characters are shown
/// escaped, Markdown's punctuation is backslash-escaped and HTML's is written as entities, so
/// nothing from the data can open a link, a table cell, emphasis or an HTML tag.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

/// Data as an inline code span: a fence longer than any run of backticks inside, newlines and
/// control characters shown escaped, and `|` escaped inside a table cell (GFM splits cells
/// before it reads code spans).
pub(crate) fn code(s: &str, in_table: bool) -> String {
    let mut body = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' if in_table => body.push_str("\\|"),
            c if c.is_control() => body.extend(c.escape_debug()),
            c => body.push(c),
        }
    }
    if body.is_empty() {
        return "` `".to_string();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span starting or ending with a backtick (or a space) needs a space inside the fence,
    // which the reader strips again.
    let pad = if body.starts_with(['`', ' ']) || body.ends_with(['`', ' ']) { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// The go/no-go review: the six rows of the production checklist and the rule's outcome.
fn review(r: &Report, md: &mut String) {
    use crate::verdict::review::RowStatus;
    let rd = &r.readiness;
    md.push_str(&format!("## Go/no-go review: {}\n\n", text(&rd.summary)));
    md.push_str("| Checkpoint | Status | Basis | Note |\n|---|---|---|---|\n");
    for row in &rd.rows {
        let status = match row.status {
            RowStatus::Pass => badge(Severity::Pass),
            RowStatus::Fail => badge(Severity::Fail),
            RowStatus::Unknown => "unknown".to_string(),
        };
        let basis = text(&row.basis_text());
        let note = row.note.as_deref().map_or_else(String::new, text);
        md.push_str(&format!("| {} | {status} | {basis} | {note} |\n", row.checkpoint.title()));
    }
    md.push('\n');
    if !rd.declared {
        md.push_str(&format!("No `[review]` in the profile: {}.\n\n", crate::verdict::review::HOW_TO_DECLARE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;

    fn md(r: &Report) -> String {
        crate::report::rendered(render, r)
    }

    #[test]
    fn the_trend_gets_a_line_and_a_row_only_with_a_history() {
        assert!(!md(&sample()).contains("Trend"));
        let out = md(&crate::report::sample_with_trend());
        assert!(out.contains("**Trend against earlier scans: WARN** · **verdict: FAIL**"), "{out}");
        assert!(out.contains("| **Trend** | WARN | 1 WARN · 1 PASS | `kb`: rows fell 30%"), "{out}");
        // The data-access row counts its own findings, not the trend's.
        let plain = md(&sample());
        let row = |s: &str| s.lines().find(|l| l.starts_with("| **Data access**")).unwrap_or_default().to_string();
        assert_eq!(row(&out), row(&plain));
    }

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(md(&sample()));
    }

    #[test]
    fn the_checklist_row_owner_and_kpi_come_first() {
        let out = md(&sample());
        let head: Vec<&str> = out.lines().take(8).collect();
        let head = head.join("\n");
        assert!(head.contains("Data access: clean, permissioned, current data sources: FAIL"), "{head}");
        assert!(head.contains("**Owner:** support-ops@example.com"), "{head}");
        assert!(head.contains("**KPI:** tickets deflected per week"), "{head}");
    }

    #[test]
    fn every_part_has_a_row_and_every_non_pass_finding_a_section() {
        let r = sample();
        let out = md(&r);
        for check in Check::ALL {
            assert!(out.lines().any(|l| l.starts_with(&format!("| {} |", check.as_str()))), "{check:?}");
        }
        assert!(out.contains("| connected | WARN |"), "{out}");
        let sections = out.lines().filter(|l| l.starts_with("### FAIL") || l.starts_with("### WARN")).count();
        assert_eq!(sections, r.findings.iter().filter(|f| f.severity != Severity::Pass).count());
        // Evidence is shown, values as code.
        assert!(out.contains("line 88 `\"N/A\"`"), "{out}");
        assert!(out.contains("part-1.parquet row 12 (null)"), "{out}");
    }

    #[test]
    fn tables_keep_their_columns_whatever_the_data() {
        let mut r = sample();
        if let Some(s) = r.sources.first_mut() {
            s.name = "a|b".into();
            if let Some(c) = s.columns.first_mut() {
                c.name = "x|`y`|z".into();
            }
        }
        for f in &mut r.findings {
            f.message = "pipe | star * <script>alert(1)</script> [link](http://x) \n next".into();
        }
        let out = md(&r);
        for line in out.lines().filter(|l| l.starts_with("| ") && l.contains("x\\|")) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert_eq!(cells, 11, "{line}");
        }
        assert!(!out.contains("<script>"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(!out.contains("[link](http"));
    }

    #[test]
    fn entities_get_a_section_each() {
        let mut r = sample();
        let with = md(&r);
        r.entities.clear();
        assert!(!md(&r).contains("## Entity"));
        let out = with;
        assert!(
            out.contains("## Entity `customer`\n\n- **Systems:** `tickets` (`customer_id`), `crm` (`customer_id`)\n"),
            "{out}"
        );
        assert!(out.contains("| `tickets` | `customer_id` | 700 | 50 (7.1%) | 0 | 3 | `A-999999` |"), "{out}");
        assert!(out.contains("- PASS customer: key shapes differ"), "entity findings listed under it: {out}");
    }

    #[test]
    fn code_spans_and_text_escape() {
        assert_eq!(code("plain", false), "`plain`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a\nb", false), "`a\\nb`");
        assert_eq!(code("", false), "` `");
        assert_eq!(text("a_b *c*\n d"), "a\\_b \\*c\\* d");
        assert_eq!(text("<b>&"), "&lt;b&gt;&amp;");
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
}
