//! How the bench times anything: a warm-up, then a fixed number of timed repetitions, reduced
//! to a median and a spread (min, max).
//!
//! Every measurement of `rngaudit bench` goes through this file, so bulk rates, per-call costs
//! and battery rates are all "median of R runs after a warm-up" and read alike. The median
//! rather than the mean because a run that lost its core to another process is slow by a large,
//! random amount: the mean inherits it, the median ignores it, and min/max still show it.
//!
//! Small requests cost a few nanoseconds, about what reading the clock costs, so they are
//! timed in batches: the warm-up doubles a batch until it fills a slice of the run time, and
//! each run then times one batch of a fixed number of calls. The caller supplies the batch
//! (its loop, compiled where the calls are), so that `rngaudit bench` and criterion can time
//! the very same machine code.

use std::time::{Duration, Instant};

/// Median and spread of one quantity over the timed runs, in the quantity's own unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// The median over the runs.
    pub median: f64,
    /// The smallest value over the runs.
    pub min: f64,
    /// The largest value over the runs.
    pub max: f64,
    /// Timed runs.
    pub runs: u32,
}

impl Stats {
    /// The statistics of `samples`; `None` when there are none. With an even number of samples
    /// the median is the mean of the two middle ones.
    pub fn of(samples: &[f64]) -> Option<Stats> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Some(Stats {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            runs: sorted.len() as u32,
        })
    }
}

/// Runs whose spread, (max − min) / median, exceeds this were disturbed: on a quiet machine
/// the runs of a figure agree within a few percent, and a run that lost its core to another
/// program is slower by a large, random amount. As hyperfine does for its outliers, the bench
/// then warns instead of printing the figure as if it were steady.
pub const WIDE_SPREAD: f64 = 0.25;

/// (max − min) / |median|: 0 when every run agrees, infinite when the runs differ around a
/// median of 0.
pub fn relative_spread(median: f64, min: f64, max: f64) -> f64 {
    let range = max - min;
    if range == 0.0 {
        0.0
    } else {
        range / median.abs()
    }
}

/// Whether runs with this median and range spread widely enough to warn about.
pub fn spread_is_wide(median: f64, min: f64, max: f64) -> bool {
    let spread = relative_spread(median, min, max);
    // A NaN (a broken measurement) warns too.
    spread.is_nan() || spread > WIDE_SPREAD
}

/// How long and how often to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Timed runs per measurement (odd, so the median is one of them).
    pub runs: u32,
    /// The length each timed run aims for; the warm-up lasts as long.
    pub run_time: Duration,
}

impl Budget {
    /// `rngaudit bench`: steady figures in about a minute for every source on two cores.
    pub const FULL: Budget = Budget {
        runs: 7,
        run_time: Duration::from_millis(80),
    };
    /// `rngaudit bench --quick`: a rough look in a few seconds.
    pub const QUICK: Budget = Budget {
        runs: 3,
        run_time: Duration::from_millis(5),
    };

    /// The full budget, or the short one for `--quick`.
    pub fn new(quick: bool) -> Budget {
        if quick {
            Budget::QUICK
        } else {
            Budget::FULL
        }
    }
}

/// Nanoseconds per call, from `batch(n)`, which makes `n` calls and returns how long they took.
/// A warm-up sizes the batch (doubling until a batch takes a tenth of a run: long enough that
/// the clock's own cost and resolution vanish) and runs one full batch so caches, branch
/// predictors and clock frequency settle; then `budget.runs` batches are timed. The first
/// error stops the measurement.
pub fn per_call<E>(
    budget: Budget,
    mut batch: impl FnMut(u64) -> Result<Duration, E>,
) -> Result<Stats, E> {
    let target = budget.run_time.as_secs_f64();
    let mut calls = 1u64;
    let per_call_secs = loop {
        let elapsed = batch(calls)?.as_secs_f64();
        // The cap only matters for calls that take no measurable time at all.
        if elapsed >= target / 10.0 || calls >= 1 << 32 {
            break elapsed / calls as f64;
        }
        calls *= 2;
    };
    let calls = ((target / per_call_secs.max(1e-12)) as u64).clamp(1, 1 << 36);
    batch(calls)?;
    let mut samples = Vec::new();
    for _ in 0..budget.runs.max(1) {
        let elapsed = batch(calls)?;
        samples.push(elapsed.as_secs_f64() * 1e9 / calls as f64);
    }
    Ok(Stats::of(&samples).expect("runs.max(1) timed runs"))
}

/// Repeats `work` (which reports how many bytes it handled) until `duration` has passed, at
/// least once; returns the bytes and the time taken.
pub fn for_at_least<E>(
    duration: Duration,
    mut work: impl FnMut() -> Result<u64, E>,
) -> Result<(u64, Duration), E> {
    let start = Instant::now();
    let mut bytes = 0u64;
    loop {
        bytes += work()?;
        let elapsed = start.elapsed();
        if elapsed >= duration {
            return Ok((bytes, elapsed));
        }
    }
}

