//! The ledger's rules: what an entry may do, given the state before it. Checked on every
//! append and again on every read, so a ledger written by anything else is held to them too.

use crate::amount::Amount;
use crate::date::Date;
#[cfg(feature = "corrections")]
use crate::entry::RenameKind;
use crate::entry::{Entry, Name, PartyId, Record, Seq};
use crate::error::LedgerError;
use crate::slots::Tables;
use crate::state::{Effect, NameKind, State};

impl<T: Tables> State<T> {
    /// Checks a record against the state without changing it: the rules, then room for it in
    /// the tables, so that what a full table refuses is refused before it is written.
    pub fn check(&self, record: &Record) -> Result<(), LedgerError> {
        self.check_rules(record)?;
        self.check_room(&record.entry)
    }

    /// The rules a record must keep given what came before.
    fn check_rules(&self, record: &Record) -> Result<(), LedgerError> {
        if record.seq != self.next_seq() {
            return Err(LedgerError::SequenceMismatch {
                expected: self.next_seq(),
                found: record.seq,
            });
        }
        if matches!(record.entry, Entry::Open(_)) != (record.seq == 0) {
            return Err(LedgerError::MisplacedOpen);
        }
        // A writer checks these as it parses; a record read from a file is held to the same.
        let (name, text) = record.entry.strings();
        for (string, free_text) in [(name, false), (text, true)] {
            if let Some(string) = string {
                crate::entry::check_string(string, free_text).map_err(LedgerError::Text)?;
            }
        }
        if let (Some(date), Some(today)) = (record.entry.date(), self.today()) {
            let planned = matches!(&record.entry, Entry::Pledge(p) if p.planned);
            if date > today && !planned {
                return Err(LedgerError::FutureDate { date, today });
            }
        }
        match &record.entry {
            Entry::Open(_) => Ok(()),
            Entry::Commodity(c) => match self.find_commodity(&c.code) {
                // A reader holds a code to the syntax a writer parses it with.
                _ if crate::amount::parse_code(&c.code).is_err() => Err(LedgerError::CodeInvalid),
                Some(_) => Err(LedgerError::DuplicateName),
                None if c.decimals > crate::amount::MAX_DECIMALS => {
                    Err(LedgerError::DecimalsOutOfRange)
                }
                None => Ok(()),
            },
            Entry::Party(n) => self.check_new_name(NameKind::Party, n),
            Entry::Project(n) => self.check_new_name(NameKind::Project, n),
            Entry::Sector(n) => self.check_new_name(NameKind::Sector, n),
            Entry::Tag(n) => self.check_new_name(NameKind::Tag, n),
            Entry::Goal(g) => {
                if self.find_goal(&g.name).is_some() {
                    return Err(LedgerError::DuplicateGoal);
                }
                self.check_party(g.beneficiary)?;
                self.check_positive(g.target)
            }
            Entry::Pledge(p) => {
                self.check_party(Some(p.from))?;
                self.check_party(Some(p.to))?;
                self.check_positive(p.amount)?;
                self.check_declared(NameKind::Project, p.project.map(|id| id.0))?;
                self.check_declared(NameKind::Sector, p.sector.map(|id| id.0))?;
                for tag in &p.tags {
                    self.check_declared(NameKind::Tag, Some(tag.0))?;
                }
                // A pledge toward a goal may be in any commodity: reports keep a row per
                // commodity and convert only at rates recorded in the ledger.
                if let Some(goal) = p.goal {
                    self.goal(goal).ok_or(LedgerError::UnknownGoal)?;
                }
                if let Some(due) = p.due
                    && due < p.date
                {
                    return Err(LedgerError::DueBeforeDate);
                }
                self.bound_after(p.amount.commodity, p.amount.units)
                    .map(|_| ())
            }
            Entry::Fulfil(f) => self.check_event(
                f.pledge,
                f.date,
                Effect::Fulfil(f.amount.units),
                Some(f.amount),
            ),
            #[cfg(feature = "corrections")]
            Entry::Return(r) => self.check_event(
                r.pledge,
                r.date,
                Effect::Return(r.amount.units),
                Some(r.amount),
            ),
            Entry::Amend(a) => self.check_event(
                a.pledge,
                a.date,
                Effect::Amend(a.amount.units),
                Some(a.amount),
            ),
            Entry::Cancel(c) => self.check_event(c.pledge, c.date, Effect::Cancel, None),
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => {
                self.check_event(r.pledge, r.date, Effect::Reschedule(r.due), None)
            }
            // A checkpoint covers every record before it; whether its root is right is for an
            // auditor, who has the tree, to say.
            Entry::Checkpoint(c) if c.size != u64::from(record.seq) => {
                Err(LedgerError::CheckpointSize)
            }
            Entry::Checkpoint(_) => Ok(()),
            Entry::Note(n) => match n.about {
                None => Ok(()),
                Some(seq) => {
                    let subject = self
                        .subject_date(seq)
                        .ok_or_else(|| self.missing_pledge(seq))?;
                    if self.pledge(seq).is_some_and(|p| p.voided) {
                        return Err(LedgerError::Voided(seq));
                    }
                    if n.date < subject {
                        Err(LedgerError::DateBeforeSubject)
                    } else {
                        Ok(())
                    }
                }
            },
            #[cfg(feature = "corrections")]
            Entry::Rate(r) => {
                self.commodity(r.base).ok_or(LedgerError::UnknownName)?;
                self.commodity(r.quote).ok_or(LedgerError::UnknownName)?;
                if let Some(goal) = r.goal {
                    self.goal(goal).ok_or(LedgerError::UnknownGoal)?;
                }
                let rate = r.rate;
                if rate.mantissa == 0
                    || rate.scale > crate::amount::MAX_DECIMALS
                    || r.base == r.quote
                {
                    return Err(LedgerError::RateInvalid);
                }
                Ok(())
            }
            #[cfg(feature = "corrections")]
            Entry::Void(v) => self.check_void(v.record, v.date),
            #[cfg(feature = "corrections")]
            Entry::Rename(r) => {
                let exists = |id: u32| match r.kind {
                    RenameKind::Goal => self.goal(crate::entry::GoalId(id)).is_some(),
                    RenameKind::Party => self.name(NameKind::Party, id).is_some(),
                    RenameKind::Project => self.name(NameKind::Project, id).is_some(),
                    RenameKind::Sector => self.name(NameKind::Sector, id).is_some(),
                    RenameKind::Tag => self.name(NameKind::Tag, id).is_some(),
                };
                if !exists(r.from) || !exists(r.to) {
                    return Err(match r.kind {
                        RenameKind::Goal => LedgerError::UnknownGoal,
                        _ => LedgerError::UnknownName,
                    });
                }
                let merged_away = |id: u32| self.alias(r.kind, id).is_some();
                if r.from == r.to || merged_away(r.from) || merged_away(r.to) {
                    return Err(LedgerError::RenameInvalid);
                }
                Ok(())
            }
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => {
                let goal = self.goal_by_seq(r.goal).ok_or(LedgerError::UnknownGoal)?;
                if r.date < goal.date {
                    return Err(LedgerError::DateBeforeSubject);
                }
                if r.target.commodity != goal.target.commodity {
                    return Err(LedgerError::CommodityMismatch);
                }
                self.check_party(r.beneficiary)?;
                self.check_positive(r.target)
            }
        }
    }

