//! The HTML report's charts, each an inline SVG with a `<title>` and `<desc>` and a table
//! beside it with the same numbers: record age per timestamp column, missing share per column,
//! label classes and key overlap per entity.

use std::fmt::Write as _;

use super::phrase;
use crate::fmt::{clip, pct, thousands};
use crate::measures::StalenessReport;
use crate::report::escape::esc;
use crate::report::page::{badge, figure, share_axis};
use crate::report::view::{LabelsView, SourceView, StalenessView, SystemRow};
use crate::verdict::Severity;

/// Hands out ids for `aria-labelledby`: from a counter, never from the data.
#[derive(Default)]
pub(super) struct Ids(usize);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("c{}", self.0)
    }
}

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

/// Record age per bucket as columns, with a dashed line where records become stale.
pub(super) fn age_chart(source: &str, sv: &StalenessView, ids: &mut Ids, h: &mut String) {
    let st = sv.staleness;
    let _ = writeln!(h, "<h3>Current: <code>{}</code></h3>", esc(&st.column));
    let mut facts = vec![phrase(&sv.newest)];
    facts.extend(sv.newest_past.iter().chain(&sv.oldest).map(phrase));
    if let Some(future) = &sv.future {
        facts.push(format!("{future} (not charted)"));
    }
    facts.extend([&sv.unparseable, &sv.naive_utc].into_iter().flatten().cloned());
    facts.extend(sv.file_modified.iter().map(phrase));
    let _ = writeln!(h, "<p>{}</p>", facts.join(" · "));
    if st.age_histogram.is_empty() {
        return;
    }
    let buckets = &sv.buckets;
    let stale_after = &sv.stale_after;
    let id = ids.next();
    let title = format!("Record age of {source}.{}", st.column);
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
            esc(stale_after)
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
    for (label, n, stale) in buckets {
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
        esc(stale_after),
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

pub(super) fn missing_chart(sv: &SourceView, ids: &mut Ids, h: &mut String) {
    let s = sv.source;
    let _ = writeln!(h, "<h3>Clean: missing values per column</h3>");
    let axis = share_axis(s.columns.iter().map(|c| c.missing_share).fold(0.0, f64::max));
    let bars: Vec<Bar> = sv
        .columns
        .iter()
        .map(|row| {
            let c = row.column;
            let (class, note) = match row.missing_severity {
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
    for row in &sv.columns {
        let c = row.column;
        let pii = c.pii.as_ref().map_or_else(String::new, |p| {
            format!(
                "{} ({}{})",
                esc(&p.kind),
                pct(p.share),
                if p.acknowledged { ", listed" } else { ", <strong>not listed</strong>" }
            )
        });
        let sev = row
            .missing_severity
            .filter(|s| *s != Severity::Pass)
            .map_or_else(String::new, |s| format!(" {}", badge(Some(s))));
        let _ = writeln!(
            table,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}{sev}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{pii}</td></tr>",
            esc(&c.name),
            if c.required { " *" } else { "" },
            esc(&c.ty),
            thousands(c.missing),
            pct(c.missing_share),
            thousands(c.nulls),
            thousands(c.blanks),
            thousands(c.placeholders),
            row.distinct
        );
    }
    table.push_str("</tbody>\n</table>");
    figure("Missing share per column (* required)", &svg, &table, h);
    let suspected: Vec<String> = sv
        .suspected
        .iter()
        .map(|(column, value, n)| {
            format!("<code>{}</code> <code>\"{}\"</code> ×{}", esc(column), esc(value), thousands(*n))
        })
        .collect();
    if !suspected.is_empty() {
        let _ = writeln!(h, "<p>Suspected placeholders: {}</p>", suspected.join(" · "));
    }
}

pub(super) fn label_chart(source: &str, lv: &LabelsView, ids: &mut Ids, h: &mut String) {
    let l = lv.labels;
    let _ = writeln!(
        h,
        "<h3>Labeled: <code>{}</code></h3>\n<p>{}{}</p>",
        esc(&l.column),
        lv.coverage,
        lv.imbalance.as_ref().map_or_else(String::new, |i| format!(" · {i}"))
    );
    if l.classes.is_empty() {
        return;
    }
    let max = l.classes.iter().map(|c| c.1).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = lv
        .classes
        .iter()
        .map(|&(class, n, rare)| Bar {
            label: if rare { format!("\"{class}\" (rare)") } else { format!("\"{class}\"") },
            fraction: n as f64 / max as f64,
            shown: thousands(n),
            class: if rare { "rare" } else { "" },
            note: if rare { "rare" } else { "" },
        })
        .collect();
    let id = ids.next();
    let title = format!("Label classes of {source}.{}", l.column);
    let desc = format!("Rows per class; a rare class has too few examples to learn from. {}.", describe(&bars));
    let svg = hbar_svg(&id, &title, &desc, &bars, &thousands(max));
    let mut table =
        String::from("<table>\n<thead><tr><th>Class</th><th class=\"n\">Rows</th><th></th></tr></thead>\n<tbody>\n");
    for (class, n, rare) in &lv.classes {
        let _ = writeln!(
            table,
            "<tr><td><code>\"{}\"</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(class),
            thousands(*n),
            if *rare { "rare" } else { "" }
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
    for (heading, p) in &lv.added {
        let _ = writeln!(h, "<p>{heading}: {}</p>", super::phrase(p));
    }
}

/// Key overlap of one entity: per system, the distinct keys found in every system and those
/// found in no other.
pub(super) fn overlap_chart(entity: &str, in_all: u64, systems: &[SystemRow], ids: &mut Ids, h: &mut String) {
    let max = systems.iter().map(|s| s.distinct).max().unwrap_or(0).max(1) as f64;
    let mut bars = Vec::new();
    for SystemRow { system: name, unmatched, unmatched_share, .. } in systems {
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
            shown: format!("{} ({unmatched_share})", thousands(*unmatched)),
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
    for SystemRow { system: name, distinct, unmatched, unmatched_share, .. } in systems {
        let _ = writeln!(
            table,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} ({unmatched_share})</td></tr>",
            esc(name),
            thousands(*distinct),
            thousands(in_all),
            thousands(*unmatched)
        );
    }
    table.push_str("</tbody>\n</table>");
    figure("Key overlap per system", &svg, &table, h);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;

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
        let row = |system, distinct, unmatched, unmatched_share: &str| SystemRow {
            system,
            key: "id",
            distinct,
            unmatched,
            unmatched_share: unmatched_share.into(),
            duplicates: 0,
            missing: 0,
            shapes: &[],
        };
        let systems = [row("tickets", 700, 50, "7.1%"), row("crm", 950, 300, "32%")];
        overlap_chart("customer<x>", 650, &systems, &mut ids, &mut h);
        assert!(h.contains("<title id=\"c1-t\">Key overlap of customer&lt;x&gt;</title>"));
        assert!(h.contains("crm: unmatched 300 (32%)"));
        assert!(h.contains("<td class=\"n\">300 (32%)</td>"));
    }
}
