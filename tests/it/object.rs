//! Object-store sources against a real S3-compatible server on loopback (moto's server mode, at
//! `PREFLIGHT_TEST_S3_ENDPOINT`, default `http://127.0.0.1:5010`, started by `.ci/run`). When
//! it is unreachable the tests print `skipped` and pass, unless `PREFLIGHT_REQUIRE_DB=1`. Every
//! test creates its own bucket under a unique name and removes it afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use crate::common::{AS_OF, bin, finding, root, source, write};

fn endpoint() -> String {
    std::env::var("PREFLIGHT_TEST_S3_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:5010".into())
}

fn host_port() -> String {
    endpoint().trim_start_matches("http://").trim_end_matches('/').to_string()
}

fn required() -> bool {
    std::env::var("PREFLIGHT_REQUIRE_DB").is_ok_and(|v| v == "1")
}

/// One plain HTTP/1.1 request to the server; moto's server takes unsigned requests, which is
/// all that setting up and tearing down a bucket needs. Returns the status code.
fn request(method: &str, path: &str, body: &[u8]) -> std::io::Result<u16> {
    request_with(method, path, "", body)
}

/// `request` with extra header lines (each ending in `\r\n`).
fn request_with(method: &str, path: &str, headers: &str, body: &[u8]) -> std::io::Result<u16> {
    let mut s = TcpStream::connect(host_port())?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        host_port(),
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(out.get(..out.len().min(64)).unwrap_or_default()).to_string();
    Ok(text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0))
}

/// A bucket of its own for one test, removed (with its objects) when dropped.
struct Bucket {
    name: String,
    keys: Vec<String>,
}

impl Bucket {
    /// `None` (after printing `skipped`) when the server is not there.
    fn new(test: &str) -> Option<Bucket> {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("pf-{test}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        match request("PUT", &format!("/{name}"), b"") {
            Ok(200) => Some(Bucket { name, keys: Vec::new() }),
            other => {
                assert!(!required(), "the S3 server at {} is required: {other:?}", endpoint());
                println!("skipped: no S3 server at {} ({other:?})", endpoint());
                None
            }
        }
    }

    fn put(&mut self, key: &str, body: &[u8]) {
        self.put_with(key, "", body);
    }

    fn put_with(&mut self, key: &str, headers: &str, body: &[u8]) {
        let code =
            request_with("PUT", &format!("/{}/{key}", self.name), headers, body).expect("the object is uploaded");
        assert_eq!(code, 200, "uploading {key}");
        self.keys.push(key.to_string());
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.name)
    }
}

impl Drop for Bucket {
    fn drop(&mut self) {
        for k in &self.keys {
            let _ = request("DELETE", &format!("/{}/{k}", self.name), b"");
        }
        let _ = request("DELETE", &format!("/{}", self.name), b"");
    }
}

/// `scan` with the test credentials in the environment (the standard chain's first link).
fn scan(profile: &Path) -> (i32, Value) {
    let p = profile.to_string_lossy();
    let o = bin()
        .current_dir(root())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .args(["scan", p.as_ref(), "--format", "json", "--as-of", AS_OF, "--quiet"])
        .output()
        .expect("the preflight binary runs");
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("scan printed no JSON ({e}); stderr:\n{}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code().unwrap_or(-1), v)
}

const HEAD: &str = "[pilot]\nname = \"objects\"\n\n[defaults]\nmin_class_examples = 5\nmax_duplicate_keys = 0\n";

/// The demo's two file sources at `tickets` and `kb` (paths or URLs), with `extra` lines each.
fn demo_profile(tickets: &str, kb: &str, extra: &str) -> String {
    format!(
        r#"{HEAD}
[[sources]]
name = "tickets"
path = "{tickets}"
format = "csv"
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "subject", "body", "category"]
{extra}

[[sources]]
name = "kb"
path = "{kb}"
timestamp = "updated_at"
label = "category"
key = "article_id"
required = ["article_id", "title", "body"]
pii = ["author_email"]
{extra}
"#
    )
}

