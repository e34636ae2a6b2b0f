//! The report's own charts: `verdicts.png` (a sources × tests heatmap of verdicts) and
//! `pvalues.png` (per test, histograms of the per-stream p-values of good sources and of
//! controls).
//!
//! The charts are what a reader looks at first on the report page. Layout is computed from the
//! measured width of the text, so long source or test names widen the image rather than
//! overlapping their neighbours. The font, text drawing and the atomic writer are the shared
//! toolkit in `crate::chart`.

use super::terminal::{grid, mark, short, Grid};
use super::{Report, Sink};
use crate::chart::palette::{
    FAIL_COLOUR, MARGIN, MUTED_TEXT, PASS_COLOUR, SMALL_SIZE, TEXT_SIZE, TITLE_SIZE, WEAK_COLOUR,
};
use crate::chart::{font, histogram_bars, text, text_width, write_error, write_png};
use crate::second_level::{Verdict, WEAK_BELOW};
use crate::source::Kind;
use crate::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::path::Path;

/// File name of the verdict chart, inside the output directory.
pub const VERDICTS_FILE: &str = "verdicts.png";
/// File name of the p-value histograms, inside the output directory.
pub const PVALUES_FILE: &str = "pvalues.png";

const ROW_HEIGHT: i32 = 26;
/// Extra space between kinds, so groups read apart.
const GROUP_GAP: i32 = 10;
/// Padding inside a column on each side of its widest text.
const PAD: i32 = 10;

const SKIPPED_COLOUR: RGBColor = RGBColor(0xbd, 0xbd, 0xbd);
const LINE_COLOUR: RGBColor = RGBColor(0x9e, 0x9e, 0x9e);
const GOOD_COLOUR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const CONTROL_COLOUR: RGBColor = RGBColor(0xd9, 0x5f, 0x02);

/// Bins of the p-value histograms (NIST's uniformity check uses ten too).
const BINS: usize = 10;
const PANEL_WIDTH: i32 = 380;
const PANEL_HEIGHT: i32 = 230;
const MAX_PANEL_COLUMNS: usize = 4;
/// Space between one test's pair of panels and the next row's, so pairs read as one.
const BLOCK_GAP: i32 = 28;
/// Title and subtitle above the panels.
const HEADER_HEIGHT: i32 = 64;

/// Writes `verdicts.png` and `pvalues.png`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PngSink;

impl Sink for PngSink {
    fn name(&self) -> &'static str {
        "png"
    }

    fn summary(&self) -> &'static str {
        "charts: the verdict grid and the p-value histograms; verdicts.png, pvalues.png"
    }

    fn files(&self) -> &'static [&'static str] {
        &[VERDICTS_FILE, PVALUES_FILE]
    }

    fn write(&self, report: &Report, dir: &Path) -> Result<(), Error> {
        let path = dir.join(VERDICTS_FILE);
        let layout = Heatmap::new(report).map_err(|e| write_error(&path, e))?;
        write_png(&path, layout.size(), |area| layout.draw(area))?;
        let path = dir.join(PVALUES_FILE);
        let panels = Panels::new(report);
        write_png(&path, panels.size(), |area| panels.draw(area))
    }
}

fn filled_box<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    (w, h): (i32, i32),
    colour: &RGBColor,
) -> Result<(), String> {
    area.draw(&Rectangle::new([(x, y), (x + w, y + h)], colour.filled()))
        .map_err(|e| e.to_string())
}

fn verdict_colour(verdict: Verdict) -> RGBColor {
    match verdict {
        Verdict::Pass => PASS_COLOUR,
        Verdict::Weak => WEAK_COLOUR,
        Verdict::Fail => FAIL_COLOUR,
        Verdict::Skipped => SKIPPED_COLOUR,
    }
}

/// Text on a filled cell: white on red, black elsewhere, for contrast.
fn verdict_text_colour(verdict: Verdict) -> RGBColor {
    if verdict == Verdict::Fail {
        WHITE
    } else {
        BLACK
    }
}

