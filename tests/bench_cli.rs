//! End-to-end tests of `rngaudit bench`: the JSON's shape, the files `--out` writes, the
//! "no python3" line and bad usage. Speed is never asserted: these runs use `--quick` on a
//! machine that may be busy, and a timing is a figure to read, not a fact to test.

use assert_cmd::Command;
use serde_json::Value;

fn rngaudit() -> Command {
    Command::cargo_bin("rngaudit").expect("binary built")
}

const ROW_KEYS: [&str; 9] = [
    "kind",
    "max",
    "median_gb_per_s",
    "median_ns_per_call",
    "min",
    "mode",
    "request_bytes",
    "runs",
    "source",
];

fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn json_has_one_object_per_row_with_the_csv_columns() {
    let output = rngaudit()
        .args(["bench", "pcg32", "--quick", "--json", "--threads", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    let results = document["results"].as_array().expect("results is an array");
    for row in results {
        assert_eq!(keys(row), ROW_KEYS, "{row}");
        assert!(row["runs"].as_u64().unwrap() > 0);
        // Exactly one of the two medians, the one the mode's unit calls for.
        let bulk = row["mode"].as_str().unwrap().starts_with("bulk");
        assert_eq!(row["median_gb_per_s"].is_f64(), bulk, "{row}");
        assert_eq!(row["median_ns_per_call"].is_f64(), !bulk, "{row}");
    }
    let pcg32: Vec<&str> = results
        .iter()
        .filter(|row| row["source"] == "pcg32")
        .map(|row| row["mode"].as_str().unwrap())
        .collect();
    assert_eq!(pcg32, ["bulk", "bulk_all_threads", "call16"]);
    assert!(results
        .iter()
        .all(|row| row["source"] == "pcg32" || row["kind"] == "python"));
    // Python's rows are there when python3 is; otherwise one line says why not.
    if !results.iter().any(|row| row["kind"] == "python") {
        assert!(stderr.contains("python3"), "stderr: {stderr}");
    }
    let battery = document["battery"].as_array().expect("battery is an array");
    assert_eq!(
        battery.len(),
        // The tests of each battery, and one row for each battery in one pass.
        rngaudit::battery::DEFAULT.len() + 1 + rngaudit::battery::DEEP.len() + 1
    );
    for row in battery {
        assert_eq!(
            keys(row),
            ["max", "median_mb_per_s", "min", "runs", "test"],
            "{row}"
        );
    }
    assert_eq!(document["threads"], 2);
    // Where the figures come from: the provenance every JSON document carries.
    let provenance = &document["provenance"];
    assert_eq!(provenance["threads"], 2, "{provenance}");
    assert_eq!(provenance["cpu"], document["cpu"], "{provenance}");
    assert!(provenance["rustc"].is_string() && provenance["date"].is_string());
}

#[test]
fn without_python3_the_bench_says_so_in_one_line_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let output = rngaudit()
        .args([
            "bench",
            "xoshiro256pp",
            "--quick",
            "--threads",
            "1",
            "--out",
        ])
        .arg(dir.path())
        // No python3 on this PATH (an empty PATH would search the working directory).
        .env("PATH", dir.path().join("no-such-dir"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let python_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("python3")).collect();
    assert_eq!(python_lines.len(), 1, "stderr: {stderr}");
    assert!(python_lines[0].contains("not found"), "stderr: {stderr}");

    let csv = std::fs::read_to_string(dir.path().join("throughput.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "source,kind,mode,request_bytes,median_gb_per_s,median_ns_per_call,min,max,runs"
    );
    // One thread: no all-threads row; no python3: no Python rows.
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].starts_with("xoshiro256pp,seeded,bulk,1048576,"));
    assert!(lines[2].starts_with("xoshiro256pp,seeded,call16,16,,"));
    let battery = std::fs::read_to_string(dir.path().join("battery_throughput.csv")).unwrap();
    assert!(battery.starts_with("test,median_mb_per_s,min,max,runs\n"));
    let png = std::fs::read(dir.path().join("throughput.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // The table went to stdout.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("xoshiro256pp"), "{stdout}");
}

#[test]
fn an_unknown_source_is_one_line_and_exit_2() {
    let output = rngaudit()
        .args(["bench", "no_such_rng", "--quick"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("no_such_rng"), "stderr: {stderr}");
    assert!(output.stdout.is_empty());
}
