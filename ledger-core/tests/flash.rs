//! The flash log against power loss, in the manner of sequential-storage's tests: a mock NOR
//! flash that enforces the write rules (aligned whole words, each word written once, bits only
//! cleared) and cuts the power after any number of bytes, mid-word included. After every cut
//! and a reboot, the ledger holds exactly the records whose append returned Ok, perhaps plus the
//! one in flight, complete; never a damaged or invented record; and appending works again.

use std::convert::Infallible;

use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{Entry, Fulfil, Note, Open, PartyId, Pledge, Record, Tags, name, text};
use ledger_core::flash::{FlashError, FlashLog, Tail};
use ledger_core::record::{MAX_FRAME, encode_frame};
use ledger_core::slots::Fixed;
use ledger_core::state::State;
use ledger_core::{Amount, Date};
use proptest::prelude::*;

const WORD: usize = 4;
const PAGE: usize = 256;
const SIZE: usize = 4 * PAGE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MockError {
    PowerLost,
    Unaligned,
    WrittenTwice,
}

impl NorFlashError for MockError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            MockError::Unaligned => NorFlashErrorKind::NotAligned,
            _ => NorFlashErrorKind::Other,
        }
    }
}

/// NOR flash in RAM that enforces the rules and can lose power after `budget` more bytes.
#[derive(Debug, Clone)]
struct MockFlash {
    memory: Vec<u8>,
    written: Vec<bool>,
    budget: Option<usize>,
    dead: bool,
}

impl MockFlash {
    fn new() -> Self {
        MockFlash {
            memory: vec![0xFF; SIZE],
            written: vec![false; SIZE / WORD],
            budget: None,
            dead: false,
        }
    }

    fn reboot(&mut self) {
        self.budget = None;
        self.dead = false;
    }
}

impl ErrorType for MockFlash {
    type Error = MockError;
}

impl ReadNorFlash for MockFlash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        let at = offset as usize;
        bytes.copy_from_slice(&self.memory[at..at + bytes.len()]);
        Ok(())
    }
    fn capacity(&self) -> usize {
        SIZE
    }
}

impl NorFlash for MockFlash {
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        if !(from as usize).is_multiple_of(PAGE) || !(to as usize).is_multiple_of(PAGE) {
            return Err(MockError::Unaligned);
        }
        self.memory[from as usize..to as usize].fill(0xFF);
        self.written[from as usize / WORD..to as usize / WORD].fill(false);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        let at = offset as usize;
        if !at.is_multiple_of(WORD) || !bytes.len().is_multiple_of(WORD) {
            return Err(MockError::Unaligned);
        }
        for (word, chunk) in bytes.chunks(WORD).enumerate() {
            let index = at / WORD + word;
            if self.written[index] {
                return Err(MockError::WrittenTwice);
            }
            for (i, &byte) in chunk.iter().enumerate() {
                if self.budget == Some(0) {
                    // Power lost: bytes before this one are programmed, this word perhaps partly.
                    self.dead = true;
                    return Err(MockError::PowerLost);
                }
                self.budget = self.budget.map(|b| b - 1);
                // A word counts as written once any of its bytes is programmed, even with 0xFF
                // (which changes no bit but, on ECC flash, still sets the word's check bits).
                self.written[index] = true;
                self.memory[index * WORD + i] &= byte;
            }
        }
        Ok(())
    }
}

fn day(n: i32) -> Date {
    Date::parse("2025-10-28")
        .unwrap()
        .checked_add_days(n)
        .unwrap()
}

/// The frames of a small ledger, made through the core's checked append.
fn frames() -> Vec<(Record, Vec<u8>)> {
    let mut state: State<Fixed<4, 2, 2, 8>> = State::default();
    let usd = |units| Amount {
        units,
        commodity: CommodityId(0),
    };
    let mut entries = vec![
        Entry::Open(Open {
            origin: name("device.example/kiosk").unwrap(),
        }),
        Entry::Commodity(Commodity {
            code: parse_code("USD").unwrap(),
            decimals: 2,
        }),
        Entry::Party(name("Donor").unwrap()),
        Entry::Party(name("Fund").unwrap()),
    ];
    for i in 0..4 {
        entries.push(Entry::Pledge(Pledge {
            date: day(i),
            from: PartyId(0),
            to: PartyId(1),
            amount: usd(1_000 + i64::from(i)),
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: (i == 1).then(|| text("cash at the kiosk").unwrap()),
            planned: false,
        }));
    }
    entries.push(Entry::Fulfil(Fulfil {
        date: day(5),
        pledge: 4,
        amount: usd(500),
        memo: None,
    }));
    let mut out = Vec::new();
    for entry in entries {
        let mut frame = Vec::new();
        let mut sink = |bytes: &[u8]| -> Result<(), Infallible> {
            frame.extend_from_slice(bytes);
            Ok(())
        };
        let seq = state.append(entry.clone(), &mut sink).unwrap();
        out.push((Record { seq, entry }, frame));
    }
    out
}

fn reopen(flash: MockFlash) -> (FlashLog<MockFlash>, Vec<Record>) {
    let mut records = Vec::new();
    let log = FlashLog::open(flash, 0, SIZE as u32, |record, _| {
        records.push(record.clone())
    })
    .unwrap();
    (log, records)
}

