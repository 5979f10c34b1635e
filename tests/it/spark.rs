//! Spark through Spark Connect, on the real cluster `.ci/run` starts (a standalone master, two
//! workers and a Connect server at `PREFLIGHT_TEST_SPARK_URL`, default `sc://127.0.0.1:15002`).
//! The cluster and the tests share this machine's files, so a test writes Parquet or CSV into a
//! temporary folder and Spark reads it by path or through a table over it. When the server is
//! unreachable the tests print `skipped` and pass, unless `PREFLIGHT_REQUIRE_DB=1`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{finding, scan_json, source, write};
use crate::sql::{PROFILE_HEAD, comparable, require_db, source_toml, unique};

fn spark_url() -> String {
    std::env::var("PREFLIGHT_TEST_SPARK_URL").unwrap_or_else(|_| "sc://127.0.0.1:15002".into())
}

/// Runs statements (DDL over the test's own files) through the project's Spark Connect client;
/// `None` when the server is unreachable.
fn spark_exec(stmts: &[String]) -> Option<Result<(), String>> {
    use preflight::sources::spark::{Client, ConnString, ConnectOptions};
    let url = ConnString::parse(&spark_url()).ok()?;
    crate::sql::rt().block_on(async {
        let mut c = Client::connect(&url, &ConnectOptions::default(), Duration::from_secs(120)).await.ok()?;
        for s in stmts {
            if let Err(e) = c.fetch(s).await {
                return Some(Err(format!("{s}: {e}")));
            }
        }
        Some(Ok(()))
    })
}

fn spark_available() -> bool {
    if spark_exec(&["SELECT 1".into()]).is_some() {
        return true;
    }
    assert!(!require_db(), "Spark Connect at {} is unreachable and PREFLIGHT_REQUIRE_DB=1", spark_url());
    eprintln!("skipped: Spark Connect at {} is unreachable", spark_url());
    false
}

/// A Spark SQL string literal (backslash escapes, as Spark reads them).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A fresh Spark database and its cleanup.
struct SparkDb(String);

impl SparkDb {
    fn new() -> SparkDb {
        let db = unique("pf_spark");
        spark_exec(&[format!("CREATE DATABASE {db}")]).expect("Spark answers").expect("create a Spark database");
        SparkDb(db)
    }
}

impl Drop for SparkDb {
    fn drop(&mut self) {
        let _ = spark_exec(&[format!("DROP DATABASE IF EXISTS {} CASCADE", self.0)]);
    }
}

