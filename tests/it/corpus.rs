//! The parquet-testing corpus (`../shared/corpus/parquet-testing/`): every malformed file in
//! `bad_data/` fails with a clear error naming the file and what is wrong (or, where the file
//! is readable by the spec, is measured correctly), and every valid file in `data/` is measured
//! exactly or refused with the reason. Each file runs on its own thread with a timeout, so a
//! hang fails the test with the file's name instead of stalling it.
//!
//! Counts are checked against sources independent of the arrow reader behind `ParquetSource`:
//! the footer (`num_rows` of the row groups, column-chunk `null_count` of flat columns), the
//! `parquet` crate's record reader (rows and top-level nulls of every column), the
//! `*_expect.csv` files, and, for the few files those cannot read, values stated below.

use std::collections::BTreeMap;
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use parquet::file::metadata::ParquetMetaDataReader;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use preflight::sources::parquet::ParquetSource;
use preflight::sources::{CollectCtx, Progress, Source, SourceError};
use preflight::stats::StatsRequest;

/// A file that takes longer than this is taken to hang: a guard against an endless loop, not a
/// timing. The slowest file, `large_string_map.brotli.parquet` (2 GiB of text), takes ~30 s in a
/// debug build on an idle machine, and more than 120 s when other builds share its two cores, so
/// the bound sits far above any honest run.
const TIMEOUT: Duration = Duration::from_secs(600);
/// 2025-01-10T10:00:00Z, the fixed as-of time of every test.
const AS_OF: i64 = 1_736_503_200_000_000;

