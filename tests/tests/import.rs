//! `pledge import`: every row checked before anything is written, then all of them in one
//! append; an error names the file, row, column and value and leaves the ledger as it was; a
//! file imported twice records nothing twice; another ledger's export comes back with the same
//! figures.

use pledge_tests::Scratch;

/// A ledger ready for the example's pledges: its goal and in-kind commodities.
fn target(scratch: &Scratch) {
    scratch.ok(&["init", "--origin", "pledge.example/imported"]);
    scratch.ok(&[
        "goal",
        "Japanese investment in the US",
        "--target",
        "550bn",
        "USD",
        "--date",
        "2025-10-28",
    ]);
    for code in ["programme", "trees", "fireworks"] {
        scratch.ok(&["commodity", code, "--decimals", "0"]);
    }
}

#[test]
fn another_ledgers_export_comes_back_with_the_same_figures_once() {
    let source = Scratch::example();
    for args in [
        &[
            "fulfil",
            "8",
            "25bn",
            "USD",
            "--date",
            "2026-03-01",
            "--memo",
            "first tranche",
        ][..],
        &[
            "amend",
            "10",
            "80bn",
            "USD",
            "--reason",
            "scaled",
            "--date",
            "2026-05-01",
        ],
        &[
            "cancel",
            "21",
            "--reason",
            "postponed",
            "--date",
            "2026-07-04",
        ],
        &["return", "8", "5bn", "USD", "--date", "2026-08-01"],
        &["note", "site chosen", "--on", "8", "--date", "2026-08-02"],
    ] {
        source.ok(args);
    }
    let export = source.ok(&["export", "--format", "json"]);
    let scratch = Scratch::empty();
    std::fs::write(scratch.path("export.json"), &export).unwrap();
    target(&scratch);
    let said = scratch.ok(&["import", "export.json"]);
    // 6 pledges, 5 events on them, a note on the ledger; the goal row is the ledger's own.
    assert!(
        said.starts_with("imported 12 rows from export.json"),
        "{said}"
    );
    for by in ["commodity", "pledger", "status"] {
        let report = |s: &Scratch| s.ok(&["report", "--by", by, "--format", "csv"]);
        assert_eq!(report(&scratch), report(&source), "by {by}");
    }
    let goal = |s: &Scratch| {
        let json: serde_json::Value =
            serde_json::from_str(&s.ok(&["report", "--format", "json"])).unwrap();
        json["goals"][0]["committed"].clone()
    };
    assert_eq!(goal(&scratch), goal(&source));
    scratch.ok(&["audit"]);
    // Again: nothing twice, the file untouched.
    let before = scratch.read("ledger.pledge");
    let again = scratch.ok(&["import", "export.json"]);
    assert!(again.starts_with("imported 0 rows"), "{again}");
    assert!(again.contains("12 imported before"), "{again}");
    assert_eq!(scratch.read("ledger.pledge"), before);
}

/// A spreadsheet's own column names, mapped; a bad row in the middle stops everything, named.
#[test]
fn a_bad_row_changes_nothing_and_is_named() {
    let scratch = Scratch::empty();
    target(&scratch);
    let csv = "Key,Donor,Recipient,Pledge,Currency,Signed\n\
               GCF-1,Germany,Green Climate Fund,750M,EUR,2014-11-20\n\
               GCF-2,Sweden,Green Climate Fund,4bn,SEK,2014-11-20\n\
               GCF-3,France,Green Climate Fund,1.000.000,EUR,2014-11-20\n\
               GCF-4,Japan,Green Climate Fund,1.5bn,USD,2014-11-20\n";
    std::fs::write(scratch.path("round.csv"), csv).unwrap();
    let map = [
        "--map",
        "ref=Key",
        "--map",
        "from=Donor",
        "--map",
        "to=Recipient",
        "--map",
        "amount=Pledge",
        "--map",
        "commodity=Currency",
        "--map",
        "date=Signed",
    ];
    let before = scratch.read("ledger.pledge");
    let mut args = vec!["import", "round.csv"];
    args.extend(map);
    let output = scratch.run(&args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: round.csv: row 4, column 'Pledge': '1.000.000 EUR':"),
        "{stderr}"
    );
    assert_eq!(scratch.read("ledger.pledge"), before, "nothing written");
    // Fixed, it imports; imported again, it records nothing twice.
    std::fs::write(
        scratch.path("round.csv"),
        csv.replace("1.000.000", "\"1,000,000\""),
    )
    .unwrap();
    let said = scratch.ok(&args);
    assert!(said.starts_with("imported 4 rows"), "{said}");
    let again = scratch.ok(&args);
    assert!(again.contains("4 imported before"), "{again}");
    let listed = scratch.ok(&["list", "--format", "csv"]);
    assert_eq!(listed.lines().count(), 5, "{listed}");
    // The reference stays with its pledge.
    let first = listed.lines().nth(1).unwrap().split(',').next().unwrap();
    let shown = scratch.ok(&["show", first]);
    assert!(shown.contains("ref: GCF-1"), "{shown}");
}

