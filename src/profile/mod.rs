//! The readiness profile: what "ready" means for one pilot, loaded from TOML and validated.
//!
//! `load` reads and validates in one step and reports every problem at once; the walk over
//! the TOML tree lives in `spec/`, the checks that need more than one key in `validate.rs`.

mod duration;
mod spec;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use duration::{format_duration, parse_duration, suggest_duration};

#[cfg(test)]
mod review_tests;

/// A validated profile. Paths inside it are already resolved against the profile's folder.
#[derive(Clone, Debug)]
pub struct Profile {
    pub path: PathBuf,
    pub pilot: Pilot,
    pub sources: Vec<SourceSpec>,
    pub entities: Vec<EntitySpec>,
    /// How a scan is judged against earlier scans (`[trend]`); used only with `--history`.
    pub trend: TrendSettings,
    /// The go/no-go rows preflight cannot measure, as the team declared them (`[review]`).
    pub review: Review,
}

#[derive(Clone, Debug, Default)]
pub struct Pilot {
    pub name: String,
    pub owner: Option<String>,
    pub kpi: Option<String>,
}

/// A warn/fail pair. A bare number in the profile is a fail-only limit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limit<T> {
    pub warn: Option<T>,
    pub fail: Option<T>,
}

/// Thresholds in force for one source: the profile's defaults overlaid by the source's own keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Seconds.
    pub max_age: Limit<i64>,
    /// Seconds.
    pub stale_after: i64,
    pub max_stale_share: Limit<f64>,
    pub max_missing_share: Limit<f64>,
    pub min_label_coverage: Limit<f64>,
    pub min_class_examples: u64,
    pub max_duplicate_keys: Limit<u64>,
    pub placeholders: Vec<String>,
    /// SQL sources: stream the rows, or push the measures down into the database.
    pub pushdown: PushdownMode,
    /// `pushdown = "auto"` pushes down tables whose estimated size is above this many bytes.
    pub pushdown_above: u64,
    /// The limits `MEASURE_LIMITS` declares, in its order.
    pub measure_limits: Vec<AnyLimit>,
}

/// A count or share limit read by a measure that registers itself in `measures::ADDED`: the
/// profile accepts its key in `[defaults]` and in a source, in the `{ warn, fail }` forms of
/// the built-in keys. This row is all the profile knows of such a measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeasureLimit {
    pub key: &'static str,
    /// Whether the limit is a count or a share, and what holds when the profile says nothing.
    pub default: AnyLimit,
    /// `min_…` limits: a lower value is the worse one.
    pub lower_is_worse: bool,
}

/// A count limit or a share limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyLimit {
    Count(Limit<u64>),
    Share(Limit<f64>),
}

/// Every limit of a registered measure.
pub const MEASURE_LIMITS: &[MeasureLimit] = &[
    // No default: the count is reported either way, and judged only when the profile asks.
    MeasureLimit {
        key: "max_duplicate_records",
        default: AnyLimit::Count(Limit { warn: None, fail: None }),
        lower_is_worse: false,
    },
    // Share of labeled rows in groups whose inputs agree and labels do not (`label_inputs`).
    MeasureLimit {
        key: "max_label_conflict_share",
        default: AnyLimit::Share(Limit { warn: Some(0.01), fail: Some(0.05) }),
        lower_is_worse: false,
    },
];

impl Thresholds {
    /// The count limit `key` of `MEASURE_LIMITS`; no limit for a key it does not declare.
    pub fn count_limit(&self, key: &str) -> Limit<u64> {
        match self.measure_limit(key) {
            Some(AnyLimit::Count(l)) => l,
            _ => Limit::default(),
        }
    }

    /// The share limit `key` of `MEASURE_LIMITS`; no limit for a key it does not declare.
    pub fn share_limit(&self, key: &str) -> Limit<f64> {
        match self.measure_limit(key) {
            Some(AnyLimit::Share(l)) => l,
            _ => Limit::default(),
        }
    }

    fn measure_limit(&self, key: &str) -> Option<AnyLimit> {
        let i = MEASURE_LIMITS.iter().position(|m| m.key == key)?;
        self.measure_limits.get(i).copied()
    }

