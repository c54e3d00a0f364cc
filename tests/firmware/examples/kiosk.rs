//! A device builder's firmware for a board: QEMU's `lm3s6965evb` (a TI Stellaris Cortex-M3).
//! It shows the whole life of a ledger on a device, with the API as a device uses it:
//!
//! 1. the board's own NOR flash driver (`BoardFlash`: 8-byte double words and 2 KiB pages, and
//!    the rules of ECC flash: a double word is programmed once between erases);
//! 2. start-up with `FlashLog::open_or_format`, folding every record into a fixed-size
//!    `State` and hashing it into the Merkle tree, damage reported and accepted explicitly;
//! 3. entries built from text with `compose` (names and currencies declared on first use, ids
//!    returned) and appended through the fold's checked append, which hands each frame to the
//!    log;
//! 4. a day of gifts at the kiosk, each pledged and paid on the spot: 100 pledges through a fold
//!    that holds 4, each settled one leaving memory for a row of totals (the `settle` feature),
//!    and more records than the first region holds: it is sealed and the ledger goes on in the
//!    second, the start-up opening both;
//! 5. a reboot: the same start-up, which finds the records, then one more append (the first
//!    after a boot, which closes whatever a power cut may have left);
//! 6. the goal report and the Merkle root printed, and the region written to the host, where
//!    `tests/firmware/run.sh` audits it with `pledge audit` and checks the root the device
//!    printed against `pledge head`.
//!
//!   cargo run --release --example kiosk --target thumbv7m-none-eabi   (from tests/firmware)
#![no_std]
#![no_main]

use core::ops::ControlFlow;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln, syscall};
use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use ledger_core::Date;
use ledger_core::amount::Decimal;
use ledger_core::compose::{self, ComposeError};
use ledger_core::entry::{
    Entry, Fulfil, Goal, GoalId, Note, Open, PartyId, Pledge, ProjectId, Tags,
};
use ledger_core::flash::{FlashError, FlashLog, Found};
use ledger_core::report::{self, Totals};
use ledger_core::slots::FixedPerKind;
use ledger_core::state::AppendError;
use ledger_core::state::{NameKind, State};
use ledger_core::tree::{CompactRange, leaf_hash};

/// What the fold has room for on this device: 8 parties, 4 projects, no sectors or tags, 2
/// commodities, 2 goals, 4 pledges, 16 events, no rates or renames, and 2 rows of settled
/// pledges' totals. Four pledges are enough for any number of them as long as at most four
/// are open at once (here the framework's three and the gift being paid): a settled one leaves
/// memory when a new one needs its room. Capacities are the device's choice; a record beyond
/// them is refused before anything is written (docs/EMBEDDED.md sizes them).
type Tables = FixedPerKind<8, 4, 0, 0, 2, 2, 4, 16, 0, 0, 2>;

/// The gifts made at the kiosk on its first day: more than the first region holds.
const GIFTS: u32 = 100;

/// The Merkle tree's state: 10 levels, up to 1,023 records (more than 8 KiB of flash holds).
type Tree = CompactRange<10>;

/// The flash: four 2 KiB pages, in two regions of two pages. The ledger starts in the first
/// and, when it is full, goes on in the second (`FlashLog::continue_into`).
const PAGE: usize = 2048;
const REGION: usize = 4 * PAGE;
const REGIONS: [(u32, u32); 2] = [(0, 2 * PAGE as u32), (2 * PAGE as u32, REGION as u32)];

/// Where the region is written on the host (relative to QEMU's working directory).
const DUMP: &str = "kiosk-dump.pledge\0";

