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

use embedded_storage::nor_flash::NorFlash;
use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{Entry, Fulfil, Note, Open, PartyId, Pledge, Record, Tags, name, text};
use ledger_core::flash::{Damage, FlashError, FlashLog, Found, Tail};
use ledger_core::record::{MAX_FRAME, encode_frame};
use ledger_core::slots::Fixed;
use ledger_core::state::State;
use ledger_core::{Amount, Date};
use proptest::prelude::*;

mod support;

use support::flash_model::{self, Op};
use support::mock_flash::{Mock, MockError, PAGE, SIZE, Shared};

const WORD: usize = 4;

/// The mock with 4-byte words and 1-byte reads, as most tests use it.
type MockFlash = Mock<WORD, 1>;

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
    power_cuts_on(Mock::<W, R>::new);
}

/// Every cut on flash that takes zeros over a word a cut touched (STM32's ECC flash): the
/// closing word of a boot's first append lands on such a word instead of moving on.
#[test]
fn every_power_cut_on_flash_that_takes_zeros_over_a_touched_word() {
    power_cuts_on(Mock::<4, 1>::taking_zeros);
    power_cuts_on(Mock::<8, 8>::taking_zeros);
    power_cuts_on(Mock::<16, 4>::taking_zeros);
    power_cuts_on(Mock::<32, 32>::taking_zeros);
}

