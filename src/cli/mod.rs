//! The command line: parses arguments, runs a command, writes its output and decides the exit
//! code. The only place that reads the clock, the terminal and the environment.

mod adhoc;
mod progress;
mod signals;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};

use crate::history::{self, History, HistoryError};
use crate::profile::{Location, Problem, Profile, ProfileError, did_you_mean};
use crate::report::history::{HistoryFormat, HistoryReport};
use crate::report::{self, Format, Report};
use crate::scan::{ScanOptions, scan};
use crate::sources::{self, Progress};
use crate::stats::timestamp::parse_timestamp;
use crate::verdict::Severity;

/// Exit codes of DESIGN §1.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(name = "preflight", version, about = "Is the pilot's data clean, permissioned and current?")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan every source of a profile and answer the checklist row.
    Scan(ScanArgs),
    /// Validate a profile and its sources' columns, listing every problem at once.
    Check {
        /// The profile (TOML).
        profile: PathBuf,
    },
    /// Ad-hoc scan without a profile: detects timestamp, label and key columns and says why.
    Profile(adhoc::ProfileArgs),
    /// Write a commented starter profile for these sources (to stdout, or `--out P`).
    Init(adhoc::InitArgs),
    /// The trend of past scans kept by `scan --history`: verdicts and main measures over time.
    History(HistoryArgs),
    /// What a measure means, why it matters, how it is computed and which profile keys set it.
    Explain {
        /// A measure (`staleness`), a checklist part (`labeled`) or a finding id; none lists them.
        measure: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// The profile (TOML).
    pub profile: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    /// Keep this scan in a SQLite history file (created if missing) and judge it against the
    /// earlier scans there: adds the `trend` part to the report.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Exit 1 as well when the go/no-go review is not ready: three or more rows fail, or rows
    /// are still unknown.
    #[arg(long)]
    pub require_review: bool,
}

/// The history file `preflight history` reads when `--history` is not given.
pub const DEFAULT_HISTORY: &str = "preflight-history.sqlite";

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The history file that `scan --history` writes.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_HISTORY)]
    pub history: PathBuf,
    /// Only the scans of this profile (the pilot's `name`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: HistoryFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// How a scan runs and where its report goes: shared by `scan` and `profile`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Output format; repeat with `--out` to write several.
    #[arg(long = "format", value_enum)]
    pub formats: Vec<Format>,
    /// Where to write each `--format`, in the same order; a format without one goes to stdout.
    #[arg(long = "out")]
    pub outs: Vec<PathBuf>,
    /// The time the scan judges ages against (RFC 3339); defaults to now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Exit 1 on WARN as well as on FAIL.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A failure that stops the command before a verdict: printed, then exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub hint: Option<String>,
}

fn usage(message: impl Into<String>, hint: Option<String>) -> anyhow::Error {
    anyhow!(UsageError { message: message.into(), hint })
}

/// Runs the command and returns the exit code; errors are exit code 2.
pub fn run(cli: Cli) -> Result<i32> {
    signals::install();
    match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Check { profile } => run_check(&profile),
        Command::Profile(args) => adhoc::run_profile(&args),
        Command::Init(args) => adhoc::run_init(&args),
        Command::History(args) => run_history(&args),
        Command::Explain { measure } => run_explain(measure.as_deref()),
    }
}

/// Loads a profile; an invalid one is a usage error, with a pointer to `check` unless that is
/// the command already running.
fn load(path: &Path, from_check: bool) -> Result<Profile> {
    Profile::load(path).map_err(|e| match e {
        ProfileError::Invalid { .. } => {
            let hint =
                (!from_check).then(|| format!("`preflight check {}` lists every problem at once", path.display()));
            anyhow!(e).context(UsageError { message: format!("invalid profile `{}`", path.display()), hint })
        }
        ProfileError::Io { .. } => anyhow!(UsageError { message: e.to_string(), hint: None }),
    })
}

