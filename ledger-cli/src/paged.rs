//! The fold's pledges and events on a desktop, in pages of [`PAGE`] items of which at most a
//! budget stay in memory (`PLEDGE_FOLD_PAGES`, [`DEFAULT_PAGES`] unless set, for each table);
//! the others are spilled to an unnamed temporary file in fixed-size records ([`Spill`]: 120
//! bytes a pledge, 24 an event; the sidecar's build keeps where each record is the same way,
//! in 16), a page checked by its CRC-32C when it is read back. So a whole read of ten million
//! pledges keeps about 12 MiB of them in memory, not 1.8 GB.
//!
//! The fold changes items through `get_mut`, which brings a page back (the least recently used
//! one goes out, written first if it changed). Reading an item of a spilled page reads the
//! page, which is kept until another is read (the check, lookup and change of an event on an
//! old pledge follow each other); iterating reads each spilled page once. Events are mostly
//! about recent pledges, which are in memory. If the temporary file cannot be made or written,
//! the pages stay in memory (the read still answers, in more memory); if it cannot be read
//! back, nothing can be answered truly, and the command stops with that error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicUsize, Ordering};

use ledger_core::entry::Seq;
use ledger_core::record::crc32c;
use ledger_core::slots::{LentSlots, Sequenced, gallop};
use ledger_core::state::{EventState, PledgeState};

use crate::error::CliError;
use crate::sidecar::encoding::{self, Out};

/// Items per page: a page of pledges is 76 KiB in memory and 60 KiB spilled, of events 16 and
/// 12 KiB.
pub const PAGE: usize = 512;

/// Pages of each table kept in memory unless `PLEDGE_FOLD_PAGES` says otherwise: about 9.5 MiB
/// of pledges and 2 MiB of events.
pub const DEFAULT_PAGES: usize = 128;

/// The page budget of every fold made from now on.
static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_PAGES);

/// Sets the page budget from `PLEDGE_FOLD_PAGES`, if set: a whole number from 1.
pub fn configure_from_env() -> Result<(), CliError> {
    let Some(value) = std::env::var_os("PLEDGE_FOLD_PAGES") else {
        return Ok(());
    };
    let pages = value
        .to_str()
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|&pages| pages >= 1)
        .ok_or_else(|| {
            CliError::input(format!(
                "PLEDGE_FOLD_PAGES={:?} is not a number of pages: give a whole number from 1 \
                 (pages of {PAGE} pledges and of {PAGE} events kept in memory, about 76 and \
                 16 KiB each; default {DEFAULT_PAGES})",
                value.to_string_lossy()
            ))
        })?;
    BUDGET.store(pages, Ordering::Relaxed);
    Ok(())
}

/// Where a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In memory, in this frame.
    Memory(usize),
    /// Only in the spill file.
    Spilled,
}

/// A page in memory.
#[derive(Debug)]
struct Frame<T> {
    page: usize,
    items: Vec<T>,
    /// Changed since it was last written to the spill file (or never written).
    dirty: bool,
    /// When it was last used, for choosing which page goes out.
    used: u64,
}

/// The pledges, events or record locations of a desktop read (see the module's documentation).
#[derive(Debug)]
pub struct Paged<T> {
    len: usize,
    /// Where each page is.
    places: Vec<Place>,
    /// The sequence number of each page's first item, to find an item without reading pages.
    firsts: Vec<Seq>,
    /// The CRC-32C of each page as last written to the spill file: a page read back must match.
    checks: Vec<u32>,
    frames: Vec<Frame<T>>,
    budget: usize,
    clock: u64,
    spill: Option<File>,
    /// False once the spill file could not be made or written: pages then stay in memory.
    spilling: bool,
    /// The spilled page read last, as it is in the spill file.
    last_read: RefCell<Option<(usize, Vec<u8>)>>,
}

impl<T: Spill> Default for Paged<T> {
    fn default() -> Self {
        Paged::with_budget(BUDGET.load(Ordering::Relaxed))
    }
}

