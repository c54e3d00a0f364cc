//! `pledge export --format parquet`: every event as a row of an Apache Parquet file (the arrow
//! and parquet crates), so that a fleet's ledgers are queried by existing engines (DuckDB,
//! DataFusion, Spark). Amounts are exact: 64-bit integers of minor units, with the commodity
//! and its number of decimals beside them (a Parquet DECIMAL column has one scale, and JPY and
//! USD differ). Written in batches as it goes, Snappy-compressed: memory does not grow with the
//! ledger.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    Date32Builder, Int64Builder, StringBuilder, UInt8Builder, UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use ledger_core::CommodityId;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::{EventRow, Events};
use crate::error::{CliError, Result};
use crate::tables::State;

/// Rows per record batch (and so per row group at most): about 5 MB of builders.
const BATCH: usize = 65_536;

/// The file's columns, documented in docs/GUIDE.md ("Exporting").
fn schema() -> Schema {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Schema::new(vec![
        Field::new("id", DataType::UInt32, false),
        Field::new("date", DataType::Date32, true),
        Field::new("kind", DataType::Utf8, false),
        Field::new("pledge", DataType::UInt32, true),
        text("from"),
        text("to"),
        text("goal"),
        text("project"),
        text("sector"),
        Field::new("amount", DataType::Int64, true),
        text("amount_commodity"),
        Field::new("commodity", DataType::Utf8, true),
        Field::new("decimals", DataType::UInt8, true),
        Field::new("committed_change", DataType::Int64, true),
        Field::new("fulfilled_change", DataType::Int64, true),
        text("text"),
    ])
}

/// The columns being filled.
#[derive(Default)]
struct Columns {
    id: UInt32Builder,
    date: Date32Builder,
    kind: StringBuilder,
    pledge: UInt32Builder,
    from: StringBuilder,
    to: StringBuilder,
    goal: StringBuilder,
    project: StringBuilder,
    sector: StringBuilder,
    amount: Int64Builder,
    amount_commodity: StringBuilder,
    commodity: StringBuilder,
    decimals: UInt8Builder,
    committed_change: Int64Builder,
    fulfilled_change: Int64Builder,
    text: StringBuilder,
    rows: usize,
}

impl Columns {
    fn push(&mut self, state: &State, row: &EventRow) {
        let code = |c: CommodityId| state.commodity(c).map(|c| c.code.to_string());
        self.id.append_value(row.id);
        self.date.append_option(row.date.map(|d| d.0));
        self.kind.append_value(row.kind);
        self.pledge.append_option(row.pledge);
        self.from.append_option(row.from);
        self.to.append_option(row.to);
        self.goal.append_option(row.goal);
        self.project.append_option(row.project);
        self.sector.append_option(row.sector);
        self.amount.append_option(row.units.map(|a| a.units));
        self.amount_commodity
            .append_option(row.units.and_then(|a| code(a.commodity)));
        let changed = row.change.map(|(c, _, _)| c);
        self.commodity.append_option(changed.and_then(code));
        self.decimals
            .append_option(changed.and_then(|c| state.commodity(c).map(|c| c.decimals)));
        self.committed_change
            .append_option(row.change.map(|(_, committed, _)| committed));
        self.fulfilled_change
            .append_option(row.change.map(|(_, _, fulfilled)| fulfilled));
        self.text.append_option(row.text.as_deref());
        self.rows = self.rows.saturating_add(1);
    }

    /// The rows so far as a batch; the builders start again empty.
    fn batch(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.pledge.finish()),
            Arc::new(self.from.finish()),
            Arc::new(self.to.finish()),
            Arc::new(self.goal.finish()),
            Arc::new(self.project.finish()),
            Arc::new(self.sector.finish()),
            Arc::new(self.amount.finish()),
            Arc::new(self.amount_commodity.finish()),
            Arc::new(self.commodity.finish()),
            Arc::new(self.decimals.finish()),
            Arc::new(self.committed_change.finish()),
            Arc::new(self.fulfilled_change.finish()),
            Arc::new(self.text.finish()),
        ];
        self.rows = 0;
        RecordBatch::try_new(schema.clone(), columns).map_err(failed)
    }
}

/// Writes every event of `events` to `out` as one Parquet file.
pub(super) fn write<W: Write + Send>(out: W, state: &State, events: Events<'_>) -> Result<()> {
    let schema = Arc::new(schema());
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // A row group a batch: the writer holds a row group's encoded columns until it is
        // full (a million rows by default: 101 MB for the export at 1M pledges, 73 MB so).
        .set_max_row_group_row_count(Some(BATCH))
        .set_created_by(format!("pledge {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties)).map_err(failed)?;
    let mut columns = Columns::default();
    for row in events {
        columns.push(state, &row?);
        if columns.rows >= BATCH {
            writer.write(&columns.batch(&schema)?).map_err(failed)?;
        }
    }
    if columns.rows > 0 {
        writer.write(&columns.batch(&schema)?).map_err(failed)?;
    }
    writer.close().map_err(failed)?;
    Ok(())
}

fn failed(error: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("cannot write Parquet: {error}"))
}