/// What each file of `bad_data/` must come to.
enum Bad {
    /// An error whose message contains this phrase (what is wrong).
    Error(&'static str),
    /// Readable by the spec: measured, with this many rows (cross-checked like `data/`).
    Measured(u64),
}

const BAD_DATA: &[(&str, Bad)] = &[
    // Row group 1's column `int16` lists its encodings as Thrift i16 where parquet.thrift has
    // i32: a corrupt footer (apache/arrow#41317 fuzzed the column sizes).
    (
        "ARROW-GH-41317.parquet",
        Bad::Error("corrupt footer (file metadata): Expected list element type of I32 but got I16"),
    ),
    ("ARROW-GH-41321.parquet", Bad::Error("column `int64`: corrupt data: Invalid or corrupted RLE bit width 254")),
    // Dictionary indices RLE-encoded with bit width 0. That is valid when the dictionary holds
    // one value (every index is 0): Arrow C++ since the fix of apache/arrow#43605 and DuckDB
    // read 21186 rows, all `min_fl = 0`. Rows and nulls are cross-checked as for `data/`.
    ("ARROW-GH-43605.parquet", Bad::Measured(21186)),
    ("ARROW-GH-45185.parquet", Bad::Error("column `x`: corrupt data: first repetition level of batch must be 0")),
    (
        "ARROW-GH-47662.parquet",
        Bad::Error("column `flba_field`: corrupt data: Invalid FIXED_LEN_BYTE_ARRAY PLAIN data page"),
    ),
    // The negative dictionary `num_values` of apache/arrow-rs#6229 is not reached: the footer
    // already places column `name` over the footer itself (bytes 129..451 of a file whose data
    // ends at 291), which is caught first.
    (
        "ARROW-RS-GH-6229-DICTHEADER.parquet",
        Bad::Error("column `name` is placed at bytes 129..451 but the data ends at byte 291"),
    ),
    ("ARROW-RS-GH-6229-LEVELS.parquet", Bad::Error("column `outer`: corrupt data: Insufficient repetition levels")),
    // A schema element's physical type is -7.
    ("PARQUET-1481.parquet", Bad::Error("corrupt footer (file metadata): Unexpected Type -7 (a physical type of -7")),
];

/// Files of `data/` that preflight refuses, and the phrase naming why. Every other Parquet file
/// there must be measured.
const REFUSED: &[(&str, &str)] = &[
    // Both are written with deliberately wrong page CRCs (data/README.md, "Checksum Files"):
    // their values cannot be trusted. Column `a`'s first page and column `long_field`'s
    // dictionary page are the corrupt ones.
    ("datapage_v1-corrupt-checksum.parquet", "column `a`: the page at byte 4 fails its CRC-32 checksum"),
    (
        "rle-dict-uncompressed-corrupt-checksum.parquet",
        "column `long_field`: the page at byte 4 fails its CRC-32 checksum",
    ),
];

/// Files whose footer says `num_rows = 0` at the file level while their row groups hold rows
/// (the record reader agrees with the row groups).
const FILE_ROWS_WRONG: &[&str] = &["repeated_no_annotation.parquet"];

/// A file, its rows, and its nulls per column.
type Stated = (&'static str, u64, &'static [(&'static str, u64)]);

/// Rows and per-column nulls stated for files the `parquet` crate cannot cross-check.
const STATED: &[Stated] = &[
    // The crate's strict Thrift decoder refuses this footer (Dremio wrote a list into
    // ColumnMetaData field 15); decoded by hand it says `num_rows: 39` and `l_partkey`'s
    // statistics say `null_count: 0`.
    ("dict-page-offset-zero.parquet", 39, &[("l_partkey", 0)]),
    // Its chunk sizes omit the dictionary page header (PARQUET-816), which the record reader
    // does not forgive. 25 nations, no nulls: Arrow C++'s `NationDictTruncatedDataPage` test
    // and Velox's `nationDictMalformed` (25 rows) read it.
    ("nation.dict-malformed.parquet", 25, &[("nation_key", 0), ("name", 0), ("region_key", 0), ("comment_col", 0)]),
];

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/parquet-testing");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var_os("CI").is_none(), "the Parquet corpus is missing at `{}` and CI is set", dir.display());
    println!("skipped: no Parquet corpus at `{}`", dir.display());
    None
}

/// Every file under `dir`, recursively, sorted.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list `{}`: {e}", d.display()));
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn is_parquet(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "parquet")
}

fn base_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}

#[derive(Debug)]
struct Column {
    name: String,
    nulls: u64,
    /// Blanks, placeholders and present values: everything that is not a null.
    other: u64,
}

#[derive(Debug)]
enum Outcome {
    Measured { rows: u64, footer_rows: Option<u64>, columns: Vec<Column> },
    Failed(SourceError),
}

/// What the footer and the record reader say a file holds.
#[derive(Debug)]
struct Truth {
    file_rows: Option<i64>,
    row_group_rows: Option<i64>,
    /// Top-level column → summed chunk `null_count`, for flat columns whose every chunk has one.
    footer_nulls: BTreeMap<String, u64>,
    /// Rows and per-column top-level nulls from the record reader, or why it could not read.
    records: Result<(u64, Vec<(String, u64)>), String>,
}

fn request() -> StatsRequest {
    StatsRequest {
        required: Vec::new(),
        timestamp: None,
        label: None,
        label_inputs: Vec::new(),
        key: None,
        placeholders: Vec::new(),
        as_of: AS_OF,
        stale_before: AS_OF - 90 * 86_400_000_000,
        entity_keys: Vec::new(),
        entity_values: Vec::new(),
        only: None,
    }
}

fn collect(shown: &str, path: &Path) -> Outcome {
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(2).build() {
        Ok(p) => p,
        Err(e) => panic!("cannot start a worker pool: {e}"),
    };
    let ctx = CollectCtx { pool: &pool, progress: Arc::new(Progress::default()) };
    let source = ParquetSource::new(shown.to_string(), path.to_path_buf());
    match source.collect(&request(), &ctx) {
        Ok(stats) => {
            let acc = &stats.acc;
            let columns = acc
                .columns
                .iter()
                .zip(&acc.cols)
                .map(|(name, c)| Column {
                    name: name.clone(),
                    nulls: c.nulls,
                    other: c.blanks + c.placeholders + c.present,
                })
                .collect();
            Outcome::Measured { rows: acc.rows, footer_rows: stats.signals.footer_rows, columns }
        }
        Err(f) => Outcome::Failed(f.error),
    }
}

fn truth(path: &Path) -> Truth {
    let mut t =
        Truth { file_rows: None, row_group_rows: None, footer_nulls: BTreeMap::new(), records: Err("not read".into()) };
    let footer = File::open(path).ok().and_then(|f| ParquetMetaDataReader::new().parse_and_finish(&f).ok());
    if let Some(md) = footer {
        t.file_rows = Some(md.file_metadata().num_rows());
        t.row_group_rows = Some(md.row_groups().iter().map(|rg| rg.num_rows()).sum());
        let schema = md.file_metadata().schema_descr();
        for (i, leaf) in schema.columns().iter().enumerate() {
            let parts = leaf.path().parts();
            if parts.len() != 1 || leaf.max_rep_level() != 0 {
                continue;
            }
            let nulls: Option<u64> = md
                .row_groups()
                .iter()
                .map(|rg| rg.columns().get(i).and_then(|c| c.statistics()).and_then(|s| s.null_count_opt()))
                .sum();
            if let (Some(n), Some(col)) = (nulls, parts.first()) {
                t.footer_nulls.insert(col.clone(), n);
            }
        }
    }
    t.records =
        catch_unwind(AssertUnwindSafe(|| records(path))).unwrap_or_else(|_| Err("the record reader panicked".into()));
    t
}

/// Rows and top-level nulls per column through the `parquet` crate's record API, which shares
/// no decoding code with the arrow reader above the page level.
fn records(path: &Path) -> Result<(u64, Vec<(String, u64)>), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let reader = SerializedFileReader::new(file).map_err(|e| e.to_string())?;
    let mut rows = 0u64;
    let mut nulls: Vec<(String, u64)> = Vec::new();
    for row in reader.get_row_iter(None).map_err(|e| e.to_string())? {
        let row = row.map_err(|e| e.to_string())?;
        if nulls.is_empty() {
            nulls = row.get_column_iter().map(|(n, _)| (n.clone(), 0)).collect();
        }
        for ((_, f), slot) in row.get_column_iter().zip(nulls.iter_mut()) {
            if matches!(f, Field::Null) {
                slot.1 += 1;
            }
        }
        rows += 1;
    }
    Ok((rows, nulls))
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// Runs `f` on its own thread: `None` when it does not finish within `TIMEOUT` (the thread is
/// left behind), `Some(Err(panic message))` when it panics.
fn with_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<Result<T, String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = catch_unwind(AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(Ok(v)) => Some(Ok(v)),
        Ok(Err(p)) => Some(Err(panic_text(p.as_ref()))),
        Err(_) => None,
    }
}

