//! The flash log against power loss, in the manner of sequential-storage's tests: a mock NOR
//! flash that enforces the write rules (aligned whole words, each word written once, bits only
//! cleared, aligned whole read units) and cuts the power after any number of bytes, mid-word
//! included. After every cut and a reboot, the ledger holds exactly the records whose append
//! returned Ok, perhaps plus the one in flight, complete; never a damaged or invented record;
//! and appending works again. Every write size and read size from 1 to 32 bytes is run.
//!
//! Damage (a bit flipped at rest) is reported where it is, agrees with the desktop scanner and
//! audit of the same bytes, keeps the sequence numbers continuous, and stops appends until the
//! caller accepts it.

use std::convert::Infallible;
use std::ops::ControlFlow;

use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{Entry, Fulfil, Note, Open, PartyId, Pledge, Record, Tags, name, text};
use ledger_core::flash::{Damage, FlashError, FlashLog, Found, Tail};
use ledger_core::record::{MAX_FRAME, encode_frame};
use ledger_core::slots::Fixed;
use ledger_core::state::State;
use ledger_core::{Amount, Date};
use proptest::prelude::*;

const WORD: usize = 4;
const PAGE: usize = 256;
const SIZE: usize = 4 * PAGE;

/// The mock with 4-byte words and 1-byte reads, as most tests use it.
type MockFlash = Mock<WORD, 1>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MockError {
    PowerLost,
    Unaligned,
    WrittenTwice,
    UnalignedRead,
}

impl NorFlashError for MockError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            MockError::Unaligned => NorFlashErrorKind::NotAligned,
            _ => NorFlashErrorKind::Other,
        }
    }
}

/// NOR flash in RAM with `W`-byte words and `R`-byte read units that enforces the rules and
/// can lose power after `budget` more bytes.
#[derive(Debug, Clone)]
struct Mock<const W: usize, const R: usize> {
    memory: Vec<u8>,
    written: Vec<bool>,
    budget: Option<usize>,
    dead: bool,
}

impl<const W: usize, const R: usize> Mock<W, R> {
    fn new() -> Self {
        Mock {
            memory: vec![0xFF; SIZE],
            written: vec![false; SIZE / W],
            budget: None,
            dead: false,
        }
    }

    fn reboot(&mut self) {
        self.budget = None;
        self.dead = false;
    }
}

impl<const W: usize, const R: usize> ErrorType for Mock<W, R> {
    type Error = MockError;
}

impl<const W: usize, const R: usize> ReadNorFlash for Mock<W, R> {
    const READ_SIZE: usize = R;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        let at = offset as usize;
        if !at.is_multiple_of(R) || !bytes.len().is_multiple_of(R) {
            return Err(MockError::UnalignedRead);
        }
        bytes.copy_from_slice(&self.memory[at..at + bytes.len()]);
        Ok(())
    }
    fn capacity(&self) -> usize {
        SIZE
    }
}

