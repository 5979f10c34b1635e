//! `preflight history` as one self-contained HTML page: per profile, SVG line charts of the
//! verdict and of the main measures over the stored scans (rows, ready share, stale share,
//! label coverage, largest missing share, and unmatched keys per entity once measured), one line
//! per source. The same rules as the scan report's page (`report::html`): inline CSS and SVG
//! only, no script, a Content-Security-Policy that loads nothing, every chart with a `<title>`
//! and `<desc>` and a table of the same numbers beside it, and every text from the data escaped.
//!
//! Time runs left to right in proportion to the scans' as-of times, so a gap of missed nights
//! shows as a gap. A value a scan did not measure (a source that could not be read) breaks the
//! line rather than being drawn as zero.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{HistoryReport, ScanRecord, direction};
use crate::fmt::{count, pct, thousands, when};
use crate::report::escape::esc;
use crate::report::page::{CSS, badge, figure, page_head, sev_class, share_axis};
use crate::verdict::Severity;

pub fn render(h: &HistoryReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(h).as_bytes())
}

/// Line colours and dash patterns: a line is told apart by its dashes as well as its colour.
const LINES_CSS: &str = r#"
svg .grid { stroke: var(--line); stroke-width: 1; }
svg polyline.series, svg line.series { fill: none; stroke-width: 2; }
svg .s0 { stroke: #4a6fa5; fill: #4a6fa5; } svg .s1 { stroke: #b3261e; fill: #b3261e; stroke-dasharray: 7 3; }
svg .s2 { stroke: #1a7f37; fill: #1a7f37; stroke-dasharray: 2 3; } svg .s3 { stroke: #8250df; fill: #8250df; stroke-dasharray: 10 3 2 3; }
svg .s4 { stroke: #9a6700; fill: #9a6700; stroke-dasharray: 4 4; } svg .s5 { stroke: #57606a; fill: #57606a; stroke-dasharray: 1 2; }
svg circle { stroke-dasharray: none; }
svg .step { fill: none; stroke: var(--muted); stroke-width: 1.5; }
svg .pt.pass { fill: var(--pass); } svg .pt.warn { fill: var(--warn); } svg .pt.fail { fill: var(--fail); }
"#;

fn document(h: &HistoryReport) -> String {
    let profiles = h.profiles();
    let mut out = String::new();
    let names: Vec<String> = profiles.iter().map(|p| esc(p)).collect();
    let generator = format!("preflight {}", esc(env!("CARGO_PKG_VERSION")));
    let title = format!("Data readiness history: {}", names.join(", "));
    page_head(&mut out, &generator, &title, &[CSS, LINES_CSS]);
    out.push_str("<header>\n<h1>Data readiness history</h1>\n<dl class=\"facts\">\n");
    let _ = writeln!(out, "<dt>History</dt><dd><code>{}</code></dd>", esc(&h.history));
    let _ = writeln!(
        out,
        "<dt>Scans</dt><dd>{} of {} profile(s)</dd>\n</dl>\n</header>\n<main>",
        thousands(h.scans.len() as u64),
        profiles.len()
    );
    if h.scans.is_empty() {
        out.push_str("<p>No scan stored yet: <code>preflight scan PROFILE --history PATH</code> adds one.</p>\n");
    }
    let mut ids = 0usize;
    for (i, p) in profiles.iter().enumerate() {
        profile(i, p, &h.of(p), &mut ids, &mut out);
    }
    let _ = writeln!(
        out,
        "</main>\n<footer>preflight {} · the same history as JSON: <code>preflight history --format json</code></footer>\n</body>\n</html>",
        esc(env!("CARGO_PKG_VERSION"))
    );
    out
}

/// One measure over the scans: a value per scan, `None` where the scan did not measure it.
struct Series {
    name: String,
    values: Vec<Option<f64>>,
}

#[derive(Clone, Copy)]
enum Axis {
    /// Shares, from 0 to the smallest of 5%, 10%, 20%, 50%, 100% that holds them all.
    Share(f64),
    /// Counts, from 0 to a round number.
    Count(f64),
}

impl Axis {
    fn top(self) -> f64 {
        match self {
            Axis::Share(t) | Axis::Count(t) => t,
        }
    }

    fn label(self, v: f64) -> String {
        match self {
            Axis::Share(_) => pct(v),
            Axis::Count(_) => thousands(v.round().max(0.0) as u64),
        }
    }
}

/// The smallest of 1, 2, 5 times a power of ten that is at least `max`.
fn count_axis(max: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if max <= m * step {
                return m * step;
            }
        }
        step *= 10.0;
        if step > 1e18 {
            return max;
        }
    }
}

fn profile(i: usize, name: &str, scans: &[&ScanRecord], ids: &mut usize, h: &mut String) {
    let (Some(first), Some(last)) = (scans.first(), scans.last()) else { return };
    let _ = writeln!(
        h,
        "<section class=\"profile\" id=\"profile-{}\">\n<h2>Profile <code>{}</code></h2>",
        i + 1,
        esc(name)
    );
    let verdicts: Vec<Severity> = scans.iter().map(|s| s.verdict).collect();
    let _ = writeln!(
        h,
        "<p>{} from {} to {}. Latest verdict {}; over time: {}.</p>",
        count(scans.len() as u64, "scan", "scans"),
        esc(&when(&first.as_of)),
        esc(&when(&last.as_of)),
        badge(Some(last.verdict)),
        esc(&direction(&verdicts))
    );
    verdict_chart(name, scans, ids, h);

    let sources = super::source_names(scans);
    let per_source = |read: &dyn Fn(&super::SourceRecord) -> Option<f64>| -> Vec<Series> {
        sources
            .iter()
            .map(|&src| Series {
                name: src.to_string(),
                values: scans.iter().map(|s| s.source(src).filter(|x| x.is_ok()).and_then(read)).collect(),
            })
            .filter(|s| s.values.iter().any(Option::is_some))
            .collect()
    };
    let charts: [(&str, &str, Vec<Series>, bool); 5] = [
        ("Rows", "Rows per source at each scan", per_source(&|x| x.rows.map(|r| r as f64)), false),
        ("Ready share", "Share of rows that are complete, labeled and not stale", per_source(&|x| x.ready_share), true),
        ("Stale share", "Share of rows older than `stale_after`", per_source(&|x| x.stale_share), true),
        ("Label coverage", "Share of rows with a label", per_source(&|x| x.coverage), true),
        (
            "Largest missing share",
            "Missing share of the most-missing required column",
            per_source(&|x| x.missing_share),
            true,
        ),
    ];
    for (title, what, series, share) in charts {
        if series.is_empty() {
            continue;
        }
        line_chart(name, title, what, scans, &series, share, ids, h);
    }
    let pairs = super::entity_systems(scans);
    if !pairs.is_empty() {
        let series: Vec<Series> = pairs
            .iter()
            .map(|(e, system)| Series {
                name: format!("{e}.{system}"),
                values: scans
                    .iter()
                    .map(|s| s.entity(e).and_then(|x| x.unmatched_share.get(*system)).copied())
                    .collect(),
            })
            .collect();
        let what = "Share of a system's keys found in no other system, per entity";
        line_chart(name, "Unmatched keys", what, scans, &series, true, ids, h);
    }
    h.push_str("</section>\n");
}

// Chart geometry, in SVG user units.
const WIDTH: f64 = 640.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = WIDTH - 20.0;
const TOP: f64 = 16.0;
const PLOT_H: f64 = 150.0;
const LEGEND_PER_ROW: usize = 4;

/// The x of each scan: proportional to its as-of time; one scan sits in the middle.
fn xs(scans: &[&ScanRecord]) -> Vec<f64> {
    let t0 = scans.first().map_or(0, |s| s.as_of_micros);
    let t1 = scans.last().map_or(0, |s| s.as_of_micros);
    scans
        .iter()
        .map(|s| {
            if t1 <= t0 {
                (LEFT + RIGHT) / 2.0
            } else {
                LEFT + (s.as_of_micros - t0) as f64 / (t1 - t0) as f64 * (RIGHT - LEFT)
            }
        })
        .collect()
}

fn svg_open(id: &str, title: &str, desc: &str, height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\" width=\"{WIDTH:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH:.0} {height:.0}\">\n<title id=\"{id}-t\">{}</title>\n<desc id=\"{id}-d\">{}</desc>\n",
        esc(title),
        esc(desc)
    )
}

