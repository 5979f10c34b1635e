//! One `[[entities]]` table: its keys per source, normalizations, compared columns and
//! limits, each source checked against the declared `[[sources]]`.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{ENTITY_KEYS, Walker, get, join, list};
use crate::profile::{EntitySpec, Limit, Normalization, did_you_mean};

impl Walker<'_> {
    /// Reports `source` when no `[[sources]]` table declares it.
    fn declared_source(&mut self, span: &Range<usize>, key: &str, entity: &str, source: &str, declared: &[String]) {
        if declared.iter().any(|d| d == source) {
            return;
        }
        let hint = match did_you_mean(source, declared.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if declared.is_empty() => "declare it in a `[[sources]]` table".to_string(),
            None => format!(
                "declared sources: {}",
                declared.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        self.problem(
            span,
            key,
            format!("entity `{entity}` refers to source `{source}`, which is not declared"),
            Some(hint),
        );
    }
}

pub(super) fn entity(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    path: &str,
    declared: &[String],
) -> Option<EntitySpec> {
    w.unknown_keys(t, ENTITY_KEYS, path);
    let (line, _) = w.line_col(span);
    let name = match w.string(t, "name", path) {
        Some(n) => n.into_inner(),
        None => {
            if get(t, "name").is_none() {
                w.problem(span, &join(path, "name"), "missing required key `name`".into(), None);
            }
            return None;
        }
    };
    let mut keys = Vec::new();
    for k in w.string_list(t, "keys", path).unwrap_or_default() {
        match k.get_ref().split_once('.') {
            Some((s, _)) if keys.iter().any(|(x, _): &(String, String)| x == s) => w.problem(
                &k.span(),
                &join(path, "keys"),
                format!("source `{s}` is listed twice; each system of an entity has one key column"),
                None,
            ),
            Some((s, c)) if !s.is_empty() && !c.is_empty() => {
                w.declared_source(&k.span(), &join(path, "keys"), &name, s, declared);
                keys.push((s.to_string(), c.to_string()))
            }
            _ => w.problem(&k.span(), &join(path, "keys"), format!("`{}` is not `source.column`", k.get_ref()), None),
        }
    }
    if keys.len() < 2 {
        w.problem(
            span,
            &join(path, "keys"),
            format!("entity `{name}` needs keys in at least two systems"),
            Some("write `keys = [\"tickets.customer_id\", \"crm.customer_id\"]`".into()),
        );
    }
    let mut normalize = Vec::new();
    for n in w.string_list(t, "normalize", path).unwrap_or_default() {
        let v = n.get_ref();
        let parsed = match v.as_str() {
            "trim" => Some(Normalization::Trim),
            "lowercase" => Some(Normalization::Lowercase),
            "strip_leading_zeros" => Some(Normalization::StripLeadingZeros),
            "digits_only" => Some(Normalization::DigitsOnly),
            "collapse_whitespace" => Some(Normalization::CollapseWhitespace),
            s if s.starts_with("strip_prefix:") && s.len() > "strip_prefix:".len() => {
                Some(Normalization::StripPrefix(s["strip_prefix:".len()..].to_string()))
            }
            _ => None,
        };
        match parsed {
            Some(p) => normalize.push(p),
            None => {
                const ALL: &[&str] = &[
                    "trim",
                    "lowercase",
                    "strip_prefix:",
                    "strip_leading_zeros",
                    "digits_only",
                    "collapse_whitespace",
                ];
                let hint = did_you_mean(v, ALL.iter().copied())
                    .map_or_else(|| format!("expected one of {}", list(ALL)), |s| format!("did you mean `{s}`?"));
                w.problem(&n.span(), &join(path, "normalize"), format!("unknown normalization `{v}`"), Some(hint));
            }
        }
    }
    let mut compare = Vec::new();
    if let Some(v) = get(t, "compare") {
        match v.get_ref() {
            DeValue::Array(pairs) => {
                for pair in pairs.iter() {
                    let cols: Option<Vec<(String, String)>> = match pair.get_ref() {
                        DeValue::Array(items) if items.len() == 2 => items
                            .iter()
                            .map(|i| {
                                i.get_ref()
                                    .as_str()
                                    .and_then(|s| s.split_once('.'))
                                    .map(|(a, b)| (a.to_string(), b.to_string()))
                            })
                            .collect(),
                        _ => None,
                    };
                    match cols.as_deref() {
                        Some([a, b]) => {
                            if let DeValue::Array(items) = pair.get_ref() {
                                for (item, (s, _)) in items.iter().zip([a, b]) {
                                    w.declared_source(&item.span(), &join(path, "compare"), &name, s, declared);
                                    if declared.contains(s) && !keys.iter().any(|(k, _)| k == s) {
                                        w.problem(
                                            &item.span(),
                                            &join(path, "compare"),
                                            format!("`{s}` is not one of entity `{name}`'s systems"),
                                            Some(
                                                "values are compared per key: add the source's key column to `keys`"
                                                    .into(),
                                            ),
                                        );
                                    }
                                }
                            }
                            compare.push((a.clone(), b.clone()))
                        }
                        _ => w.problem(
                            &pair.span(),
                            &join(path, "compare"),
                            "each comparison is a pair `[\"a.col\", \"b.col\"]`".into(),
                            None,
                        ),
                    }
                }
            }
            other => w.problem(
                &v.span(),
                &join(path, "compare"),
                format!("expected an array of pairs, found {}", other.type_str()),
                None,
            ),
        }
    }
    let mut unique = Vec::new();
    for u in w.string_list(t, "unique", path).unwrap_or_default() {
        w.declared_source(&u.span(), &join(path, "unique"), &name, u.get_ref(), declared);
        if declared.contains(u.get_ref()) && !keys.iter().any(|(k, _)| k == u.get_ref()) {
            w.problem(
                &u.span(),
                &join(path, "unique"),
                format!("`{}` is not one of entity `{name}`'s systems", u.get_ref()),
                None,
            );
        }
        unique.push(u.into_inner());
    }
    let mut e = EntitySpec {
        name,
        line,
        keys,
        normalize,
        compare,
        unique,
        max_unmatched_share: Limit { warn: Some(0.02), fail: Some(0.10) },
        max_duplicate_keys: Limit { warn: None, fail: Some(0) },
        max_conflict_share: Limit { warn: Some(0.01), fail: Some(0.05) },
    };
    if let Some(v) = get(t, "max_unmatched_share")
        && let Some(l) = w.limit(v, &join(path, "max_unmatched_share"), false, &mut |w, v, p| w.share(v, p))
    {
        e.max_unmatched_share = l;
    }
    if let Some(v) = get(t, "max_conflict_share")
        && let Some(l) = w.limit(v, &join(path, "max_conflict_share"), false, &mut |w, v, p| w.share(v, p))
    {
        e.max_conflict_share = l;
    }
    if let Some(v) = get(t, "max_duplicate_keys")
        && let Some(l) = w.limit(v, &join(path, "max_duplicate_keys"), false, &mut |w, v, p| w.count(v, p))
    {
        e.max_duplicate_keys = l;
    }
    Some(e)
}
