//! Snapshots, merges and saved states of tests' streaming states, for every test at once.
//!
//! A test writes its state as a `Segment`: counts plus the few symbols of context it carries
//! across chunks, and a way to absorb the state of the segment that follows it. `Segmented`
//! wraps it into a [`TestState`] and does what is the same for every test:
//!
//! - where a segment starts: a segment that does not start at the beginning of the stream is
//!   told its offset ([`Setup::offset`]). A test whose state carries more than counts only at
//!   some positions (the middle of a block, of a packed word) names its period
//!   (`Segment::alignment`); the segment keeps the symbols before its first such position
//!   aside (its *head*), and its test starts there, as if on a fresh stream. The head is what
//!   the segment before it needs to complete its last block.
//! - merging A with the B that follows it: A reads B's head like any chunk, which brings it to
//!   B's first aligned position, and then absorbs B's test state (`Segment::absorb`): at an
//!   aligned position A's own state holds counts and boundary context only.
//! - the snapshot: the test's outcomes on a copy of its state, so the state reads on.
//! - saving: the whole wrapper as JSON under the test's name and format version.

use super::{Chunk, Outcome, Setup, TestState, Views, Workspace};
use crate::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::any::Any;

/// Why two states cannot be merged, or a saved state cannot be restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The states belong to different tests.
    #[error("cannot merge a state of {found} into one of {expected}")]
    DifferentTest {
        /// The test of the state merged into.
        expected: &'static str,
        /// The test of the state handed over (`another test` when its type is all that is known).
        found: String,
    },
    /// Same test, but started with different setups (alphabet, parameters, sequence length).
    #[error("cannot merge states of {test} that were started with different setups")]
    DifferentSetup {
        /// The test.
        test: &'static str,
    },
    /// The second state does not start where the first one ends.
    #[error("cannot merge states of {test}: the second starts at symbol {found}, not at {expected} where the first ends")]
    NotConsecutive {
        /// The test.
        test: &'static str,
        /// Where the first state ends.
        expected: u64,
        /// Where the second state starts.
        found: u64,
    },
    /// The test cannot merge states yet.
    #[error("{test} cannot merge states of segments yet")]
    Unsupported {
        /// The test.
        test: &'static str,
    },
    /// A saved state of another test.
    #[error("a saved state of {found} cannot be restored as {expected}")]
    WrongTest {
        /// The test restoring.
        expected: &'static str,
        /// The test the saved state names.
        found: String,
    },
    /// A saved state in a format version this build does not read.
    #[error(
        "a saved state of {test} has format version {found}; this build reads version {expected}"
    )]
    WrongVersion {
        /// The test.
        test: &'static str,
        /// The version this build writes and reads.
        expected: u32,
        /// The version the saved state has.
        found: u32,
    },
    /// A saved state whose content does not parse as the test's state.
    #[error("a saved state of {test} is malformed: {reason}")]
    Malformed {
        /// The test.
        test: &'static str,
        /// What the parser said.
        reason: String,
    },
}

/// A test's streaming state as data: which test, in which format version, and the state itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedState {
    /// The test's name ([`super::Test::name`]).
    pub test: String,
    /// The version of the state's format; a build refuses versions other than its own.
    pub version: u32,
    /// The state, in the test's own layout.
    pub state: serde_json::Value,
}

/// The part of a test's state that differs between tests; [`Segmented`] makes it a
/// [`TestState`].
pub(crate) trait Segment: Clone + Send + Serialize + DeserializeOwned + 'static {
    /// The test's name, as in its [`super::Test`].
    const NAME: &'static str;
    /// The version of the saved layout: bump it whenever the fields change.
    const VERSION: u32;
    /// Whether [`Segment::absorb`] is implemented; a test that cannot merge yet says `false`
    /// and every merge of it is refused with [`StateError::Unsupported`].
    const MERGEABLE: bool = true;

    /// Symbols between the positions (counted from the start of the stream) at which the state
    /// holds nothing but counts and boundary context; 1 when that is every position.
    fn alignment(&self) -> u64 {
        1
    }
    /// The views of a chunk the test reads besides its symbols ([`super::chunk`]).
    const READS: Views = Views::NONE;

    /// Consumes the next symbols of the stream, a chunk with (at least) the views of
    /// [`Segment::READS`].
    fn update(&mut self, chunk: &Chunk<'_>);
    /// Consumes `symbols` as chunks with the test's own views, for unit tests of one state.
    #[cfg(test)]
    fn update_symbols(&mut self, symbols: &[u8]) {
        let mut workspace = Workspace::new();
        for piece in symbols.chunks(super::chunk::MAX_SYMBOLS) {
            self.update(&Chunk::new(piece, Self::READS, &mut workspace));
        }
    }
    /// The outcomes on everything seen.
    fn outcomes(self) -> Vec<Outcome>;
    /// The outcomes on everything seen, leaving the state to read on (a look at a checkpoint).
    /// By default those of a clone; a test whose state holds large buffers that its outcomes do
    /// not read (history kept for later chunks and merges, scratch space) makes them from a
    /// borrow instead, so that a look costs no copy of those buffers.
    fn snapshot_outcomes(&self) -> Vec<Outcome> {
        self.clone().outcomes()
    }
    /// Takes in the state of the segment that starts where this one ends, at an aligned
    /// position; `next` was started there as on a fresh stream. Only called when
    /// [`Segment::MERGEABLE`].
    fn absorb(&mut self, next: Self);
}

