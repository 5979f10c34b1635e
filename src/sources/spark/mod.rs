//! A minimal Spark Connect client: parses an `sc://` connection string, opens a gRPC channel
//! (plaintext on loopback, TLS for managed clusters, a bearer token from the profile's
//! `password_env` / `password_command`), runs one Spark SQL query per call and returns its
//! result as Arrow record batches. The measures themselves are the SQL push-down's
//! (`sql::dialect`, `Dialect::Spark`): this module only carries queries and results.

mod proto;

use std::time::Duration;

use arrow_array::RecordBatch;

/// Largest message accepted from the server: Spark cuts results into Arrow batches of about
/// 4 MiB (`spark.connect.grpc.arrow.maxBatchSize`), and tonic's default limit is 4 MiB exactly.
const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;

const EXECUTE_PLAN: &str = "/spark.connect.SparkConnectService/ExecutePlan";
const INTERRUPT: &str = "/spark.connect.SparkConnectService/Interrupt";

/// How long the interrupt of a timed-out query may take: the scan is already late.
const INTERRUPT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum SparkError {
    #[error("{0}")]
    BadUrl(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The server answered with an error: a failed job, an unknown table, a refused token.
    #[error("{0}")]
    Status(String),
    /// The connection broke or the server never answered in time.
    #[error("{0}")]
    Lost(String),
    #[error("cannot read the result: {0}")]
    Decode(String),
}

/// An `sc://host:port/;key=value;…` connection string, as the Spark Connect client
/// documentation defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnString {
    pub host: String,
    pub port: u16,
    /// `use_ssl=true`, or implied by a token: a bearer token never travels in plaintext.
    pub use_ssl: bool,
    pub token: Option<String>,
    pub user_id: Option<String>,
    /// Every other parameter, sent as a gRPC header (how managed clusters take a cluster id).
    pub headers: Vec<(String, String)>,
}

impl ConnString {
    pub fn parse(url: &str) -> Result<ConnString, SparkError> {
        let rest = url
            .strip_prefix("sc://")
            .ok_or_else(|| SparkError::BadUrl("a Spark Connect URL starts with `sc://`".into()))?;
        let (authority, params) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port = p.parse::<u16>().map_err(|_| SparkError::BadUrl(format!("`{p}` is not a port number")))?;
                (h.to_string(), port)
            }
            _ => (authority.to_string(), 15002),
        };
        if host.is_empty() {
            return Err(SparkError::BadUrl("the URL names no host (`sc://host:15002`)".into()));
        }
        let mut c = ConnString { host, port, use_ssl: false, token: None, user_id: None, headers: Vec::new() };
        for kv in params.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((k, v)) = kv.split_once('=') else {
                return Err(SparkError::BadUrl(format!("parameter `{}` has no `=value`", k_only(kv))));
            };
            match k {
                "token" => c.token = Some(v.to_string()),
                "use_ssl" => c.use_ssl = v.eq_ignore_ascii_case("true"),
                "user_id" => c.user_id = Some(v.to_string()),
                // Client-side settings of other clients; nothing to send.
                "user_agent" | "session_id" | "grpc_max_message_size" => {}
                _ => c.headers.push((k.to_ascii_lowercase(), v.to_string())),
            }
        }
        if c.token.is_some() {
            c.use_ssl = true;
        }
        Ok(c)
    }
}

/// The name of a parameter, without any value, for an error message.
fn k_only(kv: &str) -> &str {
    kv.split('=').next().unwrap_or(kv)
}

/// How to reach the server beyond the URL: the token the profile gave and a CA to trust.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub token: Option<String>,
    /// PEM of a CA certificate to trust besides the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Forces TLS (the profile's `tls.mode` above `disable`).
    pub tls: bool,
}

/// One Spark Connect session: the channel and the session id every request carries.
pub struct Client {
    grpc: tonic::client::Grpc<tonic::transport::Channel>,
    session_id: String,
    user_id: String,
    headers: Vec<(tonic::metadata::MetadataKey<tonic::metadata::Ascii>, tonic::metadata::AsciiMetadataValue)>,
    timeout: Duration,
    pub tls: bool,
    /// Bytes of Arrow data received, all queries together.
    pub bytes_received: u64,
}