    /// Sets the limit `key` of `MEASURE_LIMITS`; a key it does not declare is ignored.
    pub fn set_limit(&mut self, key: &str, limit: AnyLimit) {
        if let Some(slot) =
            MEASURE_LIMITS.iter().position(|m| m.key == key).and_then(|i| self.measure_limits.get_mut(i))
        {
            *slot = limit;
        }
    }
}

/// The `pushdown` key: how a SQL source is read (DESIGN §6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PushdownMode {
    /// Stream below `pushdown_above`, push down above it.
    #[default]
    Auto,
    Always,
    Never,
}

/// Tables up to this size are streamed by `pushdown = "auto"`: 4 GiB. Streaming 1,000,000 rows
/// of the benchmark's tickets table (about 150 MB in each engine) took 1 to 3 s on 2 cores
/// where push-down took tens of seconds, so streaming pays until the transfer itself (about
/// a minute per 4 GiB on the same machine) outweighs the database's own work.
pub const DEFAULT_PUSHDOWN_ABOVE: u64 = 4 << 30;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_age: Limit { warn: Some(2 * 86_400), fail: Some(7 * 86_400) },
            stale_after: 365 * 86_400,
            max_stale_share: Limit { warn: Some(0.3), fail: Some(0.6) },
            max_missing_share: Limit { warn: Some(0.02), fail: Some(0.10) },
            min_label_coverage: Limit { warn: Some(0.8), fail: Some(0.5) },
            min_class_examples: 30,
            max_duplicate_keys: Limit { warn: None, fail: Some(0) },
            placeholders: DEFAULT_PLACEHOLDERS.iter().map(|s| s.to_string()).collect(),
            pushdown: PushdownMode::Auto,
            pushdown_above: DEFAULT_PUSHDOWN_ABOVE,
            measure_limits: MEASURE_LIMITS.iter().map(|m| m.default).collect(),
        }
    }
}

/// The `[trend]` table: how far a measure may move against earlier scans before it is a
/// regression. Rises and drops are in share points (0.02 = 2 points), `max_row_change` is
/// relative to the previous scan's count (0.2 = 20%).
#[derive(Clone, Debug, PartialEq)]
pub struct TrendSettings {
    /// Earlier scans a baseline needs before it judges; fewer is a PASS that says so.
    pub min_history: u64,
    /// How many of the most recent earlier scans make the baseline (their median).
    pub baseline_scans: u64,
    pub max_row_change: Limit<f64>,
    /// Columns added, removed or retyped since the previous scan.
    pub max_schema_changes: Limit<u64>,
    pub max_missing_share_rise: Limit<f64>,
    pub max_stale_share_rise: Limit<f64>,
    pub max_coverage_drop: Limit<f64>,
    pub max_unmatched_share_rise: Limit<f64>,
}

impl Default for TrendSettings {
    fn default() -> Self {
        TrendSettings {
            min_history: 3,
            baseline_scans: 7,
            max_row_change: Limit { warn: Some(0.2), fail: Some(0.5) },
            max_schema_changes: Limit { warn: Some(0), fail: None },
            max_missing_share_rise: Limit { warn: Some(0.02), fail: Some(0.05) },
            max_stale_share_rise: Limit { warn: Some(0.05), fail: Some(0.15) },
            max_coverage_drop: Limit { warn: Some(0.05), fail: Some(0.15) },
            max_unmatched_share_rise: Limit { warn: Some(0.02), fail: Some(0.05) },
        }
    }
}

/// The `[review]` table: the rows of the production checklist that only people can answer,
/// each with who answered and a note or link, and how recent an earlier scan must be to count
/// as monitoring.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// Whether the profile has a `[review]` table at all (the report says how to add one).
    pub present: bool,
    pub business_metric: Option<Declaration>,
    pub workflow_fit: Option<Declaration>,
    pub monitoring: Option<Declaration>,
    pub rollout_plan: Option<Declaration>,
    /// Seconds (`monitoring_window`, default 48h).
    pub monitoring_window: i64,
    /// Line of the `[review]` header, 0 when absent.
    pub line: usize,
}