#[entry]
fn main() -> ! {
    let status = match run() {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(why) => {
            hprintln!("kiosk: FAILED: {}", why);
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Every error the example meets, as a device might gather them (each core error implements
/// `Display` and `core::error::Error`).
#[derive(Debug)]
enum Failure {
    Flash(FlashError<BoardFlashError>),
    Compose(ComposeError<FlashError<BoardFlashError>>),
    Append(AppendError<FlashError<BoardFlashError>>),
    Ledger(ledger_core::LedgerError),
    Input(ledger_core::InputError),
    Check(&'static str),
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::Flash(e) => write!(f, "{e}"),
            Failure::Compose(e) => write!(f, "{e}"),
            Failure::Append(e) => write!(f, "{e}"),
            Failure::Ledger(e) => write!(f, "{e}"),
            Failure::Input(e) => write!(f, "{e}"),
            Failure::Check(e) => f.write_str(e),
        }
    }
}

impl From<FlashError<BoardFlashError>> for Failure {
    fn from(e: FlashError<BoardFlashError>) -> Self {
        Failure::Flash(e)
    }
}
impl From<ComposeError<FlashError<BoardFlashError>>> for Failure {
    fn from(e: ComposeError<FlashError<BoardFlashError>>) -> Self {
        Failure::Compose(e)
    }
}
impl From<AppendError<FlashError<BoardFlashError>>> for Failure {
    fn from(e: AppendError<FlashError<BoardFlashError>>) -> Self {
        Failure::Append(e)
    }
}
impl From<ledger_core::LedgerError> for Failure {
    fn from(e: ledger_core::LedgerError) -> Self {
        Failure::Ledger(e)
    }
}
impl From<ledger_core::InputError> for Failure {
    fn from(e: ledger_core::InputError) -> Self {
        Failure::Input(e)
    }
}

fn run() -> Result<(), Failure> {
    let mut flash = BoardFlash::take();

    // First boot: the region is erased, so the start-up formats it.
    let mut state = State::<Tables>::default();
    let mut tree = Tree::empty();
    let mut log = start_up(&mut flash, &mut state, &mut tree)?;
    if !log.formatted() {
        return Err(Failure::Check("an erased region was not formatted"));
    }
    record_the_framework(&mut log, &mut state)?;
    let log = record_the_gifts(log, &mut state)?;
    hprintln!(
        "kiosk: recorded {} records; pledges held: {}, rows of settled totals: {}",
        state.next_seq(),
        state.pledge_count(),
        state.settled().len()
    );
    // Power off: the log gives the flash back.
    log.into_inner();

    // A reboot: the state is rebuilt from the flash alone.
    let recorded = state.next_seq();
    let mut state = State::<Tables>::default();
    let mut tree = Tree::empty();
    let mut log = start_up(&mut flash, &mut state, &mut tree)?;
    if log.formatted() || state.next_seq() != recorded {
        return Err(Failure::Check("the reboot did not find every record"));
    }
    print_report(&state)?;
    // The first append after a boot: it closes whatever a cut may have left, then records.
    let mut sink = |frame: &[u8]| log.append(frame);
    state.append(
        Entry::Note(Note {
            date: Date::parse("2025-10-29")?,
            about: None,
            text: ledger_core::entry::text("recorded at the kiosk after a reboot")?,
        }),
        &mut sink,
    )?;
    // Power off: the log gives the flash back.
    log.into_inner();

    // A last boot, to show what an auditor will get.
    let mut state = State::<Tables>::default();
    let mut tree = Tree::empty();
    let log = start_up(&mut flash, &mut state, &mut tree)?;
    print_report(&state)?;
    hprintln!(
        "kiosk: {} records, Merkle root {}",
        tree.size(),
        Hex(&tree.root())
    );
    // Power off: the log gives the flash back.
    log.into_inner();
    dump(flash.cells)
}

/// The device's start-up: open the ledger (or format an empty first region), and the next
/// region while the one opened is sealed; fold every record and hash it into the tree; damage
/// is reported, then accepted so that appends may go on.
fn start_up<'f>(
    flash: &'f mut BoardFlash,
    state: &mut State<Tables>,
    tree: &mut Tree,
) -> Result<FlashLog<&'f mut BoardFlash>, Failure> {
    let mut refused = None;
    let mut on_item = |found: Found<'_>| match found {
        Found::Record {
            record, payload, ..
        } => {
            let folded = match state.apply(record) {
                Ok(()) => tree
                    .push(leaf_hash(payload))
                    .map_err(|_| Failure::Check("the Merkle tree is full")),
                Err(e) => Err(Failure::Ledger(e)),
            };
            match folded {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    refused = Some(e);
                    ControlFlow::Break(())
                }
            }
        }
        Found::Damaged {
            offset,
            interrupted,
            error,
            ..
        } => {
            if interrupted {
                hprintln!("kiosk: an append cut short at {} (recovered)", offset);
            } else {
                hprintln!("kiosk: damaged record at {}: {}", offset, error);
            }
            ControlFlow::Continue(())
        }
    };
    let (start, end) = REGIONS[0];
    let mut log = FlashLog::open_or_format(flash, start, end, &mut on_item);
    for &(start, end) in &REGIONS[1..] {
        let mut open = match log {
            Ok(open) => open,
            Err(_) => break,
        };
        if !open.is_sealed()? {
            log = Ok(open);
            break;
        }
        log = open.open_continuation(start, end, &mut on_item);
    }
    if let Some(e) = refused {
        return Err(e);
    }
    let mut log = log?;
    if log.damage().count > 0 {
        // The device has reported the damage (above); its ledger goes on after it.
        log.accept_damage();
    }
    Ok(log)
}

