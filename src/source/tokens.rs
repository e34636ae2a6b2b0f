//! Token generators with the semantics of Python's `secrets` and `uuid` modules.
//!
//! Each token is produced as Python produces it (the same random bytes, the same text) and then
//! decoded back to its random payload, which is what the battery tests: hex and base64url back
//! to their 16 bytes, uuid4 to its 122 random bits (the version nibble and variant bits are
//! fixed, never counted as randomness) packed most-significant first, and `choice62` as symbols
//! over an alphabet of 62. Encoding and decoding run on every token, so an encoding bug shows
//! up as a failing report, not as silently perfect data.
//!
//! The entropy comes from the OS (as in Python), read through a buffer: how many bytes each
//! getrandom call returns does not change their distribution, and per-call costs are measured
//! by the benchmark, not here. Unit tests substitute a seeded generator.

use super::{Kind, Source, SymbolStream};
use rand::Rng;

/// `secrets.token_bytes(16)`: 16 bytes per token, tested as bytes.
pub const TOKEN_BYTES16: Source = token_source::<TokenBytes>(
    "token_bytes16",
    256,
    "secrets.token_bytes(16): 16 bytes from os.urandom",
);
/// `secrets.token_hex(16)`: 32 lowercase hex digits per token, decoded back to its 16 bytes.
pub const TOKEN_HEX16: Source = token_source::<TokenHex>(
    "token_hex16",
    256,
    "secrets.token_hex(16): 32 hex digits, decoded back to 16 bytes",
);
/// `secrets.token_urlsafe(16)`: 22 base64url characters per token, decoded back to its 16
/// bytes.
pub const TOKEN_URLSAFE16: Source = token_source::<TokenUrlsafe>(
    "token_urlsafe16",
    256,
    "secrets.token_urlsafe(16): 22 base64url characters, decoded back to 16 bytes",
);
/// `secrets.choice` over [`ALPHABET62`]: one character per token, tested as a symbol in 0..62.
pub const CHOICE62: Source = token_source::<Choice62>(
    "choice62",
    62,
    "secrets.choice(ascii_letters + digits): symbols over an alphabet of 62",
);
/// `uuid.uuid4()`: the 122 random bits of each UUID, packed most-significant first into bytes.
pub const UUID4: Source = token_source::<Uuid4>(
    "uuid4",
    256,
    "uuid.uuid4(): its 122 random bits, version and variant bits left out",
);

const fn token_source<T: TokenScheme>(
    name: &'static str,
    alphabet: u16,
    summary: &'static str,
) -> Source {
    Source {
        name,
        kind: Kind::Token,
        alphabet,
        summary,
        caught_by: &[],
        seek: None,
        open: |_| Box::new(TokenStream::<T, _>::new(OsBuffered::default())),
    }
}

/// One way of making a token from random bytes and reading its payload back.
pub trait TokenScheme: Default + Send + 'static {
    /// Makes the next token as Python would, decodes it, and appends its payload symbols.
    fn next_payload(&mut self, entropy: &mut dyn Rng, payload: &mut Vec<u8>);
}

/// Turns a token scheme into a symbol stream, holding the part of a token that did not fit.
pub struct TokenStream<T, R> {
    scheme: T,
    entropy: R,
    pending: Vec<u8>,
    position: usize,
}

impl<T: TokenScheme, R: Rng + Send> TokenStream<T, R> {
    /// A stream of tokens whose random bytes are drawn from `entropy` (the OS, or a seeded
    /// generator in tests).
    pub fn new(entropy: R) -> Self {
        TokenStream {
            scheme: T::default(),
            entropy,
            pending: Vec::with_capacity(64),
            position: 0,
        }
    }
}

impl<T: TokenScheme, R: Rng + Send> SymbolStream for TokenStream<T, R> {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut written = 0;
        while written < out.len() {
            if self.position == self.pending.len() {
                self.pending.clear();
                self.position = 0;
                self.scheme
                    .next_payload(&mut self.entropy, &mut self.pending);
            }
            let take = (self.pending.len() - self.position).min(out.len() - written);
            out[written..written + take]
                .copy_from_slice(&self.pending[self.position..self.position + take]);
            self.position += take;
            written += take;
        }
        Ok(out.len())
    }
}

