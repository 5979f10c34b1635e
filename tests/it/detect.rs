//! The quick-start commands (DESIGN §1, issue 5): `preflight profile SOURCE...` detects the
//! timestamp, label and key columns and scans without a profile file; `preflight init` writes a
//! starter profile that `check` accepts and `scan` runs.

use std::path::Path;

use serde_json::Value;

use crate::common::{AS_OF, root, run, source, stderr, stdout, write};

/// `profile SOURCES --format json --as-of AS_OF --quiet`: exit code, report, stderr.
fn profile_json(sources: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["profile"];
    args.extend_from_slice(sources);
    args.extend_from_slice(&["--format", "json", "--as-of", AS_OF, "--quiet"]);
    let o = run(&args);
    let report = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("profile printed no JSON ({e}); stderr:\n{}", stderr(&o)));
    (o.status.code().unwrap_or(-1), report, stderr(&o))
}

fn chosen(report: &Value, name: &str) -> (Value, Value, Value) {
    let s = source(report, name);
    (s["staleness"]["column"].clone(), s["labels"]["column"].clone(), s["keys"]["column"].clone())
}

fn p(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn profile_on_the_demo_csv_picks_updated_at_category_and_ticket_id() {
    let (code, r, err) = profile_json(&["fixtures/demo/tickets.csv"]);
    assert_eq!(code, 1, "the demo tickets FAIL (a duplicated key); stderr:\n{err}");
    assert_eq!(r["profile"]["name"], "ad-hoc");
    assert_eq!(r["as_of"], AS_OF);
    assert_eq!(chosen(&r, "tickets"), ("updated_at".into(), "category".into(), "ticket_id".into()));
    // What was chosen and why goes to stderr, so stdout stays the report.
    for line in [
        "  timestamp  `updated_at`: 97.4% of sampled values parse as timestamps, the name suggests the last update",
        "  label      `category`: 6 distinct values, 85% of rows have one, label-like name",
        "  key        `ticket_id`: 39 distinct values in 40 rows, id-like name",
    ] {
        assert!(err.lines().any(|l| l == line), "stderr lacks {line:?}:\n{err}");
    }
    // The ad-hoc scan measures what the demo profile measures for those columns.
    let t = source(&r, "tickets");
    assert_eq!(
        (&t["rows"], &t["staleness"]["stale_rows"], &t["keys"]["duplicates"]),
        (&40.into(), &5.into(), &1.into())
    );
}

#[test]
fn profile_on_both_demo_files_names_sources_after_their_files() {
    let (code, r, err) = profile_json(&["fixtures/demo/tickets.csv", "fixtures/demo/kb.parquet"]);
    assert_eq!(code, 1, "stderr:\n{err}");
    assert_eq!(chosen(&r, "kb"), ("updated_at".into(), "category".into(), "article_id".into()));
    assert!(err.contains("`updated_at`: timestamp type, the name suggests the last update"), "{err}");
}

#[test]
fn profile_finds_columns_in_a_glob_of_parts() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(dir.path().join("parts")).expect("a folder of parts");
    let header = "id,created_at,last_modified,status,note\n";
    let rows = |from: u32| -> String {
        (from..from + 4)
            .map(|i| {
                let status = if i % 2 == 0 { "open" } else { "closed" };
                format!(
                    "{i},2024-12-0{}T08:00:00Z,2025-01-0{}T08:00:00Z,{status},call back later\n",
                    i % 9 + 1,
                    i % 9 + 1
                )
            })
            .collect()
    };
    write(&dir.path().join("parts"), "a.csv", format!("{header}{}", rows(0)));
    write(&dir.path().join("parts"), "b.csv", format!("{header}{}", rows(4)));
    let glob = p(&dir.path().join("parts/*.csv"));
    let (code, r, err) = profile_json(&[&glob]);
    assert!(code == 0 || code == 1, "exit {code}; stderr:\n{err}");
    assert_eq!(chosen(&r, "parts"), ("last_modified".into(), "status".into(), "id".into()));
    assert_eq!(source(&r, "parts")["rows"], 8);
}

