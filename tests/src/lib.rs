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

/// A `pledge` command with a fixed "today", no ledger from the environment, and sidecars in
/// the build directory rather than the user's cache.
pub fn pledge() -> Command {
    let mut command = Command::new(pledge_binary());
    command
        .env_remove("PLEDGE_FILE")
        .env("PLEDGE_TODAY", "2026-11-24")
        .env("PLEDGE_CACHE_DIR", sidecar_dir());
    command
}

/// Where the tests' `pledge` keeps sidecars: one directory under the build directory (each
/// ledger's files are named after its path, so tests do not share them).
pub fn sidecar_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
        .join("test-sidecars")
}

/// A temporary directory for end-to-end tests, where `ledger.pledge` is the ledger every
/// command is run on (through `PLEDGE_FILE`).
#[derive(Debug)]
pub struct Scratch {
    /// The directory; removed when this is dropped.
    pub dir: tempfile::TempDir,
}

impl Scratch {
    /// An empty directory.
    pub fn empty() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// A directory holding a copy of the example ledger.
    pub fn example() -> Scratch {
        let scratch = Scratch::empty();
        std::fs::copy(
            workspace().join("docs/examples/us-japan-2025.pledge"),
            scratch.path("ledger.pledge"),
        )
        .expect("copy the example");
        scratch
    }

    /// A file in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `pledge ARGS` here.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        pledge()
            .current_dir(self.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .args(args)
            .output()
            .expect("pledge runs")
    }

    /// Runs a command that must succeed, returning its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// A file's bytes.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("the file is there")
    }
}