    /// The date of the pledge or goal recorded by `seq`, or of the ledger (its first dated
    /// record, or any date) for record 0.
    fn subject_date(&self, seq: Seq) -> Option<Date> {
        match self.pledge(seq) {
            Some(pledge) => Some(pledge.date),
            None => self.goal_by_seq(seq).map(|g| g.date),
        }
    }

    /// An event on pledge `seq`: the pledge exists and is not void, the event is not dated
    /// before it, an amount is positive and in its commodity, and the event keeps the rules
    /// of [`crate::state::Figures::apply`] and the commodity's 64-bit bound.
    fn check_event(
        &self,
        seq: Seq,
        date: Date,
        effect: Effect,
        amount: Option<Amount>,
    ) -> Result<(), LedgerError> {
        let pledge = self.pledge(seq).ok_or_else(|| self.missing_pledge(seq))?;
        if pledge.voided {
            return Err(LedgerError::Voided(seq));
        }
        if let Some(amount) = amount {
            if amount.commodity != pledge.commodity {
                return Err(LedgerError::CommodityMismatch);
            }
            if amount.units <= 0 {
                return Err(LedgerError::AmountNotPositive);
            }
        }
        if date < pledge.date {
            return Err(LedgerError::DateBeforeSubject);
        }
        if let Effect::Reschedule(Some(due)) = effect
            && due < pledge.date
        {
            return Err(LedgerError::DueBeforeDate);
        }
        let mut figures = pledge.current;
        figures.apply(seq, effect, date)?;
        if let Effect::Amend(units) = effect
            && units > pledge.peak
        {
            self.bound_after(pledge.commodity, units.saturating_sub(pledge.peak))?;
        }
        Ok(())
    }

