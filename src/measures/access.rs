//! Access, the "permissioned" part: reachable and readable, credentials in the profile, a
//! role that can write, the session's transport, world-writable files, personal data.

use crate::measures::{AccessReport, SourceReport};
use crate::profile::{Location, SourceSpec, url_has_password};
use crate::sources::SourceStats;
use crate::stats::Example;
use crate::stats::pii::{PiiKind, mask};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};

use super::rules::{Ev, finding, pct};

/// The documentation `preflight explain access` prints, kept beside the measure it explains.
pub const EXPLAIN: &str = include_str!("access.md");

/// The documentation `preflight explain pii` prints, kept beside the measure it explains.
pub const EXPLAIN_PII: &str = include_str!("pii.md");

/// What a read source says about its access: files' owners and modes, a database role's
/// privileges, engine and transport.
pub(super) fn measure(stats: &SourceStats) -> AccessReport {
    let mut access = AccessReport::from_files(true, true, stats.access.as_ref());
    if let Some(fa) = &stats.access {
        access.notes.extend(fa.world_writable_files.iter().map(|f| format!("`{f}` is world-writable")));
    }
    if let Some(sql) = &stats.sql {
        access.can_write = Some(sql.can_write());
        access.owner = sql.table_owner.clone();
        access.notes.extend(sql.notes.iter().cloned());
        access.sql = Some(sql.clone());
        access.engine = sql.engine.clone();
        access.transport = sql.transport.clone();
    }
    access
}

/// A column is reported as personal data when at least this share of its present values
/// match one kind: a free-text column quoting an address now and then is not a PII column.
pub const PII_MIN_SHARE: f64 = 0.5;

/// The dominant PII kind of a column and its matches, when it covers enough of the values.
pub fn pii_of(counts: [u64; 6], present: u64) -> Option<(PiiKind, u64)> {
    let (kind, n) = PiiKind::ALL.iter().zip(counts).max_by_key(|(_, n)| *n)?;
    (n > 0 && present > 0 && n as f64 / present as f64 >= PII_MIN_SHARE).then_some((*kind, n))
}

