//! Calendar dates as a count of days since 1970-01-01 (proleptic Gregorian, no time zone).
//!
//! The conversion is Howard Hinnant's `days_from_civil` / `civil_from_days`, a few lines of
//! integer arithmetic; a date crate would cost more code on a device than it saves. The tests
//! check it against the `time` crate over the whole supported range.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser};

use crate::error::InputError;

/// A calendar day, held as days since 1970-01-01. Ordered chronologically.
///
/// On the wire a date is days since [`WIRE_EPOCH`] (2025-01-01) as a zigzag varint: two bytes
/// from 2002-07-29 to 2047-06-06, three for any other day in range. A decoded date outside
/// [`MIN`]..=[`MAX`] is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Date(pub i32);

/// The day dates are counted from on the wire: 2025-01-01, so that the dates a ledger
/// records today cost two bytes.
pub const WIRE_EPOCH: Date = Date(20_089);

/// The earliest date pledge accepts: 0001-01-01.
pub const MIN: Date = Date(-719_162);
/// The latest date pledge accepts: 9999-12-31.
pub const MAX: Date = Date(2_932_896);

impl Date {
    /// The date with this year, month (1–12) and day (1–31), if it exists and is in range.
    // Checked above: |year| < 10^4, month and day small; no intermediate value nears i32's limits.
    #[allow(clippy::arithmetic_side_effects)]
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Date, InputError> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(InputError::DateOutOfRange);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(InputError::DateOutOfRange);
        }
        // All intermediate values are small: |year| < 10^4, so i32 arithmetic cannot overflow.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = month as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Ok(Date(era * 146_097 + doe - 719_468))
    }

    /// Year, month and day. Defined for every `i32`, exact within [`MIN`]..=[`MAX`].
    // Done in i64 from an i32: every intermediate value stays below 2^40.
    #[allow(clippy::arithmetic_side_effects)]
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = i64::from(self.0) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year as i32, month as u32, day as u32)
    }

    /// Parses exactly `YYYY-MM-DD`.
    ///
    /// ```
    /// use ledger_core::date::Date;
    /// assert_eq!(Date::parse("1970-01-02"), Ok(Date(1)));
    /// assert!(Date::parse("2025-02-29").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Date, InputError> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(InputError::DateSyntax);
        }
        let number = |range: core::ops::Range<usize>| -> Result<u32, InputError> {
            text.get(range)
                .and_then(|digits| digits.parse().ok())
                .ok_or(InputError::DateSyntax)
        };
        let year = number(0..4)?;
        Date::from_ymd(year as i32, number(5..7)?, number(8..10)?)
    }

    /// The date `days` later (or earlier, if negative), if it is within range.
    pub fn checked_add_days(self, days: i32) -> Option<Date> {
        let date = Date(self.0.checked_add(days)?);
        (MIN..=MAX).contains(&date).then_some(date)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !(MIN..=MAX).contains(self) {
            return Err(ser::Error::custom("date out of range"));
        }
        // In range, so the difference is small and cannot overflow.
        crate::wire::i32(&self.0.wrapping_sub(WIRE_EPOCH.0), serializer)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let days = i32::deserialize(deserializer)?;
        WIRE_EPOCH
            .checked_add_days(days)
            .ok_or_else(|| de::Error::custom("date out of range"))
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// The date as `YYYY-MM-DD` in ASCII, for a year from 0 to 9999 (every date in
    /// [`MIN`]..=[`MAX`]); `None` for a date outside them.
    pub fn iso_bytes(self) -> Option<[u8; 10]> {
        let (year, month, day) = self.ymd();
        let year = u32::try_from(year).ok().filter(|&y| y <= 9999)?;
        // A digit is at most 9, so it fits in the low bits of '0' (0x30).
        let digit = |n: u32| b'0' | (n % 10) as u8;
        Some([
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ])
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Digits by hand: listing a million pledges prints two or three dates a row, and the
        // formatting machinery was an eighth of that.
        match self.iso_bytes() {
            Some(bytes) => f.write_str(core::str::from_utf8(&bytes).map_err(|_| fmt::Error)?),
            None => {
                let (year, month, day) = self.ymd();
                write!(f, "{year:04}-{month:02}-{day:02}")
            }
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn agrees_with_the_time_crate_over_the_whole_range() {
        let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1).unwrap();
        let mut reference = time::Date::from_calendar_date(1, time::Month::January, 1).unwrap();
        for days in MIN.0..=MAX.0 {
            let date = Date(days);
            let (y, m, d) = date.ymd();
            assert_eq!(
                (y, m, d),
                (
                    reference.year(),
                    reference.month() as u32,
                    u32::from(reference.day())
                )
            );
            assert_eq!(Date::from_ymd(y, m, d), Ok(date));
            assert_eq!(i64::from(days), (reference - epoch).whole_days());
            assert_eq!(
                date.iso_bytes()
                    .map(|b| String::from_utf8(b.to_vec()).unwrap()),
                Some(format!("{y:04}-{m:02}-{d:02}"))
            );
            reference = reference.next_day().unwrap_or(reference);
        }
    }

    #[test]
    fn parses_and_prints() {
        let date = Date::parse("2025-10-28").unwrap();
        assert_eq!(format!("{date}"), "2025-10-28");
        assert_eq!(format!("{MIN} {MAX}"), "0001-01-01 9999-12-31");
        // Outside the range a date still prints, by the general path.
        assert_eq!(format!("{}", Date(MAX.0 + 1)), "10000-01-01");
        assert_eq!(Date::parse("0001-01-01"), Ok(MIN));
        assert_eq!(Date::parse("9999-12-31"), Ok(MAX));
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.ymd()),
            Ok((2024, 2, 29))
        );
        for bad in [
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "2100-02-29",
            "0000-01-01",
        ] {
            assert_eq!(Date::parse(bad), Err(InputError::DateOutOfRange), "{bad}");
        }
        for bad in [
            "2025-1-01",
            "25-10-28",
            "2025/10/28",
            "2025-10-28 ",
            "+025-10-28",
            "",
            "2025-10-2x",
        ] {
            assert_eq!(Date::parse(bad), Err(InputError::DateSyntax), "{bad}");
        }
    }

    mod erased {
        /// Serializes with postcard into a fresh vector.
        pub trait Wire {
            fn wire(&self) -> Result<Vec<u8>, postcard::Error>;
        }
        impl<T: serde::Serialize> Wire for T {
            fn wire(&self) -> Result<Vec<u8>, postcard::Error> {
                let mut buf = [0u8; 16];
                postcard::to_slice(self, &mut buf).map(|b| b.to_vec())
            }
        }
    }

    #[test]
    fn the_wire_epoch_is_2025_01_01_and_dates_near_it_take_two_bytes() {
        assert_eq!(WIRE_EPOCH, Date::parse("2025-01-01").unwrap());
        let wire = |value: &dyn erased::Wire| value.wire();
        let bytes = |d: &str| wire(&Date::parse(d).unwrap()).unwrap();
        assert_eq!(&bytes("2025-01-01")[..], &[0]);
        assert_eq!(
            &bytes("2025-10-28")[..],
            &[0xd8, 0x04],
            "300 days: zigzag 600 = 0x258"
        );
        assert_eq!(bytes("2002-07-29").len(), 2);
        assert_eq!(bytes("2002-07-28").len(), 3);
        assert_eq!(bytes("2047-06-06").len(), 2);
        assert_eq!(bytes("2047-06-07").len(), 3);
        assert_eq!(bytes("1970-01-01").len(), 3);
        for date in [MIN, Date(0), WIRE_EPOCH, MAX] {
            let encoded = wire(&date).unwrap();
            assert_eq!(postcard::from_bytes::<Date>(&encoded), Ok(date));
        }
        let beyond = wire(&(MAX.0 - WIRE_EPOCH.0 + 1)).unwrap();
        assert!(postcard::from_bytes::<Date>(&beyond).is_err());
        assert!(wire(&Date(MAX.0 + 1)).is_err());
    }

    #[test]
    fn adding_days_stays_in_range() {
        assert_eq!(MAX.checked_add_days(1), None);
        assert_eq!(Date(0).checked_add_days(31), Date::parse("1970-02-01").ok());
    }
}
