//! One `[[sources]]` table: where the rows are (a path, a URL, an object store), the format,
//! the columns' roles, the connection's TLS and password, and the object-store options.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{SOURCE_KEYS, TLS_KEYS, Walker, get, join, threshold_keys};
use crate::profile::{ConnectSpec, FileFormat, Location, SourceSpec, Thresholds, TlsMode, TlsSpec, redact_url};

pub(super) fn source(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    path: &str,
    dir: &Path,
    defaults: &Thresholds,
) -> Option<SourceSpec> {
    let allowed: Vec<&str> = SOURCE_KEYS.iter().copied().chain(threshold_keys()).collect();
    w.unknown_keys(t, &allowed, path);
    let (line, _) = w.line_col(span);
    let name = match w.string(t, "name", path) {
        Some(n) if valid_name(n.get_ref()) => n.into_inner(),
        Some(n) => {
            w.problem(
                &n.span(),
                &join(path, "name"),
                format!("source name `{}` must be letters, digits, `_` or `-`", n.get_ref()),
                None,
            );
            n.into_inner()
        }
        None => {
            if get(t, "name").is_none() {
                w.problem(span, &join(path, "name"), "missing required key `name`".into(), None);
            }
            format!("source{}", path.trim_start_matches("sources"))
        }
    };
    let file = w.string(t, "path", path);
    let url = w.string(t, "url", path);
    // Spark reads files by path itself: `path` beside an `sc://` URL names what the cluster reads.
    let (file, cluster_path) = match (file, &url) {
        (Some(p), Some(u)) if u.get_ref().starts_with("sc://") => (None, Some(p.into_inner())),
        (f, _) => (f, None),
    };
    let location = match (file, url) {
        (Some(p), None) => {
            if p.get_ref().trim().is_empty() {
                w.problem(&p.span(), &join(path, "path"), "path is empty".into(), None);
            }
            // An object-store URL is not a file path: it is kept as written.
            let resolved: PathBuf = match crate::profile::is_object_url(p.get_ref()) {
                true => PathBuf::from(p.get_ref()),
                false => dir.join(p.get_ref()),
            };
            Location::Path { written: p.into_inner(), resolved }
        }
        (None, Some(u)) => {
            let url = u.get_ref().clone();
            let scheme = url.split("://").next().unwrap_or("");
            if !url.contains("://") || !["postgres", "postgresql", "mysql", "mariadb", "sqlite", "sc"].contains(&scheme)
            {
                w.problem(
                    &u.span(),
                    &join(path, "url"),
                    format!("`{}` is not a database URL this version reads", redact_url(&url)),
                    Some(
                        "expected `postgres://…`, `postgresql://…`, `mysql://…`, `mariadb://…`, `sqlite://…` or \
                         `sc://…` (Spark Connect)"
                            .into(),
                    ),
                );
            }
            Location::Url { redacted: redact_url(&url), url, base: dir.to_path_buf() }
        }
        (Some(p), Some(u)) => {
            w.problem(
                &u.span(),
                &join(path, "url"),
                "a source has either `path` or `url`, not both".into(),
                Some("keep `path` for a file or `url` for a database, and declare the other as its own source".into()),
            );
            Location::Path { resolved: dir.join(p.get_ref()), written: p.into_inner() }
        }
        (None, None) => {
            if get(t, "path").is_none() && get(t, "url").is_none() {
                w.problem(
                    span,
                    path,
                    format!("source `{name}` has neither `path` nor `url`"),
                    Some("add `path = \"data.csv\"` or `url = \"postgres://…\"`".into()),
                );
            }
            return None;
        }
    };
    let format = w.string(t, "format", path).and_then(|f| match f.get_ref().to_ascii_lowercase().as_str() {
        "csv" => Some(FileFormat::Csv),
        "parquet" => Some(FileFormat::Parquet),
        "delta" => Some(FileFormat::Delta),
        other => {
            w.problem(
                &f.span(),
                &join(path, "format"),
                format!("unknown format `{other}`"),
                Some("expected `csv`, `parquet` or `delta`".into()),
            );
            None
        }
    });
    let delimiter = w.string(t, "delimiter", path).and_then(|d| match d.get_ref().as_str() {
        "," => Some(b','),
        ";" => Some(b';'),
        "\t" | "tab" => Some(b'\t'),
        "|" => Some(b'|'),
        other => {
            w.problem(
                &d.span(),
                &join(path, "delimiter"),
                format!("unsupported delimiter `{other}`"),
                Some("expected \",\", \";\", \"\\t\" or \"|\"".into()),
            );
            None
        }
    });
    let table = w.string(t, "table", path).map(Spanned::into_inner);
    let query = w.string(t, "query", path).map(Spanned::into_inner);
    let password_env = w.string(t, "password_env", path).map(Spanned::into_inner);
    let timeout = match get(t, "timeout") {
        Some(v) => match w.duration(v, &join(path, "timeout")) {
            Some(0) => {
                w.problem(
                    &v.span(),
                    &join(path, "timeout"),
                    "timeout must be longer than 0s".into(),
                    Some("for example `timeout = \"5m\"`".into()),
                );
                None
            }
            other => other,
        },
        None => None,
    };
    let timestamp = w.named(t, "timestamp", path);
    let label = w.named(t, "label", path);
    let label_inputs = w.named_list(t, "label_inputs", path);
    if !label_inputs.is_empty()
        && label.is_none()
        && let Some(v) = get(t, "label_inputs")
    {
        w.problem(
            &v.span(),
            &join(path, "label_inputs"),
            "`label_inputs` needs a `label`: conflicts are rows whose inputs agree and labels differ".into(),
            Some("add `label = \"…\"` to this source".into()),
        );
    }
    let key = w.named(t, "key", path);
    let unique = w.boolean(t, "unique", path).unwrap_or(true);
    let required = w.named_list(t, "required", path);
    let pii = w.named_list(t, "pii", path);
    let columns = get(t, "columns").map(|_| w.named_list(t, "columns", path));
    let thresholds = w.thresholds(t, path, defaults);
    let mut connect = connect_spec(w, t, path, dir, &location);
    connect.cluster_path = cluster_path;
    let object = object_options(w, t, path);
    Some(SourceSpec {
        name,
        line,
        location,
        format,
        delimiter,
        table,
        query,
        password_env,
        timeout,
        timestamp,
        label,
        label_inputs,
        key,
        unique,
        required,
        pii,
        columns,
        thresholds,
        connect,
        object,
    })
}

