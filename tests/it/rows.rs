//! Whole-row measures: duplicate records and label conflicts, on the `label-noise` fixture (its
//! expected values are in fixtures/README.md), in every report format, in `explain`, and the same
//! rows in SQLite, PostgreSQL, MariaDB and Spark (streamed and pushed down) and Parquet.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{AS_OF, finding, root, run, scan_json, source, stdout, write};
use crate::sql::{Cleanup, available, comparable, exec, my_url, pg_url, rt, unique, with_db};

const PROFILE: &str = "profiles/label-noise.toml";
const COLUMNS: [&str; 5] = ["ticket_id", "subject", "body", "category", "updated_at"];

/// The fixture's rows; an empty field is `None` (a CSV reads it as null).
fn rows() -> Vec<Vec<Option<String>>> {
    let text = std::fs::read_to_string(root().join("fixtures/label-noise/tickets.csv")).expect("the fixture");
    text.lines().skip(1).map(|l| l.split(',').map(|f| (!f.is_empty()).then(|| f.to_string())).collect()).collect()
}

pub(crate) fn dups() -> Value {
    json!({"rows": 2, "distinct": 1, "share": 0.1333})
}

/// The three conflicting groups, as (folded inputs, labels with their rows), in a fixed order.
pub(crate) fn groups(conflicts: &Value) -> Vec<(Vec<String>, Value)> {
    let mut out: Vec<(Vec<String>, Value)> = conflicts["examples"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    let inputs = ["subject", "body"]
                        .iter()
                        .map(|c| e["inputs"][c].as_str().unwrap_or("").trim().to_lowercase())
                        .collect();
                    (inputs, e["labels"].clone())
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub(crate) fn expected_groups() -> Vec<(Vec<String>, Value)> {
    let g = |s: &str, b: &str, labels: Value| (vec![s.to_string(), b.to_string()], labels);
    vec![
        g("printer jams", "paper stuck in tray 2", json!({"hardware": 2, "billing": 1})),
        g("refund", "i was charged twice", json!({"billing": 3, "refund": 1})),
        g("screen flickers", "", json!({"hardware": 1, "login": 1})),
    ]
}

#[test]
fn the_label_noise_fixture_measures_as_written_down() {
    let (code, r) = scan_json(Path::new(PROFILE), &[]);
    assert_eq!(code, 1, "a FAIL finding: {}", r["findings"]);
    let s = source(&r, "tickets");
    assert_eq!(s["rows"], 15);
    assert_eq!(s["duplicate_records"], dups());
    let c = &s["labels"]["conflicts"];
    assert_eq!(s["labels"]["labeled"], 14, "{}", s["labels"]);
    assert_eq!((&c["inputs"], &c["groups"], &c["rows"]), (&json!(["subject", "body"]), &json!(3), &json!(9)));
    assert_eq!(c["share"], json!(0.6429));
    assert_eq!(groups(c), expected_groups());
    // Each group is located at its first row; the inputs are shown as that row wrote them.
    let first = &c["examples"][0];
    assert_eq!((&first["line"], &first["inputs"]["subject"]), (&json!(2), &json!("Printer jams")), "{c}");
    let dup = finding(&r, "duplicate_records.max_duplicate_records.tickets").expect("a duplicate-records finding");
    assert_eq!((&dup["severity"], &dup["check"]), (&json!("WARN"), &json!("clean")), "{dup}");
    let at: Vec<&Value> =
        dup["evidence"].as_array().map(|e| e.iter().map(|e| &e["line"]).collect()).unwrap_or_default();
    assert_eq!(at, [&json!(9), &json!(12)], "{dup}");
    let lc = finding(&r, "labels.max_label_conflict_share.tickets").expect("a label-conflict finding");
    assert_eq!((&lc["severity"], &lc["check"]), (&json!("FAIL"), &json!("labeled")), "{lc}");
    assert_eq!(lc["evidence"].as_array().map(Vec::len), Some(3), "{lc}");
    let shown = lc["evidence"][0]["value"].as_str().unwrap_or("");
    assert_eq!(shown, "Printer jams · Paper stuck in tray 2 → hardware (2), billing (1)");
    // The key's own duplicate check still sees T-3 three times.
    let key = finding(&r, "keys.duplicates.tickets").expect("a key-duplicates finding");
    assert_eq!(key["evidence"][0]["value"], "T-3", "{key}");
}

#[test]
fn every_format_shows_both_measures() {
    let scan = |format: &str| {
        let o = run(&["scan", PROFILE, "--format", format, "--as-of", AS_OF, "--quiet"]);
        assert!(o.status.code().is_some_and(|c| c == 1), "{format}: {o:?}");
        stdout(&o)
    };
    for (format, dup, conflict) in [
        ("text", "2 duplicate rows", "conflicting labels"),
        ("markdown", "### Duplicate records", "Label conflicts:"),
        ("html", "<h3>Duplicate records</h3>", "Label conflicts"),
        ("junit", "duplicate_records.max_duplicate_records.tickets", "labels.max_label_conflict_share.tickets"),
        ("csv", "duplicate_records.max_duplicate_records.tickets", "labels.max_label_conflict_share.tickets"),
        ("github", "duplicate_records.max_duplicate_records.tickets", "labels.max_label_conflict_share.tickets"),
        ("gitlab", "duplicate_records.max_duplicate_records.tickets", "labels.max_label_conflict_share.tickets"),
    ] {
        let out = scan(format);
        assert!(out.contains(dup), "{format} lacks `{dup}`");
        assert!(out.contains(conflict), "{format} lacks `{conflict}`");
    }
    for topic in ["duplicate_records", "duplicate_records.max_duplicate_records.tickets", "label_conflicts"] {
        let o = run(&["explain", topic]);
        assert_eq!(o.status.code(), Some(0), "explain {topic}: {o:?}");
        assert!(stdout(&o).to_lowercase().contains("identical") || stdout(&o).contains("label"), "{topic}");
    }
    let o = run(&["explain", "labels.max_label_conflict_share.tickets"]);
    assert!(stdout(&o).contains("label_inputs"), "{}", stdout(&o));
}

fn literal(v: &Option<String>) -> String {
    v.as_ref().map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

/// `CREATE TABLE` and one `INSERT` for the fixture's rows, in a dialect's identifier quoting.
fn load(table: &str, q: char, text: &str) -> Vec<String> {
    let cols: Vec<String> = COLUMNS.iter().map(|c| format!("{q}{c}{q} {text}")).collect();
    let values: Vec<String> =
        rows().iter().map(|r| format!("({})", r.iter().map(literal).collect::<Vec<_>>().join(", "))).collect();
    vec![
        format!("CREATE TABLE {q}{table}{q} ({})", cols.join(", ")),
        format!("INSERT INTO {q}{table}{q} VALUES {}", values.join(", ")),
    ]
}

fn sqlite(path: &Path) {
    use sqlx::{Connection, Executor};
    rt().block_on(async {
        let o = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let mut c = sqlx::SqliteConnection::connect_with(&o).await.expect("create the SQLite file");
        for s in load("tickets", '"', "TEXT") {
            c.execute(s.as_str()).await.expect("load the SQLite table");
        }
        let _ = c.close().await;
    });
}

pub(crate) fn parquet(path: &Path) {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let rows = rows();
    let cols = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, Arc::new(rows.iter().map(|r| r[i].clone()).collect::<StringArray>()) as ArrayRef));
    let batch = RecordBatch::try_from_iter(cols).expect("a record batch");
    let file = std::fs::File::create(path).expect("create the Parquet file");
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("a Parquet writer");
    w.write(&batch).expect("write the batch");
    w.close().expect("close the Parquet file");
}

/// A fresh database on the server at `admin` holding the fixture, and its cleanup.
fn server(admin: &str, what: &str, q: char, text: &str, drop: &str) -> Option<(String, Cleanup)> {
    if !available(admin, what) {
        return None;
    }
    let db = unique("pf_rows");
    exec(admin, &[format!("CREATE DATABASE {db}")])?.expect("create a test database");
    let cleanup = Cleanup { url: admin.to_string(), stmts: vec![format!("DROP DATABASE IF EXISTS {db}{drop}")] };
    let url = with_db(admin, &db);
    exec(&url, &load("tickets", q, text))?.expect("load the table");
    Some((url, cleanup))
}

pub(crate) fn source_toml(name: &str, location: &str) -> String {
    format!(
        "\n[[sources]]\nname = \"{name}\"\n{location}\ntimestamp = \"updated_at\"\nlabel = \"category\"\n\
         key = \"ticket_id\"\nlabel_inputs = [\"subject\", \"body\"]\nmax_duplicate_records = {{ warn = 0 }}\n"
    )
}

/// DESIGN §3: the same rows in a file, a Parquet file and three databases, streamed and pushed
/// down, count the same duplicate records and the same conflicting groups.
#[test]
fn the_same_rows_count_the_same_duplicates_and_conflicts_everywhere() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::copy(root().join("fixtures/label-noise/tickets.csv"), dir.path().join("tickets.csv"))
        .expect("copy the fixture");
    parquet(&dir.path().join("tickets.parquet"));
    sqlite(&dir.path().join("tickets.db"));
    let mut sources = source_toml("csv", "path = \"tickets.csv\"");
    sources += &source_toml("parquet", "path = \"tickets.parquet\"");
    let mut names = vec!["parquet".to_string()];
    let mut both = |name: &str, location: &str| {
        sources += &source_toml(name, &format!("{location}\npushdown = \"never\""));
        sources += &source_toml(&format!("{name}_pd"), &format!("{location}\npushdown = \"always\""));
        names.extend([name.to_string(), format!("{name}_pd")]);
    };
    both("lite", "url = \"sqlite://tickets.db\"\ntable = \"tickets\"");
    let pg = server(&pg_url(), "PostgreSQL", '"', "TEXT", " WITH (FORCE)");
    if let Some((url, _)) = &pg {
        both("pg", &format!("url = \"{url}\"\ntable = \"tickets\""));
    }
    let my = server(&my_url(), "MariaDB/MySQL", '`', "VARCHAR(200)", "");
    if let Some((url, _)) = &my {
        both("my", &format!("url = \"{url}\"\ntable = \"tickets\""));
    }
    let p = write(dir.path(), "profile.toml", format!("[pilot]\nname = \"rows\"\n{sources}"));
    let (_, r) = scan_json(&p, &[]);
    let csv = source(&r, "csv");
    assert_eq!(csv["duplicate_records"], dups(), "{csv}");
    assert_eq!(groups(&csv["labels"]["conflicts"]), expected_groups());
    // Without the examples (a line in a file, a key in a database) everything else is equal.
    // and a column's type and the footer's min and max, which a Parquet file of text columns
    // does not share with a CSV file whose text reads as timestamps.
    let strip = |s: &Value| {
        let mut s = comparable(s);
        s["labels"]["conflicts"]["examples"] = Value::Null;
        for k in ["footer_min", "footer_max"] {
            s["staleness"][k] = Value::Null;
        }
        for c in s["columns"].as_array_mut().into_iter().flatten() {
            c["type"] = Value::Null;
        }
        s
    };
    for name in &names {
        let got = source(&r, name);
        assert_eq!(got["status"], "ok", "{name}: {got}");
        assert_eq!(got["duplicate_records"], dups(), "{name}");
        assert_eq!(groups(&got["labels"]["conflicts"]), expected_groups(), "{name}");
        assert_eq!(strip(got), strip(csv), "{name} measures differ from the CSV's");
        if name != "parquet" {
            // A database names the copies by key: every copy of T-3 is T-3.
            let f = finding(&r, &format!("duplicate_records.max_duplicate_records.{name}")).expect("a finding");
            assert_eq!(f["evidence"][0]["key"], "T-3", "{name}: {f}");
        }
    }
}