/// The default `monitoring_window`: 48 hours.
pub const DEFAULT_MONITORING_WINDOW_SECS: i64 = 48 * 3600;

impl Default for Review {
    fn default() -> Self {
        Review {
            present: false,
            business_metric: None,
            workflow_fit: None,
            monitoring: None,
            rollout_plan: None,
            monitoring_window: DEFAULT_MONITORING_WINDOW_SECS,
            line: 0,
        }
    }
}

/// One declared row: `{ status = "pass" | "fail" | "unknown", by = "…", note = "…" }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub status: ReviewStatus,
    pub by: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewStatus {
    Pass,
    Fail,
    Unknown,
}

/// Statement timeout of a SQL source when the profile sets none: 5 minutes.
pub const DEFAULT_SQL_TIMEOUT_SECS: i64 = 300;

pub const DEFAULT_PLACEHOLDERS: &[&str] =
    &["N/A", "NA", "n/a", "null", "NULL", "None", "none", "-", "?", "unknown", "TBD"];

/// A name in the profile together with where it was written, for messages about it later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A file, glob or directory, resolved against the profile's folder.
    Path { written: String, resolved: PathBuf },
    /// A database URL as written (may hold a password; print only `redacted`), and the
    /// profile's folder, which a relative `sqlite://` path is resolved against.
    Url { url: String, redacted: String, base: PathBuf },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Parquet,
    /// A Delta Lake table: a folder with `_delta_log/`.
    Delta,
}

#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub name: String,
    pub line: usize,
    pub location: Location,
    pub format: Option<FileFormat>,
    pub delimiter: Option<u8>,
    pub table: Option<String>,
    pub query: Option<String>,
    pub password_env: Option<String>,
    /// Statement timeout for SQL sources, seconds (`timeout`); `None` means the default.
    pub timeout: Option<i64>,
    pub timestamp: Option<Named>,
    pub label: Option<Named>,
    /// `label_inputs`: the columns a model reads to predict the label (label conflicts).
    pub label_inputs: Vec<Named>,
    pub key: Option<Named>,
    /// Whether the source's own key must be unique (default true).
    pub unique: bool,
    pub required: Vec<Named>,
    /// Columns known to hold personal data, acknowledged by the profile's owner.
    pub pii: Vec<Named>,
    /// `columns`: measure only these (and every column the profile names for the source);
    /// `None` measures them all.
    pub columns: Option<Vec<Named>>,
    pub thresholds: Thresholds,
    /// How a database source connects: TLS and where its password comes from.
    pub connect: ConnectSpec,
    /// Object-store settings (`region`, `endpoint`, `credentials_profile`); never credentials.
    pub object: ObjectOptions,
}

/// A database source's connection settings beyond its URL (`tls`, `password_command`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectSpec {
    pub tls: Option<TlsSpec>,
    /// argv of a command whose trimmed stdout is the password (no shell).
    pub password_command: Option<Vec<String>>,
    /// Spark: files the cluster reads by path (`path` beside an `sc://` URL), with `format`.
    pub cluster_path: Option<String>,
}

