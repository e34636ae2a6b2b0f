//! Word-level bit machinery the NIST tests share: masks, re-cutting the word stream into blocks,
//! and counting overlapping m-bit patterns (SP 800-22 Rev 1a §2.7, §2.11, §2.12 all count them).
//!
//! Bits are kept as the tests receive them: 64 to a word, the sequence's first bit in the most
//! significant place.

/// The top `len` bits (0..=64) set.
#[inline]
pub(crate) fn top_mask(len: u32) -> u64 {
    if len == 0 {
        0
    } else {
        !0u64 << (64 - len)
    }
}

/// The low `len` bits (0..=64) set.
#[inline]
pub(crate) fn low_mask(len: u32) -> u64 {
    if len >= 64 {
        !0
    } else {
        (1u64 << len) - 1
    }
}

/// Re-cuts the word stream into consecutive blocks of a fixed number of bits and hands each
/// complete block over re-packed from bit 0 of its first word; a partial last block is never
/// handed over (SP 800-22 discards those bits everywhere).
///
/// The slice handed over holds `bits.div_ceil(64) + 1` words: every bit after the block's end is
/// zero, including one spare word, so a reader may look one word ahead without a bounds check.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Blocks {
    bits: usize,
    buffer: Vec<u64>,
    filled: usize,
}

impl Blocks {
    pub fn new(bits: usize) -> Self {
        Blocks {
            bits,
            buffer: vec![0; bits.div_ceil(64) + 1],
            filled: 0,
        }
    }

    /// Feeds `len` bits (the top of `word`), calling `on_block` for each block they complete.
    /// The block length in bits (0 when the test cannot run): the period of a block test's
    /// state, for merging ([`super::BitTest::alignment_bits`]).
    pub fn bits(&self) -> u64 {
        self.bits as u64
    }

    #[inline]
    pub fn push(&mut self, mut word: u64, mut len: u32, mut on_block: impl FnMut(&[u64])) {
        if self.bits == 0 {
            return;
        }
        while len > 0 {
            let room = self.bits - self.filled;
            let take = (len as usize).min(room) as u32;
            let piece = word & top_mask(take);
            let index = self.filled / 64;
            let offset = (self.filled % 64) as u32;
            self.buffer[index] |= piece >> offset;
            if offset + take > 64 {
                self.buffer[index + 1] |= piece << (64 - offset);
            }
            self.filled += take as usize;
            word = if take == 64 { 0 } else { word << take };
            len -= take;
            if self.filled == self.bits {
                on_block(&self.buffer);
                self.buffer.fill(0);
                self.filled = 0;
            }
        }
    }
}

/// Calls `count(pattern)` for every m-bit window that lies inside a block of `bits` bits packed
/// from bit 0 of `block` (windows starting at 0..=bits-m), the window's first bit most
/// significant in `pattern`. `m` is 1..=64.
#[inline]
pub(crate) fn for_each_window(block: &[u64], bits: usize, m: u32, mut count: impl FnMut(u64)) {
    let mask = low_mask(m);
    let mut previous = 0u64;
    for (i, &word) in block.iter().enumerate() {
        let start = 64 * i;
        if start >= bits {
            break;
        }
        let end = (bits - start).min(64);
        // Before bit m-1 of the block no window is complete.
        let first = if start + 64 < m as usize {
            previous = word;
            continue;
        } else {
            (m as usize - 1).saturating_sub(start)
        };
        let both = (u128::from(previous) << 64) | u128::from(word);
        for b in first..end {
            count((both >> (63 - b)) as u64 & mask);
        }
        previous = word;
    }
}

/// Counts the overlapping m-bit patterns of a whole sequence read cyclically (its first m-1 bits
/// appended at its end, as SP 800-22 §2.11.4 step 1 and §2.12.4 step 1 prescribe), streaming.
/// `m` is 1..=63; `counts` has 2^m entries indexed by pattern, first bit most significant.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CyclicPatterns {
    m: u32,
    counts: Vec<u32>,
    /// The last 64 bits seen, the most recent in the least significant place.
    last: u64,
    seen: u64,
    /// The sequence's first up-to-64 bits, for the wrap-around.
    head: u64,
    head_len: u32,
}

impl CyclicPatterns {
    pub fn new(m: u32) -> Self {
        CyclicPatterns {
            m,
            counts: vec![0; 1usize << m],
            last: 0,
            seen: 0,
            head: 0,
            head_len: 0,
        }
    }

