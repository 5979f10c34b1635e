//! CSV files: delimiter detection, BOM, CRLF, quoted fields with embedded newlines, `.gz`.
//!
//! A hand-written splitter rather than the `csv` crate: the measures need to know whether an
//! empty field was quoted (`""` is a blank string, an empty field is a null, DESIGN §3), and
//! the line each record starts on, which the crate does not expose together.

mod split;
mod structure;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::object::{Object, Remote};
use super::{CollectCtx, CsvInfo, FileSignals, Progress, Source, SourceError, SourceFailure, SourceStats, files};
use crate::profile::FileFormat;
use crate::stats::{Cell, Pos, SketchOnly, SourceAcc, StatsRequest};
use split::{Buffers, Field, RecordTooLong, Splitter};
pub use structure::StructureNote;
use structure::{Layout, RaggedRuns};

const BATCH_ROWS: usize = 32_768;
/// Rows accumulated column by column at a time: a few hundred KB of a batch, within the cache.
const BLOCK_ROWS: usize = 1024;
/// The most input a batch reads: the size of its buffer.
const BATCH_BYTES: usize = 16 << 20;
const READ_CHUNK: usize = 1 << 20;
/// The least a batch reads: a batch of short records fills its row limit in a few hundred KB.
const MIN_READ: usize = 64 << 10;
const SNIFF_BYTES: usize = 64 << 10;

pub struct CsvSource {
    written: String,
    path: PathBuf,
    delimiter: Option<u8>,
    /// Columns the profile names: a first line holding one of them is the header.
    named: Vec<String>,
    /// The object store the parts live in, for an object-store URL.
    remote: Option<Arc<Remote>>,
}

/// One part of a CSV source: a local file, or an object streamed from its store.
enum Part {
    File(PathBuf),
    Object(Arc<Remote>, Object),
}

impl Part {
    fn shown(&self) -> String {
        match self {
            Part::File(p) => p.display().to_string(),
            Part::Object(r, o) => r.name(&o.path),
        }
    }
}

impl CsvSource {
    pub fn new(written: String, path: PathBuf, delimiter: Option<u8>) -> CsvSource {
        CsvSource { written, path, delimiter, remote: None, named: Vec::new() }
    }

    /// The CSV objects an object-store URL names, streamed without a local copy.
    pub fn remote(remote: Arc<Remote>, delimiter: Option<u8>) -> CsvSource {
        CsvSource {
            written: remote.shown.clone(),
            path: PathBuf::new(),
            delimiter,
            remote: Some(remote),
            named: Vec::new(),
        }
    }

    /// The columns the profile names for this source.
    pub fn named(self, named: Vec<String>) -> CsvSource {
        CsvSource { named, ..self }
    }

    fn files(&self) -> Result<Vec<PathBuf>, SourceError> {
        if self.remote.is_some() {
            return Ok(Vec::new());
        }
        files::expand(&self.path, &self.written, FileFormat::Csv)
    }

    /// The parts in order, with their sizes and modification times (micros).
    fn parts(&self) -> Result<Vec<(Part, u64, Option<i64>)>, SourceError> {
        match &self.remote {
            Some(r) => Ok(r
                .objects(Some(FileFormat::Csv))?
                .into_iter()
                .map(|o| {
                    let (size, m) = (o.size, o.modified_micros);
                    (Part::Object(Arc::clone(r), o), size, Some(m))
                })
                .collect()),
            None => Ok(self
                .files()?
                .into_iter()
                .map(|f| {
                    let size = std::fs::metadata(&f).map_or(0, |m| m.len());
                    let m = files::modified(std::slice::from_ref(&f));
                    (Part::File(f), size, m)
                })
                .collect()),
        }
    }
}

/// A batch of records, fixed width: field `c` of row `r` is `bufs.fields[r * width + c]`.
pub struct Batch {
    bufs: Buffers,
    sketch_only: SketchOnly,
    width: usize,
    part: u32,
    first_row: u64,
}

impl Batch {
    fn rows(&self) -> usize {
        self.bufs.lines.len()
    }
}

