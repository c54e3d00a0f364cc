//! Reports over a folded [`State`]: progress toward each goal, and totals broken down by a
//! key. Totals are per commodity; different commodities are never added. All sums are checked.
//!
//! Every report counts the as-of figures of the pledges visible on the state's as-of date.

use core::cmp::Ordering;
use core::fmt;

use crate::amount::CommodityId;
use crate::entry::{GoalId, RenameKind};
use crate::error::{LedgerError, Table};
use crate::slots::{Slots, Tables};
use crate::state::{
    GoalState, Keying, NameKind, PledgeKeys, PledgeState, SettledRow, State, Status,
};

/// Sums over a set of pledges of one commodity, in minor units. `committed` is always
/// `pledged + amended - withdrawn`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Pledges counted, cancelled ones included.
    pub pledges: u32,
    /// Of those, how many are cancelled.
    pub cancelled: u32,
    /// Pledged: the amounts first pledged (gross).
    pub pledged: i64,
    /// What amendments added (negative: took away), net.
    pub amended: i64,
    /// What cancellations withdrew: the amounts not delivered when cancelled.
    pub withdrawn: i64,
    /// Committed: pledged amounts after amendments, less what cancellations withdrew.
    pub committed: i64,
    /// Delivered, less what was returned.
    pub fulfilled: i64,
    /// Returned.
    pub returned: i64,
}

impl Totals {
    /// One pledge's as-of figures, as the totals of a set of one.
    pub fn of(pledge: &PledgeState) -> Result<Totals, LedgerError> {
        let figures = &pledge.as_of;
        let cancelled = figures.status() == Status::Cancelled;
        Ok(Totals {
            pledges: 1,
            cancelled: u32::from(cancelled),
            pledged: pledge.original,
            amended: figures
                .amount
                .checked_sub(pledge.original)
                .ok_or(LedgerError::Overflow)?,
            withdrawn: figures.withdrawn(),
            committed: figures.committed(),
            fulfilled: figures.fulfilled,
            returned: figures.returned,
        })
    }

    /// Adds one pledge's as-of figures: [`Totals::of`] merged, written out field by field
    /// because a device's report runs it (smaller that way by some 40 bytes of flash).
    pub fn add(&mut self, pledge: &PledgeState) -> Result<(), LedgerError> {
        let figures = &pledge.as_of;
        let sum = |total: i64, more: i64| total.checked_add(more).ok_or(LedgerError::Overflow);
        self.pledges = self.pledges.checked_add(1).ok_or(LedgerError::Overflow)?;
        if figures.status() == Status::Cancelled {
            self.cancelled = self.cancelled.checked_add(1).ok_or(LedgerError::Overflow)?;
        }
        self.pledged = sum(self.pledged, pledge.original)?;
        let amended = figures
            .amount
            .checked_sub(pledge.original)
            .ok_or(LedgerError::Overflow)?;
        self.amended = sum(self.amended, amended)?;
        self.withdrawn = sum(self.withdrawn, figures.withdrawn())?;
        self.committed = sum(self.committed, figures.committed())?;
        self.fulfilled = sum(self.fulfilled, figures.fulfilled)?;
        self.returned = sum(self.returned, figures.returned)?;
        Ok(())
    }

    /// Takes away one pledge's as-of figures, which were added before: what totals kept up to
    /// date as pledges change do (the old figures out, the new in). On overflow nothing changes.
    pub fn remove(&mut self, pledge: &PledgeState) -> Result<(), LedgerError> {
        *self = self.combine(&Totals::of(pledge)?, i64::checked_sub, u32::checked_sub)?;
        Ok(())
    }

    /// Adds another set of totals of the same commodity (another ledger's, in a fleet's
    /// report); on overflow nothing is added.
    ///
    /// ```
    /// use ledger_core::report::Totals;
    /// let mut a = Totals { pledges: 2, committed: 500, fulfilled: 100, ..Totals::default() };
    /// let b = Totals { pledges: 1, committed: 250, ..Totals::default() };
    /// a.merge(&b).unwrap();
    /// assert_eq!((a.pledges, a.committed, a.fulfilled), (3, 750, 100));
    /// let huge = Totals { committed: i64::MAX, ..Totals::default() };
    /// assert!(a.merge(&huge).is_err());
    /// assert_eq!(a.committed, 750);
    /// ```
    pub fn merge(&mut self, other: &Totals) -> Result<(), LedgerError> {
        *self = self.combine(other, i64::checked_add, u32::checked_add)?;
        Ok(())
    }

