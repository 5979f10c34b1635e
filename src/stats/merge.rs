//! `SourceAcc::merge`: a later batch's accumulator folded into the source's, in batch order.

use super::{MAX_EXAMPLES, MAX_LABEL_CLASSES, SourceAcc, extend_capped};

impl SourceAcc {
    /// Folds a later batch into this one. Call in batch order: examples keep the first rows,
    /// and the exact-value tracking relies on it.
    pub fn merge(&mut self, mut other: SourceAcc) {
        for (a, b) in self.entity_keys.iter_mut().zip(std::mem::take(&mut other.entity_keys)) {
            a.merge(b);
        }
        for (a, b) in self.entity_values.iter_mut().zip(std::mem::take(&mut other.entity_values)) {
            a.merge(b);
        }
        if let Some(set) = other.row_set.take() {
            match &mut self.row_set {
                Some(mine) => mine.union(set),
                None => self.row_set = Some(set),
            }
        }
        if let Some(set) = other.conflicts.take() {
            match &mut self.conflicts {
                Some(mine) => mine.union(set),
                None => self.conflicts = Some(set),
            }
        }
        if let Some(rb) = other.row_batch.take() {
            match (&mut self.row_set, &mut self.row_batch) {
                (Some(set), _) => set.meet(rb),
                (None, Some(mine)) => mine.extend(rb),
                (None, None) => self.row_batch = Some(rb),
            }
        }
        if let Some(cb) = other.conflict_batch.take() {
            match (&mut self.conflicts, &mut self.conflict_batch) {
                (Some(set), _) => set.meet(cb),
                (None, Some(mine)) => mine.extend(cb),
                (None, None) => self.conflict_batch = Some(cb),
            }
        }
        self.rows += other.rows;
        self.complete_rows += other.complete_rows;
        self.labeled_rows += other.labeled_rows;
        self.ready_rows += other.ready_rows;
        for (a, b) in self.cols.iter_mut().zip(other.cols.iter_mut()) {
            a.nulls += b.nulls;
            a.blanks += b.blanks;
            a.placeholders += b.placeholders;
            a.present += b.present;
            a.invalid_utf8 += b.invalid_utf8;
            extend_capped(&mut a.invalid_utf8_examples, &mut b.invalid_utf8_examples);
            extend_capped(&mut a.missing_examples, &mut b.missing_examples);
            for (x, y) in a.pii.iter_mut().zip(b.pii.iter()) {
                *x += y;
            }
            extend_capped(&mut a.pii_examples, &mut b.pii_examples);
            a.values.merge(std::mem::take(&mut b.values));
            a.seen.merge(&b.seen);
            a.native_cells |= b.native_cells;
            a.untracked |= b.untracked;
            a.minmax.merge(&b.minmax);
            if let (Some(x), Some(y)) = (&mut a.ts, &mut b.ts) {
                x.parsed += y.parsed;
                x.naive += y.naive;
                x.unparseable += y.unparseable;
                x.stale += y.stale;
                x.future += y.future;
                if let Some(m) = y.min
                    && x.min.is_none_or(|c| m.0 < c.0)
                {
                    x.min = Some(m);
                }
                if let Some(m) = y.max
                    && x.max.is_none_or(|c| m.0 > c.0)
                {
                    x.max = Some(m);
                }
                if let Some(m) = y.max_past
                    && x.max_past.is_none_or(|c| m.0 > c.0)
                {
                    x.max_past = Some(m);
                }
                extend_capped(&mut x.unparseable_examples, &mut y.unparseable_examples);
                extend_capped(&mut x.stale_examples, &mut y.stale_examples);
                extend_capped(&mut x.future_examples, &mut y.future_examples);
                for (p, q) in x.age_histogram.iter_mut().zip(y.age_histogram.iter()) {
                    *p += q;
                }
            }
            if let (Some(x), Some(y)) = (&mut a.label, &mut b.label) {
                for (k, v) in y.counts.drain() {
                    if let Some(c) = x.counts.get_mut(&k) {
                        *c += v;
                    } else if x.counts.len() < MAX_LABEL_CLASSES {
                        x.counts.insert(k, v);
                    } else {
                        x.overflow += v;
                    }
                }
                x.overflow += y.overflow;
            }
            if let Some(kb) = b.keys.take() {
                if let Some(mine) = a.keys.as_mut().filter(|_| self.key_set.is_none()) {
                    // Two batches merged before reaching the source's key set: keep every key.
                    mine.extend(kb);
                } else if let Some(set) = &mut self.key_set {
                    for (i, (&h, &pos)) in kb.hashes.iter().zip(&kb.pos).enumerate() {
                        if !set.seen.insert(h) {
                            set.duplicate_rows += 1;
                            set.duplicated.insert(h);
                            if set.duplicate_examples.len() < MAX_EXAMPLES {
                                set.duplicate_examples.push((pos, kb.value(i).to_string()));
                            }
                        }
                    }
                }
            }
        }
    }
}
