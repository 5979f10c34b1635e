//! How a SQL source reaches its server: the TLS options (profile, URL, environment), the
//! password from `password_command`, the startup parameters a pooler refuses, and what the live
//! session says about its transport and its engine.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::profile::{TlsMode, TlsSpec};

/// A `password_command` that has not answered after this long is killed.
pub const PASSWORD_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How the bytes of a live session travel, as measured on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Transport {
    pub encrypted: bool,
    /// The server's certificate was checked against a trusted CA (`verify-ca`, `verify-full`).
    pub verified: bool,
    /// The TLS version the session negotiated, where the server reports it.
    pub protocol: Option<String>,
    /// The mode the connection was made under (`prefer`, `verify-full`, …).
    #[serde(skip)]
    pub mode: Option<&'static str>,
    /// The host, when it is not on this machine: plaintext to it crosses a network.
    #[serde(skip)]
    pub remote_host: Option<String>,
}

/// Whether a host name stays on this machine (loopback, a Unix socket).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.is_empty()
        || h.starts_with('/')
        || h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The profile's `tls` table applied to PostgreSQL options: it wins over the URL's `sslmode`
/// and `PGSSLMODE` (which sqlx has already read).
pub fn pg_tls(mut o: sqlx::postgres::PgConnectOptions, tls: Option<&TlsSpec>) -> sqlx::postgres::PgConnectOptions {
    use sqlx::postgres::PgSslMode;
    let Some(t) = tls else { return o };
    if let Some(m) = t.mode {
        o = o.ssl_mode(match m {
            TlsMode::Disable => PgSslMode::Disable,
            TlsMode::Prefer => PgSslMode::Prefer,
            TlsMode::Require => PgSslMode::Require,
            TlsMode::VerifyCa => PgSslMode::VerifyCa,
            TlsMode::VerifyFull => PgSslMode::VerifyFull,
        });
    }
    if let Some(p) = &t.ca {
        o = o.ssl_root_cert(p);
    }
    if let Some(p) = &t.cert {
        o = o.ssl_client_cert(p);
    }
    if let Some(p) = &t.key {
        o = o.ssl_client_key(p);
    }
    o
}

/// The profile's `tls` table applied to MySQL options (it wins over the URL's `ssl-mode`).
pub fn my_tls(mut o: sqlx::mysql::MySqlConnectOptions, tls: Option<&TlsSpec>) -> sqlx::mysql::MySqlConnectOptions {
    use sqlx::mysql::MySqlSslMode;
    let Some(t) = tls else { return o };
    if let Some(m) = t.mode {
        o = o.ssl_mode(match m {
            TlsMode::Disable => MySqlSslMode::Disabled,
            TlsMode::Prefer => MySqlSslMode::Preferred,
            TlsMode::Require => MySqlSslMode::Required,
            TlsMode::VerifyCa => MySqlSslMode::VerifyCa,
            TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
        });
    }
    if let Some(p) = &t.ca {
        o = o.ssl_ca(p);
    }
    if let Some(p) = &t.cert {
        o = o.ssl_client_cert(p);
    }
    if let Some(p) = &t.key {
        o = o.ssl_client_key(p);
    }
    o
}

pub fn pg_mode(o: &sqlx::postgres::PgConnectOptions) -> TlsMode {
    use sqlx::postgres::PgSslMode;
    match o.get_ssl_mode() {
        PgSslMode::Disable | PgSslMode::Allow => TlsMode::Disable,
        PgSslMode::Prefer => TlsMode::Prefer,
        PgSslMode::Require => TlsMode::Require,
        PgSslMode::VerifyCa => TlsMode::VerifyCa,
        PgSslMode::VerifyFull => TlsMode::VerifyFull,
    }
}

pub fn my_mode(o: &sqlx::mysql::MySqlConnectOptions) -> TlsMode {
    use sqlx::mysql::MySqlSslMode;
    match o.get_ssl_mode() {
        MySqlSslMode::Disabled => TlsMode::Disable,
        MySqlSslMode::Preferred => TlsMode::Prefer,
        MySqlSslMode::Required => TlsMode::Require,
        MySqlSslMode::VerifyCa => TlsMode::VerifyCa,
        MySqlSslMode::VerifyIdentity => TlsMode::VerifyFull,
    }
}

