//! Where a result comes from: the rngaudit version and commit, the date, the compiler, the CPU
//! and the thread count. Every report (`README.md`, `provenance.json`) and every `--json`
//! document carries one [`Provenance`], collected here and nowhere else, so that a figure read
//! months later can be traced to the code and the machine that produced it.
//!
//! The commit and the compiler are fixed when the binary is built (`build.rs`); the date, the
//! CPU and the threads when the command runs. The date is UTC in RFC 3339, computed from the
//! system clock with the civil-from-days algorithm rather than a date library.

use serde::Serialize;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// `provenance.json`, beside a report's CSV files.
pub const FILE: &str = "provenance.json";

/// What produced a result, and where and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The crate version (`Cargo.toml`).
    pub rngaudit_version: String,
    /// The commit the binary was built from; `None` when it was built outside a git work tree.
    pub git_commit: Option<String>,
    /// Whether the sources the binary was built from differed from that commit; `None` when
    /// git could not tell.
    pub git_dirty: Option<bool>,
    /// When the command ran: UTC, RFC 3339, to the second (`2026-12-02T06:44:33Z`).
    pub date: String,
    /// `rustc --version` of the compiler that built the binary.
    pub rustc: String,
    /// The CPU model as the operating system names it.
    pub cpu: String,
    /// Logical CPUs available to the process.
    pub logical_cpus: usize,
    /// Worker threads the command used.
    pub threads: usize,
}

