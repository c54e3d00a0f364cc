//! What `pledge add` needs and was not given: asked for on a terminal (names completed from the
//! ledger with Tab), or named in one line of error anywhere else.

use std::io::IsTerminal;

use ledger_core::state::NameKind;

use super::Context;
use crate::cli::AddArgs;
use crate::error::{CliError, Result};
use crate::ledger_file;

/// The amount, pledger and beneficiary of a pledge, given or asked for.
pub struct Asked {
    pub amount: String,
    pub from: String,
    pub to: String,
}

/// Completion from a list of names: the first that starts with what was typed, in any case.
struct Names(Vec<String>);

impl dialoguer::Completion for Names {
    fn get(&self, input: &str) -> Option<String> {
        let typed = input.to_lowercase();
        self.0
            .iter()
            .find(|name| name.to_lowercase().starts_with(&typed) && name.len() > input.len())
            .cloned()
    }
}

/// The pledge's required fields: from the command line, or asked for when some are missing
/// and both standard input and standard error are a terminal.
pub fn missing(context: &Context, args: &AddArgs) -> Result<Asked> {
    let amount = (!args.amount.is_empty()).then(|| args.amount.join(" "));
    if let (Some(amount), Some(from), Some(to)) = (&amount, &args.from, &args.to) {
        return Ok(Asked {
            amount: amount.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        let absent: Vec<&str> = [
            (amount.is_none(), "AMOUNT"),
            (args.from.is_none(), "--from PARTY"),
            (args.to.is_none(), "--to PARTY"),
        ]
        .into_iter()
        .filter_map(|(missing, name)| missing.then_some(name))
        .collect();
        let them = if absent.len() == 1 { "it" } else { "them" };
        return Err(CliError::input(format!(
            "a pledge needs {}; give {them} on the command line (on a terminal, `pledge add` asks)",
            absent.join(", ")
        )));
    }
    // The ledger's names, for completion; read before the append takes its lock.
    let parties: Vec<String> =
        ledger_file::read(context.path()?, ledger_file::View::ALL, &context.keys)?
            .state
            .names(NameKind::Party)
            .iter()
            .map(|n| n.to_string())
            .collect();
    let theme = dialoguer::theme::SimpleTheme;
    let ask = |prompt: &str, complete: bool| -> Result<String> {
        let names = Names(if complete {
            parties.clone()
        } else {
            Vec::new()
        });
        dialoguer::Input::<String>::with_theme(&theme)
            .with_prompt(prompt)
            .completion_with(&names)
            .interact_text()
            .map_err(|e| CliError::input(format!("{prompt}: {e}")))
    };
    Ok(Asked {
        amount: match amount {
            Some(amount) => amount,
            None => ask("Amount (e.g. 250k EUR)", false)?,
        },
        from: match &args.from {
            Some(from) => from.clone(),
            None => ask("From (the pledger)", true)?,
        },
        to: match &args.to {
            Some(to) => to.clone(),
            None => ask("To (the beneficiary)", true)?,
        },
    })
}
