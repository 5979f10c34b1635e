//! What a SQL source's login may do and what its database says about the table: privileges
//! and grants, owner, size, the change signals (statistics, update time, Spark's history),
//! and the engine and transport of the live session.

use std::time::Duration;

use crate::profile::TlsMode;
use crate::sources::{DbSignals, SqlAccess};
use crate::stats::timestamp::format_micros;

use super::dialect::{Dialect, Sql};
use super::{Conn, Rows, SqlSource, Transport, Val, connect};

impl SqlSource {
    /// What the role may do to the table, and the database's change signals. A catalog that
    /// cannot be read leaves a note, not a failure: the measures are still good.
    pub(super) async fn access(&self, conn: &mut Conn) -> (SqlAccess, Option<DbSignals>, Option<u64>) {
        let mut a = SqlAccess::default();
        let mut signals = None;
        let mut bytes = None;
        self.engine_and_transport(conn, &mut a).await;
        match self.dialect {
            Dialect::Postgres => {
                if let Ok(rows) = self.fetch(conn, &Sql::new("SELECT CAST(current_user AS TEXT), CASE WHEN rolsuper THEN 1 ELSE 0 END FROM pg_roles WHERE rolname = current_user"))
                    .await
                    && let Some(r) = rows.first() {
                        a.role = r.first().and_then(Val::text);
                        a.superuser = r.get(1).and_then(Val::i64).map(|x| x == 1);
                    }
                match &self.table {
                    Some(t) => {
                        let mut sql = Sql::new(
                            // INSERT and UPDATE may be granted per column, which
                            // has_table_privilege does not see; TRUNCATE empties the table.
                            "SELECT CASE WHEN has_any_column_privilege(c.oid, 'INSERT') THEN 1 ELSE 0 END, \
                             CASE WHEN has_any_column_privilege(c.oid, 'UPDATE') THEN 1 ELSE 0 END, \
                             CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 1 ELSE 0 END, \
                             CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 1 ELSE 0 END, \
                             CAST(pg_get_userbyid(c.relowner) AS TEXT), \
                             CASE WHEN pg_has_role(c.relowner, 'USAGE') THEN 1 ELSE 0 END, \
                             pg_total_relation_size(c.oid) \
                             FROM pg_class c WHERE c.oid = to_regclass($1)",
                        );
                        sql.binds.push(self.dialect.quote_table(t));
                        match self.fetch(conn, &sql).await {
                            Ok(rows) => {
                                if let Some(r) = rows.first() {
                                    for (i, what) in ["INSERT", "UPDATE", "DELETE", "TRUNCATE"].iter().enumerate() {
                                        if r.get(i).and_then(Val::i64) == Some(1) {
                                            a.write_privileges.push((*what).to_string());
                                        }
                                    }
                                    a.table_owner = r.get(4).and_then(Val::text);
                                    a.owner = r.get(5).and_then(Val::i64).map(|x| x == 1);
                                    bytes = r.get(6).and_then(Val::i64).and_then(|b| u64::try_from(b).ok());
                                }
                            }
                            Err(e) => {
                                a.notes.push(format!("privileges not checked: {}", self.scrub(&e.to_string(), None)))
                            }
                        }
                        let mut sql = Sql::new(
                            "SELECT CAST(EXTRACT(EPOCH FROM last_analyze) * 1000000 AS BIGINT), \
                             CAST(EXTRACT(EPOCH FROM last_autoanalyze) * 1000000 AS BIGINT), \
                             CAST(EXTRACT(EPOCH FROM last_vacuum) * 1000000 AS BIGINT), \
                             CAST(EXTRACT(EPOCH FROM last_autovacuum) * 1000000 AS BIGINT), \
                             n_mod_since_analyze FROM pg_stat_user_tables WHERE relid = to_regclass($1)",
                        );
                        sql.binds.push(self.dialect.quote_table(t));
                        if let Ok(rows) = self.fetch(conn, &sql).await
                            && let Some(r) = rows.first()
                        {
                            let ts = |i: usize| r.get(i).and_then(Val::i64).map(format_micros);
                            signals = Some(DbSignals {
                                last_analyze: ts(0),
                                last_autoanalyze: ts(1),
                                last_vacuum: ts(2),
                                last_autovacuum: ts(3),
                                n_mod_since_analyze: r.get(4).and_then(Val::i64),
                                update_time: None,
                            });
                        }
                        // Engines that speak the protocol (Redshift, CockroachDB) may keep no
                        // statistics: unavailable, which is not "0 rows changed".
                        if signals.is_none() {
                            a.notes.push(
                                "pg_stat_user_tables has no row for the table: the database's change signals are unavailable"
                                    .into(),
                            );
                        }
                    }
                    None => a.notes.push("a `query` source: table privileges are not checked".into()),
                }
            }
            Dialect::MySql => {
                if let Ok(rows) =
                    self.fetch(conn, &Sql::new("SELECT CAST(CURRENT_USER() AS CHAR), CAST(DATABASE() AS CHAR)")).await
                    && let Some(r) = rows.first()
                {
                    a.role = r.first().and_then(Val::text);
                    let db = r.get(1).and_then(Val::text).unwrap_or_default();
                    match self.fetch(conn, &Sql::new("SHOW GRANTS")).await {
                        Ok(grants) => {
                            let lines: Vec<String> =
                                grants.iter().filter_map(|g| g.first().and_then(Val::text)).collect();
                            let (schema, table) = match self.table.as_deref().and_then(|t| t.split_once('.')) {
                                Some((s, t)) => (s.to_string(), Some(t.to_string())),
                                None => (db.clone(), self.table.clone()),
                            };
                            let g = mysql_grants(&lines, &schema, table.as_deref());
                            a.write_privileges = g.write;
                            a.superuser = Some(g.superuser);
                            if self.table.is_none() {
                                a.notes.push("a `query` source: only global and database grants are checked".into());
                            }
                        }
                        Err(e) => a.notes.push(format!("grants not checked: {}", self.scrub(&e.to_string(), None))),
                    }
                    if let Some(t) = &self.table {
                        let (schema, name) = match t.split_once('.') {
                            Some((s, n)) => (Some(s.to_string()), n.to_string()),
                            None => (None, t.clone()),
                        };
                        let mut sql = Sql::new(format!(
                            "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UPDATE_TIME), \
                             CAST(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS SIGNED) FROM information_schema.TABLES \
                                 WHERE TABLE_NAME = ? AND TABLE_SCHEMA = {}",
                            if schema.is_some() { "?" } else { "DATABASE()" }
                        ));
                        sql.binds.push(name);
                        sql.binds.extend(schema);
                        if let Ok(rows) = self.fetch(conn, &sql).await {
                            let t = rows.first().and_then(|r| r.first()).and_then(Val::i64).map(format_micros);
                            if t.is_none() {
                                a.notes.push(
                                    "information_schema.TABLES.UPDATE_TIME is NULL (InnoDB keeps it in memory only): \
                                     when the table last changed is unavailable"
                                        .into(),
                                );
                            }
                            signals = Some(DbSignals { update_time: t, ..DbSignals::default() });
                            bytes = rows
                                .first()
                                .and_then(|r| r.get(1))
                                .and_then(Val::i64)
                                .and_then(|b| u64::try_from(b).ok());
                        }
                    }
                }
            }
            Dialect::Sqlite => {}
            // Open-source Spark keeps no grants to read (a Unity Catalog or Ranger does, outside
            // the SQL this engine answers): unavailable, never passed.
            Dialect::Spark => a.notes.push(
                "privileges: unavailable: open-source Spark has no grants to read; whether this \
                 session may write the data is not known"
                    .into(),
            ),
        }
        (a, signals, bytes)
    }

