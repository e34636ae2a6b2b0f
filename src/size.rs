//! Byte sizes as users type them: a plain number of bytes, or a number with a binary suffix
//! (`K`, `M`, `G`, `T`, also written `KB`/`KiB`, ...). Every suffix is a power of 1024, as in
//! PractRand, because users compare our "fails at 2^N bytes" figures with PractRand's.

use crate::Error;

/// Parses a size such as `4096`, `64K`, `1.5M` is rejected (sizes are whole), `256MiB`, `1G`.
/// Zero is rejected: no test can say anything about an empty stream.
pub fn parse_size(input: &str) -> Result<u64, Error> {
    let invalid = |reason: &str| Error::InvalidSize {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let text = input.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    if number.is_empty() {
        return Err(invalid(
            "expected a whole number of bytes, optionally followed by K, M, G or T",
        ));
    }
    if suffix.starts_with(['.', ',']) {
        return Err(invalid(
            "sizes are whole numbers of bytes (write 1536K, not 1.5M)",
        ));
    }
    let shift = match suffix.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(invalid("unknown suffix; use K, M, G or T (powers of 1024)")),
    };
    let value: u64 = number.parse().map_err(|_| invalid("number too large"))?;
    let bytes = value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| invalid("too large (more than 2^64 bytes)"))?;
    if bytes == 0 {
        return Err(invalid("must be at least 1 byte"));
    }
    Ok(bytes)
}

/// Formats a byte count the way `parse_size` reads it back, using the largest exact suffix.
pub fn format_size(bytes: u64) -> String {
    for (shift, suffix) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{}", bytes >> shift, suffix);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_powers_of_1024() {
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1K").unwrap(), 1024);
        assert_eq!(parse_size("1kib").unwrap(), 1024);
        assert_eq!(parse_size("256M").unwrap(), 256 << 20);
        assert_eq!(parse_size("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_size("2T").unwrap(), 2 << 40);
        assert_eq!(parse_size("7B").unwrap(), 7);
    }

    #[test]
    fn bad_sizes_are_rejected_with_a_reason() {
        for bad in ["0", "-1", "12Q", "99999999999T", "", "K", "1.5M", "0K"] {
            let err = parse_size(bad).unwrap_err().to_string();
            assert!(err.contains("invalid size"), "{bad}: {err}");
        }
    }

    #[test]
    fn format_round_trips() {
        for n in [1u64, 1000, 1024, 3 << 20, 1 << 30, 5 << 40, 1025] {
            assert_eq!(parse_size(&format_size(n)).unwrap(), n);
        }
    }
}
