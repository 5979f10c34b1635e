//! Entities across systems (DESIGN §3 "Fragmentation"): one small customer dataset, counted by
//! eye, held by every mix of systems (CSV against SQLite, CSV against PostgreSQL, both tables in
//! one SQLite or PostgreSQL database, where the join runs in the database) must measure the
//! same; broken systems leave the entity unmeasured; ten million keys a side fit in memory.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{finding, scan_json, source, write};
use crate::sql::{Cleanup, available, exec, my_url, pg_url, unique, with_db};

/// `(ticket_id, customer_id, email)`: `C-000001` style ids, one bare `2`, a blank and a null
/// id, customer 1 and 2 twice, customer 9 unknown to the CRM, customer 3's email disagreeing.
const TICKETS: &[(&str, Option<&str>, &str)] = &[
    ("T1", Some("C-000001"), "cust1@example.com"),
    ("T2", Some("C-000002"), "CUST2@example.com"),
    ("T3", Some("C-000003"), "cust3@example.com"),
    ("T4", Some("2"), "cust2@example.com"),
    ("T5", Some("C-000009"), "cust9@example.com"),
    ("T6", Some(" "), "nobody@example.com"),
    ("T7", Some("C-000001"), " cust1@example.com"),
    ("T8", None, "none@example.com"),
];

/// CRM customers 1 to 8 with integer ids; customer 3's email is another one.
fn customers() -> Vec<(i64, String)> {
    (1..=8)
        .map(|i| (i, if i == 3 { "other@example.com".to_string() } else { format!("cust{i}@example.com") }))
        .collect()
}

pub(crate) const ENTITY: &str = r#"
[[entities]]
name = "customer"
keys = ["tickets.customer_id", "crm.id"]
normalize = ["trim", "strip_prefix:C-", "strip_leading_zeros"]
compare = [["tickets.email", "crm.email"]]
"#;

/// What every mix must measure, counted by eye from `TICKETS` and `customers()`.
fn expected() -> Value {
    json!({
        "systems": ["tickets", "crm"],
        "distinct_keys": {"tickets": 4, "crm": 8},
        "missing_keys": {"tickets": 2, "crm": 0},
        "in_all": 3, "union": 9,
        "unmatched": {"tickets": 1, "crm": 5},
        "unmatched_share": {"tickets": 0.25, "crm": 0.625},
        "duplicates": {"tickets": 2, "crm": 0},
        "fragmentation": 0.6667,
        "shapes": {"tickets": ["A-999999", "9"], "crm": ["9"]},
        "shapes_differ": true,
        "matched_raw": 1, "matched_normalized": 3, "recovered": 2,
        "suggestion": null,
    })
}

fn entity(report: &Value) -> &Value {
    &report["entities"][0]
}

/// The entity's measures without how they were computed, for comparing mixes.
fn measures(e: &Value) -> Value {
    let mut v = e.clone();
    if let Some(o) = v.as_object_mut() {
        for k in ["computed_in", "keys_fetched", "conflicts", "name", "keys", "status", "error", "normalize"] {
            o.remove(k);
        }
    }
    v
}

pub(crate) fn assert_expected(report: &Value) {
    let e = entity(report);
    assert_eq!(e["status"], "ok", "{e}");
    assert_eq!(measures(e), expected(), "{e}");
    let c = &e["conflicts"][0];
    assert_eq!((c["left"].as_str(), c["right"].as_str()), (Some("tickets.email"), Some("crm.email")));
    assert_eq!((c["compared"].as_u64(), c["conflicting"].as_u64()), (Some(3), Some(1)), "{c}");
    assert_eq!(c["examples"][0]["key"], "3");
    assert_eq!(c["examples"][0]["left"].as_str().map(|s| s.ends_with("@example.com")), Some(true));
    let f = finding(report, "entities.max_unmatched_share.customer.tickets").expect("unmatched finding");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("FAIL"), Some("25%")), "{f}");
    assert_eq!(f["evidence"][0]["entity_key"], "9");
    let f = finding(report, "entities.max_duplicate_keys.customer.crm").expect("crm's key must be unique");
    assert_eq!(f["severity"], "PASS");
    assert!(finding(report, "entities.max_duplicate_keys.customer.tickets").is_none(), "tickets may repeat customers");
    let f = finding(report, "entities.max_conflict_share.customer.tickets.email.crm.email").expect("conflicts");
    assert_eq!(f["severity"], "FAIL");
    let f = finding(report, "entities.key_shapes.customer").expect("shapes");
    assert_eq!(f["severity"], "PASS", "normalization recovered the matches: {f}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("recovers 2 matches")), "{f}");
    assert_eq!(report["checklist"]["connected"], "FAIL");
}

