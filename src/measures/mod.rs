//! Turns what a source collected (`SourceStats`) into the measures of DESIGN §3, as the
//! report's `SourceReport`. No I/O and no clock: everything comes from the stats and the spec.

pub mod access;
pub mod conflicts;
pub mod duplicates;
pub mod entities;
pub mod format;
pub mod keys;
pub mod labels;
pub mod missing;
mod output;
pub mod registry;
pub mod rules;
pub mod staleness;

pub use output::{
    AccessReport, AgeBucket, ColumnReport, ConflictExample, Conflicts, EntityReport, KeyReport, LabelReport, PerSystem,
    PiiReport, SourceReport, StalenessReport, Status, ValueCount, share, transport_text,
};

pub use registry::{Added, Measure, Measured, Measurement, Output, Within};
pub use rules::evaluate_source;

/// The measures registered through `registry::Measure`, in the order they are judged and shown.
pub const ADDED: &[&dyn Measure] = &[&conflicts::Conflicting, &duplicates::Duplicates];

use crate::profile::SourceSpec;
use crate::sources::{SourceError, SourceFailure, SourceStats};
use crate::stats::StatsRequest;

/// The documentation `preflight explain ready_rows` prints, kept beside the measure it explains.
pub const EXPLAIN_READY_ROWS: &str = include_str!("ready_rows.md");

/// Measures of a source that was read.
pub fn measure(spec: &SourceSpec, location: String, stats: &SourceStats, req: &StatsRequest) -> SourceReport {
    let acc = &stats.acc;
    let rows = acc.rows;
    let columns: Vec<ColumnReport> = (0..acc.columns.len()).map(|i| missing::column(spec, acc, i, req)).collect();
    let absent_required =
        spec.required.iter().filter(|r| !acc.columns.contains(&r.name)).map(|r| r.name.clone()).collect();
    let staleness = staleness::measure(spec, stats, req);
    let labels = labels::measure(spec, acc);
    let keys = keys::measure(acc);
    let access = access::measure(stats);
    let mut report = SourceReport {
        name: spec.name.clone(),
        kind: stats.kind.to_string(),
        location,
        status: Status::Ok,
        error: None,
        rows: Some(rows),
        complete_rows: Some(acc.complete_rows),
        ready_rows: Some(acc.ready_rows),
        ready_share: Some(share(acc.ready_rows, rows)),
        files: if stats.parts.len() > 1 { stats.parts.clone() } else { Vec::new() },
        bytes: Some(stats.bytes),
        columns,
        absent_required,
        staleness,
        labels,
        keys,
        added: Added::default(),
        access,
        csv: stats.csv.clone(),
        read: stats.read.clone(),
        delta: stats.signals.delta.clone(),
    };
    let (top, labels) = Added::measure(spec, stats, &report);
    report.added = top;
    if let Some(l) = &mut report.labels {
        l.added = labels;
    }
    report
}

/// A source that could not be read: its measures are absent, its access says why.
pub fn failed(spec: &SourceSpec, location: String, f: &SourceFailure) -> SourceReport {
    let reachable = !matches!(
        f.error,
        SourceError::NotFound { .. } | SourceError::NoFiles { .. } | SourceError::Unreachable { .. }
    );
    let access = AccessReport::from_files(reachable, false, f.access.as_ref());
    SourceReport::unread(spec.name.clone(), f.kind.to_string(), location, f.error.to_string(), access)
}
