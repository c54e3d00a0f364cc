//! `pledge report FILE…`: a report over a fleet of ledgers (one per device) is the sum of the
//! ledgers' own reports, name by name and commodity by commodity, and refuses what cannot be
//! summed.

use std::collections::BTreeMap;

use pledge_tests::pledge;
use serde_json::Value;

/// Runs `pledge ARGS` in `dir`; (exit code, stdout, stderr).
fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = pledge().current_dir(dir).args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// Minor units of a money value (its exact decimal, point removed).
fn units(money: &Value) -> i128 {
    money["value"]
        .as_str()
        .unwrap()
        .replace('.', "")
        .parse()
        .unwrap()
}

/// Three devices: each records toward the goal IRM (10M USD), one in EUR at its own rate, and
/// pledges outside it; a party appears on two devices.
fn fleet(dir: &std::path::Path) {
    for (file, pledges) in [
        (
            "a.pledge",
            &[
                ("2M", "USD", "Norway", true),
                ("300", "USD", "Kiosk", false),
            ][..],
        ),
        (
            "b.pledge",
            &[
                ("1.5M", "USD", "Norway", true),
                ("1M", "EUR", "Germany", true),
            ],
        ),
        (
            "c.pledge",
            &[
                ("750k", "USD", "Japan", true),
                ("20", "EUR", "Kiosk", false),
            ],
        ),
    ] {
        let f = |args: &[&str]| ok(dir, &[&["--file", file][..], args].concat());
        f(&["init", "--origin", &format!("device.example/{file}")]);
        f(&[
            "goal",
            "IRM",
            "--target",
            "10M",
            "USD",
            "--date",
            "2025-01-01",
        ]);
        if file == "b.pledge" {
            f(&[
                "rate",
                "EUR",
                "USD",
                "1.1",
                "--goal",
                "IRM",
                "--date",
                "2025-01-01",
            ]);
        }
        for (amount, code, from, in_goal) in pledges {
            let mut args = vec![
                "add",
                amount,
                code,
                "--from",
                from,
                "--to",
                "Fund",
                "--date",
                "2025-02-01",
            ];
            if *in_goal {
                args.extend(["--goal", "IRM"]);
            }
            f(&args);
        }
        f(&[
            "fulfil",
            &ok(dir, &["--file", file, "list", "--format", "json"])
                .parse::<Value>()
                .unwrap()["pledges"][0]["id"]
                .to_string(),
            "100k",
            "USD",
            "--date",
            "2025-03-01",
        ]);
    }
}

#[test]
fn a_fleet_report_is_the_sum_of_the_ledgers_reports() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fleet(dir);
    let files = ["a.pledge", "b.pledge", "c.pledge"];
    let one = |file: &str, extra: &[&str]| -> Value {
        serde_json::from_str(&ok(
            dir,
            &[&["--file", file, "report", "--format", "json"][..], extra].concat(),
        ))
        .unwrap()
    };
    let all: Value = serde_json::from_str(&ok(
        dir,
        &[&["report"][..], &files, &["--format", "json"]].concat(),
    ))
    .unwrap();
    assert_eq!(all["ledgers"].as_array().unwrap().len(), 3);
    let goal = &all["goals"][0];
    assert_eq!(goal["name"], "IRM");
    assert_eq!(goal["id"], Value::Null);
    // Committed toward the target: each ledger's converted total, summed.
    let mut committed = 0;
    let mut fulfilled = 0;
    for file in files {
        committed += units(&one(file, &[])["goals"][0]["committed"]);
        fulfilled += units(&one(file, &[])["goals"][0]["fulfilled"]);
    }
    assert_eq!(units(&goal["committed"]), committed);
    assert_eq!(units(&goal["fulfilled"]), fulfilled);
    assert_eq!(
        units(&goal["committed"]),
        (2_000_000 + 1_500_000 + 1_100_000 + 750_000) * 100
    );
    assert_eq!(goal["committed_percent"], "53.5");
    // Per commodity, never added together.
    let codes: Vec<&str> = goal["commodities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commodity"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["USD", "EUR"]);
    // Outside the goal: 300 USD and 20 EUR, each in its commodity.
    let outside: BTreeMap<String, i128> = all["outside_goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["commodity"].as_str().unwrap().to_string(),
                units(&t["committed"]),
            )
        })
        .collect();
    assert_eq!(
        outside,
        BTreeMap::from([("EUR".into(), 2_000), ("USD".into(), 30_000)])
    );

    // By pledger: the same name on two devices is one row per commodity.
    let by: Value = serde_json::from_str(&ok(
        dir,
        &[
            &["report", "--by", "pledger"][..],
            &files,
            &["--format", "json"],
        ]
        .concat(),
    ))
    .unwrap();
    let rows: Vec<(String, String, i128)> = by["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["commodity"].as_str().unwrap().to_string(),
                units(&r["committed"]),
            )
        })
        .collect();
    assert!(
        rows.contains(&("Norway".into(), "USD".into(), 350_000_000)),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("Kiosk".into(), "USD".into(), 30_000)),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("Kiosk".into(), "EUR".into(), 2_000)),
        "{rows:?}"
    );
    let table = ok(dir, &[&["report"][..], &files].concat());
    assert!(
        table.starts_with("Across 3 ledgers: a.pledge, b.pledge, c.pledge"),
        "{table}"
    );
}

#[test]
fn what_cannot_be_summed_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fleet(dir);
    ok(
        dir,
        &[
            "--file",
            "c.pledge",
            "revise",
            "IRM",
            "--target",
            "12M",
            "USD",
            "--reason",
            "raised",
            "--date",
            "2025-04-01",
        ],
    );
    let (code, _, err) = run(dir, &["report", "a.pledge", "c.pledge"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: goal 'IRM': target 10,000,000.00 USD in a.pledge but 12,000,000.00 USD in \
         c.pledge; a report across ledgers needs the same target (`pledge revise`)\n"
    );
    let (code, _, err) = run(dir, &["report", "a.pledge", "b.pledge", "--known-at", "4"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: --known-at '4': a record number belongs to one ledger"),
        "{err}"
    );
    let (code, _, err) = run(dir, &["report", "a.pledge", "missing.pledge"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.pledge"), "{err}");
}