    /// Each field of `self` with the same field of `other`, by `amounts` and `counts`.
    fn combine(
        &self,
        other: &Totals,
        amounts: fn(i64, i64) -> Option<i64>,
        counts: fn(u32, u32) -> Option<u32>,
    ) -> Result<Totals, LedgerError> {
        let sum = |a: i64, b: i64| amounts(a, b).ok_or(LedgerError::Overflow);
        let count = |a: u32, b: u32| counts(a, b).ok_or(LedgerError::Overflow);
        Ok(Totals {
            pledges: count(self.pledges, other.pledges)?,
            cancelled: count(self.cancelled, other.cancelled)?,
            pledged: sum(self.pledged, other.pledged)?,
            amended: sum(self.amended, other.amended)?,
            withdrawn: sum(self.withdrawn, other.withdrawn)?,
            committed: sum(self.committed, other.committed)?,
            fulfilled: sum(self.fulfilled, other.fulfilled)?,
            returned: sum(self.returned, other.returned)?,
        })
    }

    /// Committed but not delivered.
    pub fn outstanding(&self) -> Result<i64, LedgerError> {
        self.committed
            .checked_sub(self.fulfilled)
            .ok_or(LedgerError::Overflow)
    }
}

/// One goal's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalProgress<'s> {
    /// The goal.
    pub goal: &'s GoalState,
    /// Its pledges' totals, in the goal's commodity.
    pub totals: Totals,
}

impl GoalProgress<'_> {
    /// Target less committed; negative when the goal is over-committed.
    pub fn remaining(&self) -> Result<i64, LedgerError> {
        self.goal
            .target
            .units
            .checked_sub(self.totals.committed)
            .ok_or(LedgerError::Overflow)
    }

    /// Committed as a share of the target.
    pub fn committed_share(&self) -> Option<Percent> {
        Percent::of(self.totals.committed, self.goal.target.units)
    }

    /// Fulfilled as a share of the target.
    pub fn fulfilled_share(&self) -> Option<Percent> {
        Percent::of(self.totals.fulfilled, self.goal.target.units)
    }
}

/// Progress toward every goal visible on the as-of date, in order of creation, in each goal's
/// own commodity (pledges in other commodities are in the [`breakdown`] by [`Key::Goal`];
/// pledges toward a goal merged into another count toward that one). `totals` receives one
/// entry per goal (index = goal id); it is cleared first.
pub fn goal_totals<T: Tables, S: Slots<Totals>>(
    state: &State<T>,
    totals: &mut S,
) -> Result<(), LedgerError> {
    *totals = S::default();
    for _ in state.goals() {
        totals
            .push(Totals::default())
            .map_err(|_| LedgerError::CapacityExceeded(Table::Rows))?;
    }
    for pledge in state.visible_pledges() {
        if let Some(row) = goal_row(state, totals, pledge.goal, pledge.commodity)? {
            row.add(&pledge)?;
        }
    }
    for settled in counted_settled(state) {
        let keys = &settled.keys;
        if let Some(row) = goal_row(state, totals, keys.goal, keys.commodity)? {
            row.merge(&settled.totals)?;
        }
    }
    Ok(())
}

/// The rows of settled pledges that left memory which reports count: all but the void ones',
/// as void pledges count nowhere.
fn counted_settled<T: Tables>(state: &State<T>) -> impl Iterator<Item = &SettledRow> {
    state
        .settled()
        .iter()
        .filter(|row| row.keys.status != Status::Void)
}

/// The totals a pledge toward `goal` in `commodity` adds to: its goal's (after merges), if the
/// goal's target is in that commodity.
fn goal_row<'t, T: Tables, S: Slots<Totals>>(
    state: &State<T>,
    totals: &'t mut S,
    goal: Option<GoalId>,
    commodity: CommodityId,
) -> Result<Option<&'t mut Totals>, LedgerError> {
    let Some(goal) = goal.map(|g| state.current_goal(g)) else {
        return Ok(None);
    };
    let index = usize::try_from(goal.0).map_err(|_| LedgerError::UnknownGoal)?;
    let in_goal_commodity = state
        .goal(goal)
        .is_some_and(|g| g.target.commodity == commodity);
    let row = totals
        .as_mut_slice()
        .get_mut(index)
        .ok_or(LedgerError::UnknownGoal)?;
    Ok(in_goal_commodity.then_some(row))
}

