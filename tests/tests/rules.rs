//! One set of rules at every door: whatever the CLI accepts audits clean, and every rule the
//! audit can report is refused at write time in the same words.
//!
//! - `accepted_commands_audit_clean`: random command sequences (back-dated and future-dated
//!   ones, huge amounts, corrections of anything) run through the `pledge` binary; a refused
//!   command leaves the file as it was, and the ledger audits clean after all of them.
//! - `every_rule_is_refused_in_the_audits_words`: for each rule, the command that breaks it is
//!   refused with the core's words, and the same record written past the CLI (by the core's
//!   encoder) is reported by the audit with the same words.

use ledger_core::amount::Amount;
use ledger_core::entry::{
    Amend, Cancel, Entry, Fulfil, Goal, PartyId, Pledge, Record, Rename, RenameKind, Return, Tags,
    Void, name, text,
};
use ledger_core::record::{MAX_FRAME, encode_frame};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::FixedPerKind;
use ledger_core::{Date, LedgerError, State};
use pledge_tests::Scratch;
use proptest::prelude::*;

type Tables = FixedPerKind<64, 64, 64, 64, 16, 16, 256, 1024, 16, 16>;

/// What a recorder might type next. Ids are picked among the records so far (any kind, so
/// that some refer to the wrong kind of record); dates range over years, past and future.
#[derive(Debug, Clone)]
enum Op {
    Add {
        units: u8,
        big: bool,
        code: usize,
        from: usize,
        day: i32,
        due: Option<i32>,
        goal: bool,
        planned: bool,
    },
    Fulfil {
        id: usize,
        units: u8,
        code: usize,
        day: i32,
    },
    Amend {
        id: usize,
        units: u8,
        due: Option<i32>,
        day: i32,
    },
    Cancel {
        id: usize,
        day: i32,
    },
    Return {
        id: usize,
        units: u8,
        day: i32,
    },
    Void {
        id: usize,
        day: i32,
    },
    Note {
        id: Option<usize>,
        day: i32,
    },
    Rename {
        from: usize,
        to: usize,
    },
    Rate {
        code: usize,
        mantissa: u16,
        goal: bool,
        day: i32,
    },
    Revise {
        units: u8,
        day: i32,
    },
}

const CODES: [&str; 3] = ["USD", "EUR", "JPY"];
const PARTIES: [&str; 4] = ["Germany", "Germny", "France", "Green Climate Fund"];

fn op() -> impl Strategy<Value = Op> {
    // Days from 2014-11-20; today is 2026-11-24, day 4387.
    let day = prop_oneof![8 => 0i32..4400, 1 => 4380i32..4400, 1 => 4387i32..40_000];
    let id = any::<usize>();
    prop_oneof![
        5 => (1u8.., 0usize..3, 0usize..4, day.clone(), proptest::option::of(-30i32..800), any::<bool>(), proptest::bool::weighted(0.1), proptest::bool::weighted(0.05))
            .prop_map(|(units, code, from, day, due, goal, planned, big)| Op::Add { units, big, code, from, day, due, goal, planned }),
        4 => (id, any::<u8>(), 0usize..3, day.clone()).prop_map(|(id, units, code, day)| Op::Fulfil { id, units, code, day }),
        2 => (id, any::<u8>(), proptest::option::of(-30i32..800), day.clone()).prop_map(|(id, units, due, day)| Op::Amend { id, units, due, day }),
        1 => (id, day.clone()).prop_map(|(id, day)| Op::Cancel { id, day }),
        2 => (id, any::<u8>(), day.clone()).prop_map(|(id, units, day)| Op::Return { id, units, day }),
        3 => (id, day.clone()).prop_map(|(id, day)| Op::Void { id, day }),
        1 => (proptest::option::of(id), day.clone()).prop_map(|(id, day)| Op::Note { id, day }),
        1 => (0usize..4, 0usize..4).prop_map(|(from, to)| Op::Rename { from, to }),
        1 => (0usize..3, any::<u16>(), any::<bool>(), day.clone()).prop_map(|(code, mantissa, goal, day)| Op::Rate { code, mantissa, goal, day }),
        1 => (any::<u8>(), day).prop_map(|(units, day)| Op::Revise { units, day }),
    ]
}

