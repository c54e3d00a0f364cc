//! The wire layout of a [`Pledge`]: its five required fields, then one flags byte saying which
//! optional fields follow, then those fields in flag order. postcard would spend a byte on each
//! `Option` and on an empty tag list; one byte for all of them keeps a typical pledge small.
//!
//! ```text
//! date  from  to  amount  flags  [goal] [project] [sector] [tags] [due] [memo]
//! ```
//!
//! | bit | field   | encoding when present                                  |
//! |-----|---------|--------------------------------------------------------|
//! | 0   | goal    | varint goal id                                         |
//! | 1   | project | varint project id                                      |
//! | 2   | sector  | varint sector id                                       |
//! | 3   | tags    | varint count (1..=8), then varint tag ids              |
//! | 4   | due     | varint days after `date` (a pledge is never due before it is made) |
//! | 5   | memo    | varint length, UTF-8 bytes                             |
//! | 6   | planned | nothing: the flag alone marks a pledge dated ahead on purpose |
//!
//! Bit 7 is zero; a reader rejects a pledge with it set, with an empty tag list flagged
//! present, or with a due date out of range. (Readers before bit 6 was defined reject a planned
//! pledge the same way.)

use core::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::{self, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::amount::Amount;
use crate::date::Date;
use crate::entry::{GoalId, PartyId, Pledge, ProjectId, SectorId, Tags};

const GOAL: u8 = 1 << 0;
const PROJECT: u8 = 1 << 1;
const SECTOR: u8 = 1 << 2;
const TAGS: u8 = 1 << 3;
const DUE: u8 = 1 << 4;
const MEMO: u8 = 1 << 5;
const PLANNED: u8 = 1 << 6;
const KNOWN: u8 = GOAL | PROJECT | SECTOR | TAGS | DUE | MEMO | PLANNED;
/// Required fields, the flags byte, and every optional field.
const MOST_ELEMENTS: usize = 5 + 6;

impl Pledge {
    fn flags(&self) -> u8 {
        let bit = |present: bool, flag: u8| if present { flag } else { 0 };
        bit(self.goal.is_some(), GOAL)
            | bit(self.project.is_some(), PROJECT)
            | bit(self.sector.is_some(), SECTOR)
            | bit(!self.tags.is_empty(), TAGS)
            | bit(self.due.is_some(), DUE)
            | bit(self.memo.is_some(), MEMO)
            | bit(self.planned, PLANNED)
    }
}

impl Serialize for Pledge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(MOST_ELEMENTS)?;
        tuple.serialize_element(&self.date)?;
        tuple.serialize_element(&self.from)?;
        tuple.serialize_element(&self.to)?;
        tuple.serialize_element(&self.amount)?;
        tuple.serialize_element(&self.flags())?;
        if let Some(goal) = &self.goal {
            tuple.serialize_element(goal)?;
        }
        if let Some(project) = &self.project {
            tuple.serialize_element(project)?;
        }
        if let Some(sector) = &self.sector {
            tuple.serialize_element(sector)?;
        }
        if !self.tags.is_empty() {
            tuple.serialize_element(&crate::wire::TagList(&self.tags))?;
        }
        if let Some(due) = self.due {
            let days = due
                .0
                .checked_sub(self.date.0)
                .and_then(|days| u32::try_from(days).ok())
                .ok_or_else(|| ser::Error::custom("a pledge cannot be due before its date"))?;
            tuple.serialize_element(&crate::wire::U32(days))?;
        }
        if let Some(memo) = &self.memo {
            tuple.serialize_element(&crate::wire::Str(memo))?;
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for Pledge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(MOST_ELEMENTS, PledgeVisitor)
    }
}

struct PledgeVisitor;

impl<'de> Visitor<'de> for PledgeVisitor {
    type Value = Pledge;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a pledge")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pledge, A::Error> {
        let date: Date = element(&mut seq)?;
        let from: PartyId = element(&mut seq)?;
        let to: PartyId = element(&mut seq)?;
        let amount: Amount = element(&mut seq)?;
        let flags: u8 = element(&mut seq)?;
        if flags & !KNOWN != 0 {
            return Err(de::Error::custom("unknown pledge flags"));
        }
        let optional = |flag: u8| flags & flag != 0;
        let goal: Option<GoalId> = if optional(GOAL) {
            Some(element(&mut seq)?)
        } else {
            None
        };
        let project: Option<ProjectId> = if optional(PROJECT) {
            Some(element(&mut seq)?)
        } else {
            None
        };
        let sector: Option<SectorId> = if optional(SECTOR) {
            Some(element(&mut seq)?)
        } else {
            None
        };
        let tags: Tags = if optional(TAGS) {
            element(&mut seq)?
        } else {
            Tags::new()
        };
        if optional(TAGS) && tags.is_empty() {
            return Err(de::Error::custom("an empty tag list is flagged present"));
        }
        let due = if optional(DUE) {
            let days: u32 = element(&mut seq)?;
            let days =
                i32::try_from(days).map_err(|_| de::Error::custom("due date out of range"))?;
            Some(
                date.checked_add_days(days)
                    .ok_or_else(|| de::Error::custom("due date out of range"))?,
            )
        } else {
            None
        };
        let mut pledge = Pledge {
            date,
            from,
            to,
            amount,
            goal,
            project,
            sector,
            tags,
            due,
            planned: optional(PLANNED),
            memo: None,
        };
        // Borrowed from the input and copied once, straight into the pledge being returned: a
        // memo decoded as a `Text` and moved through `Option` and `Result` kept three 260-byte
        // copies on a device's stack, and a string filled apart and moved in, one.
        if optional(MEMO) {
            let bytes: crate::wire::Utf8<'de> = element(&mut seq)?;
            crate::wire::text::fill_in(bytes, pledge.memo.insert(heapless::String::new()))?;
        }
        Ok(pledge)
    }
}

fn element<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(seq: &mut A) -> Result<T, A::Error> {
    seq.next_element()?
        .ok_or_else(|| de::Error::custom("a pledge ends early"))
}
