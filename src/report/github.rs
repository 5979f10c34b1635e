//! `--format github`: GitHub Actions workflow commands. An `::error` per FAIL and a `::warning`
//! per WARN, the ten that matter most of each (GitHub shows no more per step), each pointing at
//! the profile line of the source or entity it concerns, then one `::notice` with the counts
//! left out. Also the step summary: the Markdown report trimmed under GitHub's 1 MiB limit.

use std::io::{self, Write};

use super::Report;
use super::view::{View, example_parts};
use crate::verdict::{Finding, Severity};

/// GitHub shows at most this many annotations of each level per step.
pub const MAX_PER_LEVEL: usize = 10;

/// `GITHUB_STEP_SUMMARY` takes at most 1 MiB per step; the summary stays under it.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(commands(&View::new(report)).as_bytes())
}

/// FAILs, then WARNs, most important first: a source that cannot be read before its measures,
/// then in the report's order (sources, then entities).
fn ranked(r: &Report, sev: Severity) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == sev).collect();
    v.sort_by_key(|f| f.id.rule.measure() != "access");
    v
}

fn commands(v: &View) -> String {
    let r = v.report;
    let mut s = String::new();
    let mut left = Vec::new();
    for (sev, level) in [(Severity::Fail, "error"), (Severity::Warn, "warning")] {
        let all = ranked(r, sev);
        for f in all.iter().take(MAX_PER_LEVEL) {
            let title = format!("preflight {} {}: {}", sev.as_str(), f.check.as_str(), f.id);
            s.push_str(&format!(
                "::{level} file={},line={},title={}::{}\n",
                property(&r.profile.path),
                r.profile.line_of(f),
                property(&title),
                data(&message(f))
            ));
        }
        if all.len() > MAX_PER_LEVEL {
            left.push(format!("{} more {}", all.len() - MAX_PER_LEVEL, sev.as_str()));
        }
    }
    let mut notice = format!(
        "data access {} · {} FAIL, {} WARN, {} PASS",
        v.headline.as_str(),
        v.count(Severity::Fail),
        v.count(Severity::Warn),
        v.count(Severity::Pass)
    );
    if left.is_empty() {
        notice.push_str(" · every FAIL and WARN is annotated");
    } else {
        notice.push_str(&format!(" · not annotated: {} (see the step summary or `--format json`)", left.join(", ")));
    }
    notice.push_str(&format!(" · review: {}", r.readiness.summary));
    s.push_str(&format!(
        "::notice file={},title={}::{}\n",
        property(&r.profile.path),
        property(&format!("preflight: {}", r.profile.name)),
        data(&notice)
    ));
    s
}

/// The message and its evidence, one example per line.
fn message(f: &Finding) -> String {
    let mut m = f.message.clone();
    for e in &f.evidence {
        let (at, value) = example_parts(e, None);
        m.push_str(&format!("\n{at} {value}"));
    }
    m.trim_end().to_string()
}

/// Escapes a command's message (GitHub's `escapeData`).
pub fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (GitHub's `escapeProperty`): also `:` and `,`.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown report cut at a line boundary to fit in `limit` bytes, with a note of what was
/// cut; a report that fits is returned as is.
pub fn step_summary(markdown: &str, limit: usize) -> String {
    if markdown.len() <= limit {
        return markdown.to_string();
    }
    // Room for the note, whose numbers are at most 20 digits each.
    let room = limit.saturating_sub(200);
    let mut cut = 0;
    for (i, _) in markdown.match_indices('\n') {
        if i + 1 > room {
            break;
        }
        cut = i + 1;
    }
    let kept = &markdown[..cut];
    let cut_lines = markdown[cut..].lines().count();
    format!(
        "{kept}\n> **Trimmed:** {cut_lines} more lines ({} bytes) of this report were cut to stay under GitHub's \
         1 MiB step-summary limit; `--format markdown --out FILE` writes all of it.\n",
        markdown.len() - cut
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{rendered, sample};
    use crate::verdict::{Check, FindingId, Rule, Subject};

    fn many(r: &mut Report, sev: Severity, n: usize) {
        for i in 0..n {
            let mut f = Finding::new(
                FindingId::new(Rule::MissingMaxMissingShare, Subject::column("kb", &format!("c{i}"))),
                Check::Clean,
                sev,
                Some("kb"),
                None,
            );
            f.message = format!("50% missing, 100%: {i}\nsecond line");
            r.findings.push(f);
        }
    }

    #[test]
    fn at_most_ten_of_each_then_one_notice() {
        let mut r = sample::sample();
        many(&mut r, Severity::Fail, 12);
        many(&mut r, Severity::Warn, 12);
        let fails = r.findings.iter().filter(|f| f.severity == Severity::Fail).count();
        let warns = r.findings.iter().filter(|f| f.severity == Severity::Warn).count();
        let text = rendered(render, &r);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.iter().filter(|l| l.starts_with("::error ")).count(), 10);
        assert_eq!(lines.iter().filter(|l| l.starts_with("::warning ")).count(), 10);
        assert_eq!(lines.iter().filter(|l| l.starts_with("::notice ")).count(), 1);
        assert_eq!(lines.len(), 21, "one line per command: newlines are escaped");
        let notice = lines.last().copied().unwrap_or_default();
        let left_out = format!("not annotated: {} more FAIL, {} more WARN", fails - 10, warns - 10);
        assert!(notice.contains(&left_out), "{notice}");
        // Messages escape `%` and newlines; properties also `:` and `,`.
        let ours = lines.iter().find(|l| l.contains("missing.max_missing_share.kb.c0")).copied().unwrap_or_default();
        assert!(ours.ends_with("::50%25 missing, 100%25: 0%0Asecond line"), "{ours}");
        assert!(ours.contains("title=preflight FAIL clean%3A missing.max_missing_share.kb.c0::"), "{ours}");
    }

    #[test]
    fn annotations_point_at_the_source_or_entity_line() {
        let r = sample::sample();
        let text = rendered(render, &r);
        let mut seen = 0;
        for f in r.findings.iter().filter(|f| f.severity > Severity::Pass) {
            let l = text.lines().find(|l| l.contains(&format!("%3A {}::", f.id))).unwrap_or_default();
            let want = match (f.entity(), f.source.as_deref()) {
                (Some("customer"), _) => 44,
                (None, Some("tickets")) => 20,
                (None, Some("kb")) => 31,
                (None, Some("agents")) => 38,
                _ => 1,
            };
            assert!(
                l.starts_with(&format!(
                    "::{} file=profiles/support-deflection.toml,line={want},",
                    if f.severity == Severity::Fail { "error" } else { "warning" }
                )),
                "{} -> {l}",
                f.id
            );
            seen += 1;
        }
        assert!(seen > 5, "the sample has FAILs and WARNs of sources and the entity");
    }

    #[test]
    fn a_large_summary_is_trimmed_with_a_note() {
        let md = "| row | value |\n".repeat(1000);
        assert_eq!(step_summary(&md, 1 << 20), md);
        let trimmed = step_summary(&md, 4000);
        assert!(trimmed.len() <= 4000, "{}", trimmed.len());
        assert!(trimmed.contains("> **Trimmed:**"), "{trimmed}");
        let kept = trimmed.lines().filter(|l| l.starts_with("| row")).count();
        assert!(trimmed.contains(&format!("{} more lines", 1000 - kept)), "{trimmed}");
    }
}