pub(super) fn access(spec: &SourceSpec, report: &SourceReport, stats: Option<&SourceStats>, out: &mut Vec<Finding>) {
    let name = &spec.name;
    let mut f = finding(
        FindingId::new(Rule::AccessReadable, Subject::source(name)),
        Check::Permissioned,
        Severity::Pass,
        spec,
        None,
    );
    match &report.error {
        Some(e) => {
            f.severity = Severity::Fail;
            f.value = Some("unreadable".into());
            f.message = e.clone();
        }
        None => {
            f.value = Some("readable".into());
            f.message = format!("{} is reachable and readable", report.location);
        }
    }
    out.push(f);

    if let Location::Url { url, redacted, .. } = &spec.location
        && url_has_password(url)
    {
        {
            let mut f = finding(
                FindingId::new(Rule::AccessCredentials, Subject::source(name)),
                Check::Permissioned,
                Severity::Fail,
                spec,
                None,
            );
            f.value = Some(redacted.clone());
            f.message = "the profile holds a password inside the URL; use `password_env` instead".into();
            out.push(f);
        }
    }

    if let Location::Path { written, .. } = &spec.location
        && let Some(redacted) = crate::sources::object::secret_in_url(written)
    {
        let mut f = finding(
            FindingId::new(Rule::AccessCredentials, Subject::source(name)),
            Check::Permissioned,
            Severity::Fail,
            spec,
            None,
        );
        f.value = Some(redacted);
        f.message = "the profile holds a secret inside the object-store URL (a password, signature or token); \
                     credentials come from the cloud's own chain (environment, shared config files, instance identity)"
            .into();
        out.push(f);
    }

    if let Some(sql) = &report.access.sql {
        let can_write = sql.can_write();
        let sev = if can_write { Severity::Warn } else { Severity::Pass };
        let mut f =
            finding(FindingId::new(Rule::AccessCanWrite, Subject::source(name)), Check::Permissioned, sev, spec, None);
        let role = sql.role.clone().unwrap_or_else(|| "the role".into());
        let mut why = Vec::new();
        if sql.superuser == Some(true) {
            why.push("is a superuser".to_string());
        }
        if sql.owner == Some(true) {
            why.push("owns the table".to_string());
        }
        if !sql.write_privileges.is_empty() {
            why.push(format!("can {}", sql.write_privileges.join(", ")));
        }
        f.value = Some(if can_write { why.join("; ") } else { "read only".into() });
        f.message = if can_write {
            format!("role `{role}` {}: a scanner needs read only; use a read-only role", why.join(" and "))
        } else {
            format!("role `{role}` can read but not change the table")
        };
        out.push(f);
    }

    if let Some(t) = &report.access.transport {
        let plaintext_remote = !t.encrypted && t.remote_host.is_some();
        let sev = if plaintext_remote { Severity::Warn } else { Severity::Pass };
        let mut f =
            finding(FindingId::new(Rule::AccessPlaintext, Subject::source(name)), Check::Permissioned, sev, spec, None);
        f.value = Some(crate::measures::transport_text(t));
        let mode = t.mode.unwrap_or("prefer");
        f.message = match (&t.remote_host, t.encrypted, t.verified) {
            (Some(host), false, _) => format!(
                "the session to {host} is not encrypted (sslmode {mode}): credentials and data crossed the network \
                 unencrypted; set `tls = {{ mode = \"verify-full\", ca = … }}`"
            ),
            (None, false, _) => "the session is not encrypted, but stays on this machine (loopback)".into(),
            (_, true, true) => "the session is encrypted and the server's certificate verified".into(),
            (_, true, false) => format!(
                "the session is encrypted, but the server's certificate is not checked (sslmode {mode}): \
                 use `verify-full` with the provider's CA"
            ),
        };
        out.push(f);
    }

    if let Some(ww) = report.access.world_writable {
        let sev = if ww { Severity::Warn } else { Severity::Pass };
        let mut f = finding(
            FindingId::new(Rule::AccessWorldWritable, Subject::source(name)),
            Check::Permissioned,
            sev,
            spec,
            None,
        );
        let mode = report.access.mode.clone().unwrap_or_default();
        let owner = report.access.owner.clone().unwrap_or_default();
        f.value = Some(format!("mode {mode}, owner {owner}"));
        f.message = if ww {
            let files = stats.and_then(|s| s.access.as_ref()).map(|a| a.world_writable_files.len()).unwrap_or(1);
            format!("{files} file(s) anyone on the machine can change (mode {mode}, owner {owner})")
        } else {
            format!("files are not world-writable (mode {mode}, owner {owner})")
        };
        out.push(f);
    }

    if let Some(stats) = stats {
        let ev = Ev { stats, report };
        for c in &report.columns {
            let Some(p) = &c.pii else { continue };
            let sev = if p.acknowledged { Severity::Pass } else { Severity::Warn };
            let mut f = finding(
                FindingId::new(Rule::AccessPii, Subject::column(name, &c.name)),
                Check::Permissioned,
                sev,
                spec,
                Some(&c.name),
            );
            f.value = Some(format!("{} {}", pct(p.share), p.kind));
            f.message = if p.acknowledged {
                format!("{} of values look like {}; listed under `pii`", pct(p.share), pii_noun(&p.kind))
            } else {
                format!(
                    "{} of values look like {}, and the column is not listed under `pii`: confirm the pilot may use it",
                    pct(p.share),
                    pii_noun(&p.kind)
                )
            };
            if let Some(i) = ev.col(&c.name)
                && let Some(acc) = stats.acc.cols.get(i)
            {
                {
                    f.evidence = acc
                        .pii_examples
                        .iter()
                        .map(|(pos, kind, v)| Example { at: ev.at(pos), value: Some(mask(v, *kind)) })
                        .collect();
                }
            }
            out.push(f);
        }
    }
}

