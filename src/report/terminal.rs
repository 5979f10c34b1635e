//! The text report for an 80-column terminal (DESIGN §7): the checklist row and its parts, the
//! ready-rows headline, every WARN and FAIL with its evidence, then a short summary per source.
//!
//! Pure: lays out the `View` of a report. Whether to colour is the caller's decision (a TTY, `NO_COLOR`).
//! Lines are laid out as plain text first and painted afterwards, so escape codes never count
//! towards the width; width is counted in chars, which is right for the ASCII and Latin text the
//! report mostly holds (wide CJK characters would still overrun).

use std::io::{self, Write};

use crate::stats::Locator;

use super::Report;
use super::view::{Evidence, PartRow, Phrase, Ready, View, plain_phrase, summary_location};
use crate::fmt::{count, elapsed, pct, thousands};
use crate::measures::Status;
use crate::verdict::Severity;
use crate::verdict::review::Readiness;

/// No line is longer than this many chars.
const WIDTH: usize = 80;
/// Evidence values longer than this are cut, so that several examples share a line.
const MAX_VALUE: usize = 40;
/// Locations (`source.column`) longer than this do not widen the findings' column.
const MAX_LOCATION_COLUMN: usize = 24;

/// Writes the report as text for people; `color` adds ANSI colour (FAIL red, WARN yellow, PASS
/// green) and bold section headers.
pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    for line in layout(&View::new(report)) {
        write_line(out, &line, color)?;
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paint {
    Plain,
    Bold,
    Sev(Severity),
    BoldSev(Severity),
}

#[derive(Debug)]
struct Span {
    text: String,
    paint: Paint,
}

type Line = Vec<Span>;

fn span(text: impl Into<String>, paint: Paint) -> Span {
    Span { text: text.into(), paint }
}

fn plain(text: impl Into<String>) -> Span {
    span(text, Paint::Plain)
}

fn write_line(out: &mut dyn Write, line: &[Span], color: bool) -> io::Result<()> {
    // Padding before an empty remainder would leave trailing blanks.
    let last = line.iter().rposition(|s| !s.text.trim_end().is_empty());
    for (i, s) in line.iter().enumerate() {
        let text = match last {
            Some(l) if i < l => s.text.as_str(),
            Some(l) if i == l => s.text.trim_end(),
            _ => continue,
        };
        let code = match s.paint {
            _ if !color => None,
            Paint::Plain => None,
            Paint::Bold => Some("1"),
            Paint::Sev(sev) => Some(sev_code(sev)),
            Paint::BoldSev(Severity::Fail) => Some("1;31"),
            Paint::BoldSev(Severity::Warn) => Some("1;33"),
            Paint::BoldSev(Severity::Pass) => Some("1;32"),
        };
        match code {
            Some(c) => write!(out, "\x1b[{c}m{text}\x1b[0m")?,
            None => out.write_all(text.as_bytes())?,
        }
    }
    writeln!(out)
}

fn sev_code(sev: Severity) -> &'static str {
    match sev {
        Severity::Fail => "31",
        Severity::Warn => "33",
        Severity::Pass => "32",
    }
}

fn layout(v: &View) -> Vec<Line> {
    let mut lines = header(v.report);
    lines.push(Vec::new());
    if let Some(rd) = v.review {
        lines.extend(review(rd));
        lines.push(Vec::new());
    }
    lines.extend(checklist(v));
    lines.push(Vec::new());
    lines.extend(ready_rows(v));
    lines.push(Vec::new());
    let listed = findings(v);
    if !listed.is_empty() {
        lines.extend(listed);
        lines.push(Vec::new());
    }
    lines.extend(sources(v));
    if !v.entities.is_empty() {
        lines.push(Vec::new());
        lines.extend(entities(v));
    }
    lines
}

