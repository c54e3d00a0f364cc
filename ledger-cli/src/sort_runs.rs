//! Records of any length sorted by a 64-bit key in bounded memory: runs of up to [`RUN`] bytes
//! are sorted in memory and, past the first, written to an unnamed temporary file; reading
//! merges the runs (a sort-merge, as databases order what does not fit in memory). Fewer
//! records than a run never touch the disk. Equal keys come back in the order they were added.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;

/// Bytes of records, and of their index entries, sorted in memory at a time.
pub const RUN: usize = 8 << 20;

/// Bytes of one record's entry in the run's index.
const INDEX_ENTRY: usize = std::mem::size_of::<(u64, usize, usize)>();

/// Bytes read at a time from each spilled run while merging.
const BUFFER: usize = 64 << 10;

/// Records gathered in any order, to be read back in key order.
#[derive(Debug, Default)]
pub struct SortRuns {
    /// The run being gathered: each record's key, and where its bytes are in `bytes`.
    index: Vec<(u64, usize, usize)>,
    bytes: Vec<u8>,
    /// Where each spilled run starts in `file`, and where it ends.
    runs: Vec<(u64, u64)>,
    file: Option<File>,
}

impl SortRuns {
    /// Adds a record.
    pub fn push(&mut self, key: u64, record: &[u8]) -> io::Result<()> {
        self.index.push((key, self.bytes.len(), record.len()));
        self.bytes.extend_from_slice(record);
        if self.bytes.len() + INDEX_ENTRY * self.index.len() >= RUN {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the run in memory (stable: equal keys keep their order).
    fn sort(&mut self) {
        self.index.sort_by_key(|&(key, ..)| key);
    }

    /// Sorts the run and writes it at the end of the file: each record as its key, its length
    /// and its bytes.
    fn spill(&mut self) -> io::Result<()> {
        self.sort();
        let mut out = Vec::with_capacity(self.bytes.len() + 12 * self.index.len());
        for &(key, at, len) in &self.index {
            let record = self.bytes.get(at..at + len).unwrap_or_default();
            out.extend_from_slice(&key.to_le_bytes());
            let len = u32::try_from(len).map_err(|_| io::Error::other("a record over 4 GiB"))?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(record);
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile()?),
        };
        let start = self.runs.last().map_or(0, |&(_, end)| end);
        file.write_all_at(&out, start)?;
        self.runs.push((start, start + out.len() as u64));
        self.index.clear();
        self.bytes.clear();
        Ok(())
    }

    /// Every record, ready to be read in key order (as often as wanted).
    pub fn into_sorted(mut self) -> io::Result<Sorted> {
        if self.runs.is_empty() {
            self.sort();
        } else if !self.index.is_empty() {
            self.spill()?;
        }
        Ok(Sorted(self))
    }
}

/// Records in key order.
#[derive(Debug)]
pub struct Sorted(SortRuns);

impl Sorted {
    /// Hands each record to `each` in key order, with its key; stops at `each`'s first error or
    /// a failed read.
    pub fn try_for_each<E: From<io::Error>>(
        &self,
        mut each: impl FnMut(u64, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let runs = &self.0;
        let Some(file) = &runs.file else {
            for &(key, at, len) in &runs.index {
                each(key, runs.bytes.get(at..at + len).unwrap_or_default())?;
            }
            return Ok(());
        };
        let mut readers: Vec<Run<'_>> = runs
            .runs
            .iter()
            .map(|&(at, end)| Run {
                reader: BufReader::with_capacity(BUFFER, Span { file, at, end }),
                record: Vec::new(),
            })
            .collect();
        // The smallest key first; among equal keys, the earlier run's (it was gathered first).
        let mut heads = BinaryHeap::new();
        for (i, run) in readers.iter_mut().enumerate() {
            if let Some(key) = run.next()? {
                heads.push(Reverse((key, i)));
            }
        }
        while let Some(Reverse((key, i))) = heads.pop() {
            let Some(run) = readers.get_mut(i) else {
                break;
            };
            each(key, &run.record)?;
            if let Some(key) = run.next()? {
                heads.push(Reverse((key, i)));
            }
        }
        Ok(())
    }
}

/// One spilled run being read: its next record's bytes.
struct Run<'f> {
    reader: BufReader<Span<'f>>,
    record: Vec<u8>,
}

impl Run<'_> {
    /// Reads the next record into `record` and says its key; `None` at the run's end.
    fn next(&mut self) -> io::Result<Option<u64>> {
        let mut head = [0u8; 12];
        match self.reader.read_exact(&mut head) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        let (key, len) = head.split_at(8);
        let key = u64::from_le_bytes(key.try_into().unwrap_or_default());
        let len = u32::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
        self.record.resize(len, 0);
        self.reader.read_exact(&mut self.record)?;
        Ok(Some(key))
    }
}

/// A part of the file, read from its own position (each run's reader has its own).
struct Span<'f> {
    file: &'f File,
    at: u64,
    end: u64,
}

impl Read for Span<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end - self.at).unwrap_or(usize::MAX);
        let len = buf.len().min(left);
        let read = self
            .file
            .read_at(buf.get_mut(..len).unwrap_or_default(), self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of varied length that names its place in the order added.
    fn record(n: u32) -> Vec<u8> {
        let mut bytes = n.to_le_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(n as u8, (n % 300) as usize));
        bytes
    }

    /// Spilled in runs and merged, or sorted in memory: the order of a stable sort by key.
    #[test]
    fn spilled_runs_merge_into_a_stable_sort() {
        for count in [0u32, 1, 10, 5_000, 200_000] {
            let mut runs = SortRuns::default();
            let mut expected = Vec::new();
            for n in 0..count {
                // Keys out of order, many of them equal, spread over every run.
                let key = u64::from((n.wrapping_mul(7_919)) % 1_000);
                runs.push(key, &record(n)).unwrap();
                expected.push((key, record(n)));
            }
            expected.sort_by_key(|(key, _)| *key);
            let spilled = runs.file.is_some();
            assert_eq!(
                spilled,
                count == 200_000,
                "{count}: only the largest spills"
            );
            let sorted = runs.into_sorted().unwrap();
            for _ in 0..2 {
                let mut got = Vec::new();
                sorted
                    .try_for_each(|key, bytes| {
                        got.push((key, bytes.to_vec()));
                        Ok::<(), io::Error>(())
                    })
                    .unwrap();
                assert!(got == expected, "{count}: read again, the same");
            }
        }
    }
}