/// Pairs each visible goal (not merged into another) with its totals from [`goal_totals`].
pub fn goal_progress<'s, T: Tables>(
    state: &'s State<T>,
    totals: &'s [Totals],
) -> impl Iterator<Item = GoalProgress<'s>> {
    state
        .goals()
        .iter()
        .zip(totals)
        .enumerate()
        .filter(|(id, (goal, _))| {
            let merged =
                u32::try_from(*id).map_or(true, |id| state.alias(RenameKind::Goal, id).is_some());
            state.counts(goal.date) && !merged
        })
        .map(|(_, pair)| pair)
        .map(|(goal, totals)| GoalProgress {
            goal,
            totals: *totals,
        })
}

/// What to break totals down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The party that pledged.
    Pledger,
    /// The party that benefits.
    Beneficiary,
    /// The project (pledges without one form their own row).
    Project,
    /// The sector (pledges without one form their own row).
    Sector,
    /// The commodity alone.
    Commodity,
    /// Goal (pledges outside any goal form their own row).
    Goal,
    /// Status on the as-of date.
    Status,
}

/// One row of a breakdown: a key's totals in one commodity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The key's id (a party, project, sector or goal id); `None` for pledges without one, and
    /// always `None` when breaking down by commodity.
    pub key: Option<u32>,
    /// The commodity.
    pub commodity: CommodityId,
    /// The totals.
    pub totals: Totals,
}

/// Totals of the visible pledges broken down by `by` and commodity, into `rows`, sorted by
/// the key's name (rows without a key last), then by commodity code.
pub fn breakdown<T: Tables, S: Slots<Row>>(
    state: &State<T>,
    by: Key,
    rows: &mut S,
) -> Result<(), LedgerError> {
    *rows = S::default();
    for pledge in state.pledges() {
        breakdown_add(state, by, rows, &pledge)?;
    }
    for settled in counted_settled(state) {
        let index = row_for(state.keying(), by, rows, &settled.keys, None)?;
        let row = rows
            .as_mut_slice()
            .get_mut(index)
            .ok_or(LedgerError::CapacityExceeded(Table::Rows))?;
        row.totals.merge(&settled.totals)?;
    }
    breakdown_sort(state, by, rows);
    Ok(())
}

/// Adds one pledge to the rows of a [`breakdown`] being built, if it is visible (not void,
/// and made by the as-of date): for pledges that are not held in `state` but read one at a
/// time, as from a cache, in memory that does not grow with them. [`breakdown_sort`] then
/// puts the rows in order.
pub fn breakdown_add<T: Tables, S: Slots<Row>>(
    state: &State<T>,
    by: Key,
    rows: &mut S,
    pledge: &PledgeState,
) -> Result<(), LedgerError> {
    if !counted(state.keying(), pledge) {
        return Ok(());
    }
    let index = row_for(state.keying(), by, rows, &pledge.keys(), None)?;
    let row = rows
        .as_mut_slice()
        .get_mut(index)
        .ok_or(LedgerError::CapacityExceeded(Table::Rows))?;
    row.totals.add(pledge)
}

/// [`breakdown_add`] for every key at once, `rows` in the order of [`Key::ALL`] (a shorter
/// slice: the first keys only): the pledge's totals are worked out once, not once a key, for a
/// cache that keeps every breakdown. On an error the keys before the one that failed have the
/// pledge already, as with [`breakdown_add`] key by key.
pub fn breakdown_add_every<S: Slots<Row>>(
    keying: Keying<'_>,
    rows: &mut [S],
    hints: &mut RowHints,
    pledge: &PledgeState,
) -> Result<(), LedgerError> {
    if !counted(keying, pledge) {
        return Ok(());
    }
    let totals = Totals::of(pledge)?;
    let keys = pledge.keys();
    for ((by, rows), hints) in Key::ALL.into_iter().zip(rows).zip(&mut hints.0) {
        let index = row_for(keying, by, rows, &keys, Some(hints))?;
        let row = rows
            .as_mut_slice()
            .get_mut(index)
            .ok_or(LedgerError::CapacityExceeded(Table::Rows))?;
        row.totals.merge(&totals)?;
    }
    Ok(())
}

