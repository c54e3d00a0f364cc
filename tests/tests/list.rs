//! `pledge list --format csv` is written straight from the fold, without building each row as
//! strings first; here it must say, field for field, what `--format json` says (built through
//! `list::pledge_json`, as the table is), on a generated ledger with every kind of correction.

use pledge_tests::Scratch;
use serde_json::Value;

/// The list as JSON, one row of CSV-ordered fields a pledge.
fn json_rows(scratch: &Scratch, args: &[&str]) -> Vec<Vec<String>> {
    let mut command = vec!["list"];
    command.extend_from_slice(args);
    command.extend_from_slice(&["--format", "json"]);
    let json: Value = serde_json::from_str(&scratch.ok(&command)).unwrap();
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    json["pledges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            vec![
                text(&p["id"]),
                text(&p["date"]),
                text(&p["from"]),
                text(&p["to"]),
                text(&p["amount"]["value"]),
                text(&p["fulfilled"]["value"]),
                text(&p["outstanding"]["value"]),
                text(&p["amount"]["commodity"]),
                text(&p["status"]),
                text(&p["overdue"]),
                text(&p["due"]),
                text(&p["goal"]),
                text(&p["project"]),
                text(&p["sector"]),
            ]
        })
        .collect()
}

/// The list as CSV, header checked, one row a pledge.
fn csv_rows(scratch: &Scratch, args: &[&str]) -> Vec<Vec<String>> {
    let mut command = vec!["list"];
    command.extend_from_slice(args);
    command.extend_from_slice(&["--format", "csv"]);
    let out = scratch.ok(&command);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "date",
            "from",
            "to",
            "amount",
            "fulfilled",
            "outstanding",
            "commodity",
            "status",
            "overdue",
            "due",
            "goal",
            "project",
            "sector"
        ]
    );
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[test]
fn csv_says_what_json_says_field_for_field() {
    let scratch = Scratch::empty();
    let (bytes, _) = pledge_tests::generate::with_corrections(3_000, 9);
    std::fs::write(scratch.path("ledger.pledge"), bytes).unwrap();
    let mut compared = 0;
    for args in [
        &[][..],
        &["--status", "overdue"],
        &["--status", "cancelled"],
        &["--status", "void"],
        &["--status", "partial"],
        &["--as-of", "2025-06-30"],
    ] {
        let (csv, json) = (csv_rows(&scratch, args), json_rows(&scratch, args));
        assert!(!csv.is_empty(), "{args:?}: no rows to compare");
        assert_eq!(csv, json, "{args:?}");
        compared += csv.len();
    }
    // Goals, projects, sectors and due dates all appear, so those fields were compared too.
    let all = csv_rows(&scratch, &[]);
    for (field, name) in [(10, "due"), (11, "goal"), (12, "project"), (13, "sector")] {
        assert!(all.iter().any(|row| !row[field].is_empty()), "no {name}");
    }
    assert!(compared > 3_000, "{compared}");
}

/// `log --order date` sorts the events it keeps in compact rows, through a temporary file past a
/// few MiB: every row must come back field for field as the record order has it, in the order
/// of a stable sort by date (an event recorded late, back-dated, among its date's).
#[test]
fn the_log_in_date_order_is_the_record_order_sorted_by_date() {
    let scratch = Scratch::empty();
    let (bytes, summary) = pledge_tests::generate::with_corrections(3_000, 8);
    assert!(summary.corrections > 50, "{summary:?}");
    std::fs::write(scratch.path("ledger.pledge"), bytes).unwrap();
    let events = |args: &[&str]| -> Vec<Value> {
        let output = pledge_tests::pledge()
            .current_dir(scratch.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .env("PLEDGE_TODAY", "2031-12-31")
            .args(["log", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        json["events"].as_array().unwrap().clone()
    };
    let mut expected = events(&[]);
    let back_dated = expected
        .windows(2)
        .filter(|pair| pair[1]["date"].as_str() < pair[0]["date"].as_str())
        .count();
    assert!(
        back_dated > 10,
        "{back_dated} events recorded after later-dated ones"
    );
    // Stable: events of one date stay in record order.
    expected.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
    let by_date = events(&["--order", "date"]);
    assert_eq!(by_date.len(), expected.len());
    for (got, want) in by_date.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    let kinds: std::collections::BTreeSet<&str> =
        by_date.iter().filter_map(|e| e["kind"].as_str()).collect();
    for kind in [
        "pledge", "fulfil", "amend", "cancel", "void", "return", "rate", "rename",
    ] {
        assert!(kinds.contains(kind), "a {kind} among {kinds:?}");
    }
}
