//! End-to-end tests of the `pledge` binary: every command's output in every format (insta
//! snapshots), every kind of bad input (one line on stderr, exit 2, ledger unchanged), damaged
//! and torn ledgers, concurrent appends, and the example ledger rebuilt from its script.
//!
//! Output is deterministic at the source: "today" is fixed by `PLEDGE_TODAY`, every entry has
//! an explicit date, and paths are relative to a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Output;

use pledge_tests::{Scratch, pledge, workspace};

const EXAMPLE: &str = "docs/examples/us-japan-2025.pledge";

/// A temporary directory holding a copy of the example ledger as `ledger.pledge` (the shared
/// `Scratch`, with this file's stricter `ok` and `fails`).
struct Fixture {
    scratch: Scratch,
}

impl Fixture {
    fn example() -> Fixture {
        Fixture {
            scratch: Scratch::example(),
        }
    }

    fn empty() -> Fixture {
        Fixture {
            scratch: Scratch::empty(),
        }
    }

    fn ledger(&self) -> PathBuf {
        self.scratch.path("ledger.pledge")
    }

    /// Runs `pledge ARGS` in the fixture's directory on `ledger.pledge`.
    fn run(&self, args: &[&str]) -> Output {
        self.scratch.run(args)
    }

    /// Runs a command that must succeed, returning its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "pledge {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "pledge {args:?} wrote to stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Runs a command that must fail with `code`, leave the ledger byte for byte as it was,
    /// and say why in exactly one line on stderr. Returns that line.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let before = std::fs::read(self.ledger()).ok();
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "pledge {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stdout.is_empty(),
            "pledge {args:?} printed {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(
            std::fs::read(self.ledger()).ok(),
            before,
            "pledge {args:?} changed the ledger"
        );
        let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line, not {stderr:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }
}

mod reports {
    use super::*;

    #[test]
    fn the_goal_report_shows_the_frameworks_progress() {
        let f = Fixture::example();
        let table = f.ok(&["report"]);
        assert!(
            table.contains("490,000,000,000.00 USD")
                && table.contains("89.1%")
                && table.contains("60,000,000,000.00 USD")
        );
        insta::assert_snapshot!("report_table", table);
        insta::assert_snapshot!("report_csv", f.ok(&["report", "--format", "csv"]));
        insta::assert_snapshot!("report_json", f.ok(&["report", "--format", "json"]));
    }

    #[test]
    fn breakdowns_by_every_key() {
        let f = Fixture::example();
        for by in [
            "pledger",
            "beneficiary",
            "project",
            "sector",
            "commodity",
            "goal",
        ] {
            insta::assert_snapshot!(format!("report_by_{by}"), f.ok(&["report", "--by", by]));
        }
        insta::assert_snapshot!(
            "report_by_sector_json",
            f.ok(&["report", "--by", "sector", "--format", "json"])
        );
        insta::assert_snapshot!(
            "report_by_pledger_csv",
            f.ok(&["report", "--by", "pledger", "--format", "csv"])
        );
    }

    #[test]
    fn as_of_counts_only_what_had_happened() {
        let f = Fixture::example();
        f.ok(&["fulfil", "8", "25bn", "USD", "--date", "2026-03-01"]);
        f.ok(&[
            "amend",
            "10",
            "80bn",
            "USD",
            "--date",
            "2026-05-01",
            "--reason",
            "scaled back",
        ]);
        insta::assert_snapshot!(
            "report_as_of_2026_04_01",
            f.ok(&["report", "--as-of", "2026-04-01"])
        );
        insta::assert_snapshot!("report_after_events", f.ok(&["report"]));
        insta::assert_snapshot!(
            "report_as_of_before_the_framework",
            f.ok(&["report", "--as-of", "2025-10-27"])
        );
    }
}

mod lists {
    use super::*;

