//! The timestamp-parsing SQL per dialect: the layers that turn a timestamp column (native or
//! text in the shapes `stats::timestamp` accepts) into micros since the epoch, UTC.

use super::{Class, Dialect, Plan, Sql, TS, TS_NAIVE};

impl Dialect {
    /// Whether a trimmed text has one of the timestamp shapes `stats::timestamp` accepts; the
    /// ranges of its fields are checked afterwards with arithmetic.
    pub(super) fn timestamp_shape(self, t: &str) -> String {
        const RE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?$";
        match self {
            Dialect::Postgres => format!("({t} ~ '{RE}')"),
            Dialect::MySql => format!("({t} REGEXP '{RE}')"),
            Dialect::Spark => format!("({t} RLIKE '{RE}')"),
            // SQLite has no regular expressions by default: spell out every shape as a GLOB.
            Dialect::Sqlite => {
                let d = "[0-9]";
                let date = format!("{d}{d}{d}{d}-{d}{d}-{d}{d}");
                let mut times = vec![format!("[Tt ]{d}{d}:{d}{d}"), format!("[Tt ]{d}{d}:{d}{d}:{d}{d}")];
                for n in 1..=9 {
                    times.push(format!("[Tt ]{d}{d}:{d}{d}:{d}{d}.{}", d.repeat(n)));
                }
                let offsets = [
                    "".to_string(),
                    "[Zz]".into(),
                    format!("[+-]{d}{d}"),
                    format!("[+-]{d}{d}{d}{d}"),
                    format!("[+-]{d}{d}:{d}{d}"),
                ];
                let mut alts = vec![format!("{t} GLOB '{date}'")];
                for tm in &times {
                    for o in &offsets {
                        alts.push(format!("{t} GLOB '{date}{tm}{o}'"));
                    }
                }
                format!("({})", alts.join(" OR "))
            }
        }
    }
}