/// Picks the delimiter whose count per line is steadiest over a sample, quotes respected.
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    let candidates = [b',', b';', b'\t', b'|'];
    let mut best = (b',', 0usize, 0usize);
    for &d in &candidates {
        let mut counts = Vec::new();
        let mut n = 0usize;
        let mut in_quotes = false;
        for &b in sample {
            match b {
                b'"' => in_quotes = !in_quotes,
                b'\n' if !in_quotes => {
                    counts.push(n);
                    n = 0;
                    if counts.len() >= 50 {
                        break;
                    }
                }
                _ if b == d && !in_quotes => n += 1,
                _ => {}
            }
        }
        let Some(&first) = counts.first() else {
            if n > best.1 {
                best = (d, n, 1);
            }
            continue;
        };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.2, best.1) {
            best = (d, first, consistent);
        }
    }
    best.0
}

/// Opens a file, decompressing gzip transparently; the progress counts compressed bytes.
fn open_reader(
    part: &Part,
    written: &str,
    progress: &Arc<Progress>,
) -> Result<(Box<dyn Read + Send>, bool, u64), SourceError> {
    let (inner, size, path): (Box<dyn Read + Send>, u64, &std::path::Path) = match part {
        Part::File(path) => {
            let file = File::open(path).map_err(|e| files::io_error(written, path, &e))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            (Box::new(file), size, path)
        }
        Part::Object(remote, o) => (Box::new(remote.reader(o)?), o.size, std::path::Path::new(written)),
    };
    let mut peek = BufReader::with_capacity(READ_CHUNK, Counting { inner, progress: Arc::clone(progress) });
    let head = std::io::BufRead::fill_buf(&mut peek).map_err(|e| files::io_error(written, path, &e))?;
    let gz = head.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> =
        if gz { Box::new(flate2::read::MultiGzDecoder::new(peek)) } else { Box::new(peek) };
    Ok((reader, gz, size))
}

struct Counting<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.add(n as u64);
        Ok(n)
    }
}

/// Reads the header of a (possibly compressed) file: names, delimiter, BOM, the rest of the input.
struct Opened {
    splitter: Splitter<Box<dyn Read + Send>>,
    header: Vec<String>,
    /// The header's cells as read, to find rows that repeat it; `None` without a header row.
    header_raw: Option<Vec<Vec<u8>>>,
    header_line: u64,
    layout: Layout,
    bom: bool,
    gz: bool,
    delim: u8,
}

fn open_csv(
    path: &Part,
    written: &str,
    delimiter: Option<u8>,
    named: &[String],
    progress: &Arc<Progress>,
) -> Result<Opened, SourceError> {
    let (mut reader, gz, _) = open_reader(path, written, progress)?;
    let mut sample = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|e| SourceError::Unreadable { path: written.to_string(), message: read_message(&e, gz) })?;
    // Excel's "Unicode text" export is UTF-16 (tab-separated): decode it to UTF-8 and sniff again.
    let utf16 = match sample.get(..2) {
        Some([0xFF, 0xFE]) => Some(false),
        Some([0xFE, 0xFF]) => Some(true),
        _ => None,
    };
    if let Some(big_endian) = utf16 {
        let rest = std::io::Cursor::new(sample.split_off(2)).chain(reader);
        reader = Box::new(Utf16Reader::new(rest, big_endian));
        sample.clear();
        (&mut reader)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut sample)
            .map_err(|e| SourceError::Unreadable { path: written.to_string(), message: read_message(&e, gz) })?;
    }
    let utf8_bom = sample.starts_with(&[0xEF, 0xBB, 0xBF]);
    let bom = utf8_bom || utf16.is_some();
    let body = if utf8_bom { sample.get(3..).unwrap_or_default().to_vec() } else { sample };
    let complete = body.len() + usize::from(utf8_bom) * 3 < SNIFF_BYTES;
    let delim = delimiter.unwrap_or_else(|| sniff_delimiter(&body));
    let layout = structure::layout(&body, complete, delim, named);
    let chained: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(body).chain(reader));
    let mut splitter = Splitter::new(chained, delim);
    let next = |splitter: &mut Splitter<_>| {
        splitter
            .next_record()
            .map_err(|e| SourceError::Unreadable { path: written.to_string(), message: read_message(&e, gz) })
    };
    for _ in &layout.preamble {
        next(&mut splitter)?;
    }
    if layout.no_header {
        let header = (1..=layout.width).map(|i| format!("column_{i}")).collect();
        let header_line = layout.preamble.last().map_or(1, |l| l + 1);
        return Ok(Opened { splitter, header, header_raw: None, header_line, layout, bom, gz, delim });
    }
    if !next(&mut splitter)? {
        return Err(SourceError::Unreadable {
            path: written.to_string(),
            message: "the file is empty: no header row".into(),
        });
    }
    let raw: Vec<Vec<u8>> = splitter
        .rec_fields
        .iter()
        .map(|f| splitter.rec_buf.get(f.start as usize..(f.start + f.len) as usize).unwrap_or_default().to_vec())
        .collect();
    let header = raw.iter().map(|b| String::from_utf8_lossy(b).trim().to_string()).collect();
    let header_line = splitter.rec_line;
    for _ in &layout.extra_header {
        next(&mut splitter)?;
    }
    Ok(Opened { splitter, header, header_raw: Some(raw), header_line, layout, bom, gz, delim })
}

