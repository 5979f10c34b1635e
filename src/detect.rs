//! Guesses a source's timestamp, label and key columns, and the columns worth requiring, from a
//! first collection pass made with an empty request: for `preflight profile` and `preflight init`.
//!
//! `facts` reduces a `SourceAcc` to a few numbers per column; everything else here is a pure
//! function of those facts, so each guess is unit-tested from hand-built columns. Every guess
//! carries the one-line reason the CLI prints beside it.

use crate::stats::timestamp::parse_timestamp;
use crate::stats::{PiiKind, SourceAcc};

/// Values sampled per column to tell timestamps and free text apart.
const SAMPLE: usize = 256;

/// A text column counts as timestamps when at least this share of its sampled values parse.
pub const MIN_TIMESTAMP_SHARE: f64 = 0.8;

/// A key candidate has at least this many distinct values per present value.
pub const MIN_KEY_UNIQUENESS: f64 = 0.95;

/// A key or label candidate is present in at least this share of rows.
pub const MIN_KEY_PRESENT: f64 = 0.9;
pub const MIN_LABEL_PRESENT: f64 = 0.5;

/// Labels have between these many distinct values.
pub const LABEL_CLASSES: std::ops::RangeInclusive<u64> = 2..=50;

/// `init` requires the key, label and text columns present in at least this share of rows.
pub const MIN_REQUIRED_PRESENT: f64 = 0.95;

/// What the detection reads about one column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnFacts {
    pub name: String,
    /// As `SourceAcc::column_type` names it: `string`, `integer`, `timestamp`, `date`, …
    pub ty: String,
    pub rows: u64,
    /// Values that are neither null, blank nor a placeholder.
    pub present: u64,
    /// Distinct present values (estimated on large columns).
    pub distinct: Option<u64>,
    /// Share of sampled values that parse as timestamps.
    pub timestamp_share: f64,
    /// Share of present values that look like personal data of one kind (emails, phones, …).
    pub pii_share: f64,
    /// Share of sampled values that read like free text: with inner whitespace, or long.
    pub free_text_share: f64,
}

impl ColumnFacts {
    fn present_share(&self) -> f64 {
        if self.rows == 0 { 0.0 } else { self.present as f64 / self.rows as f64 }
    }

    fn uniqueness(&self) -> f64 {
        match self.distinct {
            Some(d) if self.present > 0 => d as f64 / self.present as f64,
            _ => 0.0,
        }
    }

    fn is_typed_time(&self) -> bool {
        matches!(self.ty.as_str(), "timestamp" | "date")
    }
}

/// One chosen column and why it was chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub column: String,
    pub reason: String,
}

/// Everything detected for one source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detection {
    pub timestamp: Option<Choice>,
    pub label: Option<Choice>,
    pub key: Option<Choice>,
    /// Columns a starter profile requires, in source order.
    pub required: Vec<String>,
    /// Why nothing was chosen for a role, or what else was considered.
    pub notes: Vec<String>,
}

/// Reads the facts detection needs from a source's first-pass stats.
pub fn facts(acc: &SourceAcc) -> Vec<ColumnFacts> {
    (0..acc.columns.len())
        .map(|i| {
            let name = acc.columns.get(i).cloned().unwrap_or_default();
            let (present, pii) = acc.cols.get(i).map_or((0, 0), |c| {
                // The dominant kind: a column of emails, not a column that mentions one.
                let pii = PiiKind::ALL.iter().filter_map(|k| c.pii.get(*k as usize)).copied().max().unwrap_or(0);
                (c.present, pii)
            });
            let mut sample = acc.top_values(i, SAMPLE);
            if sample.is_empty() {
                // A database sends aggregates, not values: its min and max stand in for a sample.
                if let Some((min, max)) = acc.min_max(i) {
                    sample = vec![(min, 1), (max, 1)];
                }
            }
            let total: u64 = sample.iter().map(|(_, n)| n).sum();
            let share_of = |f: &dyn Fn(&str) -> bool| {
                if total == 0 {
                    0.0
                } else {
                    sample.iter().filter(|(v, _)| f(v)).map(|(_, n)| n).sum::<u64>() as f64 / total as f64
                }
            };
            ColumnFacts {
                name,
                ty: acc.column_type(i).to_string(),
                rows: acc.rows,
                present,
                distinct: acc.distinct(i).map(|(d, _)| d),
                timestamp_share: share_of(&|v| parse_timestamp(v.trim()).is_some()),
                pii_share: if present == 0 { 0.0 } else { pii as f64 / present as f64 },
                free_text_share: share_of(&is_free_text),
            }
        })
        .collect()
}

