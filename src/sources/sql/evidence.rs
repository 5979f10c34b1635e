//! The push-down's evidence: a few rows per finding, identified by key, the most frequent
//! values, and the PII shares of a sample of rows.

use crate::stats::timestamp::format_micros;
use crate::stats::{MissingKind, Pos, Pushdown, StatsRequest, pii};

use super::dialect::{Class, Dialect, Plan, TsExamples};
use super::{Conn, PII_SAMPLE_ROWS, SqlSource, Val};

impl SqlSource {
    /// Evidence: a few rows per finding, identified by key; and the most frequent values.
    pub(super) async fn examples(
        &self,
        conn: &mut Conn,
        plan: &Plan,
        p: &mut Pushdown,
        ev: &mut Evidence,
    ) -> Result<(), sqlx::Error> {
        let mut wanted: Vec<usize> = plan.required.clone();
        wanted.extend(plan.label);
        wanted.sort_unstable();
        wanted.dedup();
        for i in wanted {
            let missing = p.cols.get(i).map_or(0, |c| c.nulls + c.blanks + c.placeholders);
            if missing == 0 {
                continue;
            }
            let rows = self.fetch(conn, &plan.missing_examples(i)).await?;
            let examples: Vec<(Pos, MissingKind, String)> = rows
                .iter()
                .map(|r| {
                    let pos = ev.pos(r.first());
                    match r.get(1).and_then(Val::text) {
                        None => (pos, MissingKind::Null, String::new()),
                        Some(t) if t.trim().is_empty() => (pos, MissingKind::Blank, t),
                        Some(t) => (pos, MissingKind::Placeholder, t),
                    }
                })
                .collect();
            if let Some(c) = p.cols.get_mut(i) {
                c.missing_examples = examples;
            }
        }
        if let Some(ts) = p.timestamp.as_mut() {
            // These queries stop after a few rows in key order, so on MySQL the parsed
            // timestamp is better evaluated per row than materialised for the whole table.
            if self.dialect == Dialect::MySql {
                conn.execute("SET SESSION optimizer_switch = 'derived_merge=on'").await?;
            }
            let native = plan
                .timestamp
                .and_then(|i| plan.cols.get(i))
                .is_some_and(|c| matches!(c.class, Class::Timestamp | Class::Date));
            let shown = |r: &Vec<Val>| -> String {
                if native {
                    r.get(2).and_then(Val::i64).map(format_micros).unwrap_or_default()
                } else {
                    r.get(1).and_then(Val::text).map(|t| t.trim().to_string()).unwrap_or_default()
                }
            };
            for (which, count) in [
                (TsExamples::Stale, ts.stale),
                (TsExamples::Future, ts.future),
                (TsExamples::Unparseable, ts.unparseable),
            ] {
                if count == 0 {
                    continue;
                }
                let Some(sql) = plan.timestamp_examples(which) else { continue };
                let found: Vec<(Pos, String)> =
                    self.fetch(conn, &sql).await?.iter().map(|r| (ev.pos(r.first()), shown(r))).collect();
                match which {
                    TsExamples::Stale => ts.stale_examples = found,
                    TsExamples::Future => ts.future_examples = found,
                    _ => ts.unparseable_examples = found,
                }
            }
            if let Some((us, _)) = ts.max_past
                && let Some(sql) = plan.timestamp_examples(TsExamples::At(us))
                && let Some(r) = self.fetch(conn, &sql).await?.first()
            {
                ts.max_past = Some((us, ev.pos(r.first())));
            }
            if self.dialect == Dialect::MySql {
                conn.execute("SET SESSION optimizer_switch = 'derived_merge=off'").await?;
            }
        }
        if let Some(sql) = plan.duplicate_keys()
            && p.keys.as_ref().is_some_and(|k| k.duplicated > 0)
        {
            let rows = self.fetch(conn, &sql).await?;
            if let Some(k) = p.keys.as_mut() {
                k.examples = rows
                    .iter()
                    .filter_map(|r| r.first())
                    .map(|v| (ev.pos(Some(v)), v.text().unwrap_or_default()))
                    .collect();
            }
        }
        // Most frequent values, for the suspected-placeholder check (not run on the label).
        for i in 0..plan.cols.len() {
            // A column of distinct values repeats none, so it has no frequent value to suspect.
            if Some(i) == plan.label || p.cols.get(i).is_none_or(|c| c.present < 4 || c.distinct == c.present) {
                continue;
            }
            let top: Vec<(String, u64)> = self
                .fetch(conn, &plan.top_values(i, 5))
                .await?
                .iter()
                .filter_map(|r| Some((r.first()?.text()?, r.get(1).map_or(0, Val::u64))))
                .collect();
            if let Some(c) = p.cols.get_mut(i) {
                c.top = top;
            }
        }
        Ok(())
    }

    /// PII shares on a sample of rows (DESIGN §3): at most `PII_SAMPLE_ROWS`, classified here.
    pub(super) async fn sample(
        &self,
        conn: &mut Conn,
        plan: &Plan,
        p: &mut Pushdown,
        ev: &mut Evidence,
        req: &StatsRequest,
    ) -> Result<(), sqlx::Error> {
        let rows = self.fetch(conn, &plan.sample(PII_SAMPLE_ROWS)).await?;
        let whole_table = (rows.len() as u64) >= p.rows;
        let mut seen = vec![0u64; plan.cols.len()];
        for r in &rows {
            let key = r.first();
            for (i, v) in r.iter().skip(1).enumerate() {
                let Some(text) = v.text() else { continue };
                let trimmed = text.trim();
                if trimmed.is_empty() || req.is_placeholder(trimmed) {
                    continue;
                }
                if let Some(s) = seen.get_mut(i) {
                    *s += 1;
                }
                let Some(kind) = pii::classify(trimmed) else { continue };
                let Some(c) = p.cols.get_mut(i) else { continue };
                if let Some(slot) = c.pii.get_mut(kind as usize) {
                    *slot += 1;
                }
                if c.pii_examples.len() < crate::stats::MAX_EXAMPLES {
                    c.pii_examples.push((ev.pos(key), kind, trimmed.to_string()));
                }
            }
        }
        if !whole_table {
            for (c, n) in p.cols.iter_mut().zip(seen) {
                c.pii_sampled = Some(n);
            }
        }
        Ok(())
    }
}

/// Key values that evidence positions point at (`Pos::row` indexes `keys`).
#[derive(Default)]
pub(super) struct Evidence {
    pub(super) keys: Vec<String>,
}

impl Evidence {
    pub(super) fn pos(&mut self, key: Option<&Val>) -> Pos {
        let k = key.and_then(Val::text).unwrap_or_default();
        let row = match self.keys.iter().position(|x| *x == k) {
            Some(i) => i,
            None => {
                self.keys.push(k);
                self.keys.len() - 1
            }
        };
        Pos { part: 0, line: None, row: row as u64 }
    }
}
