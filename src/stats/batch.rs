//! The per-batch accumulator: `BatchAcc::push` takes each cell to its column's counts,
//! bounds, sketches, keys and timestamp, and `finish` yields the batch's `SourceAcc`.

use std::borrow::Cow;

use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::rows::{ConflictBatch, RowBatch};
use super::values::ValueCounter;
use super::{
    AGE_BUCKET_DAYS, BatchAcc, Cell, ColumnAcc, MAX_EXAMPLES, MAX_LABEL_CLASSES, MissingKind, Pos, ROW_INCOMPLETE,
    ROW_STALE, ROW_UNLABELED, SketchOnly, Slot, SourceAcc, StatsRequest, TimestampAcc, cell_text, clip, keys,
    reads_as_number, rows, timestamp, values,
};

impl BatchAcc<'_> {
    /// Sets the columns `only` names to sketch their values, tracking none.
    pub fn sketch_only(&mut self, only: &SketchOnly) {
        for (c, &yes) in self.acc.cols.iter_mut().zip(&only.0) {
            if yes {
                c.values = ValueCounter::sketch_only();
            }
        }
    }

    /// Feeds one cell of column `col` at row `r` of this batch.
    #[inline]
    pub fn push(&mut self, col: usize, r: usize, pos: Pos, cell: Cell<'_>) {
        let req = self.req;
        if self.acc.slots.get(col).is_some_and(|s| !s.is_empty()) {
            self.gather(col, r, cell);
        }
        if !self.acc.input_of.is_empty() {
            self.group(col, r, cell);
        }
        if col == 0
            && let Some(p) = self.row_pos.get_mut(r)
        {
            *p = pos;
        }
        let row_hash = self.row_hash.get_mut(r);
        let Some(c) = self.acc.cols.get_mut(col) else { return };
        let missing = match cell {
            Cell::Null => {
                if let Some(h) = row_hash {
                    *h = h.wrapping_add(rows::mix(col, rows::NULL));
                }
                Some((MissingKind::Null, String::new()))
            }
            Cell::Text(_) | Cell::Str(_) => {
                let (text, bytes) = match cell {
                    Cell::Str(t) => (Cow::Borrowed(t), t.as_bytes()),
                    Cell::Text(bytes) => match std::str::from_utf8(bytes) {
                        Ok(t) => (Cow::Borrowed(t), bytes),
                        Err(_) => {
                            c.invalid_utf8 += 1;
                            if c.invalid_utf8_examples.len() < MAX_EXAMPLES {
                                c.invalid_utf8_examples.push(pos);
                            }
                            (String::from_utf8_lossy(bytes), bytes)
                        }
                    },
                    _ => (Cow::Borrowed(""), &[][..]),
                };
                let hash = xxh3_64(bytes);
                if let Some(h) = row_hash {
                    *h = h.wrapping_add(rows::mix(col, hash));
                }
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    Some((MissingKind::Blank, text.to_string()))
                } else if trimmed.len() <= 32
                    && (!trimmed.is_ascii() || self.placeholder_lens & (1 << trimmed.len()) != 0)
                    && req.is_placeholder(trimmed)
                {
                    Some((MissingKind::Placeholder, text.to_string()))
                } else {
                    c.text_value(&text, trimmed, bytes, hash, pos, req);
                    None
                }
            }
            other => {
                match (rows::cell_hash(other), row_hash) {
                    (Some(x), Some(h)) => *h = h.wrapping_add(rows::mix(col, x)),
                    (None, _) => self.nested = self.nested.or(Some(col)),
                    (Some(_), None) => {}
                }
                c.native_value(other, pos, req);
                None
            }
        };
        let flags = self.row_flags.get_mut(r);
        match missing {
            Some((kind, value)) => {
                match kind {
                    MissingKind::Null => c.nulls += 1,
                    MissingKind::Blank => c.blanks += 1,
                    MissingKind::Placeholder => c.placeholders += 1,
                }
                if c.missing_examples.len() < MAX_EXAMPLES {
                    c.missing_examples.push((pos, kind, value));
                }
                if let Some(f) = flags {
                    if c.required {
                        *f |= ROW_INCOMPLETE;
                    }
                    if c.label.is_some() {
                        *f |= ROW_UNLABELED;
                    }
                }
            }
            None => {
                c.present += 1;
                if let (Some(ts), Some(f)) = (&c.ts, flags)
                    && ts.last_was_stale
                {
                    *f |= ROW_STALE;
                }
            }
        }
    }

    /// Feeds the entity collectors this column belongs to.
    fn gather(&mut self, col: usize, r: usize, cell: Cell<'_>) {
        let req = self.req;
        let text = cell_text(cell);
        for &s in self.acc.slots.get(col).map_or(&[][..], |v| v.as_slice()) {
            match s {
                Slot::Key(i) => {
                    if let (Some(k), Some(g)) = (self.acc.entity_keys.get_mut(i), req.entity_keys.get(i)) {
                        k.add(text.as_deref(), 1, &g.normalize);
                    }
                }
                Slot::PairKey(i) => {
                    if let Some(v) = self.pairs.get_mut(i).and_then(|p| p.0.get_mut(r)) {
                        *v = text.as_deref().map(str::to_string);
                    }
                }
                Slot::PairValue(i) => {
                    if let Some(v) = self.pairs.get_mut(i).and_then(|p| p.1.get_mut(r)) {
                        *v = text.as_deref().map(str::to_string);
                    }
                }
            }
        }
    }

    /// Feeds label conflicts: an input's folded text or the label's, for row `r`.
    fn group(&mut self, col: usize, r: usize, cell: Cell<'_>) {
        let input = self.acc.input_of.get(col).copied().flatten();
        let is_label = self.acc.label_col == Some(col);
        if input.is_none() && !is_label {
            return;
        }
        let text = cell_text(cell);
        let folded = text.as_deref().map(keys::fold);
        let h = folded.as_deref().map_or(rows::NULL, |f| xxh3_64(f.as_bytes()));
        let width = self.req.label_inputs.len() + 1;
        let start = self.texts.len() as u32;
        self.texts.push_str(text.as_deref().unwrap_or_default());
        let span = (start, self.texts.len() as u32);
        if let Some(k) = input {
            if let Some(x) = self.input_hash.get_mut(r) {
                *x = x.wrapping_add(rows::mix(k, h));
            }
            if let Some(s) = self.spans.get_mut(r * width + 1 + k) {
                *s = span;
            }
        }
        if is_label {
            if let Some(x) = self.label_hash.get_mut(r) {
                *x = h;
            }
            if let Some(s) = self.spans.get_mut(r * width) {
                *s = span;
            }
        }
    }

    /// Closes the batch: `rows` rows were pushed (every column, every row) and `missing`
    /// lists required or label columns absent from the source, which no row can satisfy.
    pub fn finish(mut self, rows: u64, absent_required: bool, absent_label: bool) -> SourceAcc {
        for (i, (keys, values)) in self.pairs.iter().enumerate() {
            if let (Some(c), Some(g)) = (self.acc.entity_values.get_mut(i), self.req.entity_values.get(i)) {
                for (k, v) in keys.iter().zip(values).take(rows as usize) {
                    c.add(k.as_deref(), v.as_deref(), &g.normalize);
                }
                c.finish();
            }
        }
        for k in &mut self.acc.entity_keys {
            k.finish();
        }
        self.acc.rows = rows;
        let mut complete = 0;
        let mut labeled = 0;
        let mut ready = 0;
        let has_label = self.acc.label_col.is_some() || absent_label;
        for f in self.row_flags.iter().take(rows as usize) {
            let mut f = *f;
            if absent_required {
                f |= ROW_INCOMPLETE;
            }
            if absent_label {
                f |= ROW_UNLABELED;
            }
            complete += u64::from(f & ROW_INCOMPLETE == 0);
            labeled += u64::from(has_label && f & ROW_UNLABELED == 0);
            ready += u64::from(f == 0);
        }
        self.acc.complete_rows = complete;
        self.acc.labeled_rows = labeled;
        self.acc.ready_rows = ready;
        let n = rows as usize;
        self.row_hash.truncate(n);
        self.row_pos.truncate(n);
        let nested = self.nested.and_then(|c| self.acc.columns.get(c).cloned());
        self.acc.row_batch = Some(RowBatch {
            hashes: std::mem::take(&mut self.row_hash),
            pos: std::mem::take(&mut self.row_pos),
            nested,
        });
        if !self.acc.input_of.is_empty() && !absent_label {
            let width = self.req.label_inputs.len() + 1;
            let (texts, spans) = (&self.texts, &self.spans);
            let text =
                |i: usize| spans.get(i).and_then(|&(a, b)| texts.get(a as usize..b as usize)).unwrap_or_default();
            let pos = self.acc.row_batch.as_ref().map_or(&[][..], |b| b.pos.as_slice());
            let labeled_rows =
                self.row_flags.iter().take(n).enumerate().filter(|(_, f)| *f & ROW_UNLABELED == 0).filter_map(
                    |(r, _)| {
                        Some((*self.input_hash.get(r)?, *self.label_hash.get(r)?, text(r * width), r, *pos.get(r)?))
                    },
                );
            // Only a group's first row keeps its inputs as written: one copy per group, not per row.
            let inputs = |r: usize| (1..width).map(|k| clip(text(r * width + k))).collect();
            self.acc.conflict_batch = Some(ConflictBatch::build(labeled_rows, inputs));
        }
        self.acc
    }
}

