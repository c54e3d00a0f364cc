//! The entries of a ledger: what a recorder says happened. Nothing is ever rewritten; a
//! correction is a new entry that refers to the one it corrects.
//!
//! Names (parties, projects, sectors, tags) and commodities are declared once by their own
//! entries and referred to by a small per-kind index, so a pledge costs a few bytes per name
//! instead of the name's length. The trade-off: a reader must fold the declarations before it
//! can print a pledge, and a device keeps its name tables in RAM.
//!
//! The variant order of [`Entry`] is the wire tag (see `docs/FORMAT.md`); variants are only
//! ever appended.

use serde::{Deserialize, Serialize};

use crate::amount::{Amount, Commodity};
use crate::date::Date;
use crate::error::{InputError, TextRule};

/// A record's position in the ledger, from 0 (the `open` record). Also the id of the pledge or
/// goal a record creates: pledge #7 is the record with sequence number 7.
pub type Seq = u32;

/// Capacity of a name (party, project, sector, tag, goal, ledger origin), in bytes of UTF-8.
pub const NAME_CAPACITY: usize = 64;
/// Capacity of a memo, reason or note, in bytes of UTF-8.
pub const TEXT_CAPACITY: usize = 256;
/// The most tags one pledge carries.
pub const MAX_TAGS: usize = 8;

/// A name: a party, project, sector, tag, goal or the ledger's origin.
pub type Name = heapless::String<NAME_CAPACITY>;
/// Free text: a memo, a reason, a note.
pub type Text = heapless::String<TEXT_CAPACITY>;
/// A pledge's tags.
pub type Tags = heapless::Vec<TagId, MAX_TAGS>;

macro_rules! index_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                crate::wire::u32(&self.0, serializer)
            }
        }
    )*};
}

index_type! {
    /// Index of a declared party (a pledger or a beneficiary), in order of declaration from 0.
    PartyId,
    /// Index of a declared project, in order of declaration from 0.
    ProjectId,
    /// Index of a declared sector, in order of declaration from 0.
    SectorId,
    /// Index of a declared tag, in order of declaration from 0.
    TagId,
    /// Index of a goal, in order of creation from 0.
    GoalId,
}

/// One record of the ledger: its sequence number and its entry.
///
/// On the wire only the low 8 bits of the sequence number are stored; the reader restores the
/// rest from the record's position (see [`crate::record::decode_payload`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Position in the ledger, from 0; must be one more than the previous record's.
    pub seq: Seq,
    /// What happened.
    pub entry: Entry,
}

/// Something that happened, in the order of its wire tag.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Tag 0. The first record, and only the first: the ledger's identity.
    Open(Open),
    /// Tag 1. Declares a commodity.
    Commodity(Commodity),
    /// Tag 2. Declares a party: a government, fund, company, person or group.
    #[serde(with = "crate::wire::text")]
    Party(Name),
    /// Tag 3. Declares a project.
    #[serde(with = "crate::wire::text")]
    Project(Name),
    /// Tag 4. Declares a sector.
    #[serde(with = "crate::wire::text")]
    Sector(Name),
    /// Tag 5. Declares a tag.
    #[serde(with = "crate::wire::text")]
    Tag(Name),
    /// Tag 6. Sets a goal: a target amount for a beneficiary or programme.
    Goal(Goal),
    /// Tag 7. Records a pledge.
    Pledge(Pledge),
    /// Tag 8. Records a fulfilment (disbursement, delivery) against a pledge.
    Fulfil(Fulfil),
    /// Tag 9. Revises a pledge's amount.
    Amend(Amend),
    /// Tag 10. Cancels what remains of a pledge.
    Cancel(Cancel),
    /// Tag 11. A note on the ledger, a pledge or a goal.
    Note(Note),
    /// Tag 12. The Merkle root of every record before this one, optionally signed.
    Checkpoint(Checkpoint),
    /// Tag 13. An exact exchange rate between two commodities, for the ledger or fixed by a goal.
    #[cfg(feature = "corrections")]
    Rate(Rate),
    /// Tag 14. An earlier record entered by mistake, voided: it never happened.
    #[cfg(feature = "corrections")]
    Void(Void),
    /// Tag 15. Funds returned: a fulfilment reversed in part or whole.
    #[cfg(feature = "corrections")]
    Return(Return),
    /// Tag 16. A party, project, sector, tag or goal renamed, or merged into another.
    #[cfg(feature = "corrections")]
    Rename(Rename),
    /// Tag 17. A pledge's due date moved (or removed).
    #[cfg(feature = "corrections")]
    Reschedule(Reschedule),
    /// Tag 18. A goal's target, deadline or beneficiary revised.
    #[cfg(feature = "corrections")]
    Revise(Revise),
}

