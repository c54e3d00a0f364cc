//! What every reader checks of a ledger's checkpoints before it trusts its records: each
//! checkpoint record states the Merkle tree of the records before it, and a signature by a key
//! the reader knows verifies. The auditor reports the same problems as findings; everyday
//! commands refuse a ledger that has one; `pledge checkpoint --sign` never signs over one.

use crate::checkpoint::{NoteError, VerifierKey};
use crate::entry::{CHECKPOINT_TAG, Checkpoint, Entry, Seq};
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
    mut scanner: Scanner<'_>,
    keys: &[VerifierKey],
) -> Result<Verified, Contradiction> {
    let mut verified = Verified {
        range: CompactRange::new(),
        checkpoints: 0,
        signed: 0,
    };
    let mut origin = crate::entry::Name::new();
    while let Some(frame) = scanner.next_frame() {
        let Frame::Payload { offset, .. } = frame else {
            continue;
        };
        let payload = scanner.payload();
        let leaf = u32::try_from(verified.range.size()).unwrap_or(u32::MAX);
        let contradiction = |problem| Contradiction {
            seq: leaf,
            offset,
            problem,
        };
        // The tag is the byte after the sequence check (one varint byte for every tag).
        let tag = payload.get(1).copied().map(u32::from);
        if tag == Some(CHECKPOINT_TAG) || leaf == 0 {
            match decode_payload(payload, leaf).map(|r| r.entry) {
                Ok(Entry::Open(open)) => origin = open.origin,
                Ok(Entry::Checkpoint(c)) => {
                    verified.checkpoints = verified.checkpoints.saturating_add(1);
                    if check_checkpoint(&c, &verified.range, &origin, keys)
                        .map_err(contradiction)?
                    {
                        verified.signed = verified.signed.saturating_add(1);
                    }
                }
                _ => {}
            }
        }
        verified
            .range
            .push(leaf_hash(payload))
            .map_err(|e| contradiction(CheckpointProblem::Tree(e)))?;
    }
    Ok(verified)
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
