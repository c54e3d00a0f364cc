//! A ledger on disk: created once, read under a shared lock, appended under an exclusive lock.
//! An append is written in one piece and synced before it is reported; if any part of it fails,
//! the file is cut back to its old length, so a failed command leaves it byte for byte as it was.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ledger_core::Date;
use ledger_core::checkpoint::VerifierKey;
use ledger_core::entry::{Entry, Open, Record, Seq};
use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
use ledger_core::scan::{Frame, Item};
use ledger_core::verify::Verified;

use crate::error::{CliError, Result};
use crate::files::{self, Existing};
use crate::journal;
use crate::mapped::{Mapped, Scan};
use crate::sidecar::{self, Sidecar};
use crate::spool::Appended;
use crate::tables::State;
use crate::tree_check;

/// A ledger file, read and folded, with its lock held until it is dropped.
#[derive(Debug)]
pub struct LedgerFile {
    path: PathBuf,
    file: File,
    /// The file's bytes as read, mapped (see [`crate::mapped`]); empty when the state came from
    /// the sidecar. An append does not change them.
    pub bytes: Mapped,
    /// The file's length as read (where an append goes).
    len: u64,
    /// The fold of every record.
    pub state: State,
    /// The Merkle tree of every record, every checkpoint record checked against it. From the
    /// sidecar, only its range is known (its counts of checkpoints are 0).
    pub tree: Verified,
    /// How the ledger ends, if not cleanly after its last record.
    tail: Option<Item>,
    /// An interrupted append of several records (see [`crate::journal`]): where it began and
    /// how many bytes of it there are. `bytes` stops where it began.
    interrupted: Option<(usize, usize)>,
    /// The last record the view folded, with `--known-at`.
    pub known_at: Option<Seq>,
    /// The sidecar the state was restored from, to bring up to date after an append.
    window: Option<Sidecar>,
    /// The verifier keys the ledger was checked with (the sidecar is bound to them).
    keys: Vec<VerifierKey>,
    /// For an append read in full: each record's offset and the record it is about, for a new
    /// sidecar.
    located: sidecar::Locations,
}

/// Creates a new ledger holding only its `open` record. Refuses to overwrite anything.
pub fn create(path: &Path, origin: &str) -> Result<()> {
    let origin = ledger_core::entry::name(origin)
        .map_err(|e| CliError::input(format!("origin '{origin}' {e}")))?;
    let record = Record {
        seq: 0,
        entry: Entry::Open(Open { origin }),
    };
    let mut bytes = preamble().to_vec();
    let mut frame = [0u8; MAX_FRAME];
    let len = encode_frame(&record, &mut frame).map_err(CliError::failure)?;
    bytes.extend_from_slice(frame.get(..len).unwrap_or_default());
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists => CliError::input(format!(
                "{}: a file is there already; pledge init never overwrites",
                path.display()
            )),
            _ => CliError::failure(format!("{}: cannot create: {e}", path.display())),
        })?;
    let written = file.write_all(&bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(CliError::failure(format!(
            "{}: cannot write: {e}",
            path.display()
        )));
    }
    sync_parent(path);
    Ok(())
}

/// Which state of a ledger a reader folds: every record is still read and checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    /// Count only events dated on or before this.
    pub as_of: Option<Date>,
    /// Fold only the records up to and including this one: what was known after it.
    pub known_at: Option<KnownAt>,
}

/// Where `--known-at` stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownAt {
    /// After this record.
    Record(Seq),
    /// As the ledger's latest checkpoint covers it: the records before it.
    LastCheckpoint,
}

impl View {
    /// Every record, every date.
    pub const ALL: View = View {
        as_of: None,
        known_at: None,
    };
}

/// Opens a ledger to read it. A torn last record (an interrupted append) is reported on stderr
/// and left out; damage anywhere else is an error.
pub fn read(path: &Path, view: View, keys: &[VerifierKey]) -> Result<LedgerFile> {
    let file = open(path, false)?;
    file.lock_shared()
        .map_err(|e| io_failure(path, "cannot lock", &e))?;
    let ledger = load(path, file, view, keys, false)?;
    if let Some(warning) = ledger.tail_problem(false) {
        crate::output::warn(&warning);
    }
    Ok(ledger)
}

