//! `pledge import FILE`: rows of CSV or JSON (the columns `export` writes, or others mapped with
//! `--map`) checked against the ledger, every one of them, before anything is written; then all
//! of them appended in one write and one sync, under the append journal: all or nothing, a crash
//! included. A row's external reference (`ref`) is kept with its pledge as a note `ref: …`, so
//! that importing the same file again records nothing twice.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use ledger_core::entry::{self, Amend, Cancel, Entry, Fulfil, Note, Return, Seq};
use ledger_core::scan::Item;
use serde_json::Value;

use super::Context;
use super::record::{Frames, amount, declare_exact, find_goal, sink};
use crate::cli::ImportArgs;
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::mapped::Mapped;
use crate::tables::State;

/// The fields a row may have, by the names `export` gives its columns.
const FIELDS: [&str; 14] = [
    "id",
    "kind",
    "date",
    "pledge",
    "from",
    "to",
    "goal",
    "project",
    "sector",
    "amount",
    "commodity",
    "due",
    "text",
    "ref",
];

/// The prefix of the note that keeps a pledge's external reference.
const REF: &str = "ref: ";

/// One row: the value of each field (in `FIELDS` order), borrowed from what was read.
struct Row<'a> {
    number: usize,
    values: [Option<&'a str>; FIELDS.len()],
}

impl Row<'_> {
    fn get(&self, field: &str) -> Option<&str> {
        let at = FIELDS.iter().position(|f| *f == field)?;
        self.values
            .get(at)
            .copied()
            .flatten()
            .filter(|v| !v.trim().is_empty())
    }
}

/// What an import has done so far.
#[derive(Default)]
struct Tally {
    added: usize,
    skipped: usize,
    ignored: usize,
}

/// What every row is checked against and appended to.
struct Importer<'a> {
    path: &'a Path,
    state: &'a mut State,
    frames: Frames,
    known: HashSet<String>,
    /// The file's own ids, to the pledges they became (or `None`: imported before).
    ids: HashMap<String, Option<Seq>>,
    /// The column each field is read from, as the file names it (for errors).
    columns: [String; FIELDS.len()],
    tally: Tally,
    progress: indicatif::ProgressBar,
}

impl Importer<'_> {
    fn row(&mut self, row: &Row<'_>, context: &Context) -> Result<()> {
        self.progress.inc(1);
        let (path, columns) = (self.path, &self.columns);
        let at = |field: &str, value: &str, why: &dyn std::fmt::Display| {
            let column = FIELDS
                .iter()
                .position(|f| *f == field)
                .and_then(|i| columns.get(i))
                .map_or(field, String::as_str);
            CliError::input(format!(
                "{}: row {}, column '{column}': '{value}': {why}",
                path.display(),
                row.number
            ))
        };
        match import_row(
            self.state,
            row,
            &self.known,
            &mut self.ids,
            &mut self.frames,
            context,
            &at,
        )? {
            Some(true) => self.tally.added += 1,
            Some(false) => self.tally.skipped += 1,
            None => self.tally.ignored += 1,
        }
        Ok(())
    }
}

pub fn run(context: &Context, args: &ImportArgs) -> Result<()> {
    let path = args.input.as_path();
    let mapping = mapping(&args.map)?;
    // Mapped, and let go of behind the reader: a million rows need not be in memory at once.
    let bytes = crate::files::map_regular(path)
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    let mut ledger = ledger_file::append(context.path()?, &context.keys, context.today)?;
    let known = imported_refs(&ledger.bytes);
    let progress = indicatif::ProgressBar::new(rows_for_progress(&bytes));
    progress.set_style(
        indicatif::ProgressStyle::with_template("checking {pos}/{len} rows {wide_bar}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut importer = Importer {
        path,
        state: &mut ledger.state,
        frames: Frames::new(),
        known,
        ids: HashMap::new(),
        columns: FIELDS.map(str::to_string),
        tally: Tally::default(),
        progress,
    };
    for (column, field) in &mapping {
        if let Some(i) = FIELDS.iter().position(|f| f == field) {
            importer.columns[i] = column.clone();
        }
    }
    let field_of = |column: &str| -> Option<usize> {
        let field = mapping.get(column).copied().unwrap_or(column);
        FIELDS.iter().position(|f| *f == field)
    };
    let json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'[' | b'{'));
    if json {
        read_json(
            &bytes,
            &field_of,
            args.source.as_deref(),
            &mut importer,
            context,
        )?;
    } else {
        read_csv(
            &bytes,
            &field_of,
            args.source.as_deref(),
            &mut importer,
            context,
        )?;
    }
    importer.progress.finish_and_clear();
    let Tally {
        added,
        skipped,
        ignored,
    } = importer.tally;
    let frames = importer.frames;
    let mut said = format!("imported {added} rows from {}", path.display());
    if skipped > 0 {
        said.push_str(&format!("; {skipped} imported before, left out"));
    }
    if ignored > 0 {
        said.push_str(&format!(
            "; {ignored} goal, rate and correction rows not imported"
        ));
    }
    if !frames.is_empty() {
        ledger.commit(&frames)?;
    }
    crate::output::print(&format!("{said}\n"))
}

