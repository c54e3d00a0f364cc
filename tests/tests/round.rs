//! A multi-donor pledging round recorded end to end, as a recorder would type it: pledges in
//! five currencies toward a USD goal with reference rates fixed by the goal, the typing
//! mistakes real recorders make and their corrections, and late news entered out of date
//! order. Every report is snapshotted, and the ledger must audit clean after every command.
//!
//! The figures are modelled on a climate fund's first resource mobilisation (2014 pledging
//! conference, fixed reference rates), rounded; they are not the fund's published figures.

use pledge_tests::Scratch;

/// A ledger and a transcript of everything typed and printed.
struct Round {
    scratch: Scratch,
    transcript: String,
}

impl Round {
    fn new() -> Round {
        Round {
            scratch: Scratch::empty(),
            transcript: String::new(),
        }
    }

    /// A new ledger of `origin` with a goal `IRM` of 10M USD set on 2014-11-20 (record 2).
    fn with_goal(origin: &str) -> Round {
        let mut r = Round::new();
        r.ok(&["init", "--origin", origin]);
        r.ok(&[
            "goal",
            "IRM",
            "--target",
            "10M",
            "USD",
            "--date",
            "2014-11-20",
        ]);
        r
    }

    /// Runs a command that must succeed and leave a ledger that audits clean.
    fn ok(&mut self, args: &[&str]) -> String {
        let output = self.scratch.run(args);
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(output.status.success(), "pledge {args:?}: {stderr}");
        self.transcript
            .push_str(&format!("$ pledge {}\n{stdout}{stderr}\n", quote(args)));
        self.audits_clean(args);
        stdout
    }