impl<T: Spill> Paged<T> {
    /// An empty table keeping at most `pages` pages (at least one) in memory.
    pub fn with_budget(pages: usize) -> Self {
        Paged {
            len: 0,
            places: Vec::new(),
            firsts: Vec::new(),
            checks: Vec::new(),
            frames: Vec::new(),
            budget: pages.max(1),
            clock: 0,
            spill: None,
            spilling: true,
            last_read: RefCell::new(None),
        }
    }

    /// How many pages are in the spill file only.
    #[cfg(test)]
    fn spilled_pages(&self) -> usize {
        self.places.iter().filter(|p| **p == Place::Spilled).count()
    }

    /// The number of items in `page`.
    fn count(&self, page: usize) -> usize {
        self.len.saturating_sub(page * PAGE).min(PAGE)
    }

    /// Where page `page` starts in the spill file.
    fn offset(page: usize) -> u64 {
        (page * PAGE * T::SIZE) as u64
    }

    /// The spill records of `page`, if they read back as they were written.
    fn read(&self, page: usize) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; self.count(page) * T::SIZE];
        let file = self.spill.as_ref().ok_or(std::io::ErrorKind::NotFound)?;
        file.read_exact_at(&mut bytes, Self::offset(page))?;
        if self.checks.get(page) != Some(&crc32c(&bytes)) {
            return Err(std::io::Error::other(CHECK));
        }
        Ok(bytes)
    }

    /// [`Paged::read`], or stop.
    fn read_or_stop(&self, page: usize) -> Vec<u8> {
        self.read(page).unwrap_or_else(|error| lost(&error))
    }

    /// `f` of the spill records of `page`, read once for the lookups, reads and change that an
    /// event on an old pledge makes one after the other.
    fn with_spilled<R>(&self, page: usize, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut last = self.last_read.borrow_mut();
        match &*last {
            Some((held, bytes)) if *held == page => f(bytes),
            _ => {
                let bytes = self.read_or_stop(page);
                let result = f(&bytes);
                *last = Some((page, bytes));
                result
            }
        }
    }

    /// Writes a frame's page to the spill file; false if it cannot.
    fn write(&mut self, frame: usize) -> bool {
        if self.spill.is_none() {
            self.spill = tempfile::tempfile().ok();
        }
        let (Some(file), Some(frame)) = (&self.spill, self.frames.get(frame)) else {
            return false;
        };
        // Its old records may be held as read last: not any more.
        let last_read = self.last_read.get_mut();
        if last_read
            .as_ref()
            .is_some_and(|(held, _)| *held == frame.page)
        {
            *last_read = None;
        }
        let mut bytes = Out(Vec::with_capacity(frame.items.len() * T::SIZE));
        for item in &frame.items {
            item.spill_into(&mut bytes);
        }
        let page = frame.page;
        if file.write_all_at(&bytes.0, Self::offset(page)).is_err() {
            return false;
        }
        match self.checks.get_mut(page) {
            Some(check) => *check = crc32c(&bytes.0),
            None => return false,
        }
        true
    }

    /// A frame to put a page in: a new one while under budget, else the least recently used
    /// one, its page written out first if it changed (and a new one if that fails).
    fn free_frame(&mut self) -> usize {
        let full = self.frames.len() >= self.budget && self.spilling;
        let oldest = self
            .frames
            .iter()
            .enumerate()
            .min_by_key(|(_, frame)| frame.used)
            .map(|(k, _)| k);
        if let (true, Some(k)) = (full, oldest) {
            let dirty = self.frames.get(k).is_some_and(|f| f.dirty);
            if !dirty || self.write(k) {
                if let Some(frame) = self.frames.get_mut(k) {
                    if let Some(place) = self.places.get_mut(frame.page) {
                        *place = Place::Spilled;
                    }
                    frame.items.clear();
                    frame.dirty = false;
                }
                return k;
            }
            self.spilling = false;
        }
        self.frames.push(Frame {
            page: 0,
            items: Vec::with_capacity(PAGE),
            dirty: false,
            used: 0,
        });
        self.frames.len() - 1
    }

    /// The frame holding `page`, brought back from the spill file if need be.
    fn resident(&mut self, page: usize) -> Option<usize> {
        self.clock += 1;
        let k = match *self.places.get(page)? {
            Place::Memory(k) => k,
            Place::Spilled => {
                let k = self.free_frame();
                let mut items = std::mem::take(&mut self.frames.get_mut(k)?.items);
                self.with_spilled(page, |bytes| {
                    for record in bytes.chunks_exact(T::SIZE) {
                        items.push(T::read_spill(record).unwrap_or_else(|| lost(&RECORD)));
                    }
                });
                let frame = self.frames.get_mut(k)?;
                frame.page = page;
                frame.items = items;
                *self.places.get_mut(page)? = Place::Memory(k);
                k
            }
        };
        let frame = self.frames.get_mut(k)?;
        frame.used = self.clock;
        Some(k)
    }
}