fn is_free_text(v: &str) -> bool {
    let t = v.trim();
    t.chars().count() > 64 || t.contains(char::is_whitespace)
}

/// Detects the timestamp, then the key, then the label (which may be neither), then the
/// columns to require.
pub fn detect(cols: &[ColumnFacts]) -> Detection {
    let mut d = Detection { timestamp: timestamp(cols), ..Detection::default() };
    let ts = d.timestamp.as_ref().map(|c| c.column.clone());
    d.key = key(cols, ts.as_deref());
    let taken: Vec<&str> = [&d.timestamp, &d.key].into_iter().flatten().map(|c| c.column.as_str()).collect();
    d.label = label(cols, &taken);
    for (role, choice) in [("timestamp", &d.timestamp), ("label", &d.label), ("key", &d.key)] {
        if choice.is_none() {
            d.notes.push(missing_note(role, cols));
        }
    }
    d.required = required(cols, d.key.as_ref(), d.label.as_ref(), ts.as_deref());
    d.notes.extend(mostly_empty(cols));
    d
}

/// A column missing in at least this share of rows is pointed out as a thing to decide on.
pub const MOSTLY_EMPTY: f64 = 0.5;

/// Mostly-empty columns, worst first: nothing else in a starter profile would mention them,
/// since they are not required, and a scan's headline alone would not say they are empty.
/// See: issue 18 (a `speed` column 99.3% `NA` behind "nothing missing").
fn mostly_empty(cols: &[ColumnFacts]) -> Vec<String> {
    let mut empty: Vec<(&ColumnFacts, f64)> = cols
        .iter()
        .filter(|c| c.rows > 0)
        .map(|c| (c, 1.0 - c.present_share()))
        .filter(|(_, missing)| *missing >= MOSTLY_EMPTY)
        .collect();
    empty.sort_by(|a, b| b.1.total_cmp(&a.1));
    empty
        .into_iter()
        .map(|(c, missing)| {
            format!(
                "mostly empty: `{}` is {:.1}% missing (null, blank or placeholder); decide whether the pilot \
                 needs it: require it to be filled, or leave it out with `columns`",
                c.name,
                missing * 100.0
            )
        })
        .collect()
}

fn missing_note(role: &str, cols: &[ColumnFacts]) -> String {
    match role {
        "timestamp" => "no timestamp: no column is timestamp-typed or mostly parses as timestamps".into(),
        "key" => "no key: no column with an id-like name (`id`, `*_id`, `key`, `uuid`) is unique".into(),
        _ => {
            let candidates: Vec<String> =
                cols.iter().filter(|c| label_shape(c)).map(|c| format!("`{}`", c.name)).collect();
            if candidates.is_empty() {
                "no label: no low-cardinality text column".into()
            } else {
                format!(
                    "no label: no low-cardinality text column has a label-like name (candidates: {})",
                    candidates.join(", ")
                )
            }
        }
    }
}

/// Lower-cased words of a column name: `updatedAt` and `updated_at` are both `updated`, `at`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// How strongly a name suggests the time a row last changed, and what it suggests.
fn timestamp_name(name: &str) -> (u8, &'static str) {
    let w = words(name);
    let has = |xs: &[&str]| w.iter().any(|x| xs.contains(&x.as_str()));
    if has(&["updated", "update", "modified", "modify", "changed", "mtime", "edited", "refreshed", "synced", "seen"])
        || w.first().is_some_and(|x| x == "last")
        || name.eq_ignore_ascii_case("lastmod")
    {
        (4, "the name suggests the last update")
    } else if has(&["timestamp", "ts", "datetime", "time", "occurred", "event"]) {
        (3, "the name suggests a timestamp")
    } else if has(&["created", "create", "inserted", "opened", "added", "published"]) {
        (1, "the name suggests creation time (no update-like column)")
    } else if has(&["at", "on", "date", "day"]) {
        (2, "the name suggests a date")
    } else {
        (0, "no time-like name")
    }
}

