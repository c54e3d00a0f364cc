//! `pledge keygen` and `pledge checkpoint`: signing keys, and signed checkpoints appended to the
//! ledger and printed as C2SP notes.

use std::convert::Infallible;
use std::path::Path;

use ledger_core::checkpoint::{self, SignerKey, VerifierKey};
use ledger_core::entry::{Checkpoint, Entry};
use ledger_core::witness::{WitnessKey, WitnessSigner};

use super::Context;
use crate::error::{CliError, Result};
use crate::escape::escape;
use crate::files::{Existing, write_new};
use crate::ledger_file;
use crate::output::print;

pub fn keygen(
    context: &Context,
    name: &str,
    out: Option<&str>,
    force: bool,
    witness: bool,
) -> Result<()> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| CliError::failure(format!("no randomness from the system: {e}")))?;
    let bad_name = |e| CliError::input(format!("key name '{}': {e}", escape(name)));
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
    let encoded = if witness {
        let signer = WitnessSigner::from_seed(name, seed).map_err(bad_name)?;
        signer
            .write(&mut private)
            .and_then(|()| signer.verifier().write(&mut verifier))
    } else {
        let signer = SignerKey::from_seed(name, seed).map_err(bad_name)?;
        signer
            .write(&mut private)
            .and_then(|()| signer.verifier().write(&mut verifier))
    };
    encoded.map_err(|_| CliError::failure("cannot encode the key"))?;
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    // Check both names first, so that a refusal leaves neither file written.
    let ledger = context.path().ok();
    for path in [&key_path, &pub_path] {
        if existing == Existing::Keep && std::fs::symlink_metadata(path).is_ok() {
            return Err(CliError::input(format!(
                "{path}: a file is there already; keygen never replaces a key without --force"
            )));
        }
    }
    let (key, public) = (Path::new(&key_path), Path::new(&pub_path));
    write_new(
        "keygen",
        key,
        format!("{private}\n").as_bytes(),
        0o600,
        existing,
        ledger,
    )?;
    if let Err(e) = write_new(
        "keygen",
        public,
        format!("{verifier}\n").as_bytes(),
        0o644,
        existing,
        ledger,
    ) {
        let _ = std::fs::remove_file(key);
        return Err(e);
    }
    print(&format!("{verifier}\n"))
}

/// Reads a private key file for `--sign`. Its contents are never printed, whatever is wrong.
pub fn read_signer(path: &Path) -> Result<SignerKey> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("--sign {shown}: cannot read: {e}")))?;
    SignerKey::parse(text.trim_end()).map_err(|_| {
        let what = if VerifierKey::parse(text.trim()).is_ok() {
            "is a verifier (public) key; --sign takes the private key file `pledge keygen` wrote"
        } else {
            "is not a private key from `pledge keygen`"
        };
        CliError::input(format!("--sign {shown} {what}"))
    })
}

/// Reads a verifier key given to `option` as a file or as the key itself. Nothing read is ever
/// echoed: a private key passed by mistake must not end up on a screen or in a log.
pub fn read_verifier(option: &str, text: &str) -> Result<VerifierKey> {
    let (key, given) = key_text(option, text)?;
    parse_verifier(option, &given, &key)
}

/// The text of a key given to `option` as a file or as the key itself, and how to name it in an
/// error: the file's path, or the value itself unless it looks like a private key.
fn key_text(option: &str, text: &str) -> Result<(String, String)> {
    Ok(if Path::new(text).is_file() {
        let key = std::fs::read_to_string(text)
            .map_err(|e| CliError::input(format!("{option} {}: cannot read: {e}", escape(text))))?;
        (key, escape(text).into_owned())
    } else if text.starts_with(PRIVATE_PREFIX) {
        (text.to_string(), "(the value given)".to_string())
    } else {
        (text.to_string(), format!("'{}'", escape(text)))
    })
}

/// Reads a trust file: verifier keys, one per line; blank lines and `#` comments are skipped.
pub fn read_trust_file(path: &Path) -> Result<Vec<VerifierKey>> {
    let shown = escape(&path.to_string_lossy()).into_owned();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("--trust-file {shown}: cannot read: {e}")))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| (i, line.split('#').next().unwrap_or_default().trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| parse_verifier("--trust-file", &format!("{shown} line {}", i + 1), line))
        .collect()
}

/// Parses a verifier key; `given` says where it came from. The key text is never echoed.
fn parse_verifier(option: &str, given: &str, key: &str) -> Result<VerifierKey> {
    let key = key.trim();
    if key.starts_with(PRIVATE_PREFIX) || SignerKey::parse(key).is_ok() {
        return Err(CliError::input(format!(
            "{option} {given} is a private signing key, not a verifier key: pass the .pub file \
             `pledge keygen` wrote, and keep the private key secret"
        )));
    }
    VerifierKey::parse(key).map_err(|e| {
        CliError::input(format!(
            "{option} {given}: not a verifier key ({e}); expected name+keyid+base64 as in a .pub file"
        ))
    })
}

/// How every private key file begins (Go's sumdb/note encoding).
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

pub fn checkpoint(context: &Context, sign: Option<&Path>) -> Result<()> {
    let signer = sign.map(read_signer).transpose()?;
    // Before signing, the whole ledger is verified (records, rules, every earlier checkpoint's
    // root), and earlier signatures by this key and the trusted keys must verify: never sign
    // over a contradiction.
    let mut keys = context.keys.clone();
    keys.extend(signer.as_ref().map(SignerKey::verifier));
    let mut ledger = ledger_file::append(context.path()?, &keys, context.today)?;
    let range = ledger.tree.range.clone();
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

/// Reads a witness's private key file for `cosign --key`; never printed.
pub fn read_witness_signer(path: &Path) -> Result<WitnessSigner> {
    let shown = escape(&path.to_string_lossy()).into_owned();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("--key {shown}: cannot read: {e}")))?;
    WitnessSigner::parse(text.trim_end()).map_err(|_| {
        let what = if SignerKey::parse(text.trim_end()).is_ok() {
            "is a log signing key; a witness cosigns with its own key from `pledge keygen --witness`"
        } else {
            "is not a witness private key from `pledge keygen --witness`"
        };
        CliError::input(format!("--key {shown} {what}"))
    })
}

/// Reads a witness's public key given to `option` as a file or as the key itself; like
/// [`read_verifier`], a private key is named as such and nothing read is echoed.
pub fn read_witness_key(option: &str, text: &str) -> Result<WitnessKey> {
    let (key, given) = key_text(option, text)?;
    let key = key.trim();
    if key.starts_with(PRIVATE_PREFIX) {
        return Err(CliError::input(format!(
            "{option} {given} is a private key, not a witness's public key: pass the .pub file \
             `pledge keygen --witness` wrote, and keep the private key secret"
        )));
    }
    WitnessKey::parse(key).map_err(|e| {
        CliError::input(format!(
            "{option} {given}: not a witness key ({e}); expected name+keyid+base64 from `pledge keygen --witness`"
        ))
    })
}
