//! A ledger in a region of NOR flash, through the `embedded-storage` traits: the same bytes as a
//! ledger file, written so that flash rules hold and a power cut at any moment loses at most the
//! record being written.
//!
//! - Every write is aligned to `WRITE_SIZE` and covers whole words; a frame is padded to a
//!   word boundary with `0x00` (empty frames, skipped by readers). No word is programmed with
//!   data twice (only zeros, over a word a cut may have touched), so flash with ECC works.
//! - The region's erased bytes read `0xFF`: the log ends where only `0xFF` follows.
//! - A record cut short by a power cut leaves bytes with no delimiter before the erased space.
//!   [`FlashLog::open`] reports it and never reads it as data.
//! - A power cut can also leave a word that reads erased but was touched (its write had begun),
//!   which ECC flash must not program with data. So the first append after opening writes one
//!   word of `0x00` first: zeros are what ECC NOR flash takes over a touched word (the check bits
//!   of zero data are zeros; flash that refuses moves the word on). After a clean tail it goes
//!   where the tail ends: a boot costs that one word. After a torn record it goes past one
//!   guard word (at least 4 bytes) beyond the last byte written, and ends the torn frame; the
//!   erased gap it leaves is skipped by readers. (A torn record whose last written words
//!   happened to hold only `0xFF` data could extend past the guard word; that case, of
//!   probability about one in 2^32 per cut, is not handled.)
//! - When the region is full, [`FlashLog::append`] returns [`FlashError::Full`] and writes
//!   nothing. [`FlashLog::continue_into`] then goes on in another region: it erases it and
//!   seals this one with a word of `0x00` in its last word, which appends never use (they
//!   stop a guard before it); at a boot that finds a region sealed ([`FlashLog::is_sealed`]),
//!   [`FlashLog::open_continuation`] opens the next one.
//! - Opening tells the truth: every frame that does not decode (a flipped bit, rot at rest) is
//!   handed to the caller as [`Found::Damaged`] with its place, counted in [`FlashLog::damage`],
//!   and keeps its sequence number: a damaged last record's number is never given to the next
//!   append. Appending after damage is refused ([`FlashError::Damaged`]) until the caller decides
//!   to go on with [`FlashLog::accept_damage`].
//! - [`FlashLog::format`] erases the region page by page, the first page last, then writes the
//!   preamble. A cut while the first page is erased or the preamble written (the preamble's
//!   bytes on their way from erased to the preamble, no intact record in the first page, every
//!   later page erased) reads as [`FlashError::Unformatted`], so the usual "format if
//!   unformatted" start-up redoes it. A cut while a later page is erased leaves what the region
//!   held before, its end damaged: a ledger reads as one, with the damage reported, but its
//!   half-erased page cannot be written again (ECC flash refuses, and an append reports the
//!   driver's error); format again.
//! - Any write size and read size that is a power of two up to 32 bytes works; reads are
//!   widened to whole aligned read units.
//!
//! Opening scans the region from the start, one frame at a time, with one frame-sized buffer
//! on the stack: time proportional to the bytes in use, RAM independent of them.

use core::ops::ControlFlow;

use embedded_storage::nor_flash::NorFlash;

use crate::entry::{Record, Seq};
use crate::error::FormatError;
use crate::record::{
    DELIMITER, ERASED, MAX_FRAME, PREAMBLE_LEN, check_preamble, decode_frame_in_place,
    decode_payload, preamble,
};

/// The largest flash write size supported (bytes).
pub const MAX_WRITE_SIZE: usize = 32;
/// The largest flash read size supported (bytes).
pub const MAX_READ_SIZE: usize = 32;
/// How many words the closing word of a boot's first append may move on from where a refused
/// write left it (each refusal: one earlier boot cut while writing it).
const MARKER_TRIES: u32 = 8;
/// Bytes the first append after opening skips before its closing word: a word that may have
/// been touched, and at least 4 bytes, so that the erased run that marks an interrupted append
/// is never the last byte or two of a damaged record's checksum (one in 2^32, not one in 256).
const fn guard_len(word: usize) -> usize {
    if word < 4 { 4 } else { word }
}
/// Bytes read from flash at a time while looking for a delimiter.
const CHUNK: usize = 64;

/// The fewest bytes a pledge's frame can have: every field at its smallest (the ids 0, one
/// varint byte each, no optional field), checksum, COBS and delimiter included. A test encodes
/// that pledge and checks the figure.
pub const MIN_PLEDGE_FRAME: usize = 14;

