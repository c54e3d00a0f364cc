//! Witness cosignatures in the C2SP `tlog-cosignature` format (v1, Ed25519): a witness states
//! that, as of a time, a checkpoint is the largest consistent tree it has seen of the log.
//! An auditor who holds the ledger checks it and cosigns; anyone can then require a quorum of
//! witnesses before trusting a checkpoint, which defeats a log keeper who shows different
//! histories to different people (a split view).
//!
//! ```text
//! signed message:  cosignature/v1\n time <POSIX seconds>\n <the checkpoint body>
//! signature line:  — <name> base64(key ID ‖ u64 timestamp, big-endian ‖ Ed25519 signature)
//! key ID:          SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[..4]
//! keys:            name+<key ID hex>+base64(0x04 ‖ public key); private: PRIVATE+KEY+… ‖ seed
//! ```

use core::fmt::Write;

use base64ct::{Base64, Encoding};
use ed25519_compact::{KeyPair, PublicKey, Seed, Signature};

use crate::checkpoint::{BODY_CAPACITY, NoteError, key_id_of, key_name, split_key_of};
use crate::entry::Name;

/// The signed-note signature type of Ed25519 cosignatures.
const COSIGNATURE_V1: u8 = 0x04;
/// The message a cosignature signs, at most: header, time line, body.
const MESSAGE_CAPACITY: usize = 15 + 26 + BODY_CAPACITY;

/// A witness's public key: checks cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    /// The witness's name.
    pub name: Name,
    /// Its key ID.
    pub key_id: [u8; 4],
    /// The Ed25519 public key.
    pub public: [u8; 32],
}

/// A witness's private key: makes cosignatures.
#[derive(Debug, Clone)]
pub struct WitnessSigner {
    /// The witness's name.
    pub name: Name,
    /// Its key ID.
    pub key_id: [u8; 4],
    seed: [u8; 32],
}

/// One cosignature: who, when, and the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cosignature {
    /// The key ID of the witness.
    pub key_id: [u8; 4],
    /// When it was made, in POSIX seconds.
    pub timestamp: u64,
    /// The Ed25519 signature of the cosigned message.
    pub signature: [u8; 64],
}

/// The message a cosignature at `timestamp` signs for a checkpoint `body`.
fn message(body: &str, timestamp: u64) -> Result<heapless::String<MESSAGE_CAPACITY>, NoteError> {
    let mut text = heapless::String::new();
    write!(text, "cosignature/v1\ntime {timestamp}\n{body}").map_err(|_| NoteError::NoteSyntax)?;
    Ok(text)
}

impl WitnessKey {
    /// Parses `name+keyid+base64(0x04 ‖ public key)` and checks the key ID.
    pub fn parse(text: &str) -> Result<WitnessKey, NoteError> {
        let (name, key_id, public) = split_key_of(text.trim(), COSIGNATURE_V1)?;
        if key_id_of(&name, COSIGNATURE_V1, &public) != key_id {
            return Err(NoteError::KeyIdMismatch);
        }
        PublicKey::from_slice(&public).map_err(|_| NoteError::KeySyntax)?;
        Ok(WitnessKey {
            name,
            key_id,
            public,
        })
    }

    /// Writes the key in its text form.
    pub fn write(&self, out: &mut impl Write) -> core::fmt::Result {
        write_key(out, "", &self.name, self.key_id, &self.public)
    }

    /// The timestamp of this witness's valid cosignature on `body` among the note's
    /// `signatures` lines, if there is one. Lines by other keys are ignored; a line with this
    /// witness's name and key ID that does not verify is an error.
    pub fn cosigned(&self, body: &str, signatures: &str) -> Result<Option<u64>, NoteError> {
        for line in signatures.lines() {
            let Some((name, cosignature)) = parse_line(line) else {
                continue;
            };
            if name != self.name.as_str() || cosignature.key_id != self.key_id {
                continue;
            }
            let public = PublicKey::from_slice(&self.public).map_err(|_| NoteError::KeySyntax)?;
            let signature = Signature::from_slice(&cosignature.signature)
                .map_err(|_| NoteError::BadSignature)?;
            let message = message(body, cosignature.timestamp)?;
            public
                .verify(message.as_bytes(), &signature)
                .map_err(|_| NoteError::BadSignature)?;
            return Ok(Some(cosignature.timestamp));
        }
        Ok(None)
    }
}

