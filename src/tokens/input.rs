//! Reading tokens: one per line from any reader, into per-position columns.
//!
//! This file owns what counts as a token and what counts as bad input. A token is a line (LF or
//! CRLF); lines that are empty or only whitespace are skipped; a line must be valid UTF-8 and at
//! most [`MAX_LINE_BYTES`] long. Lines are read one at a time through a bounded window, so a
//! file with no line breaks cannot exhaust memory before it is rejected.
//!
//! Each position (character index) gets a [`Column`]: the characters seen there and, for every
//! token long enough to have the position, the index of its character, in input order. The
//! analysis needs that order (transitions between successive tokens, the bit stream of a
//! position), so the columns are kept rather than only counted: 4 bytes per character of input.
//! Whole tokens are also kept once each, with their number of occurrences, to count collisions
//! exactly.

use crate::Error;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Read};

/// The longest line accepted, in bytes without its line break (100 KiB, as every size in this
/// crate counts K as 1024).
pub const MAX_LINE_BYTES: usize = 100 * 1024;
/// The fewest tokens anything can be said about: tests compare tokens with each other.
pub const MIN_TOKENS: u64 = 2;

/// One character position across all tokens that are long enough to have it.
#[derive(Clone, Debug, Default)]
pub struct Column {
    /// Characters in the order they were first seen; `symbols` index into this.
    chars: Vec<char>,
    /// Index of each ASCII character in `chars`, `u32::MAX` when not seen yet.
    ascii: Vec<u32>,
    others: HashMap<char, u32>,
    /// The character of every token that has this position, in input order.
    symbols: Vec<u32>,
}

impl Column {
    fn new() -> Self {
        Column {
            ascii: vec![u32::MAX; 128],
            ..Column::default()
        }
    }

    fn push(&mut self, c: char) {
        let next = self.chars.len() as u32;
        let slot = if c.is_ascii() {
            &mut self.ascii[c as usize]
        } else {
            self.others.entry(c).or_insert(u32::MAX)
        };
        if *slot == u32::MAX {
            *slot = next;
            self.chars.push(c);
        }
        self.symbols.push(*slot);
    }

    /// The observed character set, sorted by code point.
    pub fn charset(&self) -> Vec<char> {
        let mut sorted = self.chars.clone();
        sorted.sort_unstable();
        sorted
    }

    /// The symbols re-numbered by rank in the sorted character set, in input order.
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.chars.len() as u32).collect();
        order.sort_unstable_by_key(|&i| self.chars[i as usize]);
        let mut rank = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        self.symbols.iter().map(|&s| rank[s as usize]).collect()
    }

    /// Tokens that have this position.
    pub fn present(&self) -> u64 {
        self.symbols.len() as u64
    }

    /// Distinct characters seen at this position.
    pub fn charset_size(&self) -> usize {
        self.chars.len()
    }
}

/// Everything the analysis needs from the input.
#[derive(Clone, Debug, Default)]
pub struct TokenSet {
    pub(crate) columns: Vec<Column>,
    /// The length in characters of every token, in input order.
    pub(crate) lengths: Vec<u32>,
    /// How often each distinct token occurred.
    pub(crate) occurrences: HashMap<Box<str>, u64>,
}

impl TokenSet {
    /// Tokens read.
    pub fn tokens(&self) -> u64 {
        self.lengths.len() as u64
    }

    /// Distinct tokens among them.
    pub fn distinct(&self) -> u64 {
        self.occurrences.len() as u64
    }

    /// Pairs of tokens that are equal: Σ C(m, 2) over distinct tokens seen m times. This, not
    /// the number of repeated tokens, is what the birthday bound n(n − 1)/2 · 2^−E predicts.
    pub fn colliding_pairs(&self) -> u64 {
        self.occurrences.values().map(|&m| m * (m - 1) / 2).sum()
    }

    /// The distinct token lengths, shortest first.
    pub fn lengths(&self) -> Vec<usize> {
        let mut lengths: Vec<usize> = self.lengths.iter().map(|&l| l as usize).collect();
        lengths.sort_unstable();
        lengths.dedup();
        lengths
    }

    /// The tokens of each length as a set of their own, shortest length first, each in input
    /// order. Tokens are rebuilt from the columns (every token's characters are there, in order),
    /// so the input need not be read twice.
    pub fn split_by_length(&self) -> Vec<(usize, TokenSet)> {
        let mut groups: BTreeMap<usize, TokenSet> = BTreeMap::new();
        let mut cursors = vec![0usize; self.columns.len()];
        let mut token = String::new();
        for &length in &self.lengths {
            token.clear();
            for (column, cursor) in self.columns.iter().zip(&mut cursors).take(length as usize) {
                token.push(column.chars[column.symbols[*cursor] as usize]);
                *cursor += 1;
            }
            groups.entry(length as usize).or_default().push(&token);
        }
        groups.into_iter().collect()
    }

