//! Staleness, the "current" part: the timestamp present, the newest row's age, the stale
//! share, rows dated in the future, values that are not a timestamp.

use crate::measures::{AgeBucket, SourceReport, StalenessReport, share};
use crate::profile::SourceSpec;
use crate::sources::SourceStats;
use crate::stats::timestamp::{format_duration_secs, format_micros};
use crate::stats::{AGE_BUCKET_DAYS, StatsRequest};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject, at_most};

use super::rules::{Ev, crossed, did_you_mean_column, finding, limit_text, pct};

/// The documentation `preflight explain staleness` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("staleness.md");

/// The staleness measures of a source with a timestamp column (DESIGN §3).
pub(super) fn measure(spec: &SourceSpec, stats: &SourceStats, req: &StatsRequest) -> Option<StalenessReport> {
    let acc = &stats.acc;
    let rows = acc.rows;
    acc.timestamp().map(|ts| {
        let column = acc.timestamp_column().and_then(|i| acc.columns.get(i)).cloned().unwrap_or_default();
        let newest = ts.max.map(|m| m.0);
        StalenessReport {
            column,
            newest: newest.map(format_micros),
            oldest: ts.min.map(|m| format_micros(m.0)),
            age_seconds: newest.map(|n| (req.as_of - n).div_euclid(1_000_000)),
            newest_past: ts.max_past.map(|m| format_micros(m.0)),
            age_past_seconds: ts.max_past.map(|m| (req.as_of - m.0).div_euclid(1_000_000)),
            stale_after_seconds: spec.thresholds.stale_after,
            stale_rows: ts.stale,
            stale_share: share(ts.stale, rows),
            future_rows: ts.future,
            unparseable: ts.unparseable,
            naive_utc: ts.naive,
            file_modified: stats.signals.modified.map(format_micros),
            footer_min: stats.signals.footer_min.map(format_micros),
            footer_max: stats.signals.footer_max.map(format_micros),
            database: stats.signals.database.clone(),
            age_histogram: AGE_BUCKET_DAYS
                .iter()
                .zip(ts.age_histogram.iter())
                .map(|(&d, &n)| AgeBucket { under_days: (d != i64::MAX).then_some(d), rows: n })
                .collect(),
        }
    })
}

pub(super) fn current(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let Some(ts_name) = &spec.timestamp else { return };
    let name = &spec.name;
    let th = &spec.thresholds;
    let col = Some(ts_name.name.as_str());
    let Some(st) = &report.staleness else {
        let mut f = finding(
            FindingId::new(Rule::StalenessTimestampAbsent, Subject::source(name)),
            Check::Current,
            Severity::Fail,
            spec,
            col,
        );
        f.value = Some("absent".into());
        let hint = did_you_mean_column(&ts_name.name, report);
        f.message = format!("timestamp column `{}` is not in the source{hint}", ts_name.name);
        out.push(f);
        return;
    };
    let ts = ev.stats.acc.timestamp();
    let days = |s: i64| format_duration_secs(s);

    let mut f = finding(
        FindingId::new(Rule::StalenessMaxAge, Subject::source(name)),
        Check::Current,
        Severity::Fail,
        spec,
        col,
    );
    f.threshold = limit_text(&th.max_age, days);
    match (st.age_past_seconds, &st.newest_past) {
        (Some(age), Some(newest)) => {
            f.severity = at_most(age, &th.max_age);
            f.value = Some(days(age));
            let future = if st.future_rows > 0 {
                format!("; {} row(s) dated later, in the future, are left out", st.future_rows)
            } else {
                String::new()
            };
            f.message = format!(
                "newest {newest}, {} old{}{future}{}",
                days(age),
                crossed(f.severity, &th.max_age, days, "at"),
                database_signals(st)
            );
            if let Some((_, pos)) = ts.and_then(|t| t.max_past) {
                f.evidence = vec![ev.example(&st.column, &pos, Some(newest))];
            }
        }
        _ => {
            f.value = Some("none".into());
            f.message = if st.future_rows > 0 {
                format!("every timestamp in `{}` is in the future: the data's age is unknown", st.column)
            } else {
                format!("no parseable timestamp in `{}`: the data's age is unknown", st.column)
            };
        }
    }
    out.push(f);

    let sev = at_most(st.stale_share, &th.max_stale_share);
    let mut f =
        finding(FindingId::new(Rule::StalenessMaxStaleShare, Subject::source(name)), Check::Current, sev, spec, col);
    f.value = Some(pct(st.stale_share));
    f.threshold = limit_text(&th.max_stale_share, pct);
    f.message = format!(
        "{} row(s) ({}) older than {}{}",
        st.stale_rows,
        pct(st.stale_share),
        days(st.stale_after_seconds),
        crossed(sev, &th.max_stale_share, pct, "above")
    );
    if let Some(t) = ts {
        f.evidence = t.stale_examples.iter().map(|(p, v)| ev.example(&st.column, p, Some(v))).collect();
    }
    out.push(f);

    if st.future_rows > 0 {
        let mut f = finding(
            FindingId::new(Rule::StalenessFutureRows, Subject::source(name)),
            Check::Current,
            Severity::Warn,
            spec,
            col,
        );
        f.value = Some(st.future_rows.to_string());
        f.message = format!("{} row(s) dated after the as-of time: clock skew or bad data", st.future_rows);
        if let Some(t) = ts {
            f.evidence = t.future_examples.iter().map(|(p, v)| ev.example(&st.column, p, Some(v))).collect();
        }
        out.push(f);
    }
    if st.unparseable > 0 {
        let mut f = finding(
            FindingId::new(Rule::StalenessUnparseable, Subject::source(name)),
            Check::Current,
            Severity::Warn,
            spec,
            col,
        );
        f.value = Some(st.unparseable.to_string());
        f.message = format!("{} value(s) are not a timestamp", st.unparseable);
        if let Some(t) = ts {
            f.evidence = t.unparseable_examples.iter().map(|(p, v)| ev.example(&st.column, p, Some(v))).collect();
        }
        out.push(f);
    }
}

