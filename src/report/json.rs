//! The JSON rendering: the whole report as one document, for tools that read results
//! (`rngaudit report --json`, CI checks, dashboards).
//!
//! Machines read this, so every number is a JSON number and nothing is left to text parsing.
//! JSON has no NaN: serde_json would silently write `null`, so every float goes through
//! `number`, which keeps p-values in [0, 1] and turns anything else that is not finite into
//! an explicit `null` that readers can check for. `serde_json` (without `preserve_order`) sorts
//! object keys, so the output does not depend on how this file builds it.

use super::{Report, Sink};
use crate::battery::ent::EntResult;
use crate::battery::Consumes;
use crate::provenance::Provenance;
use crate::runner::StreamReport;
use crate::second_level::final_analysis::final_analysis;
use crate::second_level::Verdict;
use serde_json::{json, Value};

/// The sentence every format ends with (defined beside the sinks, re-exported for readers of
/// the documents).
pub use super::CAVEAT;

/// The version of the schema every JSON document follows (`assets/schema/rngaudit.schema.json`).
/// It changes when a field is removed, renamed or changes meaning; adding a field keeps it.
pub const SCHEMA_VERSION: u64 = 1;

/// What a JSON document describes; its `kind` field, which selects the schema's branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// A battery's results (`run`, `file`, `report --json`), ENT's figures included.
    Audit,
    /// A token analysis (`tokens`).
    Tokens,
    /// The secure-vs-seeded benchmark (`bench`).
    Bench,
    /// The false-alarm calibration (`calibrate`).
    Calibration,
    /// Detection lengths of the controls (`power`).
    Power,
}

impl DocumentKind {
    /// The `kind` value in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Audit => "audit",
            DocumentKind::Tokens => "tokens",
            DocumentKind::Bench => "bench",
            DocumentKind::Calibration => "calibration",
            DocumentKind::Power => "power",
        }
    }
}

/// The one document shape every command prints with `--json`: the command's own fields (`body`,
/// an object) with `schema_version`, `kind`, `caveat` and `provenance` beside them. A body that
/// is not an object is kept under `"body"`, so nothing is lost, though no command makes one.
pub fn document(kind: DocumentKind, body: Value, provenance: &Provenance) -> Value {
    let mut map = match body {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("body".to_string(), other);
            map
        }
    };
    map.insert("schema_version".to_string(), json!(SCHEMA_VERSION));
    map.insert("kind".to_string(), json!(kind.as_str()));
    map.insert("caveat".to_string(), json!(CAVEAT));
    map.insert("provenance".to_string(), provenance.to_json());
    Value::Object(map)
}

/// A finite float as a JSON number; `null` otherwise (JSON cannot hold NaN or infinities).
fn number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// A probability as a JSON number, always: a NaN could only come from a bug and is shown as 0
/// (a failure) rather than vanishing as `null`, the way `stats::clamp_probability` treats it.
fn probability(p: f64) -> Value {
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    number(p)
}

fn optional_probability(p: Option<f64>) -> Value {
    p.map_or(Value::Null, probability)
}

/// Writes the report as one JSON document.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonSink;

/// File name of the JSON document, when it is written into an output directory.
pub const JSON_FILE: &str = "report.json";

impl Sink for JsonSink {
    fn name(&self) -> &'static str {
        "json"
    }

    fn summary(&self) -> &'static str {
        "one JSON document (assets/schema/rngaudit.schema.json); report.json"
    }

    fn files(&self) -> &'static [&'static str] {
        &[JSON_FILE]
    }

    fn prints(&self) -> bool {
        true
    }

    fn render(&self, report: &Report) -> Option<String> {
        // A document of strings, numbers and arrays always serialises.
        serde_json::to_string_pretty(&render(report))
            .ok()
            .map(|text| text + "\n")
    }

    fn accepts(&self, _consumes: Consumes) -> Result<(), String> {
        Ok(())
    }
}

