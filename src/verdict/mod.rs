//! Judges measures against the profile's thresholds: every check yields a `Finding` (PASS, WARN
//! or FAIL) with its evidence, and the worst finding per checklist part makes the verdict.

mod finding;
pub mod id;
pub mod readiness;
pub mod review;

pub use finding::{Check, Checklist, Finding, Severity};
pub use id::{FindingId, Rule, Subject};

use crate::profile::Limit;

/// Severity of a value that must stay at or below its limits (a share of missing values, an age).
pub fn at_most<T: PartialOrd + Copy>(value: T, limit: &Limit<T>) -> Severity {
    if limit.fail.is_some_and(|f| value > f) {
        Severity::Fail
    } else if limit.warn.is_some_and(|w| value > w) {
        Severity::Warn
    } else {
        Severity::Pass
    }
}

/// Severity of a value that must stay at or above its limits (label coverage).
pub fn at_least<T: PartialOrd + Copy>(value: T, limit: &Limit<T>) -> Severity {
    if limit.fail.is_some_and(|f| value < f) {
        Severity::Fail
    } else if limit.warn.is_some_and(|w| value < w) {
        Severity::Warn
    } else {
        Severity::Pass
    }
}

/// The verdict of a scan: the worst finding, PASS when there is none.
pub fn verdict(findings: &[Finding]) -> Severity {
    findings.iter().map(|f| f.severity).max().unwrap_or(Severity::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_inclusive_of_their_threshold() {
        let l = Limit { warn: Some(0.02), fail: Some(0.10) };
        assert_eq!(at_most(0.02, &l), Severity::Pass);
        assert_eq!(at_most(0.021, &l), Severity::Warn);
        assert_eq!(at_most(0.10, &l), Severity::Warn);
        assert_eq!(at_most(0.11, &l), Severity::Fail);
        let c = Limit { warn: Some(0.8), fail: Some(0.5) };
        assert_eq!(at_least(0.8, &c), Severity::Pass);
        assert_eq!(at_least(0.79, &c), Severity::Warn);
        assert_eq!(at_least(0.49, &c), Severity::Fail);
        let fail_only = Limit { warn: None, fail: Some(0u64) };
        assert_eq!(at_most(0u64, &fail_only), Severity::Pass);
        assert_eq!(at_most(1u64, &fail_only), Severity::Fail);
    }
}
