//! A ledger's Merkle tree, built and its checkpoints checked on a second core while the first
//! folds the records. When the fold is done first, the first core takes the last chunks of the
//! tree, so that both finish together: chunks are 2^16 leaves aligned on 2^16, so their ranges
//! join the second core's exactly (`CompactRange::extend`). Checkpoints met in those chunks are
//! checked after the join, against the tree of every record before them.
//!
//! The auditor, which reads records one by one, hands their payloads over in batches instead
//! ([`hashing_elsewhere`]): the second core hashes while the first decodes and folds.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use ledger_core::audit::Leaves;
use ledger_core::checkpoint::VerifierKey;
use ledger_core::scan::{Frame, Scanner};
use ledger_core::tree::{CompactRange, Hash, ProofBuilder, TreeError, leaf_hash};
use ledger_core::verify::{
    Contradiction, Found, Verified, check_checkpoint, hash_records, verify_checkpoints_while,
};

use crate::mapped::Mapped;

/// Leaves per chunk the first core may take over: a power of two.
pub const CHUNK: u64 = 1 << 16;

/// Where the fold saw the first leaf of every chunk: byte offsets, chunk by chunk.
#[derive(Debug, Default)]
pub struct ChunkStarts(Vec<usize>);

impl ChunkStarts {
    /// Notes that leaf `leaf` starts at byte `offset`.
    pub fn note(&mut self, leaf: u64, offset: usize) {
        if leaf.is_multiple_of(CHUNK) {
            self.0.push(offset);
        }
    }
}

/// Runs `fold` on this core while the tree is built on another; returns the fold's result and
/// the checked tree. `fold` notes chunk starts and returns how many leaves it read. `scanner`
/// reads `bytes`, whose pages each core lets go of behind it.
pub fn while_folding<T>(
    bytes: &Mapped,
    scanner: &Scanner<'_>,
    keys: &[VerifierKey],
    fold: impl FnOnce(&mut ChunkStarts) -> (T, u64),
) -> (T, Result<Verified, Contradiction>) {
    split_while_folding(bytes, scanner, keys, false, fold)
}