/// Renders the report as one JSON document of kind `audit`: the plan, `passed` (as
/// [`Report::passed`] decides it), per-source verdicts, per-cell summaries, per-stream
/// results; for NIST's bit sequences also STS's final-analysis rows, and for ENT its figures.
pub fn render(report: &Report) -> Value {
    let sources: Vec<Value> = report
        .sources
        .iter()
        .map(|source| {
            json!({
                "source": source.source,
                "kind": source.kind.as_str(),
                "verdict": source.verdict_name(),
                "expected": source.expected,
                "failing": source.failing,
                "untested": source.untested,
                "first_fail_bytes": report.first_fail_bytes_of(&source.source),
            })
        })
        .collect();
    let summary: Vec<Value> = report
        .cells
        .iter()
        .map(|cell| {
            json!({
                "source": cell.source,
                "kind": cell.kind.as_str(),
                "test": cell.test,
                "label": cell.label,
                "streams": cell.streams,
                "passed": cell.passed,
                "pass_proportion": optional_probability(cell.pass_proportion),
                "proportion_bounds": cell.proportion_bounds.map_or(Value::Null, |(low, high)| {
                    json!([probability(low), probability(high)])
                }),
                "uniformity_p": optional_probability(cell.uniformity_p),
                "cell_p": optional_probability(cell.cell_p),
                "holm_p": optional_probability(cell.holm_p),
                "verdict": cell.verdict.as_str(),
                "expected": cell.expected,
                "skip_reason": cell.skip_reason,
            })
        })
        .collect();
    let results: Vec<Value> = report.results.iter().flat_map(stream_results).collect();
    let body = json!({
        "battery": report.battery,
        "bytes": report.bytes,
        "bytes_analysed": report.bytes_analysed(),
        "streams": report.streams,
        "sequence_bits": report.sequence_bits,
        "master_seed": report.master_seed,
        "family_alpha": number(report.family_alpha),
        "passed": report.passed(),
        "interrupted": report.interrupted,
        "checkpoints": report.checkpoints.iter().map(checkpoint).collect::<Vec<_>>(),
        "first_fail_bytes": report.first_fail_bytes(),
        "sources": sources,
        "summary": summary,
        "results": results,
        "sts_final_analysis": sts_rows(report),
        "ent": report.ent.iter().map(ent_entry).collect::<Vec<_>>(),
    });
    document(DocumentKind::Audit, body, &report.provenance)
}

/// STS's final-analysis rows (proportion, uniformity as STS's igamc) for NIST's bit
/// sequences; empty for other batteries, whose `summary` says the same in the crate's terms.
fn sts_rows(report: &Report) -> Vec<Value> {
    if report.sequence_bits.is_none() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for (source, streams) in report.by_source() {
        let outcomes: Vec<Vec<_>> = streams.iter().map(|r| r.outcomes.clone()).collect();
        for row in final_analysis(&outcomes) {
            rows.push(json!({
                "source": source,
                "test": row.test,
                "index": row.index,
                "label": row.label,
                "sequences": row.sequences,
                "passed": row.passed,
                "proportion": optional_probability(row.proportion),
                "uniformity_p": optional_probability(row.uniformity_p),
                "verdict": row.verdict.as_str(),
                "skip_reason": if row.sequences == 0 { row.skip_reason.clone() } else { None },
            }));
        }
    }
    rows
}

/// One look at a stream read with checkpoints.
fn checkpoint(look: &crate::second_level::checkpoints::Checkpoint) -> Value {
    json!({
        "source": look.source,
        "bytes": look.bytes,
        "look": look.look,
        "family_alpha": number(look.family_alpha),
        "measured": look.measured,
        "verdict": look.verdict.as_str(),
        "failing": look.failing.iter().map(|(test, p, holm_p)| json!({
            "test": test,
            "p_value": probability(*p),
            "holm_p": probability(*holm_p),
        })).collect::<Vec<_>>(),
    })
}

/// One source's ENT figures: `null` where ENT prints `-nan` or "undefined".
fn ent_entry(entry: &EntResult) -> Value {
    let figures: serde_json::Map<String, Value> = entry
        .figures
        .named()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.map_or(Value::Null, number)))
        .collect();
    json!({
        "source": entry.source,
        "kind": entry.kind.as_str(),
        "seed": entry.seed,
        "bytes": entry.bytes,
        "bits": entry.bits,
        "figures": figures,
    })
}

