//! The command line, declared once with clap's derive API; `--help` is generated from it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "rngaudit",
    version,
    about = "Statistical randomness tests for seeded, secure and token generators",
    after_help = "Statistical tests find non-randomness; they never prove a generator secure.\n\
                  Sizes are bytes or take a suffix K, M, G, T (powers of 1024)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List sources, tests and batteries.
    List,
    /// Run a battery on built-in sources.
    Run(RunArgs),
    /// Run the default plan (every source, controls included) and write the reports.
    Report(ReportArgs),
    /// Write a source's raw bytes (symbols) to stdout, to feed other tools.
    Dump(DumpArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Sources to test (default: all; see `rngaudit list`).
    pub sources: Vec<String>,
    /// Comma-separated tests of the battery (default: all).
    #[arg(long)]
    pub tests: Option<String>,
    /// The battery to run.
    #[arg(long, default_value = "default")]
    pub battery: String,
    /// Symbols per stream (bytes for byte sources).
    #[arg(long, default_value = "1M", value_parser = parse_size_arg, allow_hyphen_values = true)]
    pub bytes: u64,
    /// Independent streams per source.
    #[arg(long, default_value_t = 10)]
    pub streams: u32,
    /// Master seed: every stream's seed derives from it, the source and the stream index.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Directory to write the reports into.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// A smaller plan for a quick look (fewer streams, same tests).
    #[arg(long)]
    pub quick: bool,
    /// Master seed of the plan.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// The source to dump.
    pub source: String,
    /// The seed, used as given (for mt19937, as Python's random.Random(seed)).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How many bytes to write (default: until stdout is closed).
    #[arg(long, value_parser = parse_size_arg, allow_hyphen_values = true)]
    pub bytes: Option<u64>,
}

/// Options shared by the commands that run a battery.
#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write results.csv, summary.csv and figures.csv into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a test parameter: TEST.NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "TEST.NAME=VALUE")]
    pub params: Vec<String>,
}

fn parse_size_arg(text: &str) -> Result<u64, String> {
    rngaudit::size::parse_size(text).map_err(|error| error.to_string())
}
