//! `pledge prove` and `pledge verify-proof`: a receipt that one record is in the ledger, and
//! its check without the ledger. The receipt is JSON (documented in docs/AUDIT.md).

use std::path::Path;

use ledger_core::checkpoint::{self, NoteSignature};
use ledger_core::entry::{Entry, Seq};
use ledger_core::record::{decode_payload, is_canonical};
use ledger_core::scan::Item;
use ledger_core::tree::{self, Hash, ProofBuilder, TreeError};
use serde::{Deserialize, Serialize};

use super::audit::hex;
use super::keys::read_verifier;
use super::{Context, parse_id};
use crate::error::{CliError, FAILURE, Result};
use crate::files::{Existing, write_new};
use crate::output::print;

/// The receipt's format name and version.
const FORMAT: &str = "pledge-inclusion-proof/1";

#[derive(Debug, Serialize, Deserialize)]
struct Receipt {
    format: String,
    origin: String,
    /// The record's number: its leaf index.
    seq: Seq,
    /// The record's payload (the leaf's data), in hex.
    payload: String,
    /// For people; not covered by the proof.
    description: String,
    tree_size: u64,
    root: String,
    /// The audit path, leaf level first, in hex.
    proof: Vec<String>,
    /// The checkpoint note for `tree_size` and `root`, signed if the checkpoint was.
    checkpoint: String,
}

pub fn prove(context: &Context, id: &str, out: Option<&Path>, force: bool) -> Result<()> {
    let seq = parse_id(id)?;
    let ledger = crate::ledger_file::read(
        context.path()?,
        crate::ledger_file::View::ALL,
        &context.keys,
    )?;
    let origin = ledger
        .state
        .origin()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let mut scan = ledger.bytes.scan().map_err(CliError::failure)?;
    let mut payload = None;
    let mut description = String::new();
    let mut checkpoint = None;
    while let Some(item) = scan.next() {
        let Item::Record { record, .. } = item else {
            continue;
        };
        if record.seq == seq {
            payload = Some(scan.scanner().payload().to_vec());
            description = format!("record #{seq}: {}", record.entry.kind());
        }
        // The latest checkpoint that covers the record, a signed one before any unsigned one.
        if let Entry::Checkpoint(c) = &record.entry
            && c.size > u64::from(seq)
            && (c.signature.is_some()
                || checkpoint
                    .as_ref()
                    .is_none_or(|k: &ledger_core::entry::Checkpoint| k.signature.is_none()))
        {
            checkpoint = Some(c.clone());
        }
    }
    let payload = payload.ok_or_else(|| CliError::input(format!("there is no record #{seq}")))?;
    let checkpoint = checkpoint.ok_or_else(|| {
        CliError::input(format!("no checkpoint covers record #{seq} yet; append one with `pledge checkpoint --sign KEYFILE`"))
    })?;
    // A second pass hashes the frames: the proof is built without keeping every leaf.
    let builder =
        ProofBuilder::inclusion(u64::from(seq), checkpoint.size).map_err(CliError::failure)?;
    let path = crate::tree_check::streamed_proof(&ledger.bytes, builder).map_err(|e| match e {
        TreeError::OutOfRange => CliError::failure("a checkpoint is larger than the ledger"),
        e => CliError::failure(e),
    })?;
    let receipt = Receipt {
        format: FORMAT.to_string(),
        origin: origin.clone(),
        seq,
        payload: hex(&payload),
        description,
        tree_size: checkpoint.size,
        root: hex(&checkpoint.root),
        proof: path.iter().map(|h| hex(h)).collect(),
        checkpoint: note(
            &origin,
            checkpoint.size,
            &checkpoint.root,
            checkpoint.signature.as_ref(),
        )?,
    };
    let mut text = serde_json::to_string_pretty(&receipt).map_err(CliError::failure)?;
    text.push('\n');
    match out {
        Some(path) => {
            let existing = if force {
                Existing::Replace
            } else {
                Existing::Keep
            };
            let ledger = context.path().ok();
            write_new("--out", path, text.as_bytes(), 0o644, existing, ledger)
        }
        None => print(&text),
    }
}

/// A checkpoint as a C2SP note: its body, and its signature line if it is signed.
pub(super) fn note(
    origin: &str,
    size: u64,
    root: &Hash,
    signature: Option<&NoteSignature>,
) -> Result<String> {
    let mut note = checkpoint::body(origin, size, root)
        .map_err(CliError::failure)?
        .to_string();
    if let Some(signature) = signature {
        note.push('\n');
        checkpoint::write_signature_line(signature, &mut note)
            .map_err(|_| CliError::failure("cannot encode the signature"))?;
    }
    Ok(note)
}

pub fn verify(path: &Path, trust: Option<&str>) -> Result<()> {
    let key = trust.map(|t| read_verifier("--trust", t)).transpose()?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("{}: cannot read: {e}", path.display())))?;
    let receipt: Receipt = serde_json::from_str(&text)
        .map_err(|e| CliError::input(format!("{}: not a pledge receipt: {e}", path.display())))?;
    if receipt.format != FORMAT {
        return Err(CliError::input(format!(
            "{}: format '{}', expected '{FORMAT}'",
            path.display(),
            receipt.format
        )));
    }
    let fail = |why: String| {
        Err(CliError::new(
            FAILURE,
            format!("{}: the proof does not hold: {why}", path.display()),
        ))
    };
    let payload = unhex(&receipt.payload)
        .ok_or_else(|| CliError::input(format!("{}: payload is not hex", path.display())))?;
    let record = match decode_payload(&payload, receipt.seq) {
        Ok(record) if record.seq == receipt.seq && is_canonical(&payload, &record) => record,
        _ => {
            return fail(format!(
                "the payload is not record #{} in canonical form",
                receipt.seq
            ));
        }
    };
    let root: Hash = unhex(&receipt.root)
        .and_then(|r| r.try_into().ok())
        .ok_or_else(|| CliError::input("root is not 32 bytes of hex"))?;
    let proof: Vec<Hash> = receipt
        .proof
        .iter()
        .map(|h| unhex(h).and_then(|h| h.try_into().ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| CliError::input("the proof is not a list of 32-byte hex hashes"))?;
    if let Err(e) = tree::verify_inclusion(
        &tree::leaf_hash(&payload),
        u64::from(receipt.seq),
        receipt.tree_size,
        &proof,
        &root,
    ) {
        return fail(e.to_string());
    }
    let note = checkpoint::parse_note(&receipt.checkpoint)
        .map_err(|e| CliError::input(format!("checkpoint: {e}")))?;
    if !note.is_for(&receipt.origin, receipt.tree_size, &root) {
        return fail("the checkpoint note is for another tree".to_string());
    }
    let signer = match &key {
        None => "unsigned check: pass --trust KEY to require the log's signature".to_string(),
        Some(key) => {
            if !note.is_signed_by(key) {
                return fail(format!("the checkpoint is not signed by {}", key.name));
            }
            format!("signed by {}", key.name)
        }
    };
    print(&format!(
        "OK: record #{} ({}, {}) is in {} at tree size {}, root {} ({signer})\n",
        receipt.seq,
        record.entry.kind(),
        record
            .entry
            .date()
            .map_or_else(|| "undated".to_string(), |d| d.to_string()),
        crate::escape::escape(&receipt.origin),
        receipt.tree_size,
        receipt.root
    ))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}