/// A ledger's sidecar, for a reader that needs only what it holds: the ledger open under a
/// shared lock, and the sidecar with `pledges` restored (those that exist).
#[derive(Debug)]
pub struct Cached {
    /// The ledger, locked, to read records from at the offsets the sidecar gives.
    pub file: File,
    /// The sidecar, matched to the ledger.
    pub sidecar: Sidecar,
}

/// The ledger's sidecar with `pledges` restored, if it matches the ledger as it is; `None`
/// when the reader must read the whole ledger (no sidecar, a stale or damaged one, or an
/// interrupted append to report).
pub fn read_cached(path: &Path, keys: &[VerifierKey], pledges: &[Seq]) -> Result<Option<Cached>> {
    let file = open(path, false)?;
    file.lock_shared()
        .map_err(|e| io_failure(path, "cannot lock", &e))?;
    Ok(usable_sidecar(path, &file, keys, pledges)?.map(|sidecar| Cached { file, sidecar }))
}

/// The ledger's sidecar with `pledges` restored, if it can be used (see [`sidecar::open`]);
/// traced either way.
fn usable_sidecar(
    path: &Path,
    file: &File,
    keys: &[VerifierKey],
    pledges: &[Seq],
) -> Result<Option<Sidecar>> {
    // A journal means an interrupted append, which only the full read reports.
    if journal::read(path)?.is_some() {
        sidecar::trace("not used: an append journal is pending");
        return Ok(None);
    }
    let sidecar = sidecar::open(path, file, keys).and_then(|mut sidecar| {
        sidecar
            .restore(pledges)
            .ok_or("damaged: an index entry or a slot does not hold what it must")?;
        Ok(sidecar)
    });
    match sidecar {
        Ok(sidecar) => {
            sidecar::trace("matches the ledger: used");
            Ok(Some(sidecar))
        }
        Err(why) => {
            sidecar::trace(&format!("not used: {why}"));
            Ok(None)
        }
    }
}

/// As [`read`], for a command that a sidecar serves and that found none to match: with the
/// whole view of a ledger that ends cleanly, it writes the sidecar afresh (under the shared
/// lock: readers that race to write it write the same bytes), so that the next such command
/// reads only what it needs.
pub fn read_and_cache(path: &Path, view: View, keys: &[VerifierKey]) -> Result<LedgerFile> {
    let whole = view.as_of.is_none() && view.known_at.is_none() && sidecar::enabled(path);
    let file = open(path, false)?;
    file.lock_shared()
        .map_err(|e| io_failure(path, "cannot lock", &e))?;
    let mut ledger = load(path, file, view, keys, whole)?;
    if let Some(warning) = ledger.tail_problem(false) {
        crate::output::warn(&warning);
    } else if whole && sidecar::open(path, &ledger.file, keys).is_err() {
        let whole = sidecar::Whole {
            located: &mut ledger.located,
            state: &ledger.state,
            range: &ledger.tree.range,
            appended: Appended::Memory(&[]),
            end: ledger.len,
            ahead: None,
        };
        trace_build(sidecar::build(path, &ledger.file, keys, whole));
    }
    ledger.located = sidecar::Locations::default();
    Ok(ledger)
}

/// Opens a ledger to append to it, holding an exclusive lock so that a second `pledge`
/// appending at the same time waits. Refuses a ledger whose end is torn or erased. New records
/// are held to the future-date rule with `today`.
pub fn append(path: &Path, keys: &[VerifierKey], today: Date) -> Result<LedgerFile> {
    let file = open(path, true)?;
    file.lock()
        .map_err(|e| io_failure(path, "cannot lock", &e))?;
    append_locked(path, file, keys, today)
}

