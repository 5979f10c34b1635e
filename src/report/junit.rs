//! The JUnit XML report, so CI systems (Jenkins, GitLab, GitHub test reporters) show the checks
//! natively: one `<testsuite>` per checklist part, one `<testcase>` per finding.
//!
//! How severities map, and why:
//! - FAIL is a `<failure>`: the build's test report goes red, as the exit code does.
//! - WARN is `<skipped>` with the message, plus the details in `<system-out>`: a WARN does not
//!   fail a scan without `--strict`, so it must not fail the CI report either, yet it stays
//!   visible and countable (a skipped test is listed by every JUnit reader, a passing test's
//!   output is often hidden). Under `--strict` the exit code fails the job; the report is the same.
//! - PASS is a plain `<testcase>` with its message in `<system-out>`.
//!
//! A part with no findings ("not checked") is an empty suite. `errors` is always 0: a source
//! that could not be read is a FAIL of its access check, not an error of the scan. Output is
//! valid against the common Jenkins/Ant JUnit schema (tests/it/junit.xsd checks it).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::Report;
use super::view::{FindingRow, View};
use crate::fmt::seconds;
use crate::verdict::{Check, Finding, Severity};

/// Writes the report as one JUnit XML document.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(&View::new(report)).as_bytes())
}

fn document(v: &View) -> String {
    let r = v.report;
    let seconds = seconds(r.duration_ms);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // `testsuites` carries no `skipped` count: the Jenkins schema does not allow one there.
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{seconds}\">",
        esc(&format!("preflight: {}", r.profile.name)),
        r.findings.len(),
        v.count(Severity::Fail)
    );
    for (i, part) in v.parts.iter().enumerate() {
        if let Some(check) = part.check {
            suite(v, i, check, &mut x);
        }
    }
    x.push_str("</testsuites>\n");
    x
}

fn suite(v: &View, i: usize, check: Check, x: &mut String) {
    let r = v.report;
    // In the order the rules produced them, as CI systems list test cases.
    let part: Vec<&Finding> = v.part_in_rule_order(check);
    let n = |sev: Severity| part.iter().filter(|f| f.severity == sev).count();
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" id=\"{i}\" package=\"preflight\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
        check.as_str(),
        part.len(),
        n(Severity::Fail),
        n(Severity::Warn),
        esc(&r.as_of)
    );
    let verdict = r.checklist.get(check).map_or("not checked", Severity::as_str);
    x.push_str("    <properties>\n");
    let _ = writeln!(x, "      <property name=\"verdict\" value=\"{verdict}\"/>");
    let _ = writeln!(x, "      <property name=\"profile\" value=\"{}\"/>", esc(&r.profile.name));
    if let Some(owner) = &r.profile.owner {
        let _ = writeln!(x, "      <property name=\"owner\" value=\"{}\"/>", esc(owner));
    }
    let _ = writeln!(x, "      <property name=\"as_of\" value=\"{}\"/>", esc(&r.as_of));
    x.push_str("    </properties>\n");
    for f in part {
        case(r, f, x);
    }
    x.push_str("  </testsuite>\n");
}

fn case(r: &Report, f: &Finding, x: &mut String) {
    let row = FindingRow::new(r, f);
    let classname = match &f.source {
        Some(s) => format!("preflight.{}.{s}", f.check.as_str()),
        None => format!("preflight.{}", f.check.as_str()),
    };
    let _ = writeln!(x, "    <testcase name=\"{}\" classname=\"{}\" time=\"0\">", esc(&f.id), esc(&classname));
    let details = details(&row);
    match f.severity {
        Severity::Fail => {
            let _ = writeln!(
                x,
                "      <failure message=\"{}\" type=\"FAIL\">{}</failure>",
                esc(&f.message),
                esc_text(&details)
            );
        }
        Severity::Warn => {
            let _ = writeln!(x, "      <skipped message=\"WARN: {}\"/>", esc(&f.message));
            let _ = writeln!(x, "      <system-out>{}</system-out>", esc_text(&details));
        }
        Severity::Pass => {
            let _ = writeln!(x, "      <system-out>{}</system-out>", esc_text(&details));
        }
    }
    x.push_str("    </testcase>\n");
}

