//! The library's audit API on each kind of input, with fixed seeds (never the OS generator):
//! the same bytes give the same report whichever way they come in, every battery runs through
//! the one call, and nothing measured is never a pass.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rngaudit::second_level::Verdict;
use rngaudit::seeds::stream_seed;
use rngaudit::{Audit, Error};
use std::io::Cursor;

/// Enough for every default test that applies to bytes (serial needs 320 KiB).
const BYTES: u64 = 1 << 19;

fn chacha_bytes(seed: u64, len: u64) -> Vec<u8> {
    let mut out = vec![0u8; len as usize];
    ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut out);
    out
}

/// Every p-value of the report, in order, with the stream it came from.
fn p_values(report: &rngaudit::report::Report) -> Vec<(u32, Option<f64>)> {
    report
        .results
        .iter()
        .flat_map(|r| r.outcomes.iter().map(move |o| (r.stream, o.p_value())))
        .collect()
}

#[test]
fn a_builtin_source_runs_as_the_command_line_runs_it() {
    let report = Audit::source("chacha20")
        .bytes(BYTES)
        .streams(10)
        .seed(3)
        .threads(2)
        .run()
        .unwrap();
    assert_eq!(report.battery, "default");
    assert_eq!(report.results.len(), 10);
    assert_eq!(report.results[4].seed, Some(stream_seed(3, "chacha20", 4)));
    assert!(report.passed(), "{:?}", report.sources);
}

#[test]
fn a_control_is_caught_and_that_is_what_passed_means_for_it() {
    let report = Audit::source("ctl_counter")
        .bytes(BYTES)
        .streams(10)
        .run()
        .unwrap();
    assert_eq!(report.sources[0].verdict, Verdict::Fail);
    assert!(report.passed(), "a caught control is the expected outcome");
}

#[test]
fn an_rng_a_closure_and_a_reader_of_the_same_bytes_give_the_same_report() {
    let from_rng = Audit::rng(ChaCha20Rng::seed_from_u64(9))
        .bytes(BYTES)
        .streams(4)
        .run()
        .unwrap();
    let mut generator = ChaCha20Rng::seed_from_u64(9);
    let from_closure = Audit::fill(move |buf: &mut [u8]| generator.fill_bytes(buf))
        .bytes(BYTES)
        .streams(4)
        .run()
        .unwrap();
    let from_reader = Audit::reader(Cursor::new(chacha_bytes(9, 4 * BYTES)))
        .bytes(4 * BYTES)
        .streams(4)
        .run()
        .unwrap();
    assert_eq!(from_rng.results.len(), 4);
    // Every cell was measured: the report is complete, not merely not failed.
    assert!(from_rng.sources[0].complete());
    assert!(p_values(&from_rng).iter().any(|(_, p)| p.is_some()));
    assert_eq!(p_values(&from_rng), p_values(&from_closure));
    assert_eq!(p_values(&from_rng), p_values(&from_reader));
    assert!(from_rng.passed() && from_closure.passed() && from_reader.passed());
}

#[test]
fn a_seeded_factory_gives_each_stream_its_recorded_seed() {
    let report = Audit::seeded(ChaCha20Rng::seed_from_u64)
        .name("chacha20")
        .bytes(BYTES)
        .streams(10)
        .seed(5)
        .run()
        .unwrap();
    for (index, result) in report.results.iter().enumerate() {
        assert_eq!(result.seed, Some(stream_seed(5, "chacha20", index as u32)));
    }
    // Stream 3 replayed alone from its seed gives the same outcomes.
    let seed = report.results[3].seed.unwrap();
    let replay = Audit::rng(ChaCha20Rng::seed_from_u64(seed))
        .bytes(BYTES)
        .streams(1)
        .run()
        .unwrap();
    assert_eq!(replay.results[0].outcomes, report.results[3].outcomes);
    assert!(report.passed());
    // The same seeds as the built-in chacha20 source: the same streams.
    let builtin = Audit::source("chacha20")
        .bytes(BYTES)
        .streams(10)
        .seed(5)
        .run()
        .unwrap();
    assert_eq!(p_values(&builtin), p_values(&report));
}