fn date(day: i32) -> String {
    Date::parse("2014-11-20")
        .unwrap()
        .checked_add_days(day)
        .unwrap()
        .to_string()
}

/// The command line for `op`, given how many records the ledger has.
fn command(op: &Op, records: usize) -> Vec<String> {
    let pick = |id: usize| (id % records.max(1)).to_string();
    let s = |v: &[&str]| v.iter().map(|a| (*a).to_string()).collect::<Vec<_>>();
    let mut args = match op {
        Op::Add {
            units,
            big,
            code,
            from,
            day,
            due,
            goal,
            planned,
        } => {
            let amount = if *big {
                "90,000,000,000,000,000".to_string()
            } else {
                format!("{units}M")
            };
            let mut a = s(&["add", &amount, CODES[*code], "--from", PARTIES[*from]]);
            a.extend(s(&["--to", "Green Climate Fund", "--date", &date(*day)]));
            if let Some(due) = due {
                a.extend(s(&["--due", &date(day + due)]));
            }
            if *goal {
                a.extend(s(&["--goal", "IRM"]));
            }
            if *planned {
                a.push("--planned".into());
            }
            a
        }
        Op::Fulfil {
            id,
            units,
            code,
            day,
        } => s(&[
            "fulfil",
            &pick(*id),
            &format!("{units}M"),
            CODES[*code],
            "--date",
            &date(*day),
        ]),
        Op::Amend {
            id,
            units,
            due,
            day,
        } => {
            let mut a = s(&["amend", &pick(*id)]);
            if *units > 0 || due.is_none() {
                a.extend(s(&[&format!("{units}M"), "USD"]));
            }
            if let Some(due) = due {
                a.extend(s(&["--due", &date(day + due)]));
            }
            a.extend(s(&["--reason", "revised", "--date", &date(*day)]));
            a
        }
        Op::Cancel { id, day } => {
            s(&["cancel", &pick(*id), "--reason", "r", "--date", &date(*day)])
        }
        Op::Return { id, units, day } => s(&[
            "return",
            &pick(*id),
            &format!("{units}M"),
            "USD",
            "--date",
            &date(*day),
        ]),
        Op::Void { id, day } => s(&[
            "void",
            &pick(*id),
            "--reason",
            "mistake",
            "--date",
            &date(*day),
        ]),
        Op::Note { id, day } => {
            let mut a = s(&["note", "n", "--date", &date(*day)]);
            if let Some(id) = id {
                a.extend(s(&["--on", &pick(*id)]));
            }
            a
        }
        Op::Rename { from, to } => s(&[
            "rename",
            "party",
            PARTIES[*from],
            PARTIES[*to],
            "--reason",
            "typo",
            "--date",
            &date(4000),
        ]),
        Op::Rate {
            code,
            mantissa,
            goal,
            day,
        } => {
            let mut a = s(&[
                "rate",
                CODES[*code],
                "USD",
                &format!("0.{mantissa:04}"),
                "--date",
                &date(*day),
            ]);
            if *goal {
                a.extend(s(&["--goal", "IRM"]));
            }
            a
        }
        Op::Revise { units, day } => s(&[
            "revise",
            "IRM",
            "--target",
            &format!("{}M", u16::from(*units) + 1),
            "USD",
            "--reason",
            "r",
            "--date",
            &date(*day),
        ]),
    };
    args.shrink_to_fit();
    args
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn accepted_commands_audit_clean(ops in proptest::collection::vec(op(), 1..40)) {
        let scratch = Scratch::empty();
        let setup: [&[&str]; 2] = [
            &["init", "--origin", "pledge.example/rules"],
            &["goal", "IRM", "--target", "1bn", "USD", "--date", "2014-11-20"],
        ];
        for args in setup {
            scratch.ok(args);
        }
        let mut records = 4;
        let mut accepted = 0;
        for op in &ops {
            let args = command(op, records);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let before = scratch.read("ledger.pledge");
            let output = scratch.run(&args);
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            match output.status.code() {
                Some(0) => {
                    records = count(&scratch.read("ledger.pledge"));
                    accepted += 1;
                }
                Some(2) => {
                    prop_assert_eq!(scratch.read("ledger.pledge"), before, "{:?} changed the file", args);
                    // One line, unless a warning about a likely typo came first.
                    let errors = stderr.lines().filter(|l| l.starts_with("error: ")).count();
                    prop_assert_eq!(errors, 1, "{:?}: {}", args, stderr);
                }
                other => prop_assert!(false, "{:?} exited {:?}: {}", args, other, stderr),
            }
        }
        prop_assume!(accepted > 0);
        let audit = scratch.run(&["audit"]);
        prop_assert!(
            audit.status.success(),
            "accepted commands audit clean; found:\n{}",
            String::from_utf8_lossy(&audit.stdout)
        );
        // And every read of it agrees.
        scratch.ok(&["report", "--format", "json"]);
        scratch.ok(&["list", "--format", "json"]);
    }
}

