//! The command line (DESIGN §1): bad arguments exit 2 with a message, verdicts map to exit
//! codes, `--format`/`--out` pairs, the JSON report's fixed keys, and what a terminal sees
//! (colour, progress bars) versus a pipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{AS_OF, run, scan_json, stderr, stdout, write};

/// A profile over one CSV of four clean, labeled rows whose newest `updated_at` is `newest`.
/// With the default `max_age` (warn 2d, fail 7d) its age alone decides the verdict.
struct Fixture {
    dir: tempfile::TempDir,
    profile: PathBuf,
}

fn fixture(newest: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write(
        dir.path(),
        "orders.csv",
        format!(
            "id,updated_at,category,body\n\
             1,{newest},billing,refund please\n\
             2,{newest},billing,card declined\n\
             3,{newest},shipping,where is my parcel\n\
             4,{newest},shipping,parcel damaged\n"
        ),
    );
    let profile = write(
        dir.path(),
        "profile.toml",
        r#"[pilot]
name = "tiny"
owner = "ops@example.com"

[defaults]
min_class_examples = 1

[[sources]]
name = "orders"
path = "orders.csv"
timestamp = "updated_at"
label = "category"
key = "id"
required = ["id", "category", "body"]
"#,
    );
    Fixture { dir, profile }
}

/// Newest record 1 day old at `AS_OF`: PASS.
fn passing() -> Fixture {
    fixture("2025-01-09T10:00:00Z")
}

/// Newest record 3 days old: WARN (warn at 2d).
fn warning() -> Fixture {
    fixture("2025-01-07T10:00:00Z")
}

/// Newest record 9 days old: FAIL (fail at 7d).
fn failing() -> Fixture {
    fixture("2025-01-01T10:00:00Z")
}

fn p(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Asserts exit code 2, nothing on stdout, and these lines on stderr.
fn assert_usage_error(out: &Output, lines: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr:\n{err}");
    assert_eq!(stdout(out), "", "stdout of a usage error; stderr:\n{err}");
    assert!(err.starts_with("error: "), "stderr:\n{err}");
    for l in lines {
        assert!(err.lines().any(|x| x == *l), "stderr lacks the line {l:?}:\n{err}");
    }
}

#[test]
fn bad_as_of() {
    let f = passing();
    let out = run(&["scan", &p(&f.profile), "--as-of", "yesterday"]);
    assert_usage_error(
        &out,
        &["error: `--as-of yesterday` is not a timestamp", "hint: use RFC 3339, e.g. `2025-01-10T10:00:00Z`"],
    );
}

#[test]
fn zero_jobs() {
    let f = passing();
    let out = run(&["scan", &p(&f.profile), "--jobs", "0"]);
    assert_usage_error(&out, &["error: `--jobs 0`: expected at least 1 worker"]);
    let out = run(&["scan", &p(&f.profile), "--jobs", "many"]);
    assert_usage_error(&out, &["error: invalid value 'many' for '--jobs <JOBS>': invalid digit found in string"]);
}

#[test]
fn unknown_format() {
    let f = passing();
    let out = run(&["scan", &p(&f.profile), "--format", "xml"]);
    assert_usage_error(&out, &["error: invalid value 'xml' for '--format <FORMATS>'"]);
    assert!(
        stderr(&out).contains("[possible values: text, json, markdown, html, junit, csv, github, gitlab]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn more_outs_than_formats() {
    let f = passing();
    let a = f.dir.path().join("a.json");
    let b = f.dir.path().join("b.json");
    let out = run(&["scan", &p(&f.profile), "--format", "json", "--out", &p(&a), "--out", &p(&b)]);
    assert_usage_error(
        &out,
        &["error: 2 `--out` paths for 1 `--format`", "hint: give one `--format` per `--out`, in the same order"],
    );
    assert!(!a.exists() && !b.exists(), "a report was written despite the error");
}

#[test]
fn two_formats_on_stdout() {
    let f = passing();
    let out = run(&["scan", &p(&f.profile), "--format", "json", "--format", "text"]);
    assert_usage_error(
        &out,
        &["error: more than one format would go to stdout", "hint: give each format but one an `--out PATH`"],
    );
}

#[test]
fn missing_profile_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let missing = dir.path().join("nope.toml");
    for command in ["scan", "check"] {
        let out = run(&[command, &p(&missing)]);
        let err = stderr(&out);
        assert_usage_error(&out, &[]);
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("error: failed to read profile `{}`: ", missing.display())),
            "{command}: {err}"
        );
    }
}

#[test]
fn unknown_subcommand_and_missing_argument() {
    let out = run(&["frobnicate"]);
    assert_usage_error(&out, &["error: unrecognized subcommand 'frobnicate'", "Usage: preflight <COMMAND>"]);
    let out = run(&["scan"]);
    assert_usage_error(&out, &["error: the following required arguments were not provided:", "  <PROFILE>"]);
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "no subcommand: {}", stderr(&out));
}