#[test]
fn the_nist_battery_runs_through_the_same_call_and_gives_p_values() {
    let report = Audit::rng(ChaCha20Rng::seed_from_u64(1))
        .battery("nist")
        .seq_bits(100_000)
        .seqs(3)
        .run()
        .unwrap();
    assert_eq!(report.battery, "nist");
    assert_eq!(report.results.len(), 3);
    let measured = p_values(&report)
        .iter()
        .filter(|(_, p)| p.is_some())
        .count();
    assert!(measured > 10, "only {measured} p-values");
    assert_ne!(report.sources[0].verdict, Verdict::Skipped);
}

#[test]
fn a_battery_that_cannot_apply_is_an_error_not_a_skipped_report() {
    let nist_on_symbols = Audit::source("choice62").battery("nist").run();
    assert!(
        matches!(nist_on_symbols, Err(Error::NotApplicable { ref input, .. }) if input == "choice62"),
        "{nist_on_symbols:?}"
    );
    let bits_on_symbols = Audit::source("choice62").tests(["monobit"]).run();
    assert!(matches!(bits_on_symbols, Err(Error::NotApplicable { .. })));
    assert!(matches!(
        Audit::source("choice62").battery("ent").run(),
        Err(Error::NotApplicable { .. })
    ));
    assert!(matches!(
        Audit::source("chacha20").battery("dieharder").run(),
        Err(Error::UnknownBattery { .. })
    ));
}

#[test]
fn ent_is_a_battery_through_the_same_call_and_its_figures_are_not_a_pass() {
    // ENT's figures of a seeded source are those of the source's first stream, which `dump`
    // writes for the same seed: the 16 KiB read here must give the figures of those bytes.
    let report = Audit::source("pcg64")
        .battery("ent")
        .bytes(16 << 10)
        .seed(9)
        .run()
        .unwrap();
    assert_eq!(report.battery, "ent");
    assert_eq!(report.ent.len(), 1);
    let entry = &report.ent[0];
    assert_eq!(entry.bytes, 16 << 10);
    let seed = entry.seed.expect("pcg64 is seeded");
    assert_eq!(seed, rngaudit::seeds::stream_seed(9, "pcg64", 0));
    let source = rngaudit::source::find("pcg64").unwrap();
    let mut stream = (source.open)(seed);
    let mut bytes = vec![0u8; 16 << 10];
    let mut filled = 0;
    while filled < bytes.len() {
        filled += stream.fill(&mut bytes[filled..]).unwrap();
    }
    assert_eq!(
        entry.figures,
        rngaudit::battery::ent::analyse(&bytes, false)
    );
    // Figures carry no verdict: nothing was judged, so nothing passed.
    assert!(report.cells.is_empty());
    assert!(!report.passed());
    // `ent -b` through the same call.
    let bits = Audit::fill(|buf: &mut [u8]| buf.fill(0x0f))
        .battery("ent")
        .bytes(600)
        .ent_bits(true)
        .run()
        .unwrap();
    assert_eq!(bits.ent[0].figures.samples, 4800);
    assert_eq!(bits.ent[0].figures.mean, Some(0.5));
}

#[test]
fn a_report_with_nothing_measured_is_not_passed() {
    // 4 bytes: every default test needs more.
    let short = Audit::rng(ChaCha20Rng::seed_from_u64(2))
        .bytes(4)
        .streams(1)
        .run()
        .unwrap();
    assert_eq!(short.sources[0].verdict, Verdict::Skipped);
    assert_eq!(short.sources[0].measured, 0);
    assert!(!short.passed());
    // 64-bit NIST sequences: every test is skipped for its input-size condition.
    let nist = Audit::rng(ChaCha20Rng::seed_from_u64(2))
        .battery("nist")
        .seq_bits(64)
        .seqs(2)
        .run()
        .unwrap();
    assert!(p_values(&nist).iter().all(|(_, p)| p.is_none()));
    assert_ne!(nist.sources[0].verdict, Verdict::Fail);
    assert!(!nist.passed());
}

