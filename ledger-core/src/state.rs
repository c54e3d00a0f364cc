//! The state of a ledger, derived by folding its records in order: declared names, goals and
//! each pledge's figures. The same fold serves appending (every new entry is checked against it)
//! and reading (every record read is checked again), on a desktop and on a device.
//!
//! A state may have an *as-of* date: entries dated after it are still checked, so validity
//! never depends on the date asked for, but they do not count in the as-of figures that
//! reports read.

use crate::amount::{Amount, Commodity, CommodityId};
use crate::date::Date;
use crate::entry::{Entry, GoalId, Name, PartyId, ProjectId, Record, SectorId, Seq};
use crate::error::{FormatError, LedgerError, Table};
use crate::record::{MAX_FRAME, encode_frame};
use crate::slots::{KeyedSlots, Slots, Tables};

/// A goal as the fold keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalState {
    /// The goal's record, which is also its id for people.
    pub seq: Seq,
    /// When it was set.
    pub date: Date,
    /// Its unique name.
    pub name: Name,
    /// Who benefits.
    pub beneficiary: Option<PartyId>,
    /// The target.
    pub target: Amount,
    /// When the target should be reached.
    pub deadline: Option<Date>,
}

/// A pledge as the fold keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeState {
    /// The pledge's record: its id.
    pub seq: Seq,
    /// When it was made.
    pub date: Date,
    /// The pledger.
    pub from: PartyId,
    /// The beneficiary.
    pub to: PartyId,
    /// The goal it counts toward.
    pub goal: Option<GoalId>,
    /// Its project.
    pub project: Option<ProjectId>,
    /// Its sector.
    pub sector: Option<SectorId>,
    /// Its commodity; every amount about it is in this commodity.
    pub commodity: CommodityId,
    /// When it is due.
    pub due: Option<Date>,
    /// The amount first pledged, in minor units.
    pub original: i64,
    /// Figures after every entry.
    pub current: Figures,
    /// Figures after the entries dated on or before the state's as-of date.
    pub as_of: Figures,
}

/// A pledge's running figures, in minor units of its commodity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// The pledged amount, after amendments.
    pub amount: i64,
    /// Delivered so far.
    pub fulfilled: i64,
    /// When the rest was cancelled, if it was.
    pub cancelled: Option<Date>,
}

/// Where a pledge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Nothing delivered yet.
    Open,
    /// Some delivered.
    Partial,
    /// All delivered.
    Fulfilled,
    /// The rest withdrawn.
    Cancelled,
}

impl Status {
    /// The lower-case word the CLI and JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Partial => "partial",
            Status::Fulfilled => "fulfilled",
            Status::Cancelled => "cancelled",
        }
    }
}

impl Figures {
    /// Where the pledge stands on these figures.
    pub fn status(&self) -> Status {
        if self.cancelled.is_some() {
            Status::Cancelled
        } else if self.fulfilled >= self.amount {
            Status::Fulfilled
        } else if self.fulfilled > 0 {
            Status::Partial
        } else {
            Status::Open
        }
    }

    /// What counts as committed: the amount, or only what was delivered once cancelled.
    pub fn committed(&self) -> i64 {
        if self.cancelled.is_some() {
            self.fulfilled
        } else {
            self.amount
        }
    }

    /// Committed but not yet delivered.
    pub fn outstanding(&self) -> i64 {
        self.committed().saturating_sub(self.fulfilled)
    }
}

impl PledgeState {
    /// Whether, on `date`, the pledge is past due and still open or partly fulfilled.
    pub fn is_overdue(&self, date: Date) -> bool {
        let unfinished = matches!(self.as_of.status(), Status::Open | Status::Partial);
        unfinished && self.due.is_some_and(|due| due < date)
    }
}

/// The kinds of declared name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Pledgers and beneficiaries.
    Party,
    /// Projects.
    Project,
    /// Sectors.
    Sector,
    /// Tags.
    Tag,
}

/// Appending failed: the entry breaks a rule, cannot be encoded, or the sink refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendError<E> {
    /// The entry breaks a ledger rule.
    Ledger(LedgerError),
    /// The entry cannot be encoded.
    Format(FormatError),
    /// The sink failed to take the frame.
    Sink(E),
}

impl<E> From<LedgerError> for AppendError<E> {
    fn from(error: LedgerError) -> Self {
        AppendError::Ledger(error)
    }
}

/// The state of a ledger: everything its records establish.
#[derive(Debug)]
pub struct State<T: Tables> {
    as_of: Option<Date>,
    next_seq: Seq,
    origin: Option<Name>,
    parties: T::PartyNames,
    projects: T::ProjectNames,
    sectors: T::SectorNames,
    tags: T::TagNames,
    commodities: T::Commodities,
    goals: T::Goals,
    pledges: T::Pledges,
}

impl<T: Tables> Default for State<T> {
    fn default() -> Self {
        Self::new(None)
    }
}

