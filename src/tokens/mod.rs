//! Token analysis (`rngaudit tokens`): how much of a token scheme's entropy survives
//! statistical testing, in the manner of Burp Sequencer, and how much the sample was too small
//! to test.
//!
//! This module owns the analysis of a list of tokens (one per line) and the verdict on it. The
//! tokens are read into per-position columns ([`input`]). Tokens of different lengths are
//! analysed as separate groups, one per length: a position means the same thing only among
//! tokens of one length (a shorter encoding, another code path or a variable-width field shifts
//! everything after it), and pooling unlike positions would fail good tokens. Within a group,
//! every position whose characters vary is tested at the character level ([`chars`]: uniformity
//! over its observed set, independence from the same position in the previous token,
//! independence from the previous position of the same token; [`order`]: rank correlation with
//! the line number, which a counter or a clock shows) and, when its set has a power-of-two size,
//! at the bit level ([`bits`]: FIPS 140-2 §4.9.1 on 20,000-bit blocks, correlation between the
//! bits of a character). Positions with the same set are also pooled into one uniformity test,
//! which catches a small bias spread over many positions (a modulo bias) that one position's
//! test may miss; and duplicates are tested against the birthday bound ([`entropy`]).
//!
//! Verdicts are family-wise: Holm's step-down procedure (Holm, Scand. J. Statist. 6, 1979) runs
//! over every test that ran, at level α (`--alpha`, 0.01 by default). A test is `fail` when
//! Holm rejects it at α and `weak` when it would at 10α; Holm controls the family-wise error
//! under any dependence between the tests, so good tokens fail with probability at most α
//! however many positions they have, and are `weak` with probability at most 10α.
//!
//! A pass only means something if the test could have failed. Three tests certify a position's
//! bits, each with the sample size at which it catches a defect of stated size ([`power`]):
//! uniformity (the likeliest character at twice its share: one bit of min-entropy lost), order
//! (|ρ| = 0.5 with the line number) and, for power-of-two sets, FIPS 140-2 (one 20,000-bit
//! block). A position is `tested` when all of its certifying tests ran on at least that many
//! tokens. The dependence tests (transitions, adjacent, bit correlation) run whenever their
//! approximation holds and fail a position when they reject, but certify nothing: against a
//! one-bit dependence over 62 characters (the previous character repeated at twice its share,
//! noncentrality N/61 over 3721 degrees of freedom) the transitions test at 0.01/65 has power
//! 0.53 with 20,000 tokens and needs 26,954 for 0.9 (scipy 1.17.1, ncx2.sf at chi2.isf), more
//! than Burp Sequencer's 20,000: requiring it would leave every alphanumeric token untestable.
//!
//! Entropy: a position that passes (or is weak) and is tested contributes log₂ of its observed
//! set's size. One that is not tested contributes nothing to the effective entropy; its log₂ is
//! reported as untested bits, never as effective ones. One that fails contributes at most what
//! the evidence supports: its most-common-value min-entropy, or, when a failed test showed that
//! the previous token (transitions, order) or the previous character (adjacent) predicts it, the
//! min-entropy left once that is known if it is less ([`entropy::predictor_min_entropy`]), so a
//! counter's digits get ~0 bits. A constant position
//! (a separator, uuid4's version digit) contributes 0 and is not a failure. When the collision
//! test fails, the entropy is capped at what the observed duplicates imply.
//!
//! The verdict: `fail` when any test fails; else `insufficient` when some varying position is
//! not tested (too few tokens for a verdict: the report says how many are needed); else `weak`
//! when a test is weak; else `pass`. With several lengths, the verdict is the worst group's and
//! the entropy the weakest group's (a token drawn from a mixture of groups is at least as hard
//! to guess as one from its weakest group).
//!
//! Statistical tests find non-randomness; they never prove a token scheme secure.

pub mod bits;
pub mod chars;
pub mod entropy;
pub mod input;
pub mod order;
pub mod power;
pub mod report;

pub use input::{read_path, read_tokens, TokenSet, MAX_LINE_BYTES, MIN_TOKENS};

use std::collections::{BTreeMap, HashMap};

/// The family-wise level used when the user gives none.
pub const DEFAULT_ALPHA: f64 = 0.01;
/// Tests Holm would reject at this multiple of α (but not at α) are `weak`.
pub const WEAK_FACTOR: f64 = 10.0;
/// Printed with every result.
pub const CAVEAT: &str =
    "Statistical tests find non-randomness; they never prove a token scheme secure.";

/// A statistic with its degrees of freedom (χ² tests) and p-value.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The test statistic (χ², or a standard normal z for `order`).
    pub statistic: f64,
    /// Degrees of freedom of the χ² statistic.
    pub df: f64,
    /// The p-value, in [0, 1].
    pub p_value: f64,
    /// What was tested, for people (table size, merging).
    pub detail: String,
}

/// The verdict of a test, a position or the whole token set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No test rejected it, even at 10α.
    Pass,
    /// Not rejected at α, but at 10α.
    Weak,
    /// Rejected at α after Holm's adjustment.
    Fail,
    /// A position with one character: it carries no entropy and is not a failure.
    Constant,
    /// A test that could not run (its detail says why).
    Skipped,
    /// A position (or a token set) that the certifying tests could not check at this sample
    /// size: no test failed it, and none could have caught a defect of the stated size.
    Insufficient,
}

impl Verdict {
    /// The lowercase name reports and JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Weak => "weak",
            Verdict::Fail => "fail",
            Verdict::Constant => "constant",
            Verdict::Skipped => "skipped",
            Verdict::Insufficient => "insufficient",
        }
    }
}

/// One test on one position, a pair of positions, a group of positions, or all tokens.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TestReport {
    /// `uniformity`, `order`, `transitions`, `adjacent`, `bit_correlation`, `fips140_2`,
    /// `pooled_uniformity` or `collisions`.
    pub name: &'static str,
    /// The positions it looked at (empty for `collisions`).
    pub positions: Vec<usize>,
    /// The test statistic; `None` when the test was skipped.
    pub statistic: Option<f64>,
    /// Degrees of freedom of a χ² statistic; `None` for the tests whose p-value is a binomial
    /// tail (`fips140_2`: failed blocks; `collisions`: equal pairs), for `order` (a normal
    /// statistic) and for skipped tests.
    pub df: Option<f64>,
    /// The raw p-value in [0, 1], before Holm's adjustment; `None` when skipped.
    pub p_value: Option<f64>,
    /// The Holm-adjusted p-value: the test is rejected when it is at most α.
    pub p_holm: Option<f64>,
    /// The test's verdict after Holm's adjustment.
    pub verdict: Verdict,
    /// What was tested, for people (table size, merging), or why it was skipped.
    pub detail: String,
    /// For the certifying tests (`uniformity`, `order`, `fips140_2`): tokens needed for the
    /// test to catch its stated defect with 90% power ([`power`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_needed: Option<u64>,
    /// The FIPS 140-2 sub-test results, for `fips140_2` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fips: Option<bits::Fips>,
    /// The positions a rejection is blamed on: all of `positions`, except for `adjacent`,
    /// where the later position is the one that depends on the earlier.
    #[serde(skip)]
    blamed: Vec<usize>,
}

