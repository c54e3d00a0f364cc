//! Property tests against a plain reference model: random histories are appended through the
//! core and, in parallel, through `Model` (a `Vec` of pledges and obviously-correct rules). The
//! two must accept and refuse the same entries and end with the same figures; the bytes must
//! read back as the same records; and no bytes at all may panic the reader.

use std::convert::Infallible;

use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{
    Amend, Cancel, Entry, ExactRate, Fulfil, Goal, GoalId, Note, Open, PartyId, Pledge, ProjectId,
    Rate, Record, Rename, RenameKind, Reschedule, Return, Revise, SectorId, Seq, TagId, Tags, Void,
    name, text,
};
use ledger_core::error::LedgerError;
use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
use ledger_core::report::{self, Key, Row, Totals};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::FixedPerKind;
use ledger_core::state::{AppendError, State, Status};
use ledger_core::{Amount, Date};
use proptest::prelude::*;

/// Room for every event, so that any of them can be voided.
type Tables = FixedPerKind<8, 8, 8, 8, 4, 4, 64, 512, 64, 8>;

/// What an event does, as the model keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Fulfil(i64),
    Return(i64),
    Amend(i64),
    Cancel,
    Reschedule(Option<Date>),
}

/// One pledge as the model sees it: its first terms and every event on it, replayed whenever
/// its figures are needed.
#[derive(Debug, Clone)]
struct ModelPledge {
    seq: Seq,
    date: Date,
    commodity: u32,
    goal: Option<u32>,
    original: i64,
    due: Option<Date>,
    voided: bool,
    /// (record, what, voided), in record order.
    events: Vec<(Seq, Kind, bool)>,
}

/// Figures after replaying events.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Replayed {
    amount: i64,
    fulfilled: i64,
    cancelled: bool,
    due: Option<Date>,
}

impl ModelPledge {
    /// The figures after every event that is not void (nor `skip`), plus `extra` at the end;
    /// `None` if any of them breaks a rule on the way.
    fn replay(&self, skip: Option<Seq>, extra: Option<Kind>) -> Option<Replayed> {
        let mut r = Replayed {
            amount: self.original,
            fulfilled: 0,
            cancelled: false,
            due: self.due,
        };
        let live = self
            .events
            .iter()
            .filter(|(seq, _, voided)| !voided && Some(*seq) != skip)
            .map(|(_, kind, _)| *kind);
        for kind in live.chain(extra) {
            match kind {
                Kind::Fulfil(u) => {
                    if r.cancelled || u > r.amount - r.fulfilled {
                        return None;
                    }
                    r.fulfilled += u;
                }
                Kind::Return(u) => {
                    if u > r.fulfilled {
                        return None;
                    }
                    r.fulfilled -= u;
                }
                Kind::Amend(u) => {
                    if r.cancelled || u < r.fulfilled {
                        return None;
                    }
                    r.amount = u;
                }
                Kind::Cancel => {
                    if r.cancelled || r.fulfilled >= r.amount {
                        return None;
                    }
                    r.cancelled = true;
                }
                Kind::Reschedule(due) => {
                    if r.cancelled {
                        return None;
                    }
                    r.due = due;
                }
            }
        }
        Some(r)
    }

    /// The largest amount it ever had: what it adds to its commodity's 64-bit bound.
    fn peak(&self) -> i64 {
        let amends = self.events.iter().filter_map(|(_, k, _)| match k {
            Kind::Amend(u) => Some(*u),
            _ => None,
        });
        amends.fold(self.original, i64::max)
    }
}

/// The reference: the rules, written as plainly as possible.
#[derive(Debug, Default)]
struct Model {
    pledges: Vec<ModelPledge>,
    /// Notes: (record, voided).
    notes: Vec<(Seq, bool)>,
    /// Parties merged away: (from, to).
    merged: Vec<(u32, u32)>,
    /// Goals' targets, by goal id (set up with the ledger).
    targets: Vec<Amount>,
    /// Rates: (record, base, quote, goal), and whether each is void.
    rates: Vec<(Seq, u32, u32, Option<u32>)>,
    rates_voided: Vec<bool>,
}

impl Model {
    fn find(&self, seq: Seq) -> Option<&ModelPledge> {
        self.pledges.iter().find(|p| p.seq == seq)
    }

    fn find_mut(&mut self, seq: Seq) -> &mut ModelPledge {
        self.pledges.iter_mut().find(|p| p.seq == seq).unwrap()
    }

    /// The sum of the peaks of the pledges in `commodity` that are not void, in 128 bits.
    fn bound(&self, commodity: u32) -> i128 {
        self.pledges
            .iter()
            .filter(|p| p.commodity == commodity && !p.voided)
            .map(|p| i128::from(p.peak()))
            .sum()
    }

    /// Whether an event on `seq` dated `date` keeps the rules.
    fn event_ok(&self, seq: Seq, date: Date, kind: Kind, commodity: Option<u32>) -> bool {
        let Some(p) = self.find(seq) else {
            return false;
        };
        let amount_ok = match kind {
            Kind::Fulfil(u) | Kind::Return(u) | Kind::Amend(u) => {
                u > 0 && commodity == Some(p.commodity)
            }
            _ => true,
        };
        let due_ok = !matches!(kind, Kind::Reschedule(Some(d)) if d < p.date);
        let bound_ok = match kind {
            Kind::Amend(u) if u > p.peak() => {
                self.bound(p.commodity) + i128::from(u - p.peak()) <= i128::from(i64::MAX)
            }
            _ => true,
        };
        !p.voided
            && date >= p.date
            && amount_ok
            && due_ok
            && bound_ok
            && p.replay(None, Some(kind)).is_some()
    }

