//! SQL text per dialect: identifier quoting, bound parameters, and the aggregate queries that
//! compute a source's measures inside the database (DESIGN §6 push-down).
//!
//! Nothing here talks to a database. Every name that comes from a profile or a catalog goes
//! through `Dialect::quote`, and every string value (the placeholder list) is a bound
//! parameter, so neither can change the shape of a query. Numbers (as-of, thresholds) are
//! written as literals from Rust integers.
//!
//! Values are compared the way the file readers compare them: byte for byte, trimmed of
//! whitespace, placeholders case-insensitively. Each dialect needs its own spelling for that:
//! PostgreSQL sorts text by locale unless told `COLLATE "C"`; MySQL compares strings
//! case-insensitively and ignores trailing spaces unless they are cast to binary; SQLite
//! honours a column's declared `COLLATE NOCASE` unless told `COLLATE BINARY`. Spark compares
//! strings byte for byte already (its default collation is `UTF8_BINARY`), but it raises errors
//! on bad casts (ANSI mode), divides integers into doubles with `/`, and has no bound string
//! parameters in plain SQL, so it gets `TRY_CAST`, `DIV` and hexadecimal literals.
//!
//! The layers that parse a timestamp column (`Plan::source`) are in `timestamp.rs`.

#[cfg(test)]
mod tests;
mod timestamp;

use crate::stats::AGE_BUCKET_DAYS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
    /// Spark SQL, sent through Spark Connect (`sc://`).
    Spark,
}

/// How a column's values are measured, from its declared type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
    Date,
    /// Anything else (JSON, UUID, arrays, binary): present or null, measured as text.
    Other,
}

impl Class {
    /// The column type as the report names it (the same words the file readers infer).
    pub fn report_type(self) -> &'static str {
        match self {
            Class::Text | Class::Other => "string",
            Class::Int => "integer",
            Class::Float => "float",
            Class::Bool => "boolean",
            Class::Timestamp => "timestamp",
            Class::Date => "date",
        }
    }
}

/// A column of the relation being measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Col {
    pub name: String,
    pub class: Class,
}

/// A query and its bound string parameters, in the order the dialect numbers them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<String>,
    /// PostgreSQL and SQLite number their parameters, so the placeholder list is bound once.
    pub(crate) list_at: Option<Vec<usize>>,
}