/// The date under the first and the last scan.
fn time_labels(scans: &[&ScanRecord], xs: &[f64], base: f64, s: &mut String) {
    let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
    if let (Some(f), Some(x0)) = (scans.first(), xs.first()) {
        let anchor = if scans.len() == 1 { "middle" } else { "start" };
        let _ = writeln!(
            s,
            "<text x=\"{x0:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            base + 16.0,
            esc(&day(&f.as_of))
        );
    }
    if scans.len() > 1
        && let (Some(l), Some(x1)) = (scans.last(), xs.last())
    {
        let _ = writeln!(
            s,
            "<text x=\"{x1:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            base + 16.0,
            esc(&day(&l.as_of))
        );
    }
}

fn next_id(ids: &mut usize) -> String {
    *ids += 1;
    format!("h{ids}")
}

/// The verdict of each scan on three levels (PASS at the bottom, FAIL at the top), joined by
/// steps: a verdict holds until the next scan.
fn verdict_chart(profile: &str, scans: &[&ScanRecord], ids: &mut usize, h: &mut String) {
    let id = next_id(ids);
    let levels = [Severity::Pass, Severity::Warn, Severity::Fail];
    let y = |sev: Severity| {
        let i = levels.iter().position(|l| *l == sev).unwrap_or(0) as f64;
        TOP + PLOT_H - 10.0 - i * (PLOT_H - 20.0) / 2.0
    };
    let count = |sev: Severity| scans.iter().filter(|s| s.verdict == sev).count();
    let (Some(first), Some(last)) = (scans.first(), scans.last()) else { return };
    let desc = format!(
        "{} scans: {} PASS, {} WARN, {} FAIL; first {} on {}, latest {} on {}.",
        scans.len(),
        count(Severity::Pass),
        count(Severity::Warn),
        count(Severity::Fail),
        first.verdict.as_str(),
        when(&first.as_of),
        last.verdict.as_str(),
        when(&last.as_of)
    );
    let height = TOP + PLOT_H + 28.0;
    let mut svg = svg_open(&id, &format!("Verdict of {profile} per scan"), &desc, height);
    for l in levels {
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT:.1}\" y1=\"{0:.1}\" x2=\"{RIGHT:.1}\" y2=\"{0:.1}\"/>\n<text x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
            y(l),
            LEFT - 8.0,
            y(l) + 4.0,
            l.as_str()
        );
    }
    let x = xs(scans);
    let mut path = String::new();
    for (i, (s, xi)) in scans.iter().zip(&x).enumerate() {
        let yi = y(s.verdict);
        if i == 0 {
            let _ = write!(path, "M{xi:.1},{yi:.1}");
        } else {
            let _ = write!(path, " H{xi:.1} V{yi:.1}");
        }
    }
    let _ = writeln!(svg, "<path class=\"step\" d=\"{path}\"/>");
    for (s, xi) in scans.iter().zip(&x) {
        let _ = writeln!(
            svg,
            "<circle class=\"pt {}\" cx=\"{xi:.1}\" cy=\"{:.1}\" r=\"4\"/>",
            sev_class(s.verdict),
            y(s.verdict)
        );
    }
    time_labels(scans, &x, TOP + PLOT_H, &mut svg);
    svg.push_str("</svg>");
    let mut table = String::from(
        "<table>\n<thead><tr><th>As of</th><th>Verdict</th><th>Data access</th><th>Trend</th><th class=\"n\">FAIL</th><th class=\"n\">WARN</th></tr></thead>\n<tbody>\n",
    );
    for s in scans {
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&when(&s.as_of)),
            badge(Some(s.verdict)),
            badge(s.checklist.get("data_access")),
            badge(s.checklist.get("trend")),
            s.findings.fail,
            s.findings.warn
        );
    }
    table.push_str("</tbody>\n</table>");
    let _ = writeln!(h, "<h3>Verdict</h3>");
    figure("Verdict per scan", &svg, &table, h);
}

