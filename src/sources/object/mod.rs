//! Object-store locations (`s3://`, `az://`, `abfss://`, `gs://`, `https://`): connecting with
//! each cloud's own credential chain, listing the objects a URL names, and reading them by range
//! (Parquet) or as a stream (CSV) while counting what crosses the network.

mod aws_files;
mod read;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig};

pub use read::{ObjectReader, Sparse};

use super::{Source, SourceError, Unopenable, files};
use crate::profile::{FileFormat, ObjectOptions, SourceSpec, is_object_url, redact_url};

/// How long one source's requests may take in all when the profile sets no `timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Query parameters that carry a signature or token (pre-signed and SAS URLs).
const SECRET_PARAMS: [&str; 8] = [
    "sig",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
    "token",
    "access_token",
];

/// The URL with any password and any signature or token parameter replaced by `***`.
pub fn redact(url: &str) -> String {
    let url = redact_url(url);
    let Some((head, query)) = url.split_once('?') else { return url };
    let params: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{head}?{}", params.join("&"))
}

/// The redacted URL when the written one carries a secret (a password, a signature, a token).
pub fn secret_in_url(url: &str) -> Option<String> {
    let shown = redact(url);
    (is_object_url(url) && shown != url).then_some(shown)
}

/// One object store and the key (or pattern) a source names in it, with the runtime its
/// requests run on and the count of bytes fetched.
pub struct Remote {
    /// The URL as shown in reports (redacted).
    pub shown: String,
    /// `scheme://authority` of the URL, to name each object.
    origin: String,
    key: String,
    store: Arc<dyn ObjectStore>,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
    transferred: AtomicU64,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("shown", &self.shown).finish()
    }
}

/// An object of a source: its key, size and last modification.
#[derive(Clone, Debug)]
pub struct Object {
    pub path: ObjectPath,
    pub size: u64,
    pub modified_micros: i64,
}

fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Another part of the program may have installed the same provider first: that is fine.
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Remote {
    /// Builds the store client for a source; no request is made yet.
    pub fn connect(url: &str, options: &ObjectOptions, timeout: Option<i64>) -> Result<Remote, SourceError> {
        install_crypto();
        let shown = redact(url);
        let bad = |message: String| SourceError::Unreachable { location: shown.clone(), message };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("not a URL".into()))?;
        let scheme = scheme.to_ascii_lowercase();
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, key) = rest.split_once('/').unwrap_or((rest, ""));
        let origin = format!("{scheme}://{authority}");
        let timeout =
            timeout.and_then(|s| u64::try_from(s).ok()).filter(|s| *s > 0).map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        // Plain http only where the user asked for it: an `http://` endpoint in the profile, or
        // the client's own switch in the environment (`AWS_ALLOW_HTTP=true`, as for its SDKs).
        let allow_var = match scheme.as_str() {
            "s3" | "s3a" => "AWS_ALLOW_HTTP",
            "gs" => "GOOGLE_ALLOW_HTTP",
            _ => "AZURE_ALLOW_HTTP",
        };
        let plain_endpoint = options.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"))
            || std::env::var(allow_var).is_ok_and(|v| v.eq_ignore_ascii_case("true"));
        let client = ClientOptions::new()
            .with_timeout(timeout)
            .with_connect_timeout(timeout.min(Duration::from_secs(10)))
            .with_allow_http(plain_endpoint || scheme == "http");
        // Retries stop with the source's timeout: a scan never waits past it.
        let retry = RetryConfig { max_retries: 3, retry_timeout: timeout, ..RetryConfig::default() };
        let store: Arc<dyn ObjectStore> = match scheme.as_str() {
            "s3" | "s3a" => {
                let mut b = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(origin.clone())
                    .with_client_options(client)
                    .with_retry(retry);
                if let Some(files) = aws_files::shared(options.credentials_profile.as_deref()) {
                    b = files.apply(b);
                }
                if let Some(r) = &options.region {
                    b = b.with_region(r.clone());
                }
                if let Some(e) = &options.endpoint {
                    b = b.with_endpoint(e.clone()).with_allow_http(plain_endpoint);
                }
                Arc::new(b.build().map_err(|e| bad(e.to_string()))?)
            }
            "gs" => {
                let mut b = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(origin.clone())
                    .with_client_options(client)
                    .with_retry(retry);
                // A GCS-compatible endpoint (an emulator, a private endpoint) in place of
                // storage.googleapis.com.
                if let Some(e) = &options.endpoint {
                    b = b.with_base_url(e.trim_end_matches('/'));
                }
                Arc::new(b.build().map_err(|e| bad(e.to_string()))?)
            }
            "az" | "azure" | "abfs" | "abfss" | "adl" => {
                let mut b = object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(origin.clone())
                    .with_client_options(client)
                    .with_retry(retry);
                if let Some(e) = &options.endpoint {
                    b = b.with_endpoint(e.clone()).with_allow_http(plain_endpoint);
                }
                Arc::new(b.build().map_err(|e| bad(e.to_string()))?)
            }
            _ => {
                let b = object_store::http::HttpBuilder::new()
                    .with_url(origin.clone())
                    .with_client_options(client)
                    .with_retry(retry);
                Arc::new(b.build().map_err(|e| bad(e.to_string()))?)
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("preflight-object")
            .enable_all()
            .build()
            .map_err(|e| bad(format!("cannot start the I/O runtime: {e}")))?;
        Ok(Remote { shown, origin, key: key.to_string(), store, runtime, timeout, transferred: AtomicU64::new(0) })
    }

    /// The key (or prefix) the URL names, without a trailing `/`.
    pub fn key_prefix(&self) -> &str {
        self.key.trim_end_matches('/')
    }

    /// The whole body of a small object (a Delta log entry), counted as transferred.
    pub fn get(&self, key: &str) -> Result<bytes::Bytes, SourceError> {
        let store = Arc::clone(&self.store);
        let path = ObjectPath::from(key);
        let what = self.name(&path);
        let body = self.run(&what, async move { store.get(&path).await?.bytes().await })?;
        self.transferred.fetch_add(body.len() as u64, Ordering::Relaxed);
        Ok(body)
    }

    /// Whether the URL names a Delta table: a prefix with objects under `_delta_log/`.
    pub fn is_delta_table(&self) -> Result<bool, SourceError> {
        let key = self.key_prefix();
        if key.contains(['*', '?', '[']) {
            return Ok(false);
        }
        let prefix = if key.is_empty() { "_delta_log".to_string() } else { format!("{key}/_delta_log") };
        Ok(!self.list(&prefix)?.is_empty())
    }

    /// Bytes fetched so far (object bodies and ranges; listings and headers are not counted).
    pub fn transferred(&self) -> u64 {
        self.transferred.load(Ordering::Relaxed)
    }

    /// The full URL of an object, for reports.
    pub fn name(&self, path: &ObjectPath) -> String {
        format!("{}/{}", self.origin, path)
    }

    /// Runs a request on the source's runtime, bounded by its timeout.
    fn run<T>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = object_store::Result<T>>,
    ) -> Result<T, SourceError> {
        let limit = self.timeout;
        let r = self.runtime.block_on(async move { tokio::time::timeout(limit, fut).await });
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.error(what, &e)),
            Err(_) => Err(SourceError::Unreachable {
                location: what.to_string(),
                message: format!("no answer within the source's timeout of {}s", limit.as_secs()),
            }),
        }
    }

    /// The store's error as a source error, with the store's own message.
    fn error(&self, what: &str, e: &object_store::Error) -> SourceError {
        let message = store_message(e);
        match e {
            object_store::Error::NotFound { .. } => {
                SourceError::Unreadable { path: what.to_string(), message: format!("not found: {message}") }
            }
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                SourceError::PermissionDenied { path: what.to_string(), detail: format!(": {message}") }
            }
            // Listings report a refusal as a generic error carrying the HTTP status.
            _ if message.contains("403 Forbidden") || message.contains("401 Unauthorized") => {
                SourceError::PermissionDenied { path: what.to_string(), detail: format!(": {message}") }
            }
            _ if is_connect_error(e) => SourceError::Unreachable { location: what.to_string(), message },
            _ => SourceError::Unreadable { path: what.to_string(), message },
        }
    }

    /// The objects the URL names: one object, the matches of a glob, or the parts under a
    /// prefix (of `format`, leaving out `_`- and `.`-prefixed names), sorted by key.
    pub fn objects(&self, format: Option<FileFormat>) -> Result<Vec<Object>, SourceError> {
        let key = self.key.as_str();
        if let Some(star) = key.find(['*', '?', '[']) {
            let prefix = key.get(..star).and_then(|p| p.rfind('/').map(|i| &p[..i])).unwrap_or("");
            let pattern = glob::Pattern::new(key).map_err(|e| SourceError::Unreadable {
                path: self.shown.clone(),
                message: format!("invalid glob pattern: {e}"),
            })?;
            let opts = glob::MatchOptions {
                require_literal_separator: true,
                require_literal_leading_dot: true,
                ..glob::MatchOptions::new()
            };
            let mut out: Vec<Object> =
                self.list(prefix)?.into_iter().filter(|o| pattern.matches_with(o.path.as_ref(), opts)).collect();
            out.sort_by(|a, b| a.path.cmp(&b.path));
            if out.is_empty() {
                return Err(SourceError::NoFiles { pattern: self.shown.clone() });
            }
            return Ok(out);
        }
        let trimmed = key.trim_end_matches('/');
        if !key.ends_with('/') && !trimmed.is_empty() {
            let path = ObjectPath::from(trimmed);
            match self.run(&self.shown, self.store.head(&path)) {
                Ok(meta) => return Ok(vec![object(meta)]),
                // A prefix of parts has no object of its own name (plain HTTP lists nothing).
                Err(SourceError::Unreadable { message, .. })
                    if message.starts_with("not found") && !self.origin.starts_with("http") =>
                {
                    let parts = self.parts(trimmed, format)?;
                    if parts.is_empty() {
                        return Err(SourceError::Unreadable { path: self.shown.clone(), message });
                    }
                    return Ok(parts);
                }
                // A refused HEAD has no body, so the store's reason (an expired signature, a
                // wrong key) is fetched with a one-byte GET, which answers with it.
                Err(SourceError::PermissionDenied { .. }) => {
                    let store = Arc::clone(&self.store);
                    let again = path.clone();
                    let e = match self.run(&self.shown, async move { store.get_range(&again, 0..1).await }) {
                        Err(reason) => reason,
                        Ok(_) => SourceError::PermissionDenied {
                            path: self.shown.clone(),
                            detail: ": the store refused the object's metadata (HEAD) but not its bytes".into(),
                        },
                    };
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        let parts = self.parts(trimmed, format)?;
        if parts.is_empty() {
            return Err(SourceError::NoFiles { pattern: format!("{}/*", self.shown.trim_end_matches('/')) });
        }
        Ok(parts)
    }

    /// The visible parts directly under a prefix, of `format` when given.
    fn parts(&self, prefix: &str, format: Option<FileFormat>) -> Result<Vec<Object>, SourceError> {
        let depth = if prefix.is_empty() { 0 } else { prefix.split('/').count() };
        let mut out: Vec<Object> = self
            .list(prefix)?
            .into_iter()
            .filter(|o| {
                let parts: Vec<&str> = o.path.as_ref().split('/').collect();
                let name = parts.last().copied().unwrap_or_default();
                parts.len() == depth + 1
                    && !name.starts_with(['.', '_'])
                    && match format {
                        Some(f) => files::guess_format(std::path::Path::new(name)) == Some(f),
                        None => files::guess_format(std::path::Path::new(name)).is_some(),
                    }
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Every object under a prefix (recursively).
    pub fn list(&self, prefix: &str) -> Result<Vec<Object>, SourceError> {
        let path = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
        let store = Arc::clone(&self.store);
        let fut = async move {
            let mut s = store.list(path.as_ref());
            let mut out = Vec::new();
            while let Some(m) = s.next().await {
                out.push(object(m?));
            }
            Ok(out)
        };
        self.run(&self.shown, fut)
    }

    /// The bytes of some ranges of an object, fetched concurrently (nearby ranges coalesced).
    pub fn ranges(&self, o: &Object, ranges: Vec<std::ops::Range<u64>>) -> Result<Sparse, SourceError> {
        let store = Arc::clone(&self.store);
        let path = o.path.clone();
        let asked = ranges.clone();
        let got = self.run(&self.name(&o.path), async move { store.get_ranges(&path, &asked).await })?;
        let n: u64 = got.iter().map(|b| b.len() as u64).sum();
        self.transferred.fetch_add(n, Ordering::Relaxed);
        Ok(Sparse::new(o.size, ranges.into_iter().map(|r| r.start).zip(got).collect()))
    }

    /// The object's footer region: its last `tail` bytes (all of it when smaller).
    pub fn tail(&self, o: &Object, tail: u64) -> Result<Sparse, SourceError> {
        let start = o.size.saturating_sub(tail);
        let range = start..o.size;
        self.ranges(o, vec![range])
    }

    /// A streaming reader of the whole object, for CSV.
    pub fn reader(self: &Arc<Self>, o: &Object) -> Result<ObjectReader, SourceError> {
        let store = Arc::clone(&self.store);
        let path = o.path.clone();
        let body = self.run(&self.name(&o.path), async move { store.get(&path).await })?;
        Ok(ObjectReader::new(Arc::clone(self), body.into_stream()))
    }

    /// Waits for the next piece of a body, counting its bytes.
    fn next_piece(
        &self,
        stream: &mut futures_util::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>,
    ) -> std::io::Result<Option<bytes::Bytes>> {
        let limit = self.timeout;
        let r = self.runtime.block_on(async { tokio::time::timeout(limit, stream.next()).await });
        match r {
            Ok(Some(Ok(b))) => {
                self.transferred.fetch_add(b.len() as u64, Ordering::Relaxed);
                Ok(Some(b))
            }
            Ok(Some(Err(e))) => Err(std::io::Error::other(store_message(&e))),
            Ok(None) => Ok(None),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no data within the source's timeout of {}s", limit.as_secs()),
            )),
        }
    }
}

fn object(m: ObjectMeta) -> Object {
    Object { path: m.location, size: m.size, modified_micros: m.last_modified.timestamp_micros() }
}

/// The store's message, with the causes it wraps (the HTTP status and the service's own text).
fn store_message(e: &object_store::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}

fn is_connect_error(e: &object_store::Error) -> bool {
    let text = store_message(e).to_lowercase();
    ["connect", "dns error", "connection refused", "timed out", "tcp"].iter().any(|w| text.contains(w))
}

/// Opens an object-store source: the format comes from `format`, the URL's name, or its parts.
pub fn open(spec: &SourceSpec, written: &str) -> Box<dyn Source> {
    let remote = match Remote::connect(written, &spec.object, spec.timeout) {
        Ok(r) => Arc::new(r),
        Err(error) => return Box::new(Unopenable { kind: "object", location: redact(written), error }),
    };
    let by_name = files::guess_format(std::path::Path::new(written.split(['?', '#']).next().unwrap_or(written)));
    let format = match spec.format.or(by_name) {
        Some(f) => Ok(f),
        None => remote.is_delta_table().and_then(|delta| {
            if delta {
                Ok(FileFormat::Delta)
            } else {
                remote.objects(None).and_then(|objs| {
                    let mut formats =
                        objs.iter().filter_map(|o| files::guess_format(std::path::Path::new(o.path.as_ref())));
                    let first = formats.next();
                    match first {
                        Some(f) if formats.all(|g| g == f) => Ok(f),
                        _ => Err(SourceError::Unsupported {
                            path: remote.shown.clone(),
                            what:
                                "cannot tell the format from the name; set `format = \"csv\"` or `format = \"parquet\"`"
                                    .into(),
                        }),
                    }
                })
            }
        }),
    };
    match format {
        Ok(FileFormat::Parquet) => Box::new(super::parquet::ParquetSource::remote(remote)),
        Ok(FileFormat::Csv) => Box::new(super::csv::CsvSource::remote(remote, spec.delimiter)),
        Ok(FileFormat::Delta) => Box::new(super::delta::DeltaSource::remote(remote, spec)),
        Err(error) => Box::new(Unopenable { kind: "object", location: remote.shown.clone(), error }),
    }
}

/// The report's `read` block of an object source.
pub fn read_info(remote: &Remote, rows: u64, size: u64) -> crate::sources::ReadInfo {
    let transferred = remote.transferred();
    let reason = if transferred < size {
        format!("read from the object store by range requests: {transferred} of {size} bytes fetched")
    } else {
        format!("read from the object store: {transferred} bytes fetched")
    };
    crate::sources::ReadInfo { mode: "file", reason, rows_transferred: rows, bytes_transferred: transferred }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_object_urls_from_paths() {
        assert!(is_object_url("s3://b/k.csv"));
        assert!(is_object_url("abfss://c@acct.dfs.core.windows.net/x"));
        assert!(is_object_url("gs://b/x/*.parquet"));
        assert!(is_object_url("https://example.com/x.csv"));
        assert!(!is_object_url("data/x.csv"));
        assert!(!is_object_url("postgres://h/db"));
    }

    fn load(source: &str) -> Result<crate::profile::Profile, String> {
        let text = format!("[pilot]\nname = \"t\"\n[[sources]]\nname = \"s\"\n{source}\n");
        crate::profile::Profile::from_str(std::path::Path::new("/p/t.toml"), &text).map_err(|e| e.to_string())
    }

    #[test]
    fn profile_keys_of_object_sources() {
        let p = load(
            "path = \"s3://b/k/*.csv\"\nregion = \"eu-west-1\"\nendpoint = \"http://127.0.0.1:9000\"\n\
             credentials_profile = \"ci\"\ntimeout = \"30s\"",
        )
        .expect("valid");
        let s = &p.sources[0];
        assert_eq!(s.object.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.object.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s.object.credentials_profile.as_deref(), Some("ci"));
        assert_eq!(s.timeout, Some(30));
        // The URL is kept as written, not joined to the profile's folder.
        assert!(
            matches!(&s.location, crate::profile::Location::Path { resolved, .. } if resolved.to_string_lossy() == "s3://b/k/*.csv")
        );
        let e = load("path = \"s3://b/k.csv\"\nendpoint = \"127.0.0.1:9000\"").expect_err("not a URL");
        assert!(e.contains("endpoint") && e.contains("http(s)"), "{e}");
        // A local file still has no `timeout`.
        assert!(load("path = \"t.csv\"\ntimeout = \"5s\"").is_err());
        let d = load("path = \"tables/events\"\nformat = \"delta\"\nversion = 3").expect("valid");
        assert_eq!(d.sources[0].object.version, Some(3));
        assert_eq!(d.sources[0].format, Some(FileFormat::Delta));
    }

    #[test]
    fn redacts_signatures_and_passwords() {
        assert_eq!(redact("https://h/x.csv?X-Amz-Signature=abc&part=1"), "https://h/x.csv?X-Amz-Signature=***&part=1");
        assert_eq!(redact("s3://AKIA:secret@bucket/x.csv"), "s3://AKIA:***@bucket/x.csv");
        assert_eq!(secret_in_url("s3://bucket/x.csv"), None);
        assert_eq!(secret_in_url("az://c/x.csv?sv=1&sig=zzz").as_deref(), Some("az://c/x.csv?sv=1&sig=***"));
    }
}