/// One JSON object per outcome of one stream.
fn stream_results(stream: &StreamReport) -> impl Iterator<Item = Value> + '_ {
    stream.outcomes.iter().map(move |outcome| {
        let (statistic, p_value, verdict, skipped, figures) = match &outcome.result {
            Ok(m) => (
                number(m.statistic),
                probability(m.p_value),
                Verdict::of_p_value(m.p_value),
                Value::Null,
                m.figures
                    .iter()
                    .map(|f| json!({ "name": f.name, "value": number(f.value) }))
                    .collect(),
            ),
            Err(reason) => (
                Value::Null,
                Value::Null,
                Verdict::Skipped,
                Value::String(reason.clone()),
                Vec::new(),
            ),
        };
        json!({
            "source": stream.source,
            "kind": stream.kind.as_str(),
            "stream": stream.stream,
            "seed": stream.seed,
            "bytes": stream.bytes,
            "test": outcome.test,
            "label": outcome.label,
            "statistic": statistic,
            "p_value": p_value,
            "verdict": verdict.as_str(),
            "skipped": skipped,
            "figures": figures,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn parses_back_with_every_measured_p_value_a_number() {
        let report = fixtures::small();
        let text = serde_json::to_string_pretty(&render(&report)).unwrap();
        assert!(!text.contains("NaN"));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["battery"], "default");
        assert_eq!(value["streams"], 3);
        assert_eq!(value["caveat"], CAVEAT);
        let results = value["results"].as_array().unwrap();
        assert_eq!(results.len(), 12);
        for result in results {
            let skipped = !result["skipped"].is_null();
            assert_eq!(result["p_value"].is_null(), skipped, "{result}");
            assert_eq!(result["verdict"] == "skipped", skipped, "{result}");
            if !skipped {
                let p = result["p_value"].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&p));
            }
        }
        let zero = results
            .iter()
            .find(|r| r["source"] == "counter" && r["stream"] == 0 && r["test"] == "monobit")
            .unwrap();
        assert_eq!(zero["p_value"].as_f64(), Some(0.0));
        assert_eq!(zero["verdict"], "fail");
        let tiny = results
            .iter()
            .find(|r| r["source"] == "counter" && r["stream"] == 1 && r["test"] == "monobit")
            .unwrap();
        assert_eq!(tiny["p_value"].as_f64(), Some(1e-310));
        let first = &results[0];
        assert_eq!(first["figures"][0]["name"], "ones_fraction");
        assert_eq!(first["seed"].as_u64(), Some(0x9e37_79b9_7f4a_7c15));
    }

    #[test]
    fn summary_and_sources_carry_the_verdicts() {
        let value = render(&fixtures::small());
        let sources = value["sources"].as_array().unwrap();
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[1]["source"], "counter");
        assert_eq!(sources[1]["verdict"], "fail");
        assert_eq!(sources[1]["failing"][0], "monobit");
        let summary = value["summary"].as_array().unwrap();
        let serial = summary
            .iter()
            .find(|c| c["source"] == "chacha20" && c["test"] == "serial")
            .unwrap();
        assert_eq!(serial["label"], "m=2");
        assert_eq!(serial["streams"], 2);
        assert!(serial["uniformity_p"].is_null());
        assert!(serial["proportion_bounds"][0].as_f64().is_some());
        for cell in summary.iter() {
            let measured = cell["streams"] != 0;
            assert_eq!(cell["cell_p"].as_f64().is_some(), measured, "{cell}");
            assert_eq!(cell["holm_p"].as_f64().is_some(), measured, "{cell}");
        }
        // Holm can only raise a p-value.
        for cell in summary.iter().filter(|c| c["streams"] != 0) {
            assert!(cell["holm_p"].as_f64() >= cell["cell_p"].as_f64(), "{cell}");
        }
    }

    #[test]
    fn non_finite_values_never_become_nan() {
        let mut report = fixtures::small();
        if let Ok(m) = &mut report.results[0].outcomes[0].result {
            m.statistic = f64::INFINITY;
            m.p_value = f64::NAN;
        }
        let value = render(&report);
        let first = &value["results"][0];
        assert!(first["statistic"].is_null());
        assert_eq!(first["p_value"].as_f64(), Some(0.0));
        assert!(!serde_json::to_string(&value).unwrap().contains("NaN"));
    }

    #[test]
    fn identical_reports_give_identical_documents() {
        let report = fixtures::realistic(11);
        let once = serde_json::to_string(&render(&report)).unwrap();
        assert_eq!(
            once,
            serde_json::to_string(&render(&report.clone())).unwrap()
        );
    }
}
