//! A fixed, hand-built report for renderer tests: every renderer is snapshotted over this one
//! `Report` (STYLE "Snapshots"), so it holds a little of everything a real scan can produce.
//!
//! Three sources: `tickets` (CSV, with a PII column, staleness, labels and a key), `kb` (a
//! directory of Parquet parts, one of them world-writable) and `agents` (a CSV the scanner may
//! not read), and one entity, `customer`, over `tickets` and a CRM. Findings cover every
//! severity and every check, with evidence by CSV line, by Parquet row, by key and with masked
//! values.
//! The numbers agree with each other, so a renderer that recomputes a share gets the same one.

use crate::stats::{Example, Locator, LocatorInFile};

use super::{ProfileInfo, Report, SCHEMA_VERSION};
use crate::measures::{
    AccessReport, Added, AgeBucket, ColumnReport, ConflictExample, Conflicts, EntityReport, KeyReport, LabelReport,
    PerSystem, PiiReport, SourceReport, StalenessReport, Status, ValueCount,
};
use crate::verdict::{Check, Checklist, Finding, FindingId, Rule, Severity, Subject};

impl Report {
    /// The fixed report of `sample()`.
    #[doc(hidden)]
    pub fn sample() -> Report {
        sample()
    }
}

/// A realistic report with fixed contents (as of 2025-01-10T10:00:00Z), for renderer tests.
#[doc(hidden)]
pub fn sample() -> Report {
    let findings = findings();
    let checklist = Checklist::from_findings(&findings);
    Report {
        schema_version: SCHEMA_VERSION,
        tool: "preflight",
        version: "0.1.0",
        profile: ProfileInfo {
            name: "support-deflection".into(),
            owner: Some("support-ops@example.com".into()),
            kpi: Some("tickets deflected per week".into()),
            path: "profiles/support-deflection.toml".into(),
            lines: super::ProfileLines {
                sources: vec![("tickets".into(), 20), ("kb".into(), 31), ("agents".into(), 38)],
                entities: vec![("customer".into(), 44)],
            },
        },
        as_of: "2025-01-10T10:00:00Z".into(),
        duration_ms: 812,
        verdict: checklist.data_access.unwrap_or(Severity::Pass),
        checklist,
        sources: vec![tickets(), kb(), agents()],
        entities: vec![customer()],
        findings,
        readiness: readiness(),
    }
}

/// `tickets.customer_id` (`C-000123`) against the CRM's bare numbers: normalization recovers the
/// matches, 50 ticket customers are not in the CRM, and emails disagree for a few.
fn customer() -> EntityReport {
    let per = |t: u64, c: u64| PerSystem(vec![("tickets".to_string(), t), ("crm".to_string(), c)]);
    EntityReport {
        name: "customer".into(),
        systems: vec!["tickets".into(), "crm".into()],
        keys: PerSystem(vec![("tickets".into(), "customer_id".into()), ("crm".into(), "customer_id".into())]),
        status: Status::Ok,
        error: None,
        computed_in: "preflight",
        normalize: vec!["trim".into(), "strip_prefix:C-".into(), "strip_leading_zeros".into()],
        distinct_keys: per(700, 950),
        missing_keys: per(3, 0),
        in_all: 650,
        union: 1000,
        unmatched: per(50, 300),
        unmatched_share: PerSystem(vec![("tickets".into(), 0.0714), ("crm".into(), 0.3158)]),
        duplicates: per(0, 4),
        fragmentation: 0.35,
        shapes: PerSystem(vec![
            ("tickets".into(), vec!["A-999999".into()]),
            ("crm".into(), vec!["9999".into(), "999".into()]),
        ]),
        shapes_differ: true,
        matched_raw: 0,
        matched_normalized: 650,
        recovered: 650,
        suggestion: None,
        keys_fetched: per(0, 950),
        conflicts: vec![Conflicts {
            left: "tickets.customer_email".into(),
            right: "crm.email".into(),
            compared: 640,
            conflicting: 12,
            share: 0.0188,
            examples: vec![ConflictExample {
                key: "123".into(),
                left: "j***@example.com".into(),
                right: "k***@example.org".into(),
            }],
        }],
    }
}

