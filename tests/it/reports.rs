//! The review formats of the demo scan (Markdown, HTML, JUnit, JSON) at a fixed as-of: snapshots, the
//! JUnit file against the JUnit XML schema (`junit.xsd` beside this file, via `xmllint`), the
//! HTML page in a real headless Chromium (rendered, no console error, no network request, every
//! chart sized; the `preflight history` page too), data that tries to inject markup, and
//! `preflight explain`.
//!
//! `xmllint` (Debian `libxml2-utils`) and `chromium` are installed by `.ci/run`; where one is
//! missing these tests print `skipped`, except under `CI`, where they fail.

use std::path::Path;
use std::process::Command;

use crate::common::{AS_OF, root, run, stderr, stdout, write};

/// `scan profiles/demo.toml --format FORMAT` at the fixed as-of, checking the FAIL exit code.
fn demo(format: &str) -> String {
    let o = run(&["scan", "profiles/demo.toml", "--as-of", AS_OF, "--quiet", "--format", format]);
    assert_eq!(o.status.code(), Some(1), "stderr:\n{}", stderr(&o));
    stdout(&o)
}

/// What differs between runs and machines: the version, the elapsed time, the files' owner,
/// mode and modification time.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"0\.1\.\d+", "[VERSION]"),
        (r"\d+\.\d s\b", "[ELAPSED]"),
        (r#"<testsuites (.*) time="[0-9.]+">"#, r#"<testsuites $1 time="[ELAPSED]">"#),
        (r"owner [A-Za-z0-9_.-]+", "owner [OWNER]"),
        (r"mode 0[0-7]{3}", "mode [MODE]"),
        (r"file modified \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC", "file modified [MTIME]"),
    ]
}

/// A tool this test needs, or `None` (and `skipped` printed) when it is absent outside CI.
fn tool(name: &'static str, package: &str) -> Option<&'static str> {
    let found = Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    if found {
        return Some(name);
    }
    if std::env::var_os("CI").is_some() {
        panic!("`{name}` is not installed (Debian package `{package}`; .ci/run installs it)");
    }
    eprintln!("skipped: `{name}` is not installed (apt-get install -y {package})");
    None
}

#[test]
fn demo_markdown_snapshot() {
    let md = demo("markdown");
    assert!(md.starts_with("# Data readiness: support-deflection\n"));
    assert!(md.contains("**Data access: clean, permissioned, current data sources: FAIL**"));
    assert!(md.contains("- **Owner:** support-ops@example.com\n- **KPI:** tickets deflected per week"));
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!(md);
    });
}

