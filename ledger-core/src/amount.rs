//! Exact money and in-kind quantities: a signed 64-bit count of minor units and a commodity.
//!
//! Parsing never rounds and never wraps: `1.005 USD` is an error (USD has 2 decimals), and so
//! is a quantity beyond `i64`. Different commodities are never added: totals are kept per
//! commodity by the callers.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// The most decimal places a commodity may have (10^18 still fits in an `i64`).
pub const MAX_DECIMALS: u8 = 18;
/// Capacity of a commodity code, in bytes.
pub const CODE_CAPACITY: usize = 16;

/// A commodity code: `USD`, `JPY`, `trees`.
pub type Code = heapless::String<CODE_CAPACITY>;

/// Index of a declared commodity, in order of declaration from 0.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommodityId(pub u32);

impl Serialize for CommodityId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::wire::u32(&self.0, serializer)
    }
}

/// An exact quantity of one commodity.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    /// Count of minor units (cents for USD, yen for JPY, trees for `trees`).
    #[serde(serialize_with = "crate::wire::i64")]
    pub units: i64,
    /// The commodity.
    pub commodity: CommodityId,
}

/// A commodity's declaration: its code and how many decimal places its minor unit has.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Commodity {
    /// The code, e.g. `USD`.
    #[serde(with = "crate::wire::text")]
    pub code: Code,
    /// Decimal places: 2 for USD (cents), 0 for JPY and for in-kind units.
    pub decimals: u8,
}

/// Every ISO 4217 currency (list one, as of 2025, with the codes withdrawn since 2008 that old
/// pledges may be in), with its minor-unit decimals; funds and precious metals without a minor
/// unit are left out, and XDR keeps the 6 places pledge has always given it. On by default on a
/// desktop (the `iso4217` feature); a device keeps the short list below.
#[cfg(feature = "iso4217")]
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BYR", 0),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HRK", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LTL", 2),
    ("LVL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRO", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SLL", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STD", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VEF", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XDR", 6),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
    ("ZWL", 2),
];

/// The most used ISO 4217 currencies: all a device knows without a declaration, and the ones
/// "did you mean" tries first (every one is in the full list, with the same decimals).
const SHORT_LIST: &[(&str, u8)] = &[
    ("AED", 2),
    ("AUD", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("MXN", 2),
    ("MYR", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("VND", 0),
    ("XDR", 6),
    ("ZAR", 2),
];

#[cfg(not(feature = "iso4217"))]
const CURRENCIES: &[(&str, u8)] = SHORT_LIST;

/// The codes of the most used ISO 4217 currencies (a subset of [`known_currencies`]).
pub fn common_currencies() -> impl Iterator<Item = &'static str> {
    SHORT_LIST.iter().map(|&(code, _)| code)
}

/// The codes of the well-known ISO 4217 currencies.
pub fn known_currencies() -> impl Iterator<Item = &'static str> {
    CURRENCIES.iter().map(|&(code, _)| code)
}

/// The well-known currency `code` names in any case (`usd` is USD), in upper case.
pub fn known_currency_code(code: &str) -> Option<&'static str> {
    CURRENCIES
        .iter()
        .map(|&(known, _)| known)
        .find(|known| known.eq_ignore_ascii_case(code))
}

/// The decimal places of a well-known ISO 4217 currency, or `None` for any other code.
pub fn known_currency_decimals(code: &str) -> Option<u8> {
    CURRENCIES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|&(_, decimals)| decimals)
}

/// Checks a commodity code: 1 to 16 ASCII letters, digits, `-` or `_`, starting with a letter.
pub fn parse_code(text: &str) -> Result<Code, InputError> {
    // Bytes, not chars: every byte of a non-ASCII character fails the test all the same, and
    // no UTF-8 decoding is compiled in for it.
    let mut bytes = text.bytes();
    let starts_with_letter = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !starts_with_letter || !rest_ok {
        return Err(InputError::CommoditySyntax);
    }
    Code::try_from(text).map_err(|_| InputError::CommoditySyntax)
}