impl Dialect {
    /// Quotes one identifier. The quote character is doubled inside it, which is the only
    /// escape these dialects need inside a quoted identifier: a name holding quotes, spaces or
    /// semicolons stays one identifier. A NUL cannot be part of an identifier in any of them.
    pub fn quote(self, name: &str) -> String {
        let q = match self {
            Dialect::MySql | Dialect::Spark => '`',
            Dialect::Postgres | Dialect::Sqlite => '"',
        };
        let mut out = String::with_capacity(name.len() + 2);
        out.push(q);
        for c in name.chars().filter(|&c| c != '\0') {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// A table name from the profile: `schema.table` is two identifiers, anything else one.
    pub fn quote_table(self, name: &str) -> String {
        match name.split_once('.') {
            Some((schema, table)) if !schema.is_empty() && !table.is_empty() && !table.contains('.') => {
                format!("{}.{}", self.quote(schema), self.quote(table))
            }
            _ => self.quote(name),
        }
    }

    /// Classifies a declared type name as the driver reports it (`INT8`, `VARCHAR`, `TEXT`…).
    pub fn classify(self, type_name: &str) -> Class {
        let t = type_name.to_ascii_uppercase();
        let t = t.trim();
        match self {
            Dialect::Postgres => match t {
                "TEXT" | "VARCHAR" | "CHAR" | "BPCHAR" | "NAME" | "CITEXT" => Class::Text,
                "INT2" | "INT4" | "INT8" | "SMALLINT" | "INT" | "INTEGER" | "BIGINT" => Class::Int,
                "FLOAT4" | "FLOAT8" | "NUMERIC" | "REAL" | "DOUBLE PRECISION" => Class::Float,
                "BOOL" | "BOOLEAN" => Class::Bool,
                "TIMESTAMP" | "TIMESTAMPTZ" => Class::Timestamp,
                "DATE" => Class::Date,
                _ => Class::Other,
            },
            Dialect::MySql => {
                let base = t.split([' ', '(']).next().unwrap_or("");
                match base {
                    "VARCHAR" | "CHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET" => {
                        Class::Text
                    }
                    // MySQL's BOOLEAN is TINYINT(1): its values are 0 and 1, as a file would hold them.
                    "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "INTEGER" | "BIGINT" | "BOOLEAN" | "YEAR" => {
                        Class::Int
                    }
                    "FLOAT" | "DOUBLE" | "DECIMAL" | "NUMERIC" => Class::Float,
                    "DATETIME" | "TIMESTAMP" => Class::Timestamp,
                    "DATE" => Class::Date,
                    _ => Class::Other,
                }
            }
            // SQLite stores any value in any column; text timestamps are parsed like text, so
            // only the storage classes that change how values compare are told apart.
            Dialect::Sqlite => match t {
                "INTEGER" | "INT" | "BIGINT" => Class::Int,
                "REAL" | "FLOAT" | "DOUBLE" => Class::Float,
                "BLOB" => Class::Other,
                _ => Class::Text,
            },
            // Spark's own type names, as `DESCRIBE QUERY` prints them.
            Dialect::Spark => {
                let base = t.split(['(', '<']).next().unwrap_or("").trim();
                match base {
                    "STRING" | "VARCHAR" | "CHAR" => Class::Text,
                    "TINYINT" | "SMALLINT" | "INT" | "INTEGER" | "BIGINT" | "BYTE" | "SHORT" | "LONG" => Class::Int,
                    "FLOAT" | "DOUBLE" | "REAL" | "DECIMAL" | "DEC" | "NUMERIC" => Class::Float,
                    "BOOLEAN" => Class::Bool,
                    "TIMESTAMP" | "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" => Class::Timestamp,
                    "DATE" => Class::Date,
                    _ => Class::Other,
                }
            }
        }
    }

    /// A value as text.
    pub(crate) fn text(self, e: &str) -> String {
        match self {
            Dialect::MySql => format!("CAST({e} AS CHAR)"),
            Dialect::Postgres | Dialect::Sqlite => format!("CAST({e} AS TEXT)"),
            Dialect::Spark => format!("CAST({e} AS STRING)"),
        }
    }

    /// A text value with surrounding whitespace removed (space, tab, newline, CR, VT, FF).
    pub(crate) fn trim(self, e: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("BTRIM({e}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))")
            }
            // MySQL's TRIM removes one string, not a set of characters; a regex does. The regex
            // is slow per row, so it runs only when an end character is whitespace at all.
            Dialect::MySql => {
                let ws = "(' ', CHAR(9 USING utf8mb4), CHAR(10 USING utf8mb4), CHAR(11 USING utf8mb4), \
                          CHAR(12 USING utf8mb4), CHAR(13 USING utf8mb4))";
                let u = format!("CONVERT({e} USING utf8mb4)");
                format!(
                    "CASE WHEN LEFT({u}, 1) IN {ws} OR RIGHT({u}, 1) IN {ws} \
                     THEN REGEXP_REPLACE({u}, '^[[:space:]]+|[[:space:]]+$', '') ELSE {u} END"
                )
            }
            Dialect::Sqlite => format!("TRIM({e}, ' ' || char(9) || char(10) || char(11) || char(12) || char(13))"),
            // TRIM's first argument is a set of characters; the optimizer folds the CONCAT.
            Dialect::Spark => format!("TRIM(BOTH CONCAT(' ', chr(9), chr(10), chr(11), chr(12), chr(13)) FROM {e})"),
        }
    }

    /// A value in a form that compares, groups and sorts byte for byte.
    pub(super) fn exact(self, e: &str, class: Class) -> String {
        match (self, class) {
            (Dialect::Postgres, Class::Text) => format!("{e} COLLATE \"C\""),
            (Dialect::Postgres, Class::Other | Class::Bool) => format!("CAST({e} AS TEXT) COLLATE \"C\""),
            (Dialect::MySql, Class::Text | Class::Other) => format!("CAST(CONVERT({e} USING utf8mb4) AS BINARY)"),
            (Dialect::Sqlite, Class::Text | Class::Other) => format!("{e} COLLATE BINARY"),
            // Maps and structs cannot be grouped or counted distinct; their text form can.
            (Dialect::Spark, Class::Other | Class::Bool) => format!("CAST({e} AS STRING)"),
            _ => e.to_string(),
        }
    }

    /// Appended to a derived table so the planner keeps it as its own step: without it,
    /// PostgreSQL and SQLite inline every reference to a computed column, and the timestamp
    /// layers (each column used several times by the next) would be evaluated thousands of
    /// times per row. `OFFSET 0` is PostgreSQL's usual fence; SQLite does not flatten a
    /// subquery with an OFFSET. Both still stream the rows. MySQL would materialise the whole
    /// table instead, so it gets a single, compact layer (see `Plan::source`).
    fn fence(self) -> &'static str {
        match self {
            Dialect::Postgres => " OFFSET 0",
            Dialect::Sqlite => " LIMIT -1 OFFSET 0",
            // Spark's optimizer keeps a projection whose expensive columns are used more than
            // once (CollapseProject), so its layers need no fence.
            Dialect::MySql | Dialect::Spark => "",
        }
    }

    pub(super) fn int(self, e: &str) -> String {
        match self {
            Dialect::MySql => format!("CAST({e} AS SIGNED)"),
            Dialect::Postgres => format!("CAST({e} AS BIGINT)"),
            Dialect::Sqlite => format!("CAST({e} AS INTEGER)"),
            // ANSI mode (Spark 4's default) raises on a bad cast; the others yield NULL or 0.
            Dialect::Spark => format!("TRY_CAST({e} AS BIGINT)"),
        }
    }

    fn idiv(self, a: &str, b: &str) -> String {
        match self {
            Dialect::MySql | Dialect::Spark => format!("(({a}) DIV ({b}))"),
            // Both operands are integers here, so `/` truncates as DIV does.
            Dialect::Postgres | Dialect::Sqlite => format!("(({a}) / ({b}))"),
        }
    }

    fn concat(self, a: &str, b: &str) -> String {
        match self {
            // `||` is logical OR in MySQL unless PIPES_AS_CONCAT is set.
            Dialect::MySql | Dialect::Spark => format!("CONCAT({a}, {b})"),
            Dialect::Postgres | Dialect::Sqlite => format!("({a} || {b})"),
        }
    }

    fn length(self, e: &str) -> String {
        match self {
            Dialect::MySql => format!("CHAR_LENGTH({e})"),
            Dialect::Postgres | Dialect::Sqlite | Dialect::Spark => format!("LENGTH({e})"),
        }
    }

    fn substr(self, e: &str, from: &str, len: &str) -> String {
        format!("SUBSTR({e}, {from}, {len})")
    }
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Sql {
        Sql { text: text.into(), ..Sql::default() }
    }

    pub(crate) fn push_bind(&mut self, d: Dialect, value: &str) -> String {
        // Spark SQL takes no bound parameters outside its own API: the value is written as a
        // literal no value can escape from (see `spark_text`).
        if d == Dialect::Spark {
            return spark_text(value);
        }
        self.binds.push(value.to_string());
        match d {
            Dialect::Postgres => format!("${}", self.binds.len()),
            Dialect::Sqlite => format!("?{}", self.binds.len()),
            // Not reached: MySQL lists are literals (see `list`).
            Dialect::MySql | Dialect::Spark => "?".into(),
        }
    }

    /// `( p1, p2, … )` for the placeholder list. PostgreSQL and SQLite bind it once as numbered
    /// parameters that every use refers to. MySQL's parameters are positional, so a list used
    /// twice would need binding twice in textual order; there it is written as hexadecimal
    /// binary literals instead (`X'6e2f61'`), which no value can escape from and which compare
    /// byte for byte, as the measured side does.
    fn list(&mut self, d: Dialect, values: &[String]) -> String {
        if d == Dialect::MySql {
            let hex: Vec<String> = values.iter().map(|v| format!("X'{}'", hex(v))).collect();
            return format!("({})", hex.join(", "));
        }
        if d == Dialect::Spark {
            let lits: Vec<String> = values.iter().map(|v| spark_text(v)).collect();
            return format!("({})", lits.join(", "));
        }
        if let Some(at) = &self.list_at {
            let marks: Vec<String> =
                at.iter().map(|n| if d == Dialect::Postgres { format!("${n}") } else { format!("?{n}") }).collect();
            return format!("({})", marks.join(", "));
        }
        let mut marks = Vec::new();
        let mut at = Vec::new();
        for v in values {
            marks.push(self.push_bind(d, v));
            at.push(self.binds.len());
        }
        self.list_at = Some(at);
        format!("({})", marks.join(", "))
    }
}