/// One character position.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PositionReport {
    /// The position's index in the token, from 0.
    pub index: usize,
    /// Tokens long enough to have this position (every token of its group).
    pub present: u64,
    /// Number of distinct characters observed at this position.
    pub charset_size: usize,
    /// The observed characters, sorted.
    pub charset: String,
    /// log₂ of `charset_size`: the position's entropy in bits if its characters were uniform.
    pub log2_charset: f64,
    /// SP 800-90B §6.3.1 most-common-value min-entropy.
    pub min_entropy: f64,
    /// What the position contributes to the effective entropy.
    pub entropy_bits: f64,
    /// log₂ of the set size of a position no certifying test could check: 0 otherwise.
    pub untested_bits: f64,
    /// Whether the position counts towards the entropy (every token of its group has it).
    pub counted: bool,
    /// Whether every certifying test ran on enough tokens to catch its stated defect.
    pub tested: bool,
    /// Tokens its certifying tests need (0 for a constant position).
    pub tokens_needed: u64,
    /// The smallest Holm-adjusted p-value of the tests blamed on it.
    pub p_value: Option<f64>,
    /// The position's verdict: the worst of the tests blamed on it, `constant` or `insufficient`.
    pub verdict: Verdict,
    /// Tests that failed (or were weak) here.
    pub flagged_tests: Vec<&'static str>,
}

/// How many tokens have one length.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LengthCount {
    /// The length, in characters.
    pub length: usize,
    /// Tokens of that length.
    pub tokens: u64,
}

/// How many tokens one certifying test needs, and where the sample falls short of it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Requirement {
    /// The certifying test (`uniformity`, `order` or `fips140_2`).
    pub test: &'static str,
    /// The most any position needs for this test.
    pub tokens_needed: u64,
    /// Varying positions with fewer tokens than they need for this test.
    pub positions_short: Vec<usize>,
    /// The defect the test must catch at that size, for people.
    pub defect: String,
}

/// Everything `rngaudit tokens` reports.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TokenReport {
    /// The input's name as reports show it.
    pub source: String,
    /// Tokens read (one per non-blank line).
    pub tokens: u64,
    /// Distinct tokens among them.
    pub distinct: u64,
    /// The shortest token's length, in characters.
    pub length_min: usize,
    /// The longest token's length, in characters.
    pub length_max: usize,
    /// Tokens per length, shortest first.
    pub length_distribution: Vec<LengthCount>,
    /// The significance level the Holm-adjusted p-values are compared with.
    pub alpha: f64,
    /// Entropy that the certifying tests checked (tested), net of failures. With several
    /// lengths, the smallest of the groups'.
    pub effective_entropy_bits: f64,
    /// Σ log₂ of the set sizes of positions no test could check at this sample size: not part
    /// of the effective entropy. With several lengths, the largest of the groups'.
    pub untested_bits: f64,
    /// Σ log₂ of every counted position's set size: the entropy if every test passed. With
    /// several lengths, the smallest of the groups'.
    pub nominal_entropy_bits: f64,
    /// Tokens needed for every varying position to be tested (of each length, with several).
    pub tokens_needed: u64,
    /// Per certifying test, the tokens needed.
    pub requirements: Vec<Requirement>,
    /// Pairs of equal tokens observed (Σ C(m, 2) over tokens seen m times).
    pub collisions: u64,
    /// Tokens that repeat an earlier one (tokens − distinct).
    pub duplicates: u64,
    /// Pairs of equal tokens expected at the effective entropy: n(n − 1)/2 / 2^E.
    pub expected_collisions: f64,
    /// Pairs of equal tokens expected among 10^6 tokens at the effective entropy.
    pub expected_collisions_at_1e6: f64,
    /// Pairs of equal tokens expected among 10^9 tokens at the effective entropy.
    pub expected_collisions_at_1e9: f64,
    /// Tokens after which a collision is as likely as not at the effective entropy (the birthday
    /// bound, ≈ 1.18 · 2^(E/2)).
    pub tokens_for_50pct_collision: f64,
    /// The verdict on the whole token set: the worst over positions and tests.
    pub verdict: Verdict,
    /// Positions whose verdict is `fail`, from 0.
    pub failing_positions: Vec<usize>,
    /// One report per character position.
    pub positions: Vec<PositionReport>,
    /// Every test run, in report order.
    pub tests: Vec<TestReport>,
    /// One report per token length when the tokens have several (then `positions` and `tests`
    /// are empty here and live in the groups).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<TokenReport>,
    /// Remarks for people: a capped entropy, too few tokens, what the tests cannot see.
    pub notes: Vec<String>,
    /// [`CAVEAT`], printed with every result. In JSON it is `token_caveat`: every `--json`
    /// document's envelope has a `caveat` of its own (`report::json::document`), the general
    /// one, and this sentence, the one about token schemes, must not be overwritten by it.
    #[serde(rename = "token_caveat")]
    pub caveat: &'static str,
}

impl TokenReport {
    /// Exit status 1 is for `fail` only; `weak` asks for more tokens, not for alarm.
    pub fn failed(&self) -> bool {
        self.verdict == Verdict::Fail
    }

    /// Too few tokens for a verdict: the CLI exits with its own status, so that a script never
    /// reads "no evidence" as "pass".
    pub fn insufficient(&self) -> bool {
        self.verdict == Verdict::Insufficient
    }
}

/// What one position's data look like before any verdict.
struct Column {
    charset: Vec<char>,
    ranks: Vec<u32>,
    counts: Vec<u64>,
}

/// The certifying tests, in the order requirements are reported.
const CERTIFYING: [&str; 3] = ["uniformity", "order", "fips140_2"];

/// Analyses a token set at family-wise level `alpha`; `source` names the input in the report.
/// Tokens of several lengths are analysed one length at a time (see the module documentation).
pub fn analyse(set: &TokenSet, source: &str, alpha: f64) -> TokenReport {
    if set.lengths().len() <= 1 {
        return analyse_group(set, source, alpha);
    }
    let groups: Vec<TokenReport> = set
        .split_by_length()
        .into_iter()
        .map(|(_, group)| analyse_group(&group, source, alpha))
        .collect();
    combine(set, source, alpha, groups)
}