/// The OS generator read 4 KiB at a time. A failing getrandom (no OS generator at all) cannot
/// be reported through `Rng`, so it aborts the process with the OS error.
#[derive(Default)]
pub struct OsBuffered {
    buffer: Vec<u8>,
    position: usize,
}

impl rand::TryRng for OsBuffered {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dest {
            if self.position == self.buffer.len() {
                self.buffer.resize(4096, 0);
                if let Err(error) = getrandom::fill(&mut self.buffer) {
                    eprintln!("rngaudit: the OS random generator failed: {error}");
                    std::process::exit(2);
                }
                self.position = 0;
            }
            *byte = self.buffer[self.position];
            self.position += 1;
        }
        Ok(())
    }
}

/// `secrets.token_bytes(16)`: the payload is the 16 random bytes themselves.
#[derive(Default)]
pub struct TokenBytes;

impl TokenScheme for TokenBytes {
    fn next_payload(&mut self, entropy: &mut dyn Rng, payload: &mut Vec<u8>) {
        let mut token = [0u8; 16];
        entropy.fill_bytes(&mut token);
        payload.extend_from_slice(&token);
    }
}

/// `secrets.token_hex(16)`: 16 random bytes written as hex and decoded back.
#[derive(Default)]
pub struct TokenHex;

impl TokenScheme for TokenHex {
    fn next_payload(&mut self, entropy: &mut dyn Rng, payload: &mut Vec<u8>) {
        let mut token = [0u8; 16];
        entropy.fill_bytes(&mut token);
        let text = encode_hex(&token);
        payload.extend(decode_hex(&text).expect("our own hex decodes"));
    }
}

/// `secrets.token_urlsafe(16)`: 16 random bytes written as unpadded base64url and decoded back.
#[derive(Default)]
pub struct TokenUrlsafe;

impl TokenScheme for TokenUrlsafe {
    fn next_payload(&mut self, entropy: &mut dyn Rng, payload: &mut Vec<u8>) {
        let mut token = [0u8; 16];
        entropy.fill_bytes(&mut token);
        let text = encode_base64url(&token);
        payload.extend(decode_base64url(&text).expect("our own base64url decodes"));
    }
}

/// Python's `string.ascii_letters + string.digits`, in Python's order.
pub const ALPHABET62: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `secrets.choice` over [`ALPHABET62`], drawn as Python draws it (rejection sampling of
/// 6-bit values); the payload is the character's index, 0..62.
#[derive(Default)]
pub struct Choice62;

impl TokenScheme for Choice62 {
    /// `secrets.choice(seq)` is `seq[SystemRandom()._randbelow(len(seq))]`, which draws
    /// `getrandbits(6)` (one os.urandom byte shifted right by 2, Lib/random.py) until it is
    /// below 62: rejection sampling, no modulo bias.
    fn next_payload(&mut self, entropy: &mut dyn Rng, payload: &mut Vec<u8>) {
        let index = loop {
            let mut byte = [0u8; 1];
            entropy.fill_bytes(&mut byte);
            let candidate = byte[0] >> 2;
            if candidate < 62 {
                break candidate;
            }
        };
        let character = ALPHABET62[usize::from(index)];
        let decoded = ALPHABET62
            .iter()
            .position(|&c| c == character)
            .expect("character from the alphabet");
        payload.push(decoded as u8);
    }
}

/// `uuid.uuid4()`: 16 random bytes formatted as a version-4 UUID, parsed back, and its 122
/// random bits packed into bytes (the 6 fixed version and variant bits left out).
#[derive(Default)]
pub struct Uuid4 {
    bits: BitPacker,
}

impl TokenScheme for Uuid4 {
    fn next_payload(&mut self, entropy: &mut dyn Rng, payload: &mut Vec<u8>) {
        let mut bytes = [0u8; 16];
        entropy.fill_bytes(&mut bytes);
        let text = format_uuid4(bytes);
        let value = u128::from_be_bytes(parse_uuid(&text).expect("our own uuid parses"));
        let (high, low) = uuid4_random_bits(value);
        self.bits.push(high, 61, payload);
        self.bits.push(low, 61, payload);
    }
}

/// Python's `uuid.UUID(bytes=b, version=4)`: the version nibble (bits 48–51 from the most
/// significant) set to 0100 and the variant bits (64–65) to 10 (RFC 9562 §5.4).
pub fn format_uuid4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex = encode_hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The 16 bytes of a uuid in its 8-4-4-4-12 text form.
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let digits: String = text.chars().filter(|&c| c != '-').collect();
    if digits.len() != 32 || text.len() != 36 {
        return None;
    }
    decode_hex(&digits)?.try_into().ok()
}

