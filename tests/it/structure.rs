//! Messy CSV structure and exact values through the binary: each fixture of `fixtures/structure/`
//! with the finding and the counts `fixtures/README.md` writes down for it.

use serde_json::Value;

use crate::common::{AS_OF, column, finding, root, run, scan_json, source, stderr, stdout, write};

const FIXTURES: [&str; 8] =
    ["preamble", "multi_header", "no_header", "stacked_same", "stacked_width", "footnotes", "header_names", "values"];

/// One scan of every fixture, each its own source named after its file.
fn report() -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("[pilot]\nname = \"structure\"\n");
    for f in FIXTURES {
        let path = root().join(format!("fixtures/structure/{f}.csv"));
        text.push_str(&format!("\n[[sources]]\nname = \"{f}\"\npath = \"{}\"\n", path.display()));
    }
    let profile = write(dir.path(), "profile.toml", text);
    let (code, r) = scan_json(&profile, &[]);
    assert_eq!(code, 1, "structure FAILs make the verdict FAIL: {r}");
    r
}

fn names(s: &Value) -> Vec<&str> {
    s["columns"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect()
}

/// Severity and evidence lines of a finding that must exist.
fn seen(r: &Value, id: &str) -> (String, Vec<u64>) {
    let f = finding(r, id).unwrap_or_else(|| panic!("no finding {id}; findings: {}", r["findings"]));
    let lines = f["evidence"].as_array().into_iter().flatten().filter_map(|e| e["line"].as_u64()).collect();
    (f["severity"].as_str().unwrap_or_default().to_string(), lines)
}

fn message(r: &Value, id: &str) -> String {
    finding(r, id).map(|f| f["message"].as_str().unwrap_or_default().to_string()).unwrap_or_default()
}

fn format_ids<'a>(r: &'a Value, name: &str) -> Vec<&'a str> {
    r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["source"] == name)
        .filter_map(|f| f["id"].as_str())
        .filter(|id| id.starts_with("format."))
        .collect()
}

#[test]
fn issue_18_each_file_structure_is_read_as_the_table_it_holds_or_said() {
    let r = report();
    const COLS: [&str; 4] = ["id", "station", "weight", "seen"];

    // A title and a line of delimiters before the header: skipped, said, and the table is right.
    let s = source(&r, "preamble");
    assert_eq!((s["rows"].as_u64(), names(s)), (Some(4), COLS.to_vec()));
    assert_eq!(column(s, "weight")["type"], "float");
    assert_eq!(seen(&r, "format.preamble.preamble"), ("WARN".into(), vec![1, 2]));
    assert!(message(&r, "format.preamble.preamble").contains("skipped 2 preamble lines"));
    assert_eq!(format_ids(&r, "preamble"), ["format.preamble.preamble"]);

    // A second header row (names where the data has numbers or dates): not a data row.
    let s = source(&r, "multi_header");
    assert_eq!((s["rows"].as_u64(), names(s)), (Some(4), COLS.to_vec()));
    assert_eq!(column(s, "id")["type"], "integer");
    assert_eq!(seen(&r, "format.extra_header_rows.multi_header"), ("WARN".into(), vec![2]));

    // No header: line 1 is data, the columns are numbered.
    let s = source(&r, "no_header");
    assert_eq!(s["rows"].as_u64(), Some(5));
    assert_eq!(names(s), ["column_1", "column_2", "column_3", "column_4"]);
    assert_eq!(column(s, "column_4")["min"], "2025-01-02T00:00:00Z");
    assert_eq!(seen(&r, "format.no_header.no_header"), ("WARN".into(), vec![1]));

    // Two tables with the same columns, one under the other: the second header is a row of the
    // count, and the finding says so.
    let s = source(&r, "stacked_same");
    assert_eq!(s["rows"].as_u64(), Some(6));
    assert_eq!(seen(&r, "format.repeated_header.stacked_same"), ("FAIL".into(), vec![5]));

    // A second table of another width from line 6 on.
    let s = source(&r, "stacked_width");
    assert_eq!(s["rows"].as_u64(), Some(9));
    assert_eq!(seen(&r, "format.stacked_tables.stacked_width"), ("FAIL".into(), vec![6, 10]));
    assert_eq!(seen(&r, "format.ragged_rows.stacked_width").0, "FAIL");

    // Two footnote lines at the end: counted as rows, and said.
    let s = source(&r, "footnotes");
    assert_eq!(s["rows"].as_u64(), Some(6));
    assert_eq!(seen(&r, "format.footnotes.footnotes"), ("WARN".into(), vec![6, 7]));
    assert!(message(&r, "format.footnotes.footnotes").contains("counted as 2 rows"));

    // An empty and a repeated header name.
    let s = source(&r, "header_names");
    assert_eq!(names(s), ["id", "column_2", "weight", "id_2"]);
    assert_eq!(seen(&r, "format.empty_header_names.header_names"), ("WARN".into(), vec![1]));
    assert_eq!(seen(&r, "format.duplicate_headers.header_names").0, "WARN");

    // A plain table has no structure finding.
    assert_eq!(format_ids(&r, "values"), Vec::<&str>::new());
}

#[test]
fn issue_18_leading_zeros_and_long_values_are_reported_exactly() {
    let r = report();
    let s = source(&r, "values");
    let zip = column(s, "zip");
    assert_eq!(
        (zip["type"].as_str(), zip["min"].as_str(), zip["max"].as_str()),
        (Some("string"), Some("08123"), Some("94016"))
    );
    let note = column(s, "note");
    assert_eq!(note["max"], "Sexing primers did not amplify. Not enough blood for isotope analysis, sample discarded.");
    assert_eq!(note["min"], "Adult not sampled.");
}

#[test]
fn issue_18_profile_names_a_mostly_empty_column_in_its_headline_and_its_choices() {
    let o = run(&["profile", "fixtures/structure/values.csv", "--as-of", AS_OF, "--quiet"]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(out.contains("most missing speed 67% (not required)"), "{out}");
    assert!(!out.contains("nothing missing"), "{out}");
    assert!(err.contains("mostly empty: `speed` is 66.7% missing"), "{err}");
}
