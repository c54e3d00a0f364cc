//! ledger-core on an emulated Cortex-M or RISC-V core: records the example ledger's entries, and a checkpoint of
//! them signed by a test key, into a RAM-backed NOR flash through the core's checked append,
//! reopens the flash as after a reboot, folds it, checks the goal report (and, with the `merkle`
//! feature, the Merkle root; with `signatures`, the checkpoint's Ed25519 signature) against what
//! the desktop `pledge` computes, writes the flash region to a host file for `pledge audit`,
//! reports its peak stack use, and exits non-zero on any mismatch. With `print`, it also prints
//! the report over semihosting, without `core::fmt` (the core writes amounts and shares as
//! bytes).
#![no_std]
#![no_main]

// The two platforms differ only in start-up, semihosting's crate (the same calls) and idling.
#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
#[cfg(target_arch = "arm")]
use cortex_m_semihosting::{debug, hio, syscall};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
#[cfg(target_arch = "riscv32")]
use riscv_semihosting::{debug, hio, syscall};

/// Waits for an interrupt: what is left to do once semihosting has been told to exit.
fn idle() {
    #[cfg(target_arch = "arm")]
    cortex_m::asm::wfi();
    #[cfg(target_arch = "riscv32")]
    riscv::asm::wfi();
}
use core::ops::ControlFlow;

use ledger_core::flash::{FlashLog, Found, RamFlash};
use ledger_core::record::{
    MAX_FRAME, PREAMBLE_LEN, check_preamble, decode_frame_in_place, decode_payload,
};
use ledger_core::report::{self, Totals};
use ledger_core::slots::FixedPerKind;
use ledger_core::state::State;

/// The entries to record, read from the host as a device would receive them over a link: the
/// example ledger the desktop CLI builds (docs/examples), then its checkpoint signed by the test
/// key (tests/golden/us-japan-2025-signed.pledge, which run.sh copies here; relative to QEMU's
/// working directory).
const INPUT: &str = "firmware-input.pledge\0";
/// Records in it.
const RECORDS: u32 = 24;
/// Where the flash region is written on the host (relative to QEMU's working directory).
const DUMP: &str = "firmware-dump.pledge\0";

/// The flash region: two 1 KiB pages, used as NOR flash by the core's `RamFlash`.
const REGION: usize = 2 * 1024;

/// The emulated flash, in `.uninit` so that `size` shows it apart from the firmware's own RAM
/// (on a device these bytes are flash). Set to erased (`0xFF`) at start.
#[unsafe(link_section = ".uninit.pledge_flash")]
static mut FLASH: [u8; REGION] = [0; REGION];

/// Room for exactly the example: 4 parties, 2 projects, 3 sectors, 1 tag, 4 commodities, 1
/// goal, 6 pledges (docs/EMBEDDED.md gives the RAM each more costs).
#[cfg(not(feature = "settle"))]
type Tables = FixedPerKind<4, 2, 3, 1, 4, 1, 6>;
/// The same, and 2 rows for settled pledges that leave memory (none of the example's do: the
/// step measures what letting them go costs; the kiosk example shows it).
#[cfg(feature = "settle")]
type Tables = FixedPerKind<4, 2, 3, 1, 4, 1, 6, 0, 0, 0, 2>;