fn scan(dir: &Path, sources: &str) -> (i32, Value) {
    let p = write(dir, "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    scan_json(&p, &[])
}

/// DESIGN §3: the same table as CSV, Parquet, SQLite and in Spark (a Parquet path the cluster
/// reads, a table over it, and a `query`) measures the same, pushed down into the cluster.
#[test]
fn the_same_data_measures_the_same_in_csv_parquet_sqlite_and_spark() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "data.csv", crate::sql::csv_text());
    let parquet = dir.path().join("data.parquet");
    crate::sql::write_parquet(&parquet);
    crate::sql::make_sqlite(&dir.path().join("data.db"), "items");
    let db = SparkDb::new();
    let table = format!("{}.items", db.0);
    spark_exec(&[format!("CREATE TABLE {table} USING parquet LOCATION {}", lit(&parquet.to_string_lossy()))])
        .expect("Spark answers")
        .expect("a table over the Parquet file");
    let url = spark_url();
    let mut sources = source_toml("csv", "path = \"data.csv\"");
    sources += &source_toml("parquet", "path = \"data.parquet\"");
    sources += &source_toml("lite", "url = \"sqlite://data.db\"\ntable = \"items\"");
    let path = parquet.to_string_lossy();
    sources += &source_toml("spark_path", &format!("url = \"{url}\"\nformat = \"parquet\"\npath = \"{path}\""));
    sources += &source_toml("spark_table", &format!("url = \"{url}\"\ntable = \"{table}\""));
    sources += &source_toml("spark_query", &format!("url = \"{url}\"\nquery = \"SELECT * FROM {table} -- all\""));
    let (_, r) = scan(dir.path(), &sources);
    let csv = source(&r, "csv");
    assert_eq!((&csv["rows"], &csv["complete_rows"], &csv["ready_rows"]), (&json!(8), &json!(4), &json!(3)));
    let expected = comparable(csv);
    for name in ["parquet", "lite", "spark_path", "spark_table", "spark_query"] {
        let got = source(&r, name);
        assert_eq!(got["status"], "ok", "{name}: {got}");
        assert_eq!(comparable(got), expected, "{name} measures differ from the CSV's");
    }
    for name in ["spark_path", "spark_table", "spark_query"] {
        let s = source(&r, name);
        assert_eq!(s["kind"], "spark");
        assert_eq!(s["read"]["mode"], "pushdown", "{name}: {}", s["read"]);
        // Aggregates, a few evidence rows and the PII sample (8 rows here), never the table twice over.
        let fetched = s["read"]["rows_transferred"].as_u64().unwrap_or(u64::MAX);
        assert!(fetched < 100, "{name}: {} rows crossed the wire", s["read"]);
        assert!(s["access"]["engine"].as_str().is_some_and(|e| e.starts_with("Spark 4")), "{}", s["access"]);
        assert_eq!(s["access"]["transport"]["encrypted"], false);
        let notes = s["access"]["notes"].to_string();
        assert!(notes.contains("privileges: unavailable"), "{notes}");
    }
    // The path read reports the newest modification time Spark lists for its files.
    let st = &source(&r, "spark_path")["staleness"];
    assert!(st["file_modified"].is_string(), "{st}");
    // Evidence names the key, as for every database.
    let ev = |id: &str| finding(&r, id).map(|f| f["evidence"].clone()).unwrap_or(Value::Null);
    assert_eq!(ev("staleness.unparseable.spark_table"), json!([{"key": "6", "value": "yesterday"}]));
    assert_eq!(ev("keys.duplicates.spark_path"), json!([{"key": "3", "value": "3"}]));
    assert_eq!(ev("missing.max_missing_share.spark_table.email"), ev("missing.max_missing_share.lite.email"));
}

/// The managed endpoint `.ci/run` starts: a Connect server that checks a bearer token, behind TLS
/// with the test CA's certificate (PREFLIGHT_TEST_SPARK_TLS_URL, PREFLIGHT_TEST_SPARK_TOKEN).
fn managed() -> Option<(String, String)> {
    let url = std::env::var("PREFLIGHT_TEST_SPARK_TLS_URL").unwrap_or_else(|_| "sc://localhost:15443".into());
    let token = std::env::var("PREFLIGHT_TEST_SPARK_TOKEN").unwrap_or_else(|_| "pf-test-token-7f3a".into());
    let port = url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).unwrap_or(15443);
    if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).is_ok() {
        return Some((url, token));
    }
    assert!(!require_db(), "the TLS Spark Connect endpoint {url} is unreachable and PREFLIGHT_REQUIRE_DB=1");
    eprintln!("skipped: the TLS Spark Connect endpoint {url} is unreachable");
    None
}

