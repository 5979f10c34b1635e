//! Broken sources: each test scans a profile holding one broken source beside a good CSV and
//! checks that the broken one becomes a FAIL finding with its evidence (or `status: "error"`
//! naming the file when it cannot be read at all), that the good one is still measured, that
//! the exit code is 1 and that nothing panics.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{AS_OF, column, finding, source, stderr, write};

/// The good source every profile here holds: 3 rows, nothing missing.
const GOOD_CSV: &str = "id,name\n1,Ann\n2,Bob\n3,Cid\n";

/// Writes `good.csv` and `profile.toml` (the good source, then `broken`, a `[[sources]]` table)
/// into `dir` and returns the profile's path.
fn write_profile(dir: &Path, broken: &str) -> std::path::PathBuf {
    write(dir, "good.csv", GOOD_CSV);
    let profile = format!(
        "[pilot]\nname = \"broken-sources\"\n\n\
         [[sources]]\nname = \"good\"\npath = \"good.csv\"\nrequired = [\"id\", \"name\"]\n\n\
         [[sources]]\n{broken}\n"
    );
    write(dir, "profile.toml", profile)
}

/// The JSON scan arguments for `profile`.
fn scan_args(profile: &Path) -> Vec<String> {
    ["scan", &profile.to_string_lossy(), "--format", "json", "--as-of", AS_OF, "--quiet"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Checks what every broken-source scan must show, and returns the report.
fn judged(o: &Output) -> Value {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "preflight panicked:\n{err}");
    let report: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("scan printed no JSON ({e}); stderr:\n{err}"));
    assert_eq!(o.status.code(), Some(1), "a broken source is a FAIL verdict (exit 1); stderr:\n{err}");
    assert_eq!(report["verdict"], "FAIL");
    assert_eq!(report["checklist"]["data_access"], "FAIL");
    // The good source is still scanned and measured.
    let good = source(&report, "good");
    assert_eq!(good["status"], "ok", "{good}");
    assert_eq!(good["error"], Value::Null);
    assert_eq!(good["rows"], 3);
    assert_eq!(good["ready_rows"], 3);
    assert_eq!(column(good, "id")["distinct"], 3);
    assert_eq!(column(good, "name")["missing"], 0);
    assert_eq!(finding(&report, "access.readable.good").expect("good is judged")["severity"], "PASS");
    report
}

/// Scans a profile with the good source and `broken` from the crate root.
fn scan(dir: &Path, broken: &str) -> Value {
    let profile = write_profile(dir, broken);
    let args = scan_args(&profile);
    let o = crate::common::bin().current_dir(crate::common::root()).args(&args).output().expect("preflight runs");
    judged(&o)
}

/// The source `name` could not be read: status `error`, its `error` names `file` and holds
/// `why`, its access check FAILs with that error, and it has no measures.
fn assert_unreadable<'a>(report: &'a Value, name: &str, file: &str, why: &str) -> &'a Value {
    let s = source(report, name);
    assert_eq!(s["status"], "error", "{s}");
    let error = s["error"].as_str().unwrap_or_else(|| panic!("no error text: {s}"));
    assert!(error.contains(file), "the error names `{file}`: {error}");
    assert!(error.contains(why), "the error says `{why}`: {error}");
    assert_eq!(s["access"]["readable"], false);
    assert_eq!(s["rows"], Value::Null, "an unread source has no row count");
    assert_eq!(s["ready_share"], Value::Null);
    assert_eq!(s["columns"], serde_json::json!([]));
    let id = format!("access.readable.{name}");
    let f = finding(report, &id).unwrap_or_else(|| panic!("no finding {id}"));
    assert_eq!(f["severity"], "FAIL", "{f}");
    assert_eq!(f["check"], "permissioned");
    assert_eq!(f["source"], name);
    assert_eq!(f["value"], "unreadable");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains(file) && message.contains(why), "the finding quotes the error: {message}");
    // Only access checks: no measure of an unread source is judged.
    let measured: Vec<&Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["source"] == name && f["check"] != "permissioned")
        .collect();
    assert!(measured.is_empty(), "an unread source has no measure findings: {measured:?}");
    s
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = scan(dir.path(), "name = \"gone\"\npath = \"nowhere/tickets.csv\"");
    let s = assert_unreadable(&r, "gone", "nowhere/tickets.csv", "does not exist");
    assert_eq!(s["access"]["reachable"], false);
    assert_eq!(s["kind"], "csv");
}

