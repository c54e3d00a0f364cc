//! `pledge export`: every event of the ledger, in record order, with what it did to its pledge's
//! committed and fulfilled figures, as an hledger/ledger journal, CSV, JSON, IATI XML or
//! Parquet. Written as it goes: the rows are never all in memory, and the pledges are held
//! once, by the walk that folds the records again to learn what each changed (the final fold
//! lends only its names, from the sidecar's head when one matches).

use std::io::Write;

use ledger_core::checkpoint::VerifierKey;
use ledger_core::entry::{Entry, Record, Seq};
use ledger_core::scan::Item;
use ledger_core::state::{NameKind, PledgeState};
use ledger_core::{Amount, CommodityId};
use serde::Serialize;

use super::Context;

mod by_pledge;
mod iati;
mod parquet;
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::mapped::{Mapped, Scan};
use crate::output::{Column, CsvWriter, Money, Streamed, print_json_streamed};
use crate::tables::State;

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A plain-text accounting journal that hledger and ledger read (docs/GUIDE.md).
    Journal,
    /// CSV with a header row, one row per event.
    Csv,
    /// JSON (docs/JSON.md), one object per event.
    Json,
    /// An IATI 2.03 activity file: an activity per pledge, its pledge (12) and disbursement (3)
    /// transactions from the pledger's side (docs/GUIDE.md).
    Iati,
    /// Apache Parquet, a row per event, amounts as integers of minor units (docs/GUIDE.md), for
    /// DuckDB, DataFusion or Spark. Binary: redirect it to a file.
    Parquet,
}

/// One event, with its pledge's names as they are now (borrowed from the final fold).
#[derive(Debug, Serialize)]
pub(super) struct EventRow<'a> {
    pub(super) id: Seq,
    #[serde(serialize_with = "date_as_text")]
    pub(super) date: Option<ledger_core::Date>,
    pub(super) kind: &'static str,
    /// The pledge whose figures it changed (a pledge's own record, an event on one, a void).
    pub(super) pledge: Option<Seq>,
    pub(super) from: Option<&'a str>,
    pub(super) to: Option<&'a str>,
    pub(super) goal: Option<&'a str>,
    pub(super) project: Option<&'a str>,
    pub(super) sector: Option<&'a str>,
    /// The amount the record states, if it states one.
    pub(super) amount: Option<Money>,
    /// What it changed: committed and fulfilled, in the pledge's commodity.
    pub(super) committed_change: Option<Money>,
    pub(super) fulfilled_change: Option<Money>,
    pub(super) text: Option<String>,
    /// The same changes in minor units of the pledge's commodity, for `chart` and Parquet.
    #[serde(skip)]
    pub(super) change: Option<(CommodityId, i64, i64)>,
    /// The amount the record states, in minor units, for Parquet.
    #[serde(skip)]
    pub(super) units: Option<Amount>,
}

const COLUMNS: &[Column] = &[
    Column::csv_only("id"),
    Column::csv_only("date"),
    Column::csv_only("kind"),
    Column::csv_only("pledge"),
    Column::csv_only("from"),
    Column::csv_only("to"),
    Column::csv_only("goal"),
    Column::csv_only("project"),
    Column::csv_only("sector"),
    Column::csv_only("amount"),
    Column::csv_only("commodity"),
    Column::csv_only("committed_change"),
    Column::csv_only("fulfilled_change"),
    Column::csv_only("text"),
];

#[derive(Serialize)]
struct ExportJson<E: Serialize> {
    origin: String,
    events: E,
}

