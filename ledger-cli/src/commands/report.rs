//! `pledge report`: progress toward each goal, and what lies outside any goal; or, with
//! `--by`, totals broken down by pledger, beneficiary, project, sector, commodity or goal.

use ledger_core::convert;
use ledger_core::entry::GoalId;
use ledger_core::report::{self, Key, Percent, Row, Totals};
use ledger_core::state::{GoalState, NameKind};
use ledger_core::{CommodityId, LedgerError};
use serde::Serialize;

use super::Context;
use crate::cli::{Format, ViewArgs};
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::output::{Cell, Column, Money, Sheet, print, print_json};
use crate::tables::{Grow, State};

#[derive(Debug, Serialize)]
pub(super) struct GoalsJson {
    /// The ledgers reported on together (`report FILE…`); absent for one ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) ledgers: Option<Vec<String>>,
    pub(super) as_of: Option<String>,
    pub(super) known_at: Option<u32>,
    pub(super) goals: Vec<GoalJson>,
    pub(super) outside_goals: Vec<TotalsJson>,
}

#[derive(Debug, Serialize)]
pub(super) struct GoalJson {
    /// The goal's record; `null` across several ledgers (each has its own).
    pub(super) id: Option<u32>,
    pub(super) name: String,
    pub(super) beneficiary: Option<String>,
    pub(super) deadline: Option<String>,
    pub(super) target: Money,
    /// Converted into the target's commodity where a rate allows; see `commodities`.
    pub(super) committed: Money,
    pub(super) fulfilled: Money,
    pub(super) remaining: Money,
    pub(super) committed_percent: String,
    pub(super) fulfilled_percent: String,
    pub(super) pledges: u32,
    pub(super) cancelled: u32,
    /// One row per commodity pledged toward the goal, never added together.
    pub(super) commodities: Vec<GoalCommodityJson>,
    /// Commodities pledged toward the goal that no rate converts: left out of `committed`.
    pub(super) unconverted: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct GoalCommodityJson {
    #[serde(flatten)]
    pub(super) totals: TotalsJson,
    /// How this commodity was converted into the target's, if it is not the target's own.
    pub(super) conversion: Option<ConversionJson>,
}

#[derive(Debug, Serialize)]
pub(super) struct ConversionJson {
    /// `1 EUR = 1.2654 USD`, as recorded.
    rate: String,
    /// The rate record's id and date.
    rate_id: u32,
    rate_date: String,
    /// Whether the goal fixed it as its reference rate.
    goal_rate: bool,
    committed: Money,
    fulfilled: Money,
}

#[derive(Debug, Serialize)]
pub(super) struct BreakdownJson {
    /// The ledgers reported on together (`report FILE…`); absent for one ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) ledgers: Option<Vec<String>>,
    pub(super) as_of: Option<String>,
    pub(super) known_at: Option<u32>,
    pub(super) by: &'static str,
    pub(super) rows: Vec<TotalsJson>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct TotalsJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<Option<String>>,
    commodity: String,
    pledged: Money,
    amended: Money,
    cancelled_amount: Money,
    committed: Money,
    fulfilled: Money,
    returned: Money,
    outstanding: Money,
    pledges: u32,
    cancelled: u32,
}

/// The report of one ledger: `file`, or the `--file` ledger.
pub fn run(
    context: &Context,
    file: Option<&std::path::PathBuf>,
    by: Option<Key>,
    view: &ViewArgs,
    format: Format,
) -> Result<()> {
    let view = context.view(view.as_of.as_deref(), view.known_at.as_deref())?;
    let path = match file {
        Some(path) => path.as_path(),
        None => context.path()?,
    };
    // Every view but the whole ledger's needs the records themselves.
    if view.as_of.is_none()
        && view.known_at.is_none()
        && let Some(cached) = ledger_file::read_cached(path, &context.keys, &[])?
    {
        let state = cached.sidecar.state();
        let rows = cached.sidecar.breakdown(by.unwrap_or(Key::Goal));
        return match by {
            None => goals(state, rows, format),
            Some(by) => breakdown(state, by, rows, None, None, format),
        };
    }
    let ledger = ledger_file::read_and_cache(path, view, &context.keys)?;
    let known_at = ledger.known_at;
    let state = &ledger.state;
    let as_of = view.as_of.map(|d| d.to_string());
    match by {
        None => {
            let report = goals_data(state, as_of, known_at)?;
            print_goals(&report, format)
        }
        Some(by) => {
            let rows = rows_of(state, by)?;
            breakdown(state, by, rows, as_of, known_at, format)
        }
    }
}

/// The breakdown by `key` of the pledges in the whole fold.
fn rows_of(state: &State, key: Key) -> Result<Grow<Row>> {
    let mut rows: Grow<Row> = Grow::default();
    report::breakdown(state, key, &mut rows).map_err(overflow)?;
    Ok(rows)
}

fn goals(state: &State, rows: Grow<Row>, format: Format) -> Result<()> {
    let report = goals_from_rows(state, &rows, None, None)?;
    print_goals(&report, format)
}

fn print_goals(report: &GoalsJson, format: Format) -> Result<()> {
    match format {
        Format::Json => print_json(report),
        Format::Csv => print(&goal_sheet(&report.goals, &report.outside_goals).csv()?),
        Format::Table => print(&goals_table(report)),
    }
}

/// Progress toward every goal and the totals outside any goal, as `report --format json` has
/// them (also what `audit` reproduces).
pub(super) fn goals_data(
    state: &State,
    as_of: Option<String>,
    known_at: Option<u32>,
) -> Result<GoalsJson> {
    let rows = rows_of(state, Key::Goal)?;
    goals_from_rows(state, &rows, as_of, known_at)
}

/// [`goals_data`] from the by-goal rows of a breakdown.
fn goals_from_rows(
    state: &State,
    rows: &Grow<Row>,
    as_of: Option<String>,
    known_at: Option<u32>,
) -> Result<GoalsJson> {
    let rows = ledger_core::slots::Slots::as_slice(rows);
    let mut goals = Vec::new();
    for (index, goal) in state.goals().iter().enumerate() {
        let id = GoalId(u32::try_from(index).map_err(|_| overflow(LedgerError::Overflow))?);
        if !state.counts(goal.date) || state.current_goal(id) != id {
            continue;
        }
        goals.push(goal_json(state, id, goal, rows)?);
    }
    let outside_goals: Vec<TotalsJson> = rows
        .iter()
        .filter(|row| row.key.is_none())
        .map(|row| totals_json(state, None, row.commodity, &row.totals))
        .collect::<Result<_>>()?;
    Ok(GoalsJson {
        ledgers: None,
        as_of,
        known_at,
        goals,
        outside_goals,
    })
}

/// A goal's figures in minor units: a row per commodity, and what the commodities that are its
/// target's own or that a recorded rate converts add up to (docs/FORMAT.md, "Conversion").
pub(super) struct GoalFigures<'s> {
    /// Committed toward the target, in the target's commodity.
    pub(super) committed: i64,
    /// Fulfilled toward the target, in the target's commodity.
    pub(super) fulfilled: i64,
    /// The goal's own commodity first, then the others by code.
    pub(super) commodities: Vec<CommodityFigures<'s>>,
}

