//! `throughput.png`: the bench as one picture. Two panels side by side share one row per
//! source: bulk GB/s on the left (longer is faster), ns per small request or token on the
//! right (shorter is faster), both on log axes because the figures span four orders of
//! magnitude (a getrandom call per choice62 character against Xoshiro filling a buffer).
//! Colour says what a row is (seeded, secure, token, Python, control), so "secure costs more"
//! reads off the chart without a legend lookup per row; whiskers show each row's min–max.
//!
//! Text uses the font bundled in `crate::chart`, so the image renders the same on a machine
//! without system fonts, and is written through its atomic writer (a temporary file beside the
//! target, renamed into place) as every chart is.

use super::types::{three_digits, with_unit, Bench, Mode, Row, RowKind};
use crate::chart::palette::{MARGIN, MUTED_TEXT, SMALL_SIZE, TEXT_SIZE, TITLE_SIZE};
use crate::chart::{ensure_font, text, text_width, write_png};
use crate::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::path::Path;

/// File name of the throughput chart, inside the output directory.
pub const FILE: &str = "throughput.png";

/// One source: room for the one-thread bar above the all-threads bar.
const ROW_HEIGHT: i32 = 28;
const BAR_HEIGHT: i32 = 11;
/// Space between kinds, so groups read apart.
const GROUP_GAP: i32 = 12;
const PAD: i32 = 10;
/// Width of each panel's plotting area.
const PLOT_WIDTH: i32 = 440;
/// Room right of each plot for the value printed after the longest bar.
const VALUE_ROOM: i32 = 72;
const PANEL_GAP: i32 = 28;
/// Title, two subtitle lines, the legend and the panel titles above the rows.
const HEADER_HEIGHT: i32 = 150;
/// Tick labels and the axis title below the rows.
const FOOTER_HEIGHT: i32 = 56;

const SEEDED_COLOUR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const SECURE_COLOUR: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const TOKEN_COLOUR: RGBColor = RGBColor(0x94, 0x67, 0xbd);
const PYTHON_COLOUR: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const CONTROL_COLOUR: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
const MAJOR_GRID: RGBColor = RGBColor(0xbd, 0xbd, 0xbd);
const MINOR_GRID: RGBColor = RGBColor(0xe6, 0xe6, 0xe6);
const WHISKER: RGBColor = RGBColor(0x21, 0x21, 0x21);

/// The colour of a kind's bars; the all-threads bar is the same colour, lighter.
fn kind_colour(kind: RowKind) -> RGBColor {
    match kind {
        RowKind::Seeded => SEEDED_COLOUR,
        RowKind::Secure => SECURE_COLOUR,
        RowKind::Token => TOKEN_COLOUR,
        RowKind::Python => PYTHON_COLOUR,
        RowKind::Control | RowKind::External => CONTROL_COLOUR,
    }
}

fn lighter(colour: RGBColor) -> RGBColor {
    let mix = |c: u8| ((u16::from(c) + 2 * 255) / 3) as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// Writes the chart of `bench` to `path`, through a temporary file renamed into place.
pub fn write(bench: &Bench, path: &Path) -> Result<(), Error> {
    let chart = Chart::new(bench).map_err(|message| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(message),
    })?;
    write_png(path, chart.size(), |area| chart.draw(area))
}

fn filled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (left, top): (i32, i32),
    (right, bottom): (i32, i32),
    colour: &RGBColor,
) -> Result<(), String> {
    area.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        colour.filled(),
    ))
    .map_err(|e| e.to_string())
}

fn line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    from: (i32, i32),
    to: (i32, i32),
    colour: &RGBColor,
) -> Result<(), String> {
    area.draw(&PathElement::new([from, to], colour.stroke_width(1)))
        .map_err(|e| e.to_string())
}

/// A log-10 axis from `10^low` to `10^high` over `width` pixels starting at `left`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LogAxis {
    low: i32,
    high: i32,
    left: i32,
    width: i32,
}

impl LogAxis {
    /// The decades that hold every value (whole decades, so the grid lines are 1, 10, 100).
    fn spanning(values: impl Iterator<Item = f64>, left: i32, width: i32) -> LogAxis {
        let (mut low, mut high) = (i32::MAX, i32::MIN);
        for value in values.filter(|v| v.is_finite() && *v > 0.0) {
            low = low.min(value.log10().floor() as i32);
            high = high.max(value.log10().ceil() as i32);
        }
        if low > high {
            (low, high) = (0, 1);
        }
        LogAxis {
            low,
            high: high.max(low + 1),
            left,
            width,
        }
    }

