//! Audits any `rand_core` 0.10 generator: here ChaCha20 from a fixed seed, through both the
//! default battery and the NIST battery.
//!
//! `cargo run --release --example rng`

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rngaudit::Audit;

fn main() -> Result<(), rngaudit::Error> {
    for battery in ["default", "nist"] {
        let report = Audit::rng(ChaCha20Rng::seed_from_u64(2024))
            .name("chacha20 (seed 2024)")
            .battery(battery)
            // 10 streams of 1 MiB for the default battery; 10 sequences of 10^6 bits for NIST.
            .bytes(1 << 20)
            .streams(10)
            .seq_bits(1_000_000)
            .seqs(10)
            .run()?;
        let source = &report.sources[0];
        let p_values = report.results.iter().flat_map(|r| &r.outcomes);
        let measured = p_values.filter(|o| o.p_value().is_some()).count();
        println!(
            "{battery:>7}: {} is {} ({measured} p-values over {} streams; failing: {:?}); passed: {}",
            source.source,
            source.verdict_name(),
            report.results.len(),
            source.failing,
            report.passed()
        );
    }
    Ok(())
}
