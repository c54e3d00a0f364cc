//! The sidecar never changes an answer. Every command is run twice, on two ledgers that start
//! the same: one with a sidecar directory, one with sidecars off. Their exit codes, stdout and
//! stderr (the sidecar's trace aside) and the ledgers' bytes must be identical, over random
//! histories, after the ledger is tampered with, and after the sidecar is.

use std::path::Path;
use std::process::Output;

use pledge_tests::{Scratch, pledge};

/// A ledger run with a sidecar, and its twin run without one.
struct Twins {
    cached: Scratch,
    plain: Scratch,
    cache: tempfile::TempDir,
    /// How many commands the sidecar served (its trace said so).
    served: usize,
}

fn run_in(scratch: &Scratch, cache: &Path, args: &[&str]) -> Output {
    pledge()
        .current_dir(scratch.dir.path())
        .env("PLEDGE_FILE", "ledger.pledge")
        .env("PLEDGE_CACHE_DIR", cache)
        .env("PLEDGE_TRACE", "sidecar")
        .args(args)
        .output()
        .expect("pledge runs")
}

/// Stderr without the sidecar's trace, and whether the trace says it was used.
fn split_trace(stderr: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(stderr);
    let mut used = false;
    let mut rest = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(trace) = line.strip_prefix("pledge: sidecar ") {
            used |= trace.starts_with("matches the ledger: used");
            used &= !trace.starts_with("set aside") && !trace.starts_with("given up");
        } else {
            rest.push_str(line);
        }
    }
    (rest, used)
}

impl Twins {
    fn new() -> Twins {
        let twins = Twins {
            cached: Scratch::empty(),
            plain: Scratch::empty(),
            cache: tempfile::tempdir().unwrap(),
            served: 0,
        };
        for scratch in [&twins.cached, &twins.plain] {
            scratch.ok(&["init", "--origin", "twins"]);
        }
        twins
    }

    /// Runs `args` on both; they must answer alike. Returns the answer (stdout).
    fn run(&mut self, args: &[&str]) -> String {
        let with = run_in(&self.cached, self.cache.path(), args);
        let without = run_in(&self.plain, Path::new("off"), args);
        let (with_err, used) = split_trace(&with.stderr);
        let (without_err, _) = split_trace(&without.stderr);
        assert_eq!(
            with.status.code(),
            without.status.code(),
            "{args:?}: {with_err}"
        );
        assert_eq!(
            String::from_utf8_lossy(&with.stdout),
            String::from_utf8_lossy(&without.stdout),
            "{args:?}"
        );
        assert_eq!(with_err, without_err, "{args:?}");
        assert!(!with_err.contains("panicked"), "{args:?}: {with_err}");
        self.served += usize::from(used);
        String::from_utf8_lossy(&with.stdout).into_owned()
    }

    /// The ledgers must be byte for byte the same.
    fn same_bytes(&self) {
        assert!(self.cached.read("ledger.pledge") == self.plain.read("ledger.pledge"));
    }

    fn records(&mut self) -> u32 {
        let head = self.run(&["head", "--format", "json"]);
        let head: serde_json::Value = serde_json::from_str(&head).unwrap();
        head["size"].as_u64().unwrap() as u32
    }

    /// Every record shown both ways, in JSON and as a table, and the head.
    fn show_everything(&mut self) {
        let records = self.records();
        for id in 0..=records {
            let id = id.to_string();
            self.run(&["show", &id, "--format", "json"]);
            self.run(&["show", &id]);
        }
    }

    /// Applies `change` to both ledgers' bytes, in place.
    fn tamper_ledger(&self, change: impl Fn(&mut Vec<u8>)) {
        for scratch in [&self.cached, &self.plain] {
            let path = scratch.path("ledger.pledge");
            let mut bytes = std::fs::read(&path).unwrap();
            change(&mut bytes);
            std::fs::write(&path, bytes).unwrap();
        }
    }

    /// The sidecar's files (head, index, slots).
    fn sidecar_files(&self) -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(self.cache.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }
}

