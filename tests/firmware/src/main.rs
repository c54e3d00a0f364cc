//! ledger-core on an emulated Cortex-M4: records the example ledger's entries into a RAM-backed
//! NOR flash through the core's checked append, reopens the flash as after a reboot, folds it,
//! checks the goal report and the Merkle root against what the desktop `pledge` computes,
//! prints the report over semihosting, writes the flash region to a host file for
//! `pledge audit`, and exits non-zero on any mismatch.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, syscall};

/// Prints over semihosting, except in the no-panic build, which has no `core::fmt`.
macro_rules! say {
    ($($arg:tt)*) => {
        #[cfg(not(feature = "no-panic-check"))]
        cortex_m_semihosting::hprintln!($($arg)*);
    };
}
use ledger_core::amount::Decimal;
use ledger_core::flash::{FlashLog, RamFlash};
use ledger_core::report::{self, Totals};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::Fixed;
use ledger_core::state::State;
use ledger_core::tree::{CompactRange, leaf_hash};

/// The entries to record: the example ledger the desktop CLI builds (docs/examples).
const EXAMPLE: &[u8] = include_bytes!("../../../docs/examples/us-japan-2025.pledge");
/// Its Merkle root, as `pledge head` prints it.
const EXPECTED_ROOT: &[u8; 64] =
    b"c0b0375f02ff80e2d9f4d9b5986018a2dd418dd7310c54267e076be414896c8f";
/// Where the flash region is written on the host (relative to QEMU's working directory).
const DUMP: &str = "firmware-dump.pledge\0";

/// The flash region: two 1 KiB pages of RAM, used as NOR flash by the core's `RamFlash`.
const REGION: usize = 2 * 1024;

/// Room for the example, small enough for a 16 KiB Cortex-M0: 6 names of each kind, 4
/// commodities, 2 goals, 8 pledges.
type Tables = Fixed<6, 4, 2, 8>;

#[entry]
fn main() -> ! {
    let status = match run() {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(why) => {
            say!("firmware: FAILED: {}", why);
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    loop {}
}

fn run() -> Result<(), &'static str> {
    let memory: &'static mut [u8; REGION] =
        cortex_m::singleton!(: [u8; REGION] = [0xFF; REGION]).ok_or("no flash")?;
    let flash = &mut RamFlash::new(memory);

    let recorded = record(flash)?;

    reopen_and_report(flash, recorded)?;
    dump(flash.bytes())
}

/// Records every entry of the example through the fold's checked append into flash. Its own
/// frame, so its state is off the stack before the reopened one is built.
#[inline(never)]
fn record(flash: &mut RamFlash<'_>) -> Result<u32, &'static str> {
    // Record every entry of the example through the fold's checked append into flash.
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
    drop(log);
    Ok(recorded)
}

/// Reopens the flash as after a reboot, folds it from scratch, hashes every record into the
/// tree, and checks the root and the goal report against the desktop's. Its own frame, like
/// `record`, so the two phases' state never shares the stack.
#[inline(never)]
fn reopen_and_report(flash: &mut RamFlash<'_>, recorded: u32) -> Result<(), &'static str> {
    // Reboot: reopen the flash and fold it from scratch, hashing every record into the tree.
    let mut reopened: State<Tables> = State::default();
    let mut range = CompactRange::new();
    let mut folded = Ok(());
    FlashLog::open(&mut *flash, 0, REGION as u32, |record, payload| {
        if reopened.apply(record).is_err() {
            folded = Err("a reopened record breaks a rule");
        }
        if range.push(leaf_hash(payload)).is_err() {
            folded = Err("tree full");
        }
    })
    .map_err(|_| "reopen failed")?;
    folded?;
    if reopened.next_seq() != recorded || range.size() != u64::from(recorded) {
        return Err("reopened a different number of records");
    }
    let root = hex(&range.root());
    if root != *EXPECTED_ROOT {
        say!("root {}", core::str::from_utf8(&root).unwrap_or("?"));
        return Err("the Merkle root differs from the desktop's");
    }

    // The goal report, as `pledge report` gives it.
    let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
    report::goal_totals(&reopened, &mut totals).map_err(|_| "report failed")?;
    say!(
        "firmware: {} records, root {}",
        recorded,
        core::str::from_utf8(&root).unwrap_or("?")
    );
    for progress in report::goal_progress(&reopened, &totals) {
        let decimals = reopened
            .commodity(progress.goal.target.commodity)
            .map_or(0, |c| c.decimals);
        let share = progress.committed_share().ok_or("no share")?;
        say!(
            "{}: committed {} of {} ({}), remaining {}",
            progress.goal.name,
            Decimal::new(progress.totals.committed, decimals),
            Decimal::new(progress.goal.target.units, decimals),
            share,
            Decimal::new(progress.remaining().map_err(|_| "overflow")?, decimals)
        );
        if progress.totals.committed != 49_000_000_000_000 || share.tenths != 891 {
            return Err("the report differs from the desktop's");
        }
    }

    Ok(())
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
    say!(
        "firmware: wrote {} bytes of flash to firmware-dump.pledge",
        bytes.len()
    );
    Ok(())
}

/// Lower-case hex of a hash, without `core::fmt`.
fn hex(hash: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(hash) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

#[cfg(not(feature = "no-panic-check"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    say!("firmware: panic");
    debug::exit(debug::EXIT_FAILURE);
    loop {}
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