/// Why a page read back is refused.
const CHECK: &str = "a page fails its check";

/// Why a record of a page that passed its check is refused (never, but for a bug).
const RECORD: &str = "a record does not decode";

/// The spill file we wrote cannot be read back: no answer can be trusted, so stop here, before
/// anything is printed or written.
fn lost(why: &dyn std::fmt::Display) -> ! {
    let _ = CliError::failure(format!(
        "what this read spilled to a temporary file could not be read back ({why}); a higher \
         PLEDGE_FOLD_PAGES keeps more of it in memory"
    ))
    .report();
    std::process::exit(i32::from(crate::error::FAILURE))
}

impl<T: Spill> LentSlots<T> for Paged<T> {
    type Ref<'a>
        = Cow<'a, T>
    where
        T: 'a;
    type Iter<'a>
        = Pages<'a, T>
    where
        T: 'a;

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Option<Cow<'_, T>> {
        if index >= self.len {
            return None;
        }
        let (page, at) = (index / PAGE, index % PAGE);
        match *self.places.get(page)? {
            Place::Memory(k) => self.frames.get(k)?.items.get(at).map(Cow::Borrowed),
            Place::Spilled => self.with_spilled(page, |bytes| {
                let record = bytes.get(at * T::SIZE..(at + 1) * T::SIZE)?;
                Some(Cow::Owned(
                    T::read_spill(record).unwrap_or_else(|| lost(&RECORD)),
                ))
            }),
        }
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        if index >= self.len {
            return None;
        }
        let k = self.resident(index / PAGE)?;
        let frame = self.frames.get_mut(k)?;
        frame.dirty = true;
        frame.items.get_mut(index % PAGE)
    }

    fn is_full(&self) -> bool {
        false
    }

    /// Never asked: the fold lets an item go only from a full table, and pages spill rather
    /// than fill.
    fn remove(&mut self, _index: usize) -> Option<T> {
        None
    }

    fn push(&mut self, item: T) -> Result<(), T> {
        let page = self.len / PAGE;
        let k = if self.len.is_multiple_of(PAGE) {
            let k = self.free_frame();
            self.places.push(Place::Memory(k));
            self.firsts.push(item.seq());
            self.checks.push(0);
            self.clock += 1;
            match self.frames.get_mut(k) {
                Some(frame) => {
                    frame.page = page;
                    frame.used = self.clock;
                }
                None => return Err(item),
            }
            k
        } else {
            match self.resident(page) {
                Some(k) => k,
                None => return Err(item),
            }
        };
        let Some(frame) = self.frames.get_mut(k) else {
            return Err(item);
        };
        frame.items.push(item);
        frame.dirty = true;
        self.len += 1;
        Ok(())
    }

    fn iter_from(&self, start: usize) -> Pages<'_, T> {
        Pages {
            table: self,
            next: start,
            page: None,
            buffer: Vec::new(),
        }
    }

    fn lower_bound(&self, seq: Seq) -> usize {
        // Most lookups are of recent items: try the last page before searching the others.
        let Some(last) = self.firsts.len().checked_sub(1) else {
            return 0;
        };
        let page = if self.firsts.get(last).is_some_and(|&first| first <= seq) {
            last
        } else {
            match self
                .firsts
                .partition_point(|&first| first <= seq)
                .checked_sub(1)
            {
                Some(page) => page,
                None => return 0,
            }
        };
        // Every page but the last is full, so the index after this page's last item is the
        // next page's first.
        let within = match self.places.get(page) {
            Some(Place::Memory(k)) => self.frames.get(*k).map_or(0, |frame| {
                let items = &frame.items;
                gallop(items.len(), seq, |i| items.get(i).map(Sequenced::seq))
            }),
            // An item's sequence number is its first four bytes; `get` decodes the one found.
            _ => self.with_spilled(page, |bytes| {
                let seq_at = |i: usize| {
                    let start = i * T::SIZE;
                    bytes
                        .get(start..start + 4)
                        .and_then(|b| b.try_into().ok())
                        .map(u32::from_le_bytes)
                };
                gallop(bytes.len() / T::SIZE, seq, seq_at)
            }),
        };
        page * PAGE + within
    }
}

