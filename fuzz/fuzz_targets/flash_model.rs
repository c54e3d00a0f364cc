//! Power-loss sequences from fuzzer bytes (a geometry byte, then four bytes an operation:
//! format, append, fill, reboot, a cut armed after any amount of work, bit rot at rest), run on
//! the mock NOR flash and checked against the model in ledger-core/tests/support, the same
//! model the proptest in ledger-core/tests/flash.rs runs.
#![no_main]

// The tests' own helpers; what this target does not call is not dead elsewhere.
#[allow(dead_code)]
#[path = "../../ledger-core/tests/support/mod.rs"]
mod support;

use libfuzzer_sys::fuzz_target;
use support::flash_model::{Op, run};

fuzz_target!(|data: &[u8]| {
    let Some((&geometry, rest)) = data.split_first() else {
        return;
    };
    let ops: Vec<Op> = rest.chunks(4).filter_map(Op::from_bytes).take(64).collect();
    match geometry % 5 {
        0 => run::<4, 1>(&ops),
        1 => run::<1, 1>(&ops),
        2 => run::<8, 4>(&ops),
        3 => run::<16, 16>(&ops),
        _ => run::<32, 32>(&ops),
    };
});