/// As [`append`], for an append that does not void and reads no pledge but `pledges`: if the
/// ledger's sidecar matches it, the state is restored from the sidecar with just those pledges
/// (those that exist), without reading the ledger; otherwise the whole ledger is read.
pub fn append_window(
    path: &Path,
    keys: &[VerifierKey],
    today: Date,
    pledges: &[Seq],
) -> Result<LedgerFile> {
    let file = open(path, true)?;
    file.lock()
        .map_err(|e| io_failure(path, "cannot lock", &e))?;
    if let Some(mut sidecar) = usable_sidecar(path, &file, keys, pledges)? {
        let mut state = sidecar.take_state();
        state.set_today(Some(today));
        let len = file
            .metadata()
            .map_err(|e| io_failure(path, "cannot stat", &e))?
            .len();
        let tree = Verified {
            range: sidecar.range().clone(),
            checkpoints: 0,
            signed: 0,
        };
        return Ok(LedgerFile {
            path: path.to_path_buf(),
            file,
            bytes: Mapped::default(),
            len,
            state,
            tree,
            tail: None,
            interrupted: None,
            known_at: None,
            window: Some(sidecar),
            keys: keys.to_vec(),
            located: sidecar::Locations::default(),
        });
    }
    append_locked(path, file, keys, today)
}

fn append_locked(path: &Path, file: File, keys: &[VerifierKey], today: Date) -> Result<LedgerFile> {
    let mut ledger = load(path, file, View::ALL, keys, sidecar::enabled(path))?;
    ledger.state.set_today(Some(today));
    if let Some(problem) = ledger.tail_problem(true) {
        return Err(CliError::failure(problem));
    }
    // A journal that names the ledger's whole length (or more) is from a crash before any byte
    // of its append landed: remove it, or it would later disown the records appended now.
    journal::end(path).map_err(|e| io_failure(path, "cannot remove a stale journal", &e))?;
    Ok(ledger)
}

/// What `repair` did.
#[derive(Debug)]
pub enum Repair {
    /// The ledger ends with a complete record; nothing was changed.
    Clean,
    /// An incomplete or erased tail was cut off after the original was copied to `backup`.
    Cut {
        /// Where the tail began: the new length of the file.
        offset: usize,
        /// How many bytes were removed.
        removed: usize,
        /// What was cut off.
        kind: Cut,
        /// The copy of the file as it was.
        backup: PathBuf,
    },
}

/// Removes an incomplete last record (or an erased-flash tail), and nothing else, under the
/// exclusive lock: the original is first copied to `PATH.torn-OFFSET.bak` and synced. Damage
/// anywhere before the tail is an error, never "repaired" away.
pub fn repair(path: &Path, keys: &[VerifierKey]) -> Result<Repair> {
    let file = open(path, true)?;
    file.lock()
        .map_err(|e| io_failure(path, "cannot lock", &e))?;
    let ledger = load(path, file, View::ALL, keys, false)?;
    let (offset, kind) = match (ledger.interrupted, &ledger.tail) {
        (Some((offset, _)), _) => (offset, Cut::Interrupted),
        (None, Some(Item::TornTail { offset, .. })) => (*offset, Cut::Torn),
        (None, Some(Item::ErasedTail { offset })) => (*offset, Cut::Erased),
        _ => {
            // A journal naming the ledger's own length: the crash came before any byte landed.
            journal::end(path).map_err(|e| io_failure(path, "cannot remove the journal", &e))?;
            return Ok(Repair::Clean);
        }
    };
    // The backup is of the whole file, the interrupted append included.
    let mut whole = ledger.bytes.to_vec();
    if ledger.interrupted.is_some() {
        whole = files::read_regular(path).map_err(|e| {
            CliError::failure(format!("{}: {e}; the ledger is unchanged", path.display()))
        })?;
    }
    let backup = back_up(path, offset, &whole)?;
    let removed = whole.len().saturating_sub(offset);
    ledger
        .file
        .set_len(offset as u64)
        .and_then(|()| ledger.file.sync_all())
        .map_err(|e| io_failure(path, "cannot cut off the tail (the backup is kept)", &e))?;
    journal::end(path).map_err(|e| io_failure(path, "cannot remove the journal", &e))?;
    Ok(Repair::Cut {
        offset,
        removed,
        kind,
        backup,
    })
}

/// What `repair` cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// An incomplete last record.
    Torn,
    /// Erased flash (0xFF), as a device dump ends.
    Erased,
    /// An append of several records that a crash interrupted (its journal was there).
    Interrupted,
}

