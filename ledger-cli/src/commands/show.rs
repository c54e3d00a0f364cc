//! `pledge show ID`: one pledge with its history, or one goal with its pledges.

use ledger_core::entry::{Entry, Record, Seq};
use ledger_core::scan::Item;
use ledger_core::state::NameKind;
use serde::Serialize;

use std::collections::HashMap;

use ledger_core::Date;
use ledger_core::entry::GoalId;

use super::list::{self, PledgeJson, pledge_json};
use super::{Context, parse_id};
use crate::cli::{Format, ViewArgs};
use crate::error::{CliError, Result};
use crate::ledger_file::{self, Cached, LedgerFile};
use crate::output::{Cell, Column, Money, Sheet, print, print_json};
use crate::tables::State;

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
    /// The void that voided this record, if one did.
    voided_by: Option<Seq>,
}

#[derive(Debug, Serialize)]
struct ShowRecordJson {
    id: Seq,
    kind: &'static str,
    date: Option<String>,
    /// The record it refers to, if any.
    about: Option<Seq>,
    /// What it says, in words (names as declared).
    fields: Vec<(String, String)>,
    /// Records about it: notes (on the ledger, for record 0), its void.
    history: Vec<EventJson>,
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
    merged_into: Option<String>,
    pledges: Vec<PledgeJson>,
    history: Vec<EventJson>,
}

const HISTORY_COLUMNS: &[Column] = &[
    Column::right("ID", "id"),
    Column::left("Date", "date").fixed(),
    Column::left("Event", "event"),
    Column::right("Amount", "amount"),
    Column::csv_only("commodity"),
    Column::left("Text", "text"),
    Column::left("Voided", "voided_by"),
];

pub fn run(context: &Context, id: &str, view: &ViewArgs, format: Format) -> Result<()> {
    let seq = parse_id(id)?;
    let view = context.view(view.as_of.as_deref(), view.known_at.as_deref())?;
    if view.as_of.is_none()
        && view.known_at.is_none()
        && let Some(cached) = ledger_file::read_cached(context.path()?, &context.keys, &[seq])?
    {
        if cached.sidecar.state().pledge(seq).is_none() {
            crate::sidecar::trace("set aside: it serves pledges; other records are read in full");
        } else if let Some((record, history)) = cached_pledge(&cached, seq) {
            let state = cached.sidecar.state();
            return print_pledge(state, seq, Some(record), history, context.today, format);
        } else {
            crate::sidecar::trace("given up: a record or link it gives does not hold");
        }
    }
    let ledger = ledger_file::read_and_cache(context.path()?, view, &context.keys)?;
    let state = &ledger.state;
    if seq >= state.next_seq() {
        return Err(CliError::input(format!(
            "there is no record #{seq}; the ledger{} has records #0 to #{}",
            if view.known_at.is_some() {
                " as known then"
            } else {
                ""
            },
            state.next_seq().saturating_sub(1)
        )));
    }
    let on = view.as_of.unwrap_or(context.today);
    if state.pledge(seq).is_some() {
        show_pledge(&ledger, seq, on, format)
    } else if state.goal_by_seq(seq).is_some() {
        show_goal(&ledger, seq, on, format)
    } else {
        show_record(&ledger, seq, format)
    }
}

/// Any other record: what it says, what it is about, and the records about it (notes, a void).
fn show_record(ledger: &LedgerFile, seq: Seq, format: Format) -> Result<()> {
    let state = &ledger.state;
    let Some(record) = records(ledger).find(|r| r.seq == seq) else {
        return Err(CliError::input(format!("there is no record #{seq}")));
    };
    let mut fields = describe(state, &record.entry);
    if seq == 0 {
        fields.push(("records", state.next_seq().to_string()));
    }
    let voids = voids(ledger);
    let about: Vec<EventJson> = records(ledger)
        .filter(|r| r.seq != seq && refers_to(&r.entry, seq))
        .map(|r| {
            let mut row = event_of(state, &r);
            row.voided_by = voids.get(&r.seq).copied();
            row
        })
        .collect();
    let json = ShowRecordJson {
        id: seq,
        kind: record.entry.kind(),
        date: record.entry.date().map(|d| d.to_string()),
        about: record.entry.subject().filter(|_| seq != 0),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
        history: about,
    };
    match format {
        Format::Json => print_json(&json),
        Format::Csv => print(&history_sheet(&json.history).csv()?),
        Format::Table => {
            let title = if seq == 0 {
                "Ledger (record #0)".to_string()
            } else {
                format!("Record #{seq}: {}", json.kind)
            };
            let mut text = format!("{title}\n{}", key_values(&fields));
            if !json.history.is_empty() {
                let heading = if seq == 0 { "Notes" } else { "About it" };
                text.push_str(&format!(
                    "\n{heading}\n{}",
                    history_sheet(&json.history).table()
                ));
            }
            print(&text)
        }
    }
}

