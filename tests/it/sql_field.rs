//! SQL sources as pilots reach them: TLS against the test CA `.ci/run` creates (folder
//! `PREFLIGHT_TEST_TLS_DIR`, default `/var/lib/preflight-ci/tls`), scram-sha-256 passwords
//! (members of the role `preflight_scram`), `password_command`, PgBouncer in transaction mode
//! (`PREFLIGHT_TEST_PGBOUNCER_PORT`, default 6432) and faults while a scan runs. Without that
//! setup these tests print `skipped`, unless `PREFLIGHT_REQUIRE_DB=1`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::{AS_OF, bin, finding, root, source, write};
use crate::sql::{
    Cleanup, PROFILE_HEAD, comparable, exec, my_database, my_url, pg_database, require_db, source_toml, unique,
};

fn tls_dir() -> Option<PathBuf> {
    let dir =
        PathBuf::from(std::env::var("PREFLIGHT_TEST_TLS_DIR").unwrap_or_else(|_| "/var/lib/preflight-ci/tls".into()));
    if dir.join("ca.crt").is_file() {
        return Some(dir);
    }
    assert!(!require_db(), "no test CA in {} (run .ci/run) and PREFLIGHT_REQUIRE_DB=1", dir.display());
    eprintln!("skipped: no test CA in {}", dir.display());
    None
}

/// A CA of its own that signed nothing the servers present.
fn other_ca(dir: &Path) -> PathBuf {
    let ca = dir.join("other-ca.crt");
    let ok = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=some other CA"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
        .arg("-keyout")
        .arg(dir.join("other-ca.key"))
        .arg("-out")
        .arg(&ca)
        .output()
        .expect("run openssl")
        .status
        .success();
    assert!(ok, "openssl made a CA");
    ca
}

/// `url` with the host and port replaced (keeps user-info and database).
fn with_host(url: &str, host: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (auth, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = auth.rsplit_once('@').map(|(u, _)| format!("{u}@")).unwrap_or_default();
    format!("{scheme}://{user}{host}/{path}")
}

/// `url` with different user-info.
fn with_user(url: &str, userinfo: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{userinfo}@{host}")
}

fn scan(dir: &Path, sources: &str, env: &[(&str, &str)], format: &str) -> Output {
    let p = write(dir, "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    let mut c = bin();
    c.current_dir(root());
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(["scan", &p.to_string_lossy(), "--format", format, "--as-of", AS_OF]).output().expect("run preflight")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)))
}

fn error(r: &Value, name: &str) -> String {
    source(r, name)["error"].as_str().unwrap_or_default().to_string()
}

fn ok(r: &Value, name: &str) {
    assert_eq!(source(r, name)["status"], "ok", "{name}: {}", source(r, name));
}