/// One random command, with ids that may or may not be pledges (or records at all).
fn random_command(rng: &mut fastrand::Rng, records: u32) -> Vec<String> {
    let id = rng.u32(0..records + 3).to_string();
    let day = format!("2026-{:02}-{:02}", rng.u32(1..=10), rng.u32(1..=28));
    let currency = ["USD", "EUR", "JPY"][rng.usize(0..3)];
    let amount = rng.u32(1..2000).to_string();
    let party = |rng: &mut fastrand::Rng| format!("Party {}", rng.u32(0..6));
    let words: Vec<String> = match rng.u32(0..100) {
        0..=34 => {
            let mut words = vec!["add".into(), amount, currency.into()];
            words.extend(["--from".into(), party(rng), "--to".into(), party(rng)]);
            words.extend(["--date".into(), day]);
            if rng.bool() {
                words.extend(["--goal".into(), "Round".into()]);
            }
            if rng.u32(0..4) == 0 {
                words.extend(["--due".into(), "2026-06-30".into()]);
            }
            words
        }
        35..=54 => {
            let mut words = vec!["fulfil".into(), id];
            if rng.bool() {
                words.extend([amount, currency.into()]);
            }
            words.extend(["--date".into(), day]);
            words
        }
        55..=62 => vec![
            "amend".into(),
            id,
            amount,
            currency.into(),
            "--reason".into(),
            "revised".into(),
            "--date".into(),
            day,
        ],
        63..=68 => vec!["cancel".into(), id, "--reason".into(), "withdrawn".into()],
        69..=74 => vec!["return".into(), id, "--date".into(), day],
        75..=80 => vec!["note".into(), "noted".into(), "--on".into(), id],
        81..=86 => vec!["void".into(), id, "--reason".into(), "mistake".into()],
        87..=90 => vec![
            "amend".into(),
            id,
            "--due".into(),
            "2026-12-31".into(),
            "--reason".into(),
            "later".into(),
        ],
        91..=94 => vec![
            "rename".into(),
            "party".into(),
            party(rng),
            party(rng),
            "--reason".into(),
            "merged".into(),
        ],
        _ => vec!["show".into(), id],
    };
    words
}

#[test]
fn random_histories_answer_alike_with_and_without_the_sidecar() {
    let mut served = 0;
    for seed in 1..=4 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut twins = Twins::new();
        twins.run(&[
            "goal",
            "Round",
            "--target",
            "50000 USD",
            "--date",
            "2026-01-01",
        ]);
        for _ in 0..60 {
            let records = twins.records();
            let command = random_command(&mut rng, records);
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            let before = twins.served;
            twins.run(&args);
            served += twins.served - before;
        }
        twins.same_bytes();
        twins.show_everything();
        for query in REPORTS.iter().chain(LISTS).chain(WALKS) {
            twins.run(query);
        }
        twins.run(&["audit"]);
    }
    // The sidecar answered most of the 240 commands (its trace says so; voids, renames and
    // the appends right after them read in full): this test is not comparing two full reads.
    assert!(served > 120, "the sidecar served only {served} commands");
}

/// A history with a pledge fulfilled, voided events and notes, on both twins.
fn history() -> Twins {
    let mut twins = Twins::new();
    for line in [
        "add 500 USD --from A --to B --date 2026-01-01",
        "add 700 EUR --from A --to C --date 2026-01-02",
        "fulfil 4 100 USD --date 2026-02-01",
        "fulfil 4 50 USD --date 2026-02-02",
        "void 9 --reason twice",
        "note on-track --on 4",
        "add 9 USD --from C --to B --date 2026-03-01",
    ] {
        twins.run(&line.split(' ').collect::<Vec<_>>());
    }
    twins
}

/// Every report the sidecar serves.
const REPORTS: &[&[&str]] = &[
    &["report"],
    &["report", "--format", "json"],
    &["report", "--format", "csv"],
    &["report", "--by", "pledger"],
    &["report", "--by", "beneficiary", "--format", "json"],
    &["report", "--by", "sector"],
    &["report", "--by", "commodity", "--format", "csv"],
    &["report", "--by", "status"],
    &["report", "--by", "goal"],
];

/// Lists the sidecar serves.
const LISTS: &[&[&str]] = &[
    &["list"],
    &["list", "--format", "json"],
    &["list", "--format", "csv"],
    &["list", "--status", "overdue", "--format", "csv"],
    &["list", "--status", "void"],
    &["list", "--status", "cancelled", "--format", "json"],
    &["list", "--from", "Party 1"],
    &["list", "--party", "Party 2", "--goal", "Round"],
    &["list", "--from", "Party 9"],
];