/// Copies the ledger to `PATH.torn-OFFSET.bak` (or `.torn-OFFSET.N.bak` if that holds
/// something else), atomically. A backup that holds these very bytes already, left by a repair
/// that was stopped before it cut, is used as it is: repair never blocks on its own backup.
fn back_up(path: &Path, offset: usize, bytes: &[u8]) -> Result<PathBuf> {
    for n in 0..1000 {
        let mut name = path.as_os_str().to_owned();
        match n {
            0 => name.push(format!(".torn-{offset}.bak")),
            n => name.push(format!(".torn-{offset}.{n}.bak")),
        }
        let backup = PathBuf::from(name);
        if std::fs::symlink_metadata(&backup).is_ok() {
            if std::fs::read(&backup).is_ok_and(|old| old == bytes) {
                return Ok(backup);
            }
            continue;
        }
        match files::write_new("repair", &backup, bytes, 0o644, Existing::Keep, Some(path)) {
            Ok(()) => return Ok(backup),
            // Another file appeared under this name meanwhile: try the next.
            Err(_) if std::fs::symlink_metadata(&backup).is_ok() => continue,
            Err(e) => {
                return Err(CliError::failure(format!(
                    "cannot back up the ledger before cutting its tail, so it is unchanged: {}",
                    e.message()
                )));
            }
        }
    }
    Err(CliError::failure(format!(
        "{}: 1000 backups of torn tails at byte {offset} exist already; move them away",
        path.display()
    )))
}

impl LedgerFile {
    /// Appends `frames` (complete frames, from the core) at the end of the ledger, then syncs.
    ///
    /// Several records (a pledge and the names it declares) are covered by the journal, so that
    /// a crash leaves all of them or none.
    pub fn commit(&mut self, frames: &[u8]) -> Result<()> {
        self.commit_appended(Appended::Memory(frames), None)
    }

    /// For a large append (an import): a locator to hand the frames to as they are made, so
    /// that the sidecar written after the append has them located already. `None` if the
    /// append will not write a whole sidecar (it brings one up to date, or sidecars are off).
    pub fn locate_ahead(&mut self) -> Option<sidecar::Ahead> {
        if self.window.is_some() || !sidecar::enabled(&self.path) {
            return None;
        }
        let places = std::mem::take(&mut self.located);
        Some(sidecar::Ahead::start(
            places,
            self.tree.range.clone(),
            self.len,
        ))
    }

    /// [`commit`](Self::commit) for frames that may be partly in a spool's temporary file (a
    /// large import), the first of them perhaps handed to `ahead` from
    /// [`locate_ahead`](Self::locate_ahead).
    pub fn commit_appended(
        &mut self,
        frames: Appended<'_>,
        ahead: Option<sidecar::Ahead>,
    ) -> Result<()> {
        let end = self.len;
        let several = frames.records() > 1;
        if several {
            journal::begin(&self.path, end)?;
        }
        // A large import is synced as it is written, not all of it at the end.
        let written = self
            .file
            .seek(SeekFrom::Start(end))
            .and_then(|_| crate::sync_behind::writing(&self.file, |out| frames.write_to(out)));
        if let Err(e) = written {
            // Cut back whatever part was written; the ledger must be as it was.
            let restored = self
                .file
                .set_len(end)
                .and_then(|()| self.file.sync_data())
                .and_then(|()| journal::end(&self.path));
            let note = match restored {
                Ok(()) => "the ledger is unchanged".to_string(),
                Err(r) => format!(
                    "and restoring its length failed too ({r}); run `pledge list` to check it"
                ),
            };
            return Err(CliError::failure(format!(
                "{}: cannot append: {e}; {note}",
                self.path.display()
            )));
        }
        if several && let Err(e) = journal::end(&self.path) {
            // The journal would roll the append back: do it now, so what is read is what is said.
            let _ = self.file.set_len(end).and_then(|()| self.file.sync_data());
            return Err(CliError::failure(format!(
                "{}: cannot remove the append journal: {e}; nothing was recorded",
                self.path.display()
            )));
        }
        self.len = end + frames.len();
        match self.window.take() {
            Some(sidecar) => {
                if sidecar
                    .update(&self.path, &self.file, &self.keys, &self.state, end, frames)
                    .is_none()
                {
                    sidecar::trace("not updated: it will be written afresh by the next append");
                }
            }
            None => {
                let whole = sidecar::Whole {
                    located: &mut self.located,
                    state: &self.state,
                    range: &self.tree.range,
                    appended: frames,
                    end,
                    ahead,
                };
                trace_build(sidecar::build(&self.path, &self.file, &self.keys, whole));
            }
        }
        Ok(())
    }

