//! The byte layout of a ledger: a 16-byte preamble, then one frame per record.
//!
//! ```text
//! preamble (16 bytes, written once)
//! +--------+---------+----------+-----------+
//! | 0..8   | 8..10   | 10..12   | 12..16    |
//! | magic  | version | reserved | CRC-32C   |
//! |        | u16 LE  | 0x0000   | of 0..12  |
//! +--------+---------+----------+-----------+
//!
//! frame (one per record)
//! +---------------------------------------------+------+
//! | COBS( payload ‖ CRC-32C(payload) as u32 LE ) | 0x00 |
//! +---------------------------------------------+------+
//! payload = seq mod 256 (1 byte) ‖ postcard(entry)
//! ```
//!
//! COBS removes every 0x00 from the frame body, so 0x00 marks the end of a complete frame: a
//! write torn anywhere before it leaves bytes with no delimiter, which a reader tells apart from
//! a record. A lone 0x00 is an empty frame, used as padding up to a flash write size. An erased
//! NOR byte reads 0xFF, so an erased tail is a run of 0xFF after the last delimiter.

use crc::{CRC_32_ISCSI, Crc};

use serde::ser::SerializeTuple;
use serde::{Serialize, Serializer};

use crate::cobs;
use crate::entry::{Entry, LAST_ENTRY_TAG, Record, Seq};
use crate::error::FormatError;
use crate::wire;

/// The first eight bytes of every ledger: `\x89PLEDGE\n`. The high byte catches 7-bit
/// transfers; the line feed catches newline conversion.
pub const MAGIC: [u8; 8] = [0x89, b'P', b'L', b'E', b'D', b'G', b'E', b'\n'];
/// The format version this crate writes and the newest it reads.
pub const VERSION: u16 = 1;
/// Length of the preamble.
pub const PREAMBLE_LEN: usize = 16;
/// The largest payload a record may have. Every entry this version defines fits.
pub const MAX_PAYLOAD: usize = 640;
/// Length of the checksum after the payload.
pub const CRC_LEN: usize = 4;
/// The largest frame, delimiter included: COBS adds one byte per 254 and the delimiter.
pub const MAX_FRAME: usize = cobs::max_encoded_len(MAX_PAYLOAD + CRC_LEN);
/// The frame delimiter.
pub const DELIMITER: u8 = 0x00;
/// What an erased NOR flash byte reads as.
pub const ERASED: u8 = 0xFF;

/// Byte ranges of the preamble's fields.
mod preamble {
    use core::ops::Range;
    pub const MAGIC: Range<usize> = 0..8;
    pub const VERSION: Range<usize> = 8..10;
    pub const RESERVED: Range<usize> = 10..12;
    pub const CRC: Range<usize> = 12..16;
}

/// CRC-32C (Castagnoli), as iSCSI, ext4 and SSE 4.2 use it: a 1 KiB table by default,
/// slice-by-16 tables with the `fast-crc` feature, none with `small-crc` (a device short of
/// flash), the CPU's instructions with `hw-crc` (desktops). The checksums are the same.
#[cfg(not(any(feature = "hw-crc", feature = "fast-crc", feature = "small-crc")))]
const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);
#[cfg(all(feature = "fast-crc", not(feature = "hw-crc")))]
const CRC32C: Crc<u32, crc::Table<16>> = Crc::<u32, crc::Table<16>>::new(&CRC_32_ISCSI);
#[cfg(all(
    feature = "small-crc",
    not(any(feature = "fast-crc", feature = "hw-crc"))
))]
const CRC32C: Crc<u32, crc::NoTable> = Crc::<u32, crc::NoTable>::new(&CRC_32_ISCSI);

/// The CRC-32C of `bytes`.
#[cfg(not(feature = "hw-crc"))]
pub fn crc32c(bytes: &[u8]) -> u32 {
    CRC32C.checksum(bytes)
}