#[test]
fn postgres_tls_require_and_verify_full_pass_with_the_test_ca_and_fail_with_another() {
    let Some(tls) = tls_dir() else { return };
    let Some((url, _drop)) = pg_database("items") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let other = other_ca(dir.path());
    let ca = tls.join("ca.crt");
    let url = with_host(&url, "127.0.0.1:5432");
    let mut s = source_toml("req", &format!("url = \"{url}?sslmode=require\"\ntable = \"items\""));
    s += &source_toml(
        "full",
        &format!("url = \"{url}\"\ntable = \"items\"\ntls = {{ mode = \"verify-full\", ca = \"{}\" }}", ca.display()),
    );
    s += &source_toml(
        "urlfull",
        &format!("url = \"{url}?sslmode=verify-full&sslrootcert={}\"\ntable = \"items\"", ca.display()),
    );
    s += &source_toml(
        "otherca",
        &format!(
            "url = \"{url}\"\ntable = \"items\"\ntls = {{ mode = \"verify-full\", ca = \"{}\" }}",
            other.display()
        ),
    );
    s += &source_toml("plain", &format!("url = \"{url}?sslmode=disable\"\ntable = \"items\""));
    s += &source_toml("prefer", &format!("url = \"{url}\"\ntable = \"items\""));
    let r = json(&scan(dir.path(), &s, &[], "json"));
    for name in ["req", "full", "urlfull", "plain", "prefer"] {
        ok(&r, name);
        let engine = source(&r, name)["access"]["engine"].as_str().unwrap_or_default().to_string();
        assert!(engine.starts_with("PostgreSQL 1"), "{name}: {engine}");
    }
    let t = |name: &str| source(&r, name)["access"]["transport"].clone();
    assert_eq!(t("req")["encrypted"], true);
    assert_eq!(t("req")["verified"], false);
    assert!(t("req")["protocol"].as_str().is_some_and(|p| p.starts_with("TLSv1.")), "{}", t("req"));
    assert_eq!((t("full")["encrypted"].clone(), t("full")["verified"].clone()), (true.into(), true.into()));
    assert_eq!(t("urlfull")["verified"], true);
    assert_eq!(t("prefer")["encrypted"], true, "the server offers TLS: prefer takes it");
    assert_eq!(t("plain"), serde_json::json!({"encrypted": false, "verified": false, "protocol": null}));
    // Plaintext on loopback is reported, not warned about.
    assert_eq!(finding(&r, "access.plaintext.plain").map(|f| f["severity"].clone()), Some("PASS".into()));
    let e = error(&r, "otherca");
    assert!(e.contains("certificate does not verify") && e.contains("other-ca.crt"), "{e}");
    assert_eq!(finding(&r, "access.readable.otherca").map(|f| f["severity"].clone()), Some("FAIL".into()));
    // The text and HTML reports show the transport too.
    let text = String::from_utf8_lossy(&scan(dir.path(), &s, &[], "text").stdout).to_string();
    assert!(text.contains("TLSv1.3, verified") && text.contains("plaintext"), "{text}");
    let html = String::from_utf8_lossy(&scan(dir.path(), &s, &[], "html").stdout).to_string();
    assert!(html.contains("verified") && html.contains("engine PostgreSQL"), "html shows the transport");
    // PGSSLMODE and PGSSLROOTCERT apply when neither the URL nor the profile says.
    let envs = source_toml("env", &format!("url = \"{url}\"\ntable = \"items\""));
    let ca_text = ca.display().to_string();
    let r = json(&scan(dir.path(), &envs, &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &ca_text)], "json"));
    assert_eq!(source(&r, "env")["access"]["transport"]["verified"], true, "{}", source(&r, "env"));
    let other_text = other.display().to_string();
    let r = json(&scan(dir.path(), &envs, &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &other_text)], "json"));
    assert!(
        error(&r, "env").contains("certificate does not verify") && error(&r, "env").contains("other-ca.crt"),
        "{}",
        error(&r, "env")
    );
}

#[test]
fn mariadb_tls_required_and_verify_identity_pass_with_the_test_ca_and_fail_with_another() {
    let Some(tls) = tls_dir() else { return };
    let Some((url, _drop)) = my_database("items") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let other = other_ca(dir.path());
    let ca = tls.join("ca.crt");
    let url = with_host(&url, "127.0.0.1:3306");
    let mut s = source_toml("req", &format!("url = \"{url}?ssl-mode=REQUIRED\"\ntable = \"items\""));
    s += &source_toml(
        "full",
        &format!(
            "url = \"{url}\"\ntable = \"items\"\ntls = {{ mode = \"VERIFY_IDENTITY\", ca = \"{}\" }}",
            ca.display()
        ),
    );
    s += &source_toml(
        "otherca",
        &format!(
            "url = \"{url}\"\ntable = \"items\"\ntls = {{ mode = \"verify-full\", ca = \"{}\" }}",
            other.display()
        ),
    );
    s += &source_toml("plain", &format!("url = \"{url}?ssl-mode=DISABLED\"\ntable = \"items\""));
    let r = json(&scan(dir.path(), &s, &[], "json"));
    for name in ["req", "full", "plain"] {
        ok(&r, name);
        let engine = source(&r, name)["access"]["engine"].as_str().unwrap_or_default().to_string();
        assert!(engine.starts_with("MariaDB 1") || engine.starts_with("MySQL "), "{name}: {engine}");
    }
    let t = |name: &str| source(&r, name)["access"]["transport"].clone();
    assert_eq!((t("req")["encrypted"].clone(), t("req")["verified"].clone()), (true.into(), false.into()));
    assert!(t("req")["protocol"].as_str().is_some_and(|p| p.starts_with("TLSv1.")), "{}", t("req"));
    assert_eq!(t("full")["verified"], true);
    assert_eq!(t("plain")["encrypted"], false);
    let e = error(&r, "otherca");
    assert!(e.contains("certificate does not verify"), "{e}");
}

