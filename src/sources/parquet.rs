//! Parquet files (one file, a glob, or a directory of parts) through the arrow reader.
//!
//! The footer is read first: row counts and the timestamp column's min/max come from it
//! without a scan. Row groups are then decoded in parallel on the worker pool and merged in
//! order, so memory is bounded by a few row-group batches.

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::basic::{ConvertedType, LogicalType};
use parquet::errors::ParquetError;
use parquet::file::statistics::Statistics;

use super::pipeline::panic_message;
use super::{CollectCtx, FileSignals, Source, SourceError, SourceFailure, SourceStats, files};
use crate::profile::FileFormat;
use crate::stats::timestamp::parse_timestamp_bytes;
use crate::stats::{BatchAcc, Cell, Pos, SourceAcc, StatsRequest};

const BATCH_ROWS: usize = 65_536;

pub struct ParquetSource {
    written: String,
    path: PathBuf,
}

impl ParquetSource {
    pub fn new(written: String, path: PathBuf) -> ParquetSource {
        ParquetSource { written, path }
    }
}

struct Part {
    path: PathBuf,
    shown: String,
    meta: ArrowReaderMetadata,
}

/// Turns the reader's errors into ones that say what is wrong with the file.
fn parquet_error(shown: &str, e: ParquetError) -> SourceError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("encrypt") {
        return SourceError::Unsupported {
            path: shown.to_string(),
            what: "the file is encrypted (Parquet modular encryption) and preflight holds no decryption keys".into(),
        };
    }
    match e {
        ParquetError::NYI(m) => SourceError::Unsupported { path: shown.to_string(), what: format!("not implemented by the Parquet reader: {m}") },
        ParquetError::EOF(m) => SourceError::Unreadable { path: shown.to_string(), message: format!("the file is truncated or corrupt (unexpected end: {m})") },
        _ => SourceError::Unreadable { path: shown.to_string(), message: format!("invalid Parquet: {text}") },
    }
}

fn open_part(path: &PathBuf, shown: &str) -> Result<Part, SourceError> {
    let file = File::open(path).map_err(|e| files::io_error(shown, path, &e))?;
    let loaded = catch_unwind(AssertUnwindSafe(|| ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())))
        .map_err(|p| SourceError::Unreadable { path: shown.to_string(), message: panic_message(p.as_ref()) })?;
    let meta = loaded.map_err(|e| parquet_error(shown, e))?;
    Ok(Part { path: path.clone(), shown: shown.to_string(), meta })
}

/// The report's name for an arrow type.
pub fn type_name(t: &DataType) -> &'static str {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string",
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "integer",
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => "integer",
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float",
        DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..) => "decimal",
        DataType::Boolean => "boolean",
        DataType::Timestamp(..) | DataType::Date64 => "timestamp",
        DataType::Date32 => "date",
        DataType::Time32(_) | DataType::Time64(_) => "time",
        DataType::Duration(_) | DataType::Interval(_) => "duration",
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => "binary",
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) | DataType::ListView(_) | DataType::LargeListView(_) => "list",
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
        let paths = files::expand(&self.path, &self.written, FileFormat::Parquet)?;
        let first = paths.first().ok_or_else(|| SourceError::NoFiles { pattern: self.written.clone() })?;
        let part = open_part(first, &self.written)?;
        Ok(part.meta.schema().fields().iter().map(|f| f.name().clone()).collect())
    }

    fn collect(&self, req: &StatsRequest, ctx: &CollectCtx<'_>) -> Result<SourceStats, SourceFailure> {
        let fail = |error, access| SourceFailure { kind: "parquet", error, access };
        let paths = files::expand(&self.path, &self.written, FileFormat::Parquet).map_err(|e| fail(e, None))?;
        let access = files::access(&paths);
        let multi = paths.len() > 1;
        let mut parts = Vec::new();
        for p in &paths {
            let shown = if multi { p.display().to_string() } else { self.written.clone() };
            parts.push(open_part(p, &shown).map_err(|e| fail(e, access.clone()))?);
        }
        let Some(first) = parts.first() else {
            return Err(fail(SourceError::NoFiles { pattern: self.written.clone() }, access));
        };
        let schema = Arc::clone(first.meta.schema());
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let types: Vec<Option<&'static str>> = schema.fields().iter().map(|f| Some(type_name(f.data_type()))).collect();
        for p in parts.iter().skip(1) {
            if p.meta.schema().fields() != schema.fields() {
                let message = "its schema differs from the first part's".to_string();
                return Err(fail(SourceError::Unreadable { path: p.shown.clone(), message }, access));
            }
        }

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
            let mut first_row = 0u64;
            for (gi, rg) in p.meta.metadata().row_groups().iter().enumerate() {
                tasks.push(RowGroupTask {
                    part: pi as u32,
                    group: gi,
                    first_row,
                    path: p.path.clone(),
                    shown: p.shown.clone(),
                    meta: p.meta.clone(),
                });
                first_row += rg.num_rows().max(0) as u64;
            }
        }
        let template = Arc::new(acc.batch(req, 0).acc);
        let req_arc = Arc::new(req.clone());
        let progress = Arc::clone(&ctx.progress);
        let work: Arc<dyn Fn(RowGroupTask) -> Result<SourceAcc, String> + Send + Sync> = Arc::new(move |t: RowGroupTask| {
            read_row_group(&t, &template, &req_arc, absent_required, absent_label, &progress)
        });
        let mut queue = tasks.into_iter();
        let shown_all = self.written.clone();
        super::pipeline::run(ctx.pool, &mut acc, || Ok(queue.next()), work, |m| SourceError::Unreadable {
            path: shown_all.clone(),
            message: m,
        })
        .map_err(|e| fail(e, access.clone()))?;

        Ok(SourceStats {
            kind: "parquet",
            parts: paths.iter().map(|f| f.display().to_string()).collect(),
            acc,
            csv: None,
            signals: FileSignals { modified: files::modified(&paths), footer_min, footer_max, footer_rows: Some(footer_rows), database: None },
            access,
            bytes: paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum(),
            evidence_keys: None,
            sql: None,
        })
    }
}

