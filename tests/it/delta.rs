//! Delta Lake tables written by the `deltalake` package (fixtures/delta/generate.py): the log
//! is replayed to the live files of a version, and the counts match deltalake's own reading
//! (fixtures/README.md).

use crate::common::{column, finding, root, scan_json, source, write};

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

#[test]
fn partition_values_are_columns_and_a_multi_part_checkpoint_is_replayed() {
    // deltalake's reading of `partitioned` (fixtures/README.md): rows and `category` classes.
    for (extra, rows, version, billing, tech, nulls) in
        [("", 10, 3, 5, 4, 1), ("version = 2", 8, 2, 4, 3, 1), ("version = 0", 6, 0, 3, 3, 0)]
    {
        let r = scan("partitioned", extra);
        let s = source(&r, "t");
        assert_eq!(s["status"], "ok", "{extra}: {s}");
        assert_eq!((s["rows"].as_u64(), s["delta"]["version"].as_i64()), (Some(rows), Some(version)), "{extra}");
        let c = column(s, "category");
        assert_eq!(c["type"], "string", "{c}");
        assert_eq!(c["nulls"], nulls, "{extra}");
        let classes = &s["labels"]["classes"];
        assert_eq!((classes["billing"].as_u64(), classes["tech"].as_u64()), (Some(billing), Some(tech)), "{extra}");
        assert_eq!(column(s, "id")["nulls"], 0);
    }
    // `columns` can name the partition column (with the profile's timestamp): no other is read.
    let r = scan("partitioned", "columns = [\"category\"]");
    let s = source(&r, "t");
    assert_eq!(s["rows"], 10, "{s}");
    let names: Vec<&str> = s["columns"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["updated_at", "category"]);
}

#[test]
fn as_of_reads_the_version_committed_at_that_time() {
    // Commit times of `partitioned` (fixtures/README.md): v0 14:49:18.403, v1 14:49:19.919,
    // v2 14:49:21.440, v3 14:49:23.116 on 2026-12-02 (UTC).
    for (at, version, rows) in [
        ("2026-12-02T14:49:18.403Z", 0, 6),
        ("2026-12-02T14:49:20Z", 1, 9),
        ("2026-12-02T15:49:22+01:00", 2, 8),
        ("2027-01-01T00:00:00Z", 3, 10),
    ] {
        let r = scan("partitioned", &format!("as_of = \"{at}\""));
        let s = source(&r, "t");
        assert_eq!(s["status"], "ok", "{at}: {s}");
        assert_eq!((s["delta"]["version"].as_i64(), s["rows"].as_u64()), (Some(version), Some(rows)), "{at}");
    }
    let r = scan("partitioned", "as_of = \"2026-12-01T00:00:00Z\"");
    let m = source(&r, "t")["error"].as_str().unwrap_or_default().to_string();
    assert!(m.contains("before the table's first commit") && m.contains("2026-12-02T14:49:18.403Z"), "{m}");
}

#[test]
fn as_of_and_version_together_or_a_bad_time_are_profile_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (extra, says) in
        [("version = 1\nas_of = \"2026-01-01T00:00:00Z\"", "not both"), ("as_of = \"yesterday\"", "RFC 3339")]
    {
        let p = write(dir.path(), "bad.toml", profile("partitioned", extra));
        let o = crate::common::run(&["scan", &p.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(2), "{extra}");
        let err = crate::common::stderr(&o);
        assert!(err.contains("as_of") && err.contains(says), "{err}");
    }
}

#[test]
fn a_v2_checkpoint_table_is_refused_by_name() {
    let r = scan("v2_checkpoint", "");
    let f = finding(&r, "access.readable.t").expect("an access finding");
    assert_eq!(f["severity"], "FAIL");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("v2Checkpoint")), "{f}");
    assert_eq!(source(&scan("v2_checkpoint", "version = 0"), "t")["rows"], 2);
}