/// The likely timestamp: typed as one or mostly parseable, ranked by how much its name says
/// "last updated", then by how cleanly it parses, then by position.
pub fn timestamp(cols: &[ColumnFacts]) -> Option<Choice> {
    let best = cols
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_typed_time() || (c.ty == "string" && c.timestamp_share >= MIN_TIMESTAMP_SHARE))
        .max_by(|(i, a), (j, b)| {
            let key = |c: &ColumnFacts| (timestamp_name(&c.name).0, c.is_typed_time());
            key(a)
                .cmp(&key(b))
                .then(a.timestamp_share.total_cmp(&b.timestamp_share))
                // Earlier columns win ties: `max_by` keeps the last maximum, so reverse the position.
                .then(j.cmp(i))
        })
        .map(|(_, c)| c)?;
    let kind = if best.is_typed_time() {
        format!("{} type", best.ty)
    } else {
        format!("{} of sampled values parse as timestamps", crate::fmt::percent(best.timestamp_share))
    };
    Some(Choice { column: best.name.clone(), reason: format!("{kind}, {}", timestamp_name(&best.name).1) })
}

fn id_like(name: &str) -> bool {
    let w = words(name);
    matches!(w.last().map(String::as_str), Some("id" | "key" | "uuid" | "guid" | "pk"))
        || name.eq_ignore_ascii_case("uuid")
}

/// The likely key: the first column with an id-like name whose present values are (nearly)
/// all distinct; never a timestamp, a float, an email or free text.
pub fn key(cols: &[ColumnFacts], timestamp: Option<&str>) -> Option<Choice> {
    let c = cols.iter().find(|c| {
        id_like(&c.name)
            && Some(c.name.as_str()) != timestamp
            && matches!(c.ty.as_str(), "string" | "integer" | "binary")
            && c.present_share() >= MIN_KEY_PRESENT
            && c.uniqueness() >= MIN_KEY_UNIQUENESS
            && c.pii_share < 0.5
            && c.free_text_share <= 0.2
    })?;
    let distinct = c.distinct.unwrap_or(0);
    let how = if distinct == c.present && c.present == c.rows {
        format!("all {} values distinct", c.rows)
    } else {
        format!("{distinct} distinct values in {} rows", c.rows)
    };
    Some(Choice { column: c.name.clone(), reason: format!("{how}, id-like name") })
}

/// How strongly a name suggests a label a model learns to predict.
fn label_name(name: &str) -> u8 {
    let w = words(name);
    let rank = |x: &str| match x {
        "label" | "labels" | "target" => 5,
        "category" | "categories" | "class" | "classification" | "intent" | "topic" => 4,
        "type" | "kind" | "sentiment" | "outcome" | "disposition" | "tag" | "tags" | "reason" | "resolution" => 3,
        "status" | "state" | "stage" => 2,
        _ => 0,
    };
    w.iter().map(|x| rank(x)).max().unwrap_or(0)
}

/// Low-cardinality text that most rows have: what a label looks like, whatever its name.
fn label_shape(c: &ColumnFacts) -> bool {
    let Some(d) = c.distinct else { return false };
    matches!(c.ty.as_str(), "string" | "boolean")
        && LABEL_CLASSES.contains(&d)
        // Each class seen twice on average: otherwise it is an identifier, not a class.
        && d.saturating_mul(2) <= c.present
        && c.present_share() >= MIN_LABEL_PRESENT
        && c.pii_share < 0.5
}

/// The likely label: a label-shaped column with a label-like name, the most label-like name
/// first, then the earliest.
pub fn label(cols: &[ColumnFacts], taken: &[&str]) -> Option<Choice> {
    let c = cols
        .iter()
        .enumerate()
        .filter(|(_, c)| !taken.contains(&c.name.as_str()) && label_shape(c) && label_name(&c.name) > 0)
        .max_by(|(i, a), (j, b)| label_name(&a.name).cmp(&label_name(&b.name)).then(j.cmp(i)))
        .map(|(_, c)| c)?;
    Some(Choice {
        column: c.name.clone(),
        reason: format!(
            "{} distinct values, {} of rows have one, label-like name",
            c.distinct.unwrap_or(0),
            crate::fmt::percent(c.present_share())
        ),
    })
}