#[entry]
fn main() -> ! {
    #[cfg(target_arch = "riscv32")]
    paint_stack();
    let status = match run() {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(why) => {
            out(&[b"firmware: FAILED: ", why.as_bytes(), b"\n"]);
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    loop {
        idle();
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
    out_number(b"firmware: peak stack ", peak, b" bytes\n");
    // Paint gone from the lowest word: the stack ran into the statics below it.
    if peak >= room {
        return Err("the stack overflowed");
    }
    Ok(())
}

/// What any failure to read the input (the host's ledger file) says: one string, as each costs
/// flash the core should have.
const INPUT_UNREADABLE: &str = "the input is not a ledger this firmware can read";

/// Records every entry of the input through the fold's checked append into flash. Its own
/// frame, so its state is off the stack before the reopened one is built.
#[inline(never)]
fn record(flash: &mut RamFlash<'_>) -> Result<u32, &'static str> {
    let mut log = FlashLog::format(&mut *flash, 0, REGION as u32).map_err(|_| "format failed")?;
    let mut state: State<Tables> = State::default();
    let input = HostFile::open(INPUT, HostFile::READ_BINARY).ok_or(INPUT_UNREADABLE)?;
    let mut head = [0u8; PREAMBLE_LEN];
    for byte in &mut head {
        *byte = input.byte().ok_or(INPUT_UNREADABLE)?;
    }
    check_preamble(&head).map_err(|_| INPUT_UNREADABLE)?;
    let mut frame = [0u8; MAX_FRAME];
    let mut recorded = 0u32;
    while let Some(len) = input.frame(&mut frame)? {
        let buf = frame.get_mut(..len).ok_or(INPUT_UNREADABLE)?;
        let payload = decode_frame_in_place(buf).map_err(|_| INPUT_UNREADABLE)?;
        let record = decode_payload(payload, state.next_seq()).map_err(|_| INPUT_UNREADABLE)?;
        let expected = record.seq;
        let seq = state
            .append(record.entry, &mut |frame| log.append(frame))
            .map_err(|_| "append refused")?;
        if seq != expected {
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
    #[cfg(feature = "signatures")]
    let mut verified = 0u32;
    let log = FlashLog::open(&mut *flash, 0, REGION as u32, |found| {
        // Damage is an error here (the firmware wrote every record itself a moment ago),
        // reported below from the log's count.
        let Found::Record {
            record,
            payload: _payload,
            ..
        } = found
        else {
            return ControlFlow::Continue(());
        };
        #[cfg(feature = "signatures")]
        match merkle::signed::check(record, &reopened, &range) {
            Ok(true) => verified += 1,
            Ok(false) => {}
            Err(why) => folded = Err(why),
        }
        if reopened.apply(record).is_err() {
            folded = Err("a reopened record breaks a rule");
        }
        #[cfg(feature = "merkle")]
        if range.push(ledger_core::tree::leaf_hash(_payload)).is_err() {
            folded = Err("tree full");
        }
        ControlFlow::Continue(())
    });
    folded?;
    let log = log.map_err(|_| "reopen failed")?;
    if log.damage().count > 0
        || log.tail() != ledger_core::flash::Tail::Clean
        || reopened.next_seq() != recorded
        || recorded != RECORDS
    {
        return Err("reopened damage, or a different number of records");
    }
    #[cfg(feature = "merkle")]
    merkle::check(&range)?;
    #[cfg(feature = "signatures")]
    if verified != 1 {
        return Err("the signed checkpoint was not verified");
    }
    check_report(&reopened)
}

/// The goal report, as `pledge report` gives it, checked against the desktop's. Its own frame,
/// so the report's totals are not on the stack while the flash is read.
#[inline(never)]
fn check_report(reopened: &State<Tables>) -> Result<(), &'static str> {
    // One message for every way the report can differ: each string costs flash.
    const DIFFERS: &str = "the report differs from the desktop's";
    let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
    report::goal_totals(reopened, &mut totals).map_err(|_| DIFFERS)?;
    let mut goals = 0;
    for progress in report::goal_progress(reopened, &totals) {
        let share = progress.committed_share().ok_or(DIFFERS)?;
        let remaining = progress.remaining().map_err(|_| DIFFERS)?;
        #[cfg(feature = "print")]
        print_progress(reopened, &progress, share, remaining);
        // USD 490bn of 550bn committed, in cents: 89.1%, 60bn to go.
        if progress.totals.committed != 49_000_000_000_000
            || share.tenths != 891
            || remaining != 6_000_000_000_000
        {
            return Err(DIFFERS);
        }
        goals += 1;
    }
    if goals != 1 {
        return Err(DIFFERS);
    }
    Ok(())
}

/// The goal's progress as `pledge report` says it, over semihosting, without `core::fmt`: the
/// core writes the amounts and the share as bytes.
#[cfg(feature = "print")]
fn print_progress(
    state: &State<Tables>,
    progress: &report::GoalProgress<'_>,
    share: report::Percent,
    remaining: i64,
) {
    use ledger_core::amount::{DECIMAL_TEXT, Decimal};
    let decimals = state
        .commodity(progress.goal.target.commodity)
        .map_or(0, |c| c.decimals);
    let mut texts = [[0u8; DECIMAL_TEXT]; 3];
    let [committed, target, left] = &mut texts;
    let mut percent = [0u8; report::PERCENT_TEXT];
    // Names keep the rules at every door (no control character, no bidirectional override):
    // printed as they are.
    out(&[
        b"firmware: ",
        progress.goal.name.as_bytes(),
        b": committed ",
        Decimal::new(progress.totals.committed, decimals).write_to(true, committed),
        b" of ",
        Decimal::new(progress.goal.target.units, decimals).write_to(true, target),
        b" (",
        share.write_to(&mut percent),
        b"), remaining ",
        Decimal::new(remaining, decimals).write_to(true, left),
        b"\n",
    ]);
}

/// The root and the signed checkpoint: what the `merkle` and `signatures` features add.
#[cfg(feature = "merkle")]
mod merkle {
    use ledger_core::tree::CompactRange;

    /// The Merkle tree's state, sized to the region: 2 KiB holds fewer than 255 records (every
    /// record takes at least 8 bytes of flash), and 8 levels hold up to 255, in 272 bytes (the
    /// default 64 levels take 2 KiB).
    pub type Range = CompactRange<8>;

    /// The recorded ledger's Merkle root, as `pledge head` prints it (decoded at compile time).
    const EXPECTED_ROOT: [u8; 32] =
        unhex(b"90484d378c3da084f51b2979fd625208adc6115f63f63605c61999973801abbc");

    /// Checks the reopened ledger's root against the desktop's.
    pub fn check(range: &Range) -> Result<(), &'static str> {
        let root = range.root();
        #[cfg(feature = "print")]
        {
            crate::out_number(b"firmware: ", range.size() as u32, b" records, root ");
            crate::out(&[&crate::hex(&root), b"\n"]);
        }
        if root != EXPECTED_ROOT {
            return Err("the Merkle root differs from the desktop's");
        }
        Ok(())
    }

    /// 64 hex digits as 32 bytes, for constants.
    const fn unhex(text: &[u8; 64]) -> [u8; 32] {
        const fn digit(c: u8) -> u8 {
            match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => panic!("not a lower-case hex digit"),
            }
        }
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            out[i] = digit(text[2 * i]) << 4 | digit(text[2 * i + 1]);
            i += 1;
        }
        out
    }

    #[cfg(feature = "signatures")]
    pub mod signed {
        use ledger_core::checkpoint::{NoteError, VerifierKey};
        use ledger_core::entry::{Entry, Record, name};
        use ledger_core::state::State;

        use super::super::Tables;
        use super::Range;

        /// The test key's verifier key (seed 32 × 0x01; docs/FORMAT.md), as a device would hold
        /// it: `pledge.example/test-key+c473978b+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c`.
        const KEY_ID: [u8; 4] = [0xc4, 0x73, 0x97, 0x8b];
        const PUBLIC: [u8; 32] = [
            0x8a, 0x88, 0xe3, 0xdd, 0x74, 0x09, 0xf1, 0x95, 0xfd, 0x52, 0xdb, 0x2d, 0x3c, 0xba,
            0x5d, 0x72, 0xca, 0x67, 0x09, 0xbf, 0x1d, 0x94, 0x12, 0x1b, 0xf3, 0x74, 0x88, 0x01,
            0xb4, 0x0f, 0x6f, 0x5c,
        ];

        /// A checkpoint record, before it is folded in: it must be for the tree of the
        /// records before it and signed by the trusted key, and the same checkpoint claiming
        /// one record more must not verify. Whether `record` was a checkpoint.
        pub fn check(
            record: &Record,
            state: &State<Tables>,
            range: &Range,
        ) -> Result<bool, &'static str> {
            let Entry::Checkpoint(checkpoint) = &record.entry else {
                return Ok(false);
            };
            let key = VerifierKey {
                name: name("pledge.example/test-key").map_err(|_| "bad key name")?,
                key_id: KEY_ID,
                public: PUBLIC,
            };
            if !checkpoint.is_for(range.size(), &range.root()) {
                return Err("the checkpoint is not for the records before it");
            }
            let origin = state.origin().map_or("", |o| o.as_str());
            if checkpoint.is_signed_by(origin, &key) != Ok(true) {
                return Err("the checkpoint is not signed by the trusted key");
            }
            let mut forged = checkpoint.clone();
            forged.size += 1;
            if forged.is_signed_by(origin, &key) != Err(NoteError::BadSignature) {
                return Err("a forged checkpoint verified");
            }
            #[cfg(feature = "print")]
            crate::out(&[b"firmware: checkpoint signature verified; a forged one refused\n"]);
            Ok(true)
        }
    }
}

/// A file on the host, through semihosting.
struct HostFile(usize);

impl HostFile {
    /// Semihosting open modes.
    const READ_BINARY: usize = 1;
    const WRITE_TRUNCATE_BINARY: usize = 5;

    /// Opens the file named `path` (NUL-terminated).
    fn open(path: &str, mode: usize) -> Option<HostFile> {
        // SAFETY: a valid pointer to `path` and its length without the NUL.
        let fd = unsafe { syscall!(OPEN, path.as_ptr(), mode, path.len() - 1) };
        (fd != usize::MAX).then_some(HostFile(fd))
    }

    /// The next byte, or `None` at the end.
    fn byte(&self) -> Option<u8> {
        let mut byte = 0u8;
        // SAFETY: reads one byte into `byte`; the call returns how many it did not read.
        let unread = unsafe { syscall!(READ, self.0, &mut byte as *mut u8, 1) };
        (unread == 0).then_some(byte)
    }

    /// Reads the next frame, delimiter included, into `buf` (skipping padding) and returns its
    /// length; `None` at the end of the file.
    fn frame(&self, buf: &mut [u8]) -> Result<Option<usize>, &'static str> {
        let mut len = 0;
        loop {
            let Some(byte) = self.byte() else {
                return if len == 0 {
                    Ok(None)
                } else {
                    Err(INPUT_UNREADABLE)
                };
            };
            if byte == 0 && len == 0 {
                continue;
            }
            *buf.get_mut(len).ok_or(INPUT_UNREADABLE)? = byte;
            len += 1;
            if byte == 0 {
                return Ok(Some(len));
            }
        }
    }

    /// Writes all of `bytes`.
    fn write(&self, bytes: &[u8]) -> bool {
        // SAFETY: a valid pointer and length; the call returns how many it did not write.
        unsafe { syscall!(WRITE, self.0, bytes.as_ptr(), bytes.len()) == 0 }
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        // SAFETY: closes a handle this value owns.
        unsafe { syscall!(CLOSE, self.0) };
    }
}

