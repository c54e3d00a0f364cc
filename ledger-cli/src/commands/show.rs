//! `pledge show ID`: one pledge with its history, or one goal with its pledges.

use ledger_core::entry::{Entry, Record, Seq};
use ledger_core::scan::{Item, Scanner};
use ledger_core::state::NameKind;
use serde::Serialize;

use super::list::{self, PledgeJson, pledge_json};
use super::{Context, parse_id};
use crate::cli::Format;
use crate::error::{CliError, Result};
use crate::ledger_file::{self, LedgerFile};
use crate::output::{Cell, Column, Money, Sheet, print, print_json};

#[derive(Debug, Serialize)]
struct ShowPledgeJson {
    #[serde(flatten)]
    pledge: PledgeJson,
    tags: Vec<String>,
    memo: Option<String>,
    history: Vec<EventJson>,
}

#[derive(Debug, Serialize)]
struct EventJson {
    id: Seq,
    date: String,
    event: &'static str,
    amount: Option<Money>,
    text: Option<String>,
}

#[derive(Debug, Serialize)]
struct ShowGoalJson {
    id: Seq,
    name: String,
    date: String,
    beneficiary: Option<String>,
    target: Money,
    deadline: Option<String>,
    memo: Option<String>,
    pledges: Vec<PledgeJson>,
}

const HISTORY_COLUMNS: &[Column] = &[
    Column::right("ID", "id"),
    Column::left("Date", "date"),
    Column::left("Event", "event"),
    Column::right("Amount", "amount"),
    Column::csv_only("commodity"),
    Column::left("Text", "text"),
];

pub fn run(context: &Context, id: &str, format: Format) -> Result<()> {
    let seq = parse_id(id)?;
    let ledger = ledger_file::read(context.path()?, None, &context.keys)?;
    if ledger.state.pledge(seq).is_some() {
        show_pledge(context, &ledger, seq, format)
    } else if ledger.state.goals().iter().any(|g| g.seq == seq) {
        show_goal(context, &ledger, seq, format)
    } else {
        Err(CliError::input(format!(
            "there is no pledge or goal #{seq}; `pledge list` and `pledge report` show the ids"
        )))
    }
}

fn show_pledge(context: &Context, ledger: &LedgerFile, seq: Seq, format: Format) -> Result<()> {
    let state = &ledger.state;
    let Some(pledge) = state.pledge(seq) else {
        return Ok(());
    };
    let mut tags = Vec::new();
    let mut memo = None;
    let mut history = Vec::new();
    for record in records(ledger) {
        match &record.entry {
            Entry::Pledge(p) if record.seq == seq => {
                tags = p
                    .tags
                    .iter()
                    .filter_map(|t| state.name(NameKind::Tag, t.0))
                    .map(|n| n.to_string())
                    .collect();
                memo = p.memo.as_ref().map(|m| m.to_string());
                history.push(event(
                    &record,
                    Some(Money::new(state, p.amount.units, p.amount.commodity)),
                    memo.clone(),
                ));
            }
            entry if entry.subject() == Some(seq) => {
                let (amount, text) = match entry {
                    Entry::Fulfil(f) => (Some(f.amount), f.memo.as_ref().map(|m| m.to_string())),
                    Entry::Amend(a) => (Some(a.amount), Some(a.reason.to_string())),
                    Entry::Cancel(c) => (None, Some(c.reason.to_string())),
                    Entry::Note(n) => (None, Some(n.text.to_string())),
                    _ => (None, None),
                };
                let amount = amount.map(|a| Money::new(state, a.units, a.commodity));
                history.push(event(&record, amount, text));
            }
            _ => {}
        }
    }
    let json = ShowPledgeJson {
        pledge: pledge_json(state, pledge, context.today),
        tags,
        memo,
        history,
    };
    match format {
        Format::Json => print_json(&json),
        Format::Csv => print(&history_sheet(&json.history).csv()?),
        Format::Table => {
            let p = &json.pledge;
            let status = if p.overdue {
                format!("{}, overdue", p.status)
            } else {
                p.status.to_string()
            };
            let mut fields = vec![
                ("date", p.date.clone()),
                ("from", p.from.clone()),
                ("to", p.to.clone()),
                ("amount", p.amount.human()),
                ("fulfilled", p.fulfilled.human()),
                ("outstanding", p.outstanding.human()),
                ("status", status),
            ];
            let optional = [
                ("due", p.due.clone()),
                ("goal", p.goal.clone()),
                ("project", p.project.clone()),
                ("sector", p.sector.clone()),
                (
                    "tags",
                    (!json.tags.is_empty()).then(|| json.tags.join(", ")),
                ),
                ("memo", json.memo.clone()),
            ];
            fields.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
            let text = format!(
                "Pledge #{}\n{}\nHistory\n{}",
                p.id,
                key_values(&fields),
                history_sheet(&json.history).table()
            );
            print(&text)
        }
    }
}