impl Client {
    /// Opens the channel. Every call afterwards is bounded by `timeout`.
    pub async fn connect(url: &ConnString, opts: &ConnectOptions, timeout: Duration) -> Result<Client, SparkError> {
        let tls = url.use_ssl || opts.tls || opts.token.is_some();
        let token = opts.token.clone().or_else(|| url.token.clone());
        let scheme = if tls { "https" } else { "http" };
        let host = if url.host.contains(':') && !url.host.starts_with('[') {
            format!("[{}]", url.host)
        } else {
            url.host.clone()
        };
        let mut ep = tonic::transport::Endpoint::from_shared(format!("{scheme}://{host}:{}", url.port))
            .map_err(|e| SparkError::BadUrl(e.to_string()))?
            .connect_timeout(timeout.min(Duration::from_secs(30)))
            // No per-request `timeout` here: `stream` bounds each query itself, so that when
            // one runs out of time the client knows it and can interrupt it on the cluster.
            .tcp_nodelay(true);
        if tls {
            let mut cfg = tonic::transport::ClientTlsConfig::new()
                .with_native_roots()
                .domain_name(url.host.trim_start_matches('[').trim_end_matches(']').to_string());
            if let Some(pem) = &opts.ca_pem {
                cfg = cfg.ca_certificate(tonic::transport::Certificate::from_pem(pem));
            }
            ep = ep.tls_config(cfg).map_err(|e| SparkError::Connect(chain(&e)))?;
        }
        let channel = match tokio::time::timeout(timeout, ep.connect()).await {
            Ok(r) => r.map_err(|e| SparkError::Connect(chain(&e)))?,
            Err(_) => return Err(SparkError::Connect(format!("no answer within {}s", timeout.as_secs()))),
        };
        let grpc = tonic::client::Grpc::new(channel).max_decoding_message_size(MAX_MESSAGE_BYTES);
        let mut headers = Vec::new();
        if let Some(t) = token {
            let v = format!("Bearer {t}")
                .parse()
                .map_err(|_| SparkError::BadUrl("the token holds characters a header cannot carry".into()))?;
            headers.push((tonic::metadata::MetadataKey::from_static("authorization"), v));
        }
        for (k, v) in &url.headers {
            let key = tonic::metadata::MetadataKey::from_bytes(k.as_bytes())
                .map_err(|_| SparkError::BadUrl(format!("`{k}` cannot be a header name")))?;
            let value =
                v.parse().map_err(|_| SparkError::BadUrl(format!("the value of `{k}` cannot be a header value")))?;
            headers.push((key, value));
        }
        Ok(Client {
            grpc,
            session_id: new_session_id(),
            user_id: url.user_id.clone().unwrap_or_else(|| "preflight".into()),
            headers,
            timeout,
            tls,
            bytes_received: 0,
        })
    }

    /// Runs one query and hands each Arrow batch of its result to `each`, as it arrives;
    /// returns the number of rows.
    pub async fn stream(&mut self, query: &str, mut each: impl FnMut(RecordBatch)) -> Result<u64, SparkError> {
        let timeout = self.timeout;
        // The client names the operation, so that it can interrupt it if it runs out of time.
        let operation_id = new_session_id();
        let work = async {
            let req = proto::ExecutePlanRequest {
                session_id: self.session_id.clone(),
                user_context: Some(proto::UserContext {
                    user_id: self.user_id.clone(),
                    user_name: self.user_id.clone(),
                }),
                plan: Some(proto::Plan {
                    root: Some(proto::Relation { sql: Some(proto::Sql { query: query.to_string() }) }),
                }),
                client_type: Some(format!("preflight/{}", env!("CARGO_PKG_VERSION"))),
                operation_id: Some(operation_id.clone()),
            };
            let mut request = tonic::Request::new(req);
            for (k, v) in &self.headers {
                request.metadata_mut().insert(k.clone(), v.clone());
            }
            self.grpc.ready().await.map_err(|e| SparkError::Lost(chain(&e)))?;
            let codec = tonic_prost::ProstCodec::<proto::ExecutePlanRequest, proto::ExecutePlanResponse>::default();
            let path = http::uri::PathAndQuery::from_static(EXECUTE_PLAN);
            let mut stream = self.grpc.server_streaming(request, path, codec).await.map_err(status)?.into_inner();
            let mut rows = 0u64;
            while let Some(msg) = stream.message().await.map_err(status)? {
                let Some(batch) = msg.arrow_batch else { continue };
                self.bytes_received += batch.data.len() as u64;
                for b in decode(&batch.data)? {
                    rows += b.num_rows() as u64;
                    each(b);
                }
            }
            Ok(rows)
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => {
                // Dropping the call does not stop the job on the cluster: ask the server to.
                let stopped = match self.interrupt(&operation_id).await {
                    Ok(ids) if ids.contains(&operation_id) => "; the query was interrupted on the cluster".to_string(),
                    Ok(_) => "; the cluster had no such query running any more".to_string(),
                    Err(e) => format!("; interrupting it failed: {e}"),
                };
                Err(SparkError::Lost(format!(
                    "no result within {}s (the source's `timeout`){stopped}",
                    timeout.as_secs()
                )))
            }
        }
    }