/// Takes one pledge, added before by [`breakdown_add`] as it was then, out of the rows: with
/// the pledge's old state taken out and its new state added, rows kept between runs (in a
/// cache) stay what [`breakdown`] of the whole fold gives, as long as no rename came between
/// (a rename moves every pledge of a name to another row). A row left with no pledge goes.
pub fn breakdown_remove<T: Tables, S: Slots<Row>>(
    state: &State<T>,
    by: Key,
    rows: &mut S,
    pledge: &PledgeState,
) -> Result<(), LedgerError> {
    let Some((_, found)) = place(state, by, rows.as_slice(), pledge) else {
        return Ok(());
    };
    // A pledge never added has no row: the rows are not what they must be.
    let index = found.map_err(|_| LedgerError::UnknownPledge(pledge.seq))?;
    let row = rows
        .as_mut_slice()
        .get_mut(index)
        .ok_or(LedgerError::UnknownPledge(pledge.seq))?;
    row.totals.remove(pledge)?;
    if row.totals.pledges == 0 {
        rows.remove(index);
    }
    Ok(())
}

/// Rows of each key that [`RowHints`] remembers.
const HINTS: usize = 512;

/// Where [`breakdown_add_every`] last found rows, up to 512 of each key (14 KiB in all: for a
/// desktop's cache of every breakdown, not for a device): a row is looked for there before it
/// is searched for. Rows move only when one is inserted before them, so after the first
/// pledges nearly every row is where its hint says; a hint is always checked, so a wrong one
/// costs only the search it would have saved.
#[derive(Debug, Clone)]
pub struct RowHints([[u32; HINTS]; Key::ALL.len()]);

impl Default for RowHints {
    fn default() -> Self {
        RowHints([[u32::MAX; HINTS]; Key::ALL.len()])
    }
}

/// The index of the row of a pledge with `keys`, inserted (with no totals) where it belongs
/// if there was none; looked for first where `hints` say, which are then kept up to date.
fn row_for<S: Slots<Row>>(
    keying: Keying<'_>,
    by: Key,
    rows: &mut S,
    keys: &PledgeKeys,
    hints: Option<&mut [u32; HINTS]>,
) -> Result<usize, LedgerError> {
    let key = key_of(keying, keys, by);
    let commodity = keys.commodity;
    let hint = hints.and_then(|hints| {
        let at = (key.map_or(0, |k| k.wrapping_add(1)) ^ commodity.0.rotate_left(16)) as usize;
        hints.get_mut(at % HINTS)
    });
    let is_row = |row: &Row| row.key == key && row.commodity == commodity;
    let hinted = hint.as_deref().map(|&index| index as usize);
    if let Some(index) = hinted.filter(|&i| rows.as_slice().get(i).is_some_and(is_row)) {
        return Ok(index);
    }
    let index = match find_row(rows.as_slice(), key, commodity) {
        Ok(index) => index,
        Err(index) => {
            let row = Row {
                key,
                commodity,
                totals: Totals::default(),
            };
            rows.insert(index, row)
                .map_err(|_| LedgerError::CapacityExceeded(Table::Rows))?;
            index
        }
    };
    if let Some(hint) = hint {
        *hint = u32::try_from(index).unwrap_or(u32::MAX);
    }
    Ok(index)
}

/// A row's index in rows kept in order of key and commodity, or where it would go.
fn find_row(rows: &[Row], key: Option<u32>, commodity: CommodityId) -> Result<usize, usize> {
    rows.binary_search_by(|row| (row.key, row.commodity).cmp(&(key, commodity)))
}

/// A pledge's key, and its row's index or where that row would go.
type Place = (Option<u32>, Result<usize, usize>);

/// Where `pledge` belongs in rows kept in order of key and commodity: `None` if it does not
/// count (void, or made after the as-of date).
fn place<T: Tables>(
    state: &State<T>,
    by: Key,
    rows: &[Row],
    pledge: &PledgeState,
) -> Option<Place> {
    if !counted(state.keying(), pledge) {
        return None;
    }
    let key = key_of(state.keying(), &pledge.keys(), by);
    Some((key, find_row(rows, key, pledge.commodity)))
}

/// Whether a breakdown counts `pledge`: not void, and made by the as-of date.
fn counted(keying: Keying<'_>, pledge: &PledgeState) -> bool {
    !pledge.voided && keying.counts(pledge.date)
}

/// Puts the rows [`breakdown_add`] built in the order [`breakdown`] gives.
pub fn breakdown_sort<T: Tables, S: Slots<Row>>(state: &State<T>, by: Key, rows: &mut S) {
    rows.as_mut_slice()
        .sort_unstable_by(|a, b| compare_rows(state, by, a, b));
}

