//! SQL sources against real databases: SQLite always; PostgreSQL and MariaDB/MySQL at
//! `PREFLIGHT_TEST_POSTGRES_URL` / `PREFLIGHT_TEST_MYSQL_URL` (defaulting to the loopback
//! services). When a server is unreachable its tests print `skipped` and pass, unless
//! `PREFLIGHT_REQUIRE_DB=1`, when they fail. Every test creates its own database (or schema) and
//! roles under a unique name and drops them afterwards.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::common::{finding, scan_json, source, write};

pub(crate) const PROFILE_HEAD: &str = r#"
[pilot]
name = "sql-tests"

[defaults]
min_class_examples = 2
"#;

/// `(id, name, email, category, updated_at)`; `None` is NULL.
type Row = (i64, Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>);

/// The small dataset every engine is loaded with: defects of every kind, counted by eye.
/// `id` 3 occurs twice; `email` has a null, a blank of mixed whitespace, a placeholder and a
/// sentinel twice; one `name` is padded with a tab and a newline (present, sorts first);
/// `updated_at` mixes offsets, naive forms, a future, a stale and an unparseable value.
const ROWS: &[Row] = &[
    (1, Some("Anna"), Some("anna@example.com"), Some("billing"), Some("2025-01-09T08:00:00Z")),
    (2, Some("Ben"), None, Some("billing"), Some("2025-01-08 12:30:00")),
    (3, Some("Carla"), Some(" \t\r\n"), Some("Billing"), Some("2023-02-01T09:00:00+02:00")),
    (3, Some("Dev"), Some("N/A"), Some("tech"), Some("2024-12-20")),
    (5, Some("  "), Some("eva@example.com"), None, Some("2026-02-01T00:00:00.250Z")),
    (6, Some("Farid"), Some("test@test.com"), Some("tech"), Some("yesterday")),
    (7, Some("\tGrace\n"), Some("test@test.com"), Some("unknown"), None),
    (8, Some("Hiro"), Some("hiro@example.jp"), Some("tech"), Some("2024-02-29T23:59:59-0130")),
];

const COLUMNS: &[&str] = &["id", "name", "email", "category", "updated_at"];

pub(crate) fn source_toml(name: &str, location: &str) -> String {
    format!(
        "\n[[sources]]\nname = \"{name}\"\n{location}\ntimestamp = \"updated_at\"\nlabel = \"category\"\n\
         key = \"id\"\nrequired = [\"id\", \"name\", \"email\"]\n"
    )
}

pub(crate) fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos % 100_000)
}

pub(crate) fn require_db() -> bool {
    std::env::var("PREFLIGHT_REQUIRE_DB").is_ok_and(|v| v == "1")
}

