//! `pledge export --format parquet` read back by real readers: the parquet crate's Arrow reader
//! and DuckDB (from PyPI; CI installs it). Summed per commodity, the changes to committed and
//! fulfilled are `pledge report --by commodity`'s totals, to the minor unit; there is a row per
//! event, as in the CSV export.

use std::collections::BTreeMap;
use std::process::Command;

use arrow_array::{Array, Int64Array, StringArray, UInt8Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use pledge_tests::{Scratch, generate};
use serde_json::Value;

/// (committed, fulfilled) in minor units, per commodity.
type Totals = BTreeMap<String, (i128, i128)>;

/// A generated ledger with every kind of correction (voids, returns, rates, renames, …).
fn scratch() -> Scratch {
    let scratch = Scratch::empty();
    let (bytes, _) = generate::with_corrections(3_000, 7);
    std::fs::write(scratch.path("ledger.pledge"), bytes).unwrap();
    scratch
}

fn export(scratch: &Scratch) -> std::path::PathBuf {
    let path = scratch.path("events.parquet");
    let output = pledge_tests::pledge()
        .current_dir(scratch.dir.path())
        .env("PLEDGE_FILE", "ledger.pledge")
        .args(["export", "--format", "parquet"])
        .stdout(std::fs::File::create(&path).unwrap())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    path
}

/// `report --by commodity`'s totals, in minor units (the JSON's exact decimals, point removed).
fn reported(scratch: &Scratch) -> Totals {
    let json: Value =
        serde_json::from_str(&scratch.ok(&["report", "--by", "commodity", "--format", "json"]))
            .unwrap();
    let units = |m: &Value| -> i128 {
        m["value"]
            .as_str()
            .unwrap()
            .replace('.', "")
            .parse()
            .unwrap()
    };
    json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["commodity"].as_str().unwrap().to_string(),
                (units(&r["committed"]), units(&r["fulfilled"])),
            )
        })
        .collect()
}

#[test]
fn the_parquet_crate_reads_the_reports_totals() {
    let scratch = scratch();
    let path = export(&scratch);
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut totals = Totals::new();
    let mut rows = 0;
    let mut decimals = BTreeMap::new();
    for batch in reader {
        let batch = batch.unwrap();
        rows += batch.num_rows();
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        let commodity = column("commodity");
        let commodity = commodity.as_any().downcast_ref::<StringArray>().unwrap();
        let places = column("decimals");
        let places = places.as_any().downcast_ref::<UInt8Array>().unwrap();
        let committed = column("committed_change");
        let committed = committed.as_any().downcast_ref::<Int64Array>().unwrap();
        let fulfilled = column("fulfilled_change");
        let fulfilled = fulfilled.as_any().downcast_ref::<Int64Array>().unwrap();
        for i in 0..batch.num_rows() {
            if commodity.is_null(i) {
                assert!(committed.is_null(i) && fulfilled.is_null(i));
                continue;
            }
            let code = commodity.value(i).to_string();
            decimals.insert(code.clone(), places.value(i));
            let entry = totals.entry(code).or_insert((0, 0));
            entry.0 += i128::from(committed.value(i));
            entry.1 += i128::from(fulfilled.value(i));
        }
    }
    assert_eq!(totals, reported(&scratch));
    assert_eq!(decimals.get("JPY"), Some(&0));
    assert_eq!(decimals.get("USD"), Some(&2));
    // A row per event, as the CSV export has.
    let csv = scratch.ok(&["export", "--format", "csv"]);
    assert_eq!(rows, csv.lines().count() - 1);
}

#[test]
fn duckdb_reads_the_reports_totals() {
    let has_duckdb = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_duckdb || std::env::var_os("CI").is_none(),
        "DuckDB (pip install duckdb) is needed for this test; CI installs it"
    );
    if !has_duckdb {
        eprintln!("duckdb not found: skipped");
        return;
    }
    let scratch = scratch();
    let path = export(&scratch);
    let query = format!(
        "import duckdb\n\
         for c, committed, fulfilled in duckdb.sql(\"SELECT commodity, SUM(committed_change), \
         SUM(fulfilled_change) FROM read_parquet('{}') WHERE commodity IS NOT NULL \
         GROUP BY commodity ORDER BY commodity\").fetchall():\n    print(c, committed, fulfilled)",
        path.display()
    );
    let output = Command::new("python3")
        .args(["-c", &query])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: Totals = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            (
                parts[0].to_string(),
                (parts[1].parse().unwrap(), parts[2].parse().unwrap()),
            )
        })
        .collect();
    assert_eq!(found, reported(&scratch));
}

#[test]
fn the_file_is_whole_and_the_ledger_untouched() {
    let scratch = scratch();
    let before = scratch.read("ledger.pledge");
    let path = export(&scratch);
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    assert_eq!(scratch.read("ledger.pledge"), before);
}
