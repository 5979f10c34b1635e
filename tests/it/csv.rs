//! CSV dialects through the binary's JSON report: delimiters, quoting, BOM, CRLF, gzip, and the
//! exact measures of DESIGN §3 on files small enough to count by hand. Every expected value is
//! counted in a comment beside it; lines are physical lines, the header is line 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{column, finding, scan_json, source, write};

/// Writes `profile.toml` with these `[defaults]` lines and one `[[sources]]` table per
/// `(name, path, extra keys)`.
fn profile(dir: &Path, defaults: &str, sources: &[(&str, &str, &str)]) -> PathBuf {
    let mut text = format!("[pilot]\nname = \"csv-dialects\"\n\n[defaults]\n{defaults}\n");
    for (name, path, extra) in sources {
        text.push_str(&format!("\n[[sources]]\nname = \"{name}\"\npath = \"{path}\"\n{extra}\n"));
    }
    write(dir, "profile.toml", text)
}

/// Scans and checks that every source was read.
fn scan(profile: &Path) -> Value {
    let (code, r) = scan_json(profile, &[]);
    assert!(code == 0 || code == 1, "the scan ran (exit {code}): {r}");
    for s in r["sources"].as_array().into_iter().flatten() {
        assert_eq!(s["status"], "ok", "source {} was read: {}", s["name"], s["error"]);
    }
    r
}

/// `(line, value)` of each evidence example of a finding.
fn evidence(f: &Value) -> Vec<(u64, Value)> {
    f["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["line"].as_u64().unwrap_or_else(|| panic!("evidence without a line: {e}")), e["value"].clone()))
        .collect()
}

fn must<'a>(r: &'a Value, id: &str) -> &'a Value {
    finding(r, id).unwrap_or_else(|| panic!("no finding {id}; findings: {}", r["findings"]))
}

fn names(s: &Value) -> Vec<&str> {
    s["columns"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect()
}

#[test]
fn each_delimiter_is_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let all = [',', ';', '\t', '|'];
    let mut sources = Vec::new();
    for (i, d) in all.into_iter().enumerate() {
        // The values hold the other candidate delimiters, and row 3 quotes the real one.
        let others: Vec<char> = all.into_iter().filter(|&o| o != d).collect();
        let text = format!(
            "id{d}name{d}note\n1{d}Ann{d}a{}b\n2{d}{d}c{}d{}e\n3{d}Bob{d}\"f{d}g\"\n",
            others[0], others[1], others[2]
        );
        let file = if d == '\t' { format!("d{i}.tsv") } else { format!("d{i}.csv") };
        write(dir.path(), &file, text);
        sources.push((format!("d{i}"), file));
    }
    let specs: Vec<(&str, &str, &str)> = sources.iter().map(|(n, f)| (n.as_str(), f.as_str(), "")).collect();
    let r = scan(&profile(dir.path(), "", &specs));
    for (i, (d, shown)) in all.into_iter().zip([",", ";", "\\t", "|"]).enumerate() {
        let s = source(&r, &format!("d{i}"));
        assert_eq!(s["csv"]["delimiter"], shown, "{s}");
        assert_eq!(names(s), ["id", "name", "note"], "delimiter {shown}");
        assert_eq!(s["csv"]["ragged_rows"], 0);
        // 3 rows; `name` is null on line 3 (`2<d><d>`).
        assert_eq!(s["rows"], 3);
        assert_eq!(column(s, "name")["nulls"], 1);
        assert_eq!(column(s, "id")["type"], "integer");
        // note: `a?b`, `c?d?e`, `f<d>g` (quoted): 3 distinct, min the first, max the quoted one.
        let note = column(s, "note");
        let others: Vec<char> = all.into_iter().filter(|&o| o != d).collect();
        assert_eq!(note["distinct"], 3);
        assert_eq!(note["min"], format!("a{}b", others[0]));
        assert_eq!(note["max"], format!("f{d}g"));
    }
}

#[test]
fn semicolon_file_with_decimal_commas() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Every line has exactly 1 comma and 2 semicolons: both are steady, the larger count wins.
    let text = "id;amount, EUR;note\n1;3,50;a\n2;4,75;b\n3;10,00;c\n";
    write(dir.path(), "amounts.csv", text);
    let r = scan(&profile(dir.path(), "", &[("s", "amounts.csv", "")]));
    let s = source(&r, "s");
    assert_eq!(s["csv"]["delimiter"], ";");
    assert_eq!(names(s), ["id", "amount, EUR", "note"]);
    // `3,50` is not a number in Rust's parser: the column is text, 3 distinct values.
    assert_eq!(column(s, "amount, EUR")["distinct"], 3);
    assert_eq!(column(s, "amount, EUR")["max"], "4,75");
}

