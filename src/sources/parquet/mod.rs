//! Parquet files (one file, a glob, or a directory of parts) through the arrow reader.
//!
//! The footer is read first: row counts and the timestamp column's min/max come from it
//! without a scan. Row groups are then decoded in parallel on the worker pool and merged in
//! order, so memory is bounded by a few row-group batches.
//!
//! Around the `parquet` crate this module adds what a scanner of untrusted files needs (each
//! exercised by the parquet-testing corpus, `tests/it/corpus.rs`):
//! - footers are checked before decoding (magic, length, encryption, chunk ranges) so that a
//!   bad file gets a sentence rather than a reader panic;
//! - three writer quirks that stop the reader are repaired: a file-level `num_rows` that
//!   disagrees with its row groups, `dictionary_page_offset = 0`, and the chunk sizes of
//!   parquet-mr before 1.2.9 (PARQUET-816);
//! - a footer field of an unexpected Thrift type is skipped (as Thrift readers must) when the
//!   strict decoder refuses it;
//! - page CRC-32 checksums are verified here, because the crate's `crc` feature is off;
//! - a failing row group is narrowed down to the column that fails, and every row group must
//!   decode to the rows its metadata declares, so that no count is made up.
//!
//! This file holds the source, its parts' inputs and the reader errors' wording; `footer.rs`
//! opens a part (footer checks and repairs, footer statistics), `thrift.rs` the compact
//! protocol the footer sanitizer needs, `pages.rs` page headers and checksums, `row_group.rs`
//! the row-group pipeline, `columns.rs` the arrow columns fed into the accumulators.

mod columns;
mod footer;
mod pages;
mod row_group;
#[cfg(test)]
mod tests;
mod thrift;

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ArrowReaderMetadata;

use parquet::file::reader::ChunkReader;

use super::object::{Object, Remote, Sparse};
use super::pipeline::BatchError;
use super::{CollectCtx, FileSignals, Source, SourceError, SourceFailure, SourceStats, files};
use crate::profile::FileFormat;
use crate::stats::{SketchOnly, SourceAcc, StatsRequest};
use footer::{footer_min_max, open_object, open_part};
use row_group::{RowGroupTask, read_row_group};

pub struct ParquetSource {
    written: String,
    path: PathBuf,
    /// The object store the parts live in, for an object-store URL.
    remote: Option<Arc<Remote>>,
    /// The parts, when a table's log names them (Delta) rather than the path.
    listed: Option<Vec<PathBuf>>,
    /// The objects, when a table's log names them (Delta in an object store).
    objects: Option<Vec<Object>>,
    /// Columns whose values are not in the files but in the table's log (Delta partitions).
    partitions: Option<Arc<Partitions>>,
}

/// Partition columns of a table: one value per part (in the parts' order) and column, as text
/// (`None` for a null partition), measured as columns of `fields`' types after the files' own.
#[derive(Debug, Clone, PartialEq)]
pub struct Partitions {
    pub fields: Vec<(String, DataType)>,
    pub values: Vec<Vec<Option<String>>>,
}

impl Partitions {
    /// The one-row typed values of part `part`, for the wanted columns `cols`.
    fn scalars(&self, part: usize, cols: &[usize], shown: &str) -> Result<Vec<ArrayRef>, SourceError> {
        cols.iter()
            .map(|&c| {
                let (name, ty) =
                    self.fields.get(c).ok_or_else(|| unreadable(shown, "a partition column is missing"))?;
                let value = self.values.get(part).and_then(|v| v.get(c)).cloned().flatten();
                partition_scalar(value.as_deref(), ty).ok_or_else(|| {
                    unreadable(
                        shown,
                        format!("partition value `{}` of column `{name}` is not a {ty}", value.unwrap_or_default()),
                    )
                })
            })
            .collect()
    }
}