pub(crate) fn tickets_csv() -> String {
    let mut out = String::from("ticket_id,customer_id,email\n");
    for (t, c, e) in TICKETS {
        // A null is an empty unquoted field; the blank id is quoted so it stays a string.
        let c = c.map_or(String::new(), |c| format!("\"{c}\""));
        out.push_str(&format!("{t},{c},{e}\n"));
    }
    out
}

fn lit(v: Option<&str>) -> String {
    v.map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

fn load(q: char) -> Vec<String> {
    let mut s = vec![
        format!("CREATE TABLE {q}tickets{q} (ticket_id TEXT, customer_id TEXT, email TEXT)"),
        format!("CREATE TABLE {q}customers{q} (id INTEGER PRIMARY KEY, email TEXT)"),
    ];
    for (t, c, e) in TICKETS {
        s.push(format!("INSERT INTO {q}tickets{q} VALUES ({}, {}, {})", lit(Some(t)), lit(*c), lit(Some(e))));
    }
    for (i, e) in customers() {
        s.push(format!("INSERT INTO {q}customers{q} VALUES ({i}, {})", lit(Some(&e))));
    }
    s
}

fn make_sqlite(path: &Path) {
    let conn = sqlite_exec(path, &load('"'));
    assert!(conn.is_ok(), "{conn:?}");
}

/// Runs statements on a new SQLite file through sqlx (the project's only SQLite client).
fn sqlite_exec(path: &Path, stmts: &[String]) -> Result<(), String> {
    use sqlx::{ConnectOptions, Connection, Executor};
    crate::sql::rt().block_on(async {
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let mut c = o.connect().await.map_err(|e| e.to_string())?;
        for s in stmts {
            c.execute(s.as_str()).await.map_err(|e| format!("{s}: {e}"))?;
        }
        c.close().await.map_err(|e| e.to_string())
    })
}

pub(crate) fn profile(dir: &Path, tickets: &str, crm: &str, entity: &str) -> std::path::PathBuf {
    write(
        dir,
        "profile.toml",
        format!(
            "[pilot]\nname = \"entities\"\n\n[[sources]]\nname = \"tickets\"\n{tickets}\n\n\
             [[sources]]\nname = \"crm\"\n{crm}\nkey = \"id\"\n{entity}"
        ),
    )
}

#[test]
fn csv_against_sqlite_streams_keys_and_counts_exactly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "tickets.csv", tickets_csv());
    make_sqlite(&dir.path().join("crm.db"));
    let p = profile(dir.path(), "path = \"tickets.csv\"", "url = \"sqlite://crm.db\"\ntable = \"customers\"", ENTITY);
    let (code, r) = scan_json(&p, &[]);
    assert_eq!(code, 1, "{r}");
    assert_expected(&r);
    let e = entity(&r);
    assert_eq!(e["computed_in"], "preflight");
    // The database sent each distinct key once: eight customers.
    assert_eq!(e["keys_fetched"], json!({"tickets": 0, "crm": 8}));
}

#[test]
fn one_sqlite_database_joins_inside_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    make_sqlite(&dir.path().join("both.db"));
    let p = profile(
        dir.path(),
        "url = \"sqlite://both.db\"\ntable = \"tickets\"",
        "url = \"sqlite://both.db\"\ntable = \"customers\"",
        ENTITY,
    );
    let (_, r) = scan_json(&p, &[]);
    assert_expected(&r);
    assert_eq!(entity(&r)["computed_in"], "database");
    assert_eq!(entity(&r)["keys_fetched"], json!({"tickets": 0, "crm": 0}));
}