fn power_cuts_on<const W: usize, const R: usize>(erased: fn() -> Mock<W, R>) {
    let frames = frames();
    let total: usize = frames.iter().map(|(_, f)| f.len().div_ceil(W) * W).sum();
    for cut in 0..=total {
        let mut flash = FlashLog::format(erased(), 0, SIZE as u32)
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
            ..MockFlash::new()
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
        flash.memory[16..SIZE].copy_from_slice(&image);
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

/// A format cut at every unit of its work (each page erased, last page first, then each byte of
/// the preamble), over erased flash, over a ledger and over foreign data, on two geometries.
#[test]
fn a_format_cut_anywhere_is_redone_or_leaves_what_was_there() {
    format_cuts::<4, 1>();
    format_cuts::<32, 8>();
}

/// What the region holds before the format.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Before {
    Erased,
    Ledger,
    Foreign,
}

fn format_cuts<const W: usize, const R: usize>() {
    let pages = SIZE / PAGE;
    let units = pages + W.max(16);
    let old: Vec<Record> = frames().into_iter().map(|(r, _)| r).collect();
    for before in [Before::Erased, Before::Ledger, Before::Foreign] {
        for cut in 0..=units {
            let flash = Shared::<W, R>::default();
            match before {
                Before::Erased => {}
                Before::Ledger => {
                    let mut log = FlashLog::format(flash.clone(), 0, SIZE as u32).unwrap();
                    for (_, frame) in frames() {
                        log.append(&frame).unwrap();
                    }
                }
                Before::Foreign => {
                    let mut mock = flash.0.borrow_mut();
                    for (i, byte) in mock.memory.iter_mut().enumerate() {
                        *byte = (i * 7 + 3) as u8;
                    }
                    mock.written.fill(true);
                }
            }
            flash.0.borrow_mut().cut_after(cut, 0xC0FFEE + cut as u64);
            let at = format!("W{W} R{R} {before:?} cut {cut}");
            let formatted = FlashLog::format(flash.clone(), 0, SIZE as u32).is_ok();
            assert_eq!(formatted, cut >= units, "{at}");
            flash.0.borrow_mut().reboot();
            // Which unit the cut hit: a later page (0..pages-1), the first page, the preamble.
            let in_first_page_or_preamble = cut >= pages - 1 && cut < units;
            let mut seen = Vec::new();
            let opened = FlashLog::open_or_format(
                flash.clone(),
                0,
                SIZE as u32,
                records(|record, _| seen.push(record.clone())),
            );
            match opened {
                // (A cut in the preamble's padding leaves a whole preamble: an empty ledger.)
                Ok(mut log)
                    if log.formatted()
                        || formatted
                        || before == Before::Erased
                        || cut >= pages + 16 =>
                {
                    // Redone (or done): an empty ledger that takes appends.
                    assert!(seen.is_empty(), "{at}");
                    assert!(
                        formatted || in_first_page_or_preamble || before == Before::Erased,
                        "{at}: formatted again only after a cut in the first page or preamble"
                    );
                    log.append(&note(0))
                        .unwrap_or_else(|e| panic!("{at}: {e:?}"));
                    let mut again = Vec::new();
                    FlashLog::open(
                        flash.clone(),
                        0,
                        SIZE as u32,
                        records(|record, _| again.push(record.clone())),
                    )
                    .unwrap();
                    assert_eq!(again.len(), 1, "{at}");
                }
                Ok(log) => {
                    // The cut came while a later page was erased: the old ledger, its first
                    // records intact, the rest damaged or gone; formatting again works.
                    assert_eq!(before, Before::Ledger, "{at}");
                    assert!(!in_first_page_or_preamble, "{at}");
                    assert!(!seen.is_empty() && old.starts_with(&seen), "{at}");
                    drop(log);
                    let mut log = FlashLog::format(flash.clone(), 0, SIZE as u32).unwrap();
                    log.append(&note(0))
                        .unwrap_or_else(|e| panic!("{at}: {e:?}"));
                }
                Err(FlashError::NotALedger(_)) => {
                    // Foreign data is never erased on its own; the caller's format is redone
                    // only by the caller.
                    assert_eq!(before, Before::Foreign, "{at}");
                    FlashLog::format(flash.clone(), 0, SIZE as u32).unwrap();
                }
                Err(other) => panic!("{at}: {other:?}"),
            }
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
    // Nor is a small ledger whose preamble lost a bit at rest: its first page holds a record.
    let (mut flash, _) = written();
    flash.memory[5] |= 0x01 << (flash.memory[5].trailing_ones() % 8);
    let opened = FlashLog::open(flash, 0, SIZE as u32, records(|_, _| {}));
    assert!(
        matches!(opened.err(), Some(FlashError::NotALedger(_))),
        "a rotted preamble over records is never formatted over"
    );
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

/// The geometries the model runs on: (write size, read size).
const GEOMETRIES: [(usize, usize); 6] = [(4, 1), (1, 1), (2, 8), (8, 4), (16, 16), (32, 32)];

/// The model on geometry `geometry % 6`; from 6 on, on flash that takes zeros over a word
/// written before (STM32's), below on flash that refuses every second program.
fn run_model(geometry: usize, ops: &[Op]) -> flash_model::Coverage {
    let zeros = geometry % (2 * GEOMETRIES.len()) >= GEOMETRIES.len();
    match GEOMETRIES[geometry % GEOMETRIES.len()] {
        (4, 1) => flash_model::run_on::<4, 1>(ops, zeros),
        (1, 1) => flash_model::run_on::<1, 1>(ops, zeros),
        (2, 8) => flash_model::run_on::<2, 8>(ops, zeros),
        (8, 4) => flash_model::run_on::<8, 4>(ops, zeros),
        (16, 16) => flash_model::run_on::<16, 16>(ops, zeros),
        _ => flash_model::run_on::<32, 32>(ops, zeros),
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u8>().prop_map(Op::Append),
        1 => Just(Op::Fill),
        2 => Just(Op::Reboot),
        3 => (any::<u16>(), any::<u64>()).prop_map(|(after, seed)| Op::Cut { after, seed }),
        1 => Just(Op::Format),
        1 => (any::<u16>(), any::<u8>()).prop_map(|(at, bit)| Op::Rot { at, bit }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4_000, ..ProptestConfig::default() })]

    /// Random sequences of formats, appends, fills, reboots, power cuts (one or many, in
    /// appends, in recovery, in a format's erase and preamble) and bit rot, on every geometry
    /// and on both kinds of ECC flash, checked against the model in `support/flash_model.rs`.
    #[test]
    fn random_operations_with_power_cuts_keep_the_model(
        geometry in 0..2 * GEOMETRIES.len(),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        run_model(geometry, &ops);
    }
}

/// Two sequences the model's random runs found (CI, and the fuzz target): a cut leaves the seal
/// part-written, then a bit rots where the desktop joins the first region's bytes to the
/// second's. The desktop reports the one damaged frame it reads across the boundary where the
/// device reports it from the second region's start (a seal holding `0x00`, then erased bytes),
/// or as two (a seal holding no `0x00`): a known limit (docs/EMBEDDED.md); the records agree.
#[test]
fn a_part_written_seal_joins_the_regions_for_the_desktop() {
    use Op::*;
    // Write and read size 16, flash that takes zeros over a written word.
    run_model(
        GEOMETRIES.len() + 4,
        &[
            Append(0),
            Rot { at: 12816, bit: 0 },
            Cut {
                after: 22325,
                seed: 1141575508449994762,
            },
            Append(4),
            Fill,
            Rot { at: 11168, bit: 0 },
            Append(0),
            Rot { at: 0, bit: 0 },
        ],
    );
    // Write and read size 32, flash that refuses a second program: a rotted bit in the erased
    // tail leaves no room, the region continues, and the cut falls in the seal.
    run_model(
        5,
        &[
            Rot {
                at: 32511,
                bit: 253,
            },
            Rot {
                at: 35466,
                bit: 224,
            },
            Cut {
                after: 16388,
                seed: 70387499978342,
            },
            Append(15),
            Rot { at: 3855, bit: 15 },
            Rot { at: 15, bit: 11 },
            Fill,
            Append(108),
        ],
    );
}

/// The model's checks can fail: an acknowledged record whose last word went back to erased (a
/// driver that lied about a write) is caught, and so is one the device never wrote.
#[test]
fn the_model_catches_a_lost_record() {
    let lost = |erase_last_word: bool| {
        std::panic::catch_unwind(|| {
            let flash = Shared::<4, 1>::default();
            let mut log = FlashLog::format(flash.clone(), 0, SIZE as u32).unwrap();
            let (record, frame) = flash_model::note(0, 7);
            log.append(&frame).unwrap();
            drop(log);
            if erase_last_word {
                let mut mock = flash.0.borrow_mut();
                let last = mock.memory.iter().rposition(|&b| b != 0xFF).unwrap() / 4 * 4;
                mock.memory[last..last + 4].fill(0xFF);
            }
            let (second, _) = flash_model::note(1, 7);
            let expected = if erase_last_word {
                vec![record]
            } else {
                vec![record, second]
            };
            flash_model::expect_records::<4, 1>(&flash, expected);
        })
        .is_err()
    };
    assert!(lost(true), "a record gone from flash");
    assert!(lost(false), "a record never written");
    // And the same check passes when nothing is lost.
    let flash = Shared::<4, 1>::default();
    let mut log = FlashLog::format(flash.clone(), 0, SIZE as u32).unwrap();
    let (record, frame) = flash_model::note(0, 7);
    log.append(&frame).unwrap();
    drop(log);
    flash_model::expect_records::<4, 1>(&flash, vec![record]);
}

/// Sequences from a seeded generator, decoded from bytes as the `flash_model` fuzz target
/// decodes its input: the model holds on every geometry, and every path that matters is taken,
/// so the random test above is not passing for want of reaching them.
#[test]
fn seeded_sequences_reach_every_path() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut byte = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 32) as u8
    };
    let mut total = flash_model::Coverage::default();
    for sequence in 0..600 {
        let bytes: Vec<u8> = (0..4 * 40).map(|_| byte()).collect();
        let ops: Vec<Op> = bytes.chunks(4).filter_map(Op::from_bytes).collect();
        total += run_model(sequence, &ops);
    }
    println!("{total:?}");
    // About half of what this seed reaches (deterministic: the generator is seeded).
    assert!(total.append_cuts > 250, "{total:?}");
    assert!(total.format_cuts > 15, "{total:?}");
    assert!(total.formats_redone > 10, "{total:?}");
    assert!(total.old_ledgers > 4, "{total:?}");
    assert!(total.torn_tails > 1_000, "{total:?}");
    assert!(total.damage_reported > 700, "{total:?}");
    assert!(total.full > 3_000, "{total:?}");
    // Ledgers that filled their first region and went on in the second (cuts in a continuation
    // are rare here: the exhaustive continuation tests cut at every unit of it).
    assert!(total.continued > 700, "{total:?}");
    assert!(total.chained_boots > 1_300, "{total:?}");
    assert!(total.continue_cuts > 0, "{total:?}");
}

