//! The terminal rendering: what `rngaudit report` prints when a person is watching.
//!
//! It answers three questions in order of how often they are asked: did every source come out
//! as expected, where exactly did anything fail, and how badly. It is plain text without
//! colour codes (so it survives pipes and CI logs) and stays under [`MAX_WIDTH`] columns with
//! all built-in sources and a full battery. This file also owns the sources × tests grid that
//! the Markdown and PNG sinks draw, so all three show the same cells in the same order.

use super::{format_p, Report, Sink, CAVEAT};
use crate::battery::Consumes;
use crate::second_level::WEAK_BELOW;
use crate::second_level::{lacks_data, needed_symbols, CellSummary, SourceSummary, Verdict};
use crate::size::format_size;
use crate::source::Kind;
use std::fmt::Write as _;

/// Widest line the rendering aims for, so it fits a 120-column terminal.
pub const MAX_WIDTH: usize = 118;

/// Spaces between columns.
const GAP: usize = 2;

/// Sources × tests, one verdict per test (the worst over the test's labels, so a test with
/// many labelled results stays one column).
pub(crate) struct Grid<'a> {
    /// Test names, in the order the report first shows them.
    pub tests: Vec<&'static str>,
    /// Sources grouped by kind (report order within a kind); `None` where a source never ran
    /// a test.
    pub rows: Vec<(&'a SourceSummary, Vec<Option<Verdict>>)>,
}

/// How much a verdict weighs when a test's labels are folded into one grid cell.
fn severity(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Skipped => 0,
        Verdict::Pass => 1,
        Verdict::Weak => 2,
        Verdict::Fail => 3,
    }
}

/// The short text a grid cell shows; loud for what needs attention.
pub(crate) fn short(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Weak => "WEAK",
        Verdict::Fail => "FAIL",
        Verdict::Skipped => "-",
    }
}

/// ✓ when the source came out as expected, ✗ otherwise, `-` when nothing was measured or the
/// battery holds none of the tests its verdict is judged by (there is nothing to judge).
pub(crate) fn mark(source: &SourceSummary) -> &'static str {
    if source.verdict == Verdict::Skipped || source.not_judged().is_some() {
        "-"
    } else if source.as_expected() {
        "✓"
    } else {
        "✗"
    }
}

/// What the tables show as a source's expected verdict: `pass`, `fail`, or why it is not
/// judged ("not judged: needs brank").
pub(crate) fn expected_text(source: &SourceSummary) -> String {
    source
        .not_judged()
        .unwrap_or_else(|| source.expected.to_string())
}

/// A source's verdict as the tables show it: never `pass` for data that was only partly tested
/// (`incomplete`) or not tested at all.
pub(crate) fn source_short(source: &SourceSummary) -> &'static str {
    match source.verdict_name() {
        "incomplete" => "incomplete",
        _ if source.verdict == Verdict::Skipped => "not tested",
        _ => short(source.verdict),
    }
}

pub(crate) fn grid(report: &Report) -> Grid<'_> {
    let mut tests: Vec<&'static str> = Vec::new();
    for cell in &report.cells {
        if !tests.contains(&cell.test) {
            tests.push(cell.test);
        }
    }
    let mut sources: Vec<&SourceSummary> = report.sources.iter().collect();
    // Stable, so report order survives within a kind; controls end up after the generators.
    sources.sort_by_key(|source| source.kind);
    let rows = sources
        .into_iter()
        .map(|source| {
            let verdicts = tests
                .iter()
                .map(|&test| {
                    report
                        .cells
                        .iter()
                        .filter(|c| c.source == source.source && c.test == test)
                        .map(|c| c.verdict)
                        .max_by_key(|&v| severity(v))
                })
                .collect();
            (source, verdicts)
        })
        .collect();
    Grid { tests, rows }
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The sentences that say whether the run came out as expected, which sources could not be
/// tested, and whose verdicts rest on only some of their tests.
pub(crate) fn outcome_line(report: &Report) -> String {
    let names = |keep: &dyn Fn(&SourceSummary) -> bool| -> Vec<&str> {
        report
            .sources
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.source.as_str())
            .collect()
    };
    let untested = names(&|s| s.verdict == Verdict::Skipped);
    let unexpected = names(&|s| s.verdict != Verdict::Skipped && !s.as_expected());
    let unjudged: Vec<String> = report
        .sources
        .iter()
        .filter(|s| s.verdict != Verdict::Skipped)
        .filter_map(|s| {
            let needs = s.not_judged()?;
            let needs = needs.strip_prefix("not judged: ").unwrap_or(&needs);
            Some(format!("{} ({needs})", s.source))
        })
        .collect();
    let incomplete = names(&|s| s.verdict != Verdict::Skipped && !s.complete());
    let total = report.sources.len();
    let mut sentences = Vec::new();
    if let [only] = report.sources.as_slice() {
        if !untested.is_empty() {
            sentences.push(format!(
                "{} could not be tested: {}.",
                only.source,
                untested_reason(report, only)
            ));
        } else if only.not_judged().is_some() {
            let needs = crate::source::caught_by(&only.source, only.kind).join(" or ");
            sentences.push(format!(
                "{} is not judged: this battery holds none of the tests expected to catch it \
                 (it needs {needs}).",
                only.source
            ));
        } else if unexpected.is_empty() {
            sentences.push(format!("{} came out as expected.", only.source));
        } else {
            sentences.push(format!("{} did NOT come out as expected.", only.source));
        }
    } else {
        if unexpected.is_empty() && untested.is_empty() {
            if unjudged.is_empty() {
                sentences.push(format!("All {total} sources came out as expected."));
            } else {
                sentences.push(format!(
                    "All {} judged sources came out as expected.",
                    total - unjudged.len()
                ));
            }
        }
        if !unjudged.is_empty() {
            sentences.push(format!(
                "{} of {total} sources are not judged by this battery: {}.",
                unjudged.len(),
                unjudged.join(", ")
            ));
        }
        if !unexpected.is_empty() {
            sentences.push(format!(
                "{} of {total} sources did NOT come out as expected: {}.",
                unexpected.len(),
                unexpected.join(", ")
            ));
        }
        if !untested.is_empty() {
            sentences.push(format!(
                "{} of {total} sources could not be tested: {}.",
                untested.len(),
                untested.join(", ")
            ));
        }
    }
    if !incomplete.is_empty() {
        sentences.push(format!(
            "Some tests lacked data, so these verdicts rest on the tests that ran: {}.",
            incomplete.join(", ")
        ));
    }
    sentences.join(" ")
}

