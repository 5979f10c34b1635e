-- preflight history, schema version 2: scans carry their time as a number (to order and select
-- them), where they came from and the whole JSON report; measures per column and per entity;
-- findings keep their observed value, threshold and evidence.

ALTER TABLE scans ADD COLUMN as_of_micros INTEGER;
-- Version 1 kept only the RFC 3339 text. Whole seconds are enough to order nightly scans.
UPDATE scans SET as_of_micros = CAST(strftime('%s', as_of) AS INTEGER) * 1000000;
ALTER TABLE scans ADD COLUMN profile_path TEXT;
ALTER TABLE scans ADD COLUMN tool_version TEXT;
ALTER TABLE scans ADD COLUMN duration_ms INTEGER;
-- The report as `--format json` writes it, so that a later version can derive new measures
-- from old scans. NULL for scans stored by version 1.
ALTER TABLE scans ADD COLUMN report TEXT;
CREATE INDEX scans_by_profile ON scans (profile, as_of_micros, id);

ALTER TABLE source_measures ADD COLUMN kind TEXT;
ALTER TABLE source_measures ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
-- Version 1 stored a source it could not read with no row count and no status of its own.
UPDATE source_measures SET status = 'error' WHERE row_count IS NULL;
ALTER TABLE source_measures ADD COLUMN ready_rows INTEGER;
ALTER TABLE source_measures ADD COLUMN stale_rows INTEGER;
ALTER TABLE source_measures ADD COLUMN age_seconds INTEGER;
ALTER TABLE source_measures ADD COLUMN labeled INTEGER;
ALTER TABLE source_measures ADD COLUMN max_missing_column TEXT;
-- Whether `column_measures` holds this source's columns: never for version 1 scans, so a
-- schema comparison can tell "no columns" from "columns not recorded".
ALTER TABLE source_measures ADD COLUMN columns_recorded INTEGER NOT NULL DEFAULT 0;

-- Keyed by position: a CSV header may name a column twice.
CREATE TABLE column_measures (
    scan_id        INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    source         TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    column_name    TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    required       INTEGER NOT NULL,
    missing        INTEGER NOT NULL,
    missing_share  REAL    NOT NULL,
    distinct_count INTEGER,
    PRIMARY KEY (scan_id, source, position)
);

CREATE TABLE entity_measures (
    scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    entity        TEXT    NOT NULL,
    fragmentation REAL,
    in_all        INTEGER,
    -- The entity as the report serialized it, whatever measures it carried.
    measures      TEXT    NOT NULL,
    PRIMARY KEY (scan_id, entity)
);

CREATE TABLE entity_system_measures (
    scan_id         INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    entity          TEXT    NOT NULL,
    system          TEXT    NOT NULL,
    distinct_keys   INTEGER,
    unmatched_share REAL,
    PRIMARY KEY (scan_id, entity, system)
);

ALTER TABLE findings ADD COLUMN value TEXT;
ALTER TABLE findings ADD COLUMN threshold TEXT;
ALTER TABLE findings ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';
