//! What a source is asked to collect: the profile's columns and placeholders resolved at the
//! scan's as-of time, and the key and value columns entities need.

use std::sync::Arc;

use crate::profile::{Normalization, SourceSpec};

/// What the profile asks a source to collect, resolved to micros at the scan's as-of time.
#[derive(Clone, Debug)]
pub struct StatsRequest {
    pub required: Vec<String>,
    pub timestamp: Option<String>,
    pub label: Option<String>,
    /// The columns a model reads to predict the label: rows are grouped by them for conflicts.
    pub label_inputs: Vec<String>,
    pub key: Option<String>,
    /// Trimmed and lower-cased for the case-insensitive comparison.
    pub placeholders: Vec<String>,
    pub as_of: i64,
    /// Rows whose timestamp is before this are stale.
    pub stale_before: i64,
    /// Key columns to collect for entities (DESIGN §3 "Fragmentation").
    pub entity_keys: Vec<KeyGather>,
    /// Key and value columns to collect for entities' `compare` pairs.
    pub entity_values: Vec<ValueGather>,
    /// The only columns to read and measure (a source's `columns`, with every column the
    /// profile names); `None` for all of them.
    pub only: Option<Vec<String>>,
}

impl StatsRequest {
    /// What a source's spec asks its reader for (entities add their key columns: see
    /// `entity::plan`).
    pub fn new(spec: &SourceSpec, as_of: i64) -> StatsRequest {
        StatsRequest {
            required: spec.required.iter().map(|r| r.name.clone()).collect(),
            timestamp: spec.timestamp.as_ref().map(|n| n.name.clone()),
            label: spec.label.as_ref().map(|n| n.name.clone()),
            label_inputs: spec.label_inputs.iter().map(|n| n.name.clone()).collect(),
            key: spec.key.as_ref().map(|n| n.name.clone()),
            placeholders: spec.thresholds.placeholders.iter().map(|p| p.trim().to_lowercase()).collect(),
            as_of,
            stale_before: as_of.saturating_sub(spec.thresholds.stale_after.saturating_mul(1_000_000)),
            // `columns` narrows a scan, never below what the profile names for the source.
            // (`named_columns` includes the `columns` list itself.)
            only: spec.columns.as_ref().map(|_| {
                let mut only = Vec::new();
                add_columns(&mut only, spec.named_columns().into_iter().map(|(_, n)| &n.name));
                only
            }),
            entity_keys: Vec::new(),
            entity_values: Vec::new(),
        }
    }

    /// Whether column `name` is read at all.
    pub fn wants(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.iter().any(|c| c == name))
    }
}

/// Adds each column not yet in `only`, in order.
pub fn add_columns<'a>(only: &mut Vec<String>, names: impl IntoIterator<Item = &'a String>) {
    for n in names {
        if !only.contains(n) {
            only.push(n.clone());
        }
    }
}

/// One system's keys of one entity: which column, normalized how.
#[derive(Clone, Debug)]
pub struct KeyGather {
    pub column: String,
    pub normalize: Arc<[Normalization]>,
    /// Set once the source's collector has too many distinct raw keys to keep them as text:
    /// batches then stop keeping theirs, which only the source's would have used.
    pub raw_full: Arc<std::sync::atomic::AtomicBool>,
}

/// One side of an entity's `compare` pair: each row's (normalized) key and its value.
#[derive(Clone, Debug)]
pub struct ValueGather {
    pub key: String,
    pub value: String,
    pub normalize: Arc<[Normalization]>,
}

impl StatsRequest {
    pub fn is_placeholder(&self, trimmed: &str) -> bool {
        // Placeholders are short words; long values skip the comparison entirely.
        if trimmed.len() > 32 {
            return false;
        }
        if trimmed.is_ascii() {
            self.placeholders.iter().any(|p| p.eq_ignore_ascii_case(trimmed))
        } else {
            let lower = trimmed.to_lowercase();
            self.placeholders.contains(&lower)
        }
    }
}
