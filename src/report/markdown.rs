//! The Markdown report (GitHub-flavoured): the checklist row with its owner and KPI first, a
//! table of the checklist parts, every WARN and FAIL with its evidence, then one section per
//! source and per entity. For pull requests, issues and wiki pages of a go/no-go review.
//!
//! Pure: lays out the `View` of a report. Text from the data (names, values, messages) is
//! escaped, so a value holding `|`, `*`, a backtick or `<script>` stays text and never breaks a
//! table.

use std::io::{self, Write};

use super::Report;
use super::escape::{code, text};
use super::view::{EntityView, Evidence, FindingRow, Phrase, Piece, SourceView, StalenessView, View};
use crate::fmt::{clip, count, elapsed, pct, thousands, when};
use crate::verdict::review::{HOW_TO_DECLARE, Readiness, RowStatus};
use crate::verdict::{Check, Severity};

/// Writes the report as Markdown.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(&View::new(report)).as_bytes())
}

fn document(v: &View) -> String {
    let r = v.report;
    let mut md = String::new();
    header(v, &mut md);
    if let Some(rd) = v.review {
        review(rd, &mut md);
    }
    checklist(v, &mut md);
    ready_rows(v, &mut md);
    findings(v, &mut md);
    for s in &v.sources {
        source(s, &mut md);
    }
    for e in &v.entities {
        entity(e, &mut md);
    }
    md.push_str(&format!(
        "---\n\n{} {} · JSON report: `--format json` · what a measure means: `preflight explain MEASURE`\n",
        text(r.tool),
        text(r.version)
    ));
    md
}

/// A phrase of the view as Markdown: data escaped, code as code spans, loud words in bold.
fn phrase(p: &Phrase, in_table: bool) -> String {
    p.iter()
        .map(|piece| match piece {
            Piece::Words(w) => w.clone(),
            Piece::Data(d) | Piece::Risk(d) => text(d),
            Piece::Code(c) => code(c, in_table),
            Piece::Loud(w) => format!("**{w}**"),
        })
        .collect()
}

fn phrases(ps: &[Phrase]) -> Vec<String> {
    ps.iter().map(|p| phrase(p, false)).collect()
}

fn header(v: &View, md: &mut String) {
    let r = v.report;
    md.push_str(&format!("# Data readiness: {}\n\n", text(&r.profile.name)));
    md.push_str(&format!("**Data access: clean, permissioned, current data sources: {}**\n\n", badge(v.headline)));
    if let Some(trend) = v.trend {
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

fn checklist(v: &View, md: &mut String) {
    md.push_str("## Checklist\n\n| Part | Verdict | Findings | Worst finding |\n|---|---|---|---|\n");
    md.push_str(&format!(
        "| **Data access** | **{}** | {} | |\n",
        v.data_access.severity.map_or_else(|| "not checked".to_string(), badge),
        v.data_access.tally
    ));
    for part in &v.parts {
        let check = part.check.unwrap_or(Check::Clean);
        let (verdict, worst) = match (part.severity, part.worst()) {
            (Some(sev), Some(f)) => {
                (badge(sev), format!("{}: {}", code(&super::view::location(f), true), text(&clip(&f.message, 100))))
            }
            (Some(sev), None) => (badge(sev), String::new()),
            (None, _) => ("not checked".to_string(), "no finding in this part".to_string()),
        };
        let findings = if part.findings.is_empty() { "–".to_string() } else { part.tally.clone() };
        let name = if check == Check::Trend { "**Trend**".to_string() } else { check.as_str().to_string() };
        md.push_str(&format!("| {name} | {verdict} | {findings} | {worst} |\n"));
    }
    md.push('\n');
}

fn ready_rows(v: &View, md: &mut String) {
    md.push_str("## Ready rows\n\nRows that are complete, labeled (when a label is set) and not stale (when a timestamp is set).\n\n");
    md.push_str("| Source | Kind | Rows | Complete | Ready | Ready share |\n|---|---|--:|--:|--:|--:|\n");
    for row in &v.ready {
        let s = row.source;
        let n = |v: Option<u64>| v.map_or_else(|| "–".to_string(), thousands);
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            code(&s.name, true),
            text(&s.kind),
            n(s.rows),
            n(s.complete_rows),
            n(s.ready_rows),
            row.ready.share()
        ));
    }
    md.push('\n');
}