/// Why nothing was measured on `source`: too little data (with the length the shortest test
/// needs) or no selected test that applies. One line, for the report and for stderr.
pub fn untested_reason(report: &Report, source: &SourceSummary) -> String {
    let skipped: Vec<(&CellSummary, &str)> = report
        .cells
        .iter()
        .filter(|c| c.source == source.source && c.streams == 0)
        .filter_map(|c| Some((c, c.skip_reason.as_deref()?)))
        .collect();
    let shortest = skipped
        .iter()
        .filter(|(_, reason)| lacks_data(reason))
        .min_by_key(|(_, reason)| needed_symbols(reason).unwrap_or(u64::MAX));
    let length = length_text(report, source);
    match (shortest, skipped.first()) {
        (Some((cell, reason)), _) => match needed_symbols(reason) {
            Some(needed) => format!(
                "too short to test: {length}; the shortest test ({}) needs {}",
                cell.display_name(),
                bytes_text(needed)
            ),
            None => format!(
                "too short to test: {length}; {} {reason}",
                cell.display_name()
            ),
        },
        (None, Some((cell, reason))) => format!(
            "no selected test applies ({}: {reason})",
            cell.display_name()
        ),
        (None, None) => "no test ran".to_string(),
    }
}

/// How much data a source's tests saw: the whole input for a user's single stream, else the
/// length of each stream.
fn length_text(report: &Report, source: &SourceSummary) -> String {
    let streams: Vec<u64> = report
        .results
        .iter()
        .filter(|r| r.source == source.source)
        .map(|r| r.bytes)
        .collect();
    match streams.as_slice() {
        [only] => bytes_text(*only),
        _ => format!("{} per stream", bytes_text(report.bytes)),
    }
}

/// A byte count for people: exact, with binary units where they are exact too.
pub(crate) fn bytes_text(bytes: u64) -> String {
    const UNITS: [(u32, &str); 4] = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    if bytes == 1 {
        return "1 byte".to_string();
    }
    for (shift, unit) in UNITS {
        if bytes >= 1 << shift {
            return if bytes.is_multiple_of(1 << shift) {
                format!("{} {unit}", bytes >> shift)
            } else {
                format!(
                    "{bytes} bytes ({:.1} {unit})",
                    bytes as f64 / (1u64 << shift) as f64
                )
            };
        }
    }
    format!("{bytes} bytes")
}

/// Whether a cell's verdict is an expected catch (a control's, or MT19937's linearity), not
/// news.
fn expected_catch(cell: &CellSummary) -> bool {
    cell.expected == "fail" && cell.verdict == Verdict::Fail
}

/// Cells worth a look, in grid order: `fail` and `weak` cells, except controls' failures
/// (expected, and numerous: see [`caught_controls`]).
pub(crate) fn flagged_cells(report: &Report) -> Vec<&CellSummary> {
    measured_cells(report)
        .into_iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Weak) && !expected_catch(c))
        .collect()
}

/// Every cell with a measurement, in grid order.
fn measured_cells(report: &Report) -> Vec<&CellSummary> {
    let grid = grid(report);
    grid.rows
        .iter()
        .flat_map(|(source, _)| {
            report
                .cells
                .iter()
                .filter(move |c| c.source == source.source && c.streams > 0)
        })
        .collect()
}

