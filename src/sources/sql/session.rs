//! Opening a SQL source's session: the password (from the profile, the driver's variable or
//! a command), the connection per engine with its TLS options, how a driver message is
//! made safe to print, and the read-only transaction with its statement timeout.

use std::str::FromStr;
use std::time::Duration;

use sqlx::{ConnectOptions, Connection};

use crate::profile::TlsMode;
use crate::sources::SourceError;

use super::dialect::Dialect;
use super::{CONNECT_TIMEOUT, Conn, Session, SqlSource, connect};

impl SqlSource {
    /// The password to use: `password_env` names the variable; otherwise the driver's usual
    /// one (PGPASSWORD, MYSQL_PWD); a password inside the URL (a FAIL finding) still works.
    fn password(&self) -> Result<Option<String>, SourceError> {
        self.password.get_or_init(|| self.find_password()).clone()
    }

    fn find_password(&self) -> Result<Option<String>, SourceError> {
        if let Some(argv) = &self.connect.password_command {
            return connect::run_password_command(argv, connect::PASSWORD_COMMAND_TIMEOUT)
                .map(Some)
                .map_err(|e| SourceError::Unreachable { location: self.redacted.clone(), message: e.to_string() });
        }
        if let Some(var) = &self.password_env {
            return match std::env::var(var) {
                Ok(p) => Ok(Some(p)),
                Err(_) => Err(SourceError::Unreachable {
                    location: self.redacted.clone(),
                    message: format!("`password_env` names `{var}`, which is not set"),
                }),
            };
        }
        let usual = match self.dialect {
            Dialect::Postgres => "PGPASSWORD",
            Dialect::MySql => "MYSQL_PWD",
            Dialect::Sqlite | Dialect::Spark => return Ok(None),
        };
        Ok(std::env::var(usual).ok())
    }

    /// A driver message made safe to print: the password never appears, even if a driver
    /// were to echo it, and the URL appears only redacted.
    pub(super) fn scrub(&self, message: &str, password: Option<&str>) -> String {
        let mut m = message.trim_start_matches("error returned from database: ").to_string();
        // The Spark client's errors travel as the driver's protocol error (`spark_error`).
        if self.dialect == Dialect::Spark {
            m = m.trim_start_matches("encountered unexpected or invalid data: ").to_string();
        }
        m = m.replace(&self.url, &self.redacted);
        if let Some(p) = password.filter(|p| p.len() >= 2) {
            m = m.replace(p, "***");
        }
        if let Some(p) = url_password(&self.url).filter(|p| p.len() >= 2) {
            m = m.replace(&p, "***");
        }
        m
    }

