//! Delta Lake tables, on disk or in an object store: the log (`_delta_log/`: JSON commits and
//! Parquet checkpoints) is replayed to the live data files of a version, which are then
//! measured as Parquet parts, with the partition values the log holds as columns.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, StructArray};
use arrow_schema::{DataType, TimeUnit};
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;

use super::SourceError;
use super::object::{Object, Remote};
use super::parquet::Partitions;

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

/// A live data file of a version, as its `add` action describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFile {
    /// Relative to the table's root, URL-decoded.
    pub path: String,
    pub size: u64,
    pub modified_ms: i64,
    pub records: Option<u64>,
    pub partition: BTreeMap<String, Option<String>>,
}

/// The live files of a version, in path order, with the table's partition columns.
#[derive(Debug)]
pub struct Snapshot {
    pub files: Vec<LiveFile>,
    /// Partition columns and their Delta types (`string`, `long`, `date`, …), in table order.
    pub partition_columns: Vec<(String, String)>,
    pub info: DeltaInfo,
}

/// Whether a folder is a Delta table.
pub fn is_table(dir: &Path) -> bool {
    dir.join("_delta_log").is_dir()
}

/// Which version of the table to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Latest,
    Version(i64),
    /// The latest version committed at or before this time (Unix milliseconds).
    AsOf(i64),
}

/// Where a table lives: a local folder or a prefix of an object store.
pub enum Table {
    Local(PathBuf),
    Remote(Arc<Remote>),
}

impl Table {
    /// The names in `_delta_log/` with each one's modification time (Unix milliseconds).
    fn log_names(&self, shown: &str) -> Result<Vec<(String, Option<i64>)>, SourceError> {
        match self {
            Table::Local(dir) => {
                let log = dir.join("_delta_log");
                let entries = std::fs::read_dir(&log).map_err(|e| super::files::io_error(shown, &log, &e))?;
                Ok(entries
                    .flatten()
                    .map(|e| {
                        let modified = e
                            .metadata()
                            .ok()
                            .and_then(|m| m.modified().ok())
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .and_then(|d| i64::try_from(d.as_millis()).ok());
                        (e.file_name().to_string_lossy().to_string(), modified)
                    })
                    .collect())
            }
            Table::Remote(remote) => {
                let prefix = under(remote.key_prefix(), "_delta_log");
                let listed = remote.list(&prefix)?;
                Ok(listed
                    .into_iter()
                    .filter_map(|o| {
                        let rest = o.path.as_ref().strip_prefix(&prefix)?.strip_prefix('/')?.to_string();
                        (!rest.contains('/')).then_some((rest, Some(o.modified_micros / 1000)))
                    })
                    .collect())
            }
        }
    }

    fn read_log(&self, name: &str, shown: &str) -> Result<Bytes, SourceError> {
        match self {
            Table::Local(dir) => {
                let path = dir.join("_delta_log").join(name);
                std::fs::read(&path).map(Bytes::from).map_err(|e| super::files::io_error(shown, &path, &e))
            }
            Table::Remote(remote) => remote.get(&under(remote.key_prefix(), &format!("_delta_log/{name}"))),
        }
    }
}

/// A key under a table's prefix (the bucket's root when the prefix is empty).
fn under(root: &str, rest: &str) -> String {
    if root.is_empty() { rest.to_string() } else { format!("{root}/{rest}") }
}

/// The checkpoints of one version: a classic one (single- or multi-part) and whether a v2
/// checkpoint (`N.checkpoint.<uuid>.json|parquet`) is there.
#[derive(Default)]
struct Checkpoints {
    single: Option<String>,
    /// Part number → name, and the number of parts the names declare.
    parts: BTreeMap<u64, String>,
    declared: Option<u64>,
    v2: bool,
}

impl Checkpoints {
    /// The part files to read, when a classic checkpoint is complete.
    fn usable(&self) -> Option<Vec<String>> {
        if let Some(s) = &self.single {
            return Some(vec![s.clone()]);
        }
        let n = self.declared?;
        (self.parts.len() as u64 == n && (1..=n).all(|i| self.parts.contains_key(&i)))
            .then(|| self.parts.values().cloned().collect())
    }
}

