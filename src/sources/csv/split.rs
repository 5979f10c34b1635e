//! Splits CSV bytes into records: fields with whether they were quoted, and each record's line.
//!
//! The splitter jumps from one byte that can change its state (a quote, the delimiter, LF, CR)
//! to the next, found 64 bytes at a time with a bit mask, instead of looking at every byte: on
//! a typical export that is one stop in twelve bytes. A field's text stays where it was read,
//! in the batch's buffer; only a field that must be reassembled (`""` escapes, text after a
//! closing quote) is copied, to the batch's `extra` buffer.
//!
//! The rules are those of a byte-at-a-time state machine, lenient as spreadsheets are: a quote
//! opens a quoted field only as the field's first byte, `"abc"def` is the field `abcdef`, a
//! quote left open swallows the rest of the input, a lone empty line is no record, and CR, LF
//! and CRLF all end a record. The tests hold that machine and compare the two on random input.

use std::io::Read;

/// A record longer than this stops the read: it is an unbalanced quote swallowing the rest of
/// the file, or not a CSV file at all, and holding it would break the bounded-memory promise.
pub(super) const MAX_RECORD_BYTES: usize = 64 << 20;
/// The most the header read and the tests' record-at-a-time read take from the input at once.
const READ_CHUNK: usize = 1 << 20;

/// One field's text: `buf[start..start + len]` of its batch, or of `extra` when `extra` is set.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Field {
    pub start: u32,
    pub len: u32,
    pub quoted: bool,
    /// False for fields a short (ragged) row did not have.
    pub present: bool,
    pub extra: bool,
}

/// The buffers of one batch of records, handed back and reused once the batch is measured: a
/// fresh 16 MiB buffer per batch costs a page fault every 4 KiB.
#[derive(Default)]
pub(super) struct Buffers {
    /// Input bytes; records fill `buf[..end]` (the rest is scratch).
    pub buf: Vec<u8>,
    pub end: usize,
    /// Fields reassembled from pieces.
    pub extra: Vec<u8>,
    /// `width` fields per record.
    pub fields: Vec<Field>,
    /// The line each record starts on.
    pub lines: Vec<u64>,
    /// Where each record starts in `buf`.
    pub starts: Vec<u32>,
}

/// Why a read stopped at a record that outgrew its limit.
#[derive(Debug)]
pub(super) struct RecordTooLong {
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

/// What carries over from one piece of input to the next.
struct State {
    delim: u8,
    /// The line the next unread byte is on.
    line: u64,
    /// A CR just ended a record; a following LF belongs to it.
    after_cr: bool,
    unterminated_quote_line: Option<u64>,
    max_record: usize,
    /// Scratch: the fields of the record being split.
    fields: Vec<Field>,
}

/// Incremental splitter: bytes in, records out.
pub(super) struct Splitter<R: Read> {
    input: R,
    eof: bool,
    /// Input read but not yet split: the start of a record that needs more input.
    pending: Vec<u8>,
    st: State,
    /// The record `next_record` read, its fields' text back to back in `rec_buf`.
    pub rec_buf: Vec<u8>,
    pub rec_fields: Vec<Field>,
    pub rec_line: u64,
}

impl<R: Read> Splitter<R> {
    pub fn new(input: R, delim: u8) -> Self {
        Splitter {
            input,
            eof: false,
            pending: Vec::new(),
            st: State {
                delim,
                line: 1,
                after_cr: false,
                unterminated_quote_line: None,
                max_record: MAX_RECORD_BYTES,
                fields: Vec::new(),
            },
            rec_buf: Vec::new(),
            rec_fields: Vec::new(),
            rec_line: 1,
        }
    }

    /// The line of a quoted field still open at the end of the input.
    pub fn unterminated_quote_line(&self) -> Option<u64> {
        self.st.unterminated_quote_line
    }

    #[cfg(test)]
    pub fn set_max_record(&mut self, limit: usize) {
        self.st.max_record = limit;
    }

