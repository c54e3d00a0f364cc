//! The state of a ledger, derived by folding its records in order: declared names, goals and
//! each pledge's figures. The same fold serves appending (every new entry is checked against it)
//! and reading (every record read is checked again), on a desktop and on a device.
//!
//! A state may have an *as-of* date: entries dated after it are still checked, so validity
//! never depends on the date asked for, but they do not count in the as-of figures that
//! reports read.

use crate::amount::{Amount, Commodity, CommodityId};
use crate::date::Date;
use crate::entry::{
    Entry, ExactRate, GoalId, Name, PartyId, ProjectId, Record, RenameKind, SectorId, Seq,
};
use crate::error::{FormatError, LedgerError, Table};
use crate::record::{MAX_FRAME, encode_frame};
use crate::report::Totals;
use crate::slots::{KeyedSlots, LentSlots, Slots, Tables};

/// A goal as the fold keeps it: its terms after the revisions that count on the as-of date.
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
    /// The amount first pledged, in minor units.
    pub original: i64,
    /// The due date it was made with.
    pub original_due: Option<Date>,
    /// The largest amount it has had (first pledged or amended to): what it adds to its
    /// commodity's 64-bit bound.
    pub peak: i64,
    /// Dated ahead on purpose.
    pub planned: bool,
    /// Voided: entered by mistake, counted nowhere.
    pub voided: bool,
    /// Whether every event on it is held in the events table (a device's may be full), so
    /// that one can be voided.
    pub events_held: bool,
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
    /// Delivered so far, less what was returned.
    pub fulfilled: i64,
    /// Returned so far.
    pub returned: i64,
    /// When the rest was cancelled, if it was.
    pub cancelled: Option<Date>,
    /// When it is due, after reschedules.
    pub due: Option<Date>,
}

/// Where a pledge stands. The order is the precedence: a void pledge is void whatever else,
/// a cancelled one cancelled, then fulfilled (nothing outstanding), partly fulfilled, open.
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
    /// Entered by mistake and voided.
    Void,
}

impl Status {
    /// Every status, in order of precedence from the lowest.
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::Partial,
        Status::Fulfilled,
        Status::Cancelled,
        Status::Void,
    ];

    /// The lower-case word the CLI and JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Partial => "partial",
            Status::Fulfilled => "fulfilled",
            Status::Cancelled => "cancelled",
            Status::Void => "void",
        }
    }
}

/// What an event does to a pledge's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Delivered this much.
    Fulfil(i64),
    /// This much given back.
    Return(i64),
    /// The amount is now this.
    Amend(i64),
    /// The rest withdrawn.
    Cancel,
    /// Now due on this date, or never.
    Reschedule(Option<Date>),
    /// A note: no effect on figures.
    Note,
}

/// An event as the fold keeps it, so that it can be voided later and the pledge's figures
/// folded again without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventState {
    /// The event's record.
    pub seq: Seq,
    /// The record it is about: a pledge, a goal (notes), or 0 for the ledger (notes).
    pub subject: Seq,
    /// When it happened.
    pub date: Date,
    /// What it does.
    pub effect: Effect,
    /// Voided.
    pub voided: bool,
}

/// An exchange rate as the fold keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// The rate's record.
    pub seq: Seq,
    /// From when it holds.
    pub date: Date,
    /// The commodity priced.
    pub base: CommodityId,
    /// The commodity it is priced in.
    pub quote: CommodityId,
    /// One unit of `base` in units of `quote`.
    pub rate: ExactRate,
    /// The goal that fixed it, if it is a goal's reference rate.
    pub goal: Option<GoalId>,
    /// Voided.
    pub voided: bool,
}

/// A name renamed or merged: reports show `to` wherever `from` was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// The kind of name.
    pub kind: RenameKind,
    /// The id replaced.
    pub from: u32,
    /// The id that replaces it (never itself replaced: the table is kept flat).
    pub to: u32,
    /// The rename's record.
    pub seq: Seq,
}

/// What reports group a pledge by: its parties, goal, project, sector, commodity and status
/// on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PledgeKeys {
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
    /// Its commodity.
    pub commodity: CommodityId,
    /// Where it stands.
    pub status: Status,
}