fn show_goal(context: &Context, ledger: &LedgerFile, seq: Seq, format: Format) -> Result<()> {
    let state = &ledger.state;
    let Some((index, goal)) = state.goals().iter().enumerate().find(|(_, g)| g.seq == seq) else {
        return Ok(());
    };
    let memo = records(ledger).find_map(|r| match r.entry {
        Entry::Goal(g) if r.seq == seq => g.memo.map(|m| m.to_string()),
        _ => None,
    });
    let pledges = state
        .pledges()
        .iter()
        .filter(|p| p.goal.is_some_and(|g| g.0 as usize == index))
        .map(|p| pledge_json(state, p, context.today))
        .collect();
    let json = ShowGoalJson {
        id: seq,
        name: goal.name.to_string(),
        date: goal.date.to_string(),
        beneficiary: goal
            .beneficiary
            .and_then(|b| state.name(NameKind::Party, b.0))
            .map(|n| n.to_string()),
        target: Money::new(state, goal.target.units, goal.target.commodity),
        deadline: goal.deadline.map(|d| d.to_string()),
        memo,
        pledges,
    };
    match format {
        Format::Json => print_json(&json),
        Format::Csv => print(&list::sheet(&json.pledges).csv()?),
        Format::Table => {
            let mut fields = vec![
                ("name", json.name.clone()),
                ("date", json.date.clone()),
                ("target", json.target.human()),
            ];
            let optional = [
                ("beneficiary", json.beneficiary.clone()),
                ("deadline", json.deadline.clone()),
                ("memo", json.memo.clone()),
            ];
            fields.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
            let pledges = if json.pledges.is_empty() {
                "none yet\n".to_string()
            } else {
                list::sheet(&json.pledges).table()
            };
            print(&format!(
                "Goal #{seq}\n{}\nPledges\n{pledges}",
                key_values(&fields)
            ))
        }
    }
}

/// Every intact record of the ledger, read again from its bytes (the fold keeps no history).
fn records(ledger: &LedgerFile) -> impl Iterator<Item = Record> + '_ {
    Scanner::new(&ledger.bytes)
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Record { record, .. } => Some(record),
            _ => None,
        })
}

fn event(record: &Record, amount: Option<Money>, text: Option<String>) -> EventJson {
    EventJson {
        id: record.seq,
        date: record
            .entry
            .date()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        event: record.entry.kind(),
        amount,
        text,
    }
}

fn history_sheet(history: &[EventJson]) -> Sheet {
    let mut sheet = Sheet::new(HISTORY_COLUMNS);
    for e in history {
        sheet.push(vec![
            Cell::text(e.id.to_string()),
            Cell::text(&e.date),
            Cell::text(e.event),
            e.amount
                .as_ref()
                .map_or_else(|| Cell::text(""), Cell::money),
            Cell::maybe(e.amount.as_ref().map(|a| a.commodity.clone())),
            Cell::maybe(e.text.as_deref()),
        ]);
    }
    sheet
}

fn key_values(fields: &[(&str, String)]) -> String {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    fields
        .iter()
        .map(|(k, v)| format!("  {k:<width$}  {}\n", crate::escape::escape(v)))
        .collect()
}
