//! Entities: one thing (a customer, a vendor, a document) spread over several systems. Plans
//! which key and value columns each source hands over while it is read, then measures key
//! overlap, duplicates, shapes and conflicts (DESIGN §3 "Fragmentation").

use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::measures::{ConflictExample, Conflicts, EntityReport, PerSystem, SourceReport, Status, share};
use crate::profile::{EntitySpec, Normalization, Profile};
use crate::stats::entity::{Measured, Suggestion};
use crate::stats::keys::{self, Code, KeyCollector, ValueCollector, View};
use crate::stats::{KeyGather, MAX_EXAMPLES, SourceAcc, ValueGather, clip};

/// What every source collects for the profile's entities, and where each entity finds it.
#[derive(Debug, Default)]
pub struct Plan {
    /// Per source, in profile order.
    pub keys: Vec<Vec<KeyGather>>,
    pub values: Vec<Vec<ValueGather>>,
    pub entities: Vec<EntityPlan>,
}

/// A source's index and the index of one of its collectors.
pub type Slot = (usize, usize);

#[derive(Debug, Clone)]
pub struct EntityPlan {
    /// Per system: the source's index and the index of its collector; `None` for a system
    /// naming a source the profile lacks (the profile check refuses that before a scan).
    pub systems: Vec<Option<Slot>>,
    /// Per `compare` pair: each side's source and collector.
    pub pairs: Vec<Option<(Slot, Slot)>>,
    /// Every system lives in one database that joins them itself (`Source::joins_entity`).
    pub in_database: bool,
}

/// Decides what each source collects. Entities whose systems all live in one database that
/// joins them itself (`in_database`, a capability of the source) ask nothing of their sources.
pub fn plan(profile: &Profile, in_database: impl Fn(&EntitySpec) -> bool) -> Plan {
    let n = profile.sources.len();
    let mut p = Plan { keys: vec![Vec::new(); n], values: vec![Vec::new(); n], entities: Vec::new() };
    let index = |name: &str| profile.sources.iter().position(|s| s.name == name);
    for e in &profile.entities {
        let chain: Arc<[Normalization]> = e.normalize.clone().into();
        let in_database = in_database(e);
        let mut systems = Vec::new();
        for (source, column) in &e.keys {
            systems.push(index(source).filter(|_| !in_database).map(|i| {
                p.keys[i].push(KeyGather {
                    column: column.clone(),
                    normalize: Arc::clone(&chain),
                    raw_full: Arc::default(),
                });
                (i, p.keys[i].len() - 1)
            }));
        }
        let mut pairs = Vec::new();
        for ((ls, lc), (rs, rc)) in &e.compare {
            let mut side = |source: &str, column: &str| {
                let key = e.keys.iter().find(|(s, _)| s == source)?.1.clone();
                let i = index(source)?;
                p.values[i].push(ValueGather { key, value: column.to_string(), normalize: Arc::clone(&chain) });
                Some((i, p.values[i].len() - 1))
            };
            pairs.push(if in_database { None } else { side(ls, lc).zip(side(rs, rc)) });
        }
        p.entities.push(EntityPlan { systems, pairs, in_database });
    }
    p
}

/// What one source handed over for the entities: its finished collectors (empty when the
/// source failed).
#[derive(Debug, Default)]
pub struct Collected {
    pub keys: Vec<KeyCollector>,
    pub values: Vec<ValueCollector>,
}

impl Collected {
    /// Takes the source's collectors, finished: merged batches wait in bucket tails until then.
    pub fn take(acc: &mut SourceAcc) -> Collected {
        let mut c =
            Collected { keys: std::mem::take(&mut acc.entity_keys), values: std::mem::take(&mut acc.entity_values) };
        for k in &mut c.keys {
            k.finish();
        }
        for v in &mut c.values {
            v.finish();
        }
        c
    }
}