    #[inline]
    pub fn push(&mut self, word: u64, len: u32) {
        if self.seen == 0 {
            self.head = word;
            self.head_len = len;
        }
        let mask = low_mask(self.m);
        let both = (u128::from(self.last) << 64) | u128::from(word);
        let first = (u64::from(self.m) - 1).saturating_sub(self.seen).min(64) as u32;
        let counts = &mut self.counts[..];
        for b in first..len {
            counts[((both >> (63 - b)) as u64 & mask) as usize] += 1;
        }
        self.last = if len == 64 {
            word
        } else {
            (self.last << len) | (word >> (64 - len))
        };
        self.seen += u64::from(len);
    }

    /// Adds the windows that wrap around the end and returns the counts (n of them in all for a
    /// sequence of n bits).
    /// Takes in the patterns of the bits that follow: the windows across the boundary are
    /// counted from this state's last bits and `next`'s first word, then `next`'s own counts
    /// (of windows inside it) are added, and its last bits become this state's.
    pub fn absorb(&mut self, next: CyclicPatterns) {
        if next.seen == 0 {
            return;
        }
        if self.seen == 0 {
            *self = next;
            return;
        }
        let last = self.last;
        let across = (u64::from(self.m) - 1).min(next.seen) as u32;
        if across > 0 {
            self.push(next.head & !low_mask(64 - across), across);
        }
        for (count, more) in self.counts.iter_mut().zip(&next.counts) {
            *count += more;
        }
        self.last = if next.seen >= 64 {
            next.last
        } else {
            (last << next.seen) | (next.last & low_mask(next.seen as u32))
        };
        self.seen += next.seen - u64::from(across);
    }

    pub fn finish(mut self) -> Vec<u32> {
        let n = self.seen;
        if n == 0 {
            return self.counts;
        }
        let mask = low_mask(self.m);
        for k in 0..u64::from(self.m) - 1 {
            // The head holds every bit the wrap needs: the first m-1 bits, or the whole sequence
            // when it is shorter than that (then the wrap repeats it).
            let j = (k % n) as u32;
            debug_assert!(j < self.head_len);
            let bit = (self.head >> (63 - j)) & 1;
            self.last = (self.last << 1) | bit;
            if n + k >= u64::from(self.m) - 1 {
                self.counts[(self.last & mask) as usize] += 1;
            }
        }
        self.counts
    }
}

/// Counts for patterns one bit shorter: a pattern's count is the sum over its two extensions by
/// one bit at the end, which for cyclic counting is exact.
pub(crate) fn fold_counts(counts: &[u32]) -> Vec<u32> {
    counts
        .chunks_exact(2)
        .map(|pair| pair[0] + pair[1])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(bits: &str) -> Vec<(u64, u32)> {
        let digits: Vec<u64> = bits.bytes().map(|b| u64::from(b - b'0')).collect();
        digits
            .chunks(64)
            .map(|chunk| {
                let mut word = 0u64;
                for (i, &d) in chunk.iter().enumerate() {
                    word |= d << (63 - i);
                }
                (word, chunk.len() as u32)
            })
            .collect()
    }

    #[test]
    fn blocks_are_repacked_from_bit_zero() {
        // 70 bits of alternating 10..., cut into blocks of 3: 101, 010, 101, ... 23 blocks.
        let bits: String = (0..70)
            .map(|i| if i % 2 == 0 { '1' } else { '0' })
            .collect();
        let mut blocks = Blocks::new(3);
        let mut seen = Vec::new();
        for (word, len) in words_of(&bits) {
            blocks.push(word, len, |b| seen.push(b[0] >> 61));
        }
        assert_eq!(seen.len(), 23);
        assert_eq!(&seen[..3], &[0b101, 0b010, 0b101]);
    }

    #[test]
    fn cyclic_patterns_by_hand() {
        // SP 800-22 §2.11.4: 0011011101 with m = 3, read cyclically (append "00"), has
        // v_000=0, v_001=1, v_010=1, v_011=2, v_100=1, v_101=2, v_110=2, v_111=1.
        let mut patterns = CyclicPatterns::new(3);
        for (word, len) in words_of("0011011101") {
            patterns.push(word, len);
        }
        let counts = patterns.finish();
        assert_eq!(counts, vec![0, 1, 1, 2, 1, 2, 2, 1]);
        // m = 2: v_00=1, v_01=3, v_10=3, v_11=3 (§2.11.4 step 2).
        assert_eq!(fold_counts(&counts), vec![1, 3, 3, 3]);
    }

    #[test]
    fn windows_inside_a_block() {
        // 1101 has the 2-bit windows 11, 10, 01.
        let mut seen = Vec::new();
        for_each_window(&[0xD000_0000_0000_0000, 0], 4, 2, |w| seen.push(w));
        assert_eq!(seen, vec![0b11, 0b10, 0b01]);
    }
}
