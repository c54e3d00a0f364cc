//! `pledge import FILE`: rows of CSV or JSON (the columns `export` writes, or others mapped with
//! `--map`) checked against the ledger, every one of them, before anything is written; then all
//! of them appended in one write and one sync, under the append journal: all or nothing, a crash
//! included (the records of a large file wait in a temporary file meanwhile: `spool.rs`). A
//! row's external reference (`ref`) is kept with its pledge as a note `ref: …`, so that
//! importing the same file again records nothing twice.

mod json;
mod refs;

use std::collections::HashMap;
use std::path::Path;

use ledger_core::entry::{self, Amend, Cancel, Entry, Fulfil, Note, Return, Seq};
use ledger_core::error::LedgerError;
use ledger_core::scan::Item;
use serde_json::Value;

use super::Context;
use super::record::{Frames, amount, declare_exact, find_goal, sink};
use crate::cli::ImportArgs;
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::mapped::Mapped;
use crate::sidecar;
use crate::spool::Spool;
use crate::tables::State;
use refs::RefSet;

/// The byte-order mark a UTF-8 file may start with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// A field of a row: its place in `FIELDS`, fixed when the program is built so that reading a
/// field costs no string comparison (a million rows read about ten fields each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field(usize);

impl Field {
    /// The field `name`; a name that is not in `FIELDS` fails the build (every use is a constant).
    const fn named(name: &str) -> Field {
        let mut at = 0;
        while at < FIELDS.len() {
            if eq(FIELDS[at].as_bytes(), name.as_bytes()) {
                return Field(at);
            }
            at += 1;
        }
        panic!("not one of FIELDS")
    }

    /// Its name, as `export` writes the column.
    fn name(self) -> &'static str {
        FIELDS.get(self.0).copied().unwrap_or("")
    }
}

/// Byte strings equal, in a `const fn` (where `==` on slices is not yet allowed).
const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const ID: Field = Field::named("id");
const KIND: Field = Field::named("kind");
const DATE: Field = Field::named("date");
const PLEDGE: Field = Field::named("pledge");
const FROM: Field = Field::named("from");
const TO: Field = Field::named("to");
const GOAL: Field = Field::named("goal");
const PROJECT: Field = Field::named("project");
const SECTOR: Field = Field::named("sector");
const AMOUNT: Field = Field::named("amount");
const COMMODITY: Field = Field::named("commodity");
const DUE: Field = Field::named("due");
const TEXT: Field = Field::named("text");
const REF_FIELD: Field = Field::named("ref");

/// One row: the value of each field (in `FIELDS` order), borrowed from what was read.
struct Row<'a> {
    number: usize,
    values: [Option<&'a str>; FIELDS.len()],
}

impl Row<'_> {
    /// A field's value, if the row has one that is not blank.
    fn get(&self, field: Field) -> Option<&str> {
        self.values
            .get(field.0)
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
    /// The frames of the rows checked so far, past the few MiB `frames` holds.
    spool: Spool,
    /// Where the frames are handed to be located, if the append writes a sidecar.
    ahead: Option<sidecar::Ahead>,
    /// How many bytes of `frames` were handed on.
    handed: usize,
    known: Imported,
    /// The file's own ids, to the pledges they became (or `None`: imported before).
    ids: HashMap<String, Option<Seq>>,
    /// The column each field is read from, as the file names it (for errors).
    columns: [String; FIELDS.len()],
    tally: Tally,
    progress: indicatif::ProgressBar,
}

/// Bytes of frames handed on to be located at a time: the import goes on meanwhile, and what
/// is left to locate when it ends is less than this.
const HAND: usize = 256 << 10;