    #[cfg(feature = "corrections")]
    /// A void of record `target`: a pledge, event or rate that is not void already, voided on
    /// or after its date; voiding an event must leave every later event on its pledge within
    /// the rules (else the first that breaks is named, to be voided first).
    fn check_void(&self, target: Seq, date: Date) -> Result<(), LedgerError> {
        let (voided, when) = if let Some(pledge) = self.pledge(target) {
            (pledge.voided, pledge.date)
        } else if let Some(rate) = self.rates().iter().find(|r| r.seq == target) {
            (rate.voided, rate.date)
        } else if let Some(event) = self.event(target) {
            if event.effect != Effect::Note {
                match self.pledge(event.subject) {
                    Some(pledge) if pledge.voided => return Err(LedgerError::Voided(pledge.seq)),
                    Some(_) => {}
                    None => return Err(self.missing_pledge(event.subject)),
                }
            }
            (event.voided, event.date)
        } else {
            return Err(match self.missing_pledge(target) {
                LedgerError::UnknownPledge(_) => LedgerError::NotVoidable(target),
                not_held => not_held,
            });
        };
        if voided {
            return Err(LedgerError::Voided(target));
        }
        if date < when {
            return Err(LedgerError::DateBeforeSubject);
        }
        if let Some(event) = self.event(target)
            && event.effect != Effect::Note
        {
            self.refold(event.subject, Some(target))?;
        }
        Ok(())
    }

    fn check_new_name(&self, kind: NameKind, name: &Name) -> Result<(), LedgerError> {
        match self.find_name(kind, name) {
            Some(_) => Err(LedgerError::DuplicateName),
            None => Ok(()),
        }
    }

    fn check_declared(&self, kind: NameKind, id: Option<u32>) -> Result<(), LedgerError> {
        match id {
            Some(id) if self.name(kind, id).is_none() => Err(LedgerError::UnknownName),
            _ => Ok(()),
        }
    }

    fn check_party(&self, id: Option<PartyId>) -> Result<(), LedgerError> {
        self.check_declared(NameKind::Party, id.map(|id| id.0))
    }