#[test]
fn quoted_fields_keep_delimiters_newlines_and_physical_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,body,cat\n\
                1,\"a, b\",x\n\
                2,\"Line one\nline two, still body\nline three\",y\n\
                3,N/A,z\n\
                4,\"say \"\"hi\"\"\",\n\
                5,\"\",x\n";
    // line 1 header; 2: row 1; 3-5: row 2 (one record over 3 lines); 6: row 3; 7: row 4;
    // 8: row 5.
    write(dir.path(), "q.csv", text);
    let r = scan(&profile(dir.path(), "", &[("q", "q.csv", "required = [\"body\", \"cat\"]")]));
    let s = source(&r, "q");
    assert_eq!(s["rows"], 5);
    assert_eq!(s["csv"]["ragged_rows"], 0);
    // body: "a, b", the 3-line value, N/A (placeholder, line 6), `say "hi"`, "" (blank, line 8).
    let body = column(s, "body");
    assert_eq!(
        (body["nulls"].as_u64(), body["blanks"].as_u64(), body["placeholders"].as_u64()),
        (Some(0), Some(1), Some(1))
    );
    assert_eq!(body["missing"], 2);
    assert_eq!(body["missing_share"], 0.4);
    assert_eq!(body["distinct"], 3);
    // Byte order: `L` < `a` < `s`: the multi-line value is the min, the unescaped quotes the max.
    assert_eq!(body["min"], "Line one\nline two, still body\nline three");
    assert_eq!(body["max"], "say \"hi\"");
    // cat: x, y, z, null (line 7), x.
    let cat = column(s, "cat");
    assert_eq!((cat["nulls"].as_u64(), cat["distinct"].as_u64()), (Some(1), Some(3)));
    // Complete: rows 1 and 2 only (lines 2, 3).
    assert_eq!(s["complete_rows"], 2);
    // Evidence is at the physical line each record starts on: the row after the 3-line field
    // is on line 6, not 4.
    let f = must(&r, "missing.max_missing_share.q.body");
    assert_eq!(evidence(f), [(6, json!("N/A")), (8, json!(""))]);
    let f = must(&r, "missing.max_missing_share.q.cat");
    assert_eq!(evidence(f), [(7, Value::Null)]);
}

#[test]
fn bom_is_not_part_of_the_first_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "plain.csv", "\u{feff}id;name\n1;a\n2;b\n");
    write(dir.path(), "quoted.csv", "\u{feff}\"id\",\"name\"\n1,a\n2,\n");
    let extra = "required = [\"id\", \"name\"]\nkey = \"id\"";
    let r = scan(&profile(dir.path(), "", &[("plain", "plain.csv", extra), ("quoted", "quoted.csv", extra)]));
    for (name, delimiter, name_nulls) in [("plain", ";", 0), ("quoted", ",", 1)] {
        let s = source(&r, name);
        assert_eq!(s["csv"]["bom"], true);
        assert_eq!(s["csv"]["delimiter"], delimiter);
        assert_eq!(names(s), ["id", "name"], "{name}");
        assert_eq!(s["absent_required"], json!([]));
        assert!(finding(&r, &format!("missing.required_absent.{name}.id")).is_none());
        assert_eq!(s["keys"]["column"], "id");
        // 2 rows; id 1, 2.
        assert_eq!(s["rows"], 2);
        assert_eq!(column(s, "id")["type"], "integer");
        assert_eq!(column(s, "id")["min"], "1");
        assert_eq!(column(s, "name")["nulls"], name_nulls);
    }
}