/// With a source, a row's reference is `source#id` unless it has its own.
fn reference(row: &Row<'_>, source: Option<&str>) -> Option<String> {
    match (row.get("ref"), source, row.get("id")) {
        (None, Some(source), Some(id)) => Some(format!("{source}#{id}")),
        _ => None,
    }
}

/// Checks one row read from either format, its reference derived from the source first.
fn check_row(
    importer: &mut Importer<'_>,
    row: Row<'_>,
    source: Option<&str>,
    context: &Context,
) -> Result<()> {
    let derived = reference(&row, source);
    // The row, now borrowing the derived reference too (a shorter life than its fields').
    let mut row: Row<'_> = row;
    if let (Some(derived), Some(slot)) = (&derived, row.values.last_mut()) {
        *slot = Some(derived);
    }
    importer.row(&row, context)
}

/// How many lines `bytes` has, for the progress bar (0 when stderr is not a terminal, where no
/// bar is drawn, so that the input is not read twice for nothing).
fn rows_for_progress(bytes: &Mapped) -> u64 {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return 0;
    }
    let mut behind = bytes.behind();
    let mut lines = 0;
    let mut at = 0;
    for chunk in bytes.chunks(1 << 20) {
        lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        at += chunk.len();
        behind.reached(at);
    }
    lines
}

/// CSV: a header row, then data, each row checked as it is read.
fn read_csv(
    bytes: &Mapped,
    field_of: &dyn Fn(&str) -> Option<usize>,
    source: Option<&str>,
    importer: &mut Importer<'_>,
    context: &Context,
) -> Result<()> {
    let path = importer.path;
    let mut reader = csv::ReaderBuilder::new().from_reader(&**bytes);
    let mut behind = bytes.behind();
    let headers = reader
        .headers()
        .map_err(|e| CliError::input(format!("{}: not CSV: {e}", path.display())))?
        .clone();
    let fields: Vec<Option<usize>> = headers.iter().map(field_of).collect();
    if !fields.iter().any(Option::is_some) {
        return Err(CliError::input(format!(
            "{}: no column is one import knows ({}); map yours with --map FIELD=COLUMN",
            path.display(),
            FIELDS.join(", ")
        )));
    }
    let mut record = csv::StringRecord::new();
    let mut number = 1;
    loop {
        number += 1;
        let more = reader
            .read_record(&mut record)
            .map_err(|e| CliError::input(format!("{}: row {number}: {e}", path.display())))?;
        if !more {
            return Ok(());
        }
        behind.reached(usize::try_from(reader.position().byte()).unwrap_or(0));
        let mut row = Row {
            number,
            values: [None; FIELDS.len()],
        };
        for (value, field) in record.iter().zip(&fields) {
            if let Some(slot) = field.and_then(|i| row.values.get_mut(i)) {
                *slot = Some(value);
            }
        }
        check_row(importer, row, source, context)?;
    }
}

/// JSON: an array of objects, or an export (`{"origin", "events": [...]}`, whose origin is the
/// source).
fn read_json(
    bytes: &[u8],
    field_of: &dyn Fn(&str) -> Option<usize>,
    source: Option<&str>,
    importer: &mut Importer<'_>,
    context: &Context,
) -> Result<()> {
    let path = importer.path;
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| CliError::input(format!("{}: not JSON: {e}", path.display())))?;
    let (items, origin) = match &value {
        Value::Array(items) => (items.as_slice(), None),
        Value::Object(map) => (
            map.get("events")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
            map.get("origin").and_then(Value::as_str),
        ),
        _ => (&[][..], None),
    };
    let source = source.or(origin);
    let commodity = FIELDS.iter().position(|f| *f == "commodity");
    for (n, item) in items.iter().enumerate() {
        let mut owned: [Option<String>; FIELDS.len()] = Default::default();
        let mut money_code: Option<String> = None;
        if let Value::Object(map) = item {
            for (column, value) in map {
                let Some(slot) = field_of(column).and_then(|i| owned.get_mut(i)) else {
                    continue;
                };
                *slot = match value {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    // Money, as export writes it: its value, and its commodity.
                    Value::Object(m) => {
                        if let Some(code) = m.get("commodity").and_then(Value::as_str) {
                            money_code.get_or_insert_with(|| code.to_string());
                        }
                        m.get("value").and_then(Value::as_str).map(str::to_string)
                    }
                    other => Some(other.to_string()),
                };
            }
        }
        if let Some(slot) = commodity.and_then(|i| owned.get_mut(i))
            && slot.is_none()
        {
            *slot = money_code;
        }
        let mut row = Row {
            number: n + 1,
            values: [None; FIELDS.len()],
        };
        for (slot, value) in row.values.iter_mut().zip(&owned) {
            *slot = value.as_deref();
        }
        check_row(importer, row, source, context)?;
    }
    Ok(())
}