    /// A description of a torn or erased end, if the ledger has one; for an append, with what
    /// to do about it.
    fn tail_problem(&self, appending: bool) -> Option<String> {
        let path = self.path.display();
        if let Some((offset, len)) = self.interrupted {
            let what = format!(
                "{path}: an append of several records was interrupted ({len} bytes at byte \
                 {offset}, with {})",
                journal::path_for(&self.path).display()
            );
            return Some(if appending {
                format!(
                    "{what}; nothing was appended. `pledge repair` removes it and keeps a copy \
                     of the file as it was"
                )
            } else {
                format!("{what}; it is ignored")
            });
        }
        match (self.tail.as_ref()?, appending) {
            (Item::TornTail { offset, len }, false) => Some(format!(
                "{path}: the last record is incomplete ({len} bytes at byte {offset}), probably an \
                 interrupted append; it is ignored"
            )),
            (Item::TornTail { offset, len }, true) => Some(format!(
                "{path}: the last record is incomplete ({len} bytes at byte {offset}), probably an \
                 interrupted append; nothing was appended. `pledge repair` removes it and keeps a \
                 copy of the file as it was"
            )),
            (Item::ErasedTail { offset }, false) => Some(format!(
                "{path}: ends with erased flash (0xFF) from byte {offset}, as a device dump does"
            )),
            (Item::ErasedTail { offset }, true) => Some(format!(
                "{path}: ends with erased flash (0xFF) from byte {offset}, as a device dump does; \
                 pledge appends only to ledgers that end with a complete record"
            )),
            _ => None,
        }
    }
}

fn open(path: &Path, write: bool) -> Result<File> {
    let not_found = |e: std::io::Error| match e.kind() {
        ErrorKind::NotFound => CliError::input(format!(
            "{}: no such ledger file; create it with `pledge init` or check --file / PLEDGE_FILE",
            path.display()
        )),
        _ => io_failure(path, "cannot open", &e),
    };
    // Checked before opening too: opening a FIFO would wait for a writer forever.
    files::check_regular(path, std::fs::metadata(path).map_err(not_found)?)?;
    let file = OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
        .map_err(not_found)?;
    files::check_regular(
        path,
        file.metadata()
            .map_err(|e| io_failure(path, "cannot stat", &e))?,
    )?;
    Ok(file)
}

/// Reads and folds the whole ledger, refusing damage, broken rules and any checkpoint that
/// contradicts the records before it. The Merkle tree is built and the checkpoints checked on
/// a second core while this one folds.
fn load(
    path: &Path,
    file: File,
    view: View,
    keys: &[VerifierKey],
    locate: bool,
) -> Result<LedgerFile> {
    let mut bytes = Mapped::of(&file).map_err(|e| io_failure(path, "cannot read", &e))?;
    let interrupted = match journal::read(path)? {
        Some(start) if (start as usize) < bytes.len() => {
            let start = start as usize;
            if start < ledger_core::record::PREAMBLE_LEN {
                return Err(CliError::failure(format!(
                    "{}: names a length inside the preamble; it is not this ledger's",
                    journal::path_for(path).display()
                )));
            }
            let len = bytes.len() - start;
            bytes.truncate(start);
            Some((start, len))
        }
        _ => None,
    };
    let scan = bytes
        .scan()
        .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
    let known_at = match view.known_at {
        None => None,
        Some(KnownAt::Record(n)) => Some(n),
        Some(KnownAt::LastCheckpoint) => Some(last_checkpoint(path, scan.clone())?),
    };
    let mut located = sidecar::Locations::default();
    let (folded, verified) = tree_check::while_folding(&bytes, scan.scanner(), keys, |starts| {
        let located = locate.then_some(&mut located);
        let folded = fold(path, scan.clone(), view.as_of, known_at, starts, located);
        let leaves = folded.as_ref().map_or(0, |(_, _, leaves)| *leaves);
        (folded.map(|(state, tail, _)| (state, tail)), leaves)
    });
    let (state, tail) = folded?;
    let tree = match verified {
        Ok(tree) => tree,
        Err(c) => {
            return Err(CliError::failure(format!(
                "{}: checkpoint record #{} at byte {}: {}; the ledger cannot be trusted: run \
                 `pledge audit` for every finding",
                path.display(),
                c.seq,
                c.offset,
                c.problem
            )));
        }
    };
    Ok(LedgerFile {
        path: path.to_path_buf(),
        file,
        len: bytes.len() as u64,
        bytes,
        state,
        tree,
        tail,
        interrupted,
        known_at,
        window: None,
        keys: keys.to_vec(),
        located,
    })
}