pub(crate) fn column(
    name: &str,
    ty: &str,
    required: bool,
    rows: u64,
    (nulls, blanks, placeholders): (u64, u64, u64),
) -> ColumnReport {
    let missing = nulls + blanks + placeholders;
    ColumnReport {
        name: name.into(),
        ty: ty.into(),
        required,
        nulls,
        blanks,
        placeholders,
        missing,
        missing_share: crate::measures::share(missing, rows),
        distinct: None,
        distinct_exact: true,
        min: None,
        max: None,
        pii: None,
        suspected_placeholders: Vec::new(),
        invalid_utf8: 0,
    }
}

/// 12,000 tickets: 408 without a body, 1,850 without a category, 400 older than a year,
/// newest 9 days before the as-of time, 3 ticket ids used twice, emails not listed as PII.
fn tickets() -> SourceReport {
    let rows = 12_000;
    let mut ticket_id = column("ticket_id", "string", true, rows, (0, 0, 0));
    ticket_id.distinct = Some(11_997);
    ticket_id.min = Some("T-000001".into());
    ticket_id.max = Some("T-012000".into());
    let mut customer_id = column("customer_id", "string", true, rows, (96, 0, 12));
    customer_id.distinct = Some(7_013);
    let mut email = column("customer_email", "string", false, rows, (310, 0, 0));
    email.distinct = Some(6_904);
    email.pii = Some(PiiReport { kind: "email".into(), matches: 11_342, share: 0.9702, acknowledged: false });
    email.suspected_placeholders = vec![ValueCount { value: "t***@test.com".into(), count: 41, share: 0.0035 }];
    let mut subject = column("subject", "string", true, rows, (0, 18, 0));
    subject.distinct = Some(9_870);
    subject.distinct_exact = false;
    let mut body = column("body", "string", true, rows, (212, 61, 135));
    body.distinct = Some(11_490);
    body.distinct_exact = false;
    let mut category = column("category", "string", false, rows, (1_790, 0, 60));
    category.distinct = Some(7);
    let mut updated_at = column("updated_at", "timestamp", false, rows, (0, 0, 0));
    updated_at.min = Some("2022-03-02T08:00:00Z".into());
    updated_at.max = Some("2025-01-01T09:12:00Z".into());
    let mut tickets = SourceReport {
        name: "tickets".into(),
        kind: "csv".into(),
        location: "fixtures/support/tickets.csv".into(),
        status: Status::Ok,
        error: None,
        rows: Some(rows),
        complete_rows: Some(11_466),
        ready_rows: Some(7_320),
        ready_share: Some(0.61),
        files: Vec::new(),
        bytes: Some(4_812_331),
        columns: vec![ticket_id, customer_id, email, subject, body, category, updated_at],
        absent_required: Vec::new(),
        staleness: Some(StalenessReport {
            column: "updated_at".into(),
            newest: Some("2025-01-01T09:12:00Z".into()),
            oldest: Some("2022-03-02T08:00:00Z".into()),
            age_seconds: Some(9 * 86_400 + 48 * 60),
            newest_past: Some("2025-01-01T09:12:00Z".into()),
            age_past_seconds: Some(9 * 86_400 + 48 * 60),
            stale_after_seconds: 365 * 86_400,
            stale_rows: 400,
            stale_share: 0.0333,
            future_rows: 2,
            unparseable: 0,
            naive_utc: 0,
            file_modified: Some("2025-01-01T09:15:02Z".into()),
            footer_min: None,
            footer_max: None,
            database: None,
            age_histogram: histogram(&[0, 0, 0, 2_150, 3_870, 2_610, 2_968, 300, 100, 0]),
        }),
        labels: Some(LabelReport {
            column: "category".into(),
            labeled: 10_150,
            coverage: 0.8458,
            classes: vec![
                ("billing".into(), 4_210),
                ("account".into(), 3_120),
                ("shipping".into(), 2_390),
                ("Billing ".into(), 402),
                ("returns".into(), 16),
                ("legal".into(), 12),
            ],
            rare_classes: vec!["returns".into(), "legal".into()],
            imbalance: Some(350.8),
            variant_labels: vec![vec!["Billing ".into(), "billing".into()]],
            added: Added::default(),
        }),
        keys: Some(KeyReport { column: "ticket_id".into(), distinct: 11_997, duplicates: 3, duplicate_rows: 3 }),
        added: Added::unread(),
        access: AccessReport {
            reachable: true,
            readable: true,
            can_write: None,
            owner: Some("etl".into()),
            mode: Some("0644".into()),
            world_writable: Some(false),
            notes: Vec::new(),
            sql: None,
            engine: None,
            transport: None,
        },
        // The CSV facts are the reader's type: filled field by field, the report never names it.
        csv: Some(Default::default()),
        read: None,
        delta: None,
    };
    if let Some(csv) = &mut tickets.csv {
        csv.delimiter = ",".into();
        csv.expected_fields = 7;
    }
    tickets
}

