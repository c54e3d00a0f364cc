//! Power-loss sequences from fuzzer bytes (a geometry byte, its top bit for flash that takes
//! zeros over a written word, then four bytes an operation:
//! format, append, fill, reboot, a cut armed after any amount of work, bit rot at rest), run on
//! the mock NOR flash and checked against the model in ledger-core/tests/support, the same
//! model the proptest in ledger-core/tests/flash.rs runs.
#![no_main]

// The tests' own helpers; what this target does not call is not dead elsewhere.
#[allow(dead_code)]
#[path = "../../ledger-core/tests/support/mod.rs"]
mod support;

use libfuzzer_sys::fuzz_target;
use support::flash_model::{Op, run_on};

fuzz_target!(|data: &[u8]| {
    let Some((&geometry, rest)) = data.split_first() else {
        return;
    };
    let ops: Vec<Op> = rest.chunks(4).filter_map(Op::from_bytes).take(64).collect();
    // The geometry byte's top bit: flash that takes zeros over a written word (STM32's).
    let zeros = geometry & 0x80 != 0;
    match (geometry & 0x7F) % 5 {
        0 => run_on::<4, 1>(&ops, zeros),
        1 => run_on::<1, 1>(&ops, zeros),
        2 => run_on::<8, 4>(&ops, zeros),
        3 => run_on::<16, 16>(&ops, zeros),
        _ => run_on::<32, 32>(&ops, zeros),
    };
});
