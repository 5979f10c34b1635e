//! The HTML report: one self-contained page to attach to an e-mail, open offline and print.
//! Inline CSS and inline SVG charts only: no script, no external font, image or stylesheet, and
//! a Content-Security-Policy that forbids loading or running anything, so the page behaves the
//! same with JavaScript disabled and never touches the network.
//!
//! Charts: record age per timestamp column (the `stale_after` line marked), missing share per
//! column, label classes (rare ones marked) and, when the report carries fragmentation counts,
//! key overlap per entity. Each chart has a `<title>` and `<desc>` for screen readers and a
//! table beside it with the same numbers. Every piece of text from the data goes through `esc`,
//! so a value such as `</script>` or `<svg onload=…>` is shown, never parsed. Lays out the `View`
//! of a report; the charts are in `html/charts.rs`.

use std::fmt::Write as _;
use std::io::{self, Write};

mod charts;

use self::charts::{Ids, age_chart, label_chart, missing_chart, overlap_chart};
use super::Report;
use super::escape::esc;
use super::page::{CSS, badge, page_head, sev_class};
use super::view::{EntityView, Evidence, Phrase, Piece, SourceView, View, location};
use crate::fmt::{clip, count, elapsed, pct, thousands, when};
use crate::verdict::review::Readiness;
use crate::verdict::{Check, Severity};

/// Writes the report as one HTML document.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(&View::new(report)).as_bytes())
}

