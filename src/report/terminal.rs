//! The terminal rendering: what `rngaudit report` prints when a person is watching.
//!
//! It answers three questions in order of how often they are asked: did every source come out
//! as expected, where exactly did anything fail, and how badly. It is plain text without
//! colour codes (so it survives pipes and CI logs) and stays under [`MAX_WIDTH`] columns with
//! all built-in sources and a full battery. This file also owns the sources × tests grid that
//! the Markdown and PNG sinks draw, so all three show the same cells in the same order.

use super::json::CAVEAT;
use super::{format_p, Report};
use crate::second_level::{CellSummary, SourceSummary, Verdict};
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

/// ✓ when the source came out as its kind expects, ✗ otherwise.
pub(crate) fn mark(source: &SourceSummary) -> &'static str {
    if source.as_expected() {
        "✓"
    } else {
        "✗"
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

/// The sentence that says whether the run came out as expected.
pub(crate) fn outcome_line(report: &Report) -> String {
    let unexpected: Vec<&str> = report
        .sources
        .iter()
        .filter(|s| !s.as_expected())
        .map(|s| s.source.as_str())
        .collect();
    if report.sources.len() == 1 {
        let verdict = if unexpected.is_empty() {
            "came"
        } else {
            "did NOT come"
        };
        format!("The source {verdict} out as expected.")
    } else if unexpected.is_empty() {
        format!("All {} sources came out as expected.", report.sources.len())
    } else {
        format!(
            "{} of {} sources did NOT come out as expected: {}.",
            unexpected.len(),
            report.sources.len(),
            unexpected.join(", ")
        )
    }
}

/// Whether a cell's verdict is the expected catch of a control, not news.
fn expected_catch(cell: &CellSummary) -> bool {
    cell.kind == Kind::Control && cell.verdict == Verdict::Fail
}

/// Cells worth a look, in grid order: `fail` and `weak` cells, except controls' failures
/// (expected, and numerous: see [`caught_controls`]).
pub(crate) fn flagged_cells(report: &Report) -> Vec<&CellSummary> {
    let grid = grid(report);
    grid.rows
        .iter()
        .flat_map(|(source, _)| {
            report.cells.iter().filter(move |c| {
                c.source == source.source
                    && matches!(c.verdict, Verdict::Fail | Verdict::Weak)
                    && !expected_catch(c)
            })
        })
        .collect()
}

/// For each control that failed somewhere: its name, the number of failing cells, and the
/// tests that caught it (`serial ×2` for two labels of one test), so a battery with many
/// labelled results still takes one line per control.
pub(crate) fn caught_controls(report: &Report) -> Vec<(&str, usize, String)> {
    report
        .sources
        .iter()
        .filter(|s| s.kind == Kind::Control)
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

/// Renders the report for a terminal.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rngaudit: battery {}, {} sources × {} streams × {} bytes, master seed {}, family α {}",
        report.battery,
        report.sources.len(),
        report.streams,
        format_size(report.bytes),
        report.master_seed,
        report.family_alpha
    );
    out.push('\n');
    let grid = grid(report);
    let name_width = width_of("source", grid.rows.iter().map(|(s, _)| s.source.as_str()));

    let kind_width = width_of("kind", grid.rows.iter().map(|(s, _)| s.kind.as_str()));
    let widths = [name_width, kind_width, 7, 8, 11];
    row(
        &mut out,
        &["source", "kind", "verdict", "expected", "as expected"],
        &widths,
    );
    for (source, _) in &grid.rows {
        row(
            &mut out,
            &[
                &source.source,
                source.kind.as_str(),
                short(source.verdict),
                source.expected,
                mark(source),
            ],
            &widths,
        );
    }

    out.push('\n');
    render_grid(&mut out, &grid, name_width);

    let flagged = flagged_cells(report);
    out.push('\n');
    if flagged.is_empty() {
        out.push_str("No generator cell failed or is weak.\n");
    } else {
        out.push_str("Cells that failed or are weak (every cell is in summary.csv):\n");
        let names: Vec<String> = flagged.iter().map(|c| c.display_name()).collect();
        let test_width = width_of("test", names.iter().map(String::as_str));
        let texts: Vec<(String, String)> = flagged
            .iter()
            .map(|c| (proportion_text(c), uniformity_text(c)))
            .collect();
        let pass_width = width_of("passed", texts.iter().map(|(p, _)| p.as_str()));
        let widths = [name_width, test_width, 7, pass_width, 12];
        row(
            &mut out,
            &["source", "test", "verdict", "passed", "uniformity p"],
            &widths,
        );
        for ((cell, name), (passed, uniformity)) in flagged.iter().zip(&names).zip(&texts) {
            row(
                &mut out,
                &[&cell.source, name, short(cell.verdict), passed, uniformity],
                &widths,
            );
        }
    }
    let caught = caught_controls(report);
    if !caught.is_empty() {
        out.push_str("\nControls caught, as they should be (failing cells by test):\n");
        for (source, cells, tests) in caught {
            let head = format!("{source:<name_width$}  {cells:>3} cells: ");
            wrap(&mut out, &head, &tests);
        }
    }

    out.push('\n');
    out.push_str(&outcome_line(report));
    out.push('\n');
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
        assert!(
            text.contains("No generator cell failed or is weak."),
            "{text}"
        );
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
        // Two measured streams of three (one skipped), too few for a uniformity p-value.
        assert!(row.contains("FAIL     2/2 = 1.000 (need ≥ 0.779)"), "{row}");
        assert!(row.ends_with("n/a (< 10 streams)"), "{row}");
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
        assert!(text.contains("smallrng         runs  WEAK"), "{text}");
        assert!(text.contains("ctl_randu          7 cells: blockfrequency, runs, serial ×2"));
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

    /// Prints a realistic report for a person to look at:
    /// `cargo test --lib report::terminal -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn print_realistic_report_for_inspection() {
        println!("{}", render(&fixtures::realistic(100)));
    }
}