fn header(r: &Report) -> Vec<Line> {
    let mut first = vec![format!("{} {}", r.tool, r.version), format!("profile {}", r.profile.name)];
    if let Some(owner) = &r.profile.owner {
        first.push(format!("owner {owner}"));
    }
    let second = vec![
        format!("as of {}", when(&r.as_of)),
        count(r.sources.len() as u64, "source", "sources"),
        count(r.entities.len() as u64, "entity", "entities"),
        elapsed(r.duration_ms),
    ];
    let mut out = Vec::new();
    for items in [first, second] {
        let items: Vec<String> = items.iter().map(|s| clean(s)).collect();
        out.extend(wrap(0, 2, &items, " · ").into_iter().map(|l| vec![plain(l)]));
    }
    out
}

/// Severity padded to four columns; a part with no findings was not checked.
fn sev_cell(sev: Option<Severity>, bold: bool) -> Span {
    match sev {
        Some(s) if bold => span(s.as_str(), Paint::BoldSev(s)),
        Some(s) => span(s.as_str(), Paint::Sev(s)),
        None => plain("-   "),
    }
}

fn checklist(v: &View) -> Vec<Line> {
    let mut out = vec![vec![span("DATA ACCESS", Paint::Bold), plain("  "), sev_cell(v.data_access.severity, true)]];
    for part in v.parts.iter().filter(|p| p.check.is_some_and(|c| c.in_data_access())) {
        let lead = format!("  {:<12}  ", part.check.map_or("", |c| c.as_str()));
        let room = WIDTH.saturating_sub(width(&lead) + 4 + 3);
        out.push(vec![plain(lead), sev_cell(part.severity, false), plain("   "), plain(part_summary(part, room))]);
    }
    // The trend is judged beside data access, not inside it; only a scan with a history has one.
    if let (Some(trend), Some(part)) = (v.trend, v.parts.iter().find(|p| p.check.is_some_and(|c| !c.in_data_access())))
    {
        let room = WIDTH.saturating_sub(13 + 4 + 3);
        let summary = match part.compared_with() {
            // All passed: say what the scan was compared with instead.
            Some(f) => cut_words(&prose(&f.message).join(" "), room),
            None => part_summary(part, room),
        };
        out.push(vec![
            span("TREND", Paint::Bold),
            plain("        "),
            sev_cell(Some(trend), true),
            plain("   "),
            plain(summary),
        ]);
    }
    out
}

/// The worst finding of a part in one line of `room` chars, with how many more follow.
fn part_summary(part: &PartRow, room: usize) -> String {
    match part.worst() {
        None => "not checked".to_string(),
        Some(worst) => {
            let more = part.more();
            let suffix = if more > 0 { format!(" (+{more} more)") } else { String::new() };
            // Name the column too: "tickets.category: 15% missing" says what to fix.
            let mut words = vec![format!("{}:", clean(&summary_location(worst)))];
            words.extend(prose(&worst.message));
            let text = words.join(" ");
            format!("{}{suffix}", cut_words(&text, room.saturating_sub(width(&suffix))))
        }
    }
}

fn ready_rows(v: &View) -> Vec<Line> {
    let items: Vec<String> = v
        .ready
        .iter()
        .map(|row| {
            let name = clean(&row.source.name);
            match row.ready {
                Ready::Error => format!("{name} error"),
                Ready::Measured { rows: 0, .. } | Ready::Unmeasured { rows: Some(0) } => format!("{name} no rows"),
                Ready::Measured { rows, ready } => {
                    format!("{name} {} ({} of {})", crate::fmt::pct_of(ready, rows), thousands(ready), thousands(rows))
                }
                Ready::Unmeasured { .. } => format!("{name} n/a"),
            }
        })
        .collect();
    const LEAD: &str = "READY ROWS  ";
    let items = if items.is_empty() { vec!["no sources".to_string()] } else { items };
    let mut lines: Vec<Line> =
        wrap(width(LEAD), width(LEAD), &items, " · ").into_iter().map(|l| vec![plain(l)]).collect();
    if let Some(first) = lines.first_mut() {
        first.insert(0, span(LEAD.trim_end(), Paint::Bold));
        first.insert(1, plain("  "));
    }
    lines
}