/// Asks a PostgreSQL server (or pooler) whether it would start TLS, as the driver does under
/// `prefer`: an SSLRequest and its one-byte answer. This is the client's side of the
/// session; `pg_stat_ssl` behind a pooler describes the pooler's own connection instead.
pub async fn pg_offers_tls(host: &str, port: u16, wait: Duration) -> Option<bool> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if host.starts_with('/') {
        return Some(false);
    }
    let probe = async {
        let mut s = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        // Length 8, then the SSLRequest code 80877103.
        s.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).await.ok()?;
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.ok()?;
        Some(b[0] == b'S')
    };
    tokio::time::timeout(wait, probe).await.ok().flatten()
}

/// A driver's connect error in words that say what went wrong with TLS, when it was TLS.
pub fn explain_tls(message: &str, mode: TlsMode, ca: Option<&str>) -> Option<String> {
    let m = message.to_ascii_lowercase();
    let mode = mode.as_str();
    if m.contains("server does not support tls") || m.contains("server does not support ssl") {
        return Some(format!("the server does not offer TLS, and the source requires it (sslmode {mode})"));
    }
    let cert = ["invalid peer certificate", "unknownissuer", "certificate", "notvalidforname", "badsignature"];
    if m.contains("tls") || m.contains("ssl") || cert.iter().any(|c| m.contains(c)) {
        let against = ca.map_or("the system's trusted CAs".to_string(), |c| format!("the CA in {c}"));
        let what = if m.contains("notvalidforname") || m.contains("not valid for name") {
            "the server's certificate does not name this host"
        } else if m.contains("invalid peer certificate") || m.contains("unknownissuer") || m.contains("certificate") {
            "the server's certificate does not verify"
        } else {
            "the TLS handshake failed"
        };
        return Some(format!("{what} (sslmode {mode}, checked against {against}): {message}"));
    }
    None
}

/// Whether a connect error is a pooler (PgBouncer) refusing preflight's startup parameters.
pub fn refused_startup_parameter(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("unsupported startup parameter") || m.contains("extra_float_digits")
}

/// Why a `password_command` gave no password. Its output is never part of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("`password_command` {command} could not start: {reason}")]
    Start { command: String, reason: String },
    #[error("`password_command` {command} failed ({status})")]
    Failed { command: String, status: String },
    #[error("`password_command` {command} did not finish within {secs}s and was stopped")]
    TimedOut { command: String, secs: u64 },
    #[error("`password_command` {command} printed no password")]
    Empty { command: String },
}

/// The command as shown in messages: its argv, quoted where a word holds a space.
fn shown(argv: &[String]) -> String {
    let words: Vec<String> =
        argv.iter().map(|a| if a.contains([' ', '\t', '"']) { format!("{a:?}") } else { a.clone() }).collect();
    format!("`{}`", words.join(" "))
}

/// Runs `argv` without a shell and returns its trimmed stdout; stdin is closed and stderr is
/// discarded (a token tool may echo secrets there). A command still running at `timeout` is
/// killed (its whole process group, so a script's children go too).
pub fn run_password_command(argv: &[String], timeout: Duration) -> Result<String, CommandError> {
    let command = shown(argv);
    let Some((program, args)) = argv.split_first() else {
        return Err(CommandError::Start { command, reason: "no program given".into() });
    };
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| CommandError::Start { command: command.clone(), reason: e.to_string() })?;
    let mut stdout = child.stdout.take();
    // Read on a thread: a command that fills the pipe would otherwise never exit.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(1 << 20).read_to_end(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) | Err(_) => {
                kill_group(&mut child);
                return Err(CommandError::TimedOut { command, secs: timeout.as_secs().max(1) });
            }
        }
    };
    if !status.success() {
        return Err(CommandError::Failed { command, status: status.to_string() });
    }
    // The command has exited; a child it left behind holding the pipe must not hang the scan.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if !reader.is_finished() {
        kill_group(&mut child);
        return Err(CommandError::TimedOut { command, secs: timeout.as_secs().max(1) });
    }
    let out = reader.join().unwrap_or_default();
    let password = String::from_utf8_lossy(&out).trim().to_string();
    if password.is_empty() {
        return Err(CommandError::Empty { command });
    }
    Ok(password)
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // The child leads its own process group (process_group(0) above).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The engine and its version from `SELECT version()` on a PostgreSQL-protocol server.
pub fn pg_engine(version: &str) -> String {
    let v = version.trim();
    if let Some(i) = v.find("Redshift") {
        let rest = v[i + "Redshift".len()..].split_whitespace().next().unwrap_or("");
        return format!("Amazon Redshift {rest}").trim().to_string();
    }
    let words: Vec<&str> = v.split_whitespace().take(3).collect();
    match words.as_slice() {
        ["CockroachDB", edition, ver, ..] => format!("CockroachDB {edition} {ver}"),
        [name, ver, ..] => format!("{name} {}", ver.trim_end_matches(',')),
        _ => v.to_string(),
    }
}