/// The report of several length groups: the worst verdict, the weakest group's entropy.
fn combine(set: &TokenSet, source: &str, alpha: f64, groups: Vec<TokenReport>) -> TokenReport {
    let n = set.tokens();
    let fold = |f: fn(&TokenReport) -> f64, pick: fn(f64, f64) -> f64, start: f64| {
        groups.iter().map(f).fold(start, pick)
    };
    let effective = fold(|g| g.effective_entropy_bits, f64::min, f64::INFINITY);
    let nominal = fold(|g| g.nominal_entropy_bits, f64::min, f64::INFINITY);
    let untested = fold(|g| g.untested_bits, f64::max, 0.0);
    let rank = |v: Verdict| match v {
        Verdict::Fail => 3,
        Verdict::Insufficient => 2,
        Verdict::Weak => 1,
        _ => 0,
    };
    let verdict = groups
        .iter()
        .map(|g| g.verdict)
        .max_by_key(|&v| rank(v))
        .unwrap_or(Verdict::Pass);
    let mut notes = vec![format!(
        "tokens have {} lengths: each length is analysed on its own (a position means the same \
         only among tokens of one length); the figures above are the weakest group's",
        groups.len()
    )];
    for g in &groups {
        if g.verdict != Verdict::Pass {
            notes.push(format!(
                "length {}: {} tokens, verdict {}",
                g.length_min,
                g.tokens,
                g.verdict.as_str()
            ));
        }
    }
    let mut distribution = BTreeMap::new();
    for &length in &set.lengths {
        *distribution.entry(length as usize).or_insert(0u64) += 1;
    }
    TokenReport {
        source: source.to_string(),
        tokens: n,
        distinct: set.distinct(),
        length_min: groups.first().map_or(0, |g| g.length_min),
        length_max: groups.last().map_or(0, |g| g.length_max),
        length_distribution: distribution
            .into_iter()
            .map(|(length, tokens)| LengthCount { length, tokens })
            .collect(),
        alpha,
        effective_entropy_bits: effective,
        untested_bits: untested,
        nominal_entropy_bits: nominal,
        tokens_needed: groups.iter().map(|g| g.tokens_needed).max().unwrap_or(0),
        requirements: Vec::new(),
        collisions: groups.iter().map(|g| g.collisions).sum(),
        duplicates: groups.iter().map(|g| g.duplicates).sum(),
        expected_collisions: entropy::expected_collisions(n as f64, effective),
        expected_collisions_at_1e6: entropy::expected_collisions(1e6, effective),
        expected_collisions_at_1e9: entropy::expected_collisions(1e9, effective),
        tokens_for_50pct_collision: entropy::tokens_for_half_chance(effective),
        verdict,
        failing_positions: Vec::new(),
        positions: Vec::new(),
        tests: Vec::new(),
        groups,
        notes,
        caveat: CAVEAT,
    }
}

/// Analyses tokens of one length (or, for the unit tests, of any lengths: positions beyond the
/// shortest are tested where present but not counted).
fn analyse_group(set: &TokenSet, source: &str, alpha: f64) -> TokenReport {
    let n = set.tokens();
    let length_min = set.lengths.iter().copied().min().unwrap_or(0) as usize;
    let length_max = set.lengths.iter().copied().max().unwrap_or(0) as usize;
    let mut distribution = BTreeMap::new();
    for &length in &set.lengths {
        *distribution.entry(length as usize).or_insert(0u64) += 1;
    }

    let columns: Vec<Column> = set
        .columns
        .iter()
        .map(|column| {
            let charset = column.charset();
            let ranks = column.ranks();
            let mut counts = vec![0u64; charset.len()];
            for &r in &ranks {
                counts[r as usize] += 1;
            }
            Column {
                charset,
                ranks,
                counts,
            }
        })
        .collect();
    let successive = |column: &Column| -> Vec<(u32, u32)> {
        column.ranks.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let adjacent = |index: usize| -> Vec<(u32, u32)> {
        set.aligned_pairs(
            (index - 1, &columns[index - 1].ranks),
            (index, &columns[index].ranks),
        )
    };

    let mut tests = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        let size = column.charset.len();
        if size < 2 {
            continue;
        }
        tests.push(test_report(
            "uniformity",
            vec![index],
            chars::uniformity(&column.counts),
        ));
        let mut order = test_report("order", vec![index], order::line_order(&column.ranks, size));
        // ρ is a normal statistic, not a χ² one.
        order.df = None;
        tests.push(order);
        tests.push(test_report(
            "transitions",
            vec![index],
            chars::independence(&successive(column), size, size),
        ));
        if index > 0 && columns[index - 1].charset.len() >= 2 {
            let mut report = test_report(
                "adjacent",
                vec![index - 1, index],
                chars::independence(&adjacent(index), columns[index - 1].charset.len(), size),
            );
            report.blamed = vec![index];
            tests.push(report);
        }
        if size.is_power_of_two() {
            let width = size.trailing_zeros();
            if width >= 2 {
                tests.push(test_report(
                    "bit_correlation",
                    vec![index],
                    bits::bit_correlation(&column.ranks, width),
                ));
            }
            tests.push(fips_report(index, bits::fips(&column.ranks, width)));
        }
    }
    tests.extend(pooled_tests(&columns));

    let counted: Vec<usize> = (0..length_min.min(columns.len())).collect();
    // Folds from +0.0: `Sum` for floats starts at −0.0, which would print as "-0.0 bits".
    let nominal = counted.iter().fold(0.0, |sum, &i| {
        sum + (columns[i].charset.len() as f64).log2()
    });
    let colliding = set.colliding_pairs();
    tests.push(collision_report(n, colliding, nominal));

    judge(&mut tests, alpha);

    // Sample sizes at Holm's strictest level over the whole family (every test, run or not: at
    // the sample size asked for, they all run).
    let level = alpha / tests.len() as f64;
    let order_needed = power::order_tokens(level);
    let mut uniformity_needed: HashMap<usize, u64> = HashMap::new();
    let needs = |index: usize, name: &str, cache: &mut HashMap<usize, u64>| -> u64 {
        let size = columns[index].charset.len();
        match name {
            "uniformity" => *cache
                .entry(size)
                .or_insert_with(|| power::uniformity_tokens(size, level)),
            "order" => order_needed,
            _ => power::fips_tokens(size.trailing_zeros()),
        }
    };
    for test in &mut tests {
        if CERTIFYING.contains(&test.name) && test.positions.len() == 1 {
            test.tokens_needed = Some(needs(test.positions[0], test.name, &mut uniformity_needed));
        }
    }

    // Positions: verdicts from the tests blamed on them.
    let mut blamed_on: Vec<Vec<&TestReport>> = vec![Vec::new(); columns.len()];
    for test in &tests {
        for &index in &test.blamed {
            blamed_on[index].push(test);
        }
    }
    let mut positions = Vec::with_capacity(columns.len());
    for ((index, column), blamed) in columns.iter().enumerate().zip(blamed_on) {
        let size = column.charset.len();
        let present = column.ranks.len() as u64;
        let p_value = blamed
            .iter()
            .filter_map(|t| t.p_holm)
            .min_by(f64::total_cmp);
        let flagged_tests: Vec<&'static str> = blamed
            .iter()
            .filter(|t| matches!(t.verdict, Verdict::Fail | Verdict::Weak))
            .map(|t| t.name)
            .collect();
        let certifying: Vec<&&TestReport> = blamed
            .iter()
            .filter(|t| t.tokens_needed.is_some())
            .collect();
        let tokens_needed = certifying
            .iter()
            .filter_map(|t| t.tokens_needed)
            .max()
            .unwrap_or(0);
        let tested = certifying
            .iter()
            .all(|t| t.p_value.is_some() && t.tokens_needed.is_some_and(|m| present >= m));
        let verdict = if size < 2 {
            Verdict::Constant
        } else if blamed.iter().any(|t| t.verdict == Verdict::Fail) {
            Verdict::Fail
        } else if !tested {
            Verdict::Insufficient
        } else if blamed.iter().any(|t| t.verdict == Verdict::Weak) {
            Verdict::Weak
        } else {
            Verdict::Pass
        };
        let log2_charset = (size as f64).log2();
        let min_entropy = entropy::mcv_min_entropy(&column.counts);
        let is_counted = index < length_min;
        let contributes = match verdict {
            Verdict::Constant | Verdict::Insufficient => 0.0,
            Verdict::Fail => {
                // At most what the evidence supports: the marginal estimate, or less where a
                // failed test showed what predicts the character. A dependence on the previous
                // token (transitions, or a slow drift with the line order) or on the previous
                // character (adjacent) is scored by a predictor from that; one that no test
                // showed is not, because a predictor fitted to a sparse table guesses its own
                // sample better than chance and would take bits from a merely biased position.
                let failed = |name: &str| {
                    blamed
                        .iter()
                        .any(|t| t.name == name && t.verdict == Verdict::Fail)
                };
                let mut bits = min_entropy;
                if failed("transitions") || failed("order") {
                    bits = bits.min(entropy::predictor_min_entropy(&successive(column)));
                }
                if failed("adjacent") {
                    bits = bits.min(entropy::predictor_min_entropy(&adjacent(index)));
                }
                bits
            }
            _ => log2_charset,
        };
        let untested = if verdict == Verdict::Insufficient {
            log2_charset
        } else {
            0.0
        };
        positions.push(PositionReport {
            index,
            present,
            charset_size: size,
            charset: column.charset.iter().collect(),
            log2_charset,
            min_entropy,
            entropy_bits: if is_counted { contributes } else { 0.0 },
            untested_bits: if is_counted { untested } else { 0.0 },
            counted: is_counted,
            tested: size >= 2 && tested,
            tokens_needed: if size >= 2 { tokens_needed } else { 0 },
            p_value,
            verdict,
            flagged_tests,
        });
    }

    let mut effective = positions.iter().fold(0.0, |sum, p| sum + p.entropy_bits);
    let untested_bits = positions.iter().fold(0.0, |sum, p| sum + p.untested_bits);
    let collision_test = tests.last().filter(|t| t.name == "collisions");
    let mut notes = Vec::new();
    if collision_test.is_some_and(|t| t.verdict == Verdict::Fail) {
        let ceiling = entropy::entropy_from_collisions(n, colliding);
        if ceiling < effective {
            notes.push(format!(
                "{colliding} pairs of equal tokens are far more than {nominal:.1} bits allow; \
                 the effective entropy is capped at the {ceiling:.1} bits they imply"
            ));
            effective = ceiling;
        }
    }

    let failing_positions: Vec<usize> = positions
        .iter()
        .filter(|p| p.verdict == Verdict::Fail)
        .map(|p| p.index)
        .collect();
    // Tokens that are all alike carry no entropy at all: no per-position test can fail them
    // (constant positions are not failures), so the scheme as a whole does.
    let nothing_varies = n >= 2 && set.distinct() == 1;
    if nothing_varies {
        notes.push("every token is the same: the scheme carries 0 bits of entropy".to_string());
    }
    let counted_positions = &positions[..length_min.min(positions.len())];
    let verdict = if nothing_varies
        || tests.iter().any(|t| t.verdict == Verdict::Fail)
        || !failing_positions.is_empty()
    {
        Verdict::Fail
    } else if counted_positions
        .iter()
        .any(|p| p.verdict == Verdict::Insufficient)
    {
        Verdict::Insufficient
    } else if tests.iter().any(|t| t.verdict == Verdict::Weak)
        || positions.iter().any(|p| p.verdict == Verdict::Weak)
    {
        Verdict::Weak
    } else {
        Verdict::Pass
    };
    let requirements = requirements(&tests, &positions, alpha);
    let tokens_needed = counted_positions
        .iter()
        .map(|p| p.tokens_needed)
        .max()
        .unwrap_or(0);
    if verdict == Verdict::Insufficient {
        notes.push(insufficient_note(n, &requirements));
        notes.push(
            "tokens needed are for the characters seen so far: a larger sample may show more \
             (a hex position seen with 12 of its 16 digits) and then need more"
                .to_string(),
        );
    }
    notes.extend(standing_notes(
        &tests, &positions, length_min, length_max, alpha,
    ));

    TokenReport {
        source: source.to_string(),
        tokens: n,
        distinct: set.distinct(),
        length_min,
        length_max,
        length_distribution: distribution
            .into_iter()
            .map(|(length, tokens)| LengthCount { length, tokens })
            .collect(),
        alpha,
        effective_entropy_bits: effective,
        untested_bits,
        nominal_entropy_bits: nominal,
        tokens_needed,
        requirements,
        collisions: colliding,
        duplicates: n - set.distinct(),
        expected_collisions: entropy::expected_collisions(n as f64, effective),
        expected_collisions_at_1e6: entropy::expected_collisions(1e6, effective),
        expected_collisions_at_1e9: entropy::expected_collisions(1e9, effective),
        tokens_for_50pct_collision: entropy::tokens_for_half_chance(effective),
        verdict,
        failing_positions,
        positions,
        tests,
        groups: Vec::new(),
        notes,
        caveat: CAVEAT,
    }
}

