//! Sources: everything that produces a stream of symbols for the battery.
//!
//! A source knows how to open a stream (from a seed when it is seeded) and what its alphabet is:
//! 256 for raw bytes, 62 for `choice62`. It knows nothing of tests. Every source the binary
//! offers is one entry of [`SOURCES`]; `rngaudit list`, name validation, `dump` and the
//! registry-wide tests all loop over that one list. Adding a source is one file (or one constant
//! in a family's file) plus one line there.

pub mod controls;
pub mod external;
pub mod secure;
pub mod seeded;
pub mod tokens;
pub mod weak;

use crate::Error;

/// A stream of symbols, each symbol one byte whose value is below the source's alphabet size.
/// Streams are opened and read on one thread (`ThreadRng` is per thread), so they need not be `Send`.
pub trait SymbolStream {
    /// Fills `out` with the next symbols and returns how many it wrote. Generators always fill
    /// the whole buffer; only finite input (a file, stdin) returns less, and 0 means the end.
    /// An error is a failure to read (a file, the OS generator), never a statistical finding.
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize>;

    /// The same symbols, readable from any position, when the stream allows it (a regular
    /// file not yet read from): the runner's workers then read their own segments of one long
    /// stream at once, instead of one thread reading for all. `None` (the default) for streams
    /// that can only be read forward: pipes, generators.
    fn positioned(&mut self) -> Option<std::sync::Arc<dyn PositionedSymbols>> {
        None
    }

    /// Told that `symbols` were read through [`SymbolStream::positioned`]: the stream now stands
    /// after them, so the next read (forward or positioned) starts there, as it would had they
    /// been read forward (`file --streams K` reads its segments one after another).
    fn advance_past(&mut self, _symbols: u64) {}
}

/// A stream's symbols read at any position, from any thread ([`SymbolStream::positioned`]).
pub trait PositionedSymbols: Send + Sync {
    /// Fills `out` with the symbols from `offset` on (counted from where the stream stood) and
    /// returns how many it wrote: short only at the end of the stream.
    fn read_at(&self, offset: u64, out: &mut [u8]) -> std::io::Result<usize>;

    /// How many symbols the stream holds from where it stood.
    fn length(&self) -> u64;

    /// Whether reading should stop early (a SIGINT): no further segment is read.
    fn stop_requested(&self) -> bool {
        false
    }
}

/// What kind of generator a source is; decides what the reports expect of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A deterministic PRNG: the same seed gives the same stream.
    Seeded,
    /// A cryptographically secure generator seeded by the OS, not reproducible.
    Secure,
    /// Tokens with Python's `secrets`/`uuid` semantics; the battery sees their random payload.
    Token,
    /// A known-bad generator: every battery must catch it, or, when its source names the tests
    /// that see its defect ([`Source::caught_by`]), every battery holding one of them.
    Control,
    /// Bytes from outside: a file or stdin.
    External,
}

impl Kind {
    /// The lowercase name reports use (`seeded`, `secure`, `token`, `control`, `external`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Seeded => "seeded",
            Kind::Secure => "secure",
            Kind::Token => "token",
            Kind::Control => "control",
            Kind::External => "external",
        }
    }

    /// Whether the stream is determined by its seed (so the seed is worth reporting).
    pub fn is_reproducible(self) -> bool {
        matches!(self, Kind::Seeded | Kind::Control)
    }

    /// The verdict a report expects of a source with no [`Source::caught_by`] list: controls
    /// must be caught, everything else must pass. See [`expected_of_cell`] for the rest.
    pub fn expected_verdict(self) -> &'static str {
        match self {
            Kind::Control => "fail",
            _ => "pass",
        }
    }
}

/// One registered source.
pub struct Source {
    /// The name `--source` selects it by and reports show.
    pub name: &'static str,
    /// What kind of generator it is; sets the verdict a report expects of it.
    pub kind: Kind,
    /// Number of distinct symbol values: 256 for bytes, 62 for `choice62`.
    pub alphabet: u16,
    /// One line for `rngaudit list`: what it generates and how.
    pub summary: &'static str,
    /// The tests expected to catch it, by name, when only some can: a weak control that the
    /// default battery cannot see, or a seeded generator with one known defect (MT19937's
    /// linearity). Empty: the kind's rule alone ([`Kind::expected_verdict`]). See
    /// [`expected_of_cell`] for how the list sets each cell's expectation.
    pub caught_by: &'static [&'static str],
    /// How to start the stream at any position without generating what comes before it, for
    /// sources whose state has a jump-ahead formula; `None` for those that cannot (a shard of
    /// one long stream needs it, see [`open_at`]).
    pub seek: Option<Seek>,
    /// Opens a stream; non-reproducible kinds ignore the seed.
    pub open: fn(seed: u64) -> Box<dyn SymbolStream>,
}