#[test]
fn glob_matching_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("parts")).expect("mkdir");
    // A file of another format in the folder must not count as a match.
    write(&dir.path().join("parts"), "notes.txt.bak", "x\n");
    let r = scan(dir.path(), "name = \"parts\"\npath = \"parts/*.csv\"");
    let s = assert_unreadable(&r, "parts", "parts/*.csv", "no files match");
    assert_eq!(s["access"]["reachable"], false);
}

/// Root bypasses file modes, so the scan runs as `nobody` (uid 65534) when the tests run as
/// root; the files live in a folder that user can enter.
#[test]
fn permission_denied() {
    let dir = tempfile::Builder::new()
        .prefix("preflight-perm")
        .tempdir_in(if Path::new("/tmp").is_dir() { Path::new("/tmp").to_path_buf() } else { std::env::temp_dir() })
        .expect("tempdir");
    let d = dir.path();
    let profile = write_profile(d, "name = \"locked\"\npath = \"locked.csv\"");
    let locked = write(d, "locked.csv", "id,name\n1,secret\n");
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
    };
    mode(d, 0o755);
    mode(&d.join("good.csv"), 0o644);
    mode(&profile, 0o644);
    mode(&locked, 0o600);

    let Some(mut cmd) = unprivileged(d) else {
        println!("skipped: running as root and neither setpriv nor runuser is available");
        return;
    };
    let o = cmd.current_dir(d).args(scan_args(&profile)).output().expect("preflight runs");
    let r = judged(&o);
    let s = assert_unreadable(&r, "locked", "locked.csv", "permission denied");
    // The error says who may read it; the file exists, so the source is reachable.
    let error = s["error"].as_str().unwrap_or_default();
    assert!(error.contains("mode 0600") && error.contains("owner root"), "{error}");
    assert_eq!(s["access"]["reachable"], true);
}

/// A folder the scan cannot enter: a glob into it, and the folder itself as a source of parts.
#[test]
fn permission_denied_on_a_folder() {
    let dir = tempfile::Builder::new()
        .prefix("preflight-perm")
        .tempdir_in(if Path::new("/tmp").is_dir() { Path::new("/tmp").to_path_buf() } else { std::env::temp_dir() })
        .expect("tempdir");
    let d = dir.path();
    let locked = d.join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    write(&locked, "a.csv", "id,name\n1,secret\n");
    let broken = "name = \"glob\"\npath = \"locked/*.csv\"\n\n\
                  [[sources]]\nname = \"folder\"\npath = \"locked\"\nformat = \"csv\"";
    let profile = write_profile(d, broken);
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
    };
    mode(d, 0o755);
    mode(&d.join("good.csv"), 0o644);
    mode(&profile, 0o644);
    mode(&locked, 0o700);

    let Some(mut cmd) = unprivileged(d) else {
        println!("skipped: running as root and neither setpriv nor runuser is available");
        return;
    };
    let o = cmd.current_dir(d).args(scan_args(&profile)).output().expect("preflight runs");
    let r = judged(&o);
    // Not "no files match": the folder may well hold matches, it just cannot be listed.
    for name in ["glob", "folder"] {
        let s = assert_unreadable(&r, name, "locked", "permission denied");
        let error = s["error"].as_str().unwrap_or_default();
        assert!(error.contains("mode 0700") && error.contains("owner root"), "{error}");
    }
}

