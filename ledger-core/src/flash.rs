//! A ledger in a region of NOR flash, through the `embedded-storage` traits: the same bytes as a
//! ledger file, written so that flash rules hold and a power cut at any moment loses at most the
//! record being written.
//!
//! - Every write is aligned to `WRITE_SIZE` and covers whole words; a frame is padded to a
//!   word boundary with `0x00` (empty frames, skipped by readers). No word is written twice, so
//!   flash with ECC works.
//! - The region's erased bytes read `0xFF`: the log ends where only `0xFF` follows.
//! - A record cut short by a power cut leaves bytes with no delimiter before the erased space.
//!   [`FlashLog::open`] reports it and never reads it as data.
//! - A power cut can also leave a word that reads erased but was touched (its write had begun),
//!   which ECC flash must not write again. So the first append after opening skips one guard
//!   word past the last byte known to be written, then writes one word of `0x00` that ends
//!   whatever came before (a torn frame, or a gap that reads `0xFF` and is skipped as erased
//!   space), then the record. Nothing already written is written again. (A torn record whose
//!   last written words happened to hold only `0xFF` data could extend past the guard word;
//!   that case, of probability about one in 2^32 per cut, is not handled.)
//! - When the region is full, [`FlashLog::append`] returns [`FlashError::Full`] and writes
//!   nothing.
//!
//! Opening scans the region from the start, one frame at a time, with one frame-sized buffer
//! on the stack: time proportional to the bytes in use, RAM independent of them.

use embedded_storage::nor_flash::NorFlash;

use crate::entry::{Record, Seq};
use crate::error::FormatError;
use crate::record::{
    DELIMITER, ERASED, MAX_FRAME, PREAMBLE_LEN, check_preamble, decode_frame_in_place,
    decode_payload, preamble,
};

/// The largest flash write size supported (bytes).
pub const MAX_WRITE_SIZE: usize = 32;
/// Bytes read from flash at a time while looking for a delimiter.
const CHUNK: usize = 64;

/// What went wrong with a ledger in flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlashError<E> {
    /// The flash driver failed.
    Flash(E),
    /// The region has no room for the record; nothing was written.
    Full,
    /// The region is not erase-aligned or is beyond the flash, the flash's write size is not a
    /// power of two up to [`MAX_WRITE_SIZE`] that divides the 16-byte preamble, or its read size
    /// is not 1.
    Layout,
    /// The region holds no ledger (it is erased: format it first).
    Unformatted,
    /// The region does not start with a valid ledger preamble.
    NotALedger(FormatError),
    /// The frame to append is longer than any record.
    FrameTooLong,
}

/// How a ledger region ends, as [`FlashLog::open`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// After the last record, only erased flash (or the end of the region).
    Clean,
    /// An incomplete record, cut short by a power cut: `len` bytes at `offset`.
    Torn {
        /// Offset of the incomplete frame in the region.
        offset: u32,
        /// Bytes written before the cut (up to the last byte that is not `0xFF`).
        len: u32,
    },
}

/// A ledger in flash, open for reading and appending.
#[derive(Debug)]
pub struct FlashLog<F> {
    flash: F,
    start: u32,
    end: u32,
    /// Where the next write goes (region-absolute, aligned).
    write_at: u32,
    /// The first append after opening: skip a guard word and write a word of 0x00 first.
    guard: bool,
    /// The sequence number the next record will have.
    next_seq: Seq,
    tail: Tail,
}

impl<F: NorFlash> FlashLog<F> {
    /// Erases `start..end` and writes an empty ledger's preamble there.
    pub fn format(mut flash: F, start: u32, end: u32) -> Result<Self, FlashError<F::Error>> {
        check_layout::<F>(&flash, start, end)?;
        flash.erase(start, end).map_err(FlashError::Flash)?;
        flash.write(start, &preamble()).map_err(FlashError::Flash)?;
        let write_at = start
            .checked_add(PREAMBLE_LEN as u32)
            .ok_or(FlashError::Layout)?;
        Ok(FlashLog {
            flash,
            start,
            end,
            write_at,
            guard: false,
            next_seq: 0,
            tail: Tail::Clean,
        })
    }

