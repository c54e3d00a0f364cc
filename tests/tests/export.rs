//! `pledge export --format journal` loads in real hledger and ledger (Debian's packages, which
//! `.ci/run` installs) and gives the same totals per pledger, beneficiary, project and commodity
//! as `pledge report`, committed and fulfilled, on the example after corrections and on a
//! generated ledger with every kind of correction. CSV and JSON exports have a row per event
//! whose changes add up to the same totals.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use pledge_tests::Scratch;
use serde_json::Value;

/// (key, commodity, committed or fulfilled) → the total as an exact decimal, zeros left out.
type Totals = BTreeMap<(String, String, String), String>;

/// An exact decimal in one spelling: no trailing zeros after the point, no lone point.
fn exact(value: &str) -> String {
    let value = value.replace(',', "");
    match value.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                whole.to_string()
            } else {
                format!("{whole}.{fraction}")
            }
        }
        None => value,
    }
}

fn is_zero(value: &str) -> bool {
    value.chars().all(|c| matches!(c, '0' | '.' | '-'))
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("--version").output().is_ok();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "{name} is needed for the export tests (CI installs it)"
    );
    if !found {
        eprintln!("{name} not found: its comparison is skipped");
    }
    found
}

/// `pledge report --by KEY`'s committed and fulfilled totals.
fn report(scratch: &Scratch, by: &str) -> Totals {
    let json: Value =
        serde_json::from_str(&scratch.ok(&["report", "--by", by, "--format", "json"])).unwrap();
    let mut totals = Totals::new();
    for row in json["rows"].as_array().unwrap() {
        let key = row["key"].as_str().unwrap_or("").to_string();
        let commodity = row["commodity"].as_str().unwrap().to_string();
        for what in ["committed", "fulfilled"] {
            let value = row[what]["value"].as_str().unwrap();
            if !is_zero(value) {
                totals.insert((key.clone(), commodity.clone(), what.into()), exact(value));
            }
        }
    }
    totals
}

/// Splits `"12.50 USD, 3 trees"` into (commodity, value) pairs.
fn amounts(text: &str) -> Vec<(String, String)> {
    text.split(", ")
        .filter(|a| !a.trim().is_empty() && a.trim() != "0")
        .map(|a| {
            let (value, commodity) = a.trim().rsplit_once(' ').unwrap();
            (commodity.trim_matches('"').to_string(), exact(value))
        })
        .collect()
}

