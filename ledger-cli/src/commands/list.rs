//! `pledge list`: pledges, filtered, one row each.

use ledger_core::Date;
use ledger_core::amount::Decimal;
use ledger_core::entry::RenameKind;
use ledger_core::state::{NameKind, PledgeState, Status};
use serde::Serialize;

use super::Context;
use crate::cli::{Format, ListArgs, PledgeFilter, StatusFilter};
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::output::{
    Cell, Column, CsvWriter, Money, Sheet, Streamed, TableWriter, Widths, print,
    print_json_streamed,
};
use crate::suggest;
use crate::tables::State;

/// One pledge as `list --format json` prints it (documented in docs/JSON.md).
#[derive(Debug, Serialize)]
pub struct PledgeJson {
    pub id: u32,
    pub date: String,
    pub from: String,
    pub to: String,
    pub amount: Money,
    pub fulfilled: Money,
    pub outstanding: Money,
    pub status: &'static str,
    pub overdue: bool,
    pub due: Option<String>,
    pub goal: Option<String>,
    pub project: Option<String>,
    pub sector: Option<String>,
}

#[derive(Debug, Serialize)]
struct ListJson<P: Serialize> {
    as_of: Option<String>,
    pledges: P,
}

pub const COLUMNS: &[Column] = &[
    Column::right("ID", "id"),
    Column::left("Date", "date").fixed(),
    Column::left("From", "from"),
    Column::left("To", "to"),
    Column::right("Amount", "amount"),
    Column::right("Fulfilled", "fulfilled").optional(),
    Column::right("Outstanding", "outstanding").optional(),
    Column::csv_only("commodity"),
    Column::left("Status", "status"),
    Column::csv_only("overdue"),
    Column::left("Due", "due").fixed(),
    Column::left("Goal", "goal").optional(),
    Column::left("Project", "project").optional(),
    Column::left("Sector", "sector").optional(),
];

pub fn run(context: &Context, args: &ListArgs) -> Result<()> {
    let view = context.view(args.as_of.as_deref(), args.known_at.as_deref())?;
    let as_of = view.as_of;
    let on = as_of.unwrap_or(context.today);
    let path = context.path()?;
    if as_of.is_none()
        && view.known_at.is_none()
        && let Some(cached) = ledger_file::read_cached(path, &context.keys, &[])?
    {
        // A first pass checks every slot, so that nothing is printed from a damaged sidecar.
        let damaged = std::cell::Cell::new(false);
        let _ = cached.sidecar.pledges(&damaged).count();
        if !damaged.get() {
            let state = cached.sidecar.state();
            let listed = list(state, args, None, on, || cached.sidecar.pledges(&damaged));
            if damaged.get() {
                return Err(CliError::failure(format!(
                    "{}: its sidecar changed while it was read, which only a process that \
                     ignores the ledger's lock can do; the list is incomplete: run it again",
                    path.display()
                )));
            }
            return listed;
        }
        crate::sidecar::trace("given up: a slot does not hold what it must");
    }
    let ledger = ledger_file::read_and_cache(path, view, &context.keys)?;
    let state = &ledger.state;
    list(state, args, as_of, on, || state.pledges())
}

/// Lists the pledges `pledges` gives (each call, all of them, in record order) that the
/// arguments keep. Rows are made as they are written, never all at once: a million-pledge
/// ledger lists in memory that does not grow with it (a table takes two passes, one to size
/// its columns).
fn list<I, P>(
    state: &State,
    args: &ListArgs,
    as_of: Option<Date>,
    on: Date,
    pledges: impl Fn() -> I,
) -> Result<()>
where
    I: Iterator<Item = P>,
    P: std::borrow::Borrow<PledgeState>,
{
    let filter = &Filter::new(state, &args.filter, args.status)?;
    let pledges = &pledges;
    let kept = || {
        // Void pledges count nowhere; `--status void` lists them.
        let void = filter.status == Some(StatusFilter::Void);
        pledges().filter(move |p| {
            let p = p.borrow();
            p.voided == void && state.counts(p.date) && filter.keeps(state, p, on)
        })
    };
    let rows = || kept().map(|p| pledge_json(state, p.borrow(), on));
    let out = || std::io::BufWriter::new(std::io::stdout().lock());
    match args.output.format {
        Format::Json => print_json_streamed(&ListJson {
            as_of: as_of.map(|d| d.to_string()),
            pledges: Streamed::new(rows()),
        }),
        Format::Csv => {
            // CSV rows straight from the fold into reused buffers: no row is built as strings
            // first (a million-pledge list spent most of its time allocating them).
            let mut csv = CsvWriter::new(out(), COLUMNS)?;
            let mut row = CsvRow::default();
            kept().try_for_each(|p| {
                row.fill(state, p.borrow(), on);
                csv.fields(row.fields.iter().map(String::as_str))
            })?;
            csv.finish()
        }
        Format::Table if rows().next().is_none() => print("no pledges match\n"),
        Format::Table => {
            let mut widths = Widths::of_headers(COLUMNS);
            rows().for_each(|p| widths.fit(COLUMNS, &cells(&p)));
            let mut table = TableWriter::new(out(), COLUMNS, widths)?;
            rows().try_for_each(|p| table.row(&cells(&p)))?;
            table.finish()
        }
    }
}