/// Splits `550bn USD` or `USD 550bn` into its quantity and its commodity code.
///
/// ```
/// use ledger_core::amount::split_amount;
/// assert_eq!(split_amount("550bn USD"), Ok(("550bn", "USD")));
/// assert_eq!(split_amount("USD 1,000.50"), Ok(("1,000.50", "USD")));
/// ```
pub fn split_amount(text: &str) -> Result<(&str, &str), InputError> {
    let mut words = text.split_whitespace();
    let (first, second) = match (words.next(), words.next(), words.next()) {
        (Some(first), Some(second), None) => (first, second),
        (Some(first), None, None) if looks_numeric(first) => {
            return Err(InputError::AmountMissingCommodity);
        }
        _ => return Err(InputError::AmountSyntax),
    };
    match (looks_numeric(first), looks_numeric(second)) {
        (true, false) => Ok((first, second)),
        (false, true) => Ok((second, first)),
        _ => Err(InputError::AmountSyntax),
    }
}

fn looks_numeric(word: &str) -> bool {
    word.trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// Parses a quantity into minor units of a commodity with `decimals` decimal places.
///
/// Accepts an optional sign, digits with optional `,` thousands separators in groups of three,
/// an optional fraction after `.`, and an optional scale suffix: `k` (thousand), `M` (million),
/// `bn` or `B` (billion), `T` (trillion). The result is exact or an error.
///
/// ```
/// use ledger_core::amount::parse_quantity;
/// assert_eq!(parse_quantity("550bn", 2), Ok(55_000_000_000_000));
/// assert_eq!(parse_quantity("550,000,000,000.00", 2), Ok(55_000_000_000_000));
/// assert_eq!(parse_quantity("1.5k", 0), Ok(1_500));
/// assert!(parse_quantity("1.005", 2).is_err());
/// ```
pub fn parse_quantity(text: &str, decimals: u8) -> Result<i64, InputError> {
    if decimals > MAX_DECIMALS {
        return Err(InputError::DecimalsOutOfRange);
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (number, scale) = split_suffix(unsigned);
    let (integer, fraction) = match number.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (number, None),
    };
    if integer.is_empty() && fraction.is_none_or(str::is_empty) {
        return Err(InputError::AmountSyntax);
    }
    check_grouping(integer)?;
    let mut mantissa: u128 = 0;
    for digit in integer.bytes().filter(|&b| b != b',') {
        mantissa = push_digit(mantissa, digit)?;
    }
    let mut fraction_digits: u32 = 0;
    for digit in fraction.unwrap_or("").bytes() {
        mantissa = push_digit(mantissa, digit)?;
        fraction_digits = fraction_digits.saturating_add(1);
    }
    // minor units = mantissa * 10^(scale + decimals - fraction_digits), exactly.
    let shift = i64::from(scale)
        .saturating_add(i64::from(decimals))
        .saturating_sub(i64::from(fraction_digits));
    let magnitude = if shift >= 0 {
        let factor = pow10(shift)?;
        mantissa
            .checked_mul(factor)
            .ok_or(InputError::AmountOverflow)?
    } else {
        let divisor = pow10(shift.saturating_neg())
            .map_err(|_| InputError::TooManyDecimals { allowed: decimals })?;
        if !mantissa.is_multiple_of(divisor) {
            return Err(InputError::TooManyDecimals { allowed: decimals });
        }
        mantissa
            .checked_div(divisor)
            .ok_or(InputError::AmountOverflow)?
    };
    to_signed(magnitude, negative)
}

/// Splits a scale suffix off a quantity, returning the number and the power of ten.
fn split_suffix(text: &str) -> (&str, u8) {
    const SUFFIXES: &[(&str, u8)] = &[("bn", 9), ("k", 3), ("K", 3), ("M", 6), ("B", 9), ("T", 12)];
    for &(suffix, scale) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            return (number, scale);
        }
    }
    (text, 0)
}

/// Thousands separators, if any, must group the integer digits in threes: `1,234,567`.
fn check_grouping(integer: &str) -> Result<(), InputError> {
    if !integer.contains(',') {
        return Ok(());
    }
    let mut groups = integer.split(',');
    let lead_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    if lead_ok && groups.all(|g| g.len() == 3) {
        Ok(())
    } else {
        Err(InputError::AmountSyntax)
    }
}

fn push_digit(mantissa: u128, digit: u8) -> Result<u128, InputError> {
    if !digit.is_ascii_digit() {
        return Err(InputError::AmountSyntax);
    }
    mantissa
        .checked_mul(10)
        .and_then(|m| m.checked_add(u128::from(digit.saturating_sub(b'0'))))
        .ok_or(InputError::AmountOverflow)
}

