//! Key sets of one system of an entity, kept small enough for ten million keys a side: each key
//! becomes a 128-bit code, and codes live in sorted, deduplicated buckets that are merged with
//! the other systems' buckets in one linear pass.
//!
//! A key of at most 15 bytes *is* its code (the bytes and the length), so those compare
//! exactly; a longer key is a 120-bit xxh3 hash, where a collision among 10^8 keys has a
//! probability near 10^-20. Codes are the unit of counting, so every count is exact in practice
//! and the memory is 16 bytes per distinct key plus at most an eighth more while buckets fill.

use std::borrow::Cow;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::{FxHashMap, FxHashSet};
use xxhash_rust::xxh3::xxh3_128;

use crate::profile::Normalization;

/// Buckets per key set: enough that merging one bucket needs only a sliver of extra memory.
const BUCKETS: usize = 256;

/// A bucket's unsorted tail is folded into its sorted part once it holds this many codes, or an
/// eighth of the sorted part if that is more: at most an eighth more memory than the set itself,
/// for about eight copies of each code over a whole scan.
const MIN_TAIL: usize = 1024;

/// Distinct raw keys kept as text per system, for normalization suggestions and examples.
pub const RAW_KEEP: usize = 200_000;

/// Distinct key shapes counted per system before the rest go to `other`.
const MAX_SHAPES: usize = 1000;

/// Characters of a key that make its shape; longer keys end in `…`.
const SHAPE_CHARS: usize = 32;

pub type Code = u128;

/// The code of a key: the key itself when it is short, else a hash tagged so that no hash
/// equals a short key's code (a short code's top byte is its length, 0 to 15).
#[inline]
pub fn code(key: &[u8]) -> Code {
    if key.len() <= 15 {
        let mut b = [0u8; 16];
        b[..key.len()].copy_from_slice(key);
        b[15] = key.len() as u8;
        u128::from_le_bytes(b)
    } else {
        xxh3_128(key) | (0xFFu128 << 120)
    }
}

/// The key a short code stands for; `None` for a hashed one.
pub fn decode(c: Code) -> Option<String> {
    let b = c.to_le_bytes();
    let len = usize::from(b[15]);
    (len <= 15).then(|| String::from_utf8_lossy(&b[..len]).into_owned())
}

#[inline]
fn bucket(c: Code) -> usize {
    let x = (c as u64) ^ ((c >> 64) as u64);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
}

/// ASCII whitespace as the normalizations define it; `char::is_ascii_whitespace` leaves out
/// the vertical tab.
#[inline]
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Applies one normalization.
pub fn apply<'a>(n: &Normalization, s: Cow<'a, str>) -> Cow<'a, str> {
    match n {
        Normalization::Trim => {
            let t = s.trim_matches(is_space);
            if t.len() == s.len() { s } else { Cow::Owned(t.to_string()) }
        }
        Normalization::Lowercase => {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(s.to_ascii_lowercase())
            } else {
                s
            }
        }
        Normalization::StripPrefix(p) => {
            let matches = s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
            match s.get(p.len()..) {
                Some(rest) if matches => Cow::Owned(rest.to_string()),
                _ => s,
            }
        }
        Normalization::StripLeadingZeros => {
            let t = s.trim_start_matches('0');
            if t.len() == s.len() {
                s
            } else if t.is_empty() {
                Cow::Borrowed("0")
            } else {
                Cow::Owned(t.to_string())
            }
        }
        Normalization::DigitsOnly => {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                s
            } else {
                Cow::Owned(s.chars().filter(char::is_ascii_digit).collect())
            }
        }
        Normalization::CollapseWhitespace => {
            let mut out = String::with_capacity(s.len());
            let mut in_space = false;
            let mut changed = false;
            for c in s.chars() {
                if is_space(c) {
                    changed |= in_space || c != ' ';
                    if !in_space {
                        out.push(' ');
                    }
                    in_space = true;
                } else {
                    out.push(c);
                    in_space = false;
                }
            }
            if changed { Cow::Owned(out) } else { s }
        }
    }
}

