//! The quick-start commands, for a team without a profile yet. `preflight profile SOURCE...`
//! detects each source's timestamp, label and key columns, says what it chose and why, and scans
//! with the default thresholds; `preflight init SOURCE...` writes the same choices, with
//! thresholds suggested from the data, as a commented starter profile.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, anyhow};

use super::{
    EXIT_OK, RunArgs, UsageError, column_problems, exit_code, output_formats, parse_as_of, parse_jobs,
    scan_with_progress, usage, write_file, write_outputs,
};
use crate::detect::{self, Choice, Detection, MIN_REQUIRED_PRESENT};
use crate::fmt::percent;
use crate::measures::{SourceReport, Status};
use crate::profile::{
    DEFAULT_PLACEHOLDERS, Location, Named, Pilot, Profile, Review, SourceSpec, Thresholds, TrendSettings, redact_url,
    url_has_password,
};
use crate::report::Report;
use crate::scan::{ScanOptions, display_path, scan};
use crate::sources::{self, CollectCtx, SourceError};
use crate::stats::StatsRequest;

/// `preflight profile SOURCE...`: the flags are `scan`'s, less the profile.
#[derive(clap::Args, Debug)]
pub struct ProfileArgs {
    /// CSV or Parquet files, globs (`data/*.parquet`) or directories of parts.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `preflight init SOURCE... [--out P]`.
#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// CSV or Parquet files, globs (`data/*.parquet`) or directories of parts.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Where to write the profile (default: stdout); its paths are relative to this file's folder.
    #[arg(long, value_name = "P")]
    pub out: Option<PathBuf>,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    pub force: bool,
    /// The time ages are measured at for the suggestions (RFC 3339); defaults to now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Worker threads (default: number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Nothing on stderr: neither the choices nor the summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A source named on the command line, with what the first pass found in it.
struct Detected {
    spec: SourceSpec,
    rows: u64,
    columns: usize,
    /// `None` when the source could not be read: the scan reports why.
    detection: Option<Detection>,
    error: Option<String>,
}

pub fn run_profile(args: &ProfileArgs) -> Result<i32> {
    let formats = output_formats(&args.run.formats, &args.run.outs)?;
    super::check_outs(&args.run.outs)?;
    let jobs = parse_jobs(args.run.jobs)?;
    let as_of = parse_as_of(args.run.as_of.as_deref())?;
    let specs = specs(&args.sources)?;
    let detected = detect_all(specs, as_of, jobs, false)?;
    print_choices(&detected);
    if !args.run.quiet {
        let words: Vec<String> = args.sources.iter().map(|s| shell_word(s)).collect();
        eprintln!(
            "hint: `preflight init {} --out preflight.toml` writes these choices into a profile you can edit\n",
            words.join(" ")
        );
    }
    let profile = profile("ad-hoc", detected.into_iter().map(|d| d.spec).collect());

    let report = scan_with_progress(&profile, as_of, jobs, args.run.quiet)?;
    write_outputs(&report, &formats, &args.run.outs)?;
    Ok(exit_code(report.verdict, args.run.strict))
}

pub fn run_init(args: &InitArgs) -> Result<i32> {
    if let Some(out) = &args.out
        && !args.force
        && std::fs::symlink_metadata(out).is_ok()
    {
        return Err(usage(
            format!("`{}` already exists", out.display()),
            Some("pass `--force` to overwrite it, or choose another `--out`".into()),
        ));
    }
    super::check_outs(args.out.as_slice())?;
    let jobs = parse_jobs(args.jobs)?;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let specs = specs(&args.sources)?;
    let detected = detect_all(specs, as_of, jobs, true)?;
    if !args.quiet {
        print_choices(&detected);
    }
    let name = detected.first().map_or_else(|| "ad-hoc".to_string(), |d| d.spec.name.clone());
    let specs: Vec<SourceSpec> = detected.iter().map(|d| d.spec.clone()).collect();
    let report = scan(&profile(&name, specs), &ScanOptions { as_of, jobs, progress: Vec::new() })?;

    // Paths are written relative to the profile's folder, or to the current one for stdout; the
    // text is validated as if read from where it will live.
    let base = args.out.as_ref().map(|o| folder_of(o));
    let at = args.out.clone().unwrap_or_else(|| PathBuf::from("preflight.toml"));
    let text = starter(&name, &detected, &report, base.as_deref());
    let problems = match Profile::from_str(&at, &text) {
        Ok(p) => column_problems(&p),
        Err(e) => e.problems().to_vec(),
    };
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| format!("line {}: {}", p.line, p.message)).collect();
        return Err(anyhow!(UsageError {
            message: format!("the starter profile did not validate (a bug in preflight): {}", list.join("; ")),
            hint: None,
        }));
    }
    match &args.out {
        Some(out) => {
            write_file(out, |w| w.write_all(text.as_bytes()))?;
            if !args.quiet {
                let p = out.display();
                eprintln!(
                    "wrote `{p}` ({} source{}); edit the pilot's name and owner, then run `preflight check {p}` \
                     and `preflight scan {p}`",
                    detected.len(),
                    if detected.len() == 1 { "" } else { "s" }
                );
            }
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(EXIT_OK)
}

/// One source spec per argument, named after its file (deduplicated), with default thresholds.
/// URLs are refused: this version reads files only.
fn specs(args: &[String]) -> Result<Vec<SourceSpec>> {
    let mut out: Vec<SourceSpec> = Vec::new();
    for arg in args {
        if arg.contains("://") && !crate::profile::is_object_url(arg) {
            let spec = url_spec(arg, &out)?;
            if !out.iter().any(|s| written(s) == written(&spec)) {
                out.push(spec);
            }
            continue;
        }
        if out.iter().any(|s| matches!(&s.location, Location::Path { written, .. } if written == arg)) {
            continue;
        }
        let stem = source_name(arg);
        let mut name = stem.clone();
        let mut n = 2;
        while out.iter().any(|s| s.name == name) {
            name = format!("{stem}-{n}");
            n += 1;
        }
        out.push(bare_spec(name, Location::Path { written: arg.clone(), resolved: PathBuf::from(arg) }, None));
    }
    Ok(out)
}

/// A database source from `URL#table`, named after the table. A password inside the URL is
/// refused: it would end up in shell history and in a written profile.
fn url_spec(arg: &str, taken: &[SourceSpec]) -> Result<SourceSpec> {
    let (url, table) = match arg.rsplit_once('#') {
        Some((u, t)) if !t.trim().is_empty() => (u, t.trim()),
        _ => {
            return Err(usage(
                format!("`{}`: no table named", redact_url(arg)),
                Some("name it after `#`, e.g. `postgres://host/crm#customers` or `sqlite://crm.db#customers`".into()),
            ));
        }
    };
    if url_has_password(url) {
        return Err(usage(
            format!("`{}`: a password inside the URL", redact_url(url)),
            Some("leave it out and set PGPASSWORD (PostgreSQL) or MYSQL_PWD (MySQL) instead".into()),
        ));
    }
    let stem: String =
        table.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let mut name = stem.clone();
    let mut n = 2;
    while taken.iter().any(|s| s.name == name) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    let location = Location::Url { url: url.to_string(), redacted: redact_url(url), base: PathBuf::from(".") };
    Ok(bare_spec(name, location, Some(table.to_string())))
}

/// A source with nothing chosen yet and default thresholds: detection fills it in.
fn bare_spec(name: String, location: Location, table: Option<String>) -> SourceSpec {
    SourceSpec {
        name,
        line: 0,
        location,
        format: None,
        delimiter: None,
        table,
        query: None,
        password_env: None,
        timestamp: None,
        label: None,
        label_inputs: Vec::new(),
        key: None,
        unique: true,
        required: Vec::new(),
        pii: Vec::new(),
        columns: None,
        thresholds: Thresholds::default(),
        timeout: None,
        connect: Default::default(),
        object: Default::default(),
    }
}

/// A source name from a path: the file's stem (`tickets.csv.gz` → `tickets`), a directory's
/// name, or for a glob the folder it searches; in the letters a profile allows.
fn source_name(arg: &str) -> String {
    let path = Path::new(arg);
    let fixed: PathBuf =
        path.components().take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '['])).collect();
    let globbed = fixed.as_os_str().len() < path.as_os_str().len();
    let base = if globbed { fixed } else { path.to_path_buf() };
    let mut name = match base.components().next_back() {
        Some(Component::Normal(n)) => n.to_string_lossy().into_owned(),
        _ => std::path::absolute(&base)
            .ok()
            .and_then(|p| p.canonicalize().ok())
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
    };
    if !globbed && !base.is_dir() {
        if let Some(s) = name.strip_suffix(".gz") {
            name = s.to_string();
        }
        for ext in [".csv", ".tsv", ".txt", ".parquet", ".pq", ".parq"] {
            if name.to_ascii_lowercase().ends_with(ext) {
                name.truncate(name.len() - ext.len());
                break;
            }
        }
    }
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if name.trim_matches('_').is_empty() { "source".into() } else { name }
}

