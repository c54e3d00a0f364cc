//! Writes a generated ledger for benchmarks: `generate-ledger PLEDGES OUT [SEED]`, or with
//! `--distinct-parties`, `generate-ledger --distinct-parties N OUT`: N distinct party names
//! each pledging once (the hostile shape for name lookups); with `--corrections`, a ledger
//! with rates, returns, voids, reschedules, renames, revisions and late news on top.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let distinct = args.first().is_some_and(|a| a == "--distinct-parties");
    let corrections = args.first().is_some_and(|a| a == "--corrections");
    if distinct || corrections {
        args.remove(0);
    }
    let (Some(pledges), Some(out)) = (args.first().and_then(|n| n.parse().ok()), args.get(1))
    else {
        eprintln!(
            "usage: generate-ledger [--corrections] PLEDGES OUT [SEED], or generate-ledger --distinct-parties N OUT"
        );
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2025);
    let (bytes, summary) = if distinct {
        let Ok(parties) = u32::try_from(pledges) else {
            eprintln!("error: at most {} distinct parties", u32::MAX);
            return ExitCode::from(2);
        };
        pledge_tests::generate::distinct_parties(parties)
    } else if corrections {
        pledge_tests::generate::with_corrections(pledges, seed)
    } else {
        pledge_tests::generate::ledger(pledges, seed)
    };
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("error: {out}: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "{out}: {} bytes, {} records, {} pledges, {} events, {} corrections, {:.1} bytes per pledge",
        bytes.len(),
        summary.records,
        summary.pledges,
        summary.events,
        summary.corrections,
        bytes.len() as f64 / summary.pledges.max(1) as f64
    );
    ExitCode::SUCCESS
}
