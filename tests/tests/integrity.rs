//! Integrity: a cut at any byte is a torn tail and nothing else; any single-bit flip or byte
//! change is detected and located at the record it hit; `pledge repair` removes only the torn
//! tail; `pledge head` gives the RFC 6962 root.

use std::convert::Infallible;

use ledger_cli::tables::State;
use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{Amend, Entry, Fulfil, Note, Open, PartyId, Pledge, Tags, name, text};
use ledger_core::record::{PREAMBLE_LEN, preamble};
use ledger_core::scan::{Item, Scanner};
use ledger_core::tree::{CompactRange, leaf_hash, range_of_records};
use ledger_core::{Amount, Date};
use pledge_tests::{pledge, workspace};

/// A ledger of 4 declarations and 210 mixed entries, with each record's end offset.
fn mixed_ledger() -> (Vec<u8>, Vec<usize>) {
    let mut state = State::new(None);
    let mut bytes = preamble().to_vec();
    let mut ends = Vec::new();
    let day = |n: i32| {
        Date::parse("2025-10-28")
            .unwrap()
            .checked_add_days(n)
            .unwrap()
    };
    let usd = |units| Amount {
        units,
        commodity: CommodityId(0),
    };
    let mut entries = vec![
        Entry::Open(Open {
            origin: name("pledge.example/integrity").unwrap(),
        }),
        Entry::Commodity(Commodity {
            code: parse_code("USD").unwrap(),
            decimals: 2,
        }),
        Entry::Party(name("Japan").unwrap()),
        Entry::Party(name("United States").unwrap()),
    ];
    for i in 0..70u32 {
        let seq = 4 + 3 * i;
        entries.push(Entry::Pledge(Pledge {
            date: day(i as i32),
            from: PartyId(0),
            to: PartyId(1),
            amount: usd(1_000 + i64::from(i)),
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: Some(day(i as i32 + 30)),
            memo: (i % 3 == 0).then(|| text("memo").unwrap()),
            planned: false,
        }));
        entries.push(Entry::Fulfil(Fulfil {
            date: day(i as i32 + 1),
            pledge: seq,
            amount: usd(500),
            memo: None,
        }));
        entries.push(if i % 2 == 0 {
            Entry::Amend(Amend {
                date: day(i as i32 + 2),
                pledge: seq,
                amount: usd(2_000),
                reason: text("revised").unwrap(),
            })
        } else {
            Entry::Note(Note {
                date: day(i as i32 + 2),
                about: Some(seq),
                text: text("noted").unwrap(),
            })
        });
    }
    for entry in entries {
        let mut sink = |frame: &[u8]| -> Result<(), Infallible> {
            bytes.extend_from_slice(frame);
            Ok(())
        };
        state.append(entry, &mut sink).unwrap();
        ends.push(bytes.len());
    }
    (bytes, ends)
}

fn items(bytes: &[u8]) -> Vec<Item> {
    Scanner::new(bytes).unwrap().collect()
}