/// Applies a chain of normalizations in order.
pub fn normalize<'a>(chain: &[Normalization], s: &'a str) -> Cow<'a, str> {
    chain.iter().fold(Cow::Borrowed(s), |acc, n| apply(n, acc))
}

/// How a normalization is written in a profile.
pub fn spelling(n: &Normalization) -> String {
    match n {
        Normalization::Trim => "trim".into(),
        Normalization::Lowercase => "lowercase".into(),
        Normalization::StripPrefix(p) => format!("strip_prefix:{p}"),
        Normalization::StripLeadingZeros => "strip_leading_zeros".into(),
        Normalization::DigitsOnly => "digits_only".into(),
        Normalization::CollapseWhitespace => "collapse_whitespace".into(),
    }
}

/// A value folded for comparison: trimmed of ASCII whitespace and ASCII lower-cased.
pub fn fold(s: &str) -> Cow<'_, str> {
    apply(&Normalization::Lowercase, apply(&Normalization::Trim, Cow::Borrowed(s)))
}

/// The shape of a key: ASCII letters as `A`, digits as `9`, anything else as itself.
pub fn shape(key: &str) -> String {
    let mut out = String::with_capacity(key.len().min(SHAPE_CHARS + 3));
    shape_into(key, &mut out);
    out
}

fn shape_into(key: &str, out: &mut String) {
    out.clear();
    for (i, c) in key.chars().enumerate() {
        if i == SHAPE_CHARS {
            out.push('…');
            break;
        }
        out.push(match c {
            'a'..='z' | 'A'..='Z' => 'A',
            '0'..='9' => '9',
            other => other,
        });
    }
}

/// A sorted, deduplicated set of codes, with the codes seen more than once beside it.
#[derive(Debug, Default, Clone)]
struct Bucket {
    sorted: Vec<Code>,
    tail: Vec<Code>,
    /// Codes known to occur more than once: sorted and deduplicated after `compact`.
    multi: Vec<Code>,
    /// Whether `multi` is kept: only duplicates of normalized keys are reported, and a raw
    /// set's list would hold a code per repeated key for nothing.
    keep_multi: bool,
}

impl Bucket {
    #[inline]
    fn push(&mut self, c: Code) {
        self.tail.push(c);
        if self.tail.len() >= MIN_TAIL.max(self.sorted.len() / 8) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        if !self.tail.is_empty() {
            self.tail.sort_unstable();
            let (multi, keep) = (&mut self.multi, self.keep_multi);
            let mut merged = merge_sorted(&self.sorted, &self.tail, |dup| {
                if keep {
                    multi.push(dup);
                }
            });
            if merged.capacity() > merged.len() + merged.len() / 4 + 16 {
                merged.shrink_to_fit();
            }
            self.sorted = merged;
            self.tail.clear();
            if self.tail.capacity() > MIN_TAIL.max(self.sorted.len() / 8) * 2 {
                self.tail.shrink_to_fit();
            }
        }
        self.multi.sort_unstable();
        self.multi.dedup();
    }

    fn absorb(&mut self, mut other: Bucket) {
        if self.sorted.is_empty() && self.tail.is_empty() {
            // The first batch's bucket is adopted as is: no copy.
            self.sorted = std::mem::take(&mut other.sorted);
        }
        for c in other.sorted.into_iter().chain(other.tail) {
            self.push(c);
        }
        self.multi.extend(other.multi);
    }
}

/// One system's keys: distinct codes (normalized), the raw codes of keys normalization changed,
/// and what the report shows besides counts.
#[derive(Debug, Clone)]
pub struct KeyCollector {
    normalized: Vec<Bucket>,
    /// Raw codes of keys whose normalized form differs from them; with the unchanged keys'
    /// codes in `normalized` they make the raw key set.
    raw_changed: Vec<Bucket>,
    /// Some normalized codes stand for unchanged raw keys: the raw set needs those alone.
    unchanged: Vec<Bucket>,
    /// Whether every key so far was unchanged by normalization (then `unchanged` is not kept
    /// separately, halving the memory).
    all_unchanged: bool,
    /// Distinct raw keys as text while there are at most `RAW_KEEP`; `None` beyond.
    pub raw: Option<FxHashSet<Box<str>>>,
    /// Rows per key shape (of the raw key).
    pub shapes: FxHashMap<String, u64>,
    pub other_shapes: u64,
    /// Rows with no usable key (null, blank, or empty once normalized).
    pub missing: u64,
    /// Rows with a key.
    pub keyed: u64,
    /// Rows (or grouped rows) a database sent to build this set.
    pub fetched: u64,
    /// Scratch space for a key's shape: one allocation per collector, not per row.
    shape_buf: String,
    /// Shared by a source's collector and its batches' (`KeyGather::raw_full`): set when the
    /// raw keys outgrew `RAW_KEEP`, so batches stop copying keys nobody will read.
    raw_full: Arc<AtomicBool>,
}