#[test]
fn crlf_line_endings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,name,code\r\n\
                1,Ann,A\r\n\
                2,,B\r\n\
                3,\" \",\r\n\
                4,\"\",\"\"\r\n\
                5,\"Multi\r\nline\",   \r\n\
                6,Eve,N/A\r\n";
    // line 1 header; 2-5: rows 1-4; 6-7: row 5 (a quoted CRLF); 8: row 6.
    write(dir.path(), "crlf.csv", text);
    let r = scan(&profile(dir.path(), "", &[("w", "crlf.csv", "required = [\"name\", \"code\"]")]));
    let s = source(&r, "w");
    assert_eq!(s["rows"], 6);
    assert_eq!(names(s), ["id", "name", "code"]);
    // code (last field, where a `\r` would stick): A, B, null (line 4), "" (line 5),
    // "   " (line 6), N/A (line 8) -> 1 null, 2 blanks, 1 placeholder; present A, B.
    let code = column(s, "code");
    assert_eq!(
        (code["nulls"].as_u64(), code["blanks"].as_u64(), code["placeholders"].as_u64()),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(code["missing_share"], 0.6667);
    assert_eq!(code["distinct"], 2);
    assert_eq!((code["min"].as_str(), code["max"].as_str()), (Some("A"), Some("B")));
    // name: Ann, null (3), " " (4), "" (5), "Multi\r\nline" (a quoted CRLF is data), Eve.
    let name = column(s, "name");
    assert_eq!(
        (name["nulls"].as_u64(), name["blanks"].as_u64(), name["placeholders"].as_u64()),
        (Some(1), Some(2), Some(0))
    );
    assert_eq!(name["distinct"], 3);
    assert_eq!((name["min"].as_str(), name["max"].as_str()), (Some("Ann"), Some("Multi\r\nline")));
    assert_eq!(column(s, "id")["max"], "6");
    // Complete: only line 2.
    assert_eq!(s["complete_rows"], 1);
    let f = must(&r, "missing.max_missing_share.w.code");
    assert_eq!(evidence(f), [(4, Value::Null), (5, json!("")), (6, json!("   ")), (8, json!("N/A"))]);
    let f = must(&r, "missing.max_missing_share.w.name");
    assert_eq!(evidence(f), [(3, Value::Null), (4, json!(" ")), (5, json!(""))]);
}

/// A file rich enough that gzip could change something: BOM, CRLF, quotes, every measure.
const RICH: &str = "\u{feff}id,updated_at,category,body\r\n\
                    T1,2025-01-09T10:00:00Z,Billing,\"a, b\"\r\n\
                    T2,2023-01-01,Billing,\"two\r\nlines\"\r\n\
                    T1,2025-02-01T00:00:00Z,billing ,N/A\r\n\
                    T3,soon,,\r\n\
                    T4,2025-01-08 09:30:00.5,Refunds,\"\"\r\n";

#[test]
fn gzip_is_read_transparently() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "t.csv", RICH);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(RICH.as_bytes()).expect("gzip");
    write(dir.path(), "t.csv.gz", gz.finish().expect("gzip"));
    let extra = "timestamp = \"updated_at\"\nlabel = \"category\"\nkey = \"id\"\nrequired = [\"id\", \"body\"]";
    let r =
        scan(&profile(dir.path(), "min_class_examples = 2", &[("plain", "t.csv", extra), ("gz", "t.csv.gz", extra)]));
    let (plain, gz) = (source(&r, "plain"), source(&r, "gz"));
    assert_eq!((plain["csv"]["gzip"].as_bool(), gz["csv"]["gzip"].as_bool()), (Some(false), Some(true)));
    assert_eq!(gz["kind"], "csv");
    // Hand count: 5 rows (lines 2, 3-4, 5, 6, 7); body missing on lines 5 (N/A), 6 (null),
    // 7 (""); category missing on line 6; T1 twice; line 3 stale, line 5 future, line 6
    // unparseable.
    assert_eq!(plain["rows"], 5);
    assert_eq!(column(plain, "body")["missing"], 3);
    assert_eq!(plain["keys"]["duplicates"], 1);
    assert_eq!(plain["staleness"]["stale_rows"], 1);
    assert_eq!(plain["staleness"]["future_rows"], 1);
    assert_eq!(plain["staleness"]["unparseable"], 1);
    assert_eq!(plain["labels"]["labeled"], 4);
    // Every measure is the same; only the file facts differ.
    for key in ["rows", "complete_rows", "ready_rows", "ready_share", "columns", "absent_required", "labels", "keys"] {
        assert_eq!(plain[key], gz[key], "`{key}` differs between t.csv and t.csv.gz");
    }
    let strip = |s: &Value| {
        let mut st = s["staleness"].clone();
        st["file_modified"] = Value::Null;
        let mut csv = s["csv"].clone();
        csv["gzip"] = Value::Null;
        (st, csv)
    };
    assert_eq!(strip(plain), strip(gz));
    // And so are the findings, source name aside.
    let of = |name: &str| -> Vec<Value> {
        r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["source"] == name)
            .map(|f| {
                let mut f = f.clone();
                f["id"] = json!(f["id"].as_str().unwrap_or_default().replace(&format!(".{name}"), ".SRC"));
                f["source"] = Value::Null;
                f["message"] = json!(f["message"].as_str().unwrap_or_default().replace("t.csv.gz", "t.csv"));
                f["value"] = json!(f["value"].as_str().map(|v| v.replace("t.csv.gz", "t.csv")));
                f
            })
            .collect()
    };
    assert_eq!(of("plain"), of("gz"));
}

