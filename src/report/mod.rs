//! Report sinks: one file per output format, each behind the small [`Sink`] trait.
//!
//! A sink turns a finished [`Report`] (per-stream outcomes, per-cell summaries, per-source
//! verdicts) into one format. Sinks know nothing of statistics: every number they print was
//! decided in `second_level`. Files are written through [`write_atomically`], so a killed run
//! never leaves a half-written report behind, only the previous one.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
#[cfg(feature = "charts")]
pub mod png;
pub mod sts;
pub mod terminal;

use crate::battery::ent::EntResult;
use crate::battery::Consumes;
use crate::provenance::Provenance;
use crate::runner::StreamReport;
use crate::second_level::{CellSummary, SourceSummary, Verdict, FAMILY_ALPHA};
use crate::Error;
use std::io::Write;
use std::path::Path;

/// The sentence every format ends with.
pub const CAVEAT: &str =
    "Statistical tests find non-randomness; they never prove a generator secure.";

/// Everything one run produced, as the sinks see it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The battery that ran (`default`, `nist`, ...).
    pub battery: String,
    /// Symbols per stream requested.
    pub bytes: u64,
    /// Streams per source.
    pub streams: u32,
    /// The master seed every stream seed was derived from.
    pub master_seed: u64,
    /// The family-wise error rate the verdicts were decided at (Holm's level).
    pub family_alpha: f64,
    /// Everything measured on every stream, source by source.
    pub results: Vec<StreamReport>,
    /// One summary per source, test and label, with its verdict.
    pub cells: Vec<CellSummary>,
    /// One summary per source, with its verdict.
    pub sources: Vec<SourceSummary>,
    /// Bits per sequence, when the battery reads NIST's bit sequences; `bytes` is then that
    /// length rounded up to whole bytes.
    pub sequence_bits: Option<u64>,
    /// ENT's figures per source, when the battery is `ent`; its reports have no cells and no
    /// verdicts.
    pub ent: Vec<EntResult>,
    /// The looks at a stream read with checkpoints (2^10, 2^11, ... bytes and its end), in
    /// order; empty otherwise. The report's own verdict is the last look's.
    pub checkpoints: Vec<crate::second_level::checkpoints::Checkpoint>,
    /// Whether reading was stopped early (a SIGINT, see [`crate::Audit::stop_on`]): the report
    /// covers what was read before.
    pub interrupted: bool,
    /// The command line that regenerates this report, when the caller knows one; the pages
    /// quote it.
    pub command: Option<String>,
    /// Further Markdown sections for `README.md` from work outside the battery run (the speed
    /// benchmark, detection lengths), each starting with its `## ` heading.
    pub appendix: Vec<String>,
    /// Which rngaudit ran, when, where and on how many threads.
    pub provenance: Provenance,
}

impl Report {
    /// Applies the second level (pass proportions, uniformity, Holm over the run's cells) to
    /// per-stream results and records the provenance. `bytes`, `streams` and `master_seed`
    /// describe the plan as the reports print it; `threads` is the thread count asked for (0:
    /// one per core), for the provenance.
    pub fn from_results(
        battery: &str,
        bytes: u64,
        streams: u32,
        master_seed: u64,
        threads: usize,
        results: Vec<StreamReport>,
    ) -> Report {
        Report::from_results_at(
            battery,
            bytes,
            streams,
            master_seed,
            threads,
            results,
            FAMILY_ALPHA,
        )
    }

    /// [`Report::from_results`] with the verdicts decided at `family_alpha` (the last look's
    /// level, for a stream judged at checkpoints).
    pub fn from_results_at(
        battery: &str,
        bytes: u64,
        streams: u32,
        master_seed: u64,
        threads: usize,
        results: Vec<StreamReport>,
        family_alpha: f64,
    ) -> Report {
        let cells = crate::second_level::summarize(&results, family_alpha);
        let sources = crate::second_level::by_source(&cells);
        Report {
            battery: battery.to_string(),
            bytes,
            streams,
            master_seed,
            family_alpha,
            results,
            cells,
            sources,
            sequence_bits: None,
            ent: Vec::new(),
            checkpoints: Vec::new(),
            interrupted: false,
            command: None,
            appendix: Vec::new(),
            provenance: Provenance::collect(threads),
        }
    }