    /// The pixel column of `value`, clamped to the axis.
    fn x(&self, value: f64) -> i32 {
        let decades = f64::from(self.high - self.low);
        let at = (value.max(1e-300).log10() - f64::from(self.low)) / decades;
        self.left + (at.clamp(0.0, 1.0) * f64::from(self.width)).round() as i32
    }
}

/// One line of the chart: a source (or a Python call) and its bars in either panel.
struct Line<'a> {
    label: &'a str,
    kind: RowKind,
    bulk: Option<&'a Row>,
    all_threads: Option<&'a Row>,
    call: Option<&'a Row>,
    top: i32,
}

/// The chart's geometry, measured from its text before anything is drawn.
struct Chart<'a> {
    title: String,
    subtitles: [String; 2],
    lines: Vec<Line<'a>>,
    kinds: Vec<RowKind>,
    threads: usize,
    label_width: i32,
    bulk: LogAxis,
    call: LogAxis,
    width: i32,
    height: i32,
}

impl<'a> Chart<'a> {
    fn new(bench: &'a Bench) -> Result<Chart<'a>, String> {
        ensure_font()?;
        // One line per source in the order rows came, then grouped by kind (a stable sort):
        // seeded, secure, token, Python, control.
        let mut lines: Vec<Line<'a>> = Vec::new();
        for row in &bench.results {
            let index = match lines.iter().position(|line| line.label == row.source) {
                Some(index) => index,
                None => {
                    lines.push(Line {
                        label: &row.source,
                        kind: row.kind,
                        bulk: None,
                        all_threads: None,
                        call: None,
                        top: 0,
                    });
                    lines.len() - 1
                }
            };
            let line = &mut lines[index];
            match row.mode {
                Mode::Bulk => line.bulk = Some(row),
                Mode::BulkAllThreads => line.all_threads = Some(row),
                Mode::Call16 | Mode::Token => line.call = Some(row),
            }
        }
        lines.sort_by_key(|line| line.kind);
        let mut y = MARGIN + HEADER_HEIGHT;
        let mut previous = None;
        for line in &mut lines {
            if previous.is_some_and(|kind| kind != line.kind) {
                y += GROUP_GAP;
            }
            previous = Some(line.kind);
            line.top = y;
            y += ROW_HEIGHT;
        }
        let mut kinds: Vec<RowKind> = lines.iter().map(|line| line.kind).collect();
        kinds.dedup();

        let mut label_width = text_width("source", TEXT_SIZE)?;
        for line in &lines {
            label_width = label_width.max(text_width(line.label, TEXT_SIZE)?);
        }
        label_width += 2 * PAD;
        let spread = |row: &Row| [row.median(), row.min, row.max];
        let bulk_left = MARGIN + label_width;
        let bulk = LogAxis::spanning(
            lines
                .iter()
                .flat_map(|line| [line.bulk, line.all_threads])
                .flatten()
                .flat_map(spread),
            bulk_left,
            PLOT_WIDTH,
        );
        let call_left = bulk_left + PLOT_WIDTH + VALUE_ROOM + PANEL_GAP;
        let call = LogAxis::spanning(
            lines.iter().filter_map(|line| line.call).flat_map(spread),
            call_left,
            PLOT_WIDTH,
        );
        let runs = bench.results.first().map_or(0, |row| row.runs);
        let title = "Secure vs seeded: what randomness costs".to_string();
        let subtitles = [
            format!(
                "{}; median of {runs} runs, whiskers from the fastest to the slowest run; log \
                 scales{}.",
                bench.cpu,
                if bench.quick { "; --quick" } else { "" }
            ),
            if bench.threads > 1 {
                format!(
                    "Left: GB/s filling 1 MiB buffers, dark bar one thread, light bar all {} \
                     threads (longer is faster). Right: ns per 16-byte request or token \
                     (shorter is faster).",
                    bench.threads
                )
            } else {
                "Left: GB/s filling 1 MiB buffers on one thread (longer is faster). Right: \
                 ns per 16-byte request or token (shorter is faster)."
                    .to_string()
            },
        ];
        let rows_bottom = lines
            .last()
            .map_or(MARGIN + HEADER_HEIGHT, |line| line.top + ROW_HEIGHT);
        let mut width = call_left + PLOT_WIDTH + VALUE_ROOM + MARGIN;
        width = width.max(text_width(&title, TITLE_SIZE)? + 2 * MARGIN);
        for subtitle in &subtitles {
            width = width.max(text_width(subtitle, SMALL_SIZE)? + 2 * MARGIN);
        }
        Ok(Chart {
            title,
            subtitles,
            lines,
            kinds,
            threads: bench.threads,
            label_width,
            bulk,
            call,
            width,
            height: rows_bottom + FOOTER_HEIGHT + MARGIN,
        })
    }

    fn size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    fn rows_top(&self) -> i32 {
        MARGIN + HEADER_HEIGHT
    }

    fn rows_bottom(&self) -> i32 {
        self.lines
            .last()
            .map_or(self.rows_top(), |line| line.top + ROW_HEIGHT)
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
        for (index, subtitle) in self.subtitles.iter().enumerate() {
            let y = MARGIN + 40 + 22 * index as i32;
            text(
                area,
                subtitle,
                (MARGIN, y),
                SMALL_SIZE,
                &MUTED_TEXT,
                HPos::Left,
            )?;
        }
        self.legend(area, MARGIN + 92)?;

        let panel_title_y = self.rows_top() - 16;
        text(
            area,
            "bulk: GB/s, 1 MiB buffers",
            (self.bulk.left, panel_title_y),
            TEXT_SIZE,
            &BLACK,
            HPos::Left,
        )?;
        text(
            area,
            "per call: ns per 16-byte request or token",
            (self.call.left, panel_title_y),
            TEXT_SIZE,
            &BLACK,
            HPos::Left,
        )?;
        self.grid(area, &self.bulk, decimal_tick)?;
        self.grid(area, &self.call, nanosecond_tick)?;
        self.python_note(area)?;

        for line in &self.lines {
            let middle = line.top + ROW_HEIGHT / 2;
            text(
                area,
                line.label,
                (MARGIN + self.label_width - PAD, middle),
                TEXT_SIZE,
                &BLACK,
                HPos::Right,
            )?;
            let colour = kind_colour(line.kind);
            if line.all_threads.is_some() {
                // Two bars: one thread above, all threads below.
                let upper = line.top + ROW_HEIGHT / 2 - BAR_HEIGHT - 1;
                self.bar(area, &self.bulk, line.bulk, upper, &colour)?;
                let lower = line.top + ROW_HEIGHT / 2 + 1;
                self.bar(area, &self.bulk, line.all_threads, lower, &lighter(colour))?;
            } else {
                let top = middle - BAR_HEIGHT / 2;
                self.bar(area, &self.bulk, line.bulk, top, &colour)?;
            }
            self.bar(
                area,
                &self.call,
                line.call,
                middle - BAR_HEIGHT / 2 - 2,
                &colour,
            )?;
        }
        Ok(())
    }

    /// Python's calls have no bulk figure; say so where their bulk bars would be, so the
    /// empty space does not read as "too slow to show".
    fn python_note<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let python: Vec<&Line<'_>> = self
            .lines
            .iter()
            .filter(|line| line.kind == RowKind::Python)
            .collect();
        let (Some(first), Some(last)) = (python.first(), python.last()) else {
            return Ok(());
        };
        let middle = (first.top + last.top + ROW_HEIGHT) / 2;
        filled(
            area,
            (self.bulk.left + 1, first.top + 2),
            (self.bulk.left + self.bulk.width, last.top + ROW_HEIGHT - 2),
            &WHITE,
        )?;
        text(
            area,
            "Python: timed per call only (timeit), no bulk figure",
            (self.bulk.left + self.bulk.width / 2, middle),
            TEXT_SIZE,
            &MUTED_TEXT,
            HPos::Center,
        )
    }