fn read_message(e: &std::io::Error, gz: bool) -> String {
    let ours = e.get_ref().is_some_and(|inner| inner.is::<RecordTooLong>());
    if gz && !ours { format!("gzip stream is corrupt or truncated: {e}") } else { e.to_string() }
}

/// Decodes UTF-16 to UTF-8 as it streams. Unpaired surrogates and a dangling odd byte become
/// U+FFFD, as `String::from_utf16_lossy` does.
struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    raw: Vec<u8>,
    /// An odd byte left over from the last read.
    carry: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner,
            big_endian,
            raw: vec![0; 64 << 10],
            carry: None,
            high: None,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    fn push(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }

    fn unit(&mut self, u: u16) {
        if let Some(h) = self.high.take() {
            if (0xDC00..0xE000).contains(&u) {
                let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                self.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                return;
            }
            self.push(char::REPLACEMENT_CHARACTER);
        }
        if (0xD800..0xDC00).contains(&u) {
            self.high = Some(u);
        } else {
            self.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }

    /// Decodes the next chunk of input into `out`; false at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.eof {
                return Ok(false);
            }
            let n = match self.inner.read(&mut self.raw) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.eof = true;
                if self.carry.take().is_some() || self.high.take().is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                continue;
            }
            let raw = std::mem::take(&mut self.raw);
            let mut data = raw.get(..n).unwrap_or_default();
            if let Some(c) = self.carry.take()
                && let Some((&b, tail)) = data.split_first()
            {
                self.unit(self.pair(c, b));
                data = tail;
            }
            let mut pairs = data.chunks_exact(2);
            for p in &mut pairs {
                if let [a, b] = *p {
                    self.unit(self.pair(a, b));
                }
            }
            self.carry = pairs.remainder().first().copied();
            self.raw = raw;
        }
        Ok(true)
    }

    fn pair(&self, a: u8, b: u8) -> u16 {
        if self.big_endian { u16::from_be_bytes([a, b]) } else { u16::from_le_bytes([a, b]) }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let rest = self.out.get(self.out_pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(rest.get(..n).unwrap_or_default());
        self.out_pos += n;
        Ok(n)
    }
}

/// Names for empty and repeated header cells, so every column can be reported.
fn dedupe_header(raw: &[String]) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let mut dups = Vec::new();
    for (i, h) in raw.iter().enumerate() {
        let base = if h.is_empty() { format!("column_{}", i + 1) } else { h.clone() };
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        if name != base {
            dups.push(base);
        }
        names.push(name);
    }
    (names, dups)
}