/// Whether `entry` is about record `seq`: refers to it, or is a note on the ledger (`seq` 0).
fn refers_to(entry: &Entry, seq: Seq) -> bool {
    match entry {
        Entry::Note(n) if n.about.is_none() => seq == 0,
        entry => entry.subject() == Some(seq),
    }
}

/// A record's fields, in words, with names as they were declared.
fn describe(state: &State, entry: &Entry) -> Vec<(&'static str, String)> {
    let money = |a: &ledger_core::Amount| Money::new(state, a.units, a.commodity).human();
    let party = |id: u32| declared(state, NameKind::Party, id);
    let code = |c: ledger_core::CommodityId| {
        state
            .commodity(c)
            .map_or_else(|| "?".to_string(), |c| c.code.to_string())
    };
    let mut fields = Vec::new();
    if let Some(date) = entry.date() {
        fields.push(("date", date.to_string()));
    }
    match entry {
        Entry::Open(o) => fields.push(("origin", o.origin.to_string())),
        Entry::Commodity(c) => {
            fields.push(("code", c.code.to_string()));
            fields.push(("decimals", c.decimals.to_string()));
        }
        Entry::Party(n) | Entry::Project(n) | Entry::Sector(n) | Entry::Tag(n) => {
            fields.push(("name", n.to_string()))
        }
        Entry::Checkpoint(c) => {
            fields.push(("size", c.size.to_string()));
            fields.push(("root", super::audit::hex(&c.root)));
            fields.push((
                "signed",
                c.signature.as_ref().map_or_else(
                    || "no".to_string(),
                    |s| format!("key id {}", super::audit::hex(&s.key_id)),
                ),
            ));
        }
        Entry::Rate(r) => {
            fields.push((
                "rate",
                format!("1 {} = {} {}", code(r.base), r.rate, code(r.quote)),
            ));
            if let Some(goal) = r.goal.and_then(|g| state.goal(g)) {
                fields.push(("goal", goal.name.to_string()));
            }
        }
        Entry::Void(v) => {
            fields.push(("voids", format!("#{}", v.record)));
            fields.push(("reason", v.reason.to_string()));
        }
        Entry::Rename(r) => {
            let name = |id: u32| match r.kind {
                ledger_core::entry::RenameKind::Goal => state
                    .goal(ledger_core::entry::GoalId(id))
                    .map_or_else(|| "?".to_string(), |g| g.name.to_string()),
                kind => declared(state, name_kind(kind), id),
            };
            fields.push(("kind", r.kind.as_str().to_string()));
            fields.push(("from", name(r.from)));
            fields.push(("to", name(r.to)));
            fields.push(("reason", r.reason.to_string()));
        }
        Entry::Revise(r) => {
            fields.push(("goal", format!("#{}", r.goal)));
            fields.push(("target", money(&r.target)));
            if let Some(d) = r.deadline {
                fields.push(("deadline", d.to_string()));
            }
            if let Some(b) = r.beneficiary {
                fields.push(("beneficiary", party(b.0)));
            }
            fields.push(("reason", r.reason.to_string()));
        }
        Entry::Note(n) => {
            let about = n
                .about
                .map_or_else(|| "the ledger".to_string(), |s| format!("#{s}"));
            fields.push(("about", about));
            fields.push(("text", n.text.to_string()));
        }
        Entry::Fulfil(f) => {
            fields.push(("pledge", format!("#{}", f.pledge)));
            fields.push(("amount", money(&f.amount)));
        }
        Entry::Return(r) => {
            fields.push(("pledge", format!("#{}", r.pledge)));
            fields.push(("amount", money(&r.amount)));
        }
        Entry::Amend(a) => {
            fields.push(("pledge", format!("#{}", a.pledge)));
            fields.push(("amount", money(&a.amount)));
            fields.push(("reason", a.reason.to_string()));
        }
        Entry::Cancel(c) => {
            fields.push(("pledge", format!("#{}", c.pledge)));
            fields.push(("reason", c.reason.to_string()));
        }
        Entry::Reschedule(r) => {
            fields.push(("pledge", format!("#{}", r.pledge)));
            fields.push((
                "due",
                r.due.map_or_else(|| "none".to_string(), |d| d.to_string()),
            ));
            fields.push(("reason", r.reason.to_string()));
        }
        Entry::Goal(_) | Entry::Pledge(_) => {}
    }
    fields
}