#[test]
fn unknown_fields_and_columns_are_named() {
    let scratch = Scratch::empty();
    target(&scratch);
    std::fs::write(scratch.path("x.csv"), "Donor,Pledge\nGermany,1 EUR\n").unwrap();
    for (args, expected) in [
        (
            &["import", "x.csv"][..],
            "error: x.csv: no column is one import knows",
        ),
        (
            &["import", "x.csv", "--map", "donor=Donor"],
            "error: --map 'donor=Donor': no field 'donor'",
        ),
        (
            &[
                "import",
                "x.csv",
                "--map",
                "from=Donor",
                "--map",
                "amount=Pledge",
            ],
            "error: x.csv: row 2, column 'to': '': a beneficiary is needed",
        ),
    ] {
        let output = scratch.run(args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
    }
}

/// A rule about dates names the date's column, not the amount's: a row dated after today.
#[test]
fn a_date_rule_names_the_date_column() {
    let scratch = Scratch::empty();
    target(&scratch);
    std::fs::write(
        scratch.path("x.csv"),
        "date,from,to,amount,commodity,due\n\
         2026-11-30,Japan,United States,5,USD,\n\
         2025-11-02,Japan,United States,5,USD,2025-11-01\n",
    )
    .unwrap();
    let before = scratch.read("ledger.pledge");
    for (fix, expected) in [
        (
            None,
            "error: x.csv: row 2, column 'date': '2026-11-30': dated 2026-11-30, after today \
             (2026-11-24)",
        ),
        (
            Some(("2026-11-30", "2025-11-01")),
            "error: x.csv: row 3, column 'due': '2025-11-01':",
        ),
    ] {
        if let Some((from, to)) = fix {
            let text = scratch.read("x.csv");
            let text = String::from_utf8(text).unwrap().replacen(from, to, 1);
            std::fs::write(scratch.path("x.csv"), text).unwrap();
        }
        let output = scratch.run(&["import", "x.csv"]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with(expected), "{stderr}");
        assert_eq!(scratch.read("ledger.pledge"), before, "nothing written");
    }
}

/// Rows are read ahead of their checks, in batches: a row that is not CSV, thousands of rows
/// in, is named with its own number, and a bad row before it is still the one named.
#[test]
fn a_broken_row_far_in_is_named_after_the_rows_before_it() {
    let scratch = Scratch::empty();
    target(&scratch);
    let rows: Vec<String> = (0..5_000)
        .map(|i| format!("2025-11-02,Donor {},Fund,{}.00,USD\n", i % 7, i + 1))
        .collect();
    let write = |rows: &[String], bad: &str| {
        let mut text = String::from("date,from,to,amount,commodity\n");
        text.extend(rows.iter().map(String::as_str));
        text.push_str(bad);
        text.extend(rows.iter().take(10).map(String::as_str));
        std::fs::write(scratch.path("x.csv"), text).unwrap();
    };
    let before = scratch.read("ledger.pledge");
    let run = || {
        let output = scratch.run(&["import", "x.csv"]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(scratch.read("ledger.pledge"), before, "nothing written");
        String::from_utf8(output.stderr).unwrap()
    };
    // Row 5,002: one field too many.
    write(&rows, "2025-11-02,Donor,Fund,1.00,USD,extra\n");
    let stderr = run();
    assert!(stderr.starts_with("error: x.csv: row 5002: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // A bad amount at row 3,001 comes first.
    let mut early = rows.clone();
    early[2_999] = "2025-11-02,Donor,Fund,1.005,USD\n".to_string();
    write(&early, "2025-11-02,Donor,Fund,1.00,USD,extra\n");
    let stderr = run();
    assert!(
        stderr.starts_with("error: x.csv: row 3001, column 'amount': '1.005 USD':"),
        "{stderr}"
    );
    // Without the broken row, all of them go in.
    write(&rows, "");
    let said = scratch.ok(&["import", "x.csv"]);
    assert!(said.starts_with("imported 5010 rows"), "{said}");
}

/// References and notes on the ledger are known apart: a pledge whose reference reads like a
/// note's key is not taken for that note (they once shared one set, keyed by a prefix).
#[test]
fn a_reference_is_never_taken_for_a_note_on_the_ledger() {
    let scratch = Scratch::empty();
    target(&scratch);
    std::fs::write(
        scratch.path("notes.csv"),
        "kind,date,text\nnote,2025-11-02,hello\n",
    )
    .unwrap();
    let said = scratch.ok(&["import", "notes.csv"]);
    assert!(said.starts_with("imported 1 rows"), "{said}");
    std::fs::write(
        scratch.path("pledges.csv"),
        "date,from,to,amount,commodity,ref\n\
         2025-11-02,Japan,United States,5,USD,note on the ledger: hello\n\
         2025-11-02,Japan,United States,6,USD,hello\n",
    )
    .unwrap();
    let said = scratch.ok(&["import", "pledges.csv"]);
    assert!(said.starts_with("imported 2 rows"), "{said}");
    // Each is known the second time, by its own kind.
    for file in ["notes.csv", "pledges.csv"] {
        let again = scratch.ok(&["import", file]);
        assert!(again.starts_with("imported 0 rows"), "{file}: {again}");
    }
}

/// An import larger than the few MiB of records kept in memory waits in a temporary file: a
/// bad last row still leaves the ledger as it was, and the good file imports every row once.
#[test]
fn a_large_import_waits_in_a_temporary_file_and_is_still_all_or_nothing() {
    let scratch = Scratch::empty();
    target(&scratch);
    // 250,000 pledges with references: about 11 MB of records, past the 4 MiB kept in memory.
    let mut csv = String::from("date,from,to,amount,commodity,ref\n");
    for i in 0..250_000u64 {
        csv.push_str(&format!(
            "2025-11-{:02},Donor {},Fund {},{},USD,K{i}\n",
            1 + i % 28,
            i % 11,
            i % 3,
            i + 1
        ));
    }
    let before = scratch.read("ledger.pledge");
    std::fs::write(
        scratch.path("big.csv"),
        format!("{csv}2025-11-02,Donor,Fund,1.005,USD,X\n"),
    )
    .unwrap();
    let output = scratch.run(&["import", "big.csv"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: big.csv: row 250002, column 'amount': '1.005 USD':"),
        "{stderr}"
    );
    assert_eq!(scratch.read("ledger.pledge"), before, "nothing written");
    assert!(!scratch.path("ledger.pledge.journal").exists());
    std::fs::write(scratch.path("big.csv"), &csv).unwrap();
    let said = scratch.ok(&["import", "big.csv"]);
    assert!(said.starts_with("imported 250000 rows"), "{said}");
    // 1 + 2 + ... + 250,000 dollars, every one of them once.
    let report = scratch.ok(&["report", "--by", "commodity"]);
    assert!(report.contains("31,250,125,000.00 USD"), "{report}");
    scratch.ok(&["audit"]);
    let again = scratch.ok(&["import", "big.csv"]);
    assert!(again.contains("250000 imported before"), "{again}");
}

/// JSON is read row by row as it is parsed, not as one value: an `origin` after the `events`
/// still gives every row its reference (a second pass), and a file of the wrong shape is one
/// error, the ledger unchanged.
#[test]
fn a_json_origin_after_the_rows_still_names_their_references() {
    let source = Scratch::example();
    let export = source.ok(&["export", "--format", "json"]);
    assert!(
        export.find("\"origin\"") < export.find("\"events\""),
        "export writes its origin first"
    );
    // serde_json's map is sorted: written again, `events` comes before `origin`.
    let value: serde_json::Value = serde_json::from_str(&export).unwrap();
    let late = serde_json::to_string(&value).unwrap();
    assert!(late.find("\"events\"") < late.find("\"origin\""));
    let scratch = Scratch::empty();
    std::fs::write(scratch.path("late.json"), &late).unwrap();
    std::fs::write(scratch.path("export.json"), &export).unwrap();
    target(&scratch);
    let said = scratch.ok(&["import", "late.json"]);
    assert!(said.starts_with("imported 7 rows from late.json"), "{said}");
    // The same rows in the export's own order are the same references: nothing twice.
    let again = scratch.ok(&["import", "export.json"]);
    assert!(again.contains("7 imported before"), "{again}");

    let before = scratch.read("ledger.pledge");
    std::fs::write(
        scratch.path("odd.json"),
        r#"{"origin": "x.example/odd", "events": "not rows"}"#,
    )
    .unwrap();
    let output = scratch.run(&["import", "odd.json"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("odd.json") && stderr.contains("an array of rows"),
        "{stderr}"
    );
    assert_eq!(scratch.read("ledger.pledge"), before);
}

/// A JSON file that starts with a byte-order mark (as some Windows tools write it) was taken
/// for CSV and refused; a directory was named twice in its error.
#[test]
fn a_byte_order_mark_and_a_directory_are_read_as_they_are() {
    let scratch = Scratch::empty();
    target(&scratch);
    let row =
        r#"[{"from": "Japan", "to": "United States", "amount": "5bn USD", "date": "2025-11-01"}]"#;
    let mut json = b"\xEF\xBB\xBF".to_vec();
    json.extend_from_slice(row.as_bytes());
    std::fs::write(scratch.path("bom.json"), json).unwrap();
    let said = scratch.ok(&["import", "bom.json"]);
    assert!(said.starts_with("imported 1 rows from bom.json"), "{said}");
    let list = scratch.ok(&["list", "--format", "csv"]);
    assert!(
        list.contains(",Japan,United States,5000000000.00,"),
        "{list}"
    );

    std::fs::create_dir(scratch.path("rows")).unwrap();
    let output = scratch.run(&["import", "rows"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        "error: rows: is a directory; pledge reads only regular files"
    );
}
