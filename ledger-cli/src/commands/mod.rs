//! One module per command; this one dispatches and holds what they share: the ledger path,
//! today's date, and turning arguments into core values with errors that name the bad value.

mod ask;
mod audit;
mod chart;
mod correct;
mod export;
mod fleet;
mod head;
mod import;
mod keys;
mod list;
mod log;
mod proof;
mod publish;
mod record;
mod repair;
mod report;
mod show;
mod witness;

pub use audit::NO_OPEN;
pub use export::ExportFormat;

use std::path::{Path, PathBuf};

use ledger_core::Date;
use ledger_core::checkpoint::VerifierKey;
use ledger_core::entry::Seq;

use crate::cli::{Cli, Command};
use crate::error::{CliError, Result};

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    let context = Context::new(&cli)?;
    match cli.command {
        Command::Init { origin } => record::init(&context, origin.as_deref()),
        Command::Commodity { code, decimals } => record::commodity(&context, &code, decimals),
        Command::Goal {
            name,
            target,
            beneficiary,
            deadline,
            event,
        } => record::goal(
            &context,
            &name,
            &target.join(" "),
            beneficiary.as_deref(),
            deadline.as_deref(),
            &event,
        ),
        Command::Add(args) => record::add(&context, &args),
        Command::Fulfil { id, amount, event } => record::fulfil(&context, &id, &amount, &event),
        Command::Amend {
            id,
            amount,
            due,
            reason,
            date,
        } => record::amend(
            &context,
            &id,
            &amount,
            due.as_deref(),
            &reason,
            date.as_deref(),
        ),
        Command::Return { id, amount, event } => record::give_back(&context, &id, &amount, &event),
        Command::Void { id, reason, date } => {
            correct::void(&context, &id, &reason, date.as_deref())
        }
        Command::Rename {
            kind,
            old,
            new,
            reason,
            date,
        } => correct::rename(&context, kind, &old, &new, &reason, date.as_deref()),
        Command::Revise {
            goal,
            target,
            deadline,
            beneficiary,
            reason,
            date,
        } => correct::revise(
            &context,
            &goal,
            &target,
            deadline.as_deref(),
            beneficiary.as_deref(),
            &reason,
            date.as_deref(),
        ),
        Command::Rate {
            base,
            quote,
            rate,
            goal,
            date,
        } => correct::rate(
            &context,
            &base,
            &quote,
            &rate,
            goal.as_deref(),
            date.as_deref(),
        ),
        Command::Cancel { id, reason, date } => {
            record::cancel(&context, &id, &reason, date.as_deref())
        }
        Command::Note { text, on, date } => {
            record::note(&context, &text, on.as_deref(), date.as_deref())
        }
        Command::List(args) => list::run(&context, &args),
        Command::Export { format } => export::run(&context, format),
        Command::Log(args) => log::run(&context, &args),
        Command::Import(args) => import::run(&context, &args),
        Command::Chart {
            out,
            force,
            goal,
            view,
        } => chart::run(
            &context,
            &chart::ChartArgs {
                out: out.as_deref(),
                force,
                goal: goal.as_deref(),
                view: &view,
            },
        ),
        Command::Show { id, view, output } => show::run(&context, &id, &view, output.format),
        Command::Repair => repair::run(&context),
        Command::Prove { id, out, force } => proof::prove(&context, &id, out.as_deref(), force),
        Command::VerifyProof { receipt, trust } => proof::verify(&receipt, trust.as_deref()),
        Command::Audit(args) => audit::run(&context, &args),
        Command::Keygen {
            name,
            out,
            force,
            witness,
        } => keys::keygen(&context, &name, out.as_deref(), force, witness),
        Command::Publish { dir } => publish::run(&context, &dir),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::command(), "pledge", &mut out);
            crate::output::print_generated(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(crate::cli::command())
                .render(&mut out)
                .map_err(|e| CliError::failure(format!("writing the manual page: {e}")))?;
            crate::output::print_generated(&out)
        }
        Command::Cosign {
            note,
            key,
            trust,
            out,
            force,
        } => witness::cosign(
            &context,
            &note,
            &key,
            trust.as_deref(),
            out.as_deref(),
            force,
        ),
        Command::Checkpoint { sign } => keys::checkpoint(&context, sign.as_deref()),
        Command::Head { output } => head::run(&context, output.format),
        Command::Report {
            by,
            view,
            output,
            files,
        } if files.len() > 1 => fleet::report(&context, &files, by, &view, output.format),
        Command::Report {
            by,
            view,
            output,
            files,
        } => report::run(&context, files.first(), by, &view, output.format),
    }
}