/// The most pledges a region of `region` bytes with `write_size`-byte words can ever hold,
/// every frame padded to whole words between the preamble and a guard before the region's last
/// word (its seal, [`FlashLog::continue_into`]): a fold whose `PLEDGES` capacity is at
/// least this never refuses a pledge for room before the flash is full (docs/EMBEDDED.md,
/// "Capacities and memory"). 0 for a write size of 0.
pub const fn most_pledges(region: usize, write_size: usize) -> usize {
    let Some(words) = MIN_PLEDGE_FRAME
        .saturating_add(write_size.saturating_sub(1))
        .checked_div(write_size)
    else {
        return 0;
    };
    match region
        .saturating_sub(PREAMBLE_LEN)
        .saturating_sub(write_size)
        .saturating_sub(guard_len(write_size))
        .checked_div(words.saturating_mul(write_size))
    {
        Some(most) => most,
        None => 0,
    }
}

/// What went wrong with a ledger in flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FlashError<E> {
    /// The flash driver failed.
    Flash(E),
    /// The region has no room for the record; nothing was written.
    Full,
    /// The region is not erase-aligned or is beyond the flash, or the flash's write or read
    /// size is not a power of two up to [`MAX_WRITE_SIZE`] / [`MAX_READ_SIZE`].
    Layout,
    /// The region holds no ledger (it is erased: format it first).
    Unformatted,
    /// The region does not start with a valid ledger preamble.
    NotALedger(FormatError),
    /// The frame to append is longer than any record.
    FrameTooLong,
    /// Opening found damaged records ([`FlashLog::damage`]); appending after them waits for
    /// [`FlashLog::accept_damage`].
    Damaged,
    /// The caller's callback stopped the walk over the records.
    Stopped,
    /// The region is sealed: the ledger continues in the next region
    /// ([`FlashLog::continue_into`]), which [`FlashLog::open_continuation`] opens.
    Sealed,
}

impl<E: core::fmt::Debug> core::fmt::Display for FlashError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FlashError::Flash(e) => write!(f, "the flash driver failed: {e:?}"),
            FlashError::Full => {
                f.write_str("the ledger's flash region is full; nothing was written")
            }
            FlashError::Layout => f.write_str(
                "the region is not whole erase pages within the flash, or the flash's write or \
                 read size is not a power of two up to 32",
            ),
            FlashError::Unformatted => f.write_str(
                "the region holds no ledger (erased, or its format was cut short); format it",
            ),
            FlashError::NotALedger(e) => write!(f, "the region does not hold a ledger: {e}"),
            FlashError::FrameTooLong => f.write_str("the frame is longer than any record"),
            FlashError::Damaged => f.write_str(
                "the region holds damaged records; call accept_damage() to append after them",
            ),
            FlashError::Stopped => f.write_str("the callback stopped the walk over the records"),
            FlashError::Sealed => f.write_str(
                "the region is sealed and the ledger continues in the next one; open that one",
            ),
        }
    }
}

impl<E: core::fmt::Debug> core::error::Error for FlashError<E> {}

/// What [`FlashLog::open`] and [`FlashLog::for_each_record`] find, one frame at a time.
#[derive(Debug, Clone, Copy)]
pub enum Found<'a> {
    /// An intact record.
    Record {
        /// The record, its sequence number resolved.
        record: &'a Record,
        /// Its payload: what the Merkle tree hashes.
        payload: &'a [u8],
        /// Where its frame starts in the region.
        offset: u32,
    },
    /// A complete frame (it has its delimiter) that does not decode.
    Damaged {
        /// Where it starts in the region.
        offset: u32,
        /// Its length, delimiter included.
        len: u32,
        /// Why it does not decode.
        error: FormatError,
        /// It is an append a power cut interrupted, closed by the first append of a later
        /// boot (its written bytes, then the skipped guard word, read erased, then that
        /// append's `0x00`): recovery, not damage. It never held an acknowledged record, does
        /// not count in [`Damage::count`], and does not hold appends back.
        interrupted: bool,
    },
}

/// The damaged frames opening found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Damage {
    /// How many.
    pub count: u32,
    /// Where the first one starts in the region (each one's place is handed to the open
    /// callback as [`Found::Damaged`]).
    pub first: Option<u32>,
    /// Appends a power cut interrupted, closed by a later boot (see [`Found::Damaged`]).
    pub interrupted: u32,
}

/// How a ledger region ends, as [`FlashLog::open`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
    /// The first append after opening writes a word of 0x00 first, after skipping this many
    /// bytes (a guard word after a torn tail, none after a clean one); `None` after a format.
    first_append: Option<u32>,
    /// The sequence number the next record will have.
    next_seq: Seq,
    /// When the region continues another (it has no preamble then): the number its walk starts
    /// from, and the damaged frames at the end of the region before, whose numbers its first
    /// record resolves (as one walk over both regions would); `None` for a ledger's first region.
    continues_at: Option<(Seq, u32)>,
    tail: Tail,
    damage: Damage,
    /// Damaged frames since the last intact record: their numbers are taken.
    damaged_run: u32,
    /// Where the last frame read as an interrupted append since the last record starts.
    interrupted_at: Option<u32>,
    /// The caller has decided to append after damage.
    damage_accepted: bool,
    /// `open_or_format` formatted the region.
    formatted: bool,
}