/// The README's Markdown excerpt is what the demo scan prints today.
#[test]
fn readme_markdown_excerpt_matches_the_demo() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let excerpt = readme
        .split_once("```markdown\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("README.md has no ```markdown block"));
    let md = demo("markdown");
    let lines: Vec<&str> = md.lines().collect();
    for line in excerpt.lines().filter(|l| !l.is_empty()) {
        assert!(lines.contains(&line), "README line not in the demo's Markdown report:\n{line}");
    }
}

#[test]
fn demo_html_snapshot() {
    let html = demo("html");
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!(html);
    });
}

#[test]
fn demo_junit_snapshot() {
    let xml = demo("junit");
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!(xml);
    });
}

/// The JSON report of the demo, whole: every DESIGN §5 name and value in one place, so that a
/// change to the model shows in review. The access facts of the checkout (owner, mode, file
/// times) and the elapsed time are filtered.
#[test]
fn demo_json_snapshot() {
    let json = demo("json");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(parsed["verdict"], "FAIL");
    assert_eq!(parsed["profile"]["name"], "support-deflection");
    let mut filters = filters();
    filters.extend([
        (r#""duration_ms": \d+"#, r#""duration_ms": "[ELAPSED]""#),
        (r#""owner": "[^"]*",(\s+)"mode": "0[0-7]{3}""#, r#""owner": "[OWNER]",$1"mode": "[MODE]""#),
        (r#""file_modified": "[^"]+""#, r#""file_modified": "[MTIME]""#),
    ]);
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!(json);
    });
}

#[test]
fn demo_junit_counts_match_the_json_report() {
    let xml = demo("junit");
    let json: serde_json::Value = serde_json::from_str(&demo("json")).unwrap_or_default();
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    let n = |sev: &str| findings.iter().filter(|f| f["severity"] == sev).count();
    assert_eq!(xml.matches("<testcase ").count(), findings.len());
    assert_eq!(xml.matches("<failure ").count(), n("FAIL"));
    assert_eq!(xml.matches("<skipped ").count(), n("WARN"));
    assert!(xml.contains(&format!("tests=\"{}\" failures=\"{}\" errors=\"0\"", findings.len(), n("FAIL"))));
    for id in findings.iter().filter_map(|f| f["id"].as_str()) {
        assert!(xml.contains(&format!("<testcase name=\"{id}\"")), "{id}");
    }
}

#[test]
fn demo_junit_is_valid_against_the_junit_schema() {
    let Some(xmllint) = tool("xmllint", "libxml2-utils") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = write(dir.path(), "preflight.xml", demo("junit"));
    let schema = root().join("tests/it/junit.xsd");
    let o =
        Command::new(xmllint).arg("--noout").arg("--schema").arg(&schema).arg(&file).output().expect("xmllint runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The schema does reject a broken file: the check is not vacuous.
    let broken = write(dir.path(), "broken.xml", demo("junit").replacen("failures=\"", "failures=\"x", 1));
    let o =
        Command::new(xmllint).arg("--noout").arg("--schema").arg(&schema).arg(&broken).output().expect("xmllint runs");
    assert!(!o.status.success(), "a non-numeric count validated");
}

/// A source whose names and values try to inject markup: the HTML shows them as text.
#[test]
fn html_from_hostile_data_is_inert() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let evil = "</script><script>alert(1)</script><svg onload=alert(2)>";
    let mut csv = format!("id,\"{evil}\",label\n");
    for i in 0..6 {
        csv.push_str(&format!("{i},\"{evil}\",\"{evil}\"\n"));
    }
    csv.push_str("7,,\n");
    write(dir.path(), "evil.csv", csv);
    let profile = write(
        dir.path(),
        "evil.toml",
        "[pilot]\nname = \"x</title><script>alert(3)</script>\"\nowner = \"<img src=x onerror=alert(4)>\"\n\n\
         [[sources]]\nname = \"evil\"\npath = \"evil.csv\"\nlabel = \"label\"\nkey = \"id\"\nrequired = [\"id\", \"label\"]\n",
    );
    let p = profile.to_string_lossy();
    let o = run(&["scan", p.as_ref(), "--as-of", AS_OF, "--quiet", "--format", "html"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "stderr:\n{}", stderr(&o));
    let html = stdout(&o);
    let lower = html.to_lowercase();
    assert!(html.contains("&lt;svg onload=alert(2)&gt;"), "the value is shown as text");
    for banned in ["<script", "</script", "<svg onload", "<img", "</title><"] {
        assert!(!lower.contains(banned), "`{banned}` got through");
    }
    let md = stdout(&run(&["scan", p.as_ref(), "--as-of", AS_OF, "--quiet", "--format", "markdown"]));
    // Inside a code span markup is literal text (CommonMark); outside, none may appear.
    let outside: String = md.lines().flat_map(|l| l.split('`').step_by(2)).collect::<Vec<_>>().join("\n");
    let outside = outside.to_lowercase();
    assert!(!outside.contains("<script") && !outside.contains("<svg onload") && !outside.contains("<img"), "{md}");
    assert!(md.contains("&lt;img src=x onerror=alert(4)&gt;"), "{md}");
}

/// The demo page in a real browser: it renders (a screenshot of the requested size), logs no
/// console message, makes no network request, and every chart's SVG is in the DOM with its size.
#[test]
fn demo_html_in_headless_chromium() {
    let Some(chromium) = tool("chromium", "chromium") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let page = write(dir.path(), "report.html", demo("html"));

    // A control page that does log and fetch, to show the two detectors below work here.
    let control = write(
        dir.path(),
        "control.html",
        "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\">\
         <script>console.error(\"control-error\")</script></body></html>",
    );
    let c = browse(chromium, dir.path(), &control, "control", &["--dump-dom"]);
    assert!(c.console.iter().any(|l| l.contains("control-error")), "console capture does not work:\n{}", c.stderr);
    assert_eq!(c.requests, vec!["http://example.invalid/x.png".to_string()], "request capture does not work");

    let shot = dir.path().join("report.png");
    let arg = format!("--screenshot={}", shot.display());
    let r = browse(chromium, dir.path(), &page, "shot", &[&arg, "--window-size=1200,2000"]);
    assert_eq!(r.console, Vec::<String>::new(), "console messages");
    assert_eq!(r.requests, Vec::<String>::new(), "network requests");
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}):\n{}", r.stderr));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be32 = |at: usize| png.get(at..at + 4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    assert_eq!((be32(16), be32(20)), (1200, 2000), "screenshot size");

    // Printable: Chromium's print to PDF lays it out on several pages.
    let pdf = dir.path().join("report.pdf");
    let arg = format!("--print-to-pdf={}", pdf.display());
    let p = browse(chromium, dir.path(), &page, "pdf", &[&arg, "--no-pdf-header-footer"]);
    assert_eq!(p.console, Vec::<String>::new(), "console messages while printing");
    let pdf = std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF ({e}):\n{}", p.stderr));
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf
        .windows(b"/Type /Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type /Page") && w.last() != Some(&b's'))
        .count();
    assert!(pages >= 2, "{pages} page(s)");

    let d = browse(chromium, dir.path(), &page, "dom", &["--dump-dom"]);
    assert_eq!(d.console, Vec::<String>::new(), "console messages");
    assert_eq!(d.requests, Vec::<String>::new(), "network requests");
    let dom = d.stdout;
    assert!(dom.contains("Data readiness: support-deflection"), "the page did not render:\n{}", d.stderr);
    // Three sources (tickets, kb, crm), each with an age, a missing-share and a label chart,
    // and the customer entity's key-overlap chart.
    let svgs: Vec<&str> = dom.split("<svg ").skip(1).map(|s| s.split('>').next().unwrap_or_default()).collect();
    assert_eq!(svgs.len(), 10, "charts in the DOM");
    for head in &svgs {
        let size = |name: &str| {
            head.split_once(&format!(" {name}=\""))
                .and_then(|(_, rest)| rest.split('"').next())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        assert!(size("width") > 100.0 && size("height") > 50.0, "unsized chart: {head}");
        assert!(head.contains("aria-labelledby="), "unnamed chart: {head}");
    }
}

