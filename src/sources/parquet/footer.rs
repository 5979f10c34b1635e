//! Opening a part: its footer read, checked and repaired, and the timestamp column's min/max
//! from the footer statistics.

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::basic::{ConvertedType, LogicalType};
use parquet::file::metadata::{
    ColumnChunkMetaData, FileMetaData, ParquetMetaData, ParquetMetaDataBuilder, ParquetMetaDataReader,
};
use parquet::file::statistics::Statistics;

use super::pages::read_page_header;
use super::thrift::{has_encryption_algorithm, sanitize_footer};
use super::{Input, Part, ReadAt, describe, encrypted, gloss_enum, strip_prefixes, unreadable, unsupported};
use crate::sources::object::{Object, Remote};
use crate::sources::pipeline::panic_message;
use crate::sources::{SourceError, files};
use crate::stats::timestamp::parse_timestamp_bytes;

pub(super) const DAY_MICROS: i64 = 86_400_000_000;

pub(super) fn open_part(path: &PathBuf, shown: &str) -> Result<Part, SourceError> {
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
pub(super) fn open_object(remote: &Arc<Remote>, object: &Object, shown: &str) -> Result<Part, SourceError> {
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
pub(super) fn legacy_chunk_sizes(created_by: Option<&str>) -> bool {
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

/// Min and max of the timestamp column from the footer statistics, in micros; `None` when a
/// row group lacks statistics (then the footer cannot vouch for the whole file).
pub(super) fn footer_min_max(parts: &[Part], column: &str) -> (Option<i64>, Option<i64>) {
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