/// A name as it was declared, with the name it goes by now if it was renamed or merged.
fn declared(state: &State, kind: NameKind, id: u32) -> String {
    let name = state
        .name(kind, id)
        .map_or_else(|| "?".to_string(), |n| n.to_string());
    match state.alias(kind.renamed(), id) {
        Some(alias) => {
            let now = state
                .name(kind, alias.to)
                .map_or_else(|| "?".to_string(), |n| n.to_string());
            format!("{name} (now {now}, #{})", alias.seq)
        }
        None => name,
    }
}

fn name_kind(kind: ledger_core::entry::RenameKind) -> NameKind {
    use ledger_core::entry::RenameKind;
    match kind {
        RenameKind::Project => NameKind::Project,
        RenameKind::Sector => NameKind::Sector,
        RenameKind::Tag => NameKind::Tag,
        RenameKind::Party | RenameKind::Goal => NameKind::Party,
    }
}

/// A record about a pledge, goal or the ledger, as a history row.
fn event_of(state: &State, record: &Record) -> EventJson {
    let (amount, text) = match &record.entry {
        Entry::Pledge(p) => (Some(p.amount), p.memo.as_ref().map(|m| m.to_string())),
        Entry::Goal(g) => (Some(g.target), g.memo.as_ref().map(|m| m.to_string())),
        Entry::Rate(r) => {
            let code = |c| state.commodity(c).map_or("?", |c| c.code.as_str());
            (
                None,
                Some(format!("1 {} = {} {}", code(r.base), r.rate, code(r.quote))),
            )
        }
        Entry::Rename(r) => (None, Some(format!("renamed: {}", r.reason))),
        Entry::Fulfil(f) => (Some(f.amount), f.memo.as_ref().map(|m| m.to_string())),
        Entry::Return(r) => (Some(r.amount), r.memo.as_ref().map(|m| m.to_string())),
        Entry::Amend(a) => (Some(a.amount), Some(a.reason.to_string())),
        Entry::Cancel(c) => (None, Some(c.reason.to_string())),
        Entry::Note(n) => (None, Some(n.text.to_string())),
        Entry::Void(v) => (None, Some(format!("voids #{}: {}", v.record, v.reason))),
        Entry::Reschedule(r) => (
            None,
            Some(format!(
                "due {}: {}",
                r.due.map_or_else(|| "none".to_string(), |d| d.to_string()),
                r.reason
            )),
        ),
        Entry::Revise(r) => (
            Some(r.target),
            Some(format!("target revised: {}", r.reason)),
        ),
        _ => (None, None),
    };
    let amount = amount.map(|a| Money::new(state, a.units, a.commodity));
    event(record, amount, text)
}

/// Which record voided which: voided record → the void.
fn voids(ledger: &LedgerFile) -> HashMap<Seq, Seq> {
    records(ledger)
        .filter_map(|r| match r.entry {
            Entry::Void(v) => Some((v.record, r.seq)),
            _ => None,
        })
        .collect()
}

/// The history of a pledge or goal: its own record, every record about it that counts in the
/// view, and the voids of those; with its own record. One pass over the ledger's records.
fn history(
    ledger: &LedgerFile,
    seq: Seq,
    extra: impl Fn(&Record) -> bool,
) -> (Option<Record>, Vec<EventJson>) {
    let state = &ledger.state;
    let mut voids = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut own = None;
    let mut rows = Vec::new();
    for record in records(ledger) {
        if let Entry::Void(v) = &record.entry {
            // The latest void of a record (a void may be voided, and the record voided again).
            voids.insert(v.record, record.seq);
        }
        let counts = record.entry.date().is_none_or(|d| state.counts(d));
        let about = record.seq == seq
            || refers_to(&record.entry, seq)
            || matches!(&record.entry, Entry::Void(v) if seen.contains(&v.record))
            || extra(&record);
        if about && counts {
            seen.insert(record.seq);
            rows.push(event_of(state, &record));
        }
        if record.seq == seq {
            own = Some(record);
        }
    }
    for row in &mut rows {
        row.voided_by = voids.get(&row.id).copied();
    }
    (own, rows)
}

fn show_pledge(ledger: &LedgerFile, seq: Seq, on: Date, format: Format) -> Result<()> {
    let (record, history) = history(ledger, seq, |_| false);
    print_pledge(&ledger.state, seq, record, history, on, format)
}