/// What to measure: the relation, its columns and the profile's choices, resolved.
#[derive(Clone, Debug)]
pub struct Plan {
    pub dialect: Dialect,
    /// `FROM` target, without an alias: a quoted table name or `(query)`.
    pub relation: String,
    pub cols: Vec<Col>,
    /// Indexes into `cols`.
    pub required: Vec<usize>,
    pub timestamp: Option<usize>,
    pub label: Option<usize>,
    pub key: Option<usize>,
    /// The evidence key: the source's `key`, else the table's single-column primary key.
    pub evidence_key: Option<usize>,
    /// Trimmed, lower-cased placeholders.
    pub placeholders: Vec<String>,
    pub required_absent: bool,
    pub label_absent: bool,
    pub as_of: i64,
    pub stale_before: i64,
}

/// Alias columns added by the timestamp parsing layers; chosen not to collide with real names.
pub const TS: &str = "preflight__ts";
pub const TS_NAIVE: &str = "preflight__naive";

impl Plan {
    fn d(&self) -> Dialect {
        self.dialect
    }

    pub(super) fn q(&self, i: usize) -> String {
        self.cols.get(i).map(|c| self.d().quote(&c.name)).unwrap_or_else(|| "NULL".into())
    }

    pub(super) fn class(&self, i: usize) -> Class {
        self.cols.get(i).map_or(Class::Other, |c| c.class)
    }