/// Settled pledges that left memory to make room for new ones (see [`Tables::Settled`]): the
/// sum of their figures, for every pledge with the same keys. Reports count them as they would
/// count the pledges; void ones count nowhere, as void pledges do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettledRow {
    /// The keys every pledge of the row has.
    pub keys: PledgeKeys,
    /// Their figures, summed.
    pub totals: Totals,
}

impl Figures {
    /// Figures of a pledge just made.
    pub fn new(amount: i64, due: Option<Date>) -> Figures {
        Figures {
            amount,
            fulfilled: 0,
            returned: 0,
            cancelled: None,
            due,
        }
    }

    /// Where the pledge stands on these figures (never [`Status::Void`]: see
    /// [`PledgeState::status`]).
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

    /// What a cancellation withdrew: the amount less what was delivered, once cancelled.
    pub fn withdrawn(&self) -> i64 {
        self.amount.saturating_sub(self.committed())
    }

    /// The rules for an event on a pledge (`seq`), applied: the one place they are written,
    /// used when an event is appended or read and when a void folds a pledge's events again.
    pub fn apply(&mut self, seq: Seq, effect: Effect, date: Date) -> Result<(), LedgerError> {
        let cancelled = Err(LedgerError::PledgeCancelled(seq));
        match effect {
            Effect::Fulfil(units) => {
                if self.cancelled.is_some() {
                    return cancelled;
                }
                let outstanding = self.amount.saturating_sub(self.fulfilled);
                if units > outstanding {
                    return Err(LedgerError::Overfulfilment { outstanding });
                }
            }
            Effect::Return(units) if units > self.fulfilled => {
                return Err(LedgerError::ReturnExceedsFulfilled {
                    fulfilled: self.fulfilled,
                });
            }
            Effect::Amend(units) => {
                if self.cancelled.is_some() {
                    return cancelled;
                }
                if units < self.fulfilled {
                    return Err(LedgerError::AmendBelowFulfilled {
                        fulfilled: self.fulfilled,
                    });
                }
            }
            Effect::Cancel if self.cancelled.is_some() => return cancelled,
            Effect::Cancel if self.status() == Status::Fulfilled => {
                return Err(LedgerError::PledgeFulfilled(seq));
            }
            Effect::Reschedule(_) if self.cancelled.is_some() => return cancelled,
            Effect::Return(_) | Effect::Cancel | Effect::Reschedule(_) | Effect::Note => {}
        }
        self.take(effect, date);
        Ok(())
    }

    /// The effect alone, without the rules: the as-of figures take events in record order
    /// but leave out later-dated ones, so late news may make them disagree with the rules.
    pub fn take(&mut self, effect: Effect, date: Date) {
        match effect {
            Effect::Fulfil(units) => self.fulfilled = self.fulfilled.saturating_add(units),
            Effect::Return(units) => {
                self.fulfilled = self.fulfilled.saturating_sub(units);
                self.returned = self.returned.saturating_add(units);
            }
            Effect::Amend(units) => self.amount = units,
            Effect::Cancel => self.cancelled = Some(date),
            Effect::Reschedule(due) => self.due = due,
            Effect::Note => {}
        }
    }
}

impl PledgeState {
    /// What reports group it by.
    pub fn keys(&self) -> PledgeKeys {
        PledgeKeys {
            from: self.from,
            to: self.to,
            goal: self.goal,
            project: self.project,
            sector: self.sector,
            commodity: self.commodity,
            status: self.status(),
        }
    }

    /// Whether its figures are final until an event changes them: fulfilled, cancelled or
    /// void. Such a pledge may leave a device's memory (see [`Tables::Settled`]).
    pub fn is_settled(&self) -> bool {
        matches!(
            self.status(),
            Status::Fulfilled | Status::Cancelled | Status::Void
        )
    }

    /// Where the pledge stands on the as-of date.
    pub fn status(&self) -> Status {
        if self.voided {
            Status::Void
        } else {
            self.as_of.status()
        }
    }

    /// When it is due, on the as-of date.
    pub fn due(&self) -> Option<Date> {
        self.as_of.due
    }

    /// What the pledge counts for now, (committed, fulfilled): nothing once void. The
    /// difference across one record is what that record did (an export's deltas).
    pub fn counted(&self) -> (i64, i64) {
        if self.voided {
            (0, 0)
        } else {
            (self.current.committed(), self.current.fulfilled)
        }
    }