impl Default for KeyCollector {
    fn default() -> Self {
        KeyCollector {
            normalized: vec![Bucket { keep_multi: true, ..Bucket::default() }; BUCKETS],
            raw_changed: vec![Bucket::default(); BUCKETS],
            unchanged: vec![Bucket::default(); BUCKETS],
            all_unchanged: true,
            raw: Some(FxHashSet::default()),
            shapes: FxHashMap::default(),
            other_shapes: 0,
            missing: 0,
            keyed: 0,
            fetched: 0,
            shape_buf: String::new(),
            raw_full: Arc::default(),
        }
    }
}

impl KeyCollector {
    /// A collector that learns from (and tells) the others of its system when raw keys are too
    /// many to keep.
    pub fn sharing(raw_full: Arc<AtomicBool>) -> KeyCollector {
        let raw = (!raw_full.load(Ordering::Relaxed)).then(FxHashSet::default);
        KeyCollector { raw_full, raw, ..KeyCollector::default() }
    }

    /// One key value as read, standing for `rows` rows (a database sends each key once with
    /// its count). `None`, blank and empty-after-normalization keys are counted as missing.
    pub fn add(&mut self, raw: Option<&str>, rows: u64, chain: &[Normalization]) {
        let Some(raw) = raw.filter(|r| !r.trim_matches(is_space).is_empty()) else {
            self.missing += rows;
            return;
        };
        let norm = normalize(chain, raw);
        if norm.is_empty() {
            self.missing += rows;
            return;
        }
        self.keyed += rows;
        let n = code(norm.as_bytes());
        let b = bucket(n);
        let unchanged = norm.as_ref() == raw;
        if !unchanged {
            self.track_unchanged();
        }
        self.normalized[b].push(n);
        if rows > 1 {
            self.normalized[b].multi.push(n);
        }
        if unchanged {
            if !self.all_unchanged {
                self.unchanged[b].push(n);
            }
        } else {
            let r = code(raw.as_bytes());
            self.raw_changed[bucket(r)].push(r);
        }
        if let Some(set) = &mut self.raw
            && !set.contains(raw)
        {
            if set.len() < RAW_KEEP && !self.raw_full.load(Ordering::Relaxed) {
                set.insert(raw.into());
            } else {
                self.raw = None;
            }
        }
        let mut shape = std::mem::take(&mut self.shape_buf);
        shape_into(raw, &mut shape);
        self.count_shape(&shape, rows);
        self.shape_buf = shape;
    }

    /// Once a key is changed by normalization, unchanged keys must be told apart from the rest:
    /// every key so far was one.
    fn track_unchanged(&mut self) {
        if self.all_unchanged {
            self.all_unchanged = false;
            for (u, nb) in self.unchanged.iter_mut().zip(&self.normalized) {
                u.sorted = nb.sorted.clone();
                u.tail = nb.tail.clone();
            }
        }
    }

    fn count_shape(&mut self, shape: &str, rows: u64) {
        if let Some(c) = self.shapes.get_mut(shape) {
            *c += rows;
        } else if self.shapes.len() < MAX_SHAPES {
            self.shapes.insert(shape.to_string(), rows);
        } else {
            self.other_shapes += rows;
        }
    }

