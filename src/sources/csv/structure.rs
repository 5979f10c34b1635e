//! Tells a CSV file's structure apart from its data: preamble lines before the header, a header
//! that looks like data, extra header rows, a header repeated part-way (stacked tables), a change
//! of column count part-way and footnote lines at the end (DESIGN §3, format findings).
//!
//! The start of a file is judged from the records of the delimiter-sniffing sample, before the
//! scan, so what can be told is read correctly (the preamble is skipped, a data-like first line
//! is read as data). What lies past the sample is judged from what the scan collects anyway,
//! the ragged rows and the rows equal to the header: nothing here adds work per row beyond one
//! length comparison. A note says what was found and what was done or assumed.

use std::io::Cursor;

use serde::Serialize;

use super::split::Splitter;
use crate::stats::reads_as_number;
use crate::stats::timestamp::parse_timestamp;

/// Records of the sample looked at; enough to type the columns, few enough to stay cheap.
const SAMPLE_RECORDS: usize = 200;
/// At most this many records before the header are taken for a preamble.
const MAX_PREAMBLE: usize = 20;
/// At most this many header rows after the first.
const MAX_EXTRA_HEADER_ROWS: usize = 3;
/// A run of short rows at the end of at most this many lines reads as footnotes; a longer one
/// as a second table.
const MAX_FOOTNOTES: u64 = 5;

/// Values that stand for "no value" in a data row: a numeric column holding `N/A` is data, not
/// a header. The defaults of the profile's `placeholders`, lower-cased.
const NO_VALUE: [&str; 11] = ["n/a", "na", "null", "none", "-", "?", "unknown", "tbd", "nan", "#n/a", ""];

/// One structure finding about a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StructureNote {
    /// The finding's kind: `preamble`, `no_header`, `extra_header_rows`, `empty_header_names`,
    /// `repeated_header`, `stacked_tables`, `footnotes`.
    pub kind: &'static str,
    /// Counts are wrong unless the note is read (FAIL), or were read correctly (WARN).
    pub fail: bool,
    /// The lines it is about, at most a few.
    pub lines: Vec<u64>,
    pub message: String,
    /// The part file, when the source has several.
    #[serde(skip)]
    pub file: Option<String>,
}

/// What the start of a file holds, as far as the sample tells.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Layout {
    /// Lines of the records before the header.
    pub preamble: Vec<u64>,
    /// The first record is data, not names: columns are named `column_1`…
    pub no_header: bool,
    /// Lines of header rows after the first.
    pub extra_header: Vec<u64>,
    /// The table's width as the sample shows it (0 when the sample holds no record).
    pub width: usize,
    pub notes: Vec<StructureNote>,
}

struct Rec {
    line: u64,
    cells: Vec<String>,
}