/// Registers and exports, which take their names from the sidecar's head and walk the ledger.
const WALKS: &[&[&str]] = &[
    &["log"],
    &["log", "--format", "csv", "--order", "date"],
    &["log", "--from", "Party 1", "--format", "json"],
    &[
        "log",
        "--party",
        "Party 2",
        "--goal",
        "Round",
        "--since",
        "2026-03-01",
    ],
    &["export", "--format", "journal"],
    &["export", "--format", "csv"],
    &["export", "--format", "json"],
    &["export", "--format", "iati"],
];

/// Commands that a sidecar serves, run after each tampering.
const PROBES: &[&[&str]] = &[
    &["head"],
    &["show", "4"],
    &["show", "4", "--format", "json"],
    &["report", "--by", "pledger", "--format", "json"],
    &["report"],
    &["list", "--format", "csv"],
    &["list"],
    &["log", "--format", "csv"],
    &["export", "--format", "journal"],
    &["show", "6"],
    &["fulfil", "6", "1", "EUR", "--date", "2026-04-01"],
    LATE_ADD,
];

/// A pledge added after the history.
const LATE_ADD: &[&str] = &[
    "add",
    "2",
    "USD",
    "--from",
    "A",
    "--to",
    "B",
    "--date",
    "2026-04-02",
];

#[test]
fn a_tampered_ledger_is_answered_from_its_bytes_never_from_the_sidecar() {
    type Change = fn(&mut Vec<u8>);
    let changes: &[(&str, Change)] = &[
        ("a byte flipped in the middle", |b| {
            let mid = b.len() / 2;
            b[mid] ^= 0x01;
        }),
        ("the last byte cut off", |b| {
            b.pop();
        }),
        ("bytes appended", |b| b.extend_from_slice(b"junk")),
        ("a record's bytes swapped with the next's", |b| {
            // Same size, same tail: only the times tell.
            let start = b.len() / 3;
            b.swap(start, start + 1);
        }),
        ("nothing: the same bytes written again", |_| {}),
    ];
    for (what, change) in changes {
        let mut twins = history();
        twins.run(&["show", "4"]);
        twins.tamper_ledger(change);
        // The first command after the change reads the ledger (and, if it reads cleanly,
        // writes a new sidecar, which may serve the rest): answers agree throughout.
        let before = twins.served;
        for (n, probe) in PROBES.iter().enumerate() {
            twins.run(probe);
            if n == 0 {
                assert_eq!(twins.served, before, "{what}: the old sidecar was used");
            }
        }
        twins.same_bytes();
    }
}

#[test]
fn a_ledger_replaced_by_a_copy_is_read_in_full() {
    let mut twins = history();
    for scratch in [&twins.cached, &twins.plain] {
        let path = scratch.path("ledger.pledge");
        let copy = scratch.path("copy");
        std::fs::copy(&path, &copy).unwrap();
        std::fs::rename(&copy, &path).unwrap();
    }
    let before = twins.served;
    twins.run(&["show", "4"]);
    assert_eq!(twins.served, before, "a new inode is another file");
    twins.run(LATE_ADD);
    twins.run(&["show", "4"]);
    // That full read wrote a new sidecar, which served the append and the show after it.
    assert_eq!(twins.served, before + 2);
}

#[test]
fn a_tampered_sidecar_never_changes_an_answer() {
    let twins = history();
    let files = twins.sidecar_files();
    assert_eq!(files.len(), 3, "{files:?}");
    let originals: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut cases = 0;
    for (file, original) in files.iter().zip(&originals) {
        let mut damaged: Vec<Vec<u8>> = vec![Vec::new(), original[..original.len() - 1].to_vec()];
        for at in (0..original.len()).step_by(7) {
            let mut bytes = original.clone();
            bytes[at] ^= 0x10;
            damaged.push(bytes);
        }
        for bytes in damaged {
            // Each case from the same start: a fresh history would write a new sidecar.
            for (f, o) in files.iter().zip(&originals) {
                std::fs::write(f, o).unwrap();
            }
            std::fs::write(file, &bytes).unwrap();
            // The probes that read only: each case starts from the same sidecar.
            for args in PROBES.iter().take(8) {
                let with = run_in(&twins.cached, twins.cache.path(), args);
                let without = run_in(&twins.plain, Path::new("off"), args);
                assert_eq!(with.status.code(), without.status.code(), "{args:?}");
                assert_eq!(with.stdout, without.stdout, "{file:?} {args:?}");
                assert_eq!(split_trace(&with.stderr).0, split_trace(&without.stderr).0);
            }
            cases += 1;
        }
    }
    assert!(cases > 50, "{cases} cases");
    // An append over a damaged sidecar writes a sound one: answers still agree after it.
    let mut twins = twins;
    twins.run(&["fulfil", "6", "1", "EUR", "--date", "2026-04-01"]);
    twins.show_everything();
    twins.same_bytes();
}

