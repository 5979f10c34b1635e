//! Page headers and page checksums: the CRC-32 of every page that carries one is verified here,
//! because the crate's `crc` feature is off.

use parquet::file::metadata::RowGroupMetaData;

use super::ReadAt;
use super::thrift::{Compact, T_I32, T_STRUCT};

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
pub(super) fn crc32_update(mut c: u32, data: &[u8]) -> u32 {
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c
}

/// Verifies the CRC-32 of every page that carries one. A chunk whose first page carries
/// none is taken to be written without checksums and is not read here.
pub(super) fn verify_checksums(file: &dyn ReadAt, rg: &RowGroupMetaData) -> Result<(), String> {
    for c in rg.columns() {
        let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
        let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(c.compressed_size())) else { continue };
        verify_chunk(file, &c.column_path().string(), start, start.saturating_add(size))?;
    }
    Ok(())
}

pub(super) fn verify_chunk(file: &dyn ReadAt, column: &str, start: u64, end: u64) -> Result<(), String> {
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

pub(super) struct PageHead {
    /// Bytes of the header itself.
    pub(super) len: usize,
    pub(super) compressed: i64,
    pub(super) crc: Option<i32>,
    /// Values (levels) of a data page; 0 for other pages.
    pub(super) values: i64,
}

/// Reads the page header at `pos`, growing the window until it holds the whole header.
pub(super) fn read_page_header(file: &dyn ReadAt, pos: u64, end: u64) -> Option<PageHead> {
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
pub(super) fn page_header(buf: &[u8]) -> Option<PageHead> {
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
