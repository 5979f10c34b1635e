//! Every number, share, duration and timestamp as the reports word it, in one place, so that
//! the text, Markdown, HTML, JUnit and history pages say `1,204 rows`, `3.4%` and
//! `2025-01-10 10:00 UTC` alike. Plain strings, not escaped: each renderer escapes for its
//! format.

use crate::stats::timestamp::format_duration_secs;

pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as people read it: `61%`, `3.4%`, `0%`.
pub(crate) fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 || p >= 10.0 || (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

/// `2025-01-10T10:00:00Z` as `2025-01-10 10:00 UTC` (seconds only when not zero); anything
/// else is returned as given.
pub(crate) fn when(ts: &str) -> String {
    let parts = (ts.get(..10), ts.get(10..11), ts.get(11..16), ts.get(16..19), ts.get(19..));
    match parts {
        (Some(date), Some("T"), Some(hm), Some(sec), Some(rest))
            if rest.starts_with(['Z', '.']) && rest.ends_with('Z') =>
        {
            if sec == ":00"
                && (rest == "Z" || rest.trim_start_matches('.').trim_end_matches('Z').bytes().all(|b| b == b'0'))
            {
                format!("{date} {hm} UTC")
            } else {
                format!("{date} {hm}{sec} UTC")
            }
        }
        _ => ts.to_string(),
    }
}

pub(crate) fn elapsed(ms: u64) -> String {
    if ms < 60_000 { format!("{:.1} s", ms as f64 / 1000.0) } else { format_duration_secs((ms / 1000) as i64) }
}

/// At most `max` chars, ending in `…` when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `part` of `whole` as a percentage that never rounds to 0% or 100% unless it is exactly that.
pub(crate) fn pct_of(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "n/a".to_string();
    }
    if part == whole {
        return "100%".to_string();
    }
    if part == 0 {
        return "0%".to_string();
    }
    let p = part as f64 / whole as f64 * 100.0;
    if p < 0.1 {
        "<0.1%".to_string()
    } else if p > 99.9 {
        ">99.9%".to_string()
    } else if !(10.0..=99.0).contains(&p) {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