/// The engine from MySQL's `VERSION()` and `@@version_comment`.
pub fn my_engine(version: &str, comment: Option<&str>) -> String {
    let v = version.trim();
    let number = v.split('-').next().unwrap_or(v);
    if let Some(i) = v.find("-TiDB-") {
        return format!("TiDB {}", &v[i + "-TiDB-".len()..]);
    }
    if v.contains("MariaDB") {
        return format!("MariaDB {number}");
    }
    let c = comment.unwrap_or("");
    if c.contains("Percona") {
        return format!("Percona Server {number}");
    }
    format!("MySQL {number}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn engines_are_named_from_their_version_strings() {
        assert_eq!(
            pg_engine("PostgreSQL 15.10 (Debian 15.10-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc"),
            "PostgreSQL 15.10"
        );
        assert_eq!(
            pg_engine(
                "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467"
            ),
            "Amazon Redshift 1.0.77467"
        );
        assert_eq!(
            pg_engine("CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27)"),
            "CockroachDB CCL v23.1.11"
        );
        assert_eq!(my_engine("10.11.6-MariaDB-0+deb12u1", Some("Debian 12")), "MariaDB 10.11.6");
        assert_eq!(my_engine("8.0.11-TiDB-v7.5.0", None), "TiDB v7.5.0");
        assert_eq!(my_engine("8.0.36", Some("MySQL Community Server - GPL")), "MySQL 8.0.36");
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "/var/run/postgresql", ""] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["db.internal", "10.0.0.5", "mydb.abc.eu-west-1.rds.amazonaws.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn a_password_command_prints_the_password() {
        assert_eq!(
            run_password_command(&argv(&["printf", "  s3cret\\n"]), PASSWORD_COMMAND_TIMEOUT),
            Ok("s3cret".into())
        );
    }

    #[test]
    fn a_failing_empty_or_missing_command_names_the_command_not_its_output() {
        let e = run_password_command(&argv(&["sh", "-c", "echo leaked-token; exit 3"]), PASSWORD_COMMAND_TIMEOUT)
            .expect_err("exit 3 fails");
        let m = e.to_string();
        assert!(m.contains("sh -c") && m.contains("exit status: 3") && !m.contains("leaked-token\n"), "{m}");
        let e = run_password_command(&argv(&["true"]), PASSWORD_COMMAND_TIMEOUT).expect_err("nothing printed");
        assert_eq!(e, CommandError::Empty { command: "`true`".into() });
        let e = run_password_command(&argv(&["/surely/not/a/program"]), PASSWORD_COMMAND_TIMEOUT);
        assert!(matches!(e, Err(CommandError::Start { .. })), "{e:?}");
    }

    #[test]
    fn a_hanging_command_is_stopped_at_the_timeout() {
        let e = run_password_command(&argv(&["sh", "-c", "sleep 60"]), Duration::from_millis(300));
        assert_eq!(e, Err(CommandError::TimedOut { command: "`sh -c \"sleep 60\"`".into(), secs: 1 }));
    }

    #[test]
    fn refused_startup_parameters_are_recognised() {
        assert!(refused_startup_parameter(
            "error returned from database: unsupported startup parameter: extra_float_digits"
        ));
        assert!(refused_startup_parameter("unsupported startup parameter: options"));
        assert!(!refused_startup_parameter("password authentication failed for user \"x\""));
    }

    #[test]
    fn tls_errors_say_which() {
        let m = explain_tls(
            "error occurred while attempting to establish a TLS connection: server does not support TLS",
            TlsMode::Require,
            None,
        );
        assert!(m.is_some_and(|m| m.contains("does not offer TLS")));
        let m = explain_tls(
            "error communicating with database: invalid peer certificate: UnknownIssuer",
            TlsMode::VerifyFull,
            Some("ca.pem"),
        );
        assert!(m.is_some_and(|m| m.contains("does not verify") && m.contains("ca.pem")));
        assert_eq!(explain_tls("password authentication failed for user \"x\"", TlsMode::Prefer, None), None);
    }
}
