//! Checks that need more than one key: duplicate entity names and keys that only make sense
//! together. Duplicate source names and entities pointing at undeclared sources are found
//! while walking the TOML (`spec/`), where the offending value's position is known.

use super::spec::Walked;
use super::{FileFormat, Location, Problem};

pub(super) fn cross_checks(w: &Walked, problems: &mut Vec<Problem>) {
    let p = &w.profile;
    for (&i, s) in w.source_index.iter().zip(&p.sources) {
        let at = |key: &str, message: String, hint: Option<String>| Problem {
            line: s.line,
            col: 1,
            key: format!("sources[{i}].{key}"),
            message,
            hint,
        };
        match &s.location {
            // Spark reads files itself: `path` (with `format`) is a third way to name its data.
            Location::Url { url, .. } if url.starts_with("sc://") => {
                let named = [s.table.is_some(), s.query.is_some(), s.connect.cluster_path.is_some()];
                match named.iter().filter(|&&x| x).count() {
                    0 => problems.push(at(
                        "table",
                        format!("Spark source `{}` needs `table`, `query`, or `format` and `path`", s.name),
                        Some("for example `table = \"db.tickets\"` or `format = \"parquet\"` with `path = \"s3a://bucket/tickets/\"`".into()),
                    )),
                    1 => {}
                    _ => problems.push(at(
                        "query",
                        format!("Spark source `{}` names its data more than once (`table`, `query`, `path`)", s.name),
                        Some("keep one".into()),
                    )),
                }
                if s.connect.cluster_path.is_some() && s.format.is_none() {
                    problems.push(at(
                        "format",
                        format!("Spark source `{}` reads `path` but has no `format`", s.name),
                        Some("add `format = \"parquet\"` or `format = \"delta\"`".into()),
                    ));
                }
                if s.format == Some(FileFormat::Csv) {
                    problems.push(at(
                        "format",
                        "a Spark path read is `parquet` or `delta`".into(),
                        Some("for CSV, declare a table over the files in Spark and name it with `table`".into()),
                    ));
                }
                if (s.format.is_some() && s.connect.cluster_path.is_none()) || s.delimiter.is_some() {
                    problems.push(at(
                        "format",
                        "`format` goes with `path`; `delimiter` applies to CSV files".into(),
                        None,
                    ));
                }
            }
            Location::Url { .. } => {
                if s.table.is_none() && s.query.is_none() {
                    problems.push(at("table", format!("SQL source `{}` needs `table` or `query`", s.name), None));
                }
                if s.table.is_some() && s.query.is_some() {
                    problems.push(at(
                        "query",
                        format!("SQL source `{}` has both `table` and `query`", s.name),
                        Some("keep one".into()),
                    ));
                }
                if s.format.is_some() || s.delimiter.is_some() {
                    problems.push(at("format", "`format` and `delimiter` apply to files, not to a `url`".into(), None));
                }
            }
            Location::Path { .. } => {
                for (key, set) in [
                    ("table", s.table.is_some()),
                    ("query", s.query.is_some()),
                    ("password_env", s.password_env.is_some()),
                    (
                        "timeout",
                        s.timeout.is_some()
                            && !matches!(&s.location, Location::Path { written, .. } if crate::profile::is_object_url(written)),
                    ),
                ] {
                    if set {
                        problems.push(at(
                            key,
                            format!("`{key}` applies to a database `url`, not to a file `path`"),
                            None,
                        ));
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

    let mut entity_names: Vec<&str> = Vec::new();
    for (&i, e) in w.entity_index.iter().zip(&p.entities) {
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
    }
}