fn findings(v: &View, md: &mut String) {
    md.push_str(&format!(
        "## Findings to act on\n\n{}, {}.\n\n",
        count(v.fails, "FAIL", "FAILs"),
        count(v.warns, "WARN", "WARNs")
    ));
    for row in &v.to_act_on {
        let f = row.finding;
        md.push_str(&format!("### {} · {} · {}\n\n", badge(f.severity), f.check.as_str(), code(&row.location, false)));
        md.push_str(&format!("{}\n\n", text(&f.message)));
        let mut facts = Vec::new();
        match (&f.value, &f.threshold) {
            (Some(v), Some(t)) => facts.push(format!("**Observed:** {} · **threshold:** {}", text(v), text(t))),
            (Some(v), None) => facts.push(format!("**Observed:** {}", text(v))),
            (None, Some(t)) => facts.push(format!("**Threshold:** {}", text(t))),
            (None, None) => {}
        }
        if !row.evidence.is_empty() {
            let items: Vec<String> = row.evidence.iter().map(evidence).collect();
            facts.push(format!("**Evidence:** {}", items.join(" · ")));
        }
        facts.push(format!("**Finding:** {}", code(&f.id, false)));
        for fact in facts {
            md.push_str(&format!("- {fact}\n"));
        }
        md.push('\n');
    }
    if !v.passed.is_empty() {
        md.push_str(&format!("### Passed checks ({})\n\n| Part | Where | Result |\n|---|---|---|\n", v.passed.len()));
        for FindingRow { finding: f, location, .. } in &v.passed {
            md.push_str(&format!("| {} | {} | {} |\n", f.check.as_str(), code(location, true), text(&f.message)));
        }
        md.push('\n');
    }
}

/// `line 8 "N/A"`, `part-1.parquet row 12 (null)`: where, then the value as code.
fn evidence(e: &Evidence) -> String {
    let (at, value) = (e.place(), e.shown());
    let value = match e.value {
        Some(_) => code(&value, false),
        None => value,
    };
    if value.is_empty() { text(&at) } else { format!("{} {value}", text(&at)) }
}

