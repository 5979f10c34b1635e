//! Finding ids, typed: the rule that judged and the subject it judged. An id is built once from
//! both; its text (`staleness.max_age.tickets`, DESIGN §5 `id`) is only ever written, never
//! parsed back: who asks which entity a finding concerns asks the subject.

use std::fmt;

use serde::{Serialize, Serializer};

/// Every rule a finding can come from: the measure (the id's first part) and the rule's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A source with no rows at all.
    RowsEmpty,
    AccessReadable,
    AccessCredentials,
    AccessCanWrite,
    AccessPlaintext,
    AccessWorldWritable,
    AccessPii,
    FormatRaggedRows,
    FormatUnterminatedQuote,
    FormatDuplicateHeaders,
    FormatInvalidUtf8,
    /// What a file's structure showed (`preamble`, `header_rows`, …): the kind is the rule.
    FormatStructure(&'static str),
    MissingRequiredAbsent,
    MissingMaxMissingShare,
    MissingSuspectedPlaceholders,
    KeysKeyAbsent,
    KeysDuplicates,
    StalenessTimestampAbsent,
    StalenessMaxAge,
    StalenessMaxStaleShare,
    StalenessFutureRows,
    StalenessUnparseable,
    LabelsLabelAbsent,
    LabelsMinLabelCoverage,
    LabelsRareClasses,
    LabelsVariantLabels,
    /// Rows whose `label_inputs` agree and labels differ.
    LabelsConflicts,
    /// Rows identical to an earlier row in every column.
    DuplicateRecords,
    EntitiesMaxUnmatchedShare,
    EntitiesMaxDuplicateKeys,
    EntitiesMaxConflictShare,
    EntitiesKeyShapes,
    EntitiesUnmeasured,
    TrendHistory,
    TrendMaxRowChange,
    TrendMaxSchemaChanges,
    TrendMaxMissingShareRise,
    TrendMaxStaleShareRise,
    TrendMaxCoverageDrop,
    TrendMaxUnmatchedShareRise,
}

impl Rule {
    /// `(measure, rule)`, as the id spells them.
    pub fn parts(self) -> (&'static str, &'static str) {
        use Rule::*;
        match self {
            RowsEmpty => ("rows", "empty"),
            AccessReadable => ("access", "readable"),
            AccessCredentials => ("access", "credentials"),
            AccessCanWrite => ("access", "can_write"),
            AccessPlaintext => ("access", "plaintext"),
            AccessWorldWritable => ("access", "world_writable"),
            AccessPii => ("access", "pii"),
            FormatRaggedRows => ("format", "ragged_rows"),
            FormatUnterminatedQuote => ("format", "unterminated_quote"),
            FormatDuplicateHeaders => ("format", "duplicate_headers"),
            FormatInvalidUtf8 => ("format", "invalid_utf8"),
            FormatStructure(kind) => ("format", kind),
            MissingRequiredAbsent => ("missing", "required_absent"),
            MissingMaxMissingShare => ("missing", "max_missing_share"),
            MissingSuspectedPlaceholders => ("missing", "suspected_placeholders"),
            KeysKeyAbsent => ("keys", "key_absent"),
            KeysDuplicates => ("keys", "duplicates"),
            StalenessTimestampAbsent => ("staleness", "timestamp_absent"),
            StalenessMaxAge => ("staleness", "max_age"),
            StalenessMaxStaleShare => ("staleness", "max_stale_share"),
            StalenessFutureRows => ("staleness", "future_rows"),
            StalenessUnparseable => ("staleness", "unparseable"),
            LabelsLabelAbsent => ("labels", "label_absent"),
            LabelsMinLabelCoverage => ("labels", "min_label_coverage"),
            LabelsRareClasses => ("labels", "rare_classes"),
            LabelsVariantLabels => ("labels", "variant_labels"),
            LabelsConflicts => ("labels", "max_label_conflict_share"),
            DuplicateRecords => ("duplicate_records", "max_duplicate_records"),
            EntitiesMaxUnmatchedShare => ("entities", "max_unmatched_share"),
            EntitiesMaxDuplicateKeys => ("entities", "max_duplicate_keys"),
            EntitiesMaxConflictShare => ("entities", "max_conflict_share"),
            EntitiesKeyShapes => ("entities", "key_shapes"),
            EntitiesUnmeasured => ("entities", "unmeasured"),
            TrendHistory => ("trend", "history"),
            TrendMaxRowChange => ("trend", "max_row_change"),
            TrendMaxSchemaChanges => ("trend", "max_schema_changes"),
            TrendMaxMissingShareRise => ("trend", "max_missing_share_rise"),
            TrendMaxStaleShareRise => ("trend", "max_stale_share_rise"),
            TrendMaxCoverageDrop => ("trend", "max_coverage_drop"),
            TrendMaxUnmatchedShareRise => ("trend", "max_unmatched_share_rise"),
        }
    }

