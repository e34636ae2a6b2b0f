//! `calibration.png`: for every measured test, the histogram of its p-values on the good
//! generator beside the curve the KS test judges (ECDF(u) − u) with its 99.9% band. A
//! calibrated test has flat bars and a curve inside the band; a discrete statistic shows as
//! spikes and steps, a wrong tail or wrong degrees of freedom as a slope.
//!
//! Text uses the font bundled in [`crate::chart`], so the image renders the same on a machine
//! without system fonts, and is written through its atomic writer (a temporary file beside the
//! target, renamed into place) as every chart is.

use super::types::{Calibrated, Calibration, TestCalibration, KS_FLAG_BELOW};
use crate::chart::palette::{MARGIN, MUTED_TEXT};
use crate::chart::{histogram_bars, write_png};
use crate::report::format_p;
use crate::size::format_size;
use crate::stats::kolmogorov;
use crate::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::path::Path;

const HEADER_HEIGHT: i32 = 78;
const PANEL_WIDTH: i32 = 380;
const PANEL_HEIGHT: i32 = 250;
/// Tests side by side; each takes two panels.
const TESTS_PER_ROW: usize = 2;
const PAIR_GAP: i32 = 24;
/// Bins of the histograms: 50 p-values a bin at the default 1000 streams.
const BINS: usize = 20;

const BAR_COLOUR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const FLAGGED_COLOUR: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const BAND_COLOUR: RGBColor = RGBColor(0xd6, 0x27, 0x28);

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal)
}

/// Left-aligned text through the report charts' glyph placement (plotters 0.3.7 spaces
/// letters unevenly on its own).
fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    line: &str,
    at: (i32, i32),
    size: f64,
    colour: &RGBColor,
) -> Result<(), String> {
    crate::chart::text(area, line, at, size, colour, HPos::Left)
}

/// The D at which P(D_n ≥ D) = `level`, by bisection (the tail falls as D grows).
fn ks_critical(n: u64, level: f64) -> f64 {
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        let middle = 0.5 * (low + high);
        if kolmogorov::upper_tail(n, middle) > level {
            low = middle;
        } else {
            high = middle;
        }
    }
    high
}

/// Writes the chart of `calibration` to `path`, through a temporary file renamed into place.
pub(super) fn write(calibration: &Calibration, path: &Path) -> Result<(), Error> {
    let measured: Vec<&TestCalibration> = calibration
        .tests
        .iter()
        .filter(|t| t.verdict != Calibrated::Skipped)
        .collect();
    let rows = measured.len().div_ceil(TESTS_PER_ROW).max(1) as i32;
    let width = 2 * MARGIN + TESTS_PER_ROW as i32 * 2 * PANEL_WIDTH + PAIR_GAP;
    let height = 2 * MARGIN + HEADER_HEIGHT + rows * PANEL_HEIGHT;
    write_png(path, (width as u32, height as u32), |area| {
        draw(area, calibration, &measured)
    })
}

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    calibration: &Calibration,
    measured: &[&TestCalibration],
) -> Result<(), String> {
    let streams = measured.iter().map(|t| t.streams).max().unwrap_or(0);
    let title = format!(
        "Calibration: default battery on {} ({} symbols), {} streams of {}",
        calibration.source,
        calibration.alphabet,
        streams,
        format_size(calibration.bytes)
    );
    text(area, &title, (MARGIN, MARGIN + 10), 24.0, &BLACK)?;
    let skipped: Vec<&str> = calibration
        .tests
        .iter()
        .filter(|t| t.verdict == Calibrated::Skipped)
        .map(|t| t.test)
        .collect();
    let subtitle = format!(
        "Left: p-value histogram ({BINS} bins; dashed: the uniform expectation). Right: \
         ECDF(u) − u and the KS 99.9% band (red dashed). Master seed {}.",
        calibration.master_seed
    );
    text(area, &subtitle, (MARGIN, MARGIN + 38), 14.0, &MUTED_TEXT)?;
    let skipped_line = if skipped.is_empty() {
        "Every test of the battery ran.".to_string()
    } else {
        format!(
            "Skipped on this source (see calibration.csv): {}",
            skipped.join(", ")
        )
    };
    text(
        area,
        &skipped_line,
        (MARGIN, MARGIN + 58),
        14.0,
        &MUTED_TEXT,
    )?;
    if measured.is_empty() {
        return text(
            area,
            "no test measured any stream",
            (MARGIN, MARGIN + HEADER_HEIGHT + 20),
            16.0,
            &MUTED_TEXT,
        );
    }
    for (index, test) in measured.iter().enumerate() {
        let column = (index % TESTS_PER_ROW) as i32;
        let row = (index / TESTS_PER_ROW) as i32;
        let left = MARGIN + column * (2 * PANEL_WIDTH + PAIR_GAP);
        let top = MARGIN + HEADER_HEIGHT + row * PANEL_HEIGHT;
        let size = (PANEL_WIDTH as u32, PANEL_HEIGHT as u32);
        histogram(&area.clone().shrink((left, top), size), test)?;
        deviation(&area.clone().shrink((left + PANEL_WIDTH, top), size), test)?;
    }
    Ok(())
}

