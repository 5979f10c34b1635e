//! `preflight history` as GitHub-flavoured Markdown, for a go/no-go review page: per profile a
//! table of verdicts and checklist parts per scan, then per source a table of its main measures
//! per scan. Text from the data goes through the scan report's escaping, so a name holding `|`
//! or `<` never breaks a table.

use std::io::{self, Write};

use super::{HistoryReport, MostMissing, ScanRecord, direction, judged};
use crate::fmt::{count, pct, thousands, when};
use crate::report::escape::{code, text};
use crate::verdict::Severity;

pub fn render(h: &HistoryReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(h).as_bytes())
}

fn document(h: &HistoryReport) -> String {
    let mut md = String::from("# Data readiness history\n\n");
    let profiles = h.profiles();
    md.push_str(&format!(
        "- **History:** {}\n- **Scans:** {} of {} profile(s)\n\n",
        code(&h.history, false),
        thousands(h.scans.len() as u64),
        profiles.len()
    ));
    if h.scans.is_empty() {
        md.push_str("No scan stored yet: `preflight scan PROFILE --history PATH` adds one.\n");
    }
    for p in profiles {
        profile(p, &h.of(p), &mut md);
    }
    md
}

fn profile(name: &str, scans: &[&ScanRecord], md: &mut String) {
    let (Some(first), Some(last)) = (scans.first(), scans.last()) else { return };
    md.push_str(&format!("## {}\n\n", text(name)));
    let verdicts: Vec<Severity> = scans.iter().map(|s| s.verdict).collect();
    md.push_str(&format!(
        "{} from {} to {}. Verdict: {}.\n\n",
        count(scans.len() as u64, "scan", "scans"),
        text(&when(&first.as_of)),
        text(&when(&last.as_of)),
        text(&direction(&verdicts))
    ));
    // Only the parts some scan judged: `connected` stays out until entities are measured.
    let parts: Vec<&str> =
        super::PART_ORDER.into_iter().filter(|p| scans.iter().any(|s| s.checklist.get(p).is_some())).collect();
    md.push_str("| As of | Verdict |");
    for p in &parts {
        md.push_str(&format!(" {} |", p.replace('_', " ")));
    }
    md.push_str(" FAIL | WARN |\n|---|---|");
    md.push_str(&"---|".repeat(parts.len()));
    md.push_str("--:|--:|\n");
    for s in scans {
        md.push_str(&format!("| {} | **{}** |", text(&when(&s.as_of)), s.verdict.as_str()));
        for p in &parts {
            md.push_str(&format!(" {} |", s.checklist.get(p).map_or("–", Severity::as_str)));
        }
        md.push_str(&format!(" {} | {} |\n", s.findings.fail, s.findings.warn));
    }
    md.push('\n');

    let sources = super::source_names(scans);
    for source in sources {
        md.push_str(&format!("### Source {}\n\n", code(source, false)));
        md.push_str("| As of | Rows | Ready | Stale | Labeled | Most missing |\n|---|--:|--:|--:|--:|---|\n");
        let share = |x: Option<f64>| x.map_or_else(|| "–".to_string(), pct);
        for s in scans {
            let at = text(&when(&s.as_of));
            match s.source(source) {
                None => md.push_str(&format!("| {at} | not in this scan | | | | |\n")),
                Some(src) if !src.is_ok() => md.push_str(&format!("| {at} | **error** | | | | |\n")),
                Some(src) => {
                    let missing = match src.most_missing() {
                        MostMissing::Column(c, x) => format!("{} {}", code(c, true), pct(x)),
                        MostMissing::Nothing => "none".into(),
                        MostMissing::Unknown => "–".into(),
                    };
                    md.push_str(&format!(
                        "| {at} | {} | {} | {} | {} | {missing} |\n",
                        src.rows.map_or_else(|| "–".to_string(), thousands),
                        share(src.ready_share),
                        share(src.stale_share),
                        share(src.coverage)
                    ));
                }
            }
        }
        if let Some((a, b)) = super::first_and_last(source, scans)
            && let (Some(x), Some(y)) = (a.ready_share, b.ready_share)
        {
            md.push_str(&format!("\nReady share {} → {} ({}).\n", pct(x), pct(y), judged(y - x, true)));
        }
        md.push('\n');
    }

    let entities = super::entity_systems(scans);
    if !entities.is_empty() {
        md.push_str("### Unmatched keys per entity and system\n\n| As of |");
        for (e, s) in &entities {
            md.push_str(&format!(" {} |", code(&format!("{e}.{s}"), true)));
        }
        md.push_str("\n|---|");
        md.push_str(&"--:|".repeat(entities.len()));
        md.push('\n');
        for s in scans {
            md.push_str(&format!("| {} |", text(&when(&s.as_of))));
            for (e, system) in &entities {
                let v = s.entity(e).and_then(|x| x.unmatched_share.get(*system)).copied();
                md.push_str(&format!(" {} |", v.map_or_else(|| "–".to_string(), pct)));
            }
            md.push('\n');
        }
        md.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::history::sample;

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(document(&sample()));
    }

    #[test]
    fn names_cannot_break_a_table() {
        let mut h = sample();
        for s in &mut h.scans {
            for src in &mut s.sources {
                src.missing_column = Some("a|b<script>".into());
            }
        }
        let md = document(&h);
        // Markup from the data only ever appears inside a code span, where it is text.
        assert_eq!(md.matches("<script>").count(), md.matches("`a\\|b<script>`").count(), "{md}");
        // Every row of a source table has its six cells: the `|` in the name is escaped.
        for line in md.lines().filter(|l| l.starts_with("| 2025") && l.contains("a\\|b")) {
            let cells = line.replace("\\|", "").matches('|').count() - 1;
            assert_eq!(cells, 6, "{line}");
        }
        assert!(md.contains("`a\\|b<script>`"), "{md}");
    }
}