impl Provenance {
    /// The provenance of a command running now with `threads` worker threads (0: one per core,
    /// as the runner and the bench read it, so the count recorded is the count used).
    pub fn collect(threads: usize) -> Provenance {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        Provenance {
            rngaudit_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: non_empty(env!("RNGAUDIT_GIT_COMMIT")).map(str::to_string),
            git_dirty: match env!("RNGAUDIT_GIT_DIRTY") {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            date: rfc3339_utc(seconds),
            rustc: env!("RNGAUDIT_RUSTC_VERSION").to_string(),
            cpu: cpu_model(),
            logical_cpus: std::thread::available_parallelism().map_or(1, usize::from),
            threads: resolve_threads(threads),
        }
    }

    /// The provenance as a JSON object.
    pub fn to_json(&self) -> Value {
        // A struct of strings, numbers and options always serialises; Null is never reached.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Adds `"provenance": {...}` to a JSON document (an object; anything else is left alone).
    pub fn attach(&self, document: &mut Value) {
        if let Value::Object(map) = document {
            map.insert("provenance".to_string(), self.to_json());
        }
    }

    /// The commit for people: the full hash with "(uncommitted changes)" when the tree was
    /// dirty, or why there is none.
    pub fn commit_text(&self) -> String {
        match (&self.git_commit, self.git_dirty) {
            (Some(commit), Some(true)) => format!("{commit} (with uncommitted changes)"),
            (Some(commit), _) => commit.clone(),
            (None, _) => "unknown (built outside a git work tree)".to_string(),
        }
    }

    /// Writes `provenance.json` into `dir`, through a temporary file renamed into place.
    pub fn write_file(&self, dir: &std::path::Path) -> Result<(), crate::Error> {
        let text = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
        crate::report::write_atomically(&dir.join(FILE), |out| {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")
        })
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// The threads a pool built with `threads` has: rayon reads 0 as its default (one per logical
/// CPU, or `RAYON_NUM_THREADS`), which is what its global pool was built with.
pub fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        rayon::current_num_threads()
    } else {
        threads
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ`.
pub fn rfc3339_utc(seconds: u64) -> String {
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01: Howard Hinnant's civil_from_days,
/// for days on or after the epoch. Shifting the epoch to 0000-03-01 puts leap days at the end
/// of the year, so the month follows from the day of that year by one linear formula.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // 719468 days from 0000-03-01 to 1970-01-01; 146097 days in a 400-year era.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The CPU model: /proc/cpuinfo's name for it where there is one, `sysctl` on macOS, and
/// otherwise the architecture.
pub fn cpu_model() -> String {
    let from_cpuinfo = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| cpu_model_from(&info));
    from_cpuinfo
        .or_else(macos_cpu_model)
        .unwrap_or_else(|| format!("unknown {} CPU", std::env::consts::ARCH))
}

/// The model in a /proc/cpuinfo text. x86 names it `model name`; ARM kernels `Hardware` or
/// (older ones) `Processor`; MIPS `cpu model`; PowerPC `cpu`; RISC-V `uarch`. Keys are matched
/// whole and with their case, since x86's `processor` is only an index.
pub fn cpu_model_from(cpuinfo: &str) -> Option<String> {
    const KEYS: [&str; 6] = [
        "model name",
        "Hardware",
        "Processor",
        "cpu model",
        "cpu",
        "uarch",
    ];
    let value = |key: &str| {
        cpuinfo
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim() == key)
            .map(|(_, value)| value.trim().to_string())
            .filter(|value| !value.is_empty())
    };
    KEYS.iter().find_map(|key| value(key))
}

#[cfg(target_os = "macos")]
fn macos_cpu_model() -> Option<String> {
    let output = std::process::Command::new("sysctl")
        .args(["-n", "machdep.cpu.brand_string"])
        .output()
        .ok()?;
    let model = String::from_utf8(output.stdout).ok()?;
    non_empty(model.trim()).map(str::to_string)
}

#[cfg(not(target_os = "macos"))]
fn macos_cpu_model() -> Option<String> {
    None
}

/// A fixed provenance for tests whose output must not depend on when or where they run.
#[cfg(test)]
pub(crate) fn fixture() -> Provenance {
    Provenance {
        rngaudit_version: "0.1.0".to_string(),
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".to_string()),
        git_dirty: Some(false),
        date: "2026-01-02T03:04:05Z".to_string(),
        rustc: "rustc 1.95.0 (59807616e 2026-04-14)".to_string(),
        cpu: "Test CPU".to_string(),
        logical_cpus: 2,
        threads: 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_known_answers() {
        // Epoch, a leap day in a year divisible by 400, the last second of a leap day, the
        // first day after a century that is not leap, a well-known timestamp, and the last
        // second of a year.
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_251_199, "2024-02-29T23:59:59Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (1_234_567_890, "2009-02-13T23:31:30Z"),
            (1_798_761_599, "2026-12-31T23:59:59Z"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(rfc3339_utc(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // Walk 1970..2400 day by day: each date is the previous one's successor, so no day is
        // skipped or repeated at month, year or century ends.
        let days_in = |year: u64, month: u64| match month {
            2 if year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400)) =>
            {
                29
            }
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut previous = civil_from_days(0);
        assert_eq!(previous, (1970, 1, 1));
        for day in 1..157_000 {
            let (year, month, date) = previous;
            let expected = if date < days_in(year, month) {
                (year, month, date + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
            let now = civil_from_days(day);
            assert_eq!(now, expected, "day {day}");
            previous = now;
        }
    }

    #[test]
    fn collected_provenance_has_every_field() {
        let provenance = Provenance::collect(3);
        assert_eq!(provenance.rngaudit_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(provenance.threads, 3);
        assert!(provenance.logical_cpus >= 1);
        assert!(
            provenance.rustc.starts_with("rustc "),
            "{}",
            provenance.rustc
        );
        assert!(!provenance.cpu.is_empty());
        // RFC 3339 UTC to the second: 2026-12-02T06:44:33Z.
        let date = provenance.date.as_bytes();
        assert_eq!(date.len(), 20, "{}", provenance.date);
        for (i, &byte) in date.iter().enumerate() {
            match i {
                4 | 7 => assert_eq!(byte, b'-'),
                10 => assert_eq!(byte, b'T'),
                13 | 16 => assert_eq!(byte, b':'),
                19 => assert_eq!(byte, b'Z'),
                _ => assert!(byte.is_ascii_digit(), "{}", provenance.date),
            }
        }
        if let Some(commit) = &provenance.git_commit {
            assert!(commit.len() >= 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert!(Provenance::collect(0).threads >= 1);
    }

    #[test]
    fn serialises_every_field_and_attaches_to_objects_only() {
        let value = fixture().to_json();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "cpu",
                "date",
                "git_commit",
                "git_dirty",
                "logical_cpus",
                "rngaudit_version",
                "rustc",
                "threads"
            ]
        );
        assert_eq!(value["threads"], 2);
        let mut document = serde_json::json!({ "battery": "default" });
        fixture().attach(&mut document);
        assert_eq!(document["provenance"], value);
        let mut list = serde_json::json!([1, 2]);
        fixture().attach(&mut list);
        assert_eq!(list, serde_json::json!([1, 2]));
        let unknown = Provenance {
            git_commit: None,
            git_dirty: None,
            ..fixture()
        };
        assert!(unknown.to_json()["git_commit"].is_null());
        assert!(unknown.commit_text().starts_with("unknown"));
    }

    #[test]
    fn writes_provenance_json() {
        let dir = tempfile::tempdir().unwrap();
        fixture().write_file(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(text.ends_with("}\n"));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value, fixture().to_json());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn cpu_models_by_architecture() {
        let x86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n";
        assert_eq!(cpu_model_from(x86).as_deref(), Some("AMD EPYC 7B13"));
        let old_arm = "Processor\t: ARMv7 Processor rev 4 (v7l)\nprocessor\t: 0\n\
                       Hardware\t: BCM2835\n";
        assert_eq!(cpu_model_from(old_arm).as_deref(), Some("BCM2835"));
        let power = "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\n";
        assert_eq!(
            cpu_model_from(power).as_deref(),
            Some("POWER9 (architected), altivec supported")
        );
        // Modern arm64 kernels give only numeric parts; an empty value is no name either.
        assert_eq!(cpu_model_from("processor\t: 0\nCPU part\t: 0xd0c\n"), None);
        assert_eq!(cpu_model_from("model name\t: \n"), None);
        assert!(!cpu_model().is_empty());
    }
}
