//! The record format as a public contract (docs/FORMAT.md): golden files and hex test vectors.
//! Writing these entries must give exactly these bytes, and these bytes must always read back
//! as these entries. A change here is a format change: bump the version, keep reading v1.
//!
//! To regenerate the golden file after a deliberate format change (with a version bump):
//! `PLEDGE_WRITE_GOLDEN=1 cargo test -p pledge-tests --test format`.

use std::convert::Infallible;

use ledger_cli::tables::State;
use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{
    Amend, Cancel, Entry, Fulfil, Goal, GoalId, Note, Open, PartyId, Pledge, ProjectId, Record,
    SectorId, TagId, Tags, name, text,
};
use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
use ledger_core::scan::{Item, Scanner};
use ledger_core::{Amount, Date};
use pledge_tests::workspace;

const GOLDEN: &str = "tests/golden/v1-every-entry.pledge";

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// One of every entry kind, every optional pledge field used at least once.
fn every_entry() -> Vec<Entry> {
    let usd = |units| Amount {
        units,
        commodity: CommodityId(0),
    };
    let mut tags = Tags::new();
    tags.push(TagId(0)).unwrap();
    vec![
        Entry::Open(Open {
            origin: name("pledge.example/golden").unwrap(),
        }),
        Entry::Commodity(Commodity {
            code: parse_code("USD").unwrap(),
            decimals: 2,
        }),
        Entry::Party(name("Japan").unwrap()),
        Entry::Party(name("United States").unwrap()),
        Entry::Project(name("AP1000").unwrap()),
        Entry::Sector(name("nuclear energy").unwrap()),
        Entry::Tag(name("framework-2025").unwrap()),
        Entry::Goal(Goal {
            date: date("2025-10-28"),
            name: name("Investment").unwrap(),
            beneficiary: Some(PartyId(1)),
            target: usd(55_000_000_000_000),
            deadline: Some(date("2029-01-19")),
            memo: Some(text("USD 550 billion").unwrap()),
        }),
        Entry::Pledge(Pledge {
            date: date("2025-10-28"),
            from: PartyId(0),
            to: PartyId(1),
            amount: usd(10_000_000_000_000),
            goal: Some(GoalId(0)),
            project: Some(ProjectId(0)),
            sector: Some(SectorId(0)),
            tags,
            due: Some(date("2026-04-28")),
            memo: Some(text("Westinghouse").unwrap()),
            planned: false,
        }),
        Entry::Pledge(Pledge {
            date: date("2025-10-28"),
            from: PartyId(0),
            to: PartyId(1),
            amount: usd(500),
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: None,
            planned: false,
        }),
        Entry::Fulfil(Fulfil {
            date: date("2026-01-15"),
            pledge: 8,
            amount: usd(2_000_000_000_000),
            memo: Some(text("first tranche").unwrap()),
        }),
        Entry::Amend(Amend {
            date: date("2026-02-01"),
            pledge: 8,
            amount: usd(12_000_000_000_000),
            reason: text("second reactor").unwrap(),
        }),
        Entry::Cancel(Cancel {
            date: date("2026-03-01"),
            pledge: 9,
            reason: text("withdrawn").unwrap(),
        }),
        Entry::Note(Note {
            date: date("2026-03-02"),
            about: Some(8),
            text: text("site chosen").unwrap(),
        }),
        Entry::Note(Note {
            date: date("2026-03-03"),
            about: None,
            text: text("audited").unwrap(),
        }),
    ]
}

fn build() -> Vec<u8> {
    build_from(every_entry())
}

/// A ledger of `entries`, written through the checked append path.
fn build_from(entries: impl IntoIterator<Item = Entry>) -> Vec<u8> {
    let mut state = State::new(None);
    let mut bytes = preamble().to_vec();
    let mut sink = |frame: &[u8]| -> Result<(), Infallible> {
        bytes.extend_from_slice(frame);
        Ok(())
    };
    for entry in entries {
        state
            .append(entry, &mut sink)
            .expect("the golden entries keep the rules");
    }
    bytes
}

#[test]
fn writing_every_entry_kind_gives_the_golden_bytes() {
    let built = build();
    let path = workspace().join(GOLDEN);
    if std::env::var_os("PLEDGE_WRITE_GOLDEN").is_some() {
        std::fs::write(&path, &built).unwrap();
    }
    let golden = std::fs::read(&path).expect("the golden file is committed");
    assert_eq!(
        built, golden,
        "the encoding changed: that is a format change (see docs/FORMAT.md, Stability)"
    );
}

