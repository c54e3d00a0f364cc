//! Random operation sequences on a flash log, checked against a model: format, append, fill
//! the region (and, when it is full, continue into a second region and fill that), reboot,
//! power cuts armed to fire after any amount of work (in an append, in the recovery of the
//! first append after a boot, in a format's erase or preamble, in a continuation's erase or
//! seal), and bit rot at rest. Shared by the proptest in `flash.rs` and the `flash_model` fuzz
//! target; a broken invariant panics with the step and what differed.
//!
//! The model: the records whose append returned `Ok`, by sequence number, and the one in
//! flight when the power went. After every boot the device must read exactly those, perhaps
//! plus the one in flight (complete); never a record nobody appended, never a damaged frame
//! unless a bit rotted; the desktop scanner must read the same bytes the same way; appends must
//! go on (after damage, once accepted) with numbers never reused; a refused append must write
//! nothing; and no word is ever programmed twice (the mock refuses, as ECC flash does).

use std::ops::ControlFlow;

use ledger_core::Date;
use ledger_core::entry::{Entry, Note, Record, text};
use ledger_core::flash::{FlashError, FlashLog, Found, Tail};
use ledger_core::record::{MAX_FRAME, PREAMBLE_LEN, encode_frame};
use ledger_core::scan::{Item, Scanner};

use embedded_storage::nor_flash::NorFlash;

use super::mock_flash::{CAPACITY, MockError, SIZE, Shared};

/// The ledger's regions: it starts in the first and, when that is full, goes on in the second.
const FIRST: (u32, u32) = (0, SIZE as u32);
const SECOND: (u32, u32) = (SIZE as u32, CAPACITY as u32);

/// One step of a sequence.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// Append a note whose text has `1 + len % 60` characters.
    Append(u8),
    /// Append notes until the region is full.
    Fill,
    /// Power off and on, then open.
    Reboot,
    /// Cut the power after `after % 512` more units of work (a byte programmed, a page
    /// erased); `seed` decides what the cut leaves of the byte or page in flight.
    Cut { after: u16, seed: u64 },
    /// Format the region again.
    Format,
    /// With the power off, flip bit `bit % 8` of the byte at `at` (past the preamble).
    Rot { at: u16, bit: u8 },
}

impl Op {
    /// An operation from fuzzer bytes (four of them).
    pub fn from_bytes(bytes: &[u8]) -> Option<Op> {
        let (&kind, rest) = bytes.split_first()?;
        let a = u16::from_le_bytes([*rest.first()?, *rest.get(1)?]);
        let b = *rest.get(2)?;
        let seed = u64::from(a) << 32 | u64::from(b) << 8 | 0x5DEE_CE66;
        Some(match kind % 8 {
            0..=2 => Op::Append(b),
            3 => Op::Fill,
            4 => Op::Reboot,
            5 => Op::Cut { after: a, seed },
            6 => Op::Format,
            _ => Op::Rot { at: a, bit: b },
        })
    }
}

/// How often a run took the paths that matter, so a test can show they are reached.
#[derive(Debug, Default, Clone, Copy)]
pub struct Coverage {
    /// Cuts that fired in an append (the recovery of a first append after a boot included).
    pub append_cuts: usize,
    /// Cuts that fired in a format.
    pub format_cuts: usize,
    /// Boots that found a cut format and redid it.
    pub formats_redone: usize,
    /// Boots that found a cut format had left the old ledger.
    pub old_ledgers: usize,
    /// Boots that found a torn tail.
    pub torn_tails: usize,
    /// Boots that reported damage after rot.
    pub damage_reported: usize,
    /// Appends refused because the region was full.
    pub full: usize,
    /// Continuations into the second region that completed.
    pub continued: usize,
    /// Cuts that fired in a continuation (the second region's erase, the seal).
    pub continue_cuts: usize,
    /// Boots that read the ledger over both regions.
    pub chained_boots: usize,
}

impl std::ops::AddAssign for Coverage {
    fn add_assign(&mut self, other: Coverage) {
        self.append_cuts += other.append_cuts;
        self.format_cuts += other.format_cuts;
        self.formats_redone += other.formats_redone;
        self.old_ledgers += other.old_ledgers;
        self.torn_tails += other.torn_tails;
        self.damage_reported += other.damage_reported;
        self.full += other.full;
        self.continued += other.continued;
        self.continue_cuts += other.continue_cuts;
        self.chained_boots += other.chained_boots;
    }
}