    pub(super) async fn connect(&self) -> Result<(Conn, Option<String>), SourceError> {
        let password = self.password()?;
        let unreachable = |e: &dyn std::fmt::Display, pw: Option<&str>| SourceError::Unreachable {
            location: self.redacted.clone(),
            message: self.scrub(&e.to_string(), pw),
        };
        let secs = self.timeout.as_secs();
        let fut = async {
            match self.dialect {
                Dialect::Postgres => {
                    let mut o = sqlx::postgres::PgConnectOptions::from_str(&self.url)
                        .map_err(|e| unreachable(&e, password.as_deref()))?
                        .application_name("preflight")
                        // Generated SQL is long; it is not worth a log line per query.
                        .disable_statement_logging();
                    o = connect::pg_tls(o, self.connect.tls.as_ref());
                    if let Some(p) = &password
                        && (url_password(&self.url).is_none() || self.explicit_password())
                    {
                        o = o.password(p);
                    }
                    let mode = connect::pg_mode(&o);
                    self.remember(mode, o.get_host(), o.get_port());
                    // The session itself is read-only, in UTC, with the statement timeout: set
                    // at startup, before any query can run. A pooler (PgBouncer) refuses these
                    // startup parameters; then the transaction sets them (`begin`).
                    let strict = o.clone().options([
                        ("default_transaction_read_only", "on".to_string()),
                        ("statement_timeout", format!("{secs}s")),
                        ("TimeZone", "UTC".to_string()),
                    ]);
                    let c = match sqlx::PgConnection::connect_with(&strict).await {
                        Err(e) if connect::refused_startup_parameter(&e.to_string()) => {
                            log::debug!(
                                "{}: the server refuses startup parameters; set per transaction",
                                self.redacted
                            );
                            sqlx::PgConnection::connect_with(&o.extra_float_digits(None)).await
                        }
                        other => other,
                    }
                    .map_err(|e| self.connect_failed(&e, mode, password.as_deref()))?;
                    Ok(Conn::Pg(c))
                }
                Dialect::MySql => {
                    // sqlx knows the scheme `mysql://` only; MariaDB speaks the same protocol.
                    let url = match self.url.strip_prefix("mariadb://") {
                        Some(rest) => format!("mysql://{rest}"),
                        None => self.url.clone(),
                    };
                    let mut o = sqlx::mysql::MySqlConnectOptions::from_str(&url)
                        .map_err(|e| unreachable(&e, password.as_deref()))?
                        .timezone(Some("+00:00".to_string()))
                        // No `SET sql_mode = CONCAT(@@sql_mode, …)` at connect: some
                        // MySQL-protocol engines refuse it, and the generated SQL uses CONCAT,
                        // not `||`, so a `query` keeps the server's own meaning of `||`.
                        .pipes_as_concat(false)
                        .no_engine_substitution(false)
                        .disable_statement_logging();
                    o = connect::my_tls(o, self.connect.tls.as_ref());
                    if let Some(p) = &password
                        && (url_password(&self.url).is_none() || self.explicit_password())
                    {
                        o = o.password(p);
                    }
                    let mode = connect::my_mode(&o);
                    self.remember(mode, o.get_host(), o.get_port());
                    let c = sqlx::MySqlConnection::connect_with(&o)
                        .await
                        .map_err(|e| self.connect_failed(&e, mode, password.as_deref()))?;
                    Ok(Conn::My(c))
                }
                Dialect::Sqlite => {
                    let path = self.sqlite_path();
                    if !path.exists() {
                        return Err(SourceError::NotFound { path: self.redacted.clone() });
                    }
                    let o = sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(&path)
                        .read_only(true)
                        .create_if_missing(false)
                        .busy_timeout(Duration::from_secs(5))
                        .disable_statement_logging();
                    let c = sqlx::SqliteConnection::connect_with(&o).await.map_err(|e| unreachable(&e, None))?;
                    Ok(Conn::Lite(c))
                }
                Dialect::Spark => {
                    let cs = crate::sources::spark::ConnString::parse(&self.url)
                        .map_err(|e| unreachable(&e, password.as_deref()))?;
                    let tls = self.connect.tls.as_ref();
                    let mut opts = crate::sources::spark::ConnectOptions {
                        token: password.clone(),
                        tls: tls.and_then(|t| t.mode).is_some_and(|m| m != TlsMode::Disable),
                        ca_pem: None,
                    };
                    if let Some(ca) = tls.and_then(|t| t.ca.as_ref()) {
                        opts.ca_pem = Some(std::fs::read(ca).map_err(|e| SourceError::Unreachable {
                            location: self.redacted.clone(),
                            message: format!("cannot read the CA file {}: {e}", ca.display()),
                        })?);
                    }
                    let c = crate::sources::spark::Client::connect(&cs, &opts, self.timeout)
                        .await
                        .map_err(|e| unreachable(&e, password.as_deref()))?;
                    let mode = if c.tls { TlsMode::VerifyFull } else { TlsMode::Disable };
                    self.remember(mode, &cs.host, cs.port);
                    Ok(Conn::Spark(Box::new(c)))
                }
            }
        };
        let wait = self.timeout.min(CONNECT_TIMEOUT);
        match tokio::time::timeout(wait, fut).await {
            Ok(r) => r.map(|c| (c, password)),
            Err(_) => Err(SourceError::Unreachable {
                location: self.redacted.clone(),
                message: format!("no answer within {}s", wait.as_secs()),
            }),
        }
    }

    /// A password the profile chose (`password_env`, `password_command`) wins over one in the URL.
    fn explicit_password(&self) -> bool {
        self.password_env.is_some() || self.connect.password_command.is_some()
    }

