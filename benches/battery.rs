//! Throughput of the default battery: each test alone (and the deep battery's), the whole
//! battery in one pass, and, for
//! scale, how fast a few sources generate bytes. All on the same 16 MiB of ChaCha8 output (fixed
//! seed), fed in the runner's chunk size, so the figures are comparable with one another and with
//! `rngaudit run`. Run with `cargo bench --bench battery`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rngaudit::battery::{Chunk, Setup, Test, Workspace, DEEP, DEFAULT};
use rngaudit::runner::{analyse, CHUNK_SYMBOLS};
use rngaudit::source::{self, SymbolStream};
use std::hint::black_box;
use std::time::Duration;

const STREAM_BYTES: usize = 16 << 20;
const SEED: u64 = 0x5EED;

fn chacha8_bytes() -> Vec<u8> {
    let mut data = vec![0u8; STREAM_BYTES];
    rand_chacha::ChaCha8Rng::seed_from_u64(SEED).fill_bytes(&mut data);
    data
}

/// Symbols of a 62-letter alphabet from bytes, by rejection so they stay uniform.
fn alphabet_62(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .filter(|&&b| b < 248)
        .map(|&b| b % 62)
        .collect()
}

fn run_test(test: &Test, alphabet: u16, symbols: &[u8]) -> usize {
    let mut state = (test.start)(&Setup::new(alphabet, Some(symbols.len() as u64)));
    // Chunks with the test's own views only, in one workspace, as the runner makes them: each
    // test pays for what it reads and nothing else.
    let (views, mut workspace) = (state.reads(), Workspace::new());
    for chunk in symbols.chunks(CHUNK_SYMBOLS) {
        state.update_chunk(&Chunk::new(chunk, views, &mut workspace));
    }
    state.finish().len()
}

/// A stream over bytes already in memory, so the battery's cost is measured without a generator.
struct InMemory<'a> {
    data: &'a [u8],
}

impl SymbolStream for InMemory<'_> {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = out.len().min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn tests_alone(c: &mut Criterion) {
    let bytes = chacha8_bytes();
    let symbols_62 = alphabet_62(&bytes);
    let mut group = c.benchmark_group("test");
    for test in DEFAULT {
        let (alphabet, data) = if (test.applies_to)(256).is_ok() {
            (256, &bytes)
        } else {
            (62, &symbols_62)
        };
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(test.name, |b| {
            b.iter(|| run_test(test, alphabet, black_box(data)))
        });
    }
    group.finish();
}

/// The deep battery's tests alone, on the same 16 MiB (their costs grow with the stream: brank's
/// largest matrix and lane_complexity's doubling schedule depend on its length).
fn deep_tests_alone(c: &mut Criterion) {
    let bytes = chacha8_bytes();
    let mut group = c.benchmark_group("deep");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    for test in DEEP {
        group.bench_function(test.name, |b| {
            b.iter(|| run_test(test, 256, black_box(&bytes)))
        });
    }
    group.finish();
}

fn whole_battery(c: &mut Criterion) {
    let bytes = chacha8_bytes();
    let tests: Vec<&'static Test> = DEFAULT.iter().collect();
    let setup = Setup::new(256, Some(bytes.len() as u64));
    let mut group = c.benchmark_group("battery");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("default, one pass over bytes", |b| {
        b.iter(|| {
            let mut stream = InMemory {
                data: black_box(&bytes),
            };
            analyse(&mut stream, &setup, &tests, bytes.len() as u64).expect("in memory")
        })
    });
    group.finish();
}

fn sources(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.throughput(Throughput::Bytes(STREAM_BYTES as u64));
    let mut buffer = vec![0u8; CHUNK_SYMBOLS];
    for name in ["chacha8", "chacha20", "pcg64", "xoshiro256pp", "mt19937"] {
        let source = source::find(name).expect("a built-in source");
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut stream = (source.open)(SEED);
                for _ in 0..STREAM_BYTES / CHUNK_SYMBOLS {
                    stream.fill(&mut buffer).expect("generators do not fail");
                }
                black_box(buffer[0])
            })
        });
    }
    group.finish();
}

/// Few samples and no plots: the figures are what matters, and plotting needs fonts that a
/// build machine may lack.
fn quick() -> Criterion {
    Criterion::default()
        .without_plots()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = quick();
    targets = tests_alone, deep_tests_alone, whole_battery, sources
}
criterion_main!(benches);