/// The tag of the last [`Entry`] variant this build knows: 18, or 12 without the
/// `corrections` feature (a device that leaves tags 13 to 18 out reads them as unknown kinds).
#[cfg(feature = "corrections")]
pub const LAST_ENTRY_TAG: u32 = 18;
/// The tag of the last [`Entry`] variant this build knows.
#[cfg(not(feature = "corrections"))]
pub const LAST_ENTRY_TAG: u32 = 12;

/// The tag of [`Entry::Checkpoint`] on the wire: readers that hash records without decoding
/// them look for it.
pub const CHECKPOINT_TAG: u32 = 12;

/// A checkpoint: the size and root of the tree of every record before it (so `size` is this
/// record's own sequence number), with the signature of its C2SP checkpoint body
/// (`origin\nsize\nbase64(root)\n`, see [`crate::checkpoint`]) if it was signed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many records the tree covers.
    #[serde(serialize_with = "crate::wire::u64")]
    pub size: u64,
    /// The tree's root.
    #[serde(deserialize_with = "crate::wire::byte_array")]
    pub root: [u8; 32],
    /// Who signed the checkpoint body, if anyone.
    pub signature: Option<crate::checkpoint::NoteSignature>,
}

/// The ledger's identity, in the first record.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// A name for the ledger, unique to its keeper, e.g. `pledge.example/us-japan-2025`
    /// (the origin line of a transparency-log checkpoint).
    #[serde(with = "crate::wire::text")]
    pub origin: Name,
}

/// A target amount for a beneficiary or programme.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// When the goal was set.
    pub date: Date,
    /// The goal's name, unique in the ledger.
    #[serde(with = "crate::wire::text")]
    pub name: Name,
    /// Who benefits, if one party does.
    pub beneficiary: Option<PartyId>,
    /// The target; pledges toward the goal must be in its commodity.
    pub target: Amount,
    /// When the target should be reached.
    pub deadline: Option<Date>,
    /// Free text.
    #[serde(with = "crate::wire::optional_text")]
    pub memo: Option<Text>,
}

/// A commitment by one party to another. Its optional fields are encoded behind one flags
/// byte (see [`crate::pledge_wire`]), which keeps a typical pledge near 25 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pledge {
    /// When the pledge was made.
    pub date: Date,
    /// The pledger.
    pub from: PartyId,
    /// The beneficiary.
    pub to: PartyId,
    /// What was pledged; greater than zero.
    pub amount: Amount,
    /// The goal it counts toward.
    pub goal: Option<GoalId>,
    /// The project it funds.
    pub project: Option<ProjectId>,
    /// The sector it belongs to.
    pub sector: Option<SectorId>,
    /// Free classification.
    pub tags: Tags,
    /// When it is due to be fulfilled.
    pub due: Option<Date>,
    /// Free text.
    pub memo: Option<Text>,
    /// Dated ahead on purpose: a pledge announced for a future date. Any other record dated
    /// after the day it is written is refused (see [`crate::error::LedgerError::FutureDate`]).
    pub planned: bool,
}

/// Part or all of a pledge delivered.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Fulfil {
    /// When it was delivered.
    pub date: Date,
    /// The pledge, by its sequence number.
    #[serde(serialize_with = "crate::wire::u32")]
    pub pledge: Seq,
    /// How much; in the pledge's commodity, greater than zero, at most what is outstanding.
    pub amount: Amount,
    /// Free text.
    #[serde(with = "crate::wire::optional_text")]
    pub memo: Option<Text>,
}

