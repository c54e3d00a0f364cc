//! The sidecar's byte layout: little-endian integers, length-prefixed strings, and the fixed
//! 96-byte slot a pledge's state is kept in. Reading never panics: anything short or out of
//! range is `None`, and the sidecar is then not used.

use ledger_core::Date;
use ledger_core::amount::{Amount, Code, Commodity, CommodityId};
use ledger_core::entry::{ExactRate, GoalId, Name, PartyId, ProjectId, RenameKind, SectorId};
use ledger_core::report::{Row, Totals};
use ledger_core::state::{Alias, Effect, EventState, Figures, GoalState, PledgeState, RateState};

/// The CRC-32C of a slot or an index entry: the core's, with the CPU's instructions.
fn checksum(bytes: &[u8]) -> u32 {
    ledger_core::record::crc32c(bytes)
}

/// Bytes per pledge slot: the fields, padding, and a CRC-32C of the rest.
pub const SLOT: usize = 96;

/// Bytes per record in the index: the record's offset in the ledger (u64), its pledge's slot,
/// the latest record about it, and the record about the same record before this one (u32s,
/// [`NONE`] for none), and a CRC-32C of those 20 bytes.
pub const INDEX_ENTRY: usize = 24;

/// No slot, no record: a record that is not a pledge, or that nothing is about.
pub const NONE: u32 = u32::MAX;

/// One record's index entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// Where the record starts in the ledger.
    pub offset: u64,
    /// Its pledge's slot, if it is a pledge.
    pub slot: u32,
    /// The latest record about it (whose subject it is).
    pub latest_about: u32,
    /// If it is about a record, the record about that one before it.
    pub previous_about: u32,
}

impl IndexEntry {
    /// The entry of a new record at `offset` with pledge slot `slot`, linked in front of the
    /// records about the same record when it is about one (whose entry is `about`).
    pub fn linked(offset: u64, slot: u32, seq: u32, about: Option<&mut IndexEntry>) -> IndexEntry {
        let previous_about = about.map_or(NONE, |target| {
            std::mem::replace(&mut target.latest_about, seq)
        });
        IndexEntry {
            offset,
            slot,
            latest_about: NONE,
            previous_about,
        }
    }

    pub fn write(&self, out: &mut Out) {
        let start = out.0.len();
        out.u64(self.offset);
        out.u32(self.slot);
        out.u32(self.latest_about);
        out.u32(self.previous_about);
        let crc = checksum(out.0.get(start..).unwrap_or_default());
        out.u32(crc);
    }

    /// The entry, if its checksum holds.
    pub fn read(bytes: &[u8; INDEX_ENTRY]) -> Option<IndexEntry> {
        let (body, crc) = bytes.split_at(INDEX_ENTRY - 4);
        if checksum(body).to_le_bytes() != crc {
            return None;
        }
        let mut input = In(body);
        Some(IndexEntry {
            offset: input.u64()?,
            slot: input.u32()?,
            latest_about: input.u32()?,
            previous_about: input.u32()?,
        })
    }
}

/// Bytes appended to.
#[derive(Debug, Default)]
pub struct Out(pub Vec<u8>);

impl Out {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.0.extend_from_slice(v);
    }
    pub fn str(&mut self, v: &str) {
        // Names and codes are at most a few dozen bytes (checked when they were recorded).
        self.u32(u32::try_from(v.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(v.as_bytes());
    }
    pub fn opt_u32(&mut self, v: Option<u32>) {
        self.u8(u8::from(v.is_some()));
        self.u32(v.unwrap_or(0));
    }
    pub fn opt_date(&mut self, v: Option<Date>) {
        self.u8(u8::from(v.is_some()));
        self.i32(v.map_or(0, |d| d.0));
    }
    pub fn count(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
}

/// Bytes read from the front.
#[derive(Debug)]
pub struct In<'a>(pub &'a [u8]);

impl<'a> In<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Option<i32> {
        Some(i32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.array()?))
    }
    pub fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.u32()?).ok()?;
        std::str::from_utf8(self.take(len)?).ok()
    }
    pub fn name(&mut self) -> Option<Name> {
        ledger_core::entry::name(self.str()?).ok()
    }
    pub fn opt_u32(&mut self) -> Option<Option<u32>> {
        let some = self.u8()?;
        let v = self.u32()?;
        match some {
            0 => Some(None),
            1 => Some(Some(v)),
            _ => None,
        }
    }
    pub fn opt_date(&mut self) -> Option<Option<Date>> {
        let some = self.u8()?;
        let v = self.i32()?;
        match some {
            0 => Some(None),
            1 => Some(Some(Date(v))),
            _ => None,
        }
    }
    /// A count of items, each at least `min` bytes: never more than what is left could hold,
    /// so a damaged count cannot make a reader reserve gigabytes.
    pub fn count(&mut self, min: usize) -> Option<usize> {
        let n = usize::try_from(self.u32()?).ok()?;
        (n.checked_mul(min.max(1))? <= self.0.len()).then_some(n)
    }
}