impl Source for CsvSource {
    fn kind(&self) -> &'static str {
        "csv"
    }

    fn location(&self) -> String {
        self.written.clone()
    }

    fn columns(&self) -> Result<Vec<String>, SourceError> {
        let parts = self.parts()?;
        let (first, _, _) = parts.first().ok_or_else(|| SourceError::NoFiles { pattern: self.written.clone() })?;
        let o = open_csv(first, &self.written, self.delimiter, &self.named, &Arc::new(Progress::default()))?;
        Ok(dedupe_header(&o.header).0)
    }

    fn collect(&self, req: &StatsRequest, ctx: &CollectCtx<'_>) -> Result<SourceStats, SourceFailure> {
        let fail = |error, access| SourceFailure { kind: "csv", error, access };
        let parts = self.parts().map_err(|e| fail(e, None))?;
        let files = self.files().map_err(|e| fail(e, None))?;
        let access = files::access(&files);
        let total: u64 = parts.iter().map(|p| p.1).sum();
        ctx.progress.total.store(total, std::sync::atomic::Ordering::Relaxed);
        ctx.progress.bytes.store(true, std::sync::atomic::Ordering::Relaxed);

        let multi = parts.len() > 1;
        let mut info = CsvInfo::default();
        let mut acc: Option<SourceAcc> = None;
        let mut header_names: Vec<String> = Vec::new();
        // The header's columns that are measured (all, unless the source lists `columns`).
        let mut keep: Arc<Vec<usize>> = Arc::new(Vec::new());
        let mut rows_before = 0u64;
        let mut absent_required = false;
        let mut absent_label = false;
        let req_arc = Arc::new(req.clone());
        for (part, (file, _, _)) in parts.iter().enumerate() {
            let shown = if multi { file.shown() } else { self.written.clone() };
            let before = version(file);
            let opened = open_csv(file, &shown, self.delimiter, &self.named, &ctx.progress)
                .map_err(|e| fail(e, access.clone()))?;
            let part_file = multi.then(|| shown.clone());
            let mut notes = opened.layout.notes.clone();
            notes.extend(structure::empty_names(&opened.header, opened.header_line));
            let (names, dups) = dedupe_header(&opened.header);
            if part == 0 {
                info.delimiter = match opened.delim {
                    b'\t' => "\\t".into(),
                    d => (d as char).to_string(),
                };
                info.gzip = opened.gz;
                info.bom = opened.bom;
                info.expected_fields = names.len();
                info.duplicate_headers = dups;
                absent_required = req.required.iter().any(|r| !names.contains(r));
                absent_label = req.label.as_ref().is_some_and(|l| !names.contains(l));
                keep = Arc::new((0..names.len()).filter(|&i| names.get(i).is_some_and(|n| req.wants(n))).collect());
                let kept: Vec<String> = keep.iter().filter_map(|&i| names.get(i).cloned()).collect();
                let base = SourceAcc::new(&kept, &vec![None; kept.len()], req);
                header_names = names;
                acc = Some(base);
            } else if names != header_names {
                return Err(fail(
                    SourceError::Unreadable {
                        path: shown,
                        message: format!(
                            "its header ({}) differs from the first part's ({})",
                            names.join(", "),
                            header_names.join(", ")
                        ),
                    },
                    access.clone(),
                ));
            }
            let Some(acc) = acc.as_mut() else { break };
            let template = acc.batch(req, 0).acc;
            let width = header_names.len();
            let mut splitter = opened.splitter;
            let gz = opened.gz;
            let mut io_error: Option<String> = None;
            let mut ragged = (0u64, Vec::new());
            let mut runs = RaggedRuns::default();
            let header_raw = Arc::new(opened.header_raw.clone());
            let repeats: Arc<Mutex<(u64, Vec<u64>)>> = Arc::default();
            let bad_utf8_rows = Arc::new(AtomicU64::new(0));
            let mut rows_in_part = 0u64;
            // Buffers come back from the workers to be filled again.
            let spare: Arc<Mutex<Vec<Buffers>>> = Arc::default();
            let mut target = READ_CHUNK;
            let next = |merged: &SourceAcc| -> Result<Option<Batch>, SourceError> {
                let mut bufs = spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
                let base = rows_in_part;
                let on_ragged = |line, got, record: usize| {
                    runs.push(base + record as u64, line, got);
                    ragged.0 += 1;
                    if ragged.1.len() < crate::stats::MAX_EXAMPLES {
                        ragged.1.push((line, got));
                    }
                };
                let rows = match splitter.fill(&mut bufs, width, BATCH_ROWS, target, on_ragged) {
                    Ok(rows) => rows,
                    Err(e) => {
                        io_error = Some(read_message(&e, gz));
                        return Ok(None);
                    }
                };
                if rows == 0 {
                    return Ok(None);
                }
                // Read about as many bytes as the row limit takes: what is read beyond it is
                // copied into the next batch's buffer, and a first read of 16 MiB of short
                // records would be carried from batch to batch for dozens of batches.
                if rows == BATCH_ROWS {
                    target = (bufs.end + bufs.end / 16).clamp(MIN_READ, BATCH_BYTES);
                } else {
                    target = (target * 2).min(BATCH_BYTES);
                }
                let sketch_only = merged.sketch_only();
                let batch =
                    Batch { bufs, sketch_only, width, part: part as u32, first_row: rows_before + rows_in_part };
                rows_in_part += rows as u64;
                Ok(Some(batch))
            };
            let req2 = Arc::clone(&req_arc);
            let keep2 = Arc::clone(&keep);
            let bad2 = Arc::clone(&bad_utf8_rows);
            let spare2 = Arc::clone(&spare);
            let repeats2 = Arc::clone(&repeats);
            let work: super::pipeline::Work<Batch> = Arc::new(move |b: Batch| {
                let (acc, bad) = accumulate(&template, &req2, &b, &keep2, absent_required, absent_label);
                bad2.fetch_add(bad, Ordering::Relaxed);
                if let Some(header) = header_raw.as_ref() {
                    let (n, lines) = repeats_header(&b, header);
                    if n > 0
                        && let Ok(mut r) = repeats2.lock()
                    {
                        r.0 += n;
                        r.1.extend(lines);
                    }
                }
                if let Ok(mut s) = spare2.lock() {
                    s.push(b.bufs);
                }
                Ok(acc)
            });
            super::pipeline::run(ctx.pool, acc, next, work, |e| SourceError::Unreadable {
                path: shown.clone(),
                message: e.to_string(),
            })
            .map_err(|e| fail(e, access.clone()))?;
            if let Some(m) = io_error {
                return Err(fail(SourceError::Unreadable { path: shown, message: m }, access.clone()));
            }
            info.ragged_rows += ragged.0;
            info.invalid_utf8_rows += bad_utf8_rows.load(Ordering::Relaxed);
            if let Ok(r) = repeats.lock() {
                // Batches finish in any order: the first lines are the smallest.
                let mut lines = r.1.clone();
                lines.sort_unstable();
                lines.truncate(crate::stats::MAX_EXAMPLES);
                notes.extend(structure::repeated_header(r.0, &lines));
            }
            notes.extend(runs.notes(rows_in_part, width));
            notes.extend(structure::changed(before, version(file)));
            for mut n in notes {
                n.file.clone_from(&part_file);
                if multi {
                    n.message = format!("{}: {}", shown, n.message);
                }
                info.structure.push(n);
            }
            for r in ragged.1 {
                if info.ragged_examples.len() < crate::stats::MAX_EXAMPLES {
                    info.ragged_examples.push(r);
                    info.ragged_files.push(part_file.clone());
                }
            }
            if info.unterminated_quote_line.is_none() {
                info.unterminated_quote_line = splitter.unterminated_quote_line();
                info.unterminated_quote_file = info.unterminated_quote_line.and(part_file);
            }
            rows_before += rows_in_part;
        }
        let Some(acc) = acc else {
            return Err(fail(SourceError::NoFiles { pattern: self.written.clone() }, access));
        };
        let read = self.remote.as_ref().map(|r| super::object::read_info(r, acc.rows, total));
        Ok(SourceStats {
            kind: "csv",
            parts: parts.iter().map(|p| p.0.shown()).collect(),
            acc,
            csv: Some(info),
            signals: FileSignals { modified: parts.iter().filter_map(|p| p.2).max(), ..FileSignals::default() },
            access,
            bytes: total,
            evidence_keys: None,
            evidence_without_key: false,
            read,
            sql: None,
        })
    }
}

