//! Delta Lake tables on disk: the log (`_delta_log/`: JSON commits and Parquet checkpoints) is
//! replayed to the live data files of a version, which are then measured as Parquet parts.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, StructArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;

use super::SourceError;

/// Reader features whose data a plain Parquet read measures correctly.
const HARMLESS_FEATURES: [&str; 2] = ["timestampNtz", "vacuumProtocolCheck"];

/// What the log says about the version that was read: staleness signals and row counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeltaInfo {
    pub version: i64,
    /// The commit's time (RFC 3339) and operation (`WRITE`, `DELETE`, …), from `commitInfo`.
    pub last_commit: Option<String>,
    pub last_operation: Option<String>,
    pub files: usize,
    /// The sum of the live files' `numRecords`, when every file's statistics carry one.
    pub num_records: Option<u64>,
}

/// The live files of a version, in path order.
#[derive(Debug)]
pub struct Snapshot {
    pub files: Vec<PathBuf>,
    pub info: DeltaInfo,
}

/// Whether a folder is a Delta table.
pub fn is_table(dir: &Path) -> bool {
    dir.join("_delta_log").is_dir()
}

struct Replay {
    live: BTreeMap<String, Option<u64>>,
    min_reader: i64,
    features: Vec<String>,
    commit_ms: Option<i64>,
    operation: Option<String>,
}

fn bad(shown: &str, message: String) -> SourceError {
    SourceError::Unreadable { path: shown.to_string(), message }
}

/// Replays the log of the table at `dir` up to `version` (the latest when `None`).
pub fn replay(dir: &Path, shown: &str, version: Option<i64>) -> Result<Snapshot, SourceError> {
    let log = dir.join("_delta_log");
    let entries = std::fs::read_dir(&log).map_err(|e| super::files::io_error(shown, &log, &e))?;
    let mut commits: BTreeMap<i64, PathBuf> = BTreeMap::new();
    let mut checkpoints: BTreeMap<i64, PathBuf> = BTreeMap::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(n) = name.strip_suffix(".json").and_then(|n| n.parse::<i64>().ok()) {
            commits.insert(n, e.path());
        } else if let Some(n) = name.strip_suffix(".checkpoint.parquet").and_then(|n| n.parse::<i64>().ok()) {
            checkpoints.insert(n, e.path());
        }
    }
    let latest = commits.keys().chain(checkpoints.keys()).copied().max();
    let Some(latest) = latest else { return Err(bad(shown, "its `_delta_log/` holds no commits".into())) };
    let target = version.unwrap_or(latest);
    if target > latest || target < 0 {
        return Err(bad(shown, format!("the table has no version {target}; its latest is {latest}")));
    }
    let mut r = Replay { live: BTreeMap::new(), min_reader: 1, features: Vec::new(), commit_ms: None, operation: None };
    let start = match checkpoints.range(..=target).next_back() {
        Some((&v, path)) => {
            read_checkpoint(path, shown, &mut r)?;
            // The checkpoint holds no `commitInfo`: its own commit says when and what.
            if let Some(text) = commits.get(&v).and_then(|c| std::fs::read_to_string(c).ok()) {
                for action in text.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
                    if action.get("commitInfo").is_some() {
                        apply(&action, &mut r);
                    }
                }
            }
            v + 1
        }
        None => 0,
    };
    for v in start..=target {
        let Some(path) = commits.get(&v) else {
            return Err(bad(
                shown,
                format!(
                    "commit {v} is missing from `_delta_log/` (vacuumed or incomplete); version {target} cannot be rebuilt"
                ),
            ));
        };
        let text = std::fs::read_to_string(path).map_err(|e| super::files::io_error(shown, path, &e))?;
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let action: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| bad(shown, format!("commit {v}, line {}: not JSON: {e}", i + 1)))?;
            apply(&action, &mut r);
        }
    }
    refuse_unsupported(&r, shown)?;
    let num_records = r.live.values().try_fold(0u64, |acc, n| n.map(|n| acc + n));
    let files: Vec<PathBuf> = r.live.keys().map(|p| dir.join(decode_path(p))).collect();
    let last_commit = r
        .commit_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let info = DeltaInfo { version: target, last_commit, last_operation: r.operation, files: files.len(), num_records };
    Ok(Snapshot { files, info })
}