/// The profile's `tls = { mode, ca, cert, key }`; paths are resolved against the profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSpec {
    pub mode: Option<TlsMode>,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// TLS modes in PostgreSQL's words; MySQL's `ssl-mode` names map onto the same five.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl TlsMode {
    /// Reads PostgreSQL's `sslmode` or MySQL's `ssl-mode` spelling, case-insensitively.
    pub fn parse(s: &str) -> Option<TlsMode> {
        Some(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "disable" | "disabled" => TlsMode::Disable,
            "prefer" | "preferred" | "allow" => TlsMode::Prefer,
            "require" | "required" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" | "verify-identity" => TlsMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

/// How to reach an object store; credentials come from the cloud's own chain, not from here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectOptions {
    pub region: Option<String>,
    /// An S3-compatible (or emulator) endpoint; plain `http://` only when written here.
    pub endpoint: Option<String>,
    /// A named profile of the shared credentials files (`~/.aws/credentials`).
    pub credentials_profile: Option<String>,
    /// Delta Lake: the table version to read (`version`); the latest when `None`.
    pub version: Option<i64>,
    /// Delta Lake: the latest version committed at or before this time (`as_of`, Unix ms).
    pub as_of: Option<i64>,
}

impl SourceSpec {
    /// Every column the profile names for this source, with the key that named it.
    pub fn named_columns(&self) -> Vec<(&'static str, &Named)> {
        let mut out = Vec::new();
        for (what, n) in [("timestamp", &self.timestamp), ("label", &self.label), ("key", &self.key)] {
            if let Some(n) = n {
                out.push((what, n));
            }
        }
        out.extend(self.required.iter().map(|n| ("required", n)));
        out.extend(self.label_inputs.iter().map(|n| ("label_inputs", n)));
        out.extend(self.pii.iter().map(|n| ("pii", n)));
        out.extend(self.columns.iter().flatten().map(|n| ("columns", n)));
        out
    }
}

#[derive(Clone, Debug)]
pub struct EntitySpec {
    pub name: String,
    pub line: usize,
    /// `(source, column)` pairs.
    pub keys: Vec<(String, String)>,
    pub normalize: Vec<Normalization>,
    pub compare: Vec<((String, String), (String, String))>,
    pub unique: Vec<String>,
    pub max_unmatched_share: Limit<f64>,
    pub max_duplicate_keys: Limit<u64>,
    pub max_conflict_share: Limit<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Normalization {
    Trim,
    Lowercase,
    StripPrefix(String),
    StripLeadingZeros,
    DigitsOnly,
    CollapseWhitespace,
}

/// One thing wrong with a profile, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub col: usize,
    /// Dotted path of the offending key, e.g. `sources[2].timestamp`.
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("failed to read profile `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}", render_invalid(path, text, problems))]
    Invalid { path: PathBuf, text: String, problems: Vec<Problem> },
}

impl ProfileError {
    pub fn problems(&self) -> &[Problem] {
        match self {
            ProfileError::Io { .. } => &[],
            ProfileError::Invalid { problems, .. } => problems,
        }
    }
}

/// Renders problems the way a compiler would: location, the offending line, a caret, a hint.
fn render_invalid(path: &Path, text: &str, problems: &[Problem]) -> String {
    let mut out = format!(
        "profile `{}` is invalid: {} problem{}",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!("\n\n{}:{}:{}: ", path.display(), p.line, p.col));
        if !p.key.is_empty() {
            out.push_str(&format!("`{}`: ", p.key));
        }
        out.push_str(&p.message);
        if let Some(src) = text.lines().nth(p.line.saturating_sub(1)) {
            let width = p.line.to_string().len();
            out.push_str(&format!(
                "\n {:width$} |\n {} | {}\n {:width$} | {}^",
                "",
                p.line,
                src,
                "",
                " ".repeat(p.col.saturating_sub(1))
            ));
        }
        if let Some(h) = &p.hint {
            out.push_str(&format!("\n  hint: {h}"));
        }
    }
    out
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
            FileFormat::Delta => "delta",
        })
    }
}

impl Profile {
    /// Reads and validates a profile; every problem found is in the error.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ProfileError::Io { path: path.to_path_buf(), source })?;
        Profile::from_str(path, &text)
    }

    /// Validates profile text as if it were read from `path` (paths resolve against its folder).
    pub fn from_str(path: &Path, text: &str) -> Result<Profile, ProfileError> {
        let mut problems = Vec::new();
        let walked = spec::walk(path, text, &mut problems);
        if let Some(w) = &walked {
            validate::cross_checks(w, &mut problems);
        }
        let profile = walked.map(|w| w.profile);
        problems.sort_by_key(|p| (p.line, p.col));
        problems.dedup();
        match profile {
            Some(p) if problems.is_empty() => Ok(p),
            _ => Err(ProfileError::Invalid { path: path.to_path_buf(), text: text.to_string(), problems }),
        }
    }
}

