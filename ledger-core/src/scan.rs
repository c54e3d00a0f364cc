//! Reading a ledger from a byte slice: every complete record, every damaged frame, and how the
//! ledger ends. No allocation; one frame is decoded at a time in a stack buffer.

use crate::entry::Record;
use crate::error::FormatError;
use crate::record::{
    DELIMITER, ERASED, MAX_FRAME, PREAMBLE_LEN, check_preamble, decode_frame, decode_payload,
};

/// One thing found while scanning a ledger, in file order.
// A record is large next to the other variants, but without an allocator there is nothing to
// box it in, and each item is moved only once or twice.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A complete, intact record.
    Record {
        /// Byte offset of the frame's first byte.
        offset: usize,
        /// Length of the frame, delimiter included.
        len: usize,
        /// The record.
        record: Record,
    },
    /// A complete frame (it has its delimiter) whose contents are not a valid record.
    Damaged {
        /// Byte offset of the frame's first byte.
        offset: usize,
        /// Length of the frame, delimiter included.
        len: usize,
        /// What is wrong with it.
        error: FormatError,
    },
    /// Bytes after the last delimiter that are not all erased flash, fewer than a frame can
    /// have (erased bytes at the end aside): an append cut short.
    TornTail {
        /// Byte offset of the torn frame's first byte.
        offset: usize,
        /// How many bytes it has.
        len: usize,
    },
    /// Bytes after the last delimiter that all read 0xFF: erased flash, free for appends.
    ErasedTail {
        /// Byte offset of the first erased byte.
        offset: usize,
    },
}

/// Iterates over the frames of a ledger held in memory.
///
/// ```
/// use ledger_core::scan::{Item, Scanner};
/// let bytes = ledger_core::record::preamble();
/// let mut scanner = Scanner::new(&bytes).unwrap();
/// assert_eq!(scanner.next(), None);
/// ```
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    next_seq: u32,
    /// Where frames are decoded; kept here so it is not zeroed for every frame.
    scratch: [u8; MAX_FRAME],
    /// Length of the payload of the last record read, at the start of `scratch`.
    payload_len: usize,
}

impl<'a> Scanner<'a> {
    /// Checks the preamble and positions the scanner at the first frame.
    pub fn new(bytes: &'a [u8]) -> Result<Self, FormatError> {
        check_preamble(bytes)?;
        Ok(Scanner {
            bytes,
            pos: PREAMBLE_LEN,
            next_seq: 0,
            scratch: [0; MAX_FRAME],
            payload_len: 0,
        })
    }

    /// The payload of the intact frame the last call to `next` read, whether it decoded (a
    /// record) or not (a damaged record of an unknown kind, say); empty after a frame whose
    /// COBS or CRC is bad, a tail, or nothing. These are the bytes a Merkle leaf hashes: every
    /// intact frame is a leaf (see [`crate::tree`]).
    pub fn payload(&self) -> &[u8] {
        self.scratch.get(..self.payload_len).unwrap_or_default()
    }

    /// The bytes of a frame the scanner reported (`offset` and `len` as an item gave them).
    pub fn frame(&self, offset: usize, len: usize) -> &'a [u8] {
        self.bytes
            .get(offset..offset.saturating_add(len))
            .unwrap_or_default()
    }

    /// The byte offset where the next frame would start.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves to `offset`, which must be where a frame starts (as an earlier scan reported it):
    /// for a reader that splits a ledger between threads.
    pub fn seek(&mut self, offset: usize) {
        self.pos = offset.max(PREAMBLE_LEN);
    }

    /// Sets the sequence number the next record is expected to have. A record stores only the
    /// low 8 bits of its number and its references as distances back, so both are resolved
    /// against this: a reader that numbers records its own way (the auditor, after a record
    /// out of place) keeps the scanner's numbering in step with its own.
    pub fn expect_seq(&mut self, seq: u32) {
        self.next_seq = seq;
    }
}

/// A frame as [`Scanner::next_frame`] finds it: checked (COBS and CRC) but not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// An intact frame; its payload is [`Scanner::payload`].
    Payload {
        /// Byte offset of the frame's first byte.
        offset: usize,
        /// Length of the frame, delimiter included.
        len: usize,
    },
    /// As [`Item::Damaged`].
    Damaged {
        /// Byte offset of the frame's first byte.
        offset: usize,
        /// Length of the frame, delimiter included.
        len: usize,
        /// What is wrong with it.
        error: FormatError,
    },
    /// As [`Item::TornTail`].
    TornTail {
        /// Byte offset of the torn frame's first byte.
        offset: usize,
        /// How many bytes it has.
        len: usize,
    },
    /// As [`Item::ErasedTail`].
    ErasedTail {
        /// Byte offset of the first erased byte.
        offset: usize,
    },
}

