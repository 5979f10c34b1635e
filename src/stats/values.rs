//! Exact value counts while a column's distinct set is small, then a HyperLogLog sketch.
//!
//! Values admitted to the exact map are counted from their first occurrence, so their counts
//! stay exact after the map stops admitting new values ("frozen"); that is what lets the
//! suspected-placeholder detector quote exact counts on high-cardinality columns.

use hashbrown::HashTable;

use super::hll::Hll;

/// Distinct values counted exactly per batch before switching to the sketch.
const EXACT_CAP: usize = 10_000;

#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    /// The value's bytes: `arena[start..start + len]`.
    start: usize,
    len: usize,
    count: u64,
}

/// Tracked values live back to back in one arena: a batch admits up to `EXACT_CAP` values per
/// column, and one allocation for them all, freed at once, is far cheaper than one each.
#[derive(Clone, Debug, Default)]
pub(super) struct ValueCounter {
    map: HashTable<Entry>,
    arena: Vec<u8>,
    /// Set once the map overflowed: it then holds every value seen so far in the sketch.
    hll: Option<Box<Hll>>,
}

#[inline]
fn bytes<'a>(arena: &'a [u8], e: &Entry) -> &'a [u8] {
    arena.get(e.start..e.start + e.len).unwrap_or_default()
}

impl ValueCounter {
    #[inline]
    pub(super) fn insert(&mut self, value: &[u8], hash: u64) {
        let arena = &self.arena;
        if let Some(hll) = &mut self.hll {
            hll.insert_hash(hash);
            if let Some(e) = self.map.find_mut(hash, |e| bytes(arena, e) == value) {
                e.count += 1;
            }
            return;
        }
        match self.map.find_mut(hash, |e| bytes(arena, e) == value) {
            Some(e) => e.count += 1,
            None => {
                let e = Entry { hash, start: self.arena.len(), len: value.len(), count: 1 };
                self.arena.extend_from_slice(value);
                self.map.insert_unique(hash, e, |e| e.hash);
                if self.map.len() > EXACT_CAP {
                    self.freeze();
                }
            }
        }
    }

    /// True when merging any later batch's tracked values into this counter keeps none of
    /// them: it is frozen and tracks nothing. A later batch then need only feed its sketch
    /// (`sketch_only`); the merged result is the same, whenever that batch was begun.
    pub(super) fn keeps_nothing(&self) -> bool {
        self.hll.is_some() && self.map.is_empty()
    }

    /// A counter that tracks no value and sketches every one.
    pub(super) fn sketch_only() -> ValueCounter {
        ValueCounter { hll: Some(Box::default()), ..ValueCounter::default() }
    }

    fn freeze(&mut self) {
        let mut hll = Box::<Hll>::default();
        for e in self.map.iter() {
            hll.insert_hash(e.hash);
        }
        self.hll = Some(hll);
    }

    /// Merges a later batch. Exactness of a tracked value survives only if both sides tracked
    /// it from its first occurrence, so a frozen side limits what the other may keep.
    pub(super) fn merge(&mut self, other: ValueCounter) {
        let theirs = &other.arena;
        match (self.hll.is_some(), other.hll.is_some()) {
            (false, false) => {
                for e in other.map.iter() {
                    self.add_count(bytes(theirs, e), e);
                }
                if self.map.len() > EXACT_CAP {
                    self.freeze();
                }
            }
            (true, false) => {
                // Other saw everything it holds; values new to us were not tracked from the start.
                let arena = &self.arena;
                for e in other.map.iter() {
                    if let Some(h) = &mut self.hll {
                        h.insert_hash(e.hash);
                    }
                    if let Some(mine) = self.map.find_mut(e.hash, |m| bytes(arena, m) == bytes(theirs, e)) {
                        mine.count += e.count;
                    }
                }
            }
            (false, true) => {
                // We are complete; keep only what the frozen later batch tracked.
                let ValueCounter { map: mut kept, arena: kept_arena, hll } = other;
                let mut hll = hll.unwrap_or_default();
                for e in self.map.iter() {
                    hll.insert_hash(e.hash);
                    if let Some(k) = kept.find_mut(e.hash, |k| bytes(&kept_arena, k) == bytes(&self.arena, e)) {
                        k.count += e.count;
                    }
                }
                self.map = kept;
                self.arena = kept_arena;
                self.hll = Some(hll);
            }
            (true, true) => {
                if let (Some(a), Some(b)) = (&mut self.hll, &other.hll) {
                    a.merge(b);
                }
                let mut other_map = other.map;
                let arena = &self.arena;
                self.map.retain(|e| match other_map.find_mut(e.hash, |o| bytes(theirs, o) == bytes(arena, e)) {
                    Some(o) => {
                        e.count += o.count;
                        true
                    }
                    None => false,
                });
            }
        }
    }