    /// Folds a later batch's keys into these.
    pub fn merge(&mut self, other: KeyCollector) {
        if !other.all_unchanged {
            self.track_unchanged();
        }
        if !self.all_unchanged {
            // A batch whose keys were all unchanged tracked them as its normalized ones.
            let src = if other.all_unchanged { &other.normalized } else { &other.unchanged };
            for (a, b) in self.unchanged.iter_mut().zip(src) {
                for &c in b.sorted.iter().chain(&b.tail) {
                    a.push(c);
                }
            }
        }
        for (a, b) in self.normalized.iter_mut().zip(other.normalized) {
            a.absorb(b);
        }
        for (a, b) in self.raw_changed.iter_mut().zip(other.raw_changed) {
            a.absorb(b);
        }
        match (&mut self.raw, other.raw) {
            (Some(a), Some(b)) => {
                for v in b {
                    if a.len() >= RAW_KEEP && !a.contains(&v) {
                        self.raw = None;
                        break;
                    }
                    a.insert(v);
                }
            }
            (_, None) => self.raw = None,
            (None, _) => {}
        }
        if self.raw.is_none() {
            self.raw_full.store(true, Ordering::Relaxed);
        }
        for (s, c) in &other.shapes {
            self.count_shape(s, *c);
        }
        self.other_shapes += other.other_shapes;
        self.missing += other.missing;
        self.keyed += other.keyed;
        self.fetched += other.fetched;
    }

    /// Sorts and deduplicates every bucket: call once, when the system is read.
    pub fn finish(&mut self) {
        for b in self.normalized.iter_mut().chain(&mut self.raw_changed).chain(&mut self.unchanged) {
            b.compact();
            b.tail = Vec::new();
        }
    }

    /// Distinct normalized keys.
    pub fn distinct(&self) -> u64 {
        self.normalized.iter().map(|b| b.sorted.len() as u64).sum()
    }

    /// Distinct normalized keys seen in more than one row.
    pub fn duplicates(&self) -> u64 {
        self.normalized.iter().map(|b| b.multi.len() as u64).sum()
    }

    /// Whether `c` (a normalized code) occurs more than once.
    pub fn is_duplicate(&self, c: Code) -> bool {
        self.normalized[bucket(c)].multi.binary_search(&c).is_ok()
    }

    /// Memory held by the sets, in bytes (the benchmark reports it beside the process's peak).
    pub fn set_bytes(&self) -> usize {
        self.normalized
            .iter()
            .chain(&self.raw_changed)
            .chain(&self.unchanged)
            .map(|b| (b.sorted.capacity() + b.tail.capacity() + b.multi.capacity()) * 16)
            .sum()
    }
}

/// Per-bucket views of finished collectors, normalized or raw.
pub enum View {
    Normalized,
    Raw,
}

/// Counts of one merge over several systems' finished key sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overlap {
    pub distinct: Vec<u64>,
    pub in_all: u64,
    pub union: u64,
    /// Keys of each system found in no other.
    pub unmatched: Vec<u64>,
}

/// Merges the systems' sorted buckets and counts, per key, which systems hold it.
pub fn overlap(systems: &[&KeyCollector], view: View) -> Overlap {
    overlap_inner(systems, view, 0).0
}

/// `overlap` of normalized keys, with up to `examples` unmatched codes per system.
pub fn overlap_with_examples(systems: &[&KeyCollector], examples: usize) -> (Overlap, Vec<Vec<Code>>) {
    overlap_inner(systems, View::Normalized, examples)
}

fn overlap_inner(systems: &[&KeyCollector], view: View, cap: usize) -> (Overlap, Vec<Vec<Code>>) {
    let k = systems.len();
    let mut out = Overlap { distinct: vec![0; k], unmatched: vec![0; k], ..Overlap::default() };
    let mut examples: Vec<Vec<Code>> = vec![Vec::new(); k];
    let mut scratch: Vec<Vec<Code>> = Vec::with_capacity(k);
    for b in 0..BUCKETS {
        scratch.clear();
        let lists: Vec<&[Code]> = match view {
            View::Normalized => systems.iter().map(|s| s.normalized[b].sorted.as_slice()).collect(),
            View::Raw => {
                for s in systems {
                    if s.all_unchanged {
                        scratch.push(Vec::new());
                    } else {
                        scratch.push(merge_sorted(&s.unchanged[b].sorted, &s.raw_changed[b].sorted, |_| {}));
                    }
                }
                systems
                    .iter()
                    .zip(&scratch)
                    // When normalization changed nothing, the raw keys are the normalized ones.
                    .map(|(s, m)| if s.all_unchanged { s.normalized[b].sorted.as_slice() } else { m.as_slice() })
                    .collect()
            }
        };
        count_bucket(&lists, &mut out, &mut examples, cap);
    }
    (out, examples)
}

