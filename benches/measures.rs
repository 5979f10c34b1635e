//! Criterion benches of the hot paths: per-column measures over a CSV source, the accumulators
//! fed cell by cell, and timestamp parsing. Seeded data at 10k / 100k / 1M rows; fits 2 cores.
//!
//! `cargo bench --bench measures`; the side-by-side comparison with DuckDB and polars is a
//! separate script (issue 7).

use std::hint::black_box;
use std::io::Write;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use preflight::sources::csv::CsvSource;
use preflight::sources::{CollectCtx, Progress, Source};
use preflight::stats::timestamp::parse_timestamp;
use preflight::stats::{Cell, Pos, SourceAcc, StatsRequest};

/// 2025-01-10T10:00:00Z.
const AS_OF: i64 = 1_736_503_200_000_000;
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// A small deterministic generator, so every run measures the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn request() -> StatsRequest {
    StatsRequest {
        required: vec!["ticket_id".into(), "customer_id".into(), "category".into(), "body".into()],
        timestamp: Some("updated_at".into()),
        label: Some("category".into()),
        key: Some("ticket_id".into()),
        placeholders: ["n/a", "na", "null", "none", "-", "?", "unknown", "tbd"].iter().map(|s| s.to_string()).collect(),
        as_of: AS_OF,
        stale_before: AS_OF - 365 * 86_400_000_000,
        entity_keys: Vec::new(),
        entity_values: Vec::new(),
        only: None,
        label_inputs: Vec::new(),
    }
}

const CATEGORIES: [&str; 6] = ["billing", "technical", "account", "shipping", "N/A", ""];
const WORDS: [&str; 8] = ["printer", "refund", "cannot", "login", "invoice", "late", "broken", "please"];

/// Rows of a support-tickets table: id, customer, timestamp, label, free text, email.
fn tickets(n: usize) -> Vec<[String; 6]> {
    let mut rng = Lcg(42);
    (0..n)
        .map(|i| {
            let day = rng.next() % 900;
            let body: Vec<&str> = (0..5 + rng.next() % 20).map(|_| WORDS[(rng.next() % 8) as usize]).collect();
            [
                format!("T-{i:07}"),
                if rng.next().is_multiple_of(10) {
                    format!("{}", rng.next() % 50_000)
                } else {
                    format!("C-{:06}", rng.next() % 50_000)
                },
                format!("2024-{:02}-{:02}T{:02}:00:00Z", 1 + day % 12, 1 + day % 28, day % 24),
                CATEGORIES[(rng.next() % 6) as usize].to_string(),
                body.join(" "),
                format!("user{}@example.com", rng.next() % 100_000),
            ]
        })
        .collect()
}

fn csv_file(n: usize) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp file");
    let mut w = std::io::BufWriter::new(f.as_file_mut());
    let _ = writeln!(w, "ticket_id,customer_id,updated_at,category,body,agent_email");
    for r in tickets(n) {
        let _ = writeln!(w, "{},{},{},{},\"{}\",{}", r[0], r[1], r[2], r[3], r[4], r[5]);
    }
    drop(w);
    f
}

fn csv_source(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let mut g = c.benchmark_group("csv_collect");
    g.sample_size(10);
    for n in SIZES {
        let file = csv_file(n);
        let src = CsvSource::new("tickets.csv".into(), file.path().to_path_buf(), None);
        let req = request();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let ctx = CollectCtx { pool: &pool, progress: Arc::new(Progress::default()) };
                black_box(src.collect(&req, &ctx).map(|s| s.acc.rows).ok())
            })
        });
    }
    g.finish();
}

fn accumulators(c: &mut Criterion) {
    let mut g = c.benchmark_group("accumulate_cells");
    g.sample_size(10);
    let columns: Vec<String> = ["ticket_id", "customer_id", "updated_at", "category", "body", "agent_email"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let req = request();
    for n in SIZES {
        let rows = tickets(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let mut acc = SourceAcc::new(&columns, &[None; 6], &req);
                for (k, chunk) in rows.chunks(8_192).enumerate() {
                    let mut batch = acc.batch(&req, chunk.len());
                    for (r, row) in chunk.iter().enumerate() {
                        let i = (k * 8_192 + r) as u64;
                        let pos = Pos { part: 0, line: Some(i + 2), row: i };
                        for (col, v) in row.iter().enumerate() {
                            let cell = if v.is_empty() { Cell::Null } else { Cell::Text(v.as_bytes()) };
                            batch.push(col, r, pos, cell);
                        }
                    }
                    acc.merge(batch.finish(chunk.len() as u64, false, false));
                }
                black_box(acc.ready_rows)
            })
        });
    }
    g.finish();
}

fn timestamps(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_timestamp");
    let values: Vec<String> = tickets(100_000).into_iter().map(|r| r[2].clone()).collect();
    g.throughput(Throughput::Elements(values.len() as u64));
    g.bench_function("rfc3339_100k", |b| b.iter(|| values.iter().filter(|v| parse_timestamp(v).is_some()).count()));
    let naive: Vec<String> = values.iter().map(|v| v.replace('T', " ").trim_end_matches('Z').to_string()).collect();
    g.bench_function("naive_100k", |b| b.iter(|| naive.iter().filter(|v| parse_timestamp(v).is_some()).count()));
    g.finish();
}

criterion_group!(benches, csv_source, accumulators, timestamps);
criterion_main!(benches);
