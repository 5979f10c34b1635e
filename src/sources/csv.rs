//! CSV files: delimiter detection, BOM, CRLF, quoted fields with embedded newlines, `.gz`.
//!
//! A hand-written splitter rather than the `csv` crate: the measures need to know whether an
//! empty field was quoted (`""` is a blank string, an empty field is a null, DESIGN §3), and
//! the line each record starts on, which the crate does not expose together.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use super::{CollectCtx, CsvInfo, FileSignals, Progress, Source, SourceError, SourceFailure, SourceStats, files};
use crate::profile::FileFormat;
use crate::stats::{Cell, Pos, SourceAcc, StatsRequest};

const BATCH_ROWS: usize = 32_768;
/// Rows accumulated column by column at a time: a few hundred KB of a batch, within the cache.
const BLOCK_ROWS: usize = 1024;
const BATCH_BYTES: usize = 16 << 20;
const READ_CHUNK: usize = 1 << 20;
const SNIFF_BYTES: usize = 64 << 10;
/// A record longer than this stops the read: it is an unbalanced quote swallowing the rest of
/// the file, or not a CSV file at all, and holding it would break the bounded-memory promise.
const MAX_RECORD_BYTES: usize = 64 << 20;

pub struct CsvSource {
    written: String,
    path: PathBuf,
    delimiter: Option<u8>,
}

impl CsvSource {
    pub fn new(written: String, path: PathBuf, delimiter: Option<u8>) -> CsvSource {
        CsvSource { written, path, delimiter }
    }

    fn files(&self) -> Result<Vec<PathBuf>, SourceError> {
        files::expand(&self.path, &self.written, FileFormat::Csv)
    }
}

/// One field's place in a batch buffer.
#[derive(Clone, Copy, Debug, Default)]
struct Field {
    start: u32,
    len: u32,
    quoted: bool,
    /// False for fields a short (ragged) row did not have.
    present: bool,
}

/// A batch of parsed records, fixed width: `fields[r * width + c]`.
pub struct Batch {
    buf: Vec<u8>,
    fields: Vec<Field>,
    lines: Vec<u64>,
    width: usize,
    part: u32,
    first_row: u64,
}

impl Batch {
    fn rows(&self) -> usize {
        self.lines.len()
    }
}

/// Incremental splitter: bytes in, records out, state kept across reads.
struct Splitter<R: Read> {
    input: R,
    chunk: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    delim: u8,
    line: u64,
    /// A CR just ended a record; a following LF belongs to it.
    after_cr: bool,
    /// Scratch record: bytes and field bounds.
    rec_buf: Vec<u8>,
    /// Where the record last read starts in `rec_buf`.
    rec_start: usize,
    rec_fields: Vec<Field>,
    rec_line: u64,
    bytes_read: u64,
    unterminated_quote_line: Option<u64>,
    max_record: usize,
}

/// Why a read stopped at a record that outgrew `MAX_RECORD_BYTES`.
#[derive(Debug)]
struct RecordTooLong {
    line: u64,
    /// Where the quoted field that is still open began, if that is why.
    quote_line: Option<u64>,
    limit: usize,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = self.limit >> 20;
        match self.quote_line {
            Some(q) => write!(
                f,
                "a quoted field opened at line {q} is still open after {mib} MiB: a quote is probably unbalanced"
            ),
            None => write!(f, "the record at line {} is longer than {mib} MiB: is this a CSV file?", self.line),
        }
    }
}

impl std::error::Error for RecordTooLong {}

