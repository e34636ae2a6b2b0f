//! The bench's outputs other than the chart: `throughput.csv`, `battery_throughput.csv`, the
//! JSON document and the table `rngaudit bench` prints.
//!
//! The CSV columns are fixed (scripts read them) and the JSON uses the same names, one object
//! per CSV row, so a reader moves between the two without a mapping. Numbers were rounded to
//! four significant digits when the rows were made, so both print the same digits. Files are
//! written through [`write_atomically`], as every report file is.

use super::headline::headlines;
use super::timing;
use super::types::{three_digits, with_unit, BatteryRow, Bench, Row};
use crate::report::json::{document, DocumentKind};
use crate::report::write_atomically;
use crate::Error;
use std::io::{self, Write};
use std::path::Path;

/// File name of the generator rows ([`super::types::Row`]), inside the output directory.
pub const THROUGHPUT_FILE: &str = "throughput.csv";
/// File name of the battery rows ([`super::types::BatteryRow`]), inside the output directory.
pub const BATTERY_FILE: &str = "battery_throughput.csv";

/// Columns of [`THROUGHPUT_FILE`], the fields of [`super::types::Row`].
pub const THROUGHPUT_HEADER: [&str; 9] = [
    "source",
    "kind",
    "mode",
    "request_bytes",
    "median_gb_per_s",
    "median_ns_per_call",
    "min",
    "max",
    "runs",
];
/// Columns of [`BATTERY_FILE`], the fields of [`super::types::BatteryRow`].
pub const BATTERY_HEADER: [&str; 5] = ["test", "median_mb_per_s", "min", "max", "runs"];

/// Writes `throughput.csv`, `battery_throughput.csv` and (with the `charts` feature)
/// `throughput.png` into `dir`,
/// creating it if needed.
pub fn write_files(bench: &Bench, dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    write_atomically(&dir.join(THROUGHPUT_FILE), |out| {
        write_throughput(&bench.results, out)
    })?;
    write_atomically(&dir.join(BATTERY_FILE), |out| {
        write_battery(&bench.battery, out)
    })?;
    // Without the `charts` feature there is no plotting library: the CSVs carry the numbers.
    #[cfg(feature = "charts")]
    super::chart::write(bench, &dir.join(super::chart::FILE))?;
    Ok(())
}

fn writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// Writes `throughput.csv`: the header, then one line per row, an empty cell for the median a
/// row does not have.
pub fn write_throughput(rows: &[Row], out: &mut dyn Write) -> io::Result<()> {
    let mut csv = writer(out);
    csv.write_record(THROUGHPUT_HEADER)?;
    for row in rows {
        // Serialized in THROUGHPUT_HEADER's order; `None` becomes an empty field.
        csv.serialize(row)?;
    }
    csv.flush()
}

/// Writes `battery_throughput.csv`.
pub fn write_battery(rows: &[BatteryRow], out: &mut dyn Write) -> io::Result<()> {
    let mut csv = writer(out);
    csv.write_record(BATTERY_HEADER)?;
    for row in rows {
        csv.serialize(row)?;
    }
    csv.flush()
}

/// The JSON document of `rngaudit bench --json`: `results` (the CSV's rows), `battery` (the
/// battery CSV's rows) and where it ran, in the envelope every `--json` document shares
/// (`schema_version`, `kind: "bench"`, `caveat`, `provenance`). The bench's own provenance is
/// the envelope's, so the figures and the machine they were measured on stay together.
pub fn json(bench: &Bench) -> serde_json::Value {
    // Strings, numbers, options and enums always serialise; Null is never reached.
    let body = serde_json::to_value(bench).unwrap_or(serde_json::Value::Null);
    document(DocumentKind::Bench, body, &bench.provenance)
}

/// Rows listed by name in a warning; more are counted, not listed, so that a busy machine gets
/// one line rather than one per row.
const LISTED_ROWS: usize = 3;