    /// Reads into `buf[from..]` until it is full or the input ends; returns the new fill.
    fn read_into(&mut self, buf: &mut [u8], mut from: usize) -> std::io::Result<usize> {
        while from < buf.len() && !self.eof {
            match self.input.read(buf.get_mut(from..).unwrap_or_default()) {
                Ok(0) => self.eof = true,
                Ok(n) => from += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(from)
    }

    /// Reads the next record into `rec_buf`/`rec_fields`/`rec_line`; false at the end of input.
    /// One record at a time, for the header and the tests; batches use `fill`.
    pub fn next_record(&mut self) -> std::io::Result<bool> {
        let mut extra = Vec::new();
        loop {
            let mut got: Option<(Vec<Field>, u64)> = None;
            let (consumed, _) = split(&mut self.st, &self.pending, self.eof, 1, &mut extra, |fields, line, _| {
                got = Some((fields.to_vec(), line));
            })?;
            if let Some((fields, line)) = got {
                // The fields' text back to back, as one record's buffer.
                self.rec_buf.clear();
                self.rec_fields.clear();
                self.rec_line = line;
                for f in fields {
                    let start = self.rec_buf.len() as u32;
                    self.rec_buf.extend_from_slice(text_of(&f, &self.pending, &extra));
                    self.rec_fields.push(Field { start, extra: false, ..f });
                }
                self.pending.drain(..consumed);
                return Ok(true);
            }
            self.pending.drain(..consumed);
            if self.eof {
                return Ok(false);
            }
            let have = self.pending.len();
            let mut buf = std::mem::take(&mut self.pending);
            buf.resize(have + READ_CHUNK, 0);
            let filled = self.read_into(&mut buf, have);
            buf.truncate(*filled.as_ref().unwrap_or(&have));
            self.pending = buf;
            filled?;
        }
    }

    /// Reads up to `max_rows` records into `b`, each cut or padded to `width` fields (padding
    /// is marked not present), calling `ragged(line, fields, record)` for each record of another
    /// width; reads about `target` bytes. Returns the number of records, 0 at the end.
    pub fn fill(
        &mut self,
        b: &mut Buffers,
        width: usize,
        max_rows: usize,
        target: usize,
        mut ragged: impl FnMut(u64, usize, usize),
    ) -> std::io::Result<usize> {
        b.fields.clear();
        b.lines.clear();
        b.starts.clear();
        b.extra.clear();
        b.end = 0;
        // Read up to `limit` bytes, counting what the last batch left (it may be more than
        // `target` when the row limit cut that batch short): a buffer that comes back
        // larger, from an earlier long record, would otherwise be filled past the row limit and
        // the excess copied out again. Grow, never shrink: bytes a buffer holds need not be
        // zeroed again.
        let mut limit = target.max(self.pending.len());
        if b.buf.len() < limit {
            b.buf.resize(limit, 0);
        }
        let have = self.pending.len();
        if let Some(head) = b.buf.get_mut(..have) {
            head.copy_from_slice(&self.pending);
        }
        self.pending.clear();
        let mut filled = have;
        loop {
            filled = self.read_into(b.buf.get_mut(..limit).unwrap_or_default(), filled)?;
            let (fields, lines, starts) = (&mut b.fields, &mut b.lines, &mut b.starts);
            let input = b.buf.get(..filled).unwrap_or_default();
            let (consumed, rows) = split(&mut self.st, input, self.eof, max_rows, &mut b.extra, |rec, line, start| {
                if rec.len() == width {
                    fields.extend_from_slice(rec);
                } else {
                    ragged(line, rec.len(), lines.len());
                    fields.extend(rec.iter().copied().chain(std::iter::repeat(Field::default())).take(width));
                }
                lines.push(line);
                starts.push(start as u32);
            })?;
            if rows > 0 || self.eof {
                self.pending.extend_from_slice(b.buf.get(consumed..filled).unwrap_or_default());
                b.end = consumed;
                return Ok(rows);
            }
            // Not one whole record yet: drop the empty lines split off, make room for more.
            b.buf.copy_within(consumed..filled, 0);
            filled -= consumed;
            if filled == limit {
                limit *= 2;
                if b.buf.len() < limit {
                    b.buf.resize(limit, 0);
                }
            }
        }
    }
}

/// A field's text within `buf` or `extra`.
pub(super) fn text_of<'a>(f: &Field, buf: &'a [u8], extra: &'a [u8]) -> &'a [u8] {
    let range = f.start as usize..(f.start + f.len) as usize;
    if f.extra { extra.get(range) } else { buf.get(range) }.unwrap_or_default()
}

/// Bit i is set when byte i is a quote, the delimiter, LF or CR: the only bytes the state
/// machine acts on. Written for the compiler to vectorise: compare all 64 bytes, then gather
/// the top bits of each 8 with one multiplication.
#[inline(always)]
fn event_mask(block: &[u8; 64], delim: u8) -> u64 {
    let mut class = [0u8; 64];
    for (c, &b) in class.iter_mut().zip(block) {
        *c = u8::from((b == b'"') | (b == delim) | (b == b'\n') | (b == b'\r')) << 7;
    }
    let mut mask = 0u64;
    for (k, eight) in class.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        // Byte j's top bit (bit 8j + 7) times 2^(7(7 - j)) lands on bit 56 + j; no two overlap.
        mask |= (w.wrapping_mul(0x0002_0408_1020_4081) >> 56) << (8 * k);
    }
    mask
}

/// Finds the next byte that can change the splitter's state, one 64-byte mask at a time.
struct Events<'a> {
    buf: &'a [u8],
    delim: u8,
    base: usize,
    mask: u64,
}

impl<'a> Events<'a> {
    fn new(buf: &'a [u8], delim: u8) -> Self {
        Events { buf, delim, base: usize::MAX, mask: 0 }
    }