impl ColumnAcc {
    fn text_value(&mut self, text: &str, trimmed: &str, raw: &[u8], hash: u64, pos: Pos, req: &StatsRequest) {
        self.values.insert(raw, hash);
        self.minmax.text(raw);
        let s = &mut self.seen;
        s.any = true;
        if (s.all_int || s.all_float) && !reads_as_number(trimmed) {
            s.all_int = false;
            s.all_float = false;
        }
        if s.all_int || s.all_float {
            match trimmed.parse::<i64>() {
                Ok(i) => {
                    self.minmax.int(i);
                    self.minmax.num(i as f64);
                }
                Err(_) => {
                    s.all_int = false;
                    match trimmed.parse::<f64>() {
                        Ok(x) if x.is_finite() => self.minmax.num(x),
                        _ => s.all_float = false,
                    }
                }
            }
        }
        if s.all_bool {
            s.all_bool = matches!(trimmed.to_ascii_lowercase().as_str(), "true" | "false");
        }
        let parsed =
            if s.all_timestamp || s.all_date || self.ts.is_some() { timestamp::parse_timestamp(trimmed) } else { None };
        match parsed {
            Some(p) => {
                if trimmed.len() != 10 {
                    s.all_date = false;
                }
                self.minmax.ts(p.micros);
            }
            None => {
                s.all_timestamp = false;
                s.all_date = false;
            }
        }
        // A value that reads as a timestamp is not personal data of any kind classified, and
        // testing it (its colons make it a candidate IPv6 address) was a measurable cost.
        if parsed.is_none()
            && let Some(kind) = self.pii_cache.classify(trimmed, raw, hash)
        {
            if let Some(slot) = self.pii.get_mut(kind as usize) {
                *slot += 1;
            }
            if self.pii_examples.len() < MAX_EXAMPLES {
                self.pii_examples.push((pos, kind, trimmed.to_string()));
            }
        }
        if let Some(l) = &mut self.label {
            if let Some(c) = l.counts.get_mut(text) {
                *c += 1;
            } else if l.counts.len() < MAX_LABEL_CLASSES {
                l.counts.insert(text.to_string(), 1);
            } else {
                l.overflow += 1;
            }
        }
        if let Some(k) = &mut self.keys {
            k.push(xxh3_128(raw), pos, text);
        }
        if let Some(ts) = &mut self.ts {
            match parsed {
                Some(p) => ts.observe(p.micros, p.naive, pos, Some(trimmed), req),
                None => ts.unparsed(pos, trimmed),
            }
        }
    }

