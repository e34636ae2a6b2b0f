//! Audits a generator through a closure that fills bytes: the way in for generators of other
//! `rand_core` versions or other crates. Here Marsaglia's xorshift32 (13/17/5), written in a few
//! lines, which the NIST battery's Rank test catches: xorshift is linear over GF(2).
//!
//! `cargo run --release --example closure`

use rngaudit::Audit;

fn main() -> Result<(), rngaudit::Error> {
    let mut state: u32 = 2_463_534_242;
    let xorshift32 = move |buf: &mut [u8]| {
        for chunk in buf.chunks_mut(4) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            // 32-bit words, little-endian; a last partial word gives its first bytes.
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
    };
    let report = Audit::fill(xorshift32)
        .name("xorshift32")
        .battery("nist")
        .seq_bits(1_000_000)
        .seqs(4)
        .run()?;
    let source = &report.sources[0];
    println!(
        "{}: {} (failing: {}); passed: {}",
        source.source,
        source.verdict_name(),
        source.failing.join(", "),
        report.passed()
    );
    Ok(())
}
