//! The five use-case profiles (`profiles/<use case>.toml`) against the values `fixtures/README.md`
//! writes down for them, recomputed without preflight by `fixtures/<use case>/expected.py`.
//!
//! `<use case>_sources` checks what each source measures and the findings of the four parts that
//! sources decide. `<use case>_entities` checks the entities of the entity spec (issue 4), the
//! `connected` part and the verdict, which wait for the entity engine: until it is merged they
//! fail, and nothing else should.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{AS_OF, finding, scan_json};

fn scan(use_case: &str) -> (i32, Value) {
    let (code, r) = scan_json(Path::new(&format!("profiles/{use_case}.toml")), &[]);
    assert_eq!(r["as_of"], AS_OF, "{use_case}");
    (code, r)
}

/// `(name, nulls, blanks, placeholders, missing, missing_share, distinct)`, as in the README.
type Col = (&'static str, u64, u64, u64, u64, f64, u64);

/// Objects that must hold exactly the expected keys: a class or a system too many is an error
/// there, where elsewhere the report may always say more than the test asks.
const EXACT: &[&str] =
    &["classes", "distinct_keys", "missing_keys", "unmatched", "unmatched_share", "duplicates", "shapes"];

/// Shares are compared with a tolerance of 1e-9 against the exact fraction, or against it rounded
/// to 4 decimals as the report rounds shares: the entity spec allows either.
fn same_number(actual: &Value, expected: &Value) -> bool {
    if let (Some(a), Some(e)) = (actual.as_i64(), expected.as_i64()) {
        return a == e;
    }
    match (actual.as_f64(), expected.as_f64()) {
        (Some(a), Some(e)) => (a - e).abs() <= 1e-9 || (a - (e * 10_000.0).round() / 10_000.0).abs() <= 1e-9,
        _ => false,
    }
}

/// Every difference from the README, collected so that one run lists them all.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    /// `actual` holds everything `expected` says (objects may have more keys, except `EXACT` ones).
    fn subset(&mut self, path: &str, actual: &Value, expected: &Value) {
        match expected {
            Value::Object(e) => {
                let Some(a) = actual.as_object() else {
                    return self.0.push(format!("{path}: expected an object, found {actual}"));
                };
                let last = path.rsplit('.').next().unwrap_or_default();
                if EXACT.contains(&last) && a.len() != e.len() {
                    self.0.push(format!("{path}: expected {expected}, found {actual}"));
                }
                for (k, v) in e {
                    self.subset(&format!("{path}.{k}"), a.get(k).unwrap_or(&Value::Null), v);
                }
            }
            Value::Array(e) => match actual.as_array() {
                Some(a) if a.len() == e.len() => {
                    for (i, (a, e)) in a.iter().zip(e).enumerate() {
                        self.subset(&format!("{path}[{i}]"), a, e);
                    }
                }
                _ => self.0.push(format!("{path}: expected {expected}, found {actual}")),
            },
            Value::Number(_) if same_number(actual, expected) => {}
            _ if actual == expected => {}
            _ => self.0.push(format!("{path}: expected {expected}, found {actual}")),
        }
    }

    fn checklist(&mut self, r: &Value, expected: Value) {
        self.subset("checklist", &r["checklist"], &expected);
    }

    /// One source: its measures, and its columns in the file's order.
    fn source(&mut self, r: &Value, mut expected: Value, columns: &[Col]) {
        let name = expected["name"].as_str().unwrap_or_default().to_string();
        expected["columns"] = columns
            .iter()
            .map(|&(name, nulls, blanks, placeholders, missing, share, distinct)| {
                json!({"name": name, "nulls": nulls, "blanks": blanks, "placeholders": placeholders,
                       "missing": missing, "missing_share": share, "distinct": distinct})
            })
            .collect();
        match r["sources"].as_array().and_then(|s| s.iter().find(|s| s["name"] == name.as_str())) {
            Some(s) => self.subset(&format!("sources.{name}"), s, &expected),
            None => self.0.push(format!("no source `{name}` in the report")),
        }
    }

    /// One entity, per the entity spec; conflicts carry 1 to 5 examples when there are any.
    fn entity(&mut self, r: &Value, expected: Value) {
        let name = expected["name"].as_str().unwrap_or_default();
        let Some(e) = r["entities"].as_array().and_then(|e| e.iter().find(|e| e["name"] == name)) else {
            return self.0.push(format!("no entity `{name}` in the report"));
        };
        self.subset(&format!("entities.{name}"), e, &expected);
        for (i, c) in e["conflicts"].as_array().into_iter().flatten().enumerate() {
            let examples = c["examples"].as_array().map_or(0, Vec::len);
            let conflicting = c["conflicting"].as_u64().unwrap_or_default();
            let fits = if conflicting > 0 { (1..=5).contains(&examples) } else { examples == 0 };
            if !fits {
                self.0
                    .push(format!("entities.{name}.conflicts[{i}]: {examples} examples for {conflicting} conflicting"));
            }
        }
    }

    /// Each finding's severity; and no other finding of the same kind (entity or not) may be
    /// raised: for sources, nothing else above PASS; for entities, nothing else at all.
    fn findings(&mut self, r: &Value, expected: &[(&str, &str)]) {
        for &(id, severity) in expected {
            match finding(r, id) {
                Some(f) if f["severity"] == severity => {}
                Some(f) => self.0.push(format!("finding {id}: expected {severity}, found {}", f["severity"])),
                None => self.0.push(format!("finding {id}: expected {severity}, not in the report")),
            }
        }
        let entities = expected.iter().all(|(id, _)| id.starts_with("entities."));
        for f in r["findings"].as_array().into_iter().flatten() {
            let id = f["id"].as_str().unwrap_or_default();
            let ours = id.starts_with("entities.") == entities;
            if ours && (entities || f["severity"] != "PASS") && !expected.iter().any(|(e, _)| *e == id) {
                self.0.push(format!("finding {id}: {} was not expected", f["severity"]));
            }
        }
    }

    /// The checklist's `connected` part, the verdict (the checklist row) and the exit code.
    fn verdict(&mut self, r: &Value, code: i32, connected: &str, verdict: &str) {
        self.subset("checklist.connected", &r["checklist"]["connected"], &json!(connected));
        self.subset("checklist.data_access", &r["checklist"]["data_access"], &json!(verdict));
        self.subset("verdict", &r["verdict"], &json!(verdict));
        if code != if verdict == "FAIL" { 1 } else { 0 } {
            self.0.push(format!("exit code {code} for verdict {verdict}"));
        }
    }

    fn finish(self) {
        assert!(self.0.is_empty(), "{} difference(s) from fixtures/README.md:\n{}", self.0.len(), self.0.join("\n"));
    }
}

