//! Shared by the end-to-end tests and the benchmark tools: the `pledge` binary, built fresh from
//! this workspace, and a generator of large, realistic ledgers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub mod generate;

/// The workspace's root directory.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
}

/// The `pledge` binary, built from this workspace the first time it is asked for, so a test
/// never runs a stale binary.
pub fn pledge_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "ledger-cli", "--bin", "pledge"])
            .current_dir(workspace())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the pledge binary failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target"));
        target
            .join("debug")
            .join(format!("pledge{}", std::env::consts::EXE_SUFFIX))
    })
}

/// A `pledge` command with a fixed "today" and no ledger from the environment.
pub fn pledge() -> Command {
    let mut command = Command::new(pledge_binary());
    command
        .env_remove("PLEDGE_FILE")
        .env("PLEDGE_TODAY", "2026-11-24");
    command
}