/// 2,400 knowledge-base articles in two Parquet parts: 288 without a body, newest 12 hours old.
fn kb() -> SourceReport {
    let rows = 2_400;
    let mut article_id = column("article_id", "integer", true, rows, (0, 0, 0));
    article_id.distinct = Some(2_400);
    article_id.min = Some("1".into());
    article_id.max = Some("2400".into());
    let mut title = column("title", "string", true, rows, (0, 4, 0));
    title.distinct = Some(2_391);
    let mut body = column("body", "string", true, rows, (288, 0, 0));
    body.distinct = Some(2_108);
    let updated_at = column("updated_at", "timestamp", false, rows, (0, 0, 0));
    SourceReport {
        name: "kb".into(),
        kind: "parquet".into(),
        location: "fixtures/kb".into(),
        status: Status::Ok,
        error: None,
        rows: Some(rows),
        complete_rows: Some(2_108),
        ready_rows: Some(2_108),
        ready_share: Some(0.8783),
        files: vec!["fixtures/kb/part-0.parquet".into(), "fixtures/kb/part-1.parquet".into()],
        bytes: Some(1_310_720),
        columns: vec![article_id, title, body, updated_at],
        absent_required: Vec::new(),
        staleness: Some(StalenessReport {
            column: "updated_at".into(),
            newest: Some("2025-01-09T22:00:00Z".into()),
            oldest: Some("2024-08-01T00:00:00Z".into()),
            age_seconds: Some(12 * 3_600),
            newest_past: Some("2025-01-09T22:00:00Z".into()),
            age_past_seconds: Some(12 * 3_600),
            stale_after_seconds: 365 * 86_400,
            stale_rows: 0,
            stale_share: 0.0,
            future_rows: 0,
            unparseable: 0,
            naive_utc: 2_400,
            file_modified: Some("2025-01-09T22:05:40Z".into()),
            footer_min: Some("2024-08-01T00:00:00Z".into()),
            footer_max: Some("2025-01-09T22:00:00Z".into()),
            database: None,
            age_histogram: histogram(&[40, 95, 310, 820, 705, 430, 0, 0, 0, 0]),
        }),
        labels: None,
        keys: Some(KeyReport { column: "article_id".into(), distinct: 2_400, duplicates: 0, duplicate_rows: 0 }),
        added: Added::unread(),
        access: AccessReport {
            reachable: true,
            readable: true,
            can_write: None,
            owner: Some("etl".into()),
            mode: Some("0666".into()),
            world_writable: Some(true),
            notes: vec!["`fixtures/kb/part-1.parquet` is world-writable".into()],
            sql: None,
            engine: None,
            transport: None,
        },
        csv: None,
        read: None,
        delta: None,
    }
}

/// A CSV the scanning user may not read: no measures, and an access FAIL.
fn agents() -> SourceReport {
    let access = AccessReport {
        reachable: true,
        readable: false,
        can_write: None,
        owner: Some("root".into()),
        mode: Some("0600".into()),
        world_writable: Some(false),
        notes: Vec::new(),
        sql: None,
        engine: None,
        transport: None,
    };
    SourceReport::unread(
        "agents".into(),
        "csv".into(),
        "fixtures/support/agents.csv".into(),
        "permission denied (os error 13)".into(),
        access,
    )
}

fn histogram(rows: &[u64; 10]) -> Vec<AgeBucket> {
    const UNDER_DAYS: [Option<i64>; 10] =
        [Some(1), Some(2), Some(7), Some(30), Some(90), Some(180), Some(365), Some(730), Some(1825), None];
    UNDER_DAYS.iter().zip(rows).map(|(&under_days, &rows)| AgeBucket { under_days, rows }).collect()
}

fn line(n: u64, value: Option<&str>) -> Example {
    Example { at: LocatorInFile { file: None, at: Locator::Line(n) }, value: value.map(str::to_string) }
}

