//! The HTML sink: `index.html` in the report directory, the page people open in a browser.
//!
//! It shows what the Markdown page shows (and takes the same numbers from the same places:
//! the grid from `terminal::grid`, the cells from `report.cells`, the appendix sections the CLI adds),
//! plus what a static Markdown page cannot: a table per source that sorts by any column, and a
//! p-value histogram per source drawn as inline SVG, since the pooled `pvalues.png` hides one
//! bad source among many good ones.
//!
//! The page is self-contained: no network, no script or style from elsewhere, system fonts.
//! The PNG charts are referenced as files beside the page rather than inlined: the report
//! directory always holds them (the sinks write into one directory), and inlining would add
//! about a megabyte of base64 to a file that is committed next to the very same PNGs.
//!
//! A small inline script sorts the tables and checks the page once it has loaded (grid rows
//! present, every image decoded, histograms drawn, no script error), writing the result into
//! `<body data-selfcheck="...">` so a headless browser in CI (`.ci/html-check`) can read it
//! from the DOM without a DevTools client.

use super::format_p;
use super::terminal::{
    expected_text, grid, looked_sources, mark, outcome_line, short, source_short,
};
use super::{write_atomically, Report, Sink};
use crate::second_level::{p_value_bin, CellSummary, SourceSummary, Verdict, ALPHA, WEAK_BELOW};
use crate::Error;
use std::fmt::Write as _;
use std::path::Path;

/// File name of the HTML report, inside the output directory.
pub const INDEX_FILE: &str = "index.html";

/// The sentence every report ends with, word for word as the issue asks for it.
pub const CAVEAT: &str =
    "Statistical tests find non-randomness; they never prove a generator secure.";

/// Bins of the per-source histograms: the ten of NIST's uniformity test.
const BINS: usize = 10;

/// Writes `index.html`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HtmlSink;

impl Sink for HtmlSink {
    fn name(&self) -> &'static str {
        "html"
    }

    fn summary(&self) -> &'static str {
        "a self-contained page with sortable tables and histograms; index.html (and the charts)"
    }

    fn files(&self) -> &'static [&'static str] {
        &[INDEX_FILE]
    }

    fn needs(&self) -> &'static [&'static str] {
        super::markdown::PAGE_NEEDS
    }

    fn write(&self, report: &Report, dir: &Path) -> Result<(), Error> {
        let text = render(report);
        write_atomically(&dir.join(INDEX_FILE), |out| out.write_all(text.as_bytes()))
    }
}

/// Escapes text for HTML element content and for quoted attribute values alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The CSS class of a verdict text; the text itself is always shown too, so the colour only
/// repeats what the label says.
fn verdict_class(text: &str) -> &'static str {
    match text {
        "pass" => "v-pass",
        "WEAK" => "v-weak",
        "FAIL" => "v-fail",
        _ => "v-none",
    }
}

/// How a verdict sorts: worst last when ascending.
fn verdict_rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Skipped => 0,
        Verdict::Pass => 1,
        Verdict::Weak => 2,
        Verdict::Fail => 3,
    }
}

