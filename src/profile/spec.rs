//! Walks the TOML tree of a profile into `Profile`, collecting every problem instead of
//! stopping at the first, each with its line, column, key path and a hint where one helps.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    ConnectSpec, Declaration, EntitySpec, FileFormat, Limit, Location, Named, Normalization, Pilot, Problem, Profile,
    PushdownMode, Review, ReviewStatus, SourceSpec, Thresholds, TlsMode, TlsSpec, TrendSettings, did_you_mean,
    parse_duration, redact_url, suggest_duration,
};

const TOP_KEYS: &[&str] = &["pilot", "defaults", "sources", "entities", "trend", "review"];
const REVIEW_KEYS: &[&str] = &["business_metric", "workflow_fit", "monitoring", "rollout_plan", "monitoring_window"];
const DECLARATION_KEYS: &[&str] = &["status", "by", "note"];
const TREND_KEYS: &[&str] = &[
    "min_history",
    "baseline_scans",
    "max_row_change",
    "max_schema_changes",
    "max_missing_share_rise",
    "max_stale_share_rise",
    "max_coverage_drop",
    "max_unmatched_share_rise",
];
const PILOT_KEYS: &[&str] = &["name", "owner", "kpi"];
const THRESHOLD_KEYS: &[&str] = &[
    "max_age",
    "stale_after",
    "max_stale_share",
    "max_missing_share",
    "min_label_coverage",
    "min_class_examples",
    "max_duplicate_keys",
    "max_duplicate_records",
    "max_label_conflict_share",
    "placeholders",
    "pushdown",
    "pushdown_above",
];
const SOURCE_KEYS: &[&str] = &[
    "name",
    "path",
    "url",
    "table",
    "query",
    "password_env",
    "format",
    "delimiter",
    "timestamp",
    "label",
    "label_inputs",
    "key",
    "unique",
    "required",
    "pii",
    "timeout",
    "columns",
    "tls",
    "password_command",
    "region",
    "endpoint",
    "credentials_profile",
    "version",
    "as_of",
];
const TLS_KEYS: &[&str] = &["mode", "ca", "cert", "key"];
const ENTITY_KEYS: &[&str] = &[
    "name",
    "keys",
    "normalize",
    "compare",
    "unique",
    "max_unmatched_share",
    "max_duplicate_keys",
    "max_conflict_share",
];

/// Reads one value of a threshold (a share, a count, a duration) at a key path.
type ReadOne<'f, W, T> = dyn FnMut(&mut W, &Spanned<DeValue<'_>>, &str) -> Option<T> + 'f;