/// Appends `entry` through the fold's checked append; when the region is full, the ledger goes
/// on in the next region (this one sealed), and the entry with it.
fn append_or_continue<'f>(
    mut log: FlashLog<&'f mut BoardFlash>,
    state: &mut State<Tables>,
    entry: Entry,
) -> Result<FlashLog<&'f mut BoardFlash>, Failure> {
    match state.append(entry.clone(), &mut |frame: &[u8]| log.append(frame)) {
        Ok(_) => Ok(log),
        Err(AppendError::Sink(FlashError::Full)) => {
            // The next region is the one after the region the log is in.
            let &(start, end) = REGIONS
                .iter()
                .skip_while(|&&region| region != log.region())
                .nth(1)
                .ok_or(Failure::Check("the last region is full"))?;
            let mut next = log.continue_into(start, end)?;
            hprintln!(
                "kiosk: region full; sealed, the ledger goes on at {}",
                start
            );
            state.append(entry, &mut |frame: &[u8]| next.append(frame))?;
            Ok(next)
        }
        Err(e) => Err(e.into()),
    }
}

/// The framework of 2025-10-28 (the source article): a goal of USD 550bn, and the projects
/// announced that evening, built from text the way a kiosk's form would give it.
fn record_the_framework(
    log: &mut FlashLog<&mut BoardFlash>,
    state: &mut State<Tables>,
) -> Result<(), Failure> {
    let mut sink = |frame: &[u8]| log.append(frame);
    let tokyo = Date::parse("2025-10-28")?;
    state.append(
        Entry::Open(Open {
            origin: ledger_core::entry::name("kiosk.example/tokyo-1")?,
        }),
        &mut sink,
    )?;
    // Names (and well-known currencies) are declared on first use; the ids come back.
    let japan = compose::name(state, NameKind::Party, "Japan", &mut sink)?;
    let us = compose::name(state, NameKind::Party, "United States", &mut sink)?;
    let target = compose::amount(state, "550bn USD", &mut sink)?;
    // Goals are numbered in the order they are recorded: this one is the next.
    let goal = GoalId(state.goals().len() as u32);
    state.append(
        Entry::Goal(Goal {
            date: tokyo,
            name: ledger_core::entry::name("US-Japan framework")?,
            beneficiary: Some(PartyId(us)),
            target,
            deadline: None,
            memo: None,
        }),
        &mut sink,
    )?;
    for (project, amount) in [
        ("Westinghouse nuclear", "100bn USD"),
        ("GE Vernova nuclear", "100bn USD"),
        ("announced projects, other", "290bn USD"),
    ] {
        let project = compose::name(state, NameKind::Project, project, &mut sink)?;
        let amount = compose::amount(state, amount, &mut sink)?;
        state.append(
            Entry::Pledge(Pledge {
                date: tokyo,
                from: PartyId(japan),
                to: PartyId(us),
                amount,
                goal: Some(goal),
                project: Some(ProjectId(project)),
                sector: None,
                tags: Tags::new(),
                due: None,
                memo: None,
                planned: false,
            }),
            &mut sink,
        )?;
    }
    Ok(())
}