    pub fn measure(self) -> &'static str {
        self.parts().0
    }
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The scan as a whole (`trend.history`).
    Scan,
    Source(String),
    Column {
        source: String,
        column: String,
    },
    /// A source and a line, when a kind of finding recurs in one source.
    Line {
        source: String,
        line: u64,
    },
    Entity(String),
    /// One system of an entity.
    System {
        entity: String,
        system: String,
    },
    /// A `compare` pair of an entity: `(source, column)` on each side.
    Pair {
        entity: String,
        left: (String, String),
        right: (String, String),
    },
}

impl Subject {
    pub fn source(name: &str) -> Subject {
        Subject::Source(name.to_string())
    }

    pub fn column(source: &str, column: &str) -> Subject {
        Subject::Column { source: source.to_string(), column: column.to_string() }
    }

    pub fn system(entity: &str, system: &str) -> Subject {
        Subject::System { entity: entity.to_string(), system: system.to_string() }
    }

    /// The entity of an entity's subject.
    pub fn entity(&self) -> Option<&str> {
        match self {
            Subject::Entity(e) | Subject::System { entity: e, .. } | Subject::Pair { entity: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Scan => Ok(()),
            Subject::Source(s) | Subject::Entity(s) => write!(f, ".{s}"),
            Subject::Column { source, column } => write!(f, ".{source}.{column}"),
            Subject::Line { source, line } => write!(f, ".{source}.{line}"),
            Subject::System { entity, system } => write!(f, ".{entity}.{system}"),
            Subject::Pair { entity, left, right } => {
                write!(f, ".{entity}.{}.{}.{}.{}", left.0, left.1, right.0, right.1)
            }
        }
    }
}

/// A finding's id: `<measure>.<rule>[.<subject>…]`, kept with its text so renderers can borrow it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FindingId {
    pub rule: Rule,
    pub subject: Subject,
    text: String,
}

impl FindingId {
    pub fn new(rule: Rule, subject: Subject) -> FindingId {
        let (measure, name) = rule.parts();
        let text = format!("{measure}.{name}{subject}");
        FindingId { rule, subject, text }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The entity a finding of the `entities` measure concerns.
    pub fn entity(&self) -> Option<&str> {
        (self.rule.measure() == "entities").then(|| self.subject.entity()).flatten()
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::ops::Deref for FindingId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for FindingId {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for FindingId {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for FindingId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_spell_as_before() {
        let id = |r, s| FindingId::new(r, s).to_string();
        assert_eq!(id(Rule::TrendHistory, Subject::Scan), "trend.history");
        assert_eq!(id(Rule::StalenessMaxAge, Subject::source("tickets")), "staleness.max_age.tickets");
        assert_eq!(
            id(Rule::MissingMaxMissingShare, Subject::column("kb", "body")),
            "missing.max_missing_share.kb.body"
        );
        assert_eq!(
            id(Rule::FormatStructure("preamble"), Subject::Line { source: "t".into(), line: 7 }),
            "format.preamble.t.7"
        );
        let pair = Subject::Pair {
            entity: "customer".into(),
            left: ("tickets".into(), "customer_email".into()),
            right: ("crm".into(), "email".into()),
        };
        assert_eq!(
            id(Rule::EntitiesMaxConflictShare, pair),
            "entities.max_conflict_share.customer.tickets.customer_email.crm.email"
        );
        let unmatched = FindingId::new(Rule::EntitiesMaxUnmatchedShare, Subject::system("customer", "tickets"));
        assert_eq!(unmatched.entity(), Some("customer"));
        let trend = FindingId::new(Rule::TrendMaxUnmatchedShareRise, Subject::system("customer", "tickets"));
        assert_eq!(trend.entity(), None, "a trend finding is the trend's, not the entity's");
        assert_eq!(
            serde_json::to_value(&unmatched).unwrap_or_default(),
            "entities.max_unmatched_share.customer.tickets"
        );
    }
}