#[test]
fn every_power_cut_keeps_exactly_the_acknowledged_records() {
    let frames = frames();
    let total: usize = frames
        .iter()
        .map(|(_, f)| f.len().div_ceil(WORD) * WORD)
        .sum();
    for cut in 0..=total {
        let mut flash = FlashLog::format(MockFlash::new(), 0, SIZE as u32)
            .unwrap()
            .into_inner();
        flash.budget = Some(cut);
        let (mut log, _) = reopen(flash);
        let mut acknowledged = 0;
        for (_, frame) in &frames {
            match log.append(frame) {
                Ok(()) => acknowledged += 1,
                Err(FlashError::Flash(MockError::PowerLost)) => break,
                Err(other) => panic!("cut {cut}: {other:?}"),
            }
        }
        let mut flash = log.into_inner();
        flash.reboot();
        let (mut log, records) = reopen(flash);
        let expected: Vec<Record> = frames.iter().map(|(r, _)| r.clone()).collect();
        assert!(
            records.len() == acknowledged || records.len() == acknowledged + 1,
            "cut {cut}: {} of {acknowledged}",
            records.len()
        );
        assert_eq!(
            records[..],
            expected[..records.len()],
            "cut {cut}: only records that were written"
        );
        // Appending works again, after a torn frame if there is one, rewriting nothing.
        let note = Record {
            seq: records.len() as u32,
            entry: Entry::Note(Note {
                date: day(9),
                about: None,
                text: text("after the cut").unwrap(),
            }),
        };
        let mut frame = [0u8; MAX_FRAME];
        let len = encode_frame(&note, &mut frame).unwrap();
        log.append(&frame[..len])
            .unwrap_or_else(|e| panic!("cut {cut}: {e:?}"));
        let (log, again) = reopen(log.into_inner());
        assert_eq!(again.len(), records.len() + 1, "cut {cut}");
        assert_eq!(again.last(), Some(&note), "cut {cut}");
        assert_eq!(log.tail(), Tail::Clean, "cut {cut}");
    }
}

#[test]
fn a_full_region_refuses_and_loses_nothing() {
    let (record, frame) = frames().into_iter().nth(5).unwrap();
    let _ = record;
    let mut log = FlashLog::format(MockFlash::new(), 0, PAGE as u32).unwrap();
    let mut appended = 0;
    loop {
        match log.append(&frame) {
            Ok(()) => appended += 1,
            Err(FlashError::Full) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(appended > 3);
    let free = log.free();
    assert!(free < frame.len() as u32);
    let before = log.into_inner().memory;
    let mut log = FlashLog::open(
        MockFlash {
            memory: before.clone(),
            written: vec![true; SIZE / WORD],
            budget: None,
            dead: false,
        },
        0,
        PAGE as u32,
        |_, _| {},
    )
    .unwrap();
    assert_eq!(log.append(&frame), Err(FlashError::Full));
    assert_eq!(
        log.into_inner().memory,
        before,
        "a refused append writes nothing"
    );
}

#[test]
fn erased_and_foreign_regions_are_refused() {
    assert_eq!(
        FlashLog::open(MockFlash::new(), 0, SIZE as u32, |_, _| {}).err(),
        Some(FlashError::Unformatted)
    );
    let mut flash = MockFlash::new();
    flash.memory[..4].copy_from_slice(b"JUNK");
    assert!(matches!(
        FlashLog::open(flash, 0, SIZE as u32, |_, _| {}).err(),
        Some(FlashError::NotALedger(_))
    ));
    assert_eq!(
        FlashLog::format(MockFlash::new(), 10, SIZE as u32).err(),
        Some(FlashError::Layout)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Random flash contents after a valid preamble: opening never panics, and every record it
    /// reports decodes from a frame with a valid CRC (it is what the bytes say, not garbage).
    #[test]
    fn random_images_never_panic(image in proptest::collection::vec(any::<u8>(), SIZE - 16)) {
        let mut flash = FlashLog::format(MockFlash::new(), 0, SIZE as u32).unwrap().into_inner();
        flash.memory[16..].copy_from_slice(&image);
        flash.written.fill(true);
        let mut payloads = Vec::new();
        if let Ok(log) = FlashLog::open(flash, 0, SIZE as u32, |record, payload| payloads.push((record.clone(), payload.to_vec()))) {
            for (record, payload) in payloads {
                prop_assert_eq!(ledger_core::record::decode_payload(&payload, record.seq), Ok(record));
            }
            let _ = log.free();
        }
    }
}

#[test]
fn a_ledger_in_a_ram_slice_goes_through_the_same_log() {
    use ledger_core::flash::{OutOfRange, RamFlash};
    let mut memory = [0u8; 2 * 1024];
    let frames = frames();
    {
        let mut log = FlashLog::format(RamFlash::new(&mut memory), 0, 2048).unwrap();
        for (_, frame) in &frames {
            log.append(frame).unwrap();
        }
    }
    let mut records = Vec::new();
    FlashLog::open(RamFlash::new(&mut memory), 0, 2048, |record, _| {
        records.push(record.clone())
    })
    .unwrap();
    let expected: Vec<Record> = frames.into_iter().map(|(r, _)| r).collect();
    assert_eq!(records, expected);
    let mut flash = RamFlash::new(&mut memory);
    assert_eq!(flash.write(2048, &[0; 4]), Err(OutOfRange));
    assert_eq!(
        FlashLog::format(RamFlash::new(&mut [0u8; 100]), 0, 1024).err(),
        Some(FlashError::Layout)
    );
}