/// Collects `path` under the timeout; a hang or a panic is recorded as a problem.
fn run(file: &str, path: &Path, problems: &mut Vec<String>) -> Option<(Outcome, Duration)> {
    let shown = file.to_string();
    let p = path.to_path_buf();
    let started = Instant::now();
    match with_timeout(move || collect(&shown, &p)) {
        None => {
            problems.push(format!("{file}: hung for more than {}s", TIMEOUT.as_secs()));
            None
        }
        Some(Err(panic)) => {
            problems.push(format!("{file}: collect panicked: {panic}"));
            None
        }
        Some(Ok(o)) => Some((o, started.elapsed())),
    }
}

/// Expected rows and per-column nulls from a `*_expect.csv`: an unquoted empty field is a null.
fn expect_csv(path: &Path) -> Option<(u64, Vec<u64>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    let mut row: Vec<Option<String>> = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut in_quotes, mut after_quote) = (false, false, false);
    let mut chars = text.chars().peekable();
    let end_field = |row: &mut Vec<Option<String>>, field: &mut String, quoted: &mut bool| {
        row.push(if field.is_empty() && !*quoted { None } else { Some(std::mem::take(field)) });
        *quoted = false;
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                    after_quote = true;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !after_quote => {
                in_quotes = true;
                quoted = true;
            }
            ',' => {
                end_field(&mut row, &mut field, &mut quoted);
                after_quote = false;
            }
            '\n' => {
                end_field(&mut row, &mut field, &mut quoted);
                after_quote = false;
                rows.push(std::mem::take(&mut row));
            }
            '\r' => {}
            c => field.push(c),
        }
    }
    if !field.is_empty() || quoted || !row.is_empty() {
        end_field(&mut row, &mut field, &mut quoted);
        rows.push(row);
    }
    let mut lines = rows.into_iter();
    let header = lines.next()?;
    let mut nulls = vec![0u64; header.len()];
    let mut n = 0u64;
    for r in lines {
        assert_eq!(r.len(), header.len(), "`{}`: row {} has {} fields", path.display(), n + 1, r.len());
        for (slot, f) in nulls.iter_mut().zip(&r) {
            *slot += u64::from(f.is_none());
        }
        n += 1;
    }
    Some((n, nulls))
}

