//! Parquet files (one file, a glob, or a directory of parts) through the arrow reader.
//!
//! The footer is read first: row counts and the timestamp column's min/max come from it
//! without a scan. Row groups are then decoded in parallel on the worker pool and merged in
//! order, so memory is bounded by a few row-group batches.
//!
//! Around the `parquet` crate this file adds what a scanner of untrusted files needs (each
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

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::basic::{ConvertedType, LogicalType};
use parquet::file::metadata::{
    ColumnChunkMetaData, FileMetaData, ParquetMetaData, ParquetMetaDataBuilder, ParquetMetaDataReader, RowGroupMetaData,
};
use parquet::file::statistics::Statistics;

use parquet::file::reader::ChunkReader;

use super::object::{Object, Remote, Sparse};
use super::pipeline::{BatchError, panic_message};
use super::{CollectCtx, FileSignals, Source, SourceError, SourceFailure, SourceStats, files};
use crate::profile::FileFormat;
use crate::stats::timestamp::parse_timestamp_bytes;
use crate::stats::{BatchAcc, Cell, Pos, SketchOnly, SourceAcc, StatsRequest};

/// Rows per decoded batch, at most: 32,768 is as fast as 65,536 on the 2M-row benchmark and
/// holds a quarter less memory.
const BATCH_ROWS: usize = 32_768;
/// Uncompressed bytes a batch aims at: a row group of wide rows is read in fewer rows per batch,
/// so memory stays bounded and no batch of strings outgrows an arrow array's 2 GiB offsets.
const BATCH_BYTES: u64 = 64 << 20;
const DAY_MICROS: i64 = 86_400_000_000;

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

fn open_part(path: &PathBuf, shown: &str) -> Result<Part, SourceError> {
    let file = File::open(path).map_err(|e| files::io_error(shown, path, &e))?;
    let loaded = catch_unwind(AssertUnwindSafe(|| load_metadata(&file, shown)))
        .map_err(|p| unreadable(shown, format!("its footer could not be read: {}", panic_message(p.as_ref()))))?;
    let meta = loaded?;
    Ok(Part { input: Input::File(path.clone()), shown: shown.to_string(), meta })
}

/// Bytes fetched from an object's end at first: the footer of most files fits, so one request
/// serves it.
const FOOTER_GUESS: u64 = 64 << 10;

/// Fetches an object's footer (its tail, then the rest of a longer footer) and reads it.
fn open_object(remote: &Arc<Remote>, object: &Object, shown: &str) -> Result<Part, SourceError> {
    let mut tail = remote.tail(object, FOOTER_GUESS)?;
    let size = object.size;
    if size >= 12 {
        let mut len = [0u8; 4];
        if tail.read_at(&mut len, size - 8).is_ok() {
            let need = u64::from(u32::from_le_bytes(len)) + 8;
            if need > FOOTER_GUESS && need <= size {
                let rest = size - need..size - FOOTER_GUESS;
                let more = remote.ranges(object, vec![rest])?;
                tail = tail.with(&more);
            }
        }
    }
    let loaded = catch_unwind(AssertUnwindSafe(|| load_metadata(&tail, shown)))
        .map_err(|p| unreadable(shown, format!("its footer could not be read: {}", panic_message(p.as_ref()))))?;
    let meta = loaded?;
    let input = Input::Object { remote: Arc::clone(remote), object: object.clone(), tail };
    Ok(Part { input, shown: shown.to_string(), meta })
}

/// Reads, checks and repairs the footer, then derives the arrow schema.
fn load_metadata(file: &dyn ReadAt, shown: &str) -> Result<ArrowReaderMetadata, SourceError> {
    let len = file.size().map_err(|e| unreadable(shown, e.to_string()))?;
    if len < 12 {
        return Err(unreadable(
            shown,
            format!("not a Parquet file: it is {len} bytes long, shorter than an empty Parquet file"),
        ));
    }
    let mut tail = [0u8; 8];
    file.read_exact_at(&mut tail, len - 8).map_err(|e| unreadable(shown, e.to_string()))?;
    let [l0, l1, l2, l3, m0, m1, m2, m3] = tail;
    match &[m0, m1, m2, m3] {
        b"PAR1" => {}
        b"PARE" => return Err(encrypted(shown, "encrypted footer")),
        _ => return Err(unreadable(shown, "not a Parquet file: it does not end with the `PAR1` magic bytes")),
    }
    let footer_len = u64::from(u32::from_le_bytes([l0, l1, l2, l3]));
    let Some(footer_start) = (len - 8).checked_sub(footer_len).filter(|s| *s >= 4) else {
        return Err(unreadable(
            shown,
            format!("corrupt footer: its length field says {footer_len} bytes, more than the {len}-byte file holds"),
        ));
    };
    let mut footer = vec![0u8; footer_len as usize];
    file.read_exact_at(&mut footer, footer_start).map_err(|e| unreadable(shown, e.to_string()))?;
    if has_encryption_algorithm(&footer) {
        return Err(encrypted(shown, "plaintext footer"));
    }
    let md = match ParquetMetaDataReader::decode_metadata(&footer) {
        Ok(md) => md,
        Err(e) => {
            // A Thrift reader skips a field whose type it does not expect; the crate's decoder
            // fails instead (Dremio's parquet-mr wrote a list into ColumnMetaData field 15).
            // Retry without such fields before giving up with the original error.
            match sanitize_footer(&footer).and_then(|f| ParquetMetaDataReader::decode_metadata(&f).ok()) {
                Some(md) => md,
                None => {
                    let (unsup, what) = describe(&e.to_string());
                    let what = what.strip_prefix("corrupt data: ").unwrap_or(&what).to_string();
                    return Err(if unsup {
                        unsupported(shown, format!("its footer: {what}"))
                    } else {
                        unreadable(shown, format!("corrupt footer (file metadata): {}", gloss_enum(&what)))
                    });
                }
            }
        }
    };
    let md = Arc::new(normalize(md, file, footer_start, shown)?);
    let meta = ArrowReaderMetadata::try_new(Arc::clone(&md), ArrowReaderOptions::new()).map_err(|e| {
        let (unsup, what) = describe(&e.to_string());
        let what = what.strip_prefix("corrupt data: ").unwrap_or(&what).to_string();
        if unsup {
            unsupported(shown, format!("its schema: {what}"))
        } else {
            unreadable(shown, format!("its schema cannot be read: {what}"))
        }
    })?;
    Ok(with_string_views(meta, md))
}

/// Top-level text columns read as string views, which point into the decoded pages instead of
/// copying every value into one buffer (the copy was the largest cost after decompression).
/// The values are the same; a schema the reader will not take this way is kept as it was.
fn with_string_views(meta: ArrowReaderMetadata, md: Arc<ParquetMetaData>) -> ArrowReaderMetadata {
    let fields = meta.schema().fields();
    if !fields.iter().any(|f| matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8)) {
        return meta;
    }
    let viewed: Vec<arrow_schema::Field> = fields
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    let schema = Arc::new(arrow_schema::Schema::new_with_metadata(viewed, meta.schema().metadata().clone()));
    ArrowReaderMetadata::try_new(md, ArrowReaderOptions::new().with_schema(schema)).unwrap_or(meta)
}

