//! Signed checkpoints against published vectors: RFC 8032's Ed25519 tests, and the signed note
//! and keys of Go's golang.org/x/mod/sumdb/note (which C2SP's signed-note formalises); and the
//! failures an auditor must see: another key, a wrong key ID, a changed note.

use ledger_core::checkpoint::{
    NoteError, SignerKey, VerifierKey, body, key_id, parse_note, parse_signature_line,
    write_signature_line,
};
use ledger_core::tree::{Hash, verify_consistency};

fn unhex<const N: usize>(text: &str) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

#[test]
fn rfc_8032_test_vectors() {
    let vectors: [(&str, &str, &[u8], &str); 3] = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            b"",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            b"\x72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            b"\xaf\x82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        ),
    ];
    for (seed, public, message, signature) in vectors {
        let signer = SignerKey::from_seed("rfc8032", unhex(seed)).unwrap();
        let verifier = signer.verifier();
        assert_eq!(verifier.public, unhex::<32>(public));
        // Notes are UTF-8 text; vectors 1 and 2 are, vector 3 (af 82) is not and checks the
        // public key only.
        if let Ok(text) = std::str::from_utf8(message) {
            let signed = signer.sign(text);
            assert_eq!(signed.signature.0, unhex::<64>(signature));
            verifier.verify(text, &signed).unwrap();
        }
    }
}

const GO_SIGNER: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn go_sumdb_note_keys_and_signature_are_reproduced_exactly() {
    let signer = SignerKey::parse(GO_SIGNER).unwrap();
    let mut text = String::new();
    signer.write(&mut text).unwrap();
    assert_eq!(text, GO_SIGNER);
    let verifier = VerifierKey::parse(GO_VERIFIER).unwrap();
    assert_eq!(signer.verifier(), verifier);
    let mut text = String::new();
    verifier.write(&mut text).unwrap();
    assert_eq!(text, GO_VERIFIER);
    assert_eq!(
        key_id("PeterNeumann", &verifier.public),
        [0xc7, 0x4f, 0x20, 0xa3]
    );
    let signature = signer.sign(GO_TEXT);
    let mut line = String::new();
    write_signature_line(&signature, &mut line).unwrap();
    assert_eq!(line, GO_LINE);
    verifier
        .verify(GO_TEXT, &parse_signature_line(GO_LINE).unwrap())
        .unwrap();
}

#[test]
fn changed_notes_other_keys_and_wrong_ids_fail() {
    let verifier = VerifierKey::parse(GO_VERIFIER).unwrap();
    let signature = parse_signature_line(GO_LINE).unwrap();
    let changed = GO_TEXT.replace("problem,", "problem;");
    assert_eq!(
        verifier.verify(&changed, &signature),
        Err(NoteError::BadSignature)
    );
    let other = SignerKey::from_seed("PeterNeumann", [7; 32])
        .unwrap()
        .verifier();
    assert_eq!(
        other.verify(GO_TEXT, &signature),
        Err(NoteError::OtherKey),
        "same name, other key ID"
    );
    let mut forged = signature.clone();
    forged.signature.0[10] ^= 1;
    assert_eq!(
        verifier.verify(GO_TEXT, &forged),
        Err(NoteError::BadSignature)
    );
    assert_eq!(
        VerifierKey::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::KeyIdMismatch)
    );
    assert_eq!(
        VerifierKey::parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::KeyName)
    );
    assert_eq!(
        VerifierKey::parse("PeterNeumann+c74f20a3"),
        Err(NoteError::KeySyntax)
    );
    assert_eq!(
        SignerKey::parse(GO_VERIFIER).err(),
        Some(NoteError::KeySyntax)
    );
}

#[test]
fn checkpoint_bodies_and_notes_round_trip() {
    let root: Hash = unhex("c0b0375f02ff80e2d9f4d9b5986018a2dd418dd7310c54267e076be414896c8f");
    let text = body("pledge.example/us-japan-2025", 23, &root).unwrap();
    assert_eq!(
        text.as_str(),
        "pledge.example/us-japan-2025\n23\nwLA3XwL/gOLZ9Nm1mGAYot1BjdcxDFQmfgdr5BSJbI8=\n"
    );
    let signer = SignerKey::from_seed("pledge.example/auditor", [42; 32]).unwrap();
    let signature = signer.sign(&text);
    let mut note = format!("{text}\n");
    write_signature_line(&signature, &mut note).unwrap();
    let parsed = parse_note(&note).unwrap();
    assert_eq!(
        (parsed.origin, parsed.size, parsed.root),
        ("pledge.example/us-japan-2025", 23, root)
    );
    let line = parsed.signatures.lines().next().unwrap();
    signer
        .verifier()
        .verify(parsed.body, &parse_signature_line(line).unwrap())
        .unwrap();
    assert_eq!(
        parse_note("no blank line\n").err(),
        Some(NoteError::NoteSyntax)
    );
}

#[test]
fn certificate_transparency_consistency_vector() {
    // From CT's tests: the tree of the eight test leaves, size 2 to size 5.
    let root2: Hash = unhex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    let root5: Hash = unhex("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4");
    let proof: [Hash; 2] = [
        unhex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        unhex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ];
    verify_consistency(2, 5, &root2, &root5, &proof).unwrap();
    assert!(verify_consistency(2, 5, &root5, &root2, &proof).is_err());
}

#[test]
fn the_body_spells_every_size_in_decimal() {
    let root = [7u8; 32];
    for size in [
        0u64,
        1,
        9,
        10,
        23,
        99,
        100,
        1_000_000,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let text = body("pledge.example/x", size, &root).unwrap();
        assert_eq!(
            text.as_str(),
            format!("pledge.example/x\n{size}\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n")
        );
    }
}

#[test]
fn a_checkpoint_record_is_signed_only_by_the_key_that_signed_it() {
    use ledger_core::entry::Checkpoint;
    let signer = SignerKey::from_seed("pledge.example/test-key", [1; 32]).unwrap();
    let root = [9u8; 32];
    let signature = signer.sign(&body("pledge.example/x", 5, &root).unwrap());
    let mut checkpoint = Checkpoint {
        size: 5,
        root,
        signature: Some(signature),
    };
    assert!(checkpoint.is_for(5, &root));
    assert!(!checkpoint.is_for(4, &root));
    assert_eq!(
        checkpoint.is_signed_by("pledge.example/x", &signer.verifier()),
        Ok(true)
    );
    // Another log's origin: the signature does not verify.
    assert_eq!(
        checkpoint.is_signed_by("pledge.example/y", &signer.verifier()),
        Err(NoteError::BadSignature)
    );
    // Another key: not its signature, ignored.
    let other = SignerKey::from_seed("pledge.example/other", [2; 32]).unwrap();
    assert_eq!(
        checkpoint.is_signed_by("pledge.example/x", &other.verifier()),
        Ok(false)
    );
    checkpoint.size = 6;
    assert_eq!(
        checkpoint.is_signed_by("pledge.example/x", &signer.verifier()),
        Err(NoteError::BadSignature)
    );
    checkpoint.signature = None;
    assert_eq!(
        checkpoint.is_signed_by("pledge.example/x", &signer.verifier()),
        Ok(false)
    );
}