/// Per certifying test: the most tokens any position needs and the positions short of it.
fn requirements(
    tests: &[TestReport],
    positions: &[PositionReport],
    alpha: f64,
) -> Vec<Requirement> {
    // The family the sample sizes were computed for: every test, run or not.
    let m = tests.len();
    CERTIFYING
        .iter()
        .filter_map(|&name| {
            let own: Vec<&TestReport> = tests
                .iter()
                .filter(|t| t.name == name && t.tokens_needed.is_some())
                .collect();
            let tokens_needed = own.iter().filter_map(|t| t.tokens_needed).max()?;
            let positions_short: Vec<usize> = own
                .iter()
                .filter(|t| {
                    let index = t.positions[0];
                    positions[index].present < t.tokens_needed.unwrap_or(0) || t.p_value.is_none()
                })
                .map(|t| t.positions[0])
                .collect();
            let defect = match name {
                "uniformity" => format!(
                    "the likeliest character at twice its share (1 bit of min-entropy lost), \
                     caught with {:.0}% power at Holm's strictest level {alpha}/{m}",
                    100.0 * power::POWER
                ),
                "order" => format!(
                    "|ρ| = {} between a position and the line number, {:.0}% power at \
                     {alpha}/{m}",
                    power::ORDER_RHO,
                    100.0 * power::POWER
                ),
                _ => "one whole 20,000-bit block per position (FIPS 140-2 §4.9.1)".to_string(),
            };
            Some(Requirement {
                test: name,
                tokens_needed,
                positions_short,
                defect,
            })
        })
        .collect()
}

/// "too few tokens: 100 given, 5000 needed for fips140_2 (...)".
fn insufficient_note(n: u64, requirements: &[Requirement]) -> String {
    let binding = requirements
        .iter()
        .filter(|r| !r.positions_short.is_empty())
        .max_by_key(|r| r.tokens_needed);
    match binding {
        Some(r) => format!(
            "too few tokens: {n} given, {} needed for {} at position(s) {}; their bits are \
             reported as untested, not as effective entropy, until a test could have caught a \
             defect there",
            r.tokens_needed,
            r.test,
            list(&r.positions_short),
        ),
        None => format!("too few tokens: {n} given"),
    }
}

fn test_report(
    name: &'static str,
    positions: Vec<usize>,
    outcome: Result<Measured, String>,
) -> TestReport {
    let blamed = positions.clone();
    match outcome {
        Ok(m) => TestReport {
            name,
            positions,
            statistic: Some(m.statistic),
            df: Some(m.df),
            p_value: Some(m.p_value),
            p_holm: None,
            verdict: Verdict::Pass,
            detail: m.detail,
            tokens_needed: None,
            fips: None,
            blamed,
        },
        Err(reason) => TestReport {
            name,
            positions,
            statistic: None,
            df: None,
            p_value: None,
            p_holm: None,
            verdict: Verdict::Skipped,
            detail: reason,
            tokens_needed: None,
            fips: None,
            blamed,
        },
    }
}