#[test]
fn support_deflection_sources() {
    let (_, r) = scan("support-deflection");
    let mut d = Diffs::default();
    d.checklist(&r, json!({"clean": "FAIL", "permissioned": "PASS", "current": "WARN", "labeled": "WARN"}));
    d.source(
        &r,
        json!({
            "name": "tickets",
            "kind": "csv",
            "location": "fixtures/support-deflection/tickets.csv",
            "status": "ok",
            "rows": 160,
            "complete_rows": 132,
            "ready_rows": 90,
            "ready_share": 0.5625,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T15:10:00Z",
                "newest_past": "2025-01-09T15:10:00Z",
                "age_past_seconds": 67800,
                "oldest": "2023-07-05T19:57:00Z",
                "stale_rows": 49,
                "stale_share": 0.3063,
                "future_rows": 0,
                "unparseable": 1,
                "naive_utc": 23,
            },
            "labels": {
                "column": "category",
                "labeled": 143,
                "coverage": 0.8938,
                "classes": {
                    "Billing": 58,
                    "Technical": 39,
                    "Account": 24,
                    "Shipping": 17,
                    "Refunds": 3,
                    "technical": 2,
                },
                "rare_classes": ["Refunds", "technical"],
                "imbalance": 29.0,
                "variant_labels": [["Technical", "technical"]],
            },
            "keys": {"column": "ticket_id", "distinct": 160, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("ticket_id", 0, 0, 0, 0, 0.0, 160),
            ("customer_id", 2, 1, 2, 5, 0.0313, 64),
            ("customer_email", 6, 0, 0, 6, 0.0375, 59),
            ("created_at", 0, 0, 0, 0, 0.0, 160),
            ("updated_at", 0, 0, 0, 0, 0.0, 160),
            ("channel", 0, 0, 0, 0, 0.0, 4),
            ("category", 13, 2, 2, 17, 0.1063, 6),
            ("subject", 0, 0, 2, 2, 0.0125, 14),
            ("body", 2, 1, 1, 4, 0.025, 14),
            ("resolved_by", 91, 0, 0, 91, 0.5688, 32),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "kb",
            "kind": "parquet",
            "location": "fixtures/support-deflection/kb.parquet",
            "status": "ok",
            "rows": 36,
            "complete_rows": 33,
            "ready_rows": 24,
            "ready_share": 0.6667,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T16:30:00Z",
                "newest_past": "2025-01-09T16:30:00Z",
                "age_past_seconds": 63000,
                "oldest": "2023-09-08T19:37:00Z",
                "stale_rows": 9,
                "stale_share": 0.25,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": {
                "column": "category",
                "labeled": 35,
                "coverage": 0.9722,
                "classes": {"Billing": 8, "Shipping": 8, "Technical": 8, "Account": 7, "Refunds": 4},
                "rare_classes": ["Refunds"],
                "imbalance": 2.0,
                "variant_labels": [],
            },
            "keys": {"column": "article_id", "distinct": 36, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("article_id", 0, 0, 0, 0, 0.0, 36),
            ("title", 0, 0, 1, 1, 0.0278, 35),
            ("body", 2, 0, 0, 2, 0.0556, 13),
            ("category", 1, 0, 0, 1, 0.0278, 5),
            ("author_team", 0, 0, 0, 0, 0.0, 4),
            ("updated_at", 0, 0, 0, 0, 0.0, 36),
            ("helpful_votes", 0, 0, 0, 0, 0.0, 34),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "crm",
            "kind": "sqlite",
            "location": "sqlite://../fixtures/support-deflection/crm.db#customers",
            "status": "ok",
            "rows": 59,
            "complete_rows": 54,
            "ready_rows": 48,
            "ready_share": 0.8136,
            "staleness": {
                "column": "updated_at",
                "newest": "2024-12-30T01:43:00Z",
                "newest_past": "2024-12-30T01:43:00Z",
                "age_past_seconds": 980220,
                "oldest": "2022-09-03T20:54:00Z",
                "stale_rows": 8,
                "stale_share": 0.1356,
                "future_rows": 0,
                "unparseable": 1,
                "naive_utc": 18,
            },
            "labels": null,
            "keys": {"column": "customer_id", "distinct": 58, "duplicates": 1, "duplicate_rows": 1},
        }),
        &[
            ("customer_id", 0, 0, 0, 0, 0.0, 58),
            ("name", 0, 1, 0, 1, 0.0169, 55),
            ("email", 1, 1, 2, 4, 0.0678, 55),
            ("tier", 0, 0, 0, 0, 0.0, 3),
            ("country", 0, 0, 0, 0, 0.0, 6),
            ("updated_at", 1, 0, 0, 1, 0.0169, 58),
        ],
    );
    d.findings(
        &r,
        &[
            ("missing.max_missing_share.tickets.ticket_id", "PASS"),
            ("missing.max_missing_share.tickets.customer_id", "WARN"),
            ("missing.max_missing_share.tickets.category", "FAIL"),
            ("missing.max_missing_share.tickets.subject", "PASS"),
            ("missing.max_missing_share.tickets.body", "WARN"),
            ("staleness.max_age.tickets", "PASS"),
            ("staleness.max_stale_share.tickets", "WARN"),
            ("staleness.unparseable.tickets", "WARN"),
            ("labels.min_label_coverage.tickets", "PASS"),
            ("labels.rare_classes.tickets", "WARN"),
            ("labels.variant_labels.tickets", "WARN"),
            ("keys.duplicates.tickets", "PASS"),
            ("missing.max_missing_share.kb.article_id", "PASS"),
            ("missing.max_missing_share.kb.title", "WARN"),
            ("missing.max_missing_share.kb.body", "WARN"),
            ("staleness.max_age.kb", "PASS"),
            ("staleness.max_stale_share.kb", "WARN"),
            ("labels.min_label_coverage.kb", "PASS"),
            ("labels.rare_classes.kb", "WARN"),
            ("keys.duplicates.kb", "PASS"),
            ("missing.max_missing_share.crm.customer_id", "PASS"),
            ("missing.max_missing_share.crm.name", "PASS"),
            ("missing.max_missing_share.crm.email", "WARN"),
            ("staleness.max_age.crm", "WARN"),
            ("staleness.max_stale_share.crm", "PASS"),
            ("staleness.unparseable.crm", "WARN"),
            ("keys.duplicates.crm", "FAIL"),
            ("access.readable.tickets", "PASS"),
            ("access.pii.tickets.customer_email", "PASS"),
            ("access.readable.kb", "PASS"),
            ("access.readable.crm", "PASS"),
            ("access.pii.crm.email", "PASS"),
        ],
    );
    d.finish();
}

