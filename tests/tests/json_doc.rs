//! docs/JSON.md covers every JSON output: each command that prints JSON has its section, and
//! every field any of its outputs has (at any depth) is named in that section, or in "Money"
//! for the fields every amount has. A field added without a word in the doc fails here.

use std::collections::BTreeSet;

use pledge_tests::{Scratch, workspace};
use serde_json::Value;

/// The text of the section of JSON.md whose heading names `command`.
fn section<'d>(doc: &'d str, heading: &str) -> &'d str {
    let start = doc
        .find(&format!("## `{heading}"))
        .or_else(|| doc.find(&format!("## {heading}\n")))
        .unwrap_or_else(|| panic!("docs/JSON.md has no section for `{heading}`"));
    let rest = &doc[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |e| e);
    &rest[..end]
}

/// Every object key in `value`, at any depth.
fn keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.insert(key.clone());
                keys(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

#[test]
fn every_json_field_is_documented() {
    let doc = std::fs::read_to_string(workspace().join("docs/JSON.md")).unwrap();
    let money = section(&doc, "Money");
    let scratch = Scratch::example();
    for args in [
        &["fulfil", "8", "25bn", "USD", "--date", "2026-03-01"][..],
        &[
            "rate",
            "EUR",
            "USD",
            "1.08",
            "--goal",
            "Japanese investment in the US",
            "--date",
            "2026-01-01",
        ],
        &[
            "add",
            "1M",
            "EUR",
            "--from",
            "Germany",
            "--to",
            "United States",
            "--goal",
            "Japanese investment in the US",
            "--date",
            "2026-01-02",
        ],
        &[
            "void",
            "23",
            "--reason",
            "wrong pledge",
            "--date",
            "2026-03-02",
        ],
        &["note", "looked again", "--on", "3", "--date", "2026-03-03"],
    ] {
        scratch.ok(args);
    }
    let outputs: [(&str, &[&str]); 13] = [
        ("pledge list --format json", &["list", "--format", "json"]),
        (
            "pledge show ID --format json",
            &["show", "8", "--format", "json"],
        ),
        (
            "pledge show ID --format json",
            &["show", "3", "--format", "json"],
        ),
        (
            "pledge show ID --format json",
            &["show", "24", "--format", "json"],
        ),
        (
            "pledge show ID --format json",
            &["show", "0", "--format", "json"],
        ),
        (
            "pledge report --format json",
            &["report", "--format", "json"],
        ),
        (
            "pledge report --by KEY --format json",
            &["report", "--by", "sector", "--format", "json"],
        ),
        (
            "pledge report --by KEY --format json",
            &["report", "--by", "status", "--format", "json"],
        ),
        ("pledge head --format json", &["head", "--format", "json"]),
        ("pledge audit --format json", &["audit", "--format", "json"]),
        (
            "pledge export --format json",
            &["export", "--format", "json"],
        ),
        ("pledge log --format json", &["log", "--format", "json"]),
        (
            "pledge log --format json",
            &["log", "--since", "2026-03-01", "--format", "json"],
        ),
    ];
    let mut missing = Vec::new();
    for (heading, args) in outputs {
        let text = section(&doc, heading);
        let json: Value = serde_json::from_str(&scratch.ok(args)).unwrap();
        let mut found = BTreeSet::new();
        keys(&json, &mut found);
        assert!(!found.is_empty(), "{args:?}");
        // A key is documented where the doc names it in backticks, alone or in `a.b` paths;
        // `value` and `commodity` in every amount are documented under "Money". Some outputs
        // reuse another's shapes, as their sections say: GOAL and TOTALS from `report`, PLEDGE
        // from `list`, EVENT from `export`.
        let report = section(&doc, "pledge report --format json");
        let shared = match heading {
            "pledge show ID --format json" => section(&doc, "pledge list --format json"),
            "pledge log --format json" => section(&doc, "pledge export --format json"),
            _ => "",
        };
        for key in found {
            let named = |text: &str| {
                text.contains(&format!("`{key}`"))
                    || text.contains(&format!("\"{key}\""))
                    || text.contains(&format!("`{key}:"))
            };
            if !(named(text) || named(money) || named(report) || named(shared)) {
                missing.push(format!("{heading}: `{key}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/JSON.md does not name:\n{}",
        missing.join("\n")
    );
}
