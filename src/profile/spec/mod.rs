//! Walks the TOML tree of a profile into `Profile`, collecting every problem instead of
//! stopping at the first, each with its line, column, key path and a hint where one helps.

mod entities;
mod limits;
mod sources;

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    Declaration, Named, Pilot, Problem, Profile, Review, ReviewStatus, Thresholds, TrendSettings, did_you_mean,
};
use entities::entity;
use sources::source;

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
    "placeholders",
    "pushdown",
    "pushdown_above",
];
/// The threshold keys with those of the registered measures.
fn threshold_keys() -> Vec<&'static str> {
    THRESHOLD_KEYS.iter().copied().chain(crate::profile::MEASURE_LIMITS.iter().map(|m| m.key)).collect()
}
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
                w.unknown_keys(t, &threshold_keys(), "defaults");
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