pub(crate) fn pg_url() -> String {
    std::env::var("PREFLIGHT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub(crate) fn my_url() -> String {
    std::env::var("PREFLIGHT_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime for the test")
}

/// `url` with its path (database) replaced.
pub(crate) fn with_db(url: &str, db: &str) -> String {
    let (head, _) = url.rsplit_once('/').unwrap_or((url, ""));
    format!("{head}/{db}")
}

/// `url` with different user-info.
fn with_user(url: &str, userinfo: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{userinfo}@{host}")
}

/// Runs statements one by one on a fresh connection; `None` when the server is unreachable.
pub(crate) fn exec(url: &str, stmts: &[String]) -> Option<Result<(), String>> {
    rt().block_on(async {
        macro_rules! run {
            ($c:expr) => {{
                let mut c = $c;
                for s in stmts {
                    if let Err(e) = c.execute(s.as_str()).await {
                        return Some(Err(format!("{s}: {e}")));
                    }
                }
                let _ = c.close().await;
                Some(Ok(()))
            }};
        }
        if url.starts_with("postgres") {
            let o: sqlx::postgres::PgConnectOptions = url.parse().ok()?;
            // No `extra_float_digits`: PgBouncer refuses it at startup, and the pooler tests use this too.
            match sqlx::PgConnection::connect_with(&o.disable_statement_logging().extra_float_digits(None)).await {
                Ok(c) => run!(c),
                Err(_) => None,
            }
        } else {
            let o: sqlx::mysql::MySqlConnectOptions = url.parse().ok()?;
            match sqlx::MySqlConnection::connect_with(&o.disable_statement_logging()).await {
                Ok(c) => run!(c),
                Err(_) => None,
            }
        }
    })
}

/// Whether a server answers; prints `skipped` (or panics under PREFLIGHT_REQUIRE_DB=1) if not.
pub(crate) fn available(url: &str, what: &str) -> bool {
    if exec(url, &[]).is_some() {
        return true;
    }
    assert!(!require_db(), "{what} at {url} is unreachable and PREFLIGHT_REQUIRE_DB=1");
    eprintln!("skipped: {what} at {url} is unreachable");
    false
}

fn sql_literal(v: Option<&str>) -> String {
    v.map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

/// `CREATE TABLE` + `INSERT` for the dataset, in a dialect's quoting.
fn load_statements(table: &str, q: char) -> Vec<String> {
    let qi = |n: &str| format!("{q}{}{q}", n.replace(q, &format!("{q}{q}")));
    let text = if q == '`' { "VARCHAR(200)" } else { "TEXT" };
    let mut out = vec![format!(
        "CREATE TABLE {} ({} BIGINT, {} {text}, {} {text}, {} {text}, {} {text})",
        qi(table),
        qi("id"),
        qi("name"),
        qi("email"),
        qi("category"),
        qi("updated_at")
    )];
    let values: Vec<String> = ROWS
        .iter()
        .map(|(id, a, b, c, d)| {
            format!("({id}, {}, {}, {}, {})", sql_literal(*a), sql_literal(*b), sql_literal(*c), sql_literal(*d))
        })
        .collect();
    out.push(format!("INSERT INTO {} VALUES {}", qi(table), values.join(", ")));
    out
}

pub(crate) fn csv_text() -> String {
    let field = |v: Option<&str>| match v {
        None => String::new(),
        Some(s) => format!("\"{}\"", s.replace('"', "\"\"")),
    };
    let mut out = COLUMNS.join(",") + "\n";
    for (id, a, b, c, d) in ROWS {
        out.push_str(&format!("{id},{},{},{},{}\n", field(*a), field(*b), field(*c), field(*d)));
    }
    out
}

pub(crate) fn make_sqlite(path: &Path, table: &str) {
    rt().block_on(async {
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let mut c = sqlx::SqliteConnection::connect_with(&o).await.expect("create the SQLite file");
        for s in load_statements(table, '"') {
            c.execute(s.as_str()).await.expect("load the SQLite table");
        }
        let _ = c.close().await;
    });
}

/// A source object without what legitimately differs between engines.
pub(crate) fn comparable(s: &Value) -> Value {
    let mut s = s.clone();
    if let Some(o) = s.as_object_mut() {
        for k in ["name", "kind", "location", "access", "bytes", "files", "csv", "read"] {
            o.remove(k);
        }
        if let Some(st) = o.get_mut("staleness").and_then(Value::as_object_mut) {
            st.remove("file_modified");
            st.remove("database");
        }
    }
    s
}

/// Drops what a test created, even when it fails half-way.
pub(crate) struct Cleanup {
    pub(crate) url: String,
    pub(crate) stmts: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = exec(&self.url, &self.stmts);
    }
}

/// A fresh PostgreSQL database holding the dataset in `table`, and its cleanup.
pub(crate) fn pg_database(table: &str) -> Option<(String, Cleanup)> {
    let admin = pg_url();
    if !available(&admin, "PostgreSQL") {
        return None;
    }
    let db = unique("pf_test");
    exec(&admin, &[format!("CREATE DATABASE {db}")])?.expect("create a test database");
    let cleanup = Cleanup { url: admin.clone(), stmts: vec![format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")] };
    let url = with_db(&admin, &db);
    exec(&url, &load_statements(table, '"'))?.expect("load the PostgreSQL table");
    Some((url, cleanup))
}

/// A fresh MariaDB/MySQL database holding the dataset in `table`, and its cleanup.
pub(crate) fn my_database(table: &str) -> Option<(String, Cleanup)> {
    let admin = my_url();
    if !available(&admin, "MariaDB/MySQL") {
        return None;
    }
    let db = unique("pf_test");
    exec(&admin, &[format!("CREATE DATABASE {db}")])?.expect("create a test database");
    let cleanup = Cleanup { url: admin.clone(), stmts: vec![format!("DROP DATABASE IF EXISTS {db}")] };
    let url = with_db(&admin, &db);
    exec(&url, &load_statements(table, '`'))?.expect("load the MySQL table");
    Some((url, cleanup))
}

fn scan_profile(dir: &Path, sources: &str) -> (i32, Value) {
    let p = write(dir, "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    scan_json(&p, &[])
}

/// The dataset as a Parquet file: `id` as int64, the rest as nullable UTF-8.
pub(crate) fn write_parquet(path: &Path) {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    let text =
        |f: fn(&Row) -> Option<&'static str>| -> ArrayRef { Arc::new(ROWS.iter().map(f).collect::<StringArray>()) };
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(ROWS.iter().map(|r| r.0).collect::<Int64Array>()) as ArrayRef),
        ("name", text(|r| r.1)),
        ("email", text(|r| r.2)),
        ("category", text(|r| r.3)),
        ("updated_at", text(|r| r.4)),
    ])
    .expect("a record batch");
    let file = std::fs::File::create(path).expect("create the Parquet file");
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("a Parquet writer");
    w.write(&batch).expect("write the batch");
    w.close().expect("close the Parquet file");
}

#[test]
fn the_same_data_measures_the_same_in_csv_sqlite_postgres_and_mysql() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "data.csv", csv_text());
    write_parquet(&dir.path().join("data.parquet"));
    make_sqlite(&dir.path().join("data.db"), "items");
    let mut sources = source_toml("csv", "path = \"data.csv\"");
    sources += &source_toml("parquet", "path = \"data.parquet\"");
    // Every database source twice: streamed (the default for a small table) and pushed down.
    let mut both = |name: &str, location: &str| {
        sources += &source_toml(name, location);
        sources += &source_toml(&format!("{name}_pd"), &format!("{location}\npushdown = \"always\""));
    };
    both("lite", "url = \"sqlite://data.db\"\ntable = \"items\"");
    let pg = pg_database("items");
    if let Some((url, _)) = &pg {
        both("pg", &format!("url = \"{url}\"\ntable = \"items\""));
        both("pgq", &format!("url = \"{url}\"\nquery = \"SELECT * FROM items;\""));
    }
    let my = my_database("items");
    if let Some((url, _)) = &my {
        both("my", &format!("url = \"{url}\"\ntable = \"items\""));
        // A `query` source measures its result the same way.
        both("myq", &format!("url = \"{url}\"\nquery = \"SELECT * FROM items -- all of it\""));
    }
    let (_, r) = scan_profile(dir.path(), &sources);
    let csv = source(&r, "csv");
    assert_eq!(csv["status"], "ok", "{csv}");
    // Hand-counted from ROWS (see its comment).
    assert_eq!((&csv["rows"], &csv["complete_rows"], &csv["ready_rows"]), (&json!(8), &json!(4), &json!(3)));
    let expected = comparable(csv);
    assert_eq!(comparable(source(&r, "parquet")), expected, "the Parquet form's measures differ from the CSV's");
    let mut engines = vec!["lite"];
    engines.extend(pg.as_ref().map(|_| "pg"));
    engines.extend(my.as_ref().map(|_| "my"));
    engines.extend(my.as_ref().map(|_| "myq"));
    engines.extend(pg.as_ref().map(|_| "pgq"));
    for name in engines {
        for (name, mode) in [(name.to_string(), "stream"), (format!("{name}_pd"), "pushdown")] {
            let got = source(&r, &name);
            assert_eq!(got["status"], "ok", "{name}: {got}");
            assert_eq!(got["read"]["mode"], mode, "{name}: {}", got["read"]);
            assert_eq!(comparable(got), expected, "{name} measures differ from the CSV's");
        }
    }
    // Evidence from a database names the key, streamed or pushed down; a file names the line.
    let ev = |id: &str| finding(&r, id).map(|f| f["evidence"].clone()).unwrap_or(Value::Null);
    for lite in ["lite", "lite_pd"] {
        assert_eq!(ev(&format!("staleness.unparseable.{lite}")), json!([{"key": "6", "value": "yesterday"}]));
        assert_eq!(ev(&format!("keys.duplicates.{lite}")), json!([{"key": "3", "value": "3"}]));
    }
    for name in ["pg", "my"].iter().filter(|n| if **n == "pg" { pg.is_some() } else { my.is_some() }) {
        assert_eq!(
            ev(&format!("missing.max_missing_share.{name}.email")),
            ev(&format!("missing.max_missing_share.{name}_pd.email")),
            "{name}: the stream's evidence differs from the push-down's"
        );
    }
    // Line 8: row 3's blank email holds a newline, so its record spans two lines.
    assert_eq!(ev("staleness.unparseable.csv"), json!([{"line": 8, "value": "yesterday"}]));
}

