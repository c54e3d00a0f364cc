//! docs/FORMAT.md is complete enough to read a ledger from: `tests/reference/pledge_reader.py`,
//! written in Python from the document alone, must get the same roots, findings and figures as
//! `pledge` on the golden files, the example, generated ledgers with every kind of correction,
//! and damaged copies of them; and must decode the hex vectors the document quotes.

use std::path::Path;
use std::process::Command;

use pledge_tests::{pledge, workspace};
use serde_json::Value;

const TODAY: &str = "2031-01-01";
/// The auditor's today: one day ahead of the writer's (docs/FORMAT.md, Rules).
const AUDIT_TODAY: &str = "2031-01-02";

fn python() -> Option<Command> {
    let found = Command::new("python3").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is needed for the reference reader (CI installs it)"
        );
        eprintln!("python3 not found: the reference reader's comparison is skipped");
        return None;
    }
    let mut command = Command::new("python3");
    command.arg(workspace().join("tests/reference/pledge_reader.py"));
    Some(command)
}

/// The reference reader's summary of a ledger.
fn reference(path: &Path) -> Option<Value> {
    let output = python()?
        .arg(path)
        .args(["--today", AUDIT_TODAY])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn pledge_json(path: &Path, args: &[&str]) -> Value {
    let output = pledge()
        .env("PLEDGE_TODAY", TODAY)
        .arg("--file")
        .arg(path)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&output.stderr)))
}

/// The two readers agree on `path`: root, records and findings (kind and record) always; the
/// figures (per commodity, and each goal's converted total) too when the ledger is clean.
fn agree(path: &Path, what: &str) {
    let Some(reference) = reference(path) else {
        return;
    };
    let audit = pledge_json(path, &["audit"]);
    let file = &audit["files"][0];
    assert_eq!(file["root"], reference["root"], "{what}: root");
    assert_eq!(file["records"], reference["records"], "{what}: records");
    let findings = |list: &Value| -> Vec<(String, Value)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|f| (f["kind"].as_str().unwrap().to_string(), f["seq"].clone()))
            .collect()
    };
    assert_eq!(
        findings(&file["findings"]),
        findings(&reference["findings"]),
        "{what}: findings"
    );
    // Each goal's total toward its target, as the audit reproduces it from the records that
    // keep the rules.
    let goals = file["totals"]["goals"].as_array().unwrap();
    let expected = reference["goals"].as_array().unwrap();
    assert_eq!(goals.len(), expected.len(), "{what}: goals");
    for (goal, expected) in goals.iter().zip(expected) {
        assert_eq!(goal["id"], expected["id"], "{what}");
        for key in ["committed", "fulfilled", "remaining"] {
            assert_eq!(
                goal[key]["value"], expected[key],
                "{what}: goal {} {key}",
                goal["id"]
            );
        }
        for key in ["committed_percent", "fulfilled_percent", "unconverted"] {
            assert_eq!(
                goal[key], expected[key],
                "{what}: goal {} {key}",
                goal["id"]
            );
        }
    }
    if !findings(&file["findings"]).is_empty() {
        return;
    }
    let report = pledge_json(path, &["report", "--by", "commodity"]);
    let rows = report["rows"].as_array().unwrap();
    let expected = reference["by_commodity"].as_object().unwrap();
    assert_eq!(rows.len(), expected.len(), "{what}: commodities");
    for row in rows {
        let code = row["commodity"].as_str().unwrap();
        let figures = &expected[code];
        for key in [
            "pledged",
            "amended",
            "cancelled_amount",
            "committed",
            "fulfilled",
            "returned",
            "outstanding",
        ] {
            assert_eq!(row[key]["value"], figures[key], "{what}: {code} {key}");
        }
        for key in ["pledges", "cancelled"] {
            assert_eq!(row[key], figures[key], "{what}: {code} {key}");
        }
    }
}

#[test]
fn the_golden_files_and_the_example() {
    for file in [
        "tests/golden/v1-every-entry.pledge",
        "tests/golden/v1-checkpoint.pledge",
        "tests/golden/v1-corrections.pledge",
        "tests/golden/us-japan-2025-signed.pledge",
        "docs/examples/us-japan-2025.pledge",
    ] {
        agree(&workspace().join(file), file);
    }
}

#[test]
fn generated_ledgers_with_every_correction() {
    let dir = tempfile::tempdir().unwrap();
    for seed in [1, 2] {
        let (bytes, summary) = pledge_tests::generate::with_corrections(3_000, seed);
        assert!(summary.corrections > 100, "{summary:?}");
        let path = dir.path().join(format!("generated-{seed}.pledge"));
        std::fs::write(&path, &bytes).unwrap();
        agree(&path, &format!("generated, seed {seed}"));
    }
}

/// Frames of a ledger: (offset, length with the delimiter).
fn frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 16;
    for (i, &b) in bytes.iter().enumerate().skip(16) {
        if b == 0 {
            out.push((start, i + 1 - start));
            start = i + 1;
        }
    }
    out
}