/// Cells that never ran, grouped by test and reason (in report order) with the sources they
/// were skipped on.
fn skipped_groups(report: &Report) -> Vec<(String, &str, Vec<&str>)> {
    let mut groups: Vec<(String, &str, Vec<&str>)> = Vec::new();
    for cell in report.cells.iter().filter(|c| c.streams == 0) {
        let name = cell.display_name();
        let reason = cell.skip_reason.as_deref().unwrap_or("no outcome");
        match groups
            .iter_mut()
            .find(|(n, r, _)| *n == name && *r == reason)
        {
            Some((_, _, sources)) => sources.push(&cell.source),
            None => groups.push((name, reason, vec![&cell.source])),
        }
    }
    groups
}
/// For each control that failed somewhere: its name, the number of failing cells, and the
/// tests that caught it (`serial ×2` for two labels of one test), so a battery with many
/// labelled results still takes one line per control.
pub(crate) fn caught_controls(report: &Report) -> Vec<(&str, usize, String)> {
    report
        .sources
        .iter()
        .filter(|s| s.expected == "fail")
        .filter_map(|source| {
            let mut tests: Vec<(&str, usize)> = Vec::new();
            for cell in &report.cells {
                if cell.source != source.source || !expected_catch(cell) {
                    continue;
                }
                match tests.iter_mut().find(|(test, _)| *test == cell.test) {
                    Some((_, count)) => *count += 1,
                    None => tests.push((cell.test, 1)),
                }
            }
            let cells = tests.iter().map(|(_, count)| count).sum();
            let names: Vec<String> = tests
                .into_iter()
                .map(|(test, count)| match count {
                    1 => test.to_string(),
                    _ => format!("{test} ×{count}"),
                })
                .collect();
            (cells > 0).then(|| (source.source.as_str(), cells, names.join(", ")))
        })
        .collect()
}

/// The pass proportion as `passed/streams = 0.xxx (need ≥ low)`.
pub(crate) fn proportion_text(cell: &CellSummary) -> String {
    match (cell.pass_proportion, cell.proportion_bounds) {
        (Some(proportion), Some((low, _))) => format!(
            "{}/{} = {proportion:.3} (need ≥ {low:.3})",
            cell.passed, cell.streams
        ),
        (Some(proportion), None) => {
            format!("{}/{} = {proportion:.3}", cell.passed, cell.streams)
        }
        _ => "none measured".to_string(),
    }
}

pub(crate) fn uniformity_text(cell: &CellSummary) -> String {
    match cell.uniformity_p {
        Some(p) => format_p(p),
        None => "n/a (< 10 streams)".to_string(),
    }
}

/// Pads every column but the last to its width and trims the line's end.
fn row(out: &mut String, cells: &[&str], widths: &[usize]) {
    let mut line = String::new();
    for (cell, &width) in cells.iter().zip(widths) {
        let _ = write!(line, "{cell:<width$}{:GAP$}", "");
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Writes `head` and then `list` (comma-separated), wrapping at [`MAX_WIDTH`] with
/// continuation lines indented under the list's start.
fn wrap(out: &mut String, head: &str, list: &str) {
    let indent = head.chars().count();
    let mut line = head.to_string();
    for (i, item) in list.split(", ").enumerate() {
        let piece = if i == 0 {
            item.to_string()
        } else {
            format!(", {item}")
        };
        if i > 0 && line.chars().count() + piece.chars().count() > MAX_WIDTH {
            line.push(',');
            out.push_str(&line);
            out.push('\n');
            line = format!("{:indent$}{item}", "");
        } else {
            line.push_str(&piece);
        }
    }
    out.push_str(&line);
    out.push('\n');
}

fn width_of<'s>(header: &str, values: impl Iterator<Item = &'s str>) -> usize {
    values
        .map(|v| v.chars().count())
        .chain([header.chars().count()])
        .max()
        .unwrap_or(0)
}

/// Writes `text` wrapped at spaces to [`MAX_WIDTH`]: the first line after `indent`, the rest
/// after `indent` and `hang` more spaces. A word longer than a line gets a line of its own.
fn wrap_words(out: &mut String, indent: usize, hang: usize, text: &str) {
    let mut line = " ".repeat(indent);
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > MAX_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent + hang);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// A p-value, or `-` where there is none.
fn p_text(p: Option<f64>) -> String {
    p.map_or_else(|| "-".to_string(), format_p)
}

/// A test statistic for people: six significant digits, in exponent form when it is very
/// large or very small.
fn statistic_text(x: f64) -> String {
    let magnitude = x.abs();
    if x == 0.0 {
        "0".to_string()
    } else if !x.is_finite() {
        x.to_string()
    } else if (1e-3..1e7).contains(&magnitude) {
        let decimals = (5 - magnitude.log10().floor() as i32).clamp(0, 8) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.4e}")
    }
}