    /// Whether the entry keeps the rules, and if so, what it does.
    fn accept(&mut self, seq: Seq, entry: &Entry) -> bool {
        let event = |kind: Kind, pledge: Seq, date: Date, commodity: Option<u32>| {
            (kind, pledge, date, commodity)
        };
        let as_event = match entry {
            Entry::Fulfil(f) => Some(event(
                Kind::Fulfil(f.amount.units),
                f.pledge,
                f.date,
                Some(f.amount.commodity.0),
            )),
            Entry::Return(r) => Some(event(
                Kind::Return(r.amount.units),
                r.pledge,
                r.date,
                Some(r.amount.commodity.0),
            )),
            Entry::Amend(a) => Some(event(
                Kind::Amend(a.amount.units),
                a.pledge,
                a.date,
                Some(a.amount.commodity.0),
            )),
            Entry::Cancel(c) => Some(event(Kind::Cancel, c.pledge, c.date, None)),
            Entry::Reschedule(r) => Some(event(Kind::Reschedule(r.due), r.pledge, r.date, None)),
            _ => None,
        };
        if let Some((kind, pledge, date, commodity)) = as_event {
            let ok = self.event_ok(pledge, date, kind, commodity);
            if ok {
                self.find_mut(pledge).events.push((seq, kind, false));
            }
            return ok;
        }
        match entry {
            Entry::Pledge(p) => {
                let bound_ok = self.bound(p.amount.commodity.0) + i128::from(p.amount.units)
                    <= i128::from(i64::MAX);
                let ok = p.amount.units > 0 && bound_ok && p.due.is_none_or(|d| d >= p.date);
                if ok {
                    self.pledges.push(ModelPledge {
                        seq,
                        date: p.date,
                        commodity: p.amount.commodity.0,
                        goal: p.goal.map(|g| g.0),
                        original: p.amount.units,
                        due: p.due,
                        voided: false,
                        events: Vec::new(),
                    });
                }
                ok
            }
            Entry::Note(n) => {
                let ok = match n.about {
                    None => true,
                    Some(about) => self
                        .find(about)
                        .is_some_and(|p| n.date >= p.date && !p.voided),
                };
                if ok {
                    self.notes.push((seq, false));
                }
                ok
            }
            Entry::Void(v) => self.void(v.record, v.date),
            Entry::Rate(r) => {
                let ok = r.base.0 < 2
                    && r.quote.0 < 2
                    && r.base != r.quote
                    && r.rate.mantissa > 0
                    && r.rate.scale <= 18
                    && r.goal.is_none_or(|g| g.0 < 2);
                if ok {
                    self.rates
                        .push((seq, r.base.0, r.quote.0, r.goal.map(|g| g.0)));
                    self.rates_voided.push(false);
                }
                ok
            }
            Entry::Rename(r) => {
                let away = |id: u32| self.merged.iter().any(|m| m.0 == id);
                let ok = r.from < 2 && r.to < 2 && r.from != r.to && !away(r.from) && !away(r.to);
                if ok {
                    for m in self.merged.iter_mut().filter(|m| m.1 == r.from) {
                        m.1 = r.to;
                    }
                    self.merged.push((r.from, r.to));
                }
                ok
            }
            Entry::Revise(r) => {
                // Goals are records 10 and 11, set on day 0.
                let Some(index) = r.goal.checked_sub(10).filter(|i| *i < 2) else {
                    return false;
                };
                let target = self.targets[index as usize];
                let ok = r.date >= day(0)
                    && r.target.commodity == target.commodity
                    && r.target.units > 0
                    && r.beneficiary.is_none_or(|b| b.0 < 2);
                if ok {
                    self.targets[index as usize] = r.target;
                }
                ok
            }
            _ => true,
        }
    }

    /// A void: of a pledge (not void yet), of a note, or of an event whose pledge replays
    /// without it.
    fn void(&mut self, target: Seq, date: Date) -> bool {
        if let Some(p) = self.pledges.iter_mut().find(|p| p.seq == target) {
            let ok = !p.voided && date >= p.date;
            p.voided |= ok;
            return ok;
        }
        if let Some(at) = self.rates.iter().position(|r| r.0 == target) {
            // Rates are dated day 1; voids later.
            let ok = !self.rates_voided[at];
            self.rates_voided[at] = true;
            return ok;
        }
        if let Some(note) = self.notes.iter_mut().find(|(seq, _)| *seq == target) {
            let ok = !note.1;
            note.1 = true;
            return ok;
        }
        let Some(p) = self
            .pledges
            .iter_mut()
            .find(|p| p.events.iter().any(|(seq, _, _)| *seq == target))
        else {
            return false;
        };
        let voided = p.events.iter().any(|(seq, _, v)| *seq == target && *v);
        let ok = !p.voided && !voided && p.replay(Some(target), None).is_some();
        let event_date_ok = true;
        if ok && event_date_ok {
            for e in p.events.iter_mut().filter(|(seq, _, _)| *seq == target) {
                e.2 = true;
            }
        }
        ok
    }

    /// Committed and fulfilled per goal, and outside any goal per commodity.
    fn totals(&self, goal: Option<u32>, commodity: u32) -> (i64, i64, u32) {
        let mut sums = (0, 0, 0);
        for p in self
            .pledges
            .iter()
            .filter(|p| p.goal == goal && p.commodity == commodity && !p.voided)
        {
            let r = p.replay(None, None).unwrap();
            sums.0 += if r.cancelled { r.fulfilled } else { r.amount };
            sums.1 += r.fulfilled;
            sums.2 += 1;
        }
        sums
    }

    /// Every record a void could name: pledges, events, notes and rates.
    fn voidable(&self) -> Vec<Seq> {
        let mut all: Vec<Seq> = self.notes.iter().map(|n| n.0).collect();
        all.extend(self.rates.iter().map(|r| r.0));
        for p in &self.pledges {
            all.push(p.seq);
            all.extend(p.events.iter().map(|e| e.0));
        }
        all.sort_unstable();
        all
    }
}