    /// The CA file the connection trusts, where one is named: the profile, the URL, PGSSLROOTCERT.
    fn ca_named(&self) -> Option<String> {
        if let Some(p) = self.connect.tls.as_ref().and_then(|t| t.ca.as_ref()) {
            return Some(p.display().to_string());
        }
        let query = self.url.split_once('?').map_or("", |(_, q)| q);
        let in_url = query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            ["sslrootcert", "ssl-root-cert", "ssl-ca"].contains(&k).then(|| v.to_string())
        });
        match self.dialect {
            Dialect::Postgres => in_url.or_else(|| std::env::var("PGSSLROOTCERT").ok()),
            _ => in_url,
        }
    }

    fn remember(&self, mode: TlsMode, host: &str, port: u16) {
        if let Ok(mut s) = self.session.lock() {
            *s = Some(Session { mode, host: host.to_string(), port });
        }
    }

    /// A connect error, with what went wrong with TLS spelled out when it was TLS.
    fn connect_failed(&self, e: &sqlx::Error, mode: TlsMode, password: Option<&str>) -> SourceError {
        let raw = self.scrub(&e.to_string(), password);
        let ca = self.ca_named().map(|c| c.replace(&self.url, &self.redacted));
        let tls_error = matches!(e, sqlx::Error::Tls(_) | sqlx::Error::Io(_)) && mode != TlsMode::Disable;
        let message = match connect::explain_tls(&raw, mode, ca.as_deref()).filter(|_| tls_error) {
            Some(m) => m,
            None => raw,
        };
        SourceError::Unreachable { location: self.redacted.clone(), message }
    }

    /// Opens the read-only transaction and sets the statement timeout, per dialect.
    pub(super) async fn begin(&self, conn: &mut Conn) -> Result<(), sqlx::Error> {
        let ms = self.timeout.as_millis();
        match self.dialect {
            Dialect::Postgres => {
                conn.execute("START TRANSACTION READ ONLY").await?;
                conn.execute(&format!("SET LOCAL statement_timeout = {ms}")).await?;
                // Also set at startup where the server allows it; a pooler does not (`connect`).
                conn.execute("SET LOCAL TimeZone = 'UTC'").await?;
            }
            Dialect::MySql => {
                // MariaDB calls it max_statement_time (seconds), MySQL max_execution_time (ms).
                if conn.execute(&format!("SET SESSION max_statement_time = {}", self.timeout.as_secs())).await.is_err()
                {
                    conn.execute(&format!("SET SESSION max_execution_time = {ms}")).await?;
                }
                // Derived tables are materialised, not merged: merged, every reference to a
                // computed column (the missing flags, the parsed timestamp) re-evaluates it, and
                // a text timestamp is referenced a dozen times per row (minutes on 1M rows).
                conn.execute("SET SESSION optimizer_switch = 'derived_merge=off'").await?;
                conn.execute("START TRANSACTION READ ONLY").await?;
            }
            Dialect::Sqlite => {
                // The connection is opened read-only; query_only also refuses writes through it.
                conn.execute("PRAGMA query_only = ON").await?;
                conn.execute("BEGIN").await?;
            }
            // Spark has no read-only transaction: preflight sends only queries (a profile's
            // `query` is wrapped in a SELECT, which a command cannot be), and every call is bounded
            // by the client. The session's time zone makes dates and naive timestamps UTC.
            Dialect::Spark => conn.execute("SET TIME ZONE 'UTC'").await?,
        }
        Ok(())
    }
}

/// The password inside a URL's user-info, if any.
fn url_password(url: &str) -> Option<String> {
    // A Spark Connect string carries its token as a `;token=` parameter.
    if let Some(rest) = url.strip_prefix("sc://") {
        return rest.split(';').find_map(|kv| kv.trim().strip_prefix("token=")).map(str::to_string);
    }
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    userinfo.split_once(':').map(|(_, p)| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_found() {
        assert_eq!(url_password("postgres://u:s3cret@h/db").as_deref(), Some("s3cret"));
        assert_eq!(url_password("postgres://u@h/db"), None);
        assert_eq!(url_password("sqlite://crm.db"), None);
    }
}