/// The CRC-32C of `bytes`.
#[cfg(feature = "hw-crc")]
pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

/// The preamble of a new ledger of the current version.
///
/// ```
/// let p = ledger_core::record::preamble();
/// assert_eq!(&p[..10], b"\x89PLEDGE\n\x01\x00");
/// ```
pub fn preamble() -> [u8; PREAMBLE_LEN] {
    PREAMBLE
}

/// The preamble's bytes, computed at compile time: a device keeps 16 bytes, not the code that
/// builds them.
// A const context: an index out of bounds would fail the build, never a run.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const PREAMBLE: [u8; PREAMBLE_LEN] = {
    let mut bytes = [0u8; PREAMBLE_LEN];
    let mut i = 0;
    while i < MAGIC.len() {
        bytes[preamble::MAGIC.start + i] = MAGIC[i];
        i += 1;
    }
    let version = VERSION.to_le_bytes();
    bytes[preamble::VERSION.start] = version[0];
    bytes[preamble::VERSION.start + 1] = version[1];
    let (head, _) = bytes.split_at(preamble::CRC.start);
    let crc = Crc::<u32, crc::NoTable>::new(&CRC_32_ISCSI)
        .checksum(head)
        .to_le_bytes();
    let mut i = 0;
    while i < crc.len() {
        bytes[preamble::CRC.start + i] = crc[i];
        i += 1;
    }
    bytes
};

/// Checks the preamble at the start of `bytes` and returns the format version.
pub fn check_preamble(bytes: &[u8]) -> Result<u16, FormatError> {
    let field =
        |range: core::ops::Range<usize>| bytes.get(range).ok_or(FormatError::PreambleTruncated);
    if field(preamble::MAGIC)? != MAGIC {
        return Err(FormatError::BadMagic);
    }
    let stored = u32::from_le_bytes(le_array(field(preamble::CRC)?));
    if crc32c(field(0..preamble::CRC.start)?) != stored {
        return Err(FormatError::PreambleChecksum);
    }
    let version = u16::from_le_bytes(le_array(field(preamble::VERSION)?));
    if version > VERSION || version == 0 {
        return Err(FormatError::UnsupportedVersion {
            found: version,
            supported: VERSION,
        });
    }
    if field(preamble::RESERVED)? != [0, 0] {
        return Err(FormatError::PreambleReserved);
    }
    Ok(version)
}

fn le_array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut array = [0u8; N];
    for (slot, byte) in array.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    array
}

/// Serializes a record's payload into `buf`: the low 8 bits of its sequence number, then the
/// entry in postcard. Returns the bytes written.
// Not inlined: its buffers then take stack only while it runs, not in every caller's
// frame (measured on the QEMU firmware, docs/EMBEDDED.md).
#[inline(never)]
pub fn encode_payload<'b>(record: &Record, buf: &'b mut [u8]) -> Result<&'b mut [u8], FormatError> {
    let (first, rest) = buf.split_first_mut().ok_or(FormatError::BufferTooSmall)?;
    *first = seq_check(record.seq);
    // A reference is stored as the distance back: one byte for anything in the last 127
    // records.
    let distance = match record.entry.subject() {
        None => 0,
        Some(target) => record
            .seq
            .checked_sub(target)
            .ok_or(FormatError::ForwardReference)?,
    };
    let wire = WireEntry {
        entry: &record.entry,
        distance,
    };
    let len = postcard::to_slice(&wire, rest)
        .map_err(|_| FormatError::BufferTooSmall)?
        .len();
    buf.get_mut(..len.saturating_add(1))
        .ok_or(FormatError::BufferTooSmall)
}

/// An entry as it goes on the wire: postcard's encoding of the entry, except that the reference
/// to an earlier record (of a fulfilment, amendment, cancellation, or note about a pledge) is
/// the distance back. Written field by field for those four variants rather than by cloning the
/// entry with the distance in place: the clone cost a device 2.5 KB of stack and 1 KB of flash.
struct WireEntry<'a> {
    entry: &'a Entry,
    distance: Seq,
}

