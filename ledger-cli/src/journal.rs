//! The append journal: what makes one command's records all or nothing through a crash when
//! there are several of them (a pledge and the names it declares). A single record needs none:
//! a record cut short is a torn frame, which every reader leaves out. Several complete records
//! followed by a torn one would leave the declarations behind, so before such an append the
//! ledger's length is written, synced, to `PATH.journal`; the journal is removed, synced, before
//! the command reports success. A journal found later means an append of several records was
//! interrupted: readers read the ledger only up to the length it names, appends are refused,
//! and `pledge repair` cuts the rest off. (SQLite's rollback journal, for one number.)

use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};
use crate::files::{self, Existing};

const HEADER: &str = "pledge-append-journal/1";

/// The journal of the ledger at `ledger`.
pub fn path_for(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Records, durably, that an append of several records starts at `length`.
pub fn begin(ledger: &Path, length: u64) -> Result<()> {
    let text = format!("{HEADER}\nlength {length}\n");
    files::write_new(
        "journal",
        &path_for(ledger),
        text.as_bytes(),
        0o644,
        Existing::Replace,
        Some(ledger),
    )
}

/// Removes the journal, durably: the append it covered is complete (or was cut back).
pub fn end(ledger: &Path) -> std::io::Result<()> {
    let path = path_for(ledger);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// The length an interrupted append started at, if a journal is there.
pub fn read(ledger: &Path) -> Result<Option<u64>> {
    let path = path_for(ledger);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::failure(format!(
                "{}: cannot read: {e}",
                path.display()
            )));
        }
    };
    let mut lines = text.lines();
    let length = match (
        lines.next(),
        lines.next().and_then(|l| l.strip_prefix("length ")),
    ) {
        (Some(HEADER), Some(n)) => n.parse::<u64>().ok(),
        _ => None,
    };
    length.map(Some).ok_or_else(|| {
        CliError::failure(format!(
            "{}: not a pledge append journal; if no append is running, move it away",
            path.display()
        ))
    })
}