fn document(v: &View) -> String {
    let r = v.report;
    let mut h = String::new();
    let generator = format!("{} {}", esc(r.tool), esc(r.version));
    let title = format!("{}: {} · data readiness", v.headline.as_str(), esc(&r.profile.name));
    page_head(&mut h, &generator, &title, &[CSS]);
    let mut ids = Ids::default();
    header(v, &mut h);
    h.push_str("<main>\n");
    if let Some(rd) = v.review {
        review(rd, &mut h);
    }
    checklist(v, &mut h);
    ready_rows(v, &mut h);
    findings(v, &mut h);
    for (i, s) in v.sources.iter().enumerate() {
        source(i, s, &mut ids, &mut h);
    }
    for (i, e) in v.entities.iter().enumerate() {
        entity(i, e, &mut ids, &mut h);
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

/// A phrase of the view as HTML: data escaped, code in `<code>`, loud words and risky data
/// in `<strong>`.
pub(crate) fn phrase(p: &Phrase) -> String {
    p.iter()
        .map(|piece| match piece {
            Piece::Words(w) => w.clone(),
            Piece::Data(d) => esc(d),
            Piece::Code(c) => format!("<code>{}</code>", esc(c)),
            Piece::Loud(w) => format!("<strong>{w}</strong>"),
            Piece::Risk(d) => format!("<strong>{}</strong>", esc(d)),
        })
        .collect()
}

fn phrases(ps: &[Phrase]) -> Vec<String> {
    ps.iter().map(phrase).collect()
}

fn header(v: &View, h: &mut String) {
    let r = v.report;
    let _ = writeln!(h, "<header>\n<h1>Data readiness: {}</h1>", esc(&r.profile.name));
    let _ = writeln!(
        h,
        "<p class=\"row\"><strong>Data access: clean, permissioned, current data sources</strong> {}</p>",
        badge(Some(v.headline))
    );
    if let Some(trend) = v.trend {
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

fn checklist(v: &View, h: &mut String) {
    h.push_str("<section id=\"checklist\">\n<h2>Checklist</h2>\n<table>\n<thead><tr><th>Part</th><th>Verdict</th><th>Findings</th><th>Worst finding</th></tr></thead>\n<tbody>\n");
    let _ = writeln!(
        h,
        "<tr><th>Data access</th><td>{}</td><td>{}</td><td></td></tr>",
        badge(v.data_access.severity),
        v.data_access.tally
    );
    for part in &v.parts {
        let check = part.check.unwrap_or(Check::Clean);
        let worst = match part.worst() {
            Some(f) => format!("<code>{}</code>: {}", esc(&location(f)), esc(&clip(&f.message, 120))),
            None => "<span class=\"muted\">no finding in this part</span>".to_string(),
        };
        let findings = if part.findings.is_empty() { "–".to_string() } else { part.tally.clone() };
        let tag = if check == Check::Trend { "th" } else { "td" };
        let _ = writeln!(
            h,
            "<tr><{tag}>{}</{tag}><td>{}</td><td>{findings}</td><td>{worst}</td></tr>",
            if check == Check::Trend { "Trend" } else { check.as_str() },
            badge(part.severity)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn ready_rows(v: &View, h: &mut String) {
    h.push_str("<section id=\"ready\">\n<h2>Ready rows</h2>\n<p>Rows that are complete, labeled (when a label is set) and not stale (when a timestamp is set).</p>\n");
    h.push_str("<table>\n<thead><tr><th>Source</th><th>Kind</th><th class=\"n\">Rows</th><th class=\"n\">Complete</th><th class=\"n\">Ready</th><th class=\"n\">Ready share</th></tr></thead>\n<tbody>\n");
    for row in &v.ready {
        let s = row.source;
        let n = |v: Option<u64>| v.map_or_else(|| "–".to_string(), thousands);
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&s.name),
            esc(&s.kind),
            n(s.rows),
            n(s.complete_rows),
            n(s.ready_rows),
            row.ready.share()
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn findings(v: &View, h: &mut String) {
    let _ = writeln!(
        h,
        "<section id=\"findings\">\n<h2>Findings to act on</h2>\n<p>{}, {}.</p>",
        count(v.fails, "FAIL", "FAILs"),
        count(v.warns, "WARN", "WARNs")
    );
    for row in &v.to_act_on {
        let f = row.finding;
        let _ = writeln!(
            h,
            "<article class=\"finding {}\">\n<h3>{} {} · <code>{}</code></h3>\n<p>{}</p>",
            sev_class(f.severity),
            badge(Some(f.severity)),
            f.check.as_str(),
            esc(&row.location),
            esc(&f.message)
        );
        let mut facts = Vec::new();
        if let Some(v) = &f.value {
            facts.push(format!("<dt>Observed</dt><dd>{}</dd>", esc(v)));
        }
        if let Some(t) = &f.threshold {
            facts.push(format!("<dt>Threshold</dt><dd>{}</dd>", esc(t)));
        }
        if !row.evidence.is_empty() {
            let items: Vec<String> = row.evidence.iter().map(evidence).collect();
            facts.push(format!("<dt>Evidence</dt><dd>{}</dd>", items.join(" · ")));
        }
        facts.push(format!("<dt>Finding</dt><dd><code>{}</code></dd>", esc(&f.id)));
        let _ = writeln!(h, "<dl class=\"facts\">{}</dl>\n</article>", facts.join(""));
    }
    if !v.passed.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Passed checks ({})</h3>\n<table>\n<thead><tr><th>Part</th><th>Where</th><th>Result</th></tr></thead>\n<tbody>",
            v.passed.len()
        );
        for row in &v.passed {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                row.finding.check.as_str(),
                esc(&row.location),
                esc(&row.finding.message)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

/// `line 88 <code>"N/A"</code>`; a null value muted, an entity key alone.
fn evidence(e: &Evidence) -> String {
    let (at, value) = (e.place(), e.shown());
    match e.value {
        Some(_) => format!("{} <code>{}</code>", esc(&at), esc(&value)),
        None if value.is_empty() => esc(&at),
        None => format!("{} <span class=\"muted\">{}</span>", esc(&at), esc(&value)),
    }
}

fn source(i: usize, sv: &SourceView, ids: &mut Ids, h: &mut String) {
    let s = sv.source;
    let _ = writeln!(
        h,
        "<section class=\"source\" id=\"source-{}\">\n<h2>Source <code>{}</code> ({})</h2>",
        i + 1,
        esc(&s.name),
        esc(&s.kind)
    );
    let _ = writeln!(h, "<p>{}</p>", phrases(&sv.facts).join(" · "));
    if let Some(error) = sv.error() {
        let _ = writeln!(
            h,
            "<p>{} {}</p>\n<p class=\"muted\">Its measures are absent; every other source was still scanned.</p>",
            badge(Some(Severity::Fail)),
            esc(error)
        );
    }
    if let Some(st) = &sv.staleness {
        age_chart(&s.name, st, ids, h);
    }
    if !sv.columns.is_empty() {
        missing_chart(sv, ids, h);
    }
    if !s.absent_required.is_empty() {
        let cols: Vec<String> = s.absent_required.iter().map(|c| format!("<code>{}</code>", esc(c))).collect();
        let _ = writeln!(h, "<p><strong>Required columns absent:</strong> {}</p>", cols.join(", "));
    }
    if let Some(l) = &sv.labels {
        label_chart(&s.name, l, ids, h);
    }
    if let (Some(k), Some(line)) = (&s.keys, &sv.key) {
        let _ = writeln!(h, "<h3>Key <code>{}</code></h3>\n<p>{line}</p>", esc(&k.column));
    }
    for (heading, line) in &sv.added {
        let _ = writeln!(h, "<h3>{}</h3>\n<p>{}</p>", esc(heading), phrase(line));
    }
    access(sv, h);
    h.push_str("</section>\n");
}

fn access(sv: &SourceView, h: &mut String) {
    let _ = writeln!(h, "<h3>Access</h3>\n<p>{}</p>", phrases(&sv.access).join(" · "));
    let notes = &sv.source.access.notes;
    if !notes.is_empty() {
        h.push_str("<ul>\n");
        for n in notes {
            let _ = writeln!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>\n");
    }
}

fn entity(i: usize, ev: &EntityView, ids: &mut Ids, h: &mut String) {
    let e = ev.entity;
    let _ = writeln!(
        h,
        "<section class=\"entity\" id=\"entity-{}\">\n<h2>Entity <code>{}</code></h2>",
        i + 1,
        esc(&e.name)
    );
    let systems: Vec<String> =
        ev.systems.iter().map(|s| format!("<code>{}</code> (<code>{}</code>)", esc(s.system), esc(s.key))).collect();
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
            overlap_chart(&e.name, e.in_all, &ev.systems, ids, h);
            h.push_str(
                "<table>\n<thead><tr><th>System</th><th class=\"n\">Duplicated keys</th><th class=\"n\">Missing keys</th><th>Shapes</th></tr></thead>\n<tbody>\n",
            );
            for s in &ev.systems {
                let shapes: Vec<String> = s.shapes.iter().map(|x| format!("<code>{}</code>", esc(x))).collect();
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    esc(s.system),
                    thousands(s.duplicates),
                    thousands(s.missing),
                    shapes.join(" ")
                );
            }
            h.push_str("</tbody>\n</table>\n");
            if !ev.conflicts.is_empty() {
                h.push_str(
                    "<table>\n<thead><tr><th>Compared</th><th class=\"n\">Keys</th><th class=\"n\">Disagree</th><th>Example</th></tr></thead>\n<tbody>\n",
                );
                for (c, share) in &ev.conflicts {
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
                        "<tr><td><code>{}</code> vs <code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{} ({share})</td><td>{ex}</td></tr>",
                        esc(&c.left),
                        esc(&c.right),
                        thousands(c.compared),
                        thousands(c.conflicting)
                    );
                }
                h.push_str("</tbody>\n</table>\n");
            }
        }
    }
    if !ev.findings.is_empty() {
        h.push_str("<ul>\n");
        for f in &ev.findings {
            let _ = writeln!(h, "<li>{} {}</li>", badge(Some(f.severity)), esc(&f.message));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// The go/no-go review: the six rows of the production checklist and the rule's outcome.
fn review(rd: &Readiness, h: &mut String) {
    use crate::verdict::review::{Outcome, RowStatus};
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
    use crate::verdict::{FindingId, Rule, Subject};

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
}
