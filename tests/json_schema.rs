//! Every `--json` document follows one schema, `assets/schema/rngaudit.schema.json`: the schema
//! is itself a valid draft 2020-12 schema, the real binary's documents (one per command, at
//! the smallest sizes each command accepts) validate against it, and documents that break it
//! (a p-value of 2, no `schema_version`, an unknown field) are rejected, so these tests can
//! fail.

use assert_cmd::Command;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rngaudit::report::json::{DocumentKind, CAVEAT, SCHEMA_VERSION};
use serde_json::{json, Value};
use std::sync::OnceLock;

const SCHEMA_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/schema/rngaudit.schema.json"
);

fn rngaudit() -> Command {
    Command::cargo_bin("rngaudit").expect("binary built")
}

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(SCHEMA_PATH).expect("the schema file is there");
        serde_json::from_str(&text).expect("the schema is JSON")
    })
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(schema()).expect("the schema compiles as draft 2020-12")
    })
}

/// Every way `document` breaks the schema, one line each (empty when it follows it).
fn validate(document: &Value) -> Vec<String> {
    validator()
        .iter_errors(document)
        .map(|error| {
            format!(
                "at {} (schema {}): {error}",
                error.instance_path(),
                error.schema_path()
            )
        })
        .collect()
}

/// Fails with every validation error, not only the first, so one run shows all that is wrong.
fn assert_valid(document: &Value, what: &str) {
    let errors = validate(document);
    assert!(
        errors.is_empty(),
        "{what}: {} validation error(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// Runs a command that prints one JSON document and returns it. A statistical verdict (exit 1)
/// or too little data for one (the tokens' insufficient status) still prints a document; a
/// crash or a usage error does not.
fn document(command: &mut Command, input: Option<String>) -> Value {
    if let Some(input) = input {
        command.write_stdin(input);
    }
    let output = command.output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code().is_some() && !stderr.contains("panicked"),
        "{:?}: {stderr}",
        output.status
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("one JSON document ({error}); stderr: {stderr}"))
}

/// `n` lowercase hex tokens of `chars` characters each, from a fixed-seed ChaCha20.
fn hex_lines(seed: u64, n: usize, chars: usize) -> String {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut text = String::new();
    for _ in 0..n {
        let mut bytes = vec![0u8; chars.div_ceil(2)];
        rng.fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        text.push_str(&token[..chars]);
        text.push('\n');
    }
    text
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    if let Err(error) = jsonschema::draft202012::meta::validate(schema()) {
        panic!("not a valid draft 2020-12 schema: {error}");
    }
    validator();
    // The schema and the code agree on the version and on every kind.
    assert_eq!(schema()["$defs"]["schema_version"]["const"], SCHEMA_VERSION);
    let kinds = [
        DocumentKind::Audit,
        DocumentKind::Tokens,
        DocumentKind::Bench,
        DocumentKind::Calibration,
        DocumentKind::Power,
    ];
    let listed = schema()["properties"]["kind"]["enum"]
        .as_array()
        .expect("kind is an enum");
    assert_eq!(listed.len(), kinds.len());
    for kind in kinds {
        assert!(listed.contains(&json!(kind.as_str())), "{kind:?}");
    }
}

#[test]
fn tokens_documents_follow_the_schema() {
    // 6,000 tokens of 32 hex digits: every position tested (FIPS 140-2 included, at 4 bits a
    // character), so positions, tests and requirements are all filled in.
    let one_length = document(
        rngaudit().args(["tokens", "-", "--json"]),
        Some(hex_lines(1, 6000, 32)),
    );
    assert_eq!(one_length["kind"], "tokens");
    assert!(one_length["positions"]
        .as_array()
        .is_some_and(|p| p.len() == 32));
    assert_valid(&one_length, "tokens (one length)");
    // The branch reaches into nested objects: a field no position has is an error.
    let mut extra = one_length.clone();
    extra["positions"][0]["surprise"] = json!(true);
    assert!(
        !validate(&extra).is_empty(),
        "an undescribed position field"
    );
    // Two lengths: the analysis lives in `groups`, which the schema describes too.
    let mixed = hex_lines(2, 1500, 16) + &hex_lines(3, 1500, 20);
    let two_lengths = document(rngaudit().args(["tokens", "-", "--json"]), Some(mixed));
    assert!(two_lengths["groups"]
        .as_array()
        .is_some_and(|g| g.len() == 2));
    assert_valid(&two_lengths, "tokens (two lengths)");
    let mut extra = two_lengths.clone();
    extra["groups"][1]["caveat"] = json!(CAVEAT);
    assert!(
        !validate(&extra).is_empty(),
        "an envelope key inside a group"
    );
}

#[test]
fn the_bench_document_follows_the_schema() {
    // One source, --quick, one thread, and no python3 on the PATH (an empty PATH would search
    // the working directory): the shortest bench there is.
    let dir = tempfile::tempdir().unwrap();
    let bench = document(
        rngaudit()
            .args(["bench", "pcg32", "--quick", "--threads", "1", "--json"])
            .env("PATH", dir.path().join("no-such-dir")),
        None,
    );
    assert_eq!(bench["kind"], "bench");
    assert_valid(&bench, "bench");
}

#[test]
fn the_calibration_document_follows_the_schema() {
    // 20 streams of 4 KiB and one mini-report: tests too long for 4 KiB are skipped, so the
    // document has both measured rows and rows of nulls.
    let calibration = document(
        rngaudit().args([
            "calibrate",
            "--bytes",
            "4K",
            "--streams",
            "20",
            "--reports",
            "1",
            "--threads",
            "2",
            "--json",
        ]),
        None,
    );
    assert_eq!(calibration["kind"], "calibration");
    let tests = calibration["tests"].as_array().expect("tests");
    assert!(tests.iter().any(|t| t["rate"].is_number()));
    assert!(tests.iter().any(|t| t["rate"].is_null()));
    assert_valid(&calibration, "calibration");
}

#[test]
fn the_power_document_follows_the_schema() {
    // A control caught at 1 KiB and a good generator that is not caught by 2 KiB: a detection
    // and a null.
    let power = document(
        rngaudit().args(["power", "ctl_counter", "chacha20", "--max", "2K", "--json"]),
        None,
    );
    assert_eq!(power["kind"], "power");
    assert_eq!(power["detections"][0]["fails_at_bytes"], 1024);
    assert!(power["detections"][1]["fails_at_bytes"].is_null());
    assert_valid(&power, "power");
}

/// `run` and `file` print `kind: "audit"` documents for every battery; each is validated,
/// and each battery's own part (STS's rows for nist, ENT's figures for ent) is checked to be
/// there, so an empty document cannot pass for a valid one.
#[test]
fn audit_documents_of_every_battery_follow_the_schema() {
    for battery in rngaudit::battery::battery_names() {
        let run = document(
            rngaudit().args([
                "run",
                "pcg32",
                "ctl_counter",
                "--battery",
                battery,
                "--bytes",
                "64K",
                "--streams",
                "3",
                "--seq-bits",
                "20000",
                "--seqs",
                "3",
                "--json",
            ]),
            None,
        );
        assert_eq!(run["kind"], "audit");
        assert_eq!(run["battery"], battery);
        assert_valid(&run, &format!("run --battery {battery}"));
        match battery {
            "ent" => assert_eq!(run["ent"].as_array().map(Vec::len), Some(2)),
            "nist" => {
                assert!(run["sts_final_analysis"].as_array().unwrap().len() > 100);
                assert_eq!(run["sequence_bits"], 20000);
            }
            _ => assert!(!run["summary"].as_array().unwrap().is_empty()),
        }
        if battery != "ent" {
            assert_eq!(run["sources"].as_array().map(Vec::len), Some(2));
            assert!(!run["results"].as_array().unwrap().is_empty());
        }
    }
    // `run` with one stream per source: every look of every source, each source's first failure.
    let looked = document(
        rngaudit().args([
            "run",
            "pcg32",
            "ctl_counter",
            "--bytes",
            "64K",
            "--streams",
            "1",
            "--json",
        ]),
        None,
    );
    assert_valid(&looked, "run --streams 1");
    assert!(looked["checkpoints"].as_array().unwrap().len() > 2);
    assert!(looked["sources"][1]["first_fail_bytes"].is_u64());
    // `file` on stdin: one stream of a user's bytes, then the same cut into segments.
    let bytes = hex_lines(3, 4000, 64);
    for extra in [
        &[][..],
        &["--streams", "4", "--bytes", "200K"],
        &["--battery", "ent", "--bits"],
    ] {
        let file = document(
            rngaudit().args(["file", "-", "--json"]).args(extra),
            Some(bytes.clone()),
        );
        assert_eq!(file["kind"], "audit");
        assert_valid(&file, &format!("file {extra:?}"));
    }
}

/// A valid power document built by hand, for the negative tests to break.
fn hand_made_power_document() -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        "kind": "power",
        "caveat": CAVEAT,
        "provenance": {
            "rngaudit_version": "0.1.0",
            "git_commit": "0123456789abcdef0123456789abcdef01234567",
            "git_dirty": false,
            "date": "2026-01-02T03:04:05Z",
            "rustc": "rustc 1.95.0 (59807616e 2026-04-14)",
            "cpu": "Test CPU",
            "logical_cpus": 2,
            "threads": 2
        },
        "command": "power",
        "detections": [{
            "source": "ctl_counter",
            "fails_at_bytes": 1024,
            "log2": 10,
            "first_failing_tests": ["frequency"],
            "tested_up_to_bytes": 1024
        }]
    })
}