#[test]
fn an_unreachable_database_fails_its_access_check_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "data.csv", csv_text());
    let mut sources = source_toml("csv", "path = \"data.csv\"");
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    sources += &source_toml("down", "url = \"postgres://preflight@127.0.0.1:1/crm\"\ntable = \"items\"");
    sources += &source_toml("mydown", "url = \"mysql://preflight@127.0.0.1:1/crm\"\ntable = \"items\"");
    sources += &source_toml(
        "noenv",
        "url = \"postgres://preflight@127.0.0.1:1/crm\"\ntable = \"items\"\npassword_env = \"PF_SURELY_UNSET_VAR\"",
    );
    let (code, r) = scan_profile(dir.path(), &sources);
    assert_eq!(code, 1);
    assert_eq!(source(&r, "csv")["status"], "ok");
    for name in ["down", "mydown"] {
        let s = source(&r, name);
        assert_eq!(s["status"], "error");
        assert_eq!(s["access"]["reachable"], false);
        let e = s["error"].as_str().unwrap_or_default();
        assert!(e.contains("cannot connect") && e.to_lowercase().contains("refused"), "{e}");
        let f = finding(&r, &format!("access.readable.{name}")).expect("an access finding");
        assert_eq!(f["severity"], "FAIL");
    }
    let e = source(&r, "noenv")["error"].as_str().unwrap_or_default().to_string();
    assert!(e.contains("`PF_SURELY_UNSET_VAR`, which is not set"), "{e}");
}