/// A source's measures, without where it was read from and how.
fn measures(s: &Value) -> Value {
    let mut s = s.clone();
    if let Some(o) = s.as_object_mut() {
        for k in ["location", "files", "access", "read", "signals"] {
            o.remove(k);
        }
        // The object's last-modified time stands where a file's modification time does.
        if let Some(st) = o.get_mut("staleness").and_then(Value::as_object_mut) {
            assert!(st.remove("file_modified").is_some_and(|m| m.is_string()));
        }
    }
    s
}

/// The findings of a report other than access (owner and mode of files, reachability), with the
/// source's location replaced so local and remote read alike.
fn judged(report: &Value, locations: &[(&str, &str)]) -> Vec<String> {
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| !f["id"].as_str().unwrap_or_default().starts_with("access."))
        .map(|f| {
            let mut t = f.to_string();
            for (from, to) in locations {
                t = t.replace(from, to);
            }
            t
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_demo_files_in_the_store_give_the_same_report_as_on_disk() {
    let Some(mut b) = Bucket::new("demo") else { return };
    let tickets = std::fs::read(root().join("fixtures/demo/tickets.csv")).expect("the demo CSV");
    let kb = std::fs::read(root().join("fixtures/demo/kb.parquet")).expect("the demo Parquet");
    b.put("demo/tickets.csv", &tickets);
    b.put("demo/kb.parquet", &kb);
    let dir = tempfile::tempdir().expect("tempdir");
    let local = demo_profile(
        &root().join("fixtures/demo/tickets.csv").display().to_string(),
        &root().join("fixtures/demo/kb.parquet").display().to_string(),
        "",
    );
    let remote = demo_profile(
        &b.url("demo/tickets.csv"),
        &b.url("demo/kb.parquet"),
        &format!("endpoint = \"{}\"\nregion = \"us-east-1\"", endpoint()),
    );
    let (lc, lr) = scan(&write(dir.path(), "local.toml", local));
    let (rc, rr) = scan(&write(dir.path(), "remote.toml", remote));
    assert_eq!(lc, rc);
    for name in ["tickets", "kb"] {
        let (l, r) = (source(&lr, name), source(&rr, name));
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(measures(l), measures(r), "source {name}");
        let read = &r["read"];
        assert_eq!(read["mode"], "file");
        assert_eq!(read["rows_transferred"], l["rows"]);
        assert!(read["bytes_transferred"].as_u64().is_some_and(|n| n > 0), "{read}");
        assert!(l.get("read").is_none());
    }
    // The CSV is streamed whole; the Parquet file by its footer and column chunks.
    assert_eq!(source(&rr, "tickets")["read"]["bytes_transferred"], tickets.len() as u64);
    assert!(source(&rr, "kb")["read"]["bytes_transferred"].as_u64().is_some_and(|n| n <= kb.len() as u64));
    let lt = root().join("fixtures/demo/tickets.csv").display().to_string();
    let lk = root().join("fixtures/demo/kb.parquet").display().to_string();
    let (rt, rk) = (b.url("demo/tickets.csv"), b.url("demo/kb.parquet"));
    assert_eq!(
        judged(&lr, &[(lt.as_str(), "TICKETS"), (lk.as_str(), "KB")]),
        judged(&rr, &[(rt.as_str(), "TICKETS"), (rk.as_str(), "KB")])
    );
    assert_eq!(finding(&rr, "access.readable.tickets").map(|f| f["severity"].clone()), Some("PASS".into()));
}

#[test]
fn globs_and_prefixes_of_parts_read_every_part() {
    let Some(mut b) = Bucket::new("parts") else { return };
    b.put("t/a.csv", b"id,v\n1,x\n2,y\n");
    b.put("t/b.csv", b"id,v\n3,z\n");
    b.put("t/_SUCCESS", b"");
    b.put("t/sub/c.csv", b"id,v\n9,q\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let ep = endpoint();
    for path in [b.url("t/*.csv"), b.url("t/"), b.url("t")] {
        let text = format!("{HEAD}\n[[sources]]\nname = \"t\"\npath = \"{path}\"\nendpoint = \"{ep}\"\n");
        let (_, r) = scan(&write(dir.path(), "p.toml", text));
        let s = source(&r, "t");
        assert_eq!(s["status"], "ok", "{path}: {s}");
        assert_eq!(s["rows"], 3, "{path}");
    }
}

/// A profile of one local source and one remote source `path` with extra keys.
fn with_local(remote: &str, keys: &str) -> String {
    let local = root().join("fixtures/demo/tickets.csv").display().to_string();
    format!(
        "{HEAD}\n[[sources]]\nname = \"local\"\npath = \"{local}\"\n\n[[sources]]\nname = \"remote\"\npath = \"{remote}\"\ntimeout = \"5s\"\n{keys}\n"
    )
}

fn remote_failure(r: &Value) -> String {
    let s = source(r, "remote");
    assert_eq!(source(r, "local")["status"], "ok", "the other source is still scanned");
    assert_ne!(s["status"], "ok", "{s}");
    let f = finding(r, "access.readable.remote").expect("an access finding");
    assert_eq!(f["severity"], "FAIL");
    f["message"].as_str().unwrap_or_default().to_string()
}

#[test]
fn access_faults_are_failures_of_their_source_with_the_stores_message() {
    let Some(mut b) = Bucket::new("faults") else { return };
    b.put("x.csv", b"id\n1\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let ep = endpoint();
    let keys = format!("endpoint = \"{ep}\"");

    let missing_bucket = format!("s3://{}-absent/x.csv", b.name);
    let (code, r) = scan(&write(dir.path(), "a.toml", with_local(&missing_bucket, &keys)));
    assert_eq!(code, 1);
    let m = remote_failure(&r);
    assert!(m.contains("NoSuchBucket") || m.contains("not found"), "{m}");

    let (_, r) = scan(&write(dir.path(), "b.toml", with_local(&b.url("nope.csv"), &keys)));
    let m = remote_failure(&r);
    assert!(m.contains("not found"), "{m}");

    // Nothing listens on port 9 of loopback (discard): the connection is refused.
    let (_, r) = scan(&write(dir.path(), "c.toml", with_local(&b.url("x.csv"), "endpoint = \"http://127.0.0.1:9\"")));
    let m = remote_failure(&r);
    assert!(m.contains("cannot connect") || m.to_lowercase().contains("connect"), "{m}");
    assert_eq!(source(&r, "remote")["access"]["reachable"], false);
}

#[test]
fn profile_and_init_take_object_urls() {
    let Some(mut b) = Bucket::new("adhoc") else { return };
    b.put("t.csv", b"id,category,updated_at\n1,billing,2025-01-09T10:00:00Z\n2,tech,2025-01-08T10:00:00Z\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("init.toml");
    let run = |args: &[&str]| {
        bin()
            .current_dir(root())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", endpoint())
            .env("AWS_ALLOW_HTTP", "true")
            .args(args)
            .output()
            .expect("the preflight binary runs")
    };
    let url = b.url("t.csv");
    let o = run(&["profile", &url, "--as-of", AS_OF, "--quiet"]);
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(text.contains("updated_at") && !text.contains("cannot read"), "{text}");
    let o = run(&["init", &url, "--out", &out.to_string_lossy()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read_to_string(&out).expect("the profile is written");
    assert!(written.contains(&format!("path = \"{url}\"")), "{written}");
}

#[test]
fn absent_credentials_are_a_failure_of_their_source() {
    let Some(mut b) = Bucket::new("nocreds") else { return };
    b.put("x.csv", b"id\n1\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = write(dir.path(), "n.toml", with_local(&b.url("x.csv"), &format!("endpoint = \"{}\"", endpoint())));
    let p = profile.to_string_lossy();
    // No key in the environment and no shared files: the chain ends at the instance metadata
    // service, which this machine does not have.
    let o = bin()
        .current_dir(root())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .args(["scan", p.as_ref(), "--format", "json", "--as-of", AS_OF, "--quiet"])
        .output()
        .expect("the preflight binary runs");
    let r: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    let m = remote_failure(&r);
    assert!(m.contains("S3") || m.contains("credential"), "{m}");
}

#[test]
fn a_secret_in_an_object_url_is_a_failure_and_never_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = "https://127.0.0.1:9/x.csv?X-Amz-Signature=deadbeefsecret";
    let (_, r) = scan(&write(dir.path(), "s.toml", with_local(url, "")));
    let f = finding(&r, "access.credentials.remote").expect("a credentials finding");
    assert_eq!(f["severity"], "FAIL");
    assert!(!r.to_string().contains("deadbeefsecret"));
}

#[test]
fn narrow_columns_of_a_large_parquet_object_fetch_only_their_chunks() {
    let Some(mut b) = Bucket::new("large") else { return };
    let bytes = large_parquet(2_000_000);
    b.put("large.parquet", &bytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{HEAD}\n[[sources]]\nname = \"big\"\npath = \"{}\"\nendpoint = \"{}\"\ncolumns = [\"id\"]\n",
        b.url("large.parquet"),
        endpoint()
    );
    let (_, r) = scan(&write(dir.path(), "big.toml", text));
    let s = source(&r, "big");
    assert_eq!(s["rows"], 2_000_000, "{s}");
    let got = s["read"]["bytes_transferred"].as_u64().expect("bytes_transferred");
    assert!(got * 4 < bytes.len() as u64, "fetched {got} of {} bytes", bytes.len());
    assert_eq!(s["read"]["rows_transferred"], 2_000_000);
}

/// `rows` rows of an id and two text columns, in row groups of 250,000.
fn large_parquet(rows: usize) -> Vec<u8> {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    let schema = Arc::new(arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("id", arrow_schema::DataType::Int64, false),
        arrow_schema::Field::new("body", arrow_schema::DataType::Utf8, false),
        arrow_schema::Field::new("note", arrow_schema::DataType::Utf8, false),
    ]));
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(250_000))
        .set_dictionary_enabled(false)
        .build();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, Arc::clone(&schema), Some(props)).expect("a writer");
    let step = 100_000;
    for start in (0..rows).step_by(step) {
        let n = step.min(rows - start);
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values((start..start + n).map(|i| i as i64)));
        let body: ArrayRef =
            Arc::new(StringArray::from_iter_values((start..start + n).map(|i| format!("ticket body number {i:09}"))));
        let note: ArrayRef =
            Arc::new(StringArray::from_iter_values((start..start + n).map(|i| format!("note {:x}", i * 7919))));
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![ids, body, note]).expect("a batch");
        w.write(&batch).expect("written");
    }
    w.close().expect("closed");
    out
}