/// A source's jump ahead: its stream is a sequence of words of `word_bytes` bytes, written
/// little-endian, and `open_at_word(seed, n)` opens the stream of `seed` at word `n`, as if
/// `n` words had been generated and thrown away.
pub struct Seek {
    /// Bytes per word; a position inside a word is reached by dropping the word's first bytes.
    pub word_bytes: u64,
    /// Opens the stream of a seed at a word.
    pub open_at_word: fn(seed: u64, word: u64) -> Box<dyn SymbolStream>,
}

impl Source {
    /// Whether the source can start its stream at any position ([`open_at`]).
    pub fn seeks(&self) -> bool {
        self.seek.is_some()
    }
}

/// Opens `source`'s stream of `seed` at symbol `offset`: the same symbols as symbols
/// `offset..` of `(source.open)(seed)` read in requests of whole words (as the runner and `dump`
/// read it), without generating the ones before. A source without a jump ahead is refused.
pub fn open_at(source: &Source, seed: u64, offset: u64) -> Result<Box<dyn SymbolStream>, Error> {
    let seek = source.seek.as_ref().ok_or_else(|| Error::CannotSeek {
        name: source.name.to_string(),
        seekable: SOURCES
            .iter()
            .filter(|s| s.seeks())
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let word_bytes = seek.word_bytes.max(1);
    let stream = (seek.open_at_word)(seed, offset / word_bytes);
    let skip = (offset % word_bytes) as usize;
    if skip == 0 && word_bytes == 1 {
        return Ok(stream);
    }
    // Generators such as rand's drop the rest of a word at the end of a request: reading them
    // in whole words, and keeping a word's unread bytes here, gives the canonical stream
    // whatever the caller's requests are, and lets it start inside a word.
    let mut words = WholeWords {
        inner: stream,
        word: vec![0; word_bytes as usize],
        pending: 0,
    };
    words
        .inner
        .fill(&mut words.word)
        .map_err(|error| Error::Read {
            what: format!("source {}", source.name),
            source: error,
        })?;
    words.pending = words.word.len() - skip;
    Ok(Box::new(words))
}

/// A stream of words read in whole words only, so that a request ending inside a word does not
/// lose the word's other bytes ([`open_at`]).
struct WholeWords {
    inner: Box<dyn SymbolStream>,
    /// The last word read; its last `pending` bytes are not handed out yet.
    word: Vec<u8>,
    pending: usize,
}

impl SymbolStream for WholeWords {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let size = self.word.len();
        let from_word = self.pending.min(out.len());
        let start = size - self.pending;
        out[..from_word].copy_from_slice(&self.word[start..start + from_word]);
        self.pending -= from_word;
        let rest = &mut out[from_word..];
        let whole = rest.len() / size * size;
        let mut filled = 0;
        while filled < whole {
            match self.inner.fill(&mut rest[filled..whole])? {
                0 => return Ok(from_word + filled),
                got => filled += got,
            }
        }
        let tail = rest.len() - whole;
        if tail > 0 {
            if self.inner.fill(&mut self.word)? < size {
                return Ok(from_word + whole);
            }
            rest[whole..].copy_from_slice(&self.word[..tail]);
            self.pending = size - tail;
        }
        Ok(out.len())
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("name", &self.name).finish()
    }
}

/// Every built-in source, in the order reports list them.
pub static SOURCES: &[Source] = &[
    seeded::CHACHA8,
    seeded::CHACHA12,
    seeded::CHACHA20,
    seeded::STDRNG,
    seeded::SMALLRNG,
    seeded::PCG32,
    seeded::PCG64,
    seeded::PCG64MCG,
    seeded::XOSHIRO256PP,
    seeded::MT19937,
    secure::OS,
    secure::THREADRNG,
    tokens::TOKEN_BYTES16,
    tokens::TOKEN_HEX16,
    tokens::TOKEN_URLSAFE16,
    tokens::CHOICE62,
    tokens::UUID4,
    controls::RANDU,
    controls::COUNTER,
    controls::BIAS52,
    controls::MODULO62,
    controls::NIBBLE,
    weak::XORSHIFT32,
    weak::JAVA_RANDOM,
    weak::GLIBC_RANDOM_LO16,
    weak::LCG64_TOP32,
    weak::RANDU_TOP,
];

/// What a report expects of a cell where `test` met `source`: `fail` where the test is among
/// those expected to catch it; for a source with such a list, its other cells `pass` when it is
/// seeded (MT19937 is sound but for its linearity) and `either` when it is a control (a weak
/// generator may or may not trip a test aimed elsewhere, so nothing is judged there); without a
/// list, the kind's rule.
pub fn expected_of_cell(kind: Kind, caught_by: &[&str], test: &str) -> &'static str {
    if caught_by.is_empty() {
        kind.expected_verdict()
    } else if caught_by.contains(&test) {
        "fail"
    } else if kind == Kind::Control {
        "either"
    } else {
        "pass"
    }
}

/// The tests expected to catch a built-in source, by its name and kind, for reports that carry
/// only those: empty for anything not built in (a file may be named like a source, but its kind
/// is `external`, so it never borrows a built-in's list).
pub fn caught_by(name: &str, kind: Kind) -> &'static [&'static str] {
    if !kind.is_reproducible() {
        return &[];
    }
    SOURCES
        .iter()
        .find(|source| source.name == name && source.kind == kind)
        .map_or(&[], |source| source.caught_by)
}