fn findings(v: &View) -> Vec<Line> {
    let listed = &v.to_act_on;
    let check_w = listed.iter().map(|row| width(row.finding.check.as_str())).max().unwrap_or(0);
    let locs: Vec<String> = listed.iter().map(|row| clean(&row.location)).collect();
    let loc_w = locs.iter().map(|l| width(l)).max().unwrap_or(0).min(MAX_LOCATION_COLUMN);
    // Continuation lines and evidence start under the location, as in DESIGN §7.
    let indent = 4 + 2 + check_w + 2;
    // A longer location takes its own width but leaves the message at least this much room.
    let max_loc = WIDTH.saturating_sub(indent + 2 + 20);
    let mut out = Vec::new();
    for (row, loc) in listed.iter().zip(locs) {
        let f = row.finding;
        let loc = cut(&loc, max_loc);
        let loc_cell = format!("{loc:<loc_w$}  ");
        let lead = indent + width(&loc_cell);
        let msg = prose(&f.message);
        let mut lines = wrap(lead, indent, &msg, " ").into_iter();
        let first = lines.next().unwrap_or_default();
        out.push(vec![
            sev_cell(Some(f.severity), false),
            plain(format!("  {:<check_w$}  ", f.check.as_str())),
            plain(loc_cell),
            plain(first),
        ]);
        out.extend(lines.map(|l| vec![plain(l)]));
        if !row.evidence.is_empty() {
            let n = row.evidence.len();
            let mut prev_file = None;
            let items: Vec<String> = row
                .evidence
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    // A run of examples from one file names it once.
                    let same_file = e.full_file.is_some() && prev_file == Some(e.full_file);
                    prev_file = Some(e.full_file);
                    let item = example(e, !same_file);
                    if i + 1 < n { format!("{item},") } else { item }
                })
                .collect();
            const EG: &str = "e.g. ";
            let ev = wrap(indent + width(EG), indent + width(EG), &items, " ");
            for (i, l) in ev.into_iter().enumerate() {
                if i == 0 {
                    out.push(vec![plain(format!("{}{EG}{l}", " ".repeat(indent)))]);
                } else {
                    out.push(vec![plain(l)]);
                }
            }
        }
    }
    out
}

/// `line 88 "N/A"`, `part-1.parquet row 12`, `key C-00017 "x"`: where, then the value if any.
fn example(e: &Evidence, with_file: bool) -> String {
    let mut s = String::new();
    // The source's location is printed below; a part inside it is named relative to it.
    if let Some(file) = e.file.filter(|_| with_file) {
        s.push_str(&clean(file));
        s.push(' ');
    }
    match e.at {
        Locator::Line(n) => s.push_str(&format!("line {}", thousands(*n))),
        Locator::Row(n) => s.push_str(&format!("row {}", thousands(*n))),
        Locator::Key(k) | Locator::EntityKey(k) => s.push_str(&format!("key {}", escape(&cut(k, MAX_VALUE)))),
        Locator::NoKey(_) => s.push_str("no key"),
    }
    if let Some(v) = e.value {
        s.push_str(&format!(" \"{}\"", escape(&cut(v, MAX_VALUE))));
    }
    s
}

