//! What the measures say about a source or an entity, as the report carries it (DESIGN §5):
//! the measure layer fills these from the accumulators; verdict and report only read them.

use serde::{Serialize, Serializer};

use super::registry::Added;
use crate::sources::sql::Transport;
use crate::sources::{CsvInfo, DbSignals, FileAccess, ReadInfo, SqlAccess};
use crate::stats::clip;
use crate::stats::entity::Suggestion;
use crate::stats::pii::{PiiKind, mask};

/// Fragmentation of one entity across its systems (DESIGN §3). Maps are keyed by system (the
/// source's name) in the order the profile lists them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityReport {
    pub name: String,
    pub systems: Vec<String>,
    /// The key column read in each system.
    pub keys: PerSystem<String>,
    pub status: Status,
    pub error: Option<String>,
    /// `preflight` when key sets were streamed to the scanner, `database` when the database
    /// that holds every system joined them itself.
    pub computed_in: &'static str,
    pub normalize: Vec<String>,
    pub distinct_keys: PerSystem<u64>,
    /// Rows with no usable key: null, blank, or empty once normalized.
    pub missing_keys: PerSystem<u64>,
    pub in_all: u64,
    pub union: u64,
    pub unmatched: PerSystem<u64>,
    pub unmatched_share: PerSystem<f64>,
    pub duplicates: PerSystem<u64>,
    pub fragmentation: f64,
    pub shapes: PerSystem<Vec<String>>,
    pub shapes_differ: bool,
    pub matched_raw: u64,
    pub matched_normalized: u64,
    /// Matches normalization added (`matched_normalized - matched_raw`).
    pub recovered: i64,
    pub suggestion: Option<Suggestion>,
    /// Key rows (distinct keys with their counts) a database sent for this entity.
    pub keys_fetched: PerSystem<u64>,
    pub conflicts: Vec<Conflicts>,
}

impl EntityReport {
    /// An entity that could not be measured: every count empty, the reason in `error`.
    pub fn unmeasured(name: &str, keys: PerSystem<String>, normalize: Vec<String>, error: String) -> EntityReport {
        EntityReport {
            name: name.to_string(),
            systems: keys.0.iter().map(|(s, _)| s.clone()).collect(),
            keys,
            status: Status::Error,
            error: Some(error),
            computed_in: "preflight",
            normalize,
            distinct_keys: PerSystem::default(),
            missing_keys: PerSystem::default(),
            in_all: 0,
            union: 0,
            unmatched: PerSystem::default(),
            unmatched_share: PerSystem::default(),
            duplicates: PerSystem::default(),
            fragmentation: 0.0,
            shapes: PerSystem::default(),
            shapes_differ: false,
            matched_raw: 0,
            matched_normalized: 0,
            recovered: 0,
            suggestion: None,
            keys_fetched: PerSystem::default(),
            conflicts: Vec::new(),
        }
    }
}

/// Values per system, serialized as a JSON object in the profile's order.
#[derive(Clone, Debug, PartialEq)]
pub struct PerSystem<V>(pub Vec<(String, V)>);

impl<V> Default for PerSystem<V> {
    fn default() -> Self {
        PerSystem(Vec::new())
    }
}

impl<V> PerSystem<V> {
    pub fn get(&self, system: &str) -> Option<&V> {
        self.0.iter().find(|(s, _)| s == system).map(|(_, v)| v)
    }
}

