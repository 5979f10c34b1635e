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

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, spec};
    use crate::sources::CsvInfo;
    use crate::sources::csv::StructureNote;
    use crate::verdict::{Finding, Severity};

    /// The fixture's findings as if its CSV reader had reported `csv`.
    fn with_csv(csv: CsvInfo) -> Vec<Finding> {
        findings_edited(&spec(), |r| r.csv = Some(csv))
    }

    fn format_ids(f: &[Finding]) -> Vec<String> {
        f.iter()
            .filter(|f| f.id.starts_with("format.") || f.id.starts_with("rows."))
            .map(|f| f.id.to_string())
            .collect()
    }

    #[test]
    fn a_well_formed_file_has_no_format_finding() {
        assert!(format_ids(&with_csv(CsvInfo { expected_fields: 4, ..CsvInfo::default() })).is_empty());
        assert!(format_ids(&findings_with(&spec())).is_empty());
    }

    #[test]
    fn an_empty_source_fails_and_one_row_passes() {
        let f = findings_edited(&spec(), |r| r.rows = Some(0));
        let empty = get(&f, "rows.empty.t");
        assert_eq!((empty.severity, empty.value.as_deref()), (Severity::Fail, Some("0 rows")));
        let f = findings_edited(&spec(), |r| r.rows = Some(1));
        assert!(f.iter().all(|f| f.id != "rows.empty.t"));
    }

    #[test]
    fn one_ragged_row_fails() {
        let f = with_csv(CsvInfo {
            ragged_rows: 1,
            ragged_examples: vec![(7, 3)],
            expected_fields: 4,
            ..CsvInfo::default()
        });
        let r = get(&f, "format.ragged_rows.t");
        assert_eq!((r.severity, r.value.as_deref()), (Severity::Fail, Some("1")));
        assert_eq!(r.threshold.as_deref(), Some("4 fields per row"));
        assert_eq!(r.evidence.len(), 1);
    }

    #[test]
    fn an_unterminated_quote_fails() {
        let f = with_csv(CsvInfo { unterminated_quote_line: Some(9), ..CsvInfo::default() });
        let q = get(&f, "format.unterminated_quote.t");
        assert_eq!((q.severity, q.value.as_deref()), (Severity::Fail, Some("line 9")));
    }

    #[test]
    fn duplicate_headers_warn() {
        let f = with_csv(CsvInfo { duplicate_headers: vec!["id".into()], ..CsvInfo::default() });
        let d = get(&f, "format.duplicate_headers.t");
        assert_eq!((d.severity, d.value.as_deref()), (Severity::Warn, Some("id")));
    }

    #[test]
    fn structure_notes_warn_when_read_and_fail_when_assumed_and_recurring_kinds_name_their_line() {
        let note = |kind, fail, line| StructureNote {
            kind,
            fail,
            lines: vec![line],
            message: format!("{kind} at line {line}"),
            file: None,
        };
        let f = with_csv(CsvInfo {
            structure: vec![note("preamble", false, 1), note("footnotes", true, 40), note("preamble", true, 20)],
            ..CsvInfo::default()
        });
        assert_eq!(get(&f, "format.preamble.t").severity, Severity::Warn);
        assert_eq!(get(&f, "format.footnotes.t").severity, Severity::Fail);
        let again = get(&f, "format.preamble.t.20");
        assert_eq!((again.severity, again.value.as_deref()), (Severity::Fail, Some("line 20")));
    }
}