/// A managed cluster's way in: the token from `password_env` as a bearer token over TLS verified
/// against the profile's CA. A wrong token is refused by the server, a certificate the system's
/// roots do not know is refused by preflight, and the token is printed in no report.
#[test]
fn a_token_over_verified_tls_reaches_a_managed_endpoint() {
    if !spark_available() {
        return;
    }
    let Some((url, token)) = managed() else { return };
    let ca = std::env::var("PREFLIGHT_TEST_TLS_DIR").unwrap_or_else(|_| "/var/lib/preflight-ci/tls".into()) + "/ca.crt";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let query = "SELECT id, CAST(id AS STRING) AS name FROM range(10)";
    let entry = |name: &str, env: &str, tls: &str| {
        format!(
            "\n[[sources]]\nname = \"{name}\"\nurl = \"{url}\"\nquery = \"{query}\"\npassword_env = \"{env}\"\n{tls}\ntimeout = \"60s\"\n"
        )
    };
    let verified = format!("tls = {{ mode = \"verify-full\", ca = \"{ca}\" }}");
    let mut sources = entry("managed", "PF_TEST_SPARK_TOKEN", &verified);
    sources += &entry("wrong_token", "PF_TEST_SPARK_WRONG", &verified);
    sources += &entry("unknown_ca", "PF_TEST_SPARK_TOKEN", "tls = { mode = \"verify-full\" }");
    let p = write(dir.path(), "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    let wrong = "pf-wrong-token-0000";
    let run = |format: &str| {
        crate::common::bin()
            .current_dir(dir.path())
            .env("PF_TEST_SPARK_TOKEN", &token)
            .env("PF_TEST_SPARK_WRONG", wrong)
            .args(["scan", &p.to_string_lossy(), "--format", format, "--as-of", crate::common::AS_OF, "--quiet"])
            .output()
            .expect("the preflight binary runs")
    };
    let out = run("json");
    let r: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let s = source(&r, "managed");
    assert_eq!(s["status"], "ok", "{s}");
    assert_eq!(s["rows"], 10);
    assert_eq!(s["access"]["transport"], json!({"encrypted": true, "verified": true, "protocol": "TLS (gRPC)"}));
    let w = source(&r, "wrong_token");
    assert_eq!(w["status"], "error", "{w}");
    assert!(w["error"].as_str().is_some_and(|e| e.contains("Invalid authentication token")), "{w}");
    let u = source(&r, "unknown_ca");
    assert_eq!(u["status"], "error", "{u}");
    assert!(u["error"].as_str().is_some_and(|e| e.to_lowercase().contains("certificate")), "{u}");
    for format in ["json", "text", "markdown", "html", "junit", "csv", "github", "gitlab"] {
        let o = run(format);
        for shown in [String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)] {
            assert!(!shown.contains(&token) && !shown.contains(wrong), "{format} printed a token");
        }
    }
}

/// The label-noise rows (fixtures/README.md) as a Parquet path read by Spark: the duplicate
/// records and the label conflicts are counted in the cluster as everywhere else.
#[test]
fn duplicate_records_and_label_conflicts_are_counted_in_the_cluster() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let parquet = dir.path().join("tickets.parquet");
    crate::rows::parquet(&parquet);
    let location = format!("url = \"{}\"\nformat = \"parquet\"\npath = \"{}\"", spark_url(), parquet.display());
    let (_, r) = scan(dir.path(), &crate::rows::source_toml("spark", &location));
    let s = source(&r, "spark");
    assert_eq!(s["status"], "ok", "{s}");
    assert_eq!(s["read"]["mode"], "pushdown");
    assert_eq!(s["duplicate_records"], crate::rows::dups());
    let c = &s["labels"]["conflicts"];
    assert_eq!((&c["groups"], &c["rows"], &c["share"]), (&json!(3), &json!(9), &json!(0.6429)), "{c}");
    assert_eq!(crate::rows::groups(c), crate::rows::expected_groups());
    let f = finding(&r, "duplicate_records.max_duplicate_records.spark").expect("a duplicate-records finding");
    assert_eq!(f["evidence"][0]["key"], "T-3", "{f}");
}