#[test]
fn a_password_is_never_printed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sources = source_toml("crm", "url = \"postgres://u:hunter2secret@127.0.0.1:1/crm\"\ntable = \"items\"");
    let p = write(dir.path(), "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    let o = crate::common::run(&["scan", &p.to_string_lossy(), "--format", "json", "--as-of", crate::common::AS_OF]);
    let all = format!("{}{}", crate::common::stdout(&o), crate::common::stderr(&o));
    assert!(!all.contains("hunter2secret"), "{all}");
    let r: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert_eq!(finding(&r, "access.credentials.crm").map(|f| f["severity"].clone()), Some(json!("FAIL")));
    assert_eq!(source(&r, "crm")["location"], "postgres://u:***@127.0.0.1:1/crm#items");
}

#[test]
fn missing_table_and_unknown_database_quote_the_driver() {
    let Some((url, _drop)) = pg_database("items") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sources = source_toml("notable", &format!("url = \"{url}\"\ntable = \"no_such_table\""));
    sources += &source_toml("nodb", &format!("url = \"{}\"\ntable = \"items\"", with_db(&url, "pf_no_such_db")));
    let (_, r) = scan_profile(dir.path(), &sources);
    let e = source(&r, "notable")["error"].as_str().unwrap_or_default().to_string();
    assert!(e.contains("no_such_table") && e.contains("does not exist"), "{e}");
    assert_eq!(source(&r, "notable")["access"]["reachable"], true);
    let e = source(&r, "nodb")["error"].as_str().unwrap_or_default().to_string();
    assert!(e.contains("cannot connect") && e.contains("pf_no_such_db"), "{e}");
}