impl Serialize for WireEntry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The variant tags (below 128, so their varint is the byte itself).
        const FULFIL: u8 = 8;
        const AMEND: u8 = 9;
        const CANCEL: u8 = 10;
        const NOTE: u8 = 11;
        #[cfg(feature = "corrections")]
        const VOID: u8 = 14;
        #[cfg(feature = "corrections")]
        const RETURN: u8 = 15;
        #[cfg(feature = "corrections")]
        const RESCHEDULE: u8 = 17;
        #[cfg(feature = "corrections")]
        const REVISE: u8 = 18;
        let distance = wire::U32(self.distance);
        let mut tuple = serializer.serialize_tuple(7)?;
        match self.entry {
            Entry::Fulfil(f) => {
                tuple.serialize_element(&FULFIL)?;
                tuple.serialize_element(&f.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&f.amount)?;
                tuple.serialize_element(&f.memo.as_deref().map(wire::Str))?;
            }
            Entry::Amend(a) => {
                tuple.serialize_element(&AMEND)?;
                tuple.serialize_element(&a.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&a.amount)?;
                tuple.serialize_element(&wire::Str(&a.reason))?;
            }
            Entry::Cancel(c) => {
                tuple.serialize_element(&CANCEL)?;
                tuple.serialize_element(&c.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&wire::Str(&c.reason))?;
            }
            Entry::Note(n) if n.about.is_some() => {
                tuple.serialize_element(&NOTE)?;
                tuple.serialize_element(&n.date)?;
                tuple.serialize_element(&Some(distance))?;
                tuple.serialize_element(&wire::Str(&n.text))?;
            }
            #[cfg(feature = "corrections")]
            Entry::Void(v) => {
                tuple.serialize_element(&VOID)?;
                tuple.serialize_element(&v.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&wire::Str(&v.reason))?;
            }
            #[cfg(feature = "corrections")]
            Entry::Return(r) => {
                tuple.serialize_element(&RETURN)?;
                tuple.serialize_element(&r.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&r.amount)?;
                tuple.serialize_element(&r.memo.as_deref().map(wire::Str))?;
            }
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => {
                tuple.serialize_element(&RESCHEDULE)?;
                tuple.serialize_element(&r.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&r.due)?;
                tuple.serialize_element(&wire::Str(&r.reason))?;
            }
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => {
                tuple.serialize_element(&REVISE)?;
                tuple.serialize_element(&r.date)?;
                tuple.serialize_element(&distance)?;
                tuple.serialize_element(&r.target)?;
                tuple.serialize_element(&r.deadline)?;
                tuple.serialize_element(&r.beneficiary)?;
                tuple.serialize_element(&wire::Str(&r.reason))?;
            }
            other => tuple.serialize_element(other)?,
        }
        tuple.end()
    }
}

/// The byte a record stores of its sequence number: the low 8 bits.
pub fn seq_check(seq: Seq) -> u8 {
    seq.to_le_bytes()[0]
}