/// What a balance command prints, pivoted by a tag if asked; it must succeed.
fn balances(mut command: Command, pivot: Option<&str>) -> String {
    if let Some(tag) = pivot {
        command.args(["--pivot", tag]);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// hledger's balances of `query`, as (account or pivot, commodity, kind) → value. The account
/// is `side:NAME:kind`, or with `--pivot` the tag value.
fn hledger(journal: &Path, query: &str, pivot: Option<&str>, side: &str) -> Totals {
    let mut command = Command::new("hledger");
    command
        .arg("-f")
        .arg(journal)
        .args(["bal", query, "-O", "csv", "--no-total"]);
    let text = balances(command, pivot);
    let mut totals = Totals::new();
    for line in text.lines().skip(1) {
        let (account, balance) = line.split_once("\",\"").unwrap();
        let account = account.trim_start_matches('"');
        let balance = balance.trim_end_matches('"').replace("\"\"", "\"");
        let (key, what) = match pivot {
            Some(_) => (
                account.to_string(),
                query.rsplit(':').next().unwrap().to_string(),
            ),
            None => {
                let parts: Vec<&str> = account.split(':').collect();
                (parts[1].to_string(), parts[2].to_string())
            }
        };
        for (commodity, value) in amounts(&balance) {
            let value = if side == "beneficiary" {
                negate(&value)
            } else {
                value
            };
            totals.insert((key.clone(), commodity, what.clone()), value);
        }
    }
    totals
}

/// ledger's balances of `query`, flat, as hledger's above.
fn ledger(journal: &Path, query: &str, pivot: Option<&str>, side: &str) -> Totals {
    let mut command = Command::new("ledger");
    command
        .arg("-f")
        .arg(journal)
        .args(["bal", query, "--flat", "--no-total", "--empty"]);
    let text = balances(command, pivot);
    let mut totals = Totals::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        // An amount, then (on the amount's last line) two spaces and the account.
        let line = line.trim_start();
        let (amount, account) = match line.split_once("  ") {
            Some((amount, account)) => (amount, Some(account.trim())),
            None => (line, None),
        };
        pending.extend(amounts(amount));
        let Some(account) = account else { continue };
        let (key, what) = match pivot {
            // `project:NAME:pledger:PARTY:committed`
            Some(tag) => {
                let rest = account.strip_prefix(&format!("{tag}:")).unwrap_or(account);
                let (name, _) = rest.split_once(&format!(":{side}:")).unwrap_or((rest, ""));
                (
                    name.to_string(),
                    query.rsplit(':').next().unwrap().to_string(),
                )
            }
            None => {
                let parts: Vec<&str> = account.split(':').collect();
                (parts[1].to_string(), parts[2].to_string())
            }
        };
        for (commodity, value) in pending.drain(..) {
            let value = if side == "beneficiary" {
                negate(&value)
            } else {
                value
            };
            let entry = totals
                .entry((key.clone(), commodity, what.clone()))
                .or_insert_with(|| "0".into());
            *entry = add(entry, &value);
        }
    }
    totals.retain(|_, v| !is_zero(v));
    totals
}

fn negate(value: &str) -> String {
    match value.strip_prefix('-') {
        Some(positive) => positive.to_string(),
        None => format!("-{value}"),
    }
}

/// Exact decimal addition (for ledger's pivot, which splits an account per party).
fn add(a: &str, b: &str) -> String {
    let scale = |v: &str| v.split_once('.').map_or(0, |(_, f)| f.len());
    let places = scale(a).max(scale(b));
    let units = |v: &str| -> i128 {
        let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
        let negative = whole.starts_with('-');
        let digits = format!("{}{fraction:0<places$}", whole.trim_start_matches('-'));
        let n: i128 = digits.parse().unwrap();
        if negative { -n } else { n }
    };
    let sum = units(a) + units(b);
    let sign = if sum < 0 { "-" } else { "" };
    let digits = format!("{:0>width$}", sum.abs(), width = places + 1);
    let (whole, fraction) = digits.split_at(digits.len() - places);
    exact(&format!("{sign}{whole}.{fraction}"))
}

/// Both tools give `pledge report`'s totals for the ledger in `scratch`.
fn agree(scratch: &Scratch, what: &str) {
    let journal = scratch.path("export.journal");
    std::fs::write(&journal, scratch.ok(&["export", "--format", "journal"])).unwrap();
    let sides = [("pledger", "pledger"), ("beneficiary", "beneficiary")];
    for (by, side) in sides {
        let expected = report(scratch, by);
        assert!(!expected.is_empty(), "{what}: a report to compare");
        if tool("hledger") {
            let found = hledger(&journal, &format!("^{side}:"), None, side);
            assert_eq!(found, expected, "{what}: hledger by {by}");
        }
        if tool("ledger") {
            let found = ledger(&journal, &format!("^{side}:"), None, side);
            assert_eq!(found, expected, "{what}: ledger by {by}");
        }
    }
    // By project and by commodity: the pledger side's committed and fulfilled, pivoted.
    let by_project = report(scratch, "project");
    for kind in ["committed", "fulfilled"] {
        let expected: Totals = by_project
            .iter()
            .filter(|((key, _, w), _)| w == kind && !key.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let query = format!("^pledger:.*:{kind}");
        if tool("hledger") {
            let mut found = hledger(&journal, &query, Some("project"), "pledger");
            found.retain(|(key, _, _), _| !key.is_empty());
            assert_eq!(found, expected, "{what}: hledger by project, {kind}");
        }
        if tool("ledger") {
            let mut found = ledger(&journal, &query, Some("project"), "pledger");
            found.retain(|(key, _, _), _| !key.starts_with("pledger"));
            assert_eq!(found, expected, "{what}: ledger by project, {kind}");
        }
    }
    let by_commodity = report(scratch, "commodity");
    if tool("hledger") {
        let mut found = Totals::new();
        for ((_, commodity, kind), value) in hledger(&journal, "^pledger:", None, "pledger") {
            let entry = found
                .entry((String::new(), commodity, kind))
                .or_insert_with(|| "0".into());
            *entry = add(entry, &value);
        }
        assert_eq!(found, by_commodity, "{what}: hledger by commodity");
    }
}

/// The CSV export's changes add up to the report's committed and fulfilled per commodity.
fn csv_adds_up(scratch: &Scratch, what: &str) {
    let csv = scratch.ok(&["export", "--format", "csv"]);
    let mut found = Totals::new();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (commodity, committed, fulfilled) = (
        column("commodity"),
        column("committed_change"),
        column("fulfilled_change"),
    );
    for line in lines {
        // Fields before the text, which is last and may be quoted.
        let fields: Vec<&str> = line.splitn(header.len(), ',').collect();
        for (kind, at) in [("committed", committed), ("fulfilled", fulfilled)] {
            if fields[at].is_empty() {
                continue;
            }
            let entry = found
                .entry((String::new(), fields[commodity].to_string(), kind.into()))
                .or_insert_with(|| "0".into());
            *entry = add(entry, fields[at]);
        }
    }
    found.retain(|_, v| !is_zero(v));
    assert_eq!(found, report(scratch, "commodity"), "{what}: CSV changes");
    let json: Value = serde_json::from_str(&scratch.ok(&["export", "--format", "json"])).unwrap();
    let rows = json["events"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        csv.lines().count() - 1,
        "{what}: JSON and CSV rows"
    );
}

#[test]
fn the_example_after_corrections_exports_to_hledger_and_ledger() {
    let scratch = Scratch::example();
    for args in [
        &["fulfil", "8", "25bn", "USD", "--date", "2026-03-01"][..],
        &[
            "amend",
            "10",
            "80bn",
            "USD",
            "--date",
            "2026-05-01",
            "--reason",
            "scaled",
        ],
        &[
            "cancel",
            "21",
            "--date",
            "2026-07-04",
            "--reason",
            "postponed",
        ],
        &["fulfil", "19", "--date", "2026-03-27"],
        &["return", "8", "5bn", "USD", "--date", "2026-06-01"],
        &[
            "add",
            "1bn",
            "USD",
            "--from",
            "Japn",
            "--to",
            "United States",
            "--date",
            "2026-01-05",
        ],
        &[
            "rename",
            "party",
            "Japn",
            "Japan",
            "--reason",
            "typo",
            "--date",
            "2026-01-06",
        ],
    ] {
        scratch.ok(args);
    }
    let twice = scratch.ok(&[
        "add",
        "2bn",
        "USD",
        "--from",
        "Japan",
        "--to",
        "United States",
        "--date",
        "2026-01-07",
    ]);
    let id = twice.split('#').nth(1).unwrap().split(':').next().unwrap();
    scratch.ok(&[
        "void",
        id,
        "--reason",
        "entered twice",
        "--date",
        "2026-01-08",
    ]);
    agree(&scratch, "the example");
    csv_adds_up(&scratch, "the example");
}

#[test]
fn a_generated_ledger_with_every_correction_exports_the_same_totals() {
    let scratch = Scratch::empty();
    let (bytes, _) = pledge_tests::generate::with_corrections(2_000, 4);
    std::fs::write(scratch.path("ledger.pledge"), bytes).unwrap();
    agree(&scratch, "generated");
    csv_adds_up(&scratch, "generated");
}

#[test]
fn the_examples_export_in_every_format() {
    let scratch = Scratch::example();
    scratch.ok(&["fulfil", "8", "25bn", "USD", "--date", "2026-03-01"]);
    scratch.ok(&[
        "void",
        "23",
        "--reason",
        "wrong pledge",
        "--date",
        "2026-03-02",
    ]);
    let journal = scratch.ok(&["export", "--format", "journal"]);
    insta::assert_snapshot!("export_journal", journal);
    insta::assert_snapshot!("export_csv", scratch.ok(&["export", "--format", "csv"]));
}

/// The IATI 2.03 schemas: `PLEDGE_IATI_SCHEMAS`, else where `.ci/run` puts them.
fn iati_schema() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("PLEDGE_IATI_SCHEMAS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| pledge_tests::workspace().join("target/iati-2.03/schemas"));
    let schema = dir.join("iati-activities-schema.xsd");
    let found = schema.exists() && tool("xmllint");
    assert!(
        found || std::env::var_os("CI").is_none(),
        "the IATI schemas and xmllint are needed (.ci/run fetches them)"
    );
    found.then_some(schema)
}

/// The IATI export is valid against the official 2.03 activity schema (xmllint), and its
/// pledge (12) and disbursement (3) transactions add up, per currency, to the report's
/// committed and fulfilled.
fn iati_agrees(scratch: &Scratch, what: &str) {
    let xml = scratch.ok(&["export", "--format", "iati"]);
    let Some(schema) = iati_schema() else { return };
    let file = scratch.path("activities.xml");
    std::fs::write(&file, &xml).unwrap();
    let output = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut found = Totals::new();
    let mut code = "";
    for line in xml.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("<transaction-type code=\"") {
            code = if rest.starts_with("12") {
                "committed"
            } else {
                "fulfilled"
            };
        }
        if let Some(rest) = line.strip_prefix("<value currency=\"") {
            let (currency, rest) = rest.split_once('"').unwrap();
            let value = rest.split_once('>').unwrap().1.split_once('<').unwrap().0;
            let entry = found
                .entry((String::new(), currency.to_string(), code.to_string()))
                .or_insert_with(|| "0".into());
            *entry = add(entry, value);
        }
    }
    found.retain(|_, v| !is_zero(v));
    let mut expected = report(scratch, "commodity");
    // In-kind commodities have no IATI value.
    expected.retain(|(_, commodity, _), _| {
        commodity.chars().all(|c| c.is_ascii_uppercase()) && commodity.len() == 3
    });
    assert_eq!(found, expected, "{what}: IATI transactions");
}

#[test]
fn the_iati_export_validates_against_the_official_schema() {
    let scratch = Scratch::example();
    scratch.ok(&["fulfil", "8", "25bn", "USD", "--date", "2026-03-01"]);
    scratch.ok(&["return", "8", "1bn", "USD", "--date", "2026-04-01"]);
    scratch.ok(&[
        "cancel",
        "10",
        "--reason",
        "withdrawn <for now> & \"later\"",
        "--date",
        "2026-05-01",
    ]);
    scratch.ok(&[
        "add",
        "1M",
        "EUR",
        "--from",
        "Fund <A> & Co",
        "--to",
        "Kenya",
        "--sector",
        "forests & land",
        "--date",
        "2026-05-02",
    ]);
    iati_agrees(&scratch, "the example");
    let generated = Scratch::empty();
    let (bytes, _) = pledge_tests::generate::with_corrections(1_000, 8);
    std::fs::write(generated.path("ledger.pledge"), bytes).unwrap();
    iati_agrees(&generated, "generated");
}