pub fn run(context: &Context, format: ExportFormat) -> Result<()> {
    let walk = Walk::read(context.path()?, &context.keys)?;
    let now = &walk.now;
    let origin = now.origin().map(|o| o.to_string()).unwrap_or_default();
    let events = Events::new(&walk.bytes, now)?;
    let out = || std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ExportFormat::Json => {
            // A record that does not fold again stops the stream; the error is then returned,
            // never a shorter export that looks whole.
            let failed = std::cell::RefCell::new(None);
            let rows = events.map_while(|row| row.map_err(|e| *failed.borrow_mut() = Some(e)).ok());
            print_json_streamed(&ExportJson {
                origin,
                events: Streamed::new(rows),
            })?;
            failed.into_inner().map_or(Ok(()), Err)
        }
        ExportFormat::Csv => {
            let mut csv = CsvWriter::new(out(), COLUMNS)?;
            for row in events {
                write_csv_row(&mut csv, &row?)?;
            }
            csv.finish()
        }
        ExportFormat::Iati => iati::write(&mut out(), &origin, events, context.today),
        ExportFormat::Parquet => {
            use std::io::IsTerminal;
            if std::io::stdout().is_terminal() {
                return Err(CliError::input(
                    "--format parquet: Parquet is binary; redirect it to a file, e.g. \
                     pledge export --format parquet > events.parquet",
                ));
            }
            parquet::write(std::io::BufWriter::new(std::io::stdout()), now, events)
        }
        ExportFormat::Journal => {
            let mut out = out();
            writeln!(
                out,
                "; pledge export of {origin}: every event's change to committed and fulfilled"
            )?;
            writeln!(
                out,
                "; accounts pledger:NAME:committed|fulfilled and beneficiary:NAME:committed|fulfilled"
            )?;
            for row in events {
                write_transaction(&mut out, &row?)?;
            }
            out.flush()?;
            Ok(())
        }
    }
}

/// A ledger read to be walked event by event: its bytes, and its names as they are now.
pub(super) struct Walk {
    pub(super) bytes: Mapped,
    /// The final fold's names, goals, commodities and renames, without its pledges (the walk
    /// folds those again; [`Events::into_state`] hands its fold over at the end).
    pub(super) now: State,
}

impl Walk {
    /// Reads `path` for a walk that needs only names from the final fold, so that the pledges
    /// are held once, by the walk. With a matching sidecar the names come from its head and
    /// the ledger is not folded before the walk; without one the whole ledger is read (and a
    /// sidecar written), and its fold is dropped but for its parts.
    pub(super) fn read(path: &std::path::Path, keys: &[VerifierKey]) -> Result<Walk> {
        if let Some(mut cached) = ledger_file::read_cached(path, keys, &[])? {
            let bytes = Mapped::of(&cached.file)
                .map_err(|e| CliError::failure(format!("{}: cannot read: {e}", path.display())))?;
            return Ok(Walk {
                bytes,
                now: cached.sidecar.take_state(),
            });
        }
        let ledger = ledger_file::read_and_cache(path, ledger_file::View::ALL, keys)?;
        let now = State::from_parts(&ledger.state.parts())
            .map_err(|e| CliError::failure(format!("{}: {e:?}", path.display())))?;
        Ok(Walk {
            bytes: ledger.bytes,
            now,
        })
    }
}

/// The ledger's records in order, each folded into `walk` to learn what it changed and which
/// pledge it is about; names come from `now`, the ledger's final state (after every rename).
pub(super) struct Events<'a> {
    scan: Scan<'a>,
    walk: State,
    now: &'a State,
    /// Keeps only events about a pledge this keeps.
    about: Option<Box<PledgeFilter<'a>>>,
}

/// Whether a pledge is one whose events are wanted.
type PledgeFilter<'a> = dyn Fn(&PledgeState) -> bool + 'a;

impl<'a> Events<'a> {
    /// The events of `bytes`, named as `now` (the fold of those same bytes) names them.
    pub(super) fn new(bytes: &'a Mapped, now: &'a State) -> Result<Events<'a>> {
        Ok(Events {
            scan: bytes.scan().map_err(CliError::failure)?,
            walk: State::new(None),
            now,
            about: None,
        })
    }

    /// The fold of every record walked: the final one once the walk is done.
    pub(super) fn into_state(self) -> State {
        self.walk
    }

    /// Only the events about a pledge `keep` keeps (judged on the pledge's names, which never
    /// change, as the walk holds it).
    pub(super) fn about(mut self, keep: impl Fn(&PledgeState) -> bool + 'a) -> Self {
        self.about = Some(Box::new(keep));
        self
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<EventRow<'a>>;

    fn next(&mut self) -> Option<Result<EventRow<'a>>> {
        loop {
            let Item::Record { record, .. } = self.scan.next()? else {
                continue;
            };
            let touched = self.walk.pledge_touched(&record);
            let before = self.counted(touched);
            if let Err(e) = self.walk.apply(&record) {
                return Some(Err(CliError::failure(format!(
                    "record #{}: {e} (it was read without it a moment ago)",
                    record.seq
                ))));
            }
            let after = self.counted(touched);
            let kept = |keep: &PledgeFilter<'_>| {
                touched
                    .and_then(|p| self.walk.pledge(p))
                    .is_some_and(|p| keep(&p))
            };
            if !self.about.as_deref().is_none_or(kept) {
                continue;
            }
            if let Some(row) = self.row(&record, touched, before, after) {
                return Some(Ok(row));
            }
        }
    }
}