/// A file's size and modification time: two reads of it agree when it did not change between.
/// A local part's size and modification time, to tell whether it changed while read. An object
/// in a store is read from one response, so it cannot change under the reader.
fn version(part: &Part) -> Option<(u64, Option<std::time::SystemTime>)> {
    match part {
        Part::File(file) => std::fs::metadata(file).ok().map(|m| (m.len(), m.modified().ok())),
        Part::Object(..) => None,
    }
}

/// Rows of the batch equal to the header, cell for cell, and the first of their lines. Most
/// rows differ from it in their first field's length: one comparison per row.
fn repeats_header(b: &Batch, header: &[Vec<u8>]) -> (u64, Vec<u64>) {
    let (mut n, mut lines) = (0u64, Vec::new());
    let Some(first) = header.first() else { return (0, lines) };
    let buf = b.bufs.buf.get(..b.bufs.end).unwrap_or_default();
    for (r, row) in b.bufs.fields.chunks_exact(b.width.max(1)).enumerate() {
        if row.first().is_none_or(|f| f.len as usize != first.len()) {
            continue;
        }
        if row.len() == header.len()
            && row.iter().zip(header).all(|(f, h)| f.present && split::text_of(f, buf, &b.bufs.extra) == h.as_slice())
        {
            n += 1;
            if lines.len() < crate::stats::MAX_EXAMPLES {
                lines.extend(b.bufs.lines.get(r).copied());
            }
        }
    }
    (n, lines)
}