/// Cells with their evidence: the pass proportion, the uniformity of the streams' p-values,
/// the cell's one p-value and its Holm-adjusted value. `with_source` adds the source column.
fn cells_table(out: &mut String, cells: &[&CellSummary], with_source: bool) {
    let rows: Vec<[String; 7]> = cells
        .iter()
        .map(|c| {
            [
                c.source.clone(),
                c.display_name(),
                short(c.verdict).to_string(),
                proportion_text(c),
                uniformity_text(c),
                p_text(c.cell_p),
                p_text(c.holm_p),
            ]
        })
        .collect();
    let headers = [
        "source",
        "test",
        "verdict",
        "passed",
        "uniformity p",
        "cell p",
        "Holm p",
    ];
    let first = usize::from(!with_source);
    let widths: Vec<usize> = (first..headers.len())
        .map(|i| width_of(headers[i], rows.iter().map(|r| r[i].as_str())))
        .collect();
    row(out, &headers[first..], &widths);
    for cells in &rows {
        let cells: Vec<&str> = cells[first..].iter().map(String::as_str).collect();
        row(out, &cells, &widths);
    }
}

/// Cells that were never measured, with the reason, for a reader wondering about a `-`.
fn render_skipped(out: &mut String, report: &Report) {
    let groups = skipped_groups(report);
    if groups.is_empty() {
        return;
    }
    out.push_str("\nSkipped, with the reason:\n");
    let total = report.sources.len();
    for (test, reason, sources) in groups {
        // The reason first and the sources after it, so a long list of sources does not push
        // the reason out of sight; the shorter of "these" and "every source but those".
        let on = if total == 1 {
            String::new()
        } else if sources.len() == total {
            " (every source)".to_string()
        } else if 2 * sources.len() > total {
            let others: Vec<&str> = report
                .sources
                .iter()
                .map(|s| s.source.as_str())
                .filter(|name| !sources.contains(name))
                .collect();
            format!(" (every source but {})", others.join(", "))
        } else {
            format!(" ({})", sources.join(", "))
        };
        wrap_words(out, 2, 2, &format!("{test}: {reason}{on}"));
    }
}

/// Of all measured cells, this many or fewer are listed one by one with their numbers; more
/// (a full report) and only the cells that failed or are weak are, and summary.csv has the
/// rest.
pub const EVERY_CELL_UP_TO: usize = 64;

/// Prints the report as [`render`] does.
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminalSink;

/// File name of the terminal text, when it is written into an output directory.
pub const TEXT_FILE: &str = "report.txt";

impl Sink for TerminalSink {
    fn name(&self) -> &'static str {
        "terminal"
    }

    fn summary(&self) -> &'static str {
        "the plain-text table people read (ENT's own text for ENT's figures); report.txt"
    }

    fn files(&self) -> &'static [&'static str] {
        &[TEXT_FILE]
    }

    fn prints(&self) -> bool {
        true
    }

    fn render(&self, report: &Report) -> Option<String> {
        Some(render(report))
    }

    fn accepts(&self, _consumes: Consumes) -> Result<(), String> {
        Ok(())
    }
}

/// A family-wise level as people read it: `0.01`, or `1.67e-3` for a checkpoint's level.
pub fn alpha_text(alpha: f64) -> String {
    if alpha >= 0.001 && (alpha * 1000.0).fract() == 0.0 {
        format!("{alpha}")
    } else {
        format!("{alpha:.2e}")
    }
}

/// Renders the report for a terminal: ENT's figures as `ent` prints them; a user's own input
/// (one source of kind `external`) as one input with its tests; anything else as sources
/// against their expectations.
pub fn render(report: &Report) -> String {
    let body = if !report.ent.is_empty() {
        render_ent(report)
    } else {
        match report.sources.as_slice() {
            [source] if source.kind == Kind::External => render_input(report, source),
            _ => render_sources(report),
        }
    };
    if report.interrupted {
        format!("Interrupted: what follows covers only the input read before it.\n{body}")
    } else {
        body
    }
}

/// ENT's figures: a user's one input exactly as `ent` prints it (people compare the two byte
/// for byte); built-in sources each under a line naming the source, its bytes and seed.
fn render_ent(report: &Report) -> String {
    use crate::battery::ent::render_like_ent;
    match report.ent.as_slice() {
        [one] if one.kind == Kind::External => render_like_ent(&one.figures, one.bits),
        all => all
            .iter()
            .map(|entry| {
                let seed = entry
                    .seed
                    .map(|s| format!(", seed {s}"))
                    .unwrap_or_default();
                format!(
                    "== {} ({} bytes{seed}) ==\n{}\n",
                    entry.source,
                    entry.bytes,
                    render_like_ent(&entry.figures, entry.bits)
                )
            })
            .collect(),
    }
}

