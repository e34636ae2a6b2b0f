//! The bundled font: its bytes, its registration with plotters, and its horizontal metrics
//! read from the font's own tables.
//!
//! Every chart must render the same anywhere, so text uses DejaVu Sans compiled into the
//! binary, never a system font that a CI machine or a container may lack. The metrics live
//! here because only this file knows which font is drawn; [`super::text`] lays text out with
//! them.

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

/// The bundled font (DejaVu Sans; its licence is `assets/DejaVuSans-LICENSE.txt`).
pub(super) static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// The family every text on the charts asks for; resolved to [`FONT`].
const FAMILY: &str = "sans-serif";

/// Registers the bundled font under [`FAMILY`] the first time a chart is drawn.
pub(crate) fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok()) {
        Ok(())
    } else {
        Err("the bundled font could not be loaded".to_string())
    }
}

pub(crate) fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Normal)
}

/// Horizontal metrics of the bundled font, read from its own tables.
///
/// plotters' ab_glyph renderer draws each glyph at the pen position truncated to a whole pixel
/// and without its left side bearing, so letters jitter by a pixel or two ("tok en",
/// "blockfrequ en cy"). Drawing one glyph at a time at positions computed from these metrics
/// puts every glyph where the font wants it (to the nearest pixel). Only the `cmap` format 4
/// subtable is read: every character the charts print is in the Basic Multilingual Plane.
pub(super) struct Metrics {
    /// Font units per pixel of plotters' font size (ab_glyph scales by ascent − descent).
    height: f64,
    hmtx: usize,
    long_metrics: usize,
    cmap: usize,
}

fn read_u16(font: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(font.get(at..at + 2)?.try_into().ok()?))
}

fn read_u32(font: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(font.get(at..at + 4)?.try_into().ok()?))
}

impl Metrics {
    fn parse(font: &[u8]) -> Option<Metrics> {
        let tables = usize::from(read_u16(font, 4)?);
        let table = |tag: &[u8; 4]| {
            (0..tables).find_map(|i| {
                let record = 12 + 16 * i;
                (font.get(record..record + 4)? == tag)
                    .then(|| read_u32(font, record + 8))
                    .flatten()
                    .map(|offset| offset as usize)
            })
        };
        let hhea = table(b"hhea")?;
        let ascent = f64::from(read_u16(font, hhea + 4)? as i16);
        let descent = f64::from(read_u16(font, hhea + 6)? as i16);
        let long_metrics = usize::from(read_u16(font, hhea + 34)?);
        let cmap_table = table(b"cmap")?;
        let encodings = usize::from(read_u16(font, cmap_table + 2)?);
        let cmap = (0..encodings).find_map(|i| {
            let record = cmap_table + 4 + 8 * i;
            let platform = read_u16(font, record)?;
            let encoding = read_u16(font, record + 2)?;
            let offset = cmap_table + read_u32(font, record + 4)? as usize;
            let unicode = platform == 0 || (platform == 3 && encoding == 1);
            (unicode && read_u16(font, offset)? == 4).then_some(offset)
        })?;
        (long_metrics > 0 && ascent > descent).then_some(Metrics {
            height: ascent - descent,
            hmtx: table(b"hmtx")?,
            long_metrics,
            cmap,
        })
    }

    /// The glyph of `c` (0, the missing glyph, when the font has none).
    fn glyph(&self, font: &[u8], c: char) -> Option<usize> {
        let code = u16::try_from(u32::from(c)).ok()?;
        let segments = usize::from(read_u16(font, self.cmap + 6)? / 2);
        let ends = self.cmap + 14;
        let starts = ends + 2 * segments + 2;
        let deltas = starts + 2 * segments;
        let ranges = deltas + 2 * segments;
        for segment in 0..segments {
            if code > read_u16(font, ends + 2 * segment)? {
                continue;
            }
            let start = read_u16(font, starts + 2 * segment)?;
            if code < start {
                return Some(0);
            }
            let delta = read_u16(font, deltas + 2 * segment)?;
            let range_at = ranges + 2 * segment;
            let range = usize::from(read_u16(font, range_at)?);
            if range == 0 {
                return Some(usize::from(code.wrapping_add(delta)));
            }
            let at = range_at + range + 2 * usize::from(code - start);
            let glyph = read_u16(font, at)?;
            return Some(if glyph == 0 {
                0
            } else {
                usize::from(glyph.wrapping_add(delta))
            });
        }
        Some(0)
    }

    /// Advance and left side bearing of `c`, in pixels at font size `size`.
    fn horizontal(&self, font: &[u8], c: char, size: f64) -> Option<(f64, f64)> {
        let glyph = self.glyph(font, c)?;
        let scale = size / self.height;
        let last = self.long_metrics - 1;
        let advance = read_u16(font, self.hmtx + 4 * glyph.min(last))?;
        let bearing_at = if glyph <= last {
            self.hmtx + 4 * glyph + 2
        } else {
            self.hmtx + 4 * self.long_metrics + 2 * (glyph - self.long_metrics)
        };
        let bearing = read_u16(font, bearing_at)? as i16;
        Some((f64::from(advance) * scale, f64::from(bearing) * scale))
    }

    /// Where each character of `text` goes (left edge of its ink, relative to the start of
    /// the text, in whole pixels, as plotters draws a lone glyph) and the text's width.
    pub(super) fn layout(
        &self,
        font: &[u8],
        text: &str,
        size: f64,
    ) -> Option<(Vec<(char, i32)>, f64)> {
        let mut pen = 0.0f64;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let (advance, bearing) = self.horizontal(font, c, size)?;
            if !c.is_whitespace() {
                glyphs.push((c, pen.round() as i32 + bearing.floor() as i32));
            }
            pen += advance;
        }
        Some((glyphs, pen))
    }
}

pub(super) fn metrics() -> Option<&'static Metrics> {
    static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();
    METRICS.get_or_init(|| Metrics::parse(FONT)).as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::palette::TEXT_SIZE;
    #[test]
    fn font_metrics_agree_with_plotters() {
        // Our glyph placement and plotters' own layout must agree on how wide text is, or
        // centred labels would drift; plotters truncates to whole pixels and applies kerning.
        ensure_font().unwrap();
        let metrics = metrics().expect("the bundled font's tables parse");
        for sample in [
            "chacha20",
            "serialcorrelation",
            "token_urlsafe16",
            "FAIL ✓",
            "0.42",
        ] {
            let (_, ours) = metrics.layout(FONT, sample, TEXT_SIZE).unwrap();
            let (theirs, _) = font(TEXT_SIZE).box_size(sample).unwrap();
            assert!(
                (ours - f64::from(theirs)).abs() <= 2.0,
                "{sample}: {ours} vs {theirs}"
            );
        }
        assert_ne!(metrics.glyph(FONT, '✓'), Some(0));
        assert_ne!(metrics.glyph(FONT, 'α'), Some(0));
    }
}
