//! The headline ratios of a bench run ("os is 33.8× slower than threadrng per 16-byte
//! request"), from rows of the same run. Its own module because it reads Python's cases
//! ([`super::python::CASES`]) and the output's table reads it: kept in `bench/mod.rs`, it
//! would close a circle with both.

use super::python;
use super::types::{three_digits, with_unit, Mode, Row, RowKind};

/// One ratio worth quoting, from figures measured in the same run.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// The first of the two figures compared, as the headline names it.
    pub first: String,
    /// The figure it is compared with.
    pub second: String,
    /// How they were compared: "per 16-byte request", "in bulk on one thread".
    pub context: &'static str,
    /// How many times longer the first takes than the second for the same work (below 1:
    /// the first is faster).
    pub ratio: f64,
    /// The two medians, for the reader to check.
    pub figures: String,
}

impl Headline {
    /// "os is 33.8× slower than threadrng per 16-byte request (928 ns vs 27.5 ns)".
    pub fn sentence(&self) -> String {
        let (factor, comparison) = if self.ratio >= 1.0 {
            (self.ratio, "slower")
        } else {
            (1.0 / self.ratio, "faster")
        };
        format!(
            "{} is {}× {comparison} than {} {} ({})",
            self.first,
            three_digits(factor),
            self.second,
            self.context,
            self.figures
        )
    }
}

/// The ratios the README quotes, for the rows present: the OS generator against ThreadRng per
/// 16-byte call, ChaCha20 against Xoshiro256++ in bulk, and each Python call against the Rust
/// code that does the same work.
pub fn headlines(rows: &[Row]) -> Vec<Headline> {
    let find = |kind: Option<RowKind>, source: &str, mode: Mode| {
        rows.iter().find(|row| {
            row.source == source && row.mode == mode && kind.is_none_or(|k| row.kind == k)
        })
    };
    let mut headlines = Vec::new();
    let mut compare = |first: Option<&Row>, second: Option<&Row>, context: &'static str| {
        let (Some(first), Some(second)) = (first, second) else {
            return;
        };
        let (a, b) = (first.median(), second.median());
        // A rate is slow when it is small, a cost when it is large.
        let ratio = if first.mode.is_bulk() { b / a } else { a / b };
        if ratio.is_finite() && ratio > 0.0 {
            let name = |row: &Row| match row.kind {
                RowKind::Python => format!("Python's {}", row.source),
                _ => row.source.clone(),
            };
            headlines.push(Headline {
                first: name(first),
                second: name(second),
                context,
                ratio,
                figures: format!(
                    "{} vs {}",
                    with_unit(a, first.unit()),
                    with_unit(b, second.unit())
                ),
            });
        }
    };
    compare(
        find(None, "os", Mode::Call16),
        find(None, "threadrng", Mode::Call16),
        "per 16-byte request",
    );
    compare(
        find(None, "chacha20", Mode::Bulk),
        find(None, "xoshiro256pp", Mode::Bulk),
        "in bulk on one thread",
    );
    for case in python::CASES {
        let Some(rust) = case.rust else {
            continue;
        };
        let rust_row = rows
            .iter()
            .find(|row| row.source == rust && row.mode == case.mode && row.kind != RowKind::Python);
        compare(
            find(Some(RowKind::Python), case.name, case.mode),
            rust_row,
            "per call",
        );
    }
    headlines
}
