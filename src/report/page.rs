//! The page every HTML document preflight writes shares: the stylesheet, the head with its
//! Content-Security-Policy, severity badges, and a chart beside its table. Used by the scan
//! report's page and the history's page.

use std::fmt::Write as _;

use super::escape::esc;
use crate::verdict::Severity;

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

pub(crate) fn figure(caption: &str, svg: &str, table: &str, h: &mut String) {
    let _ = writeln!(
        h,
        "<div class=\"chart\">\n<figure>\n<figcaption>{}</figcaption>\n{svg}\n</figure>\n{table}\n</div>",
        esc(caption)
    );
}

/// The smallest of 5%, 10%, 20%, 50%, 100% that holds `max`: small shares stay visible.
pub(crate) fn share_axis(max: f64) -> f64 {
    [0.05, 0.1, 0.2, 0.5, 1.0].into_iter().find(|&a| max <= a).unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_axis_keeps_small_shares_visible() {
        assert_eq!(share_axis(0.0), 0.05);
        assert_eq!(share_axis(0.075), 0.1);
        assert_eq!(share_axis(0.15), 0.2);
        assert_eq!(share_axis(0.9), 1.0);
    }
}