/// Writes the flash region to a host file over semihosting.
fn dump(bytes: &[u8]) -> Result<(), &'static str> {
    let file = HostFile::open(DUMP, HostFile::WRITE_TRUNCATE_BINARY)
        .ok_or("cannot open the dump file on the host")?;
    if !file.write(bytes) {
        return Err("cannot write the dump file");
    }
    Ok(())
}

/// The word the unused stack holds.
const PAINT: u32 = 0xCCCC_CCCC;

/// RISC-V: fills the stack below the current frame with [`PAINT`], as cortex-m-rt's
/// `paint-stack` does at reset on Cortex-M (riscv-rt has no such option). Only the few words
/// above `main`'s frame go unmeasured.
#[cfg(target_arch = "riscv32")]
#[inline(always)]
fn paint_stack() {
    unsafe extern "C" {
        static __estack: u32;
    }
    let bottom = core::ptr::addr_of!(__estack) as usize;
    let here = 0u32;
    // Leave this function's own frame, and a margin for the calls below, unpainted.
    let top = (core::ptr::addr_of!(here) as usize).saturating_sub(64) & !3;
    let mut at = bottom;
    while at < top {
        // SAFETY: every word between riscv-rt's `__estack` and the current frame is unused RAM
        // of the stack region.
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// The deepest the stack has been, and the room it has: the stack was filled with [`PAINT`]
/// (by cortex-m-rt's `paint-stack` at reset; by [`paint_stack`] on RISC-V), and the words
/// still holding it were never used.
fn stack_use() -> (u32, u32) {
    #[cfg(target_arch = "arm")]
    unsafe extern "C" {
        static _stack_start: u32;
        static _stack_end: u32;
    }
    #[cfg(target_arch = "riscv32")]
    unsafe extern "C" {
        static _stack_start: u32;
        #[link_name = "__estack"]
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

/// Writes `before`, `n` in decimal and `after`, without `core::fmt`: the core's writer of
/// amounts, which takes digits off without a divide (a Cortex-M0 has none). Its own frame, so
/// that the 64-byte buffer is on the stack only while it prints.
#[inline(never)]
fn out_number(before: &[u8], n: u32, after: &[u8]) {
    let mut digits = [0u8; ledger_core::amount::DECIMAL_TEXT];
    let number = ledger_core::amount::Decimal::new(i64::from(n), 0).write_to(false, &mut digits);
    out(&[before, number, after]);
}

/// Lower-case hex of a hash, without `core::fmt`.
#[cfg(all(feature = "merkle", feature = "print"))]
fn hex(hash: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(hash) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

/// The interrupt part of the vector table (Cortex-M): 32 slots, as the emulated chips have (the nRF51 of
/// the micro:bit, and the CMSDK peripherals of the MPS2 AN386), all to the default handler.
#[cfg(target_arch = "arm")]
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
        idle();
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
