//! The auditor: reads a whole ledger and reports everything wrong with it, without stopping at
//! the first problem and without changing anything. Framing and checksums, canonical encoding,
//! sequence numbers, the ledger's rules, dates going backwards, the Merkle root against every
//! checkpoint in the ledger and against roots published elsewhere, and signatures.

use crate::checkpoint::{NoteError, VerifierKey};
use crate::date::Date;
use crate::entry::{Entry, Seq};
use crate::error::{FormatError, LedgerError};
use crate::record::is_canonical_frame;
use crate::scan::{Frame, Item, Scanner};
use crate::slots::Tables;
use crate::state::State;
use crate::tree::{CompactRange, Hash, TreeError, leaf_hash};
use crate::verify::CheckpointProblem;

/// One problem found, where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The record's sequence number, when the problem is in one record.
    pub seq: Option<Seq>,
    /// Byte offset of the frame (or of the tail, or the end of the ledger).
    pub offset: usize,
    /// What is wrong.
    pub kind: FindingKind,
}

/// The kinds of problem an audit reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// A complete frame that is not a valid record (bad COBS, CRC or payload).
    Damaged(FormatError),
    /// The last record is incomplete: an interrupted append.
    TornTail {
        /// Bytes in the incomplete record.
        len: usize,
    },
    /// The record decodes, but its bytes are not the canonical encoding of what they mean.
    NonCanonical,
    /// The record's sequence number is not the next one: a record lost, repeated or moved.
    Sequence {
        /// The number expected.
        expected: Seq,
        /// The number found.
        found: Seq,
    },
    /// A record that belongs earlier stands here: a repeat, or a record moved back.
    OutOfPlace {
        /// The position it stands at.
        position: Seq,
        /// The number it carries (its low 8 bits, placed before `position`).
        seq: Seq,
    },
    /// The record breaks a ledger rule.
    Rule(LedgerError),
    /// A checkpoint's root is not the root of the records before it: something before it was
    /// changed after it was written.
    CheckpointRoot {
        /// The tree size the checkpoint states.
        size: u64,
    },
    /// A checkpoint's signature by the trusted key does not verify.
    Signature(NoteError),
    /// A root published elsewhere (`--expect-root`, `--expect-checkpoint`, `--since`) does not
    /// match the ledger's tree at that size.
    ExpectedRoot {
        /// The size it was published for.
        size: u64,
    },
    /// A root was published for more records than the ledger has: records were removed.
    Shorter {
        /// The size it was published for.
        size: u64,
        /// The records the ledger has.
        records: u64,
    },
    /// A trusted key was given but no checkpoint in the ledger is signed by it.
    NoTrustedCheckpoint,
    /// The tree could not grow (more than 2^64 records).
    Tree(TreeError),
    /// No record opens the ledger: a preamble alone, or nothing intact after it. Every other
    /// reader refuses such a file.
    NoOpen,
}

/// What the auditor checks beyond the ledger itself.
#[derive(Debug, Clone, Default)]
pub struct Expectations<'k> {
    /// Checkpoint signatures must be by this key, and at least one checkpoint must be.
    pub trust: Option<&'k VerifierKey>,
    /// The auditor's today, for the future-date rule ([`State::set_today`]); a writer
    /// anywhere on Earth may be a day ahead of the auditor, so pass tomorrow's date to hold
    /// records to that rule without time-zone findings. Back-dated records are normal (late
    /// news) and never a finding.
    pub today: Option<Date>,
    /// Roots published elsewhere, by tree size; the ledger's tree must have them.
    pub roots: heapless::Vec<(u64, Hash), 8>,
}

/// What an audit found out, besides the findings.
pub struct Summary<T: Tables> {
    /// The fold of every record that kept the rules (for reproducing totals).
    pub state: State<T>,
    /// The tree of every intact record.
    pub range: CompactRange,
    /// Checkpoints in the ledger, and how many the trusted key signed.
    pub checkpoints: u64,
    /// Checkpoints whose signature by the trusted key verified.
    pub trusted_checkpoints: u64,
    /// Findings reported.
    pub findings: u64,
}

impl<T: Tables> core::fmt::Debug for Summary<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Summary")
            .field("records", &self.range.size())
            .field("checkpoints", &self.checkpoints)
            .field("trusted_checkpoints", &self.trusted_checkpoints)
            .field("findings", &self.findings)
            .finish_non_exhaustive()
    }
}

/// Where an audit's leaves go. A [`CompactRange`] hashes each one at once; a desktop may hash
/// them on another core instead, as long as [`Leaves::range`] gives the tree of every leaf
/// pushed so far whenever it is asked (at checkpoints, published sizes and the end).
pub trait Leaves {
    /// The leaves pushed so far.
    fn size(&self) -> u64;
    /// Adds the leaf of an intact record's payload, or returns [`TreeError::Full`].
    fn push(&mut self, payload: &[u8]) -> Result<(), TreeError>;
    /// The tree of every leaf pushed so far.
    fn range(&mut self) -> &CompactRange;
    /// The audit has read every byte before `offset`: a reader that holds the ledger in pages
    /// it can let go of (a mapped file) may drop those. Nothing by default.
    fn read_to(&mut self, offset: usize) {
        let _ = offset;
    }
}