/// The rows of a set of pledges.
pub fn sheet(pledges: &[PledgeJson]) -> Sheet {
    let mut sheet = Sheet::new(COLUMNS);
    for p in pledges {
        sheet.push(cells(p));
    }
    sheet
}

/// One pledge's row.
fn cells(p: &PledgeJson) -> Vec<Cell> {
    let status = if p.overdue {
        format!("{}, overdue", p.status)
    } else {
        p.status.to_string()
    };
    vec![
        Cell::text(p.id.to_string()),
        Cell::text(&p.date),
        Cell::text(&p.from),
        Cell::text(&p.to),
        Cell::money(&p.amount),
        Cell::money(&p.fulfilled),
        Cell::money(&p.outstanding),
        Cell::text(&p.amount.commodity),
        Cell::pair(status, p.status),
        Cell::text(p.overdue.to_string()),
        Cell::maybe(p.due.as_deref()),
        Cell::maybe(p.goal.as_deref()),
        Cell::maybe(p.project.as_deref()),
        Cell::maybe(p.sector.as_deref()),
    ]
}

/// One pledge's CSV fields, in [`COLUMNS`] order, written into buffers kept from row to row.
/// The same values as [`cells`] gives programs (a test checks it on every pledge of a ledger
/// with corrections).
#[derive(Debug, Default)]
struct CsvRow {
    fields: [String; 14],
}

impl CsvRow {
    fn fill(&mut self, state: &State, p: &PledgeState, on: Date) {
        use std::fmt::Write as _;
        self.fields.iter_mut().for_each(String::clear);
        let [
            id,
            date,
            from,
            to,
            amount,
            fulfilled,
            outstanding,
            commodity,
            status,
            overdue,
            due,
            goal,
            project,
            sector,
        ] = &mut self.fields;
        let (code, decimals) = state
            .commodity(p.commodity)
            .map_or(("?", 0), |c| (c.code.as_str(), c.decimals));
        let name = |out: &mut String, kind: NameKind, id: Option<u32>| {
            if let Some(name) = id.and_then(|id| state.current_name(kind, id)) {
                out.push_str(name);
            }
        };
        // Writing into a String cannot fail.
        let _ = write!(id, "{}", p.seq);
        let _ = write!(date, "{}", p.date);
        name(from, NameKind::Party, Some(p.from.0));
        name(to, NameKind::Party, Some(p.to.0));
        let _ = write!(amount, "{:#}", Decimal::new(p.as_of.amount, decimals));
        let _ = write!(fulfilled, "{:#}", Decimal::new(p.as_of.fulfilled, decimals));
        let _ = write!(
            outstanding,
            "{:#}",
            Decimal::new(p.as_of.outstanding(), decimals)
        );
        commodity.push_str(code);
        status.push_str(p.status().as_str());
        overdue.push_str(if p.is_overdue(on) { "true" } else { "false" });
        if let Some(d) = p.due() {
            let _ = write!(due, "{d}");
        }
        if let Some(g) = p.goal.and_then(|g| state.goal(state.current_goal(g))) {
            goal.push_str(&g.name);
        }
        name(project, NameKind::Project, p.project.map(|id| id.0));
        name(sector, NameKind::Sector, p.sector.map(|id| id.0));
    }
}