    fn is_text(&self, i: usize) -> bool {
        matches!(self.class(i), Class::Text)
    }

    /// The present-value predicate of column `i`: not null, and for text not blank and not a
    /// placeholder.
    pub fn present(&self, sql: &mut Sql, i: usize) -> String {
        let c = self.q(i);
        if !self.is_text(i) {
            return format!("({c} IS NOT NULL)");
        }
        let t = self.d().trim(&c);
        format!("({c} IS NOT NULL AND {t} <> '' AND NOT {})", self.placeholder_test(sql, &t))
    }

    fn placeholder_test(&self, sql: &mut Sql, trimmed: &str) -> String {
        if self.placeholders.is_empty() {
            return "(1 = 0)".into();
        }
        let lower = match self.d() {
            Dialect::Postgres => format!("LOWER({trimmed})"),
            Dialect::MySql => format!("CAST(LOWER({trimmed}) AS BINARY)"),
            Dialect::Sqlite => format!("LOWER({trimmed}) COLLATE BINARY"),
            Dialect::Spark => format!("LOWER({trimmed})"),
        };
        format!("({lower} IN {})", sql.list(self.d(), &self.placeholders))
    }

    /// The relation with one flag per column, `preflight__m{i}`: 0 present, 1 null, 2 blank,
    /// 3 placeholder. Computed once per row here (behind the planner fence) rather than in
    /// every aggregate that needs it: trimming and lower-casing text dominate the cost.
    fn flagged(&self, sql: &mut Sql) -> String {
        let d = self.d();
        let mut flags = Vec::with_capacity(self.cols.len());
        for i in 0..self.cols.len() {
            let c = self.q(i);
            let e = if self.is_text(i) {
                let t = d.trim(&c);
                let ph = self.placeholder_test(sql, &t);
                format!("CASE WHEN {c} IS NULL THEN 1 WHEN {t} = '' THEN 2 WHEN {ph} THEN 3 ELSE 0 END")
            } else {
                format!("CASE WHEN {c} IS NULL THEN 1 ELSE 0 END")
            };
            flags.push(format!("{e} AS {}", Self::m(i)));
        }
        if flags.is_empty() {
            flags.push("0 AS preflight__none".into());
        }
        format!("(SELECT preflight_r.*, {} FROM {} AS preflight_r{})", flags.join(", "), self.relation, d.fence())
    }

