//! `pledge log`: the register. Every event with what it changed, in record order (as recorded)
//! or date order (as it happened), filtered by date and by the pledge's names as `list` filters.
//! In record order it is written as it goes; date order sorts the events kept first, in
//! bounded memory (`by_date.rs`).

mod by_date;

use ledger_core::Date;
use serde::Serialize;

use self::by_date::ByDate;
use super::Context;
use super::export::{CSV_GROUPS, CsvNumbers, EventRow, Events, Walk, csv_fields};
use super::list::Filter;
use crate::cli::{Format, LogArgs, LogOrder};
use crate::error::{CliError, Result};
use crate::output::{
    Cell, Column, CsvWriter, Money, TableWriter, Widths, print, print_json_streamed,
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
    // Date order needs them all before the first: sorted once, read back as often as needed.
    let sorted = match args.order {
        LogOrder::Record => None,
        LogOrder::Date => {
            let mut by_date = ByDate::default();
            for row in events()? {
                let row = row?;
                if in_range(&row) {
                    by_date.push(&row)?;
                }
            }
            Some(by_date.into_sorted(state)?)
        }
    };
    // Every row in the order asked for, handed to `each`.
    let each_row = |each: &mut dyn FnMut(EventRow<'_>) -> Result<()>| -> Result<()> {
        match &sorted {
            Some(sorted) => sorted.try_for_each(each),
            None => {
                for row in events()? {
                    let row = row?;
                    if in_range(&row) {
                        each(row)?;
                    }
                }
                Ok(())
            }
        }
    };
    let out = || std::io::BufWriter::new(std::io::stdout().lock());
    match args.output.format {
        Format::Json => {
            let failed = std::cell::RefCell::new(None);
            print_json_streamed(&LogJson {
                since: since.map(|d| d.to_string()),
                until: until.map(|d| d.to_string()),
                events: Rows {
                    each_row: &each_row,
                    failed: &failed,
                },
            })?;
            failed.into_inner().map_or(Ok(()), Err)
        }
        Format::Csv => {
            // The export's fields, without the goal, project and sector: nothing copied.
            let mut csv = CsvWriter::new(out(), COLUMNS)?;
            each_row(&mut |row| {
                let numbers = CsvNumbers::of(&row);
                let fields = csv_fields(&row, &numbers);
                csv.fields(
                    fields
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !CSV_GROUPS.contains(i))
                        .map(|(_, field)| *field),
                )
            })?;
            csv.finish()
        }
        Format::Table => {
            let mut widths = Widths::of_headers(COLUMNS);
            let mut any = false;
            each_row(&mut |row| {
                widths.fit(COLUMNS, &cells(&row));
                any = true;
                Ok(())
            })?;
            if !any {
                return print("no events match\n");
            }
            let mut table = TableWriter::new(out(), COLUMNS, widths)?;
            each_row(&mut |row| table.row(&cells(&row)))?;
            table.finish()
        }
    }
}

/// The rows as a JSON array, written as they come. A row that cannot be read ends the array
/// and is kept in `failed`, to be reported once the JSON is closed.
struct Rows<'r, F> {
    each_row: &'r F,
    failed: &'r std::cell::RefCell<Option<CliError>>,
}

impl<F> Serialize for Rows<'_, F>
where
    F: Fn(&mut dyn FnMut(EventRow<'_>) -> Result<()>) -> Result<()>,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        let mut written = None;
        let walked = (self.each_row)(&mut |row| {
            seq.serialize_element(&row).map_err(|e| {
                written = Some(e);
                CliError::quiet(crate::error::FAILURE)
            })
        });
        if let Some(e) = written {
            return Err(e);
        }
        if let Err(e) = walked {
            *self.failed.borrow_mut() = Some(e);
        }
        seq.end()
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
