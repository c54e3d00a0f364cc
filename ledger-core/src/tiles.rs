//! The ledger's Merkle tree as a C2SP `tlog-tiles` static log: "tiles" of up to 256
//! consecutive hashes at levels 8 tree levels apart, and entry bundles of the records
//! themselves, so that any static web server can serve the log and existing clients (Go's
//! `golang.org/x/mod/sumdb/tlog`, for one) compute their own proofs from it.
//!
//! ```text
//! tile/<L>/<N>[.p/<W>]        level L, index N (x001/x234/067), W hashes when partial
//! tile/entries/<N>[.p/<W>]    the records of level-0 tile N: big-endian u16 length ‖ payload
//! ```
//!
//! The n-th tile at level l holds MTH(D[(n·256 + i)·256^l .. (n·256 + i + 1)·256^l]) for
//! i < 256. [`Tiler`] builds them as leaves arrive, holding one unfinished tile per level.

use core::fmt::Write;

use crate::tree::{Hash, subtree_root};

/// Hashes in a full tile.
pub const TILE_WIDTH: usize = 256;
/// Levels a tree of up to 2^64 leaves needs.
pub const LEVELS: usize = 8;

/// A tile ready to be written: where it goes, and its hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile<'a> {
    /// Its level (0: leaf hashes).
    pub level: u8,
    /// Its index within the level.
    pub index: u64,
    /// Its hashes: 256 in a full tile, fewer in a partial one.
    pub hashes: &'a [Hash],
}

impl Tile<'_> {
    /// Whether the tile is partial (fewer than 256 hashes).
    pub fn is_partial(&self) -> bool {
        self.hashes.len() < TILE_WIDTH
    }
}

/// Builds the tiles of a tree, leaf by leaf: each full tile is handed out once, and its root
/// carried up into the tile above. At the end, [`Tiler::partial_tiles`] gives the partial
/// tile of every level that has one.
#[derive(Debug, Clone, Default)]
pub struct Tiler {
    /// The unfinished tile of each level.
    open: [heapless::Vec<Hash, TILE_WIDTH>; LEVELS],
    /// Full tiles so far, per level.
    full: [u64; LEVELS],
}

impl Tiler {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a leaf hash, handing every tile it completes to `full_tile`.
    pub fn push<E>(
        &mut self,
        leaf: Hash,
        full_tile: &mut impl FnMut(Tile<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut hash = leaf;
        for level in 0..LEVELS {
            let (Some(open), Some(count)) = (self.open.get_mut(level), self.full.get_mut(level))
            else {
                return Ok(());
            };
            if open.push(hash).is_err() {
                return Ok(());
            }
            if !open.is_full() {
                return Ok(());
            }
            full_tile(Tile {
                level: level as u8,
                index: *count,
                hashes: open,
            })?;
            hash = subtree_root(open);
            *count = count.saturating_add(1);
            open.clear();
        }
        Ok(())
    }

    /// The partial tile of every level that has one, lowest level first.
    pub fn partial_tiles(&self) -> impl Iterator<Item = Tile<'_>> {
        self.open
            .iter()
            .zip(self.full)
            .enumerate()
            .filter(|(_, (open, _))| !open.is_empty())
            .map(|(level, (open, index))| Tile {
                level: level as u8,
                index,
                hashes: open,
            })
    }
}

/// The path of a tile (`level` `None` for an entry bundle) of `width` hashes or entries:
/// `tile/0/x001/x234/067.p/12`.
pub fn path(level: Option<u8>, index: u64, width: usize) -> heapless::String<64> {
    let mut path = heapless::String::new();
    let _ = match level {
        Some(level) => write!(path, "tile/{level}/"),
        None => path.write_str("tile/entries/"),
    };
    // Three-digit groups, every one but the last prefixed with `x`.
    let mut groups = [0u16; 7];
    let mut count = 0usize;
    let mut rest = index;
    loop {
        if let Some(slot) = groups.get_mut(count) {
            *slot = (rest % 1000) as u16;
        }
        count = count.saturating_add(1);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    for i in (0..count).rev() {
        let group = groups.get(i).copied().unwrap_or(0);
        let _ = if i == 0 {
            write!(path, "{group:03}")
        } else {
            write!(path, "x{group:03}/")
        };
    }
    if width < TILE_WIDTH {
        let _ = write!(path, ".p/{width}");
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::leaf_hash;

    #[test]
    fn paths_are_the_specs() {
        assert_eq!(path(Some(0), 1_234_067, 256), "tile/0/x001/x234/067");
        assert_eq!(path(Some(2), 0, 1), "tile/2/000.p/1");
        assert_eq!(path(None, 5, 112), "tile/entries/005.p/112");
        assert_eq!(path(Some(1), 1000, 256), "tile/1/x001/000");
    }

    /// The spec's example: a tree of 70,000 leaves is 273 full level-0 tiles, a partial
    /// level-0 tile of 112, one full level-1 tile, a partial level-1 tile of 17 and a partial
    /// level-2 tile of 1; and every level-1 hash is the root of the level-0 tile below it.
    #[test]
    fn the_tiles_of_70000_leaves() {
        let mut tiler = Tiler::new();
        let mut full = [0u64; LEVELS];
        let mut level1 = Vec::new();
        let mut level0_roots = Vec::new();
        for i in 0..70_000u32 {
            tiler
                .push(leaf_hash(&i.to_be_bytes()), &mut |tile: Tile<'_>| {
                    full[tile.level as usize] += 1;
                    match tile.level {
                        0 => level0_roots.push(subtree_root(tile.hashes)),
                        1 => level1.extend_from_slice(tile.hashes),
                        _ => {}
                    }
                    Ok::<(), ()>(())
                })
                .unwrap();
        }
        assert_eq!(&full[..3], &[273, 1, 0]);
        let partial: Vec<(u8, u64, usize)> = tiler
            .partial_tiles()
            .map(|t| (t.level, t.index, t.hashes.len()))
            .collect();
        assert_eq!(partial, [(0, 273, 112), (1, 1, 17), (2, 0, 1)]);
        assert_eq!(level1, level0_roots[..256]);
    }
}
