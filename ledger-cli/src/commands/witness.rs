//! `pledge cosign`: an auditor acting as a witness. The note is cosigned only if it is this
//! ledger's own tree at its size, after the whole ledger has been read and checked (records,
//! rules, every checkpoint record); the cosignature is C2SP tlog-cosignature/v1.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use ledger_core::checkpoint::parse_note;

use super::Context;
use super::keys::{read_verifier, read_witness_signer};
use crate::error::{CliError, FAILURE, Result};
use crate::escape::escape;
use crate::files::{self, Existing};
use crate::ledger_file;
use crate::output::print;

pub fn cosign(
    context: &Context,
    note_path: &Path,
    key: &Path,
    trust: Option<&str>,
    out: Option<&Path>,
    force: bool,
) -> Result<()> {
    let signer = read_witness_signer(key)?;
    let trust = trust.map(|t| read_verifier("--trust", t)).transpose()?;
    let shown = escape(&note_path.to_string_lossy()).into_owned();
    let bytes =
        files::read_regular(note_path).map_err(|e| CliError::input(format!("{shown}: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::input(format!("{shown}: not a checkpoint note (not UTF-8)")))?;
    let note = parse_note(&text).map_err(|e| CliError::input(format!("{shown}: {e}")))?;
    let refuse = |why: String| CliError::new(FAILURE, format!("{shown}: {why}; not cosigned"));
    if let Some(key) = &trust
        && !note.is_signed_by(key)
    {
        return Err(refuse(format!("not signed by the log's key {}", key.name)));
    }
    // Reading the ledger checks every record, rule and checkpoint record in it.
    let ledger = ledger_file::read(
        context.path()?,
        crate::ledger_file::View::ALL,
        &context.keys,
    )?;
    let origin = ledger.state.origin().map_or("", |o| o.as_str());
    if note.origin != origin {
        return Err(refuse(format!(
            "it is for the log '{}', this ledger is '{}'",
            escape(note.origin),
            escape(origin)
        )));
    }
    let records = ledger.tree.range.size();
    let range = crate::tree_check::streamed_range(&ledger.bytes, note.size).map_err(|_| {
        refuse(format!(
            "it states {} records, the ledger has {records}",
            note.size
        ))
    })?;
    if range.root() != note.root {
        return Err(refuse(format!(
            "its root is not the root of the ledger's first {} records: the log showed a \
             different history",
            note.size
        )));
    }
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::failure("the system clock is before 1970"))?
        .as_secs();
    let mut cosigned = text.clone();
    if note.signatures.is_empty() && !text.contains("\n\n") {
        // An unsigned checkpoint: the body, then the blank line a note's signatures follow.
        cosigned.push('\n');
    }
    if !cosigned.ends_with('\n') {
        cosigned.push('\n');
    }
    signer
        .cosign(note.body, timestamp, &mut cosigned)
        .map_err(|e| CliError::failure(format!("cannot cosign: {e}")))?;
    match out {
        None => print(&cosigned),
        Some(path) => {
            let existing = if force {
                Existing::Replace
            } else {
                Existing::Keep
            };
            files::write_new(
                "--out",
                path,
                cosigned.as_bytes(),
                0o644,
                existing,
                context.path().ok(),
            )
        }
    }
}
