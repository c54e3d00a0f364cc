//! What every reader checks of a ledger's checkpoints before it trusts its records: each
//! checkpoint record states the Merkle tree of the records before it, and a signature by a key
//! the reader knows verifies. The auditor reports the same problems as findings; everyday
//! commands refuse a ledger that has one; `pledge checkpoint --sign` never signs over one.

use crate::checkpoint::{NoteError, VerifierKey};
use crate::entry::{CHECKPOINT_TAG, Checkpoint, Entry, Name, Seq};
use crate::record::decode_payload;
use crate::scan::{Frame, Scanner};
use crate::tree::{CompactRange, TreeError, leaf_hash};

/// What is wrong with a checkpoint record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointProblem {
    /// It does not state the tree of the records before it: something before it was changed
    /// after it was written (or it was forged).
    Root {
        /// The tree size it states.
        size: u64,
        /// The records before it.
        records: u64,
    },
    /// It carries a signature by a known key that does not verify.
    Signature(NoteError),
    /// The tree could not grow (more than 2^64 records).
    Tree(TreeError),
}

impl core::fmt::Display for CheckpointProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Root { size, records } if size == records => write!(
                f,
                "the checkpoint for {size} records does not match them: something before it was changed"
            ),
            Self::Root { size, records } => write!(
                f,
                "the checkpoint states {size} records but {records} come before it: records were added, removed or moved"
            ),
            Self::Signature(e) => write!(f, "its signature by a known key: {e}"),
            Self::Tree(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for CheckpointProblem {}

/// The rule for one checkpoint record: it is for `range` (the records before it), and a
/// signature by any of `keys` verifies. Returns whether one of `keys` signed it.
pub fn check_checkpoint(
    checkpoint: &Checkpoint,
    range: &CompactRange,
    origin: &str,
    keys: &[VerifierKey],
) -> Result<bool, CheckpointProblem> {
    if !checkpoint.is_for(range.size(), &range.root()) {
        return Err(CheckpointProblem::Root {
            size: checkpoint.size,
            records: range.size(),
        });
    }
    let mut signed = false;
    for key in keys {
        // C2SP: a signature by another key is ignored; a bad one by a known key is not.
        signed |= checkpoint
            .is_signed_by(origin, key)
            .map_err(CheckpointProblem::Signature)?;
    }
    Ok(signed)
}

/// A checkpoint record that breaks [`check_checkpoint`], and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contradiction {
    /// The checkpoint record's number.
    pub seq: Seq,
    /// Its byte offset.
    pub offset: usize,
    /// What is wrong.
    pub problem: CheckpointProblem,
}

/// What [`verify_checkpoints`] established.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The tree of every intact record (the ledger's size and root).
    pub range: CompactRange,
    /// Checkpoint records passed.
    pub checkpoints: u64,
    /// Of those, signed by one of the keys given.
    pub signed: u64,
}

/// Walks a ledger's intact frames, keeping their Merkle tree, and checks every checkpoint
/// record against the records before it and `keys`. Only the `open` record and checkpoints are
/// decoded: the rest are hashed as they are. Damaged frames are not leaves (a reader that
/// trusts the ledger refuses them anyway; the auditor reports them).
pub fn verify_checkpoints(
    scanner: Scanner<'_>,
    keys: &[VerifierKey],
) -> Result<Verified, Contradiction> {
    verify_checkpoints_while(scanner, keys, |_, _| true).map(|(verified, _)| verified)
}

