//! The push-down (DESIGN §6): the measures computed by the database in a few aggregate
//! queries, then the entities' keys streamed; only counts and a few rows come back.

use crate::stats::{
    AGE_BUCKET_DAYS, LabelAcc, Pos, Pushdown, PushedColumn, PushedKeys, PushedRange, SourceAcc, StatsRequest,
    TimestampAcc,
};

use super::dialect::{Class, Plan};
use super::{Conn, Evidence, SqlSource, Val};

/// Label classes fetched by name; any beyond are counted under `other`.
const MAX_LABEL_CLASSES: usize = 10_000;

impl SqlSource {
    /// The push-down: the measures computed by the database, a few rows read back.
    pub(super) async fn pushdown(
        &self,
        conn: &mut Conn,
        plan: &Plan,
        req: &StatsRequest,
    ) -> Result<(SourceAcc, Vec<String>), sqlx::Error> {
        let mut ev = Evidence::default();
        let mut p = self.aggregates(conn, plan).await?;
        self.examples(conn, plan, &mut p, &mut ev).await?;
        self.sample(conn, plan, &mut p, &mut ev, req).await?;
        self.whole_rows(conn, plan, req, &mut p, &mut ev).await?;
        let mut acc = SourceAcc::from_pushdown(p, req);
        self.entity_keys(conn, plan, req, &mut acc).await?;
        Ok((acc, ev.keys))
    }

    /// Streams the keys (and compared values) entities asked for: each distinct key once with
    /// its row count, each distinct key and value pair once, never whole rows.
    async fn entity_keys(
        &self,
        conn: &mut Conn,
        plan: &Plan,
        req: &StatsRequest,
        acc: &mut SourceAcc,
    ) -> Result<(), sqlx::Error> {
        let find = |name: &str| plan.cols.iter().position(|c| c.name == name);
        for (g, k) in req.entity_keys.iter().zip(acc.entity_keys.iter_mut()) {
            let Some(i) = find(&g.column) else { continue };
            let fetched = conn
                .stream(&plan.key_groups(i), |row| {
                    let key = row.first().and_then(Val::text);
                    let n = row.get(1).map_or(0, Val::u64);
                    k.add(key.as_deref(), n, &g.normalize);
                })
                .await?;
            k.fetched += fetched;
            k.finish();
            self.rows_fetched.fetch_add(fetched, std::sync::atomic::Ordering::Relaxed);
        }
        for (g, v) in req.entity_values.iter().zip(acc.entity_values.iter_mut()) {
            let (Some(ki), Some(vi)) = (find(&g.key), find(&g.value)) else { continue };
            let fetched = conn
                .stream(&plan.value_pairs(ki, vi), |row| {
                    let key = row.first().and_then(Val::text);
                    let value = row.get(1).and_then(Val::text);
                    v.add(key.as_deref(), value.as_deref(), &g.normalize);
                })
                .await?;
            v.fetched += fetched;
            v.finish();
            self.rows_fetched.fetch_add(fetched, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// The main aggregate, key counts and label classes.
    async fn aggregates(&self, conn: &mut Conn, plan: &Plan) -> Result<Pushdown, sqlx::Error> {
        let row = self.fetch(conn, &plan.aggregate()).await?.into_iter().next().unwrap_or_default();
        let v = |i: usize| row.get(i).cloned().unwrap_or(Val::Null);
        let mut p = Pushdown {
            columns: plan.cols.iter().map(|c| c.name.clone()).collect(),
            rows: v(0).u64(),
            complete_rows: v(1).u64(),
            labeled_rows: v(2).u64(),
            ready_rows: v(3).u64(),
            ..Pushdown::default()
        };
        let mut at = 4;
        for c in &plan.cols {
            let (nulls, blanks, placeholders, distinct) =
                (v(at).u64(), v(at + 1).u64(), v(at + 2).u64(), v(at + 3).u64());
            let (lo, hi) = (v(at + 4), v(at + 5));
            at += 6;
            let range = match c.class {
                Class::Int => lo.i64().zip(hi.i64()).map(|(a, b)| PushedRange::Int(a, b)),
                Class::Float => lo
                    .text()
                    .and_then(|a| a.trim().parse::<f64>().ok())
                    .zip(hi.text().and_then(|b| b.trim().parse::<f64>().ok()))
                    .map(|(a, b)| PushedRange::Float(a, b)),
                Class::Timestamp | Class::Date => lo.i64().zip(hi.i64()).map(|(a, b)| PushedRange::Micros(a, b)),
                _ => lo.text().zip(hi.text()).map(|(a, b)| PushedRange::Text(a, b)),
            };
            let missing = nulls + blanks + placeholders;
            p.cols.push(PushedColumn {
                ty: c.class.report_type(),
                nulls,
                blanks,
                placeholders,
                present: p.rows.saturating_sub(missing),
                distinct,
                range,
                ..PushedColumn::default()
            });
        }
        if let Some(sql) = plan.distinct_counts() {
            for r in self.fetch(conn, &sql).await? {
                let i = r.first().and_then(Val::i64).and_then(|i| usize::try_from(i).ok());
                if let Some(c) = i.and_then(|i| p.cols.get_mut(i)) {
                    c.distinct = r.get(1).map_or(0, Val::u64);
                }
            }
        }
        if plan.timestamp.is_some() {
            let mut ts = TimestampAcc::default();
            ts.parsed = v(at).u64();
            ts.naive = v(at + 1).u64();
            ts.unparseable = v(at + 2).u64();
            ts.stale = v(at + 3).u64();
            ts.future = v(at + 4).u64();
            let none = Pos { part: 0, line: None, row: u64::MAX };
            ts.min = v(at + 5).i64().map(|x| (x, none));
            ts.max = v(at + 6).i64().map(|x| (x, none));
            ts.max_past = v(at + 7).i64().map(|x| (x, none));
            for (k, slot) in ts.age_histogram.iter_mut().enumerate().take(AGE_BUCKET_DAYS.len()) {
                *slot = v(at + 8 + k).u64();
            }
            p.timestamp = Some(ts);
        }
        if let Some(sql) = plan.label_classes(MAX_LABEL_CLASSES) {
            let mut l = LabelAcc::default();
            let mut counted = 0;
            for r in self.fetch(conn, &sql).await? {
                let (Some(value), n) = (r.first().and_then(Val::text), r.get(1).map_or(0, Val::u64)) else { continue };
                counted += n;
                *l.counts.entry(value).or_insert(0) += n;
            }
            l.overflow = p.labeled_rows.saturating_sub(counted);
            p.labels = Some(l);
        }
        // A key column whose present values are all distinct has no duplicates: no GROUP BY needed.
        let unique_key = plan.key.and_then(|k| p.cols.get(k)).filter(|c| c.distinct == c.present);
        if let Some(c) = unique_key {
            p.keys = Some(PushedKeys { distinct: c.distinct, ..PushedKeys::default() });
        } else if let Some(sql) = plan.key_counts() {
            let r = self.fetch(conn, &sql).await?.into_iter().next().unwrap_or_default();
            let g = |i: usize| r.get(i).map_or(0, Val::u64);
            p.keys = Some(PushedKeys { distinct: g(0), duplicated: g(1), duplicate_rows: g(2), examples: Vec::new() });
        }
        Ok(p)
    }
}