/// Warnings for the rows whose runs spread widely ([`timing::spread_is_wide`]): one line per
/// row when there are few, otherwise one line that counts them and names the widest. Empty
/// when every figure is steady.
pub fn spread_warnings(bench: &Bench) -> Vec<String> {
    let throughput = bench.results.iter().map(|row| {
        (
            format!("{} {}", row.source, row.mode.as_str()),
            (row.median(), row.min, row.max),
            row.unit(),
        )
    });
    let battery = bench.battery.iter().map(|row| {
        (
            format!("battery {}", row.test),
            (row.median_mb_per_s, row.min, row.max),
            "MB/s",
        )
    });
    let rows: Vec<_> = throughput.chain(battery).collect();
    let mut wide: Vec<_> = rows
        .iter()
        .filter(|(_, (median, min, max), _)| timing::spread_is_wide(*median, *min, *max))
        .collect();
    let advice = "the machine was probably busy: consider re-running on a quiet system, and \
                  compare ratios within one run";
    let percent = |(median, min, max): (f64, f64, f64)| {
        format!("{:.0}%", 100.0 * timing::relative_spread(median, min, max))
    };
    if wide.len() <= LISTED_ROWS {
        return wide
            .into_iter()
            .map(|(name, figures, unit)| {
                let (median, min, max) = *figures;
                format!(
                    "warning: {name}: its runs spread over {} of the median ({} – {}, median {}); \
                     {advice}",
                    percent(*figures),
                    with_unit(min, unit),
                    with_unit(max, unit),
                    with_unit(median, unit)
                )
            })
            .collect();
    }
    // Widest first; a NaN spread sorts as the widest.
    wide.sort_by(|a, b| {
        let spread = |row: &(String, (f64, f64, f64), &str)| {
            let (median, min, max) = row.1;
            let spread = timing::relative_spread(median, min, max);
            if spread.is_nan() {
                f64::INFINITY
            } else {
                spread
            }
        };
        spread(b).total_cmp(&spread(a))
    });
    let widest: Vec<String> = wide
        .iter()
        .take(LISTED_ROWS)
        .map(|(name, figures, _)| format!("{name} {}", percent(*figures)))
        .collect();
    vec![format!(
        "warning: the runs of {} of {} rows spread over {:.0}% of their median (widest: {}); \
         {advice}",
        wide.len(),
        rows.len(),
        100.0 * timing::WIDE_SPREAD,
        widest.join(", ")
    )]
}

