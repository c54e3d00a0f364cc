//! The commands that correct without rewriting: void, rename (and merge), revise a goal, and
//! record an exchange rate. Like every append they build records through the core, which
//! checks them, and write them in one synced append.

use ledger_core::entry::{
    self, Entry, ExactRate, Goal, GoalId, PartyId, Rate, Rename, RenameKind, Revise, Void,
};
use ledger_core::error::LedgerError;
use ledger_core::state::{AppendError, NameKind};

use super::record::{
    Frames, amount, append_error, declare_exact, find_goal, finish, reason_text, sink, value_error,
};
use super::{Context, parse_id};
use crate::cli::RenameKindArg;
use crate::error::{CliError, Result};
use crate::ledger_file;
use crate::output::Money;
use crate::tables::State;

/// `pledge void ID`: the record counts nowhere from now on.
pub fn void(context: &Context, id: &str, reason: &str, date: Option<&str>) -> Result<()> {
    let seq = parse_id(id)?;
    let date = context.date_or_today("--date", date)?;
    let reason = reason_text(reason)?;
    let mut ledger = ledger_file::append(context.path()?, &context.keys, context.today)?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    if seq >= state.next_seq() {
        return Err(CliError::input(format!(
            "there is no record #{seq}; the ledger's last record is #{}",
            state.next_seq().saturating_sub(1)
        )));
    }
    let what = describe(state, seq);
    let entry = Entry::Void(Void {
        date,
        record: seq,
        reason,
    });
    let record = state
        .append(entry, &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(LedgerError::DateBeforeSubject) => CliError::input(format!(
                "--date '{date}': {} (record #{seq})",
                LedgerError::DateBeforeSubject
            )),
            other => append_error(other),
        })?;
    finish(
        &mut ledger,
        &frames,
        &format!("recorded void #{record}: {what}"),
    )
}

/// What record `seq` is, for a confirmation.
fn describe(state: &State, seq: u32) -> String {
    if let Some(p) = state.pledge(seq) {
        let money = Money::new(state, p.current.amount, p.commodity).human();
        return format!("pledge #{seq} ({money})");
    }
    if let Some(event) = state.event(seq) {
        let kind = match event.effect {
            ledger_core::state::Effect::Fulfil(_) => "fulfilment",
            ledger_core::state::Effect::Return(_) => "return",
            ledger_core::state::Effect::Amend(_) => "amendment",
            ledger_core::state::Effect::Cancel => "cancellation",
            ledger_core::state::Effect::Reschedule(_) => "reschedule",
            ledger_core::state::Effect::Note => "note",
        };
        return format!("{kind} #{seq}");
    }
    if state.rates().iter().any(|r| r.seq == seq) {
        return format!("rate #{seq}");
    }
    format!("record #{seq}")
}

/// `pledge rename KIND OLD NEW`: a new name is declared (for a goal: a goal with the same
/// terms and date), then the old one is replaced by it; an existing one is merged into.
pub fn rename(
    context: &Context,
    kind: RenameKindArg,
    old: &str,
    new: &str,
    reason: &str,
    date: Option<&str>,
) -> Result<()> {
    let date = context.date_or_today("--date", date)?;
    let reason = reason_text(reason)?;
    let mut ledger = ledger_file::append(context.path()?, &context.keys, context.today)?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let (kind, from, to, merged) = match kind {
        RenameKindArg::Goal => {
            let from = find_goal(state, old)?;
            if state.find_goal(old).is_some_and(|g| g != from) {
                return Err(CliError::input(format!(
                    "goal '{old}' was merged into another already"
                )));
            }
            let merged = state.find_goal(new).is_some();
            let to = match state.find_goal(new) {
                Some(to) => to,
                None => new_goal(state, from, new, &mut frames)?,
            };
            (RenameKind::Goal, from.0, to.0, merged)
        }
        other => {
            let name_kind = match other {
                RenameKindArg::Party => NameKind::Party,
                RenameKindArg::Project => NameKind::Project,
                RenameKindArg::Sector => NameKind::Sector,
                _ => NameKind::Tag,
            };
            let word = name_kind.renamed().as_str();
            let from = state.find_name(name_kind, old).ok_or_else(|| {
                let known = state.names(name_kind).iter().map(|n| n.as_str());
                CliError::input(format!(
                    "{word} '{old}': no such {word} in the ledger{}",
                    crate::suggest::hint(old, known)
                ))
            })?;
            let merged = state.find_name(name_kind, new).is_some();
            let to = declare_exact(state, name_kind, "new name", new, &mut frames)?;
            (name_kind.renamed(), from, to, merged)
        }
    };
    let entry = Entry::Rename(Rename {
        date,
        kind,
        from,
        to,
        reason,
    });
    let record = state
        .append(entry, &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(e @ LedgerError::RenameInvalid) => {
                CliError::input(format!("{} '{old}' to '{new}': {e}", kind.as_str()))
            }
            other => append_error(other),
        })?;
    let verb = if merged { "merged" } else { "renamed" };
    finish(
        &mut ledger,
        &frames,
        &format!(
            "recorded rename #{record}: {verb} {} '{old}' into '{new}'",
            kind.as_str()
        ),
    )
}

