//! Keeps the history of scans in a SQLite file (`scan --history PATH`), so that each nightly
//! scan can be judged against the earlier ones (`trend.rs`) and `preflight history` can show
//! whether the data is getting better. One file may hold several profiles; their scans are told
//! apart by the pilot's name.
//!
//! Several scans may write one file at once (parallel CI jobs, a cron run overlapping a manual
//! one): the file is in WAL mode so readers never block the writer, every connection waits up to
//! `BUSY_TIMEOUT` for a lock instead of failing, and a scan is stored in one `BEGIN IMMEDIATE`
//! transaction, so it lands whole or not at all. The schema and its upgrades are in `schema.rs`.

pub mod schema;
pub mod trend;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};

use crate::profile::TrendSettings;
use crate::report::Report;
use crate::report::history::{
    ColumnRecord, EntityRecord, Parts, ProfileRef, ScanRecord, SourceRecord, Tally, parse_severity,
};
use crate::stats::timestamp::parse_timestamp;
use crate::verdict;
use crate::verdict::{Checklist, Finding, Severity};

use schema::UpgradeError;

/// How long a connection waits for another process's lock before giving up. Storing a scan
/// takes milliseconds; this is room for many scans landing at once on a slow disk.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history `{path}` does not exist")]
    Missing { path: PathBuf },
    #[error("cannot open history `{path}`: {message}")]
    Open { path: PathBuf, message: String },
    #[error("`{path}` is not a preflight history file: it holds a table `{table}` and no history schema version")]
    Foreign { path: PathBuf, table: String },
    #[error(
        "history `{path}` has schema version {found}, written by a newer preflight; this version reads up to {known}"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("cannot upgrade history `{path}` to schema version {version}: {message}")]
    Upgrade { path: PathBuf, version: i64, message: String },
    #[error("cannot read history `{path}`: {message}")]
    Read { path: PathBuf, message: String },
    #[error("history `{path}` is damaged: scan {scan} has {field} `{value}`, expected {expected}")]
    Corrupt { path: PathBuf, scan: i64, field: String, value: String, expected: String },
    #[error("cannot record the scan in history `{path}`: {message}")]
    Write { path: PathBuf, message: String },
}

impl HistoryError {
    /// What to do about it, for the command line's `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            HistoryError::Missing { path } => Some(format!(
                "`preflight scan PROFILE --history {}` starts one; or pass `--history PATH`",
                path.display()
            )),
            HistoryError::Foreign { .. } => Some("point `--history` at a new file; preflight creates it".into()),
            HistoryError::TooNew { .. } => {
                Some("use the newer preflight for this file, or give this version its own history file".into())
            }
            HistoryError::Open { message, .. } if message.contains("not a database") => {
                Some("point `--history` at a new file or at one written by preflight".into())
            }
            // SQLITE_CANTOPEN: most often a folder that does not exist or cannot be written.
            HistoryError::Open { message, .. } if message.contains("unable to open database file") => {
                Some("the history file's folder must exist and be writable by this user".into())
            }
            _ => None,
        }
    }
}

/// An open history file, upgraded to the current schema.
pub struct History {
    path: PathBuf,
    // Declared before the runtime: the connection is dropped first.
    conn: SqliteConnection,
    rt: tokio::runtime::Runtime,
}

