//! `pledge chart`: an SVG picture of the ledger, drawn with plotters. Two panels:
//!
//! - each goal's progress toward its target, a bar per commodity (converted into the target's
//!   commodity where a recorded rate allows, as `report` converts) and one for the total;
//! - committed and fulfilled over time, one chart per commodity, never added together.
//!
//! Every figure in a label is exact (minor units printed as decimals); only pixel positions are
//! scaled, in integer arithmetic.

use std::collections::BTreeMap;
use std::path::Path;

use ledger_core::report::{self, Key, Percent, Row};
use ledger_core::{CommodityId, Date, entry::GoalId};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::Context;
use super::export::Events;
use super::report::{CommodityFigures, code, goal_figures};
use crate::cli::ViewArgs;
use crate::error::{CliError, Result};
use crate::files::{Existing, write_new};
use crate::ledger_file;
use crate::output::print;
use crate::tables::{Grow, State};

/// The picture's width in pixels.
const WIDTH: u32 = 960;
/// Left edge of the bars; the labels sit before it.
const BAR_LEFT: i32 = 300;
/// Right edge of the bar area at its scale's full value.
const BAR_RIGHT: i32 = 900;
/// A bar row's height.
const ROW: i32 = 34;
/// The height of one commodity's chart over time.
const TIMELINE: u32 = 240;

/// Committed (light) and fulfilled (dark): the same colours in both panels.
pub const COMMITTED: RGBColor = RGBColor(0x9e, 0xc5, 0xe8);
pub const FULFILLED: RGBColor = RGBColor(0x1f, 0x5f, 0x99);
const TARGET: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);

/// What `chart` is asked for.
pub struct ChartArgs<'a> {
    pub out: Option<&'a Path>,
    pub force: bool,
    pub goal: Option<&'a str>,
    pub view: &'a ViewArgs,
}

pub fn run(context: &Context, args: &ChartArgs) -> Result<()> {
    let view = context.view(args.view.as_of.as_deref(), args.view.known_at.as_deref())?;
    let ledger = ledger_file::read(context.path()?, view, &context.keys)?;
    let state = &ledger.state;
    let only = args
        .goal
        .map(|name| {
            state.find_goal(name).ok_or_else(|| {
                let known = state.goals().iter().map(|g| g.name.as_str());
                CliError::input(format!(
                    "--goal '{name}': no such goal in the ledger{}",
                    crate::suggest::hint(name, known)
                ))
            })
        })
        .transpose()?
        .map(|id| state.current_goal(id));
    let goals = goals(state, only)?;
    let timelines = timelines(&ledger, only, view.as_of)?;
    let mut title = format!(
        "pledge chart: {}",
        state.origin().map(|o| o.to_string()).unwrap_or_default()
    );
    if let Some(date) = view.as_of {
        title.push_str(&format!(", as of {date}"));
    }
    if let Some(n) = ledger.known_at {
        title.push_str(&format!(", as known after record #{n}"));
    }
    let svg = draw(state, &title, &goals, &timelines)?;
    match args.out {
        Some(path) => {
            let existing = if args.force {
                Existing::Replace
            } else {
                Existing::Keep
            };
            write_new(
                "--out",
                path,
                svg.as_bytes(),
                0o644,
                existing,
                context.path().ok(),
            )
        }
        None => print(&svg),
    }
}

/// One goal's bars.
struct GoalBars<'s> {
    id: GoalId,
    name: String,
    target: i64,
    target_commodity: CommodityId,
    committed: i64,
    fulfilled: i64,
    commodities: Vec<CommodityFigures<'s>>,
}