fn run_scan(args: &ScanArgs) -> Result<i32> {
    let formats = output_formats(&args.run.formats, &args.run.outs)?;
    check_outs(&args.run.outs)?;
    let jobs = parse_jobs(args.run.jobs)?;
    let as_of = parse_as_of(args.run.as_of.as_deref())?;
    let profile = load(&args.profile, false)?;
    // Opened before scanning, so that an unusable history file stops the run at once.
    let mut history = args.history.as_deref().map(History::open).transpose().map_err(history_error)?;
    let mut report = scan_with_progress(&profile, as_of, jobs, args.run.quiet)?;
    if let Some(h) = &mut history {
        // Monitoring is read before this scan is stored, so the scan never evidences itself.
        let monitoring = monitoring(h, &profile, as_of).map_err(history_error)?;
        report.readiness = crate::verdict::readiness::evaluate(&profile, &report.checklist, Some(&monitoring));
        history::judge_and_record(h, &mut report, &profile.trend).map_err(history_error)?;
    }
    if let Some(h) = history {
        h.close();
    }
    write_outputs(&report, &formats, &args.run.outs)?;
    // The summary is a courtesy of the CI: failing to write it must not change the verdict's
    // exit code, so it is a warning.
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        && let Err(e) = append_step_summary(Path::new(&path), &report)
    {
        let _ = writeln!(io::stderr().lock(), "warning: {e:#}");
    }
    let code = exit_code(report.verdict, args.run.strict);
    if args.require_review && !report.readiness.is_ready() {
        return Ok(EXIT_FAIL);
    }
    Ok(code)
}

/// The earlier scans of this profile within `[review] monitoring_window` before `as_of`.
fn monitoring(
    h: &mut History,
    profile: &Profile,
    as_of: i64,
) -> Result<crate::verdict::readiness::Monitoring, HistoryError> {
    let window = profile.review.monitoring_window;
    let since = as_of.saturating_sub(window.saturating_mul(1_000_000));
    let recent: Vec<_> =
        h.before(&profile.pilot.name, as_of)?.into_iter().filter(|s| s.as_of_micros >= since).collect();
    Ok(crate::verdict::readiness::Monitoring {
        history: h.path().display().to_string(),
        window_secs: window,
        recent_scans: recent.len(),
        latest: recent.last().map(|s| s.as_of.clone()),
    })
}

/// Appends the Markdown report to GitHub's step summary, trimmed under its 1 MiB limit.
fn append_step_summary(path: &Path, report: &Report) -> Result<()> {
    let mut text = Vec::new();
    report::markdown::render(report, &mut text)?;
    let text = report::github::step_summary(&String::from_utf8_lossy(&text), report::github::STEP_SUMMARY_LIMIT);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot append to the step summary `{}`", path.display()))?;
    f.write_all(text.as_bytes()).with_context(|| format!("cannot append to the step summary `{}`", path.display()))?;
    Ok(())
}

/// A history file that cannot be opened, read or written stops the command (exit code 2).
fn history_error(e: HistoryError) -> anyhow::Error {
    let hint = e.hint();
    anyhow!(UsageError { message: e.to_string(), hint })
}