impl<const W: usize, const R: usize> NorFlash for Mock<W, R> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        if !(from as usize).is_multiple_of(PAGE) || !(to as usize).is_multiple_of(PAGE) {
            return Err(MockError::Unaligned);
        }
        self.memory[from as usize..to as usize].fill(0xFF);
        self.written[from as usize / W..to as usize / W].fill(false);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        let at = offset as usize;
        if !at.is_multiple_of(W) || !bytes.len().is_multiple_of(W) {
            return Err(MockError::Unaligned);
        }
        for (word, chunk) in bytes.chunks(W).enumerate() {
            let index = at / W + word;
            if self.written[index] {
                return Err(MockError::WrittenTwice);
            }
            for (i, &byte) in chunk.iter().enumerate() {
                if self.budget == Some(0) {
                    // Power lost: bytes before this one are programmed, this word perhaps partly,
                    // perhaps not at all; either way it was touched (ECC flash has set its check
                    // bits) and must not be programmed again.
                    self.written[index] = true;
                    self.dead = true;
                    return Err(MockError::PowerLost);
                }
                self.budget = self.budget.map(|b| b - 1);
                // A word counts as written once any of its bytes is programmed, even with 0xFF
                // (which changes no bit but, on ECC flash, still sets the word's check bits).
                self.written[index] = true;
                self.memory[index * W + i] &= byte;
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

/// Hands intact records to `f`; damaged frames are passed over.
fn records(mut f: impl FnMut(&Record, &[u8])) -> impl FnMut(Found<'_>) -> ControlFlow<()> {
    move |found| {
        if let Found::Record {
            record, payload, ..
        } = found
        {
            f(record, payload);
        }
        ControlFlow::Continue(())
    }
}

fn reopen<const W: usize, const R: usize>(
    flash: Mock<W, R>,
) -> (FlashLog<Mock<W, R>>, Vec<Record>) {
    let mut seen = Vec::new();
    let log = FlashLog::open(
        flash,
        0,
        SIZE as u32,
        records(|record, _| seen.push(record.clone())),
    )
    .unwrap();
    (log, seen)
}

#[test]
fn every_power_cut_keeps_exactly_the_acknowledged_records() {
    power_cuts::<4, 1>();
}

#[test]
fn every_power_cut_at_every_write_and_read_size() {
    power_cuts::<1, 1>();
    power_cuts::<2, 8>();
    power_cuts::<8, 4>();
    power_cuts::<16, 16>();
    power_cuts::<32, 32>();
    power_cuts::<32, 1>();
}

fn power_cuts<const W: usize, const R: usize>() {
    let frames = frames();
    let total: usize = frames.iter().map(|(_, f)| f.len().div_ceil(W) * W).sum();
    for cut in 0..=total {
        let mut flash = FlashLog::format(Mock::<W, R>::new(), 0, SIZE as u32)
            .unwrap()
            .into_inner();
        flash.budget = Some(cut);
        let (mut log, _) = reopen(flash);
        let mut acknowledged = 0;
        for (_, frame) in &frames {
            match log.append(frame) {
                Ok(()) => acknowledged += 1,
                Err(FlashError::Flash(MockError::PowerLost)) => break,
                Err(other) => panic!("W{W} R{R} cut {cut}: {other:?}"),
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
            .unwrap_or_else(|e| panic!("W{W} R{R} cut {cut}: {e:?}"));
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
        records(|_, _| {}),
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
        FlashLog::open(MockFlash::new(), 0, SIZE as u32, records(|_, _| {})).err(),
        Some(FlashError::Unformatted)
    );
    let mut flash = MockFlash::new();
    flash.memory[..4].copy_from_slice(b"JUNK");
    assert!(matches!(
        FlashLog::open(flash, 0, SIZE as u32, records(|_, _| {})).err(),
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
        if let Ok(log) = FlashLog::open(flash, 0, SIZE as u32, records(|record, payload| payloads.push((record.clone(), payload.to_vec())))) {
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
    let mut seen = Vec::new();
    FlashLog::open(
        RamFlash::new(&mut memory),
        0,
        2048,
        records(|record, _| seen.push(record.clone())),
    )
    .unwrap();
    let expected: Vec<Record> = frames.into_iter().map(|(r, _)| r).collect();
    assert_eq!(seen, expected);
    let mut flash = RamFlash::new(&mut memory);
    assert_eq!(flash.write(2048, &[0; 4]), Err(OutOfRange));
    assert_eq!(
        FlashLog::format(RamFlash::new(&mut [0u8; 100]), 0, 1024).err(),
        Some(FlashError::Layout)
    );
}

/// The region's bytes as the desktop reads a dump: its damaged frames' offsets and its records.
fn desktop_view(memory: &[u8]) -> (Vec<u32>, Vec<Record>) {
    use ledger_core::scan::{Item, Scanner};
    let mut damaged = Vec::new();
    let mut seen = Vec::new();
    for item in Scanner::new(memory).unwrap() {
        match item {
            Item::Damaged { offset, .. } => damaged.push(offset as u32),
            Item::Record { record, .. } => seen.push(record),
            _ => {}
        }
    }
    (damaged, seen)
}

/// A ledger of every frame, and the offsets its frames start at.
fn written() -> (MockFlash, Vec<u32>) {
    let mut log = FlashLog::format(MockFlash::new(), 0, SIZE as u32).unwrap();
    let mut offsets = Vec::new();
    let mut at = 16u32;
    for (_, frame) in frames() {
        offsets.push(at);
        log.append(&frame).unwrap();
        at += frame.len().div_ceil(WORD) as u32 * WORD as u32;
    }
    (log.into_inner(), offsets)
}

fn note(seq: u32) -> Vec<u8> {
    let note = Record {
        seq,
        entry: Entry::Note(Note {
            date: day(9),
            about: None,
            text: text("after the damage").unwrap(),
        }),
    };
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&note, &mut frame).unwrap();
    frame[..len].to_vec()
}

#[test]
fn damage_is_reported_where_it_is_and_numbers_are_never_reused() {
    let total = frames().len() as u32;
    for damaged in [3usize, 8] {
        let (mut flash, offsets) = written();
        // A bit flipped at rest, inside the frame's payload (not into a 0x00, which would split
        // the frame in two: damage too, reported as two frames).
        let byte = &mut flash.memory[offsets[damaged] as usize + 3];
        *byte ^= if *byte == 0x04 { 0x08 } else { 0x04 };
        let mut reported = Vec::new();
        let mut seen = Vec::new();
        let log = FlashLog::open(flash, 0, SIZE as u32, |found| {
            match found {
                Found::Record { record, .. } => seen.push(record.seq),
                Found::Damaged { offset, .. } => reported.push(offset),
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(reported, vec![offsets[damaged]], "damaged record {damaged}");
        assert_eq!(
            log.damage(),
            Damage {
                count: 1,
                first: Some(offsets[damaged]),
                interrupted: 0,
            }
        );
        // Every other record, with its own number: none shifted down into the gap.
        let expected: Vec<u32> = (0..total).filter(|&s| s != damaged as u32).collect();
        assert_eq!(seen, expected);
        // The next number is after the damaged one, even when it was the last.
        assert_eq!(log.next_seq(), total);

        // The desktop reads the same bytes the same way.
        let memory = log.into_inner();
        let (desktop_damage, desktop_records) = desktop_view(&memory.memory);
        assert_eq!(desktop_damage, reported);
        let desktop_seqs: Vec<u32> = desktop_records.iter().map(|r| r.seq).collect();
        assert_eq!(desktop_seqs, seen);
        let scanner = ledger_core::scan::Scanner::new(&memory.memory).unwrap();
        let mut findings = Vec::new();
        ledger_core::audit::audit::<Fixed<8, 4, 4, 16>>(
            scanner,
            &ledger_core::audit::Expectations::default(),
            |f| findings.push(f),
        );
        let damaged_at: Vec<u32> = findings
            .iter()
            .filter(|f| matches!(f.kind, ledger_core::audit::FindingKind::Damaged(_)))
            .map(|f| f.offset as u32)
            .collect();
        assert_eq!(damaged_at, reported, "the audit names the same frame");

        // Appending waits for the caller's decision, then takes the next number.
        let mut log = FlashLog::open(memory, 0, SIZE as u32, records(|_, _| {})).unwrap();
        let before = log.free();
        assert_eq!(log.append(&note(total)), Err(FlashError::Damaged));
        assert_eq!(log.free(), before, "a refused append writes nothing");
        log.accept_damage();
        log.append(&note(total)).unwrap();
        let (_, after) = reopen(log.into_inner());
        assert_eq!(after.last().map(|r| r.seq), Some(total));
    }
}

#[test]
fn a_callback_can_stop_the_open() {
    let (flash, _) = written();
    let mut calls = 0;
    let stopped = FlashLog::open(flash, 0, SIZE as u32, |_| {
        calls += 1;
        if calls == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(stopped.err(), Some(FlashError::Stopped));
    assert_eq!(calls, 3);
}

#[test]
fn a_format_cut_short_reads_as_unformatted_and_formats_again() {
    format_cuts::<4, 1>();
    format_cuts::<32, 8>();
}

fn format_cuts<const W: usize, const R: usize>() {
    let whole = W.max(16);
    for cut in 0..=whole {
        let mut flash = Mock::<W, R>::new();
        flash.budget = Some(cut);
        let formatted = FlashLog::format(flash.clone(), 0, SIZE as u32);
        let flash = match formatted {
            Ok(log) => log.into_inner(),
            Err(FlashError::Flash(MockError::PowerLost)) => {
                // The mock's state after the cut: run the format by hand to the cut.
                let mut cut_flash = flash;
                let mut head = vec![0u8; whole];
                head[..16].copy_from_slice(&ledger_core::record::preamble());
                let _ = cut_flash.erase(0, SIZE as u32);
                let _ = cut_flash.write(0, &head);
                cut_flash
            }
            Err(other) => panic!("cut {cut}: {other:?}"),
        };
        let mut flash = flash;
        flash.reboot();
        match FlashLog::open(flash.clone(), 0, SIZE as u32, records(|_, _| {})) {
            Ok(_) => assert!(
                cut >= 16,
                "W{W} cut {cut}: only a whole preamble is a ledger"
            ),
            Err(FlashError::Unformatted) => {
                assert!(cut < 16, "W{W} cut {cut}");
                // The usual start-up formats it, on flash that refuses a second write.
                let mut log =
                    FlashLog::open_or_format(flash, 0, SIZE as u32, records(|_, _| {})).unwrap();
                assert!(log.formatted());
                log.append(&note(0)).unwrap();
                let (_, seen) = reopen(log.into_inner());
                assert_eq!(seen.len(), 1);
            }
            Err(other) => panic!("W{W} cut {cut}: {other:?}"),
        }
    }
    // Foreign bytes are not taken for a format cut short.
    let mut flash = MockFlash::new();
    flash.memory[..16].copy_from_slice(&ledger_core::record::preamble());
    flash.memory[2] = 0x00;
    assert!(matches!(
        FlashLog::open(flash, 0, SIZE as u32, records(|_, _| {})).err(),
        Some(FlashError::NotALedger(_))
    ));
}

#[test]
fn every_geometry_reads_back_and_the_desktop_reads_its_dump() {
    fn check<const W: usize, const R: usize>() {
        let frames = frames();
        let mut log = FlashLog::format(Mock::<W, R>::new(), 0, SIZE as u32).unwrap();
        for (_, frame) in &frames {
            log.append(frame).unwrap();
        }
        let (log, seen) = reopen(log.into_inner());
        let expected: Vec<Record> = frames.iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(seen, expected, "W{W} R{R}");
        let (damage, desktop) = desktop_view(&log.into_inner().memory);
        assert!(damage.is_empty(), "W{W} R{R}");
        assert_eq!(desktop, expected, "W{W} R{R}");
    }
    check::<1, 1>();
    check::<2, 2>();
    check::<4, 32>();
    check::<8, 8>();
    check::<16, 1>();
    check::<32, 4>();
    check::<32, 32>();
    // 64-byte words are beyond what the log supports, and say so.
    assert_eq!(
        FlashLog::format(Mock::<64, 1>::new(), 0, SIZE as u32).err(),
        Some(FlashError::Layout)
    );
}

#[test]
fn errors_say_what_happened() {
    let shown = |e: FlashError<MockError>| e.to_string();
    assert_eq!(
        shown(FlashError::Full),
        "the ledger's flash region is full; nothing was written"
    );
    assert!(shown(FlashError::Damaged).contains("accept_damage()"));
    assert!(shown(FlashError::Flash(MockError::PowerLost)).contains("PowerLost"));
    let boxed: Box<dyn std::error::Error> = Box::new(FlashError::<MockError>::Unformatted);
    assert!(boxed.to_string().contains("format it"));
}

/// Two cuts in a row, as a device that loses power again while recovering: any cut during the
/// appends, a reboot, any cut during the first append after it (its closing word touched
/// without a bit changed, the case ECC flash bricked on), a reboot; then appending works, on
/// flash that refuses to program a touched word twice, and every acknowledged record is there.
#[test]
fn every_pair_of_power_cuts_recovers() {
    let frames = frames();
    let total: usize = frames
        .iter()
        .map(|(_, f)| f.len().div_ceil(WORD) * WORD)
        .sum();
    let second = note(0).len().div_ceil(WORD) * WORD + 2 * WORD;
    let mut scenarios = 0;
    for first_cut in 0..=total {
        for second_cut in 0..=second {
            let mut flash = FlashLog::format(MockFlash::new(), 0, SIZE as u32)
                .unwrap()
                .into_inner();
            flash.budget = Some(first_cut);
            let (mut log, _) = reopen(flash);
            let mut acknowledged = 0;
            for (_, frame) in &frames {
                if log.append(frame).is_err() {
                    break;
                }
                acknowledged += 1;
            }
            let mut flash = log.into_inner();
            flash.reboot();
            flash.budget = Some(second_cut);
            let (mut log, seen) = reopen(flash);
            let next = seen.len() as u32;
            let second_ok = log.append(&note(next)).is_ok();
            let mut flash = log.into_inner();
            flash.reboot();
            let (mut log, seen) = reopen(flash);
            assert!(
                seen.len() >= acknowledged + usize::from(second_ok),
                "{first_cut}/{second_cut}"
            );
            let last = seen.len() as u32;
            log.append(&note(last))
                .unwrap_or_else(|e| panic!("cuts {first_cut}/{second_cut}: {e:?}"));
            let flash = log.into_inner();
            // The device's view and the desktop's of the same bytes agree.
            let mut device_damage = Vec::new();
            let mut device_records = Vec::new();
            let log = FlashLog::open(flash, 0, SIZE as u32, |found| {
                match found {
                    Found::Record { record, .. } => device_records.push(record.clone()),
                    Found::Damaged {
                        offset,
                        interrupted,
                        ..
                    } => {
                        assert!(
                            interrupted,
                            "cuts {first_cut}/{second_cut}: only interrupted appends"
                        );
                        device_damage.push(offset);
                    }
                }
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(
                device_records.len(),
                seen.len() + 1,
                "cuts {first_cut}/{second_cut}"
            );
            let (desktop_damage, desktop_records) = desktop_view(&log.into_inner().memory);
            assert_eq!(
                desktop_damage, device_damage,
                "cuts {first_cut}/{second_cut}"
            );
            assert_eq!(
                desktop_records, device_records,
                "cuts {first_cut}/{second_cut}"
            );
            scenarios += 1;
        }
    }
    assert!(scenarios > 5_000, "{scenarios}");
}