/// A pledge's record and history from the sidecar: its own record and the records about it,
/// read at the offsets the index gives, and the voids of those. `None` if the sidecar does
/// not hold them as it must (the caller then reads the whole ledger).
fn cached_pledge(cached: &Cached, seq: Seq) -> Option<(Record, Vec<EventJson>)> {
    let sidecar = &cached.sidecar;
    let read = |seq| sidecar.record(&cached.file, seq);
    let record = read(seq)?;
    // The records about the pledge, and the voids of any of those (a void may be voided too).
    let mut members = std::collections::BTreeMap::new();
    let mut queue = vec![seq];
    while let Some(member) = queue.pop() {
        for about in sidecar.about(member)? {
            let record = read(about)?;
            // A link must lead to a record about this one.
            if record.entry.subject() != Some(member) {
                return None;
            }
            if (member == seq || matches!(record.entry, Entry::Void(_)))
                && members.insert(about, record).is_none()
            {
                queue.push(about);
            }
        }
    }
    let mut voids = HashMap::new();
    for (&at, record) in &members {
        if let Entry::Void(v) = &record.entry {
            let latest = voids.entry(v.record).or_insert(at);
            *latest = (*latest).max(at);
        }
    }
    let state = sidecar.state();
    let history = std::iter::once(&record)
        .chain(members.values())
        .map(|record| {
            let mut row = event_of(state, record);
            row.voided_by = voids.get(&record.seq).copied();
            row
        })
        .collect();
    Some((record, history))
}

fn print_pledge(
    state: &State,
    seq: Seq,
    record: Option<Record>,
    history: Vec<EventJson>,
    on: Date,
    format: Format,
) -> Result<()> {
    let Some(pledge) = state.pledge(seq) else {
        return Ok(());
    };
    let (tags, memo) = match record.map(|r| r.entry) {
        Some(Entry::Pledge(p)) => (
            p.tags
                .iter()
                .map(|t| declared(state, NameKind::Tag, t.0))
                .collect(),
            p.memo.as_ref().map(|m| m.to_string()),
        ),
        _ => (Vec::new(), None),
    };
    let mut json = ShowPledgeJson {
        pledge: pledge_json(state, &pledge, on),
        tags,
        memo,
        history,
    };
    // `show` keeps the names the pledge was recorded with, and says what they are now.
    json.pledge.from = declared(state, NameKind::Party, pledge.from.0);
    json.pledge.to = declared(state, NameKind::Party, pledge.to.0);
    json.pledge.project = pledge
        .project
        .map(|p| declared(state, NameKind::Project, p.0));
    json.pledge.sector = pledge
        .sector
        .map(|s| declared(state, NameKind::Sector, s.0));
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

fn show_goal(ledger: &LedgerFile, seq: Seq, on: Date, format: Format) -> Result<()> {
    let state = &ledger.state;
    let Some((index, goal)) = state.goals().iter().enumerate().find(|(_, g)| g.seq == seq) else {
        return Ok(());
    };
    let id = GoalId(u32::try_from(index).unwrap_or(u32::MAX));
    // Pledges toward it, and toward goals merged into it.
    let pledges = state
        .pledges()
        .filter(|p| !p.voided && p.goal.is_some_and(|g| state.current_goal(g) == id))
        .filter(|p| state.counts(p.date))
        .map(|p| pledge_json(state, &p, on))
        .collect();
    let (own, history) = history(ledger, seq, |r| match &r.entry {
        Entry::Rename(rn) => {
            rn.kind == ledger_core::entry::RenameKind::Goal && (rn.from == id.0 || rn.to == id.0)
        }
        Entry::Rate(rate) => rate.goal == Some(id),
        _ => false,
    });
    let memo = own.and_then(|r| match r.entry {
        Entry::Goal(g) => g.memo.map(|m| m.to_string()),
        _ => None,
    });
    let json = ShowGoalJson {
        id: seq,
        name: goal.name.to_string(),
        date: goal.date.to_string(),
        beneficiary: goal
            .beneficiary
            .map(|b| declared(state, NameKind::Party, b.0)),
        target: Money::new(state, goal.target.units, goal.target.commodity),
        deadline: goal.deadline.map(|d| d.to_string()),
        memo,
        merged_into: state
            .alias(ledger_core::entry::RenameKind::Goal, id.0)
            .and_then(|a| state.goal(GoalId(a.to)))
            .map(|g| g.name.to_string()),
        pledges,
        history,
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
                ("merged into", json.merged_into.clone()),
            ];
            fields.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
            let pledges = if json.pledges.is_empty() {
                "none yet\n".to_string()
            } else {
                list::sheet(&json.pledges).table()
            };
            print(&format!(
                "Goal #{seq}\n{}\nHistory\n{}\nPledges\n{pledges}",
                key_values(&fields),
                history_sheet(&json.history).table()
            ))
        }
    }
}

/// Every intact record of the ledger, read again from its bytes (the fold keeps no history),
/// up to the last one the view knows (`--known-at`).
fn records(ledger: &LedgerFile) -> impl Iterator<Item = Record> + '_ {
    let known = ledger.state.next_seq();
    ledger
        .bytes
        .scan()
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Record { record, .. } => Some(record),
            _ => None,
        })
        .take_while(move |record| record.seq < known)
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
        voided_by: None,
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
            Cell::maybe(e.voided_by.map(|v| format!("by #{v}"))),
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