    /// Adds one token (a line without its line break).
    fn push(&mut self, token: &str) {
        let mut length = 0u32;
        for (position, c) in token.chars().enumerate() {
            if position == self.columns.len() {
                self.columns.push(Column::new());
            }
            self.columns[position].push(c);
            length += 1;
        }
        self.lengths.push(length);
        *self.occurrences.entry(token.into()).or_insert(0) += 1;
    }

    /// The characters of two positions `first < second` in every token that has both, in input
    /// order: tokens are aligned through their lengths (a token that has `second` has `first`).
    /// `a` and `b` are the two columns' symbols (ranks) in input order.
    pub(crate) fn aligned_pairs(
        &self,
        (first, a): (usize, &[u32]),
        (second, b): (usize, &[u32]),
    ) -> Vec<(u32, u32)> {
        let mut pairs = Vec::with_capacity(b.len());
        let (mut i, mut j) = (0usize, 0usize);
        for &length in &self.lengths {
            let length = length as usize;
            if length > first {
                if length > second {
                    pairs.push((a[i], b[j]));
                    j += 1;
                }
                i += 1;
            }
        }
        pairs
    }
}

/// Reads tokens from a file, or from stdin when `path` is `-`; returns them with the input's
/// name for reports (`stdin` or the path).
pub fn read_path(path: &str) -> Result<(TokenSet, String), Error> {
    if path == "-" {
        let stdin = std::io::stdin();
        return Ok((read_tokens(stdin.lock(), "stdin")?, "stdin".to_string()));
    }
    // The I/O cause stays the error's source (callers can inspect its kind); `Error::Read`'s
    // message leaves it out, so the binary, printing the chain, says it once.
    let unreadable = |source| Error::Read {
        what: path.to_string(),
        source,
    };
    if std::fs::metadata(path).map_err(unreadable)?.is_dir() {
        return Err(Error::Usage(format!(
            "{path} is a directory; give a file of tokens (one per line) or - for stdin"
        )));
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let set = read_tokens(std::io::BufReader::with_capacity(1 << 16, file), path)?;
    Ok((set, path.to_string()))
}

/// Reads tokens, one per line, from `reader`; `source` names the input in error messages.
pub fn read_tokens(reader: impl BufRead, source: &str) -> Result<TokenSet, Error> {
    let mut reader = reader;
    let mut set = TokenSet::default();
    let mut line = Vec::new();
    let mut number = 0u64;
    // A line break is one or two bytes, so a window of MAX + 2 bytes holds any acceptable line
    // with its break; a window that fills without one holds a line that is too long.
    let window = MAX_LINE_BYTES as u64 + 2;
    loop {
        line.clear();
        let read = reader
            .by_ref()
            .take(window)
            .read_until(b'\n', &mut line)
            .map_err(|error| Error::Read {
                what: source.to_string(),
                source: error,
            })?;
        if read == 0 {
            break;
        }
        number += 1;
        let had_break = line.last() == Some(&b'\n');
        if had_break {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > MAX_LINE_BYTES || (!had_break && read as u64 == window) {
            return Err(Error::Usage(format!(
                "{source}: line {number} is longer than 100 KB ({MAX_LINE_BYTES} bytes); \
                 expected one token per line"
            )));
        }
        let text = std::str::from_utf8(&line).map_err(|error| {
            Error::Usage(format!(
                "{source}: line {number} is not valid UTF-8 (bad byte at column {})",
                error.valid_up_to() + 1
            ))
        })?;
        if text.trim().is_empty() {
            continue;
        }
        set.push(text);
    }
    match set.tokens() {
        0 => Err(Error::Usage(format!(
            "{source}: no tokens (the input is empty or has only blank lines)"
        ))),
        n if n < MIN_TOKENS => Err(Error::Usage(format!(
            "{source}: only {n} token; at least {MIN_TOKENS} are needed to analyse (20,000 or \
             more for every test, the FIPS 140-2 bit tests included)"
        ))),
        _ => Ok(set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<TokenSet, Error> {
        read_tokens(text, "input")
    }

    fn message(result: Result<TokenSet, Error>) -> String {
        result.expect_err("an error").to_string()
    }

    #[test]
    fn lines_crlf_and_blank_lines() {
        let set = read(b"ab\r\n\ncd\n  \r\nef").unwrap();
        assert_eq!(set.tokens(), 3);
        assert_eq!(set.columns.len(), 2);
        assert_eq!(set.columns[0].charset(), vec!['a', 'c', 'e']);
        assert_eq!(set.columns[1].ranks(), vec![0, 1, 2]);
    }

    #[test]
    fn ranks_follow_the_sorted_charset_not_first_appearance() {
        let set = read(b"z\na\nm\na\n").unwrap();
        assert_eq!(set.columns[0].charset(), vec!['a', 'm', 'z']);
        assert_eq!(set.columns[0].ranks(), vec![2, 0, 1, 0]);
    }

    #[test]
    fn collisions_are_counted_in_pairs() {
        // "x" three times is C(3, 2) = 3 colliding pairs; "y" twice is 1.
        let set = read(b"x\ny\nx\nx\ny\nz\n").unwrap();
        assert_eq!(
            (set.tokens(), set.distinct(), set.colliding_pairs()),
            (6, 3, 4)
        );
    }

    #[test]
    fn variable_lengths_align_positions_by_token() {
        let set = read("ab\nc\ndef\ngh\n".as_bytes()).unwrap();
        assert_eq!(set.columns[2].present(), 1);
        // Positions 0 and 1 of "ab", "def", "gh" (ranks in {a,c,d,g} and {b,e,h}).
        let ranks: Vec<Vec<u32>> = set.columns.iter().map(Column::ranks).collect();
        let pairs = |i: usize, j: usize| set.aligned_pairs((i, &ranks[i]), (j, &ranks[j]));
        assert_eq!(pairs(0, 1), vec![(0, 0), (2, 1), (3, 2)]);
        assert_eq!(pairs(1, 2), vec![(1, 0)]);
    }

    #[test]
    fn split_by_length_keeps_each_length_in_order() {
        let set = read("ab\nc\ndef\ngh\néf\nxyz\n".as_bytes()).unwrap();
        assert_eq!(set.lengths(), vec![1, 2, 3]);
        let groups = set.split_by_length();
        let lengths: Vec<usize> = groups.iter().map(|(l, _)| *l).collect();
        assert_eq!(lengths, vec![1, 2, 3]);
        let (_, two) = &groups[1];
        assert_eq!(two.tokens(), 3);
        assert_eq!(two.columns.len(), 2);
        // "ab", "gh", "éf" in input order: ranks over {a, g, é} and {b, f, h}.
        assert_eq!(two.columns[0].ranks(), vec![0, 1, 2]);
        assert_eq!(two.columns[1].ranks(), vec![0, 2, 1]);
        let (_, three) = &groups[2];
        assert_eq!(three.columns[0].charset(), vec!['d', 'x']);
        assert_eq!(three.distinct(), 2);
    }

    #[test]
    fn non_ascii_characters_are_positions_too() {
        let set = read("é1\nß2\né3\n".as_bytes()).unwrap();
        assert_eq!(set.columns.len(), 2);
        assert_eq!(set.columns[0].charset(), vec!['ß', 'é']);
    }

    #[test]
    fn bad_input_gets_one_clear_message() {
        assert_eq!(
            message(read(b"")),
            "input: no tokens (the input is empty or has only blank lines)"
        );
        assert_eq!(
            message(read(b"\n \r\n\n")),
            "input: no tokens (the input is empty or has only blank lines)"
        );
        assert!(message(read(b"only-one\n"))
            .starts_with("input: only 1 token; at least 2 are needed to analyse"));
        assert_eq!(
            message(read(b"ok\nab\xffcd\n")),
            "input: line 2 is not valid UTF-8 (bad byte at column 3)"
        );
    }

    #[test]
    fn long_lines_are_rejected_without_reading_them_whole() {
        let mut text = b"ok\n".to_vec();
        text.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES));
        text.extend(b"\r\nok\n");
        // Exactly the limit (with CRLF) is accepted.
        assert_eq!(read(&text).unwrap().tokens(), 3);
        let mut long = b"ok\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES + 1));
        long.push(b'\n');
        assert_eq!(
            message(read(&long)),
            "input: line 2 is longer than 100 KB (102400 bytes); expected one token per line"
        );
        // No line break at all: rejected after the window, however long the rest.
        let endless = vec![b'a'; 3 * MAX_LINE_BYTES];
        assert!(message(read(&endless)).contains("line 1 is longer than 100 KB"));
    }
}