/// The 122 random bits of a version-4 uuid, as two 61-bit halves: the 128 bits with bits
/// 48–51 (version) and 64–65 (variant), counted from the most significant, removed.
pub fn uuid4_random_bits(value: u128) -> (u64, u64) {
    let top48 = value >> 80;
    let middle12 = (value >> 64) & 0xFFF;
    let low62 = value & ((1u128 << 62) - 1);
    let random = (top48 << 74) | (middle12 << 62) | low62;
    ((random >> 61) as u64, (random & ((1u128 << 61) - 1)) as u64)
}

/// Packs bit strings most-significant first into bytes.
#[derive(Default)]
pub struct BitPacker {
    accumulator: u128,
    count: u32,
}

impl BitPacker {
    /// Appends the low `width` bits of `bits` (width at most 64) and emits every full byte.
    pub fn push(&mut self, bits: u64, width: u32, out: &mut Vec<u8>) {
        self.accumulator = (self.accumulator << width) | u128::from(bits);
        self.count += width;
        while self.count >= 8 {
            self.count -= 8;
            out.push((self.accumulator >> self.count) as u8);
        }
        self.accumulator &= (1u128 << self.count) - 1;
    }
}

/// Lowercase hex of `bytes`, two digits per byte, as Python's `bytes.hex()` writes it.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(2 * bytes.len());
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    text
}

/// The bytes of a hex string (either case), or `None` when its length is odd or a character is
/// not a hex digit.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? << 4) | digit(pair[1])?))
        .collect()
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `base64.urlsafe_b64encode(bytes).rstrip(b'=')`, as `secrets.token_urlsafe` does.
pub fn encode_base64url(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let mut padded = [0u8; 3];
        padded[..group.len()].copy_from_slice(group);
        let value = u32::from_be_bytes([0, padded[0], padded[1], padded[2]]);
        for index in 0..=group.len() {
            let sextet = (value >> (18 - 6 * index)) & 63;
            text.push(char::from(BASE64URL[sextet as usize]));
        }
    }
    text
}

