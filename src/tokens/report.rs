//! The token report for people and files: a terminal table, `tokens.csv` (one row per
//! position) and `tokens.png` (entropy per position). JSON is the serde form of
//! [`TokenReport`] and needs nothing here.
//!
//! Nothing in this file decides anything: every number and verdict comes from the analysis.
//! Files go through [`crate::report::write_atomically`], so a failed write leaves the previous
//! file whole. plotters can only write an image to a path, so the chart is drawn into a
//! temporary file beside the target, read back and written atomically like the others.

use super::{list, PositionReport, TokenReport, Verdict};
#[cfg(feature = "charts")]
use crate::chart::font;
#[cfg(feature = "charts")]
use crate::chart::palette::{FAIL_COLOUR, PASS_COLOUR, WEAK_COLOUR};
use crate::report::{format_p, write_atomically};
use crate::Error;
#[cfg(feature = "charts")]
use plotters::prelude::*;
use std::path::Path;

/// File name of the per-position table, inside the output directory.
pub const CSV_FILE: &str = "tokens.csv";
/// File name of the per-position chart, inside the output directory.
pub const PNG_FILE: &str = "tokens.png";

/// Characters of a character set shown in the table before it is cut short.
const CHARSET_WIDTH: usize = 22;

#[cfg(feature = "charts")]
const UNTESTED_COLOUR: RGBColor = RGBColor(0x90, 0xa4, 0xc8);
#[cfg(feature = "charts")]
const NOMINAL_COLOUR: RGBColor = RGBColor(0xcf, 0xd8, 0xdc);

/// The character set for people: runs of three or more consecutive characters as ranges
/// ("0-9 a-f"), groups apart, invisible characters escaped.
pub fn describe_charset(charset: &str) -> String {
    let chars: Vec<char> = charset.chars().collect();
    let show = |c: char| match c {
        ' ' => "␠".to_string(),
        c if c.is_control() => c.escape_default().to_string(),
        c => c.to_string(),
    };
    let mut groups = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = start;
        while end + 1 < chars.len() && u32::from(chars[end + 1]) == u32::from(chars[end]) + 1 {
            end += 1;
        }
        if end - start >= 2 {
            groups.push(format!("{}-{}", show(chars[start]), show(chars[end])));
        } else {
            groups.extend(chars[start..=end].iter().map(|&c| show(c)));
        }
        start = end + 1;
    }
    groups.join(" ")
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

/// A count of tokens for people: whole numbers up to a million, then scientific notation.
fn format_count(value: f64) -> String {
    if value >= f64::MAX {
        "more than 1e308".to_string()
    } else if value < 1e6 {
        format!("{value:.0}")
    } else {
        format!("{value:.2e}")
    }
}

fn format_expected(value: f64) -> String {
    if value == 0.0 {
        "0 (below 1e-308)".to_string()
    } else if (0.001..1000.0).contains(&value) {
        format!("{value:.3}")
    } else if (1000.0..1e6).contains(&value) {
        format!("{value:.0}")
    } else {
        format!("{value:.2e}")
    }
}

/// The terminal report: one table for tokens of one length; a summary and one section per
/// length otherwise.
pub fn render_terminal(report: &TokenReport) -> String {
    let mut out = String::new();
    if report.groups.is_empty() {
        render_group(report, &mut out);
    } else {
        let lengths: Vec<String> = report
            .length_distribution
            .iter()
            .map(|l| format!("{} ({} tokens)", l.length, l.tokens))
            .collect();
        out.push_str(&format!(
            "rngaudit tokens: {} tokens from {} ({} distinct) of {} lengths: {}
",
            report.tokens,
            report.source,
            report.distinct,
            report.groups.len(),
            lengths.join(", ")
        ));
        out.push_str(&summary_line(report, "in the weakest length group "));
        for note in &report.notes {
            out.push_str(&format!(
                "note: {note}
"
            ));
        }
        for group in &report.groups {
            out.push_str(&format!(
                "
== tokens of length {}: {} ==
",
                group.length_min, group.tokens
            ));
            render_group(group, &mut out);
        }
    }
    out.push_str(&format!(
        "
{}
",
        report.caveat
    ));
    out
}

