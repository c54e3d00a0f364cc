//! The commands that append: init, commodity, goal, add, fulfil, amend, cancel, note.
//! Each builds its records through the core (which checks them), then writes them all in one
//! synced append; nothing is written unless every record is accepted.

use std::convert::Infallible;

use ledger_core::amount::{Commodity, parse_code};
use ledger_core::compose::{self, ComposeError};
use ledger_core::entry::{
    self, Amend, Cancel, Entry, Fulfil, Goal, GoalId, Note, PartyId, Pledge, ProjectId, Reschedule,
    Return, SectorId, TagId,
};
use ledger_core::error::{InputError, LedgerError};
use ledger_core::state::{AppendError, NameKind, Status};
use ledger_core::{Amount, Seq};

use super::{Context, parse_id};
use crate::cli::{AddArgs, EventArgs};
use crate::error::{CliError, Result};
use crate::ledger_file::{self, LedgerFile};
use crate::output::{Money, print};
use crate::suggest;
use crate::tables::State;

/// Frames built for one command, written together at the end.
pub(super) type Frames = Vec<u8>;

pub(super) fn sink(frames: &mut Frames) -> impl FnMut(&[u8]) -> Result<(), Infallible> + '_ {
    |frame| {
        frames.extend_from_slice(frame);
        Ok(())
    }
}

pub fn init(context: &Context, origin: Option<&str>) -> Result<()> {
    let path = context.path()?;
    let default_origin = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let origin = origin
        .map(str::to_string)
        .or(default_origin)
        .ok_or_else(|| {
            CliError::input("cannot derive an origin from the file name; pass --origin NAME")
        })?;
    ledger_file::create(path, &origin)?;
    print(&format!("created {} (origin {origin})\n", path.display()))
}

pub fn commodity(context: &Context, code: &str, decimals: u8) -> Result<()> {
    let code_checked = parse_code(code).map_err(|e| value_error("commodity", code, e))?;
    if let Some(known) = ledger_core::amount::known_currency_code(code)
        && known != code
    {
        return Err(CliError::input(format!(
            "commodity '{code}' is the currency {known}: amounts in {code} already mean {known}"
        )));
    }
    if decimals > ledger_core::amount::MAX_DECIMALS {
        return Err(value_error(
            "--decimals",
            &decimals.to_string(),
            InputError::DecimalsOutOfRange,
        ));
    }
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[])?;
    let mut frames = Frames::new();
    let entry = Entry::Commodity(Commodity {
        code: code_checked,
        decimals,
    });
    ledger
        .state
        .append(entry, &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(e @ LedgerError::DuplicateName) => {
                CliError::input(format!("commodity '{code}': {e}"))
            }
            other => append_error(other),
        })?;
    finish(
        &mut ledger,
        &frames,
        &format!("declared commodity {code} with {decimals} decimal places"),
    )
}

pub fn goal(
    context: &Context,
    name: &str,
    target: &str,
    beneficiary: Option<&str>,
    deadline: Option<&str>,
    event: &EventArgs,
) -> Result<()> {
    let name_checked = entry::name(name).map_err(|e| value_error("goal name", name, e))?;
    let date = context.date_or_today("--date", event.date.as_deref())?;
    let deadline = deadline
        .map(|d| super::parse_date("--deadline", d))
        .transpose()?;
    let memo = memo(event.memo.as_deref())?;
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[])?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let target = amount(state, "--target", target, &mut frames)?;
    let beneficiary = beneficiary
        .map(|b| party(state, "--beneficiary", b, &mut frames).map(PartyId))
        .transpose()?;
    let goal = Goal {
        date,
        name: name_checked,
        beneficiary,
        target,
        deadline,
        memo,
    };
    let seq = state
        .append(Entry::Goal(goal), &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(e @ LedgerError::DuplicateGoal) => CliError::input(format!(
                "goal '{name}': {e}; change its target, deadline or beneficiary with \
                 `pledge revise '{name}' --target AMOUNT --reason TEXT`"
            )),
            AppendError::Ledger(e @ LedgerError::AmountNotPositive) => CliError::input(format!(
                "--target '{target_text}': {e}",
                target_text = target_text(state, target)
            )),
            other => append_error(other),
        })?;
    let money = Money::new(state, target.units, target.commodity).human();
    finish(
        &mut ledger,
        &frames,
        &format!("recorded goal #{seq}: {name}, target {money}"),
    )
}

