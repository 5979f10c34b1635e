//! The demo profile against the values `fixtures/README.md` writes down, counted by hand and
//! by `fixtures/demo/expected.py`; and a snapshot of the text report at a fixed as-of.

use serde_json::{Value, json};

use crate::common::{AS_OF, column, finding, run, scan_json, source, stdout};

fn demo() -> (i32, Value) {
    scan_json(std::path::Path::new("profiles/demo.toml"), &[])
}

/// `(name, nulls, blanks, placeholders, missing, missing_share, distinct)` per fixtures/README.md.
type Col = (&'static str, u64, u64, u64, u64, f64, u64);

fn assert_columns(src: &Value, expected: &[Col]) {
    for &(name, nulls, blanks, placeholders, missing, share, distinct) in expected {
        let c = column(src, name);
        let got = (&c["nulls"], &c["blanks"], &c["placeholders"], &c["missing"], &c["missing_share"], &c["distinct"]);
        assert_eq!(
            got,
            (&json!(nulls), &json!(blanks), &json!(placeholders), &json!(missing), &json!(share), &json!(distinct)),
            "column {name}"
        );
    }
}

#[test]
fn demo_verdict_and_checklist() {
    let (code, r) = demo();
    assert_eq!(code, 1, "FAIL exits 1");
    assert_eq!(r["verdict"], "FAIL");
    assert_eq!(
        r["checklist"],
        json!({"data_access": "FAIL", "clean": "FAIL", "permissioned": "WARN", "current": "WARN",
               "labeled": "WARN", "connected": "FAIL"})
    );
    assert_eq!(r["as_of"], AS_OF);
    assert_eq!(r["profile"]["name"], "support-deflection");
    assert_eq!(r["profile"]["owner"], "support-ops@example.com");
}

/// The customer entity: ticket rows against the CRM (fixtures/README.md, "Entity customer").
#[test]
fn demo_customer_entity() {
    let (_, r) = demo();
    let e = &r["entities"][0];
    assert_eq!(e["name"], "customer");
    assert_eq!(e["status"], "ok");
    assert_eq!(e["distinct_keys"], json!({"tickets": 37, "crm": 20}));
    assert_eq!(e["missing_keys"], json!({"tickets": 1, "crm": 0}));
    assert_eq!((&e["in_all"], &e["union"]), (&json!(18), &json!(39)));
    assert_eq!(e["unmatched"], json!({"tickets": 19, "crm": 2}));
    assert_eq!(e["unmatched_share"], json!({"tickets": 0.5135, "crm": 0.1}));
    assert_eq!(e["duplicates"], json!({"tickets": 2, "crm": 0}));
    assert_eq!(e["fragmentation"], json!(0.5385));
    assert_eq!(e["shapes"], json!({"tickets": ["A-9999"], "crm": ["A-9999"]}));
    assert_eq!((&e["matched_raw"], &e["matched_normalized"], &e["recovered"]), (&json!(18), &json!(18), &json!(0)));
    assert_eq!(e["keys_fetched"], json!({"tickets": 0, "crm": 20}));
    let sev = |id: &str| finding(&r, id).map(|f| f["severity"].clone());
    assert_eq!(sev("entities.max_unmatched_share.customer.tickets"), Some(json!("FAIL")));
    assert_eq!(sev("entities.max_unmatched_share.customer.crm"), Some(json!("WARN")));
    assert_eq!(sev("entities.max_duplicate_keys.customer.crm"), Some(json!("PASS")));
    assert_eq!(sev("entities.key_shapes.customer"), Some(json!("PASS")));
}

#[test]
fn demo_tickets_measures() {
    let (_, r) = demo();
    let t = source(&r, "tickets");
    assert_eq!(t["kind"], "csv");
    assert_eq!(t["location"], "fixtures/demo/tickets.csv");
    assert_eq!(t["status"], "ok");
    assert_eq!((&t["rows"], &t["complete_rows"], &t["ready_rows"]), (&json!(40), &json!(27), &json!(23)));
    assert_eq!(t["ready_share"], json!(0.575));
    assert_columns(
        t,
        &[
            ("ticket_id", 0, 0, 0, 0, 0.0, 39),
            ("customer_id", 1, 0, 1, 2, 0.05, 36),
            ("created_at", 1, 0, 0, 1, 0.025, 39),
            ("updated_at", 1, 0, 0, 1, 0.025, 39),
            ("channel", 1, 0, 1, 2, 0.05, 4),
            ("priority", 1, 0, 1, 2, 0.05, 4),
            ("category", 2, 2, 2, 6, 0.15, 6),
            ("subject", 0, 1, 1, 2, 0.05, 38),
            ("body", 1, 1, 1, 3, 0.075, 37),
            ("customer_email", 2, 0, 1, 3, 0.075, 36),
        ],
    );
    let pii = &column(t, "customer_email")["pii"];
    assert_eq!((&pii["kind"], &pii["matches"], &pii["share"]), (&json!("email"), &json!(36), &json!(0.973)));
    assert_eq!(pii["acknowledged"], false);

    let s = &t["staleness"];
    assert_eq!(s["column"], "updated_at");
    assert_eq!(s["newest"], "2025-03-01T12:00:00Z");
    assert_eq!(s["age_seconds"], json!(-4_327_200));
    assert_eq!(s["newest_past"], "2025-01-07T09:30:00Z");
    assert_eq!(s["age_past_seconds"], json!(261_000));
    assert_eq!(s["oldest"], "2022-11-03T08:15:00Z");
    assert_eq!((&s["stale_rows"], &s["stale_share"]), (&json!(5), &json!(0.125)));
    assert_eq!((&s["future_rows"], &s["unparseable"], &s["naive_utc"]), (&json!(1), &json!(1), &json!(7)));
    assert!(s["file_modified"].is_string());

    let l = &t["labels"];
    assert_eq!((&l["labeled"], &l["coverage"]), (&json!(34), &json!(0.85)));
    assert_eq!(
        l["classes"],
        json!({"Billing": 12, "Technical": 8, "Account": 6, "Shipping": 5, "Refunds": 2, "billing ": 1})
    );
    assert_eq!(l["rare_classes"], json!(["Refunds", "billing "]));
    assert_eq!(l["imbalance"], json!(12.0));
    assert_eq!(l["variant_labels"], json!([["Billing", "billing "]]));

    let k = &t["keys"];
    assert_eq!((&k["distinct"], &k["duplicates"], &k["duplicate_rows"]), (&json!(39), &json!(1), &json!(1)));
    assert_eq!(t["access"]["readable"], true);
}

#[test]
fn demo_kb_measures() {
    let (_, r) = demo();
    let kb = source(&r, "kb");
    assert_eq!(kb["kind"], "parquet");
    assert_eq!((&kb["rows"], &kb["complete_rows"], &kb["ready_rows"]), (&json!(20), &json!(18), &json!(16)));
    assert_eq!(kb["ready_share"], json!(0.8));
    assert_columns(
        kb,
        &[
            ("article_id", 0, 0, 0, 0, 0.0, 20),
            ("title", 0, 0, 1, 1, 0.05, 19),
            ("body", 1, 0, 0, 1, 0.05, 19),
            ("category", 1, 0, 0, 1, 0.05, 4),
            ("author_email", 1, 1, 0, 2, 0.1, 4),
            ("updated_at", 0, 0, 0, 0, 0.0, 20),
            ("published", 1, 0, 0, 1, 0.05, 2),
        ],
    );
    let pii = &column(kb, "author_email")["pii"];
    assert_eq!((&pii["matches"], &pii["share"], &pii["acknowledged"]), (&json!(18), &json!(1.0), &json!(true)));
    let s = &kb["staleness"];
    assert_eq!((&s["newest"], &s["age_seconds"]), (&json!("2025-01-09T16:00:00Z"), &json!(64_800)));
    assert_eq!(s["oldest"], "2023-06-01T00:00:00Z");
    assert_eq!((&s["stale_rows"], &s["future_rows"], &s["unparseable"]), (&json!(1), &json!(0), &json!(0)));
    // The footer's statistics vouch for the same range without a scan.
    assert_eq!((&s["footer_min"], &s["footer_max"]), (&json!("2023-06-01T00:00:00Z"), &json!("2025-01-09T16:00:00Z")));
    let l = &kb["labels"];
    assert_eq!((&l["labeled"], &l["coverage"]), (&json!(19), &json!(0.95)));
    assert_eq!(l["classes"], json!({"Billing": 7, "Technical": 6, "Account": 4, "Shipping": 2}));
    assert_eq!(l["rare_classes"], json!(["Account", "Shipping"]));
    assert_eq!(l["imbalance"], json!(3.5));
    assert_eq!(l["variant_labels"], json!([]));
    let k = &kb["keys"];
    assert_eq!((&k["distinct"], &k["duplicates"]), (&json!(20), &json!(0)));
}

#[test]
fn demo_findings_and_evidence() {
    let (_, r) = demo();
    let sev = |id: &str| finding(&r, id).map(|f| f["severity"].clone()).unwrap_or(Value::Null);
    // fixtures/README.md, "Thresholds this crosses".
    for (id, expected) in [
        ("missing.max_missing_share.tickets.ticket_id", "PASS"),
        ("missing.max_missing_share.tickets.customer_id", "WARN"),
        ("missing.max_missing_share.tickets.subject", "WARN"),
        ("missing.max_missing_share.tickets.body", "WARN"),
        ("missing.max_missing_share.tickets.category", "FAIL"),
        ("staleness.max_age.tickets", "WARN"),
        ("staleness.max_stale_share.tickets", "PASS"),
        ("staleness.future_rows.tickets", "WARN"),
        ("staleness.unparseable.tickets", "WARN"),
        ("labels.min_label_coverage.tickets", "PASS"),
        ("labels.rare_classes.tickets", "WARN"),
        ("labels.variant_labels.tickets", "WARN"),
        ("keys.duplicates.tickets", "FAIL"),
        ("access.pii.tickets.customer_email", "WARN"),
        ("access.readable.tickets", "PASS"),
        ("missing.max_missing_share.kb.title", "WARN"),
        ("missing.max_missing_share.kb.body", "WARN"),
        ("staleness.max_age.kb", "PASS"),
        ("staleness.max_stale_share.kb", "PASS"),
        ("labels.min_label_coverage.kb", "PASS"),
        ("keys.duplicates.kb", "PASS"),
        ("access.pii.kb.author_email", "PASS"),
    ] {
        assert_eq!(sev(id), json!(expected), "{id}");
    }
    let ev = |id: &str| finding(&r, id).map(|f| f["evidence"].clone()).unwrap_or(Value::Null);
    assert_eq!(
        ev("missing.max_missing_share.tickets.category"),
        json!([{"line": 4, "value": null}, {"line": 8, "value": "N/A"}, {"line": 18, "value": ""},
               {"line": 24, "value": "unknown"}, {"line": 28, "value": "  "}])
    );
    assert_eq!(ev("keys.duplicates.tickets"), json!([{"line": 33, "value": "T-1012"}]));
    assert_eq!(ev("staleness.future_rows.tickets"), json!([{"line": 20, "value": "2025-03-01T12:00:00Z"}]));
    assert_eq!(ev("staleness.unparseable.tickets"), json!([{"line": 17, "value": "yesterday"}]));
    assert_eq!(ev("staleness.max_age.tickets"), json!([{"line": 12, "value": "2025-01-07T09:30:00Z"}]));
    assert_eq!(ev("missing.max_missing_share.kb.title"), json!([{"row": 4, "value": "TBD"}]));
    // PII evidence is masked.
    let pii = ev("access.pii.tickets.customer_email");
    let first = pii[0]["value"].as_str().unwrap_or_default();
    assert!(first.contains("***@"), "masked: {first}");
}

#[test]
fn demo_text_report_snapshot() {
    let o = run(&["scan", "profiles/demo.toml", "--as-of", AS_OF, "--quiet"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.lines().all(|l| l.chars().count() <= 80), "fits 80 columns:\n{text}");
    assert!(!text.contains('\u{1b}'), "no colour when stdout is not a terminal");
    insta::with_settings!({filters => vec![(r"· \d+(\.\d+)? s\n", "· [ELAPSED]\n"), (r"0\.1\.\d+", "[VERSION]")]}, {
        insta::assert_snapshot!(text);
    });
}

#[test]
fn demo_crm_measures() {
    let (_, r) = demo();
    let c = source(&r, "crm");
    assert_eq!(c["kind"], "sqlite");
    assert_eq!(c["location"], "sqlite://../fixtures/demo/crm.db#customers");
    assert_eq!(c["status"], "ok");
    assert_eq!((&c["rows"], &c["complete_rows"], &c["ready_rows"]), (&json!(20), &json!(15), &json!(11)));
    assert_eq!(c["ready_share"], json!(0.55));
    assert_columns(
        c,
        &[
            ("customer_id", 0, 0, 0, 0, 0.0, 20),
            ("name", 0, 1, 0, 1, 0.05, 19),
            ("email", 1, 1, 2, 4, 0.2, 15),
            ("country", 0, 0, 0, 0, 0.0, 19),
            ("segment", 1, 0, 0, 1, 0.05, 4),
            ("updated_at", 1, 0, 0, 1, 0.05, 19),
        ],
    );
    let email = column(c, "email");
    assert_eq!((&email["pii"]["matches"], &email["pii"]["share"]), (&json!(16), &json!(1.0)));
    assert_eq!(email["suspected_placeholders"][0]["count"], json!(2));
    let s = &c["staleness"];
    assert_eq!((&s["newest"], &s["newest_past"]), (&json!("2026-02-01T00:00:00Z"), &json!("2025-01-09T08:00:00Z")));
    assert_eq!((&s["age_past_seconds"], &s["oldest"]), (&json!(93_600), &json!("2022-06-15T00:00:00Z")));
    assert_eq!((&s["stale_rows"], &s["stale_share"]), (&json!(3), &json!(0.15)));
    assert_eq!((&s["future_rows"], &s["unparseable"], &s["naive_utc"]), (&json!(1), &json!(1), &json!(4)));
    let l = &c["labels"];
    assert_eq!((&l["labeled"], &l["coverage"]), (&json!(19), &json!(0.95)));
    assert_eq!(l["classes"], json!({"enterprise": 7, "smb": 6, "mid-market": 5, "Enterprise": 1}));
    assert_eq!(l["variant_labels"], json!([["Enterprise", "enterprise"]]));
    assert_eq!((&c["keys"]["distinct"], &c["keys"]["duplicates"]), (&json!(20), &json!(0)));
    assert_eq!((&c["access"]["readable"], &c["access"]["world_writable"]), (&json!(true), &json!(false)));

    let sev = |id: &str| finding(&r, id).map(|f| f["severity"].clone()).unwrap_or(Value::Null);
    for (id, expected) in [
        ("missing.max_missing_share.crm.name", "WARN"),
        ("missing.max_missing_share.crm.email", "FAIL"),
        ("missing.suspected_placeholders.crm.email", "WARN"),
        ("staleness.max_age.crm", "PASS"),
        ("staleness.max_stale_share.crm", "PASS"),
        ("staleness.future_rows.crm", "WARN"),
        ("staleness.unparseable.crm", "WARN"),
        ("labels.min_label_coverage.crm", "PASS"),
        ("labels.rare_classes.crm", "WARN"),
        ("labels.variant_labels.crm", "WARN"),
        ("keys.duplicates.crm", "PASS"),
        ("access.pii.crm.email", "PASS"),
        ("access.readable.crm", "PASS"),
    ] {
        assert_eq!(sev(id), json!(expected), "{id}");
    }
    // SQL evidence names rows by key.
    let ev = |id: &str| finding(&r, id).map(|f| f["evidence"].clone()).unwrap_or(Value::Null);
    assert_eq!(
        ev("missing.max_missing_share.crm.email"),
        json!([{"key": "C-2004", "value": "N/A"}, {"key": "C-2006", "value": null}, {"key": "C-2009", "value": "   "},
               {"key": "C-2019", "value": "unknown"}])
    );
    assert_eq!(
        ev("staleness.max_stale_share.crm"),
        json!([{"key": "C-2003", "value": "2023-02-01T09:00:00Z"}, {"key": "C-2008", "value": "2022-06-15T00:00:00Z"},
               {"key": "C-2016", "value": "2023-12-31"}])
    );
    assert_eq!(ev("staleness.unparseable.crm"), json!([{"key": "C-2010", "value": "last week"}]));
    assert_eq!(ev("staleness.max_age.crm"), json!([{"key": "C-2001", "value": "2025-01-09T08:00:00Z"}]));
}

/// `columns` narrows a scan to the listed columns and those the profile names (timestamp, label,
/// key, required, pii, entity keys): the same numbers for them, nothing for the rest, on CSV,
/// Parquet (only those columns decoded) and SQLite alike.
#[test]
fn listed_columns_measure_the_same_and_nothing_else() {
    let (_, full) = demo();
    let text = std::fs::read_to_string("profiles/demo.toml").expect("the demo profile");
    let narrowed = text
        .replace("pii = []  ", "columns = [\"channel\"]\npii = []  ")
        .replace("pii = [\"author_email\"]", "columns = []\npii = [\"author_email\"]")
        .replace("pii = [\"email\"] ", "columns = []\npii = [\"email\"] ");
    assert_eq!(narrowed.matches("columns = ").count(), 3, "the demo profile changed: {narrowed}");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let profile = dir.path().join("profiles").join("demo.toml");
    std::fs::create_dir_all(dir.path().join("profiles")).expect("a profiles folder");
    std::fs::write(
        &profile,
        narrowed.replace("../fixtures/", &format!("{}/fixtures/", crate::common::root().display())),
    )
    .expect("the narrowed profile");
    let (_, part) = scan_json(&profile, &[]);
    let names = |r: &Value, s: &str| -> Vec<String> {
        source(r, s)["columns"]
            .as_array()
            .map_or_else(Vec::new, |c| c.iter().filter_map(|c| c["name"].as_str().map(str::to_string)).collect())
    };
    assert_eq!(
        names(&part, "tickets"),
        ["ticket_id", "customer_id", "updated_at", "channel", "category", "subject", "body"],
        "the listed column, then those the profile names, in the file's order"
    );
    assert_eq!(names(&part, "kb"), ["article_id", "title", "body", "category", "author_email", "updated_at"]);
    assert_eq!(names(&part, "crm"), ["customer_id", "name", "email", "segment", "updated_at"], "not `country`");
    for s in ["tickets", "kb", "crm"] {
        for c in names(&part, s) {
            assert_eq!(column(source(&part, s), &c), column(source(&full, s), &c), "{s}.{c}");
        }
        for k in ["rows", "ready_rows", "staleness", "labels", "keys"] {
            assert_eq!(source(&part, s)[k], source(&full, s)[k], "{s} {k}");
        }
    }
    assert_eq!(part["entities"], full["entities"]);
}
