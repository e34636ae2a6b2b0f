//! What a generator costs: bulk rates through [`SymbolStream::fill`], on one thread and on all
//! of them, and the cost of one small request made the way a program makes it.
//!
//! The small requests live here as public entry points ([`SmallRequest`] and the token
//! functions) because two timers use them: `rngaudit bench` and the criterion bench
//! `benches/generators.rs`. Both must time the same code, or their figures could not be
//! compared.
//!
//! A token is made as CPython makes it, one getrandom call per `os.urandom`: `token_hex(16)` is
//! one 16-byte read and a hex encoding, `secrets.choice` reads one byte per draw. The token
//! *sources* the battery reads buffer the OS generator instead (see `source/tokens.rs`), so
//! their bulk rows measure the battery's input path, and only the per-token rows here measure
//! what a Python program pays.

use super::timing::{self, Budget, Stats};
use crate::source::tokens::{encode_base64url, encode_hex, format_uuid4, ALPHABET62};
use crate::source::{Kind, Source, SymbolStream};
use std::hint::black_box;
use std::io;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// The buffer a bulk fill writes: large enough that a call's fixed cost vanishes, small enough
/// to stay in L2 on most machines, so the figure is the generator's and not the memory's.
pub const BULK_BYTES: usize = 1 << 20;
/// The small request: 16 bytes, what `os.urandom(16)`, `token_bytes(16)` and `uuid4()` read.
pub const REQUEST_BYTES: usize = 16;
/// The seed of every instance the bench opens; thread `i` of an all-threads run adds `i`. The
/// seed does not change a generator's speed; fixing it keeps runs comparable.
pub const SEED: u64 = 0x5EED;

/// GB/s (10^9 bytes per second) of one instance of `source` filling [`BULK_BYTES`] buffers.
pub fn bulk(source: &Source, budget: Budget) -> io::Result<Stats> {
    let mut stream = (source.open)(SEED);
    let mut buffer = vec![0u8; BULK_BYTES];
    timing::rate(budget, 1e9, || fill_once(stream.as_mut(), &mut buffer))
}

/// GB/s of every thread of `pool` filling buffers at once, each with its own instance. All
/// threads start each run together (a barrier), and a run's rate is the bytes of every thread
/// over the slowest thread's time, so a straggler lowers the figure rather than hiding.
pub fn bulk_all_threads(
    source: &'static Source,
    budget: Budget,
    pool: &rayon::ThreadPool,
) -> io::Result<Stats> {
    let barrier = Barrier::new(pool.current_num_threads());
    let runs = budget.runs.max(1) as usize;
    let per_thread = pool.broadcast(|context| {
        // Streams are not `Send`, so each thread opens its own here.
        let mut stream = (source.open)(SEED.wrapping_add(context.index() as u64));
        let mut buffer = vec![0u8; BULK_BYTES];
        let mut measured = Vec::with_capacity(runs);
        let mut failure = None;
        // Run 0 is the warm-up. Every thread waits at the barrier every time, even after a
        // failure, so one failing thread cannot leave the others waiting forever.
        for run in 0..=runs {
            barrier.wait();
            if failure.is_some() {
                continue;
            }
            match timing::for_at_least(budget.run_time, || fill_once(stream.as_mut(), &mut buffer))
            {
                Ok(result) if run > 0 => measured.push(result),
                Ok(_) => {}
                Err(error) => failure = Some(error),
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(measured),
        }
    });
    let per_thread = per_thread.into_iter().collect::<io::Result<Vec<_>>>()?;
    let rates: Vec<f64> = (0..runs)
        .map(|run| {
            let bytes: u64 = per_thread.iter().map(|runs| runs[run].0).sum();
            let slowest = per_thread
                .iter()
                .map(|runs| runs[run].1)
                .max()
                .unwrap_or(Duration::ZERO);
            bytes as f64 / slowest.as_secs_f64().max(1e-9) / 1e9
        })
        .collect();
    Ok(Stats::of(&rates).expect("runs.max(1) timed runs"))
}

fn fill_once(stream: &mut dyn SymbolStream, buffer: &mut [u8]) -> io::Result<u64> {
    let got = stream.fill(buffer)?;
    if got == 0 {
        // Only finite input ends; a bench over it would divide by nothing.
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the source ended",
        ));
    }
    black_box(&buffer[..got]);
    Ok(got as u64)
}

/// One small request of a source, ready to be repeated: 16 bytes from its stream, or, for a
/// token source, one token made as Python makes it.
pub struct SmallRequest {
    inner: Request,
}

enum Request {
    Bytes {
        stream: Box<dyn SymbolStream>,
        buffer: [u8; REQUEST_BYTES],
    },
    Token(fn() -> io::Result<()>),
}

impl SmallRequest {
    /// The request for `source`: a 16-byte `fill` for generators (for `os` one getrandom call,
    /// as `os.urandom(16)`; for the others the generator's `fill_bytes`), a token for token
    /// sources. `None` for a token source that [`TOKEN_CALLS`] does not know.
    pub fn new(source: &Source) -> Option<SmallRequest> {
        let inner = if source.kind == Kind::Token {
            let call = TOKEN_CALLS.iter().find(|call| call.source == source.name)?;
            Request::Token(call.make)
        } else {
            Request::Bytes {
                stream: (source.open)(SEED),
                buffer: [0; REQUEST_BYTES],
            }
        };
        Some(SmallRequest { inner })
    }