/// A rate in units of `scale` bytes per second: runs `work` for a warm-up and then for
/// `budget.runs` timed runs of about `budget.run_time` each.
pub fn rate<E>(
    budget: Budget,
    scale: f64,
    mut work: impl FnMut() -> Result<u64, E>,
) -> Result<Stats, E> {
    for_at_least(budget.run_time, &mut work)?;
    let mut samples = Vec::new();
    for _ in 0..budget.runs.max(1) {
        let (bytes, elapsed) = for_at_least(budget.run_time, &mut work)?;
        samples.push(bytes as f64 / elapsed.as_secs_f64() / scale);
    }
    Ok(Stats::of(&samples).expect("runs.max(1) timed runs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max_of_an_odd_vector() {
        // Sorted: 1, 2, 3, 7, 100; the median is the third.
        let stats = Stats::of(&[7.0, 1.0, 100.0, 3.0, 2.0]).unwrap();
        assert_eq!(
            stats,
            Stats {
                median: 3.0,
                min: 1.0,
                max: 100.0,
                runs: 5
            }
        );
    }

    #[test]
    fn median_of_an_even_vector_is_the_mean_of_the_middle_pair() {
        // Sorted: 0.5, 2, 4, 9; (2 + 4) / 2 = 3.
        let stats = Stats::of(&[4.0, 9.0, 0.5, 2.0]).unwrap();
        assert_eq!((stats.median, stats.min, stats.max), (3.0, 0.5, 9.0));
        assert_eq!(stats.runs, 4);
        let one = Stats::of(&[42.0]).unwrap();
        assert_eq!(
            (one.median, one.min, one.max, one.runs),
            (42.0, 42.0, 42.0, 1)
        );
        assert_eq!(Stats::of(&[]), None);
    }

    #[test]
    fn wide_spreads_are_flagged_and_steady_runs_are_not() {
        // Seven steady runs within 10% of each other: (1.04 − 0.95) / 1.0 = 0.09.
        let steady = Stats::of(&[1.0, 0.98, 1.02, 0.95, 1.04, 1.0, 0.99]).unwrap();
        assert!(!spread_is_wide(steady.median, steady.min, steady.max));
        // One run of seven lost its core and took three times as long: the median does not
        // move, but (3.0 − 0.98) / 1.0 = 2.02.
        let disturbed = Stats::of(&[1.0, 0.98, 1.02, 3.0, 1.01, 1.0, 0.99]).unwrap();
        assert_eq!(disturbed.median, 1.0);
        assert!(spread_is_wide(
            disturbed.median,
            disturbed.min,
            disturbed.max
        ));
        // Just inside and just outside the threshold, in either unit.
        assert!(!spread_is_wide(100.0, 90.0, 115.0));
        assert!(spread_is_wide(100.0, 90.0, 115.5));
        assert!(!spread_is_wide(4.0, 3.6, 4.6));
        // Identical runs, a zero median with differing runs, a NaN.
        assert_eq!(relative_spread(0.0, 0.0, 0.0), 0.0);
        assert!(spread_is_wide(0.0, 0.0, 1.0));
        assert!(spread_is_wide(f64::NAN, 1.0, 2.0));
    }

    /// A batch of `n` calls that each bump `counter`, timed as a real caller times it.
    fn counting(counter: &mut u64) -> impl FnMut(u64) -> Result<Duration, ()> + '_ {
        move |n| {
            let start = Instant::now();
            for _ in 0..n {
                *counter = std::hint::black_box(*counter + 1);
            }
            Ok(start.elapsed())
        }
    }

    #[test]
    fn errors_stop_a_measurement() {
        let mut batches = 0;
        let result = per_call(Budget::QUICK, |_| {
            batches += 1;
            if batches == 3 {
                Err("broken")
            } else {
                Ok(Duration::from_nanos(1))
            }
        });
        assert_eq!(result, Err("broken"));
        assert_eq!(batches, 3);
        assert_eq!(rate(Budget::QUICK, 1.0, || Err::<u64, _>("no")), Err("no"));
    }

    #[test]
    fn every_run_is_counted() {
        let mut calls = 0u64;
        let stats = per_call(Budget::QUICK, counting(&mut calls)).unwrap();
        assert_eq!(stats.runs, Budget::QUICK.runs);
        assert!(calls > u64::from(Budget::QUICK.runs));
        // A batch that takes no time at all still ends (the cap on the batch size).
        let instant = per_call(Budget::QUICK, |_| Ok::<_, ()>(Duration::ZERO)).unwrap();
        assert_eq!(instant.median, 0.0);
        let stats = rate(Budget::QUICK, 1.0, || Ok::<u64, ()>(1)).unwrap();
        assert_eq!(stats.runs, Budget::QUICK.runs);
        assert!(stats.min <= stats.median && stats.median <= stats.max);
    }
}