fn name(test: &TestCalibration) -> String {
    if test.label.is_empty() {
        test.test.to_string()
    } else {
        format!("{}[{}]", test.test, test.label)
    }
}

fn colour(test: &TestCalibration) -> RGBColor {
    if test.verdict == Calibrated::Ok {
        BAR_COLOUR
    } else {
        FLAGGED_COLOUR
    }
}

fn histogram<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    test: &TestCalibration,
) -> Result<(), String> {
    let failed = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let mut counts = [0u64; BINS];
    for &p in &test.p_values {
        counts[crate::second_level::p_value_bin(p, BINS)] += 1;
    }
    let expected = test.streams as f64 / BINS as f64;
    let top = counts.iter().copied().max().unwrap_or(0) as f64;
    let top = top.max(expected) * 1.2;
    let caption = format!(
        "{}: {} of {} below 0.01 — {}",
        name(test),
        test.rejections,
        test.streams,
        test.verdict.as_str()
    );
    let mut chart = ChartBuilder::on(panel)
        .margin(8)
        .caption(caption, font(16.0))
        .x_label_area_size(30)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..1f64, 0f64..top)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("p-value")
        .label_style(font(12.0))
        .axis_desc_style(font(14.0))
        .max_light_lines(0)
        .draw()
        .map_err(failed)?;
    histogram_bars(&mut chart, &counts, expected, &colour(test))?;
    Ok(())
}

fn deviation<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    test: &TestCalibration,
) -> Result<(), String> {
    let failed = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = test.p_values.len();
    let critical = ks_critical(n as u64, KS_FLAG_BELOW);
    // The ECDF jumps at each p-value: both ends of every jump, so the curve shows steps.
    let mut points = Vec::with_capacity(2 * n + 2);
    points.push((0.0, 0.0));
    for (i, &p) in test.p_values.iter().enumerate() {
        points.push((p, i as f64 / n as f64 - p));
        points.push((p, (i + 1) as f64 / n as f64 - p));
    }
    points.push((1.0, 0.0));
    let widest = points
        .iter()
        .map(|&(_, y)| f64::abs(y))
        .fold(critical, f64::max)
        * 1.2;
    let caption = format!(
        "KS D = {:.4}, p = {}",
        test.ks_statistic.unwrap_or(f64::NAN),
        test.ks_p.map_or_else(|| "-".to_string(), format_p)
    );
    let mut chart = ChartBuilder::on(panel)
        .margin(8)
        .caption(caption, font(16.0))
        .x_label_area_size(30)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..1f64, -widest..widest)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{y:.3}"))
        .x_desc("u")
        .label_style(font(12.0))
        .axis_desc_style(font(14.0))
        .max_light_lines(0)
        .draw()
        .map_err(failed)?;
    for level in [critical, -critical] {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, level), (1.0, level)],
                8,
                5,
                BAND_COLOUR.stroke_width(2),
            ))
            .map_err(failed)?;
    }
    chart
        .draw_series(LineSeries::new(points, colour(test).stroke_width(2)))
        .map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_value_matches_scipy() {
        // scipy 1.17.1: kstwo.isf(0.001, 1000) = 0.061462224771709525, where its own
        // kstwo.sf is 0.0010000003575; at our root 0.06146222621989267 kstwo.sf is
        // 0.0010000000000003, so we are the closer of the two: agree to 1e-8.
        let d = ks_critical(1000, 0.001);
        assert!((d - 0.061_462_224_771_709_525).abs() < 1e-8, "{d}");
    }
}