/// The first pass: every column's facts with an empty request, then the guesses. A source
/// that does not exist, or whose format cannot be told, is a bad argument (exit 2); one that
/// exists but cannot be read is left to the scan to report, unless `strict` (for `init`, which
/// has nothing to suggest without its data).
fn detect_all(specs: Vec<SourceSpec>, as_of: i64, jobs: usize, strict: bool) -> Result<Vec<Detected>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("preflight-detect-{i}"))
        .build()
        .map_err(|e| anyhow!("cannot start {jobs} worker threads: {e}"))?;
    let req = StatsRequest {
        required: Vec::new(),
        timestamp: None,
        label: None,
        label_inputs: Vec::new(),
        key: None,
        placeholders: DEFAULT_PLACEHOLDERS.iter().map(|p| p.trim().to_lowercase()).collect(),
        as_of,
        stale_before: as_of.saturating_sub(Thresholds::default().stale_after.saturating_mul(1_000_000)),
        entity_keys: Vec::new(),
        entity_values: Vec::new(),
        only: None,
    };
    let mut out = Vec::with_capacity(specs.len());
    for mut spec in specs {
        let source = sources::open(&spec);
        if let Err(e @ (SourceError::NotFound { .. } | SourceError::NoFiles { .. } | SourceError::Unsupported { .. })) =
            source.columns()
        {
            return Err(usage(e.to_string(), Some("give CSV or Parquet files, globs or directories".into())));
        }
        let ctx = CollectCtx { pool: &pool, progress: Arc::default() };
        match source.collect(&req, &ctx) {
            Ok(stats) => {
                let d = detect::detect(&detect::facts(&stats.acc));
                let chosen = |c: &Option<Choice>| c.as_ref().map(|c| named(&c.column));
                spec.timestamp = chosen(&d.timestamp);
                spec.label = chosen(&d.label);
                spec.key = chosen(&d.key);
                spec.required = d.required.iter().map(|r| named(r)).collect();
                out.push(Detected {
                    spec,
                    rows: stats.acc.rows,
                    columns: stats.acc.columns.len(),
                    detection: Some(d),
                    error: None,
                });
            }
            Err(f) if strict => {
                return Err(usage(
                    f.error.to_string(),
                    Some(
                        "`init` suggests columns and thresholds from the data, so every source must be readable".into(),
                    ),
                ));
            }
            Err(f) => {
                out.push(Detected { spec, rows: 0, columns: 0, detection: None, error: Some(f.error.to_string()) })
            }
        }
    }
    Ok(out)
}