/// A partition value (the log's text form) as a one-row array of `ty`.
fn partition_scalar(value: Option<&str>, ty: &DataType) -> Option<ArrayRef> {
    use arrow_array::{BooleanArray, Date32Array, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray};
    let Some(v) = value else { return Some(arrow_array::new_null_array(ty, 1)) };
    Some(match ty {
        DataType::Int64 => Arc::new(Int64Array::from(vec![v.trim().parse::<i64>().ok()?])),
        DataType::Float64 => Arc::new(Float64Array::from(vec![v.trim().parse::<f64>().ok()?])),
        DataType::Boolean => Arc::new(BooleanArray::from(vec![v.trim().parse::<bool>().ok()?])),
        DataType::Date32 => {
            let d = chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok()?;
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
            Arc::new(Date32Array::from(vec![i32::try_from((d - epoch).num_days()).ok()?]))
        }
        DataType::Timestamp(TimeUnit::Microsecond, tz) => {
            // The log writes `2026-01-01 10:00:00` (or with fractions, or ISO with an offset).
            let micros = chrono::DateTime::parse_from_rfc3339(v.trim())
                .map(|d| d.timestamp_micros())
                .or_else(|_| {
                    chrono::NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S%.f")
                        .map(|d| d.and_utc().timestamp_micros())
                })
                .ok()?;
            Arc::new(TimestampMicrosecondArray::from(vec![micros]).with_timezone_opt(tz.clone()))
        }
        _ => Arc::new(StringArray::from(vec![v])),
    })
}

impl ParquetSource {
    pub fn new(written: String, path: PathBuf) -> ParquetSource {
        ParquetSource { written, path, remote: None, listed: None, objects: None, partitions: None }
    }

    /// These files as the parts of one source (a Delta table's live files).
    pub fn listed(written: String, files: Vec<PathBuf>, partitions: Option<Partitions>) -> ParquetSource {
        ParquetSource {
            written,
            path: PathBuf::new(),
            remote: None,
            listed: Some(files),
            objects: None,
            partitions: partitions.map(Arc::new),
        }
    }

    /// These objects as the parts of one source (a Delta table's live files in a store).
    pub fn remote_listed(remote: Arc<Remote>, objects: Vec<Object>, partitions: Option<Partitions>) -> ParquetSource {
        ParquetSource {
            written: remote.shown.clone(),
            path: PathBuf::new(),
            remote: Some(remote),
            listed: None,
            objects: Some(objects),
            partitions: partitions.map(Arc::new),
        }
    }

    fn remote_objects(&self, remote: &Remote) -> Result<Vec<Object>, SourceError> {
        match &self.objects {
            Some(o) if o.is_empty() => Err(SourceError::NoFiles { pattern: self.written.clone() }),
            Some(o) => Ok(o.clone()),
            None => remote.objects(Some(FileFormat::Parquet)),
        }
    }

    fn partition_names(&self) -> impl Iterator<Item = String> + '_ {
        self.partitions.iter().flat_map(|p| p.fields.iter().map(|(n, _)| n.clone()))
    }

    fn local_paths(&self) -> Result<Vec<PathBuf>, SourceError> {
        match &self.listed {
            Some(files) if files.is_empty() => Err(SourceError::NoFiles { pattern: self.written.clone() }),
            Some(files) => Ok(files.clone()),
            None => files::expand(&self.path, &self.written, FileFormat::Parquet),
        }
    }

    /// The Parquet objects an object-store URL names, read by range requests.
    pub fn remote(remote: Arc<Remote>) -> ParquetSource {
        ParquetSource {
            written: remote.shown.clone(),
            path: PathBuf::new(),
            remote: Some(remote),
            listed: None,
            objects: None,
            partitions: None,
        }
    }
}

struct Part {
    input: Input,
    shown: String,
    meta: ArrowReaderMetadata,
}

/// Where a part's bytes are: a local file, or an object whose footer has been fetched.
#[derive(Clone)]
enum Input {
    File(PathBuf),
    /// `tail`: the bytes fetched for the footer, which hold all of a small file.
    Object {
        remote: Arc<Remote>,
        object: Object,
        tail: Sparse,
    },
}

/// A part opened for reading one row group: the file, or the fetched ranges of the object.
enum Opened {
    File(File),
    Sparse(Sparse),
}

/// Positioned reads for the footer and page checks, over a file or fetched ranges.
trait ReadAt {
    fn size(&self) -> std::io::Result<u64>;
    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> std::io::Result<()>;
}

impl ReadAt for File {
    fn size(&self) -> std::io::Result<u64> {
        self.metadata().map(|m| m.len())
    }
    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
        FileExt::read_exact_at(self, buf, pos)
    }
}

impl ReadAt for Sparse {
    fn size(&self) -> std::io::Result<u64> {
        Ok(Sparse::size(self))
    }
    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
        self.read_at(buf, pos)
    }
}