/// Checks what the reader would otherwise trip over (or panic on) and repairs three quirks of
/// real writers:
/// - a file-level `num_rows` that disagrees with the sum over its row groups (the arrow reader
///   caps its batch size at the file-level count, so a `0` there reads no rows at all, see
///   `data/repeated_no_annotation.parquet`): the row groups, which the pages back, win;
/// - `dictionary_page_offset = 0` written for chunks without a dictionary (the magic bytes sit
///   there, so no page can): it is dropped (`data/dict-page-offset-zero.parquet`);
/// - parquet-mr before 1.2.9 left the dictionary page header out of a chunk's
///   `total_compressed_size` (PARQUET-816, IMPALA-694), so its last page runs past the chunk:
///   such chunks are re-measured from their page headers (`data/nation.dict-malformed.parquet`).
fn normalize(
    md: ParquetMetaData,
    file: &dyn ReadAt,
    data_end: u64,
    shown: &str,
) -> Result<ParquetMetaData, SourceError> {
    let end_of_data = i64::try_from(data_end).unwrap_or(i64::MAX);
    let mut rows: i64 = 0;
    let mut repair = legacy_chunk_sizes(md.file_metadata().created_by());
    for (g, rg) in md.row_groups().iter().enumerate() {
        if rg.num_rows() < 0 {
            return Err(unreadable(shown, format!("corrupt footer: row group {g} declares {} rows", rg.num_rows())));
        }
        rows = rows.saturating_add(rg.num_rows());
        for c in rg.columns() {
            let name = c.column_path().string();
            if let Some(p) = c.file_path() {
                return Err(unsupported(
                    shown,
                    format!(
                        "row group {g}, column `{name}` keeps its data in another file (`{p}`); external column chunks are not read"
                    ),
                ));
            }
            let dict = c.dictionary_page_offset().filter(|o| *o >= 4);
            repair |= dict != c.dictionary_page_offset();
            let start = dict.unwrap_or(c.data_page_offset());
            let size = c.compressed_size();
            if start < 4 || size < 0 || start.checked_add(size).is_none_or(|e| e > end_of_data) {
                return Err(unreadable(
                    shown,
                    format!(
                        "corrupt footer: row group {g}, column `{name}` is placed at bytes {start}..{} but the data ends at byte {end_of_data}",
                        start.saturating_add(size)
                    ),
                ));
            }
        }
    }
    if rows == md.file_metadata().num_rows() && !repair {
        return Ok(md);
    }
    let legacy = legacy_chunk_sizes(md.file_metadata().created_by());
    let fm = md.file_metadata();
    let file_metadata = FileMetaData::new(
        fm.version(),
        rows,
        fm.created_by().map(str::to_string),
        fm.key_value_metadata().cloned(),
        fm.schema_descr_ptr(),
        fm.column_orders().cloned(),
    );
    let mut builder = md.into_builder();
    let mut groups = Vec::new();
    for rg in builder.take_row_groups() {
        let group = rg
            .columns()
            .iter()
            .map(|c| repair_column(c, legacy.then_some((file, data_end))))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|columns| rg.into_builder().set_column_metadata(columns).build())
            .map_err(|e| unreadable(shown, format!("corrupt footer: {}", strip_prefixes(&e.to_string()))))?;
        groups.push(group);
    }
    Ok(ParquetMetaDataBuilder::new(file_metadata)
        .set_row_groups(groups)
        .set_page_index(builder.take_page_index())
        .build())
}

/// The chunk's metadata with `dictionary_page_offset < 4` dropped and, for legacy parquet-mr
/// files (`legacy` = the file and where its data ends), the size re-measured from its pages.
fn repair_column(
    c: &ColumnChunkMetaData,
    legacy: Option<(&dyn ReadAt, u64)>,
) -> Result<ColumnChunkMetaData, parquet::errors::ParquetError> {
    let mut b = c.clone().into_builder();
    let dict = c.dictionary_page_offset().filter(|o| *o >= 4);
    if dict != c.dictionary_page_offset() {
        b = b.set_dictionary_page_offset(None);
    }
    if let Some((file, data_end)) = legacy {
        let start = dict.unwrap_or(c.data_page_offset());
        if let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(c.compressed_size()))
            && let Some(end) = chunk_end_by_pages(file, start, c.num_values(), data_end)
            && end > start + size
        {
            b = b.set_total_compressed_size(i64::try_from(end - start).unwrap_or(i64::MAX));
        }
    }
    b.build()
}

/// Whether the writer is parquet-mr before 1.2.9 (or names no version), whose chunk sizes
/// miss the dictionary page header (PARQUET-816).
fn legacy_chunk_sizes(created_by: Option<&str>) -> bool {
    let Some(rest) = created_by.and_then(|c| c.strip_prefix("parquet-mr")) else { return false };
    let version = rest.trim_start().strip_prefix("version ").and_then(|v| v.split([' ', '(', '-']).next());
    let Some(version) = version.filter(|v| !v.is_empty()) else { return true };
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    v < (1, 2, 9)
}

/// Where a chunk really ends: after the page that completes its `num_values`, found by
/// walking the page headers from `start`; `None` if they do not add up before `limit`.
fn chunk_end_by_pages(file: &dyn ReadAt, start: u64, num_values: i64, limit: u64) -> Option<u64> {
    let mut pos = start;
    let mut values = 0i64;
    while values < num_values {
        let head = read_page_header(file, pos, limit)?;
        let end = (pos + head.len as u64).checked_add(u64::try_from(head.compressed).ok()?)?;
        if end > limit {
            return None;
        }
        values = values.saturating_add(head.values);
        pos = end;
    }
    Some(pos)
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

struct RowGroupTask {
    part: u32,
    group: usize,
    /// The top-level columns to decode (a source's `columns`); `None` for all.
    roots: Option<Arc<Vec<usize>>>,
    first_row: u64,
    input: Input,
    /// The part's name, when the source has several parts.
    shown: Option<String>,
    meta: ArrowReaderMetadata,
    /// One-row values of the part's partition columns, measured after the decoded columns.
    extra: Option<Arc<Vec<ArrayRef>>>,
}

impl RowGroupTask {
    fn row_group(&self) -> Option<&RowGroupMetaData> {
        self.meta.metadata().row_groups().get(self.group)
    }

    /// Where in the source an error happened, e.g. "row group 2 (rows 200–299)".
    fn place(&self) -> String {
        let rows = self.row_group().map_or(0, |rg| rg.num_rows().max(0) as u64);
        let range = match rows {
            0 => "no rows".to_string(),
            n => format!("rows {}–{}", self.first_row, self.first_row + n - 1),
        };
        match &self.shown {
            Some(part) => format!("`{part}`, row group {} ({range})", self.group),
            None => format!("row group {} ({range})", self.group),
        }
    }

    /// An error for the pipeline: unsupported features stay unsupported.
    fn error(&self, column: Option<&str>, reader_error: &str) -> BatchError {
        let (unsup, what) = describe(reader_error);
        let place = match column {
            Some(c) => format!("{}, column `{c}`", self.place()),
            None => self.place(),
        };
        let message = format!("{place}: {what}");
        if unsup { BatchError::Unsupported(message) } else { BatchError::Unreadable(message) }
    }
}

/// Measures one row group; `only` names the columns whose values need only be sketched
/// (`SourceAcc::sketch_only`, as the source stood when the row group was begun).
fn read_row_group(
    t: &RowGroupTask,
    only: &SketchOnly,
    template: &SourceAcc,
    req: &StatsRequest,
    absent_required: bool,
    absent_label: bool,
    progress: &super::Progress,
) -> Result<SourceAcc, BatchError> {
    let rg = t.row_group().ok_or_else(|| format!("{}: missing from the footer", t.place()))?;
    let opened = t
        .input
        .open(&t.meta, t.group, t.roots.as_deref().map(Vec::as_slice))
        .map_err(|e| format!("{}: {e}", t.place()))?;
    let open = || t.input.again(&opened).map_err(|e| format!("{}: {e}", t.place()));
    let declared = rg.num_rows().max(0) as u64;
    verify_checksums(&opened, rg).map_err(|m| format!("{}, {m}", t.place()))?;
    let batch_size = batch_rows(rg.num_rows(), rg.total_byte_size());

    let mut out = template.batch(req, 0).acc;
    let mut row = t.first_row;
    let file = open()?;
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        let mask = t
            .roots
            .as_ref()
            .map(|r| ProjectionMask::roots(t.meta.metadata().file_metadata().schema_descr(), r.iter().copied()));
        decode(t, file, mask, batch_size, |batch| {
            let n = batch.num_rows();
            let mut b = template.batch(req, n);
            // What the source keeps nothing of, or the row group so far.
            b.sketch_only(only);
            b.sketch_only(&out.sketch_only());
            for (c, col) in batch.columns().iter().enumerate() {
                feed(&mut b, c, col, t.part, row);
            }
            for (j, one) in t.extra.iter().flat_map(|e| e.iter()).enumerate() {
                let repeated = arrow_array::UInt32Array::from(vec![0u32; n]);
                if let Ok(col) = arrow_select::take::take(one.as_ref(), &repeated, None) {
                    feed(&mut b, batch.num_columns() + j, &col, t.part, row);
                }
            }
            out.merge(b.finish(n as u64, absent_required, absent_label));
            progress.add(n as u64);
            row += n as u64;
        })
    }))
    .unwrap_or_else(|p| Err(format!("the Parquet reader crashed: {}", panic_message(p.as_ref()))));
    match decoded {
        Ok(rows) if rows == declared => Ok(out),
        Ok(rows) => Err(match locate(t, &opened, batch_size, declared) {
            Some((column, e)) => t.error(Some(&column), &e),
            None => format!("{}: the row group declares {declared} rows but its pages hold {rows}", t.place()).into(),
        }),
        Err(e) => Err(match locate(t, &opened, batch_size, declared) {
            Some((column, col_err)) => t.error(Some(&column), &col_err),
            None => t.error(None, &e),
        }),
    }
}