fn sources(v: &View) -> Vec<Line> {
    let mut out = vec![vec![span("SOURCES", Paint::Bold)]];
    let name_w = v.sources.iter().map(|s| width(&clean(&s.source.name))).max().unwrap_or(0).min(16);
    let kind_w = v.sources.iter().map(|s| width(&clean(&s.source.kind))).max().unwrap_or(0).min(10);
    let indent = 2 + name_w + 2;
    for sv in &v.sources {
        let s = sv.source;
        let head = format!("  {:<name_w$}  {:<kind_w$}  ", cut(&clean(&s.name), 30), cut(&clean(&s.kind), 10));
        let mut loc = clean(&s.location);
        if s.files.len() > 1 {
            loc.push_str(&format!(" ({} files)", thousands(s.files.len() as u64)));
        }
        let loc = cut_start(&loc, WIDTH.saturating_sub(width(&head)));
        out.push(vec![plain(head), plain(loc)]);
        match s.status {
            Status::Error => {
                let mut words = vec!["error:".to_string()];
                words.extend(sv.error().unwrap_or_default().split_whitespace().map(clean));
                let mut lines = wrap(indent, indent, &words, " ").into_iter();
                let first = lines.next().unwrap_or_default();
                let rest = first.strip_prefix("error:").unwrap_or(&first).to_string();
                out.push(vec![plain(" ".repeat(indent)), span("error:", Paint::Sev(Severity::Fail)), plain(rest)]);
                out.extend(lines.map(|l| vec![plain(l)]));
            }
            Status::Ok => {
                let items = phrases(&sv.summary);
                let mut lines = wrap(indent, indent, &items, " · ").into_iter();
                let first = lines.next().unwrap_or_default();
                out.push(vec![plain(" ".repeat(indent)), plain(first)]);
                out.extend(lines.map(|l| vec![plain(l)]));
            }
        }
    }
    out
}

fn entities(v: &View) -> Vec<Line> {
    let mut out = vec![vec![span("ENTITIES", Paint::Bold)]];
    let name_w = v.entities.iter().map(|e| width(&clean(&e.entity.name))).max().unwrap_or(0).min(16);
    let indent = 2 + name_w + 2;
    for ev in &v.entities {
        let e = ev.entity;
        let systems: Vec<String> = ev.systems.iter().map(|s| clean(&format!("{}.{}", s.system, s.key))).collect();
        let head = format!("  {:<name_w$}  ", cut(&clean(&e.name), 30));
        out.push(vec![plain(head), plain(cut(&systems.join(" · "), WIDTH.saturating_sub(indent)))]);
        let items: Vec<String> = match &e.error {
            Some(err) => std::iter::once("error:".to_string()).chain(err.split_whitespace().map(clean)).collect(),
            None => {
                let mut items = vec![
                    format!("{} of {} keys in every system", thousands(e.in_all), thousands(e.union)),
                    format!("fragmentation {}", pct(e.fragmentation)),
                ];
                let unmatched: Vec<String> = ev
                    .systems
                    .iter()
                    .map(|s| format!("{} {} ({})", clean(s.system), thousands(s.unmatched), s.unmatched_share))
                    .collect();
                items.push(format!("unmatched {}", unmatched.join(", ")));
                if e.recovered != 0 {
                    items.push(format!("normalization recovered {}", e.recovered));
                }
                for (c, share) in &ev.conflicts {
                    items.push(format!("{} vs {} disagree on {share}", clean(&c.left), clean(&c.right)));
                }
                items
            }
        };
        let mut lines = wrap(indent, indent, &items, " · ").into_iter();
        let first = lines.next().unwrap_or_default();
        out.push(vec![plain(" ".repeat(indent)), plain(first)]);
        out.extend(lines.map(|l| vec![plain(l)]));
    }
    out
}

/// The view's phrases as terminal text: data made safe for a terminal.
fn phrases(ps: &[Phrase]) -> Vec<String> {
    ps.iter().map(|p| plain_phrase(p, clean)).collect()
}

