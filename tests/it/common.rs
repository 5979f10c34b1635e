//! Shared helpers: run the built binary, read its JSON report, write temporary fixtures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The as-of time every test uses (STYLE.md: time is always fixed).
pub const AS_OF: &str = "2025-01-10T10:00:00Z";

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_preflight"));
    c.env_remove("NO_COLOR").env_remove("RUST_LOG");
    c
}

/// The crate root, for paths such as `profiles/demo.toml`.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `preflight` with these arguments from the crate root.
pub fn run(args: &[&str]) -> Output {
    bin().current_dir(root()).args(args).output().expect("the preflight binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `scan PROFILE --format json --as-of AS_OF --quiet`, returning the exit code and the report.
pub fn scan_json(profile: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let p = profile.to_string_lossy();
    let mut args = vec!["scan", p.as_ref(), "--format", "json", "--as-of", AS_OF, "--quiet"];
    args.extend_from_slice(extra);
    let o = run(&args);
    let code = o.status.code().unwrap_or(-1);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("scan printed no JSON ({e}); stderr:\n{}", stderr(&o)));
    (code, v)
}

/// The source object named `name` in a JSON report.
pub fn source<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no source `{name}` in the report"))
}

/// The column object named `name` in a source object.
pub fn column<'a>(source: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    source["columns"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no column `{name}` in source {}", source["name"]))
}

/// The finding with this id.
pub fn finding<'a>(report: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    report["findings"].as_array().and_then(|f| f.iter().find(|f| f["id"] == id))
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write a temporary fixture");
    p
}
