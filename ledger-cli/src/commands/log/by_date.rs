//! `log --order date` in bounded memory: each event kept is encoded in a few dozen bytes (its
//! names as indexes into the handful of names the ledger has, its amounts as minor units) and
//! sorted by date, then record, through [`SortRuns`], which spills runs to a temporary file past
//! a few MiB. Reading decodes each row again with the same names and amounts.

use std::collections::HashMap;

use ledger_core::entry::Seq;
use ledger_core::{Amount, CommodityId, Date};

use super::super::export::EventRow;
use crate::error::{CliError, Result};
use crate::output::Money;
use crate::sidecar::encoding::{In, Out};
use crate::sort_runs::{Kinds, SortRuns, Sorted};
use crate::tables::State;

/// Events gathered in record order, to be read in date order.
#[derive(Default)]
pub(super) struct ByDate<'a> {
    runs: SortRuns,
    names: Names<'a>,
    /// The kinds of records seen: a row names its kind by index.
    kinds: Kinds,
    record: Out,
}

/// The distinct names of the rows, each encoded as its index here. They are the
/// ledger's own strings, so they are told apart by address, without hashing their text.
#[derive(Default)]
struct Names<'a> {
    index: HashMap<(usize, usize), u32>,
    names: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn of(&mut self, name: &'a str) -> u32 {
        let key = (name.as_ptr() as usize, name.len());
        *self.index.entry(key).or_insert_with(|| {
            self.names.push(name);
            u32::try_from(self.names.len() - 1).unwrap_or(u32::MAX)
        })
    }
}

impl<'a> ByDate<'a> {
    /// Adds a row (one with a date: only those are kept for the log).
    pub(super) fn push(&mut self, row: &EventRow<'a>) -> Result<()> {
        let out = &mut self.record;
        out.0.clear();
        out.u32(row.id);
        out.opt_date(row.date);
        out.u32(self.kinds.index(row.kind) as u32);
        out.opt_u32(row.pledge);
        for name in [row.from, row.to, row.goal, row.project, row.sector] {
            out.opt_u32(name.map(|n| self.names.of(n)));
        }
        out.u8(u8::from(row.units.is_some()));
        if let Some(units) = row.units {
            out.i64(units.units);
            out.u32(units.commodity.0);
        }
        out.u8(u8::from(row.change.is_some()));
        if let Some((commodity, committed, fulfilled)) = row.change {
            out.u32(commodity.0);
            out.i64(committed);
            out.i64(fulfilled);
        }
        out.u8(u8::from(row.text.is_some()));
        if let Some(text) = &row.text {
            out.u64(text.len() as u64);
            out.bytes(text.as_bytes());
        }
        self.runs
            .push(key(row.date, row.id), &out.0)
            .map_err(spill_failed)
    }

    /// The rows in date order, then record order.
    pub(super) fn into_sorted(self, now: &'a State) -> Result<SortedRows<'a>> {
        Ok(SortedRows {
            sorted: self.runs.into_sorted().map_err(spill_failed)?,
            names: self.names.names,
            kinds: self.kinds,
            now,
        })
    }
}

/// Date, then record: the order of the log's date order.
fn key(date: Option<Date>, id: Seq) -> u64 {
    // The date's bits flipped at the sign, so that earlier dates are smaller numbers.
    let date = date.map_or(0, |d| (d.0 as u32) ^ 0x8000_0000);
    (u64::from(date) << 32) | u64::from(id)
}

fn spill_failed(e: std::io::Error) -> CliError {
    CliError::failure(format!(
        "log: cannot sort the events in a temporary file: {e}"
    ))
}

/// Rows in date order, read back as often as wanted.
pub(super) struct SortedRows<'a> {
    sorted: Sorted,
    names: Vec<&'a str>,
    kinds: Kinds,
    now: &'a State,
}

impl<'a> SortedRows<'a> {
    /// Hands each row to `each`, in order.
    pub(super) fn try_for_each(
        &self,
        mut each: impl FnMut(EventRow<'a>) -> Result<()>,
    ) -> Result<()> {
        self.sorted.try_for_each(|_, bytes| {
            let row = self.decode(bytes).ok_or_else(|| {
                CliError::failure("log: an event read back from its temporary file is cut short")
            })?;
            each(row)
        })
    }

    fn decode(&self, bytes: &[u8]) -> Option<EventRow<'a>> {
        let mut input = In(bytes);
        let name = |index: Option<u32>| -> Option<Option<&'a str>> {
            match index {
                None => Some(None),
                Some(i) => self.names.get(i as usize).copied().map(Some),
            }
        };
        let id = input.u32()?;
        let date = input.opt_date()?;
        let kind = self.kinds.get(input.u32()? as usize)?;
        let pledge = input.opt_u32()?;
        let from = name(input.opt_u32()?)?;
        let to = name(input.opt_u32()?)?;
        let goal = name(input.opt_u32()?)?;
        let project = name(input.opt_u32()?)?;
        let sector = name(input.opt_u32()?)?;
        let units = match input.u8()? {
            0 => None,
            _ => Some(Amount {
                units: input.i64()?,
                commodity: CommodityId(input.u32()?),
            }),
        };
        let change = match input.u8()? {
            0 => None,
            _ => Some((CommodityId(input.u32()?), input.i64()?, input.i64()?)),
        };
        let text = match input.u8()? {
            0 => None,
            _ => {
                let len = usize::try_from(input.u64()?).ok()?;
                Some(std::str::from_utf8(input.take(len)?).ok()?.to_string())
            }
        };
        let now = self.now;
        Some(EventRow {
            id,
            date,
            kind,
            pledge,
            from,
            to,
            goal,
            project,
            sector,
            amount: units.map(|a| Money::new(now, a.units, a.commodity)),
            units,
            committed_change: change.map(|(c, committed, _)| Money::new(now, committed, c)),
            fulfilled_change: change.map(|(c, _, fulfilled)| Money::new(now, fulfilled, c)),
            text,
            change,
        })
    }
}