/// The closest candidate within a small edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_l = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let c_l = c.to_lowercase();
            // `entity` for `entities`, `source` for `sources`: a plural is one edit, however spelt.
            let plural = singular(&word_l) == singular(&c_l) && word_l != c_l;
            (if plural { 1 } else { edit_distance(&word_l, &c_l) }, c)
        })
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1) || *d <= 2 && word.len() > 3)
        // On a tie, the candidate sharing the longest prefix: first letters are rarely mistyped.
        .min_by_key(|(d, c)| (*d, std::cmp::Reverse(common_prefix(&word_l, &c.to_lowercase()))))
        .map(|(_, c)| c)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        word.strip_suffix('s').unwrap_or(word).to_string()
    }
}

/// Edits (insert, delete, substitute, or swap two adjacent letters) turning `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                cur[j + 1] = cur[j + 1].min(before[j - 1] + 1);
            }
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// Whether a written path (a source's `path`) is an object-store URL rather than a local path.
pub fn is_object_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once("://") else { return false };
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "s3" | "s3a" | "gs" | "az" | "azure" | "abfs" | "abfss" | "adl" | "https" | "http"
    )
}

/// Replaces the password in a URL with `***`, keeping everything else readable.
pub fn redact_url(url: &str) -> String {
    // Spark Connect: `sc://host:15002/;token=…;…` carries its secret as a parameter.
    if let Some(rest) = url.strip_prefix("sc://") {
        let parts: Vec<String> = rest
            .split(';')
            .map(|kv| match kv.trim().strip_prefix("token=") {
                Some(_) => "token=***".to_string(),
                None => kv.to_string(),
            })
            .collect();
        return format!("sc://{}", parts.join(";"));
    }
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &rest[at..]),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