    /// The missing-value flag of column `i` in `source`.
    fn m(i: usize) -> String {
        format!("preflight__m{i}")
    }

    /// `FROM …` for queries that do not need the timestamp layers.
    pub(super) fn plain(&self) -> String {
        format!("{} AS preflight_r", self.relation)
    }

    fn count(cond: &str) -> String {
        format!("COUNT(CASE WHEN {cond} THEN 1 END)")
    }

    fn all_present(&self, cols: &[usize]) -> String {
        let mut parts: Vec<String> = cols.iter().map(|&i| format!("{} = 0", Self::m(i))).collect();
        if parts.is_empty() {
            parts.push("(1 = 1)".into());
        }
        parts.join(" AND ")
    }

    fn not_stale(&self) -> String {
        format!("({TS} IS NULL OR {TS} >= {})", self.stale_before)
    }

    /// The one-row aggregate with every count of the source. Output columns, in order:
    /// rows, complete, labeled, ready; per column nulls, blanks, placeholders, distinct, min,
    /// max; then (with a timestamp) parsed, naive, unparseable, stale, future, min, max,
    /// max_past and the age histogram.
    pub fn aggregate(&self) -> Sql {
        let d = self.d();
        let mut sql = Sql::default();
        let mut out = vec!["COUNT(*)".to_string()];
        let from = self.source(&mut sql);
        let complete = if self.required_absent { "(1 = 0)".to_string() } else { self.all_present(&self.required) };
        let labeled = match (self.label, self.label_absent) {
            (Some(l), false) => format!("{} = 0", Self::m(l)),
            _ => "(1 = 0)".into(),
        };
        let has_label = self.label.is_some() || self.label_absent;
        let ready = {
            let mut r = vec![complete.clone()];
            if has_label {
                r.push(labeled.clone());
            }
            if self.timestamp.is_some() {
                r.push(self.not_stale());
            }
            r.join(" AND ")
        };
        out.push(Self::count(&complete));
        out.push(Self::count(&labeled));
        out.push(Self::count(&ready));
        for i in 0..self.cols.len() {
            let c = self.q(i);
            let class = self.class(i);
            let m = Self::m(i);
            let present = format!("{m} = 0");
            out.push(Self::count(&format!("{m} = 1")));
            if self.is_text(i) {
                out.push(Self::count(&format!("{m} = 2")));
                out.push(Self::count(&format!("{m} = 3")));
            } else {
                out.push("0".into());
                out.push("0".into());
            }
            if self.distinct_apart() {
                out.push("0".into());
            } else {
                out.push(format!("COUNT(DISTINCT CASE WHEN {present} THEN {} END)", d.exact(&c, class)));
            }
            let (lo, hi) = match class {
                Class::Int => {
                    (format!("MIN(CASE WHEN {present} THEN {c} END)"), format!("MAX(CASE WHEN {present} THEN {c} END)"))
                }
                Class::Float => (format!("MIN({c})"), format!("MAX({c})")),
                Class::Timestamp | Class::Date => {
                    (format!("MIN({})", self.native_micros(&c)), format!("MAX({})", self.native_micros(&c)))
                }
                _ => {
                    let e = d.exact(&c, class);
                    (format!("MIN(CASE WHEN {present} THEN {e} END)"), format!("MAX(CASE WHEN {present} THEN {e} END)"))
                }
            };
            let as_text = |e: String| match class {
                Class::Int | Class::Timestamp | Class::Date => d.int(&e),
                Class::Float => d.text(&e),
                _ => e,
            };
            out.push(as_text(lo));
            out.push(as_text(hi));
        }
        if let Some(ti) = self.timestamp {
            let present = format!("{} = 0", Self::m(ti));
            out.push(format!("COUNT({TS})"));
            out.push(Self::count(&format!("{TS} IS NOT NULL AND {TS_NAIVE} = 1")));
            out.push(Self::count(&format!("{present} AND {TS} IS NULL")));
            out.push(Self::count(&format!("{TS} < {}", self.stale_before)));
            out.push(Self::count(&format!("{TS} > {}", self.as_of)));
            out.push(format!("MIN({TS})"));
            out.push(format!("MAX({TS})"));
            out.push(format!("MAX(CASE WHEN {TS} <= {} THEN {TS} END)", self.as_of));
            let mut lower: i64 = 0;
            for &days in AGE_BUCKET_DAYS.iter() {
                let upper = days.checked_mul(86_400_000_000);
                let cond = match upper {
                    Some(u) => format!("{TS} <= {a} AND {a} - {TS} >= {lower} AND {a} - {TS} < {u}", a = self.as_of),
                    None => format!("{TS} <= {a} AND {a} - {TS} >= {lower}", a = self.as_of),
                };
                out.push(Self::count(&cond));
                lower = upper.unwrap_or(i64::MAX);
            }
        }
        sql.text = format!("SELECT {} FROM {from}", out.join(", "));
        sql
    }

