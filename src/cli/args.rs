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
    /// Calibrate the battery on a good generator: rejection rates, uniformity of p-values and
    /// the verdict rule's false-fail rate.
    #[command(after_help = CALIBRATE_WORK)]
    Calibrate(CalibrateArgs),
    /// The shortest length (2^10 ... 2^30 bytes) at which the battery catches each control.
    Power(PowerArgs),
    /// Run a battery on a file or on stdin (`-`).
    File(FileArgs),
    /// Merge the partial states of every shard of one audit (`run`/`file` with --shard) into the
    /// report one machine would have written.
    ///
    /// The report goes where `run`'s would (--json, --format, --out); nothing is written, and
    /// the --out directory is not created, unless every state has been read and merged.
    Merge(MergeArgs),
    /// Measure what randomness costs: bulk GB/s, ns per 16-byte call or token, beside Python.
    Bench(BenchArgs),
    /// Analyse tokens, one per line (a file, or - for stdin): characters and bits per position,
    /// effective entropy, collisions.
    Tokens(TokensArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Sources to test (default: all; see `rngaudit list`).
    pub sources: Vec<String>,
    /// Comma-separated tests of the battery (default: all).
    #[arg(long)]
    pub tests: Option<String>,
    /// The battery to run: default, nist, deep (long-stream GF(2) tests) or ent (ENT's figures
    /// for each source's first stream of --bytes; figures, not a verdict, so the exit status is
    /// 0). See `rngaudit list`.
    #[arg(long, default_value = "default")]
    pub battery: String,
    /// Symbols per stream (bytes for byte sources); with one stream per source, the most each
    /// stream is read.
    #[arg(long, visible_alias = "max", default_value = "1M", value_parser = parse_size_arg, allow_hyphen_values = true)]
    pub bytes: u64,
    /// Independent streams per source. With one, each source's stream is judged at every
    /// doubling from 2^10 bytes (one line each as it is reached, stopping at the first failure
    /// unless --keep-going) and its segments are analysed on every thread. With several, the
    /// verdict comes from the second level across the streams, at --bytes only (one look).
    #[arg(long, default_value_t = 10)]
    pub streams: u32,
    /// With --streams 1: read on after a doubling fails (by default a source's reading stops
    /// at its first failure).
    #[arg(long)]
    pub keep_going: bool,
    /// Master seed: every stream's seed derives from it, the source and the stream index.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Do only part I of N of this audit (I from 0, as Slurm's $SLURM_ARRAY_TASK_ID) and write
    /// its partial state to --state-out instead of a report; `rngaudit merge` makes the report.
    /// With several streams a shard runs a range of them; with one, a stretch of each stream
    /// (sources that can seek only).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Where a shard writes its partial state (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub state_out: Option<PathBuf>,
    #[command(flatten)]
    pub nist: NistArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct FileArgs {
    /// A file, or - for stdin.
    pub path: String,
    /// How the input encodes bits.
    #[arg(long, value_enum, default_value = "bin")]
    pub input_format: InputFormatArg,
    /// The battery to run: deep (the default: GF(2) rank and linear complexity, bit-lane
    /// recurrences, lattices, Hamming weights), default (the quick battery of byte and bit
    /// frequencies, runs and correlation), nist, or ent. `ent` prints ENT's five figures, not a
    /// verdict: its exit status is 0 whenever the input could be read.
    #[arg(long, default_value = "deep")]
    pub battery: String,
    /// Comma-separated tests of the battery (default: all).
    #[arg(long)]
    pub tests: Option<String>,
    /// Analyse at most this much input (default: all of it, or until Ctrl-C).
    #[arg(long, visible_alias = "max", value_parser = parse_size_arg, allow_hyphen_values = true)]
    pub bytes: Option<u64>,
    /// Cut the input into this many consecutive segments and analyse them as streams. With one
    /// stream (the default) it is judged at every doubling from 2^10 bytes, one line each.
    #[arg(long, default_value_t = 1)]
    pub streams: u32,
    /// Read on after a doubling fails (by default reading stops at the first failure).
    #[arg(long)]
    pub keep_going: bool,
    /// For --battery ent: treat the input as bits, as `ent -b` does.
    #[arg(long)]
    pub bits: bool,
    /// Do only part I of N of this audit (I from 0, as Slurm's $SLURM_ARRAY_TASK_ID) and write
    /// its partial state to --state-out instead of a report; `rngaudit merge` makes the report.
    /// With several streams a shard runs a range of them; with one, a stretch of each stream
    /// (sources that can seek only).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Where a shard writes its partial state (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub state_out: Option<PathBuf>,
    #[command(flatten)]
    pub nist: NistArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum InputFormatArg {
    /// Raw bytes, bits most significant first.
    Bin,
    /// ASCII 0/1 characters; every other byte is skipped (NIST STS's ASCII mode).
    Ascii01,
}

/// The sequence layout of the NIST battery (`--battery nist`).
#[derive(Args, Debug)]
pub struct NistArgs {
    /// Bits per NIST sequence.
    #[arg(long, default_value_t = 1_000_000)]
    pub seq_bits: u64,
    /// Number of NIST sequences (fewer if the input ends first).
    #[arg(long, default_value_t = 100)]
    pub seqs: usize,
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
    /// Start this many bytes into the stream, without generating them (sources that can seek:
    /// see the README); the bytes are those of the dump without --skip from there on.
    #[arg(long, value_parser = parse_skip_arg, allow_hyphen_values = true)]
    pub skip: Option<u64>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shards' state files (--state-out), every shard of the plan once, in any order.
    #[arg(required = true, value_name = "FILE")]
    pub states: Vec<PathBuf>,
    // Where the merged report goes, as for `run`.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `calibrate`'s defaults cost, shown under its options so nobody starts it blind.
const CALIBRATE_WORK: &str = "Work done by default: 500 mini-reports × 100 streams × 1 MiB = \
50,000 streams, 48.8 GiB of chacha20 (the 1,000 per-test streams are the first of them): about 150 s of CPU, \
1–2 minutes on 2 cores. --quick: 1,000 streams and 10 mini-reports (1 GiB, a few seconds), enough \
for the per-test rates but not for the verdict rule's 1% goal.";

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Independent streams per test [default: 1000].
    #[arg(long)]
    pub streams: Option<u32>,
    /// The good generator: any source but a control, or chacha20_62 (62 symbols).
    #[arg(long, default_value = "chacha20")]
    pub source: String,
    /// The battery calibrated: default or deep.
    #[arg(long, default_value = "default")]
    pub battery: String,
    /// Symbols per stream (default: a report's, 1M).
    #[arg(long, value_parser = parse_size_arg, allow_hyphen_values = true)]
    pub bytes: Option<u64>,
    /// Mini-reports of 100 streams for the verdict rule's false-fail rate (0: none) [default: 500].
    #[arg(long)]
    pub reports: Option<u32>,
    /// A quick look: 1,000 streams and 10 mini-reports unless --streams/--reports say otherwise.
    #[arg(long)]
    pub quick: bool,
    /// Master seed of the streams.
    #[arg(long, default_value_t = rngaudit::verify::calibration::DEFAULT_SEED)]
    pub seed: u64,
    /// Also write calibration.csv, verdict_rule.csv and calibration.png into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Args, Debug)]
pub struct PowerArgs {
    /// Sources to search (default: every control); a file, or - for stdin, searches that input.
    pub sources: Vec<String>,
    /// The battery to search with: one of stream tests, deep (the default) or default (the
    /// quick battery).
    #[arg(long, default_value = "deep")]
    pub battery: String,
    /// The longest length tried, rounded down to a power of two.
    #[arg(long, default_value = "1G", value_parser = parse_size_arg, allow_hyphen_values = true)]
    pub max: u64,
    /// Master seed: each source's stream is stream 0 of `run --seed`.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also write detection.csv into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Narrow the tests that read words to words of this many bits (as for `run` and `file`).
    /// The built-in controls are then shown, not judged: what catches them may be a lane
    /// of another word size.
    #[arg(long, value_name = "BITS", value_parser = parse_word_arg)]
    pub word: Option<u32>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Sources to time (default: all, controls included; see `rngaudit list`).
    pub sources: Vec<String>,
    /// Also write throughput.csv, throughput.png and battery_throughput.csv into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Fewer, shorter runs and less battery data: a rough look in a few seconds.
    #[arg(long)]
    pub quick: bool,
    /// Threads of the all-threads bulk rows (default: one per core; 1 leaves them out).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Where a battery's report goes: the commands that run a battery and `merge`, which writes
/// the report of shards' states, share these flags.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Print one JSON document on stdout instead of the table (as --format json does).
    #[arg(long)]
    pub json: bool,
    /// A report format (repeatable). Without --out it picks what stdout shows (one of terminal,
    /// json, markdown, sts); with --out every named format writes its files there, and stdout
    /// shows the battery's own text. Default: the table (STS's text for nist).
    #[arg(long = "format", value_name = "FORMAT", value_parser = format_parser())]
    pub formats: Vec<String>,
    /// Write report files into this directory: the --format ones, else CSV and provenance.json
    /// (and STS's final_analysis.txt for nist).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Options shared by the commands that run a battery.
#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Override a test parameter: TEST.NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "TEST.NAME=VALUE")]
    pub params: Vec<String>,
    /// Narrow the tests that read words (bit lanes, word differences) to words of this many
    /// bits. By default every word size is tried, as PractRand does, so the word size of a
    /// generator piped in need not be known.
    #[arg(long, value_name = "BITS", value_parser = parse_word_arg)]
    pub word: Option<u32>,
}

#[derive(Args, Debug)]
pub struct TokensArgs {
    /// File of tokens, one per line, or - for stdin.
    pub input: String,
    /// Family-wise significance level of the verdicts (Holm's procedure over every test).
    #[arg(long, default_value_t = rngaudit::tokens::DEFAULT_ALPHA)]
    pub alpha: f64,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write tokens.csv (one row per position) and tokens.png into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `--word`'s value: 8, 16, 32 or 64.
fn parse_word_arg(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(bits) if rngaudit::battery::WORD_SIZES.contains(&bits) => Ok(bits),
        _ => Err("expected one of 8, 16, 32, 64 (bits)".to_string()),
    }
}

/// `--format`'s values, with each format's one line for `--help`, from the one registry.
fn format_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        rngaudit::report::FORMATS
            .iter()
            .map(|sink| clap::builder::PossibleValue::new(sink.name()).help(sink.summary())),
    )
}

/// `--skip`'s value: a size, or 0 (no skip).
fn parse_skip_arg(text: &str) -> Result<u64, String> {
    if text.trim() == "0" {
        return Ok(0);
    }
    parse_size_arg(text)
}

fn parse_size_arg(text: &str) -> Result<u64, String> {
    rngaudit::size::parse_size(text).map_err(|error| error.to_string())
}