/// A table cell holding an optional number: the text people read, and the raw value the sort
/// reads (empty when there is none, so such rows sort last).
fn number_cell(value: Option<f64>, text: impl Fn(f64) -> String) -> String {
    match value {
        Some(v) => format!(
            "<td class=\"num\" data-v=\"{v:e}\">{}</td>",
            escape(&text(v))
        ),
        None => "<td class=\"num\" data-v=\"\">-</td>".to_string(),
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 1rem; color: #1b1b1b; background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5; }
h1 { font-size: 1.7rem; margin: .5rem 0; }
h2 { font-size: 1.35rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9em; background: #f2f2f2; padding: 0 .2em; overflow-wrap: anywhere; }
.caveat { border-left: 4px solid #7a4b00; background: #fff6e0; padding: .5rem .75rem; }
.scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: .9rem; margin: .5rem 0; }
th, td { border: 1px solid #bbb; padding: .2rem .45rem; white-space: nowrap; text-align: left; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
#verdict-grid td.v, #verdict-grid th.t { text-align: center; }
#verdict-grid thead th, table.sortable thead th { white-space: normal; vertical-align: bottom; }
/* Separate borders: collapsed ones are not drawn on a sticky cell that has scrolled. */
#verdict-grid { border-collapse: separate; border-spacing: 0; border-top: 1px solid #bbb;
  border-left: 1px solid #bbb; }
#verdict-grid th, #verdict-grid td { border-width: 0 1px 1px 0; }
#verdict-grid th:first-child, #verdict-grid td:first-child { position: sticky; left: 0;
  background: #fff; z-index: 1; }
#verdict-grid thead th:first-child { background: #eee; }
.v-pass { background: #dff0e3; color: #0f4020; }
.v-weak { background: #ffe08a; color: #3d2b00; font-weight: 700; }
.v-fail { background: #a4161a; color: #fff; font-weight: 700; }
.v-none { color: #4a4a4a; }
th button { font: inherit; font-weight: 700; background: none; border: 0; padding: 0;
  cursor: pointer; color: inherit; text-decoration: underline dotted; }
th[aria-sort="ascending"] button::after { content: " \25B2"; }
th[aria-sort="descending"] button::after { content: " \25BC"; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; }
svg.hist { width: 100%; max-width: 360px; height: auto; display: block; }
.source-body { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: flex-start; }
.source-body figure { margin: .5rem 0; flex: 0 1 270px; min-width: 220px; }
.source-body figcaption { font-size: .8rem; color: #4a4a4a; }
.source-body .scroll { flex: 1 1 600px; min-width: 0; }
.source { border-top: 1px solid #ddd; }
nav ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap;
  gap: .15rem 1.1rem; }
nav h2 { font-size: 1rem; border: 0; margin: 1rem 0 .3rem; }
dl.prov { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; }
dl.prov dt { font-weight: 700; }
dl.prov dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 600px) {
  body { padding: .6rem; }
  h1 { font-size: 1.4rem; }
  table { font-size: .8rem; }
}
"#;

/// Sorts the per-source tables and checks the page once loaded (see the module docs). Kept in
/// ES5 so any browser the report is opened in runs it.
const SCRIPT: &str = r#"
(function () {
  var errors = [];
  // Capture phase: resource errors (an image that fails to load) do not bubble.
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName) {
      errors.push('could not load ' + (t.getAttribute('src') || t.tagName));
    } else {
      errors.push(String(e.message));
    }
  }, true);
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };
  function value(row, column) {
    var cell = row.cells[column];
    return cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent;
  }
  function compare(a, b) {
    // Missing numbers sort last either way; numbers numerically, text alphabetically.
    if (a === '' || b === '') { return (a === '') - (b === ''); }
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) { return x - y; }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortBy(table, column, header) {
    var descending = header.getAttribute('aria-sort') === 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) {
      var a = value(r, column), b = value(s, column);
      if (a === '' || b === '') { return compare(a, b); }
      return descending ? compare(b, a) : compare(a, b);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.removeAttribute('aria-sort');
    });
    header.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }
  function selfCheck() {
    var problems = [];
    var grid = document.getElementById('verdict-grid');
    var rows = grid ? grid.tBodies[0].rows.length : 0;
    var want = grid ? Number(grid.getAttribute('data-rows')) : -1;
    if (rows === 0 || rows !== want) {
      problems.push('verdict grid has ' + rows + ' rows, expected ' + want);
    }
    var images = document.images, broken = [];
    for (var i = 0; i < images.length; i++) {
      if (!(images[i].complete && images[i].naturalWidth > 0)) {
        broken.push(images[i].getAttribute('src'));
      }
    }
    if (broken.length) { problems.push('images not rendered: ' + broken.join(', ')); }
    var histograms = document.querySelectorAll('svg.hist').length;
    var wantHistograms = Number(document.body.getAttribute('data-histograms'));
    if (histograms === 0 || histograms !== wantHistograms) {
      problems.push(histograms + ' histograms, expected ' + wantHistograms);
    }
    problems = problems.concat(errors.map(function (e) { return 'error: ' + e; }));
    document.body.setAttribute('data-selfcheck', problems.length
      ? 'FAIL: ' + problems.join('; ')
      : 'ok: ' + rows + ' grid rows, ' + images.length + ' images, ' + histograms
        + ' histograms, ' + document.querySelectorAll('table.sortable').length
        + ' sortable tables, no errors');
  }
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
        var button = th.querySelector('button');
        if (button) {
          button.addEventListener('click', function () { sortBy(table, column, th); });
        }
      });
    });
  });
  window.addEventListener('load', function () {
    try { selfCheck(); } catch (e) {
      document.body.setAttribute('data-selfcheck', 'FAIL: self-check threw ' + e);
    }
  });
})();
"#;

