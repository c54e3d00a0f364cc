//! Printing: one sheet of cells, rendered as an aligned table for people or as CSV; JSON from
//! the commands' own serializable types; and the same written row by row for outputs that
//! grow with the ledger. Nothing here knows a ledger rule.

use std::io::Write;

use ledger_core::amount::Decimal;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::error::{CliError, Result};
use crate::escape::{SafeJson, escape, escape_lines};
use crate::tables::State;

/// When output is coloured: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (and not empty).
    #[default]
    Auto,
    /// Always, NO_COLOR or not (a command-line choice overrides the environment).
    Always,
    /// Never.
    Never,
}

static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// Sets the colour choice for this run (once, from the command line).
pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether to colour what goes to standard output (`stderr` false) or standard error.
pub fn colored(stderr: bool) -> bool {
    use std::io::IsTerminal;
    match COLOR.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let terminal = if stderr {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            };
            terminal && !no_color
        }
    }
}

/// `text` in `style` when colouring, else as it is.
pub fn paint(text: &str, style: anstyle::Style, stderr: bool) -> String {
    if colored(stderr) {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

/// The style of table headers.
pub const HEADER: anstyle::Style = anstyle::Style::new().bold();
/// The style of `error:`.
pub const ERROR: anstyle::Style = anstyle::Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Red)));
/// The style of `warning:` and of what is overdue.
pub const WARNING: anstyle::Style = anstyle::Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Yellow)));

/// One cell: how people read it, and how a program reads it.
#[derive(Debug, Clone)]
pub struct Cell {
    machine: String,
    human: Human,
}

/// How people read a cell, made only when a table asks: CSV and JSON of a million rows never
/// need it, and it would be a second string a cell.
#[derive(Debug, Clone)]
enum Human {
    /// As programs read it.
    Same,
    Text(String),
    /// An amount with its thousands grouped, and its commodity.
    Money(Decimal, String),
}

