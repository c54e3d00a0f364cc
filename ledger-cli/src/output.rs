//! Printing: one sheet of cells, rendered as an aligned table for people or as CSV; JSON from
//! the commands' own serializable types; and the same written row by row for outputs that
//! grow with the ledger. Nothing here knows a ledger rule.

use std::io::Write;

use ledger_core::amount::Decimal;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::error::{CliError, Result};
use crate::escape::{escape, escape_json, escape_lines};
use crate::tables::State;

/// One cell: how people read it, and how a program reads it.
#[derive(Debug, Clone)]
pub struct Cell {
    human: String,
    machine: String,
}

impl Cell {
    /// The same text for people and programs.
    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            human: text.clone(),
            machine: text,
        }
    }

    /// Different text for people and for programs.
    pub fn pair(human: impl Into<String>, machine: impl Into<String>) -> Cell {
        Cell {
            human: human.into(),
            machine: machine.into(),
        }
    }

    /// An optional value: empty when absent.
    pub fn maybe(text: Option<impl Into<String>>) -> Cell {
        text.map_or_else(|| Cell::text(""), Cell::text)
    }

    /// An amount: `1,000.00 USD` for people, `1000.00` for programs.
    pub fn money(money: &Money) -> Cell {
        Cell {
            human: money.human(),
            machine: money.plain.clone(),
        }
    }
}

/// Which renderings a column appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Table and CSV.
    Both,
    /// CSV only (e.g. a separate commodity column).
    CsvOnly,
}

/// A column: its headers, alignment, and where it appears.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header in a table, for people.
    pub name: &'static str,
    /// Header in CSV, for programs: lower case, no spaces.
    pub csv: &'static str,
    /// Numbers align right.
    pub right: bool,
    /// Where the column appears.
    pub show: Show,
}

impl Column {
    /// A left-aligned column in both renderings.
    pub const fn left(name: &'static str, csv: &'static str) -> Column {
        Column {
            name,
            csv,
            right: false,
            show: Show::Both,
        }
    }
    /// A right-aligned column in both renderings.
    pub const fn right(name: &'static str, csv: &'static str) -> Column {
        Column {
            name,
            csv,
            right: true,
            show: Show::Both,
        }
    }
    /// A column only CSV has.
    pub const fn csv_only(csv: &'static str) -> Column {
        Column {
            name: csv,
            csv,
            right: false,
            show: Show::CsvOnly,
        }
    }
}

