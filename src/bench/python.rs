//! Python beside Rust: the cost of Python's own calls (`os.urandom`, `secrets`, `uuid`,
//! `random`) on this machine, timed by Python's `timeit` in a `python3 -c` subprocess.
//!
//! The point of the bench is the comparison users make before choosing, "what would this cost
//! me in Python", so Python's figures come from the same run as Rust's and go into the same
//! CSV and chart (kind `python`). The script prints one tab-separated line per call and
//! [`parse`] reads them back; the interpreter's name is a parameter, so the tests can run the
//! "no python3" path without touching PATH. Python is optional: when it is missing or fails,
//! [`measure`] returns the one line to print and the bench goes on without it.

use super::timing::{Budget, Stats};
use super::types::{Mode, Row, RowKind};
use std::process::Command;

/// The interpreter looked up on PATH.
pub const PROGRAM: &str = "python3";

/// One Python call to time.
pub struct Case {
    /// The row's `source`: how a Python program spells the call (ASCII, no comma or tab).
    pub name: &'static str,
    /// How the call is timed: `call16` for 16-byte requests, `token` for a whole token.
    pub mode: Mode,
    /// Python run once before timing (`timeit`'s setup), such as the import.
    pub setup: &'static str,
    /// The Python statement timed (`timeit`'s stmt), one call each.
    pub statement: &'static str,
    /// The built-in source whose per-call row does the same work in Rust, if any.
    pub rust: Option<&'static str>,
}

/// Every timed Python call, in the order the chart lists them.
pub static CASES: &[Case] = &[
    Case {
        name: "os.urandom(16)",
        mode: Mode::Call16,
        setup: "import os",
        statement: "os.urandom(16)",
        rust: Some("os"),
    },
    Case {
        name: "secrets.token_bytes(16)",
        mode: Mode::Token,
        setup: "import secrets",
        statement: "secrets.token_bytes(16)",
        rust: Some("token_bytes16"),
    },
    Case {
        name: "secrets.token_hex(16)",
        mode: Mode::Token,
        setup: "import secrets",
        statement: "secrets.token_hex(16)",
        rust: Some("token_hex16"),
    },
    Case {
        name: "secrets.token_urlsafe(16)",
        mode: Mode::Token,
        setup: "import secrets",
        statement: "secrets.token_urlsafe(16)",
        rust: Some("token_urlsafe16"),
    },
    // The recipe of the `secrets` documentation, with 16 characters.
    Case {
        name: "secrets.choice x16",
        mode: Mode::Token,
        setup: "import secrets, string; alphabet = string.ascii_letters + string.digits",
        statement: "''.join(secrets.choice(alphabet) for _ in range(16))",
        rust: Some("choice62"),
    },
    // uuid4() builds a UUID object without its text; the Rust `uuid4` row formats the text,
    // so its counterpart is str(uuid.uuid4()).
    Case {
        name: "uuid.uuid4()",
        mode: Mode::Token,
        setup: "import uuid",
        statement: "uuid.uuid4()",
        rust: None,
    },
    Case {
        name: "str(uuid.uuid4())",
        mode: Mode::Token,
        setup: "import uuid",
        statement: "str(uuid.uuid4())",
        rust: Some("uuid4"),
    },
    // Mersenne Twister, 128 bits: the seeded generator's 16-byte request.
    Case {
        name: "random.getrandbits(128)",
        mode: Mode::Call16,
        setup: "import random",
        statement: "random.getrandbits(128)",
        rust: Some("mt19937"),
    },
];

/// The script `python3 -c` runs; `sys.argv[1:]` are the run time in seconds and the runs. It
/// sizes `number` as the Rust timer sizes its batches (double until a tenth of a run), warms
/// up once, then prints `name, median, min, max, runs` in ns per call, tab-separated.
fn script() -> String {
    let cases: Vec<String> = CASES
        .iter()
        // Debug quoting of these ASCII constants is a valid Python string literal.
        .map(|case| format!("({:?}, {:?}, {:?})", case.name, case.setup, case.statement))
        .collect();
    format!(
        "import statistics, sys, timeit
run_time, runs = float(sys.argv[1]), int(sys.argv[2])
for name, setup, statement in [{}]:
    timer = timeit.Timer(statement, setup)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= run_time / 10 or number >= 1 << 30:
            break
        number *= 2
    number = max(1, int(number * run_time / max(elapsed, 1e-9)))
    timer.timeit(number)
    ns = [t * 1e9 / number for t in timer.repeat(repeat=runs, number=number)]
    print(name, statistics.median(ns), min(ns), max(ns), len(ns), sep='\\t', flush=True)
",
        cases.join(", ")
    )
}

