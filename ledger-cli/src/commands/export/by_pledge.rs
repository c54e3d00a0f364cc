//! The IATI export's transactions put in pledge order in bounded memory: they come in record
//! order, an activity needs all of its own together, and a ledger has millions. Runs of
//! [`RUN`] transactions are sorted in memory and, past the first, spilled to an unnamed
//! temporary file in 24-byte records; reading merges the runs (a sort-merge, as databases
//! order what does not fit in memory). A ledger of fewer transactions never touches the disk.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use ledger_core::Date;
use ledger_core::entry::Seq;

use crate::sidecar::encoding::{In, Out};

/// Transactions sorted in memory at a time: 3 MiB.
pub const RUN: usize = 1 << 17;

/// Bytes per spilled transaction.
const RECORD: usize = 24;

/// Spilled transactions read at a time from each run while merging.
const CHUNK: usize = 2_048;

/// One transaction of a pledge: its type, date, value in minor units of the pledge's
/// commodity, the record it comes from and that record's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transaction {
    pub pledge: Seq,
    pub code: u8,
    pub date: Date,
    pub units: i64,
    pub id: Seq,
    pub kind: &'static str,
}

/// Transactions gathered in any order and given back in pledge order, each pledge's in the
/// order they were gathered.
#[derive(Debug, Default)]
pub struct ByPledge {
    /// The run being gathered: each transaction with its place in the gathering order.
    run: Vec<(u64, Transaction)>,
    gathered: u64,
    /// Where each spilled run starts in `file`, and how many it holds.
    runs: Vec<(u64, usize)>,
    file: Option<File>,
    /// The kinds of records seen (a handful): a spilled transaction names its kind by index.
    kinds: Vec<&'static str>,
}

impl ByPledge {
    /// Adds a transaction.
    pub fn push(&mut self, transaction: Transaction) -> io::Result<()> {
        self.run.push((self.gathered, transaction));
        self.gathered += 1;
        if self.run.len() >= RUN {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the run and writes it at the end of the file.
    fn spill(&mut self) -> io::Result<()> {
        self.run.sort_unstable_by_key(|(n, t)| (t.pledge, *n));
        let mut bytes = Out(Vec::with_capacity(self.run.len() * RECORD));
        for (_, t) in &self.run {
            let kind = match self.kinds.iter().position(|k| *k == t.kind) {
                Some(kind) => kind,
                None => {
                    self.kinds.push(t.kind);
                    self.kinds.len() - 1
                }
            };
            bytes.u32(t.pledge);
            bytes.u32(t.id);
            bytes.i32(t.date.0);
            bytes.i64(t.units);
            bytes.u8(t.code);
            bytes.u8(u8::try_from(kind).map_err(|_| io::Error::other("too many kinds"))?);
            bytes.bytes(&[0, 0]);
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile()?),
        };
        let start = self
            .runs
            .last()
            .map_or(0, |(at, n)| at + (n * RECORD) as u64);
        file.write_all_at(&bytes.0, start)?;
        self.runs.push((start, self.run.len()));
        self.run.clear();
        Ok(())
    }

    /// Every transaction, in pledge order.
    pub fn into_sorted(mut self) -> io::Result<Sorted> {
        if self.runs.is_empty() {
            self.run.sort_unstable_by_key(|(n, t)| (t.pledge, *n));
            return Ok(Sorted::Memory(self.run.into_iter()));
        }
        if !self.run.is_empty() {
            self.spill()?;
        }
        let file = self.file.ok_or_else(|| io::Error::other("no spill file"))?;
        let mut cursors: Vec<Cursor> = self
            .runs
            .iter()
            .map(|&(at, left)| Cursor {
                at,
                left,
                buffer: Vec::new(),
                next: 0,
            })
            .collect();
        let mut heap = BinaryHeap::new();
        for (run, cursor) in cursors.iter_mut().enumerate() {
            if let Some(t) = cursor.next(&file, &self.kinds)? {
                heap.push(Reverse(Head(t, run)));
            }
        }
        Ok(Sorted::Merged(Merge {
            file,
            kinds: self.kinds,
            cursors,
            heap,
        }))
    }
}

/// A run's next transaction is ordered by pledge, then by run (an older run's transaction of
/// the same pledge was gathered first).
#[derive(Debug, PartialEq, Eq)]
struct Head(Transaction, usize);

impl Ord for Head {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0.pledge, self.1).cmp(&(other.0.pledge, other.1))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Where the merge is in one spilled run.
#[derive(Debug)]
struct Cursor {
    at: u64,
    left: usize,
    buffer: Vec<u8>,
    next: usize,
}

impl Cursor {
    /// The run's next transaction, reading a chunk when the last is used up.
    fn next(&mut self, file: &File, kinds: &[&'static str]) -> io::Result<Option<Transaction>> {
        if self.next >= self.buffer.len() {
            if self.left == 0 {
                return Ok(None);
            }
            let count = self.left.min(CHUNK);
            self.buffer.resize(count * RECORD, 0);
            file.read_exact_at(&mut self.buffer, self.at)?;
            self.at += (count * RECORD) as u64;
            self.left -= count;
            self.next = 0;
        }
        let short = || io::Error::other("a short record");
        let record = self
            .buffer
            .get(self.next..self.next + RECORD)
            .ok_or_else(short)?;
        self.next += RECORD;
        let mut input = In(record);
        let (pledge, id, date) = (input.u32(), input.u32(), input.i32());
        let (units, code, kind) = (input.i64(), input.u8(), input.u8());
        let (Some(pledge), Some(id), Some(date), Some(units), Some(code), Some(kind)) =
            (pledge, id, date, units, code, kind)
        else {
            return Err(short());
        };
        let kind = *kinds
            .get(usize::from(kind))
            .ok_or_else(|| io::Error::other("an unknown kind"))?;
        Ok(Some(Transaction {
            pledge,
            code,
            date: Date(date),
            units,
            id,
            kind,
        }))
    }
}

/// The transactions in pledge order.
#[derive(Debug)]
pub enum Sorted {
    /// All of them fitted in one run.
    Memory(std::vec::IntoIter<(u64, Transaction)>),
    /// Merged from the spilled runs.
    Merged(Merge),
}

/// The merge of spilled runs.
#[derive(Debug)]
pub struct Merge {
    file: File,
    kinds: Vec<&'static str>,
    cursors: Vec<Cursor>,
    heap: BinaryHeap<Reverse<Head>>,
}

impl Iterator for Sorted {
    type Item = io::Result<Transaction>;

