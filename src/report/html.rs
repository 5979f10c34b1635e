//! The HTML report: one self-contained page to attach to an e-mail, open offline and print.
//! Inline CSS and inline SVG charts only: no script, no external font, image or stylesheet, and
//! a Content-Security-Policy that forbids loading or running anything, so the page behaves the
//! same with JavaScript disabled and never touches the network.
//!
//! Charts: record age per timestamp column (the `stale_after` line marked), missing share per
//! column, label classes (rare ones marked) and, when the report carries fragmentation counts,
//! key overlap per entity. Each chart has a `<title>` and `<desc>` for screen readers and a
//! table beside it with the same numbers. Every piece of text from the data goes through `esc`,
//! so a value such as `</script>` or `<svg onload=…>` is shown, never parsed.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::stats::timestamp::format_duration_secs;

use super::markdown::{
    age_buckets, clip, count, elapsed, example_parts, location, pct, sorted, source_location, tally, thousands, when,
};
use super::{Report, pct_of};
use crate::measures::{EntityReport, SourceReport, StalenessReport, Status};
use crate::verdict::{Check, Finding, Rule, Severity};

/// Writes the report as one HTML document.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(report).as_bytes())
}

pub(crate) const CSS: &str = r#"
:root { --fail: #b3261e; --warn: #9a6700; --pass: #1a7f37; --muted: #57606a; --line: #d0d7de;
        --bar: #4a6fa5; --stale: #b3261e; --rare: #d4a72c; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1f2328; margin: 0 auto; max-width: 1120px; padding: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa;
       padding: 0 .25em; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.row { font-size: 1.15rem; margin: .2rem 0 .8rem; }
.sev { display: inline-block; min-width: 3.4em; text-align: center; font-weight: 700; border-radius: 4px;
       padding: 0 .35em; color: #fff; }
.sev.fail { background: var(--fail); } .sev.warn { background: var(--warn); } .sev.pass { background: var(--pass); }
.sev.none { background: #fff; color: var(--muted); border: 1px solid var(--line); font-weight: 400; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.finding { border-left: 4px solid var(--line); padding: .1rem 0 .1rem .8rem; margin: 1rem 0; break-inside: avoid; }
.finding.fail { border-color: var(--fail); } .finding.warn { border-color: var(--warn); }
.finding p { margin: .2rem 0; }
.muted { color: var(--muted); }
.chart { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; break-inside: avoid; margin: .6rem 0 1.2rem; }
.chart figure { margin: 0; }
.chart figcaption { font-weight: 600; margin-bottom: .2rem; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; fill: #1f2328; }
svg .bar { fill: var(--bar); } svg .bar.stale, svg .bar.fail { fill: var(--fail); }
svg .bar.warn, svg .bar.rare { fill: var(--rare); } svg .bar.pass { fill: var(--pass); }
svg .axis { stroke: var(--muted); stroke-width: 1; } svg .mark { stroke: var(--stale); stroke-width: 2; stroke-dasharray: 5 3; }
svg .mark-label { fill: var(--stale); font-weight: 600; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .9rem; border-top: 1px solid var(--line); padding-top: .5rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .sev { color: #000 !important; background: none !important; border: 1px solid #000; }
  h2 { break-after: avoid; } .source { break-before: page; }
}
@page { margin: 1.5cm; }
"#;

/// Hands out ids for `aria-labelledby`: from a counter, never from the data.
#[derive(Default)]
struct Ids(usize);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("c{}", self.0)
    }
}

/// A page's head, up to the opening `<body>`, for every HTML document preflight writes: the
/// same security policy for all. `generator` and `title` come escaped.
pub(crate) fn page_head(h: &mut String, generator: &str, title: &str, styles: &[&str]) {
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing may be fetched or run; only the inline stylesheet applies.
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<meta name=\"generator\" content=\"{generator}\">");
    let _ = writeln!(h, "<title>{title}</title>");
    let _ = writeln!(h, "<style>{}</style>\n</head>\n<body>", styles.concat());
}

fn document(r: &Report) -> String {
    let verdict = r.checklist.data_access.unwrap_or(r.verdict);
    let mut h = String::new();
    let generator = format!("{} {}", esc(r.tool), esc(r.version));
    let title = format!("{}: {} · data readiness", verdict.as_str(), esc(&r.profile.name));
    page_head(&mut h, &generator, &title, &[CSS]);
    let mut ids = Ids::default();
    header(r, verdict, &mut h);
    h.push_str("<main>\n");
    if r.shows_review() {
        review(r, &mut h);
    }
    checklist(r, &mut h);
    ready_rows(r, &mut h);
    findings(r, &mut h);
    for (i, s) in r.sources.iter().enumerate() {
        source(r, i, s, &mut ids, &mut h);
    }
    for (i, e) in r.entities.iter().enumerate() {
        entity(r, i, e, &mut ids, &mut h);
    }
    h.push_str("</main>\n");
    let _ = writeln!(
        h,
        "<footer>{} {} · as of {} · {} · the same report as JSON: <code>--format json</code> · what a measure means: <code>preflight explain MEASURE</code></footer>",
        esc(r.tool),
        esc(r.version),
        esc(&when(&r.as_of)),
        esc(&elapsed(r.duration_ms))
    );
    h.push_str("</body>\n</html>\n");
    h
}

pub(crate) fn sev_class(sev: Severity) -> &'static str {
    match sev {
        Severity::Fail => "fail",
        Severity::Warn => "warn",
        Severity::Pass => "pass",
    }
}

pub(crate) fn badge(sev: Option<Severity>) -> String {
    match sev {
        Some(s) => format!("<span class=\"sev {}\">{}</span>", sev_class(s), s.as_str()),
        None => "<span class=\"sev none\">not checked</span>".to_string(),
    }
}

fn header(r: &Report, verdict: Severity, h: &mut String) {
    let _ = writeln!(h, "<header>\n<h1>Data readiness: {}</h1>", esc(&r.profile.name));
    let _ = writeln!(
        h,
        "<p class=\"row\"><strong>Data access: clean, permissioned, current data sources</strong> {}</p>",
        badge(Some(verdict))
    );
    if let Some(trend) = r.checklist.trend {
        let _ = writeln!(
            h,
            "<p class=\"row\"><strong>Trend against earlier scans</strong> {} · <strong>verdict</strong> {}</p>",
            badge(Some(trend)),
            badge(Some(r.verdict))
        );
    }
    let not_set = "<span class=\"muted\">not set</span>".to_string();
    let owner = r.profile.owner.as_deref().map_or_else(|| not_set.clone(), esc);
    let kpi = r.profile.kpi.as_deref().map_or_else(|| not_set.clone(), esc);
    h.push_str("<dl class=\"facts\">\n");
    let _ = writeln!(h, "<dt>Owner</dt><dd>{owner}</dd>");
    let _ = writeln!(h, "<dt>KPI</dt><dd>{kpi}</dd>");
    let _ = writeln!(h, "<dt>As of</dt><dd>{}</dd>", esc(&when(&r.as_of)));
    let _ = writeln!(h, "<dt>Profile</dt><dd><code>{}</code></dd>", esc(&r.profile.path));
    let _ = writeln!(
        h,
        "<dt>Scan</dt><dd>{} · {} · {} {} · {}</dd>",
        count(r.sources.len() as u64, "source", "sources"),
        count(r.entities.len() as u64, "entity", "entities"),
        esc(r.tool),
        esc(r.version),
        esc(&elapsed(r.duration_ms))
    );
    h.push_str("</dl>\n</header>\n");
}

fn checklist(r: &Report, h: &mut String) {
    h.push_str("<section id=\"checklist\">\n<h2>Checklist</h2>\n<table>\n<thead><tr><th>Part</th><th>Verdict</th><th>Findings</th><th>Worst finding</th></tr></thead>\n<tbody>\n");
    let all: Vec<&Finding> = r.findings.iter().filter(|f| f.check.in_data_access()).collect();
    let _ = writeln!(
        h,
        "<tr><th>Data access</th><td>{}</td><td>{}</td><td></td></tr>",
        badge(r.checklist.data_access),
        tally(&all)
    );
    let order = sorted(r);
    for check in r.checklist.shown() {
        let part: Vec<&Finding> = order.iter().copied().filter(|f| f.check == check).collect();
        let worst = match part.first() {
            Some(f) => format!("<code>{}</code>: {}", esc(&location(f)), esc(&clip(&f.message, 120))),
            None => "<span class=\"muted\">no finding in this part</span>".to_string(),
        };
        let findings = if part.is_empty() { "–".to_string() } else { tally(&part) };
        let tag = if check == Check::Trend { "th" } else { "td" };
        let _ = writeln!(
            h,
            "<tr><{tag}>{}</{tag}><td>{}</td><td>{findings}</td><td>{worst}</td></tr>",
            if check == Check::Trend { "Trend" } else { check.as_str() },
            badge(r.checklist.get(check))
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn ready_rows(r: &Report, h: &mut String) {
    h.push_str("<section id=\"ready\">\n<h2>Ready rows</h2>\n<p>Rows that are complete, labeled (when a label is set) and not stale (when a timestamp is set).</p>\n");
    h.push_str("<table>\n<thead><tr><th>Source</th><th>Kind</th><th class=\"n\">Rows</th><th class=\"n\">Complete</th><th class=\"n\">Ready</th><th class=\"n\">Ready share</th></tr></thead>\n<tbody>\n");
    for s in &r.sources {
        let n = |v: Option<u64>| v.map_or_else(|| "–".to_string(), thousands);
        let share = match (s.status, s.rows, s.ready_rows) {
            (Status::Error, ..) => "error".to_string(),
            (_, Some(rows), Some(ready)) => pct_of(ready, rows),
            _ => "–".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{share}</td></tr>",
            esc(&s.name),
            esc(&s.kind),
            n(s.rows),
            n(s.complete_rows),
            n(s.ready_rows)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn findings(r: &Report, h: &mut String) {
    let order = sorted(r);
    let listed: Vec<&Finding> = order.iter().copied().filter(|f| f.severity != Severity::Pass).collect();
    let fails = listed.iter().filter(|f| f.severity == Severity::Fail).count() as u64;
    let _ = writeln!(
        h,
        "<section id=\"findings\">\n<h2>Findings to act on</h2>\n<p>{}, {}.</p>",
        count(fails, "FAIL", "FAILs"),
        count(listed.len() as u64 - fails, "WARN", "WARNs")
    );
    for f in listed {
        let _ = writeln!(
            h,
            "<article class=\"finding {}\">\n<h3>{} {} · <code>{}</code></h3>\n<p>{}</p>",
            sev_class(f.severity),
            badge(Some(f.severity)),
            f.check.as_str(),
            esc(&location(f)),
            esc(&f.message)
        );
        let mut facts = Vec::new();
        if let Some(v) = &f.value {
            facts.push(format!("<dt>Observed</dt><dd>{}</dd>", esc(v)));
        }
        if let Some(t) = &f.threshold {
            facts.push(format!("<dt>Threshold</dt><dd>{}</dd>", esc(t)));
        }
        if !f.evidence.is_empty() {
            let base = source_location(r, f);
            let items: Vec<String> = f
                .evidence
                .iter()
                .map(|e| {
                    let (at, value) = example_parts(e, base);
                    match e.value {
                        Some(_) => format!("{} <code>{}</code>", esc(&at), esc(&value)),
                        None if value.is_empty() => esc(&at),
                        None => format!("{} <span class=\"muted\">{}</span>", esc(&at), esc(&value)),
                    }
                })
                .collect();
            facts.push(format!("<dt>Evidence</dt><dd>{}</dd>", items.join(" · ")));
        }
        facts.push(format!("<dt>Finding</dt><dd><code>{}</code></dd>", esc(&f.id)));
        let _ = writeln!(h, "<dl class=\"facts\">{}</dl>\n</article>", facts.join(""));
    }
    let passed: Vec<&Finding> = order.iter().copied().filter(|f| f.severity == Severity::Pass).collect();
    if !passed.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Passed checks ({})</h3>\n<table>\n<thead><tr><th>Part</th><th>Where</th><th>Result</th></tr></thead>\n<tbody>",
            passed.len()
        );
        for f in passed {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                f.check.as_str(),
                esc(&location(f)),
                esc(&f.message)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

fn source(r: &Report, i: usize, s: &SourceReport, ids: &mut Ids, h: &mut String) {
    let _ = writeln!(
        h,
        "<section class=\"source\" id=\"source-{}\">\n<h2>Source <code>{}</code> ({})</h2>",
        i + 1,
        esc(&s.name),
        esc(&s.kind)
    );
    let mut facts = vec![format!("<code>{}</code>", esc(&s.location))];
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
    let _ = writeln!(h, "<p>{}</p>", facts.join(" · "));
    if s.status == Status::Error {
        let _ = writeln!(
            h,
            "<p>{} {}</p>\n<p class=\"muted\">Its measures are absent; every other source was still scanned.</p>",
            badge(Some(Severity::Fail)),
            esc(s.error.as_deref().unwrap_or("unknown error"))
        );
    }
    if let Some(st) = &s.staleness {
        age_chart(s, st, ids, h);
    }
    if !s.columns.is_empty() {
        missing_chart(r, s, ids, h);
    }
    if !s.absent_required.is_empty() {
        let cols: Vec<String> = s.absent_required.iter().map(|c| format!("<code>{}</code>", esc(c))).collect();
        let _ = writeln!(h, "<p><strong>Required columns absent:</strong> {}</p>", cols.join(", "));
    }
    if s.labels.is_some() {
        label_chart(s, ids, h);
    }
    if let Some(k) = &s.keys {
        let _ = writeln!(
            h,
            "<h3>Key <code>{}</code></h3>\n<p>{} distinct · {} duplicated ({} extra rows)</p>",
            esc(&k.column),
            thousands(k.distinct),
            thousands(k.duplicates),
            thousands(k.duplicate_rows)
        );
    }
    access(s, h);
    h.push_str("</section>\n");
}

fn access(s: &SourceReport, h: &mut String) {
    let a = &s.access;
    let mut facts = vec![
        if a.reachable { "reachable" } else { "<strong>not reachable</strong>" }.to_string(),
        if a.readable { "readable" } else { "<strong>not readable</strong>" }.to_string(),
    ];
    if let Some(w) = a.can_write {
        facts.push(if w { "<strong>the role can write</strong>" } else { "read-only role" }.to_string());
    }
    if let Some(o) = &a.owner {
        facts.push(format!("owner {}", esc(o)));
    }
    if let Some(m) = &a.mode {
        facts.push(format!("mode {}", esc(m)));
    }
    if a.world_writable == Some(true) {
        facts.push("<strong>world-writable</strong>".to_string());
    }
    if let Some(e) = &a.engine {
        facts.push(format!("engine {}", esc(e)));
    }
    if let Some(t) = &a.transport {
        let shown = esc(&crate::measures::transport_text(t));
        facts.push(if t.encrypted { shown } else { format!("<strong>{shown}</strong>") });
    }
    let _ = writeln!(h, "<h3>Access</h3>\n<p>{}</p>", facts.join(" · "));
    if !a.notes.is_empty() {
        h.push_str("<ul>\n");
        for n in &a.notes {
            let _ = writeln!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>\n");
    }
}

fn entity(r: &Report, i: usize, e: &EntityReport, ids: &mut Ids, h: &mut String) {
    let _ = writeln!(
        h,
        "<section class=\"entity\" id=\"entity-{}\">\n<h2>Entity <code>{}</code></h2>",
        i + 1,
        esc(&e.name)
    );
    let systems: Vec<String> =
        e.keys.0.iter().map(|(s, c)| format!("<code>{}</code> (<code>{}</code>)", esc(s), esc(c))).collect();
    let _ = writeln!(h, "<p>Systems: {}</p>", if systems.is_empty() { "none".to_string() } else { systems.join(", ") });
    match &e.error {
        Some(err) => {
            let _ = writeln!(h, "<p>Not measured: {}</p>", esc(err));
        }
        None => {
            let _ = writeln!(
                h,
                "<p>{} of {} distinct keys are in every system · fragmentation {} · computed in {}</p>",
                thousands(e.in_all),
                thousands(e.union),
                pct(e.fragmentation),
                e.computed_in
            );
            if !e.normalize.is_empty() {
                let n: Vec<String> = e.normalize.iter().map(|n| format!("<code>{}</code>", esc(n))).collect();
                let _ = writeln!(
                    h,
                    "<p>Normalization {}: {} keys match as written, {} normalized.</p>",
                    n.join(", "),
                    thousands(e.matched_raw),
                    thousands(e.matched_normalized)
                );
            }
            if let Some(sg) = &e.suggestion {
                let n: Vec<String> = sg.normalize.iter().map(|n| format!("<code>{}</code>", esc(n))).collect();
                let _ = writeln!(
                    h,
                    "<p>Suggested normalization {} would put {} keys in every system.</p>",
                    n.join(", "),
                    thousands(sg.matched)
                );
            }
            let per: Vec<(String, u64, u64)> = e
                .systems
                .iter()
                .map(|s| {
                    (s.clone(), e.distinct_keys.get(s).copied().unwrap_or(0), e.unmatched.get(s).copied().unwrap_or(0))
                })
                .collect();
            overlap_chart(&e.name, e.in_all, &per, ids, h);
            h.push_str(
                "<table>\n<thead><tr><th>System</th><th class=\"n\">Duplicated keys</th><th class=\"n\">Missing keys</th><th>Shapes</th></tr></thead>\n<tbody>\n",
            );
            for s in &e.systems {
                let shapes: Vec<String> = e
                    .shapes
                    .get(s)
                    .map(|v| v.iter().map(|x| format!("<code>{}</code>", esc(x))).collect())
                    .unwrap_or_default();
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    esc(s),
                    thousands(e.duplicates.get(s).copied().unwrap_or(0)),
                    thousands(e.missing_keys.get(s).copied().unwrap_or(0)),
                    shapes.join(" ")
                );
            }
            h.push_str("</tbody>\n</table>\n");
            if !e.conflicts.is_empty() {
                h.push_str(
                    "<table>\n<thead><tr><th>Compared</th><th class=\"n\">Keys</th><th class=\"n\">Disagree</th><th>Example</th></tr></thead>\n<tbody>\n",
                );
                for c in &e.conflicts {
                    let ex = c.examples.first().map_or_else(String::new, |x| {
                        format!(
                            "<code>{}</code>: <code>{}</code> vs <code>{}</code>",
                            esc(&x.key),
                            esc(&x.left),
                            esc(&x.right)
                        )
                    });
                    let _ = writeln!(
                        h,
                        "<tr><td><code>{}</code> vs <code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{} ({})</td><td>{ex}</td></tr>",
                        esc(&c.left),
                        esc(&c.right),
                        thousands(c.compared),
                        thousands(c.conflicting),
                        pct_of(c.conflicting, c.compared)
                    );
                }
                h.push_str("</tbody>\n</table>\n");
            }
        }
    }
    let mine: Vec<&Finding> = r.findings.iter().filter(|f| e.owns(f)).collect();
    if !mine.is_empty() {
        h.push_str("<ul>\n");
        for f in mine {
            let _ = writeln!(h, "<li>{} {}</li>", badge(Some(f.severity)), esc(&f.message));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

// ---- charts ----

/// One horizontal bar: its label, its length as a fraction of the axis, the value as shown,
/// a CSS class (`stale`, `rare`, `warn`, …) and a note for the text alternative.
struct Bar {
    label: String,
    fraction: f64,
    shown: String,
    class: &'static str,
    note: &'static str,
}

const LABEL_W: f64 = 170.0;
const PLOT_W: f64 = 300.0;
const ROW_H: f64 = 22.0;

/// A horizontal bar chart: `title` and `desc` become the SVG's accessible name and
/// description; `axis` labels the right end of the scale.
fn hbar_svg(id: &str, title: &str, desc: &str, bars: &[Bar], axis: &str) -> String {
    let width = LABEL_W + PLOT_W + 90.0;
    let height = ROW_H * bars.len() as f64 + 30.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n<title id=\"{id}-t\">{}</title>\n<desc id=\"{id}-d\">{}</desc>\n",
        esc(title),
        esc(desc)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        let w = (b.fraction.clamp(0.0, 1.0) * PLOT_W).max(if b.fraction > 0.0 { 1.5 } else { 0.0 });
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n<rect class=\"bar {}\" x=\"{LABEL_W:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>\n<text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            LABEL_W - 6.0,
            y + 14.0,
            esc(&clip(&b.label, 24)),
            b.class,
            y + 3.0,
            ROW_H - 6.0,
            LABEL_W + w + 5.0,
            y + 14.0,
            esc(&b.shown)
        );
    }
    let base = 4.0 + ROW_H * bars.len() as f64 + 2.0;
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{LABEL_W:.1}\" y1=\"2\" x2=\"{LABEL_W:.1}\" y2=\"{base:.1}\"/>\n<text x=\"{LABEL_W:.1}\" y=\"{:.1}\" text-anchor=\"middle\">0</text>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n</svg>",
        base + 14.0,
        LABEL_W + PLOT_W,
        base + 14.0,
        esc(axis)
    );
    s
}

/// Text alternative of a bar chart: `a 5%, b 12% (rare), …`.
fn describe(bars: &[Bar]) -> String {
    let parts: Vec<String> = bars
        .iter()
        .map(|b| {
            if b.note.is_empty() {
                format!("{} {}", b.label, b.shown)
            } else {
                format!("{} {} ({})", b.label, b.shown, b.note)
            }
        })
        .collect();
    parts.join(", ")
}

pub(crate) fn figure(caption: &str, svg: &str, table: &str, h: &mut String) {
    let _ = writeln!(
        h,
        "<div class=\"chart\">\n<figure>\n<figcaption>{}</figcaption>\n{svg}\n</figure>\n{table}\n</div>",
        esc(caption)
    );
}

/// Record age per bucket as columns, with a dashed line where records become stale.
fn age_chart(s: &SourceReport, st: &StalenessReport, ids: &mut Ids, h: &mut String) {
    let _ = writeln!(h, "<h3>Current: <code>{}</code></h3>", esc(&st.column));
    let mut facts = Vec::new();
    match (&st.newest, st.age_seconds) {
        (Some(n), Some(age)) if age < 0 => facts.push(format!("newest {} (in the future)", esc(&when(n)))),
        (Some(n), Some(age)) => facts.push(format!("newest {} ({} old)", esc(&when(n)), format_duration_secs(age))),
        (Some(n), None) => facts.push(format!("newest {}", esc(&when(n)))),
        (None, _) => facts.push("no timestamp".to_string()),
    }
    if st.newest_past != st.newest
        && let (Some(n), Some(age)) = (&st.newest_past, st.age_past_seconds)
    {
        facts.push(format!("newest not in the future {} ({} old)", esc(&when(n)), format_duration_secs(age)));
    }
    if let Some(o) = &st.oldest {
        facts.push(format!("oldest {}", esc(&when(o))));
    }
    if st.future_rows > 0 {
        facts.push(format!("{} in the future (not charted)", thousands(st.future_rows)));
    }
    if st.unparseable > 0 {
        facts.push(format!("{} not a timestamp", thousands(st.unparseable)));
    }
    if st.naive_utc > 0 {
        facts.push(format!("{} without a zone, read as UTC", thousands(st.naive_utc)));
    }
    if let Some(m) = &st.file_modified {
        facts.push(format!("file modified {}", esc(&when(m))));
    }
    let _ = writeln!(h, "<p>{}</p>", facts.join(" · "));
    if st.age_histogram.is_empty() {
        return;
    }
    let buckets = age_buckets(st);
    let stale_after = format_duration_secs(st.stale_after_seconds);
    let id = ids.next();
    let title = format!("Record age of {}.{}", s.name, st.column);
    let parts: Vec<String> = buckets
        .iter()
        .map(|(l, n, stale)| format!("{l}: {}{}", thousands(*n), if *stale { " (stale)" } else { "" }))
        .collect();
    let desc = format!(
        "Rows per age bucket at the as-of time; rows older than {stale_after} are stale: {} stale rows ({}). {}.",
        thousands(st.stale_rows),
        pct(st.stale_share),
        parts.join(", ")
    );
    let (x0, plot_w, top, plot_h) = (24.0, 620.0, 26.0, 150.0);
    let width = x0 + plot_w + 16.0;
    let height = top + plot_h + 40.0;
    let band = plot_w / buckets.len() as f64;
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n<title id=\"{id}-t\">{}</title>\n<desc id=\"{id}-d\">{}</desc>\n",
        esc(&title),
        esc(&desc)
    );
    let base = top + plot_h;
    for (i, (label, n, stale)) in buckets.iter().enumerate() {
        let bh = *n as f64 / max * plot_h;
        let x = x0 + band * i as f64;
        let _ = write!(
            svg,
            "<rect class=\"bar{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            if *stale { " stale" } else { "" },
            x + 4.0,
            base - bh,
            band - 8.0,
            x + band / 2.0,
            base - bh - 4.0,
            thousands(*n),
            x + band / 2.0,
            base + 16.0,
            esc(label)
        );
    }
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{x0:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>",
        x0 + plot_w
    );
    if let Some(pos) = stale_position(st) {
        let x = x0 + band * pos;
        let _ = write!(
            svg,
            "<line class=\"mark\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\n<text class=\"mark-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\">stale after {}</text>\n",
            top - 12.0,
            base + 4.0,
            x,
            top - 14.0,
            if pos > buckets.len() as f64 * 0.7 { "end" } else { "middle" },
            esc(&stale_after)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">age at the as-of time</text>\n</svg>",
        x0 + plot_w / 2.0,
        base + 34.0
    );
    let mut table =
        String::from("<table>\n<thead><tr><th>Age</th><th class=\"n\">Rows</th><th></th></tr></thead>\n<tbody>\n");
    for (label, n, stale) in &buckets {
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(label),
            thousands(*n),
            if *stale { "stale" } else { "" }
        );
    }
    let _ = write!(
        table,
        "</tbody>\n<tfoot><tr><td>stale (older than {})</td><td class=\"n\">{}</td><td>{}</td></tr></tfoot>\n</table>",
        esc(&stale_after),
        thousands(st.stale_rows),
        pct(st.stale_share)
    );
    figure(&format!("Record age of {}", st.column), &svg, &table, h);
}

/// Where `stale_after` falls on the bucket axis, in buckets from the left: linear inside the
/// bucket that holds it, at the start of the open last bucket.
fn stale_position(st: &StalenessReport) -> Option<f64> {
    let days = st.stale_after_seconds as f64 / 86_400.0;
    let mut lower = 0.0;
    for (i, b) in st.age_histogram.iter().enumerate() {
        match b.under_days {
            Some(u) if days < u as f64 => {
                let frac = if u as f64 > lower { ((days - lower) / (u as f64 - lower)).max(0.0) } else { 0.0 };
                return Some(i as f64 + frac);
            }
            Some(u) => lower = u as f64,
            None => return Some(i as f64),
        }
    }
    (!st.age_histogram.is_empty()).then_some(st.age_histogram.len() as f64)
}

/// The smallest of 5%, 10%, 20%, 50%, 100% that holds `max`: small shares stay visible.
pub(crate) fn share_axis(max: f64) -> f64 {
    [0.05, 0.1, 0.2, 0.5, 1.0].into_iter().find(|&a| max <= a).unwrap_or(1.0)
}

fn missing_chart(r: &Report, s: &SourceReport, ids: &mut Ids, h: &mut String) {
    let _ = writeln!(h, "<h3>Clean: missing values per column</h3>");
    let axis = share_axis(s.columns.iter().map(|c| c.missing_share).fold(0.0, f64::max));
    let severity = |col: &str| {
        r.findings
            .iter()
            .find(|f| {
                f.id.rule == Rule::MissingMaxMissingShare
                    && f.source.as_deref() == Some(s.name.as_str())
                    && f.column.as_deref() == Some(col)
            })
            .map(|f| f.severity)
    };
    let bars: Vec<Bar> = s
        .columns
        .iter()
        .map(|c| {
            let sev = severity(&c.name);
            let (class, note) = match sev {
                Some(Severity::Fail) => ("fail", "FAIL"),
                Some(Severity::Warn) => ("warn", "WARN"),
                _ if c.required => ("", "required"),
                _ => ("", ""),
            };
            Bar {
                label: if c.required { format!("{} *", c.name) } else { c.name.clone() },
                fraction: c.missing_share / axis,
                shown: pct(c.missing_share),
                class,
                note,
            }
        })
        .collect();
    let id = ids.next();
    let title = format!("Missing share per column of {}", s.name);
    let desc = format!(
        "Share of rows with a null, blank or placeholder value; * marks a required column. {}.",
        describe(&bars)
    );
    let svg = hbar_svg(&id, &title, &desc, &bars, &pct(axis));
    let mut table = String::from(
        "<table>\n<thead><tr><th>Column</th><th>Type</th><th class=\"n\">Missing</th><th class=\"n\">Share</th><th class=\"n\">Null</th><th class=\"n\">Blank</th><th class=\"n\">Placeholder</th><th class=\"n\">Distinct</th><th>Personal data</th></tr></thead>\n<tbody>\n",
    );
    for c in &s.columns {
        let distinct = match c.distinct {
            Some(d) if c.distinct_exact => thousands(d),
            Some(d) => format!("~{}", thousands(d)),
            None => "–".to_string(),
        };
        let pii = c.pii.as_ref().map_or_else(String::new, |p| {
            format!(
                "{} ({}{})",
                esc(&p.kind),
                pct(p.share),
                if p.acknowledged { ", listed" } else { ", <strong>not listed</strong>" }
            )
        });
        let sev = severity(&c.name)
            .filter(|s| *s != Severity::Pass)
            .map_or_else(String::new, |s| format!(" {}", badge(Some(s))));
        let _ = writeln!(
            table,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}{sev}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{distinct}</td><td>{pii}</td></tr>",
            esc(&c.name),
            if c.required { " *" } else { "" },
            esc(&c.ty),
            thousands(c.missing),
            pct(c.missing_share),
            thousands(c.nulls),
            thousands(c.blanks),
            thousands(c.placeholders)
        );
    }
    table.push_str("</tbody>\n</table>");
    figure("Missing share per column (* required)", &svg, &table, h);
    let suspected: Vec<String> = s
        .columns
        .iter()
        .flat_map(|c| {
            c.suspected_placeholders.iter().map(move |v| {
                format!("<code>{}</code> <code>\"{}\"</code> ×{}", esc(&c.name), esc(&v.value), thousands(v.count))
            })
        })
        .collect();
    if !suspected.is_empty() {
        let _ = writeln!(h, "<p>Suspected placeholders: {}</p>", suspected.join(" · "));
    }
}

fn label_chart(s: &SourceReport, ids: &mut Ids, h: &mut String) {
    let Some(l) = &s.labels else { return };
    let _ = writeln!(
        h,
        "<h3>Labeled: <code>{}</code></h3>\n<p>{} of {} rows labeled ({}){}</p>",
        esc(&l.column),
        thousands(l.labeled),
        s.rows.map_or_else(|| "?".to_string(), thousands),
        pct(l.coverage),
        l.imbalance.map_or_else(String::new, |i| format!(" · imbalance {i:.1} (largest class / smallest)"))
    );
    if l.classes.is_empty() {
        return;
    }
    let max = l.classes.iter().map(|c| c.1).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = l
        .classes
        .iter()
        .map(|(class, n)| {
            let rare = l.rare_classes.contains(class);
            Bar {
                label: if rare { format!("\"{class}\" (rare)") } else { format!("\"{class}\"") },
                fraction: *n as f64 / max as f64,
                shown: thousands(*n),
                class: if rare { "rare" } else { "" },
                note: if rare { "rare" } else { "" },
            }
        })
        .collect();
    let id = ids.next();
    let title = format!("Label classes of {}.{}", s.name, l.column);
    let desc = format!("Rows per class; a rare class has too few examples to learn from. {}.", describe(&bars));
    let svg = hbar_svg(&id, &title, &desc, &bars, &thousands(max));
    let mut table =
        String::from("<table>\n<thead><tr><th>Class</th><th class=\"n\">Rows</th><th></th></tr></thead>\n<tbody>\n");
    for (class, n) in &l.classes {
        let _ = writeln!(
            table,
            "<tr><td><code>\"{}\"</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(class),
            thousands(*n),
            if l.rare_classes.contains(class) { "rare" } else { "" }
        );
    }
    table.push_str("</tbody>\n</table>");
    figure("Label classes (rare marked)", &svg, &table, h);
    if !l.variant_labels.is_empty() {
        let groups: Vec<String> = l
            .variant_labels
            .iter()
            .map(|g| g.iter().map(|v| format!("<code>\"{}\"</code>", esc(v))).collect::<Vec<_>>().join(" = "))
            .collect();
        let _ = writeln!(h, "<p>Variant labels: {}</p>", groups.join(" · "));
    }
}

/// Key overlap of one entity: per system, the distinct keys found in every system and those
/// found in no other.
fn overlap_chart(entity: &str, in_all: u64, systems: &[(String, u64, u64)], ids: &mut Ids, h: &mut String) {
    let max = systems.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
    let mut bars = Vec::new();
    for (name, distinct, unmatched) in systems {
        bars.push(Bar {
            label: format!("{name}: in all"),
            fraction: in_all as f64 / max,
            shown: thousands(in_all),
            class: "pass",
            note: "",
        });
        bars.push(Bar {
            label: format!("{name}: unmatched"),
            fraction: *unmatched as f64 / max,
            shown: format!("{} ({})", thousands(*unmatched), pct_of(*unmatched, *distinct)),
            class: "warn",
            note: "",
        });
    }
    let id = ids.next();
    let title = format!("Key overlap of {entity}");
    let desc = format!("Distinct keys per system found in every system, and found in no other. {}.", describe(&bars));
    let svg = hbar_svg(&id, &title, &desc, &bars, &thousands(max as u64));
    let mut table = String::from(
        "<table>\n<thead><tr><th>System</th><th class=\"n\">Distinct keys</th><th class=\"n\">In all</th><th class=\"n\">Unmatched</th></tr></thead>\n<tbody>\n",
    );
    for (name, distinct, unmatched) in systems {
        let _ = writeln!(
            table,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} ({})</td></tr>",
            esc(name),
            thousands(*distinct),
            thousands(in_all),
            thousands(*unmatched),
            pct_of(*unmatched, *distinct)
        );
    }
    table.push_str("</tbody>\n</table>");
    figure("Key overlap per system", &svg, &table, h);
}

/// Text from the data as HTML (and SVG) text or attribute value: the five markup characters as
/// entities, and control characters (which XML forbids and HTML would show as nothing) escaped
/// as `\u{1b}`.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

/// The go/no-go review: the six rows of the production checklist and the rule's outcome.
fn review(r: &Report, h: &mut String) {
    use crate::verdict::review::{Outcome, RowStatus};
    let rd = &r.readiness;
    let class = match rd.outcome {
        Outcome::Ready => "pass",
        Outcome::Experiment => "fail",
        Outcome::Undecided => "warn",
    };
    let _ = writeln!(
        h,
        "<section id=\"review\">\n<h2>Go/no-go review</h2>\n<p class=\"row\"><span class=\"sev {class}\">{}</span></p>\n<table>\n<thead><tr><th>Checkpoint</th><th>Status</th><th>Basis</th><th>Note</th></tr></thead>\n<tbody>",
        esc(&rd.summary)
    );
    for row in &rd.rows {
        let status = match row.status {
            RowStatus::Pass => badge(Some(Severity::Pass)),
            RowStatus::Fail => badge(Some(Severity::Fail)),
            RowStatus::Unknown => "<span class=\"sev none\">unknown</span>".to_string(),
        };
        let basis = esc(&row.basis_text());
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td>{status}</td><td>{basis}</td><td>{}</td></tr>",
            row.checkpoint.title(),
            row.note.as_deref().map_or_else(String::new, esc)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if !rd.declared {
        let _ = writeln!(
            h,
            "<p class=\"muted\">No <code>[review]</code> in the profile: {}.</p>",
            esc(crate::verdict::review::HOW_TO_DECLARE)
        );
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;
    use crate::verdict::{FindingId, Subject};

    fn html(r: &Report) -> String {
        crate::report::rendered(render, r)
    }

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(html(&sample()));
    }

    #[test]
    fn the_trend_gets_a_line_and_a_row_only_with_a_history() {
        assert!(!html(&sample()).contains("Trend"));
        let out = html(&crate::report::sample_with_trend());
        assert!(
            out.contains("<strong>Trend against earlier scans</strong> <span class=\"sev warn\">WARN</span>"),
            "{out}"
        );
        assert!(
            out.contains("<tr><th>Trend</th><td><span class=\"sev warn\">WARN</span></td><td>1 WARN · 1 PASS</td>"),
            "{out}"
        );
    }

    #[test]
    fn self_contained_and_without_script() {
        let out = html(&sample());
        let lower = out.to_lowercase();
        for banned in ["<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=", "javascript:"] {
            assert!(!lower.contains(banned), "{banned}");
        }
        assert!(out.contains("default-src 'none'"));
        // Only the SVG namespace is named, and it is an identifier, not a request.
        let urls: Vec<&str> =
            out.match_indices("://").filter_map(|(i, _)| out.get(i.saturating_sub(4)..i + 22)).collect();
        assert!(urls.iter().all(|u| *u == "http://www.w3.org/2000/svg"), "{urls:?}");
    }

    #[test]
    fn every_chart_is_sized_named_and_has_a_table() {
        let out = html(&sample());
        let svgs: Vec<&str> = out.split("<svg ").skip(1).collect();
        // tickets: age, missing, labels; kb: age, missing; agents none; customer: key overlap.
        assert_eq!(svgs.len(), 6);
        for svg in svgs {
            let head = svg.split('>').next().unwrap_or_default();
            assert!(head.contains("width=\"") && head.contains("height=\""), "{head}");
            assert!(head.contains("role=\"img\"") && head.contains("aria-labelledby="), "{head}");
            assert!(svg.contains("<title id="), "{head}");
            assert!(svg.contains("<desc id="), "{head}");
        }
        assert_eq!(out.matches("<div class=\"chart\">").count(), 6);
        assert_eq!(out.matches("</figure>\n<table>").count(), 6);
        assert!(out.contains("stale after 365d"));
        assert!(out.contains("&quot;returns&quot; (rare)"));
    }

    #[test]
    fn data_text_is_inert() {
        let mut r = sample();
        let evil = "</script><script>alert(1)</script><svg onload=alert(2)>\"'&";
        r.profile.name = evil.into();
        r.profile.owner = Some(evil.into());
        for s in &mut r.sources {
            s.name = evil.into();
            s.location = evil.into();
            for c in &mut s.columns {
                c.name = format!("{evil}{}", c.name);
            }
            if let Some(l) = &mut s.labels {
                for c in &mut l.classes {
                    c.0 = evil.into();
                }
            }
        }
        for f in &mut r.findings {
            f.message = evil.into();
            f.id = FindingId::new(Rule::AccessReadable, Subject::source(evil));
            for e in &mut f.evidence {
                e.value = Some(evil.into());
            }
        }
        let out = html(&r);
        let lower = out.to_lowercase();
        assert!(!lower.contains("<script"), "a script tag got through");
        assert!(!lower.contains("<svg onload"), "an svg tag got through");
        assert!(!lower.contains("</script"));
        assert!(out.contains("&lt;svg onload=alert(2)&gt;&quot;&#39;&amp;"));
        // The only SVG elements are the charts'.
        assert_eq!(out.matches("<svg ").count(), 6);
    }

    #[test]
    fn entities_get_a_section_each() {
        let r = sample();
        assert_eq!(r.entities.len(), 1);
        let out = html(&r);
        assert!(
            out.contains("<section class=\"entity\" id=\"entity-1\">\n<h2>Entity <code>customer</code></h2>"),
            "{out}"
        );
        assert!(out.contains(
            "<p>Systems: <code>tickets</code> (<code>customer_id</code>), <code>crm</code> (<code>customer_id</code>)</p>"
        ));
        assert!(out.contains("<title id=\"c6-t\">Key overlap of customer</title>"), "{out}");
    }

    #[test]
    fn the_stale_line_falls_where_records_turn_stale() {
        let r = sample();
        let st = r.sources.first().and_then(|s| s.staleness.clone());
        let Some(mut st) = st else { panic!("sample has staleness") };
        assert_eq!(stale_position(&st), Some(7.0));
        st.stale_after_seconds = 60 * 86_400;
        assert_eq!(stale_position(&st), Some(4.5));
        st.stale_after_seconds = 4_000 * 86_400;
        assert_eq!(stale_position(&st), Some(9.0));
    }

    #[test]
    fn overlap_chart_draws_in_all_and_unmatched() {
        let mut h = String::new();
        let mut ids = Ids::default();
        overlap_chart("customer<x>", 650, &[("tickets".into(), 700, 50), ("crm".into(), 950, 300)], &mut ids, &mut h);
        assert!(h.contains("<title id=\"c1-t\">Key overlap of customer&lt;x&gt;</title>"));
        assert!(h.contains("crm: unmatched 300 (32%)"));
        assert!(h.contains("<td class=\"n\">300 (32%)</td>"));
    }

    #[test]
    fn share_axis_keeps_small_shares_visible() {
        assert_eq!(share_axis(0.0), 0.05);
        assert_eq!(share_axis(0.075), 0.1);
        assert_eq!(share_axis(0.15), 0.2);
        assert_eq!(share_axis(0.9), 1.0);
    }
}
