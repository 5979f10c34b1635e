//! The measures' documentation, as `preflight explain MEASURE` prints it: one Markdown file per
//! measure, kept beside the module that computes it (`measures/*.md`, `history/trend.md`) and
//! compiled in, each with the fixed sections STYLE.md names (`## What it measures`, `## Why it
//! matters`, `## How it is computed`, `## Profile keys`, `## Example`). This module only lists
//! the topics and looks them up: printing is the command line's job.

use std::sync::LazyLock;

use crate::measures::{ADDED, Measure};
use crate::verdict::Check;

/// One measure's documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Topic {
    /// The measure's snake_case name: the topic `preflight explain` takes.
    pub name: &'static str,
    /// One line for the list `preflight explain` prints without an argument.
    pub summary: &'static str,
    /// Other words that lead here: a finding id's first part, a checklist part, a profile key.
    pub aliases: &'static [&'static str],
    /// The documentation, Markdown with the fixed sections.
    pub doc: &'static str,
}

/// The sections every topic has, in this order.
pub const SECTIONS: [&str; 5] =
    ["## What it measures", "## Why it matters", "## How it is computed", "## Profile keys", "## Example"];

/// The measures with a topic of their own here, in the order of the checklist row.
const FIXED: &[Topic] = &[
    Topic {
        name: "missing_fields",
        summary: "nulls, blanks and placeholders per column; complete rows (clean)",
        aliases: &["missing", "clean", "format", "max_missing_share", "placeholders", "required", "complete_rows"],
        doc: crate::measures::missing::EXPLAIN,
    },
    Topic {
        name: "keys",
        summary: "duplicate key values (clean)",
        aliases: &["key", "duplicates", "max_duplicate_keys", "unique"],
        doc: crate::measures::keys::EXPLAIN,
    },
    Topic {
        name: "access",
        summary: "reachable, readable, who may write, credentials (permissioned)",
        aliases: &[
            "permissioned",
            "credentials",
            "world_writable",
            "password_env",
            "password_command",
            "tls",
            "plaintext",
        ],
        doc: crate::measures::access::EXPLAIN,
    },
    Topic {
        name: "pii",
        summary: "columns holding personal data, and whether the profile lists them (permissioned)",
        aliases: &["personal_data"],
        doc: crate::measures::access::EXPLAIN_PII,
    },
    Topic {
        name: "staleness",
        summary: "age of the newest record, stale, future and unparseable rows (current)",
        aliases: &["current", "max_age", "stale_after", "max_stale_share", "timestamp", "stale"],
        doc: crate::measures::staleness::EXPLAIN,
    },
    Topic {
        name: "label_coverage",
        summary: "labeled rows, classes, rare classes and variant labels (labeled)",
        aliases: &["labels", "labeled", "label", "min_label_coverage", "min_class_examples"],
        doc: crate::measures::labels::EXPLAIN,
    },
    Topic {
        name: "fragmentation",
        summary: "one entity across systems: key overlap, shapes, conflicts (connected)",
        aliases: &["connected", "entities", "entity", "key_overlap", "max_unmatched_share"],
        doc: crate::measures::entities::EXPLAIN,
    },
    Topic {
        name: "trend",
        summary: "this scan against earlier scans kept by `scan --history` (trend)",
        aliases: &[
            "history",
            "min_history",
            "baseline_scans",
            "max_row_change",
            "max_schema_changes",
            "schema_drift",
            "max_missing_share_rise",
            "max_stale_share_rise",
            "max_coverage_drop",
            "max_unmatched_share_rise",
        ],
        doc: crate::history::trend::EXPLAIN,
    },
    Topic {
        name: "ready_rows",
        summary: "the headline: rows complete, labeled and not stale",
        aliases: &["ready", "ready_share", "rows"],
        doc: crate::measures::EXPLAIN_READY_ROWS,
    },
];

/// Every measure, in the order of the checklist row: the fixed topics, each measure of
/// `measures::ADDED` after the last fixed topic of its checklist part.
pub fn topics() -> &'static [Topic] {
    static ALL: LazyLock<Vec<Topic>> = LazyLock::new(|| {
        let of =
            |m: &&dyn Measure| Topic { name: m.topic(), summary: m.summary(), aliases: m.aliases(), doc: m.explain() };
        let added = |c: Option<Check>| ADDED.iter().filter(move |m| Some(m.check()) == c).map(of);
        let mut out = Vec::new();
        let mut part = None;
        for t in FIXED {
            if let Some(c) = opens(t) {
                out.extend(added(part));
                part = Some(c);
            }
            out.push(*t);
        }
        out.extend(added(part));
        out
    });
    &ALL
}

/// The part of the checklist a fixed topic opens: the one it names (`missing_fields` is
/// `clean`). Every part has one, so every registered measure finds its place.
fn opens(t: &Topic) -> Option<Check> {
    Check::ALL.into_iter().chain([Check::Trend]).find(|c| t.name == c.as_str() || t.aliases.contains(&c.as_str()))
}

