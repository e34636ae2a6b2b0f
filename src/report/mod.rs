//! Report sinks: one file per output format, each behind the small [`Sink`] trait.
//!
//! A sink turns a finished [`Report`] (per-stream outcomes, per-cell summaries, per-source
//! verdicts) into one format. Sinks know nothing of statistics: every number they print was
//! decided in `second_level`. Files are written through [`write_atomically`], so a killed run
//! never leaves a half-written report behind, only the previous one.

use crate::runner::StreamReport;
use crate::second_level::{CellSummary, SourceSummary};
use crate::Error;
use std::io::Write;
use std::path::Path;

/// Everything one run produced, as the sinks see it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The battery that ran (`default`, `nist`, ...).
    pub battery: String,
    /// Symbols per stream requested.
    pub bytes: u64,
    pub streams: u32,
    /// The master seed every stream seed was derived from.
    pub master_seed: u64,
    pub family_alpha: f64,
    pub results: Vec<StreamReport>,
    pub cells: Vec<CellSummary>,
    pub sources: Vec<SourceSummary>,
}

impl Report {
    /// Whether every source came out as expected (good sources not failed, controls failed).
    pub fn as_expected(&self) -> bool {
        self.sources.iter().all(SourceSummary::as_expected)
    }
}

/// One output format written into a directory.
pub trait Sink {
    /// The files this sink writes, relative to the output directory.
    fn files(&self) -> &'static [&'static str];
    /// Writes the report into `dir`.
    fn write(&self, report: &Report, dir: &Path) -> Result<(), Error>;
}

/// Writes `path` by writing a temporary file beside it and renaming it into place, so readers
/// see either the old file or the whole new one.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let failed = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        write(&mut file)?;
        file.flush()?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(failed)
}

/// Formats a p-value for people: tiny values honestly, never as a bare 0.
pub fn format_p(p: f64) -> String {
    if p == 0.0 {
        "< 1e-300".to_string()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_files_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let failed = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn p_values_are_never_printed_as_a_bare_zero() {
        assert_eq!(format_p(0.0), "< 1e-300");
        assert_eq!(format_p(0.5), "0.500000");
        assert_eq!(format_p(1.5e-9), "1.50e-9");
    }
}