/// What the `flash_model` fuzz target found, replayed as it decodes its input (geometry byte,
/// then four bytes an operation). Both were the harness's, not the log's: the first ran
/// with the checksum off (fuzzing builds skipped it for every target then; now only the
/// decoding targets do, `record::fuzz`), so a rotted date read as a record; in the second a
/// rot flipped a byte back, bringing back a record whose number had been reused after its
/// delimiter rotted (it then read as an append cut short), which rot at rest cannot do.
#[test]
fn fuzz_findings_replay_clean() {
    let findings: [&[u8]; 2] = [
        &[0x60, 0xf3, 0x03, 0x2c, 0x00, 0x77, 0xb7, 0xfa, 0xfa],
        &[
            0x1f, 0x00, 0xf7, 0x7f, 0x3f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x20, 0x00, 0x00,
            0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xf5, 0xff, 0xff, 0xff, 0x01, 0x21, 0x3f, 0x7f, 0x7f, 0x7f, 0x3f, 0x7f, 0x01,
            0x21, 0x3f,
        ],
    ];
    for data in findings {
        let ops: Vec<Op> = data[1..].chunks(4).filter_map(Op::from_bytes).collect();
        // The fuzz target's geometries, in its order, as indexes into GEOMETRIES.
        run_model([0, 1, 3, 4, 5][usize::from(data[0]) % 5], &ops);
    }
}

/// The sizing rule: a minimal pledge's frame is `MIN_PLEDGE_FRAME` bytes, and a region filled
/// with the smallest pledges holds no more than `most_pledges` says (and nearly as many), on
/// every word size; so a fold with that many pledge slots never runs out before the flash.
#[test]
fn most_pledges_bounds_what_a_region_holds() {
    use ledger_core::flash::{MIN_PLEDGE_FRAME, most_pledges};
    let smallest = |seq| Record {
        seq,
        entry: Entry::Pledge(Pledge {
            date: Date::parse("2025-01-01").unwrap(),
            from: PartyId(0),
            to: PartyId(0),
            amount: Amount {
                units: 0,
                commodity: CommodityId(0),
            },
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: None,
            planned: false,
        }),
    };
    let mut frame = [0u8; MAX_FRAME];
    assert_eq!(encode_frame(&smallest(0), &mut frame), Ok(MIN_PLEDGE_FRAME));
    // Every pledge of the example ledger is longer.
    for (record, bytes) in frames() {
        if matches!(record.entry, Entry::Pledge(_)) {
            assert!(bytes.len() >= MIN_PLEDGE_FRAME);
        }
    }
    fn fill<const W: usize>(smallest: &dyn Fn(u32) -> Record) {
        let mut log = FlashLog::format(Mock::<W, 1>::new(), 0, SIZE as u32).unwrap();
        let mut held = 0;
        loop {
            let mut frame = [0u8; MAX_FRAME];
            let len = encode_frame(&smallest(held), &mut frame).unwrap();
            match log.append(&frame[..len]) {
                Ok(()) => held += 1,
                Err(FlashError::Full) => break,
                Err(other) => panic!("{other:?}"),
            }
        }
        let most = most_pledges(SIZE, W);
        assert!(held as usize <= most, "W{W}: {held} > {most}");
        assert!(held as usize + 2 >= most, "W{W}: {held} of {most}");
    }
    fill::<1>(&smallest);
    fill::<4>(&smallest);
    fill::<8>(&smallest);
    fill::<32>(&smallest);
    assert_eq!(most_pledges(SIZE, 0), 0);
}

