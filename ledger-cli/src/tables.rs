//! The fold's tables on a desktop: growable vectors, so a ledger of any size fits in memory.

use ledger_core::slots::{Slots, Tables};

/// A `Vec` that the core's fold can grow.
#[derive(Debug)]
pub struct Grow<T>(Vec<T>);

impl<T> Default for Grow<T> {
    fn default() -> Self {
        Grow(Vec::new())
    }
}

impl<T> Slots<T> for Grow<T> {
    fn push(&mut self, item: T) -> Result<(), T> {
        self.0.push(item);
        Ok(())
    }
    fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
        if index > self.0.len() {
            return Err(item);
        }
        self.0.insert(index, item);
        Ok(())
    }
    fn as_slice(&self) -> &[T] {
        &self.0
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.0
    }
}

/// Tables without a fixed capacity.
#[derive(Debug)]
pub struct Desktop;

impl Tables for Desktop {
    type PartyNames = Grow<ledger_core::entry::Name>;
    type ProjectNames = Grow<ledger_core::entry::Name>;
    type SectorNames = Grow<ledger_core::entry::Name>;
    type TagNames = Grow<ledger_core::entry::Name>;
    type Commodities = Grow<ledger_core::Commodity>;
    type Goals = Grow<ledger_core::state::GoalState>;
    type Pledges = Grow<ledger_core::state::PledgeState>;
}

/// The state of a ledger on a desktop.
pub type State = ledger_core::State<Desktop>;
