//! Unit tests of the Parquet source: writer quirks, checksums, footers and reader errors, on
//! files written in memory.

use super::columns::feed;
use super::footer::{DAY_MICROS, footer_min_max, legacy_chunk_sizes, open_part};
use super::pages::{crc32_update, page_header, verify_chunk};
use super::row_group::{BATCH_ROWS, batch_rows};
use super::thrift::{Compact, T_I32, T_LIST, T_STRUCT, sanitize_footer, write_field_header};
use super::*;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Date32Array, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::{
    ColumnChunkMetaData, FileMetaData, ParquetMetaData, ParquetMetaDataBuilder, ParquetMetaDataReader,
    ParquetMetaDataWriter,
};
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