impl Plan {
    /// `FROM …` for the aggregate and timestamp queries: the flagged relation, wrapped in
    /// layers that parse the timestamp column into `preflight__ts` (micros, UTC) and
    /// `preflight__naive` (1 when no offset).
    pub fn source(&self, sql: &mut Sql) -> String {
        let d = self.d();
        let rel = &self.flagged(sql);
        let Some(ti) = self.timestamp else { return format!("{rel} AS preflight_s") };
        let c = self.q(ti);
        match self.class(ti) {
            Class::Timestamp | Class::Date => {
                let micros = match d {
                    Dialect::Postgres => {
                        format!("CASE WHEN isfinite({c}) THEN CAST(EXTRACT(EPOCH FROM {c}) * 1000000 AS BIGINT) END")
                    }
                    // The session's time zone is UTC (set on connect), so TIMESTAMP columns read as UTC.
                    Dialect::MySql => format!("TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {c})"),
                    Dialect::Sqlite => format!("CAST((julianday({c}) - 2440587.5) * 86400000000 AS INTEGER)"),
                    // The session's time zone is UTC (set on connect): a date or a
                    // TIMESTAMP_NTZ reads as UTC.
                    Dialect::Spark => format!("unix_micros(CAST({c} AS TIMESTAMP))"),
                };
                format!(
                    "(SELECT preflight_r.*, {micros} AS {TS}, 0 AS {TS_NAIVE} FROM {rel} AS preflight_r{}) AS preflight_s",
                    d.fence()
                )
            }
            Class::Text | Class::Other => {
                let fence = d.fence();
                let l1 = format!(
                    "SELECT preflight_r.*, {} AS preflight__t FROM {rel} AS preflight_r{fence}",
                    d.trim(&d.text(&c))
                );
                let t = "preflight__t";
                let len = d.length(t);
                let sign_at = |n: i64| format!("{} IN ('+', '-')", d.substr(t, &format!("{len} - {}", n - 1), "1"));
                // Length of the offset suffix: 0 (none), 1 (`Z`), 3 (`+HH`), 5 (`+HHMM`), 6 (`+HH:MM`).
                let off_len = format!(
                    "CASE WHEN {len} <= 16 THEN 0 WHEN {} IN ('Z', 'z') THEN 1 \
                     WHEN {len} >= 22 AND {} THEN 6 WHEN {len} >= 21 AND {} THEN 5 \
                     WHEN {len} >= 19 AND {} THEN 3 ELSE 0 END",
                    d.substr(t, &len, "1"),
                    sign_at(6),
                    sign_at(5),
                    sign_at(3)
                );
                if d == Dialect::MySql {
                    return self.mysql_text_timestamp(&l1, &off_len);
                }
                // The offset length is NULL when the text has none of the accepted shapes.
                let l2 = format!(
                    "SELECT preflight_1.*, CASE WHEN {} THEN {off_len} END AS preflight__ol \
                     FROM ({l1}) AS preflight_1{fence}",
                    d.timestamp_shape(t),
                );
                let part = |from: &str, n: &str| d.int(&d.substr(t, from, n));
                let g = |e: String| format!("CASE WHEN preflight__ol IS NOT NULL THEN {e} END");
                let main_len = format!("({len} - preflight__ol)");
                let frac = format!(
                    "CASE WHEN {main_len} > 20 THEN {} ELSE 0 END",
                    d.int(&d.substr(&d.concat(&d.substr(t, "21", &format!("{main_len} - 20")), "'000000'"), "1", "6"))
                );
                let after = format!("{main_len} + 1");
                let off = format!(
                    "CASE WHEN preflight__ol >= 3 THEN \
                     (CASE WHEN {} = '-' THEN -1 ELSE 1 END) * ({} * 3600 + \
                     (CASE WHEN preflight__ol = 6 THEN {} WHEN preflight__ol = 5 THEN {} ELSE 0 END) * 60) ELSE 0 END",
                    d.substr(t, &after, "1"),
                    part(&format!("{main_len} + 2"), "2"),
                    part(&format!("{main_len} + 5"), "2"),
                    part(&format!("{main_len} + 4"), "2"),
                );
                let off_h =
                    format!("CASE WHEN preflight__ol >= 3 THEN {} ELSE 0 END", part(&format!("{main_len} + 2"), "2"));
                let off_m = format!(
                    "CASE WHEN preflight__ol = 6 THEN {} WHEN preflight__ol = 5 THEN {} ELSE 0 END",
                    part(&format!("{main_len} + 5"), "2"),
                    part(&format!("{main_len} + 4"), "2")
                );
                let l3 = format!(
                    "SELECT preflight_2.*, {} AS preflight__y, {} AS preflight__mo, {} AS preflight__d, \
                     {} AS preflight__h, {} AS preflight__mi, {} AS preflight__sec, {} AS preflight__f, \
                     {} AS preflight__off, {} AS preflight__oh, {} AS preflight__om FROM ({l2}) AS preflight_2{fence}",
                    g(part("1", "4")),
                    g(part("6", "2")),
                    g(part("9", "2")),
                    g(format!("CASE WHEN {len} > 10 THEN {} ELSE 0 END", part("12", "2"))),
                    g(format!("CASE WHEN {len} > 10 THEN {} ELSE 0 END", part("15", "2"))),
                    g(format!(
                        "CASE WHEN {len} > 16 AND {} = ':' THEN {} ELSE 0 END",
                        d.substr(t, "17", "1"),
                        part("18", "2")
                    )),
                    g(frac),
                    g(off),
                    g(off_h),
                    g(off_m),
                );
                let (y, mo, dd) = ("preflight__y", "preflight__mo", "preflight__d");
                let leap = format!("(({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0)");
                let dim = format!(
                    "CASE WHEN {mo} IN (4, 6, 9, 11) THEN 30 WHEN {mo} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END ELSE 31 END"
                );
                let valid = format!(
                    "preflight__ol IS NOT NULL AND {mo} BETWEEN 1 AND 12 AND {dd} BETWEEN 1 AND {dim} \
                     AND preflight__h <= 23 AND preflight__mi <= 59 \
                     AND (preflight__sec <= 59 OR (preflight__sec = 60 AND preflight__mi = 59)) \
                     AND preflight__oh <= 23 AND preflight__om <= 59"
                );
                // Howard Hinnant's days_from_civil, as `stats::timestamp` computes it.
                let y2 = format!("({y} - CASE WHEN {mo} <= 2 THEN 1 ELSE 0 END)");
                let era = d.idiv(&format!("CASE WHEN {y2} >= 0 THEN {y2} ELSE {y2} - 399 END"), "400");
                let yoe = format!("({y2} - {era} * 400)");
                let mp = format!("(CASE WHEN {mo} > 2 THEN {mo} - 3 ELSE {mo} + 9 END)");
                let doy = format!("({} + {dd} - 1)", d.idiv(&format!("153 * {mp} + 2"), "5"));
                let doe = format!("({yoe} * 365 + {} - {} + {doy})", d.idiv(&yoe, "4"), d.idiv(&yoe, "100"));
                let days = format!("({era} * 146097 + {doe} - 719468)");
                // A leap second reads as :59.999999, as the file parser reads it.
                let micros = format!(
                    "{days} * 86400000000 + (preflight__h * 3600 + preflight__mi * 60 + \
                     CASE WHEN preflight__sec = 60 THEN 59 ELSE preflight__sec END - preflight__off) * 1000000 + \
                     CASE WHEN preflight__sec = 60 THEN 999999 ELSE preflight__f END"
                );
                format!(
                    "(SELECT preflight_3.*, CASE WHEN {valid} THEN {micros} END AS {TS}, \
                     CASE WHEN preflight__ol = 0 THEN 1 ELSE 0 END AS {TS_NAIVE} FROM ({l3}) AS preflight_3{fence}) AS preflight_s"
                )
            }
            // A number or a boolean is never a timestamp: every present value is unparseable.
            _ => format!(
                "(SELECT preflight_r.*, NULL AS {TS}, 0 AS {TS_NAIVE} FROM {rel} AS preflight_r) AS preflight_s"
            ),
        }
    }

