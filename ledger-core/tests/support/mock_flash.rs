//! NOR flash in RAM for the power-loss tests (and the `flash_model` fuzz target), in the manner
//! of sequential-storage's mock: it enforces the rules (aligned whole words, each word
//! programmed once as ECC flash demands, bits only cleared, aligned whole read units, erase by
//! whole pages) and can lose power in the middle of any program or erase operation.
//!
//! What a cut leaves:
//! - while a word is programmed: the bytes before the one in flight are programmed; the byte in
//!   flight has only some of its bits programmed (partial-bit programming, chosen by `noise`);
//!   the word counts as touched, so programming it again is an error (ECC);
//! - while pages are erased (page by page, in the order the caller asks): the pages before are
//!   erased; the page in flight has some bits of each byte set (a partial erase) and every word
//!   of it counts as touched until it is erased again; the pages after keep what they held.

use std::cell::RefCell;
use std::rc::Rc;

use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};

/// Bytes in an erase page.
pub const PAGE: usize = 256;
/// Bytes of the region most tests use, from the mock's start.
pub const SIZE: usize = 4 * PAGE;
/// Bytes in the mock: room for a second region of `SIZE` after the first, for a ledger that
/// continues.
pub const CAPACITY: usize = 2 * SIZE;

/// What the mock refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockError {
    /// The power was cut (during this operation, or before it and not restored).
    PowerLost,
    /// A write or erase not aligned to its unit.
    Unaligned,
    /// A word programmed a second time since its erase (an error on ECC flash).
    WrittenTwice,
    /// A read not aligned to the read unit.
    UnalignedRead,
}

impl NorFlashError for MockError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            MockError::Unaligned | MockError::UnalignedRead => NorFlashErrorKind::NotAligned,
            _ => NorFlashErrorKind::Other,
        }
    }
}

/// NOR flash in RAM with `W`-byte words and `R`-byte read units that enforces the rules and
/// can lose power after `budget` more units of work (a byte programmed, a page erased).
#[derive(Debug, Clone)]
pub struct Mock<const W: usize, const R: usize> {
    /// The cells.
    pub memory: Vec<u8>,
    /// Words touched since their last erase.
    pub written: Vec<bool>,
    /// Units of work before the power is cut (`None`: it never is).
    pub budget: Option<usize>,
    /// The power is cut until `reboot`.
    pub dead: bool,
    /// The state of the generator that decides what a cut leaves of the byte or page in
    /// flight (xorshift64; never 0).
    pub noise: u64,
    /// A word written before may be programmed again with zeros (STM32's ECC flash allows it:
    /// the check bits of zero data are zeros); otherwise every second program is an error.
    pub zeros_over_written: bool,
}

impl<const W: usize, const R: usize> Default for Mock<W, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, const R: usize> Mock<W, R> {
    /// Erased flash.
    pub fn new() -> Self {
        Mock {
            memory: vec![0xFF; CAPACITY],
            written: vec![false; CAPACITY / W],
            budget: None,
            dead: false,
            noise: 0x9E37_79B9_7F4A_7C15,
            zeros_over_written: false,
        }
    }

    /// Erased flash that takes zeros over a word written before, as STM32's ECC flash does.
    pub fn taking_zeros() -> Self {
        Mock {
            zeros_over_written: true,
            ..Self::new()
        }
    }

    /// Power back: the cut (fired or not) is forgotten.
    pub fn reboot(&mut self) {
        self.budget = None;
        self.dead = false;
    }

    /// Arms a cut after `units` more units of work; `seed` decides what the cut leaves.
    pub fn cut_after(&mut self, units: usize, seed: u64) {
        self.budget = Some(units);
        self.noise = seed | 1;
    }

    /// The next byte of noise.
    fn random(&mut self) -> u8 {
        let mut x = self.noise;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.noise = x;
        (x >> 24) as u8
    }

    /// Takes one unit of work; `true` when the power goes now.
    fn spend(&mut self) -> bool {
        match self.budget {
            Some(0) => {
                self.dead = true;
                true
            }
            Some(b) => {
                self.budget = Some(b - 1);
                false
            }
            None => false,
        }
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
        CAPACITY
    }
}

impl<const W: usize, const R: usize> NorFlash for Mock<W, R> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        let (from, to) = (from as usize, to as usize);
        if !from.is_multiple_of(PAGE) || !to.is_multiple_of(PAGE) || from > to || to > CAPACITY {
            return Err(MockError::Unaligned);
        }
        for page in (from..to).step_by(PAGE) {
            if self.spend() {
                // A partial erase: some bits of each byte set, every word to be erased again.
                for i in page..page + PAGE {
                    let bits = self.random();
                    self.memory[i] |= bits;
                }
                self.written[page / W..(page + PAGE) / W].fill(true);
                return Err(MockError::PowerLost);
            }
            self.memory[page..page + PAGE].fill(0xFF);
            self.written[page / W..(page + PAGE) / W].fill(false);
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
        if self.dead {
            return Err(MockError::PowerLost);
        }
        let at = offset as usize;
        if !at.is_multiple_of(W) || !bytes.len().is_multiple_of(W) || at + bytes.len() > CAPACITY {
            return Err(MockError::Unaligned);
        }
        for (word, chunk) in bytes.chunks(W).enumerate() {
            let index = at / W + word;
            if self.written[index] && !(self.zeros_over_written && chunk.iter().all(|&b| b == 0)) {
                return Err(MockError::WrittenTwice);
            }
            for (i, &byte) in chunk.iter().enumerate() {
                // A word counts as written once any of its bytes is programmed, even with 0xFF
                // (which changes no bit but, on ECC flash, still sets the word's check bits).
                self.written[index] = true;
                if self.spend() {
                    // Power lost: bytes before this one are programmed; this one only in part
                    // (some of the bits it clears), perhaps not at all.
                    let kept = self.random();
                    self.memory[index * W + i] &= byte | kept;
                    return Err(MockError::PowerLost);
                }
                self.memory[index * W + i] &= byte;
            }
        }
        Ok(())
    }
}

/// One mock shared between the test and the log that owns a handle to it, so the test sees
/// (and can rot) the cells whatever the log did, even after an error consumed the log.
#[derive(Debug, Clone, Default)]
pub struct Shared<const W: usize, const R: usize>(pub Rc<RefCell<Mock<W, R>>>);

impl<const W: usize, const R: usize> Shared<W, R> {
    /// `flash`, shared, to lose power after `budget` units of programming or erasing.
    pub fn cut_after(mut flash: Mock<W, R>, budget: usize) -> Self {
        flash.budget = Some(budget);
        Shared(Rc::new(RefCell::new(flash)))
    }
}

impl<const W: usize, const R: usize> ErrorType for Shared<W, R> {
    type Error = MockError;
}

impl<const W: usize, const R: usize> ReadNorFlash for Shared<W, R> {
    const READ_SIZE: usize = R;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), MockError> {
        self.0.borrow_mut().read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        CAPACITY
    }
}

impl<const W: usize, const R: usize> NorFlash for Shared<W, R> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = PAGE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
        self.0.borrow_mut().erase(from, to)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
        self.0.borrow_mut().write(offset, bytes)
    }
}