/// The heatmap's geometry, measured from its text before anything is drawn.
struct Heatmap<'a> {
    grid: Grid<'a>,
    title: String,
    subtitle: String,
    name_width: i32,
    kind_width: i32,
    test_widths: Vec<i32>,
    overall_width: i32,
    legend: Vec<(Option<Verdict>, String, i32)>,
    width: i32,
    height: i32,
}

impl<'a> Heatmap<'a> {
    fn new(report: &'a Report) -> Result<Self, String> {
        let grid = grid(report);
        let expected = report.sources.iter().filter(|s| s.as_expected()).count();
        let title = format!(
            "Verdict per source and test: battery {}, {}",
            report.battery,
            report.plan_phrase()
        );
        let subtitle = format!(
            "{expected} of {} sources as expected (✓). A cell is the worst verdict over the \
             test's labels. Master seed {}.",
            report.sources.len(),
            report.master_seed
        );
        let column = |header: &str, values: &mut dyn Iterator<Item = String>| {
            let mut widest = text_width(header, TEXT_SIZE)?;
            for value in values {
                widest = widest.max(text_width(&value, TEXT_SIZE)?);
            }
            Ok::<i32, String>(widest + 2 * PAD)
        };
        let name_width = column(
            "source",
            &mut grid.rows.iter().map(|(s, _)| s.source.clone()),
        )?;
        let kind_width = column(
            "kind",
            &mut grid.rows.iter().map(|(s, _)| s.kind.as_str().to_string()),
        )?;
        let cell_minimum = column("WEAK", &mut std::iter::empty())?;
        let test_widths = grid
            .tests
            .iter()
            .map(|t| Ok(column(t, &mut std::iter::empty())?.max(cell_minimum)))
            .collect::<Result<Vec<i32>, String>>()?;
        // The widest text an overall cell can hold, whatever this report's verdicts.
        let overall_width = column("overall", &mut std::iter::once("WEAK ✗".to_string()))?;
        let legend = [
            (Some(Verdict::Pass), "pass".to_string()),
            (
                Some(Verdict::Weak),
                format!("weak (kept by Holm, p < {WEAK_BELOW})"),
            ),
            (Some(Verdict::Fail), "fail (rejected by Holm)".to_string()),
            (
                Some(Verdict::Skipped),
                "skipped (test does not apply)".to_string(),
            ),
            (
                None,
                "✓ / ✗ = as expected or not (controls must fail)".to_string(),
            ),
        ]
        .into_iter()
        .map(|(v, label)| text_width(&label, SMALL_SIZE).map(|width| (v, label, width)))
        .collect::<Result<Vec<_>, String>>()?;

        let table_width =
            name_width + kind_width + test_widths.iter().sum::<i32>() + PAD + overall_width;
        let legend_width: i32 = legend.iter().map(|(_, _, w)| w + 40).sum();
        let width = [
            table_width,
            text_width(&title, TITLE_SIZE)?,
            text_width(&subtitle, SMALL_SIZE)?,
            legend_width.min(table_width.max(600)),
        ]
        .into_iter()
        .max()
        .unwrap_or(table_width)
            + 2 * MARGIN;
        let mut heatmap = Heatmap {
            grid,
            title,
            subtitle,
            name_width,
            kind_width,
            test_widths,
            overall_width,
            legend,
            width,
            height: 0,
        };
        let (_, legend_bottom) = heatmap.legend_positions();
        heatmap.height = legend_bottom + MARGIN;
        Ok(heatmap)
    }

    fn size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    /// The top of the header row, below the title and subtitle.
    fn header_y(&self) -> i32 {
        MARGIN + 62
    }

    /// The top of each row, with a gap where the kind changes.
    fn row_tops(&self) -> Vec<i32> {
        let mut y = self.header_y() + ROW_HEIGHT;
        let mut previous: Option<Kind> = None;
        self.grid
            .rows
            .iter()
            .map(|(source, _)| {
                if previous.is_some_and(|kind| kind != source.kind) {
                    y += GROUP_GAP;
                }
                previous = Some(source.kind);
                let top = y;
                y += ROW_HEIGHT;
                top
            })
            .collect()
    }