/// What a random history does next; picks are resolved against the pledges so far.
#[derive(Debug, Clone)]
enum Op {
    Pledge {
        commodity: u32,
        goal: Option<u32>,
        units: i64,
        day: i32,
        due: Option<i32>,
        tags: Vec<u32>,
        memo: Option<String>,
    },
    /// `how` picks the amount: the exact outstanding, one more, one, zero, half, or `units`.
    Fulfil {
        pick: usize,
        how: u8,
        units: i64,
        after: i32,
        wrong_commodity: bool,
    },
    /// `how` picks the amount: exactly what was fulfilled, one less, or `units`.
    Amend {
        pick: usize,
        how: u8,
        units: i64,
        after: i32,
    },
    Cancel {
        pick: usize,
        after: i32,
    },
    Note {
        pick: Option<usize>,
        day: i32,
    },
    /// `how` picks the amount: all that was fulfilled, one more, one, or `units`.
    Return {
        pick: usize,
        how: u8,
        units: i64,
        after: i32,
    },
    /// A void of any record the model knows (or of one it does not).
    Void {
        pick: usize,
        after: i32,
    },
    Reschedule {
        pick: usize,
        due: Option<i32>,
        after: i32,
    },
    Rate {
        base: u32,
        quote: u32,
        mantissa: u64,
        scale: u8,
        goal: Option<u32>,
    },
    Rename {
        from: u32,
        to: u32,
    },
    /// A goal's record (10 and 11 are goals; 9 is not), a target, a day.
    Revise {
        goal: u32,
        units: i64,
        commodity: u32,
        day: i32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let units = prop_oneof![
        8 => -5i64..1_000_000,
        1 => (i64::MAX / 3)..=i64::MAX,
    ];
    prop_oneof![
        4 => (0u32..2, proptest::option::of(0u32..2), units.clone(), 0i32..60, proptest::option::of(-5i32..400),
              proptest::collection::vec(0u32..3, 0..3), proptest::option::of("[a-z ]{1,20}"))
            .prop_map(|(commodity, goal, units, day, due, tags, memo)| Op::Pledge { commodity, goal, units, day, due, tags, memo }),
        4 => (any::<usize>(), 0u8..6, -5i64..800_000, -2i32..40, proptest::bool::weighted(0.1))
            .prop_map(|(pick, how, units, after, wrong_commodity)| Op::Fulfil { pick, how, units, after, wrong_commodity }),
        1 => (any::<usize>(), 0u8..3, units, -2i32..40).prop_map(|(pick, how, units, after)| Op::Amend { pick, how, units, after }),
        1 => (any::<usize>(), -2i32..40).prop_map(|(pick, after)| Op::Cancel { pick, after }),
        1 => (proptest::option::of(any::<usize>()), 0i32..90).prop_map(|(pick, day)| Op::Note { pick, day }),
        1 => (any::<usize>(), 0u8..4, -5i64..800_000, -2i32..40).prop_map(|(pick, how, units, after)| Op::Return { pick, how, units, after }),
        2 => (any::<usize>(), 0i32..60).prop_map(|(pick, after)| Op::Void { pick, after }),
        1 => (any::<usize>(), proptest::option::of(-5i32..400), -2i32..40).prop_map(|(pick, due, after)| Op::Reschedule { pick, due, after }),
        1 => (0u32..3, 0u32..3, 0u64..3, 17u8..20, proptest::option::of(0u32..3)).prop_map(|(base, quote, mantissa, scale, goal)| Op::Rate { base, quote, mantissa, scale, goal }),
        1 => (0u32..3, 0u32..3).prop_map(|(from, to)| Op::Rename { from, to }),
        1 => (9u32..12, -1i64..5_000_000, 0u32..2, -1i32..30).prop_map(|(goal, units, commodity, day)| Op::Revise { goal, units, commodity, day }),
    ]
}

fn day(n: i32) -> Date {
    Date::parse("2025-10-28")
        .unwrap()
        .checked_add_days(n)
        .unwrap()
}

fn setup() -> Vec<Entry> {
    let code = |c: &str| parse_code(c).unwrap();
    let goal = |n: &str, units, commodity| {
        Entry::Goal(Goal {
            date: day(0),
            name: name(n).unwrap(),
            beneficiary: Some(PartyId(1)),
            target: Amount {
                units,
                commodity: CommodityId(commodity),
            },
            deadline: None,
            memo: None,
        })
    };
    vec![
        Entry::Open(Open {
            origin: name("model").unwrap(),
        }),
        Entry::Commodity(Commodity {
            code: code("USD"),
            decimals: 2,
        }),
        Entry::Commodity(Commodity {
            code: code("JPY"),
            decimals: 0,
        }),
        Entry::Party(name("Japan").unwrap()),
        Entry::Party(name("United States").unwrap()),
        Entry::Project(name("AP1000").unwrap()),
        Entry::Sector(name("nuclear").unwrap()),
        Entry::Tag(name("a").unwrap()),
        Entry::Tag(name("b").unwrap()),
        Entry::Tag(name("c").unwrap()),
        goal("G0", 10_000_000, 0),
        goal("G1", 5_000_000, 1),
    ]
}

/// A state with the [`setup`] entries appended, and a model that knows their goals.
fn set_up() -> (State<Tables>, Model) {
    let mut state: State<Tables> = State::default();
    let mut model = Model::default();
    let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
    for entry in setup() {
        state.append(entry.clone(), &mut sink).unwrap();
        if let Entry::Goal(g) = &entry {
            model.targets.push(g.target);
        }
    }
    (state, model)
}

/// [`set_up`], then one plain pledge: the state and the pledge's state.
fn set_up_with_a_pledge() -> (State<Tables>, ledger_core::state::PledgeState) {
    let (mut state, _) = set_up();
    let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
    let op = Op::Pledge {
        commodity: 0,
        goal: None,
        units: 5,
        day: 3,
        due: None,
        tags: Vec::new(),
        memo: None,
    };
    let seq = state
        .append(entry_for(&op, &Model::default()), &mut sink)
        .unwrap();
    let pledge = state.pledge(seq).unwrap().clone();
    (state, pledge)
}

fn entry_for(op: &Op, model: &Model) -> Entry {
    let pick = |i: usize| {
        model
            .pledges
            .get(i % model.pledges.len().max(1))
            .map_or(9_999, |p| p.seq)
    };
    let commodity_of = |seq: Seq| model.find(seq).map_or(0, |p| p.commodity);
    let figures = |seq: Seq| {
        model
            .find(seq)
            .and_then(|p| p.replay(None, None))
            .map_or((0, 0), |r| (r.amount, r.fulfilled))
    };
    let after = |seq: Seq, days: i32| {
        model
            .find(seq)
            .map_or(day(0), |p| p.date.checked_add_days(days).unwrap())
    };
    let money = |units: i64, seq: Seq| Amount {
        units,
        commodity: CommodityId(commodity_of(seq)),
    };
    match op {
        Op::Pledge {
            commodity,
            goal,
            units,
            day: d,
            due,
            tags,
            memo,
        } => {
            let mut tag_ids = Tags::new();
            for t in tags {
                if !tag_ids.contains(&TagId(*t)) {
                    tag_ids.push(TagId(*t)).unwrap();
                }
            }
            Entry::Pledge(Pledge {
                date: day(*d),
                from: PartyId(0),
                to: PartyId(1),
                amount: Amount {
                    units: *units,
                    commodity: CommodityId(*commodity),
                },
                goal: goal.map(GoalId),
                project: (*commodity == 0).then_some(ProjectId(0)),
                sector: goal.map(|_| SectorId(0)),
                tags: tag_ids,
                due: due.map(|n| day(d + n)),
                memo: memo.as_deref().map(|m| text(m).unwrap()),
                planned: false,
            })
        }
        Op::Fulfil {
            pick: i,
            how,
            units,
            after: days,
            wrong_commodity,
        } => {
            let seq = pick(*i);
            let (amount, fulfilled) = figures(seq);
            let outstanding = amount - fulfilled;
            let units =
                [outstanding, outstanding + 1, 1, 0, outstanding / 2, *units][usize::from(*how)];
            let commodity = commodity_of(seq) ^ u32::from(*wrong_commodity);
            Entry::Fulfil(Fulfil {
                date: after(seq, *days),
                pledge: seq,
                amount: Amount {
                    units,
                    commodity: CommodityId(commodity),
                },
                memo: None,
            })
        }
        Op::Amend {
            pick: i,
            how,
            units,
            after: days,
        } => {
            let seq = pick(*i);
            let (_, fulfilled) = figures(seq);
            let units = [fulfilled, fulfilled - 1, *units][usize::from(*how)];
            Entry::Amend(Amend {
                date: after(seq, *days),
                pledge: seq,
                amount: money(units, seq),
                reason: text("revised").unwrap(),
            })
        }
        Op::Cancel {
            pick: i,
            after: days,
        } => {
            let seq = pick(*i);
            Entry::Cancel(Cancel {
                date: after(seq, *days),
                pledge: seq,
                reason: text("withdrawn").unwrap(),
            })
        }
        Op::Note { pick: i, day: d } => Entry::Note(Note {
            date: day(*d),
            about: i.map(pick),
            text: text("note").unwrap(),
        }),
        Op::Return {
            pick: i,
            how,
            units,
            after: days,
        } => {
            let seq = pick(*i);
            let (_, fulfilled) = figures(seq);
            let units = [fulfilled, fulfilled + 1, 1, *units][usize::from(*how)];
            Entry::Return(Return {
                date: after(seq, *days),
                pledge: seq,
                amount: money(units, seq),
                memo: None,
            })
        }
        Op::Void {
            pick: i,
            after: days,
        } => {
            let all = model.voidable();
            let record = all.get(i % all.len().max(1)).copied().unwrap_or(3);
            // Dated after everything so far, so that the date is never what refuses it.
            Entry::Void(Void {
                date: day(400 + days),
                record,
                reason: text("entered by mistake").unwrap(),
            })
        }
        Op::Rate {
            base,
            quote,
            mantissa,
            scale,
            goal,
        } => Entry::Rate(Rate {
            date: day(1),
            base: CommodityId(*base),
            quote: CommodityId(*quote),
            rate: ExactRate {
                mantissa: *mantissa,
                scale: *scale,
            },
            goal: goal.map(GoalId),
        }),
        Op::Rename { from, to } => Entry::Rename(Rename {
            date: day(1),
            kind: RenameKind::Party,
            from: *from,
            to: *to,
            reason: text("merged").unwrap(),
        }),
        Op::Revise {
            goal,
            units,
            commodity,
            day: d,
        } => Entry::Revise(Revise {
            date: day(*d),
            goal: *goal,
            target: Amount {
                units: *units,
                commodity: CommodityId(*commodity),
            },
            deadline: None,
            beneficiary: Some(PartyId(1)),
            reason: text("revised").unwrap(),
        }),
        Op::Reschedule {
            pick: i,
            due,
            after: days,
        } => {
            let seq = pick(*i);
            let date = after(seq, *days);
            Entry::Reschedule(Reschedule {
                date,
                pledge: seq,
                due: due.map(|n| after(seq, n)),
                reason: text("moved").unwrap(),
            })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_fold_agrees_with_the_model_and_the_bytes_read_back(ops in proptest::collection::vec(op(), 0..80)) {
        let mut state: State<Tables> = State::default();
        let mut model = Model::default();
        let mut bytes = preamble().to_vec();
        let mut written: Vec<Record> = Vec::new();
        let mut sink = |frame: &[u8]| -> Result<(), Infallible> { bytes.extend_from_slice(frame); Ok(()) };
        let mut goal_commodity = Vec::new();
        for entry in setup() {
            let seq = state.append(entry.clone(), &mut sink).unwrap();
            if let Entry::Goal(g) = &entry {
                goal_commodity.push(g.target.commodity.0);
                model.targets.push(g.target);
            }
            written.push(Record { seq, entry });
        }
        for op in &ops {
            if model.pledges.len() >= 64 { break; }
            let entry = entry_for(op, &model);
            let seq = state.next_seq();
            let expected = model.accept(seq, &entry);
            let result = state.append(entry.clone(), &mut sink);
            prop_assert_eq!(result.is_ok(), expected, "entry {:?} gave {:?}", entry, result);
            if let Err(e) = result { prop_assert!(matches!(e, AppendError::Ledger(_))); }
            if expected { written.push(Record { seq, entry }); }
        }
        // The same figures, pledge by pledge.
        prop_assert_eq!(state.pledge_count(), model.pledges.len());
        for (p, m) in state.pledges().zip(&model.pledges) {
            let r = m.replay(None, None).unwrap();
            prop_assert_eq!(p.seq, m.seq);
            prop_assert_eq!(p.voided, m.voided);
            prop_assert_eq!(p.current.amount, r.amount);
            prop_assert_eq!(p.current.fulfilled, r.fulfilled);
            prop_assert_eq!(p.current.due, r.due);
            prop_assert_eq!(p.current.status() == Status::Cancelled, r.cancelled);
        }
        // The same renames, goal terms and rates.
        for party in 0..2 {
            let merged = model.merged.iter().find(|m| m.0 == party).map_or(party, |m| m.1);
            prop_assert_eq!(state.current_id(RenameKind::Party, party), merged);
        }
        for (goal, target) in state.goals().iter().zip(&model.targets) {
            prop_assert_eq!(goal.target, *target);
        }
        let rates: Vec<_> = state.rates().iter().map(|r| (r.seq, r.base.0, r.quote.0, r.goal.map(|g| g.0))).collect();
        prop_assert_eq!(rates, model.rates.clone());
        let voided: Vec<bool> = state.rates().iter().map(|r| r.voided).collect();
        prop_assert_eq!(voided, model.rates_voided.clone());
        // The same report totals: in each goal's own commodity, and per goal and commodity.
        let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
        report::goal_totals(&state, &mut totals).unwrap();
        for (goal, t) in totals.iter().enumerate() {
            let (committed, fulfilled, count) = model.totals(Some(goal as u32), goal_commodity[goal]);
            prop_assert_eq!((t.committed, t.fulfilled, t.pledges), (committed, fulfilled, count));
        }
        let mut rows: heapless::Vec<Row, 8> = heapless::Vec::new();
        report::breakdown(&state, Key::Goal, &mut rows).unwrap();
        for row in rows.iter() {
            let (committed, fulfilled, count) = model.totals(row.key, row.commodity.0);
            prop_assert_eq!((row.totals.committed, row.totals.fulfilled, row.totals.pledges), (committed, fulfilled, count));
            let t = row.totals;
            prop_assert_eq!(t.committed, t.pledged + t.amended - t.withdrawn);
        }
        // The bytes read back as exactly the records accepted, and fold to the same state.
        let mut reread: State<Tables> = State::default();
        let mut records = Vec::new();
        for item in Scanner::new(&bytes).unwrap() {
            match item {
                Item::Record { record, .. } => { reread.apply(&record).unwrap(); records.push(record); }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(records, written);
        prop_assert!(reread.pledges().eq(state.pledges()));
    }
}

/// Any entry the format can express, with every field ranging widely.
fn any_entry() -> impl Strategy<Value = Entry> {
    let date = (ledger_core::date::MIN.0..=ledger_core::date::MAX.0).prop_map(Date);
    let amount = (any::<i64>(), any::<u32>()).prop_map(|(units, c)| Amount {
        units,
        commodity: CommodityId(c),
    });
    let name_text = "[^\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}]{1,16}"
        .prop_filter("trimmed", |s| s.trim() == s);
    let memo = proptest::option::of("[a-zA-Z0-9 é日本\n]{1,80}");
    let tags = proptest::collection::vec(any::<u32>(), 0..=8);
    let pledge = (
        date.clone(),
        any::<(u32, u32)>(),
        amount.clone(),
        proptest::option::of(any::<u32>()),
        any::<(Option<u32>, Option<u32>)>(),
        tags,
        proptest::option::of(0i32..5000),
        memo.clone(),
        any::<bool>(),
    )
        .prop_map(
            |(date, (from, to), amount, goal, (project, sector), tags, due, memo, planned)| {
                Entry::Pledge(Pledge {
                    date,
                    from: PartyId(from),
                    to: PartyId(to),
                    amount,
                    goal: goal.map(GoalId),
                    project: project.map(ProjectId),
                    sector: sector.map(SectorId),
                    tags: tags.into_iter().map(TagId).collect::<heapless::Vec<_, 8>>(),
                    due: due.and_then(|d| date.checked_add_days(d)),
                    memo: memo.map(|m| text(&m).unwrap()),
                    planned,
                })
            },
        );
    let seq_back = 0u32..1000;
    let reason = "[a-zA-Z0-9 é日本\n]{1,80}".prop_map(|r| text(&r).unwrap());
    let corrections = prop_oneof![
        (
            date.clone(),
            any::<(u32, u32)>(),
            any::<u64>(),
            0u8..=18,
            proptest::option::of(any::<u32>())
        )
            .prop_map(
                |(date, (base, quote), mantissa, scale, goal)| Entry::Rate(Rate {
                    date,
                    base: CommodityId(base),
                    quote: CommodityId(quote),
                    rate: ExactRate { mantissa, scale },
                    goal: goal.map(GoalId),
                })
            ),
        (date.clone(), seq_back.clone(), reason.clone()).prop_map(|(date, record, reason)| {
            Entry::Void(Void {
                date,
                record,
                reason,
            })
        }),
        (
            date.clone(),
            seq_back.clone(),
            amount.clone(),
            proptest::option::of(reason.clone())
        )
            .prop_map(|(date, pledge, amount, memo)| Entry::Return(Return {
                date,
                pledge,
                amount,
                memo
            })),
        (date.clone(), 0usize..5, any::<(u32, u32)>(), reason.clone()).prop_map(
            |(date, kind, (from, to), reason)| Entry::Rename(Rename {
                date,
                kind: RenameKind::ALL[kind],
                from,
                to,
                reason,
            })
        ),
        (
            date.clone(),
            seq_back.clone(),
            proptest::option::of(date.clone()),
            reason.clone()
        )
            .prop_map(|(date, pledge, due, reason)| Entry::Reschedule(Reschedule {
                date,
                pledge,
                due,
                reason
            })),
        (
            date.clone(),
            seq_back.clone(),
            amount.clone(),
            proptest::option::of(date.clone()),
            proptest::option::of(any::<u32>()),
            reason
        )
            .prop_map(
                |(date, goal, target, deadline, b, reason)| Entry::Revise(Revise {
                    date,
                    goal,
                    target,
                    deadline,
                    beneficiary: b.map(PartyId),
                    reason,
                })
            ),
    ];
    prop_oneof![
        name_text.clone().prop_map(|n| Entry::Open(Open {
            origin: name(&n).unwrap()
        })),
        ("[A-Za-z][A-Za-z0-9_-]{0,15}", 0u8..=18).prop_map(|(c, d)| Entry::Commodity(Commodity {
            code: parse_code(&c).unwrap(),
            decimals: d
        })),
        name_text
            .clone()
            .prop_map(|n| Entry::Party(name(&n).unwrap())),
        name_text
            .clone()
            .prop_map(|n| Entry::Tag(name(&n).unwrap())),
        (
            date.clone(),
            name_text,
            amount.clone(),
            proptest::option::of(any::<u32>()),
            proptest::option::of(date.clone()),
            memo.clone()
        )
            .prop_map(|(date, n, target, b, deadline, memo)| Entry::Goal(Goal {
                date,
                name: name(&n).unwrap(),
                beneficiary: b.map(PartyId),
                target,
                deadline,
                memo: memo.map(|m| text(&m).unwrap())
            })),
        pledge,
        corrections,
        (date.clone(), seq_back.clone(), amount.clone(), memo).prop_map(
            |(date, pledge, amount, memo)| Entry::Fulfil(Fulfil {
                date,
                pledge,
                amount,
                memo: memo.map(|m| text(&m).unwrap())
            })
        ),
        (date.clone(), seq_back.clone(), amount).prop_map(|(date, pledge, amount)| Entry::Amend(
            Amend {
                date,
                pledge,
                amount,
                reason: text("r").unwrap()
            }
        )),
        (date.clone(), seq_back.clone()).prop_map(|(date, pledge)| Entry::Cancel(Cancel {
            date,
            pledge,
            reason: text("why").unwrap()
        })),
        (date, proptest::option::of(seq_back)).prop_map(|(date, about)| Entry::Note(Note {
            date,
            about,
            text: text("n").unwrap()
        })),
        (
            any::<u64>(),
            any::<[u8; 32]>(),
            proptest::option::of((any::<[u8; 4]>(), proptest::collection::vec(any::<u8>(), 64)))
        )
            .prop_map(|(size, root, signature)| Entry::Checkpoint(
                ledger_core::entry::Checkpoint {
                    size,
                    root,
                    signature: signature.map(|(key_id, sig)| {
                        ledger_core::checkpoint::NoteSignature {
                            signer: name("pledge.example/key").unwrap(),
                            key_id,
                            signature: ledger_core::checkpoint::Signature64(
                                sig.try_into().unwrap(),
                            ),
                        }
                    }),
                }
            )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_entry_round_trips_through_its_frame(entry in any_entry(), seq in 1000u32..u32::MAX) {
        let record = Record { seq, entry };
        let mut frame = [0u8; MAX_FRAME];
        let len = encode_frame(&record, &mut frame).unwrap();
        prop_assert!(!frame[..len - 1].contains(&0));
        let mut bytes = preamble().to_vec();
        bytes.extend_from_slice(&frame[..len]);
        // The scanner restores the full sequence number from the expected position.
        let mut scratch = [0u8; MAX_FRAME];
        let payload = ledger_core::record::decode_frame(&frame[..len], &mut scratch).unwrap();
        let decoded = ledger_core::record::decode_payload(payload, seq).unwrap();
        prop_assert!(ledger_core::record::is_canonical(payload, &decoded));
        prop_assert_eq!(decoded, record);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = preamble().to_vec();
        bytes.extend_from_slice(&tail);
        read_everything(&bytes);
        // And without a valid preamble.
        read_everything(&tail);
    }

    #[test]
    fn damaged_ledgers_never_panic_and_never_invent_records(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let bytes = example_bytes();
        let mut damaged = bytes.clone();
        for (at, mask) in flips {
            let at = at % damaged.len();
            damaged[at] ^= mask.max(1);
        }
        read_everything(&damaged);
        // Every record read from damaged bytes is one that was written, at its offset.
        let original: Vec<_> = Scanner::new(&bytes).unwrap().collect();
        if let Ok(scanner) = Scanner::new(&damaged) {
            for item in scanner {
                if let Item::Record { offset, record, .. } = item {
                    let found = original.iter().any(|o| matches!(o, Item::Record { offset: o_off, record: o_rec, .. } if *o_off == offset && o_rec.entry == record.entry));
                    prop_assert!(found, "invented {:?} at {}", record, offset);
                }
            }
        }
    }
}

fn read_everything(bytes: &[u8]) {
    if let Ok(scanner) = Scanner::new(bytes) {
        let mut state: State<Tables> = State::default();
        for item in scanner {
            if let Item::Record { record, .. } = item {
                let _ = state.apply(&record);
            }
        }
        let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
        let _ = report::goal_totals(&state, &mut totals);
    }
    // The auditor, with a trusted key and a published root, on the same bytes.
    if let Ok(scanner) = Scanner::new(bytes) {
        let key = ledger_core::checkpoint::SignerKey::from_seed("model.example/key", [9; 32])
            .unwrap()
            .verifier();
        let mut expect = ledger_core::audit::Expectations {
            trust: Some(&key),
            today: None,
            roots: heapless::Vec::new(),
        };
        expect.roots.push((2, [1; 32])).unwrap();
        let mut findings = 0;
        let summary = ledger_core::audit::audit::<Tables>(scanner, &expect, |_| findings += 1);
        assert_eq!(summary.findings, findings);
    }
}

fn example_bytes() -> Vec<u8> {
    let mut state: State<Tables> = State::default();
    let mut bytes = preamble().to_vec();
    let mut sink = |frame: &[u8]| -> Result<(), Infallible> {
        bytes.extend_from_slice(frame);
        Ok(())
    };
    for entry in setup() {
        state.append(entry, &mut sink).unwrap();
    }
    let pledge = entry_for(
        &Op::Pledge {
            commodity: 0,
            goal: Some(0),
            units: 500,
            day: 1,
            due: Some(10),
            tags: vec![1],
            memo: Some("m".into()),
        },
        &Model::default(),
    );
    let seq = state.append(pledge, &mut sink).unwrap();
    let fulfil = Entry::Fulfil(Fulfil {
        date: day(2),
        pledge: seq,
        amount: Amount {
            units: 100,
            commodity: CommodityId(0),
        },
        memo: None,
    });
    state.append(fulfil, &mut sink).unwrap();
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// What a cache relies on: a state restored from the full fold's parts and the one pledge
    /// an entry is about judges that entry exactly as the full fold does, and after it holds
    /// the same parts and the same figures for that pledge. Voids are the exception the API
    /// states (events are not restored), so they go to the full fold only.
    #[test]
    fn a_restored_window_judges_every_entry_as_the_whole_fold(ops in proptest::collection::vec(op(), 0..80)) {
        let (mut state, mut model) = set_up();
        let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
        let mut windows = 0;
        for op in &ops {
            if model.pledges.len() >= 64 { break; }
            let entry = entry_for(op, &model);
            let seq = state.next_seq();
            let expected = model.accept(seq, &entry);
            if !matches!(entry, Entry::Void(_)) {
                let mut window: State<Tables> = State::from_parts(&state.parts()).unwrap();
                if let Some(pledge) = entry.subject().and_then(|s| state.pledge(s)) {
                    window.restore_pledge(pledge.clone()).unwrap();
                }
                let mut whole_frame = Vec::new();
                let mut window_frame = Vec::new();
                let before: Vec<_> = state.pledges().cloned().collect();
                let whole = state.append(entry.clone(), &mut |f: &[u8]| -> Result<(), Infallible> { whole_frame.extend_from_slice(f); Ok(()) });
                let restored = window.append(entry.clone(), &mut |f: &[u8]| -> Result<(), Infallible> { window_frame.extend_from_slice(f); Ok(()) });
                prop_assert_eq!(&whole, &restored, "entry {:?}", entry);
                prop_assert_eq!(whole_frame, window_frame);
                prop_assert_eq!(whole.is_ok(), expected);
                prop_assert_eq!(format!("{:?}", state.parts()), format!("{:?}", window.parts()));
                for p in window.pledges() {
                    prop_assert_eq!(Some(p), state.pledge(p.seq));
                }
                // Every other pledge is as it was.
                let touched = window.pledges().map(|p| p.seq).collect::<Vec<_>>();
                for p in before.iter().filter(|p| !touched.contains(&p.seq)) {
                    prop_assert_eq!(Some(p), state.pledge(p.seq));
                }
                windows += 1;
            } else {
                let result = state.append(entry.clone(), &mut sink);
                prop_assert_eq!(result.is_ok(), expected);
            }
        }
        prop_assert!(windows <= ops.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Breakdowns kept up to date entry by entry (each changed pledge's old state taken out,
    /// its new state added), as a cache keeps them, are what the whole fold's breakdown is.
    #[test]
    fn breakdowns_kept_up_to_date_are_the_whole_folds(ops in proptest::collection::vec(op(), 0..80)) {
        type Rows = heapless::Vec<Row, 128>;
        let (mut state, mut model) = set_up();
        let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
        let mut kept: Vec<Rows> = Key::ALL.iter().map(|_| Rows::new()).collect();
        let mut hints = report::RowHints::default();
        for op in &ops {
            if model.pledges.len() >= 64 { break; }
            let entry = entry_for(op, &model);
            let seq = state.next_seq();
            model.accept(seq, &entry);
            let before: Vec<_> = state.pledges().cloned().collect();
            let renames = state.parts().aliases.len();
            if state.append(entry, &mut sink).is_err() {
                continue;
            }
            if state.parts().aliases.len() != renames {
                // A rename moves every pledge of a name to another row: a cache starts again.
                for rows in &mut kept {
                    rows.clear();
                }
                for pledge in state.pledges() {
                    report::breakdown_add_every(state.keying(), &mut kept, &mut hints, pledge).unwrap();
                }
                continue;
            }
            for (key, rows) in Key::ALL.iter().zip(&mut kept) {
                for old in &before {
                    let new = state.pledge(old.seq).unwrap();
                    if new != old {
                        report::breakdown_remove(&state, *key, rows, old).unwrap();
                        report::breakdown_add(&state, *key, rows, new).unwrap();
                    }
                }
                // New pledges one key at a time after odd entries, every key at once after
                // even ones (below): both must come to the whole fold's rows.
                if seq % 2 == 1 {
                    for new in state.pledges().filter(|p| !before.iter().any(|b| b.seq == p.seq)) {
                        report::breakdown_add(&state, *key, rows, new).unwrap();
                    }
                }
            }
            if seq % 2 == 0 {
                for new in state.pledges().filter(|p| !before.iter().any(|b| b.seq == p.seq)) {
                    report::breakdown_add_every(state.keying(), &mut kept, &mut hints, new).unwrap();
                }
            }
        }
        for (key, rows) in Key::ALL.iter().zip(&kept) {
            let mut whole = Rows::new();
            report::breakdown(&state, *key, &mut whole).unwrap();
            let mut rows = rows.clone();
            report::breakdown_sort(&state, *key, &mut rows);
            prop_assert_eq!(&rows, &whole, "by {}", key.name());
        }
    }
}

/// A device's fold with room for four pledges and 16 events, which lets settled pledges leave
/// memory into up to 64 rows of totals.
type Window = FixedPerKind<8, 8, 8, 8, 4, 4, 4, 16, 64, 8, 64>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A fold that lets settled pledges go holds at most its capacity and reports what the
    /// whole fold reports, by goal and by every key. It takes what the whole fold takes, in the
    /// same bytes, but for what it cannot hold: a pledge with no settled one to let go, an
    /// event on a pledge that left, a void of an event it does not hold. Those it refuses
    /// before writing anything; every other refusal is the whole fold's, in the same words.
    #[test]
    fn a_fold_that_lets_settled_pledges_go_reports_as_the_whole_fold(ops in proptest::collection::vec(op(), 0..120)) {
        let (mut whole, mut model) = set_up();
        let mut window: State<Window> = State::default();
        let mut sink = |_: &[u8]| -> Result<(), Infallible> { Ok(()) };
        for entry in setup() {
            window.append(entry, &mut sink).unwrap();
        }
        let mut let_go = 0;
        for op in &ops {
            if model.pledges.len() >= 64 { break; }
            let entry = entry_for(op, &model);
            let seq = whole.next_seq();
            let (mut whole_frame, mut window_frame) = (Vec::new(), Vec::new());
            let held = window.pledge_count();
            let taken = window.append(entry.clone(), &mut |f: &[u8]| -> Result<(), Infallible> { window_frame.extend_from_slice(f); Ok(()) });
            prop_assert!(window.pledge_count() <= 4);
            match taken {
                Ok(_) => {
                    if matches!(entry, Entry::Pledge(_)) && window.pledge_count() == held {
                        let_go += 1;
                    }
                    prop_assert!(model.accept(seq, &entry), "{:?}", entry);
                    whole.append(entry, &mut |f: &[u8]| -> Result<(), Infallible> { whole_frame.extend_from_slice(f); Ok(()) }).unwrap();
                    prop_assert_eq!(&whole_frame, &window_frame);
                }
                Err(AppendError::Ledger(
                    LedgerError::CapacityExceeded(_)
                    | LedgerError::PledgeNotHeld(_)
                    | LedgerError::EventsNotHeld(_)
                    | LedgerError::NotVoidable(_),
                )) => {
                    prop_assert!(window_frame.is_empty());
                    prop_assert_eq!(window.next_seq(), seq);
                    // What the whole fold makes of it is its own business: skip it there too.
                }
                Err(refused) => {
                    prop_assert!(window_frame.is_empty());
                    let record = Record { seq, entry };
                    prop_assert_eq!(whole.check(&record).map_err(AppendError::<Infallible>::Ledger), Err(refused));
                    prop_assert!(!model.accept(seq, &record.entry));
                }
            }
            prop_assert_eq!(window.next_seq(), whole.next_seq());
        }
        prop_assert_eq!(window.settled().is_empty(), let_go == 0);
        type Goals = heapless::Vec<Totals, 4>;
        let (mut by_goal, mut by_goal_window) = (Goals::new(), Goals::new());
        report::goal_totals(&whole, &mut by_goal).unwrap();
        report::goal_totals(&window, &mut by_goal_window).unwrap();
        prop_assert_eq!(by_goal, by_goal_window);
        type Rows = heapless::Vec<Row, 128>;
        for key in Key::ALL {
            let (mut rows, mut window_rows) = (Rows::new(), Rows::new());
            report::breakdown(&whole, key, &mut rows).unwrap();
            report::breakdown(&window, key, &mut window_rows).unwrap();
            prop_assert_eq!(rows, window_rows, "by {}", key.name());
        }
    }
}

/// Four pledges fulfilled and a fifth made: the oldest leaves memory, its totals kept; an event
/// on it is refused (and nothing written) with words that say why, and the sequence number
/// is not used up.
#[test]
fn a_settled_pledge_leaves_a_full_table_and_says_so_when_asked_for() {
    let mut window: State<Window> = State::default();
    let frames = std::cell::Cell::new(0);
    let mut sink = |_: &[u8]| -> Result<(), Infallible> {
        frames.set(frames.get() + 1);
        Ok(())
    };
    for entry in setup() {
        window.append(entry, &mut sink).unwrap();
    }
    let model = Model::default();
    let plain = |units| Op::Pledge {
        commodity: 0,
        goal: Some(0),
        units,
        day: 1,
        due: None,
        tags: Vec::new(),
        memo: None,
    };
    let mut pledges = Vec::new();
    for units in [100, 200, 300, 400] {
        let seq = window
            .append(entry_for(&plain(units), &model), &mut sink)
            .unwrap();
        pledges.push(seq);
    }
    let fulfil = |pledge, units| {
        Entry::Fulfil(Fulfil {
            date: day(2),
            pledge,
            amount: Amount {
                units,
                commodity: CommodityId(0),
            },
            memo: None,
        })
    };
    // Only the second is settled.
    window.append(fulfil(pledges[1], 200), &mut sink).unwrap();
    window.append(fulfil(pledges[2], 100), &mut sink).unwrap();
    let fifth = window
        .append(entry_for(&plain(500), &model), &mut sink)
        .unwrap();
    let held: Vec<Seq> = window.pledges().map(|p| p.seq).collect();
    assert_eq!(held, [pledges[0], pledges[2], pledges[3], fifth]);
    assert_eq!(window.settled().len(), 1);
    let row = window.settled()[0];
    assert_eq!(
        (row.keys.status, row.totals.pledges, row.totals.fulfilled),
        (Status::Fulfilled, 1, 200)
    );
    let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
    report::goal_totals(&window, &mut totals).unwrap();
    assert_eq!(
        (totals[0].pledges, totals[0].committed, totals[0].fulfilled),
        (5, 1_500, 300)
    );
    // No pledge is settled now: a sixth has no room.
    let before = (frames.get(), window.next_seq());
    let refused = window.append(entry_for(&plain(600), &model), &mut sink);
    assert_eq!(
        refused,
        Err(AppendError::Ledger(LedgerError::CapacityExceeded(
            ledger_core::error::Table::Pledges
        )))
    );
    let note = Entry::Note(Note {
        date: day(3),
        about: Some(pledges[1]),
        text: text("late news").unwrap(),
    });
    let refused = window.append(note, &mut sink);
    assert_eq!(
        refused,
        Err(AppendError::Ledger(LedgerError::PledgeNotHeld(pledges[1])))
    );
    assert_eq!(
        LedgerError::PledgeNotHeld(pledges[1]).to_string(),
        format!(
            "record #{} is not a pledge held in memory here, and settled pledges have left it to make room; record this on a desktop",
            pledges[1]
        )
    );
    assert_eq!((frames.get(), window.next_seq()), before);
    // A record after the last that left is still simply unknown.
    let refused = window.append(fulfil(9_999, 1), &mut sink);
    assert_eq!(
        refused,
        Err(AppendError::Ledger(LedgerError::UnknownPledge(9_999)))
    );
}

#[test]
fn a_pledge_never_added_cannot_be_taken_out() {
    let (state, pledge) = set_up_with_a_pledge();
    let mut rows: heapless::Vec<Row, 8> = heapless::Vec::new();
    assert!(report::breakdown_remove(&state, Key::Sector, &mut rows, &pledge).is_err());
    report::breakdown_add(&state, Key::Sector, &mut rows, &pledge).unwrap();
    report::breakdown_remove(&state, Key::Sector, &mut rows, &pledge).unwrap();
    assert!(rows.is_empty(), "a row with no pledge left stays: {rows:?}");
}

#[test]
fn restoring_refuses_what_no_fold_could_hold() {
    let (state, saved) = set_up_with_a_pledge();
    let parts = state.parts();
    // A bound missing for a commodity.
    let short = ledger_core::state::Parts {
        bounds: &parts.bounds[1..],
        ..parts
    };
    assert!(State::<Tables>::from_parts(&short).is_err());
    // No origin.
    assert!(
        State::<Tables>::from_parts(&ledger_core::state::Parts {
            origin: None,
            ..parts
        })
        .is_err()
    );
    let mut window: State<Tables> = State::from_parts(&parts).unwrap();
    // A pledge at or after the next record, or out of order.
    let mut late = saved.clone();
    late.seq = state.next_seq();
    assert!(window.restore_pledge(late).is_err());
    window.restore_pledge(saved.clone()).unwrap();
    assert!(window.restore_pledge(saved).is_err());
}
