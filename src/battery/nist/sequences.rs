//! Getting NIST sequences to the tests: packing STS's ASCII input, cutting a bit stream into
//! sequences, and running the battery over one sequence (what STS's `assess` does per bitstream;
//! SP 800-22 Rev 1a §5 describes the input modes).
//!
//! Everything here is single-threaded: a caller that wants parallelism runs [`run_sequence`] on
//! several sequences at once.

use std::collections::VecDeque;

use super::setup;
use crate::battery::{Outcome, Params, Test};

/// Packs ASCII `0`/`1` digits into bytes, most significant bit first, skipping every other byte
/// (spaces, newlines, anything), as STS's ASCII input mode reads its files. Feed it chunks of any
/// size; it carries an incomplete byte from one chunk to the next.
#[derive(Clone, Debug, Default)]
pub struct Ascii01Packer {
    byte: u8,
    filled: u32,
    bits: u64,
}

impl Ascii01Packer {
    /// An empty packer: no bits yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bits packed so far.
    pub fn bits(&self) -> u64 {
        self.bits
    }

    /// Packs the digits of `ascii`, appending every completed byte to `out`.
    pub fn push(&mut self, ascii: &[u8], out: &mut Vec<u8>) {
        self.push_limited(ascii, u64::MAX, out);
    }

    /// Like [`Ascii01Packer::push`] but stops once `limit` bits have been packed in all (STS
    /// reads only the first n digits of a file); returns how many bytes of `ascii` it used.
    pub fn push_limited(&mut self, ascii: &[u8], limit: u64, out: &mut Vec<u8>) -> usize {
        for (used, &c) in ascii.iter().enumerate() {
            if self.bits >= limit {
                return used;
            }
            let bit = match c {
                b'0' => 0,
                b'1' => 1,
                _ => continue,
            };
            self.byte = (self.byte << 1) | bit;
            self.filled += 1;
            self.bits += 1;
            if self.filled == 8 {
                out.push(self.byte);
                self.byte = 0;
                self.filled = 0;
            }
        }
        ascii.len()
    }

    /// Appends the last incomplete byte (its unused low bits zero) and returns the bit count.
    pub fn finish(self, out: &mut Vec<u8>) -> u64 {
        if self.filled > 0 {
            out.push(self.byte << (8 - self.filled));
        }
        self.bits
    }
}

/// Packs all the `0`/`1` digits of `ascii`; returns the packed bytes and the number of bits.
pub fn pack_ascii01(ascii: &[u8]) -> (Vec<u8>, u64) {
    let mut packer = Ascii01Packer::new();
    let mut out = Vec::with_capacity(ascii.len() / 8 + 1);
    packer.push(ascii, &mut out);
    let bits = packer.finish(&mut out);
    (out, bits)
}

/// Cuts a packed bit stream into consecutive sequences of `seq_bits` bits each, every sequence
/// re-packed to start at bit 0 of its first byte (`seq_bits` need not be a multiple of 8; the
/// unused low bits of a sequence's last byte are zero). Bits that do not fill a last sequence
/// stay pending.
#[derive(Clone, Debug)]
pub struct SequenceSplitter {
    seq_bits: u64,
    current: Vec<u8>,
    current_bits: u64,
    ready: VecDeque<Vec<u8>>,
}

impl SequenceSplitter {
    /// # Panics
    /// If `seq_bits` is 0.
    pub fn new(seq_bits: u64) -> Self {
        assert!(seq_bits > 0, "a NIST sequence has at least one bit");
        SequenceSplitter {
            seq_bits,
            current: Vec::new(),
            current_bits: 0,
            ready: VecDeque::new(),
        }
    }

    /// Bits per sequence, as given to [`SequenceSplitter::new`].
    pub fn seq_bits(&self) -> u64 {
        self.seq_bits
    }

    /// Feeds whole bytes (8 bits each).
    pub fn push_bytes(&mut self, packed: &[u8]) {
        self.push_bits(packed, 8 * packed.len() as u64);
    }

    /// Feeds the first `n_bits` bits of `packed`; the next call continues right after them.
    pub fn push_bits(&mut self, packed: &[u8], n_bits: u64) {
        let n_bits = n_bits.min(8 * packed.len() as u64);
        let mut at = 0u64;
        while at < n_bits {
            let room = self.seq_bits - self.current_bits;
            if at.is_multiple_of(8)
                && self.current_bits.is_multiple_of(8)
                && n_bits - at >= 8
                && room >= 8
            {
                // Byte-aligned on both sides: copy whole bytes.
                let bytes = ((n_bits - at) / 8).min(room / 8) as usize;
                let from = (at / 8) as usize;
                self.current.extend_from_slice(&packed[from..from + bytes]);
                self.current_bits += 8 * bytes as u64;
                at += 8 * bytes as u64;
            } else {
                let offset = (at % 8) as u32;
                let take = (8 - offset)
                    .min((n_bits - at) as u32)
                    .min(room.min(8) as u32);
                let piece = (packed[(at / 8) as usize] << offset) & (0xFFu8 << (8 - take));
                self.append(piece, take);
                at += u64::from(take);
            }
            if self.current_bits == self.seq_bits {
                let bytes = self.seq_bits.div_ceil(8) as usize;
                let mut done = std::mem::replace(&mut self.current, Vec::with_capacity(bytes));
                done.truncate(bytes);
                self.ready.push_back(done);
                self.current_bits = 0;
            }
        }
    }

    /// Appends `take` (1..=8) bits held in the top of `piece`, the rest of `piece` zero.
    fn append(&mut self, piece: u8, take: u32) {
        let offset = (self.current_bits % 8) as u32;
        if offset == 0 {
            self.current.push(piece);
        } else {
            *self.current.last_mut().expect("a partial byte") |= piece >> offset;
            if offset + take > 8 {
                self.current.push(piece << (8 - offset));
            }
        }
        self.current_bits += u64::from(take);
    }

