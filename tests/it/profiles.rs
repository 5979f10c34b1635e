//! Profile mistakes (DESIGN §2): each kind is written into a temporary profile beside a small
//! CSV, and both `check` and `scan` must refuse it with exit code 2, naming the file, the line,
//! the column, the key and, where one helps, a "did you mean" hint. Columns the CSV lacks are the
//! exception for `scan`, which reports them as FAIL findings instead.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{AS_OF, finding, run, scan_json, stderr, stdout, write};

/// Five rows, every column present and clean; `updated_at` is recent at `AS_OF`.
const CSV: &str = "\
ticket_id,customer_id,updated_at,category,body
T1,C1,2025-01-09T10:00:00Z,billing,refund please
T2,C2,2025-01-09T11:00:00Z,billing,card declined
T3,C1,2025-01-08T09:00:00Z,shipping,where is my parcel
T4,C3,2025-01-09T08:00:00Z,shipping,parcel damaged
T5,C4,2025-01-07T08:00:00Z,billing,charged twice
";

struct Fixture {
    _dir: tempfile::TempDir,
    profile: PathBuf,
}

/// `profile.toml` with this text beside `tickets.csv` (`CSV`) in a fresh temporary folder.
fn fixture(toml: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write(dir.path(), "tickets.csv", CSV);
    let profile = write(dir.path(), "profile.toml", toml);
    Fixture { _dir: dir, profile }
}

fn check(profile: &Path) -> Output {
    run(&["check", &profile.to_string_lossy()])
}

fn scan(profile: &Path) -> Output {
    run(&["scan", &profile.to_string_lossy(), "--as-of", AS_OF, "--quiet"])
}

/// One expected problem: where it is, which key, the start of its message, and its hint.
struct Expect<'a> {
    line: usize,
    col: usize,
    key: &'a str,
    message: &'a str,
    hint: Option<&'a str>,
}

fn at<'a>(line: usize, col: usize, key: &'a str, message: &'a str) -> Expect<'a> {
    Expect { line, col, key, message, hint: None }
}

impl<'a> Expect<'a> {
    fn hint(self, hint: &'a str) -> Self {
        Expect { hint: Some(hint), ..self }
    }
}

