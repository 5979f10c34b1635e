//! What the reports show, resolved once from a `Report`: findings in reading order, checklist
//! tallies, where a finding applies and its evidence, the age histogram's buckets. Renderers
//! read these facts and keep only their layout and escaping.

use crate::stats::{Example, Locator};

use super::fmt::thousands;
use super::{Finding, Report, Severity, StalenessReport};

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


#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;

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