/// The kinds of checkpoint file names.
#[derive(Debug, PartialEq, Eq)]
enum CheckpointFile {
    /// `N.checkpoint.parquet`
    Single,
    /// `N.checkpoint.I.P.parquet`: part I of P.
    Part(u64, u64),
    /// `N.checkpoint.<uuid>.json|parquet`
    V2,
}

/// The version and kind of a checkpoint file's name.
fn checkpoint_name(name: &str) -> Option<(i64, CheckpointFile)> {
    let (v, rest) = name.split_once(".checkpoint.")?;
    let v = v.parse::<i64>().ok()?;
    if rest == "parquet" {
        return Some((v, CheckpointFile::Single));
    }
    let pieces: Vec<&str> = rest.split('.').collect();
    match pieces.as_slice() {
        [i, n, "parquet"] => Some((v, CheckpointFile::Part(i.parse().ok()?, n.parse().ok()?))),
        [_, "json" | "parquet"] => Some((v, CheckpointFile::V2)),
        _ => None,
    }
}

#[derive(Default)]
struct Replay {
    live: BTreeMap<String, LiveFile>,
    min_reader: i64,
    features: Vec<String>,
    commit_ms: Option<i64>,
    operation: Option<String>,
    schema: Option<String>,
    partition_columns: Vec<String>,
}

fn bad(shown: &str, message: String) -> SourceError {
    SourceError::Unreadable { path: shown.to_string(), message }
}

fn unsupported(shown: &str, what: String) -> SourceError {
    SourceError::Unsupported { path: shown.to_string(), what }
}

fn stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// The log's commits, read at most once each.
struct Log<'a> {
    table: &'a Table,
    shown: &'a str,
    commits: BTreeMap<i64, (String, Option<i64>)>,
    texts: HashMap<i64, String>,
}

impl Log<'_> {
    fn text(&mut self, v: i64) -> Result<Option<&str>, SourceError> {
        if !self.texts.contains_key(&v) {
            let Some((name, _)) = self.commits.get(&v) else { return Ok(None) };
            let bytes = self.table.read_log(name, self.shown)?;
            self.texts.insert(v, String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(self.texts.get(&v).map(String::as_str))
    }

    /// A commit's time: `commitInfo`'s in-commit timestamp or timestamp, else the commit file's
    /// modification time (as the Delta protocol defines it without in-commit timestamps).
    fn commit_time(&mut self, v: i64) -> Result<Option<i64>, SourceError> {
        let modified = self.commits.get(&v).and_then(|c| c.1);
        let Some(text) = self.text(v)? else { return Ok(None) };
        let from_info = text.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).find_map(|a| {
            let c = a.get("commitInfo")?;
            c.get("inCommitTimestamp").and_then(|t| t.as_i64()).or_else(|| c.get("timestamp").and_then(|t| t.as_i64()))
        });
        Ok(from_info.or(modified))
    }
}