/// `tls` and `password_command`: only for server databases; the files `tls` names must exist.
fn connect_spec(w: &mut Walker<'_>, t: &DeTable<'_>, path: &str, dir: &Path, location: &Location) -> ConnectSpec {
    let server = matches!(location, Location::Url { url, .. } if !url.starts_with("sqlite:"));
    let mut spec = ConnectSpec::default();
    if let Some(v) = get(t, "tls") {
        let key = join(path, "tls");
        if !server {
            w.problem(
                &v.span(),
                &key,
                "`tls` applies to PostgreSQL, MySQL/MariaDB and Spark Connect sources only".into(),
                None,
            );
        }
        match v.get_ref() {
            DeValue::Table(tt) => {
                w.unknown_keys(tt, TLS_KEYS, &key);
                let mut tls = TlsSpec::default();
                if let Some(m) = w.string(tt, "mode", &key) {
                    tls.mode = TlsMode::parse(m.get_ref());
                    if tls.mode.is_none() {
                        w.problem(
                            &m.span(),
                            &join(&key, "mode"),
                            format!("unknown TLS mode `{}`", m.get_ref()),
                            Some(
                                "expected `disable`, `prefer`, `require`, `verify-ca` or `verify-full` \
                                 (MySQL's `DISABLED` … `VERIFY_IDENTITY` also work)"
                                    .into(),
                            ),
                        );
                    }
                }
                for (name, slot) in [("ca", &mut tls.ca), ("cert", &mut tls.cert), ("key", &mut tls.key)] {
                    let Some(p) = w.string(tt, name, &key) else { continue };
                    let resolved = dir.join(p.get_ref());
                    if !resolved.is_file() {
                        w.problem(
                            &p.span(),
                            &join(&key, name),
                            format!("`{}` is not a file (looked for {})", p.get_ref(), resolved.display()),
                            Some("paths in `tls` are relative to the profile's folder".into()),
                        );
                    }
                    *slot = Some(resolved);
                }
                if tls.cert.is_some() != tls.key.is_some() {
                    w.problem(
                        &v.span(),
                        &key,
                        "`cert` and `key` go together: a client certificate needs its key".into(),
                        None,
                    );
                }
                spec.tls = Some(tls);
            }
            other => w.problem(
                &v.span(),
                &key,
                format!("expected a table, found {}", other.type_str()),
                Some("for example `tls = { mode = \"verify-full\", ca = \"certs/root.pem\" }`".into()),
            ),
        }
    }
    if let Some(v) = get(t, "password_command") {
        let key = join(path, "password_command");
        if !server {
            w.problem(
                &v.span(),
                &key,
                "`password_command` applies to PostgreSQL, MySQL/MariaDB and Spark Connect sources only".into(),
                None,
            );
        }
        if let Some(argv) = w.string_list(t, "password_command", path) {
            if argv.first().is_none_or(|a| a.get_ref().trim().is_empty()) {
                w.problem(
                    &v.span(),
                    &key,
                    "`password_command` needs a program to run".into(),
                    Some("for example `password_command = [\"aws\", \"rds\", \"generate-db-auth-token\", …]`".into()),
                );
            }
            spec.password_command = Some(argv.into_iter().map(Spanned::into_inner).collect());
        }
        if get(t, "password_env").is_some() {
            w.problem(&v.span(), &key, "a source takes `password_env` or `password_command`, not both".into(), None);
        }
    }
    spec
}

