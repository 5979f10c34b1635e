//! The regression rules: judges one scan against the earlier scans of its profile and returns
//! findings of check `trend`. Pure: reads two `ScanRecord` lists, does no I/O.
//!
//! Two kinds of comparison, because they answer different questions:
//! - against the **previous scan** that measured the source: did the row count jump or fall
//!   (`max_row_change`), did a column appear, disappear or change type (`max_schema_changes`)?
//!   One earlier scan is enough.
//! - against a **baseline**, the median of the last `baseline_scans` earlier scans that
//!   measured the value: did the missing share of a required column, the stale share, the label
//!   coverage or an entity's unmatched share move the wrong way by more than its threshold? A
//!   median ignores one bad night in the baseline; below `min_history` earlier values the
//!   finding is a PASS that says there is not enough history yet.
//!
//! Only the worsening direction is judged: a share that improves is reported, never flagged.

use crate::fmt::{count, thousands, when};
use crate::measures::rules::{crossed, limit_text, pct};
use crate::profile::{Limit, TrendSettings};
use crate::report::history::{ColumnRecord, ScanRecord};
use crate::verdict::at_most;
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};

/// The documentation `preflight explain trend` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("trend.md");

/// Every trend finding for `current`, judged against `past`: the earlier scans of the same
/// profile, oldest first, the current scan not among them. `history` names the file in messages.
pub fn evaluate(current: &ScanRecord, past: &[ScanRecord], s: &TrendSettings, history: &str) -> Vec<Finding> {
    let mut out = vec![overview(current, past, s, history)];
    for src in current.sources.iter().filter(|x| x.is_ok()) {
        let name = src.name.as_str();
        if let Some(rows) = src.rows {
            out.push(row_change(name, rows, past, &s.max_row_change));
        }
        if let Some(cols) = &src.columns {
            out.push(schema_drift(name, cols, past, &s.max_schema_changes));
        }
        for c in src.columns.iter().flatten().filter(|c| c.required) {
            let history = baseline(past, s, |p| {
                p.source(name).filter(|x| x.is_ok()).and_then(|x| x.column(&c.name)).map(|c| c.missing_share)
            });
            out.push(judge(
                Moved {
                    id: FindingId::new(Rule::TrendMaxMissingShareRise, Subject::column(name, &c.name)),
                    source: name,
                    column: Some(&c.name),
                    what: format!("missing share of `{}`", c.name),
                    current: c.missing_share,
                    lower_is_worse: false,
                },
                &history,
                s,
                &s.max_missing_share_rise,
            ));
        }
        if let Some(stale) = src.stale_share {
            let history = baseline(past, s, |p| p.source(name).filter(|x| x.is_ok()).and_then(|x| x.stale_share));
            out.push(judge(
                Moved {
                    id: FindingId::new(Rule::TrendMaxStaleShareRise, Subject::source(name)),
                    source: name,
                    column: None,
                    what: "stale share".into(),
                    current: stale,
                    lower_is_worse: false,
                },
                &history,
                s,
                &s.max_stale_share_rise,
            ));
        }
        if let Some(coverage) = src.coverage {
            let history = baseline(past, s, |p| p.source(name).filter(|x| x.is_ok()).and_then(|x| x.coverage));
            out.push(judge(
                Moved {
                    id: FindingId::new(Rule::TrendMaxCoverageDrop, Subject::source(name)),
                    source: name,
                    column: None,
                    what: "label coverage".into(),
                    current: coverage,
                    lower_is_worse: true,
                },
                &history,
                s,
                &s.max_coverage_drop,
            ));
        }
    }
    for e in &current.entities {
        for (system, &share) in &e.unmatched_share {
            let history =
                baseline(past, s, |p| p.entity(&e.name).and_then(|pe| pe.unmatched_share.get(system)).copied());
            out.push(judge(
                Moved {
                    id: FindingId::new(Rule::TrendMaxUnmatchedShareRise, Subject::system(&e.name, system)),
                    source: &e.name,
                    column: Some(system),
                    what: format!("share of `{system}` keys found in no other system"),
                    current: share,
                    lower_is_worse: false,
                },
                &history,
                s,
                &s.max_unmatched_share_rise,
            ));
        }
    }
    out
}

