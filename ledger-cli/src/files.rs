//! Files pledge writes besides the ledger (keys, receipts, backups, exports): written whole to a
//! temporary file in the same directory, synced, then renamed into place, so a crash or a full
//! disk leaves either the complete file or nothing. Never over an existing file unless asked,
//! and never over the ledger.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::error::{CliError, Result};
use crate::mapped::Mapped;

/// Whether an existing file may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the user did not pass `--force`.
    Keep,
    /// Replace it (`--force`).
    Replace,
}

/// Writes `bytes` to `path` with permissions `mode`, atomically. `option` names the argument
/// the path came from, for errors; `ledger` is the ledger in use, never to be replaced.
pub fn write_new(
    option: &str,
    path: &Path,
    bytes: &[u8],
    mode: u32,
    existing: Existing,
    ledger: Option<&Path>,
) -> Result<()> {
    let shown = path.display();
    if let Some(ledger) = ledger
        && same_file(path, ledger)
    {
        return Err(CliError::input(format!(
            "{option} {shown}: that is the ledger; pledge never writes over it"
        )));
    }
    if existing == Existing::Keep && std::fs::symlink_metadata(path).is_ok() {
        return Err(CliError::input(format!(
            "{option} {shown}: a file is there already; pass --force to replace it"
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let failed = |e: std::io::Error| {
        CliError::failure(format!(
            "{option} {shown}: cannot write: {e}; nothing was written"
        ))
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".pledge-")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(failed)?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(failed)?;
    let persisted = match existing {
        Existing::Keep => temp.persist_noclobber(path),
        Existing::Replace => temp.persist(path),
    };
    // On failure the temporary file is removed as the error drops it.
    persisted.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::input(format!(
            "{option} {shown}: a file is there already; pass --force to replace it"
        )),
        _ => failed(e.error),
    })?;
    sync_dir(dir);
    Ok(())
}

/// Refuses anything but a regular file as a ledger: a FIFO would block every command, a device
/// such as /dev/zero would be read until memory runs out.
pub fn check_regular(path: &Path, metadata: std::fs::Metadata) -> Result<()> {
    match not_regular(&metadata) {
        None => Ok(()),
        Some(kind) => Err(CliError::input(format!(
            "{}: {kind}; pledge reads ledgers only from regular files",
            path.display()
        ))),
    }
}

/// What a file that is not a regular one is, said for a message.
fn not_regular(metadata: &std::fs::Metadata) -> Option<&'static str> {
    if metadata.is_file() {
        None
    } else if metadata.is_dir() {
        Some("is a directory")
    } else {
        Some("is not a regular file (a pipe, socket or device)")
    }
}

/// Reads a whole regular file (see [`check_regular`]).
pub fn read_regular(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    Ok(bytes)
}

/// Maps a whole regular file (see [`check_regular`]) under a shared lock, so that no append or
/// repair by `pledge` changes it while it is mapped; a lock the file system refuses is done
/// without.
pub fn map_regular(path: &Path) -> std::result::Result<Mapped, String> {
    let file = open_regular(path)?;
    let _ = file.lock_shared();
    Mapped::of(&file).map_err(|e| format!("cannot read: {e}"))
}

/// Opens a regular file to read it, checked before (opening a FIFO would wait for a writer
/// forever) and after (what was opened is what was checked). The message names no path: the
/// caller's does.
fn open_regular(path: &Path) -> std::result::Result<std::fs::File, String> {
    let refuse = |metadata: std::fs::Metadata| match not_regular(&metadata) {
        None => Ok(()),
        Some(kind) => Err(format!("{kind}; pledge reads only regular files")),
    };
    refuse(std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?)?;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    refuse(file.metadata().map_err(|e| format!("cannot read: {e}"))?)?;
    Ok(file)
}

/// Whether two paths name the same file (both must exist).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Makes a directory's entries durable (a no-op where directories cannot be synced).
pub fn sync_dir(dir: &Path) {
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}