#[test]
fn damaged_copies_are_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = pledge_tests::generate::with_corrections(600, 9);
    let frames = frames(&bytes);
    let frame = |i: usize| &bytes[frames[i].0..frames[i].0 + frames[i].1];
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    // A flipped bit inside record 300 (its CRC no longer holds).
    let mut flipped = bytes.clone();
    flipped[frames[300].0 + 2] ^= 0x10;
    cases.push(("a flipped bit", flipped));
    // Record 400 lost, record 500 repeated after itself, record 600 moved after 610, record 620
    // moved before 615.
    let mut edited = bytes[..16].to_vec();
    for i in 0..frames.len() {
        match i {
            400 | 600 | 620 => {}
            615 => {
                edited.extend_from_slice(frame(620));
                edited.extend_from_slice(frame(615));
            }
            500 => {
                edited.extend_from_slice(frame(500));
                edited.extend_from_slice(frame(500));
            }
            610 => {
                edited.extend_from_slice(frame(610));
                edited.extend_from_slice(frame(600));
            }
            _ => edited.extend_from_slice(frame(i)),
        }
    }
    cases.push(("lost, repeated and moved records", edited));
    // Record 200 replaced by an intact frame of a kind from the future (tag 19).
    let payload = [200u8, 19, 1, 2, 3];
    let mut body = payload.to_vec();
    body.extend_from_slice(&ledger_core::record::crc32c(&payload).to_le_bytes());
    let mut future = bytes[..frames[200].0].to_vec();
    future.push(u8::try_from(body.len() + 1).unwrap());
    future.extend_from_slice(&body);
    future.push(0);
    future.extend_from_slice(&bytes[frames[200].0 + frames[200].1..]);
    cases.push(("an entry kind from the future", future));
    // An append cut short.
    let torn = bytes[..bytes.len() - 3].to_vec();
    cases.push(("a torn tail", torn));
    for (what, damaged) in cases {
        let path = dir.path().join("damaged.pledge");
        std::fs::write(&path, &damaged).unwrap();
        agree(&path, what);
    }
}

/// The hex vectors of docs/FORMAT.md, decoded by the reference reader, are the records the
/// document describes.
#[test]
fn the_format_docs_vectors_decode_as_described() {
    let Some(_) = python() else {
        return;
    };
    let decode = |frame: &str, seq: u32| -> Value {
        let output = python()
            .unwrap()
            .args(["--decode", frame, &seq.to_string()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let rate = decode("06 10 0d d6 06 01 05 c9 54 04 01 05 36 35 20 a3 00", 16);
    assert_eq!(rate["seq"], 16);
    let e = &rate["entry"];
    assert_eq!(
        (
            e["tag"].clone(),
            e["date"].clone(),
            e["base"].clone(),
            e["quote"].clone()
        ),
        (13.into(), "2026-03-04".into(), 1.into(), 0.into())
    );
    assert_eq!(
        (e["mantissa"].clone(), e["scale"].clone(), e["goal"].clone()),
        (10825.into(), 4.into(), 0.into())
    );
    let void = &decode(
        "18 12 0e da 06 01 0d 65 6e 74 65 72 65 64 20 74 77 69 63 65 f8 23 91 03 00",
        18,
    )["entry"];
    assert_eq!(
        (void["record"].clone(), void["reason"].clone()),
        (17.into(), "entered twice".into())
    );
    let give_back = &decode(
        "0c 13 0f dc 06 0b 80 d0 db c3 f4 02 0e 01 07 75 6e 73 70 65 6e 74 a8 f7 eb 6a 00",
        19,
    )["entry"];
    assert_eq!(give_back["pledge"], 8);
    assert_eq!(
        give_back["amount"],
        serde_json::json!([50_000_000_000i64, 0])
    );
    let rename = &decode(
        "05 15 10 de 06 01 14 02 0d 6f 66 66 69 63 69 61 6c 20 6e 61 6d 65 a0 f1 42 d4 00",
        21,
    )["entry"];
    assert_eq!(
        (
            rename["kind"].clone(),
            rename["from"].clone(),
            rename["to"].clone()
        ),
        (0.into(), 0.into(), 2.into())
    );
    let reschedule = &decode(
        "15 16 11 e0 06 0e 01 9c 0e 07 64 65 6c 61 79 65 64 c1 02 c2 d0 00",
        22,
    )["entry"];
    assert_eq!(
        (reschedule["pledge"].clone(), reschedule["due"].clone()),
        (8.into(), "2027-06-30".into())
    );
    let revise = &decode(
        "0d 17 12 e2 06 10 80 80 fe ea ba a4 1b 11 01 8e 17 01 01 06 72 61 69 73 65 64 15 52 0c 0b 00",
        23,
    )["entry"];
    assert_eq!(revise["goal"], 7);
    assert_eq!(
        revise["target"],
        serde_json::json!([60_000_000_000_000i64, 0])
    );
    assert_eq!(
        (revise["deadline"].clone(), revise["beneficiary"].clone()),
        ("2029-01-19".into(), 1.into())
    );
    let planned = &decode("06 18 07 f6 0a 01 06 c0 9a 0c 01 41 05 86 87 c0 ac 00", 24)["entry"];
    assert_eq!(
        (
            planned["planned"].clone(),
            planned["goal"].clone(),
            planned["date"].clone()
        ),
        (true.into(), 0.into(), "2026-12-01".into())
    );
    assert_eq!(planned["amount"], serde_json::json!([100_000, 1]));
}
