//! The values thresholds are made of: numbers, shares, ratios, counts, durations and sizes,
//! the `{ warn, fail }` limits over them, and the thresholds and `[trend]` tables.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{ReadOne, Walker, get, join};
use crate::profile::{
    AnyLimit, Limit, MEASURE_LIMITS, PushdownMode, Thresholds, TrendSettings, parse_duration, suggest_duration,
};

impl Walker<'_> {
    /// A TOML number as `f64`; anything else is a problem saying what was `expected`. The outer
    /// `None` means not a number (reported); the inner one, a number that does not parse.
    fn number(&mut self, v: &Spanned<DeValue<'_>>, path: &str, expected: &str) -> Option<Option<f64>> {
        match v.get_ref() {
            DeValue::Float(f) => Some(f.as_str().replace('_', "").parse::<f64>().ok()),
            DeValue::Integer(i) => Some(i.as_str().replace('_', "").parse::<i64>().ok().map(|i| i as f64)),
            other => {
                self.problem(&v.span(), path, format!("expected {expected}, found {}", other.type_str()), None);
                None
            }
        }
    }

    pub(super) fn share(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<f64> {
        let n = self.number(v, path, "a share between 0 and 1")?;
        match n {
            Some(x) if (0.0..=1.0).contains(&x) => Some(x),
            _ => {
                let written = self.text.get(v.span()).unwrap_or("?").to_string();
                self.problem(
                    &v.span(),
                    path,
                    format!("share `{written}` is out of range: expected a number between 0 and 1"),
                    Some("write shares as fractions: 0.05 means 5%".into()),
                );
                None
            }
        }
    }

    /// A relative change such as `max_row_change`: a fraction ≥ 0 that may exceed 1 (growth).
    fn ratio(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<f64> {
        let n = self.number(v, path, "a fraction such as 0.2")?;
        match n {
            Some(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                let written = self.text.get(v.span()).unwrap_or("?").to_string();
                self.problem(
                    &v.span(),
                    path,
                    format!("`{written}` is out of range: expected a fraction of 0 or more"),
                    Some(
                        "0.2 means a change of 20% against the previous scan; 1 means doubled (or fell to zero)".into(),
                    ),
                );
                None
            }
        }
    }

    pub(super) fn count(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<u64> {
        match v.get_ref() {
            DeValue::Integer(i) => match i.as_str().replace('_', "").parse::<u64>() {
                Ok(n) if i.radix() == 10 => Some(n),
                _ => {
                    self.problem(
                        &v.span(),
                        path,
                        format!("`{}` is not a count: expected a whole number ≥ 0", i.as_str()),
                        None,
                    );
                    None
                }
            },
            other => {
                self.problem(&v.span(), path, format!("expected a whole number ≥ 0, found {}", other.type_str()), None);
                None
            }
        }
    }

    pub(super) fn duration(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<i64> {
        match v.get_ref() {
            DeValue::String(s) => match parse_duration(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    let hint = match suggest_duration(s) {
                        Some(d) => format!("did you mean `{d}`?"),
                        None => "durations look like `90s`, `15m`, `36h`, `7d`, `52w`".into(),
                    };
                    self.problem(&v.span(), path, e, Some(hint));
                    None
                }
            },
            other => {
                self.problem(
                    &v.span(),
                    path,
                    format!("expected a duration string such as \"7d\", found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    /// `{ warn = x, fail = y }` or a bare value (fail only); `lower_is_worse` orders warn/fail.
    pub(super) fn limit<T: Copy + PartialOrd + std::fmt::Display>(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        path: &str,
        lower_is_worse: bool,
        one: &mut ReadOne<'_, Self, T>,
    ) -> Option<Limit<T>> {
        let DeValue::Table(t) = v.get_ref() else {
            return one(self, v, path).map(|f| Limit { warn: None, fail: Some(f) });
        };
        self.unknown_keys(t, &["warn", "fail"], path);
        let warn = get(t, "warn").and_then(|w| one(self, w, &join(path, "warn")));
        let fail = get(t, "fail").and_then(|f| one(self, f, &join(path, "fail")));
        if let (Some(w), Some(f)) = (warn, fail) {
            let inverted = if lower_is_worse { w < f } else { w > f };
            if inverted {
                let order = if lower_is_worse { "at or above" } else { "at or below" };
                self.problem(
                    &v.span(),
                    path,
                    format!(
                        "warn ({w}) must be {order} fail ({f}), or the warning could never fire before the failure"
                    ),
                    None,
                );
            }
        }
        if warn.is_none() && fail.is_none() && get(t, "warn").is_none() && get(t, "fail").is_none() {
            self.problem(
                &v.span(),
                path,
                "empty threshold".into(),
                Some("write `{ warn = …, fail = … }` or a bare value".into()),
            );
        }
        Some(Limit { warn, fail })
    }

    pub(super) fn thresholds(&mut self, table: &DeTable<'_>, path: &str, base: &Thresholds) -> Thresholds {
        let mut t = base.clone();
        if let Some(v) = get(table, "max_age")
            && let Some(l) = self.limit(v, &join(path, "max_age"), false, &mut |w, v, p| w.duration(v, p))
        {
            t.max_age = l;
        }
        if let Some(v) = get(table, "stale_after")
            && let Some(d) = self.duration(v, &join(path, "stale_after"))
        {
            t.stale_after = d;
        }
        for (key, slot, lower) in [
            ("max_stale_share", &mut t.max_stale_share, false),
            ("max_missing_share", &mut t.max_missing_share, false),
            ("min_label_coverage", &mut t.min_label_coverage, true),
        ] {
            if let Some(v) = get(table, key)
                && let Some(l) = self.limit(v, &join(path, key), lower, &mut |w, v, p| w.share(v, p))
            {
                *slot = l;
            }
        }
        if let Some(v) = get(table, "min_class_examples")
            && let Some(n) = self.count(v, &join(path, "min_class_examples"))
        {
            t.min_class_examples = n;
        }
        if let Some(v) = get(table, "max_duplicate_keys")
            && let Some(l) = self.limit(v, &join(path, "max_duplicate_keys"), false, &mut |w, v, p| w.count(v, p))
        {
            t.max_duplicate_keys = l;
        }
        for m in MEASURE_LIMITS {
            let Some(v) = get(table, m.key) else { continue };
            let at = join(path, m.key);
            let read = match m.default {
                AnyLimit::Count(_) => {
                    self.limit(v, &at, m.lower_is_worse, &mut |w, v, p| w.count(v, p)).map(AnyLimit::Count)
                }
                AnyLimit::Share(_) => {
                    self.limit(v, &at, m.lower_is_worse, &mut |w, v, p| w.share(v, p)).map(AnyLimit::Share)
                }
            };
            if let Some(l) = read {
                t.set_limit(m.key, l);
            }
        }
        if let Some(list) = self.string_list(table, "placeholders", path) {
            t.placeholders = list.into_iter().map(Spanned::into_inner).collect();
        }
        if let Some(m) = self.string(table, "pushdown", path) {
            match m.get_ref().as_str() {
                "auto" => t.pushdown = PushdownMode::Auto,
                "always" => t.pushdown = PushdownMode::Always,
                "never" => t.pushdown = PushdownMode::Never,
                other => self.problem(
                    &m.span(),
                    &join(path, "pushdown"),
                    format!("unknown pushdown mode `{other}`"),
                    Some("expected `auto`, `always` or `never`".into()),
                ),
            }
        }
        if let Some(v) = get(table, "pushdown_above")
            && let Some(n) = self.size(v, &join(path, "pushdown_above"))
        {
            t.pushdown_above = n;
        }
        t
    }

    /// A size in bytes: a whole number, or a string such as `"512MB"` or `"4GiB"`.
    fn size(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<u64> {
        let DeValue::String(s) = v.get_ref() else { return self.count(v, path) };
        match parse_size(s) {
            Some(n) => Some(n),
            None => {
                self.problem(
                    &v.span(),
                    path,
                    format!("`{s}` is not a size"),
                    Some("sizes look like `4096`, `512MB`, `4GiB` (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)".into()),
                );
                None
            }
        }
    }

    /// The `[trend]` table over the defaults of `TrendSettings`.
    pub(super) fn trend(&mut self, table: &DeTable<'_>) -> TrendSettings {
        let mut t = TrendSettings::default();
        let min_history = get(table, "min_history").and_then(|v| {
            let n = self.count(v, "trend.min_history")?;
            if n == 0 {
                self.problem(
                    &v.span(),
                    "trend.min_history",
                    "`min_history` must be at least 1: a baseline needs an earlier scan".into(),
                    Some("the default is 3".into()),
                );
                return None;
            }
            Some(n)
        });
        if let Some(n) = min_history {
            t.min_history = n;
        }
        if let Some(v) = get(table, "baseline_scans")
            && let Some(n) = self.count(v, "trend.baseline_scans")
        {
            if n < t.min_history {
                self.problem(
                    &v.span(),
                    "trend.baseline_scans",
                    format!(
                        "`baseline_scans` ({n}) is smaller than `min_history` ({}): the baseline could never hold enough scans",
                        t.min_history
                    ),
                    Some(format!("set `baseline_scans` to {} or more", t.min_history)),
                );
            } else {
                t.baseline_scans = n;
            }
        } else if t.min_history > t.baseline_scans {
            // Only `min_history` was raised: the window follows it rather than failing.
            t.baseline_scans = t.min_history;
        }
        if let Some(v) = get(table, "max_row_change")
            && let Some(l) = self.limit(v, "trend.max_row_change", false, &mut |w, v, p| w.ratio(v, p))
        {
            t.max_row_change = l;
        }
        if let Some(v) = get(table, "max_schema_changes")
            && let Some(l) = self.limit(v, "trend.max_schema_changes", false, &mut |w, v, p| w.count(v, p))
        {
            t.max_schema_changes = l;
        }
        for (key, slot) in [
            ("max_missing_share_rise", &mut t.max_missing_share_rise),
            ("max_stale_share_rise", &mut t.max_stale_share_rise),
            ("max_coverage_drop", &mut t.max_coverage_drop),
            ("max_unmatched_share_rise", &mut t.max_unmatched_share_rise),
        ] {
            if let Some(v) = get(table, key)
                && let Some(l) = self.limit(v, &join("trend", key), false, &mut |w, v, p| w.share(v, p))
            {
                *slot = l;
            }
        }
        t
    }
}

/// `"512MB"` as bytes: decimal (kB, MB, GB, TB) and binary (KiB, MiB, GiB, TiB) units, or none.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_decimal_and_binary_units() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("512MB"), Some(512_000_000));
        assert_eq!(parse_size("4GiB"), Some(4 << 30));
        assert_eq!(parse_size("4 GiB"), Some(4 << 30));
        assert_eq!(parse_size("4 parsecs"), None);
        assert_eq!(parse_size("GiB"), None);
        assert_eq!(parse_size("99999999999TiB"), None);
    }
}