    /// Where each legend entry starts (wrapping to the image width) and the legend's bottom.
    fn legend_positions(&self) -> (Vec<(i32, i32)>, i32) {
        let rows_bottom = self
            .row_tops()
            .last()
            .map_or(self.header_y() + ROW_HEIGHT, |top| top + ROW_HEIGHT);
        let mut x = MARGIN;
        let mut y = rows_bottom + 20;
        let mut positions = Vec::new();
        for (verdict, _, width) in &self.legend {
            let entry = width + if verdict.is_some() { 26 } else { 0 } + 24;
            if x > MARGIN && x + entry > self.width - MARGIN {
                x = MARGIN;
                y += 24;
            }
            positions.push((x, y));
            x += entry;
        }
        (positions, y + 24)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        text(
            area,
            &self.title,
            (MARGIN, MARGIN + 10),
            TITLE_SIZE,
            &BLACK,
            HPos::Left,
        )?;
        text(
            area,
            &self.subtitle,
            (MARGIN, MARGIN + 38),
            SMALL_SIZE,
            &MUTED_TEXT,
            HPos::Left,
        )?;

        let header_middle = self.header_y() + ROW_HEIGHT / 2;
        let tests_left = MARGIN + self.name_width + self.kind_width;
        let overall_left = tests_left + self.test_widths.iter().sum::<i32>() + PAD;
        text(
            area,
            "source",
            (MARGIN + PAD, header_middle),
            TEXT_SIZE,
            &BLACK,
            HPos::Left,
        )?;
        let kind_left = MARGIN + self.name_width;
        text(
            area,
            "kind",
            (kind_left + PAD, header_middle),
            TEXT_SIZE,
            &BLACK,
            HPos::Left,
        )?;
        let mut x = tests_left;
        for (test, &width) in self.grid.tests.iter().zip(&self.test_widths) {
            text(
                area,
                test,
                (x + width / 2, header_middle),
                TEXT_SIZE,
                &BLACK,
                HPos::Center,
            )?;
            x += width;
        }
        let overall_middle = overall_left + self.overall_width / 2;
        text(
            area,
            "overall",
            (overall_middle, header_middle),
            TEXT_SIZE,
            &BLACK,
            HPos::Center,
        )?;
        let line_y = self.header_y() + ROW_HEIGHT - 1;
        area.draw(&PathElement::new(
            [
                (MARGIN, line_y),
                (overall_left + self.overall_width, line_y),
            ],
            LINE_COLOUR,
        ))
        .map_err(|e| e.to_string())?;

        for ((source, verdicts), top) in self.grid.rows.iter().zip(self.row_tops()) {
            let middle = top + ROW_HEIGHT / 2;
            text(
                area,
                &source.source,
                (MARGIN + PAD, middle),
                TEXT_SIZE,
                &BLACK,
                HPos::Left,
            )?;
            let kind = source.kind.as_str();
            text(
                area,
                kind,
                (kind_left + PAD, middle),
                TEXT_SIZE,
                &MUTED_TEXT,
                HPos::Left,
            )?;
            let mut x = tests_left;
            for (verdict, &width) in verdicts.iter().zip(&self.test_widths) {
                self.cell(area, (x, top), width, *verdict, None)?;
                x += width;
            }
            let overall = (overall_left, top);
            self.cell(
                area,
                overall,
                self.overall_width,
                Some(source.verdict),
                Some(mark(source)),
            )?;
        }

        let (positions, _) = self.legend_positions();
        for ((verdict, label, _), (x, y)) in self.legend.iter().zip(positions) {
            let mut x = x;
            if let Some(verdict) = verdict {
                filled_box(area, (x, y - 9), (18, 18), &verdict_colour(*verdict))?;
                x += 26;
            }
            text(area, label, (x, y), SMALL_SIZE, &BLACK, HPos::Left)?;
        }
        Ok(())
    }

