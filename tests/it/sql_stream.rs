//! The stream path of SQL sources and its choice against the push-down (`pushdown`,
//! `pushdown_above`), the report's `read` block, and the stream's one consistent snapshot.
//! Databases as in `sql.rs`: SQLite always, the servers when reachable.

use std::path::Path;

use serde_json::Value;

use crate::common::{scan_json, source, write};
use crate::sql::{Cleanup, available, exec, pg_url, unique, with_db};

const HEAD: &str = "[pilot]\nname = \"stream-tests\"\n";

/// A small table in each reachable engine, with its source lines (without `name`).
fn small_tables(dir: &Path) -> (Vec<(&'static str, String)>, Vec<Cleanup>) {
    let stmts = vec![
        "CREATE TABLE t (id BIGINT PRIMARY KEY, body VARCHAR(40))".to_string(),
        "INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'N/A'), (4, 'dddd')".to_string(),
    ];
    let lite = dir.join("t.db");
    crate::sql::rt().block_on(async {
        use sqlx::{ConnectOptions, Connection, Executor};
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(&lite).create_if_missing(true);
        let mut c = o.connect().await.expect("create the SQLite file");
        for s in &stmts {
            c.execute(s.as_str()).await.expect("load");
        }
        let _ = c.close().await;
    });
    let mut out = vec![("lite", "url = \"sqlite://t.db\"\ntable = \"t\"".to_string())];
    let mut cleanups = Vec::new();
    for (engine, admin) in [("pg", pg_url()), ("my", crate::sql::my_url())] {
        if !available(&admin, engine) {
            continue;
        }
        let db = unique("pf_stream");
        exec(&admin, &[format!("CREATE DATABASE {db}")]).expect("reachable").expect("create a database");
        let drop = if engine == "pg" {
            format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        } else {
            format!("DROP DATABASE IF EXISTS {db}")
        };
        cleanups.push(Cleanup { url: admin.clone(), stmts: vec![drop] });
        let url = with_db(&admin, &db);
        exec(&url, &stmts).expect("reachable").expect("load");
        out.push((engine, format!("url = \"{url}\"\ntable = \"t\"")));
    }
    (out, cleanups)
}

fn profile(sources: &[(String, String)], extra: &str) -> String {
    let mut p = HEAD.to_string();
    for (name, location) in sources {
        p += &format!("\n[[sources]]\nname = \"{name}\"\n{location}\nkey = \"id\"\nrequired = [\"body\"]\n{extra}\n");
    }
    p
}

#[test]
fn auto_streams_a_small_table_and_pushes_down_one_over_the_threshold() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (tables, _cleanup) = small_tables(dir.path());
    let named: Vec<(String, String)> = tables.iter().map(|(e, l)| (e.to_string(), l.clone())).collect();
    let small = write(dir.path(), "small.toml", profile(&named, ""));
    let (_, r) = scan_json(&small, &[]);
    // Lowered to one byte, every table is over the threshold.
    let low = write(dir.path(), "low.toml", profile(&named, "pushdown_above = 1"));
    let (_, low) = scan_json(&low, &[]);
    for (engine, _) in &tables {
        let s = source(&r, engine);
        assert_eq!(s["status"], "ok", "{engine}: {s}");
        let read = &s["read"];
        assert_eq!(read["mode"], "stream", "{engine}: {read}");
        assert!(read["reason"].as_str().is_some_and(|t| t.contains("at most pushdown_above")), "{engine}: {read}");
        // Every row crossed the wire once: 4 ids and 3 bodies (one is NULL).
        assert_eq!(read["rows_transferred"], 4, "{engine}: {read}");
        assert_eq!(read["bytes_transferred"], 4 * 8 + 1 + 3 + 4, "{engine}: {read}");
        let p = source(&low, engine);
        assert_eq!(p["read"]["mode"], "pushdown", "{engine}: {}", p["read"]);
        assert!(p["read"]["reason"].as_str().is_some_and(|t| t.contains("over pushdown_above")), "{engine}");
        // The push-down reads back aggregates and a few rows, not the table's bytes.
        assert!(p["read"]["rows_transferred"].as_u64().is_some_and(|n| n > 0), "{engine}: {}", p["read"]);
        for k in ["rows", "complete_rows", "ready_rows", "columns", "keys"] {
            assert_eq!(s[k], p[k], "{engine}: `{k}` differs between the stream and the push-down");
        }
    }
}

#[test]
fn never_streams_and_always_pushes_down_whatever_the_size() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (tables, _cleanup) = small_tables(dir.path());
    let named: Vec<(String, String)> = tables.iter().map(|(e, l)| (e.to_string(), l.clone())).collect();
    for (mode, extra, expected) in [
        ("never", "pushdown = \"never\"\npushdown_above = 1", "stream"),
        ("always", "pushdown = \"always\"", "pushdown"),
    ] {
        let p = write(dir.path(), &format!("{mode}.toml"), profile(&named, extra));
        let (_, r) = scan_json(&p, &[]);
        for (engine, _) in &tables {
            let read = &source(&r, engine)["read"];
            assert_eq!(read["mode"], expected, "{mode} {engine}: {read}");
            assert_eq!(read["reason"], format!("pushdown = \"{mode}\""), "{mode} {engine}");
        }
    }
}