/// Decodes the task's row group (only the `mask` columns, if given), handing each batch to
/// `each`; returns the rows decoded.
fn decode(
    t: &RowGroupTask,
    file: Opened,
    mask: Option<ProjectionMask>,
    batch_size: usize,
    mut each: impl FnMut(&RecordBatch),
) -> Result<u64, String> {
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, t.meta.clone())
        .with_row_groups(vec![t.group])
        .with_batch_size(batch_size);
    if let Some(mask) = mask {
        builder = builder.with_projection(mask);
    }
    let reader = builder.build().map_err(|e| e.to_string())?;
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        rows += batch.num_rows() as u64;
        each(&batch);
    }
    Ok(rows)
}

/// Finds the first top-level column that fails to decode on its own, or decodes to a row count
/// other than the row group's, so that the error can name it. Runs only after a failure.
fn locate(t: &RowGroupTask, opened: &Opened, batch_size: usize, declared: u64) -> Option<(String, String)> {
    let schema = t.meta.metadata().file_metadata().schema_descr();
    let names: Vec<String> = t.meta.schema().fields().iter().map(|f| f.name().clone()).collect();
    for (i, name) in names.iter().enumerate() {
        // An object's row group holds only the columns fetched for it.
        if t.roots.as_ref().is_some_and(|r| !r.contains(&i)) {
            continue;
        }
        let file = t.input.again(opened).ok()?;
        let mask = ProjectionMask::roots(schema, [i]);
        let r = catch_unwind(AssertUnwindSafe(|| decode(t, file, Some(mask), batch_size, |_| {})))
            .unwrap_or_else(|p| Err(format!("the Parquet reader crashed: {}", panic_message(p.as_ref()))));
        match r {
            Err(e) => return Some((name.clone(), e)),
            Ok(rows) if rows != declared => {
                return Some((name.clone(), format!("it holds {rows} rows where the row group declares {declared}")));
            }
            Ok(_) => {}
        }
    }
    None
}

/// Rows per batch for a row group of `rows` rows and `bytes` uncompressed bytes.
fn batch_rows(rows: i64, bytes: i64) -> usize {
    match (u64::try_from(rows), u64::try_from(bytes)) {
        (Ok(r), Ok(b)) if r > 0 && b > 0 => {
            let per = u128::from(r) * u128::from(BATCH_BYTES) / u128::from(b);
            per.clamp(1, BATCH_ROWS as u128) as usize
        }
        _ => BATCH_ROWS,
    }
}

// --- Page checksums ---------------------------------------------------------------------

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Continues a CRC-32 (IEEE, as Parquet uses): start from `!0`, finish with `!`.
fn crc32_update(mut c: u32, data: &[u8]) -> u32 {
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c
}

/// Verifies the CRC-32 of every page that carries one. A chunk whose first page carries
/// none is taken to be written without checksums and is not read here.
fn verify_checksums(file: &dyn ReadAt, rg: &RowGroupMetaData) -> Result<(), String> {
    for c in rg.columns() {
        let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
        let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(c.compressed_size())) else { continue };
        verify_chunk(file, &c.column_path().string(), start, start.saturating_add(size))?;
    }
    Ok(())
}

fn verify_chunk(file: &dyn ReadAt, column: &str, start: u64, end: u64) -> Result<(), String> {
    let mut pos = start;
    let mut first = true;
    while pos < end {
        // A header that cannot be parsed is left to the reader, which reports it.
        let Some(head) = read_page_header(file, pos, end) else { return Ok(()) };
        let body = pos + head.len as u64;
        let Some(body_end) =
            u64::try_from(head.compressed).ok().and_then(|s| body.checked_add(s)).filter(|e| *e <= end)
        else {
            return Ok(());
        };
        match head.crc {
            None if first => return Ok(()),
            None => {}
            Some(stored) => {
                let mut crc = !0u32;
                let mut buf = vec![0u8; (body_end - body).min(1 << 20) as usize];
                let mut at = body;
                while at < body_end {
                    let n = ((body_end - at) as usize).min(buf.len());
                    let chunk = buf.get_mut(..n).unwrap_or_default();
                    file.read_exact_at(chunk, at).map_err(|e| format!("column `{column}`: {e}"))?;
                    crc = crc32_update(crc, chunk);
                    at += n as u64;
                }
                let computed = !crc;
                if computed != stored as u32 {
                    return Err(format!(
                        "column `{column}`: the page at byte {pos} fails its CRC-32 checksum (stored {:08x}, computed {computed:08x}): the page is corrupt",
                        stored as u32
                    ));
                }
            }
        }
        first = false;
        pos = body_end;
    }
    Ok(())
}

struct PageHead {
    /// Bytes of the header itself.
    len: usize,
    compressed: i64,
    crc: Option<i32>,
    /// Values (levels) of a data page; 0 for other pages.
    values: i64,
}

/// Reads the page header at `pos`, growing the window until it holds the whole header.
fn read_page_header(file: &dyn ReadAt, pos: u64, end: u64) -> Option<PageHead> {
    let avail = end.saturating_sub(pos).min(16 << 20) as usize;
    let mut window = avail.min(256);
    loop {
        let mut buf = vec![0u8; window];
        file.read_exact_at(&mut buf, pos).ok()?;
        if let Some(h) = page_header(&buf) {
            return Some(h);
        }
        if window >= avail {
            return None;
        }
        window = (window * 16).min(avail);
    }
}

/// `PageHeader { 3: required i32 compressed_page_size, 4: optional i32 crc,
/// 5: optional DataPageHeader, 8: optional DataPageHeaderV2, … }`, both data page headers
/// starting with `1: required i32 num_values`.
fn page_header(buf: &[u8]) -> Option<PageHead> {
    let mut r = Compact { buf, pos: 0 };
    let (mut compressed, mut crc, mut values) = (None, None, 0);
    let mut last = 0;
    while let Some((ty, id)) = r.field(last)? {
        match (id, ty) {
            (3, T_I32) => compressed = Some(r.zigzag()?),
            (4, T_I32) => crc = Some(i32::try_from(r.zigzag()?).ok()?),
            (5 | 8, T_STRUCT) => {
                let mut inner = 0;
                while let Some((t, i)) = r.field(inner)? {
                    match (i, t) {
                        (1, T_I32) => values = r.zigzag()?,
                        _ => r.skip(t, 1)?,
                    }
                    inner = i;
                }
            }
            _ => r.skip(ty, 0)?,
        }
        last = id;
    }
    Some(PageHead { len: r.pos, compressed: compressed?, crc, values })
}

