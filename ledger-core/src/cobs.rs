//! COBS (Consistent Overhead Byte Stuffing, Cheshire and Baker, 1999), in place.
//!
//! A frame body has no `0x00`, so `0x00` can end a frame. Each block is a code byte `n + 1`
//! and `n` data bytes (`n` ≤ 254); a block of fewer than 254 bytes stands for its bytes and a
//! zero, except the last. The encoding is byte-for-byte the one corncobs writes (frames in
//! ledgers written before this module existed are unchanged; `tests/cobs.rs` checks both ways).
//!
//! Written here rather than taken from a crate for two reasons a device cares about: every
//! access is checked, so no panic path reaches the firmware (corncobs' `split_at_mut` leaves
//! one), and both directions work in place, so a frame costs one buffer on the stack, not two.

/// Most data bytes in one block.
const MAX_RUN: usize = 254;

/// Why bytes are not a COBS frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CobsError {
    /// A block runs past the end, or no `0x00` ends the frame.
    Truncated,
    /// The buffer is too small, or the data does not start far enough in to encode in place.
    NoRoom,
}

/// Bytes COBS adds to `len` bytes of data, not counting the delimiter: one per 254, at least 1.
pub const fn overhead(len: usize) -> usize {
    if len == 0 { 1 } else { len.div_ceil(MAX_RUN) }
}

/// The longest frame `len` bytes of data encode to, delimiter included.
pub const fn max_encoded_len(len: usize) -> usize {
    len.saturating_add(overhead(len)).saturating_add(1)
}

/// Encodes the `len` bytes at `buf[start..]` into a frame at the start of `buf`, delimiter
/// included, and returns the frame's length. `start` must be at least [`overhead`]`(len)`, so
/// that the output never overtakes the input; the frame then ends at or before `start + len +
/// 1`.
pub fn encode_in_place(buf: &mut [u8], start: usize, len: usize) -> Result<usize, CobsError> {
    let end = start.checked_add(len).ok_or(CobsError::NoRoom)?;
    if start < overhead(len) || end >= buf.len() {
        return Err(CobsError::NoRoom);
    }
    // Where the open block's code byte goes; `None` right after a full block, whose successor
    // starts only when more data comes (so data ending on a full block needs no extra block).
    let mut code_at = Some(0usize);
    let mut write = 1usize;
    let mut run = 0u8;
    for read in start..end {
        let byte = *buf.get(read).ok_or(CobsError::NoRoom)?;
        if byte == 0 {
            match code_at {
                Some(at) => *buf.get_mut(at).ok_or(CobsError::NoRoom)? = run.wrapping_add(1),
                // The zero after a full block is an empty block of its own.
                None => {
                    *buf.get_mut(write).ok_or(CobsError::NoRoom)? = 1;
                    write = write.checked_add(1).ok_or(CobsError::NoRoom)?;
                }
            }
            code_at = Some(write);
            write = write.checked_add(1).ok_or(CobsError::NoRoom)?;
            run = 0;
            continue;
        }
        if code_at.is_none() {
            code_at = Some(write);
            write = write.checked_add(1).ok_or(CobsError::NoRoom)?;
        }
        *buf.get_mut(write).ok_or(CobsError::NoRoom)? = byte;
        write = write.checked_add(1).ok_or(CobsError::NoRoom)?;
        run = run.wrapping_add(1);
        if usize::from(run) == MAX_RUN {
            if let Some(at) = code_at {
                *buf.get_mut(at).ok_or(CobsError::NoRoom)? = u8::MAX;
            }
            code_at = None;
            run = 0;
        }
    }
    if let Some(at) = code_at {
        *buf.get_mut(at).ok_or(CobsError::NoRoom)? = run.wrapping_add(1);
    }
    *buf.get_mut(write).ok_or(CobsError::NoRoom)? = 0;
    write.checked_add(1).ok_or(CobsError::NoRoom)
}

/// Decodes the frame at the start of `buf` (up to its `0x00`) into the start of `buf`, and
/// returns the decoded length. Never reads past `buf`.
pub fn decode_in_place(buf: &mut [u8]) -> Result<usize, CobsError> {
    let mut read = 0usize;
    let mut write = 0usize;
    let mut zero_before_next = false;
    loop {
        let code = *buf.get(read).ok_or(CobsError::Truncated)?;
        read = read.saturating_add(1);
        let Some(run) = usize::from(code).checked_sub(1) else {
            return Ok(write);
        };
        if zero_before_next {
            // `write` < `read`: every block consumed its code byte.
            *buf.get_mut(write).ok_or(CobsError::Truncated)? = 0;
            write = write.saturating_add(1);
        }
        let next = read.saturating_add(run);
        if next > buf.len() {
            return Err(CobsError::Truncated);
        }
        // `write` ≤ `read`, so the block moves down (or stays) and nothing unread is lost.
        for from in read..next {
            let byte = *buf.get(from).ok_or(CobsError::Truncated)?;
            *buf.get_mut(write).ok_or(CobsError::Truncated)? = byte;
            write = write.saturating_add(1);
        }
        read = next;
        zero_before_next = run != MAX_RUN;
    }
}
