//! Errors, one flat enum per layer: values typed by a person ([`InputError`]),
//! bytes read from a ledger ([`FormatError`]) and the ledger's rules ([`LedgerError`]).
//!
//! None of them carries a `String`: the caller holds the offending text and names it.

use core::fmt;

use crate::entry::Seq;

/// A value typed by a person (an amount, a date, a name) is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum InputError {
    /// The amount has no quantity, or is not `QUANTITY COMMODITY`.
    AmountSyntax,
    /// The amount has a quantity but no commodity code.
    AmountMissingCommodity,
    /// The amount has more decimal places than its commodity allows.
    TooManyDecimals {
        /// Decimal places the commodity allows.
        allowed: u8,
    },
    /// The amount does not fit in a signed 64-bit count of minor units.
    AmountOverflow,
    /// The amount must be greater than zero here.
    AmountNotPositive,
    /// A commodity code is empty, too long, or has characters other than letters, digits, `-`, `_`.
    CommoditySyntax,
    /// A commodity's decimal places are above [`crate::amount::MAX_DECIMALS`].
    DecimalsOutOfRange,
    /// A date is not `YYYY-MM-DD`.
    DateSyntax,
    /// A date's year, month or day is out of range (years 0001 to 9999).
    DateOutOfRange,
    /// A name or text is empty.
    NameEmpty,
    /// A name or text is longer than its capacity, in bytes of UTF-8.
    NameTooLong {
        /// The length given, in bytes.
        len: usize,
        /// The capacity, in bytes.
        capacity: usize,
    },
    /// A name has a control character, or leading or trailing white space.
    NameInvalid,
    /// Free text has a control character other than a line break or tab, or a bidirectional
    /// override.
    TextInvalid,
    /// An exchange rate is not a positive decimal number with at most 18 decimal places.
    RateSyntax,
    /// More tags than a pledge can hold.
    TooManyTags {
        /// The most a pledge holds.
        capacity: usize,
    },
}

/// The bytes of a ledger are not a valid ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FormatError {
    /// Shorter than the 16-byte preamble.
    PreambleTruncated,
    /// The first 8 bytes are not the pledge magic.
    BadMagic,
    /// The preamble's checksum does not match its bytes.
    PreambleChecksum,
    /// Written by a newer pledge: this reader knows only versions up to `supported`.
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
        /// The newest version this reader understands.
        supported: u16,
    },
    /// Reserved preamble bytes are not zero.
    PreambleReserved,
    /// A frame is longer than any valid record can be.
    FrameTooLong,
    /// A frame's bytes are not valid COBS.
    FrameInvalid,
    /// A frame is too short to hold a payload and its checksum.
    FrameTooShort,
    /// A record's CRC-32C does not match its payload.
    ChecksumMismatch,
    /// A record's payload does not decode as a record.
    PayloadInvalid,
    /// A record decodes but has bytes left over after it.
    PayloadTrailingBytes,
    /// A record has an entry kind this reader does not know (written by a newer pledge).
    UnknownEntryKind {
        /// The entry kind's tag.
        tag: u32,
    },
    /// A record does not fit in the buffer it is being encoded into.
    BufferTooSmall,
    /// A record refers to a record that does not come before it.
    ForwardReference,
}