fn named(name: &str) -> Named {
    Named { name: name.to_string(), line: 0, col: 0 }
}

fn profile(name: &str, sources: Vec<SourceSpec>) -> Profile {
    Profile {
        path: PathBuf::new(),
        pilot: Pilot { name: name.to_string(), owner: None, kpi: None },
        sources,
        entities: Vec::new(),
        trend: TrendSettings::default(),
        review: Review::default(),
    }
}

fn written(spec: &SourceSpec) -> &str {
    match &spec.location {
        Location::Path { written, .. } => written,
        Location::Url { redacted, .. } => redacted,
    }
}

/// What was chosen and why, on stderr: stdout stays the report (or the profile).
fn print_choices(detected: &[Detected]) {
    let mut s = String::new();
    for d in detected {
        let spec = &d.spec;
        let Some(det) = &d.detection else {
            let _ = writeln!(
                s,
                "`{}` ({}): cannot read it, nothing detected: {}",
                spec.name,
                written(spec),
                d.error.as_deref().unwrap_or("unknown error")
            );
            continue;
        };
        let _ = writeln!(s, "`{}` ({}, {} rows, {} columns):", spec.name, written(spec), d.rows, d.columns);
        for (role, choice) in [("timestamp", &det.timestamp), ("label", &det.label), ("key", &det.key)] {
            if let Some(c) = choice {
                let _ = writeln!(s, "  {role:<9}  `{}`: {}", c.column, c.reason);
            }
        }
        if !det.required.is_empty() {
            let list: Vec<String> = det.required.iter().map(|r| format!("`{r}`")).collect();
            let _ = writeln!(
                s,
                "  required   {}: key, label and text columns present in at least {} of rows",
                list.join(", "),
                percent(MIN_REQUIRED_PRESENT)
            );
        }
        for n in &det.notes {
            let _ = writeln!(s, "  {n}");
        }
    }
    let mut err = io::stderr().lock();
    let _ = err.write_all(s.as_bytes());
}