#[test]
fn a_file_source_has_no_read_block_and_the_text_report_shows_the_mode() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (tables, _cleanup) = small_tables(dir.path());
    let named = vec![("lite".to_string(), tables[0].1.clone())];
    write(dir.path(), "t.csv", "id,body\n1,a\n");
    let mut text = profile(&named, "");
    text += "\n[[sources]]\nname = \"file\"\npath = \"t.csv\"\n";
    let p = write(dir.path(), "p.toml", text);
    let (_, r) = scan_json(&p, &[]);
    assert_eq!(source(&r, "file").get("read"), None);
    let out = crate::common::run(&["scan", p.to_str().expect("a UTF-8 path"), "--format", "text"]);
    let shown = crate::common::stdout(&out);
    assert!(shown.contains("streamed"), "{shown}");
}

#[test]
fn a_bad_pushdown_value_is_a_located_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let p = write(
        dir.path(),
        "p.toml",
        format!(
            "{HEAD}\n[[sources]]\nname = \"s\"\nurl = \"sqlite://x.db\"\ntable = \"t\"\npushdown = \"sometimes\"\npushdown_above = \"4 parsecs\"\n"
        ),
    );
    let out = crate::common::run(&["check", p.to_str().expect("a UTF-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("unknown pushdown mode `sometimes`") && err.contains("expected `auto`, `always` or `never`"),
        "{err}"
    );
    assert!(err.contains("`4 parsecs` is not a size"), "{err}");
    assert!(err.contains("line 8") || err.contains(":8:"), "the line is named: {err}");
}

/// Rows committed by another connection while the workers read are all seen or all not:
/// every worker reads the one snapshot exported before they start. The writer moves rows
/// from the head of the table (the first worker's range) to its tail (the last worker's):
/// each transaction deletes one batch of `base` rows and inserts a batch tagged with its
/// number. Any one snapshot holds 0 or all rows of each batch, and as many `base` rows as
/// the batches it holds replaced.
#[test]
fn a_parallel_postgres_stream_sees_one_snapshot() {
    let admin = pg_url();
    if !available(&admin, "PostgreSQL") {
        return;
    }
    let db = unique("pf_snap");
    exec(&admin, &[format!("CREATE DATABASE {db}")]).expect("reachable").expect("create a database");
    let _cleanup = Cleanup { url: admin.clone(), stmts: vec![format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")] };
    let url = with_db(&admin, &db);
    const ROWS: i64 = 60_000;
    const BATCH: i64 = 500;
    exec(
        &url,
        &[
            "CREATE TABLE t (id BIGINT PRIMARY KEY, tag TEXT, pad TEXT)".into(),
            format!("INSERT INTO t SELECT g, 'base', repeat('x', 100) FROM generate_series(1, {ROWS}) AS g"),
        ],
    )
    .expect("reachable")
    .expect("load");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let p = write(
        dir.path(),
        "p.toml",
        format!(
            "{HEAD}[defaults]\nmin_class_examples = 1\n[[sources]]\nname = \"t\"\nurl = \"{url}\"\ntable = \"t\"\n\
             label = \"tag\"\ncolumns = [\"id\", \"tag\"]\npushdown = \"never\"\n"
        ),
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (reports, batches) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut n = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 40 {
                let (lo, hi) = (n * BATCH + 1, (n + 1) * BATCH);
                let stmts = [
                    "BEGIN".to_string(),
                    format!("DELETE FROM t WHERE id BETWEEN {lo} AND {hi}"),
                    format!(
                        "INSERT INTO t SELECT g, 'batch{n}', repeat('y', 100) FROM generate_series({}, {}) AS g",
                        ROWS + lo,
                        ROWS + hi
                    ),
                    "COMMIT".to_string(),
                ];
                exec(&url, &stmts).expect("reachable").expect("a writer transaction");
                n += 1;
            }
            n
        });
        let reports: Vec<Value> = (0..4).map(|_| scan_json(&p, &["--jobs", "2"]).1).collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (reports, writer.join().expect("the writer"))
    });
    assert!(batches > 0, "the writer committed nothing while the scans ran");
    for r in &reports {
        let s = source(r, "t");
        assert_eq!(s["status"], "ok", "{s}");
        assert_eq!(s["rows"], ROWS, "a snapshot always holds {ROWS} rows: {}", s["labels"]);
        let classes = s["labels"]["classes"].as_object().expect("label classes");
        let mut seen = 0;
        for (tag, n) in classes.iter().filter(|(t, _)| t.starts_with("batch")) {
            assert_eq!(n, BATCH, "{tag} is partly visible: {n} of {BATCH} rows");
            seen += 1;
        }
        assert_eq!(classes.get("base").and_then(Value::as_i64), Some(ROWS - seen * BATCH), "{classes:?}");
    }
}
