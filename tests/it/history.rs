//! Nightly scans with `--history` (issue 6): a sequence of scans over a fixture that changes
//! between runs, with `--as-of` advancing a day at a time, and the regression findings, the
//! schema-drift finding and the "not enough history yet" note each night must produce; several
//! processes writing one history file at once; a history file of schema version 1 (committed
//! fixture) upgraded; and `preflight history` in each format.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::common::{bin, finding, root, run, stderr, stdout, write};

/// `orders.csv` of a night: `rows` rows dated the day before `day`; the first `missing` have
/// no `body`, the first `unlabeled` no `category`; `text_ids` writes ids as `A1`, `A2`… (a type
/// change from integer to string) and `channel` adds a column.
#[derive(Clone, Copy)]
struct Night {
    day: u32,
    rows: usize,
    missing: usize,
    unlabeled: usize,
    text_ids: bool,
    channel: bool,
}

impl Night {
    fn steady(day: u32) -> Night {
        Night { day, rows: 20, missing: 0, unlabeled: 0, text_ids: false, channel: false }
    }

    fn as_of(&self) -> String {
        format!("2025-01-{:02}T06:00:00Z", self.day)
    }

    fn csv(&self) -> String {
        let mut out = String::from("id,updated_at,category,body");
        out.push_str(if self.channel { ",channel\n" } else { "\n" });
        for i in 0..self.rows {
            let id = if self.text_ids { format!("A{i}") } else { i.to_string() };
            let category = if i < self.unlabeled {
                ""
            } else if i % 2 == 0 {
                "billing"
            } else {
                "shipping"
            };
            let body = if i < self.missing { "" } else { "please help" };
            out.push_str(&format!("{id},2025-01-{:02}T05:00:00Z,{category},{body}", self.day - 1));
            out.push_str(if self.channel { ",email\n" } else { "\n" });
        }
        out
    }
}

/// Data-access thresholds loose enough that only the trend decides the verdict here.
const PROFILE: &str = r#"[pilot]
name = "nightly"
owner = "ops@example.com"

[defaults]
min_class_examples = 1
max_missing_share = { warn = 0.5, fail = 0.9 }
min_label_coverage = { warn = 0.5, fail = 0.2 }

[trend]
min_history = 2
baseline_scans = 3

[[sources]]
name = "orders"
path = "orders.csv"
timestamp = "updated_at"
label = "category"
key = "id"
required = ["id", "category", "body"]
"#;

struct Nightly {
    dir: tempfile::TempDir,
    profile: PathBuf,
    history: PathBuf,
}

fn nightly() -> Nightly {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let profile = write(dir.path(), "profile.toml", PROFILE);
    let history = dir.path().join("history.sqlite");
    Nightly { dir, profile, history }
}

fn p(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl Nightly {
    /// Writes the night's CSV and scans it into the history: exit code and JSON report.
    fn scan(&self, night: Night) -> (i32, Value) {
        write(self.dir.path(), "orders.csv", night.csv());
        let o = run(&[
            "scan",
            &p(&self.profile),
            "--history",
            &p(&self.history),
            "--as-of",
            &night.as_of(),
            "--format",
            "json",
            "--quiet",
        ]);
        let report = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("no JSON report ({e}); exit {:?}, stderr:\n{}", o.status.code(), stderr(&o)));
        (o.status.code().unwrap_or(-1), report)
    }

    fn history(&self, extra: &[&str]) -> Output {
        let mut args = vec!["history", "--history"];
        let h = p(&self.history);
        args.push(&h);
        args.extend_from_slice(extra);
        run(&args)
    }
}

/// The finding `id`, which must exist.
fn get<'a>(report: &'a Value, id: &str) -> &'a Value {
    finding(report, id).unwrap_or_else(|| panic!("no finding `{id}` in {}", report["findings"]))
}

fn message(report: &Value, id: &str) -> String {
    get(report, id)["message"].as_str().unwrap_or_default().to_string()
}

fn severity(report: &Value, id: &str) -> String {
    get(report, id)["severity"].as_str().unwrap_or_default().to_string()
}

