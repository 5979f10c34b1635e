//! Whole-row measures pushed down: duplicate records (rows equal byte for byte in every
//! measured column) and label conflicts (labeled rows grouped by their folded `label_inputs`),
//! each one grouping query in the database, with the same definitions as `stats::rows`.

use crate::stats::rows::ConflictGroup;
use crate::stats::{Pushdown, StatsRequest};

use super::dialect::{Class, Dialect, Plan, Sql};
use super::{Conn, Evidence, SqlSource, Val};

/// At most this many duplicate rows or conflicting groups are read back as evidence.
const EXAMPLES: usize = 5;

impl Plan {
    /// `(copies, distinct rows with copies)`: every measured column grouped byte for byte.
    pub fn duplicate_records(&self) -> Option<Sql> {
        let d = self.dialect;
        let all = self.whole_row()?;
        Some(Sql::new(format!(
            "SELECT {}, {} FROM (SELECT COUNT(*) AS preflight__n FROM {} GROUP BY {all} HAVING COUNT(*) > 1) AS preflight_d",
            d.int("COALESCE(SUM(preflight__n - 1), 0)"),
            d.int("COUNT(*)"),
            self.plain()
        )))
    }

    /// Evidence keys of rows with an identical row before them in key order (the largest key
    /// of each group), smallest first.
    pub fn duplicate_record_keys(&self) -> Option<Sql> {
        let d = self.dialect;
        let all = self.whole_row()?;
        let k = self.q(self.evidence_key?);
        Some(Sql::new(format!(
            "SELECT {} AS preflight__key FROM (SELECT MAX({k}) AS preflight__k FROM {} GROUP BY {all} \
             HAVING COUNT(*) > 1) AS preflight_d ORDER BY preflight__k LIMIT {EXAMPLES}",
            d.text("preflight__k"),
            self.plain()
        )))
    }

    /// Every column in its byte-for-byte form, for `GROUP BY`; `None` without columns.
    fn whole_row(&self) -> Option<String> {
        let d = self.dialect;
        let all: Vec<String> = (0..self.cols.len()).map(|i| d.exact(&self.q(i), self.class(i))).collect();
        (!all.is_empty()).then(|| all.join(", "))
    }

    /// A value trimmed and case-folded, compared byte for byte, as label conflicts group it.
    fn folded(&self, i: usize) -> String {
        let d = self.dialect;
        d.exact(&format!("LOWER({})", d.trim(&d.text(&self.q(i)))), Class::Text)
    }

    /// The label column, a query to bind into and the condition of a labeled row; `None`
    /// without a label or inputs.
    fn labeled_rows(&self, inputs: &[usize]) -> Option<(usize, Sql, String)> {
        let l = self.label.filter(|_| !inputs.is_empty())?;
        let mut sql = Sql::default();
        let labeled = self.present(&mut sql, l);
        Some((l, sql, labeled))
    }

    /// `(groups, rows)` of label conflicts: labeled rows grouped by their folded `inputs`,
    /// groups holding more than one folded label.
    pub fn label_conflicts(&self, inputs: &[usize]) -> Option<Sql> {
        let (l, mut sql, labeled) = self.labeled_rows(inputs)?;
        let d = self.dialect;
        let keys: Vec<String> = inputs.iter().map(|&i| self.folded(i)).collect();
        sql.text = format!(
            "SELECT {}, {} FROM (SELECT COUNT(*) AS preflight__n FROM {} WHERE {labeled} GROUP BY {} \
             HAVING COUNT(DISTINCT {}) > 1) AS preflight_c",
            d.int("COUNT(*)"),
            d.int("COALESCE(SUM(preflight__n), 0)"),
            self.plain(),
            keys.join(", "),
            self.folded(l)
        );
        Some(sql)
    }