#[test]
fn postgres_roles_read_only_pass_insert_and_superuser_warn() {
    let Some((url, _drop)) = pg_database("items") else { return };
    let (ro, rw, none) = (unique("pf_ro"), unique("pf_rw"), unique("pf_none"));
    let db = url.rsplit('/').next().unwrap_or_default().to_string();
    // Run in the test database: DROP OWNED there revokes the roles' grants, then they can go.
    let _roles = Cleanup {
        url: url.clone(),
        stmts: vec![
            format!("DROP OWNED BY {ro}"),
            format!("DROP OWNED BY {rw}"),
            format!("DROP OWNED BY {none}"),
            format!("DROP ROLE IF EXISTS {ro}"),
            format!("DROP ROLE IF EXISTS {rw}"),
            format!("DROP ROLE IF EXISTS {none}"),
        ],
    };
    exec(
        &url,
        &[
            format!("CREATE ROLE {ro} LOGIN"),
            format!("CREATE ROLE {rw} LOGIN"),
            format!("CREATE ROLE {none} LOGIN"),
            format!("GRANT CONNECT ON DATABASE {db} TO {ro}, {rw}, {none}"),
            format!("GRANT SELECT ON items TO {ro}, {rw}"),
            format!("GRANT INSERT ON items TO {rw}"),
        ],
    )
    .expect("reachable")
    .expect("create roles");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sources = source_toml("ro", &format!("url = \"{}\"\ntable = \"items\"", with_user(&url, &ro)));
    sources += &source_toml("rw", &format!("url = \"{}\"\ntable = \"items\"", with_user(&url, &rw)));
    sources += &source_toml("su", &format!("url = \"{url}\"\ntable = \"items\""));
    sources += &source_toml("none", &format!("url = \"{}\"\ntable = \"items\"", with_user(&url, &none)));
    let (_, r) = scan_profile(dir.path(), &sources);
    let e = source(&r, "none")["error"].as_str().unwrap_or_default().to_string();
    assert!(e.contains("permission denied"), "{e}");
    assert_eq!(
        (&source(&r, "none")["access"]["reachable"], &source(&r, "none")["access"]["readable"]),
        (&json!(true), &json!(false))
    );
    let sev = |id: &str| finding(&r, id).map(|f| f["severity"].clone()).unwrap_or(Value::Null);
    assert_eq!(source(&r, "ro")["status"], "ok", "{}", source(&r, "ro"));
    assert_eq!(sev("access.can_write.ro"), json!("PASS"));
    assert_eq!(source(&r, "rw")["access"]["sql"]["write_privileges"], json!(["INSERT"]), "{}", source(&r, "rw"));
    assert_eq!(sev("access.can_write.rw"), json!("WARN"));
    assert_eq!(sev("access.can_write.su"), json!("WARN"));
    assert_eq!(source(&r, "su")["access"]["sql"]["superuser"], json!(true));
    // pg_stat_user_tables is reported beside staleness.
    assert!(source(&r, "ro")["staleness"]["database"].is_object(), "{}", source(&r, "ro")["staleness"]);
}