/// One commodity pledged toward a goal.
pub(super) struct CommodityFigures<'s> {
    pub(super) commodity: CommodityId,
    pub(super) totals: Totals,
    /// What it counts toward the target: the target's own commodity as it is, another one at
    /// the rate that converts it (`None` for the target's own); `None` when nothing converts it.
    pub(super) in_target: Option<(Option<convert::Conversion<'s>>, i64, i64)>,
}

/// The figures of goal `id` from the by-goal rows of `report::breakdown`.
pub(super) fn goal_figures<'s>(
    state: &'s State,
    id: GoalId,
    goal: &GoalState,
    rows: &[Row],
) -> Result<GoalFigures<'s>> {
    let target = goal.target.commodity;
    let decimals = |c: CommodityId| state.commodity(c).map_or(0, |c| c.decimals);
    let mut figures = GoalFigures {
        committed: 0,
        fulfilled: 0,
        commodities: Vec::new(),
    };
    let mut mine: Vec<&Row> = rows.iter().filter(|r| r.key == Some(id.0)).collect();
    mine.sort_by_key(|r| (r.commodity != target, code(state, r.commodity)));
    for row in mine {
        let totals = row.totals;
        let in_target = if row.commodity == target {
            Some((None, totals.committed, totals.fulfilled))
        } else {
            convert::rate_for(state, Some(id), row.commodity, target).and_then(|c| {
                let at = |units| {
                    convert::convert(
                        units,
                        decimals(row.commodity),
                        decimals(target),
                        c.rate.rate,
                        c.inverse,
                    )
                };
                Some((Some(c), at(totals.committed)?, at(totals.fulfilled)?))
            })
        };
        let added = in_target.and_then(|(_, c, f)| {
            Some((
                figures.committed.checked_add(c)?,
                figures.fulfilled.checked_add(f)?,
            ))
        });
        // A commodity whose converted figures would overflow the total is left out, as one
        // without a rate is.
        let in_target = match added {
            Some((c, f)) => {
                (figures.committed, figures.fulfilled) = (c, f);
                in_target
            }
            None => None,
        };
        figures.commodities.push(CommodityFigures {
            commodity: row.commodity,
            totals,
            in_target,
        });
    }
    Ok(figures)
}