    /// Runs a command that must be refused (exit 2) with one line, the ledger unchanged.
    fn refused(&mut self, args: &[&str]) -> String {
        let before = self.scratch.read("ledger.pledge");
        let output = self.scratch.run(args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "pledge {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert_eq!(self.scratch.read("ledger.pledge"), before, "{args:?}");
        self.transcript
            .push_str(&format!("$ pledge {}\n{stderr}(exit 2)\n\n", quote(args)));
        stderr
    }

    /// What a write accepted, the audit accepts (with the same today).
    fn audits_clean(&self, after: &[&str]) {
        if !self.scratch.path("ledger.pledge").exists() {
            return;
        }
        let audit = self.scratch.run(&["audit"]);
        assert!(
            audit.status.success(),
            "after {after:?} the audit found: {}",
            String::from_utf8_lossy(&audit.stdout)
        );
    }
}

fn quote(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(' ') || a.is_empty() {
                format!("\"{a}\"")
            } else {
                (*a).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_five_currency_round_toward_a_usd_goal_with_corrections_and_late_news() {
    let mut r = Round::new();
    r.ok(&["init", "--origin", "pledge.example/gcf-irm"]);
    r.ok(&[
        "goal",
        "GCF-IRM",
        "--target",
        "10bn",
        "USD",
        "--beneficiary",
        "Green Climate Fund",
        "--deadline",
        "2018-12-31",
        "--date",
        "2014-11-20",
    ]);
    // The conference fixes its reference rates; CAD is left to the ledger's own rates.
    for (code, rate) in [("EUR", "1.2500"), ("GBP", "1.5700"), ("SEK", "0.1350")] {
        r.ok(&[
            "rate",
            code,
            "USD",
            rate,
            "--goal",
            "GCF-IRM",
            "--date",
            "2014-11-20",
        ]);
    }
    let gcf = ["--to", "Green Climate Fund", "--goal", "GCF-IRM"];
    let pledge = |r: &mut Round, amount: &str, code: &str, from: &str, date: &str| {
        let mut args = vec!["add", amount, code, "--from", from];
        args.extend(gcf);
        args.extend(["--date", date, "--due", "2018-12-31"]);
        r.ok(&args)
    };
    pledge(&mut r, "3bn", "USD", "United States", "2014-11-20");
    pledge(&mut r, "1.5bn", "USD", "Japan", "2014-11-20");
    pledge(&mut r, "750M", "EUR", "Germany", "2014-11-20");
    pledge(&mut r, "1bn", "EUR", "France", "2014-11-20");
    pledge(&mut r, "720M", "GBP", "United Kingdom", "2014-11-20");
    // Mistake: a party misspelt (declared with a warning, as a new name).
    pledge(&mut r, "4bn", "SEK", "Swedn", "2014-11-20");
    pledge(&mut r, "300M", "CAD", "Canada", "2014-11-20");
    // Mistake: the UK pledge entered twice.
    let twice = pledge(&mut r, "720M", "GBP", "United Kingdom", "2014-11-20");
    assert!(twice.contains("#25"), "{twice}");
    // Before any CAD rate, the goal leaves CAD out and says so.
    let without_cad = r.ok(&["report"]);
    assert!(without_cad.contains("leaves out CAD"), "{without_cad}");

    // Fixing mistakes.
    r.ok(&[
        "rename",
        "party",
        "Swedn",
        "Sweden",
        "--reason",
        "typo",
        "--date",
        "2014-11-21",
    ]);
    r.ok(&[
        "void",
        "25",
        "--reason",
        "entered twice",
        "--date",
        "2014-11-21",
    ]);
    r.refused(&["void", "25", "--reason", "again", "--date", "2014-11-21"]);
    r.ok(&["rate", "CAD", "USD", "0.8800", "--date", "2014-11-20"]);

    // Disbursements, one of them wrong, one returned in part.
    r.ok(&["fulfil", "11", "1bn", "USD", "--date", "2015-06-30"]);
    r.ok(&["fulfil", "15", "250M", "EUR", "--date", "2015-07-15"]);
    let wrong = r.ok(&["fulfil", "13", "500M", "USD", "--date", "2015-08-01"]);
    assert!(wrong.contains("fulfilment #32"), "{wrong}");
    r.refused(&["fulfil", "13", "-500M", "USD", "--date", "2015-08-02"]);
    r.ok(&[
        "void",
        "32",
        "--reason",
        "belonged to pledge #11",
        "--date",
        "2015-08-02",
    ]);
    r.ok(&["fulfil", "11", "500M", "USD", "--date", "2015-08-01"]);
    r.ok(&[
        "return",
        "15",
        "50M",
        "EUR",
        "--date",
        "2015-12-01",
        "--memo",
        "unspent",
    ]);

    // Late news: a 2016 amendment and reschedule recorded after 2018 events.
    r.ok(&["fulfil", "21", "1bn", "SEK", "--date", "2018-05-01"]);
    r.ok(&[
        "amend",
        "17",
        "900M",
        "EUR",
        "--due",
        "2019-06-30",
        "--reason",
        "budget cut",
        "--date",
        "2016-06-30",
    ]);
    r.ok(&[
        "cancel",
        "24",
        "--reason",
        "withdrawn after elections",
        "--date",
        "2017-01-15",
    ]);
    // A future-date typo is refused, with the same words the audit would use.
    let typo = r.refused(&["fulfil", "17", "1M", "EUR", "--date", "2104-11-20"]);
    assert!(typo.contains("after today"), "{typo}");
    // The goal's target revised; a planned pledge for a later date.
    r.ok(&[
        "revise",
        "GCF-IRM",
        "--target",
        "10.3bn",
        "USD",
        "--reason",
        "replenishment raised",
        "--date",
        "2015-06-01",
    ]);
    r.ok(&[
        "add",
        "100M",
        "USD",
        "--from",
        "Norway",
        "--to",
        "Green Climate Fund",
        "--goal",
        "GCF-IRM",
        "--date",
        "2027-01-01",
        "--planned",
    ]);
    r.ok(&[
        "note",
        "pledges converted at the conference's reference rates",
        "--on",
        "3",
        "--date",
        "2014-11-20",
    ]);
    r.ok(&["note", "round closed", "--date", "2018-12-31"]);

    // Every report.
    for args in [
        &["report"][..],
        &["report", "--format", "json"],
        &["report", "--format", "csv"],
        &["report", "--by", "pledger"],
        &["report", "--by", "status"],
        &["report", "--by", "commodity", "--format", "csv"],
        &["report", "--as-of", "2015-12-31"],
        // What we knew right after the duplicate was entered, about 2014.
        &["report", "--known-at", "25", "--as-of", "2014-12-31"],
        &["list"],
        &["list", "--status", "void"],
        &["list", "--from", "Swedn"],
        &["show", "3"],
        &["show", "15"],
        &["show", "15", "--known-at", "31"],
        &["show", "21"],
        &["show", "13"],
        &["show", "32"],
        &["show", "27"],
        &["show", "0"],
        &["show", "5"],
    ] {
        r.ok(args);
    }
    insta::assert_snapshot!("round", r.transcript);

    // The converted total is exact: by hand from the rates and the rounding rule.
    let report: serde_json::Value =
        serde_json::from_str(&r.ok(&["report", "--format", "json"])).unwrap();
    let goal = &report["goals"][0];
    // USD 3bn + 1.5bn + 0.1bn planned; EUR (750M + 900M) x 1.25; GBP 720M x 1.57;
    // SEK 4bn x 0.135; CAD: cancelled, committed what was delivered (nothing).
    let expected = 3_000_000_000u64
        + 1_500_000_000
        + 100_000_000
        + 2_062_500_000
        + 1_130_400_000
        + 540_000_000;
    assert_eq!(goal["committed"]["value"], format!("{expected}.00"));
    assert!(goal["unconverted"].as_array().unwrap().is_empty());
}

/// A goal renamed keeps its pledges and the reference rates it fixed; a goal merged into it
/// brings its own; the old names still find the goal, and `show` says where it went.
#[test]
fn a_goal_renamed_and_another_merged_keep_their_pledges_and_rates() {
    let mut r = Round::with_goal("pledge.example/merge");
    r.ok(&[
        "goal",
        "Top-up",
        "--target",
        "1M",
        "USD",
        "--date",
        "2014-11-20",
    ]);
    r.ok(&[
        "rate",
        "EUR",
        "USD",
        "1.25",
        "--goal",
        "IRM",
        "--date",
        "2014-11-20",
    ]);
    r.ok(&[
        "rate",
        "GBP",
        "USD",
        "1.5",
        "--goal",
        "Top-up",
        "--date",
        "2014-11-20",
    ]);
    let add = |r: &mut Round, amount: &str, code: &str, goal: &str| {
        r.ok(&[
            "add",
            amount,
            code,
            "--from",
            "Germany",
            "--to",
            "Fund",
            "--goal",
            goal,
            "--date",
            "2014-11-21",
        ])
    };
    add(&mut r, "1M", "EUR", "IRM");
    add(&mut r, "2M", "GBP", "Top-up");
    r.ok(&[
        "rename",
        "goal",
        "IRM",
        "GCF IRM",
        "--reason",
        "official name",
        "--date",
        "2015-01-01",
    ]);
    r.ok(&[
        "rename",
        "goal",
        "Top-up",
        "GCF IRM",
        "--reason",
        "one round",
        "--date",
        "2015-01-02",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&r.ok(&["report", "--format", "json"])).unwrap();
    let goals = json["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 1, "{json}");
    // 1M EUR at the renamed goal's 1.25, 2M GBP at the merged goal's 1.5.
    assert_eq!(goals[0]["name"], "GCF IRM");
    assert_eq!(goals[0]["committed"]["value"], "4250000.00");
    assert!(goals[0]["unconverted"].as_array().unwrap().is_empty());
    // The old names find the goal they became.
    let listed = r.ok(&["list", "--goal", "Top-up", "--format", "csv"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    add(&mut r, "1", "USD", "IRM");
    let shown = r.ok(&["show", "3"]);
    assert!(shown.contains("merged into  GCF IRM"), "{shown}");
    r.refused(&[
        "rename",
        "goal",
        "IRM",
        "Other",
        "--reason",
        "again",
        "--date",
        "2015-01-03",
    ]);
}

/// The register: what changed in a period, in record or date order, for one party, in every
/// format; late news appears where it was recorded, or where it happened.
#[test]
fn the_log_of_a_round() {
    let mut r = Round::with_goal("pledge.example/log");
    r.ok(&[
        "add",
        "3M",
        "USD",
        "--from",
        "United States",
        "--to",
        "Fund",
        "--goal",
        "IRM",
        "--date",
        "2014-11-20",
    ]);
    r.ok(&[
        "add",
        "1M",
        "EUR",
        "--from",
        "Germany",
        "--to",
        "Fund",
        "--date",
        "2014-11-21",
    ]);
    r.ok(&["fulfil", "5", "1M", "USD", "--date", "2016-03-01"]);
    r.ok(&[
        "fulfil",
        "5",
        "1M",
        "USD",
        "--date",
        "2015-06-01",
        "--memo",
        "late news",
    ]);
    r.ok(&[
        "void",
        "8",
        "--reason",
        "entered twice",
        "--date",
        "2016-03-02",
    ]);
    r.ok(&["note", "round closed", "--date", "2016-12-31"]);
    for args in [
        &["log"][..],
        &["log", "--order", "date"],
        &[
            "log",
            "--since",
            "2015-01-01",
            "--until",
            "2016-03-01",
            "--order",
            "date",
        ],
        &["log", "--party", "Germany"],
        &["log", "--from", "United States", "--format", "csv"],
        &["log", "--since", "2016-03-02", "--format", "json"],
        &["log", "--since", "2030-01-01"],
    ] {
        r.ok(args);
    }
    r.refused(&["log", "--since", "2015-02-30"]);
    r.refused(&["log", "--party", "Germny"]);
    insta::assert_snapshot!("log", r.transcript);
}
