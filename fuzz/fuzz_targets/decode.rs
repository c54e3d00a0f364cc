//! Any bytes, read as a ledger: scanning, folding and reporting must never panic, and every
//! record the scanner yields must re-encode to a frame that scans back as the same record.
#![no_main]

use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
use ledger_core::report::{self, Key, Row, Totals};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::Fixed;
use ledger_core::state::State;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::with_capacity(data.len() + 16);
    // Inputs that are not already a ledger get a preamble, so the fuzzer reaches the frames.
    if !data.starts_with(&ledger_core::record::MAGIC) {
        bytes.extend_from_slice(&preamble());
    }
    bytes.extend_from_slice(data);
    let Ok(scanner) = Scanner::new(&bytes) else { return };
    let mut state: State<Fixed<16, 4, 4, 64>> = State::default();
    for item in scanner {
        if let Item::Record { record, .. } = item {
            let mut frame = [0u8; MAX_FRAME];
            if let Ok(len) = encode_frame(&record, &mut frame) {
                let mut again = preamble().to_vec();
                again.extend_from_slice(&frame[..len]);
                // Re-scanned from position 0, so compare the entries, not the numbers.
                let reread = Scanner::new(&again).ok().and_then(|mut s| s.next());
                match reread {
                    Some(Item::Record { record: r, .. }) => assert_eq!(r.entry, record.entry),
                    other => panic!("a decoded record did not re-encode: {other:?}"),
                }
            }
            let _ = state.apply(&record);
        }
    }
    let mut totals: heapless::Vec<Totals, 4> = heapless::Vec::new();
    let _ = report::goal_totals(&state, &mut totals);
    let mut rows: heapless::Vec<Row, 64> = heapless::Vec::new();
    let _ = report::breakdown(&state, Key::Pledger, &mut rows);
});