    fn native_value(&mut self, cell: Cell<'_>, pos: Pos, req: &StatsRequest) {
        self.seen.any = true;
        self.native_cells = true;
        let (bytes, tag): ([u8; 8], u8) = match cell {
            Cell::Int(i) => {
                self.minmax.int(i);
                self.minmax.num(i as f64);
                (i.to_le_bytes(), b'i')
            }
            Cell::Float(x) => {
                self.minmax.num(x);
                (x.to_bits().to_le_bytes(), b'f')
            }
            Cell::Bool(b) => ([u8::from(b), 0, 0, 0, 0, 0, 0, 0], b'b'),
            Cell::Timestamp(us) => {
                self.minmax.ts(us);
                (us.to_le_bytes(), b't')
            }
            Cell::Date(d) => {
                let us = i64::from(d).saturating_mul(86_400_000_000);
                self.minmax.ts(us);
                (us.to_le_bytes(), b'd')
            }
            Cell::Opaque(b) => {
                let mut key = Vec::with_capacity(b.len() + 1);
                key.push(b'o');
                key.extend_from_slice(b);
                self.values.insert(&key, xxh3_64(&key));
                if let Some(k) = &mut self.keys {
                    k.push(xxh3_128(&key), pos, &String::from_utf8_lossy(b));
                }
                if let Some(ts) = &mut self.ts {
                    ts.unparsed(pos, "<binary>");
                }
                return;
            }
            Cell::Nested => {
                self.untracked = true;
                if let Some(ts) = &mut self.ts {
                    ts.unparsed(pos, "<nested value>");
                }
                return;
            }
            Cell::Null | Cell::Text(_) | Cell::Str(_) => return,
        };
        let mut key = [0u8; 9];
        key[0] = tag;
        key[1..].copy_from_slice(&bytes);
        self.values.insert(&key, xxh3_64(&key));
        let display = || values::render_key(&key);
        if let Some(l) = &mut self.label {
            let v = display();
            *l.counts.entry(v).or_insert(0) += 1;
        }
        if let Some(k) = &mut self.keys {
            k.push(xxh3_128(&key), pos, &display());
        }
        if let Some(ts) = &mut self.ts {
            match cell {
                Cell::Timestamp(us) => ts.observe(us, false, pos, None, req),
                Cell::Date(d) => ts.observe(i64::from(d).saturating_mul(86_400_000_000), false, pos, None, req),
                _ => ts.unparsed(pos, &display()),
            }
        }
    }
}