/// A valid calibration document built by hand, with one p-value to break.
fn hand_made_calibration_document() -> Value {
    let mut document = hand_made_power_document();
    let map = document.as_object_mut().unwrap();
    map.remove("command");
    map.remove("detections");
    map.insert("kind".into(), json!("calibration"));
    let body = json!({
        "battery": "default",
        "source": "chacha20",
        "alphabet": 256,
        "bytes": 4096,
        "master_seed": 1,
        "tests": [{
            "test": "frequency", "label": "", "streams": 20, "rejections": 0, "rate": 0.0,
            "band_low": 0.0, "band_high": 0.3, "ks_statistic": 0.2, "ks_p": 0.5,
            "verdict": "ok", "skip_reason": null
        }],
        "verdict_rule": [{
            "family_alpha": 0.01, "reports": 1, "streams_per_report": 100,
            "failed_reports": 0, "rate": 0.0, "ci_low": 0.0, "ci_high": 0.99
        }],
        "as_expected": true
    });
    map.extend(body.as_object().unwrap().clone());
    document
}

#[test]
fn documents_that_break_the_schema_are_rejected() {
    let power = hand_made_power_document();
    assert_valid(&power, "hand-made power document");
    let calibration = hand_made_calibration_document();
    assert_valid(&calibration, "hand-made calibration document");

    let rejected = |document: &Value, what: &str| {
        let errors = validate(document);
        assert!(!errors.is_empty(), "{what} was accepted: {document}");
    };
    let mut p_of_two = calibration.clone();
    p_of_two["tests"][0]["ks_p"] = json!(2.0);
    rejected(&p_of_two, "a p-value of 2");
    let mut rate_below_zero = calibration.clone();
    rate_below_zero["verdict_rule"][0]["rate"] = json!(-0.1);
    rejected(&rate_below_zero, "a negative rate");

    let mut unversioned = power.clone();
    unversioned
        .as_object_mut()
        .unwrap()
        .remove("schema_version");
    rejected(&unversioned, "no schema_version");
    let mut next_version = power.clone();
    next_version["schema_version"] = json!(SCHEMA_VERSION + 1);
    rejected(&next_version, "another schema_version");
    let mut no_provenance = power.clone();
    no_provenance.as_object_mut().unwrap().remove("provenance");
    rejected(&no_provenance, "no provenance");
    let mut unknown_kind = power.clone();
    unknown_kind["kind"] = json!("poker");
    rejected(&unknown_kind, "an unknown kind");
    // The branches are closed: a field the schema does not describe, or a document of one
    // kind labelled as another, is an error, not something a reader silently ignores.
    let mut extra_field = power.clone();
    extra_field["detections"][0]["fails_at"] = json!(1024);
    rejected(&extra_field, "an undescribed field");
    let mut mislabelled = power;
    mislabelled["kind"] = json!("calibration");
    rejected(&mislabelled, "a power document labelled calibration");
}