impl Scanner<'_> {
    /// The next frame, its payload checked but not decoded: for readers that need only some
    /// records decoded (hashing every leaf, decoding only checkpoints). Sequence numbers are
    /// not followed; [`Scanner::expect_seq`] sets them for the records read after.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let rest = self.bytes.get(self.pos..)?;
            // Skip padding: empty frames.
            let skip = rest.iter().take_while(|&&b| b == DELIMITER).count();
            let offset = self.pos.saturating_add(skip);
            let rest = rest.get(skip..)?;
            self.payload_len = 0;
            if rest.is_empty() {
                self.pos = self.bytes.len();
                return None;
            }
            let Some(end) = memchr::memchr(DELIMITER, rest) else {
                self.pos = self.bytes.len();
                // What a torn append can have left: a prefix of one frame, perhaps followed by
                // erased flash. Anything longer is damage, never cut off as an interrupted append.
                let written = rest
                    .iter()
                    .rposition(|&b| b != ERASED)
                    .map_or(0, |last| last.saturating_add(1));
                return Some(if written == 0 {
                    Frame::ErasedTail { offset }
                } else if written >= MAX_FRAME {
                    Frame::Damaged {
                        offset,
                        len: rest.len(),
                        error: FormatError::FrameTooLong,
                    }
                } else {
                    Frame::TornTail {
                        offset,
                        len: rest.len(),
                    }
                });
            };
            let len = end.saturating_add(1);
            self.pos = offset.saturating_add(len);
            let frame = rest.get(..len).unwrap_or_default();
            if crate::record::is_erased_gap(frame) {
                // Erased flash a writer stepped over after a power cut: not a record, not damage.
                continue;
            }
            return Some(match decode_frame(frame, &mut self.scratch) {
                Ok(payload) => {
                    self.payload_len = payload.len();
                    Frame::Payload { offset, len }
                }
                Err(error) => Frame::Damaged { offset, len, error },
            });
        }
    }

    /// The next frame, as [`Iterator::next`] reads it, with an intact record decoded into
    /// `record` rather than returned in an [`Item`]: [`Frame::Payload`] when it was (`record`
    /// then holds it), [`Frame::Damaged`] for a frame whose COBS or CRC is bad or whose payload
    /// does not decode ([`Scanner::payload`] tells the two apart, as for [`Item::Damaged`]);
    /// `record` is left as it was for anything but a record. For whole reads: a record is
    /// nearly 400 bytes, and handing it out through an `Option<Item>` copied it four times
    /// more (those copies were about a tenth of an audit's first core).
    pub fn next_into(&mut self, record: &mut Record) -> Option<Frame> {
        Some(match self.next_frame()? {
            Frame::Payload { offset, len } => match self.decode() {
                Ok(decoded) => {
                    *record = decoded;
                    Frame::Payload { offset, len }
                }
                Err(error) => Frame::Damaged { offset, len, error },
            },
            other => other,
        })
    }

    /// Decodes the payload of the intact frame just read against the number the next record is
    /// expected to have, and expects the one after it next.
    #[inline]
    fn decode(&mut self) -> Result<Record, FormatError> {
        let record = decode_payload(self.payload(), self.next_seq)?;
        self.next_seq = record.seq.wrapping_add(1);
        Ok(record)
    }
}

/// A record for [`Scanner::next_into`] to decode into; what it holds means nothing until then.
pub fn slot() -> Record {
    Record {
        seq: 0,
        entry: crate::entry::Entry::Party(crate::entry::Name::new()),
    }
}