/// A fresh database on the server at `admin` holding both tables, and its cleanup; `None`
/// (after `available` printed `skipped`) when the server does not answer.
fn database_with_both(admin: &str, what: &str) -> Option<(String, Cleanup)> {
    if !available(admin, what) {
        return None;
    }
    let db = unique("pf_entity");
    exec(admin, &[format!("CREATE DATABASE {db}")])?.expect("create a test database");
    let postgres = admin.starts_with("postgres");
    let drop = if postgres {
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    } else {
        format!("DROP DATABASE IF EXISTS {db}")
    };
    let cleanup = Cleanup { url: admin.to_string(), stmts: vec![drop] };
    let url = with_db(admin, &db);
    exec(&url, &load(if postgres { '"' } else { '`' }))?.expect("load the tables");
    Some((url, cleanup))
}

pub(crate) fn pg_both() -> Option<(String, Cleanup)> {
    database_with_both(&pg_url(), "PostgreSQL")
}

/// The CSV tickets against the `customers` table at `url`, streamed: the database sends each of
/// its eight keys once.
fn csv_against_table(url: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "tickets.csv", tickets_csv());
    let p = profile(dir.path(), "path = \"tickets.csv\"", &format!("url = \"{url}\"\ntable = \"customers\""), ENTITY);
    let (_, r) = scan_json(&p, &[]);
    assert_expected(&r);
    assert_eq!(entity(&r)["computed_in"], "preflight");
    assert_eq!(entity(&r)["keys_fetched"]["crm"], 8);
}

#[test]
fn csv_against_postgres_streams_distinct_keys() {
    let Some((url, _cleanup)) = pg_both() else { return };
    csv_against_table(&url);
}

#[test]
fn both_sides_in_one_postgres_database_join_there() {
    let Some((url, _cleanup)) = pg_both() else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let p = profile(
        dir.path(),
        &format!("url = \"{url}\"\ntable = \"tickets\""),
        &format!("url = \"{url}\"\ntable = \"customers\""),
        ENTITY,
    );
    let (_, r) = scan_json(&p, &[]);
    assert_expected(&r);
    let e = entity(&r);
    // No key set reached the scanner: PostgreSQL grouped, normalized and intersected the keys.
    assert_eq!(e["computed_in"], "database", "{e}");
    assert_eq!(e["keys_fetched"], json!({"tickets": 0, "crm": 0}));
}

/// MySQL is never asked to join (its collations compare case-insensitively): it streams.
#[test]
fn csv_against_mysql_streams_distinct_keys_byte_for_byte() {
    let Some((url, _cleanup)) = database_with_both(&my_url(), "MariaDB/MySQL") else { return };
    csv_against_table(&url);
}

#[test]
fn a_missing_key_column_or_a_broken_system_leaves_the_entity_unmeasured() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "tickets.csv", tickets_csv());
    let missing = ENTITY.replace("tickets.customer_id", "tickets.customer");
    let p =
        profile(dir.path(), "path = \"tickets.csv\"", "url = \"sqlite://nowhere.db\"\ntable = \"customers\"", &missing);
    let (code, r) = scan_json(&p, &[]);
    assert_eq!(code, 1);
    let e = entity(&r);
    assert_eq!(e["status"], "error");
    let why = e["error"].as_str().unwrap_or_default();
    assert!(why.contains("key column `customer` is not in source `tickets`"), "{why}");
    assert!(why.contains("source `crm` could not be read"), "{why}");
    let f = finding(&r, "entities.unmeasured.customer").expect("an unmeasured finding");
    assert_eq!(f["severity"], "FAIL");
    // The readable source is still reported in full.
    assert_eq!(source(&r, "tickets")["rows"], 8);
}

