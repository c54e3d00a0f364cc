//! Large generated ledgers for benchmarks and scale tests: a realistic, seeded history of
//! goals, pledges, fulfilments, amendments and cancellations, written through the core's own
//! checked append path, so every generated ledger is valid.

use std::convert::Infallible;

use ledger_cli::tables::State;
use ledger_core::amount::CommodityId;
use ledger_core::entry::{
    self, Amend, Cancel, Entry, Fulfil, Goal, GoalId, Open, PartyId, Pledge, ProjectId, SectorId,
    TagId, Tags,
};
use ledger_core::record::preamble;
use ledger_core::slots::LentSlots;
use ledger_core::state::NameKind;
use ledger_core::{Amount, Date};

/// What a generated ledger holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Records of every kind, `open` and declarations included.
    pub records: u64,
    /// Pledges.
    pub pledges: u64,
    /// Fulfilments, amendments and cancellations.
    pub events: u64,
    /// Rates, returns, voids, reschedules, renames and revisions.
    pub corrections: u64,
}

/// A ledger of `pledges` pledges with about 0.3 fulfilments, 0.03 amendments and 0.02
/// cancellations per pledge, 200 parties, 50 projects, 12 sectors, 20 tags, 3 currencies and
/// 20 goals, over ten years from 2020. The same seed gives the same bytes.
///
/// ```
/// let (bytes, summary) = pledge_tests::generate::ledger(1_000, 7);
/// assert_eq!(summary.pledges, 1_000);
/// assert_eq!(&bytes[..8], b"\x89PLEDGE\n");
/// assert_eq!(pledge_tests::generate::ledger(1_000, 7).0, bytes, "seeded: the same bytes");
/// // Declarations, 20 goals and the events come on top of the pledges.
/// assert!(summary.records > 1_000 + 20 + summary.events);
/// ```
pub fn ledger(pledges: u64, seed: u64) -> (Vec<u8>, Summary) {
    generate(pledges, seed, false)
}

/// A ledger like [`ledger`]'s, with the corrections and late news of a real pledging round on
/// top: pledges toward goals in any currency, the ledger's and the goals' own exchange rates,
/// back-dated events, returns, voids (of pledges and of fulfilments), reschedules, a party
/// merged into another and one renamed, goals revised. The same seed gives the same bytes.
///
/// ```
/// let (bytes, summary) = pledge_tests::generate::with_corrections(2_000, 3);
/// assert_eq!(summary.pledges, 2_000);
/// assert!(summary.corrections > 50, "{summary:?}");
/// assert_eq!(pledge_tests::generate::with_corrections(2_000, 3).0, bytes);
/// ```
pub fn with_corrections(pledges: u64, seed: u64) -> (Vec<u8>, Summary) {
    generate(pledges, seed, true)
}