pub fn add(context: &Context, args: &AddArgs) -> Result<()> {
    let date = context.date_or_today("--date", args.event.date.as_deref())?;
    let due = args
        .due
        .as_deref()
        .map(|d| super::parse_date("--due", d))
        .transpose()?;
    let memo = memo(args.event.memo.as_deref())?;
    if args.tags.len() > entry::MAX_TAGS {
        return Err(CliError::input(format!(
            "{} tags given; at most {} per pledge",
            args.tags.len(),
            entry::MAX_TAGS
        )));
    }
    let asked = super::ask::missing(context, args)?;
    let (amount_text, from_text, to_text) = (&asked.amount, &asked.from, &asked.to);
    let amount_text = amount_text.clone();
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[])?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let amount = amount(state, "amount", &amount_text, &mut frames)?;
    let goal = args
        .goal
        .as_deref()
        .map(|g| find_goal(state, g))
        .transpose()?;
    let from = PartyId(party(state, "--from", from_text, &mut frames)?);
    let to = PartyId(party(state, "--to", to_text, &mut frames)?);
    let project = args
        .project
        .as_deref()
        .map(|p| declare(state, NameKind::Project, "--project", p, &mut frames).map(ProjectId))
        .transpose()?;
    let sector = args
        .sector
        .as_deref()
        .map(|s| declare(state, NameKind::Sector, "--sector", s, &mut frames).map(SectorId))
        .transpose()?;
    let mut tags = entry::Tags::new();
    for tag in &args.tags {
        let id = TagId(declare(state, NameKind::Tag, "--tag", tag, &mut frames)?);
        if !tags.contains(&id) {
            // Capacity was checked above; a repeated tag is kept once.
            let _ = tags.push(id);
        }
    }
    let pledge = Pledge {
        date,
        from,
        to,
        amount,
        goal,
        project,
        sector,
        tags,
        due,
        memo,
        planned: args.planned,
    };
    let seq = state
        .append(Entry::Pledge(pledge), &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(e @ LedgerError::AmountNotPositive) => {
                CliError::input(format!("amount '{amount_text}': {e}"))
            }
            AppendError::Ledger(e @ LedgerError::FutureDate { .. }) => CliError::input(format!(
                "--date '{date}': {e}; pass --planned if the pledge is announced for that date"
            )),
            AppendError::Ledger(e @ LedgerError::DueBeforeDate) => CliError::input(format!(
                "--due '{}': {e}, {date}{}",
                args.due.as_deref().unwrap_or_default(),
                if args.event.date.is_none() {
                    " (today, as no --date was given; pass --date YYYY-MM-DD for the day it was made)"
                } else {
                    ""
                }
            )),
            other => append_error(other),
        })?;
    let money = Money::new(state, amount.units, amount.commodity).human();
    finish(
        &mut ledger,
        &frames,
        &format!("recorded pledge #{seq}: {money} from {from_text} to {to_text}"),
    )
}

pub fn fulfil(
    context: &Context,
    id: &str,
    amount_words: &[String],
    event: &EventArgs,
) -> Result<()> {
    let seq = parse_id(id)?;
    let date = context.date_or_today("--date", event.date.as_deref())?;
    let memo = memo(event.memo.as_deref())?;
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[seq])?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let pledge = state.pledge(seq).ok_or_else(|| no_pledge(seq))?;
    let amount = if amount_words.is_empty() {
        // No amount: all that is outstanding, if anything is.
        let outstanding = pledge.current.outstanding();
        if pledge.voided {
            return Err(CliError::input(LedgerError::Voided(seq)));
        }
        match pledge.current.status() {
            Status::Cancelled | Status::Void => {
                return Err(CliError::input(LedgerError::PledgeCancelled(seq)));
            }
            Status::Fulfilled => return Err(CliError::input(LedgerError::PledgeFulfilled(seq))),
            Status::Open | Status::Partial => Amount {
                units: outstanding,
                commodity: pledge.commodity,
            },
        }
    } else {
        negative_hint(amount_words)?;
        amount(state, "amount", &amount_words.join(" "), &mut frames)?
    };
    let fulfil = Fulfil {
        date,
        pledge: seq,
        amount,
        memo,
    };
    let record = state
        .append(Entry::Fulfil(fulfil), &mut sink(&mut frames))
        .map_err(|e| event_error(state, seq, date, amount, e))?;
    let money = Money::new(state, amount.units, amount.commodity).human();
    let status = state
        .pledge(seq)
        .map_or("", |p| p.current.status().as_str());
    finish(
        &mut ledger,
        &frames,
        &format!("recorded fulfilment #{record}: {money} against pledge #{seq} (now {status})"),
    )
}