/// Lays out `words` after a lead of `lead` columns, joined by `sep`, breaking lines between
/// words so none exceeds `WIDTH`; continuation lines start with `indent` spaces. The first
/// returned line holds only what follows the lead; a word longer than a whole line is cut.
fn wrap(lead: usize, indent: usize, words: &[String], sep: &str) -> Vec<String> {
    let indent = indent.min(WIDTH / 2);
    let sep_w = width(sep);
    let mut lines = vec![String::new()];
    let mut used = lead;
    let mut fresh = true;
    for word in words {
        let w = width(word);
        let Some(line) = lines.last_mut() else { break };
        if !fresh && used + sep_w + w <= WIDTH {
            line.push_str(sep);
            line.push_str(word);
            used += sep_w + w;
            continue;
        }
        if !fresh || (used + w > WIDTH && used > indent) {
            lines.push(" ".repeat(indent));
            used = indent;
        }
        let Some(line) = lines.last_mut() else { break };
        let word = cut(word, WIDTH.saturating_sub(used));
        used += width(&word);
        line.push_str(&word);
        fresh = false;
    }
    lines
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// At most `max` chars, ending in `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Like `cut`, but at a word boundary when one is near the end.
fn cut_words(s: &str, max: usize) -> String {
    if width(s) <= max || max == 0 {
        return cut(s, max);
    }
    let head: String = s.chars().take(max - 1).collect();
    let near = head.char_indices().rev().take(16).find(|&(_, c)| c == ' ').map(|(i, _)| i);
    match near.and_then(|i| head.get(..i)) {
        Some(h) if !h.trim_end().is_empty() => {
            format!("{}…", h.trim_end_matches([' ', ',', ':', ';', '(']))
        }
        _ => format!("{head}…"),
    }
}

/// At most `max` chars, starting with `…` when cut: for paths, whose end says the most.
fn cut_start(s: &str, max: usize) -> String {
    let n = width(s);
    if n <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - (max - 1)));
    out
}

/// Control characters from the data would move the cursor or paint the terminal: shown escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// A message as words: whitespace runs (newlines included) collapse, control characters are
/// escaped, and RFC 3339 UTC times read as in the rest of the report (`2025-01-01 09:12 UTC`).
fn prose(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in s.split_whitespace() {
        match rfc3339_utc_len(word).and_then(|n| Some((word.get(..n)?, word.get(n..)?))) {
            Some((ts, rest)) => {
                let shown = format!("{}{}", when(ts), escape(rest));
                out.extend(shown.split(' ').map(str::to_string));
            }
            None => out.push(escape(word)),
        }
    }
    out
}

/// Length of a leading `YYYY-MM-DDTHH:MM:SS[.f]Z`, if `s` starts with one.
fn rfc3339_utc_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < shape.len() + 1 {
        return None;
    }
    for (&c, &want) in b.iter().zip(shape) {
        let ok = if want == b'd' { c.is_ascii_digit() } else { c == want };
        if !ok {
            return None;
        }
    }
    let mut i = shape.len();
    if b.get(i) == Some(&b'.') {
        i += 1;
        let digits = b.get(i..)?.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += digits;
    }
    (b.get(i) == Some(&b'Z')).then_some(i + 1)
}

/// Whitespace runs (newlines included) become one space, other control characters are escaped.
fn clean(s: &str) -> String {
    let words: Vec<String> = s.split_whitespace().map(escape).collect();
    words.join(" ")
}

/// A timestamp as people read it (`2025-01-10 10:00 UTC`); anything else as given, made safe
/// for a terminal.
fn when(ts: &str) -> String {
    clean(&crate::fmt::when(ts))
}