    /// Whether distinct counts are a query of their own (`distinct_counts`), not part of the
    /// main aggregate. Spark plans several `COUNT(DISTINCT …)` in one aggregate by copying
    /// every row once per distinct column, each copy carrying every other aggregate's inputs:
    /// on a 1,000,000-row table of 10 columns that aggregate took 60 s, the aggregate without
    /// them 7 s and the counts below 8 s.
    pub fn distinct_apart(&self) -> bool {
        self.d() == Dialect::Spark
    }

    /// `(column index, distinct present values)` for every column: one `GROUP BY` per column,
    /// all in one query; `None` where the main aggregate counts them.
    pub fn distinct_counts(&self) -> Option<Sql> {
        if !self.distinct_apart() || self.cols.is_empty() {
            return None;
        }
        let d = self.d();
        let mut sql = Sql::default();
        let parts: Vec<String> = (0..self.cols.len())
            .map(|i| {
                let present = self.present(&mut sql, i);
                let e = d.exact(&self.q(i), self.class(i));
                format!(
                    "SELECT {i} AS preflight__i, {} AS preflight__n FROM (SELECT {e} AS preflight__v FROM {} \
                     WHERE {present} GROUP BY {e}) AS preflight_g",
                    d.int("COUNT(*)"),
                    self.plain()
                )
            })
            .collect();
        sql.text = parts.join(" UNION ALL ");
        Some(sql)
    }

    /// Micros of a native date/time column (used for its min and max).
    fn native_micros(&self, c: &str) -> String {
        match self.d() {
            Dialect::Postgres => {
                format!("CASE WHEN isfinite({c}) THEN CAST(EXTRACT(EPOCH FROM {c}) * 1000000 AS BIGINT) END")
            }
            Dialect::MySql => format!("TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {c})"),
            Dialect::Sqlite => format!("CAST((julianday({c}) - 2440587.5) * 86400000000 AS INTEGER)"),
            Dialect::Spark => format!("unix_micros(CAST({c} AS TIMESTAMP))"),
        }
    }

    /// The evidence key as text, or an empty string when the source has none.
    pub(super) fn key_text(&self) -> String {
        match self.evidence_key {
            Some(k) => self.d().text(&self.q(k)),
            None => "''".into(),
        }
    }

