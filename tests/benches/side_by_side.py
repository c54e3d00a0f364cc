#!/usr/bin/env python3
"""pledge side by side with SQLite, ledger and hledger, on the same data (issue 12, item 5).

From a fresh clone:

    python3 tests/benches/side_by_side.py                      # 100k, 1M and 10M pledges
    python3 tests/benches/side_by_side.py --write docs/BENCHMARKS.md
    python3 tests/benches/side_by_side.py --smoke              # CI: a tiny ledger, 2 runs

For each size it generates the ledger (tests/src/generate.rs, seeded), exports it with
`pledge list --format csv` into an SQLite table (amounts as integer minor units, with the
indexes an analyst would add) and with `pledge export --format journal` into a journal for
ledger and hledger, checks that the four tools agree on the committed and fulfilled totals
per commodity, then times each task with hyperfine (medians) and measures each one's peak
RSS once. ledger's and hledger's totals are checked up to 1M pledges, and they are timed, once
per query, up to 100k only (at 1M ledger's --pivot runs for minutes per query). Installs hyperfine, sqlite3, ledger and hledger with apt-get when
they are missing and it runs as root.

Tests never assert timings; this script only reports them. It fails (exit 1) if the tools'
totals disagree, so that what it times is the same data.
"""

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
PLEDGE = TOP / "target/release/pledge"
GENERATE = TOP / "target/release/generate-ledger"
# After the generated history (2020 to 2030), so that no record is in the future.
TODAY = "2031-12-31"
BEGIN = "<!-- side-by-side: begin (tests/benches/side_by_side.py --write) -->"
END = "<!-- side-by-side: end -->"


def need(tools):
    """Installs what is missing, with apt-get, if it can."""
    packages = {"hyperfine": "hyperfine", "sqlite3": "sqlite3", "ledger": "ledger", "hledger": "hledger",
                "/usr/bin/time": "time"}
    missing = [packages[t] for t in tools if shutil.which(t) is None]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, stdout=subprocess.DEVNULL)
    still = [t for t in tools if shutil.which(t) is None]
    if still:
        sys.exit(f"side_by_side: missing {', '.join(still)}; install them (Debian: apt-get install {' '.join(still)})")


def run(args, **kw):
    env = dict(os.environ, PLEDGE_TODAY=TODAY, NO_COLOR="1")
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, **kw)


def peak_rss_mib(command):
    """Runs `command` (a shell line) once under GNU time; its peak resident set, in MiB.
    (Not from Python's own wait4: a child started from Python starts with Python's high-water
    mark.) bash execs the one command it is given, so the peak is the command's."""
    env = dict(os.environ, PLEDGE_TODAY=TODAY, NO_COLOR="1")
    with tempfile.NamedTemporaryFile("r") as out:
        done = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M", "bash", "-c", command],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if done.returncode != 0:
            sys.exit(f"side_by_side: failed: {command}")
        return int(out.read().split()[-1]) / 1024


def median_seconds(command, runs, prepare=None):
    """hyperfine's median of `command`, in seconds."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "--style", "none", "--warmup", "1" if runs > 1 else "0",
                "--runs", str(runs), "--export-json", out.name, "--shell=bash"]
        if prepare:
            args += ["--prepare", prepare]
        args.append(command)
        env = dict(os.environ, PLEDGE_TODAY=TODAY, NO_COLOR="1")
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
        return json.load(open(out.name))["results"][0]["median"]


def minor_units(value, commodity, decimals):
    return int(Decimal(value).scaleb(decimals[commodity]))


def build_sqlite(work, ledger):
    """The ledger's pledges as an SQLite table, amounts in minor units, indexed."""
    listing = run([str(PLEDGE), "--file", str(ledger), "list", "--format", "csv"]).stdout
    db = work / "pledges.sqlite"
    if db.exists():
        db.unlink()
    rows = csv.DictReader(io.StringIO(listing))
    decimals = {"USD": 2, "EUR": 2, "JPY": 0}
    converted = work / "pledges-minor.csv"
    with open(converted, "w", newline="") as out:
        writer = csv.writer(out)
        for row in rows:
            c = row["commodity"]
            writer.writerow([row["id"], row["date"], row["from"], row["to"],
                             minor_units(row["amount"], c, decimals),
                             minor_units(row["fulfilled"], c, decimals),
                             minor_units(row["outstanding"], c, decimals),
                             c, row["status"], row["overdue"], row["due"], row["goal"],
                             row["project"], row["sector"]])
    script = f"""
CREATE TABLE pledges(id INTEGER PRIMARY KEY, date TEXT, "from" TEXT, "to" TEXT,
  amount INTEGER, fulfilled INTEGER, outstanding INTEGER, commodity TEXT, status TEXT,
  overdue TEXT, due TEXT, goal TEXT, project TEXT, sector TEXT);
.mode csv
.import {converted} pledges
CREATE INDEX by_commodity ON pledges(commodity);
CREATE INDEX by_sector ON pledges(sector, commodity);
CREATE INDEX by_goal ON pledges(goal, commodity);
CREATE INDEX by_from ON pledges("from", commodity);
CREATE INDEX by_overdue ON pledges(overdue);
"""
    subprocess.run(["sqlite3", str(db)], input=script, check=True, text=True)
    converted.unlink()
    return db