    /// How each stream's length and the number of streams are named and shown: bits per
    /// sequence and sequences for NIST's bit sequences, bytes per stream and streams otherwise.
    pub fn stream_shape(&self) -> [(&'static str, String); 2] {
        match self.sequence_bits {
            Some(bits) => [
                ("bits per sequence", bits.to_string()),
                ("sequences per source", self.streams.to_string()),
            ],
            None => [
                ("bytes per stream", crate::size::format_size(self.bytes)),
                ("streams per source", self.streams.to_string()),
            ],
        }
    }

    /// The plan in a few words for chart titles: `1M bytes × 100 streams per source`.
    pub fn plan_phrase(&self) -> String {
        let [(_, length), (_, count)] = self.stream_shape();
        match self.sequence_bits {
            Some(_) => format!("{length}-bit sequences × {count} per source"),
            None => format!("{length} bytes × {count} streams per source"),
        }
    }

    /// Each source's streams, in first-seen order.
    pub fn by_source(&self) -> Vec<(&str, Vec<&StreamReport>)> {
        let mut groups: Vec<(&str, Vec<&StreamReport>)> = Vec::new();
        for result in &self.results {
            match groups.iter_mut().find(|(name, _)| *name == result.source) {
                Some((_, members)) => members.push(result),
                None => groups.push((&result.source, vec![result])),
            }
        }
        groups
    }

    /// Bytes read over every stream and source (ENT's inputs included).
    pub fn bytes_analysed(&self) -> u64 {
        self.results.iter().map(|r| r.bytes).sum::<u64>()
            + self.ent.iter().map(|e| e.bytes).sum::<u64>()
    }

    /// The length of the first look that failed, for a stream read with checkpoints; with
    /// several sources read so, the shortest of their first failures.
    pub fn first_fail_bytes(&self) -> Option<u64> {
        self.checkpoints
            .iter()
            .filter(|look| look.verdict == crate::second_level::Verdict::Fail)
            .map(|look| look.bytes)
            .min()
    }

    /// The length of the first look at `source`'s stream that failed, when it was read with
    /// checkpoints.
    pub fn first_fail_bytes_of(&self, source: &str) -> Option<u64> {
        self.checkpoints
            .iter()
            .find(|look| look.source == source && look.verdict == Verdict::Fail)
            .map(|look| look.bytes)
    }

    /// A report of streams read with checkpoints, one per source, each with its looks: each
    /// source's verdict is its last look's, decided over its own cells at that look's level
    /// ([`crate::second_level::checkpoints`]), so that the family-wise rule covers every look
    /// of it. `family_alpha` is that level when there is one source, else the α the looks of
    /// each source spend ([`FAMILY_ALPHA`]). `bytes` is the length asked of each stream.
    pub fn from_looks(
        battery: &str,
        bytes: u64,
        master_seed: u64,
        threads: usize,
        looked: Vec<(
            StreamReport,
            Vec<crate::second_level::checkpoints::Checkpoint>,
        )>,
    ) -> Report {
        let level = |looks: &[crate::second_level::checkpoints::Checkpoint]| {
            looks.last().map_or(FAMILY_ALPHA, |look| look.family_alpha)
        };
        let family_alpha = match looked.as_slice() {
            [(_, looks)] => level(looks),
            _ => FAMILY_ALPHA,
        };
        let cells: Vec<CellSummary> = looked
            .iter()
            .flat_map(|(result, looks)| {
                crate::second_level::summarize(std::slice::from_ref(result), level(looks))
            })
            .collect();
        let (results, looks): (Vec<_>, Vec<_>) = looked.into_iter().unzip();
        let mut report = Report::from_results_at(
            battery,
            bytes,
            1,
            master_seed,
            threads,
            results,
            family_alpha,
        );
        report.sources = crate::second_level::by_source(&cells);
        report.cells = cells;
        report.checkpoints = looks.into_iter().flatten().collect();
        report
    }

    /// Whether every source came out as expected (good sources not failed, controls failed).
    pub fn as_expected(&self) -> bool {
        self.sources.iter().all(SourceSummary::as_expected)
    }

    /// The verdict to gate on: true only when at least one test was measured on every source
    /// and every source came out as expected: no good source failed and every control failed.
    /// A report in which nothing was measured (all tests skipped, too little data) is **not**
    /// a pass, nor is an empty one. A `weak` cell does not fail it, and a source where some
    /// tests lacked data but none failed passes (see [`SourceSummary::complete`] to demand
    /// every test).
    ///
    /// ENT's figures carry no verdict, so a report of the `ent` battery never passes.
    ///
    /// Passing means the tests found no non-randomness in this much data; it never proves a
    /// generator secure.
    pub fn passed(&self) -> bool {
        !self.sources.is_empty()
            && self
                .sources
                .iter()
                .all(|s| s.measured > 0 && s.verdict != Verdict::Skipped)
            && self.as_expected()
    }
}

/// One output format. Every format is a sink: it turns a finished [`Report`] into a text
/// document (when it is one: [`Sink::render`], which the CLI prints on stdout) and into files
/// in an output directory ([`Sink::write`]). Adding a format is one file with one sink and one
/// line in [`FORMATS`].
pub trait Sink: Sync {
    /// The name `--format` selects it by.
    fn name(&self) -> &'static str;
    /// One line for `--help`: what it writes.
    fn summary(&self) -> &'static str;
    /// The files this sink writes, relative to the output directory; the first is the one
    /// [`Sink::write`] writes by default.
    fn files(&self) -> &'static [&'static str];
    /// Whether the format is one text document that can be printed ([`Sink::render`] gives
    /// it): terminal, JSON, Markdown, STS's text; not CSV, PNG or HTML, which are files.
    fn prints(&self) -> bool {
        false
    }
    /// The report as one text document, for a format that [`Sink::prints`]; `None` otherwise.
    fn render(&self, _report: &Report) -> Option<String> {
        None
    }
    /// Formats whose files this one refers to (the charts the HTML page shows); they are
    /// written into the same directory before it.
    fn needs(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether this format can show reports of a battery that consumes its input this way;
    /// `Err(why not)` otherwise. By default a format needs verdicts, which ENT's figures lack.
    fn accepts(&self, consumes: Consumes) -> Result<(), String> {
        match consumes {
            Consumes::Figures => Err("ENT's figures have no verdicts to show".to_string()),
            Consumes::Streams | Consumes::BitSequences => Ok(()),
        }
    }
    /// Writes the report into `dir`. By default, [`Sink::render`]'s document into the first of
    /// [`Sink::files`], atomically.
    fn write(&self, report: &Report, dir: &Path) -> Result<(), Error> {
        let (Some(text), Some(file)) = (self.render(report), self.files().first()) else {
            return Ok(());
        };
        write_atomically(&dir.join(file), |out| out.write_all(text.as_bytes()))
    }
}

/// Every format, in the order `--help` lists them and files are written.
pub static FORMATS: &[&dyn Sink] = &[
    &terminal::TerminalSink,
    &json::JsonSink,
    &csv::CsvSink,
    &markdown::MarkdownSink,
    #[cfg(feature = "charts")]
    &png::PngSink,
    &sts::StsSink,
    &html::HtmlSink,
    &ProvenanceSink,
];

/// What the `report` command writes into `reports/` (the PNG charts come with the pages that
/// show them).
pub const REPORT_FORMATS: &[&str] = &["csv", "markdown", "html", "provenance"];

/// What `run` and `file` write under an output directory when no format is named: the CSV
/// rows and the provenance, and STS's text for batteries that read bit sequences.
pub fn default_file_formats(consumes: Consumes) -> &'static [&'static str] {
    match consumes {
        Consumes::BitSequences => &["csv", "sts", "provenance"],
        Consumes::Streams | Consumes::Figures => &["csv", "provenance"],
    }
}