/// Replays the table's log to the version `pick` names.
pub fn replay(table: &Table, shown: &str, pick: Pick) -> Result<Snapshot, SourceError> {
    let mut log = Log { table, shown, commits: BTreeMap::new(), texts: HashMap::new() };
    let mut checkpoints: BTreeMap<i64, Checkpoints> = BTreeMap::new();
    let mut last_checkpoint = None;
    for (name, modified) in table.log_names(shown)? {
        if let Some(n) = name.strip_suffix(".json").and_then(|n| n.parse::<i64>().ok()) {
            log.commits.insert(n, (name, modified));
        } else if let Some((v, kind)) = checkpoint_name(&name) {
            let c = checkpoints.entry(v).or_default();
            match kind {
                CheckpointFile::V2 => c.v2 = true,
                CheckpointFile::Part(i, n) => {
                    c.parts.insert(i, name);
                    c.declared = Some(n);
                }
                CheckpointFile::Single => c.single = Some(name),
            }
        } else if name == "_last_checkpoint" {
            last_checkpoint = Some(name);
        }
    }
    // `_last_checkpoint` points at the newest checkpoint; one that names a v2 checkpoint
    // (its `v2Checkpoint` field) is refused below when that checkpoint would be needed.
    if let Some(name) = last_checkpoint
        && let Ok(bytes) = table.read_log(&name, shown)
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(version) = v.get("version").and_then(|x| x.as_i64())
        && v.get("v2Checkpoint").is_some_and(|x| !x.is_null())
    {
        checkpoints.entry(version).or_default().v2 = true;
    }
    let latest = log.commits.keys().chain(checkpoints.keys()).copied().max();
    let Some(latest) = latest else { return Err(bad(shown, "its `_delta_log/` holds no commits".into())) };
    let target = match pick {
        Pick::Latest => latest,
        Pick::Version(v) => {
            if v > latest || v < 0 {
                return Err(bad(shown, format!("the table has no version {v}; its latest is {latest}")));
            }
            v
        }
        Pick::AsOf(ms) => as_of_version(&mut log, ms)?,
    };
    let mut r = Replay { min_reader: 1, ..Replay::default() };
    let start = checkpoints.range(..=target).rev().find_map(|(&v, c)| {
        // A v2 checkpoint is only passed over when the commits before it are all still there.
        if c.usable().is_none() && c.v2 && !(0..=v).all(|x| log.commits.contains_key(&x)) {
            return Some(Err(v));
        }
        c.usable().map(|parts| Ok((v, parts)))
    });
    let start = match start {
        Some(Err(v)) => {
            return Err(unsupported(
                shown,
                format!(
                    "version {v} of the Delta table is kept as a v2 checkpoint (UUID-named, with sidecar files), \
                     which preflight does not read, and the commits before it are gone"
                ),
            ));
        }
        Some(Ok((v, parts))) => {
            for part in &parts {
                let bytes = table.read_log(part, shown)?;
                read_checkpoint(bytes, part, shown, &mut r)?;
            }
            // The checkpoint holds no `commitInfo`: its own commit says when and what.
            if let Some(text) = log.text(v)? {
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
        let Some(text) = log.text(v)? else {
            return Err(bad(
                shown,
                format!(
                    "commit {v} is missing from `_delta_log/` (vacuumed or incomplete); version {target} cannot be rebuilt"
                ),
            ));
        };
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let action: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| bad(shown, format!("commit {v}, line {}: not JSON: {e}", i + 1)))?;
            apply(&action, &mut r);
        }
    }
    refuse_unsupported(&r, shown)?;
    let num_records = r.live.values().try_fold(0u64, |acc, f| f.records.map(|n| acc + n));
    let partition_columns = partition_types(&r, shown)?;
    let files: Vec<LiveFile> = r.live.into_values().collect();
    let info = DeltaInfo {
        version: target,
        last_commit: r.commit_ms.map(stamp),
        last_operation: r.operation,
        files: files.len(),
        num_records,
    };
    Ok(Snapshot { files, partition_columns, info })
}