fn finding(id: FindingId, severity: Severity, source: Option<&str>, column: Option<&str>) -> Finding {
    Finding::new(id, Check::Trend, severity, source, column)
}

/// What the scan was compared with: always present, so a report says where its trend came from
/// and, on the first scans, that there is not enough history yet.
fn overview(current: &ScanRecord, past: &[ScanRecord], s: &TrendSettings, history: &str) -> Finding {
    let mut f = finding(FindingId::new(Rule::TrendHistory, Subject::Scan), Severity::Pass, None, None);
    let n = past.len() as u64;
    let profile = &current.profile.name;
    f.value = Some(count(n, "earlier scan", "earlier scans"));
    f.threshold = Some(format!("min_history {}", s.min_history));
    f.message = match past.last() {
        None => format!(
            "no earlier scan of `{profile}` in `{history}`: this scan starts its history; row counts and columns \
             are compared from the next scan on, shares once {} earlier scans exist (`[trend] min_history`)",
            s.min_history
        ),
        Some(prev) => {
            let mut m = format!(
                "compared with {} of `{profile}` in `{history}`, the previous of {}",
                count(n, "earlier scan", "earlier scans"),
                when(&prev.as_of)
            );
            if n < s.min_history {
                m.push_str(&format!(
                    "; not enough history yet for the baseline: {n} of the {} earlier scans it needs \
                     (`[trend] min_history`)",
                    s.min_history
                ));
            } else {
                m.push_str(&format!(
                    "; shares are compared with the median of the last {}",
                    count(n.min(s.baseline_scans), "scan", "scans")
                ));
            }
            m
        }
    };
    f
}

/// The row count against the previous scan that measured the source.
fn row_change(name: &str, rows: u64, past: &[ScanRecord], limit: &Limit<f64>) -> Finding {
    let mut f =
        finding(FindingId::new(Rule::TrendMaxRowChange, Subject::source(name)), Severity::Pass, Some(name), None);
    f.threshold = limit_text(limit, pct);
    let prev =
        past.iter().rev().find_map(|p| p.source(name).filter(|x| x.is_ok()).and_then(|x| x.rows).map(|r| (p, r)));
    let Some((prev, before)) = prev else {
        f.value = Some(thousands(rows));
        f.message = format!("first scan of `{name}` in the history: no earlier row count to compare with");
        return f;
    };
    let since = when(&prev.as_of);
    if before == 0 {
        f.value = Some(thousands(rows));
        f.message = if rows == 0 {
            format!("no rows, as in the scan of {since}")
        } else {
            format!("{} rows; the scan of {since} had none, so the change is not judged", thousands(rows))
        };
        return f;
    }
    let change = round4((rows as f64 - before as f64) / before as f64);
    f.severity = at_most(change.abs(), limit);
    f.value = Some(format!("{}{}", sign(change), pct(change.abs())));
    let how = if rows == before {
        "unchanged".to_string()
    } else if rows < before {
        format!("fell {}", pct(change.abs()))
    } else {
        format!("grew {}", pct(change.abs()))
    };
    f.message = format!(
        "rows {how} since the scan of {since}: {} → {}{}",
        thousands(before),
        thousands(rows),
        crossed(f.severity, limit, pct, "above")
    );
    f
}