/// Checks a measurement against every independent source available for the file, at least
/// one of which must vouch for the row count.
fn check_measured(
    file: &str,
    path: &Path,
    rows: u64,
    footer_rows: Option<u64>,
    columns: &[Column],
    problems: &mut Vec<String>,
) {
    let p = path.to_path_buf();
    let t = match with_timeout(move || truth(&p)) {
        Some(Ok(t)) => t,
        other => {
            let why = if other.is_none() { "timed out" } else { "panicked" };
            println!("  note: {file}: reading the footer and records {why}");
            Truth { file_rows: None, row_group_rows: None, footer_nulls: BTreeMap::new(), records: Err(why.into()) }
        }
    };
    let base = base_name(path);
    let base = base.as_str();
    let dir = path.parent().unwrap_or(path);
    let mut bad = |m: String| problems.push(format!("{file}: {m}"));
    let mut witnesses = 0;
    if footer_rows != Some(rows) {
        bad(format!("signals.footer_rows is {footer_rows:?}, measured {rows}"));
    }
    for c in columns {
        if c.nulls + c.other != rows {
            bad(format!("column `{}`: {} nulls + {} values != {rows} rows", c.name, c.nulls, c.other));
        }
    }
    if let Some(n) = t.row_group_rows {
        witnesses += 1;
        if u64::try_from(n).ok() != Some(rows) {
            bad(format!("measured {rows} rows, the row groups hold {n}"));
        }
    }
    if let Some(n) = t.file_rows
        && u64::try_from(n).ok() != Some(rows)
        && !FILE_ROWS_WRONG.contains(&base)
    {
        bad(format!("measured {rows} rows, the footer says {n}"));
    }
    for c in columns {
        if let Some(&n) = t.footer_nulls.get(&c.name)
            && n != c.nulls
        {
            bad(format!("column `{}`: measured {} nulls, the footer statistics say {n}", c.name, c.nulls));
        }
    }
    match &t.records {
        Ok((n, nulls)) => {
            witnesses += 1;
            if *n != rows {
                bad(format!("measured {rows} rows, the record reader reads {n}"));
            }
            // The record reader names columns only once it has a row.
            if *n > 0 {
                let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                let theirs: Vec<&str> = nulls.iter().map(|(c, _)| c.as_str()).collect();
                if names != theirs {
                    bad(format!("columns {names:?}, the record reader sees {theirs:?}"));
                } else {
                    for (c, (_, n)) in columns.iter().zip(nulls) {
                        if c.nulls != *n {
                            bad(format!(
                                "column `{}`: measured {} nulls, the record reader reads {n}",
                                c.name, c.nulls
                            ));
                        }
                    }
                }
            }
        }
        Err(e) => println!("  note: {file}: the record reader cannot cross-check: {e}"),
    }
    let stem = base.trim_end_matches(".parquet");
    if let Some((n, want_nulls)) = expect_csv(&dir.join(format!("{stem}_expect.csv"))) {
        witnesses += 1;
        if n != rows {
            bad(format!("measured {rows} rows, {stem}_expect.csv holds {n}"));
        }
        if want_nulls.len() != columns.len() {
            bad(format!("{} columns, {stem}_expect.csv has {}", columns.len(), want_nulls.len()));
        }
        for (c, want) in columns.iter().zip(&want_nulls) {
            if c.nulls != *want {
                bad(format!("column `{}`: {} nulls, {stem}_expect.csv has {want}", c.name, c.nulls));
            }
        }
        println!("  {file}: rows and nulls match {stem}_expect.csv");
    }
    if let Some((_, n, want)) = STATED.iter().find(|(f, ..)| *f == base) {
        witnesses += 1;
        if *n != rows {
            bad(format!("measured {rows} rows, {n} expected"));
        }
        let got: Vec<(&str, u64)> = columns.iter().map(|c| (c.name.as_str(), c.nulls)).collect();
        if got != *want {
            bad(format!("nulls per column {got:?}, expected {want:?}"));
        }
    }
    if witnesses == 0 {
        bad("no independent source vouches for its row count; add it to STATED".into());
    }
}

