//! Delta Lake tables written by the `deltalake` package (fixtures/delta/generate.py): the log
//! is replayed to the live files of a version, and the counts match deltalake's own reading
//! (fixtures/README.md).

use crate::common::{finding, root, scan_json, source, write};

fn profile(table: &str, extra: &str) -> String {
    let dir = root().join("fixtures/delta").join(table);
    format!(
        "[pilot]\nname = \"delta\"\n\n[[sources]]\nname = \"t\"\npath = \"{}\"\ntimestamp = \"updated_at\"\nlabel = \"category\"\n{extra}\n",
        dir.display()
    )
}

fn scan(table: &str, extra: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    scan_json(&write(dir.path(), "d.toml", profile(table, extra)), &[]).1
}

#[test]
fn the_latest_version_and_older_ones_count_as_deltalake_reads_them() {
    for (table, extra, rows, version, files) in [
        ("appended", "", 8, 1, 2),
        ("appended", "version = 0", 5, 0, 1),
        ("changed", "", 5, 3, 2),
        ("changed", "version = 2", 3, 2, 1),
        ("changed", "version = 1", 4, 1, 1),
        ("changed", "format = \"delta\"\nversion = 0", 6, 0, 1),
    ] {
        let r = scan(table, extra);
        let s = source(&r, "t");
        assert_eq!(s["status"], "ok", "{table} {extra}: {s}");
        assert_eq!(s["kind"], "delta");
        assert_eq!(s["rows"], rows, "{table} {extra}");
        assert_eq!(s["delta"]["version"], version, "{table} {extra}");
        assert_eq!(s["delta"]["files"], files, "{table} {extra}");
        assert_eq!(s["delta"]["num_records"], rows, "{table} {extra}");
        assert!(s["delta"]["last_commit"].is_string() && s["delta"]["last_operation"].is_string());
    }
}

#[test]
fn an_unsupported_reader_feature_is_refused_by_name() {
    let r = scan("deletion_vectors", "");
    let s = source(&r, "t");
    assert_ne!(s["status"], "ok");
    let f = finding(&r, "access.readable.t").expect("an access finding");
    assert_eq!(f["severity"], "FAIL");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("deletionVectors")), "{f}");
}

#[test]
fn a_version_the_table_does_not_have_is_an_error_naming_the_latest() {
    let r = scan("appended", "version = 7");
    let m = source(&r, "t")["error"].as_str().unwrap_or_default().to_string();
    assert!(m.contains("no version 7") && m.contains("latest is 1"), "{m}");
}