    /// Opens the ledger in `start..end`: checks the preamble and walks every frame to find the
    /// end, recovering from a torn last record. `on_record` sees every intact record.
    pub fn open(
        mut flash: F,
        start: u32,
        end: u32,
        mut on_record: impl FnMut(&Record, &[u8]),
    ) -> Result<Self, FlashError<F::Error>> {
        check_layout::<F>(&flash, start, end)?;
        let mut head = [0u8; PREAMBLE_LEN];
        flash.read(start, &mut head).map_err(FlashError::Flash)?;
        if head.iter().all(|&b| b == ERASED) {
            return Err(FlashError::Unformatted);
        }
        check_preamble(&head).map_err(FlashError::NotALedger)?;
        let mut log = FlashLog {
            flash,
            start,
            end,
            write_at: end,
            guard: true,
            next_seq: 0,
            tail: Tail::Clean,
        };
        let mut pos = start.saturating_add(PREAMBLE_LEN as u32);
        loop {
            match log.next_item(pos, &mut on_record)? {
                Step::Frame { next } => pos = next,
                Step::Erased { at } => {
                    log.write_at = align_up::<F>(at).unwrap_or(end).min(end);
                    break;
                }
                Step::Torn { at, len } => {
                    let after = at.saturating_add(len);
                    log.write_at = align_up::<F>(after).unwrap_or(end).min(end);
                    log.tail = Tail::Torn {
                        offset: at.saturating_sub(start),
                        len,
                    };
                    break;
                }
                Step::End => {
                    log.write_at = end;
                    break;
                }
            }
        }
        Ok(log)
    }

    /// How the ledger ended when it was opened.
    pub fn tail(&self) -> Tail {
        self.tail
    }

    /// The sequence number the next record must have.
    pub fn next_seq(&self) -> Seq {
        self.next_seq
    }

    /// Bytes still free for records (less the guard and closing words of a first append).
    pub fn free(&self) -> u32 {
        let guard = if self.guard {
            (F::WRITE_SIZE as u32).saturating_mul(2)
        } else {
            0
        };
        self.end.saturating_sub(self.write_at).saturating_sub(guard)
    }

    /// Appends one complete frame (from [`crate::record::encode_frame`] or
    /// [`crate::state::State::append`]'s sink), padded with `0x00` to a word boundary. Nothing is
    /// written if it does not fit.
    pub fn append(&mut self, frame: &[u8]) -> Result<(), FlashError<F::Error>> {
        if frame.len() > MAX_FRAME {
            return Err(FlashError::FrameTooLong);
        }
        let word = F::WRITE_SIZE;
        let padded = frame.len().div_ceil(word).saturating_mul(word);
        let needed = u32::try_from(padded).map_err(|_| FlashError::Full)?;
        if needed > self.free() {
            return Err(FlashError::Full);
        }
        if self.guard {
            // Skip a word that may have been touched, then end what came before with 0x00.
            let zeros = [0u8; MAX_WRITE_SIZE];
            let at = self.write_at.saturating_add(word as u32);
            self.flash
                .write(at, zeros.get(..word).unwrap_or_default())
                .map_err(FlashError::Flash)?;
            self.write_at = at.saturating_add(word as u32);
            self.guard = false;
        }
        let whole = frame
            .len()
            .checked_div(word)
            .unwrap_or(0)
            .saturating_mul(word);
        let (body, rest) = frame.split_at(whole);
        if !body.is_empty() {
            self.flash
                .write(self.write_at, body)
                .map_err(FlashError::Flash)?;
        }
        if !rest.is_empty() {
            let mut last = [DELIMITER; MAX_WRITE_SIZE];
            last.get_mut(..rest.len())
                .unwrap_or_default()
                .copy_from_slice(rest);
            let at = self.write_at.saturating_add(whole as u32);
            self.flash
                .write(at, last.get(..word).unwrap_or_default())
                .map_err(FlashError::Flash)?;
        }
        self.write_at = self.write_at.saturating_add(needed);
        self.next_seq = self.next_seq.saturating_add(1);
        Ok(())
    }