// --- Thrift compact protocol, just enough for footers and page headers -------------------

const T_TRUE: u8 = 1;
const T_FALSE: u8 = 2;
const T_BYTE: u8 = 3;
const T_I16: u8 = 4;
const T_I32: u8 = 5;
const T_I64: u8 = 6;
const T_DOUBLE: u8 = 7;
const T_BINARY: u8 = 8;
const T_LIST: u8 = 9;
const T_SET: u8 = 10;
const T_MAP: u8 = 11;
const T_STRUCT: u8 = 12;
/// Nesting deeper than this is taken as corruption (Parquet's structs nest a few levels).
const MAX_DEPTH: u32 = 64;

/// A cursor over Thrift compact-protocol bytes. Every read is checked: `None` is "malformed".
struct Compact<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Compact<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn zigzag(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// The next field's `(type, id)`, or `None` at the struct's end.
    fn field(&mut self, last: i16) -> Option<Option<(u8, i16)>> {
        let h = self.byte()?;
        if h == 0 {
            return Some(None);
        }
        let delta = h >> 4;
        let id = if delta == 0 { i16::try_from(self.zigzag()?).ok()? } else { last.checked_add(i16::from(delta))? };
        Some(Some((h & 0x0f, id)))
    }

    /// A list or set header: `(element type, size)`.
    fn list_header(&mut self) -> Option<(u8, u64)> {
        let h = self.byte()?;
        let n = if h >> 4 == 15 { self.varint()? } else { u64::from(h >> 4) };
        Some((h & 0x0f, n))
    }

    /// Skips a field's value (booleans live in the field header and take no bytes).
    fn skip(&mut self, ty: u8, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match ty {
            T_TRUE | T_FALSE => {}
            T_BYTE => {
                self.take(1)?;
            }
            T_I16 | T_I32 | T_I64 => {
                self.varint()?;
            }
            T_DOUBLE => {
                self.take(8)?;
            }
            T_BINARY => {
                let n = usize::try_from(self.varint()?).ok()?;
                self.take(n)?;
            }
            T_LIST | T_SET => {
                let (et, n) = self.list_header()?;
                // Every element takes at least one byte, so a corrupt size ends at the buffer's end.
                for _ in 0..n {
                    self.skip_element(et, depth + 1)?;
                }
            }
            T_MAP => {
                let n = self.varint()?;
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip_element(kv >> 4, depth + 1)?;
                        self.skip_element(kv & 0x0f, depth + 1)?;
                    }
                }
            }
            T_STRUCT => {
                let mut last = 0;
                while let Some((t, id)) = self.field(last)? {
                    self.skip(t, depth + 1)?;
                    last = id;
                }
            }
            _ => return None,
        }
        Some(())
    }

    /// Skips a list, set or map element (booleans take a byte each there).
    fn skip_element(&mut self, ty: u8, depth: u32) -> Option<()> {
        if ty == T_TRUE || ty == T_FALSE { self.take(1).map(drop) } else { self.skip(ty, depth) }
    }
}

/// Whether the footer's `FileMetaData` has field 8, `encryption_algorithm`: set only by
/// encrypted files written with a plaintext footer, whose column data cannot be read.
fn has_encryption_algorithm(footer: &[u8]) -> bool {
    let mut r = Compact { buf: footer, pos: 0 };
    let mut last = 0;
    while let Some(Some((ty, id))) = r.field(last) {
        if id == 8 && ty == T_STRUCT {
            return true;
        }
        if r.skip(ty, 0).is_none() {
            return false;
        }
        last = id;
    }
    false
}

#[derive(Clone, Copy)]
enum Node {
    FileMetaData,
    RowGroup,
    ColumnChunk,
    ColumnMetaData,
}

/// The footer with every `ColumnMetaData` field of an unexpected wire type removed, and
/// `dictionary_page_offset`s below 4 removed; `None` if nothing changed or it is malformed.
fn sanitize_footer(footer: &[u8]) -> Option<Vec<u8>> {
    let mut r = Compact { buf: footer, pos: 0 };
    let mut out = Vec::with_capacity(footer.len());
    let mut changed = false;
    copy_struct(&mut r, &mut out, Node::FileMetaData, 0, &mut changed)?;
    changed.then_some(out)
}