impl WitnessSigner {
    /// A witness key named `name` from a 32-byte seed (which must be random and secret).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<WitnessSigner, NoteError> {
        let name = key_name(name)?;
        let public = KeyPair::from_seed(Seed::new(seed)).pk;
        let key_id = key_id_of(&name, COSIGNATURE_V1, &public);
        Ok(WitnessSigner { name, key_id, seed })
    }

    /// Parses `PRIVATE+KEY+name+keyid+base64(0x04 ‖ seed)` and checks the key ID.
    pub fn parse(text: &str) -> Result<WitnessSigner, NoteError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::KeySyntax)?;
        let (name, key_id, seed) = split_key_of(rest, COSIGNATURE_V1)?;
        let signer = WitnessSigner::from_seed(&name, seed)?;
        if signer.key_id != key_id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// Writes the private key in its text form.
    pub fn write(&self, out: &mut impl Write) -> core::fmt::Result {
        write_key(out, "PRIVATE+KEY+", &self.name, self.key_id, &self.seed)
    }

    /// The matching public key.
    pub fn verifier(&self) -> WitnessKey {
        WitnessKey {
            name: self.name.clone(),
            key_id: self.key_id,
            public: *KeyPair::from_seed(Seed::new(self.seed)).pk,
        }
    }

    /// Cosigns a checkpoint `body` at `timestamp` (POSIX seconds, at most 2^63 − 1) and
    /// writes the signature line, newline included.
    pub fn cosign(
        &self,
        body: &str,
        timestamp: u64,
        out: &mut impl Write,
    ) -> Result<(), NoteError> {
        if timestamp > i64::MAX as u64 {
            return Err(NoteError::NoteSyntax);
        }
        let message = message(body, timestamp)?;
        let pair = KeyPair::from_seed(Seed::new(self.seed));
        let signature = pair.sk.sign(message.as_bytes(), None);
        let mut bytes = [0u8; 76];
        let (id, rest) = bytes.split_at_mut(4);
        let (time, sig) = rest.split_at_mut(8);
        id.copy_from_slice(&self.key_id);
        time.copy_from_slice(&timestamp.to_be_bytes());
        sig.copy_from_slice(&*signature);
        let mut buf = [0u8; 104];
        let encoded = Base64::encode(&bytes, &mut buf).map_err(|_| NoteError::NoteSyntax)?;
        writeln!(out, "\u{2014} {} {encoded}", self.name).map_err(|_| NoteError::NoteSyntax)
    }
}

/// A signature line that has the shape of an Ed25519 cosignature: its name and contents.
fn parse_line(line: &str) -> Option<(&str, Cosignature)> {
    let (name, data) = line.strip_prefix("\u{2014} ")?.split_once(' ')?;
    let mut bytes = [0u8; 76];
    let decoded = Base64::decode(data.trim_end(), &mut bytes).ok()?;
    if decoded.len() != 76 {
        return None;
    }
    let (id, rest) = bytes.split_at(4);
    let (time, sig) = rest.split_at(8);
    Some((
        name,
        Cosignature {
            key_id: id.try_into().ok()?,
            timestamp: u64::from_be_bytes(time.try_into().ok()?),
            signature: sig.try_into().ok()?,
        },
    ))
}

fn write_key(
    out: &mut impl Write,
    prefix: &str,
    name: &str,
    key_id: [u8; 4],
    material: &[u8; 32],
) -> core::fmt::Result {
    let mut bytes = [0u8; 33];
    if let Some((kind, key)) = bytes.split_first_mut() {
        *kind = COSIGNATURE_V1;
        key.copy_from_slice(material);
    }
    let mut buf = [0u8; 44];
    let encoded = Base64::encode(&bytes, &mut buf).map_err(|_| core::fmt::Error)?;
    write!(
        out,
        "{prefix}{name}+{:08x}+{encoded}",
        u32::from_be_bytes(key_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosignature_verifies_and_any_change_breaks_it() {
        let witness = WitnessSigner::from_seed("witness.example/w1", [9; 32]).unwrap();
        let key = witness.verifier();
        let mut text = String::new();
        key.write(&mut text).unwrap();
        assert_eq!(WitnessKey::parse(&text).unwrap(), key);
        let mut private = String::new();
        witness.write(&mut private).unwrap();
        assert_eq!(WitnessSigner::parse(&private).unwrap().verifier(), key);
        // A log key (type 0x01) is not a witness key, nor the other way round.
        let log = crate::checkpoint::SignerKey::from_seed("witness.example/w1", [9; 32]).unwrap();
        let mut log_text = String::new();
        log.verifier().write(&mut log_text).unwrap();
        assert_eq!(WitnessKey::parse(&log_text), Err(NoteError::KeySyntax));
        assert!(crate::checkpoint::VerifierKey::parse(&text).is_err());
        let body = "example.org/log\n3\nq80ohPtJNFwIAr4jJ8zHPqrJgWK9BXK3bkl4CVbDSfA=\n";
        let mut line = String::new();
        witness.cosign(body, 1_700_000_000, &mut line).unwrap();
        assert_eq!(key.cosigned(body, &line), Ok(Some(1_700_000_000)));
        let other = "example.org/log\n4\nq80ohPtJNFwIAr4jJ8zHPqrJgWK9BXK3bkl4CVbDSfA=\n";
        assert_eq!(key.cosigned(other, &line), Err(NoteError::BadSignature));
        // A changed timestamp breaks the signature too.
        let (name, mut cosignature) = parse_line(line.trim_end()).unwrap();
        assert_eq!(name, "witness.example/w1");
        cosignature.timestamp += 1;
        let mut forged = [0u8; 76];
        forged[..4].copy_from_slice(&cosignature.key_id);
        forged[4..12].copy_from_slice(&cosignature.timestamp.to_be_bytes());
        forged[12..].copy_from_slice(&cosignature.signature);
        let mut buf = [0u8; 104];
        let forged = format!(
            "\u{2014} {name} {}\n",
            Base64::encode(&forged, &mut buf).unwrap()
        );
        assert_eq!(key.cosigned(body, &forged), Err(NoteError::BadSignature));
        // Another witness's line is ignored, not an error.
        let other_witness = WitnessSigner::from_seed("witness.example/w2", [8; 32]).unwrap();
        let mut other_line = String::new();
        other_witness.cosign(body, 5, &mut other_line).unwrap();
        assert_eq!(key.cosigned(body, &other_line), Ok(None));
    }
}
