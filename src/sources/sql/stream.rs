//! The stream path of SQL sources (DESIGN §6): the needed columns' rows are read once, in
//! parallel over ranges of the table, and fed to the same accumulators as CSV and Parquet, so
//! every measure has one definition. SQLite is read over `rowid` ranges on several read-only
//! connections; PostgreSQL over `ctid` ranges by connections sharing one exported snapshot;
//! MySQL/MariaDB over primary-key ranges, each in a consistent-snapshot read-only transaction.
//! Also here: the choice between this and the push-down (`pushdown = "auto"`).

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::Row;

use crate::profile::PushdownMode;
use crate::sources::ReadInfo;
use crate::sources::{Source, SourceError};
use crate::stats::{Cell, Pos, SourceAcc, StatsRequest};

use super::dialect::{Class, Dialect, Plan, Sql};
use super::{Conn, Evidence, SqlSource, Val};

/// Rows per accumulator batch, as the CSV reader's blocks: large enough that a batch's fixed
/// costs vanish, small enough that a batch's key texts are a few hundred kilobytes.
const BATCH_ROWS: usize = 16_384;

/// A range is worth its own connection only above this many rows (or pages).
const MIN_ROWS_PER_RANGE: i64 = 20_000;
const MIN_PAGES_PER_RANGE: i64 = 256;

/// Where a worker's positions start: `Pos::row` is `worker << WORKER_SHIFT | row in worker`
/// until the evidence keys are resolved.
const WORKER_SHIFT: u32 = 40;

/// How a source is read, and why (the report's `read.reason`).
pub(super) enum Choice {
    Stream(String),
    Pushdown(String),
}

/// What the stream produced.
pub(super) struct Streamed {
    pub acc: SourceAcc,
    pub keys: Vec<String>,
    pub rows: u64,
    pub bytes: u64,
}

/// One worker's share: its range's accumulator and the key text of every row its examples
/// point at.
struct Part {
    acc: SourceAcc,
    keys: HashMap<u64, String>,
    rows: u64,
    bytes: u64,
}

/// What every worker needs besides its range.
struct Job<'a> {
    plan: &'a Plan,
    req: &'a StatsRequest,
    template: &'a SourceAcc,
    select: String,
    /// PostgreSQL: the exported snapshot every worker imports.
    snapshot: Option<String>,
    /// MySQL: the integer primary key the ranges split, to read each in key order.
    order: Option<String>,
}

pub(super) fn read_info(mode: &'static str, reason: String, rows: u64, bytes: u64) -> ReadInfo {
    ReadInfo { mode, reason, rows_transferred: rows, bytes_transferred: bytes }
}

/// Bytes as people read them, for the reason text.
fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{x:.1} {}", UNITS[u]) }
}

impl SqlSource {
    /// Streams or pushes down, as `pushdown` says; `auto` weighs the table's estimated size
    /// (PostgreSQL `pg_table_size`, MySQL `information_schema.TABLES`, SQLite pages) against
    /// `pushdown_above`. A `query` source streams: its result has no size to estimate, and a
    /// query written for the scan is one the database already answers in full.
    pub(super) async fn choose(&self, conn: &mut Conn) -> Choice {
        // Spark's rows stay in the cluster: there is no stream path to choose.
        if self.dialect == Dialect::Spark {
            return Choice::Pushdown("a Spark source is measured in the cluster".into());
        }
        match self.pushdown {
            PushdownMode::Never => return Choice::Stream("pushdown = \"never\"".into()),
            PushdownMode::Always => return Choice::Pushdown("pushdown = \"always\"".into()),
            PushdownMode::Auto => {}
        }
        let Some(table) = &self.table else {
            return Choice::Stream("a `query` source streams its result".into());
        };
        let limit = self.pushdown_above;
        match self.estimated_bytes(conn, table).await {
            Some(n) if n <= limit => {
                Choice::Stream(format!("estimated {} (at most pushdown_above = {}): streamed", size(n), size(limit)))
            }
            Some(n) => Choice::Pushdown(format!(
                "estimated {} (over pushdown_above = {}): measured in the database",
                size(n),
                size(limit)
            )),
            None => Choice::Pushdown("the table's size is unknown: measured in the database".into()),
        }
    }