impl Leaves for CompactRange {
    fn size(&self) -> u64 {
        CompactRange::size(self)
    }
    fn push(&mut self, payload: &[u8]) -> Result<(), TreeError> {
        CompactRange::push(self, leaf_hash(payload))
    }
    fn range(&mut self) -> &CompactRange {
        self
    }
}

/// Audits `bytes` (preamble already checked by `Scanner::new`), handing each finding to
/// `report` in ledger order.
pub fn audit<T: Tables>(
    scanner: Scanner<'_>,
    expect: &Expectations<'_>,
    report: impl FnMut(Finding),
) -> Summary<T> {
    audit_with(scanner, expect, &mut CompactRange::new(), report)
}

/// [`audit`], with the tree built by `leaves` (which must start empty): the same findings in
/// the same order, whoever hashes.
pub fn audit_with<T: Tables>(
    mut scanner: Scanner<'_>,
    expect: &Expectations<'_>,
    leaves: &mut impl Leaves,
    mut report: impl FnMut(Finding),
) -> Summary<T> {
    let mut state = State::new(None);
    state.set_today(expect.today);
    let mut summary = Summary {
        state,
        range: CompactRange::new(),
        checkpoints: 0,
        trusted_checkpoints: 0,
        findings: 0,
    };
    let mut found = |summary: &mut Summary<T>, finding: Finding| {
        summary.findings = summary.findings.saturating_add(1);
        report(finding);
    };
    let mut damaged_before = 0u32;
    let mut end = scanner.position();
    // Each record is decoded into this one, not handed out: see `Scanner::next_into`.
    let mut record = crate::scan::slot();
    loop {
        // References are distances back from the record's own number: resolve them against
        // the auditor's numbering, which stays put over a record out of place.
        scanner.expect_seq(summary.state.next_seq());
        leaves.read_to(scanner.position());
        let Some(frame) = scanner.next_into(&mut record) else {
            break;
        };
        let (offset, len) = match frame {
            Frame::Payload { offset, len } => {
                end = offset.saturating_add(len);
                (offset, len)
            }
            Frame::Damaged { offset, len, error } => {
                end = offset.saturating_add(len);
                let intact = !scanner.payload().is_empty();
                let seq = summary.state.next_seq();
                found(
                    &mut summary,
                    Finding {
                        seq: intact.then_some(seq),
                        offset,
                        kind: FindingKind::Damaged(error),
                    },
                );
                if intact {
                    // COBS and CRC hold, only the payload does not decode (an entry kind newer
                    // than this reader, say): the bytes are as written, so the frame is a leaf
                    // and takes its place in the numbering; its entry is not folded.
                    let _ = summary.state.skip();
                    push_leaf(
                        &mut summary,
                        &mut found,
                        leaves,
                        scanner.payload(),
                        seq,
                        offset,
                    );
                } else {
                    damaged_before = damaged_before.saturating_add(1);
                }
                continue;
            }
            Frame::TornTail { offset, len } => {
                found(
                    &mut summary,
                    Finding {
                        seq: None,
                        offset,
                        kind: FindingKind::TornTail { len },
                    },
                );
                continue;
            }
            Frame::ErasedTail { .. } => continue,
        };
        check_published(&mut summary, &mut found, leaves, expect, offset, false);
        let finding = |kind| Finding {
            seq: Some(record.seq),
            offset,
            kind,
        };
        if !is_canonical_frame(scanner.frame(offset, len), scanner.payload(), &record) {
            found(&mut summary, finding(FindingKind::NonCanonical));
        }
        // Sequence: the record stores the low 8 bits of its number. A forward jump of 1..=127 is
        // that many records missing (less any damaged frames just before, which were them); a
        // backward jump is a record out of place (repeated, or moved back) and is not folded.
        let expected = summary.state.next_seq();
        let stored = crate::record::seq_check(record.seq);
        let jump = stored.wrapping_sub(crate::record::seq_check(expected));
        if jump >= 128 || (jump > 0 && next_continues(&scanner, expected)) {
            // Backward, or forward while the record after it carries the expected number: a
            // record repeated, moved or inserted here, not records missing.
            let back = 256u32.saturating_sub(u32::from(jump));
            let seq = if jump >= 128 {
                expected.wrapping_sub(back)
            } else {
                record.seq
            };
            let kind = FindingKind::OutOfPlace {
                position: expected,
                seq,
            };
            found(
                &mut summary,
                Finding {
                    seq: Some(expected),
                    offset,
                    kind,
                },
            );
            damaged_before = 0;
            push_leaf(
                &mut summary,
                &mut found,
                leaves,
                scanner.payload(),
                expected,
                offset,
            );
            continue;
        }
        let missing = u32::from(jump).saturating_sub(damaged_before);
        damaged_before = 0;
        if missing > 0 {
            let kind = FindingKind::Sequence {
                expected,
                found: expected.saturating_add(u32::from(jump)),
            };
            found(
                &mut summary,
                Finding {
                    seq: Some(expected),
                    offset,
                    kind,
                },
            );
        }
        for _ in 0..jump {
            let _ = summary.state.skip();
        }
        // Renumbered in place: a record is nearly 400 bytes, not worth moving.
        record.seq = summary.state.next_seq();
        if let Entry::Checkpoint(c) = &record.entry {
            check_checkpoint(
                &mut summary,
                &mut found,
                leaves,
                expect,
                c,
                offset,
                record.seq,
            );
        }
        if let Err(error) = summary.state.apply(&record) {
            found(
                &mut summary,
                Finding {
                    seq: Some(record.seq),
                    offset,
                    kind: FindingKind::Rule(error),
                },
            );
            let _ = summary.state.skip();
        }
        push_leaf(
            &mut summary,
            &mut found,
            leaves,
            scanner.payload(),
            record.seq,
            offset,
        );
    }
    check_published(&mut summary, &mut found, leaves, expect, end, true);
    summary.range = leaves.range().clone();
    if summary.state.origin().is_none() {
        found(
            &mut summary,
            Finding {
                seq: None,
                offset: end,
                kind: FindingKind::NoOpen,
            },
        );
    }
    if expect.trust.is_some() && summary.trusted_checkpoints == 0 {
        found(
            &mut summary,
            Finding {
                seq: None,
                offset: end,
                kind: FindingKind::NoTrustedCheckpoint,
            },
        );
    }
    summary
}

