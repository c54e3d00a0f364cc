//! Witnesses: `pledge keygen --witness`, `pledge cosign` and `audit --witness --quorum`, with the
//! cosignatures checked by an independent implementation of C2SP tlog-cosignature (Python's
//! `cryptography`, tests/witness/verify_cosignature.py) where Python has it.

use std::path::Path;
use std::process::Command;

use pledge_tests::{Scratch, workspace};
use serde_json::Value;

/// The example with a checkpoint signed by the log's key, published as `cp.note`, and three
/// witnesses' keys.
struct Log(Scratch);

impl std::ops::Deref for Log {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        &self.0
    }
}

impl Log {
    fn new() -> Log {
        let log = Log(Scratch::example());
        log.ok(&["keygen", "pledge.example/log", "--out", "log"]);
        for w in ["w1", "w2", "w3"] {
            log.ok(&[
                "keygen",
                &format!("witness.example/{w}"),
                "--witness",
                "--out",
                w,
            ]);
        }
        let note = log.ok(&["checkpoint", "--sign", "log.key"]);
        std::fs::write(log.path("cp.note"), note).unwrap();
        log
    }

    /// The audit's finding kinds with `args`.
    fn findings(&self, args: &[&str]) -> Vec<String> {
        let output = self.run(&[&["audit", "--format", "json"], args].concat());
        let json: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let kinds: Vec<String> = json["files"][0]["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| f["kind"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            output.status.code() == Some(0),
            kinds.is_empty(),
            "{output:?}"
        );
        kinds
    }
}

/// Runs the independent verifier; `None` where Python or its `cryptography` is missing (CI
/// installs it, and there the check must run).
fn independent_check(key: &Path, note: &Path) -> Option<bool> {
    let script = workspace().join("tests/witness/verify_cosignature.py");
    let has_it = Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_it {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs Python's cryptography for this check"
        );
        return None;
    }
    Some(
        Command::new("python3")
            .arg(script)
            .args([key, note])
            .status()
            .unwrap()
            .success(),
    )
}

#[test]
fn witnesses_cosign_and_the_audit_requires_a_quorum() {
    let log = Log::new();
    let one = log.ok(&["cosign", "cp.note", "--key", "w1.key", "--trust", "log.pub"]);
    std::fs::write(log.path("cp1.note"), &one).unwrap();
    log.ok(&[
        "cosign",
        "cp1.note",
        "--key",
        "w2.key",
        "--out",
        "cp12.note",
    ]);
    let cosigned = std::fs::read_to_string(log.path("cp12.note")).unwrap();
    assert!(cosigned.starts_with(&std::fs::read_to_string(log.path("cp.note")).unwrap()));
    assert_eq!(
        cosigned
            .lines()
            .filter(|l| l.starts_with('\u{2014}'))
            .count(),
        3
    );
    for w in ["w1", "w2"] {
        let checked = independent_check(&log.path(&format!("{w}.pub")), &log.path("cp12.note"));
        assert_ne!(
            checked,
            Some(false),
            "{w}'s cosignature, checked from the spec"
        );
    }
    assert_ne!(
        independent_check(&log.path("w3.pub"), &log.path("cp12.note")),
        Some(true),
        "w3 did not cosign"
    );
    let both = [
        "--expect-checkpoint",
        "cp12.note",
        "--witness",
        "w1.pub",
        "--witness",
        "w2.pub",
    ];
    assert_eq!(log.findings(&both), Vec::<String>::new());
    let three = [&both[..], &["--witness", "w3.pub"]].concat();
    assert_eq!(log.findings(&three), vec!["witness_quorum"]);
    assert_eq!(
        log.findings(&[&three[..], &["--quorum", "2"]].concat()),
        Vec::<String>::new()
    );
    assert_eq!(
        log.findings(&[&both[..], &["--quorum", "1"]].concat()),
        Vec::<String>::new()
    );
    assert_eq!(
        log.findings(&[
            "--since",
            "cp1.note",
            "--witness",
            "w1.pub",
            "--witness",
            "w2.pub"
        ]),
        vec!["witness_quorum"]
    );
    // A cosignature changed by one bit is a finding of its own.
    let forged = cosigned.replacen(
        cosigned.lines().last().unwrap(),
        &flip_last_base64_char(cosigned.lines().last().unwrap()),
        1,
    );
    std::fs::write(log.path("forged.note"), forged).unwrap();
    let kinds = log.findings(&["--expect-checkpoint", "forged.note", "--witness", "w2.pub"]);
    assert_eq!(kinds, vec!["cosignature", "witness_quorum"]);
    // Bad usage: a quorum above the witnesses, a witness without a note, a private key.
    for args in [
        &[
            "audit",
            "--expect-checkpoint",
            "cp12.note",
            "--witness",
            "w1.pub",
            "--quorum",
            "2",
        ][..],
        &["audit", "--witness", "w1.pub"],
        &[
            "audit",
            "--expect-checkpoint",
            "cp12.note",
            "--witness",
            "w1.key",
        ],
    ] {
        let output = log.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("PRIVATE+KEY"));
    }
}

/// The line with one character in the middle of its signature changed (away from the base64
/// padding bits, whose change a strict decoder refuses as a malformed line instead).
fn flip_last_base64_char(line: &str) -> String {
    let mut chars: Vec<char> = line.chars().collect();
    let i = chars.len() - 30;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// A witness cosigns only the ledger's own tree: another root, a size past the end, another
/// log, a note the log did not sign (with --trust), or a ledger that fails its checks are
/// refused, and nothing is written.
#[test]
fn a_witness_refuses_what_the_ledger_contradicts() {
    let log = Log::new();
    let note = std::fs::read_to_string(log.path("cp.note")).unwrap();
    let body: Vec<&str> = note.lines().take(3).collect();
    let variants = [
        format!("{}\n{}\n{}\n", body[0], body[1], "A".repeat(43) + "="),
        format!(
            "{}\n{}\n{}\n",
            body[0],
            body[1].parse::<u64>().unwrap() + 5,
            body[2]
        ),
        format!("other.example/log\n{}\n{}\n", body[1], body[2]),
    ];
    for (i, variant) in variants.iter().enumerate() {
        std::fs::write(log.path("bad.note"), variant).unwrap();
        let output = log.run(&["cosign", "bad.note", "--key", "w1.key", "--out", "out.note"]);
        assert_eq!(output.status.code(), Some(1), "variant {i}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not cosigned"), "{stderr}");
        let why = ["its root is not the root", "it states", "it is for the log"][i];
        assert!(stderr.contains(why), "variant {i}: {stderr}");
        assert!(!log.path("out.note").exists());
    }
    // The unsigned body of the real checkpoint is cosigned, but not with --trust.
    std::fs::write(log.path("bare.note"), body.join("\n") + "\n").unwrap();
    let cosigned = log.ok(&["cosign", "bare.note", "--key", "w1.key"]);
    assert!(
        cosigned.contains("\n\n\u{2014} witness.example/w1 "),
        "{cosigned}"
    );
    let output = log.run(&[
        "cosign",
        "bare.note",
        "--key",
        "w1.key",
        "--trust",
        "log.pub",
    ]);
    assert_eq!(output.status.code(), Some(1));
    // A log key is not a witness key.
    assert_eq!(
        log.run(&["cosign", "cp.note", "--key", "log.key"])
            .status
            .code(),
        Some(2)
    );
}
