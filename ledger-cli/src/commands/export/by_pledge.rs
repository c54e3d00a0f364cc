//! The IATI export's transactions put in pledge order in bounded memory: they come in record
//! order, an activity needs all of its own together, and a ledger has millions. Each is 24
//! bytes, sorted by pledge through [`SortRuns`] (runs sorted in memory, spilled to a temporary
//! file past a few MiB, merged); equal pledges keep the order gathered. A ledger of fewer
//! transactions never touches the disk.

use std::io;

use ledger_core::Date;
use ledger_core::entry::Seq;

use crate::sidecar::encoding::{In, Out};
use crate::sort_runs::{Kinds, Records, SortRuns};

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
    runs: SortRuns,
    /// The kinds of records seen: a transaction names its kind by index.
    kinds: Kinds,
    /// The transaction being encoded (one buffer for all of them).
    record: Out,
}

impl ByPledge {
    /// Adds a transaction.
    pub fn push(&mut self, t: Transaction) -> io::Result<()> {
        let kind = self.kinds.index(t.kind);
        let bytes = &mut self.record;
        bytes.0.clear();
        bytes.u32(t.pledge);
        bytes.u32(t.id);
        bytes.i32(t.date.0);
        bytes.i64(t.units);
        bytes.u8(t.code);
        bytes.u8(u8::try_from(kind).map_err(|_| io::Error::other("too many kinds"))?);
        bytes.bytes(&[0, 0]);
        self.runs.push(u64::from(t.pledge), &self.record.0)
    }

    /// Every transaction, in pledge order.
    pub fn into_sorted(self) -> io::Result<Sorted> {
        Ok(Sorted {
            records: self.runs.into_sorted()?.records()?,
            kinds: self.kinds,
        })
    }
}

/// The transactions in pledge order.
#[derive(Debug)]
pub struct Sorted {
    records: Records,
    kinds: Kinds,
}

impl Iterator for Sorted {
    type Item = io::Result<Transaction>;

    fn next(&mut self) -> Option<io::Result<Transaction>> {
        let record = self.records.next_record()?;
        Some(record.and_then(|(_, bytes)| decode(bytes, &self.kinds)))
    }
}

/// A transaction from its 24 bytes.
fn decode(record: &[u8], kinds: &Kinds) -> io::Result<Transaction> {
    let short = || io::Error::other("a short record");
    let mut input = In(record);
    let (pledge, id, date) = (input.u32(), input.u32(), input.i32());
    let (units, code, kind) = (input.i64(), input.u8(), input.u8());
    let (Some(pledge), Some(id), Some(date), Some(units), Some(code), Some(kind)) =
        (pledge, id, date, units, code, kind)
    else {
        return Err(short());
    };
    let kind = kinds
        .get(usize::from(kind))
        .ok_or_else(|| io::Error::other("an unknown kind"))?;
    Ok(Transaction {
        pledge,
        code,
        date: Date(date),
        units,
        id,
        kind,
    })
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
        for count in [0usize, 10, 1_000, 400_000] {
            let mut by_pledge = ByPledge::default();
            let mut expected = Vec::new();
            for id in 0..count as u32 {
                // Pledges out of order, each with transactions in several runs.
                let t = transaction((id * 7919) % 1_000, id);
                by_pledge.push(t).unwrap();
                expected.push(t);
            }
            expected.sort_by_key(|t| t.pledge);
            assert_eq!(by_pledge.runs.spilled(), count == 400_000, "{count}");
            let sorted: Vec<_> = by_pledge
                .into_sorted()
                .unwrap()
                .collect::<io::Result<_>>()
                .unwrap();
            assert!(sorted == expected, "{count}");
        }
    }
}