fn row(file: &str, n: u64, value: Option<&str>) -> Example {
    Example { at: LocatorInFile { file: Some(file.into()), at: Locator::Row(n) }, value: value.map(str::to_string) }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    id: FindingId,
    check: Check,
    severity: Severity,
    source: &str,
    column: Option<&str>,
    value: &str,
    threshold: Option<&str>,
    message: &str,
    evidence: Vec<Example>,
) -> Finding {
    Finding {
        id,
        check,
        severity,
        source: Some(source.into()),
        column: column.map(str::to_string),
        value: Some(value.into()),
        threshold: threshold.map(str::to_string),
        message: message.into(),
        evidence,
    }
}

/// In the order the rules emit them: per source, access first, then clean, current, labeled.
fn findings() -> Vec<Finding> {
    use Check::*;
    use Severity::*;
    let part1 = "fixtures/kb/part-1.parquet";
    vec![
        // tickets
        finding(
            FindingId::new(Rule::AccessReadable, Subject::source("tickets")),
            Permissioned,
            Pass,
            "tickets",
            None,
            "readable",
            None,
            "fixtures/support/tickets.csv is reachable and readable",
            vec![],
        ),
        finding(
            FindingId::new(Rule::AccessWorldWritable, Subject::source("tickets")),
            Permissioned,
            Pass,
            "tickets",
            None,
            "mode 0644, owner etl",
            None,
            "files are not world-writable (mode 0644, owner etl)",
            vec![],
        ),
        finding(
            FindingId::new(Rule::AccessPii, Subject::column("tickets", "customer_email")),
            Permissioned,
            Warn,
            "tickets",
            Some("customer_email"),
            "97% email",
            None,
            "customer_email holds email values (97% of values) and is not listed under `pii`: \
             confirm the pilot may use it",
            vec![
                line(2, Some("j***@example.com")),
                line(3, Some("m***@example.org")),
                line(4, Some("a***@mail.example.net")),
            ],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("tickets", "ticket_id")),
            Clean,
            Pass,
            "tickets",
            Some("ticket_id"),
            "0%",
            Some("warn 2% · fail 10%"),
            "0% missing (within 2%): 0 null, 0 blank, 0 placeholder",
            vec![],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("tickets", "customer_id")),
            Clean,
            Pass,
            "tickets",
            Some("customer_id"),
            "0.9%",
            Some("warn 2% · fail 10%"),
            "0.9% missing (within 2%): 96 null, 0 blank, 12 placeholder",
            vec![line(17, None), line(230, Some("unknown"))],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("tickets", "subject")),
            Clean,
            Pass,
            "tickets",
            Some("subject"),
            "0.1%",
            Some("warn 2% · fail 10%"),
            "0.1% missing (within 2%): 0 null, 18 blank, 0 placeholder",
            vec![line(412, Some(" "))],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("tickets", "body")),
            Clean,
            Warn,
            "tickets",
            Some("body"),
            "3.4%",
            Some("warn 2% · fail 10%"),
            "3.4% missing (warn above 2%): 212 null, 61 blank, 135 placeholder",
            vec![line(88, Some("N/A")), line(1_204, Some("")), line(3_310, Some("-")), line(5_127, None)],
        ),
        finding(
            FindingId::new(Rule::MissingSuspectedPlaceholders, Subject::column("tickets", "customer_email")),
            Clean,
            Warn,
            "tickets",
            Some("customer_email"),
            "\"t***@test.com\" ×41",
            None,
            "looks like placeholder values: \"t***@test.com\" ×41; add them to `placeholders` if they \
             mean \"unknown\"",
            vec![],
        ),
        finding(
            FindingId::new(Rule::KeysDuplicates, Subject::source("tickets")),
            Clean,
            Fail,
            "tickets",
            Some("ticket_id"),
            "3",
            Some("fail 0"),
            "3 key value(s) of `ticket_id` occur more than once (3 extra rows) (fail above 0)",
            vec![line(9_001, Some("T-004512")), line(10_422, Some("T-007730")), line(11_876, Some("T-011002"))],
        ),
        finding(
            FindingId::new(Rule::StalenessMaxAge, Subject::source("tickets")),
            Current,
            Fail,
            "tickets",
            Some("updated_at"),
            "9d",
            Some("warn 2d · fail 7d"),
            "newest 2025-01-01T09:12:00Z, 9d old (fail at 7d)",
            vec![line(11_998, Some("2025-01-01T09:12:00Z"))],
        ),
        finding(
            FindingId::new(Rule::StalenessMaxStaleShare, Subject::source("tickets")),
            Current,
            Pass,
            "tickets",
            Some("updated_at"),
            "3.3%",
            Some("warn 30% · fail 60%"),
            "400 row(s) (3.3%) older than 365d (within 30%)",
            vec![line(2, Some("2022-03-02T08:00:00Z"))],
        ),
        finding(
            FindingId::new(Rule::StalenessFutureRows, Subject::source("tickets")),
            Current,
            Warn,
            "tickets",
            Some("updated_at"),
            "2",
            None,
            "2 row(s) dated after the as-of time: clock skew or bad data",
            vec![line(7_342, Some("2025-03-01T00:00:00Z")), line(7_343, Some("2031-01-01T00:00:00Z"))],
        ),
        finding(
            FindingId::new(Rule::LabelsMinLabelCoverage, Subject::source("tickets")),
            Labeled,
            Pass,
            "tickets",
            Some("category"),
            "85%",
            Some("warn 80% · fail 50%"),
            "10150 of 12000 rows labeled (85%) (within 80%)",
            vec![line(31, None), line(45, Some("TBD"))],
        ),
        finding(
            FindingId::new(Rule::LabelsRareClasses, Subject::source("tickets")),
            Labeled,
            Warn,
            "tickets",
            Some("category"),
            "2",
            Some("30 examples per class"),
            "2 class(es) have fewer than 30 examples: \"returns\" (16), \"legal\" (12)",
            vec![],
        ),
        finding(
            FindingId::new(Rule::LabelsVariantLabels, Subject::source("tickets")),
            Labeled,
            Warn,
            "tickets",
            Some("category"),
            "1",
            None,
            "labels that differ only in case or spaces: \"Billing \" = \"billing\"",
            vec![],
        ),
        // kb
        finding(
            FindingId::new(Rule::AccessReadable, Subject::source("kb")),
            Permissioned,
            Pass,
            "kb",
            None,
            "readable",
            None,
            "fixtures/kb is reachable and readable",
            vec![],
        ),
        finding(
            FindingId::new(Rule::AccessWorldWritable, Subject::source("kb")),
            Permissioned,
            Warn,
            "kb",
            None,
            "mode 0666, owner etl",
            None,
            "1 file(s) anyone on the machine can change (mode 0666, owner etl)",
            vec![],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("kb", "article_id")),
            Clean,
            Pass,
            "kb",
            Some("article_id"),
            "0%",
            Some("warn 2% · fail 10%"),
            "0% missing (within 2%): 0 null, 0 blank, 0 placeholder",
            vec![],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("kb", "title")),
            Clean,
            Pass,
            "kb",
            Some("title"),
            "0.2%",
            Some("warn 2% · fail 10%"),
            "0.2% missing (within 2%): 0 null, 4 blank, 0 placeholder",
            vec![row(part1, 3, Some(""))],
        ),
        finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column("kb", "body")),
            Clean,
            Fail,
            "kb",
            Some("body"),
            "12%",
            Some("warn 2% · fail 10%"),
            "12% missing (fail above 10%): 288 null, 0 blank, 0 placeholder",
            vec![
                row(part1, 12, None),
                row(part1, 13, None),
                row(part1, 57, None),
                row(part1, 101, None),
                row(part1, 1_024, None),
            ],
        ),
        finding(
            FindingId::new(Rule::KeysDuplicates, Subject::source("kb")),
            Clean,
            Pass,
            "kb",
            Some("article_id"),
            "0",
            Some("fail 0"),
            "all 2400 key values of `article_id` are unique",
            vec![],
        ),
        finding(
            FindingId::new(Rule::StalenessMaxAge, Subject::source("kb")),
            Current,
            Pass,
            "kb",
            Some("updated_at"),
            "12h",
            Some("warn 2d · fail 7d"),
            "newest 2025-01-09T22:00:00Z, 12h old (within 2d)",
            vec![row(part1, 1_187, Some("2025-01-09T22:00:00Z"))],
        ),
        finding(
            FindingId::new(Rule::StalenessMaxStaleShare, Subject::source("kb")),
            Current,
            Pass,
            "kb",
            Some("updated_at"),
            "0%",
            Some("warn 30% · fail 60%"),
            "0 row(s) (0%) older than 365d (within 30%)",
            vec![],
        ),
        // agents
        finding(
            FindingId::new(Rule::AccessReadable, Subject::source("agents")),
            Permissioned,
            Fail,
            "agents",
            None,
            "unreadable",
            None,
            "cannot read fixtures/support/agents.csv: permission denied (os error 13)",
            vec![],
        ),
        // the customer entity
        finding(
            FindingId::new(Rule::EntitiesMaxUnmatchedShare, Subject::system("customer", "tickets")),
            Connected,
            Warn,
            "tickets",
            Some("customer_id"),
            "7.1%",
            Some("warn 2% · fail 10%"),
            "customer: 7.1% of `tickets.customer_id` keys (50 of 700) are not in crm (warn at 2%)",
            vec![Example { at: LocatorInFile { file: None, at: Locator::EntityKey("4711".into()) }, value: None }],
        ),
        finding(
            FindingId::new(
                Rule::EntitiesMaxConflictShare,
                Subject::Pair {
                    entity: "customer".into(),
                    left: ("tickets".into(), "customer_email".into()),
                    right: ("crm".into(), "email".into()),
                },
            ),
            Connected,
            Warn,
            "tickets",
            Some("customer_email"),
            "1.9%",
            Some("warn 1% · fail 5%"),
            "customer: `tickets.customer_email` and `crm.email` disagree on 12 of 640 matched keys (warn at 1%)",
            vec![Example {
                at: LocatorInFile { file: None, at: Locator::EntityKey("123".into()) },
                value: Some("j***@example.com vs k***@example.org".into()),
            }],
        ),
        finding(
            FindingId::new(Rule::EntitiesKeyShapes, Subject::Entity("customer".into())),
            Connected,
            Pass,
            "customer",
            None,
            "differ",
            None,
            "customer: key shapes differ (tickets A-999999, crm 9999); normalizing with trim and strip_prefix:C- and \
             strip_leading_zeros recovers 650 matches",
            vec![],
        ),
    ]
}