#[test]
fn truncated_gzip_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        gz.write_all(format!("{i},value number {i}\n").as_bytes()).expect("gzip");
    }
    let bytes = gz.finish().expect("gzip");
    write(dir.path(), "cut.csv.gz", bytes.get(..bytes.len() / 2).expect("half"));
    write(dir.path(), "ok.csv", "id,v\n1,a\n");
    let (code, r) = scan_json(&profile(dir.path(), "", &[("ok", "ok.csv", ""), ("cut", "cut.csv.gz", "")]), &[]);
    assert_eq!(code, 1);
    let s = source(&r, "cut");
    assert_eq!(s["status"], "error");
    let error = s["error"].as_str().unwrap_or_default();
    assert!(error.contains("cut.csv.gz") && error.contains("gzip"), "{error}");
    assert_eq!(must(&r, "access.readable.cut")["severity"], "FAIL");
    assert_eq!(source(&r, "ok")["rows"], 1);
}

#[test]
fn empty_field_is_null_and_quoted_empty_or_whitespace_is_blank() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,v\n\
                1,\n\
                2,\"\"\n\
                3,\"   \"\n\
                4,   \n\
                5,x\n\
                6,\"x\"\n\
                7,\t\n\
                8,";
    // v: line 2 null; 3 "" blank; 4 "   " blank; 5 unquoted spaces blank; 6, 7 `x` (quoting
    // does not change the value); 8 a tab, blank; 9 null at the end of a file without a
    // final newline. 8 rows: 2 nulls + 4 blanks = 6 missing, 6 / 8 = 0.75.
    write(dir.path(), "v.csv", text);
    let r = scan(&profile(dir.path(), "", &[("v", "v.csv", "required = [\"v\"]\ndelimiter = \",\"")]));
    let s = source(&r, "v");
    assert_eq!(s["rows"], 8);
    let v = column(s, "v");
    assert_eq!((v["nulls"].as_u64(), v["blanks"].as_u64(), v["placeholders"].as_u64()), (Some(2), Some(4), Some(0)));
    assert_eq!(v["missing"], 6);
    assert_eq!(v["missing_share"], 0.75);
    assert_eq!(v["distinct"], 1);
    assert_eq!(s["complete_rows"], 2);
    let f = must(&r, "missing.max_missing_share.v.v");
    assert_eq!(f["severity"], "FAIL");
    assert_eq!(f["message"], "75% missing (fail above 10%): 2 null, 4 blank, 0 placeholder");
    // The first 5 of the 6.
    assert_eq!(evidence(f), [(2, Value::Null), (3, json!("")), (4, json!("   ")), (5, json!("   ")), (8, json!("\t"))]);
}

#[test]
fn placeholders_are_case_insensitive_after_trim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,v\n\
                1,  n/a \n\
                2,N/A\n\
                3,\"  NULL \"\n\
                4,Unknown\n\
                5,tbd\n\
                6,-\n\
                7,?\n\
                8,None\n\
                9,na\n\
                10,n/a/b\n\
                11,nan\n\
                12,N / A\n\
                13,unknown value\n\
                14,--\n";
    // Lines 2-10 are on the default list once trimmed and case-folded: 9 placeholders.
    // Lines 11-15 are not: 5 present, distinct. 14 rows.
    write(dir.path(), "p.csv", text);
    let r = scan(&profile(dir.path(), "", &[("p", "p.csv", "required = [\"v\"]")]));
    let s = source(&r, "p");
    assert_eq!(s["rows"], 14);
    let v = column(s, "v");
    assert_eq!((v["nulls"].as_u64(), v["blanks"].as_u64(), v["placeholders"].as_u64()), (Some(0), Some(0), Some(9)));
    assert_eq!(v["missing_share"], 0.6429);
    assert_eq!(v["distinct"], 5);
    // Evidence keeps the value as written.
    let f = must(&r, "missing.max_missing_share.p.v");
    assert_eq!(
        evidence(f),
        [(2, json!("  n/a ")), (3, json!("N/A")), (4, json!("  NULL ")), (5, json!("Unknown")), (6, json!("tbd"))]
    );
}

