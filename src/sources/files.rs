//! File-system facts shared by file sources: which files a path names, their format, and who
//! may read or write them.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::SourceError;
use crate::profile::FileFormat;

/// Owner and permissions of a source's files (the worst of its parts).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FileAccess {
    pub owner: String,
    /// Octal, e.g. `0644`.
    pub mode: String,
    pub world_writable: bool,
    /// Files of the source that anyone on the machine may write.
    pub world_writable_files: Vec<String>,
}

pub fn guess_format(p: &Path) -> Option<FileFormat> {
    let name = p.to_string_lossy().to_ascii_lowercase();
    let name = name.trim_end_matches('/');
    if name.ends_with(".parquet") || name.ends_with(".pq") || name.ends_with(".parq") {
        return Some(FileFormat::Parquet);
    }
    for ext in [".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz"] {
        if name.ends_with(ext) {
            return Some(FileFormat::Csv);
        }
    }
    if p.is_dir() {
        // A directory of parts: its visible files decide, and only when they agree. Taking the
        // first file found would depend on the order the file system lists them in.
        let entries = fs::read_dir(p).ok()?;
        let mut formats = entries.flatten().filter_map(|e| {
            let q = e.path();
            if q.is_file() && !hidden(&q) { guess_format(&q) } else { None }
        });
        let first = formats.next()?;
        return formats.all(|f| f == first).then_some(first);
    }
    None
}

/// Files a directory scan leaves out: dotfiles and `_`-prefixed markers such as `_SUCCESS`.
fn hidden(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(['.', '_']))
}

/// The files a source path names: itself, the matches of a glob, or a directory's files of
/// the format, sorted so that parts are read in a stable order.
pub fn expand(path: &Path, written: &str, format: FileFormat) -> Result<Vec<PathBuf>, SourceError> {
    let text = path.to_string_lossy();
    if text.contains(['*', '?', '[']) {
        // As in a shell, `*` does not match a leading dot: `*.csv` leaves out `._x.csv`
        // (macOS metadata) and editors' lock files.
        let options = glob::MatchOptions { require_literal_leading_dot: true, ..glob::MatchOptions::new() };
        let paths = glob::glob_with(&text, options).map_err(|e| SourceError::Unreadable {
            path: written.to_string(),
            message: format!("invalid glob pattern: {e}"),
        })?;
        let mut files: Vec<PathBuf> = Vec::new();
        for p in paths {
            match p {
                Ok(p) if p.is_file() => files.push(p),
                Ok(_) => {}
                // A folder the glob cannot read may hold matches: scanning the rest would
                // report partial counts as if they were the whole source.
                Err(e) => return Err(io_error(&e.path().display().to_string(), e.path(), e.error())),
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(SourceError::NoFiles { pattern: written.to_string() });
        }
        return Ok(files);
    }
    let meta = fs::metadata(path).map_err(|e| io_error(written, path, &e))?;
    if meta.is_dir() {
        let mut files: Vec<PathBuf> = fs::read_dir(path)
            .map_err(|e| io_error(written, path, &e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && !hidden(p) && guess_format(p) == Some(format))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(SourceError::NoFiles { pattern: format!("{written}/*.{format}") });
        }
        return Ok(files);
    }
    Ok(vec![path.to_path_buf()])
}

/// Turns an I/O error into the source error a person can act on.
pub fn io_error(written: &str, path: &Path, e: &io::Error) -> SourceError {
    match e.kind() {
        io::ErrorKind::NotFound => SourceError::NotFound { path: written.to_string() },
        io::ErrorKind::PermissionDenied => {
            let detail = fs::metadata(path)
                .map(|m| format!(" (mode {:04o}, owner {})", m.mode() & 0o7777, owner_name(m.uid())))
                .unwrap_or_default();
            SourceError::PermissionDenied { path: written.to_string(), detail }
        }
        _ => SourceError::Unreadable { path: written.to_string(), message: e.to_string() },
    }
}

/// Owner and mode of the files; world-writable files are listed.
pub fn access(files: &[PathBuf]) -> Option<FileAccess> {
    let mut out: Option<FileAccess> = None;
    for f in files {
        let Ok(m) = fs::metadata(f) else { continue };
        let mode = m.mode() & 0o7777;
        let acc = out.get_or_insert_with(|| FileAccess {
            owner: owner_name(m.uid()),
            mode: format!("{mode:04o}"),
            ..FileAccess::default()
        });
        if mode & 0o002 != 0 {
            acc.world_writable = true;
            acc.mode = format!("{mode:04o}");
            acc.world_writable_files.push(f.display().to_string());
        }
    }
    out
}

/// Newest modification time of the files, in micros since the epoch.
pub fn modified(files: &[PathBuf]) -> Option<i64> {
    files
        .iter()
        .filter_map(|f| fs::metadata(f).ok()?.modified().ok())
        .filter_map(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_micros() as i64)
        .max()
}

/// The user name for a uid from /etc/passwd, or the number when it has none.
fn owner_name(uid: u32) -> String {
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id: u32 = f.nth(1)?.parse().ok()?;
            (id == uid).then(|| name.to_string())
        })
        .next()
        .unwrap_or_else(|| uid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_formats_by_name() {
        assert_eq!(guess_format(Path::new("a/b.csv")), Some(FileFormat::Csv));
        assert_eq!(guess_format(Path::new("a/b.CSV.gz")), Some(FileFormat::Csv));
        assert_eq!(guess_format(Path::new("x.parquet")), Some(FileFormat::Parquet));
        assert_eq!(guess_format(Path::new("x.xlsx")), None);
    }

    #[test]
    fn a_directory_of_mixed_formats_has_no_format() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("a.csv"), "x\n1\n").expect("write");
        fs::write(dir.path().join("_SUCCESS"), "").expect("write");
        fs::write(dir.path().join(".b.parquet"), "").expect("write");
        assert_eq!(guess_format(dir.path()), Some(FileFormat::Csv));
        fs::write(dir.path().join("b.parquet"), "").expect("write");
        assert_eq!(guess_format(dir.path()), None);
    }

    #[test]
    fn globs_skip_dotfiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["b.csv", "a.csv", "._a.csv"] {
            fs::write(dir.path().join(name), "x\n1\n").expect("write");
        }
        let files = expand(&dir.path().join("*.csv"), "*.csv", FileFormat::Csv).expect("matches");
        let names: Vec<_> = files.iter().filter_map(|f| f.file_name()?.to_str()).collect();
        assert_eq!(names, ["a.csv", "b.csv"]);
    }

    #[test]
    fn root_is_uid_zero() {
        assert_eq!(owner_name(0), "root");
    }
}