/// What the device read at a boot.
struct Boot {
    records: Vec<Record>,
    damaged: Vec<u32>,
    damage_count: u32,
    tail: Tail,
}

/// The expected ledger.
#[derive(Default)]
struct Model {
    /// Acknowledged records by sequence number; `None` for a number lost to rot.
    acked: Vec<Option<Record>>,
    /// Every record ever acknowledged, by number: a bit that rots back can bring one back.
    history: Vec<Option<Record>>,
    /// The record whose append the power cut.
    in_flight: Option<Record>,
    /// A bit rotted since the last boot.
    rotted: bool,
    /// A format was cut: the region may read as that format redone or as what it held.
    format_cut: bool,
    /// Damaged frames reported (and accepted) so far.
    damage: u32,
    /// The last boot found a torn tail, and no append has closed it since.
    torn: bool,
    /// A cut fired while that torn tail was being closed: the tail, longer now, may read as a
    /// damaged frame (longer than any frame can be), which takes a number.
    torn_recovery_cut: bool,
}

impl Model {
    /// Checks that every record read is one that was appended, with its own number.
    fn all_appended(&self, read: &[Record], at: &dyn Fn() -> String) {
        for record in read {
            assert_eq!(
                self.history.get(record.seq as usize),
                Some(&Some(record.clone())),
                "{}",
                at()
            );
        }
    }

    /// A record acknowledged (or found complete after a cut).
    fn ack(&mut self, record: Record) {
        let seq = record.seq as usize;
        if self.history.len() <= seq {
            self.history.resize(seq + 1, None);
        }
        self.history[seq] = Some(record.clone());
        self.acked.push(Some(record));
    }
}

/// Runs `ops` on a freshly formatted `W`-byte-word, `R`-byte-read mock that takes zeros over a
/// word written before (`taking_zeros`, as STM32's ECC flash does) or refuses every second
/// program; panics on a broken invariant. Returns which paths it took.
pub fn run_on<const W: usize, const R: usize>(ops: &[Op], taking_zeros: bool) -> Coverage {
    let flash = Shared::<W, R>::default();
    flash.0.borrow_mut().zeros_over_written = taking_zeros;
    let mut log = Some(format_chain(&flash).expect("first format"));
    let mut model = Model::default();
    let mut cov = Coverage::default();
    let mut rotten = std::collections::HashSet::new();
    for (step, op) in ops.iter().enumerate() {
        let at = |what: &str| format!("W{W} R{R} step {step} {op:?}: {what}");
        match *op {
            Op::Cut { after, seed } => {
                flash
                    .0
                    .borrow_mut()
                    .cut_after(usize::from(after % 512), seed);
            }
            Op::Reboot => {
                drop(log.take());
                log = Some(boot(&flash, &mut model, &mut cov, &at));
            }
            Op::Rot { at: offset, bit } => {
                let offset = PREAMBLE_LEN + usize::from(offset) % (CAPACITY - PREAMBLE_LEN);
                // Not in the first region's seal or the guard before it: known limits
                // (docs/EMBEDDED.md). There the device and the desktop part ways at the regions'
                // boundary, and rot read as a torn tail before the seal reads as damage after.
                let guard = W.max(4);
                if (SIZE - W - guard..SIZE).contains(&offset) || !rotten.insert(offset) {
                    // Rot does not undo itself: a second flip of a byte would bring back a
                    // record whose number an append has since reused (a record whose
                    // delimiter rotted reads as an append cut short; nothing can tell).
                    continue;
                }
                drop(log.take());
                flash.0.borrow_mut().memory[offset] ^= 1 << (bit % 8);
                model.rotted = true;
                log = Some(boot(&flash, &mut model, &mut cov, &at));
            }
            Op::Format => {
                drop(log.take());
                match format_chain(&flash) {
                    Ok(formatted) => {
                        model = Model::default();
                        log = Some(formatted);
                    }
                    Err(FlashError::Flash(MockError::PowerLost)) => {
                        cov.format_cuts += 1;
                        model.format_cut = true;
                        log = Some(boot(&flash, &mut model, &mut cov, &at));
                    }
                    Err(other) => panic!("{}", at(&format!("format: {other:?}"))),
                }
            }
            Op::Append(_) | Op::Fill => {
                let (rounds, len) = match *op {
                    Op::Append(len) => (1, len),
                    _ => (400, step as u8),
                };
                let mut current = log
                    .take()
                    .unwrap_or_else(|| boot(&flash, &mut model, &mut cov, &at));
                for _ in 0..rounds {
                    let (back, appended) = append(
                        current,
                        &flash,
                        &mut model,
                        &mut cov,
                        taking_zeros,
                        len,
                        &at,
                    );
                    let back = match appended {
                        Appended::Yes => {
                            model.torn = false;
                            back
                        }
                        Appended::Full => {
                            cov.full += 1;
                            current = back.expect("the log after a refused append");
                            break;
                        }
                        Appended::PowerLost | Appended::ContinueCut | Appended::Unsealable => {
                            if matches!(appended, Appended::PowerLost) {
                                cov.append_cuts += 1;
                            }
                            model.torn_recovery_cut |= model.torn;
                            drop(back);
                            current = boot(&flash, &mut model, &mut cov, &at);
                            break;
                        }
                    };
                    current = back.expect("the log after an append");
                }
                log = Some(current);
            }
        }
    }
    // Whatever happened, the region reads back as the model says.
    drop(log.take());
    drop(boot(&flash, &mut model, &mut cov, &|what| {
        format!("W{W} R{R} at the end: {what}")
    }));
    cov
}

