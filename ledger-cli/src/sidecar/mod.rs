//! The sidecar: a cache of a ledger's fold, so that an append or a lookup reads what it needs
//! instead of the whole ledger.
//!
//! Three files in the user's cache directory, named after the ledger's canonical path:
//! `NAME.head` (the fold's names, goals, rates, renames and bounds, the Merkle compact range,
//! the report's totals by every key, and what binds it all to one state of the ledger),
//! `NAME.index` (each record's offset in the ledger, its pledge's slot and the links of its
//! history) and `NAME.slots` (each pledge's state in a fixed slot with its own checksum).
//! docs/SIDECAR.md describes them.
//!
//! Correctness never depends on it. The head is used only if the ledger is the same file
//! (device and inode), of the same size, with the same modification and change times, the same
//! last 4 KiB, and the same verifier keys as when the head was written, and only if the head's
//! own SHA-256 holds; every slot carries a CRC-32C and the sequence number it is for. Anything
//! else, and the command reads the whole ledger as it would without a sidecar; the next append
//! writes a fresh one. Deleting the files is always safe. `pledge audit` never uses them.
//!
//! An append writes it under the ledger's exclusive lock, after the append is synced; a reader
//! that found none to match writes it after reading the whole ledger, under the shared lock
//! (readers racing write the same bytes). The index and slots go first (synced), the head last
//! through a temporary file and a rename, so a head never vouches for slots not on disk.

pub(crate) mod encoding;

use std::cell::Cell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use ledger_core::checkpoint::VerifierKey;
use ledger_core::entry::{Entry, Record, Seq};
use ledger_core::record::{DELIMITER, MAX_FRAME, decode_frame, decode_payload};
use ledger_core::report::{self, Key, Row, RowHints};
use ledger_core::slots::{LentSlots, Sequenced, Slots as _};
use ledger_core::state::{Parts, PledgeState};
use ledger_core::tree::{CompactRange, leaf_hash};
use sha2::{Digest, Sha256};

use crate::paged::{Paged, Spill};
use crate::spool::Appended;
use crate::sync_behind::{self, SyncBehind};
use crate::tables::{Grow, State};
use encoding::{INDEX_ENTRY, In, IndexEntry, NONE, Out, SLOT};

const MAGIC: &[u8; 14] = b"pledge-cache\n\x02";
/// Bytes at the end of the ledger whose hash the head keeps.
const TAIL: u64 = 4096;
/// A head larger than this is not read (names make it grow, but not to this).
const MAX_HEAD: u64 = 256 << 20;

/// What ties a head to one state of one ledger file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binding {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    tail: [u8; 32],
    keys: [u8; 32],
}

impl Binding {
    fn of(file: &File, keys: &[VerifierKey]) -> Option<Binding> {
        let meta = file.metadata().ok()?;
        let size = meta.len();
        let start = size.saturating_sub(TAIL);
        let mut tail = vec![0u8; usize::try_from(size - start).ok()?];
        file.read_exact_at(&mut tail, start).ok()?;
        let mut hasher = Sha256::new();
        for key in keys {
            hasher.update(key.name.as_bytes());
            hasher.update([0]);
            hasher.update(key.key_id);
            hasher.update(key.public);
        }
        Some(Binding {
            dev: meta.dev(),
            ino: meta.ino(),
            size,
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            tail: Sha256::digest(&tail).into(),
            keys: hasher.finalize().into(),
        })
    }

    fn write(&self, out: &mut Out) {
        for v in [self.dev, self.ino, self.size] {
            out.u64(v);
        }
        for (s, ns) in [self.mtime, self.ctime] {
            out.i64(s);
            out.i64(ns);
        }
        out.bytes(&self.tail);
        out.bytes(&self.keys);
    }

    fn read(input: &mut In<'_>) -> Option<Binding> {
        Some(Binding {
            dev: input.u64()?,
            ino: input.u64()?,
            size: input.u64()?,
            mtime: (input.i64()?, input.i64()?),
            ctime: (input.i64()?, input.i64()?),
            tail: input.array()?,
            keys: input.array()?,
        })
    }
}

/// A head read and found to match the ledger, with its index and slots open.
#[derive(Debug)]
pub struct Sidecar {
    records: u64,
    pledges: u64,
    range: CompactRange,
    state: State,
    index: File,
    slots: File,
    /// The breakdown by each key of [`Key::ALL`], kept up to date at every append.
    totals: Totals,
    /// How many renames the head's state holds (an append that adds one cannot keep `totals`).
    renames: usize,
    /// The pledges restored into the state: sequence number, slot and state as read.
    restored: Vec<(Seq, u32, PledgeState)>,
}

/// Each key's breakdown rows in the order [`report::breakdown_add`] keeps them (by key id and
/// commodity), so that a pledge's contribution can be found, taken out and added again.
type Totals = Vec<Grow<Row>>;

