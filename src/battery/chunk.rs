//! A chunk of a stream as the tests read it: its symbols, and the views of them that several
//! tests would otherwise each compute on their own.
//!
//! A test declares the views it reads ([`Views`], `Segment::READS`), the way PractRand's tests
//! declare the history they need; the runner makes one [`Chunk`] per piece of the stream with
//! the union of what the selected tests declared, and every test reads the same one. A view is
//! computed the cheapest way that the union allows, and every way gives the same exact integers:
//!
//! - [`Views::PAIRS`]: the overlapping pairs inside the chunk, counted into a 64K-cell table
//!   (one scattered increment per symbol, the one expensive step). With the table at hand the
//!   byte histogram and the neighbour sums cost one pass over its cells, a few per symbol of a
//!   full chunk and all in vector lanes, instead of one more pass over the symbols each.
//! - [`Views::HISTOGRAM`]: how often each byte value occurs; from the pair table when there is
//!   one (the column sums count every symbol but the last as the first of a pair), else counted.
//! - [`Views::SUMS`]: Σx, Σx² and Σ x_i·x_{i+1} over neighbours inside the chunk; from the pair
//!   table or the histogram when there is one, else in one vectorised pass over the symbols.
//! - [`Views::ONES`]: one bits over the chunk's bytes; from the histogram when there is one, else
//!   a popcount per 64-bit word.
//!
//! A chunk that is short (a checkpoint's first pieces, a test feeding a few symbols) gets no
//! pair table: zeroing and reading 64K cells would cost more than its symbols, so its views are
//! counted from the symbols and [`Chunk::add_pairs`] adds its pairs one by one.
//!
//! The build targets baseline x86-64, so the passes that pay for wider vectors or for the
//! popcount instruction are compiled twice (`kernel!`), once with AVX2 and popcnt enabled, and
//! picked at run time ([`fast_x86`]); the unit tests check that both give the same numbers. The
//! runs and longest-run tests use the same two-way kernels for their word loops.

use std::ops::BitOr;

/// Calls `kernel::portable(args)`, or `kernel::fast(args)` when `fast` (from [`fast_x86`]).
macro_rules! dispatch {
    ($fast:expr, $kernel:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $fast {
                // SAFETY: `fast` comes from `fast_x86`, which detected the features that
                // `fast` is compiled with on this machine.
                unsafe { $kernel::fast($($arg),*) }
            } else {
                $kernel::portable($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = $fast;
            $kernel::portable($($arg),*)
        }
    }};
}
pub(crate) use dispatch;

/// Declares a kernel twice: `portable` for the baseline target, and `fast` with AVX2, popcnt,
/// lzcnt and BMI1 enabled (the same source, which the compiler vectorises wider), for [`dispatch`].
macro_rules! kernel {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block) => {
        $(#[$doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body

            pub(super) fn portable($($arg: $ty),*) $(-> $ret)? {
                body($($arg),*)
            }

            /// # Safety
            /// The CPU must have what `chunk::fast_x86` checks for.
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,popcnt,lzcnt,bmi1")]
            pub(super) unsafe fn fast($($arg: $ty),*) $(-> $ret)? {
                body($($arg),*)
            }
        }
    };
}
pub(crate) use kernel;

/// Views of a chunk that tests share; a set, combined with `|`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Views(u8);

impl Views {
    /// No shared view: the test reads the symbols only.
    pub const NONE: Views = Views(0);
    /// The count of each byte value in the chunk ([`Chunk::histogram`]).
    pub const HISTOGRAM: Views = Views(1);
    /// Σx, Σx² and Σ x_i·x_{i+1} over the chunk ([`Chunk::sums`]).
    pub const SUMS: Views = Views(2);
    /// The overlapping pairs inside the chunk ([`Chunk::add_pairs`]).
    pub const PAIRS: Views = Views(4);
    /// The one bits of the chunk's bytes ([`Chunk::ones`]).
    pub const ONES: Views = Views(8);