/// [`while_folding`]; with `hold_front`, the second core waits until the split is decided, so
/// that a test sees the split whatever the scheduler does.
fn split_while_folding<T>(
    bytes: &Mapped,
    scanner: &Scanner<'_>,
    keys: &[VerifierKey],
    hold_front: bool,
    fold: impl FnOnce(&mut ChunkStarts) -> (T, u64),
) -> (T, Result<Verified, Contradiction>) {
    let stop = AtomicU64::new(u64::MAX);
    let progress = AtomicU64::new(0);
    let hold = AtomicBool::new(hold_front);
    std::thread::scope(|scope| {
        let front_scanner = scanner.clone();
        let front = scope.spawn(|| {
            while hold.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
            let mut behind = bytes.behind();
            verify_checkpoints_while(front_scanner, keys, |leaf, offset| {
                behind.reached(offset);
                if leaf.is_multiple_of(4096) {
                    progress.store(leaf, Ordering::Relaxed);
                }
                // Stops exactly at the split; once past it, goes on to the end.
                leaf != stop.load(Ordering::Relaxed)
            })
        });
        let mut starts = ChunkStarts::default();
        let (folded, leaves) = fold(&mut starts);
        // Split what is left of the tree in two: the first core takes the last chunks.
        let done = progress.load(Ordering::Relaxed);
        let split = leaves
            .saturating_sub(leaves.saturating_sub(done) / 2)
            .next_multiple_of(CHUNK);
        let tail = if split < leaves && split > done.saturating_add(CHUNK / 4) {
            stop.store(split, Ordering::Relaxed);
            hold.store(false, Ordering::Release);
            Some((split, hash_tail(bytes, scanner, &starts, split, leaves)))
        } else {
            hold.store(false, Ordering::Release);
            None
        };
        let checked = match front.join() {
            Ok(Ok((mut verified, origin))) => match tail {
                // The second core stopped at the split: join the chunks to its tree.
                Some((split, Ok(chunks))) if verified.range.size() == split => {
                    #[cfg(test)]
                    JOINED.fetch_add(1, Ordering::Relaxed);
                    join(&mut verified, &origin, chunks, keys).map(|()| verified)
                }
                Some((split, Err(e))) if verified.range.size() == split => Err(e),
                // It was past the split already and built the whole tree itself.
                _ => Ok(verified),
            },
            Ok(Err(contradiction)) => Err(contradiction),
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (folded, checked)
    })
}

/// How often the first core's chunks were joined (tests check the split happens).
#[cfg(test)]
static JOINED: AtomicU64 = AtomicU64::new(0);

/// One chunk's range, with the checkpoints met in it and the chunk's range before each.
type Chunk = (CompactRange, Vec<(Found, CompactRange)>);

fn hash_tail(
    bytes: &Mapped,
    scanner: &Scanner<'_>,
    starts: &ChunkStarts,
    split: u64,
    leaves: u64,
) -> Result<Vec<Chunk>, Contradiction> {
    let first_chunk = usize::try_from(split / CHUNK).unwrap_or(usize::MAX);
    let mut scanner = scanner.clone();
    if let Some(&offset) = starts.0.get(first_chunk) {
        scanner.seek(offset);
    }
    let mut behind = bytes.behind_from(scanner.position());
    let mut chunks = Vec::new();
    let mut first = split;
    let mut origin = ledger_core::entry::Name::new();
    while first < leaves {
        let mut range = CompactRange::new();
        let mut found = Vec::new();
        hash_records(
            &mut scanner,
            &mut range,
            first,
            &mut origin,
            |n, offset| {
                behind.reached(offset);
                n < CHUNK
            },
            |checkpoint: Found, before: &CompactRange, _: &_| -> Result<(), Contradiction> {
                found.push((checkpoint, before.clone()));
                Ok(())
            },
        )?;
        if range.size() == 0 {
            // Fewer frames than the fold counted records: the fold's error will say why.
            break;
        }
        first = first.saturating_add(range.size());
        chunks.push((range, found));
    }
    Ok(chunks)
}

fn join(
    verified: &mut Verified,
    origin: &ledger_core::entry::Name,
    chunks: Vec<Chunk>,
    keys: &[VerifierKey],
) -> Result<(), Contradiction> {
    for (range, found) in chunks {
        for (checkpoint, before) in found {
            let mut tree = verified.range.clone();
            tree.extend(&before).map_err(|e| {
                checkpoint.contradiction(ledger_core::verify::CheckpointProblem::Tree(e))
            })?;
            verified.checkpoints += 1;
            if check_checkpoint(&checkpoint.checkpoint, &tree, origin, keys)
                .map_err(|problem| checkpoint.contradiction(problem))?
            {
                verified.signed += 1;
            }
        }
        verified.range.extend(&range).map_err(|e| Contradiction {
            seq: u32::MAX,
            offset: 0,
            problem: ledger_core::verify::CheckpointProblem::Tree(e),
        })?;
    }
    Ok(())
}

/// The tree of the first `size` intact frames of `bytes`, the pages behind the reader let go
/// of; [`TreeError::OutOfRange`] if there are fewer.
pub(crate) fn streamed_range(bytes: &Mapped, size: u64) -> Result<CompactRange, TreeError> {
    let mut scanner = Scanner::new(bytes).map_err(|_| TreeError::OutOfRange)?;
    let mut behind = bytes.behind();
    let mut range = CompactRange::new();
    let mut origin = ledger_core::entry::Name::new();
    let hashed = hash_records(
        &mut scanner,
        &mut range,
        0,
        &mut origin,
        |n, offset| {
            behind.reached(offset);
            n < size
        },
        |_: Found, _: &CompactRange, _: &_| Ok::<(), Contradiction>(()),
    );
    // Checkpoints are not checked here (`found` accepts them): only a full tree fails.
    hashed.map_err(|_| TreeError::Full)?;
    if range.size() < size {
        return Err(TreeError::OutOfRange);
    }
    Ok(range)
}

/// A proof built from the leaves of every intact frame of `bytes`, in order, in fixed memory
/// (the pages behind the reader let go of, no leaf hash kept).
pub(crate) fn streamed_proof(
    bytes: &Mapped,
    mut builder: ProofBuilder,
) -> Result<Vec<Hash>, TreeError> {
    let mut scanner = Scanner::new(bytes).map_err(|_| TreeError::OutOfRange)?;
    let mut behind = bytes.behind();
    while let Some(frame) = scanner.next_frame() {
        behind.reached(scanner.position());
        if matches!(frame, Frame::Payload { .. }) {
            builder.push(leaf_hash(scanner.payload()))?;
        }
    }
    let mut proof = crate::tables::Grow::default();
    builder.finish(&mut proof)?;
    Ok(ledger_core::slots::Slots::as_slice(&proof).to_vec())
}

/// Payloads handed to the hashing core at a time, and the batches in flight: bounded memory.
const BATCH_LEAVES: usize = 8192;
const BATCHES_IN_FLIGHT: usize = 4;

/// Runs `work` with [`Leaves`] that another core hashes; returns what `work` returns.
pub fn hashing_elsewhere<R>(work: impl FnOnce(&mut HashedElsewhere) -> R) -> R {
    let (to_hasher, batches) = sync_channel(BATCHES_IN_FLIGHT);
    let (reply, replies) = sync_channel(1);
    std::thread::scope(|scope| {
        let hasher = scope.spawn(move || hash_batches(&batches, &reply));
        let mut leaves = HashedElsewhere {
            size: 0,
            batch: Batch::default(),
            to_hasher,
            replies,
            synced: CompactRange::new(),
        };
        let result = work(&mut leaves);
        drop(leaves);
        if let Err(panic) = hasher.join() {
            std::panic::resume_unwind(panic);
        }
        result
    })
}

/// Leaves whose hashing is done on another core, in order; [`Leaves::range`] waits for it.
#[derive(Debug)]
pub struct HashedElsewhere {
    size: u64,
    batch: Batch,
    to_hasher: SyncSender<ToHasher>,
    replies: Receiver<CompactRange>,
    /// The range the hasher last sent back.
    synced: CompactRange,
}

#[derive(Debug, Default)]
struct Batch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

#[derive(Debug)]
enum ToHasher {
    Leaves(Batch),
    /// Send back the range of every leaf so far.
    Sync,
}

impl HashedElsewhere {
    fn send(&mut self, message: ToHasher) {
        // A hasher gone has panicked; `hashing_elsewhere` passes its panic on at the join.
        let _ = self.to_hasher.send(message);
    }

    fn send_batch(&mut self) {
        if !self.batch.ends.is_empty() {
            let batch = std::mem::take(&mut self.batch);
            self.send(ToHasher::Leaves(batch));
        }
    }
}

impl Leaves for HashedElsewhere {
    fn size(&self) -> u64 {
        self.size
    }

    fn push(&mut self, payload: &[u8]) -> Result<(), TreeError> {
        // CompactRange's own limit (2^64 - 1 leaves), judged here so the error comes in order.
        self.size = self.size.checked_add(1).ok_or(TreeError::Full)?;
        self.batch.bytes.extend_from_slice(payload);
        self.batch.ends.push(self.batch.bytes.len());
        if self.batch.ends.len() >= BATCH_LEAVES {
            self.send_batch();
        }
        Ok(())
    }

    fn range(&mut self) -> &CompactRange {
        if self.synced.size() != self.size {
            self.send_batch();
            self.send(ToHasher::Sync);
            if let Ok(range) = self.replies.recv() {
                self.synced = range;
            }
        }
        &self.synced
    }
}

fn hash_batches(batches: &Receiver<ToHasher>, reply: &SyncSender<CompactRange>) {
    let mut range = CompactRange::new();
    for message in batches {
        match message {
            ToHasher::Leaves(batch) => {
                let mut start = 0;
                for &end in &batch.ends {
                    let payload = batch.bytes.get(start..end).unwrap_or_default();
                    // Never full: the sender counts leaves against the same limit first.
                    let _ = range.push(leaf_hash(payload));
                    start = end;
                }
            }
            ToHasher::Sync => {
                if reply.send(range.clone()).is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use ledger_core::entry::{Checkpoint, Entry, Note, Open, name, text};
    use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
    use ledger_core::scan::Item;

    use super::*;
    use crate::tables::State;

    /// A ledger of notes with a checkpoint after each of `at` records: 4.5 chunks long, so
    /// the first core takes chunks over.
    fn ledger(at: &[u32], forge: Option<u32>) -> Vec<u8> {
        let mut bytes = preamble().to_vec();
        let mut state = State::new(None);
        let append = |state: &mut State, bytes: &mut Vec<u8>, entry: Entry| {
            let mut frame = Vec::new();
            let mut sink = |f: &[u8]| -> Result<(), Infallible> {
                frame.extend_from_slice(f);
                Ok(())
            };
            state.append(entry, &mut sink).unwrap();
            bytes.extend_from_slice(&frame);
        };
        let open = Entry::Open(Open {
            origin: name("test.example/log").unwrap(),
        });
        append(&mut state, &mut bytes, open);
        while u64::from(state.next_seq()) < 4 * CHUNK + CHUNK / 2 {
            let seq = state.next_seq();
            let entry = if at.contains(&seq) {
                let mut root = range_of(&bytes).root();
                if forge == Some(seq) {
                    root[0] ^= 1;
                    // The forged record is written by hand: append would refuse nothing here
                    // (roots are for readers to check), but keep the path explicit.
                    let record = ledger_core::Record {
                        seq,
                        entry: Entry::Checkpoint(Checkpoint {
                            size: u64::from(seq),
                            root,
                            signature: None,
                        }),
                    };
                    let mut frame = [0u8; MAX_FRAME];
                    let len = encode_frame(&record, &mut frame).unwrap();
                    bytes.extend_from_slice(&frame[..len]);
                    state.apply(&record).unwrap();
                    continue;
                }
                Entry::Checkpoint(Checkpoint {
                    size: u64::from(seq),
                    root,
                    signature: None,
                })
            } else {
                Entry::Note(Note {
                    date: ledger_core::Date(20_000),
                    about: None,
                    text: text("n").unwrap(),
                })
            };
            append(&mut state, &mut bytes, entry);
        }
        bytes
    }

    fn range_of(bytes: &[u8]) -> CompactRange {
        ledger_core::tree::range_of_records(Scanner::new(bytes).unwrap()).unwrap()
    }

    /// What `ledger_file` does: the fold notes where chunks start and counts the leaves.
    fn check(bytes: &[u8]) -> Result<Verified, Contradiction> {
        let scanner = Scanner::new(bytes).unwrap();
        // The second core is held until the split is decided: the split then always happens.
        let ((), checked) =
            split_while_folding(&Mapped::default(), &scanner, &[], true, |starts| {
                let mut leaves = 0u64;
                for item in scanner.clone() {
                    if let Item::Record { offset, .. } = item {
                        starts.note(leaves, offset);
                        leaves += 1;
                    }
                }
                ((), leaves)
            });
        checked
    }

    #[test]
    fn the_tree_split_between_two_cores_is_the_tree() {
        // Checkpoints in the first chunks and in the ones the first core takes over.
        let at = [5, 70_000, 150_000, 200_000, 262_145, 290_000];
        let bytes = ledger(&at, None);
        let verified = check(&bytes).unwrap();
        let whole = range_of(&bytes);
        assert_eq!(verified.range, whole);
        assert_eq!(verified.checkpoints, at.len() as u64);
        assert!(
            JOINED.load(Ordering::Relaxed) > 0,
            "the first core took chunks over"
        );
        for forged in [5, 200_000, 290_000] {
            let bytes = ledger(&at, Some(forged));
            let contradiction = check(&bytes).unwrap_err();
            assert_eq!(contradiction.seq, forged, "the forged checkpoint is found");
        }
    }
}
