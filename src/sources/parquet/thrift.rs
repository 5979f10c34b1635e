//! Thrift compact protocol, just enough for footers and page headers: the encryption check and
//! the footer sanitizer that drops fields of an unexpected wire type.

const T_TRUE: u8 = 1;
const T_FALSE: u8 = 2;
const T_BYTE: u8 = 3;
const T_I16: u8 = 4;
pub(super) const T_I32: u8 = 5;
const T_I64: u8 = 6;
const T_DOUBLE: u8 = 7;
const T_BINARY: u8 = 8;
pub(super) const T_LIST: u8 = 9;
const T_SET: u8 = 10;
const T_MAP: u8 = 11;
pub(super) const T_STRUCT: u8 = 12;
/// Nesting deeper than this is taken as corruption (Parquet's structs nest a few levels).
const MAX_DEPTH: u32 = 64;

/// A cursor over Thrift compact-protocol bytes. Every read is checked: `None` is "malformed".
pub(super) struct Compact<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
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

    pub(super) fn varint(&mut self) -> Option<u64> {
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

    pub(super) fn zigzag(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// The next field's `(type, id)`, or `None` at the struct's end.
    pub(super) fn field(&mut self, last: i16) -> Option<Option<(u8, i16)>> {
        let h = self.byte()?;
        if h == 0 {
            return Some(None);
        }
        let delta = h >> 4;
        let id = if delta == 0 { i16::try_from(self.zigzag()?).ok()? } else { last.checked_add(i16::from(delta))? };
        Some(Some((h & 0x0f, id)))
    }

    /// A list or set header: `(element type, size)`.
    pub(super) fn list_header(&mut self) -> Option<(u8, u64)> {
        let h = self.byte()?;
        let n = if h >> 4 == 15 { self.varint()? } else { u64::from(h >> 4) };
        Some((h & 0x0f, n))
    }

    /// Skips a field's value (booleans live in the field header and take no bytes).
    pub(super) fn skip(&mut self, ty: u8, depth: u32) -> Option<()> {
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
pub(super) fn has_encryption_algorithm(footer: &[u8]) -> bool {
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
pub(super) fn sanitize_footer(footer: &[u8]) -> Option<Vec<u8>> {
    let mut r = Compact { buf: footer, pos: 0 };
    let mut out = Vec::with_capacity(footer.len());
    let mut changed = false;
    copy_struct(&mut r, &mut out, Node::FileMetaData, 0, &mut changed)?;
    changed.then_some(out)
}

/// Writes a field header in the long form (type byte, then the zigzag id), which is valid
/// whatever field preceded it.
pub(super) fn write_field_header(out: &mut Vec<u8>, ty: u8, id: i16) {
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
