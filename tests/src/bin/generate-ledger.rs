//! Writes a generated ledger for benchmarks: `generate-ledger PLEDGES OUT [SEED]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(pledges), Some(out)) = (args.first().and_then(|n| n.parse().ok()), args.get(1))
    else {
        eprintln!("usage: generate-ledger PLEDGES OUT [SEED]");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2025);
    let (bytes, summary) = pledge_tests::generate::ledger(pledges, seed);
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("error: {out}: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "{out}: {} bytes, {} records, {} pledges, {} events, {:.1} bytes per pledge",
        bytes.len(),
        summary.records,
        summary.pledges,
        summary.events,
        bytes.len() as f64 / summary.pledges.max(1) as f64
    );
    ExitCode::SUCCESS
}
