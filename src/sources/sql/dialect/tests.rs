//! Unit tests of the SQL text: quoting, hostile names, bound placeholders, type classes and
//! the timestamp shapes, per dialect.

use super::*;

fn plan(d: Dialect, cols: &[(&str, Class)]) -> Plan {
    Plan {
        dialect: d,
        relation: d.quote_table("t"),
        cols: cols.iter().map(|(n, c)| Col { name: n.to_string(), class: *c }).collect(),
        required: vec![0],
        timestamp: None,
        label: None,
        key: None,
        evidence_key: None,
        placeholders: vec!["n/a".into(), "none".into()],
        required_absent: false,
        label_absent: false,
        as_of: 0,
        stale_before: 0,
    }
}

#[test]
fn quoting_doubles_the_quote_and_keeps_one_identifier() {
    let evil = "a\"b; DROP TABLE x; --";
    assert_eq!(Dialect::Postgres.quote(evil), "\"a\"\"b; DROP TABLE x; --\"");
    assert_eq!(Dialect::Sqlite.quote(evil), "\"a\"\"b; DROP TABLE x; --\"");
    assert_eq!(Dialect::MySql.quote("a`b c"), "`a``b c`");
    assert_eq!(Dialect::MySql.quote(evil), "`a\"b; DROP TABLE x; --`");
    assert_eq!(Dialect::Postgres.quote("nul\0x"), "\"nulx\"");
    assert_eq!(Dialect::Postgres.quote_table("crm.customers"), "\"crm\".\"customers\"");
    assert_eq!(Dialect::Postgres.quote_table("a.b.c"), "\"a.b.c\"");
}

/// Splits quoted SQL into (outside-quote text): an identifier can add no keyword or `;`.
fn outside_quotes(sql: &str, q: char) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == q {
            if inside && chars.peek() == Some(&q) {
                chars.next();
                continue;
            }
            inside = !inside;
            continue;
        }
        if !inside && c != '\'' {
            out.push(c);
        }
    }
    out
}

#[test]
fn hostile_names_cannot_change_the_query() {
    for (d, q) in [(Dialect::Postgres, '"'), (Dialect::Sqlite, '"'), (Dialect::MySql, '`'), (Dialect::Spark, '`')] {
        let evil = format!("x{q}; DROP TABLE t; --");
        let mut p = plan(d, &[(&evil, Class::Text), ("ok", Class::Int)]);
        p.relation = d.quote_table(&format!("t{q} ; DELETE FROM t"));
        p.label = Some(0);
        p.key = Some(1);
        p.evidence_key = Some(1);
        for sql in [p.aggregate(), p.missing_examples(0), p.top_values(0, 5), p.key_counts().unwrap_or_default()] {
            let outside = outside_quotes(&sql.text, q);
            assert!(!outside.contains(';'), "{d:?}: {}", sql.text);
            assert!(!outside.contains("DROP"), "{d:?}: {}", sql.text);
            assert!(!outside.contains("DELETE"), "{d:?}: {}", sql.text);
        }
    }
}

#[test]
fn placeholders_are_bound_not_written() {
    let mut p = plan(Dialect::Postgres, &[("a", Class::Text), ("b", Class::Text)]);
    p.placeholders = vec!["it's".into(), "n/a".into()];
    let sql = p.aggregate();
    assert!(!sql.text.contains("it's"));
    // Bound once and reused by number.
    assert_eq!(sql.binds, vec!["it's".to_string(), "n/a".to_string()]);
    assert!(sql.text.contains("IN ($1, $2)"));
    let mut my = plan(Dialect::MySql, &[("a", Class::Text), ("b", Class::Text)]);
    my.placeholders = vec!["it's".into()];
    let sql = my.aggregate();
    assert!(sql.binds.is_empty());
    assert!(sql.text.contains("IN (X'6974277s')".replace("7s", "73").as_str()), "{}", sql.text);
}

#[test]
fn spark_writes_placeholders_as_binary_literals_and_types_by_its_names() {
    let mut p = plan(Dialect::Spark, &[("a", Class::Text)]);
    p.placeholders = vec!["it's".into()];
    let sql = p.aggregate();
    assert!(sql.binds.is_empty());
    assert!(sql.text.contains("IN (CAST(X'69742773' AS STRING))"), "{}", sql.text);
    assert!(!sql.text.contains("it's"));
    assert_eq!(Dialect::Spark.quote("a`b"), "`a``b`");
    assert_eq!(Dialect::Spark.classify("string"), Class::Text);
    assert_eq!(Dialect::Spark.classify("bigint"), Class::Int);
    assert_eq!(Dialect::Spark.classify("decimal(10,2)"), Class::Float);
    assert_eq!(Dialect::Spark.classify("timestamp_ntz"), Class::Timestamp);
    assert_eq!(Dialect::Spark.classify("array<string>"), Class::Other);
}

#[test]
fn empty_placeholder_list_is_valid_sql() {
    let mut p = plan(Dialect::Sqlite, &[("a", Class::Text)]);
    p.placeholders.clear();
    let sql = p.aggregate();
    assert!(sql.binds.is_empty());
    assert!(!sql.text.contains("IN ()"));
}

#[test]
fn types_classify_per_dialect() {
    assert_eq!(Dialect::Postgres.classify("INT8"), Class::Int);
    assert_eq!(Dialect::Postgres.classify("TIMESTAMPTZ"), Class::Timestamp);
    assert_eq!(Dialect::Postgres.classify("JSONB"), Class::Other);
    assert_eq!(Dialect::MySql.classify("BIGINT UNSIGNED"), Class::Int);
    assert_eq!(Dialect::MySql.classify("VARCHAR"), Class::Text);
    assert_eq!(Dialect::Sqlite.classify("DATETIME"), Class::Text);
    assert_eq!(Dialect::Sqlite.classify("INTEGER"), Class::Int);
}

#[test]
fn sqlite_shapes_cover_every_form() {
    let s = Dialect::Sqlite.timestamp_shape("t");
    assert_eq!(s.matches(" GLOB ").count(), 1 + 11 * 5);
}