pub fn commodity(out: &mut Out, c: &Commodity) {
    out.str(&c.code);
    out.u8(c.decimals);
}

pub fn read_commodity(input: &mut In<'_>) -> Option<Commodity> {
    let code = Code::try_from(input.str()?).ok()?;
    Some(Commodity {
        code,
        decimals: input.u8()?,
    })
}

pub fn goal(out: &mut Out, g: &GoalState) {
    out.u32(g.seq);
    out.i32(g.date.0);
    out.str(&g.name);
    out.opt_u32(g.beneficiary.map(|p| p.0));
    out.i64(g.target.units);
    out.u32(g.target.commodity.0);
    out.opt_date(g.deadline);
}

pub fn read_goal(input: &mut In<'_>) -> Option<GoalState> {
    Some(GoalState {
        seq: input.u32()?,
        date: Date(input.i32()?),
        name: input.name()?,
        beneficiary: input.opt_u32()?.map(PartyId),
        target: Amount {
            units: input.i64()?,
            commodity: CommodityId(input.u32()?),
        },
        deadline: input.opt_date()?,
    })
}

pub fn rate(out: &mut Out, r: &RateState) {
    out.u32(r.seq);
    out.i32(r.date.0);
    out.u32(r.base.0);
    out.u32(r.quote.0);
    out.u64(r.rate.mantissa);
    out.u8(r.rate.scale);
    out.opt_u32(r.goal.map(|g| g.0));
    out.u8(u8::from(r.voided));
}

pub fn read_rate(input: &mut In<'_>) -> Option<RateState> {
    Some(RateState {
        seq: input.u32()?,
        date: Date(input.i32()?),
        base: CommodityId(input.u32()?),
        quote: CommodityId(input.u32()?),
        rate: ExactRate {
            mantissa: input.u64()?,
            scale: input.u8()?,
        },
        goal: input.opt_u32()?.map(GoalId),
        voided: boolean(input.u8()?)?,
    })
}

/// A row of a breakdown kept in the head.
pub fn row(out: &mut Out, r: &Row) {
    out.opt_u32(r.key);
    out.u32(r.commodity.0);
    let t = &r.totals;
    out.u32(t.pledges);
    out.u32(t.cancelled);
    for v in [
        t.pledged,
        t.amended,
        t.withdrawn,
        t.committed,
        t.fulfilled,
        t.returned,
    ] {
        out.i64(v);
    }
}

pub fn read_row(input: &mut In<'_>) -> Option<Row> {
    Some(Row {
        key: input.opt_u32()?,
        commodity: CommodityId(input.u32()?),
        totals: Totals {
            pledges: input.u32()?,
            cancelled: input.u32()?,
            pledged: input.i64()?,
            amended: input.i64()?,
            withdrawn: input.i64()?,
            committed: input.i64()?,
            fulfilled: input.i64()?,
            returned: input.i64()?,
        },
    })
}

const RENAME_KINDS: [RenameKind; 5] = [
    RenameKind::Party,
    RenameKind::Project,
    RenameKind::Sector,
    RenameKind::Tag,
    RenameKind::Goal,
];

pub fn alias(out: &mut Out, a: &Alias) {
    let kind = RENAME_KINDS.iter().position(|k| *k == a.kind).unwrap_or(0);
    out.u8(u8::try_from(kind).unwrap_or(0));
    out.u32(a.from);
    out.u32(a.to);
    out.u32(a.seq);
}

