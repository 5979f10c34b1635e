//! Sources: where rows come from. Each kind opens its data, probes the schema, and collects
//! `SourceStats` by feeding batches of cells to the accumulators in `stats`.

pub mod csv;
pub mod delta;
pub mod files;
pub mod object;
pub mod parquet;
mod pipeline;
pub mod spark;
pub mod sql;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::Serialize;

use crate::profile::{EntitySpec, FileFormat, Location, Profile, SourceSpec};
use crate::stats::entity::Measured;
use crate::stats::{SourceAcc, StatsRequest};

pub use files::FileAccess;
pub use pipeline::panic_message;

/// What went wrong opening or reading a source; the scan turns it into an access finding.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SourceError {
    #[error("`{path}` does not exist")]
    NotFound { path: String },
    #[error("no files match `{pattern}`")]
    NoFiles { pattern: String },
    #[error("cannot read `{path}`: permission denied{detail}")]
    PermissionDenied { path: String, detail: String },
    #[error("cannot read `{path}`: {message}")]
    Unreadable { path: String, message: String },
    #[error("`{path}` is not supported: {what}")]
    Unsupported { path: String, what: String },
    /// A database that could not be connected to: host down, wrong password, unknown database.
    #[error("cannot connect to `{location}`: {message}")]
    Unreachable { location: String, message: String },
    /// Connected, but a query failed: missing table, permission denied, timeout, bad `query`.
    /// `location` names the table (`postgres://…/crm#customers`), always redacted.
    #[error("cannot read `{location}`: {message}")]
    QueryFailed { location: String, message: String },
}

/// Live progress of one source, read by the CLI's progress bars.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicU64,
    pub total: AtomicU64,
    /// Whether `done`/`total` count bytes (files) rather than rows.
    pub bytes: AtomicBool,
    pub finished: AtomicBool,
}

impl Progress {
    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
}

/// What a collector needs besides the request: the worker pool and a progress sink.
pub struct CollectCtx<'a> {
    pub pool: &'a rayon::ThreadPool,
    pub progress: Arc<Progress>,
}

/// CSV-specific evidence of a malformed file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CsvInfo {
    pub delimiter: String,
    pub gzip: bool,
    pub bom: bool,
    pub ragged_rows: u64,
    /// `(line, fields found)` of the first ragged rows.
    pub ragged_examples: Vec<(u64, usize)>,
    /// The part file of each of `ragged_examples`, when the source has several parts: the
    /// evidence names it (the report lists the parts already, so it is not repeated here).
    #[serde(skip)]
    pub ragged_files: Vec<Option<String>>,
    pub expected_fields: usize,
    /// Line where a quoted field opened and never closed, if the file ends inside one.
    pub unterminated_quote_line: Option<u64>,
    /// The part file of `unterminated_quote_line`, when the source has several parts.
    #[serde(skip)]
    pub unterminated_quote_file: Option<String>,
    pub duplicate_headers: Vec<String>,
    pub invalid_utf8_rows: u64,
    /// What the file's structure showed besides its table: a preamble, header rows, stacked
    /// tables, footnotes (each a `format.*` finding).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub structure: Vec<csv::StructureNote>,
}

/// Freshness signals a file carries besides its rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSignals {
    /// Newest modification time among the source's files, micros since the epoch.
    pub modified: Option<i64>,
    /// Parquet footer statistics of the timestamp column, micros, without a scan.
    pub footer_min: Option<i64>,
    pub footer_max: Option<i64>,
    /// Row count from the Parquet footer.
    pub footer_rows: Option<u64>,
    /// What a database records about the table's changes (SQL sources).
    pub database: Option<DbSignals>,
    /// What a Delta table's log says about the version read.
    pub delta: Option<delta::DeltaInfo>,
}

/// A database's own freshness signals for a table, reported beside staleness (DESIGN §3):
/// PostgreSQL's `pg_stat_user_tables`, MySQL's `information_schema.TABLES.UPDATE_TIME`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DbSignals {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_analyze: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_autoanalyze: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_vacuum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_autovacuum: Option<String>,
    /// Rows changed since the table was last analyzed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_mod_since_analyze: Option<i64>,
    /// MySQL: when the table was last changed (InnoDB keeps it in memory only, so it is often null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
}

/// What a database role may do to the table it reads (the "permissioned" check for SQL).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SqlAccess {
    /// The role preflight connected as.
    pub role: Option<String>,
    /// Write privileges the role holds on the table (`INSERT`, `UPDATE`, `DELETE`, and on
    /// PostgreSQL `TRUNCATE`).
    pub write_privileges: Vec<String>,
    pub superuser: Option<bool>,
    /// The role owns the table.
    pub owner: Option<bool>,
    /// The owning role, where the database says.
    pub table_owner: Option<String>,
    pub notes: Vec<String>,
    /// The engine and version the server names (reported as `access.engine`).
    #[serde(skip)]
    pub engine: Option<String>,
    /// How the session travels (reported as `access.transport`).
    #[serde(skip)]
    pub transport: Option<sql::Transport>,
}

impl SqlAccess {
    /// A role that could change the data: a scanner needs read only.
    pub fn can_write(&self) -> bool {
        !self.write_privileges.is_empty() || self.superuser == Some(true) || self.owner == Some(true)
    }
}

