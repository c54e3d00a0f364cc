//! `pledge report`: progress toward each goal, and what lies outside any goal; or, with
//! `--by`, totals broken down by pledger, beneficiary, project, sector, commodity or goal.

use ledger_core::report::{self, Key, Percent, Row, Totals};
use ledger_core::{CommodityId, LedgerError};
use serde::Serialize;

use super::{Context, parse_date};
use crate::cli::Format;
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::output::{Cell, Column, Money, Sheet, print, print_json};
use crate::tables::{Grow, State};

#[derive(Debug, Serialize)]
pub(super) struct GoalsJson {
    as_of: Option<String>,
    goals: Vec<GoalJson>,
    outside_goals: Vec<TotalsJson>,
}

#[derive(Debug, Serialize)]
struct GoalJson {
    id: u32,
    name: String,
    beneficiary: Option<String>,
    deadline: Option<String>,
    target: Money,
    committed: Money,
    fulfilled: Money,
    remaining: Money,
    committed_percent: String,
    fulfilled_percent: String,
    pledges: u32,
    cancelled: u32,
}

#[derive(Debug, Serialize)]
struct BreakdownJson {
    as_of: Option<String>,
    by: &'static str,
    rows: Vec<TotalsJson>,
}

#[derive(Debug, Serialize)]
struct TotalsJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<Option<String>>,
    commodity: String,
    committed: Money,
    fulfilled: Money,
    outstanding: Money,
    pledges: u32,
    cancelled: u32,
}

pub fn run(context: &Context, by: Option<Key>, as_of: Option<&str>, format: Format) -> Result<()> {
    let as_of = as_of.map(|d| parse_date("--as-of", d)).transpose()?;
    let ledger = ledger_file::read(context.path()?, as_of, &context.keys)?;
    let state = &ledger.state;
    let as_of = as_of.map(|d| d.to_string());
    match by {
        None => goals(state, as_of, format),
        Some(by) => breakdown(state, by, as_of, format),
    }
}

fn goals(state: &State, as_of: Option<String>, format: Format) -> Result<()> {
    let report = goals_data(state, as_of)?;
    match format {
        Format::Json => print_json(&report),
        Format::Csv => print(&goal_sheet(&report.goals, &report.outside_goals).csv()?),
        Format::Table => print(&goals_table(&report)),
    }
}

/// Progress toward every goal and the totals outside any goal, as `report --format json` has
/// them (also what `audit` reproduces).
pub(super) fn goals_data(state: &State, as_of: Option<String>) -> Result<GoalsJson> {
    let mut totals: Grow<Totals> = Grow::default();
    report::goal_totals(state, &mut totals).map_err(overflow)?;
    let mut goals = Vec::new();
    for progress in report::goal_progress(state, ledger_core::slots::Slots::as_slice(&totals)) {
        let goal = progress.goal;
        let money = |units: i64| Money::new(state, units, goal.target.commodity);
        goals.push(GoalJson {
            id: goal.seq,
            name: goal.name.to_string(),
            beneficiary: goal
                .beneficiary
                .and_then(|b| state.name(ledger_core::state::NameKind::Party, b.0))
                .map(|n| n.to_string()),
            deadline: goal.deadline.map(|d| d.to_string()),
            target: money(goal.target.units),
            committed: money(progress.totals.committed),
            fulfilled: money(progress.totals.fulfilled),
            remaining: money(progress.remaining().map_err(overflow)?),
            committed_percent: percent(progress.committed_share()),
            fulfilled_percent: percent(progress.fulfilled_share()),
            pledges: progress.totals.pledges,
            cancelled: progress.totals.cancelled,
        });
    }
    let mut rows: Grow<Row> = Grow::default();
    report::breakdown(state, Key::Goal, &mut rows).map_err(overflow)?;
    let outside_goals: Vec<TotalsJson> = ledger_core::slots::Slots::as_slice(&rows)
        .iter()
        .filter(|row| row.key.is_none())
        .map(|row| totals_json(state, None, row.commodity, &row.totals))
        .collect::<Result<_>>()?;
    Ok(GoalsJson {
        as_of,
        goals,
        outside_goals,
    })
}

/// The goal report as tables for people.
pub(super) fn goals_table(report: &GoalsJson) -> String {
    let mut text = String::new();
    if let Some(date) = &report.as_of {
        text.push_str(&format!("As of {date}\n\n"));
    }
    if report.goals.is_empty() {
        text.push_str("No goals.\n");
    } else {
        text.push_str(&goal_sheet(&report.goals, &[]).table());
    }
    if !report.outside_goals.is_empty() {
        text.push_str("\nPledges outside any goal\n");
        text.push_str(&totals_sheet(None, &report.outside_goals).table());
    }
    text
}

const GOAL_COLUMNS: &[Column] = &[
    Column::right("ID", "id"),
    Column::left("Goal", "goal"),
    Column::right("Target", "target"),
    Column::right("Committed", "committed"),
    Column::right("%", "committed_percent"),
    Column::right("Fulfilled", "fulfilled"),
    Column::right("%", "fulfilled_percent"),
    Column::right("Remaining", "remaining"),
    Column::csv_only("commodity"),
    Column::right("Pledges", "pledges"),
    Column::right("Cancelled", "cancelled"),
];

