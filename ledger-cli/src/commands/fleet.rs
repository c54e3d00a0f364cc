//! `pledge report FILE…`: one report over many ledgers (a fleet: one per device, say). Each
//! ledger is read, checked and totalled on its own core, as `report` does for one; the parts
//! are then summed by name and commodity code with the core's `Totals::merge`. Goals are
//! matched by name and must have the same target in every ledger; each ledger converts other
//! commodities at its own recorded rates, so a goal's converted total is the sum of the
//! ledgers' converted totals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ledger_core::entry::GoalId;
use ledger_core::report::{self, Key, Percent, Row, Totals};
use ledger_core::slots::Slots;
use ledger_core::state::NameKind;

use super::Context;
use super::report::{
    BreakdownJson, GoalCommodityJson, GoalJson, GoalsJson, TotalsJson, goal_figures, goal_sheet,
    goals_table, overflow, percent, totals_json_of, totals_sheet,
};
use crate::cli::{Format, ViewArgs};
use crate::error::{CliError, Result};
use crate::ledger_file::{self, View};
use crate::output::{Money, print, print_json};
use crate::tables::Grow;

/// One ledger's share of the report.
struct Part {
    file: String,
    /// Totals by key (or by goal) and commodity: (key name, code, decimals, totals).
    rows: Vec<(Option<String>, String, u8, Totals)>,
    /// Each goal's figures in its target's commodity (without `--by`).
    goals: Vec<GoalPart>,
}

struct GoalPart {
    name: String,
    beneficiary: Option<String>,
    deadline: Option<String>,
    /// Units, code, decimals.
    target: (i64, String, u8),
    committed: i64,
    fulfilled: i64,
    /// Commodities this ledger has no rate for.
    unconverted: Vec<String>,
}

/// A report over `files`, read side by side.
pub(super) fn report(
    context: &Context,
    files: &[PathBuf],
    by: Option<Key>,
    view: &ViewArgs,
    format: Format,
) -> Result<()> {
    if let Some(n) = &view.known_at {
        return Err(CliError::input(format!(
            "--known-at '{n}': a record number belongs to one ledger; report on one ledger to use it"
        )));
    }
    let view = context.view(view.as_of.as_deref(), None)?;
    let parts = super::in_parallel(files, |path| part(context, path, by, view))
        .into_iter()
        .collect::<Result<Vec<Part>>>()?;
    let ledgers = Some(parts.iter().map(|p| p.file.clone()).collect::<Vec<_>>());
    let as_of = view.as_of.map(|d| d.to_string());
    let rows = merged_rows(&parts)?;
    match by {
        Some(key) => {
            let keyed = key != Key::Commodity;
            let word = key.name();
            let rows: Vec<TotalsJson> = rows
                .iter()
                .map(|((name, code), (decimals, totals))| {
                    totals_json_of(keyed.then(|| name.clone()), code, *decimals, totals)
                })
                .collect::<Result<_>>()?;
            match format {
                Format::Json => print_json(&BreakdownJson {
                    ledgers,
                    as_of,
                    known_at: None,
                    by: word,
                    rows,
                }),
                Format::Csv => print(&totals_sheet(keyed.then_some(word), &rows).csv()?),
                Format::Table => {
                    let heading = heading(&parts, as_of.as_deref());
                    print(&(heading + &totals_sheet(keyed.then_some(word), &rows).table()))
                }
            }
        }
        None => {
            let report = GoalsJson {
                ledgers,
                as_of: as_of.clone(),
                known_at: None,
                goals: merged_goals(&parts, &rows)?,
                outside_goals: rows
                    .iter()
                    .filter(|((goal, _), _)| goal.is_none())
                    .map(|((_, code), (decimals, totals))| {
                        totals_json_of(None, code, *decimals, totals)
                    })
                    .collect::<Result<_>>()?,
            };
            match format {
                Format::Json => print_json(&report),
                Format::Csv => print(&goal_sheet(&report.goals, &report.outside_goals).csv()?),
                Format::Table => {
                    let heading = heading(&parts, None);
                    print(&(heading + &goals_table(&report)))
                }
            }
        }
    }
}

/// "Across 3 ledgers: a.pledge, b.pledge, c.pledge".
fn heading(parts: &[Part], as_of: Option<&str>) -> String {
    let names: Vec<&str> = parts.iter().map(|p| p.file.as_str()).collect();
    let mut text = format!("Across {} ledgers: {}\n\n", parts.len(), names.join(", "));
    if let Some(date) = as_of {
        text.push_str(&format!("As of {date}\n\n"));
    }
    text
}

/// Reads one ledger and totals it.
fn part(context: &Context, path: &Path, by: Option<Key>, view: View) -> Result<Part> {
    let ledger = ledger_file::read(path, view, &context.keys)?;
    let state = &ledger.state;
    let key = by.unwrap_or(Key::Goal);
    let mut grown: Grow<Row> = Grow::default();
    report::breakdown(state, key, &mut grown).map_err(overflow)?;
    let rows = Slots::as_slice(&grown);
    let commodity = |id| {
        state
            .commodity(id)
            .map_or(("?".to_string(), 0), |c| (c.code.to_string(), c.decimals))
    };
    let named = rows
        .iter()
        .map(|row| {
            let (code, decimals) = commodity(row.commodity);
            let name = report::key_name(state, key, row.key).map(str::to_string);
            (name, code, decimals, row.totals)
        })
        .collect();
    let mut goals = Vec::new();
    if by.is_none() {
        for (index, goal) in state.goals().iter().enumerate() {
            let id = GoalId(
                u32::try_from(index).map_err(|_| overflow(ledger_core::LedgerError::Overflow))?,
            );
            if !state.counts(goal.date) || state.current_goal(id) != id {
                continue;
            }
            let figures = goal_figures(state, id, goal, rows)?;
            let (code, decimals) = commodity(goal.target.commodity);
            goals.push(GoalPart {
                name: goal.name.to_string(),
                beneficiary: goal
                    .beneficiary
                    .and_then(|b| state.current_name(NameKind::Party, b.0))
                    .map(|n| n.to_string()),
                deadline: goal.deadline.map(|d| d.to_string()),
                target: (goal.target.units, code, decimals),
                committed: figures.committed,
                fulfilled: figures.fulfilled,
                unconverted: figures
                    .commodities
                    .iter()
                    .filter(|c| c.in_target.is_none())
                    .map(|c| commodity(c.commodity).0)
                    .collect(),
            });
        }
    }
    Ok(Part {
        file: path.display().to_string(),
        rows: named,
        goals,
    })
}