fn pow10(exponent: i64) -> Result<u128, InputError> {
    let exponent = u32::try_from(exponent).map_err(|_| InputError::AmountOverflow)?;
    10u128
        .checked_pow(exponent)
        .ok_or(InputError::AmountOverflow)
}

fn to_signed(magnitude: u128, negative: bool) -> Result<i64, InputError> {
    if negative {
        // i64::MIN has no positive counterpart, so negate in i128.
        let value = i128::try_from(magnitude).map_err(|_| InputError::AmountOverflow)?;
        i64::try_from(value.checked_neg().ok_or(InputError::AmountOverflow)?)
            .map_err(|_| InputError::AmountOverflow)
    } else {
        i64::try_from(magnitude).map_err(|_| InputError::AmountOverflow)
    }
}

/// Minor units shown as a decimal number: `{}` groups thousands (`1,234.50`), `{:#}` does not
/// (`1234.50`, for machine-readable output).
///
/// ```
/// use ledger_core::amount::Decimal;
/// assert_eq!(format!("{}", Decimal::new(-123456789, 2)), "-1,234,567.89");
/// assert_eq!(format!("{:#}", Decimal::new(5, 3)), "0.005");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    units: i64,
    decimals: u8,
}

/// A number taken apart into its decimal digits, the last first. On a 64-bit machine by
/// division, which the compiler makes a multiplication; on a 32-bit one (a device) by
/// [`Pieces`]: dividing a 64- or 128-bit number there calls a library routine of about a
/// kilobyte, or is unrolled into several.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digits {
    #[cfg(target_pointer_width = "64")]
    value: u128,
    #[cfg(not(target_pointer_width = "64"))]
    pieces: Pieces,
}

impl Digits {
    pub(crate) fn new(value: u128) -> Digits {
        #[cfg(target_pointer_width = "64")]
        return Digits { value };
        #[cfg(not(target_pointer_width = "64"))]
        Digits {
            pieces: Pieces::new(value),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        #[cfg(target_pointer_width = "64")]
        return self.value == 0;
        #[cfg(not(target_pointer_width = "64"))]
        self.pieces.is_zero()
    }

    /// The last digit, taken off.
    pub(crate) fn pop(&mut self) -> u8 {
        #[cfg(target_pointer_width = "64")]
        {
            // Amounts fit in 64 bits: a 128-bit division would be a library call.
            if let Ok(small) = u64::try_from(self.value) {
                self.value = u128::from(small / 10);
                return (small % 10) as u8;
            }
            let digit = (self.value % 10) as u8;
            self.value /= 10;
            digit
        }
        #[cfg(not(target_pointer_width = "64"))]
        self.pieces.pop()
    }
}

/// A 128-bit number as eight 16-bit pieces, the most significant first, divided by 10 by long
/// division in 32-bit arithmetic (each step divides less than 10 × 2^16 by 10, with
/// [`split10`]). What a device takes digits off with; compiled everywhere so that the desktop's
/// tests check it against plain division.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
pub(crate) struct Pieces([u32; 8]);

#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
impl Pieces {
    pub(crate) fn new(value: u128) -> Pieces {
        let mut pieces = [0u32; 8];
        let mut rest = value;
        for piece in pieces.iter_mut().rev() {
            *piece = (rest & 0xFFFF) as u32;
            rest >>= 16;
        }
        Pieces(pieces)
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().all(|&p| p == 0)
    }