    /// The engine (`SELECT version()`) and the transport as the live session shows it. Run
    /// inside the transaction, so a pooler answers from the connection that runs the scan.
    async fn engine_and_transport(&self, conn: &mut Conn, a: &mut SqlAccess) {
        let session = self.session.lock().ok().and_then(|s| s.clone());
        let Some(session) = session else { return };
        let mut t = Transport {
            mode: Some(session.mode.as_str()),
            remote_host: (!connect::is_loopback(&session.host)).then(|| session.host.clone()),
            ..Transport::default()
        };
        let first = |rows: Result<Rows, sqlx::Error>| rows.ok().and_then(|r| r.into_iter().next());
        match self.dialect {
            Dialect::Postgres => {
                let row = first(self.fetch(conn, &Sql::new("SELECT CAST(version() AS TEXT)")).await);
                a.engine = row.and_then(|r| r.first().and_then(Val::text)).map(|v| connect::pg_engine(&v));
                // Under `require` and above the driver refuses a session without TLS; under
                // `prefer` ask the server what the driver was told.
                t.encrypted = match session.mode {
                    TlsMode::Disable => false,
                    TlsMode::Prefer => {
                        connect::pg_offers_tls(&session.host, session.port, Duration::from_secs(5)).await == Some(true)
                    }
                    _ => true,
                };
                // A failed query would abort the transaction the rest of the scan runs in, and
                // engines that speak the protocol (Redshift, CockroachDB) lack pg_stat_ssl: ask
                // the catalog first.
                let has_view = Sql::new(
                    "SELECT COUNT(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = 'pg_catalog' AND c.relname = 'pg_stat_ssl'",
                );
                let has_view = first(self.fetch(conn, &has_view).await)
                    .and_then(|r| r.first().map(Val::u64))
                    .is_some_and(|n| n > 0);
                if t.encrypted && has_view {
                    let sql =
                        Sql::new("SELECT CAST(version AS TEXT) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl");
                    t.protocol = first(self.fetch(conn, &sql).await).and_then(|r| r.first().and_then(Val::text));
                }
            }
            Dialect::MySql => {
                let row = first(
                    self.fetch(conn, &Sql::new("SELECT CAST(VERSION() AS CHAR), CAST(@@version_comment AS CHAR)"))
                        .await,
                );
                a.engine = row.as_ref().and_then(|r| r.first().and_then(Val::text)).map(|v| {
                    connect::my_engine(&v, row.as_ref().and_then(|r| r.get(1)).and_then(Val::text).as_deref())
                });
                let status = first(self.fetch(conn, &Sql::new("SHOW SESSION STATUS LIKE 'Ssl_version'")).await);
                t.protocol = status.and_then(|r| r.get(1).and_then(Val::text)).filter(|v| !v.trim().is_empty());
                t.encrypted = t.protocol.is_some();
            }
            Dialect::Sqlite => return,
            Dialect::Spark => {
                let row = first(self.fetch(conn, &Sql::new("SELECT version()")).await);
                a.engine = row
                    .and_then(|r| r.first().and_then(Val::text))
                    .map(|v| format!("Spark {}", v.split_whitespace().next().unwrap_or("")));
                t.encrypted = matches!(session.mode, TlsMode::VerifyFull);
                t.protocol = t.encrypted.then(|| "TLS (gRPC)".to_string());
            }
        }
        t.verified = t.encrypted && matches!(session.mode, TlsMode::VerifyCa | TlsMode::VerifyFull);
        a.transport = Some(t);
    }

