//! Numerics across the whole registry: on degenerate data (all zeros, all ones, one repeated
//! byte, two alternating bytes) and on tiny inputs (1 to 64 bytes), every test of every
//! battery gives a p-value in [0, 1] (never NaN) or a skipped outcome with a reason, never an
//! error or a panic; and degenerate data of a useful length fails (p < 0.01) every test that
//! can see its defect. The few tests that by construction cannot see a given pattern are
//! listed in [`blind`] with the reason.
//!
//! Inputs are fixed patterns and ChaCha20 bytes from fixed seeds; nothing reads the OS
//! generator.

use rand::{Rng, SeedableRng};
use rngaudit::battery::nist::sequences::run_sequence;
use rngaudit::battery::nist::{without_size_conditions, PACKED_BITS};
use rngaudit::battery::{Outcome, Params, Setup, Test, BATTERIES};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Bytes of the default battery's length for degenerate data: every default test runs
/// (serial needs 327,680).
const DEFAULT_BYTES: usize = 1 << 19;
/// Bits of a NIST sequence for degenerate data: STS's usual 10^6, where every test runs.
const NIST_BITS: usize = 1_000_000;

fn patterns(len: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("zeros".to_string(), vec![0x00u8; len]),
        ("ones".to_string(), vec![0xFFu8; len]),
    ];
    for byte in [0x5Au8, 0x01, 0x80] {
        out.push((format!("repeated 0x{byte:02x}"), vec![byte; len]));
    }
    for (a, b) in [(0x00u8, 0xFFu8), (0x55, 0xAA), (0x12, 0x34)] {
        let data = (0..len).map(|i| if i % 2 == 0 { a } else { b }).collect();
        out.push((format!("alternating 0x{a:02x}/0x{b:02x}"), data));
    }
    out
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len];
    rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
    data
}

/// Runs one streaming test on `data` (fed in two chunks, to cross a boundary), catching a
/// panic so the failure names the test and the input.
fn run_streaming(test: &Test, alphabet: u16, data: &[u8], what: &str) -> Vec<Outcome> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut state = (test.start)(&Setup::new(alphabet, Some(data.len() as u64)));
        let (first, second) = data.split_at(data.len() / 3);
        state.update(first);
        state.update(second);
        state.finish()
    }));
    outcome.unwrap_or_else(|_| panic!("{} panicked on {what}", test.name))
}

fn run_nist(test: &'static Test, packed: &[u8], bits: u64, what: &str) -> Vec<Outcome> {
    run_nist_with(test, packed, bits, &Params::default(), what)
}

fn run_nist_with(
    test: &'static Test,
    packed: &[u8],
    bits: u64,
    params: &Params,
    what: &str,
) -> Vec<Outcome> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_sequence(&[test], packed, bits, params)
    }));
    outcome.unwrap_or_else(|_| panic!("{} panicked on {what}", test.name))
}

/// Every outcome is a probability or a skip with a reason.
fn check_numbers(outcomes: &[Outcome], what: &str) {
    for outcome in outcomes {
        match &outcome.result {
            Ok(measurement) => {
                let p = measurement.p_value;
                assert!(
                    (0.0..=1.0).contains(&p),
                    "{}[{}] on {what}: p = {p}",
                    outcome.test,
                    outcome.label
                );
            }
            Err(reason) => assert!(
                !reason.trim().is_empty(),
                "{}[{}] on {what}: skipped without a reason",
                outcome.test,
                outcome.label
            ),
        }
    }
}

/// Every test of every battery that accepts `alphabet`: streaming tests take bytes (256) or
/// symbols (62), the NIST tests packed bits. A battery added to the registry is covered here
/// without a change.
fn applicable(alphabet: u16) -> Vec<&'static Test> {
    let mut tests: Vec<&'static Test> = Vec::new();
    for test in BATTERIES.iter().flat_map(|b| b.tests.iter()) {
        let known = tests.iter().any(|t| std::ptr::eq(*t, test));
        if (test.applies_to)(alphabet).is_ok() && !known {
            tests.push(test);
        }
    }
    tests
}

#[test]
fn every_registered_test_is_covered() {
    for test in BATTERIES.iter().flat_map(|b| b.tests.iter()) {
        let covered = [256, 62, PACKED_BITS]
            .iter()
            .any(|&alphabet| (test.applies_to)(alphabet).is_ok());
        assert!(
            covered,
            "{} applies to none of the inputs tried here",
            test.name
        );
    }
}