/// Writes a field header in the long form (type byte, then the zigzag id), which is valid
/// whatever field preceded it.
fn write_field_header(out: &mut Vec<u8>, ty: u8, id: i16) {
    out.push(ty);
    let mut v = u64::from(((i32::from(id) << 1) ^ (i32::from(id) >> 31)) as u32);
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn copy_struct(r: &mut Compact<'_>, out: &mut Vec<u8>, node: Node, depth: u32, changed: &mut bool) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut last = 0;
    while let Some((ty, id)) = r.field(last)? {
        last = id;
        let child = match (node, id, ty) {
            (Node::FileMetaData, 4, T_LIST) => Some(Node::RowGroup),
            (Node::RowGroup, 1, T_LIST) => Some(Node::ColumnChunk),
            (Node::ColumnChunk, 3, T_STRUCT) => Some(Node::ColumnMetaData),
            _ => None,
        };
        let start = r.pos;
        if let Some(child) = child {
            write_field_header(out, ty, id);
            if ty == T_STRUCT {
                copy_struct(r, out, child, depth + 1, changed)?;
                continue;
            }
            let (et, n) = r.list_header()?;
            out.extend_from_slice(r.buf.get(start..r.pos)?);
            let items = r.pos;
            for _ in 0..n {
                if et == T_STRUCT {
                    copy_struct(r, out, child, depth + 1, changed)?;
                } else {
                    r.skip_element(et, depth + 1)?;
                }
            }
            if et != T_STRUCT {
                out.extend_from_slice(r.buf.get(items..r.pos)?);
            }
            continue;
        }
        r.skip(ty, depth + 1)?;
        let value = r.buf.get(start..r.pos)?;
        let keep = match node {
            Node::ColumnMetaData => column_metadata_field_ok(id, ty, value),
            _ => true,
        };
        if keep {
            write_field_header(out, ty, id);
            out.extend_from_slice(value);
        } else {
            *changed = true;
        }
    }
    out.push(0);
    Some(())
}

/// Whether a `ColumnMetaData` field has the wire type parquet.thrift gives it (unknown ids
/// pass: decoders skip those), and is not a `dictionary_page_offset` inside the magic bytes.
fn column_metadata_field_ok(id: i16, ty: u8, value: &[u8]) -> bool {
    let expected = match id {
        1 | 4 | 15 => T_I32,
        2 | 3 | 8 | 13 => T_LIST,
        5 | 6 | 7 | 9 | 10 | 11 | 14 => T_I64,
        12 | 16 | 17 => T_STRUCT,
        _ => return true,
    };
    if ty != expected {
        return false;
    }
    if id == 11 {
        return (Compact { buf: value, pos: 0 }).zigzag().is_some_and(|o| o >= 4);
    }
    true
}

fn pos(part: u32, row: u64) -> Pos {
    Pos { part, line: None, row }
}

/// Feeds one arrow column into the batch accumulator, dispatching on the type once.
fn feed(b: &mut BatchAcc<'_>, c: usize, arr: &ArrayRef, part: u32, first_row: u64) {
    let n = arr.len();
    // The validity bitmap once, rather than a dynamic call per cell.
    let nulls = arr.nulls().cloned();
    macro_rules! each {
        ($get:expr) => {
            for i in 0..n {
                let cell = if nulls.as_ref().is_some_and(|m| m.is_null(i)) { Cell::Null } else { $get(i) };
                b.push(c, i, pos(part, first_row + i as u64), cell);
            }
        };
    }
    match arr.data_type() {
        DataType::Utf8 => {
            let a = arr.as_string::<i32>();
            each!(|i| Cell::Str(a.value(i)));
        }
        DataType::LargeUtf8 => {
            let a = arr.as_string::<i64>();
            each!(|i| Cell::Str(a.value(i)));
        }
        DataType::Utf8View => {
            let a = arr.as_string_view();
            each!(|i| Cell::Str(a.value(i)));
        }
        DataType::Int8 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<Int8Type>().value(i)))),
        DataType::Int16 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<Int16Type>().value(i)))),
        DataType::Int32 => {
            let a = arr.as_primitive::<Int32Type>();
            each!(|i| Cell::Int(i64::from(a.value(i))));
        }
        DataType::Int64 => {
            let a = arr.as_primitive::<Int64Type>();
            each!(|i| Cell::Int(a.value(i)));
        }
        DataType::UInt8 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<UInt8Type>().value(i)))),
        DataType::UInt16 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<UInt16Type>().value(i)))),
        DataType::UInt32 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<UInt32Type>().value(i)))),
        DataType::UInt64 => {
            let a = arr.as_primitive::<UInt64Type>();
            each!(|i| match i64::try_from(a.value(i)) {
                Ok(v) => Cell::Int(v),
                Err(_) => Cell::Float(a.value(i) as f64),
            });
        }
        DataType::Float16 => each!(|i| Cell::Float(f64::from(arr.as_primitive::<Float16Type>().value(i).to_f32()))),
        DataType::Float32 => {
            let a = arr.as_primitive::<Float32Type>();
            each!(|i| Cell::Float(f64::from(a.value(i))));
        }
        DataType::Float64 => {
            let a = arr.as_primitive::<Float64Type>();
            each!(|i| Cell::Float(a.value(i)));
        }
        DataType::Boolean => {
            let a = arr.as_boolean();
            each!(|i| Cell::Bool(a.value(i)));
        }
        DataType::Date32 => {
            let a = arr.as_primitive::<Date32Type>();
            each!(|i| Cell::Date(a.value(i)));
        }
        DataType::Date64 => {
            let a = arr.as_primitive::<Date64Type>();
            each!(|i| Cell::Timestamp(a.value(i).saturating_mul(1000)));
        }
        DataType::Timestamp(unit, _) => {
            let to_micros = |v: i64| match unit {
                TimeUnit::Second => v.saturating_mul(1_000_000),
                TimeUnit::Millisecond => v.saturating_mul(1000),
                TimeUnit::Microsecond => v,
                TimeUnit::Nanosecond => v.div_euclid(1000),
            };
            match unit {
                TimeUnit::Second => {
                    let a = arr.as_primitive::<TimestampSecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
                TimeUnit::Millisecond => {
                    let a = arr.as_primitive::<TimestampMillisecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
                TimeUnit::Microsecond => {
                    let a = arr.as_primitive::<TimestampMicrosecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
                TimeUnit::Nanosecond => {
                    let a = arr.as_primitive::<TimestampNanosecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
            }
        }
        DataType::Decimal256(_, scale) => {
            let a = arr.as_primitive::<Decimal256Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| {
                // value = high · 2^128 + low
                let (low, high) = a.value(i).to_parts();
                Cell::Float((high as f64 * 2f64.powi(128) + low as f64) / div)
            });
        }
        DataType::Decimal128(_, scale) => {
            let a = arr.as_primitive::<Decimal128Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| Cell::Float(a.value(i) as f64 / div));
        }
        DataType::Decimal64(_, scale) => {
            let a = arr.as_primitive::<Decimal64Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| Cell::Float(a.value(i) as f64 / div));
        }
        DataType::Decimal32(_, scale) => {
            let a = arr.as_primitive::<Decimal32Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| Cell::Float(f64::from(a.value(i)) / div));
        }
        DataType::Binary => {
            let a = arr.as_binary::<i32>();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::LargeBinary => {
            let a = arr.as_binary::<i64>();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::BinaryView => {
            let a = arr.as_binary_view();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::FixedSizeBinary(_) => {
            let a = arr.as_fixed_size_binary();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::Time32(TimeUnit::Second) => {
            let a = arr.as_primitive::<Time32SecondType>();
            each!(|i| Cell::Int(i64::from(a.value(i))));
        }
        DataType::Time32(TimeUnit::Millisecond) => {
            let a = arr.as_primitive::<Time32MillisecondType>();
            each!(|i| Cell::Int(i64::from(a.value(i))));
        }
        DataType::Time64(TimeUnit::Microsecond) => {
            let a = arr.as_primitive::<Time64MicrosecondType>();
            each!(|i| Cell::Int(a.value(i)));
        }
        DataType::Time64(TimeUnit::Nanosecond) => {
            let a = arr.as_primitive::<Time64NanosecondType>();
            each!(|i| Cell::Int(a.value(i)));
        }
        DataType::Dictionary(_, _) => {
            let Some(d) = arr.as_any_dictionary_opt() else {
                each!(|_| Cell::Nested);
                return;
            };
            // An all-null column may have an empty dictionary (and `normalized_keys` panics
            // on one): every key is then null.
            if d.values().is_empty() {
                each!(|_| Cell::Null);
                return;
            }
            // The take indices keep the keys' nulls: a null key is a null cell, whatever
            // value its (arbitrary) index points at.
            let keys: Vec<u32> = d.normalized_keys().iter().map(|&k| k as u32).collect();
            let indices = arrow_array::UInt32Array::new(keys.into(), arr.nulls().cloned());
            match arrow_select::take::take(d.values().as_ref(), &indices, None) {
                Ok(flat) => feed(b, c, &flat, part, first_row),
                Err(_) => each!(|_| Cell::Nested),
            }
        }
        _ => each!(|_| Cell::Nested),
    }
}

/// Min and max of the timestamp column from the footer statistics, in micros; `None` when a
/// row group lacks statistics (then the footer cannot vouch for the whole file).
fn footer_min_max(parts: &[Part], column: &str) -> (Option<i64>, Option<i64>) {
    let mut min: Option<i64> = None;
    let mut max: Option<i64> = None;
    for p in parts {
        let md = p.meta.metadata();
        let schema = md.file_metadata().schema_descr();
        let Some(idx) = schema.columns().iter().position(|c| c.path().parts() == [column.to_string()]) else {
            return (None, None);
        };
        let Some(desc) = schema.columns().get(idx) else { return (None, None) };
        let logical = desc.logical_type_ref().cloned();
        let converted = desc.converted_type();
        for rg in md.row_groups() {
            let Some(stats) = rg.columns().get(idx).and_then(|c| c.statistics()) else { return (None, None) };
            let conv = |s: &Statistics, want_max: bool| -> Option<i64> {
                match s {
                    Statistics::Int64(v) => {
                        let x = *(if want_max { v.max_opt() } else { v.min_opt() })?;
                        match &logical {
                            Some(LogicalType::Timestamp(t)) => Some(match t.unit {
                                parquet::basic::TimeUnit::MILLIS => x.saturating_mul(1000),
                                parquet::basic::TimeUnit::MICROS => x,
                                parquet::basic::TimeUnit::NANOS => x.div_euclid(1000),
                            }),
                            _ => match converted {
                                ConvertedType::TIMESTAMP_MILLIS => Some(x.saturating_mul(1000)),
                                ConvertedType::TIMESTAMP_MICROS => Some(x),
                                _ => None,
                            },
                        }
                    }
                    Statistics::Int32(v) => {
                        let x = *(if want_max { v.max_opt() } else { v.min_opt() })?;
                        let is_date = matches!(logical, Some(LogicalType::Date)) || converted == ConvertedType::DATE;
                        // Saturating: a corrupt statistic must not overflow (a panic in debug builds).
                        is_date.then(|| i64::from(x).saturating_mul(DAY_MICROS))
                    }
                    Statistics::Int96(v) => (if want_max { v.max_opt() } else { v.min_opt() }).map(|x| x.to_micros()),
                    Statistics::ByteArray(v) => {
                        let x = if want_max { v.max_opt() } else { v.min_opt() }?;
                        parse_timestamp_bytes(x.data()).map(|p| p.micros)
                    }
                    _ => None,
                }
            };
            match (conv(stats, false), conv(stats, true)) {
                (Some(a), Some(b)) => {
                    min = Some(min.map_or(a, |m| m.min(a)));
                    max = Some(max.map_or(b, |m| m.max(b)));
                }
                _ => return (None, None),
            }
        }
    }
    (min, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Date32Array, DictionaryArray, Int32Array, StringArray};
    use arrow_schema::{Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::metadata::ParquetMetaDataWriter;
    use parquet::file::properties::WriterProperties;

    fn req() -> StatsRequest {
        let as_of = 1_736_503_200_000_000; // 2025-01-10T10:00:00Z
        StatsRequest {
            required: Vec::new(),
            timestamp: None,
            label: None,
            label_inputs: Vec::new(),
            key: None,
            placeholders: Vec::new(),
            as_of,
            stale_before: as_of - 90 * DAY_MICROS,
            entity_keys: Vec::new(),
            entity_values: Vec::new(),
            only: None,
        }
    }

    fn write(batch: &RecordBatch, dictionary: bool) -> Vec<u8> {
        let props = WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .set_compression(Compression::UNCOMPRESSED)
            .build();
        let mut buf = Vec::new();
        let mut w = ArrowWriter::try_new(&mut buf, batch.schema(), Some(props)).expect("a writer");
        w.write(batch).expect("the batch is written");
        w.close().expect("the file is closed");
        buf
    }

    /// `a`: 1, 2, 3; `b`: 4, null, 6.
    fn ints() -> RecordBatch {
        let schema = Schema::new(vec![Field::new("a", DataType::Int32, false), Field::new("b", DataType::Int32, true)]);
        let a: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 3]));
        let b: ArrayRef = Arc::new(Int32Array::from(vec![Some(4), None, Some(6)]));
        RecordBatch::try_new(Arc::new(schema), vec![a, b]).expect("a batch")
    }

    fn footer_start(bytes: &[u8]) -> usize {
        let n = bytes.len();
        let len = u32::from_le_bytes(bytes[n - 8..n - 4].try_into().expect("4 bytes")) as usize;
        n - 8 - len
    }

    fn footer(bytes: &[u8]) -> &[u8] {
        &bytes[footer_start(bytes)..bytes.len() - 8]
    }

    fn with_footer(bytes: &[u8], footer: &[u8]) -> Vec<u8> {
        let mut out = bytes[..footer_start(bytes)].to_vec();
        out.extend_from_slice(footer);
        out.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        out.extend_from_slice(b"PAR1");
        out
    }

    /// The file with its footer re-encoded from `f(footer)`.
    fn rewrite(bytes: &[u8], f: impl FnOnce(ParquetMetaData) -> ParquetMetaData) -> Vec<u8> {
        let md = f(ParquetMetaDataReader::decode_metadata(footer(bytes)).expect("a valid footer"));
        let mut out = bytes[..footer_start(bytes)].to_vec();
        ParquetMetaDataWriter::new(&mut out, &md).finish().expect("the footer is written");
        out
    }

    fn map_columns(md: ParquetMetaData, f: impl Fn(ColumnChunkMetaData) -> ColumnChunkMetaData) -> ParquetMetaData {
        let mut b = md.into_builder();
        let groups = b
            .take_row_groups()
            .into_iter()
            .map(|rg| {
                let cols = rg.columns().iter().cloned().map(&f).collect();
                rg.into_builder().set_column_metadata(cols).build().expect("a row group")
            })
            .collect();
        b.set_row_groups(groups).build()
    }

    fn with_created_by(md: ParquetMetaData, created_by: &str) -> ParquetMetaData {
        let fm = md.file_metadata();
        let fm = FileMetaData::new(
            fm.version(),
            fm.num_rows(),
            Some(created_by.to_string()),
            fm.key_value_metadata().cloned(),
            fm.schema_descr_ptr(),
            fm.column_orders().cloned(),
        );
        let mut b = md.into_builder();
        let groups = b.take_row_groups();
        ParquetMetaDataBuilder::new(fm).set_row_groups(groups).build()
    }

    fn collect(bytes: &[u8]) -> Result<SourceStats, SourceError> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, bytes).expect("the file is written");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
        let ctx = CollectCtx { pool: &pool, progress: Arc::new(super::super::Progress::default()) };
        ParquetSource::new("t.parquet".into(), path).collect(&req(), &ctx).map_err(|f| f.error)
    }

    fn error(bytes: &[u8]) -> SourceError {
        match collect(bytes) {
            Ok(s) => panic!("expected an error, measured {} rows", s.acc.rows),
            Err(e) => e,
        }
    }

    fn nulls(stats: &SourceStats) -> Vec<u64> {
        stats.acc.cols.iter().map(|c| c.nulls).collect()
    }

    fn zigzag_varint(out: &mut Vec<u8>, v: i64) {
        let mut u = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            let b = (u & 0x7f) as u8;
            u >>= 7;
            if u == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// Positions of the stop byte of every `ColumnMetaData` in a footer.
    fn column_metadata_stops(footer: &[u8]) -> Vec<usize> {
        let mut r = Compact { buf: footer, pos: 0 };
        let mut stops = Vec::new();
        let mut last = 0;
        while let Some(Some((ty, id))) = r.field(last) {
            last = id;
            if id != 4 {
                r.skip(ty, 0).expect("a valid footer");
                continue;
            }
            let (_, groups) = r.list_header().expect("row groups");
            for _ in 0..groups {
                let mut l2 = 0;
                while let Some(Some((t2, i2))) = r.field(l2) {
                    l2 = i2;
                    if i2 != 1 {
                        r.skip(t2, 0).expect("a valid row group");
                        continue;
                    }
                    let (_, chunks) = r.list_header().expect("column chunks");
                    for _ in 0..chunks {
                        let mut l3 = 0;
                        while let Some(Some((t3, i3))) = r.field(l3) {
                            l3 = i3;
                            if i3 != 3 {
                                r.skip(t3, 0).expect("a valid column chunk");
                                continue;
                            }
                            let mut l4 = 0;
                            while let Some(Some((t4, i4))) = r.field(l4) {
                                l4 = i4;
                                r.skip(t4, 0).expect("a valid column metadata");
                            }
                            stops.push(r.pos - 1);
                        }
                    }
                }
            }
        }
        stops
    }

    #[test]
    fn issue_repeated_no_annotation_file_num_rows_zero() {
        // The file-level `num_rows` is 0 while the row group holds the rows: the arrow reader
        // used to return no rows at all, and preflight reported an empty file.
        let bytes = write(&ints(), false);
        let start = footer_start(&bytes);
        let mut r = Compact { buf: footer(&bytes), pos: 0 };
        let mut last = 0;
        let mut patched = bytes.clone();
        while let Some(Some((ty, id))) = r.field(last) {
            if id == 3 {
                let at = r.pos;
                r.varint().expect("num_rows");
                assert_eq!(r.pos - at, 1, "a one-byte varint");
                patched[start + at] = 0;
                break;
            }
            r.skip(ty, 0).expect("a valid footer");
            last = id;
        }
        let md = ParquetMetaDataReader::decode_metadata(footer(&patched)).expect("a valid footer");
        assert_eq!(md.file_metadata().num_rows(), 0);

        let stats = collect(&patched).expect("measured");
        assert_eq!(stats.acc.rows, 3);
        assert_eq!(nulls(&stats), [0, 1]);
        assert_eq!(stats.signals.footer_rows, Some(3));
    }

    #[test]
    fn issue_dict_page_offset_zero() {
        // parquet-mr wrote `dictionary_page_offset = 0` for chunks without a dictionary; the
        // reader then starts the chunk at the magic bytes.
        let bytes = rewrite(&write(&ints(), false), |md| {
            map_columns(md, |c| c.into_builder().set_dictionary_page_offset(Some(0)).build().expect("a column"))
        });
        let stats = collect(&bytes).expect("measured");
        assert_eq!(stats.acc.rows, 3);
        assert_eq!(nulls(&stats), [0, 1]);
    }

    #[test]
    fn issue_dict_page_offset_zero_footer_field_of_unexpected_type() {
        // Dremio's parquet-mr wrote a list of structs as ColumnMetaData field 15, which
        // parquet.thrift declares an i32 (`bloom_filter_length`). Thrift readers skip it; the
        // crate's decoder fails, and the footer is retried without the field.
        let bytes = write(&ints(), false);
        let mut f = footer(&bytes).to_vec();
        for stop in column_metadata_stops(&f).into_iter().rev() {
            // field 15 (long form), a list of one struct { 1: i32 1, 2: struct { 1: i32 2 } }
            let field: [u8; 10] = [T_LIST, 30, 0x1C, 0x15, 0x02, 0x1C, 0x15, 0x04, 0x00, 0x00];
            f.splice(stop..stop, field);
        }
        assert!(ParquetMetaDataReader::decode_metadata(&f).is_err(), "the crate refuses the field");
        let stats = collect(&with_footer(&bytes, &f)).expect("measured");
        assert_eq!(stats.acc.rows, 3);
        assert_eq!(nulls(&stats), [0, 1]);
    }

    #[test]
    fn sanitizer_leaves_a_clean_footer_alone() {
        assert!(sanitize_footer(footer(&write(&ints(), true))).is_none());
    }

    #[test]
    fn issue_nation_dict_malformed_legacy_chunk_size() {
        // parquet-mr < 1.2.9 left the dictionary page header out of `total_compressed_size`
        // (PARQUET-816): the chunk's last page ran past its end ("Invalid page header").
        let schema = Schema::new(vec![Field::new("s", DataType::Utf8, false)]);
        let s: ArrayRef = Arc::new(StringArray::from(vec!["x", "y", "x", "y"]));
        let batch = RecordBatch::try_new(Arc::new(schema), vec![s]).expect("a batch");
        let bytes = write(&batch, true);
        let md = ParquetMetaDataReader::decode_metadata(footer(&bytes)).expect("a valid footer");
        let chunk = md.row_group(0).column(0);
        let dict = chunk.dictionary_page_offset().expect("a dictionary page") as usize;
        let header = page_header(&bytes[dict..]).expect("a dictionary page header").len as i64;
        let legacy = |created_by: &'static str| {
            rewrite(&bytes, |md| {
                let md = with_created_by(md, created_by);
                map_columns(md, |c| {
                    let size = c.compressed_size();
                    c.into_builder().set_total_compressed_size(size - header).build().expect("a column")
                })
            })
        };
        let stats = collect(&legacy("parquet-mr")).expect("measured");
        assert_eq!(stats.acc.rows, 4);
        let stats = collect(&legacy("parquet-mr version 1.2.8 (build x)")).expect("measured");
        assert_eq!(stats.acc.rows, 4);
        // Later writers get no such benefit of the doubt.
        assert!(matches!(error(&legacy("parquet-mr version 1.12.0 (build x)")), SourceError::Unreadable { .. }));
    }

    #[test]
    fn legacy_parquet_mr_versions() {
        assert!(legacy_chunk_sizes(Some("parquet-mr")));
        assert!(legacy_chunk_sizes(Some("parquet-mr version 1.2.8")));
        assert!(!legacy_chunk_sizes(Some("parquet-mr version 1.2.9")));
        assert!(!legacy_chunk_sizes(Some("parquet-mr version 1.12.0-201812210311360288-a86293f (build c)")));
        assert!(!legacy_chunk_sizes(Some("parquet-cpp-arrow version 16.0.0")));
        assert!(!legacy_chunk_sizes(None));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(!crc32_update(!0, b"123456789"), 0xCBF4_3926);
    }

    /// A data page header (only the fields the checksum pass reads) and its payload.
    fn page(payload: &[u8], crc: Option<u32>) -> Vec<u8> {
        let mut out = Vec::new();
        for (id, v) in [(1, 0), (2, payload.len() as i64), (3, payload.len() as i64)] {
            write_field_header(&mut out, T_I32, id);
            zigzag_varint(&mut out, v);
        }
        if let Some(c) = crc {
            write_field_header(&mut out, T_I32, 4);
            zigzag_varint(&mut out, i64::from(c as i32));
        }
        out.push(0);
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn issue_corrupt_checksum_pages_are_refused() {
        // The crate's `crc` feature is off, so `datapage_v1-corrupt-checksum.parquet` used to be
        // measured from corrupt pages.
        let dir = tempfile::tempdir().expect("a temporary directory");
        let check = |bytes: &[u8]| {
            let path = dir.path().join("pages");
            std::fs::write(&path, bytes).expect("written");
            let file = File::open(&path).expect("opened");
            verify_chunk(&file, "c", 0, bytes.len() as u64)
        };
        let crc = |p: &[u8]| !crc32_update(!0, p);
        let mut good = page(b"first page", Some(crc(b"first page")));
        good.extend(page(b"second", Some(crc(b"second"))));
        assert_eq!(check(&good), Ok(()));

        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let e = check(&bad).expect_err("a corrupt page");
        assert!(e.contains("column `c`") && e.contains("fails its CRC-32 checksum"), "{e}");

        // Pages without a checksum are not checked.
        assert_eq!(check(&page(b"no crc", None)), Ok(()));
    }

    #[test]
    fn issue_dictionary_nulls_were_counted_as_values() {
        // The take indices dropped the keys' nulls, so a null key read as its (arbitrary)
        // dictionary value.
        let r = req();
        let arr: DictionaryArray<Int32Type> = vec![Some("a"), None, Some("b"), None].into_iter().collect();
        let arr: ArrayRef = Arc::new(arr);
        let acc = SourceAcc::new(&["d".to_string()], &[Some("string")], &r);
        let mut b = acc.batch(&r, 4);
        feed(&mut b, 0, &arr, 0, 0);
        let out = b.finish(4, false, false);
        assert_eq!((out.cols[0].nulls, out.cols[0].present), (2, 2));
    }

    #[test]
    fn issue_all_null_dictionary_panicked() {
        // `normalized_keys` panics on an empty dictionary, which an all-null column may have.
        let r = req();
        let values: ArrayRef = Arc::new(StringArray::from(Vec::<&str>::new()));
        let keys = Int32Array::from(vec![None, None, None]);
        let arr: ArrayRef = Arc::new(DictionaryArray::<Int32Type>::try_new(keys, values).expect("a dictionary"));
        let acc = SourceAcc::new(&["d".to_string()], &[Some("string")], &r);
        let mut b = acc.batch(&r, 3);
        feed(&mut b, 0, &arr, 0, 0);
        assert_eq!(b.finish(3, false, false).cols[0].nulls, 3);
    }

    #[test]
    fn dictionary_column_nulls_survive_a_parquet_round_trip() {
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let schema = Schema::new(vec![Field::new("d", dict, true)]);
        let arr: DictionaryArray<Int32Type> = vec![Some("a"), None, Some("a"), None, None].into_iter().collect();
        let batch = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(arr) as ArrayRef]).expect("a batch");
        let stats = collect(&write(&batch, true)).expect("measured");
        assert_eq!(stats.acc.rows, 5);
        assert_eq!(nulls(&stats), [3]);
    }

    #[test]
    fn partition_values_take_their_columns_types() {
        let one = |v: Option<&str>, t: DataType| partition_scalar(v, &t);
        let a = one(Some("42"), DataType::Int64).expect("a long");
        assert_eq!(a.as_primitive::<Int64Type>().value(0), 42);
        let d = one(Some("2026-01-02"), DataType::Date32).expect("a date");
        assert_eq!(d.as_primitive::<Date32Type>().value(0), 20_455);
        let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let t = one(Some("2026-01-02 03:04:05.5"), ts.clone()).expect("a timestamp");
        assert_eq!(t.as_primitive::<TimestampMicrosecondType>().value(0), 1_767_323_045_500_000);
        assert_eq!(t.data_type(), &ts);
        assert!(one(None, DataType::Int64).expect("a null").is_null(0));
        assert!(one(Some("x"), DataType::Int64).is_none(), "not a long");
        assert_eq!(one(Some("a b"), DataType::Utf8).expect("text").as_string::<i32>().value(0), "a b");
    }

    #[test]
    fn decimal256_values_are_measured() {
        let r = req();
        let arr = arrow_array::Decimal256Array::from(vec![
            Some(<Decimal256Type as arrow_array::ArrowPrimitiveType>::Native::from_i128(150)),
            None,
        ])
        .with_precision_and_scale(40, 2)
        .expect("a decimal");
        let arr: ArrayRef = Arc::new(arr);
        let acc = SourceAcc::new(&["x".to_string()], &[Some("decimal")], &r);
        let mut b = acc.batch(&r, 2);
        feed(&mut b, 0, &arr, 0, 0);
        let out = b.finish(2, false, false);
        assert_eq!((out.cols[0].nulls, out.cols[0].present), (1, 1));
        assert!(out.distinct(0).is_some(), "values are counted, not treated as nested");
    }

    #[test]
    fn issue_large_string_map_batches_outgrew_2_gib() {
        // Two rows of 1 GiB strings: a 65,536-row batch overflowed the arrow array's i32 offsets.
        assert_eq!(batch_rows(2, 2_147_483_827), 1);
        assert_eq!(batch_rows(1_000_000, 64 << 20), BATCH_ROWS);
        assert_eq!(batch_rows(1_000_000, 4 << 30), 15_625);
        assert_eq!(batch_rows(0, 0), BATCH_ROWS);
        assert_eq!(batch_rows(-1, 10), BATCH_ROWS);
    }

    #[test]
    fn row_group_error_names_the_column_and_the_file_once() {
        // The message used to read "cannot read `f`: row group 0 of `f`: cannot read `f`:
        // invalid Parquet: External: Parquet argument error: Parquet error: …".
        let mut bytes = write(&ints(), false);
        let md = ParquetMetaDataReader::decode_metadata(footer(&bytes)).expect("a valid footer");
        let b = md.row_group(0).column(1).data_page_offset() as usize;
        bytes[b..b + 4].fill(0xFF);
        let message = error(&bytes).to_string();
        assert!(message.contains("row group 0 (rows 0–2), column `b`: "), "{message}");
        assert_eq!(message.matches("t.parquet").count(), 1, "{message}");
        assert!(!message.contains("External") && !message.contains("Parquet argument error"), "{message}");
    }

    #[test]
    fn row_group_declaring_more_rows_than_its_pages_fails() {
        let bytes = rewrite(&write(&ints(), false), |md| {
            let mut b = md.into_builder();
            let groups = b
                .take_row_groups()
                .into_iter()
                .map(|rg| rg.into_builder().set_num_rows(8).build().expect("a row group"))
                .collect();
            b.set_row_groups(groups).build()
        });
        let message = error(&bytes).to_string();
        assert!(message.contains("row group 0 (rows 0–7)"), "{message}");
    }

    #[test]
    fn chunk_outside_the_file_is_an_error_not_a_panic() {
        // `ColumnChunkMetaData::byte_range` asserts on negative offsets.
        for offset in [-100, 1 << 40] {
            let bytes = rewrite(&write(&ints(), false), |md| {
                map_columns(md, |c| c.into_builder().set_data_page_offset(offset).build().expect("a column"))
            });
            let message = error(&bytes).to_string();
            assert!(message.contains("corrupt footer: row group 0, column `a` is placed at bytes"), "{message}");
        }
    }

    #[test]
    fn external_column_chunks_are_unsupported() {
        let bytes = rewrite(&write(&ints(), false), |md| {
            map_columns(md, |c| c.into_builder().set_file_path("other.parquet".into()).build().expect("a column"))
        });
        let e = error(&bytes);
        assert!(matches!(e, SourceError::Unsupported { .. }), "{e:?}");
        assert!(e.to_string().contains("keeps its data in another file (`other.parquet`)"), "{e}");
    }

    #[test]
    fn encrypted_files_are_unsupported() {
        let mut bytes = write(&ints(), false);
        let n = bytes.len();
        bytes[n - 4..].copy_from_slice(b"PARE");
        let e = error(&bytes);
        assert!(matches!(e, SourceError::Unsupported { .. }) && e.to_string().contains("encrypted footer"), "{e}");

        // Plaintext footer: FileMetaData field 8, `encryption_algorithm`.
        let bytes = write(&ints(), false);
        let mut f = footer(&bytes).to_vec();
        let stop = f.len() - 1;
        f.splice(stop..stop, [T_STRUCT, 16, 0x00]);
        let e = error(&with_footer(&bytes, &f));
        assert!(matches!(e, SourceError::Unsupported { .. }) && e.to_string().contains("plaintext footer"), "{e}");
    }

    #[test]
    fn files_that_are_not_parquet_say_so() {
        let e = error(b"id,name\n1,a\n2,b\n").to_string();
        assert!(e.contains("not a Parquet file: it does not end with the `PAR1` magic bytes"), "{e}");
        let e = error(b"PAR1").to_string();
        assert!(e.contains("not a Parquet file: it is 4 bytes long"), "{e}");
        let mut bytes = write(&ints(), false);
        let n = bytes.len();
        bytes[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = error(&bytes).to_string();
        assert!(e.contains("corrupt footer: its length field says 4294967295 bytes"), "{e}");
    }

    #[test]
    fn extreme_date_statistics_do_not_overflow() {
        // `days * 86_400_000_000` overflowed i64 (a panic in debug builds) for a date of
        // i32::MAX days in the footer statistics.
        let schema = Schema::new(vec![Field::new("d", DataType::Date32, false)]);
        let d: ArrayRef = Arc::new(Date32Array::from(vec![0, i32::MAX]));
        let batch = RecordBatch::try_new(Arc::new(schema), vec![d]).expect("a batch");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("d.parquet");
        std::fs::write(&path, write(&batch, false)).expect("written");
        let part = open_part(&path, "d.parquet").expect("opened");
        assert_eq!(footer_min_max(&[part], "d"), (Some(0), Some(i64::MAX)));
    }

    #[test]
    fn reader_errors_read_as_sentences() {
        let (unsup, what) =
            describe("External: Parquet argument error: Parquet error: Insufficient repetition levels read");
        assert_eq!((unsup, what.as_str()), (false, "corrupt data: Insufficient repetition levels read"));
        let (unsup, what) = describe("External: Parquet argument error: EOF: Invalid page header");
        assert_eq!((unsup, what.as_str()), (false, "the data ends early (truncated or corrupt): Invalid page header"));
        assert!(describe("NYI: encoding BIT_PACKED is not supported").0);
        assert_eq!(
            gloss_enum("Unexpected Type -7"),
            "Unexpected Type -7 (a physical type of -7, which Parquet does not define)"
        );
        assert_eq!(gloss_enum("Unexpected Type of thing"), "Unexpected Type of thing");
    }
}