/// DESIGN §3 "Fragmentation": tickets in a Spark table, customers in PostgreSQL. Spark sends each
/// distinct key once with its count, as a database does, and the entity measures as every other
/// mix of systems does.
#[test]
fn an_entity_across_a_spark_table_and_a_postgres_table() {
    if !spark_available() {
        return;
    }
    let Some((pg, _cleanup)) = crate::entities::pg_both() else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let csv = write(dir.path(), "tickets.csv", crate::entities::tickets_csv());
    let db = SparkDb::new();
    let table = format!("{}.tickets", db.0);
    spark_exec(&[format!(
        "CREATE TABLE {table} USING csv OPTIONS (path {}, header 'true')",
        lit(&csv.to_string_lossy())
    )])
    .expect("Spark answers")
    .expect("a table over the CSV file");
    let p = crate::entities::profile(
        dir.path(),
        &format!("url = \"{}\"\ntable = \"{table}\"", spark_url()),
        &format!("url = \"{pg}\"\ntable = \"customers\""),
        crate::entities::ENTITY,
    );
    let (_, r) = scan_json(&p, &[]);
    crate::entities::assert_expected(&r);
    let e = &r["entities"][0];
    assert_eq!(e["computed_in"], "preflight");
    // Spark sent its distinct ticket keys as written (five, a blank and a null), not its rows.
    assert_eq!(e["keys_fetched"], json!({"tickets": 7, "crm": 8}), "{e}");
}

/// DESIGN §6: when every system of an entity is a table of one Spark Connect endpoint, the
/// cluster normalizes and joins the keys (`computed_in: "database"`) and the measures are the
/// same as every other mix's.
#[test]
fn an_entity_across_two_spark_tables_is_joined_in_the_cluster() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tickets = write(dir.path(), "tickets.csv", crate::entities::tickets_csv());
    let mut crm = String::from("id,email\n");
    for i in 1..=8 {
        let email = if i == 3 { "other@example.com".to_string() } else { format!("cust{i}@example.com") };
        crm.push_str(&format!("{i},{email}\n"));
    }
    let customers = write(dir.path(), "customers.csv", crm);
    let db = SparkDb::new();
    let over = |name: &str, path: &Path, infer: &str| {
        format!(
            "CREATE TABLE {}.{name} USING csv OPTIONS (path {}, header 'true', inferSchema '{infer}')",
            db.0,
            lit(&path.to_string_lossy())
        )
    };
    spark_exec(&[over("tickets", &tickets, "false"), over("customers", &customers, "true")])
        .expect("Spark answers")
        .expect("tables over the CSV files");
    let url = spark_url();
    let p = crate::entities::profile(
        dir.path(),
        &format!("url = \"{url}\"\ntable = \"{}.tickets\"", db.0),
        &format!("url = \"{url}\"\ntable = \"{}.customers\"", db.0),
        crate::entities::ENTITY,
    );
    let (_, r) = scan_json(&p, &[]);
    crate::entities::assert_expected(&r);
    let e = &r["entities"][0];
    assert_eq!(e["computed_in"], "database", "{e}");
}

/// A Spark source that cannot be reached, one whose query fails in the cluster and one whose
/// connection is cut mid-scan are each a FAIL of that source with the reason; the other sources
/// are still scanned.
#[test]
fn a_closed_port_a_failing_query_and_a_lost_connection_are_findings() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "data.csv", crate::sql::csv_text());
    let parquet = dir.path().join("data.parquet");
    crate::sql::write_parquet(&parquet);
    let proxy = cut_after(spark_url().trim_start_matches("sc://"), 4000);
    let url = spark_url();
    let mut sources = source_toml("csv", "path = \"data.csv\"");
    sources += &source_toml("closed", "url = \"sc://127.0.0.1:1\"\ntable = \"t\"");
    sources += &source_toml(
        "badquery",
        &format!(
            "url = \"{url}\"\nquery = \"SELECT id, name, email, category, updated_at, no_such_column FROM parquet.`{}`\"",
            parquet.display()
        ),
    );
    sources += &source_toml("notable", &format!("url = \"{url}\"\ntable = \"pf_no_such_db.items\""));
    sources += &source_toml(
        "cut",
        &format!("url = \"sc://{proxy}\"\nformat = \"parquet\"\npath = \"{}\"\ntimeout = \"20s\"", parquet.display()),
    );
    let (code, r) = scan(dir.path(), &sources);
    assert_eq!(code, 1);
    assert_eq!(source(&r, "csv")["status"], "ok");
    for (name, says) in
        [("closed", "refused"), ("badquery", "no_such_column"), ("notable", "pf_no_such_db"), ("cut", "connection")]
    {
        let s = source(&r, name);
        assert_eq!(s["status"], "error", "{name}: {s}");
        assert_eq!(s["kind"], "spark");
        let e = s["error"].as_str().unwrap_or_default().to_lowercase();
        assert!(e.contains(says), "{name}: {e}");
        let f = finding(&r, &format!("access.readable.{name}")).expect("an access finding");
        assert_eq!(f["severity"], "FAIL", "{f}");
    }
    assert_eq!(source(&r, "closed")["access"]["reachable"], false);
    assert_eq!(source(&r, "badquery")["access"]["reachable"], true);
}