    /// Whether, on `date`, the pledge is past due and still open or partly fulfilled.
    pub fn is_overdue(&self, date: Date) -> bool {
        let unfinished = matches!(self.status(), Status::Open | Status::Partial);
        unfinished && self.as_of.due.is_some_and(|due| due < date)
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

impl NameKind {
    /// The same kind, as renames name it.
    pub fn renamed(self) -> RenameKind {
        match self {
            NameKind::Party => RenameKind::Party,
            NameKind::Project => RenameKind::Project,
            NameKind::Sector => RenameKind::Sector,
            NameKind::Tag => RenameKind::Tag,
        }
    }
}

/// Appending failed: the entry breaks a rule, cannot be encoded, or the sink refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AppendError<E> {
    /// The entry breaks a ledger rule.
    Ledger(LedgerError),
    /// The entry cannot be encoded.
    Format(FormatError),
    /// The sink failed to take the frame.
    Sink(E),
}

impl<E: core::fmt::Display> core::fmt::Display for AppendError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AppendError::Ledger(e) => e.fmt(f),
            AppendError::Format(e) => write!(f, "the entry cannot be encoded: {e}"),
            AppendError::Sink(e) => write!(f, "the record was not stored: {e}"),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for AppendError<E> {}

impl<E> From<LedgerError> for AppendError<E> {
    fn from(error: LedgerError) -> Self {
        AppendError::Ledger(error)
    }
}

/// What a pledge's row in a breakdown depends on besides the pledge: the renames and merges
/// (a pledge counts under its names' current ones) and the as-of date. Borrowed from a
/// [`State`] by [`State::keying`]; unlike a desktop's state, whose tables page to disk, it can
/// be shared between threads.
#[derive(Debug, Clone, Copy)]
pub struct Keying<'s> {
    aliases: &'s [Alias],
    as_of: Option<Date>,
}

impl Keying<'_> {
    /// The id a name of `kind` goes by now: the one it was renamed or merged into, or itself.
    pub fn current_id(&self, kind: RenameKind, id: u32) -> u32 {
        self.aliases
            .iter()
            .find(|a| a.kind == kind && a.from == id)
            .map_or(id, |a| a.to)
    }

    /// Whether an entry dated `date` counts on the as-of date (every one without an as-of date).
    pub fn counts(&self, date: Date) -> bool {
        self.as_of.is_none_or(|as_of| date <= as_of)
    }
}