/// The database's own change signals, said beside the data's age (DESIGN §3 staleness).
fn database_signals(st: &crate::measures::StalenessReport) -> String {
    let Some(db) = &st.database else { return String::new() };
    let mut parts = Vec::new();
    if let Some(t) = &db.update_time {
        parts.push(format!("the database last changed the table {t}"));
    }
    let analyzed = [&db.last_analyze, &db.last_autoanalyze].into_iter().flatten().max();
    match (analyzed, db.n_mod_since_analyze) {
        (Some(t), Some(n)) => parts.push(format!("last analyzed {t}, {n} row(s) changed since")),
        (Some(t), None) => parts.push(format!("last analyzed {t}")),
        (None, Some(n)) => parts.push(format!("{n} row(s) changed since the table was last analyzed")),
        (None, None) => {}
    }
    if parts.is_empty() { String::new() } else { format!("; {}", parts.join(", ")) }
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, named, spec};
    use crate::profile::Limit;
    use crate::verdict::Severity;

    #[test]
    fn age_passes_warns_and_fails_at_its_limits() {
        // The newest fixture row not in the future is one day (86,400 s) before the as-of time.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.max_age = Limit { warn, fail };
            get(&findings_with(&s), "staleness.max_age.t").severity
        };
        assert_eq!(at(Some(86_400), Some(172_800)), Severity::Pass, "a limit is inclusive");
        assert_eq!(at(Some(86_399), Some(86_400)), Severity::Warn);
        assert_eq!(at(Some(3_600), Some(86_399)), Severity::Fail);
    }

    #[test]
    fn stale_share_passes_warns_and_fails_at_its_limits() {
        // One of the fixture's 6 rows is older than `stale_after`: a share of 0.1667.
        let at = |warn, fail| {
            let mut s = spec();
            s.thresholds.max_stale_share = Limit { warn, fail };
            let f = findings_with(&s);
            let f = get(&f, "staleness.max_stale_share.t");
            assert_eq!(f.value.as_deref(), Some("17%"));
            f.severity
        };
        assert_eq!(at(Some(0.1667), Some(0.5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0.1666), Some(0.5)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0.1), Some(0.1667)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0.1), Some(0.1666)), Severity::Fail, "just past fail");
        assert_eq!(at(None, Some(0.1666)), Severity::Fail, "a bare number is a fail limit");
        assert_eq!(at(None, None), Severity::Pass, "no limit, no failure");
    }

    #[test]
    fn age_without_a_warn_limit_goes_from_pass_to_fail() {
        let at = |fail| {
            let mut s = spec();
            s.thresholds.max_age = Limit { warn: None, fail };
            get(&findings_with(&s), "staleness.max_age.t").severity
        };
        assert_eq!(at(Some(86_400)), Severity::Pass);
        assert_eq!(at(Some(86_399)), Severity::Fail);
    }

    #[test]
    fn an_absent_timestamp_column_fails_and_a_present_one_is_measured() {
        let mut s = spec();
        s.timestamp = Some(named("updated"));
        // The stats hold no timestamp column then, so the report has no staleness.
        let f = findings_edited(&s, |r| r.staleness = None);
        let absent = get(&f, "staleness.timestamp_absent.t");
        assert_eq!((absent.severity, absent.value.as_deref()), (Severity::Fail, Some("absent")));
        assert!(f.iter().all(|f| f.id != "staleness.max_age.t"), "nothing to judge the age by");
        let f = findings_with(&spec());
        assert!(f.iter().all(|f| f.id != "staleness.timestamp_absent.t"));
    }

    #[test]
    fn future_rows_warn_from_one_row() {
        let f = findings_with(&spec());
        let future = get(&f, "staleness.future_rows.t");
        assert_eq!((future.severity, future.value.as_deref()), (Severity::Warn, Some("1")));
        let f = findings_edited(&spec(), |r| {
            if let Some(st) = r.staleness.as_mut() {
                st.future_rows = 0;
            }
        });
        assert!(f.iter().all(|f| f.id != "staleness.future_rows.t"), "no future row, no finding");
    }

    #[test]
    fn unparseable_timestamps_warn_from_one_value() {
        let f = findings_with(&spec());
        let bad = get(&f, "staleness.unparseable.t");
        assert_eq!((bad.severity, bad.value.as_deref()), (Severity::Warn, Some("1")));
        let f = findings_edited(&spec(), |r| {
            if let Some(st) = r.staleness.as_mut() {
                st.unparseable = 0;
            }
        });
        assert!(f.iter().all(|f| f.id != "staleness.unparseable.t"), "every value parsed, no finding");
    }
}
