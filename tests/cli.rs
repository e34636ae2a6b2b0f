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
    for battery in rngaudit::battery::battery_names() {
        assert!(
            text.contains(&format!("BATTERY {battery} ")),
            "{battery} missing"
        );
    }
    for battery in rngaudit::battery::BATTERIES {
        for test in battery.tests {
            assert!(text.contains(test.name), "{} missing", test.name);
        }
    }
}

#[test]
fn run_with_the_ent_battery_gives_ent_figures_per_source() {
    let run = rngaudit()
        .args([
            "run",
            "pcg32",
            "--battery",
            "ent",
            "--bytes",
            "64K",
            "--seed",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    let seed = rngaudit::seeds::stream_seed(3, "pcg32", 0);
    // The same bytes through `file --battery ent` give the same figures, as `ent` prints them.
    let bytes = rngaudit()
        .args([
            "dump",
            "pcg32",
            "--bytes",
            "64K",
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .unwrap()
        .stdout;
    let file = rngaudit()
        .args(["file", "-", "--battery", "ent"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    let expected = String::from_utf8(file.stdout).unwrap();
    assert_eq!(
        text,
        format!("== pcg32 (65536 bytes, seed {seed}) ==\n{expected}\n")
    );
}

#[test]
fn power_and_calibrate_print_json() {
    let power = rngaudit()
        .args(["power", "ctl_counter", "--max", "4K", "--json"])
        .output()
        .unwrap();
    assert_eq!(power.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&power.stdout).unwrap();
    assert_eq!(document["detections"][0]["source"], "ctl_counter");
    assert_eq!(document["detections"][0]["fails_at_bytes"], 1024);
    assert!(document["provenance"]["rngaudit_version"].is_string());
    let calibrate = rngaudit()
        .args([
            "calibrate",
            "--bytes",
            "4K",
            "--streams",
            "200",
            "--reports",
            "2",
            "--json",
        ])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&calibrate.stdout).unwrap();
    let tests = document["tests"].as_array().unwrap();
    assert!(tests
        .iter()
        .any(|t| t["test"] == "frequency" && t["streams"] == 200 && t["rate"].as_f64().is_some()));
    assert_eq!(document["verdict_rule"][0]["reports"], 2);
}

#[test]
fn calibrate_help_says_how_much_work_its_defaults_do() {
    let help = rngaudit().args(["calibrate", "--help"]).output().unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("48.8 GiB"), "{text}");
    assert!(text.contains("--quick"), "{text}");
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

#[test]
fn file_reads_stdin_and_files_alike() {
    let dump = rngaudit()
        .args(["dump", "chacha20", "--seed", "3", "--bytes", "1M"])
        .output()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chacha20.bin");
    std::fs::write(&path, &dump.stdout).unwrap();
    let from_file = rngaudit()
        .args(["file", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let from_stdin = rngaudit()
        .args(["file", "-", "--json"])
        .write_stdin(dump.stdout.clone())
        .output()
        .unwrap();
    assert_eq!(from_file.status.code(), Some(0));
    let file_doc: serde_json::Value = serde_json::from_slice(&from_file.stdout).unwrap();
    let stdin_doc: serde_json::Value = serde_json::from_slice(&from_stdin.stdout).unwrap();
    assert_eq!(file_doc["bytes"], 1 << 20);
    let p_values = |document: &serde_json::Value| -> Vec<serde_json::Value> {
        document["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["p_value"].clone())
            .collect()
    };
    assert!(!p_values(&file_doc).is_empty());
    assert_eq!(p_values(&file_doc), p_values(&stdin_doc));
    assert_eq!(stdin_doc["sources"][0]["source"], "stdin");
}

#[test]
fn file_catches_a_biased_generator() {
    let dump = rngaudit()
        .args(["dump", "ctl_bias52", "--seed", "3", "--bytes", "256K"])
        .output()
        .unwrap();
    let output = rngaudit()
        .args(["file", "-", "--json"])
        .write_stdin(dump.stdout)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["sources"][0]["verdict"], "fail");
}

#[test]
fn file_bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert_usage_error(
        rngaudit().args(["file", "/nonexistent/input"]),
        "/nonexistent/input",
    );
    assert_usage_error(rngaudit().arg("file").arg(dir.path()), "directory");
    assert_usage_error(rngaudit().arg("file").arg(&empty), "empty");
    let no_digits = dir.path().join("text");
    std::fs::write(&no_digits, b"no binary digits here").unwrap();
    assert_usage_error(
        rngaudit()
            .args(["file", "--input-format", "ascii01"])
            .arg(&no_digits),
        "no whole byte of 0/1 digits",
    );
    assert_usage_error(
        rngaudit()
            .args(["file", "-", "--streams", "4"])
            .write_stdin(vec![0u8; 100]),
        "needs --bytes",
    );
}

/// The library words its errors without flags; the binary names the flag that set the value.
#[test]
fn errors_from_the_library_name_the_flag_that_set_the_value() {
    assert_usage_error(
        rngaudit().args(["run", "chacha20", "--streams", "0"]),
        "--streams must be at least 1",
    );
    assert_usage_error(
        rngaudit().args(["run", "chacha20", "--battery", "nist", "--seqs", "0"]),
        "--seqs must be at least 1",
    );
    assert_usage_error(
        rngaudit()
            .args(["file", "-", "--battery", "nist", "--seq-bits", "1000"])
            .write_stdin(vec![0u8; 10]),
        "stdin has 80 bits; one sequence needs 1000 (lower --seq-bits",
    );
    assert_usage_error(
        rngaudit().args(["run", "choice62", "--battery", "nist"]),
        "the nist battery cannot run on choice62",
    );
    assert_usage_error(
        rngaudit().args(["run", "chacha20", "--param", "monobit"]),
        "--param 'monobit': expected TEST.NAME=VALUE",
    );
    assert_usage_error(
        rngaudit().args(["run", "chacha20", "--param", "monobit.nope=3"]),
        "--param 'monobit.nope': no selected test has that parameter",
    );
    assert_usage_error(
        rngaudit().args(["run", "chacha20", "--tests", ","]),
        "--tests names no test",
    );
    assert_usage_error(
        rngaudit().args(["calibrate", "--streams", "0", "--reports", "0"]),
        "--streams must be at least 1",
    );
    assert_usage_error(
        rngaudit().args(["power", "--max", "1000"]),
        "--max must be at least 1K (2^10 bytes)",
    );
}

#[test]
fn nist_battery_on_ascii_and_binary_input_agrees() {
    // The same 20,000 bits as ASCII digits and as packed bytes (most significant bit first).
    let dump = rngaudit()
        .args(["dump", "pcg64", "--seed", "5", "--bytes", "2500"])
        .output()
        .unwrap();
    let ascii: String = dump
        .stdout
        .iter()
        .map(|byte| format!("{byte:08b}\n"))
        .collect();
    let run = |format: &str, input: Vec<u8>| {
        let output = rngaudit()
            .args(["file", "-", "--battery", "nist", "--seq-bits", "10000"])
            .args(["--seqs", "2", "--json", "--input-format", format])
            .write_stdin(input)
            .output()
            .unwrap();
        assert!(
            output.status.code().unwrap() < 2,
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        document["results"].clone()
    };
    let binary = run("bin", dump.stdout.clone());
    assert!(binary.as_array().unwrap().len() > 100);
    assert_eq!(binary, run("ascii01", ascii.into_bytes()));
}

#[test]
fn ent_battery_prints_what_ent_prints() {
    // Each fixture's expected output was recorded from Debian's /usr/bin/ent (ent 1.2); the
    // first line of the recording names the command that made it.
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ent/");
    for name in ["random.bin", "biased.bin", "english.txt"] {
        for (suffix, extra) in [("ent", None), ("ent-b", Some("--bits"))] {
            let recorded =
                std::fs::read_to_string(format!("{fixtures}{name}.{suffix}.txt")).unwrap();
            let expected: String = recorded.split_inclusive('\n').skip(1).collect();
            let mut command = rngaudit();
            command
                .args(["file", "--battery", "ent"])
                .arg(format!("{fixtures}{name}"));
            if let Some(flag) = extra {
                command.arg(flag);
            }
            let output = command.output().unwrap();
            assert_eq!(output.status.code(), Some(0));
            assert_eq!(
                String::from_utf8(output.stdout).unwrap(),
                expected,
                "{name} {suffix}"
            );
        }
    }
}

/// `file -` on `input` in the terminal view: stdout, stderr and the exit code.
fn file_terminal(input: Vec<u8>, args: &[&str]) -> (String, String, i32) {
    let output = rngaudit()
        .args(["file", "-"])
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr, output.status.code().unwrap_or(-1))
}

/// The raw bytes of a seeded source.
fn dump(source: &str, seed: &str, bytes: &str) -> Vec<u8> {
    let output = rngaudit()
        .args(["dump", source, "--seed", seed, "--bytes", bytes])
        .output()
        .unwrap();
    assert!(output.status.success());
    output.stdout
}

/// The line that gives the input's verdict.
fn verdict_line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no verdict line in {stdout}"))
}

#[test]
fn a_failing_single_stream_shows_its_p_values() {
    // 512 KiB: long enough for every test of the default battery (serial needs 320 KiB). The
    // doublings fail from 2 KiB on; --keep-going reads on to the end all the same.
    let (stdout, _, code) = file_terminal(
        dump("ctl_bias52", "3", "512K"),
        &["--keep-going", "--battery", "default"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("length= 2^10 bytes (1K): "), "{stdout}");
    assert!(
        stdout.contains("\nlength= 2^19 bytes (512K): FAIL in "),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nrngaudit: battery default on stdin, 512 KiB (1 stream), family α"),
        "{stdout}"
    );
    let header = stdout.lines().find(|l| l.starts_with("test ")).unwrap();
    for column in ["verdict", "statistic", "p-value", "Holm p"] {
        assert!(header.contains(column), "{header}");
    }
    // Each failing row carries a p-value and its Holm value, never a bare pass/FAIL.
    let monobit = stdout.lines().find(|l| l.starts_with("monobit ")).unwrap();
    let fields: Vec<&str> = monobit.split("  ").filter(|f| !f.is_empty()).collect();
    assert_eq!(fields[1].trim(), "FAIL", "{monobit}");
    let holm = fields.last().unwrap().trim();
    assert!(
        holm == "< 1e-300" || holm.parse::<f64>().is_ok_and(|p| p <= 0.01),
        "{monobit}"
    );
    assert!(!stdout.contains("n/a (< 10 streams)"), "{stdout}");
    assert!(!stdout.contains("master seed"), "{stdout}");
    let line = verdict_line(&stdout, "stdin");
    assert!(line.starts_with("stdin: FAIL — "), "{line}");
    assert!(line.contains(" of 7 tests failed"), "{line}");
}

#[test]
fn a_hundred_bytes_are_not_called_a_pass_and_skips_say_why() {
    let input = dump("chacha20", "1", "100");
    let (stdout, _, code) = file_terminal(input.clone(), &["--battery", "default"]);
    // Four tests ran and passed; three need more data. That is reported, with exit 0, but
    // never as a pass.
    assert_eq!(code, 0, "{stdout}");
    let line = verdict_line(&stdout, "stdin");
    assert!(line.starts_with("stdin: INCOMPLETE — "), "{line}");
    assert!(!line.contains("pass"), "{line}");
    assert!(!stdout.contains("came out as expected"), "{stdout}");
    let skipped = stdout
        .split("Skipped, with the reason:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no skipped section in {stdout}"));
    for reason in [
        "  frequency: needs at least 1280 symbols (5 per symbol value), got 100\n",
        "  serial: needs at least 327680 symbols",
        "  entropy: needs at least 4096 symbols",
        "  symbol_runs: an alphabet of 256 symbols is a whole number of bits",
    ] {
        assert!(skipped.contains(reason), "{reason} missing: {stdout}");
    }
    let json = rngaudit()
        .args(["file", "-", "--json", "--battery", "default"])
        .write_stdin(input)
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["sources"][0]["verdict"], "incomplete");
}

#[test]
fn input_too_short_for_any_test_is_exit_2_with_one_line() {
    let (stdout, stderr, code) =
        file_terminal(dump("chacha20", "1", "10"), &["--battery", "default"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "rngaudit: stdin: too short to test: 10 bytes; the shortest test (monobit) needs 13 bytes"
    );
    assert!(!stdout.contains("pass"), "{stdout}");
    assert!(
        stdout.contains("  monobit: needs at least 100 bits, got 80\n"),
        "{stdout}"
    );
    // The deep battery (file's default) words its shortfalls as "needs N bytes": the same line.
    let (stdout, stderr, code) = file_terminal(dump("chacha20", "1", "10"), &[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr
            .trim_end()
            .starts_with("rngaudit: stdin: too short to test: 10 bytes; the shortest test ("),
        "{stderr}"
    );
    assert!(!stdout.contains("pass"), "{stdout}");
    // The same for built-in sources: no stream long enough for any test.
    let output = rngaudit()
        .args(["run", "pcg32", "--bytes", "10", "--streams", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("pcg32: too short to test: 10 bytes per stream"));
}

#[test]
fn run_lists_every_cell_with_its_p_values() {
    let output = rngaudit()
        .args([
            "run",
            "chacha20",
            "ctl_bias52",
            "--bytes",
            "64K",
            "--streams",
            "4",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let header = stdout
        .lines()
        .find(|l| l.starts_with("source") && l.contains("passed"))
        .unwrap();
    assert!(
        header.contains("uniformity p") && header.contains("cell p") && header.ends_with("Holm p"),
        "{header}"
    );
    let caught = stdout
        .lines()
        .find(|l| l.starts_with("ctl_bias52  monobit"))
        .unwrap();
    assert!(caught.contains("FAIL"), "{caught}");
    // serial needs 320 KiB: skipped with its reason, and the sources are not called a pass.
    assert!(
        stdout.contains("  serial: needs at least 327680 symbols (5 per pair of symbol values), got 65536 (every source)"),
        "{stdout}"
    );
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("chacha20") && l.contains("incomplete")));
    assert!(stdout.lines().all(|l| l.chars().count() <= 118), "{stdout}");
}

#[test]
fn summary_csv_has_cell_and_holm_p_values() {
    let dir = tempfile::tempdir().unwrap();
    rngaudit()
        .args(["run", "chacha20", "ctl_counter", "--bytes", "512K"])
        .args(["--streams", "3", "--seed", "7", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    let summary = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next(),
        Some(
            "source,kind,test,streams,pass_proportion,uniformity_p,verdict,expected,cell_p,holm_p"
        )
    );
    let mut measured = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 10, "{line}");
        if fields[6] == "skipped" {
            assert_eq!((fields[8], fields[9]), ("", ""), "{line}");
            continue;
        }
        measured += 1;
        let cell: f64 = fields[8].parse().unwrap();
        let holm: f64 = fields[9].parse().unwrap();
        assert!(cell <= holm && holm <= 1.0, "{line}");
        // The verdict follows the Holm-adjusted p-value at the family α of 0.01.
        assert_eq!(fields[6] == "fail", holm <= 0.01, "{line}");
    }
    assert_eq!(measured, 14);
    // results.csv keeps its columns.
    let results = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    assert!(results.starts_with("source,kind,stream,seed,bytes,test,statistic,p_value,verdict\n"));
}

/// Every format is chosen with `--format`: one document on stdout without `--out`, the files of
/// each named format (with what they cite, and the provenance) under `--out`.
#[test]
fn formats_are_chosen_with_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit");
    let output = rngaudit()
        .args([
            "run",
            "pcg32",
            "ctl_counter",
            "--bytes",
            "64K",
            "--streams",
            "3",
        ])
        .args(["--format", "html", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // stdout still shows the table; the page brings the CSV files it cites and the provenance.
    assert!(String::from_utf8_lossy(&output.stdout).contains("ctl_counter"));
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected = vec![
        "figures.csv",
        "index.html",
        "provenance.json",
        "results.csv",
        "summary.csv",
    ];
    if cfg!(feature = "charts") {
        expected.extend(["pvalues.png", "verdicts.png"]);
        expected.sort();
    }
    assert_eq!(written, expected);
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("Regenerate it with <code>rngaudit run pcg32 ctl_counter"));

    // Without --out, the one format named is what stdout shows.
    let dump = rngaudit()
        .args(["dump", "chacha20", "--seed", "2", "--bytes", "40K"])
        .output()
        .unwrap()
        .stdout;
    let show = |format: &str, battery: &str| {
        let output = rngaudit()
            .args(["file", "-", "--battery", battery, "--seq-bits", "40000"])
            .args(["--seqs", "8", "--format", format])
            .write_stdin(dump.clone())
            .output()
            .unwrap();
        assert!(output.status.code().unwrap() < 2, "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(show("markdown", "default").starts_with("# rngaudit report\n"));
    let sts = show("sts", "nist");
    assert!(
        sts.contains("RESULTS FOR THE UNIFORMITY OF P-VALUES"),
        "{sts}"
    );
    assert!(sts.contains("Family-wise verdict"), "{sts}");
    // The terminal table of the same NIST run, asked for by name.
    assert!(show("terminal", "nist").contains("Holm p adjusts each test"));

    // What cannot be: files without a directory, two documents on one stdout, a chart of
    // ENT's figures. Each is refused before anything runs.
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--format", "png"]),
        "--format png writes files",
    );
    assert_usage_error(
        rngaudit().args(["run", "pcg32", "--format", "json", "--format", "sts"]),
        "give --out DIR",
    );
    assert_usage_error(
        rngaudit()
            .args([
                "run",
                "pcg32",
                "--battery",
                "ent",
                "--format",
                "html",
                "--out",
            ])
            .arg(dir.path().join("ent")),
        "ENT's figures have no verdicts",
    );
    assert!(!dir.path().join("ent").exists());
}

/// `file` judges one stream at every doubling in one pass and stops at the first that fails;
/// `--json` holds every look and `first_fail_bytes`.
#[test]
fn file_reports_every_doubling_and_the_first_failure() {
    let output = rngaudit()
        .args(["file", "-", "--json"])
        .write_stdin(dump("ctl_bias52", "3", "1M"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let looks = document["checkpoints"].as_array().unwrap();
    let first = document["first_fail_bytes"].as_u64().unwrap();
    assert_eq!(looks.last().unwrap()["bytes"].as_u64(), Some(first));
    assert_eq!(looks.last().unwrap()["verdict"], "fail");
    assert_eq!(document["bytes_analysed"].as_u64(), Some(first));
    assert!(first.is_power_of_two() && first < 1 << 20, "{first}");
    // A good generator: every doubling of 1 MiB passes, and the end is the last look.
    let output = rngaudit()
        .args(["file", "-", "--json"])
        .write_stdin(dump("chacha20", "3", "1M"))
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["first_fail_bytes"].is_null());
    let looks = document["checkpoints"].as_array().unwrap();
    let lengths: Vec<u64> = looks.iter().map(|l| l["bytes"].as_u64().unwrap()).collect();
    assert_eq!(lengths, (10..=20).map(|k| 1u64 << k).collect::<Vec<_>>());
}

/// `power` takes a user's input as well as built-in names: one pass, first failing doubling.
#[test]
fn power_searches_stdin_and_files() {
    let biased = dump("ctl_bias52", "3", "1M");
    let output = rngaudit()
        .args(["power", "-", "--json"])
        .write_stdin(biased.clone())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let detection = &document["detections"][0];
    assert_eq!(detection["source"], "stdin");
    let at = detection["fails_at_bytes"].as_u64().unwrap();
    assert!(at.is_power_of_two() && at <= 1 << 14, "{detection}");
    // The same bytes from a file, beside a built-in control: the same length.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("biased.bin");
    std::fs::write(&path, &biased).unwrap();
    let output = rngaudit()
        .args(["power", "ctl_counter", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["detections"][0]["source"], "ctl_counter");
    assert_eq!(
        document["detections"][1]["fails_at_bytes"].as_u64(),
        Some(at)
    );
    // A good generator's bytes: not caught up to what there is, exit 0.
    let output = rngaudit()
        .args(["power", "-"])
        .write_stdin(dump("chacha20", "3", "256K"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("not caught"));
}

/// `power --word` narrows the word lanes: glibc random()'s low 16 bits, caught at 4 KiB in a
/// 16-bit lane, are caught later through the 32-bit lanes alone (and the failing tests say so);
/// the controls are shown, not judged, so a later catch is no failure of the command.
#[test]
fn power_narrows_word_lanes() {
    let first_fail = |word: &[&str]| {
        let output = rngaudit()
            .args(["power", "ctl_glibc_random_lo16", "--max", "1M", "--json"])
            .args(word)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let detection = document["detections"][0].clone();
        (
            detection["fails_at_bytes"].as_u64().unwrap(),
            detection["first_failing_tests"].to_string(),
        )
    };
    let (every, every_tests) = first_fail(&[]);
    let (only_16, _) = first_fail(&["--word", "16"]);
    let (only_32, tests_32) = first_fail(&["--word", "32"]);
    assert_eq!(every, 4096, "{every_tests}");
    assert_eq!(only_16, every);
    assert!(only_32 > every, "{only_32}");
    assert!(
        tests_32.contains("/32") || tests_32.contains("32-bit"),
        "{tests_32}"
    );
    assert!(!tests_32.contains("16"), "{tests_32}");
    // A size that is not a word size is a usage error.
    let output = rngaudit().args(["power", "--word", "12"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// A JSON report without what differs between runs of the same work: when and how it ran.
fn results_only(stdout: &[u8]) -> serde_json::Value {
    let mut document: serde_json::Value = serde_json::from_slice(stdout).expect("JSON");
    document
        .as_object_mut()
        .expect("an object")
        .remove("provenance");
    document
}

/// Issue #11 §3: one stream (a file, stdin) is cut into segments analysed on every thread and
/// merged exactly, so the report does not depend on `--threads`: every look and every number.
#[test]
fn file_results_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.bin");
    // Past several 4 MiB segments and checkpoints, ending between two of them.
    std::fs::write(&path, dump("pcg64", "9", "9000K")).unwrap();
    let report = |threads: &str| {
        let output = rngaudit()
            .args(["file", "--format", "json", "--threads", threads])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        results_only(&output.stdout)
    };
    let one = report("1");
    assert_eq!(one["checkpoints"].as_array().unwrap().len(), 15);
    assert_eq!(one["bytes_analysed"].as_u64(), Some(9000 * 1024));
    assert_eq!(report("2"), one);
    assert_eq!(report("3"), one);
    // A failing stream stops at the same look on any number of threads.
    let biased = dump("ctl_bias52", "3", "8M");
    let piped = |threads: &str| {
        let output = rngaudit()
            .args(["file", "-", "--json", "--threads", threads])
            .write_stdin(biased.clone())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        results_only(&output.stdout)
    };
    let one = piped("1");
    assert!(one["first_fail_bytes"].as_u64().is_some());
    assert_eq!(piped("2"), one);
}

/// Issue #11 §2 for `run`: with one stream per source, each source is judged at every doubling
/// (a line per look as it is reached, named by source), a control stops at its first failing
/// look and a good generator reads to --bytes; JSON holds every look with its source and each
/// source's first failure. Results do not depend on --threads.
#[test]
fn run_with_one_stream_reports_every_doubling_per_source() {
    let args = [
        "run",
        "chacha20",
        "ctl_bias52",
        "--streams",
        "1",
        "--bytes",
        "4M",
        "--seed",
        "1",
    ];
    let output = rngaudit().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("chacha20: length= 2^10 bytes (1K): no anomalies"));
    assert!(text.contains("chacha20: length= 2^22 bytes (4M): no anomalies"));
    let control_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("ctl_bias52: length="))
        .collect();
    assert_eq!(control_lines.len(), 1, "{text}");
    assert!(control_lines[0].contains("FAIL"), "{text}");

    let json = |extra: &[&str]| {
        let output = rngaudit()
            .args(args)
            .args(["--json"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        results_only(&output.stdout)
    };
    let document = json(&["--threads", "1"]);
    let looks = document["checkpoints"].as_array().unwrap();
    let of = |source: &str| -> Vec<&serde_json::Value> {
        looks.iter().filter(|l| l["source"] == source).collect()
    };
    let good: Vec<u64> = of("chacha20")
        .iter()
        .map(|l| l["bytes"].as_u64().unwrap())
        .collect();
    assert_eq!(good, (10..=22).map(|k| 1u64 << k).collect::<Vec<_>>());
    assert!(of("chacha20").iter().all(|l| l["verdict"] != "fail"));
    let control = of("ctl_bias52");
    assert_eq!(control.len(), 1);
    assert_eq!(control[0]["verdict"], "fail");
    let sources = document["sources"].as_array().unwrap();
    assert_eq!(sources[0]["source"], "chacha20");
    assert!(sources[0]["first_fail_bytes"].is_null());
    assert_eq!(sources[0]["verdict"], "pass");
    assert_eq!(sources[1]["first_fail_bytes"].as_u64(), Some(1024));
    assert_eq!(sources[1]["verdict"], "fail");
    assert_eq!(document["first_fail_bytes"].as_u64(), Some(1024));
    assert_eq!(document["results"][0]["bytes"].as_u64(), Some(4 << 20));
    assert_eq!(json(&["--threads", "2"]), document);

    // --keep-going reads the control on to --bytes, failing at every look.
    let document = json(&["--keep-going"]);
    let looks = document["checkpoints"].as_array().unwrap();
    let control: Vec<_> = looks
        .iter()
        .filter(|l| l["source"] == "ctl_bias52")
        .collect();
    assert_eq!(control.len(), 13);
    assert_eq!(
        document["sources"][1]["first_fail_bytes"].as_u64(),
        Some(1024)
    );

    // The Markdown and HTML reports say at which look and level each source was judged.
    let dir = tempfile::tempdir().unwrap();
    let output = rngaudit()
        .args(args)
        .args(["--format", "markdown", "--format", "html", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let levels = "a source's verdict is its last look's: chacha20 at 4 MiB (Holm at 5.49e-5); \
                  ctl_bias52 at 1 KiB (Holm at 0.005)";
    for page in ["README.md", "index.html"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(levels), "{page}: {text}");
    }
}

/// With several streams per source the verdict comes from the second level (one look), as
/// `run --help` says.
#[test]
fn run_with_several_streams_has_no_checkpoints() {
    let output = rngaudit()
        .args([
            "run",
            "pcg64",
            "--streams",
            "10",
            "--bytes",
            "64K",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document = results_only(&output.stdout);
    assert_eq!(document["checkpoints"].as_array().unwrap().len(), 0);
    assert!(document["sources"][0]["first_fail_bytes"].is_null());
    let help = rngaudit().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--keep-going"), "{help}");
    assert!(help.contains("second level across the streams"), "{help}");
}

#[test]
fn weak_controls_are_judged_only_by_the_tests_that_see_them() {
    // The default battery cannot see java.util.Random: it is not judged, and not a miss.
    let output = rngaudit()
        .args(["run", "ctl_java_random", "--battery", "default"])
        .args(["--bytes", "64K", "--streams", "10"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("not judged: needs lag_differences or lane_lags"),
        "{text}"
    );
    // The deep battery holds brank, which must catch xorshift32; it does.
    let output = rngaudit()
        .args(["run", "ctl_xorshift32", "--battery", "deep"])
        .args(["--bytes", "64K", "--streams", "10"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ctl_xorshift32 came out as expected"),
        "{text}"
    );
    let json = rngaudit()
        .args(["run", "ctl_xorshift32", "--battery", "deep", "--json"])
        .args(["--bytes", "64K", "--streams", "10"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["sources"][0]["expected"], "fail");
    assert_eq!(document["sources"][0]["verdict"], "fail");
}

#[test]
fn power_with_the_deep_battery_catches_xorshift32_beside_practrand() {
    let dir = tempfile::tempdir().unwrap();
    let output = rngaudit()
        .args([
            "power",
            "--battery",
            "deep",
            "ctl_xorshift32",
            "--max",
            "1M",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("PractRand") && text.contains("8K"), "{text}");
    let csv = std::fs::read_to_string(dir.path().join("detection.csv")).unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[0], "ctl_xorshift32");
    assert_eq!(row[1], "deep");
    let fails_at: u64 = row[2].parse().unwrap();
    assert!(fails_at <= 16 * 1024, "{csv}");
    assert_eq!(row[6], "8192");
    // With the quick battery a weak control is shown not caught, and that is no failure.
    let output = rngaudit()
        .args([
            "power",
            "ctl_java_random",
            "--max",
            "64K",
            "--battery",
            "default",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("not caught") && text.contains("512K"),
        "{text}"
    );
}

// Issue #13 §1: shards and merge.

/// Runs `args` once on one machine (`--out`) and as `shards` shards (`--shard I/N
/// --state-out`), merges each set given in reverse order, and asserts that the merged
/// results.csv, summary.csv, stdout and exit status are those of the one machine. Returns the
/// directory and the paths of the states of the last set.
fn assert_shards_merge_to_one_machine(
    args: &[&str],
    shards: &[u32],
) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let alone = rngaudit()
        .args(args)
        .arg("--out")
        .arg(&one)
        .output()
        .unwrap();
    assert!(matches!(alone.status.code(), Some(0 | 1)), "{alone:?}");
    let mut last = Vec::new();
    for &count in shards {
        let mut states = Vec::new();
        for index in 0..count {
            let state = dir.path().join(format!("shard-{index}-of-{count}.json"));
            let output = rngaudit()
                .args(args)
                .args(["--shard", &format!("{index}/{count}"), "--state-out"])
                .arg(&state)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(0), "{output:?}");
            let said = String::from_utf8_lossy(&output.stderr);
            assert!(
                said.contains(&format!("shard {index}/{count} covered")),
                "{said}"
            );
            states.push(state);
        }
        let merged = dir.path().join(format!("merged-{count}"));
        let output = rngaudit()
            .arg("merge")
            .args(states.iter().rev())
            .arg("--out")
            .arg(&merged)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), alone.status.code(), "{output:?}");
        for file in ["results.csv", "summary.csv"] {
            let expected = std::fs::read(one.join(file)).unwrap();
            let got = std::fs::read(merged.join(file)).unwrap();
            assert!(expected == got, "{count} shards: {file} differs");
        }
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&alone.stdout),
            "{count} shards: stdout differs"
        );
        last = states;
    }
    (dir, last)
}

/// (a) One long stream of chacha20 (32 MiB, so that N = 3 puts a checkpoint inside a shard
/// that does not start the stream), default and deep battery, 4 and 3 shards: the merge
/// writes byte for byte the one machine's results.csv and summary.csv, and its table.
#[test]
fn shards_of_one_stream_merge_to_the_one_machine_report() {
    for battery in ["default", "deep"] {
        let args = [
            "run",
            "chacha20",
            "--streams",
            "1",
            "--bytes",
            "32M",
            "--seed",
            "1",
            "--battery",
            battery,
        ];
        assert_shards_merge_to_one_machine(&args, &[4, 3]);
    }
}

/// One stream that fails early: the one machine stops at its first failing look and the merge
/// does too, though later shards read on; with --keep-going both judge every look.
#[test]
fn shards_past_the_first_failure_are_merged_as_one_machine_stops() {
    for keep_going in [false, true] {
        let mut args = vec![
            "run",
            "ctl_bias52",
            "chacha20",
            "--streams",
            "1",
            "--bytes",
            "3M",
            "--seed",
            "4",
        ];
        if keep_going {
            args.push("--keep-going");
        }
        assert_shards_merge_to_one_machine(&args, &[3]);
    }
}

/// (b) Several streams: 64 streams of two sources, N = 4 and N = 3.
#[test]
fn shards_of_many_streams_merge_to_the_one_machine_report() {
    let args = [
        "run",
        "chacha20",
        "pcg32",
        "--streams",
        "64",
        "--bytes",
        "16K",
        "--seed",
        "1",
    ];
    assert_shards_merge_to_one_machine(&args, &[4, 3]);
    let deep = [
        "run",
        "pcg64",
        "--streams",
        "12",
        "--bytes",
        "256K",
        "--seed",
        "2",
        "--battery",
        "deep",
    ];
    assert_shards_merge_to_one_machine(&deep, &[4]);
}

/// (g) A regular file read as one stream, cut into shards (its length not a multiple of the
/// shards' boundary, nor a power of two), merges to what `file FILE` writes; so does one cut
/// into several streams (`--streams 5`), sharded by streams.
#[test]
fn file_shards_merge_to_the_file_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.bin");
    std::fs::write(
        &data,
        dump("chacha20", "3", &((3 << 20) + 12_345).to_string()),
    )
    .unwrap();
    let path = data.to_str().unwrap();
    assert_shards_merge_to_one_machine(&["file", path], &[4, 3]);
    assert_shards_merge_to_one_machine(
        &["file", path, "--battery", "default", "--bytes", "2M"],
        &[2],
    );
    // Cut into several streams, a range of them per shard.
    assert_shards_merge_to_one_machine(
        &["file", path, "--battery", "default", "--streams", "5"],
        &[3, 5],
    );
}

/// FNV-1a 64, as the state file's checksum, to forge a state that is whole but foreign.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// (c) A set of states that is not every shard of one plan once is refused with one line that
/// names the file (or the missing shard) and the problem, exit 2, and no output directory.
#[test]
fn bad_shard_sets_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let shard = |seed: &str, spec: &str| {
        let path = dir
            .path()
            .join(format!("s{seed}-{}.json", spec.replace('/', "-of-")));
        let output = rngaudit()
            .args([
                "run",
                "chacha20",
                "--streams",
                "1",
                "--bytes",
                "1M",
                "--seed",
                seed,
            ])
            .args(["--shard", spec, "--state-out"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        path
    };
    let four: Vec<_> = (0..4).map(|i| shard("1", &format!("{i}/4"))).collect();
    let other_n = shard("1", "1/2");
    let other_seed = shard("2", "3/4");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let whole = std::fs::read(&four[2]).unwrap();
    let truncated = write("truncated.json", &whole[..whole.len() / 2]);
    let mut flipped = whole.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 1;
    let altered = write("altered.json", &flipped);
    let garbage = write("garbage.json", b"{\"hello\": 1}\n");
    // Another version's state, whole and with a right checksum: foreign all the same.
    let text = String::from_utf8(whole.clone()).unwrap();
    let version = format!("\"rngaudit\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version));
    let body_start = text.find("\"body\":").unwrap() + "\"body\":".len();
    let body = text[body_start..text.len() - 2].replace(&version, "\"rngaudit\":\"0.0.1\"");
    let forged = format!(
        "{}{:016x}\",\"body\":{body}}}\n",
        &text[..text.find("fnv1a64:").unwrap() + "fnv1a64:".len()],
        fnv1a64(body.as_bytes())
    );
    let old_version = write("old-version.json", forged.as_bytes());

    let cases: Vec<(Vec<&std::path::Path>, &str)> = vec![
        (vec![&four[0], &four[1], &four[3]], "missing shard 2/4"),
        (
            vec![&four[0], &four[1], &four[1], &four[2], &four[3]],
            "repeats shard 1/4",
        ),
        (
            vec![&four[0], &other_n, &four[1], &four[2], &four[3]],
            "overlap",
        ),
        (
            vec![&four[0], &four[1], &truncated, &four[3]],
            "truncated.json: is damaged",
        ),
        (
            vec![&four[0], &four[1], &altered, &four[3]],
            "altered.json: is damaged",
        ),
        (
            vec![&four[0], &four[1], &garbage, &four[3]],
            "garbage.json: is not a shard state",
        ),
        (
            vec![&four[0], &four[1], &four[2], &other_seed],
            "s1-0-of-4.json: seed 2, not 1",
        ),
        // The stray state is named though it comes first: the plan most states share rules.
        (
            vec![&other_seed, &four[0], &four[1], &four[2]],
            "s2-3-of-4.json: belongs to another plan",
        ),
        (
            vec![&four[0], &four[1], &old_version, &four[3]],
            "written by rngaudit 0.0.1",
        ),
    ];
    for (states, mentions) in cases {
        let out = dir.path().join("merged");
        assert_usage_error(
            rngaudit().arg("merge").args(&states).arg("--out").arg(&out),
            mentions,
        );
        assert!(!out.exists(), "{mentions}: the output directory was made");
    }
    // The forged file is otherwise whole: with its version put back it merges.
    let mut all: Vec<&std::path::Path> = four.iter().map(|p| p.as_path()).collect();
    all.reverse();
    let output = rngaudit().arg("merge").args(&all).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

/// (d) A shard run again writes a byte-identical state (a failed array task is resubmitted),
/// for a stretch of one stream (deep battery, a checkpoint inside) and a range of streams.
#[test]
fn a_shard_run_again_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        (
            "stretch",
            vec![
                "run",
                "chacha20",
                "--streams",
                "1",
                "--bytes",
                "12M",
                "--battery",
                "deep",
            ],
        ),
        (
            "streams",
            vec![
                "run",
                "pcg64",
                "--streams",
                "16",
                "--bytes",
                "64K",
                "--battery",
                "deep",
            ],
        ),
    ] {
        let states: Vec<Vec<u8>> = ["1", "2"]
            .iter()
            .map(|threads| {
                let path = dir.path().join(format!("{name}-{threads}.json"));
                let output = rngaudit()
                    .args(&args)
                    .args([
                        "--seed",
                        "7",
                        "--shard",
                        "1/3",
                        "--threads",
                        threads,
                        "--state-out",
                    ])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert_eq!(output.status.code(), Some(0), "{output:?}");
                std::fs::read(&path).unwrap()
            })
            .collect();
        assert!(states[0] == states[1], "{name}: the states differ");
        // No temporary file is left beside the state.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// (e) A source that cannot seek cannot be cut into stretches of one stream: one line, exit 2,
/// no state; by streams it can. Nor can stdin, nor can a shard write a report.
#[test]
fn shards_that_cannot_be_cut_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let one_stream = ["run", "ctl_xorshift32", "--streams", "1", "--bytes", "1M"];
    assert_usage_error(
        rngaudit()
            .args(one_stream)
            .args(["--shard", "0/2", "--state-out"])
            .arg(&state),
        "ctl_xorshift32 cannot start its stream at a position",
    );
    assert!(!state.exists());
    let by_streams = ["run", "ctl_xorshift32", "--streams", "4", "--bytes", "16K"];
    rngaudit()
        .args(by_streams)
        .args(["--shard", "0/2", "--state-out"])
        .arg(&state)
        .assert()
        .code(0);
    assert_usage_error(
        rngaudit()
            .args(["file", "-", "--shard", "0/2", "--state-out"])
            .arg(dir.path().join("stdin.json"))
            .write_stdin(vec![0u8; 4096]),
        "stdin is not a regular file",
    );
    for (spec, mentions) in [
        ("4/4", "below N"),
        ("1", "expected I/N"),
        ("a/2", "whole numbers"),
    ] {
        assert_usage_error(
            rngaudit()
                .args(one_stream)
                .args(["--shard", spec, "--state-out"])
                .arg(dir.path().join("x.json")),
            mentions,
        );
    }
    assert_usage_error(
        rngaudit()
            .args(["run", "chacha20", "--shard", "0/2", "--state-out"])
            .arg(dir.path().join("y.json"))
            .arg("--out")
            .arg(dir.path().join("out")),
        "not a report",
    );
    assert_usage_error(
        rngaudit().args(["run", "chacha20", "--shard", "0/2"]),
        "--state-out",
    );
}

/// (f) `dump --skip X` is the dump from byte X on, at any X (inside a word too), without
/// generating the bytes before; a source that cannot seek says so.
#[test]
fn dump_skip_starts_the_stream_where_it_says() {
    let whole = dump("chacha20", "5", "300000");
    for skip in [0usize, 1, 3, 4, 65_536, 65_539, 200_001] {
        let output = rngaudit()
            .args([
                "dump", "chacha20", "--seed", "5", "--bytes", "70000", "--skip",
            ])
            .arg(skip.to_string())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        assert!(output.stdout == whole[skip..skip + 70_000], "skip {skip}");
    }
    let pcg = dump("pcg64", "5", "100000");
    let skipped = rngaudit()
        .args([
            "dump", "pcg64", "--seed", "5", "--bytes", "1000", "--skip", "12345",
        ])
        .output()
        .unwrap();
    assert!(skipped.stdout == pcg[12_345..13_345]);
    assert_usage_error(
        rngaudit().args(["dump", "mt19937", "--skip", "8", "--bytes", "8"]),
        "mt19937 cannot start its stream at a position",
    );
}

/// `file --streams K` on a regular file analyses its K consecutive segments, each its own: the
/// workers read each segment at its position (they read the first K times before), exactly as
/// the same bytes piped in are read forward.
#[test]
fn file_streams_of_a_regular_file_are_its_consecutive_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = dump("chacha20", "1", "2M");
    bytes.extend(dump("ctl_bias52", "1", "2M"));
    let data = dir.path().join("ab.bin");
    std::fs::write(&data, &bytes).unwrap();
    let rows = |args: &[&str], stdin: Option<Vec<u8>>, out: &str| -> Vec<String> {
        let out = dir.path().join(out);
        let mut command = rngaudit();
        command
            .args(["file"])
            .args(args)
            .args([
                "--streams",
                "2",
                "--battery",
                "default",
                "--format",
                "csv",
                "--out",
            ])
            .arg(&out);
        if let Some(stdin) = stdin {
            command.write_stdin(stdin);
        }
        command.output().unwrap();
        let text = std::fs::read_to_string(out.join("results.csv")).unwrap();
        // Everything but the source's name, which is the path or stdin.
        text.lines()
            .map(|line| {
                line.split_once(',')
                    .map_or("", |(_, rest)| rest)
                    .to_string()
            })
            .collect()
    };
    let from_file = rows(&[data.to_str().unwrap()], None, "file");
    let from_pipe = rows(&["-", "--bytes", "4M"], Some(bytes), "pipe");
    assert_eq!(from_file, from_pipe);
    let monobit: Vec<&String> = from_file
        .iter()
        .filter(|r| r.contains(",monobit,"))
        .collect();
    assert_eq!(monobit.len(), 2);
    assert!(
        monobit[0].ends_with(",pass") && monobit[1].ends_with(",fail"),
        "{monobit:?}"
    );
}
