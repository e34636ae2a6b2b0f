//! Audits a seeded generator over many streams: the factory is called once per stream with
//! that stream's seed (derived from the master seed), streams run in parallel, and the report
//! records every seed so a failing stream can be replayed.
//!
//! `cargo run --release --example seeded_factory`

use rand::SeedableRng;
use rngaudit::Audit;

fn main() -> Result<(), rngaudit::Error> {
    let report = Audit::seeded(rand_pcg::Pcg64::seed_from_u64)
        .name("pcg64")
        .streams(20)
        .bytes(1 << 20)
        .seed(7)
        .run()?;
    let source = &report.sources[0];
    println!(
        "{}: {} over {} streams ({} cells measured); passed: {}",
        source.source,
        source.verdict_name(),
        report.results.len(),
        source.measured,
        report.passed()
    );
    if let Some(first) = report.results.first() {
        println!("stream 0 was seeded with {:?}", first.seed);
    }
    Ok(())
}