impl ReadAt for Opened {
    fn size(&self) -> std::io::Result<u64> {
        match self {
            Opened::File(f) => ReadAt::size(f),
            Opened::Sparse(s) => ReadAt::size(s),
        }
    }
    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
        match self {
            Opened::File(f) => ReadAt::read_exact_at(f, buf, pos),
            Opened::Sparse(s) => s.read_at(buf, pos),
        }
    }
}

impl Input {
    /// Opens the part for one row group: an object's column chunks that `roots` names (all
    /// when `None`) are fetched here, in one concurrent batch of range requests.
    fn open(&self, meta: &ArrowReaderMetadata, group: usize, roots: Option<&[usize]>) -> Result<Opened, String> {
        match self {
            Input::File(path) => File::open(path).map(Opened::File).map_err(|e| e.to_string()),
            Input::Object { remote, object, tail } => {
                let md = meta.metadata();
                let schema = md.file_metadata().schema_descr();
                let Some(rg) = md.row_groups().get(group) else { return Err("missing from the footer".into()) };
                let mut ranges = Vec::new();
                for (leaf, c) in rg.columns().iter().enumerate() {
                    if roots.is_some_and(|r| !r.contains(&schema.get_column_root_idx(leaf))) {
                        continue;
                    }
                    let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
                    let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(c.compressed_size())) else {
                        continue;
                    };
                    let range = start..start.saturating_add(size).min(object.size);
                    if !tail.covers(&range) {
                        ranges.push(range);
                    }
                }
                if ranges.is_empty() {
                    return Ok(Opened::Sparse(tail.clone()));
                }
                remote.ranges(object, ranges).map(|r| Opened::Sparse(r.with(tail))).map_err(|e| e.to_string())
            }
        }
    }

    /// Another handle on the same bytes (a file is opened again; fetched ranges are shared).
    fn again(&self, opened: &Opened) -> Result<Opened, String> {
        match (self, opened) {
            (_, Opened::Sparse(s)) => Ok(Opened::Sparse(s.clone())),
            (Input::File(path), _) => File::open(path).map(Opened::File).map_err(|e| e.to_string()),
            (Input::Object { .. }, Opened::File(_)) => Err("an object has no local file".into()),
        }
    }
}

impl parquet::file::reader::Length for Opened {
    fn len(&self) -> u64 {
        match self {
            Opened::File(f) => f.len(),
            Opened::Sparse(s) => s.len(),
        }
    }
}

impl ChunkReader for Opened {
    type T = Box<dyn std::io::Read + Send>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(match self {
            Opened::File(f) => Box::new(f.get_read(start)?),
            Opened::Sparse(s) => Box::new(s.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        match self {
            Opened::File(f) => f.get_bytes(start, length),
            Opened::Sparse(s) => s.get_bytes(start, length),
        }
    }
}

fn unreadable(shown: &str, message: impl Into<String>) -> SourceError {
    SourceError::Unreadable { path: shown.to_string(), message: message.into() }
}

fn unsupported(shown: &str, what: impl Into<String>) -> SourceError {
    SourceError::Unsupported { path: shown.to_string(), what: what.into() }
}

fn encrypted(shown: &str, how: &str) -> SourceError {
    unsupported(
        shown,
        format!("it is encrypted (Parquet modular encryption, {how}) and preflight holds no decryption keys"),
    )
}

/// The reader's error text without the wrapper prefixes its layers add
/// (`External: Parquet argument error: Parquet error: …`).
fn strip_prefixes(text: &str) -> &str {
    const PREFIXES: [&str; 7] = [
        "External: ",
        "External error: ",
        "Parquet argument error: ",
        "Parquet error: ",
        "Arrow error: ",
        "Arrow: ",
        "General error: ",
    ];
    let mut t = text.trim();
    while let Some(rest) = PREFIXES.iter().find_map(|p| t.strip_prefix(p)) {
        t = rest.trim_start();
    }
    t
}

/// A reader error as a phrase, and whether it is a limitation of the reader (unsupported)
/// rather than a fault of the file.
fn describe(text: &str) -> (bool, String) {
    let t = strip_prefixes(text);
    let lower = t.to_lowercase();
    if lower.contains("encrypt") {
        return (
            true,
            format!("it is encrypted (Parquet modular encryption) and preflight holds no decryption keys: {t}"),
        );
    }
    if let Some(rest) = t.strip_prefix("NYI: ") {
        return (true, format!("not implemented by the Parquet reader: {rest}"));
    }
    if lower.contains("not yet implemented") || lower.contains("not supported") || lower.contains("disabled feature") {
        return (true, format!("not supported by the Parquet reader: {t}"));
    }
    if let Some(rest) = t.strip_prefix("EOF: ") {
        return (false, format!("the data ends early (truncated or corrupt): {rest}"));
    }
    if lower.contains("index overflow") || lower.contains("offset overflow") {
        return (false, format!("{t} (one batch of its values exceeds the 2 GiB an arrow array can hold)"));
    }
    (false, format!("corrupt data: {t}"))
}

/// The crate reports an out-of-range Thrift enum as "Unexpected Type -7"; says which enum.
fn gloss_enum(what: &str) -> String {
    const ENUMS: [(&str, &str); 5] = [
        ("Unexpected Type ", "physical type"),
        ("Unexpected Encoding ", "encoding"),
        ("Unexpected CompressionCodec ", "compression codec"),
        ("Unexpected FieldRepetitionType ", "repetition"),
        ("Unexpected ConvertedType ", "converted type"),
    ];
    for (prefix, name) in ENUMS {
        if let Some(v) = what.strip_prefix(prefix).filter(|v| v.parse::<i64>().is_ok()) {
            return format!("{what} (a {name} of {v}, which Parquet does not define)");
        }
    }
    what.to_string()
}

/// The report's name for an arrow type.
pub fn type_name(t: &DataType) -> &'static str {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string",
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "integer",
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => "integer",
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float",
        DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..) => {
            "decimal"
        }
        DataType::Boolean => "boolean",
        DataType::Timestamp(..) | DataType::Date64 => "timestamp",
        DataType::Date32 => "date",
        DataType::Time32(_) | DataType::Time64(_) => "time",
        DataType::Duration(_) | DataType::Interval(_) => "duration",
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => "binary",
        DataType::List(_)
        | DataType::LargeList(_)
        | DataType::FixedSizeList(..)
        | DataType::ListView(_)
        | DataType::LargeListView(_) => "list",
        DataType::Struct(_) => "struct",
        DataType::Map(..) => "map",
        DataType::Dictionary(_, v) => type_name(v),
        DataType::Null => "null",
        _ => "other",
    }
}

