//! `--format gitlab`: a GitLab Code Quality report, a JSON array of issues with the fields
//! GitLab documents (`description`, `check_name`, `fingerprint`, `severity`, `location.path`,
//! `location.lines.begin`), so merge requests show the WARN and FAIL findings inline.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::verdict::{Finding, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue<'_>> =
        report.findings.iter().filter(|f| f.severity > Severity::Pass).map(|f| issue(report, f)).collect();
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(io::Error::other)?;
    writeln!(out)
}

fn issue<'a>(r: &'a Report, f: &'a Finding) -> Issue<'a> {
    Issue {
        description: format!("{} {}: {}", f.severity.as_str(), f.check.as_str(), f.message),
        check_name: &f.id,
        fingerprint: fingerprint(&r.profile.name, f),
        severity: severity(f.severity),
        location: IssueLocation { path: &r.profile.path, lines: Lines { begin: r.profile.line_of(f) } },
    }
}

/// GitLab's vocabulary is info, minor, major, critical, blocker. A FAIL stops the pilot but is
/// a finding about data, not a broken build: critical; a WARN is minor.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Fail => "critical",
        Severity::Warn => "minor",
        Severity::Pass => "info",
    }
}

/// Stable across runs: the pilot and the finding's id, never its message (whose numbers move),
/// so GitLab can tell a finding fixed from one still open.
fn fingerprint(pilot: &str, f: &Finding) -> String {
    let key = format!("preflight\u{0}{pilot}\u{0}{}", f.id);
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::{rendered, sample};

    #[test]
    fn documented_fields_with_stable_fingerprints() {
        let r = sample::sample();
        let a: Value = serde_json::from_str(&rendered(render, &r)).unwrap_or_default();
        let issues = a.as_array().cloned().unwrap_or_default();
        let wanted = r.findings.iter().filter(|f| f.severity > Severity::Pass).count();
        assert_eq!(issues.len(), wanted);
        for i in &issues {
            assert!(i["description"].is_string() && i["check_name"].is_string(), "{i}");
            assert!(["minor", "critical"].contains(&i["severity"].as_str().unwrap_or("")), "{i}");
            assert_eq!(i["location"]["path"], "profiles/support-deflection.toml");
            assert!(i["location"]["lines"]["begin"].as_u64().is_some_and(|l| l >= 1), "{i}");
            assert_eq!(i["fingerprint"].as_str().map(str::len), Some(32));
        }
        let mut prints: Vec<&str> = issues.iter().filter_map(|i| i["fingerprint"].as_str()).collect();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), issues.len(), "one fingerprint per finding");
        // Another run whose numbers moved keeps every fingerprint.
        let mut later = r.clone();
        later.duration_ms += 1000;
        for f in &mut later.findings {
            f.message.push_str(" (again)");
        }
        let b: Value = serde_json::from_str(&rendered(render, &later)).unwrap_or_default();
        let fp = |v: &Value| v.as_array().map(|a| a.iter().map(|i| i["fingerprint"].clone()).collect::<Vec<_>>());
        assert_eq!(fp(&a), fp(&b));
    }
}