#[test]
fn support_deflection_entities() {
    let (code, r) = scan("support-deflection");
    let mut d = Diffs::default();
    d.entity(
        &r,
        json!({
            "name": "customer",
            "systems": ["tickets", "crm"],
            "keys": {"tickets": "customer_id", "crm": "customer_id"},
            "normalize": ["trim", "strip_prefix:C-", "strip_leading_zeros"],
            "status": "ok",
            "distinct_keys": {"tickets": 52, "crm": 58},
            "missing_keys": {"tickets": 4, "crm": 0},
            "in_all": 48,
            "union": 62,
            "unmatched": {"tickets": 4, "crm": 10},
            "unmatched_share": {"tickets": 4.0 / 52.0, "crm": 10.0 / 58.0},
            "duplicates": {"tickets": 46, "crm": 1},
            "fragmentation": 1.0 - 48.0 / 62.0,
            "shapes": {"tickets": ["A-999999", "999"], "crm": ["999"]},
            "shapes_differ": true,
            "matched_raw": 9,
            "matched_normalized": 48,
            "recovered": 39,
            "conflicts": [
                {
                    "left": "tickets.customer_email",
                    "right": "crm.email",
                    "compared": 46,
                    "conflicting": 5,
                    "share": 5.0 / 46.0,
                },
            ],
        }),
    );
    d.entity(
        &r,
        json!({
            "name": "article",
            "systems": ["tickets", "kb"],
            "keys": {"tickets": "resolved_by", "kb": "article_id"},
            "normalize": ["trim", "strip_prefix:KB-", "strip_leading_zeros"],
            "status": "ok",
            "distinct_keys": {"tickets": 30, "kb": 36},
            "missing_keys": {"tickets": 91, "kb": 0},
            "in_all": 28,
            "union": 38,
            "unmatched": {"tickets": 2, "kb": 8},
            "unmatched_share": {"tickets": 2.0 / 30.0, "kb": 8.0 / 36.0},
            "duplicates": {"tickets": 24, "kb": 0},
            "fragmentation": 1.0 - 28.0 / 38.0,
            "shapes": {"tickets": ["AA-9999"], "kb": ["99", "9"]},
            "shapes_differ": true,
            "matched_raw": 1,
            "matched_normalized": 28,
            "recovered": 27,
            "conflicts": [],
        }),
    );
    d.findings(
        &r,
        &[
            ("entities.max_unmatched_share.customer.tickets", "WARN"),
            ("entities.max_unmatched_share.customer.crm", "WARN"),
            ("entities.max_duplicate_keys.customer.crm", "FAIL"),
            ("entities.max_conflict_share.customer.tickets.customer_email.crm.email", "FAIL"),
            ("entities.key_shapes.customer", "PASS"),
            ("entities.max_unmatched_share.article.tickets", "PASS"),
            ("entities.max_unmatched_share.article.kb", "WARN"),
            ("entities.max_duplicate_keys.article.kb", "PASS"),
            ("entities.key_shapes.article", "PASS"),
        ],
    );
    d.verdict(&r, code, "FAIL", "FAIL");
    d.finish();
}

#[test]
fn invoice_processing_sources() {
    let (_, r) = scan("invoice-processing");
    let mut d = Diffs::default();
    d.checklist(&r, json!({"clean": "FAIL", "permissioned": "PASS", "current": "WARN", "labeled": "WARN"}));
    d.source(
        &r,
        json!({
            "name": "invoices",
            "kind": "parquet",
            "location": "fixtures/invoice-processing/invoices.parquet",
            "status": "ok",
            "rows": 180,
            "complete_rows": 170,
            "ready_rows": 142,
            "ready_share": 0.7889,
            "staleness": {
                "column": "received_at",
                "newest": "2025-01-09T17:45:00Z",
                "newest_past": "2025-01-09T17:45:00Z",
                "age_past_seconds": 58500,
                "oldest": "2023-10-02T09:00:00Z",
                "stale_rows": 1,
                "stale_share": 0.0056,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": {
                "column": "approval",
                "labeled": 151,
                "coverage": 0.8389,
                "classes": {"approved": 113, "rejected": 32, "disputed": 5, "Approved": 1},
                "rare_classes": ["disputed", "Approved"],
                "imbalance": 113.0,
                "variant_labels": [["Approved", "approved"]],
            },
            "keys": {"column": "invoice_id", "distinct": 179, "duplicates": 1, "duplicate_rows": 1},
        }),
        &[
            ("invoice_id", 0, 0, 0, 0, 0.0, 179),
            ("vendor_id", 0, 0, 0, 0, 0.0, 37),
            ("po_number", 5, 0, 2, 7, 0.0389, 95),
            ("invoice_date", 0, 0, 0, 0, 0.0, 147),
            ("received_at", 0, 0, 0, 0, 0.0, 180),
            ("amount", 1, 0, 0, 1, 0.0056, 179),
            ("currency", 2, 0, 0, 2, 0.0111, 2),
            ("approval", 29, 0, 0, 29, 0.1611, 4),
            ("gl_account", 0, 0, 0, 0, 0.0, 5),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "vendors",
            "kind": "csv",
            "location": "fixtures/invoice-processing/vendors.csv",
            "status": "ok",
            "rows": 42,
            "complete_rows": 37,
            "ready_rows": 23,
            "ready_share": 0.5476,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T09:15:00Z",
                "newest_past": "2025-01-09T09:15:00Z",
                "age_past_seconds": 89100,
                "oldest": "2021-11-07T05:05:00Z",
                "stale_rows": 16,
                "stale_share": 0.381,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 10,
            },
            "labels": null,
            "keys": {"column": "vendor_id", "distinct": 41, "duplicates": 1, "duplicate_rows": 1},
        }),
        &[
            ("vendor_id", 0, 0, 0, 0, 0.0, 41),
            ("name", 0, 0, 0, 0, 0.0, 42),
            ("tax_id", 0, 0, 0, 0, 0.0, 39),
            ("iban", 2, 1, 2, 5, 0.119, 36),
            ("country", 0, 0, 0, 0, 0.0, 6),
            ("payment_terms", 0, 0, 0, 0, 0.0, 3),
            ("updated_at", 0, 0, 0, 0, 0.0, 42),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "purchase_orders",
            "kind": "sqlite",
            "location": "sqlite://../fixtures/invoice-processing/erp.db#purchase_orders",
            "status": "ok",
            "rows": 130,
            "complete_rows": 127,
            "ready_rows": 126,
            "ready_share": 0.9692,
            "staleness": {
                "column": "created_at",
                "newest": "2025-02-01T00:00:00Z",
                "newest_past": "2025-01-04T20:53:00Z",
                "age_past_seconds": 479220,
                "oldest": "2022-12-15T08:00:00Z",
                "stale_rows": 1,
                "stale_share": 0.0077,
                "future_rows": 1,
                "unparseable": 1,
                "naive_utc": 26,
            },
            "labels": null,
            "keys": {"column": "po_number", "distinct": 130, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("po_number", 0, 0, 0, 0, 0.0, 130),
            ("vendor_id", 2, 1, 0, 3, 0.0231, 34),
            ("amount", 0, 0, 0, 0, 0.0, 130),
            ("currency", 0, 0, 0, 0, 0.0, 2),
            ("status", 0, 0, 0, 0, 0.0, 3),
            ("created_at", 0, 0, 0, 0, 0.0, 130),
            ("buyer_email", 0, 0, 0, 0, 0.0, 5),
        ],
    );
    d.findings(
        &r,
        &[
            ("missing.max_missing_share.invoices.invoice_id", "PASS"),
            ("missing.max_missing_share.invoices.vendor_id", "PASS"),
            ("missing.max_missing_share.invoices.po_number", "WARN"),
            ("missing.max_missing_share.invoices.amount", "PASS"),
            ("missing.max_missing_share.invoices.currency", "PASS"),
            ("staleness.max_age.invoices", "PASS"),
            ("staleness.max_stale_share.invoices", "PASS"),
            ("labels.min_label_coverage.invoices", "PASS"),
            ("labels.rare_classes.invoices", "WARN"),
            ("labels.variant_labels.invoices", "WARN"),
            ("keys.duplicates.invoices", "FAIL"),
            ("missing.max_missing_share.vendors.vendor_id", "PASS"),
            ("missing.max_missing_share.vendors.name", "PASS"),
            ("missing.max_missing_share.vendors.tax_id", "PASS"),
            ("missing.max_missing_share.vendors.iban", "FAIL"),
            ("staleness.max_age.vendors", "PASS"),
            ("staleness.max_stale_share.vendors", "WARN"),
            ("keys.duplicates.vendors", "FAIL"),
            ("missing.max_missing_share.purchase_orders.po_number", "PASS"),
            ("missing.max_missing_share.purchase_orders.vendor_id", "WARN"),
            ("missing.max_missing_share.purchase_orders.amount", "PASS"),
            ("staleness.max_age.purchase_orders", "WARN"),
            ("staleness.max_stale_share.purchase_orders", "PASS"),
            ("staleness.future_rows.purchase_orders", "WARN"),
            ("staleness.unparseable.purchase_orders", "WARN"),
            ("keys.duplicates.purchase_orders", "PASS"),
            ("access.readable.invoices", "PASS"),
            ("access.readable.vendors", "PASS"),
            ("access.pii.vendors.iban", "PASS"),
            ("missing.suspected_placeholders.vendors.tax_id", "WARN"),
            ("access.readable.purchase_orders", "PASS"),
            ("access.pii.purchase_orders.buyer_email", "PASS"),
        ],
    );
    d.finish();
}

