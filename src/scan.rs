//! The scan: opens every source of a profile, collects their stats in parallel, measures and
//! judges them, and assembles the report. Reads no clock: `as_of` comes from the caller.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::entity::{self, Collected, EntityPlan};
use crate::measures;
use crate::measures::{EntityReport, PerSystem, SourceReport};
use crate::profile::{EntitySpec, Location, Profile, SourceSpec};
use crate::report::{ProfileInfo, Report, SCHEMA_VERSION};
use crate::sources::{self, CollectCtx, Progress, Source, SourceStats};
use crate::stats::timestamp::format_micros;
use crate::stats::{self, StatsRequest};
use crate::verdict;
use crate::verdict::{Checklist, Finding};

/// How this run behaves (the profile says what ready means).
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Microseconds since the epoch, UTC.
    pub as_of: i64,
    /// Worker threads shared by all sources.
    pub jobs: usize,
    /// One progress sink per source, in profile order; created here when empty.
    pub progress: Vec<Arc<Progress>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot start {jobs} worker threads: {message}")]
    Pool { jobs: usize, message: String },
}

/// Scans every source of the profile and judges the result.
pub fn scan(profile: &Profile, opts: &ScanOptions) -> Result<Report, ScanError> {
    let started = Instant::now();
    let jobs = opts.jobs.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("preflight-worker-{i}"))
        .build()
        .map_err(|e| ScanError::Pool { jobs, message: e.to_string() })?;

    let opened: Vec<Box<dyn Source>> = profile.sources.iter().map(sources::open).collect();
    // An entity whose first system's database can join it itself is measured there.
    let joiner = |e: &EntitySpec| {
        let first = e.keys.first().and_then(|(s, _)| profile.sources.iter().position(|x| &x.name == s))?;
        opened.get(first).map(|s| s.as_ref()).filter(|s| s.joins_entity(profile, e))
    };
    let plan = entity::plan(profile, |e| joiner(e).is_some());
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = profile
            .sources
            .iter()
            .enumerate()
            .zip(&opened)
            .map(|((i, spec), source)| {
                let progress = opts.progress.get(i).cloned().unwrap_or_default();
                let pool = &pool;
                let mut req = StatsRequest::new(spec, opts.as_of);
                req.entity_keys = plan.keys.get(i).cloned().unwrap_or_default();
                req.entity_values = plan.values.get(i).cloned().unwrap_or_default();
                if let Some(only) = &mut req.only {
                    let named = req.entity_keys.iter().map(|g| &g.column);
                    stats::add_columns(only, named.chain(req.entity_values.iter().flat_map(|g| [&g.key, &g.value])));
                }
                let source = source.as_ref();
                scope.spawn(move || scan_source(spec, source, req, pool, progress))
            })
            .collect();
        handles
            .into_iter()
            .zip(&profile.sources)
            .map(|(h, spec)| h.join().unwrap_or_else(|p| crashed(spec, p.as_ref())))
            .collect()
    });

    let mut sources = Vec::with_capacity(outcomes.len());
    let mut findings = Vec::new();
    let mut collected = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        sources.push(o.report);
        findings.extend(o.findings);
        collected.push(o.collected);
    }
    let mut entities = Vec::with_capacity(profile.entities.len());
    for (spec, ep) in profile.entities.iter().zip(&plan.entities) {
        let (report, f) = measure_entity(profile, spec, ep, joiner(spec), &sources, &collected);
        entities.push(report);
        findings.extend(f);
    }
    let checklist = Checklist::from_findings(&findings);
    let readiness = verdict::readiness::evaluate(profile, &checklist, None);
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: "preflight",
        version: env!("CARGO_PKG_VERSION"),
        profile: ProfileInfo {
            name: profile.pilot.name.clone(),
            owner: profile.pilot.owner.clone(),
            kpi: profile.pilot.kpi.clone(),
            path: profile.path.display().to_string(),
            lines: crate::report::ProfileLines {
                sources: profile.sources.iter().map(|s| (s.name.clone(), s.line)).collect(),
                entities: profile.entities.iter().map(|e| (e.name.clone(), e.line)).collect(),
            },
        },
        as_of: format_micros(opts.as_of),
        duration_ms: started.elapsed().as_millis() as u64,
        verdict: verdict::verdict(&findings),
        checklist,
        sources,
        entities,
        findings,
        readiness,
    })
}