/// `--map FIELD=COLUMN` pairs, checked: the field must be one `import` knows.
fn mapping(pairs: &[String]) -> Result<HashMap<String, &'static str>> {
    let mut map = HashMap::new();
    for pair in pairs {
        let Some((field, column)) = pair.split_once('=') else {
            return Err(CliError::input(format!(
                "--map '{pair}': expected FIELD=COLUMN, e.g. from=Donor"
            )));
        };
        let field = FIELDS.iter().find(|f| **f == field.trim()).ok_or_else(|| {
            CliError::input(format!(
                "--map '{pair}': no field '{field}'; the fields are {}",
                FIELDS.join(", ")
            ))
        })?;
        map.insert(column.to_string(), *field);
    }
    Ok(map)
}

/// What was imported into the ledger before: the references of its `ref: …` notes on pledges,
/// and the texts of its notes on the ledger itself (such a note has no pledge to hold a
/// reference: the same text is the same note).
fn imported_refs(bytes: &Mapped) -> HashSet<String> {
    bytes
        .scan()
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Record { record, .. } => match record.entry {
                Entry::Note(n) => match n.about {
                    Some(_) => n.text.strip_prefix(REF).map(str::to_string),
                    None => Some(ledger_note(&n.text)),
                },
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The key a note on the ledger is known by among references.
fn ledger_note(text: &str) -> String {
    format!("note on the ledger: {text}")
}

/// Checks and appends (to `frames`) one row: `Some(true)` when it is, `Some(false)` when it was
/// imported before, `None` for a kind import leaves to the recorder.
fn import_row(
    state: &mut State,
    row: &Row<'_>,
    known: &HashSet<String>,
    ids: &mut HashMap<String, Option<Seq>>,
    frames: &mut Frames,
    context: &Context,
    at: &dyn Fn(&str, &str, &dyn std::fmt::Display) -> CliError,
) -> Result<Option<bool>> {
    let kind = row.get("kind").unwrap_or("pledge");
    let reference = row.get("ref").map(str::to_string);
    let seen = reference.as_ref().is_some_and(|r| known.contains(r));
    let text = row
        .get("text")
        .map(|t| entry::text(t).map_err(|e| at("text", t, &e)))
        .transpose()?;
    let date = match row.get("date") {
        Some(d) => ledger_core::Date::parse(d).map_err(|e| at("date", d, &e))?,
        None => context.today,
    };
    let money = |state: &mut State, frames: &mut Frames| -> Result<ledger_core::Amount> {
        let quantity = row
            .get("amount")
            .ok_or_else(|| at("amount", "", &"an amount is needed"))?;
        let text = match row.get("commodity") {
            Some(code) if !quantity.trim().ends_with(code) => format!("{quantity} {code}"),
            _ => quantity.to_string(),
        };
        amount(state, "amount", &text, frames).map_err(|e| {
            // The amount's own message names it again: once is enough.
            let message = e.message();
            let why = message
                .strip_prefix(&format!("amount '{text}': "))
                .unwrap_or(message);
            at("amount", &text, &why)
        })
    };
    // The pledge an event is about: a row of this file, by its id.
    let subject = |ids: &HashMap<String, Option<Seq>>| -> Result<Option<Seq>> {
        let id = row
            .get("pledge")
            .ok_or_else(|| at("pledge", "", &"which pledge: its id in this file"))?;
        ids.get(id).copied().ok_or_else(|| {
            at(
                "pledge",
                id,
                &"no pledge with this id comes before it in the file",
            )
        })
    };
    let append =
        |state: &mut State, frames: &mut Frames, entry: Entry, field: &str| -> Result<Seq> {
            state.append(entry, &mut sink(frames)).map_err(|e| match e {
                ledger_core::state::AppendError::Ledger(e) => {
                    at(field, row.get(field).unwrap_or(""), &e)
                }
                other => CliError::failure(format!("{other:?}")),
            })
        };
    match kind {
        "pledge" => {
            if seen {
                if let Some(id) = row.get("id") {
                    ids.insert(id.to_string(), None);
                }
                return Ok(Some(false));
            }
            let amount = money(state, frames)?;
            use ledger_core::state::NameKind;
            // As it stands now (a name merged away is what it was merged into); no
            // did-you-mean warnings in bulk.
            let name = |state: &mut State,
                        frames: &mut Frames,
                        kind: NameKind,
                        field: &str|
             -> Result<Option<u32>> {
                row.get(field)
                    .map(|n| {
                        declare_exact(state, kind, field, n, frames)
                            .map(|id| state.current_id(kind.renamed(), id))
                            .map_err(|e| at(field, n, &e.message()))
                    })
                    .transpose()
            };
            let from = name(state, frames, NameKind::Party, "from")?
                .ok_or_else(|| at("from", "", &"a pledger is needed"))?;
            let to = name(state, frames, NameKind::Party, "to")?
                .ok_or_else(|| at("to", "", &"a beneficiary is needed"))?;
            let project = name(state, frames, NameKind::Project, "project")?;
            let sector = name(state, frames, NameKind::Sector, "sector")?;
            let goal = row
                .get("goal")
                .map(|g| find_goal(state, g).map_err(|e| at("goal", g, &e.message())))
                .transpose()?;
            let due = row
                .get("due")
                .map(|d| ledger_core::Date::parse(d).map_err(|e| at("due", d, &e)))
                .transpose()?;
            let pledge = entry::Pledge {
                date,
                from: entry::PartyId(from),
                to: entry::PartyId(to),
                amount,
                goal,
                project: project.map(entry::ProjectId),
                sector: sector.map(entry::SectorId),
                tags: entry::Tags::new(),
                due,
                memo: text,
                planned: false,
            };
            let seq = append(state, frames, Entry::Pledge(pledge), "amount")?;
            if let Some(id) = row.get("id") {
                ids.insert(id.to_string(), Some(seq));
            }
            if let Some(reference) = reference {
                let note = Note {
                    date,
                    about: Some(seq),
                    text: entry::text(&format!("{REF}{reference}"))
                        .map_err(|e| at("ref", &reference, &e))?,
                };
                append(state, frames, Entry::Note(note), "ref")?;
            }
            Ok(Some(true))
        }
        "note" if row.get("pledge").is_none() => {
            let text = text.ok_or_else(|| at("text", "", &"a note needs its text"))?;
            if known.contains(&ledger_note(&text)) {
                return Ok(Some(false));
            }
            let note = Note {
                date,
                about: None,
                text,
            };
            append(state, frames, Entry::Note(note), "text")?;
            Ok(Some(true))
        }
        "fulfil" | "return" | "amend" | "cancel" | "note" => {
            // Events of a pledge imported before were imported with it.
            let Some(pledge) = subject(ids)? else {
                return Ok(Some(false));
            };
            let reason = || {
                text.clone()
                    .ok_or_else(|| at("text", "", &"a reason is needed"))
            };
            let entry = match kind {
                "fulfil" => Entry::Fulfil(Fulfil {
                    date,
                    pledge,
                    amount: money(state, frames)?,
                    memo: text.clone(),
                }),
                "return" => Entry::Return(Return {
                    date,
                    pledge,
                    amount: money(state, frames)?,
                    memo: text.clone(),
                }),
                "amend" => Entry::Amend(Amend {
                    date,
                    pledge,
                    amount: money(state, frames)?,
                    reason: reason()?,
                }),
                "cancel" => Entry::Cancel(Cancel {
                    date,
                    pledge,
                    reason: reason()?,
                }),
                _ => Entry::Note(Note {
                    date,
                    about: Some(pledge),
                    text: reason()?,
                }),
            };
            append(state, frames, entry, "amount")?;
            Ok(Some(true))
        }
        // Goals and rates are set in the ledger imported into; corrections are its own.
        "goal" | "rate" | "void" | "rename" | "reschedule" | "revise" => Ok(None),
        other => Err(at(
            "kind",
            other,
            &"import takes pledge, fulfil, return, amend, cancel and note rows",
        )),
    }
}