/// Whether a URL carries a password in its user-info part.
pub fn url_has_password(url: &str) -> bool {
    redact_url(url) != url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("mysql://u:p@ss@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact_url("sqlite://data/crm.db"), "sqlite://data/crm.db");
        assert_eq!(redact_url("sc://h:15002/;token=s3cret;use_ssl=true"), "sc://h:15002/;token=***;use_ssl=true");
        assert!(url_has_password("sc://h:15002/;token=x"));
        assert!(!url_has_password("sc://h:15002/;use_ssl=true"));
        assert!(url_has_password("postgres://u:x@h/db"));
        assert!(!url_has_password("postgres://u@h/db?x=a:b@c"));
    }

    const SOURCE: &str = "[[sources]]\nname = \"t\"\npath = \"t.csv\"\n";

    fn trend_of(table: &str) -> Result<TrendSettings, Vec<Problem>> {
        let text = format!("[pilot]\nname = \"p\"\n\n{table}\n{SOURCE}");
        match Profile::from_str(Path::new("p.toml"), &text) {
            Ok(p) => Ok(p.trend),
            Err(e) => Err(e.problems().to_vec()),
        }
    }

    #[test]
    fn trend_keys_default_and_override() {
        assert_eq!(trend_of(""), Ok(TrendSettings::default()));
        let t = trend_of(
            "[trend]\nmin_history = 5\nmax_row_change = { warn = 0.1, fail = 2 }\nmax_schema_changes = 0\n\
             max_coverage_drop = 0.2\n",
        );
        let Ok(t) = t else { panic!("{t:?}") };
        assert_eq!(t.min_history, 5);
        assert_eq!(t.baseline_scans, 7);
        assert_eq!(t.max_row_change, Limit { warn: Some(0.1), fail: Some(2.0) });
        assert_eq!(t.max_schema_changes, Limit { warn: None, fail: Some(0) });
        assert_eq!(t.max_coverage_drop, Limit { warn: None, fail: Some(0.2) });
        // Raising only `min_history` past the window widens the window with it.
        assert_eq!(trend_of("[trend]\nmin_history = 10\n").map(|t| t.baseline_scans), Ok(10));
    }

    #[test]
    fn trend_mistakes_are_located_and_explained() {
        let problems = trend_of(
            "[trend]\nmin_histroy = 3\nbaseline_scans = 2\nmax_row_change = -0.5\nmax_missing_share_rise = 2\n\
             max_stale_share_rise = \"5%\"\n",
        )
        .err()
        .unwrap_or_default();
        let got: Vec<(usize, &str, &str, Option<&str>)> =
            problems.iter().map(|p| (p.line, p.key.as_str(), p.message.as_str(), p.hint.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                (5, "trend.min_histroy", "unknown key `min_histroy`", Some("did you mean `min_history`?")),
                (
                    6,
                    "trend.baseline_scans",
                    "`baseline_scans` (2) is smaller than `min_history` (3): the baseline could never hold enough scans",
                    Some("set `baseline_scans` to 3 or more")
                ),
                (
                    7,
                    "trend.max_row_change",
                    "`-0.5` is out of range: expected a fraction of 0 or more",
                    Some("0.2 means a change of 20% against the previous scan; 1 means doubled (or fell to zero)")
                ),
                (
                    8,
                    "trend.max_missing_share_rise",
                    "share `2` is out of range: expected a number between 0 and 1",
                    Some("write shares as fractions: 0.05 means 5%")
                ),
                (9, "trend.max_stale_share_rise", "expected a share between 0 and 1, found string", None),
            ]
        );
        let zero = trend_of("[trend]\nmin_history = 0\n").err().unwrap_or_default();
        assert_eq!(
            zero.first().map(|p| p.message.as_str()),
            Some("`min_history` must be at least 1: a baseline needs an earlier scan")
        );
        let text = format!("trend = 3\n[pilot]\nname = \"p\"\n{SOURCE}");
        let not_table = Profile::from_str(Path::new("p.toml"), &text).err().map(|e| e.problems().to_vec());
        let first = not_table.unwrap_or_default().first().map(|p| (p.line, p.message.clone()));
        assert_eq!(first, Some((1, "expected a table `[trend]`, found integer".to_string())));
        let typo = trend_of("[trends]\n").err().unwrap_or_default();
        assert_eq!(typo.first().and_then(|p| p.hint.as_deref()), Some("did you mean `trend`?"));
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(did_you_mean("timestmp", ["timestamp", "label"]), Some("timestamp"));
        assert_eq!(did_you_mean("updated", ["updated_at", "created_at"]), Some("updated_at"));
        assert_eq!(did_you_mean("zzz", ["timestamp", "label"]), None);
        assert_eq!(did_you_mean("entity", ["pilot", "defaults", "sources", "entities"]), Some("entities"));
        assert_eq!(did_you_mean("source", ["pilot", "defaults", "sources", "entities"]), Some("sources"));
        assert_eq!(did_you_mean("lable", ["table", "label"]), Some("label"));
        assert_eq!(edit_distance("lable", "label"), 1);
        assert_eq!(edit_distance("abc", "ca"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// Guards the profile loader on generated and mutated TOML (the demo profile with bytes
        /// cut, inserted or replaced at generated offsets): never a panic, and either a valid
        /// profile or problems that each name a line of the text.
        #[test]
        fn mutated_profiles_load_or_name_a_line(
            at in 0usize..4096,
            cut in 0usize..24,
            insert in "[a-z_=\\[\\]{}\"'.,# 0-9\n]{0,12}",
        ) {
            let demo = include_str!("../../profiles/demo.toml");
            let mut text = demo.as_bytes().to_vec();
            let at = at % (text.len() + 1);
            let end = (at + cut).min(text.len());
            text.splice(at..end, insert.bytes());
            let text = String::from_utf8_lossy(&text).into_owned();
            let lines = text.lines().count() + 1;
            match Profile::from_str(std::path::Path::new("profiles/mutated.toml"), &text) {
                Ok(_) => {}
                Err(e) => {
                    proptest::prop_assert!(!e.problems().is_empty(), "an error without a problem: {}", e);
                    for p in e.problems() {
                        proptest::prop_assert!(p.line >= 1 && p.line <= lines, "line {} of {}: {}", p.line, lines, p.message);
                    }
                }
            }
        }
    }
}