impl Key {
    /// Every key, in the order the CLI lists them.
    pub const ALL: [Key; 7] = [
        Key::Pledger,
        Key::Beneficiary,
        Key::Project,
        Key::Sector,
        Key::Commodity,
        Key::Goal,
        Key::Status,
    ];

    /// The key's lower-case name, as the CLI and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Key::Pledger => "pledger",
            Key::Beneficiary => "beneficiary",
            Key::Project => "project",
            Key::Sector => "sector",
            Key::Commodity => "commodity",
            Key::Goal => "goal",
            Key::Status => "status",
        }
    }

    /// The key with this name.
    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|key| key.name() == name)
    }
}

/// A pledge's key, after renames and merges.
fn key_of(keying: Keying<'_>, pledge: &PledgeKeys, by: Key) -> Option<u32> {
    let current = |kind, id: Option<u32>| id.map(|id| keying.current_id(kind, id));
    match by {
        Key::Pledger => current(RenameKind::Party, Some(pledge.from.0)),
        Key::Beneficiary => current(RenameKind::Party, Some(pledge.to.0)),
        Key::Project => current(RenameKind::Project, pledge.project.map(|id| id.0)),
        Key::Sector => current(RenameKind::Sector, pledge.sector.map(|id| id.0)),
        Key::Goal => current(RenameKind::Goal, pledge.goal.map(|id| id.0)),
        Key::Status => Some(pledge.status as u32),
        Key::Commodity => None,
    }
}

/// The name a row's key stands for (after renames: the current name).
pub fn key_name<T: Tables>(state: &State<T>, by: Key, key: Option<u32>) -> Option<&str> {
    let key = key?;
    let kind = match by {
        Key::Pledger | Key::Beneficiary => NameKind::Party,
        Key::Project => NameKind::Project,
        Key::Sector => NameKind::Sector,
        Key::Goal => {
            return state
                .goal(crate::entry::GoalId(key))
                .map(|g| g.name.as_str());
        }
        Key::Status => {
            return Status::ALL
                .get(usize::try_from(key).ok()?)
                .map(|s| s.as_str());
        }
        Key::Commodity => return None,
    };
    state.current_name(kind, key).map(|n| n.as_str())
}

fn compare_rows<T: Tables>(state: &State<T>, by: Key, a: &Row, b: &Row) -> Ordering {
    let name = |row: &Row| key_name(state, by, row.key);
    let code = |row: &Row| state.commodity(row.commodity).map(|c| c.code.as_str());
    if by == Key::Status {
        // Statuses in order of precedence.
        return a.key.cmp(&b.key).then_with(|| code(a).cmp(&code(b)));
    }
    let by_name = match (name(a), name(b)) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_name.then_with(|| code(a).cmp(&code(b)))
}

/// Bytes enough for any [`Percent`] as text: a sign, 39 digits, a point, a digit and `%`.
pub const PERCENT_TEXT: usize = 48;

/// A share in tenths of a percent, rounded half away from zero: 490 of 550 is 89.1%. Wide
/// enough for any share of two 64-bit amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent {
    /// Tenths of a percent.
    pub tenths: i128,
}

impl Percent {
    /// `part` as a share of `whole`; `None` unless `whole` is positive.
    ///
    /// ```
    /// use ledger_core::report::Percent;
    /// assert_eq!(Percent::of(490, 550).unwrap().to_string(), "89.1%");
    /// assert_eq!(Percent::of(1, 3).unwrap().to_string(), "33.3%");
    /// assert_eq!(Percent::of(-1, 2000).unwrap().to_string(), "-0.1%");
    /// assert_eq!(Percent::of(i64::MAX, 1).unwrap().to_string(), "922337203685477580700.0%");
    /// ```
    pub fn of(part: i64, whole: i64) -> Option<Percent> {
        if whole <= 0 {
            return None;
        }
        // Rounded half away from zero on the magnitudes: (|part| × 2000 + whole) / (2 × whole),
        // below 2^75 / 2, so nothing here can overflow 128 bits. Unsigned, as signed 128-bit
        // arithmetic is hundreds of bytes of a device's code.
        let whole = u128::from(whole.unsigned_abs());
        let half_up = u128::from(part.unsigned_abs())
            .wrapping_mul(2000)
            .wrapping_add(whole);
        let magnitude = i128::try_from(quotient(half_up, whole.wrapping_mul(2))?).ok()?;
        let tenths = if part < 0 {
            magnitude.wrapping_neg()
        } else {
            magnitude
        };
        Some(Percent { tenths })
    }