/// The state of a ledger: everything its records establish.
#[derive(Debug)]
pub struct State<T: Tables> {
    as_of: Option<Date>,
    today: Option<Date>,
    next_seq: Seq,
    origin: Option<Name>,
    parties: T::PartyNames,
    projects: T::ProjectNames,
    sectors: T::SectorNames,
    tags: T::TagNames,
    commodities: T::Commodities,
    bounds: T::Bounds,
    goals: T::Goals,
    pledges: T::Pledges,
    events: T::Events,
    rates: T::Rates,
    aliases: T::Aliases,
    settled: T::Settled,
    /// The highest-numbered pledge that left memory, if one did.
    settled_last: Option<Seq>,
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
            today: None,
            next_seq: 0,
            origin: None,
            parties: Default::default(),
            projects: Default::default(),
            sectors: Default::default(),
            tags: Default::default(),
            commodities: Default::default(),
            bounds: Default::default(),
            goals: Default::default(),
            pledges: Default::default(),
            events: Default::default(),
            rates: Default::default(),
            aliases: Default::default(),
            settled: Default::default(),
            settled_last: None,
        }
    }

    /// Holds new records to the future-date rule with this as today: a record dated after it
    /// is refused unless it is a pledge marked planned. A writer sets it before it appends and
    /// an auditor before it audits; a reader leaves it unset, so that a ledger reads the same
    /// in every time zone and on a device without a clock.
    pub fn set_today(&mut self, today: Option<Date>) {
        self.today = today;
    }

    /// The today the future-date rule uses, if set.
    pub fn today(&self) -> Option<Date> {
        self.today
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

    /// The declared name of one kind with this id (the name it was declared with, whatever
    /// it was renamed to since).
    pub fn name(&self, kind: NameKind, id: u32) -> Option<&Name> {
        self.names(kind).get(usize::try_from(id).ok()?)
    }

    /// The id a name of `kind` stands for now: itself, or what it was renamed or merged into.
    pub fn current_id(&self, kind: RenameKind, id: u32) -> u32 {
        self.keying().current_id(kind, id)
    }

    /// What a pledge's row in a breakdown depends on besides the pledge, borrowed from this
    /// state.
    pub fn keying(&self) -> Keying<'_> {
        Keying {
            aliases: self.aliases.as_slice(),
            as_of: self.as_of,
        }
    }

    /// The rename that replaced a name of `kind`, if it was replaced.
    pub fn alias(&self, kind: RenameKind, id: u32) -> Option<&Alias> {
        self.aliases
            .as_slice()
            .iter()
            .find(|a| a.kind == kind && a.from == id)
    }

    /// Every rename and merge, in record order.
    pub fn aliases(&self) -> &[Alias] {
        self.aliases.as_slice()
    }

    /// The name a declared name of `kind` is shown by now, after renames and merges.
    pub fn current_name(&self, kind: NameKind, id: u32) -> Option<&Name> {
        self.name(kind, self.current_id(kind.renamed(), id))
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

    /// The goal a pledge toward `id` counts toward now, after merges.
    pub fn current_goal(&self, id: GoalId) -> GoalId {
        GoalId(self.current_id(RenameKind::Goal, id.0))
    }

    /// All pledges, in order of their sequence numbers, void ones included.
    pub fn pledges(&self) -> <T::Pledges as LentSlots<PledgeState>>::Iter<'_> {
        self.pledges.iter()
    }

    /// The totals of the settled pledges that left memory, if any did (see
    /// [`Tables::Settled`]); none without the `settle` feature (the code that reads them is then
    /// compiled out).
    pub fn settled(&self) -> &[SettledRow] {
        if cfg!(feature = "settle") {
            self.settled.as_slice()
        } else {
            &[]
        }
    }

    /// How many pledges are held, void ones included (those that left memory are not).
    pub fn pledge_count(&self) -> usize {
        self.pledges.len()
    }

    /// The table the pledges are kept in.
    pub fn pledge_slots(&self) -> &T::Pledges {
        &self.pledges
    }

    /// The pledge created by record `seq`.
    pub fn pledge(&self, seq: Seq) -> Option<<T::Pledges as LentSlots<PledgeState>>::Ref<'_>> {
        let index = self.pledge_index(seq)?;
        self.pledges.get(index)
    }

    /// Events held (fulfilments, returns, amendments, cancellations, reschedules, notes), in
    /// record order.
    pub fn events(&self) -> <T::Events as LentSlots<EventState>>::Iter<'_> {
        self.events.iter()
    }

    /// The table the events are kept in.
    pub fn event_slots(&self) -> &T::Events {
        &self.events
    }

    /// The event recorded by `seq`, if it is held.
    pub fn event(&self, seq: Seq) -> Option<<T::Events as LentSlots<EventState>>::Ref<'_>> {
        self.events.get(self.events.position(seq)?)
    }

    /// The pledge whose figures `record` changes, if it changes one: a pledge's own record, an
    /// event on a pledge, or a void of a pledge or of an event on one.
    pub fn pledge_touched(&self, record: &Record) -> Option<Seq> {
        match &record.entry {
            Entry::Pledge(_) => Some(record.seq),
            Entry::Note(_) => None,
            #[cfg(feature = "corrections")]
            Entry::Void(v) => match self.pledge(v.record) {
                Some(_) => Some(v.record),
                None => self
                    .event(v.record)
                    .filter(|e| e.effect != Effect::Note)
                    .map(|e| e.subject),
            },
            #[cfg(feature = "corrections")]
            Entry::Revise(_) => None,
            entry => entry.subject(),
        }
    }

    /// Exchange rates, in record order.
    pub fn rates(&self) -> &[RateState] {
        self.rates.as_slice()
    }

    /// Whether something dated `date` counts in the as-of figures.
    pub fn counts(&self, date: Date) -> bool {
        self.keying().counts(date)
    }

    /// The pledges that count on the as-of date (all but void ones without one).
    pub fn visible_pledges(
        &self,
    ) -> impl Iterator<Item = <T::Pledges as LentSlots<PledgeState>>::Ref<'_>> {
        self.pledges().filter(|p| !p.voided && self.counts(p.date))
    }

    /// Checks a record and, if it keeps the rules, folds it into the state.
    pub fn apply(&mut self, record: &Record) -> Result<(), LedgerError> {
        self.check(record)?;
        let counts = record.entry.date().is_none_or(|date| self.counts(date));
        let seq = record.seq;
        match &record.entry {
            Entry::Open(open) => self.origin = Some(open.origin.clone()),
            Entry::Commodity(c) => {
                push(&mut self.commodities, c.clone(), Table::Commodities)?;
                push(&mut self.bounds, 0, Table::Commodities)?;
            }
            Entry::Party(n) => push(&mut self.parties, n.clone(), Table::Names)?,
            Entry::Project(n) => push(&mut self.projects, n.clone(), Table::Names)?,
            Entry::Sector(n) => push(&mut self.sectors, n.clone(), Table::Names)?,
            Entry::Tag(n) => push(&mut self.tags, n.clone(), Table::Names)?,
            Entry::Goal(g) => {
                let goal = GoalState {
                    seq,
                    date: g.date,
                    name: g.name.clone(),
                    beneficiary: g.beneficiary,
                    target: g.target,
                    deadline: g.deadline,
                };
                push(&mut self.goals, goal, Table::Goals)?;
            }
            Entry::Pledge(p) => {
                let figures = Figures::new(p.amount.units, p.due);
                let pledge = PledgeState {
                    seq,
                    date: p.date,
                    from: p.from,
                    to: p.to,
                    goal: p.goal,
                    project: p.project,
                    sector: p.sector,
                    commodity: p.amount.commodity,
                    original: p.amount.units,
                    original_due: p.due,
                    peak: p.amount.units,
                    planned: p.planned,
                    voided: false,
                    events_held: true,
                    current: figures,
                    as_of: figures,
                };
                if cfg!(feature = "settle") && self.pledges.is_full() {
                    self.let_one_go()?;
                }
                self.add_to_bound(p.amount.commodity, p.amount.units)?;
                self.pledges
                    .push(pledge)
                    .map_err(|_| LedgerError::CapacityExceeded(Table::Pledges))?;
            }
            Entry::Fulfil(f) => self.fold_event(
                seq,
                f.pledge,
                f.date,
                Effect::Fulfil(f.amount.units),
                counts,
            )?,
            #[cfg(feature = "corrections")]
            Entry::Return(r) => self.fold_event(
                seq,
                r.pledge,
                r.date,
                Effect::Return(r.amount.units),
                counts,
            )?,
            Entry::Amend(a) => {
                self.fold_event(seq, a.pledge, a.date, Effect::Amend(a.amount.units), counts)?
            }
            Entry::Cancel(c) => self.fold_event(seq, c.pledge, c.date, Effect::Cancel, counts)?,
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => {
                self.fold_event(seq, r.pledge, r.date, Effect::Reschedule(r.due), counts)?
            }
            Entry::Note(n) => {
                let event = EventState {
                    seq,
                    subject: n.about.unwrap_or(0),
                    date: n.date,
                    effect: Effect::Note,
                    voided: false,
                };
                // A note the table has no room for is only not voidable here.
                let _ = self.events.push(event);
            }
            #[cfg(feature = "corrections")]
            Entry::Rate(r) => {
                let rate = RateState {
                    seq,
                    date: r.date,
                    base: r.base,
                    quote: r.quote,
                    rate: r.rate,
                    goal: r.goal,
                    voided: false,
                };
                push(&mut self.rates, rate, Table::Rates)?;
            }
            #[cfg(feature = "corrections")]
            Entry::Void(v) => self.void(v.record)?,
            #[cfg(feature = "corrections")]
            Entry::Rename(r) => {
                for alias in self.aliases.as_mut_slice() {
                    if alias.kind == r.kind && alias.to == r.from {
                        alias.to = r.to;
                    }
                }
                let alias = Alias {
                    kind: r.kind,
                    from: r.from,
                    to: r.to,
                    seq,
                };
                push(&mut self.aliases, alias, Table::Renames)?;
            }
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => {
                let index = self.goals().partition_point(|g| g.seq < r.goal);
                if let Some(goal) = self.goals.as_mut_slice().get_mut(index)
                    && counts
                {
                    goal.target = r.target;
                    goal.deadline = r.deadline;
                    goal.beneficiary = r.beneficiary;
                }
            }
            Entry::Checkpoint(_) => {}
        }
        self.next_seq = self.next_seq.checked_add(1).ok_or(LedgerError::Overflow)?;
        Ok(())
    }

    /// Everything this state holds but its pledges and events, borrowed: what a cache saves
    /// so that a later command can restore the state without reading every record again.
    pub fn parts(&self) -> Parts<'_> {
        Parts {
            next_seq: self.next_seq,
            origin: self.origin.as_ref(),
            names: [
                self.parties.as_slice(),
                self.projects.as_slice(),
                self.sectors.as_slice(),
                self.tags.as_slice(),
            ],
            commodities: self.commodities.as_slice(),
            bounds: self.bounds.as_slice(),
            goals: self.goals.as_slice(),
            rates: self.rates.as_slice(),
            aliases: self.aliases.as_slice(),
        }
    }

    /// A state restored from saved [`Parts`], with no pledges or events yet: add the pledges a
    /// command needs with [`State::restore_pledge`]. Only the shape is checked (one bound per
    /// commodity, an origin, names within capacity); the caller vouches that the parts are a
    /// fold of the ledger it appends to. Events are not restored, so a restored state must not
    /// void an event: a cache serves appends that do not void.
    pub fn from_parts(parts: &Parts<'_>) -> Result<Self, RestoreError> {
        if parts.bounds.len() != parts.commodities.len() || parts.origin.is_none() {
            return Err(RestoreError::Inconsistent);
        }
        let mut state = State::new(None);
        state.next_seq = parts.next_seq;
        state.origin = parts.origin.cloned();
        let [parties, projects, sectors, tags] = parts.names;
        restore_all(&mut state.parties, parties, Table::Names)?;
        restore_all(&mut state.projects, projects, Table::Names)?;
        restore_all(&mut state.sectors, sectors, Table::Names)?;
        restore_all(&mut state.tags, tags, Table::Names)?;
        restore_all(
            &mut state.commodities,
            parts.commodities,
            Table::Commodities,
        )?;
        restore_all(&mut state.bounds, parts.bounds, Table::Commodities)?;
        restore_all(&mut state.goals, parts.goals, Table::Goals)?;
        restore_all(&mut state.rates, parts.rates, Table::Rates)?;
        restore_all(&mut state.aliases, parts.aliases, Table::Renames)?;
        Ok(state)
    }

    /// Adds a saved pledge to a restored state. Pledges go in order of their sequence numbers,
    /// each before the next record, and only on a state without an as-of date.
    pub fn restore_pledge(&mut self, pledge: PledgeState) -> Result<(), RestoreError> {
        let after_last = self
            .pledges
            .len()
            .checked_sub(1)
            .and_then(|last| self.pledges.get(last))
            .is_none_or(|last| last.seq < pledge.seq);
        let commodity = usize::try_from(pledge.commodity.0).unwrap_or(usize::MAX);
        if !after_last
            || pledge.seq >= self.next_seq
            || self.as_of.is_some()
            || commodity >= self.commodities().len()
        {
            return Err(RestoreError::Inconsistent);
        }
        self.pledges
            .push(pledge)
            .map_err(|_| RestoreError::Capacity(Table::Pledges))
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

    /// Whether the table `entry` adds to has room for it: asked before a record is written,
    /// so that a full table refuses it rather than the fold after the flash holds it. An event
    /// or a note needs no room (one the events table cannot hold is only not voidable).
    #[inline(never)]
    pub(crate) fn check_room(&self, entry: &Entry) -> Result<(), LedgerError> {
        let table = match entry {
            Entry::Commodity(_) if self.commodities.is_full() || self.bounds.is_full() => {
                Table::Commodities
            }
            Entry::Party(_) if self.parties.is_full() => Table::Names,
            Entry::Project(_) if self.projects.is_full() => Table::Names,
            Entry::Sector(_) if self.sectors.is_full() => Table::Names,
            Entry::Tag(_) if self.tags.is_full() => Table::Names,
            Entry::Goal(_) if self.goals.is_full() => Table::Goals,
            Entry::Pledge(_) if self.pledges.is_full() && self.settling().is_none() => {
                Table::Pledges
            }
            #[cfg(feature = "corrections")]
            Entry::Rate(_) if self.rates.is_full() => Table::Rates,
            #[cfg(feature = "corrections")]
            Entry::Rename(_) if self.aliases.is_full() => Table::Renames,
            _ => return Ok(()),
        };
        Err(LedgerError::CapacityExceeded(table))
    }

    /// The pledge that leaves memory to make room for a new one, and the settled row it goes
    /// to: the oldest settled pledge with a row of its keys, or room for one. None in a state
    /// with an as-of date, whose as-of figures may yet change with entries dated earlier.
    fn settling(&self) -> Option<(usize, Option<usize>, SettledRow)> {
        if !cfg!(feature = "settle") || self.as_of.is_some() {
            return None;
        }
        self.pledges.iter().enumerate().find_map(|(index, pledge)| {
            if !pledge.is_settled() {
                return None;
            }
            let keys = pledge.keys();
            // Void pledges count nowhere: one row holds them all, whatever their other keys.
            let found = self.settled().iter().position(|row| {
                row.keys == keys || (pledge.voided && row.keys.status == Status::Void)
            });
            let mut row = match found {
                Some(at) => *self.settled().get(at)?,
                None if self.settled.is_full() => return None,
                None => SettledRow {
                    keys,
                    totals: Totals::default(),
                },
            };
            if !pledge.voided {
                row.totals.add(&pledge).ok()?;
            }
            Some((index, found, row))
        })
    }

    /// Makes room in a full pledges table: the pledge [`State::settling`] picks leaves, its
    /// figures added to its settled row.
    fn let_one_go(&mut self) -> Result<(), LedgerError> {
        let full = LedgerError::CapacityExceeded(Table::Pledges);
        let (index, found, row) = self.settling().ok_or(full)?;
        let pledge = self.pledges.remove(index).ok_or(full)?;
        match found.and_then(|at| self.settled.as_mut_slice().get_mut(at)) {
            Some(kept) => *kept = row,
            None => push(&mut self.settled, row, Table::Pledges)?,
        }
        self.settled_last = self.settled_last.max(Some(pledge.seq));
        Ok(())
    }

    /// Why pledge `seq` is not found: it left memory (or the record was never a pledge: a state
    /// that let pledges go cannot tell), or there is no such pledge.
    pub(crate) fn missing_pledge(&self, seq: Seq) -> LedgerError {
        if cfg!(feature = "settle") && self.settled_last.is_some_and(|last| seq <= last) {
            LedgerError::PledgeNotHeld(seq)
        } else {
            LedgerError::UnknownPledge(seq)
        }
    }

    /// Index of pledge `seq` ([`LentSlots::position`]).
    pub(crate) fn pledge_index(&self, seq: Seq) -> Option<usize> {
        self.pledges.position(seq)
    }

    /// The room left under a commodity's 64-bit bound for `more` minor units, taken.
    pub(crate) fn bound_after(
        &self,
        commodity: CommodityId,
        more: i64,
    ) -> Result<i64, LedgerError> {
        let bound = self
            .bounds
            .as_slice()
            .get(usize::try_from(commodity.0).map_err(|_| LedgerError::UnknownName)?)
            .ok_or(LedgerError::UnknownName)?;
        bound.checked_add(more).ok_or(LedgerError::TotalTooLarge)
    }

    fn add_to_bound(&mut self, commodity: CommodityId, more: i64) -> Result<(), LedgerError> {
        let after = self.bound_after(commodity, more)?;
        let index = usize::try_from(commodity.0).map_err(|_| LedgerError::UnknownName)?;
        if let Some(bound) = self.bounds.as_mut_slice().get_mut(index) {
            *bound = after;
        }
        Ok(())
    }

    /// Folds an event on pledge `subject` (checked already).
    fn fold_event(
        &mut self,
        seq: Seq,
        subject: Seq,
        date: Date,
        effect: Effect,
        counts: bool,
    ) -> Result<(), LedgerError> {
        let index = self
            .pledge_index(subject)
            .ok_or_else(|| self.missing_pledge(subject))?;
        let pledge = self
            .pledges
            .get_mut(index)
            .ok_or(LedgerError::UnknownPledge(subject))?;
        pledge.current.apply(subject, effect, date)?;
        if counts {
            pledge.as_of.take(effect, date);
        }
        let raise = match effect {
            Effect::Amend(units) if units > pledge.peak => {
                let raise = units.saturating_sub(pledge.peak);
                pledge.peak = units;
                raise
            }
            _ => 0,
        };
        let commodity = pledge.commodity;
        let event = EventState {
            seq,
            subject,
            date,
            effect,
            voided: false,
        };
        if self.events.push(event).is_err()
            && let Some(pledge) = self.pledges.get_mut(index)
        {
            pledge.events_held = false;
        }
        self.add_to_bound(commodity, raise)
    }

    #[cfg(feature = "corrections")]
    /// Folds a void of record `target` (checked already).
    fn void(&mut self, target: Seq) -> Result<(), LedgerError> {
        if let Some(index) = self.pledge_index(target) {
            let (commodity, peak) = match self.pledges.get_mut(index) {
                Some(pledge) => {
                    pledge.voided = true;
                    (pledge.commodity, pledge.peak)
                }
                None => return Ok(()),
            };
            return self.add_to_bound(commodity, peak.saturating_neg());
        }
        if let Ok(index) = self.rates().binary_search_by_key(&target, |r| r.seq) {
            if let Some(rate) = self.rates.as_mut_slice().get_mut(index) {
                rate.voided = true;
            }
            return Ok(());
        }
        let index = self
            .events
            .position(target)
            .ok_or(LedgerError::NotVoidable(target))?;
        let subject = match self.events.get_mut(index) {
            Some(event) => {
                event.voided = true;
                (event.effect != Effect::Note).then_some(event.subject)
            }
            None => None,
        };
        if let Some(pledge) = subject {
            let (current, as_of) = self.refold(pledge, None)?;
            if let Some(index) = self.pledge_index(pledge)
                && let Some(state) = self.pledges.get_mut(index)
            {
                state.current = current;
                state.as_of = as_of;
            }
        }
        Ok(())
    }

    #[cfg(feature = "corrections")]
    /// A pledge's figures folded again from its first amount and its events that are not
    /// void (nor `without`), every rule applied: the check of a void. The error names the
    /// first event that would break.
    pub(crate) fn refold(
        &self,
        seq: Seq,
        without: Option<Seq>,
    ) -> Result<(Figures, Figures), LedgerError> {
        let pledge = self.pledge(seq).ok_or_else(|| self.missing_pledge(seq))?;
        if !pledge.events_held {
            return Err(LedgerError::EventsNotHeld(seq));
        }
        let first = Figures::new(pledge.original, pledge.original_due);
        let (mut current, mut as_of) = (first, first);
        for event in self.events.iter_from(self.events.lower_bound(seq)) {
            if event.subject != seq
                || event.voided
                || event.effect == Effect::Note
                || Some(event.seq) == without
            {
                continue;
            }
            current
                .apply(seq, event.effect, event.date)
                .map_err(|_| LedgerError::VoidBreaks {
                    dependent: event.seq,
                })?;
            if self.counts(event.date) {
                as_of.take(event.effect, event.date);
            }
        }
        Ok((current, as_of))
    }
}

