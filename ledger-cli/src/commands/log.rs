//! `pledge log`: the register. Every event with what it changed, in record order (as recorded)
//! or date order (as it happened), filtered by date and by the pledge's names as `list` filters.
//! In record order it is written as it goes; date order sorts the events kept, in memory.

use ledger_core::Date;
use serde::Serialize;

use super::Context;
use super::export::{CSV_GROUPS, CsvNumbers, EventRow, Events, Walk, csv_fields};
use super::list::Filter;
use crate::cli::{Format, LogArgs, LogOrder};
use crate::error::Result;
use crate::output::{
    Cell, Column, CsvWriter, Money, Streamed, TableWriter, Widths, print, print_json_streamed,
};

const COLUMNS: &[Column] = &[
    Column::right("ID", "id"),
    Column::left("Date", "date").fixed(),
    Column::left("Event", "kind"),
    Column::right("Pledge", "pledge").optional(),
    Column::left("From", "from").optional(),
    Column::left("To", "to").optional(),
    Column::right("Amount", "amount").optional(),
    Column::csv_only("commodity"),
    Column::right("Committed", "committed_change"),
    Column::right("Fulfilled", "fulfilled_change"),
    Column::left("Text", "text"),
];

#[derive(Serialize)]
struct LogJson<E: Serialize> {
    since: Option<String>,
    until: Option<String>,
    events: E,
}

pub fn run(context: &Context, args: &LogArgs) -> Result<()> {
    let since = date(context, "--since", args.since.as_deref())?;
    let until = date(context, "--until", args.until.as_deref())?;
    let walk = Walk::read(context.path()?, &context.keys)?;
    let state = &walk.now;
    let filter = Filter::new(state, &args.filter, None)?;
    let filtered = args.filter.from.is_some()
        || args.filter.to.is_some()
        || args.filter.party.is_some()
        || args.filter.goal.is_some()
        || args.filter.project.is_some()
        || args.filter.sector.is_some();
    let in_range = |row: &EventRow| {
        row.date
            .is_some_and(|d| since.is_none_or(|s| d >= s) && until.is_none_or(|u| d <= u))
    };
    // With a name filter, events about a pledge it keeps; without, every event.
    let events = || -> Result<Box<dyn Iterator<Item = Result<EventRow>> + '_>> {
        let events = Events::new(&walk.bytes, state)?;
        Ok(if filtered {
            Box::new(events.about(|p| filter.keeps(state, p, context.today)))
        } else {
            Box::new(events)
        })
    };
    let sorted = || -> Result<Vec<EventRow>> {
        // Date order needs them all before the first; record order is the ledger's.
        let mut rows: Vec<EventRow> = Vec::new();
        for row in events()? {
            let row = row?;
            if in_range(&row) {
                rows.push(row);
            }
        }
        rows.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        Ok(rows)
    };
    let streamed = || -> Result<Box<dyn Iterator<Item = Result<EventRow>> + '_>> {
        Ok(match args.order {
            LogOrder::Record => {
                Box::new(events()?.filter(move |row| row.as_ref().map_or(true, in_range)))
            }
            LogOrder::Date => Box::new(sorted()?.into_iter().map(Ok)),
        })
    };
    let out = || std::io::BufWriter::new(std::io::stdout().lock());
    match args.output.format {
        Format::Json => {
            let failed = std::cell::RefCell::new(None);
            let rows =
                streamed()?.map_while(|row| row.map_err(|e| *failed.borrow_mut() = Some(e)).ok());
            print_json_streamed(&LogJson {
                since: since.map(|d| d.to_string()),
                until: until.map(|d| d.to_string()),
                events: Streamed::new(rows),
            })?;
            failed.into_inner().map_or(Ok(()), Err)
        }
        Format::Csv => {
            // The export's fields, without the goal, project and sector: nothing copied.
            let mut csv = CsvWriter::new(out(), COLUMNS)?;
            for row in streamed()? {
                let row = row?;
                let numbers = CsvNumbers::of(&row);
                let fields = csv_fields(&row, &numbers);
                csv.fields(
                    fields
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !CSV_GROUPS.contains(i))
                        .map(|(_, field)| *field),
                )?;
            }
            csv.finish()
        }
        Format::Table => {
            let mut widths = Widths::of_headers(COLUMNS);
            let mut any = false;
            for row in streamed()? {
                widths.fit(COLUMNS, &cells(&row?));
                any = true;
            }
            if !any {
                return print("no events match\n");
            }
            let mut table = TableWriter::new(out(), COLUMNS, widths)?;
            for row in streamed()? {
                table.row(&cells(&row?))?;
            }
            table.finish()
        }
    }
}

fn date(context: &Context, option: &str, text: Option<&str>) -> Result<Option<Date>> {
    text.map(|t| context.date_or_today(option, Some(t)))
        .transpose()
}

/// A row: the export's, with amounts grouped for people and the changes signed.
fn cells(row: &EventRow) -> Vec<Cell> {
    let money = |m: &Option<Money>| m.as_ref().map_or_else(|| Cell::text(""), Cell::money);
    let commodity = row
        .amount
        .as_ref()
        .or(row.committed_change.as_ref())
        .map(|m| m.commodity.clone());
    let change = |m: &Option<Money>| match m {
        Some(m) if m.plain.chars().all(|c| matches!(c, '0' | '.' | '-')) => {
            Cell::pair("", m.plain.clone())
        }
        Some(m) => Cell::money(m),
        None => Cell::text(""),
    };
    vec![
        Cell::text(row.id.to_string()),
        Cell::maybe(row.date.map(|d| d.to_string())),
        Cell::text(row.kind),
        row.pledge.map_or_else(
            || Cell::text(""),
            |p| Cell::pair(format!("#{p}"), p.to_string()),
        ),
        Cell::maybe(row.from),
        Cell::maybe(row.to),
        money(&row.amount),
        Cell::maybe(commodity),
        change(&row.committed_change),
        change(&row.fulfilled_change),
        Cell::maybe(row.text.as_deref()),
    ]
}
