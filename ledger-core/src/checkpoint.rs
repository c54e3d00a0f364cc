//! Signed checkpoints in the C2SP formats that transparency logs use, so existing tooling can
//! read and check them: a `tlog-checkpoint` body, signed as a `signed-note` with Ed25519.
//!
//! ```text
//! <origin>\n<size>\n<base64 root>\n          the checkpoint body (the signed note text)
//! \n
//! — <key name> <base64(key ID ‖ signature)>\n
//! ```
//!
//! key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ Ed25519 public key)[..4]. A verifier key is written
//! `name+<key ID in hex>+<base64(0x01 ‖ public key)>`, a signer key
//! `PRIVATE+KEY+name+<key ID in hex>+<base64(0x01 ‖ seed)>`, as Go's `sumdb/note` does.

use core::fmt::Write;

use base64ct::{Base64, Encoding};
use ed25519_compact::{KeyPair, PublicKey, Seed, Signature};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::entry::{NAME_CAPACITY, Name};
use crate::tree::Hash;

/// The signed-note signature type of Ed25519.
const ED25519: u8 = 0x01;
/// The longest checkpoint body: a 64-byte origin, a 20-digit size, a 44-byte root, newlines.
pub const BODY_CAPACITY: usize = NAME_CAPACITY + 20 + 44 + 3;
/// The longest signature line: dash, name, base64 of 68 bytes (92), spaces, newline.
pub const LINE_CAPACITY: usize = 4 + NAME_CAPACITY + 92 + 2;

/// A checkpoint body, ready to sign or print.
pub type Body = heapless::String<BODY_CAPACITY>;

/// What is wrong with a key, a note or a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteError {
    /// A key is not `name+hex8+base64`, or not an Ed25519 key.
    KeySyntax,
    /// A key's name is empty, too long, or has a space or `+`.
    KeyName,
    /// A key's ID does not match its name and public key.
    KeyIdMismatch,
    /// A signature was made by a different key (name or key ID differ).
    OtherKey,
    /// The signature does not verify: the note or the signature was changed.
    BadSignature,
    /// A note or checkpoint is not in the C2SP format.
    NoteSyntax,
}

impl core::fmt::Display for NoteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::KeySyntax => "not an Ed25519 note key (expected name+keyid+base64)",
            Self::KeyName => "a key name must be 1 to 64 bytes with no space or `+`",
            Self::KeyIdMismatch => "the key ID does not match the key's name and public key",
            Self::OtherKey => "signed by another key",
            Self::BadSignature => "the signature does not verify",
            Self::NoteSyntax => "not a C2SP checkpoint note",
        })
    }
}

impl core::error::Error for NoteError {}

/// An Ed25519 signature, 64 bytes, stored as they are (no length prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature64(pub [u8; 64]);

/// One signature on a checkpoint: who signed, their key ID, and the Ed25519 signature.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's key name.
    #[serde(with = "crate::wire::text")]
    pub signer: Name,
    /// The first four bytes of the key's hash.
    #[serde(deserialize_with = "crate::wire::byte_array")]
    pub key_id: [u8; 4],
    /// The signature of the checkpoint body.
    pub signature: Signature64,
}

/// A key that can verify checkpoint signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key's name.
    pub name: Name,
    /// Its key ID.
    pub key_id: [u8; 4],
    /// The Ed25519 public key.
    pub public: [u8; 32],
}

/// A key that can sign checkpoints.
#[derive(Debug, Clone)]
pub struct SignerKey {
    /// The key's name.
    pub name: Name,
    /// Its key ID.
    pub key_id: [u8; 4],
    /// The Ed25519 seed (the private key).
    seed: [u8; 32],
}

/// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[..4].
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    key_id_of(name, ED25519, public)
}

/// SHA-256(name ‖ 0x0A ‖ `kind` ‖ public key)[..4]: the key ID of a signed-note key of a type.
pub(crate) fn key_id_of(name: &str, kind: u8, public: &[u8; 32]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0x0A, kind]);
    hasher.update(public);
    let digest: [u8; 32] = hasher.finalize().into();
    let mut id = [0u8; 4];
    id.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
    id
}

