//! The history file's schema and its upgrades: numbered steps in `schema/v<N>.sql`, applied in
//! order, once each. The version a file is at lives in `PRAGMA user_version` (SQLite keeps it in
//! the file header, so it is read without touching a table); every applied step is also logged
//! in the `schema_version` table, with the preflight version that applied it, for people.
//!
//! A later version adds `schema/v3.sql` and one `Step`; an old file is then upgraded the first
//! time the new version opens it. A file written by a newer version is refused, never
//! downgraded.

use sqlx::{Connection, SqliteConnection};

/// The schema this version of preflight writes and reads.
pub const CURRENT: i64 = 2;

pub struct Step {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

pub const STEPS: &[Step] = &[
    Step {
        version: 1,
        description: "scans with verdict and checklist, headline measures per source, findings",
        sql: include_str!("schema/v1.sql"),
    },
    Step {
        version: 2,
        description: "scan times as numbers and whole reports, measures per column and per entity, finding values and evidence",
        sql: include_str!("schema/v2.sql"),
    },
];

/// Why a file could not be brought to the current schema.
#[derive(Debug)]
pub enum UpgradeError {
    /// Written by a newer preflight.
    TooNew {
        found: i64,
    },
    /// A SQLite database with tables of its own and no schema version: not a history file.
    Foreign {
        table: String,
    },
    /// A step failed; the file is left at the version it had (the upgrade is one transaction).
    Step {
        version: i64,
        error: sqlx::Error,
    },
    Sql(sqlx::Error),
}

impl From<sqlx::Error> for UpgradeError {
    fn from(e: sqlx::Error) -> Self {
        UpgradeError::Sql(e)
    }
}

pub async fn user_version(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("PRAGMA user_version").fetch_one(conn).await
}

/// Brings the file to `target` (normally `CURRENT`) and returns the version it was at.
pub async fn upgrade(conn: &mut SqliteConnection, target: i64) -> Result<i64, UpgradeError> {
    let found = user_version(conn).await?;
    if found > CURRENT {
        return Err(UpgradeError::TooNew { found });
    }
    if found >= target {
        return Ok(found);
    }
    // IMMEDIATE takes the write lock up front, waiting out `busy_timeout` behind another writer:
    // a deferred transaction that reads first and writes later can fail instead of waiting.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // Another process may have upgraded the file while this one waited for the lock.
    let found = user_version(&mut tx).await?;
    if found > CURRENT {
        return Err(UpgradeError::TooNew { found });
    }
    if found == 0 {
        let table: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(table) = table {
            return Err(UpgradeError::Foreign { table });
        }
    }
    let applied_by = format!("preflight {}", env!("CARGO_PKG_VERSION"));
    for step in STEPS.iter().filter(|s| s.version > found && s.version <= target) {
        let run = async {
            sqlx::raw_sql(step.sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_version (version, description, applied_by) VALUES (?, ?, ?)")
                .bind(step.version)
                .bind(step.description)
                .bind(&applied_by)
                .execute(&mut *tx)
                .await?;
            // A PRAGMA takes no bound parameters; the version is a number of ours.
            sqlx::raw_sql(&format!("PRAGMA user_version = {}", step.version)).execute(&mut *tx).await?;
            Ok::<(), sqlx::Error>(())
        };
        run.await.map_err(|error| UpgradeError::Step { version: step.version, error })?;
    }
    tx.commit().await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_one_by_one_up_to_current() {
        let versions: Vec<i64> = STEPS.iter().map(|s| s.version).collect();
        let expected: Vec<i64> = (1..=CURRENT).collect();
        assert_eq!(versions, expected);
        for s in STEPS {
            assert!(s.sql.starts_with("-- preflight history, schema version"), "v{} opens with what it is", s.version);
        }
    }
}
