//! Property tests against a plain reference model: random histories are appended through the
//! core and, in parallel, through `Model` (a `Vec` of pledges and obviously-correct rules). The
//! two must accept and refuse the same entries and end with the same figures; the bytes must
//! read back as the same records; and no bytes at all may panic the reader.

use std::convert::Infallible;

use ledger_core::amount::{Commodity, CommodityId, parse_code};
use ledger_core::entry::{
    Amend, Cancel, Entry, Fulfil, Goal, GoalId, Note, Open, PartyId, Pledge, ProjectId, Record,
    SectorId, Seq, TagId, Tags, name, text,
};
use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
use ledger_core::report::{self, Key, Row, Totals};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::Fixed;
use ledger_core::state::{AppendError, State, Status};
use ledger_core::{Amount, Date};
use proptest::prelude::*;

type Tables = Fixed<8, 4, 4, 64>;

/// One pledge as the model sees it.
#[derive(Debug, Clone)]
struct ModelPledge {
    seq: Seq,
    date: Date,
    commodity: u32,
    goal: Option<u32>,
    amount: i64,
    fulfilled: i64,
    cancelled: bool,
}

/// The reference: the rules, written as plainly as possible.
#[derive(Debug, Default)]
struct Model {
    pledges: Vec<ModelPledge>,
    goal_commodity: Vec<u32>,
}

impl Model {
    fn find(&self, seq: Seq) -> Option<&ModelPledge> {
        self.pledges.iter().find(|p| p.seq == seq)
    }

    /// Whether the entry keeps the rules, and if so, what it does.
    fn accept(&mut self, seq: Seq, entry: &Entry) -> bool {
        match entry {
            Entry::Pledge(p) => {
                let goal_ok = p.goal.is_none_or(|g| {
                    self.goal_commodity.get(g.0 as usize) == Some(&p.amount.commodity.0)
                });
                let ok = p.amount.units > 0 && goal_ok && p.due.is_none_or(|d| d >= p.date);
                if ok {
                    self.pledges.push(ModelPledge {
                        seq,
                        date: p.date,
                        commodity: p.amount.commodity.0,
                        goal: p.goal.map(|g| g.0),
                        amount: p.amount.units,
                        fulfilled: 0,
                        cancelled: false,
                    });
                }
                ok
            }
            Entry::Fulfil(f) => {
                let Some(p) = self.find(f.pledge) else {
                    return false;
                };
                let ok = !p.cancelled
                    && f.date >= p.date
                    && f.amount.commodity.0 == p.commodity
                    && f.amount.units > 0
                    && p.fulfilled + f.amount.units <= p.amount;
                if ok {
                    self.pledges
                        .iter_mut()
                        .find(|p| p.seq == f.pledge)
                        .unwrap()
                        .fulfilled += f.amount.units;
                }
                ok
            }
            Entry::Amend(a) => {
                let Some(p) = self.find(a.pledge) else {
                    return false;
                };
                let ok = !p.cancelled
                    && a.date >= p.date
                    && a.amount.commodity.0 == p.commodity
                    && a.amount.units > 0
                    && a.amount.units >= p.fulfilled;
                if ok {
                    self.pledges
                        .iter_mut()
                        .find(|p| p.seq == a.pledge)
                        .unwrap()
                        .amount = a.amount.units;
                }
                ok
            }
            Entry::Cancel(c) => {
                let Some(p) = self.find(c.pledge) else {
                    return false;
                };
                let ok = !p.cancelled && c.date >= p.date && p.fulfilled < p.amount;
                if ok {
                    self.pledges
                        .iter_mut()
                        .find(|p| p.seq == c.pledge)
                        .unwrap()
                        .cancelled = true;
                }
                ok
            }
            Entry::Note(n) => match n.about {
                None => true,
                Some(about) => self.find(about).is_some_and(|p| n.date >= p.date),
            },
            _ => true,
        }
    }