    /// Whether every view of `other` is in this set.
    pub fn contains(self, other: Views) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Views {
    type Output = Views;

    fn bitor(self, other: Views) -> Views {
        Views(self.0 | other.0)
    }
}

/// The longest chunk: the pair table's counts are 16 bits, and a chunk holds one pair fewer
/// than symbols. The runner's chunks ([`crate::runner::CHUNK_SYMBOLS`]) are this long.
pub const MAX_SYMBOLS: usize = 1 << 16;

// The runner hands over whole chunks of its size.
const _: () = assert!(crate::runner::CHUNK_SYMBOLS <= MAX_SYMBOLS);

/// From this many symbols on, a chunk's pairs go through the table (module documentation).
const TABLE_FROM: usize = 1 << 13;

const PAIR_CELLS: usize = 1 << 16;

/// The pair table's index of the pair (first, second): the two bytes read as a little-endian
/// u16, so counting needs no shift, and each row (one `second`) holds every `first` side by side.
pub fn pair_index(first: u8, second: u8) -> usize {
    usize::from(u16::from_le_bytes([first, second]))
}

/// Σx, Σx² and Σ x_i·x_{i+1} of a chunk: exact integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    /// Σ x over every symbol.
    pub sum: u64,
    /// Σ x² over every symbol.
    pub squares: u64,
    /// Σ x_i·x_{i+1} over the neighbours inside the chunk (not the pair with the chunk before).
    pub products: u64,
}

/// Memory that chunks reuse: the pair table, allocated when a chunk first needs it.
#[derive(Default)]
pub struct Workspace {
    table: Option<PairTable>,
}

/// A chunk's pair counts, kept as two tables of bytes: the low byte of each count, and the high
/// byte, which only a count past 255 touches. Counting is a scattered read-modify-write per
/// symbol, and a 64 KiB table of low bytes mostly stays in a 48 KiB L1 cache where 128 KiB of
/// u16 cells would not: on random bytes counting ran 1.6 times as fast. Random data never
/// carries into the high bytes, so they are read and cleared only after a chunk that did.
struct PairTable {
    low: Box<[u8; PAIR_CELLS]>,
    high: Box<[u8; PAIR_CELLS]>,
    carried: bool,
}

impl PairTable {
    fn new() -> Self {
        let zeroed = || {
            vec![0; PAIR_CELLS]
                .into_boxed_slice()
                .try_into()
                .unwrap_or_else(|_| unreachable!("the vector has PAIR_CELLS elements"))
        };
        PairTable {
            low: zeroed(),
            high: zeroed(),
            carried: false,
        }
    }

    /// Empties the table and counts every overlapping pair of `symbols` (at most
    /// [`MAX_SYMBOLS`], so no count passes 16 bits). A scatter, which vectors do not speed up;
    /// eight pairs are taken from each 64-bit word and the byte after it, which halves the
    /// instructions of a byte-by-byte loop.
    fn count(&mut self, symbols: &[u8]) {
        self.low.fill(0);
        if self.carried {
            self.high.fill(0);
            self.carried = false;
        }
        let mut at = 0;
        while at + 9 <= symbols.len() {
            let word = u64::from_le_bytes(symbols[at..at + 8].try_into().expect("8 bytes"));
            let next = u64::from(symbols[at + 8]);
            for shift in [0, 8, 16, 24, 32, 40, 48] {
                self.add((word >> shift) as u16 as usize);
            }
            self.add((word >> 56 | next << 8) as usize);
            at += 8;
        }
        for pair in symbols[at..].windows(2) {
            self.add(pair_index(pair[0], pair[1]));
        }
    }

    #[inline(always)]
    fn add(&mut self, index: usize) {
        let low = self.low[index].wrapping_add(1);
        self.low[index] = low;
        if low == 0 {
            self.high[index] += 1;
            self.carried = true;
        }
    }

    /// The high bytes, when any count passed 255.
    fn high(&self) -> Option<&[u8; PAIR_CELLS]> {
        self.carried.then_some(&*self.high)
    }
}

impl Workspace {
    /// An empty workspace; it allocates nothing until a long chunk wants pairs.
    pub fn new() -> Self {
        Workspace::default()
    }
}

