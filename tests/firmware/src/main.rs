//! ledger-core on an emulated Cortex-M: records the example ledger's entries into a RAM-backed
//! NOR flash through the core's checked append, reopens the flash as after a reboot, folds it,
//! checks the goal report (and, with the `merkle` feature, the Merkle root; with `signatures`,
//! an Ed25519-signed checkpoint) against what the desktop `pledge` computes, writes the flash
//! region to a host file for `pledge audit`, reports its peak stack use, and exits non-zero on
//! any mismatch. With `print`, it also prints the report over semihosting.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio, syscall};

/// Prints over semihosting with `core::fmt`, only with the `print` feature.
macro_rules! say {
    ($($arg:tt)*) => {
        #[cfg(feature = "print")]
        cortex_m_semihosting::hprintln!($($arg)*);
    };
}
use ledger_core::flash::{FlashLog, RamFlash};
use ledger_core::report::{self, Totals};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::Fixed;
use ledger_core::state::State;

/// The entries to record: the example ledger the desktop CLI builds (docs/examples).
const EXAMPLE: &[u8] = include_bytes!("../../../docs/examples/us-japan-2025.pledge");
/// Where the flash region is written on the host (relative to QEMU's working directory).
const DUMP: &str = "firmware-dump.pledge\0";

/// The flash region: two 1 KiB pages, used as NOR flash by the core's `RamFlash`.
const REGION: usize = 2 * 1024;

/// The emulated flash, in `.uninit` so that `size` shows it apart from the firmware's own RAM
/// (on a device these bytes are flash). Set to erased (`0xFF`) at start.
#[unsafe(link_section = ".uninit.pledge_flash")]
static mut FLASH: [u8; REGION] = [0; REGION];

/// Room for exactly the example: 4 names of each kind, 4 commodities, 1 goal, 6 pledges
/// (docs/EMBEDDED.md gives the RAM each more costs).
type Tables = Fixed<4, 4, 1, 6>;