impl<T: Tables> State<T> {
    /// An empty state, before the `open` record. With `as_of`, the as-of figures count only
    /// entries dated on or before it.
    pub fn new(as_of: Option<Date>) -> Self {
        State {
            as_of,
            next_seq: 0,
            origin: None,
            parties: Default::default(),
            projects: Default::default(),
            sectors: Default::default(),
            tags: Default::default(),
            commodities: Default::default(),
            goals: Default::default(),
            pledges: Default::default(),
        }
    }

    /// The as-of date, if any.
    pub fn as_of(&self) -> Option<Date> {
        self.as_of
    }

    /// The sequence number the next record must have; also the number of records folded.
    pub fn next_seq(&self) -> Seq {
        self.next_seq
    }

    /// The ledger's origin, once the `open` record is folded.
    pub fn origin(&self) -> Option<&Name> {
        self.origin.as_ref()
    }

    /// The declared names of one kind, in order of declaration (index = id).
    pub fn names(&self, kind: NameKind) -> &[Name] {
        match kind {
            NameKind::Party => self.parties.as_slice(),
            NameKind::Project => self.projects.as_slice(),
            NameKind::Sector => self.sectors.as_slice(),
            NameKind::Tag => self.tags.as_slice(),
        }
    }

    /// The declared name of one kind with this id.
    pub fn name(&self, kind: NameKind, id: u32) -> Option<&Name> {
        self.names(kind).get(usize::try_from(id).ok()?)
    }

    /// The id of a declared name, if it is declared.
    pub fn find_name(&self, kind: NameKind, name: &str) -> Option<u32> {
        position(match kind {
            NameKind::Party => self.parties.position(name),
            NameKind::Project => self.projects.position(name),
            NameKind::Sector => self.sectors.position(name),
            NameKind::Tag => self.tags.position(name),
        })
    }

    /// The declared commodities, in order of declaration (index = id).
    pub fn commodities(&self) -> &[Commodity] {
        self.commodities.as_slice()
    }

    /// A declared commodity.
    pub fn commodity(&self, id: CommodityId) -> Option<&Commodity> {
        self.commodities().get(usize::try_from(id.0).ok()?)
    }

    /// The id of a declared commodity, by code.
    pub fn find_commodity(&self, code: &str) -> Option<CommodityId> {
        position(self.commodities.position(code)).map(CommodityId)
    }

    /// The goal set by record `seq` (goals are kept in record order).
    pub fn goal_by_seq(&self, seq: Seq) -> Option<&GoalState> {
        let goals = self.goals();
        goals
            .get(goals.partition_point(|g| g.seq < seq))
            .filter(|g| g.seq == seq)
    }

    /// All goals, in order of creation (index = id).
    pub fn goals(&self) -> &[GoalState] {
        self.goals.as_slice()
    }

    /// A goal.
    pub fn goal(&self, id: GoalId) -> Option<&GoalState> {
        self.goals().get(usize::try_from(id.0).ok()?)
    }

    /// The id of a goal, by name.
    pub fn find_goal(&self, name: &str) -> Option<GoalId> {
        position(self.goals.position(name)).map(GoalId)
    }

    /// All pledges, in order of their sequence numbers.
    pub fn pledges(&self) -> &[PledgeState] {
        self.pledges.as_slice()
    }

    /// The pledge created by record `seq`.
    pub fn pledge(&self, seq: Seq) -> Option<&PledgeState> {
        let index = self.pledge_index(seq)?;
        self.pledges().get(index)
    }

    /// Whether something dated `date` counts in the as-of figures.
    pub fn counts(&self, date: Date) -> bool {
        self.as_of.is_none_or(|as_of| date <= as_of)
    }

    /// The pledges that exist on the as-of date (all of them without one).
    pub fn visible_pledges(&self) -> impl Iterator<Item = &PledgeState> {
        self.pledges().iter().filter(|p| self.counts(p.date))
    }