/// An entry breaks the ledger's rules, given what came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LedgerError {
    /// A record's sequence number is not the next one.
    SequenceMismatch {
        /// The sequence number expected.
        expected: Seq,
        /// The sequence number found.
        found: Seq,
    },
    /// The first record must open the ledger, and only the first.
    MisplacedOpen,
    /// A name is declared twice.
    DuplicateName,
    /// A goal with this name exists already.
    DuplicateGoal,
    /// An id refers to a party, project, sector, tag or commodity never declared.
    UnknownName,
    /// No goal has this id.
    UnknownGoal,
    /// No pledge has this id.
    UnknownPledge(Seq),
    /// The pledge is cancelled; nothing more can happen to it.
    PledgeCancelled(Seq),
    /// An amount's commodity differs from the pledge's or goal's.
    CommodityMismatch,
    /// The amount must be greater than zero.
    AmountNotPositive,
    /// Fulfilments would exceed the pledged amount.
    Overfulfilment {
        /// What is still outstanding, in minor units.
        outstanding: i64,
    },
    /// The pledge is fulfilled already; there is nothing left to cancel.
    PledgeFulfilled(Seq),
    /// A commodity declares more decimal places than [`crate::amount::MAX_DECIMALS`].
    DecimalsOutOfRange,
    /// A pledge is due before it was made.
    DueBeforeDate,
    /// An amendment would bring the pledge below what has already been fulfilled.
    AmendBelowFulfilled {
        /// What has already been fulfilled, in minor units.
        fulfilled: i64,
    },
    /// An event is dated before the pledge or goal it refers to.
    DateBeforeSubject,
    /// A checkpoint's size is not the number of records before it.
    CheckpointSize,
    /// A total does not fit in 64 bits.
    Overflow,
    /// A name or free text breaks [`crate::entry::check_name`] or
    /// [`crate::entry::check_text`]: the same words a writer refuses it with. (The input
    /// error's own variant is kept, not the error, so that this enum stays small.)
    Text(TextRule),
    /// A fixed-capacity table is full.
    CapacityExceeded(Table),
    /// A record is dated after the day it is written (or audited), and is not a pledge marked
    /// planned.
    FutureDate {
        /// The record's date.
        date: crate::date::Date,
        /// The writer's (or auditor's) today.
        today: crate::date::Date,
    },
    /// The record referred to is void.
    Voided(Seq),
    /// The record referred to cannot be voided (only pledges, fulfilments, returns, amendments,
    /// cancellations, reschedules, notes and rates can).
    NotVoidable(Seq),
    /// Voiding the record would break a later record that depends on it, which must be voided
    /// first.
    VoidBreaks {
        /// The later record.
        dependent: Seq,
    },
    /// This reader does not hold the pledge's events in memory (a device's events table is
    /// full), so it cannot void one of them.
    EventsNotHeld(Seq),
    /// The record is not among the pledges held in memory, and settled pledges up to it have
    /// left memory to make room (a device's capacity for pledges): it may be one of them.
    PledgeNotHeld(Seq),
    /// A return would exceed what has been fulfilled.
    ReturnExceedsFulfilled {
        /// What has been fulfilled, in minor units.
        fulfilled: i64,
    },
    /// A rename or merge into the same name, into a name merged away, or of a name merged
    /// away already.
    RenameInvalid,
    /// An exchange rate is zero, has more than 18 decimal places, or prices a commodity in
    /// itself.
    RateInvalid,
    /// The record would take the total of a commodity's pledges beyond 64 bits, where no
    /// report could add them up.
    TotalTooLarge,
    /// A commodity code breaks [`crate::amount::parse_code`]'s syntax.
    CodeInvalid,
}

/// Which rule for names and texts a string broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TextRule {
    /// [`InputError::NameEmpty`].
    Empty,
    /// [`InputError::NameInvalid`].
    Name,
    /// [`InputError::TextInvalid`].
    Text,
}

impl From<TextRule> for InputError {
    fn from(rule: TextRule) -> Self {
        match rule {
            TextRule::Empty => InputError::NameEmpty,
            TextRule::Name => InputError::NameInvalid,
            TextRule::Text => InputError::TextInvalid,
        }
    }
}