    fn add_count(&mut self, value: &[u8], e: &Entry) {
        let arena = &self.arena;
        match self.map.find_mut(e.hash, |m| bytes(arena, m) == value) {
            Some(m) => m.count += e.count,
            None => {
                let mine = Entry { start: self.arena.len(), ..*e };
                self.arena.extend_from_slice(value);
                self.map.insert_unique(e.hash, mine, |x| x.hash);
            }
        }
    }

    /// `(count, exact)`.
    pub(super) fn distinct(&self) -> (u64, bool) {
        match &self.hll {
            Some(h) => (h.estimate().max(self.map.len() as u64), false),
            None => (self.map.len() as u64, true),
        }
    }

    /// The most frequent tracked values with their exact counts, ties broken by value.
    /// `native` says the values are tagged native cells rather than raw text.
    pub(super) fn top(&self, n: usize, native: bool) -> Vec<(String, u64)> {
        let arena = &self.arena;
        let mut all: Vec<&Entry> = self.map.iter().collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| bytes(arena, a).cmp(bytes(arena, b))));
        all.into_iter()
            .take(n)
            .map(|e| {
                let v = bytes(arena, e);
                let text = if native { render_key(v) } else { String::from_utf8_lossy(v).into_owned() };
                (text, e.count)
            })
            .collect()
    }
}

/// Turns a tracked value back into text. Native values carry a one-byte tag and 8 bytes.
pub(super) fn render_key(key: &[u8]) -> String {
    let native = |k: &[u8]| -> Option<(u8, [u8; 8])> {
        let (&tag, rest) = k.split_first()?;
        let arr: [u8; 8] = rest.try_into().ok()?;
        Some((tag, arr))
    };
    if key.first() == Some(&b'o') {
        return String::from_utf8_lossy(key.get(1..).unwrap_or_default()).into_owned();
    }
    match native(key) {
        Some((b'i', b)) => i64::from_le_bytes(b).to_string(),
        Some((b'f', b)) => f64::from_bits(u64::from_le_bytes(b)).to_string(),
        Some((b'b', b)) => (b[0] != 0).to_string(),
        Some((b't' | b'd', b)) => super::timestamp::format_micros(i64::from_le_bytes(b)),
        _ => String::from_utf8_lossy(key).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    fn put(v: &mut ValueCounter, s: &str) {
        v.insert(s.as_bytes(), xxh3_64(s.as_bytes()));
    }

    #[test]
    fn a_sketch_only_batch_merges_as_an_ordinary_one_once_the_source_keeps_nothing() {
        let mut source = ValueCounter::default();
        let mut first = ValueCounter::default();
        for i in 0..=EXACT_CAP {
            put(&mut first, &format!("a{i}"));
        }
        let mut second = ValueCounter::default();
        for i in 0..=EXACT_CAP {
            put(&mut second, &format!("b{i}"));
        }
        source.merge(first);
        assert!(!source.keeps_nothing());
        source.merge(second);
        assert!(source.keeps_nothing(), "two frozen batches with no value in common");
        // A third batch: a few repeated values, then many distinct ones.
        let values: Vec<String> = (0..3 * EXACT_CAP).map(|i| format!("c{}", if i < 100 { i % 3 } else { i })).collect();
        let (mut ordinary, mut sketched) = (ValueCounter::default(), ValueCounter::sketch_only());
        for v in &values {
            put(&mut ordinary, v);
            put(&mut sketched, v);
        }
        let (mut a, mut b) = (source.clone(), source);
        a.merge(ordinary);
        b.merge(sketched);
        assert_eq!(a.distinct(), b.distinct());
        assert_eq!(a.top(10, false), b.top(10, false));
        assert!(a.keeps_nothing() && b.keeps_nothing());
    }

    #[test]
    fn exact_while_small() {
        let mut v = ValueCounter::default();
        for s in ["a", "b", "a", "c", "a"] {
            put(&mut v, s);
        }
        assert_eq!(v.distinct(), (3, true));
        assert_eq!(v.top(1, false), vec![("a".to_string(), 3)]);
    }

    #[test]
    fn tracked_counts_stay_exact_after_freeze_and_merge() {
        let mut a = ValueCounter::default();
        let mut b = ValueCounter::default();
        for i in 0..30_000 {
            put(&mut a, "1900-01-01");
            put(&mut a, &format!("a{i}"));
            put(&mut b, "1900-01-01");
            put(&mut b, &format!("b{i}"));
        }
        a.merge(b);
        let (d, exact) = a.distinct();
        assert!(!exact);
        assert!((d as f64 - 60_001.0).abs() / 60_001.0 < 0.02, "{d}");
        assert_eq!(a.top(1, false), vec![("1900-01-01".to_string(), 60_000)]);
    }

    #[test]
    fn merge_of_small_sets_is_exact() {
        let mut a = ValueCounter::default();
        let mut b = ValueCounter::default();
        put(&mut a, "x");
        put(&mut b, "x");
        put(&mut b, "y");
        a.merge(b);
        assert_eq!(a.distinct(), (2, true));
        assert_eq!(a.top(5, false), vec![("x".to_string(), 2), ("y".to_string(), 1)]);
    }
}