impl Source for ParquetSource {
    fn kind(&self) -> &'static str {
        "parquet"
    }

    fn location(&self) -> String {
        self.written.clone()
    }

    fn columns(&self) -> Result<Vec<String>, SourceError> {
        let part = if let Some(remote) = &self.remote {
            let objects = self.remote_objects(remote)?;
            let first = objects.first().ok_or_else(|| SourceError::NoFiles { pattern: self.written.clone() })?;
            open_object(remote, first, &self.written)?
        } else {
            let paths = self.local_paths()?;
            let first = paths.first().ok_or_else(|| SourceError::NoFiles { pattern: self.written.clone() })?;
            open_part(first, &self.written)?
        };
        let own = part.meta.schema().fields().iter().map(|f| f.name().clone());
        Ok(own.chain(self.partition_names()).collect())
    }

    fn collect(&self, req: &StatsRequest, ctx: &CollectCtx<'_>) -> Result<SourceStats, SourceFailure> {
        let fail = |error, access| SourceFailure { kind: "parquet", error, access };
        let mut parts = Vec::new();
        let (paths, objects, access) = match &self.remote {
            None => {
                let paths = self.local_paths().map_err(|e| fail(e, None))?;
                let access = files::access(&paths);
                let multi = paths.len() > 1;
                for p in &paths {
                    let shown = if multi { p.display().to_string() } else { self.written.clone() };
                    parts.push(open_part(p, &shown).map_err(|e| fail(e, access.clone()))?);
                }
                (paths, Vec::new(), access)
            }
            Some(remote) => {
                let objects = self.remote_objects(remote).map_err(|e| fail(e, None))?;
                let multi = objects.len() > 1;
                for o in &objects {
                    let shown = if multi { remote.name(&o.path) } else { self.written.clone() };
                    parts.push(open_object(remote, o, &shown).map_err(|e| fail(e, None))?);
                }
                (Vec::new(), objects, None)
            }
        };
        let multi = parts.len() > 1;
        let Some(first) = parts.first() else {
            return Err(fail(SourceError::NoFiles { pattern: self.written.clone() }, access));
        };
        let schema = Arc::clone(first.meta.schema());
        // With `columns`, only the wanted top-level columns are decoded at all.
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| schema.fields().get(i).is_some_and(|f| req.wants(f.name())))
            .collect();
        let roots = (keep.len() < schema.fields().len()).then(|| Arc::new(keep.clone()));
        let fields: Vec<&arrow_schema::FieldRef> = keep.iter().filter_map(|&i| schema.fields().get(i)).collect();
        let mut names: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
        let mut types: Vec<Option<&'static str>> = fields.iter().map(|f| Some(type_name(f.data_type()))).collect();
        // Partition columns the files do not hold come after the files' own.
        let pcols: Vec<usize> = self.partitions.as_ref().map_or_else(Vec::new, |p| {
            (0..p.fields.len())
                .filter(|&i| p.fields.get(i).is_some_and(|(n, _)| req.wants(n) && schema.field_with_name(n).is_err()))
                .collect()
        });
        if let Some(p) = &self.partitions {
            for (n, t) in pcols.iter().filter_map(|&i| p.fields.get(i)) {
                names.push(n.clone());
                types.push(Some(type_name(t)));
            }
        }
        for p in parts.iter().skip(1) {
            if p.meta.schema().fields() != schema.fields() {
                let message = "its schema differs from the first part's".to_string();
                return Err(fail(SourceError::Unreadable { path: p.shown.clone(), message }, access));
            }
        }

        // `normalize` made the file-level count the sum over the row groups.
        let footer_rows: u64 = parts.iter().map(|p| p.meta.metadata().file_metadata().num_rows().max(0) as u64).sum();
        ctx.progress.total.store(footer_rows, Ordering::Relaxed);
        let (footer_min, footer_max) = match &req.timestamp {
            Some(col) => footer_min_max(&parts, col),
            None => (None, None),
        };

        let absent_required = req.required.iter().any(|r| !names.contains(r));
        let absent_label = req.label.as_ref().is_some_and(|l| !names.contains(l));
        let mut acc = SourceAcc::new(&names, &types, req);

        // One task per row group, in file order.
        let mut tasks = Vec::new();
        for (pi, p) in parts.iter().enumerate() {
            let extra = match &self.partitions {
                Some(parts_of) if !pcols.is_empty() => {
                    Some(Arc::new(parts_of.scalars(pi, &pcols, &p.shown).map_err(|e| fail(e, access.clone()))?))
                }
                _ => None,
            };
            let mut first_row = 0u64;
            for (gi, rg) in p.meta.metadata().row_groups().iter().enumerate() {
                tasks.push(RowGroupTask {
                    part: pi as u32,
                    group: gi,
                    roots: roots.clone(),
                    first_row,
                    input: p.input.clone(),
                    shown: multi.then(|| p.shown.clone()),
                    meta: p.meta.clone(),
                    extra: extra.clone(),
                });
                first_row += rg.num_rows().max(0) as u64;
            }
        }
        let template = Arc::new(acc.batch(req, 0).acc);
        let req_arc = Arc::new(req.clone());
        let progress = Arc::clone(&ctx.progress);
        let work: super::pipeline::Work<(RowGroupTask, SketchOnly)> =
            Arc::new(move |(t, only): (RowGroupTask, SketchOnly)| {
                read_row_group(&t, &only, &template, &req_arc, absent_required, absent_label, &progress)
            });
        let mut queue = tasks.into_iter();
        let shown_all = self.written.clone();
        super::pipeline::run(
            ctx.pool,
            &mut acc,
            |merged| Ok(queue.next().map(|t| (t, merged.sketch_only()))),
            work,
            |e| match e {
                BatchError::Unsupported(what) => unsupported(&shown_all, what),
                e => unreadable(&shown_all, e.to_string()),
            },
        )
        .map_err(|e| fail(e, access.clone()))?;

        let (names, modified, bytes, read) = match &self.remote {
            None => (
                paths.iter().map(|f| f.display().to_string()).collect(),
                files::modified(&paths),
                paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum(),
                None,
            ),
            Some(remote) => {
                let size = objects.iter().map(|o| o.size).sum();
                let read = super::object::read_info(remote, acc.rows, size);
                let newest = objects.iter().map(|o| o.modified_micros).max();
                (objects.iter().map(|o| remote.name(&o.path)).collect(), newest, size, Some(read))
            }
        };
        Ok(SourceStats {
            kind: "parquet",
            parts: names,
            acc,
            csv: None,
            signals: FileSignals {
                modified,
                footer_min,
                footer_max,
                footer_rows: Some(footer_rows),
                ..FileSignals::default()
            },
            access,
            bytes,
            evidence_keys: None,
            evidence_without_key: false,
            read,
            sql: None,
        })
    }
}