/// Merges two sorted lists into one without repeats; `on_repeat` sees each code dropped as a
/// repeat (a code in both lists, or twice in one).
fn merge_sorted(a: &[Code], b: &[Code], mut on_repeat: impl FnMut(Code)) -> Vec<Code> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        if out.last() == Some(&next) {
            on_repeat(next);
        } else {
            out.push(next);
        }
    }
    out
}

fn count_bucket(lists: &[&[Code]], out: &mut Overlap, examples: &mut [Vec<Code>], cap: usize) {
    let k = lists.len();
    let mut at = vec![0usize; k];
    for (d, l) in out.distinct.iter_mut().zip(lists) {
        *d += l.len() as u64;
    }
    while let Some(min) = lists.iter().zip(&at).filter_map(|(l, &i)| l.get(i)).min().copied() {
        let mut holders = 0;
        let mut only = 0;
        for (s, (l, i)) in lists.iter().zip(at.iter_mut()).enumerate() {
            if l.get(*i) == Some(&min) {
                holders += 1;
                only = s;
                *i += 1;
            }
        }
        out.union += 1;
        if holders == k {
            out.in_all += 1;
        }
        if holders == 1 && k > 1 {
            out.unmatched[only] += 1;
            if let Some(e) = examples.get_mut(only).filter(|e| e.len() < cap) {
                e.push(min);
            }
        }
    }
}

/// One side of a `compare` pair: (normalized key, folded value) per row, deduplicated.
#[derive(Debug, Default, Clone)]
pub struct ValueCollector {
    /// `(key code, folded value code, key text, raw value)`.
    entries: Vec<(Code, Code, Box<str>, Box<str>)>,
    /// Entries added since the last deduplication.
    unsorted: usize,
    pub fetched: u64,
}

impl ValueCollector {
    /// One row's key and value; rows missing either are not compared.
    pub fn add(&mut self, key: Option<&str>, value: Option<&str>, chain: &[Normalization]) {
        let (Some(key), Some(value)) = (key, value) else { return };
        if key.trim_matches(is_space).is_empty() || value.trim_matches(is_space).is_empty() {
            return;
        }
        let norm = normalize(chain, key);
        if norm.is_empty() {
            return;
        }
        let folded = fold(value);
        self.entries.push((code(norm.as_bytes()), code(folded.as_bytes()), norm.into(), value.into()));
        self.unsorted += 1;
        if self.unsorted > 65_536 && self.unsorted > self.entries.len() / 2 {
            self.finish();
        }
    }

    pub fn merge(&mut self, other: ValueCollector) {
        self.unsorted += other.entries.len();
        self.entries.extend(other.entries);
        self.fetched += other.fetched;
        if self.unsorted > 65_536 && self.unsorted > self.entries.len() / 2 {
            self.finish();
        }
    }

    /// Sorts by key then value and keeps the first row of each pair (stable: earliest row wins).
    pub fn finish(&mut self) {
        self.entries.sort_by_key(|e| (e.0, e.1));
        self.entries.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        self.unsorted = 0;
    }
}

/// A `compare` pair's outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    pub compared: u64,
    pub conflicting: u64,
    /// `(key, left value, right value)` of the first conflicting keys.
    pub examples: Vec<(String, String, String)>,
}