/// One source, scanned: its report, its findings, and what it collected for entities.
struct Outcome {
    report: SourceReport,
    findings: Vec<Finding>,
    collected: Collected,
}

fn scan_source(
    spec: &SourceSpec,
    source: &dyn Source,
    req: StatsRequest,
    pool: &rayon::ThreadPool,
    progress: Arc<Progress>,
) -> Outcome {
    let location = match &spec.location {
        Location::Path { written, .. } if crate::profile::is_object_url(written) => source.location(),
        Location::Path { resolved, .. } => display_path(resolved),
        Location::Url { .. } => source.location(),
    };
    let ctx = CollectCtx { pool, progress: Arc::clone(&progress) };
    let result = source.collect(&req, &ctx);
    progress.finished.store(true, std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(mut stats) => {
            let report = measures::measure(spec, location, &stats, &req);
            let findings = measures::evaluate_source(spec, &report, Some(&stats));
            Outcome { report, findings, collected: Collected::take(&mut stats.acc) }
        }
        Err(failure) => {
            let report = measures::failed(spec, location, &failure);
            let findings = measures::evaluate_source(spec, &report, None::<&SourceStats>);
            Outcome { report, findings, collected: Collected::default() }
        }
    }
}

/// Measures and judges one entity from its systems' key sets, or in their shared database.
fn measure_entity(
    profile: &Profile,
    spec: &EntitySpec,
    plan: &EntityPlan,
    joiner: Option<&dyn Source>,
    sources: &[SourceReport],
    collected: &[Collected],
) -> (EntityReport, Vec<Finding>) {
    let reports: Vec<&SourceReport> = sources.iter().collect();
    let normalize = spec.normalize.iter().map(crate::stats::keys::spelling).collect::<Vec<_>>();
    let keys = PerSystem(spec.keys.clone());
    let measured = match entity::unreadable(spec, &reports) {
        Some(why) => Err(why),
        None => match joiner.filter(|_| plan.in_database) {
            Some(db) => db.measure_entity(profile, spec).map(|m| (m, "database")),
            None => Ok((entity::measure_streamed(spec, plan, collected), "preflight")),
        },
    };
    match measured {
        Ok((m, computed_in)) => {
            let report = entity::report(spec, &m, computed_in, &reports);
            let findings = measures::entities::evaluate(profile, spec, &report, &m);
            (report, findings)
        }
        Err(why) => {
            let report = EntityReport::unmeasured(&spec.name, keys, normalize, why);
            let findings = measures::entities::evaluate_unmeasured(spec, &report);
            (report, findings)
        }
    }
}

/// A reader that panicked outside the pipeline's own guard still becomes that source's error.
fn crashed(spec: &SourceSpec, p: &(dyn std::any::Any + Send)) -> Outcome {
    let location = match &spec.location {
        Location::Path { written, .. } if crate::profile::is_object_url(written) => sources::object::redact(written),
        Location::Path { resolved, .. } => display_path(resolved),
        Location::Url { redacted, .. } => redacted.clone(),
    };
    let failure = sources::SourceFailure {
        kind: "file",
        error: sources::SourceError::Unreadable { path: location.clone(), message: sources::panic_message(p) },
        access: None,
    };
    let report = measures::failed(spec, location, &failure);
    let findings = measures::evaluate_source(spec, &report, None);
    Outcome { report, findings, collected: Collected::default() }
}

/// A source's path as people read it: relative to where preflight runs, with `..` folded
/// lexically (`profiles/../fixtures/a.csv` is `fixtures/a.csv`), never touching the disk.
pub fn display_path(p: &Path) -> String {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    out.iter().collect::<PathBuf>().display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fold_parent_components() {
        assert_eq!(display_path(Path::new("profiles/../fixtures/demo/a.csv")), "fixtures/demo/a.csv");
        assert_eq!(display_path(Path::new("../x/./y.csv")), "../x/y.csv");
        assert_eq!(display_path(Path::new("/data/a/../b.parquet")), "/data/b.parquet");
        assert_eq!(display_path(Path::new("a/..")), ".");
    }
}
