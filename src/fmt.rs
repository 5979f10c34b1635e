//! Every number, share, duration and timestamp as the reports word it, in one place, so that
//! the text, Markdown, HTML, JUnit and history pages say `1,204 rows`, `3.4%` and
//! `2025-01-10 10:00 UTC` alike. Plain strings, not escaped: each renderer escapes for its
//! format.
//!
//! Three percent formatters, on purpose: `pct` words a share the report already holds (rounded
//! to four decimals: missing share, coverage, fragmentation, stale share) and is used by every
//! renderer and the history pages for those; `pct_of` words a ratio of two counts (ready rows
//! of rows, unmatched keys of distinct keys, conflicting of compared) and never rounds to 0% or
//! 100% unless it is exactly that, so "1 of 12,000 rows" reads `<0.1%`, not `0%`; `percent`
//! keeps one decimal at every size (`66.7%`), for `preflight profile`, whose comments propose
//! thresholds from the measured shares and must not round a share across the threshold they
//! propose.

use crate::stats::timestamp::format_duration_secs;

/// One piece of a phrase: words a measure or the view writes, with the data in them marked so
/// that each renderer escapes and styles it for its format.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Fixed words and numbers: nothing to escape.
    Words(String),
    /// Text from the data, escaped by the renderer.
    Data(String),
    /// Text from the data shown as code (a name, a path).
    Code(String),
    /// Fixed words said loudly (`not readable`): bold where the format has bold.
    Loud(&'static str),
    /// Text from the data that signals a risk (a plaintext session): the HTML page makes it
    /// strong, the other formats show it as plain data.
    Risk(String),
}

/// Words with the data in them marked; see `Piece`.
pub type Phrase = Vec<Piece>;

/// A phrase as plain text, each piece of data passed through `escape`.
pub fn plain_phrase(p: &[Piece], escape: impl Fn(&str) -> String) -> String {
    p.iter()
        .map(|piece| match piece {
            Piece::Words(w) => w.clone(),
            Piece::Loud(w) => w.to_string(),
            Piece::Data(d) | Piece::Code(d) | Piece::Risk(d) => escape(d),
        })
        .collect()
}

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

/// A scan's wall time: `0.8 s` under a minute, else `2m 5s`.
pub(crate) fn elapsed(ms: u64) -> String {
    if ms < 60_000 { format!("{:.1} s", ms as f64 / 1000.0) } else { format_duration_secs((ms / 1000) as i64) }
}

/// A span of seconds as `9d`, `2h 5m`, `-3d` (the age of a record, `stale_after`).
pub(crate) fn duration(secs: i64) -> String {
    format_duration_secs(secs)
}

/// Milliseconds as seconds with three decimals (`1.204`), as JUnit's `time` attribute wants.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
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

/// `0.975` as `97.5%`, `0.85` as `85%`: one decimal whatever the size (see the header).
pub fn percent(x: f64) -> String {
    let p = (x * 1000.0).round() / 10.0;
    if p.fract() == 0.0 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_keeps_one_decimal() {
        assert_eq!(percent(0.975), "97.5%");
        assert_eq!(percent(0.85), "85%");
        assert_eq!(percent(0.6667), "66.7%");
    }

    #[test]
    fn numbers_shares_times_and_durations() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_204), "1,204");
        assert_eq!(count(1, "row", "rows"), "1 row");
        assert_eq!(count(12_000, "row", "rows"), "12,000 rows");
        assert_eq!(
            (pct(0.0), pct(0.034), pct(0.05), pct(0.61)),
            ("0%".into(), "3.4%".into(), "5%".into(), "61%".into())
        );
        assert_eq!(pct_of(1, 12_000), "<0.1%");
        assert_eq!(pct_of(0, 0), "n/a");
        assert_eq!(pct_of(50, 700), "7.1%");
        assert_eq!(when("2025-01-10T10:00:00.000Z"), "2025-01-10 10:00 UTC");
        assert_eq!(duration(9 * 86_400), "9d");
        assert_eq!(seconds(1_204), "1.204");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