    /// The position of the first quote, delimiter, LF or CR at or after `from`.
    #[inline]
    fn next(&mut self, mut from: usize) -> Option<usize> {
        loop {
            if from >= self.buf.len() {
                return None;
            }
            let base = from & !63;
            if base != self.base {
                self.load(base);
            }
            let m = self.mask & (u64::MAX << (from - base));
            if m != 0 {
                return Some(base + m.trailing_zeros() as usize);
            }
            from = base + 64;
        }
    }

    fn load(&mut self, base: usize) {
        self.base = base;
        self.mask = match self.buf.get(base..base + 64).and_then(|b| <&[u8; 64]>::try_from(b).ok()) {
            Some(block) => event_mask(block, self.delim),
            None => {
                // The last, short block: bits past the end are cleared, whatever the padding.
                let rest = self.buf.get(base..).unwrap_or_default();
                let mut block = [0u8; 64];
                for (d, s) in block.iter_mut().zip(rest) {
                    *d = *s;
                }
                let valid = 1u64.checked_shl(rest.len() as u32).map_or(u64::MAX, |b| b - 1);
                event_mask(&block, self.delim) & valid
            }
        };
    }
}

/// A field's text so far: pieces already copied to `extra` from `assembled`, if any, then the
/// run of `buf` from `run` to wherever the field or its next piece ends.
#[derive(Clone, Copy)]
struct Text {
    run: usize,
    assembled: Option<usize>,
}

impl Text {
    fn at(run: usize) -> Text {
        Text { run, assembled: None }
    }

    /// Copies the run up to `to` into `extra` (the text moves there if it is not there yet);
    /// the next run starts at `next`.
    fn copy(&mut self, extra: &mut Vec<u8>, buf: &[u8], to: usize, next: usize) {
        self.assembled.get_or_insert(extra.len());
        extra.extend_from_slice(buf.get(self.run..to).unwrap_or_default());
        self.run = next;
    }