/// How a source's data was read: streamed into preflight's accumulators, or measured inside
/// the database (push-down), or read as a file; with why, and what crossed the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadInfo {
    /// `"stream"`, `"pushdown"` or `"file"`.
    pub mode: &'static str,
    pub reason: String,
    pub rows_transferred: u64,
    pub bytes_transferred: u64,
}

/// Everything collected from one source.
#[derive(Debug)]
pub struct SourceStats {
    pub kind: &'static str,
    pub parts: Vec<String>,
    pub acc: SourceAcc,
    pub csv: Option<CsvInfo>,
    pub signals: FileSignals,
    pub access: Option<FileAccess>,
    pub bytes: u64,
    /// SQL sources: evidence positions index this list (`Pos::row`) of key values, since a
    /// database row has no line number.
    pub evidence_keys: Option<Vec<String>>,
    /// A SQL source with neither a `key` nor a single-column primary key: its evidence
    /// cannot name rows (its `evidence_keys` are all empty).
    pub evidence_without_key: bool,
    /// SQL sources: what the role may do.
    pub sql: Option<SqlAccess>,
    /// How the rows were read (stream or push-down), for the report's `read` block.
    pub read: Option<ReadInfo>,
}

/// A source that failed, with whatever access facts were learnt before it did.
#[derive(Debug)]
pub struct SourceFailure {
    pub kind: &'static str,
    pub error: SourceError,
    pub access: Option<FileAccess>,
}

// A failure carries its access facts; it is returned once per source, so its size is no cost.
#[allow(clippy::result_large_err)]
pub trait Source: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Where the data is, as printed in reports (URLs redacted).
    fn location(&self) -> String;
    /// Column names, without reading the rows: for `preflight check`.
    fn columns(&self) -> Result<Vec<String>, SourceError>;
    fn collect(&self, req: &StatsRequest, ctx: &CollectCtx<'_>) -> Result<SourceStats, SourceFailure>;
    /// Whether this source's database can join `entity` itself: every system is a table of
    /// it and it applies every normalization exactly (DESIGN §6). Asked of the entity's first
    /// system; when it says yes, no source streams its keys for the entity.
    fn joins_entity(&self, _profile: &Profile, _entity: &EntitySpec) -> bool {
        false
    }
    /// Measures `entity` inside this source's database; only asked when `joins_entity` is true.
    fn measure_entity(&self, _profile: &Profile, entity: &EntitySpec) -> Result<Measured, String> {
        Err(format!("`{}` cannot join entity `{}` where it lives", self.location(), entity.name))
    }
}

/// Chooses the reader for a source spec.
pub fn open(spec: &SourceSpec) -> Box<dyn Source> {
    match &spec.location {
        Location::Path { written, .. } if crate::profile::is_object_url(written) => object::open(spec, written),
        Location::Path { written, resolved } => {
            let format = spec.format.or_else(|| delta::is_table(resolved).then_some(FileFormat::Delta));
            let format = format.or_else(|| files::guess_format(resolved));
            match format {
                Some(FileFormat::Delta) => Box::new(delta::DeltaSource::new(written.clone(), resolved.clone(), spec)),
                Some(FileFormat::Parquet) => Box::new(parquet::ParquetSource::new(written.clone(), resolved.clone())),
                Some(FileFormat::Csv) => {
                    let named = spec.named_columns().iter().map(|(_, n)| n.name.clone()).collect();
                    Box::new(csv::CsvSource::new(written.clone(), resolved.clone(), spec.delimiter).named(named))
                }
                None => {
                    // A path that cannot be opened says why, before any complaint about its name.
                    let error = match std::fs::metadata(resolved) {
                        Err(e) if !written.contains(['*', '?', '[']) => files::io_error(written, resolved, &e),
                        _ => SourceError::Unsupported {
                            path: written.clone(),
                            what: "cannot tell the format from the name; set `format = \"csv\"` or \
                                   `format = \"parquet\"`"
                                .into(),
                        },
                    };
                    Box::new(Unopenable { kind: "file", location: written.clone(), error })
                }
            }
        }
        Location::Url { redacted, .. } => match sql::SqlSource::new(spec) {
            Some(s) => Box::new(s),
            None => Box::new(Unopenable {
                kind: url_kind(redacted),
                location: redacted.clone(),
                error: SourceError::Unsupported {
                    path: redacted.clone(),
                    what: "not a database URL this version reads".into(),
                },
            }),
        },
    }
}

fn url_kind(url: &str) -> &'static str {
    match url.split("://").next().unwrap_or("") {
        "postgres" | "postgresql" => "postgres",
        "mysql" | "mariadb" => "mysql",
        "sqlite" => "sqlite",
        "sc" => "spark",
        _ => "sql",
    }
}

/// A source that cannot be opened at all (no reader for it, or its path fails), reported as
/// such rather than skipped.
struct Unopenable {
    kind: &'static str,
    location: String,
    error: SourceError,
}

impl Source for Unopenable {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn location(&self) -> String {
        self.location.clone()
    }
    fn columns(&self) -> Result<Vec<String>, SourceError> {
        Err(self.error.clone())
    }
    fn collect(&self, _req: &StatsRequest, _ctx: &CollectCtx<'_>) -> Result<SourceStats, SourceFailure> {
        Err(SourceFailure { kind: self.kind, error: self.error.clone(), access: None })
    }
}