/// A negative fulfilment is either funds given back or a mistake: say which command records
/// each.
fn negative_hint(amount_words: &[String]) -> Result<()> {
    match amount_words.first() {
        Some(first) if first.starts_with('-') => Err(CliError::input(format!(
            "amount '{}': must be greater than zero; funds given back are recorded with \
             `pledge return ID AMOUNT`, a fulfilment entered by mistake is undone with \
             `pledge void ID --reason TEXT`",
            amount_words.join(" ")
        ))),
        _ => Ok(()),
    }
}

/// `pledge return`: funds given back against a pledge's fulfilments.
pub fn give_back(
    context: &Context,
    id: &str,
    amount_words: &[String],
    event: &EventArgs,
) -> Result<()> {
    let seq = parse_id(id)?;
    let date = context.date_or_today("--date", event.date.as_deref())?;
    let memo = memo(event.memo.as_deref())?;
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[seq])?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let pledge = state.pledge(seq).ok_or_else(|| no_pledge(seq))?;
    let amount = if amount_words.is_empty() {
        Amount {
            units: pledge.current.fulfilled,
            commodity: pledge.commodity,
        }
    } else {
        negative_hint(amount_words)?;
        amount(state, "amount", &amount_words.join(" "), &mut frames)?
    };
    let entry = Entry::Return(Return {
        date,
        pledge: seq,
        amount,
        memo,
    });
    let record = state
        .append(entry, &mut sink(&mut frames))
        .map_err(|e| event_error(state, seq, date, amount, e))?;
    let money = Money::new(state, amount.units, amount.commodity).human();
    finish(
        &mut ledger,
        &frames,
        &format!("recorded return #{record}: {money} on pledge #{seq}"),
    )
}

pub fn amend(
    context: &Context,
    id: &str,
    amount_words: &[String],
    due: Option<&str>,
    reason: &str,
    date: Option<&str>,
) -> Result<()> {
    let seq = parse_id(id)?;
    let date = context.date_or_today("--date", date)?;
    let reason = reason_text(reason)?;
    if amount_words.is_empty() && due.is_none() {
        return Err(CliError::input(
            "nothing to amend; give the new AMOUNT, or --due DATE (or both)",
        ));
    }
    let due = due
        .map(|d| super::parse_date_or_none("--due", d))
        .transpose()?;
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[seq])?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let pledge = state.pledge(seq).ok_or_else(|| no_pledge(seq))?;
    let probe = Amount {
        units: 1,
        commodity: pledge.commodity,
    };
    let mut said = Vec::new();
    if !amount_words.is_empty() {
        negative_hint(amount_words)?;
        let amount = amount(state, "amount", &amount_words.join(" "), &mut frames)?;
        let amend = Amend {
            date,
            pledge: seq,
            amount,
            reason: reason.clone(),
        };
        let record = state
            .append(Entry::Amend(amend), &mut sink(&mut frames))
            .map_err(|e| event_error(state, seq, date, amount, e))?;
        let money = Money::new(state, amount.units, amount.commodity).human();
        said.push(format!(
            "recorded amendment #{record}: pledge #{seq} is now {money}"
        ));
    }
    if let Some(due) = due {
        let entry = Entry::Reschedule(Reschedule {
            date,
            pledge: seq,
            due,
            reason,
        });
        let record = state
            .append(entry, &mut sink(&mut frames))
            .map_err(|e| match e {
                AppendError::Ledger(LedgerError::DueBeforeDate) => CliError::input(format!(
                    "--due '{}': {}",
                    due.map_or_else(|| "none".to_string(), |d| d.to_string()),
                    LedgerError::DueBeforeDate
                )),
                other => event_error(state, seq, date, probe, other),
            })?;
        said.push(match due {
            Some(due) => format!("recorded reschedule #{record}: pledge #{seq} is now due {due}"),
            None => {
                format!("recorded reschedule #{record}: pledge #{seq} has no due date any more")
            }
        });
    }
    finish(&mut ledger, &frames, &said.join("\n"))
}

pub fn cancel(context: &Context, id: &str, reason: &str, date: Option<&str>) -> Result<()> {
    let seq = parse_id(id)?;
    let date = context.date_or_today("--date", date)?;
    let reason = reason_text(reason)?;
    let mut ledger =
        ledger_file::append_window(context.path()?, &context.keys, context.today, &[seq])?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let pledge = state.pledge(seq).ok_or_else(|| no_pledge(seq))?;
    let probe = Amount {
        units: 1,
        commodity: pledge.commodity,
    };
    let record = state
        .append(
            Entry::Cancel(Cancel {
                date,
                pledge: seq,
                reason,
            }),
            &mut sink(&mut frames),
        )
        .map_err(|e| event_error(state, seq, date, probe, e))?;
    finish(
        &mut ledger,
        &frames,
        &format!("recorded cancellation #{record} of pledge #{seq}"),
    )
}