    async fn estimated_bytes(&self, conn: &mut Conn, table: &str) -> Option<u64> {
        let d = self.dialect;
        let mut sql = Sql::default();
        sql.text = match d {
            Dialect::Spark => return None,
            // The whole file: SQLite keeps no per-table size unless built with dbstat.
            Dialect::Sqlite => {
                "SELECT p.page_count * s.page_size FROM pragma_page_count() AS p, pragma_page_size() AS s".into()
            }
            Dialect::Postgres => {
                sql.binds.push(d.quote_table(table));
                "SELECT pg_table_size(to_regclass($1))".into()
            }
            Dialect::MySql => {
                let (schema, name) = match table.split_once('.') {
                    Some((s, t)) => (Some(s.to_string()), t.to_string()),
                    None => (None, table.to_string()),
                };
                sql.binds.push(name);
                let at = if schema.is_some() { "?" } else { "DATABASE()" };
                sql.binds.extend(schema);
                format!(
                    "SELECT CAST(COALESCE(DATA_LENGTH, 0) AS SIGNED) FROM information_schema.TABLES \
                     WHERE TABLE_NAME = ? AND TABLE_SCHEMA = {at}"
                )
            }
        };
        let rows = self.fetch(conn, &sql).await.ok()?;
        rows.first().and_then(|r| r.first()).and_then(Val::i64).and_then(|n| u64::try_from(n).ok())
    }