/// A pledge's amount revised.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Amend {
    /// When the revision was announced.
    pub date: Date,
    /// The pledge, by its sequence number.
    #[serde(serialize_with = "crate::wire::u32")]
    pub pledge: Seq,
    /// The new amount; in the pledge's commodity, at least what has been fulfilled.
    pub amount: Amount,
    /// Why.
    #[serde(with = "crate::wire::text")]
    pub reason: Text,
}

/// What remains of a pledge withdrawn. What was fulfilled before stays fulfilled.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Cancel {
    /// When it was cancelled.
    pub date: Date,
    /// The pledge, by its sequence number.
    #[serde(serialize_with = "crate::wire::u32")]
    pub pledge: Seq,
    /// Why.
    #[serde(with = "crate::wire::text")]
    pub reason: Text,
}

/// A note on the ledger, or on one pledge or goal.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// When.
    pub date: Date,
    /// The pledge or goal it is about, by sequence number; `None` for the whole ledger.
    #[serde(serialize_with = "crate::wire::option_u32")]
    pub about: Option<Seq>,
    /// The note.
    #[serde(with = "crate::wire::text")]
    pub text: Text,
}

/// An exact rate: `mantissa / 10^scale` units of the quote commodity for one unit of the base
/// commodity (major units, as people quote rates: 1 EUR = 1.0825 USD is mantissa 10825,
/// scale 4). Never a float.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactRate {
    /// The digits, greater than zero.
    #[serde(serialize_with = "crate::wire::u64")]
    pub mantissa: u64,
    /// Decimal places of the mantissa, at most [`crate::amount::MAX_DECIMALS`].
    pub scale: u8,
}

/// How much of one commodity one unit of another is worth, from a date.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    /// From when the rate holds (a goal's reference rate holds for the whole goal).
    pub date: Date,
    /// The commodity priced.
    pub base: crate::amount::CommodityId,
    /// The commodity it is priced in.
    pub quote: crate::amount::CommodityId,
    /// One unit of `base` is worth this many units of `quote`.
    pub rate: ExactRate,
    /// The goal that fixes this rate as its reference rate; `None` for the ledger's own rates.
    pub goal: Option<GoalId>,
}

/// An earlier record voided: entered by mistake, it counts nowhere from now on (in every as-of
/// view too), though it stays in the ledger and in its Merkle tree.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Void {
    /// When the mistake was corrected.
    pub date: Date,
    /// The record voided: a pledge, fulfilment, return, amendment, cancellation, reschedule,
    /// note or rate.
    #[serde(serialize_with = "crate::wire::u32")]
    pub record: Seq,
    /// Why.
    #[serde(with = "crate::wire::text")]
    pub reason: Text,
}

/// Funds given back: part or all of what was fulfilled, reversed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// When the funds came back.
    pub date: Date,
    /// The pledge, by its sequence number.
    #[serde(serialize_with = "crate::wire::u32")]
    pub pledge: Seq,
    /// How much; in the pledge's commodity, greater than zero, at most what is fulfilled.
    pub amount: Amount,
    /// Free text.
    #[serde(with = "crate::wire::optional_text")]
    pub memo: Option<Text>,
}

/// The kinds of name a [`Rename`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RenameKind {
    /// A party.
    Party,
    /// A project.
    Project,
    /// A sector.
    Sector,
    /// A tag.
    Tag,
    /// A goal.
    Goal,
}

impl RenameKind {
    /// Every kind, in wire order (the wire byte is the index).
    pub const ALL: [RenameKind; 5] = [
        RenameKind::Party,
        RenameKind::Project,
        RenameKind::Sector,
        RenameKind::Tag,
        RenameKind::Goal,
    ];

    /// The lower-case word the CLI uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RenameKind::Party => "party",
            RenameKind::Project => "project",
            RenameKind::Sector => "sector",
            RenameKind::Tag => "tag",
            RenameKind::Goal => "goal",
        }
    }
}

impl Serialize for RenameKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(*self as u8)
    }
}