/// The starter profile's text. `base` is the folder paths are written relative to (`None`:
/// as given, relative to the current folder).
fn starter(name: &str, detected: &[Detected], report: &Report, base: Option<&Path>) -> String {
    let d = Thresholds::default();
    let mut t = String::new();
    let from: Vec<String> = detected.iter().map(|d| format!("#   {} ({} rows)", written(&d.spec), d.rows)).collect();
    let _ = write!(
        t,
        "# Starter readiness profile, written by `preflight init` at {as_of} from:\n{from}\n\
         #\n\
         # Every column choice and threshold below was guessed from the data; the comment beside it\n\
         # says how. Review them, name the pilot and its owner, then run `preflight check` and\n\
         # `preflight scan` on this file. The profile format is described in preflight's README.\n\
         #\n\
         # Per source: `timestamp` is when a row last changed (drives max_age and staleness), `label`\n\
         # is what a model learns to predict (label coverage), `key` is the row's identity (checked\n\
         # for duplicates); the comment beside each says why that column was chosen.\n\
         \n\
         # Who and what the scan is for. Only `name` is required.\n\
         [pilot]\n\
         name = {name}    # the pilot this data feeds; shown in every report\n\
         # owner = \"team@example.com\"    # the one accountable owner (checklist row \"Owner\")\n\
         # kpi = \"what the pilot is judged on\"\n\
         \n\
         # Thresholds for every source (preflight's defaults); a source below overrides those its\n\
         # data suggested. A threshold is `{{ warn = x, fail = y }}` or a bare value (fail only).\n\
         [defaults]\n\
         max_age = {{ warn = \"{age_w}\", fail = \"{age_f}\" }}    # age of the newest record at as-of\n\
         stale_after = \"{stale}\"    # a record older than this is stale\n\
         max_stale_share = {{ warn = {stw}, fail = {stf} }}    # share of stale rows\n\
         max_missing_share = {{ warn = {mw}, fail = {mf} }}    # per required column\n\
         min_label_coverage = {{ warn = {lw}, fail = {lf} }}    # share of rows with a label\n\
         min_class_examples = {mce}    # a label class with fewer rows is rare\n\
         max_duplicate_keys = 0    # key values allowed to occur more than once\n\
         placeholders = [{ph}]    # values that mean \"no value\"\n",
        as_of = report.as_of,
        from = from.join("\n"),
        name = toml_str(name),
        age_w = days(d.max_age.warn.unwrap_or(2 * 86_400)),
        age_f = days(d.max_age.fail.unwrap_or(7 * 86_400)),
        stale = days(d.stale_after),
        stw = num(d.max_stale_share.warn.unwrap_or(0.3)),
        stf = num(d.max_stale_share.fail.unwrap_or(0.6)),
        mw = num(d.max_missing_share.warn.unwrap_or(0.02)),
        mf = num(d.max_missing_share.fail.unwrap_or(0.1)),
        lw = num(d.min_label_coverage.warn.unwrap_or(0.8)),
        lf = num(d.min_label_coverage.fail.unwrap_or(0.5)),
        mce = d.min_class_examples,
        ph = d.placeholders.iter().map(|p| toml_str(p)).collect::<Vec<_>>().join(", "),
    );
    for det in detected {
        let r = report.sources.iter().find(|s| s.name == det.spec.name);
        source_section(&mut t, det, r, base);
    }
    t
}