    /// Coloured boxes naming each kind present, and the light all-threads bar.
    fn legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        y: i32,
    ) -> Result<(), String> {
        let mut entries: Vec<(RGBColor, String)> = self
            .kinds
            .iter()
            .map(|&kind| (kind_colour(kind), kind.as_str().to_string()))
            .collect();
        if self.threads > 1 {
            entries.push((
                lighter(SEEDED_COLOUR),
                format!("light: all {} threads", self.threads),
            ));
        }
        let mut x = MARGIN;
        for (colour, label) in entries {
            filled(area, (x, y - 8), (x + 16, y + 8), &colour)?;
            text(area, &label, (x + 22, y), TEXT_SIZE, &BLACK, HPos::Left)?;
            x += 22 + text_width(&label, TEXT_SIZE)? + 24;
        }
        Ok(())
    }

    /// Grid lines at 1, 2 and 5 of each decade, labelled at each power of ten.
    fn grid<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        axis: &LogAxis,
        label: impl Fn(i32) -> String,
    ) -> Result<(), String> {
        let (top, bottom) = (self.rows_top() - 4, self.rows_bottom() + 4);
        for exponent in axis.low..axis.high {
            for step in [2.0, 5.0] {
                let x = axis.x(step * 10f64.powi(exponent));
                line(area, (x, top), (x, bottom), &MINOR_GRID)?;
            }
        }
        for exponent in axis.low..=axis.high {
            let x = axis.x(10f64.powi(exponent));
            line(area, (x, top), (x, bottom), &MAJOR_GRID)?;
            text(
                area,
                &label(exponent),
                (x, bottom + 14),
                SMALL_SIZE,
                &BLACK,
                HPos::Center,
            )?;
        }
        text(
            area,
            "log scale",
            (axis.left + axis.width / 2, bottom + 38),
            SMALL_SIZE,
            &MUTED_TEXT,
            HPos::Center,
        )
    }

    /// A bar from the axis' start to the row's median, its min–max whisker, and its value.
    fn bar<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        axis: &LogAxis,
        row: Option<&Row>,
        top: i32,
        colour: &RGBColor,
    ) -> Result<(), String> {
        let Some(row) = row else {
            return Ok(());
        };
        let end = axis.x(row.median());
        filled(
            area,
            (axis.left, top),
            (end.max(axis.left + 1), top + BAR_HEIGHT),
            colour,
        )?;
        let middle = top + BAR_HEIGHT / 2;
        let (low, high) = (axis.x(row.min), axis.x(row.max));
        if high > low {
            line(area, (low, middle), (high, middle), &WHISKER)?;
            for x in [low, high] {
                line(area, (x, middle - 3), (x, middle + 3), &WHISKER)?;
            }
        }
        let value = if row.mode.is_bulk() {
            three_digits(row.median())
        } else {
            with_unit(row.median(), "ns")
        };
        text(
            area,
            &value,
            (end.max(high) + 5, middle),
            SMALL_SIZE - 2.0,
            &BLACK,
            HPos::Left,
        )
    }
}

