//! `pledge`: record commitments, their fulfilment, amendment and cancellation, and report
//! progress toward goals. A thin shell over `ledger-core`: it parses arguments, does I/O and
//! prints; every ledger rule lives in the core.
//!
//! The binary's `main` calls [`main`]; the library also lends its desktop tables to the test
//! and benchmark crate.

mod cli;
mod commands;
mod error;
pub mod escape;
mod files;
mod journal;
mod ledger_file;
mod mapped;
mod output;
mod paged;
mod sidecar;
mod sort_runs;
mod spool;
mod suggest;
mod sync_behind;
pub mod tables;
pub mod tree_check;

use std::process::ExitCode;

/// Runs `pledge` with the process's arguments and returns its exit code: 0 success, 1 failure
/// (damaged ledger, I/O), 2 bad usage or input.
pub fn main() -> ExitCode {
    // Past a file-size limit, a write must fail with EFBIG and be cut back, not kill us.
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    // Ledgers are mapped: a file another program shortens under us stops with one line.
    mapped::stop_on_cut_files();
    let cli = cli::parse();
    if let Err(error) = tables::configure_from_env() {
        return error.report();
    }
    output::set_color(cli.color);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