pub fn note(context: &Context, text: &str, on: Option<&str>, date: Option<&str>) -> Result<()> {
    let about = on.map(parse_id).transpose()?;
    let date = context.date_or_today("--date", date)?;
    let text_checked = entry::text(text).map_err(|e| value_error("note", text, e))?;
    let mut ledger = ledger_file::append_window(
        context.path()?,
        &context.keys,
        context.today,
        about.as_slice(),
    )?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let seq = state
        .append(
            Entry::Note(Note {
                date,
                about,
                text: text_checked,
            }),
            &mut sink(&mut frames),
        )
        .map_err(|e| match (e, about) {
            (AppendError::Ledger(e @ LedgerError::UnknownPledge(_)), Some(about)) => {
                CliError::input(format!(
                    "--on '{about}': {e}; a note is about a pledge, a goal, or (without --on) \
                     the ledger"
                ))
            }
            (AppendError::Ledger(e @ LedgerError::DateBeforeSubject), Some(about)) => {
                CliError::input(format!("--date '{date}': {e} (#{about})"))
            }
            (other, _) => append_error(other),
        })?;
    finish(&mut ledger, &frames, &format!("recorded note #{seq}"))
}

/// Writes the frames and confirms on stdout.
pub(super) fn finish(ledger: &mut LedgerFile, frames: &[u8], message: &str) -> Result<()> {
    ledger.commit(frames)?;
    print(&format!("{message}\n"))
}

pub(super) fn amount(
    state: &mut State,
    option: &str,
    text: &str,
    frames: &mut Frames,
) -> Result<Amount> {
    compose::amount(state, text, &mut sink(frames)).map_err(|e| match e {
        ComposeError::Input(e) => value_error(option, text, e),
        ComposeError::UnknownCommodity => {
            let code = ledger_core::amount::split_amount(text).map_or(text, |(_, code)| code);
            // The ledger's own commodities first, then the most used currencies: `UDS` is
            // USD, not the Uzbek sum.
            let declared = state.commodities().iter().map(|c| c.code.as_str());
            let close = suggest::closest(code, declared)
                .or_else(|| suggest::closest(code, ledger_core::amount::common_currencies()))
                .or_else(|| suggest::closest(code, ledger_core::amount::known_currencies()));
            match close {
                Some(close) => CliError::input(format!(
                    "{option} '{text}': unknown commodity '{code}'; did you mean '{close}'? \
                     (or declare it with `pledge commodity {code} --decimals N`)"
                )),
                None => CliError::input(format!(
                    "{option} '{text}': unknown commodity '{code}'; use a declared commodity or a \
                     well-known currency code (USD, EUR, JPY, ...), or declare it with \
                     `pledge commodity {code} --decimals N`"
                )),
            }
        }
        ComposeError::Append(e) => append_error(e),
    })
}

fn party(state: &mut State, option: &str, text: &str, frames: &mut Frames) -> Result<u32> {
    declare(state, NameKind::Party, option, text, frames)
}

/// The id of a name, declaring it if it is new, as it stands now: a name renamed or merged
/// into another is recorded as that other. A new name close to a known one is declared, with
/// a warning, since a new party is often a typo.
pub(super) fn declare(
    state: &mut State,
    kind: NameKind,
    option: &str,
    text: &str,
    frames: &mut Frames,
) -> Result<u32> {
    if entry::check_name(text).is_ok() && state.find_name(kind, text).is_none() {
        let known = state.names(kind).iter().map(|n| n.as_str());
        if let Some(close) = suggest::likely_typo(text, known) {
            crate::output::warn(&format!(
                "{option} '{text}' is a new name, declared now; did you mean '{close}'? \
                 (`pledge rename` merges it later if it was a typo)"
            ));
        }
    }
    let id = declare_exact(state, kind, option, text, frames)?;
    Ok(state.current_id(kind.renamed(), id))
}

/// The id of a name, declaring it if it is new.
pub(super) fn declare_exact(
    state: &mut State,
    kind: NameKind,
    option: &str,
    text: &str,
    frames: &mut Frames,
) -> Result<u32> {
    compose::name(state, kind, text, &mut sink(frames)).map_err(|e| match e {
        ComposeError::Input(e) => value_error(option, text, e),
        ComposeError::UnknownCommodity => CliError::failure("internal: a name is not a commodity"),
        ComposeError::Append(e) => append_error(e),
    })
}