fn goals(state: &State, only: Option<GoalId>) -> Result<Vec<GoalBars<'_>>> {
    let mut rows: Grow<Row> = Grow::default();
    report::breakdown(state, Key::Goal, &mut rows)
        .map_err(|e| CliError::failure(format!("cannot total the ledger: {e}")))?;
    let rows = ledger_core::slots::Slots::as_slice(&rows);
    let mut goals = Vec::new();
    for (index, goal) in state.goals().iter().enumerate() {
        let Ok(index) = u32::try_from(index) else {
            break;
        };
        let id = GoalId(index);
        // Merged goals are drawn as the goal they were merged into.
        if !state.counts(goal.date) || state.current_goal(id) != id || only.is_some_and(|o| o != id)
        {
            continue;
        }
        let figures = goal_figures(state, id, goal, rows)?;
        goals.push(GoalBars {
            id,
            name: goal.name.to_string(),
            target: goal.target.units,
            target_commodity: goal.target.commodity,
            committed: figures.committed,
            fulfilled: figures.fulfilled,
            commodities: figures.commodities,
        });
    }
    Ok(goals)
}

/// Committed and fulfilled, summed per day, for one commodity.
type Timeline = BTreeMap<Date, (i64, i64)>;

/// Every event's change to committed and fulfilled, by commodity and day (the day its record
/// bears), up to the view's as-of date and known-at record.
fn timelines(
    ledger: &ledger_file::LedgerFile,
    only: Option<GoalId>,
    as_of: Option<Date>,
) -> Result<BTreeMap<CommodityId, Timeline>> {
    let state = &ledger.state;
    let mut timelines: BTreeMap<CommodityId, Timeline> = BTreeMap::new();
    for row in Events::new(&ledger.bytes, state)? {
        let row = row?;
        if ledger.known_at.is_some_and(|n| row.id > n) {
            break;
        }
        let Some(date) = row.date else {
            continue;
        };
        let Some((commodity, committed, fulfilled)) = row.change else {
            continue;
        };
        let in_goal = || {
            row.pledge
                .and_then(|p| state.pledge(p))
                .and_then(|p| p.goal)
                .map(|g| state.current_goal(g))
                == only
        };
        if as_of.is_some_and(|a| date > a) || (only.is_some() && !in_goal()) {
            continue;
        }
        let day = timelines
            .entry(commodity)
            .or_default()
            .entry(date)
            .or_default();
        // A day's sum of changes stays within the bound of the totals it adds up to.
        day.0 = day.0.saturating_add(committed);
        day.1 = day.1.saturating_add(fulfilled);
    }
    Ok(timelines)
}

