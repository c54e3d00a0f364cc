//! The frames of one large append (an import), kept in an unnamed temporary file once they
//! pass [`SPILL`] bytes, so that an import of a million rows does not hold its 30–60 MB of
//! frames in memory until the one write that makes it all or nothing. The ledger itself is
//! not touched before that write: a bad row or a kill leaves it byte for byte as it was.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;

use ledger_core::record::DELIMITER;

/// Frames kept in memory before they go to the temporary file.
pub const SPILL: usize = 4 << 20;

/// Bytes read or copied at a time from the temporary file.
const CHUNK: usize = 1 << 20;

/// Frames spilled so far (complete frames only), and how many records they are.
#[derive(Debug, Default)]
pub struct Spool {
    /// The temporary file, once there is one (or none if it could not be made: then the
    /// frames stay in memory, and the import still runs, in more memory).
    file: Option<File>,
    spilled: u64,
    records: usize,
}

impl Spool {
    /// Moves `frames` (complete frames) to the temporary file when they pass [`SPILL`].
    pub fn take_from(&mut self, frames: &mut Vec<u8>) -> std::io::Result<()> {
        if frames.len() < SPILL {
            return Ok(());
        }
        if self.file.is_none() {
            match tempfile::tempfile() {
                Ok(file) => self.file = Some(file),
                // No temporary file: the frames stay in memory.
                Err(_) => return Ok(()),
            }
        }
        let Some(file) = &self.file else {
            return Ok(());
        };
        file.write_all_at(frames, self.spilled)?;
        self.spilled += frames.len() as u64;
        self.records += count_records(frames);
        frames.clear();
        Ok(())
    }

    /// The whole append: what was spilled, then `tail` (the frames still in memory).
    pub fn with_tail<'a>(&'a self, tail: &'a [u8]) -> Appended<'a> {
        match &self.file {
            Some(file) if self.spilled > 0 => Appended::Spooled {
                file,
                spilled: self.spilled,
                records: self.records,
                tail,
            },
            _ => Appended::Memory(tail),
        }
    }
}

/// Records in complete frames: one delimiter each.
fn count_records(frames: &[u8]) -> usize {
    frames.iter().filter(|&&b| b == DELIMITER).count()
}

/// The frames of one append, in memory or partly in a spool's temporary file.
#[derive(Debug, Clone, Copy)]
pub enum Appended<'a> {
    /// All in memory.
    Memory(&'a [u8]),
    /// The first `spilled` bytes in `file`, then `tail`.
    Spooled {
        file: &'a File,
        spilled: u64,
        records: usize,
        tail: &'a [u8],
    },
}