/// What a boot costs in flash: after a clean tail, the one word of zeros of its first append;
/// after a torn record, a guard word too. Measured as the bytes in use after eight boots, each
/// appending one note.
#[test]
fn a_boot_after_a_clean_tail_costs_one_word() {
    fn boots<const W: usize>() {
        let mut flash = FlashLog::format(Mock::<W, 1>::new(), 0, SIZE as u32)
            .unwrap()
            .into_inner();
        let mut frames = 0;
        for seq in 0..8u32 {
            flash.reboot();
            let (mut log, seen) = reopen(flash);
            assert_eq!(seen.len(), seq as usize);
            assert_eq!(log.tail(), Tail::Clean);
            let frame = note(seq);
            frames += frame.len().div_ceil(W) * W;
            log.append(&frame).unwrap();
            flash = log.into_inner();
        }
        let preamble = 16usize.div_ceil(W) * W;
        // Free space counts out the next boot's closing word, a word it may step over, and the
        // region's last word (its seal) with a guard before it.
        let reserved = 3 * W + W.max(4);
        let used = SIZE - reopen(flash.clone()).0.free() as usize - reserved;
        assert_eq!(used, preamble + frames + 8 * W, "{W}-byte words");

        // A cut in the ninth append leaves a torn record: the next boot's closing word goes
        // past a guard word after it.
        let frame = note(8);
        // Two units: this boot's closing word, and the first word of the frame.
        flash.cut_after(2, 7);
        let (mut log, _) = reopen(flash);
        let cut = log.append(&frame);
        assert!(cut.is_err(), "the power went");
        let mut flash = log.into_inner();
        flash.reboot();
        let (mut log, seen) = reopen(flash);
        assert_eq!(seen.len(), 8);
        let Tail::Torn { offset, len } = log.tail() else {
            panic!("{W}: a torn tail, not {:?}", log.tail());
        };
        let torn_end = (offset + len) as usize;
        let guard = W.max(4);
        let after = note(8);
        log.append(&after).unwrap();
        let (log, seen) = reopen(log.into_inner());
        assert_eq!(seen.len(), 9);
        let used = SIZE - log.free() as usize - reserved;
        assert_eq!(
            used,
            torn_end.div_ceil(W) * W + guard + W + after.len().div_ceil(W) * W,
            "{W}-byte words, after a torn record"
        );
    }
    boots::<4>();
    boots::<8>();
    boots::<16>();
    boots::<32>();
}

/// A cut that touched the word after a clean tail without changing a bit: it reads erased. The
/// next boot's closing word of zeros goes there on flash that takes zeros over it (STM32), and
/// one word further on flash that refuses any second program; the records read the same.
#[test]
fn a_touched_word_after_a_clean_tail_takes_the_closing_zeros_or_is_stepped_over() {
    for (taking_zeros, extra_word) in [(true, 0), (false, 1)] {
        let erased = if taking_zeros {
            Mock::<8, 1>::taking_zeros()
        } else {
            Mock::<8, 1>::new()
        };
        let mut log = FlashLog::format(erased, 0, SIZE as u32).unwrap();
        log.append(&note(0)).unwrap();
        let mut flash = log.into_inner();
        let (log, _) = reopen(flash.clone());
        // Free space counts out the closing word, a word it may step over, and the seal with a
        // guard before it.
        let tail = SIZE - log.free() as usize - 32;
        assert!(flash.memory[tail..tail + 8].iter().all(|&b| b == 0xFF));
        flash.written[tail / 8] = true;
        flash.reboot();
        let (mut log, seen) = reopen(flash);
        assert_eq!((seen.len(), log.tail()), (1, Tail::Clean));
        let frame = note(1);
        log.append(&frame).unwrap();
        let flash = log.into_inner();
        let zeros = tail + 8 * extra_word;
        assert!(
            flash.memory[zeros..zeros + 8].iter().all(|&b| b == 0),
            "taking zeros: {taking_zeros}"
        );
        let (log, seen) = reopen(flash);
        assert_eq!(seen.len(), 2);
        let used = SIZE - log.free() as usize - 32;
        assert_eq!(used, zeros + 8 + frame.len().div_ceil(8) * 8);
    }
}

/// Sequences the proptest found, replayed on every run.
#[test]
fn proptest_findings_replay_clean() {
    // A bit rotted in erased space far past the last record, then a fill cut short at the first
    // word of its last frame, then an append whose closing word that cut touched, with one word
    // left for the frame after it (W16 R16): `free` kept no room for the step over that word.
    run_model(
        4,
        &[
            Op::Reboot,
            Op::Rot { at: 58208, bit: 0 },
            Op::Cut {
                after: 47280,
                seed: 905878366986453468,
            },
            Op::Fill,
            Op::Append(4),
        ],
    );
    // A rotted bit in erased space, then a cut in the first append's closing word (W32 R32).
    run_model(
        5,
        &[
            Op::Rot { at: 33856, bit: 0 },
            Op::Cut {
                after: 1536,
                seed: 0,
            },
            Op::Append(52),
        ],
    );
}

/// A device's fold with room for 8 pledges, 4 parties and 12 rows of settled pledges' totals:
/// one for each pledger (3) with or without the goal (2), fulfilled or cancelled (2).
type Device = ledger_core::slots::FixedPerKind<4, 1, 1, 1, 2, 1, 8, 0, 0, 0, 12>;

/// A desktop's view: room for every pledge.
type Whole = ledger_core::slots::FixedPerKind<4, 1, 1, 1, 2, 1, 2048>;