#[test]
fn errors_about_the_request_and_the_input_are_typed() {
    assert!(matches!(
        Audit::source("chacha20").streams(0).run(),
        Err(Error::InvalidSetting {
            setting: "streams",
            ..
        })
    ));
    assert!(matches!(
        Audit::source("chacha2").run(),
        Err(Error::UnknownSource { .. })
    ));
    assert!(matches!(
        Audit::source("chacha20").param("monobit.nope", 3).run(),
        Err(Error::InvalidParam { .. })
    ));
    assert!(matches!(
        Audit::reader(Cursor::new(Vec::new())).run(),
        Err(Error::NothingToTest { .. })
    ));
    assert!(matches!(
        Audit::reader(Cursor::new(vec![0u8; 1000])).streams(2).run(),
        Err(Error::UnknownLength { streams: 2, .. })
    ));
    assert!(matches!(
        Audit::reader(Cursor::new(vec![0u8; 10]))
            .battery("nist")
            .seq_bits(1000)
            .run(),
        Err(Error::TooShortForSequence {
            bits: 80,
            needed: 1000,
            ..
        })
    ));
}

/// A generator that fails after a few bytes, as a hardware or OS generator can.
struct Failing(usize);

#[derive(Debug)]
struct Unplugged;

impl std::fmt::Display for Unplugged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("device unplugged")
    }
}

impl std::error::Error for Unplugged {}

impl rand::TryRng for Failing {
    type Error = Unplugged;

    fn try_next_u32(&mut self) -> Result<u32, Unplugged> {
        Err(Unplugged)
    }

    fn try_next_u64(&mut self) -> Result<u64, Unplugged> {
        Err(Unplugged)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Unplugged> {
        self.0 = self.0.checked_sub(dst.len()).ok_or(Unplugged)?;
        dst.fill(0x5a);
        Ok(())
    }
}

#[test]
fn a_fallible_generator_that_fails_stops_the_audit_with_a_read_error() {
    let result = Audit::rng(Failing(1 << 17)).bytes(BYTES).streams(4).run();
    assert!(matches!(result, Err(Error::Read { .. })), "{result:?}");
}

/// A look at 2^k bytes sees exactly what an audit of the first 2^k bytes sees: the snapshot
/// of the tests' states is their state at that length, and nothing is read twice.
#[test]
fn each_checkpoint_equals_an_audit_of_the_prefix() {
    let data = chacha_bytes(17, (1 << 19) + 1000);
    let looks = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = std::rc::Rc::clone(&looks);
    let report = Audit::reader(Cursor::new(data.clone()))
        .checkpoints(true)
        .keep_going(true)
        .on_checkpoint(move |look| seen.borrow_mut().push(look.clone()))
        .run()
        .unwrap();
    let looks = looks.borrow();
    // 2^10 ... 2^19, then the end at 2^19 + 1000.
    assert_eq!(looks.len(), 11);
    assert_eq!(report.checkpoints.len(), 11);
    assert_eq!(looks.last().map(|l| l.bytes), Some((1 << 19) + 1000));
    let cells = |cells: &[rngaudit::second_level::CellSummary]| -> Vec<(String, Option<u64>)> {
        cells
            .iter()
            .map(|c| (c.display_name(), c.cell_p.map(f64::to_bits)))
            .collect()
    };
    for look in looks.iter() {
        let prefix = Audit::reader(Cursor::new(data[..look.bytes as usize].to_vec()))
            .run()
            .unwrap();
        assert_eq!(
            cells(&look.cells),
            cells(&prefix.cells),
            "at {} bytes",
            look.bytes
        );
        // The look judges at its own, stricter level: α / (k (k + 1)).
        assert_eq!(
            look.family_alpha,
            0.01 / f64::from(look.look * (look.look + 1))
        );
    }
    // The report is the last look's.
    assert_eq!(report.family_alpha, looks.last().unwrap().family_alpha);
    assert_eq!(report.first_fail_bytes(), None);
    assert!(report.passed());
}

/// A generator that fails stops the reading at the first look that fails, and says where.
#[test]
fn a_failing_stream_stops_at_its_first_failing_look() {
    // Bits that are 1 with probability 3/4: caught within the first few KiB.
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let report = Audit::fill(move |buf: &mut [u8]| {
        for byte in buf.iter_mut() {
            *byte = (rng.next_u32() as u8) | (rng.next_u32() as u8);
        }
    })
    .bytes(1 << 30)
    .streams(1)
    .checkpoints(true)
    .run()
    .unwrap();
    let first = report.first_fail_bytes().expect("caught");
    assert!(first <= 1 << 12, "first failure at {first}");
    assert_eq!(report.checkpoints.last().map(|l| l.bytes), Some(first));
    assert_eq!(report.results[0].bytes, first);
    assert!(!report.passed());
}