/// The topic for a measure name, an alias, or a finding id (`staleness.max_age.tickets`):
/// case and `-` versus `_` do not matter.
pub fn topic(word: &str) -> Option<&'static Topic> {
    let w = word.trim().to_lowercase().replace('-', "_");
    let find = |w: &str| topics().iter().find(|t| t.name == w || t.aliases.contains(&w));
    // In a finding id the second part is the more specific (`access.pii.…` is about `pii`).
    let mut parts = w.split('.');
    let (head, second) = (parts.next().unwrap_or_default(), parts.next());
    find(&w).or_else(|| second.and_then(find)).or_else(|| if second.is_some() { find(head) } else { None })
}

/// Every word `topic` accepts, for a "did you mean" hint.
pub fn words() -> impl Iterator<Item = &'static str> {
    topics().iter().flat_map(|t| std::iter::once(t.name).chain(t.aliases.iter().copied()))
}

/// The list `preflight explain` prints without an argument.
pub fn list() -> String {
    let width = topics().iter().map(|t| t.name.len()).max().unwrap_or(0);
    let mut out = String::from("Measures (`preflight explain MEASURE` for one):\n\n");
    for t in topics() {
        out.push_str(&format!("  {:<width$}  {}\n", t.name, t.summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_has_the_fixed_sections_in_order() {
        for t in topics() {
            assert!(t.doc.starts_with(&format!("# {}\n", t.name)), "{}", t.name);
            let mut at = 0;
            for s in SECTIONS {
                let found = t.doc.get(at..).and_then(|rest| rest.find(&format!("\n{s}\n")));
                let Some(i) = found else { panic!("{}: `{s}` missing or out of order", t.name) };
                at += i + 1;
            }
            assert_eq!(t.doc.matches("\n## ").count(), SECTIONS.len(), "{}: only the fixed sections", t.name);
            // No section is empty.
            for part in t.doc.split("\n## ").skip(1) {
                assert!(part.lines().skip(1).any(|l| !l.trim().is_empty()), "{}: empty section", t.name);
            }
        }
    }

    #[test]
    fn names_aliases_and_finding_ids_lead_to_a_topic() {
        assert_eq!(topic("staleness").map(|t| t.name), Some("staleness"));
        assert_eq!(topic("Label-Coverage").map(|t| t.name), Some("label_coverage"));
        assert_eq!(topic("labels.rare_classes.tickets").map(|t| t.name), Some("label_coverage"));
        assert_eq!(topic("missing.max_missing_share.tickets.body").map(|t| t.name), Some("missing_fields"));
        assert_eq!(topic("access.pii.tickets.customer_email").map(|t| t.name), Some("pii"));
        assert_eq!(topic("access.world_writable.kb").map(|t| t.name), Some("access"));
        assert_eq!(topic("access.plaintext.crm").map(|t| t.name), Some("access"));
        assert_eq!(topic("keys.duplicates.tickets").map(|t| t.name), Some("keys"));
        assert_eq!(topic("max_age").map(|t| t.name), Some("staleness"));
        assert_eq!(topic("connected").map(|t| t.name), Some("fragmentation"));
        assert_eq!(topic("trend.max_row_change.tickets").map(|t| t.name), Some("trend"));
        assert_eq!(topic("trend.max_missing_share_rise.tickets.body").map(|t| t.name), Some("trend"));
        assert_eq!(topic("trend.history").map(|t| t.name), Some("trend"));
        for m in ADDED {
            let id = crate::verdict::FindingId::new(m.rule(), crate::verdict::Subject::source("tickets"));
            assert_eq!(topic(&id.to_string()).map(|t| t.name), Some(m.topic()), "{id}");
        }
        assert_eq!(topic("stalenes"), None);
    }

    #[test]
    fn a_registered_measure_is_listed_at_the_end_of_its_part_of_the_checklist() {
        let all = topics();
        assert_eq!(all.len(), FIXED.len() + ADDED.len());
        let fixed = |t: &&Topic| FIXED.iter().any(|f| f.name == t.name);
        for m in ADDED {
            let at = all.iter().position(|t| t.name == m.topic()).unwrap_or(usize::MAX);
            let (before, after) = all.split_at(at);
            let part = before.iter().rev().filter(fixed).find_map(opens);
            assert_eq!(part, Some(m.check()), "{} is listed under another part", m.topic());
            let next = after.iter().find(fixed);
            assert!(next.is_none_or(|t| opens(t).is_some()), "{} is listed inside its part", m.topic());
        }
    }

    #[test]
    fn every_word_is_unique() {
        let mut all: Vec<&str> = words().collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a word leads to two topics");
    }

    #[test]
    fn the_list_names_every_measure() {
        let l = list();
        assert!(topics().iter().all(|t| l.contains(t.name)));
    }
}