/// What every command needs besides its own arguments.
#[derive(Debug)]
pub struct Context {
    file: Option<PathBuf>,
    /// Keys from `--trust-file` / `PLEDGE_TRUST`, whose checkpoint signatures every read checks.
    pub keys: Vec<VerifierKey>,
    /// Today, or what `--today` / `PLEDGE_TODAY` says today is.
    pub today: Date,
}

impl Context {
    fn new(cli: &Cli) -> Result<Context> {
        let today = match &cli.today {
            Some(text) => parse_date("--today", text)?,
            None => local_today()?,
        };
        let keys = match &cli.trust_file {
            Some(path) => keys::read_trust_file(path)?,
            None => Vec::new(),
        };
        Ok(Context {
            file: cli.file.clone(),
            keys,
            today,
        })
    }

    /// The ledger file, from `--file` or `PLEDGE_FILE`.
    pub fn path(&self) -> Result<&Path> {
        self.file.as_deref().ok_or_else(|| {
            CliError::input("no ledger file given; pass --file PATH or set PLEDGE_FILE")
        })
    }

    /// The view of the ledger that `--as-of` and `--known-at` ask for, and the record number.
    pub fn view(
        &self,
        as_of: Option<&str>,
        known_at: Option<&str>,
    ) -> Result<crate::ledger_file::View> {
        use crate::ledger_file::KnownAt;
        let as_of = as_of.map(|d| parse_date("--as-of", d)).transpose()?;
        let known_at = known_at
            .map(|n| match n {
                "checkpoint" => Ok(KnownAt::LastCheckpoint),
                n => parse_id(n).map(KnownAt::Record).map_err(|_| {
                    CliError::input(format!(
                        "--known-at '{n}': not a record number; expected e.g. 40 (a record's id, \
                         as `pledge show` and `pledge head` give them) or `checkpoint`"
                    ))
                }),
            })
            .transpose()?;
        Ok(crate::ledger_file::View { as_of, known_at })
    }

    /// The date given (`YYYY-MM-DD`, `today` or `yesterday`), or today.
    pub fn date_or_today(&self, option: &str, text: Option<&str>) -> Result<Date> {
        match text {
            None | Some("today") => Ok(self.today),
            Some("yesterday") => self.today.checked_add_days(-1).ok_or_else(|| {
                CliError::input(format!(
                    "{option} 'yesterday': before the first date there is"
                ))
            }),
            Some(text) => parse_date(option, text),
        }
    }
}

/// Today in the system's time zone (`TZ`, else the system's setting; UTC if it has none).
fn local_today() -> Result<Date> {
    let today = jiff::Zoned::now().date();
    let month = u32::try_from(today.month()).unwrap_or(0);
    let day = u32::try_from(today.day()).unwrap_or(0);
    Date::from_ymd(i32::from(today.year()), month, day)
        .map_err(|_| CliError::failure("the system clock is out of range; pass --today YYYY-MM-DD"))
}

/// Parses a date argument that may also be `none` (no date any more).
pub fn parse_date_or_none(option: &str, text: &str) -> Result<Option<Date>> {
    match text {
        "none" => Ok(None),
        text => parse_date(option, text).map(Some),
    }
}

/// Parses a date argument, naming the option and the value if it is bad.
pub fn parse_date(option: &str, text: &str) -> Result<Date> {
    Date::parse(text).map_err(|e| CliError::input(format!("{option} '{text}': {e}")))
}

/// Parses a pledge or goal id: `5` or `#5`.
pub fn parse_id(text: &str) -> Result<Seq> {
    text.strip_prefix('#').unwrap_or(text).parse().map_err(|_| {
        CliError::input(format!(
            "id '{text}' is not a record number; expected the id `pledge list` shows, e.g. 5"
        ))
    })
}

/// `work` on every item, on as many threads as there are cores (a fleet's ledgers audit side by
/// side), the results in the items' order. One item, or one core, runs on this thread.
pub(super) fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break mine;
                        };
                        mine.push((index, work(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker that panicked has a bug to report, not a result to hide.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, r)| r).collect()
}