impl TimestampAcc {
    /// `text` is the value as written; `None` for a native timestamp, formatted only if it
    /// becomes an example (formatting every value cost a tenth of a Parquet scan).
    fn observe(&mut self, us: i64, naive: bool, pos: Pos, text: Option<&str>, req: &StatsRequest) {
        let shown = || text.map_or_else(|| timestamp::format_micros(us), str::to_string);
        self.parsed += 1;
        self.naive += u64::from(naive);
        if self.min.is_none_or(|m| us < m.0) {
            self.min = Some((us, pos));
        }
        if self.max.is_none_or(|m| us > m.0) {
            self.max = Some((us, pos));
        }
        self.last_was_stale = us < req.stale_before;
        if self.last_was_stale {
            self.stale += 1;
            if self.stale_examples.len() < MAX_EXAMPLES {
                self.stale_examples.push((pos, shown()));
            }
        }
        if us <= req.as_of && self.max_past.is_none_or(|m| us > m.0) {
            self.max_past = Some((us, pos));
        }
        if us > req.as_of {
            self.future += 1;
            if self.future_examples.len() < MAX_EXAMPLES {
                self.future_examples.push((pos, shown()));
            }
        } else {
            let days = req.as_of.saturating_sub(us) / 86_400_000_000;
            let bucket = AGE_BUCKET_DAYS.iter().position(|&b| days < b).unwrap_or(AGE_BUCKET_DAYS.len() - 1);
            if let Some(b) = self.age_histogram.get_mut(bucket) {
                *b += 1;
            }
        }
    }

    fn unparsed(&mut self, pos: Pos, text: &str) {
        self.last_was_stale = false;
        self.unparseable += 1;
        if self.unparseable_examples.len() < MAX_EXAMPLES {
            self.unparseable_examples.push((pos, clip(text)));
        }
    }
}