impl<'a> Appended<'a> {
    /// What comes after their first `bytes` (a place between frames), if that is not in the
    /// spilled part; `None` if it is, or past their end.
    pub fn after(self, bytes: u64) -> Option<Appended<'a>> {
        if bytes == 0 {
            return Some(self);
        }
        match self {
            Appended::Memory(frames) => frames.get(usize::try_from(bytes).ok()?..),
            Appended::Spooled { spilled, tail, .. } => {
                tail.get(usize::try_from(bytes.checked_sub(spilled)?).ok()?..)
            }
        }
        .map(Appended::Memory)
    }

    /// Their length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Appended::Memory(frames) => frames.len() as u64,
            Appended::Spooled { spilled, tail, .. } => spilled + tail.len() as u64,
        }
    }

    /// How many records they are.
    pub fn records(&self) -> usize {
        match self {
            Appended::Memory(frames) => count_records(frames),
            Appended::Spooled { records, tail, .. } => records + count_records(tail),
        }
    }

    /// Writes them all to `out`, a MiB at a time from the temporary file.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        self.each_spilled_chunk(|chunk| out.write_all(chunk))?;
        out.write_all(self.tail())
    }

    /// Hands each frame, in order, to `each`; stops at the first `None` (and says `None`), or
    /// if the temporary file cannot be read.
    pub fn for_each_frame(&self, mut each: impl FnMut(&[u8]) -> Option<()>) -> Option<()> {
        // A frame cut by the end of a chunk is carried over to the next one.
        let mut carried = Vec::with_capacity(CHUNK * 2);
        self.each_spilled_chunk(|chunk| {
            carried.extend_from_slice(chunk);
            let complete = carried
                .iter()
                .rposition(|&b| b == DELIMITER)
                .map_or(0, |i| i + 1);
            let frames = carried.get(..complete).unwrap_or_default();
            let stopped = frames
                .split_inclusive(|&b| b == DELIMITER)
                .any(|frame| each(frame).is_none());
            carried.drain(..complete);
            if stopped {
                // Not an I/O error: only a way out of the walk, which then says `None`.
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            Ok(())
        })
        .ok()?;
        // Only complete frames are spilled.
        if !carried.is_empty() {
            return None;
        }
        for frame in self.tail().split_inclusive(|&b| b == DELIMITER) {
            each(frame)?;
        }
        Some(())
    }

    /// Hands what was spilled to `each`, a MiB at a time, in order (nothing when all is in
    /// memory); stops at the first error, `each`'s or the read's.
    fn each_spilled_chunk(
        &self,
        mut each: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let Appended::Spooled { file, spilled, .. } = self else {
            return Ok(());
        };
        let mut buffer = vec![0u8; CHUNK];
        let mut at = 0;
        while at < *spilled {
            let len = usize::try_from(spilled - at).map_or(CHUNK, |left| left.min(CHUNK));
            let chunk = buffer.get_mut(..len).unwrap_or_default();
            file.read_exact_at(chunk, at)?;
            each(chunk)?;
            at += len as u64;
        }
        Ok(())
    }

    fn tail(&self) -> &[u8] {
        match self {
            Appended::Memory(frames) => frames,
            Appended::Spooled { tail, .. } => tail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of varied lengths, some longer than a chunk's remainder.
    fn frames(count: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..count {
            out.extend(std::iter::repeat_n(1 + (i % 250) as u8, 1 + i % 97));
            out.push(DELIMITER);
        }
        out
    }

    #[test]
    fn a_spooled_append_reads_and_writes_as_the_same_bytes_in_memory() {
        let all = frames(300_000);
        let mut spool = Spool::default();
        let mut pending = Vec::new();
        for frame in all.split_inclusive(|&b| b == DELIMITER) {
            pending.extend_from_slice(frame);
            spool.take_from(&mut pending).unwrap();
        }
        let appended = spool.with_tail(&pending);
        assert!(matches!(appended, Appended::Spooled { .. }), "it spilled");
        assert_eq!(appended.len(), all.len() as u64);
        assert_eq!(appended.records(), 300_000);
        let mut written = Vec::new();
        appended.write_to(&mut written).unwrap();
        assert!(written == all);
        let mut seen = Vec::new();
        let mut count = 0;
        appended
            .for_each_frame(|frame| {
                assert_eq!(frame.last(), Some(&DELIMITER));
                seen.extend_from_slice(frame);
                count += 1;
                Some(())
            })
            .unwrap();
        assert_eq!(count, 300_000);
        assert!(seen == all);
        // A `None` stops it.
        let mut calls = 0;
        let stopped = appended.for_each_frame(|_| {
            calls += 1;
            (calls < 10).then_some(())
        });
        assert_eq!((stopped, calls), (None, 10));
    }

    #[test]
    fn a_small_append_stays_in_memory() {
        let all = frames(100);
        let mut spool = Spool::default();
        let mut pending = all.clone();
        spool.take_from(&mut pending).unwrap();
        let appended = spool.with_tail(&pending);
        assert!(matches!(appended, Appended::Memory(_)));
        assert_eq!(
            (appended.len(), appended.records()),
            (all.len() as u64, 100)
        );
    }
}