/// A role that must log in with its scram-sha-256 password; `None` when `.ci/run` has not set
/// up the `preflight_scram` rule.
fn scram_role(url: &str) -> Option<(String, Cleanup)> {
    let role = unique("pf_scram");
    let db = url.rsplit('/').next().unwrap_or_default().to_string();
    let made = exec(
        url,
        &[
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'preflight_scram') THEN RAISE EXCEPTION 'no preflight_scram'; END IF; END $$".to_string(),
            format!(
                "SET password_encryption = 'scram-sha-256'; CREATE ROLE {role} LOGIN PASSWORD 'right-Pw-4711' IN ROLE preflight_scram"
            ),
            format!("GRANT CONNECT ON DATABASE {db} TO {role}"),
            format!("GRANT SELECT ON items TO {role}"),
        ],
    )?;
    let cleanup = Cleanup {
        url: url.to_string(),
        stmts: vec![format!("DROP OWNED BY {role}"), format!("DROP ROLE IF EXISTS {role}")],
    };
    if let Err(e) = made {
        assert!(!require_db(), "the scram role could not be made ({e}); run .ci/run");
        eprintln!("skipped: {e}");
        return None;
    }
    Some((role, cleanup))
}

#[test]
fn a_wrong_password_fails_on_postgres_scram_and_on_mariadb_and_is_never_printed() {
    let Some((url, _drop)) = pg_database("items") else { return };
    let Some((role, _role)) = scram_role(&url) else { return };
    let Some((my, _mydrop)) = my_database("items") else { return };
    let my_user = unique("pf_pw");
    let _users = Cleanup { url: my_url(), stmts: vec![format!("DROP USER IF EXISTS '{my_user}'@'%'")] };
    let mydb = my.rsplit('/').next().unwrap_or_default().to_string();
    exec(
        &my,
        &[
            format!("CREATE USER '{my_user}'@'%' IDENTIFIED BY 'right-Pw-4711'"),
            format!("GRANT SELECT ON {mydb}.* TO '{my_user}'@'%'"),
        ],
    )
    .expect("reachable")
    .expect("create the user");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pg = with_user(&url, &role);
    let my = with_user(&my, &my_user);
    let src =
        |name: &str, url: &str, extra: &str| source_toml(name, &format!("url = \"{url}\"\ntable = \"items\"\n{extra}"));
    let mut s = src("pg_good", &pg, "password_env = \"PF_RIGHT_PW\"");
    s += &src("pg_bad", &pg, "password_env = \"PF_WRONG_PW\"");
    s += &src("pg_cmd", &pg, "password_command = [\"printf\", \"%s\\n\", \"right-Pw-4711\"]");
    s += &src("pg_cmd_fails", &pg, "password_command = [\"sh\", \"-c\", \"echo Wr0ng-Secret-99; exit 7\"]");
    s += &src("pg_cmd_empty", &pg, "password_command = [\"true\"]");
    s += &src("my_good", &my, "password_command = [\"printf\", \"right-Pw-4711\"]");
    s += &src("my_bad", &my, "password_env = \"PF_WRONG_PW\"");
    let env = [("PF_RIGHT_PW", "right-Pw-4711"), ("PF_WRONG_PW", "Wr0ng-Secret-99")];
    let mut all = String::new();
    let mut report = None;
    for format in ["json", "text", "markdown", "html"] {
        let o = scan(dir.path(), &s, &env, format);
        all += &String::from_utf8_lossy(&o.stdout);
        all += &String::from_utf8_lossy(&o.stderr);
        if format == "json" {
            report = Some(json(&o));
        }
    }
    let r = report.expect("the JSON report");
    for name in ["pg_good", "pg_cmd", "my_good"] {
        ok(&r, name);
    }
    assert!(error(&r, "pg_bad").contains("password authentication failed"), "{}", error(&r, "pg_bad"));
    assert!(error(&r, "my_bad").contains("Access denied"), "{}", error(&r, "my_bad"));
    let e = error(&r, "pg_cmd_fails");
    assert!(e.contains("`sh -c \"echo Wr0ng-Secret-99; exit 7\"` failed") && e.contains("exit status: 7"), "{e}");
    assert!(error(&r, "pg_cmd_empty").contains("`true` printed no password"), "{}", error(&r, "pg_cmd_empty"));
    for name in ["pg_bad", "my_bad", "pg_cmd_fails", "pg_cmd_empty"] {
        assert_eq!(finding(&r, &format!("access.readable.{name}")).map(|f| f["severity"].clone()), Some("FAIL".into()));
    }
    assert!(!all.contains("right-Pw-4711"), "the right password was printed");
    // The failing command's argv holds the string; what it printed must not appear on its own.
    assert!(
        !all.contains("Wr0ng-Secret-99\n") && !all.contains("\"Wr0ng-Secret-99\""),
        "the wrong password was printed"
    );
    assert_eq!(all.matches("Wr0ng-Secret-99").count(), all.matches("echo Wr0ng-Secret-99; exit 7").count());
}