    fn next(&mut self) -> Option<io::Result<Transaction>> {
        match self {
            Sorted::Memory(items) => items.next().map(|(_, t)| Ok(t)),
            Sorted::Merged(merge) => {
                let Reverse(Head(t, run)) = merge.heap.pop()?;
                let cursor = merge.cursors.get_mut(run)?;
                match cursor.next(&merge.file, &merge.kinds) {
                    Ok(Some(next)) => merge.heap.push(Reverse(Head(next, run))),
                    Ok(None) => {}
                    Err(error) => return Some(Err(error)),
                }
                Some(Ok(t))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transaction(pledge: Seq, id: Seq) -> Transaction {
        Transaction {
            pledge,
            code: if id.is_multiple_of(2) { 12 } else { 3 },
            date: Date(id as i32 - 5),
            units: i64::from(id) * -3,
            id,
            kind: ["pledge", "fulfil", "void"][id as usize % 3],
        }
    }

    /// Spilled in runs and merged, or sorted in memory: the order of a stable sort by pledge.
    #[test]
    fn spilled_runs_merge_into_a_stable_sort_by_pledge() {
        for count in [0, 10, RUN - 1, RUN, 3 * RUN + 17] {
            let mut by_pledge = ByPledge::default();
            let mut expected = Vec::new();
            for id in 0..count as u32 {
                // Pledges out of order, each with transactions in several runs.
                let t = transaction((id * 7919) % 1_000, id);
                by_pledge.push(t).unwrap();
                expected.push(t);
            }
            expected.sort_by_key(|t| t.pledge);
            let spilled = !by_pledge.runs.is_empty();
            assert_eq!(spilled, count >= RUN, "{count}");
            let sorted: Vec<_> = by_pledge
                .into_sorted()
                .unwrap()
                .collect::<io::Result<_>>()
                .unwrap();
            assert!(sorted == expected, "{count}");
        }
    }
}