/// The latest version whose commit time is at or before `ms`.
fn as_of_version(log: &mut Log<'_>, ms: i64) -> Result<i64, SourceError> {
    let versions: Vec<i64> = log.commits.keys().copied().collect();
    let mut found = None;
    let mut first = None;
    for v in versions {
        let Some(t) = log.commit_time(v)? else { continue };
        first.get_or_insert((v, t));
        if t <= ms {
            found = Some(v);
        }
    }
    match (found, first) {
        (Some(v), _) => Ok(v),
        (None, Some((v, t))) => Err(bad(
            log.shown,
            format!(
                "`as_of` {} is before the table's first commit in its log (version {v}, committed {})",
                stamp(ms),
                stamp(t)
            ),
        )),
        (None, None) => Err(bad(log.shown, "its `_delta_log/` holds no commit with a time".into())),
    }
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
        let partition = add
            .get("partitionValues")
            .and_then(|p| p.as_object())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string))).collect())
            .unwrap_or_default();
        let file = LiveFile {
            path: decode_path(path),
            size: add.get("size").and_then(|s| s.as_u64()).unwrap_or(0),
            modified_ms: add.get("modificationTime").and_then(|s| s.as_i64()).unwrap_or(0),
            records: num_records(add.get("stats").and_then(|s| s.as_str())),
            partition,
        };
        r.live.insert(path.to_string(), file);
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
    if let Some(m) = action.get("metaData") {
        r.schema = m.get("schemaString").and_then(|s| s.as_str()).map(str::to_string).or(r.schema.take());
        if let Some(cols) = m.get("partitionColumns").and_then(|c| c.as_array()) {
            r.partition_columns = cols.iter().filter_map(|c| c.as_str().map(str::to_string)).collect();
        }
    }
    if let Some(c) = action.get("commitInfo") {
        r.commit_ms = c
            .get("inCommitTimestamp")
            .and_then(|t| t.as_i64())
            .or_else(|| c.get("timestamp").and_then(|t| t.as_i64()))
            .or(r.commit_ms);
        r.operation = c.get("operation").and_then(|o| o.as_str()).map(str::to_string).or(r.operation.take());
    }
}

/// The partition columns with their types from the table's schema (`string` when it does not say).
fn partition_types(r: &Replay, shown: &str) -> Result<Vec<(String, String)>, SourceError> {
    if r.partition_columns.is_empty() {
        return Ok(Vec::new());
    }
    let schema: serde_json::Value = match &r.schema {
        Some(s) => serde_json::from_str(s).map_err(|e| bad(shown, format!("its schema is not JSON: {e}")))?,
        None => serde_json::Value::Null,
    };
    let fields = schema.get("fields").and_then(|f| f.as_array()).cloned().unwrap_or_default();
    Ok(r.partition_columns
        .iter()
        .map(|c| {
            let t = fields
                .iter()
                .find(|f| f.get("name").and_then(|n| n.as_str()) == Some(c))
                .and_then(|f| f.get("type"))
                .and_then(|t| t.as_str())
                .unwrap_or("string");
            (c.clone(), t.to_string())
        })
        .collect())
}

/// Refuses a table whose protocol asks for what a plain Parquet read would measure wrongly.
fn refuse_unsupported(r: &Replay, shown: &str) -> Result<(), SourceError> {
    match r.min_reader {
        1 => Ok(()),
        2 => Err(unsupported(
            shown,
            "the Delta table uses column mapping (reader protocol version 2), which preflight does not read: \
             its Parquet files' column names are not the table's"
                .into(),
        )),
        3 => {
            let mut bad: Vec<&str> =
                r.features.iter().map(String::as_str).filter(|f| !HARMLESS_FEATURES.contains(f)).collect();
            bad.sort_unstable();
            bad.dedup();
            if bad == ["v2Checkpoint"] {
                return Err(unsupported(
                    shown,
                    "the Delta table requires reader feature v2Checkpoint (v2 checkpoints: UUID-named, with \
                     sidecar files), which preflight does not read"
                        .into(),
                ));
            }
            if bad.is_empty() {
                Ok(())
            } else {
                Err(unsupported(
                    shown,
                    format!(
                        "the Delta table requires reader features preflight does not support: {}; measuring its \
                         Parquet files alone would count rows the table does not hold",
                        bad.join(", ")
                    ),
                ))
            }
        }
        v => Err(unsupported(
            shown,
            format!("the Delta table needs reader protocol version {v}; preflight reads versions 1 to 3"),
        )),
    }
}

/// The text of a string array's row, whatever its string layout.
fn string_at(a: &dyn Array, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    if let Some(s) = a.as_string_opt::<i32>() {
        return Some(s.value(i).to_string());
    }
    if let Some(s) = a.as_string_opt::<i64>() {
        return Some(s.value(i).to_string());
    }
    a.as_string_view_opt().map(|s| s.value(i).to_string())
}