fn source_section(t: &mut String, det: &Detected, r: Option<&SourceReport>, base: Option<&Path>) {
    let spec = &det.spec;
    let rel = if base.is_some() { "relative to this file" } else { "relative to the folder `init` ran in" };
    match &spec.location {
        Location::Url { url, .. } => {
            // A relative SQLite path resolves against the profile's folder, so it is rewritten.
            let url = match (url.strip_prefix("sqlite://"), base) {
                (Some(file), Some(b)) if !file.starts_with('/') => {
                    let (file, params) = file.split_once('?').map_or((file, None), |(f, q)| (f, Some(q)));
                    let file = relative(b, Path::new(file));
                    params.map_or_else(|| format!("sqlite://{file}"), |q| format!("sqlite://{file}?{q}"))
                }
                _ => url.clone(),
            };
            let _ = write!(
                t,
                "\n[[sources]]\nname = {}\nurl = {}    # no password here: set `password_env` or PGPASSWORD / MYSQL_PWD\ntable = {}\n",
                toml_str(&spec.name),
                toml_str(&url),
                toml_str(spec.table.as_deref().unwrap_or_default())
            );
        }
        Location::Path { written, .. } => {
            let path = match base {
                Some(_) if crate::profile::is_object_url(written) => written.clone(),
                Some(b) => relative(b, Path::new(written)),
                None => written.clone(),
            };
            let _ = write!(
                t,
                "\n[[sources]]\nname = {}\npath = {}    # {rel}; a glob or a directory works too\n",
                toml_str(&spec.name),
                toml_str(&path)
            );
        }
    }
    let Some(d) = &det.detection else { return };
    for (key, choice) in [("timestamp", &d.timestamp), ("label", &d.label), ("key", &d.key)] {
        let _ = match choice {
            Some(c) => writeln!(t, "{key} = {}    # {}", toml_str(&c.column), c.reason),
            None => writeln!(t, "# {key} = \"…\"    # none detected"),
        };
    }
    for n in &d.notes {
        let _ = writeln!(t, "# {n}");
    }
    let required: Vec<String> = d.required.iter().map(|c| toml_str(c)).collect();
    let _ = writeln!(
        t,
        "required = [{}]    # key, label and text columns present in at least {} of rows",
        required.join(", "),
        percent(MIN_REQUIRED_PRESENT)
    );
    let Some(r) = r.filter(|r| r.status == Status::Ok) else { return };

    let left_out: Vec<String> = r
        .columns
        .iter()
        .filter(|c| !c.required && c.ty == "string" && c.missing_share > 0.0 && !d.required.contains(&c.name))
        .filter(|c| 1.0 - c.missing_share < MIN_REQUIRED_PRESENT)
        .map(|c| format!("`{}` ({} missing)", c.name, percent(c.missing_share)))
        .collect();
    if !left_out.is_empty() {
        let _ = writeln!(t, "# not required, too often missing today: {}", left_out.join(", "));
    }

    // Missing share: warn just above the worst required column today, so a change shows.
    let worst = r
        .columns
        .iter()
        .filter(|c| c.required)
        .max_by(|a, b| a.missing_share.total_cmp(&b.missing_share).then(std::cmp::Ordering::Greater));
    let d0 = Thresholds::default();
    let (dw, df) = (d0.max_missing_share.warn.unwrap_or(0.02), d0.max_missing_share.fail.unwrap_or(0.1));
    if let Some(w) = worst {
        let warn = ceil2(w.missing_share + 0.01).max(dw).min(1.0);
        let fail = if warn < df { df } else { ceil2(warn + 0.05).min(1.0) };
        let _ = writeln!(
            t,
            "max_missing_share = {{ warn = {}, fail = {} }}    # worst required column today: `{}`, {} missing; \
             warn 1 point above it",
            num(warn),
            num(fail),
            w.name,
            percent(w.missing_share)
        );
    }

    if let Some(s) = &r.staleness {
        let dated: u64 = s.age_histogram.iter().map(|b| b.rows).sum();
        if dated > 0 {
            let within = |days: i64| -> u64 {
                s.age_histogram.iter().filter(|b| b.under_days.is_some_and(|u| u <= days)).map(|b| b.rows).sum()
            };
            let pick = [90, 180, 365, 730, 1825].into_iter().find(|&days| within(days) as f64 >= 0.9 * dated as f64);
            let days = pick.unwrap_or(1825);
            let how = match pick {
                Some(_) => format!(
                    "{} of the {dated} dated rows are younger than that",
                    percent(within(days) as f64 / dated as f64)
                ),
                None => format!(
                    "only {} of the {dated} dated rows are younger than that, the longest suggested",
                    percent(within(days) as f64 / dated as f64)
                ),
            };
            let _ = writeln!(t, "stale_after = \"{days}d\"    # by `{}`, {how} at as-of", s.column);
        }
        if let (Some(newest), Some(age)) = (&s.newest_past, s.age_past_seconds) {
            let _ = writeln!(
                t,
                "# newest `{}`: {newest}, {} old at as-of; max_age above judges it",
                s.column,
                human_age(age)
            );
        }
    }

    if let Some(l) = &r.labels {
        let dl = d0.min_label_coverage.warn.unwrap_or(0.8);
        let _ = writeln!(
            t,
            "# labels: {} classes, {} of rows labeled{}",
            l.classes.len(),
            percent(l.coverage),
            if l.rare_classes.is_empty() {
                String::new()
            } else {
                format!("; {} with fewer than {} rows", l.rare_classes.len(), d0.min_class_examples)
            }
        );
        if l.coverage < dl {
            let warn = floor2(l.coverage - 0.05).max(0.0);
            let fail = d0.min_label_coverage.fail.unwrap_or(0.5).min(warn);
            let _ = writeln!(
                t,
                "min_label_coverage = {{ warn = {}, fail = {} }}    # {} labeled today; warn 5 points below it",
                num(warn),
                num(fail),
                percent(l.coverage)
            );
        }
    }
    if let Some(k) = &r.keys
        && k.duplicates > 0
    {
        let _ = writeln!(
            t,
            "# key `{}`: {} value(s) occur more than once today: max_duplicate_keys = 0 fails until they are fixed",
            k.column, k.duplicates
        );
    }
    let pii: Vec<String> = r
        .columns
        .iter()
        .filter_map(|c| c.pii.as_ref().map(|p| format!("`{}` ({} {})", c.name, percent(p.share), p.kind)))
        .collect();
    if !pii.is_empty() {
        let _ = writeln!(
            t,
            "pii = []    # looks like personal data: {}; list a column here once its use is approved",
            pii.join(", ")
        );
    }
}