    /// Ends the field at `end`.
    fn end(self, fields: &mut Vec<Field>, extra: &mut Vec<u8>, buf: &[u8], end: usize, quoted: bool) {
        let (start, len, in_extra) = match self.assembled {
            None => (self.run, end.saturating_sub(self.run), false),
            Some(s) => {
                extra.extend_from_slice(buf.get(self.run..end).unwrap_or_default());
                (s, extra.len() - s, true)
            }
        };
        fields.push(Field { start: start as u32, len: len as u32, quoted, present: true, extra: in_extra });
    }
}

/// Splits records off the front of `buf`, at most `max_rows`, calling `record(fields, line,
/// start)` for each. A record is complete at its line end, or at the end of `buf` when `eof`
/// says the input ends there. Returns the bytes consumed and the records split; what is left
/// starts a record that needs more input (the state is as it was before that record).
fn split(
    st: &mut State,
    buf: &[u8],
    eof: bool,
    max_rows: usize,
    extra: &mut Vec<u8>,
    mut record: impl FnMut(&[Field], u64, usize),
) -> std::io::Result<(usize, usize)> {
    let delim = st.delim;
    let at = |i: usize| buf.get(i).copied();
    let mut events = Events::new(buf, delim);
    let mut done = 0usize;
    let mut rows = 0usize;
    while rows < max_rows {
        // The LF of a CRLF, and empty lines, belong to no record.
        let mut p = done;
        while let Some(b) = at(p) {
            if std::mem::take(&mut st.after_cr) && b == b'\n' {
                p += 1;
            } else if b == b'\n' || b == b'\r' {
                st.line += 1;
                st.after_cr = b == b'\r';
                p += 1;
            } else {
                break;
            }
        }
        done = p;
        if p >= buf.len() {
            break;
        }
        let rec_start = p;
        let rec_line = st.line;
        let extra_before = extra.len();
        st.fields.clear();
        // Set while the record's last field is a quoted one that is still open.
        let mut open_quote: Option<u64> = None;
        let complete = 'fields: loop {
            let field_start = p;
            let mut text;
            let quoted = at(p) == Some(b'"');
            if quoted {
                let quote_line = st.line;
                open_quote = Some(quote_line);
                p += 1;
                text = Text::at(p);
                // Inside the quotes: only a quote ends them; LFs count lines.
                loop {
                    let Some(e) = events.next(p) else {
                        if !eof {
                            break 'fields false;
                        }
                        st.unterminated_quote_line = Some(quote_line);
                        text.end(&mut st.fields, extra, buf, buf.len(), true);
                        p = buf.len();
                        break 'fields true;
                    };
                    match at(e) {
                        Some(b'"') => {}
                        Some(b'\n') => {
                            st.line += 1;
                            p = e + 1;
                            continue;
                        }
                        _ => {
                            p = e + 1;
                            continue;
                        }
                    }
                    // A quote: doubled, it is one quote of the text; otherwise it closes.
                    match at(e + 1) {
                        None if !eof => break 'fields false,
                        None => {
                            open_quote = None;
                            text.end(&mut st.fields, extra, buf, e, true);
                            p = e + 1;
                            break 'fields true;
                        }
                        Some(b'"') => {
                            text.copy(extra, buf, e + 1, e + 2);
                            p = e + 2;
                        }
                        Some(b) if b == delim || b == b'\n' || b == b'\r' => {
                            open_quote = None;
                            text.end(&mut st.fields, extra, buf, e, true);
                            p = e + 2;
                            if b == delim {
                                continue 'fields;
                            }
                            st.line += 1;
                            st.after_cr = b == b'\r';
                            break 'fields true;
                        }
                        Some(_) => {
                            // `"abc"def`: the text after the closing quote joins the field.
                            open_quote = None;
                            text.copy(extra, buf, e, e + 1);
                            p = e + 1;
                            break;
                        }
                    }
                }
            } else {
                text = Text::at(field_start);
            }
            // Unquoted text, where a quote is just a character: up to a delimiter or line end.
            let mut q = p;
            loop {
                let Some(e) = events.next(q) else {
                    if !eof {
                        break 'fields false;
                    }
                    text.end(&mut st.fields, extra, buf, buf.len(), quoted);
                    p = buf.len();
                    break 'fields true;
                };
                match at(e) {
                    Some(b'"') => q = e + 1,
                    Some(b) => {
                        text.end(&mut st.fields, extra, buf, e, quoted);
                        p = e + 1;
                        if b == delim {
                            continue 'fields;
                        }
                        st.line += 1;
                        st.after_cr = b == b'\r';
                        break 'fields true;
                    }
                    None => break 'fields false,
                }
            }
        };
        let span = if complete { p } else { buf.len() } - rec_start;
        if span > st.max_record {
            let e = RecordTooLong { line: rec_line, quote_line: open_quote, limit: st.max_record };
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
        }
        if !complete {
            // Undo the partial record: it is split again once more input has come.
            st.line = rec_line;
            st.after_cr = false;
            extra.truncate(extra_before);
            break;
        }
        record(&st.fields, rec_line, rec_start);
        rows += 1;
        done = p;
    }
    Ok((done, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record: its line and its fields as `(text, quoted)`; a field a short row lacked is
    /// `None` (batches only).
    type Record = (u64, Vec<Option<(Vec<u8>, bool)>>);

    /// Hands out at most `step` bytes per read, to cut records anywhere.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.len().min(buf.len()).min(self.step);
            let (head, tail) = self.data.split_at(n);
            buf[..n].copy_from_slice(head);
            self.data = tail;
            Ok(n)
        }
    }

