//! Records of any length sorted by a 64-bit key in bounded memory: runs of up to [`RUN`] bytes
//! are sorted in memory and, past the first, written to an unnamed temporary file; reading
//! merges the runs (a sort-merge, as databases order what does not fit in memory). Fewer
//! records than a run never touch the disk. Equal keys come back in the order they were added.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::rc::Rc;

/// Bytes of records, and of their index entries, sorted in memory at a time.
pub const RUN: usize = 8 << 20;

/// Bytes of one record's entry in the run's index.
const INDEX_ENTRY: usize = std::mem::size_of::<(u64, usize, usize)>();

/// Bytes read at a time from each spilled run while merging.
const BUFFER: usize = 64 << 10;

/// The kinds of record (`Entry::kind`'s words) that sorted records name by index: a handful,
/// kept once.
#[derive(Debug, Default)]
pub struct Kinds(Vec<&'static str>);

impl Kinds {
    /// `kind`'s index, added if it is new.
    pub fn index(&mut self, kind: &'static str) -> usize {
        match self.0.iter().position(|k| *k == kind) {
            Some(index) => index,
            None => {
                self.0.push(kind);
                self.0.len() - 1
            }
        }
    }

    /// The kind at `index`.
    pub fn get(&self, index: usize) -> Option<&'static str> {
        self.0.get(index).copied()
    }
}

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

    /// Whether some records went to the temporary file.
    #[cfg(test)]
    pub fn spilled(&self) -> bool {
        self.file.is_some()
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
        Ok(Sorted(Rc::new(self)))
    }
}

/// Records in key order.
#[derive(Debug, Clone)]
pub struct Sorted(Rc<SortRuns>);

impl Sorted {
    /// A walk over the records in key order, from the first.
    pub fn records(&self) -> io::Result<Records> {
        let mut heads = BinaryHeap::new();
        let mut runs = Vec::new();
        if let Some(file) = &self.0.file {
            for (i, &(at, end)) in self.0.runs.iter().enumerate() {
                let file = file.try_clone()?;
                let mut run = Run {
                    reader: BufReader::with_capacity(BUFFER, Span { file, at, end }),
                    record: Vec::new(),
                };
                if let Some(key) = run.next()? {
                    heads.push(Reverse((key, i)));
                }
                runs.push(run);
            }
        }
        Ok(Records {
            sorted: Rc::clone(&self.0),
            next: 0,
            runs,
            heads,
            last: None,
        })
    }

    /// Hands each record to `each` in key order, with its key; stops at `each`'s first error or
    /// a failed read.
    pub fn try_for_each<E: From<io::Error>>(
        &self,
        mut each: impl FnMut(u64, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut records = self.records()?;
        while let Some(record) = records.next_record() {
            let (key, bytes) = record?;
            each(key, bytes)?;
        }
        Ok(())
    }
}

/// A walk over sorted records: from memory, or merged from the spilled runs.
#[derive(Debug)]
pub struct Records {
    sorted: Rc<SortRuns>,
    /// The next record of the index, when nothing was spilled.
    next: usize,
    runs: Vec<Run>,
    /// Each run's next key: the smallest first; among equal keys, the earlier run's (it was
    /// gathered first).
    heads: BinaryHeap<Reverse<(u64, usize)>>,
    /// The run whose record was handed out last: it moves on before the next is chosen.
    last: Option<usize>,
}

impl Records {
    /// The next record and its key, `None` after the last.
    pub fn next_record(&mut self) -> Option<io::Result<(u64, &[u8])>> {
        if self.runs.is_empty() {
            let &(key, at, len) = self.sorted.index.get(self.next)?;
            self.next += 1;
            return Some(Ok((
                key,
                self.sorted.bytes.get(at..at + len).unwrap_or_default(),
            )));
        }
        if let Some(i) = self.last.take() {
            let run = self.runs.get_mut(i)?;
            match run.next() {
                Ok(Some(key)) => self.heads.push(Reverse((key, i))),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        let Reverse((key, i)) = self.heads.pop()?;
        self.last = Some(i);
        let run = self.runs.get(i)?;
        Some(Ok((key, &run.record)))
    }
}

/// One spilled run being read: its next record's bytes.
#[derive(Debug)]
struct Run {
    reader: BufReader<Span>,
    record: Vec<u8>,
}

impl Run {
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

/// A part of the file, read at its own position (`read_at`: the handles share no offset).
#[derive(Debug)]
struct Span {
    file: File,
    at: u64,
    end: u64,
}

impl Read for Span {
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