/// The fixed-capacity tables of a [`crate::state::State`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Table {
    /// Declared names (parties, projects, sectors, tags).
    Names,
    /// Declared commodities.
    Commodities,
    /// Goals.
    Goals,
    /// Pledges.
    Pledges,
    /// Rows of a report.
    Rows,
    /// Events on pledges (fulfilments, returns, amendments, cancellations, reschedules, notes).
    Events,
    /// Exchange rates.
    Rates,
    /// Renames and merges.
    Renames,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AmountSyntax => f.write_str(
                "not an amount; expected QUANTITY COMMODITY, e.g. `550bn USD` or `1,250.50 EUR`",
            ),
            Self::AmountMissingCommodity => {
                f.write_str("the amount has no commodity; expected e.g. `550bn USD`")
            }
            Self::TooManyDecimals { allowed } => {
                write!(f, "too many decimal places; the commodity allows {allowed}")
            }
            Self::AmountOverflow => f.write_str(
                "the amount is too large; at most 9,223,372,036,854,775,807 minor units",
            ),
            Self::AmountNotPositive => f.write_str("the amount must be greater than zero"),
            Self::CommoditySyntax => f.write_str(
                "not a commodity code; expected 1 to 16 letters, digits, `-` or `_`, starting with a letter",
            ),
            Self::DecimalsOutOfRange => write!(
                f,
                "decimal places must be 0 to {}",
                crate::amount::MAX_DECIMALS
            ),
            Self::DateSyntax => f.write_str("not a date; expected YYYY-MM-DD"),
            Self::DateOutOfRange => {
                f.write_str("no such date; expected a real day between 0001-01-01 and 9999-12-31")
            }
            Self::NameEmpty => f.write_str("must not be empty"),
            Self::NameTooLong { len, capacity } => {
                write!(f, "is {len} bytes long; at most {capacity} bytes fit")
            }
            Self::NameInvalid => f.write_str(
                "must not contain control characters or bidirectional overrides, or begin or end with white space",
            ),
            Self::TextInvalid => f.write_str(
                "must not contain control characters other than line breaks and tabs, or bidirectional overrides",
            ),
            Self::TooManyTags { capacity } => write!(f, "at most {capacity} tags per pledge"),
            Self::RateSyntax => f.write_str(
                "not a rate; expected a decimal number greater than zero with at most 18 decimal places, e.g. `1.0825`",
            ),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PreambleTruncated => f.write_str("shorter than the 16-byte pledge preamble"),
            Self::BadMagic => f.write_str("not a pledge ledger (bad magic bytes)"),
            Self::PreambleChecksum => f.write_str("the preamble's checksum does not match"),
            Self::UnsupportedVersion { found, supported } => write!(
                f,
                "format version {found} is newer than this pledge supports ({supported}); upgrade pledge"
            ),
            Self::PreambleReserved => f.write_str("reserved preamble bytes are not zero"),
            Self::FrameTooLong => f.write_str("a frame is longer than any valid record"),
            Self::FrameInvalid => f.write_str("a frame is not valid COBS"),
            Self::FrameTooShort => f.write_str("a frame is too short to hold a record"),
            Self::ChecksumMismatch => f.write_str("the record's CRC-32C does not match"),
            Self::PayloadInvalid => f.write_str("the record's payload does not decode"),
            Self::PayloadTrailingBytes => f.write_str("the record's payload has trailing bytes"),
            Self::UnknownEntryKind { tag } => {
                write!(f, "unknown entry kind {tag} (written by a newer pledge?)")
            }
            Self::BufferTooSmall => f.write_str("the record does not fit in the buffer"),
            Self::ForwardReference => {
                f.write_str("the record refers to a record that does not come before it")
            }
        }
    }
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SequenceMismatch { expected, found } => {
                write!(f, "sequence number {found} where {expected} was expected")
            }
            Self::MisplacedOpen => {
                f.write_str("the ledger must begin with exactly one `open` record")
            }
            Self::DuplicateName => f.write_str("the name is declared already"),
            Self::DuplicateGoal => f.write_str("a goal with this name exists already"),
            Self::UnknownName => f.write_str("refers to a name that was never declared"),
            Self::UnknownGoal => f.write_str("refers to a goal that does not exist"),
            Self::UnknownPledge(seq) => write!(f, "there is no pledge #{seq}"),
            Self::PledgeCancelled(seq) => write!(f, "pledge #{seq} is cancelled"),
            Self::CommodityMismatch => {
                f.write_str("the commodity differs from the pledge's or goal's")
            }
            Self::AmountNotPositive => f.write_str("the amount must be greater than zero"),
            Self::Overfulfilment { .. } => {
                f.write_str("fulfilments would exceed the pledged amount")
            }
            Self::PledgeFulfilled(seq) => write!(f, "pledge #{seq} is fulfilled already"),
            Self::DecimalsOutOfRange => write!(
                f,
                "decimal places must be 0 to {}",
                crate::amount::MAX_DECIMALS
            ),
            Self::DueBeforeDate => f.write_str("the due date is before the pledge's date"),
            Self::AmendBelowFulfilled { .. } => {
                f.write_str("the revised amount is below what has already been fulfilled")
            }
            Self::DateBeforeSubject => {
                f.write_str("the date is before that of the pledge or goal it refers to")
            }
            Self::CheckpointSize => {
                f.write_str("the checkpoint's size is not the number of records before it")
            }
            Self::Overflow => f.write_str("a total exceeds 64 bits"),
            Self::Text(rule) => write!(f, "a name or text {}", InputError::from(*rule)),
            Self::CapacityExceeded(table) => write!(f, "the {table} table is full"),
            Self::FutureDate { date, today } => write!(
                f,
                "dated {date}, after today ({today}); only a pledge marked planned may be dated ahead"
            ),
            Self::Voided(seq) => write!(f, "record #{seq} is void"),
            Self::NotVoidable(seq) => write!(
                f,
                "record #{seq} cannot be voided; only pledges, fulfilments, returns, amendments, cancellations, reschedules, notes and rates can"
            ),
            Self::VoidBreaks { dependent } => write!(
                f,
                "record #{dependent} depends on the record voided; void #{dependent} first"
            ),
            Self::EventsNotHeld(seq) => write!(
                f,
                "the events of pledge #{seq} are not held in memory here; void it on a desktop"
            ),
            Self::PledgeNotHeld(seq) => write!(
                f,
                "record #{seq} is not a pledge held in memory here, and settled pledges have left it to make room; record this on a desktop"
            ),
            Self::ReturnExceedsFulfilled { .. } => {
                f.write_str("a return would exceed what was fulfilled")
            }
            Self::RenameInvalid => f.write_str(
                "a name can only be renamed or merged once, into a different name that is itself not merged away",
            ),
            Self::RateInvalid => f.write_str(
                "a rate must be greater than zero, have at most 18 decimal places and join two different commodities",
            ),
            Self::CodeInvalid => InputError::CommoditySyntax.fmt(f),
            Self::TotalTooLarge => f.write_str(
                "the total pledged in this commodity would exceed 9,223,372,036,854,775,807 minor units (64 bits)",
            ),
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Names => "names",
            Self::Commodities => "commodities",
            Self::Goals => "goals",
            Self::Pledges => "pledges",
            Self::Rows => "report rows",
            Self::Events => "events",
            Self::Rates => "rates",
            Self::Renames => "renames",
        })
    }
}

impl core::error::Error for InputError {}
impl core::error::Error for FormatError {}
impl core::error::Error for LedgerError {}