    /// Record at a time, as the header is read.
    fn by_record(input: &[u8], step: usize) -> (Vec<Record>, Option<u64>) {
        let mut s = Splitter::new(Trickle { data: input, step }, b',');
        let mut out = Vec::new();
        while s.next_record().expect("no error") {
            let fields = s
                .rec_fields
                .iter()
                .map(|f| Some((s.rec_buf[f.start as usize..(f.start + f.len) as usize].to_vec(), f.quoted)))
                .collect();
            out.push((s.rec_line, fields));
        }
        (out, s.unterminated_quote_line())
    }

    /// In batches of `width` fields, as a scan reads; also the ragged rows' (line, fields).
    fn by_batch(
        input: &[u8],
        step: usize,
        width: usize,
        max_rows: usize,
        target: usize,
    ) -> (Vec<Record>, Vec<(u64, usize)>) {
        let mut s = Splitter::new(Trickle { data: input, step }, b',');
        let mut b = Buffers::default();
        let (mut out, mut ragged) = (Vec::new(), Vec::new());
        while s.fill(&mut b, width, max_rows, target, |l, n, _| ragged.push((l, n))).expect("no error") > 0 {
            let buf = &b.buf[..b.end];
            for (r, line) in b.lines.iter().enumerate() {
                let fields = b.fields[r * width..(r + 1) * width]
                    .iter()
                    .map(|f| f.present.then(|| (text_of(f, buf, &b.extra).to_vec(), f.quoted)))
                    .collect();
                out.push((*line, fields));
            }
        }
        (out, ragged)
    }