/// A command that runs `preflight` unable to read root's 0600 files, or `None` when the tests
/// run as root and no tool can drop privileges.
fn unprivileged(dir: &Path) -> Option<Command> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0");
    let bin = Path::new(env!("CARGO_BIN_EXE_preflight")).to_path_buf();
    if !root {
        return Some(Command::new(bin));
    }
    let wrappers: [(&str, Vec<&str>); 2] = [
        ("setpriv", vec!["--reuid=65534", "--regid=65534", "--clear-groups", "--"]),
        ("runuser", vec!["-u", "nobody", "--"]),
    ];
    for (tool, args) in wrappers {
        let runs = |bin: &Path| {
            Command::new(tool).args(&args).arg(bin).arg("--version").output().is_ok_and(|o| o.status.success())
        };
        // The build directory may be closed to `nobody`: then run a copy from the temp folder.
        let usable = if runs(&bin) {
            Some(bin.clone())
        } else {
            let copy = dir.join("preflight");
            std::fs::copy(&bin, &copy).ok().filter(|_| runs(&copy)).map(|_| copy)
        };
        if let Some(b) = usable {
            let mut c = Command::new(tool);
            c.args(&args).arg(b).env_remove("NO_COLOR").env_remove("RUST_LOG");
            return Some(c);
        }
    }
    None
}

#[test]
fn truncated_parquet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = std::fs::read(crate::common::root().join("fixtures/demo/kb.parquet")).expect("kb.parquet");
    write(dir.path(), "kb.parquet", whole.get(..whole.len() / 2).expect("half"));
    let r = scan(dir.path(), "name = \"kb\"\npath = \"kb.parquet\"\ntimestamp = \"updated_at\"");
    let s = assert_unreadable(&r, "kb", "kb.parquet", "Parquet");
    assert_eq!(s["kind"], "parquet");
    // The file is there, it just is not a whole Parquet file.
    assert_eq!(s["access"]["reachable"], true);
}

#[test]
fn parquet_file_that_is_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "kb.parquet", "article_id,title\n101,Reset your password\n");
    let r = scan(dir.path(), "name = \"kb\"\npath = \"kb.parquet\"");
    let s = assert_unreadable(&r, "kb", "kb.parquet", "Parquet");
    assert_eq!(s["kind"], "parquet");
    assert_eq!(s["access"]["reachable"], true);
}

#[test]
fn ragged_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    // line 1 header, 3 fields. Ragged: lines 3 (2), 4 (4), 6 (1), 8 (2), 9 (5), 10 (2), 12 (1):
    // 7 rows, of which the evidence keeps the first 5 (lines 3, 4, 6, 8, 9).
    let text = "id,name,city\n\
                1,Ann,Oslo\n\
                2,Bob\n\
                3,Cid,Rome,extra\n\
                4,Dee,Nice\n\
                5\n\
                6,Eve,Bonn\n\
                7,Fay\n\
                8,Gus,Lima,x,y\n\
                9,Hal\n\
                10,Ivy,Pune\n\
                11\n";
    write(dir.path(), "people.csv", text);
    let r = scan(dir.path(), "name = \"people\"\npath = \"people.csv\"\nrequired = [\"id\", \"name\", \"city\"]");
    let s = source(&r, "people");
    assert_eq!(s["status"], "ok", "a ragged file is still read: {s}");
    let f = finding(&r, "format.ragged_rows.people").expect("ragged finding");
    assert_eq!(f["severity"], "FAIL");
    assert_eq!(f["check"], "clean");
    assert_eq!(f["value"], "7");
    assert_eq!(f["threshold"], "3 fields per row");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains('7') && message.contains("line 3"), "{message}");
    assert_eq!(
        f["evidence"],
        serde_json::json!([
            {"line": 3, "value": "2 fields"},
            {"line": 4, "value": "4 fields"},
            {"line": 6, "value": "1 fields"},
            {"line": 8, "value": "2 fields"},
            {"line": 9, "value": "5 fields"},
        ])
    );
    assert_eq!(s["csv"]["ragged_rows"], 7);
    // Every row is still measured: 11 rows; a short row's absent fields are nulls.
    assert_eq!(s["rows"], 11);
    let id = column(s, "id");
    assert_eq!(
        (id["type"].as_str(), id["distinct"].as_u64(), id["missing"].as_u64()),
        (Some("integer"), Some(11), Some(0))
    );
    assert_eq!((id["min"].as_str(), id["max"].as_str()), (Some("1"), Some("11")));
    // name: null on lines 6 and 12 -> 2 of 11.
    assert_eq!(column(s, "name")["nulls"], 2);
    assert_eq!(column(s, "name")["missing_share"], 0.1818);
    // city: null on lines 3, 6, 8, 10, 12 -> 5; present Oslo, Rome, Nice, Bonn, Lima, Pune.
    // Extra fields (`extra`, `x,y`) are dropped, not glued onto `city`.
    let city = column(s, "city");
    assert_eq!(city["nulls"], 5);
    assert_eq!(city["distinct"], 6);
    assert_eq!((city["min"].as_str(), city["max"].as_str()), (Some("Bonn"), Some("Rome")));
    // Complete rows: lines 2, 4, 5, 7, 9, 11 -> 6.
    assert_eq!(s["complete_rows"], 6);
    assert_eq!(s["ready_rows"], 6);
}

