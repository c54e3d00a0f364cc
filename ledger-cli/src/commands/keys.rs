//! `pledge keygen` and `pledge checkpoint`: signing keys, and signed checkpoints appended to the
//! ledger and printed as C2SP notes.

use std::convert::Infallible;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use ledger_core::checkpoint::{self, SignerKey};
use ledger_core::entry::{Checkpoint, Entry};
use ledger_core::scan::Scanner;
use ledger_core::tree;

use super::Context;
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::output::print;

pub fn keygen(name: &str, out: Option<&str>) -> Result<()> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| CliError::failure(format!("no randomness from the system: {e}")))?;
    let signer = SignerKey::from_seed(name, seed)
        .map_err(|e| CliError::input(format!("key name '{name}': {e}")))?;
    let prefix = out.map_or_else(
        || {
            name.replace(
                |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'),
                "_",
            )
        },
        str::to_string,
    );
    let (key_path, pub_path) = (format!("{prefix}.key"), format!("{prefix}.pub"));
    let mut private = String::new();
    let mut verifier = String::new();
    signer
        .write(&mut private)
        .and_then(|()| signer.verifier().write(&mut verifier))
        .map_err(|_| CliError::failure("cannot encode the key"))?;
    write_new(Path::new(&key_path), &format!("{private}\n"), 0o600)?;
    if let Err(e) = write_new(Path::new(&pub_path), &format!("{verifier}\n"), 0o644) {
        let _ = std::fs::remove_file(&key_path);
        return Err(e);
    }
    print(&format!("{verifier}\n"))
}

/// Creates a file that must not exist yet, with `mode`, and syncs it.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CliError::input(format!(
                "{}: a file is there already; keygen never overwrites a key",
                path.display()
            )),
            _ => CliError::failure(format!("{}: cannot create: {e}", path.display())),
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::failure(format!("{}: cannot write: {e}", path.display())))
}

/// Reads a private key file.
pub fn read_signer(path: &Path) -> Result<SignerKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("--sign {}: cannot read: {e}", path.display())))?;
    SignerKey::parse(&text).map_err(|e| {
        CliError::input(format!(
            "--sign {}: {e}; expected a key file from `pledge keygen`",
            path.display()
        ))
    })
}

pub fn checkpoint(context: &Context, sign: Option<&Path>) -> Result<()> {
    let signer = sign.map(read_signer).transpose()?;
    let mut ledger = ledger_file::append(context.path()?)?;
    let range = tree::range_of_records(Scanner::new(&ledger.bytes).map_err(CliError::failure)?)
        .map_err(CliError::failure)?;
    let origin = ledger
        .state
        .origin()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let root = range.root();
    let body = checkpoint::body(&origin, range.size(), &root).map_err(CliError::failure)?;
    let signature = signer.map(|s| s.sign(&body));
    let mut note = body.to_string();
    if let Some(signature) = &signature {
        note.push('\n');
        checkpoint::write_signature_line(signature, &mut note)
            .map_err(|_| CliError::failure("cannot encode the signature"))?;
    }
    let mut frames = Vec::new();
    let mut sink = |frame: &[u8]| -> std::result::Result<(), Infallible> {
        frames.extend_from_slice(frame);
        Ok(())
    };
    let entry = Entry::Checkpoint(Checkpoint {
        size: range.size(),
        root,
        signature,
    });
    ledger
        .state
        .append(entry, &mut sink)
        .map_err(|e| CliError::failure(format!("cannot append the checkpoint: {e:?}")))?;
    ledger.commit(&frames)?;
    print(&note)
}