    /// One coloured cell with its verdict, plus `suffix` (the ✓/✗ of the overall column).
    fn cell<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (x, top): (i32, i32),
        width: i32,
        verdict: Option<Verdict>,
        suffix: Option<&str>,
    ) -> Result<(), String> {
        let Some(verdict) = verdict else {
            // Never ran (not even skipped): an empty outlined cell.
            let corners = [(x + 2, top + 2), (x + width - 2, top + ROW_HEIGHT - 2)];
            return area
                .draw(&Rectangle::new(corners, LINE_COLOUR.stroke_width(1)))
                .map_err(|e| e.to_string());
        };
        filled_box(
            area,
            (x + 2, top + 2),
            (width - 4, ROW_HEIGHT - 4),
            &verdict_colour(verdict),
        )?;
        let label = match suffix {
            Some(suffix) => format!("{} {suffix}", short(verdict)),
            None => short(verdict).to_string(),
        };
        let middle = (x + width / 2, top + ROW_HEIGHT / 2);
        text(
            area,
            &label,
            middle,
            TEXT_SIZE,
            &verdict_text_colour(verdict),
            HPos::Center,
        )
    }
}

/// Per-test histograms of p-values: for each test a panel of good sources above a panel of
/// controls, each with its own scale (controls pile into the first bin and would flatten the
/// good sources' bars on a shared one).
struct Panels {
    /// Test name, and the bin counts of good sources and of controls.
    tests: Vec<(&'static str, [u64; BINS], [u64; BINS])>,
    columns: usize,
    title: String,
    subtitle: String,
}

impl Panels {
    fn new(report: &Report) -> Self {
        let tests = grid(report)
            .tests
            .into_iter()
            .map(|test| {
                let mut good = [0u64; BINS];
                let mut controls = [0u64; BINS];
                for stream in &report.results {
                    let bins = if stream.kind == Kind::Control {
                        &mut controls
                    } else {
                        &mut good
                    };
                    for p in stream
                        .outcomes
                        .iter()
                        .filter(|o| o.test == test)
                        .filter_map(|o| o.p_value())
                    {
                        // A p-value of exactly 1 belongs in the last bin, as in NIST's count.
                        let bin = crate::second_level::p_value_bin(p, BINS);
                        bins[bin] += 1;
                    }
                }
                (test, good, controls)
            })
            .collect::<Vec<_>>();
        // As many rows as four columns need, then as few columns as those rows need, so the
        // last row is not left with one lonely panel (nine tests: 3 × 3, not 4 + 4 + 1).
        let rows = tests.len().div_ceil(MAX_PANEL_COLUMNS).max(1);
        let columns = tests.len().div_ceil(rows).max(1);
        let title = "Per-stream p-values by test".to_string();
        let subtitle = format!(
            "{BINS} bins; blue: good sources, orange: controls; dashed line: the uniform \
             expectation, which a good generator's bars hug. Battery {}, {}.",
            report.battery,
            report.plan_phrase()
        );
        Panels {
            tests,
            columns,
            title,
            subtitle,
        }
    }

    fn block_rows(&self) -> usize {
        self.tests.len().div_ceil(self.columns).max(1)
    }

    /// The top of the pair of panels of the test at `index`.
    fn block_top(&self, index: usize) -> i32 {
        let row = (index / self.columns) as i32;
        MARGIN + HEADER_HEIGHT + row * (2 * PANEL_HEIGHT + BLOCK_GAP)
    }