    /// The splitter's rules one byte at a time: what the fast path must agree with.
    fn reference(input: &[u8]) -> (Vec<Record>, Option<u64>) {
        #[derive(PartialEq)]
        enum S {
            Start,
            Unquoted,
            Quoted,
            QuoteInQuoted,
        }
        let (mut out, mut open) = (Vec::new(), None);
        let (mut line, mut after_cr, mut i) = (1u64, false, 0usize);
        loop {
            let (mut fields, mut text, mut quoted, mut any) = (Vec::new(), Vec::new(), false, false);
            let (mut state, mut rec_line, mut quote_line) = (S::Start, line, line);
            let end = |fields: &mut Vec<_>, text: &mut Vec<u8>, quoted: bool| {
                fields.push(Some((std::mem::take(text), quoted)))
            };
            loop {
                let Some(&b) = input.get(i) else {
                    if any {
                        if state == S::Quoted {
                            open = Some(quote_line);
                        }
                        end(&mut fields, &mut text, quoted);
                        out.push((rec_line, fields));
                    }
                    return (out, open);
                };
                i += 1;
                if std::mem::take(&mut after_cr) && b == b'\n' {
                    continue;
                }
                any = true;
                match state {
                    S::Start | S::Unquoted if b == b',' => {
                        end(&mut fields, &mut text, quoted);
                        (quoted, state) = (false, S::Start);
                    }
                    S::Start | S::Unquoted if b == b'\n' || b == b'\r' => {
                        line += 1;
                        after_cr = b == b'\r';
                        if fields.is_empty() && text.is_empty() && !quoted {
                            (rec_line, any) = (line, false);
                            continue;
                        }
                        end(&mut fields, &mut text, quoted);
                        break;
                    }
                    S::Start if b == b'"' => (quoted, quote_line, state) = (true, line, S::Quoted),
                    S::Start | S::Unquoted => {
                        text.push(b);
                        state = S::Unquoted;
                    }
                    S::Quoted if b == b'"' => state = S::QuoteInQuoted,
                    S::Quoted => {
                        line += u64::from(b == b'\n');
                        text.push(b);
                    }
                    S::QuoteInQuoted if b == b'"' => {
                        text.push(b'"');
                        state = S::Quoted;
                    }
                    S::QuoteInQuoted if b == b',' => {
                        end(&mut fields, &mut text, quoted);
                        (quoted, state) = (false, S::Start);
                    }
                    S::QuoteInQuoted if b == b'\n' || b == b'\r' => {
                        line += 1;
                        after_cr = b == b'\r';
                        end(&mut fields, &mut text, quoted);
                        break;
                    }
                    S::QuoteInQuoted => {
                        text.push(b);
                        state = S::Unquoted;
                    }
                }
            }
            out.push((rec_line, fields));
        }
    }

    /// Records as `(line, [(text, quoted)])`, and the line of a quote left open.
    type Split = (Vec<(u64, Vec<(String, bool)>)>, Option<u64>);

    fn text(input: &str) -> Split {
        let (recs, open) = by_record(input.as_bytes(), usize::MAX);
        let recs = recs
            .into_iter()
            .map(|(l, fs)| {
                (l, fs.into_iter().flatten().map(|(t, q)| (String::from_utf8_lossy(&t).into_owned(), q)).collect())
            })
            .collect();
        (recs, open)
    }

    fn f(s: &str, q: bool) -> (String, bool) {
        (s.to_string(), q)
    }