    fn check_positive(&self, amount: Amount) -> Result<(), LedgerError> {
        self.commodity(amount.commodity)
            .ok_or(LedgerError::UnknownName)?;
        if amount.units <= 0 {
            return Err(LedgerError::AmountNotPositive);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core::convert::Infallible;

    use super::*;
    use crate::amount::{Commodity, CommodityId, parse_code};
    use crate::entry::{Amend, Cancel, Fulfil, Goal, GoalId, Note, Open, Pledge, Tags, name, text};
    use crate::error::Table;
    use crate::slots::Fixed;
    use crate::state::Status;

    type Small = State<Fixed<4, 2, 2, 4>>;

    fn day(n: i32) -> Date {
        Date::parse("2025-10-28")
            .unwrap()
            .checked_add_days(n)
            .unwrap()
    }

    fn usd(units: i64) -> Amount {
        Amount {
            units,
            commodity: CommodityId(0),
        }
    }

    fn add(state: &mut Small, entry: Entry) -> Result<Seq, LedgerError> {
        let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
        state.append(entry, &mut sink).map_err(|e| match e {
            AppendError::Ledger(e) => e,
            other => panic!("{other:?}"),
        })
    }

    fn pledge(units: i64) -> Entry {
        Entry::Pledge(Pledge {
            date: day(0),
            from: PartyId(0),
            to: PartyId(1),
            amount: usd(units),
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: Some(day(30)),
            memo: None,
            planned: false,
        })
    }

    /// open, USD, two parties: the next record is #4.
    fn ledger() -> Small {
        let mut state = Small::default();
        add(
            &mut state,
            Entry::Open(Open {
                origin: name("test").unwrap(),
            }),
        )
        .unwrap();
        let code = parse_code("USD").unwrap();
        add(
            &mut state,
            Entry::Commodity(Commodity { code, decimals: 2 }),
        )
        .unwrap();
        add(&mut state, Entry::Party(name("Japan").unwrap())).unwrap();
        add(&mut state, Entry::Party(name("United States").unwrap())).unwrap();
        state
    }

    fn fulfil(pledge: Seq, units: i64, offset: i32) -> Entry {
        Entry::Fulfil(Fulfil {
            date: day(offset),
            pledge,
            amount: usd(units),
            memo: None,
        })
    }

    use crate::state::AppendError;

    #[test]
    fn a_pledge_goes_open_partial_fulfilled() {
        let mut state = ledger();
        let id = add(&mut state, pledge(100)).unwrap();
        assert_eq!(id, 4);
        assert_eq!(state.pledge(id).unwrap().current.status(), Status::Open);
        add(&mut state, fulfil(id, 40, 1)).unwrap();
        assert_eq!(state.pledge(id).unwrap().current.status(), Status::Partial);
        assert_eq!(
            add(&mut state, fulfil(id, 61, 2)),
            Err(LedgerError::Overfulfilment { outstanding: 60 })
        );
        add(&mut state, fulfil(id, 60, 2)).unwrap();
        let done = state.pledge(id).unwrap();
        assert_eq!(
            (done.current.status(), done.current.fulfilled),
            (Status::Fulfilled, 100)
        );
        assert_eq!(
            add(&mut state, fulfil(id, 1, 3)),
            Err(LedgerError::Overfulfilment { outstanding: 0 })
        );
        let cancel = Entry::Cancel(Cancel {
            date: day(3),
            pledge: id,
            reason: text("late").unwrap(),
        });
        assert_eq!(
            add(&mut state, cancel),
            Err(LedgerError::PledgeFulfilled(id))
        );
    }

    #[test]
    fn amendments_and_cancellations() {
        let mut state = ledger();
        let id = add(&mut state, pledge(100)).unwrap();
        add(&mut state, fulfil(id, 30, 1)).unwrap();
        let amend = |units| {
            Entry::Amend(Amend {
                date: day(2),
                pledge: id,
                amount: usd(units),
                reason: text("r").unwrap(),
            })
        };
        assert_eq!(
            add(&mut state, amend(29)),
            Err(LedgerError::AmendBelowFulfilled { fulfilled: 30 })
        );
        add(&mut state, amend(150)).unwrap();
        assert_eq!(state.pledge(id).unwrap().current.amount, 150);
        assert_eq!(state.pledge(id).unwrap().original, 100);
        let cancel = Entry::Cancel(Cancel {
            date: day(3),
            pledge: id,
            reason: text("withdrawn").unwrap(),
        });
        add(&mut state, cancel.clone()).unwrap();
        let figures = state.pledge(id).unwrap().current;
        assert_eq!(
            (figures.status(), figures.committed(), figures.outstanding()),
            (Status::Cancelled, 30, 0)
        );
        assert_eq!(
            add(&mut state, cancel),
            Err(LedgerError::PledgeCancelled(id))
        );
        assert_eq!(
            add(&mut state, fulfil(id, 1, 4)),
            Err(LedgerError::PledgeCancelled(id))
        );
    }

    #[test]
    fn events_must_refer_to_an_earlier_pledge_in_its_commodity_and_after_its_date() {
        let mut state = ledger();
        let id = add(&mut state, pledge(100)).unwrap();
        assert_eq!(
            add(&mut state, fulfil(3, 1, 1)),
            Err(LedgerError::UnknownPledge(3)),
            "#3 is a party"
        );
        assert_eq!(
            add(&mut state, fulfil(99, 1, 1)),
            Err(LedgerError::UnknownPledge(99))
        );
        assert_eq!(
            add(&mut state, fulfil(id, 1, -1)),
            Err(LedgerError::DateBeforeSubject)
        );
        assert_eq!(
            add(&mut state, fulfil(id, 0, 1)),
            Err(LedgerError::AmountNotPositive)
        );
        let jpy = Entry::Fulfil(Fulfil {
            date: day(1),
            pledge: id,
            amount: Amount {
                units: 1,
                commodity: CommodityId(1),
            },
            memo: None,
        });
        assert_eq!(add(&mut state, jpy), Err(LedgerError::CommodityMismatch));
        assert_eq!(state.next_seq(), id + 1, "refused entries change nothing");
        assert_eq!(state.pledge(id).unwrap().current.fulfilled, 0);
    }

    #[test]
    fn pledges_are_checked_against_declarations_and_goals() {
        let mut state = ledger();
        let mut bad = pledge(100);
        if let Entry::Pledge(p) = &mut bad {
            p.to = PartyId(7);
        }
        assert_eq!(add(&mut state, bad), Err(LedgerError::UnknownName));
        let mut bad = pledge(-5);
        assert_eq!(
            add(&mut state, bad.clone()),
            Err(LedgerError::AmountNotPositive)
        );
        if let Entry::Pledge(p) = &mut bad {
            p.amount = usd(5);
            p.due = Some(day(-1));
        }
        assert_eq!(
            add(&mut state, bad.clone()),
            Err(LedgerError::DueBeforeDate)
        );
        if let Entry::Pledge(p) = &mut bad {
            p.due = None;
            p.goal = Some(GoalId(0));
        }
        assert_eq!(add(&mut state, bad.clone()), Err(LedgerError::UnknownGoal));
        let goal = Goal {
            date: day(0),
            name: name("G").unwrap(),
            beneficiary: Some(PartyId(1)),
            target: usd(1000),
            deadline: None,
            memo: None,
        };
        add(&mut state, Entry::Goal(goal.clone())).unwrap();
        assert_eq!(
            add(&mut state, Entry::Goal(goal)),
            Err(LedgerError::DuplicateGoal)
        );
        add(&mut state, bad).unwrap();
        assert_eq!(state.pledges().next().unwrap().goal, Some(GoalId(0)));
    }

    #[test]
    fn the_ledger_opens_once_and_names_are_unique() {
        let mut state = Small::default();
        assert_eq!(
            add(&mut state, Entry::Party(name("x").unwrap())),
            Err(LedgerError::MisplacedOpen)
        );
        add(
            &mut state,
            Entry::Open(Open {
                origin: name("t").unwrap(),
            }),
        )
        .unwrap();
        assert_eq!(
            add(
                &mut state,
                Entry::Open(Open {
                    origin: name("t").unwrap()
                })
            ),
            Err(LedgerError::MisplacedOpen)
        );
        add(&mut state, Entry::Party(name("x").unwrap())).unwrap();
        assert_eq!(
            add(&mut state, Entry::Party(name("x").unwrap())),
            Err(LedgerError::DuplicateName)
        );
        add(&mut state, Entry::Project(name("x").unwrap())).unwrap();
        let record = Record {
            seq: 9,
            entry: Entry::Party(name("y").unwrap()),
        };
        assert_eq!(
            state.apply(&record),
            Err(LedgerError::SequenceMismatch {
                expected: 3,
                found: 9
            })
        );
    }

    /// A full table refuses a record before it is handed to the sink: nothing is written, its
    /// sequence number is not used up, and the state holds what it held.
    #[test]
    fn full_tables_refuse_before_anything_is_written() {
        let mut state = ledger();
        for i in 0..4 {
            add(&mut state, pledge(100 + i)).unwrap();
        }
        add(&mut state, Entry::Party(name("Korea").unwrap())).unwrap();
        add(&mut state, Entry::Party(name("India").unwrap())).unwrap();
        let code = |c| parse_code(c).unwrap();
        let commodity = |c| {
            Entry::Commodity(Commodity {
                code: code(c),
                decimals: 2,
            })
        };
        add(&mut state, commodity("EUR")).unwrap();
        let goal = |n| {
            Entry::Goal(Goal {
                date: day(0),
                name: name(n).unwrap(),
                beneficiary: None,
                target: usd(100),
                deadline: None,
                memo: None,
            })
        };
        add(&mut state, goal("one")).unwrap();
        add(&mut state, goal("two")).unwrap();
        let mut refused = vec![
            (pledge(1), Table::Pledges),
            (Entry::Party(name("Chile").unwrap()), Table::Names),
            (commodity("JPY"), Table::Commodities),
            (goal("three"), Table::Goals),
        ];
        #[cfg(feature = "corrections")]
        refused.extend([
            (
                Entry::Rate(crate::entry::Rate {
                    date: day(0),
                    base: CommodityId(0),
                    quote: CommodityId(1),
                    rate: crate::entry::ExactRate::parse("1.1").unwrap(),
                    goal: None,
                }),
                Table::Rates,
            ),
            (
                Entry::Rename(crate::entry::Rename {
                    date: day(0),
                    kind: RenameKind::Party,
                    from: 2,
                    to: 3,
                    reason: text("merged").unwrap(),
                }),
                Table::Renames,
            ),
        ]);
        for (entry, table) in refused {
            let (seq, pledges) = (state.next_seq(), state.pledge_count());
            let mut written = 0;
            let result = state.append(entry, &mut |_: &[u8]| -> Result<(), Infallible> {
                written += 1;
                Ok(())
            });
            assert_eq!(
                result,
                Err(AppendError::Ledger(LedgerError::CapacityExceeded(table)))
            );
            assert_eq!((written, state.next_seq()), (0, seq), "{table}");
            assert_eq!(state.pledge_count(), pledges);
        }
    }

    #[test]
    fn each_kind_of_name_has_its_own_capacity() {
        use crate::slots::FixedPerKind;
        // 3 parties, 1 project, no sectors, 2 tags.
        let mut state: State<FixedPerKind<3, 1, 0, 2, 1, 1, 1>> = State::default();
        let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
        let mut add = |entry| match state.append(entry, &mut sink) {
            Ok(_) => Ok(()),
            Err(AppendError::Ledger(e)) => Err(e),
            Err(other) => panic!("{other:?}"),
        };
        let full = Err(LedgerError::CapacityExceeded(Table::Names));
        add(Entry::Open(Open {
            origin: name("pledge.example/t").unwrap(),
        }))
        .unwrap();
        for party in ["Japan", "Korea", "India"] {
            add(Entry::Party(name(party).unwrap())).unwrap();
        }
        assert_eq!(add(Entry::Party(name("Chile").unwrap())), full);
        add(Entry::Project(name("AP1000").unwrap())).unwrap();
        assert_eq!(add(Entry::Project(name("BWRX").unwrap())), full);
        assert_eq!(add(Entry::Sector(name("energy").unwrap())), full);
        add(Entry::Tag(name("a").unwrap())).unwrap();
        add(Entry::Tag(name("b").unwrap())).unwrap();
        assert_eq!(add(Entry::Tag(name("c").unwrap())), full);
    }

    #[test]
    fn notes_refer_to_pledges_or_goals() {
        let mut state = ledger();
        let id = add(&mut state, pledge(100)).unwrap();
        let note = |about, offset| {
            Entry::Note(Note {
                date: day(offset),
                about,
                text: text("n").unwrap(),
            })
        };
        add(&mut state, note(None, -400)).unwrap();
        add(&mut state, note(Some(id), 0)).unwrap();
        assert_eq!(
            add(&mut state, note(Some(id), -1)),
            Err(LedgerError::DateBeforeSubject)
        );
        assert_eq!(
            add(&mut state, note(Some(2), 0)),
            Err(LedgerError::UnknownPledge(2))
        );
    }

    #[test]
    fn as_of_figures_leave_out_later_events_but_rules_still_see_them() {
        let mut state: Small = State::new(Some(day(5)));
        for entry in ledger_entries().into_iter().chain([pledge(100)]) {
            add(&mut state, entry).unwrap();
        }
        add(&mut state, fulfil(4, 30, 1)).unwrap();
        add(&mut state, fulfil(4, 50, 10)).unwrap();
        let p = state.pledge(4).unwrap().clone();
        assert_eq!((p.as_of.fulfilled, p.current.fulfilled), (30, 80));
        assert_eq!(
            add(&mut state, fulfil(4, 21, 2)),
            Err(LedgerError::Overfulfilment { outstanding: 20 })
        );
        assert!(p.is_overdue(day(31)) && !p.is_overdue(day(30)));
    }

    fn ledger_entries() -> [Entry; 4] {
        let code = parse_code("USD").unwrap();
        [
            Entry::Open(Open {
                origin: name("test").unwrap(),
            }),
            Entry::Commodity(Commodity { code, decimals: 2 }),
            Entry::Party(name("Japan").unwrap()),
            Entry::Party(name("United States").unwrap()),
        ]
    }
}