/// The table `rngaudit bench` prints: where it ran, every row with its spread, the battery's
/// rows and the headline ratios of this run.
pub fn table(bench: &Bench) -> String {
    let mut out = format!(
        "rngaudit bench on {}: median of {} runs, [min – max]; {}\n\n",
        bench.cpu,
        bench.results.first().map_or(0, |row| row.runs),
        if bench.threads > 1 {
            format!("bulk_all_threads uses {} threads", bench.threads)
        } else {
            "one thread".to_string()
        }
    );
    let source_width = bench
        .results
        .iter()
        .map(|row| row.source.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    out.push_str(&format!(
        "{:<source_width$}  {:<7}  {:<16}  {:>7}  {:>10}  spread\n",
        "source", "kind", "mode", "request", "median"
    ));
    for row in &bench.results {
        let request = if row.mode.is_bulk() {
            crate::size::format_size(row.request_bytes)
        } else {
            format!("{} B", row.request_bytes)
        };
        out.push_str(&format!(
            "{:<source_width$}  {:<7}  {:<16}  {:>7}  {:>10}  [{} – {}]\n",
            row.source,
            row.kind.as_str(),
            row.mode.as_str(),
            request,
            with_unit(row.median(), row.unit()),
            with_unit(row.min, row.unit()),
            with_unit(row.max, row.unit()),
        ));
    }
    out.push_str("\nbattery on pre-generated ChaCha8 bytes\n");
    let test_width = bench
        .battery
        .iter()
        .map(|row| row.test.len())
        .max()
        .unwrap_or(4);
    for row in &bench.battery {
        out.push_str(&format!(
            "{:<test_width$}  {:>10}  [{} – {}]\n",
            row.test,
            with_unit(row.median_mb_per_s, "MB/s"),
            three_digits(row.min),
            three_digits(row.max),
        ));
    }
    let headlines = headlines(&bench.results);
    if !headlines.is_empty() {
        out.push_str("\nratios of this run\n");
        for headline in headlines {
            out.push_str(&format!("  {}\n", headline.sentence()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::timing::Stats;
    use super::super::types::{Mode, RowKind};
    use super::*;
    use crate::report::json::SCHEMA_VERSION;

    fn sample() -> Bench {
        let stats = |median, min, max| Stats {
            median,
            min,
            max,
            runs: 7,
        };
        Bench {
            results: vec![
                Row::new("chacha8", RowKind::Seeded, Mode::Bulk, stats(3.9, 3.8, 4.0)),
                Row::new(
                    "os",
                    RowKind::Secure,
                    Mode::Call16,
                    stats(612.25, 600.0, 700.5),
                ),
                Row::new(
                    "uuid.uuid4()",
                    RowKind::Python,
                    Mode::Token,
                    stats(1500.0, 1450.0, 1600.0),
                ),
            ],
            battery: vec![BatteryRow::new("frequency", stats(2500.0, 2400.0, 2600.0))],
            cpu: "Test CPU".to_string(),
            threads: 2,
            quick: true,
            notes: vec![],
            provenance: crate::provenance::fixture(),
        }
    }

    fn throughput_csv(rows: &[Row]) -> String {
        let mut out = Vec::new();
        write_throughput(rows, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn throughput_csv_has_the_fixed_header_and_one_line_per_row() {
        let text = throughput_csv(&sample().results);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "source,kind,mode,request_bytes,median_gb_per_s,median_ns_per_call,min,max,runs"
        );
        assert_eq!(lines[1], "chacha8,seeded,bulk,1048576,3.9,,3.8,4.0,7");
        // Rounded to four significant digits: 612.25 → 612.3 (ties away from zero).
        assert_eq!(lines[2], "os,secure,call16,16,,612.3,600.0,700.5,7");
        assert_eq!(
            lines[3],
            "uuid.uuid4(),python,token,16,,1500.0,1450.0,1600.0,7"
        );
        assert_eq!(lines.len(), 4);
        assert_eq!(throughput_csv(&[]).lines().count(), 1);
    }

    #[test]
    fn battery_csv_has_its_header() {
        let mut out = Vec::new();
        write_battery(&sample().battery, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "test,median_mb_per_s,min,max,runs\nfrequency,2500.0,2400.0,2600.0,7\n"
        );
    }

    #[test]
    fn json_objects_use_the_csv_column_names() {
        let document = json(&sample());
        let first = &document["results"][0];
        let keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut header = THROUGHPUT_HEADER.to_vec();
        header.sort_unstable();
        assert_eq!(keys, header);
        assert_eq!(first["median_ns_per_call"], serde_json::Value::Null);
        assert_eq!(first["mode"], "bulk");
        assert_eq!(document["results"][1]["median_ns_per_call"], 612.3);
        assert_eq!(document["battery"][0]["median_mb_per_s"], 2500.0);
        assert_eq!(document["threads"], 2);
        assert_eq!(document["schema_version"], SCHEMA_VERSION);
        assert_eq!(document["kind"], "bench");
        assert_eq!(document["provenance"], sample().provenance.to_json());
    }

    #[test]
    fn spread_warnings_name_few_rows_and_count_many() {
        // sample(): os 612.25 [600, 700.5] is (700.5 − 600) / 612.3 = 16% apart, the others
        // less: steady.
        let mut bench = sample();
        assert!(spread_warnings(&bench).is_empty());
        // One disturbed row: one line naming it, its spread and its figures.
        bench.results[0].max = 6.0;
        let warnings = spread_warnings(&bench);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "warning: chacha8 bulk: its runs spread over 56% of the median \
                 (3.80 GB/s – 6.00 GB/s, median 3.90 GB/s); "
            ),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains("quiet system"));
        // Every row disturbed: one line that counts them and names the three widest.
        for row in &mut bench.results {
            row.max = row.median() * 2.0;
        }
        bench.battery[0].min = 0.0;
        let warnings = spread_warnings(&bench);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "warning: the runs of 4 of 4 rows spread over 25% of their median \
                 (widest: battery frequency 104%, uuid.uuid4() token 103%, chacha8 bulk 103%); "
            ),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn units_scale_for_people() {
        assert_eq!(with_unit(3.912, "GB/s"), "3.91 GB/s");
        assert_eq!(with_unit(0.2049, "GB/s"), "0.205 GB/s");
        assert_eq!(with_unit(19.04, "ns"), "19.0 ns");
        assert_eq!(with_unit(612.3, "ns"), "612 ns");
        assert_eq!(with_unit(12_340.0, "ns"), "12.3 µs");
        assert_eq!(with_unit(2.5e6, "ns"), "2.50 ms");
    }

    #[test]
    fn the_table_names_every_row() {
        let text = table(&sample());
        for name in ["chacha8", "os", "uuid.uuid4()", "frequency", "Test CPU"] {
            assert!(text.contains(name), "{name} missing:\n{text}");
        }
    }
}