#[test]
fn mysql_roles_wrong_password_read_only_insert_and_root() {
    let Some((url, _drop)) = my_database("items") else { return };
    let (ro, rw, none) = (unique("pf_ro"), unique("pf_rw"), unique("pf_none"));
    let db = url.rsplit('/').next().unwrap_or_default().to_string();
    let _users = Cleanup {
        url: my_url(),
        stmts: vec![
            format!("DROP USER IF EXISTS '{ro}'@'%'"),
            format!("DROP USER IF EXISTS '{rw}'@'%'"),
            format!("DROP USER IF EXISTS '{none}'@'%'"),
        ],
    };
    exec(
        &url,
        &[
            format!("CREATE USER '{ro}'@'%' IDENTIFIED BY 'ro-pass'"),
            format!("CREATE USER '{rw}'@'%' IDENTIFIED BY 'rw-pass'"),
            format!("CREATE USER '{none}'@'%' IDENTIFIED BY 'ro-pass'"),
            // Enough to connect to the database, not to read the table.
            "CREATE TABLE other (x INTEGER)".to_string(),
            format!("GRANT SELECT ON {db}.other TO '{none}'@'%'"),
            format!("GRANT SELECT ON {db}.* TO '{ro}'@'%'"),
            format!("GRANT SELECT, INSERT ON {db}.items TO '{rw}'@'%'"),
        ],
    )
    .expect("reachable")
    .expect("create users");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let src = |name: &str, user: &str, env: &str| {
        source_toml(name, &format!("url = \"{}\"\ntable = \"items\"\npassword_env = \"{env}\"", with_user(&url, user)))
    };
    let mut sources = src("ro", &ro, "PF_TEST_RO_PW");
    sources += &src("rw", &rw, "PF_TEST_RW_PW");
    sources += &src("badpw", &ro, "PF_TEST_BAD_PW");
    sources += &src("none", &none, "PF_TEST_RO_PW");
    sources += &source_toml("root", &format!("url = \"{url}\"\ntable = \"items\""));
    let p = write(dir.path(), "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    let o = crate::common::bin()
        .current_dir(crate::common::root())
        .env("PF_TEST_RO_PW", "ro-pass")
        .env("PF_TEST_RW_PW", "rw-pass")
        .env("PF_TEST_BAD_PW", "not-the-password")
        .args(["scan", &p.to_string_lossy(), "--format", "json", "--as-of", crate::common::AS_OF, "--quiet"])
        .output()
        .expect("run preflight");
    let r: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    let sev = |id: &str| finding(&r, id).map(|f| f["severity"].clone()).unwrap_or(Value::Null);
    assert_eq!(source(&r, "ro")["status"], "ok", "{}", source(&r, "ro"));
    assert_eq!(sev("access.can_write.ro"), json!("PASS"));
    assert_eq!(sev("access.can_write.rw"), json!("WARN"));
    assert_eq!(sev("access.can_write.root"), json!("WARN"));
    let e = source(&r, "badpw")["error"].as_str().unwrap_or_default().to_string();
    assert!(e.contains("Access denied"), "{e}");
    let e = source(&r, "none")["error"].as_str().unwrap_or_default().to_string();
    assert!(e.contains("command denied"), "{e}");
    // Without `password_env`, MySQL's usual MYSQL_PWD is used.
    let p = write(
        dir.path(),
        "envpw.toml",
        format!(
            "{PROFILE_HEAD}{}",
            source_toml("envpw", &format!("url = \"{}\"\ntable = \"items\"", with_user(&url, &ro)))
        ),
    );
    let o = crate::common::bin()
        .current_dir(crate::common::root())
        .env("MYSQL_PWD", "ro-pass")
        .args(["scan", &p.to_string_lossy(), "--format", "json", "--as-of", crate::common::AS_OF, "--quiet"])
        .output()
        .expect("run preflight");
    let r2: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert_eq!(source(&r2, "envpw")["status"], "ok", "{}", source(&r2, "envpw"));
    assert!(source(&r, "ro")["staleness"]["database"].is_object(), "{}", source(&r, "ro")["staleness"]);
    assert!(!e.contains("not-the-password"), "{e}");
}

#[test]
fn hostile_identifiers_are_data_not_sql() {
    let table = "we\"ird`; DROP TABLE keepme; --";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("h.db");
    make_sqlite(&db, table);
    rt().block_on(async {
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
        let mut c = sqlx::SqliteConnection::connect_with(&o).await.expect("open");
        c.execute("CREATE TABLE keepme (x INTEGER)").await.expect("create keepme");
        let _ = c.close().await;
    });
    let toml_table = table.replace('\\', "\\\\").replace('"', "\\\"");
    let mut sources = source_toml("lite", &format!("url = \"sqlite://h.db\"\ntable = \"{toml_table}\""));
    let pg = pg_database(table);
    if let Some((url, _)) = &pg {
        exec(url, &["CREATE TABLE keepme (x INTEGER)".to_string()]).expect("reachable").expect("create keepme");
        sources += &source_toml("pg", &format!("url = \"{url}\"\ntable = \"{toml_table}\""));
    }
    let my = my_database(table);
    if let Some((url, _)) = &my {
        exec(url, &["CREATE TABLE keepme (x INTEGER)".to_string()]).expect("reachable").expect("create keepme");
        sources += &source_toml("my", &format!("url = \"{url}\"\ntable = \"{toml_table}\""));
    }
    let (_, r) = scan_profile(dir.path(), &sources);
    let mut names = vec!["lite"];
    names.extend(pg.as_ref().map(|_| "pg"));
    names.extend(my.as_ref().map(|_| "my"));
    for name in names {
        let s = source(&r, name);
        assert_eq!(s["status"], "ok", "{name}: {s}");
        assert_eq!(s["rows"], json!(8), "{name}");
    }
    // The table the name tried to drop is still there.
    for url in [pg.as_ref().map(|p| p.0.clone()), my.as_ref().map(|m| m.0.clone())].into_iter().flatten() {
        exec(&url, &["SELECT COUNT(*) FROM keepme".to_string()]).expect("reachable").expect("keepme survives");
    }
}

fn minimal_source(name: &str, body: &str) -> String {
    format!("\n[[sources]]\nname = \"{name}\"\n{body}\n")
}

#[test]
fn queries_run_read_only_under_the_statement_timeout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sources = String::new();
    let pg = pg_database("items");
    if let Some((url, _)) = &pg {
        exec(url, &["CREATE SEQUENCE pf_seq".to_string()]).expect("reachable").expect("create a sequence");
        sources += &minimal_source(
            "pgsleep",
            &format!("url = \"{url}\"\nquery = \"SELECT pg_sleep(5) AS x\"\ntimeout = \"1s\""),
        );
        sources += &minimal_source("pgwrite", &format!("url = \"{url}\"\nquery = \"SELECT nextval('pf_seq') AS n\""));
    }
    let my = my_database("items");
    if let Some((url, _)) = &my {
        sources +=
            &minimal_source("mysleep", &format!("url = \"{url}\"\nquery = \"SELECT SLEEP(5) AS x\"\ntimeout = \"1s\""));
    }
    if sources.is_empty() {
        return;
    }
    let started = std::time::Instant::now();
    let (_, r) = scan_profile(dir.path(), &sources);
    assert!(started.elapsed().as_secs() < 5, "the timeout stopped the sleeps");
    let err = |name: &str| source(&r, name)["error"].as_str().unwrap_or_default().to_string();
    if pg.is_some() {
        assert!(err("pgsleep").contains("statement timeout"), "{}", err("pgsleep"));
        assert!(err("pgwrite").contains("read-only transaction"), "{}", err("pgwrite"));
    }
    if my.is_some() {
        let e = err("mysleep");
        assert!(e.contains("max_statement_time") || e.contains("maximum statement execution time"), "{e}");
    }
}