/// The view of `file`: what was read, each test with its numbers, what was skipped and why,
/// and one verdict line.
fn render_input(report: &Report, source: &SourceSummary) -> String {
    let mut out = String::new();
    let total: u64 = report.results.iter().map(|r| r.bytes).sum();
    let streams = report.results.len();
    let amount = if streams == 1 {
        format!("{} (1 stream)", bytes_text(total))
    } else {
        format!(
            "{} in {streams} streams of {}",
            bytes_text(total),
            bytes_text(report.bytes)
        )
    };
    let _ = writeln!(
        out,
        "rngaudit: battery {} on {}, {amount}, family α {}",
        report.battery,
        source.source,
        alpha_text(report.family_alpha)
    );
    let measured: Vec<&CellSummary> = report.cells.iter().filter(|c| c.streams > 0).collect();
    if !measured.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "Holm p adjusts each test's p-value over the {} that ran; a test fails where it is ≤ {}.",
            count(measured.len(), "test"),
            alpha_text(report.family_alpha)
        );
        if streams == 1 {
            single_stream_table(&mut out, report, &measured);
        } else {
            cells_table(&mut out, &measured, false);
        }
    }
    render_skipped(&mut out, report);
    out.push('\n');
    wrap_words(&mut out, 0, 2, &input_verdict_line(report, source));
    out.push_str(CAVEAT);
    out.push('\n');
    out
}

/// One stream: each test's statistic and p-value (the cell's p-value, as m = 1) and Holm's.
fn single_stream_table(out: &mut String, report: &Report, cells: &[&CellSummary]) {
    let rows: Vec<[String; 5]> = cells
        .iter()
        .map(|c| {
            let statistic = report
                .results
                .first()
                .and_then(|r| {
                    r.outcomes
                        .iter()
                        .find(|o| o.test == c.test && o.label == c.label)
                })
                .and_then(|o| o.result.as_ref().ok())
                .map_or_else(|| "-".to_string(), |m| statistic_text(m.statistic));
            [
                c.display_name(),
                short(c.verdict).to_string(),
                statistic,
                p_text(c.cell_p),
                p_text(c.holm_p),
            ]
        })
        .collect();
    let headers = ["test", "verdict", "statistic", "p-value", "Holm p"];
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| width_of(headers[i], rows.iter().map(|r| r[i].as_str())))
        .collect();
    row(out, &headers, &widths);
    for cells in &rows {
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        row(out, &cells, &widths);
    }
}

/// `stdin: FAIL — 6 of 7 tests failed`, and its kin for weak, passing, partly tested and
/// untested input. Data that was only partly tested is never called a pass.
pub(crate) fn input_verdict_line(report: &Report, source: &SourceSummary) -> String {
    let name = &source.source;
    if source.verdict == Verdict::Skipped {
        return format!("{name}: not tested — {}", untested_reason(report, source));
    }
    let of_source = || report.cells.iter().filter(|c| c.source == *name);
    let failed = of_source().filter(|c| c.verdict == Verdict::Fail).count();
    let weak = of_source().filter(|c| c.verdict == Verdict::Weak).count();
    let measured = source.measured;
    let missing = source.untested.len();
    let shortfall = if missing == 0 {
        String::new()
    } else {
        let longest = of_source()
            .filter(|c| c.streams == 0)
            .filter_map(|c| needed_symbols(c.skip_reason.as_deref()?))
            .max();
        let all_from = longest.map_or(String::new(), |n| {
            format!(" (all run from {})", bytes_text(n))
        });
        format!(
            "; {missing} of {} {} more than {}{all_from}",
            count(measured + missing, "test"),
            if missing == 1 { "needs" } else { "need" },
            length_text(report, source)
        )
    };
    match source.verdict {
        Verdict::Fail => format!(
            "{name}: FAIL — {failed} of {} failed{shortfall}",
            count(measured, "test")
        ),
        Verdict::Weak => format!(
            "{name}: WEAK — no test failed, {weak} of {} weak (p below {WEAK_BELOW} but kept \
             by Holm): worth a longer run{shortfall}",
            count(measured, "test")
        ),
        _ if missing > 0 => format!(
            "{name}: INCOMPLETE — no failure in the {} that ran{shortfall}",
            count(measured, "test")
        ),
        _ => format!("{name}: pass — none of {} failed", count(measured, "test")),
    }
}

/// Each source read with checkpoints and the level of its last look (`chacha20 at 1 MiB (Holm
/// at 7.58e-5)`); empty when the sources were not read so.
/// For sources read with checkpoints, each one's last look and the level it was judged at
/// ("chacha20 at 16 MiB (Holm at 4.17e-5)"); empty when nothing was.
pub(crate) fn looked_sources(report: &Report) -> Vec<String> {
    report
        .sources
        .iter()
        .filter_map(|source| {
            let last = report
                .checkpoints
                .iter()
                .rfind(|look| look.source == source.source)?;
            Some(format!(
                "{} at {} (Holm at {})",
                source.source,
                bytes_text(last.bytes),
                alpha_text(last.family_alpha)
            ))
        })
        .collect()
}