fn bouncer_port() -> u16 {
    std::env::var("PREFLIGHT_TEST_PGBOUNCER_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(6432)
}

#[test]
fn a_scan_through_pgbouncer_in_transaction_mode_reports_what_a_direct_one_does() {
    let Some((url, _drop)) = pg_database("items") else { return };
    let pooled = with_host(&url, &format!("127.0.0.1:{}", bouncer_port()));
    if exec(&pooled, &[]).is_none() {
        assert!(!require_db(), "PgBouncer at {pooled} is unreachable and PREFLIGHT_REQUIRE_DB=1");
        eprintln!("skipped: PgBouncer at {pooled} is unreachable");
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut s = source_toml("direct", &format!("url = \"{url}\"\ntable = \"items\""));
    // Several sources share the pooler's server connections: their prepared statements must not collide.
    for name in ["pooled", "pooled2", "pooled3"] {
        s += &source_toml(name, &format!("url = \"{pooled}\"\ntable = \"items\""));
    }
    let r = json(&scan(dir.path(), &s, &[], "json"));
    for name in ["direct", "pooled", "pooled2", "pooled3"] {
        ok(&r, name);
    }
    assert_eq!(comparable(source(&r, "pooled")), comparable(source(&r, "direct")));
    assert_eq!(comparable(source(&r, "pooled3")), comparable(source(&r, "direct")));
    let strip = |name: &str| -> Vec<Value> {
        let mut out: Vec<Value> = r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["source"] == name)
            .map(|f| {
                let mut f = f.clone();
                if let Some(o) = f.as_object_mut() {
                    o.remove("source");
                    let id = o.get("id").and_then(Value::as_str).unwrap_or_default().replace(name, "S");
                    o.insert("id".into(), id.into());
                    let m = o.get("message").and_then(Value::as_str).unwrap_or_default().replace(name, "S");
                    o.insert("message".into(), m.into());
                }
                f
            })
            .filter(|f| {
                !f["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("access.readable") || id.starts_with("access.plaintext"))
            })
            .collect();
        out.sort_by_key(|f| f["id"].as_str().unwrap_or_default().to_string());
        out
    };
    assert_eq!(strip("pooled"), strip("direct"));
    assert_eq!(source(&r, "pooled")["access"]["engine"], source(&r, "direct")["access"]["engine"]);
    assert_eq!(source(&r, "pooled")["access"]["sql"], source(&r, "direct")["access"]["sql"]);
}

#[test]
fn a_bad_tls_table_or_password_command_is_a_located_profile_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("certs")).expect("a certs folder");
    write(&dir.path().join("certs"), "root.pem", "not checked here");
    let text = format!(
        "{PROFILE_HEAD}\n[[sources]]\nname = \"crm\"\nurl = \"postgres://u@db.internal/crm\"\ntable = \"t\"\n\
         tls = {{ mode = \"verify-everything\", ca = \"certs/missing.pem\", cert = \"certs/root.pem\", colour = 1 }}\n\
         password_command = []\n\n[[sources]]\nname = \"ok\"\nurl = \"postgres://u@db.internal/crm\"\ntable = \"t\"\n\
         tls = {{ mode = \"verify-full\", ca = \"certs/root.pem\" }}\n"
    );
    let p = write(dir.path(), "profile.toml", text);
    let o = crate::common::run(&["check", &p.to_string_lossy()]);
    let err = crate::common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for expected in [
        "sources[0].tls.mode",
        "unknown TLS mode `verify-everything`",
        "sources[0].tls.ca",
        "certs/missing.pem",
        "sources[0].tls.colour",
        "`cert` and `key` go together",
        "`password_command` needs a program to run",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    assert!(!err.contains("sources[1]"), "the second source is valid:\n{err}");
    assert!(err.contains("profile.toml:12"), "problems name their line:\n{err}");
}

/// Waits (bounded) until the server shows a preflight query running for seconds; its pid.
fn sleeping_backend(admin: &str, db: &str) -> Option<i64> {
    for _ in 0..200 {
        let pid = crate::sql::rt().block_on(async {
            use sqlx::{ConnectOptions, Connection};
            let o: sqlx::postgres::PgConnectOptions = admin.parse().ok()?;
            let mut c = sqlx::PgConnection::connect_with(&o.disable_statement_logging()).await.ok()?;
            let pid: Option<i32> = sqlx::query_scalar(
                // The query text is cut at track_activity_query_size, so the sleep is found by
                // its age: the 1s source has given up by then.
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'preflight' \
                 AND state = 'active' AND now() - query_start > interval '3 seconds' LIMIT 1",
            )
            .bind(db)
            .fetch_optional(&mut c)
            .await
            .ok()?;
            let _ = c.close().await;
            pid.map(i64::from)
        });
        if pid.is_some() {
            return pid;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

const SLEEPY: &str = "SELECT id, name, email, category, updated_at FROM items CROSS JOIN pg_sleep(30)";

#[test]
fn a_backend_terminated_mid_scan_and_a_statement_timeout_are_failures_of_their_source() {
    let Some((url, _drop)) = pg_database("items") else { return };
    let db = url.rsplit('/').next().unwrap_or_default().to_string();
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "local.csv", "id,name,email,category,updated_at\n1,a,a@example.com,x,2025-01-09\n");
    let mut s = source_toml("killed", &format!("url = \"{url}\"\nquery = \"{SLEEPY}\"\ntimeout = \"120s\""));
    s += &source_toml("slow", &format!("url = \"{url}\"\nquery = \"{SLEEPY}\"\ntimeout = \"1s\""));
    s += &source_toml("local", "path = \"local.csv\"");
    let d = dir.path().to_path_buf();
    let scan = std::thread::spawn(move || scan(&d, &s, &[], "json"));
    let pid = sleeping_backend(&crate::sql::pg_url(), &db);
    // The 1s source gives up on its own; the other sleeps until it is terminated.
    let terminated = pid.and_then(|pid| exec(&crate::sql::pg_url(), &[format!("SELECT pg_terminate_backend({pid})")]));
    let o = scan.join().expect("the scan finished");
    assert!(
        pid.is_some() && terminated.is_some_and(|t| t.is_ok()),
        "a sleeping preflight query was found and terminated"
    );
    let r = json(&o);
    let e = error(&r, "killed");
    assert!(e.contains("terminating connection due to administrator command"), "{e}");
    let e = error(&r, "slow");
    assert!(e.contains("canceling statement due to statement timeout"), "{e}");
    for name in ["killed", "slow"] {
        assert_eq!(finding(&r, &format!("access.readable.{name}")).map(|f| f["severity"].clone()), Some("FAIL".into()));
    }
    ok(&r, "local");
}

/// A PgBouncer of the test's own on a free loopback port, so the test can make it vanish.
struct OwnBouncer {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnBouncer {
    fn start() -> Option<OwnBouncer> {
        let dir = tempfile::tempdir().ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let d = dir.path().display().to_string();
        write(dir.path(), "userlist.txt", "\"postgres\" \"\"\n");
        let ini = write(
            dir.path(),
            "pgbouncer.ini",
            format!(
                "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 pool_mode = transaction\nauth_type = trust\nauth_file = {d}/userlist.txt\nunix_socket_dir =\n\
                 pidfile = {d}/pgbouncer.pid\nlogfile = {d}/pgbouncer.log\n"
            ),
        );
        // PgBouncer refuses to run as root: under root (CI) it runs as postgres.
        let root = std::process::Command::new("id").arg("-u").output().ok()?.stdout.starts_with(b"0");
        let mut cmd = if root {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).ok()?;
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--", "pgbouncer"]);
            c
        } else {
            std::process::Command::new("pgbouncer")
        };
        let child =
            cmd.arg(&ini).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().ok()?;
        let b = OwnBouncer { child, port, dir };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(b);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }

    /// Gone at once, as a crashed server or a dropped network is: no goodbye to its clients.
    fn vanish(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("pgbouncer.pid")) {
            let _ = std::process::Command::new("kill").args(["-9", pid.trim()]).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnBouncer {
    fn drop(&mut self) {
        self.vanish();
    }
}

#[test]
fn a_server_that_goes_away_mid_scan_is_a_failure_of_its_source_and_the_scan_goes_on() {
    let Some((url, _drop)) = pg_database("items") else { return };
    let db = url.rsplit('/').next().unwrap_or_default().to_string();
    let Some(mut bouncer) = OwnBouncer::start() else {
        assert!(!require_db(), "could not start a PgBouncer of the test's own (run .ci/run)");
        eprintln!("skipped: no pgbouncer to start");
        return;
    };
    let gone = with_host(&url, &format!("127.0.0.1:{}", bouncer.port));
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "local.csv", "id,name,email,category,updated_at\n1,a,a@example.com,x,2025-01-09\n");
    let mut s = source_toml("gone", &format!("url = \"{gone}\"\nquery = \"{SLEEPY}\"\ntimeout = \"120s\""));
    s += &source_toml("local", "path = \"local.csv\"");
    let d = dir.path().to_path_buf();
    let scan = std::thread::spawn(move || scan(&d, &s, &[], "json"));
    let found = sleeping_backend(&crate::sql::pg_url(), &db);
    bouncer.vanish();
    let o = scan.join().expect("the scan finished");
    assert!(found.is_some(), "the query ran through the pooler before it went away");
    let r = json(&o);
    let e = error(&r, "gone");
    assert!(!e.is_empty() && e.contains(&format!("127.0.0.1:{}", bouncer.port)), "{e}");
    assert_eq!(finding(&r, "access.readable.gone").map(|f| f["severity"].clone()), Some("FAIL".into()));
    ok(&r, "local");
}

#[test]
fn evidence_from_a_table_without_a_key_says_so_instead_of_an_empty_key() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("nokey.db");
    crate::sql::rt().block_on(async {
        use sqlx::{ConnectOptions, Connection, Executor};
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).create_if_missing(true);
        let mut c = o.connect().await.expect("create the SQLite file");
        c.execute("CREATE TABLE t (name TEXT, email TEXT); INSERT INTO t VALUES ('a', NULL), ('b', 'N/A'), ('c', 'c@example.com')")
            .await
            .expect("load the table");
        let _ = c.close().await;
    });
    let s = "\n[[sources]]\nname = \"nokey\"\nurl = \"sqlite://nokey.db\"\ntable = \"t\"\nrequired = [\"email\"]\n";
    let r = json(&scan(dir.path(), s, &[], "json"));
    let f = finding(&r, "missing.max_missing_share.nokey.email").expect("a missing-share finding");
    let ev = f["evidence"].as_array().cloned().unwrap_or_default();
    assert_eq!(ev.len(), 2, "{f}");
    assert!(
        ev.iter().all(|e| e.get("key").is_none() && e["no_key"].as_str().is_some_and(|w| w.contains("no primary key"))),
        "{f}"
    );
    let text = String::from_utf8_lossy(&scan(dir.path(), s, &[], "text").stdout).to_string();
    assert!(text.contains("no key \"N/A\"") && !text.contains("key \"\""), "{text}");
}

#[test]
fn change_signals_the_engine_does_not_keep_are_reported_unavailable() {
    let Some((url, _drop)) = pg_database("items") else { return };
    // A view has no pg_stat_user_tables row, as tables on engines without statistics have none.
    exec(&url, &["CREATE VIEW items_v AS SELECT * FROM items".to_string()]).expect("reachable").expect("a view");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let s = source_toml("viewed", &format!("url = \"{url}\"\ntable = \"items_v\""));
    let r = json(&scan(dir.path(), &s, &[], "json"));
    ok(&r, "viewed");
    assert!(source(&r, "viewed")["staleness"].get("database").is_none(), "{}", source(&r, "viewed")["staleness"]);
    let notes = source(&r, "viewed")["access"]["notes"].to_string();
    assert!(notes.contains("change signals are unavailable"), "{notes}");
}