/// Where the sidecar of `ledger` lives (the common prefix of its three files), or `None` when
/// sidecars are off (`PLEDGE_CACHE_DIR=off`) or there is no cache directory.
fn location(ledger: &Path) -> Option<PathBuf> {
    let dir = match std::env::var_os("PLEDGE_CACHE_DIR") {
        Some(dir) if dir == "off" => return None,
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("XDG_CACHE_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("pledge"),
            _ => PathBuf::from(std::env::var_os("HOME")?).join(".cache/pledge"),
        },
    };
    let canonical = std::fs::canonicalize(ledger).ok()?;
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let name: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Some(dir.join(name))
}

/// Whether `ledger` can have a sidecar (sidecars are on and there is a cache directory): a
/// reader collects what a new sidecar needs only then.
pub fn enabled(ledger: &Path) -> bool {
    location(ledger).is_some()
}

fn with_extension(prefix: &Path, extension: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Says on stderr, when `PLEDGE_TRACE` includes `sidecar`, whether a sidecar was used and if
/// not why: for a user who wonders why a command read the whole ledger, and for the tests.
pub fn trace(what: &str) {
    if std::env::var("PLEDGE_TRACE").is_ok_and(|t| t.split(',').any(|t| t == "sidecar")) {
        eprintln!("pledge: sidecar {what}");
    }
}

/// The sidecar of `ledger` (open as `file`, locked), if there is one and it matches the ledger
/// exactly as it is now; otherwise why not.
pub fn open(ledger: &Path, file: &File, keys: &[VerifierKey]) -> Result<Sidecar, &'static str> {
    let prefix = location(ledger).ok_or("off (PLEDGE_CACHE_DIR=off, or no cache directory)")?;
    let head_path = with_extension(&prefix, "head");
    let head = File::open(&head_path).map_err(|_| "not there")?;
    let mut bytes = Vec::new();
    head.take(MAX_HEAD + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| "not readable")?;
    if bytes.len() as u64 > MAX_HEAD {
        return Err("damaged: its head is too long");
    }
    let damaged = "damaged: its head does not match its checksum";
    let (body, digest) = bytes
        .split_at_checked(bytes.len().checked_sub(32).ok_or(damaged)?)
        .ok_or(damaged)?;
    if Sha256::digest(body).as_slice() != digest {
        return Err(damaged);
    }
    let mut input = In(body);
    if input.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err("of another format");
    }
    let unreadable = "damaged: its head does not read";
    let binding = Binding::read(&mut input).ok_or(unreadable)?;
    if binding != Binding::of(file, keys).ok_or("not checked: the ledger cannot be read")? {
        return Err("stale: the ledger or the keys changed since it was written");
    }
    let records = input.u64().ok_or(unreadable)?;
    let pledges = input.u64().ok_or(unreadable)?;
    let range = read_range(&mut input).ok_or(unreadable)?;
    let state = read_parts(&mut input).ok_or(unreadable)?;
    let totals = read_totals(&mut input).ok_or(unreadable)?;
    if !input.0.is_empty() || range.size() != records || u64::from(state.next_seq()) != records {
        return Err(unreadable);
    }
    let index = File::open(with_extension(&prefix, "index")).map_err(|_| "incomplete")?;
    let slots = File::open(with_extension(&prefix, "slots")).map_err(|_| "incomplete")?;
    let long_enough = |f: &File, n: u64, each: usize| {
        f.metadata().is_ok_and(|m| {
            n.checked_mul(each as u64)
                .is_some_and(|need| m.len() >= need)
        })
    };
    if !long_enough(&index, records, INDEX_ENTRY) || !long_enough(&slots, pledges, SLOT) {
        return Err("incomplete: its index or slots are short");
    }
    Ok(Sidecar {
        records,
        pledges,
        range,
        index,
        slots,
        renames: state.parts().aliases.len(),
        state,
        totals,
        restored: Vec::new(),
    })
}

impl Sidecar {
    /// The Merkle tree of the ledger's records.
    pub fn range(&self) -> &CompactRange {
        &self.range
    }

    /// The restored state: every table but pledges and events, and the pledges restored.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Restores the pledges `seqs` that exist (others are left out, and a command then finds
    /// no such pledge, as it would in the whole fold). `None` if the index or a slot does not
    /// hold what it must: then the sidecar is not to be used.
    pub fn restore(&mut self, seqs: &[Seq]) -> Option<()> {
        let mut seqs = seqs.to_vec();
        seqs.sort_unstable();
        seqs.dedup();
        for seq in seqs {
            if u64::from(seq) >= self.records {
                continue;
            }
            let slot = self.entry(seq)?.slot;
            if slot == NONE {
                continue;
            }
            let pledge = self.slot(slot)?;
            if pledge.seq != seq {
                return None;
            }
            self.state.restore_pledge(pledge.clone()).ok()?;
            self.restored.push((seq, slot, pledge));
        }
        Some(())
    }