/// Renders the page.
pub fn render(report: &Report) -> String {
    let grid = grid(report);
    let mut out = String::new();
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>rngaudit report</title>\n<style>",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</head>\n");
    let _ = writeln!(
        out,
        "<body data-histograms=\"{}\" data-selfcheck=\"pending\">",
        grid.rows.len()
    );
    out.push_str("<header>\n<h1>rngaudit report</h1>\n");
    let _ = writeln!(
        out,
        "<p><strong>{}</strong></p>",
        escape(&outcome_line(report))
    );
    let _ = writeln!(out, "<p class=\"caveat\">{}</p>", escape(CAVEAT));
    out.push_str("<p>");
    if let Some(command) = &report.command {
        let _ = write!(out, "Regenerate it with <code>{}</code>. ", escape(command));
    }
    out.push_str(
        "The numbers behind every table are in <code>results.csv</code>, \
         <code>summary.csv</code> and <code>figures.csv</code>.</p>\n",
    );
    out.push_str("</header>\n");
    contents(&mut out, &grid.rows);
    // The verdicts first: they are what a reader opens the page for.
    verdict_grid(&mut out, &grid.tests, &grid.rows);
    provenance(&mut out, report);
    for (index, (source, _)) in grid.rows.iter().enumerate() {
        source_section(&mut out, report, index, source);
    }
    // The pooled chart is drawn by the PNG sink, which a build without charts lacks.
    if cfg!(feature = "charts") {
        out.push_str(
            "<section id=\"pvalues\">\n<h2>P-values of all sources</h2>\n<p>Per-stream p-values \
             of each test in ten bins, good sources and controls apart; for a good generator \
             they are uniform, so the bars should hug the dashed line.</p>\n\
             <img src=\"pvalues.png\" alt=\"Histograms of per-stream p-values by test, good \
             sources and controls apart\">\n</section>\n",
        );
    }
    for section in &report.appendix {
        out.push_str("<section>\n");
        out.push_str(&markdown_to_html(section));
        out.push_str("</section>\n");
    }
    let _ = writeln!(
        out,
        "<section id=\"caveat\">\n<h2>What this does not show</h2>\n<p>{} A seeded generator \
         that passes every test here can still be predicted by anyone who learns its state or \
         seed. For secrets (keys, tokens, passwords) use a CSPRNG such as the OS generator or \
         ChaCha20, whatever its test results.</p>\n</section>",
        escape(CAVEAT)
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn contents(out: &mut String, rows: &[(&SourceSummary, Vec<Option<Verdict>>)]) {
    out.push_str(
        "<nav aria-label=\"contents\">\n<h2>Contents</h2>\n<ul>\n\
         <li><a href=\"#verdicts\">Verdict per source and test</a></li>\n\
         <li><a href=\"#provenance\">Provenance and plan</a></li>\n",
    );
    for (index, (source, _)) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><a href=\"#source-{index}\">{}</a> ({})</li>",
            escape(&source.source),
            escape(source_short(source))
        );
    }
    if cfg!(feature = "charts") {
        out.push_str("<li><a href=\"#pvalues\">P-values of all sources</a></li>\n");
    }
    out.push_str("<li><a href=\"#caveat\">What this does not show</a></li>\n</ul>\n</nav>\n");
}