fn fips_report(index: usize, outcome: Result<bits::Fips, String>) -> TestReport {
    match outcome {
        Ok(fips) => {
            let detail = format!(
                "{} blocks of 20,000 bits, {} failed (monobit {}, poker {}, runs {}, long run {})",
                fips.blocks,
                fips.failed_blocks,
                fips.monobit_failures,
                fips.poker_failures,
                fips.runs_failures,
                fips.long_run_failures
            );
            let mut report = test_report(
                "fips140_2",
                vec![index],
                Ok(Measured {
                    statistic: fips.failed_blocks as f64,
                    df: fips.blocks as f64,
                    p_value: fips.p_value,
                    detail,
                }),
            );
            // Blocks and failures are not a χ² statistic: reported in `fips`, not as df.
            report.df = None;
            report.fips = Some(fips);
            report
        }
        Err(reason) => test_report("fips140_2", vec![index], Err(reason)),
    }
}

/// Uniformity of the summed counts of positions that share a character set (two or more
/// positions, at least two characters). Under the null hypothesis each position is uniform over
/// the set and independent of the others, so the sums are multinomial with equal cells: the
/// same χ², with as many observations as the group has characters in all.
fn pooled_tests(columns: &[Column]) -> Vec<TestReport> {
    let mut groups: BTreeMap<&[char], Vec<usize>> = BTreeMap::new();
    for (index, column) in columns.iter().enumerate() {
        if column.charset.len() >= 2 {
            groups.entry(&column.charset).or_default().push(index);
        }
    }
    groups
        .into_values()
        .filter(|members| members.len() >= 2)
        .map(|members| {
            let mut sums = vec![0u64; columns[members[0]].counts.len()];
            for &i in &members {
                for (sum, &count) in sums.iter_mut().zip(&columns[i].counts) {
                    *sum += count;
                }
            }
            let mut outcome = chars::uniformity(&sums);
            if let Ok(m) = &mut outcome {
                m.detail = format!("{} positions pooled: {}", members.len(), m.detail);
            }
            test_report("pooled_uniformity", members, outcome)
        })
        .collect()
}

fn collision_report(tokens: u64, colliding: u64, nominal: f64) -> TestReport {
    let p_value = entropy::collision_p_value(tokens, colliding, nominal);
    let expected = entropy::expected_collisions(tokens as f64, nominal);
    let mut report = test_report(
        "collisions",
        Vec::new(),
        Ok(Measured {
            statistic: colliding as f64,
            df: 0.0,
            p_value,
            detail: format!(
                "{colliding} equal pairs observed, {expected:.3e} expected at {nominal:.1} bits"
            ),
        }),
    );
    report.df = None;
    report
}

/// Holm over every test that ran; verdicts at α and at 10α.
fn judge(tests: &mut [TestReport], alpha: f64) {
    let ran: Vec<usize> = (0..tests.len())
        .filter(|&i| tests[i].p_value.is_some())
        .collect();
    let p_values: Vec<f64> = ran.iter().filter_map(|&i| tests[i].p_value).collect();
    let weak_level = (alpha * WEAK_FACTOR).min(1.0);
    for (&i, adjusted) in ran
        .iter()
        .zip(crate::second_level::holm_adjusted(&p_values))
    {
        tests[i].p_holm = Some(adjusted);
        tests[i].verdict = if adjusted <= alpha {
            Verdict::Fail
        } else if adjusted <= weak_level {
            Verdict::Weak
        } else {
            Verdict::Pass
        };
    }
}

/// Notes every report carries when they apply: what was not tested, and why.
fn standing_notes(
    tests: &[TestReport],
    positions: &[PositionReport],
    length_min: usize,
    length_max: usize,
    alpha: f64,
) -> Vec<String> {
    let mut notes = Vec::new();
    let ran = tests.iter().filter(|t| t.p_value.is_some()).count();
    notes.push(format!(
        "verdicts: Holm's procedure over {ran} tests at family-wise level α = {alpha} \
         (weak: rejected only at {})",
        (alpha * WEAK_FACTOR).min(1.0)
    ));
    if length_min != length_max {
        notes.push(format!(
            "tokens are {length_min} to {length_max} characters long: positions from \
             {length_min} on are tested where present but not counted in the entropy"
        ));
    }
    let odd_sets = positions
        .iter()
        .filter(|p| p.charset_size > 2 && !p.charset_size.is_power_of_two())
        .count();
    if odd_sets > 0 {
        notes.push(format!(
            "{odd_sets} position(s) have a set whose size is not a power of two: no bit-level \
             tests there (no unbiased bit encoding), character-level tests only"
        ));
    }
    if tests
        .iter()
        .any(|t| t.name == "pooled_uniformity" && t.verdict == Verdict::Fail)
    {
        notes.push(
            "a pooled uniformity test failed: it cannot say which of its positions are biased, \
             so it fails all of them"
                .to_string(),
        );
    }
    notes
}

/// Positions for people: runs of three or more as ranges ("0-15, 19, 21"), at most
/// [`LIST_ITEMS`] items, then how many there are in all.
pub(crate) fn list(indices: &[usize]) -> String {
    let mut items = Vec::new();
    let mut start = 0;
    while start < indices.len() {
        let mut end = start;
        while end + 1 < indices.len() && indices[end + 1] == indices[end] + 1 {
            end += 1;
        }
        if end - start >= 2 {
            items.push(format!("{}-{}", indices[start], indices[end]));
        } else {
            items.extend(indices[start..=end].iter().map(usize::to_string));
        }
        start = end + 1;
    }
    if items.len() > LIST_ITEMS {
        let shown = items[..LIST_ITEMS].join(", ");
        format!("{shown}, … ({} positions in all)", indices.len())
    } else {
        items.join(", ")
    }
}