    /// Walks every frame again, handing each intact record and its payload to `on_record`.
    pub fn for_each_record(
        &mut self,
        mut on_record: impl FnMut(&Record, &[u8]),
    ) -> Result<(), FlashError<F::Error>> {
        let saved = self.next_seq;
        self.next_seq = 0;
        let mut pos = self.start.saturating_add(PREAMBLE_LEN as u32);
        while let Step::Frame { next } = self.next_item(pos, &mut on_record)? {
            pos = next;
        }
        self.next_seq = saved;
        Ok(())
    }

    /// Gives the flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// Reads the frame at `pos` (after any padding) and hands an intact record to `on_record`.
    fn next_item(
        &mut self,
        pos: u32,
        on_record: &mut impl FnMut(&Record, &[u8]),
    ) -> Result<Step, FlashError<F::Error>> {
        let Some(first) = self.skip_padding(pos)? else {
            return Ok(Step::End);
        };
        let Some(delimiter) = self.find(first, |b| b == DELIMITER)? else {
            // No delimiter before the end: erased space, or a record cut short.
            return Ok(match self.last_written(first)? {
                None => Step::Erased { at: first },
                Some(last) => Step::Torn {
                    at: first,
                    len: last.saturating_sub(first).saturating_add(1),
                },
            });
        };
        let next = delimiter.saturating_add(1);
        let len = usize::try_from(next.saturating_sub(first)).unwrap_or(usize::MAX);
        if len > MAX_FRAME {
            return Ok(Step::Frame { next });
        }
        let mut frame = [0u8; MAX_FRAME];
        let frame = frame.get_mut(..len).unwrap_or_default();
        self.flash.read(first, frame).map_err(FlashError::Flash)?;
        if crate::record::is_erased_gap(frame) {
            return Ok(Step::Frame { next });
        }
        let decoded = decode_frame_in_place(frame)
            .and_then(|payload| decode_payload(payload, self.next_seq).map(|r| (r, payload)));
        if let Ok((record, payload)) = decoded {
            self.next_seq = record.seq.saturating_add(1);
            on_record(&record, payload);
        }
        Ok(Step::Frame { next })
    }

    /// The first offset at or after `pos` that is not padding (`0x00`), if any before the end.
    fn skip_padding(&mut self, pos: u32) -> Result<Option<u32>, FlashError<F::Error>> {
        self.find(pos, |b| b != DELIMITER)
    }

    /// The first offset at or after `pos` whose byte satisfies `wanted`.
    fn find(
        &mut self,
        mut pos: u32,
        wanted: impl Fn(u8) -> bool,
    ) -> Result<Option<u32>, FlashError<F::Error>> {
        let mut chunk = [0u8; CHUNK];
        while pos < self.end {
            let len = self.end.saturating_sub(pos).min(CHUNK as u32) as usize;
            let bytes = chunk.get_mut(..len).unwrap_or_default();
            self.flash.read(pos, bytes).map_err(FlashError::Flash)?;
            if let Some(i) = bytes.iter().position(|&b| wanted(b)) {
                return Ok(Some(pos.saturating_add(i as u32)));
            }
            pos = pos.saturating_add(len as u32);
        }
        Ok(None)
    }

    /// The last offset at or after `pos` that is not erased (`0xFF`), if any.
    fn last_written(&mut self, mut pos: u32) -> Result<Option<u32>, FlashError<F::Error>> {
        let mut last = None;
        let mut chunk = [0u8; CHUNK];
        while pos < self.end {
            let len = self.end.saturating_sub(pos).min(CHUNK as u32) as usize;
            let bytes = chunk.get_mut(..len).unwrap_or_default();
            self.flash.read(pos, bytes).map_err(FlashError::Flash)?;
            if let Some(i) = bytes.iter().rposition(|&b| b != ERASED) {
                last = Some(pos.saturating_add(i as u32));
            }
            pos = pos.saturating_add(len as u32);
        }
        Ok(last)
    }
}