fn int_at(a: &dyn Array, i: usize) -> Option<i64> {
    if a.is_null(i) {
        return None;
    }
    if let Some(v) = a.as_primitive_opt::<Int64Type>() {
        return Some(v.value(i));
    }
    a.as_primitive_opt::<Int32Type>().map(|v| i64::from(v.value(i)))
}

fn field<'a>(s: &'a StructArray, name: &str) -> Option<&'a ArrayRef> {
    s.column_by_name(name)
}

/// A checkpoint part's live files, protocol and metadata.
fn read_checkpoint(bytes: Bytes, name: &str, shown: &str, r: &mut Replay) -> Result<(), SourceError> {
    let err = |e: String| bad(shown, format!("checkpoint `_delta_log/{name}`: {e}"));
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(bytes).and_then(|b| b.build()).map_err(|e| err(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| err(e.to_string()))?;
        if let Some(add) = batch.column_by_name("add").and_then(|c| c.as_struct_opt()) {
            read_adds(add, r);
        }
        if let Some(p) = batch.column_by_name("protocol").and_then(|c| c.as_struct_opt()) {
            for i in (0..p.len()).filter(|&i| p.is_valid(i)) {
                if let Some(v) = field(p, "minReaderVersion").and_then(|m| int_at(m, i)) {
                    r.min_reader = v;
                }
                if let Some(list) = field(p, "readerFeatures").and_then(|f| f.as_list_opt::<i32>())
                    && list.is_valid(i)
                {
                    let values = list.value(i);
                    r.features.extend((0..values.len()).filter_map(|j| string_at(values.as_ref(), j)));
                }
            }
        }
        if let Some(m) = batch.column_by_name("metaData").and_then(|c| c.as_struct_opt()) {
            for i in (0..m.len()).filter(|&i| m.is_valid(i)) {
                if let Some(s) = field(m, "schemaString").and_then(|s| string_at(s.as_ref(), i)) {
                    r.schema = Some(s);
                }
                if let Some(list) = field(m, "partitionColumns").and_then(|f| f.as_list_opt::<i32>())
                    && list.is_valid(i)
                {
                    let values = list.value(i);
                    r.partition_columns = (0..values.len()).filter_map(|j| string_at(values.as_ref(), j)).collect();
                }
            }
        }
    }
    Ok(())
}

fn read_adds(add: &StructArray, r: &mut Replay) {
    let dv = field(add, "deletionVector");
    let pv = field(add, "partitionValues").and_then(|p| p.as_map_opt());
    for i in (0..add.len()).filter(|&i| add.is_valid(i)) {
        let Some(path) = field(add, "path").and_then(|p| string_at(p.as_ref(), i)) else { continue };
        if dv.is_some_and(|d| d.is_valid(i)) {
            r.features.push("deletionVectors".into());
        }
        let mut partition = BTreeMap::new();
        if let Some(map) = pv.filter(|m| m.is_valid(i)) {
            let entries = map.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            for j in 0..entries.len() {
                if let Some(k) = string_at(keys.as_ref(), j) {
                    partition.insert(k, string_at(values.as_ref(), j));
                }
            }
        }
        let stats = field(add, "stats").and_then(|s| string_at(s.as_ref(), i));
        let file = LiveFile {
            path: decode_path(&path),
            size: field(add, "size")
                .and_then(|s| int_at(s.as_ref(), i))
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(0),
            modified_ms: field(add, "modificationTime").and_then(|s| int_at(s.as_ref(), i)).unwrap_or(0),
            records: num_records(stats.as_deref()),
            partition,
        };
        r.live.insert(path, file);
    }
}

/// The arrow type a Delta partition column's values are measured as; types without a plain
/// text form here (decimal, binary) are measured as the text the log holds.
fn arrow_type(delta: &str) -> DataType {
    match delta {
        "long" | "integer" | "short" | "byte" => DataType::Int64,
        "double" | "float" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        "timestamp_ntz" => DataType::Timestamp(TimeUnit::Microsecond, None),
        _ => DataType::Utf8,
    }
}