/// Encodes a record as a complete frame into `out` and returns the frame's length, delimiter
/// included. `out` should hold [`MAX_FRAME`] bytes.
///
/// ```
/// use ledger_core::entry::{Entry, Open, Record, name};
/// use ledger_core::record::{encode_frame, MAX_FRAME};
/// let open = Record { seq: 0, entry: Entry::Open(Open { origin: name("t").unwrap() }) };
/// let mut frame = [0u8; MAX_FRAME];
/// let len = encode_frame(&open, &mut frame).unwrap();
/// // payload 00 00 01 74 (seq 0, tag 0, "t"), then its CRC-32C, COBS-encoded, then 0x00.
/// assert_eq!(&frame[..len], &[0x01, 0x01, 0x07, 0x01, 0x74, 0xa2, 0x10, 0xc7, 0xed, 0x00]);
/// ```
// Not inlined: one copy for every caller (on a device, inlining it saves no stack and costs
// flash).
#[inline(never)]
pub fn encode_frame(record: &Record, out: &mut [u8]) -> Result<usize, FormatError> {
    // The payload and its CRC go far enough in for COBS to encode them in place, to the start
    // of `out`: one frame buffer, not two.
    const START: usize = cobs::overhead(MAX_PAYLOAD + CRC_LEN);
    let area = out.get_mut(START..).ok_or(FormatError::BufferTooSmall)?;
    let room = area.len().min(MAX_PAYLOAD);
    let payload_len = encode_payload(record, area.get_mut(..room).unwrap_or_default())?.len();
    let (payload, rest) = area.split_at_mut(payload_len.min(area.len()));
    let crc = crc32c(payload).to_le_bytes();
    rest.get_mut(..CRC_LEN)
        .ok_or(FormatError::BufferTooSmall)?
        .copy_from_slice(&crc);
    cobs::encode_in_place(out, START, payload_len.saturating_add(CRC_LEN))
        .map_err(|_| FormatError::BufferTooSmall)
}

/// Whether a complete frame (delimiter included) is an erased gap: nothing but `0xFF` before
/// its delimiter. A writer on flash leaves one where a power cut may have touched a word; no
/// valid record encodes to it, and readers skip it like padding.
pub fn is_erased_gap(frame: &[u8]) -> bool {
    match frame.split_last() {
        Some((&DELIMITER, body)) => !body.is_empty() && body.iter().all(|&b| b == ERASED),
        _ => false,
    }
}

/// Decodes one frame (its bytes up to and including the delimiter) into the payload it
/// carries, checking COBS and the checksum. `scratch` should hold [`MAX_FRAME`] bytes.
pub fn decode_frame<'s>(frame: &[u8], scratch: &'s mut [u8]) -> Result<&'s [u8], FormatError> {
    if frame.len() > MAX_FRAME {
        return Err(FormatError::FrameTooLong);
    }
    let copy = scratch
        .get_mut(..frame.len())
        .ok_or(FormatError::FrameTooLong)?;
    copy.copy_from_slice(frame);
    decode_frame_in_place(copy)
}

/// Decodes the frame in `buf` (its bytes up to and including the delimiter) in place, and
/// returns the payload it carries, checking COBS and the checksum.
pub fn decode_frame_in_place(buf: &mut [u8]) -> Result<&[u8], FormatError> {
    if buf.len() > MAX_FRAME {
        return Err(FormatError::FrameTooLong);
    }
    let len = cobs::decode_in_place(buf).map_err(|_| FormatError::FrameInvalid)?;
    let body = buf.get(..len).ok_or(FormatError::FrameInvalid)?;
    if body.len() <= CRC_LEN {
        return Err(FormatError::FrameTooShort);
    }
    let (payload, crc) = body.split_at(body.len().saturating_sub(CRC_LEN));
    if crc32c(payload) != u32::from_le_bytes(le_array(crc)) && !fuzz::skip_checksum() {
        return Err(FormatError::ChecksumMismatch);
    }
    Ok(payload)
}

/// Fuzzing builds only (cargo-fuzz sets `cfg(fuzzing)`): the decode and audit targets turn the
/// checksum off, so that mutated inputs reach the payload decoder, the fold and the auditor
/// instead of stopping at the checksum; the flash model target keeps it, as its power-loss
/// checks depend on it. Other builds always check.
pub mod fuzz {
    /// Whether frames are decoded without their checksum checked (fuzzing builds only).
    #[cfg(fuzzing)]
    pub static SKIP_CHECKSUM: core::sync::atomic::AtomicBool =
        core::sync::atomic::AtomicBool::new(false);