/// One goal as `report --format json` has it.
fn goal_json(state: &State, id: GoalId, goal: &GoalState, rows: &[Row]) -> Result<GoalJson> {
    let target = goal.target.commodity;
    let figures = goal_figures(state, id, goal, rows)?;
    let mut pledges: u32 = 0;
    let mut cancelled: u32 = 0;
    let mut commodities = Vec::new();
    let mut unconverted = Vec::new();
    for row in &figures.commodities {
        pledges = pledges.saturating_add(row.totals.pledges);
        cancelled = cancelled.saturating_add(row.totals.cancelled);
        let conversion = match row.in_target {
            None => {
                unconverted.push(code(state, row.commodity));
                None
            }
            Some((None, _, _)) => None,
            Some((Some(c), committed, fulfilled)) => Some(ConversionJson {
                rate: rate_text(state, c),
                rate_id: c.rate.seq,
                rate_date: c.rate.date.to_string(),
                goal_rate: c.rate.goal.is_some(),
                committed: Money::new(state, committed, target),
                fulfilled: Money::new(state, fulfilled, target),
            }),
        };
        commodities.push(GoalCommodityJson {
            totals: totals_json(state, None, row.commodity, &row.totals)?,
            conversion,
        });
    }
    let (committed, fulfilled) = (figures.committed, figures.fulfilled);
    let money = |units: i64| Money::new(state, units, target);
    let remaining = goal
        .target
        .units
        .checked_sub(committed)
        .ok_or_else(|| overflow(LedgerError::Overflow))?;
    Ok(GoalJson {
        id: Some(goal.seq),
        name: goal.name.to_string(),
        beneficiary: goal
            .beneficiary
            .and_then(|b| state.current_name(NameKind::Party, b.0))
            .map(|n| n.to_string()),
        deadline: goal.deadline.map(|d| d.to_string()),
        target: money(goal.target.units),
        committed: money(committed),
        fulfilled: money(fulfilled),
        remaining: money(remaining),
        committed_percent: percent(Percent::of(committed, goal.target.units)),
        fulfilled_percent: percent(Percent::of(fulfilled, goal.target.units)),
        pledges,
        cancelled,
        commodities,
        unconverted,
    })
}

pub(super) fn code(state: &State, commodity: CommodityId) -> String {
    state
        .commodity(commodity)
        .map_or_else(String::new, |c| c.code.to_string())
}