fn generate(pledges: u64, seed: u64, corrections: bool) -> (Vec<u8>, Summary) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut bytes = preamble().to_vec();
    let mut state: State = State::new(None);
    let mut summary = Summary {
        records: 0,
        pledges: 0,
        events: 0,
        corrections: 0,
    };
    append(
        &mut state,
        &mut bytes,
        Entry::Open(Open {
            origin: name("bench.example/generated"),
        }),
    );
    let start = Date::parse("2020-01-01").expect("valid date");
    for code in ["USD", "EUR", "JPY"] {
        let decimals = ledger_core::amount::known_currency_decimals(code).unwrap_or(0);
        let code = ledger_core::amount::parse_code(code).expect("valid code");
        append(
            &mut state,
            &mut bytes,
            Entry::Commodity(ledger_core::Commodity { code, decimals }),
        );
    }
    for (kind, count, prefix) in [
        (NameKind::Party, 200, "Party"),
        (NameKind::Project, 50, "Project"),
        (NameKind::Sector, 12, "Sector"),
        (NameKind::Tag, 20, "tag"),
    ] {
        for i in 0..count {
            let n = name(&format!("{prefix} {i}"));
            let entry = match kind {
                NameKind::Party => Entry::Party(n),
                NameKind::Project => Entry::Project(n),
                NameKind::Sector => Entry::Sector(n),
                NameKind::Tag => Entry::Tag(n),
            };
            append(&mut state, &mut bytes, entry);
        }
    }
    for i in 0..20u32 {
        let goal = Goal {
            date: start,
            name: name(&format!("Goal {i}")),
            beneficiary: Some(PartyId(i)),
            target: Amount {
                units: 1_000_000_000_000_000,
                commodity: CommodityId(i % 3),
            },
            deadline: start.checked_add_days(3650),
            memo: None,
        };
        append(&mut state, &mut bytes, Entry::Goal(goal));
    }
    if corrections {
        setup_corrections(&mut state, &mut bytes, start, &mut summary);
    }
    let days_per_pledge = 3650.0 / pledges.max(1) as f64;
    for i in 0..pledges {
        let date = start
            .checked_add_days((i as f64 * days_per_pledge) as i32)
            .unwrap_or(start);
        let commodity = CommodityId(rng.u32(0..3));
        let goal = if corrections {
            // A pledging round takes pledges in any currency.
            rng.bool().then(|| GoalId(rng.u32(0..20)))
        } else {
            rng.bool()
                .then(|| GoalId(rng.u32(0..7) * 3 + commodity.0))
                .filter(|g| g.0 < 20)
        };
        let mut tags = Tags::new();
        for _ in 0..rng.usize(0..3) {
            let tag = TagId(rng.u32(0..20));
            if !tags.contains(&tag) {
                let _ = tags.push(tag);
            }
        }
        let pledge = Pledge {
            date,
            from: PartyId(rng.u32(0..200)),
            to: PartyId(rng.u32(0..200)),
            amount: Amount {
                units: rng.i64(100_000..10_000_000_000),
                commodity,
            },
            goal,
            project: (rng.u8(0..10) < 6).then(|| ProjectId(rng.u32(0..50))),
            sector: (rng.u8(0..10) < 8).then(|| SectorId(rng.u32(0..12))),
            tags,
            due: rng
                .bool()
                .then(|| date.checked_add_days(rng.i32(30..1500)))
                .flatten(),
            memo: (rng.u8(0..20) == 0).then(|| text("see the announcement")),
            planned: false,
        };
        append(&mut state, &mut bytes, Entry::Pledge(pledge));
        summary.pledges += 1;
        // Events on a recent pledge, so they keep the rules (never before it, never too much).
        let roll = rng.u32(0..100);
        if roll < 35 {
            let Some(target) = recent_live_pledge(&state, &mut rng) else {
                continue;
            };
            let (seq, commodity, outstanding, fulfilled) = target;
            let entry = if roll < 30 && outstanding > 0 {
                let units = if rng.bool() {
                    outstanding
                } else {
                    (outstanding / 2).max(1)
                };
                Entry::Fulfil(Fulfil {
                    date,
                    pledge: seq,
                    amount: Amount { units, commodity },
                    memo: None,
                })
            } else if roll < 33 {
                let units = fulfilled.max(1) + rng.i64(0..1_000_000_000);
                Entry::Amend(Amend {
                    date,
                    pledge: seq,
                    amount: Amount { units, commodity },
                    reason: text("revised"),
                })
            } else if outstanding > 0 {
                Entry::Cancel(Cancel {
                    date,
                    pledge: seq,
                    reason: text("withdrawn"),
                })
            } else {
                continue;
            };
            append(&mut state, &mut bytes, entry);
            summary.events += 1;
        }
        if corrections && roll >= 35 {
            let entry = correction(&state, &mut rng, date, roll);
            if let Some(entry) = entry
                && try_append(&mut state, &mut bytes, entry)
            {
                summary.corrections += 1;
            }
        }
    }
    summary.records = u64::from(state.next_seq());
    (bytes, summary)
}

