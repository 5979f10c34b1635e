//! Format, a part of "clean": malformed files (ragged rows, an unterminated quote, duplicate
//! headers, invalid UTF-8) and what a file's structure showed besides its table.

use crate::measures::SourceReport;
use crate::profile::SourceSpec;
use crate::stats::{Example, Locator, LocatorInFile};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};

use super::rules::finding;

/// Malformed files: ragged rows, invalid UTF-8, a quote that never closes.
pub(super) fn structure(spec: &SourceSpec, report: &SourceReport, out: &mut Vec<Finding>) {
    let name = &spec.name;
    if report.rows == Some(0) {
        let mut f =
            finding(FindingId::new(Rule::RowsEmpty, Subject::source(name)), Check::Clean, Severity::Fail, spec, None);
        f.value = Some("0 rows".into());
        f.message = "the source has no rows: nothing to measure or to learn from".into();
        out.push(f);
    }
    let Some(csv) = &report.csv else { return };
    // In a source of several parts, a line number names a place only with its part.
    let of = |file: Option<&String>| file.map(|f| format!(" of {f}")).unwrap_or_default();
    if csv.ragged_rows > 0 {
        let mut f = finding(
            FindingId::new(Rule::FormatRaggedRows, Subject::source(name)),
            Check::Clean,
            Severity::Fail,
            spec,
            None,
        );
        f.value = Some(csv.ragged_rows.to_string());
        f.threshold = Some(format!("{} fields per row", csv.expected_fields));
        let first = csv.ragged_examples.first().map_or_else(|| "?".to_string(), |e| e.0.to_string());
        f.message = format!(
            "{} row(s) do not have the header's {} fields; first at line {first}{}",
            csv.ragged_rows,
            csv.expected_fields,
            of(csv.ragged_files.first().and_then(Option::as_ref)),
        );
        f.evidence = csv
            .ragged_examples
            .iter()
            .enumerate()
            .map(|(i, (line, n))| Example {
                at: LocatorInFile { file: csv.ragged_files.get(i).cloned().flatten(), at: Locator::Line(*line) },
                value: Some(format!("{n} fields")),
            })
            .collect();
        out.push(f);
    }
    if let Some(line) = csv.unterminated_quote_line {
        let mut f = finding(
            FindingId::new(Rule::FormatUnterminatedQuote, Subject::source(name)),
            Check::Clean,
            Severity::Fail,
            spec,
            None,
        );
        f.value = Some(format!("line {line}"));
        let file = csv.unterminated_quote_file.clone();
        f.message = format!(
            "a quoted field opened at line {line}{} never closes; the file may be truncated",
            of(file.as_ref())
        );
        f.evidence = vec![Example { at: LocatorInFile { file, at: Locator::Line(line) }, value: None }];
        out.push(f);
    }
    // What the file's structure showed: read correctly and said (WARN), or assumed (FAIL when
    // the counts include rows that are not the table's). See: issue 18.
    for (i, n) in csv.structure.iter().enumerate() {
        let sev = if n.fail { Severity::Fail } else { Severity::Warn };
        // Ids stay unique when a kind recurs (two parts, two places): the later ones name their line.
        let again = csv.structure.iter().take(i).any(|m| m.kind == n.kind);
        let at = match n.lines.first().filter(|_| again) {
            Some(&line) => Subject::Line { source: name.to_string(), line },
            None => Subject::source(name),
        };
        let mut f = finding(FindingId::new(Rule::FormatStructure(n.kind), at), Check::Clean, sev, spec, None);
        f.value = n.lines.first().map(|l| format!("line {l}"));
        f.message.clone_from(&n.message);
        f.evidence = n
            .lines
            .iter()
            .map(|l| Example { at: LocatorInFile { file: n.file.clone(), at: Locator::Line(*l) }, value: None })
            .collect();
        out.push(f);
    }
    if !csv.duplicate_headers.is_empty() {
        let mut f = finding(
            FindingId::new(Rule::FormatDuplicateHeaders, Subject::source(name)),
            Check::Clean,
            Severity::Warn,
            spec,
            None,
        );
        f.value = Some(csv.duplicate_headers.join(", "));
        f.message = format!("the header names {} more than once", csv.duplicate_headers.join(", "));
        out.push(f);
    }
}
