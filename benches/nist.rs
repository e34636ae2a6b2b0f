//! Speed of the NIST SP 800-22 battery: each of the 15 tests, and all of them, on one core over
//! one 1,000,000-bit sequence from a fixed-seed ChaCha20 stream (the sequence length STS's
//! reference results use). Goal: all 15 within 75 ms of CPU per sequence.
//!
//! `cargo bench --bench nist`; each benchmark's time is per sequence.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rngaudit::battery::nist::sequences::run_sequence;
use rngaudit::battery::nist::TESTS;
use rngaudit::battery::{Params, Test};
use std::hint::black_box;
use std::time::Duration;

const BITS: u64 = 1_000_000;

fn sequence() -> Vec<u8> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(20_250_101);
    let mut bytes = vec![0u8; (BITS / 8) as usize];
    rng.fill_bytes(&mut bytes);
    bytes
}

fn nist(c: &mut Criterion) {
    let data = sequence();
    let params = Params::default();
    let mut group = c.benchmark_group("nist_1M_bits");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(BITS));
    for test in TESTS {
        group.bench_function(test.name, |b| {
            b.iter(|| run_sequence(&[test], black_box(&data), BITS, &params))
        });
    }
    let all: Vec<&Test> = TESTS.iter().collect();
    group.bench_function("all 15", |b| {
        b.iter(|| run_sequence(&all, black_box(&data), BITS, &params))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: they need system fonts that build machines may lack.
    config = Criterion::default().without_plots();
    targets = nist
}
criterion_main!(benches);