def totals_pledge(ledger):
    out = run([str(PLEDGE), "--file", str(ledger), "report", "--by", "commodity", "--format", "csv"]).stdout
    return {r["commodity"]: (Decimal(r["committed"]), Decimal(r["fulfilled"]))
            for r in csv.DictReader(io.StringIO(out))}


def totals_sqlite(db):
    out = run(["sqlite3", "-csv", str(db),
               "SELECT commodity, SUM(fulfilled + outstanding), SUM(fulfilled) FROM pledges GROUP BY commodity"]).stdout
    decimals = {"USD": 2, "EUR": 2, "JPY": 0}
    return {c: (Decimal(a).scaleb(-decimals[c]), Decimal(f).scaleb(-decimals[c]))
            for c, a, f in csv.reader(io.StringIO(out))}


def journal_totals(lines):
    """`12.50 USD` amounts on their own, summed per commodity."""
    sums = {}
    for text in lines:
        for part in text.split(","):
            part = part.strip().strip('"')
            if not part or part == "0":
                continue
            value, commodity = part.rsplit(" ", 1)
            sums[commodity] = sums.get(commodity, Decimal(0)) + Decimal(value)
    return sums


def totals_hledger(journal):
    both = {}
    for kind in ("committed", "fulfilled"):
        out = run(["hledger", "-f", str(journal), "bal", f"^pledger:.*:{kind}$", "-O", "csv"]).stdout
        total = list(csv.reader(io.StringIO(out)))[-1][1]
        for commodity, value in journal_totals([total]).items():
            both.setdefault(commodity, [Decimal(0), Decimal(0)])[kind == "fulfilled"] = value
    return {c: tuple(v) for c, v in both.items()}


def totals_ledger(journal):
    both = {}
    for kind in ("committed", "fulfilled"):
        out = run(["ledger", "-f", str(journal), "bal", f"^pledger:.*:{kind}$", "--flat"]).stdout
        # The total: the amounts after the line of dashes.
        after = out.split("--------------------")[-1]
        for commodity, value in journal_totals(after.split("\n")).items():
            both.setdefault(commodity, [Decimal(0), Decimal(0)])[kind == "fulfilled"] = value
    return {c: tuple(v) for c, v in both.items()}


