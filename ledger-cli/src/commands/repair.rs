//! `pledge repair`: cut off an incomplete last record left by an interrupted append.

use super::Context;
use crate::error::Result;
use crate::ledger_file::{self, Cut, Repair};
use crate::output::print;

pub fn run(context: &Context) -> Result<()> {
    let path = context.path()?;
    match ledger_file::repair(path, &context.keys)? {
        Repair::Clean => print(&format!(
            "{}: ends with a complete record; nothing to repair\n",
            path.display()
        )),
        Repair::Cut {
            offset,
            removed,
            kind,
            backup,
        } => {
            let what = match kind {
                Cut::Erased => "erased flash bytes (0xFF)",
                Cut::Torn => "bytes of an incomplete record",
                Cut::Interrupted => "bytes of an interrupted append of several records",
            };
            print(&format!(
                "{}: removed {removed} {what} from byte {offset}; the original is kept in {}\n",
                path.display(),
                backup.display()
            ))
        }
    }
}