/// The items of a [`Paged`] table in order: borrowed from memory, or read a page at a time
/// from the spill file.
#[derive(Debug)]
pub struct Pages<'a, T> {
    table: &'a Paged<T>,
    next: usize,
    /// The spilled page whose records are in `buffer`.
    page: Option<usize>,
    buffer: Vec<u8>,
}

impl<'a, T: Spill> Iterator for Pages<'a, T> {
    type Item = Cow<'a, T>;

    fn next(&mut self) -> Option<Cow<'a, T>> {
        let index = self.next;
        if index >= self.table.len {
            return None;
        }
        self.next += 1;
        let (page, at) = (index / PAGE, index % PAGE);
        match *self.table.places.get(page)? {
            Place::Memory(k) => self.table.frames.get(k)?.items.get(at).map(Cow::Borrowed),
            Place::Spilled => {
                if self.page != Some(page) {
                    self.buffer = self.table.read_or_stop(page);
                    self.page = Some(page);
                }
                let record = self.buffer.get(at * T::SIZE..(at + 1) * T::SIZE)?;
                let item = T::read_spill(record).unwrap_or_else(|| lost(&RECORD));
                Some(Cow::Owned(item))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.table.len.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<T: Spill> ExactSizeIterator for Pages<'_, T> {}

/// How an item goes to the spill file and back.
pub trait Spill: Sequenced + Clone {
    /// Bytes per item in the spill file, its sequence number the first four (little-endian).
    const SIZE: usize;
    /// Appends the item's `SIZE` bytes to `out`.
    fn spill_into(&self, out: &mut Out);
    /// The item in `bytes`, if they are one.
    fn read_spill(bytes: &[u8]) -> Option<Self>;
}

impl Spill for PledgeState {
    const SIZE: usize = encoding::SPILL;
    fn spill_into(&self, out: &mut Out) {
        encoding::spill_into(out, self);
    }
    fn read_spill(bytes: &[u8]) -> Option<Self> {
        encoding::read_spill(bytes)
    }
}

impl Spill for EventState {
    const SIZE: usize = encoding::EVENT_SPILL;
    fn spill_into(&self, out: &mut Out) {
        encoding::event_spill_into(out, self);
    }
    fn read_spill(bytes: &[u8]) -> Option<Self> {
        encoding::read_event_spill(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::Date;
    use ledger_core::amount::CommodityId;
    use ledger_core::entry::PartyId;
    use ledger_core::state::Figures;

    fn pledge(seq: Seq) -> PledgeState {
        let figures = Figures {
            amount: i64::from(seq) * 100,
            fulfilled: 0,
            returned: 0,
            cancelled: None,
            due: None,
        };
        PledgeState {
            seq,
            date: Date(20_000),
            from: PartyId(seq % 7),
            to: PartyId(1),
            goal: None,
            project: None,
            sector: None,
            commodity: CommodityId(0),
            original: i64::from(seq) * 100,
            original_due: None,
            peak: i64::from(seq) * 100,
            planned: false,
            voided: false,
            events_held: true,
            current: figures,
            as_of: figures,
        }
    }

    /// A table of 2 pages in memory holding 5,000 pledges (10 pages) keeps the same pledges,
    /// changes and lookups as a vector, read one at a time, by iterating and by sequence number.
    #[test]
    fn a_spilled_table_is_a_vector() {
        let mut paged = Paged::<PledgeState>::with_budget(2);
        let mut vector = Vec::new();
        let mut seq = 3;
        for i in 0..5_000usize {
            paged.push(pledge(seq)).unwrap();
            vector.push(pledge(seq));
            seq += 1 + (i % 3) as u32;
            // Change an old pledge now and then, as a late fulfilment does.
            if i % 97 == 0 {
                let old = (i * 7919) % vector.len();
                // Read first, as a rule's check does, then changed: the page read for the one is
                // the page brought back for the other, and written out again later.
                assert_eq!(paged.get(old).as_deref(), Some(&vector[old]));
                paged.get_mut(old).unwrap().current.fulfilled += 1;
                vector[old].current.fulfilled += 1;
            }
        }
        assert!(paged.frames.len() <= 2);
        assert!(
            paged.spilled_pages() >= 8,
            "{} spilled",
            paged.spilled_pages()
        );
        assert_eq!(paged.len(), vector.len());
        assert!(
            paged
                .iter()
                .map(|p| p.into_owned())
                .eq(vector.iter().cloned())
        );
        for (i, p) in vector.iter().enumerate().step_by(13) {
            assert_eq!(paged.get(i).as_deref(), Some(p));
            assert_eq!(paged.position(p.seq), Some(i));
            assert_eq!(
                paged.position(p.seq + 1),
                vector.iter().position(|q| q.seq == p.seq + 1)
            );
        }
        assert_eq!(paged.position(0), None);
        assert_eq!(paged.position(u32::MAX), None);
        assert_eq!(paged.get(vector.len()), None);
    }

    /// A page changed in the spill file behind the table's back does not read back.
    #[test]
    fn a_page_changed_in_the_spill_file_is_refused() {
        let mut paged = Paged::<PledgeState>::with_budget(1);
        for seq in 0..1_500 {
            paged.push(pledge(seq)).unwrap();
        }
        assert_eq!(paged.places[0], Place::Spilled);
        let good = paged.read(0).unwrap();
        assert_eq!(good.len(), PAGE * PledgeState::SIZE);
        let file = paged.spill.as_ref().unwrap();
        for byte in [0, 77, good.len() - 1] {
            let mut bad = good.clone();
            bad[byte] ^= 0x10;
            file.write_all_at(&bad, 0).unwrap();
            assert!(paged.read(0).is_err(), "byte {byte}");
        }
        file.write_all_at(&good, 0).unwrap();
        assert_eq!(paged.read(0).unwrap(), good);
    }

    /// With a spill file that cannot be written, every page stays in memory and nothing is
    /// lost.
    #[test]
    fn pages_stay_in_memory_when_they_cannot_be_spilled() {
        let mut paged = Paged::<PledgeState>::with_budget(1);
        paged.spill = Some(File::open(std::env::current_exe().unwrap()).unwrap());
        for seq in 0..2_000 {
            paged.push(pledge(seq)).unwrap();
        }
        assert!(!paged.spilling);
        assert_eq!(paged.spilled_pages(), 0);
        assert_eq!(paged.frames.len(), 4);
        assert!(paged.iter().map(|p| p.seq).eq(0..2_000));
    }
}