/// Rows under a set of columns.
#[derive(Debug)]
pub struct Sheet {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// An empty sheet with these columns.
    pub fn new(columns: &[Column]) -> Sheet {
        Sheet {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Renders an aligned table for people.
    pub fn table(&self) -> String {
        let mut widths = Widths::of_headers(&self.columns);
        for row in &self.rows {
            widths.fit(&self.columns, row);
        }
        let mut out = Vec::new();
        let written = TableWriter::new(&mut out, &self.columns, widths)
            .and_then(|mut table| self.rows.iter().try_for_each(|row| table.row(row)));
        // Writing to a Vec cannot fail.
        debug_assert!(written.is_ok());
        String::from_utf8(out).unwrap_or_default()
    }

    /// Renders CSV with a header row.
    pub fn csv(&self) -> Result<String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| CliError::failure(format!("writing CSV: {e}"));
        writer
            .write_record(self.columns.iter().map(|c| c.csv))
            .map_err(failed)?;
        for row in &self.rows {
            writer
                .write_record(row.iter().map(|cell| cell.machine.as_str()))
                .map_err(failed)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| CliError::failure(format!("writing CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| CliError::failure(format!("writing CSV: {e}")))
    }
}

/// The width of each shown column: its widest cell as displayed (escaped, in terminal columns),
/// header included, and whether any row has something in it (a column with nothing in it is
/// left out of the table). Fitted row by row, so that a table can be streamed in two passes.
#[derive(Debug, Clone)]
pub struct Widths {
    widths: Vec<usize>,
    filled: Vec<bool>,
    rows: usize,
}

impl Widths {
    /// The widths of the headers alone.
    pub fn of_headers(columns: &[Column]) -> Widths {
        Widths {
            widths: columns.iter().map(|c| c.name.width()).collect(),
            filled: vec![false; columns.len()],
            rows: 0,
        }
    }

    /// Widens the columns to fit `row`.
    pub fn fit(&mut self, columns: &[Column], row: &[Cell]) {
        self.rows += 1;
        let slots = self.widths.iter_mut().zip(self.filled.iter_mut());
        for (((width, filled), column), cell) in slots.zip(columns).zip(row) {
            if column.show == Show::Both && !cell.human.is_empty() {
                *width = (*width).max(escape(&cell.human).width());
                *filled = true;
            }
        }
    }

    /// Whether column `i` is shown: it is in tables, and some row has something in it (or
    /// there are no rows, and the header alone says what the table is).
    fn shows(&self, columns: &[Column], i: usize) -> bool {
        columns.get(i).is_some_and(|c| c.show == Show::Both)
            && (self.rows == 0 || self.filled.get(i).copied().unwrap_or(false))
    }
}

/// Writes an aligned table for people as it goes: the header and a rule, then one line per row.
/// Columns are padded to their width and two spaces apart; numbers align right; lines carry no
/// trailing spaces. Every cell is escaped.
#[derive(Debug)]
pub struct TableWriter<'c, W: Write> {
    out: W,
    columns: &'c [Column],
    widths: Widths,
}

impl<'c, W: Write> TableWriter<'c, W> {
    /// Starts a table with the header line and its rule.
    pub fn new(out: W, columns: &'c [Column], widths: Widths) -> Result<Self> {
        let mut table = TableWriter {
            out,
            columns,
            widths,
        };
        let header = table.line(columns.iter().map(|c| c.name));
        writeln!(table.out, "{header}\n{}", "-".repeat(header.width()))?;
        Ok(table)
    }

    /// Writes one row.
    pub fn row(&mut self, row: &[Cell]) -> Result<()> {
        let line = self.line(row.iter().map(|c| escape(&c.human)));
        writeln!(self.out, "{line}")?;
        Ok(())
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }

    fn line<T: AsRef<str>>(&self, cells: impl Iterator<Item = T>) -> String {
        let mut line = String::new();
        let columns = self.columns.iter().zip(&self.widths.widths).enumerate();
        for (cell, (i, (column, &width))) in cells.zip(columns) {
            if !self.widths.shows(self.columns, i) {
                continue;
            }
            let text = cell.as_ref();
            let pad = " ".repeat(width.saturating_sub(text.width()));
            if column.right {
                line.push_str(&pad);
                line.push_str(text);
            } else {
                line.push_str(text);
                line.push_str(&pad);
            }
            line.push_str("  ");
        }
        line.truncate(line.trim_end().len());
        line
    }
}

/// Writes CSV as it goes: a header row, then one record per row (machine values, with any
/// control character but the line break escaped).
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts CSV with its header row.
    pub fn new(out: W, columns: &[Column]) -> Result<Self> {
        let mut writer = csv::Writer::from_writer(out);
        writer
            .write_record(columns.iter().map(|c| c.csv))
            .map_err(csv_error)?;
        Ok(CsvWriter { writer })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &[Cell]) -> Result<()> {
        self.writer
            .write_record(
                row.iter()
                    .map(|cell| escape_lines(&cell.machine).into_owned()),
            )
            .map_err(csv_error)
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

fn csv_error(error: csv::Error) -> CliError {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => CliError::from(e),
        other => CliError::failure(format!("writing CSV: {other:?}")),
    }
}

/// A sequence serialized as it is produced: `serde_json` writes each element as the iterator
/// yields it, so a JSON array of a million rows is never held in memory.
#[derive(Debug)]
pub struct Streamed<I>(std::cell::RefCell<Option<I>>);

impl<I> Streamed<I> {
    /// Wraps an iterator; it is consumed by the first serialization.
    pub fn new(iter: I) -> Self {
        Streamed(std::cell::RefCell::new(Some(iter)))
    }
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let iter = self.0.borrow_mut().take();
        serializer.collect_seq(iter.into_iter().flatten())
    }
}

/// Writes a value as pretty JSON to stdout as it is serialized (bidirectional overrides as
/// `\uXXXX` escapes), for outputs too large to build first.
pub fn print_json_streamed<T: Serialize>(value: &T) -> Result<()> {
    let stdout = std::io::stdout().lock();
    let mut out = JsonEscaper(std::io::BufWriter::new(stdout));
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => CliError::from(std::io::Error::from(kind)),
        None => CliError::failure(format!("writing JSON: {e}")),
    })?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Passes JSON text through [`escape_json`]; serde_json hands it whole string fragments, so a
/// character is never split between two writes.
struct JsonEscaper<W: Write>(W);

impl<W: Write> Write for JsonEscaper<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(escape_json(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes text to stdout, with any control character but the line break and any bidirectional
/// override escaped; a closed pipe ends the program quietly.
pub fn print(text: &str) -> Result<()> {
    write_out(&escape_lines(text))
}

/// Writes a value as pretty JSON to stdout (bidirectional overrides as `\uXXXX` escapes).
pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failure(format!("writing JSON: {e}")))?;
    text.push('\n');
    write_out(&escape_json(&text))
}

/// Writes text that pledge generated itself, with nothing read from a file or an argument in it
/// (a completion script, the manual page), as it is: escaping would break its tabs.
pub fn print_generated(text: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text)?;
    out.flush()?;
    Ok(())
}

/// Writes a warning on stderr, escaped, as one line.
pub fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "warning: {}", escape(message));
}

fn write_out(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// An amount ready to print: exact decimal text and commodity code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Money {
    /// Exact decimal, no grouping: `490000000000.00`.
    #[serde(rename = "value")]
    pub plain: String,
    /// The commodity code.
    pub commodity: String,
    /// Exact decimal with thousands grouped: `490,000,000,000.00`.
    #[serde(skip)]
    grouped: String,
}

impl Money {
    /// `units` minor units of the commodity with id `commodity`.
    pub fn new(state: &State, units: i64, commodity: ledger_core::CommodityId) -> Money {
        let (code, decimals) = state
            .commodity(commodity)
            .map_or(("?", 0), |c| (c.code.as_str(), c.decimals));
        let decimal = Decimal::new(units, decimals);
        Money {
            plain: format!("{decimal:#}"),
            commodity: code.to_string(),
            grouped: decimal.to_string(),
        }
    }

    /// `1,000.00 USD`.
    pub fn human(&self) -> String {
        format!("{} {}", self.grouped, self.commodity)
    }
}
