//! `rngaudit power`: for each control (or each named source), the shortest power-of-two
//! length at which the default battery says `fail`, PractRand-style (the library part is
//! `rngaudit::verify::power`). Exit code 1 when a control is not caught or a good source is.

use super::args::PowerArgs;
use super::output::{prepare_dir, print_stdout};
use super::status::{EXIT_OK, EXIT_STATISTICAL_FAILURE};
use anyhow::Result;
use rngaudit::source::{self, Kind};
use rngaudit::verify::power;
use std::process::ExitCode;

pub fn run(args: PowerArgs) -> Result<ExitCode> {
    let sources = if args.sources.is_empty() {
        power::controls()
    } else {
        args.sources
            .iter()
            .map(|name| source::find(name))
            .collect::<Result<Vec<_>, _>>()?
    };
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
    }
    let detections = power::detect(&sources, args.max, args.seed, args.threads)?;
    if let Some(dir) = &args.out {
        power::write_csv(&detections, dir)?;
    }
    if args.json {
        let provenance = rngaudit::provenance::Provenance::collect(args.threads);
        let document = power::to_json(&detections, &provenance);
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        print_stdout(&power::render(&detections))?;
    }
    let as_expected = sources
        .iter()
        .zip(&detections)
        .all(|(source, d)| d.fails_at.is_some() == (source.kind == Kind::Control));
    Ok(ExitCode::from(if as_expected {
        EXIT_OK
    } else {
        EXIT_STATISTICAL_FAILURE
    }))
}