    /// The last digit, taken off.
    pub(crate) fn pop(&mut self) -> u8 {
        let mut rest = 0u32;
        for piece in &mut self.0 {
            let (quotient, remainder) = split10((rest << 16) | *piece);
            *piece = quotient;
            rest = remainder;
        }
        rest as u8
    }
}

/// `n / 10` and `n % 10`: by [`div10`] where the target has no fast division by a constant
/// (`no_long_multiply`, set by the build script), by the compiler's multiplication elsewhere
/// (44 bytes less on a Cortex-M4). The tests show the two agree for every `n` a piece's step
/// divides.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
fn split10(n: u32) -> (u32, u32) {
    #[cfg(no_long_multiply)]
    return div10(n);
    #[cfg(not(no_long_multiply))]
    (n / 10, n % 10)
}

/// `n / 10` and `n % 10` by shifts and adds (Hacker's Delight, `divu10`). A Cortex-M0 has no
/// divide instruction and no 32 × 32 → 64-bit multiply, so `n / 10` there calls
/// compiler-builtins' division routine: 400 bytes of flash for the one constant divisor.
#[cfg_attr(not(no_long_multiply), allow(dead_code))]
fn div10(n: u32) -> (u32, u32) {
    let mut q = (n >> 1).wrapping_add(n >> 2);
    q = q.wrapping_add(q >> 4);
    q = q.wrapping_add(q >> 8);
    q = q.wrapping_add(q >> 16);
    q >>= 3;
    // q is n / 10 or one less; r is below 20.
    let r = n.wrapping_sub(q.wrapping_mul(10));
    if r >= 10 {
        (q.wrapping_add(1), r.wrapping_sub(10))
    } else {
        (q, r)
    }
}

/// Bytes enough for any [`Decimal`] as text: a sign, 20 digits, 6 commas and a point, or a
/// leading `0.` and up to 38 decimals.
pub const DECIMAL_TEXT: usize = 64;

impl Decimal {
    /// `units` minor units of a commodity with `decimals` decimal places.
    pub fn new(units: i64, decimals: u8) -> Self {
        Self { units, decimals }
    }

    /// The number as text in `out`, its thousands grouped if `grouped` (`1,234.50`), without
    /// `core::fmt`: what [`Display`](fmt::Display) writes, and what a device prints with a few
    /// hundred bytes of code instead of the formatting machinery's kilobytes.
    ///
    /// ```
    /// use ledger_core::amount::Decimal;
    /// let mut out = [0u8; ledger_core::amount::DECIMAL_TEXT];
    /// assert_eq!(Decimal::new(-123456789, 2).write_to(true, &mut out), b"-1,234,567.89");
    /// ```
    pub fn write_to<'o>(&self, grouped: bool, out: &'o mut [u8; DECIMAL_TEXT]) -> &'o [u8] {
        let magnitude = u128::from(self.units.unsigned_abs());
        let start = write_number(
            out,
            DECIMAL_TEXT,
            magnitude,
            self.units < 0,
            self.decimals,
            grouped,
        );
        out.get(start..).unwrap_or_default()
    }
}

/// Writes `magnitude` (with `decimals` of its digits after the point, its thousands grouped if
/// `grouped`, a minus sign if `negative`) so that it ends just before `out[end]`, from its last
/// digit back, in one pass; returns where it starts. `out` must have room (a caller's buffer
/// of [`DECIMAL_TEXT`] holds any `Decimal`; what does not fit is left out, never written out of
/// bounds).
pub(crate) fn write_number(
    out: &mut [u8],
    mut end: usize,
    magnitude: u128,
    negative: bool,
    decimals: u8,
    grouped: bool,
) -> usize {
    let decimals = usize::from(decimals);
    let mut digits = Digits::new(magnitude);
    let mut put = |byte: u8| {
        end = end.saturating_sub(1);
        if let Some(slot) = out.get_mut(end) {
            *slot = byte;
        }
    };
    let mut written = 0usize;
    // Digits before the point since the last comma: counted, not `% 3` (a division on a
    // Cortex-M0).
    let mut in_group = 0u8;
    loop {
        if written == decimals && decimals > 0 {
            put(b'.');
        } else if grouped && written > decimals && in_group == 3 {
            put(b',');
            in_group = 0;
        }
        put(b'0'.saturating_add(digits.pop()));
        if written >= decimals {
            in_group = in_group.saturating_add(1);
        }
        written = written.saturating_add(1);
        if digits.is_zero() && written > decimals {
            break;
        }
    }
    if negative {
        put(b'-');
    }
    end
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written out whole, then handed to the formatter once: a write per digit cost a tenth
        // of a million-row `list --format csv`.
        let mut out = [0u8; DECIMAL_TEXT];
        f.write_str(ascii(self.write_to(!f.alternate(), &mut out)))
    }
}

fn ascii(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("?")
}

#[cfg(test)]
mod currency_tests {
    use super::*;