/// Symbols of a stream handed to the tests at once, with the views they declared.
pub struct Chunk<'a> {
    symbols: &'a [u8],
    views: Views,
    table: Option<&'a PairTable>,
    histogram: [u32; 256],
    sums: Sums,
    ones: u64,
}

impl<'a> Chunk<'a> {
    /// `symbols` (at most [`MAX_SYMBOLS`]) with `views` computed, using `workspace`'s memory.
    pub fn new(symbols: &'a [u8], views: Views, workspace: &'a mut Workspace) -> Chunk<'a> {
        assert!(
            symbols.len() <= MAX_SYMBOLS,
            "a chunk holds at most {MAX_SYMBOLS} symbols, got {}",
            symbols.len()
        );
        let fast = fast_x86();
        let mut chunk = Chunk {
            symbols,
            views,
            table: None,
            histogram: [0; 256],
            sums: Sums::default(),
            ones: 0,
        };
        let wants_histogram = views.contains(Views::HISTOGRAM);
        let mut have_histogram = false;
        if views.contains(Views::PAIRS) && symbols.len() >= TABLE_FROM {
            let table = workspace.table.get_or_insert_with(PairTable::new);
            table.count(symbols);
            if wants_histogram || views.contains(Views::SUMS) {
                let (firsts, weighted) = dispatch!(fast, column_sums(&table.low, table.high()));
                chunk.histogram = firsts;
                // Every symbol but the last is the first of a pair inside the chunk.
                chunk.histogram[usize::from(symbols[symbols.len() - 1])] += 1;
                // Σ_ab a·b·ν_ab = Σ_a a · Σ_b b·ν_ab.
                chunk.sums.products = (0u64..).zip(weighted).map(|(a, w)| a * u64::from(w)).sum();
                have_histogram = true;
            }
            chunk.table = Some(table);
        } else {
            if wants_histogram {
                chunk.histogram = count_symbols(symbols);
                have_histogram = true;
            }
            if views.contains(Views::SUMS) {
                if have_histogram {
                    chunk.sums.products = dispatch!(fast, neighbour_products(symbols));
                } else {
                    chunk.sums = dispatch!(fast, neighbour_sums(symbols));
                }
            }
        }
        if have_histogram {
            let (mut sum, mut squares, mut ones) = (0u64, 0u64, 0u64);
            for (value, &count) in (0u64..).zip(&chunk.histogram) {
                let count = u64::from(count);
                sum += value * count;
                squares += value * value * count;
                ones += u64::from(value.count_ones()) * count;
            }
            chunk.sums.sum = sum;
            chunk.sums.squares = squares;
            chunk.ones = ones;
        } else if views.contains(Views::ONES) {
            chunk.ones = dispatch!(fast, count_ones(symbols));
        }
        chunk
    }

    /// The symbols.
    pub fn symbols(&self) -> &'a [u8] {
        self.symbols
    }

    /// The views computed for this chunk: a sub-chunk gets the same ones.
    pub fn views(&self) -> Views {
        self.views
    }

    /// The count of each byte value among the symbols; [`Views::HISTOGRAM`].
    pub fn histogram(&self) -> &[u32; 256] {
        debug_assert!(
            self.views.contains(Views::HISTOGRAM),
            "not a view of this chunk"
        );
        &self.histogram
    }

    /// Σx, Σx² and Σ x_i·x_{i+1} over the symbols; [`Views::SUMS`].
    pub fn sums(&self) -> Sums {
        debug_assert!(self.views.contains(Views::SUMS), "not a view of this chunk");
        self.sums
    }

    /// One bits in the symbols' bytes; [`Views::ONES`].
    pub fn ones(&self) -> u64 {
        debug_assert!(self.views.contains(Views::ONES), "not a view of this chunk");
        self.ones
    }

    /// Adds the pairs inside the chunk (not the one with the chunk before) to `counts`, indexed
    /// by [`pair_index`]; [`Views::PAIRS`].
    pub fn add_pairs(&self, counts: &mut [u32; PAIR_CELLS]) {
        debug_assert!(
            self.views.contains(Views::PAIRS),
            "not a view of this chunk"
        );
        match self.table {
            Some(table) => dispatch!(fast_x86(), add_table(&table.low, table.high(), counts)),
            None => {
                for pair in self.symbols.windows(2) {
                    counts[pair_index(pair[0], pair[1])] += 1;
                }
            }
        }
    }
}