/// Columns a starter profile requires: the key, the label and the text columns, each only if
/// present in at least `MIN_REQUIRED_PRESENT` of rows, so that requiring them flags a change
/// rather than today's state.
pub fn required(cols: &[ColumnFacts], key: Option<&Choice>, label: Option<&Choice>, ts: Option<&str>) -> Vec<String> {
    let named = |c: &ColumnFacts, x: Option<&Choice>| x.is_some_and(|x| x.column == c.name);
    cols.iter()
        .filter(|c| {
            let text = c.ty == "string" && c.timestamp_share < MIN_TIMESTAMP_SHARE && Some(c.name.as_str()) != ts;
            let role = named(c, key) || named(c, label) || text;
            role && c.rows > 0 && c.present_share() >= MIN_REQUIRED_PRESENT
        })
        .map(|c| c.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str, present: u64, distinct: u64) -> ColumnFacts {
        ColumnFacts {
            name: name.into(),
            ty: ty.into(),
            rows: 40,
            present,
            distinct: Some(distinct),
            timestamp_share: if matches!(ty, "timestamp" | "date") { 1.0 } else { 0.0 },
            pii_share: 0.0,
            free_text_share: 0.0,
        }
    }

    fn text_ts(name: &str, share: f64) -> ColumnFacts {
        ColumnFacts { timestamp_share: share, ..col(name, "string", 39, 39) }
    }

    fn free_text(name: &str, present: u64) -> ColumnFacts {
        ColumnFacts { free_text_share: 1.0, ..col(name, "string", present, present) }
    }

    /// The demo tickets as the first pass sees them (fixtures/README.md).
    fn tickets() -> Vec<ColumnFacts> {
        vec![
            col("ticket_id", "string", 40, 39),
            col("customer_id", "string", 38, 36),
            text_ts("created_at", 1.0),
            text_ts("updated_at", 38.0 / 39.0),
            col("channel", "string", 38, 4),
            col("priority", "string", 38, 4),
            col("category", "string", 34, 6),
            free_text("subject", 38),
            free_text("body", 37),
            ColumnFacts { pii_share: 0.973, ..col("customer_email", "string", 37, 36) },
        ]
    }

    #[test]
    fn demo_tickets_pick_updated_at_category_and_ticket_id() {
        let d = detect(&tickets());
        let pick = |c: &Option<Choice>| c.as_ref().map(|c| c.column.clone());
        assert_eq!(pick(&d.timestamp).as_deref(), Some("updated_at"));
        assert_eq!(pick(&d.label).as_deref(), Some("category"));
        assert_eq!(pick(&d.key).as_deref(), Some("ticket_id"));
        assert_eq!(
            d.timestamp.map(|c| c.reason),
            Some("97.4% of sampled values parse as timestamps, the name suggests the last update".into())
        );
        assert_eq!(d.key.map(|c| c.reason), Some("39 distinct values in 40 rows, id-like name".into()));
        assert_eq!(d.label.map(|c| c.reason), Some("6 distinct values, 85% of rows have one, label-like name".into()));
        // 95% present or more: `category` (85%), `body` (92.5%) and the email (92.5%) are not.
        assert_eq!(d.required, ["ticket_id", "customer_id", "channel", "priority", "subject"]);
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    #[test]
    fn issue_18_mostly_empty_columns_are_pointed_out_worst_first() {
        let mut cols = tickets();
        cols.push(col("year", "integer", 39, 20));
        cols.push(col("speed", "integer", 1, 1));
        cols.push(col("notes", "string", 10, 10));
        let d = detect(&cols);
        assert_eq!(
            d.notes,
            [
                "mostly empty: `speed` is 97.5% missing (null, blank or placeholder); decide whether the pilot \
                 needs it: require it to be filled, or leave it out with `columns`",
                "mostly empty: `notes` is 75.0% missing (null, blank or placeholder); decide whether the pilot \
                 needs it: require it to be filled, or leave it out with `columns`",
            ]
        );
    }

    #[test]
    fn update_like_names_beat_creation_and_generic_dates() {
        let cols = [col("created_at", "timestamp", 40, 40), col("modified", "timestamp", 40, 40)];
        assert_eq!(timestamp(&cols).map(|c| c.column), Some("modified".into()));
        let cols = [col("date", "date", 40, 40), col("last_seen", "string", 40, 40)];
        // `last_seen` as text that does not parse is not a timestamp at all.
        assert_eq!(timestamp(&cols).map(|c| c.column), Some("date".into()));
        let cols = [text_ts("lastModified", 0.9), col("event_date", "date", 40, 40)];
        assert_eq!(timestamp(&cols).map(|c| c.column), Some("lastModified".into()));
        let cols = [col("created_at", "timestamp", 40, 40)];
        assert_eq!(
            timestamp(&cols).map(|c| c.reason),
            Some("timestamp type, the name suggests creation time (no update-like column)".into())
        );
    }

    #[test]
    fn timestamp_needs_a_type_or_mostly_parseable_values() {
        assert_eq!(timestamp(&[text_ts("updated_at", 0.5)]), None);
        assert_eq!(timestamp(&[text_ts("updated_at", 0.8)]).map(|c| c.column), Some("updated_at".into()));
        // A typed column without a time-like name is still the only timestamp there is.
        let only = timestamp(&[col("id", "integer", 40, 40), col("x", "timestamp", 40, 40)]);
        assert_eq!(only.map(|c| c.reason), Some("timestamp type, no time-like name".into()));
        // Ties go to the earlier column.
        let cols = [col("updated", "timestamp", 40, 40), col("updated_at", "timestamp", 40, 40)];
        assert_eq!(timestamp(&cols).map(|c| c.column), Some("updated".into()));
    }

    #[test]
    fn key_is_the_first_unique_id_like_column() {
        let cols = [col("name", "string", 40, 40), col("id", "integer", 40, 40), col("user_id", "string", 40, 40)];
        assert_eq!(
            key(&cols, None).map(|c| (c.column, c.reason)),
            Some(("id".into(), "all 40 values distinct, id-like name".into()))
        );
        assert_eq!(key(&[col("orderId", "string", 40, 40)], None).map(|c| c.column), Some("orderId".into()));
        assert_eq!(key(&[col("UUID", "string", 40, 40)], None).map(|c| c.column), Some("UUID".into()));
        // Not unique enough, not id-like, a float, mostly missing, free text or emails: none.
        assert_eq!(key(&[col("customer_id", "string", 38, 36)], None), None);
        assert_eq!(key(&[col("ident", "string", 40, 40)], None), None);
        assert_eq!(key(&[col("score_id", "float", 40, 40)], None), None);
        assert_eq!(key(&[col("ext_id", "string", 20, 20)], None), None);
        assert_eq!(key(&[free_text("text_id", 40)], None), None);
        assert_eq!(key(&[ColumnFacts { pii_share: 1.0, ..col("email_id", "string", 40, 40) }], None), None);
        assert_eq!(key(&[col("event_id", "string", 40, 40)], Some("event_id")), None);
    }

    #[test]
    fn label_is_low_cardinality_text_with_a_label_like_name() {
        let cols = [col("status", "string", 40, 3), col("category", "string", 40, 8), col("team", "string", 40, 5)];
        assert_eq!(label(&cols, &[]).map(|c| c.column), Some("category".into()));
        assert_eq!(label(&cols, &["category"]).map(|c| c.column), Some("status".into()));
        // Too many classes, one class, mostly missing, an identifier in disguise, a number: none.
        assert_eq!(label(&[col("label", "string", 400, 51)], &[]), None);
        assert_eq!(label(&[col("label", "string", 40, 1)], &[]), None);
        assert_eq!(label(&[col("label", "string", 19, 3)], &[]), None);
        assert_eq!(label(&[col("ticket_type", "string", 10, 6)], &[]), None);
        assert_eq!(label(&[col("class", "integer", 40, 3)], &[]), None);
        assert_eq!(label(&[col("intentLabel", "string", 40, 3)], &[]).map(|c| c.column), Some("intentLabel".into()));
    }

    #[test]
    fn notes_say_why_nothing_was_chosen() {
        let d = detect(&[col("channel", "string", 40, 4), col("amount", "float", 40, 30)]);
        assert_eq!((d.timestamp.is_none(), d.label.is_none(), d.key.is_none()), (true, true, true));
        assert_eq!(
            d.notes,
            [
                "no timestamp: no column is timestamp-typed or mostly parses as timestamps",
                "no label: no low-cardinality text column has a label-like name (candidates: `channel`)",
                "no key: no column with an id-like name (`id`, `*_id`, `key`, `uuid`) is unique",
            ]
        );
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("updatedAt"), ["updated", "at"]);
        assert_eq!(words("last_modified"), ["last", "modified"]);
        assert_eq!(words("Ticket ID"), ["ticket", "id"]);
        assert_eq!(words("UUID"), ["uuid"]);
        assert_eq!(words("sha256Sum"), ["sha256", "sum"]);
    }
}