/// `region`, `endpoint` and `credentials_profile` of an object-store source.
fn object_options(w: &mut Walker<'_>, t: &DeTable<'_>, path: &str) -> crate::profile::ObjectOptions {
    let region = w.string(t, "region", path).map(Spanned::into_inner);
    let credentials_profile = w.string(t, "credentials_profile", path).map(Spanned::into_inner);
    let endpoint = w.string(t, "endpoint", path).and_then(|e| {
        let text = e.get_ref().clone();
        if !(text.starts_with("http://") || text.starts_with("https://")) {
            w.problem(
                &e.span(),
                &join(path, "endpoint"),
                format!("endpoint `{}` is not an http(s) URL", redact_url(&text)),
                Some("for example `endpoint = \"https://s3.eu-west-1.amazonaws.com\"`".into()),
            );
            return None;
        }
        Some(text)
    });
    let version =
        get(t, "version").and_then(|v| w.count(v, &join(path, "version"))).and_then(|v| i64::try_from(v).ok());
    // Delta time travel by commit time: an RFC 3339 time with its offset, as `--as-of`.
    let as_of = w.string(t, "as_of", path).and_then(|s| match chrono::DateTime::parse_from_rfc3339(s.get_ref()) {
        Ok(d) if version.is_none() => Some(d.timestamp_millis()),
        Ok(_) => {
            w.problem(&s.span(), &join(path, "as_of"), "a source takes `version` or `as_of`, not both".into(), None);
            None
        }
        Err(e) => {
            w.problem(
                &s.span(),
                &join(path, "as_of"),
                format!("`{}` is not an RFC 3339 time ({e})", s.get_ref()),
                Some("for example `as_of = \"2026-01-01T00:00:00Z\"`".into()),
            );
            None
        }
    });
    crate::profile::ObjectOptions { region, endpoint, credentials_profile, version, as_of }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