    /// Hands over the restored state (the sidecar keeps what it needs to be updated).
    pub fn take_state(&mut self) -> State {
        std::mem::take(&mut self.state)
    }

    /// The breakdown of every pledge by `key`, as [`report::breakdown`] of the whole fold
    /// gives it: kept in the head, so its cost follows the number of rows, not of pledges.
    pub fn breakdown(&self, key: Key) -> Grow<Row> {
        let mut rows = Key::ALL
            .iter()
            .position(|k| *k == key)
            .and_then(|i| self.totals.get(i))
            .cloned()
            .unwrap_or_default();
        report::breakdown_sort(&self.state, key, &mut rows);
        rows
    }

    /// The pledges in the slots, in record order, read 8,192 slots at a time. A slot that does
    /// not hold what it must ends the walk and sets `damaged`.
    pub fn pledges<'s>(&'s self, damaged: &'s Cell<bool>) -> Slots<'s> {
        Slots {
            sidecar: self,
            damaged,
            buffer: Vec::new(),
            pos: 0,
            at: 0,
            last: None,
        }
    }

    /// Record `seq`, read from the ledger at the offset the index gives; `None` if it is not
    /// there (the sidecar is then not to be trusted).
    pub fn record(&self, ledger: &File, seq: Seq) -> Option<Record> {
        let offset = self.entry(seq)?.offset;
        let mut frame = vec![0u8; MAX_FRAME];
        let mut filled = 0;
        // A frame ends at its delimiter, at most MAX_FRAME bytes on; the file may end sooner.
        while filled < frame.len() {
            let n = ledger
                .read_at(frame.get_mut(filled..)?, offset.checked_add(filled as u64)?)
                .ok()?;
            if n == 0 {
                break;
            }
            filled += n;
            if frame.get(..filled)?.contains(&DELIMITER) {
                break;
            }
        }
        let end = memchr::memchr(DELIMITER, frame.get(..filled)?)?;
        let mut scratch = [0u8; MAX_FRAME];
        let payload = decode_frame(frame.get(..=end)?, &mut scratch).ok()?;
        decode_payload(payload, seq).ok()
    }

    /// The records about record `seq` (whose subject it is), in record order.
    pub fn about(&self, seq: Seq) -> Option<Vec<Seq>> {
        let mut found = Vec::new();
        let mut next = self.entry(seq)?.latest_about;
        while next != NONE {
            // Each link goes back; a loop or a forward link is damage.
            if next <= seq || found.last().is_some_and(|&last| next >= last) {
                return None;
            }
            found.push(next);
            next = self.entry(next)?.previous_about;
        }
        found.reverse();
        Some(found)
    }

    /// Record `seq`'s index entry.
    fn entry(&self, seq: Seq) -> Option<IndexEntry> {
        read_entry(&self.index, self.records, seq)
    }

    fn slot(&self, slot: u32) -> Option<PledgeState> {
        if u64::from(slot) >= self.pledges {
            return None;
        }
        let mut bytes = [0u8; SLOT];
        self.slots
            .read_exact_at(&mut bytes, u64::from(slot).checked_mul(SLOT as u64)?)
            .ok()?;
        encoding::read_slot(&bytes)
    }