impl Iterator for Scanner<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        Some(match self.next_frame()? {
            Frame::Payload { offset, len } => match self.decode() {
                Ok(record) => Item::Record {
                    offset,
                    len,
                    record,
                },
                // The frame is intact (COBS and CRC), only its payload does not decode (an
                // unknown entry kind, say): `payload()` keeps it, for it is still a leaf.
                Err(error) => Item::Damaged { offset, len, error },
            },
            Frame::Damaged { offset, len, error } => Item::Damaged { offset, len, error },
            Frame::TornTail { offset, len } => Item::TornTail { offset, len },
            Frame::ErasedTail { offset } => Item::ErasedTail { offset },
        })
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::entry::{Entry, Open, name};
    use crate::record::{encode_frame, preamble};

    fn ledger(records: u32) -> Vec<u8> {
        let mut bytes = preamble().to_vec();
        for seq in 0..records {
            let record = Record {
                seq,
                entry: Entry::Open(Open {
                    origin: name("x").unwrap(),
                }),
            };
            let mut frame = [0u8; MAX_FRAME];
            let len = encode_frame(&record, &mut frame).unwrap();
            bytes.extend_from_slice(&frame[..len]);
        }
        bytes
    }

    #[test]
    fn reads_every_record_then_stops() {
        let bytes = ledger(3);
        let seqs: Vec<_> = Scanner::new(&bytes)
            .unwrap()
            .map(|item| match item {
                Item::Record { record, .. } => record.seq,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(seqs, [0, 1, 2]);
    }

    #[test]
    fn a_cut_in_the_last_frame_is_a_torn_tail() {
        let whole = ledger(2);
        let first_end = ledger(1).len();
        for cut in first_end + 1..whole.len() {
            let items: Vec<_> = Scanner::new(&whole[..cut]).unwrap().collect();
            assert_eq!(items.len(), 2, "cut at {cut}");
            assert_eq!(
                items[1],
                Item::TornTail {
                    offset: first_end,
                    len: cut - first_end
                }
            );
        }
    }

    #[test]
    fn padding_and_erased_flash_are_not_records() {
        let mut bytes = ledger(1);
        bytes.extend_from_slice(&[0, 0, 0]);
        bytes.extend_from_slice(&ledger(2)[ledger(1).len()..]);
        bytes.extend_from_slice(&[ERASED; 32]);
        let items: Vec<_> = Scanner::new(&bytes).unwrap().collect();
        assert!(matches!(items[0], Item::Record { .. }));
        assert!(matches!(items[1], Item::Record { .. }));
        assert_eq!(
            items[2],
            Item::ErasedTail {
                offset: bytes.len() - 32
            }
        );
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn a_damaged_frame_is_reported_and_scanning_goes_on() {
        let mut bytes = ledger(3);
        let second = ledger(1).len();
        // The byte before the delimiter is the last CRC byte.
        let third = ledger(2).len();
        bytes[third - 2] ^= 0x10;
        let items: Vec<_> = Scanner::new(&bytes).unwrap().collect();
        assert!(
            matches!(items[1], Item::Damaged { offset, error: FormatError::ChecksumMismatch, .. } if offset == second),
            "{items:?}"
        );
        assert!(matches!(&items[2], Item::Record { record, .. } if record.seq == 2));
    }

    /// The items `next_into` reads, as `next` would give them.
    fn items_into(bytes: &[u8]) -> Vec<Item> {
        let mut scanner = Scanner::new(bytes).unwrap();
        let mut record = slot();
        let mut items = Vec::new();
        while let Some(frame) = scanner.next_into(&mut record) {
            items.push(match frame {
                Frame::Payload { offset, len } => Item::Record {
                    offset,
                    len,
                    record: record.clone(),
                },
                Frame::Damaged { offset, len, error } => Item::Damaged { offset, len, error },
                Frame::TornTail { offset, len } => Item::TornTail { offset, len },
                Frame::ErasedTail { offset } => Item::ErasedTail { offset },
            });
        }
        items
    }

    #[test]
    fn next_into_reads_what_next_reads() {
        let mut damaged = ledger(4);
        let third = ledger(2).len();
        damaged[third - 2] ^= 0x10;
        // A payload that does not decode: the second record's entry tag made unknown, its
        // frame written again so that COBS and CRC hold.
        let mut unknown = ledger(1);
        let record = Record {
            seq: 1,
            entry: Entry::Open(Open {
                origin: name("x").unwrap(),
            }),
        };
        let mut payload = [0u8; crate::record::MAX_PAYLOAD];
        let payload = crate::record::encode_payload(&record, &mut payload).unwrap();
        payload[1] = 0x7F;
        let start = crate::cobs::overhead(crate::record::MAX_PAYLOAD + 4);
        let mut frame = [0u8; MAX_FRAME];
        frame[start..start + payload.len()].copy_from_slice(payload);
        let crc = crate::record::crc32c(payload).to_le_bytes();
        frame[start + payload.len()..start + payload.len() + 4].copy_from_slice(&crc);
        let len = crate::cobs::encode_in_place(&mut frame, start, payload.len() + 4).unwrap();
        unknown.extend_from_slice(&frame[..len]);
        unknown.extend_from_slice(&ledger(3)[ledger(2).len()..]);
        let mut torn = ledger(3);
        torn.truncate(torn.len() - 3);
        let mut erased = ledger(2);
        erased.extend_from_slice(&[ERASED; 16]);
        for bytes in [ledger(3), damaged, unknown, torn, erased] {
            let items: Vec<_> = Scanner::new(&bytes).unwrap().collect();
            assert!(items.len() >= 3, "{items:?}");
            assert_eq!(items_into(&bytes), items);
        }
    }
}