fn draw(
    state: &State,
    title: &str,
    goals: &[GoalBars],
    timelines: &BTreeMap<CommodityId, Timeline>,
) -> Result<String> {
    let goals_height: i32 = goals
        .iter()
        .map(|g| ROW.saturating_mul(goal_rows(g).saturating_add(2)))
        .fold(0, i32::saturating_add);
    let goals_height = u32::try_from(goals_height.saturating_add(70)).unwrap_or(u32::MAX);
    let count = u32::try_from(timelines.len()).unwrap_or(u32::MAX);
    let height = goals_height.saturating_add(TIMELINE.saturating_mul(count.max(1)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (top, bottom) = root.split_vertically(goals_height);
        text(&top, title, (20, 14), 20, &INK)?;
        draw_goals(&top, state, goals)?;
        if timelines.is_empty() {
            text(
                &bottom,
                "No events to draw over time.",
                (20, 10),
                14,
                &MUTED,
            )?;
        } else {
            // One span of days for every commodity, so that the charts line up.
            let days = timelines.values().flat_map(|t| t.keys());
            let first = days.clone().min().map_or(0, |d| d.0);
            let last = days.max().map_or(0, |d| d.0);
            // A week's margin either side, so that a single day still has width.
            let span = (first.saturating_sub(7), last.saturating_add(7));
            let areas = bottom.split_evenly((timelines.len(), 1));
            for (area, (commodity, timeline)) in areas.iter().zip(timelines) {
                draw_timeline(area, state, *commodity, timeline, span)?;
            }
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

fn draw_goals(
    area: &DrawingArea<SVGBackend, Shift>,
    state: &State,
    goals: &[GoalBars],
) -> Result<()> {
    let mut y: i32 = 50;
    if goals.is_empty() {
        return text(area, "No goals.", (20, y), 14, &MUTED);
    }
    for goal in goals {
        let unit = code(state, goal.target_commodity);
        let decimals = decimals_of(state, goal.target_commodity);
        let heading = format!(
            "#{} {}: target {} {unit}",
            state.goal(goal.id).map_or(0, |g| g.seq),
            goal.name,
            short(goal.target, decimals)
        );
        text(area, &heading, (20, y), 16, &INK)?;
        y = y.saturating_add(ROW);
        // One scale for every bar of the goal: its target, or more if more was committed.
        let scale = goal
            .target
            .max(goal.committed)
            .max(
                goal.commodities
                    .iter()
                    .filter_map(|c| c.in_target)
                    .map(|(_, c, _)| c)
                    .max()
                    .unwrap_or(0),
            )
            .max(1);
        let total_label = format!(
            "{} of {} {unit} committed ({}), {} fulfilled ({})",
            short(goal.committed, decimals),
            short(goal.target, decimals),
            share(goal.committed, goal.target),
            short(goal.fulfilled, decimals),
            share(goal.fulfilled, goal.target),
        );
        bar(
            area,
            y,
            &format!("Total in {unit}"),
            goal.committed,
            goal.fulfilled,
            scale,
            &total_label,
        )?;
        y = y.saturating_add(ROW);
        // A goal pledged to only in its target's commodity has nothing more to show.
        let only_own =
            matches!(goal.commodities.as_slice(), [row] if row.commodity == goal.target_commodity);
        for row in goal.commodities.iter().filter(|_| !only_own) {
            let own = code(state, row.commodity);
            let own_decimals = decimals_of(state, row.commodity);
            let amounts = format!(
                "{} {own} committed, {} fulfilled",
                short(row.totals.committed, own_decimals),
                short(row.totals.fulfilled, own_decimals)
            );
            match row.in_target {
                Some((None, committed, fulfilled)) => {
                    bar(area, y, &own, committed, fulfilled, scale, &amounts)?;
                }
                Some((Some(conversion), committed, fulfilled)) => {
                    let label = format!(
                        "{amounts} = {} {unit} at 1 {} = {} {}",
                        short(committed, decimals),
                        code(state, conversion.rate.base),
                        conversion.rate.rate,
                        code(state, conversion.rate.quote)
                    );
                    bar(area, y, &own, committed, fulfilled, scale, &label)?;
                }
                None => {
                    text(area, &own, (40, y), 13, &INK)?;
                    let label = format!("{amounts}: no rate to {unit}, left out of the total");
                    text(area, &label, (BAR_LEFT, y), 13, &MUTED)?;
                }
            }
            y = y.saturating_add(ROW);
        }
        // The target as a line across the goal's rows.
        let x = BAR_LEFT.saturating_add(scaled(goal.target, scale));
        let top = y.saturating_sub(ROW.saturating_mul(goal_rows(goal)));
        area.draw(&PathElement::new(
            vec![
                (x, top.saturating_sub(6)),
                (x, y.saturating_sub(ROW).saturating_add(16)),
            ],
            TARGET.stroke_width(2),
        ))
        .map_err(failed)?;
        text(
            area,
            "target",
            (x.saturating_add(4), top.saturating_sub(18)),
            12,
            &TARGET,
        )?;
        y = y.saturating_add(ROW);
    }
    Ok(())
}

fn goal_rows(goal: &GoalBars) -> i32 {
    let own =
        matches!(goal.commodities.as_slice(), [row] if row.commodity == goal.target_commodity);
    let rows = if own { 0 } else { goal.commodities.len() };
    i32::try_from(rows).unwrap_or(i32::MAX).saturating_add(1)
}

/// A row: its label, the committed bar with the fulfilled one over it, and the figures.
fn bar(
    area: &DrawingArea<SVGBackend, Shift>,
    y: i32,
    label: &str,
    committed: i64,
    fulfilled: i64,
    scale: i64,
    figures: &str,
) -> Result<()> {
    text(area, label, (40, y), 13, &INK)?;
    let top = y.saturating_sub(2);
    let bottom = y.saturating_add(14);
    let committed_end = BAR_LEFT.saturating_add(scaled(committed, scale));
    let fulfilled_end = BAR_LEFT.saturating_add(scaled(fulfilled, scale));
    area.draw(&Rectangle::new(
        [(BAR_LEFT, top), (committed_end, bottom)],
        COMMITTED.filled(),
    ))
    .map_err(failed)?;
    area.draw(&Rectangle::new(
        [
            (BAR_LEFT, top.saturating_add(4)),
            (fulfilled_end, bottom.saturating_sub(4)),
        ],
        FULFILLED.filled(),
    ))
    .map_err(failed)?;
    text(
        area,
        figures,
        (BAR_LEFT, bottom.saturating_add(2)),
        13,
        &MUTED,
    )
}

/// `units` of `scale` as pixels of the bar area; negative figures draw nothing.
fn scaled(units: i64, scale: i64) -> i32 {
    let width = i128::from(BAR_RIGHT.saturating_sub(BAR_LEFT));
    let pixels = i128::from(units.max(0))
        .saturating_mul(width)
        .checked_div(i128::from(scale.max(1)))
        .unwrap_or(0);
    i32::try_from(pixels).unwrap_or(i32::MAX)
}

fn draw_timeline(
    area: &DrawingArea<SVGBackend, Shift>,
    state: &State,
    commodity: CommodityId,
    timeline: &Timeline,
    (start, end): (i32, i32),
) -> Result<()> {
    let unit = code(state, commodity);
    let decimals = decimals_of(state, commodity);
    // Running totals: a step at each day's changes.
    let mut committed: Vec<(i32, i64)> = Vec::new();
    let mut fulfilled: Vec<(i32, i64)> = Vec::new();
    committed.push((start, 0));
    fulfilled.push((start, 0));
    let (mut c, mut f) = (0i64, 0i64);
    for (date, (dc, df)) in timeline {
        committed.push((date.0, c));
        fulfilled.push((date.0, f));
        c = c.saturating_add(*dc);
        f = f.saturating_add(*df);
        committed.push((date.0, c));
        fulfilled.push((date.0, f));
    }
    committed.push((end, c));
    fulfilled.push((end, f));
    let x = start..end;
    let low = committed
        .iter()
        .chain(&fulfilled)
        .map(|p| p.1)
        .min()
        .unwrap_or(0)
        .min(0);
    let high = committed
        .iter()
        .chain(&fulfilled)
        .map(|p| p.1)
        .max()
        .unwrap_or(0);
    // A quarter's headroom above the highest line, for the legend.
    let y = low..nice_ceiling(high.saturating_add(high / 4));
    let caption = format!("{unit}: committed and fulfilled over time");
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(failed)?;
    let date_label = |day: &i32| Date(*day).to_string();
    let amount_label = |units: &i64| short(*units, decimals);
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&date_label)
        .y_label_formatter(&amount_label)
        .draw()
        .map_err(failed)?;
    chart
        .draw_series(LineSeries::new(committed, COMMITTED.stroke_width(3)))
        .map_err(failed)?
        .label(format!("committed ({unit})"))
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x, y), (x.saturating_add(20), y)],
                COMMITTED.stroke_width(3),
            )
        });
    chart
        .draw_series(LineSeries::new(fulfilled, FULFILLED.stroke_width(2)))
        .map_err(failed)?
        .label(format!("fulfilled ({unit})"))
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x, y), (x.saturating_add(20), y)],
                FULFILLED.stroke_width(2),
            )
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE)
        .border_style(MUTED)
        .draw()
        .map_err(failed)
}