/// Paths in the log are URL-encoded (`%20` for a space in a partition value).
fn decode_path(p: &str) -> String {
    let bytes = p.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn num_records(stats: Option<&str>) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(stats?).ok()?;
    v.get("numRecords")?.as_u64()
}

fn apply(action: &serde_json::Value, r: &mut Replay) {
    if let Some(add) = action.get("add")
        && let Some(path) = add.get("path").and_then(|p| p.as_str())
    {
        if add.get("deletionVector").is_some_and(|d| !d.is_null()) {
            r.features.push("deletionVectors".into());
        }
        r.live.insert(path.to_string(), num_records(add.get("stats").and_then(|s| s.as_str())));
    }
    if let Some(path) = action.get("remove").and_then(|a| a.get("path")).and_then(|p| p.as_str()) {
        r.live.remove(path);
    }
    if let Some(p) = action.get("protocol") {
        r.min_reader = p.get("minReaderVersion").and_then(|v| v.as_i64()).unwrap_or(1);
        r.features = p
            .get("readerFeatures")
            .and_then(|f| f.as_array())
            .map(|f| f.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
    }
    if let Some(c) = action.get("commitInfo") {
        r.commit_ms = c.get("timestamp").and_then(|t| t.as_i64()).or(r.commit_ms);
        r.operation = c.get("operation").and_then(|o| o.as_str()).map(str::to_string).or(r.operation.take());
    }
}

/// Refuses a table whose protocol asks for what a plain Parquet read would measure wrongly.
fn refuse_unsupported(r: &Replay, shown: &str) -> Result<(), SourceError> {
    let unsupported = |what: String| SourceError::Unsupported { path: shown.to_string(), what };
    match r.min_reader {
        1 => Ok(()),
        2 => Err(unsupported(
            "the Delta table uses column mapping (reader protocol version 2), which preflight does not read: \
             its Parquet files' column names are not the table's"
                .into(),
        )),
        3 => {
            let mut bad: Vec<&str> =
                r.features.iter().map(String::as_str).filter(|f| !HARMLESS_FEATURES.contains(f)).collect();
            bad.dedup();
            if bad.is_empty() {
                Ok(())
            } else {
                Err(unsupported(format!(
                    "the Delta table requires reader features preflight does not support: {}; measuring its \
                     Parquet files alone would count rows the table does not hold",
                    bad.join(", ")
                )))
            }
        }
        v => Err(unsupported(format!(
            "the Delta table needs reader protocol version {v}; preflight reads versions 1 to 3"
        ))),
    }
}

/// Reads a single-part Parquet checkpoint's live files and protocol.
fn read_checkpoint(path: &Path, shown: &str, r: &mut Replay) -> Result<(), SourceError> {
    let err = |e: String| bad(shown, format!("checkpoint `{}`: {e}", path.display()));
    let file = File::open(path).map_err(|e| super::files::io_error(shown, path, &e))?;
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|e| err(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| err(e.to_string()))?;
        if let Some(add) = batch.column_by_name("add").and_then(|c| c.as_struct_opt()) {
            let paths = strings(add, "path");
            let stats = strings(add, "stats");
            let dv = add.column_by_name("deletionVector");
            for i in 0..add.len() {
                if add.is_null(i) {
                    continue;
                }
                if let Some(p) = paths.get(i).cloned().flatten() {
                    if dv.is_some_and(|d| d.is_valid(i)) {
                        r.features.push("deletionVectors".into());
                    }
                    r.live.insert(p, num_records(stats.get(i).and_then(|s| s.as_deref())));
                }
            }
        }
        if let Some(p) = batch.column_by_name("protocol").and_then(|c| c.as_struct_opt()) {
            let min = p.column_by_name("minReaderVersion");
            for i in 0..p.len() {
                if p.is_null(i) {
                    continue;
                }
                if let Some(v) = min.and_then(|m| m.as_primitive_opt::<Int32Type>()).filter(|m| m.is_valid(i)) {
                    r.min_reader = i64::from(v.value(i));
                } else if let Some(v) = min.and_then(|m| m.as_primitive_opt::<Int64Type>()).filter(|m| m.is_valid(i)) {
                    r.min_reader = v.value(i);
                }
                if let Some(list) = p.column_by_name("readerFeatures").and_then(|f| f.as_list_opt::<i32>())
                    && list.is_valid(i)
                {
                    let values = list.value(i);
                    if let Some(s) = values.as_string_opt::<i32>() {
                        r.features.extend(s.iter().flatten().map(str::to_string));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The strings of a struct's field, `None` where null or absent.
fn strings(s: &StructArray, field: &str) -> Vec<Option<String>> {
    let Some(c) = s.column_by_name(field) else { return vec![None; s.len()] };
    if let Some(a) = c.as_string_opt::<i32>() {
        return a.iter().map(|v| v.map(str::to_string)).collect();
    }
    if let Some(a) = c.as_string_view_opt() {
        return a.iter().map(|v| v.map(str::to_string)).collect();
    }
    vec![None; s.len()]
}

/// A Delta table on disk, measured as the Parquet files live at its version.
pub struct DeltaSource {
    written: String,
    dir: PathBuf,
    version: Option<i64>,
}

impl DeltaSource {
    pub fn new(written: String, dir: PathBuf, spec: &crate::profile::SourceSpec) -> DeltaSource {
        DeltaSource { written, dir, version: spec.object.version }
    }

    fn parts(&self) -> Result<(super::parquet::ParquetSource, DeltaInfo), SourceError> {
        let snap = replay(&self.dir, &self.written, self.version)?;
        Ok((super::parquet::ParquetSource::listed(self.written.clone(), snap.files), snap.info))
    }
}

impl super::Source for DeltaSource {
    fn kind(&self) -> &'static str {
        "delta"
    }
    fn location(&self) -> String {
        self.written.clone()
    }
    fn columns(&self) -> Result<Vec<String>, SourceError> {
        self.parts()?.0.columns()
    }
    fn collect(
        &self,
        req: &crate::stats::StatsRequest,
        ctx: &super::CollectCtx<'_>,
    ) -> Result<super::SourceStats, super::SourceFailure> {
        let (source, info) =
            self.parts().map_err(|error| super::SourceFailure { kind: "delta", error, access: None })?;
        let mut stats = source.collect(req, ctx).map_err(|f| super::SourceFailure { kind: "delta", ..f })?;
        stats.kind = "delta";
        stats.signals.delta = Some(info);
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/delta").join(name)
    }

    #[test]
    fn decodes_log_paths() {
        assert_eq!(decode_path("a%20b/x=1%2F2.parquet"), "a b/x=1/2.parquet");
        assert_eq!(decode_path("plain.parquet"), "plain.parquet");
    }

    #[test]
    fn replays_versions_through_a_checkpoint() {
        // Counts as the deltalake package reads them (fixtures/README.md).
        for (v, files, rows) in [(0, 1, 6), (1, 1, 4), (2, 1, 3), (3, 2, 5)] {
            let s = replay(&fixture("changed"), "changed", Some(v)).expect("replayed");
            assert_eq!((s.files.len(), s.info.num_records), (files, Some(rows)), "version {v}");
        }
        let latest = replay(&fixture("changed"), "changed", None).expect("replayed");
        assert_eq!(latest.info.version, 3);
        assert!(latest.info.last_operation.is_some());
        assert!(replay(&fixture("changed"), "changed", Some(9)).is_err());
    }

    #[test]
    fn refuses_deletion_vectors() {
        let e = replay(&fixture("deletion_vectors"), "dv", None).expect_err("refused");
        assert!(matches!(&e, SourceError::Unsupported { what, .. } if what.contains("deletionVectors")), "{e}");
    }
}
