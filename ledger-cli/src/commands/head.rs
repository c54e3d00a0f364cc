//! `pledge head`: the ledger's size and Merkle root, to publish or compare.

use serde::Serialize;

use super::Context;
use crate::cli::Format;
use crate::error::Result;
use crate::ledger_file;
use crate::output::{Cell, Column, Sheet, print, print_json};

#[derive(Debug, Serialize)]
struct HeadJson {
    origin: String,
    size: u64,
    root: String,
}

pub fn run(context: &Context, format: Format) -> Result<()> {
    let path = context.path()?;
    let (origin, range) = match ledger_file::read_cached(path, &context.keys, &[])? {
        Some(cached) => (
            cached.sidecar.state().origin().cloned(),
            cached.sidecar.range().clone(),
        ),
        None => {
            let ledger = ledger_file::read_and_cache(path, ledger_file::View::ALL, &context.keys)?;
            (ledger.state.origin().cloned(), ledger.tree.range)
        }
    };
    let head = HeadJson {
        origin: origin.map(|o| o.to_string()).unwrap_or_default(),
        size: range.size(),
        root: range.root().iter().map(|b| format!("{b:02x}")).collect(),
    };
    match format {
        Format::Json => print_json(&head),
        Format::Csv => {
            let mut sheet = Sheet::new(&[
                Column::left("Origin", "origin"),
                Column::right("Size", "size"),
                Column::left("Root", "root"),
            ]);
            sheet.push(vec![
                Cell::text(&head.origin),
                Cell::text(head.size.to_string()),
                Cell::text(&head.root),
            ]);
            print(&sheet.csv()?)
        }
        Format::Table => print(&format!(
            "origin  {}\nsize    {}\nroot    {}\n",
            head.origin, head.size, head.root
        )),
    }
}