/// Columns added, removed or retyped since the previous scan that recorded the source's columns.
fn schema_drift(name: &str, cols: &[ColumnRecord], past: &[ScanRecord], limit: &Limit<u64>) -> Finding {
    let mut f =
        finding(FindingId::new(Rule::TrendMaxSchemaChanges, Subject::source(name)), Severity::Pass, Some(name), None);
    f.threshold = limit_text(limit, |n| n.to_string());
    let prev = past
        .iter()
        .rev()
        .find_map(|p| p.source(name).filter(|x| x.is_ok()).and_then(|x| x.columns.as_ref()).map(|c| (p, c)));
    let Some((prev, before)) = prev else {
        f.value = Some(format!("{} columns", cols.len()));
        f.message = format!("no earlier column list of `{name}` in the history to compare with");
        return f;
    };
    // The first column of a name counts: a duplicated CSV header is its own finding.
    let first = |list: &[ColumnRecord], n: &str| list.iter().find(|c| c.name == n).map(|c| c.ty.clone());
    let mut changes = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for c in before {
        if seen.contains(&c.name.as_str()) {
            continue;
        }
        seen.push(&c.name);
        match first(cols, &c.name) {
            None => changes.push(format!("`{}` removed", c.name)),
            Some(ty) if ty != c.ty => changes.push(format!("`{}` changed type from {} to {ty}", c.name, c.ty)),
            Some(_) => {}
        }
    }
    for c in cols {
        if !seen.contains(&c.name.as_str()) {
            seen.push(&c.name);
            changes.push(format!("`{}` added ({})", c.name, c.ty));
        }
    }
    let n = changes.len() as u64;
    f.severity = at_most(n, limit);
    f.value = Some(n.to_string());
    let since = when(&prev.as_of);
    f.message = if n == 0 {
        format!("the same {} columns and types as the scan of {since}", cols.len())
    } else {
        format!(
            "{n} column change(s) since the scan of {since}: {}{}",
            changes.join(", "),
            crossed(f.severity, limit, |x| x.to_string(), "above")
        )
    };
    f
}

/// The values of one measure in the last `baseline_scans` earlier scans that have it, most
/// recent first.
fn baseline(past: &[ScanRecord], s: &TrendSettings, value: impl Fn(&ScanRecord) -> Option<f64>) -> Vec<f64> {
    let take = usize::try_from(s.baseline_scans).unwrap_or(usize::MAX);
    past.iter().rev().filter_map(value).take(take).collect()
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    match v.len() {
        0 => None,
        n if n % 2 == 1 => v.get(mid).copied(),
        _ => Some((v.get(mid - 1)? + v.get(mid)?) / 2.0),
    }
}

/// Shares are stored to four decimals; a movement is rounded alike, so that 0.05 − 0.03 is
/// exactly a threshold of 0.02 rather than just above it.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A share as points: `2 points`, `2.5 points`.
fn points(x: f64) -> String {
    let p = x.abs() * 100.0;
    let n = if (p - p.round()).abs() < 0.05 { format!("{p:.0}") } else { format!("{p:.1}") };
    if n == "1" { "1 point".into() } else { format!("{n} points") }
}

/// One share judged against its baseline.
struct Moved<'a> {
    id: FindingId,
    source: &'a str,
    column: Option<&'a str>,
    /// `missing share of \`body\``: what moved, for the message.
    what: String,
    current: f64,
    /// Label coverage: a drop is the regression. Otherwise a rise is.
    lower_is_worse: bool,
}

fn judge(m: Moved<'_>, history: &[f64], s: &TrendSettings, limit: &Limit<f64>) -> Finding {
    let mut f = finding(m.id, Severity::Pass, Some(m.source), m.column);
    let worse = if m.lower_is_worse { "-" } else { "+" };
    let show = |x: f64| format!("{worse}{}", points(x));
    f.threshold = limit_text(limit, show);
    let n = history.len() as u64;
    let Some(base) = median(history).filter(|_| n >= s.min_history) else {
        f.value = Some(pct(m.current));
        f.message = format!(
            "{} is {}; not enough history yet: {} measured it, the baseline needs {} (`[trend] min_history`)",
            m.what,
            pct(m.current),
            count(n, "earlier scan", "earlier scans"),
            s.min_history
        );
        return f;
    };
    let moved = round4(m.current - base);
    let toward_worse = if m.lower_is_worse { -moved } else { moved };
    f.severity = at_most(toward_worse, limit);
    f.value = Some(if moved == 0.0 { "±0 points".into() } else { format!("{}{}", sign(moved), points(moved)) });
    let of = format!("its baseline of {} (median of the last {})", pct(base), count(n, "scan", "scans"));
    let direction = if moved == 0.0 {
        format!("the same as {of}")
    } else if moved > 0.0 {
        format!("up {} on {of}", points(moved))
    } else {
        format!("down {} on {of}", points(moved))
    };
    let word = if m.lower_is_worse { "beyond" } else { "above" };
    let judged = if toward_worse > 0.0 { crossed(f.severity, limit, show, word) } else { String::new() };
    f.message = format!("{} is {}, {direction}{judged}", m.what, pct(m.current));
    f
}