/// Runs `check` and `scan` on the fixture; both must exit 2 and list exactly these problems.
fn assert_invalid(f: &Fixture, expected: &[Expect<'_>]) {
    for (command, out) in [("check", check(&f.profile)), ("scan", scan(&f.profile))] {
        assert_problems(command, &f.profile, &out, expected);
    }
}

fn assert_problems(command: &str, profile: &Path, out: &Output, expected: &[Expect<'_>]) {
    let err = stderr(out);
    let path = profile.display().to_string();
    assert_eq!(out.status.code(), Some(2), "`{command}` exit code; stderr:\n{err}");
    assert_eq!(stdout(out), "", "`{command}` printed to stdout; stderr:\n{err}");
    assert!(err.starts_with("error: "), "`{command}` stderr does not start with `error: `:\n{err}");
    let count = match expected.len() {
        1 => "is invalid: 1 problem\n".to_string(),
        n => format!("is invalid: {n} problems\n"),
    };
    assert!(err.contains(&format!("profile `{path}` {count}")), "`{command}` does not count {count:?}:\n{err}");
    // Each problem is a block separated by a blank line; its first line is the location. The
    // hint that closes the whole message (unindented) belongs to no block.
    let listing = err.split("\n\nhint: ").next().unwrap_or_default();
    let blocks: Vec<&str> = listing.split("\n  \n").collect();
    let mut last = 0;
    for e in expected {
        let key = if e.key.is_empty() { String::new() } else { format!("`{}`: ", e.key) };
        let head = format!("{path}:{}:{}: {key}{}", e.line, e.col, e.message);
        let Some(i) = blocks.iter().position(|b| b.trim_start().starts_with(&head)) else {
            panic!("`{command}` stderr lacks a problem starting\n  {head}\nstderr:\n{err}");
        };
        assert!(i >= last, "`{command}` lists problems out of line order at {head}:\n{err}");
        last = i;
        let block = blocks[i];
        // The offending line of the profile is quoted with its number in the gutter.
        let quoted = format!(" {} | ", e.line);
        assert!(block.contains(&quoted), "`{command}` does not quote line {} in:\n{block}", e.line);
        match e.hint {
            Some(h) => assert!(block.contains(&format!("hint: {h}")), "`{command}` lacks hint `{h}` in:\n{block}"),
            None => assert!(!block.contains("hint: "), "`{command}` has an unexpected hint in:\n{block}"),
        }
    }
    assert_eq!(
        err.matches(&format!("{path}:")).count(),
        expected.len(),
        "`{command}` reports more problems than expected:\n{err}"
    );
    if command == "scan" {
        assert!(
            err.contains(&format!("hint: `preflight check {path}` lists every problem at once")),
            "`scan` does not point at `check`:\n{err}"
        );
    } else {
        assert!(!err.contains("hint: `preflight check"), "`check` points at itself:\n{err}");
    }
}

#[test]
fn unknown_top_level_key() {
    let f = fixture(
        r#"[pilot]
name = "t"

[default]
stale_after = "30d"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[entity]]
name = "customer"
"#,
    );
    assert_invalid(
        &f,
        &[
            at(4, 2, "default", "unknown key `default`").hint("did you mean `defaults`?"),
            at(11, 3, "entity", "unknown key `entity`").hint("did you mean `entities`?"),
        ],
    );
}

#[test]
fn unknown_key_without_a_close_match_lists_the_allowed_ones() {
    let f = fixture(
        r#"[pilot]
name = "t"
colour = "blue"

[[sources]]
name = "tickets"
path = "tickets.csv"
"#,
    );
    assert_invalid(
        &f,
        &[at(3, 1, "pilot.colour", "unknown key `colour`").hint("expected one of `name`, `owner`, `kpi`")],
    );
}

#[test]
fn unknown_source_key_suggests_the_right_one() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"
timestmp = "updated_at"
lable = "category"
"#,
    );
    assert_invalid(
        &f,
        &[
            at(7, 1, "sources[0].timestmp", "unknown key `timestmp`").hint("did you mean `timestamp`?"),
            at(8, 1, "sources[0].lable", "unknown key `lable`").hint("did you mean `label`?"),
        ],
    );
}

#[test]
fn bad_durations() {
    let f = fixture(
        r#"[pilot]
name = "t"

[defaults]
stale_after = "7 days"
max_age = { warn = "2d", fail = "1 week" }

[[sources]]
name = "tickets"
path = "tickets.csv"
stale_after = "soon"
max_age = 7
"#,
    );
    assert_invalid(
        &f,
        &[
            at(5, 15, "defaults.stale_after", "`7 days` has an unknown unit `days`").hint("did you mean `7d`?"),
            at(6, 33, "defaults.max_age.fail", "`1 week` has an unknown unit `week`").hint("did you mean `1w`?"),
            at(11, 15, "sources[0].stale_after", "`soon` is not a duration")
                .hint("durations look like `90s`, `15m`, `36h`, `7d`, `52w`"),
            at(12, 11, "sources[0].max_age", "expected a duration string such as \"7d\", found integer"),
        ],
    );
}

#[test]
fn thresholds_out_of_range_or_in_the_wrong_order() {
    let f = fixture(
        r#"[pilot]
name = "t"

[defaults]
max_missing_share = 1.5
max_stale_share = { warn = 0.7, fail = 0.2 }
min_label_coverage = { warn = 0.5, fail = 0.8 }
min_class_examples = -3

[[sources]]
name = "tickets"
path = "tickets.csv"
max_missing_share = { warn = -0.1, fail = 0.1 }
"#,
    );
    assert_invalid(
        &f,
        &[
            at(5, 21, "defaults.max_missing_share", "share `1.5` is out of range: expected a number between 0 and 1")
                .hint("write shares as fractions: 0.05 means 5%"),
            at(6, 19, "defaults.max_stale_share", "warn (0.7) must be at or below fail (0.2)"),
            at(7, 22, "defaults.min_label_coverage", "warn (0.5) must be at or above fail (0.8)"),
            at(8, 22, "defaults.min_class_examples", "`-3` is not a count: expected a whole number ≥ 0"),
            at(13, 30, "sources[0].max_missing_share.warn", "share `-0.1` is out of range")
                .hint("write shares as fractions: 0.05 means 5%"),
        ],
    );
}