#[test]
fn invoice_processing_entities() {
    let (code, r) = scan("invoice-processing");
    let mut d = Diffs::default();
    d.entity(
        &r,
        json!({
            "name": "purchase_order",
            "systems": ["invoices", "purchase_orders"],
            "keys": {"invoices": "po_number", "purchase_orders": "po_number"},
            "normalize": ["trim", "strip_prefix:PO-", "digits_only"],
            "status": "ok",
            "distinct_keys": {"invoices": 83, "purchase_orders": 130},
            "missing_keys": {"invoices": 7, "purchase_orders": 0},
            "in_all": 81,
            "union": 132,
            "unmatched": {"invoices": 2, "purchase_orders": 49},
            "unmatched_share": {"invoices": 2.0 / 83.0, "purchase_orders": 49.0 / 130.0},
            "duplicates": {"invoices": 46, "purchase_orders": 0},
            "fragmentation": 1.0 - 81.0 / 132.0,
            "shapes": {"invoices": ["AA-9999999999", "9999999999"], "purchase_orders": ["9999999999"]},
            "shapes_differ": true,
            "matched_raw": 10,
            "matched_normalized": 81,
            "recovered": 71,
            "conflicts": [
                {
                    "left": "invoices.vendor_id",
                    "right": "purchase_orders.vendor_id",
                    "compared": 78,
                    "conflicting": 5,
                    "share": 5.0 / 78.0,
                },
            ],
        }),
    );
    d.entity(
        &r,
        json!({
            "name": "vendor",
            "systems": ["vendors", "invoices", "purchase_orders"],
            "keys": {"vendors": "vendor_id", "invoices": "vendor_id", "purchase_orders": "vendor_id"},
            "normalize": ["trim", "lowercase"],
            "status": "ok",
            "distinct_keys": {"vendors": 41, "invoices": 34, "purchase_orders": 34},
            "missing_keys": {"vendors": 0, "invoices": 0, "purchase_orders": 3},
            "in_all": 33,
            "union": 43,
            "unmatched": {"vendors": 8, "invoices": 1, "purchase_orders": 1},
            "unmatched_share": {"vendors": 8.0 / 41.0, "invoices": 1.0 / 34.0, "purchase_orders": 1.0 / 34.0},
            "duplicates": {"vendors": 1, "invoices": 30, "purchase_orders": 31},
            "fragmentation": 1.0 - 33.0 / 43.0,
            "shapes": {"vendors": ["A-9999"], "invoices": ["A-9999"], "purchase_orders": ["A-9999"]},
            "shapes_differ": false,
            "matched_raw": 31,
            "matched_normalized": 33,
            "recovered": 2,
            "conflicts": [],
        }),
    );
    d.findings(
        &r,
        &[
            ("entities.max_unmatched_share.purchase_order.invoices", "WARN"),
            ("entities.max_unmatched_share.purchase_order.purchase_orders", "WARN"),
            ("entities.max_duplicate_keys.purchase_order.purchase_orders", "PASS"),
            ("entities.max_conflict_share.purchase_order.invoices.vendor_id.purchase_orders.vendor_id", "FAIL"),
            ("entities.key_shapes.purchase_order", "PASS"),
            ("entities.max_unmatched_share.vendor.vendors", "WARN"),
            ("entities.max_unmatched_share.vendor.invoices", "PASS"),
            ("entities.max_unmatched_share.vendor.purchase_orders", "PASS"),
            ("entities.max_duplicate_keys.vendor.vendors", "FAIL"),
            ("entities.key_shapes.vendor", "PASS"),
        ],
    );
    d.verdict(&r, code, "FAIL", "FAIL");
    d.finish();
}

