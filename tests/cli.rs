//! End-to-end tests of the `rngaudit` binary (as hyperfine tests its CLI): exit codes, the
//! one-line errors, determinism across thread counts and Python-compatible dumps. Every run
//! uses seeded sources only, so these tests never read the OS generator.

use assert_cmd::Command;
use predicates::prelude::*;

fn rngaudit() -> Command {
    Command::cargo_bin("rngaudit").expect("binary built")
}

/// Asserts that a command failed with exit code 2 and exactly one line on stderr.
fn assert_usage_error(command: &mut Command, mentions: &str) {
    let output = command.output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains(mentions), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}

#[test]
fn list_names_every_source_and_test() {
    let output = rngaudit().arg("list").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for source in rngaudit::source::SOURCES {
        assert!(text.contains(source.name), "{} missing", source.name);
    }
    for test in rngaudit::battery::DEFAULT {
        assert!(text.contains(test.name), "{} missing", test.name);
    }
}

#[test]
fn mt19937_dump_equals_python_random() {
    // CPython 3.11.7: r = random.Random(42);
    // b''.join(r.getrandbits(32).to_bytes(4, 'little') for _ in range(4)).hex()
    rngaudit()
        .args(["dump", "mt19937", "--seed", "42", "--bytes", "16"])
        .assert()
        .success()
        .stdout(predicate::function(|out: &[u8]| {
            out.iter().map(|b| format!("{b:02x}")).collect::<String>()
                == "9d79b1a37f31801cd11a6706fb40d6bd"
        }));
}

#[test]
fn dump_writes_exactly_the_requested_size() {
    let output = rngaudit()
        .args(["dump", "pcg32", "--bytes", "100K"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(output.stdout.len(), 100 * 1024);
}

#[test]
fn bad_usage_is_one_line_and_exit_2() {
    assert_usage_error(rngaudit().args(["run", "nosuchsource"]), "unknown source");
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--bytes", "0"]),
        "invalid size",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--bytes", "12Q"]),
        "invalid size",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--bytes", "-1"]),
        "invalid size",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--bytes", "99999999999T"]),
        "invalid size",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--streams", "0"]),
        "streams",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--tests", "nosuchtest"]),
        "unknown test",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--battery", "nope"]),
        "unknown battery",
    );
    assert_usage_error(rngaudit().args(["dump", "nosuchsource"]), "unknown source");
    assert_usage_error(rngaudit().args(["frobnicate"]), "unrecognized subcommand");
}

#[test]
fn unwritable_out_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    assert_usage_error(
        rngaudit()
            .args(["run", "pcg32", "--bytes", "64K", "--streams", "2", "--out"])
            .arg(blocker.join("sub")),
        "output directory",
    );
}

#[test]
fn results_are_identical_at_any_thread_count() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        rngaudit()
            .args(["run", "pcg32", "mt19937", "ctl_counter", "--bytes", "64K"])
            .args([
                "--streams",
                "4",
                "--seed",
                "7",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .code(predicate::in_iter([0, 1]));
    }
    for file in ["results.csv", "summary.csv"] {
        let a = std::fs::read(one.path().join(file)).unwrap();
        let b = std::fs::read(two.path().join(file)).unwrap();
        assert!(!a.is_empty());
        assert_eq!(a, b, "{file} differs between --threads 1 and 2");
    }
}

#[test]
fn json_is_one_document_with_verdicts() {
    let output = rngaudit()
        .args([
            "run",
            "chacha20",
            "ctl_counter",
            "--bytes",
            "512K",
            "--streams",
            "3",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sources = document["sources"].as_array().unwrap();
    let verdict = |name: &str| {
        sources
            .iter()
            .find(|s| s["source"] == name)
            .map(|s| s["verdict"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_ne!(verdict("chacha20"), "fail");
    assert_eq!(verdict("ctl_counter"), "fail");
}