fn partitions(snap: &Snapshot) -> Option<Partitions> {
    (!snap.partition_columns.is_empty()).then(|| Partitions {
        fields: snap.partition_columns.iter().map(|(n, t)| (n.clone(), arrow_type(t))).collect(),
        values: snap
            .files
            .iter()
            .map(|f| snap.partition_columns.iter().map(|(n, _)| f.partition.get(n).cloned().flatten()).collect())
            .collect(),
    })
}

/// A Delta table, measured as the Parquet files live at its version.
pub struct DeltaSource {
    written: String,
    table: Table,
    pick: Pick,
}

impl DeltaSource {
    pub fn new(written: String, dir: PathBuf, spec: &crate::profile::SourceSpec) -> DeltaSource {
        DeltaSource { written, table: Table::Local(dir), pick: pick(spec) }
    }

    /// A table under an object-store prefix.
    pub fn remote(remote: Arc<Remote>, spec: &crate::profile::SourceSpec) -> DeltaSource {
        DeltaSource { written: remote.shown.clone(), table: Table::Remote(remote), pick: pick(spec) }
    }

    fn parts(&self) -> Result<(super::parquet::ParquetSource, DeltaInfo), SourceError> {
        let snap = replay(&self.table, &self.written, self.pick)?;
        let parts = partitions(&snap);
        let source = match &self.table {
            Table::Local(dir) => super::parquet::ParquetSource::listed(
                self.written.clone(),
                snap.files.iter().map(|f| dir.join(&f.path)).collect(),
                parts,
            ),
            Table::Remote(remote) => {
                let root = remote.key_prefix();
                let objects = snap
                    .files
                    .iter()
                    .map(|f| Object {
                        path: object_store::path::Path::from(under(root, &f.path)),
                        size: f.size,
                        modified_micros: f.modified_ms.saturating_mul(1000),
                    })
                    .collect();
                super::parquet::ParquetSource::remote_listed(Arc::clone(remote), objects, parts)
            }
        };
        Ok((source, snap.info))
    }
}