/// A pledge's as-of figures, with its names resolved; overdue judged on `on`.
pub fn pledge_json(state: &State, p: &PledgeState, on: Date) -> PledgeJson {
    let money = |units: i64| Money::new(state, units, p.commodity);
    // Reports show names as they are now, after renames and merges.
    let name = |kind: NameKind, id: Option<u32>| {
        id.and_then(|id| state.current_name(kind, id))
            .map(|n| n.to_string())
    };
    PledgeJson {
        id: p.seq,
        date: p.date.to_string(),
        from: name(NameKind::Party, Some(p.from.0)).unwrap_or_default(),
        to: name(NameKind::Party, Some(p.to.0)).unwrap_or_default(),
        amount: money(p.as_of.amount),
        fulfilled: money(p.as_of.fulfilled),
        outstanding: money(p.as_of.outstanding()),
        status: p.status().as_str(),
        overdue: p.is_overdue(on),
        due: p.due().map(|d| d.to_string()),
        goal: p
            .goal
            .and_then(|g| state.goal(state.current_goal(g)))
            .map(|g| g.name.to_string()),
        project: name(NameKind::Project, p.project.map(|id| id.0)),
        sector: name(NameKind::Sector, p.sector.map(|id| id.0)),
    }
}

/// The filters of `list` and `log`, resolved to ids.
pub(super) struct Filter {
    from: Option<u32>,
    to: Option<u32>,
    party: Option<u32>,
    goal: Option<u32>,
    project: Option<u32>,
    sector: Option<u32>,
    status: Option<StatusFilter>,
}

impl Filter {
    pub(super) fn new(
        state: &State,
        args: &PledgeFilter,
        status: Option<StatusFilter>,
    ) -> Result<Filter> {
        let find = |kind: NameKind, option: &str, text: &Option<String>| -> Result<Option<u32>> {
            text.as_deref()
                .map(|t| {
                    state.find_name(kind, t).ok_or_else(|| {
                        let known = state.names(kind).iter().map(|n| n.as_str());
                        CliError::input(format!(
                            "{option} '{t}': no such {} in the ledger{}",
                            kind_word(kind),
                            suggest::hint(t, known)
                        ))
                    })
                })
                .transpose()
        };
        let goal = args
            .goal
            .as_deref()
            .map(|g| {
                state.find_goal(g).map(|id| id.0).ok_or_else(|| {
                    let known = state.goals().iter().map(|goal| goal.name.as_str());
                    CliError::input(format!(
                        "--goal '{g}': no such goal in the ledger{}",
                        suggest::hint(g, known)
                    ))
                })
            })
            .transpose()?;
        Ok(Filter {
            from: find(NameKind::Party, "--from", &args.from)?,
            to: find(NameKind::Party, "--to", &args.to)?,
            party: find(NameKind::Party, "--party", &args.party)?,
            goal,
            project: find(NameKind::Project, "--project", &args.project)?,
            sector: find(NameKind::Sector, "--sector", &args.sector)?,
            status,
        })
    }

    /// Whether the filters keep `p`; names compare as they are now (a merged name matches
    /// the name it was merged into).
    pub(super) fn keeps(&self, state: &State, p: &PledgeState, on: Date) -> bool {
        let now = |kind: RenameKind, id: Option<u32>| id.map(|id| state.current_id(kind, id));
        let matches = |kind: RenameKind, wanted: Option<u32>, actual: Option<u32>| {
            wanted.is_none() || now(kind, wanted) == now(kind, actual)
        };
        let party = RenameKind::Party;
        matches(party, self.from, Some(p.from.0))
            && matches(party, self.to, Some(p.to.0))
            && (self.party.is_none()
                || matches(party, self.party, Some(p.from.0))
                || matches(party, self.party, Some(p.to.0)))
            && matches(RenameKind::Goal, self.goal, p.goal.map(|g| g.0))
            && matches(RenameKind::Project, self.project, p.project.map(|id| id.0))
            && matches(RenameKind::Sector, self.sector, p.sector.map(|id| id.0))
            && self.status.is_none_or(|wanted| match wanted {
                StatusFilter::Open => p.status() == Status::Open,
                StatusFilter::Partial => p.status() == Status::Partial,
                StatusFilter::Fulfilled => p.status() == Status::Fulfilled,
                StatusFilter::Cancelled => p.status() == Status::Cancelled,
                StatusFilter::Void => p.status() == Status::Void,
                StatusFilter::Overdue => p.is_overdue(on),
            })
    }
}

fn kind_word(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Party => "party",
        NameKind::Project => "project",
        NameKind::Sector => "sector",
        NameKind::Tag => "tag",
    }
}