    /// Whether a call makes a token (rather than reading 16 bytes).
    pub fn is_token(&self) -> bool {
        matches!(self.inner, Request::Token(_))
    }

    /// Makes one request and drops its result.
    #[inline]
    pub fn call(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Request::Bytes { stream, buffer } => {
                stream.fill(buffer)?;
                black_box(buffer);
                Ok(())
            }
            Request::Token(make) => make(),
        }
    }

    /// Makes `calls` requests and returns how long they took: the timed loop of both
    /// `rngaudit bench` and `benches/generators.rs`. At a few nanoseconds per request the
    /// loop's own code decides the figure (a loop compiled in the criterion binary ran the
    /// same 16-byte fill 35% slower), so it is compiled once, here, and never inlined.
    #[inline(never)]
    pub fn time(&mut self, calls: u64) -> io::Result<Duration> {
        let start = Instant::now();
        for _ in 0..calls {
            self.call()?;
        }
        Ok(start.elapsed())
    }
}

/// How one token source's token is made on its own, one call at a time.
pub struct TokenCall {
    /// The token source's name, as its rows name it.
    pub source: &'static str,
    /// Makes one token and drops it (through `black_box`, so it is really made).
    pub make: fn() -> io::Result<()>,
}

/// Every token source's per-token entry point; a registry test checks none is missing.
pub static TOKEN_CALLS: &[TokenCall] = &[
    TokenCall {
        source: "token_bytes16",
        make: || {
            token_bytes16().map(|token| {
                black_box(token);
            })
        },
    },
    TokenCall {
        source: "token_hex16",
        make: || {
            token_hex16().map(|token| {
                black_box(token);
            })
        },
    },
    TokenCall {
        source: "token_urlsafe16",
        make: || {
            token_urlsafe16().map(|token| {
                black_box(token);
            })
        },
    },
    TokenCall {
        source: "choice62",
        make: || {
            choice62_16().map(|token| {
                black_box(token);
            })
        },
    },
    TokenCall {
        source: "uuid4",
        make: || {
            uuid4().map(|token| {
                black_box(token);
            })
        },
    },
];

/// `N` bytes from one getrandom call, as one `os.urandom(N)`.
fn os_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| io::Error::other(format!("getrandom: {error}")))?;
    Ok(bytes)
}

/// `secrets.token_bytes(16)`: one 16-byte getrandom call.
pub fn token_bytes16() -> io::Result<[u8; 16]> {
    os_bytes()
}

/// `secrets.token_hex(16)`: one 16-byte getrandom call, hex-encoded.
pub fn token_hex16() -> io::Result<String> {
    Ok(encode_hex(&os_bytes::<16>()?))
}

/// `secrets.token_urlsafe(16)`: one 16-byte getrandom call, base64url without padding.
pub fn token_urlsafe16() -> io::Result<String> {
    Ok(encode_base64url(&os_bytes::<16>()?))
}

/// `''.join(secrets.choice(ascii_letters + digits) for _ in range(16))`: each draw reads one
/// byte from its own getrandom call and keeps its top six bits if they are below 62, as
/// CPython's `SystemRandom._randbelow(62)` does (so about 17 calls per token, not 16).
pub fn choice62_16() -> io::Result<String> {
    let mut token = String::with_capacity(16);
    while token.len() < 16 {
        let [byte] = os_bytes::<1>()?;
        let index = byte >> 2;
        if index < 62 {
            token.push(char::from(ALPHABET62[usize::from(index)]));
        }
    }
    Ok(token)
}

/// `str(uuid.uuid4())`'s work: one 16-byte getrandom call, the version and variant bits set,
/// formatted 8-4-4-4-12.
pub fn uuid4() -> io::Result<String> {
    Ok(format_uuid4(os_bytes()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{self, SOURCES};

    #[test]
    fn every_source_has_a_small_request_of_the_right_kind() {
        for source in SOURCES {
            let mut request = SmallRequest::new(source)
                .unwrap_or_else(|| panic!("{} has no per-call entry point", source.name));
            assert_eq!(
                request.is_token(),
                source.kind == Kind::Token,
                "{}",
                source.name
            );
            request.call().unwrap();
        }
        for call in TOKEN_CALLS {
            assert_eq!(source::find(call.source).unwrap().kind, Kind::Token);
        }
    }

    #[test]
    fn tokens_have_python_shapes() {
        assert_eq!(token_bytes16().unwrap().len(), 16);
        let hex = token_hex16().unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|c| c.is_ascii_hexdigit()));
        let url = token_urlsafe16().unwrap();
        assert_eq!(url.len(), 22);
        assert!(url
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        let chosen = choice62_16().unwrap();
        assert_eq!(chosen.len(), 16);
        assert!(chosen.bytes().all(|c| ALPHABET62.contains(&c)));
        let uuid = uuid4().unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }

    #[test]
    fn all_threads_runs_report_every_run() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let source = source::find("pcg32").unwrap();
        let stats = bulk_all_threads(source, Budget::QUICK, &pool).unwrap();
        assert_eq!(stats.runs, Budget::QUICK.runs);
        assert!(stats.min > 0.0 && stats.min <= stats.median && stats.median <= stats.max);
    }
}
