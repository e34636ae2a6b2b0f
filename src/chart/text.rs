//! Measuring and drawing text with the bundled font, one glyph at a time where the font's
//! tables allow, so labels sit where the font wants them and layouts computed from
//! [`text_width`] match what is drawn.

use super::font::{ensure_font, font, metrics, FONT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width in pixels of `text` at `size`.
pub(crate) fn text_width(text: &str, size: f64) -> Result<i32, String> {
    ensure_font()?;
    if let Some((_, width)) = metrics().and_then(|m| m.layout(FONT, text, size)) {
        return Ok(width.ceil() as i32);
    }
    let (width, _) = font(size).box_size(text).map_err(|e| e.to_string())?;
    Ok(width as i32)
}

fn style(size: f64, colour: &RGBColor, h: HPos) -> TextStyle<'_> {
    font(size).color(colour).pos(Pos::new(h, VPos::Center))
}

/// Draws `text` with its left edge, centre or right edge (`h`) at `x`, vertically centred on
/// `y`, one glyph at a time (see [`super::font::Metrics`]); whole strings through plotters if the font's
/// tables cannot be read.
pub(crate) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    size: f64,
    colour: &RGBColor,
    h: HPos,
) -> Result<(), String> {
    let failed = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let Some((glyphs, width)) = metrics().and_then(|m| m.layout(FONT, text, size)) else {
        let element = Text::new(text.to_string(), (x, y), style(size, colour, h));
        return area.draw(&element).map_err(failed);
    };
    let left = match h {
        HPos::Left => x,
        HPos::Center => x - (width / 2.0).round() as i32,
        HPos::Right => x - width.round() as i32,
    };
    let style = style(size, colour, HPos::Left);
    for (c, offset) in glyphs {
        let element = Text::new(c.to_string(), (left + offset, y), style.clone());
        area.draw(&element).map_err(failed)?;
    }
    Ok(())
}