    /// Asks the server to stop one operation; returns the ids it says it interrupted.
    async fn interrupt(&mut self, operation_id: &str) -> Result<Vec<String>, SparkError> {
        let req = proto::InterruptRequest {
            session_id: self.session_id.clone(),
            user_context: Some(proto::UserContext { user_id: self.user_id.clone(), user_name: self.user_id.clone() }),
            client_type: Some(format!("preflight/{}", env!("CARGO_PKG_VERSION"))),
            interrupt_type: proto::INTERRUPT_OPERATION_ID,
            operation_id: Some(operation_id.to_string()),
        };
        let mut request = tonic::Request::new(req);
        for (k, v) in &self.headers {
            request.metadata_mut().insert(k.clone(), v.clone());
        }
        let call = async {
            self.grpc.ready().await.map_err(|e| SparkError::Lost(chain(&e)))?;
            let codec = tonic_prost::ProstCodec::<proto::InterruptRequest, proto::InterruptResponse>::default();
            let path = http::uri::PathAndQuery::from_static(INTERRUPT);
            let r = self.grpc.unary(request, path, codec).await.map_err(status)?;
            Ok(r.into_inner().interrupted_ids)
        };
        match tokio::time::timeout(INTERRUPT_WAIT, call).await {
            Ok(r) => r,
            Err(_) => Err(SparkError::Lost(format!("no answer within {}s", INTERRUPT_WAIT.as_secs()))),
        }
    }

    /// Runs one query and returns its whole (small) result.
    pub async fn fetch(&mut self, query: &str) -> Result<Vec<RecordBatch>, SparkError> {
        let mut out = Vec::new();
        self.stream(query, |b| out.push(b)).await?;
        Ok(out)
    }
}

/// One Arrow IPC stream (a schema message, then batches) into record batches.
fn decode(data: &[u8]) -> Result<Vec<RecordBatch>, SparkError> {
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(data), None)
        .map_err(|e| SparkError::Decode(e.to_string()))?;
    reader.map(|b| b.map_err(|e| SparkError::Decode(e.to_string()))).collect()
}

/// A gRPC status as the report shows it: what Spark said, without the transport's wrapping.
fn status(s: tonic::Status) -> SparkError {
    let msg = s.message().trim();
    match s.code() {
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled | tonic::Code::Unknown
            if msg.is_empty() || msg.contains("transport") || msg.contains("connection") =>
        {
            SparkError::Lost(format!("connection lost: {}", if msg.is_empty() { s.code().description() } else { msg }))
        }
        tonic::Code::Unavailable => SparkError::Lost(format!("connection lost: {msg}")),
        _ => SparkError::Status(if msg.is_empty() { s.code().description().to_string() } else { msg.to_string() }),
    }
}

/// An error with its causes: tonic's own message is often just "transport error".
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// A session id in UUID form, as the server requires; unique per scan and process, which is
/// all it needs to be (it names a session, it guards nothing).
fn new_session_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut words = [0u64; 2];
    for (i, w) in words.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_usize(i);
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        *w = h.finish();
    }
    let hex = format!("{:016x}{:016x}", words[0], words[1]);
    // Version 4, variant 1 bits, so strict UUID parsers accept it.
    let mut b: Vec<char> = hex.chars().collect();
    if let Some(c) = b.get_mut(12) {
        *c = '4';
    }
    if let Some(c) = b.get_mut(16) {
        *c = ['8', '9', 'a', 'b'][(words[1] >> 60) as usize & 3];
    }
    let s: String = b.into_iter().collect();
    format!("{}-{}-{}-{}-{}", &s[0..8], &s[8..12], &s[12..16], &s[16..20], &s[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_parse_as_documented() {
        let c = ConnString::parse("sc://127.0.0.1:15002").unwrap();
        assert_eq!((c.host.as_str(), c.port, c.use_ssl, c.token.as_deref()), ("127.0.0.1", 15002, false, None));
        let c = ConnString::parse("sc://spark.example.com/;use_ssl=true;x-databricks-cluster-id=0101-abc").unwrap();
        assert_eq!(c.port, 15002);
        assert!(c.use_ssl);
        assert_eq!(c.headers, vec![("x-databricks-cluster-id".to_string(), "0101-abc".to_string())]);
        // A token implies TLS.
        let c = ConnString::parse("sc://h:443/;token=abc;user_id=etl").unwrap();
        assert!(c.use_ssl);
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.user_id.as_deref(), Some("etl"));
        assert!(ConnString::parse("sc://:15002").is_err());
        assert!(ConnString::parse("sc://h:port").is_err());
        assert!(ConnString::parse("sc://h/;token").is_err());
    }

    #[test]
    fn session_ids_are_uuids() {
        let id = new_session_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(id.chars().nth(14), Some('4'));
        assert_ne!(id, new_session_id());
    }
}