impl<F: NorFlash> FlashLog<F> {
    /// Erases `start..end` and writes an empty ledger's preamble there (with `0x00` padding to
    /// a whole word when the write size is larger than the preamble).
    pub fn format(mut flash: F, start: u32, end: u32) -> Result<Self, FlashError<F::Error>> {
        check_layout::<F>(&flash, start, end)?;
        // Page by page, the first page last: until it is erased the region still reads as what
        // it held, and a cut while it is erased leaves a state `check_preamble` recognises.
        let page = F::ERASE_SIZE as u32;
        let mut at = end;
        while at > start {
            let from = at.saturating_sub(page);
            flash.erase(from, at).map_err(FlashError::Flash)?;
            at = from;
        }
        let mut head = [DELIMITER; MAX_WRITE_SIZE];
        let len = align_up::<F>(PREAMBLE_LEN as u32).ok_or(FlashError::Layout)?;
        head.get_mut(..PREAMBLE_LEN)
            .ok_or(FlashError::Layout)?
            .copy_from_slice(&preamble());
        let head = head.get(..len as usize).ok_or(FlashError::Layout)?;
        flash.write(start, head).map_err(FlashError::Flash)?;
        let write_at = start.checked_add(len).ok_or(FlashError::Layout)?;
        Ok(FlashLog {
            flash,
            start,
            end,
            write_at,
            first_append: None,
            next_seq: 0,
            continues_at: None,
            tail: Tail::Clean,
            damage: Damage::default(),
            damaged_run: 0,
            interrupted_at: None,
            damage_accepted: false,
            formatted: false,
        })
    }