def measure(size, work, runs, journals, time_journals):
    ledger = work / f"generated-{size}.pledge"
    run([str(GENERATE), str(size), str(ledger)])
    db = build_sqlite(work, ledger)
    journal = work / f"generated-{size}.journal"
    if journals:
        with open(journal, "w") as out:
            subprocess.run([str(PLEDGE), "--file", str(ledger), "export", "--format", "journal"],
                           check=True, stdout=out, env=dict(os.environ, PLEDGE_TODAY=TODAY))

    expected = totals_pledge(ledger)
    agree = {"SQLite": totals_sqlite(db)}
    if journals:
        agree["hledger"] = totals_hledger(journal)
        agree["ledger"] = totals_ledger(journal)
    for tool, found in agree.items():
        if found != expected:
            sys.exit(f"side_by_side: {tool} disagrees at {size}: {found} vs pledge {expected}")

    middle = run(["sqlite3", str(db), f"SELECT id FROM pledges LIMIT 1 OFFSET {size // 2}"]).stdout.strip()
    p = f"{PLEDGE} --file {ledger}"
    s = f"sqlite3 {db}"
    copy = work / "append.pledge"
    copy_off = work / "append-off.pledge"
    db_copy = work / "append.sqlite"
    insert = ("INSERT INTO pledges(date, \\\"from\\\", \\\"to\\\", amount, fulfilled, outstanding, commodity, status, overdue) "
              "VALUES ('2025-06-01', 'Party 1', 'Party 2', 100, 0, 100, 'USD', 'open', 'false')")
    # The sidecar (docs/SIDECAR.md) serves add, show, head, report and list once an append or
    # a full read has written it: `ledger` got one when it was listed for SQLite above, `copy`
    # gets one untimed append first. `off` runs the same commands reading the whole ledger, as
    # the first command after a change from elsewhere does.
    off = f"PLEDGE_CACHE_DIR=off {PLEDGE} --file {ledger}"
    c = f"{PLEDGE} --file {copy}"
    add = "add 1 USD --from 'Party 1' --to 'Party 2' --date 2025-06-01"
    tasks = [
        ("report (goal progress), sidecar", f"{p} report",
         f"{s} \"SELECT goal, commodity, SUM(fulfilled + outstanding), SUM(fulfilled) FROM pledges GROUP BY goal, commodity\"",
         f"ledger -f {journal} bal '^pledger:.*:committed$' --pivot goal",
         f"hledger -f {journal} bal '^pledger:.*:committed$' --pivot goal"),
        ("report, no sidecar", f"{off} report",
         f"{s} \"SELECT goal, commodity, SUM(fulfilled + outstanding), SUM(fulfilled) FROM pledges GROUP BY goal, commodity\"",
         None, None),
        ("report --by sector, sidecar", f"{p} report --by sector",
         f"{s} \"SELECT sector, commodity, SUM(fulfilled + outstanding), SUM(fulfilled) FROM pledges GROUP BY sector, commodity\"",
         f"ledger -f {journal} bal '^pledger:.*:committed$' --pivot sector",
         f"hledger -f {journal} bal '^pledger:.*:committed$' --pivot sector"),
        ("report --by sector, no sidecar", f"{off} report --by sector",
         f"{s} \"SELECT sector, commodity, SUM(fulfilled + outstanding), SUM(fulfilled) FROM pledges GROUP BY sector, commodity\"",
         None, None),
        ("add (one durable append), sidecar", f"{c} {add}", f"sqlite3 {db_copy} \"{insert}\"", None, None),
        ("add, no sidecar", f"PLEDGE_CACHE_DIR=off {PLEDGE} --file {copy_off} {add}",
         f"sqlite3 {db_copy} \"{insert}\"", None, None),
        ("show ID, sidecar", f"{c} show {middle}", f"{s} \"SELECT * FROM pledges WHERE id = {middle}\"", None, None),
        ("show ID, no sidecar", f"{off} show {middle}", f"{s} \"SELECT * FROM pledges WHERE id = {middle}\"", None, None),
        ("audit (full check)", f"{p} audit", f"{s} \"PRAGMA integrity_check\"", None, None),
        ("head (size and root), sidecar", f"{c} head", f"sha256sum {ledger}", None, None),
        ("head, no sidecar", f"{off} head", f"sha256sum {ledger}", None, None),
        ("list --status overdue --format csv, sidecar", f"{p} list --status overdue --format csv",
         f"{s} -csv \"SELECT * FROM pledges WHERE overdue = 'true'\"", None, None),
        ("list --status overdue --format csv, no sidecar", f"{off} list --status overdue --format csv",
         f"{s} -csv \"SELECT * FROM pledges WHERE overdue = 'true'\"", None, None),
    ]
    shutil.copy(ledger, copy)
    shutil.copy(ledger, copy_off)
    shutil.copy(db, db_copy)
    run(["bash", "-c", f"{c} {add}"])
    rows = []
    for name, mine, sqlite, ledger_cmd, hledger_cmd in tasks:
        row = {"task": name,
               "pledge": median_seconds(mine, runs), "pledge_rss": peak_rss_mib(mine),
               "other": median_seconds(sqlite, runs), "other_rss": peak_rss_mib(sqlite)}
        if time_journals and ledger_cmd:
            row["ledger"] = median_seconds(ledger_cmd, 1)
            row["hledger"] = median_seconds(hledger_cmd, 1)
        rows.append(row)
        print(f"  {size:>10,} {name:<36} pledge {row['pledge']*1000:9.1f} ms {row['pledge_rss']:7.1f} MiB"
              f"   other {row['other']*1000:9.1f} ms {row['other_rss']:7.1f} MiB", file=sys.stderr)
    sizes = {"pledge": ledger.stat().st_size, "sqlite": db.stat().st_size}
    for f in (ledger, db, journal, copy, copy_off, db_copy):
        if f.exists():
            f.unlink()
    return rows, sizes