#[test]
fn parquet_corpus() {
    let Some(root) = corpus() else { return };
    let mut problems: Vec<String> = Vec::new();
    let mut summary: Vec<String> = Vec::new();

    let bad_dir = root.join("bad_data");
    let bad_files = walk(&bad_dir);
    for (name, _) in BAD_DATA {
        if !bad_files.iter().any(|p| base_name(p) == *name) {
            problems.push(format!("bad_data/{name}: listed in BAD_DATA but missing"));
        }
    }
    for path in bad_files {
        let file = format!("bad_data/{}", base_name(&path));
        if !is_parquet(&path) {
            summary.push(format!("skipped   {file}"));
            continue;
        }
        let Some((outcome, took)) = run(&file, &path, &mut problems) else { continue };
        let expected = BAD_DATA.iter().find(|(n, _)| *n == base_name(&path)).map(|(_, b)| b);
        match (outcome, expected) {
            (Outcome::Failed(error), expected) => {
                let message = error.to_string();
                summary.push(format!("error     {file} ({took:.1?}): {message}"));
                if !message.contains(&file) {
                    problems.push(format!("{file}: the error does not name the file: {message}"));
                }
                if message.contains("failed unexpectedly")
                    || message.contains("crashed")
                    || message.contains("panicked")
                {
                    problems.push(format!("{file}: a panic, not a clear error: {message}"));
                }
                if !matches!(error, SourceError::Unreadable { .. }) {
                    problems.push(format!("{file}: a malformed file should be unreadable, not {error:?}"));
                }
                match expected {
                    Some(Bad::Error(want)) if !message.contains(want) => {
                        problems.push(format!("{file}: the error should say `{want}`: {message}"))
                    }
                    Some(Bad::Error(_)) => {}
                    Some(Bad::Measured(_)) => problems.push(format!("{file}: readable by the spec, yet: {message}")),
                    None => problems.push(format!("{file}: not listed in BAD_DATA; it fails with: {message}")),
                }
            }
            (Outcome::Measured { rows, footer_rows, columns }, Some(Bad::Measured(want))) => {
                summary.push(format!("measured  {file} ({took:.1?}): {rows} rows, {} columns", columns.len()));
                if rows != *want {
                    problems.push(format!("{file}: measured {rows} rows, {want} expected"));
                }
                check_measured(&file, &path, rows, footer_rows, &columns, &mut problems);
            }
            (Outcome::Measured { rows, .. }, _) => {
                summary.push(format!("MEASURED  {file} ({took:.1?}): {rows} rows"));
                problems.push(format!("{file}: malformed, yet measured as {rows} rows"));
            }
        }
    }

    let data = root.join("data");
    for (name, _) in REFUSED {
        if !data.join(name).is_file() {
            problems.push(format!("data/{name}: listed in REFUSED but missing"));
        }
    }
    for path in walk(&data) {
        let file = format!("data/{}", path.strip_prefix(&data).unwrap_or(&path).display());
        if !is_parquet(&path) {
            summary.push(format!("skipped   {file}"));
            continue;
        }
        let Some((outcome, took)) = run(&file, &path, &mut problems) else { continue };
        let refused = REFUSED.iter().find(|(n, _)| *n == base_name(&path));
        match outcome {
            Outcome::Measured { rows, footer_rows, columns } => {
                let nulls: u64 = columns.iter().map(|c| c.nulls).sum();
                summary.push(format!(
                    "measured  {file} ({took:.1?}): {rows} rows, {} columns, {nulls} nulls",
                    columns.len()
                ));
                if refused.is_some() {
                    problems.push(format!("{file}: listed in REFUSED, yet measured"));
                }
                check_measured(&file, &path, rows, footer_rows, &columns, &mut problems);
            }
            Outcome::Failed(error) => {
                let message = error.to_string();
                summary.push(format!("refused   {file} ({took:.1?}): {message}"));
                match refused {
                    Some((_, want)) if message.contains(want) && message.contains(&file) => {}
                    _ => problems.push(format!("{file}: valid, yet refused: {message}")),
                }
            }
        }
    }

    for s in &summary {
        println!("{s}");
    }
    assert!(problems.is_empty(), "{} problems in the Parquet corpus:\n{}", problems.len(), problems.join("\n"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 96, ..Default::default() })]

    /// Guards the Parquet reader on damaged files: every corpus file, truncated or with one bit
    /// flipped at a generated offset, is read under the timeout without a panic or a hang, and
    /// either fails with an error (an access finding in a scan) or is measured. See: issue 18.
    #[test]
    fn damaged_corpus_files_never_panic_or_hang(pick in 0usize..10_000, at in 0.0f64..1.0, bit in 0u8..8, cut in proptest::prelude::any::<bool>()) {
        let Some(dir) = corpus() else { return Ok(()) };
        let files: Vec<PathBuf> = walk(&dir).into_iter().filter(|p| is_parquet(p)).collect();
        let Some(file) = files.get(pick % files.len().max(1)) else { return Ok(()) };
        let mut bytes = std::fs::read(file).unwrap_or_default();
        let offset = ((bytes.len() as f64) * at) as usize;
        if cut {
            bytes.truncate(offset);
        } else if let Some(b) = bytes.get_mut(offset) {
            *b ^= 1 << bit;
        }
        let tmp = tempfile::tempdir().map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let damaged = tmp.path().join("damaged.parquet");
        std::fs::write(&damaged, &bytes).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let what = format!("{} {} at byte {offset}", base_name(file), if cut { "truncated" } else { "bit-flipped" });
        let mut problems = Vec::new();
        let outcome = run(&what, &damaged, &mut problems);
        proptest::prop_assert!(problems.is_empty(), "{}", problems.join("; "));
        if let Some((Outcome::Measured { rows, footer_rows: Some(footer), .. }, _)) = outcome {
            // A file measured is measured whole: every row its footer declares.
            proptest::prop_assert_eq!(rows, footer, "{}", what);
        }
    }
}