impl Importer<'_> {
    /// Hands the frames made since the last time on to be located, if they are [`HAND`] bytes
    /// or more, or if `all`.
    fn hand_on(&mut self, all: bool) {
        let Some(ahead) = &self.ahead else {
            return;
        };
        let new = self.frames.get(self.handed..).unwrap_or_default();
        if new.len() >= HAND || (all && !new.is_empty()) {
            ahead.hand(new.to_vec());
            self.handed = self.frames.len();
        }
    }

    fn row(&mut self, row: &Row<'_>, context: &Context) -> Result<()> {
        // A bar's tick reads the clock: once every 4,096 rows is often enough to watch.
        if row.number.is_multiple_of(4096) {
            self.progress.set_position(row.number as u64);
        }
        let (path, columns) = (self.path, &self.columns);
        let at = |field: Field, value: &str, why: &dyn std::fmt::Display| {
            let column = columns.get(field.0).map_or(field.name(), String::as_str);
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
        // Handed on to be located as they come, all of them before they are spilled; past a few
        // MiB, they wait in a temporary file, not in memory.
        self.hand_on(self.frames.len() >= crate::spool::SPILL);
        self.spool.take_from(&mut self.frames).map_err(|e| {
            CliError::failure(format!(
                "cannot keep the rows' records in a temporary file: {e}; nothing was imported"
            ))
        })?;
        if self.frames.is_empty() {
            self.handed = 0;
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
    let known = Imported::of(&ledger.bytes);
    // The records are located for the sidecar written after the append as they are made, on
    // another thread: after a million rows, that work alone took a fifth of the import.
    let ahead = ledger.locate_ahead();
    let progress = indicatif::ProgressBar::new(rows_for_progress(&bytes));
    progress.set_style(
        indicatif::ProgressStyle::with_template("checking {pos}/{len} rows {wide_bar}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut importer = Importer {
        path,
        state: &mut ledger.state,
        frames: Frames::new(),
        spool: Spool::default(),
        ahead,
        handed: 0,
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
    // A spreadsheet's "CSV UTF-8" (and some JSON writers) start with a byte-order mark: not
    // part of the first column's name, nor a reason to take JSON for CSV.
    let start = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let json = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'[' | b'{'));
    let read = if json { read_json } else { read_csv };
    read(
        &bytes,
        start,
        &field_of,
        args.source.as_deref(),
        &mut importer,
        context,
    )?;
    importer.progress.finish_and_clear();
    importer.hand_on(true);
    let Tally {
        added,
        skipped,
        ignored,
    } = importer.tally;
    let (frames, spool, ahead) = (importer.frames, importer.spool, importer.ahead);
    let mut said = format!("imported {added} rows from {}", path.display());
    if skipped > 0 {
        said.push_str(&format!("; {skipped} imported before, left out"));
    }
    if ignored > 0 {
        said.push_str(&format!(
            "; {ignored} goal, rate and correction rows not imported"
        ));
    }
    let appended = spool.with_tail(&frames);
    if appended.len() > 0 {
        ledger.commit_appended(appended, ahead)?;
    }
    crate::output::print(&format!("{said}\n"))
}

/// With a source, a row's reference is `source#id` unless it has its own.
fn reference(row: &Row<'_>, source: Option<&str>) -> Option<String> {
    match (row.get(REF_FIELD), source, row.get(ID)) {
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

/// CSV rows handed from the reading thread to the checking one at a time: enough that the
/// two rarely wait for each other, few enough that a batch is a few hundred KiB.
const BATCH: usize = 2048;

/// Batches the reading thread may be ahead by.
const AHEAD: usize = 4;

/// Rows read by the reading thread: the first `len` of `records`, then perhaps the error that
/// stopped it, already said with its row.
struct Batch {
    records: Vec<csv::StringRecord>,
    len: usize,
    error: Option<CliError>,
}

/// CSV: a header row, then data, each row checked as it is read. Parsing the CSV is a tenth of
/// an import's time, so a second thread does it while this one checks the rows before.
fn read_csv(
    bytes: &Mapped,
    start: usize,
    field_of: &dyn Fn(&str) -> Option<usize>,
    source: Option<&str>,
    importer: &mut Importer<'_>,
    context: &Context,
) -> Result<()> {
    let path = importer.path;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.get(start..).unwrap_or_default());
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
    let (full, batches) = std::sync::mpsc::sync_channel::<Batch>(AHEAD);
    let (used, empties) = std::sync::mpsc::channel::<Vec<csv::StringRecord>>();
    std::thread::scope(|scope| {
        scope.spawn(move || read_batches(reader, bytes, start, path, full, empties));
        let mut number = 1;
        // Ends when the reader has sent its last batch; an error here drops `batches`, which
        // stops the reader at its next send.
        for batch in batches {
            for record in batch.records.iter().take(batch.len) {
                number += 1;
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
            if let Some(error) = batch.error {
                return Err(error);
            }
            // The reader may be done already; then the records are simply dropped.
            let _ = used.send(batch.records);
        }
        Ok(())
    })
}

/// The reading thread: parses rows into batches (reusing those handed back), lets go of the
/// input's pages behind it, and stops at the end, at a row that is not CSV, or when the
/// checking thread has stopped listening.
fn read_batches(
    mut reader: csv::Reader<&[u8]>,
    bytes: &Mapped,
    start: usize,
    path: &Path,
    full: std::sync::mpsc::SyncSender<Batch>,
    empties: std::sync::mpsc::Receiver<Vec<csv::StringRecord>>,
) {
    let mut behind = bytes.behind();
    let mut number = 1;
    loop {
        let mut records = empties.try_recv().unwrap_or_default();
        records.resize_with(BATCH, csv::StringRecord::new);
        let (mut len, mut error, mut end) = (0, None, false);
        for record in &mut records {
            number += 1;
            match reader.read_record(record) {
                Ok(true) => len += 1,
                Ok(false) => {
                    end = true;
                    break;
                }
                Err(e) => {
                    error = Some(CliError::input(format!(
                        "{}: row {number}: {e}",
                        path.display()
                    )));
                    break;
                }
            }
        }
        behind.reached(start + usize::try_from(reader.position().byte()).unwrap_or(0));
        let last = end || error.is_some();
        if full
            .send(Batch {
                records,
                len,
                error,
            })
            .is_err()
            || last
        {
            return;
        }
    }
}

/// JSON: an array of objects, or an export (`{"origin", "events": [...]}`, whose origin is the
/// source).
fn read_json(
    bytes: &Mapped,
    start: usize,
    field_of: &dyn Fn(&str) -> Option<usize>,
    source: Option<&str>,
    importer: &mut Importer<'_>,
    context: &Context,
) -> Result<()> {
    let path = importer.path;
    let commodity = COMMODITY.0;
    let read = json::for_each_row(bytes, start, source.is_none(), |number, item, origin| {
        let mut owned: [Option<String>; FIELDS.len()] = Default::default();
        let mut money_code: Option<String> = None;
        if let Value::Object(map) = item {
            for (column, value) in map {
                let Some(slot) = field_of(&column).and_then(|i| owned.get_mut(i)) else {
                    continue;
                };
                *slot = match value {
                    Value::Null => None,
                    Value::String(s) => Some(s),
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
        if let Some(slot) = owned.get_mut(commodity)
            && slot.is_none()
        {
            *slot = money_code;
        }
        let mut row = Row {
            number,
            values: [None; FIELDS.len()],
        };
        for (slot, value) in row.values.iter_mut().zip(&owned) {
            *slot = value.as_deref();
        }
        check_row(importer, row, source.or(origin), context)
    });
    match read {
        Ok(()) => Ok(()),
        Err(json::Stop::Row(e)) => Err(e),
        Err(json::Stop::Json(e)) if e.is_data() => Err(CliError::input(format!(
            "{}: {e}; an import is an array of rows, or an object whose `events` is one (as \
             `export --format json` writes)",
            path.display()
        ))),
        Err(json::Stop::Json(e)) => Err(CliError::input(format!(
            "{}: not JSON: {e}",
            path.display()
        ))),
    }
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
/// reference: the same text is the same note). Two sets, so that a reference can never be
/// taken for a note's text.
#[derive(Debug, Default)]
struct Imported {
    refs: RefSet,
    notes: RefSet,
}

impl Imported {
    fn of(bytes: &Mapped) -> Imported {
        let mut imported = Imported::default();
        for item in bytes.scan().into_iter().flatten() {
            if let Item::Record { record, .. } = item
                && let Entry::Note(n) = record.entry
            {
                // A note's text is at most 256 bytes: always kept.
                match n.about {
                    Some(_) => n.text.strip_prefix(REF).map(|r| imported.refs.insert(r)),
                    None => Some(imported.notes.insert(&n.text)),
                };
            }
        }
        imported
    }
}

/// Checks and appends (to `frames`) one row: `Some(true)` when it is, `Some(false)` when it was
/// imported before, `None` for a kind import leaves to the recorder.
fn import_row(
    state: &mut State,
    row: &Row<'_>,
    known: &Imported,
    ids: &mut HashMap<String, Option<Seq>>,
    frames: &mut Frames,
    context: &Context,
    at: &dyn Fn(Field, &str, &dyn std::fmt::Display) -> CliError,
) -> Result<Option<bool>> {
    let kind = row.get(KIND).unwrap_or("pledge");
    let reference = row.get(REF_FIELD).map(str::to_string);
    let seen = reference.as_ref().is_some_and(|r| known.refs.contains(r));
    let text = row
        .get(TEXT)
        .map(|t| entry::text(t).map_err(|e| at(TEXT, t, &e)))
        .transpose()?;
    let date = match row.get(DATE) {
        Some(d) => ledger_core::Date::parse(d).map_err(|e| at(DATE, d, &e))?,
        None => context.today,
    };
    let money = |state: &mut State, frames: &mut Frames| -> Result<ledger_core::Amount> {
        let quantity = row
            .get(AMOUNT)
            .ok_or_else(|| at(AMOUNT, "", &"an amount is needed"))?;
        // Joined by hand: `format!` here was a twentieth of a large import's time.
        let mut text = String::with_capacity(quantity.len() + 16);
        text.push_str(quantity);
        if let Some(code) = row.get(COMMODITY)
            && !quantity.trim().ends_with(code)
        {
            text.push(' ');
            text.push_str(code);
        }
        amount(state, "amount", &text, frames).map_err(|e| {
            // The amount's own message names it again: once is enough.
            let message = e.message();
            let why = message
                .strip_prefix(&format!("amount '{text}': "))
                .unwrap_or(message);
            at(AMOUNT, &text, &why)
        })
    };
    // The pledge an event is about: a row of this file, by its id.
    let subject = |ids: &HashMap<String, Option<Seq>>| -> Result<Option<Seq>> {
        let id = row
            .get(PLEDGE)
            .ok_or_else(|| at(PLEDGE, "", &"which pledge: its id in this file"))?;
        ids.get(id).copied().ok_or_else(|| {
            at(
                PLEDGE,
                id,
                &"no pledge with this id comes before it in the file",
            )
        })
    };
    let append =
        |state: &mut State, frames: &mut Frames, entry: Entry, field: Field| -> Result<Seq> {
            state.append(entry, &mut sink(frames)).map_err(|e| match e {
                ledger_core::state::AppendError::Ledger(e) => {
                    // A rule about the dates names the date's column, not the entry's.
                    let field = match e {
                        LedgerError::FutureDate { .. } | LedgerError::DateBeforeSubject => DATE,
                        LedgerError::DueBeforeDate => DUE,
                        _ => field,
                    };
                    at(field, row.get(field).unwrap_or(""), &e)
                }
                other => CliError::failure(format!("{other:?}")),
            })
        };
    match kind {
        "pledge" => {
            if seen {
                if let Some(id) = row.get(ID) {
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
                        field: Field|
             -> Result<Option<u32>> {
                row.get(field)
                    .map(|n| {
                        declare_exact(state, kind, field.name(), n, frames)
                            .map(|id| state.current_id(kind.renamed(), id))
                            .map_err(|e| at(field, n, &e.message()))
                    })
                    .transpose()
            };
            let from = name(state, frames, NameKind::Party, FROM)?
                .ok_or_else(|| at(FROM, "", &"a pledger is needed"))?;
            let to = name(state, frames, NameKind::Party, TO)?
                .ok_or_else(|| at(TO, "", &"a beneficiary is needed"))?;
            let project = name(state, frames, NameKind::Project, PROJECT)?;
            let sector = name(state, frames, NameKind::Sector, SECTOR)?;
            let goal = row
                .get(GOAL)
                .map(|g| find_goal(state, g).map_err(|e| at(GOAL, g, &e.message())))
                .transpose()?;
            let due = row
                .get(DUE)
                .map(|d| ledger_core::Date::parse(d).map_err(|e| at(DUE, d, &e)))
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
            let seq = append(state, frames, Entry::Pledge(pledge), AMOUNT)?;
            if let Some(id) = row.get(ID) {
                ids.insert(id.to_string(), Some(seq));
            }
            if let Some(reference) = reference {
                let note = Note {
                    date,
                    about: Some(seq),
                    text: entry::text(&format!("{REF}{reference}"))
                        .map_err(|e| at(REF_FIELD, &reference, &e))?,
                };
                append(state, frames, Entry::Note(note), REF_FIELD)?;
            }
            Ok(Some(true))
        }
        "note" if row.get(PLEDGE).is_none() => {
            let text = text.ok_or_else(|| at(TEXT, "", &"a note needs its text"))?;
            if known.notes.contains(&text) {
                return Ok(Some(false));
            }
            let note = Note {
                date,
                about: None,
                text,
            };
            append(state, frames, Entry::Note(note), TEXT)?;
            Ok(Some(true))
        }
        "fulfil" | "return" | "amend" | "cancel" | "note" => {
            // Events of a pledge imported before were imported with it.
            let Some(pledge) = subject(ids)? else {
                return Ok(Some(false));
            };
            let reason = || {
                text.clone()
                    .ok_or_else(|| at(TEXT, "", &"a reason is needed"))
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
            append(state, frames, entry, AMOUNT)?;
            Ok(Some(true))
        }
        // Goals and rates are set in the ledger imported into; corrections are its own.
        "goal" | "rate" | "void" | "rename" | "reschedule" | "revise" => Ok(None),
        other => Err(at(
            KIND,
            other,
            &"import takes pledge, fulfil, return, amend, cancel and note rows",
        )),
    }
}