impl History {
    /// Opens the file, creating it when it does not exist, and upgrades its schema.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        History::open_with(path, true)
    }

    /// Opens a file that must exist already (`preflight history`), upgrading its schema.
    pub fn open_existing(path: &Path) -> Result<History, HistoryError> {
        History::open_with(path, false)
    }

    /// Opens a file without upgrading it beyond `target`: for tests of old schemas.
    #[cfg(test)]
    fn open_at_version(path: &Path, target: i64) -> Result<History, HistoryError> {
        History::connect(path, true, target)
    }

    fn open_with(path: &Path, create: bool) -> Result<History, HistoryError> {
        if !create && !path.exists() {
            return Err(HistoryError::Missing { path: path.to_path_buf() });
        }
        History::connect(path, create, schema::CURRENT)
    }

    fn connect(path: &Path, create: bool, target: i64) -> Result<History, HistoryError> {
        let open_err = |message: String| HistoryError::Open { path: path.to_path_buf(), message };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| open_err(format!("cannot start the database client: {e}")))?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .disable_statement_logging();
        let conn = rt.block_on(async {
            let mut conn = SqliteConnection::connect_with(&opts).await.map_err(|e| open_err(e.to_string()))?;
            wal(&mut conn).await.map_err(|e| open_err(e.to_string()))?;
            match schema::upgrade(&mut conn, target).await {
                Ok(_) => Ok(conn),
                Err(e) => Err(upgrade_error(path, e)),
            }
        })?;
        Ok(History { path: path.to_path_buf(), conn, rt })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the file is at.
    pub fn schema_version(&mut self) -> Result<i64, HistoryError> {
        let conn = &mut self.conn;
        self.rt.block_on(schema::user_version(conn)).map_err(|e| read_err(&self.path, e))
    }

    /// Closes the file, checkpointing the write-ahead log into it.
    pub fn close(self) {
        let History { conn, rt, .. } = self;
        rt.block_on(conn.close()).unwrap_or_else(|e| log::warn!("closing the history file: {e}"));
    }

    /// Every stored scan, or those of one profile, oldest first.
    pub fn scans(&mut self, profile: Option<&str>) -> Result<Vec<ScanRecord>, HistoryError> {
        self.load(profile, None)
    }

    /// The scans of `profile` dated strictly before `as_of_micros`, oldest first: the history a
    /// scan at that time is judged against (a backfill is judged against what came before it).
    pub fn before(&mut self, profile: &str, as_of_micros: i64) -> Result<Vec<ScanRecord>, HistoryError> {
        self.load(Some(profile), Some(as_of_micros))
    }

    /// The profile names with scans in the file, alphabetically.
    pub fn profiles(&mut self) -> Result<Vec<String>, HistoryError> {
        let conn = &mut self.conn;
        self.rt
            .block_on(sqlx::query_scalar("SELECT DISTINCT profile FROM scans ORDER BY profile").fetch_all(conn))
            .map_err(|e| read_err(&self.path, e))
    }

    /// Stores a judged report: its measures, findings, verdict and the whole JSON report, in
    /// one transaction. Returns the scan's id.
    pub fn record(&mut self, report: &Report) -> Result<i64, HistoryError> {
        let write_err = |message: String| HistoryError::Write { path: self.path.clone(), message };
        let rec = ScanRecord::from_report(report).map_err(write_err)?;
        let json = serde_json::to_string(report).map_err(|e| write_err(e.to_string()))?;
        self.insert(&rec, &report.findings, Some(&json))
    }

    /// Stores one scan record with its findings, in one transaction.
    pub fn insert(
        &mut self,
        rec: &ScanRecord,
        findings: &[Finding],
        report_json: Option<&str>,
    ) -> Result<i64, HistoryError> {
        let conn = &mut self.conn;
        self.rt
            .block_on(insert(conn, rec, findings, report_json))
            .map_err(|e| HistoryError::Write { path: self.path.clone(), message: e.to_string() })
    }

    fn load(&mut self, profile: Option<&str>, before: Option<i64>) -> Result<Vec<ScanRecord>, HistoryError> {
        let conn = &mut self.conn;
        let rows = self.rt.block_on(load(conn, profile, before)).map_err(|e| read_err(&self.path, e))?;
        assemble(&self.path, rows)
    }
}

/// Judges `report` against the earlier scans of its profile, adds the trend findings, makes
/// the checklist and verdict over all findings again, and stores the scan: what
/// `scan --history` does after scanning. Returns the stored scan's id.
pub fn judge_and_record(
    history: &mut History,
    report: &mut Report,
    settings: &TrendSettings,
) -> Result<i64, HistoryError> {
    let current = ScanRecord::from_report(report)
        .map_err(|message| HistoryError::Write { path: history.path.clone(), message })?;
    let past = history.before(&report.profile.name, current.as_of_micros)?;
    let shown = history.path.display().to_string();
    report.findings.extend(trend::evaluate(&current, &past, settings, &shown));
    report.checklist = Checklist::from_findings(&report.findings);
    report.verdict = verdict::verdict(&report.findings);
    history.record(report)
}