#[test]
fn profile_placeholders_replace_the_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    // With placeholders = ["missing", "TBD"]: lines 2 (`MISSING `) and 4 (`tbd`) count;
    // `N/A` (line 3) is an ordinary value now.
    write(dir.path(), "p.csv", "id,v\n1,MISSING \n2,N/A\n3,tbd\n4,ok\n");
    let r = scan(&profile(dir.path(), "placeholders = [\"missing\", \"TBD\"]", &[("p", "p.csv", "")]));
    let v = column(source(&r, "p"), "v");
    assert_eq!(v["placeholders"], 2);
    assert_eq!(v["distinct"], 2);
}

#[test]
fn required_columns_missing_share_and_complete_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,name,email\n1,Ann,a@x.io\n2,,b@x.io\n3,Cid,\n4,Dee,d@x.io\n";
    // name null on line 3, email null on line 4: complete rows with all three are lines 2, 5.
    write(dir.path(), "people.csv", text);
    let r = scan(&profile(
        dir.path(),
        "",
        &[
            ("present", "people.csv", "required = [\"id\", \"name\", \"email\"]\npii = [\"email\"]"),
            ("absent", "people.csv", "required = [\"id\", \"name\", \"phone\"]\npii = [\"email\"]"),
        ],
    ));
    let s = source(&r, "present");
    assert_eq!(s["rows"], 4);
    assert_eq!(s["complete_rows"], 2);
    assert_eq!(s["ready_rows"], 2);
    assert_eq!(s["ready_share"], 0.5);
    for c in ["name", "email"] {
        let col = column(s, c);
        assert_eq!((col["required"].as_bool(), col["missing_share"].as_f64()), (Some(true), Some(0.25)), "{col}");
        let f = must(&r, &format!("missing.max_missing_share.present.{c}"));
        assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("FAIL"), Some("25%")));
    }
    assert_eq!(column(s, "id")["missing_share"], 0.0);
    assert_eq!(column(s, "id")["required"], true);
    // `phone` is not in the file: a FAIL of its own, and no row can be complete.
    let s = source(&r, "absent");
    assert_eq!(s["absent_required"], json!(["phone"]));
    assert_eq!(s["complete_rows"], 0);
    assert_eq!(s["ready_rows"], 0);
    assert_eq!(s["ready_share"], 0.0);
    assert_eq!(column(s, "name")["missing_share"], 0.25);
    assert_eq!(column(s, "email")["required"], false);
    let f = must(&r, "missing.required_absent.absent.phone");
    assert_eq!(
        (f["severity"].as_str(), f["column"].as_str(), f["value"].as_str()),
        (Some("FAIL"), Some("phone"), Some("absent"))
    );
    assert!(finding(&r, "missing.required_absent.present.email").is_none());
}