    fn size(&self) -> (u32, u32) {
        let mut width = self.columns as i32 * PANEL_WIDTH;
        for (line, size) in [(&self.title, TITLE_SIZE), (&self.subtitle, SMALL_SIZE)] {
            width = width.max(text_width(line, size).unwrap_or(0));
        }
        let rows = self.block_rows() as i32;
        let height = HEADER_HEIGHT + rows * 2 * PANEL_HEIGHT + (rows - 1) * BLOCK_GAP;
        ((width + 2 * MARGIN) as u32, (height + 2 * MARGIN) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        text(
            area,
            &self.title,
            (MARGIN, MARGIN + 10),
            TITLE_SIZE,
            &BLACK,
            HPos::Left,
        )?;
        let subtitle_at = (MARGIN, MARGIN + 38);
        text(
            area,
            &self.subtitle,
            subtitle_at,
            SMALL_SIZE,
            &MUTED_TEXT,
            HPos::Left,
        )?;
        if self.tests.is_empty() {
            let at = (MARGIN, MARGIN + HEADER_HEIGHT + 20);
            return text(
                area,
                "no tests in this report",
                at,
                TEXT_SIZE,
                &MUTED_TEXT,
                HPos::Left,
            );
        }
        for (index, (test, good, controls)) in self.tests.iter().enumerate() {
            let left = MARGIN + (index % self.columns) as i32 * PANEL_WIDTH;
            let top = self.block_top(index);
            for (offset, counts, colour, group) in [
                (0, good, GOOD_COLOUR, "good sources"),
                (PANEL_HEIGHT, controls, CONTROL_COLOUR, "controls"),
            ] {
                let panel = area.clone().shrink(
                    (left, top + offset),
                    (PANEL_WIDTH as u32, PANEL_HEIGHT as u32),
                );
                histogram(&panel, test, group, counts, &colour)?;
            }
        }
        Ok(())
    }
}

/// One histogram panel with the uniform expectation as a dashed line.
fn histogram<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    test: &str,
    group: &str,
    counts: &[u64; BINS],
    colour: &RGBColor,
) -> Result<(), String> {
    let total: u64 = counts.iter().sum();
    let caption = format!("{test}: {group} ({total} p-values)");
    let failed = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    if total == 0 {
        let caption = format!("{test}: {group}");
        text(
            panel,
            &caption,
            (PANEL_WIDTH / 2, 20),
            TEXT_SIZE,
            &BLACK,
            HPos::Center,
        )?;
        let middle = (PANEL_WIDTH / 2, PANEL_HEIGHT / 2);
        return text(
            panel,
            "no measured streams",
            middle,
            SMALL_SIZE,
            &MUTED_TEXT,
            HPos::Center,
        );
    }
    let expected = total as f64 / BINS as f64;
    let highest = counts.iter().copied().max().unwrap_or(0) as f64;
    let top = highest.max(expected) * 1.15;
    // The caption is drawn here rather than by ChartBuilder so it gets the same glyph
    // placement as every other text (see `Metrics`).
    text(
        panel,
        &caption,
        (PANEL_WIDTH / 2, 16),
        TEXT_SIZE,
        &BLACK,
        HPos::Center,
    )?;
    let mut chart = ChartBuilder::on(panel)
        .margin(8)
        .margin_top(34)
        .margin_right(16)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..1f64, 0f64..top)
        .map_err(failed)?;
    // Counts are whole; fractional key points would print the same label twice.
    let whole = |y: &f64| {
        if y.fract() == 0.0 {
            format!("{y:.0}")
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&whole)
        .y_desc("streams")
        .label_style(font(SMALL_SIZE - 2.0))
        .axis_desc_style(font(SMALL_SIZE))
        // Light lines between every count make the controls' tall scale look like hatching.
        .max_light_lines(0)
        .draw()
        .map_err(failed)?;
    histogram_bars(&mut chart, counts, expected, colour)?;
    // The x description is drawn here, centred under the plot, for the same glyph placement as
    // the caption; the rotated y description stays with plotters.
    let (plot_x, _) = chart.plotting_area().get_pixel_range();
    let (panel_x, _) = panel.get_pixel_range();
    let centre = (plot_x.start + plot_x.end) / 2 - panel_x.start;
    let at = (centre, PANEL_HEIGHT - 14);
    text(panel, "p-value", at, SMALL_SIZE, &BLACK, HPos::Center)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ensure_font;
    use crate::report::fixtures;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    /// Draws into memory and returns the RGB pixels.
    fn pixels(
        size: (u32, u32),
        draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    ) -> Vec<u8> {
        ensure_font().unwrap();
        let mut buffer = vec![0u8; size.0 as usize * size.1 as usize * 3];
        {
            let area = BitMapBackend::with_buffer(&mut buffer, size).into_drawing_area();
            area.fill(&WHITE).unwrap();
            draw(&area).unwrap();
            area.present().unwrap();
        }
        buffer
    }

    /// Dark pixels (text is the only black on the charts) in rows `rows` of an RGB image.
    fn dark_pixels(buffer: &[u8], width: u32, rows: std::ops::Range<u32>) -> usize {
        let row_bytes = width as usize * 3;
        buffer[rows.start as usize * row_bytes..rows.end as usize * row_bytes]
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 90))
            .count()
    }

    #[test]
    fn titles_render_as_text_without_system_fonts() {
        let report = fixtures::small();
        let heatmap = Heatmap::new(&report).unwrap();
        let size = heatmap.size();
        let buffer = pixels(size, |area| heatmap.draw(area));
        // The title band holds only the title's glyphs; a missing font would leave it white.
        let title = dark_pixels(&buffer, size.0, MARGIN as u32..MARGIN as u32 + 24);
        assert!(title > 300, "{title} dark pixels in the title band");
        let panels = Panels::new(&report);
        let size = panels.size();
        let buffer = pixels(size, |area| panels.draw(area));
        let title = dark_pixels(&buffer, size.0, MARGIN as u32..MARGIN as u32 + 20);
        assert!(title > 300, "{title} dark pixels in the title band");
    }

    #[test]
    fn heatmap_cells_are_coloured_by_verdict() {
        let report = fixtures::small();
        let heatmap = Heatmap::new(&report).unwrap();
        let size = heatmap.size();
        let buffer = pixels(size, |area| heatmap.draw(area));
        let colour_at = |x: i32, y: i32| {
            let at = (y as usize * size.0 as usize + x as usize) * 3;
            RGBColor(buffer[at], buffer[at + 1], buffer[at + 2])
        };
        let tops = heatmap.row_tops();
        let first_cell = MARGIN + heatmap.name_width + heatmap.kind_width + 4;
        // chacha20's monobit cell passes; counter's fails (probed at the cell's top-left
        // corner, clear of the text).
        assert_eq!(colour_at(first_cell, tops[0] + 4), PASS_COLOUR);
        assert_eq!(colour_at(first_cell, tops[1] + 4), FAIL_COLOUR);
    }

    #[test]
    fn sink_writes_valid_pngs_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let report = fixtures::realistic(20);
        PngSink.write(&report, dir.path()).unwrap();
        for name in PngSink.files() {
            let bytes = std::fs::read(dir.path().join(name)).unwrap();
            assert!(bytes.starts_with(PNG_SIGNATURE), "{name}");
            // Several kilobytes of compressed text and colour, not an empty canvas.
            assert!(bytes.len() > 10_000, "{name}: {} bytes", bytes.len());
        }
        let entries: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries.len(), 2, "temporaries left behind: {entries:?}");
        // Drawing is deterministic, so a rewrite gives the same bytes.
        let first = std::fs::read(dir.path().join(VERDICTS_FILE)).unwrap();
        PngSink.write(&report, dir.path()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(VERDICTS_FILE)).unwrap(),
            first
        );
    }

    #[test]
    fn unwritable_directory_is_a_write_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        match PngSink.write(&fixtures::small(), &missing) {
            Err(Error::Write { path, .. }) => assert_eq!(path, missing.join(VERDICTS_FILE)),
            other => panic!("expected Error::Write, got {other:?}"),
        }
        assert!(!missing.exists());
    }

    #[test]
    fn empty_report_still_draws() {
        let mut report = fixtures::small();
        report.results.clear();
        report.cells.clear();
        report.sources.clear();
        let dir = tempfile::tempdir().unwrap();
        PngSink.write(&report, dir.path()).unwrap();
    }

    /// Writes every file sink's output for a realistic and for the small report into
    /// /tmp/rngaudit-png/ for a person to look at: `cargo test --lib report::png -- --ignored`.
    #[test]
    #[ignore]
    fn render_reports_for_inspection() {
        let dir = Path::new("/tmp/rngaudit-png");
        let small = dir.join("small");
        std::fs::create_dir_all(&small).unwrap();
        for sink in crate::report::FORMATS {
            sink.write(&fixtures::realistic(100), dir).unwrap();
            sink.write(&fixtures::small(), &small).unwrap();
        }
    }
}
