//! A whole read keeps only a few pages of pledges and of events in memory and spills the rest
//! to a temporary file (`ledger-cli/src/paged.rs`). Every answer must be the same as with all
//! of them in memory: here with one page of 512 of each in memory against all of them, on a
//! generated ledger with every kind of correction, for each command that folds the whole
//! ledger, and for appends that change pledges and events in spilled pages.

use std::path::Path;
use std::process::Output;

use pledge_tests::{Scratch, pledge};

/// `pledge ARGS` on `ledger` without a sidecar (so the whole ledger is folded), with `pages`
/// pages of pledges in memory.
fn run(ledger: &Path, pages: &str, args: &[&str]) -> Output {
    pledge()
        .env("PLEDGE_CACHE_DIR", "off")
        .env("PLEDGE_TODAY", "2031-12-31")
        .env("PLEDGE_FOLD_PAGES", pages)
        .arg("--file")
        .arg(ledger)
        .args(args)
        .output()
        .unwrap()
}

/// The ids in the first column of `list --format csv`.
fn ids(csv: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(csv)
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn spilled_pledges_answer_as_pledges_in_memory() {
    let scratch = Scratch::empty();
    let ledger = scratch.path("ledger.pledge");
    let (bytes, summary) = pledge_tests::generate::with_corrections(6_000, 5);
    assert!(summary.corrections > 100, "{summary:?}");
    std::fs::write(&ledger, bytes).unwrap();

    let open = run(
        &ledger,
        "1",
        &["list", "--status", "open", "--format", "csv"],
    );
    let open = ids(&open.stdout);
    assert!(open.len() > 100, "{} open pledges", open.len());
    let (oldest, middle) = (open[0].as_str(), open[open.len() / 2].as_str());
    // The first fulfilment: its event is in the first spilled page of events.
    let log = run(&ledger, "1", &["log", "--format", "csv"]);
    let log = String::from_utf8(log.stdout).unwrap();
    let first_fulfilment = log
        .lines()
        .find(|line| line.split(',').nth(2) == Some("fulfil"))
        .and_then(|line| line.split(',').next())
        .unwrap()
        .to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["report"],
        vec!["report", "--by", "sector"],
        vec!["report", "--by", "pledger", "--format", "json"],
        // As-of figures differ from the current ones: both are spilled and read back.
        vec!["report", "--as-of", "2023-06-30"],
        vec!["list", "--as-of", "2023-06-30", "--format", "csv"],
        vec!["audit"],
        vec!["head"],
        vec!["list", "--format", "csv"],
        vec!["list", "--status", "overdue"],
        vec!["show", oldest],
        vec!["show", middle, "--format", "json"],
        vec!["log", "--format", "csv"],
        vec!["export", "--format", "json"],
        vec!["export", "--format", "journal"],
    ];
    for args in &commands {
        let spilled = run(&ledger, "1", args);
        let in_memory = run(&ledger, "100000", args);
        assert!(spilled.status.success(), "{args:?}: {spilled:?}");
        assert!(!spilled.stdout.is_empty(), "{args:?} printed nothing");
        assert_eq!(spilled.stdout, in_memory.stdout, "{args:?}");
        assert_eq!(spilled.stderr, in_memory.stderr, "{args:?}");
    }

    // Appends that change pledges in spilled pages: the same bytes either way. (The copy has
    // the same name, which `audit` prints.)
    let other = Scratch::empty();
    let copy = other.path("ledger.pledge");
    std::fs::copy(&ledger, &copy).unwrap();
    let appends: Vec<Vec<&str>> = vec![
        vec!["fulfil", oldest],
        vec!["void", middle, "--reason", "entered twice"],
        vec![
            "void",
            &first_fulfilment,
            "--reason",
            "belonged to another pledge",
        ],
        vec!["add", "5", "USD", "--from", "Paged test", "--to", "Kenya"],
    ];
    for args in &appends {
        let spilled = run(&ledger, "1", args);
        let in_memory = run(&copy, "100000", args);
        assert!(spilled.status.success(), "{args:?}: {spilled:?}");
        assert_eq!(spilled.stdout, in_memory.stdout, "{args:?}");
    }
    assert_eq!(
        std::fs::read(&ledger).unwrap(),
        std::fs::read(&copy).unwrap()
    );
    // The audit names the file: compare what follows.
    let audit = |path: &Path, pages| {
        let out = String::from_utf8(run(path, pages, &["audit"]).stdout).unwrap();
        out.replacen(&path.display().to_string(), "LEDGER", 1)
    };
    let spilled = audit(&ledger, "1");
    assert!(spilled.starts_with("LEDGER: OK"), "{spilled}");
    assert_eq!(spilled, audit(&copy, "100000"));
    let report = run(&ledger, "1", &["report"]);
    assert_eq!(report.stdout, run(&copy, "100000", &["report"]).stdout);
}

/// A budget that is not a whole number from 1 is refused in one line, before anything is read.
#[test]
fn a_bad_page_budget_is_one_line() {
    let scratch = Scratch::example();
    let ledger = scratch.path("ledger.pledge");
    for bad in ["0", "-3", "lots", "1.5"] {
        let out = run(&ledger, bad, &["report"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("PLEDGE_FOLD_PAGES=\"{bad}\"")),
            "{stderr}"
        );
        assert!(stderr.contains("whole number from 1"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// The first command on a ledger writes its sidecar from where every record is, which a whole
/// read keeps in spilled pages too: the sidecar is the same, byte for byte, from one page in
/// memory as from all of them, and answers as the ledger does.
#[test]
fn a_sidecar_built_from_spilled_pages_is_the_same() {
    let scratch = Scratch::empty();
    let ledger = scratch.path("ledger.pledge");
    std::fs::write(
        &ledger,
        pledge_tests::generate::with_corrections(3_000, 6).0,
    )
    .unwrap();
    let build = |pages: &str, dir: &Path| {
        let out = pledge()
            .env("PLEDGE_CACHE_DIR", dir)
            .env("PLEDGE_TODAY", "2031-12-31")
            .env("PLEDGE_FOLD_PAGES", pages)
            .arg("--file")
            .arg(&ledger)
            .arg("report")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                (
                    path.file_name().unwrap().to_owned(),
                    std::fs::read(&path).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let spilled = build("1", &scratch.path("spilled"));
    assert_eq!(spilled.len(), 3, "head, index and slots");
    assert!(spilled == build("100000", &scratch.path("in-memory")));
    // Answered from that sidecar, an old pledge's history is the ledger's.
    let show = |cache: &Path| {
        pledge()
            .env("PLEDGE_CACHE_DIR", cache)
            .env("PLEDGE_TODAY", "2031-12-31")
            .arg("--file")
            .arg(&ledger)
            .args(["show", "400", "--format", "json"])
            .output()
            .unwrap()
    };
    let from_sidecar = show(&scratch.path("spilled"));
    assert!(from_sidecar.status.success(), "{from_sidecar:?}");
    assert_eq!(from_sidecar.stdout, show(Path::new("off")).stdout);
}