/// The go/no-go review: the outcome, then one row per checkpoint with its status, whether it
/// was measured or declared (and by whom), and its note wrapped under it.
fn review(rd: &Readiness) -> Vec<Line> {
    use crate::verdict::review::{Outcome, RowStatus};
    let paint = match rd.outcome {
        Outcome::Ready => Paint::BoldSev(Severity::Pass),
        Outcome::Experiment => Paint::BoldSev(Severity::Fail),
        Outcome::Undecided => Paint::BoldSev(Severity::Warn),
    };
    let mut out = vec![vec![span("GO/NO-GO REVIEW", Paint::Bold), plain("  "), span(clean(&rd.summary), paint)]];
    for row in &rd.rows {
        let status = match row.status {
            RowStatus::Pass => span("PASS", Paint::Sev(Severity::Pass)),
            RowStatus::Fail => span("FAIL", Paint::Sev(Severity::Fail)),
            RowStatus::Unknown => plain("?   "),
        };
        let basis = clean(&row.basis_text());
        let lead = format!("  {:<15}  ", row.checkpoint.title());
        out.push(vec![plain(lead), status, plain("   "), plain(cut_words(&basis, WIDTH - 26))]);
        if let Some(note) = &row.note {
            let words: Vec<String> = prose(note).iter().map(|w| clean(w)).collect();
            out.extend(
                wrap(23, 23, &words, " ").into_iter().map(|l| vec![plain(format!("{:23}{}", "", l.trim_start()))]),
            );
        }
    }
    if !rd.declared {
        let words: Vec<String> =
            prose(&format!("no `[review]` in the profile: {}", crate::verdict::review::HOW_TO_DECLARE));
        out.extend(wrap(2, 2, &words, " ").into_iter().map(|l| vec![plain(format!("  {}", l.trim_start()))]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fmt::pct_of;
    use crate::report::sample::sample;
    use crate::stats::{Example, LocatorInFile};

    fn text(r: &Report, color: bool) -> String {
        let mut buf = Vec::new();
        assert!(render(r, &mut buf, color).is_ok());
        String::from_utf8(buf).unwrap_or_default()
    }

    /// The one-line summary the terminal shows of a source.
    fn source_facts(s: &crate::report::SourceReport) -> Vec<String> {
        let mut r = sample();
        r.sources = vec![s.clone()];
        let v = View::new(&r);
        v.sources.first().map(|sv| phrases(&sv.summary)).unwrap_or_default()
    }

    fn too_long(s: &str) -> Vec<String> {
        s.lines().filter(|l| l.chars().count() > WIDTH).map(str::to_string).collect()
    }

    #[test]
    fn issue_18_the_headline_names_a_mostly_empty_column_that_is_not_required() {
        let mut s = sample().sources.remove(0);
        let rows = 3_322;
        let col = |name: &str, required: bool, missing: u64| {
            crate::report::sample::column(name, "string", required, rows, (0, 0, missing))
        };
        s.rows = Some(rows);
        s.columns = vec![col("tailnum", true, 0), col("year", false, 70), col("speed", false, 3_299)];
        let facts = source_facts(&s).join(" · ");
        assert!(facts.contains("most missing speed 99% (not required)"), "{facts}");
        assert!(!facts.contains("nothing missing"), "{facts}");
        s.columns = vec![col("tailnum", true, 10), col("speed", false, 3_299)];
        let facts = source_facts(&s).join(" · ");
        assert!(
            facts.contains("most missing speed 99% (not required) · most missing required tailnum 0.3%"),
            "{facts}"
        );
        s.columns = vec![col("tailnum", true, 0)];
        assert!(source_facts(&s).join(" · ").contains("nothing missing"));
    }

    #[test]
    fn snapshot_of_the_sample() {
        insta::assert_snapshot!(text(&sample(), false));
    }

    #[test]
    fn a_trend_line_follows_data_access_only_with_a_history() {
        assert!(!text(&sample(), false).contains("TREND"));
        let out = text(&crate::report::sample_with_trend(), false);
        let line = out.lines().find(|l| l.starts_with("TREND")).unwrap_or_default();
        assert_eq!(line, "TREND        WARN   kb: rows fell 30% since the scan of 2025-01-09 10:00 UTC…");
        assert_eq!(too_long(&out), Vec::<String>::new());
        assert!(out.contains("WARN  trend"), "the trend finding is listed: {out}");
    }

    #[test]
    fn no_line_is_wider_than_80_columns() {
        let out = text(&sample(), false);
        assert_eq!(too_long(&out), Vec::<String>::new());
    }

    #[test]
    fn long_names_values_and_messages_are_wrapped_or_cut() {
        let mut r = sample();
        let long = "a_column_name_that_goes_on_and_on_".repeat(4);
        r.profile.owner = Some(format!("{long}@example.com"));
        r.profile.name = long.clone();
        r.as_of = "sometime".into();
        if let Some(s) = r.sources.first_mut() {
            s.name = format!("source_{long}");
            s.location = format!("/data/{long}/{long}/tickets.csv");
            if let Some(c) = s.columns.first_mut() {
                c.name = long.clone();
                c.missing = 1;
                c.missing_share = 0.5;
            }
        }
        for f in &mut r.findings {
            f.source = Some(format!("source_{long}"));
            f.column = Some(long.clone());
            f.message = format!("{} {long}{long} and\nmore\x1b[31m", f.message.repeat(3));
            f.evidence.push(Example {
                at: LocatorInFile {
                    file: Some(format!("/elsewhere/{long}.parquet")),
                    at: Locator::Key(long.repeat(2)),
                },
                value: Some(format!("{long}\n{long}")),
            });
        }
        let out = text(&r, false);
        assert_eq!(too_long(&out), Vec::<String>::new(), "\n{out}");
        assert!(!out.contains('\x1b'));
        assert!(out.contains('…'));
    }

    #[test]
    fn colour_only_when_asked() {
        let r = sample();
        let plain = text(&r, false);
        let coloured = text(&r, true);
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[31mFAIL\x1b[0m"));
        assert!(coloured.contains("\x1b[33mWARN\x1b[0m"));
        assert!(coloured.contains("\x1b[1mDATA ACCESS\x1b[0m"));
        // Stripping the escapes gives back the plain text exactly.
        let mut stripped = String::new();
        let mut rest = coloured.as_str();
        while let Some(i) = rest.find('\x1b') {
            stripped.push_str(&rest[..i]);
            rest = &rest[i..];
            let end = rest.find('m').map_or(rest.len(), |m| m + 1);
            rest = &rest[end..];
        }
        stripped.push_str(rest);
        assert_eq!(stripped, plain);
    }

    #[test]
    fn pass_findings_are_not_listed() {
        let r = sample();
        let out = text(&r, false);
        let listed: Vec<&str> =
            out.lines().filter(|l| l.starts_with("PASS") || l.starts_with("WARN") || l.starts_with("FAIL")).collect();
        assert!(!listed.is_empty());
        assert!(listed.iter().all(|l| !l.starts_with("PASS")));
        let non_pass = r.findings.iter().filter(|f| f.severity != Severity::Pass).count();
        assert_eq!(listed.len(), non_pass);
        for f in r.findings.iter().filter(|f| f.severity == Severity::Pass) {
            assert!(!out.contains(&f.message), "PASS finding listed: {}", f.message);
        }
    }

    #[test]
    fn fail_is_listed_before_warn() {
        let out = text(&sample(), false);
        let sevs: Vec<&str> = out.lines().filter_map(|l| l.get(..4)).filter(|s| *s == "FAIL" || *s == "WARN").collect();
        let first_warn = sevs.iter().position(|s| *s == "WARN").unwrap_or(sevs.len());
        assert!(sevs.iter().skip(first_warn).all(|s| *s == "WARN"), "{sevs:?}");
    }

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_204), "1,204");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(pct_of(7_320, 12_000), "61%");
        assert_eq!(pct_of(11_999, 12_000), ">99.9%");
        assert_eq!(pct_of(1, 12_000), "<0.1%");
        assert_eq!(pct_of(995, 1_000), "99.5%");
        assert_eq!(when("2025-01-10T10:00:00Z"), "2025-01-10 10:00 UTC");
        assert_eq!(when("2025-01-10T10:00:05Z"), "2025-01-10 10:00:05 UTC");
        assert_eq!(when("yesterday"), "yesterday");
        assert_eq!(elapsed(812), "0.8 s");
        assert_eq!(elapsed(125_000), "2m 5s");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut_start("abcdef", 4), "…def");
        assert_eq!(cut_words("one two three", 10), "one two…");
        assert_eq!(cut_words("onetwothree", 6), "onetw…");
        assert_eq!(clean("a\n b\x1b"), "a b\\u{1b}");
        assert_eq!(prose("newest 2025-01-01T09:12:00Z, 9d"), ["newest", "2025-01-01", "09:12", "UTC,", "9d"]);
        assert_eq!(prose("at 2025-01-01T09:12:30.5Z."), ["at", "2025-01-01", "09:12:30", "UTC."]);
        assert_eq!(prose("2025-01-01T09:12:00+01:00"), ["2025-01-01T09:12:00+01:00"]);
    }
}
