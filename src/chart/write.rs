//! Writing a chart to disk: drawn into a temporary PNG beside the target and renamed into
//! place, so a reader sees the old image or the whole new one, never a half-written file.
//!
//! plotters writes a bitmap file only when it is presented, by path, so the crate's
//! old-or-whole-new guarantee ([`crate::report::write_atomically`]) is kept by the rename.

use super::font::ensure_font;
use crate::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// A drawing failure (plotters reports text) as the crate's error for `path`.
pub(crate) fn write_error(path: &Path, message: String) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(message),
    }
}

/// Draws into a temporary PNG beside `path` and renames it into place: every chart of the
/// crate is written through here, with the bundled font registered first.
pub(crate) fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<(), Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chart.png".to_string());
    // The encoder picks the format from the extension, so the temporary name ends in `.png`.
    let temporary = path.with_file_name(format!(".{name}.{}.tmp.png", std::process::id()));
    let drawn = (|| {
        ensure_font()?;
        let area = BitMapBackend::new(&temporary, size).into_drawing_area();
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&area)?;
        area.present().map_err(|e| e.to_string())
    })();
    let result = drawn.map_err(|e| write_error(path, e)).and_then(|()| {
        std::fs::rename(&temporary, path).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        // A failed draw may still have left a partial image (the backend saves on drop).
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