/// Whether this machine has what the fast paths are compiled for (AVX2, popcnt, lzcnt and
/// BMI1: every x86-64 since Haswell). The
/// standard library caches the detection, so asking per chunk costs a load.
pub fn fast_x86() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

kernel! {
    /// Column sums of the pair table: for each first symbol a, Σ_b ν_ab (how often a starts a
    /// pair) and Σ_b b·ν_ab. Rows are walked from b = 255 down, adding each to a running sum
    /// S_b = Σ_{c ≥ b} ν_ac and S_b to a total, which then holds Σ_b S_b = Σ_b (b + 1)·ν_ab:
    /// two vector adds per cell and no multiplication. Both fit u32: at most 256 · 2^16. The
    /// columns go in strips of 32, so that a strip's sums stay in vector registers.
    column_sums(low: &[u8; PAIR_CELLS], high: Option<&[u8; PAIR_CELLS]>) -> ([u32; 256], [u32; 256]) {
        const STRIP: usize = 32;
        let mut running = [0u32; 256];
        let mut weighted = [0u32; 256];
        for strip in 0..256 / STRIP {
            let columns = strip * STRIP..(strip + 1) * STRIP;
            let mut sums = [0u32; STRIP];
            let mut totals = [0u32; STRIP];
            for row in (0..256).rev() {
                let cells = row * 256 + columns.start..row * 256 + columns.end;
                let low = &low[cells.clone()];
                match high {
                    None => {
                        for (sum, &count) in sums.iter_mut().zip(low) {
                            *sum += u32::from(count);
                        }
                    }
                    Some(high) => {
                        for ((sum, &count), &high) in sums.iter_mut().zip(low).zip(&high[cells]) {
                            *sum += u32::from(count) | u32::from(high) << 8;
                        }
                    }
                }
                for (total, &sum) in totals.iter_mut().zip(&sums) {
                    *total += sum;
                }
            }
            running[columns.clone()].copy_from_slice(&sums);
            weighted[columns].copy_from_slice(&totals);
        }
        // The last row added was b = 0: each total holds its column's sum once too often.
        for (total, &sum) in weighted.iter_mut().zip(&running) {
            *total -= sum;
        }
        (running, weighted)
    }
}

kernel! {
    /// Adds a chunk's pair table into a test's wider counts.
    add_table(low: &[u8; PAIR_CELLS], high: Option<&[u8; PAIR_CELLS]>, counts: &mut [u32; PAIR_CELLS]) {
        match high {
            None => {
                for (count, &low) in counts.iter_mut().zip(low.iter()) {
                    *count += u32::from(low);
                }
            }
            Some(high) => {
                for ((count, &low), &high) in counts.iter_mut().zip(low.iter()).zip(high.iter()) {
                    *count += u32::from(low) | u32::from(high) << 8;
                }
            }
        }
    }
}

kernel! {
    /// Σ x_i·x_{i+1} over neighbours: u16 products (255² fits) summed in u32 lanes over blocks
    /// of 2^16 pairs (2^16 · 255² < 2^32), which a chunk never exceeds.
    neighbour_products(symbols: &[u8]) -> u64 {
        let mut products = 0u32;
        for (&x, &y) in symbols.iter().zip(symbols.iter().skip(1)) {
            products += u32::from(u16::from(x) * u16::from(y));
        }
        u64::from(products)
    }
}

