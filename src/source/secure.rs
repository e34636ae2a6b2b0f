//! Secure, unseeded generators: what Python's `os.urandom`, `secrets` and `SystemRandom` use
//! (the kernel's generator through getrandom(2)), and rand's `ThreadRng` (ChaCha12 reseeded
//! from the OS). They ignore the seed: their streams cannot be reproduced, so the reports leave
//! their seed column empty.

use super::{Kind, RngBytes, Source, SymbolStream};

/// `os`: the OS generator through getrandom, what Python's `os.urandom` and `secrets` read.
pub const OS: Source = Source {
    name: "os",
    kind: Kind::Secure,
    alphabet: 256,
    summary: "the OS generator via getrandom (Python's os.urandom, secrets, SystemRandom)",
    caught_by: &[],
    seek: None,
    open: |_| Box::new(OsBytes),
};

/// `threadrng`: rand's `ThreadRng` (ChaCha12, reseeded from the OS).
pub const THREADRNG: Source = Source {
    name: "threadrng",
    kind: Kind::Secure,
    alphabet: 256,
    summary: "rand's ThreadRng (ChaCha12, reseeded from the OS)",
    caught_by: &[],
    seek: None,
    open: |_| Box::new(RngBytes(rand::rng())),
};

/// Bytes straight from getrandom(2), as large as the buffer (the crate loops on interrupted requests).
pub struct OsBytes;

impl SymbolStream for OsBytes {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        // getrandom only fails when the OS has no usable generator; the run then stops with
        // that error rather than testing a buffer of zeros.
        getrandom::fill(out)
            .map_err(|error| std::io::Error::other(format!("getrandom: {error}")))?;
        Ok(out.len())
    }
}