pub(crate) fn key_name(text: &str) -> Result<Name, NoteError> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::KeyName);
    }
    Name::try_from(text).map_err(|_| NoteError::KeyName)
}

fn hex_id(text: &str) -> Result<[u8; 4], NoteError> {
    let value = u32::from_str_radix(text, 16).map_err(|_| NoteError::KeySyntax)?;
    if text.len() != 8 {
        return Err(NoteError::KeySyntax);
    }
    Ok(value.to_be_bytes())
}

/// Splits `name+hex8+base64` (the base64 may itself contain `+`) and decodes the 33 key bytes.
fn split_key(text: &str) -> Result<(Name, [u8; 4], [u8; 32]), NoteError> {
    split_key_of(text, ED25519)
}

/// [`split_key`] for keys of signature type `expected`.
pub(crate) fn split_key_of(
    text: &str,
    expected: u8,
) -> Result<(Name, [u8; 4], [u8; 32]), NoteError> {
    let (name, rest) = text.split_once('+').ok_or(NoteError::KeySyntax)?;
    let (id, data) = rest.split_once('+').ok_or(NoteError::KeySyntax)?;
    let name = key_name(name)?;
    let id = hex_id(id)?;
    let mut bytes = [0u8; 33];
    let decoded = Base64::decode(data.trim_end(), &mut bytes).map_err(|_| NoteError::KeySyntax)?;
    let (&kind, key) = decoded.split_first().ok_or(NoteError::KeySyntax)?;
    if kind != expected || key.len() != 32 {
        return Err(NoteError::KeySyntax);
    }
    let mut material = [0u8; 32];
    material.copy_from_slice(key);
    Ok((name, id, material))
}

impl VerifierKey {
    /// Parses `name+keyid+base64(0x01 ‖ public key)` and checks the key ID.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let (name, key_id, public) = split_key(text.trim())?;
        if self::key_id(&name, &public) != key_id {
            return Err(NoteError::KeyIdMismatch);
        }
        PublicKey::from_slice(&public).map_err(|_| NoteError::KeySyntax)?;
        Ok(VerifierKey {
            name,
            key_id,
            public,
        })
    }

    /// Writes the key in its text form.
    pub fn write(&self, out: &mut impl Write) -> core::fmt::Result {
        let mut bytes = [0u8; 33];
        if let Some((kind, key)) = bytes.split_first_mut() {
            *kind = ED25519;
            key.copy_from_slice(&self.public);
        }
        let mut buf = [0u8; 44];
        let encoded = Base64::encode(&bytes, &mut buf).map_err(|_| core::fmt::Error)?;
        write!(
            out,
            "{}+{:08x}+{encoded}",
            self.name,
            u32::from_be_bytes(self.key_id)
        )
    }

    /// Checks that `signature` is this key's signature of `body`.
    pub fn verify(&self, body: &str, signature: &NoteSignature) -> Result<(), NoteError> {
        if signature.signer != self.name || signature.key_id != self.key_id {
            return Err(NoteError::OtherKey);
        }
        let public = PublicKey::from_slice(&self.public).map_err(|_| NoteError::KeySyntax)?;
        let sig =
            Signature::from_slice(&signature.signature.0).map_err(|_| NoteError::BadSignature)?;
        public
            .verify(body.as_bytes(), &sig)
            .map_err(|_| NoteError::BadSignature)
    }
}