def table(results):
    def ms(seconds):
        return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"

    def ratio(pledge, other):
        # hyperfine takes the shell's start-up off each run: a command faster than that (a tiny
        # smoke ledger) can come out at 0, which has no ratio.
        return f"{pledge / other:.2f}" if other > 0 else "–"
    lines = ["| pledges | task | pledge | peak RSS | SQLite (or sha256sum) | peak RSS | pledge ÷ other | ledger | hledger |",
             "|--:|---|--:|--:|--:|--:|--:|--:|--:|"]
    for size, (rows, _) in results.items():
        for r in rows:
            lines.append(f"| {size:,} | {r['task']} | {ms(r['pledge'])} | {r['pledge_rss']:.0f} MiB | {ms(r['other'])} | "
                         f"{r['other_rss']:.0f} MiB | {ratio(r['pledge'], r['other'])} | "
                         f"{ms(r['ledger']) if 'ledger' in r else '–'} | {ms(r['hledger']) if 'hledger' in r else '–'} |")
    lines.append("")
    lines.append("| pledges | ledger file | bytes per pledge | SQLite with indexes | bytes per pledge |")
    lines.append("|--:|--:|--:|--:|--:|")
    for size, (_, sizes) in results.items():
        lines.append(f"| {size:,} | {sizes['pledge']:,} | {sizes['pledge'] / size:.1f} | {sizes['sqlite']:,} | {sizes['sqlite'] / size:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,10000000", help="pledges per ledger, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="hyperfine runs per task (medians)")
    parser.add_argument("--smoke", action="store_true", help="a 3,000-pledge ledger, 2 runs: that it all works")
    parser.add_argument("--write", metavar="MARKDOWN", help="replace the table between the side-by-side markers in this file")
    args = parser.parse_args()
    sizes = [3000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    runs = 2 if args.smoke else args.runs
    # The journal tools' totals are checked up to 1M pledges; they are timed up to 100k only:
    # at 1M ledger's --pivot alone runs for minutes per query, and hledger needs over 4 GB.
    journal_limit = 1_000_000
    time_limit = 100_000
    need(["hyperfine", "sqlite3", "/usr/bin/time"] + (["ledger", "hledger"] if min(sizes) <= journal_limit else []))
    subprocess.run(["cargo", "build", "--quiet", "--release", "--locked", "-p", "ledger-cli", "-p", "pledge-tests"],
                   check=True, cwd=TOP)
    results = {}
    with tempfile.TemporaryDirectory(prefix="pledge-side-by-side-") as tmp:
        # Sidecars in the work directory, gone with it, never in the user's cache.
        os.environ["PLEDGE_CACHE_DIR"] = str(Path(tmp) / "sidecars")
        for size in sizes:
            print(f"side_by_side: {size:,} pledges", file=sys.stderr)
            results[size] = measure(size, Path(tmp), runs, size <= journal_limit, size <= time_limit)
    text = table(results)
    print(text)
    if args.write:
        path = Path(args.write)
        doc = path.read_text()
        if BEGIN not in doc or END not in doc:
            sys.exit(f"side_by_side: {path} has no side-by-side markers")
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


if __name__ == "__main__":
    main()