fn pick(spec: &crate::profile::SourceSpec) -> Pick {
    match (spec.object.version, spec.object.as_of) {
        (Some(v), _) => Pick::Version(v),
        (None, Some(t)) => Pick::AsOf(t),
        (None, None) => Pick::Latest,
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

    fn fixture(name: &str) -> Table {
        Table::Local(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/delta").join(name))
    }

    #[test]
    fn keys_under_a_table_at_the_buckets_root() {
        assert_eq!(under("", "_delta_log"), "_delta_log");
        assert_eq!(under("lake/t", "_delta_log/0.json"), "lake/t/_delta_log/0.json");
    }

    #[test]
    fn decodes_log_paths() {
        assert_eq!(decode_path("a%20b/x=1%2F2.parquet"), "a b/x=1/2.parquet");
        assert_eq!(decode_path("plain.parquet"), "plain.parquet");
    }

    #[test]
    fn names_checkpoints_of_every_kind() {
        assert_eq!(checkpoint_name("00000000000000000010.checkpoint.parquet"), Some((10, CheckpointFile::Single)));
        assert_eq!(
            checkpoint_name("00000000000000000010.checkpoint.0000000002.0000000003.parquet"),
            Some((10, CheckpointFile::Part(2, 3)))
        );
        assert_eq!(
            checkpoint_name("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json"),
            Some((10, CheckpointFile::V2))
        );
        assert_eq!(checkpoint_name("00000000000000000010.json"), None);
    }

    #[test]
    fn replays_versions_through_a_checkpoint() {
        // Counts as the deltalake package reads them (fixtures/README.md).
        for (v, files, rows) in [(0, 1, 6), (1, 1, 4), (2, 1, 3), (3, 2, 5)] {
            let s = replay(&fixture("changed"), "changed", Pick::Version(v)).expect("replayed");
            let n = s.files.iter().map(|f| f.records).sum::<Option<u64>>();
            assert_eq!((s.files.len(), s.info.num_records, n), (files, Some(rows), Some(rows)), "version {v}");
        }
        let latest = replay(&fixture("changed"), "changed", Pick::Latest).expect("replayed");
        assert_eq!(latest.info.version, 3);
        assert!(latest.info.last_operation.is_some());
        assert!(replay(&fixture("changed"), "changed", Pick::Version(9)).is_err());
    }

    #[test]
    fn a_multi_part_checkpoint_and_partition_values() {
        // Version 2 is a two-part checkpoint; version 3 one commit after it.
        for (v, files, rows) in [(0, 2, 6), (1, 5, 9), (2, 5, 8), (3, 7, 10)] {
            let s = replay(&fixture("partitioned"), "p", Pick::Version(v)).expect("replayed");
            assert_eq!((s.files.len(), s.info.num_records), (files, Some(rows)), "version {v}");
        }
        let s = replay(&fixture("partitioned"), "p", Pick::Latest).expect("replayed");
        assert_eq!(s.partition_columns, vec![("category".to_string(), "string".to_string())]);
        let nulls = s.files.iter().filter(|f| f.partition.get("category") == Some(&None)).count();
        assert_eq!(nulls, 1);
        assert!(s.files.iter().all(|f| f.size > 0 && f.modified_ms > 0));
    }

    #[test]
    fn as_of_picks_the_latest_commit_at_or_before_the_time() {
        // Commit times of fixtures/delta/partitioned (fixtures/README.md).
        let t = [1_796_222_958_403_i64, 1_796_222_959_919, 1_796_222_961_440, 1_796_222_963_116];
        let at = |ms| replay(&fixture("partitioned"), "p", Pick::AsOf(ms)).map(|s| s.info.version);
        assert_eq!(at(t[0]).expect("v0"), 0);
        assert_eq!(at(t[1] - 1).expect("v0"), 0);
        assert_eq!(at(t[2]).expect("v2"), 2);
        assert_eq!(at(t[3] + 86_400_000).expect("v3"), 3);
        let e = at(t[0] - 1).expect_err("before the first commit");
        assert!(e.to_string().contains("before the table's first commit"), "{e}");
    }

    #[test]
    fn a_version_kept_only_as_a_v2_checkpoint_is_refused_and_an_incomplete_one_passed_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("_delta_log");
        std::fs::create_dir(&log).expect("a log folder");
        let add = |p: &str| format!("{{\"add\":{{\"path\":\"{p}\",\"size\":1,\"modificationTime\":1}}}}\n");
        std::fs::write(log.join(format!("{:020}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json", 2)), "{}")
            .expect("written");
        std::fs::write(log.join(format!("{:020}.json", 3)), add("c.parquet")).expect("written");
        let table = Table::Local(dir.path().to_path_buf());
        let e = replay(&table, "t", Pick::Latest).expect_err("refused");
        assert!(matches!(&e, SourceError::Unsupported { what, .. } if what.contains("v2 checkpoint")), "{e}");
        // With every commit there, the JSON log rebuilds the version; one part of two of a
        // multi-part checkpoint is not used.
        for v in 0..3 {
            std::fs::write(log.join(format!("{v:020}.json")), add(&format!("{v}.parquet"))).expect("written");
        }
        std::fs::write(log.join(format!("{:020}.checkpoint.{:010}.{:010}.parquet", 1, 1, 2)), "not parquet")
            .expect("written");
        let s = replay(&table, "t", Pick::Latest).expect("replayed from the commits");
        assert_eq!(s.files.len(), 4);
    }

    #[test]
    fn refuses_deletion_vectors_and_v2_checkpoints() {
        let e = replay(&fixture("deletion_vectors"), "dv", Pick::Latest).expect_err("refused");
        assert!(matches!(&e, SourceError::Unsupported { what, .. } if what.contains("deletionVectors")), "{e}");
        let e = replay(&fixture("v2_checkpoint"), "v2", Pick::Latest).expect_err("refused");
        assert!(matches!(&e, SourceError::Unsupported { what, .. } if what.contains("v2Checkpoint")), "{e}");
        // The version before the protocol change reads.
        assert!(replay(&fixture("v2_checkpoint"), "v2", Pick::Version(0)).is_ok());
    }
}