impl SignerKey {
    /// A signer key named `name` from a 32-byte seed (which must be random and secret).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SignerKey, NoteError> {
        let name = key_name(name)?;
        let public = KeyPair::from_seed(Seed::new(seed)).pk;
        let key_id = key_id(&name, &public);
        Ok(SignerKey { name, key_id, seed })
    }

    /// Parses `PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)` and checks the key ID.
    pub fn parse(text: &str) -> Result<SignerKey, NoteError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::KeySyntax)?;
        let (name, key_id, seed) = split_key(rest)?;
        let signer = SignerKey::from_seed(&name, seed)?;
        if signer.key_id != key_id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// Writes the private key in its text form.
    pub fn write(&self, out: &mut impl Write) -> core::fmt::Result {
        let mut bytes = [0u8; 33];
        if let Some((kind, key)) = bytes.split_first_mut() {
            *kind = ED25519;
            key.copy_from_slice(&self.seed);
        }
        let mut buf = [0u8; 44];
        let encoded = Base64::encode(&bytes, &mut buf).map_err(|_| core::fmt::Error)?;
        write!(
            out,
            "PRIVATE+KEY+{}+{:08x}+{encoded}",
            self.name,
            u32::from_be_bytes(self.key_id)
        )
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        let public = *KeyPair::from_seed(Seed::new(self.seed)).pk;
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            public,
        }
    }

    /// Signs a note text (Ed25519 is deterministic: the same text gives the same signature).
    pub fn sign(&self, text: &str) -> NoteSignature {
        let pair = KeyPair::from_seed(Seed::new(self.seed));
        let signature = pair.sk.sign(text.as_bytes(), None);
        NoteSignature {
            signer: self.name.clone(),
            key_id: self.key_id,
            signature: Signature64(*signature),
        }
    }
}

/// The checkpoint body: `origin\nsize\nbase64(root)\n`. Built without `core::fmt`, which
/// would cost a device that verifies signatures several KB of flash.
pub fn body(origin: &str, size: u64, root: &Hash) -> Result<Body, NoteError> {
    let mut buf = [0u8; 44];
    let encoded = Base64::encode(root, &mut buf).map_err(|_| NoteError::NoteSyntax)?;
    let mut digits = [0u8; 20];
    let mut body = Body::new();
    let pushed = body.push_str(origin).is_ok()
        && body.push('\n').is_ok()
        // ASCII digits, pushed as characters: no `core::str::from_utf8` (and its table) on a
        // device for them.
        && decimal(size, &mut digits)
            .iter()
            .all(|&digit| body.push(char::from(digit)).is_ok())
        && body.push('\n').is_ok()
        && body.push_str(encoded).is_ok()
        && body.push('\n').is_ok();
    pushed.then_some(body).ok_or(NoteError::NoteSyntax)
}

/// `n` in decimal ASCII digits, by counting down powers of ten: no 64-bit division, which a
/// 32-bit device would pull in from compiler-builtins (864 bytes on a Cortex-M).
fn decimal(n: u64, digits: &mut [u8; 20]) -> &[u8] {
    const POWERS: [u64; 20] = [
        10_000_000_000_000_000_000,
        1_000_000_000_000_000_000,
        100_000_000_000_000_000,
        10_000_000_000_000_000,
        1_000_000_000_000_000,
        100_000_000_000_000,
        10_000_000_000_000,
        1_000_000_000_000,
        100_000_000_000,
        10_000_000_000,
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let mut rest = n;
    let mut len = 0usize;
    for &power in &POWERS {
        let mut digit = b'0';
        while rest >= power {
            rest = rest.saturating_sub(power);
            digit = digit.saturating_add(1);
        }
        if len > 0 || digit != b'0' || power == 1 {
            if let Some(slot) = digits.get_mut(len) {
                *slot = digit;
            }
            len = len.saturating_add(1);
        }
    }
    digits.get(..len).unwrap_or_default()
}

impl crate::entry::Checkpoint {
    /// Whether the checkpoint is for exactly this tree: `size` records whose root is `root`.
    pub fn is_for(&self, size: u64, root: &Hash) -> bool {
        self.size == size && self.root == *root
    }

    /// Whether `key` signed the checkpoint of the log `origin`: `Ok(false)` if it is unsigned or
    /// signed by another key (C2SP: ignored), an error if `key`'s signature does not verify.
    pub fn is_signed_by(&self, origin: &str, key: &VerifierKey) -> Result<bool, NoteError> {
        let Some(signature) = &self.signature else {
            return Ok(false);
        };
        if signature.signer != key.name || signature.key_id != key.key_id {
            return Ok(false);
        }
        key.verify(&body(origin, self.size, &self.root)?, signature)?;
        Ok(true)
    }
}

/// Writes a signature line: `— name base64(key ID ‖ signature)\n`.
pub fn write_signature_line(signature: &NoteSignature, out: &mut impl Write) -> core::fmt::Result {
    let mut bytes = [0u8; 68];
    let (id, sig) = bytes.split_at_mut(4);
    id.copy_from_slice(&signature.key_id);
    sig.copy_from_slice(&signature.signature.0);
    let mut buf = [0u8; 92];
    let encoded = Base64::encode(&bytes, &mut buf).map_err(|_| core::fmt::Error)?;
    writeln!(out, "\u{2014} {} {encoded}", signature.signer)
}

/// A checkpoint read from a note: what its body says, and its body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCheckpoint<'a> {
    /// The note text (the three body lines, with their newlines).
    pub body: &'a str,
    /// The log's origin.
    pub origin: &'a str,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
    /// The signature lines, after the blank line.
    pub signatures: &'a str,
}