impl<'de> Deserialize<'de> for RenameKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let byte = u8::deserialize(deserializer)?;
        RenameKind::ALL
            .get(usize::from(byte))
            .copied()
            .ok_or_else(|| serde::de::Error::custom("unknown kind of name"))
    }
}

/// A name replaced by another of its kind. Reports show the new name from then on (in every
/// as-of view); records keep the id they were written with, so `show` still names the old one.
/// When the other name already had records of its own, the two are merged.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// When.
    pub date: Date,
    /// What kind of name.
    pub kind: RenameKind,
    /// The id replaced (a party, project, sector, tag or goal id).
    #[serde(serialize_with = "crate::wire::u32")]
    pub from: u32,
    /// The id that replaces it, declared before this record.
    #[serde(serialize_with = "crate::wire::u32")]
    pub to: u32,
    /// Why.
    #[serde(with = "crate::wire::text")]
    pub reason: Text,
}

/// A pledge's due date moved, or removed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    /// When the new date was agreed.
    pub date: Date,
    /// The pledge, by its sequence number.
    #[serde(serialize_with = "crate::wire::u32")]
    pub pledge: Seq,
    /// The new due date; `None` for no due date.
    pub due: Option<Date>,
    /// Why.
    #[serde(with = "crate::wire::text")]
    pub reason: Text,
}

/// A goal's terms after a revision: each field is the new value (unchanged ones repeated).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Revise {
    /// When the revision was announced.
    pub date: Date,
    /// The goal, by its record's sequence number.
    #[serde(serialize_with = "crate::wire::u32")]
    pub goal: Seq,
    /// The target; in the goal's commodity, greater than zero.
    pub target: Amount,
    /// When the target should be reached.
    pub deadline: Option<Date>,
    /// Who benefits.
    pub beneficiary: Option<PartyId>,
    /// Why.
    #[serde(with = "crate::wire::text")]
    pub reason: Text,
}

impl Entry {
    /// The entry's date, for the entries that have one (all but declarations and `open`).
    pub fn date(&self) -> Option<Date> {
        match self {
            Entry::Goal(g) => Some(g.date),
            Entry::Pledge(p) => Some(p.date),
            Entry::Fulfil(f) => Some(f.date),
            Entry::Amend(a) => Some(a.date),
            Entry::Cancel(c) => Some(c.date),
            Entry::Note(n) => Some(n.date),
            #[cfg(feature = "corrections")]
            Entry::Rate(r) => Some(r.date),
            #[cfg(feature = "corrections")]
            Entry::Void(v) => Some(v.date),
            #[cfg(feature = "corrections")]
            Entry::Return(r) => Some(r.date),
            #[cfg(feature = "corrections")]
            Entry::Rename(r) => Some(r.date),
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => Some(r.date),
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => Some(r.date),
            Entry::Open(_)
            | Entry::Checkpoint(_)
            | Entry::Commodity(_)
            | Entry::Party(_)
            | Entry::Project(_)
            | Entry::Sector(_)
            | Entry::Tag(_) => None,
        }
    }

    /// The pledge or goal this entry is about, by sequence number, if it is about one.
    pub fn subject(&self) -> Option<Seq> {
        match self {
            Entry::Fulfil(f) => Some(f.pledge),
            Entry::Amend(a) => Some(a.pledge),
            Entry::Cancel(c) => Some(c.pledge),
            Entry::Note(n) => n.about,
            #[cfg(feature = "corrections")]
            Entry::Void(v) => Some(v.record),
            #[cfg(feature = "corrections")]
            Entry::Return(r) => Some(r.pledge),
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => Some(r.pledge),
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => Some(r.goal),
            _ => None,
        }
    }

    /// The reference to an earlier record, mutably: the wire stores it as a distance back.
    pub(crate) fn subject_mut(&mut self) -> Option<&mut Seq> {
        match self {
            Entry::Fulfil(f) => Some(&mut f.pledge),
            Entry::Amend(a) => Some(&mut a.pledge),
            Entry::Cancel(c) => Some(&mut c.pledge),
            Entry::Note(n) => n.about.as_mut(),
            #[cfg(feature = "corrections")]
            Entry::Void(v) => Some(&mut v.record),
            #[cfg(feature = "corrections")]
            Entry::Return(r) => Some(&mut r.pledge),
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => Some(&mut r.pledge),
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => Some(&mut r.goal),
            _ => None,
        }
    }