/// A day of gifts: each visitor pledges USD 25 toward the goal and pays it on the spot. The
/// fold holds four pledges; each gift, once paid, leaves memory when the next one comes, its
/// figures added to the settled row of visitors' paid gifts.
fn record_the_gifts<'f>(
    mut log: FlashLog<&'f mut BoardFlash>,
    state: &mut State<Tables>,
) -> Result<FlashLog<&'f mut BoardFlash>, Failure> {
    let mut sink = |frame: &[u8]| log.append(frame);
    let day = Date::parse("2025-10-29")?;
    let visitors = compose::name(state, NameKind::Party, "Kiosk visitors", &mut sink)?;
    let amount = compose::amount(state, "25 USD", &mut sink)?;
    let us = state
        .find_name(NameKind::Party, "United States")
        .ok_or(Failure::Check("the beneficiary is not declared"))?;
    for _ in 0..GIFTS {
        // A pledge's id is its record's number: the next one.
        let pledge = state.next_seq();
        let gift = Entry::Pledge(Pledge {
            date: day,
            from: PartyId(visitors),
            to: PartyId(us),
            amount,
            goal: Some(GoalId(0)),
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: None,
            planned: false,
        });
        log = append_or_continue(log, state, gift)?;
        let paid = Entry::Fulfil(Fulfil {
            date: day,
            pledge,
            amount,
            memo: None,
        });
        log = append_or_continue(log, state, paid)?;
    }
    Ok(log)
}

/// The goal report, as `pledge report` gives it.
fn print_report(state: &State<Tables>) -> Result<(), Failure> {
    let mut totals: heapless::Vec<Totals, 2> = heapless::Vec::new();
    report::goal_totals(state, &mut totals)?;
    for progress in report::goal_progress(state, &totals) {
        let decimals = state
            .commodity(progress.goal.target.commodity)
            .map_or(0, |c| c.decimals);
        let money = |units| Decimal::new(units, decimals);
        let code = state
            .commodity(progress.goal.target.commodity)
            .map_or("?", |c| c.code.as_str());
        hprintln!(
            "kiosk: {}: committed {} {} of {} {} ({}), remaining {} {}, fulfilled {} {}, {} pledges",
            progress.goal.name,
            money(progress.totals.committed),
            code,
            money(progress.goal.target.units),
            code,
            progress
                .committed_share()
                .ok_or(Failure::Check("no share"))?,
            money(progress.remaining()?),
            code,
            money(progress.totals.fulfilled),
            code,
            progress.totals.pledges
        );
    }
    Ok(())
}

/// Bytes as lowercase hex.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Writes the region to a host file over semihosting, for `pledge audit`.
fn dump(bytes: &[u8]) -> Result<(), Failure> {
    const WRITE_TRUNCATE_BINARY: usize = 5;
    // SAFETY: a NUL-terminated path, its length without the NUL; then a valid buffer.
    unsafe {
        let fd = syscall!(OPEN, DUMP.as_ptr(), WRITE_TRUNCATE_BINARY, DUMP.len() - 1);
        if fd == usize::MAX {
            return Err(Failure::Check("cannot open the dump file on the host"));
        }
        let unwritten = syscall!(WRITE, fd, bytes.as_ptr(), bytes.len());
        syscall!(CLOSE, fd);
        if unwritten != 0 {
            return Err(Failure::Check("cannot write the dump file"));
        }
    }
    Ok(())
}