#[test]
fn timestamps_in_every_accepted_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    // As of 2025-01-10T10:00:00Z, stale_after 365d: stale before 2024-01-11T10:00:00Z.
    let text = "id,ts\n\
                1,2025-01-09T10:00:00Z\n\
                2,2025-01-09T13:30:00+02:00\n\
                3,2025-01-08 09:30:00.5\n\
                4,2025-01-08 09:30:00\n\
                5,2025-01-05\n\
                6,2025-01-07T08:00:00\n\
                7,2023-01-01\n\
                8,2024-01-11T10:00:00Z\n\
                9,2024-01-11T09:59:59Z\n\
                10,2025-02-01T00:00:00Z\n\
                11,yesterday\n\
                12,2025-13-01\n\
                13,01/02/2025\n\
                14,\n\
                15,2024-06-30T23:59:59.123456-05:00\n";
    // line  value                         parsed  naive  age (whole days)  note
    //  2    ...09T10:00:00Z               yes     no     1                 bucket <2
    //  3    ...09T13:30+02:00 = 11:30Z    yes     no     0 (22h 30m)       newest at or before as-of
    //  4    ...08 09:30:00.5              yes     yes    2                 bucket <7
    //  5    ...08 09:30:00                yes     yes    2                 bucket <7
    //  6    2025-01-05                    yes     yes    5                 bucket <7
    //  7    ...07T08:00:00                yes     yes    3                 bucket <7
    //  8    2023-01-01                    yes     yes    740               stale, oldest, bucket <1825
    //  9    2024-01-11T10:00:00Z          yes     no     365               exactly the limit: not stale, <730
    // 10    2024-01-11T09:59:59Z          yes     no     365               stale, bucket <730
    // 11    2025-02-01T00:00:00Z          yes     no     -                 future, newest
    // 12-14 yesterday, month 13, 01/02/2025: unparseable
    // 15    null
    // 16    ...-05:00 = 2024-07-01T04:59:59.123456Z  yes  no  193          bucket <365
    // 15 rows; parsed 11, naive 5, stale 2, future 1, unparseable 3.
    write(dir.path(), "ts.csv", text);
    let r = scan(&profile(dir.path(), "", &[("t", "ts.csv", "timestamp = \"ts\"")]));
    let s = source(&r, "t");
    assert_eq!(s["rows"], 15);
    let st = &s["staleness"];
    assert_eq!(st["column"], "ts");
    assert_eq!(st["naive_utc"], 5, "{st}");
    assert_eq!(st["stale_rows"], 2);
    assert_eq!(st["stale_share"], 0.1333);
    assert_eq!(st["future_rows"], 1);
    assert_eq!(st["unparseable"], 3);
    assert_eq!(st["newest"], "2025-02-01T00:00:00Z");
    // as_of - newest = -(21d 14h) = -1,864,800 s.
    assert_eq!(st["age_seconds"], -1_864_800);
    assert_eq!(st["newest_past"], "2025-01-09T11:30:00Z");
    assert_eq!(st["age_past_seconds"], 81_000);
    assert_eq!(st["oldest"], "2023-01-01T00:00:00Z");
    let hist: Vec<u64> =
        st["age_histogram"].as_array().into_iter().flatten().filter_map(|b| b["rows"].as_u64()).collect();
    assert_eq!(hist, [1, 1, 4, 0, 0, 0, 1, 2, 1, 0]);
    assert_eq!(column(s, "ts")["nulls"], 1);
    // Not stale: 15 - 2 (a null, future or unparseable timestamp is not stale).
    assert_eq!(s["ready_rows"], 13);

    let f = must(&r, "staleness.max_age.t");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("PASS"), Some("22h 30m")));
    assert_eq!(evidence(f), [(3, json!("2025-01-09T11:30:00Z"))]);
    let f = must(&r, "staleness.max_stale_share.t");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("PASS"), Some("13%")));
    assert_eq!(evidence(f), [(8, json!("2023-01-01")), (10, json!("2024-01-11T09:59:59Z"))]);
    let f = must(&r, "staleness.future_rows.t");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("WARN"), Some("1")));
    assert_eq!(evidence(f), [(11, json!("2025-02-01T00:00:00Z"))]);
    let f = must(&r, "staleness.unparseable.t");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("WARN"), Some("3")));
    assert_eq!(evidence(f), [(12, json!("yesterday")), (13, json!("2025-13-01")), (14, json!("01/02/2025"))]);
}

#[test]
fn a_column_of_timestamps_is_typed_and_ranged() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Mixed accepted forms only: the column is a timestamp column, min/max as instants.
    let text = "d,t\n2025-01-05,2025-01-09T13:30:00+02:00\n2024-12-31,2024-12-31 23:59:59\n";
    write(dir.path(), "ts.csv", text);
    let r = scan(&profile(dir.path(), "", &[("t", "ts.csv", "")]));
    let s = source(&r, "t");
    let d = column(s, "d");
    assert_eq!(
        (d["type"].as_str(), d["min"].as_str(), d["max"].as_str()),
        (Some("date"), Some("2024-12-31T00:00:00Z"), Some("2025-01-05T00:00:00Z"))
    );
    let t = column(s, "t");
    assert_eq!(
        (t["type"].as_str(), t["min"].as_str(), t["max"].as_str()),
        (Some("timestamp"), Some("2024-12-31T23:59:59Z"), Some("2025-01-09T11:30:00Z"))
    );
}