impl<'a> Events<'a> {
    fn counted(&self, pledge: Option<Seq>) -> (i64, i64) {
        pledge
            .and_then(|p| self.walk.pledge(p))
            .map_or((0, 0), |p| p.counted())
    }

    /// The row of a record that is an event (declarations and checkpoints are not).
    fn row(
        &self,
        record: &Record,
        touched: Option<Seq>,
        before: (i64, i64),
        after: (i64, i64),
    ) -> Option<EventRow<'a>> {
        let (amount, text): (Option<Amount>, Option<String>) = match &record.entry {
            Entry::Open(_)
            | Entry::Commodity(_)
            | Entry::Party(_)
            | Entry::Project(_)
            | Entry::Sector(_)
            | Entry::Tag(_)
            | Entry::Checkpoint(_) => return None,
            Entry::Goal(g) => (Some(g.target), Some(g.name.to_string())),
            Entry::Pledge(p) => (Some(p.amount), p.memo.as_ref().map(|m| m.to_string())),
            Entry::Fulfil(f) => (Some(f.amount), f.memo.as_ref().map(|m| m.to_string())),
            Entry::Amend(a) => (Some(a.amount), Some(a.reason.to_string())),
            Entry::Cancel(c) => (None, Some(c.reason.to_string())),
            Entry::Note(n) => (None, Some(n.text.to_string())),
            Entry::Rate(r) => {
                let code = |c: CommodityId| {
                    self.now
                        .commodity(c)
                        .map_or_else(String::new, |c| c.code.to_string())
                };
                let text = format!("1 {} = {} {}", code(r.base), r.rate, code(r.quote));
                (None, Some(text))
            }
            Entry::Void(v) => (None, Some(format!("voids #{}: {}", v.record, v.reason))),
            Entry::Return(r) => (Some(r.amount), r.memo.as_ref().map(|m| m.to_string())),
            Entry::Rename(r) => (None, Some(r.reason.to_string())),
            Entry::Reschedule(r) => (None, Some(r.reason.to_string())),
            Entry::Revise(r) => (Some(r.target), Some(r.reason.to_string())),
        };
        // Its names and commodity never change: the walk's pledge has them as the final one.
        let pledge = touched.and_then(|p| self.walk.pledge(p));
        let pledge = pledge.as_deref();
        let now: &'a State = self.now;
        let name = |kind, id: Option<u32>| {
            id.and_then(|id| now.current_name(kind, id))
                .map(|n| n.as_str())
        };
        let change = |units: i64| pledge.map(|p| Money::new(self.now, units, p.commodity));
        Some(EventRow {
            id: record.seq,
            date: record.entry.date(),
            kind: record.entry.kind(),
            pledge: touched,
            from: pledge.and_then(|p| name(NameKind::Party, Some(p.from.0))),
            to: pledge.and_then(|p| name(NameKind::Party, Some(p.to.0))),
            goal: pledge
                .and_then(|p| p.goal)
                .and_then(|g| now.goal(now.current_goal(g)))
                .map(|g| g.name.as_str()),
            project: pledge.and_then(|p| name(NameKind::Project, p.project.map(|x| x.0))),
            sector: pledge.and_then(|p| name(NameKind::Sector, p.sector.map(|x| x.0))),
            amount: amount.map(|a| Money::new(self.now, a.units, a.commodity)),
            units: amount,
            committed_change: change(after.0.saturating_sub(before.0)),
            fulfilled_change: change(after.1.saturating_sub(before.1)),
            text,
            change: pledge.map(|p| {
                (
                    p.commodity,
                    after.0.saturating_sub(before.0),
                    after.1.saturating_sub(before.1),
                )
            }),
        })
    }
}

/// One CSV row of the export, written from the row's own text: nothing copied.
fn write_csv_row<W: Write>(csv: &mut CsvWriter<W>, row: &EventRow<'_>) -> Result<()> {
    let numbers = CsvNumbers::of(row);
    csv.fields(csv_fields(row, &numbers))
}

/// A row's id, date and pledge written out, for [`csv_fields`].
pub(super) struct CsvNumbers(String, String, String);