    /// Whether this build skips the checksum now.
    #[inline(always)]
    pub(crate) fn skip_checksum() -> bool {
        #[cfg(fuzzing)]
        return SKIP_CHECKSUM.load(core::sync::atomic::Ordering::Relaxed);
        #[cfg(not(fuzzing))]
        false
    }
}

/// Decodes a payload into a record. `expected` is the sequence number the next record should
/// have; the record's full number is the first one at or after `expected` whose low 8 bits
/// match the stored byte, so a record that follows a gap (a lost record) shows the gap, and
/// one that repeats or comes early shows a jump of up to 255.
///
/// An entry tag beyond [`LAST_ENTRY_TAG`] is reported as [`FormatError::UnknownEntryKind`], so
/// a newer file fails clearly in an older reader.
pub fn decode_payload(payload: &[u8], expected: Seq) -> Result<Record, FormatError> {
    let (&check, entry) = payload.split_first().ok_or(FormatError::PayloadInvalid)?;
    let gap = check.wrapping_sub(seq_check(expected));
    let seq = expected.wrapping_add(Seq::from(gap));
    match postcard::take_from_bytes::<Entry>(entry) {
        Ok((mut entry, [])) => {
            if let Some(target) = entry.subject_mut() {
                *target = seq
                    .checked_sub(*target)
                    .ok_or(FormatError::ForwardReference)?;
            }
            Ok(Record { seq, entry })
        }
        Ok(_) => Err(FormatError::PayloadTrailingBytes),
        Err(_) => Err(match postcard::take_from_bytes::<u32>(entry) {
            Ok((tag, _)) if tag > LAST_ENTRY_TAG => FormatError::UnknownEntryKind { tag },
            _ => FormatError::PayloadInvalid,
        }),
    }
}

/// Whether `payload` is the one canonical encoding of the record it decodes to. postcard
/// accepts over-long varints, so two byte strings could otherwise mean the same entry.
pub fn is_canonical(payload: &[u8], record: &Record) -> bool {
    let mut again = [0u8; MAX_PAYLOAD];
    encode_payload(record, &mut again).is_ok_and(|bytes| bytes == payload)
}

/// Whether `frame` (delimiter included) is the one canonical frame of `record`: its payload
/// canonical, its checksum the CRC of it, and its COBS the shortest (a block of 254 data bytes
/// that ends the payload is followed by no empty block: COBS decoders accept both).
/// `payload` is what [`decode_frame`] gave for `frame`.
///
/// What [`encode_frame`] would write, checked without writing it: the payload is encoded again
/// and compared, the checksum was checked when the frame was decoded, and COBS has one
/// encoding of a payload but for that empty block (its blocks are forced by where the zero
/// bytes are), which shows in the code bytes. An audit runs this on every record.
pub fn is_canonical_frame(frame: &[u8], payload: &[u8], record: &Record) -> bool {
    if fuzz::skip_checksum() && !checksum_matches(frame, payload) {
        return false;
    }
    is_canonical(payload, record) && !ends_in_empty_block(frame)
}

/// Whether the frame's last two COBS blocks are a full one (code `0xFF`) and an empty one
/// (code `0x01`): a longer encoding of the same bytes than the one [`cobs::encode_in_place`]
/// writes. Walks the code bytes only.
fn ends_in_empty_block(frame: &[u8]) -> bool {
    let (mut at, mut last, mut before) = (0usize, 0u8, 0u8);
    while let Some(&code) = frame.get(at) {
        if code == 0 {
            break;
        }
        (before, last) = (last, code);
        at = at.saturating_add(usize::from(code));
    }
    before == u8::MAX && last == 1
}