    /// Checks a record and, if it keeps the rules, folds it into the state.
    pub fn apply(&mut self, record: &Record) -> Result<(), LedgerError> {
        self.check(record)?;
        let counts = record.entry.date().is_none_or(|date| self.counts(date));
        match &record.entry {
            Entry::Open(open) => self.origin = Some(open.origin.clone()),
            Entry::Commodity(c) => push(&mut self.commodities, c.clone(), Table::Commodities)?,
            Entry::Party(n) => push(&mut self.parties, n.clone(), Table::Names)?,
            Entry::Project(n) => push(&mut self.projects, n.clone(), Table::Names)?,
            Entry::Sector(n) => push(&mut self.sectors, n.clone(), Table::Names)?,
            Entry::Tag(n) => push(&mut self.tags, n.clone(), Table::Names)?,
            Entry::Goal(g) => {
                let goal = GoalState {
                    seq: record.seq,
                    date: g.date,
                    name: g.name.clone(),
                    beneficiary: g.beneficiary,
                    target: g.target,
                    deadline: g.deadline,
                };
                push(&mut self.goals, goal, Table::Goals)?;
            }
            Entry::Pledge(p) => {
                let figures = Figures {
                    amount: p.amount.units,
                    fulfilled: 0,
                    cancelled: None,
                };
                let pledge = PledgeState {
                    seq: record.seq,
                    date: p.date,
                    from: p.from,
                    to: p.to,
                    goal: p.goal,
                    project: p.project,
                    sector: p.sector,
                    commodity: p.amount.commodity,
                    due: p.due,
                    original: p.amount.units,
                    current: figures,
                    as_of: figures,
                };
                push(&mut self.pledges, pledge, Table::Pledges)?;
            }
            Entry::Fulfil(f) => self.update(f.pledge, counts, |fig| {
                fig.fulfilled = fig
                    .fulfilled
                    .checked_add(f.amount.units)
                    .ok_or(LedgerError::Overflow)?;
                Ok(())
            })?,
            Entry::Amend(a) => self.update(a.pledge, counts, |fig| {
                fig.amount = a.amount.units;
                Ok(())
            })?,
            Entry::Cancel(c) => self.update(c.pledge, counts, |fig| {
                fig.cancelled = Some(c.date);
                Ok(())
            })?,
            Entry::Note(_) | Entry::Checkpoint(_) => {}
        }
        self.next_seq = self.next_seq.checked_add(1).ok_or(LedgerError::Overflow)?;
        Ok(())
    }

    /// Counts a record without folding it in: an auditor that has reported a record as breaking
    /// a rule goes on with the next sequence number, so one bad record is one finding.
    pub fn skip(&mut self) -> Result<(), LedgerError> {
        self.next_seq = self.next_seq.checked_add(1).ok_or(LedgerError::Overflow)?;
        Ok(())
    }

    /// Checks `entry` as the next record, encodes it, hands the frame to `sink`, and folds it
    /// in only if the sink took it. Returns the record's sequence number.
    pub fn append<E>(
        &mut self,
        entry: Entry,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<Seq, AppendError<E>> {
        let record = Record {
            seq: self.next_seq,
            entry,
        };
        self.check(&record)?;
        let mut frame = [0u8; MAX_FRAME];
        let len = encode_frame(&record, &mut frame).map_err(AppendError::Format)?;
        sink(frame.get(..len).unwrap_or_default()).map_err(AppendError::Sink)?;
        self.apply(&record)?;
        Ok(record.seq)
    }

    /// The id of a name of `kind`, declaring it first (through `sink`) if it is new.
    pub fn declare<E>(
        &mut self,
        kind: NameKind,
        name: &Name,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<u32, AppendError<E>> {
        if let Some(id) = self.find_name(kind, name) {
            return Ok(id);
        }
        let entry = match kind {
            NameKind::Party => Entry::Party(name.clone()),
            NameKind::Project => Entry::Project(name.clone()),
            NameKind::Sector => Entry::Sector(name.clone()),
            NameKind::Tag => Entry::Tag(name.clone()),
        };
        let id = position(Some(self.names(kind).len())).ok_or(LedgerError::Overflow)?;
        self.append(entry, sink)?;
        Ok(id)
    }

    /// Index of pledge `seq`. Events mostly follow soon after their pledge, so this gallops back
    /// from the end (steps of 1, 2, 4, ...) and binary-searches only the window it lands in:
    /// O(log distance), on cache lines that are already hot.
    fn pledge_index(&self, seq: Seq) -> Option<usize> {
        let pledges = self.pledges();
        let mut hi = pledges.len();
        let mut step = 1usize;
        let lo = loop {
            let lo = hi.saturating_sub(step);
            match pledges.get(lo) {
                Some(pledge) if pledge.seq > seq && lo > 0 => {
                    hi = lo;
                    step = step.saturating_mul(2);
                }
                _ => break lo,
            }
        };
        let window = pledges.get(lo..hi)?;
        let found = window.binary_search_by_key(&seq, |p| p.seq).ok()?;
        lo.checked_add(found)
    }

    fn update(
        &mut self,
        seq: Seq,
        counts: bool,
        change: impl Fn(&mut Figures) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let index = self
            .pledge_index(seq)
            .ok_or(LedgerError::UnknownPledge(seq))?;
        let pledge = self
            .pledges
            .as_mut_slice()
            .get_mut(index)
            .ok_or(LedgerError::UnknownPledge(seq))?;
        change(&mut pledge.current)?;
        if counts {
            change(&mut pledge.as_of)?;
        }
        Ok(())
    }
}

fn push<T, S: Slots<T>>(slots: &mut S, item: T, table: Table) -> Result<(), LedgerError> {
    slots
        .push(item)
        .map_err(|_| LedgerError::CapacityExceeded(table))
}

fn position(index: Option<usize>) -> Option<u32> {
    u32::try_from(index?).ok()
}