#[test]
fn shapes_that_differ_get_a_suggested_normalization() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "tickets.csv", tickets_csv());
    make_sqlite(&dir.path().join("crm.db"));
    let bare = "\n[[entities]]\nname = \"customer\"\nkeys = [\"tickets.customer_id\", \"crm.id\"]\n";
    let p = profile(dir.path(), "path = \"tickets.csv\"", "url = \"sqlite://crm.db\"\ntable = \"customers\"", bare);
    let (_, r) = scan_json(&p, &[]);
    let e = entity(&r);
    assert_eq!((e["matched_raw"].as_u64(), e["in_all"].as_u64()), (Some(1), Some(1)), "{e}");
    assert_eq!(e["suggestion"], json!({"normalize": ["trim", "strip_prefix:C-", "strip_leading_zeros"], "matched": 3}));
    let f = finding(&r, "entities.key_shapes.customer").expect("shapes");
    assert_eq!(f["severity"], "WARN");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("would put 3 keys in every system")), "{f}");
}

#[test]
fn three_systems_count_keys_in_all_and_in_no_other() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "a.csv", "id\n1\n2\n3\n4\n");
    write(dir.path(), "b.csv", "ref\n2\n3\n5\n");
    write(dir.path(), "c.csv", "k\n3\n4\n5\n6\n6\n");
    let p = write(
        dir.path(),
        "profile.toml",
        "[pilot]\nname = \"three\"\n\
         [[sources]]\nname = \"a\"\npath = \"a.csv\"\n[[sources]]\nname = \"b\"\npath = \"b.csv\"\n\
         [[sources]]\nname = \"c\"\npath = \"c.csv\"\n\
         [[entities]]\nname = \"thing\"\nkeys = [\"a.id\", \"b.ref\", \"c.k\"]\nunique = [\"c\"]\n",
    );
    let (_, r) = scan_json(&p, &[]);
    let e = entity(&r);
    assert_eq!(e["in_all"], 1);
    assert_eq!(e["union"], 6);
    assert_eq!(e["unmatched"], json!({"a": 1, "b": 0, "c": 1}));
    assert_eq!(e["duplicates"], json!({"a": 0, "b": 0, "c": 1}));
    let f = finding(&r, "entities.max_duplicate_keys.thing.c").expect("c is listed as unique");
    assert_eq!(f["severity"], "FAIL");
    assert_eq!(f["evidence"][0]["entity_key"], "6");
    let f = finding(&r, "entities.max_unmatched_share.thing.a").expect("a's unmatched keys");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("in no other system (b and c)")), "{f}");
}

/// Ten million distinct keys a side, half of them shared, through the collectors the scan uses:
/// exact counts, and the sets' memory stays near 16 bytes a key (the benchmark's `keys` job
/// records the whole process's peak).
#[test]
fn ten_million_keys_a_side_fit_in_a_few_hundred_megabytes() {
    use preflight::profile::Normalization;
    use preflight::stats::keys::{KeyCollector, View, overlap};
    const N: u64 = 10_000_000;
    let chain = [Normalization::StripPrefix("C-".into()), Normalization::StripLeadingZeros];
    let mut a = KeyCollector::default();
    let mut b = KeyCollector::default();
    let mut buf = String::new();
    for i in 0..N {
        use std::fmt::Write;
        buf.clear();
        let _ = write!(buf, "C-{:08}", i + 1);
        a.add(Some(&buf), 1, &chain);
        buf.clear();
        let _ = write!(buf, "{}", i + 1 + N / 2);
        b.add(Some(&buf), 1, &chain);
    }
    a.finish();
    b.finish();
    let o = overlap(&[&a, &b], View::Normalized);
    assert_eq!(o.distinct, vec![N, N]);
    assert_eq!(o.in_all, N / 2);
    assert_eq!(o.union, N + N / 2);
    assert_eq!(o.unmatched, vec![N / 2, N / 2]);
    assert_eq!(overlap(&[&a, &b], View::Raw).in_all, 0);
    let bytes = a.set_bytes() + b.set_bytes();
    // Side a keeps its raw keys too (normalization changed every one): 3 sets of 10M codes.
    assert!(bytes < 600 << 20, "key sets hold {} MiB", bytes >> 20);
    eprintln!("key sets: {} MiB for 2 x {N} keys", bytes >> 20);
}
