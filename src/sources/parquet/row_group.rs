//! The row-group pipeline: one task per row group, decoded on the worker pool into a batch
//! accumulator, and narrowed down to the failing column when it fails.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::RowGroupMetaData;

use super::columns::feed;
use super::pages::verify_checksums;
use super::{Input, Opened, describe};
use crate::sources::pipeline::{BatchError, panic_message};
use crate::stats::{SketchOnly, SourceAcc, StatsRequest};

/// Rows per decoded batch, at most: 32,768 is as fast as 65,536 on the 2M-row benchmark and
/// holds a quarter less memory.
pub(super) const BATCH_ROWS: usize = 32_768;
/// Uncompressed bytes a batch aims at: a row group of wide rows is read in fewer rows per batch,
/// so memory stays bounded and no batch of strings outgrows an arrow array's 2 GiB offsets.
const BATCH_BYTES: u64 = 64 << 20;

pub(super) struct RowGroupTask {
    pub(super) part: u32,
    pub(super) group: usize,
    /// The top-level columns to decode (a source's `columns`); `None` for all.
    pub(super) roots: Option<Arc<Vec<usize>>>,
    pub(super) first_row: u64,
    pub(super) input: Input,
    /// The part's name, when the source has several parts.
    pub(super) shown: Option<String>,
    pub(super) meta: ArrowReaderMetadata,
    /// One-row values of the part's partition columns, measured after the decoded columns.
    pub(super) extra: Option<Arc<Vec<ArrayRef>>>,
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
pub(super) fn read_row_group(
    t: &RowGroupTask,
    only: &SketchOnly,
    template: &SourceAcc,
    req: &StatsRequest,
    absent_required: bool,
    absent_label: bool,
    progress: &crate::sources::Progress,
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
pub(super) fn batch_rows(rows: i64, bytes: i64) -> usize {
    match (u64::try_from(rows), u64::try_from(bytes)) {
        (Ok(r), Ok(b)) if r > 0 && b > 0 => {
            let per = u128::from(r) * u128::from(BATCH_BYTES) / u128::from(b);
            per.clamp(1, BATCH_ROWS as u128) as usize
        }
        _ => BATCH_ROWS,
    }
}