/// 10^exponent ns as people write it: 1 ns, 100 ns, 1 µs, 10 ms.
fn nanosecond_tick(exponent: i32) -> String {
    let (scaled, unit) = match exponent {
        e if e >= 9 => (e - 9, "s"),
        e if e >= 6 => (e - 6, "ms"),
        e if e >= 3 => (e - 3, "µs"),
        e => (e, "ns"),
    };
    format!("{} {unit}", decimal_tick(scaled))
}

/// 10^exponent as people write it: 0.01, 0.1, 1, 10.
fn decimal_tick(exponent: i32) -> String {
    if exponent < 0 {
        format!(
            "{:.*}",
            exponent.unsigned_abs() as usize,
            10f64.powi(exponent)
        )
    } else {
        format!("{:.0}", 10f64.powi(exponent))
    }
}

#[cfg(test)]
mod tests {
    use super::super::timing::Stats;
    use super::*;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    fn bench() -> Bench {
        let stats = |median: f64| Stats {
            median,
            min: median * 0.9,
            max: median * 1.2,
            runs: 5,
        };
        let row = |source: &str, kind, mode, median| Row::new(source, kind, mode, stats(median));
        Bench {
            results: vec![
                row("xoshiro256pp", RowKind::Seeded, Mode::Bulk, 5.0),
                row("xoshiro256pp", RowKind::Seeded, Mode::BulkAllThreads, 9.5),
                row("xoshiro256pp", RowKind::Seeded, Mode::Call16, 3.0),
                row("os", RowKind::Secure, Mode::Bulk, 0.2),
                row("os", RowKind::Secure, Mode::BulkAllThreads, 0.35),
                row("os", RowKind::Secure, Mode::Call16, 650.0),
                row("ctl_counter", RowKind::Control, Mode::Bulk, 2.0),
                row("ctl_counter", RowKind::Control, Mode::Call16, 8.0),
                row("uuid.uuid4()", RowKind::Python, Mode::Token, 1800.0),
            ],
            battery: vec![],
            cpu: "Test CPU".to_string(),
            threads: 2,
            quick: false,
            notes: vec![],
            provenance: crate::provenance::fixture(),
        }
    }

