//! The bytes of an object as the readers take them: fetched ranges as a Parquet chunk reader,
//! a body as a blocking `Read` for the CSV splitter.

use std::io::Read;
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures_util::stream::BoxStream;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

use super::Remote;

/// Some byte ranges of an object of `size` bytes; reading outside them is an error, never a
/// silent zero.
#[derive(Clone, Debug)]
pub struct Sparse {
    size: u64,
    pieces: Arc<Vec<(u64, Bytes)>>,
}

impl Sparse {
    pub fn new(size: u64, mut pieces: Vec<(u64, Bytes)>) -> Sparse {
        pieces.sort_by_key(|p| p.0);
        Sparse { size, pieces: Arc::new(pieces) }
    }

    /// Both sets of ranges.
    pub fn with(&self, other: &Sparse) -> Sparse {
        let mut pieces: Vec<(u64, Bytes)> = self.pieces.as_ref().clone();
        pieces.extend(other.pieces.iter().cloned());
        Sparse::new(self.size, pieces)
    }

    /// Whether the bytes of `range` were all fetched.
    pub fn covers(&self, range: &std::ops::Range<u64>) -> bool {
        self.from(range.start).is_some_and(|b| b.len() as u64 >= range.end.saturating_sub(range.start))
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The fetched bytes from `start` to the end of the piece that holds it.
    fn from(&self, start: u64) -> Option<Bytes> {
        self.pieces.iter().rev().find_map(|(at, b)| {
            let end = at + b.len() as u64;
            (*at <= start && start <= end).then(|| b.slice((start - at) as usize..))
        })
    }

    /// Fills `buf` from `pos`, or fails if those bytes were not fetched.
    pub fn read_at(&self, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
        match self.from(pos) {
            Some(b) if b.len() >= buf.len() => {
                buf.copy_from_slice(&b[..buf.len()]);
                Ok(())
            }
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("bytes {pos}..{} were not fetched", pos + buf.len() as u64),
            )),
        }
    }
}

impl Length for Sparse {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for Sparse {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        self.from(start)
            .map(Buf::reader)
            .ok_or_else(|| ParquetError::General(format!("byte {start} of the object was not fetched")))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self.from(start) {
            Some(b) if b.len() >= length => Ok(b.slice(..length)),
            _ => Err(ParquetError::General(format!(
                "bytes {start}..{} of the object were not fetched",
                start + length as u64
            ))),
        }
    }
}

/// An object's body as a blocking reader: each piece is awaited on the source's runtime.
pub struct ObjectReader {
    remote: Arc<Remote>,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    piece: Bytes,
}

impl ObjectReader {
    pub(super) fn new(remote: Arc<Remote>, stream: BoxStream<'static, object_store::Result<Bytes>>) -> ObjectReader {
        ObjectReader { remote, stream, piece: Bytes::new() }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.piece.is_empty() {
            match self.remote.next_piece(&mut self.stream)? {
                Some(b) => self.piece = b,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.piece.len());
        buf[..n].copy_from_slice(&self.piece[..n]);
        self.piece.advance(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_what_was_fetched() {
        let s = Sparse::new(100, vec![(90, Bytes::from_static(b"0123456789")), (10, Bytes::from_static(b"abc"))]);
        let mut b = [0u8; 3];
        s.read_at(&mut b, 10).expect("fetched");
        assert_eq!(&b, b"abc");
        assert!(s.read_at(&mut b, 12).is_err());
        assert_eq!(s.get_bytes(95, 5).expect("fetched").as_ref(), b"56789");
        assert!(s.get_bytes(0, 1).is_err());
    }
}