#[test]
fn help_and_version_exit_zero() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("preflight {}\n", env!("CARGO_PKG_VERSION")));
    let out = run(&["scan", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--as-of <AS_OF>"), "{}", stdout(&out));
}

#[test]
fn unwritable_out_is_a_usage_error() {
    let f = passing();
    let out_path = f.dir.path().join("no-such-folder").join("r.json");
    let out = run(&["scan", &p(&f.profile), "--as-of", AS_OF, "--quiet", "--format", "json", "--out", &p(&out_path)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(&format!("error: cannot write `{}`\n", out_path.display())), "{}", stderr(&out));
}

#[test]
fn pass_exits_zero() {
    let f = passing();
    let (code, report) = scan_json(&f.profile, &[]);
    assert_eq!(report["verdict"], "PASS", "{}", report["findings"]);
    assert_eq!(code, 0);
    let (code, _) = scan_json(&f.profile, &["--strict"]);
    assert_eq!(code, 0, "PASS with --strict");
}

#[test]
fn warn_exits_zero_unless_strict() {
    let f = warning();
    let (code, report) = scan_json(&f.profile, &[]);
    assert_eq!(report["verdict"], "WARN", "{}", report["findings"]);
    assert_eq!(report["checklist"]["current"], "WARN");
    assert_eq!(code, 0);
    let (code, report) = scan_json(&f.profile, &["--strict"]);
    assert_eq!(report["verdict"], "WARN");
    assert_eq!(code, 1, "WARN with --strict");
}

#[test]
fn fail_exits_one() {
    let f = failing();
    let (code, report) = scan_json(&f.profile, &[]);
    assert_eq!(report["verdict"], "FAIL", "{}", report["findings"]);
    assert_eq!(report["checklist"]["current"], "FAIL");
    assert_eq!(code, 1);
    let out = run(&["scan", &p(&f.profile), "--as-of", AS_OF, "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "text format: {}", stderr(&out));
}

#[test]
fn unreachable_source_is_a_fail_not_a_crash() {
    let f = passing();
    std::fs::remove_file(f.dir.path().join("orders.csv")).expect("remove the CSV");
    let (code, report) = scan_json(&f.profile, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "FAIL");
    assert_eq!(report["checklist"]["permissioned"], "FAIL");
    let source = crate::common::source(&report, "orders");
    assert_ne!(source["status"], "ok");
    assert!(source["error"].as_str().is_some_and(|e| e.contains("orders.csv")), "{source}");
}

#[test]
fn json_to_a_file_and_text_to_stdout() {
    let f = failing();
    let json = f.dir.path().join("a.json");
    let out = run(&[
        "scan",
        &p(&f.profile),
        "--as-of",
        AS_OF,
        "--quiet",
        "--format",
        "json",
        "--out",
        &p(&json),
        "--format",
        "text",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("preflight "), "stdout is not the text report:\n{text}");
    assert!(text.contains("DATA ACCESS  FAIL"), "{text}");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err(), "stdout is JSON");
    let written = std::fs::read_to_string(&json).expect("a.json is written");
    let report: serde_json::Value = serde_json::from_str(&written).expect("a.json is JSON");
    assert_eq!(report["verdict"], "FAIL");
    assert_eq!(report["as_of"], AS_OF);
    assert!(!f.dir.path().join("a.json.tmp").exists(), "the temporary file is left behind");
}

#[test]
fn json_has_every_fixed_key() {
    let f = passing();
    let (_, report) = scan_json(&f.profile, &[]);
    let has = |v: &serde_json::Value, keys: &[&str], what: &str| {
        let obj = v.as_object().unwrap_or_else(|| panic!("{what} is not an object: {v}"));
        for k in keys {
            assert!(obj.contains_key(*k), "{what} lacks `{k}`: {v}");
        }
    };
    has(
        &report,
        &[
            "schema_version",
            "tool",
            "version",
            "profile",
            "as_of",
            "duration_ms",
            "verdict",
            "checklist",
            "sources",
            "entities",
            "findings",
        ],
        "the report",
    );
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"], "preflight");
    assert_eq!(report["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["profile"]["name"], "tiny");
    assert_eq!(report["profile"]["owner"], "ops@example.com");
    assert!(report["duration_ms"].is_u64(), "{}", report["duration_ms"]);
    has(
        &report["checklist"],
        &["data_access", "clean", "permissioned", "current", "labeled", "connected"],
        "checklist",
    );
    let sources = report["sources"].as_array().expect("sources is an array");
    assert_eq!(sources.len(), 1);
    for s in sources {
        has(
            s,
            &[
                "name",
                "kind",
                "location",
                "status",
                "error",
                "rows",
                "ready_rows",
                "ready_share",
                "columns",
                "staleness",
                "labels",
                "access",
            ],
            "a source",
        );
        assert_eq!(s["kind"], "csv");
        assert_eq!(s["status"], "ok");
        assert!(s["error"].is_null());
        assert_eq!(s["rows"], 4);
        assert_eq!(s["ready_rows"], 4);
        has(
            &s["staleness"],
            &["column", "newest", "oldest", "age_seconds", "stale_rows", "stale_share", "future_rows", "unparseable"],
            "staleness",
        );
        has(
            &s["labels"],
            &["column", "labeled", "coverage", "classes", "rare_classes", "imbalance", "variant_labels"],
            "labels",
        );
        has(&s["access"], &["reachable", "readable", "can_write", "notes"], "access");
        let columns = s["columns"].as_array().expect("columns is an array");
        assert_eq!(columns.len(), 4);
        for c in columns {
            has(
                c,
                &[
                    "name",
                    "type",
                    "nulls",
                    "blanks",
                    "placeholders",
                    "missing",
                    "missing_share",
                    "distinct",
                    "min",
                    "max",
                    "pii",
                ],
                "a column",
            );
        }
    }
    for finding in report["findings"].as_array().expect("findings is an array") {
        has(
            finding,
            &["id", "check", "severity", "source", "column", "value", "threshold", "message", "evidence"],
            "a finding",
        );
    }
}

#[test]
fn no_escape_codes_or_progress_bars_on_a_pipe() {
    let f = failing();
    // Without `--quiet`: stderr is a pipe here, so no bars may be drawn on it.
    for format in ["text", "json"] {
        let out = run(&["scan", &p(&f.profile), "--as-of", AS_OF, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(!out.stdout.contains(&0x1b), "escape codes on a piped stdout ({format}):\n{}", stdout(&out));
        assert_eq!(stderr(&out), "", "stderr is not empty ({format})");
    }
    let out = run(&["check", &p(&f.profile)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!out.stdout.contains(&0x1b));
}

/// Runs `preflight ARGS` under `script`, which gives it a pseudo-terminal for stdout and stderr,
/// and returns everything the terminal received; `None` when `script` is not installed.
fn on_a_tty(args: &[&str], no_color: bool) -> Option<String> {
    let probe = Command::new("script").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return None;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = quote(env!("CARGO_BIN_EXE_preflight"));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut c = Command::new("script");
    c.args(["-qec", &line, "/dev/null"]).env_remove("RUST_LOG").env_remove("NO_COLOR");
    if no_color {
        c.env("NO_COLOR", "1");
    }
    let out = c.output().expect("script runs");
    assert!(out.status.success() || out.status.code() == Some(1), "script: {}", stderr(&out));
    Some(stdout(&out))
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let f = failing();
    let args = ["scan", &p(&f.profile), "--as-of", AS_OF, "--quiet"];
    let Some(tty) = on_a_tty(&args, false) else { return };
    assert!(tty.contains("DATA ACCESS"), "{tty}");
    assert!(tty.contains("\x1b["), "no colour on a terminal:\n{tty}");
    let Some(tty) = on_a_tty(&args, true) else { return };
    assert!(tty.contains("DATA ACCESS  FAIL"), "{tty}");
    assert!(!tty.contains('\x1b'), "escape codes under NO_COLOR=1:\n{tty:?}");
}

#[test]
fn progress_bars_on_a_terminal_name_their_source() {
    let f = passing();
    // Large enough that a debug build spends well over the bars' 100 ms tick on it.
    let mut csv = String::from("id,updated_at,category,body\n");
    for i in 0..200_000 {
        csv.push_str(&format!("{i},2025-01-09T10:00:00Z,billing,refund please {i}\n"));
    }
    write(f.dir.path(), "orders.csv", csv);
    let profile = p(&f.profile);
    let json = p(&f.dir.path().join("r.json"));
    let args = ["scan", profile.as_str(), "--as-of", AS_OF, "--format", "json", "--out", json.as_str()];
    let Some(tty) = on_a_tty(&args, false) else { return };
    assert!(tty.contains("orders ["), "no progress bar for `orders` on a terminal:\n{tty:?}");
    assert!(!tty.contains('█'), "a progress bar without its source's name:\n{tty:?}");
    let quiet = [&args[..], &["--quiet"]].concat();
    let Some(tty) = on_a_tty(&quiet, false) else { return };
    assert_eq!(tty, "", "`--quiet` still draws on the terminal");
}

/// `--out` naming something other than a regular file (a FIFO here; `/dev/stdout` in real use)
/// is written to, not replaced by a renamed temporary file.
#[test]
fn out_to_a_fifo_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let f = passing();
    let fifo = f.dir.path().join("report.fifo");
    match Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        _ => {
            eprintln!("skipped: `mkfifo` is not available");
            return;
        }
    }
    let reader = {
        let fifo = fifo.clone();
        // Blocks until the scan opens the FIFO; never joined if it does not.
        std::thread::spawn(move || std::fs::read_to_string(fifo))
    };
    let out = run(&["scan", &p(&f.profile), "--as-of", AS_OF, "--quiet", "--format", "json", "--out", &p(&fifo)]);
    let kind = std::fs::symlink_metadata(&fifo).expect("the FIFO path still exists").file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by a {kind:?}; stderr:\n{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = reader.join().expect("the reader thread").expect("the FIFO is readable");
    let report: serde_json::Value = serde_json::from_str(&text).expect("the FIFO carried JSON");
    assert_eq!(report["verdict"], "PASS");
}