/// Rates (the ledger's, yearly, and three goals' own), a party merged into another and one
/// renamed, a goal merged into another.
fn setup_corrections(state: &mut State, bytes: &mut Vec<u8>, start: Date, summary: &mut Summary) {
    use ledger_core::entry::{ExactRate, Rate, Rename, RenameKind};
    let rate = |date, base, quote, mantissa, goal| {
        Entry::Rate(Rate {
            date,
            base: CommodityId(base),
            quote: CommodityId(quote),
            rate: ExactRate { mantissa, scale: 4 },
            goal,
        })
    };
    for year in 0..10u32 {
        let date = start.checked_add_days(365 * year as i32).unwrap_or(start);
        // 1 EUR in USD, and 1 USD in JPY (used inverted for JPY goals toward USD).
        append(
            state,
            bytes,
            rate(date, 1, 0, 10_800 + u64::from(year) * 37, None),
        );
        append(
            state,
            bytes,
            rate(date, 0, 2, 1_100_000 + u64::from(year) * 5_000, None),
        );
        append(state, bytes, rate(date, 2, 1, 63 + u64::from(year), None));
        summary.corrections += 3;
    }
    for goal in 0..3u32 {
        append(state, bytes, rate(start, 1, 0, 11_000, Some(GoalId(goal))));
        summary.corrections += 1;
    }
    let rename = |from, to| {
        Entry::Rename(Rename {
            date: start,
            kind: RenameKind::Party,
            from,
            to,
            reason: text("the same party"),
        })
    };
    append(state, bytes, rename(199, 198));
    append(state, bytes, Entry::Party(name("Party Five")));
    append(state, bytes, rename(5, 200));
    // Goal 1 (EUR, with its own reference rate) merged into goal 0 (USD).
    append(
        state,
        bytes,
        Entry::Rename(Rename {
            date: start,
            kind: RenameKind::Goal,
            from: 1,
            to: 0,
            reason: text("one round"),
        }),
    );
    summary.corrections += 3;
}

/// One correction of what came recently, for `roll` in 35..100: a return, a void of a pledge
/// or of a fulfilment, a reschedule, a back-dated fulfilment, or a goal revised. `None` (or a
/// record the rules refuse, which is then not written) when it does not apply.
fn correction(state: &State, rng: &mut fastrand::Rng, date: Date, roll: u32) -> Option<Entry> {
    use ledger_core::entry::{Reschedule, Return, Revise, Void};
    let pledges = state.pledge_slots();
    let recent = pledges.get(rng.usize(pledges.len().saturating_sub(50)..pledges.len()))?;
    let amount = |units| Amount {
        units,
        commodity: recent.commodity,
    };
    Some(match roll {
        35..=37 if recent.current.fulfilled > 0 => Entry::Return(Return {
            date,
            pledge: recent.seq,
            amount: amount((recent.current.fulfilled / 3).max(1)),
            memo: Some(text("unspent")),
        }),
        38 => Entry::Void(Void {
            date,
            record: recent.seq,
            reason: text("entered twice"),
        }),
        39..=40 => {
            // The latest fulfilment, if it is recent and still counts.
            let events = state.event_slots();
            let event = (0..events.len())
                .rev()
                .take(20)
                .filter_map(|i| events.get(i))
                .find(|e| matches!(e.effect, ledger_core::state::Effect::Fulfil(_)) && !e.voided)?;
            Entry::Void(Void {
                date,
                record: event.seq,
                reason: text("belonged to another pledge"),
            })
        }
        41..=43 => Entry::Reschedule(Reschedule {
            date,
            pledge: recent.seq,
            due: date.checked_add_days(rng.i32(30..700)),
            reason: text("delayed"),
        }),
        // Late news: a fulfilment dated between the pledge and now, recorded now.
        44..=47 if !recent.voided && recent.current.cancelled.is_none() => {
            let outstanding = recent.current.amount - recent.current.fulfilled;
            let back = (date.0 - recent.date.0).max(0);
            Entry::Fulfil(Fulfil {
                date: recent.date.checked_add_days(rng.i32(0..=back))?,
                pledge: recent.seq,
                amount: amount((outstanding / 4).max(1).min(outstanding.max(1))),
                memo: Some(text("reported late")),
            })
        }
        48 => {
            let goal = state.goals().get(rng.usize(0..20))?;
            Entry::Revise(Revise {
                date,
                goal: goal.seq,
                target: Amount {
                    units: goal.target.units + 1_000_000_000,
                    commodity: goal.target.commodity,
                },
                deadline: goal.deadline,
                beneficiary: goal.beneficiary,
                reason: text("replenishment raised"),
            })
        }
        _ => return None,
    })
}