enum Appended {
    Yes,
    Full,
    PowerLost,
    /// The power went while the ledger continued into the second region.
    ContinueCut,
    /// Flash that refuses any second program could not seal over a seal word a cut touched
    /// without changing a bit (docs/EMBEDDED.md, a known limit).
    Unsealable,
}

/// Erases the second region, then formats the first: a new ledger over the chain.
fn format_chain<const W: usize, const R: usize>(
    flash: &Shared<W, R>,
) -> Result<FlashLog<Shared<W, R>>, FlashError<MockError>> {
    let mut second = flash.clone();
    second
        .erase(SECOND.0, SECOND.1)
        .map_err(FlashError::Flash)?;
    FlashLog::format(flash.clone(), FIRST.0, FIRST.1)
}

/// A note with `1 + len % 60` characters of text, numbered `seq`, and its frame.
pub fn note(seq: u32, len: u8) -> (Record, Vec<u8>) {
    let words = "the pledge was met in full ".repeat(3);
    let record = Record {
        seq,
        entry: Entry::Note(Note {
            date: Date::parse("2025-10-28").unwrap(),
            about: None,
            text: text(&words[..1 + usize::from(len) % 60]).unwrap(),
        }),
    };
    let mut frame = [0u8; MAX_FRAME];
    let n = encode_frame(&record, &mut frame).unwrap();
    (record, frame[..n].to_vec())
}

/// Appends the next note; when the first region is full, continues into the second and
/// appends it there. The log back, unless the power went.
#[allow(clippy::too_many_arguments)]
fn append<const W: usize, const R: usize>(
    mut log: FlashLog<Shared<W, R>>,
    flash: &Shared<W, R>,
    model: &mut Model,
    cov: &mut Coverage,
    taking_zeros: bool,
    len: u8,
    at: &dyn Fn(&str) -> String,
) -> (Option<FlashLog<Shared<W, R>>>, Appended) {
    let seq = log.next_seq();
    assert_eq!(seq as usize, model.acked.len(), "{}", at("the next number"));
    let (record, frame) = note(seq, len);
    let before = flash.0.borrow().memory.clone();
    let free = log.free();
    match log.append(&frame) {
        Ok(()) => {
            model.ack(record);
            (Some(log), Appended::Yes)
        }
        Err(FlashError::Full) => {
            assert_eq!(
                flash.0.borrow().memory,
                before,
                "{}",
                at("a refused append wrote")
            );
            let padded = frame.len().div_ceil(W) * W;
            assert!((free as usize) < padded, "{}", at("refused with room"));
            if log.region() != FIRST {
                return (Some(log), Appended::Full);
            }
            match log.continue_into(SECOND.0, SECOND.1) {
                Ok(mut next) => {
                    cov.continued += 1;
                    // The seal ends a torn tail before it as an append cut short.
                    model.torn = false;
                    match next.append(&frame) {
                        Ok(()) => {
                            model.ack(record);
                            (Some(next), Appended::Yes)
                        }
                        Err(FlashError::Flash(MockError::PowerLost)) => {
                            model.in_flight = Some(record);
                            (None, Appended::PowerLost)
                        }
                        Err(other) => {
                            panic!("{}", at(&format!("append after continuing: {other:?}")))
                        }
                    }
                }
                Err(FlashError::Flash(MockError::PowerLost)) => {
                    cov.continue_cuts += 1;
                    (None, Appended::ContinueCut)
                }
                Err(FlashError::Flash(MockError::WrittenTwice)) if !taking_zeros => {
                    (None, Appended::Unsealable)
                }
                Err(other) => panic!("{}", at(&format!("continue: {other:?}"))),
            }
        }
        Err(FlashError::Flash(MockError::PowerLost)) => {
            model.in_flight = Some(record);
            (None, Appended::PowerLost)
        }
        Err(other) => panic!("{}", at(&format!("append: {other:?}"))),
    }
}

