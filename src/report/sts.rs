//! The STS sink: NIST STS 2.1.2's `finalAnalysisReport.txt`, per source, as `assess` writes
//! it, followed by the crate's family-wise verdict; `final_analysis.txt` in a directory.
//!
//! STS's own per-row flags (shown with `*`) are printed as STS prints them, but over 188 rows
//! they flag some row of a good generator about half the time, so they decide nothing: the
//! family-wise lines under the table (Holm at 0.01 over all rows) give the verdict, as every
//! other format does.

use super::{Report, Sink, CAVEAT};
use crate::battery::{Consumes, Outcome};
use crate::second_level::final_analysis::{final_analysis, render_final_analysis};

/// File name of the final analysis, inside the output directory.
pub const FINAL_ANALYSIS_FILE: &str = "final_analysis.txt";

/// Writes STS's final analysis report.
#[derive(Clone, Copy, Debug, Default)]
pub struct StsSink;

impl Sink for StsSink {
    fn name(&self) -> &'static str {
        "sts"
    }

    fn summary(&self) -> &'static str {
        "NIST STS's finalAnalysisReport.txt layout, then the verdicts; final_analysis.txt"
    }

    fn files(&self) -> &'static [&'static str] {
        &[FINAL_ANALYSIS_FILE]
    }

    fn prints(&self) -> bool {
        true
    }

    fn render(&self, report: &Report) -> Option<String> {
        Some(render(report))
    }

    fn accepts(&self, consumes: Consumes) -> Result<(), String> {
        match consumes {
            Consumes::Figures => Err("ENT's figures are not sequences of p-values".to_string()),
            // STS's table is a second level over any streams' p-values, not only NIST's.
            Consumes::Streams | Consumes::BitSequences => Ok(()),
        }
    }
}

/// STS's final analysis of each source's streams, then the family-wise verdict per source.
pub fn render(report: &Report) -> String {
    let mut text = String::new();
    for (name, streams) in report.by_source() {
        let outcomes: Vec<Vec<Outcome>> = streams.iter().map(|r| r.outcomes.clone()).collect();
        text.push_str(&render_final_analysis(&final_analysis(&outcomes), name));
        text.push('\n');
    }
    text.push_str(&family_wise_lines(report));
    text
}

/// The family-wise verdict per source, under STS's table.
fn family_wise_lines(report: &Report) -> String {
    let mut text = String::from(
        "Family-wise verdict (Holm at 0.01 over all rows; this decides the exit status):\n",
    );
    for source in &report.sources {
        text.push_str(&format!(
            "  {:<20} {}{}\n",
            source.source,
            source.verdict.as_str(),
            if source.failing.is_empty() {
                String::new()
            } else {
                format!(" ({})", source.failing.join(", "))
            }
        ));
    }
    text.push_str(CAVEAT);
    text.push('\n');
    text
}