    /// After `frames` were appended at `end` and synced, brings the sidecar up to date with
    /// `state` (this sidecar's restored state, with the new records folded in). `None` if it
    /// could not: the head left behind no longer matches the ledger, so it is never used.
    pub fn update(
        mut self,
        ledger: &Path,
        file: &File,
        keys: &[VerifierKey],
        state: &State,
        end: u64,
        frames: Appended<'_>,
    ) -> Option<()> {
        if state.parts().aliases.len() != self.renames {
            // A rename moves pledges between rows; only a whole read builds them again.
            return None;
        }
        let prefix = location(ledger)?;
        let writable = |extension| {
            OpenOptions::new()
                .write(true)
                .open(with_extension(&prefix, extension))
                .ok()
        };
        let (index, slots) = (writable("index")?, writable("slots")?);
        let first_new = Seq::try_from(self.records).ok()?;
        let mut next_slot = u32::try_from(self.pledges).ok()?;
        // The new records' index entries, a MiB of them at a time: `entries` are those from
        // `window` on, the ones before it written already.
        const WINDOW_ENTRIES: usize = (1 << 20) / INDEX_ENTRY;
        let mut entries: Vec<IndexEntry> = Vec::with_capacity(WINDOW_ENTRIES);
        let mut window = first_new;
        // The new pledges' slots, written a MiB at a time (a large import adds a million).
        let mut new_slots = Out::default();
        let mut slots_at = self.pledges.checked_mul(SLOT as u64)?;
        // Entries already written whose latest link changes (of records before the append, or
        // of this append's before the window), read back and rewritten at the end. Found by
        // number: an import's events may each be about a pledge far back in the file.
        let mut old: HashMap<Seq, IndexEntry> = HashMap::new();
        let index_before = &self.index;
        let write_entries = |entries: &[IndexEntry], first: Seq| -> Option<()> {
            let mut out = Out::default();
            for entry in entries {
                entry.write(&mut out);
            }
            let at = u64::from(first).checked_mul(INDEX_ENTRY as u64)?;
            index.write_all_at(&out.0, at).ok()
        };
        // Each new record as it is read back, not gathered first (16 bytes a record).
        let mut locator = Locator::new(end, first_new, std::mem::take(&mut self.range))?;
        frames.for_each_frame(|frame| {
            let located = locator.frame(frame)?;
            let seq = located.seq;
            let slot = match state.pledge(seq) {
                Some(pledge) => {
                    new_slots.bytes(&encoding::slot(&pledge)?);
                    if new_slots.0.len() >= 1 << 20 {
                        slots.write_all_at(&new_slots.0, slots_at).ok()?;
                        slots_at = slots_at.checked_add(new_slots.0.len() as u64)?;
                        new_slots.0.clear();
                    }
                    let slot = next_slot;
                    next_slot = next_slot.checked_add(1)?;
                    slot
                }
                None => NONE,
            };
            let about = match located.about {
                NONE => None,
                about if about >= window => entries.get_mut(usize::try_from(about - window).ok()?),
                about => {
                    let entry = match old.entry(about) {
                        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                        std::collections::hash_map::Entry::Vacant(slot) => {
                            slot.insert(read_entry(index_before, u64::from(window), about)?)
                        }
                    };
                    Some(entry)
                }
            };
            let entry = IndexEntry::linked(located.offset, slot, seq, about);
            entries.push(entry);
            if entries.len() >= WINDOW_ENTRIES {
                write_entries(&entries, window)?;
                window = window.checked_add(u32::try_from(entries.len()).ok()?)?;
                entries.clear();
            }
            Some(())
        })?;
        self.range = locator.range;
        write_entries(&entries, window)?;
        for (about, entry) in old {
            write_entries(&[entry], about)?;
        }
        slots.write_all_at(&new_slots.0, slots_at).ok()?;
        // Each pledge the entry changed: its slot rewritten, its old figures out of the totals
        // and its new ones in.
        for (seq, slot, old) in &self.restored {
            let new = state.pledge(*seq)?;
            slots
                .write_all_at(
                    &encoding::slot(&new)?,
                    u64::from(*slot).checked_mul(SLOT as u64)?,
                )
                .ok()?;
            for (key, rows) in Key::ALL.into_iter().zip(&mut self.totals) {
                report::breakdown_remove(state, key, rows, old).ok()?;
                report::breakdown_add(state, key, rows, &new).ok()?;
            }
        }
        let mut hints = RowHints::default();
        for seq in first_new..state.next_seq() {
            if let Some(new) = state.pledge(seq) {
                report::breakdown_add_every(state.keying(), &mut self.totals, &mut hints, &new)
                    .ok()?;
            }
        }
        index.sync_data().ok()?;
        slots.sync_data().ok()?;
        let records = u64::from(state.next_seq());
        write_head(
            &prefix,
            file,
            keys,
            records,
            u64::from(next_slot),
            &self.range,
            state,
            &self.totals,
        )
    }
}

/// The walk [`Sidecar::pledges`] gives.
#[derive(Debug)]
pub struct Slots<'s> {
    sidecar: &'s Sidecar,
    damaged: &'s Cell<bool>,
    buffer: Vec<u8>,
    pos: usize,
    /// Where the next chunk starts in the slots file.
    at: u64,
    last: Option<Seq>,
}

impl Iterator for Slots<'_> {
    type Item = PledgeState;

    fn next(&mut self) -> Option<PledgeState> {
        const CHUNK: u64 = SLOT as u64 * 8192;
        if self.damaged.get() {
            return None;
        }
        if self.pos >= self.buffer.len() {
            let total = self.sidecar.pledges.saturating_mul(SLOT as u64);
            let len = usize::try_from(total.saturating_sub(self.at).min(CHUNK)).ok()?;
            if len == 0 {
                return None;
            }
            self.buffer.resize(len, 0);
            if self
                .sidecar
                .slots
                .read_exact_at(&mut self.buffer, self.at)
                .is_err()
            {
                self.damaged.set(true);
                return None;
            }
            self.at += len as u64;
            self.pos = 0;
        }
        let pledge = self
            .buffer
            .get(self.pos..self.pos + SLOT)
            .and_then(encoding::read_slot)
            // Slots are in record order, each before the next record.
            .filter(|p| self.last.is_none_or(|l| l < p.seq))
            .filter(|p| u64::from(p.seq) < self.sidecar.records);
        self.pos += SLOT;
        match pledge {
            Some(pledge) => {
                self.last = Some(pledge.seq);
                Some(pledge)
            }
            None => {
                self.damaged.set(true);
                None
            }
        }
    }
}