/// Whether the frame's checksum is the CRC of `payload` (for fuzzing builds, which decode
/// frames without checking it).
fn checksum_matches(frame: &[u8], payload: &[u8]) -> bool {
    let mut scratch = [0u8; MAX_FRAME];
    let Some(copy) = scratch.get_mut(..frame.len()) else {
        return false;
    };
    copy.copy_from_slice(frame);
    let Ok(len) = cobs::decode_in_place(copy) else {
        return false;
    };
    copy.get(..len).is_some_and(|body| {
        body.len() == payload.len().saturating_add(CRC_LEN)
            && body.get(payload.len()..) == Some(&crc32c(payload).to_le_bytes()[..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Open, name};

    /// The CRC-32C check value (RFC 3720 / the CRC catalogue), whichever table the build uses
    /// (default, `fast-crc` or `small-crc`).
    #[test]
    fn crc32c_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
    }

    /// Whichever implementation the build uses gives the bit-by-bit checksum at every length a
    /// frame can have, and at every alignment.
    #[test]
    fn crc32c_is_the_reference_at_every_length() {
        let reference = Crc::<u32, crc::NoTable>::new(&CRC_32_ISCSI);
        let bytes: Vec<u8> = (0..MAX_FRAME as u32 + 8)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for start in 0..8 {
            for len in 0..MAX_FRAME {
                let part = &bytes[start..start + len];
                assert_eq!(crc32c(part), reference.checksum(part), "{start}+{len}");
            }
        }
    }

    fn open(origin: &str) -> Record {
        Record {
            seq: 0,
            entry: Entry::Open(Open {
                origin: name(origin).unwrap(),
            }),
        }
    }

    #[test]
    fn preamble_round_trips_and_rejects_damage() {
        let bytes = preamble();
        assert_eq!(check_preamble(&bytes), Ok(1));
        assert_eq!(
            check_preamble(&bytes[..15]),
            Err(FormatError::PreambleTruncated)
        );
        let mut bad = bytes;
        bad[0] = b'X';
        assert_eq!(check_preamble(&bad), Err(FormatError::BadMagic));
        let mut bad = bytes;
        bad[11] = 1;
        assert_eq!(check_preamble(&bad), Err(FormatError::PreambleChecksum));
    }

    #[test]
    fn a_newer_version_is_refused_clearly() {
        let mut bytes = preamble();
        bytes[8] = 2;
        let crc = crc32c(&bytes[..12]).to_le_bytes();
        bytes[12..].copy_from_slice(&crc);
        assert_eq!(
            check_preamble(&bytes),
            Err(FormatError::UnsupportedVersion {
                found: 2,
                supported: 1
            })
        );
    }

    #[test]
    fn frames_round_trip_and_contain_no_zero_before_the_delimiter() {
        let record = open("pledge.example/test");
        let mut frame = [0u8; MAX_FRAME];
        let len = encode_frame(&record, &mut frame).unwrap();
        assert_eq!(frame[len - 1], DELIMITER);
        assert!(!frame[..len - 1].contains(&DELIMITER));
        let mut scratch = [0u8; MAX_FRAME];
        let payload = decode_frame(&frame[..len], &mut scratch).unwrap();
        assert!(is_canonical(payload, &record));
        assert_eq!(decode_payload(payload, 0), Ok(record));
    }

    #[test]
    fn unknown_entry_kinds_are_named() {
        // seq 5, tag 19, then nothing this version can read.
        assert_eq!(
            decode_payload(&[5, 19, 1, 2], 5),
            Err(FormatError::UnknownEntryKind { tag: 19 })
        );
        assert_eq!(decode_payload(&[5, 0], 5), Err(FormatError::PayloadInvalid));
        assert_eq!(decode_payload(&[], 5), Err(FormatError::PayloadInvalid));
    }

    #[test]
    fn over_long_varints_decode_but_are_not_canonical() {
        let record = open("t");
        // The entry tag 0 written as the two-byte varint 0x80 0x00.
        let payload = [0x00, 0x80, 0x00, 0x01, b't'];
        assert_eq!(decode_payload(&payload, 0), Ok(record.clone()));
        assert!(!is_canonical(&payload, &record));
    }

    /// The audit's check, which encodes only the payload again, judges every frame as writing
    /// the whole frame again and comparing would: notes of every length up to one full COBS
    /// block and past it, each payload with every byte changed in turn and every varint-sized
    /// byte written over-long, each framed with its checksum in the shortest COBS and, where
    /// it ends in a full block, in the longer form with an empty block after it.
    #[test]
    fn the_canonical_frame_check_agrees_with_writing_the_frame_again() {
        use crate::entry::TEXT_CAPACITY;
        let written_again = |frame: &[u8], record: &Record| {
            let mut again = [0u8; MAX_FRAME];
            encode_frame(record, &mut again).is_ok_and(|len| &again[..len] == frame)
        };
        // The payload with its checksum, in COBS's shortest form and perhaps the longer one.
        let framed = |payload: &[u8]| -> Vec<Vec<u8>> {
            let start = cobs::overhead(payload.len() + CRC_LEN);
            let mut buf = vec![0u8; MAX_FRAME + 8];
            buf[start..start + payload.len()].copy_from_slice(payload);
            let crc = crc32c(payload).to_le_bytes();
            buf[start + payload.len()..start + payload.len() + CRC_LEN].copy_from_slice(&crc);
            let Ok(len) = cobs::encode_in_place(&mut buf, start, payload.len() + CRC_LEN) else {
                return Vec::new();
            };
            let shortest = buf[..len].to_vec();
            let mut longer = shortest[..len - 1].to_vec();
            longer.extend_from_slice(&[0x01, DELIMITER]);
            vec![shortest, longer]
        };
        let (mut judged, mut not_canonical) = (0, 0);
        for len in (1..40).chain(225..=TEXT_CAPACITY) {
            let text: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let record = Record {
                seq: 300,
                entry: Entry::Note(crate::entry::Note {
                    date: crate::Date(20_000),
                    about: Some(299),
                    text: crate::entry::text(&text).unwrap(),
                }),
            };
            let mut buf = [0u8; MAX_PAYLOAD];
            let payload = encode_payload(&record, &mut buf).unwrap().to_vec();
            let mut payloads = vec![payload.clone()];
            for at in 0..payload.len() {
                for change in [0x01, 0x80] {
                    let mut changed = payload.clone();
                    changed[at] ^= change;
                    payloads.push(changed);
                }
                if payload[at] < 0x80 {
                    let mut over_long = payload.clone();
                    over_long.splice(at..=at, [payload[at] | 0x80, 0x00]);
                    payloads.push(over_long);
                }
            }
            for bytes in payloads.iter().flat_map(|p| framed(p)) {
                let mut scratch = [0u8; MAX_FRAME];
                let Ok(payload) = decode_frame(&bytes, &mut scratch) else {
                    continue;
                };
                let Ok(read) = decode_payload(payload, 300) else {
                    continue;
                };
                let expected = written_again(&bytes, &read);
                assert_eq!(
                    is_canonical_frame(&bytes, payload, &read),
                    expected,
                    "{len}: {bytes:02x?}"
                );
                judged += 1;
                not_canonical += usize::from(!expected);
            }
        }
        // Both answers were given, many times: the check was put to the test.
        assert!(
            judged > 1000 && not_canonical > 100,
            "{judged} {not_canonical}"
        );
    }

    #[test]
    fn the_full_sequence_number_is_restored_from_the_position() {
        let payload = |seq: u8| [seq, 0x00, 0x01, b't'];
        assert_eq!(decode_payload(&payload(4), 260).map(|r| r.seq), Ok(260));
        // One record lost before this one: the gap shows.
        assert_eq!(decode_payload(&payload(5), 260).map(|r| r.seq), Ok(261));
        // A repeated record looks 255 ahead, which the fold rejects.
        assert_eq!(decode_payload(&payload(3), 260).map(|r| r.seq), Ok(515));
    }
}