    /// MySQL's text timestamps in one layer over the trimmed text: the shape regex, then the
    /// server's own DATETIME cast, which yields NULL (not an error) for an impossible date or
    /// time, minus the offset. Unlike the file parser, a leap second `:60` is unparseable here
    /// and a fraction beyond microseconds rounds instead of truncating.
    fn mysql_text_timestamp(&self, l1: &str, off_len: &str) -> String {
        let d = Dialect::MySql;
        let t = "preflight__t";
        let len = d.length(t);
        let ol = format!("({off_len})");
        let main_len = format!("({len} - {ol})");
        let part = |from: &str, n: &str| d.int(&d.substr(t, from, n));
        let time =
            format!("CASE WHEN {len} > 10 THEN {} ELSE '00:00' END", d.substr(t, "12", &format!("{main_len} - 11")));
        let local = format!(
            "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', CAST(CONCAT({}, ' ', {time}) AS DATETIME(6)))",
            d.substr(t, "1", "10")
        );
        let om = format!(
            "(CASE WHEN {ol} = 6 THEN {} WHEN {ol} = 5 THEN {} ELSE 0 END)",
            part(&format!("{main_len} + 5"), "2"),
            part(&format!("{main_len} + 4"), "2"),
        );
        let oh = format!("(CASE WHEN {ol} >= 3 THEN {} ELSE 0 END)", part(&format!("{main_len} + 2"), "2"));
        let sign = format!("(CASE WHEN {} = '-' THEN -1 ELSE 1 END)", d.substr(t, &format!("{main_len} + 1"), "1"));
        format!(
            "(SELECT preflight_1.*, CASE WHEN {shape} AND {oh} <= 23 AND {om} <= 59 \
             THEN {local} - {sign} * ({oh} * 3600 + {om} * 60) * 1000000 END AS {TS}, \
             CASE WHEN {ol} = 0 THEN 1 ELSE 0 END AS {TS_NAIVE} FROM ({l1}) AS preflight_1) AS preflight_s",
            shape = d.timestamp_shape(t),
        )
    }
}