/// `1 EUR = 1.2654 USD` as the rate was recorded (whichever way it is used).
fn rate_text(state: &State, conversion: convert::Conversion<'_>) -> String {
    let rate = conversion.rate;
    format!(
        "1 {} = {} {}",
        code(state, rate.base),
        rate.rate,
        code(state, rate.quote)
    )
}

/// The goal report as tables for people.
pub(super) fn goals_table(report: &GoalsJson) -> String {
    let mut text = String::new();
    if let Some(date) = &report.as_of {
        text.push_str(&format!("As of {date}\n\n"));
    }
    if let Some(n) = report.known_at {
        text.push_str(&format!("As known after record #{n}\n\n"));
    }
    if report.goals.is_empty() {
        text.push_str("No goals.\n");
    } else {
        text.push_str(&goal_sheet(&report.goals, &[]).table());
        for goal in &report.goals {
            let converted: Vec<String> = goal
                .commodities
                .iter()
                .filter_map(|c| c.conversion.as_ref())
                .map(|c| {
                    let kind = if c.goal_rate { "goal rate" } else { "rate" };
                    format!("{} ({kind} #{}, {})", c.rate, c.rate_id, c.rate_date)
                })
                .collect();
            if !converted.is_empty() {
                text.push_str(&format!(
                    "{} converted at {}\n",
                    goal.label(),
                    converted.join("; ")
                ));
            }
            if !goal.unconverted.is_empty() {
                text.push_str(&format!(
                    "{} leaves out {} (no rate to {}; record one with `pledge rate`)\n",
                    goal.label(),
                    goal.unconverted.join(", "),
                    goal.target.commodity
                ));
            }
        }
        let by_commodity: Vec<TotalsJson> = report
            .goals
            .iter()
            .flat_map(|g| {
                g.commodities.iter().map(|c| TotalsJson {
                    key: Some(Some(g.name.clone())),
                    ..c.totals.clone()
                })
            })
            .collect();
        // Worth a table when it says more than the goals' own: another commodity, or figures
        // that corrections changed.
        let says_more = report.goals.iter().any(|g| {
            g.commodities.len() > 1
                || g.commodities
                    .iter()
                    .any(|c| c.totals.commodity != g.target.commodity || c.totals.corrected())
        });
        if says_more {
            text.push_str("\nBy goal and commodity\n");
            text.push_str(&totals_sheet(Some("goal"), &by_commodity).table());
        }
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
    Column::right("Fulfilled", "fulfilled").optional(),
    Column::right("%", "fulfilled_percent").optional(),
    Column::right("Remaining", "remaining").optional(),
    Column::csv_only("commodity"),
    Column::right("Pledges", "pledges").optional(),
    Column::csv_only("cancelled"),
];

/// Goals; for CSV, `outside` adds the totals outside any goal as rows with no goal.
pub(super) fn goal_sheet(goals: &[GoalJson], outside: &[TotalsJson]) -> Sheet {
    let mut sheet = Sheet::new(GOAL_COLUMNS);
    for g in goals {
        sheet.push(vec![
            Cell::text(g.id.map(|id| id.to_string()).unwrap_or_default()),
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

fn breakdown(
    state: &State,
    by: Key,
    rows: Grow<Row>,
    as_of: Option<String>,
    known_at: Option<u32>,
    format: Format,
) -> Result<()> {
    let key = by;
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
            ledgers: None,
            as_of,
            known_at,
            by: word,
            rows,
        }),
        Format::Csv => print(&totals_sheet(keyed.then_some(word), &rows).csv()?),
        Format::Table if rows.is_empty() => print("no pledges\n"),
        Format::Table => {
            let mut heading = as_of.map(|d| format!("As of {d}\n\n")).unwrap_or_default();
            if let Some(n) = known_at {
                heading.push_str(&format!("As known after record #{n}\n\n"));
            }
            print(&(heading + &totals_sheet(keyed.then_some(word), &rows).table()))
        }
    }
}

impl GoalJson {
    /// `#3`, or the goal's name across ledgers (where ids differ).
    fn label(&self) -> String {
        self.id
            .map_or_else(|| format!("'{}'", self.name), |id| format!("#{id}"))
    }
}

impl TotalsJson {
    /// Whether amendments, cancellations or returns changed these figures.
    fn corrected(&self) -> bool {
        [&self.amended, &self.cancelled_amount, &self.returned]
            .iter()
            .any(|m| !is_zero(m))
    }
}

fn is_zero(money: &Money) -> bool {
    money.plain.chars().all(|c| matches!(c, '0' | '.' | '-'))
}

fn totals_json(
    state: &State,
    key: Option<Option<String>>,
    commodity: CommodityId,
    totals: &Totals,
) -> Result<TotalsJson> {
    let (code, decimals) = state
        .commodity(commodity)
        .map_or(("?", 0), |c| (c.code.as_str(), c.decimals));
    totals_json_of(key, code, decimals, totals)
}

/// TOTALS of commodity `code` (with `decimals` places), without a ledger at hand.
pub(super) fn totals_json_of(
    key: Option<Option<String>>,
    code: &str,
    decimals: u8,
    totals: &Totals,
) -> Result<TotalsJson> {
    let money = |units: i64| Money::of(units, code, decimals);
    Ok(TotalsJson {
        key,
        commodity: code.to_string(),
        pledged: money(totals.pledged),
        amended: money(totals.amended),
        cancelled_amount: money(totals.withdrawn),
        committed: money(totals.committed),
        fulfilled: money(totals.fulfilled),
        returned: money(totals.returned),
        outstanding: money(totals.outstanding().map_err(overflow)?),
        pledges: totals.pledges,
        cancelled: totals.cancelled,
    })
}

pub(super) fn totals_sheet(key: Option<&'static str>, rows: &[TotalsJson]) -> Sheet {
    let key_column = key.map(|word| match word {
        "pledger" => Column::left("Pledger", "pledger"),
        "beneficiary" => Column::left("Beneficiary", "beneficiary"),
        "project" => Column::left("Project", "project"),
        "sector" => Column::left("Sector", "sector"),
        "status" => Column::left("Status", "status"),
        _ => Column::left("Goal", "goal"),
    });
    let mut columns: Vec<Column> = key_column.into_iter().collect();
    columns.extend_from_slice(&[
        Column::left("Commodity", "commodity"),
        Column::right("Pledged", "pledged").optional(),
        Column::right("Amended", "amended").optional(),
        Column::right("Cancelled", "cancelled_amount").optional(),
        Column::right("Committed", "committed"),
        Column::right("Fulfilled", "fulfilled"),
        Column::right("Returned", "returned").optional(),
        Column::right("Outstanding", "outstanding").optional(),
        Column::right("Pledges", "pledges"),
        Column::csv_only("cancelled"),
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
            Cell::money(&row.pledged),
            unless_zero(&row.amended),
            unless_zero(&row.cancelled_amount),
            Cell::money(&row.committed),
            Cell::money(&row.fulfilled),
            unless_zero(&row.returned),
            Cell::money(&row.outstanding),
            Cell::text(row.pledges.to_string()),
            Cell::text(row.cancelled.to_string()),
        ]);
        sheet.push(cells);
    }
    sheet
}

/// A figure that is mostly zero (amended, cancelled, returned): blank for people when it is,
/// so that a table without corrections stays narrow; always the figure for programs.
fn unless_zero(money: &Money) -> Cell {
    if is_zero(money) {
        Cell::pair("", money.plain.clone())
    } else {
        Cell::money(money)
    }
}

pub(super) fn percent(share: Option<Percent>) -> String {
    share.map_or_else(String::new, |p| {
        let text = p.to_string();
        text.trim_end_matches('%').to_string()
    })
}

pub(super) fn overflow(error: LedgerError) -> CliError {
    CliError::failure(format!("cannot total the ledger: {error}"))
}