#[test]
fn duplicate_source_names() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[sources]]
name = "tickets"
path = "tickets.csv"
"#,
    );
    assert_invalid(
        &f,
        &[at(9, 8, "sources[1].name", "source name `tickets` is declared twice")
            .hint("every source needs its own name; findings and entities refer to it")],
    );
}

/// A profile naming columns that `tickets.csv` does not have.
const ABSENT_COLUMNS: &str = r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"
timestamp = "updated"
label = "categroy"
key = "id"
required = ["ticket_id", "subject", "body"]
"#;

#[test]
fn absent_listed_columns_are_problems_for_check() {
    let f = fixture(
        "[pilot]\nname = \"t\"\n\n[[sources]]\nname = \"tickets\"\npath = \"tickets.csv\"\ncolumns = [\"bdy\"]\n",
    );
    let out = check(&f.profile);
    assert_problems(
        "check",
        &f.profile,
        &out,
        &[at(7, 12, "sources[0].columns", "listed column `bdy` is not in source `tickets`")
            .hint("did you mean `body`?")],
    );
}

#[test]
fn absent_entity_columns_are_problems_for_check() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[sources]]
name = "crm"
path = "tickets.csv"

[[entities]]
name = "customer"
keys = ["tickets.customerid", "crm.customer_id"]
compare = [["tickets.body", "crm.email"]]
"#,
    );
    let out = check(&f.profile);
    assert_problems(
        "check",
        &f.profile,
        &out,
        &[
            at(12, 1, "entities[0].keys", "entity `customer`: column `customerid` is not in source `tickets`")
                .hint("did you mean `tickets.customer_id`?"),
            at(12, 1, "entities[0].compare", "entity `customer`: column `email` is not in source `crm`")
                .hint("`crm` has columns `ticket_id`, `customer_id`, `updated_at`, `category`, `body`"),
        ],
    );
}

#[test]
fn absent_columns_are_problems_for_check() {
    let f = fixture(ABSENT_COLUMNS);
    let out = check(&f.profile);
    let cols = "`tickets` has columns `ticket_id`, `customer_id`, `updated_at`, `category`, `body`";
    assert_problems(
        "check",
        &f.profile,
        &out,
        &[
            at(7, 13, "sources[0].timestamp", "timestamp column `updated` is not in source `tickets`")
                .hint("did you mean `updated_at`?"),
            at(8, 9, "sources[0].label", "label column `categroy` is not in source `tickets`")
                .hint("did you mean `category`?"),
            at(9, 7, "sources[0].key", "key column `id` is not in source `tickets`").hint(cols),
            at(10, 26, "sources[0].required", "required column `subject` is not in source `tickets`").hint(cols),
        ],
    );
    let err = stderr(&out);
    let path = f.profile.display();
    assert!(err.starts_with(&format!("error: profile `{path}` does not match its sources\n")), "{err}");
}

#[test]
fn absent_columns_are_fail_findings_for_scan() {
    let f = fixture(ABSENT_COLUMNS);
    let (code, report) = scan_json(&f.profile, &[]);
    assert_eq!(code, 1, "scan with absent columns exits 1 (FAIL), not 2");
    assert_eq!(report["verdict"], "FAIL");
    for (id, check, column) in [
        ("missing.required_absent.tickets.subject", "clean", "subject"),
        ("staleness.timestamp_absent.tickets", "current", "updated"),
        ("labels.label_absent.tickets", "labeled", "categroy"),
    ] {
        let f = finding(&report, id).unwrap_or_else(|| panic!("no finding `{id}` in {}", report["findings"]));
        assert_eq!(f["severity"], "FAIL", "{id}");
        assert_eq!(f["check"], check, "{id}");
        assert_eq!(f["source"], "tickets", "{id}");
        assert_eq!(f["column"], column, "{id}");
    }
    // Present required columns are not reported absent.
    assert!(finding(&report, "missing.required_absent.tickets.ticket_id").is_none());
    assert!(finding(&report, "missing.required_absent.tickets.body").is_none());
    assert_eq!(report["checklist"]["clean"], "FAIL");
    assert_eq!(report["checklist"]["current"], "FAIL");
    assert_eq!(report["checklist"]["labeled"], "FAIL");
}

