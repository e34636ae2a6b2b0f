//! Which formats a battery command (`run`, `file`) writes and where, decided from its flags
//! before anything runs, so a bad `--format` costs nothing. A leaf: it imports only the
//! output helpers and the library.
//!
//! Without `--out`, stdout shows one text document: the battery's own (the table, STS's text
//! for nist), or the one `--format` or `--json` names. With `--out DIR`, every named format
//! (else CSV and the provenance, plus STS's text for nist) writes its files into DIR, and
//! stdout still shows the battery's own text, or JSON with `--json`.

use super::args::OutputArgs;
use super::output::{prepare_dir, print_stdout};
use anyhow::{bail, Result};
use rngaudit::battery::Consumes;
use rngaudit::report::{self, Report, Sink};
use std::path::PathBuf;

/// The sinks a command writes to.
pub(super) struct Outputs {
    stdout: &'static dyn Sink,
    files: Option<(PathBuf, Vec<&'static dyn Sink>)>,
}

impl Outputs {
    /// The outputs the flags ask for, for a battery that consumes its input this way.
    pub(super) fn plan(output: &OutputArgs, consumes: Consumes) -> Result<Outputs> {
        let named = &output.formats;
        let stdout_name = match (output.json, &output.out, named.as_slice()) {
            (true, None, [_, ..]) => {
                bail!("--json and --format both choose what stdout shows; give one of them")
            }
            (true, _, _) => "json",
            (false, None, [one]) => one.as_str(),
            (false, None, [_, _, ..]) => bail!(
                "--format names {} formats but stdout shows one; give --out DIR to write them \
                 as files",
                named.len()
            ),
            (false, _, _) => report::default_text_format(consumes),
        };
        let stdout = report::find_format(stdout_name)?;
        if !stdout.prints() {
            bail!(
                "--format {} writes files ({}); give --out DIR",
                stdout.name(),
                stdout.files().join(", ")
            );
        }
        if let Err(reason) = stdout.accepts(consumes) {
            bail!(
                "--format {} cannot show this battery's report: {reason}",
                stdout.name()
            );
        }
        let files = match &output.out {
            None => None,
            Some(dir) => {
                let mut names: Vec<&str> = if named.is_empty() {
                    report::default_file_formats(consumes).to_vec()
                } else {
                    named.iter().map(String::as_str).collect()
                };
                // Every directory of results says which rngaudit made it.
                names.push("provenance");
                let sinks = report::sinks_for(&names, consumes).map_err(|error| match error {
                    rngaudit::Error::FormatNotApplicable { format, reason } => {
                        anyhow::anyhow!(
                            "--format {format} cannot show this battery's report: {reason}"
                        )
                    }
                    other => other.into(),
                })?;
                prepare_dir(dir)?;
                Some((dir.clone(), sinks))
            }
        };
        Ok(Outputs { stdout, files })
    }

    /// Whether stdout shows the terminal table (so lines printed before it read well).
    pub(super) fn shows_terminal(&self) -> bool {
        self.stdout.name() == "terminal"
    }

    /// Writes the files (each atomically), then prints the stdout document.
    pub(super) fn deliver(&self, report: &Report) -> Result<()> {
        if let Some((dir, sinks)) = &self.files {
            for sink in sinks {
                sink.write(report, dir)?;
            }
        }
        if let Some(text) = self.stdout.render(report) {
            print_stdout(&text)?;
        }
        Ok(())
    }
}