fn provenance(out: &mut String, report: &Report) {
    let p = &report.provenance;
    out.push_str(
        "<section id=\"provenance\">\n<h2>Provenance and plan</h2>\n<dl class=\"prov\">\n",
    );
    let rows = [
        ("rngaudit", p.rngaudit_version.clone()),
        ("commit", p.commit_text()),
        ("date", p.date.clone()),
        (
            "machine",
            format!("{} ({} logical CPUs)", p.cpu, p.logical_cpus),
        ),
        ("threads", p.threads.to_string()),
        ("compiler", p.rustc.clone()),
        ("battery", report.battery.clone()),
    ];
    let [length, count] = report.stream_shape();
    let rows = rows.into_iter().chain([
        length,
        count,
        ("master seed", report.master_seed.to_string()),
    ]);
    for (name, value) in rows {
        let _ = writeln!(out, "<dt>{name}</dt><dd>{}</dd>", escape(&value));
    }
    out.push_str("</dl>\n");
    let _ = writeln!(
        out,
        "<p>Each source and test gets one p-value from all its streams (the proportion of \
         streams with p ≥ {ALPHA} against NIST SP 800-22's bounds and the uniformity of the \
         p-values, or the smallest p-value times the number of streams when there are fewer \
         than 10). Holm's procedure over every cell of the run marks cells <code>FAIL</code> at \
         a family-wise error rate of {}, and cells it keeps with a p-value below {WEAK_BELOW} \
         are <code>WEAK</code>; a source fails if any of its cells fails, and the controls \
         (known-bad generators) are expected to, or, for those caught only by named tests, to \
         fail those (not judged in a battery without them). <code>provenance.json</code> holds the same \
         provenance for programs.</p>",
        report.family_alpha
    );
    let looked = looked_sources(report);
    if !looked.is_empty() {
        let _ = writeln!(
            out,
            "<p>Here each source's one stream was judged at every doubling of its length (look \
             k by Holm at α / (k (k + 1)) over the source's own cells, so that its looks \
             together spend at most {}); a source's verdict is its last look's: {}.</p>",
            crate::second_level::FAMILY_ALPHA,
            escape(&looked.join("; "))
        );
    }
    out.push_str("</section>\n");
}