/// Items [`list`] shows before it cuts a list short.
const LIST_ITEMS: usize = 24;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tolerance::MPMATH;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    fn analyse_lines(lines: &[String]) -> TokenReport {
        let text = lines.join("\n");
        let set = read_tokens(text.as_bytes(), "test").unwrap();
        analyse(&set, "test", DEFAULT_ALPHA)
    }

    /// Python's secrets.token_hex(16): 16 random bytes in lowercase hex.
    fn hex16(rng: &mut ChaCha20Rng, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut bytes = [0u8; 16];
                rng.fill_bytes(&mut bytes);
                bytes.iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect()
    }

    /// base64url without padding, as Python's secrets.token_urlsafe gives it.
    fn urlsafe(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let mut word = [0u8; 3];
            word[..chunk.len()].copy_from_slice(chunk);
            let value = u32::from(word[0]) << 16 | u32::from(word[1]) << 8 | u32::from(word[2]);
            for k in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(value >> (18 - 6 * k) & 63) as usize]));
            }
        }
        out
    }

    /// Python's uuid.uuid4(): 16 random bytes, version nibble 4, variant bits 10.
    fn uuid4(rng: &mut ChaCha20Rng, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut b = [0u8; 16];
                rng.fill_bytes(&mut b);
                b[6] = (b[6] & 0x0f) | 0x40;
                b[8] = (b[8] & 0x3f) | 0x80;
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                )
            })
            .collect()
    }

    /// `length` characters of secrets.choice over A–Z a–z 0–9: uniform, by rejecting bytes
    /// of 248 and above (248 = 4 · 62).
    fn choice62(rng: &mut ChaCha20Rng, n: usize, length: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut token = String::with_capacity(length);
                while token.len() < length {
                    let mut byte = [0u8; 1];
                    rng.fill_bytes(&mut byte);
                    if byte[0] < 248 {
                        token.push(char::from(ALPHANUMERIC[usize::from(byte[0] % 62)]));
                    }
                }
                token
            })
            .collect()
    }

    /// The classic mistake: alphabet[byte % 62], so the first 8 characters come with
    /// probability 5/256 and the other 54 with 4/256.
    fn modulo62(rng: &mut ChaCha20Rng, n: usize, length: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut bytes = vec![0u8; length];
                rng.fill_bytes(&mut bytes);
                bytes
                    .iter()
                    .map(|&b| char::from(ALPHANUMERIC[usize::from(b % 62)]))
                    .collect()
            })
            .collect()
    }

    fn position(report: &TokenReport, index: usize) -> &PositionReport {
        &report.positions[index]
    }

    #[test]
    fn position_lists_read_as_ranges() {
        assert_eq!(
            list(&[0, 1, 2, 3, 5, 7, 8, 10, 11, 12]),
            "0-3, 5, 7, 8, 10-12"
        );
        assert_eq!(list(&[]), "");
        let every_other: Vec<usize> = (0..100).map(|i| 2 * i).collect();
        assert!(list(&every_other).ends_with("46, … (100 positions in all)"));
    }

    #[test]
    fn tiny_case_by_hand() {
        // Twenty tokens "x0".."x1": position 0 constant, position 1 has 12 zeros and 8 ones.
        // Uniformity: X² = (12 − 10)²/10 + (8 − 10)²/10 = 0.8, df 1, p = erfc(sqrt(0.4)):
        // mpmath erfc(sqrt(mpf('0.4'))) = 0.371093369522697808058716929604.
        let mut lines = vec!["x0".to_string(); 12];
        lines.extend(vec!["x1".to_string(); 8]);
        // Interleave so that successive tokens differ often (the transitions test runs too).
        lines.sort_by_key(|l| l.as_bytes()[1] ^ (l.len() as u8));
        let report = analyse_lines(&lines);
        let uniformity = report
            .tests
            .iter()
            .find(|t| t.name == "uniformity")
            .unwrap();
        assert_eq!(uniformity.positions, vec![1]);
        assert!((uniformity.statistic.unwrap() - 0.8).abs() < 1e-15);
        assert_eq!(uniformity.df, Some(1.0));
        assert!((uniformity.p_value.unwrap() - 0.371_093_369_522_697_8).abs() < MPMATH);
        assert_eq!(position(&report, 0).verdict, Verdict::Constant);
        assert_eq!(position(&report, 0).entropy_bits, 0.0);
        assert_eq!(report.length_min, 2);
        // 12 equal "x0" and 8 equal "x1": C(12,2) + C(8,2) = 66 + 28 = 94 pairs, far more
        // than one bit of entropy allows (190 pairs / 2 = 95 expected: not a surprise).
        assert_eq!(report.collisions, 94);
        assert_eq!(report.duplicates, 18);
    }

    #[test]
    fn constant_positions_carry_nothing_and_are_not_failures() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let lines: Vec<String> = hex16(&mut rng, 3000)
            .into_iter()
            .map(|t| format!("sess-{t}"))
            .collect();
        let report = analyse_lines(&lines);
        for i in 0..5 {
            let p = position(&report, i);
            assert_eq!(
                (p.verdict, p.entropy_bits, p.charset_size),
                (Verdict::Constant, 0.0, 1)
            );
        }
        assert!(report.failing_positions.is_empty());
        assert_eq!(report.nominal_entropy_bits, 128.0);
    }

    #[test]
    fn a_two_symbol_position_carries_one_bit() {
        // One fair bit as 'a'/'b' and a hex digit: 1 + 4 bits; at 20,000 tokens the bit
        // position has exactly one FIPS block (20,000 bits at 1 bit per token).
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let lines: Vec<String> = (0..20_000)
            .map(|_| {
                let mut b = [0u8; 1];
                rng.fill_bytes(&mut b);
                format!(
                    "{}{:x}",
                    if b[0] & 0x80 == 0 { 'a' } else { 'b' },
                    b[0] & 0x0f
                )
            })
            .collect();
        let report = analyse_lines(&lines);
        let bit = position(&report, 0);
        assert_eq!((bit.charset_size, bit.log2_charset), (2, 1.0));
        assert_eq!(bit.verdict, Verdict::Pass);
        assert_eq!(report.effective_entropy_bits, 5.0);
        let fips = report
            .tests
            .iter()
            .find(|t| t.name == "fips140_2" && t.positions == [0])
            .and_then(|t| t.fips.as_ref())
            .unwrap();
        assert_eq!(fips.blocks, 1);
        // No bit pairs in a one-bit character: no correlation test there.
        assert!(!report
            .tests
            .iter()
            .any(|t| t.name == "bit_correlation" && t.positions == [0]));
    }

    #[test]
    fn uuid4_structure_gives_122_bits() {
        // α = 0.01 family-wise: a good generator fails with probability at most 1% (a fixed
        // seed makes this run deterministic; 1% is the chance that a seed is unlucky).
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let report = analyse_lines(&uuid4(&mut rng, 20_000));
        assert_eq!(report.length_min, 36);
        for i in [8, 13, 14, 18, 23] {
            assert_eq!(position(&report, i).verdict, Verdict::Constant, "{i}");
        }
        assert_eq!(position(&report, 14).charset, "4");
        assert_eq!(position(&report, 19).charset, "89ab");
        assert_eq!(position(&report, 19).entropy_bits, 2.0);
        assert_eq!(report.verdict, Verdict::Pass);
        assert_eq!(report.effective_entropy_bits, 122.0);
    }

    #[test]
    fn hex16_passes_with_128_bits() {
        // α = 0.01 family-wise (false alarm ≤ 1%); fixed seed, so deterministic.
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let report = analyse_lines(&hex16(&mut rng, 20_000));
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "{:?}",
            report.failing_positions
        );
        assert_eq!(report.effective_entropy_bits, 128.0);
        // Every hex position gets four FIPS blocks (80,000 bits) and none fails.
        let fips: Vec<_> = report
            .tests
            .iter()
            .filter_map(|t| t.fips.as_ref())
            .collect();
        assert_eq!(fips.len(), 32);
        assert!(fips.iter().all(|f| f.blocks == 4));
        assert_eq!(
            report.expected_collisions,
            entropy::expected_collisions(20_000.0, 128.0)
        );
    }

    #[test]
    fn choice62_gives_16_log2_62_bits() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let report = analyse_lines(&choice62(&mut rng, 20_000, 16));
        assert_ne!(
            report.verdict,
            Verdict::Fail,
            "{}",
            report::render_terminal(&report)
        );
        // 16 · log₂ 62: mpmath at 30 digits, 16*log(62, 2) = 95.2671409661900033408979775868.
        assert!(
            (report.effective_entropy_bits - 95.267_140_966_19).abs() < 1e-9,
            "{}",
            report::render_terminal(&report)
        );
    }

    #[test]
    fn modulo_bias_is_caught_at_every_position() {
        // Power: per position the bias 5/256 vs 4/256 gives a noncentral χ²(61) with
        // λ = 20,000 · 62 · Σ(p − 1/62)² = 131.84; at Holm's strictest threshold 0.01/49 the
        // critical value is 107.86 and the power 0.99994 (scipy 1.17 chi2.isf, ncx2.sf), so all
        // 16 positions are caught with probability ≈ 0.999. The pooled test over 16 positions
        // (λ = 2109) has power 1. The fixed seed makes this deterministic.
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let report = analyse_lines(&modulo62(&mut rng, 20_000, 16));
        assert_eq!(report.verdict, Verdict::Fail);
        assert_eq!(report.failing_positions, (0..16).collect::<Vec<_>>());
        for p in &report.positions {
            assert!(
                p.flagged_tests.contains(&"uniformity"),
                "position {}",
                p.index
            );
            assert!(p.entropy_bits < p.log2_charset);
        }
        assert!(report.effective_entropy_bits < 90.0);
    }

    #[test]
    fn good_tokens_fail_at_the_rate_alpha_predicts() {
        // Calibration: 200 independent sets of 5,000 hex16 tokens (one FIPS block per
        // position) and 200 of 2,000 choice62 tokens of 8 characters (sparse transition
        // tables, merged; too few to test, so `insufficient` unless a test fails), ChaCha20
        // with seeds 1000.. . At α = 0.01 a set fails with
        // probability at most 0.01, so more than 6 failures in 200 has probability
        // P(Binomial(200, 0.01) ≥ 7) = 0.0043 (scipy 1.17 binom.sf(6, 200, 0.01)) for a correct
        // procedure; weak-or-worse verdicts (at most 10α) beyond 35 have P(Binomial(200, 0.1)
        // ≥ 36) = 0.00039 (binom.sf(35, 200, 0.1)).
        //
        // The χ² tests themselves: their raw p-values must be uniform. Over all sets, the share
        // below 0.01 and below 0.5 must lie within 4.5 standard deviations of 0.01 and 0.5
        // (for independent p-values a false alarm below 1e-5; tests within a set are nearly
        // independent).
        let mut failures = [0usize; 2];
        let mut weak = [0usize; 2];
        let mut p_values = Vec::new();
        for run in 0..200u64 {
            let mut rng = ChaCha20Rng::seed_from_u64(1000 + run);
            let sets = [hex16(&mut rng, 5000), choice62(&mut rng, 2000, 8)];
            for (kind, lines) in sets.iter().enumerate() {
                let report = analyse_lines(lines);
                failures[kind] += usize::from(report.verdict == Verdict::Fail);
                weak[kind] += usize::from(matches!(report.verdict, Verdict::Weak | Verdict::Fail));
                // 2,000 tokens of 62 characters are too few to test (uniformity needs about
                // 4,600): every set that does not fail must say so, none may pass.
                if kind == 1 && report.verdict != Verdict::Fail {
                    assert_eq!(report.verdict, Verdict::Insufficient, "run {run}");
                }
                p_values.extend(
                    report
                        .tests
                        .iter()
                        .filter(|t| t.df.is_some())
                        .filter_map(|t| t.p_value),
                );
            }
        }
        assert!(failures.iter().all(|&f| f <= 6), "failures {failures:?}");
        assert!(weak.iter().all(|&w| w <= 35), "weak {weak:?}");
        let n = p_values.len() as f64;
        for level in [0.01, 0.5] {
            let share = p_values.iter().filter(|&&p| p <= level).count() as f64 / n;
            let sd = (level * (1.0 - level) / n).sqrt();
            assert!(
                (share - level).abs() < 4.5 * sd,
                "share below {level}: {share} over {n} p-values"
            );
        }
    }

    #[test]
    fn repeated_tokens_fail_the_collision_test() {
        // 20,000 tokens drawn from only 1000 distinct hex16 values: each position still looks
        // uniform, but ~200,000 equal pairs against 128 bits is conclusive.
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let pool = hex16(&mut rng, 1000);
        let lines: Vec<String> = (0..20_000)
            .map(|_| {
                let mut b = [0u8; 2];
                rng.fill_bytes(&mut b);
                pool[usize::from(u16::from_le_bytes(b)) % 1000].clone()
            })
            .collect();
        let report = analyse_lines(&lines);
        let collisions = report
            .tests
            .iter()
            .find(|t| t.name == "collisions")
            .unwrap();
        assert_eq!(collisions.verdict, Verdict::Fail);
        assert_eq!(report.verdict, Verdict::Fail);
        // Capped at log₂(C(20000, 2) / pairs): about log₂ 1000 ≈ 10 bits.
        assert!(
            report.effective_entropy_bits < 11.0,
            "{}",
            report.effective_entropy_bits
        );
    }

    #[test]
    fn dependence_on_the_previous_token_and_position_is_a_failure() {
        // A counter in hex: position 3 (the last digit) cycles 0..f, so successive tokens are
        // perfectly predictable although every digit is uniform; the other digits are random.
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let counter: Vec<String> = hex16(&mut rng, 20_000)
            .into_iter()
            .enumerate()
            .map(|(i, t)| format!("{}{:x}", &t[..3], i % 16))
            .collect();
        let report = analyse_lines(&counter);
        assert_eq!(report.failing_positions, vec![3]);
        assert!(position(&report, 3).flagged_tests.contains(&"transitions"));
        // Position 1 copies position 0: the adjacent test blames position 1.
        let copied: Vec<String> = hex16(&mut rng, 20_000)
            .into_iter()
            .map(|t| format!("{}{}{}", &t[..1], &t[..1], &t[2..4]))
            .collect();
        let report = analyse_lines(&copied);
        assert_eq!(report.failing_positions, vec![1]);
        assert!(position(&report, 1).flagged_tests.contains(&"adjacent"));
    }

    #[test]
    fn each_length_is_analysed_on_its_own() {
        // hex16 cut to 8, 9 and 10 characters in turn: three groups of about 1333 tokens.
        let lines: Vec<String> = {
            let mut rng = ChaCha20Rng::seed_from_u64(9);
            hex16(&mut rng, 4000)
                .into_iter()
                .enumerate()
                .map(|(i, t)| t[..8 + i % 3].to_string())
                .collect()
        };
        let report = analyse_lines(&lines);
        assert_eq!((report.length_min, report.length_max), (8, 10));
        assert_eq!(report.length_distribution.len(), 3);
        let lengths: Vec<usize> = report.groups.iter().map(|g| g.length_min).collect();
        assert_eq!(lengths, vec![8, 9, 10]);
        assert!(report.positions.is_empty() && report.tests.is_empty());
        for group in &report.groups {
            assert_eq!(group.length_min, group.length_max);
            assert!(group.positions.iter().all(|p| p.counted));
            assert!(group.positions.iter().all(|p| p.present == group.tokens));
            // About 1333 tokens each: FIPS 140-2 needs 5000 per position.
            assert_eq!(group.verdict, Verdict::Insufficient);
            assert_eq!(group.tokens_needed, 5000);
        }
        // The weakest group's figures: the 8-character group's 32 nominal bits.
        assert_eq!(report.nominal_entropy_bits, 32.0);
        assert_eq!(report.verdict, Verdict::Insufficient);
        assert!(report.notes[0].contains("3 lengths"));
    }

    #[test]
    fn two_schemes_of_two_lengths_do_not_fail_each_other() {
        // Half token_urlsafe(16) (22 characters of base64url), half token_hex(16) (32 hex
        // digits), shuffled. Pooled, the first 22 positions would mix 64 characters with the
        // 16 hex digits and fail; per length, both are good.
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let hex = hex16(&mut rng, 12_000);
        let lines: Vec<String> = hex
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                if i % 2 == 0 {
                    h
                } else {
                    let bytes: Vec<u8> = (0..16)
                        .map(|j| u8::from_str_radix(&h[2 * j..2 * j + 2], 16).unwrap())
                        .collect();
                    urlsafe(&bytes)
                }
            })
            .collect();
        let report = analyse_lines(&lines);
        assert_eq!(report.groups.len(), 2);
        for group in &report.groups {
            assert_ne!(
                group.verdict,
                Verdict::Fail,
                "{}",
                report::render_terminal(group)
            );
            assert!(group.failing_positions.is_empty());
        }
        assert_eq!(report.groups[0].nominal_entropy_bits, 128.0);
        assert_eq!(report.groups[1].nominal_entropy_bits, 128.0);
    }

    #[test]
    fn too_few_tokens_are_insufficient_not_pass() {
        // Three tokens: nothing can be tested; no bit is credited as effective, every varying
        // position's log₂ is untested, and the verdict says why.
        let report = analyse_lines(&["ab".into(), "cd".into(), "ef".into()]);
        assert_eq!(report.verdict, Verdict::Insufficient);
        assert_eq!(report.effective_entropy_bits, 0.0);
        assert!(report.effective_entropy_bits.is_sign_positive());
        assert_eq!(report.untested_bits, 2.0 * 3f64.log2());
        assert!(report
            .notes
            .iter()
            .any(|n| n.starts_with("too few tokens: 3 given")));
    }

    #[test]
    fn twenty_good_tokens_are_insufficient_not_weak() {
        // What a new user met: 20 hex16 tokens were `weak`, because a position too small to
        // test was called weak and credited its min-entropy. Now: every position untested
        // (uniformity needs 5 per character: skipped, not judged), the verdict insufficient.
        for seed in 20..30 {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let report = analyse_lines(&hex16(&mut rng, 20));
            assert_eq!(report.verdict, Verdict::Insufficient, "seed {seed}");
            assert_eq!(report.effective_entropy_bits, 0.0);
            assert_eq!(report.untested_bits, report.nominal_entropy_bits);
            assert!(report
                .tests
                .iter()
                .filter(|t| t.name == "uniformity")
                .all(|t| t.verdict == Verdict::Skipped));
            assert!(report.positions.iter().all(|p| !p.tested));
        }
    }

    #[test]
    fn a_few_hundred_good_tokens_are_insufficient_with_what_is_needed() {
        // 100 hex16 tokens used to pass with 128 bits. Uniformity ran, but could not have seen a
        // one-bit bias (747 tokens needed, scipy 1.17.1: ncx2 power at chi2.isf(0.01/193, 15),
        // λ = 49.768578058143746, times 15) and FIPS 140-2 needs 5000 tokens of 4 bits. 200
        // tokens rather than 100 so that every position shows all 16 digits (193 tests).
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let report = analyse_lines(&hex16(&mut rng, 200));
        assert_eq!(report.tests.len(), 193);
        assert_eq!(report.verdict, Verdict::Insufficient);
        assert_eq!(report.effective_entropy_bits, 0.0);
        assert_eq!(report.untested_bits, 128.0);
        assert_eq!(report.tokens_needed, 5000);
        let needed: Vec<(&str, u64)> = report
            .requirements
            .iter()
            .map(|r| (r.test, r.tokens_needed))
            .collect();
        assert_eq!(
            needed,
            vec![("uniformity", 747), ("order", 115), ("fips140_2", 5000)]
        );
        assert!(report
            .notes
            .iter()
            .any(|n| n.starts_with("too few tokens: 200 given, 5000 needed for fips140_2")));
        // With 5000 the same scheme is tested and passes.
        let report = analyse_lines(&hex16(&mut rng, 5000));
        assert_eq!(report.verdict, Verdict::Pass);
        assert_eq!(
            (report.effective_entropy_bits, report.untested_bits),
            (128.0, 0.0)
        );
    }

    #[test]
    fn counter_and_clock_prefixes_are_credited_almost_nothing() {
        // f"{i:08d}" + 16 hex digits: positions 3-7 move with the line number. They used to be
        // credited their marginal min-entropy (3.8 bits a digit); given the previous token a
        // counter's digit is all but certain.
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let lines: Vec<String> = hex16(&mut rng, 20_000)
            .into_iter()
            .enumerate()
            .map(|(i, t)| format!("{i:08}{}", &t[..16]))
            .collect();
        let report = analyse_lines(&lines);
        assert_eq!(report.verdict, Verdict::Fail);
        assert_eq!(report.failing_positions, vec![3, 4, 5, 6, 7]);
        assert!(position(&report, 3).flagged_tests.contains(&"order"));
        let counter: f64 = (3..8).map(|i| position(&report, i).entropy_bits).sum();
        assert!(counter < 0.5, "{counter}");
        assert_eq!(report.effective_entropy_bits - counter, 64.0);
        // A millisecond clock, one token per millisecond on average (exponential gaps), then 16
        // hex digits: the leading varying digits follow the line order.
        let mut clock = 1_700_000_000_000.0f64;
        let lines: Vec<String> = hex16(&mut rng, 20_000)
            .into_iter()
            .map(|t| {
                let mut u = [0u8; 8];
                rng.fill_bytes(&mut u);
                let uniform = (u64::from_le_bytes(u) >> 11) as f64 / (1u64 << 53) as f64;
                clock += -(1.0 - uniform).ln();
                format!("{}{}", clock as u64, &t[..16])
            })
            .collect();
        let report = analyse_lines(&lines);
        assert_eq!(report.verdict, Verdict::Fail);
        let prefix = report.positions[..13]
            .iter()
            .filter(|p| p.verdict != Verdict::Constant);
        let mut credited = 0.0;
        for p in prefix {
            assert_eq!(p.verdict, Verdict::Fail, "position {}", p.index);
            credited += p.entropy_bits;
        }
        // What is left is the clock's jitter in its last digit: given the previous token, the
        // gap of 0, 1, 2, ... ms is uncertain; the guessing probability of the likeliest gap is
        // e^−1 ≈ 0.37 (1.44 bits), less the sampling bound.
        assert!(credited < 2.0, "{credited}");
        assert!(report
            .positions
            .iter()
            .any(|p| p.flagged_tests.contains(&"order")));
    }

    #[test]
    fn json_has_the_documented_keys() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let report = analyse_lines(&hex16(&mut rng, 500));
        let json = serde_json::to_value(&report).unwrap();
        for key in [
            "tokens",
            "distinct",
            "length_min",
            "length_max",
            "effective_entropy_bits",
            "untested_bits",
            "tokens_needed",
            "requirements",
            "collisions",
            "expected_collisions",
            "tokens_for_50pct_collision",
            "verdict",
            "positions",
            "tests",
            "length_distribution",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        for key in [
            "index",
            "charset_size",
            "entropy_bits",
            "untested_bits",
            "tested",
            "tokens_needed",
            "p_value",
            "verdict",
        ] {
            assert!(json["positions"][0].get(key).is_some(), "{key}");
        }
        assert_eq!(json["tokens"], 500);
        assert_eq!(json["verdict"], "insufficient");
        assert_eq!(json["token_caveat"], CAVEAT);
        assert!(json.get("caveat").is_none());
        // One length: no groups key.
        assert!(json.get("groups").is_none());
    }
}