struct Walker<'a> {
    text: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl Walker<'_> {
    fn line_col(&self, span: &Range<usize>) -> (usize, usize) {
        let upto = self.text.get(..span.start.min(self.text.len())).unwrap_or("");
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    fn problem(&mut self, span: &Range<usize>, key: &str, message: String, hint: Option<String>) {
        let (line, col) = self.line_col(span);
        self.problems.push(Problem { line, col, key: key.to_string(), message, hint });
    }

    fn unknown_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], path: &str) {
        for (k, _) in table.iter() {
            let name = k.get_ref().as_ref();
            if !allowed.contains(&name) {
                let hint = match did_you_mean(name, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expected one of {}", list(allowed)),
                };
                self.problem(&k.span(), &join(path, name), format!("unknown key `{name}`"), Some(hint));
            }
        }
    }

    fn string(&mut self, table: &DeTable<'_>, key: &str, path: &str) -> Option<Spanned<String>> {
        let v = get(table, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            other => {
                self.problem(
                    &v.span(),
                    &join(path, key),
                    format!("expected a string, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    fn named(&mut self, table: &DeTable<'_>, key: &str, path: &str) -> Option<Named> {
        let s = self.string(table, key, path)?;
        let (line, col) = self.line_col(&s.span());
        Some(Named { name: s.into_inner(), line, col })
    }

    fn string_list(&mut self, table: &DeTable<'_>, key: &str, path: &str) -> Option<Vec<Spanned<String>>> {
        let v = get(table, key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.problem(
                &v.span(),
                &join(path, key),
                format!("expected an array of strings, found {}", v.get_ref().type_str()),
                None,
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                other => self.problem(
                    &item.span(),
                    &format!("{}[{i}]", join(path, key)),
                    format!("expected a string, found {}", other.type_str()),
                    None,
                ),
            }
        }
        Some(out)
    }

    fn named_list(&mut self, table: &DeTable<'_>, key: &str, path: &str) -> Vec<Named> {
        self.string_list(table, key, path)
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                let (line, col) = self.line_col(&s.span());
                Named { name: s.into_inner(), line, col }
            })
            .collect()
    }

    fn boolean(&mut self, table: &DeTable<'_>, key: &str, path: &str) -> Option<bool> {
        let v = get(table, key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.problem(
                    &v.span(),
                    &join(path, key),
                    format!("expected true or false, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

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

    fn share(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<f64> {
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

    fn count(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<u64> {
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

    fn duration(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<i64> {
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
    fn limit<T: Copy + PartialOrd + std::fmt::Display>(
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

    fn thresholds(&mut self, table: &DeTable<'_>, path: &str, base: &Thresholds) -> Thresholds {
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
            ("max_label_conflict_share", &mut t.max_label_conflict_share, false),
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
        if let Some(v) = get(table, "max_duplicate_records")
            && let Some(l) = self.limit(v, &join(path, "max_duplicate_records"), false, &mut |w, v, p| w.count(v, p))
        {
            t.max_duplicate_records = l;
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
    fn trend(&mut self, table: &DeTable<'_>) -> TrendSettings {
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

    /// The `[review]` table: one declaration per row people answer, and the monitoring window.
    fn review(&mut self, table: &DeTable<'_>, span: &Range<usize>) -> Review {
        let mut review = Review { present: true, line: self.line_col(span).0, ..Review::default() };
        for (k, _) in table.iter() {
            let name = k.get_ref().as_ref();
            if name == "owner" {
                self.problem(
                    &k.span(),
                    "review.owner",
                    "the Owner row is not declared in `[review]`".into(),
                    Some("name the one accountable person as `owner = \"…\"` under `[pilot]`".into()),
                );
            } else if !REVIEW_KEYS.contains(&name) {
                let hint = match did_you_mean(name, REVIEW_KEYS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expected one of {}", list(REVIEW_KEYS)),
                };
                self.problem(&k.span(), &join("review", name), format!("unknown key `{name}`"), Some(hint));
            }
        }
        for (key, slot) in [
            ("business_metric", &mut review.business_metric),
            ("workflow_fit", &mut review.workflow_fit),
            ("monitoring", &mut review.monitoring),
            ("rollout_plan", &mut review.rollout_plan),
        ] {
            if let Some(v) = get(table, key) {
                *slot = self.declaration(v, &join("review", key));
            }
        }
        if let Some(v) = get(table, "monitoring_window")
            && let Some(d) = self.duration(v, "review.monitoring_window")
        {
            if d <= 0 {
                self.problem(
                    &v.span(),
                    "review.monitoring_window",
                    "`monitoring_window` must be longer than zero".into(),
                    Some("the default is \"48h\": a nightly scan with a day's slack".into()),
                );
            } else {
                review.monitoring_window = d;
            }
        }
        review
    }

    /// `{ status = "pass" | "fail" | "unknown", by = "…", note = "…" }`; a pass or a fail must
    /// say who declared it, since the review holds that person to it.
    fn declaration(&mut self, v: &Spanned<DeValue<'_>>, path: &str) -> Option<Declaration> {
        let DeValue::Table(t) = v.get_ref() else {
            self.problem(
                &v.span(),
                path,
                format!(
                    "expected a table such as `{{ status = \"pass\", by = \"…\", note = \"…\" }}`, found {}",
                    v.get_ref().type_str()
                ),
                None,
            );
            return None;
        };
        self.unknown_keys(t, DECLARATION_KEYS, path);
        let by = self.string(t, "by", path).map(Spanned::into_inner).filter(|b| !b.trim().is_empty());
        let note = self.string(t, "note", path).map(Spanned::into_inner).filter(|n| !n.trim().is_empty());
        let status = match self.string(t, "status", path) {
            Some(s) => match s.get_ref().as_str() {
                "pass" => ReviewStatus::Pass,
                "fail" => ReviewStatus::Fail,
                "unknown" => ReviewStatus::Unknown,
                other => {
                    let lower = other.trim().to_ascii_lowercase();
                    let hint = match did_you_mean(&lower, ["pass", "fail", "unknown"]) {
                        Some(x) => format!("did you mean `{x}`?"),
                        None => "expected `pass`, `fail` or `unknown`".into(),
                    };
                    self.problem(&s.span(), &join(path, "status"), format!("unknown status `{other}`"), Some(hint));
                    return None;
                }
            },
            None => {
                if get(t, "status").is_none() {
                    self.problem(
                        &v.span(),
                        &join(path, "status"),
                        "missing required key `status`".into(),
                        Some("add `status = \"pass\"`, `\"fail\"` or `\"unknown\"`".into()),
                    );
                }
                return None;
            }
        };
        if status != ReviewStatus::Unknown && by.is_none() {
            let at = get(t, "by").map_or_else(|| v.span(), |b| b.span());
            self.problem(
                &at,
                &join(path, "by"),
                "a declared pass or fail needs the name of who declared it".into(),
                Some("add `by = \"name\"`: the review holds that person to it".into()),
            );
        }
        Some(Declaration { status, by, note })
    }

    /// Reports `source` when no `[[sources]]` table declares it.
    fn declared_source(&mut self, span: &Range<usize>, key: &str, entity: &str, source: &str, declared: &[String]) {
        if declared.iter().any(|d| d == source) {
            return;
        }
        let hint = match did_you_mean(source, declared.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if declared.is_empty() => "declare it in a `[[sources]]` table".to_string(),
            None => format!(
                "declared sources: {}",
                declared.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        self.problem(
            span,
            key,
            format!("entity `{entity}` refers to source `{source}`, which is not declared"),
            Some(hint),
        );
    }

    fn array_of_tables<'t>(&mut self, root: &'t DeTable<'_>, key: &str) -> Vec<(usize, &'t Spanned<DeValue<'t>>)>
    where
        't: 't,
    {
        let Some(v) = get(root, key) else { return Vec::new() };
        let DeValue::Array(items) = v.get_ref() else {
            self.problem(
                &v.span(),
                key,
                format!("expected `[[{key}]]` tables, found {}", v.get_ref().type_str()),
                None,
            );
            return Vec::new();
        };
        items.iter().enumerate().collect()
    }
}

fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(_, v)| v)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn list(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

/// What the walk built: the profile, and for each of its sources and entities the index of the
/// `[[sources]]` / `[[entities]]` table it came from (a table with a fatal problem is dropped,
/// so later checks must not name keys by position in `profile.sources`).
pub(super) struct Walked {
    pub profile: Profile,
    pub source_index: Vec<usize>,
    pub entity_index: Vec<usize>,
}

/// Builds a `Profile` from text; `None` only when the TOML itself does not parse.
pub(super) fn walk(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Option<Walked> {
    let root = match DeTable::parse(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let mut w = Walker { text, problems };
            let msg = e.message().trim().to_string();
            w.problem(&span, "", format!("TOML syntax error: {msg}"), None);
            return None;
        }
    };
    let root = root.get_ref();
    let mut w = Walker { text, problems };
    w.unknown_keys(root, TOP_KEYS, "");
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();

    let mut pilot = Pilot::default();
    match get(root, "pilot") {
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => {
                w.unknown_keys(t, PILOT_KEYS, "pilot");
                match w.string(t, "name", "pilot") {
                    Some(n) if !n.get_ref().trim().is_empty() => pilot.name = n.into_inner(),
                    Some(n) => w.problem(&n.span(), "pilot.name", "the pilot's name is empty".into(), None),
                    None if get(t, "name").is_none() => w.problem(
                        &v.span(),
                        "pilot.name",
                        "missing required key `name`".into(),
                        Some("add `name = \"my-pilot\"` under `[pilot]`".into()),
                    ),
                    None => {}
                }
                pilot.owner = w.string(t, "owner", "pilot").map(Spanned::into_inner);
                pilot.kpi = w.string(t, "kpi", "pilot").map(Spanned::into_inner);
            }
            other => {
                w.problem(&v.span(), "pilot", format!("expected a table `[pilot]`, found {}", other.type_str()), None)
            }
        },
        None => w.problem(
            &(0..0),
            "pilot",
            "missing required table `[pilot]`".into(),
            Some("add `[pilot]` with `name = \"…\"`".into()),
        ),
    }

    let mut defaults = Thresholds::default();
    if let Some(v) = get(root, "defaults") {
        match v.get_ref() {
            DeValue::Table(t) => {
                w.unknown_keys(t, THRESHOLD_KEYS, "defaults");
                defaults = w.thresholds(t, "defaults", &Thresholds::default());
            }
            other => w.problem(
                &v.span(),
                "defaults",
                format!("expected a table `[defaults]`, found {}", other.type_str()),
                None,
            ),
        }
    }

    let mut trend = TrendSettings::default();
    if let Some(v) = get(root, "trend") {
        match v.get_ref() {
            DeValue::Table(t) => {
                w.unknown_keys(t, TREND_KEYS, "trend");
                trend = w.trend(t);
            }
            other => {
                w.problem(&v.span(), "trend", format!("expected a table `[trend]`, found {}", other.type_str()), None)
            }
        }
    }

    let mut review = Review::default();
    if let Some(v) = get(root, "review") {
        match v.get_ref() {
            DeValue::Table(t) => review = w.review(t, &v.span()),
            other => {
                w.problem(&v.span(), "review", format!("expected a table `[review]`, found {}", other.type_str()), None)
            }
        }
    }

    let mut sources = Vec::new();
    let mut source_index = Vec::new();
    // Every name written in a `[[sources]]` table, even one dropped for another problem, so
    // that an entity referring to it is not also reported as referring to an undeclared source.
    let mut declared: Vec<String> = Vec::new();
    for (i, item) in w.array_of_tables(root, "sources") {
        let path_key = format!("sources[{i}]");
        let DeValue::Table(t) = item.get_ref() else {
            w.problem(&item.span(), &path_key, "expected a table".into(), None);
            continue;
        };
        if let Some(n) = get(t, "name")
            && let DeValue::String(name) = n.get_ref()
        {
            if declared.iter().any(|d| d == name.as_ref()) {
                w.problem(
                    &n.span(),
                    &join(&path_key, "name"),
                    format!("source name `{name}` is declared twice"),
                    Some("every source needs its own name; findings and entities refer to it".into()),
                );
            } else {
                declared.push(name.to_string());
            }
        }
        if let Some(s) = source(&mut w, t, &item.span(), &path_key, &dir, &defaults) {
            sources.push(s);
            source_index.push(i);
        }
    }
    if get(root, "sources").is_none() {
        w.problem(
            &(text.len()..text.len()),
            "sources",
            "the profile declares no `[[sources]]`".into(),
            Some("add at least one `[[sources]]` table with `name` and `path` or `url`".into()),
        );
    }

    let mut entities = Vec::new();
    let mut entity_index = Vec::new();
    for (i, item) in w.array_of_tables(root, "entities") {
        let path_key = format!("entities[{i}]");
        let DeValue::Table(t) = item.get_ref() else {
            w.problem(&item.span(), &path_key, "expected a table".into(), None);
            continue;
        };
        if let Some(e) = entity(&mut w, t, &item.span(), &path_key, &declared) {
            entities.push(e);
            entity_index.push(i);
        }
    }

    Some(Walked {
        profile: Profile { path: path.to_path_buf(), pilot, sources, entities, trend, review },
        source_index,
        entity_index,
    })
}

fn source(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    path: &str,
    dir: &Path,
    defaults: &Thresholds,
) -> Option<SourceSpec> {
    let allowed: Vec<&str> = SOURCE_KEYS.iter().chain(THRESHOLD_KEYS).copied().collect();
    w.unknown_keys(t, &allowed, path);
    let (line, _) = w.line_col(span);
    let name = match w.string(t, "name", path) {
        Some(n) if valid_name(n.get_ref()) => n.into_inner(),
        Some(n) => {
            w.problem(
                &n.span(),
                &join(path, "name"),
                format!("source name `{}` must be letters, digits, `_` or `-`", n.get_ref()),
                None,
            );
            n.into_inner()
        }
        None => {
            if get(t, "name").is_none() {
                w.problem(span, &join(path, "name"), "missing required key `name`".into(), None);
            }
            format!("source{}", path.trim_start_matches("sources"))
        }
    };
    let file = w.string(t, "path", path);
    let url = w.string(t, "url", path);
    // Spark reads files by path itself: `path` beside an `sc://` URL names what the cluster reads.
    let (file, cluster_path) = match (file, &url) {
        (Some(p), Some(u)) if u.get_ref().starts_with("sc://") => (None, Some(p.into_inner())),
        (f, _) => (f, None),
    };
    let location = match (file, url) {
        (Some(p), None) => {
            if p.get_ref().trim().is_empty() {
                w.problem(&p.span(), &join(path, "path"), "path is empty".into(), None);
            }
            // An object-store URL is not a file path: it is kept as written.
            let resolved: PathBuf = match crate::profile::is_object_url(p.get_ref()) {
                true => PathBuf::from(p.get_ref()),
                false => dir.join(p.get_ref()),
            };
            Location::Path { written: p.into_inner(), resolved }
        }
        (None, Some(u)) => {
            let url = u.get_ref().clone();
            let scheme = url.split("://").next().unwrap_or("");
            if !url.contains("://") || !["postgres", "postgresql", "mysql", "mariadb", "sqlite", "sc"].contains(&scheme)
            {
                w.problem(
                    &u.span(),
                    &join(path, "url"),
                    format!("`{}` is not a database URL this version reads", redact_url(&url)),
                    Some(
                        "expected `postgres://…`, `postgresql://…`, `mysql://…`, `mariadb://…`, `sqlite://…` or \
                         `sc://…` (Spark Connect)"
                            .into(),
                    ),
                );
            }
            Location::Url { redacted: redact_url(&url), url, base: dir.to_path_buf() }
        }
        (Some(p), Some(u)) => {
            w.problem(
                &u.span(),
                &join(path, "url"),
                "a source has either `path` or `url`, not both".into(),
                Some("keep `path` for a file or `url` for a database, and declare the other as its own source".into()),
            );
            Location::Path { resolved: dir.join(p.get_ref()), written: p.into_inner() }
        }
        (None, None) => {
            if get(t, "path").is_none() && get(t, "url").is_none() {
                w.problem(
                    span,
                    path,
                    format!("source `{name}` has neither `path` nor `url`"),
                    Some("add `path = \"data.csv\"` or `url = \"postgres://…\"`".into()),
                );
            }
            return None;
        }
    };
    let format = w.string(t, "format", path).and_then(|f| match f.get_ref().to_ascii_lowercase().as_str() {
        "csv" => Some(FileFormat::Csv),
        "parquet" => Some(FileFormat::Parquet),
        "delta" => Some(FileFormat::Delta),
        other => {
            w.problem(
                &f.span(),
                &join(path, "format"),
                format!("unknown format `{other}`"),
                Some("expected `csv`, `parquet` or `delta`".into()),
            );
            None
        }
    });
    let delimiter = w.string(t, "delimiter", path).and_then(|d| match d.get_ref().as_str() {
        "," => Some(b','),
        ";" => Some(b';'),
        "\t" | "tab" => Some(b'\t'),
        "|" => Some(b'|'),
        other => {
            w.problem(
                &d.span(),
                &join(path, "delimiter"),
                format!("unsupported delimiter `{other}`"),
                Some("expected \",\", \";\", \"\\t\" or \"|\"".into()),
            );
            None
        }
    });
    let table = w.string(t, "table", path).map(Spanned::into_inner);
    let query = w.string(t, "query", path).map(Spanned::into_inner);
    let password_env = w.string(t, "password_env", path).map(Spanned::into_inner);
    let timeout = match get(t, "timeout") {
        Some(v) => match w.duration(v, &join(path, "timeout")) {
            Some(0) => {
                w.problem(
                    &v.span(),
                    &join(path, "timeout"),
                    "timeout must be longer than 0s".into(),
                    Some("for example `timeout = \"5m\"`".into()),
                );
                None
            }
            other => other,
        },
        None => None,
    };
    let timestamp = w.named(t, "timestamp", path);
    let label = w.named(t, "label", path);
    let label_inputs = w.named_list(t, "label_inputs", path);
    if !label_inputs.is_empty()
        && label.is_none()
        && let Some(v) = get(t, "label_inputs")
    {
        w.problem(
            &v.span(),
            &join(path, "label_inputs"),
            "`label_inputs` needs a `label`: conflicts are rows whose inputs agree and labels differ".into(),
            Some("add `label = \"…\"` to this source".into()),
        );
    }
    let key = w.named(t, "key", path);
    let unique = w.boolean(t, "unique", path).unwrap_or(true);
    let required = w.named_list(t, "required", path);
    let pii = w.named_list(t, "pii", path);
    let columns = get(t, "columns").map(|_| w.named_list(t, "columns", path));
    let thresholds = w.thresholds(t, path, defaults);
    let mut connect = connect_spec(w, t, path, dir, &location);
    connect.cluster_path = cluster_path;
    let object = object_options(w, t, path);
    Some(SourceSpec {
        name,
        line,
        location,
        format,
        delimiter,
        table,
        query,
        password_env,
        timeout,
        timestamp,
        label,
        label_inputs,
        key,
        unique,
        required,
        pii,
        columns,
        thresholds,
        connect,
        object,
    })
}

/// `tls` and `password_command`: only for server databases; the files `tls` names must exist.
fn connect_spec(w: &mut Walker<'_>, t: &DeTable<'_>, path: &str, dir: &Path, location: &Location) -> ConnectSpec {
    let server = matches!(location, Location::Url { url, .. } if !url.starts_with("sqlite:"));
    let mut spec = ConnectSpec::default();
    if let Some(v) = get(t, "tls") {
        let key = join(path, "tls");
        if !server {
            w.problem(&v.span(), &key, "`tls` applies to PostgreSQL and MySQL/MariaDB sources only".into(), None);
        }
        match v.get_ref() {
            DeValue::Table(tt) => {
                w.unknown_keys(tt, TLS_KEYS, &key);
                let mut tls = TlsSpec::default();
                if let Some(m) = w.string(tt, "mode", &key) {
                    tls.mode = TlsMode::parse(m.get_ref());
                    if tls.mode.is_none() {
                        w.problem(
                            &m.span(),
                            &join(&key, "mode"),
                            format!("unknown TLS mode `{}`", m.get_ref()),
                            Some(
                                "expected `disable`, `prefer`, `require`, `verify-ca` or `verify-full` \
                                 (MySQL's `DISABLED` … `VERIFY_IDENTITY` also work)"
                                    .into(),
                            ),
                        );
                    }
                }
                for (name, slot) in [("ca", &mut tls.ca), ("cert", &mut tls.cert), ("key", &mut tls.key)] {
                    let Some(p) = w.string(tt, name, &key) else { continue };
                    let resolved = dir.join(p.get_ref());
                    if !resolved.is_file() {
                        w.problem(
                            &p.span(),
                            &join(&key, name),
                            format!("`{}` is not a file (looked for {})", p.get_ref(), resolved.display()),
                            Some("paths in `tls` are relative to the profile's folder".into()),
                        );
                    }
                    *slot = Some(resolved);
                }
                if tls.cert.is_some() != tls.key.is_some() {
                    w.problem(
                        &v.span(),
                        &key,
                        "`cert` and `key` go together: a client certificate needs its key".into(),
                        None,
                    );
                }
                spec.tls = Some(tls);
            }
            other => w.problem(
                &v.span(),
                &key,
                format!("expected a table, found {}", other.type_str()),
                Some("for example `tls = { mode = \"verify-full\", ca = \"certs/root.pem\" }`".into()),
            ),
        }
    }
    if let Some(v) = get(t, "password_command") {
        let key = join(path, "password_command");
        if !server {
            w.problem(
                &v.span(),
                &key,
                "`password_command` applies to PostgreSQL and MySQL/MariaDB sources only".into(),
                None,
            );
        }
        if let Some(argv) = w.string_list(t, "password_command", path) {
            if argv.first().is_none_or(|a| a.get_ref().trim().is_empty()) {
                w.problem(
                    &v.span(),
                    &key,
                    "`password_command` needs a program to run".into(),
                    Some("for example `password_command = [\"aws\", \"rds\", \"generate-db-auth-token\", …]`".into()),
                );
            }
            spec.password_command = Some(argv.into_iter().map(Spanned::into_inner).collect());
        }
        if get(t, "password_env").is_some() {
            w.problem(&v.span(), &key, "a source takes `password_env` or `password_command`, not both".into(), None);
        }
    }
    spec
}

/// `region`, `endpoint` and `credentials_profile` of an object-store source.
fn object_options(w: &mut Walker<'_>, t: &DeTable<'_>, path: &str) -> super::ObjectOptions {
    let region = w.string(t, "region", path).map(Spanned::into_inner);
    let credentials_profile = w.string(t, "credentials_profile", path).map(Spanned::into_inner);
    let endpoint = w.string(t, "endpoint", path).and_then(|e| {
        let text = e.get_ref().clone();
        if !(text.starts_with("http://") || text.starts_with("https://")) {
            w.problem(
                &e.span(),
                &join(path, "endpoint"),
                format!("endpoint `{}` is not an http(s) URL", redact_url(&text)),
                Some("for example `endpoint = \"https://s3.eu-west-1.amazonaws.com\"`".into()),
            );
            return None;
        }
        Some(text)
    });
    let version =
        get(t, "version").and_then(|v| w.count(v, &join(path, "version"))).and_then(|v| i64::try_from(v).ok());
    // Delta time travel by commit time: an RFC 3339 time with its offset, as `--as-of`.
    let as_of = w.string(t, "as_of", path).and_then(|s| match chrono::DateTime::parse_from_rfc3339(s.get_ref()) {
        Ok(d) if version.is_none() => Some(d.timestamp_millis()),
        Ok(_) => {
            w.problem(&s.span(), &join(path, "as_of"), "a source takes `version` or `as_of`, not both".into(), None);
            None
        }
        Err(e) => {
            w.problem(
                &s.span(),
                &join(path, "as_of"),
                format!("`{}` is not an RFC 3339 time ({e})", s.get_ref()),
                Some("for example `as_of = \"2026-01-01T00:00:00Z\"`".into()),
            );
            None
        }
    });
    super::ObjectOptions { region, endpoint, credentials_profile, version, as_of }
}

fn entity(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    path: &str,
    declared: &[String],
) -> Option<EntitySpec> {
    w.unknown_keys(t, ENTITY_KEYS, path);
    let (line, _) = w.line_col(span);
    let name = match w.string(t, "name", path) {
        Some(n) => n.into_inner(),
        None => {
            if get(t, "name").is_none() {
                w.problem(span, &join(path, "name"), "missing required key `name`".into(), None);
            }
            return None;
        }
    };
    let mut keys = Vec::new();
    for k in w.string_list(t, "keys", path).unwrap_or_default() {
        match k.get_ref().split_once('.') {
            Some((s, _)) if keys.iter().any(|(x, _): &(String, String)| x == s) => w.problem(
                &k.span(),
                &join(path, "keys"),
                format!("source `{s}` is listed twice; each system of an entity has one key column"),
                None,
            ),
            Some((s, c)) if !s.is_empty() && !c.is_empty() => {
                w.declared_source(&k.span(), &join(path, "keys"), &name, s, declared);
                keys.push((s.to_string(), c.to_string()))
            }
            _ => w.problem(&k.span(), &join(path, "keys"), format!("`{}` is not `source.column`", k.get_ref()), None),
        }
    }
    if keys.len() < 2 {
        w.problem(
            span,
            &join(path, "keys"),
            format!("entity `{name}` needs keys in at least two systems"),
            Some("write `keys = [\"tickets.customer_id\", \"crm.customer_id\"]`".into()),
        );
    }
    let mut normalize = Vec::new();
    for n in w.string_list(t, "normalize", path).unwrap_or_default() {
        let v = n.get_ref();
        let parsed = match v.as_str() {
            "trim" => Some(Normalization::Trim),
            "lowercase" => Some(Normalization::Lowercase),
            "strip_leading_zeros" => Some(Normalization::StripLeadingZeros),
            "digits_only" => Some(Normalization::DigitsOnly),
            "collapse_whitespace" => Some(Normalization::CollapseWhitespace),
            s if s.starts_with("strip_prefix:") && s.len() > "strip_prefix:".len() => {
                Some(Normalization::StripPrefix(s["strip_prefix:".len()..].to_string()))
            }
            _ => None,
        };
        match parsed {
            Some(p) => normalize.push(p),
            None => {
                const ALL: &[&str] = &[
                    "trim",
                    "lowercase",
                    "strip_prefix:",
                    "strip_leading_zeros",
                    "digits_only",
                    "collapse_whitespace",
                ];
                let hint = did_you_mean(v, ALL.iter().copied())
                    .map_or_else(|| format!("expected one of {}", list(ALL)), |s| format!("did you mean `{s}`?"));
                w.problem(&n.span(), &join(path, "normalize"), format!("unknown normalization `{v}`"), Some(hint));
            }
        }
    }
    let mut compare = Vec::new();
    if let Some(v) = get(t, "compare") {
        match v.get_ref() {
            DeValue::Array(pairs) => {
                for pair in pairs.iter() {
                    let cols: Option<Vec<(String, String)>> = match pair.get_ref() {
                        DeValue::Array(items) if items.len() == 2 => items
                            .iter()
                            .map(|i| {
                                i.get_ref()
                                    .as_str()
                                    .and_then(|s| s.split_once('.'))
                                    .map(|(a, b)| (a.to_string(), b.to_string()))
                            })
                            .collect(),
                        _ => None,
                    };
                    match cols.as_deref() {
                        Some([a, b]) => {
                            if let DeValue::Array(items) = pair.get_ref() {
                                for (item, (s, _)) in items.iter().zip([a, b]) {
                                    w.declared_source(&item.span(), &join(path, "compare"), &name, s, declared);
                                    if declared.contains(s) && !keys.iter().any(|(k, _)| k == s) {
                                        w.problem(
                                            &item.span(),
                                            &join(path, "compare"),
                                            format!("`{s}` is not one of entity `{name}`'s systems"),
                                            Some(
                                                "values are compared per key: add the source's key column to `keys`"
                                                    .into(),
                                            ),
                                        );
                                    }
                                }
                            }
                            compare.push((a.clone(), b.clone()))
                        }
                        _ => w.problem(
                            &pair.span(),
                            &join(path, "compare"),
                            "each comparison is a pair `[\"a.col\", \"b.col\"]`".into(),
                            None,
                        ),
                    }
                }
            }
            other => w.problem(
                &v.span(),
                &join(path, "compare"),
                format!("expected an array of pairs, found {}", other.type_str()),
                None,
            ),
        }
    }
    let mut unique = Vec::new();
    for u in w.string_list(t, "unique", path).unwrap_or_default() {
        w.declared_source(&u.span(), &join(path, "unique"), &name, u.get_ref(), declared);
        if declared.contains(u.get_ref()) && !keys.iter().any(|(k, _)| k == u.get_ref()) {
            w.problem(
                &u.span(),
                &join(path, "unique"),
                format!("`{}` is not one of entity `{name}`'s systems", u.get_ref()),
                None,
            );
        }
        unique.push(u.into_inner());
    }
    let mut e = EntitySpec {
        name,
        line,
        keys,
        normalize,
        compare,
        unique,
        max_unmatched_share: Limit { warn: Some(0.02), fail: Some(0.10) },
        max_duplicate_keys: Limit { warn: None, fail: Some(0) },
        max_conflict_share: Limit { warn: Some(0.01), fail: Some(0.05) },
    };
    if let Some(v) = get(t, "max_unmatched_share")
        && let Some(l) = w.limit(v, &join(path, "max_unmatched_share"), false, &mut |w, v, p| w.share(v, p))
    {
        e.max_unmatched_share = l;
    }
    if let Some(v) = get(t, "max_conflict_share")
        && let Some(l) = w.limit(v, &join(path, "max_conflict_share"), false, &mut |w, v, p| w.share(v, p))
    {
        e.max_conflict_share = l;
    }
    if let Some(v) = get(t, "max_duplicate_keys")
        && let Some(l) = w.limit(v, &join(path, "max_duplicate_keys"), false, &mut |w, v, p| w.count(v, p))
    {
        e.max_duplicate_keys = l;
    }
    Some(e)
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
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