/// Everything a [`State`] holds but its pledges and events, borrowed from it by
/// [`State::parts`] and given back to [`State::from_parts`].
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// The sequence number of the next record.
    pub next_seq: Seq,
    /// The ledger's origin.
    pub origin: Option<&'a Name>,
    /// Declared parties, projects, sectors and tags, in that order ([`NameKind`] order).
    pub names: [&'a [Name]; 4],
    /// Declared commodities.
    pub commodities: &'a [Commodity],
    /// Each commodity's 64-bit bound.
    pub bounds: &'a [i64],
    /// Goals.
    pub goals: &'a [GoalState],
    /// Exchange rates.
    pub rates: &'a [RateState],
    /// Renames and merges.
    pub aliases: &'a [Alias],
}

/// Why saved parts or a saved pledge cannot be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreError {
    /// A table is too small for what was saved.
    Capacity(Table),
    /// The parts do not fit together: not a fold of any ledger.
    Inconsistent,
}

impl core::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RestoreError::Capacity(table) => write!(f, "no room for the saved {table}"),
            RestoreError::Inconsistent => f.write_str("the saved state does not fit together"),
        }
    }
}

impl core::error::Error for RestoreError {}

fn restore_all<T: Clone, S: Slots<T>>(
    slots: &mut S,
    items: &[T],
    table: Table,
) -> Result<(), RestoreError> {
    for item in items {
        slots
            .push(item.clone())
            .map_err(|_| RestoreError::Capacity(table))?;
    }
    Ok(())
}

fn push<T, S: Slots<T>>(slots: &mut S, item: T, table: Table) -> Result<(), LedgerError> {
    slots
        .push(item)
        .map_err(|_| LedgerError::CapacityExceeded(table))
}

fn position(index: Option<usize>) -> Option<u32> {
    u32::try_from(index?).ok()
}
