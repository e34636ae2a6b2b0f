//! Every result says where it comes from: each `--json` document has a `provenance` object,
//! and `report` writes `provenance.json`, a provenance block at the top of its README, and its
//! own calibration (`calibration.csv`) with a section that names the command reproducing it.

use assert_cmd::Command;
use serde_json::Value;

fn rngaudit() -> Command {
    Command::cargo_bin("rngaudit").expect("binary built")
}

/// Asserts that `provenance` has every field, filled, with `threads` threads.
fn assert_provenance(provenance: &Value, threads: u64, context: &str) {
    let object = provenance
        .as_object()
        .unwrap_or_else(|| panic!("{context}: no provenance object"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
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
        ],
        "{context}"
    );
    assert_eq!(
        provenance["rngaudit_version"],
        env!("CARGO_PKG_VERSION"),
        "{context}"
    );
    assert_eq!(provenance["threads"], threads, "{context}");
    assert!(
        provenance["logical_cpus"].as_u64().unwrap_or(0) >= 1,
        "{context}"
    );
    assert!(
        provenance["rustc"]
            .as_str()
            .is_some_and(|r| r.starts_with("rustc ")),
        "{context}: {provenance}"
    );
    assert!(
        provenance["cpu"].as_str().is_some_and(|c| !c.is_empty()),
        "{context}"
    );
    let date = provenance["date"].as_str().unwrap_or("");
    assert!(
        date.len() == 20 && date.as_bytes()[10] == b'T' && date.ends_with('Z'),
        "{context}: {date}"
    );
    // Built from a git checkout, the commit is a full hash; from a copy without .git, null.
    let commit = &provenance["git_commit"];
    assert!(
        commit.is_null()
            || commit
                .as_str()
                .is_some_and(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit())),
        "{context}: {commit}"
    );
}

/// Runs a command that prints one JSON document and returns it.
fn document(command: &mut Command, input: Option<Vec<u8>>) -> Value {
    if let Some(input) = input {
        command.write_stdin(input);
    }
    let output = command.output().expect("runs");
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

#[test]
fn every_json_document_carries_its_provenance() {
    let bytes = rngaudit()
        .args(["dump", "pcg64", "--seed", "5", "--bytes", "64K"])
        .output()
        .unwrap()
        .stdout;
    let tokens: String = (0..2000u32)
        .map(|i| format!("{:08x}\n", i.wrapping_mul(2_654_435_761)))
        .collect();
    // (name, arguments, stdin, threads recorded). Commands with a thread pool are given
    // `--threads` and record it (`file` analyses its one stream's segments on them); `file
    // --battery ent` and `tokens` run on one thread whatever they are given, and record 1.
    let pooled = |args: &[&str], threads: &str| {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.extend(["--threads".to_string(), threads.to_string()]);
        args
    };
    let plain = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let cases = [
        (
            "run",
            pooled(&["run", "pcg32", "--bytes", "64K", "--streams", "2"], "2"),
            None,
            2,
        ),
        (
            "run --battery nist",
            pooled(
                &["run", "pcg32", "--battery", "nist", "--seq-bits", "10000"],
                "1",
            ),
            None,
            1,
        ),
        ("file", pooled(&["file", "-"], "2"), Some(bytes.clone()), 2),
        (
            "file --battery nist",
            pooled(
                &["file", "-", "--battery", "nist", "--seq-bits", "10000"],
                "2",
            ),
            Some(bytes.clone()),
            2,
        ),
        (
            "file --battery ent",
            plain(&["file", "-", "--battery", "ent"]),
            Some(bytes),
            1,
        ),
        (
            "tokens",
            plain(&["tokens", "-"]),
            Some(tokens.into_bytes()),
            1,
        ),
        (
            "calibrate",
            pooled(&["calibrate", "--streams", "20", "--bytes", "16K"], "2"),
            None,
            2,
        ),
    ];
    for (name, args, input, threads) in cases {
        let mut command = rngaudit();
        command.args(&args).arg("--json");
        if name == "run --battery nist" {
            command.args(["--seqs", "2"]);
        }
        let document = document(&mut command, input);
        assert_provenance(&document["provenance"], threads, name);
    }
}

#[test]
fn report_records_its_provenance_and_its_own_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let output = rngaudit()
        .args([
            "report",
            "--quick",
            "--seed",
            "3",
            "--threads",
            "2",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "stderr: {stderr}"
    );
    let read = |name: &str| {
        std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };

    let provenance: Value = serde_json::from_str(&read("provenance.json")).unwrap();
    assert_provenance(&provenance, 2, "provenance.json");

    let readme = read("README.md");
    let block = readme
        .find("Provenance (`provenance.json`):")
        .expect("provenance block");
    assert!(block < readme.find("## Plan").unwrap(), "{readme}");
    let version_line = format!("- rngaudit {}, commit ", env!("CARGO_PKG_VERSION"));
    assert!(readme.contains(&version_line), "{readme}");
    let date = provenance["date"].as_str().unwrap();
    assert!(readme.contains(&format!("- run {date} on ")), "{readme}");

    // Calibration: one row per test of the default battery, 100 streams each (quick plan).
    let calibration = read("calibration.csv");
    let mut lines = calibration.lines();
    assert_eq!(
        lines.next(),
        Some("test,label,streams,rejections,rate,band_low,band_high,ks_statistic,ks_p,verdict")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        rngaudit::battery::DEFAULT.len(),
        "{calibration}"
    );
    let frequency = rows
        .iter()
        .find(|row| row.starts_with("frequency,"))
        .unwrap();
    assert!(frequency.starts_with("frequency,,100,"), "{frequency}");
    assert!(read("verdict_rule.csv").starts_with("family_alpha,reports,"));
    let png = std::fs::read(dir.path().join("calibration.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let section = readme
        .find("## Calibration: this report's own false-alarm rate")
        .expect("calibration section");
    let text = &readme[section..];
    assert!(
        text.contains(
            "`cargo run --release -- calibrate --source chacha20 --streams 100 --bytes 1M \
             --reports 1 --seed 54242544254`"
        ),
        "{text}"
    );
    assert!(text.contains("| frequency | 100 |"), "{text}");
    assert!(
        text.contains("Verdict rule: 1 mini-report of 100 streams"),
        "{text}"
    );

    // The HTML page: written with the other files, with the same provenance, offline.
    let page = read("index.html");
    assert!(
        page.contains("id=\"verdict-grid\""),
        "index.html has no verdict grid"
    );
    assert!(
        page.contains(&format!("<dd>{date}</dd>")),
        "index.html lacks the date"
    );
    assert!(page.contains("<h2>Calibration: this report&#39;s own false-alarm rate</h2>"));
    assert!(page.contains("src=\"throughput.png\""));
    assert!(!page.contains("http://") && !page.contains("https://"));

    // The CSV files of the run stay free of provenance: they are compared byte for byte.
    for file in ["results.csv", "summary.csv"] {
        assert!(!read(file).contains(date), "{file}");
    }
}
