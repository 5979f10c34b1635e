//! The rules per entity (the `connected` part of the checklist): unmatched keys per system,
//! duplicated keys where they should be unique, disagreeing values, and key shapes.

use crate::measures::EntityReport;
use crate::profile::{EntitySpec, Profile};
use crate::stats::entity::Measured;
use crate::stats::{Example, Locator, LocatorInFile};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};

use super::rules::{crossed, limit_text, pct};
use crate::verdict::at_most;

/// The documentation `preflight explain fragmentation` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("entities.md");

fn finding(id: FindingId, severity: Severity, source: &str, column: Option<&str>) -> Finding {
    Finding::new(id, Check::Connected, severity, Some(source), column)
}

/// A key as evidence: named by itself, since it stands for every row that holds it.
fn key_example(key: &str) -> Example {
    Example { at: LocatorInFile { file: None, at: Locator::EntityKey(key.to_string()) }, value: None }
}

/// `tickets`, `tickets and crm`, `tickets, kb and crm`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Every finding for an entity that was measured.
pub fn evaluate(profile: &Profile, spec: &EntitySpec, r: &EntityReport, m: &Measured) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = &spec.name;
    for (i, (system, column)) in spec.keys.iter().enumerate() {
        let distinct = m.distinct.get(i).copied().unwrap_or(0);
        let unmatched = m.unmatched.get(i).copied().unwrap_or(0);
        let share = r.unmatched_share.get(system).copied().unwrap_or(0.0);
        let exact = if distinct == 0 { 0.0 } else { unmatched as f64 / distinct as f64 };
        let th = &spec.max_unmatched_share;
        let sev = at_most(exact, th);
        let mut f = finding(
            FindingId::new(Rule::EntitiesMaxUnmatchedShare, Subject::system(name, system)),
            sev,
            system,
            Some(column),
        );
        f.value = Some(pct(share));
        f.threshold = limit_text(th, pct);
        let others: Vec<&str> = spec.keys.iter().map(|(s, _)| s.as_str()).filter(|s| s != system).collect();
        let elsewhere = match others.as_slice() {
            [one] => format!("are not in {one}"),
            _ => format!("are in no other system ({})", and_list(&others)),
        };
        f.message = if distinct == 0 {
            format!("{name}: `{system}` holds no `{column}` keys")
        } else {
            format!(
                "{name}: {} of `{system}.{column}` keys ({unmatched} of {distinct}) {elsewhere}{}",
                pct(share),
                crossed(sev, th, pct, "at")
            )
        };
        f.evidence = m.unmatched_examples.get(i).map_or_else(Vec::new, |v| v.iter().map(|k| key_example(k)).collect());
        out.push(f);

        let own_key = profile
            .sources
            .iter()
            .find(|s| &s.name == system)
            .is_some_and(|s| s.unique && s.key.as_ref().is_some_and(|k| &k.name == column));
        if own_key || spec.unique.iter().any(|u| u == system) {
            let dups = m.duplicates.get(i).copied().unwrap_or(0);
            let th = &spec.max_duplicate_keys;
            let sev = at_most(dups, th);
            let mut f = finding(
                FindingId::new(Rule::EntitiesMaxDuplicateKeys, Subject::system(name, system)),
                sev,
                system,
                Some(column),
            );
            f.value = Some(dups.to_string());
            f.threshold = limit_text(th, |x| x.to_string());
            f.message = if dups == 0 {
                format!("{name}: every `{column}` key of {system} is held by one row")
            } else {
                format!(
                    "{name}: {dups} `{column}` key(s) of {system} are held by more than one row{}",
                    crossed(sev, th, |x| x.to_string(), "above")
                )
            };
            f.evidence =
                m.duplicate_examples.get(i).map_or_else(Vec::new, |v| v.iter().map(|k| key_example(k)).collect());
            out.push(f);
        }
    }

    for (((ls, lc), (rs, rc)), c) in spec.compare.iter().zip(&m.conflicts) {
        let id = FindingId::new(
            Rule::EntitiesMaxConflictShare,
            Subject::Pair { entity: name.clone(), left: (ls.clone(), lc.clone()), right: (rs.clone(), rc.clone()) },
        );
        let Some(c) = c else {
            let mut f = finding(id, Severity::Fail, ls, Some(lc));
            f.value = Some("absent".into());
            f.message = format!("{name}: cannot compare `{ls}.{lc}` with `{rs}.{rc}`: a column is not in its source");
            out.push(f);
            continue;
        };
        let report = r.conflicts.iter().find(|x| x.left == format!("{ls}.{lc}") && x.right == format!("{rs}.{rc}"));
        let exact = if c.compared == 0 { 0.0 } else { c.conflicting as f64 / c.compared as f64 };
        let th = &spec.max_conflict_share;
        let sev = at_most(exact, th);
        let mut f = finding(id, sev, ls, Some(lc));
        f.value = Some(pct(report.map_or(exact, |x| x.share)));
        f.threshold = limit_text(th, pct);
        f.message = format!(
            "{name}: `{ls}.{lc}` and `{rs}.{rc}` disagree on {} of {} matched keys{}",
            c.conflicting,
            c.compared,
            crossed(sev, th, pct, "at")
        );
        if let Some(x) = report {
            f.evidence = x
                .examples
                .iter()
                .map(|e| Example {
                    at: LocatorInFile { file: None, at: Locator::EntityKey(e.key.clone()) },
                    value: Some(format!("{} vs {}", e.left, e.right)),
                })
                .collect();
        }
        out.push(f);
    }

    out.push(shapes(spec, r));
    out
}

