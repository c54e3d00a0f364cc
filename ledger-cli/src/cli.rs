//! Command-line arguments: every command, option and its help text.

use std::io::Write;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ledger_core::report::Key;

/// Record commitments and their fulfilment; report progress toward goals.
#[derive(Debug, Parser)]
#[command(name = "pledge", version, about, max_term_width = 100)]
pub struct Cli {
    /// The ledger file.
    #[arg(
        long,
        short = 'f',
        global = true,
        env = "PLEDGE_FILE",
        value_name = "PATH"
    )]
    pub file: Option<PathBuf>,

    /// The date to treat as today (YYYY-MM-DD): the default for --date, what overdue means,
    /// and the latest date a record may have (a pledge marked --planned aside). Defaults to
    /// today in the system's time zone (set TZ to choose another).
    #[arg(
        long,
        global = true,
        env = "PLEDGE_TODAY",
        value_name = "DATE",
        hide_env_values = true
    )]
    pub today: Option<String>,

    /// A file of verifier keys, one per line (`#` starts a comment): every command that reads
    /// the ledger checks its checkpoints' signatures by these keys too, not only their roots.
    #[arg(long, global = true, env = "PLEDGE_TRUST", value_name = "FILE")]
    pub trust_file: Option<PathBuf>,

    /// Colour: on a terminal unless NO_COLOR is set (auto), always, or never.
    #[arg(long, global = true, value_enum, default_value_t = crate::output::ColorChoice::Auto, value_name = "WHEN")]
    pub color: crate::output::ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty ledger file.
    #[command(
        after_help = "Example:\n  pledge --file round.pledge init --origin example.org/gcf-round"
    )]
    Init {
        /// The ledger's name, unique to its keeper (the origin of its checkpoints).
        /// Defaults to the file's name without its extension.
        #[arg(long, value_name = "NAME")]
        origin: Option<String>,
    },
    /// Declare a commodity that is not a well-known currency, e.g. an in-kind unit.
    #[command(after_help = "Example:\n  pledge commodity trees --decimals 0")]
    Commodity {
        /// Its code: 1 to 16 letters, digits, `-` or `_`, starting with a letter.
        code: String,
        /// How many decimal places its amounts have (0 for countable things).
        #[arg(long, value_name = "N")]
        decimals: u8,
    },
    /// Set a goal: a target amount for a beneficiary or programme.
    #[command(
        after_help = "Example:\n  pledge goal \"Japanese investment in the US\" --target \"550bn USD\" --beneficiary \"United States\" --date 2025-10-28"
    )]
    Goal {
        /// The goal's name, unique in the ledger.
        name: String,
        /// The target, e.g. `550bn USD` (quoted or not).
        #[arg(long, required = true, num_args = 1..=2, value_name = "AMOUNT")]
        target: Vec<String>,
        /// Who benefits.
        #[arg(long, value_name = "PARTY")]
        beneficiary: Option<String>,
        /// When the target should be reached.
        #[arg(long, value_name = "DATE")]
        deadline: Option<String>,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Record a pledge.
    #[command(
        after_help = "Example:\n  pledge add 100bn USD --from Japan --to \"United States\" --goal \"Japanese investment in the US\" --date 2025-10-28"
    )]
    Add(AddArgs),
    /// Record a fulfilment (a disbursement or delivery) against a pledge.
    #[command(after_help = "Example:\n  pledge fulfil 8 20bn USD --date 2026-02-01")]
    Fulfil {
        /// The pledge's id.
        id: String,
        /// How much was delivered, e.g. `20bn USD`; all that is outstanding if omitted.
        #[arg(num_args = 0..=2, value_name = "AMOUNT", allow_negative_numbers = true)]
        amount: Vec<String>,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Revise a pledge's amount, or move its due date (--due), or both.
    #[command(
        after_help = "Examples:\n  pledge amend 8 120bn USD --reason \"second reactor\" --date 2026-03-01\n  pledge amend 8 --due 2027-06-30 --reason \"works delayed\" --date 2026-03-01"
    )]
    Amend {
        /// The pledge's id.
        id: String,
        /// The new amount, e.g. `120bn USD`.
        #[arg(num_args = 0..=2, value_name = "AMOUNT", allow_negative_numbers = true)]
        amount: Vec<String>,
        /// The new due date (YYYY-MM-DD), or `none` for no due date.
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
        /// Why it was revised.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// When the revision was announced (YYYY-MM-DD, today, yesterday); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Record funds given back: part or all of a pledge's fulfilments reversed.
    #[command(
        name = "return",
        after_help = "Example:\n  pledge return 8 5bn USD --date 2026-09-01 --memo \"unspent balance\""
    )]
    Return {
        /// The pledge's id.
        id: String,
        /// How much came back, e.g. `5bn USD`; all that was fulfilled if omitted.
        #[arg(num_args = 0..=2, value_name = "AMOUNT", allow_negative_numbers = true)]
        amount: Vec<String>,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Void a record entered by mistake (a pledge, fulfilment, return, amendment, cancellation,
    /// reschedule, note or rate): it stays in the ledger but counts nowhere.
    #[command(
        after_help = "Example:\n  pledge void 14 --reason \"entered twice\"\n\nA later record that depends on the one voided (a fulfilment that an amendment made room\nfor) must be voided first; the error names it."
    )]
    Void {
        /// The record's id.
        id: String,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// When the mistake was corrected (YYYY-MM-DD, today, yesterday); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Rename a party, project, sector, tag or goal, or merge it into another of its kind:
    /// reports show the new name; `show` keeps the one each record was written with.
    #[command(
        after_help = "Examples:\n  pledge rename party Germny Germany --reason \"typo\"\n  pledge rename goal \"GCF IRM\" GCF-IRM --reason \"one goal\""
    )]
    Rename {
        /// What kind of name.
        #[arg(value_enum)]
        kind: RenameKindArg,
        /// The name to replace.
        old: String,
        /// The new name; if it exists already, the two are merged.
        new: String,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// When (YYYY-MM-DD, today, yesterday); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Revise a goal's target, deadline or beneficiary.
    #[command(
        after_help = "Example:\n  pledge revise GCF-IRM --target 10.3bn USD --reason \"replenishment raised\" --date 2015-06-01"
    )]
    Revise {
        /// The goal's name.
        goal: String,
        /// The new target, e.g. `10.3bn USD` (in the goal's commodity).
        #[arg(long, num_args = 1..=2, value_name = "AMOUNT")]
        target: Vec<String>,
        /// The new deadline (YYYY-MM-DD), or `none`.
        #[arg(long, value_name = "DATE")]
        deadline: Option<String>,
        /// The new beneficiary, or `none`.
        #[arg(long, value_name = "PARTY")]
        beneficiary: Option<String>,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// When (YYYY-MM-DD, today, yesterday); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Record an exchange rate: one BASE is worth RATE of QUOTE, from --date on; with --goal,
    /// the goal's own reference rate (as a pledging conference fixes them).
    #[command(
        after_help = "Examples:\n  pledge rate EUR USD 1.0825 --date 2014-11-20\n  pledge rate EUR USD 1.2654 --goal GCF-IRM --date 2014-11-20"
    )]
    Rate {
        /// The commodity priced, e.g. EUR.
        base: String,
        /// The commodity it is priced in, e.g. USD.
        quote: String,
        /// How many QUOTE one BASE is worth: an exact decimal, e.g. 1.0825.
        rate: String,
        /// Fix it as this goal's reference rate.
        #[arg(long, value_name = "GOAL")]
        goal: Option<String>,
        /// From when it holds (YYYY-MM-DD, today, yesterday); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Cancel what remains of a pledge.
    #[command(after_help = "Example:\n  pledge cancel 21 --reason \"postponed\" --date 2026-07-04")]
    Cancel {
        /// The pledge's id.
        id: String,
        /// Why it was cancelled.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// When it was cancelled (YYYY-MM-DD); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Add a note to the ledger, or to one pledge or goal.
    #[command(after_help = "Example:\n  pledge note \"talks resumed\" --on 8 --date 2026-05-01")]
    Note {
        /// The note.
        text: String,
        /// The pledge or goal it is about, by id.
        #[arg(long, value_name = "ID")]
        on: Option<String>,
        /// When (YYYY-MM-DD); defaults to today.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// List pledges.
    #[command(after_help = "Example:\n  pledge list --status overdue --format csv")]
    List(ListArgs),
    /// Import pledges and their events from CSV or JSON (the columns `export` writes, or yours
    /// with --map): every row checked first, then all written at once, or nothing.
    #[command(
        after_help = "Examples:\n  pledge import pledges.csv --map from=Donor --map amount=\"Pledge (USD)\" --map ref=Key\n  pledge import other.json      # another ledger's `pledge export --format json`"
    )]
    Import(ImportArgs),
    /// The register: every event (pledges, fulfilments, returns, amendments, cancellations,
    /// voids, notes, rates, renames, revisions) with what it changed, in record or date order.
    #[command(
        after_help = "Examples:\n  pledge log --since 2026-11-01            # what changed this month\n  pledge log --party Japan --order date --format csv"
    )]
    Log(LogArgs),
    /// Export every event, in record order, with what it changed: an hledger/ledger journal,
    /// CSV or JSON, written as it goes.
    #[command(
        after_help = "Examples:\n  pledge export --format journal > pledges.journal && hledger -f pledges.journal bal '^pledger:'\n  pledge export --format csv > events.csv"
    )]
    Export {
        /// What to write.
        #[arg(long, value_enum, default_value_t = crate::commands::ExportFormat::Journal)]
        format: crate::commands::ExportFormat,
    },
    /// Draw the ledger as an SVG picture: each goal's progress per commodity (converted at
    /// recorded rates, as `report` converts), and committed vs fulfilled over time per commodity.
    #[command(after_help = "Example:\n  pledge chart --out progress.svg && xdg-open progress.svg")]
    Chart {
        /// Write the SVG to this file instead of standard output (never over the ledger).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Replace FILE if it exists already.
        #[arg(long, requires = "out")]
        force: bool,
        /// Only this goal (and its pledges over time).
        #[arg(long, value_name = "GOAL")]
        goal: Option<String>,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Show any record: a pledge or goal with its history and notes, or any other record
    /// with what it is about (0 is the ledger itself, with its notes).
    #[command(after_help = "Example:\n  pledge show 8 --known-at 40")]
    Show {
        /// The record's id.
        id: String,
        #[command(flatten)]
        view: ViewArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Cut off an incomplete last record left by an interrupted append (the original is kept
    /// as PATH.torn-OFFSET.bak). Never removes a complete record.
    #[command(after_help = "Example:\n  pledge repair")]
    Repair,
    /// Create a checkpoint signing key: NAME.key (private, mode 0600) and NAME.pub; prints the
    /// verifier key (name+keyid+base64) that auditors pass to --trust.
    #[command(after_help = "Example:\n  pledge keygen example.org/treasury")]
    Keygen {
        /// The key's name, e.g. `pledge.example/treasury` (no spaces or `+`).
        name: String,
        /// Write PREFIX.key and PREFIX.pub instead of NAME.key and NAME.pub.
        #[arg(long, value_name = "PREFIX")]
        out: Option<String>,
        /// Replace key files that exist already.
        #[arg(long)]
        force: bool,
        /// Make a witness (cosigner) key for `pledge cosign`, instead of a log signing key.
        #[arg(long)]
        witness: bool,
    },
    /// Publish the ledger, up to its latest checkpoint, as a C2SP tlog-tiles static log in DIR
    /// (checkpoint, tile/…, tile/entries/…) for any static web server to serve. Run it again
    /// after each new checkpoint: existing tiles must match, new ones are added.
    #[command(after_help = "Example:\n  pledge publish site/")]
    Publish {
        /// The directory to publish into (created if needed).
        dir: std::path::PathBuf,
    },
    /// Print a completion script for a shell: `pledge completions bash > /etc/bash_completion.d/pledge`
    /// (or zsh, fish, powershell, elvish).
    #[command(
        after_help = "Example:\n  pledge completions bash > ~/.local/share/bash-completion/completions/pledge"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `pledge man > pledge.1 && man ./pledge.1`.
    #[command(after_help = "Example:\n  pledge man > pledge.1")]
    Man,
    /// Act as a witness: check a checkpoint note against the ledger (every record, rule and
    /// earlier checkpoint) and, if it is this ledger's tree at its size, add a C2SP
    /// tlog-cosignature and print the note.
    #[command(
        after_help = "Example:\n  pledge cosign checkpoint.note --key witness.key --trust treasury.pub > witnessed.note"
    )]
    Cosign {
        /// The checkpoint note to cosign (a file, as `pledge checkpoint` printed it).
        note: std::path::PathBuf,
        /// The witness's private key (from `pledge keygen --witness`).
        #[arg(long, value_name = "KEYFILE")]
        key: std::path::PathBuf,
        /// Require the note to be signed by the log's verifier key first.
        #[arg(long, value_name = "KEY")]
        trust: Option<String>,
        /// Write the cosigned note to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Replace FILE if it exists already.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Append a checkpoint (the Merkle root of every record so far) and print it as a C2SP note.
    #[command(
        after_help = "Example:\n  pledge checkpoint --sign example.org_treasury.key > checkpoint.note"
    )]
    Checkpoint {
        /// Sign it with this private key file (from `pledge keygen`).
        #[arg(long, value_name = "KEYFILE")]
        sign: Option<std::path::PathBuf>,
    },
    /// Verify ledgers (or raw flash dumps): framing, checksums, canonical encoding, sequence,
    /// the ledger's rules, Merkle roots and checkpoint signatures; reproduce the totals.
    /// Never modifies a file. Exit 0 clean, 1 findings, 2 unreadable.
    #[command(
        after_help = "Example:\n  pledge audit ledger.pledge --trust treasury.pub --since checkpoint.note"
    )]
    Audit(AuditArgs),
    /// Write a receipt proving that one record is in the ledger: an RFC 6962 inclusion proof
    /// against the latest checkpoint that covers it, with the checkpoint note (JSON).
    #[command(after_help = "Example:\n  pledge prove 8 --out receipt.json")]
    Prove {
        /// The record's id (a pledge, goal or any other record).
        id: String,
        /// Write the receipt to this file instead of standard output (never over the ledger).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Replace FILE if it exists already.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Check a receipt from `pledge prove` without the ledger.
    #[command(after_help = "Example:\n  pledge verify-proof receipt.json --trust treasury.pub")]
    VerifyProof {
        /// The receipt file.
        receipt: std::path::PathBuf,
        /// Require the checkpoint to be signed by this verifier key (or .pub file).
        #[arg(long, value_name = "KEY")]
        trust: Option<String>,
    },
    /// The ledger's size (records) and Merkle root (RFC 6962), to publish or compare.
    #[command(after_help = "Example:\n  pledge head --format json")]
    Head {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Progress toward each goal, or totals broken down by a key; of one ledger, or of many
    /// together (a fleet), read side by side.
    #[command(
        after_help = "Examples:\n  pledge report --by sector --as-of 2026-06-30\n  pledge report devices/*.pledge --by pledger"
    )]
    Report {
        /// Ledgers to report on together (names and commodities matched by their text); the
        /// --file ledger if none.
        files: Vec<std::path::PathBuf>,
        /// Break totals down by this instead of by goal.
        #[arg(long, value_name = "KEY", value_parser = by_key())]
        by: Option<Key>,
        #[command(flatten)]
        view: ViewArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Ledger files or flash dumps to audit; the --file ledger if none.
    pub files: Vec<std::path::PathBuf>,
    /// Require checkpoints signed by this verifier key (name+keyid+base64, or a .pub file).
    #[arg(long, value_name = "KEY")]
    pub trust: Option<String>,
    /// The ledger must extend this earlier published checkpoint note (a file).
    #[arg(long, value_name = "NOTE", group = "published")]
    pub since: Option<std::path::PathBuf>,
    /// The ledger must contain the tree of this checkpoint note (a file).
    #[arg(long, value_name = "NOTE", group = "published")]
    pub expect_checkpoint: Option<std::path::PathBuf>,
    /// The ledger's current root must be this (64 hex digits, as `pledge head` prints).
    #[arg(long, value_name = "HEX")]
    pub expect_root: Option<String>,
    /// A witness's public key (name+keyid+base64, or a .pub file from `keygen --witness`):
    /// the notes given to --since and --expect-checkpoint must carry its cosignature.
    /// Repeat it for several witnesses.
    #[arg(long = "witness", value_name = "KEY", requires = "published")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned each note (default: all of them).
    #[arg(long, value_name = "N", requires = "witnesses")]
    pub quorum: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct EventArgs {
    /// When it happened (YYYY-MM-DD); defaults to today.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Free text.
    #[arg(long, value_name = "TEXT")]
    pub memo: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// What is pledged, e.g. `100bn USD` or `250 trees`. On a terminal, what is left out of
    /// AMOUNT, --from and --to is asked for, with the ledger's names completed (Tab).
    #[arg(num_args = 0..=2, value_name = "AMOUNT", allow_negative_numbers = true)]
    pub amount: Vec<String>,
    /// The pledger.
    #[arg(long, value_name = "PARTY")]
    pub from: Option<String>,
    /// The beneficiary.
    #[arg(long, value_name = "PARTY")]
    pub to: Option<String>,
    /// The goal it counts toward (its name).
    #[arg(long, value_name = "GOAL")]
    pub goal: Option<String>,
    /// The project it funds.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Its sector.
    #[arg(long, value_name = "NAME")]
    pub sector: Option<String>,
    /// A tag; repeat for more (at most 8).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// When it is due (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// The pledge is dated ahead on purpose (announced for a future date); any other record
    /// dated after today is refused as a typo.
    #[arg(long)]
    pub planned: bool,
    #[command(flatten)]
    pub event: EventArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: CSV with a header row, or JSON (an array of rows, or an export).
    #[arg(value_name = "FILE")]
    pub input: PathBuf,
    /// Read column COLUMN as field FIELD (id, kind, date, pledge, from, to, goal, project,
    /// sector, amount, commodity, due, text, ref); repeat for more.
    #[arg(long, value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// Where the rows come from: a row's reference is then SOURCE#id (an export's JSON says it
    /// itself), so that importing it again records nothing twice.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only events dated on or after this day (YYYY-MM-DD, today, yesterday).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only events dated on or before this day.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Record order (when each was recorded) or date order (when each happened).
    #[arg(long, value_enum, default_value_t = LogOrder::Record)]
    pub order: LogOrder,
    #[command(flatten)]
    pub filter: PledgeFilter,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The orders `log` lists events in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogOrder {
    /// As recorded.
    Record,
    /// By the date each happened, then as recorded.
    Date,
}

/// The kinds of name `rename` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenameKindArg {
    /// A pledger or beneficiary.
    Party,
    /// A project.
    Project,
    /// A sector.
    Sector,
    /// A tag.
    Tag,
    /// A goal.
    Goal,
}

/// Which state of the ledger a query looks at.
#[derive(Debug, Args, Default)]
pub struct ViewArgs {
    /// Count only what had happened by this date (YYYY-MM-DD): the event dates.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The ledger as it stood after record N was written, or as its latest checkpoint covers
    /// it (`checkpoint`): what was known then. Combines with --as-of.
    #[arg(long, value_name = "N")]
    pub known_at: Option<String>,
}

/// Which pledges a query keeps, by their names (as they are now, after renames).
#[derive(Debug, Args, Default)]
pub struct PledgeFilter {
    /// Only pledges by this party.
    #[arg(long, value_name = "PARTY")]
    pub from: Option<String>,
    /// Only pledges to this party.
    #[arg(long, value_name = "PARTY")]
    pub to: Option<String>,
    /// Only pledges by or to this party.
    #[arg(long, value_name = "PARTY")]
    pub party: Option<String>,
    /// Only pledges toward this goal.
    #[arg(long, value_name = "GOAL")]
    pub goal: Option<String>,
    /// Only pledges for this project.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Only pledges in this sector.
    #[arg(long, value_name = "NAME")]
    pub sector: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: PledgeFilter,
    /// Only pledges with this status.
    #[arg(long, value_enum)]
    pub status: Option<StatusFilter>,
    /// Figures as of this date (YYYY-MM-DD); overdue is judged on it too.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The ledger as it stood after record N was written, or as its latest checkpoint covers
    /// it (`checkpoint`). Combines with --as-of.
    #[arg(long, value_name = "N")]
    pub known_at: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts (see docs/JSON.md).
    Json,
    /// CSV with a header row.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    /// Nothing delivered yet.
    Open,
    /// Partly delivered.
    Partial,
    /// All delivered.
    Fulfilled,
    /// Cancelled.
    Cancelled,
    /// Voided (entered by mistake).
    Void,
    /// Past due and not fully delivered.
    Overdue,
}

/// `--by` takes the names of the core's report keys.
fn by_key() -> impl TypedValueParser<Value = Key> {
    PossibleValuesParser::new(Key::ALL.map(Key::name))
        // PossibleValuesParser has already refused any other name.
        .map(|name| Key::from_name(&name).unwrap_or(Key::Commodity))
}

/// Parses the command line; on bad usage, clap prints the problem and exits with code 2.
///
/// Help and version go to stdout as clap prints them. Any other error is said in one line, as
/// every other error of pledge is, with exit code 2.
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            let line = one_line(&error.render().to_string());
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                crate::escape::escape(&line).replacen(
                    "error:",
                    &crate::output::paint("error:", crate::output::ERROR, true),
                    1
                )
            );
            std::process::exit(i32::from(crate::error::BAD_INPUT));
        }
    }
}

/// clap's several lines made one: the message and its details, without the usage line and the
/// pointer to `--help` (which is said once, at the end).
fn one_line(rendered: &str) -> String {
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect();
    let mut line = parts.join(" ");
    line.push_str("; see `pledge help`");
    line
}

/// The clap command, for generating completions and the manual page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