/// Measures one batch on a worker thread; also returns the number of its rows with a field
/// that is not valid UTF-8.
fn accumulate(
    template: &SourceAcc,
    req: &StatsRequest,
    b: &Batch,
    keep: &[usize],
    absent_required: bool,
    absent_label: bool,
) -> (SourceAcc, u64) {
    let rows = b.rows();
    let bufs = &b.bufs;
    let buf = bufs.buf.get(..bufs.end).unwrap_or_default();
    let mut acc = template.batch(req, rows);
    acc.sketch_only(&b.sketch_only);
    let extra = std::str::from_utf8(&bufs.extra).ok();
    let mut valid = extra.is_some();
    // Column by column within blocks of rows: a column's state stays hot while the block's
    // bytes still sit in the cache. Column by column over the whole batch read the batch from
    // memory once per column; a column's cells still arrive in row order either way.
    for block in (0..rows).step_by(BLOCK_ROWS) {
        let last = (block + BLOCK_ROWS).min(rows);
        // The block's bytes: checking them once is far cheaper than once per cell, and it
        // brings them into the cache just before the cells are read. A field of a valid range
        // is valid text when both its ends fall on character boundaries: a field's bytes are
        // cut at ASCII bytes, but a character could straddle two fields once the quotes
        // between them are dropped.
        let from = bufs.starts.get(block).map_or(0, |&s| s as usize);
        let to = bufs.starts.get(last).map_or(buf.len(), |&s| s as usize);
        let text = std::str::from_utf8(buf.get(from..to).unwrap_or_default()).ok();
        valid &= text.is_some();
        let str_of = |f: &Field| -> Option<&str> {
            let (start, len) = (f.start as usize, f.len as usize);
            if f.extra {
                extra?.get(start..start + len)
            } else {
                let at = start.checked_sub(from)?;
                text?.get(at..at + len)
            }
        };
        for (col, &c) in keep.iter().enumerate() {
            for r in block..last {
                let Some(f) = bufs.fields.get(r * b.width + c) else { continue };
                let pos = Pos { part: b.part, line: bufs.lines.get(r).copied(), row: b.first_row + r as u64 };
                let cell = if !f.present || (f.len == 0 && !f.quoted) {
                    Cell::Null
                } else if let Some(t) = str_of(f) {
                    Cell::Str(t)
                } else {
                    Cell::Text(split::text_of(f, buf, &bufs.extra))
                };
                acc.push(col, r, pos, cell);
            }
        }
    }
    let mut bad = 0u64;
    if !valid {
        // Every field of the record counts, measured or not.
        for row in bufs.fields.chunks(b.width.max(1)) {
            if row.iter().any(|f| std::str::from_utf8(split::text_of(f, buf, &bufs.extra)).is_err()) {
                bad += 1;
            }
        }
    }
    (acc.finish(rows as u64, absent_required, absent_label), bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter(b"a,b\n\"1;2;3\",2\n"), b',');
        assert_eq!(sniff_delimiter(b"only\n1\n"), b',');
    }

    /// Reads everything through a reader that hands out at most 3 bytes at a time.
    fn decode16(bytes: &[u8], big_endian: bool) -> String {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(3);
                let (head, tail) = self.0.split_at(n);
                buf[..n].copy_from_slice(head);
                self.0 = tail;
                Ok(n)
            }
        }
        let mut out = String::new();
        Utf16Reader::new(Trickle(bytes), big_endian).read_to_string(&mut out).expect("valid UTF-8 out");
        out
    }

    #[test]
    fn decodes_utf16_in_pieces() {
        let text = "id\tname\r\n1\tZoë 😀\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode16(&le, false), text);
        assert_eq!(decode16(&be, true), text);
        // A lone high surrogate, then a dangling odd byte.
        assert_eq!(decode16(&[0x00, 0xD8, b'a', 0, 0x41], false), "\u{FFFD}a\u{FFFD}");
    }

    #[test]
    fn dedupes_header_names() {
        let (n, d) = dedupe_header(&["a".into(), "a".into(), "".into()]);
        assert_eq!(n, vec!["a", "a_2", "column_3"]);
        assert_eq!(d, vec!["a"]);
    }
}