    /// Opens the ledger in `start..end`: checks the preamble and walks every frame to find the
    /// end, recovering from a torn last record. `on_item` sees every intact record and every
    /// damaged frame, in order; returning `ControlFlow::Break` stops the walk and the open
    /// ([`FlashError::Stopped`]), e.g. when the fold refuses a record.
    pub fn open(
        flash: F,
        start: u32,
        end: u32,
        on_item: impl FnMut(Found<'_>) -> ControlFlow<()>,
    ) -> Result<Self, FlashError<F::Error>> {
        let mut log = Self::new(flash, start, end)?;
        log.check_preamble()?;
        log.walk(on_item)
    }

    /// Opens the ledger in `start..end` as [`FlashLog::open`] does, or, if the region holds
    /// none (erased, or its format was cut short), formats it: the start-up a device runs.
    /// Foreign data is still an error ([`FlashError::NotALedger`]), never erased.
    ///
    /// ```
    /// use core::ops::ControlFlow;
    /// use ledger_core::flash::{FlashLog, Found, RamFlash};
    ///
    /// let mut memory = [0xFF; 2048]; // erased flash, standing in for the device's driver
    /// let log = FlashLog::open_or_format(RamFlash::new(&mut memory), 0, 2048, |_| {
    ///     ControlFlow::Continue(())
    /// })?;
    /// assert!(log.formatted());
    /// # Ok::<(), ledger_core::flash::FlashError<ledger_core::flash::OutOfRange>>(())
    /// ```
    pub fn open_or_format(
        flash: F,
        start: u32,
        end: u32,
        on_item: impl FnMut(Found<'_>) -> ControlFlow<()>,
    ) -> Result<Self, FlashError<F::Error>> {
        let mut log = Self::new(flash, start, end)?;
        match log.check_preamble() {
            Ok(()) => return log.walk(on_item),
            Err(FlashError::Unformatted) => {}
            // A format cut while it erased the first page reads as no ledger to `open`; here,
            // where the next step would be to format, it is recognised and redone.
            Err(FlashError::NotALedger(e)) => {
                if !log.format_cut_in_first_page()? {
                    return Err(FlashError::NotALedger(e));
                }
            }
            Err(e) => return Err(e),
        }
        let mut log = Self::format(log.flash, start, end)?;
        log.formatted = true;
        Ok(log)
    }

    /// Whether [`FlashLog::open_or_format`] found no ledger and formatted the region.
    pub fn formatted(&self) -> bool {
        self.formatted
    }

    /// A log over `start..end` not yet read.
    fn new(flash: F, start: u32, end: u32) -> Result<Self, FlashError<F::Error>> {
        check_layout::<F>(&flash, start, end)?;
        Ok(FlashLog {
            flash,
            start,
            end,
            write_at: end,
            first_append: Some(guard_len(F::WRITE_SIZE) as u32),
            next_seq: 0,
            continues_at: None,
            tail: Tail::Clean,
            damage: Damage::default(),
            damaged_run: 0,
            interrupted_at: None,
            damage_accepted: false,
            formatted: false,
        })
    }

    /// Checks the region's preamble: a ledger's, or erased / a format cut short
    /// ([`FlashError::Unformatted`]), or something else.
    fn check_preamble(&mut self) -> Result<(), FlashError<F::Error>> {
        let mut head = [0u8; PREAMBLE_LEN];
        self.read_at(self.start, &mut head)?;
        let Err(e) = check_preamble(&head) else {
            return Ok(());
        };
        // The preamble on its way, with nothing after it (its padding to a word aside: any
        // byte is on its way to 0x00): a format cut while it wrote the preamble.
        let after =
            align_up::<F>(self.start.saturating_add(PREAMBLE_LEN as u32)).unwrap_or(self.end);
        Err(
            if on_its_way(&head) && self.last_written(after)?.is_none() {
                FlashError::Unformatted
            } else {
                FlashError::NotALedger(e)
            },
        )
    }

    /// Whether the region reads as a format cut while it erased the first page (`format`
    /// erases it last): the preamble's bytes on their way from erased to the preamble, the
    /// rest of the first page anything but a record (a ledger whose preamble rotted is never
    /// taken for one), every later page erased.
    fn format_cut_in_first_page(&mut self) -> Result<bool, FlashError<F::Error>> {
        let mut head = [0u8; PREAMBLE_LEN];
        self.read_at(self.start, &mut head)?;
        let second_page = self
            .start
            .saturating_add(F::ERASE_SIZE as u32)
            .min(self.end);
        Ok(on_its_way(&head)
            && self.last_written(second_page)?.is_none()
            && !self.holds_a_record(self.start.saturating_add(PREAMBLE_LEN as u32), second_page)?)
    }

    /// Whether the first frame at or after `pos` ends before `until` and has a valid CRC (a
    /// ledger's first record follows its preamble).
    fn holds_a_record(&mut self, pos: u32, until: u32) -> Result<bool, FlashError<F::Error>> {
        let mut buf = [0u8; MAX_FRAME];
        let Some(first) = self.skip_padding(pos)? else {
            return Ok(false);
        };
        let Some(delimiter) = self.find_delimiter(first)? else {
            return Ok(false);
        };
        let len = delimiter.saturating_add(1).saturating_sub(first) as usize;
        Ok(match buf.get_mut(..len) {
            Some(frame) if delimiter < until => {
                self.read_at(first, frame)?;
                decode_frame_in_place(frame).is_ok()
            }
            _ => false,
        })
    }

    /// Walks every frame after the preamble to find the end.
    fn walk(
        mut self,
        mut on_item: impl FnMut(Found<'_>) -> ControlFlow<()>,
    ) -> Result<Self, FlashError<F::Error>> {
        let (start, end) = (self.start, self.end);
        let mut pos = self.data_start();
        let log = &mut self;
        loop {
            match log.next_item(pos, &mut on_item)? {
                Step::Frame { next } => pos = next,
                Step::Erased { at, clean } => {
                    log.write_at = align_up::<F>(at).unwrap_or(end).min(end);
                    // Right after a complete frame nothing was written but perhaps touched:
                    // the closing word goes there, with no guard before it.
                    if clean {
                        log.first_append = Some(0);
                    }
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
        // Damaged frames at the end were records too: their numbers are never reused.
        log.next_seq = log.next_seq.saturating_add(log.damaged_run);
        Ok(self)
    }

    /// The damaged frames opening found (none: `count == 0`).
    pub fn damage(&self) -> Damage {
        self.damage
    }

    /// Lets appends go on after damaged records: the caller has reported them and decided
    /// that the ledger continues (its audit will show the damage at its place).
    pub fn accept_damage(&mut self) {
        self.damage_accepted = true;
    }

    /// How the ledger ended when it was opened.
    pub fn tail(&self) -> Tail {
        self.tail
    }

    /// The region the log is in: its start and end.
    pub fn region(&self) -> (u32, u32) {
        (self.start, self.end)
    }

    /// The sequence number the next record must have.
    pub fn next_seq(&self) -> Seq {
        self.next_seq
    }

    /// Bytes still free for records: less, before the first append after opening, its guard
    /// and closing words and one word more, which the closing word may have to step over (a
    /// word a cut touched, on flash that refuses to program it again). The region's last word
    /// and a guard before it are never free: only [`FlashLog::continue_into`] writes that word,
    /// to seal the region.
    pub fn free(&self) -> u32 {
        let first = self.first_append.map_or(0, |skip| {
            skip.saturating_add((F::WRITE_SIZE as u32).saturating_mul(2))
        });
        self.records_end()
            .saturating_sub(self.write_at)
            .saturating_sub(first)
    }

    /// Where records must end: a guard before the region's last word, its seal, so that an
    /// append cut short there still reads as one (its bytes, erased flash, then the seal's
    /// `0x00`) once the region is sealed.
    fn records_end(&self) -> u32 {
        self.end
            .saturating_sub(F::WRITE_SIZE as u32)
            .saturating_sub(guard_len(F::WRITE_SIZE) as u32)
    }

    /// The region's last word: its seal.
    fn seal_at(&self) -> u32 {
        self.end.saturating_sub(F::WRITE_SIZE as u32)
    }

    /// Where the region's records start: after the preamble, or at its start when it
    /// continues another region.
    fn data_start(&self) -> u32 {
        match self.continues_at {
            Some(_) => self.start,
            None => self.start.saturating_add(PREAMBLE_LEN as u32),
        }
    }

    /// Appends one complete frame (from [`crate::record::encode_frame`] or
    /// [`crate::state::State::append`]'s sink), padded with `0x00` to a word boundary. Nothing is
    /// written if it does not fit.
    pub fn append(&mut self, frame: &[u8]) -> Result<(), FlashError<F::Error>> {
        if frame.len() > MAX_FRAME {
            return Err(FlashError::FrameTooLong);
        }
        if self.damage.count > 0 && !self.damage_accepted {
            return Err(FlashError::Damaged);
        }
        let word = F::WRITE_SIZE;
        let padded = frame.len().div_ceil(word).saturating_mul(word);
        let needed = u32::try_from(padded).map_err(|_| FlashError::Full)?;
        if needed > self.free() {
            return Err(FlashError::Full);
        }
        if let Some(skip) = self.first_append {
            // End what came before with 0x00: after a torn tail, past a guard word that the
            // cut may have touched. A cut may also have touched the closing word's place
            // without changing a bit (an earlier boot's closing word, or the first word of an
            // append after a clean tail: it reads erased, so this boot picks the same place).
            // Zeros over such a word are what ECC NOR flash allows (STM32's controllers
            // program 0x00 over any word, and its ECC bits are zeros too); flash that refuses
            // it moves the closing word on, while the frame still fits.
            let zeros = [0u8; MAX_WRITE_SIZE];
            let step = word as u32;
            let mut at = self.write_at.saturating_add(skip);
            let mut tries: u32 = 0;
            while let Err(e) = self.flash.write(at, zeros.get(..word).unwrap_or_default()) {
                at = at.saturating_add(step);
                tries = tries.saturating_add(1);
                // The refused word is lost to every later append too: the closing word goes
                // after it.
                self.write_at = at;
                self.first_append = Some(0);
                // `free` kept room for one refused word; a second one in a row (a cut in an
                // earlier boot's retry) may find none.
                if tries > MARKER_TRIES
                    || at.saturating_add(step).saturating_add(needed) > self.records_end()
                {
                    return Err(FlashError::Flash(e));
                }
            }
            self.write_at = at.saturating_add(step);
            self.first_append = None;
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

    /// Whether the region is sealed: its last word is written, which only
    /// [`FlashLog::continue_into`] does. A device that finds its region sealed at start-up
    /// opens the next one with [`FlashLog::open_continuation`].
    pub fn is_sealed(&mut self) -> Result<bool, FlashError<F::Error>> {
        let mut last = [ERASED; MAX_WRITE_SIZE];
        let word = last.get_mut(..F::WRITE_SIZE).ok_or(FlashError::Layout)?;
        self.read_at(self.seal_at(), word)?;
        Ok(word.iter().any(|&b| b != ERASED))
    }

    /// Continues the ledger into `start..end` of the same flash, when this region is
    /// [`FlashError::Full`]: erases that region, then seals this one (`0x00` in its last word),
    /// and returns the log of the new region, empty, whose next record has the next number.
    /// The new region has no preamble: the ledger is this region's bytes followed by the new
    /// region's, which a desktop reads as one ledger (docs/FORMAT.md), and the Merkle tree goes
    /// on over the same leaves.
    ///
    /// A power cut before the seal is written leaves this region unsealed: the next boot opens
    /// it as before, and continuing again erases the new region again. A cut while the seal is
    /// written leaves it sealed (a word that is not erased), perhaps in part: a half-written
    /// byte reads as an append cut short, closed past a guard by the new region's first append
    /// (or, if more than a frame's worth of erased flash lies before it, as damage, on the
    /// device as on the desktop). After the seal, the next boot opens the new region with
    /// [`FlashLog::open_continuation`]. On flash that refuses any second program, a cut that
    /// touched the seal's word without changing a bit leaves the region unsealable: this then
    /// returns the driver's error (flash that takes zeros over such a word, as STM32's, seals).
    pub fn continue_into(mut self, start: u32, end: u32) -> Result<Self, FlashError<F::Error>> {
        check_layout::<F>(&self.flash, start, end)?;
        if start < self.end && self.start < end {
            return Err(FlashError::Layout);
        }
        if self.damage.count > 0 && !self.damage_accepted {
            return Err(FlashError::Damaged);
        }
        if self.is_sealed()? {
            return Err(FlashError::Sealed);
        }
        let page = F::ERASE_SIZE as u32;
        let mut at = start;
        while at < end {
            let to = at.saturating_add(page);
            self.flash.erase(at, to).map_err(FlashError::Flash)?;
            at = to;
        }
        // The seal: zeros in the last word. What lies between the last record and it is erased
        // flash ended by its 0x00, which readers skip (an erased gap), or an append cut short,
        // which they read as one (its bytes, then at least a guard of erased flash).
        let zeros = [0u8; MAX_WRITE_SIZE];
        let seal = zeros.get(..F::WRITE_SIZE).unwrap_or_default();
        self.flash
            .write(self.seal_at(), seal)
            .map_err(FlashError::Flash)?;
        // The new region, just erased: nothing to close before its first append.
        let next_seq = self.next_seq;
        let mut next = Self::new(self.flash, start, end)?;
        next.write_at = start;
        next.first_append = None;
        next.next_seq = next_seq;
        next.continues_at = Some((next_seq, 0));
        Ok(next)
    }

    /// Opens `start..end` as the region that continues this one, which the caller has found
    /// sealed ([`FlashLog::is_sealed`]): no preamble, records from its first byte, numbered on
    /// from this region's (damaged frames at this region's end resolved by the next record's
    /// number, as within a region); otherwise as [`FlashLog::open`]. An erased region is an
    /// empty continuation (a cut came between the seal and the first append).
    pub fn open_continuation(
        self,
        start: u32,
        end: u32,
        on_item: impl FnMut(Found<'_>) -> ControlFlow<()>,
    ) -> Result<Self, FlashError<F::Error>> {
        // `walk` counted the damaged frames at this region's end as records; the next region's
        // first record says how many of them were.
        let run = self.damaged_run;
        let base = self.next_seq.saturating_sub(run);
        // A frame at this region's end read as an interrupted append is damage after all if
        // the next record's number skips one; that damage is counted in the next region, at its
        // start, which the frame ran up to.
        let interrupted = self.interrupted_at.map(|_| 0);
        let mut log = Self::new(self.flash, start, end)?;
        log.continues_at = Some((base, run));
        log.next_seq = base;
        log.damaged_run = run;
        log.interrupted_at = interrupted;
        let mut log = log.walk(on_item)?;
        // Empty: the seal's last word may have been cut short (bytes on their way to 0x00 at
        // the end of the region before), which the first append then ends past a guard, as
        // after a torn record, so that a reader of both regions sees an interrupted append.
        if log.write_at == start && log.first_append == Some(0) {
            log.first_append = Some(guard_len(F::WRITE_SIZE) as u32);
        }
        Ok(log)
    }

    /// Walks every frame again, handing each intact record and each damaged frame to
    /// `on_item`, as [`FlashLog::open`] does.
    pub fn for_each_record(
        &mut self,
        mut on_item: impl FnMut(Found<'_>) -> ControlFlow<()>,
    ) -> Result<(), FlashError<F::Error>> {
        let saved = (self.next_seq, self.damage, self.damaged_run);
        (self.next_seq, self.damaged_run) = self.continues_at.unwrap_or((0, 0));
        let mut pos = self.data_start();
        let walked = loop {
            match self.next_item(pos, &mut on_item) {
                Ok(Step::Frame { next }) => pos = next,
                Ok(_) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        (self.next_seq, self.damage, self.damaged_run) = saved;
        walked
    }

    /// Gives the flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// Reads the frame at `pos` (after any padding) and hands it to `on_item`.
    fn next_item(
        &mut self,
        pos: u32,
        on_item: &mut impl FnMut(Found<'_>) -> ControlFlow<()>,
    ) -> Result<Step, FlashError<F::Error>> {
        let Some(first) = self.skip_padding(pos)? else {
            return Ok(Step::End);
        };
        let offset = first.saturating_sub(self.start);
        let mut buf = [0u8; MAX_FRAME];
        let record;
        // One call of `on_item` (a device's callback is then inlined once, not per kind).
        let (found, step) = match self.find_delimiter(first)? {
            // No delimiter before the end: erased space, or a record cut short.
            None => {
                let Some(last) = self.last_written(first)? else {
                    return Ok(Step::Erased {
                        at: first,
                        clean: true,
                    });
                };
                let len = last.saturating_sub(first).saturating_add(1);
                if (len as usize) < MAX_FRAME {
                    return Ok(Step::Torn { at: first, len });
                }
                // Longer than any frame (a bit rotted in erased space, say): damage, as the
                // desktop reads it, never an append cut short. Appends go after it.
                let found = self.damaged(offset, len as usize, FormatError::FrameTooLong, false);
                (
                    found,
                    Step::Erased {
                        at: last.saturating_add(1),
                        clean: false,
                    },
                )
            }
            Some(delimiter) => {
                let next = delimiter.saturating_add(1);
                let len = usize::try_from(next.saturating_sub(first)).unwrap_or(usize::MAX);
                let found = match buf.get_mut(..len) {
                    // Too long for a record; still an interrupted append if fewer bytes than
                    // a frame were written before the erased run (the guard) that ends it: a
                    // cut in a long append, closed at a later boot. The same measure as a torn
                    // tail's, so a tail reads the same before and after it is closed.
                    None => {
                        if self.find_written(first)? == Some(delimiter) {
                            // Erased flash stepped over, however long: not a record.
                            return Ok(Step::Frame { next });
                        }
                        let last_frame_byte = first
                            .saturating_add(MAX_FRAME as u32)
                            .saturating_sub(1)
                            .min(delimiter.saturating_sub(guard_len(F::WRITE_SIZE) as u32));
                        let interrupted = self.find_written(last_frame_byte)? == Some(delimiter);
                        self.damaged(offset, len, FormatError::FrameTooLong, interrupted)
                    }
                    Some(frame) => {
                        self.read_at(first, frame)?;
                        if crate::record::is_erased_gap(frame) {
                            return Ok(Step::Frame { next });
                        }
                        // An interrupted append closed at a later boot: the guard's 0xFF
                        // right before the delimiter. (Decoding works in place: look first.)
                        let interrupted = frame
                            .len()
                            .checked_sub(guard_len(F::WRITE_SIZE).saturating_add(1))
                            .and_then(|from| frame.get(from..frame.len().saturating_sub(1)))
                            .is_some_and(|guard| guard.iter().all(|&b| b == ERASED));
                        let decoded = decode_frame_in_place(frame).and_then(|payload| {
                            decode_payload(payload, self.next_seq).map(|r| (r, payload))
                        });
                        match decoded {
                            Ok((decoded, payload)) => {
                                // Damaged frames before it are resolved by its number
                                // (docs/FORMAT.md).
                                self.numbered(decoded.seq);
                                record = decoded;
                                Found::Record {
                                    record: &record,
                                    payload,
                                    offset,
                                }
                            }
                            Err(error) => self.damaged(offset, len, error, interrupted),
                        }
                    }
                };
                (found, Step::Frame { next })
            }
        };
        match on_item(found) {
            ControlFlow::Continue(()) => Ok(step),
            ControlFlow::Break(()) => Err(FlashError::Stopped),
        }
    }

    /// Takes an intact record's number. A number skipped beyond the damaged frames since the
    /// last record was held by a frame read as an interrupted append (its delimiter rotted,
    /// say): damage after all. (Its own function, taking the number alone, so the record is
    /// not copied around it on a device's stack.)
    fn numbered(&mut self, seq: Seq) {
        if let Some(at) = self.interrupted_at.take() {
            let held = seq
                .saturating_sub(self.next_seq)
                .saturating_sub(self.damaged_run);
            if held > 0 {
                let damage = &mut self.damage;
                damage.count = damage.count.saturating_add(held);
                damage.first = damage.first.or(Some(at));
            }
        }
        self.next_seq = seq.saturating_add(1);
        self.damaged_run = 0;
    }

    /// Counts a damaged frame (an interrupted append on its own count: it held no record).
    fn damaged(
        &mut self,
        offset: u32,
        len: usize,
        error: FormatError,
        interrupted: bool,
    ) -> Found<'static> {
        let damage = &mut self.damage;
        if interrupted {
            damage.interrupted = damage.interrupted.saturating_add(1);
            self.interrupted_at = Some(offset);
        } else {
            self.damaged_run = self.damaged_run.saturating_add(1);
            damage.count = damage.count.saturating_add(1);
            damage.first = damage.first.or(Some(offset));
        }
        Found::Damaged {
            offset,
            len: u32::try_from(len).unwrap_or(u32::MAX),
            error,
            interrupted,
        }
    }

    /// Reads `out.len()` bytes at `pos`, through whole aligned read units when the flash reads
    /// more than a byte at a time.
    fn read_at(&mut self, pos: u32, out: &mut [u8]) -> Result<(), FlashError<F::Error>> {
        let unit = F::READ_SIZE as u32;
        if unit <= 1 {
            return self.flash.read(pos, out).map_err(FlashError::Flash);
        }
        let mut buf = [0u8; MAX_READ_SIZE];
        let mut done = 0usize;
        while done < out.len() {
            let at = pos.saturating_add(done as u32);
            let skip = at.checked_rem(unit).unwrap_or(0);
            let bytes = buf.get_mut(..unit as usize).ok_or(FlashError::Layout)?;
            self.flash
                .read(at.saturating_sub(skip), bytes)
                .map_err(FlashError::Flash)?;
            let available = bytes.get(skip as usize..).unwrap_or_default();
            let wanted = out.get_mut(done..).unwrap_or_default();
            let take = available.len().min(wanted.len());
            wanted
                .get_mut(..take)
                .unwrap_or_default()
                .copy_from_slice(available.get(..take).unwrap_or_default());
            done = done.saturating_add(take.max(1));
        }
        Ok(())
    }

    /// The first offset at or after `pos` that is not padding (`0x00`), if any before the end.
    fn skip_padding(&mut self, pos: u32) -> Result<Option<u32>, FlashError<F::Error>> {
        self.find(pos, DELIMITER, false)
    }

    /// The first delimiter at or after `pos`, if any before the end.
    fn find_delimiter(&mut self, pos: u32) -> Result<Option<u32>, FlashError<F::Error>> {
        self.find(pos, DELIMITER, true)
    }

    /// The first offset at or after `pos` that is not erased (`0xFF`), if any before the end.
    fn find_written(&mut self, pos: u32) -> Result<Option<u32>, FlashError<F::Error>> {
        self.find(pos, ERASED, false)
    }

    /// The first offset at or after `pos` whose byte is `byte` (`equal`) or is not (one
    /// function, not one per test: it is the same loop on a device).
    fn find(
        &mut self,
        mut pos: u32,
        byte: u8,
        equal: bool,
    ) -> Result<Option<u32>, FlashError<F::Error>> {
        let wanted = |b: u8| (b == byte) == equal;
        let mut chunk = [0u8; CHUNK];
        while pos < self.end {
            let len = self.end.saturating_sub(pos).min(CHUNK as u32) as usize;
            let bytes = chunk.get_mut(..len).unwrap_or_default();
            self.read_at(pos, bytes)?;
            if let Some(i) = bytes.iter().position(|&b| wanted(b)) {
                return Ok(Some(pos.saturating_add(i as u32)));
            }
            pos = pos.saturating_add(len as u32);
        }
        Ok(None)
    }

    /// The last offset at or after `pos` that is not erased (`0xFF`), if any.
    fn last_written(&mut self, mut pos: u32) -> Result<Option<u32>, FlashError<F::Error>> {
        // Run by run: written bytes, then erased ones (the same loop as every other search).
        let mut last = None;
        while let Some(written) = self.find_written(pos)? {
            let Some(erased) = self.find(written, ERASED, true)? else {
                return Ok(Some(self.end.saturating_sub(1)));
            };
            last = Some(erased.saturating_sub(1));
            pos = erased;
        }
        Ok(last)
    }
}

/// One step of the walk over a region.
enum Step {
    /// A complete frame (intact or not); the next one starts at `next`.
    Frame { next: u32 },
    /// Only erased flash from `at`: right after a complete frame (`clean`), or after bytes that
    /// are damage.
    Erased { at: u32, clean: bool },
    /// An incomplete frame at `at`, `len` bytes up to its last written byte.
    Torn { at: u32, len: u32 },
    /// The region is used to its end.
    End,
}

fn check_layout<F: NorFlash>(flash: &F, start: u32, end: u32) -> Result<(), FlashError<F::Error>> {
    let word = F::WRITE_SIZE;
    let erase = F::ERASE_SIZE as u32;
    let read = F::READ_SIZE;
    let word_ok = word.is_power_of_two()
        && word <= MAX_WRITE_SIZE
        && read.is_power_of_two()
        && read <= MAX_READ_SIZE;
    let region_ok = erase > 0
        && erase.is_multiple_of(word as u32)
        && erase.is_multiple_of(read as u32)
        && start.is_multiple_of(erase)
        && end.is_multiple_of(erase)
        && start < end
        && usize::try_from(end).is_ok_and(|end| end <= flash.capacity());
    if word_ok && region_ok && start.is_multiple_of(read as u32) {
        Ok(())
    } else {
        Err(FlashError::Layout)
    }
}

/// Whether every byte of `head` is erased or on its way from erased to the preamble's (NOR
/// programming only clears bits): what a format cut while it wrote the preamble, or while it
/// erased the first page, leaves there.
fn on_its_way(head: &[u8; PREAMBLE_LEN]) -> bool {
    head.iter().zip(&preamble()).all(|(&b, &p)| b & p == p)
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
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutOfRange;

impl core::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an access outside the flash")
    }
}

impl core::error::Error for OutOfRange {}

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
