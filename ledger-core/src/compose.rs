//! From what a person typed to entries: amounts resolved against declared commodities, names
//! resolved to ids, and new names or well-known currencies declared on first use, all through
//! the one checked append path of [`State`].

use crate::amount::{
    Amount, Commodity, CommodityId, known_currency_code, known_currency_decimals, parse_code,
    parse_quantity, split_amount,
};
use crate::entry::{Entry, Name};
use crate::error::InputError;
use crate::slots::Tables;
use crate::state::{AppendError, NameKind, State};

/// Turning typed text into an entry failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ComposeError<E> {
    /// The text is not acceptable.
    Input(InputError),
    /// The commodity is neither declared nor a well-known currency.
    UnknownCommodity,
    /// Declaring something new failed.
    Append(AppendError<E>),
}

impl<E: core::fmt::Display> core::fmt::Display for ComposeError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ComposeError::Input(e) => e.fmt(f),
            ComposeError::UnknownCommodity => f.write_str(
                "the commodity is neither declared nor a well-known currency; declare it first",
            ),
            ComposeError::Append(e) => e.fmt(f),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for ComposeError<E> {}

impl<E> From<InputError> for ComposeError<E> {
    fn from(error: InputError) -> Self {
        ComposeError::Input(error)
    }
}

impl<E> From<AppendError<E>> for ComposeError<E> {
    fn from(error: AppendError<E>) -> Self {
        ComposeError::Append(error)
    }
}

/// The commodity with this code: declared already, or declared now through `sink` if it is a
/// well-known ISO 4217 currency, in any case (`usd` is USD). Any other new code must be
/// declared explicitly, so that a typo (`UDS`) is an error rather than a new commodity.
pub fn commodity<T: Tables, E>(
    state: &mut State<T>,
    code: &str,
    sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<CommodityId, ComposeError<E>> {
    if let Some(id) = state.find_commodity(code) {
        return Ok(id);
    }
    let code = known_currency_code(code).unwrap_or(code);
    if let Some(id) = state.find_commodity(code) {
        return Ok(id);
    }
    let decimals = known_currency_decimals(code).ok_or(ComposeError::UnknownCommodity)?;
    let id = CommodityId(
        u32::try_from(state.commodities().len()).map_err(|_| InputError::CommoditySyntax)?,
    );
    state.append(
        Entry::Commodity(Commodity {
            code: parse_code(code)?,
            decimals,
        }),
        sink,
    )?;
    Ok(id)
}

/// Parses `550bn USD` into an exact amount of a declared (or well-known) commodity.
pub fn amount<T: Tables, E>(
    state: &mut State<T>,
    text: &str,
    sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<Amount, ComposeError<E>> {
    let (quantity, code) = split_amount(text)?;
    let id = commodity(state, code, sink)?;
    let decimals = state.commodity(id).map_or(0, |c| c.decimals);
    let units = parse_quantity(quantity, decimals)?;
    Ok(Amount {
        units,
        commodity: id,
    })
}

/// The id of a name of `kind`, declaring it through `sink` if it is new.
pub fn name<T: Tables, E>(
    state: &mut State<T>,
    kind: NameKind,
    text: &str,
    sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<u32, ComposeError<E>> {
    // A name already declared, byte for byte, is found before it is checked and copied: every
    // declared name kept the rule when it was folded (`State::apply` checks names on every
    // read), and the rule depends on the text alone, so checking it again could only agree.
    // A bulk import names three known parties and sectors a row.
    if let Some(id) = state.find_name(kind, text) {
        return Ok(id);
    }
    let name: Name = crate::entry::name(text)?;
    Ok(state.declare(kind, &name, sink)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Open;
    use crate::slots::Fixed;

    #[test]
    fn a_declared_name_is_found_once_and_a_name_that_breaks_the_rule_is_refused() {
        let mut state: State<Fixed<4, 4, 2, 8>> = State::default();
        let written = core::cell::Cell::new(0);
        let mut sink = |_: &[u8]| -> Result<(), ()> {
            written.set(written.get() + 1);
            Ok(())
        };
        let open = Entry::Open(Open {
            origin: crate::entry::name("test").unwrap(),
        });
        state.append(open, &mut sink).unwrap();
        let japan = name(&mut state, NameKind::Party, "Japan", &mut sink).unwrap();
        assert_eq!(
            name(&mut state, NameKind::Party, "Japan", &mut sink).ok(),
            Some(japan)
        );
        // Declared as a party only: a sector of the same name is a name of its own.
        let sector = name(&mut state, NameKind::Sector, "Japan", &mut sink).unwrap();
        assert_eq!(state.find_name(NameKind::Sector, "Japan"), Some(sector));
        for bad in ["Japan ", " Japan", "Ja\u{202E}pan", ""] {
            assert!(
                matches!(
                    name(&mut state, NameKind::Party, bad, &mut sink),
                    Err(ComposeError::Input(_))
                ),
                "{bad:?}"
            );
        }
        // The open, the party and the sector.
        assert_eq!(written.get(), 3);
    }
}