#[test]
fn profile_refuses_passwords_in_urls_tables_left_out_and_missing_files_with_exit_2() {
    let o = run(&["profile", "postgres://ro:secret@localhost/crm#customers"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: `postgres://ro:***@localhost/crm`: a password inside the URL"), "{err}");
    assert!(!err.contains("secret"), "the password is printed:\n{err}");
    assert_eq!(stdout(&o), "");

    let o = run(&["profile", "sqlite://fixtures/demo/crm.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: `sqlite://fixtures/demo/crm.db`: no table named"), "{}", stderr(&o));

    let o = run(&["profile", "fixtures/demo/nope.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: `fixtures/demo/nope.csv` does not exist"), "{}", stderr(&o));
    let o = run(&["init", "fixtures/demo/nope.csv"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `init SOURCES --out DIR/profiles/preflight.toml`, then `check` and `scan` of what it wrote.
fn init_check_scan(sources: &[&str], init_as_of: bool) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(dir.path().join("profiles")).expect("a folder for the profile");
    let out = dir.path().join("profiles/preflight.toml");
    let mut args = vec!["init"];
    args.extend_from_slice(sources);
    let out_s = p(&out);
    args.extend_from_slice(&["--out", &out_s]);
    if init_as_of {
        args.extend_from_slice(&["--as-of", AS_OF]);
    }
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "init {sources:?}; stderr:\n{}", stderr(&o));
    assert_eq!(stdout(&o), "", "with --out, nothing goes to stdout");
    let text = std::fs::read_to_string(&out).expect("init wrote the profile");
    for line in text.lines().filter(|l| l.starts_with("path = ")) {
        assert!(line.starts_with("path = \"../"), "paths are relative to the profile's folder: {line}");
    }
    for line in text.lines().filter(|l| l.starts_with("url = \"sqlite://")) {
        assert!(line.starts_with("url = \"sqlite://../"), "SQLite paths are relative to the profile's folder: {line}");
    }

    let o = run(&["check", &out_s]);
    assert_eq!(o.status.code(), Some(0), "check; stderr:\n{}\nprofile:\n{text}", stderr(&o));
    let o = run(&["scan", &out_s, "--as-of", AS_OF, "--format", "json", "--quiet"]);
    let code = o.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "scan exit {code}; stderr:\n{}\nprofile:\n{text}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).expect("scan printed a JSON report");
    assert_eq!(r["sources"].as_array().map(Vec::len), Some(sources.len()));
    for s in r["sources"].as_array().into_iter().flatten() {
        assert_eq!(s["status"], "ok", "{s}");
    }
    text
}

#[test]
fn init_over_the_demo_csv_writes_a_profile_that_checks_and_scans() {
    let text = init_check_scan(&["fixtures/demo/tickets.csv"], true);
    for line in [
        "name = \"tickets\"",
        "timestamp = \"updated_at\"",
        "label = \"category\"",
        "key = \"ticket_id\"",
        "required = [\"ticket_id\", \"customer_id\", \"channel\", \"priority\", \"subject\"]",
        // Worst required column today: 5% missing; warn one point above, fail at the default.
        "max_missing_share = { warn = 0.06, fail = 0.1 }",
        // 36 of the 37 dated rows (38 parsed, one in the future) are under 730 days old at as-of.
        "stale_after = \"730d\"",
        "pii = []",
    ] {
        assert!(text.lines().any(|l| l.starts_with(line)), "the profile lacks {line:?}:\n{text}");
    }
}

#[test]
fn init_over_the_demo_parquet_writes_a_profile_that_checks_and_scans() {
    let text = init_check_scan(&["fixtures/demo/kb.parquet"], false);
    for line in ["timestamp = \"updated_at\"", "label = \"category\"", "key = \"article_id\""] {
        assert!(text.lines().any(|l| l.starts_with(line)), "the profile lacks {line:?}:\n{text}");
    }
}

#[test]
fn init_over_both_demo_files_writes_a_profile_that_checks_and_scans() {
    let text = init_check_scan(&["fixtures/demo/tickets.csv", "fixtures/demo/kb.parquet"], true);
    assert_eq!(text.matches("[[sources]]").count(), 2, "{text}");
}

#[test]
fn init_writes_to_stdout_with_paths_as_given() {
    let o = run(&["init", "fixtures/demo/tickets.csv", "--as-of", AS_OF, "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "--quiet prints only the profile");
    let text = stdout(&o);
    assert!(text.contains("\npath = \"fixtures/demo/tickets.csv\""), "{text}");
    let profile = preflight::profile::Profile::from_str(&root().join("preflight.toml"), &text)
        .unwrap_or_else(|e| panic!("the printed profile is invalid: {e}"));
    assert_eq!(profile.sources.len(), 1);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = write(dir.path(), "preflight.toml", "# mine\n");
    let out_s = p(&out);
    let o = run(&["init", "fixtures/demo/kb.parquet", "--out", &out_s]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with(&format!("error: `{out_s}` already exists")), "{err}");
    assert!(err.contains("hint: pass `--force` to overwrite it"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).ok().as_deref(), Some("# mine\n"), "the file is untouched");

    let o = run(&["init", "fixtures/demo/kb.parquet", "--out", &out_s, "--force", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).expect("the profile");
    assert!(text.contains("key = \"article_id\""), "{text}");
}

#[test]
fn an_unreadable_source_is_a_finding_for_profile_and_an_error_for_init() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bad = p(&write(dir.path(), "bad.parquet", "PAR1 not really parquet PAR1"));
    let (code, r, err) = profile_json(&[&bad, "fixtures/demo/kb.parquet"]);
    assert_eq!(code, 1, "stderr:\n{err}");
    assert!(err.contains("`bad` ("), "{err}");
    assert!(err.contains("cannot read it, nothing detected"), "{err}");
    assert_eq!((&source(&r, "bad")["status"], &source(&r, "kb")["status"]), (&"error".into(), &"ok".into()));

    let o = run(&["init", &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("every source must be readable"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn profile_on_a_sqlite_table_finds_its_key() {
    let (code, r, err) = profile_json(&["sqlite://fixtures/demo/crm.db#customers"]);
    assert!(code == 0 || code == 1, "exit {code}; stderr:\n{err}");
    let s = source(&r, "customers");
    assert_eq!((&s["kind"], &s["rows"]), (&Value::from("sqlite"), &Value::from(20)));
    assert_eq!(s["keys"]["column"], "customer_id");
    assert!(err.contains("  key        `customer_id`: all 20 values distinct, id-like name"), "{err}");
}

#[test]
fn init_over_a_sqlite_table_and_a_csv_writes_a_profile_that_checks_and_scans() {
    let text = init_check_scan(&["sqlite://fixtures/demo/crm.db#customers", "fixtures/demo/tickets.csv"], true);
    for line in ["table = \"customers\"", "key = \"customer_id\"", "key = \"ticket_id\""] {
        assert!(text.lines().any(|l| l.starts_with(line)), "the profile lacks {line:?}:\n{text}");
    }
}

/// Every fixture folder's files, data of every use case included: `init` writes a profile that
/// `check` accepts and `scan` runs.
#[test]
fn init_over_every_fixture_folder_writes_a_profile_that_checks_and_scans() {
    let mut folders: Vec<std::path::PathBuf> = std::fs::read_dir("fixtures")
        .expect("the fixtures folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut scanned = 0;
    for folder in folders {
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .expect("a fixture folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv" || x == "parquet"))
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        files.sort();
        if files.is_empty() {
            continue;
        }
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        init_check_scan(&args, true);
        scanned += 1;
    }
    assert!(scanned >= 6, "the demo and the five use cases: {scanned}");
}