/// The axis's top: `value` rounded up to 1, 2 or 5 times a power of ten, so the ticks
/// plotters picks are round amounts whose labels are short and exact.
fn nice_ceiling(value: i64) -> i64 {
    if value <= 0 {
        return 1;
    }
    let mut power: i64 = 1;
    loop {
        for step in [1, 2, 5] {
            match power.checked_mul(step) {
                Some(top) if top >= value => return top,
                Some(_) => {}
                None => return i64::MAX,
            }
        }
        match power.checked_mul(10) {
            Some(next) => power = next,
            None => return i64::MAX,
        }
    }
}

/// An exact amount in few characters: `490bn`, `1.25M`, `250`, `0.5` (no rounding: every
/// digit that is not zero is kept).
pub fn short(units: i64, decimals: u8) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = u128::from(units.unsigned_abs());
    let suffixes: [(&str, u32); 4] = [("bn", 9), ("M", 6), ("k", 3), ("", 0)];
    for (suffix, exponent) in suffixes {
        let places = u32::from(decimals).saturating_add(exponent);
        let Some(divisor) = 10u128.checked_pow(places) else {
            continue;
        };
        let whole = magnitude.checked_div(divisor).unwrap_or(0);
        if whole == 0 && exponent > 0 {
            continue;
        }
        let rest = magnitude.checked_rem(divisor).unwrap_or(0);
        let width = usize::try_from(places).unwrap_or(0);
        let fraction = format!("{rest:0width$}");
        let fraction = fraction.trim_end_matches('0');
        return if fraction.is_empty() || width == 0 {
            format!("{sign}{whole}{suffix}")
        } else {
            format!("{sign}{whole}.{fraction}{suffix}")
        };
    }
    format!("{sign}0")
}

