//! `--battery nist`: NIST SP 800-22 sequences from built-in sources or from a file, reported as
//! STS's `finalAnalysisReport.txt` on the terminal, as the documented JSON document, and as the
//! usual CSV rows with `--out`. The exit status follows the crate's family-wise verdict rule;
//! STS's own per-row flags (shown with `*`) are printed but, over 188 rows, flag some row of a
//! good generator about half the time, so they do not decide the exit status.

use super::args::CommonArgs;
use super::execute::exit_code;
use super::output::{prepare_dir, print_stdout};
use anyhow::{Context, Result};
use rngaudit::battery::nist::final_analysis::{final_analysis, render_final_analysis, FinalRow};
use rngaudit::battery::Outcome;
use rngaudit::report::{self, Report, Sink};
use rngaudit::runner::StreamReport;
use serde_json::{json, Value};
use std::process::ExitCode;

/// Prints (or writes under `--out`) the NIST battery's report as STS does: the final analysis
/// per source, then the family-wise verdict that decides the exit status.
pub fn finish(report: &Report, seq_bits: u64, common: &CommonArgs) -> Result<ExitCode> {
    let by_source = group_by_source(&report.results);
    let analyses: Vec<(&str, Vec<FinalRow>)> = by_source
        .iter()
        .map(|(name, reports)| {
            let outcomes: Vec<Vec<Outcome>> = reports.iter().map(|r| r.outcomes.clone()).collect();
            (*name, final_analysis(&outcomes))
        })
        .collect();
    if let Some(dir) = &common.out {
        prepare_dir(dir)?;
        report::csv::CsvSink.write(report, dir)?;
        let text: String = analyses
            .iter()
            .map(|(name, rows)| render_final_analysis(rows, name))
            .collect();
        report::write_atomically(&dir.join("final_analysis.txt"), |out| {
            out.write_all(text.as_bytes())
        })?;
    }
    if common.json {
        let mut document = json_document(&report.battery, seq_bits, &by_source, &analyses);
        report.provenance.attach(&mut document);
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        let mut text = String::new();
        for (name, rows) in &analyses {
            text.push_str(&render_final_analysis(rows, name));
            text.push('\n');
        }
        text.push_str(&family_wise_lines(report));
        print_stdout(&text).context("writing the final analysis")?;
    }
    Ok(exit_code(report))
}

/// Reports grouped by source, in first-seen order.
fn group_by_source(results: &[StreamReport]) -> Vec<(&str, Vec<&StreamReport>)> {
    let mut groups: Vec<(&str, Vec<&StreamReport>)> = Vec::new();
    for report in results {
        match groups.iter_mut().find(|(name, _)| *name == report.source) {
            Some((_, members)) => members.push(report),
            None => groups.push((&report.source, vec![report])),
        }
    }
    groups
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
    text.push_str(report::json::CAVEAT);
    text.push('\n');
    text
}

/// The documented JSON document: `battery`, `seq_bits`, `sequences`, per-sequence `results`
/// and per-row `summary`, with `test`, `index` and `label` as STS names them. With several
/// sources every result and summary row also names its `source`.
fn json_document(
    battery: &str,
    seq_bits: u64,
    by_source: &[(&str, Vec<&StreamReport>)],
    analyses: &[(&str, Vec<FinalRow>)],
) -> Value {
    let several = by_source.len() > 1;
    let mut results = Vec::new();
    for (name, reports) in by_source {
        for report in reports {
            let mut index_in_test: Vec<(&str, usize)> = Vec::new();
            for outcome in &report.outcomes {
                let index = match index_in_test.iter_mut().find(|(t, _)| *t == outcome.test) {
                    Some((_, next)) => {
                        *next += 1;
                        *next - 1
                    }
                    None => {
                        index_in_test.push((outcome.test, 1));
                        0
                    }
                };
                let mut row = json!({
                    "sequence": report.stream,
                    "test": outcome.test,
                    "index": index,
                    "label": outcome.label,
                    "p_value": outcome.p_value(),
                });
                if let Err(reason) = &outcome.result {
                    row["skipped"] = json!(reason);
                }
                if several {
                    row["source"] = json!(name);
                }
                results.push(row);
            }
        }
    }
    let mut summary = Vec::new();
    for (name, rows) in analyses {
        for row in rows {
            let mut entry = json!({
                "test": row.test,
                "index": row.index,
                "label": row.label,
                "proportion": row.proportion,
                "uniformity_p": row.uniformity_p,
                "verdict": row.verdict.as_str(),
            });
            if let (0, Some(reason)) = (row.sequences, &row.skip_reason) {
                entry["skipped"] = json!(reason);
            }
            if several {
                entry["source"] = json!(name);
            }
            summary.push(entry);
        }
    }
    json!({
        "battery": battery,
        "seq_bits": seq_bits,
        "sequences": by_source.first().map_or(0, |(_, r)| r.len()),
        "results": results,
        "summary": summary,
        "caveat": report::json::CAVEAT,
    })
}
