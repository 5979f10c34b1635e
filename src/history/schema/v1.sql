-- preflight history, schema version 1: one row per scan with its verdict and checklist, the
-- headline measures of each source, and every finding with its message.
CREATE TABLE schema_version (
    version     INTEGER NOT NULL PRIMARY KEY,
    description TEXT    NOT NULL,
    applied_by  TEXT    NOT NULL
);

CREATE TABLE scans (
    id        INTEGER NOT NULL PRIMARY KEY,
    profile   TEXT    NOT NULL,
    as_of     TEXT    NOT NULL,
    verdict   TEXT    NOT NULL,
    checklist TEXT    NOT NULL
);

CREATE TABLE source_measures (
    scan_id           INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    source            TEXT    NOT NULL,
    row_count         INTEGER,
    ready_share       REAL,
    stale_share       REAL,
    coverage          REAL,
    max_missing_share REAL,
    PRIMARY KEY (scan_id, source)
);

CREATE TABLE findings (
    scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    finding_id  TEXT    NOT NULL,
    check_name  TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    source      TEXT,
    column_name TEXT,
    message     TEXT    NOT NULL
);

CREATE INDEX findings_by_scan ON findings (scan_id);
