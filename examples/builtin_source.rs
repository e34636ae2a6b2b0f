//! Audits a built-in source by name, as `rngaudit run chacha20` does.
//!
//! `cargo run --release --example builtin_source`

use rngaudit::Audit;

fn main() -> Result<(), rngaudit::Error> {
    let report = Audit::source("chacha20")
        .bytes(1 << 20)
        .streams(10)
        .seed(1)
        .run()?;
    for source in &report.sources {
        println!(
            "{}: {} ({} cells measured, failing: {:?})",
            source.source,
            source.verdict_name(),
            source.measured,
            source.failing
        );
    }
    println!("passed: {}", report.passed());
    Ok(())
}