/// Timestamp texts on the edges of what `stats::timestamp` accepts.
pub(crate) const TIMESTAMP_EDGES: &[&str] = &[
    "2024-01-01",
    " 2024-01-01 ",
    "2024-02-29",
    "2023-02-29",
    "2100-02-29",
    "2000-02-29T12:00:00Z",
    "2024-13-01",
    "2024-04-31",
    "2024-01-32",
    "2024-01-01T24:00",
    "2024-01-01T23:60",
    "2024-01-01 23:59",
    "2024-01-01t10:00:00z",
    "2024-06-30T23:59:60Z",
    "2024-06-30T23:58:60Z",
    "2024-01-01T10:00:00.5",
    "2024-01-01T10:00:00.123456789+01:00",
    "2024-01-01T10:00:00.1234567890Z",
    "2024-01-01T10:00:00+23:59",
    "2024-01-01T10:00:00+24:00",
    "2024-01-01T10:00:00-0130",
    "2024-01-01T10:00:00+05",
    "2024-01-01T10:00+0530",
    "2024-01-01T10:00:00 +01:00",
    "2024-1-01",
    "20240101",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999999Z",
    "0001-01-01",
    "9999-12-31T23:59:59Z",
    "yesterday",
    "2024-01-01T10:00:00.Z",
    "2024-01-01T10:00:00+01:0",
];

/// The SQL timestamp parser of each dialect agrees with the file reader's on every edge case,
/// value by value. MySQL's own DATETIME cast differs in two documented ways: a leap second is
/// unparseable there and a fraction beyond microseconds rounds.
#[test]
fn sql_timestamp_parsing_matches_the_file_parser() {
    use preflight::sources::sql::dialect::{Class, Col, Dialect, Plan, Sql, TS, TS_NAIVE};
    use preflight::stats::timestamp::parse_timestamp;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut targets: Vec<(Dialect, String)> =
        vec![(Dialect::Sqlite, format!("sqlite://{}", dir.path().join("ts.db").display()))];
    let pg = pg_database("unused");
    if let Some((url, _)) = &pg {
        targets.push((Dialect::Postgres, url.clone()));
    }
    let my = my_database("unused");
    if let Some((url, _)) = &my {
        targets.push((Dialect::MySql, url.clone()));
    }
    for (d, url) in targets {
        let text = if d == Dialect::MySql { "VARCHAR(64)" } else { "TEXT" };
        let mut stmts = vec![format!("CREATE TABLE tsx (n INTEGER, t {text})")];
        for (n, v) in TIMESTAMP_EDGES.iter().enumerate() {
            stmts.push(format!("INSERT INTO tsx VALUES ({n}, '{v}')"));
        }
        let plan = Plan {
            dialect: d,
            relation: d.quote_table("tsx"),
            cols: vec![Col { name: "n".into(), class: Class::Int }, Col { name: "t".into(), class: Class::Text }],
            required: vec![],
            timestamp: Some(1),
            label: None,
            key: None,
            evidence_key: None,
            placeholders: vec![],
            required_absent: false,
            label_absent: false,
            as_of: 0,
            stale_before: 0,
        };
        let mut sql = Sql::default();
        let from = plan.source(&mut sql);
        let query = format!("SELECT CAST(n AS CHAR(8)), {TS}, {TS_NAIVE} FROM {from}")
            .replace("CAST(n AS CHAR(8))", if d == Dialect::MySql { "CAST(n AS CHAR)" } else { "CAST(n AS TEXT)" });
        let rows: Vec<(String, Option<i64>, i64)> = rt().block_on(async {
            macro_rules! go {
                ($c:expr) => {{
                    let mut c = $c;
                    for s in &stmts {
                        c.execute(s.as_str()).await.expect("load timestamps");
                    }
                    let rows = sqlx::query(&query).fetch_all(&mut c).await.expect("parse timestamps");
                    use sqlx::Row;
                    rows.iter()
                        .map(|r| {
                            let ts: Option<i64> = r.try_get(1).expect("micros");
                            let naive: i64 = r
                                .try_get::<i64, _>(2)
                                .or_else(|_| r.try_get::<i32, _>(2).map(i64::from))
                                .expect("naive");
                            (r.try_get::<String, _>(0).expect("n"), ts, naive)
                        })
                        .collect()
                }};
            }
            match d {
                Dialect::Sqlite => {
                    let o = sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(dir.path().join("ts.db"))
                        .create_if_missing(true);
                    go!(sqlx::SqliteConnection::connect_with(&o).await.expect("sqlite"))
                }
                Dialect::Postgres => go!(sqlx::PgConnection::connect(&url).await.expect("postgres")),
                Dialect::MySql => go!(sqlx::MySqlConnection::connect(&url).await.expect("mysql")),
                Dialect::Spark => unreachable!("Spark's parser is checked in spark.rs"),
            }
        });
        assert_eq!(rows.len(), TIMESTAMP_EDGES.len(), "{d:?}");
        for (n, ts, naive) in rows {
            let v = TIMESTAMP_EDGES[n.parse::<usize>().expect("a row number")];
            let expected = parse_timestamp(v);
            let mysql_differs = d == Dialect::MySql && (v.contains(":60") || v.contains(".123456789"));
            if mysql_differs {
                continue;
            }
            assert_eq!(ts, expected.map(|p| p.micros), "{d:?} parses {v:?}");
            if let Some(p) = expected {
                assert_eq!(naive == 1, p.naive, "{d:?} naive {v:?}");
            }
        }
    }
}