fn share(part: i64, whole: i64) -> String {
    Percent::of(part, whole).map_or_else(|| "n/a".to_string(), |p| p.to_string())
}

fn decimals_of(state: &State, commodity: CommodityId) -> u8 {
    state.commodity(commodity).map_or(0, |c| c.decimals)
}

fn text(
    area: &DrawingArea<SVGBackend, Shift>,
    content: &str,
    at: (i32, i32),
    size: u32,
    colour: &RGBColor,
) -> Result<()> {
    let style = ("sans-serif", size).into_font().color(colour);
    area.draw(&Text::new(content.to_string(), at, style))
        .map_err(failed)
}

fn failed<E: std::fmt::Display>(error: E) -> CliError {
    CliError::failure(format!("cannot draw the chart: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_amounts_are_exact() {
        assert_eq!(short(49_000_000_000_000, 2), "490bn");
        assert_eq!(short(125_000_000, 2), "1.25M");
        assert_eq!(short(12_345_678_901, 2), "123.45678901M");
        assert_eq!(short(25_000, 2), "250");
        assert_eq!(short(50, 2), "0.5");
        assert_eq!(short(250, 0), "250");
        assert_eq!(short(-1_500, 0), "-1.5k");
        assert_eq!(short(0, 2), "0");
        assert_eq!(short(i64::MIN, 0), "-9223372036.854775808bn");
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(49_000_000_000_000), 50_000_000_000_000);
        assert_eq!(nice_ceiling(i64::MAX), i64::MAX);
    }

    #[test]
    fn bars_scale_in_integers() {
        assert_eq!(scaled(0, 10), 0);
        assert_eq!(scaled(10, 10), BAR_RIGHT - BAR_LEFT);
        assert_eq!(scaled(5, 10), (BAR_RIGHT - BAR_LEFT) / 2);
        assert_eq!(scaled(-5, 10), 0);
        assert_eq!(scaled(i64::MAX, i64::MAX), BAR_RIGHT - BAR_LEFT);
    }
}