/// Goals; for CSV, `outside` adds the totals outside any goal as rows with no goal.
fn goal_sheet(goals: &[GoalJson], outside: &[TotalsJson]) -> Sheet {
    let mut sheet = Sheet::new(GOAL_COLUMNS);
    for g in goals {
        sheet.push(vec![
            Cell::text(g.id.to_string()),
            Cell::text(&g.name),
            Cell::money(&g.target),
            Cell::money(&g.committed),
            with_sign(&g.committed_percent),
            Cell::money(&g.fulfilled),
            with_sign(&g.fulfilled_percent),
            Cell::money(&g.remaining),
            Cell::text(&g.target.commodity),
            Cell::text(g.pledges.to_string()),
            Cell::text(g.cancelled.to_string()),
        ]);
    }
    for t in outside {
        sheet.push(vec![
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
            Cell::money(&t.committed),
            Cell::text(""),
            Cell::money(&t.fulfilled),
            Cell::text(""),
            Cell::text(""),
            Cell::text(&t.commodity),
            Cell::text(t.pledges.to_string()),
            Cell::text(t.cancelled.to_string()),
        ]);
    }
    sheet
}

fn with_sign(percent: &str) -> Cell {
    if percent.is_empty() {
        Cell::text("")
    } else {
        Cell::pair(format!("{percent}%"), percent)
    }
}

fn breakdown(state: &State, by: Key, as_of: Option<String>, format: Format) -> Result<()> {
    let key = by;
    let mut rows: Grow<Row> = Grow::default();
    report::breakdown(state, key, &mut rows).map_err(overflow)?;
    let keyed = key != Key::Commodity;
    let rows: Vec<TotalsJson> = ledger_core::slots::Slots::as_slice(&rows)
        .iter()
        .map(|row| {
            let name = keyed.then(|| report::key_name(state, key, row.key).map(str::to_string));
            totals_json(state, name, row.commodity, &row.totals)
        })
        .collect::<Result<_>>()?;
    let word = key.name();
    match format {
        Format::Json => print_json(&BreakdownJson {
            as_of,
            by: word,
            rows,
        }),
        Format::Csv => print(&totals_sheet(keyed.then_some(word), &rows).csv()?),
        Format::Table if rows.is_empty() => print("no pledges\n"),
        Format::Table => {
            let heading = as_of.map(|d| format!("As of {d}\n\n")).unwrap_or_default();
            print(&(heading + &totals_sheet(keyed.then_some(word), &rows).table()))
        }
    }
}

fn totals_json(
    state: &State,
    key: Option<Option<String>>,
    commodity: CommodityId,
    totals: &Totals,
) -> Result<TotalsJson> {
    let money = |units: i64| Money::new(state, units, commodity);
    Ok(TotalsJson {
        key,
        commodity: state
            .commodity(commodity)
            .map_or_else(String::new, |c| c.code.to_string()),
        committed: money(totals.committed),
        fulfilled: money(totals.fulfilled),
        outstanding: money(totals.outstanding().map_err(overflow)?),
        pledges: totals.pledges,
        cancelled: totals.cancelled,
    })
}

fn totals_sheet(key: Option<&'static str>, rows: &[TotalsJson]) -> Sheet {
    let key_column = key.map(|word| match word {
        "pledger" => Column::left("Pledger", "pledger"),
        "beneficiary" => Column::left("Beneficiary", "beneficiary"),
        "project" => Column::left("Project", "project"),
        "sector" => Column::left("Sector", "sector"),
        _ => Column::left("Goal", "goal"),
    });
    let mut columns: Vec<Column> = key_column.into_iter().collect();
    columns.extend_from_slice(&[
        Column::left("Commodity", "commodity"),
        Column::right("Committed", "committed"),
        Column::right("Fulfilled", "fulfilled"),
        Column::right("Outstanding", "outstanding"),
        Column::right("Pledges", "pledges"),
        Column::right("Cancelled", "cancelled"),
    ]);
    let mut sheet = Sheet::new(&columns);
    for row in rows {
        let mut cells = Vec::new();
        if let Some(name) = &row.key {
            // People read "(none)"; programs get an empty field.
            cells.push(
                name.as_deref()
                    .map_or_else(|| Cell::pair("(none)", ""), Cell::text),
            );
        }
        cells.extend([
            Cell::text(&row.commodity),
            Cell::money(&row.committed),
            Cell::money(&row.fulfilled),
            Cell::money(&row.outstanding),
            Cell::text(row.pledges.to_string()),
            Cell::text(row.cancelled.to_string()),
        ]);
        sheet.push(cells);
    }
    sheet
}

fn percent(share: Option<Percent>) -> String {
    share.map_or_else(String::new, |p| {
        let text = p.to_string();
        text.trim_end_matches('%').to_string()
    })
}

fn overflow(error: LedgerError) -> CliError {
    CliError::failure(format!("cannot total the ledger: {error}"))
}