    /// Spark's change signals: a Delta table's last commit from its history, and for files
    /// the cluster reads by path the newest modification time it lists. What the engine cannot
    /// say is a note that it is unavailable.
    pub(super) async fn spark_signals(
        &self,
        conn: &mut Conn,
    ) -> (Option<i64>, Option<crate::sources::delta::DeltaInfo>, Vec<String>) {
        let mut notes = Vec::new();
        let is_delta = self.cluster_path.as_ref().is_some_and(|(f, _)| f == "delta");
        let mut delta = None;
        let history_of = match (&self.table, is_delta) {
            (Some(t), _) => Some(self.dialect.quote_table(t)),
            (None, true) => Some(self.relation()),
            (None, false) => None,
        };
        if let Some(rel) = history_of {
            // Columns: version, timestamp, userId, userName, operation, …
            match self.fetch(conn, &Sql::new(format!("DESCRIBE HISTORY {rel} LIMIT 1"))).await {
                Ok(rows) => {
                    if let Some(r) = rows.first() {
                        delta = Some(crate::sources::delta::DeltaInfo {
                            version: r.first().and_then(Val::i64).unwrap_or(0),
                            last_commit: r.get(1).and_then(Val::i64).map(format_micros),
                            last_operation: r.get(4).and_then(Val::text),
                            ..Default::default()
                        });
                    }
                }
                Err(e) if self.table.is_some() => notes.push(format!(
                    "table history: unavailable (not a Delta table, or the engine keeps none): {}",
                    first_line(&self.scrub(&e.to_string(), None))
                )),
                Err(e) => notes.push(format!("table history: unavailable: {}", first_line(&e.to_string()))),
            }
        }
        let mut modified = None;
        match &self.cluster_path {
            Some((_, path)) => {
                // `binaryFile` lists the files with their times; their contents are not read.
                let sql = Sql::new(format!(
                    "SELECT MAX(unix_micros(modificationTime)) FROM binaryFile.{}",
                    self.dialect.quote(path)
                ));
                match self.fetch(conn, &sql).await {
                    Ok(rows) => modified = rows.first().and_then(|r| r.first()).and_then(Val::i64),
                    Err(e) => {
                        notes.push(format!("file modification time: unavailable: {}", first_line(&e.to_string())))
                    }
                }
            }
            None if delta.is_none() => {
                notes.push("file modification time: unavailable for a Spark table or query source".into())
            }
            None => {}
        }
        (modified, delta, notes)
    }
}