    /// The name this entry declares or carries, and its free text: the strings that
    /// [`check_name`] and [`check_text`] hold for.
    pub fn strings(&self) -> (Option<&str>, Option<&str>) {
        fn as_str(t: &Option<Text>) -> Option<&str> {
            t.as_ref().map(|t| t.as_str())
        }
        match self {
            Entry::Open(o) => (Some(o.origin.as_str()), None),
            Entry::Party(n) | Entry::Project(n) | Entry::Sector(n) | Entry::Tag(n) => {
                (Some(n.as_str()), None)
            }
            Entry::Goal(g) => (Some(g.name.as_str()), as_str(&g.memo)),
            Entry::Pledge(p) => (None, as_str(&p.memo)),
            Entry::Fulfil(f) => (None, as_str(&f.memo)),
            Entry::Amend(a) => (None, Some(a.reason.as_str())),
            Entry::Cancel(c) => (None, Some(c.reason.as_str())),
            Entry::Note(n) => (None, Some(n.text.as_str())),
            #[cfg(feature = "corrections")]
            Entry::Void(v) => (None, Some(v.reason.as_str())),
            #[cfg(feature = "corrections")]
            Entry::Return(r) => (None, as_str(&r.memo)),
            #[cfg(feature = "corrections")]
            Entry::Rename(r) => (None, Some(r.reason.as_str())),
            #[cfg(feature = "corrections")]
            Entry::Reschedule(r) => (None, Some(r.reason.as_str())),
            #[cfg(feature = "corrections")]
            Entry::Revise(r) => (None, Some(r.reason.as_str())),
            Entry::Commodity(_) | Entry::Checkpoint(_) => (None, None),
            #[cfg(feature = "corrections")]
            Entry::Rate(_) => (None, None),
        }
    }

    /// A lower-case word for the kind of entry, as the CLI and the docs call it.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Open(_) => "open",
            Entry::Commodity(_) => "commodity",
            Entry::Party(_) => "party",
            Entry::Project(_) => "project",
            Entry::Sector(_) => "sector",
            Entry::Tag(_) => "tag",
            Entry::Goal(_) => "goal",
            Entry::Pledge(_) => "pledge",
            Entry::Fulfil(_) => "fulfil",
            Entry::Amend(_) => "amend",
            Entry::Cancel(_) => "cancel",
            Entry::Note(_) => "note",
            Entry::Checkpoint(_) => "checkpoint",
            #[cfg(feature = "corrections")]
            Entry::Rate(_) => "rate",
            #[cfg(feature = "corrections")]
            Entry::Void(_) => "void",
            #[cfg(feature = "corrections")]
            Entry::Return(_) => "return",
            #[cfg(feature = "corrections")]
            Entry::Rename(_) => "rename",
            #[cfg(feature = "corrections")]
            Entry::Reschedule(_) => "reschedule",
            #[cfg(feature = "corrections")]
            Entry::Revise(_) => "revise",
        }
    }
}

/// Checks and copies a name: see [`check_name`]; at most [`NAME_CAPACITY`] bytes. Never
/// truncates.
pub fn name(text: &str) -> Result<Name, InputError> {
    check_name(text)?;
    Name::try_from(text).map_err(|_| InputError::NameTooLong {
        len: text.len(),
        capacity: NAME_CAPACITY,
    })
}

/// Checks and copies free text: see [`check_text`]; at most [`TEXT_CAPACITY`] bytes. Never
/// truncates.
pub fn text(text: &str) -> Result<Text, InputError> {
    check_text(text)?;
    Text::try_from(text).map_err(|_| InputError::NameTooLong {
        len: text.len(),
        capacity: TEXT_CAPACITY,
    })
}

