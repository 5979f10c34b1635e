//! The rules per source: one function per checklist concern, each returning its findings.
//! Thresholds come from the profile (data, not code); evidence from the collected examples.

use crate::measures::{ColumnReport, SourceReport, Status};
use crate::profile::{Limit, Location, SourceSpec, url_has_password};
use crate::sources::SourceStats;
use crate::stats::pii::mask;
use crate::stats::timestamp::format_duration_secs;
use crate::stats::{Example, Locator, LocatorInFile, MissingKind, Pos, clip};
use crate::verdict::{Check, Finding, FindingId, Rule, Severity, Subject};

use super::{at_least, at_most};

/// Every finding for one source: access first, then clean, current and labeled.
pub fn evaluate_source(spec: &SourceSpec, report: &SourceReport, stats: Option<&SourceStats>) -> Vec<Finding> {
    let mut out = Vec::new();
    access(spec, report, stats, &mut out);
    let Some(stats) = stats.filter(|_| report.status == Status::Ok) else { return out };
    let ev = Ev { stats, report };
    structure(spec, report, &mut out);
    missing(spec, report, &ev, &mut out);
    keys(spec, report, &ev, &mut out);
    current(spec, report, &ev, &mut out);
    labeled(spec, report, &ev, &mut out);
    out
}

/// Turns collected positions into evidence, masking values of PII columns.
struct Ev<'a> {
    stats: &'a SourceStats,
    report: &'a SourceReport,
}

impl Ev<'_> {
    fn at(&self, pos: &Pos) -> LocatorInFile {
        // A SQL row is named by its key; the position indexes the keys the source fetched.
        if let Some(keys) = &self.stats.evidence_keys {
            let key = usize::try_from(pos.row).ok().and_then(|i| keys.get(i)).cloned().unwrap_or_default();
            let at = if self.stats.evidence_without_key {
                Locator::NoKey("no primary key and no `key` in the profile: set `key` to name the rows".into())
            } else {
                Locator::Key(key)
            };
            return LocatorInFile { file: None, at };
        }
        let file = (self.stats.parts.len() > 1).then(|| self.stats.parts.get(pos.part as usize).cloned()).flatten();
        let at = match pos.line {
            Some(l) => Locator::Line(l),
            None => Locator::Row(pos.row),
        };
        LocatorInFile { file, at }
    }

    fn example(&self, column: &str, pos: &Pos, value: Option<&str>) -> Example {
        Example { at: self.at(pos), value: value.map(|v| self.shown(column, v)) }
    }

    fn shown(&self, column: &str, v: &str) -> String {
        self.report.shown(column, v)
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.stats.acc.columns.iter().position(|c| c == name)
    }
}

fn finding(id: FindingId, check: Check, severity: Severity, spec: &SourceSpec, column: Option<&str>) -> Finding {
    Finding::new(id, check, severity, Some(&spec.name), column)
}