/// A goal with `name` and the terms and date of goal `like`: what a renamed goal becomes.
fn new_goal(state: &mut State, like: GoalId, name: &str, frames: &mut Frames) -> Result<GoalId> {
    let name_checked = entry::name(name).map_err(|e| value_error("new name", name, e))?;
    let old = state
        .goal(like)
        .cloned()
        .ok_or_else(|| CliError::failure("internal: the goal renamed is not in the ledger"))?;
    let id =
        GoalId(u32::try_from(state.goals().len()).map_err(|_| CliError::input("too many goals"))?);
    let goal = Goal {
        date: old.date,
        name: name_checked,
        beneficiary: old.beneficiary,
        target: old.target,
        deadline: old.deadline,
        memo: None,
    };
    state
        .append(Entry::Goal(goal), &mut sink(frames))
        .map_err(append_error)?;
    Ok(id)
}

/// `pledge revise GOAL`: new terms for a goal; what is not given stays as it is.
pub fn revise(
    context: &Context,
    goal: &str,
    target: &[String],
    deadline: Option<&str>,
    beneficiary: Option<&str>,
    reason: &str,
    date: Option<&str>,
) -> Result<()> {
    let date = context.date_or_today("--date", date)?;
    let reason = reason_text(reason)?;
    if target.is_empty() && deadline.is_none() && beneficiary.is_none() {
        return Err(CliError::input(
            "nothing to revise; give --target, --deadline or --beneficiary",
        ));
    }
    let deadline = deadline
        .map(|d| super::parse_date_or_none("--deadline", d))
        .transpose()?;
    let mut ledger = ledger_file::append(context.path()?, &context.keys, context.today)?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let id = find_goal(state, goal)?;
    let current = state
        .goal(id)
        .cloned()
        .ok_or_else(|| CliError::failure("internal: the goal is not in the ledger"))?;
    let new_target = if target.is_empty() {
        current.target
    } else {
        amount(state, "--target", &target.join(" "), &mut frames)?
    };
    let beneficiary = match beneficiary {
        None => current.beneficiary,
        Some("none") => None,
        Some(b) => Some(PartyId(super::record::declare(
            state,
            NameKind::Party,
            "--beneficiary",
            b,
            &mut frames,
        )?)),
    };
    let entry = Entry::Revise(Revise {
        date,
        goal: current.seq,
        target: new_target,
        deadline: deadline.unwrap_or(current.deadline),
        beneficiary,
        reason,
    });
    let record = state
        .append(entry, &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(e @ LedgerError::CommodityMismatch) => CliError::input(format!(
                "--target '{}': {e}; goal '{goal}' is in {}",
                target.join(" "),
                state
                    .commodity(current.target.commodity)
                    .map_or("?", |c| c.code.as_str())
            )),
            AppendError::Ledger(e @ LedgerError::AmountNotPositive) => {
                CliError::input(format!("--target '{}': {e}", target.join(" ")))
            }
            AppendError::Ledger(e @ LedgerError::DateBeforeSubject) => {
                CliError::input(format!("--date '{date}': {e} (goal set {})", current.date))
            }
            other => append_error(other),
        })?;
    let money = Money::new(state, new_target.units, new_target.commodity).human();
    finish(
        &mut ledger,
        &frames,
        &format!(
            "recorded revision #{record}: goal #{} ({goal}) now targets {money}",
            current.seq
        ),
    )
}

/// `pledge rate BASE QUOTE RATE`: one BASE is worth RATE QUOTE from the date on.
pub fn rate(
    context: &Context,
    base: &str,
    quote: &str,
    rate_text: &str,
    goal: Option<&str>,
    date: Option<&str>,
) -> Result<()> {
    let date = context.date_or_today("--date", date)?;
    let rate = ExactRate::parse(rate_text).map_err(|e| value_error("rate", rate_text, e))?;
    let mut ledger = ledger_file::append(context.path()?, &context.keys, context.today)?;
    let mut frames = Frames::new();
    let state = &mut ledger.state;
    let commodity = |state: &mut State, option: &str, code: &str, frames: &mut Frames| {
        // A commodity is resolved as an amount's would be: `1 CODE`.
        amount(state, option, &format!("1 {code}"), frames).map(|a| a.commodity)
    };
    let base_id = commodity(state, "base", base, &mut frames)?;
    let quote_id = commodity(state, "quote", quote, &mut frames)?;
    let goal_id = goal.map(|g| find_goal(state, g)).transpose()?;
    let entry = Entry::Rate(Rate {
        date,
        base: base_id,
        quote: quote_id,
        rate,
        goal: goal_id,
    });
    let record = state
        .append(entry, &mut sink(&mut frames))
        .map_err(|e| match e {
            AppendError::Ledger(e @ LedgerError::RateInvalid) => {
                CliError::input(format!("rate '{rate_text}' from {base} to {quote}: {e}"))
            }
            other => append_error(other),
        })?;
    let code = |id| state.commodity(id).map_or("?", |c| c.code.as_str());
    let whose = goal.map_or_else(String::new, |g| format!(" for goal '{g}'"));
    let said = format!(
        "recorded rate #{record}: 1 {} = {rate} {}{whose}",
        code(base_id),
        code(quote_id)
    );
    finish(&mut ledger, &frames, &said)
}