    /// The share as text in `out` (`89.1%`), without `core::fmt`, as [`Display`](fmt::Display)
    /// writes it.
    ///
    /// ```
    /// use ledger_core::report::{PERCENT_TEXT, Percent};
    /// let mut out = [0u8; PERCENT_TEXT];
    /// assert_eq!(Percent::of(-1, 2000).unwrap().write_to(&mut out), b"-0.1%");
    /// ```
    pub fn write_to<'o>(&self, out: &'o mut [u8; PERCENT_TEXT]) -> &'o [u8] {
        let end = PERCENT_TEXT.saturating_sub(1);
        if let Some(last) = out.get_mut(end) {
            *last = b'%';
        }
        let magnitude = self.tenths.unsigned_abs();
        let start = crate::amount::write_number(out, end, magnitude, self.tenths < 0, 1, false);
        out.get(start..).unwrap_or_default()
    }
}

/// `n / d`, `None` if `d` is 0. Native on 64-bit targets; on 32-bit ones by
/// [`shift_subtract`], as the 128-bit division routine the compiler would call instead is
/// about 700 bytes of a device's flash.
fn quotient(n: u128, d: u128) -> Option<u128> {
    #[cfg(target_pointer_width = "64")]
    return n.checked_div(d);
    #[cfg(not(target_pointer_width = "64"))]
    compact_quotient(n, d)
}

/// [`quotient`] on 32-bit targets, for `d` up to 2^127 (`None` above); compiled everywhere so
/// that the desktop's tests check it against `checked_div`.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
fn compact_quotient(n: u128, d: u128) -> Option<u128> {
    (d != 0 && d <= 1 << 127).then(|| shift_subtract(n, d))
}

/// `n / d` for `d` from 1 to 2^127, a bit at a time (binary long division).
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
fn shift_subtract(n: u128, d: u128) -> u128 {
    let (mut quotient, mut rest) = (0u128, 0u128);
    for bit in (0..u128::BITS).rev() {
        // `rest` stays below `d`, so shifting it left loses nothing.
        rest = (rest << 1) | ((n >> bit) & 1);
        if rest >= d {
            rest = rest.wrapping_sub(d);
            quotient |= 1 << bit;
        }
    }
    quotient
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; PERCENT_TEXT];
        let text = self.write_to(&mut out);
        f.write_str(core::str::from_utf8(text).unwrap_or("?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device's division for shares is `checked_div`'s, for every size of numerator a share
    /// can have (up to 2^75) and divisors up to 2^65, 0 included.
    #[test]
    fn compact_quotient_is_checked_div() {
        let mut value: u128 = 7;
        let mut numerators = vec![0, 1, 999, 1000, 1 << 75, u128::from(u64::MAX), u128::MAX];
        let mut divisors = vec![
            0,
            1,
            2,
            3,
            1000,
            u128::from(u64::MAX) * 2,
            1 << 64,
            1 << 127,
        ];
        for _ in 0..300 {
            value = next(value);
            let shift = (value >> 120) as u32;
            numerators.push(value >> (52 + shift % 76));
            divisors.push(value >> (63 + shift % 64));
        }
        for &n in &numerators {
            for &d in &divisors {
                assert_eq!(compact_quotient(n, d), n.checked_div(d), "{n} / {d}");
            }
        }
    }

    /// Shares are what the signed formula gives, rounded half away from zero, for parts and
    /// wholes of every size and sign.
    #[test]
    fn shares_are_rounded_half_away_from_zero() {
        let reference = |part: i64, whole: i64| -> Option<i128> {
            if whole <= 0 {
                return None;
            }
            let (scaled, whole) = (i128::from(part) * 2000, i128::from(whole));
            let half_up = if scaled >= 0 {
                scaled + whole
            } else {
                scaled - whole
            };
            Some(half_up / (whole * 2))
        };
        let mut value: u128 = 11;
        let mut samples = vec![0, 1, -1, 2, 3, 1999, 2000, -2000, i64::MAX, i64::MIN];
        for _ in 0..200 {
            value = next(value);
            let shift = (value >> 120) as u32;
            samples.push((value >> 64) as i64 >> (shift % 63));
        }
        for &part in &samples {
            for &whole in &samples {
                let share = Percent::of(part, whole).map(|p| p.tenths);
                assert_eq!(share, reference(part, whole), "{part} of {whole}");
            }
        }
    }

    /// A step of a 128-bit linear congruential generator: numbers of every size, the same on
    /// every run.
    fn next(value: u128) -> u128 {
        value
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407)
    }
}
