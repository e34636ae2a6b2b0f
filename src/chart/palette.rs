//! Colours and sizes that every chart shares, so the report, benchmark, calibration and
//! token charts read as one family. Numbers that only one chart uses stay in its own file.

use plotters::style::RGBColor;

/// Space between the image's edge and anything drawn.
pub(crate) const MARGIN: i32 = 24;
// Even sizes: plotters places a glyph's top at half the size above the baseline, truncated,
// so an odd size moves some glyphs (the full stop) a pixel off the line.
pub(crate) const TITLE_SIZE: f64 = 24.0;
pub(crate) const TEXT_SIZE: f64 = 16.0;
pub(crate) const SMALL_SIZE: f64 = 14.0;

/// Verdict colours: the same on the report's grid and the token chart.
pub(crate) const PASS_COLOUR: RGBColor = RGBColor(0x66, 0xbb, 0x6a);
pub(crate) const WEAK_COLOUR: RGBColor = RGBColor(0xff, 0xb3, 0x00);
pub(crate) const FAIL_COLOUR: RGBColor = RGBColor(0xe5, 0x39, 0x35);
/// Secondary text (subtitles, notes).
pub(crate) const MUTED_TEXT: RGBColor = RGBColor(0x61, 0x61, 0x61);
