//! `preflight history` as text for a terminal: per profile, one line per scan with its verdict
//! and checklist, then per source one line per scan with its main measures and, below, how each
//! measure moved from the first scan to the last. Pure: reads only the `HistoryReport`.

use std::io::{self, Write};

use super::{HistoryReport, MostMissing, ScanRecord, direction, first_and_last, judged};
use crate::fmt::{count, pct, thousands, when};
use crate::verdict::Severity;

pub fn render(h: &HistoryReport, out: &mut dyn Write) -> io::Result<()> {
    for line in lines(h) {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn lines(h: &HistoryReport) -> Vec<String> {
    let profiles = h.profiles();
    let mut out = vec![format!(
        "preflight history · {} · {} of {}",
        clean(&h.history),
        count(h.scans.len() as u64, "scan", "scans"),
        count(profiles.len() as u64, "profile", "profiles")
    )];
    if h.scans.is_empty() {
        out.push(String::new());
        out.push("no scan stored yet: `preflight scan PROFILE --history PATH` adds one".into());
        return out;
    }
    for p in profiles {
        let scans = h.of(p);
        out.push(String::new());
        out.extend(profile(p, &scans));
    }
    out
}

fn profile(name: &str, scans: &[&ScanRecord]) -> Vec<String> {
    let (Some(first), Some(last)) = (scans.first(), scans.last()) else { return Vec::new() };
    let mut out = vec![format!(
        "{} · {} · {} to {}",
        clean(name),
        count(scans.len() as u64, "scan", "scans"),
        when(&first.as_of),
        when(&last.as_of)
    )];
    let sev = |s: Option<Severity>| s.map_or("-", Severity::as_str).to_string();
    let mut rows =
        vec![vec!["as of".to_string(), "verdict".into(), "data access".into(), "trend".into(), "findings".into()]];
    for s in scans {
        rows.push(vec![
            short_when(&s.as_of),
            s.verdict.as_str().to_string(),
            sev(s.checklist.get("data_access")),
            sev(s.checklist.get("trend")),
            format!("{} FAIL · {} WARN", s.findings.fail, s.findings.warn),
        ]);
    }
    out.extend(table(&rows, &[false, false, false, false, false]));
    let verdicts: Vec<Severity> = scans.iter().map(|s| s.verdict).collect();
    out.push(format!("  verdict {}", direction(&verdicts)));

    let sources = super::source_names(scans);
    for source in sources {
        out.push(String::new());
        let mut rows = vec![vec![
            clean(source),
            "rows".to_string(),
            "ready".into(),
            "stale".into(),
            "labeled".into(),
            "most missing".into(),
        ]];
        for s in scans {
            let Some(src) = s.source(source) else {
                rows.push(vec![short_when(&s.as_of), "not in scan".into(), String::new(), String::new()]);
                continue;
            };
            if !src.is_ok() {
                rows.push(vec![short_when(&s.as_of), "error".into(), String::new(), String::new()]);
                continue;
            }
            let share = |x: Option<f64>| x.map_or_else(|| "-".to_string(), pct);
            let missing = match src.most_missing() {
                MostMissing::Column(c, x) => format!("{} {}", clean(c), pct(x)),
                MostMissing::Nothing => "none".into(),
                MostMissing::Unknown => "-".into(),
            };
            rows.push(vec![
                short_when(&s.as_of),
                src.rows.map_or_else(|| "-".to_string(), thousands),
                share(src.ready_share),
                share(src.stale_share),
                share(src.coverage),
                missing,
            ]);
        }
        out.extend(table(&rows, &[false, true, true, true, true, false]));
        let moves = movement(source, scans);
        if !moves.is_empty() {
            out.extend(wrap("  first to last: ", "    ", &moves));
        }
    }
    out
}

/// How the main measures of a source moved between its first and last readable scans.
fn movement(source: &str, scans: &[&ScanRecord]) -> Vec<String> {
    let Some((a, b)) = first_and_last(source, scans) else { return Vec::new() };
    let mut out = Vec::new();
    if let (Some(x), Some(y)) = (a.rows, b.rows) {
        out.push(format!("rows {} → {}", thousands(x), thousands(y)));
    }
    for (what, x, y, higher_is_better) in [
        ("ready", a.ready_share, b.ready_share, true),
        ("stale", a.stale_share, b.stale_share, false),
        ("labeled", a.coverage, b.coverage, true),
    ] {
        if let (Some(x), Some(y)) = (x, y) {
            out.push(format!("{what} {} → {} ({})", pct(x), pct(y), judged(y - x, higher_is_better)));
        }
    }
    out
}

/// `2025-01-06 06:00` without the zone: every time in the history is UTC, said once above.
fn short_when(ts: &str) -> String {
    when(ts).trim_end_matches(" UTC").to_string()
}

fn table(rows: &[Vec<String>], right: &[bool]) -> Vec<String> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> =
        (0..cols).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let w = width.get(i).copied().unwrap_or(0);
                    if right.get(i).copied().unwrap_or(false) { format!("{c:>w$}") } else { format!("{c:<w$}") }
                })
                .collect();
            format!("  {}", cells.join("  "))
        })
        .collect()
}

/// Items joined by ` · ` in lines of at most 80 chars: the first after `lead`, the rest after
/// `indent`.
fn wrap(lead: &str, indent: &str, items: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = lead.to_string();
    let mut empty = true;
    for item in items {
        let sep = if empty { "" } else { " · " };
        if !empty && line.chars().count() + sep.len() + item.chars().count() > 80 {
            out.push(std::mem::replace(&mut line, indent.to_string()));
            line.push_str(item);
        } else {
            line.push_str(sep);
            line.push_str(item);
        }
        empty = false;
    }
    out.push(line);
    out
}

/// Names from the data without control characters, which would move the cursor.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::history::sample;

    fn text(h: &HistoryReport) -> String {
        let mut buf = Vec::new();
        assert!(render(h, &mut buf).is_ok());
        String::from_utf8(buf).unwrap_or_default()
    }

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(text(&sample()));
    }

    #[test]
    fn an_empty_history_says_how_to_fill_it() {
        let h = HistoryReport { history: "h.sqlite".into(), scans: Vec::new() };
        assert_eq!(
            text(&h),
            "preflight history · h.sqlite · 0 scans of 0 profiles\n\nno scan stored yet: `preflight scan PROFILE --history PATH` adds one\n"
        );
    }
}