enum State {
    Start,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl<R: Read> Splitter<R> {
    fn new(input: R, delim: u8) -> Self {
        Splitter {
            input,
            chunk: vec![0; READ_CHUNK],
            pos: 0,
            len: 0,
            eof: false,
            delim,
            line: 1,
            after_cr: false,
            rec_buf: Vec::new(),
            rec_start: 0,
            rec_fields: Vec::new(),
            rec_line: 1,
            bytes_read: 0,
            unterminated_quote_line: None,
            max_record: MAX_RECORD_BYTES,
        }
    }

    fn fill(&mut self) -> std::io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.input.read(&mut self.chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the next record into `rec_buf`/`rec_fields`; false at the end of input.
    /// Records that are a lone empty line are skipped, as every CSV reader does.
    fn next_record(&mut self) -> std::io::Result<bool> {
        self.rec_buf.clear();
        self.append_record()
    }

    /// As `next_record`, but the record's bytes are appended to `rec_buf` after what it holds
    /// (a batch's earlier records), and its fields' starts count from the start of `rec_buf`:
    /// the reader thread then copies no record twice.
    fn append_record(&mut self) -> std::io::Result<bool> {
        self.rec_fields.clear();
        let base = self.rec_buf.len();
        self.rec_start = base;
        let mut state = State::Start;
        let mut field_start = base;
        let mut quoted = false;
        let mut any = false;
        self.rec_line = self.line;
        let mut quote_line = self.line;
        loop {
            if !self.fill()? {
                // End of input: close whatever was open.
                if !any {
                    return Ok(false);
                }
                if matches!(state, State::Quoted) {
                    self.unterminated_quote_line = Some(quote_line);
                }
                self.push_field(field_start, quoted);
                return Ok(true);
            }
            let Some(&b) = self.chunk.get(self.pos) else { return Ok(false) };
            self.pos += 1;
            self.bytes_read += 1;
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            any = true;
            match state {
                State::Start | State::Unquoted => {
                    if b == self.delim {
                        self.push_field(field_start, quoted);
                        field_start = self.rec_buf.len();
                        quoted = false;
                        state = State::Start;
                    } else if b == b'\n' || b == b'\r' {
                        self.line += 1;
                        self.after_cr = b == b'\r';
                        if self.rec_fields.is_empty() && self.rec_buf.len() == field_start && !quoted {
                            // An empty line.
                            self.rec_line = self.line;
                            any = false;
                            continue;
                        }
                        self.push_field(field_start, quoted);
                        return Ok(true);
                    } else if b == b'"' && matches!(state, State::Start) {
                        quoted = true;
                        quote_line = self.line;
                        state = State::Quoted;
                    } else {
                        self.rec_buf.push(b);
                        state = State::Unquoted;
                        // Copy the rest of a plain run at once.
                        self.copy_plain_run();
                    }
                }
                State::Quoted => {
                    if b == b'"' {
                        state = State::QuoteInQuoted;
                    } else {
                        if b == b'\n' {
                            self.line += 1;
                        }
                        self.rec_buf.push(b);
                        self.copy_quoted_run();
                    }
                }
                State::QuoteInQuoted => {
                    if b == b'"' {
                        self.rec_buf.push(b'"');
                        state = State::Quoted;
                    } else if b == self.delim {
                        self.push_field(field_start, quoted);
                        field_start = self.rec_buf.len();
                        quoted = false;
                        state = State::Start;
                    } else if b == b'\n' || b == b'\r' {
                        self.line += 1;
                        self.after_cr = b == b'\r';
                        self.push_field(field_start, quoted);
                        return Ok(true);
                    } else {
                        // `"abc"def`: lenient, keep the stray text as part of the field.
                        self.rec_buf.push(b);
                        state = State::Unquoted;
                    }
                }
            }
            if self.rec_buf.len() - base > self.max_record {
                let quote_line = matches!(state, State::Quoted).then_some(quote_line);
                let e = RecordTooLong { line: self.rec_line, quote_line, limit: self.max_record };
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
            }
        }
    }

    #[inline]
    fn copy_plain_run(&mut self) {
        let rest = self.chunk.get(self.pos..self.len).unwrap_or_default();
        let n = memchr::memchr3(self.delim, b'\n', b'\r', rest).unwrap_or(rest.len());
        self.rec_buf.extend_from_slice(rest.get(..n).unwrap_or_default());
        self.pos += n;
        self.bytes_read += n as u64;
    }

    /// Copies the rest of a quoted run at once: everything up to the next quote, counting the
    /// line ends inside it.
    #[inline]
    fn copy_quoted_run(&mut self) {
        let rest = self.chunk.get(self.pos..self.len).unwrap_or_default();
        // One search for both: a quoted run seldom holds a line end.
        let mut n = 0;
        loop {
            match memchr::memchr2(b'"', b'\n', rest.get(n..).unwrap_or_default()) {
                Some(i) if rest.get(n + i) == Some(&b'\n') => {
                    self.line += 1;
                    n += i + 1;
                }
                Some(i) => {
                    n += i;
                    break;
                }
                None => {
                    n = rest.len();
                    break;
                }
            }
        }
        self.rec_buf.extend_from_slice(rest.get(..n).unwrap_or_default());
        self.pos += n;
        self.bytes_read += n as u64;
    }

    fn push_field(&mut self, start: usize, quoted: bool) {
        self.rec_fields.push(Field {
            start: start as u32,
            len: (self.rec_buf.len() - start) as u32,
            quoted,
            present: true,
        });
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
    path: &PathBuf,
    written: &str,
    progress: &Arc<Progress>,
) -> Result<(Box<dyn Read + Send>, bool, u64), SourceError> {
    let file = File::open(path).map_err(|e| files::io_error(written, path, &e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut peek = BufReader::with_capacity(READ_CHUNK, Counting { inner: file, progress: Arc::clone(progress) });
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
    bom: bool,
    gz: bool,
    delim: u8,
}

fn open_csv(
    path: &PathBuf,
    written: &str,
    delimiter: Option<u8>,
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
    let delim = delimiter.unwrap_or_else(|| sniff_delimiter(&body));
    let chained: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(body).chain(reader));
    let mut splitter = Splitter::new(chained, delim);
    let has = splitter
        .next_record()
        .map_err(|e| SourceError::Unreadable { path: written.to_string(), message: read_message(&e, gz) })?;
    if !has {
        return Err(SourceError::Unreadable {
            path: written.to_string(),
            message: "the file is empty: no header row".into(),
        });
    }
    let header = splitter
        .rec_fields
        .iter()
        .map(|f| {
            let bytes = splitter.rec_buf.get(f.start as usize..(f.start + f.len) as usize).unwrap_or_default();
            String::from_utf8_lossy(bytes).trim().to_string()
        })
        .collect();
    Ok(Opened { splitter, header, bom, gz, delim })
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
        let files = self.files()?;
        let first = files.first().ok_or_else(|| SourceError::NoFiles { pattern: self.written.clone() })?;
        let o = open_csv(first, &self.written, self.delimiter, &Arc::new(Progress::default()))?;
        Ok(dedupe_header(&o.header).0)
    }

    fn collect(&self, req: &StatsRequest, ctx: &CollectCtx<'_>) -> Result<SourceStats, SourceFailure> {
        let fail = |error, access| SourceFailure { kind: "csv", error, access };
        let files = self.files().map_err(|e| fail(e, None))?;
        let access = files::access(&files);
        let total: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
        ctx.progress.total.store(total, std::sync::atomic::Ordering::Relaxed);
        ctx.progress.bytes.store(true, std::sync::atomic::Ordering::Relaxed);

        let multi = files.len() > 1;
        let mut info = CsvInfo::default();
        let mut acc: Option<SourceAcc> = None;
        let mut header_names: Vec<String> = Vec::new();
        // The header's columns that are measured (all, unless the source lists `columns`).
        let mut keep: Arc<Vec<usize>> = Arc::new(Vec::new());
        let mut rows_before = 0u64;
        let mut absent_required = false;
        let mut absent_label = false;
        let req_arc = Arc::new(req.clone());
        for (part, file) in files.iter().enumerate() {
            let shown = if multi { file.display().to_string() } else { self.written.clone() };
            let opened = open_csv(file, &shown, self.delimiter, &ctx.progress).map_err(|e| fail(e, access.clone()))?;
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
            let mut bad_utf8_rows = 0u64;
            let mut rows_in_part = 0u64;
            let next = || -> Result<Option<Batch>, SourceError> {
                let mut batch = Batch {
                    buf: Vec::new(),
                    fields: Vec::new(),
                    lines: Vec::new(),
                    width,
                    part: part as u32,
                    first_row: rows_before + rows_in_part,
                };
                // The splitter appends each record to the batch's buffer itself.
                splitter.rec_buf.clear();
                splitter.rec_buf.reserve(BATCH_BYTES);
                while batch.rows() < BATCH_ROWS && splitter.rec_buf.len() < BATCH_BYTES {
                    match splitter.append_record() {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            io_error = Some(read_message(&e, gz));
                            break;
                        }
                    }
                    let got = splitter.rec_fields.len();
                    if got != width {
                        ragged.0 += 1;
                        if ragged.1.len() < crate::stats::MAX_EXAMPLES {
                            ragged.1.push((splitter.rec_line, got));
                        }
                    }
                    // Fields are checked one by one: two invalid halves in adjacent fields
                    // can make a valid sequence once the record's bytes are concatenated.
                    if !splitter.rec_buf.get(splitter.rec_start..).unwrap_or_default().is_ascii()
                        && splitter.rec_fields.iter().take(width).any(|f| {
                            let bytes = splitter.rec_buf.get(f.start as usize..(f.start + f.len) as usize);
                            std::str::from_utf8(bytes.unwrap_or_default()).is_err()
                        })
                    {
                        bad_utf8_rows += 1;
                    }
                    for c in 0..width {
                        batch.fields.push(splitter.rec_fields.get(c).copied().unwrap_or_default());
                    }
                    batch.lines.push(splitter.rec_line);
                }
                batch.buf = std::mem::take(&mut splitter.rec_buf);
                rows_in_part += batch.rows() as u64;
                Ok((batch.rows() > 0).then_some(batch))
            };
            let req2 = Arc::clone(&req_arc);
            let keep2 = Arc::clone(&keep);
            let work: Arc<dyn Fn(Batch) -> Result<SourceAcc, String> + Send + Sync> =
                Arc::new(move |b: Batch| Ok(accumulate(&template, &req2, &b, &keep2, absent_required, absent_label)));
            super::pipeline::run(ctx.pool, acc, next, work, |m| SourceError::Unreadable {
                path: shown.clone(),
                message: m,
            })
            .map_err(|e| fail(e, access.clone()))?;
            if let Some(m) = io_error {
                return Err(fail(SourceError::Unreadable { path: shown, message: m }, access.clone()));
            }
            info.ragged_rows += ragged.0;
            info.invalid_utf8_rows += bad_utf8_rows;
            for r in ragged.1 {
                if info.ragged_examples.len() < crate::stats::MAX_EXAMPLES {
                    info.ragged_examples.push(r);
                }
            }
            if info.unterminated_quote_line.is_none() {
                info.unterminated_quote_line = splitter.unterminated_quote_line;
            }
            rows_before += rows_in_part;
        }
        let Some(acc) = acc else {
            return Err(fail(SourceError::NoFiles { pattern: self.written.clone() }, access));
        };
        Ok(SourceStats {
            kind: "csv",
            parts: files.iter().map(|f| f.display().to_string()).collect(),
            acc,
            csv: Some(info),
            signals: FileSignals { modified: files::modified(&files), ..FileSignals::default() },
            access,
            bytes: total,
            evidence_keys: None,
            sql: None,
        })
    }
}

/// Measures one batch on a worker thread.
fn accumulate(
    template: &SourceAcc,
    req: &StatsRequest,
    b: &Batch,
    keep: &[usize],
    absent_required: bool,
    absent_label: bool,
) -> SourceAcc {
    let rows = b.rows();
    let mut acc = template.batch(req, rows);
    // Checking the batch's bytes once is far cheaper than once per cell. A field of a valid
    // buffer is valid text when both its ends fall on character boundaries: fields are cut at
    // ASCII bytes, but two fields' bytes sit side by side, so a character could straddle them.
    let text = std::str::from_utf8(&b.buf).ok();
    // Column by column within blocks of rows: a column's state stays hot while the block's
    // bytes still sit in the cache. Column by column over the whole batch read the batch from
    // memory once per column; a column's cells still arrive in row order either way.
    for block in (0..rows).step_by(BLOCK_ROWS) {
        for (col, &c) in keep.iter().enumerate() {
            for r in block..(block + BLOCK_ROWS).min(rows) {
                let Some(f) = b.fields.get(r * b.width + c) else { continue };
                let pos = Pos { part: b.part, line: b.lines.get(r).copied(), row: b.first_row + r as u64 };
                let range = f.start as usize..(f.start + f.len) as usize;
                let cell = if !f.present || (f.len == 0 && !f.quoted) {
                    Cell::Null
                } else if let Some(t) = text.and_then(|t| t.get(range.clone())) {
                    Cell::Str(t)
                } else {
                    Cell::Text(b.buf.get(range).unwrap_or_default())
                };
                acc.push(col, r, pos, cell);
            }
        }
    }
    acc.finish(rows as u64, absent_required, absent_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as `(line, [(value, quoted)])`, and the line of a quote left open.
    type Split = (Vec<(u64, Vec<(String, bool)>)>, Option<u64>);

    fn split(input: &str) -> Split {
        let mut s = Splitter::new(input.as_bytes(), b',');
        let mut out = Vec::new();
        while s.next_record().unwrap_or(false) {
            let fields = s
                .rec_fields
                .iter()
                .map(|f| {
                    let b = &s.rec_buf[f.start as usize..(f.start + f.len) as usize];
                    (String::from_utf8_lossy(b).into_owned(), f.quoted)
                })
                .collect();
            out.push((s.rec_line, fields));
        }
        (out, s.unterminated_quote_line)
    }

    fn f(s: &str, q: bool) -> (String, bool) {
        (s.to_string(), q)
    }

    #[test]
    fn quoted_fields_keep_delimiters_newlines_and_quotes() {
        let (recs, _) = split("a,b\n\"x,1\",\"line1\nline2\"\n\"say \"\"hi\"\"\",\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1], (2, vec![f("x,1", true), f("line1\nline2", true)]));
        assert_eq!(recs[2], (4, vec![f("say \"hi\"", true), f("", false)]));
    }

    #[test]
    fn crlf_and_empty_lines() {
        let (recs, _) = split("a,b\r\n1,2\r\n\r\n3,\"\"\r\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1], (2, vec![f("1", false), f("2", false)]));
        assert_eq!(recs[2], (4, vec![f("3", false), f("", true)]));
    }

    #[test]
    fn no_trailing_newline_and_unterminated_quote() {
        let (recs, open) = split("a\n1\n\"open");
        assert_eq!(recs.len(), 3);
        assert_eq!(open, Some(3));
        let (recs, open) = split("a\n1");
        assert_eq!(recs.len(), 2);
        assert_eq!(open, None);
    }

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter(b"a,b\n\"1;2;3\",2\n"), b',');
        assert_eq!(sniff_delimiter(b"only\n1\n"), b',');
    }

    #[test]
    fn an_overlong_record_stops_the_read() {
        let mut s = Splitter::new("a,b\n1,\"open\n".as_bytes().chain(&[b'x'; 100][..]), b',');
        s.max_record = 50;
        assert!(s.next_record().unwrap_or(false));
        let e = s.next_record().err().map(|e| read_message(&e, true)).unwrap_or_default();
        assert_eq!(e, "a quoted field opened at line 2 is still open after 0 MiB: a quote is probably unbalanced");
        let mut s = Splitter::new(&[b'x'; 100][..], b',');
        s.max_record = 50;
        let e = s.next_record().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("the record at line 1 is longer than"), "{e}");
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