kernel! {
    /// Σx, Σx² and Σ x_i·x_{i+1} in one pass over the symbols, in u32 lanes as
    /// [`neighbour_products`].
    neighbour_sums(symbols: &[u8]) -> Sums {
        let Some(&head) = symbols.first() else {
            return Sums::default();
        };
        let (x0, mut sum, mut squares, mut products) = (u32::from(head), 0u32, 0u32, 0u32);
        for (&x, &y) in symbols.iter().zip(symbols.iter().skip(1)) {
            let (x, y) = (u16::from(x), u16::from(y));
            sum += u32::from(y);
            squares += u32::from(y * y);
            products += u32::from(x * y);
        }
        Sums {
            sum: u64::from(sum) + u64::from(x0),
            squares: u64::from(squares) + u64::from(x0 * x0),
            products: u64::from(products),
        }
    }
}

kernel! {
    /// One bits in `bytes`, a popcount per 64-bit word.
    count_ones(bytes: &[u8]) -> u64 {
        let mut words = bytes.chunks_exact(8);
        let mut ones = 0u64;
        for word in &mut words {
            ones += u64::from(u64::from_ne_bytes(word.try_into().expect("chunks of 8")).count_ones());
        }
        ones + words.remainder().iter().map(|b| u64::from(b.count_ones())).sum::<u64>()
    }
}

/// Counts each byte value; consecutive symbols go to four separate tables, so that two equal
/// symbols in a row do not wait on each other's increment (a store-to-load dependency that
/// halves the speed of a plain histogram on repetitive data).
fn count_symbols(symbols: &[u8]) -> [u32; 256] {
    let mut tables = [[0u32; 256]; 4];
    let [first, second, third, fourth] = &mut tables;
    let mut quads = symbols.chunks_exact(4);
    for quad in &mut quads {
        first[usize::from(quad[0])] += 1;
        second[usize::from(quad[1])] += 1;
        third[usize::from(quad[2])] += 1;
        fourth[usize::from(quad[3])] += 1;
    }
    for &symbol in quads.remainder() {
        first[usize::from(symbol)] += 1;
    }
    let mut counts = [0u32; 256];
    for table in &tables {
        for (count, add) in counts.iter_mut().zip(table) {
            *count += add;
        }
    }
    counts
}