/// Times every [`CASES`] call with `program`. `Err` is the one line to print when Python is
/// missing or fails; the bench then goes on without Python's rows.
pub fn measure(program: &str, budget: Budget) -> Result<Vec<Row>, String> {
    let output = Command::new(program)
        .arg("-c")
        .arg(script())
        .arg(budget.run_time.as_secs_f64().to_string())
        .arg(budget.runs.max(1).to_string())
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => {
                format!("{program} not found on PATH: Python's calls are not timed")
            }
            _ => format!("cannot run {program} ({error}): Python's calls are not timed"),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(format!(
            "{program} failed ({}): Python's calls are not timed",
            last.unwrap_or("no message").trim()
        ));
    }
    parse(&String::from_utf8_lossy(&output.stdout))
        .map_err(|error| format!("{program} printed {error}: Python's calls are not timed"))
}

/// Reads the script's lines back into rows (kind `python`, 16-byte requests).
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let bad = |what: &str| format!("{what} in line '{line}'");
            let fields: Vec<&str> = line.trim_end().split('\t').collect();
            let [name, median, min, max, runs] = fields[..] else {
                return Err(bad("not five tab-separated fields"));
            };
            let case = CASES
                .iter()
                .find(|case| case.name == name)
                .ok_or_else(|| bad("an unknown call"))?;
            let number = |text: &str| {
                text.parse::<f64>()
                    .ok()
                    .filter(|value| value.is_finite() && *value > 0.0)
                    .ok_or_else(|| bad("a time that is not a positive number"))
            };
            let runs = runs
                .parse::<u32>()
                .ok()
                .filter(|&runs| runs > 0)
                .ok_or_else(|| bad("a run count that is not a positive integer"))?;
            let stats = Stats {
                median: number(median)?,
                min: number(min)?,
                max: number(max)?,
                runs,
            };
            Ok(Row::new(case.name, RowKind::Python, case.mode, stats))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_scripts_lines() {
        let canned = "os.urandom(16)\t312.5\t300.25\t401\t7\n\
                      secrets.token_hex(16)\t655.0\t640.0\t700.0\t7\n\n";
        let rows = parse(canned).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].source, "os.urandom(16)");
        assert_eq!(rows[0].kind, RowKind::Python);
        assert_eq!(rows[0].mode, Mode::Call16);
        assert_eq!(rows[0].request_bytes, 16);
        assert_eq!(rows[0].median_ns_per_call, Some(312.5));
        assert_eq!(rows[0].median_gb_per_s, None);
        assert_eq!((rows[0].min, rows[0].max, rows[0].runs), (300.3, 401.0, 7));
        assert_eq!(rows[1].mode, Mode::Token);
        assert_eq!(rows[1].median_ns_per_call, Some(655.0));
    }

    #[test]
    fn rejects_what_the_script_never_prints() {
        for bad in [
            "os.urandom(16)\t312.5\t300\t401",
            "nope()\t1\t1\t1\t7",
            "os.urandom(16)\tnan\t1\t1\t7",
            "os.urandom(16)\t-3\t1\t1\t7",
            "os.urandom(16)\t3\t1\t1\t0",
            "Traceback (most recent call last):",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn a_missing_interpreter_is_one_line_not_an_error() {
        let note = measure("rngaudit-no-such-python3", Budget::QUICK).unwrap_err();
        assert!(
            note.contains("rngaudit-no-such-python3 not found"),
            "{note}"
        );
        assert_eq!(note.lines().count(), 1);
    }

    #[test]
    fn a_failing_interpreter_is_one_line_too() {
        // `false` exits 1 whatever its arguments: Python that fails.
        let note = measure("false", Budget::QUICK).unwrap_err();
        assert!(note.starts_with("false failed"), "{note}");
        assert_eq!(note.lines().count(), 1);
    }

    #[test]
    fn python3_when_present_times_every_case() {
        // Checks the script itself (it runs, prints a line per case, parses); machines without
        // python3 take the note path, which the test above covers.
        match measure(PROGRAM, Budget::QUICK) {
            Ok(rows) => {
                let names: Vec<&str> = rows.iter().map(|row| row.source.as_str()).collect();
                let expected: Vec<&str> = CASES.iter().map(|case| case.name).collect();
                assert_eq!(names, expected);
            }
            Err(note) => assert!(note.contains("not found"), "{note}"),
        }
    }

    #[test]
    fn case_names_survive_csv_and_the_scripts_format() {
        for case in CASES {
            assert!(case.name.is_ascii(), "{}", case.name);
            assert!(!case.name.contains([',', '\t', '"']), "{}", case.name);
        }
        // The script is one Python program that names every case.
        let script = script();
        for case in CASES {
            assert!(script.contains(case.statement), "{}", case.statement);
        }
    }
}
