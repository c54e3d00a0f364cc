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
    let name: Name = crate::entry::name(text)?;
    Ok(state.declare(kind, &name, sink)?)
}