/// Puts the file in WAL mode. Switching needs a lock that SQLite's busy handler does not wait
/// for, so a busy answer is retried here: two scans may create the same file at once.
async fn wal(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = WAL").fetch_one(&mut *conn).await {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                // Some file systems (network mounts) cannot hold a WAL; SQLite keeps its rollback
                // journal there, and `busy_timeout` still serialises writers.
                log::warn!("the history file stays in `{mode}` journal mode: WAL is not available here");
                return Ok(());
            }
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn is_busy(e: &sqlx::Error) -> bool {
    let code = e.as_database_error().and_then(|d| d.code()).and_then(|c| c.parse::<i64>().ok());
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes in the upper bits.
    matches!(code.map(|c| c & 0xff), Some(5 | 6))
}

fn upgrade_error(path: &Path, e: UpgradeError) -> HistoryError {
    let path = path.to_path_buf();
    match e {
        UpgradeError::TooNew { found } => HistoryError::TooNew { path, found, known: schema::CURRENT },
        UpgradeError::Foreign { table } => HistoryError::Foreign { path, table },
        UpgradeError::Step { version, error } => HistoryError::Upgrade { path, version, message: error.to_string() },
        UpgradeError::Sql(e) => HistoryError::Open { path, message: e.to_string() },
    }
}

fn read_err(path: &Path, e: sqlx::Error) -> HistoryError {
    HistoryError::Read { path: path.to_path_buf(), message: e.to_string() }
}