#[test]
fn lead_qualification_sources() {
    let (_, r) = scan("lead-qualification");
    let mut d = Diffs::default();
    d.checklist(&r, json!({"clean": "WARN", "permissioned": "PASS", "current": "WARN", "labeled": "WARN"}));
    d.source(
        &r,
        json!({
            "name": "leads",
            "kind": "csv",
            "location": "fixtures/lead-qualification/leads.csv",
            "status": "ok",
            "rows": 200,
            "complete_rows": 193,
            "ready_rows": 107,
            "ready_share": 0.535,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T16:20:00Z",
                "newest_past": "2025-01-09T16:20:00Z",
                "age_past_seconds": 63600,
                "oldest": "2024-03-03T10:02:00Z",
                "stale_rows": 77,
                "stale_share": 0.385,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 49,
            },
            "labels": {
                "column": "outcome",
                "labeled": 178,
                "coverage": 0.89,
                "classes": {"disqualified": 82, "qualified": 50, "nurture": 39, "partner": 4, "Qualified": 3},
                "rare_classes": ["partner", "Qualified"],
                "imbalance": 27.33,
                "variant_labels": [["Qualified", "qualified"]],
            },
            "keys": {"column": "lead_id", "distinct": 200, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("lead_id", 0, 0, 0, 0, 0.0, 200),
            ("email", 2, 1, 2, 5, 0.025, 192),
            ("full_name", 0, 0, 0, 0, 0.0, 137),
            ("company", 1, 0, 1, 2, 0.01, 87),
            ("account_id", 80, 0, 0, 80, 0.4, 57),
            ("source", 0, 0, 0, 0, 0.0, 4),
            ("created_at", 0, 0, 0, 0, 0.0, 194),
            ("updated_at", 0, 0, 0, 0, 0.0, 195),
            ("outcome", 22, 0, 0, 22, 0.11, 5),
            ("employees", 0, 0, 0, 0, 0.0, 6),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "accounts",
            "kind": "sqlite",
            "location": "sqlite://../fixtures/lead-qualification/crm.db#accounts",
            "status": "ok",
            "rows": 50,
            "complete_rows": 48,
            "ready_rows": 48,
            "ready_share": 0.96,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T14:00:00Z",
                "newest_past": "2025-01-09T14:00:00Z",
                "age_past_seconds": 72000,
                "oldest": "2023-07-19T22:40:00Z",
                "stale_rows": 0,
                "stale_share": 0.0,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 17,
            },
            "labels": null,
            "keys": {"column": "account_id", "distinct": 50, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("account_id", 0, 0, 0, 0, 0.0, 50),
            ("name", 0, 0, 0, 0, 0.0, 50),
            ("domain", 2, 0, 0, 2, 0.04, 48),
            ("industry", 0, 0, 1, 1, 0.02, 5),
            ("owner_email", 0, 0, 0, 0, 0.0, 19),
            ("updated_at", 0, 0, 0, 0, 0.0, 50),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "events",
            "kind": "parquet",
            "location": "fixtures/lead-qualification/events.parquet",
            "status": "ok",
            "rows": 400,
            "complete_rows": 394,
            "ready_rows": 394,
            "ready_share": 0.985,
            "staleness": {
                "column": "occurred_at",
                "newest": "2025-01-09T19:00:00Z",
                "newest_past": "2025-01-09T19:00:00Z",
                "age_past_seconds": 54000,
                "oldest": "2024-06-01T02:44:00Z",
                "stale_rows": 0,
                "stale_share": 0.0,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": null,
            "keys": {"column": "event_id", "distinct": 400, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("event_id", 0, 0, 0, 0, 0.0, 400),
            ("email", 6, 0, 0, 6, 0.015, 203),
            ("event_type", 0, 0, 0, 0, 0.0, 4),
            ("occurred_at", 0, 0, 0, 0, 0.0, 400),
            ("campaign", 95, 0, 0, 95, 0.2375, 3),
        ],
    );
    d.findings(
        &r,
        &[
            ("missing.max_missing_share.leads.lead_id", "PASS"),
            ("missing.max_missing_share.leads.email", "WARN"),
            ("missing.max_missing_share.leads.company", "PASS"),
            ("missing.max_missing_share.leads.source", "PASS"),
            ("staleness.max_age.leads", "PASS"),
            ("staleness.max_stale_share.leads", "WARN"),
            ("labels.min_label_coverage.leads", "PASS"),
            ("labels.rare_classes.leads", "WARN"),
            ("labels.variant_labels.leads", "WARN"),
            ("keys.duplicates.leads", "PASS"),
            ("missing.max_missing_share.accounts.account_id", "PASS"),
            ("missing.max_missing_share.accounts.name", "PASS"),
            ("missing.max_missing_share.accounts.domain", "WARN"),
            ("staleness.max_age.accounts", "PASS"),
            ("staleness.max_stale_share.accounts", "PASS"),
            ("keys.duplicates.accounts", "PASS"),
            ("missing.max_missing_share.events.event_id", "PASS"),
            ("missing.max_missing_share.events.email", "PASS"),
            ("missing.max_missing_share.events.event_type", "PASS"),
            ("staleness.max_age.events", "PASS"),
            ("staleness.max_stale_share.events", "PASS"),
            ("keys.duplicates.events", "PASS"),
            ("access.readable.leads", "PASS"),
            ("access.pii.leads.email", "PASS"),
            ("access.readable.accounts", "PASS"),
            ("access.pii.accounts.owner_email", "PASS"),
            ("access.readable.events", "PASS"),
            ("access.pii.events.email", "PASS"),
        ],
    );
    d.finish();
}

#[test]
fn lead_qualification_entities() {
    let (code, r) = scan("lead-qualification");
    let mut d = Diffs::default();
    d.entity(
        &r,
        json!({
            "name": "lead",
            "systems": ["leads", "events"],
            "keys": {"leads": "email", "events": "email"},
            "normalize": ["trim", "lowercase"],
            "status": "ok",
            "distinct_keys": {"leads": 191, "events": 176},
            "missing_keys": {"leads": 3, "events": 6},
            "in_all": 159,
            "union": 208,
            "unmatched": {"leads": 32, "events": 17},
            "unmatched_share": {"leads": 32.0 / 191.0, "events": 17.0 / 176.0},
            "duplicates": {"leads": 6, "events": 119},
            "fragmentation": 1.0 - 159.0 / 208.0,
            "shapes": {
                "leads": ["AAA.AAAAA99@AAAA.AAAAAAA", "AAA.AAAA99@AAAA.AAAAAAA", "AAA.AAAA99@AAAAA.AAAAAAA"],
                "events": ["AAA.AAAA99@AAAA.AAAAAAA", "AAA.AAAAA99@AAAA.AAAAAAA", "AAA.AAAAA99@AAAAA.AAAAAAA"],
            },
            // Alike once runs of letters and digits are collapsed (`A.A9@A.A`).
            "shapes_differ": false,
            "matched_raw": 156,
            "matched_normalized": 159,
            "recovered": 3,
            "conflicts": [],
        }),
    );
    d.entity(&r, json!({
        "name": "account",
        "systems": ["leads", "accounts"],
        "keys": {"leads": "account_id", "accounts": "account_id"},
        "normalize": ["trim", "strip_prefix:ACC-", "strip_leading_zeros"],
        "status": "ok",
        "distinct_keys": {"leads": 44, "accounts": 50},
        "missing_keys": {"leads": 80, "accounts": 0},
        "in_all": 42,
        "union": 52,
        "unmatched": {"leads": 2, "accounts": 8},
        "unmatched_share": {"leads": 2.0 / 44.0, "accounts": 8.0 / 50.0},
        "duplicates": {"leads": 31, "accounts": 0},
        "fragmentation": 1.0 - 42.0 / 52.0,
        "shapes": {"leads": ["AAA-99999"], "accounts": ["999", "99"]},
        "shapes_differ": true,
        "matched_raw": 7,
        "matched_normalized": 42,
        "recovered": 35,
        "conflicts": [
            {"left": "leads.company", "right": "accounts.name", "compared": 42, "conflicting": 4, "share": 4.0 / 42.0},
        ],
    }));
    d.findings(
        &r,
        &[
            ("entities.max_unmatched_share.lead.leads", "WARN"),
            ("entities.max_unmatched_share.lead.events", "PASS"),
            ("entities.max_duplicate_keys.lead.leads", "FAIL"),
            ("entities.key_shapes.lead", "PASS"),
            ("entities.max_unmatched_share.account.leads", "PASS"),
            ("entities.max_unmatched_share.account.accounts", "WARN"),
            ("entities.max_duplicate_keys.account.accounts", "PASS"),
            ("entities.max_conflict_share.account.leads.company.accounts.name", "FAIL"),
            ("entities.key_shapes.account", "PASS"),
        ],
    );
    d.verdict(&r, code, "FAIL", "FAIL");
    d.finish();
}

#[test]
fn internal_knowledge_search_sources() {
    let (_, r) = scan("internal-knowledge-search");
    let mut d = Diffs::default();
    d.checklist(&r, json!({"clean": "WARN", "permissioned": "PASS", "current": "WARN", "labeled": "WARN"}));
    d.source(
        &r,
        json!({
            "name": "documents",
            "kind": "parquet",
            "location": "fixtures/internal-knowledge-search/documents.parquet",
            "status": "ok",
            "rows": 120,
            "complete_rows": 113,
            "ready_rows": 76,
            "ready_share": 0.6333,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T09:55:00Z",
                "newest_past": "2025-01-09T09:55:00Z",
                "age_past_seconds": 86700,
                "oldest": "2023-06-06T08:53:00Z",
                "stale_rows": 37,
                "stale_share": 0.3083,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": {
                "column": "doc_type",
                "labeled": 119,
                "coverage": 0.9917,
                "classes": {"howto": 40, "policy": 30, "runbook": 24, "faq": 22, "contract": 3},
                "rare_classes": ["contract"],
                "imbalance": 13.33,
                "variant_labels": [],
            },
            "keys": {"column": "doc_id", "distinct": 120, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("doc_id", 0, 0, 0, 0, 0.0, 120),
            ("title", 0, 0, 1, 1, 0.0083, 119),
            ("body", 0, 2, 0, 2, 0.0167, 54),
            ("space", 0, 0, 0, 0, 0.0, 3),
            ("doc_type", 1, 0, 0, 1, 0.0083, 5),
            ("owner_email", 1, 0, 0, 1, 0.0083, 24),
            ("access_group", 3, 0, 0, 3, 0.025, 13),
            ("updated_at", 0, 0, 0, 0, 0.0, 120),
            ("word_count", 0, 0, 0, 0, 0.0, 119),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "owners",
            "kind": "sqlite",
            "location": "sqlite://../fixtures/internal-knowledge-search/directory.db#owners",
            "status": "ok",
            "rows": 24,
            "complete_rows": 23,
            "ready_rows": 23,
            "ready_share": 0.9583,
            "staleness": {
                "column": "updated_at",
                "newest": "2025-01-09T09:40:00Z",
                "newest_past": "2025-01-09T09:40:00Z",
                "age_past_seconds": 87600,
                "oldest": "2024-02-07T14:34:00Z",
                "stale_rows": 0,
                "stale_share": 0.0,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": null,
            "keys": {"column": "owner_email", "distinct": 24, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("owner_email", 0, 0, 0, 0, 0.0, 24),
            ("name", 0, 0, 0, 0, 0.0, 24),
            ("team", 1, 0, 0, 1, 0.0417, 5),
            ("active", 0, 0, 0, 0, 0.0, 2),
            ("updated_at", 0, 0, 0, 0, 0.0, 24),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "access_groups",
            "kind": "sqlite",
            "location": "sqlite://../fixtures/internal-knowledge-search/directory.db#access_groups",
            "status": "ok",
            "rows": 12,
            "complete_rows": 11,
            "ready_rows": 10,
            "ready_share": 0.8333,
            "staleness": {
                "column": "updated_at",
                "newest": "2024-12-25T20:18:00Z",
                "newest_past": "2024-12-25T20:18:00Z",
                "age_past_seconds": 1345320,
                "oldest": "2023-10-01T08:55:00Z",
                "stale_rows": 1,
                "stale_share": 0.0833,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 12,
            },
            "labels": null,
            "keys": {"column": "group_name", "distinct": 12, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("group_name", 0, 0, 0, 0, 0.0, 12),
            ("description", 0, 1, 0, 1, 0.0833, 11),
            ("members", 0, 0, 0, 0, 0.0, 12),
            ("updated_at", 0, 0, 0, 0, 0.0, 12),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "page_views",
            "kind": "csv",
            "location": "fixtures/internal-knowledge-search/page_views.csv",
            "status": "ok",
            "rows": 300,
            "complete_rows": 299,
            "ready_rows": 196,
            "ready_share": 0.6533,
            "staleness": {
                "column": "viewed_at",
                "newest": "2025-01-09T09:58:00Z",
                "newest_past": "2025-01-09T09:58:00Z",
                "age_past_seconds": 86520,
                "oldest": "2024-07-01T15:03:00Z",
                "stale_rows": 0,
                "stale_share": 0.0,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": {
                "column": "feedback",
                "labeled": 197,
                "coverage": 0.6567,
                "classes": {"helpful": 136, "not_helpful": 61},
                "rare_classes": [],
                "imbalance": 2.23,
                "variant_labels": [],
            },
            "keys": {"column": "view_id", "distinct": 300, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("view_id", 0, 0, 0, 0, 0.0, 300),
            ("doc_id", 1, 0, 0, 1, 0.0033, 99),
            ("user_email", 0, 0, 0, 0, 0.0, 24),
            ("client_ip", 0, 0, 0, 0, 0.0, 300),
            ("viewed_at", 0, 0, 0, 0, 0.0, 299),
            ("query", 0, 0, 0, 0, 0.0, 195),
            ("feedback", 103, 0, 0, 103, 0.3433, 2),
        ],
    );
    d.findings(
        &r,
        &[
            ("missing.max_missing_share.documents.doc_id", "PASS"),
            ("missing.max_missing_share.documents.title", "PASS"),
            ("missing.max_missing_share.documents.body", "PASS"),
            ("missing.max_missing_share.documents.owner_email", "PASS"),
            ("missing.max_missing_share.documents.access_group", "WARN"),
            ("staleness.max_age.documents", "PASS"),
            ("staleness.max_stale_share.documents", "WARN"),
            ("labels.min_label_coverage.documents", "PASS"),
            ("labels.rare_classes.documents", "WARN"),
            ("keys.duplicates.documents", "PASS"),
            ("missing.max_missing_share.owners.owner_email", "PASS"),
            ("missing.max_missing_share.owners.name", "PASS"),
            ("missing.max_missing_share.owners.team", "WARN"),
            ("staleness.max_age.owners", "PASS"),
            ("staleness.max_stale_share.owners", "PASS"),
            ("keys.duplicates.owners", "PASS"),
            ("missing.max_missing_share.access_groups.group_name", "PASS"),
            ("missing.max_missing_share.access_groups.description", "WARN"),
            ("staleness.max_age.access_groups", "WARN"),
            ("staleness.max_stale_share.access_groups", "PASS"),
            ("keys.duplicates.access_groups", "PASS"),
            ("missing.max_missing_share.page_views.view_id", "PASS"),
            ("missing.max_missing_share.page_views.doc_id", "PASS"),
            ("missing.max_missing_share.page_views.viewed_at", "PASS"),
            ("staleness.max_age.page_views", "PASS"),
            ("staleness.max_stale_share.page_views", "PASS"),
            ("labels.min_label_coverage.page_views", "WARN"),
            ("keys.duplicates.page_views", "PASS"),
            ("access.readable.documents", "PASS"),
            ("access.pii.documents.owner_email", "PASS"),
            ("access.readable.owners", "PASS"),
            ("access.pii.owners.owner_email", "PASS"),
            ("access.readable.access_groups", "PASS"),
            ("access.readable.page_views", "PASS"),
            ("access.pii.page_views.user_email", "PASS"),
            ("access.pii.page_views.client_ip", "PASS"),
        ],
    );
    d.finish();
}

#[test]
fn internal_knowledge_search_entities() {
    let (code, r) = scan("internal-knowledge-search");
    let mut d = Diffs::default();
    d.entity(
        &r,
        json!({
            "name": "document",
            "systems": ["documents", "page_views"],
            "keys": {"documents": "doc_id", "page_views": "doc_id"},
            "normalize": ["trim", "lowercase"],
            "status": "ok",
            "distinct_keys": {"documents": 120, "page_views": 89},
            "missing_keys": {"documents": 0, "page_views": 1},
            "in_all": 87,
            "union": 122,
            "unmatched": {"documents": 33, "page_views": 2},
            "unmatched_share": {"documents": 33.0 / 120.0, "page_views": 2.0 / 89.0},
            "duplicates": {"documents": 0, "page_views": 77},
            "fragmentation": 1.0 - 87.0 / 122.0,
            "shapes": {"documents": ["AA-9999"], "page_views": ["AA-9999"]},
            "shapes_differ": false,
            "matched_raw": 86,
            "matched_normalized": 87,
            "recovered": 1,
            "conflicts": [],
        }),
    );
    d.entity(
        &r,
        json!({
            "name": "access_group",
            "systems": ["documents", "access_groups"],
            "keys": {"documents": "access_group", "access_groups": "group_name"},
            "normalize": ["trim", "lowercase"],
            "status": "ok",
            "distinct_keys": {"documents": 12, "access_groups": 12},
            "missing_keys": {"documents": 3, "access_groups": 0},
            "in_all": 11,
            "union": 13,
            "unmatched": {"documents": 1, "access_groups": 1},
            "unmatched_share": {"documents": 1.0 / 12.0, "access_groups": 1.0 / 12.0},
            "duplicates": {"documents": 12, "access_groups": 0},
            "fragmentation": 1.0 - 11.0 / 13.0,
            "shapes": {
                "documents": ["AAAAA", "AAAAAAAA-AAAA", "AAA-AAAAA"],
                "access_groups": ["AAAAA", "AA-AAAAAAAAAAAA", "AAA-AAA"],
            },
            "shapes_differ": false,
            "matched_raw": 11,
            "matched_normalized": 11,
            "recovered": 0,
            "conflicts": [],
        }),
    );
    d.findings(
        &r,
        &[
            ("entities.max_unmatched_share.document.documents", "WARN"),
            ("entities.max_unmatched_share.document.page_views", "PASS"),
            ("entities.max_duplicate_keys.document.documents", "PASS"),
            ("entities.key_shapes.document", "PASS"),
            ("entities.max_unmatched_share.access_group.documents", "WARN"),
            ("entities.max_unmatched_share.access_group.access_groups", "WARN"),
            ("entities.max_duplicate_keys.access_group.access_groups", "PASS"),
            ("entities.key_shapes.access_group", "PASS"),
        ],
    );
    d.verdict(&r, code, "WARN", "WARN");
    d.finish();
}

#[test]
fn document_extraction_sources() {
    let (_, r) = scan("document-extraction");
    let mut d = Diffs::default();
    d.checklist(&r, json!({"clean": "FAIL", "permissioned": "PASS", "current": "FAIL", "labeled": "FAIL"}));
    d.source(
        &r,
        json!({
            "name": "documents",
            "kind": "sqlite",
            "location": "sqlite://../fixtures/document-extraction/intake.db#documents",
            "status": "ok",
            "rows": 81,
            "complete_rows": 79,
            "ready_rows": 64,
            "ready_share": 0.7901,
            "staleness": {
                "column": "received_at",
                "newest": "2025-01-09T08:30:00Z",
                "newest_past": "2025-01-09T08:30:00Z",
                "age_past_seconds": 91800,
                "oldest": "2023-11-03T18:06:00Z",
                "stale_rows": 15,
                "stale_share": 0.1852,
                "future_rows": 0,
                "unparseable": 1,
                "naive_utc": 26,
            },
            "labels": {
                "column": "doc_type",
                "labeled": 81,
                "coverage": 1.0,
                "classes": {"invoice": 37, "receipt": 18, "contract": 15, "id_card": 6, "bank_statement": 5},
                "rare_classes": ["id_card", "bank_statement"],
                "imbalance": 7.4,
                "variant_labels": [],
            },
            "keys": {"column": "document_id", "distinct": 80, "duplicates": 1, "duplicate_rows": 1},
        }),
        &[
            ("document_id", 0, 0, 0, 0, 0.0, 80),
            ("filename", 0, 0, 0, 0, 0.0, 80),
            ("doc_type", 0, 0, 0, 0, 0.0, 5),
            ("pages", 0, 0, 0, 0, 0.0, 11),
            ("sha256", 2, 0, 0, 2, 0.0247, 78),
            ("received_at", 0, 0, 0, 0, 0.0, 81),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "extractions",
            "kind": "parquet",
            "location": "fixtures/document-extraction/extractions.parquet",
            "status": "ok",
            "rows": 284,
            "complete_rows": 270,
            "ready_rows": 221,
            "ready_share": 0.7782,
            "staleness": {
                "column": "extracted_at",
                "newest": "2025-01-06T20:28:00Z",
                "newest_past": "2025-01-06T20:28:00Z",
                "age_past_seconds": 307920,
                "oldest": "2023-11-04T03:38:00Z",
                "stale_rows": 52,
                "stale_share": 0.1831,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": null,
            "keys": {"column": "extraction_id", "distinct": 284, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("extraction_id", 0, 0, 0, 0, 0.0, 284),
            ("document_id", 0, 0, 0, 0, 0.0, 71),
            ("field_name", 0, 0, 0, 0, 0.0, 19),
            ("value", 14, 0, 0, 14, 0.0493, 270),
            ("confidence", 0, 0, 0, 0, 0.0, 58),
            ("predicted_type", 0, 0, 0, 0, 0.0, 5),
            ("model_version", 0, 0, 0, 0, 0.0, 2),
            ("extracted_at", 0, 0, 0, 0, 0.0, 71),
        ],
    );
    d.source(
        &r,
        json!({
            "name": "ground_truth",
            "kind": "csv",
            "location": "fixtures/document-extraction/ground_truth.csv",
            "status": "ok",
            "rows": 108,
            "complete_rows": 103,
            "ready_rows": 49,
            "ready_share": 0.4537,
            "staleness": {
                "column": "reviewed_at",
                "newest": "2024-12-16T18:00:00Z",
                "newest_past": "2024-12-16T18:00:00Z",
                "age_past_seconds": 2131200,
                "oldest": "2024-06-01T19:48:00Z",
                "stale_rows": 0,
                "stale_share": 0.0,
                "future_rows": 0,
                "unparseable": 0,
                "naive_utc": 0,
            },
            "labels": {
                "column": "verdict",
                "labeled": 52,
                "coverage": 0.4815,
                "classes": {"correct": 37, "corrected": 12, "illegible": 3},
                "rare_classes": ["illegible"],
                "imbalance": 12.33,
                "variant_labels": [],
            },
            "keys": {"column": "review_id", "distinct": 108, "duplicates": 0, "duplicate_rows": 0},
        }),
        &[
            ("review_id", 0, 0, 0, 0, 0.0, 108),
            ("document_id", 0, 0, 0, 0, 0.0, 27),
            ("field_name", 0, 0, 0, 0, 0.0, 19),
            ("true_value", 0, 1, 3, 4, 0.037, 104),
            ("doc_type", 0, 0, 0, 0, 0.0, 5),
            ("reviewer", 1, 0, 0, 1, 0.0093, 3),
            ("reviewed_at", 0, 0, 0, 0, 0.0, 27),
            ("verdict", 56, 0, 0, 56, 0.5185, 3),
        ],
    );
    d.findings(
        &r,
        &[
            ("missing.max_missing_share.documents.document_id", "PASS"),
            ("missing.max_missing_share.documents.filename", "PASS"),
            ("missing.max_missing_share.documents.sha256", "WARN"),
            ("staleness.max_age.documents", "PASS"),
            ("staleness.max_stale_share.documents", "PASS"),
            ("staleness.unparseable.documents", "WARN"),
            ("labels.min_label_coverage.documents", "PASS"),
            ("labels.rare_classes.documents", "WARN"),
            ("keys.duplicates.documents", "FAIL"),
            ("missing.max_missing_share.extractions.extraction_id", "PASS"),
            ("missing.max_missing_share.extractions.document_id", "PASS"),
            ("missing.max_missing_share.extractions.field_name", "PASS"),
            ("missing.max_missing_share.extractions.value", "WARN"),
            ("staleness.max_age.extractions", "WARN"),
            ("staleness.max_stale_share.extractions", "PASS"),
            ("keys.duplicates.extractions", "PASS"),
            ("missing.max_missing_share.ground_truth.review_id", "PASS"),
            ("missing.max_missing_share.ground_truth.document_id", "PASS"),
            ("missing.max_missing_share.ground_truth.field_name", "PASS"),
            ("missing.max_missing_share.ground_truth.true_value", "WARN"),
            ("missing.max_missing_share.ground_truth.reviewer", "PASS"),
            ("staleness.max_age.ground_truth", "FAIL"),
            ("staleness.max_stale_share.ground_truth", "PASS"),
            ("labels.min_label_coverage.ground_truth", "FAIL"),
            ("labels.rare_classes.ground_truth", "WARN"),
            ("keys.duplicates.ground_truth", "PASS"),
            ("access.readable.documents", "PASS"),
            ("access.readable.extractions", "PASS"),
            ("access.readable.ground_truth", "PASS"),
        ],
    );
    d.finish();
}

#[test]
fn document_extraction_entities() {
    let (code, r) = scan("document-extraction");
    let mut d = Diffs::default();
    d.entity(
        &r,
        json!({
            "name": "document",
            "systems": ["documents", "extractions", "ground_truth"],
            "keys": {"documents": "document_id", "extractions": "document_id", "ground_truth": "document_id"},
            "normalize": ["trim", "lowercase", "strip_prefix:doc-", "strip_leading_zeros"],
            "status": "ok",
            "distinct_keys": {"documents": 80, "extractions": 71, "ground_truth": 27},
            "missing_keys": {"documents": 0, "extractions": 0, "ground_truth": 0},
            "in_all": 26,
            "union": 82,
            "unmatched": {"documents": 10, "extractions": 1, "ground_truth": 1},
            "unmatched_share": {"documents": 10.0 / 80.0, "extractions": 1.0 / 71.0, "ground_truth": 1.0 / 27.0},
            "duplicates": {"documents": 1, "extractions": 71, "ground_truth": 27},
            "fragmentation": 1.0 - 26.0 / 82.0,
            "shapes": {"documents": ["9999"], "extractions": ["AAA-99999"], "ground_truth": ["AAA-9999"]},
            "shapes_differ": true,
            "matched_raw": 0,
            "matched_normalized": 26,
            "recovered": 26,
            "conflicts": [
                {
                    "left": "extractions.predicted_type",
                    "right": "ground_truth.doc_type",
                    "compared": 26,
                    "conflicting": 4,
                    "share": 4.0 / 26.0,
                },
                {
                    "left": "documents.doc_type",
                    "right": "ground_truth.doc_type",
                    "compared": 26,
                    "conflicting": 1,
                    "share": 1.0 / 26.0,
                },
            ],
        }),
    );
    d.findings(
        &r,
        &[
            ("entities.max_unmatched_share.document.documents", "FAIL"),
            ("entities.max_unmatched_share.document.extractions", "PASS"),
            ("entities.max_unmatched_share.document.ground_truth", "WARN"),
            ("entities.max_duplicate_keys.document.documents", "FAIL"),
            ("entities.max_conflict_share.document.extractions.predicted_type.ground_truth.doc_type", "FAIL"),
            ("entities.max_conflict_share.document.documents.doc_type.ground_truth.doc_type", "WARN"),
            ("entities.key_shapes.document", "PASS"),
        ],
    );
    d.verdict(&r, code, "FAIL", "FAIL");
    d.finish();
}