    /// Sorts by the key column itself. Every query using it aliases its output columns: an
    /// output named like the key (PostgreSQL names `CAST("id" AS TEXT)` "id") would otherwise
    /// be what ORDER BY sorts, as text (`1000000` before `540601`).
    fn order_by_key(&self) -> String {
        match self.evidence_key {
            Some(k) => format!(" ORDER BY {}", self.q(k)),
            None => String::new(),
        }
    }

    /// Up to 5 rows where column `i` is missing: key, value as text.
    pub fn missing_examples(&self, i: usize) -> Sql {
        let mut sql = Sql::default();
        let present = self.present(&mut sql, i);
        sql.text = format!(
            "SELECT {} AS preflight__key, {} AS preflight__val FROM {} WHERE NOT {present}{} LIMIT 5",
            self.key_text(),
            self.d().text(&self.q(i)),
            self.plain(),
            self.order_by_key()
        );
        sql
    }

    /// Up to 5 rows of the timestamp column matching `which`: key, value as text, micros.
    pub fn timestamp_examples(&self, which: TsExamples) -> Option<Sql> {
        let ti = self.timestamp?;
        let mut sql = Sql::default();
        let cond = match which {
            TsExamples::Stale => format!("{TS} < {}", self.stale_before),
            TsExamples::Future => format!("{TS} > {}", self.as_of),
            TsExamples::Unparseable => format!("{} = 0 AND {TS} IS NULL", Self::m(ti)),
            TsExamples::At(us) => format!("{TS} = {us}"),
        };
        let limit = if matches!(which, TsExamples::At(_)) { 1 } else { 5 };
        sql.text = format!(
            "SELECT {} AS preflight__key, {} AS preflight__val, {TS} FROM {} WHERE {cond}{} LIMIT {limit}",
            self.key_text(),
            self.d().text(&self.q(ti)),
            self.source(&mut sql),
            self.order_by_key()
        );
        Some(sql)
    }

    /// The most frequent present values of column `i` (value as text, count), ties by value.
    pub fn top_values(&self, i: usize, n: usize) -> Sql {
        let mut sql = Sql::default();
        let groups = self.groups(&mut sql, i);
        let (value, sort) = self.group_value(i);
        sql.text = format!(
            "SELECT {value}, preflight__n FROM ({groups}) AS preflight_g ORDER BY preflight__n DESC, {sort} LIMIT {n}"
        );
        sql
    }

    /// Distinct present values of column `i` with their counts, as `preflight__v` and
    /// `preflight__n`. Grouping happens in a subquery so that the outer query may render and
    /// sort the value freely (PostgreSQL refuses to select `c` when grouping by `c COLLATE "C"`).
    fn groups(&self, sql: &mut Sql, i: usize) -> String {
        let present = self.present(sql, i);
        let exact = self.d().exact(&self.q(i), self.class(i));
        format!(
            "SELECT {exact} AS preflight__v, COUNT(*) AS preflight__n FROM {} WHERE {present} GROUP BY {exact}",
            self.plain()
        )
    }

    /// How a grouped value is read back as text, and how it sorts byte for byte.
    fn group_value(&self, i: usize) -> (String, String) {
        let v = "preflight__v";
        match (self.d(), self.class(i)) {
            (Dialect::Postgres, _) => (format!("CAST({v} AS TEXT)"), format!("CAST({v} AS TEXT) COLLATE \"C\"")),
            // Already a binary string: read back as bytes, sorted as bytes.
            (Dialect::MySql, Class::Text | Class::Other) => (v.to_string(), v.to_string()),
            (Dialect::MySql, _) => (format!("CAST({v} AS CHAR)"), format!("CAST(CAST({v} AS CHAR) AS BINARY)")),
            (Dialect::Sqlite, _) => (format!("CAST({v} AS TEXT)"), format!("CAST({v} AS TEXT) COLLATE BINARY")),
            (Dialect::Spark, _) => (format!("CAST({v} AS STRING)"), format!("CAST({v} AS STRING)")),
        }
    }