/// Which cells Holm's procedure ran over: the run's, or each source's own when the sources
/// were judged at checkpoints.
fn holm_scope(report: &Report, measured: usize) -> String {
    if report.checkpoints.is_empty() {
        format!("the run's {}", count(measured, "cell"))
    } else {
        "its source's cells".to_string()
    }
}

/// The view of `run` and `report`: built-in sources against what their kind expects.
fn render_sources(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rngaudit: battery {}, {} × {} × {} bytes, master seed {}, family α {}{}",
        report.battery,
        count(report.sources.len(), "source"),
        count(report.streams as usize, "stream"),
        format_size(report.bytes),
        report.master_seed,
        alpha_text(report.family_alpha),
        // With checkpoints each source spends its own α over all its looks (the next line).
        if report.checkpoints.is_empty() {
            ""
        } else {
            " per source over all its looks"
        }
    );
    let looked = looked_sources(report);
    if !looked.is_empty() {
        let _ = writeln!(
            out,
            "Each stream was judged at every doubling; a source's verdict is its last look's, \
             Holm over its own cells at that look's level: {}.",
            looked.join("; ")
        );
    }
    out.push('\n');
    let grid = grid(report);
    let name_width = width_of("source", grid.rows.iter().map(|(s, _)| s.source.as_str()));

    let kind_width = width_of("kind", grid.rows.iter().map(|(s, _)| s.kind.as_str()));
    let verdict_width = width_of("verdict", grid.rows.iter().map(|(s, _)| source_short(s)));
    let expected: Vec<String> = grid.rows.iter().map(|(s, _)| expected_text(s)).collect();
    let expected_width = width_of("expected", expected.iter().map(String::as_str));
    let widths = [name_width, kind_width, verdict_width, expected_width, 11];
    row(
        &mut out,
        &["source", "kind", "verdict", "expected", "as expected"],
        &widths,
    );
    for ((source, _), expected) in grid.rows.iter().zip(&expected) {
        row(
            &mut out,
            &[
                &source.source,
                source.kind.as_str(),
                source_short(source),
                expected,
                mark(source),
            ],
            &widths,
        );
    }

    out.push('\n');
    render_grid(&mut out, &grid, name_width);

    let measured = measured_cells(report);
    out.push('\n');
    if measured.is_empty() {
        out.push_str("No cell was measured.\n");
    } else if measured.len() <= EVERY_CELL_UP_TO {
        let _ = writeln!(
            out,
            "Every cell: cell p combines its streams, Holm p adjusts it over {} (fail where ≤ {}):",
            holm_scope(report, measured.len()),
            if looked.is_empty() {
                alpha_text(report.family_alpha)
            } else {
                "its source's level above".to_string()
            }
        );
        cells_table(&mut out, &measured, true);
    } else {
        let flagged = flagged_cells(report);
        if flagged.is_empty() {
            out.push_str("No generator cell failed or is weak.\n");
        } else {
            let _ = writeln!(
                out,
                "Cells that failed or are weak; Holm p adjusts cell p over {} (every cell \
                 is in summary.csv):",
                holm_scope(report, measured.len())
            );
            cells_table(&mut out, &flagged, true);
        }
    }
    let caught = caught_controls(report);
    if !caught.is_empty() {
        out.push_str("\nCaught where expected, as they should be (failing cells by test):\n");
        for (source, cells, tests) in caught {
            let head = format!("{source:<name_width$}  {cells:>3} cells: ");
            wrap(&mut out, &head, &tests);
        }
    }
    render_skipped(&mut out, report);

    out.push('\n');
    wrap_words(&mut out, 0, 0, &outcome_line(report));
    out.push_str(CAVEAT);
    out.push('\n');
    out
}

