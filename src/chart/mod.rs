//! The chart toolkit every PNG of the crate is drawn with: the bundled font ([`font`]), text
//! measurement and placement ([`text`]), the atomic PNG writer ([`write`]), the shared
//! colours and sizes ([`palette`]), and the p-value histogram bars drawn by more than one
//! chart. The charts themselves live beside the data they show (`report::png`,
//! `bench::chart`, `verify::chart`, `tokens::report`).
//!
//! Built only with the `charts` feature, like every chart; nothing here knows a report type.

mod font;
pub(crate) mod palette;
mod text;
mod write;

pub(crate) use font::{ensure_font, font};
pub(crate) use text::{text, text_width};
pub(crate) use write::{write_error, write_png};

use plotters::prelude::*;

/// Bars of a p-value histogram over [0, 1] (one per count, equal widths) and a dashed line at
/// the count a uniform distribution expects: the picture every p-value chart of the crate uses.
pub(crate) fn histogram_bars<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    counts: &[u64],
    expected: f64,
    colour: &RGBColor,
) -> Result<(), String> {
    let failed = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let width = 1.0 / counts.len().max(1) as f64;
    chart
        .draw_series(counts.iter().enumerate().map(|(bin, &count)| {
            let left = bin as f64 * width;
            Rectangle::new(
                [
                    (left + width * 0.06, 0.0),
                    (left + width * 0.94, count as f64),
                ],
                colour.filled(),
            )
        }))
        .map_err(failed)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, expected), (1.0, expected)],
            8,
            5,
            BLACK.stroke_width(2),
        ))
        .map_err(failed)?;
    Ok(())
}