/// Power back on and open; checks what the device reads against the model and the desktop,
/// then brings the model up to date.
fn boot<const W: usize, const R: usize>(
    flash: &Shared<W, R>,
    model: &mut Model,
    cov: &mut Coverage,
    at: &dyn Fn(&str) -> String,
) -> FlashLog<Shared<W, R>> {
    flash.0.borrow_mut().reboot();
    let mut read = Boot {
        records: Vec::new(),
        damaged: Vec::new(),
        damage_count: 0,
        tail: Tail::Clean,
    };
    // The start-up a device runs: open, or format a region that holds no ledger; then, if it is
    // sealed, the second region.
    let opened = FlashLog::open_or_format(flash.clone(), FIRST.0, FIRST.1, |found| {
        match found {
            Found::Record { record, .. } => read.records.push(record.clone()),
            Found::Damaged { offset, .. } => read.damaged.push(offset),
        }
        ControlFlow::Continue(())
    });
    let mut log = opened.unwrap_or_else(|e| panic!("{}", at(&format!("open: {e:?}"))));
    if log.formatted() {
        // Only a format cut at its first page or preamble is redone: never a ledger lost.
        assert!(model.format_cut, "{}", at("formatted a ledger over"));
        cov.formats_redone += 1;
        *model = Model::default();
        return log;
    }
    read.damage_count = log.damage().count;
    let first_tail = log.tail();
    let sealed = log
        .is_sealed()
        .unwrap_or_else(|e| panic!("{}", at(&format!("is_sealed: {e:?}"))));
    if sealed {
        cov.chained_boots += 1;
        log = log
            .open_continuation(SECOND.0, SECOND.1, |found| {
                match found {
                    Found::Record { record, .. } => read.records.push(record.clone()),
                    Found::Damaged { offset, .. } => read.damaged.push(SECOND.0 + offset),
                }
                ControlFlow::Continue(())
            })
            .unwrap_or_else(|e| panic!("{}", at(&format!("open the second region: {e:?}"))));
        read.damage_count += log.damage().count;
    }
    read.tail = log.tail();

    // The desktop reads the dump the same way: the first region, and the second after it when
    // the first is sealed.
    let memory = flash.0.borrow().memory.clone();
    let used = if sealed { &memory[..] } else { &memory[..SIZE] };
    let mut desktop_records = Vec::new();
    let mut desktop_damaged = Vec::new();
    for item in Scanner::new(used).expect("the preamble the device accepted") {
        match item {
            Item::Record { record, .. } => desktop_records.push(record),
            Item::Damaged { offset, .. } => desktop_damaged.push(offset as u32),
            _ => {}
        }
    }
    if let (true, Tail::Torn { offset, .. }) = (sealed, first_tail) {
        // A torn tail before a seal cut short: the desktop reads one frame across the regions'
        // boundary (an append cut short once the second region's first append closes it past a
        // guard; damage if a bit rotted there first), where the device reads a torn tail, then
        // the second region from its start (docs/EMBEDDED.md, a known limit).
        desktop_damaged.retain(|&d| d != offset);
        read.damaged.retain(|&d| d != SECOND.0);
    }
    let seal = &memory[SIZE - W..SIZE];
    if sealed
        && seal.contains(&0xFF)
        && read.damaged.contains(&SECOND.0)
        && !desktop_damaged.contains(&SECOND.0)
        && let Some(across) = desktop_damaged.iter().rposition(|&d| d < SECOND.0)
    {
        // A seal a cut left part-written ends in erased bytes, which the desktop joins to the
        // second region's first frame, where the device reads each region to its end
        // (docs/EMBEDDED.md, a known limit). When a bit rotted there, the desktop reports one
        // damaged frame from the first region: from the seal's last 0x00, where the device
        // reports it from the second region's start; or, with no 0x00 in the seal, from the
        // first region's last frame, which the device reports as well as the second's first.
        if read.damaged.contains(&desktop_damaged[across]) {
            read.damaged.retain(|&d| d != SECOND.0);
        } else {
            desktop_damaged[across] = SECOND.0;
        }
    }
    assert_eq!(desktop_records, read.records, "{}", at("desktop records"));
    assert_eq!(desktop_damaged, read.damaged, "{}", at("desktop damage"));

    if model.format_cut {
        // A format cut while a later page was erased: what the region held, its end damaged.
        // Every record read is one that was appended; then the caller formats again.
        model.all_appended(&read.records, &|| at("a record after a cut format"));
        let log = format_chain(flash)
            .unwrap_or_else(|e| panic!("{}", at(&format!("format again: {e:?}"))));
        *model = Model::default();
        cov.old_ledgers += 1;
        return log;
    }

    let mut expected: Vec<Record> = model.acked.iter().flatten().cloned().collect();
    if let Some(record) = model.in_flight.take()
        && read.records.len() == expected.len() + 1
    {
        // The append in flight was complete when the power went: it is in the ledger.
        expected.push(record.clone());
        model.ack(record);
    }
    if matches!(read.tail, Tail::Torn { .. }) {
        cov.torn_tails += 1;
    }
    if model.rotted {
        if read.damage_count > model.damage {
            cov.damage_reported += 1;
        }
        // Every record read is one that was appended, with its own number; a record not read
        // is reported damaged, or it was the last and reads as an append cut short.
        model.all_appended(&read.records, &|| at("a record after rot"));
        let lost = expected.len() - read.records.len().min(expected.len());
        assert!(
            lost == 0 || read.damage_count > 0 || matches!(read.tail, Tail::Torn { .. }),
            "{}",
            at("a record lost without a report")
        );
        let next = log.next_seq() as usize;
        assert!(
            read.records.last().is_none_or(|r| (r.seq as usize) < next),
            "{}",
            at("a number reused")
        );
        // From here on the device's reading is the baseline.
        model.acked = vec![None; next];
        for record in &read.records {
            model.acked[record.seq as usize] = Some(record.clone());
        }
        model.damage = read.damage_count;
        model.rotted = false;
    } else {
        if model.torn_recovery_cut && read.damage_count == model.damage + 1 {
            model.damage += 1;
            model.acked.push(None);
        }
        assert_eq!(read.records, expected, "{}", at("the records read"));
        assert_eq!(read.damage_count, model.damage, "{}", at("damage count"));
        assert_eq!(
            log.next_seq() as usize,
            model.acked.len(),
            "{}",
            at("the next number")
        );
    }
    model.torn = matches!(read.tail, Tail::Torn { .. })
        || (sealed && matches!(first_tail, Tail::Torn { .. }));
    model.torn_recovery_cut = false;
    if log.damage().count > 0 {
        // Appending waits for the caller's decision, writing nothing; then goes on.
        let (_, frame) = note(log.next_seq(), 0);
        assert_eq!(
            log.append(&frame),
            Err(FlashError::Damaged),
            "{}",
            at("append after damage")
        );
        assert_eq!(
            flash.0.borrow().memory,
            memory,
            "{}",
            at("a refused append wrote")
        );
        log.accept_damage();
    }
    log
}

/// Boots the region and checks that it reads as exactly `acked` (the model's checks, for a
/// test that shows they can fail).
pub fn expect_records<const W: usize, const R: usize>(flash: &Shared<W, R>, acked: Vec<Record>) {
    let mut model = Model::default();
    for record in acked {
        model.ack(record);
    }
    let mut cov = Coverage::default();
    drop(boot(flash, &mut model, &mut cov, &|what| {
        format!("expect_records: {what}")
    }));
}
