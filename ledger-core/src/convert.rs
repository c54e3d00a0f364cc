//! Converting totals between commodities at exchange rates recorded in the ledger. Nothing is
//! converted without a rate entry: a goal's own reference rate first, else the ledger's latest
//! rate on the as-of date.
//!
//! The rounding rule (docs/FORMAT.md, "Conversion"): a commodity's *total* is converted, not
//! each pledge, exactly in 128-bit integers, and rounded once, half away from zero, to the
//! target commodity's minor unit. Converted totals are then added.

use crate::amount::CommodityId;
use crate::entry::{ExactRate, GoalId};
use crate::slots::Tables;
use crate::state::{RateState, State};

/// The rate used to convert one commodity into another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion<'s> {
    /// The rate entry.
    pub rate: &'s RateState,
    /// Whether the entry prices the target in the source (it is used inverted).
    pub inverse: bool,
}

/// The rate to convert `from` into `to` for `goal` (or for no goal): the goal's own reference
/// rate if it (or a goal renamed or merged into it) fixed one, else the ledger's rate with the latest date that counts on the as-of
/// date. Either direction of a rate will do; among equals the later record wins. Void rates
/// are never used.
pub fn rate_for<T: Tables>(
    state: &State<T>,
    goal: Option<GoalId>,
    from: CommodityId,
    to: CommodityId,
) -> Option<Conversion<'_>> {
    // A rate fixed by a goal renamed or merged into this one is this goal's.
    let best = |fixed_by: Option<GoalId>| {
        state
            .rates()
            .iter()
            .filter(|r| !r.voided && r.goal.map(|g| state.current_goal(g)) == fixed_by)
            .filter(|r| state.counts(r.date))
            .filter(|r| (r.base, r.quote) == (from, to) || (r.base, r.quote) == (to, from))
            .max_by_key(|r| (r.date, r.seq))
            .map(|rate| Conversion {
                rate,
                inverse: rate.base != from,
            })
    };
    goal.and_then(|g| best(Some(g))).or_else(|| best(None))
}

/// `units` minor units of a commodity with `from_decimals` places, in minor units of one with
/// `to_decimals` places, at `rate` (inverted if `inverse`), rounded half away from zero.
/// `None` if the result does not fit in 64 bits.
///
/// ```
/// use ledger_core::convert::convert;
/// use ledger_core::entry::ExactRate;
/// // 750,000,000.00 EUR at 1 EUR = 1.0825 USD is 811,875,000.00 USD.
/// let rate = ExactRate { mantissa: 10825, scale: 4 };
/// assert_eq!(convert(75_000_000_000, 2, 2, rate, false), Some(81_187_500_000));
/// // 1.00 USD at 1 EUR = 1.0825 USD is 0.923787... EUR: 0.92 EUR.
/// assert_eq!(convert(100, 2, 2, rate, true), Some(92));
/// // 0.005 rounds away from zero: 1 JPY at 1 JPY = 0.0065 USD is 0.65 cents, 1 cent.
/// assert_eq!(convert(1, 0, 2, ExactRate { mantissa: 65, scale: 4 }, false), Some(1));
/// assert_eq!(convert(-1, 0, 2, ExactRate { mantissa: 65, scale: 4 }, false), Some(-1));
/// ```
pub fn convert(
    units: i64,
    from_decimals: u8,
    to_decimals: u8,
    rate: ExactRate,
    inverse: bool,
) -> Option<i64> {
    // result = units * num * 10^to / (den * 10^from), with num/den the rate or its inverse.
    let mantissa = i128::from(rate.mantissa);
    let scale = pow10(rate.scale)?;
    let (num, den) = if inverse {
        (scale, mantissa)
    } else {
        (mantissa, scale)
    };
    let numerator = i128::from(units)
        .checked_mul(num)?
        .checked_mul(pow10(to_decimals)?)?;
    let denominator = den.checked_mul(pow10(from_decimals)?)?;
    i64::try_from(divide_rounding(numerator, denominator)?).ok()
}