    /// Draws into memory and returns the RGB pixels.
    fn pixels(chart: &Chart<'_>) -> Vec<u8> {
        let (width, height) = chart.size();
        let mut buffer = vec![0u8; width as usize * height as usize * 3];
        {
            let area = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
            area.fill(&WHITE).unwrap();
            chart.draw(&area).unwrap();
            area.present().unwrap();
        }
        buffer
    }

    #[test]
    fn axes_span_whole_decades() {
        let axis = LogAxis::spanning([0.2, 9.5, 3.0].into_iter(), 100, 200);
        assert_eq!((axis.low, axis.high), (-1, 1));
        assert_eq!(axis.x(0.1), 100);
        assert_eq!(axis.x(1.0), 200);
        assert_eq!(axis.x(10.0), 300);
        assert_eq!(axis.x(1e9), 300);
        let exact = LogAxis::spanning([10.0].into_iter(), 0, 100);
        assert_eq!((exact.low, exact.high), (1, 2));
        let empty = LogAxis::spanning(std::iter::empty(), 0, 100);
        assert_eq!((empty.low, empty.high), (0, 1));
        assert_eq!(decimal_tick(-2), "0.01");
        assert_eq!(decimal_tick(1), "10");
        assert_eq!(nanosecond_tick(0), "1 ns");
        assert_eq!(nanosecond_tick(2), "100 ns");
        assert_eq!(nanosecond_tick(4), "10 µs");
        assert_eq!(nanosecond_tick(6), "1 ms");
    }

    #[test]
    fn lines_group_by_kind_with_python_before_controls() {
        let bench = bench();
        let chart = Chart::new(&bench).unwrap();
        let labels: Vec<&str> = chart.lines.iter().map(|line| line.label).collect();
        assert_eq!(
            labels,
            ["xoshiro256pp", "os", "uuid.uuid4()", "ctl_counter"]
        );
        assert!(chart.lines[2].bulk.is_none() && chart.lines[2].call.is_some());
    }

    #[test]
    fn bars_have_their_kinds_colour() {
        let bench = bench();
        let chart = Chart::new(&bench).unwrap();
        let buffer = pixels(&chart);
        let width = chart.size().0 as usize;
        let colour_at = |x: i32, y: i32| {
            let at = (y as usize * width + x as usize) * 3;
            RGBColor(buffer[at], buffer[at + 1], buffer[at + 2])
        };
        // Just right of each axis' start, inside the bars, clear of whiskers and text.
        let seeded = &chart.lines[0];
        let upper = seeded.top + ROW_HEIGHT / 2 - BAR_HEIGHT + 1;
        assert_eq!(colour_at(chart.bulk.left + 2, upper), SEEDED_COLOUR);
        let lower = seeded.top + ROW_HEIGHT / 2 + 3;
        assert_eq!(
            colour_at(chart.bulk.left + 2, lower),
            lighter(SEEDED_COLOUR)
        );
        let secure = &chart.lines[1];
        let call_bar = secure.top + ROW_HEIGHT / 2 - BAR_HEIGHT / 2;
        assert_eq!(colour_at(chart.call.left + 2, call_bar), SECURE_COLOUR);
        let python = &chart.lines[2];
        let call_bar = python.top + ROW_HEIGHT / 2 - BAR_HEIGHT / 2;
        assert_eq!(colour_at(chart.call.left + 2, call_bar), PYTHON_COLOUR);
        // The title band holds dark glyphs: the bundled font rendered.
        let title_rows = &buffer[MARGIN as usize * width * 3..(MARGIN as usize + 20) * width * 3];
        let dark = title_rows
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 90))
            .count();
        assert!(dark > 300, "{dark} dark pixels in the title band");
    }

    #[test]
    fn writes_a_png_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        write(&bench(), &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(PNG_SIGNATURE));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("missing").join(FILE);
        assert!(matches!(
            write(&bench(), &missing),
            Err(Error::Write { .. })
        ));
        assert!(!dir.path().join("missing").exists());
    }
}
