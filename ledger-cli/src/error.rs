//! The one error type of the CLI: a message for the user and the exit code that goes with it.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

/// Exit code for success.
pub const OK: u8 = 0;
/// Exit code for a failure: the ledger is damaged, or I/O failed.
pub const FAILURE: u8 = 1;
/// Exit code for bad usage or input: nothing was written.
pub const BAD_INPUT: u8 = 2;

/// What went wrong, said in one line.
#[derive(Debug)]
pub struct CliError {
    code: u8,
    message: String,
}

impl CliError {
    /// Bad input from the user (exit code 2).
    pub fn input(message: impl Display) -> Self {
        CliError {
            code: BAD_INPUT,
            message: message.to_string(),
        }
    }

    /// Any other failure (exit code 1).
    pub fn failure(message: impl Display) -> Self {
        CliError {
            code: FAILURE,
            message: message.to_string(),
        }
    }

    /// A failure with this exit code and message.
    pub fn new(code: u8, message: impl Display) -> Self {
        CliError {
            code,
            message: message.to_string(),
        }
    }

    /// An exit code whose reason was already printed (an audit's findings).
    pub fn quiet(code: u8) -> Self {
        CliError {
            code,
            message: String::new(),
        }
    }

    /// Output went to a closed pipe: not an error worth a message.
    pub fn closed_pipe() -> Self {
        CliError {
            code: OK,
            message: String::new(),
        }
    }

    /// The message, as it will be printed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prints the message on stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        if !self.message.is_empty() {
            // Not eprintln!: a stderr that cannot be written (closed, full) must not panic.
            let _ = writeln!(
                std::io::stderr(),
                "{} {}",
                crate::output::paint("error:", crate::output::ERROR, true),
                crate::escape::escape(&self.message)
            );
        }
        ExitCode::from(self.code)
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::closed_pipe()
        } else {
            CliError::failure(format!("writing output: {error}"))
        }
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;