/// Where a record is in the ledger, what record it is about, whether it is a pledge, and its
/// links in the list of records about the same one (what the sidecar's index entry holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    seq: Seq,
    offset: u64,
    about: Seq,
    /// The latest record about this one so far.
    latest: Seq,
    /// The record about the same one as this, before this.
    previous: Seq,
    /// A pledge's record: it has the next slot (pledges have slots in the order of their
    /// records), so the index is written without reading the pledges.
    pledge: bool,
}

impl Located {
    /// Record `record`, read at `offset`.
    pub fn of(offset: usize, record: &Record) -> Located {
        Located::new(record.seq, offset as u64, &record.entry)
    }

    fn new(seq: Seq, offset: u64, entry: &Entry) -> Located {
        Located {
            seq,
            offset,
            about: entry.subject().unwrap_or(NONE),
            latest: NONE,
            previous: NONE,
            pledge: matches!(entry, Entry::Pledge(_)),
        }
    }
}

impl Sequenced for Located {
    fn seq(&self) -> Seq {
        self.seq
    }
}

/// A whole read keeps where every record is (for the sidecar it then writes) in pages that
/// spill like the fold's: 25 bytes a record.
impl Spill for Located {
    const SIZE: usize = 25;
    fn spill_into(&self, out: &mut Out) {
        out.u32(self.seq);
        out.u64(self.offset);
        out.u32(self.about);
        out.u32(self.latest);
        out.u32(self.previous);
        out.0.push(u8::from(self.pledge));
    }
    fn read_spill(bytes: &[u8]) -> Option<Self> {
        let mut input = In(bytes);
        let located = Located {
            seq: input.u32()?,
            offset: input.u64()?,
            about: input.u32()?,
            latest: input.u32()?,
            previous: input.u32()?,
            pledge: match input.take(1)? {
                [0] => false,
                [1] => true,
                _ => return None,
            },
        };
        input.0.is_empty().then_some(located)
    }
}

/// Adds the next record's place to `places`, linked in front of the records about the same
/// one: the links are made as the records are read, so that writing the index needs nothing
/// but the places (two tables of 4 bytes a record were held for them: 88 MB at ten million).
/// `None`, and nothing added, if the record is not the next one or is about one not before it
/// (the fold refuses such a ledger; then no sidecar is written).
pub fn push_located(places: &mut Locations, mut located: Located) -> Option<()> {
    if usize::try_from(located.seq).ok()? != places.len() {
        return None;
    }
    if located.about != NONE {
        let target = usize::try_from(located.about)
            .ok()
            .filter(|&t| t < places.len())?;
        let about = places.get_mut(target)?;
        located.previous = std::mem::replace(&mut about.latest, located.seq);
    }
    places.push(located).ok()
}

/// Where each record of a ledger read in full is.
pub type Locations = Paged<Located>;

/// Locates appended records one frame at a time: where each is, and its leaf on the tree.
#[derive(Debug)]
struct Locator {
    scratch: [u8; MAX_FRAME],
    /// Where the next frame is in the ledger.
    offset: u64,
    /// The next record's sequence number.
    seq: Seq,
    /// The tree of every record located so far.
    range: CompactRange,
}

impl Locator {
    /// For frames appended at `offset` to a ledger of `records` records whose tree is `range`.
    fn new(offset: u64, records: impl TryInto<Seq>, range: CompactRange) -> Option<Locator> {
        Some(Locator {
            scratch: [0; MAX_FRAME],
            offset,
            seq: records.try_into().ok()?,
            range,
        })
    }

    /// Where the record of `frame`, the next, is; its leaf pushed onto the tree. `None` if it
    /// does not decode.
    fn frame(&mut self, frame: &[u8]) -> Option<Located> {
        let payload = decode_frame(frame, &mut self.scratch).ok()?;
        let record = decode_payload(payload, self.seq).ok()?;
        self.range.push(leaf_hash(payload)).ok()?;
        let located = Located::new(self.seq, self.offset, &record.entry);
        self.offset = self.offset.checked_add(frame.len() as u64)?;
        self.seq = self.seq.checked_add(1)?;
        Some(located)
    }
}

/// A large append's records located on another thread while the append is still being made
/// (an import checks a million rows): the frames are handed over as they are made, so that the
/// sidecar written after the append need not read them back and decode them.
#[derive(Debug)]
pub struct Ahead {
    frames: std::sync::mpsc::SyncSender<Vec<u8>>,
    worker: std::thread::JoinHandle<Option<Prelocated>>,
}