    /// The next complete sequence, `seq_bits.div_ceil(8)` bytes.
    pub fn next_sequence(&mut self) -> Option<Vec<u8>> {
        self.ready.pop_front()
    }

    /// Bits fed but not yet part of a complete sequence.
    pub fn pending_bits(&self) -> u64 {
        self.current_bits
    }
}

/// Cuts the first `n_bits` bits of `packed` into at most `max_sequences` sequences of `seq_bits`
/// bits (fewer when the bits run out; a partial last sequence is dropped).
pub fn split_sequences(
    packed: &[u8],
    n_bits: u64,
    seq_bits: u64,
    max_sequences: usize,
) -> Vec<Vec<u8>> {
    let mut splitter = SequenceSplitter::new(seq_bits);
    let wanted = seq_bits.saturating_mul(max_sequences as u64).min(n_bits);
    splitter.push_bits(packed, wanted);
    std::iter::from_fn(|| splitter.next_sequence()).collect()
}

/// Runs `tests` over one packed sequence of `n_bits` bits (MSB first) and returns their outcomes,
/// test by test in the order given. A test that does not apply to packed bits gives one skipped
/// outcome.
pub fn run_sequence(tests: &[&Test], packed: &[u8], n_bits: u64, params: &Params) -> Vec<Outcome> {
    let setup = setup(n_bits, params);
    let bytes = &packed[..packed.len().min(n_bits.div_ceil(8) as usize)];
    let mut outcomes = Vec::new();
    for test in tests {
        if let Err(reason) = (test.applies_to)(setup.alphabet) {
            outcomes.push(Outcome::skipped(test.name, reason));
            continue;
        }
        let mut state = (test.start)(&setup);
        state.update(bytes);
        outcomes.extend(state.finish());
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_skips_everything_but_digits() {
        let (packed, bits) = pack_ascii01(b" 1100 1001\n0000 1111 x 1");
        assert_eq!(bits, 17);
        assert_eq!(packed, vec![0xC9, 0x0F, 0x80]);
    }

    #[test]
    fn ascii_packing_is_chunk_independent() {
        let text = b"10110 0111\n0001110101011 0101\r\n0111";
        let (whole, bits) = pack_ascii01(text);
        for chunk in 1..text.len() {
            let mut packer = Ascii01Packer::new();
            let mut out = Vec::new();
            for piece in text.chunks(chunk) {
                packer.push(piece, &mut out);
            }
            assert_eq!(packer.finish(&mut out), bits);
            assert_eq!(out, whole, "chunk {chunk}");
        }
    }

    #[test]
    fn limited_packing_stops_at_the_limit() {
        let mut packer = Ascii01Packer::new();
        let mut out = Vec::new();
        let used = packer.push_limited(b"1 1 1 1 0 0 0 0 1 1", 9, &mut out);
        assert_eq!(used, 17);
        assert_eq!(packer.finish(&mut out), 9);
        assert_eq!(out, vec![0xF0, 0x80]);
    }

    /// The bits of `packed` as a string, for comparing splits by eye.
    fn bit_string(packed: &[u8], n: u64) -> String {
        (0..n)
            .map(|i| {
                if packed[(i / 8) as usize] >> (7 - i % 8) & 1 == 1 {
                    '1'
                } else {
                    '0'
                }
            })
            .collect()
    }

    #[test]
    fn splitting_repacks_each_sequence_from_bit_zero() {
        let data: Vec<u8> = (0u8..40).map(|i| i.wrapping_mul(37) ^ 0x5A).collect();
        let all = bit_string(&data, 320);
        for seq_bits in [1u64, 3, 8, 13, 64, 100] {
            for chunk in [1usize, 3, 40] {
                let mut splitter = SequenceSplitter::new(seq_bits);
                for piece in data.chunks(chunk) {
                    splitter.push_bytes(piece);
                }
                let mut k = 0u64;
                while let Some(sequence) = splitter.next_sequence() {
                    assert_eq!(sequence.len() as u64, seq_bits.div_ceil(8));
                    let from = (k * seq_bits) as usize;
                    assert_eq!(
                        bit_string(&sequence, seq_bits),
                        all[from..from + seq_bits as usize],
                        "seq_bits {seq_bits} chunk {chunk} sequence {k}"
                    );
                    // The unused low bits of the last byte are zero.
                    let spare = 8 * sequence.len() as u64 - seq_bits;
                    assert_eq!(sequence.last().unwrap() & ((1u16 << spare) - 1) as u8, 0);
                    k += 1;
                }
                assert_eq!(k, 320 / seq_bits);
                assert_eq!(splitter.pending_bits(), 320 % seq_bits);
            }
        }
    }

    #[test]
    fn splitting_accepts_streams_that_are_not_whole_bytes() {
        // 5 bits, then 7 bits, then 4: "10110" "0111000" "1010" cut into 6-bit sequences.
        let mut splitter = SequenceSplitter::new(6);
        splitter.push_bits(&[0b1011_0000], 5);
        splitter.push_bits(&[0b0111_0000], 7);
        splitter.push_bits(&[0b1010_0000], 4);
        assert_eq!(splitter.next_sequence(), Some(vec![0b1011_0000]));
        assert_eq!(splitter.next_sequence(), Some(vec![0b1110_0000]));
        assert_eq!(splitter.next_sequence(), None);
        assert_eq!(splitter.pending_bits(), 4);
        assert_eq!(split_sequences(&[0xFF, 0x00], 16, 5, 2).len(), 2);
    }
}