#[test]
fn a_missing_sqlite_file_is_not_created() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sources = source_toml("lite", "url = \"sqlite://nowhere/crm.db\"\ntable = \"items\"");
    let (code, r) = scan_profile(dir.path(), &sources);
    assert_eq!(code, 1);
    let s = source(&r, "lite");
    assert_eq!((&s["status"], &s["access"]["reachable"]), (&json!("error"), &json!(false)));
    assert!(s["error"].as_str().unwrap_or_default().contains("does not exist"), "{s}");
    assert!(!dir.path().join("nowhere").exists());
}

/// `preflight check` reads a database's columns (not its rows) to validate the profile.
#[test]
fn check_names_columns_a_table_lacks() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    make_sqlite(&dir.path().join("data.db"), "items");
    let mut sources = source_toml("lite", "url = \"sqlite://data.db\"\ntable = \"items\"");
    sources = sources.replace("timestamp = \"updated_at\"", "timestamp = \"updated\"");
    let p = write(dir.path(), "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    let o = crate::common::run(&["check", &p.to_string_lossy()]);
    let err = crate::common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("timestamp column `updated` is not in source `lite`"), "{err}");
    assert!(err.contains("did you mean `updated_at`?"), "{err}");
}

/// Evidence comes in key order, numerically for a numeric key: `9` before `10`.
#[test]
fn evidence_is_in_key_order() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stmts = [
        "CREATE TABLE k (id BIGINT, name VARCHAR(20))".to_string(),
        "INSERT INTO k VALUES (10, NULL), (9, NULL), (8, 'x')".to_string(),
    ];
    rt().block_on(async {
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("k.db")).create_if_missing(true);
        let mut c = sqlx::SqliteConnection::connect_with(&o).await.expect("create");
        for s in &stmts {
            c.execute(s.as_str()).await.expect("load");
        }
        let _ = c.close().await;
    });
    let src = |name: &str, url: &str| {
        minimal_source(name, &format!("url = \"{url}\"\ntable = \"k\"\nkey = \"id\"\nrequired = [\"name\"]"))
    };
    let mut sources = src("lite", "sqlite://k.db");
    let pg = pg_database("unused");
    if let Some((url, _)) = &pg {
        exec(url, &stmts).expect("reachable").expect("load");
        sources += &src("pg", url);
    }
    let my = my_database("unused");
    if let Some((url, _)) = &my {
        exec(url, &stmts).expect("reachable").expect("load");
        sources += &src("my", url);
    }
    let (_, r) = scan_profile(dir.path(), &sources);
    let mut names = vec!["lite"];
    names.extend(pg.as_ref().map(|_| "pg"));
    names.extend(my.as_ref().map(|_| "my"));
    for name in names {
        let f = finding(&r, &format!("missing.max_missing_share.{name}.name")).expect("a missing finding");
        assert_eq!(f["evidence"], json!([{"key": "9", "value": null}, {"key": "10", "value": null}]), "{name}");
    }
}