#[test]
fn labels_coverage_classes_rare_and_variants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,category\n\
                1,Billing\n\
                2,Technical\n\
                3,Billing\n\
                4,\"billing \"\n\
                5,\n\
                6,Refunds\n\
                7,Billing\n\
                8,\"\"\n\
                9,Technical\n\
                10,N/A\n\
                11,BILLING\n";
    // 11 rows. Unlabeled: line 6 (null), 9 ("" blank), 11 (N/A placeholder) -> labeled 8,
    // coverage 8 / 11 = 0.7273 (WARN: below 0.8, not below 0.5).
    // Classes: Billing 3 (lines 2, 4, 8), Technical 2, BILLING 1, Refunds 1, `billing ` 1.
    // min_class_examples = 2: rare are the three with 1 (ties in name order).
    // imbalance 3 / 1 = 3.0; variants: BILLING, Billing, `billing ` (trim + case-fold).
    write(dir.path(), "l.csv", text);
    let r = scan(&profile(dir.path(), "min_class_examples = 2", &[("l", "l.csv", "label = \"category\"")]));
    let s = source(&r, "l");
    let l = &s["labels"];
    assert_eq!(l["column"], "category");
    assert_eq!(l["labeled"], 8);
    assert_eq!(l["coverage"], 0.7273);
    assert_eq!(l["classes"], json!({"Billing": 3, "Technical": 2, "BILLING": 1, "Refunds": 1, "billing ": 1}));
    assert_eq!(l["rare_classes"], json!(["BILLING", "Refunds", "billing "]));
    assert_eq!(l["imbalance"], 3.0);
    assert_eq!(l["variant_labels"], json!([["BILLING", "Billing", "billing "]]));
    assert_eq!(s["ready_rows"], 8);
    // The label column is not hunted for suspected placeholders: Billing is a class.
    assert_eq!(column(s, "category")["suspected_placeholders"], json!([]));

    let f = must(&r, "labels.min_label_coverage.l");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("WARN"), Some("73%")));
    assert_eq!(evidence(f), [(6, Value::Null), (9, json!("")), (11, json!("N/A"))]);
    let f = must(&r, "labels.rare_classes.l");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("WARN"), Some("3")));
    let f = must(&r, "labels.variant_labels.l");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("WARN"), Some("1")));
}

#[test]
fn duplicated_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,v\nA1,x\nA2,x\nA1,x\nA3,x\nA2,x\nA1,x\n,x\n\"\",x\na1,x\nA4,x\n";
    // Keys by line: 2 A1, 3 A2, 4 A1 (again), 5 A3, 6 A2 (again), 7 A1 (again), 8 null,
    // 9 "" (blank), 10 a1 (case matters), 11 A4.
    // Distinct keys among present values: A1, A2, A3, a1, A4 = 5; duplicated: A1, A2 = 2.
    write(dir.path(), "k.csv", text);
    let r = scan(&profile(dir.path(), "", &[("k", "k.csv", "key = \"id\"")]));
    let s = source(&r, "k");
    assert_eq!(s["keys"]["column"], "id");
    assert_eq!(s["keys"]["distinct"], 5);
    assert_eq!(s["keys"]["duplicates"], 2);
    let id = column(s, "id");
    assert_eq!((id["nulls"].as_u64(), id["blanks"].as_u64(), id["distinct"].as_u64()), (Some(1), Some(1), Some(5)));
    let f = must(&r, "keys.duplicates.k");
    assert_eq!(
        (f["severity"].as_str(), f["value"].as_str(), f["column"].as_str()),
        (Some("FAIL"), Some("2"), Some("id"))
    );
    // Evidence: each repeated occurrence, in file order.
    assert_eq!(evidence(f), [(4, json!("A1")), (6, json!("A2")), (7, json!("A1"))]);
}

#[test]
fn ready_rows_need_complete_labeled_and_not_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,ts,label,body\n\
                1,2025-01-09,a,x\n\
                2,2020-01-01,a,x\n\
                3,2025-01-09,,x\n\
                4,2025-01-09,a,\n\
                5,,a,x\n\
                6,garbage,b,x\n\
                7,2025-03-01,b,x\n\
                8,2020-01-01,,\n\
                9,2025-01-09,N/A,x\n\
                10,2025-01-09,b,\"  \"\n";
    // line  complete  labeled  stale   ready
    //  2    yes       yes      no      yes
    //  3    yes       yes      yes     no
    //  4    yes       no       no      no
    //  5    no (null) yes      no      no
    //  6    yes       yes      - (no timestamp)   yes
    //  7    yes       yes      - (unparseable)    yes
    //  8    yes       yes      no (future)        yes
    //  9    no        no       yes     no
    // 10    yes       no (N/A) no      no
    // 11    no (blank) yes     no      no
    // 10 rows: complete 7, labeled 7, stale 2, ready 4.
    write(dir.path(), "r.csv", text);
    let extra = "timestamp = \"ts\"\nlabel = \"label\"\nrequired = [\"id\", \"body\"]";
    let r = scan(&profile(dir.path(), "min_class_examples = 1", &[("r", "r.csv", extra)]));
    let s = source(&r, "r");
    assert_eq!(s["rows"], 10);
    assert_eq!(s["complete_rows"], 7);
    assert_eq!(s["labels"]["labeled"], 7);
    assert_eq!(s["staleness"]["stale_rows"], 2);
    assert_eq!(s["ready_rows"], 4);
    assert_eq!(s["ready_share"], 0.4);
}