    #[test]
    fn quoted_fields_keep_delimiters_newlines_and_quotes() {
        let (recs, _) = text("a,b\n\"x,1\",\"line1\nline2\"\n\"say \"\"hi\"\"\",\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1], (2, vec![f("x,1", true), f("line1\nline2", true)]));
        assert_eq!(recs[2], (4, vec![f("say \"hi\"", true), f("", false)]));
    }

    #[test]
    fn crlf_and_empty_lines() {
        let (recs, _) = text("a,b\r\n1,2\r\n\r\n3,\"\"\r\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1], (2, vec![f("1", false), f("2", false)]));
        assert_eq!(recs[2], (4, vec![f("3", false), f("", true)]));
    }

    #[test]
    fn no_trailing_newline_and_unterminated_quote() {
        let (recs, open) = text("a\n1\n\"open");
        assert_eq!(recs.len(), 3);
        assert_eq!(open, Some(3));
        let (recs, open) = text("a\n1");
        assert_eq!(recs.len(), 2);
        assert_eq!(open, None);
    }

    #[test]
    fn text_after_a_closing_quote_joins_the_field_and_a_late_quote_is_a_character() {
        let (recs, _) = text("\"ab\"cd\"e,x\"y\n");
        assert_eq!(recs, vec![(1, vec![f("abcd\"e", true), f("x\"y", false)])]);
    }

    #[test]
    fn an_overlong_record_stops_the_read() {
        let mut s = Splitter::new("a,b\n1,\"open\n".as_bytes().chain(&[b'x'; 100][..]), b',');
        s.set_max_record(50);
        assert!(s.next_record().unwrap_or(false));
        let e = s.next_record().err().map(|e| super::super::read_message(&e, true)).unwrap_or_default();
        assert_eq!(e, "a quoted field opened at line 2 is still open after 0 MiB: a quote is probably unbalanced");
        let mut s = Splitter::new(&[b'x'; 100][..], b',');
        s.set_max_record(50);
        let e = s.next_record().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("the record at line 1 is longer than"), "{e}");
        // In batches too, however the input arrives.
        let mut s = Splitter::new(Trickle { data: b"a\n\"open\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", step: 3 }, b',');
        s.set_max_record(20);
        let mut b = Buffers::default();
        let e = loop {
            match s.fill(&mut b, 1, 10, 8, |_, _, _| {}) {
                Ok(0) => break String::new(),
                Ok(_) => {}
                Err(e) => break e.to_string(),
            }
        };
        assert!(e.starts_with("a quoted field opened at line 2"), "{e}");
    }

    #[test]
    fn a_row_limit_does_not_pile_up_unread_input() {
        // Regression: each batch read `target` bytes on top of what the last one left, so
        // with short records and a row limit the leftover, the buffers and the copying grew
        // batch after batch (the 10M-key benchmark went from 0.7 to 1.9 GB).
        let input = "k\n".repeat(100_000);
        let mut s = Splitter::new(input.as_bytes(), b',');
        let mut b = Buffers::default();
        let (mut rows, mut largest) = (0, 0);
        loop {
            let n = s.fill(&mut b, 1, 100, 1000, |_, _, _| {}).expect("no error");
            if n == 0 {
                break;
            }
            rows += n;
            largest = largest.max(b.buf.len()).max(s.pending.len());
        }
        assert_eq!(rows, 100_000);
        assert!(largest <= 1000, "{largest} bytes held for batches of 100 two-byte records");
    }

    #[test]
    fn the_event_mask_marks_quotes_delimiters_and_line_ends() {
        let mut block = [b'x'; 64];
        for (i, b) in [(0, b'"'), (7, b';'), (8, b'\n'), (33, b'\r'), (63, b';'), (40, b',')] {
            block[i] = b;
        }
        let want = (1u64 << 0) | (1 << 7) | (1 << 8) | (1 << 33) | (1 << 63);
        assert_eq!(event_mask(&block, b';'), want);
    }

    /// Random inputs over the characters that matter, cut into random pieces, split record at
    /// a time and in batches of random sizes: every way agrees with the byte-at-a-time rules.
    #[test]
    fn agrees_with_the_byte_at_a_time_rules_on_random_input() {
        let alphabet: [&[u8]; 10] = [b"a", b"bc", b",", b",", b"\"", b"\"\"", b"\n", b"\r", b"\r\n", "é".as_bytes()];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..3000 {
            let mut input = Vec::new();
            // Long inputs too, so that the masks' 64-byte blocks and buffer growth are crossed.
            let len = if case % 10 == 0 { 200 + rand(400) } else { rand(40) };
            for _ in 0..len {
                input.extend_from_slice(alphabet[rand(alphabet.len())]);
            }
            let (want, want_open) = reference(&input);
            let shown = String::from_utf8_lossy(&input).into_owned();
            let step = 1 + rand(70);
            let (got, open) = by_record(&input, step);
            assert_eq!((&got, open), (&want, want_open), "record at a time, pieces of {step}: {shown:?}");

            let width = 1 + rand(3);
            let (max_rows, target) = (1 + rand(5), 1 + rand(100));
            let (got, ragged) = by_batch(&input, step, width, max_rows, target);
            let padded: Vec<Record> = want
                .iter()
                .map(|(l, fs)| (*l, fs.iter().cloned().chain(std::iter::repeat(None)).take(width).collect()))
                .collect();
            let want_ragged: Vec<(u64, usize)> =
                want.iter().filter(|(_, fs)| fs.len() != width).map(|(l, fs)| (*l, fs.len())).collect();
            assert_eq!(got, padded, "batches of {max_rows} rows, {target} bytes, width {width}: {shown:?}");
            assert_eq!(ragged, want_ragged, "{shown:?}");
        }
    }

    /// One generated RFC 4180 field: plain text, or quoted text that may hold the delimiter,
    /// newlines and doubled quotes.
    fn rfc_field() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof!["[a-z0-9 ]{0,5}", "[a-z,;\n\" ]{0,6}".prop_map(|t| format!("\"{}\"", t.replace('"', "\"\""))),]
    }

