//! The go/no-go review and the CI formats end to end: the demo's readiness table in every
//! format, Monitoring measured from a history of two scans, `--require-review`, the GitHub
//! annotations and step summary, the GitLab report and the CSV of findings.

use std::path::Path;

use serde_json::Value;

use crate::common::{AS_OF, bin, root, run, stderr, stdout, write};

const DEMO: &str = "profiles/demo.toml";

fn rows(report: &Value) -> Vec<(String, String, String)> {
    report["readiness"]["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
                    (s("checkpoint"), s("status"), s("basis"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn scan(args: &[&str]) -> (i32, String) {
    let o = run(args);
    (o.status.code().unwrap_or(-1), stdout(&o))
}

#[test]
fn demo_review_in_every_format() {
    let (code, json) = scan(&["scan", DEMO, "--format", "json", "--as-of", AS_OF, "--quiet"]);
    assert_eq!(code, 1, "the demo's data access fails: the exit code keeps its meaning");
    let v: Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(
        rows(&v),
        [
            ("business_metric", "pass", "declared"),
            ("data_access", "fail", "measured"),
            ("workflow_fit", "pass", "declared"),
            ("owner", "pass", "declared"),
            ("monitoring", "unknown", "declared"),
            ("rollout_plan", "fail", "declared"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let rd = &v["readiness"];
    assert_eq!((rd["failing"].as_u64(), rd["outcome"].as_str()), (Some(2), Some("undecided")));
    assert_eq!(rd["rows"][0]["declared_by"], "Dana Lee");
    assert_eq!(rd["rows"][1]["declared_by"], Value::Null);
    let summary = "3 of 6 pass, 1 unknown: not yet decided";
    assert_eq!(rd["summary"], summary);
    for (format, opening) in [
        ("text", format!("GO/NO-GO REVIEW  {summary}")),
        ("markdown", format!("## Go/no-go review: {summary}")),
        ("html", "<h2>Go/no-go review</h2>".to_string()),
    ] {
        let (_, out) = scan(&["scan", DEMO, "--format", format, "--as-of", AS_OF, "--quiet"]);
        let review = out.find(&opening).unwrap_or_else(|| panic!("{format}: no review table\n{out}"));
        let rest = &out[review..];
        for title in ["Business metric", "Data access", "Workflow fit", "Owner", "Monitoring", "Rollout plan"] {
            assert!(rest.contains(title), "{format}: no row {title}");
        }
        let checklist = ["DATA ACCESS  ", "## Checklist", "<h2>Checklist</h2>"];
        let first_part = checklist.iter().filter_map(|c| out.find(c)).min().unwrap_or(usize::MAX);
        assert!(review < first_part, "{format}: the report opens with the review");
        assert!(rest.contains("no rollback step yet"), "{format}: notes are shown");
    }
}

#[test]
fn monitoring_is_measured_from_two_scans_in_one_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = dir.path().join("h.sqlite");
    let h = history.to_string_lossy().to_string();
    let first = run(&["scan", DEMO, "--format", "json", "--as-of", "2025-01-09T10:00:00Z", "--history", &h, "--quiet"]);
    let v: Value = serde_json::from_slice(&first.stdout).unwrap_or_default();
    let m = &v["readiness"]["rows"][4];
    assert_eq!((m["status"].as_str(), m["basis"].as_str()), (Some("fail"), Some("measured")), "{m}");
    assert!(m["note"].as_str().unwrap_or("").starts_with("no earlier scan of `support-deflection`"), "{m}");
    assert!(m["note"].as_str().unwrap_or("").ends_with("weekly review with support leads"), "{m}");
    let second = run(&["scan", DEMO, "--format", "json", "--as-of", AS_OF, "--history", &h, "--quiet"]);
    let v: Value = serde_json::from_slice(&second.stdout).unwrap_or_default();
    let m = &v["readiness"]["rows"][4];
    assert_eq!((m["status"].as_str(), m["basis"].as_str()), (Some("pass"), Some("measured")), "{m}");
    assert_eq!(m["declared_by"], "Sam Ortiz");
    let note = m["note"].as_str().unwrap_or("");
    assert!(note.starts_with("1 earlier scan of `support-deflection` within 2d"), "{note}");
    assert!(note.contains("the latest as of 2025-01-09T10:00:00Z"), "{note}");
    assert_eq!(v["readiness"]["summary"], "4 of 6 pass: ready");
    // A scan beyond the window of the last one is not monitored.
    let late = run(&["scan", DEMO, "--format", "json", "--as-of", "2025-01-20T10:00:00Z", "--history", &h, "--quiet"]);
    let v: Value = serde_json::from_slice(&late.stdout).unwrap_or_default();
    assert_eq!(v["readiness"]["rows"][4]["status"], "fail", "{}", stderr(&late));
}

/// A profile over one clean CSV, so data access passes and only the review can fail the run.
fn clean_profile(dir: &Path, review: &str) -> String {
    write(dir, "ids.csv", "id,name\n1,a\n2,b\n3,c\n");
    let text = format!(
        "[pilot]\nname = \"clean\"\nowner = \"Dana Lee\"\nkpi = \"ids served\"\n\n[[sources]]\nname = \"ids\"\npath = \"ids.csv\"\n\
         key = \"id\"\nrequired = [\"id\", \"name\"]\n{review}"
    );
    write(dir, "clean.toml", text).to_string_lossy().to_string()
}

#[test]
fn require_review_fails_a_review_that_is_not_ready() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = clean_profile(dir.path(), "");
    let (code, text) = scan(&["scan", &p, "--as-of", AS_OF, "--quiet"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("no `[review]` in the profile: declare the rows"), "{text}");
    assert_eq!(scan(&["scan", &p, "--as-of", AS_OF, "--quiet", "--require-review"]).0, 1);
    let declared = "\n[review]\nbusiness_metric = { status = \"pass\", by = \"Dana\" }\n\
                    workflow_fit = { status = \"pass\", by = \"Dana\" }\nrollout_plan = { status = \"pass\", by = \"Dana\" }\n\
                    monitoring = { status = \"pass\", by = \"Sam\", note = \"alerts\" }\n";
    let p = clean_profile(dir.path(), declared);
    assert_eq!(scan(&["scan", &p, "--as-of", AS_OF, "--quiet", "--require-review"]).0, 0, "every row passes");
    let h = dir.path().join("h.sqlite").to_string_lossy().to_string();
    let (code, _) = scan(&["scan", &p, "--as-of", AS_OF, "--quiet", "--require-review", "--history", &h]);
    assert_eq!(code, 0, "one failing row (no earlier scan) still leaves the review ready");
}

#[test]
fn github_annotations_point_at_profile_lines() {
    let (_, out) = scan(&["scan", DEMO, "--format", "github", "--as-of", AS_OF, "--quiet"]);
    let profile = std::fs::read_to_string(root().join(DEMO)).unwrap_or_default();
    let lines: Vec<&str> = profile.lines().collect();
    let errors = out.lines().filter(|l| l.starts_with("::error ")).count();
    let warnings = out.lines().filter(|l| l.starts_with("::warning ")).count();
    assert!(errors <= 10 && warnings <= 10 && errors > 0 && warnings > 0, "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("::notice ")).count(), 1);
    let mut checked = 0;
    for l in out.lines().filter(|l| !l.starts_with("::notice")) {
        let n: usize = l
            .split(",line=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no line in {l}"));
        assert!(l.contains("file=profiles/demo.toml,"), "{l}");
        // The line is the entry's table: its header, then its `name` within a few lines.
        let entry = lines.get(n - 1).copied().unwrap_or("");
        assert!(entry.starts_with("[[sources]]") || entry.starts_with("[[entities]]"), "line {n} is `{entry}`: {l}");
        let name = lines[n..].iter().find_map(|x| x.strip_prefix("name = \"")).and_then(|x| x.split('"').next());
        let name = name.unwrap_or("");
        assert!(l.contains(&format!(".{name}")), "line {n} names `{name}`: {l}");
        checked += 1;
    }
    assert!(checked > 2);
}

#[test]
fn step_summary_is_appended_and_trimmed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = write(dir.path(), "summary.md", "earlier step\n");
    let o = bin()
        .current_dir(root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["scan", DEMO, "--format", "github", "--as-of", AS_OF, "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = std::fs::read_to_string(&summary).unwrap_or_default();
    assert!(text.starts_with("earlier step\n# Data readiness: support-deflection"), "appended, not replaced");
    assert!(text.contains("## Go/no-go review"));
    assert!(!text.contains("> **Trimmed:**"));
    // A summary that cannot be written is a warning; the exit code stays the verdict's.
    let o = bin()
        .current_dir(root())
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .args(["scan", DEMO, "--format", "csv", "--as-of", AS_OF, "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("warning: cannot append to the step summary"), "{}", stderr(&o));
    // A report over 1 MiB: 6,000 columns with long names, each listed in the report.
    let header: Vec<String> =
        (0..6000).map(|i| format!("column_with_a_rather_long_name_{i:05}_{}", "x".repeat(120))).collect();
    let row: Vec<&str> = (0..6000).map(|_| "").collect();
    write(dir.path(), "wide.csv", format!("{}\n{}\n", header.join(","), row.join(",")));
    let p =
        write(dir.path(), "wide.toml", "[pilot]\nname = \"wide\"\n[[sources]]\nname = \"wide\"\npath = \"wide.csv\"\n");
    let big = dir.path().join("big.md");
    let o = bin()
        .env("GITHUB_STEP_SUMMARY", &big)
        .args(["scan", &p.to_string_lossy(), "--format", "markdown", "--as-of", AS_OF, "--quiet"])
        .output()
        .expect("runs");
    let full = stdout(&o);
    assert!(full.len() > 1 << 20, "the report is over 1 MiB: {} bytes", full.len());
    let text = std::fs::read_to_string(&big).unwrap_or_default();
    assert!(text.len() < 1 << 20, "{} bytes", text.len());
    assert!(text.contains("> **Trimmed:**") && text.contains("1 MiB"), "the summary says what was cut");
    assert!(
        full.starts_with(text.split("\n> **Trimmed:**").next().unwrap_or("?")),
        "what is kept is the report's start"
    );
}

#[test]
fn gitlab_report_is_stable_across_runs() {
    let one = scan(&["scan", DEMO, "--format", "gitlab", "--as-of", AS_OF, "--quiet"]).1;
    let two = scan(&["scan", DEMO, "--format", "gitlab", "--as-of", "2025-01-11T10:00:00Z", "--quiet"]).1;
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok().and_then(|v| v.as_array().cloned()).unwrap_or_default();
    let (a, b) = (parse(&one), parse(&two));
    assert!(!a.is_empty());
    for i in &a {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key} in {i}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&i["severity"].as_str().unwrap_or("")));
        assert_eq!(i["location"]["path"], "profiles/demo.toml");
        assert!(i["location"]["lines"]["begin"].as_u64().is_some_and(|n| n > 1), "{i}");
    }
    let prints = |v: &[Value]| {
        let mut p: Vec<(String, String)> =
            v.iter().map(|i| (i["check_name"].to_string(), i["fingerprint"].to_string())).collect();
        p.sort();
        p
    };
    let (pa, pb) = (prints(&a), prints(&b));
    let common: Vec<_> = pa.iter().filter(|x| pb.iter().any(|y| y.0 == x.0)).collect();
    assert!(!common.is_empty());
    assert!(common.iter().all(|x| pb.contains(x)), "a finding keeps its fingerprint across runs");
}

#[test]
fn csv_of_findings_reads_back_one_row_per_finding() {
    let (_, json) = scan(&["scan", DEMO, "--format", "json", "--as-of", AS_OF, "--quiet"]);
    let v: Value = serde_json::from_str(&json).unwrap_or_default();
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let (_, out) = scan(&["scan", DEMO, "--format", "csv", "--as-of", AS_OF, "--quiet"]);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = rd.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
    assert_eq!(&header[..8], ["id", "check", "severity", "source", "column", "value", "threshold", "message"]);
    let rows: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>().unwrap_or_default();
    assert_eq!(rows.len(), findings.len());
    for (row, f) in rows.iter().zip(&findings) {
        assert_eq!(row.get(0), f["id"].as_str());
        assert_eq!(row.get(2), f["severity"].as_str());
        assert_eq!(row.get(7), f["message"].as_str());
    }
    assert!(rows.iter().any(|r| r.get(2) == Some("PASS")));
}

#[test]
fn an_ad_hoc_profile_scan_shows_no_review() {
    // `preflight profile` has no profile file, owner or KPI: a review there would only call a
    // quick look at a file "still an experiment".
    for format in ["text", "markdown", "html"] {
        let (_, out) = scan(&["profile", "fixtures/demo/tickets.csv", "--format", format, "--as-of", AS_OF, "--quiet"]);
        assert!(out.contains("tickets"), "{format}: the report is printed");
        for word in ["GO/NO-GO", "Go/no-go", "go/no-go", "still an experiment"] {
            assert!(!out.contains(word), "{format}: an ad-hoc scan shows no review, found {word:?}");
        }
    }
    // A scan of a profile file still opens with it.
    let (_, out) = scan(&["scan", DEMO, "--as-of", AS_OF, "--quiet"]);
    assert!(out.contains("GO/NO-GO REVIEW"));
}
