//! No data lost: `rngaudit report` killed at any moment leaves the previous report's files
//! as they were (or, killed while moving the new files in, each file whole), and no temporary
//! file in the output directory; a killed run may leave its `.staging-PID` directory behind.
//! And a seeded report is the same at any thread count.
//!
//! `report` runs the whole default plan, so these tests read the OS generator (its sources are
//! part of the plan); they compare only the rows of seeded sources and controls, whose streams
//! a seed determines.

use assert_cmd::cargo::cargo_bin;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SEED: &str = "11";

fn report(dir: &Path, threads: &str) -> Command {
    let mut command = Command::new(cargo_bin("rngaudit"));
    command
        .args([
            "report",
            "--quick",
            "--seed",
            SEED,
            "--threads",
            threads,
            "--out",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Runs a report to the end; exit 1 (a good unseeded source failing by chance) is allowed.
fn complete(dir: &Path, threads: &str) {
    let output = report(dir, threads).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "report failed: {stderr}"
    );
}

/// The report's files by name, and every entry whose name starts with a dot.
fn snapshot(dir: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut hidden = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            hidden.push(name);
        } else if entry.file_type().unwrap().is_file() {
            files.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    (files, hidden)
}

/// Hidden entries may only be staging directories left by a killed run.
fn assert_no_temporaries(dir: &Path, hidden: &[String]) {
    for name in hidden {
        let digits = name.strip_prefix(".staging-").unwrap_or("");
        assert!(
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && dir.join(name).is_dir(),
            "temporary left in the output directory: {name}"
        );
    }
}

fn kill(mut child: Child) {
    // SIGKILL on Unix: nothing of the process runs after it, no clean-up, no unwinding.
    let _ = child.kill();
    let _ = child.wait();
}

/// Lines of a CSV whose first column names a seeded source or a control (the rows a seed
/// determines), with the header.
fn seeded_rows(csv: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(csv);
    let reproducible: Vec<&str> = rngaudit::source::SOURCES
        .iter()
        .filter(|s| s.kind.is_reproducible())
        .map(|s| s.name)
        .collect();
    text.lines()
        .enumerate()
        .filter(|(i, line)| *i == 0 || reproducible.contains(&line.split(',').next().unwrap_or("")))
        .map(|(_, line)| line.to_string())
        .collect()
}

/// A file replaced by a later run of the same plan is whole: same header and length for the
/// CSVs with the same seeded rows, a complete PNG, a finished Markdown page.
fn assert_whole(name: &str, old: &[u8], new: &[u8]) {
    if old == new {
        return;
    }
    if name.ends_with(".csv") {
        let (old_text, new_text) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
        assert_eq!(
            old_text.lines().next(),
            new_text.lines().next(),
            "{name}: header"
        );
        assert_eq!(
            old_text.lines().count(),
            new_text.lines().count(),
            "{name}: rows"
        );
        if name == "results.csv" {
            assert_eq!(seeded_rows(old), seeded_rows(new), "{name}: seeded rows");
        }
    } else if name.ends_with(".png") {
        assert!(new.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: signature");
        assert!(new.ends_with(b"IEND\xaeB`\x82"), "{name}: cut short");
    } else {
        assert!(new.ends_with(b"\n") && new.len() > old.len() / 2, "{name}");
    }
}

#[test]
fn a_killed_report_leaves_the_previous_report_intact() {
    let dir = tempfile::tempdir().unwrap();
    complete(dir.path(), "2");
    let (before, hidden) = snapshot(dir.path());
    assert!(before.contains_key("results.csv"), "{:?}", before.keys());
    assert!(hidden.is_empty(), "{hidden:?}");

    // Killed while computing (a quick report takes a second or more).
    let child = report(dir.path(), "2").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    kill(child);
    let (after, hidden) = snapshot(dir.path());
    assert_no_temporaries(dir.path(), &hidden);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &before {
        assert!(after[name] == *bytes, "{name} changed under a killed run");
    }

    // Killed while it writes: as soon as anything in the directory changes (its staging
    // directory appears, or any file is touched), and again a little later.
    for delay in [0u64, 10, 40] {
        let child = report(dir.path(), "2").spawn().unwrap();
        let killed_while_writing = kill_once_writing(child, dir.path(), delay);
        let (after, hidden) = snapshot(dir.path());
        println!("killed {delay} ms into writing; left behind: {hidden:?}");
        assert_no_temporaries(dir.path(), &hidden);
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            before.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &before {
            assert_whole(name, bytes, &after[name]);
        }
        if !killed_while_writing {
            println!("run with delay {delay} ms finished before it was killed");
        }
    }
}

/// What the directory looks like: names, and each file's length and modification time.
fn listing(dir: &Path) -> BTreeMap<String, Option<(u64, std::time::SystemTime)>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stamp = entry
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            (name, stamp)
        })
        .collect()
}

/// Waits until the directory changes, then `delay_ms` more, and kills the run; says whether
/// the run was still going when it was killed.
fn kill_once_writing(mut child: Child, dir: &Path, delay_ms: u64) -> bool {
    let quiet = listing(dir);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if listing(dir) != quiet {
            std::thread::sleep(Duration::from_millis(delay_ms));
            let running = child.try_wait().unwrap().is_none();
            kill(child);
            return running;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    kill(child);
    false
}

#[test]
fn seeded_report_rows_do_not_depend_on_the_thread_count() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    complete(one.path(), "1");
    complete(two.path(), "2");
    let read = |dir: &Path| std::fs::read(dir.join("results.csv")).unwrap();
    let (a, b) = (
        seeded_rows(&read(one.path())),
        seeded_rows(&read(two.path())),
    );
    // Header plus 15 reproducible sources × 20 streams × at least 7 outcomes.
    assert!(a.len() > 1000, "{} rows", a.len());
    assert_eq!(a, b, "seeded rows differ between --threads 1 and 2");
}
