//! `pledge audit` against tampering: every kind of change an auditor must see, with and
//! without a published root or a signed checkpoint. Findings are checked through the JSON
//! output, by kind and record.

use std::path::{Path, PathBuf};

use ledger_core::checkpoint::SignerKey;
use ledger_core::entry::{Entry, Record};
use ledger_core::record::{MAX_FRAME, PREAMBLE_LEN, encode_frame};
use ledger_core::scan::{Item, Scanner};
use pledge_tests::{pledge, workspace};
use serde_json::Value;

/// A temporary copy of the example with a checkpoint signed by a fixed test key appended.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let case = Case {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::copy(
            workspace().join("docs/examples/us-japan-2025.pledge"),
            case.ledger(),
        )
        .unwrap();
        for (file, seed) in [("auditor", [42u8; 32]), ("mallory", [66u8; 32])] {
            let signer = SignerKey::from_seed(&format!("pledge.example/{file}"), seed).unwrap();
            let (mut private, mut public) = (String::new(), String::new());
            signer.write(&mut private).unwrap();
            signer.verifier().write(&mut public).unwrap();
            std::fs::write(case.path(&format!("{file}.key")), private).unwrap();
            std::fs::write(case.path(&format!("{file}.pub")), public).unwrap();
        }
        let note = case.ok(&["checkpoint", "--sign", "auditor.key"]);
        std::fs::write(case.path("published.note"), note).unwrap();
        case
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ledger(&self) -> PathBuf {
        self.path("ledger.pledge")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = pledge()
            .current_dir(self.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Audits with `args`, checks the exit code and that the file is unchanged, and returns the
    /// findings as (kind, seq).
    fn audit(&self, args: &[&str]) -> (i32, Vec<(String, Option<u64>)>) {
        let before = std::fs::read(self.ledger()).unwrap();
        let output = pledge()
            .current_dir(self.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .args(["audit", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            std::fs::read(self.ledger()).unwrap(),
            before,
            "audit must never modify the ledger"
        );
        let json: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let findings: Vec<(String, Option<u64>)> = json["files"][0]["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| (f["kind"].as_str().unwrap().to_string(), f["seq"].as_u64()))
                    .collect()
            })
            .unwrap_or_default();
        let code = output.status.code().unwrap();
        assert_eq!(
            code == 0,
            findings.is_empty(),
            "exit code {code} with findings {findings:?}"
        );
        (code, findings)
    }

    fn frames(&self) -> Vec<Vec<u8>> {
        frames(&std::fs::read(self.ledger()).unwrap())
    }

    fn write_frames(&self, frames: &[Vec<u8>]) {
        let mut bytes = std::fs::read(self.ledger()).unwrap()[..PREAMBLE_LEN].to_vec();
        for frame in frames {
            bytes.extend_from_slice(frame);
        }
        std::fs::write(self.ledger(), bytes).unwrap();
    }
}

fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    Scanner::new(bytes)
        .unwrap()
        .map(|item| match item {
            Item::Record { offset, len, .. } => bytes[offset..offset + len].to_vec(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn records(path: &Path) -> Vec<Record> {
    let bytes = std::fs::read(path).unwrap();
    Scanner::new(&bytes)
        .unwrap()
        .filter_map(|item| match item {
            Item::Record { record, .. } => Some(record),
            _ => None,
        })
        .collect()
}

fn kinds(findings: &[(String, Option<u64>)]) -> Vec<&str> {
    findings.iter().map(|(kind, _)| kind.as_str()).collect()
}

#[test]
fn a_clean_ledger_with_a_trusted_checkpoint_passes() {
    let case = Case::new();
    assert_eq!(case.audit(&[]), (0, vec![]));
    assert_eq!(
        case.audit(&["--trust", "auditor.pub", "--since", "published.note"]),
        (0, vec![])
    );
    let head = case.ok(&["head", "--format", "json"]);
    let root: Value = serde_json::from_str(&head).unwrap();
    assert_eq!(
        case.audit(&["--expect-root", root["root"].as_str().unwrap()]),
        (0, vec![])
    );
    // Appending afterwards still extends the published checkpoint.
    case.ok(&["note", "later", "--date", "2026-01-01"]);
    assert_eq!(
        case.audit(&["--trust", "auditor.pub", "--since", "published.note"]),
        (0, vec![])
    );
}

#[test]
fn a_record_rewritten_with_a_fresh_checksum_is_caught_by_the_checkpoint() {
    let case = Case::new();
    let mut frames = case.frames();
    let mut record = records(&case.ledger())[8].clone();
    let Entry::Pledge(pledge) = &mut record.entry else {
        panic!("#8 is a pledge")
    };
    pledge.amount.units *= 2;
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).unwrap();
    frames[8] = frame[..len].to_vec();
    case.write_frames(&frames);
    // The frame is valid and the rules hold: only the tree shows the change.
    let (code, findings) = case.audit(&[]);
    assert_eq!((code, kinds(&findings)), (1, vec!["checkpoint_root"]));
    let (_, findings) = case.audit(&["--since", "published.note"]);
    assert!(kinds(&findings).contains(&"expected_root"), "{findings:?}");
}

/// Regression (high): pledge #8 edited from 100bn to 500bn USD before a signed checkpoint, CRC
/// recomputed: `report` showed 890bn with exit 0, `checkpoint --sign` signed the edited history,
/// and `prove 8` + `verify-proof --trust` said OK. Every command that reads the ledger now checks
/// each checkpoint record against the records before it and refuses, pointing at the audit.
#[test]
fn every_command_refuses_a_history_edited_under_a_checkpoint() {
    let case = Case::new();
    let mut frames = case.frames();
    let mut record = records(&case.ledger())[8].clone();
    let Entry::Pledge(edited) = &mut record.entry else {
        panic!("#8 is a pledge")
    };
    edited.amount.units *= 5;
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).unwrap();
    frames[8] = frame[..len].to_vec();
    case.write_frames(&frames);
    let edited = std::fs::read(case.ledger()).unwrap();
    let commands: [&[&str]; 10] = [
        &["report"],
        &["report", "--by", "pledger"],
        &["list"],
        &["show", "8"],
        &["head"],
        &["prove", "8"],
        &["checkpoint", "--sign", "auditor.key"],
        &["checkpoint"],
        &["add", "1", "USD", "--from", "Japan", "--to", "Japan"],
        &["repair"],
    ];
    for args in commands {
        let output = pledge()
            .current_dir(case.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed figures");
        assert!(
            stderr.contains("checkpoint record #") && stderr.contains("pledge audit"),
            "{args:?}: {stderr}"
        );
        assert_eq!(std::fs::read(case.ledger()).unwrap(), edited, "{args:?}");
    }
}

/// `checkpoint --sign` verifies the signatures of earlier checkpoints by its own key and by the
/// trust file's keys before signing; everyday commands check them with `--trust-file`.
#[test]
fn a_forged_signature_by_a_known_key_is_refused_before_signing_and_on_read() {
    let case = Case::new();
    // Corrupt the signature of the checkpoint record (the last one): flip a signature byte and
    // re-encode, so the frame is intact and the root still matches.
    let mut frames = case.frames();
    let last = frames.len() - 1;
    let mut record = records(&case.ledger())[last].clone();
    let Entry::Checkpoint(checkpoint) = &mut record.entry else {
        panic!("the last record is the checkpoint")
    };
    checkpoint.signature.as_mut().unwrap().signature.0[0] ^= 1;
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).unwrap();
    frames[last] = frame[..len].to_vec();
    case.write_frames(&frames);
    let run = |args: &[&str]| {
        pledge()
            .current_dir(case.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .args(args)
            .output()
            .unwrap()
    };
    // Without keys, only roots are checked: the report reads.
    assert!(run(&["report"]).status.success());
    let mut trust = std::fs::read_to_string(case.path("auditor.pub")).unwrap();
    trust.insert_str(0, "# the treasury's key\n");
    std::fs::write(case.path("trusted"), trust).unwrap();
    for args in [
        &["--trust-file", "trusted", "report"][..],
        &["checkpoint", "--sign", "auditor.key"],
    ] {
        let output = run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("signature"), "{args:?}: {stderr}");
    }
    // A signature by another key is ignored (C2SP), so signing with mallory's key works.
    assert!(
        run(&["checkpoint", "--sign", "mallory.key"])
            .status
            .success()
    );
    assert_eq!(
        kinds(&case.audit(&["--trust", "auditor.pub"]).1),
        vec!["signature", "no_trusted_checkpoint"]
    );
}

#[test]
fn a_rewrite_with_a_recomputed_checkpoint_needs_a_published_or_signed_root() {
    let case = Case::new();
    // Rewrite pledge #8 and replace the checkpoint with an honest-looking unsigned one.
    let mut frames = case.frames();
    frames.pop();
    let mut record = records(&case.ledger())[8].clone();
    let Entry::Pledge(pledge) = &mut record.entry else {
        panic!()
    };
    pledge.amount.units *= 2;
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).unwrap();
    frames[8] = frame[..len].to_vec();
    case.write_frames(&frames);
    case.ok(&["checkpoint"]);
    assert_eq!(
        case.audit(&[]),
        (0, vec![]),
        "without anything published, a consistent rewrite is undetectable"
    );
    assert!(kinds(&case.audit(&["--since", "published.note"]).1).contains(&"expected_root"));
    assert_eq!(
        kinds(&case.audit(&["--trust", "auditor.pub"]).1),
        vec!["no_trusted_checkpoint"]
    );
}

#[test]
fn deleted_duplicated_reordered_and_inserted_records_are_found() {
    let original = Case::new();
    let frames = original.frames();
    let mut variants: Vec<(&str, Vec<Vec<u8>>)> = Vec::new();
    let mut deleted = frames.clone();
    deleted.remove(12);
    variants.push(("deleted", deleted));
    let mut duplicated = frames.clone();
    duplicated.insert(12, frames[12].clone());
    variants.push(("duplicated", duplicated));
    let mut reordered = frames.clone();
    reordered.swap(12, 13);
    variants.push(("reordered", reordered));
    let mut inserted = frames.clone();
    inserted.insert(12, frames[22].clone());
    variants.push(("inserted", inserted));
    for (what, variant) in variants {
        let case = Case::new();
        case.write_frames(&variant);
        let (code, findings) = case.audit(&[]);
        assert_eq!(code, 1, "{what}");
        // Located where the order breaks: position 12, or 13 for the repeat of record 12.
        let first = findings
            .iter()
            .find(|(k, _)| k == "sequence" || k == "out_of_place")
            .unwrap_or_else(|| panic!("{what}: {findings:?}"));
        assert!(
            first.1 == Some(12) || (what == "duplicated" && first.1 == Some(13)),
            "{what}: {findings:?}"
        );
        assert!(
            kinds(&findings).contains(&"checkpoint_root")
                || what == "deleted"
                || what == "inserted",
            "{what}: {findings:?}"
        );
    }
}

#[test]
fn signatures_by_other_keys_tampered_notes_and_wrong_key_ids_are_findings() {
    let case = Case::new();
    assert_eq!(
        kinds(&case.audit(&["--trust", "mallory.pub"]).1),
        vec!["no_trusted_checkpoint"]
    );
    // A flipped bit in the stored signature: the frame's CRC is recomputed, so only the
    // signature check sees it.
    let mut frames = case.frames();
    let mut checkpoint = records(&case.ledger()).pop().unwrap();
    let Entry::Checkpoint(c) = &mut checkpoint.entry else {
        panic!()
    };
    c.signature.as_mut().unwrap().signature.0[5] ^= 1;
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&checkpoint, &mut frame).unwrap();
    *frames.last_mut().unwrap() = frame[..len].to_vec();
    case.write_frames(&frames);
    assert_eq!(
        kinds(&case.audit(&["--trust", "auditor.pub"]).1),
        vec!["signature", "no_trusted_checkpoint"]
    );
    // A published note with a changed body does not verify, so it is refused as input.
    let note = std::fs::read_to_string(case.path("published.note"))
        .unwrap()
        .replacen("\n23\n", "\n22\n", 1);
    std::fs::write(case.path("forged.note"), note).unwrap();
    let output = pledge()
        .current_dir(case.dir.path())
        .args([
            "--file",
            "ledger.pledge",
            "audit",
            "--trust",
            "auditor.pub",
            "--since",
            "forged.note",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not signed by the trusted key"));
    // A verifier key whose ID does not match its name and key is refused.
    let public = std::fs::read_to_string(case.path("auditor.pub")).unwrap();
    let mut parts: Vec<&str> = public.splitn(3, '+').collect();
    parts[1] = "00000000";
    let output = pledge()
        .current_dir(case.dir.path())
        .args([
            "--file",
            "ledger.pledge",
            "audit",
            "--trust",
            &parts.join("+"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn non_canonical_bytes_are_found() {
    let case = Case::new();
    let mut frames = case.frames();
    // Record 2 (party Japan) re-encoded with its entry tag as a two-byte varint.
    let payload = [0x02, 0x82, 0x00, 0x05, b'J', b'a', b'p', b'a', b'n'];
    let mut body = payload.to_vec();
    body.extend_from_slice(&ledger_core::record::crc32c(&payload).to_le_bytes());
    let mut encoded = vec![0u8; body.len() + 3];
    let len = corncobs_encode(&body, &mut encoded);
    frames[2] = encoded[..len].to_vec();
    case.write_frames(&frames);
    let (code, findings) = case.audit(&[]);
    assert_eq!(code, 1);
    assert!(
        findings.contains(&("non_canonical".to_string(), Some(2))),
        "{findings:?}"
    );
}

/// A payload and checksum of exactly 254 bytes without a zero is one COBS block of 254: a
/// decoder reads it with or without an empty block after it (`01`), so only one of the two
/// frames is canonical, and the other is a finding although both decode to the same record.
#[test]
fn both_cobs_forms_of_a_254_byte_block_decode_but_only_one_is_canonical() {
    let case = Case::new();
    let frames = case.frames();
    let seq = frames.len() as u32;
    // A note on pledge 8 whose payload and CRC are 254 bytes, none of them zero.
    let frame = (0..200u8)
        .find_map(|variant| {
            let mut text = "a".repeat(241);
            text.push(char::from(b'b' + variant % 20));
            let record = Record {
                seq,
                entry: Entry::Note(ledger_core::entry::Note {
                    date: ledger_core::Date::parse("2026-01-01").unwrap(),
                    about: Some(8),
                    text: ledger_core::entry::text(&text).unwrap(),
                }),
            };
            let mut frame = [0u8; MAX_FRAME];
            let len = encode_frame(&record, &mut frame).unwrap();
            let frame = frame[..len].to_vec();
            (frame[0] == 0xFF && !frame[1..255].contains(&0)).then_some(frame)
        })
        .expect("a note of the right length");
    // The core writes the shortest form: the block, then the delimiter.
    assert_eq!(frame.len(), 256, "{frame:02x?}");
    let mut longer = frame[..255].to_vec();
    longer.extend_from_slice(&[0x01, 0x00]);
    for (bytes, canonical) in [(&frame, true), (&longer, false)] {
        let mut with = frames.clone();
        with.push(bytes.clone());
        case.write_frames(&with);
        let read = records(&case.ledger());
        assert_eq!(read.len() as u32, seq + 1, "both forms decode");
        let (_, findings) = case.audit(&[]);
        assert_eq!(
            findings.contains(&("non_canonical".to_string(), Some(u64::from(seq)))),
            !canonical,
            "{findings:?}"
        );
    }
}

/// A record of a kind newer than this reader (tag 19), intact: the audit reports it as damaged
/// at its place in the numbering, folds nothing from it, and keeps it as a leaf, so that its
/// root is every reader's root (the tree covers bytes, not what a reader understands).
#[test]
fn a_record_of_an_unknown_kind_is_reported_but_is_still_a_leaf() {
    let case = Case::new();
    let mut frames = case.frames();
    // Record 10 (a pledge) becomes an entry of tag 19 with some body.
    let payload = [0x0a, 19, 0x05, b'l', b'a', b't', b'e', b'r'];
    let mut body = payload.to_vec();
    body.extend_from_slice(&ledger_core::record::crc32c(&payload).to_le_bytes());
    let mut encoded = vec![0u8; body.len() + 3];
    let len = corncobs_encode(&body, &mut encoded);
    frames[10] = encoded[..len].to_vec();
    case.write_frames(&frames);
    let (code, findings) = case.audit(&[]);
    assert_eq!(code, 1);
    // Found where it stands; the records after it are in sequence.
    assert_eq!(
        findings[0],
        ("damaged".to_string(), Some(10)),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .all(|(kind, _)| kind != "sequence" && kind != "out_of_place"),
        "{findings:?}"
    );
    // Its root: every intact frame a leaf, as the core's tree of the file has it.
    let bytes = std::fs::read(case.ledger()).unwrap();
    let root = ledger_core::tree::range_of_records(Scanner::new(&bytes).unwrap())
        .unwrap()
        .root();
    let output = pledge()
        .current_dir(case.dir.path())
        .args(["audit", "--format", "json", "ledger.pledge"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(json["files"][0]["root"], hex);
    assert_eq!(json["files"][0]["records"], frames.len());
}

/// COBS-encodes `body` with its delimiter (a plain implementation, independent of the core's).
fn corncobs_encode(body: &[u8], out: &mut [u8]) -> usize {
    let mut written = 0;
    for run in body.split(|&b| b == 0) {
        out[written] = u8::try_from(run.len() + 1).unwrap();
        out[written + 1..written + 1 + run.len()].copy_from_slice(run);
        written += run.len() + 1;
    }
    out[written] = 0;
    written + 1
}

#[test]
fn torn_tails_unreadable_files_and_shortened_ledgers() {
    let case = Case::new();
    let bytes = std::fs::read(case.ledger()).unwrap();
    let frames = case.frames();
    // Tearing the checkpoint (record 23) leaves the 23 records it was published for.
    std::fs::write(case.ledger(), &bytes[..bytes.len() - 3]).unwrap();
    assert_eq!(
        kinds(&case.audit(&["--since", "published.note"]).1),
        vec!["torn_tail"]
    );
    // Tearing record 22 leaves fewer than were published: records were removed.
    let cut = bytes.len() - frames[23].len() - 3;
    std::fs::write(case.ledger(), &bytes[..cut]).unwrap();
    let (code, findings) = case.audit(&["--since", "published.note"]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&findings), vec!["torn_tail", "shorter"]);
    std::fs::write(case.ledger(), b"not a ledger").unwrap();
    let (code, findings) = case.audit(&[]);
    assert_eq!((code, kinds(&findings)), (2, vec!["unreadable"]));
}

#[test]
fn a_flash_dump_with_padding_and_an_erased_tail_audits_clean() {
    let case = Case::new();
    let mut dump = std::fs::read(case.ledger()).unwrap()[..PREAMBLE_LEN].to_vec();
    for frame in case.frames() {
        dump.extend_from_slice(&frame);
        while !dump.len().is_multiple_of(8) {
            dump.push(0x00);
        }
    }
    dump.extend(std::iter::repeat_n(0xFF, 4096));
    std::fs::write(case.ledger(), &dump).unwrap();
    assert_eq!(
        case.audit(&["--trust", "auditor.pub", "--since", "published.note"]),
        (0, vec![])
    );
}

#[test]
fn the_human_summary() {
    let case = Case::new();
    let output = pledge()
        .current_dir(case.dir.path())
        .args(["--file", "ledger.pledge", "audit", "--trust", "auditor.pub"])
        .output()
        .unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("audit_clean", String::from_utf8(output.stdout).unwrap());
    let frames = case.frames();
    let mut damaged = frames.clone();
    damaged[10][3] ^= 0x01;
    case.write_frames(&damaged);
    let output = pledge()
        .current_dir(case.dir.path())
        .args(["--file", "ledger.pledge", "audit", "--trust", "auditor.pub"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("audit_damaged", String::from_utf8(output.stdout).unwrap());
}

mod receipts {
    use super::*;

    fn verify(case: &Case, receipt: &str, trust: Option<&str>) -> (i32, String) {
        std::fs::write(case.path("receipt.json"), receipt).unwrap();
        let mut command = pledge();
        command
            .current_dir(case.dir.path())
            .args(["verify-proof", "receipt.json"]);
        if let Some(key) = trust {
            command.args(["--trust", key]);
        }
        let output = command.output().unwrap();
        let text = String::from_utf8_lossy(if output.status.success() {
            &output.stdout
        } else {
            &output.stderr
        })
        .to_string();
        (output.status.code().unwrap(), text)
    }

    #[test]
    fn a_receipt_verifies_without_the_ledger_and_tampering_fails() {
        let case = Case::new();
        case.ok(&["note", "after the checkpoint", "--date", "2026-01-01"]);
        case.ok(&["checkpoint"]);
        let receipt = case.ok(&["prove", "8"]);
        std::fs::remove_file(case.ledger()).unwrap();
        let (code, text) = verify(&case, &receipt, Some("auditor.pub"));
        assert_eq!(code, 0, "{text}");
        assert!(text.starts_with("OK: record #8 (pledge, 2025-10-28) is in pledge.example/us-japan-2025 at tree size 23"), "{text}");
        assert!(
            text.contains("signed by pledge.example/auditor"),
            "prefers the signed checkpoint: {text}"
        );
        assert_eq!(
            verify(&case, &receipt, Some("mallory.pub")).0,
            1,
            "another key"
        );
        let json: Value = serde_json::from_str(&receipt).unwrap();
        let tamper = |field: &str, value: Value| {
            let mut changed = json.clone();
            changed[field] = value;
            serde_json::to_string(&changed).unwrap()
        };
        let payload = json["payload"].as_str().unwrap();
        let doubled = payload.replacen("95e789c604", "95e789c605", 1);
        assert_ne!(doubled, payload);
        assert_eq!(
            verify(&case, &tamper("payload", doubled.into()), None).0,
            1,
            "changed amount"
        );
        assert_eq!(
            verify(&case, &tamper("seq", 9.into()), None).0,
            1,
            "another index"
        );
        assert_eq!(
            verify(&case, &tamper("tree_size", 24.into()), None).0,
            1,
            "another size"
        );
        let mut proof = json["proof"].as_array().unwrap().clone();
        proof[0] = Value::from("00".repeat(32));
        assert_eq!(
            verify(&case, &tamper("proof", proof.into()), None).0,
            1,
            "changed path"
        );
        let note = json["checkpoint"]
            .as_str()
            .unwrap()
            .replacen("\n23\n", "\n24\n", 1);
        assert_eq!(
            verify(
                &case,
                &tamper("checkpoint", note.into()),
                Some("auditor.pub")
            )
            .0,
            1,
            "changed note"
        );
    }

    #[test]
    fn no_receipt_without_a_covering_checkpoint() {
        let case = Case::new();
        case.ok(&["note", "after the checkpoint", "--date", "2026-01-01"]);
        let output = pledge()
            .current_dir(case.dir.path())
            .args(["--file", "ledger.pledge", "prove", "24"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("no checkpoint covers record #24 yet")
        );
    }
}

/// Repeating, inserting, deleting or swapping records never changes the figures the audit
/// reproduces from the genuine records: each mutation costs at most the records it touched.
/// (Regression: after a repeated record the audit renumbered the next one but resolved its
/// reference with the old numbering, so a genuine fulfilment was dropped as "no pledge #264".)
mod mutations {
    use ledger_cli::tables::{Desktop, State};
    use ledger_core::audit::{Expectations, audit};
    use ledger_core::entry::Record;
    use ledger_core::record::PREAMBLE_LEN;
    use ledger_core::scan::{Item, Scanner};
    use proptest::prelude::*;

    fn ledger() -> (Vec<Vec<u8>>, Vec<Record>) {
        let (bytes, _) = pledge_tests::generate::ledger(150, 11);
        Scanner::new(&bytes)
            .unwrap()
            .map(|item| match item {
                Item::Record {
                    offset,
                    len,
                    record,
                } => (bytes[offset..offset + len].to_vec(), record),
                other => panic!("{other:?}"),
            })
            .unzip()
    }

    fn audited(frames: &[Vec<u8>]) -> State {
        let mut bytes = ledger_core::record::preamble()[..PREAMBLE_LEN].to_vec();
        frames.iter().for_each(|f| bytes.extend_from_slice(f));
        audit::<Desktop>(
            Scanner::new(&bytes).unwrap(),
            &Expectations::default(),
            |_| {},
        )
        .state
    }

    /// The genuine records folded in order, without `dropped` and whatever then breaks a rule.
    fn model(records: &[Record], dropped: Option<usize>) -> State {
        let mut state = State::new(None);
        for (i, record) in records.iter().enumerate() {
            if Some(i) == dropped || state.apply(record).is_err() {
                state.skip().unwrap();
            }
        }
        state
    }

    /// The genuine records' figures are the model's. (A copy put after the last record may
    /// read as records missing and one more pledge, numbered past the end, with a sequence
    /// finding: nothing after it can show otherwise. It changes no genuine figure.)
    fn assert_same(what: &str, got: &State, want: &State) {
        let genuine = want.next_seq();
        let got_pledges: Vec<_> = got.pledges().filter(|p| p.seq < genuine).collect();
        let want_pledges: Vec<_> = want.pledges().collect();
        assert!(got_pledges == want_pledges, "{what}: pledges differ");
        assert!(got.goals() == want.goals(), "{what}: goals differ");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn figures_survive(a in 1usize..10_000, b in 0usize..10_000, kind in 0u8..4) {
            let (frames, records) = ledger();
            let n = frames.len();
            let k = 1 + a % (n - 2);
            let mut mutated = frames.clone();
            let (what, dropped) = match kind {
                0 => {
                    // A copy of record k put anywhere within 255 records of it (a record
                    // exactly 256 places away carries the same check byte: only the Merkle
                    // root can tell, see docs/FORMAT.md).
                    let p = (k.saturating_sub(255) + b % 511).clamp(1, n).min(k + 255);
                    mutated.insert(p, frames[k].clone());
                    ("repeated", None)
                }
                1 => {
                    mutated.remove(k);
                    ("deleted", Some(k))
                }
                _ => {
                    mutated.swap(k, k + 1);
                    ("swapped", Some(k + 1))
                }
            };
            assert_same(what, &audited(&mutated), &model(&records, dropped));
        }
    }

    #[test]
    fn unmutated_the_audit_is_the_fold() {
        let (frames, records) = ledger();
        assert_same("original", &audited(&frames), &model(&records, None));
        assert!(
            model(&records, None)
                .pledges()
                .any(|p| p.current.fulfilled > 0)
        );
    }
}

/// `pledge audit` hashes the tree on a second core while the first folds: it must find exactly
/// what the one-core audit finds, in the same order, whatever the damage, with checkpoints
/// and roots published along the way (where the first core waits for the second).
mod two_cores {
    use std::sync::OnceLock;

    use ledger_cli::tables::Desktop;
    use ledger_cli::tree_check::hashing_elsewhere;
    use ledger_core::audit::{Expectations, Finding, audit, audit_with};
    use ledger_core::scan::Scanner;
    use ledger_core::tree::{range_of_first, range_of_records};
    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::pledge;

    /// A generated ledger of more leaves than one batch the first core hands over, with
    /// checkpoints after the first part and after a note at the end.
    fn ledger() -> &'static [u8] {
        static LEDGER: OnceLock<Vec<u8>> = OnceLock::new();
        LEDGER.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("l.pledge");
            std::fs::write(&path, pledge_tests::generate::with_corrections(7_000, 9).0).unwrap();
            for args in [&["checkpoint"][..], &["note", "late news"], &["checkpoint"]] {
                let status = pledge()
                    .arg("--file")
                    .arg(&path)
                    .args(args)
                    .output()
                    .unwrap();
                assert!(status.status.success(), "{args:?}: {status:?}");
            }
            std::fs::read(&path).unwrap()
        })
    }

    fn both(bytes: &[u8], expect: &Expectations<'_>) -> [(Vec<Finding>, String); 2] {
        let scanner = Scanner::new(bytes).unwrap();
        let summary = |s: &ledger_core::audit::Summary<Desktop>| format!("{s:?} {:?}", s.range);
        let mut here = Vec::new();
        let one = audit::<Desktop>(scanner.clone(), expect, |f| here.push(f));
        let mut elsewhere = Vec::new();
        let two = hashing_elsewhere(|leaves| {
            audit_with::<Desktop>(scanner, expect, leaves, |f| elsewhere.push(f))
        });
        [(here, summary(&one)), (elsewhere, summary(&two))]
    }

    #[test]
    fn a_clean_ledger_audits_the_same_on_two_cores() {
        let bytes = ledger();
        let [one, two] = both(bytes, &Expectations::default());
        assert_eq!(one, two);
        assert!(one.1.contains("checkpoints: 2"), "{}", one.1);
        assert_eq!(one.0, vec![], "the generated ledger is clean");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn damaged_ledgers_audit_the_same_on_two_cores(
            flips in prop::collection::vec((any::<Index>(), 1u8..=255), 0..4),
            published in prop::collection::vec((any::<Index>(), any::<bool>()), 0..4),
        ) {
            let clean = ledger();
            let records = range_of_records(Scanner::new(clean).unwrap()).unwrap().size();
            let mut expect = Expectations::default();
            for (at, wrong) in &published {
                let size = at.index(records as usize + 2) as u64;
                let mut root = range_of_first(Scanner::new(clean).unwrap(), size)
                    .map_or([7; 32], |r| r.root());
                if *wrong {
                    root[0] ^= 1;
                }
                let _ = expect.roots.push((size, root));
            }
            let mut bytes = clean.to_vec();
            for (at, mask) in &flips {
                let i = ledger_core::record::PREAMBLE_LEN
                    + at.index(bytes.len() - ledger_core::record::PREAMBLE_LEN);
                bytes[i] ^= mask;
            }
            let [one, two] = both(&bytes, &expect);
            prop_assert_eq!(one, two);
        }
    }
}

/// Regression: `audit` said OK (exit 0) for a file holding only the preamble, which every
/// other command refuses; now it is a finding, in the same words.
#[test]
fn a_ledger_without_its_open_record_is_a_finding() {
    let case = Case::new();
    let bytes = std::fs::read(case.ledger()).unwrap();
    std::fs::write(case.ledger(), &bytes[..PREAMBLE_LEN]).unwrap();
    let (code, findings) = case.audit(&[]);
    assert_eq!((code, kinds(&findings)), (1, vec!["no_open"]));
    let report = pledge()
        .current_dir(case.dir.path())
        .args(["--file", "ledger.pledge", "report"])
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&report.stderr).contains("the ledger has no `open` record"));
}

/// Regression: the note an unsigned `pledge checkpoint` prints was refused by `audit --since`
/// and `--expect-checkpoint` ("not a C2SP checkpoint note").
#[test]
fn an_unsigned_checkpoint_note_can_be_published_and_checked() {
    let case = Case::new();
    let note = case.ok(&["checkpoint"]);
    assert_eq!(note.lines().count(), 3, "{note}");
    std::fs::write(case.path("unsigned.note"), &note).unwrap();
    for option in ["--since", "--expect-checkpoint"] {
        assert_eq!(
            case.audit(&[option, "unsigned.note"]),
            (0, vec![]),
            "{option}"
        );
    }
    case.ok(&["note", "later news", "--date", "2026-01-01"]);
    assert_eq!(case.audit(&["--since", "unsigned.note"]), (0, vec![]));
    // It is checked against the tree all the same.
    let forged = note.replacen(
        note.lines().nth(1).unwrap(),
        &(note.lines().nth(1).unwrap().parse::<u64>().unwrap() - 1).to_string(),
        1,
    );
    std::fs::write(case.path("forged.note"), forged).unwrap();
    assert!(kinds(&case.audit(&["--since", "forged.note"]).1).contains(&"expected_root"));
    // With a trusted key, an unsigned note proves nothing and is refused.
    let output = pledge()
        .current_dir(case.dir.path())
        .env("PLEDGE_FILE", "ledger.pledge")
        .args([
            "audit",
            "--since",
            "unsigned.note",
            "--trust",
            "auditor.pub",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Regression (issue 9): `audit --format csv` printed the human summary. It gives one CSV row per
/// finding; a clean audit is the header alone.
#[test]
fn audit_findings_as_csv() {
    let case = Case::new();
    let clean = case.ok(&["audit", "--format", "csv"]);
    assert_eq!(clean, "file,seq,offset,kind,message\n");
    let mut frames = case.frames();
    frames.remove(12);
    case.write_frames(&frames);
    let output = pledge()
        .current_dir(case.dir.path())
        .env("PLEDGE_FILE", "ledger.pledge")
        .args(["audit", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let csv = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "file,seq,offset,kind,message");
    assert!(rows[1].starts_with("ledger.pledge,12,"), "{csv}");
    assert!(
        rows.iter().any(|r| r.contains(",checkpoint_root,")),
        "{csv}"
    );
}

/// A fleet: many ledgers (one per device) in one audit, checked side by side on every core;
/// each file's result stays under its own name and in the order given.
#[test]
fn a_fleet_of_ledgers_audits_side_by_side_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let example = workspace().join("docs/examples/us-japan-2025.pledge");
    let bytes = std::fs::read(&example).unwrap();
    let mut names = Vec::new();
    for device in 0..9 {
        let name = format!("device-{device}.pledge");
        let mut copy = bytes.clone();
        if device == 5 {
            // One device's flash rotted a bit.
            let at = copy.len() - 20;
            copy[at] ^= 0x10;
        }
        std::fs::write(dir.path().join(&name), copy).unwrap();
        names.push(name);
    }
    let output = pledge()
        .current_dir(dir.path())
        .arg("audit")
        .args(&names)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a finding in one ledger");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    let order: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(order, names);
    for (device, file) in files.iter().enumerate() {
        let findings = file["findings"].as_array().unwrap();
        assert_eq!(findings.is_empty(), device != 5, "{device}: {findings:?}");
        if device != 5 {
            assert_eq!(file["records"], files[0]["records"], "{device}");
        }
    }
}

/// A ledger with thousands of findings (every record dated after "today"): the audit keeps only
/// the first few thousand in memory and the rest in a temporary file, and still lists every
/// one, in order, the same in the three formats.
#[test]
fn thousands_of_findings_are_all_listed_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = pledge_tests::generate::ledger(12_000, 9);
    std::fs::write(dir.path().join("big.pledge"), &bytes).unwrap();
    // The auditor allows a writer one day ahead of its own today.
    let today = ledger_core::Date::parse("2026-01-01").unwrap();
    let cutoff = today.checked_add_days(1).unwrap();
    let ahead: Vec<u64> = Scanner::new(&bytes)
        .unwrap()
        .filter_map(|item| match item {
            Item::Record { record, .. } => record
                .entry
                .date()
                .filter(|&d| d > cutoff)
                .map(|_| u64::from(record.seq)),
            other => panic!("the generated ledger is intact: {other:?}"),
        })
        .collect();
    assert!(ahead.len() > 4_096, "more findings than are kept in memory");
    let audit = |format: &str| {
        let output = pledge()
            .current_dir(dir.path())
            .env("PLEDGE_TODAY", "2026-01-01")
            .args(["audit", "big.pledge", "--format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}: findings fail it");
        String::from_utf8(output.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&audit("json")).unwrap();
    let findings = json["files"][0]["findings"].as_array().unwrap();
    let seqs: Vec<u64> = findings
        .iter()
        .map(|f| f["seq"].as_u64().unwrap())
        .collect();
    // `assert!`, not `assert_eq!`: thousands of numbers would bury the message.
    assert!(
        seqs == ahead,
        "every record dated ahead, in order, nothing else"
    );
    assert!(findings.iter().all(|f| f["kind"] == "rule"));

    let text = audit("table");
    assert!(
        text.starts_with(&format!("big.pledge: {} findings\n", ahead.len())),
        "{}",
        &text[..200]
    );
    let listed: Vec<u64> = text
        .lines()
        .filter_map(|line| line.strip_prefix("  record #"))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(listed == ahead, "the text lists the same records");

    let csv = audit("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row_seqs: Vec<u64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(row_seqs == ahead, "the CSV lists the same records");
    let json_messages = findings.iter().map(|f| f["message"].as_str().unwrap());
    assert!(
        rows.iter().map(|r| &r[4]).eq(json_messages),
        "the same messages"
    );
}