fn verdict_grid(
    out: &mut String,
    tests: &[&'static str],
    rows: &[(&SourceSummary, Vec<Option<Verdict>>)],
) {
    out.push_str(
        "<section id=\"verdicts\">\n<h2>Verdict per source and test</h2>\n\
         <p>The worst verdict over a test's labels; <code>-</code> means skipped. \
         ✓: the source came out as expected (controls are expected to fail); \
         <code>-</code> in that column: not judged.</p>\n",
    );
    let _ = writeln!(
        out,
        "<div class=\"scroll\">\n<table id=\"verdict-grid\" data-rows=\"{}\">",
        rows.len()
    );
    out.push_str(
        "<thead><tr><th scope=\"col\">source</th><th scope=\"col\">kind</th>\
         <th scope=\"col\">verdict</th><th scope=\"col\">expected</th>\
         <th scope=\"col\">as expected?</th>",
    );
    for test in tests {
        // Long names (`serial_correlation`) may break after an underscore, so the grid fits
        // a laptop's width without scrolling.
        let name = escape(test).replace('_', "_<wbr>");
        let _ = write!(out, "<th scope=\"col\" class=\"t\">{name}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (index, (source, verdicts)) in rows.iter().enumerate() {
        let verdict = source_short(source);
        let _ = write!(
            out,
            "<tr><th scope=\"row\"><a href=\"#source-{index}\">{}</a></th><td>{}</td>\
             <td class=\"v {}\">{}</td><td>{}</td><td class=\"v\">{}</td>",
            escape(&source.source),
            source.kind.as_str(),
            verdict_class(verdict),
            escape(verdict),
            escape(&expected_text(source)),
            mark(source)
        );
        for verdict in verdicts {
            let text = verdict.map_or("", short);
            let _ = write!(
                out,
                "<td class=\"v {}\">{}</td>",
                verdict_class(text),
                escape(text)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    if cfg!(feature = "charts") {
        out.push_str("<img src=\"verdicts.png\" alt=\"The same verdict grid as a chart\">\n");
    }
    out.push_str("</section>\n");
}

/// One source: its p-value histogram and its cells in a sortable table.
fn source_section(out: &mut String, report: &Report, index: usize, source: &SourceSummary) {
    let verdict = source_short(source);
    let _ = writeln!(
        out,
        "<section class=\"source\" id=\"source-{index}\">\n<h3>{} <small>({}, verdict \
         <span class=\"{}\">{}</span>, expected {})</small></h3>",
        escape(&source.source),
        source.kind.as_str(),
        verdict_class(verdict),
        escape(verdict),
        escape(&expected_text(source))
    );
    let p_values: Vec<f64> = report
        .results
        .iter()
        .filter(|r| r.source == source.source)
        .flat_map(|r| r.outcomes.iter().filter_map(|o| o.p_value()))
        .collect();
    // Histogram beside the table on a laptop, above it on a phone (the flex row wraps).
    out.push_str("<div class=\"source-body\">\n<figure>\n");
    out.push_str(&histogram(&source.source, &p_values));
    let _ = writeln!(
        out,
        "<figcaption>{} per-stream p-values of every test in ten bins; for a good generator \
         the bars hug the dashed line.</figcaption>\n</figure>",
        p_values.len()
    );
    out.push_str("<div class=\"scroll\">\n<table class=\"sortable\">\n<thead><tr>");
    for column in [
        "test",
        "verdict",
        "streams",
        "passed",
        "pass proportion",
        "lower bound",
        "upper bound",
        "uniformity p",
        "cell p",
        "Holm p",
    ] {
        let _ = write!(
            out,
            "<th scope=\"col\"><button type=\"button\">{column}</button></th>"
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let cells: Vec<&CellSummary> = report
        .cells
        .iter()
        .filter(|c| c.source == source.source)
        .collect();
    for cell in cells {
        let text = short(cell.verdict);
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"v {}\" data-v=\"{}\">{}</td>",
            escape(&cell.display_name()),
            verdict_class(text),
            verdict_rank(cell.verdict),
            escape(text)
        );
        let _ = write!(
            out,
            "<td class=\"num\" data-v=\"{0}\">{0}</td><td class=\"num\" data-v=\"{1}\">{1}</td>",
            cell.streams, cell.passed
        );
        let fixed = |v: f64| format!("{v:.4}");
        out.push_str(&number_cell(cell.pass_proportion, fixed));
        out.push_str(&number_cell(cell.proportion_bounds.map(|b| b.0), fixed));
        out.push_str(&number_cell(cell.proportion_bounds.map(|b| b.1), fixed));
        out.push_str(&number_cell(cell.uniformity_p, format_p));
        out.push_str(&number_cell(cell.cell_p, format_p));
        out.push_str(&number_cell(cell.holm_p, format_p));
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n</div>\n</section>\n");
}

/// A histogram of `p_values` in ten bins as inline SVG, with the dashed level a uniform
/// distribution would give each bin.
fn histogram(source: &str, p_values: &[f64]) -> String {
    const WIDTH: f64 = 320.0;
    const HEIGHT: f64 = 130.0;
    const LEFT: f64 = 34.0;
    const BOTTOM: f64 = 18.0;
    const TOP: f64 = 8.0;
    let mut counts = [0usize; BINS];
    for &p in p_values {
        counts[p_value_bin(p, BINS)] += 1;
    }
    let expected = p_values.len() as f64 / BINS as f64;
    let highest = counts
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(expected.ceil() as usize)
        .max(1) as f64;
    let plot_width = WIDTH - LEFT - 4.0;
    let plot_height = HEIGHT - BOTTOM - TOP;
    let bar_width = plot_width / BINS as f64;
    let y = |count: f64| TOP + plot_height * (1.0 - count / highest);
    let mut svg = format!(
        "<svg class=\"hist\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"h-{id}\"><title id=\"h-{id}\">{title}</title>\n",
        id = escape(&svg_id(source)),
        title = escape(&format!(
            "{source}: {} per-stream p-values in ten bins from 0 to 1: {}",
            p_values.len(),
            counts
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    );
    for (bin, &count) in counts.iter().enumerate() {
        let top = y(count as f64);
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#3b6ea8\"/>",
            LEFT + bin as f64 * bar_width + 1.0,
            bar_width - 2.0,
            TOP + plot_height - top
        );
    }
    let level = y(expected);
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{level:.1}\" y2=\"{level:.1}\" stroke=\"#1b1b1b\" \
         stroke-dasharray=\"4 3\"/>\n\
         <line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"#555\"/>\n\
         <line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\"/>",
        LEFT + plot_width,
        TOP + plot_height,
        LEFT + plot_width,
        TOP + plot_height,
        TOP + plot_height
    );
    let _ = write!(
        svg,
        "<g font-size=\"10\" fill=\"#1b1b1b\"><text x=\"{:.1}\" y=\"{:.1}\" \
         text-anchor=\"end\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">0</text>\
         <text x=\"{LEFT}\" y=\"{HEIGHT}\" dy=\"-4\">p = 0</text><text x=\"{:.1}\" \
         y=\"{HEIGHT}\" dy=\"-4\" text-anchor=\"end\">1</text></g>\n</svg>\n",
        LEFT - 4.0,
        TOP + 8.0,
        highest,
        LEFT - 4.0,
        TOP + plot_height,
        LEFT + plot_width
    );
    svg
}

/// An element id from a source name: letters and digits kept, everything else `_`.
fn svg_id(source: &str) -> String {
    source
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Converts the Markdown subset of the report's appendix sections (headings, paragraphs,
/// pipe tables, `- ` lists, images on a line of their own, `code` and **bold**) to HTML. The
/// sections are written by the CLI as Markdown for `README.md`; converting them keeps one
/// source of their numbers and wording instead of a second, drifting copy.
pub fn markdown_to_html(markdown: &str) -> String {
    let mut out = String::new();
    for block in markdown.split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some(first) = lines.first() else {
            continue;
        };
        if let Some(level) = heading_level(first) {
            let text = first[level..].trim();
            let _ = writeln!(out, "<h{level}>{}</h{level}>", inline(text));
            // A heading glued to the next lines: render those as their own block.
            let rest = lines[1..].join("\n");
            out.push_str(&markdown_to_html(&rest));
        } else if lines.iter().all(|l| l.trim_start().starts_with('|')) {
            table(&mut out, &lines);
        } else if lines.iter().all(|l| l.starts_with("- ")) {
            out.push_str("<ul>\n");
            for line in &lines {
                let _ = writeln!(out, "<li>{}</li>", inline(&line[2..]));
            }
            out.push_str("</ul>\n");
        } else if let (1, Some((alt, src))) = (lines.len(), image(first)) {
            if is_local(src) {
                let _ = writeln!(out, "<img src=\"{}\" alt=\"{}\">", escape(src), escape(alt));
            } else {
                // The page must work offline: a remote image is named, never fetched.
                let _ = writeln!(out, "<p>[image left out: {}]</p>", escape(alt));
            }
        } else {
            let _ = writeln!(out, "<p>{}</p>", inline(&lines.join(" ")));
        }
    }
    out
}

/// `## Heading` → 2; `None` for anything else.
fn heading_level(line: &str) -> Option<usize> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    ((1..=6).contains(&level) && line[level..].starts_with(' ')).then_some(level)
}

/// `![alt](src)` → (alt, src).
fn image(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim().strip_prefix("![")?;
    let (alt, rest) = rest.split_once("](")?;
    rest.strip_suffix(')').map(|src| (alt, src))
}

/// Whether an image reference names a file beside the page: a page that must work offline
/// never gets a reference with a scheme (`https:`, `data:`, `javascript:`) or a host (`//`).
fn is_local(src: &str) -> bool {
    !src.is_empty() && !src.contains(':') && !src.starts_with("//") && !src.contains('(')
}

/// A pipe table: the first row is the header, the second the alignment row.
fn table(out: &mut String, lines: &[&str]) {
    let rows: Vec<Vec<String>> = lines.iter().map(|l| split_row(l)).collect();
    let aligns: Vec<bool> = rows
        .get(1)
        .map(|r| r.iter().map(|c| c.trim().ends_with(':')).collect())
        .unwrap_or_default();
    let is_separator = |row: &[String]| {
        row.iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
    };
    out.push_str("<div class=\"scroll\">\n<table>\n");
    for (index, row) in rows.iter().enumerate() {
        if index == 1 && is_separator(row) {
            continue;
        }
        let tag = if index == 0 { "th" } else { "td" };
        out.push_str("<tr>");
        for (column, cell) in row.iter().enumerate() {
            let class = if index > 0 && aligns.get(column) == Some(&true) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<{tag}{class}>{}</{tag}>", inline(cell.trim()));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</div>\n");
}

/// The cells of `| a | b \| c |`, with `\|` kept escaped for [`inline`] to unescape.
fn split_row(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(&next) = chars.peek() {
                    chars.next();
                    if let Some(cell) = cells.last_mut() {
                        cell.push('\\');
                        cell.push(next);
                    }
                }
            }
            '|' => cells.push(String::new()),
            other => {
                if let Some(cell) = cells.last_mut() {
                    cell.push(other);
                }
            }
        }
    }
    // The trailing `|` leaves an empty last cell.
    if cells.len() > 1 && cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells
}

/// Inline Markdown: `code` (taken literally), **bold**, backslash escapes; everything escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut plain = String::new();
    let mut bold = false;
    let mut chars = text.chars().peekable();
    let flush = |plain: &mut String, out: &mut String| {
        out.push_str(&escape(plain));
        plain.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {
                if let Some(next) = chars.next() {
                    plain.push(next);
                }
            }
            '`' => {
                let code: String = chars.by_ref().take_while(|&n| n != '`').collect();
                flush(&mut plain, &mut out);
                let _ = write!(out, "<code>{}</code>", escape(&code));
            }
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                flush(&mut plain, &mut out);
                out.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
            }
            other => plain.push(other),
        }
    }
    flush(&mut plain, &mut out);
    if bold {
        out.push_str("</strong>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn page_has_grid_a_table_per_source_histograms_and_caveat() {
        let report = fixtures::realistic(10);
        let text = render(&report);
        assert!(text.starts_with("<!DOCTYPE html>\n"));
        assert!(text.ends_with("</html>\n"));
        let grid_rows = text
            .split("<table id=\"verdict-grid\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .map(|t| t.matches("<tr>").count())
            .unwrap_or(0);
        // One header row and one row per source.
        assert_eq!(grid_rows, report.sources.len() + 1, "{text}");
        assert!(text.contains(&format!("data-rows=\"{}\"", report.sources.len())));
        assert_eq!(
            text.matches("<table class=\"sortable\">").count(),
            report.sources.len()
        );
        assert_eq!(
            text.matches("<svg class=\"hist\"").count(),
            report.sources.len()
        );
        assert!(text.contains("<button type=\"button\">Holm p</button>"));
        assert!(text.contains("src=\"verdicts.png\""));
        assert!(text.contains("src=\"pvalues.png\""));
        assert!(text.contains(CAVEAT));
        // The weak cell the fixture plants shows its label, not only a colour.
        assert!(text.contains("<td class=\"v v-weak\">WEAK</td>"), "{text}");
        assert!(text.contains("<td class=\"v v-fail\">FAIL</td>"));
        assert_eq!(render(&report), text);
    }

    #[test]
    fn table_rows_carry_every_p_value_of_the_cell() {
        let report = fixtures::small();
        let text = render(&report);
        let cell = report
            .cells
            .iter()
            .find(|c| c.source == "counter" && c.test == "monobit")
            .unwrap();
        let holm = cell.holm_p.unwrap();
        assert!(
            text.contains(&format!(">{}</td>", escape(&format_p(holm)))),
            "{text}"
        );
        assert!(text.contains("<td>serial[m=2]</td>"), "{text}");
        // Fewer than ten streams: no uniformity p, shown as a dash that sorts last.
        assert!(text.contains("<td class=\"num\" data-v=\"\">-</td>"));
    }

    #[test]
    fn names_are_escaped_and_nothing_refers_to_the_network() {
        let mut report = fixtures::small();
        let evil = "<script>alert('x')</script>&\"";
        for result in &mut report.results {
            if result.source == "counter" {
                result.source = evil.to_string();
            }
        }
        for cell in &mut report.cells {
            if cell.source == "counter" {
                cell.source = evil.to_string();
            }
        }
        for source in &mut report.sources {
            if source.source == "counter" {
                source.source = evil.to_string();
            }
        }
        report.appendix.push(
            "## Extra <b>\n\n| a | b |\n|---|---:|\n| <i> | 1 |\n\n\
             ![remote](https://example.com/x.png)\n\n![chart](throughput.png)\n"
                .to_string(),
        );
        let text = render(&report);
        assert!(!text.contains("<script>alert"), "{text}");
        assert!(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
        assert!(text.contains("<h2>Extra &lt;b&gt;</h2>"), "{text}");
        assert!(
            text.contains("<td>&lt;i&gt;</td><td class=\"num\">1</td>"),
            "{text}"
        );
        assert!(text.contains("<img src=\"throughput.png\" alt=\"chart\">"));
        assert!(text.contains("<p>[image left out: remote]</p>"), "{text}");
        assert!(!text.contains("http://"), "{text}");
        assert!(!text.contains("https://"), "{text}");
        // The histogram of the renamed source is still there, under an id made safe.
        assert!(text.contains("aria-labelledby=\"h-_script_alert__x____script___\""));
    }

    #[test]
    fn markdown_subset_converts_as_the_appendix_needs() {
        let html = markdown_to_html(
            "## Power: where\n\nSome `code` and **bold** \\| text.\n\n\
             | control | fails at |\n| --- | ---: |\n| ctl_a \\| b | 2^10 |\n\n\
             - one\n- two `x`\n\n![calibration](calibration.png)\n",
        );
        assert_eq!(
            html,
            "<h2>Power: where</h2>\n\
             <p>Some <code>code</code> and <strong>bold</strong> | text.</p>\n\
             <div class=\"scroll\">\n<table>\n<tr><th>control</th><th>fails at</th></tr>\n\
             <tr><td>ctl_a | b</td><td class=\"num\">2^10</td></tr>\n</table>\n</div>\n\
             <ul>\n<li>one</li>\n<li>two <code>x</code></li>\n</ul>\n\
             <img src=\"calibration.png\" alt=\"calibration\">\n"
        );
    }

    #[test]
    fn histogram_bins_like_the_uniformity_test() {
        // 0.1 lands in bin 1 and 1.0 in the last bin, as `p_value_bin` decides.
        let svg = histogram("s", &[0.0, 0.05, 0.1, 1.0]);
        assert!(
            svg.contains(
                "4 per-stream p-values in ten bins from 0 to 1: 2, 1, 0, 0, 0, 0, 0, 0, 0, 1"
            ),
            "{svg}"
        );
        assert!(!histogram("empty", &[]).contains("NaN"));
    }

    #[test]
    fn sink_writes_index_and_reports_unwritable_directories() {
        let dir = tempfile::tempdir().unwrap();
        HtmlSink.write(&fixtures::small(), dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap();
        assert!(text.contains("id=\"verdict-grid\""));
        assert_eq!(text.matches("<table class=\"sortable\">").count(), 2);
        assert!(matches!(
            HtmlSink.write(&fixtures::small(), &dir.path().join("missing")),
            Err(Error::Write { .. })
        ));
    }
}