/// One step of the walk over a region.
enum Step {
    /// A complete frame (intact or not); the next one starts at `next`.
    Frame { next: u32 },
    /// Only erased flash from `at`.
    Erased { at: u32 },
    /// An incomplete frame at `at`, `len` bytes up to its last written byte.
    Torn { at: u32, len: u32 },
    /// The region is used to its end.
    End,
}

fn check_layout<F: NorFlash>(flash: &F, start: u32, end: u32) -> Result<(), FlashError<F::Error>> {
    let word = F::WRITE_SIZE;
    let erase = F::ERASE_SIZE as u32;
    let word_ok =
        word.is_power_of_two() && word <= MAX_WRITE_SIZE && PREAMBLE_LEN.is_multiple_of(word);
    let region_ok = erase > 0
        && start.is_multiple_of(erase)
        && end.is_multiple_of(erase)
        && start < end
        && usize::try_from(end).is_ok_and(|end| end <= flash.capacity());
    if word_ok && region_ok && F::READ_SIZE == 1 {
        Ok(())
    } else {
        Err(FlashError::Layout)
    }
}

fn align_up<F: NorFlash>(offset: u32) -> Option<u32> {
    let word = F::WRITE_SIZE as u32;
    offset
        .checked_add(word.saturating_sub(1))
        .and_then(|o| o.checked_div(word))
        .map(|q| q.saturating_mul(word))
}

/// A byte slice used as NOR flash (4-byte words, 1 KiB erase pages): a ledger in RAM goes
/// through the same [`FlashLog`] as one in flash. Writes only clear bits, as NOR does.
#[derive(Debug)]
pub struct RamFlash<'a> {
    bytes: &'a mut [u8],
}

/// An access outside the slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

impl embedded_storage::nor_flash::NorFlashError for OutOfRange {
    fn kind(&self) -> embedded_storage::nor_flash::NorFlashErrorKind {
        embedded_storage::nor_flash::NorFlashErrorKind::OutOfBounds
    }
}

impl<'a> RamFlash<'a> {
    /// The slice as flash; erase it (or format a ledger on it) before use.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        RamFlash { bytes }
    }

    /// The bytes, e.g. to dump them.
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    fn range(&self, offset: u32, len: usize) -> Result<core::ops::Range<usize>, OutOfRange> {
        let start = usize::try_from(offset).map_err(|_| OutOfRange)?;
        let end = start.checked_add(len).ok_or(OutOfRange)?;
        if end > self.bytes.len() {
            Err(OutOfRange)
        } else {
            Ok(start..end)
        }
    }
}

impl embedded_storage::nor_flash::ErrorType for RamFlash<'_> {
    type Error = OutOfRange;
}

impl embedded_storage::nor_flash::ReadNorFlash for RamFlash<'_> {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), OutOfRange> {
        let range = self.range(offset, bytes.len())?;
        bytes.copy_from_slice(self.bytes.get(range).ok_or(OutOfRange)?);
        Ok(())
    }
    fn capacity(&self) -> usize {
        self.bytes.len()
    }
}

impl NorFlash for RamFlash<'_> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = 1024;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), OutOfRange> {
        let len =
            usize::try_from(to.checked_sub(from).ok_or(OutOfRange)?).map_err(|_| OutOfRange)?;
        let range = self.range(from, len)?;
        self.bytes.get_mut(range).ok_or(OutOfRange)?.fill(ERASED);
        Ok(())
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), OutOfRange> {
        let range = self.range(offset, bytes.len())?;
        for (old, new) in self
            .bytes
            .get_mut(range)
            .ok_or(OutOfRange)?
            .iter_mut()
            .zip(bytes)
        {
            *old &= *new;
        }
        Ok(())
    }
}