/// Looks a source up by name.
pub fn find(name: &str) -> Result<&'static Source, Error> {
    SOURCES
        .iter()
        .find(|source| source.name == name)
        .ok_or_else(|| Error::UnknownSource {
            name: name.to_string(),
            suggestion: crate::suggest::closest(name, SOURCES.iter().map(|s| s.name))
                .map(str::to_string),
        })
}

/// A stream over any `rand` generator: its bytes, in the generator's own `fill_bytes` order.
pub struct RngBytes<R>(pub R);

impl<R: rand::Rng> SymbolStream for RngBytes<R> {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.fill_bytes(out);
        Ok(out.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        let mut names: Vec<_> = SOURCES.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SOURCES.len());
        for source in SOURCES {
            assert_eq!(find(source.name).unwrap().name, source.name);
        }
        assert!(find("nope").is_err());
    }

    #[test]
    fn lists_of_catching_tests_name_real_tests_and_set_each_cell() {
        let known: Vec<&str> = crate::battery::BATTERIES
            .iter()
            .flat_map(|b| b.tests.iter().map(|t| t.name))
            .collect();
        for source in SOURCES {
            for test in source.caught_by {
                assert!(known.contains(test), "{}: {test}", source.name);
            }
        }
        assert_eq!(caught_by("ctl_xorshift32", Kind::Control), ["brank"]);
        assert_eq!(caught_by("mt19937", Kind::Seeded), ["lane_complexity"]);
        assert!(caught_by("mt19937", Kind::External).is_empty());
        assert!(caught_by("ctl_counter", Kind::Control).is_empty());
        let mt = ["lane_complexity"];
        assert_eq!(
            expected_of_cell(Kind::Seeded, &mt, "lane_complexity"),
            "fail"
        );
        assert_eq!(expected_of_cell(Kind::Seeded, &mt, "brank"), "pass");
        assert_eq!(expected_of_cell(Kind::Control, &["brank"], "brank"), "fail");
        assert_eq!(
            expected_of_cell(Kind::Control, &["brank"], "runs"),
            "either"
        );
        assert_eq!(expected_of_cell(Kind::Control, &[], "runs"), "fail");
        assert_eq!(expected_of_cell(Kind::Seeded, &[], "runs"), "pass");
    }

    /// Issue #13: every source that seeks gives, from any position (inside a word included),
    /// the bytes of its stream from the start, read in whole 64 KiB requests as `dump` reads it,
    /// and whatever the requests from there are.
    #[test]
    fn sources_that_seek_give_the_bytes_of_the_stream_from_the_start() {
        let seekable: Vec<&Source> = SOURCES.iter().filter(|s| s.seeks()).collect();
        assert!(seekable.len() >= 11, "{} sources seek", seekable.len());
        let names: Vec<&str> = seekable.iter().map(|s| s.name).collect();
        for name in [
            "chacha20",
            "pcg32",
            "pcg64",
            "pcg64mcg",
            "ctl_counter",
            "ctl_randu",
        ] {
            assert!(names.contains(&name), "{name} seeks");
        }
        for source in seekable {
            let mut whole = vec![0u8; 3 << 16];
            let mut stream = (source.open)(11);
            for piece in whole.chunks_mut(1 << 16) {
                stream.fill(piece).unwrap();
            }
            for offset in [0u64, 1, 3, 4, 7, 8, 1023, 65_536, 65_541, 131_072 + 5] {
                let mut stream = open_at(source, 11, offset).unwrap();
                let mut got = Vec::new();
                // Uneven requests: 1, 2, ... 9 bytes, then a large one.
                for size in (1..10).chain([4096 + 3]) {
                    let mut piece = vec![0u8; size];
                    assert_eq!(stream.fill(&mut piece).unwrap(), size);
                    got.extend_from_slice(&piece);
                }
                let at = offset as usize;
                assert_eq!(
                    got,
                    whole[at..at + got.len()].to_vec(),
                    "{} from {offset}",
                    source.name
                );
            }
        }
        let refused = open_at(find("mt19937").unwrap(), 1, 8).err().unwrap();
        assert!(refused.to_string().contains("mt19937"), "{refused}");
    }

    #[test]
    fn every_reproducible_source_stays_inside_its_alphabet_and_repeats_by_seed() {
        for source in SOURCES.iter().filter(|s| s.kind.is_reproducible()) {
            let mut first = vec![0u8; 4099];
            let mut again = vec![0u8; 4099];
            assert_eq!((source.open)(7).fill(&mut first).unwrap(), first.len());
            (source.open)(7).fill(&mut again).unwrap();
            assert_eq!(first, again, "{} is not reproducible", source.name);
            assert!(
                first.iter().all(|&s| u16::from(s) < source.alphabet),
                "{} leaves its alphabet",
                source.name
            );
        }
    }
}