/// What [`Ahead`] worked out: every record's place and the tree, up to the end of the frames
/// handed over.
#[derive(Debug)]
struct Prelocated {
    places: Locations,
    range: CompactRange,
    /// Bytes of frames located.
    bytes: u64,
}

impl Ahead {
    /// Starts locating frames appended at `end` after the records of `places`, whose tree is
    /// `range`.
    pub fn start(mut places: Locations, range: CompactRange, end: u64) -> Ahead {
        // Sixteen batches wait at most (4 MiB from an import): the append stops for the
        // locator rather than holding more.
        let (frames, batches) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
        let worker = std::thread::spawn(move || {
            let mut locator = Locator::new(end, places.len(), range)?;
            for batch in batches {
                for frame in batch.split_inclusive(|&b| b == DELIMITER) {
                    push_located(&mut places, locator.frame(frame)?)?;
                }
            }
            Some(Prelocated {
                places,
                range: locator.range,
                bytes: locator.offset.checked_sub(end)?,
            })
        });
        Ahead { frames, worker }
    }

    /// Hands over the next complete frames of the append. A locator that stopped (on a frame
    /// that does not decode) takes no more; then [`build`] writes no sidecar, and the next
    /// command that reads the whole ledger writes one.
    pub fn hand(&self, frames: Vec<u8>) {
        let _ = self.frames.send(frames);
    }
}

/// The index entry of record `seq`, of an index of `records` entries.
fn read_entry(index: &File, records: u64, seq: Seq) -> Option<IndexEntry> {
    if u64::from(seq) >= records {
        return None;
    }
    let mut bytes = [0u8; INDEX_ENTRY];
    let at = u64::from(seq).checked_mul(INDEX_ENTRY as u64)?;
    index.read_exact_at(&mut bytes, at).ok()?;
    IndexEntry::read(&bytes)
}

/// What a whole ledger, just read and appended to, holds: where each record of it is (the
/// append's not included: [`build`] adds them), the fold of all of them, the tree of the
/// records before the append, and the frames appended.
#[derive(Debug)]
pub struct Whole<'a> {
    /// Where each record was read; the appended records are pushed onto it.
    pub located: &'a mut Locations,
    /// The fold of every record, the append's included.
    pub state: &'a State,
    /// The tree of the records before the append.
    pub range: &'a CompactRange,
    /// The frames appended, at the end of what was read.
    pub appended: Appended<'a>,
    /// Where the append began.
    pub end: u64,
    /// The append's first frames, located already (then `located` is empty: the places are
    /// the locator's).
    pub ahead: Option<Ahead>,
}

/// Pledges handed at a time from the walk over the fold to the thread that writes their slots
/// and adds them to the totals.
const SLOT_BATCH: usize = 4096;

/// Writes a whole new sidecar for a ledger just read in full (and perhaps appended to).
/// `None` if it could not: then no head matches the ledger.
pub fn build(ledger: &Path, file: &File, keys: &[VerifierKey], whole: Whole<'_>) -> Option<()> {
    let prefix = location(ledger)?;
    let state = whole.state;
    std::fs::create_dir_all(prefix.parent()?).ok()?;
    // The old head goes first: from here on, nothing vouches for half-written files.
    match std::fs::remove_file(with_extension(&prefix, "head")) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) => return None,
    }
    let located = whole.located;
    let (range, appended, end) = match whole.ahead {
        Some(ahead) => {
            drop(ahead.frames);
            let done = ahead.worker.join().ok()??;
            *located = done.places;
            (
                done.range,
                whole.appended.after(done.bytes)?,
                whole.end.checked_add(done.bytes)?,
            )
        }
        None => (whole.range.clone(), whole.appended, whole.end),
    };
    // Three threads: this one walks the pledges (the fold's pages cannot be shared between
    // threads) and hands them on to a second, which writes their slots and adds them to the
    // totals; a third locates the appended records not located yet and writes the index. The
    // walk and the index each say which pledges they saw, in order, so that the index's slots
    // are known to be the slots file's.
    let (seen, totals, index) = std::thread::scope(|scope| {
        let index = scope.spawn(|| {
            let mut locator = Locator::new(end, located.len(), range)?;
            appended.for_each_frame(|frame| push_located(located, locator.frame(frame)?))?;
            let slots = write_index(&prefix, located)?;
            Some((locator.range, slots))
        });
        let (pledges, batches) = std::sync::mpsc::sync_channel::<Vec<PledgeState>>(4);
        let (keying, slots_path) = (state.keying(), with_extension(&prefix, "slots"));
        let writer = scope.spawn(move || {
            let mut totals: Totals = Key::ALL.iter().map(|_| Grow::default()).collect();
            let mut hints = RowHints::default();
            write_new(&slots_path, |out| {
                for batch in batches {
                    for pledge in &batch {
                        out.write_all(&encoding::slot(pledge)?).ok()?;
                        report::breakdown_add_every(keying, &mut totals, &mut hints, pledge)
                            .ok()?;
                    }
                }
                Some(())
            })?;
            Some(totals)
        });
        let seen = (|| {
            let mut seen = Seen::default();
            let mut batch = Vec::with_capacity(SLOT_BATCH);
            for pledge in state.pledges() {
                seen.add(pledge.seq);
                batch.push(pledge.into_owned());
                if batch.len() == SLOT_BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(SLOT_BATCH));
                    pledges.send(full).ok()?;
                }
            }
            pledges.send(batch).ok()?;
            Some(seen)
        })();
        // A writer that stopped early made `send` fail; with the sender gone it ends too.
        drop(pledges);
        let totals = writer.join().ok().flatten();
        let index = index.join().ok().flatten();
        (seen, totals, index)
    });
    let (seen, totals) = (seen?, totals?);
    let (range, slots) = index?;
    if slots != seen
        || u64::try_from(located.len()).ok() != Some(range.size())
        || range.size() != u64::from(state.next_seq())
    {
        return None;
    }
    write_head(
        &prefix,
        file,
        keys,
        range.size(),
        state.pledge_count() as u64,
        &range,
        state,
        &totals,
    )
}