/// The sources × tests grid; test names become numbered keys when the full names would not
/// fit in [`MAX_WIDTH`].
fn render_grid(out: &mut String, grid: &Grid<'_>, name_width: usize) {
    let cell_width = short(Verdict::Pass).len();
    let full: usize = grid
        .tests
        .iter()
        .map(|t| t.chars().count().max(cell_width) + GAP)
        .sum();
    let keyed = name_width + GAP + full > MAX_WIDTH;
    let headers: Vec<String> = grid
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if keyed {
                format!("t{}", i + 1)
            } else {
                t.to_string()
            }
        })
        .collect();
    let mut widths = vec![name_width];
    widths.extend(headers.iter().map(|h| h.chars().count().max(cell_width)));
    let _ = writeln!(
        out,
        "Verdict per source and test (the worst over a test's labels; - = skipped):"
    );
    let mut header: Vec<&str> = vec!["source"];
    header.extend(headers.iter().map(String::as_str));
    row(out, &header, &widths);
    let mut previous_kind = None;
    for (source, verdicts) in &grid.rows {
        // A blank line between kinds, so controls stand apart from the generators.
        if previous_kind.is_some_and(|kind| kind != source.kind) {
            out.push('\n');
        }
        previous_kind = Some(source.kind);
        let mut cells: Vec<&str> = vec![&source.source];
        cells.extend(verdicts.iter().map(|v| v.map_or("", short)));
        row(out, &cells, &widths);
    }
    if keyed {
        let mut line = String::from("  ");
        for (header, test) in headers.iter().zip(&grid.tests) {
            let entry = format!("{header} = {test}   ");
            if line.chars().count() + entry.chars().count() > MAX_WIDTH {
                out.push_str(line.trim_end());
                out.push('\n');
                line = String::from("  ");
            }
            line.push_str(&entry);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn small_report_shows_sources_grid_and_caveat() {
        let text = render(&fixtures::small());
        let counter = text
            .lines()
            .find(|l| l.starts_with("counter") && l.contains("control"))
            .unwrap();
        assert!(
            counter.contains("FAIL") && counter.ends_with('✓'),
            "{counter}"
        );
        let grid_header = text
            .lines()
            .find(|l| l.contains("monobit  serial"))
            .unwrap();
        assert!(grid_header.starts_with("source"), "{grid_header}");
        // Four measured cells: few enough to list each with its numbers. chacha20's monobit
        // has cell p 3 × 0.15 and, by Holm over (0.45, 1, 0, 0), 2 × 0.45.
        assert!(
            text.contains("Holm p adjusts it over the run's 4 cells"),
            "{text}"
        );
        let monobit = text
            .lines()
            .find(|l| l.starts_with("chacha20  monobit"))
            .unwrap();
        assert!(monobit.ends_with("0.450000  0.900000"), "{monobit}");
        assert!(text.contains("2 cells: monobit, serial\n"), "{text}");
        assert!(text.contains("All 2 sources came out as expected."));
        assert!(text.trim_end().ends_with(CAVEAT));
    }

    #[test]
    fn failing_generator_cells_are_listed_with_their_numbers() {
        let mut report = fixtures::small();
        let cell = report
            .cells
            .iter_mut()
            .find(|c| c.source == "chacha20" && c.test == "serial")
            .unwrap();
        cell.verdict = Verdict::Fail;
        report.sources = crate::second_level::by_source(&report.cells);
        let text = render(&report);
        let row = text
            .lines()
            .find(|l| l.starts_with("chacha20") && l.contains("serial[m=2]"))
            .unwrap();
        // Two measured streams of three (one skipped), too few for a uniformity p-value; then
        // the cell's p-value and its Holm-adjusted value.
        assert!(row.contains("FAIL     2/2 = 1.000 (need ≥ 0.779)"), "{row}");
        assert!(
            row.ends_with("n/a (< 10 streams)  1.000000  1.000000"),
            "{row}"
        );
        assert!(
            text.contains("did NOT come out as expected: chacha20."),
            "{text}"
        );
        report.cells[1].uniformity_p = Some(0.0);
        assert!(render(&report).contains("< 1e-300"));
    }

    #[test]
    fn realistic_report_fits_a_terminal() {
        let report = fixtures::realistic(100);
        let text = render(&report);
        for line in text.lines() {
            assert!(
                line.chars().count() <= MAX_WIDTH,
                "{} > {MAX_WIDTH}: {line}",
                line.len()
            );
        }
        assert!(
            text.contains("smallrng  runs  WEAK     100/100 = 1.000 (need ≥ 0.960)"),
            "{text}"
        );
        // Too many cells to list: the flagged ones only, and the reasons for every `-`.
        assert!(text.contains("the run's 285 cells (every cell is in summary.csv)"));
        assert!(text.contains("  monobit: works on bits (choice62, ctl_modulo62)\n"));
        // The name column is as wide as the longest name, ctl_glibc_random_lo16's 21 characters.
        assert!(text.contains(&format!(
            "{:<21}    7 cells: blockfrequency, runs, serial ×2",
            "ctl_randu"
        )));
        assert!(text.contains("ctl_xorshift32         control  pass     not judged: needs brank"));
        assert!(
            text.contains("5 of 27 sources are not judged by this battery: ctl_xorshift32 (needs")
        );
        assert_eq!(render(&report), text);
    }

    #[test]
    fn long_test_names_become_keys() {
        let mut report = fixtures::realistic(3);
        let long: &[&'static str] = &[
            "averylongtestnamenumberone",
            "averylongtestnamenumbertwo",
            "averylongtestnamenumberthree",
            "averylongtestnamenumberfour",
            "averylongtestnamenumberfive",
        ];
        for (i, cell) in report.cells.iter_mut().enumerate() {
            cell.test = long[i % long.len()];
        }
        let text = render(&report);
        assert!(text.contains("t1 = averylongtestnamenumberone"), "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= MAX_WIDTH),
            "{text}"
        );
    }

    #[test]
    fn unexpected_sources_are_named() {
        let mut report = fixtures::small();
        report.sources[1].verdict = Verdict::Pass;
        let text = render(&report);
        assert!(text.contains("1 of 2 sources did NOT come out as expected: counter."));
        assert!(text
            .lines()
            .any(|l| l.starts_with("counter") && l.ends_with('✗')));
    }

    /// A user's input as `file` reports it: one external source, one stream.
    fn input(outcomes: Vec<Outcome>) -> Report {
        use crate::runner::StreamReport;
        use crate::second_level::{by_source, summarize, FAMILY_ALPHA};
        let results = vec![StreamReport {
            source: "stdin".to_string(),
            kind: Kind::External,
            stream: 0,
            seed: None,
            bytes: 100,
            outcomes,
        }];
        let cells = summarize(&results, FAMILY_ALPHA);
        let sources = by_source(&cells);
        Report {
            battery: "default".to_string(),
            bytes: 100,
            streams: 1,
            master_seed: 0,
            family_alpha: FAMILY_ALPHA,
            results,
            cells,
            sources,
            sequence_bits: None,
            ent: Vec::new(),
            checkpoints: Vec::new(),
            interrupted: false,
            command: None,
            appendix: Vec::new(),
            provenance: crate::provenance::fixture(),
        }
    }

    use crate::battery::Outcome;

    const SHORT: &str = "needs at least 1280 symbols (5 per symbol value), got 100";

    #[test]
    fn input_shows_each_test_s_evidence_and_speaks_of_the_input() {
        let text = render(&input(vec![
            Outcome::measured("frequency", 13426.208984375, 0.0),
            Outcome::measured("longest_run", 119.9, 1.7e-23),
            Outcome::measured("serial_correlation", -7.2e-4, 0.5),
            Outcome::skipped(
                "symbol_runs",
                "works on alphabets that are not a power of two",
            ),
        ]));
        assert!(
            text.starts_with("rngaudit: battery default on stdin, 100 bytes (1 stream),"),
            "{text}"
        );
        assert!(
            !text.contains("master seed") && !text.contains("expected"),
            "{text}"
        );
        // Holm over (0, 1.7e-23, 0.5): 0, 2 × 1.7e-23, 0.5.
        let row = |name: &str| text.lines().find(|l| l.starts_with(name)).unwrap();
        assert_eq!(
            row("frequency"),
            "frequency           FAIL     13426.2     < 1e-300  < 1e-300"
        );
        assert!(row("longest_run").ends_with("1.70e-23  3.40e-23"), "{text}");
        assert!(row("serial_correlation").contains("-7.2000e-4"), "{text}");
        assert!(text.contains(
            "Skipped, with the reason:\n  symbol_runs: works on alphabets that are not a power of two\n"
        ));
        assert!(
            text.contains("\nstdin: FAIL — 2 of 3 tests failed\n"),
            "{text}"
        );
    }

    #[test]
    fn partly_tested_input_is_incomplete_never_a_pass() {
        let report = input(vec![
            Outcome::measured("monobit", 0.07, 0.94),
            Outcome::skipped("frequency", SHORT),
            Outcome::skipped(
                "serial",
                "needs at least 327680 symbols (5 per pair), got 100",
            ),
        ]);
        let text = render(&report);
        let verdict = text.lines().find(|l| l.starts_with("stdin:")).unwrap();
        assert_eq!(
            verdict,
            "stdin: INCOMPLETE — no failure in the 1 test that ran; 2 of 3 tests need more than \
             100 bytes (all run from 320 KiB)"
        );
        assert!(!verdict.contains("pass"));
        assert!(
            text.contains("  frequency: needs at least 1280 symbols"),
            "{text}"
        );
    }

    #[test]
    fn untested_input_says_why_and_how_much_is_needed() {
        let report = input(vec![
            Outcome::skipped("frequency", SHORT),
            Outcome::skipped("monobit", "needs at least 100 bits, got 80"),
        ]);
        assert_eq!(
            untested_reason(&report, &report.sources[0]),
            "too short to test: 100 bytes; the shortest test (monobit) needs 13 bytes"
        );
        let text = render(&report);
        assert!(
            text.contains("\nstdin: not tested — too short to test: 100 bytes"),
            "{text}"
        );
        assert!(!text.contains("Holm p"), "{text}");
        let foreign = input(vec![Outcome::skipped("symbol_runs", "does not apply")]);
        assert_eq!(
            untested_reason(&foreign, &foreign.sources[0]),
            "no selected test applies (symbol_runs: does not apply)"
        );
    }

    #[test]
    fn byte_counts_read_exactly() {
        assert_eq!(bytes_text(1), "1 byte");
        assert_eq!(bytes_text(100), "100 bytes");
        assert_eq!(bytes_text(4 << 20), "4 MiB");
        assert_eq!(bytes_text(1280), "1280 bytes (1.2 KiB)");
        assert_eq!(statistic_text(16_766_352.0), "1.6766e7");
        assert_eq!(statistic_text(0.137_921_3), "0.137921");
    }

    /// Prints a realistic report for a person to look at:
    /// `cargo test --lib report::terminal -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn print_realistic_report_for_inspection() {
        println!("{}", render(&fixtures::realistic(100)));
    }
}
