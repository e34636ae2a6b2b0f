//! What every built-in source costs, under criterion: bulk GB/s filling 1 MiB buffers, and the
//! time of one small request (16 bytes, or one token made as Python makes it). It calls the
//! same library code as `rngaudit bench` (`SymbolStream::fill`, and the timed loop
//! `SmallRequest::time`), so the two should agree within noise;
//! throughput is decimal (GB/s, 10^9 bytes) as in `throughput.csv`. Python's calls and the
//! all-threads rows are `rngaudit bench`'s alone; the battery is `benches/battery.rs`.
//!
//! Run with `cargo bench --bench generators`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rngaudit::bench::generators::{SmallRequest, BULK_BYTES, SEED};
use rngaudit::source::SOURCES;
use std::hint::black_box;
use std::time::Duration;

fn bulk(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk");
    group.throughput(Throughput::BytesDecimal(BULK_BYTES as u64));
    let mut buffer = vec![0u8; BULK_BYTES];
    for source in SOURCES {
        let mut stream = (source.open)(SEED);
        group.bench_function(source.name, |b| {
            b.iter(|| {
                stream.fill(&mut buffer).expect("generators do not fail");
                black_box(buffer[0])
            })
        });
    }
    group.finish();
}

fn small_requests(c: &mut Criterion) {
    for (group_name, tokens) in [("call16", false), ("token", true)] {
        let mut group = c.benchmark_group(group_name);
        for source in SOURCES {
            let Some(mut request) = SmallRequest::new(source) else {
                continue;
            };
            if request.is_token() != tokens {
                continue;
            }
            // The library's own timed loop, as `rngaudit bench` uses it; criterion still
            // chooses the iteration counts and does its own statistics.
            group.bench_function(source.name, |b| {
                b.iter_custom(|calls| request.time(calls).expect("generators do not fail"))
            });
        }
        group.finish();
    }
}

/// Few samples and no plots: the figures are what matters, and plotting needs fonts that a
/// build machine may lack. Ten samples of a second each keep all 44 benches near a minute.
fn quick() -> Criterion {
    Criterion::default()
        .without_plots()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = quick();
    targets = bulk, small_requests
}
criterion_main!(benches);