fn run_history(args: &HistoryArgs) -> Result<i32> {
    let mut h = History::open_existing(&args.history).map_err(history_error)?;
    if let Some(name) = &args.profile {
        let names = h.profiles().map_err(history_error)?;
        if !names.contains(name) {
            let hint = match did_you_mean(name, names.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => "the history holds no scan yet".to_string(),
                None => format!("profiles in this history: {}", list(&names)),
            };
            return Err(usage(
                format!("no scan of profile `{name}` in history `{}`", args.history.display()),
                Some(hint),
            ));
        }
    }
    let scans = h.scans(args.profile.as_deref()).map_err(history_error)?;
    h.close();
    let view = HistoryReport { history: args.history.display().to_string(), scans };
    match &args.out {
        Some(path) => write_file(path, |w| report::history::render(&view, args.format, w))?,
        None => {
            let mut out = io::stdout().lock();
            report::history::render(&view, args.format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(EXIT_OK)
}

/// The formats to render (text when none is given), checked against the `--out` paths: the
/// n-th `--out` takes the n-th format, and at most one format is left for stdout.
pub(crate) fn output_formats(formats: &[Format], outs: &[PathBuf]) -> Result<Vec<Format>> {
    let formats = if formats.is_empty() { vec![Format::Text] } else { formats.to_vec() };
    if outs.len() > formats.len() {
        return Err(usage(
            format!("{} `--out` paths for {} `--format`", outs.len(), formats.len()),
            Some("give one `--format` per `--out`, in the same order".into()),
        ));
    }
    if formats.len() - outs.len() > 1 {
        return Err(usage(
            "more than one format would go to stdout",
            Some("give each format but one an `--out PATH`".into()),
        ));
    }
    Ok(formats)
}

/// `--jobs`, defaulting to the number of cores.
pub(crate) fn parse_jobs(jobs: Option<usize>) -> Result<usize> {
    if jobs == Some(0) {
        return Err(usage("`--jobs 0`: expected at least 1 worker", None));
    }
    Ok(jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())))
}

/// `--as-of`, defaulting to now: the only place the scan's time comes from the clock.
pub(crate) fn parse_as_of(text: Option<&str>) -> Result<i64> {
    match text {
        Some(s) => parse_timestamp(s.trim()).map(|p| p.micros).ok_or_else(|| {
            usage(format!("`--as-of {s}` is not a timestamp"), Some("use RFC 3339, e.g. `2025-01-10T10:00:00Z`".into()))
        }),
        None => Ok(now_micros()),
    }
}

/// Scans with a progress bar per source on a terminal's stderr (none under `--quiet`).
pub(crate) fn scan_with_progress(profile: &Profile, as_of: i64, jobs: usize, quiet: bool) -> Result<Report> {
    let progress: Vec<Arc<Progress>> = profile.sources.iter().map(|_| Arc::default()).collect();
    let bars = (!quiet && io::stderr().is_terminal()).then(|| {
        let names: Vec<String> = profile.sources.iter().map(|s| s.name.clone()).collect();
        progress::Bars::start(names, progress.clone())
    });
    let result = scan(profile, &ScanOptions { as_of, jobs, progress });
    if let Some(b) = bars {
        b.finish();
    }
    Ok(result?)
}

/// Writes each format to its `--out` path, the one left over to stdout (coloured on a terminal
/// unless `NO_COLOR` is set).
pub(crate) fn write_outputs(report: &Report, formats: &[Format], outs: &[PathBuf]) -> Result<()> {
    let mut outs = outs.iter();
    for &format in formats {
        match outs.next() {
            Some(path) => write_file(path, |w| render(report, format, w, false))?,
            None => {
                let color = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                let mut out = io::stdout().lock();
                render(report, format, &mut out, color)?;
                out.flush()?;
            }
        }
    }
    Ok(())
}

/// Prints a measure's documentation, or the list of measures; an unknown one is a usage error.
fn run_explain(measure: Option<&str>) -> Result<i32> {
    let text = match measure {
        None => crate::explain::list(),
        Some(m) => match crate::explain::topic(m) {
            Some(t) => t.doc.to_string(),
            None => {
                let hint = match did_you_mean(m, crate::explain::words()) {
                    Some(s) => format!("did you mean `{s}`? `preflight explain` lists the measures"),
                    None => "`preflight explain` lists the measures".to_string(),
                };
                return Err(usage(format!("unknown measure `{m}`"), Some(hint)));
            }
        },
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(EXIT_OK)
}

/// Exit code of a verdict (DESIGN §1).
pub fn exit_code(verdict: Severity, strict: bool) -> i32 {
    match verdict {
        Severity::Fail => EXIT_FAIL,
        Severity::Warn if strict => EXIT_FAIL,
        _ => EXIT_OK,
    }
}

fn render(report: &Report, format: Format, out: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        Format::Text => report::terminal::render(report, out, color),
        Format::Json => report::json::render(report, out),
        Format::Markdown => report::markdown::render(report, out),
        Format::Html => report::html::render(report, out),
        Format::Junit => report::junit::render(report, out),
        Format::Csv => report::csv::render(report, out),
        Format::Github => report::github::render(report, out),
        Format::Gitlab => report::gitlab::render(report, out),
    }
}

/// Writes through a temporary file and renames, so a reader never sees half a report. A path
/// that exists and is not a regular file (`/dev/stdout`, `/dev/null`, a FIFO) is written as is:
/// renaming over it would replace the device.
fn write_file(path: &Path, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let direct = || -> io::Result<()> {
            let mut w = io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
            f(&mut w)?;
            w.flush()
        };
        return direct().with_context(|| format!("cannot write `{}`", path.display()));
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    signals::temporary(&tmp);
    let write = || -> io::Result<()> {
        let mut w = io::BufWriter::new(std::fs::File::create(&tmp)?);
        f(&mut w)?;
        w.flush()?;
        drop(w);
        std::fs::rename(&tmp, path)
    };
    let written = write();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    signals::done(&tmp);
    written.with_context(|| format!("cannot write `{}`", path.display()))
}

/// Refuses `--out` paths whose folder is missing or cannot be written, before any source is
/// read: a scan of an hour must not end in "cannot write". See: issue 18.
pub(crate) fn check_outs(outs: &[PathBuf]) -> Result<()> {
    for out in outs {
        if std::fs::metadata(out).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        let folder = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let shown = folder.display();
        let problem = match std::fs::metadata(&folder) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Some(format!("its folder `{shown}` does not exist")),
            Err(e) => Some(format!("its folder `{shown}` cannot be read: {e}")),
            Ok(m) if !m.is_dir() => Some(format!("`{shown}` is not a folder")),
            Ok(_) if !writable(&folder) => {
                Some(format!("its folder `{shown}` is read-only: {}", io::Error::last_os_error()))
            }
            Ok(_) => None,
        };
        if let Some(p) = problem {
            return Err(anyhow!(p).context(UsageError {
                message: format!("cannot write `{}`", out.display()),
                hint: Some("create the folder, or choose another `--out`; nothing was scanned".into()),
            }));
        }
    }
    Ok(())
}

