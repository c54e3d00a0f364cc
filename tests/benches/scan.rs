//! Reading a large generated ledger: decoding every record, its Merkle tree, folding the
//! records, and the goal report.
//!
//! `cargo bench -p pledge-tests --bench scan` (figures in docs/BENCHMARKS.md).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ledger_cli::tables::{Grow, State};
use ledger_core::report::{self, Key, Row, Totals};
use ledger_core::scan::{Item, Scanner};
use pledge_tests::generate::ledger;

const PLEDGES: u64 = 1_000_000;

fn fold(bytes: &[u8]) -> State {
    let mut state = State::new(None);
    for item in Scanner::new(bytes).expect("preamble") {
        if let Item::Record { record, .. } = item {
            state.apply(&record).expect("valid");
        }
    }
    state
}

fn benches(c: &mut Criterion) {
    let (bytes, summary) = ledger(PLEDGES, 2025);
    let mut group = c.benchmark_group("ledger of 1M pledges");
    group.sample_size(10);
    group.throughput(Throughput::Elements(summary.records));
    group.bench_function("scan: decode every record", |b| {
        b.iter(|| {
            let records = Scanner::new(black_box(&bytes))
                .expect("preamble")
                .filter(|item| matches!(item, Item::Record { .. }))
                .count();
            assert_eq!(records as u64, summary.records);
        })
    });
    group.bench_function("tree: hash every frame into the Merkle root", |b| {
        b.iter(|| {
            let scanner = Scanner::new(black_box(&bytes)).expect("preamble");
            let range = ledger_core::tree::range_of_records(scanner).expect("tree");
            assert_eq!(range.size(), summary.records);
            range.root()
        })
    });
    group.bench_function("fold: scan and check every record", |b| {
        b.iter(|| fold(black_box(&bytes)))
    });
    let state = fold(&bytes);
    group.bench_function("report: goal totals and the outside-goal breakdown", |b| {
        b.iter(|| {
            let mut totals: Grow<Totals> = Grow::default();
            report::goal_totals(&state, &mut totals).expect("totals");
            let mut rows: Grow<Row> = Grow::default();
            report::breakdown(&state, Key::Goal, &mut rows).expect("rows");
            black_box((totals, rows))
        })
    });
    group.finish();
}

criterion_group!(scan, benches);
criterion_main!(scan);