#[test]
fn entity_referring_to_an_undeclared_source() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[sources]]
name = "crm"
path = "tickets.csv"

[[entities]]
name = "customer"
keys = ["tickets.customer_id", "tickts.customer_id"]
compare = [["tickets.body", "billing.body"]]
unique = ["crm", "zzz"]
"#,
    );
    assert_invalid(
        &f,
        &[
            at(14, 32, "entities[0].keys", "entity `customer` refers to source `tickts`, which is not declared")
                .hint("did you mean `tickets`?"),
            at(15, 29, "entities[0].compare", "entity `customer` refers to source `billing`, which is not declared")
                .hint("declared sources: `tickets`, `crm`"),
            at(16, 11, "entities[0].unique", "`crm` is not one of entity `customer`'s systems"),
            at(16, 18, "entities[0].unique", "entity `customer` refers to source `zzz`, which is not declared")
                .hint("declared sources: `tickets`, `crm`"),
        ],
    );
}

#[test]
fn entity_comparing_outside_its_systems_or_listing_one_twice() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[sources]]
name = "crm"
path = "tickets.csv"

[[entities]]
name = "customer"
keys = ["tickets.customer_id", "tickets.ticket_id", "crm.customer_id"]
compare = [["tickets.body", "crm.body"]]

[[entities]]
name = "ticket"
keys = ["tickets.ticket_id", "tickets.customer_id"]
compare = [["tickets.body", "crm.body"]]
"#,
    );
    assert_invalid(
        &f,
        &[
            at(
                14,
                32,
                "entities[0].keys",
                "source `tickets` is listed twice; each system of an entity has one key column",
            ),
            at(17, 1, "entities[1].keys", "entity `ticket` needs keys in at least two systems")
                .hint("write `keys = [\"tickets.customer_id\", \"crm.customer_id\"]`"),
            at(
                19,
                30,
                "entities[1].keys",
                "source `tickets` is listed twice; each system of an entity has one key column",
            ),
            at(20, 29, "entities[1].compare", "`crm` is not one of entity `ticket`'s systems")
                .hint("values are compared per key: add the source's key column to `keys`"),
        ],
    );
}

#[test]
fn invalid_toml_syntax() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv
"#,
    );
    assert_invalid(&f, &[at(6, 20, "", "TOML syntax error: invalid basic string")]);
}

#[test]
fn invalid_toml_syntax_has_no_empty_key() {
    let f = fixture("[pilot\nname = \"t\"\n");
    let err = stderr(&check(&f.profile));
    let path = f.profile.display();
    assert!(err.contains(&format!("{path}:1:7: TOML syntax error: ")), "{err}");
    assert!(!err.contains("``"), "an empty key is printed:\n{err}");
}

#[test]
fn missing_pilot_name() {
    let f = fixture(
        r#"[pilot]
owner = "ops@example.com"

[[sources]]
name = "tickets"
path = "tickets.csv"
"#,
    );
    assert_invalid(
        &f,
        &[at(1, 1, "pilot.name", "missing required key `name`").hint("add `name = \"my-pilot\"` under `[pilot]`")],
    );
}

#[test]
fn missing_pilot_table() {
    let f = fixture(
        r#"[[sources]]
name = "tickets"
path = "tickets.csv"
"#,
    );
    assert_invalid(
        &f,
        &[at(1, 1, "pilot", "missing required table `[pilot]`").hint("add `[pilot]` with `name = \"…\"`")],
    );
}

#[test]
fn source_with_both_path_and_url() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"
url = "sqlite://tickets.db"
table = "tickets"
"#,
    );
    assert_invalid(
        &f,
        &[
            at(4, 1, "sources[0].table", "`table` applies to a database `url`, not to a file `path`"),
            at(7, 7, "sources[0].url", "a source has either `path` or `url`, not both")
                .hint("keep `path` for a file or `url` for a database, and declare the other as its own source"),
        ],
    );
}

#[test]
fn source_with_neither_path_nor_url() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
timestamp = "updated_at"