/// Appends if the rules accept it; says whether it was written.
fn try_append(state: &mut State, bytes: &mut Vec<u8>, entry: Entry) -> bool {
    let mut sink = |frame: &[u8]| -> Result<(), Infallible> {
        bytes.extend_from_slice(frame);
        Ok(())
    };
    state.append(entry, &mut sink).is_ok()
}

/// A ledger of `parties` distinct party names, each pledging once to another: the shape a
/// hostile file takes to make a reader that looks names up by scanning quadratic. Written
/// through the checked append path like [`ledger`].
///
/// ```
/// let (bytes, summary) = pledge_tests::generate::distinct_parties(1_000);
/// assert_eq!(summary.pledges, 1_000);
/// assert_eq!(summary.records, 1 + 1 + 1_000 + 1_000);
/// ```
pub fn distinct_parties(parties: u32) -> (Vec<u8>, Summary) {
    let mut bytes = preamble().to_vec();
    let mut state: State = State::new(None);
    let open = Open {
        origin: name("bench.example/distinct-parties"),
    };
    append(&mut state, &mut bytes, Entry::Open(open));
    let usd = ledger_core::amount::parse_code("USD").expect("valid code");
    append(
        &mut state,
        &mut bytes,
        Entry::Commodity(ledger_core::Commodity {
            code: usd,
            decimals: 2,
        }),
    );
    for i in 0..parties {
        append(
            &mut state,
            &mut bytes,
            Entry::Party(name(&format!("Party {i:07}"))),
        );
    }
    let date = Date::parse("2025-01-01").expect("valid date");
    for i in 0..parties {
        let pledge = Pledge {
            date,
            from: PartyId(i),
            to: PartyId((u64::from(i) * 7919 % u64::from(parties.max(1))) as u32),
            amount: Amount {
                units: 100 + i64::from(i),
                commodity: CommodityId(0),
            },
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: None,
            planned: false,
        };
        append(&mut state, &mut bytes, Entry::Pledge(pledge));
    }
    let summary = Summary {
        records: u64::from(state.next_seq()),
        pledges: u64::from(parties),
        events: 0,
        corrections: 0,
    };
    (bytes, summary)
}

/// One of the last 50 pledges that is neither cancelled nor fulfilled:
/// (seq, commodity, outstanding, fulfilled).
fn recent_live_pledge(
    state: &State,
    rng: &mut fastrand::Rng,
) -> Option<(u32, CommodityId, i64, i64)> {
    let pledges = state.pledge_slots();
    let start = pledges.len().saturating_sub(50);
    let pick = pledges.get(rng.usize(start..pledges.len()))?;
    let outstanding = pick.current.amount - pick.current.fulfilled;
    (!pick.voided && pick.current.cancelled.is_none() && outstanding > 0).then_some((
        pick.seq,
        pick.commodity,
        outstanding,
        pick.current.fulfilled,
    ))
}

/// Appends through the core's checked path, as `pledge` does.
fn append(state: &mut State, bytes: &mut Vec<u8>, entry: Entry) {
    let mut sink = |frame: &[u8]| -> Result<(), Infallible> {
        bytes.extend_from_slice(frame);
        Ok(())
    };
    state
        .append(entry, &mut sink)
        .expect("generated entries keep the rules");
}

fn name(text: &str) -> entry::Name {
    entry::name(text).expect("generated names are valid")
}

fn text(text: &str) -> entry::Text {
    entry::text(text).expect("generated texts are valid")
}