    #[test]
    fn list_in_every_format() {
        let f = Fixture::example();
        insta::assert_snapshot!("list_table", f.ok(&["list"]));
        insta::assert_snapshot!("list_csv", f.ok(&["list", "--format", "csv"]));
        insta::assert_snapshot!("list_json", f.ok(&["list", "--format", "json"]));
    }

    #[test]
    fn filters() {
        let f = Fixture::example();
        let ids = |args: &[&str]| -> Vec<u64> {
            let json: serde_json::Value =
                serde_json::from_str(&f.ok(&[&["list", "--format", "json"], args].concat()))
                    .unwrap();
            json["pledges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(ids(&[]), [8, 10, 11, 16, 19, 21]);
        assert_eq!(ids(&["--sector", "nuclear energy"]), [8, 10]);
        assert_eq!(ids(&["--project", "GE Vernova nuclear"]), [10]);
        assert_eq!(ids(&["--party", "Critical-mineral projects"]), [16]);
        assert_eq!(
            ids(&["--from", "Japan", "--to", "United States"]),
            [8, 10, 11, 19, 21]
        );
        assert_eq!(
            ids(&["--goal", "Japanese investment in the US"]),
            [8, 10, 11]
        );
        assert_eq!(
            ids(&["--status", "overdue"]),
            [16],
            "due 2026-04-28, today is 2026-11-24"
        );
        assert_eq!(
            ids(&["--status", "overdue", "--as-of", "2026-04-28"]),
            Vec::<u64>::new()
        );
        assert_eq!(ids(&["--status", "fulfilled"]), Vec::<u64>::new());
        f.ok(&["fulfil", "19", "--date", "2026-03-27"]);
        f.ok(&["fulfil", "8", "1bn", "USD", "--date", "2026-01-15"]);
        f.ok(&[
            "cancel",
            "21",
            "--date",
            "2026-07-04",
            "--reason",
            "postponed",
        ]);
        assert_eq!(ids(&["--status", "fulfilled"]), [19]);
        assert_eq!(ids(&["--status", "partial"]), [8]);
        assert_eq!(ids(&["--status", "cancelled"]), [21]);
        assert_eq!(ids(&["--status", "open"]), [10, 11, 16]);
        insta::assert_snapshot!("list_after_events", f.ok(&["list"]));
    }

    #[test]
    fn show_a_pledge_and_a_goal() {
        let f = Fixture::example();
        f.ok(&[
            "fulfil",
            "8",
            "20bn",
            "USD",
            "--date",
            "2026-02-01",
            "--memo",
            "first tranche",
        ]);
        f.ok(&[
            "amend",
            "8",
            "120bn",
            "USD",
            "--date",
            "2026-03-01",
            "--reason",
            "second reactor added",
        ]);
        f.ok(&[
            "note",
            "--on",
            "8",
            "--date",
            "2026-03-02",
            "site selection under way",
        ]);
        insta::assert_snapshot!("show_pledge_table", f.ok(&["show", "8"]));
        insta::assert_snapshot!(
            "show_pledge_json",
            f.ok(&["show", "#8", "--format", "json"])
        );
        insta::assert_snapshot!("show_pledge_csv", f.ok(&["show", "8", "--format", "csv"]));
        insta::assert_snapshot!("show_goal_table", f.ok(&["show", "3"]));
        insta::assert_snapshot!("show_goal_json", f.ok(&["show", "3", "--format", "json"]));
    }
}

mod recording {
    use super::*;

    #[test]
    fn every_recording_command_confirms_what_it_wrote() {
        let f = Fixture::empty();
        let mut transcript = String::new();
        for args in [
            &["init"][..],
            &["commodity", "tonnes", "--decimals", "3"],
            &[
                "goal",
                "Reforestation",
                "--target",
                "1.5M EUR",
                "--beneficiary",
                "Kenya",
                "--deadline",
                "2030-12-31",
                "--date",
                "2026-01-05",
            ],
            &[
                "add",
                "250k",
                "EUR",
                "--from",
                "Fund A",
                "--to",
                "Kenya",
                "--goal",
                "Reforestation",
                "--date",
                "2026-01-10",
                "--due",
                "2026-06-30",
                "--tag",
                "forests",
                "--tag",
                "africa",
            ],
            &[
                "add",
                "EUR",
                "1,000,000.50",
                "--from",
                "Fund B",
                "--to",
                "Kenya",
                "--goal",
                "Reforestation",
                "--date",
                "2026-02-01",
            ],
            &[
                "add",
                "12.5",
                "tonnes",
                "--from",
                "Fund A",
                "--to",
                "Kenya",
                "--date",
                "2026-02-01",
            ],
            &["fulfil", "8", "100k", "EUR", "--date", "2026-03-01"],
            &["fulfil", "8", "--date", "2026-04-01"],
            &[
                "amend",
                "10",
                "900k",
                "EUR",
                "--date",
                "2026-04-02",
                "--reason",
                "budget cut",
            ],
            &["fulfil", "10", "300k", "EUR", "--date", "2026-04-03"],
            &[
                "cancel",
                "10",
                "--date",
                "2026-05-01",
                "--reason",
                "fund closed",
            ],
            &["note", "Audited by the board", "--date", "2026-05-02"],
            &["report"],
            &["list"],
        ] {
            transcript.push_str(&format!("$ pledge {}\n{}", args.join(" "), f.ok(args)));
        }
        insta::assert_snapshot!("recording_transcript", transcript);
    }

    #[test]
    fn init_takes_its_origin_from_the_file_name() {
        let f = Fixture::empty();
        assert_eq!(f.ok(&["init"]), "created ledger.pledge (origin ledger)\n");
        let bytes = std::fs::read(f.ledger()).unwrap();
        assert_eq!(&bytes[..8], b"\x89PLEDGE\n");
    }

    #[test]
    fn the_date_defaults_to_today() {
        let f = Fixture::example();
        f.ok(&["fulfil", "19"]);
        let json: serde_json::Value =
            serde_json::from_str(&f.ok(&["show", "19", "--format", "json"])).unwrap();
        assert_eq!(json["history"][1]["date"], "2026-11-24");
        assert_eq!(json["status"], "fulfilled");
    }

    #[test]
    fn the_example_is_rebuilt_byte_for_byte_by_its_script() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("rebuilt.pledge");
        let status = std::process::Command::new("bash")
            .arg(workspace().join("docs/examples/us-japan-2025.sh"))
            .arg(&out)
            .env("PLEDGE", pledge_tests::pledge_binary())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("bash runs");
        assert!(status.success());
        let committed = std::fs::read(workspace().join(EXAMPLE)).unwrap();
        assert_eq!(
            std::fs::read(&out).unwrap(),
            committed,
            "rerun the script to update {EXAMPLE}"
        );
    }
}

mod bad_input {
    use super::*;