/// Issue 11, item 4: a device records 2,000 pledges, each fulfilled or cancelled soon after,
/// with a few left open, in a fold of 8 pledges that lets settled ones go, writes them to flash
/// and folds them again after a reboot in the same fixed memory. Its goal's progress and every
/// breakdown are what a reader holding every pledge makes of the dump.
#[test]
#[cfg(feature = "settle")]
fn a_device_folds_any_number_of_pledges_in_fixed_memory() {
    use ledger_core::entry::{Cancel, Goal, GoalId};
    use ledger_core::flash::RamFlash;
    use ledger_core::report::{self, Key, Row, Totals};
    let mut memory = vec![0xFFu8; 256 * 1024];
    let end = memory.len() as u32;
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
        Entry::Party(name("Fund").unwrap()),
        Entry::Party(name("Donor A").unwrap()),
        Entry::Party(name("Donor B").unwrap()),
        Entry::Party(name("Donor C").unwrap()),
        Entry::Goal(Goal {
            date: day(0),
            name: name("Kiosk").unwrap(),
            beneficiary: Some(PartyId(0)),
            target: usd(10_000_000),
            deadline: None,
            memo: None,
        }),
    ];
    let mut seq = entries.len() as u32;
    for i in 0..2_000u32 {
        let units = 100 + i64::from(i % 7);
        entries.push(Entry::Pledge(Pledge {
            date: day(1),
            from: PartyId(1 + i % 3),
            to: PartyId(0),
            amount: usd(units),
            goal: (i % 4 != 0).then_some(GoalId(0)),
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: None,
            planned: false,
        }));
        let pledge = seq;
        seq += 1;
        if [10, 999, 1_500].contains(&i) {
            continue;
        }
        entries.push(if i % 5 == 0 {
            Entry::Cancel(Cancel {
                date: day(2),
                pledge,
                reason: text("withdrawn").unwrap(),
            })
        } else {
            Entry::Fulfil(Fulfil {
                date: day(2),
                pledge,
                amount: usd(units),
                memo: None,
            })
        });
        seq += 1;
    }
    {
        let mut log = FlashLog::format(RamFlash::new(&mut memory), 0, end).unwrap();
        let mut device: State<Device> = State::default();
        for entry in &entries {
            device
                .append(entry.clone(), &mut |frame| log.append(frame))
                .unwrap();
            assert!(device.pledge_count() <= 8 && device.settled().len() <= 12);
        }
    }
    let mut device: State<Device> = State::default();
    FlashLog::open(
        RamFlash::new(&mut memory),
        0,
        end,
        records(|record, _| device.apply(record).unwrap()),
    )
    .unwrap();
    assert_eq!(device.next_seq() as usize, entries.len());
    assert_eq!(device.pledge_count(), 8);
    let mut whole: Box<State<Whole>> = Box::default();
    for record in desktop_view(&memory).1 {
        whole.apply(&record).unwrap();
    }
    assert_eq!(whole.pledge_count(), 2_000);
    let mut totals: [heapless::Vec<Totals, 1>; 2] = Default::default();
    report::goal_totals(&*whole, &mut totals[0]).unwrap();
    report::goal_totals(&device, &mut totals[1]).unwrap();
    assert_eq!(totals[0], totals[1]);
    assert_eq!(totals[0][0].pledges, 1_500);
    for key in Key::ALL {
        let mut rows: [heapless::Vec<Row, 16>; 2] = Default::default();
        report::breakdown(&*whole, key, &mut rows[0]).unwrap();
        report::breakdown(&device, key, &mut rows[1]).unwrap();
        assert_eq!(rows[0], rows[1], "by {}", key.name());
    }
}

/// The two regions of a ledger that continues: the mock's first two pages, then its last two.
const FIRST: (u32, u32) = (0, 2 * PAGE as u32);
const SECOND: (u32, u32) = (2 * PAGE as u32, SIZE as u32);

/// What a device's start-up over the two regions finds: the first region, then, if it is
/// sealed, the second. Every record and its payload, and every damaged frame's place in the
/// two regions taken as one dump (appends cut short and closed later are not damage).
struct Chain<F> {
    log: FlashLog<F>,
    records: Vec<(Record, Vec<u8>)>,
    damaged: Vec<u32>,
}

fn open_chain<F: NorFlash>(flash: F) -> Chain<F> {
    let found = std::cell::RefCell::new((Vec::new(), Vec::new()));
    let seen = |base: u32| {
        let found = &found;
        move |item: Found<'_>| {
            let (records, damaged) = &mut *found.borrow_mut();
            match item {
                Found::Record {
                    record, payload, ..
                } => records.push((record.clone(), payload.to_vec())),
                Found::Damaged {
                    offset,
                    interrupted: false,
                    ..
                } => damaged.push(base + offset),
                // An append cut short and closed by a later boot: recovery, not damage.
                Found::Damaged { .. } => {}
            }
            ControlFlow::Continue(())
        }
    };
    let mut log = FlashLog::open(flash, FIRST.0, FIRST.1, seen(FIRST.0)).unwrap();
    if log.is_sealed().unwrap() {
        log = log
            .open_continuation(SECOND.0, SECOND.1, seen(SECOND.0))
            .unwrap();
    }
    let (records, damaged) = found.into_inner();
    Chain {
        log,
        records,
        damaged,
    }
}

