//! AWS's shared config and credentials files (`~/.aws/credentials`, `~/.aws/config`), the part
//! of the standard credential chain the object-store client does not read itself.

use std::collections::HashMap;
use std::path::PathBuf;

use object_store::aws::AmazonS3Builder;

/// What a named (or the default) profile of the shared files holds.
#[derive(Debug, Default, PartialEq)]
pub struct Shared {
    key_id: Option<String>,
    secret: Option<String>,
    token: Option<String>,
    region: Option<String>,
}

impl Shared {
    /// Adds the profile's settings to the builder where the environment did not set them:
    /// the environment comes first in the chain.
    pub fn apply(&self, mut b: AmazonS3Builder) -> AmazonS3Builder {
        let env = |k: &str| std::env::var_os(k).is_some();
        if !env("AWS_ACCESS_KEY_ID")
            && let (Some(k), Some(s)) = (&self.key_id, &self.secret)
        {
            b = b.with_access_key_id(k).with_secret_access_key(s);
            if let Some(t) = &self.token {
                b = b.with_token(t);
            }
        }
        if !env("AWS_REGION")
            && !env("AWS_DEFAULT_REGION")
            && let Some(r) = &self.region
        {
            b = b.with_region(r);
        }
        b
    }
}

fn home_file(var: &str, rel: &str) -> Option<PathBuf> {
    std::env::var_os(var).map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(rel)))
}

/// Sections of an INI file: `[name]` → key → value.
fn ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';']) || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.entry(current.clone()).or_default().insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

/// The profile named by the source's `credentials_profile`, else `AWS_PROFILE`, else `default`.
pub fn shared(named: Option<&str>) -> Option<Shared> {
    let profile =
        named.map(str::to_string).or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or_else(|| "default".into());
    let creds = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let config =
        home_file("AWS_CONFIG_FILE", ".aws/config").and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
    Some(from_texts(&profile, &creds, &config)).filter(|s| *s != Shared::default())
}

fn from_texts(profile: &str, creds: &str, config: &str) -> Shared {
    let creds = ini(creds);
    let config = ini(config);
    let c = creds.get(profile);
    // The config file names a profile `[profile x]`, except the default one.
    let cfg = config.get(&format!("profile {profile}")).or_else(|| config.get(profile));
    let get = |m: Option<&HashMap<String, String>>, k: &str| m.and_then(|m| m.get(k)).cloned();
    Shared {
        key_id: get(c, "aws_access_key_id").or_else(|| get(cfg, "aws_access_key_id")),
        secret: get(c, "aws_secret_access_key").or_else(|| get(cfg, "aws_secret_access_key")),
        token: get(c, "aws_session_token").or_else(|| get(cfg, "aws_session_token")),
        region: get(cfg, "region").or_else(|| get(c, "region")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_named_profile_from_both_files() {
        let creds = "[default]\naws_access_key_id = A\naws_secret_access_key = B\n[ci]\naws_access_key_id=C\naws_secret_access_key=D\n";
        let config = "[default]\nregion = eu-west-1\n[profile ci]\nregion = us-east-2\n";
        let s = from_texts("ci", creds, config);
        assert_eq!(s.key_id.as_deref(), Some("C"));
        assert_eq!(s.secret.as_deref(), Some("D"));
        assert_eq!(s.region.as_deref(), Some("us-east-2"));
        assert_eq!(from_texts("default", creds, config).region.as_deref(), Some("eu-west-1"));
        assert_eq!(from_texts("nope", creds, config), Shared::default());
    }
}