/// How many records a ledger holds.
fn count(bytes: &[u8]) -> usize {
    Scanner::new(bytes)
        .unwrap()
        .filter(|item| matches!(item, Item::Record { .. }))
        .count()
}

/// The ledger folded by the core, to build records past the CLI.
fn fold(bytes: &[u8]) -> State<Tables> {
    let mut state = State::default();
    for item in Scanner::new(bytes).unwrap() {
        if let Item::Record { record, .. } = item {
            state.apply(&record).unwrap();
        }
    }
    state
}

/// Commands that set the scene, the command that breaks a rule, and the same record built
/// directly.
struct Scene {
    setup: &'static [&'static [&'static str]],
    command: &'static [&'static str],
    record: fn(&State<Tables>) -> Entry,
}

/// One rule: its scene, and its words at the CLI and in the audit.
struct Case {
    scene: Scene,
    cli: LedgerError,
    audit: LedgerError,
}

impl Case {
    /// A rule said in the same words at both doors.
    fn of(rule: LedgerError, scene: Scene) -> Case {
        Case {
            scene,
            cli: rule,
            audit: rule,
        }
    }
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn usd(state: &State<Tables>, units: i64) -> Amount {
    Amount {
        units,
        commodity: state.find_commodity("USD").unwrap(),
    }
}

fn fulfil_8(state: &State<Tables>, units: i64, date: &str) -> Entry {
    Entry::Fulfil(Fulfil {
        date: day(date),
        pledge: 8,
        amount: usd(state, units),
        memo: None,
    })
}

#[test]
fn every_rule_is_refused_in_the_audits_words() {
    let cases: Vec<(&str, Case)> = vec![
        ("overfulfilment", {
            Case::of(
                LedgerError::Overfulfilment { outstanding: 0 },
                Scene {
                    setup: &[],
                    command: &[
                        "fulfil",
                        "8",
                        "100,000,000,000.01",
                        "USD",
                        "--date",
                        "2026-01-01",
                    ],
                    record: |s| fulfil_8(s, 10_000_000_000_001, "2026-01-01"),
                },
            )
        }),
        ("amend below fulfilled", {
            Case::of(
                LedgerError::AmendBelowFulfilled { fulfilled: 0 },
                Scene {
                    setup: &[&["fulfil", "8", "30bn", "USD", "--date", "2026-01-01"]],
                    command: &[
                        "amend",
                        "8",
                        "10bn",
                        "USD",
                        "--reason",
                        "r",
                        "--date",
                        "2026-01-02",
                    ],
                    record: |s| {
                        Entry::Amend(Amend {
                            date: day("2026-01-02"),
                            pledge: 8,
                            amount: usd(s, 1_000_000_000_000),
                            reason: text("r").unwrap(),
                        })
                    },
                },
            )
        }),
        ("event on a cancelled pledge", {
            Case::of(
                LedgerError::PledgeCancelled(8),
                Scene {
                    setup: &[&["cancel", "8", "--reason", "r", "--date", "2026-01-01"]],
                    command: &["fulfil", "8", "1", "USD", "--date", "2026-01-02"],
                    record: |s| fulfil_8(s, 100, "2026-01-02"),
                },
            )
        }),
        ("cancel a fulfilled pledge", {
            Case::of(
                LedgerError::PledgeFulfilled(8),
                Scene {
                    setup: &[&["fulfil", "8", "--date", "2026-01-01"]],
                    command: &["cancel", "8", "--reason", "r", "--date", "2026-01-02"],
                    record: |_| {
                        Entry::Cancel(Cancel {
                            date: day("2026-01-02"),
                            pledge: 8,
                            reason: text("r").unwrap(),
                        })
                    },
                },
            )
        }),
        ("another commodity", {
            Case::of(
                LedgerError::CommodityMismatch,
                Scene {
                    setup: &[],
                    command: &["fulfil", "8", "1", "trees", "--date", "2026-01-01"],
                    record: |s| {
                        Entry::Fulfil(Fulfil {
                            date: day("2026-01-01"),
                            pledge: 8,
                            amount: Amount {
                                units: 1,
                                commodity: s.find_commodity("trees").unwrap(),
                            },
                            memo: None,
                        })
                    },
                },
            )
        }),
        ("amount not positive", {
            Case::of(
                LedgerError::AmountNotPositive,
                Scene {
                    setup: &[],
                    command: &[
                        "amend",
                        "8",
                        "0",
                        "USD",
                        "--reason",
                        "r",
                        "--date",
                        "2026-01-01",
                    ],
                    record: |s| {
                        Entry::Amend(Amend {
                            date: day("2026-01-01"),
                            pledge: 8,
                            amount: usd(s, 0),
                            reason: text("r").unwrap(),
                        })
                    },
                },
            )
        }),
        ("due before the pledge", {
            Case::of(
                LedgerError::DueBeforeDate,
                Scene {
                    setup: &[],
                    // (A pledge's own due date cannot even be encoded before its date.)
                    command: &[
                        "amend",
                        "8",
                        "--due",
                        "2025-10-01",
                        "--reason",
                        "r",
                        "--date",
                        "2026-01-01",
                    ],
                    record: |_| {
                        Entry::Reschedule(ledger_core::entry::Reschedule {
                            date: day("2026-01-01"),
                            pledge: 8,
                            due: Some(day("2025-10-01")),
                            reason: text("r").unwrap(),
                        })
                    },
                },
            )
        }),
        ("dated before its pledge", {
            Case::of(
                LedgerError::DateBeforeSubject,
                Scene {
                    setup: &[],
                    command: &["fulfil", "8", "1", "USD", "--date", "2025-10-27"],
                    record: |s| fulfil_8(s, 100, "2025-10-27"),
                },
            )
        }),
        ("dated after today", {
            // The audit allows a writer a day ahead of it (time zones); the words are the same.
            let date = day("2026-11-27");
            Case {
                scene: Scene {
                    setup: &[],
                    command: &["fulfil", "8", "1", "USD", "--date", "2026-11-27"],
                    record: |s| fulfil_8(s, 100, "2026-11-27"),
                },
                cli: LedgerError::FutureDate {
                    date,
                    today: day("2026-11-24"),
                },
                audit: LedgerError::FutureDate {
                    date,
                    today: day("2026-11-25"),
                },
            }
        }),
        ("event on a void pledge", {
            Case::of(
                LedgerError::Voided(8),
                Scene {
                    setup: &[&["void", "8", "--reason", "twice", "--date", "2026-01-01"]],
                    command: &["fulfil", "8", "1", "USD", "--date", "2026-01-02"],
                    record: |s| fulfil_8(s, 100, "2026-01-02"),
                },
            )
        }),
        ("void a declaration", {
            Case::of(
                LedgerError::NotVoidable(2),
                Scene {
                    setup: &[],
                    command: &["void", "2", "--reason", "r", "--date", "2026-01-01"],
                    record: |_| void(2, "2026-01-01"),
                },
            )
        }),
        ("void what a later record needs", {
            // #23 raises pledge #8 to 150bn; #24 delivers 120bn of it.
            Case::of(
                LedgerError::VoidBreaks { dependent: 24 },
                Scene {
                    setup: &[
                        &[
                            "amend",
                            "8",
                            "150bn",
                            "USD",
                            "--reason",
                            "r",
                            "--date",
                            "2026-01-01",
                        ],
                        &["fulfil", "8", "120bn", "USD", "--date", "2026-01-02"],
                    ],
                    command: &["void", "23", "--reason", "r", "--date", "2026-01-03"],
                    record: |_| void(23, "2026-01-03"),
                },
            )
        }),
        ("return more than fulfilled", {
            Case::of(
                LedgerError::ReturnExceedsFulfilled { fulfilled: 0 },
                Scene {
                    setup: &[],
                    command: &["return", "8", "1", "USD", "--date", "2026-01-01"],
                    record: |s| {
                        Entry::Return(Return {
                            date: day("2026-01-01"),
                            pledge: 8,
                            amount: usd(s, 100),
                            memo: None,
                        })
                    },
                },
            )
        }),
        ("rename into itself", {
            Case::of(
                LedgerError::RenameInvalid,
                Scene {
                    setup: &[],
                    command: &[
                        "rename",
                        "party",
                        "Japan",
                        "Japan",
                        "--reason",
                        "r",
                        "--date",
                        "2026-01-01",
                    ],
                    record: |s| {
                        let japan = s
                            .find_name(ledger_core::state::NameKind::Party, "Japan")
                            .unwrap();
                        Entry::Rename(Rename {
                            date: day("2026-01-01"),
                            kind: RenameKind::Party,
                            from: japan,
                            to: japan,
                            reason: text("r").unwrap(),
                        })
                    },
                },
            )
        }),
        ("rate of a commodity in itself", {
            Case::of(
                LedgerError::RateInvalid,
                Scene {
                    setup: &[],
                    command: &["rate", "USD", "USD", "1", "--date", "2026-01-01"],
                    record: |s| {
                        let usd = s.find_commodity("USD").unwrap();
                        Entry::Rate(ledger_core::entry::Rate {
                            date: day("2026-01-01"),
                            base: usd,
                            quote: usd,
                            rate: ledger_core::entry::ExactRate {
                                mantissa: 1,
                                scale: 0,
                            },
                            goal: None,
                        })
                    },
                },
            )
        }),
        ("a total beyond 64 bits", {
            Case::of(
                LedgerError::TotalTooLarge,
                Scene {
                    setup: &[&[
                        "add",
                        "92,000,000,000,000,000",
                        "USD",
                        "--from",
                        "Japan",
                        "--to",
                        "United States",
                        "--date",
                        "2026-01-01",
                    ]],
                    command: &[
                        "add",
                        "1,000,000,000,000,000",
                        "USD",
                        "--from",
                        "Japan",
                        "--to",
                        "United States",
                        "--date",
                        "2026-01-02",
                    ],
                    record: |s| pledge(s, "2026-01-02", 100_000_000_000_000_000),
                },
            )
        }),
        ("a goal set twice", {
            Case::of(
                LedgerError::DuplicateGoal,
                Scene {
                    setup: &[],
                    command: &[
                        "goal",
                        "Japanese investment in the US",
                        "--target",
                        "1",
                        "USD",
                        "--date",
                        "2026-01-01",
                    ],
                    record: |s| {
                        Entry::Goal(Goal {
                            date: day("2026-01-01"),
                            name: name("Japanese investment in the US").unwrap(),
                            beneficiary: None,
                            target: usd(s, 100),
                            deadline: None,
                            memo: None,
                        })
                    },
                },
            )
        }),
        ("no such pledge", {
            // (A reference forward cannot even be encoded: #2 is a party.)
            Case::of(
                LedgerError::UnknownPledge(2),
                Scene {
                    setup: &[],
                    command: &["fulfil", "2", "1", "USD", "--date", "2026-01-01"],
                    record: |s| {
                        Entry::Fulfil(Fulfil {
                            date: day("2026-01-01"),
                            pledge: 2,
                            amount: usd(s, 100),
                            memo: None,
                        })
                    },
                },
            )
        }),
        ("a commodity declared twice", {
            Case::of(
                LedgerError::DuplicateName,
                Scene {
                    setup: &[],
                    command: &["commodity", "trees", "--decimals", "0"],
                    record: |_| commodity("trees", 0),
                },
            )
        }),
        ("a commodity code out of syntax", {
            Case::of(
                LedgerError::CodeInvalid,
                Scene {
                    setup: &[],
                    command: &["commodity", "9 $", "--decimals", "0"],
                    record: |_| commodity("9 $", 0),
                },
            )
        }),
        ("too many decimal places", {
            Case::of(
                LedgerError::DecimalsOutOfRange,
                Scene {
                    setup: &[],
                    command: &["commodity", "grains", "--decimals", "19"],
                    record: |_| commodity("grains", 19),
                },
            )
        }),
    ];
    let mut seen = Vec::new();
    for (what, case) in cases {
        // At write time.
        let scratch = Scratch::example();
        for args in case.scene.setup {
            scratch.ok(args);
        }
        let before = scratch.read("ledger.pledge");
        let refused = scratch.run(case.scene.command);
        let stderr = String::from_utf8(refused.stderr).unwrap();
        assert_eq!(refused.status.code(), Some(2), "{what}: {stderr}");
        assert_eq!(scratch.read("ledger.pledge"), before, "{what}");
        let words = rule_words(&case.cli);
        assert!(
            stderr.contains(&words),
            "{what}: the CLI said {stderr:?}, not the rule's words {words:?}"
        );
        // In the audit, of the same record written past the CLI.
        let state = fold(&before);
        let record = Record {
            seq: state.next_seq(),
            entry: (case.scene.record)(&state),
        };
        let mut frame = [0u8; MAX_FRAME];
        let len = encode_frame(&record, &mut frame).unwrap();
        let mut bytes = before.clone();
        bytes.extend_from_slice(&frame[..len]);
        std::fs::write(scratch.path("ledger.pledge"), &bytes).unwrap();
        let audit = scratch.run(&["audit", "--format", "json"]);
        assert_eq!(audit.status.code(), Some(1), "{what}: the audit finds it");
        let json: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
        let findings = json["files"][0]["findings"].as_array().unwrap();
        let words = rule_words(&case.audit);
        assert!(
            findings
                .iter()
                .any(|f| f["kind"] == "rule" && f["message"].as_str().unwrap().contains(&words)),
            "{what}: the audit said {findings:?}, not the rule's words {words:?}"
        );
        seen.push(std::mem::discriminant(&case.cli));
    }
    // Every rule a recorder can break is here (the rest are structural: sequence numbers, the
    // open record, undeclared ids, checkpoint sizes, capacities and renames of names never
    // declared are not reachable from the CLI, which builds those fields itself).
    assert_eq!(seen.len(), 21);
}

/// The rule's words: the core's message without the figures that differ between a writer's
/// and an auditor's view (an amount outstanding, today).
fn rule_words(error: &LedgerError) -> String {
    let text = error.to_string();
    match error {
        LedgerError::FutureDate { .. } => "only a pledge marked planned may be dated ahead".into(),
        _ => text,
    }
}

fn pledge(state: &State<Tables>, date: &str, units: i64) -> Entry {
    let party = |n| {
        PartyId(
            state
                .find_name(ledger_core::state::NameKind::Party, n)
                .unwrap(),
        )
    };
    Entry::Pledge(Pledge {
        date: day(date),
        from: party("Japan"),
        to: party("United States"),
        amount: usd(state, units),
        goal: None,
        project: None,
        sector: None,
        tags: Tags::new(),
        due: None,
        memo: None,
        planned: false,
    })
}

/// A commodity declaration as written, its code unchecked (a record past the CLI).
fn commodity(code: &str, decimals: u8) -> Entry {
    Entry::Commodity(ledger_core::Commodity {
        code: ledger_core::amount::Code::try_from(code).unwrap(),
        decimals,
    })
}

fn void(record: u32, date: &str) -> Entry {
    Entry::Void(Void {
        date: day(date),
        record,
        reason: text("r").unwrap(),
    })
}