/// The review of the sample: two rows declared passing, data access and monitoring measured
/// failing (no earlier scan in the window), a rollout plan declared failing: still an experiment.
fn readiness() -> crate::verdict::review::Readiness {
    use crate::verdict::review::{Basis, Checkpoint, Readiness, ReadinessRow, RowStatus};
    let row = |checkpoint, status, basis, by: Option<&str>, note: &str| ReadinessRow {
        checkpoint,
        status,
        basis,
        declared_by: by.map(str::to_string),
        note: Some(note.to_string()),
    };
    Readiness::from_rows(
        vec![
            row(
                Checkpoint::BusinessMetric,
                RowStatus::Pass,
                Basis::Declared,
                Some("Dana Lee"),
                "KPI: tickets deflected per week; baseline 1,140/week agreed with support leads",
            ),
            row(
                Checkpoint::DataAccess,
                RowStatus::Fail,
                Basis::Measured,
                None,
                "FAIL in clean, permissioned, current; WARN in labeled, connected",
            ),
            row(
                Checkpoint::WorkflowFit,
                RowStatus::Pass,
                Basis::Declared,
                Some("Sam Ortiz"),
                "drafts appear in the agent's reply box; agents accept or edit",
            ),
            row(
                Checkpoint::Owner,
                RowStatus::Pass,
                Basis::Declared,
                Some("support-ops@example.com"),
                "support-ops@example.com, from `[pilot] owner`",
            ),
            row(
                Checkpoint::Monitoring,
                RowStatus::Fail,
                Basis::Measured,
                None,
                "no earlier scan of `support-deflection` in `h.sqlite` within 2d",
            ),
            row(Checkpoint::RolloutPlan, RowStatus::Fail, Basis::Declared, Some("Dana Lee"), "no rollback step <yet>"),
        ],
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_consistent() {
        let r = sample();
        assert_eq!(r.verdict, Severity::Fail);
        assert_eq!(r.checklist.connected, Some(Severity::Warn));
        for s in [Severity::Pass, Severity::Warn, Severity::Fail] {
            assert!(r.findings.iter().any(|f| f.severity == s), "no {s:?} finding");
        }
        for s in r.sources.iter().filter(|s| s.status == Status::Ok) {
            let rows = s.rows.unwrap_or(0);
            for c in &s.columns {
                assert_eq!(c.missing, c.nulls + c.blanks + c.placeholders, "{}.{}", s.name, c.name);
                assert!(c.missing_share <= 1.0);
            }
            assert!(s.ready_rows.unwrap_or(0) <= s.complete_rows.unwrap_or(0));
            assert!(s.complete_rows.unwrap_or(0) <= rows);
        }
        assert!(r.findings.iter().all(|f| f.evidence.len() <= crate::stats::MAX_EXAMPLES));
        assert_eq!(Report::sample(), r);
    }
}
