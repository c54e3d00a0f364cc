//! The `pledge` binary; everything is in the library.

fn main() -> std::process::ExitCode {
    ledger_cli::main()
}
