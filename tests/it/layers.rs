//! The import direction of `src/` (STYLE.md "Module map"): a layer imports only the layers
//! below it. Reads every `crate::…` path (in `use` lines and inline) and every `super::` chain
//! that climbs to the crate root, in code and tests alike, and fails naming the file, the line
//! and the two layers.

use std::path::{Path, PathBuf};

/// The layers, bottom first. A module may import its own files and any module of a lower
/// tier; modules of one tier do not import each other.
///
/// The order is profile → sources → stats → measures → verdict → report → cli. Two
/// differ here. `stats` sits *below* `sources`: a reader's hot loop feeds the accumulators
/// batch by batch (`BatchAcc::push`, `SourceAcc::merge`), so a source needs their types. Inverting that
/// (sources emitting batches through a trait of their own that stats implements) would put a
/// dynamic call in every batch of every reader for no gain in what either layer may see: the
/// accumulators know nothing of where rows come from (they import only `profile`), and the
/// facts a source collects besides them (`SourceStats`, `CsvInfo`, `SqlAccess`, …) stay in
/// `sources`. The measure layer's outputs carry those facts as fields; `report` reads the
/// fields and names no `sources` type.
///
/// `verdict` sits below `measures`, not above: each measure module holds its rules and their
/// thresholds and yields `Finding`s (STYLE "one module per measure"), so the findings'
/// vocabulary (`Finding`, `Severity`, `Check`, `FindingId`, the `at_most`/`at_least` limits),
/// the checklist and the review that adds them up are what the measures build on. `verdict`
/// reads no measure and no `SourceStats`.
///
/// The other top-level modules:
/// - `detect` proposes a profile from accumulators (`preflight profile`): beside `measures`.
/// - `entity` plans which keys each source collects and measures entities from them: above
///   `measures`, whose output types it fills.
/// - `scan` runs sources → measures → verdict and assembles the `Report`; `history` stores
///   reports and judges the trend: one tier above `report`. `explain` lists the topics, whose
///   texts sit beside their measures and the trend judge: the tier above those.
/// - `fmt` words numbers, shares, durations and times for findings' messages and every
///   renderer alike: just above `stats`, whose timestamp formatting it uses.
/// - `cli` is the top: nothing imports it.
const LAYERS: &[&[&str]] = &[
    &["profile"],
    &["stats"],
    &["fmt"],
    &["sources"],
    &["verdict"],
    &["measures", "detect"],
    &["entity"],
    &["report"],
    &["scan", "history"],
    &["explain"],
    &["cli"],
];

fn tier(module: &str) -> Option<usize> {
    LAYERS.iter().position(|t| t.contains(&module))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src/ is readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segment of each item of a `{a, b::c, d::{e, f}}` group.
fn group_heads(s: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    item_start = true;
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => item_start = true,
            c if item_start && depth == 1 && !c.is_whitespace() => {
                heads.push(ident(&s[i..]).to_string());
                item_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// The top-level modules a line names through `crate::` or a `super::` chain of `climb`
/// steps or more (the file's depth below the crate root).
fn named_modules(line: &str, climb: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + "crate::".len()..];
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            if after.starts_with('{') {
                out.extend(group_heads(after));
            } else {
                out.push(ident(after).to_string());
            }
        }
        rest = after;
    }
    let mut rest = line;
    while let Some(i) = rest.find("super::") {
        let mut after = &rest[i..];
        let mut steps = 0;
        while let Some(a) = after.strip_prefix("super::") {
            steps += 1;
            after = a;
        }
        if steps >= climb {
            if after.starts_with('{') {
                out.extend(group_heads(after));
            } else {
                out.push(ident(after).to_string());
            }
        }
        rest = after;
    }
    out.retain(|m| tier(m).is_some());
    out
}

#[test]
fn layers_import_only_the_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let Some(first) = parts.first() else { continue };
        if parts.len() == 1 && (first == "main.rs" || first == "lib.rs") {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = tier(&module) else {
            unplaced.push(module);
            continue;
        };
        // `src/a/mod.rs` is as deep as `src/a.rs`; `src/a/b.rs` one deeper.
        let depth = parts.len() - usize::from(parts.last().is_some_and(|l| l == "mod.rs"));
        let text = std::fs::read_to_string(file).expect("a source file is readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for m in named_modules(code, depth) {
                let theirs = tier(&m).unwrap_or(0);
                if m != module && theirs >= own {
                    wrong.push(format!(
                        "src/{}:{}: `{module}` imports `{m}`, a layer {} it",
                        rel.display(),
                        n + 1,
                        if theirs == own { "beside" } else { "above" }
                    ));
                }
            }
        }
    }
    unplaced.dedup();
    assert!(unplaced.is_empty(), "top-level modules not placed in LAYERS: {unplaced:?}");
    assert!(wrong.is_empty(), "imports against the layer order:\n{}", wrong.join("\n"));
}

#[test]
fn the_reader_finds_grouped_and_climbing_paths() {
    assert_eq!(named_modules("use crate::{report::Report, stats::{self, Example}};", 1), ["report", "stats"]);
    assert_eq!(named_modules("let x = crate::sources::open(spec);", 2), ["sources"]);
    assert_eq!(named_modules("use super::super::cli::run;", 2), ["cli"]);
    assert!(named_modules("use super::Report;", 2).is_empty(), "one step up stays inside the module");
    assert!(named_modules("$crate::stats::x", 1).is_empty());
}

/// Lines a file in `src/` may hold, tests included (issue 15); a longer file says why in its
/// opening `//!` comment, with a line containing `over 900 lines`.
const MAX_LINES: usize = 900;

#[test]
fn no_source_file_is_over_900_lines_unless_its_header_says_why() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "found only {} files under src/", files.len());
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file is readable");
        let lines = text.lines().count();
        let says_why = text.lines().take_while(|l| l.starts_with("//!")).any(|l| l.contains("over 900 lines"));
        if lines > MAX_LINES && !says_why {
            long.push(format!("{} ({lines} lines)", file.strip_prefix(&src).unwrap_or(file).display()));
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines whose header does not say why: {long:?}");
}