/// The pledges a pass saw, in order: how many, and a hash of their sequence numbers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Seen {
    count: u64,
    hash: u64,
}

impl Seen {
    fn add(&mut self, seq: Seq) {
        // FNV-1a's prime: order matters, and a slot taken by another pledge shows.
        self.count += 1;
        self.hash = (self.hash ^ u64::from(seq)).wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// Writes the index of every record in `located` (the links between records about the same
/// one were made as the places were pushed; pledges have slots in the order of their records).
/// Says which pledges it gave slots to.
fn write_index(prefix: &Path, located: &Locations) -> Option<Seen> {
    let mut seen = Seen::default();
    write_new(&with_extension(prefix, "index"), |out| {
        let mut bytes = Out(Vec::with_capacity(1 << 16));
        for at in located.iter() {
            let slot = if at.pledge {
                let slot = u32::try_from(seen.count).ok()?;
                seen.add(at.seq);
                slot
            } else {
                NONE
            };
            let entry = IndexEntry {
                offset: at.offset,
                slot,
                latest_about: at.latest,
                previous_about: at.previous,
            };
            entry.write(&mut bytes);
            if bytes.0.len() >= 1 << 16 {
                out.write_all(&bytes.0).ok()?;
                bytes.0.clear();
            }
        }
        out.write_all(&bytes.0).ok()
    })?;
    Some(seen)
}

/// Writes `path` through `write`, a synced temporary file (synced as it is written: see
/// [`sync_behind`]) and a rename.
fn write_new(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut SyncBehind<'_, '_>>) -> Option<()>,
) -> Option<()> {
    let dir = path.parent()?;
    let temp = tempfile::NamedTempFile::new_in(dir).ok()?;
    sync_behind::writing(temp.as_file(), |file| {
        let mut out = BufWriter::with_capacity(1 << 20, file);
        write(&mut out).ok_or_else(|| std::io::Error::other("not written"))?;
        out.flush()
    })
    .ok()?;
    temp.persist(path).ok()?;
    Some(())
}

#[allow(clippy::too_many_arguments)]
fn write_head(
    prefix: &Path,
    file: &File,
    keys: &[VerifierKey],
    records: u64,
    pledges: u64,
    range: &CompactRange,
    state: &State,
    totals: &Totals,
) -> Option<()> {
    let mut out = Out::default();
    out.bytes(MAGIC);
    Binding::of(file, keys)?.write(&mut out);
    out.u64(records);
    out.u64(pledges);
    write_range(&mut out, range);
    write_parts(&mut out, &state.parts());
    write_totals(&mut out, totals);
    let digest = Sha256::digest(&out.0);
    out.bytes(&digest);
    // Not synced: a head lost in a crash leaves the old one, which no longer matches.
    let dir = prefix.parent()?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).ok()?;
    temp.write_all(&out.0).ok()?;
    temp.persist(with_extension(prefix, "head")).ok()?;
    Some(())
}

fn write_range(out: &mut Out, range: &CompactRange) {
    out.u64(range.size());
    let subtrees = range.subtrees();
    out.count(subtrees.len());
    for hash in subtrees {
        out.bytes(hash);
    }
}

fn read_range(input: &mut In<'_>) -> Option<CompactRange> {
    let size = input.u64()?;
    let n = input.count(32)?;
    let mut hashes = Vec::with_capacity(n);
    for _ in 0..n {
        hashes.push(input.array::<32>()?);
    }
    CompactRange::from_subtrees(size, &hashes).ok()
}