#[test]
fn invalid_utf8_in_a_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = b"id,name,note\n1,Ann,ok\n2,B".to_vec();
    text.extend_from_slice(b"\xffob,ok\n"); // line 3: a byte that is never UTF-8
    text.extend_from_slice(b"3,Cid,\"two\nlines\"\n"); // lines 4-5, valid
    text.extend_from_slice(b"4,D\xe9e,ok\n"); // line 6: Latin-1 `e-acute`
    text.extend_from_slice(b"5,Eve,ok\n"); // line 7
    write(dir.path(), "names.csv", text);
    let r = scan(dir.path(), "name = \"names\"\npath = \"names.csv\"");
    let s = source(&r, "names");
    assert_eq!(s["status"], "ok", "{s}");
    let f = finding(&r, "format.invalid_utf8.names.name").expect("invalid UTF-8 finding");
    assert_eq!(f["severity"], "FAIL");
    assert_eq!(f["column"], "name");
    assert_eq!(f["value"], "2");
    let lines: Vec<&Value> = f["evidence"].as_array().into_iter().flatten().map(|e| &e["line"]).collect();
    assert_eq!(lines, [3, 6]);
    assert_eq!(column(s, "name")["invalid_utf8"], 2);
    // Other columns are clean and still measured.
    assert!(finding(&r, "format.invalid_utf8.names.note").is_none());
    assert!(finding(&r, "format.invalid_utf8.names.id").is_none());
    assert_eq!(s["rows"], 5);
    assert_eq!(column(s, "note")["distinct"], 2);
    assert_eq!(column(s, "id")["max"], "5");
    assert_eq!(s["csv"]["invalid_utf8_rows"], 2);
}

#[test]
fn invalid_utf8_rows_counts_rows_not_the_worst_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One bad value in `name` (line 2) and one in `note` (line 3): two rows hold invalid UTF-8.
    let text = b"id,name,note\n1,\xff,ok\n2,Bob,\xfe\n3,Cid,ok\n".to_vec();
    write(dir.path(), "names.csv", text);
    let r = scan(dir.path(), "name = \"names\"\npath = \"names.csv\"");
    let s = source(&r, "names");
    assert_eq!(column(s, "name")["invalid_utf8"], 1);
    assert_eq!(column(s, "note")["invalid_utf8"], 1);
    assert_eq!(s["csv"]["invalid_utf8_rows"], 2);
    let lines = |id: &str| finding(&r, id).map(|f| f["evidence"][0]["line"].clone());
    assert_eq!(lines("format.invalid_utf8.names.name"), Some(2.into()));
    assert_eq!(lines("format.invalid_utf8.names.note"), Some(3.into()));
}

#[test]
fn quote_that_never_closes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Line 4 opens a quote that runs to the end of the file: rows are lines 2, 3 and the
    // record starting at line 4 (which swallows lines 5-6).
    let text = "id,name,note\n1,Ann,ok\n2,Bob,ok\n3,Cid,\"never\ncloses\n4,Dee,ok\n";
    write(dir.path(), "open.csv", text);
    let r = scan(dir.path(), "name = \"open\"\npath = \"open.csv\"\nrequired = [\"id\", \"name\", \"note\"]");
    let s = source(&r, "open");
    assert_eq!(s["status"], "ok", "{s}");
    let f = finding(&r, "format.unterminated_quote.open").expect("unterminated quote finding");
    assert_eq!(f["severity"], "FAIL");
    assert_eq!(f["check"], "clean");
    assert_eq!(f["value"], "line 4");
    assert!(f["message"].as_str().unwrap_or_default().contains("line 4"), "{f}");
    assert_eq!(f["evidence"], serde_json::json!([{"line": 4, "value": null}]));
    assert_eq!(s["csv"]["unterminated_quote_line"], 4);
    assert_eq!(s["rows"], 3);
    assert_eq!(column(s, "id")["max"], "3");
    // Not mistaken for a ragged file.
    assert!(finding(&r, "format.ragged_rows.open").is_none());
}