/// "effective entropy (tested): ..." with the verdict.
fn summary_line(report: &TokenReport, scope: &str) -> String {
    format!(
        "effective entropy (tested): {:.1} bits per token {scope}(nominal {:.1}); untested: {:.1} \
         bits; verdict {}\n",
        report.effective_entropy_bits,
        report.nominal_entropy_bits,
        report.untested_bits,
        report.verdict.as_str().to_uppercase()
    )
}

/// How reliable the sample is, as Burp Sequencer reports it by sample size: how many positions
/// the certifying tests could check, and how many tokens each of those tests needs.
fn reliability(report: &TokenReport, out: &mut String) {
    let varying: Vec<&PositionReport> = report
        .positions
        .iter()
        .filter(|p| p.counted && p.charset_size >= 2)
        .collect();
    if varying.is_empty() {
        return;
    }
    let tested = varying.iter().filter(|p| p.tested).count();
    out.push_str(&format!(
        "reliability: {tested} of {} varying positions tested with {} tokens; {} needed to test \
         them all\n",
        varying.len(),
        report.tokens,
        report.tokens_needed
    ));
    for r in &report.requirements {
        let short = if r.positions_short.is_empty() {
            "met".to_string()
        } else {
            format!("short at {}", list(&r.positions_short))
        };
        out.push_str(&format!(
            "  {:<11} {:>6} tokens ({short}): {}\n",
            r.test, r.tokens_needed, r.defect
        ));
    }
}

