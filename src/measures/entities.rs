//! The rules per entity (the `connected` part of the checklist): unmatched keys per system,
//! duplicated keys where they should be unique, disagreeing values, and key shapes.

use crate::measures::EntityReport;
use crate::profile::{EntitySpec, Profile};
use crate::stats::entity::Measured;
use crate::stats::{Example, Locator, LocatorInFile};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};

use super::rules::{crossed, limit_text, pct};
use crate::verdict::at_most;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::PerSystem;
    use crate::profile::{Limit, Pilot, Review, TrendSettings};
    use crate::stats::keys::Comparison;

    fn profile(sources: Vec<crate::profile::SourceSpec>) -> Profile {
        Profile {
            path: "p.toml".into(),
            pilot: Pilot::default(),
            sources,
            entities: Vec::new(),
            trend: TrendSettings::default(),
            review: Review::default(),
        }
    }

    /// `customer` in `tickets.customer_email` and `crm.email`, `tickets` declared unique, one
    /// `compare` pair.
    fn spec() -> EntitySpec {
        EntitySpec {
            name: "customer".into(),
            line: 1,
            keys: vec![("tickets".into(), "customer_email".into()), ("crm".into(), "email".into())],
            normalize: Vec::new(),
            compare: vec![(("tickets".into(), "name".into()), ("crm".into(), "name".into()))],
            unique: vec!["tickets".into()],
            max_unmatched_share: Limit::default(),
            max_duplicate_keys: Limit::default(),
            max_conflict_share: Limit::default(),
        }
    }

    /// Tickets: 1 of 4 distinct keys unmatched (a share of exactly 0.25), 2 keys duplicated.
    /// Crm: every key matched. The pair disagrees on 1 of 4 matched keys (0.25).
    fn measured() -> Measured {
        Measured {
            distinct: vec![4, 3],
            missing: vec![0, 0],
            duplicates: vec![2, 0],
            unmatched: vec![1, 0],
            in_all: 3,
            union: 4,
            matched_raw: 3,
            shapes: vec![vec![("A@A.A".into(), 4)], vec![("A@A.A".into(), 3)]],
            keyed: vec![4, 3],
            fetched: vec![0, 0],
            conflicts: vec![Some(Comparison { compared: 4, conflicting: 1, examples: Vec::new() })],
            suggestion: None,
            unmatched_examples: vec![vec!["x@y.z".into()], Vec::new()],
            duplicate_examples: vec![Vec::new(), Vec::new()],
        }
    }

    fn judged(spec: &EntitySpec, m: &Measured) -> Vec<Finding> {
        judged_in(&profile(Vec::new()), spec, m)
    }

    fn judged_in(p: &Profile, spec: &EntitySpec, m: &Measured) -> Vec<Finding> {
        let r = crate::entity::report(spec, m, "preflight", &[]);
        evaluate(p, spec, &r, m)
    }

    fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
        f.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding {id}"))
    }

    #[test]
    fn unmatched_share_passes_warns_and_fails_at_its_limits() {
        let at = |warn, fail| {
            let mut s = spec();
            s.max_unmatched_share = Limit { warn, fail };
            let f = judged(&s, &measured());
            assert_eq!(get(&f, "entities.max_unmatched_share.customer.crm").severity, Severity::Pass, "none unmatched");
            let t = get(&f, "entities.max_unmatched_share.customer.tickets");
            assert_eq!(t.value.as_deref(), Some("25%"));
            t.severity
        };
        assert_eq!(at(Some(0.25), Some(0.5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0.2499), Some(0.5)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0.1), Some(0.25)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0.1), Some(0.2499)), Severity::Fail, "just past fail");
    }

    #[test]
    fn duplicate_keys_pass_warn_and_fail_at_their_limits_where_keys_are_unique() {
        let at = |warn, fail| {
            let mut s = spec();
            s.max_duplicate_keys = Limit { warn, fail };
            let f = judged(&s, &measured());
            assert!(f.iter().all(|f| f.id != "entities.max_duplicate_keys.customer.crm"), "crm need not be unique");
            let d = get(&f, "entities.max_duplicate_keys.customer.tickets");
            assert_eq!(d.value.as_deref(), Some("2"));
            d.severity
        };
        assert_eq!(at(Some(2), Some(5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(1), Some(5)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0), Some(2)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0), Some(1)), Severity::Fail, "just past fail");
    }

    #[test]
    fn a_systems_own_unique_key_is_judged_for_duplicates() {
        let mut crm = crate::measures::rules::tests::spec();
        crm.name = "crm".into();
        crm.key = Some(crate::measures::rules::tests::named("email"));
        let mut s = spec();
        s.unique.clear();
        s.max_duplicate_keys = Limit { warn: Some(0), fail: None };
        let mut m = measured();
        m.duplicates = vec![2, 1];
        let f = judged_in(&profile(vec![crm]), &s, &m);
        assert_eq!(get(&f, "entities.max_duplicate_keys.customer.crm").severity, Severity::Warn);
        assert!(f.iter().all(|f| f.id != "entities.max_duplicate_keys.customer.tickets"));
    }

    #[test]
    fn conflict_share_passes_warns_and_fails_at_its_limits() {
        let id = "entities.max_conflict_share.customer.tickets.name.crm.name";
        let at = |warn, fail| {
            let mut s = spec();
            s.max_conflict_share = Limit { warn, fail };
            let f = judged(&s, &measured());
            let c = get(&f, id);
            assert_eq!(c.value.as_deref(), Some("25%"));
            c.severity
        };
        assert_eq!(at(Some(0.25), Some(0.5)), Severity::Pass, "at the warn limit");
        assert_eq!(at(Some(0.2499), Some(0.5)), Severity::Warn, "just past warn");
        assert_eq!(at(Some(0.1), Some(0.25)), Severity::Warn, "at the fail limit");
        assert_eq!(at(Some(0.1), Some(0.2499)), Severity::Fail, "just past fail");
        // A compared column that is not in its source cannot be judged.
        let mut m = measured();
        m.conflicts = vec![None];
        let f = judged(&spec(), &m);
        let c = get(&f, id);
        assert_eq!((c.severity, c.value.as_deref()), (Severity::Fail, Some("absent")));
    }

    #[test]
    fn key_shapes_warn_only_when_they_differ_and_normalizing_recovers_nothing() {
        let shapes = |second: &str, matched_raw| {
            let mut m = measured();
            m.shapes[1] = vec![(second.to_string(), 3)];
            m.matched_raw = matched_raw;
            let f = judged(&spec(), &m);
            let k = get(&f, "entities.key_shapes.customer");
            (k.severity, k.value.clone().unwrap_or_default())
        };
        assert_eq!(shapes("A@A.A", 3), (Severity::Pass, "agree".to_string()));
        assert_eq!(shapes("9999", 3), (Severity::Warn, "differ".to_string()), "nothing recovered");
        assert_eq!(shapes("9999", 2), (Severity::Pass, "differ".to_string()), "normalizing recovered one match");
    }

    #[test]
    fn an_unmeasured_entity_fails() {
        let s = spec();
        let r = EntityReport::unmeasured(
            "customer",
            PerSystem(s.keys.clone()),
            Vec::new(),
            "crm: connection refused".into(),
        );
        let f = evaluate_unmeasured(&s, &r);
        let u = get(&f, "entities.unmeasured.customer");
        assert_eq!((u.severity, u.value.as_deref()), (Severity::Fail, Some("unmeasured")));
        assert!(u.message.contains("connection refused"));
        assert!(judged(&s, &measured()).iter().all(|f| f.id != "entities.unmeasured.customer"));
    }
}