/// Counts are stored as SQLite integers (i64); no count comes near the limit.
fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn insert(
    conn: &mut SqliteConnection,
    rec: &ScanRecord,
    findings: &[Finding],
    report_json: Option<&str>,
) -> Result<i64, sqlx::Error> {
    let checklist = serde_json::to_string(&rec.checklist).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scans (profile, as_of, verdict, checklist, as_of_micros, profile_path, tool_version, duration_ms, report) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&rec.profile.name)
    .bind(&rec.as_of)
    .bind(rec.verdict.as_str())
    .bind(&checklist)
    .bind(rec.as_of_micros)
    .bind(&rec.profile.path)
    .bind(&rec.tool_version)
    .bind(rec.duration_ms.map(int))
    .bind(report_json)
    .fetch_one(&mut *tx)
    .await?;
    for s in &rec.sources {
        sqlx::query(
            "INSERT INTO source_measures (scan_id, source, row_count, ready_share, stale_share, coverage, \
             max_missing_share, kind, status, ready_rows, stale_rows, age_seconds, labeled, max_missing_column, \
             columns_recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&s.name)
        .bind(s.rows.map(int))
        .bind(s.ready_share)
        .bind(s.stale_share)
        .bind(s.coverage)
        .bind(s.missing_share)
        .bind(&s.kind)
        .bind(&s.status)
        .bind(s.ready_rows.map(int))
        .bind(s.stale_rows.map(int))
        .bind(s.age_seconds)
        .bind(s.labeled.map(int))
        .bind(&s.missing_column)
        .bind(s.columns.is_some())
        .execute(&mut *tx)
        .await?;
        for (i, c) in s.columns.iter().flatten().enumerate() {
            sqlx::query(
                "INSERT INTO column_measures (scan_id, source, position, column_name, type, required, missing, \
                 missing_share, distinct_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&s.name)
            .bind(int(i as u64))
            .bind(&c.name)
            .bind(&c.ty)
            .bind(c.required)
            .bind(int(c.missing))
            .bind(c.missing_share)
            .bind(c.distinct.map(int))
            .execute(&mut *tx)
            .await?;
        }
    }
    for e in &rec.entities {
        let measures = serde_json::to_string(&e.measures).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
        sqlx::query(
            "INSERT INTO entity_measures (scan_id, entity, fragmentation, in_all, measures) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&e.name)
        .bind(e.fragmentation)
        .bind(e.in_all.map(int))
        .bind(&measures)
        .execute(&mut *tx)
        .await?;
        let systems: BTreeSet<&String> =
            e.systems.iter().chain(e.unmatched_share.keys()).chain(e.distinct_keys.keys()).collect();
        for system in systems {
            sqlx::query(
                "INSERT INTO entity_system_measures (scan_id, entity, system, distinct_keys, unmatched_share) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&e.name)
            .bind(system)
            .bind(e.distinct_keys.get(system).copied().map(int))
            .bind(e.unmatched_share.get(system).copied())
            .execute(&mut *tx)
            .await?;
        }
    }
    for f in findings {
        let evidence = serde_json::to_string(&f.evidence).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO findings (scan_id, finding_id, check_name, severity, source, column_name, message, value, \
             threshold, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(f.id.as_str())
        .bind(f.check.as_str())
        .bind(f.severity.as_str())
        .bind(&f.source)
        .bind(&f.column)
        .bind(&f.message)
        .bind(&f.value)
        .bind(&f.threshold)
        .bind(&evidence)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The rows of every table for the selected scans, before they are checked and assembled.
struct Loaded {
    scans: Vec<SqliteRow>,
    sources: Vec<SqliteRow>,
    columns: Vec<SqliteRow>,
    entities: Vec<SqliteRow>,
    tallies: Vec<SqliteRow>,
}

/// The same selection for every table: `?1` a profile name or NULL, `?2` an as-of bound or NULL.
const SELECTED: &str = "(?1 IS NULL OR s.profile = ?1) AND (?2 IS NULL OR s.as_of_micros < ?2)";

async fn load(conn: &mut SqliteConnection, profile: Option<&str>, before: Option<i64>) -> Result<Loaded, sqlx::Error> {
    let scans = format!(
        "SELECT s.id, s.profile, s.as_of, s.verdict, s.checklist, s.as_of_micros, s.profile_path, s.tool_version, \
         s.duration_ms FROM scans s WHERE {SELECTED} ORDER BY s.as_of_micros, s.id"
    );
    let sources = format!(
        "SELECT m.* FROM source_measures m JOIN scans s ON s.id = m.scan_id WHERE {SELECTED} \
         ORDER BY m.scan_id, m.rowid"
    );
    let columns = format!(
        "SELECT c.* FROM column_measures c JOIN scans s ON s.id = c.scan_id WHERE {SELECTED} \
         ORDER BY c.scan_id, c.source, c.position"
    );
    let entities = format!(
        "SELECT e.scan_id, e.entity, e.measures FROM entity_measures e JOIN scans s ON s.id = e.scan_id \
         WHERE {SELECTED} ORDER BY e.scan_id, e.rowid"
    );
    let tallies = format!(
        "SELECT f.scan_id, f.severity, COUNT(*) AS n FROM findings f JOIN scans s ON s.id = f.scan_id \
         WHERE {SELECTED} GROUP BY f.scan_id, f.severity"
    );
    // One read transaction, so that a scan landing meanwhile is either wholly in or wholly out.
    let mut tx = conn.begin().await?;
    let loaded = Loaded {
        scans: fetch(&mut tx, &scans, profile, before).await?,
        sources: fetch(&mut tx, &sources, profile, before).await?,
        columns: fetch(&mut tx, &columns, profile, before).await?,
        entities: fetch(&mut tx, &entities, profile, before).await?,
        tallies: fetch(&mut tx, &tallies, profile, before).await?,
    };
    tx.commit().await?;
    Ok(loaded)
}

async fn fetch(
    conn: &mut SqliteConnection,
    sql: &str,
    profile: Option<&str>,
    before: Option<i64>,
) -> Result<Vec<SqliteRow>, sqlx::Error> {
    sqlx::query(sql).bind(profile).bind(before).fetch_all(conn).await
}

/// Reads typed values out of rows, turning a value of the wrong type or range into an error
/// that names the scan, the field and the value.
struct Reader<'a> {
    path: &'a Path,
}

impl Reader<'_> {
    fn corrupt(&self, scan: i64, field: &str, value: impl Into<String>, expected: &str) -> HistoryError {
        HistoryError::Corrupt {
            path: self.path.to_path_buf(),
            scan,
            field: field.to_string(),
            value: value.into(),
            expected: expected.to_string(),
        }
    }

    fn get<'r, T>(&self, row: &'r SqliteRow, scan: i64, field: &str) -> Result<T, HistoryError>
    where
        T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        row.try_get::<T, _>(field).map_err(|e| self.corrupt(scan, field, e.to_string(), "a value of its column's type"))
    }

    fn count(&self, row: &SqliteRow, scan: i64, field: &str) -> Result<Option<u64>, HistoryError> {
        match self.get::<Option<i64>>(row, scan, field)? {
            None => Ok(None),
            Some(n) => u64::try_from(n).map(Some).map_err(|_| self.corrupt(scan, field, n.to_string(), "a count ≥ 0")),
        }
    }

    fn share(&self, row: &SqliteRow, scan: i64, field: &str) -> Result<Option<f64>, HistoryError> {
        match self.get::<Option<f64>>(row, scan, field)? {
            Some(x) if !(0.0..=1.0).contains(&x) => {
                Err(self.corrupt(scan, field, x.to_string(), "a share between 0 and 1"))
            }
            other => Ok(other),
        }
    }
}

fn assemble(path: &Path, rows: Loaded) -> Result<Vec<ScanRecord>, HistoryError> {
    let r = Reader { path };
    let mut out: Vec<ScanRecord> = Vec::with_capacity(rows.scans.len());
    let mut at: HashMap<i64, usize> = HashMap::new();
    for row in &rows.scans {
        let id: i64 = r.get(row, 0, "id")?;
        let as_of: String = r.get(row, id, "as_of")?;
        let as_of_micros = match r.get::<Option<i64>>(row, id, "as_of_micros")? {
            Some(m) => m,
            None => parse_timestamp(&as_of).map(|p| p.micros).ok_or_else(|| {
                r.corrupt(id, "as_of", as_of.clone(), "an RFC 3339 timestamp such as 2025-01-10T10:00:00Z")
            })?,
        };
        let verdict: String = r.get(row, id, "verdict")?;
        let verdict =
            parse_severity(&verdict).ok_or_else(|| r.corrupt(id, "verdict", verdict, "PASS, WARN or FAIL"))?;
        let checklist: String = r.get(row, id, "checklist")?;
        let parsed = serde_json::from_str::<serde_json::Value>(&checklist)
            .map_err(|e| e.to_string())
            .and_then(|v| Parts::parse(&v));
        let checklist = parsed.map_err(|why| r.corrupt(id, "checklist", checklist, &format!("a checklist ({why})")))?;
        at.insert(id, out.len());
        out.push(ScanRecord {
            id: Some(id),
            as_of,
            as_of_micros,
            profile: ProfileRef { name: r.get(row, id, "profile")?, path: r.get(row, id, "profile_path")? },
            tool_version: r.get(row, id, "tool_version")?,
            duration_ms: r.count(row, id, "duration_ms")?,
            verdict,
            checklist,
            findings: Tally::default(),
            sources: Vec::new(),
            entities: Vec::new(),
        });
    }
    let scan_of = |row: &SqliteRow| -> Result<(i64, usize), HistoryError> {
        let id: i64 = r.get(row, 0, "scan_id")?;
        // The JOIN selects only rows of loaded scans; a miss means the file changed under us.
        at.get(&id).map(|&i| (id, i)).ok_or_else(|| r.corrupt(id, "scan_id", id.to_string(), "a stored scan"))
    };
    for row in &rows.sources {
        let (id, i) = scan_of(row)?;
        let recorded: bool = r.get(row, id, "columns_recorded")?;
        let status: String = r.get(row, id, "status")?;
        if status != "ok" && status != "error" {
            return Err(r.corrupt(id, "status", status, "`ok` or `error`"));
        }
        let source = SourceRecord {
            name: r.get(row, id, "source")?,
            kind: r.get(row, id, "kind")?,
            status,
            rows: r.count(row, id, "row_count")?,
            ready_rows: r.count(row, id, "ready_rows")?,
            ready_share: r.share(row, id, "ready_share")?,
            age_seconds: r.get(row, id, "age_seconds")?,
            stale_rows: r.count(row, id, "stale_rows")?,
            stale_share: r.share(row, id, "stale_share")?,
            labeled: r.count(row, id, "labeled")?,
            coverage: r.share(row, id, "coverage")?,
            missing_share: r.share(row, id, "max_missing_share")?,
            missing_column: r.get(row, id, "max_missing_column")?,
            columns: recorded.then(Vec::new),
        };
        if let Some(scan) = out.get_mut(i) {
            scan.sources.push(source);
        }
    }
    for row in &rows.columns {
        let (id, i) = scan_of(row)?;
        let source: String = r.get(row, id, "source")?;
        let column = ColumnRecord {
            name: r.get(row, id, "column_name")?,
            ty: r.get(row, id, "type")?,
            required: r.get(row, id, "required")?,
            missing: r.count(row, id, "missing")?.unwrap_or(0),
            missing_share: r.share(row, id, "missing_share")?.unwrap_or(0.0),
            distinct: r.count(row, id, "distinct_count")?,
        };
        let owner = out.get_mut(i).and_then(|s| s.sources.iter_mut().find(|s| s.name == source));
        match owner.and_then(|s| s.columns.as_mut()) {
            Some(cols) => cols.push(column),
            None => return Err(r.corrupt(id, "column_measures.source", source, "a source of the scan")),
        }
    }
    for row in &rows.entities {
        let (id, i) = scan_of(row)?;
        let text: String = r.get(row, id, "measures")?;
        let measures: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| r.corrupt(id, "entity measures", text.clone(), &e.to_string()))?;
        if let Some(scan) = out.get_mut(i) {
            scan.entities.push(EntityRecord::from_json(measures));
        }
    }
    for row in &rows.tallies {
        let (id, i) = scan_of(row)?;
        let sev: String = r.get(row, id, "severity")?;
        let n = r.count(row, id, "n")?.unwrap_or(0);
        let Some(scan) = out.get_mut(i) else { continue };
        match parse_severity(&sev) {
            Some(Severity::Fail) => scan.findings.fail += n,
            Some(Severity::Warn) => scan.findings.warn += n,
            Some(Severity::Pass) => scan.findings.pass += n,
            None => return Err(r.corrupt(id, "finding severity", sev, "PASS, WARN or FAIL")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;

    const STEPS_V1: &str = include_str!("schema/v1.sql");

    impl History {
        /// Runs SQL of the test's own against the file.
        fn exec(&mut self, sql: &str) {
            let conn = &mut self.conn;
            if let Err(e) = self.rt.block_on(sqlx::raw_sql(sql).execute(conn)) {
                panic!("{sql}: {e}");
            }
        }

        fn text(&mut self, sql: &str) -> Vec<String> {
            let conn = &mut self.conn;
            self.rt
                .block_on(sqlx::query_scalar::<_, String>(sql).fetch_all(conn))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }
    }

    fn open(path: &Path) -> History {
        History::open(path).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_new_file_is_created_at_the_current_schema_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("h.sqlite");
        let mut h = open(&path);
        assert!(path.exists());
        assert_eq!(h.schema_version().ok(), Some(schema::CURRENT));
        assert_eq!(h.text("PRAGMA journal_mode"), ["wal"]);
        assert_eq!(
            h.text("SELECT version || ' ' || applied_by FROM schema_version ORDER BY version"),
            [
                format!("1 preflight {}", env!("CARGO_PKG_VERSION")),
                format!("2 preflight {}", env!("CARGO_PKG_VERSION"))
            ]
        );
        h.close();
        // Opening again applies nothing twice.
        let mut h = open(&path);
        assert_eq!(h.text("SELECT CAST(COUNT(*) AS TEXT) FROM schema_version"), ["2"]);
    }

    #[test]
    fn a_scan_reads_back_as_it_was_recorded() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut h = open(&dir.path().join("h.sqlite"));
        let report = sample();
        // The sample's `customer` entity is recorded from the report itself.
        let rec = ScanRecord::from_report(&report).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rec.entities.len(), 1);
        let id = h.insert(&rec, &report.findings, None).unwrap_or_else(|e| panic!("{e}"));
        let back = h.scans(None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.len(), 1);
        let mut expected = rec.clone();
        expected.id = Some(id);
        assert_eq!(back.first(), Some(&expected));
        assert_eq!(
            h.text("SELECT system || '=' || unmatched_share FROM entity_system_measures ORDER BY system"),
            ["crm=0.3158", "tickets=0.0714"]
        );
        // Evidence is kept with its finding.
        let ev = h.text("SELECT evidence FROM findings WHERE finding_id = 'missing.max_missing_share.tickets.body'");
        assert!(ev.first().is_some_and(|e| e.contains("\"line\"")), "{ev:?}");
    }

    #[test]
    fn before_selects_earlier_scans_of_one_profile() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut h = open(&dir.path().join("h.sqlite"));
        let mut report = sample();
        for (profile, as_of) in [
            ("a", "2025-01-08T10:00:00Z"),
            ("b", "2025-01-08T11:00:00Z"),
            ("a", "2025-01-10T10:00:00Z"),
            ("a", "2025-01-09T10:00:00Z"),
        ] {
            report.profile.name = profile.into();
            report.as_of = as_of.into();
            h.record(&report).unwrap_or_else(|e| panic!("{e}"));
        }
        let micros = parse_timestamp("2025-01-10T10:00:00Z").map_or(0, |p| p.micros);
        let past = h.before("a", micros).unwrap_or_else(|e| panic!("{e}"));
        let dates: Vec<&str> = past.iter().map(|s| s.as_of.as_str()).collect();
        assert_eq!(dates, ["2025-01-08T10:00:00Z", "2025-01-09T10:00:00Z"], "oldest first, the current one left out");
        assert_eq!(h.scans(Some("b")).map(|s| s.len()).ok(), Some(1));
        assert_eq!(h.scans(None).map(|s| s.len()).ok(), Some(4));
        assert_eq!(h.profiles().ok(), Some(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn judging_adds_trend_findings_and_a_trend_part() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut h = open(&dir.path().join("h.sqlite"));
        let mut first = sample();
        let data_access = first.checklist.data_access;
        judge_and_record(&mut h, &mut first, &TrendSettings::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.checklist.trend, Some(Severity::Pass));
        assert_eq!(first.checklist.data_access, data_access, "trend findings stay out of data access");
        let mut second = sample();
        second.as_of = "2025-01-11T10:00:00Z".into();
        if let Some(s) = second.sources.first_mut() {
            s.rows = s.rows.map(|r| r / 4);
        }
        judge_and_record(&mut h, &mut second, &TrendSettings::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(second.checklist.trend, Some(Severity::Fail));
        assert_eq!(second.verdict, Severity::Fail);
        let stored = h.scans(None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.last().map(|s| s.checklist.get("trend")), Some(Some(Severity::Fail)));
    }

    #[test]
    fn files_that_are_not_histories_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let missing = dir.path().join("none.sqlite");
        let e = History::open_existing(&missing).err().map(|e| e.to_string());
        assert_eq!(e, Some(format!("history `{}` does not exist", missing.display())));
        assert!(!missing.exists(), "`history` must not create the file");

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "this is not a database, but long enough to have a header of one........")
            .unwrap_or_else(|e| panic!("{e}"));
        let e = History::open(&text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with(&format!("cannot open history `{}`: ", text.display())), "{e}");
        assert!(e.contains("not a database"), "{e}");

        let other = dir.path().join("other.sqlite");
        let mut h = History::open_at_version(&other, 0).unwrap_or_else(|e| panic!("{e}"));
        h.exec("CREATE TABLE customers (id INTEGER)");
        h.close();
        let e = History::open(&other).err().map(|e| e.to_string());
        assert_eq!(
            e,
            Some(format!(
                "`{}` is not a preflight history file: it holds a table `customers` and no history schema version",
                other.display()
            ))
        );

        let newer = dir.path().join("newer.sqlite");
        let mut h = open(&newer);
        h.exec("PRAGMA user_version = 99");
        h.close();
        let e = History::open(&newer).err();
        assert!(e.as_ref().and_then(HistoryError::hint).is_some());
        assert_eq!(
            e.map(|e| e.to_string()),
            Some(format!(
                "history `{}` has schema version 99, written by a newer preflight; this version reads up to {}",
                newer.display(),
                schema::CURRENT
            ))
        );
    }

    #[test]
    fn a_damaged_value_is_named_with_its_scan() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("h.sqlite");
        let mut h = open(&path);
        let id = h.record(&sample()).unwrap_or_else(|e| panic!("{e}"));
        h.exec("UPDATE scans SET verdict = 'MAYBE'");
        let e = h.scans(None).err().map(|e| e.to_string());
        assert_eq!(
            e,
            Some(format!(
                "history `{}` is damaged: scan {id} has verdict `MAYBE`, expected PASS, WARN or FAIL",
                path.display()
            ))
        );
        h.exec("UPDATE scans SET verdict = 'PASS'; UPDATE source_measures SET ready_share = 1.5 WHERE source = 'kb'");
        let e = h.scans(None).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.ends_with(&format!("scan {id} has ready_share `1.5`, expected a share between 0 and 1")), "{e}");
    }

    #[test]
    fn version_1_files_are_upgraded_with_their_scans() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("v1.sqlite");
        let mut h = History::open_at_version(&path, 1).unwrap_or_else(|e| panic!("{e}"));
        h.exec(
            "INSERT INTO scans (id, profile, as_of, verdict, checklist) VALUES \
             (1, 'p', '2025-01-09T10:00:00Z', 'WARN', '{\"data_access\":\"WARN\",\"clean\":\"WARN\",\"connected\":null}');
             INSERT INTO source_measures VALUES (1, 't', 40, 0.5, 0.1, 0.85, 0.15), (1, 'u', NULL, NULL, NULL, NULL, NULL);
             INSERT INTO findings VALUES (1, 'missing.max_missing_share.t.c', 'clean', 'WARN', 't', 'c', 'm');",
        );
        h.close();
        let mut h = open(&path);
        assert_eq!(h.schema_version().ok(), Some(2));
        let scans = h.scans(None).unwrap_or_else(|e| panic!("{e}"));
        let s = scans.first().unwrap_or_else(|| panic!("the v1 scan is kept"));
        assert_eq!(s.as_of_micros, parse_timestamp("2025-01-09T10:00:00Z").map_or(0, |p| p.micros));
        assert_eq!(s.verdict, Severity::Warn);
        assert_eq!(s.findings, Tally { fail: 0, warn: 1, pass: 0 });
        let t = s.source("t").unwrap_or_else(|| panic!("t"));
        assert_eq!((t.rows, t.coverage, t.missing_share, t.status.as_str()), (Some(40), Some(0.85), Some(0.15), "ok"));
        assert_eq!(t.columns, None, "version 1 kept no columns");
        assert_eq!(s.source("u").map(|u| u.status.as_str()), Some("error"));
        assert_eq!(s.tool_version, None);
    }

    #[test]
    fn the_v1_fixture_is_schema_1_built_from_its_script() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/history");
        let script = std::fs::read_to_string(root.join("v1.sql")).unwrap_or_else(|e| panic!("v1.sql: {e}"));
        assert!(script.contains(STEPS_V1), "v1.sql holds src/history/schema/v1.sql verbatim");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let copy = dir.path().join("copy.sqlite");
        std::fs::copy(root.join("v1.sqlite"), &copy).unwrap_or_else(|e| panic!("v1.sqlite: {e}"));
        let mut fixture = History::open_at_version(&copy, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fixture.schema_version().ok(), Some(1));
        let mut fresh = History::open_at_version(&dir.path().join("fresh.sqlite"), 1).unwrap_or_else(|e| panic!("{e}"));
        let schema = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name";
        assert_eq!(fixture.text(schema), fresh.text(schema), "the fixture has exactly the schema of step 1");
        let mut built = History::open_at_version(&dir.path().join("built.sqlite"), 0).unwrap_or_else(|e| panic!("{e}"));
        built.exec(&script);
        for dump in [
            "SELECT version || '|' || description || '|' || applied_by FROM schema_version ORDER BY version",
            "SELECT id || '|' || profile || '|' || as_of || '|' || verdict || '|' || checklist FROM scans ORDER BY id",
            "SELECT scan_id || '|' || source || '|' || quote(row_count) || '|' || quote(ready_share) || '|' || \
             quote(stale_share) || '|' || quote(coverage) || '|' || quote(max_missing_share) \
             FROM source_measures ORDER BY scan_id, source",
            "SELECT scan_id || '|' || finding_id || '|' || check_name || '|' || severity || '|' || quote(source) || \
             '|' || quote(column_name) || '|' || message FROM findings ORDER BY rowid",
        ] {
            let rows = fixture.text(dump);
            assert!(!rows.is_empty(), "{dump}");
            assert_eq!(rows, built.text(dump), "v1.sqlite is built from v1.sql: {dump}");
        }
    }
}