fn render_group(report: &TokenReport, out: &mut String) {
    let lengths = if report.length_min == report.length_max {
        format!("{} characters each", report.length_min)
    } else {
        format!("{} to {} characters", report.length_min, report.length_max)
    };
    out.push_str(&format!(
        "rngaudit tokens: {} tokens from {} ({} distinct), {lengths}\n",
        report.tokens, report.source, report.distinct
    ));
    out.push_str(&summary_line(report, ""));
    reliability(report, out);
    out.push('\n');
    out.push_str(&format!(
        "{:>4} {:>8} {:>6}  {:<width$} {:>6} {:>6} {:>7} {:>10}  {:<12} {}\n",
        "pos",
        "present",
        "chars",
        "charset",
        "log2",
        "bits",
        "needed",
        "p (Holm)",
        "verdict",
        "flagged",
        width = CHARSET_WIDTH
    ));
    for p in &report.positions {
        out.push_str(position_row(p).trim_end());
        out.push('\n');
    }
    if !report.failing_positions.is_empty() {
        out.push_str(&format!(
            "\nfailing positions: {}\n",
            list(&report.failing_positions)
        ));
    }
    let flagged: Vec<_> = report
        .tests
        .iter()
        .filter(|t| matches!(t.verdict, Verdict::Fail | Verdict::Weak))
        .collect();
    if !flagged.is_empty() {
        out.push_str("\nflagged tests:\n");
        for t in flagged {
            let at = if t.positions.is_empty() {
                String::new()
            } else {
                format!(" at {}", list(&t.positions))
            };
            out.push_str(&format!(
                "  {:<18}{at}: {}, Holm {} ({}): {}\n",
                t.name,
                p_equals(t.p_value),
                p_equals(t.p_holm),
                t.verdict.as_str(),
                t.detail
            ));
        }
    }
    let e = report.effective_entropy_bits;
    out.push_str(&format!(
        "\ncollisions: {} equal pairs ({} duplicate tokens); expected at {e:.1} tested bits: {}\n",
        report.collisions,
        report.duplicates,
        format_expected(report.expected_collisions)
    ));
    let untested = if report.untested_bits > 0.0 {
        format!(
            " (a floor: the {:.1} untested bits are not counted)",
            report.untested_bits
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "forecast at {e:.1} bits{untested}: {} expected collisions in 10^6 tokens, {} in 10^9; \
         a collision is 50% likely after {} tokens\n",
        format_expected(report.expected_collisions_at_1e6),
        format_expected(report.expected_collisions_at_1e9),
        format_count(report.tokens_for_50pct_collision)
    ));
    let fips: Vec<_> = report
        .tests
        .iter()
        .filter_map(|t| t.fips.as_ref())
        .collect();
    if !fips.is_empty() {
        out.push_str(&format!(
            "FIPS 140-2 §4.9.1 bit tests: {} positions, {} blocks of 20,000 bits, {} failed\n",
            fips.len(),
            fips.iter().map(|f| f.blocks).sum::<u64>(),
            fips.iter().map(|f| f.failed_blocks).sum::<u64>()
        ));
    }
    if report.length_distribution.len() > 1 {
        let lengths: Vec<String> = report
            .length_distribution
            .iter()
            .map(|l| format!("{}: {}", l.length, l.tokens))
            .collect();
        out.push_str(&format!(
            "lengths (characters: tokens): {}\n",
            lengths.join(", ")
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
}

/// "p = 0.0123", or "p < 1e-300" for a p-value that underflowed.
fn p_equals(p: Option<f64>) -> String {
    let text = p.map(format_p).unwrap_or_else(|| "-".to_string());
    if text.starts_with('<') {
        format!("p {text}")
    } else {
        format!("p = {text}")
    }
}

fn position_row(p: &PositionReport) -> String {
    let needed = if p.charset_size >= 2 {
        p.tokens_needed.to_string()
    } else {
        "-".to_string()
    };
    format!(
        "{:>4} {:>8} {:>6}  {:<width$} {:>6.2} {:>6.2} {:>7} {:>10}  {:<12} {}\n",
        p.index,
        p.present,
        p.charset_size,
        shorten(&describe_charset(&p.charset), CHARSET_WIDTH),
        p.log2_charset,
        p.entropy_bits,
        needed,
        p.p_value.map(format_p).unwrap_or_else(|| "-".to_string()),
        p.verdict.as_str(),
        p.flagged_tests.join(","),
        width = CHARSET_WIDTH
    )
}

/// Writes `tokens.csv` and, with the `charts` feature, `tokens.png` into `dir`.
pub fn write_files(report: &TokenReport, dir: &Path) -> Result<(), Error> {
    write_csv(report, &dir.join(CSV_FILE))?;
    // Without the `charts` feature there is no plotting library: the CSV carries the numbers.
    #[cfg(feature = "charts")]
    write_png(report, &dir.join(PNG_FILE))?;
    Ok(())
}

fn write_csv(report: &TokenReport, path: &Path) -> Result<(), Error> {
    write_atomically(path, |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record([
            "position",
            "present",
            "charset_size",
            "charset",
            "log2_charset",
            "min_entropy",
            "entropy_bits",
            "counted",
            "p_value",
            "verdict",
            "flagged_tests",
            "untested_bits",
            "tested",
            "tokens_needed",
            "length",
        ])?;
        for (length, p) in all_positions(report) {
            writer.write_record([
                p.index.to_string(),
                p.present.to_string(),
                p.charset_size.to_string(),
                p.charset.clone(),
                format!("{:.6}", p.log2_charset),
                format!("{:.6}", p.min_entropy),
                format!("{:.6}", p.entropy_bits),
                p.counted.to_string(),
                p.p_value.map(|v| format!("{v:e}")).unwrap_or_default(),
                p.verdict.as_str().to_string(),
                p.flagged_tests.join(" "),
                format!("{:.6}", p.untested_bits),
                p.tested.to_string(),
                p.tokens_needed.to_string(),
                length.to_string(),
            ])?;
        }
        writer.flush()
    })
}

/// Every position with the length of its tokens: the groups' one after another when the
/// tokens have several lengths.
fn all_positions(report: &TokenReport) -> Vec<(usize, &PositionReport)> {
    if report.groups.is_empty() {
        let length = report.length_min;
        report.positions.iter().map(|p| (length, p)).collect()
    } else {
        report
            .groups
            .iter()
            .flat_map(|g| g.positions.iter().map(move |p| (g.length_min, p)))
            .collect()
    }
}

#[cfg(feature = "charts")]
fn write_png(report: &TokenReport, path: &Path) -> Result<(), Error> {
    crate::chart::write_png(path, chart_size(report), |root| draw_chart(report, root))
}

#[cfg(feature = "charts")]
/// Wide enough for a bar per position, within what an image viewer shows.
fn chart_size(report: &TokenReport) -> (u32, u32) {
    let count = all_positions(report).len().max(1);
    ((140 + 18 * count).clamp(720, 4000) as u32, 460)
}

#[cfg(feature = "charts")]
fn verdict_colour(verdict: Verdict) -> RGBColor {
    match verdict {
        Verdict::Fail => FAIL_COLOUR,
        Verdict::Weak => WEAK_COLOUR,
        Verdict::Insufficient => UNTESTED_COLOUR,
        _ => PASS_COLOUR,
    }
}

#[cfg(feature = "charts")]
/// Bars per position: log₂ of the set size behind, the bits it contributes (or, untested, the
/// bits no test could check) in front, coloured by the position's verdict. Several lengths are
/// drawn one group after another, each position labelled with its index in its own tokens.
fn draw_chart(
    report: &TokenReport,
    root: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
) -> Result<(), String> {
    let positions = all_positions(report);
    let count = positions.len().max(1);
    // Headroom above the tallest bar for the legend.
    let top = (positions
        .iter()
        .map(|(_, p)| p.log2_charset)
        .fold(1.0f64, f64::max)
        * 1.35)
        .ceil();
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let lengths = if report.groups.is_empty() {
        String::new()
    } else {
        let lengths: Vec<String> = report
            .groups
            .iter()
            .map(|g| g.length_min.to_string())
            .collect();
        format!(", lengths {} side by side", lengths.join(", "))
    };
    let title = format!(
        "Entropy per position: {} tokens{lengths}, {:.1} tested bits, {:.1} untested ({})",
        report.tokens,
        report.effective_entropy_bits,
        report.untested_bits,
        report.verdict.as_str()
    );
    let index_at = |x: &f64| -> String {
        let slot = x.round().max(0.0) as usize;
        positions
            .get(slot)
            .map(|(_, p)| p.index.to_string())
            .unwrap_or_default()
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(18.0))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..count as f64 - 0.5, 0f64..top)
        .map_err(|e| text(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("position")
        .y_desc("bits")
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .x_labels((count + 1).min(41))
        .x_label_formatter(&index_at)
        .draw()
        .map_err(|e| text(&e))?;
    let nominal = positions.iter().enumerate().map(|(slot, (_, p))| {
        let x = slot as f64;
        Rectangle::new(
            [(x - 0.42, 0.0), (x + 0.42, p.log2_charset)],
            NOMINAL_COLOUR.filled(),
        )
    });
    chart
        .draw_series(nominal)
        .map_err(|e| text(&e))?
        .label("log₂ of the character set size")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], NOMINAL_COLOUR.filled()));
    for (verdict, label) in [
        (Verdict::Pass, "bits contributed (pass)"),
        (Verdict::Weak, "bits contributed (weak)"),
        (
            Verdict::Fail,
            "bits contributed (fail: what the evidence supports)",
        ),
        (Verdict::Insufficient, "untested bits (too few tokens)"),
    ] {
        let bars: Vec<_> = positions
            .iter()
            .enumerate()
            .filter(|(_, (_, p))| p.verdict == verdict)
            .map(|(slot, (_, p))| {
                let x = slot as f64;
                Rectangle::new(
                    [
                        (x - 0.25, 0.0),
                        (x + 0.25, p.entropy_bits + p.untested_bits),
                    ],
                    verdict_colour(verdict).filled(),
                )
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        let colour = verdict_colour(verdict);
        chart
            .draw_series(bars)
            .map_err(|e| text(&e))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .label_font(font(13.0))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| text(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_read_as_ranges() {
        assert_eq!(describe_charset("0123456789abcdef"), "0-9 a-f");
        assert_eq!(
            describe_charset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"),
            "- 0-9 A-Z _ a-z"
        );
        assert_eq!(describe_charset("89ab"), "8 9 a b");
        assert_eq!(describe_charset("\t x"), "\\t ␠ x");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
