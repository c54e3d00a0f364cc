//! Names, texts and paths that could take over an auditor's terminal: every control character
//! and every bidirectional override, through every door and every output. Regression: a goal
//! name holding `ESC[2J ESC[H` and a fake "OK" line wiped the findings off the auditor's screen,
//! and U+202E was accepted in names.

use std::path::{Path, PathBuf};
use std::process::Output;

use ledger_core::entry::{Entry, Name, Record};
use ledger_core::record::{MAX_FRAME, encode_frame};
use ledger_core::scan::{Item, Scanner};
use pledge_tests::{pledge, workspace};

/// Every character that must never reach a terminal raw (NUL cannot be an argument).
fn unsafe_chars() -> Vec<char> {
    (1u32..0x20)
        .chain([0x7f])
        .chain(0x80..0xa0)
        .chain(0x202a..=0x202e)
        .chain(0x2066..=0x2069)
        .filter_map(char::from_u32)
        .collect()
}

fn copy_example(dir: &Path) -> PathBuf {
    let ledger = dir.join("ledger.pledge");
    std::fs::copy(
        workspace().join("docs/examples/us-japan-2025.pledge"),
        &ledger,
    )
    .unwrap();
    ledger
}

fn run(dir: &Path, args: &[&str]) -> Output {
    pledge()
        .current_dir(dir)
        .env("PLEDGE_FILE", "ledger.pledge")
        .args(args)
        .output()
        .unwrap()
}

/// Neither stream carries `c` raw, and stderr is at most one line.
fn assert_clean(c: char, args: &[&str], output: &Output) {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    let what = format!("U+{:04X} through {args:?}", u32::from(c));
    if c == '\n' {
        assert!(stderr.lines().count() <= 1, "{what}: stderr {stderr:?}");
        assert!(!stdout.contains("Evil\nName"), "{what}: stdout {stdout:?}");
    } else {
        assert!(!stdout.contains(c), "{what}: stdout {stdout:?}");
        assert!(!stderr.contains(c), "{what}: stderr {stderr:?}");
    }
}

#[test]
fn typed_names_and_texts_are_refused_and_echoed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = copy_example(dir.path());
    let before = std::fs::read(&ledger).unwrap();
    for c in unsafe_chars() {
        let name = format!("Evil{c}Name");
        let mut cases = vec![vec!["add", "1", "USD", "--from", &name, "--to", "Japan"]];
        cases.push(vec!["goal", &name, "--target", "1 USD"]);
        let text = format!("a{c}b");
        let texts_allow = c == '\n' || c == '\t';
        if !texts_allow {
            cases.push(vec!["note", &text, "--date", "2025-11-01"]);
        }
        for args in cases {
            let output = run(dir.path(), &args);
            assert_eq!(
                output.status.code(),
                Some(2),
                "U+{:04X} {args:?}",
                u32::from(c)
            );
            assert_clean(c, &args, &output);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("control characters"),
                "U+{:04X}: {stderr}",
                u32::from(c)
            );
        }
        assert_eq!(
            std::fs::read(&ledger).unwrap(),
            before,
            "the ledger is unchanged"
        );
        // A path is an argument too.
        let path = format!("no{c}such.pledge");
        let args = ["--file", path.as_str(), "report"];
        let output = run(dir.path(), &args);
        assert_eq!(output.status.code(), Some(2));
        assert_clean(c, &args, &output);
    }
}

/// The example ledger with one more record, a party declaration whose name holds `c`, written
/// with the core's encoder (which, unlike the CLI, takes any name it is given).
fn hostile_ledger(dir: &Path, c: char) -> PathBuf {
    let ledger = copy_example(dir);
    let mut bytes = std::fs::read(&ledger).unwrap();
    let next = Scanner::new(&bytes)
        .unwrap()
        .filter(|i| matches!(i, Item::Record { .. }))
        .count() as u32;
    let name = Name::try_from(format!("Evil{c}Name\u{1b}[2J\u{1b}[HOK").as_str()).unwrap();
    let record = Record {
        seq: next,
        entry: Entry::Party(name),
    };
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).unwrap();
    bytes.extend_from_slice(&frame[..len]);
    std::fs::write(&ledger, bytes).unwrap();
    ledger
}

#[test]
fn names_read_from_a_file_are_held_to_the_same_rule_and_never_printed_raw() {
    let commands: [&[&str]; 9] = [
        &["report"],
        &["report", "--by", "pledger", "--format", "csv"],
        &["list"],
        &["list", "--format", "json"],
        &["show", "3"],
        &["head"],
        &["audit"],
        &["audit", "--format", "json"],
        &["add", "1", "USD", "--from", "Japan", "--to", "Japan"],
    ];
    for c in unsafe_chars() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = hostile_ledger(dir.path(), c);
        let before = std::fs::read(&ledger).unwrap();
        for args in commands {
            let output = run(dir.path(), args);
            assert_clean(c, args, &output);
            assert_clean('\u{1b}', args, &output);
            assert!(!output.status.success(), "U+{:04X} {args:?}", u32::from(c));
        }
        assert_eq!(std::fs::read(&ledger).unwrap(), before);
        let audit = run(dir.path(), &["audit", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
        let findings = json["files"][0]["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0]["kind"], "rule");
        let message = findings[0]["message"].as_str().unwrap();
        assert!(
            message.contains(
                "a name or text must not contain control characters or bidirectional overrides"
            ),
            "the audit's words are the writer's: {message}"
        );
    }
}

#[test]
fn line_breaks_and_tabs_in_texts_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let added = run(
        dir.path(),
        &[
            "add",
            "1",
            "USD",
            "--from",
            "Japan",
            "--to",
            "Japan",
            "--date",
            "2025-11-01",
            "--memo",
            "line one\nOK: forged\tline",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    let said = String::from_utf8(added.stdout).unwrap();
    let id = said
        .split('#')
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap();
    let shown = String::from_utf8(run(dir.path(), &["show", id]).stdout).unwrap();
    assert!(
        shown.contains("line one\\nOK: forged\\tline"),
        "the memo is one escaped line: {shown}"
    );
    assert!(!shown.contains("\nOK: forged"), "{shown}");
    let json = run(dir.path(), &["show", id, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        json["memo"], "line one\nOK: forged\tline",
        "JSON keeps the text exact"
    );
}