/// The finding for a log: severity, where, message, observed value, threshold, evidence.
fn details(row: &FindingRow) -> String {
    let f = row.finding;
    let mut lines = vec![format!("{} {} {}", f.severity.as_str(), f.check.as_str(), row.location)];
    lines.push(f.message.clone());
    if let Some(v) = &f.value {
        lines.push(format!("observed: {v}"));
    }
    if let Some(t) = &f.threshold {
        lines.push(format!("threshold: {t}"));
    }
    for e in &row.evidence {
        let (at, value) = (e.place(), e.shown());
        lines.push(if value.is_empty() { format!("e.g. {at}") } else { format!("e.g. {at} {value}") });
    }
    lines.join("\n")
}

/// Element text: as `esc`, but line ends stay line ends, which logs show as lines.
fn esc_text(s: &str) -> String {
    esc(s).replace("&#10;", "\n")
}

/// Text from the data as XML text or attribute value: markup characters as entities, line ends
/// as character references (so attributes keep them), and characters XML 1.0 cannot hold at
/// all (other control characters, even as references) shown escaped as `\u{1b}`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;

    fn xml(r: &Report) -> String {
        crate::report::rendered(render, r)
    }

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(xml(&sample()));
    }

    #[test]
    fn a_trend_suite_only_with_a_history() {
        let out = xml(&crate::report::sample_with_trend());
        assert_eq!(out.matches("<testsuite ").count(), Check::ALL.len() + 1);
        assert!(out.contains("<testsuite name=\"trend\" id=\"5\" package=\"preflight\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\""), "{out}");
        assert!(!xml(&sample()).contains("name=\"trend\""));
    }

    #[test]
    fn one_testcase_per_finding_and_counts_add_up() {
        let r = sample();
        let out = xml(&r);
        assert_eq!(out.matches("<testcase ").count(), r.findings.len());
        assert_eq!(out.matches("<testsuite ").count(), Check::ALL.len());
        let fails = r.findings.iter().filter(|f| f.severity == Severity::Fail).count();
        let warns = r.findings.iter().filter(|f| f.severity == Severity::Warn).count();
        assert_eq!(out.matches("<failure ").count(), fails);
        assert_eq!(out.matches("<skipped ").count(), warns);
        assert!(out.contains(&format!("tests=\"{}\" failures=\"{fails}\" errors=\"0\"", r.findings.len())));
        // Per suite, the counts match the cases inside it.
        for suite in out.split("<testsuite ").skip(1) {
            let attr = |name: &str| -> usize {
                let key = format!(" {name}=\"");
                suite
                    .split_once(&key)
                    .and_then(|(_, rest)| rest.split('"').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(usize::MAX)
            };
            let body = suite.split("</testsuite>").next().unwrap_or_default();
            assert_eq!(attr("tests"), body.matches("<testcase ").count());
            assert_eq!(attr("failures"), body.matches("<failure ").count());
            assert_eq!(attr("skipped"), body.matches("<skipped ").count());
        }
        assert!(out.contains("<testsuite name=\"connected\" id=\"4\" package=\"preflight\" tests=\"3\""));
        // A part with no finding: an empty suite, marked not checked.
        let mut r = sample();
        r.findings.retain(|f| f.check != Check::Connected);
        r.checklist = crate::report::Checklist::from_findings(&r.findings);
        let out = xml(&r);
        assert!(out.contains("<testsuite name=\"connected\" id=\"4\" package=\"preflight\" tests=\"0\""));
        assert!(out.contains("<property name=\"verdict\" value=\"not checked\"/>"));
    }

    #[test]
    fn data_text_is_escaped_and_xml_safe() {
        let mut r = sample();
        for f in &mut r.findings {
            f.message = "a <b> & \"c\" 'd' \u{1b}[31m \u{0} ]]>".into();
        }
        let out = xml(&r);
        assert!(out.contains("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; \\u{1b}[31m \\0 ]]&gt;"));
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'));
    }
}