/// The `preflight history` page of the schema-1 fixture's three scans in a real browser: it
/// renders, logs nothing, fetches nothing, and its six line charts are sized and named.
#[test]
fn history_html_in_headless_chromium() {
    let Some(chromium) = tool("chromium", "chromium") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let history = dir.path().join("history.sqlite");
    std::fs::copy(root().join("fixtures/history/v1.sqlite"), &history).expect("copy the fixture");
    let page = dir.path().join("history.html");
    let (h, out) = (history.display().to_string(), page.display().to_string());
    let o = run(&["history", "--history", &h, "--format", "html", "--out", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d = browse(chromium, dir.path(), &page, "history", &["--dump-dom"]);
    assert_eq!(d.console, Vec::<String>::new(), "console messages");
    assert_eq!(d.requests, Vec::<String>::new(), "network requests");
    assert!(d.stdout.contains("Data readiness history"), "the page did not render:\n{}", d.stderr);
    // Verdict, rows, ready share, stale share, label coverage, largest missing share.
    let svgs: Vec<&str> = d.stdout.split("<svg ").skip(1).map(|s| s.split('>').next().unwrap_or_default()).collect();
    assert_eq!(svgs.len(), 6, "charts in the DOM");
    for head in &svgs {
        assert!(head.contains("width=\"640\"") && head.contains("aria-labelledby="), "{head}");
    }
}

struct Browsed {
    stdout: String,
    stderr: String,
    /// Console messages the page logged.
    console: Vec<String>,
    /// http(s) requests made for the page (the browser's own background traffic left out).
    requests: Vec<String>,
}

fn browse(chromium: &str, dir: &Path, page: &Path, name: &str, extra: &[&str]) -> Browsed {
    let net = dir.join(format!("{name}.netlog.json"));
    let o = Command::new(chromium)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", dir.join(format!("{name}.profile")).display()))
        .arg(format!("--log-net-log={}", net.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "chromium failed:\n{err}");
    let console = err.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    // Requests for the page carry the page's site (file://) in their isolation key; the
    // browser's own (update checks and the like) do not.
    let log: serde_json::Value = std::fs::read_to_string(&net)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no readable net log at {}", net.display()));
    let mut requests: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["params"])
        .filter(|p| p["network_isolation_key"].as_str().is_some_and(|k| k.contains("file://")))
        .filter_map(|p| p["url"].as_str())
        .filter(|u| u.starts_with("http:") || u.starts_with("https:") || u.starts_with("ws"))
        .map(str::to_string)
        .collect();
    requests.dedup();
    Browsed { stdout: String::from_utf8_lossy(&o.stdout).into_owned(), stderr: err, console, requests }
}

#[test]
fn explain_prints_the_fixed_sections() {
    let o = run(&["explain", "staleness"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for s in ["## What it measures", "## Why it matters", "## How it is computed", "## Profile keys", "## Example"] {
        assert!(text.contains(s), "{s}");
    }
    assert!(text.contains("stale_after"));
    // A finding id from a report leads to its measure.
    let o = run(&["explain", "labels.rare_classes.tickets"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("# label_coverage\n"));
}

#[test]
fn explain_without_a_measure_lists_them() {
    let o = run(&["explain"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for m in ["missing_fields", "staleness", "label_coverage", "ready_rows", "access", "pii", "keys", "fragmentation"] {
        assert!(text.contains(m), "{m}");
    }
}

#[test]
fn explain_an_unknown_measure_exits_2_with_a_hint() {
    let o = run(&["explain", "stalenes"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unknown measure `stalenes`"), "{err}");
    assert!(err.contains("did you mean `staleness`?"), "{err}");
    let o = run(&["explain", "qqqqqqqq"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`preflight explain` lists the measures"));
}