pub(crate) fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 || p >= 10.0 || (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

pub(crate) fn limit_text<T: Copy>(l: &Limit<T>, show: impl Fn(T) -> String) -> Option<String> {
    match (l.warn, l.fail) {
        (Some(w), Some(f)) => Some(format!("warn {} · fail {}", show(w), show(f))),
        (Some(w), None) => Some(format!("warn {}", show(w))),
        (None, Some(f)) => Some(format!("fail {}", show(f))),
        (None, None) => None,
    }
}

/// Which limit a severity crossed, for messages: `(fail at 7d)`.
pub(crate) fn crossed<T: Copy>(sev: Severity, l: &Limit<T>, show: impl Fn(T) -> String, word: &str) -> String {
    let t = match sev {
        Severity::Fail => l.fail.map(|f| ("fail", f)),
        Severity::Warn => l.warn.map(|w| ("warn", w)),
        Severity::Pass => l.warn.or(l.fail).map(|w| ("warn", w)),
    };
    match t {
        Some((k, v)) if sev != Severity::Pass => format!(" ({k} {word} {})", show(v)),
        Some((_, v)) => format!(" (within {})", show(v)),
        None => String::new(),
    }
}

fn access(spec: &SourceSpec, report: &SourceReport, stats: Option<&SourceStats>, out: &mut Vec<Finding>) {
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

/// Malformed files: ragged rows, invalid UTF-8, a quote that never closes.
fn structure(spec: &SourceSpec, report: &SourceReport, out: &mut Vec<Finding>) {
    let name = &spec.name;
    if report.rows == Some(0) {
        let mut f =
            finding(FindingId::new(Rule::RowsEmpty, Subject::source(name)), Check::Clean, Severity::Fail, spec, None);
        f.value = Some("0 rows".into());
        f.message = "the source has no rows: nothing to measure or to learn from".into();
        out.push(f);
    }
    let Some(csv) = &report.csv else { return };
    // In a source of several parts, a line number names a place only with its part.
    let of = |file: Option<&String>| file.map(|f| format!(" of {f}")).unwrap_or_default();
    if csv.ragged_rows > 0 {
        let mut f = finding(
            FindingId::new(Rule::FormatRaggedRows, Subject::source(name)),
            Check::Clean,
            Severity::Fail,
            spec,
            None,
        );
        f.value = Some(csv.ragged_rows.to_string());
        f.threshold = Some(format!("{} fields per row", csv.expected_fields));
        let first = csv.ragged_examples.first().map_or_else(|| "?".to_string(), |e| e.0.to_string());
        f.message = format!(
            "{} row(s) do not have the header's {} fields; first at line {first}{}",
            csv.ragged_rows,
            csv.expected_fields,
            of(csv.ragged_files.first().and_then(Option::as_ref)),
        );
        f.evidence = csv
            .ragged_examples
            .iter()
            .enumerate()
            .map(|(i, (line, n))| Example {
                at: LocatorInFile { file: csv.ragged_files.get(i).cloned().flatten(), at: Locator::Line(*line) },
                value: Some(format!("{n} fields")),
            })
            .collect();
        out.push(f);
    }
    if let Some(line) = csv.unterminated_quote_line {
        let mut f = finding(
            FindingId::new(Rule::FormatUnterminatedQuote, Subject::source(name)),
            Check::Clean,
            Severity::Fail,
            spec,
            None,
        );
        f.value = Some(format!("line {line}"));
        let file = csv.unterminated_quote_file.clone();
        f.message = format!(
            "a quoted field opened at line {line}{} never closes; the file may be truncated",
            of(file.as_ref())
        );
        f.evidence = vec![Example { at: LocatorInFile { file, at: Locator::Line(line) }, value: None }];
        out.push(f);
    }
    // What the file's structure showed: read correctly and said (WARN), or assumed (FAIL when
    // the counts include rows that are not the table's). See: issue 18.
    for (i, n) in csv.structure.iter().enumerate() {
        let sev = if n.fail { Severity::Fail } else { Severity::Warn };
        // Ids stay unique when a kind recurs (two parts, two places): the later ones name their line.
        let again = csv.structure.iter().take(i).any(|m| m.kind == n.kind);
        let at = match n.lines.first().filter(|_| again) {
            Some(&line) => Subject::Line { source: name.to_string(), line },
            None => Subject::source(name),
        };
        let mut f = finding(FindingId::new(Rule::FormatStructure(n.kind), at), Check::Clean, sev, spec, None);
        f.value = n.lines.first().map(|l| format!("line {l}"));
        f.message.clone_from(&n.message);
        f.evidence = n
            .lines
            .iter()
            .map(|l| Example { at: LocatorInFile { file: n.file.clone(), at: Locator::Line(*l) }, value: None })
            .collect();
        out.push(f);
    }
    if !csv.duplicate_headers.is_empty() {
        let mut f = finding(
            FindingId::new(Rule::FormatDuplicateHeaders, Subject::source(name)),
            Check::Clean,
            Severity::Warn,
            spec,
            None,
        );
        f.value = Some(csv.duplicate_headers.join(", "));
        f.message = format!("the header names {} more than once", csv.duplicate_headers.join(", "));
        out.push(f);
    }
}

fn missing(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let name = &spec.name;
    let th = &spec.thresholds;
    for r in &report.absent_required {
        let mut f = finding(
            FindingId::new(Rule::MissingRequiredAbsent, Subject::column(name, r)),
            Check::Clean,
            Severity::Fail,
            spec,
            Some(r),
        );
        f.value = Some("absent".into());
        let hint = did_you_mean_column(r, report);
        f.message = format!("required column `{r}` is not in the source{hint}");
        out.push(f);
    }
    for c in report.columns.iter().filter(|c| c.required) {
        let sev = at_most(c.missing_share, &th.max_missing_share);
        let mut f = finding(
            FindingId::new(Rule::MissingMaxMissingShare, Subject::column(name, &c.name)),
            Check::Clean,
            sev,
            spec,
            Some(&c.name),
        );
        f.value = Some(pct(c.missing_share));
        f.threshold = limit_text(&th.max_missing_share, pct);
        f.message = format!(
            "{} missing{}: {} null, {} blank, {} placeholder",
            pct(c.missing_share),
            crossed(sev, &th.max_missing_share, pct, "above"),
            c.nulls,
            c.blanks,
            c.placeholders
        );
        f.evidence = missing_evidence(ev, c);
        out.push(f);
    }
    for c in &report.columns {
        if c.suspected_placeholders.is_empty() {
            continue;
        }
        let mut f = finding(
            FindingId::new(Rule::MissingSuspectedPlaceholders, Subject::column(name, &c.name)),
            Check::Clean,
            Severity::Warn,
            spec,
            Some(&c.name),
        );
        let list: Vec<String> =
            c.suspected_placeholders.iter().map(|v| format!("\"{}\" ×{}", clip(&v.value), v.count)).collect();
        f.value = Some(list.join(", "));
        f.message = format!(
            "looks like placeholder values: {}; add them to `placeholders` if they mean \"unknown\"",
            list.join(", ")
        );
        out.push(f);
    }
    for c in report.columns.iter().filter(|c| c.invalid_utf8 > 0) {
        let mut f = finding(
            FindingId::new(Rule::FormatInvalidUtf8, Subject::column(name, &c.name)),
            Check::Clean,
            Severity::Fail,
            spec,
            Some(&c.name),
        );
        f.value = Some(c.invalid_utf8.to_string());
        f.message = format!("{} value(s) are not valid UTF-8", c.invalid_utf8);
        if let Some(acc) = ev.col(&c.name).and_then(|i| ev.stats.acc.cols.get(i)) {
            f.evidence = acc.invalid_utf8_examples.iter().map(|p| Example { at: ev.at(p), value: None }).collect();
        }
        out.push(f);
    }
}

fn missing_evidence(ev: &Ev<'_>, c: &ColumnReport) -> Vec<Example> {
    let Some(acc) = ev.col(&c.name).and_then(|i| ev.stats.acc.cols.get(i)) else { return Vec::new() };
    acc.missing_examples
        .iter()
        .map(|(pos, kind, v)| match kind {
            MissingKind::Null => Example { at: ev.at(pos), value: None },
            _ => Example { at: ev.at(pos), value: Some(v.clone()) },
        })
        .collect()
}

fn keys(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let Some(k) = &report.keys else {
        if let Some(key) = &spec.key {
            let mut f = finding(
                FindingId::new(Rule::KeysKeyAbsent, Subject::source(&spec.name)),
                Check::Clean,
                Severity::Fail,
                spec,
                Some(&key.name),
            );
            f.value = Some("absent".into());
            f.message =
                format!("key column `{}` is not in the source{}", key.name, did_you_mean_column(&key.name, report));
            out.push(f);
        }
        return;
    };
    if !spec.unique {
        return;
    }
    let th = &spec.thresholds.max_duplicate_keys;
    let sev = at_most(k.duplicates, th);
    let mut f = finding(
        FindingId::new(Rule::KeysDuplicates, Subject::source(&spec.name)),
        Check::Clean,
        sev,
        spec,
        Some(&k.column),
    );
    f.value = Some(k.duplicates.to_string());
    f.threshold = limit_text(th, |x| x.to_string());
    f.message = if k.duplicates == 0 {
        format!("all {} key values of `{}` are unique", k.distinct, k.column)
    } else {
        format!(
            "{} key value(s) of `{}` occur more than once ({} extra rows){}",
            k.duplicates,
            k.column,
            k.duplicate_rows,
            crossed(sev, th, |x| x.to_string(), "above")
        )
    };
    if let Some(set) = &ev.stats.acc.key_set {
        f.evidence = set.duplicate_examples.iter().map(|(p, v)| ev.example(&k.column, p, Some(v))).collect();
    }
    out.push(f);
}

fn current(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let Some(ts_name) = &spec.timestamp else { return };
    let name = &spec.name;
    let th = &spec.thresholds;
    let col = Some(ts_name.name.as_str());
    let Some(st) = &report.staleness else {
        let mut f = finding(
            FindingId::new(Rule::StalenessTimestampAbsent, Subject::source(name)),
            Check::Current,
            Severity::Fail,
            spec,
            col,
        );
        f.value = Some("absent".into());
        let hint = did_you_mean_column(&ts_name.name, report);
        f.message = format!("timestamp column `{}` is not in the source{hint}", ts_name.name);
        out.push(f);
        return;
    };
    let ts = ev.stats.acc.timestamp();
    let days = |s: i64| format_duration_secs(s);

    let mut f = finding(
        FindingId::new(Rule::StalenessMaxAge, Subject::source(name)),
        Check::Current,
        Severity::Fail,
        spec,
        col,
    );
    f.threshold = limit_text(&th.max_age, days);
    match (st.age_past_seconds, &st.newest_past) {
        (Some(age), Some(newest)) => {
            f.severity = at_most(age, &th.max_age);
            f.value = Some(days(age));
            let future = if st.future_rows > 0 {
                format!("; {} row(s) dated later, in the future, are left out", st.future_rows)
            } else {
                String::new()
            };
            f.message = format!(
                "newest {newest}, {} old{}{future}{}",
                days(age),
                crossed(f.severity, &th.max_age, days, "at"),
                database_signals(st)
            );
            if let Some((_, pos)) = ts.and_then(|t| t.max_past) {
                f.evidence = vec![ev.example(&st.column, &pos, Some(newest))];
            }
        }
        _ => {
            f.value = Some("none".into());
            f.message = if st.future_rows > 0 {
                format!("every timestamp in `{}` is in the future: the data's age is unknown", st.column)
            } else {
                format!("no parseable timestamp in `{}`: the data's age is unknown", st.column)
            };
        }
    }
    out.push(f);

    let sev = at_most(st.stale_share, &th.max_stale_share);
    let mut f =
        finding(FindingId::new(Rule::StalenessMaxStaleShare, Subject::source(name)), Check::Current, sev, spec, col);
    f.value = Some(pct(st.stale_share));
    f.threshold = limit_text(&th.max_stale_share, pct);
    f.message = format!(
        "{} row(s) ({}) older than {}{}",
        st.stale_rows,
        pct(st.stale_share),
        days(st.stale_after_seconds),
        crossed(sev, &th.max_stale_share, pct, "above")
    );
    if let Some(t) = ts {
        f.evidence = t.stale_examples.iter().map(|(p, v)| ev.example(&st.column, p, Some(v))).collect();
    }
    out.push(f);

    if st.future_rows > 0 {
        let mut f = finding(
            FindingId::new(Rule::StalenessFutureRows, Subject::source(name)),
            Check::Current,
            Severity::Warn,
            spec,
            col,
        );
        f.value = Some(st.future_rows.to_string());
        f.message = format!("{} row(s) dated after the as-of time: clock skew or bad data", st.future_rows);
        if let Some(t) = ts {
            f.evidence = t.future_examples.iter().map(|(p, v)| ev.example(&st.column, p, Some(v))).collect();
        }
        out.push(f);
    }
    if st.unparseable > 0 {
        let mut f = finding(
            FindingId::new(Rule::StalenessUnparseable, Subject::source(name)),
            Check::Current,
            Severity::Warn,
            spec,
            col,
        );
        f.value = Some(st.unparseable.to_string());
        f.message = format!("{} value(s) are not a timestamp", st.unparseable);
        if let Some(t) = ts {
            f.evidence = t.unparseable_examples.iter().map(|(p, v)| ev.example(&st.column, p, Some(v))).collect();
        }
        out.push(f);
    }
}

fn labeled(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    let Some(label) = &spec.label else { return };
    let name = &spec.name;
    let th = &spec.thresholds;
    let col = Some(label.name.as_str());
    let Some(l) = &report.labels else {
        let mut f = finding(
            FindingId::new(Rule::LabelsLabelAbsent, Subject::source(name)),
            Check::Labeled,
            Severity::Fail,
            spec,
            col,
        );
        f.value = Some("absent".into());
        let hint = did_you_mean_column(&label.name, report);
        f.message = format!("label column `{}` is not in the source{hint}", label.name);
        out.push(f);
        return;
    };
    let sev = at_least(l.coverage, &th.min_label_coverage);
    let mut f =
        finding(FindingId::new(Rule::LabelsMinLabelCoverage, Subject::source(name)), Check::Labeled, sev, spec, col);
    f.value = Some(pct(l.coverage));
    f.threshold = limit_text(&th.min_label_coverage, pct);
    let rows = report.rows.unwrap_or(0);
    f.message = format!(
        "{} of {rows} rows labeled ({}){}",
        l.labeled,
        pct(l.coverage),
        crossed(sev, &th.min_label_coverage, pct, "below")
    );
    if let Some(c) = report.columns.iter().find(|c| c.name == l.column) {
        f.evidence = missing_evidence(ev, c);
    }
    out.push(f);

    if !l.rare_classes.is_empty() {
        let mut f = finding(
            FindingId::new(Rule::LabelsRareClasses, Subject::source(name)),
            Check::Labeled,
            Severity::Warn,
            spec,
            col,
        );
        let counts: Vec<String> = l
            .rare_classes
            .iter()
            .take(10)
            .map(|k| {
                let n = l.classes.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n);
                format!("\"{}\" ({n})", clip(k))
            })
            .collect();
        f.value = Some(l.rare_classes.len().to_string());
        f.threshold = Some(format!("{} examples per class", th.min_class_examples));
        f.message = format!(
            "{} class(es) have fewer than {} examples: {}",
            l.rare_classes.len(),
            th.min_class_examples,
            counts.join(", ")
        );
        out.push(f);
    }
    if !l.variant_labels.is_empty() {
        let mut f = finding(
            FindingId::new(Rule::LabelsVariantLabels, Subject::source(name)),
            Check::Labeled,
            Severity::Warn,
            spec,
            col,
        );
        let groups: Vec<String> = l
            .variant_labels
            .iter()
            .take(5)
            .map(|g| g.iter().map(|v| format!("\"{}\"", clip(v))).collect::<Vec<_>>().join(" = "))
            .collect();
        f.value = Some(l.variant_labels.len().to_string());
        f.message = format!("labels that differ only in case or spaces: {}", groups.join("; "));
        out.push(f);
    }
}

/// The database's own change signals, said beside the data's age (DESIGN §3 staleness).
fn database_signals(st: &crate::measures::StalenessReport) -> String {
    let Some(db) = &st.database else { return String::new() };
    let mut parts = Vec::new();
    if let Some(t) = &db.update_time {
        parts.push(format!("the database last changed the table {t}"));
    }
    let analyzed = [&db.last_analyze, &db.last_autoanalyze].into_iter().flatten().max();
    match (analyzed, db.n_mod_since_analyze) {
        (Some(t), Some(n)) => parts.push(format!("last analyzed {t}, {n} row(s) changed since")),
        (Some(t), None) => parts.push(format!("last analyzed {t}")),
        (None, Some(n)) => parts.push(format!("{n} row(s) changed since the table was last analyzed")),
        (None, None) => {}
    }
    if parts.is_empty() { String::new() } else { format!("; {}", parts.join(", ")) }
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

fn did_you_mean_column(name: &str, report: &SourceReport) -> String {
    crate::profile::did_you_mean(name, report.columns.iter().map(|c| c.name.as_str()))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Named, Thresholds};
    use crate::sources::SourceStats;
    use crate::stats::tests::{collect, request, rows};

    fn named(n: &str) -> Named {
        Named { name: n.into(), line: 1, col: 1 }
    }

    fn spec() -> SourceSpec {
        SourceSpec {
            name: "t".into(),
            line: 1,
            location: Location::Path { written: "t.csv".into(), resolved: "t.csv".into() },
            format: None,
            delimiter: None,
            table: None,
            query: None,
            password_env: None,
            timestamp: Some(named("ts")),
            label: Some(named("label")),
            key: Some(named("id")),
            unique: true,
            required: vec![named("id"), named("body")],
            pii: Vec::new(),
            columns: None,
            thresholds: Thresholds { min_class_examples: 2, ..Thresholds::default() },
            timeout: None,
            connect: Default::default(),
            object: Default::default(),
        }
    }

    fn findings() -> Vec<Finding> {
        let stats = SourceStats {
            kind: "csv",
            parts: vec!["t.csv".into()],
            acc: collect(&rows(), 64),
            csv: None,
            signals: Default::default(),
            access: None,
            bytes: 0,
            evidence_keys: None,
            evidence_without_key: false,
            read: None,
            sql: None,
        };
        let spec = spec();
        let report = crate::measures::measure(&spec, "t.csv".into(), &stats, &request());
        evaluate_source(&spec, &report, Some(&stats))
    }

    fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
        f.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding {id}"))
    }

    #[test]
    fn missing_share_over_fail_is_fail_with_evidence() {
        let f = findings();
        let body = get(&f, "missing.max_missing_share.t.body");
        assert_eq!(body.severity, Severity::Fail, "3 of 6 missing");
        assert_eq!(body.value.as_deref(), Some("50%"));
        let lines: Vec<_> = body.evidence.iter().map(|e| (e.at.at.clone(), e.value.clone())).collect();
        assert_eq!(
            lines,
            vec![
                (Locator::Line(3), Some("  ".into())),
                (Locator::Line(4), Some("N/A".into())),
                (Locator::Line(5), None)
            ]
        );
    }

    #[test]
    fn age_is_judged_on_the_newest_value_not_in_the_future() {
        let f = findings();
        let age = get(&f, "staleness.max_age.t");
        assert_eq!(age.severity, Severity::Pass, "1 day old, warn at 2d");
        assert_eq!(age.value.as_deref(), Some("1d"));
        assert_eq!(get(&f, "staleness.future_rows.t").severity, Severity::Warn);
        assert_eq!(get(&f, "staleness.unparseable.t").severity, Severity::Warn);
        assert_eq!(get(&f, "staleness.max_stale_share.t").severity, Severity::Pass);
    }

    #[test]
    fn labels_duplicates_and_variants() {
        let f = findings();
        // 4 of 6 labeled: 67%, below warn 80% and above fail 50%.
        assert_eq!(get(&f, "labels.min_label_coverage.t").severity, Severity::Warn);
        assert_eq!(get(&f, "labels.variant_labels.t").severity, Severity::Warn);
        assert_eq!(get(&f, "labels.rare_classes.t").severity, Severity::Warn);
        let dup = get(&f, "keys.duplicates.t");
        assert_eq!(dup.severity, Severity::Fail);
        assert_eq!(dup.evidence.first().and_then(|e| e.value.clone()), Some("3".into()));
        assert_eq!(get(&f, "access.readable.t").severity, Severity::Pass);
    }
}