#[test]
fn a_cut_at_every_byte_is_exactly_a_torn_tail_after_every_complete_record() {
    let (bytes, ends) = mixed_ledger();
    assert!(ends.len() >= 214);
    let all = items(&bytes);
    for cut in PREAMBLE_LEN..=bytes.len() {
        let complete = ends.iter().take_while(|&&end| end <= cut).count();
        let boundary = if complete == 0 {
            PREAMBLE_LEN
        } else {
            ends[complete - 1]
        };
        let found = items(&bytes[..cut]);
        assert_eq!(&found[..complete], &all[..complete], "cut at {cut}");
        // The auditor reports exactly the torn tail, or nothing at a record boundary.
        let mut findings = Vec::new();
        let expect = ledger_core::audit::Expectations {
            today: None,
            ..Default::default()
        };
        let summary = ledger_core::audit::audit::<ledger_cli::tables::Desktop>(
            Scanner::new(&bytes[..cut]).unwrap(),
            &expect,
            |f| findings.push(f),
        );
        assert_eq!(summary.range.size(), complete as u64, "cut at {cut}");
        // Before the `open` record is complete there is no ledger yet: that is a finding too.
        if complete == 0 {
            let no_open = findings.pop().map(|f| f.kind);
            assert_eq!(
                no_open,
                Some(ledger_core::audit::FindingKind::NoOpen),
                "cut at {cut}"
            );
        }
        if cut == boundary {
            assert_eq!(findings, vec![], "cut at {cut}");
        } else {
            let torn = ledger_core::audit::FindingKind::TornTail {
                len: cut - boundary,
            };
            assert_eq!(
                findings,
                vec![ledger_core::audit::Finding {
                    seq: None,
                    offset: boundary,
                    kind: torn
                }],
                "cut at {cut}"
            );
        }
        match &found[complete..] {
            [] => assert_eq!(cut, boundary, "cut at {cut}"),
            [Item::TornTail { offset, len }] => {
                assert_eq!((*offset, *len), (boundary, cut - boundary), "cut at {cut}")
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

/// The offset of the frame that holds byte `at`, given the records' end offsets.
fn frame_start(ends: &[usize], at: usize) -> usize {
    let index = ends.iter().position(|&end| end > at).unwrap();
    if index == 0 {
        PREAMBLE_LEN
    } else {
        ends[index - 1]
    }
}

/// Every change must either break the preamble or show up, at the frame it hit, as damage or
/// a torn tail; every record before that frame must read as before.
fn assert_detected(original: &[u8], ends: &[usize], changed: &[u8], at: usize) {
    let Ok(scanner) = Scanner::new(changed) else {
        assert!(at < PREAMBLE_LEN, "a change at {at} broke the preamble");
        return;
    };
    assert!(
        at >= PREAMBLE_LEN,
        "a change at {at} in the preamble went unnoticed"
    );
    let start = frame_start(ends, at);
    let before = items(original)
        .into_iter()
        .take_while(|item| matches!(item, Item::Record { offset, .. } if *offset < start));
    let found: Vec<Item> = scanner.collect();
    let intact = before.count();
    assert_eq!(
        &found[..intact],
        &items(original)[..intact],
        "change at {at}"
    );
    match found.get(intact) {
        // Reported in the frame the change hit: at its start, or one byte on when the change
        // turned its first byte into 0x00, which reads as padding.
        Some(Item::Damaged { offset, .. } | Item::TornTail { offset, .. }) => {
            assert!(
                *offset == start || (*offset == start + 1 && changed[start] == 0),
                "change at {at}: reported at {offset}, frame at {start}"
            )
        }
        other => panic!("a change at {at} was not detected: {other:?}"),
    }
}

/// The end offset of every record of an intact ledger.
fn record_ends(bytes: &[u8]) -> Vec<usize> {
    items(bytes)
        .iter()
        .map(|item| match item {
            Item::Record { offset, len, .. } => offset + len,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn every_single_bit_flip_is_detected_and_located() {
    let original = std::fs::read(workspace().join("docs/examples/us-japan-2025.pledge")).unwrap();
    let ends = record_ends(&original);
    for at in 0..original.len() {
        for bit in 0..8 {
            let mut changed = original.clone();
            changed[at] ^= 1 << bit;
            assert_detected(&original, &ends, &changed, at);
        }
    }
}

#[test]
fn every_byte_value_at_every_offset_is_detected_and_located() {
    let original = std::fs::read(workspace().join("tests/golden/v1-every-entry.pledge")).unwrap();
    let ends = record_ends(&original);
    for at in 0..original.len() {
        for value in 0..=255u8 {
            if value == original[at] {
                continue;
            }
            let mut changed = original.clone();
            changed[at] = value;
            assert_detected(&original, &ends, &changed, at);
        }
    }
}

#[test]
fn the_root_covers_every_record_in_order() {
    let (bytes, ends) = mixed_ledger();
    let range = range_of_records(Scanner::new(&bytes).unwrap()).unwrap();
    assert_eq!(range.size(), ends.len() as u64);
    // Dropping, repeating or swapping a record changes the root.
    let frames: Vec<&[u8]> = std::iter::once(PREAMBLE_LEN)
        .chain(ends.iter().copied())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| &bytes[w[0]..w[1]])
        .collect();
    let rebuild = |order: &[usize]| -> [u8; 32] {
        let mut out = preamble().to_vec();
        for &i in order {
            out.extend_from_slice(frames[i]);
        }
        let mut range = CompactRange::new();
        let mut scanner = Scanner::new(&out).unwrap();
        while let Some(item) = scanner.next() {
            if matches!(item, Item::Record { .. }) {
                range.push(leaf_hash(scanner.payload())).unwrap();
            }
        }
        range.root()
    };
    let order: Vec<usize> = (0..frames.len()).collect();
    assert_eq!(rebuild(&order), range.root());
    let dropped: Vec<usize> = order.iter().copied().filter(|&i| i != 100).collect();
    assert_ne!(rebuild(&dropped), range.root());
    let mut swapped = order.clone();
    swapped.swap(100, 101);
    assert_ne!(rebuild(&swapped), range.root());
}

#[test]
fn head_gives_the_rfc_6962_root_of_the_example() {
    let output = pledge()
        .args(["--file", "docs/examples/us-japan-2025.pledge", "head"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(output.status.success());
    // Computed separately, by a Python RFC 6962 implementation over the decoded payloads.
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "origin  pledge.example/us-japan-2025\nsize    23\nroot    c0b0375f02ff80e2d9f4d9b5986018a2dd418dd7310c54267e076be414896c8f\n"
    );
    let json = pledge()
        .args([
            "--file",
            "docs/examples/us-japan-2025.pledge",
            "head",
            "--format",
            "json",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["size"], 23);
    assert_eq!(
        value["root"],
        "c0b0375f02ff80e2d9f4d9b5986018a2dd418dd7310c54267e076be414896c8f"
    );
}

#[test]
fn repair_removes_only_the_torn_tail_and_keeps_a_backup() {
    let (bytes, ends) = mixed_ledger();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.pledge");
    let last_three = ends[ends.len() - 4]..bytes.len();
    let cuts: Vec<usize> = (PREAMBLE_LEN..bytes.len())
        .filter(|c| c % 97 == 0 || last_three.contains(c))
        .collect();
    for cut in cuts {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        for stale in std::fs::read_dir(dir.path()).unwrap() {
            let stale = stale.unwrap().path();
            if stale != path {
                std::fs::remove_file(stale).unwrap();
            }
        }
        let output = pledge()
            .arg("--file")
            .arg(&path)
            .arg("repair")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cut {cut}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let complete = ends.iter().take_while(|&&end| end <= cut).count();
        let boundary = ends[complete - 1];
        assert_eq!(
            std::fs::read(&path).unwrap(),
            &bytes[..boundary],
            "cut {cut}"
        );
        let backup = dir.path().join(format!("l.pledge.torn-{boundary}.bak"));
        if cut == boundary {
            assert!(!backup.exists());
        } else {
            assert_eq!(
                std::fs::read(&backup).unwrap(),
                &bytes[..cut],
                "cut {cut}: the backup is the file as it was"
            );
        }
        let head = pledge()
            .arg("--file")
            .arg(&path)
            .args(["head", "--format", "json"])
            .output()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&head.stdout).unwrap();
        assert_eq!(value["size"], complete as u64, "cut {cut}");
    }
}

#[test]
fn repair_refuses_damage_before_the_tail() {
    let (mut bytes, ends) = mixed_ledger();
    bytes[ends[50] + 3] ^= 0x40;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.pledge");
    std::fs::write(&path, &bytes).unwrap();
    let output = pledge()
        .arg("--file")
        .arg(&path)
        .arg("repair")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "error: {}: damaged record at byte {}",
            path.display(),
            ends[50]
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing removed");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no backup either"
    );
}

/// Eight processes appending 200 entries each at the same time: every one lands, intact and
/// whole, in some order; the ledger audits clean.
#[test]
fn eight_processes_appending_200_entries_each() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.pledge");
    assert!(
        pledge()
            .arg("--file")
            .arg(&path)
            .arg("init")
            .output()
            .unwrap()
            .status
            .success()
    );
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let path = path.clone();
            std::thread::spawn(move || {
                for n in 0..200 {
                    let output = pledge()
                        .arg("--file")
                        .arg(&path)
                        .args([
                            "note",
                            &format!("worker {worker} entry {n}"),
                            "--date",
                            "2026-01-01",
                        ])
                        .output()
                        .unwrap();
                    assert!(
                        output.status.success(),
                        "{}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let mut notes = std::collections::HashSet::new();
    for item in Scanner::new(&bytes).unwrap() {
        match item {
            Item::Record { record, .. } => {
                if let ledger_core::Entry::Note(note) = record.entry {
                    assert!(
                        notes.insert(note.text.to_string()),
                        "a duplicate: {}",
                        note.text
                    );
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(notes.len(), 1_600);
    let audit = pledge()
        .arg("--file")
        .arg(&path)
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
}