/// [`verify_checkpoints`] over the leaves before the first index `more` refuses (it is also
/// given the byte offset the scan has reached, so that a reader can let go of what is behind
/// it); also returns the ledger's origin, for checking checkpoints of the leaves after (see [`hash_records`]).
pub fn verify_checkpoints_while(
    mut scanner: Scanner<'_>,
    keys: &[VerifierKey],
    more: impl FnMut(u64, usize) -> bool,
) -> Result<(Verified, Name), Contradiction> {
    let mut verified = Verified {
        range: CompactRange::new(),
        checkpoints: 0,
        signed: 0,
    };
    let mut origin = Name::new();
    let mut checkpoints = 0u64;
    let mut signed = 0u64;
    hash_records(
        &mut scanner,
        &mut verified.range,
        0,
        &mut origin,
        more,
        |found: Found, range: &CompactRange, origin: &Name| {
            checkpoints = checkpoints.saturating_add(1);
            if check_checkpoint(&found.checkpoint, range, origin, keys)
                .map_err(|problem| found.contradiction(problem))?
            {
                signed = signed.saturating_add(1);
            }
            Ok(())
        },
    )?;
    verified.checkpoints = checkpoints;
    verified.signed = signed;
    Ok((verified, origin))
}

/// A checkpoint record met by [`hash_records`], and where.
#[derive(Debug, Clone)]
pub struct Found {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Its record number (leaf index).
    pub seq: Seq,
    /// Its byte offset.
    pub offset: usize,
}

impl Found {
    /// This checkpoint, contradicted.
    pub fn contradiction(&self, problem: CheckpointProblem) -> Contradiction {
        Contradiction {
            seq: self.seq,
            offset: self.offset,
            problem,
        }
    }
}

/// Hashes intact frames into `range`, which holds the leaves of this run so far (the run
/// starts at leaf `first`), for as long as `more(leaves in this run, byte offset reached)` says
/// so. Each checkpoint
/// record met goes to `found` before its own leaf is added, with the range at that point and
/// the origin (taken from the `open` record when the run starts at 0). Runs that start at a
/// multiple of the power of two at or above their length can be hashed apart and joined with
/// [`CompactRange::extend`]; that is how a reader spreads the tree over two cores.
pub fn hash_records<E>(
    scanner: &mut Scanner<'_>,
    range: &mut CompactRange,
    first: u64,
    origin: &mut Name,
    mut more: impl FnMut(u64, usize) -> bool,
    mut found: impl FnMut(Found, &CompactRange, &Name) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<Contradiction>,
{
    while more(range.size(), Scanner::position(scanner)) {
        let Some(frame) = scanner.next_frame() else {
            break;
        };
        let Frame::Payload { offset, .. } = frame else {
            continue;
        };
        let payload = scanner.payload();
        let leaf = first.saturating_add(range.size());
        let seq = u32::try_from(leaf).unwrap_or(u32::MAX);
        // The tag is the byte after the sequence check (one varint byte for every tag).
        let tag = payload.get(1).copied().map(u32::from);
        if tag == Some(CHECKPOINT_TAG) || leaf == 0 {
            match decode_payload(payload, seq).map(|r| r.entry) {
                Ok(Entry::Open(open)) => *origin = open.origin,
                Ok(Entry::Checkpoint(checkpoint)) => found(
                    Found {
                        checkpoint,
                        seq,
                        offset,
                    },
                    range,
                    origin,
                )?,
                _ => {}
            }
        }
        range.push(leaf_hash(payload)).map_err(|e| {
            E::from(Contradiction {
                seq,
                offset,
                problem: CheckpointProblem::Tree(e),
            })
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Open, Record, name};
    use crate::record::{MAX_PAYLOAD, encode_payload};

    #[test]
    fn the_checkpoint_tag_is_the_one_on_the_wire() {
        let record = Record {
            seq: 3,
            entry: Entry::Checkpoint(Checkpoint {
                size: 3,
                root: [7; 32],
                signature: None,
            }),
        };
        let mut buf = [0u8; MAX_PAYLOAD];
        let payload = encode_payload(&record, &mut buf).unwrap();
        assert_eq!(u32::from(payload[1]), CHECKPOINT_TAG);
        let open = Record {
            seq: 0,
            entry: Entry::Open(Open {
                origin: name("x").unwrap(),
            }),
        };
        let payload = encode_payload(&open, &mut buf).unwrap();
        assert_ne!(u32::from(payload[1]), CHECKPOINT_TAG);
    }
}