impl ParsedCheckpoint<'_> {
    /// Whether the note is a checkpoint of the log `origin` at exactly this tree: a reader
    /// holding `size` records whose root is `root` has what the note vouches for.
    pub fn is_for(&self, origin: &str, size: u64, root: &Hash) -> bool {
        self.origin == origin && self.size == size && self.root == *root
    }

    /// Whether one of the note's signature lines is a valid signature by `key` (C2SP: lines by
    /// other keys are ignored).
    pub fn is_signed_by(&self, key: &VerifierKey) -> bool {
        self.signatures
            .lines()
            .filter_map(|line| parse_signature_line(line).ok())
            .any(|signature| key.verify(self.body, &signature).is_ok())
    }
}

/// Parses a C2SP checkpoint note (body, blank line, signature lines), or an unsigned
/// checkpoint body alone (three lines, as `pledge checkpoint` without a key prints it).
pub fn parse_note(note: &str) -> Result<ParsedCheckpoint<'_>, NoteError> {
    let (body, signatures) = match note.find("\n\n") {
        Some(split) => (
            note.get(..split.saturating_add(1))
                .ok_or(NoteError::NoteSyntax)?,
            note.get(split.saturating_add(2)..)
                .ok_or(NoteError::NoteSyntax)?,
        ),
        // An unsigned checkpoint, as `pledge checkpoint` prints it: the body alone, no
        // signature block. It can be compared with a tree; it proves nothing about who made it.
        None if note.ends_with('\n') && note.lines().count() == 3 => (note, ""),
        None => return Err(NoteError::NoteSyntax),
    };
    let mut lines = body.lines();
    let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(NoteError::NoteSyntax);
    };
    let size: u64 = size.parse().map_err(|_| NoteError::NoteSyntax)?;
    let mut hash = [0u8; 32];
    let decoded = Base64::decode(root, &mut hash).map_err(|_| NoteError::NoteSyntax)?;
    if decoded.len() != 32 || origin.is_empty() {
        return Err(NoteError::NoteSyntax);
    }
    Ok(ParsedCheckpoint {
        body,
        origin,
        size,
        root: hash,
        signatures,
    })
}

/// Parses one signature line (`— name base64`) of a note.
pub fn parse_signature_line(line: &str) -> Result<NoteSignature, NoteError> {
    let rest = line
        .strip_prefix("\u{2014} ")
        .ok_or(NoteError::NoteSyntax)?;
    let (name, data) = rest.split_once(' ').ok_or(NoteError::NoteSyntax)?;
    let mut bytes = [0u8; 68];
    let decoded = Base64::decode(data.trim_end(), &mut bytes).map_err(|_| NoteError::NoteSyntax)?;
    if decoded.len() != 68 {
        return Err(NoteError::OtherKey);
    }
    let (id, sig) = bytes.split_at(4);
    let mut key_id = [0u8; 4];
    key_id.copy_from_slice(id);
    let mut signature = [0u8; 64];
    signature.copy_from_slice(sig);
    Ok(NoteSignature {
        signer: key_name(name)?,
        key_id,
        signature: Signature64(signature),
    })
}

impl Serialize for Signature64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(64)?;
        for byte in &self.0 {
            tuple.serialize_element(byte)?;
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for Signature64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::byte_array(deserializer).map(Signature64)
    }
}
