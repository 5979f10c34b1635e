//! PASS, WARN and FAIL edges of the entity rules (`measures::entities`). They sit here rather
//! beside the rules because they build the entity's report with `entity::report`, a layer above
//! `measures`, so the import-direction test holds for test code too.

use crate::measures::EntityReport;
use crate::measures::PerSystem;
use crate::measures::entities::{evaluate, evaluate_unmeasured};
use crate::profile::{EntitySpec, Profile};
use crate::profile::{Limit, Pilot, Review, TrendSettings};
use crate::stats::entity::Measured;
use crate::stats::keys::Comparison;
use crate::verdict::{Finding, Severity};

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
    let r =
        EntityReport::unmeasured("customer", PerSystem(s.keys.clone()), Vec::new(), "crm: connection refused".into());
    let f = evaluate_unmeasured(&s, &r);
    let u = get(&f, "entities.unmeasured.customer");
    assert_eq!((u.severity, u.value.as_deref()), (Severity::Fail, Some("unmeasured")));
    assert!(u.message.contains("connection refused"));
    assert!(judged(&s, &measured()).iter().all(|f| f.id != "entities.unmeasured.customer"));
}