    /// Reads the plan's columns once, over ranges in parallel, into the accumulators.
    pub(super) async fn stream(
        &self,
        conn: &mut Conn,
        plan: &Plan,
        req: &StatsRequest,
        threads: usize,
        password: Option<&str>,
    ) -> Result<Streamed, SourceError> {
        let failed = |e: sqlx::Error| self.query_failed(&e, password);
        let names: Vec<String> = plan.cols.iter().map(|c| c.name.clone()).collect();
        let types: Vec<Option<&'static str>> = plan.cols.iter().map(|c| Some(c.class.report_type())).collect();
        let mut acc = SourceAcc::new(&names, &types, req);
        // A batch's accumulator has no row sets of its own; the template carries the source's,
        // so that each worker finds the copies within its share while their keys are known.
        let mut template = acc.batch(req, 0).acc;
        template.keep_rows_like(&acc);
        let d = self.dialect;
        let select = if plan.cols.is_empty() {
            "1".to_string()
        } else {
            plan.cols.iter().map(|c| select_expr(d, &d.quote(&c.name), c.class)).collect::<Vec<_>>().join(", ")
        };
        let mut job = Job { plan, req, template: &template, select, snapshot: None, order: None };
        let ranges = match &self.table {
            Some(t) => self.ranges(conn, t, threads.max(1), &mut job).await.map_err(failed)?,
            None => vec![String::new()],
        };
        if d == Dialect::Postgres && ranges.len() > 1 {
            let rows = self.fetch(conn, &Sql::new("SELECT pg_export_snapshot()")).await.map_err(failed)?;
            job.snapshot = rows.first().and_then(|r| r.first()).and_then(Val::text);
        }
        let job = &job;
        // Each range on its own thread, connection and runtime; this thread waits (the
        // source's own connection holds the exported snapshot until every worker has read).
        let parts: Vec<Result<Part, SourceError>> = std::thread::scope(|s| {
            let handles: Vec<_> = ranges
                .iter()
                .enumerate()
                .map(|(w, range)| {
                    s.spawn(move || -> Result<Part, SourceError> {
                        let rt = self.runtime()?;
                        rt.block_on(self.read_range(job, range, w as u64))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|p| {
                        Err(SourceError::QueryFailed {
                            location: self.location(),
                            message: crate::sources::panic_message(p.as_ref()),
                        })
                    })
                })
                .collect()
        });
        let mut keys: HashMap<u64, String> = HashMap::new();
        let (mut rows, mut bytes) = (0, 0);
        for part in parts {
            let part = part?;
            acc.merge(part.acc);
            keys.extend(part.keys);
            rows += part.rows;
            bytes += part.bytes;
        }
        // Every row's key (and compared value) crossed the wire once.
        for k in &mut acc.entity_keys {
            k.fetched += rows;
        }
        for v in &mut acc.entity_values {
            v.fetched += rows;
        }
        // Positions become indexes into the evidence keys, as the push-down's are. A duplicate
        // key's example is the key itself.
        let mut ev = Evidence::default();
        each_pos(&mut acc, &mut |p: &mut Pos, value: Option<&str>| {
            let k = keys.get(&p.row).map(String::as_str).or(value).unwrap_or("");
            *p = ev.pos(Some(&Val::Text(k.to_string())));
        });
        sort_examples(&mut acc, &ev.keys);
        Ok(Streamed { acc, keys: ev.keys, rows, bytes })
    }

    /// `WHERE` clauses splitting the table into up to `n` ranges of similar size, in the
    /// table's own order; one empty clause when it cannot or need not be split.
    async fn ranges(
        &self,
        conn: &mut Conn,
        table: &str,
        n: usize,
        job: &mut Job<'_>,
    ) -> Result<Vec<String>, sqlx::Error> {
        let whole = vec![String::new()];
        let d = self.dialect;
        let bounds = |lo: i64, hi: i64, min_each: i64| -> Vec<(i64, i64)> {
            let span = hi.saturating_sub(lo).saturating_add(1).max(1);
            let k = (span / min_each).clamp(1, n as i64);
            let step = span / k + i64::from(span % k != 0);
            (0..k).map(|i| (lo.saturating_add(i * step), lo.saturating_add((i + 1) * step))).collect()
        };
        let clause = |col: &str, cut: &[(i64, i64)], i: usize, lit: &dyn Fn(i64) -> String| -> String {
            let Some(&(a, b)) = cut.get(i) else { return String::new() };
            let mut w = Vec::new();
            if i > 0 {
                w.push(format!("{col} >= {}", lit(a)));
            }
            if i + 1 < cut.len() {
                w.push(format!("{col} < {}", lit(b)));
            }
            if w.is_empty() { String::new() } else { format!(" WHERE {}", w.join(" AND ")) }
        };
        match d {
            Dialect::Spark => Ok(whole),
            Dialect::Sqlite => {
                // A WITHOUT ROWID table has no rowid: it is read whole, on one connection.
                let sql = Sql::new(format!("SELECT min(rowid), max(rowid) FROM {}", d.quote_table(table)));
                let Ok(rows) = self.fetch(conn, &sql).await else { return Ok(whole) };
                let r = rows.first();
                let (Some(lo), Some(hi)) = (r.and_then(|r| r.first()?.i64()), r.and_then(|r| r.get(1)?.i64())) else {
                    return Ok(whole);
                };
                let cut = bounds(lo, hi, MIN_ROWS_PER_RANGE);
                Ok((0..cut.len()).map(|i| clause("rowid", &cut, i, &|x| x.to_string())).collect())
            }
            Dialect::Postgres => {
                let mut sql = Sql::new(
                    "SELECT pg_relation_size(to_regclass($1)) / current_setting('block_size')::bigint, \
                     CASE WHEN current_setting('server_version_num')::int >= 140000 THEN 1 ELSE 0 END",
                );
                sql.binds.push(d.quote_table(table));
                let rows = self.fetch(conn, &sql).await?;
                let r = rows.first();
                let pages = r.and_then(|r| r.first()?.i64()).unwrap_or(0);
                // Before PostgreSQL 14 a ctid range is a filter over the whole table, not a scan.
                if r.and_then(|r| r.get(1)?.i64()) != Some(1) || pages < 2 * MIN_PAGES_PER_RANGE {
                    return Ok(whole);
                }
                let cut = bounds(0, pages - 1, MIN_PAGES_PER_RANGE);
                Ok((0..cut.len()).map(|i| clause("ctid", &cut, i, &|x| format!("'({x},0)'::tid"))).collect())
            }
            Dialect::MySql => {
                let Some(pk) = self.primary_key(conn, table).await? else { return Ok(whole) };
                let q = d.quote(&pk);
                let sql = Sql::new(format!("SELECT MIN({q}), MAX({q}) FROM {}", d.quote_table(table)));
                let rows = self.fetch(conn, &sql).await?;
                // Only an integer key splits into ranges of similar size.
                let (Some(Val::Int(lo)), Some(Val::Int(hi))) =
                    (rows.first().and_then(|r| r.first()), rows.first().and_then(|r| r.get(1)))
                else {
                    return Ok(whole);
                };
                let (lo, hi) = (*lo, *hi);
                job.order = Some(q.clone());
                let cut = bounds(lo, hi, MIN_ROWS_PER_RANGE);
                Ok((0..cut.len()).map(|i| clause(&q, &cut, i, &|x| x.to_string())).collect())
            }
        }
    }

    /// One worker: its own connection in a read-only transaction (PostgreSQL: the shared
    /// snapshot), its range's rows fed batch by batch.
    async fn read_range(&self, job: &Job<'_>, range: &str, worker: u64) -> Result<Part, SourceError> {
        if self.dialect == Dialect::Sqlite {
            return self.read_sqlite_range(job, range, worker);
        }
        let (mut conn, password) = self.connect().await?;
        // The source's own bound cannot fire while its thread waits for the workers, and
        // SQLite has no server to enforce a statement timeout: each worker bounds itself.
        // The server's statement timeout says so first, in its own words.
        let wait = self.timeout + super::CONNECT_TIMEOUT;
        let r = tokio::time::timeout(wait, self.read_range_on(&mut conn, job, range, worker)).await;
        // Through a pooler the next client may get this server connection: leave no statements.
        conn.forget_statements().await;
        let _ = conn.execute("ROLLBACK").await;
        conn.close().await;
        match r {
            Ok(r) => r.map_err(|e| self.query_failed(&e, password.as_deref())),
            Err(_) => Err(self.timed_out()),
        }
    }

    async fn read_range_on(
        &self,
        conn: &mut Conn,
        job: &Job<'_>,
        range: &str,
        worker: u64,
    ) -> Result<Part, sqlx::Error> {
        let ms = self.timeout.as_millis();
        match self.dialect {
            Dialect::Postgres => {
                conn.execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
                if let Some(id) = &job.snapshot {
                    conn.execute(&format!("SET TRANSACTION SNAPSHOT {}", sql_string(id))).await?;
                }
                conn.execute(&format!("SET LOCAL statement_timeout = {ms}")).await?;
                // Set at startup too, except through a pooler that refuses it (see `begin`).
                conn.execute("SET LOCAL TimeZone = 'UTC'").await?;
            }
            Dialect::MySql => {
                if conn.execute(&format!("SET SESSION max_statement_time = {}", self.timeout.as_secs())).await.is_err()
                {
                    conn.execute(&format!("SET SESSION max_execution_time = {ms}")).await?;
                }
                conn.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY").await?;
            }
            Dialect::Sqlite => {
                conn.execute("PRAGMA query_only = ON").await?;
                conn.execute("BEGIN").await?;
            }
            // Never streamed (`choose`).
            Dialect::Spark => {}
        }
        let order = job.order.as_ref().map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
        let text = format!("SELECT {} FROM {} AS preflight_r{range}{order}", job.select, self.relation());
        log::debug!("{}: worker {worker}: {text}", self.redacted);
        let mut feed = Feed::new(job, worker);
        macro_rules! run {
            ($c:expr, $cell:ident) => {{
                let mut rows = sqlx::query(&text).fetch(&mut *$c);
                while let Some(row) = rows.try_next().await? {
                    feed.row(|i, push| push($cell(&row, i, job.plan.cols.get(i).map_or(Class::Other, |c| c.class))));
                }
            }};
        }
        match conn {
            Conn::Pg(c) => run!(c, pg_cell),
            Conn::My(c) => run!(c, my_cell),
            // SQLite is read by `read_sqlite_range`, never through sqlx.
            Conn::Lite(_) | Conn::Spark(_) => {}
        }
        Ok(feed.finish())
    }
}

impl SqlSource {
    /// SQLite, read on this thread through the C library directly: the file opened read-only,
    /// a read transaction, the range's rows stepped one by one with their values borrowed.
    /// The read stops with an error once the timeout has passed.
    fn read_sqlite_range(&self, job: &Job<'_>, range: &str, worker: u64) -> Result<Part, SourceError> {
        use rusqlite::OpenFlags;
        use rusqlite::types::ValueRef;

        let failed = |e: rusqlite::Error| SourceError::QueryFailed {
            location: self.location(),
            message: self.scrub(&e.to_string(), None),
        };
        let path = self.sqlite_path();
        if !path.exists() {
            return Err(SourceError::NotFound { path: self.redacted.clone() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&path, flags).map_err(|e| SourceError::Unreachable {
            location: self.redacted.clone(),
            message: self.scrub(&e.to_string(), None),
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(failed)?;
        conn.execute_batch("PRAGMA query_only = ON; BEGIN").map_err(failed)?;
        let deadline = std::time::Instant::now() + self.timeout;
        let text = format!("SELECT {} FROM {} AS preflight_r{range}", job.select, self.relation());
        log::debug!("{}: worker {worker}: {text}", self.redacted);
        let mut feed = Feed::new(job, worker);
        let result = (|| -> Result<(), rusqlite::Error> {
            let mut stmt = conn.prepare(&text)?;
            let mut rows = stmt.query([])?;
            let mut n = 0u32;
            while let Some(row) = rows.next()? {
                n = n.wrapping_add(1);
                // A range scan steps row by row, so checking the clock now and then bounds it.
                if n.is_multiple_of(4096) && std::time::Instant::now() > deadline {
                    break;
                }
                feed.row(|i, push| {
                    push(match row.get_ref(i) {
                        Ok(ValueRef::Integer(x)) => Value::Int(x),
                        Ok(ValueRef::Real(x)) => Value::Float(x),
                        Ok(ValueRef::Text(t)) => Value::Bytes(t),
                        Ok(ValueRef::Blob(b)) => Value::Blob(b),
                        Ok(ValueRef::Null) | Err(_) => Value::Null,
                    })
                });
            }
            Ok(())
        })();
        if std::time::Instant::now() > deadline {
            return Err(self.timed_out());
        }
        result.map_err(failed)?;
        Ok(feed.finish())
    }
}

/// A column as the stream selects it: in a type that decodes one way per class (PostgreSQL
/// and MySQL type their results; SQLite's values carry their own storage class).
fn select_expr(d: Dialect, c: &str, class: Class) -> String {
    match (d, class) {
        (Dialect::Sqlite | Dialect::Spark, _) => c.to_string(),
        (Dialect::Postgres, Class::Int) => format!("CAST({c} AS BIGINT)"),
        (Dialect::Postgres, Class::Float) => format!("CAST({c} AS DOUBLE PRECISION)"),
        (Dialect::Postgres, Class::Bool | Class::Text) => c.to_string(),
        (Dialect::Postgres, Class::Timestamp | Class::Date) => {
            format!("CASE WHEN isfinite({c}) THEN CAST(EXTRACT(EPOCH FROM {c}) * 1000000 AS BIGINT) END")
        }
        (Dialect::Postgres, Class::Other) => format!("CAST({c} AS TEXT)"),
        (Dialect::MySql, Class::Int | Class::Bool) => format!("CAST({c} AS SIGNED)"),
        (Dialect::MySql, Class::Float) => format!("CAST({c} AS DOUBLE)"),
        (Dialect::MySql, Class::Timestamp | Class::Date) => {
            format!("TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {c})")
        }
        (Dialect::MySql, Class::Text) => c.to_string(),
        (Dialect::MySql, Class::Other) => format!("CAST({c} AS CHAR)"),
    }
}

/// A quoted SQL string literal.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One decoded value, owning nothing it need not: text borrows from the row.
enum Value<'r> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Micros(i64),
    Days(i32),
    Str(&'r str),
    /// Text not yet checked for UTF-8.
    Bytes(&'r [u8]),
    Blob(&'r [u8]),
}

fn micros_or_days(class: Class, us: i64) -> Value<'static> {
    match class {
        Class::Date => Value::Days(i32::try_from(us.div_euclid(86_400_000_000)).unwrap_or(0)),
        _ => Value::Micros(us),
    }
}

fn pg_cell(row: &sqlx::postgres::PgRow, i: usize, class: Class) -> Value<'_> {
    let v = match class {
        Class::Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
        Class::Float => row.try_get::<Option<f64>, _>(i).map(|v| v.map(Value::Float)),
        Class::Bool => row.try_get::<Option<bool>, _>(i).map(|v| v.map(Value::Bool)),
        Class::Timestamp | Class::Date => {
            row.try_get::<Option<i64>, _>(i).map(|v| v.map(|us| micros_or_days(class, us)))
        }
        Class::Text | Class::Other => row.try_get::<Option<&str>, _>(i).map(|v| v.map(Value::Str)),
    };
    // A text type the driver does not decode as text (citext, a domain) is read as bytes.
    v.or_else(|_| row.try_get::<Option<&[u8]>, _>(i).map(|v| v.map(Value::Bytes))).ok().flatten().unwrap_or(Value::Null)
}

fn my_cell(row: &sqlx::mysql::MySqlRow, i: usize, class: Class) -> Value<'_> {
    let v = match class {
        Class::Int | Class::Bool => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
        Class::Float => row.try_get::<Option<f64>, _>(i).map(|v| v.map(Value::Float)),
        Class::Timestamp | Class::Date => {
            row.try_get::<Option<i64>, _>(i).map(|v| v.map(|us| micros_or_days(class, us)))
        }
        Class::Text | Class::Other => row.try_get::<Option<&str>, _>(i).map(|v| v.map(Value::Str)),
    };
    // Binary strings (a binary collation) arrive as bytes.
    v.or_else(|_| row.try_get::<Option<&[u8]>, _>(i).map(|v| v.map(Value::Bytes))).ok().flatten().unwrap_or(Value::Null)
}

/// A worker's batches: cells pushed as rows arrive, a batch closed every `BATCH_ROWS` rows
/// and folded into the worker's accumulator.
struct Feed<'j> {
    job: &'j Job<'j>,
    acc: SourceAcc,
    batch: Option<crate::stats::BatchAcc<'j>>,
    /// The evidence key of each row of the open batch.
    batch_keys: Vec<String>,
    in_batch: usize,
    /// Rows before the open batch.
    base: u64,
    worker: u64,
    keys: HashMap<u64, String>,
    bytes: u64,
}

impl<'j> Feed<'j> {
    fn new(job: &'j Job<'j>, worker: u64) -> Feed<'j> {
        Feed {
            job,
            acc: {
                let mut acc = job.template.batch(job.req, 0).acc;
                acc.keep_rows_like(job.template);
                acc
            },
            batch: None,
            batch_keys: Vec::new(),
            in_batch: 0,
            base: 0,
            worker,
            keys: HashMap::new(),
            bytes: 0,
        }
    }

    /// Feeds one row; `cells(i, push)` hands column `i`'s value to `push`.
    fn row(&mut self, mut cells: impl FnMut(usize, &mut dyn FnMut(Value<'_>))) {
        let job = self.job;
        let b = self.batch.get_or_insert_with(|| {
            let mut b = job.template.batch(job.req, BATCH_ROWS);
            b.sketch_only(&self.acc.sketch_only());
            b
        });
        let r = self.in_batch;
        let pos = Pos { part: 0, line: None, row: (self.worker << WORKER_SHIFT) | (self.base + r as u64) };
        let mut key = String::new();
        let ev = job.plan.evidence_key;
        let mut bytes = 0u64;
        for i in 0..job.plan.cols.len() {
            cells(i, &mut |v| {
                let cell = match v {
                    Value::Null => Cell::Null,
                    Value::Int(x) => Cell::Int(x),
                    Value::Float(x) => Cell::Float(x),
                    Value::Bool(x) => Cell::Bool(x),
                    Value::Micros(x) => Cell::Timestamp(x),
                    Value::Days(x) => Cell::Date(x),
                    Value::Str(s) => Cell::Str(s),
                    Value::Bytes(s) => Cell::Text(s),
                    Value::Blob(s) => Cell::Opaque(s),
                };
                bytes += match cell {
                    Cell::Str(s) => s.len() as u64,
                    Cell::Text(s) | Cell::Opaque(s) => s.len() as u64,
                    Cell::Null => 0,
                    _ => 8,
                };
                if Some(i) == ev {
                    key = match cell {
                        Cell::Str(s) => s.to_string(),
                        Cell::Text(s) => String::from_utf8_lossy(s).into_owned(),
                        Cell::Int(x) => x.to_string(),
                        Cell::Float(x) => x.to_string(),
                        Cell::Bool(x) => x.to_string(),
                        Cell::Timestamp(x) => crate::stats::timestamp::format_micros(x),
                        _ => String::new(),
                    };
                }
                b.push(i, r, pos, cell);
            });
        }
        self.bytes += bytes;
        if ev.is_some() {
            self.batch_keys.push(key);
        }
        self.in_batch += 1;
        if self.in_batch == BATCH_ROWS {
            self.close();
        }
    }

    /// Closes the open batch, keeping the key text of every row an example now points at.
    fn close(&mut self) {
        let Some(b) = self.batch.take() else { return };
        let n = self.in_batch;
        self.acc.merge(b.finish(n as u64, self.job.plan.required_absent, self.job.plan.label_absent));
        let first = (self.worker << WORKER_SHIFT) | self.base;
        let (keys, batch_keys) = (&mut self.keys, &self.batch_keys);
        each_pos(&mut self.acc, &mut |p: &mut Pos, _| {
            if p.row >= first
                && let Some(k) = usize::try_from(p.row - first).ok().and_then(|i| batch_keys.get(i))
            {
                keys.entry(p.row).or_insert_with(|| k.clone());
            }
        });
        self.batch_keys.clear();
        self.base += n as u64;
        self.in_batch = 0;
    }

    fn finish(mut self) -> Part {
        self.close();
        Part { acc: self.acc, keys: self.keys, rows: self.base, bytes: self.bytes }
    }
}

/// Every example position an accumulator holds, with the example's value where that value is
/// the evidence key itself (a duplicate key).
fn each_pos(acc: &mut SourceAcc, f: &mut dyn FnMut(&mut Pos, Option<&str>)) {
    for c in &mut acc.cols {
        for p in &mut c.invalid_utf8_examples {
            f(p, None);
        }
        for (p, _, _) in &mut c.missing_examples {
            f(p, None);
        }
        for (p, _, _) in &mut c.pii_examples {
            f(p, None);
        }
    }
    if let Some(ts) = acc.timestamp_mut() {
        for (_, p) in [&mut ts.min, &mut ts.max, &mut ts.max_past].into_iter().flatten() {
            f(p, None);
        }
        for list in [&mut ts.unparseable_examples, &mut ts.stale_examples, &mut ts.future_examples] {
            for (p, _) in list {
                f(p, None);
            }
        }
    }
    if let Some(k) = &mut acc.key_set {
        for (p, v) in &mut k.duplicate_examples {
            f(p, Some(v.as_str()));
        }
    }
    if let Some(set) = &mut acc.row_set {
        for p in &mut set.examples {
            f(p, None);
        }
    }
    if let Some(set) = &mut acc.conflicts {
        for p in set.positions_mut() {
            f(p, None);
        }
    }
}

/// Puts each list of examples in key order, numerically for numeric keys, as the push-down
/// lists them: the examples are the first rows read, shown in the order a person looks keys up.
fn sort_examples(acc: &mut SourceAcc, keys: &[String]) {
    let key = |p: &Pos| {
        let k = usize::try_from(p.row).ok().and_then(|i| keys.get(i)).map_or("", String::as_str);
        (k.parse::<i64>().ok(), k.to_string())
    };
    let order = |a: &Pos, b: &Pos| {
        let (x, y) = (key(a), key(b));
        match (x.0, y.0) {
            (Some(i), Some(j)) => i.cmp(&j),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => x.1.cmp(&y.1),
        }
    };
    for c in &mut acc.cols {
        c.invalid_utf8_examples.sort_by(order);
        c.missing_examples.sort_by(|a, b| order(&a.0, &b.0));
        c.pii_examples.sort_by(|a, b| order(&a.0, &b.0));
    }
    if let Some(ts) = acc.timestamp_mut() {
        for list in [&mut ts.unparseable_examples, &mut ts.stale_examples, &mut ts.future_examples] {
            list.sort_by(|a, b| order(&a.0, &b.0));
        }
    }
    if let Some(k) = &mut acc.key_set {
        k.duplicate_examples.sort_by(|a, b| order(&a.0, &b.0));
    }
    if let Some(set) = &mut acc.row_set {
        set.examples.sort_by(order);
    }
}
