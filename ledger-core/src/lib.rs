//! The core of pledge: an append-only, tamper-evident ledger of commitments that runs the same
//! on a microcontroller and on a desktop.
//!
//! - [`amount`]: exact money and in-kind quantities.
//! - [`date`]: calendar days.
//! - [`entry`]: what can be recorded: goals, pledges, fulfilments, amendments, cancellations,
//!   rates, and the corrections (voids, returns, renames, reschedules, revisions).
//! - [`record`]: the byte format: preamble, framing, checksums (see `docs/FORMAT.md`).
//! - [`cobs`]: the framing's byte stuffing, in place and without panic paths.
//! - [`scan`]: reading records from bytes, telling intact records from damage and torn tails.
//! - [`flash`]: a ledger in NOR flash (embedded-storage), safe through power cuts.
//! - [`state`]: the fold that derives each pledge's status and checks every entry.
//! - [`compose`]: typed text (amounts, names) resolved to ids, declaring what is new.
//! - [`rules`]: what each entry may do given the state before it.
//! - [`report`]: goal progress and breakdowns over the fold.
//! - [`convert`]: totals converted between commodities at rates recorded in the ledger.
//! - [`audit`]: everything wrong with a ledger, reported without stopping or changing it.
//! - [`checkpoint`]: signed checkpoints in the C2SP note formats (Ed25519).
//! - [`tree`]: the RFC 6962 Merkle tree over the records, and its proofs.
//! - [`tiles`]: the tree as a C2SP tlog-tiles static log.
//! - [`verify`]: the checkpoint rule every reader holds a ledger to before trusting it.
//! - [`witness`]: witness cosignatures on checkpoints (C2SP tlog-cosignature).
//! - [`slots`]: where the fold keeps its tables (fixed capacity on a device).
//!
//! The crate is `no_std`, never allocates, and never panics on any input.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::arithmetic_side_effects
    )
)]

pub mod amount;
pub mod audit;
pub mod checkpoint;
pub mod cobs;
pub mod compose;
pub mod convert;
pub mod date;
pub mod entry;
pub mod error;
pub mod flash;
pub mod pledge_wire;
pub mod record;
pub mod report;
pub mod rules;
pub mod scan;
pub mod slots;
pub mod state;
pub mod tiles;
pub mod tree;
pub mod verify;
mod wire;
pub mod witness;

pub use amount::{Amount, Commodity, CommodityId};
pub use date::Date;
pub use entry::{Entry, Record, Seq};
pub use error::{FormatError, InputError, LedgerError};
pub use state::State;

/// docs/EMBEDDED.md's Rust examples, compiled and run as doctests so that they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../docs/EMBEDDED.md")]
mod embedded_guide {}