// --- Azure Blob Storage: Azurite (npm) at `PREFLIGHT_TEST_AZURITE_ENDPOINT` -------------------

/// Azurite's documented development account and key (not a secret: every emulator has it).
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
const AZURITE_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

fn azurite() -> String {
    std::env::var("PREFLIGHT_TEST_AZURITE_ENDPOINT")
        .unwrap_or_else(|_| format!("http://127.0.0.1:10010/{AZURITE_ACCOUNT}"))
}

/// Runs Azure's own Python client (`azure-storage-blob`) against Azurite: `code` sees a
/// `ContainerClient` named `c`. Returns whether it succeeded.
fn azure_py(container: &str, code: &str) -> bool {
    let script = format!(
        "from azure.storage.blob import BlobServiceClient\n\
         cs='DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};BlobEndpoint={}'\n\
         c=BlobServiceClient.from_connection_string(cs).get_container_client('{container}')\n{code}\n",
        azurite()
    );
    std::process::Command::new("python3").args(["-c", &script]).output().is_ok_and(|o| o.status.success())
}

struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        azure_py(&self.0, "c.delete_container()");
    }
}

#[test]
fn azure_blobs_are_read_and_a_wrong_key_is_denied_access() {
    let name = format!("pf-az-{}", std::process::id());
    let csv = root().join("fixtures/demo/tickets.csv");
    let table = root().join("fixtures/delta/partitioned");
    let upload = format!(
        "import os\nc.create_container()\nc.upload_blob('t/tickets.csv', open(r'{}','rb').read())\n\
         for d, _, fs in os.walk(r'{t}'):\n    for f in fs:\n        p = os.path.join(d, f)\n        \
         c.upload_blob('lake/p/' + os.path.relpath(p, r'{t}'), open(p, 'rb').read())",
        csv.display(),
        t = table.display()
    );
    if !azure_py(&name, &upload) {
        assert!(!required(), "Azurite at {} (with python3 azure-storage-blob) is required", azurite());
        println!("skipped: no Azurite at {} or no azure-storage-blob", azurite());
        return;
    }
    let _container = Container(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{HEAD}\n[[sources]]\nname = \"t\"\npath = \"az://{name}/t/*.csv\"\nendpoint = \"{}\"\ntimeout = \"10s\"\n",
        azurite()
    );
    let profile = write(dir.path(), "az.toml", text);
    let scan_with = |key: &str| -> Value {
        let p = profile.to_string_lossy();
        let o = bin()
            .current_dir(root())
            .env("AZURE_STORAGE_ACCOUNT_NAME", AZURITE_ACCOUNT)
            .env("AZURE_STORAGE_ACCOUNT_KEY", key)
            .args(["scan", p.as_ref(), "--format", "json", "--as-of", AS_OF, "--quiet"])
            .output()
            .expect("the preflight binary runs");
        serde_json::from_slice(&o.stdout).expect("a JSON report")
    };
    let r = scan_with(AZURITE_KEY);
    let s = source(&r, "t");
    assert_eq!(s["status"], "ok", "{s}");
    assert_eq!(s["rows"], 40);
    let size = std::fs::metadata(&csv).expect("the demo CSV").len();
    assert_eq!(s["read"]["bytes_transferred"], size);

    // A Delta table under a container prefix: deltalake's 10 rows at version 3 (fixtures/README.md).
    let delta = write(
        dir.path(),
        "azd.toml",
        format!(
            "{HEAD}\n[[sources]]\nname = \"t\"\npath = \"az://{name}/lake/p\"\nendpoint = \"{}\"\nlabel = \"category\"\n",
            azurite()
        ),
    );
    let o = bin()
        .current_dir(root())
        .env("AZURE_STORAGE_ACCOUNT_NAME", AZURITE_ACCOUNT)
        .env("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY)
        .args(["scan", &delta.to_string_lossy(), "--format", "json", "--as-of", AS_OF, "--quiet"])
        .output()
        .expect("the preflight binary runs");
    let r: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    let s = source(&r, "t");
    assert_eq!(
        (s["status"].as_str(), s["kind"].as_str(), s["rows"].as_u64()),
        (Some("ok"), Some("delta"), Some(10)),
        "{s}"
    );
    assert_eq!(s["labels"]["classes"]["billing"], 5);

    // Another key of the same length: the store answers 403.
    let wrong = format!("AAAA{}", &AZURITE_KEY[4..]);
    let r = scan_with(&wrong);
    let f = finding(&r, "access.readable.t").expect("an access finding");
    assert_eq!(f["severity"], "FAIL");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("permission denied") && m.contains("403")), "{f}");
}

