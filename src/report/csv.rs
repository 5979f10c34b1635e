//! `--format csv`: one row per finding, PASS included, so a reviewer can sort, filter and
//! assign findings in a spreadsheet. Written with the `csv` crate, which quotes what needs it.

use std::io::{self, Write};

use super::Report;
use super::view::example_parts;
use crate::verdict::Finding;

/// The header row; evidence locators and values are joined with ` | ` in one cell each, so that
/// a finding stays one row however many examples it has.
pub const HEADER: [&str; 10] =
    ["id", "check", "severity", "source", "column", "value", "threshold", "message", "evidence", "evidence_values"];

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER).map_err(io::Error::other)?;
    for f in &report.findings {
        w.write_record(record(f)).map_err(io::Error::other)?;
    }
    w.flush()
}

fn record(f: &Finding) -> [String; 10] {
    let (at, values): (Vec<String>, Vec<String>) = f.evidence.iter().map(|e| example_parts(e, None)).unzip();
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    [
        f.id.to_string(),
        f.check.as_str().to_string(),
        f.severity.as_str().to_string(),
        opt(&f.source),
        opt(&f.column),
        opt(&f.value),
        opt(&f.threshold),
        f.message.clone(),
        at.join(" | "),
        values.join(" | "),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{rendered, sample};

    #[test]
    fn one_row_per_finding_read_back_by_the_csv_crate() {
        let r = sample::sample();
        let text = rendered(render, &r);
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
        assert_eq!(header, HEADER);
        let rows: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>().unwrap_or_default();
        assert_eq!(rows.len(), r.findings.len());
        for (row, f) in rows.iter().zip(&r.findings) {
            assert_eq!(row.get(0), Some(f.id.as_str()));
            assert_eq!(row.get(2), Some(f.severity.as_str()));
            assert_eq!(row.get(7), Some(f.message.as_str()), "messages with commas and quotes survive");
            assert_eq!(row.get(8).map(|e| !e.is_empty()), Some(!f.evidence.is_empty()));
        }
        assert!(rows.iter().any(|r| r.get(2) == Some("PASS")), "PASS findings are rows too");
    }
}