#[test]
fn nightly_scans_find_regressions_against_their_history() {
    let n = nightly();

    // Night 1: the history starts; nothing to compare with yet.
    let (code, r) = n.scan(Night::steady(6));
    assert_eq!(code, 0, "{}", r["findings"]);
    assert_eq!(r["checklist"]["trend"], "PASS");
    assert_eq!(r["checklist"]["data_access"], "PASS");
    assert_eq!(r["verdict"], "PASS");
    assert!(
        message(&r, "trend.history").starts_with(&format!(
            "no earlier scan of `nightly` in `{}`: this scan starts its history",
            n.history.display()
        )),
        "{}",
        message(&r, "trend.history")
    );
    assert_eq!(
        message(&r, "trend.max_row_change.orders"),
        "first scan of `orders` in the history: no earlier row count to compare with"
    );
    assert_eq!(
        message(&r, "trend.max_missing_share_rise.orders.body"),
        "missing share of `body` is 0%; not enough history yet: 0 earlier scans measured it, the baseline needs 2 \
         (`[trend] min_history`)"
    );

    // Night 2: one earlier scan: rows and columns are compared, the baseline still waits.
    let (code, r) = n.scan(Night::steady(7));
    assert_eq!(code, 0);
    assert_eq!(
        message(&r, "trend.max_row_change.orders"),
        "rows unchanged since the scan of 2025-01-06 06:00 UTC: 20 → 20 (within 20%)"
    );
    assert_eq!(
        message(&r, "trend.max_schema_changes.orders"),
        "the same 4 columns and types as the scan of 2025-01-06 06:00 UTC"
    );
    assert!(
        message(&r, "trend.max_coverage_drop.orders").contains("not enough history yet: 1 earlier scan measured it"),
        "{}",
        message(&r, "trend.max_coverage_drop.orders")
    );
    assert!(message(&r, "trend.history").contains("not enough history yet for the baseline: 1 of the 2"));

    // Night 3: two earlier scans: the baseline judges.
    let (code, r) = n.scan(Night::steady(8));
    assert_eq!(code, 0);
    assert_eq!(
        message(&r, "trend.max_missing_share_rise.orders.body"),
        "missing share of `body` is 0%, the same as its baseline of 0% (median of the last 2 scans)"
    );

    // Night 4: an export lost most rows: a FAIL of the trend, not of data access.
    let (code, r) = n.scan(Night { rows: 8, ..Night::steady(9) });
    assert_eq!(code, 1, "a FAIL verdict exits 1");
    assert_eq!(r["verdict"], "FAIL");
    assert_eq!(r["checklist"]["data_access"], "PASS");
    assert_eq!(r["checklist"]["trend"], "FAIL");
    let rows = get(&r, "trend.max_row_change.orders");
    assert_eq!(rows["check"], "trend");
    assert_eq!(rows["severity"], "FAIL");
    assert_eq!(rows["value"], "-60%");
    assert_eq!(rows["threshold"], "warn 20% · fail 50%");
    assert_eq!(rows["message"], "rows fell 60% since the scan of 2025-01-08 06:00 UTC: 20 → 8 (fail above 50%)");

    // Night 5: rows are back (+150%), ids became text, a column appeared, `body` went missing in
    // a fifth of the rows and labels in a fifth: each is a regression of its own.
    let (code, r) = n.scan(Night { missing: 4, unlabeled: 4, text_ids: true, channel: true, ..Night::steady(10) });
    assert_eq!(code, 1);
    assert_eq!(r["checklist"]["data_access"], "PASS", "{}", r["findings"]);
    assert_eq!(severity(&r, "trend.max_row_change.orders"), "FAIL");
    let drift = get(&r, "trend.max_schema_changes.orders");
    assert_eq!(drift["severity"], "WARN");
    assert_eq!(drift["value"], "2");
    assert_eq!(
        drift["message"],
        "2 column change(s) since the scan of 2025-01-09 06:00 UTC: `id` changed type from integer to string, \
         `channel` added (string) (warn above 0)"
    );
    let missing = get(&r, "trend.max_missing_share_rise.orders.body");
    assert_eq!(missing["severity"], "FAIL");
    assert_eq!(missing["value"], "+20 points");
    assert_eq!(
        missing["message"],
        "missing share of `body` is 20%, up 20 points on its baseline of 0% (median of the last 3 scans) \
         (fail above +5 points)"
    );
    let coverage = get(&r, "trend.max_coverage_drop.orders");
    assert_eq!(coverage["severity"], "FAIL");
    assert_eq!(coverage["value"], "-20 points");
    assert_eq!(severity(&r, "trend.max_stale_share_rise.orders"), "PASS");

    // A backfill dated before every stored scan is judged against nothing earlier.
    let (code, r) = n.scan(Night::steady(5));
    assert_eq!(code, 0);
    assert!(message(&r, "trend.history").starts_with("no earlier scan of `nightly`"));

    // The history, oldest first, in the shape DESIGN §5 gives it.
    let o = n.history(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let h: Value = serde_json::from_slice(&o.stdout).expect("history JSON");
    let scans = h["scans"].as_array().expect("scans");
    let as_of: Vec<&str> = scans.iter().filter_map(|s| s["as_of"].as_str()).collect();
    assert_eq!(
        as_of,
        [
            "2025-01-05T06:00:00Z",
            "2025-01-06T06:00:00Z",
            "2025-01-07T06:00:00Z",
            "2025-01-08T06:00:00Z",
            "2025-01-09T06:00:00Z",
            "2025-01-10T06:00:00Z"
        ]
    );
    let verdicts: Vec<&str> = scans.iter().filter_map(|s| s["verdict"].as_str()).collect();
    assert_eq!(verdicts, ["PASS", "PASS", "PASS", "PASS", "FAIL", "FAIL"]);
    let last = scans.last().expect("a scan");
    assert_eq!(last["profile"]["name"], "nightly");
    assert_eq!(last["checklist"]["trend"], "FAIL");
    assert_eq!(last["checklist"]["data_access"], "PASS");
    let orders = &last["sources"][0];
    assert_eq!(orders["name"], "orders");
    assert_eq!(orders["rows"], 20);
    // The rows without `body` are the unlabeled ones: 16 of 20 ready.
    assert_eq!(orders["ready_share"], 0.8);
    assert_eq!(orders["stale_share"], 0.0);
    assert_eq!(orders["coverage"], 0.8);
    assert_eq!(orders["missing_share"], 0.2);
    let rows: Vec<u64> = scans.iter().filter_map(|s| s["sources"][0]["rows"].as_u64()).collect();
    assert_eq!(rows, [20, 20, 20, 20, 8, 20]);

    let o = n.history(&["--profile", "nightly"]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(text.contains("nightly · 6 scans · 2025-01-05 06:00 UTC to 2025-01-10 06:00 UTC"), "{text}");
    assert!(text.contains("verdict PASS → PASS → PASS → PASS → FAIL → FAIL (getting worse)"), "{text}");

    let o = n.history(&["--format", "markdown"]);
    assert!(stdout(&o).contains("| 2025-01-09 06:00 UTC | 8 | 100% | 0% | 100% | none |"), "{}", stdout(&o));
    let page = n.dir.path().join("history.html");
    let o = n.history(&["--format", "html", "--out", &p(&page)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("the page is written");
    assert_eq!(html.matches("<svg ").count(), 6, "verdict, rows, ready, stale, labeled, missing");
    assert!(html.contains("<title id=\"h2-t\">Rows of nightly per scan</title>"));
}

#[test]
fn without_history_the_report_has_no_trend() {
    let n = nightly();
    write(n.dir.path(), "orders.csv", Night::steady(10).csv());
    let (code, r) = crate::common::scan_json(&n.profile, &[]);
    assert_eq!(code, 0);
    assert!(r["checklist"].get("trend").is_none(), "{}", r["checklist"]);
    let trend = r["findings"].as_array().into_iter().flatten().filter(|f| f["check"] == "trend").count();
    assert_eq!(trend, 0);
    assert!(!n.history.exists());
}

#[test]
fn concurrent_scans_all_land_intact() {
    const PROCESSES: u32 = 8;
    let n = nightly();
    write(n.dir.path(), "orders.csv", Night::steady(10).csv());
    // Two rounds: the first creates the file (WAL switch and schema) from several processes at
    // once, the second appends to it.
    let mut reports: Vec<Value> = Vec::new();
    for round in 0..2 {
        let children: Vec<_> = (0..PROCESSES)
            .map(|i| {
                let as_of = format!("2025-01-{:02}T06:{:02}:00Z", 10 + round, i);
                bin()
                    .current_dir(root())
                    .args(["scan", &p(&n.profile), "--history", &p(&n.history), "--as-of", &as_of])
                    .args(["--format", "json", "--quiet"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("the preflight binary starts")
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().expect("the scan finishes");
            assert!(matches!(o.status.code(), Some(0 | 1)), "exit {:?}: {}", o.status.code(), stderr(&o));
            assert_eq!(stderr(&o), "");
            reports.push(serde_json::from_slice(&o.stdout).expect("a JSON report"));
        }
    }
    let mut h = preflight::history::History::open_existing(&n.history).expect("the history opens");
    let scans = h.scans(None).expect("the history reads");
    assert_eq!(scans.len(), 2 * PROCESSES as usize, "every scan landed");
    for r in &reports {
        let as_of = r["as_of"].as_str().unwrap_or_default();
        let stored: Vec<_> = scans.iter().filter(|s| s.as_of == as_of).collect();
        assert_eq!(stored.len(), 1, "{as_of} stored once");
        let s = stored[0];
        let findings = r["findings"].as_array().map_or(0, Vec::len) as u64;
        assert_eq!(s.findings.fail + s.findings.warn + s.findings.pass, findings, "{as_of}: every finding kept");
        assert_eq!(s.verdict.as_str(), r["verdict"]);
        let orders = s.source("orders").expect("orders kept");
        assert_eq!(orders.rows, Some(20));
        assert_eq!(orders.columns.as_ref().map(Vec::len), Some(4));
    }
    h.close();
}

#[test]
fn a_version_1_history_is_upgraded_and_judged_against() {
    let n = nightly();
    std::fs::copy(root().join("fixtures/history/v1.sqlite"), &n.history).expect("copy the v1 fixture");
    let o = n.history(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let h: Value = serde_json::from_slice(&o.stdout).expect("history JSON");
    let scans = h["scans"].as_array().expect("scans");
    assert_eq!(scans.len(), 3);
    assert_eq!(scans[1]["verdict"], "FAIL");
    assert_eq!(scans[1]["sources"][1]["name"], "kb");
    assert_eq!(scans[1]["sources"][1]["status"], "error", "v1 kept no status: an unread source had no rows");
    assert_eq!(scans[2]["sources"][0]["missing_share"], 0.05);
    assert_eq!(scans[2]["findings"], serde_json::json!({"fail": 0, "warn": 1, "pass": 2}));
    assert!(scans[0]["tool_version"].is_null());
    let mut file = preflight::history::History::open_existing(&n.history).expect("opens");
    assert_eq!(file.schema_version().ok(), Some(preflight::history::schema::CURRENT));
    file.close();

    // A scan after the upgrade is judged against the version 1 scans.
    let (code, r) = n.scan(Night { rows: 10, ..Night::steady(4) });
    assert_eq!(code, 0, "a WARN verdict exits 0 without --strict");
    assert_eq!(
        message(&r, "trend.max_row_change.orders"),
        "rows fell 50% since the scan of 2025-01-03 06:00 UTC: 20 → 10 (warn above 20%)"
    );
    assert_eq!(severity(&r, "trend.max_row_change.orders"), "WARN");
    assert_eq!(
        message(&r, "trend.max_schema_changes.orders"),
        "no earlier column list of `orders` in the history to compare with"
    );
    // Version 1 kept coverage per source, so the baseline has three values.
    assert!(
        message(&r, "trend.max_coverage_drop.orders").contains("median of the last 3 scans"),
        "{}",
        message(&r, "trend.max_coverage_drop.orders")
    );
    assert!(message(&r, "trend.max_missing_share_rise.orders.body").contains("not enough history yet: 0 earlier"));
}

#[test]
fn history_mistakes_exit_2_with_a_hint() {
    let n = nightly();
    let o = n.history(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: history `{0}` does not exist\n\nhint: `preflight scan PROFILE --history {0}` starts one; or pass `--history PATH`\n",
            n.history.display()
        )
    );
    assert!(!n.history.exists(), "`history` does not create the file");

    n.scan(Night::steady(10));
    let o = n.history(&["--profile", "nigthly"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: no scan of profile `nigthly` in history `{}`\n\nhint: did you mean `nightly`?\n",
            n.history.display()
        )
    );
    let o = n.history(&["--format", "junit"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[possible values: text, json, markdown, html]"), "{}", stderr(&o));

    // A folder that does not exist.
    let nowhere = n.dir.path().join("no-such-folder").join("h.sqlite");
    let o = run(&["scan", &p(&n.profile), "--history", &p(&nowhere), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(&format!("error: cannot open history `{}`: ", nowhere.display())), "{}", stderr(&o));
    assert!(stderr(&o).ends_with("hint: the history file's folder must exist and be writable by this user\n"));

    // A database that is not a history is refused, before any source is scanned.
    let other = n.dir.path().join("crm.db");
    std::fs::copy(root().join("fixtures/demo/crm.db"), &other).expect("copy a database");
    let o = run(&["scan", &p(&n.profile), "--history", &p(&other), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: `{}` is not a preflight history file: it holds a table `customers` and no history schema version",
            other.display()
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bad_trend_table_is_a_profile_error() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write(dir.path(), "orders.csv", Night::steady(10).csv());
    let profile = write(
        dir.path(),
        "profile.toml",
        PROFILE.replace("min_history = 2\n", "min_history = 2\nmax_rows_change = 0.5\n"),
    );
    for command in ["check", "scan"] {
        let o = run(&[command, &p(&profile)]);
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "{}:12:1: `trend.max_rows_change`: unknown key `max_rows_change`",
                profile.display()
            )),
            "{err}"
        );
        assert!(err.contains("hint: did you mean `max_row_change`?"), "{err}");
    }
}

/// An entity's unmatched share, judged against its baseline: steady for three nights, then the
/// CRM loses a quarter of the customers the tickets name.
#[test]
fn an_entity_losing_matches_is_a_trend_regression() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let profile = write(
        dir.path(),
        "profile.toml",
        "[pilot]\nname = \"linked\"\n\n[trend]\nmin_history = 2\nbaseline_scans = 3\n\n\
         [[sources]]\nname = \"tickets\"\npath = \"tickets.csv\"\n\n[[sources]]\nname = \"crm\"\npath = \"crm.csv\"\n\n\
         [[entities]]\nname = \"customer\"\nkeys = [\"tickets.customer_id\", \"crm.id\"]\n\
         max_unmatched_share = { warn = 0.5, fail = 0.9 }\n",
    );
    let history = dir.path().join("history.sqlite");
    let tickets: String = (1..=20).fold(String::from("customer_id\n"), |s, i| s + &format!("C{i}\n"));
    write(dir.path(), "tickets.csv", &tickets);
    let scan = |day: u32, crm_keys: std::ops::RangeInclusive<u32>| {
        let crm: String = crm_keys.fold(String::from("id\n"), |s, i| s + &format!("C{i}\n"));
        write(dir.path(), "crm.csv", crm);
        let as_of = format!("2025-01-{day:02}T06:00:00Z");
        let o =
            run(&["scan", &p(&profile), "--history", &p(&history), "--as-of", &as_of, "--format", "json", "--quiet"]);
        serde_json::from_slice::<Value>(&o.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}): {}", stderr(&o)))
    };
    let id = "trend.max_unmatched_share_rise.customer.tickets";
    let first = scan(1, 1..=20);
    assert_eq!(severity(&first, id), "PASS");
    let second = scan(2, 1..=20);
    assert!(message(&second, id).contains("not enough history yet"), "{}", message(&second, id));
    scan(3, 1..=20);
    let fourth = scan(4, 1..=15);
    // 5 of the tickets' 20 customers are gone from the CRM: 25% against a baseline of 0%.
    assert_eq!(fourth["entities"][0]["unmatched_share"]["tickets"], 0.25);
    assert_eq!(severity(&fourth, id), "FAIL", "{}", message(&fourth, id));
    assert_eq!(fourth["checklist"]["trend"], "FAIL");
    assert_eq!(fourth["checklist"]["connected"], "PASS", "within the entity's own thresholds");
}