impl Cell {
    /// The same text for people and programs.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            machine: text.into(),
            human: Human::Same,
        }
    }

    /// Different text for people and for programs.
    pub fn pair(human: impl Into<String>, machine: impl Into<String>) -> Cell {
        Cell {
            machine: machine.into(),
            human: Human::Text(human.into()),
        }
    }

    /// An optional value: empty when absent.
    pub fn maybe(text: Option<impl Into<String>>) -> Cell {
        text.map_or_else(|| Cell::text(""), Cell::text)
    }

    /// How people read it.
    fn human(&self) -> std::borrow::Cow<'_, str> {
        match &self.human {
            Human::Same => self.machine.as_str().into(),
            Human::Text(text) => text.as_str().into(),
            Human::Money(decimal, commodity) => grouped(*decimal, commodity).into(),
        }
    }

    /// An amount: `1,000.00 USD` for people, `1000.00` for programs.
    pub fn money(money: &Money) -> Cell {
        Cell {
            machine: money.plain.clone(),
            human: Human::Money(money.decimal, money.commodity.clone()),
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
    /// Left out of a table too wide for the terminal once text is wrapped (said in a note
    /// under the table; CSV and JSON always have it).
    pub optional: bool,
    /// Never narrowed, like numbers (dates).
    pub fixed: bool,
}

impl Column {
    /// A left-aligned column in both renderings.
    pub const fn left(name: &'static str, csv: &'static str) -> Column {
        Column {
            name,
            csv,
            right: false,
            show: Show::Both,
            optional: false,
            fixed: false,
        }
    }
    /// A right-aligned column in both renderings.
    pub const fn right(name: &'static str, csv: &'static str) -> Column {
        Column {
            name,
            csv,
            right: true,
            show: Show::Both,
            optional: false,
            fixed: false,
        }
    }
    /// The same column, never narrowed (a date: wrapping it helps no one).
    pub const fn fixed(self) -> Column {
        Column {
            fixed: true,
            ..self
        }
    }
    /// The same column, left out of a table the terminal is too narrow for.
    pub const fn optional(self) -> Column {
        Column {
            optional: true,
            ..self
        }
    }
    /// A column only CSV has.
    pub const fn csv_only(csv: &'static str) -> Column {
        Column {
            name: csv,
            csv,
            right: false,
            show: Show::CsvOnly,
            optional: false,
            fixed: false,
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
        let written =
            TableWriter::start(&mut out, &self.columns, widths, true).and_then(|mut table| {
                self.rows.iter().try_for_each(|row| table.row(row))?;
                table.finish()
            });
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
    /// Columns left out for the terminal's width.
    dropped: Vec<usize>,
}

impl Widths {
    /// The widths of the headers alone.
    pub fn of_headers(columns: &[Column]) -> Widths {
        Widths {
            widths: columns.iter().map(|c| c.name.width()).collect(),
            filled: vec![false; columns.len()],
            rows: 0,
            dropped: Vec::new(),
        }
    }

    /// Widens the columns to fit `row`.
    pub fn fit(&mut self, columns: &[Column], row: &[Cell]) {
        self.rows += 1;
        let slots = self.widths.iter_mut().zip(self.filled.iter_mut());
        for (((width, filled), column), cell) in slots.zip(columns).zip(row) {
            let human = cell.human();
            if column.show == Show::Both && !human.is_empty() {
                *width = (*width).max(escape(&human).width());
                *filled = true;
            }
        }
    }

    /// Narrows text columns, widest first, until the table fits in `max` terminal columns (or
    /// none can narrow further: a text column keeps at least its header's width and 6, and
    /// numbers and dates (right-aligned) are never narrowed). Text that no longer fits wraps onto more lines; nothing is
    /// cut off.
    pub fn narrow_to(&mut self, columns: &[Column], max: usize) {
        let floor = |i: usize| columns[i].name.width().max(6);
        let total = |widths: &Widths, narrowest: bool| {
            let shown: Vec<usize> = (0..columns.len())
                .filter(|&i| widths.shows(columns, i))
                .collect();
            let width = |i: usize| match narrowest && !columns[i].right && !columns[i].fixed {
                true => widths.widths[i].min(floor(i)),
                false => widths.widths[i],
            };
            shown.iter().map(|&i| width(i)).sum::<usize>() + 2 * shown.len().saturating_sub(1)
        };
        // First, if wrapping every text column as far as it goes would not do, the rightmost
        // optional columns go (the note under the table says which).
        while total(self, true) > max {
            let optional = (0..columns.len())
                .rev()
                .find(|&i| self.shows(columns, i) && columns[i].optional);
            match optional {
                Some(i) => self.dropped.push(i),
                None => break,
            }
        }
        // Then the widest text columns narrow, one column of the terminal at a time.
        while total(self, false) > max {
            let widest = (0..columns.len())
                .filter(|&i| self.shows(columns, i))
                .filter(|&i| !columns[i].right && !columns[i].fixed)
                .filter(|&i| self.widths[i] > floor(i))
                .max_by_key(|&i| self.widths[i]);
            match widest {
                Some(i) => self.widths[i] -= 1,
                None => return,
            }
        }
    }

    /// Whether column `i` is shown: it is in tables, and some row has something in it (or
    /// there are no rows, and the header alone says what the table is).
    fn shows(&self, columns: &[Column], i: usize) -> bool {
        columns.get(i).is_some_and(|c| c.show == Show::Both)
            && (self.rows == 0 || self.filled.get(i).copied().unwrap_or(false))
            && !self.dropped.contains(&i)
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

/// The header line as it is written: bold on a colour terminal. Into text that `print` finishes
/// (a [`Sheet`]), marked instead, since `print` escapes every escape sequence it is given.
fn header_line(header: &str, marked: bool) -> String {
    use crate::escape::{HEADER_END, HEADER_START};
    if marked {
        format!("{HEADER_START}{header}{HEADER_END}")
    } else {
        paint(header, HEADER, false)
    }
}

/// Text with its header marks turned into styles (or removed, when not colouring).
fn finish_marks(text: &str) -> String {
    use crate::escape::{HEADER_END, HEADER_START};
    let on = colored(false);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            HEADER_START if on => out.push_str(&HEADER.render().to_string()),
            HEADER_END if on => out.push_str(&HEADER.render_reset().to_string()),
            HEADER_START | HEADER_END => {}
            c => out.push(c),
        }
    }
    out
}

impl<'c, W: Write> TableWriter<'c, W> {
    /// Starts a table with the header line and its rule, narrowed to the terminal's width
    /// when there is one (see [`terminal_width`]), written straight to the terminal.
    pub fn new(out: W, columns: &'c [Column], widths: Widths) -> Result<Self> {
        Self::start(out, columns, widths, false)
    }

    fn start(out: W, columns: &'c [Column], mut widths: Widths, marked: bool) -> Result<Self> {
        if let Some(max) = terminal_width() {
            widths.narrow_to(columns, max);
        }
        let mut table = TableWriter {
            out,
            columns,
            widths,
        };
        let header = table.line(columns.iter().map(|c| c.name));
        let rule = "-".repeat(header.width());
        writeln!(table.out, "{}\n{rule}", header_line(&header, marked))?;
        Ok(table)
    }

    /// Writes one row: one line, or more where text wraps in a narrowed column.
    pub fn row(&mut self, row: &[Cell]) -> Result<()> {
        let cells: Vec<Vec<String>> = row
            .iter()
            .zip(self.columns.iter().zip(&self.widths.widths))
            .enumerate()
            .map(|(i, (cell, (column, &width)))| {
                let text = escape(&cell.human()).into_owned();
                if !self.widths.shows(self.columns, i) {
                    Vec::new()
                } else if column.right || column.fixed || text.width() <= width {
                    vec![text]
                } else {
                    wrap(&text, width)
                }
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for n in 0..height {
            let line = self.line(
                cells
                    .iter()
                    .map(|lines| lines.get(n).map_or("", String::as_str)),
            );
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    /// Says which columns the terminal had no room for, and flushes what is buffered.
    pub fn finish(mut self) -> Result<()> {
        if !self.widths.dropped.is_empty() {
            let mut names: Vec<&str> = self
                .widths
                .dropped
                .iter()
                .filter_map(|&i| self.columns.get(i).map(|c| c.name))
                .collect();
            names.reverse();
            writeln!(
                self.out,
                "({} left out to fit {} columns; a wider terminal, COLUMNS, or --format csv shows them)",
                names.join(", "),
                terminal_width().unwrap_or(0)
            )?;
        }
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

/// Text broken into lines of at most `width` terminal columns, at spaces where it can be, inside
/// a word where a word is longer than the line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let room = if line.is_empty() {
                width
            } else {
                width.saturating_sub(line.width() + 1)
            };
            if word.width() <= room {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a whole line: as much of it as fits.
            let mut head = String::new();
            let mut rest = word.chars();
            let mut cut = false;
            for c in rest.by_ref() {
                // At least one character a line, however narrow: nothing is ever dropped.
                if !head.is_empty() && (head.clone() + &c.to_string()).width() > width {
                    word = std::iter::once(c).chain(rest).collect();
                    cut = true;
                    break;
                }
                head.push(c);
            }
            lines.push(head);
            if !cut {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How wide tables may be: `COLUMNS` if it holds a number (as hledger reads it), else the
/// terminal standard output is, else no limit (a file or a pipe gets the whole table).
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns).filter(|&c| c > 0);
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
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

    /// Writes one row of plain fields (what [`Cell`]s give programs), each escaped, without
    /// copying them.
    pub fn fields<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for field in fields {
            self.writer
                .write_field(escape_lines(field).as_bytes())
                .map_err(csv_error)?;
        }
        self.writer.write_record(None::<&[u8]>).map_err(csv_error)
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_json(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// `value` as pretty JSON with every string's bidirectional overrides escaped.
fn write_json<T: Serialize>(out: &mut impl Write, value: &T) -> Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, SafeJson::default());
    value
        .serialize(&mut serializer)
        .map_err(|e| match e.io_error_kind() {
            Some(kind) => CliError::from(std::io::Error::from(kind)),
            None => CliError::failure(format!("writing JSON: {e}")),
        })
}

/// Writes text to stdout, with any control character but the line break and any bidirectional
/// override escaped; a closed pipe ends the program quietly.
pub fn print(text: &str) -> Result<()> {
    write_out(finish_marks(&escape_lines(text)).as_bytes())
}

/// Writes a value as pretty JSON to stdout (bidirectional overrides as `\uXXXX` escapes).
pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let mut text = Vec::new();
    write_json(&mut text, value)?;
    text.push(b'\n');
    write_out(&text)
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
    let _ = writeln!(
        std::io::stderr(),
        "{} {}",
        paint("warning:", WARNING, true),
        escape(message)
    );
}

fn write_out(text: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text)?;
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
    /// The amount, for [`Money::human`]'s grouped form (written only when asked for: an export
    /// of a million events never prints it).
    #[serde(skip)]
    decimal: Decimal,
}

impl Money {
    /// `units` minor units of the commodity with id `commodity`.
    pub fn new(state: &State, units: i64, commodity: ledger_core::CommodityId) -> Money {
        let (code, decimals) = state
            .commodity(commodity)
            .map_or(("?", 0), |c| (c.code.as_str(), c.decimals));
        Money::of(units, code, decimals)
    }

    /// `units` minor units of the commodity `code` with `decimals` places (no ledger at hand:
    /// a report across several).
    pub fn of(units: i64, code: &str, decimals: u8) -> Money {
        let decimal = Decimal::new(units, decimals);
        Money {
            plain: format!("{decimal:#}"),
            commodity: code.to_string(),
            decimal,
        }
    }

    /// `1,000.00 USD`: thousands grouped.
    pub fn human(&self) -> String {
        grouped(self.decimal, &self.commodity)
    }
}

/// An amount as people read it, thousands grouped: `1,000.00 USD`.
fn grouped(decimal: Decimal, commodity: &str) -> String {
    format!("{decimal} {commodity}")
}