/// A large import brings the sidecar up to date in pieces (its new slots and index entries are
/// written a MiB at a time): every answer after it is still the full read's.
#[test]
fn a_large_import_updates_the_sidecar_alike() {
    let mut twins = Twins::new();
    twins.run(&["report"]);
    // 25,000 pledges with references: 50,000 records, more than a MiB of index entries
    // (24 bytes each) and of slots.
    let mut csv = String::from("date,from,to,amount,commodity,ref\n");
    for i in 0..25_000 {
        csv.push_str(&format!(
            "2026-01-{:02},Donor {},Fund {},{}.{:02},USD,R{i}\n",
            1 + i % 28,
            i % 13,
            i % 5,
            100 + i,
            i % 100
        ));
    }
    for scratch in [&twins.cached, &twins.plain] {
        std::fs::write(scratch.path("rows.csv"), &csv).unwrap();
    }
    let before = twins.served;
    twins.run(&["import", "rows.csv"]);
    twins.run(&["fulfil", "30001", "5 USD", "--date", "2026-02-01"]);
    twins.same_bytes();
    for query in REPORTS.iter().chain(LISTS) {
        twins.run(query);
    }
    for id in [
        "0", "1", "2", "24999", "30000", "30001", "49999", "50000", "50001",
    ] {
        twins.run(&["show", id, "--format", "json"]);
    }
    twins.run(&["head"]);
    twins.run(&["audit"]);
    assert!(
        twins.served - before > 10,
        "the sidecar served {} commands after the import",
        twins.served - before
    );
}

/// An import larger than the spool keeps in memory (4 MiB of records) has its records located
/// on a second thread as they are made, spilled or not, and builds the sidecar from that:
/// the import's own sidecar serves the next command, and every answer is the full read's,
/// events about pledges a spill or more before them included.
#[test]
fn an_import_past_the_spool_builds_the_sidecar_alike() {
    let mut twins = Twins::new();
    twins.run(&["report"]);
    // About 20 bytes a pledge: 230,000 of them pass 4 MiB. A fulfilment after every 1,000th
    // pledge, of the pledge 150,000 rows before it.
    let mut csv = String::from("kind,id,pledge,date,from,to,amount,commodity\n");
    for i in 0..230_000 {
        csv.push_str(&format!(
            "pledge,P{i},,2026-01-{:02},Donor {},Fund {},{}.{:02},USD\n",
            1 + i % 28,
            i % 97,
            i % 13,
            100 + i % 5000,
            i % 100
        ));
        if i % 1000 == 999 && i >= 150_000 {
            csv.push_str(&format!(
                "fulfil,,P{},2026-02-01,,,50.00,USD\n",
                i - 150_000
            ));
        }
    }
    for scratch in [&twins.cached, &twins.plain] {
        std::fs::write(scratch.path("rows.csv"), &csv).unwrap();
    }
    twins.run(&["import", "rows.csv"]);
    let before = twins.served;
    twins.run(&["report", "--by", "pledger"]);
    assert_eq!(
        twins.served,
        before + 1,
        "the import wrote a sidecar that matches"
    );
    twins.same_bytes();
    twins.run(&["report", "--by", "status", "--format", "csv"]);
    let last = twins.records() - 1;
    // The first pledges (fulfilled late in the file), one past the first spill, the last.
    for id in [1, 1_000, 120_000, 200_000, last - 1, last] {
        twins.run(&["show", &id.to_string(), "--format", "json"]);
    }
    twins.run(&["audit"]);
    // The reports, the head and the pledges shown (a record that is not a pledge is read from
    // the ledger; `audit` never uses a sidecar).
    assert!(
        twins.served - before >= 5,
        "served {}",
        twins.served - before
    );
}