impl CsvNumbers {
    pub(super) fn of(row: &EventRow<'_>) -> CsvNumbers {
        let date = row.date.map(|d| d.to_string()).unwrap_or_default();
        let pledge = row.pledge.map(|p| p.to_string()).unwrap_or_default();
        CsvNumbers(row.id.to_string(), date, pledge)
    }
}

/// A date as JSON text (`"2025-10-28"`), or null.
fn date_as_text<S: serde::Serializer>(
    date: &Option<ledger_core::Date>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.collect_str(date),
        None => serializer.serialize_none(),
    }
}

/// Where the goal, project and sector stand in [`csv_fields`] (`log` leaves them out).
pub(super) const CSV_GROUPS: std::ops::Range<usize> = 6..9;

/// A row's CSV fields in the export's column order (`COLUMNS`): amounts plain, borrowed.
pub(super) fn csv_fields<'r>(row: &'r EventRow<'_>, numbers: &'r CsvNumbers) -> [&'r str; 14] {
    fn plain(m: &Option<Money>) -> &str {
        m.as_ref().map_or("", |m| m.plain.as_str())
    }
    let commodity = row
        .amount
        .as_ref()
        .or(row.committed_change.as_ref())
        .map_or("", |m| m.commodity.as_str());
    [
        &numbers.0,
        &numbers.1,
        row.kind,
        &numbers.2,
        row.from.unwrap_or(""),
        row.to.unwrap_or(""),
        row.goal.unwrap_or(""),
        row.project.unwrap_or(""),
        row.sector.unwrap_or(""),
        plain(&row.amount),
        commodity,
        plain(&row.committed_change),
        plain(&row.fulfilled_change),
        row.text.as_deref().unwrap_or(""),
    ]
}

/// An event that changed a pledge's figures as a balanced transaction: the pledger's and the
/// beneficiary's `committed` and `fulfilled` accounts move by the change, with the project,
/// sector, goal and pledge as posting tags (`--pivot project` in either tool).
fn write_transaction(out: &mut impl Write, row: &EventRow) -> Result<()> {
    let changes = [
        ("committed", &row.committed_change),
        ("fulfilled", &row.fulfilled_change),
    ];
    let nonzero = |m: &Option<Money>| m.as_ref().is_some_and(|m| !is_zero(&m.plain));
    if !changes.iter().any(|(_, m)| nonzero(m)) {
        return Ok(());
    }
    let (Some(date), Some(from), Some(to), Some(pledge)) =
        (row.date, &row.from, &row.to, row.pledge)
    else {
        return Ok(());
    };
    let mut title = if row.kind == "pledge" {
        format!("#{} pledge", row.id)
    } else {
        format!("#{} {} of pledge #{pledge}", row.id, row.kind)
    };
    if let Some(text) = &row.text {
        title.push_str(": ");
        title.push_str(&one_line(text));
    }
    writeln!(out, "\n{date} * {title}")?;
    let tags: Vec<String> = [
        ("project", &row.project),
        ("sector", &row.sector),
        ("goal", &row.goal),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key}: {}", tag_value(v))))
    .chain([format!("pledge: {pledge}")])
    .collect();
    for (what, money) in changes {
        let Some(money) = money.as_ref().filter(|m| !is_zero(&m.plain)) else {
            continue;
        };
        for (side, name, sign) in [("pledger", from, ""), ("beneficiary", to, "-")] {
            let value = match money.plain.strip_prefix('-') {
                Some(positive) if sign == "-" => positive.to_string(),
                Some(_) => money.plain.clone(),
                None => format!("{sign}{}", money.plain),
            };
            writeln!(
                out,
                "    {side}:{}:{what}  {value} {}",
                account(name),
                commodity(&money.commodity)
            )?;
            for tag in &tags {
                writeln!(out, "      ; {tag}")?;
            }
        }
    }
    Ok(())
}

pub(super) fn is_zero(plain: &str) -> bool {
    plain.chars().all(|c| matches!(c, '0' | '.' | '-'))
}

/// A name as one account-name component: `:` would nest, `;` start a comment, `(` and `[`
/// mark virtual postings and two spaces end the name, so those become `-` and one space.
fn account(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if ":;()[]".contains(c) { '-' } else { c })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A tag value: hledger ends one at a comma.
fn tag_value(value: &str) -> String {
    one_line(value).replace(',', " ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A commodity symbol, quoted unless it is all letters (as both tools require).
fn commodity(code: &str) -> String {
    if code.chars().all(|c| c.is_ascii_alphabetic()) {
        code.to_string()
    } else {
        format!("\"{code}\"")
    }
}