#[allow(clippy::too_many_arguments)]
fn line_chart(
    profile: &str,
    title: &str,
    what: &str,
    scans: &[&ScanRecord],
    series: &[Series],
    share: bool,
    ids: &mut usize,
    h: &mut String,
) {
    let max = series.iter().flat_map(|s| s.values.iter().flatten()).fold(0.0_f64, |a, &b| a.max(b));
    let axis = if share { Axis::Share(share_axis(max)) } else { Axis::Count(count_axis(max.max(1.0))) };
    let id = next_id(ids);
    let y = |v: f64| TOP + PLOT_H - (v / axis.top()).clamp(0.0, 1.0) * PLOT_H;
    let legend_rows = series.len().div_ceil(LEGEND_PER_ROW) as f64;
    let height = TOP + PLOT_H + 30.0 + legend_rows * 18.0;
    let parts: Vec<String> = series.iter().map(|s| describe(s, scans, axis)).collect();
    let desc = format!("{what}. {}", parts.join("; "));
    let mut svg = svg_open(&id, &format!("{title} of {profile} per scan"), &desc, height);
    for frac in [0.0, 0.5, 1.0] {
        let v = axis.top() * frac;
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT:.1}\" y1=\"{0:.1}\" x2=\"{RIGHT:.1}\" y2=\"{0:.1}\"/>\n<text x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
            y(v),
            LEFT - 8.0,
            y(v) + 4.0,
            esc(&axis.label(v))
        );
    }
    let x = xs(scans);
    for (i, s) in series.iter().enumerate() {
        let class = format!("s{}", i % 6);
        // A scan that did not measure the value ends one line and starts the next.
        let mut run: Vec<String> = Vec::new();
        let flush = |run: &mut Vec<String>, svg: &mut String| {
            if run.len() > 1 {
                let _ = writeln!(svg, "<polyline class=\"series {class}\" points=\"{}\"/>", run.join(" "));
            }
            run.clear();
        };
        for (v, xi) in s.values.iter().zip(&x) {
            match v {
                Some(v) => {
                    run.push(format!("{xi:.1},{:.1}", y(*v)));
                    let _ = writeln!(svg, "<circle class=\"{class}\" cx=\"{xi:.1}\" cy=\"{:.1}\" r=\"3\"/>", y(*v));
                }
                None => flush(&mut run, &mut svg),
            }
        }
        flush(&mut run, &mut svg);
    }
    time_labels(scans, &x, TOP + PLOT_H, &mut svg);
    for (i, s) in series.iter().enumerate() {
        let lx = LEFT + (i % LEGEND_PER_ROW) as f64 * 140.0;
        let ly = TOP + PLOT_H + 40.0 + (i / LEGEND_PER_ROW) as f64 * 18.0;
        let _ = writeln!(
            svg,
            "<line class=\"series s{0}\" x1=\"{lx:.1}\" y1=\"{1:.1}\" x2=\"{2:.1}\" y2=\"{1:.1}\"/>\n<text x=\"{3:.1}\" y=\"{4:.1}\">{5}</text>",
            i % 6,
            ly - 4.0,
            lx + 24.0,
            lx + 30.0,
            ly,
            esc(&clip(&s.name, 18))
        );
    }
    svg.push_str("</svg>");
    let mut table = String::from("<table>\n<thead><tr><th>As of</th>");
    for s in series {
        let _ = write!(table, "<th class=\"n\">{}</th>", esc(&s.name));
    }
    table.push_str("</tr></thead>\n<tbody>\n");
    for (j, scan) in scans.iter().enumerate() {
        let _ = write!(table, "<tr><td>{}</td>", esc(&when(&scan.as_of)));
        for s in series {
            let cell = match s.values.get(j).copied().flatten() {
                Some(v) => esc(&axis.label(v)),
                None => "<span class=\"muted\">–</span>".to_string(),
            };
            let _ = write!(table, "<td class=\"n\">{cell}</td>");
        }
        table.push_str("</tr>\n");
    }
    table.push_str("</tbody>\n</table>");
    let _ = writeln!(h, "<h3>{}</h3>", esc(title));
    figure(&format!("{title} per scan"), &svg, &table, h);
}