impl Rec {
    fn all_empty(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A number or a timestamp: what data holds and names rarely are.
fn is_value(cell: &str) -> bool {
    let t = cell.trim();
    (!t.is_empty() && reads_as_number(t) && t.parse::<f64>().is_ok_and(f64::is_finite)) || parse_timestamp(t).is_some()
}

fn no_value(cell: &str) -> bool {
    let t = cell.trim();
    t.is_empty() || NO_VALUE.iter().any(|p| t.eq_ignore_ascii_case(p))
}

/// The columns whose values in `data` are all numbers or timestamps (at least two of them).
fn typed_columns(data: &[Rec], width: usize) -> Vec<usize> {
    (0..width)
        .filter(|&c| {
            let values: Vec<&str> =
                data.iter().filter_map(|r| r.cells.get(c)).map(String::as_str).filter(|v| !no_value(v)).collect();
            values.len() >= 2 && values.iter().all(|v| is_value(v))
        })
        .collect()
}

/// A row of names, not data: no value anywhere, and text where the data has values in at
/// least half of those columns; once a header row was found, in one of them (a row of merged
/// cells under it names only some).
fn header_like(r: &Rec, typed: &[usize], after_header_row: bool) -> bool {
    if typed.is_empty() || r.cells.iter().any(|c| is_value(c)) {
        return false;
    }
    let named = typed.iter().filter(|&&c| r.cells.get(c).is_some_and(|v| !no_value(v))).count();
    named >= 1 && (after_header_row || named * 2 >= typed.len())
}

fn lines_text(lines: &[u64]) -> String {
    match lines {
        [one] => format!("line {one}"),
        [first, .., last] => format!("lines {first}–{last}"),
        [] => String::new(),
    }
}

/// Reads the start of a file from its sample. `complete` says the sample is the whole file
/// (else its last record may be cut short and is left out). `named` are the columns the
/// profile names: a first line holding one of them is the header, however it looks.
pub(super) fn layout(sample: &[u8], complete: bool, delim: u8, named: &[String]) -> Layout {
    let mut s = Splitter::new(Cursor::new(sample), delim);
    let mut recs = Vec::new();
    while recs.len() < SAMPLE_RECORDS && s.next_record().unwrap_or(false) {
        let cells = s
            .rec_fields
            .iter()
            .map(|f| {
                let bytes = s.rec_buf.get(f.start as usize..(f.start + f.len) as usize).unwrap_or_default();
                String::from_utf8_lossy(bytes).into_owned()
            })
            .collect();
        recs.push(Rec { line: s.rec_line, cells });
    }
    if !complete && recs.len() > 2 && recs.len() < SAMPLE_RECORDS {
        recs.pop();
    }
    let mut out = Layout::default();
    // The table's width: the most common among rows that hold something (ties: the wider).
    let mut widths: Vec<(usize, usize)> = Vec::new();
    for r in recs.iter().filter(|r| !r.all_empty()) {
        match widths.iter_mut().find(|(w, _)| *w == r.cells.len()) {
            Some(e) => e.1 += 1,
            None => widths.push((r.cells.len(), 1)),
        }
    }
    let Some(&(width, _)) = widths.iter().max_by_key(|(w, n)| (*n, *w)) else { return out };
    out.width = width;

    // Preamble: leading rows that are empty, or hold at most half the table's fields (a title,
    // "exported on …"), before a row of the table's width.
    let skip = recs
        .iter()
        .take(MAX_PREAMBLE)
        .take_while(|r| r.all_empty() || (r.cells.len() * 2 <= width && r.cells.len() < width))
        .count();
    if skip > 0 && recs.get(skip).is_some_and(|r| r.cells.len() == width) {
        out.preamble = recs.iter().take(skip).map(|r| r.line).collect();
        let header_line = recs.get(skip).map_or(0, |r| r.line);
        out.notes.push(StructureNote {
            kind: "preamble",
            fail: false,
            lines: out.preamble.clone(),
            message: format!(
                "{} before the header: skipped {} preamble line{}; the header is line {header_line}",
                lines_text(&out.preamble),
                skip,
                if skip == 1 { "" } else { "s" },
            ),
            file: None,
        });
    }
    let Some(header) = recs.get(skip) else { return out };
    let after = recs.get(skip + 1..).unwrap_or_default();
    // Type the columns from the rows past any extra header rows, when there are enough.
    let typed = match after.get(MAX_EXTRA_HEADER_ROWS..) {
        Some(rest) if rest.len() >= 2 => typed_columns(rest, width),
        _ => typed_columns(after, width),
    };

    let named_here = header.cells.iter().any(|c| named.iter().any(|n| n == c.trim()));
    let data_like = typed.iter().filter(|&&c| header.cells.get(c).is_some_and(|v| is_value(v))).count();
    if !typed.is_empty() && data_like >= 1 && data_like * 2 >= typed.len() && !named_here {
        out.no_header = true;
        let shown: Vec<String> =
            header.cells.iter().take(4).map(|c| format!("\"{}\"", crate::stats::clip(c.trim()))).collect();
        out.notes.push(StructureNote {
            kind: "no_header",
            fail: false,
            lines: vec![header.line],
            message: format!(
                "line {} looks like data, not a header ({}{}): read it as the first row; the columns are \
                 named column_1…column_{width}",
                header.line,
                shown.join(", "),
                if header.cells.len() > 4 { ", …" } else { "" },
            ),
            file: None,
        });
        return out;
    }
    if data_like >= 1 && !typed.is_empty() {
        out.notes.push(StructureNote {
            kind: "no_header",
            fail: false,
            lines: vec![header.line],
            message: format!(
                "line {} has numbers or dates where names belong; assumed it is the header, as the profile \
                 names columns in it",
                header.line
            ),
            file: None,
        });
    }

    let mut extra: Vec<u64> = Vec::new();
    for r in after.iter().take(MAX_EXTRA_HEADER_ROWS) {
        if r.cells.len() != width || !header_like(r, &typed, !extra.is_empty()) {
            break;
        }
        extra.push(r.line);
    }
    // Data must follow, or the "header rows" are the data of a table of text.
    if !extra.is_empty() && after.len() > extra.len() {
        out.notes.push(StructureNote {
            kind: "extra_header_rows",
            fail: false,
            lines: extra.clone(),
            message: format!(
                "{} continue the header (names where the data below has numbers or dates): read as header \
                 rows, not data; the columns keep the names of line {}",
                lines_text(&extra),
                header.line
            ),
            file: None,
        });
        out.extra_header = extra;
    }
    out
}

/// Consecutive ragged rows, as the scan meets them.
#[derive(Clone, Debug, Default)]
pub(super) struct RaggedRuns {
    /// The run that is open: first row, its line, the last row and line, the widths seen.
    run: Option<Run>,
    /// Short runs in the middle of the file that may start a second table: (line, fields).
    pub breaks: Vec<(u64, usize)>,
}

#[derive(Clone, Debug)]
struct Run {
    first_row: u64,
    first_line: u64,
    last_row: u64,
    last_line: u64,
    min_width: usize,
    max_width: usize,
}

impl RaggedRuns {
    /// A ragged row: `row` counts the part's records from 0.
    pub fn push(&mut self, row: u64, line: u64, got: usize) {
        match &mut self.run {
            Some(r) if r.last_row + 1 == row => {
                r.last_row = row;
                r.last_line = line;
                r.min_width = r.min_width.min(got);
                r.max_width = r.max_width.max(got);
            }
            _ => {
                self.close();
                self.run = Some(Run {
                    first_row: row,
                    first_line: line,
                    last_row: row,
                    last_line: line,
                    min_width: got,
                    max_width: got,
                });
            }
        }
    }

    fn close(&mut self) {
        if let Some(r) = self.run.take()
            && self.breaks.len() < crate::stats::MAX_EXAMPLES
        {
            self.breaks.push((r.first_line, r.min_width));
        }
    }

    /// The notes once the part is read: `rows` records in all, `width` fields each.
    pub fn notes(mut self, rows: u64, width: usize) -> Vec<StructureNote> {
        let mut out = Vec::new();
        let tail = match self.run.take() {
            Some(r) if r.last_row + 1 == rows => Some(r),
            open => {
                self.run = open;
                self.close();
                None
            }
        };
        // Short rows in the middle, each a run of one or two lines of at most half the fields:
        // a title or a separator between two tables.
        let mids: Vec<u64> = self.breaks.iter().filter(|(_, w)| w * 2 <= width).map(|(l, _)| *l).collect();
        if let Some(r) = tail {
            let n = r.last_row - r.first_row + 1;
            let lines = if r.first_line == r.last_line { vec![r.first_line] } else { vec![r.first_line, r.last_line] };
            // Footnotes are a line or two of prose: one field, or a short line of few fields. A
            // longer run of one shape is a table.
            if n <= MAX_FOOTNOTES && r.max_width * 2 <= width && (r.max_width == 1 || n <= 2) {
                out.push(StructureNote {
                    kind: "footnotes",
                    fail: false,
                    message: format!(
                        "{} at the end {} {} field{} of {width}: footnotes, assumed; counted as {n} row{} \
                         whose other fields are missing",
                        lines_text(&lines),
                        if n == 1 { "has" } else { "have" },
                        r.max_width,
                        if r.max_width == 1 { "" } else { "s at most" },
                        if n == 1 { "" } else { "s" },
                    ),
                    lines,
                    file: None,
                });
            } else if r.first_row > 0 {
                let shape = if r.min_width == r.max_width {
                    format!("{} fields", r.min_width)
                } else {
                    format!("{}–{} fields", r.min_width, r.max_width)
                };
                out.push(StructureNote {
                    kind: "stacked_tables",
                    fail: true,
                    message: format!(
                        "from line {} to the end ({n} rows) rows have {shape} instead of {width}: a second \
                         table stacked below the first, read as ragged rows of the first",
                        r.first_line
                    ),
                    lines,
                    file: None,
                });
            }
        }
        if !mids.is_empty() {
            out.push(StructureNote {
                kind: "stacked_tables",
                fail: true,
                message: format!(
                    "{} in the middle of the data {} at most half the fields (a title or a separator?): \
                     another table may start there; the rows after {} are counted with the first table's",
                    if mids.len() == 1 { format!("line {}", mids[0]) } else { format!("lines {}", join(&mids)) },
                    if mids.len() == 1 { "has" } else { "have" },
                    if mids.len() == 1 { "it" } else { "them" },
                ),
                lines: mids,
                file: None,
            });
        }
        out
    }
}

fn join(lines: &[u64]) -> String {
    lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// A note for rows equal to the header past it: a second table with the same columns, or files
/// concatenated with their headers.
pub(super) fn repeated_header(count: u64, lines: &[u64]) -> Option<StructureNote> {
    (count > 0).then(|| StructureNote {
        kind: "repeated_header",
        fail: true,
        lines: lines.to_vec(),
        message: format!(
            "{count} row{} repeat{} the header, first at line {}: tables stacked in one file (or files \
             concatenated); each such row is counted as a data row",
            if count == 1 { "" } else { "s" },
            if count == 1 { "s" } else { "" },
            lines.first().copied().unwrap_or(0),
        ),
        file: None,
    })
}

/// A note for a file that changed while it was read (appended to, rewritten or truncated): its
/// counts are of neither version. The read itself stops cleanly at whatever end it meets.
pub(super) fn changed(
    before: Option<(u64, Option<std::time::SystemTime>)>,
    after: Option<(u64, Option<std::time::SystemTime>)>,
) -> Option<StructureNote> {
    let message = match (before, after) {
        (Some(b), Some(a)) if a == b => return None,
        (Some((b, _)), Some((a, _))) if a != b => {
            format!(
                "the file changed while it was read ({b} bytes, then {a}): the counts mix two versions; scan it again"
            )
        }
        (Some(_), Some(_)) => {
            "the file was modified while it was read: the counts may mix two versions; scan it again".into()
        }
        (Some(_), None) => "the file was removed while it was read: the counts are of what was read before".into(),
        _ => return None,
    };
    Some(StructureNote { kind: "changed_while_read", fail: true, lines: Vec::new(), message, file: None })
}

/// A note for header cells that are empty, by position.
pub(super) fn empty_names(raw: &[String], line: u64) -> Option<StructureNote> {
    let empty: Vec<String> =
        raw.iter().enumerate().filter(|(_, h)| h.is_empty()).map(|(i, _)| format!("column_{}", i + 1)).collect();
    (!empty.is_empty() && empty.len() < raw.len()).then(|| StructureNote {
        kind: "empty_header_names",
        fail: false,
        lines: vec![line],
        message: format!(
            "the header at line {line} has {} empty name{}: named {}",
            empty.len(),
            if empty.len() == 1 { "" } else { "s" },
            empty.join(", ")
        ),
        file: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Layout {
        layout(text.as_bytes(), true, b',', &[])
    }

    const DATA: &str =
        "id,weight,seen\n1,2.5,2024-01-02\n2,3.5,2024-01-03\n3,4.5,2024-01-04\n4,5.5,2024-01-05\n5,1.5,2024-01-06\n";

    #[test]
    fn a_plain_file_has_no_notes() {
        let plain = |l: Layout| Layout { width: 0, ..l } == Layout::default();
        assert!(plain(of(DATA)));
        assert!(plain(of("name,city\nAda,London\nBob,Paris\n")));
        assert!(plain(of("a,b,c\n1,2\n3,4\n")), "a short data row is not a preamble");
    }

    #[test]
    fn a_title_and_an_empty_line_of_delimiters_are_skipped() {
        let l = of(&format!("Weights export\n,,\n{DATA}"));
        assert_eq!(l.preamble, [1, 2]);
        assert!(!l.no_header && l.extra_header.is_empty());
        assert_eq!(l.notes[0].message, "lines 1–2 before the header: skipped 2 preamble lines; the header is line 3");
    }

    #[test]
    fn a_first_line_of_data_is_read_as_data_unless_the_profile_names_it() {
        let body = DATA.split_once('\n').map_or("", |(_, b)| b);
        let l = of(body);
        assert!(l.no_header);
        assert_eq!(l.notes[0].kind, "no_header");
        let named = layout(body.as_bytes(), true, b',', &["1".into()]);
        assert!(!named.no_header);
        assert!(named.notes[0].message.contains("assumed it is the header"));
    }

    #[test]
    fn a_second_and_third_header_row_are_header() {
        let mut lines: Vec<&str> = DATA.lines().collect();
        lines.insert(1, "identifier,kg,date");
        lines.insert(2, ",net,");
        let l = of(&lines.join("\n"));
        assert_eq!(l.extra_header, [2, 3]);
        // A numeric column holding a placeholder is data.
        let l = of("id,weight\n1,N/A\n2,3.5\n3,4.5\n4,5.5\n5,6.5\n");
        assert!(l.extra_header.is_empty(), "{l:?}");
    }

    #[test]
    fn a_file_that_changes_while_read_is_a_note() {
        let t = Some(std::time::SystemTime::UNIX_EPOCH);
        assert_eq!(changed(Some((10, t)), Some((10, t))), None);
        let n = changed(Some((10, t)), Some((4, t))).map(|n| (n.kind, n.fail, n.message));
        assert_eq!(
            n,
            Some((
                "changed_while_read",
                true,
                "the file changed while it was read (10 bytes, then 4): the counts mix two versions; scan it again"
                    .into()
            ))
        );
        assert!(changed(Some((10, t)), None).is_some());
    }

    #[test]
    fn ragged_runs_tell_footnotes_from_a_second_table() {
        let mut r = RaggedRuns::default();
        r.push(8, 10, 1);
        r.push(9, 11, 1);
        let notes = r.notes(10, 4);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, "footnotes");
        assert_eq!(notes[0].lines, [10, 11]);
        let mut r = RaggedRuns::default();
        for row in 5..20 {
            r.push(row, row + 2, 2);
        }
        let notes = r.notes(20, 4);
        assert_eq!((notes[0].kind, notes[0].fail), ("stacked_tables", true));
        let mut r = RaggedRuns::default();
        r.push(5, 7, 1);
        let notes = r.notes(20, 4);
        assert_eq!(notes[0].lines, [7]);
    }
}
