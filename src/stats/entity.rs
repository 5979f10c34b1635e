//! The counts of one entity across its systems, whichever way they were computed: from the
//! key sets streamed into `keys` collectors, or by a database that joined the systems itself.

use serde::Serialize;

use super::keys::Comparison;

/// The counts of one entity, however they were computed (here from streamed key sets, or by
/// a database): `EntityReport` is filled from these.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    pub distinct: Vec<u64>,
    pub missing: Vec<u64>,
    pub duplicates: Vec<u64>,
    pub unmatched: Vec<u64>,
    pub in_all: u64,
    pub union: u64,
    pub matched_raw: u64,
    /// Per system: `(shape, rows)`, most frequent first.
    pub shapes: Vec<Vec<(String, u64)>>,
    pub keyed: Vec<u64>,
    pub fetched: Vec<u64>,
    pub conflicts: Vec<Option<Comparison>>,
    pub suggestion: Option<Suggestion>,
    /// Up to 5 unmatched and duplicated keys per system, as text.
    pub unmatched_examples: Vec<Vec<String>>,
    pub duplicate_examples: Vec<Vec<String>>,
}

/// A normalization that would match more keys than the profile's, tried on every key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub normalize: Vec<String>,
    /// Keys in every system under it (`matched_normalized` is the same count under the
    /// profile's own normalization).
    pub matched: u64,
}

impl Measured {
    /// The systems' most frequent shapes differ in kind: compared with each run of letters or
    /// digits collapsed, so `C1` and `C10` are alike while `C-000123` and `123` are not.
    pub fn shapes_differ(&self) -> bool {
        let mut firsts = self.shapes.iter().filter_map(|s| s.first()).map(|s| shape_class(&s.0));
        let Some(first) = firsts.next() else { return false };
        firsts.any(|s| s != first)
    }
}

/// A shape with each run of `A` or `9` collapsed to one character.
pub fn shape_class(shape: &str) -> String {
    let mut out = String::with_capacity(shape.len());
    for c in shape.chars() {
        if !(matches!(c, 'A' | '9') && out.ends_with(c)) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_classes_ignore_run_lengths() {
        assert_eq!(shape_class("A99"), shape_class("A9"));
        assert_eq!(shape_class("AAAA.AAA@AAAAAAA.AAA"), "A.A@A.A");
        assert_ne!(shape_class("A-999999"), shape_class("9999"));
    }
}