/// A query still running when the source's `timeout` runs out is a FAIL of that source, and the
/// client interrupts it on the cluster (the server answers with the operation's id, which the
/// error then reports), so an abandoned scan leaves no job behind.
#[test]
fn a_query_past_its_timeout_is_a_finding_and_is_interrupted_on_the_cluster() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A hundred million generated rows: half a minute or more of work for two small workers,
    // well past the 8 s timeout. No more than that: when the timeout fires before Spark has
    // submitted the query's stages (a busy driver still planning it), the interrupt cancels
    // nothing yet and the stage submitted after it runs to its end, which no Connect call
    // (Interrupt, ReleaseSession) reaches any more. Twenty billion rows once held this
    // cluster for hours that way and failed every Spark test after it.
    let slow = "SELECT id, CAST(id AS STRING) AS name, CONCAT(CAST(id AS STRING), '@example.com') AS email,                 CAST(id % 7 AS STRING) AS category, CAST(TIMESTAMP'2025-01-09 00:00:00' AS STRING) AS updated_at                 FROM range(0, 100000000, 1, 20)";
    let sources = source_toml("slow", &format!("url = \"{}\"\nquery = \"{slow}\"\ntimeout = \"8s\"", spark_url()));
    let (code, r) = scan(dir.path(), &sources);
    assert_eq!(code, 1);
    let s = source(&r, "slow");
    assert_eq!(s["status"], "error", "{s}");
    let e = s["error"].as_str().unwrap_or_default();
    assert!(e.contains("no result within 8s") && e.contains("interrupted on the cluster"), "{e}");
    let f = finding(&r, "access.readable.slow").expect("an access finding");
    assert_eq!(f["severity"], "FAIL", "{f}");
}

/// A TCP proxy to `target` for one connection, which it closes on both sides once `limit` bytes
/// have come back from the server: a connection lost in the middle of a scan, and a server gone
/// when the client tries again. Returns its `host:port`.
fn cut_after(target: &str, limit: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let at = listener.local_addr().expect("its address").to_string();
    let target = target.trim_end_matches('/').to_string();
    std::thread::spawn(move || {
        let accepted = listener.accept();
        drop(listener);
        let Ok((client, _)) = accepted else { return };
        let Ok(server) = TcpStream::connect(&target) else { return };
        let (mut c_in, mut s_out) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = c_in.read(&mut buf) {
                if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let (mut s_in, mut c_out) = (server, client);
        let mut buf = [0u8; 8192];
        let mut sent = 0;
        while let Ok(n) = s_in.read(&mut buf) {
            let n = n.min(limit.saturating_sub(sent));
            if n == 0 || c_out.write_all(&buf[..n]).is_err() {
                break;
            }
            sent += n;
            // Cut at once, mid-frame: waiting for more would leave the client waiting too.
            if sent >= limit {
                break;
            }
        }
        let _ = c_out.shutdown(std::net::Shutdown::Both);
        let _ = s_in.shutdown(std::net::Shutdown::Both);
    });
    at
}

/// Delta through Spark needs the Delta Lake jars on the cluster, which the registries this
/// project installs from do not ship: such a read is a FAIL that names the missing source,
/// never a pass. Its history signal (`DESCRIBE HISTORY`) has no table to read either.
#[test]
fn a_delta_path_without_delta_on_the_cluster_is_a_clear_failure() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let table = dir.path().join("table");
    std::fs::create_dir_all(table.join("_delta_log")).expect("a Delta folder");
    let url = spark_url();
    let sources = source_toml("lake", &format!("url = \"{url}\"\nformat = \"delta\"\npath = \"{}\"", table.display()));
    let (_, r) = scan(dir.path(), &sources);
    let s = source(&r, "lake");
    assert_eq!(s["status"], "error", "{s}");
    let e = s["error"].as_str().unwrap_or_default().to_lowercase();
    assert!(e.contains("delta"), "{e}");
}