/// (test, pattern) pairs whose statistic cannot see the pattern's defect, by construction.
fn blind(test: &str, label: &str, pattern: &str) -> bool {
    // Exactly half the bits are ones and the ±1 walk never strays: tests that look only at
    // the count of ones or at partial sums see a perfect balance.
    let balanced = matches!(
        pattern,
        "repeated 0x5a" | "alternating 0x00/0xff" | "alternating 0x55/0xaa"
    );
    let counts_ones = matches!(
        test,
        "monobit" | "Frequency" | "BlockFrequency" | "CumulativeSums"
    );
    // Eight zeros then eight ones: every excursion visits −8 exactly once, which is that
    // state's expected count (its other states fail).
    let one_visit =
        test == "RandomExcursionsVariant" && label == "x=-8" && pattern == "alternating 0x00/0xff";
    (balanced && counts_ones) || one_visit
}

#[test]
fn streaming_tests_on_degenerate_and_tiny_inputs() {
    let tests = applicable(256);
    let mut missed = Vec::new();
    for (name, data) in patterns(DEFAULT_BYTES) {
        for &test in &tests {
            let outcomes = run_streaming(test, 256, &data, &name);
            check_numbers(&outcomes, &name);
            for outcome in &outcomes {
                if let Ok(m) = &outcome.result {
                    if m.p_value >= 0.01 && !blind(outcome.test, &outcome.label, &name) {
                        missed.push(format!(
                            "{}[{}] on {name}: p = {}",
                            outcome.test, outcome.label, m.p_value
                        ));
                    }
                }
            }
        }
    }
    for len in 1..=64 {
        let mut inputs = patterns(len);
        inputs.push((format!("{len} random bytes"), random_bytes(len as u64, len)));
        for (name, data) in inputs {
            for &test in &tests {
                check_numbers(
                    &run_streaming(test, 256, &data, &format!("{name} ({len})")),
                    &name,
                );
            }
        }
    }
    // Symbols over 62: the tests for alphabets that are not a power of two.
    for test in applicable(62) {
        for len in 1..=64 {
            let data: Vec<u8> = random_bytes(len as u64, len)
                .iter()
                .map(|b| b % 62)
                .collect();
            check_numbers(&run_streaming(test, 62, &data, "62 symbols"), "62 symbols");
            check_numbers(
                &run_streaming(test, 62, &vec![7u8; len], "constant"),
                "constant",
            );
        }
        let constant = vec![7u8; DEFAULT_BYTES];
        let outcomes = run_streaming(test, 62, &constant, "constant");
        check_numbers(&outcomes, "constant");
        for outcome in &outcomes {
            if let Ok(m) = &outcome.result {
                if m.p_value >= 0.01 {
                    missed.push(format!(
                        "{} on 62 symbols, constant: p = {}",
                        outcome.test, m.p_value
                    ));
                }
            }
        }
    }
    assert!(
        missed.is_empty(),
        "degenerate data passed:\n{}",
        missed.join("\n")
    );
}

#[test]
fn packed_bit_tests_on_degenerate_and_tiny_inputs() {
    let tests = applicable(PACKED_BITS);
    let mut missed = Vec::new();
    for (name, data) in patterns(NIST_BITS / 8) {
        for &test in &tests {
            let outcomes = run_nist(test, &data, NIST_BITS as u64, &name);
            check_numbers(&outcomes, &name);
            for outcome in &outcomes {
                if let Ok(m) = &outcome.result {
                    if m.p_value >= 0.01 && !blind(outcome.test, &outcome.label, &name) {
                        missed.push(format!(
                            "{}[{}] on {name}: p = {}",
                            outcome.test, outcome.label, m.p_value
                        ));
                    }
                }
            }
        }
    }
    for bits in (1..=64u64).chain([100, 127, 128, 129, 511, 512, 513]) {
        let bytes = bits.div_ceil(8) as usize;
        let mut inputs = patterns(bytes);
        inputs.push((format!("{bits} random bits"), random_bytes(bits, bytes)));
        for (name, data) in inputs {
            for &test in &tests {
                let what = format!("{name} ({bits} bits)");
                check_numbers(&run_nist(test, &data, bits, &what), &what);
                // Most tests skip so few bits under SP 800-22's input-size conditions; without
                // them they compute, as STS does, and must still give probabilities.
                let what = format!("{what}, size conditions off");
                let off = without_size_conditions(&Params::default());
                check_numbers(&run_nist_with(test, &data, bits, &off, &what), &what);
            }
        }
    }
    assert!(
        missed.is_empty(),
        "degenerate data passed:\n{}",
        missed.join("\n")
    );
}