/// The text document a battery's report prints by default: STS's final analysis for NIST's
/// bit sequences, the terminal table otherwise (ENT's own text for its figures).
pub fn default_text_format(consumes: Consumes) -> &'static str {
    match consumes {
        Consumes::BitSequences => "sts",
        Consumes::Streams | Consumes::Figures => "terminal",
    }
}

/// Every format's name.
pub fn format_names() -> impl Iterator<Item = &'static str> {
    FORMATS.iter().map(|sink| sink.name())
}

/// A format by name.
pub fn find_format(name: &str) -> Result<&'static dyn Sink, Error> {
    FORMATS
        .iter()
        .copied()
        .find(|sink| sink.name() == name)
        .ok_or_else(|| Error::UnknownFormat {
            name: name.to_string(),
            suggestion: crate::suggest::closest(name, format_names()).map(str::to_string),
            known: format_names().collect::<Vec<_>>().join(", "),
        })
}

/// The sinks that write these formats into a directory for a battery that consumes its input
/// this way: each format after the ones it needs, each once, in the order asked for. An
/// unknown name, or a format that cannot show such a report, is an error before anything runs.
///
/// ```
/// use rngaudit::battery::Consumes;
/// use rngaudit::report::sinks_for;
///
/// let names: Vec<_> = sinks_for(&["html", "csv"], Consumes::Streams)?
///     .iter()
///     .map(|sink| sink.name())
///     .collect();
/// // The page brings the CSV files it cites (and, with charts, the PNGs), each written once.
/// assert_eq!(names.first(), Some(&"csv"));
/// assert_eq!(names.iter().filter(|n| **n == "csv").count(), 1);
/// assert!(names.contains(&"html"));
/// // ENT's figures have no verdict grid to draw.
/// assert!(sinks_for(&["html"], Consumes::Figures).is_err());
/// # Ok::<(), rngaudit::Error>(())
/// ```
pub fn sinks_for<S: AsRef<str>>(
    names: &[S],
    consumes: Consumes,
) -> Result<Vec<&'static dyn Sink>, Error> {
    fn add(
        sink: &'static dyn Sink,
        consumes: Consumes,
        out: &mut Vec<&'static dyn Sink>,
    ) -> Result<(), Error> {
        if out.iter().any(|s| s.name() == sink.name()) {
            return Ok(());
        }
        sink.accepts(consumes)
            .map_err(|reason| Error::FormatNotApplicable {
                format: sink.name(),
                reason,
            })?;
        for needed in sink.needs() {
            add(find_format(needed)?, consumes, out)?;
        }
        out.push(sink);
        Ok(())
    }
    let mut sinks = Vec::new();
    for name in names {
        add(find_format(name.as_ref())?, consumes, &mut sinks)?;
    }
    Ok(sinks)
}