/// A token written in the URL is a FAIL (DESIGN §3 access) and never printed; the location is
/// redacted.
#[test]
fn a_token_in_the_url_is_a_finding_and_is_never_printed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sources = source_toml("lake", "url = \"sc://127.0.0.1:1/;token=hunter2secret\"\ntable = \"t\"");
    let p = write(dir.path(), "profile.toml", format!("{PROFILE_HEAD}{sources}"));
    let o = crate::common::run(&["scan", &p.to_string_lossy(), "--format", "json", "--as-of", crate::common::AS_OF]);
    let all = format!("{}{}", crate::common::stdout(&o), crate::common::stderr(&o));
    assert!(!all.contains("hunter2secret"), "{all}");
    let r: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert_eq!(finding(&r, "access.credentials.lake").map(|f| f["severity"].clone()), Some(json!("FAIL")));
    assert_eq!(source(&r, "lake")["location"], "sc://127.0.0.1:1/;token=***#t");
}

/// Spark's timestamp parsing (the dialect's layers of Spark SQL) agrees with the file reader's
/// on every edge case the other engines are checked on, value by value.
#[test]
fn spark_timestamp_parsing_matches_the_file_parser() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int32Type, Int64Type};
    use preflight::sources::spark::{Client, ConnString, ConnectOptions};
    use preflight::sources::sql::dialect::{Class, Col, Dialect, Plan, Sql, TS, TS_NAIVE};
    use preflight::stats::timestamp::parse_timestamp;
    if !spark_available() {
        return;
    }
    let rows: Vec<String> =
        crate::sql::TIMESTAMP_EDGES.iter().enumerate().map(|(n, v)| format!("({n}, {})", lit(v))).collect();
    let plan = Plan {
        dialect: Dialect::Spark,
        relation: format!("(SELECT * FROM VALUES {} AS v(n, t))", rows.join(", ")),
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
    let query = format!("SELECT n, {TS}, {TS_NAIVE} FROM {from}");
    let url = ConnString::parse(&spark_url()).expect("a Spark URL");
    let batches = crate::sql::rt().block_on(async {
        let mut c = Client::connect(&url, &ConnectOptions::default(), Duration::from_secs(120)).await.expect("Spark");
        c.fetch(&query).await.expect("Spark parses the timestamps")
    });
    let mut seen = 0;
    for b in &batches {
        let (n, ts, naive) = (
            b.column(0).as_primitive::<Int32Type>(),
            b.column(1).as_primitive::<Int64Type>(),
            b.column(2).as_primitive::<Int32Type>(),
        );
        for r in 0..b.num_rows() {
            let v = crate::sql::TIMESTAMP_EDGES[n.value(r) as usize];
            let expected = parse_timestamp(v);
            let got = (!arrow_array::Array::is_null(ts, r)).then(|| ts.value(r));
            assert_eq!(got, expected.map(|p| p.micros), "Spark parses {v:?}");
            if let Some(p) = expected {
                assert_eq!(naive.value(r) == 1, p.naive, "Spark naive {v:?}");
            }
            seen += 1;
        }
    }
    assert_eq!(seen, crate::sql::TIMESTAMP_EDGES.len());
}