/// Whether the next record after the scanner's position carries `expected`: then the record
/// just read was put in front of it.
fn next_continues(scanner: &Scanner<'_>, expected: Seq) -> bool {
    let mut ahead = scanner.clone();
    ahead.expect_seq(expected);
    matches!(ahead.next(), Some(Item::Record { record, .. }) if record.seq == expected)
}

/// Roots published elsewhere, checked when the tree reaches their size (`at_end`: the whole
/// ledger has been read, so a larger published size means records were removed).
fn check_published<T: Tables>(
    summary: &mut Summary<T>,
    found: &mut impl FnMut(&mut Summary<T>, Finding),
    leaves: &mut impl Leaves,
    expect: &Expectations<'_>,
    offset: usize,
    at_end: bool,
) {
    let records = leaves.size();
    for &(size, root) in &expect.roots {
        let kind = if size == records && leaves.range().root() != root {
            FindingKind::ExpectedRoot { size }
        } else if at_end && size > records {
            FindingKind::Shorter { size, records }
        } else {
            continue;
        };
        found(
            summary,
            Finding {
                seq: None,
                offset,
                kind,
            },
        );
    }
}

/// Every intact record is a leaf, whatever else is wrong with it: the tree covers the bytes.
fn push_leaf<T: Tables>(
    summary: &mut Summary<T>,
    found: &mut impl FnMut(&mut Summary<T>, Finding),
    leaves: &mut impl Leaves,
    payload: &[u8],
    seq: Seq,
    offset: usize,
) {
    if let Err(error) = leaves.push(payload) {
        found(
            summary,
            Finding {
                seq: Some(seq),
                offset,
                kind: FindingKind::Tree(error),
            },
        );
    }
}

fn check_checkpoint<T: Tables>(
    summary: &mut Summary<T>,
    found: &mut impl FnMut(&mut Summary<T>, Finding),
    leaves: &mut impl Leaves,
    expect: &Expectations<'_>,
    c: &crate::entry::Checkpoint,
    offset: usize,
    seq: Seq,
) {
    summary.checkpoints = summary.checkpoints.saturating_add(1);
    let finding = |kind| Finding {
        seq: Some(seq),
        offset,
        kind,
    };
    let keys = expect.trust.map_or(&[][..], core::slice::from_ref);
    let origin = summary.state.origin().map_or("", |o| o.as_str());
    // The rule every reader holds checkpoints to; the auditor reports instead of refusing.
    match crate::verify::check_checkpoint(c, leaves.range(), origin, keys) {
        Ok(true) => summary.trusted_checkpoints = summary.trusted_checkpoints.saturating_add(1),
        Ok(false) => {}
        Err(CheckpointProblem::Root { .. }) => found(
            summary,
            finding(FindingKind::CheckpointRoot { size: c.size }),
        ),
        Err(CheckpointProblem::Signature(e)) => found(summary, finding(FindingKind::Signature(e))),
        Err(CheckpointProblem::Tree(e)) => found(summary, finding(FindingKind::Tree(e))),
    }
}
