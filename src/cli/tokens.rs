//! `rngaudit tokens PATH|-`: the token analysis of `rngaudit::tokens` on a file or on stdin,
//! printed as a table or as JSON, with `tokens.csv` and `tokens.png` under `--out`.
//!
//! Exit status: 0 when the verdict is pass or weak, 1 when it is fail, 3 when it is
//! insufficient (too few tokens for the tests to check every position: neither a pass nor a
//! failure, and a script must not take it for either), 2 for bad input (the library's errors,
//! turned into one line by the binary).

use super::args::TokensArgs;
use super::output::{prepare_dir, print_stdout};
use super::status::{EXIT_OK, EXIT_STATISTICAL_FAILURE, EXIT_USAGE};
use anyhow::Result;
use rngaudit::provenance::Provenance;
use rngaudit::report::json::{self, DocumentKind};
use rngaudit::tokens::{self, report};
use std::process::ExitCode;

pub fn run(args: TokensArgs) -> Result<ExitCode> {
    // Written so that NaN is refused too.
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        anyhow::bail!(
            "--alpha must lie strictly between 0 and 1, got {}",
            args.alpha
        );
    }
    let (set, name) = tokens::read_path(&args.input)?;
    let analysis = tokens::analyse(&set, &name, args.alpha);
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
        report::write_files(&analysis, dir)?;
    }
    if args.json {
        // The analysis runs on this thread.
        let document = json::document(
            DocumentKind::Tokens,
            serde_json::to_value(&analysis)?,
            &Provenance::collect(1),
        );
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        print_stdout(&report::render_terminal(&analysis))?;
    }
    if analysis.failed() {
        return Ok(ExitCode::from(EXIT_STATISTICAL_FAILURE));
    }
    if analysis.insufficient() {
        // As `file` does for data too short for any test: the analysis is on stdout, one line
        // on stderr says why there is no verdict, and the status is never a silent 0.
        eprintln!(
            "rngaudit: {}: too few tokens for a verdict: {} given, {} needed to test every position",
            analysis.source, analysis.tokens, analysis.tokens_needed
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    Ok(ExitCode::from(EXIT_OK))
}