fn shapes(spec: &EntitySpec, r: &EntityReport) -> Finding {
    let name = &spec.name;
    let firsts: Vec<String> =
        r.shapes.0.iter().filter_map(|(s, v)| v.first().map(|shape| format!("{s} {shape}"))).collect();
    let sev = if r.shapes_differ && r.recovered <= 0 { Severity::Warn } else { Severity::Pass };
    let mut f = finding(FindingId::new(Rule::EntitiesKeyShapes, Subject::Entity(name.clone())), sev, name, None);
    f.value = Some(if r.shapes_differ { "differ" } else { "agree" }.into());
    let suggestion = r.suggestion.as_ref().map(|s| {
        format!(
            "; `normalize = [{}]` would put {} keys in every system (now {})",
            s.normalize.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "),
            s.matched,
            r.matched_normalized
        )
    });
    f.message = match (r.shapes_differ, r.recovered > 0) {
        (false, _) => match r.shapes.0.first().and_then(|(_, v)| v.first()) {
            Some(shape) => format!("{name}: keys have the same shape everywhere ({shape})"),
            None => format!("{name}: no keys to compare"),
        },
        (true, true) => format!(
            "{name}: key shapes differ ({}); normalizing with {} recovers {} matches{}",
            firsts.join(", "),
            r.normalize.join(" and "),
            r.recovered,
            suggestion.unwrap_or_default()
        ),
        (true, false) => format!(
            "{name}: key shapes differ ({}) and {} keys match as written{}",
            firsts.join(", "),
            r.matched_raw,
            suggestion.unwrap_or_default()
        ),
    };
    f
}

/// An entity whose systems could not all be read: it cannot be judged, which fails `connected`.
pub fn evaluate_unmeasured(spec: &EntitySpec, r: &EntityReport) -> Vec<Finding> {
    let mut f = finding(
        FindingId::new(Rule::EntitiesUnmeasured, Subject::Entity(spec.name.clone())),
        Severity::Fail,
        &spec.name,
        None,
    );
    f.value = Some("unmeasured".into());
    f.message =
        format!("{}: cannot be measured: {}", spec.name, r.error.as_deref().unwrap_or("a system could not be read"));
    vec![f]
}