pub fn read_alias(input: &mut In<'_>) -> Option<Alias> {
    Some(Alias {
        kind: *RENAME_KINDS.get(usize::from(input.u8()?))?,
        from: input.u32()?,
        to: input.u32()?,
        seq: input.u32()?,
    })
}

fn boolean(v: u8) -> Option<bool> {
    match v {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

// The flag bits of a slot.
const PLANNED: u16 = 1;
const VOIDED: u16 = 1 << 1;
const EVENTS_HELD: u16 = 1 << 2;
const HAS_GOAL: u16 = 1 << 3;
const HAS_PROJECT: u16 = 1 << 4;
const HAS_SECTOR: u16 = 1 << 5;
const HAS_ORIGINAL_DUE: u16 = 1 << 6;
const HAS_CANCELLED: u16 = 1 << 7;
const HAS_DUE: u16 = 1 << 8;
const KNOWN_FLAGS: u16 = (1 << 9) - 1;

/// A pledge's state in its fixed slot. Only states without an as-of date are kept, where the
/// as-of figures are the current ones; `None` for any other.
pub fn slot(p: &PledgeState) -> Option<[u8; SLOT]> {
    if p.as_of != p.current {
        return None;
    }
    let mut out = Out(Vec::with_capacity(SLOT));
    write_pledge(&mut out, p);
    out.0.resize(SLOT - 4, 0);
    let crc = checksum(&out.0);
    out.u32(crc);
    out.0.try_into().ok()
}

/// The state in a slot, if its checksum holds.
pub fn read_slot(bytes: &[u8]) -> Option<PledgeState> {
    let (body, crc) = bytes.split_at_checked(SLOT - 4)?;
    if checksum(body).to_le_bytes() != crc {
        return None;
    }
    read_pledge(&mut In(body))
}

/// Bytes per pledge spilled to a file by a fold too large for memory: a slot's fields, the
/// as-of figures (any state has a spill) and padding. Spilled pages are checked as a whole
/// (`paged.rs`), not record by record.
pub const SPILL: usize = 120;

/// A pledge's whole state, as-of figures included, for the fold's spill file.
#[cfg(test)]
pub fn spill(p: &PledgeState) -> Option<[u8; SPILL]> {
    let mut out = Out(Vec::with_capacity(SPILL));
    spill_into(&mut out, p);
    out.0.try_into().ok()
}

/// [`spill`], appended to `out` (a page of them is written at once).
pub fn spill_into(out: &mut Out, p: &PledgeState) {
    let start = out.0.len();
    write_pledge(out, p);
    let f = &p.as_of;
    let bit = |on: bool, flag: u8| if on { flag } else { 0 };
    out.u8(bit(f.cancelled.is_some(), 1) | bit(f.due.is_some(), 2));
    write_figures(out, f);
    out.0.resize(start + SPILL, 0);
}

/// The state in a spill record, if it is one.
pub fn read_spill(bytes: &[u8]) -> Option<PledgeState> {
    if bytes.len() != SPILL {
        return None;
    }
    let mut input = In(bytes);
    let mut pledge = read_pledge(&mut input)?;
    let flags = input.u8()?;
    if flags & !3 != 0 {
        return None;
    }
    pledge.as_of = read_figures(&mut input, flags & 1 != 0, flags & 2 != 0)?;
    Some(pledge)
}

/// Bytes per event spilled to a file: its record, subject and date, what it does (a kind and
/// an amount or a date) and whether it is void, padded.
pub const EVENT_SPILL: usize = 24;

/// An event held for voiding, for the fold's spill file.
pub fn event_spill_into(out: &mut Out, e: &EventState) {
    let start = out.0.len();
    let (kind, value) = match e.effect {
        Effect::Fulfil(units) => (0, units),
        Effect::Return(units) => (1, units),
        Effect::Amend(units) => (2, units),
        Effect::Cancel => (3, 0),
        Effect::Reschedule(None) => (4, 0),
        Effect::Reschedule(Some(due)) => (5, i64::from(due.0)),
        Effect::Note => (6, 0),
    };
    out.u32(e.seq);
    out.u32(e.subject);
    out.i32(e.date.0);
    out.u8(kind);
    out.u8(u8::from(e.voided));
    out.i64(value);
    out.0.resize(start + EVENT_SPILL, 0);
}

/// The event in a spill record, if it is one.
pub fn read_event_spill(bytes: &[u8]) -> Option<EventState> {
    if bytes.len() != EVENT_SPILL {
        return None;
    }
    let mut input = In(bytes);
    let (seq, subject, date) = (input.u32()?, input.u32()?, Date(input.i32()?));
    let (kind, voided, value) = (input.u8()?, boolean(input.u8()?)?, input.i64()?);
    let effect = match kind {
        0 => Effect::Fulfil(value),
        1 => Effect::Return(value),
        2 => Effect::Amend(value),
        3 => Effect::Cancel,
        4 => Effect::Reschedule(None),
        5 => Effect::Reschedule(Some(Date(i32::try_from(value).ok()?))),
        6 => Effect::Note,
        _ => return None,
    };
    Some(EventState {
        seq,
        subject,
        date,
        effect,
        voided,
    })
}

/// A pledge's fields and current figures (86 bytes).
fn write_pledge(out: &mut Out, p: &PledgeState) {
    let f = &p.current;
    let bit = |on: bool, flag: u16| if on { flag } else { 0 };
    let flags = bit(p.planned, PLANNED)
        | bit(p.voided, VOIDED)
        | bit(p.events_held, EVENTS_HELD)
        | bit(p.goal.is_some(), HAS_GOAL)
        | bit(p.project.is_some(), HAS_PROJECT)
        | bit(p.sector.is_some(), HAS_SECTOR)
        | bit(p.original_due.is_some(), HAS_ORIGINAL_DUE)
        | bit(f.cancelled.is_some(), HAS_CANCELLED)
        | bit(f.due.is_some(), HAS_DUE);
    out.u32(p.seq);
    out.i32(p.date.0);
    out.u32(p.from.0);
    out.u32(p.to.0);
    out.u32(p.goal.map_or(0, |g| g.0));
    out.u32(p.project.map_or(0, |g| g.0));
    out.u32(p.sector.map_or(0, |g| g.0));
    out.u32(p.commodity.0);
    out.i64(p.original);
    out.i32(p.original_due.map_or(0, |d| d.0));
    out.i64(p.peak);
    out.bytes(&flags.to_le_bytes());
    write_figures(out, f);
}

fn write_figures(out: &mut Out, f: &Figures) {
    out.i64(f.amount);
    out.i64(f.fulfilled);
    out.i64(f.returned);
    out.i32(f.cancelled.map_or(0, |d| d.0));
    out.i32(f.due.map_or(0, |d| d.0));
}

fn read_figures(input: &mut In<'_>, cancelled: bool, due: bool) -> Option<Figures> {
    let amount = input.i64()?;
    let fulfilled = input.i64()?;
    let returned = input.i64()?;
    let (when_cancelled, when_due) = (input.i32()?, input.i32()?);
    Some(Figures {
        amount,
        fulfilled,
        returned,
        cancelled: cancelled.then_some(Date(when_cancelled)),
        due: due.then_some(Date(when_due)),
    })
}

/// What [`write_pledge`] wrote, the as-of figures set to the current ones.
fn read_pledge(input: &mut In<'_>) -> Option<PledgeState> {
    let seq = input.u32()?;
    let date = Date(input.i32()?);
    let from = PartyId(input.u32()?);
    let to = PartyId(input.u32()?);
    let (goal, project, sector) = (input.u32()?, input.u32()?, input.u32()?);
    let commodity = CommodityId(input.u32()?);
    let original = input.i64()?;
    let original_due = input.i32()?;
    let peak = input.i64()?;
    let flags = u16::from_le_bytes(input.array()?);
    if flags & !KNOWN_FLAGS != 0 {
        return None;
    }
    let on = |flag: u16| flags & flag != 0;
    let figures = read_figures(input, on(HAS_CANCELLED), on(HAS_DUE))?;
    Some(PledgeState {
        seq,
        date,
        from,
        to,
        goal: on(HAS_GOAL).then_some(GoalId(goal)),
        project: on(HAS_PROJECT).then_some(ProjectId(project)),
        sector: on(HAS_SECTOR).then_some(SectorId(sector)),
        commodity,
        original,
        original_due: on(HAS_ORIGINAL_DUE).then_some(Date(original_due)),
        peak,
        planned: on(PLANNED),
        voided: on(VOIDED),
        events_held: on(EVENTS_HELD),
        current: figures,
        as_of: figures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pledge() -> PledgeState {
        let figures = Figures {
            amount: 55_000_000_000_000,
            fulfilled: 7,
            returned: 2,
            cancelled: Some(Date(20_400)),
            due: None,
        };
        PledgeState {
            seq: 41,
            date: Date(20_389),
            from: PartyId(3),
            to: PartyId(0),
            goal: Some(GoalId(0)),
            project: None,
            sector: Some(SectorId(9)),
            commodity: CommodityId(1),
            original: 1,
            original_due: Some(Date(-5)),
            peak: i64::MAX,
            planned: true,
            voided: false,
            events_held: true,
            current: figures,
            as_of: figures,
        }
    }

    #[test]
    fn a_slot_gives_back_the_state_it_was_made_from() {
        let p = pledge();
        let bytes = slot(&p).unwrap();
        assert_eq!(read_slot(&bytes), Some(p));
    }

    #[test]
    fn a_flipped_bit_anywhere_in_a_slot_is_refused() {
        let bytes = slot(&pledge()).unwrap();
        for bit in 0..SLOT * 8 {
            let mut bad = bytes;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(read_slot(&bad), None, "bit {bit}");
        }
    }

    #[test]
    fn an_index_entry_reads_back_and_refuses_any_flipped_bit() {
        let entry = IndexEntry {
            offset: 1 << 40 | 17,
            slot: 3,
            latest_about: NONE,
            previous_about: 9,
        };
        let mut out = Out::default();
        entry.write(&mut out);
        let bytes: [u8; INDEX_ENTRY] = out.0.try_into().unwrap();
        assert_eq!(IndexEntry::read(&bytes), Some(entry));
        for bit in 0..INDEX_ENTRY * 8 {
            let mut bad = bytes;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(IndexEntry::read(&bad), None, "bit {bit}");
        }
    }

    /// A spill keeps both sets of figures.
    #[test]
    fn a_spill_gives_back_the_whole_state() {
        let mut p = pledge();
        p.as_of = Figures {
            amount: -3,
            fulfilled: 0,
            returned: i64::MIN,
            cancelled: None,
            due: Some(Date(i32::MIN)),
        };
        let bytes = spill(&p).unwrap();
        assert_eq!(read_spill(&bytes), Some(p.clone()));
        assert_eq!(read_spill(&bytes[..SPILL - 1]), None);
        // Without an as-of date the spill and the slot hold the same state.
        p.as_of = p.current;
        assert_eq!(
            read_spill(&spill(&p).unwrap()),
            read_slot(&slot(&p).unwrap())
        );
    }

    /// Every effect an event can have spills and reads back.
    #[test]
    fn an_event_spill_gives_back_the_event() {
        let effects = [
            Effect::Fulfil(i64::MAX),
            Effect::Return(-1),
            Effect::Amend(0),
            Effect::Cancel,
            Effect::Reschedule(None),
            Effect::Reschedule(Some(Date(i32::MIN))),
            Effect::Note,
        ];
        for (i, effect) in effects.into_iter().enumerate() {
            let event = EventState {
                seq: 7 + i as u32,
                subject: 3,
                date: Date(-40),
                effect,
                voided: i % 2 == 0,
            };
            let mut out = Out::default();
            event_spill_into(&mut out, &event);
            assert_eq!(out.0.len(), EVENT_SPILL);
            assert_eq!(read_event_spill(&out.0), Some(event), "{effect:?}");
            assert_eq!(read_event_spill(&out.0[1..]), None);
        }
    }

    #[test]
    fn a_state_with_other_as_of_figures_has_no_slot() {
        let mut p = pledge();
        p.as_of.fulfilled = 0;
        assert!(slot(&p).is_none());
    }
}