/// The last record the latest checkpoint covers (the one before it).
fn last_checkpoint(path: &Path, scan: Scan<'_>) -> Result<Seq> {
    scan.filter_map(|item| match item {
        Item::Record { record, .. } if matches!(record.entry, Entry::Checkpoint(_)) => {
            Some(record.seq)
        }
        _ => None,
    })
    .last()
    .and_then(|seq| seq.checked_sub(1))
    .ok_or_else(|| {
        CliError::input(format!(
            "--known-at checkpoint: {} has no checkpoint yet; append one with `pledge checkpoint`",
            path.display()
        ))
    })
}

/// Folds every record, refusing damage and broken rules; returns the view's state (with
/// `known_at`, a second fold that stops after that record), the tail and the records read.
fn fold(
    path: &Path,
    mut scan: Scan<'_>,
    as_of: Option<Date>,
    known_at: Option<Seq>,
    starts: &mut tree_check::ChunkStarts,
    mut located: Option<&mut sidecar::Locations>,
) -> Result<(State, Option<Item>, u64)> {
    let mut state = State::new(as_of);
    let mut known = known_at.map(|_| State::new(as_of));
    let mut tail = None;
    // Each record is decoded into this one, not handed out: see `Scanner::next_into`.
    let mut record = ledger_core::scan::slot();
    while let Some(frame) = scan.next_into(&mut record) {
        match frame {
            Frame::Payload { offset, .. } => {
                starts.note(u64::from(state.next_seq()), offset);
                if let Some(located) = located.as_mut() {
                    // Refused only for a record the fold refuses too (not the next, or about
                    // one not before it); a count that came out short would only keep the
                    // sidecar from being written.
                    let _ = sidecar::push_located(located, sidecar::Located::of(offset, &record));
                }
                state.apply(&record).map_err(|e| {
                    CliError::failure(format!(
                        "{}: record #{} at byte {offset} ({}) breaks a rule: {e}",
                        path.display(),
                        record.seq,
                        record.entry.kind()
                    ))
                })?;
                if let Some(known) = known.as_mut()
                    && known_at.is_some_and(|n| record.seq <= n)
                {
                    // Kept the rules in the full fold, so in this shorter one too.
                    let _ = known.apply(&record);
                }
            }
            Frame::Damaged { offset, len, error } => {
                let after = match state.next_seq() {
                    0 => "before any record".to_string(),
                    next => format!("after record #{}", next - 1),
                };
                return Err(CliError::failure(format!(
                    "{}: damaged record at byte {offset} ({len} bytes, {after}): {error}",
                    path.display()
                )));
            }
            Frame::TornTail { offset, len } => tail = Some(Item::TornTail { offset, len }),
            Frame::ErasedTail { offset } => tail = Some(Item::ErasedTail { offset }),
        }
    }
    if state.origin().is_none() {
        return Err(CliError::failure(format!(
            "{}: {}",
            path.display(),
            crate::commands::NO_OPEN
        )));
    }
    let records = u64::from(state.next_seq());
    if let (Some(n), Some(known)) = (known_at, known) {
        if n >= state.next_seq() {
            return Err(CliError::input(format!(
                "--known-at '{n}': the ledger has records #0 to #{}",
                state.next_seq().saturating_sub(1)
            )));
        }
        return Ok((known, tail, records));
    }
    Ok((state, tail, records))
}

/// Traces whether a new sidecar was written.
fn trace_build(built: Option<()>) {
    sidecar::trace(if built.is_some() {
        "written"
    } else {
        "not written"
    });
}

fn io_failure(path: &Path, what: &str, error: &std::io::Error) -> CliError {
    CliError::failure(format!("{}: {what}: {error}", path.display()))
}

/// Makes a new file's directory entry durable too (a no-op where directories cannot be synced).
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}
