//! Audits bytes from any `std::io::Read`: a file given as the first argument, or else 4 MiB of
//! ChaCha8 held in memory. The input is read forward once, in chunks.
//!
//! `cargo run --release --example reader [-- FILE]`

use rand::{Rng, SeedableRng};
use rngaudit::Audit;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let audit = match std::env::args_os().nth(1) {
        Some(path) => {
            let name = path.to_string_lossy().into_owned();
            Audit::reader(std::fs::File::open(&path)?).name(name)
        }
        None => {
            let mut bytes = vec![0u8; 4 << 20];
            rand_chacha::ChaCha8Rng::seed_from_u64(3).fill_bytes(&mut bytes);
            Audit::reader(std::io::Cursor::new(bytes)).name("4 MiB of chacha8")
        }
    };
    // Four consecutive segments of 1 MiB: a reader of unknown length is cut by a byte limit.
    let report = audit.bytes(4 << 20).streams(4).run()?;
    let source = &report.sources[0];
    println!(
        "{}: {} ({} bytes in {} streams); passed: {}",
        source.source,
        source.verdict_name(),
        report.results.iter().map(|r| r.bytes).sum::<u64>(),
        report.results.len(),
        report.passed()
    );
    Ok(())
}