/// Keys with values on both sides, and those whose sets of folded values differ.
pub fn compare(left: &ValueCollector, right: &ValueCollector, max_examples: usize) -> Comparison {
    let (a, b) = (&left.entries, &right.entries);
    let mut out = Comparison::default();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let key = a[i].0;
                let i_end = i + a[i..].iter().take_while(|e| e.0 == key).count();
                let j_end = j + b[j..].iter().take_while(|e| e.0 == key).count();
                out.compared += 1;
                let same = i_end - i == j_end - j && a[i..i_end].iter().zip(&b[j..j_end]).all(|(x, y)| x.1 == y.1);
                if !same {
                    out.conflicting += 1;
                    if out.examples.len() < max_examples {
                        // The first value of each side that the other side lacks, so the
                        // example shows the disagreement itself.
                        let lacks = |xs: &[(Code, Code, Box<str>, Box<str>)],
                                     ys: &[(Code, Code, Box<str>, Box<str>)]| {
                            xs.iter().find(|x| !ys.iter().any(|y| y.1 == x.1)).or(xs.first()).map(|x| x.3.to_string())
                        };
                        out.examples.push((
                            a[i].2.to_string(),
                            lacks(&a[i..i_end], &b[j..j_end]).unwrap_or_default(),
                            lacks(&b[j..j_end], &a[i..i_end]).unwrap_or_default(),
                        ));
                    }
                }
                i = i_end;
                j = j_end;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(keys: &[&str], chain: &[Normalization]) -> KeyCollector {
        let mut k = KeyCollector::default();
        for key in keys {
            k.add(Some(key), 1, chain);
        }
        k.finish();
        k
    }

    #[test]
    fn short_keys_are_their_own_codes() {
        assert_eq!(decode(code(b"C-000123")).as_deref(), Some("C-000123"));
        assert_eq!(decode(code(b"")).as_deref(), Some(""));
        assert_ne!(code(b"a"), code(b"a\0"));
        let long = code(b"a key of more than fifteen bytes");
        assert_eq!(decode(long), None);
        assert_ne!(long, code(b"a key of more than fifteen byte"));
    }

    #[test]
    fn normalizations_follow_the_documented_definitions() {
        use Normalization::*;
        let n = |chain: &[Normalization], s: &str| normalize(chain, s).into_owned();
        assert_eq!(n(&[Trim], " \t\x0bC-1 \n"), "C-1");
        assert_eq!(n(&[Trim], "\u{a0}x"), "\u{a0}x", "only ASCII whitespace is trimmed");
        assert_eq!(n(&[Lowercase], "ÄB-c"), "Äb-c");
        assert_eq!(n(&[StripPrefix("C-".into())], "c-000123"), "000123", "prefixes ignore ASCII case");
        assert_eq!(n(&[StripPrefix("C-".into())], "XC-1"), "XC-1");
        assert_eq!(n(&[StripPrefix("é".into())], "e"), "e");
        assert_eq!(n(&[StripLeadingZeros], "000123"), "123");
        assert_eq!(n(&[StripLeadingZeros], "000"), "0");
        assert_eq!(n(&[DigitsOnly], "C-00 12x3"), "00123");
        assert_eq!(n(&[CollapseWhitespace], " a \t\n b "), " a b ");
        assert_eq!(
            n(&[Trim, Lowercase, StripPrefix("C-".into()), StripLeadingZeros], " C-000123 "),
            "123",
            "DESIGN's example chain works in its written order"
        );
    }

    #[test]
    fn shapes_mark_letters_and_digits() {
        assert_eq!(shape("C-000123"), "A-999999");
        assert_eq!(shape("ab_9é"), "AA_9é");
        assert_eq!(shape(&"x".repeat(40)), format!("{}…", "A".repeat(32)));
    }

    #[test]
    fn overlap_counts_every_system() {
        let a = collect(&["1", "2", "3", "3", "9"], &[]);
        let b = collect(&["2", "3", "4"], &[]);
        let c = collect(&["3", "4", "5", "", " "], &[]);
        let o = overlap(&[&a, &b, &c], View::Normalized);
        assert_eq!(o.distinct, vec![4, 3, 3]);
        assert_eq!(o.in_all, 1);
        assert_eq!(o.union, 6);
        assert_eq!(o.unmatched, vec![2, 0, 1]);
        assert_eq!((a.duplicates(), c.missing, c.keyed), (1, 2, 3));
    }

    #[test]
    fn raw_overlap_ignores_normalization() {
        use Normalization::*;
        let chain = [StripPrefix("C-".into()), StripLeadingZeros];
        let a = collect(&["C-000123", "C-7", "8", "C-9"], &chain);
        let b = collect(&["123", "7", "8", "C-9"], &chain);
        assert_eq!(overlap(&[&a, &b], View::Normalized).in_all, 4);
        assert_eq!(overlap(&[&a, &b], View::Raw).in_all, 2, "only `8` and `C-9` match as written");
        assert_eq!(overlap(&[&a, &b], View::Raw).distinct, vec![4, 4]);
    }

    #[test]
    fn results_do_not_depend_on_batches() {
        let keys: Vec<String> = (0..50_000).map(|i| format!("K{:07}", (i * 7919) % 30_011)).collect();
        let chain = [Normalization::StripPrefix("k".into())];
        let mut whole = KeyCollector::default();
        for k in &keys {
            whole.add(Some(k), 1, &chain);
        }
        whole.finish();
        let mut merged = KeyCollector::default();
        for part in keys.chunks(3001) {
            let mut c = KeyCollector::default();
            for k in part {
                c.add(Some(k), 1, &chain);
            }
            c.finish();
            merged.merge(c);
        }
        merged.finish();
        assert_eq!((whole.distinct(), whole.duplicates()), (30_011, 19_989));
        assert_eq!((merged.distinct(), merged.duplicates()), (30_011, 19_989));
        assert_eq!(overlap(&[&whole, &merged], View::Raw), overlap(&[&whole, &whole], View::Raw));
        assert_eq!(overlap(&[&whole, &merged], View::Raw).in_all, 30_011);
    }

    #[test]
    fn batches_merged_into_one_collector_count_once_finished() {
        // A merged batch's keys wait in bucket tails until `finish` (see `Collected::take`,
        // whose omission lost keys of a Parquet file's second row group).
        let mut total = KeyCollector::default();
        for part in [1..=22, 23..=40] {
            let mut b = KeyCollector::default();
            for k in part {
                b.add(Some(&k.to_string()), 1, &[]);
            }
            b.finish();
            total.merge(b);
        }
        total.finish();
        assert_eq!(total.distinct(), 40);
    }

    #[test]
    fn mixed_changed_and_unchanged_keys_keep_the_raw_set() {
        let chain = [Normalization::StripLeadingZeros];
        let mut a = KeyCollector::default();
        a.add(Some("5"), 1, &chain);
        let mut later = KeyCollector::default();
        later.add(Some("06"), 1, &chain);
        later.add(Some("7"), 1, &chain);
        a.merge(later);
        a.finish();
        let b = collect(&["5", "6", "7"], &[]);
        assert_eq!(overlap(&[&a, &b], View::Raw).in_all, 2, "5 and 7 as written");
        assert_eq!(overlap(&[&a, &b], View::Normalized).in_all, 3);
    }

    #[test]
    fn counted_rows_from_a_database_mark_duplicates() {
        let mut k = KeyCollector::default();
        k.add(Some("a"), 3, &[]);
        k.add(Some("b"), 1, &[]);
        k.add(None, 2, &[]);
        k.finish();
        assert_eq!((k.distinct(), k.duplicates(), k.keyed, k.missing), (2, 1, 4, 2));
    }

    #[test]
    fn comparisons_use_sets_of_folded_values() {
        let mut l = ValueCollector::default();
        let mut r = ValueCollector::default();
        for (k, v) in [("1", "a@x.com"), ("2", "b@x.com"), ("2", "B@x.com "), ("3", "c@x.com"), ("4", "d")] {
            l.add(Some(k), Some(v), &[]);
        }
        for (k, v) in [("1", " A@X.COM"), ("2", "b@x.com"), ("3", "z@x.com"), ("5", "e"), ("4", " ")] {
            r.add(Some(k), Some(v), &[]);
        }
        l.finish();
        r.finish();
        let c = compare(&l, &r, 5);
        assert_eq!((c.compared, c.conflicting), (3, 1));
        assert_eq!(c.examples, vec![("3".into(), "c@x.com".into(), "z@x.com".into())]);
    }
}
