//! Checks that need more than one key: duplicate names, entities pointing at sources that were
//! never declared, and keys that only make sense together.

use super::{Location, Problem, Profile, did_you_mean};

pub(super) fn cross_checks(p: &Profile, _text: &str, problems: &mut Vec<Problem>) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, s) in p.sources.iter().enumerate() {
        if seen.contains(&s.name.as_str()) {
            problems.push(Problem {
                line: s.line,
                col: 1,
                key: format!("sources[{i}].name"),
                message: format!("source name `{}` is declared twice", s.name),
                hint: Some("every source needs its own name; findings and entities refer to it".into()),
            });
        }
        seen.push(&s.name);
        let at = |key: &str, message: String, hint: Option<String>| Problem {
            line: s.line,
            col: 1,
            key: format!("sources[{i}].{key}"),
            message,
            hint,
        };
        match &s.location {
            Location::Url { .. } => {
                if s.table.is_none() && s.query.is_none() {
                    problems.push(at("table", format!("SQL source `{}` needs `table` or `query`", s.name), None));
                }
                if s.table.is_some() && s.query.is_some() {
                    problems.push(at("query", format!("SQL source `{}` has both `table` and `query`", s.name), Some("keep one".into())));
                }
                if s.format.is_some() || s.delimiter.is_some() {
                    problems.push(at("format", "`format` and `delimiter` apply to files, not to a `url`".into(), None));
                }
            }
            Location::Path { .. } => {
                for (key, set) in [("table", s.table.is_some()), ("query", s.query.is_some()), ("password_env", s.password_env.is_some())] {
                    if set {
                        problems.push(at(key, format!("`{key}` applies to a database `url`, not to a file `path`"), None));
                    }
                }
                if s.delimiter.is_some() && s.format == Some(super::FileFormat::Parquet) {
                    problems.push(at("delimiter", "`delimiter` applies to CSV, not Parquet".into(), None));
                }
            }
        }
        if s.key.is_none() && !s.unique {
            problems.push(at("unique", "`unique` applies to the source's `key`, and none is set".into(), None));
        }
    }

    let names: Vec<&str> = p.sources.iter().map(|s| s.name.as_str()).collect();
    let mut entity_names: Vec<&str> = Vec::new();
    for (i, e) in p.entities.iter().enumerate() {
        if entity_names.contains(&e.name.as_str()) {
            problems.push(Problem {
                line: e.line,
                col: 1,
                key: format!("entities[{i}].name"),
                message: format!("entity `{}` is declared twice", e.name),
                hint: None,
            });
        }
        entity_names.push(&e.name);
        let referenced = e
            .keys
            .iter()
            .map(|(s, _)| ("keys", s))
            .chain(e.compare.iter().flat_map(|(a, b)| [("compare", &a.0), ("compare", &b.0)]))
            .chain(e.unique.iter().map(|s| ("unique", s)));
        for (key, source) in referenced {
            if !names.contains(&source.as_str()) {
                let hint = did_you_mean(source, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("declared sources: {}", names.join(", "))));
                problems.push(Problem {
                    line: e.line,
                    col: 1,
                    key: format!("entities[{i}].{key}"),
                    message: format!("entity `{}` refers to source `{source}`, which is not declared", e.name),
                    hint,
                });
            }
        }
    }
}
