//! Any bytes, audited with a trusted key and published roots: the auditor must never panic,
//! and must report at least one finding unless every record is intact and in order.
#![no_main]

use ledger_core::audit::{Expectations, audit};
use ledger_core::checkpoint::SignerKey;
use ledger_core::record::preamble;
use ledger_core::scan::Scanner;
use ledger_core::slots::FixedPerKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Past the checksum, so mutated frames reach the decoder (see `record::fuzz`).
    ledger_core::record::fuzz::SKIP_CHECKSUM.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut bytes = Vec::with_capacity(data.len() + 16);
    // Inputs that are not already a ledger get a preamble, so the fuzzer reaches the frames.
    if !data.starts_with(&ledger_core::record::MAGIC) {
        bytes.extend_from_slice(&preamble());
    }
    bytes.extend_from_slice(data);
    let Ok(scanner) = Scanner::new(&bytes) else { return };
    let key = SignerKey::from_seed("fuzz.example/key", [7; 32]).expect("valid name").verifier();
    let mut expect = Expectations { trust: Some(&key), today: ledger_core::Date::parse("2026-11-30").ok(), roots: heapless::Vec::new() };
    let _ = expect.roots.push((3, [0xAB; 32]));
    let mut findings = 0u64;
    let summary = audit::<FixedPerKind<16, 16, 16, 16, 4, 4, 64, 256, 8, 8>>(scanner, &expect, |_| findings += 1);
    assert_eq!(summary.findings, findings);
    // No checkpoint can be signed by this key in fuzzed bytes without its secret, so either
    // something is reported or there is nothing at all to vouch for.
    assert!(findings > 0, "a trusted key with no signed checkpoint must be a finding");
});