/// Why an entity cannot be measured: a system's source failed, or lacks the key column.
pub fn unreadable(spec: &EntitySpec, sources: &[&SourceReport]) -> Option<String> {
    let mut why = Vec::new();
    for (source, column) in &spec.keys {
        match sources.iter().find(|s| &s.name == source) {
            None => why.push(format!("source `{source}` is not declared")),
            Some(r) if r.status != Status::Ok => why.push(format!("source `{source}` could not be read")),
            Some(r) if !r.columns.iter().any(|c| &c.name == column) => {
                why.push(format!("key column `{column}` is not in source `{source}`"))
            }
            Some(_) => {}
        }
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// Measures an entity from the key sets its systems' sources collected.
pub fn measure_streamed(spec: &EntitySpec, plan: &EntityPlan, got: &[Collected]) -> Measured {
    let empty = KeyCollector::default();
    let sets: Vec<&KeyCollector> =
        plan.systems.iter().map(|s| s.and_then(|(i, k)| got.get(i)?.keys.get(k)).unwrap_or(&empty)).collect();
    let (normalized, examples) = keys::overlap_with_examples(&sets, MAX_EXAMPLES);
    let raw = keys::overlap(&sets, View::Raw);
    let mut m = Measured {
        distinct: normalized.distinct.clone(),
        missing: sets.iter().map(|s| s.missing).collect(),
        duplicates: sets.iter().map(|s| s.duplicates()).collect(),
        unmatched: normalized.unmatched.clone(),
        in_all: normalized.in_all,
        union: normalized.union,
        matched_raw: raw.in_all,
        shapes: sets.iter().map(|s| ranked_shapes(s)).collect(),
        keyed: sets.iter().map(|s| s.keyed).collect(),
        fetched: sets.iter().map(|s| s.fetched).collect(),
        ..Measured::default()
    };
    m.unmatched_examples = sets.iter().zip(&examples).map(|(s, codes)| key_texts(s, codes, &spec.normalize)).collect();
    m.duplicate_examples = sets.iter().map(|s| duplicate_texts(s, &spec.normalize)).collect();
    m.conflicts = plan
        .pairs
        .iter()
        .map(|p| {
            let ((li, lv), (ri, rv)) = (*p)?;
            let l = got.get(li)?.values.get(lv)?;
            let r = got.get(ri)?.values.get(rv)?;
            Some(keys::compare(l, r, MAX_EXAMPLES))
        })
        .collect();
    if m.shapes_differ() {
        m.suggestion = suggest(&sets, m.in_all, &spec.normalize);
    }
    m
}

/// Shapes by rows, most frequent first, ties by shape.
fn ranked_shapes(k: &KeyCollector) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = k.shapes.iter().map(|(s, n)| (s.clone(), *n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The shapes a report lists: the most frequent, then others covering at least 5% of rows,
/// three at most.
pub fn listed_shapes(ranked: &[(String, u64)], keyed: u64) -> Vec<String> {
    ranked
        .iter()
        .enumerate()
        .take_while(|(i, (_, n))| *i == 0 || n.saturating_mul(20) >= keyed)
        .take(3)
        .map(|(_, (s, _))| s.clone())
        .collect()
}

/// Normalized keys as text: a short code is its key; a longer one is found among the raw
/// keys kept (when the system had few enough to keep).
fn key_texts(k: &KeyCollector, codes: &[Code], chain: &[Normalization]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &c in codes {
        let text = keys::decode(c).or_else(|| {
            k.raw
                .as_ref()?
                .iter()
                .map(|r| keys::normalize(chain, r))
                .find(|n| keys::code(n.as_bytes()) == c)
                .map(|n| n.into_owned())
        });
        if let Some(t) = text {
            out.push(clip(&t));
        }
    }
    out.sort();
    out
}

/// Up to 5 duplicated normalized keys, smallest first, from the raw keys kept.
fn duplicate_texts(k: &KeyCollector, chain: &[Normalization]) -> Vec<String> {
    if k.duplicates() == 0 {
        return Vec::new();
    }
    let Some(raw) = &k.raw else { return Vec::new() };
    let mut found: Vec<String> = raw
        .iter()
        .map(|r| keys::normalize(chain, r).into_owned())
        .filter(|n| k.is_duplicate(keys::code(n.as_bytes())))
        .collect();
    found.sort();
    found.dedup();
    found.truncate(MAX_EXAMPLES);
    found.iter().map(|s| clip(s)).collect()
}

/// Normalization chains worth trying when shapes differ, built from what the keys look like.
fn candidates(sets: &[&KeyCollector]) -> Vec<Vec<Normalization>> {
    use Normalization::*;
    let mut prefixes: Vec<String> = Vec::new();
    for s in sets {
        let Some(raw) = &s.raw else { continue };
        let mut counts: rustc_hash::FxHashMap<&str, u64> = rustc_hash::FxHashMap::default();
        for r in raw {
            let t = r.trim();
            let end = t.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            if end > 0 && end <= 12 && t.is_char_boundary(end) {
                *counts.entry(&t[..end]).or_default() += 1;
            }
        }
        if let Some((p, n)) = counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            && n * 2 >= raw.len() as u64
            && !prefixes.iter().any(|q| q.eq_ignore_ascii_case(p))
        {
            prefixes.push(p.to_string());
        }
    }
    let mut out = vec![vec![Trim], vec![Trim, Lowercase]];
    for p in &prefixes {
        out.push(vec![Trim, StripPrefix(p.clone())]);
        out.push(vec![Trim, StripPrefix(p.clone()), StripLeadingZeros]);
    }
    out.push(vec![Trim, StripLeadingZeros]);
    out.push(vec![Trim, DigitsOnly, StripLeadingZeros]);
    out.push(vec![Trim, Lowercase, CollapseWhitespace]);
    out
}

/// The chain that would put the most keys in every system, if it beats the profile's own:
/// tried exactly, on every key, when every system kept its raw keys (`keys::RAW_KEEP`).
fn suggest(sets: &[&KeyCollector], current: u64, configured: &[Normalization]) -> Option<Suggestion> {
    let raws: Vec<&rustc_hash::FxHashSet<Box<str>>> = sets.iter().map(|s| s.raw.as_ref()).collect::<Option<_>>()?;
    let mut best: Option<(u64, Vec<Normalization>)> = None;
    for chain in candidates(sets) {
        if chain == configured {
            continue;
        }
        let normalized: Vec<FxHashSet<String>> = raws
            .iter()
            .map(|r| r.iter().map(|k| keys::normalize(&chain, k).into_owned()).filter(|k| !k.is_empty()).collect())
            .collect();
        let (first, rest) = normalized.split_first()?;
        let matched = first.iter().filter(|k| rest.iter().all(|o| o.contains(*k))).count() as u64;
        if matched > current && best.as_ref().is_none_or(|(m, _)| matched > *m) {
            best = Some((matched, chain));
        }
    }
    best.map(|(matched, chain)| Suggestion { normalize: chain.iter().map(keys::spelling).collect(), matched })
}

/// The report of a measured entity.
pub fn report(spec: &EntitySpec, m: &Measured, computed_in: &'static str, got: &[&SourceReport]) -> EntityReport {
    let systems: Vec<String> = spec.keys.iter().map(|(s, _)| s.clone()).collect();
    let per = |v: &[u64]| PerSystem(systems.iter().cloned().zip(v.iter().copied()).collect());
    let conflicts = spec
        .compare
        .iter()
        .zip(&m.conflicts)
        .filter_map(|(((ls, lc), (rs, rc)), c)| {
            let c = c.as_ref()?;
            let mask = |source: &str, column: &str, v: &str| {
                got.iter().find(|r| r.name == source).map_or_else(|| clip(v), |r| r.shown(column, v))
            };
            Some(Conflicts {
                left: format!("{ls}.{lc}"),
                right: format!("{rs}.{rc}"),
                compared: c.compared,
                conflicting: c.conflicting,
                share: share(c.conflicting, c.compared),
                examples: c
                    .examples
                    .iter()
                    .map(|(k, l, r)| ConflictExample { key: clip(k), left: mask(ls, lc, l), right: mask(rs, rc, r) })
                    .collect(),
            })
        })
        .collect();
    EntityReport {
        name: spec.name.clone(),
        systems: systems.clone(),
        keys: PerSystem(spec.keys.clone()),
        status: Status::Ok,
        error: None,
        computed_in,
        normalize: spec.normalize.iter().map(keys::spelling).collect(),
        distinct_keys: per(&m.distinct),
        missing_keys: per(&m.missing),
        in_all: m.in_all,
        union: m.union,
        unmatched: per(&m.unmatched),
        unmatched_share: PerSystem(
            systems.iter().cloned().zip(m.unmatched.iter().zip(&m.distinct).map(|(u, d)| share(*u, *d))).collect(),
        ),
        duplicates: per(&m.duplicates),
        fragmentation: if m.union == 0 { 0.0 } else { share(m.union - m.in_all, m.union) },
        shapes: PerSystem(
            systems.iter().cloned().zip(m.shapes.iter().zip(&m.keyed).map(|(s, k)| listed_shapes(s, *k))).collect(),
        ),
        shapes_differ: m.shapes_differ(),
        matched_raw: m.matched_raw,
        matched_normalized: m.in_all,
        recovered: m.in_all as i64 - m.matched_raw as i64,
        suggestion: m.suggestion.clone(),
        keys_fetched: per(&m.fetched),
        conflicts,
    }
}

#[cfg(test)]
mod rule_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_shapes_keep_the_frequent_ones() {
        let ranked = vec![("A-9".to_string(), 90), ("9".to_string(), 6), ("AA".to_string(), 4)];
        assert_eq!(listed_shapes(&ranked, 100), vec!["A-9", "9"]);
        assert_eq!(listed_shapes(&ranked[2..], 100), vec!["AA"], "the first is always listed");
    }

    #[test]
    fn a_prefix_and_zeros_are_suggested_when_shapes_differ() {
        let mut a = KeyCollector::default();
        let mut b = KeyCollector::default();
        for i in 1..=50 {
            a.add(Some(&format!("C-{i:06}")), 1, &[]);
            b.add(Some(&i.to_string()), 1, &[]);
        }
        a.finish();
        b.finish();
        let s = suggest(&[&a, &b], 0, &[]).expect("a suggestion");
        assert_eq!(s.normalize, vec!["trim", "strip_prefix:C-", "strip_leading_zeros"]);
        assert_eq!(s.matched, 50);
    }
}