/// The two regions read by the desktop as one dump: its records with their payloads, and its
/// damaged frames' offsets.
fn desktop_chain(memory: &[u8]) -> (Vec<(Record, Vec<u8>)>, Vec<u32>) {
    use ledger_core::scan::{Item, Scanner};
    let mut scanner = Scanner::new(memory).unwrap();
    let (mut records, mut damaged) = (Vec::new(), Vec::new());
    while let Some(item) = scanner.next() {
        match item {
            Item::Record { record, .. } => records.push((record, scanner.payload().to_vec())),
            Item::Damaged { offset, .. } => damaged.push(offset as u32),
            _ => {}
        }
    }
    (records, damaged)
}

/// The Merkle root over payloads, in order.
fn root_of(records: &[(Record, Vec<u8>)]) -> [u8; 32] {
    let mut range = ledger_core::tree::CompactRange::<16>::empty();
    for (_, payload) in records {
        range.push(ledger_core::tree::leaf_hash(payload)).unwrap();
    }
    range.root()
}

/// Issue 11, item 4: a full region continues into another. The first region is sealed (zeros
/// to its end), the numbers go on in the second, a reboot reads both, and the desktop reads the
/// two regions' bytes as one ledger: the same records, the same Merkle root.
#[test]
fn a_full_region_continues_into_another() {
    let mut log = FlashLog::format(MockFlash::new(), FIRST.0, FIRST.1).unwrap();
    let mut seq = 0;
    let mut log = loop {
        match log.append(&note(seq)) {
            Ok(()) => seq += 1,
            Err(FlashError::Full) => break log.continue_into(SECOND.0, SECOND.1).unwrap(),
            Err(other) => panic!("{other:?}"),
        }
    };
    let first = seq;
    assert!(first > 5);
    assert_eq!(log.next_seq(), first);
    loop {
        match log.append(&note(seq)) {
            Ok(()) => seq += 1,
            Err(FlashError::Full) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(
        seq > 2 * first - 2,
        "{seq} records, {first} in the first region"
    );
    let flash = log.into_inner();
    let end = FIRST.1 as usize;
    assert!(
        flash.memory[end - WORD..end].iter().all(|&b| b == 0),
        "sealed"
    );
    let chain = open_chain(flash.clone());
    let seqs: Vec<u32> = chain.records.iter().map(|(r, _)| r.seq).collect();
    assert_eq!(seqs, (0..seq).collect::<Vec<_>>());
    assert!(chain.damaged.is_empty());
    let (desktop, damaged) = desktop_chain(&flash.memory);
    assert_eq!(desktop, chain.records);
    assert!(damaged.is_empty());
    assert_eq!(root_of(&desktop), root_of(&chain.records));

    // The first region, sealed, refuses to continue again (that would erase the second), and
    // a region that overlaps it is refused.
    let mut first_again =
        FlashLog::open(flash.clone(), FIRST.0, FIRST.1, records(|_, _| {})).unwrap();
    assert_eq!(first_again.is_sealed(), Ok(true));
    assert_eq!(first_again.append(&note(seq)), Err(FlashError::Full));
    assert_eq!(
        first_again.continue_into(SECOND.0, SECOND.1).err(),
        Some(FlashError::Sealed)
    );
    let open = FlashLog::open(flash, FIRST.0, FIRST.1, records(|_, _| {})).unwrap();
    assert_eq!(
        open.continue_into(FIRST.0, SECOND.1).err(),
        Some(FlashError::Layout)
    );
}

/// Every power cut while a full region continues into another (the second region's erase,
/// the seal, the first append there), at several geometries, on flash that takes zeros over a
/// word a cut touched and on flash that refuses any second program: the next boot reads every
/// acknowledged record, the device appends again (continuing again if the seal was not
/// finished), and the desktop reads the two regions as the device does.
#[test]
fn every_power_cut_while_a_region_continues() {
    /// Scenarios run, those whose seal was left half written (damage, on both sides), and
    /// those left unsealable (flash that refuses a second program).
    fn cuts<const W: usize, const R: usize>(erased: fn() -> Mock<W, R>) -> [usize; 3] {
        let (full, seq) = full_first_region(erased);
        let mut counts = [0; 3];
        for cut in 0.. {
            let (mut flash, done) = cut_while_continuing(&full, seq, cut);
            let acknowledged = seq + u32::from(done);
            flash.reboot();
            let Chain {
                mut log,
                records: found,
                damaged,
            } = open_chain(flash.clone());
            // A device that found damage reports it, then decides to go on.
            if !damaged.is_empty() {
                log.accept_damage();
            }
            let n = found.len() as u32;
            assert!(
                n == acknowledged || n == acknowledged + 1,
                "W{W} R{R} cut {cut}: {n} of {acknowledged}"
            );
            for (i, (record, _)) in found.iter().enumerate() {
                assert_eq!(record.seq, i as u32, "W{W} R{R} cut {cut}");
            }
            // The device goes on: it appends, and continues first if the seal was not done.
            let frame = note(n);
            if let Err(e) = log.append(&frame) {
                assert_eq!(e, FlashError::Full, "W{W} R{R} cut {cut}");
                let last = (FIRST.1 as usize - W) / W;
                match log.continue_into(SECOND.0, SECOND.1) {
                    Ok(mut next) => {
                        next.append(&frame)
                            .unwrap_or_else(|e| panic!("W{W} R{R} cut {cut}: {e:?}"));
                        log = next;
                    }
                    // Flash that refuses any second program cannot seal over a seal word the
                    // cut touched without changing a bit (docs/EMBEDDED.md): the one failure
                    // allowed here.
                    Err(FlashError::Flash(MockError::WrittenTwice))
                        if !flash.zeros_over_written
                            && flash.written[last]
                            && flash.memory[last * W..(last + 1) * W]
                                .iter()
                                .all(|&b| b == 0xFF) =>
                    {
                        counts[0] += 1;
                        counts[2] += 1;
                        continue;
                    }
                    Err(other) => panic!("W{W} R{R} cut {cut}: {other:?}"),
                }
            }
            let flash = log.into_inner();
            let chain = open_chain(flash.clone());
            assert_eq!(chain.records.len() as u32, n + 1, "W{W} R{R} cut {cut}");
            assert_eq!(chain.log.tail(), Tail::Clean, "W{W} R{R} cut {cut}");
            let (desktop, damaged) = desktop_chain(&flash.memory);
            assert_eq!(desktop, chain.records, "W{W} R{R} cut {cut}");
            // Damage only where the cut left the seal's first byte half written: the erased run
            // before it reads as one damaged frame, at the same place on both sides.
            let seal = &flash.memory[FIRST.1 as usize - W..FIRST.1 as usize];
            if !chain.damaged.is_empty() {
                counts[1] += 1;
                assert!(
                    seal[0] != 0 && seal[0] != 0xFF,
                    "W{W} R{R} cut {cut}: {seal:?}"
                );
                assert!(
                    chain.damaged.iter().all(|at| damaged.contains(at)),
                    "W{W} R{R} cut {cut}: {:?} {damaged:?}",
                    chain.damaged
                );
            }
            counts[0] += 1;
            if done {
                break;
            }
        }
        counts
    }
    let runs = [
        cuts(Mock::<1, 1>::new),
        cuts(Mock::<4, 1>::new),
        cuts(Mock::<2, 8>::new),
        cuts(Mock::<8, 8>::new),
        cuts(Mock::<16, 16>::new),
        cuts(Mock::<32, 32>::new),
        cuts(Mock::<4, 1>::taking_zeros),
        cuts(Mock::<8, 8>::taking_zeros),
        cuts(Mock::<16, 4>::taking_zeros),
        cuts(Mock::<32, 32>::taking_zeros),
    ];
    let total = |i: usize| runs.iter().map(|r| r[i]).sum::<usize>();
    eprintln!(
        "continuation: {} cut scenarios, {} with a half-written seal, {} unsealable",
        total(0),
        total(1),
        total(2)
    );
    assert!(total(0) > 400, "{} scenarios", total(0));
    // Flash that takes zeros over a touched word always seals.
    assert!(runs[6..].iter().all(|r| r[2] == 0));
}

/// A flash whose first region is full of notes, and the number of the next one.
fn full_first_region<const W: usize, const R: usize>(
    erased: fn() -> Mock<W, R>,
) -> (Mock<W, R>, u32) {
    let mut log = FlashLog::format(erased(), FIRST.0, FIRST.1).unwrap();
    let mut seq = 0;
    while log.append(&note(seq)).is_ok() {
        seq += 1;
    }
    (log.into_inner(), seq)
}

/// The device, booted over `full`, continues into the second region and appends record `seq`
/// there, with a power cut after `budget` units: the flash as the cut left it (not rebooted),
/// and whether the continuation and the append were done before it.
fn cut_while_continuing<const W: usize, const R: usize>(
    full: &Mock<W, R>,
    seq: u32,
    budget: usize,
) -> (Mock<W, R>, bool) {
    let shared = Shared::cut_after(full.clone(), budget);
    let log = FlashLog::open(shared.clone(), FIRST.0, FIRST.1, records(|_, _| {})).unwrap();
    let done = log
        .continue_into(SECOND.0, SECOND.1)
        .and_then(|mut next| next.append(&note(seq)));
    let flash = shared.0.borrow().clone();
    (flash, done.is_ok())
}

/// The device going on after a boot over the two regions: it appends record `seq`, continuing
/// into the second region first if the first is full and not sealed. The log it ends with.
fn go_on<F: NorFlash>(flash: F, seq: u32) -> Result<FlashLog<F>, FlashError<F::Error>> {
    let Chain {
        mut log, damaged, ..
    } = open_chain(flash);
    if !damaged.is_empty() {
        log.accept_damage();
    }
    let frame = note(seq);
    match log.append(&frame) {
        Err(FlashError::Full) => {
            let mut next = log.continue_into(SECOND.0, SECOND.1)?;
            next.append(&frame)?;
            Ok(next)
        }
        other => other.map(|()| log),
    }
}

/// Two power cuts: one anywhere in a continuation (erase, seal, first append), and one anywhere
/// in the recovery the next boot makes (its append, continuing again if the seal was not done).
/// A third boot reads every acknowledged record and goes on; the desktop reads what it reads.
#[test]
fn every_pair_of_power_cuts_while_a_region_continues() {
    fn pairs<const W: usize, const R: usize>(erased: fn() -> Mock<W, R>) -> usize {
        let (full, seq) = full_first_region(erased);
        let mut scenarios = 0;
        for first in 0.. {
            let (mut cut_once, done) = cut_while_continuing(&full, seq, first);
            cut_once.reboot();
            let found = open_chain(cut_once.clone()).records.len() as u32;
            for second in 0.. {
                let shared = Shared::cut_after(cut_once.clone(), second);
                let recovered = go_on(shared.clone(), found);
                if matches!(recovered, Err(FlashError::Flash(MockError::WrittenTwice))) {
                    // The documented limit: a seal word touched without a bit changed, on
                    // flash that refuses any second program.
                    assert!(
                        !cut_once.zeros_over_written,
                        "W{W} R{R} cuts {first} {second}"
                    );
                    scenarios += 1;
                    break;
                }
                let mut cut_twice = shared.0.borrow().clone();
                cut_twice.reboot();
                let acknowledged = found + u32::from(recovered.is_ok());
                let before = open_chain(cut_twice.clone()).records.len() as u32;
                assert!(
                    before == acknowledged || before == acknowledged + 1,
                    "W{W} R{R} cuts {first} {second}: {before} of {acknowledged}"
                );
                let log = go_on(cut_twice, before)
                    .unwrap_or_else(|e| panic!("W{W} R{R} cuts {first} {second}: {e:?}"));
                let flash = log.into_inner();
                let chain = open_chain(flash.clone());
                let seqs: Vec<u32> = chain.records.iter().map(|(r, _)| r.seq).collect();
                assert_eq!(
                    seqs,
                    (0..=before).collect::<Vec<_>>(),
                    "W{W} R{R} cuts {first} {second}"
                );
                let (desktop, _) = desktop_chain(&flash.memory);
                assert_eq!(desktop, chain.records, "W{W} R{R} cuts {first} {second}");
                scenarios += 1;
                if recovered.is_ok() {
                    break;
                }
            }
            if done {
                break;
            }
        }
        scenarios
    }
    let scenarios = pairs(Mock::<4, 1>::new) + pairs(Mock::<8, 8>::taking_zeros);
    eprintln!("continuation: {scenarios} pairs of cuts");
    assert!(scenarios > 1_000, "{scenarios} pairs");
}

/// A cut in the last append a region takes, then a boot that finds it full and continues: the
/// torn record, the erased guard before the seal and the seal's `0x00` read as an append cut
/// short (recovery, not damage), on the device as on the desktop. Without the guard appends
/// leave before the seal, that frame would read as damage.
#[test]
fn a_cut_in_the_last_append_before_a_seal_reads_as_one() {
    fn last_append<const W: usize, const R: usize>(erased: fn() -> Mock<W, R>) -> usize {
        // Notes of every length until one more would not fit: the region's last append.
        let mut log = FlashLog::format(erased(), FIRST.0, FIRST.1).unwrap();
        let mut seq = 0;
        while log.free() as usize >= long_note(seq, 256).len().div_ceil(W) * W {
            log.append(&note(seq)).unwrap();
            seq += 1;
        }
        let mut scenarios = 0;
        let mut len = 1;
        // After a boot, as each cut below is.
        let (log, _) = reopen_region(log.into_inner());
        // The longest note that still fits: the last append ends as close to the seal as the
        // frames allow.
        let last = loop {
            let frame = long_note(seq, len + 1);
            if frame.len().div_ceil(W) * W > log.free() as usize {
                break long_note(seq, len);
            }
            len += 1;
        };
        let before = log.into_inner();
        for cut in 0..last.len().div_ceil(W) * W {
            let mut flash = before.clone();
            flash.budget = Some(cut);
            let (mut log, _) = reopen_region(flash);
            assert_eq!(
                log.append(&last),
                Err(FlashError::Flash(MockError::PowerLost)),
                "W{W} cut {cut}"
            );
            let mut flash = log.into_inner();
            flash.reboot();
            let found = open_chain(flash.clone()).records.len() as u32;
            assert_eq!(found, seq, "W{W} cut {cut}");
            let log = go_on(flash, seq).unwrap_or_else(|e| panic!("W{W} cut {cut}: {e:?}"));
            let flash = log.into_inner();
            let chain = open_chain(flash.clone());
            assert_eq!(chain.records.len() as u32, seq + 1, "W{W} cut {cut}");
            assert!(
                chain.damaged.is_empty(),
                "W{W} cut {cut}: {:?}",
                chain.damaged
            );
            let (desktop, _) = desktop_chain(&flash.memory);
            assert_eq!(desktop, chain.records, "W{W} cut {cut}");
            scenarios += 1;
        }
        scenarios
    }
    let scenarios = last_append(Mock::<1, 1>::new)
        + last_append(Mock::<4, 1>::new)
        + last_append(Mock::<8, 8>::taking_zeros)
        + last_append(Mock::<32, 32>::new);
    eprintln!("continuation: {scenarios} cuts in a region's last append");
    assert!(scenarios > 100, "{scenarios}");
}

/// The first region opened, as at a boot.
fn reopen_region<const W: usize, const R: usize>(
    flash: Mock<W, R>,
) -> (FlashLog<Mock<W, R>>, usize) {
    let mut found = 0;
    let log = FlashLog::open(flash, FIRST.0, FIRST.1, records(|_, _| found += 1)).unwrap();
    (log, found)
}

/// A note about nothing whose text is `len` letters.
fn long_note(seq: u32, len: usize) -> Vec<u8> {
    let record = Record {
        seq,
        entry: Entry::Note(Note {
            date: day(1),
            about: None,
            text: text(&"n".repeat(len)).unwrap(),
        }),
    };
    let mut frame = [0u8; MAX_FRAME];
    let n = encode_frame(&record, &mut frame).unwrap();
    frame[..n].to_vec()
}
