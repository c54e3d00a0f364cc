//! Printing: one sheet of cells, rendered as an aligned table for people or as CSV; JSON from
//! the commands' own serializable types. Nothing here knows a ledger rule.

use std::io::Write;

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, presets};
use ledger_core::amount::Decimal;
use serde::Serialize;

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
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
        let shown: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].show == Show::Both)
            .collect();
        table.set_header(shown.iter().map(|&i| {
            let column = &self.columns[i];
            let align = if column.right {
                CellAlignment::Right
            } else {
                CellAlignment::Left
            };
            comfy_table::Cell::new(column.name).set_alignment(align)
        }));
        for row in &self.rows {
            table.add_row(shown.iter().map(|&i| escape(&row[i].human)));
        }
        for (position, &i) in shown.iter().enumerate() {
            if let Some(column) = table.column_mut(position) {
                column.set_padding((0, 2));
                column.set_constraint(ColumnConstraint::ContentWidth);
                if self.columns[i].right {
                    column.set_cell_alignment(CellAlignment::Right);
                }
            }
        }
        let mut text: String = table
            .lines()
            .map(|line| line.trim_end().to_string() + "\n")
            .collect();
        if let Some(first_newline) = text.find('\n') {
            let rule = "-".repeat(first_newline);
            text.insert_str(first_newline + 1, &(rule + "\n"));
        }
        text
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