#[entry]
fn main() -> ! {
    let status = match run() {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(why) => {
            out(&[b"firmware: FAILED: ", why.as_bytes(), b"\n"]);
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    loop {
        cortex_m::asm::wfi();
    }
}

fn run() -> Result<(), &'static str> {
    // SAFETY: `run` is called once, from `main`; nothing else refers to FLASH.
    let memory: &'static mut [u8; REGION] = unsafe { &mut *core::ptr::addr_of_mut!(FLASH) };
    memory.fill(0xFF);
    let flash = &mut RamFlash::new(memory);

    let recorded = record(flash)?;
    reopen_and_report(flash, recorded)?;
    dump(flash.bytes())?;
    let (peak, room) = stack_use();
    let mut digits = [0u8; 10];
    out(&[
        b"firmware: peak stack ",
        decimal(peak, &mut digits),
        b" bytes\n",
    ]);
    // Paint gone from the lowest word: the stack ran into the statics below it.
    if peak >= room {
        return Err("the stack overflowed");
    }
    Ok(())
}

/// Records every entry of the example through the fold's checked append into flash. Its own
/// frame, so its state is off the stack before the reopened one is built.
#[inline(never)]
fn record(flash: &mut RamFlash<'_>) -> Result<u32, &'static str> {
    let mut log = FlashLog::format(&mut *flash, 0, REGION as u32).map_err(|_| "format failed")?;
    let mut state: State<Tables> = State::default();
    let mut recorded = 0u32;
    for item in Scanner::new(EXAMPLE).map_err(|_| "the example is not a ledger")? {
        let Item::Record { record, .. } = item else {
            return Err("the example is damaged");
        };
        let seq = state
            .append(record.entry, &mut |frame| log.append(frame))
            .map_err(|_| "append refused")?;
        if seq != record.seq {
            return Err("sequence numbers differ");
        }
        recorded += 1;
    }
    Ok(recorded)
}

/// Reopens the flash as after a reboot, folds it from scratch (hashing every record into the
/// tree with `merkle`), and checks the results against the desktop's. Its own frame, like
/// `record`, so the two phases' state never shares the stack.
#[inline(never)]
fn reopen_and_report(flash: &mut RamFlash<'_>, recorded: u32) -> Result<(), &'static str> {
    let mut reopened: State<Tables> = State::default();
    #[cfg(feature = "merkle")]
    let mut range = merkle::Range::empty();
    let mut folded = Ok(());
    let log = FlashLog::open(&mut *flash, 0, REGION as u32, |record, _payload| {
        if reopened.apply(record).is_err() {
            folded = Err("a reopened record breaks a rule");
        }
        #[cfg(feature = "merkle")]
        if range.push(ledger_core::tree::leaf_hash(_payload)).is_err() {
            folded = Err("tree full");
        }
    })
    .map_err(|_| "reopen failed")?;
    folded?;
    if log.tail() != ledger_core::flash::Tail::Clean || reopened.next_seq() != recorded {
        return Err("reopened a different number of records");
    }
    #[cfg(feature = "merkle")]
    merkle::check(&reopened, &range)?;

    // The goal report, as `pledge report` gives it.
    let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
    report::goal_totals(&reopened, &mut totals).map_err(|_| "report failed")?;
    let mut goals = 0;
    for progress in report::goal_progress(&reopened, &totals) {
        let share = progress.committed_share().ok_or("no share")?;
        let remaining = progress.remaining().map_err(|_| "overflow")?;
        say!(
            "firmware: {}: committed {} of {} ({}), remaining {}",
            progress.goal.name,
            money(&reopened, progress.totals.committed, &progress),
            money(&reopened, progress.goal.target.units, &progress),
            share,
            money(&reopened, remaining, &progress)
        );
        // USD 490bn of 550bn committed, in cents: 89.1%, 60bn to go.
        if progress.totals.committed != 49_000_000_000_000
            || share.tenths != 891
            || remaining != 6_000_000_000_000
        {
            return Err("the report differs from the desktop's");
        }
        goals += 1;
    }
    if goals != 1 {
        return Err("the report has a different number of goals");
    }
    Ok(())
}

/// An amount in the goal's commodity, for printing.
#[cfg(feature = "print")]
fn money(
    state: &State<Tables>,
    units: i64,
    progress: &report::GoalProgress<'_>,
) -> ledger_core::amount::Decimal {
    let decimals = state
        .commodity(progress.goal.target.commodity)
        .map_or(0, |c| c.decimals);
    ledger_core::amount::Decimal::new(units, decimals)
}

/// The root and the signed checkpoint: what the `merkle` and `signatures` features add.
#[cfg(feature = "merkle")]
mod merkle {
    use ledger_core::state::State;
    use ledger_core::tree::CompactRange;

    use super::{Tables, hex};

    /// The Merkle tree's state: 16 levels, for up to 65,535 records, in 512 bytes (the
    /// default 64 levels take 2 KiB).
    pub type Range = CompactRange<16>;

    /// The example's Merkle root, as `pledge head` prints it.
    const EXPECTED_ROOT: &[u8; 64] =
        b"c0b0375f02ff80e2d9f4d9b5986018a2dd418dd7310c54267e076be414896c8f";

    /// Checks the reopened ledger's root (and, with `signatures`, a signed checkpoint of it).
    pub fn check(state: &State<Tables>, range: &Range) -> Result<(), &'static str> {
        let root = hex(&range.root());
        say!(
            "firmware: {} records, root {}",
            range.size(),
            core::str::from_utf8(&root).unwrap_or("?")
        );
        if root != *EXPECTED_ROOT {
            return Err("the Merkle root differs from the desktop's");
        }
        #[cfg(feature = "signatures")]
        signed::check(state, range)?;
        let _ = state;
        Ok(())
    }

    #[cfg(feature = "signatures")]
    mod signed {
        use super::super::Tables;
        use super::Range;
        use ledger_core::checkpoint::{VerifierKey, parse_note};
        use ledger_core::state::State;

        /// A C2SP checkpoint of the example ledger signed by the test key, as a host would
        /// send it (`tests/golden/us-japan-2025.checkpoint`; a workspace test regenerates it).
        const NOTE: &str = include_str!("../../golden/us-japan-2025.checkpoint");
        /// The test key's verifier key (seed 32 × 0x01; docs/FORMAT.md).
        const TRUSTED: &str =
            "pledge.example/test-key+c473978b+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";

        /// The note must be for this ledger at exactly this tree and signed by the trusted
        /// key; the same note with its size changed must not verify.
        pub fn check(state: &State<Tables>, range: &Range) -> Result<(), &'static str> {
            let key = VerifierKey::parse(TRUSTED).map_err(|_| "the trusted key does not parse")?;
            let note = parse_note(NOTE).map_err(|_| "the checkpoint note does not parse")?;
            let origin = state.origin().map_or("", |o| o.as_str());
            if !note.is_for(origin, range.size(), &range.root()) {
                return Err("the signed checkpoint is for another tree");
            }
            if !note.is_signed_by(&key) {
                return Err("the checkpoint's signature does not verify");
            }
            // A forgery: the body's size line changed from 23 to 24.
            let mut forged = [0u8; NOTE.len()];
            forged.copy_from_slice(NOTE.as_bytes());
            let at = NOTE
                .find("\n23\n")
                .ok_or("the note is not for 23 records")?
                + 2;
            forged[at] = b'4';
            let forged = core::str::from_utf8(&forged).map_err(|_| "forgery not UTF-8")?;
            let forged = parse_note(forged).map_err(|_| "the forged note does not parse")?;
            if forged.is_signed_by(&key) {
                return Err("a forged checkpoint verified");
            }
            say!("firmware: signed checkpoint verified; a forged one refused");
            Ok(())
        }
    }
}

/// Writes the flash region to a host file over semihosting.
fn dump(bytes: &[u8]) -> Result<(), &'static str> {
    const W_TRUNC_BINARY: usize = 5;
    // SAFETY: semihosting calls with valid pointers and lengths into our own buffers.
    unsafe {
        let fd = syscall!(OPEN, DUMP.as_ptr(), W_TRUNC_BINARY, DUMP.len() - 1);
        if fd == usize::MAX {
            return Err("cannot open the dump file on the host");
        }
        let unwritten = syscall!(WRITE, fd, bytes.as_ptr(), bytes.len());
        syscall!(CLOSE, fd);
        if unwritten != 0 {
            return Err("cannot write the dump file");
        }
    }
    Ok(())
}