[[sources]]
name = "crm"
url = "sqlite://crm.db"
"#,
    );
    // The first source is dropped, so the second keeps its own index in the messages.
    assert_invalid(
        &f,
        &[
            at(4, 1, "sources[0]", "source `tickets` has neither `path` nor `url`")
                .hint("add `path = \"data.csv\"` or `url = \"postgres://…\"`"),
            at(8, 1, "sources[1].table", "SQL source `crm` needs `table` or `query`"),
        ],
    );
}

#[test]
fn every_mistake_is_listed_in_one_run() {
    let f = fixture(
        r#"[pilot]
nme = "t"

[defaults]
stale_after = "7 days"
max_missing_share = 1.5

[[sources]]
name = "tickets"
path = "tickets.csv"
timestmp = "updated_at"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[entities]]
name = "customer"
keys = ["tickets.customer_id", "crm.customer_id"]
"#,
    );
    assert_invalid(
        &f,
        &[
            at(1, 1, "pilot.name", "missing required key `name`").hint("add `name = \"my-pilot\"` under `[pilot]`"),
            at(2, 1, "pilot.nme", "unknown key `nme`").hint("did you mean `name`?"),
            at(5, 15, "defaults.stale_after", "`7 days` has an unknown unit `days`").hint("did you mean `7d`?"),
            at(6, 21, "defaults.max_missing_share", "share `1.5` is out of range")
                .hint("write shares as fractions: 0.05 means 5%"),
            at(11, 1, "sources[0].timestmp", "unknown key `timestmp`").hint("did you mean `timestamp`?"),
            at(14, 8, "sources[1].name", "source name `tickets` is declared twice")
                .hint("every source needs its own name; findings and entities refer to it"),
            at(19, 32, "entities[0].keys", "entity `customer` refers to source `crm`, which is not declared")
                .hint("declared sources: `tickets`"),
        ],
    );
}

#[test]
fn a_valid_profile_passes_check() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "body"]
"#,
    );
    let out = check(&f.profile);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("profile `{}` is valid: 1 source, 0 entities\n", f.profile.display()));
    assert_eq!(stderr(&out), "");
}

/// STYLE.md: every `profiles/*.toml` validates, and scans to a verdict.
#[test]
fn every_repo_profile_passes_check_and_scans() {
    let dir = crate::common::root().join("profiles");
    let mut profiles: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("profiles/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    profiles.sort();
    assert!(!profiles.is_empty(), "no profiles in {}", dir.display());
    for p in &profiles {
        let out = check(p);
        assert_eq!(out.status.code(), Some(0), "check {}:\n{}", p.display(), stderr(&out));
        assert!(stdout(&out).contains("is valid"), "check {}: {}", p.display(), stdout(&out));

        let (code, report) = scan_json(p, &[]);
        let verdict = report["verdict"].as_str().unwrap_or_default();
        let expected = if verdict == "FAIL" { 1 } else { 0 };
        assert!(["PASS", "WARN", "FAIL"].contains(&verdict), "{}: verdict {verdict:?}", p.display());
        assert_eq!(code, expected, "{}: exit code for verdict {verdict}", p.display());
        assert_eq!(report["as_of"], AS_OF, "{}", p.display());
    }
}

/// `timeout` (SQL statement timeout) must be a positive duration, on a database source.
#[test]
fn bad_sql_timeouts() {
    let f = fixture(
        r#"[pilot]
name = "t"

[[sources]]
name = "tickets"
path = "tickets.csv"
timeout = "5m"

[[sources]]
name = "db"
url = "sqlite://x.db"
table = "t"
timeout = "0s"

[[sources]]
name = "db2"
url = "sqlite://x.db"
table = "t"
timeout = "soon"
"#,
    );
    assert_invalid(
        &f,
        &[
            at(4, 1, "sources[0].timeout", "`timeout` applies to a database `url`, not to a file `path`"),
            at(13, 11, "sources[1].timeout", "timeout must be longer than 0s").hint("for example `timeout = \"5m\"`"),
            at(19, 11, "sources[2].timeout", "`soon` is not a duration")
                .hint("durations look like `90s`, `15m`, `36h`, `7d`, `52w`"),
        ],
    );
}