/// Whether this process may create files in `folder` (permissions and read-only mounts alike).
fn writable(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else { return false };
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

fn run_check(path: &Path) -> Result<i32> {
    let profile = load(path, true)?;
    let problems = column_problems(&profile);
    if !problems.is_empty() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let e = ProfileError::Invalid { path: path.to_path_buf(), text, problems };
        return Err(anyhow!(e).context(UsageError {
            message: format!("profile `{}` does not match its sources", path.display()),
            hint: None,
        }));
    }
    println!(
        "profile `{}` is valid: {} source{}, {} entit{}",
        path.display(),
        profile.sources.len(),
        if profile.sources.len() == 1 { "" } else { "s" },
        profile.entities.len(),
        if profile.entities.len() == 1 { "y" } else { "ies" }
    );
    Ok(EXIT_OK)
}

/// Columns the profile names that its sources do not have, and sources that cannot be opened.
pub fn column_problems(profile: &Profile) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut known: Vec<(&str, Vec<String>)> = Vec::new();
    for (i, spec) in profile.sources.iter().enumerate() {
        let source = sources::open(spec);
        let columns = match source.columns() {
            Ok(c) => c,
            Err(e) => {
                let key = match spec.location {
                    Location::Path { .. } => "path",
                    Location::Url { .. } => "url",
                };
                problems.push(Problem {
                    line: spec.line,
                    col: 1,
                    key: format!("sources[{i}].{key}"),
                    message: format!("source `{}`: {e}", spec.name),
                    hint: None,
                });
                continue;
            }
        };
        for (what, named) in spec.named_columns() {
            if columns.contains(&named.name) {
                continue;
            }
            let hint = match did_you_mean(&named.name, columns.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("`{}` has columns {}", spec.name, list(&columns)),
            };
            problems.push(Problem {
                line: named.line,
                col: named.col,
                key: format!("sources[{i}].{what}"),
                message: format!(
                    "{} column `{}` is not in source `{}`",
                    if what == "columns" { "listed" } else { what },
                    named.name,
                    spec.name
                ),
                hint: Some(hint),
            });
        }
        known.push((spec.name.as_str(), columns));
    }
    // Entities name columns as `source.column`; the entity's table is where they are written.
    for (j, e) in profile.entities.iter().enumerate() {
        let named = e
            .keys
            .iter()
            .map(|k| ("keys", k))
            .chain(e.compare.iter().flat_map(|(a, b)| [("compare", a), ("compare", b)]));
        for (what, (source, column)) in named {
            let Some((_, columns)) = known.iter().find(|(n, _)| n == source) else { continue };
            if columns.contains(column) {
                continue;
            }
            let hint = match did_you_mean(column, columns.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{source}.{s}`?"),
                None => format!("`{source}` has columns {}", list(columns)),
            };
            problems.push(Problem {
                line: e.line,
                col: 1,
                key: format!("entities[{j}].{what}"),
                message: format!("entity `{}`: column `{column}` is not in source `{source}`", e.name),
                hint: Some(hint),
            });
        }
    }
    problems
}

fn list(columns: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut s: Vec<String> = columns.iter().take(SHOWN).map(|c| format!("`{c}`")).collect();
    if columns.len() > SHOWN {
        s.push(format!("and {} more", columns.len() - SHOWN));
    }
    s.join(", ")
}

/// Prints an error the way STYLE.md shows: the error, its causes, then a hint.
pub fn print_error(err: &anyhow::Error) {
    let mut stderr = io::stderr().lock();
    // A `UsageError` attached with `.context(…)` is found by downcasting the error itself: the
    // chain shows it wrapped in anyhow's context type, which `downcast_ref` on a cause misses.
    let mut hint = err.downcast_ref::<UsageError>().and_then(|u| u.hint.clone());
    let mut first = true;
    for cause in err.chain() {
        if let Some(u) = cause.downcast_ref::<UsageError>() {
            hint = hint.or(u.hint.clone());
        }
        let text = cause.to_string();
        if first {
            let _ = writeln!(stderr, "error: {text}");
            first = false;
        } else {
            let _ = writeln!(stderr, "  Caused by: {}", text.replace('\n', "\n  "));
        }
    }
    if let Some(h) = hint {
        let _ = writeln!(stderr, "\nhint: {h}");
    }
}