/// Decodes unpadded base64url; the bits past the last whole byte must be zero (RFC 4648 §3.5
/// lets decoders reject otherwise, and Python's encoder always writes zeros there).
pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut accumulator = 0u32;
    let mut count = 0u32;
    for c in text.bytes() {
        let value = BASE64URL.iter().position(|&d| d == c)? as u32;
        accumulator = (accumulator << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((accumulator >> count) as u8);
            accumulator &= (1 << count) - 1;
        }
    }
    (accumulator == 0 && count < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn seeded<T: TokenScheme>(seed: u64) -> TokenStream<T, rand_chacha::ChaCha20Rng> {
        TokenStream::new(rand_chacha::ChaCha20Rng::seed_from_u64(seed))
    }

    #[test]
    fn hex_and_base64url_match_python() {
        // CPython 3.11: bytes(range(16)).hex() and
        // base64.urlsafe_b64encode(bytes(range(16))).rstrip(b'=') (RFC 4648 alphabet).
        let bytes: Vec<u8> = (0..16).collect();
        assert_eq!(encode_hex(&bytes), "000102030405060708090a0b0c0d0e0f");
        assert_eq!(encode_base64url(&bytes), "AAECAwQFBgcICQoLDA0ODw");
        // b'\xfb\xff' -> '-_8' shows the two url-safe characters.
        assert_eq!(encode_base64url(&[0xFB, 0xFF]), "-_8");
        // RFC 4648 §10 test vectors, unpadded.
        assert_eq!(encode_base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode_base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(decode_base64url("Zm9vYmE").unwrap(), b"fooba");
        assert_eq!(decode_base64url("-_8").unwrap(), vec![0xFB, 0xFF]);
        assert_eq!(decode_hex("00ff10").unwrap(), vec![0, 255, 16]);
        assert!(decode_hex("0g").is_none());
        assert!(decode_base64url("Zm9=").is_none());
        // Nonzero bits after the last byte are not what Python's encoder writes.
        assert!(decode_base64url("-_9").is_none());
    }

    #[test]
    fn uuid4_matches_python() {
        // CPython 3.11: str(uuid.UUID(bytes=bytes(range(16)), version=4))
        //   == '00010203-0405-4607-8809-0a0b0c0d0e0f'
        let text = format_uuid4(core::array::from_fn(|i| i as u8));
        assert_eq!(text, "00010203-0405-4607-8809-0a0b0c0d0e0f");
        assert_eq!(parse_uuid(&text).unwrap()[6], 0x46);
        assert!(parse_uuid("00010203-0405-4607-8809-0a0b0c0d0e0").is_none());
    }

    #[test]
    fn uuid4_payload_drops_exactly_the_fixed_bits() {
        // All-ones random bytes: the 122 random bits are all ones whatever the fixed bits are.
        let value = u128::from_be_bytes(parse_uuid(&format_uuid4([0xFF; 16])).unwrap());
        assert_eq!(uuid4_random_bits(value), ((1 << 61) - 1, (1 << 61) - 1));
        // All-zero bytes: the version (0100) and variant (10) bits are set, yet none survive.
        let value = u128::from_be_bytes(parse_uuid(&format_uuid4([0; 16])).unwrap());
        assert_eq!(uuid4_random_bits(value), (0, 0));
        // Four uuids are 488 bits: exactly 61 bytes.
        let mut packer = BitPacker::default();
        let mut out = Vec::new();
        for _ in 0..8 {
            packer.push((1 << 61) - 1, 61, &mut out);
        }
        assert_eq!(out, vec![0xFF; 61]);
    }

    #[test]
    fn choice62_is_unbiased_rejection_sampling() {
        let mut stream = seeded::<Choice62>(5);
        let mut symbols = vec![0u8; 62 * 4000];
        stream.fill(&mut symbols).unwrap();
        let mut counts = [0u32; 62];
        for &s in &symbols {
            counts[usize::from(s)] += 1;
        }
        // χ² of uniformity over 61 degrees of freedom; its 99.9% point is 100.9 (scipy
        // chi2.isf(0.001, 61) = 100.888), so this check has a false-alarm probability of 0.1%
        // for an unbiased sampler, and is deterministic under the fixed seed.
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - 4000.0).powi(2) / 4000.0)
            .sum();
        assert!(chi2 < 100.888, "{chi2}");
    }

    #[test]
    fn token_streams_carry_the_generators_bytes() {
        // Hex and base64url streams decode back to exactly the bytes drawn.
        let mut raw = vec![0u8; 4096];
        seeded::<TokenBytes>(9).fill(&mut raw).unwrap();
        for mut stream in [
            Box::new(seeded::<TokenHex>(9)) as Box<dyn SymbolStream>,
            Box::new(seeded::<TokenUrlsafe>(9)),
        ] {
            let mut decoded = vec![0u8; 4096];
            stream.fill(&mut decoded).unwrap();
            assert_eq!(decoded, raw);
        }
    }
}