/// The part of a [`Setup`] that two states to be merged must share; every test derives its
/// configuration from it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct SetupKey {
    alphabet: u16,
    length: Option<u64>,
    params: std::collections::BTreeMap<String, u64>,
}

/// A [`Segment`] with the offset, head and counters every merge needs.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Segmented<S> {
    /// What the test was started with, besides the offset: only states of the same setup merge.
    setup: SetupKey,
    /// Symbols of the stream before this segment.
    offset: u64,
    /// Symbols this segment has read.
    seen: u64,
    /// How many symbols the segment keeps aside before its test starts at an aligned position.
    head_goal: u64,
    /// The symbols kept aside so far, for the segment before this one.
    head: Vec<u8>,
    /// The test's state from the first aligned position on.
    inner: S,
}

impl<S: Segment> Segmented<S> {
    /// Starts the test `new` builds on the segment `setup` describes.
    pub(crate) fn start(setup: &Setup, new: impl Fn(&Setup) -> S) -> Box<dyn TestState> {
        let probe = new(setup);
        let alignment = probe.alignment().max(1);
        let aligned = setup.offset.div_ceil(alignment).saturating_mul(alignment);
        let inner = if aligned == setup.offset {
            probe
        } else {
            new(&Setup {
                offset: aligned,
                ..setup.clone()
            })
        };
        Box::new(Segmented {
            setup: SetupKey {
                alphabet: setup.alphabet,
                length: setup.length,
                params: setup.params.0.clone(),
            },
            offset: setup.offset,
            seen: 0,
            head_goal: aligned - setup.offset,
            head: Vec::new(),
            inner,
        })
    }

    /// Restores a state [`TestState::save`] gave; the setup is not needed, since the state
    /// holds what it was started with, and a merge checks that against its partner.
    pub(crate) fn restore(_setup: &Setup, saved: &SavedState) -> Result<Box<dyn TestState>, Error> {
        if saved.test != S::NAME {
            return Err(StateError::WrongTest {
                expected: S::NAME,
                found: saved.test.clone(),
            }
            .into());
        }
        if saved.version != S::VERSION {
            return Err(StateError::WrongVersion {
                test: S::NAME,
                expected: S::VERSION,
                found: saved.version,
            }
            .into());
        }
        let state: Segmented<S> =
            serde_json::from_value(saved.state.clone()).map_err(|error| StateError::Malformed {
                test: S::NAME,
                reason: error.to_string(),
            })?;
        // A head longer than its goal would make a merge read past the aligned position.
        if state.head.len() as u64 > state.head_goal {
            return Err(StateError::Malformed {
                test: S::NAME,
                reason: "the head is longer than the segment keeps aside".into(),
            }
            .into());
        }
        Ok(Box::new(state))
    }

    fn head_complete(&self) -> bool {
        self.head.len() as u64 == self.head_goal
    }
}

impl<S: Segment> TestState for Segmented<S> {
    fn reads(&self) -> Views {
        S::READS
    }

    fn update_chunk(&mut self, chunk: &Chunk<'_>) {
        let symbols = chunk.symbols();
        let missing = (self.head_goal - self.head.len() as u64).min(symbols.len() as u64) as usize;
        self.head.extend_from_slice(&symbols[..missing]);
        if missing == 0 {
            self.inner.update(chunk);
        } else if missing < symbols.len() {
            // The test starts inside this chunk: its views must describe only the symbols the
            // test reads, so they are made again for those (once per segment).
            let mut workspace = Workspace::new();
            self.inner.update(&Chunk::new(
                &symbols[missing..],
                chunk.views(),
                &mut workspace,
            ));
        }
        self.seen += symbols.len() as u64;
    }

    fn snapshot(&self) -> Vec<Outcome> {
        self.inner.snapshot_outcomes()
    }

    fn finish(self: Box<Self>) -> Vec<Outcome> {
        self.inner.outcomes()
    }

    fn merge(&mut self, next: Box<dyn TestState>) -> Result<(), StateError> {
        let next = next
            .into_any()
            .downcast::<Self>()
            .map_err(|_| StateError::DifferentTest {
                expected: S::NAME,
                found: "another test".into(),
            })?;
        if !S::MERGEABLE {
            return Err(StateError::Unsupported { test: S::NAME });
        }
        if self.setup != next.setup {
            return Err(StateError::DifferentSetup { test: S::NAME });
        }
        let end = self.offset + self.seen;
        if next.offset != end {
            return Err(StateError::NotConsecutive {
                test: S::NAME,
                expected: end,
                found: next.offset,
            });
        }
        let next = *next;
        // The head brings this state to next's first aligned position (or to its end, when
        // next never got that far and its test has seen nothing).
        self.update(&next.head);
        if next.head_complete() {
            debug_assert!(
                self.head_complete(),
                "an aligned position lies past the head"
            );
            self.inner.absorb(next.inner);
            self.seen += next.seen - next.head.len() as u64;
        }
        Ok(())
    }

    fn save(&self) -> SavedState {
        SavedState {
            test: S::NAME.to_string(),
            version: S::VERSION,
            state: serde_json::to_value(self)
                .unwrap_or_else(|error| unreachable!("a state serialises to JSON: {error}")),
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// Serde for a u128 as its decimal text: JSON numbers (and `serde_json::Value`) stop at 64 bits.
pub(crate) mod u128_text {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}
