//! `pledge`: record commitments, their fulfilment, amendment and cancellation, and report
//! progress toward goals. A thin shell over `ledger-core`: it parses arguments, does I/O and
//! prints; every ledger rule lives in the core.

mod cli;
mod commands;
mod error;
mod ledger_file;
mod output;
mod tables;

use std::process::ExitCode;

fn main() -> ExitCode {
    match commands::run(cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