/// The rule for a name, at every door (typed, read from a file, audited): not empty, no
/// control character, no bidirectional override or isolate (which would make it display
/// differently from what is stored), no white space at either end.
pub fn check_name(text: &str) -> Result<(), InputError> {
    check_string(text, false).map_err(InputError::from)
}

/// The rule for free text (memos, reasons, notes): not empty; line breaks and tabs allowed, no
/// other control character and no bidirectional override or isolate.
pub fn check_text(text: &str) -> Result<(), InputError> {
    check_string(text, true).map_err(InputError::from)
}

/// Both rules in one pass (`free_text` for [`check_text`]'s), in one copy of the code: it runs on every record a device reads,
/// so it is written for size (no Unicode tables).
#[inline(never)]
pub fn check_string(text: &str, free_text: bool) -> Result<(), TextRule> {
    let invalid = if free_text {
        TextRule::Text
    } else {
        TextRule::Name
    };
    let mut last = None;
    for c in text.chars() {
        let code = u32::from(c);
        let control = code < 0x20 || (0x7F..0xA0).contains(&code);
        let allowed = free_text && (c == '\n' || c == '\t');
        if (control && !allowed) || is_bidi_control(c) {
            return Err(invalid);
        }
        if last.is_none() && !free_text && is_white_space(code) {
            return Err(invalid);
        }
        last = Some(code);
    }
    match last {
        None => Err(TextRule::Empty),
        Some(code) if !free_text && is_white_space(code) => Err(invalid),
        Some(_) => Ok(()),
    }
}

/// Unicode's White_Space property (as `char::is_whitespace` and `str::trim` use it), without
/// the 256-byte table they bring into a device's flash. Controls are refused before this.
fn is_white_space(code: u32) -> bool {
    matches!(
        code,
        0x20 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000
    )
}

/// The Unicode bidirectional embeddings, overrides and isolates (U+202A..=U+202E,
/// U+2066..=U+2069): characters that reorder the text around them when it is displayed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_unicode_white_space_outside_the_controls() {
        for c in (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| !c.is_control())
        {
            assert_eq!(
                is_white_space(u32::from(c)),
                c.is_whitespace(),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn names_and_texts_keep_their_rules() {
        assert_eq!(check_name("Japan"), Ok(()));
        assert_eq!(check_name(""), Err(InputError::NameEmpty));
        for bad in [
            " Japan",
            "Japan\u{3000}",
            "Ja\u{1b}pan",
            "Ja\u{202e}pan",
            "a\nb",
        ] {
            assert_eq!(check_name(bad), Err(InputError::NameInvalid), "{bad:?}");
        }
        assert_eq!(check_text(" line one\n\tline two "), Ok(()));
        for bad in ["a\rb", "a\u{7f}", "a\u{2066}b"] {
            assert_eq!(check_text(bad), Err(InputError::TextInvalid), "{bad:?}");
        }
    }

    #[test]
    fn names_are_checked_never_truncated() {
        assert!(name("Japan").is_ok());
        assert_eq!(name(""), Err(InputError::NameEmpty));
        assert_eq!(name(" Japan"), Err(InputError::NameInvalid));
        assert_eq!(name("Ja\u{7}pan"), Err(InputError::NameInvalid));
        let long = "x".repeat_to::<65>();
        assert_eq!(
            name(&long),
            Err(InputError::NameTooLong {
                len: 65,
                capacity: 64
            })
        );
        assert!(name(&long[..64]).is_ok());
        // Capacity is in bytes: 22 three-byte characters are 66 bytes.
        assert_eq!(
            name("日本日本日本日本日本日本日本日本日本日本日本"),
            Err(InputError::NameTooLong {
                len: 66,
                capacity: 64
            })
        );
        assert!(text("line one\nline two").is_ok());
    }

    trait RepeatTo {
        fn repeat_to<const N: usize>(&self) -> heapless::String<N>;
    }
    impl RepeatTo for str {
        fn repeat_to<const N: usize>(&self) -> heapless::String<N> {
            let mut s = heapless::String::new();
            while s.push_str(self).is_ok() {}
            s
        }
    }
}