/// A key (or goal) name and a commodity code, and what they add up to: (decimals, totals).
type Merged = Vec<((Option<String>, String), (u8, Totals))>;

/// Every ledger's rows summed by key and commodity code; keys in order, rows without one last.
fn merged_rows(parts: &[Part]) -> Result<Merged> {
    let mut merged: BTreeMap<(Option<String>, String), (u8, Totals)> = BTreeMap::new();
    for part in parts {
        for (key, code, decimals, totals) in &part.rows {
            let entry = merged
                .entry((key.clone(), code.clone()))
                .or_insert((*decimals, Totals::default()));
            if entry.0 != *decimals {
                return Err(CliError::input(format!(
                    "{}: commodity {code} has {decimals} decimal places here and {} in another \
                     ledger; a report across ledgers needs one",
                    part.file, entry.0
                )));
            }
            entry.1.merge(totals).map_err(overflow)?;
        }
    }
    // BTreeMap puts `None` first; a report lists pledges without a key last.
    let (none, some): (Merged, Merged) = merged.into_iter().partition(|((k, _), _)| k.is_none());
    Ok(some.into_iter().chain(none).collect())
}

/// The goals of every ledger, matched by name (in the order they first appear).
fn merged_goals(parts: &[Part], rows: &Merged) -> Result<Vec<GoalJson>> {
    let mut order: Vec<String> = Vec::new();
    let mut goals: BTreeMap<String, (GoalPart, String)> = BTreeMap::new();
    for part in parts {
        for goal in &part.goals {
            match goals.get_mut(&goal.name) {
                None => {
                    order.push(goal.name.clone());
                    goals.insert(
                        goal.name.clone(),
                        (
                            GoalPart {
                                name: goal.name.clone(),
                                beneficiary: goal.beneficiary.clone(),
                                deadline: goal.deadline.clone(),
                                target: goal.target.clone(),
                                committed: goal.committed,
                                fulfilled: goal.fulfilled,
                                unconverted: goal.unconverted.clone(),
                            },
                            part.file.clone(),
                        ),
                    );
                }
                Some((sum, first)) => {
                    if sum.target != goal.target {
                        let show = |(units, code, decimals): &(i64, String, u8)| {
                            Money::of(*units, code, *decimals).human()
                        };
                        return Err(CliError::input(format!(
                            "goal '{}': target {} in {first} but {} in {}; a report across \
                             ledgers needs the same target (`pledge revise`)",
                            goal.name,
                            show(&sum.target),
                            show(&goal.target),
                            part.file
                        )));
                    }
                    sum.committed = sum
                        .committed
                        .checked_add(goal.committed)
                        .ok_or_else(|| overflow(ledger_core::LedgerError::Overflow))?;
                    sum.fulfilled = sum
                        .fulfilled
                        .checked_add(goal.fulfilled)
                        .ok_or_else(|| overflow(ledger_core::LedgerError::Overflow))?;
                    for code in &goal.unconverted {
                        if !sum.unconverted.contains(code) {
                            sum.unconverted.push(code.clone());
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for name in order {
        let Some((goal, _)) = goals.remove(&name) else {
            continue;
        };
        let (units, code, decimals) = &goal.target;
        let money = |value: i64| Money::of(value, code, *decimals);
        let mut pledges: u32 = 0;
        let mut cancelled: u32 = 0;
        let mut commodities = Vec::new();
        // The target's own commodity first, then the others by code.
        let mut mine: Vec<_> = rows
            .iter()
            .filter(|((key, _), _)| key.as_deref() == Some(name.as_str()))
            .collect();
        mine.sort_by_key(|((_, c), _)| (c != code, c.clone()));
        for ((_, commodity), (places, totals)) in mine {
            pledges = pledges.saturating_add(totals.pledges);
            cancelled = cancelled.saturating_add(totals.cancelled);
            commodities.push(GoalCommodityJson {
                totals: totals_json_of(None, commodity, *places, totals)?,
                conversion: None,
            });
        }
        let remaining = units
            .checked_sub(goal.committed)
            .ok_or_else(|| overflow(ledger_core::LedgerError::Overflow))?;
        let mut unconverted = goal.unconverted.clone();
        unconverted.sort();
        out.push(GoalJson {
            id: None,
            name: goal.name,
            beneficiary: goal.beneficiary,
            deadline: goal.deadline,
            target: money(*units),
            committed: money(goal.committed),
            fulfilled: money(goal.fulfilled),
            remaining: money(remaining),
            committed_percent: percent(Percent::of(goal.committed, *units)),
            fulfilled_percent: percent(Percent::of(goal.fulfilled, *units)),
            pledges,
            cancelled,
            commodities,
            unconverted,
        });
    }
    Ok(out)
}