fn pii_noun(kind: &str) -> &'static str {
    match kind {
        "email" => "email addresses",
        "phone" => "phone numbers",
        "payment_card" => "payment card numbers",
        "iban" => "IBANs",
        "national_id" => "national ids",
        "ip_address" => "IP addresses",
        _ => "personal data",
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::tests::{findings_edited, findings_with, get, spec};
    use crate::measures::{PiiReport, SourceReport};
    use crate::profile::{Location, SourceSpec};
    use crate::sources::SqlAccess;
    use crate::sources::sql::Transport;
    use crate::verdict::{Finding, Severity};

    fn sev(f: &[Finding], id: &str) -> Severity {
        get(f, id).severity
    }

    fn edited(edit: impl FnOnce(&mut SourceReport)) -> Vec<Finding> {
        findings_edited(&spec(), edit)
    }

    fn at(written: &str) -> SourceSpec {
        let mut s = spec();
        s.location = if written.contains("://") && !written.starts_with("s3://") {
            Location::Url { url: written.into(), redacted: crate::profile::redact_url(written), base: ".".into() }
        } else {
            Location::Path { written: written.into(), resolved: written.into() }
        };
        s
    }

    #[test]
    fn a_readable_source_passes_and_an_error_fails() {
        assert_eq!(sev(&findings_with(&spec()), "access.readable.t"), Severity::Pass);
        let f = edited(|r| r.error = Some("permission denied".into()));
        let r = get(&f, "access.readable.t");
        assert_eq!(
            (r.severity, r.value.as_deref(), r.message.as_str()),
            (Severity::Fail, Some("unreadable"), "permission denied")
        );
    }

    #[test]
    fn a_password_in_the_url_fails_and_none_says_nothing() {
        let f = findings_with(&at("postgres://u:secret@db.example.com/app"));
        let c = get(&f, "access.credentials.t");
        assert_eq!(c.severity, Severity::Fail);
        assert!(c.value.as_deref().is_some_and(|v| !v.contains("secret")), "{:?}", c.value);
        assert!(findings_with(&at("postgres://u@db.example.com/app")).iter().all(|f| f.id != "access.credentials.t"));
    }

    #[test]
    fn a_signature_in_an_object_url_fails_and_none_says_nothing() {
        let f = findings_with(&at("s3://bucket/t.csv?X-Amz-Signature=abc"));
        let c = get(&f, "access.credentials.t");
        assert_eq!(c.severity, Severity::Fail);
        assert!(c.value.as_deref().is_some_and(|v| !v.contains("abc")), "{:?}", c.value);
        assert!(findings_with(&at("s3://bucket/t.csv")).iter().all(|f| f.id != "access.credentials.t"));
    }

    #[test]
    fn a_role_that_can_write_warns_and_a_read_only_role_passes() {
        let role = |a: SqlAccess| sev(&edited(|r| r.access.sql = Some(a)), "access.can_write.t");
        assert_eq!(role(SqlAccess::default()), Severity::Pass);
        assert_eq!(role(SqlAccess { write_privileges: vec!["INSERT".into()], ..SqlAccess::default() }), Severity::Warn);
        assert_eq!(role(SqlAccess { superuser: Some(true), ..SqlAccess::default() }), Severity::Warn);
        assert_eq!(role(SqlAccess { owner: Some(true), ..SqlAccess::default() }), Severity::Warn);
        assert_eq!(
            role(SqlAccess { superuser: Some(false), owner: Some(false), ..SqlAccess::default() }),
            Severity::Pass
        );
        assert!(findings_with(&spec()).iter().all(|f| f.id != "access.can_write.t"), "a file has no role");
    }

    #[test]
    fn plaintext_warns_only_off_this_machine() {
        let session = |t: Transport| sev(&edited(|r| r.access.transport = Some(t)), "access.plaintext.t");
        let remote = Some("db.example.com".to_string());
        assert_eq!(session(Transport { remote_host: remote.clone(), ..Transport::default() }), Severity::Warn);
        assert_eq!(session(Transport::default()), Severity::Pass, "plaintext on loopback");
        assert_eq!(
            session(Transport { encrypted: true, remote_host: remote.clone(), ..Transport::default() }),
            Severity::Pass
        );
        assert_eq!(
            session(Transport { encrypted: true, verified: true, remote_host: remote, ..Transport::default() }),
            Severity::Pass
        );
    }

    #[test]
    fn world_writable_files_warn() {
        let files = |ww| sev(&edited(|r| r.access.world_writable = Some(ww)), "access.world_writable.t");
        assert_eq!(files(true), Severity::Warn);
        assert_eq!(files(false), Severity::Pass);
        assert!(edited(|r| r.access.world_writable = None).iter().all(|f| f.id != "access.world_writable.t"));
    }

    #[test]
    fn personal_data_warns_until_listed_under_pii() {
        let pii = |acknowledged| {
            let f = edited(|r| {
                if let Some(c) = r.columns.iter_mut().find(|c| c.name == "body") {
                    c.pii = Some(PiiReport { kind: "email".into(), matches: 3, share: 1.0, acknowledged });
                }
            });
            let p = get(&f, "access.pii.t.body");
            assert_eq!(p.value.as_deref(), Some("100% email"));
            p.severity
        };
        assert_eq!(pii(false), Severity::Warn);
        assert_eq!(pii(true), Severity::Pass);
        assert!(findings_with(&spec()).iter().all(|f| !f.id.starts_with("access.pii")));
    }

    #[test]
    fn pii_needs_a_majority_of_values() {
        use super::pii_of;
        use crate::stats::pii::PiiKind;
        assert_eq!(pii_of([6, 0, 0, 0, 0, 0], 10), Some((PiiKind::Email, 6)));
        assert_eq!(pii_of([2, 0, 0, 0, 0, 0], 10), None);
        assert_eq!(pii_of([0; 6], 0), None);
    }
}