struct RowGroupTask {
    part: u32,
    group: usize,
    first_row: u64,
    path: PathBuf,
    shown: String,
    meta: ArrowReaderMetadata,
}

fn read_row_group(
    t: &RowGroupTask,
    template: &SourceAcc,
    req: &StatsRequest,
    absent_required: bool,
    absent_label: bool,
    progress: &super::Progress,
) -> Result<SourceAcc, String> {
    let describe = |e: ParquetError| parquet_error(&t.shown, e).to_string();
    let file = File::open(&t.path).map_err(|e| files::io_error(&t.shown, &t.path, &e).to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, t.meta.clone())
        .with_row_groups(vec![t.group])
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(describe)?;
    let mut out = template.batch(req, 0).acc;
    let mut row = t.first_row;
    for batch in reader {
        let batch: RecordBatch = batch.map_err(|e| {
            format!("row group {} of `{}`: {}", t.group, t.shown, parquet_error(&t.shown, ParquetError::External(Box::new(e))))
        })?;
        let n = batch.num_rows();
        let mut b = template.batch(req, n);
        for (c, col) in batch.columns().iter().enumerate() {
            feed(&mut b, c, col, t.part, row);
        }
        out.merge(b.finish(n as u64, absent_required, absent_label));
        progress.add(n as u64);
        row += n as u64;
    }
    Ok(out)
}

fn pos(part: u32, row: u64) -> Pos {
    Pos { part, line: None, row }
}

/// Feeds one arrow column into the batch accumulator, dispatching on the type once.
fn feed(b: &mut BatchAcc<'_>, c: usize, arr: &ArrayRef, part: u32, first_row: u64) {
    let n = arr.len();
    macro_rules! each {
        ($get:expr) => {
            for i in 0..n {
                let cell = if arr.is_null(i) { Cell::Null } else { $get(i) };
                b.push(c, i, pos(part, first_row + i as u64), cell);
            }
        };
    }
    match arr.data_type() {
        DataType::Utf8 => {
            let a = arr.as_string::<i32>();
            each!(|i| Cell::Text(a.value(i).as_bytes()));
        }
        DataType::LargeUtf8 => {
            let a = arr.as_string::<i64>();
            each!(|i| Cell::Text(a.value(i).as_bytes()));
        }
        DataType::Utf8View => {
            let a = arr.as_string_view();
            each!(|i| Cell::Text(a.value(i).as_bytes()));
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
            if let Some(d) = arr.as_any_dictionary_opt() {
                let keys = d.normalized_keys();
                let values = d.values();
                match arrow_select::take::take(values.as_ref(), &arrow_array::UInt32Array::from_iter_values(keys.iter().map(|&k| k as u32)), None) {
                    Ok(flat) => feed(b, c, &flat, part, first_row),
                    Err(_) => each!(|_| Cell::Nested),
                }
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
                        is_date.then(|| i64::from(x) * 86_400_000_000)
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