    /// A device's digits (16-bit pieces, 32-bit arithmetic) are plain division's, for numbers
    /// of every size up to the largest 128-bit one.
    #[test]
    fn pieces_give_the_digits_division_gives() {
        let mut value: u128 = 1;
        let mut samples = vec![
            0,
            9,
            10,
            65_535,
            65_536,
            655_359,
            u128::from(u64::MAX),
            u128::MAX,
        ];
        for _ in 0..200 {
            value = value
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            samples.push(value);
            samples.push(value >> 64);
            samples.push(value >> 100);
        }
        for sample in samples {
            let (mut pieces, mut plain) = (Pieces::new(sample), sample);
            loop {
                assert_eq!(pieces.pop(), (plain % 10) as u8, "{sample}");
                plain /= 10;
                assert_eq!(pieces.is_zero(), plain == 0, "{sample}");
                if plain == 0 {
                    break;
                }
            }
        }
    }

    /// Division by 10 without a divide: every number a piece's step divides (below
    /// 10 × 2^16), and numbers across the rest of the 32-bit range.
    #[test]
    fn div10_is_division_by_ten() {
        let every_step = 0..10 * 65_536;
        let across = (0..=u32::MAX / 65_521).map(|k| k * 65_521);
        let edges = [u32::MAX, u32::MAX - 5, u32::MAX - 9, 4_294_967_290];
        for n in every_step.chain(across).chain(edges) {
            assert_eq!(div10(n), (n / 10, n % 10), "{n}");
        }
    }

    /// Written in one pass from the last digit: every grouping, sign and number of decimals.
    #[test]
    fn decimals_are_written_as_they_always_were() {
        let cases: &[(i64, u8, bool, &str)] = &[
            (0, 0, true, "0"),
            (0, 2, true, "0.00"),
            (5, 3, false, "0.005"),
            (-5, 3, true, "-0.005"),
            (1234, 0, true, "1,234"),
            (123, 0, true, "123"),
            (-123456789, 2, true, "-1,234,567.89"),
            (-123456789, 2, false, "-1234567.89"),
            (100_000, 2, true, "1,000.00"),
            (i64::MIN, 0, true, "-9,223,372,036,854,775,808"),
            (i64::MAX, 18, false, "9.223372036854775807"),
            (7, 30, false, "0.000000000000000000000000000007"),
        ];
        for &(units, decimals, grouped, text) in cases {
            let mut out = [0u8; DECIMAL_TEXT];
            let written = Decimal::new(units, decimals).write_to(grouped, &mut out);
            assert_eq!(
                core::str::from_utf8(written).unwrap(),
                text,
                "{units} {decimals}"
            );
        }
    }

