//! `rngaudit power`: for each control (or each named source, file or `-` for stdin), the first
//! power-of-two length at which a battery (`--battery`, the default one unless told) says
//! `fail`, in one pass, PractRand-style, with PractRand's own first failure beside it where it
//! was measured (the library part is `rngaudit::verify::power`). Exit code 1 when a source the
//! battery is expected to catch is not caught, or anything else is; a weak control whose
//! catching tests are not in the battery is shown, not judged.

use super::args::PowerArgs;
use super::output::{prepare_dir, print_stdout};
use super::status::{EXIT_OK, EXIT_STATISTICAL_FAILURE};
use anyhow::Result;
use rngaudit::source::external::{ExternalInput, Format};
use rngaudit::source::{self, Kind};
use rngaudit::verify::power;
use std::process::ExitCode;

/// What `power` searches: a built-in source, or a user's input (a file, or `-` for stdin).
enum Target {
    Source(&'static source::Source),
    Input(String),
}

pub fn run(args: PowerArgs) -> Result<ExitCode> {
    let battery = power::stream_battery(&args.battery)?;
    let targets: Vec<Target> = if args.sources.is_empty() {
        power::controls().into_iter().map(Target::Source).collect()
    } else {
        args.sources
            .iter()
            .map(|name| match source::find(name) {
                Ok(found) => Ok(Target::Source(found)),
                // Not a source's name: a file or stdin, if there is one by that name.
                Err(_) if name == "-" || std::path::Path::new(name).exists() => {
                    Ok(Target::Input(name.clone()))
                }
                Err(unknown) => Err(unknown),
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
    }
    let sources: Vec<_> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Source(s) => Some(*s),
            Target::Input(_) => None,
        })
        .collect();
    let mut params = rngaudit::battery::Params::default();
    if let Some(bits) = args.word {
        params.set_word_bits(bits)?;
    }
    let mut found = power::detect_with(
        battery,
        &sources,
        &params,
        args.max,
        args.seed,
        args.threads,
    )?
    .into_iter();
    let mut detections = Vec::new();
    let mut expected = Vec::new();
    for target in &targets {
        match target {
            Target::Source(s) => {
                detections.extend(found.next());
                // The expectations name the tests and lanes that catch each source: with
                // --word some of those lanes are left out, so nothing is judged.
                expected.push(match power::expectation(s, battery) {
                    _ if args.word.is_some() => None,
                    power::Expectation::Caught => Some(true),
                    power::Expectation::Passes => Some(false),
                    power::Expectation::NotJudged(_) => None,
                });
            }
            Target::Input(path) => {
                let mut input = ExternalInput::open(path, Format::Bin)?;
                let name = input.name.clone();
                detections.push(power::search_params(
                    battery,
                    &params,
                    &mut input,
                    (&name, Kind::External, 256),
                    args.max,
                    args.threads,
                )?);
                // A user's generator is expected to pass.
                expected.push(Some(false));
            }
        }
    }
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
    let as_expected = expected
        .iter()
        .zip(&detections)
        .all(|(&caught, d)| caught.is_none_or(|caught| d.fails_at.is_some() == caught));
    Ok(ExitCode::from(if as_expected {
        EXIT_OK
    } else {
        EXIT_STATISTICAL_FAILURE
    }))
}