/// Hands `symbols` to `take` in whole units of `unit` bytes (a word, a block), across chunks:
/// the bytes of an unfinished unit wait in `pending` (which holds fewer than `unit`) and are
/// completed by the next symbols. `take` gets one or more whole units at a time, in order.
pub(crate) fn whole_units(
    pending: &mut Vec<u8>,
    symbols: &[u8],
    unit: usize,
    mut take: impl FnMut(&[u8]),
) {
    let mut rest = symbols;
    if !pending.is_empty() {
        let missing = (unit - pending.len()).min(rest.len());
        pending.extend_from_slice(&rest[..missing]);
        rest = &rest[missing..];
        if pending.len() < unit {
            return;
        }
        take(pending);
        pending.clear();
    }
    let whole = rest.len() / unit * unit;
    if whole > 0 {
        take(&rest[..whole]);
    }
    pending.extend_from_slice(&rest[whole..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units are handed out whole and in order, however the symbols arrive.
    #[test]
    fn whole_units_across_pieces() {
        let symbols: Vec<u8> = (0..=99).collect();
        for piece in [1usize, 3, 8, 13, 100] {
            let (mut pending, mut seen) = (Vec::new(), Vec::new());
            for part in symbols.chunks(piece) {
                whole_units(&mut pending, part, 8, |units| {
                    assert_eq!(units.len() % 8, 0);
                    seen.extend_from_slice(units);
                });
            }
            assert_eq!(seen, symbols[..96], "pieces of {piece}");
            assert_eq!(pending, symbols[96..]);
        }
    }
    use rand::{Rng, SeedableRng};

    fn seeded(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    /// The views by their definitions, from the symbols.
    fn plain(symbols: &[u8]) -> ([u32; 256], Sums, u64, Vec<u32>) {
        let mut histogram = [0u32; 256];
        let mut pairs = vec![0u32; PAIR_CELLS];
        let mut sums = Sums::default();
        for &s in symbols {
            histogram[usize::from(s)] += 1;
            sums.sum += u64::from(s);
            sums.squares += u64::from(s) * u64::from(s);
        }
        for w in symbols.windows(2) {
            pairs[pair_index(w[0], w[1])] += 1;
            sums.products += u64::from(w[0]) * u64::from(w[1]);
        }
        let ones = symbols.iter().map(|b| u64::from(b.count_ones())).sum();
        (histogram, sums, ones, pairs)
    }

    #[test]
    fn every_way_to_a_view_gives_the_definition() {
        let all = Views::HISTOGRAM | Views::SUMS | Views::PAIRS | Views::ONES;
        let sets = [
            all,
            Views::HISTOGRAM,
            Views::SUMS,
            Views::ONES,
            Views::SUMS | Views::ONES,
            Views::HISTOGRAM | Views::SUMS,
            Views::PAIRS | Views::SUMS,
            Views::PAIRS | Views::ONES,
        ];
        let mut workspace = Workspace::new();
        for (seed, len) in [
            (1, 0),
            (2, 1),
            (3, 7),
            (4, TABLE_FROM - 1),
            (5, TABLE_FROM),
            (6, MAX_SYMBOLS),
        ] {
            let mut symbols = seeded(seed, len);
            // Runs of one value too, where the pair table's cells fill up.
            if len > 100 {
                symbols[10..90].fill(0xFF);
            }
            let (histogram, sums, ones, pairs) = plain(&symbols);
            for views in sets {
                let chunk = Chunk::new(&symbols, views, &mut workspace);
                if views.contains(Views::HISTOGRAM) {
                    assert_eq!(chunk.histogram(), &histogram, "{views:?} {len}");
                }
                if views.contains(Views::SUMS) {
                    assert_eq!(chunk.sums(), sums, "{views:?} {len}");
                }
                if views.contains(Views::ONES) {
                    assert_eq!(chunk.ones(), ones, "{views:?} {len}");
                }
                if views.contains(Views::PAIRS) {
                    let mut counts: Box<[u32; PAIR_CELLS]> =
                        vec![1; PAIR_CELLS].into_boxed_slice().try_into().unwrap();
                    chunk.add_pairs(&mut counts);
                    assert!(
                        counts.iter().zip(&pairs).all(|(&c, &p)| c == p + 1),
                        "{len}"
                    );
                }
            }
        }
        // A chunk of one value: every pair in one cell.
        let same = vec![0xFFu8; MAX_SYMBOLS];
        let chunk = Chunk::new(&same, all, &mut workspace);
        assert_eq!(chunk.histogram()[255], MAX_SYMBOLS as u32);
        assert_eq!(chunk.sums().products, 255 * 255 * (MAX_SYMBOLS as u64 - 1));
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn fast_and_portable_kernels_agree() {
        if !fast_x86() {
            eprintln!("no AVX2/popcnt here: only the portable kernels ran");
            return;
        }
        let symbols = seeded(7, MAX_SYMBOLS);
        let mut carried = seeded(8, MAX_SYMBOLS);
        carried[..30_000].fill(7);
        for symbols in [&symbols, &carried] {
            let mut table = PairTable::new();
            table.count(symbols);
            let (low, high) = (&*table.low, table.high());
            assert_eq!(high.is_some(), symbols == &carried);
            // SAFETY: fast_x86() said the CPU has the features the fast kernels are built with.
            unsafe {
                assert_eq!(
                    column_sums::fast(low, high),
                    column_sums::portable(low, high)
                );
                let mut fast: Box<[u32; PAIR_CELLS]> =
                    vec![3; PAIR_CELLS].into_boxed_slice().try_into().unwrap();
                let mut portable = fast.clone();
                add_table::fast(low, high, &mut fast);
                add_table::portable(low, high, &mut portable);
                assert_eq!(fast, portable);
            }
        }
        // SAFETY: as above.
        unsafe {
            for len in [0, 1, 2, 9, 1000, MAX_SYMBOLS] {
                let piece = &symbols[..len];
                assert_eq!(
                    neighbour_products::fast(piece),
                    neighbour_products::portable(piece)
                );
                assert_eq!(neighbour_sums::fast(piece), neighbour_sums::portable(piece));
                assert_eq!(count_ones::fast(piece), count_ones::portable(piece));
            }
        }
    }
}