    /// The device's short list agrees with the full one, code by code.
    #[test]
    fn the_short_list_is_part_of_the_full_one() {
        for &(code, decimals) in SHORT_LIST {
            let full = CURRENCIES.iter().find(|(c, _)| *c == code);
            assert_eq!(full.map(|&(_, d)| d), Some(decimals), "{code}");
        }
        // Sorted and without repeats, and the ones recorders asked for are there.
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        for (code, decimals) in [("KES", 2), ("XOF", 0), ("IQD", 3), ("CLF", 4), ("HRK", 2)] {
            assert_eq!(known_currency_decimals(code), Some(decimals), "{code}");
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn parses_the_forms_a_recorder_types() {
        let usd = 2;
        for text in [
            "550000000000",
            "550,000,000,000",
            "550,000,000,000.00",
            "550bn",
            "550B",
            "0.55T",
            "550000M",
            "550000000k",
        ] {
            assert_eq!(parse_quantity(text, usd), Ok(55_000_000_000_000), "{text}");
        }
        assert_eq!(parse_quantity("1.5k", 0), Ok(1_500));
        assert_eq!(
            parse_quantity("1.500", 2),
            Ok(150),
            "trailing zeros beyond the decimals are exact"
        );
        assert_eq!(parse_quantity(".5", 2), Ok(50));
        assert_eq!(parse_quantity("+7", 0), Ok(7));
        assert_eq!(parse_quantity("0", 2), Ok(0));
        assert_eq!(parse_quantity("-12.34", 2), Ok(-1234));
    }

    #[test]
    fn rejects_rounding_overflow_and_bad_syntax() {
        assert_eq!(
            parse_quantity("1.005", 2),
            Err(InputError::TooManyDecimals { allowed: 2 })
        );
        assert_eq!(
            parse_quantity("0.5", 0),
            Err(InputError::TooManyDecimals { allowed: 0 })
        );
        assert_eq!(
            parse_quantity("1.2345k", 0),
            Err(InputError::TooManyDecimals { allowed: 0 })
        );
        assert_eq!(parse_quantity("9223372036854775807", 0), Ok(i64::MAX));
        assert_eq!(
            parse_quantity("9223372036854775808", 0),
            Err(InputError::AmountOverflow)
        );
        assert_eq!(parse_quantity("-9223372036854775808", 0), Ok(i64::MIN));
        assert_eq!(
            parse_quantity("-9223372036854775809", 0),
            Err(InputError::AmountOverflow)
        );
        assert_eq!(
            parse_quantity("92233720368547758.08", 2),
            Err(InputError::AmountOverflow)
        );
        assert_eq!(parse_quantity("10T", 18), Err(InputError::AmountOverflow));
        assert_eq!(
            parse_quantity("99999999999999999999999999999999999999999", 0),
            Err(InputError::AmountOverflow)
        );
        for bad in [
            "", "-", ".", "1,00", "1,0000", ",100", "1.2.3", "12x", "1 000", "bn", "1e3", "--1",
            "1.-2",
        ] {
            assert!(parse_quantity(bad, 2).is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(parse_quantity("1", 19), Err(InputError::DecimalsOutOfRange));
    }

    #[test]
    fn splits_quantity_and_code_in_either_order() {
        assert_eq!(split_amount("550bn USD"), Ok(("550bn", "USD")));
        assert_eq!(split_amount("  USD   -5 "), Ok(("-5", "USD")));
        assert_eq!(split_amount("250"), Err(InputError::AmountMissingCommodity));
        assert_eq!(split_amount("USD"), Err(InputError::AmountSyntax));
        assert_eq!(split_amount("1 2"), Err(InputError::AmountSyntax));
        assert_eq!(split_amount("1 USD extra"), Err(InputError::AmountSyntax));
    }

    #[test]
    fn codes_are_checked_never_truncated() {
        assert!(parse_code("trees").is_ok());
        assert!(
            parse_code("critical-minerals").is_err(),
            "17 bytes is over capacity"
        );
        assert!(parse_code("1USD").is_err());
        assert!(parse_code("US D").is_err());
        assert!(parse_code("").is_err());
        assert_eq!(known_currency_decimals("JPY"), Some(0));
        assert_eq!(known_currency_decimals("UDS"), None);
    }

    #[test]
    fn formats_at_the_edges() {
        assert_eq!(format!("{}", Decimal::new(0, 2)), "0.00");
        assert_eq!(format!("{}", Decimal::new(0, 0)), "0");
        assert_eq!(
            format!("{}", Decimal::new(55_000_000_000_000, 2)),
            "550,000,000,000.00"
        );
        assert_eq!(
            format!("{:#}", Decimal::new(55_000_000_000_000, 2)),
            "550000000000.00"
        );
        assert_eq!(
            format!("{}", Decimal::new(i64::MAX, 0)),
            "9,223,372,036,854,775,807"
        );
        assert_eq!(
            format!("{}", Decimal::new(i64::MIN, 0)),
            "-9,223,372,036,854,775,808"
        );
        assert_eq!(
            format!("{}", Decimal::new(i64::MIN, 18)),
            "-9.223372036854775808"
        );
        assert_eq!(format!("{}", Decimal::new(1, 18)), "0.000000000000000001");
        assert_eq!(format!("{}", Decimal::new(-5, 2)), "-0.05");
        assert_eq!(format!("{}", Decimal::new(100, 0)), "100");
        assert_eq!(format!("{}", Decimal::new(1000, 0)), "1,000");
    }

    proptest::proptest! {
        #[test]
        fn formatting_then_parsing_is_the_identity(units: i64, decimals in 0u8..=MAX_DECIMALS) {
            let grouped = format!("{}", Decimal::new(units, decimals));
            let plain = format!("{:#}", Decimal::new(units, decimals));
            proptest::prop_assert_eq!(parse_quantity(&grouped, decimals), Ok(units));
            proptest::prop_assert_eq!(parse_quantity(&plain, decimals), Ok(units));
        }
    }
}