fn source(sv: &SourceView, md: &mut String) {
    let s = sv.source;
    md.push_str(&format!("## Source {} ({})\n\n", code(&s.name, false), text(&s.kind)));
    md.push_str(&format!("{}\n\n", phrases(&sv.facts).join(" · ")));
    if let Some(error) = sv.error() {
        md.push_str(&format!(
            "**Error:** {}\n\nIts measures are absent; every other source was still scanned.\n\n",
            text(error)
        ));
    }
    if !sv.columns.is_empty() {
        md.push_str("### Columns\n\n");
        md.push_str(
            "| Column | Type | Required | Missing | Share | Null | Blank | Placeholder | Distinct | Personal data |\n",
        );
        md.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|---|\n");
        for row in &sv.columns {
            let c = row.column;
            let pii = c.pii.as_ref().map_or_else(String::new, |p| {
                let ack = if p.acknowledged { ", listed" } else { ", **not listed**" };
                format!("{} ({}{ack})", text(&p.kind), pct(p.share))
            });
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {pii} |\n",
                code(&c.name, true),
                text(&c.ty),
                if c.required { "yes" } else { "" },
                thousands(c.missing),
                pct(c.missing_share),
                thousands(c.nulls),
                thousands(c.blanks),
                thousands(c.placeholders),
                row.distinct
            ));
        }
        md.push('\n');
        let suspected: Vec<String> = sv
            .suspected
            .iter()
            .map(|(column, value, n)| {
                format!("{} {} ×{}", code(column, false), code(&format!("\"{value}\""), false), thousands(*n))
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
    if let Some(st) = &sv.staleness {
        staleness(st, md);
    }
    if let Some(l) = &sv.labels {
        md.push_str(&format!("### Labels ({})\n\n{}", code(&l.labels.column, false), l.coverage));
        if let Some(i) = &l.imbalance {
            md.push_str(&format!(" · {i}"));
        }
        md.push_str("\n\n| Class | Rows | |\n|---|--:|---|\n");
        for (class, n, rare) in &l.classes {
            let rare = if *rare { "rare" } else { "" };
            md.push_str(&format!("| {} | {} | {rare} |\n", code(&format!("\"{class}\""), true), thousands(*n)));
        }
        md.push('\n');
        if !l.labels.variant_labels.is_empty() {
            let groups: Vec<String> = l
                .labels
                .variant_labels
                .iter()
                .map(|g| g.iter().map(|v| code(&format!("\"{v}\""), false)).collect::<Vec<_>>().join(" = "))
                .collect();
            md.push_str(&format!("Variant labels: {}\n\n", groups.join(" · ")));
        }
        for (heading, p) in &l.added {
            md.push_str(&format!("{heading}: {}\n\n", phrase(p, false)));
        }
    }
    if let (Some(k), Some(line)) = (&s.keys, &sv.key) {
        md.push_str(&format!("### Key ({})\n\n{line}\n\n", code(&k.column, false)));
    }
    for (heading, line) in &sv.added {
        md.push_str(&format!("### {heading}\n\n{}\n\n", phrase(line, false)));
    }
    md.push_str(&format!("### Access\n\n{}\n\n", phrases(&sv.access).join(" · ")));
    for note in &s.access.notes {
        md.push_str(&format!("- {}\n", text(note)));
    }
    if !s.access.notes.is_empty() {
        md.push('\n');
    }
}

fn entity(ev: &EntityView, md: &mut String) {
    let e = ev.entity;
    md.push_str(&format!("## Entity {}\n\n", code(&e.name, false)));
    let systems: Vec<String> =
        ev.systems.iter().map(|s| format!("{} ({})", code(s.system, false), code(s.key, false))).collect();
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
        for s in &ev.systems {
            let shapes: Vec<String> = s.shapes.iter().map(|x| code(x, true)).collect();
            md.push_str(&format!(
                "| {} | {} | {} | {} ({}) | {} | {} | {} |\n",
                code(s.system, true),
                code(s.key, true),
                thousands(s.distinct),
                thousands(s.unmatched),
                s.unmatched_share,
                thousands(s.duplicates),
                thousands(s.missing),
                shapes.join(" ")
            ));
        }
        if !ev.conflicts.is_empty() {
            md.push_str("\n| Compared | Keys | Disagree | Example |\n|---|---:|---:|---|\n");
            for (c, share) in &ev.conflicts {
                let ex = c.examples.first().map_or_else(String::new, |x| {
                    format!("{}: {} vs {}", code(&x.key, true), code(&x.left, true), code(&x.right, true))
                });
                md.push_str(&format!(
                    "| {} vs {} | {} | {} ({share}) | {ex} |\n",
                    code(&c.left, true),
                    code(&c.right, true),
                    thousands(c.compared),
                    thousands(c.conflicting)
                ));
            }
        }
    }
    md.push('\n');
    for f in &ev.findings {
        md.push_str(&format!("- {} {}\n", badge(f.severity), text(&f.message)));
    }
    md.push('\n');
}

fn staleness(sv: &StalenessView, md: &mut String) {
    let st = sv.staleness;
    md.push_str(&format!("### Staleness ({})\n\n", code(&st.column, false)));
    let mut facts = vec![phrase(&sv.newest, false)];
    facts.extend(sv.newest_past.iter().chain(&sv.oldest).map(|p| phrase(p, false)));
    facts.push(sv.stale.clone());
    facts.extend([&sv.future, &sv.unparseable, &sv.naive_utc].into_iter().flatten().cloned());
    facts.extend(sv.file_modified.iter().chain(&sv.footer).map(|p| phrase(p, false)));
    md.push_str(&format!("{}\n\n", facts.join(" · ")));
    if !sv.buckets.is_empty() {
        md.push_str("| Age | Rows | |\n|---|--:|---|\n");
        for (label, rows, stale) in &sv.buckets {
            md.push_str(&format!("| {label} | {} | {} |\n", thousands(*rows), if *stale { "stale" } else { "" }));
        }
        md.push('\n');
    }
}

fn badge(sev: Severity) -> String {
    sev.as_str().to_string()
}

/// The go/no-go review: the six rows of the production checklist and the rule's outcome.
fn review(rd: &Readiness, md: &mut String) {
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
        md.push_str(&format!("No `[review]` in the profile: {HOW_TO_DECLARE}.\n\n"));
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
}