#[test]
fn the_golden_bytes_read_back_as_every_entry_kind() {
    let golden = std::fs::read(workspace().join(GOLDEN)).unwrap();
    let records: Vec<Record> = Scanner::new(&golden)
        .unwrap()
        .map(|item| match item {
            Item::Record { record, .. } => record,
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: Vec<Record> = every_entry()
        .into_iter()
        .zip(0..)
        .map(|(entry, seq)| Record { seq, entry })
        .collect();
    assert_eq!(records, expected);
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn frame(seq: u32, entry: Entry) -> String {
    let mut out = [0u8; MAX_FRAME];
    let len = encode_frame(&Record { seq, entry }, &mut out).unwrap();
    hex(&out[..len])
}

/// The vectors quoted in docs/FORMAT.md, computed independently by a reference encoder written
/// in Python from the spec (not by this crate); the doc and this test must agree.
#[test]
fn hex_vectors_in_the_format_doc() {
    let entries = every_entry();
    assert_eq!(
        hex(&preamble()),
        "89 50 4c 45 44 47 45 0a 01 00 00 00 0d c9 06 b7"
    );
    assert_eq!(
        frame(0, entries[0].clone()),
        "01 01 1b 15 70 6c 65 64 67 65 2e 65 78 61 6d 70 6c 65 2f 67 6f 6c 64 65 6e 22 a0 01 8b 00"
    );
    assert_eq!(
        frame(2, entries[2].clone()),
        "0d 02 02 05 4a 61 70 61 6e fa 85 42 b8 00"
    );
    assert_eq!(
        frame(8, entries[8].clone()),
        "05 08 07 d8 04 09 01 80 80 95 e7 89 c6 04 02 3f 01 01 02 01 14 b6 01 0c 57 65 73 74 69 6e 67 68 6f 75 73 65 3d a8 9b fd 00"
    );
    assert_eq!(
        frame(10, entries[10].clone()),
        "0c 0a 08 f6 05 02 80 80 d1 94 b5 74 14 01 0d 66 69 72 73 74 20 74 72 61 6e 63 68 65 69 c8 ed f5 00"
    );
    let doc = std::fs::read_to_string(workspace().join("docs/FORMAT.md")).unwrap_or_default();
    for vector in [
        hex(&preamble()),
        frame(2, entries[2].clone()),
        frame(8, entries[8].clone()),
    ] {
        assert!(doc.contains(&vector), "docs/FORMAT.md must quote {vector}");
    }
}

const GOLDEN_CORRECTIONS: &str = "tests/golden/v1-corrections.pledge";

/// The entries of tags 13 to 18 and a planned pledge, after the golden ledger's 15 records:
/// `tests/golden/v1-corrections.pledge`, records 15 to 24.
fn corrections() -> Vec<Entry> {
    use ledger_core::entry::{
        ExactRate, Rate, Rename, RenameKind, Reschedule, Return, Revise, Void,
    };
    let usd = |units| Amount {
        units,
        commodity: CommodityId(0),
    };
    let eur = |units| Amount {
        units,
        commodity: CommodityId(1),
    };
    vec![
        // 15
        Entry::Commodity(Commodity {
            code: parse_code("EUR").unwrap(),
            decimals: 2,
        }),
        // 16: the goal's reference rate, 1 EUR = 1.0825 USD.
        Entry::Rate(Rate {
            date: date("2026-03-04"),
            base: CommodityId(1),
            quote: CommodityId(0),
            rate: ExactRate {
                mantissa: 10825,
                scale: 4,
            },
            goal: Some(GoalId(0)),
        }),
        // 17, voided by 18.
        Entry::Fulfil(Fulfil {
            date: date("2026-03-05"),
            pledge: 8,
            amount: usd(100_000_000_000),
            memo: None,
        }),
        Entry::Void(Void {
            date: date("2026-03-06"),
            record: 17,
            reason: text("entered twice").unwrap(),
        }),
        // 19
        Entry::Return(Return {
            date: date("2026-03-07"),
            pledge: 8,
            amount: usd(50_000_000_000),
            memo: Some(text("unspent").unwrap()),
        }),
        // 20, 21: Japan renamed Nippon.
        Entry::Party(name("Nippon").unwrap()),
        Entry::Rename(Rename {
            date: date("2026-03-08"),
            kind: RenameKind::Party,
            from: 0,
            to: 2,
            reason: text("official name").unwrap(),
        }),
        // 22
        Entry::Reschedule(Reschedule {
            date: date("2026-03-09"),
            pledge: 8,
            due: Some(date("2027-06-30")),
            reason: text("delayed").unwrap(),
        }),
        // 23: goal 7's target raised.
        Entry::Revise(Revise {
            date: date("2026-03-10"),
            goal: 7,
            target: usd(60_000_000_000_000),
            deadline: Some(date("2029-01-19")),
            beneficiary: Some(PartyId(1)),
            reason: text("raised").unwrap(),
        }),
        // 24: a planned pledge in EUR toward the USD goal.
        Entry::Pledge(Pledge {
            date: date("2026-12-01"),
            from: PartyId(1),
            to: PartyId(0),
            amount: eur(100_000),
            goal: Some(GoalId(0)),
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: None,
            planned: true,
        }),
    ]
}

fn build_corrections() -> Vec<u8> {
    build_from(every_entry().into_iter().chain(corrections()))
}

/// Tags 13 to 18 and the planned flag: written, they give the golden bytes; read, the golden
/// bytes give them; and their frames are the hex vectors docs/FORMAT.md quotes (which the
/// independent reader in tests/reference decodes field by field, see tests/reference.rs).
#[test]
fn the_corrections_golden_file_and_vectors() {
    let built = build_corrections();
    let path = workspace().join(GOLDEN_CORRECTIONS);
    if std::env::var_os("PLEDGE_WRITE_GOLDEN").is_some() {
        std::fs::write(&path, &built).unwrap();
    }
    let golden = std::fs::read(&path).expect("the golden file is committed");
    assert_eq!(
        built, golden,
        "the encoding changed: that is a format change"
    );
    let records: Vec<Record> = Scanner::new(&golden)
        .unwrap()
        .map(|item| match item {
            Item::Record { record, .. } => record,
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: Vec<Record> = every_entry()
        .into_iter()
        .chain(corrections())
        .zip(0..)
        .map(|(entry, seq)| Record { seq, entry })
        .collect();
    assert_eq!(records, expected);
    let doc = std::fs::read_to_string(workspace().join("docs/FORMAT.md")).unwrap_or_default();
    for (seq, entry) in (15..).zip(corrections()) {
        if matches!(
            entry,
            Entry::Commodity(_) | Entry::Party(_) | Entry::Fulfil(_)
        ) {
            continue;
        }
        let vector = frame(seq, entry);
        assert!(
            doc.contains(&vector),
            "docs/FORMAT.md must quote record {seq}: {vector}"
        );
    }
}

const GOLDEN_CHECKPOINT: &str = "tests/golden/v1-checkpoint.pledge";

/// The fixed test key: seed 32 × 0x01, named `pledge.example/test-key`.
fn test_key() -> ledger_core::checkpoint::SignerKey {
    ledger_core::checkpoint::SignerKey::from_seed("pledge.example/test-key", [1; 32]).unwrap()
}

/// Appends to `bytes` a checkpoint of all its records for `origin`, signed by the test key;
/// returns the same checkpoint as a C2SP note, and the checkpoint.
fn append_signed_checkpoint(
    bytes: &mut Vec<u8>,
    origin: &str,
) -> (String, ledger_core::entry::Checkpoint) {
    use ledger_core::checkpoint::{body, write_signature_line};
    use ledger_core::entry::Checkpoint;
    use ledger_core::tree::range_of_records;

    let range = range_of_records(Scanner::new(bytes).unwrap()).unwrap();
    let text = body(origin, range.size(), &range.root()).unwrap();
    let signature = test_key().sign(&text);
    let mut note = format!("{text}\n");
    write_signature_line(&signature, &mut note).unwrap();
    let checkpoint = Checkpoint {
        size: range.size(),
        root: range.root(),
        signature: Some(signature),
    };
    let record = Record {
        seq: u32::try_from(range.size()).unwrap(),
        entry: Entry::Checkpoint(checkpoint.clone()),
    };
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).unwrap();
    bytes.extend_from_slice(&frame[..len]);
    (note, checkpoint)
}

/// The golden ledger with a checkpoint signed by a fixed test key (seed 32 × 0x01, named
/// `pledge.example/test-key`): its root, verifier key and note, computed separately in Python
/// (hashlib for RFC 6962, the `cryptography` package for Ed25519), are quoted in docs/FORMAT.md.
#[test]
fn the_golden_checkpoint() {
    let mut bytes = build();
    let (note, checkpoint) = append_signed_checkpoint(&mut bytes, "pledge.example/golden");
    let path = workspace().join(GOLDEN_CHECKPOINT);
    if std::env::var_os("PLEDGE_WRITE_GOLDEN").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(
        bytes,
        std::fs::read(&path).expect("the golden file is committed")
    );
    let mut verifier = String::new();
    test_key().verifier().write(&mut verifier).unwrap();
    assert_eq!(hex(&checkpoint.root).replace(" ", ""), EXPECTED_ROOT);
    assert_eq!(verifier, EXPECTED_VERIFIER);
    assert_eq!(note, EXPECTED_NOTE);
    let doc = std::fs::read_to_string(workspace().join("docs/FORMAT.md")).unwrap_or_default();
    for quoted in [EXPECTED_VERIFIER, EXPECTED_NOTE.lines().last().unwrap()] {
        assert!(doc.contains(quoted), "docs/FORMAT.md must quote {quoted}");
    }
}

const EXPECTED_ROOT: &str = "c32f4d6f22f4c3fa8e786ecc048683d02536cf0436f0fcb9ccd4bba28b0f90e9";
const EXPECTED_VERIFIER: &str =
    "pledge.example/test-key+c473978b+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";
const EXPECTED_NOTE: &str = "pledge.example/golden\n15\nwy9NbyL0w/qOeG7MBIaD0CU2zwQ28Py5zNS7oosPkOk=\n\n\u{2014} pledge.example/test-key xHOXi/Ocpo1ZCnevHZLY5rDE+XyBbiqRvf9rbfSqBN7X3D9IIJbqYQFe+ux0CjGThDiNptu1RvMeka9W5ksCGJeuMQI=\n";

const EXAMPLE: &str = "docs/examples/us-japan-2025.pledge";
const EXAMPLE_CHECKPOINT: &str = "tests/golden/us-japan-2025.checkpoint";
const EXAMPLE_SIGNED: &str = "tests/golden/us-japan-2025-signed.pledge";

/// The example ledger's checkpoint signed by the same test key, as a C2SP note and as a
/// checkpoint record appended to the example: the ledger the firmware (`tests/firmware`)
/// records, and whose checkpoint it verifies against the tree it rebuilt from flash.
#[test]
fn the_example_signed_by_the_test_key() {
    use ledger_core::checkpoint::{SignerKey, parse_note};

    let signer = test_key();
    let mut bytes = std::fs::read(workspace().join(EXAMPLE)).unwrap();
    let (note, checkpoint) = append_signed_checkpoint(&mut bytes, "pledge.example/us-japan-2025");
    let record = Record {
        seq: 23,
        entry: Entry::Checkpoint(checkpoint.clone()),
    };
    if std::env::var_os("PLEDGE_WRITE_GOLDEN").is_some() {
        std::fs::write(workspace().join(EXAMPLE_CHECKPOINT), &note).unwrap();
        std::fs::write(workspace().join(EXAMPLE_SIGNED), &bytes).unwrap();
    }
    assert_eq!(
        note,
        std::fs::read_to_string(workspace().join(EXAMPLE_CHECKPOINT)).unwrap()
    );
    assert_eq!(
        bytes,
        std::fs::read(workspace().join(EXAMPLE_SIGNED)).unwrap()
    );

    let parsed = parse_note(&note).unwrap();
    assert_eq!(parsed.size, 23);
    assert!(parsed.is_for("pledge.example/us-japan-2025", 23, &checkpoint.root));
    assert!(!parsed.is_for("pledge.example/us-japan-2025", 22, &checkpoint.root));
    assert!(!parsed.is_for("pledge.example/other", 23, &checkpoint.root));
    assert!(parsed.is_signed_by(&signer.verifier()));
    let other = SignerKey::from_seed("pledge.example/test-key", [2; 32]).unwrap();
    assert!(!parsed.is_signed_by(&other.verifier()));
    // The record carries the note's signature, and reads back as the same checkpoint.
    let last = Scanner::new(&bytes).unwrap().last().unwrap();
    let Item::Record { record: read, .. } = last else {
        panic!("the checkpoint record does not read back: {last:?}")
    };
    assert_eq!(read, record);
    let Entry::Checkpoint(checkpoint) = read.entry else {
        unreachable!()
    };
    assert_eq!(
        checkpoint.is_signed_by("pledge.example/us-japan-2025", &signer.verifier()),
        Ok(true)
    );
}
