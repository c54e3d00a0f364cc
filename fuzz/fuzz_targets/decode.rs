//! Any bytes, read as a ledger: scanning, folding and reporting must never panic, and every
//! record the scanner yields must re-encode to a frame that scans back as the same record.
#![no_main]

use ledger_core::record::{MAX_FRAME, decode_frame, decode_payload, encode_frame, preamble};
use ledger_core::report::{self, Key, Row, Totals};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::FixedPerKind;
use ledger_core::state::State;
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
    // Room for events, rates and renames, so that voids, rates and renames are folded, not
    // refused for capacity.
    let mut state: State<FixedPerKind<16, 16, 16, 16, 4, 4, 64, 256, 8, 8>> = State::default();
    for item in scanner {
        if let Item::Record { record, .. } = item {
            // Re-encoded and decoded at its own position, a record must come back unchanged
            // (references are distances back, so the position matters).
            let mut frame = [0u8; MAX_FRAME];
            if let Ok(len) = encode_frame(&record, &mut frame) {
                let mut scratch = [0u8; MAX_FRAME];
                let again = decode_frame(&frame[..len], &mut scratch).and_then(|p| decode_payload(p, record.seq));
                assert_eq!(again.as_ref(), Ok(&record), "a decoded record did not re-encode to itself");
            }
            let _ = state.apply(&record);
        }
    }
    let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
    let _ = report::goal_totals(&state, &mut totals);
    let mut rows: heapless::Vec<Row, 64> = heapless::Vec::new();
    for key in Key::ALL {
        let _ = report::breakdown(&state, key, &mut rows);
    }
    // Conversions of every total at every rate: never a panic, never a wrap.
    for row in &rows {
        for rate in state.rates() {
            let _ = ledger_core::convert::convert(row.totals.committed, 2, 0, rate.rate, false);
            let _ = ledger_core::convert::convert(row.totals.committed, 0, 18, rate.rate, true);
        }
    }
});