    /// The first conflicting groups (by their folded inputs), one row per label in each:
    /// folded inputs, the inputs as one row wrote them, the label as written, its rows, and the
    /// smallest evidence key of the group.
    pub fn label_conflict_examples(&self, inputs: &[usize]) -> Option<Sql> {
        let (l, mut sql, labeled) = self.labeled_rows(inputs)?;
        let d = self.dialect;
        let n = inputs.len();
        let mut inner = Vec::new();
        for (j, &i) in inputs.iter().enumerate() {
            inner.push(format!("{} AS preflight__f{j}", self.folded(i)));
            inner.push(format!("{} AS preflight__i{j}", d.text(&self.q(i))));
        }
        inner.push(format!("{} AS preflight__lf", self.folded(l)));
        inner.push(format!("{} AS preflight__l", d.text(&self.q(l))));
        inner.push(format!("{} AS preflight__key", self.key_text()));
        let rows = format!("(SELECT {} FROM {} WHERE {labeled})", inner.join(", "), self.plain());
        let f: Vec<String> = (0..n).map(|j| format!("preflight__f{j}")).collect();
        let groups = format!(
            "(SELECT {f} FROM {rows} AS preflight_r GROUP BY {f} HAVING COUNT(DISTINCT preflight__lf) > 1 \
             ORDER BY {f} LIMIT {EXAMPLES})",
            f = f.join(", ")
        );
        let same = |a: &str, b: &str| match d {
            Dialect::Postgres => format!("{a} IS NOT DISTINCT FROM {b}"),
            Dialect::MySql | Dialect::Spark => format!("{a} <=> {b}"),
            Dialect::Sqlite => format!("{a} IS {b}"),
        };
        let on: Vec<String> =
            f.iter().map(|c| same(&format!("preflight_g.{c}"), &format!("preflight_x.{c}"))).collect();
        let mut out: Vec<String> = f.iter().map(|c| format!("preflight_g.{c}")).collect();
        out.extend((0..n).map(|j| format!("MIN(preflight_x.preflight__i{j})")));
        out.push("MIN(preflight_x.preflight__l)".into());
        out.push(d.int("COUNT(*)"));
        out.push("MIN(preflight_x.preflight__key)".into());
        let group_by: Vec<String> = f.iter().map(|c| format!("preflight_g.{c}")).collect();
        sql.text = format!(
            "SELECT {} FROM {groups} AS preflight_g JOIN {rows} AS preflight_x ON {} \
             GROUP BY {g}, preflight_x.preflight__lf ORDER BY {g}, MIN(preflight_x.preflight__l)",
            out.join(", "),
            on.join(" AND "),
            g = group_by.join(", ")
        );
        Some(sql)
    }
}

impl SqlSource {
    /// Duplicate records and label conflicts, counted by the database.
    pub(super) async fn whole_rows(
        &self,
        conn: &mut Conn,
        plan: &Plan,
        req: &StatsRequest,
        p: &mut Pushdown,
        ev: &mut Evidence,
    ) -> Result<(), sqlx::Error> {
        if let Some(sql) = plan.duplicate_records() {
            let row = self.fetch(conn, &sql).await?.into_iter().next().unwrap_or_default();
            let v = |i: usize| row.get(i).map_or(0, Val::u64);
            let mut examples = Vec::new();
            if let Some(sql) = plan.duplicate_record_keys().filter(|_| v(0) > 0) {
                for r in self.fetch(conn, &sql).await? {
                    examples.push(ev.pos(r.first()));
                }
            }
            p.duplicate_records = Some((v(0), v(1), examples));
        }
        let inputs: Option<Vec<usize>> =
            req.label_inputs.iter().map(|name| plan.cols.iter().position(|c| &c.name == name)).collect();
        let Some(inputs) = inputs.filter(|i| !i.is_empty()) else { return Ok(()) };
        let Some(sql) = plan.label_conflicts(&inputs) else { return Ok(()) };
        let row = self.fetch(conn, &sql).await?.into_iter().next().unwrap_or_default();
        let (groups, rows) = (row.first().map_or(0, Val::u64), row.get(1).map_or(0, Val::u64));
        let mut examples: Vec<(Vec<Option<String>>, ConflictGroup)> = Vec::new();
        if let Some(sql) = plan.label_conflict_examples(&inputs).filter(|_| groups > 0) {
            let n = inputs.len();
            for r in self.fetch(conn, &sql).await? {
                let text = |i: usize| r.get(i).and_then(Val::text);
                let folded: Vec<Option<String>> = (0..n).map(text).collect();
                let label = (text(2 * n).unwrap_or_default(), r.get(2 * n + 1).map_or(0, Val::u64));
                let pos = ev.pos(r.get(2 * n + 2));
                match examples.iter_mut().find(|(f, _)| *f == folded) {
                    Some((_, g)) => g.labels.push(label),
                    None => {
                        let shown = (n..2 * n).map(|i| crate::stats::clip(&text(i).unwrap_or_default())).collect();
                        examples.push((folded, ConflictGroup { inputs: shown, labels: vec![label], pos }));
                    }
                }
            }
        }
        let examples = examples
            .into_iter()
            .map(|(_, mut g)| {
                g.labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                g
            })
            .collect();
        p.conflicts = Some((groups, rows, examples));
        Ok(())
    }
}