/// A goal by name, as it stands now (a goal merged into another is that other).
pub(super) fn find_goal(state: &State, name: &str) -> Result<GoalId> {
    let found = state.find_goal(name).map(|g| state.current_goal(g));
    found.ok_or_else(|| {
        let goals = || state.goals().iter().map(|g| g.name.as_str());
        let hint = match (suggest::closest(name, goals()), goals().count()) {
            (_, 0) => "there are no goals yet; set one with `pledge goal`".to_string(),
            (Some(close), _) => format!("did you mean '{close}'?"),
            (None, n) if n <= 5 => format!("goals are: {}", goals().collect::<Vec<_>>().join(", ")),
            (None, n) => format!("the ledger has {n} goals; `pledge report` lists them"),
        };
        CliError::input(format!("--goal '{name}': no such goal; {hint}"))
    })
}

fn target_text(state: &State, target: Amount) -> String {
    Money::new(state, target.units, target.commodity).human()
}

/// A `--reason`, checked.
pub(super) fn reason_text(reason: &str) -> Result<entry::Text> {
    entry::text(reason).map_err(|e| value_error("--reason", reason, e))
}

fn memo(text: Option<&str>) -> Result<Option<entry::Text>> {
    text.map(|t| entry::text(t).map_err(|e| value_error("--memo", t, e)))
        .transpose()
}

pub(super) fn no_pledge(seq: Seq) -> CliError {
    CliError::input(format!(
        "there is no pledge #{seq}; `pledge list` shows the ids"
    ))
}

/// A rule broken by a fulfilment, amendment or cancellation, said with the figures involved.
fn event_error(
    state: &State,
    seq: Seq,
    date: ledger_core::Date,
    amount: Amount,
    error: AppendError<Infallible>,
) -> CliError {
    let Some(pledge) = state.pledge(seq) else {
        return no_pledge(seq);
    };
    let money = |units: i64| Money::new(state, units, pledge.commodity).human();
    let pledge_code = state
        .commodity(pledge.commodity)
        .map_or("?", |c| c.code.as_str());
    let given_code = state
        .commodity(amount.commodity)
        .map_or("?", |c| c.code.as_str());
    match error {
        // The rule in the core's words (the audit's), then the figures involved.
        AppendError::Ledger(e @ LedgerError::Overfulfilment { outstanding }) => {
            CliError::input(format!(
                "amount {}: {e}; pledge #{seq} has {} outstanding",
                money(amount.units),
                money(outstanding)
            ))
        }
        AppendError::Ledger(e @ LedgerError::AmendBelowFulfilled { fulfilled }) => {
            CliError::input(format!(
                "amount {}: {e}; pledge #{seq} has delivered {}",
                money(amount.units),
                money(fulfilled)
            ))
        }
        AppendError::Ledger(e @ LedgerError::CommodityMismatch) => CliError::input(format!(
            "amount in {given_code}: {e}; pledge #{seq} is in {pledge_code}, and commodities are \
             never mixed"
        )),
        AppendError::Ledger(e @ LedgerError::AmountNotPositive) => CliError::input(format!(
            "amount {}: {e}",
            Money::new(state, amount.units, amount.commodity).human()
        )),
        AppendError::Ledger(e @ LedgerError::DateBeforeSubject) => CliError::input(format!(
            "--date '{date}': {e} (pledge #{seq} was made {})",
            pledge.date
        )),
        AppendError::Ledger(e @ LedgerError::ReturnExceedsFulfilled { .. }) => {
            CliError::input(format!(
                "amount {}: {e}; pledge #{seq} has had {} fulfilled",
                money(amount.units),
                money(pledge.current.fulfilled)
            ))
        }
        AppendError::Ledger(
            e @ (LedgerError::PledgeCancelled(_)
            | LedgerError::PledgeFulfilled(_)
            | LedgerError::Voided(_)),
        ) => CliError::input(e),
        other => append_error(other),
    }
}

pub(super) fn append_error(error: AppendError<Infallible>) -> CliError {
    match error {
        AppendError::Ledger(e @ LedgerError::FutureDate { date, .. }) => {
            CliError::input(format!("--date '{date}': {e}"))
        }
        AppendError::Ledger(e) => CliError::input(e),
        AppendError::Format(e) => CliError::failure(format!("cannot encode the record: {e}")),
        AppendError::Sink(never) => match never {},
    }
}

pub(super) fn value_error(option: &str, value: &str, error: InputError) -> CliError {
    CliError::input(format!("{option} '{value}': {error}"))
}