/// The first line of an engine's message: Spark appends its JVM stack to some.
fn first_line(m: &str) -> String {
    m.lines().next().unwrap_or("").trim().to_string()
}

/// What `SHOW GRANTS` lines allow on one table.
#[derive(Debug, Default, PartialEq)]
struct Grants {
    write: Vec<String>,
    superuser: bool,
}

/// Reads `GRANT <privileges> ON <scope> TO …` lines. A grant applies when its scope is `*.*`,
/// the table's schema (`db`.*) or the table itself. Roles granted to the user are not expanded.
fn mysql_grants(lines: &[String], schema: &str, table: Option<&str>) -> Grants {
    let unquote = |s: &str| s.trim().trim_matches('`').replace("``", "`");
    let mut g = Grants::default();
    for line in lines {
        let Some(rest) = line.strip_prefix("GRANT ") else { continue };
        let Some((privs, after)) = rest.split_once(" ON ") else { continue };
        let scope = after.split(" TO ").next().unwrap_or("").trim();
        let (db, tb) = match scope.split_once("`.`") {
            Some((d, t)) => (unquote(d), unquote(t)),
            None => match scope.split_once('.') {
                Some((d, t)) => (unquote(d), unquote(t)),
                None => continue,
            },
        };
        let global = db == "*" && tb == "*";
        let applies = global || (db == schema && (tb == "*" || Some(tb.as_str()) == table));
        let privs: Vec<String> =
            privs.split(',').map(|p| p.trim().split(' ').next().unwrap_or("").to_ascii_uppercase()).collect();
        let all = privs.iter().any(|p| p == "ALL");
        if global && (all || privs.iter().any(|p| p == "SUPER")) {
            g.superuser = true;
        }
        if !applies {
            continue;
        }
        for w in ["INSERT", "UPDATE", "DELETE"] {
            if (all || privs.iter().any(|p| p == w)) && !g.write.iter().any(|x| x == w) {
                g.write.push(w.to_string());
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_that_allow_writing() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ro = lines(&["GRANT USAGE ON *.* TO `ro`@`%`", "GRANT SELECT ON `crm`.* TO `ro`@`%`"]);
        assert_eq!(mysql_grants(&ro, "crm", Some("customers")), Grants::default());
        let ins = lines(&["GRANT USAGE ON *.* TO `w`@`%`", "GRANT SELECT, INSERT ON `crm`.`customers` TO `w`@`%`"]);
        assert_eq!(mysql_grants(&ins, "crm", Some("customers")).write, vec!["INSERT".to_string()]);
        assert!(mysql_grants(&ins, "crm", Some("other")).write.is_empty());
        let root = lines(&["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]);
        let g = mysql_grants(&root, "crm", Some("customers"));
        assert!(g.superuser);
        assert_eq!(g.write.len(), 3);
    }
}