impl<V: Serialize> Serialize for PerSystem<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One `compare` pair: matched keys whose values disagree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflicts {
    /// `source.column`.
    pub left: String,
    pub right: String,
    /// Keys with a value on both sides.
    pub compared: u64,
    pub conflicting: u64,
    pub share: f64,
    pub examples: Vec<ConflictExample>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConflictExample {
    pub key: String,
    pub left: String,
    pub right: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceReport {
    pub name: String,
    pub kind: String,
    pub location: String,
    pub status: Status,
    pub error: Option<String>,
    pub rows: Option<u64>,
    pub complete_rows: Option<u64>,
    pub ready_rows: Option<u64>,
    pub ready_share: Option<f64>,
    /// Files read, for a glob or a directory of parts.
    pub files: Vec<String>,
    pub bytes: Option<u64>,
    pub columns: Vec<ColumnReport>,
    /// Required columns the source does not have.
    pub absent_required: Vec<String>,
    pub staleness: Option<StalenessReport>,
    pub labels: Option<LabelReport>,
    pub keys: Option<KeyReport>,
    /// The measures registered in `measures::ADDED`, each under its name.
    #[serde(flatten)]
    pub added: Added,
    pub access: AccessReport,
    pub csv: Option<CsvInfo>,
    /// How the rows were read (DESIGN §5 `read`); `None` where a reader does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadInfo>,
    /// A Delta table's version, last commit and log row counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<crate::sources::delta::DeltaInfo>,
}

impl SourceReport {
    /// A value of `column` as evidence shows it: masked when the column holds personal data,
    /// else clipped.
    pub fn shown(&self, column: &str, v: &str) -> String {
        let p = self.columns.iter().find(|c| c.name == column).and_then(|c| c.pii.as_ref());
        match p.and_then(|p| PiiKind::ALL.into_iter().find(|k| k.name() == p.kind)) {
            Some(kind) => mask(v, kind),
            None => clip(v),
        }
    }

    /// A source that could not be read: no measures, only its error and what access showed.
    pub fn unread(name: String, kind: String, location: String, error: String, access: AccessReport) -> SourceReport {
        SourceReport {
            name,
            kind,
            location,
            status: Status::Error,
            error: Some(error),
            rows: None,
            complete_rows: None,
            ready_rows: None,
            ready_share: None,
            files: Vec::new(),
            bytes: None,
            columns: Vec::new(),
            absent_required: Vec::new(),
            staleness: None,
            labels: None,
            keys: None,
            added: Added::unread(),
            access,
            csv: None,
            read: None,
            delta: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnReport {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub nulls: u64,
    pub blanks: u64,
    pub placeholders: u64,
    pub missing: u64,
    pub missing_share: f64,
    pub distinct: Option<u64>,
    /// False when `distinct` is a HyperLogLog estimate.
    pub distinct_exact: bool,
    pub min: Option<String>,
    pub max: Option<String>,
    pub pii: Option<PiiReport>,
    pub suspected_placeholders: Vec<ValueCount>,
    pub invalid_utf8: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PiiReport {
    /// The dominant kind (`email`, `phone`, `payment_card`, `iban`, `national_id`, `ip_address`).
    pub kind: String,
    pub matches: u64,
    /// Share of the column's present values that match.
    pub share: f64,
    /// Listed under the source's `pii` key in the profile.
    pub acknowledged: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StalenessReport {
    pub column: String,
    pub newest: Option<String>,
    pub oldest: Option<String>,
    /// `as_of - newest`: negative when the newest value is dated in the future.
    pub age_seconds: Option<i64>,
    /// Newest value at or before as-of, and its age: what `max_age` judges, so that one row
    /// dated in the future cannot hide how old the rest of the data is.
    pub newest_past: Option<String>,
    pub age_past_seconds: Option<i64>,
    pub stale_after_seconds: i64,
    pub stale_rows: u64,
    pub stale_share: f64,
    pub future_rows: u64,
    pub unparseable: u64,
    /// Values without a zone, read as UTC.
    pub naive_utc: u64,
    pub file_modified: Option<String>,
    pub footer_min: Option<String>,
    pub footer_max: Option<String>,
    /// The database's own change signals for the table (SQL sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DbSignals>,
    pub age_histogram: Vec<AgeBucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgeBucket {
    /// Upper bound in days, exclusive; `None` for the open last bucket.
    pub under_days: Option<i64>,
    pub rows: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelReport {
    pub column: String,
    pub labeled: u64,
    pub coverage: f64,
    /// Top 50 classes by count (then `other`), in that order.
    #[serde(serialize_with = "ordered_map")]
    pub classes: Vec<(String, u64)>,
    pub rare_classes: Vec<String>,
    pub imbalance: Option<f64>,
    pub variant_labels: Vec<Vec<String>>,
    /// The measures of `measures::ADDED` within the labels (label conflicts), each under its
    /// name.
    #[serde(flatten)]
    pub added: Added,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyReport {
    pub column: String,
    pub distinct: u64,
    /// Distinct key values that occur more than once.
    pub duplicates: u64,
    pub duplicate_rows: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccessReport {
    pub reachable: bool,
    pub readable: bool,
    pub can_write: Option<bool>,
    pub owner: Option<String>,
    pub mode: Option<String>,
    pub world_writable: Option<bool>,
    pub notes: Vec<String>,
    /// SQL sources: the role, its write privileges, superuser and ownership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<SqlAccess>,
    /// SQL sources: the engine and version found at connect time (`"PostgreSQL 15.10"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// SQL sources: `{"encrypted", "verified", "protocol"}` of the live session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
}

impl AccessReport {
    pub fn from_files(reachable: bool, readable: bool, fa: Option<&FileAccess>) -> AccessReport {
        AccessReport {
            reachable,
            readable,
            can_write: None,
            owner: fa.map(|a| a.owner.clone()),
            mode: fa.map(|a| a.mode.clone()),
            world_writable: fa.map(|a| a.world_writable),
            notes: Vec::new(),
            sql: None,
            engine: None,
            transport: None,
        }
    }
}

pub(super) fn ordered_map<S: Serializer>(v: &[(String, u64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, n) in v {
        m.serialize_entry(k, n)?;
    }
    m.end()
}

/// A session's transport in a few words: `TLSv1.3, verified`, `TLS, not verified`, `plaintext`.
pub fn transport_text(t: &Transport) -> String {
    if !t.encrypted {
        return "plaintext".into();
    }
    let proto = t.protocol.clone().unwrap_or_else(|| "TLS".into());
    if t.verified { format!("{proto}, verified") } else { format!("{proto}, not verified") }
}

/// Shares are reported to four decimals: enough to recompute any count under 10,000 rows
/// exactly and short enough to read.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0 }
}