impl ExactRate {
    /// Parses a rate as people write it: digits with at most one decimal point (`1.0825`,
    /// `150`, `0.0065`), at most 18 decimal places, greater than zero; `,` groups digits.
    ///
    /// ```
    /// use ledger_core::entry::ExactRate;
    /// assert_eq!(ExactRate::parse("1.0825"), Ok(ExactRate { mantissa: 10825, scale: 4 }));
    /// assert!(ExactRate::parse("-1").is_err() && ExactRate::parse("0.0").is_err());
    /// assert!(ExactRate::parse("1e3").is_err() && ExactRate::parse("").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<ExactRate, crate::error::InputError> {
        use crate::error::InputError::RateSyntax;
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() || whole.starts_with(',') {
            return Err(RateSyntax);
        }
        let mut mantissa: u64 = 0;
        for c in whole.chars().filter(|&c| c != ',').chain(fraction.chars()) {
            let digit = c.to_digit(10).ok_or(RateSyntax)?;
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(digit)))
                .ok_or(RateSyntax)?;
        }
        let scale = u8::try_from(fraction.len()).map_err(|_| RateSyntax)?;
        if mantissa == 0 || scale > crate::amount::MAX_DECIMALS {
            return Err(RateSyntax);
        }
        Ok(ExactRate { mantissa, scale })
    }
}

/// `n / d` rounded half away from zero (`d` > 0).
fn divide_rounding(n: i128, d: i128) -> Option<i128> {
    if d <= 0 {
        return None;
    }
    let quotient = n.checked_div(d)?;
    let remainder = n.checked_rem(d)?;
    let twice = remainder.unsigned_abs().checked_mul(2)?;
    if twice >= d.unsigned_abs() {
        quotient.checked_add(n.signum())
    } else {
        Some(quotient)
    }
}

fn pow10(exponent: u8) -> Option<i128> {
    10i128.checked_pow(u32::from(exponent))
}

/// A rate as a decimal string with its own decimal places: `1.0825`.
impl core::fmt::Display for ExactRate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match 10u64.checked_pow(u32::from(self.scale)) {
            Some(1) => write!(f, "{}", self.mantissa),
            Some(unit) => write!(
                f,
                "{}.{:0width$}",
                self.mantissa.checked_div(unit).unwrap_or_default(),
                self.mantissa.checked_rem(unit).unwrap_or_default(),
                width = usize::from(self.scale)
            ),
            None => write!(f, "{}e-{}", self.mantissa, self.scale),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero_once() {
        let half = ExactRate {
            mantissa: 5,
            scale: 1,
        };
        // 1 unit at 0.5 is 0.5 of a unit: 1 (away from zero); 3 at 0.5 is 1.5: 2.
        assert_eq!(convert(1, 0, 0, half, false), Some(1));
        assert_eq!(convert(3, 0, 0, half, false), Some(2));
        assert_eq!(convert(-3, 0, 0, half, false), Some(-2));
        // Inverse: 1 unit at 1/0.5 is 2.
        assert_eq!(convert(1, 0, 0, half, true), Some(2));
        // 1/3 rounds down, 2/3 up.
        let three = ExactRate {
            mantissa: 3,
            scale: 0,
        };
        assert_eq!(convert(1, 0, 0, three, true), Some(0));
        assert_eq!(convert(2, 0, 0, three, true), Some(1));
    }

    #[test]
    fn too_large_is_none_never_a_wrap() {
        let big = ExactRate {
            mantissa: u64::MAX,
            scale: 0,
        };
        assert_eq!(convert(i64::MAX, 0, 18, big, false), None);
        assert_eq!(convert(i64::MAX, 0, 0, big, false), None);
        assert_eq!(convert(1, 0, 0, big, false), None, "u64::MAX is beyond i64");
        assert_eq!(convert(i64::MAX, 18, 0, big, true), Some(0));
    }
}