fn sign(x: f64) -> &'static str {
    if x < 0.0 { "-" } else { "+" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::history::{EntityRecord, Parts, ProfileRef, SourceRecord, Tally};

    fn column(name: &str, ty: &str, missing_share: f64) -> ColumnRecord {
        ColumnRecord { name: name.into(), ty: ty.into(), required: true, missing: 0, missing_share, distinct: None }
    }

    /// One scan of source `t` on day `day` of January 2025.
    fn scan(
        day: u32,
        rows: u64,
        missing: f64,
        stale: f64,
        coverage: f64,
        cols: Option<Vec<ColumnRecord>>,
    ) -> ScanRecord {
        let as_of = format!("2025-01-{day:02}T10:00:00Z");
        ScanRecord {
            id: None,
            as_of_micros: crate::stats::timestamp::parse_timestamp(&as_of).map_or(0, |p| p.micros),
            as_of,
            profile: ProfileRef { name: "p".into(), path: None },
            tool_version: None,
            duration_ms: None,
            verdict: Severity::Pass,
            checklist: Parts::default(),
            findings: Tally::default(),
            sources: vec![SourceRecord {
                name: "t".into(),
                kind: Some("csv".into()),
                status: "ok".into(),
                rows: Some(rows),
                ready_rows: None,
                ready_share: None,
                age_seconds: None,
                stale_rows: None,
                stale_share: Some(stale),
                labeled: None,
                coverage: Some(coverage),
                missing_share: Some(missing),
                missing_column: None,
                columns: Some(
                    cols.unwrap_or_else(|| vec![column("id", "integer", 0.0), column("body", "string", missing)]),
                ),
            }],
            entities: Vec::new(),
        }
    }

    fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
        f.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding {id} in {f:#?}"))
    }

    fn steady(days: std::ops::RangeInclusive<u32>) -> Vec<ScanRecord> {
        days.map(|d| scan(d, 100, 0.02, 0.1, 0.9, None)).collect()
    }

    #[test]
    fn the_first_scan_says_it_starts_the_history() {
        let f = evaluate(&scan(10, 100, 0.02, 0.1, 0.9, None), &[], &TrendSettings::default(), "h.db");
        let o = get(&f, "trend.history");
        assert_eq!(o.severity, Severity::Pass);
        assert!(
            o.message.starts_with("no earlier scan of `p` in `h.db`: this scan starts its history"),
            "{}",
            o.message
        );
        assert!(get(&f, "trend.max_row_change.t").message.starts_with("first scan of `t`"));
        assert!(get(&f, "trend.max_schema_changes.t").message.starts_with("no earlier column list"));
        let m = get(&f, "trend.max_missing_share_rise.t.body");
        assert_eq!(m.severity, Severity::Pass);
        assert!(
            m.message.contains("not enough history yet: 0 earlier scans measured it, the baseline needs 3"),
            "{}",
            m.message
        );
        assert!(f.iter().all(|f| f.check == Check::Trend && f.severity == Severity::Pass));
    }

    #[test]
    fn rows_are_judged_against_the_previous_scan_in_both_directions() {
        let s = TrendSettings::default();
        let past = steady(1..=2);
        let cases = [
            (100, Severity::Pass, "+0%"),
            (85, Severity::Pass, "-15%"),
            (70, Severity::Warn, "-30%"),
            (40, Severity::Fail, "-60%"),
            (130, Severity::Warn, "+30%"),
            (300, Severity::Fail, "+200%"),
        ];
        for (rows, sev, value) in cases {
            let f = evaluate(&scan(3, rows, 0.02, 0.1, 0.9, None), &past, &s, "h");
            let r = get(&f, "trend.max_row_change.t");
            assert_eq!((r.severity, r.value.as_deref()), (sev, Some(value)), "{rows}: {}", r.message);
        }
        let f = evaluate(&scan(3, 40, 0.02, 0.1, 0.9, None), &past, &s, "h");
        assert_eq!(
            get(&f, "trend.max_row_change.t").message,
            "rows fell 60% since the scan of 2025-01-02 10:00 UTC: 100 → 40 (fail above 50%)"
        );
        // Exactly at the threshold is still within it.
        let f = evaluate(&scan(3, 80, 0.02, 0.1, 0.9, None), &past, &s, "h");
        assert_eq!(get(&f, "trend.max_row_change.t").severity, Severity::Pass);
    }

    #[test]
    fn schema_drift_lists_added_removed_and_retyped_columns() {
        let before =
            vec![column("id", "integer", 0.0), column("body", "string", 0.0), column("amount", "integer", 0.0)];
        let after = vec![column("id", "string", 0.0), column("body", "string", 0.0), column("channel", "string", 0.0)];
        let past = vec![scan(1, 100, 0.0, 0.1, 0.9, Some(before.clone()))];
        let f = evaluate(&scan(2, 100, 0.0, 0.1, 0.9, Some(after)), &past, &TrendSettings::default(), "h");
        let d = get(&f, "trend.max_schema_changes.t");
        assert_eq!(d.severity, Severity::Warn);
        assert_eq!(d.value.as_deref(), Some("3"));
        assert_eq!(
            d.message,
            "3 column change(s) since the scan of 2025-01-01 10:00 UTC: `id` changed type from integer to string, \
             `amount` removed, `channel` added (string) (warn above 0)"
        );
        let f = evaluate(&scan(2, 100, 0.0, 0.1, 0.9, Some(before)), &past, &TrendSettings::default(), "h");
        let same = get(&f, "trend.max_schema_changes.t");
        assert_eq!(same.severity, Severity::Pass);
        assert_eq!(same.message, "the same 3 columns and types as the scan of 2025-01-01 10:00 UTC");
        // A bare number is a fail-only limit.
        let strict =
            TrendSettings { max_schema_changes: Limit { warn: None, fail: Some(0) }, ..TrendSettings::default() };
        let after = vec![column("id", "integer", 0.0)];
        let f = evaluate(&scan(2, 100, 0.0, 0.1, 0.9, Some(after)), &past, &strict, "h");
        assert_eq!(get(&f, "trend.max_schema_changes.t").severity, Severity::Fail);
    }

    #[test]
    fn shares_are_judged_against_the_median_of_the_baseline() {
        let s = TrendSettings::default();
        // One bad night in the baseline does not move its median.
        let mut past = steady(1..=5);
        past.insert(3, scan(4, 100, 0.30, 0.5, 0.2, None));
        let f = evaluate(&scan(9, 100, 0.08, 0.12, 0.7, None), &past, &s, "h");
        let m = get(&f, "trend.max_missing_share_rise.t.body");
        assert_eq!(m.severity, Severity::Fail, "{}", m.message);
        assert_eq!(m.value.as_deref(), Some("+6 points"));
        assert_eq!(
            m.message,
            "missing share of `body` is 8%, up 6 points on its baseline of 2% (median of the last 6 scans) \
             (fail above +5 points)"
        );
        let st = get(&f, "trend.max_stale_share_rise.t");
        assert_eq!((st.severity, st.value.as_deref()), (Severity::Pass, Some("+2 points")));
        let c = get(&f, "trend.max_coverage_drop.t");
        assert_eq!(c.severity, Severity::Fail);
        assert_eq!(c.value.as_deref(), Some("-20 points"));
        assert!(c.message.ends_with("(fail beyond -15 points)"), "{}", c.message);
        assert_eq!(c.threshold.as_deref(), Some("warn -5 points · fail -15 points"));
        // A rise of exactly the warn threshold passes; an improvement is never flagged.
        let f = evaluate(&scan(9, 100, 0.04, 0.0, 1.0, None), &past, &s, "h");
        assert_eq!(get(&f, "trend.max_missing_share_rise.t.body").severity, Severity::Pass);
        let better = get(&f, "trend.max_stale_share_rise.t");
        assert_eq!(better.severity, Severity::Pass);
        assert!(better.message.contains("down 10 points on its baseline of 10%"), "{}", better.message);
    }

    #[test]
    fn the_baseline_waits_for_min_history_and_keeps_only_the_last_scans() {
        let s = TrendSettings { min_history: 3, baseline_scans: 3, ..TrendSettings::default() };
        let f = evaluate(&scan(3, 100, 0.5, 0.1, 0.9, None), &steady(1..=2), &s, "h.db");
        let m = get(&f, "trend.max_missing_share_rise.t.body");
        assert_eq!(m.severity, Severity::Pass);
        assert_eq!(
            m.message,
            "missing share of `body` is 50%; not enough history yet: 2 earlier scans measured it, the baseline needs 3 \
             (`[trend] min_history`)"
        );
        assert!(get(&f, "trend.history").message.contains("not enough history yet for the baseline: 2 of the 3"));
        // Old bad values fall out of a three-scan window.
        let mut past: Vec<ScanRecord> = (1..=3).map(|d| scan(d, 100, 0.5, 0.1, 0.9, None)).collect();
        past.extend(steady(4..=6));
        let f = evaluate(&scan(7, 100, 0.1, 0.1, 0.9, None), &past, &s, "h.db");
        let m = get(&f, "trend.max_missing_share_rise.t.body");
        assert_eq!(m.severity, Severity::Fail, "{}", m.message);
        assert!(m.message.contains("median of the last 3 scans"), "{}", m.message);
    }

    #[test]
    fn a_source_that_failed_before_is_compared_with_its_last_good_scan() {
        let mut broken = scan(2, 0, 0.0, 0.0, 0.0, None);
        if let Some(src) = broken.sources.first_mut() {
            src.status = "error".into();
            src.rows = None;
            src.columns = None;
        }
        let past = vec![scan(1, 100, 0.0, 0.1, 0.9, None), broken];
        let f = evaluate(&scan(3, 40, 0.0, 0.1, 0.9, None), &past, &TrendSettings::default(), "h");
        let r = get(&f, "trend.max_row_change.t");
        assert_eq!(r.severity, Severity::Fail);
        assert!(r.message.contains("since the scan of 2025-01-01 10:00 UTC"), "{}", r.message);
    }

    #[test]
    fn entity_unmatched_shares_are_judged_per_system() {
        let entity = |crm: f64| {
            EntityRecord::from_json(serde_json::json!({
                "name": "customer", "systems": ["t", "crm"],
                "unmatched_share": {"t": 0.01, "crm": crm}
            }))
        };
        let past: Vec<ScanRecord> = (1..=3)
            .map(|d| {
                let mut sc = scan(d, 100, 0.0, 0.1, 0.9, None);
                sc.entities.push(entity(0.02));
                sc
            })
            .collect();
        let mut now = scan(4, 100, 0.0, 0.1, 0.9, None);
        now.entities.push(entity(0.09));
        let f = evaluate(&now, &past, &TrendSettings::default(), "h");
        let crm = get(&f, "trend.max_unmatched_share_rise.customer.crm");
        assert_eq!(crm.severity, Severity::Fail, "{}", crm.message);
        assert_eq!(crm.source.as_deref(), Some("customer"));
        assert_eq!(crm.column.as_deref(), Some("crm"));
        assert_eq!(get(&f, "trend.max_unmatched_share_rise.customer.t").severity, Severity::Pass);
        // Entities without measures (today's reports) add no finding.
        let mut bare = scan(4, 100, 0.0, 0.1, 0.9, None);
        bare.entities.push(EntityRecord::from_json(serde_json::json!({"name": "customer", "systems": []})));
        let f = evaluate(&bare, &past, &TrendSettings::default(), "h");
        assert!(!f.iter().any(|f| f.id.rule == Rule::TrendMaxUnmatchedShareRise));
    }

    #[test]
    fn median_and_points() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(points(0.02), "2 points");
        assert_eq!(points(0.025), "2.5 points");
        assert_eq!(points(-0.01), "1 point");
        assert_eq!(round4(0.05 - 0.03), 0.02);
    }

    /// After three steady scans (100 rows; missing 2%, stale 10%, coverage 90%, crm keys 2%
    /// unmatched), a scan that moved each by a known amount: rows +30%, missing +3 points, stale
    /// +10 points, coverage -10 points, crm's unmatched share +3 points, two column changes.
    fn moved(s: &TrendSettings) -> Vec<Finding> {
        let entity = |crm: f64| {
            EntityRecord::from_json(serde_json::json!({
                "name": "customer", "systems": ["t", "crm"], "unmatched_share": {"t": 0.0, "crm": crm}
            }))
        };
        let past: Vec<ScanRecord> = (1..=3)
            .map(|d| {
                let mut sc = scan(d, 100, 0.02, 0.1, 0.9, None);
                sc.entities.push(entity(0.02));
                sc
            })
            .collect();
        let cols = vec![column("id", "string", 0.0), column("body", "string", 0.05), column("extra", "string", 0.0)];
        let mut now = scan(4, 130, 0.05, 0.2, 0.8, Some(cols));
        now.entities.push(entity(0.05));
        evaluate(&now, &past, s, "h")
    }

    /// The severities of `id` as its limit sits at the warn edge, just past it, at the fail
    /// edge and just past it, for a movement of exactly `by`.
    fn edges(id: &str, by: f64, set: impl Fn(&mut TrendSettings, Limit<f64>)) -> [Severity; 4] {
        let at = |warn: f64, fail: f64| {
            let mut s = TrendSettings::default();
            set(&mut s, Limit { warn: Some(warn), fail: Some(fail) });
            get(&moved(&s), id).severity
        };
        let past = by - 0.0001;
        [at(by, 0.9), at(past, 0.9), at(0.0, by), at(0.0, past)]
    }

    const EDGES: [Severity; 4] = [Severity::Pass, Severity::Warn, Severity::Warn, Severity::Fail];

    #[test]
    fn row_change_edges() {
        assert_eq!(edges("trend.max_row_change.t", 0.3, |s, l| s.max_row_change = l), EDGES);
    }

    #[test]
    fn missing_share_rise_edges() {
        assert_eq!(edges("trend.max_missing_share_rise.t.body", 0.03, |s, l| s.max_missing_share_rise = l), EDGES);
    }

    #[test]
    fn stale_share_rise_edges() {
        assert_eq!(edges("trend.max_stale_share_rise.t", 0.1, |s, l| s.max_stale_share_rise = l), EDGES);
    }

    #[test]
    fn coverage_drop_edges() {
        assert_eq!(edges("trend.max_coverage_drop.t", 0.1, |s, l| s.max_coverage_drop = l), EDGES);
    }

    #[test]
    fn unmatched_share_rise_edges() {
        let id = "trend.max_unmatched_share_rise.customer.crm";
        assert_eq!(edges(id, 0.03, |s, l| s.max_unmatched_share_rise = l), EDGES);
    }

    #[test]
    fn schema_changes_edges() {
        // `id` retyped and `extra` added: two changes.
        let at = |warn, fail| {
            let s = TrendSettings { max_schema_changes: Limit { warn, fail }, ..TrendSettings::default() };
            let f = moved(&s);
            let d = get(&f, "trend.max_schema_changes.t");
            assert_eq!(d.value.as_deref(), Some("2"));
            d.severity
        };
        assert_eq!(at(Some(2), Some(5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(1), Some(5)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0), Some(2)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0), Some(1)), Severity::Fail, "just past fail");
    }

    #[test]
    fn the_history_finding_passes_whatever_the_trend_found() {
        let f = moved(&TrendSettings::default());
        assert!(f.iter().any(|f| f.severity == Severity::Warn), "the movements cross the default warn limits");
        let h = get(&f, "trend.history");
        assert_eq!((h.severity, h.value.as_deref()), (Severity::Pass, Some("3 earlier scans")));
    }
}