fn write_totals(out: &mut Out, totals: &Totals) {
    for rows in totals {
        out.count(rows.as_slice().len());
        for row in rows.as_slice() {
            encoding::row(out, row);
        }
    }
}

/// Reads the rows of every key, each table in the order [`report::breakdown_add`] keeps, each
/// row of at least one pledge: anything else could not have been written.
fn read_totals(input: &mut In<'_>) -> Option<Totals> {
    let mut totals = Totals::new();
    for _ in Key::ALL {
        let n = input.count(13)?;
        let mut rows = Grow::default();
        let mut last = None;
        for _ in 0..n {
            let row = encoding::read_row(input)?;
            let order = (row.key, row.commodity);
            if row.totals.pledges == 0 || last.is_some_and(|last| last >= order) {
                return None;
            }
            last = Some(order);
            rows.push(row).ok()?;
        }
        totals.push(rows);
    }
    Some(totals)
}

fn write_parts(out: &mut Out, parts: &Parts<'_>) {
    out.u32(parts.next_seq);
    out.str(parts.origin.map_or("", |o| o.as_str()));
    for names in parts.names {
        out.count(names.len());
        for name in names {
            out.str(name);
        }
    }
    out.count(parts.commodities.len());
    for c in parts.commodities {
        encoding::commodity(out, c);
    }
    out.count(parts.bounds.len());
    for &b in parts.bounds {
        out.i64(b);
    }
    out.count(parts.goals.len());
    for g in parts.goals {
        encoding::goal(out, g);
    }
    out.count(parts.rates.len());
    for r in parts.rates {
        encoding::rate(out, r);
    }
    out.count(parts.aliases.len());
    for a in parts.aliases {
        encoding::alias(out, a);
    }
}

fn read_parts(input: &mut In<'_>) -> Option<State> {
    let next_seq = input.u32()?;
    let origin = input.name()?;
    let mut names: [Vec<_>; 4] = Default::default();
    for kind in &mut names {
        let n = input.count(4)?;
        for _ in 0..n {
            kind.push(input.name()?);
        }
    }
    let n = input.count(5)?;
    let commodities = (0..n)
        .map(|_| encoding::read_commodity(input))
        .collect::<Option<Vec<_>>>()?;
    let n = input.count(8)?;
    let bounds = (0..n).map(|_| input.i64()).collect::<Option<Vec<_>>>()?;
    let n = input.count(8)?;
    let goals = (0..n)
        .map(|_| encoding::read_goal(input))
        .collect::<Option<Vec<_>>>()?;
    let n = input.count(8)?;
    let rates = (0..n)
        .map(|_| encoding::read_rate(input))
        .collect::<Option<Vec<_>>>()?;
    let n = input.count(8)?;
    let aliases = (0..n)
        .map(|_| encoding::read_alias(input))
        .collect::<Option<Vec<_>>>()?;
    let parts = Parts {
        next_seq,
        origin: Some(&origin),
        names: [&names[0], &names[1], &names[2], &names[3]],
        commodities: &commodities,
        bounds: &bounds,
        goals: &goals,
        rates: &rates,
        aliases: &aliases,
    };
    State::from_parts(&parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::CommodityId;
    use ledger_core::report::Totals as Sums;

    fn row(key: Option<u32>, commodity: u32, pledges: u32) -> Row {
        Row {
            key,
            commodity: CommodityId(commodity),
            totals: Sums {
                pledges,
                committed: 5,
                ..Sums::default()
            },
        }
    }

    /// Writes `first` as the first key's rows (the other keys empty) and reads them back.
    fn round_trip(first: &[Row]) -> Option<Totals> {
        let mut totals: Totals = Key::ALL.iter().map(|_| Grow::default()).collect();
        for r in first {
            totals[0].push(*r).ok()?;
        }
        let mut out = Out::default();
        write_totals(&mut out, &totals);
        let mut input = In(&out.0);
        let read = read_totals(&mut input)?;
        input.0.is_empty().then_some(read)
    }

    #[test]
    fn kept_totals_read_back_and_refuse_what_no_build_writes() {
        let rows = [row(None, 0, 1), row(Some(0), 0, 2), row(Some(0), 1, 1)];
        let read = round_trip(&rows).unwrap();
        assert_eq!(read[0].as_slice(), rows);
        assert!(read[1..].iter().all(|r| r.as_slice().is_empty()));
        // Out of order (a binary search would miss a row), repeated, or of no pledge.
        assert!(round_trip(&[row(Some(1), 0, 1), row(Some(0), 0, 1)]).is_none());
        assert!(round_trip(&[row(Some(0), 0, 1), row(Some(0), 0, 1)]).is_none());
        assert!(round_trip(&[row(Some(0), 0, 0)]).is_none());
    }
}