/// The board's flash driver. A real one would program the flash controller; QEMU's
/// lm3s6965evb does not emulate flash writes, so the cells are RAM, and the rules of the part
/// this driver stands for (8-byte double words, 2 KiB pages, ECC: programming a double word
/// that is not erased is refused, as STM32L4's PROGERR) are kept here in code.
struct BoardFlash {
    cells: &'static mut [u8; REGION],
    /// Double words programmed since their page's last erase (ECC: at most once).
    programmed: [u32; REGION / 8 / 32],
}

/// The cells, in `.uninit` (on a device this is flash, not RAM).
#[unsafe(link_section = ".uninit.kiosk_flash")]
static mut CELLS: [u8; REGION] = [0; REGION];

impl BoardFlash {
    /// The driver, over erased cells. Called once.
    fn take() -> BoardFlash {
        // SAFETY: called once, from `run`; nothing else refers to CELLS.
        let cells: &'static mut [u8; REGION] = unsafe { &mut *core::ptr::addr_of_mut!(CELLS) };
        cells.fill(0xFF);
        BoardFlash {
            cells,
            programmed: [0; REGION / 8 / 32],
        }
    }

    fn range(offset: u32, len: usize) -> Result<core::ops::Range<usize>, BoardFlashError> {
        let start = offset as usize;
        let end = start.checked_add(len).ok_or(BoardFlashError::OutOfBounds)?;
        if end > REGION {
            return Err(BoardFlashError::OutOfBounds);
        }
        Ok(start..end)
    }
}

/// What the driver refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BoardFlashError {
    OutOfBounds,
    NotAligned,
    /// A double word programmed a second time since its erase.
    ProgrammedTwice,
}

impl NorFlashError for BoardFlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            BoardFlashError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            BoardFlashError::NotAligned => NorFlashErrorKind::NotAligned,
            BoardFlashError::ProgrammedTwice => NorFlashErrorKind::Other,
        }
    }
}

impl ErrorType for BoardFlash {
    type Error = BoardFlashError;
}

impl ReadNorFlash for BoardFlash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), BoardFlashError> {
        let range = Self::range(offset, bytes.len())?;
        bytes.copy_from_slice(&self.cells[range]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        REGION
    }
}

impl NorFlash for BoardFlash {
    const WRITE_SIZE: usize = 8;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), BoardFlashError> {
        if !(from as usize).is_multiple_of(PAGE) || !(to as usize).is_multiple_of(PAGE) {
            return Err(BoardFlashError::NotAligned);
        }
        let range = Self::range(from, (to.saturating_sub(from)) as usize)?;
        self.cells[range.clone()].fill(0xFF);
        for word in range.step_by(8).map(|at| at / 8) {
            self.programmed[word / 32] &= !(1 << (word % 32));
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), BoardFlashError> {
        if !(offset as usize).is_multiple_of(8) || !bytes.len().is_multiple_of(8) {
            return Err(BoardFlashError::NotAligned);
        }
        let range = Self::range(offset, bytes.len())?;
        let words = range.start / 8..range.end / 8;
        if words
            .clone()
            .any(|w| self.programmed[w / 32] & (1 << (w % 32)) != 0)
        {
            return Err(BoardFlashError::ProgrammedTwice);
        }
        for (cell, byte) in self.cells[range].iter_mut().zip(bytes) {
            *cell &= byte; // NOR programming only clears bits
        }
        for w in words {
            self.programmed[w / 32] |= 1 << (w % 32);
        }
        Ok(())
    }
}

/// The interrupt part of the vector table: the LM3S6965's 46 interrupts, all to the default
/// handler (a board's device crate, generated by svd2rust, would provide this).
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
static __INTERRUPTS: [unsafe extern "C" fn(); 46] = {
    unsafe extern "C" {
        fn Interrupt();
    }
    [Interrupt; 46]
};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