#[test]
fn utf16_from_excel_is_decoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Excel's "Unicode text": UTF-16LE with a byte order mark, tab-separated, CRLF.
    let text = "\u{feff}id\tname\r\n1\tZoë\r\n2\t\r\n3\tÅsa\r\n";
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    write(dir.path(), "export.txt", bytes);
    let r = scan(&profile(dir.path(), "", &[("x", "export.txt", "required = [\"id\", \"name\"]")]));
    let s = source(&r, "x");
    assert_eq!(s["csv"]["delimiter"], "\\t");
    assert_eq!(s["csv"]["bom"], true);
    assert_eq!(names(s), ["id", "name"]);
    // 3 rows; name: Zoë, null (line 3), Åsa; valid text once decoded.
    assert_eq!(s["rows"], 3);
    let name = column(s, "name");
    assert_eq!((name["nulls"].as_u64(), name["invalid_utf8"].as_u64()), (Some(1), Some(0)));
    assert_eq!((name["min"].as_str(), name["max"].as_str()), (Some("Zoë"), Some("Åsa")));
    assert_eq!(evidence(must(&r, "missing.max_missing_share.x.name")), [(3, Value::Null)]);
}

#[test]
fn glob_of_parts_skips_dotfiles_and_names_the_part_in_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).expect("mkdir");
    write(&parts, "a.csv", "id,v\n1,x\n2,y\n");
    write(&parts, "b.csv", "id,v\n3,z\n4,\n");
    // macOS metadata beside the parts: not CSV, and not a part.
    write(&parts, "._a.csv", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X");
    let r = scan(&profile(dir.path(), "", &[("p", "parts/*.csv", "required = [\"v\"]")]));
    let s = source(&r, "p");
    // 2 + 2 rows; v null in b.csv line 3.
    assert_eq!(s["rows"], 4);
    let files: Vec<&str> = s["files"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0].ends_with("a.csv") && files[1].ends_with("b.csv"), "{files:?}");
    let f = must(&r, "missing.max_missing_share.p.v");
    let e = &f["evidence"][0];
    assert_eq!(e["line"], 3);
    assert!(e["file"].as_str().is_some_and(|p| p.ends_with("b.csv")), "{e}");
}

#[test]
fn ragged_rows_and_an_open_quote_in_a_glob_name_their_part() {
    // Regression: the evidence named only a line, which every part has.
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).expect("mkdir");
    write(&parts, "a.csv", "id,v\n1,x\n2,y\n");
    write(&parts, "b.csv", "id,v\n3,z\n4\n5,\"open\n");
    let r = scan(&profile(dir.path(), "", &[("p", "parts/*.csv", "")]));
    let f = must(&r, "format.ragged_rows.p");
    let e = &f["evidence"][0];
    assert_eq!((e["line"].as_u64(), e["value"].as_str()), (Some(3), Some("1 fields")), "{e}");
    assert!(e["file"].as_str().is_some_and(|p| p.ends_with("b.csv")), "{e}");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("line 3 of ") && message.contains("b.csv"), "{message}");
    let f = must(&r, "format.unterminated_quote.p");
    let e = &f["evidence"][0];
    assert_eq!(e["line"], 4, "{e}");
    assert!(e["file"].as_str().is_some_and(|p| p.ends_with("b.csv")), "{e}");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("line 4 of ") && message.contains("b.csv"), "{message}");
}

#[test]
fn folder_of_mixed_formats_needs_a_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mixed = dir.path().join("mixed");
    std::fs::create_dir(&mixed).expect("mkdir");
    write(&mixed, "a.csv", "id\n1\n2\n");
    std::fs::copy(crate::common::root().join("fixtures/demo/kb.parquet"), mixed.join("b.parquet")).expect("copy");
    let p = profile(dir.path(), "", &[("guess", "mixed", ""), ("told", "mixed", "format = \"csv\"")]);
    let (code, r) = scan_json(&p, &[]);
    assert_eq!(code, 1);
    // Which format a folder holds must not depend on the order the file system lists it in.
    let s = source(&r, "guess");
    assert_eq!(s["status"], "error");
    assert!(s["error"].as_str().is_some_and(|e| e.contains("format")), "{s}");
    // Told the format, the folder's CSV parts are read and the Parquet one left alone.
    let s = source(&r, "told");
    assert_eq!(s["status"], "ok", "{s}");
    assert_eq!(s["rows"], 2);
}