/// The text alternative of one line: where it starts and ends, its lowest and highest point.
fn describe(s: &Series, scans: &[&ScanRecord], axis: Axis) -> String {
    let points: Vec<(f64, &str)> =
        s.values.iter().zip(scans).filter_map(|(v, sc)| v.map(|v| (v, sc.as_of.as_str()))).collect();
    let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return format!("{}: not measured", s.name);
    };
    let low = points.iter().copied().fold(*first, |a, b| if b.0 < a.0 { b } else { a });
    let high = points.iter().copied().fold(*first, |a, b| if b.0 > a.0 { b } else { a });
    format!(
        "{}: from {} on {} to {} on {}, lowest {} on {}, highest {} on {}",
        s.name,
        axis.label(first.0),
        day(first.1),
        axis.label(last.0),
        day(last.1),
        axis.label(low.0),
        day(low.1),
        axis.label(high.0),
        day(high.1)
    )
}

fn clip(s: &str, max: usize) -> String {
    crate::fmt::clip(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::history::sample;

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(document(&sample()));
    }

    #[test]
    fn self_contained_and_without_script() {
        let out = document(&sample());
        let lower = out.to_lowercase();
        for banned in ["<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=", "javascript:"] {
            assert!(!lower.contains(banned), "{banned}");
        }
        assert!(out.contains("default-src 'none'"));
    }

    #[test]
    fn every_chart_is_named_described_and_has_a_table() {
        let out = document(&sample());
        let svgs: Vec<&str> = out.split("<svg ").skip(1).collect();
        // Verdict, rows, ready, stale, coverage, missing.
        assert_eq!(svgs.len(), 6);
        for svg in &svgs {
            let head = svg.split('>').next().unwrap_or_default();
            assert!(head.contains("role=\"img\"") && head.contains("aria-labelledby="), "{head}");
            assert!(svg.contains("<title id=") && svg.contains("<desc id="), "{head}");
        }
        assert_eq!(out.matches("</figure>\n<table>").count(), 6);
        assert!(out.contains("<title id=\"h2-t\">Rows of support-deflection per scan</title>"));
        assert!(out.contains("orders: from 1,200 on 2025-01-06 to 1,180 on 2025-01-10, lowest 700 on 2025-01-09"));
    }

    #[test]
    fn a_source_that_failed_breaks_its_line() {
        let out = document(&sample());
        // kb could not be read on the 8th: its rows are drawn as two runs, 6th–7th and 9th–10th.
        let rows = out.split("<h3>Rows</h3>").nth(1).and_then(|s| s.split("</svg>").next()).unwrap_or_default();
        assert_eq!(rows.matches("<polyline class=\"series s1\"").count(), 2, "{rows}");
        assert_eq!(rows.matches("<polyline class=\"series s0\"").count(), 1);
    }

    #[test]
    fn data_text_is_inert() {
        let mut h = sample();
        let evil = "</title><script>alert(1)</script>";
        for s in &mut h.scans {
            s.profile.name = evil.into();
            for src in &mut s.sources {
                src.name = evil.into();
            }
        }
        let out = document(&h);
        assert!(!out.to_lowercase().contains("<script"), "a script tag got through");
    }

    #[test]
    fn axes_are_round() {
        assert_eq!(count_axis(1.0), 1.0);
        assert_eq!(count_axis(1_210.0), 2_000.0);
        assert_eq!(count_axis(40.0), 50.0);
        assert_eq!(count_axis(101.0), 200.0);
    }
}