    /// Label classes (value, count), largest first, at most `n`.
    pub fn label_classes(&self, n: usize) -> Option<Sql> {
        let l = self.label?;
        Some(self.top_values(l, n))
    }

    /// Key uniqueness: distinct present keys, keys occurring more than once, extra rows.
    pub fn key_counts(&self) -> Option<Sql> {
        let k = self.key?;
        let d = self.d();
        let mut sql = Sql::default();
        let present = self.present(&mut sql, k);
        let exact = d.exact(&self.q(k), self.class(k));
        sql.text = format!(
            "SELECT COUNT(*), {}, {} FROM (SELECT COUNT(*) AS preflight__n FROM {} WHERE {present} GROUP BY {exact}) AS preflight_k",
            d.int("COUNT(CASE WHEN preflight__n > 1 THEN 1 END)"),
            d.int("COALESCE(SUM(preflight__n - 1), 0)"),
            self.plain()
        );
        Some(sql)
    }

    /// Every distinct value of column `i`, byte for byte, as text, with its row count (nulls as
    /// one group): an entity's key set, sent once per key.
    pub fn key_groups(&self, i: usize) -> Sql {
        let exact = self.d().exact(&self.q(i), self.class(i));
        Sql::new(format!(
            "SELECT {} AS preflight__k, COUNT(*) AS preflight__n FROM {} GROUP BY {exact}",
            self.as_text(&exact, i),
            self.plain()
        ))
    }

    /// Every distinct (key, value) pair of columns `k` and `v` where both are present, as text.
    pub fn value_pairs(&self, k: usize, v: usize) -> Sql {
        let (ek, ev) = (self.d().exact(&self.q(k), self.class(k)), self.d().exact(&self.q(v), self.class(v)));
        Sql::new(format!(
            "SELECT {} AS preflight__k, {} AS preflight__v FROM {} WHERE {} IS NOT NULL AND {} IS NOT NULL GROUP BY {ek}, {ev}",
            self.as_text(&ek, k),
            self.as_text(&ev, v),
            self.plain(),
            self.q(k),
            self.q(v)
        ))
    }

    /// An `exact` expression of column `i` as text (text columns already are).
    fn as_text(&self, exact: &str, i: usize) -> String {
        if self.is_text(i) { exact.to_string() } else { self.d().text(exact) }
    }

    /// Up to 5 key values occurring more than once, as text.
    pub fn duplicate_keys(&self) -> Option<Sql> {
        let k = self.key?;
        let mut sql = Sql::default();
        let groups = self.groups(&mut sql, k);
        let (value, sort) = self.group_value(k);
        sql.text =
            format!("SELECT {value} FROM ({groups}) AS preflight_g WHERE preflight__n > 1 ORDER BY {sort} LIMIT 5");
        Some(sql)
    }

    /// A sample of rows for the PII classifier: the evidence key, then every column as text.
    pub fn sample(&self, rows: usize) -> Sql {
        let d = self.d();
        let mut cols = vec![format!("{} AS preflight__key", self.key_text())];
        // Binary and structured values (images, JSON documents) can be large and hold no PII the
        // classifier reads; they are not pulled.
        cols.extend((0..self.cols.len()).map(|i| match self.class(i) {
            Class::Other => format!("NULL AS preflight__c{i}"),
            _ => format!("{} AS preflight__c{i}", d.text(&self.q(i))),
        }));
        Sql::new(format!("SELECT {} FROM {}{} LIMIT {rows}", cols.join(", "), self.plain(), self.order_by_key()))
    }
}

/// Which timestamp examples to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsExamples {
    Stale,
    Future,
    Unparseable,
    /// The row holding this exact instant (the newest at or before as-of).
    At(i64),
}

/// A value's UTF-8 bytes in hexadecimal, for a binary literal.
fn hex(v: &str) -> String {
    v.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A Spark SQL string literal that no value can escape from: its UTF-8 bytes as a binary
/// literal, cast back to a string.
fn spark_text(v: &str) -> String {
    format!("CAST(X'{}' AS STRING)", hex(v))
}
