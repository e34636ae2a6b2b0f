//! Property tests (proptest) of the parsers that read what users type or bring: the size
//! parser and the ASCII 0/1 readers. Each property runs proptest's default 256 cases; for a
//! longer hunt, `PROPTEST_CASES=100000 cargo test --release --test fuzz`. The cases come from a
//! fixed seed, so CI is deterministic; set `PROPTEST_RNG_SEED=N` to explore other cases.
//! proptest shrinks any failure to a minimal input and records it under `proptest-regressions/`.

use proptest::prelude::*;
use rngaudit::battery::nist::sequences::{pack_ascii01, Ascii01Packer};
use rngaudit::size::{format_size, parse_size};
use rngaudit::source::external::{ExternalInput, Format};
use rngaudit::source::SymbolStream;

/// The grammar the size parser documents, written independently of it: surrounding
/// whitespace, one or more ASCII digits, then nothing or a suffix B, K, KB, KiB, M, ... TiB in
/// any case; the value times the suffix's power of 1024 must be at least 1 and fit in 64 bits.
fn reference_size(input: &str) -> Option<u64> {
    let text = input.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (number, suffix) = text.split_at(digits);
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return None,
    };
    let mut value: u128 = 0;
    for digit in number.bytes() {
        value = value
            .checked_mul(10)?
            .checked_add(u128::from(digit - b'0'))?;
        if value > u128::from(u64::MAX) {
            return None;
        }
    }
    let bytes = value << shift;
    (bytes >= 1 && bytes <= u128::from(u64::MAX)).then_some(bytes as u64)
}

/// Strings near the grammar: digits, suffix letters, signs, dots and spaces, in any order.
fn size_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \t]{0,2}[0-9]{1,22}[ \t]{0,2}",
        "[ \t]{0,2}[0-9]{1,21}([bB]|[kKmMgGtT]([bB]|[iI][bB])?)?[ \t]{0,2}",
        "[-+ .0-9kKmMgGtTbBiIQ\u{a0}]{0,12}",
        any::<String>(),
    ]
}

/// ASCII-01 input: mostly digits and the separators STS files use, sometimes any byte.
fn ascii_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(b"0011 \n\r\tx".to_vec()), 0..600),
        prop::collection::vec(any::<u8>(), 0..600),
    ]
}

/// Cut points for splitting an input of `len` bytes into chunks.
fn cuts(input: &[u8], seeds: &[usize]) -> Vec<usize> {
    let mut points: Vec<usize> = seeds.iter().map(|s| s % (input.len() + 1)).collect();
    points.sort_unstable();
    points
}

fn digits(input: &[u8]) -> u64 {
    input.iter().filter(|&&c| c == b'0' || c == b'1').count() as u64
}

fn input_file(bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    std::fs::write(&path, bytes).unwrap();
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

/// proptest's defaults (and `PROPTEST_CASES`), with a fixed seed unless `PROPTEST_RNG_SEED`
/// names another.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(20_261_128);
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn size_parser_accepts_exactly_the_grammar(input in size_like()) {
        // Never panics, and agrees with the reference on every input, accepted or not.
        let parsed = parse_size(&input).ok();
        prop_assert_eq!(parsed, reference_size(&input), "input {:?}", input);
    }

    #[test]
    fn format_size_round_trips(bytes in prop_oneof![
        1u64..,
        (1u64..1 << 24, 0u32..=40).prop_map(|(v, s)| v.checked_shl(s).unwrap_or(v).max(1)),
    ]) {
        let text = format_size(bytes);
        prop_assert_eq!(parse_size(&text).ok(), Some(bytes), "{} -> {}", bytes, text);
        prop_assert_eq!(reference_size(&text), Some(bytes));
    }

    #[test]
    fn parsed_sizes_format_back_to_themselves(input in size_like()) {
        if let Ok(bytes) = parse_size(&input) {
            prop_assert_eq!(parse_size(&format_size(bytes)).ok(), Some(bytes));
        }
    }

    #[test]
    fn packer_counts_every_digit_in_any_chunking(
        input in ascii_like(),
        seeds in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let (whole, bits) = pack_ascii01(&input);
        prop_assert_eq!(bits, digits(&input));
        prop_assert_eq!(whole.len() as u64, bits.div_ceil(8));
        // Bit i of the packing is the i-th digit, most significant bit first.
        for (i, digit) in input.iter().filter(|&&c| c == b'0' || c == b'1').enumerate() {
            let bit = whole[i / 8] >> (7 - i % 8) & 1;
            prop_assert_eq!(bit, digit - b'0');
        }
        let mut packer = Ascii01Packer::new();
        let mut out = Vec::new();
        let mut from = 0;
        for to in cuts(&input, &seeds).into_iter().chain([input.len()]) {
            packer.push(&input[from..to], &mut out);
            from = to;
        }
        prop_assert_eq!(packer.finish(&mut out), bits);
        prop_assert_eq!(out, whole);
    }

    #[test]
    fn external_ascii_input_gives_every_digit(
        pattern in ascii_like(),
        repeats in prop_oneof![Just(1usize), 1usize..400],
        buffer in 1usize..5000,
    ) {
        // Repeating a pattern reaches inputs past the reader's 64 KiB chunks cheaply.
        let input = pattern.repeat(repeats);
        let (whole, bits) = pack_ascii01(&input);
        let (_dir, path) = input_file(&input);

        let mut reader = ExternalInput::open(&path, Format::Ascii01).unwrap();
        let mut packed = Vec::new();
        let mut counted = 0;
        loop {
            let got = reader.next_bits(&mut packed).unwrap();
            if got == 0 {
                break;
            }
            counted += got;
        }
        prop_assert_eq!(counted, bits);
        prop_assert_eq!(&packed, &whole);

        // As a symbol stream: whole bytes only, in any buffer size.
        let mut reader = ExternalInput::open(&path, Format::Ascii01).unwrap();
        let mut symbols = Vec::new();
        let mut chunk = vec![0u8; buffer];
        loop {
            let got = reader.fill(&mut chunk).unwrap();
            if got == 0 {
                break;
            }
            symbols.extend_from_slice(&chunk[..got]);
        }
        prop_assert_eq!(&symbols[..], &whole[..(bits / 8) as usize]);
    }

    #[test]
    fn external_binary_input_is_read_back_unchanged(
        input in prop::collection::vec(any::<u8>(), 0..3000),
        repeats in prop_oneof![Just(1usize), 1usize..100],
        buffer in 1usize..5000,
    ) {
        let input = input.repeat(repeats);
        let (_dir, path) = input_file(&input);
        let mut reader = ExternalInput::open(&path, Format::Bin).unwrap();
        // A size of 0 is no size at all (files in /proc report 0 and have contents), so an
        // empty file is read to its end like a pipe.
        let expected_size = (!input.is_empty()).then_some(input.len() as u64);
        prop_assert_eq!(reader.file_bytes, expected_size);
        let mut read = Vec::new();
        let mut chunk = vec![0u8; buffer];
        loop {
            let got = reader.fill(&mut chunk).unwrap();
            if got == 0 {
                break;
            }
            read.extend_from_slice(&chunk[..got]);
        }
        prop_assert_eq!(read, input);
    }
}