    /// Committed and fulfilled per goal, and outside any goal per commodity.
    fn totals(&self, goal: Option<u32>, commodity: u32) -> (i64, i64, u32) {
        let mut sums = (0, 0, 0);
        for p in self
            .pledges
            .iter()
            .filter(|p| p.goal == goal && p.commodity == commodity)
        {
            sums.0 += if p.cancelled { p.fulfilled } else { p.amount };
            sums.1 += p.fulfilled;
            sums.2 += 1;
        }
        sums
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
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u32..2, proptest::option::of(0u32..2), -5i64..1_000_000, 0i32..60, proptest::option::of(-5i32..400),
              proptest::collection::vec(0u32..3, 0..3), proptest::option::of("[a-z ]{1,20}"))
            .prop_map(|(commodity, goal, units, day, due, tags, memo)| Op::Pledge { commodity, goal, units, day, due, tags, memo }),
        4 => (any::<usize>(), 0u8..6, -5i64..800_000, -2i32..40, proptest::bool::weighted(0.1))
            .prop_map(|(pick, how, units, after, wrong_commodity)| Op::Fulfil { pick, how, units, after, wrong_commodity }),
        1 => (any::<usize>(), 0u8..3, -5i64..1_000_000, -2i32..40).prop_map(|(pick, how, units, after)| Op::Amend { pick, how, units, after }),
        1 => (any::<usize>(), -2i32..40).prop_map(|(pick, after)| Op::Cancel { pick, after }),
        1 => (proptest::option::of(any::<usize>()), 0i32..90).prop_map(|(pick, day)| Op::Note { pick, day }),
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

fn entry_for(op: &Op, model: &Model) -> Entry {
    let pick = |i: usize| {
        model
            .pledges
            .get(i % model.pledges.len().max(1))
            .map_or(9_999, |p| p.seq)
    };
    let commodity_of = |seq: Seq| model.find(seq).map_or(0, |p| p.commodity);
    let figures = |seq: Seq| model.find(seq).map_or((0, 0), |p| (p.amount, p.fulfilled));
    let after = |seq: Seq, days: i32| {
        model
            .find(seq)
            .map_or(day(0), |p| p.date.checked_add_days(days).unwrap())
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
                amount: Amount {
                    units,
                    commodity: CommodityId(commodity_of(seq)),
                },
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
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_fold_agrees_with_the_model_and_the_bytes_read_back(ops in proptest::collection::vec(op(), 0..60)) {
        let mut state: State<Tables> = State::default();
        let mut model = Model::default();
        let mut bytes = preamble().to_vec();
        let mut written: Vec<Record> = Vec::new();
        let mut sink = |frame: &[u8]| -> Result<(), Infallible> { bytes.extend_from_slice(frame); Ok(()) };
        for entry in setup() {
            let seq = state.append(entry.clone(), &mut sink).unwrap();
            if let Entry::Goal(g) = &entry { model.goal_commodity.push(g.target.commodity.0); }
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
        prop_assert_eq!(state.pledges().len(), model.pledges.len());
        for (p, m) in state.pledges().iter().zip(&model.pledges) {
            prop_assert_eq!(p.seq, m.seq);
            prop_assert_eq!(p.current.amount, m.amount);
            prop_assert_eq!(p.current.fulfilled, m.fulfilled);
            prop_assert_eq!(p.current.status() == Status::Cancelled, m.cancelled);
        }
        // The same report totals.
        let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
        report::goal_totals(&state, &mut totals).unwrap();
        for (goal, t) in totals.iter().enumerate() {
            let (committed, fulfilled, count) = model.totals(Some(goal as u32), model.goal_commodity[goal]);
            prop_assert_eq!((t.committed, t.fulfilled, t.pledges), (committed, fulfilled, count));
        }
        let mut rows: heapless::Vec<Row, 8> = heapless::Vec::new();
        report::breakdown(&state, Key::Goal, &mut rows).unwrap();
        for row in rows.iter().filter(|r| r.key.is_none()) {
            let (committed, fulfilled, count) = model.totals(None, row.commodity.0);
            prop_assert_eq!((row.totals.committed, row.totals.fulfilled, row.totals.pledges), (committed, fulfilled, count));
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
        prop_assert_eq!(reread.pledges(), state.pledges());
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
    )
        .prop_map(
            |(date, (from, to), amount, goal, (project, sector), tags, due, memo)| {
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
                })
            },
        );
    let seq_back = 0u32..1000;
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
            date_tolerance_days: 0,
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
