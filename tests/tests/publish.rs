//! `pledge publish`: the ledger as a C2SP tlog-tiles static log. The tiles are checked against
//! the tree here, and the published log is verified as a client would with Go's
//! golang.org/x/mod/sumdb/{note,tlog} (tests/tlog/verify.go) where Go and that module are
//! installed (`.ci/run` installs them; in CI the check must run).

use std::path::Path;
use std::process::{Command, Output};

use ledger_core::scan::{Frame, Scanner};
use ledger_core::tree::leaf_hash;
use pledge_tests::{Scratch, generate, pledge, workspace};

struct Log(Scratch);

impl std::ops::Deref for Log {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        &self.0
    }
}

impl Log {
    /// The payloads of the ledger's records.
    fn payloads(&self) -> Vec<Vec<u8>> {
        let bytes = std::fs::read(self.path("ledger.pledge")).unwrap();
        let mut scanner = Scanner::new(&bytes).unwrap();
        let mut payloads = Vec::new();
        while let Some(frame) = scanner.next_frame() {
            if let Frame::Payload { .. } = frame {
                payloads.push(scanner.payload().to_vec());
            }
        }
        payloads
    }
}

/// Runs tests/tlog/verify.go on a published directory; `None` where Go or its x/mod module is
/// missing outside CI.
fn go_verify(dir: &Path, vkey: &str, indexes: &[u64]) -> Option<Output> {
    let module = Path::new("/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog");
    let has_go = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_go || !module.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs golang-go and golang-golang-x-mod-dev for this check"
        );
        eprintln!("skipped the Go client check: no Go with golang.org/x/mod");
        return None;
    }
    let cache = tempfile::tempdir().unwrap();
    Some(
        Command::new("go")
            .current_dir(workspace().join("tests/tlog"))
            .env("GOPATH", "/usr/share/gocode")
            .env("GO111MODULE", "off")
            .env("GOFLAGS", "")
            .env("GOCACHE", cache.path())
            .args(["run", "verify.go"])
            .arg(dir)
            .arg(vkey)
            .args(indexes.iter().map(u64::to_string))
            .output()
            .unwrap(),
    )
}

#[test]
fn a_published_log_is_verified_by_go_sumdb_tlog_and_grows_by_adding_tiles() {
    let log = Log(Scratch::empty());
    // 50,000 pledges: about 66,000 records, so level-0, level-1 and level-2 tiles.
    let (bytes, summary) = generate::ledger(50_000, 3);
    assert!(summary.records > 65_536 + 256);
    std::fs::write(log.path("ledger.pledge"), bytes).unwrap();
    log.ok(&["keygen", "bench.example/log", "--out", "log"]);
    let vkey = std::fs::read_to_string(log.path("log.pub")).unwrap();
    log.ok(&["checkpoint", "--sign", "log.key"]);
    let said = log.ok(&["publish", "pub"]);
    assert!(said.contains("checkpoint at size"), "{said}");
    let size = summary.records;
    let payloads = log.payloads();
    // The tiles against the tree: level 0 holds the leaf hashes, in order.
    let mut level0 = Vec::new();
    for n in 0..size.div_ceil(256) {
        let width = if (n + 1) * 256 <= size {
            256
        } else {
            size % 256
        };
        let path = ledger_core::tiles::path(Some(0), n, width as usize);
        level0.extend(std::fs::read(log.path("pub").join(path.as_str())).unwrap());
    }
    let leaves: Vec<u8> = payloads[..size as usize]
        .iter()
        .flat_map(|p| leaf_hash(p))
        .collect();
    assert!(level0 == leaves, "level-0 tiles are the leaf hashes");
    let head = log.ok(&["head", "--format", "json"]);
    let checkpoint = std::fs::read_to_string(log.path("pub/checkpoint")).unwrap();
    assert!(checkpoint.starts_with(&format!("bench.example/generated\n{size}\n")));
    assert!(head.contains(&format!("\"size\": {}", size + 1)), "{head}");
    let indexes = [0, 255, 256, 65_535, 65_536, size / 3, size - 1];
    if let Some(output) = go_verify(&log.path("pub"), &vkey, &indexes) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for i in indexes {
            let line = format!("entry {i} {}\n", hex(&payloads[i as usize]));
            assert!(stdout.contains(&line), "entry {i}: {stdout}");
        }
    }
    // More records and a new checkpoint: published again, the old tiles stay as they are.
    log.ok(&["note", "more news", "--date", "2026-11-01"]);
    log.ok(&["checkpoint", "--sign", "log.key"]);
    let said = log.ok(&["publish", "pub"]);
    assert!(!said.contains(" 0 already there"), "{said}");
    if let Some(output) = go_verify(&log.path("pub"), &vkey, &[size, size + 1]) {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // A tile changed on the server is caught by the client...
    let tile = log
        .path("pub")
        .join(ledger_core::tiles::path(Some(0), 1, 256).as_str());
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&tile, bytes).unwrap();
    if let Some(output) = go_verify(&log.path("pub"), &vkey, &[300]) {
        assert!(!output.status.success(), "a changed tile must not verify");
    }
    // ...and refused by the next publish, which writes nothing more.
    let checkpoint = std::fs::read(log.path("pub/checkpoint")).unwrap();
    let output = log.run(&["publish", "pub"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds other bytes"));
    assert_eq!(
        std::fs::read(log.path("pub/checkpoint")).unwrap(),
        checkpoint
    );
}

#[test]
fn publish_needs_a_checkpoint_and_never_goes_back() {
    let log = Log(Scratch::example());
    assert_eq!(log.run(&["publish", "pub"]).status.code(), Some(2));
    log.ok(&["checkpoint"]);
    log.ok(&["note", "later", "--date", "2026-01-01"]);
    log.ok(&["checkpoint"]);
    log.ok(&["publish", "pub"]);
    // An older copy of the ledger must not publish a smaller tree over a larger one.
    let bytes = std::fs::read(log.path("ledger.pledge")).unwrap();
    let first_checkpoint_end = {
        let mut scanner = Scanner::new(&bytes).unwrap();
        let mut ends = Vec::new();
        while let Some(frame) = scanner.next_frame() {
            if let Frame::Payload { offset, len } = frame {
                ends.push(offset + len);
            }
        }
        ends[23]
    };
    std::fs::write(log.path("older.pledge"), &bytes[..first_checkpoint_end]).unwrap();
    let output = pledge()
        .current_dir(log.dir.path())
        .args(["--file", "older.pledge", "publish", "pub"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