/// Writes `provenance.json`, the report's [`Provenance`], beside the CSV files (which stay
/// free of it: they are compared byte for byte across runs).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProvenanceSink;

impl Sink for ProvenanceSink {
    fn name(&self) -> &'static str {
        "provenance"
    }

    fn summary(&self) -> &'static str {
        "provenance.json: which rngaudit ran, when, where, on how many threads"
    }

    fn files(&self) -> &'static [&'static str] {
        &[crate::provenance::FILE]
    }

    fn accepts(&self, _consumes: Consumes) -> Result<(), String> {
        Ok(())
    }

    fn write(&self, report: &Report, dir: &Path) -> Result<(), Error> {
        report.provenance.write_file(dir)
    }
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

/// Hand-built reports the sinks' tests share, so every format is checked on the same data.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::Report;
    use crate::battery::Outcome;
    use crate::runner::StreamReport;
    use crate::second_level::{by_source, summarize, Verdict, FAMILY_ALPHA};
    use crate::source::{Kind, SOURCES};

    fn finish(battery: &str, bytes: u64, streams: u32, results: Vec<StreamReport>) -> Report {
        let cells = summarize(&results, FAMILY_ALPHA);
        let sources = by_source(&cells);
        Report {
            battery: battery.to_string(),
            bytes,
            streams,
            master_seed: 42,
            family_alpha: FAMILY_ALPHA,
            results,
            cells,
            sources,
            sequence_bits: None,
            ent: Vec::new(),
            checkpoints: Vec::new(),
            interrupted: false,
            command: None,
            appendix: Vec::new(),
            provenance: crate::provenance::fixture(),
        }
    }

    /// Two sources (one seeded, one control), two tests (one labelled), three streams, one
    /// skipped outcome, a figure, and p-values of exactly 0 and of a subnormal double.
    pub(crate) fn small() -> Report {
        let good = [(0.42, 0.5), (0.73, 0.91), (0.15, f64::NAN)];
        let bad = [(0.0, 0.002), (1e-310, 0.0), (1e-12, 3e-5)];
        let mut results = Vec::new();
        for (name, kind, rows) in [
            ("chacha20", Kind::Seeded, good),
            ("counter", Kind::Control, bad),
        ] {
            for (stream, (monobit, serial)) in rows.into_iter().enumerate() {
                let serial = if serial.is_nan() {
                    Outcome::skipped("serial", "needs at least 100 bits, got 64")
                } else {
                    Outcome::measured("serial", 3.25, serial)
                };
                results.push(StreamReport {
                    source: name.to_string(),
                    kind,
                    stream: stream as u32,
                    seed: kind
                        .is_reproducible()
                        .then_some(0x9e37_79b9_7f4a_7c15 ^ stream as u64),
                    bytes: 1 << 20,
                    outcomes: vec![
                        Outcome::measured("monobit", 1.5 + stream as f64, monobit)
                            .with_figure("ones_fraction", 0.5001),
                        serial.with_label("m=2"),
                    ],
                });
            }
        }
        finish("default", 1 << 20, 3, results)
    }

    /// SplitMix64: enough randomness for made-up p-values without depending on `rand`'s API.
    struct SplitMix(u64);

    impl SplitMix {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Every built-in source over eight tests, the way a real run looks: good sources uniform,
    /// controls caught by some tests (weak controls by none), bit tests skipped on 62-symbol sources, one weak cell.
    pub(crate) fn realistic(streams: u32) -> Report {
        const TESTS: &[(&str, &str, bool)] = &[
            ("monobit", "", true),
            ("blockfrequency", "", true),
            ("runs", "", true),
            ("longestrun", "", true),
            ("serial", "m=2", true),
            ("serial", "m=3", true),
            ("chisquare", "", false),
            ("entropy", "shannon", false),
            ("entropy", "min", false),
            ("serialcorrelation", "", false),
            ("gap", "", false),
        ];
        let mut random = SplitMix(7);
        let mut results = Vec::new();
        for source in SOURCES {
            for stream in 0..streams {
                let mut outcomes = Vec::new();
                for (index, &(test, label, bits)) in TESTS.iter().enumerate() {
                    let outcome = if bits && source.alphabet != 256 {
                        Outcome::skipped(test, "works on bits")
                    } else {
                        let u = random.uniform();
                        // The weak controls pass the default battery, as they do in a
                        // real run: only the deep tests see them.
                        let caught = source.kind == Kind::Control
                            && source.caught_by.is_empty()
                            && !(index + source.name.len()).is_multiple_of(3);
                        let p = if caught { (u * 1e-3).powi(3) } else { u };
                        Outcome::measured(test, -2.0 * u.max(1e-300).ln(), p)
                            .with_figure("min_entropy", 7.9 + u / 10.0)
                    };
                    outcomes.push(outcome.with_label(label));
                }
                results.push(StreamReport {
                    source: source.name.to_string(),
                    kind: source.kind,
                    stream,
                    seed: source.kind.is_reproducible().then_some(u64::from(stream)),
                    bytes: 1 << 20,
                    outcomes,
                });
            }
        }
        let mut report = finish("default", 1 << 20, streams, results);
        if let Some(cell) = report
            .cells
            .iter_mut()
            .find(|c| c.source == "smallrng" && c.test == "runs")
        {
            cell.verdict = Verdict::Weak;
            cell.cell_p = Some(4e-4);
        }
        report.sources = by_source(&report.cells);
        report
    }
}