#[test]
fn quote_that_never_closes_on_the_last_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The file is cut inside the last field, without a final newline.
    let text = "id,note\n1,ok\n2,\"cut here";
    write(dir.path(), "cut.csv", text);
    let r = scan(dir.path(), "name = \"cut\"\npath = \"cut.csv\"");
    let f = finding(&r, "format.unterminated_quote.cut").expect("unterminated quote finding");
    assert_eq!(f["severity"], "FAIL");
    assert_eq!(f["evidence"], serde_json::json!([{"line": 3, "value": null}]));
    assert_eq!(source(&r, "cut")["rows"], 2);
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "empty.csv", "");
    let r = scan(dir.path(), "name = \"empty\"\npath = \"empty.csv\"\nrequired = [\"id\"]");
    let s = assert_unreadable(&r, "empty", "empty.csv", "empty");
    // The file exists: it is reachable, but there is nothing to read.
    assert_eq!(s["access"]["reachable"], true);
}

#[test]
fn header_only_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "header.csv", "id,updated_at,category\r\n");
    let broken = "name = \"header\"\npath = \"header.csv\"\ntimestamp = \"updated_at\"\n\
                  label = \"category\"\nkey = \"id\"\nrequired = [\"id\", \"category\"]";
    let profile = write_profile(dir.path(), broken);
    let o = crate::common::run(&scan_args(&profile).iter().map(String::as_str).collect::<Vec<_>>());
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(!text.contains("NaN"), "no NaN in the report:\n{text}");
    let r = judged(&o);
    let s = source(&r, "header");
    assert_eq!(s["status"], "ok", "{s}");
    assert_eq!(s["rows"], 0);
    assert_eq!(s["complete_rows"], 0);
    assert_eq!(s["ready_rows"], 0);
    // 0 / 0 is reported as 0, a number (serde writes NaN as null).
    assert_eq!(s["ready_share"], 0.0);
    for c in ["id", "updated_at", "category"] {
        let col = column(s, c);
        assert_eq!(col["missing"], 0, "{col}");
        assert_eq!(col["missing_share"], 0.0, "{col}");
        assert_eq!(col["type"], "empty", "{col}");
    }
    let st = &s["staleness"];
    assert_eq!((st["stale_rows"].as_u64(), st["stale_share"].as_f64()), (Some(0), Some(0.0)), "{st}");
    assert_eq!(st["newest"], Value::Null);
    let l = &s["labels"];
    assert_eq!((l["labeled"].as_u64(), l["coverage"].as_f64()), (Some(0), Some(0.0)), "{l}");
    assert_eq!(l["imbalance"], Value::Null);
    assert_eq!(l["classes"], serde_json::json!({}));
    assert_eq!(s["keys"]["distinct"], 0);
    // No rows: nothing is labeled and the data has no age, both FAIL.
    let f = finding(&r, "labels.min_label_coverage.header").expect("label coverage finding");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("FAIL"), Some("0%")));
    assert_eq!(f["evidence"], serde_json::json!([]));
    let f = finding(&r, "staleness.max_age.header").expect("max_age finding");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("FAIL"), Some("none")));
    // Missing shares of required columns are 0 / 0 = 0: PASS, not NaN.
    let f = finding(&r, "missing.max_missing_share.header.id").expect("missing finding");
    assert_eq!((f["severity"].as_str(), f["value"].as_str()), (Some("PASS"), Some("0%")));

    // The text report renders the empty source too.
    let o = crate::common::run(&["scan", &profile.to_string_lossy(), "--as-of", AS_OF, "--quiet"]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains("NaN") && !text.contains("inf%"), "{text}");
}