/// The deepest the stack has been, and the room it has: cortex-m-rt's `paint-stack` filled
/// it with a known word at reset, and the words still holding it were never used.
fn stack_use() -> (u32, u32) {
    const PAINT: u32 = 0xCCCC_CCCC;
    unsafe extern "C" {
        static _stack_start: u32;
        static _stack_end: u32;
    }
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let bottom = core::ptr::addr_of!(_stack_end) as usize;
    let mut at = bottom;
    // SAFETY: every word between the linker's `_stack_end` and `_stack_start` is RAM.
    while at < top && unsafe { core::ptr::read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    ((top - at) as u32, (top - bottom) as u32)
}

/// Writes the parts over semihosting, without `core::fmt`.
fn out(parts: &[&[u8]]) {
    if let Ok(mut stdout) = hio::hstdout() {
        for part in parts {
            let _ = stdout.write_all(part);
        }
    }
}

/// `n` in decimal, without `core::fmt`.
fn decimal(mut n: u32, digits: &mut [u8; 10]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    &digits[at..]
}

/// Lower-case hex of a hash, without `core::fmt`.
#[cfg(feature = "merkle")]
fn hex(hash: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(hash) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

/// The interrupt part of the vector table: 32 slots, as the emulated chips have (the nRF51 of
/// the micro:bit, and the CMSDK peripherals of the MPS2 AN386), all to the default handler.
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
static __INTERRUPTS: [unsafe extern "C" fn(); 32] = {
    unsafe extern "C" {
        fn Interrupt();
    }
    [Interrupt; 32]
};

#[cfg(not(feature = "no-panic-check"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    out(&[b"firmware: panic\n"]);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[cfg(feature = "no-panic-check")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Defined nowhere: any reference to it left after optimisation fails the link.
        fn ledger_core_firmware_has_a_panic_path() -> !;
    }
    // SAFETY: never runs; the link fails first if this is reachable at all.
    unsafe { ledger_core_firmware_has_a_panic_path() }
}