    /// A generated file: records of 1 to 4 fields (ragged when they differ), LF or CRLF, a final
    /// terminator or not, a UTF-8 BOM or not.
    fn rfc_file() -> impl proptest::strategy::Strategy<Value = (Vec<u8>, bool)> {
        use proptest::prelude::*;
        let record = proptest::collection::vec(rfc_field(), 1..5);
        (proptest::collection::vec(record, 1..8), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(records, crlf, last, bom)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                // No empty lines: both skip them, but the crate dates the next record from the
                // skipped line (`\na` is "a" at line 1), where physical lines say line 2.
                let lines: Vec<String> = records
                    .iter()
                    .map(|r| if r.concat().is_empty() && r.len() == 1 { "\"\"".into() } else { r.join(",") })
                    .collect();
                let mut text = lines.join(eol);
                if last {
                    text.push_str(eol);
                }
                let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
                bytes.extend_from_slice(text.as_bytes());
                (bytes, crlf)
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// Guards the splitter against the `csv` crate, the reference: on every RFC 4180 file it
        /// finds the same records and fields, and (LF files) the same starting lines; in
        /// batches it reports as ragged exactly the records of another width, at their lines. (The BOM is dropped before
        /// the splitter, as `open_csv` does; the crate drops it itself.)
        #[test]
        fn splitter_agrees_with_the_csv_crate((file, crlf) in rfc_file(), step in 1usize..64) {
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file.as_slice());
            let want: Vec<(u64, Vec<Vec<u8>>)> = reader
                .byte_records()
                .map(|r| r.expect("valid RFC 4180"))
                .map(|r| (r.position().map_or(0, |p| p.line()), r.iter().map(<[u8]>::to_vec).collect()))
                .collect();
            let body = file.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(&file);
            let (got, unterminated) = by_record(body, step);
            proptest::prop_assert_eq!(unterminated, None);
            let got: Vec<(u64, Vec<Vec<u8>>)> =
                got.into_iter().map(|(l, f)| (l, f.into_iter().map(|f| f.map(|x| x.0).unwrap_or_default()).collect())).collect();
            // The crate counts a CRLF's line when it reads the LF, at the start of the next
            // record, so its lines lag there: with CRLF only records and fields are compared.
            let strip = |v: &[(u64, Vec<Vec<u8>>)]| v.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(strip(&got), strip(&want));
            if !crlf {
                proptest::prop_assert_eq!(&got, &want);
            }
            let width = want.first().map_or(1, |r| r.1.len());
            let (_, ragged) = by_batch(body, step, width, 3, 16);
            // Ragged lines as the records were found (their lines checked against the crate above).
            let want_ragged: Vec<(u64, usize)> =
                got.iter().filter(|r| r.1.len() != width).map(|r| (r.0, r.1.len())).collect();
            proptest::prop_assert_eq!(ragged, want_ragged);
        }
    }
}