    /// Each kind of bad input: its message, the exit code 2, and the ledger untouched.
    #[test]
    fn every_kind_of_bad_input_is_one_clear_line() {
        let f = Fixture::example();
        let long = "x".repeat(65);
        let many_tags: Vec<String> = (0..9).map(|i| format!("--tag=t{i}")).collect();
        let mut args_with_tags = vec!["add", "1", "USD", "--from", "Japan", "--to", "Korea"];
        args_with_tags.extend(many_tags.iter().map(String::as_str));
        let cases: Vec<(&str, Vec<&str>)> = vec![
            (
                "amount_syntax",
                vec!["add", "1.2.3", "USD", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "amount_without_commodity",
                vec!["add", "100bn", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "unknown_commodity",
                vec!["add", "5", "UDS", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "too_many_decimals",
                vec!["add", "1.005", "USD", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "decimals_for_in_kind",
                vec!["add", "2.5", "trees", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "overflow",
                vec![
                    "add",
                    "100000000000000000",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                ],
            ),
            (
                "zero_amount",
                vec!["add", "0", "USD", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "negative_amount",
                vec!["add", "-5", "USD", "--from", "Japan", "--to", "Korea"],
            ),
            (
                "name_too_long",
                vec!["add", "1", "USD", "--from", &long, "--to", "Korea"],
            ),
            (
                "name_with_spaces_around",
                vec!["add", "1", "USD", "--from", " Japan", "--to", "Korea"],
            ),
            ("too_many_tags", args_with_tags),
            (
                "bad_date",
                vec![
                    "add",
                    "1",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                    "--date",
                    "2025-02-29",
                ],
            ),
            (
                "date_syntax",
                vec![
                    "add",
                    "1",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                    "--date",
                    "28/10/2025",
                ],
            ),
            (
                "due_before_date",
                vec![
                    "add",
                    "1",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                    "--date",
                    "2025-10-28",
                    "--due",
                    "2025-10-01",
                ],
            ),
            (
                "unknown_goal",
                vec![
                    "add",
                    "1",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                    "--goal",
                    "Moon base",
                ],
            ),
            (
                "future_date",
                vec![
                    "add",
                    "1",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                    "--date",
                    "2104-11-20",
                ],
            ),
            (
                "future_fulfilment",
                vec!["fulfil", "8", "1", "USD", "--date", "2026-11-25"],
            ),
            (
                "negative_fulfilment",
                vec!["fulfil", "8", "-1", "USD", "--date", "2026-01-01"],
            ),
            (
                "return_more_than_fulfilled",
                vec!["return", "8", "1", "USD", "--date", "2026-01-01"],
            ),
            ("void_a_declaration", vec!["void", "2", "--reason", "typo"]),
            (
                "void_beyond_the_end",
                vec!["void", "999", "--reason", "typo"],
            ),
            (
                "rename_unknown",
                vec!["rename", "party", "Japn", "Nippon", "--reason", "r"],
            ),
            (
                "revise_in_another_commodity",
                vec![
                    "revise",
                    "Japanese investment in the US",
                    "--target",
                    "1",
                    "JPY",
                    "--reason",
                    "r",
                ],
            ),
            (
                "rate_not_a_number",
                vec!["rate", "EUR", "USD", "1,08e3", "--date", "2026-01-01"],
            ),
            (
                "rate_of_itself",
                vec!["rate", "USD", "usd", "1", "--date", "2026-01-01"],
            ),
            (
                "known_at_beyond_the_end",
                vec!["report", "--known-at", "999"],
            ),
            (
                "duplicate_goal",
                vec!["goal", "Japanese investment in the US", "--target", "1 USD"],
            ),
            (
                "duplicate_commodity",
                vec!["commodity", "trees", "--decimals", "0"],
            ),
            (
                "bad_commodity_code",
                vec!["commodity", "cherry trees", "--decimals", "0"],
            ),
            (
                "decimals_out_of_range",
                vec!["commodity", "grains", "--decimals", "19"],
            ),
            ("id_not_a_number", vec!["fulfil", "eight", "1", "USD"]),
            ("unknown_pledge", vec!["fulfil", "99", "1", "USD"]),
            ("id_of_a_declaration", vec!["fulfil", "2", "1", "USD"]),
            (
                "overfulfilment",
                vec![
                    "fulfil",
                    "8",
                    "100,000,000,000.01",
                    "USD",
                    "--date",
                    "2026-01-01",
                ],
            ),
            (
                "fulfil_in_another_commodity",
                vec!["fulfil", "8", "1", "JPY", "--date", "2026-01-01"],
            ),
            (
                "fulfil_before_the_pledge",
                vec!["fulfil", "8", "1", "USD", "--date", "2025-10-27"],
            ),
            (
                "amend_to_zero",
                vec![
                    "amend",
                    "8",
                    "0",
                    "USD",
                    "--reason",
                    "r",
                    "--date",
                    "2026-01-01",
                ],
            ),
            (
                "empty_reason",
                vec!["cancel", "8", "--reason", "", "--date", "2026-01-01"],
            ),
            (
                "note_on_nothing",
                vec!["note", "hello", "--on", "99", "--date", "2026-01-01"],
            ),
            ("unknown_party_filter", vec!["list", "--party", "Japn"]),
            ("bad_as_of", vec!["report", "--as-of", "2026-13-01"]),
            ("show_nothing", vec!["show", "999"]),
            (
                "currency_in_lower_case",
                vec!["commodity", "usd", "--decimals", "2"],
            ),
            (
                "due_before_a_defaulted_date",
                vec![
                    "add",
                    "1",
                    "USD",
                    "--from",
                    "Japan",
                    "--to",
                    "Korea",
                    "--due",
                    "2025-01-01",
                ],
            ),
            // The argument parser's errors are one line too.
            ("parser_bad_value", vec!["list", "--format", "bogus"]),
            (
                "parser_missing_option",
                vec!["add", "1", "USD", "--to", "Y"],
            ),
            ("parser_unknown_command", vec!["bogus"]),
            ("parser_unknown_option", vec!["report", "--colour"]),
        ];
        let mut all = String::new();
        for (name, args) in &cases {
            let line = f.fails(2, args);
            all.push_str(&format!("{name}: {line}"));
        }
        insta::assert_snapshot!("bad_input", all);
    }

    #[test]
    fn rules_that_depend_on_history() {
        let f = Fixture::example();
        f.ok(&["fulfil", "8", "30bn", "USD", "--date", "2026-01-01"]);
        f.ok(&[
            "cancel",
            "10",
            "--date",
            "2026-01-01",
            "--reason",
            "withdrawn",
        ]);
        f.ok(&["fulfil", "19", "--date", "2026-03-27"]);
        let lines = [
            f.fails(
                2,
                &[
                    "amend",
                    "8",
                    "29bn",
                    "USD",
                    "--reason",
                    "r",
                    "--date",
                    "2026-02-01",
                ],
            ),
            f.fails(
                2,
                &["cancel", "10", "--reason", "again", "--date", "2026-02-01"],
            ),
            f.fails(2, &["fulfil", "10", "1", "USD", "--date", "2026-02-01"]),
            f.fails(
                2,
                &[
                    "cancel",
                    "19",
                    "--reason",
                    "too late",
                    "--date",
                    "2026-04-01",
                ],
            ),
            f.fails(2, &["fulfil", "19", "--date", "2026-04-01"]),
        ];
        insta::assert_snapshot!("bad_input_history", lines.concat());
    }

    #[test]
    fn files_that_are_missing_or_exist_already() {
        let f = Fixture::example();
        assert_eq!(
            f.fails(2, &["init"]),
            "error: ledger.pledge: a file is there already; pledge init never overwrites\n"
        );
        let missing = Fixture::empty();
        assert_eq!(
            missing.fails(2, &["report"]),
            "error: ledger.pledge: no such ledger file; create it with `pledge init` or check --file / PLEDGE_FILE\n"
        );
        let output = pledge().args(["report"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "error: no ledger file given; pass --file PATH or set PLEDGE_FILE\n"
        );
    }

    #[test]
    fn usage_errors_exit_2_without_a_panic() {
        let f = Fixture::example();
        for args in [
            &["frobnicate"][..],
            &["report", "--by", "colour"],
            &["list", "--format", "xml"],
            &["add", "1", "USD"],
        ] {
            let output = f.run(args);
            assert_eq!(output.status.code(), Some(2), "{args:?}");
            assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
        }
    }
}

mod damage {
    use super::*;

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn a_torn_last_record_is_reported_and_blocks_appends() {
        let f = Fixture::example();
        let bytes = std::fs::read(f.ledger()).unwrap();
        write(&f.ledger(), &bytes[..bytes.len() - 5]);
        let output = f.run(&["list", "--format", "csv"]);
        assert!(output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        insta::assert_snapshot!("torn_tail_warning", stderr);
        let line = f.fails(1, &["note", "x", "--date", "2026-01-01"]);
        insta::assert_snapshot!("torn_tail_refuses_append", line);
    }

    #[test]
    fn a_damaged_record_is_an_error_naming_where() {
        let f = Fixture::example();
        let mut bytes = std::fs::read(f.ledger()).unwrap();
        bytes[200] ^= 0x01;
        write(&f.ledger(), &bytes);
        insta::assert_snapshot!("damaged_record", f.fails(1, &["report"]));
    }

    #[test]
    fn not_a_ledger_and_a_newer_version() {
        let f = Fixture::empty();
        write(&f.ledger(), b"2025-10-28 * pledge\n  assets  1 USD\n");
        insta::assert_snapshot!("not_a_ledger", f.fails(1, &["report"]));
        let mut bytes = std::fs::read(workspace().join(EXAMPLE)).unwrap();
        bytes[8] = 2;
        let crc = ledger_core::record::crc32c(&bytes[..12]).to_le_bytes();
        bytes[12..16].copy_from_slice(&crc);
        write(&f.ledger(), &bytes);
        insta::assert_snapshot!("newer_version", f.fails(1, &["report"]));
    }
}

/// `--date today` and `--date yesterday` (issue 9), against the fixed today of the tests.
mod dates {
    use super::Fixture;

    /// Without --today, today is the local date of the system's time zone: at any instant,
    /// fourteen hours east of Greenwich it is a later day than twelve hours west.
    #[test]
    fn today_is_the_local_date() {
        let f = Fixture::example();
        let mut dates = Vec::new();
        for tz in ["EAST-14", "WEST12"] {
            let output = pledge_tests::pledge()
                .current_dir(f.scratch.dir.path())
                .env_remove("PLEDGE_TODAY")
                .env("TZ", tz)
                .env("PLEDGE_FILE", "ledger.pledge")
                .args(["note", tz])
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            let seq: String = String::from_utf8(output.stdout)
                .unwrap()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let json: serde_json::Value =
                serde_json::from_str(&f.ok(&["show", &seq, "--format", "json"])).unwrap();
            dates.push(json["date"].as_str().unwrap().to_string());
        }
        assert!(dates[0] > dates[1], "{dates:?}");
    }

    #[test]
    fn today_and_yesterday_are_dates() {
        let f = Fixture::example();
        for (word, date) in [("today", "2026-11-24"), ("yesterday", "2026-11-23")] {
            f.ok(&[
                "add", "1", "USD", "--from", "Japan", "--to", "Korea", "--date", word,
            ]);
            let json: serde_json::Value =
                serde_json::from_str(&f.ok(&["list", "--to", "Korea", "--format", "json"]))
                    .unwrap();
            let dates: Vec<&str> = json["pledges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["date"].as_str().unwrap())
                .collect();
            assert!(dates.contains(&date), "{word}: {dates:?}");
        }
    }
}

/// ISO codes in any case are the currency (issue 9): `5 usd` is 5 USD, not a new commodity.
mod codes {
    use super::Fixture;

    #[test]
    fn a_currency_code_in_lower_case_is_the_currency() {
        let f = Fixture::example();
        let said = f.ok(&[
            "add",
            "5",
            "usd",
            "--from",
            "Japan",
            "--to",
            "Korea",
            "--date",
            "2026-01-01",
        ]);
        assert!(said.contains("5.00 USD"), "{said}");
        let said = f.ok(&[
            "add",
            "eur",
            "7",
            "--from",
            "Japan",
            "--to",
            "Korea",
            "--date",
            "2026-01-01",
        ]);
        assert!(said.contains("7.00 EUR"), "{said}");
        let csv = f.ok(&["report", "--by", "commodity", "--format", "csv"]);
        assert!(!csv.contains("usd") && !csv.contains("eur"), "{csv}");
    }
}

/// `pledge completions` and `pledge man` (issue 9): generated from the clap definitions, so
/// every command is in them; the bash script parses, and groff formats the page.
mod shell {
    use std::process::{Command, Stdio};

    use super::Fixture;

    const COMMANDS: [&str; 8] = [
        "add",
        "fulfil",
        "report",
        "audit",
        "cosign",
        "publish",
        "keygen",
        "completions",
    ];

    #[test]
    fn completions_for_every_shell_know_every_command() {
        let f = Fixture::example();
        for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
            let script = f.ok(&["completions", shell]);
            for command in COMMANDS {
                assert!(script.contains(command), "{shell}: {command}");
            }
        }
        let bash = f.ok(&["completions", "bash"]);
        let path = f.scratch.path("pledge.bash");
        std::fs::write(&path, bash).unwrap();
        let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
        assert!(status.success(), "the bash script parses");
        assert_eq!(f.fails(2, &["completions", "tcsh"]).lines().count(), 1);
    }

    /// Every command's help ends with an example of it.
    #[test]
    fn every_help_ends_with_an_example() {
        let f = Fixture::example();
        let commands = [
            "init",
            "commodity",
            "goal",
            "add",
            "fulfil",
            "amend",
            "cancel",
            "note",
            "list",
            "show",
            "repair",
            "keygen",
            "publish",
            "completions",
            "man",
            "cosign",
            "checkpoint",
            "audit",
            "prove",
            "verify-proof",
            "head",
            "report",
            "return",
            "void",
            "rename",
            "revise",
            "rate",
            "export",
            "log",
            "import",
        ];
        let top = f.ok(&["--help"]);
        for command in commands {
            assert!(
                top.contains(&format!("  {command} ")),
                "{command} is listed"
            );
            let help = f.ok(&[command, "--help"]);
            let marker = if help.contains("Examples:\n") {
                "Examples:\n"
            } else {
                "Example:\n"
            };
            let example = help.rsplit(marker).next().unwrap();
            assert!(help.contains(marker), "{command}: {help}");
            assert!(
                example.contains("pledge ") && example.contains(command),
                "{command}: {example}"
            );
        }
    }

    #[test]
    fn the_manual_page_formats() {
        let f = Fixture::example();
        let page = f.ok(&["man"]);
        assert!(page.contains(".TH pledge 1"), "{page}");
        for command in COMMANDS {
            assert!(page.contains(command), "{command}");
        }
        let Ok(mut groff) = Command::new("groff")
            .args(["-man", "-Tutf8"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        else {
            return; // groff is not installed: the roff checks above stand.
        };
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let output = groff.wait_with_output().unwrap();
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("SUBCOMMANDS") || text.contains("pledge-add"),
            "{text}"
        );
    }
}

mod terminal {
    use super::Fixture;
    use unicode_width::UnicodeWidthStr;

    /// `pledge ARGS` with these environment variables, stdout and stderr.
    fn run(f: &Fixture, env: &[(&str, &str)], args: &[&str]) -> (String, String) {
        let output = pledge_tests::pledge()
            .current_dir(f.scratch.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .env_remove("NO_COLOR")
            .env_remove("COLUMNS")
            .envs(env.iter().copied())
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    /// At 80 columns every table fits: text wraps onto more lines, and when wrapping is not
    /// enough the optional columns go, with a note naming them. Wide, nothing changes.
    #[test]
    fn tables_fit_the_terminal() {
        let f = Fixture::example();
        f.ok(&[
            "fulfil",
            "8",
            "25bn",
            "USD",
            "--date",
            "2026-03-01",
            "--memo",
            "first tranche of the reactor financing",
        ]);
        let mut shown = String::new();
        for args in [
            &["list"][..],
            &["report"],
            &["report", "--by", "sector"],
            &["log"],
            &["show", "8"],
        ] {
            let (narrow, _) = run(&f, &[("COLUMNS", "80")], args);
            for line in narrow.lines() {
                assert!(
                    line.width() <= 80 || line.starts_with('('),
                    "{args:?} at 80 columns: {line:?}"
                );
            }
            let (wide, _) = run(&f, &[], args);
            assert!(
                wide.lines().any(|l| l.width() > 80),
                "{args:?} wide is not narrowed"
            );
            shown.push_str(&format!(
                "$ COLUMNS=80 pledge {}\n{narrow}\n",
                args.join(" ")
            ));
        }
        assert!(shown.contains("left out to fit 80 columns"), "{shown}");
        insta::assert_snapshot!("eighty_columns", shown);
        // CSV and JSON are never narrowed.
        let (csv, _) = run(&f, &[("COLUMNS", "80")], &["list", "--format", "csv"]);
        assert!(
            csv.lines()
                .next()
                .unwrap()
                .ends_with(",goal,project,sector"),
            "{csv}"
        );
    }

    /// Colour only on a terminal (never into a pipe), `--color always|never` to choose, and
    /// never with NO_COLOR unless asked for on the command line.
    #[test]
    fn colour_is_chosen_and_never_unasked() {
        let f = Fixture::example();
        let bold = "\u{1b}[1m";
        let (auto, _) = run(&f, &[], &["report"]);
        assert!(!auto.contains('\u{1b}'), "a pipe gets no colour: {auto:?}");
        let (always, _) = run(&f, &[], &["--color", "always", "report"]);
        assert!(always.starts_with(bold), "{always:?}");
        let (overridden, _) = run(&f, &[("NO_COLOR", "1")], &["--color", "always", "list"]);
        assert!(overridden.starts_with(bold), "{overridden:?}");
        let (never, _) = run(&f, &[], &["--color", "never", "list"]);
        assert!(!never.contains('\u{1b}'));
        let (_, error) = run(&f, &[], &["--color", "always", "show", "999"]);
        assert!(
            error.starts_with("\u{1b}[1m\u{1b}[31merror:\u{1b}[0m "),
            "{error:?}"
        );
        let (_, plain) = run(&f, &[], &["show", "999"]);
        assert!(
            plain.starts_with("error: there is no record #999"),
            "{plain:?}"
        );
    }
}

mod interactive {
    use super::Fixture;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// On a terminal (`script` gives `pledge` one), `add` asks for what is missing and
    /// completes the ledger's party names with Tab; what it records is what was answered.
    #[test]
    fn add_asks_for_what_is_missing_on_a_terminal() {
        if Command::new("script").arg("--version").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "util-linux's script is needed"
            );
            return;
        }
        let f = Fixture::example();
        let command = format!(
            "{} add --date 2026-01-02",
            pledge_tests::pledge_binary().display()
        );
        let mut child = Command::new("script")
            .args(["-q", "-c", &command, "/dev/null"])
            .current_dir(f.scratch.dir.path())
            .env("PLEDGE_FILE", "ledger.pledge")
            .env("PLEDGE_TODAY", "2026-11-24")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // The amount, "Jap" completed to Japan with Tab, and a new beneficiary.
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"1M USD\rJap\t\rKenya\r")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(
            printed.contains("recorded pledge #24: 1,000,000.00 USD from Japan to Kenya"),
            "{printed}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&f.ok(&["list", "--to", "Kenya", "--format", "json"])).unwrap();
        assert_eq!(json["pledges"][0]["from"], "Japan");
        assert_eq!(json["pledges"][0]["amount"]["value"], "1000000.00");
    }

    /// Anywhere else, one line naming what is missing.
    #[test]
    fn off_a_terminal_add_names_what_is_missing() {
        let f = Fixture::example();
        let line = f.fails(2, &["add", "--to", "Kenya", "--date", "2026-01-02"]);
        assert_eq!(
            line,
            "error: a pledge needs AMOUNT, --from PARTY; give them on the command line (on a terminal, `pledge add` asks)\n"
        );
    }
}