/// A duration in whole days when it is one (`7d` rather than `1w`), as the README writes them.
fn days(secs: i64) -> String {
    if secs % 86_400 == 0 { format!("{}d", secs / 86_400) } else { crate::profile::format_duration(secs) }
}

/// `261000` seconds as `3d 0h`.
fn human_age(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    if secs < 0 {
        format!("{} in the future", human_age(-secs))
    } else if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m")
    }
}

fn ceil2(x: f64) -> f64 {
    // The small nudge keeps 0.06 from becoming 0.07 through binary rounding.
    ((x * 100.0) - 1e-9).ceil() / 100.0
}

fn floor2(x: f64) -> f64 {
    ((x * 100.0) + 1e-9).floor() / 100.0
}

/// A share as a TOML float: `0.06`, `0.1`, `1.0`.
fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') { format!("{s}0") } else { s.to_string() }
}

/// An argument as a shell would need it typed: quoted when it holds spaces or glob characters.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:@=,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The folder a file will be written in, as a path that exists.
fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An absolute path with symlinks resolved as far as it exists: the rest (a glob, a file not
/// written yet) is kept as written.
fn real(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut tail: Vec<std::ffi::OsString> = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(mut c) = cur.canonicalize() {
            c.extend(tail.iter().rev());
            return c;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                tail.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

/// `target` relative to the folder `base`, both as given relative to the current folder.
fn relative(base: &Path, target: &Path) -> String {
    let (b, t) = (real(base), real(target));
    let bc: Vec<Component<'_>> = b.components().collect();
    let tc: Vec<Component<'_>> = t.components().collect();
    let common = bc.iter().zip(&tc).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return display_path(&t);
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    out.extend(&tc[common..]);
    display_path(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_come_from_file_stems() {
        assert_eq!(source_name("fixtures/demo/tickets.csv"), "tickets");
        assert_eq!(source_name("data/orders 2024.csv.gz"), "orders_2024");
        assert_eq!(source_name("data/*.parquet"), "data");
        assert_eq!(source_name("kb.parquet"), "kb");
        assert_eq!(source_name("*.csv"), "source");
    }

    #[test]
    fn specs_take_urls_with_a_table_and_deduplicate_names() {
        let s = specs(&["a/x.csv".into(), "b/x.csv".into(), "a/x.csv".into()]).expect("paths are accepted");
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["x", "x-2"]);
        let e = specs(&["postgres://u:secret@h/db#t".into()]).expect_err("a password in a URL is refused");
        assert_eq!(e.to_string(), "`postgres://u:***@h/db`: a password inside the URL");
        let e = specs(&["postgres://u@h/db".into()]).expect_err("a URL needs a table");
        assert_eq!(e.to_string(), "`postgres://u@h/db`: no table named");
        let s = specs(&["sqlite://crm.db#customers".into(), "sqlite://crm.db#customers".into()]).expect("a table");
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].name.as_str(), s[0].table.as_deref()), ("customers", Some("customers")));
    }

    #[test]
    fn relative_paths_walk_up_from_the_profile_folder() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let sub = dir.path().join("profiles");
        std::fs::create_dir(&sub).expect("a subfolder");
        assert_eq!(relative(&sub, &dir.path().join("data/*.csv")), "../data/*.csv");
        assert_eq!(relative(dir.path(), &dir.path().join("t.csv")), "t.csv");
    }

    #[test]
    fn numbers_and_strings_are_valid_toml() {
        assert_eq!(
            (num(0.06), num(0.1), num(1.0), num(0.0)),
            ("0.06".into(), "0.1".into(), "1.0".into(), "0.0".into())
        );
        assert_eq!(ceil2(0.05 + 0.01), 0.06);
        assert_eq!(floor2(0.85 - 0.05), 0.8);
        assert_eq!(toml_str("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
        assert_eq!(human_age(261_000), "3d 0h");
        assert_eq!(shell_word("data/*.csv"), "'data/*.csv'");
        assert_eq!(shell_word("fixtures/demo/tickets.csv"), "fixtures/demo/tickets.csv");
        assert_eq!(shell_word("it's.csv"), r"'it'\''s.csv'");
    }
}