/// Every file under a local folder, as (key relative to it, bytes), in path order.
fn folder_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a fixture folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under the folder").to_string_lossy().to_string();
                out.push((rel, std::fs::read(&p).expect("a fixture file")));
            }
        }
    }
    out.sort();
    out
}

/// A profile of one Delta source at `path` (a folder or a URL) with extra keys.
fn delta_profile(path: &str, extra: &str) -> String {
    format!(
        "{HEAD}\n[[sources]]\nname = \"t\"\npath = \"{path}\"\ntimestamp = \"updated_at\"\nlabel = \"category\"\n{extra}\n"
    )
}

#[test]
fn delta_tables_in_the_store_read_as_on_disk() {
    let Some(mut b) = Bucket::new("delta") else { return };
    for table in ["partitioned", "changed"] {
        for (rel, bytes) in folder_files(&root().join("fixtures/delta").join(table)) {
            b.put(&format!("lake/{table}/{rel}"), &bytes);
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let ep = format!("endpoint = \"{}\"", endpoint());
    // deltalake's counts (fixtures/README.md): the latest, a version behind a checkpoint, as_of.
    for (table, url_tail, extra, rows, version) in [
        ("partitioned", "", "", 10, 3),
        ("partitioned", "/", "as_of = \"2026-12-02T14:49:20Z\"", 9, 1),
        ("changed", "", "version = 2", 3, 2),
        ("changed", "/", "format = \"delta\"", 5, 3),
    ] {
        let local = root().join("fixtures/delta").join(table).display().to_string();
        let url = format!("{}{url_tail}", b.url(&format!("lake/{table}")));
        let (_, lr) = scan(&write(dir.path(), "l.toml", delta_profile(&local, extra)));
        let (_, rr) = scan(&write(dir.path(), "r.toml", delta_profile(&url, &format!("{extra}\n{ep}"))));
        let (l, r) = (source(&lr, "t"), source(&rr, "t"));
        assert_eq!(r["status"], "ok", "{url} {extra}: {r}");
        assert_eq!(r["kind"], "delta");
        assert_eq!((r["rows"].as_u64(), r["delta"]["version"].as_i64()), (Some(rows), Some(version)), "{url} {extra}");
        assert_eq!(measures(l), measures(r), "{url} {extra}");
        assert_eq!(l["delta"], r["delta"], "{url} {extra}");
        let read = &r["read"];
        assert_eq!(read["rows_transferred"], rows);
        assert!(read["bytes_transferred"].as_u64().is_some_and(|n| n > 0), "{read}");
    }
    // A prefix without a log is not a table; a table whose version is missing says so.
    let (_, r) =
        scan(&write(dir.path(), "v.toml", delta_profile(&b.url("lake/changed"), &format!("version = 9\n{ep}"))));
    let m = source(&r, "t")["error"].as_str().unwrap_or_default().to_string();
    assert!(m.contains("no version 9"), "{m}");
}

// --- Google Cloud Storage: fake-gcs-server at `PREFLIGHT_TEST_GCS_ENDPOINT` ------------------

fn gcs() -> String {
    std::env::var("PREFLIGHT_TEST_GCS_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:10020".into())
}

/// One plain HTTP/1.1 request to a `http://host:port` server; returns the status code.
fn http(base: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<u16> {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(host)?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(out.get(..out.len().min(64)).unwrap_or_default()).to_string();
    Ok(text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0))
}

#[test]
fn gcs_objects_read_as_on_disk() {
    let bucket = format!("pf-gcs-{}", std::process::id());
    let created = http(&gcs(), "POST", "/storage/v1/b", format!("{{\"name\":\"{bucket}\"}}").as_bytes());
    if !matches!(created, Ok(200)) {
        assert!(!required(), "the GCS server at {} is required: {created:?}", gcs());
        println!("skipped: no GCS server at {} ({created:?})", gcs());
        return;
    }
    let put = |key: &str, bytes: &[u8]| {
        let path = format!("/upload/storage/v1/b/{bucket}/o?uploadType=media&name={key}");
        assert_eq!(http(&gcs(), "POST", &path, bytes).expect("uploaded"), 200, "{key}");
    };
    put("demo/tickets.csv", &std::fs::read(root().join("fixtures/demo/tickets.csv")).expect("the demo CSV"));
    put("demo/kb.parquet", &std::fs::read(root().join("fixtures/demo/kb.parquet")).expect("the demo Parquet"));
    let dir = tempfile::tempdir().expect("tempdir");
    let local = demo_profile(
        &root().join("fixtures/demo/tickets.csv").display().to_string(),
        &root().join("fixtures/demo/kb.parquet").display().to_string(),
        "",
    );
    let remote = demo_profile(
        &format!("gs://{bucket}/demo/tickets.csv"),
        &format!("gs://{bucket}/demo/*.parquet"),
        &format!("endpoint = \"{}\"\ntimeout = \"10s\"", gcs()),
    );
    let run = |p: &Path| -> Value {
        let o = bin()
            .current_dir(root())
            // The emulator takes unsigned requests; a real bucket takes the chain's credentials.
            .env("GOOGLE_SKIP_SIGNATURE", "true")
            .args(["scan", &p.to_string_lossy(), "--format", "json", "--as-of", AS_OF, "--quiet"])
            .output()
            .expect("the preflight binary runs");
        serde_json::from_slice(&o.stdout).expect("a JSON report")
    };
    let lr = run(&write(dir.path(), "l.toml", local));
    let rr = run(&write(dir.path(), "g.toml", remote));
    for name in ["tickets", "kb"] {
        let (l, r) = (source(&lr, name), source(&rr, name));
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(measures(l), measures(r), "source {name}");
        assert_eq!(r["read"]["rows_transferred"], l["rows"]);
    }
    let missing = demo_profile(
        &format!("gs://{bucket}/demo/nope.csv"),
        &format!("gs://{bucket}-absent/kb.parquet"),
        &format!("endpoint = \"{}\"\ntimeout = \"10s\"", gcs()),
    );
    let r = run(&write(dir.path(), "m.toml", missing));
    for name in ["tickets", "kb"] {
        let f = finding(&r, &format!("access.readable.{name}")).expect("an access finding");
        assert_eq!(f["severity"], "FAIL", "{f}");
        // The emulator answers a missing bucket with its own 500 "no bucket named …".
        let m = f["message"].as_str().unwrap_or_default();
        assert!(m.contains("not found") || m.contains("404") || m.contains("no bucket named"), "{f}");
    }
}

#[test]
fn plain_http_urls_are_read_by_range_requests() {
    // moto serves public-read objects at path-style URLs to unsigned GETs, honouring `Range`.
    let Some(mut b) = Bucket::new("http") else { return };
    let tickets = std::fs::read(root().join("fixtures/demo/tickets.csv")).expect("the demo CSV");
    let kb = std::fs::read(root().join("fixtures/demo/kb.parquet")).expect("the demo Parquet");
    b.put_with("demo/tickets.csv", "x-amz-acl: public-read\r\n", &tickets);
    b.put_with("demo/kb.parquet", "x-amz-acl: public-read\r\n", &kb);
    let dir = tempfile::tempdir().expect("tempdir");
    let base = format!("{}/{}", endpoint().trim_end_matches('/'), b.name);
    let local = demo_profile(
        &root().join("fixtures/demo/tickets.csv").display().to_string(),
        &root().join("fixtures/demo/kb.parquet").display().to_string(),
        "",
    );
    let remote =
        demo_profile(&format!("{base}/demo/tickets.csv"), &format!("{base}/demo/kb.parquet"), "timeout = \"10s\"");
    let (_, lr) = scan(&write(dir.path(), "l.toml", local));
    let (_, rr) = scan(&write(dir.path(), "h.toml", remote));
    for name in ["tickets", "kb"] {
        let (l, r) = (source(&lr, name), source(&rr, name));
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(measures(l), measures(r), "source {name}");
    }
    assert_eq!(source(&rr, "tickets")["read"]["bytes_transferred"], tickets.len() as u64);
    let got = source(&rr, "kb")["read"]["bytes_transferred"].as_u64().unwrap_or(u64::MAX);
    assert!(got <= kb.len() as u64, "{got}");
    let (_, r) = scan(&write(dir.path(), "n.toml", with_local(&format!("{base}/nope.csv"), "")));
    let m = remote_failure(&r);
    assert!(m.contains("not found") || m.contains("404"), "{m}");
}

#[test]
fn an_expired_sas_token_is_a_failure_with_the_stores_message() {
    let name = format!("pf-sas-{}", std::process::id());
    // Two read-and-list SAS tokens for the container, signed with the real key: one valid for
    // the next hour, one that expired an hour ago (`se=` in the past).
    let code = "c.create_container()\nc.upload_blob('x.csv', b'id\\n1\\n')\n\
        import datetime\nfrom azure.storage.blob import generate_container_sas, ContainerSasPermissions\n\
        now = datetime.datetime.now(datetime.timezone.utc)\n\
        sas = lambda a, b: generate_container_sas(c.account_name, c.container_name, \
        account_key=c.credential.account_key, permission=ContainerSasPermissions(read=True, list=True), \
        start=now + datetime.timedelta(hours=a), expiry=now + datetime.timedelta(hours=b))\n\
        open(OUT, 'w').write(sas(-2, -1) + '\\n' + sas(-1, 1))";
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sas.txt");
    let code = code.replace("OUT", &format!("r'{}'", out.display()));
    if !azure_py(&name, &code) {
        assert!(!required(), "Azurite at {} (with python3 azure-storage-blob) is required", azurite());
        println!("skipped: no Azurite at {} or no azure-storage-blob", azurite());
        return;
    }
    let _container = Container(name.clone());
    let tokens = std::fs::read_to_string(&out).expect("the SAS tokens");
    let (expired, valid) = tokens.split_once('\n').expect("two tokens");
    assert!(expired.contains("se="), "{expired}");
    let text = with_local(&format!("az://{name}/x.csv"), &format!("endpoint = \"{}\"", azurite()));
    let profile = write(dir.path(), "sas.toml", text);
    let with_sas = |sas: &str| -> Value {
        let o = bin()
            .current_dir(root())
            .env("AZURE_STORAGE_ACCOUNT_NAME", AZURITE_ACCOUNT)
            .env_remove("AZURE_STORAGE_ACCOUNT_KEY")
            .env("AZURE_STORAGE_SAS_KEY", sas)
            .args(["scan", &profile.to_string_lossy(), "--format", "json", "--as-of", AS_OF, "--quiet"])
            .output()
            .expect("the preflight binary runs");
        serde_json::from_slice(&o.stdout).expect("a JSON report")
    };
    assert_eq!(source(&with_sas(valid), "remote")["rows"], 1, "the valid token reads");
    let started = std::time::Instant::now();
    let r = with_sas(expired);
    let m = remote_failure(&r);
    // Azurite's own answer to a signature past its expiry: a 403 with its error document.
    assert!(m.contains("403") && m.contains("AuthorizationFailure"), "{m}");
    assert!(!r.to_string().contains(expired), "the token is never printed");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "no retry past the timeout");
}

#[test]
fn a_store_that_never_answers_fails_within_the_timeout() {
    // A listener that accepts connections and says nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for s in listener.incoming().take(16).flatten() {
            open.push(s);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let text = with_local("s3://silent/x.csv", &format!("endpoint = \"http://127.0.0.1:{port}\""))
        .replace("timeout = \"5s\"", "timeout = \"2s\"");
    let started = std::time::Instant::now();
    let (_, r) = scan(&write(dir.path(), "t.toml", text));
    let m = remote_failure(&r);
    assert!(m.contains("timeout") || m.contains("timed out"), "{m}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    drop(held);
}
