//! The Merkle tree over a ledger's records, as RFC 6962 / RFC 9162 define it for Certificate
//! Transparency, so existing transparency tooling can check pledge's roots and proofs.
//!
//! ```text
//! leaf  = SHA-256(0x00 ‖ record payload)
//! node  = SHA-256(0x01 ‖ left ‖ right)
//! MTH(D[n]) splits at k, the largest power of two below n: node(MTH(D[0:k]), MTH(D[k:n]))
//! MTH({}) = SHA-256("")
//! ```
//!
//! A leaf is a record's payload (the decoded frame without its CRC), so the root does not
//! depend on framing or padding and is the same for a file and a flash dump.
//!
//! [`CompactRange`] keeps the root up to date as records are appended, in at most 64 hashes and
//! no allocation. [`inclusion_proof`] and [`consistency_proof`] build proofs from the leaf
//! hashes, through [`ProofBuilder`], which also takes them one by one from a reader;
//! [`verify_inclusion`] and [`verify_consistency`] check them without the ledger.

use sha2::compress256;

use crate::slots::Slots;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    // SHA-256 of nothing (e3b0c442...b855), a constant rather than a hash computed each time.
    [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ]
}

/// The hash of a leaf: SHA-256(0x00 ‖ payload).
pub fn leaf_hash(payload: &[u8]) -> Hash {
    hash(0x00, &[payload])
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    hash(0x01, &[left, right])
}

/// SHA-256 of a domain-separation byte and the parts. One copy of the hashing code for leaves
/// and nodes: on a device, each inlined SHA-256 call costs a few hundred bytes of flash.
///
/// The padding is done here, straight into one block buffer, and each block goes to sha2's
/// compression function (SHA-NI or ARMv8 SHA2 where the CPU has them, detected at run time):
/// records and nodes are one or two blocks, where the generic `Digest` buffering cost as much
/// as the compression itself.
#[inline(never)]
fn hash(prefix: u8, parts: &[&[u8]]) -> Hash {
    let mut state = SHA256_IV;
    let mut block = [0u8; 64];
    let mut filled = 0usize;
    let mut total = 0u64;
    // The prefix as the first part: a block cleared whole, never from its second byte.
    for part in core::iter::once(&[prefix][..]).chain(parts.iter().copied()) {
        total = total.saturating_add(part.len() as u64);
        let mut rest: &[u8] = part;
        while !rest.is_empty() {
            // Copy as much as fits in the block, then compress a full block.
            let room = block.len().saturating_sub(filled);
            let (now, later) = rest.split_at(room.min(rest.len()));
            // A zip, not copy_from_slice: no length check left to panic in device builds.
            for (slot, &byte) in block.iter_mut().skip(filled).zip(now) {
                *slot = byte;
            }
            filled = filled.saturating_add(now.len());
            rest = later;
            if filled == block.len() {
                compress256(&mut state, core::slice::from_ref((&block).into()));
                // The bytes past `filled` stay zero, as the padding needs them: cleared whole,
                // the block takes the aligned clear (a ragged one cost a device 208 bytes).
                block = [0u8; 64];
                filled = 0;
            }
        }
    }
    // Padding: 0x80, the zeros already there, then the length in bits as a big-endian u64 in
    // the last 8 bytes.
    if let Some(slot) = block.get_mut(filled) {
        *slot = 0x80;
    }
    if filled >= 56 {
        compress256(&mut state, core::slice::from_ref((&block).into()));
        block = [0u8; 64];
    }
    let (_, length) = block.split_at_mut(56);
    length.copy_from_slice(&total.wrapping_mul(8).to_be_bytes());
    compress256(&mut state, core::slice::from_ref((&block).into()));
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Why a tree operation or proof failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeError {
    /// A leaf index is not below the tree size, or a size is larger than the leaves given.
    OutOfRange,
    /// The tree has 2^64 leaves already.
    Full,
    /// The output for a proof is full.
    ProofTooLong,
    /// A proof has the wrong number of hashes for the sizes it claims to link.
    WrongProofLength,
    /// A proof does not lead to the expected root.
    RootMismatch,
}

impl core::fmt::Display for TreeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::OutOfRange => "leaf index or tree size out of range",
            Self::Full => "the tree is full",
            Self::ProofTooLong => "the proof does not fit in its buffer",
            Self::WrongProofLength => "the proof has the wrong number of hashes",
            Self::RootMismatch => "the proof does not lead to the expected root",
        })
    }
}

impl core::error::Error for TreeError {}

/// The roots of the perfect subtrees that make up a tree of `size` leaves, largest first: one
/// per set bit of `size`. Enough to append and to compute the root, in at most `HEIGHT` hashes
/// of 32 bytes, for up to 2^`HEIGHT` − 1 leaves. The default, 64, covers any `u64` size (2 KiB);
/// a device that keeps fewer records keeps a smaller range (16: 65,535 records in 512 bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange<const HEIGHT: usize = 64> {
    size: u64,
    subtrees: heapless::Vec<Hash, HEIGHT>,
}

impl CompactRange {
    /// The range of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<const HEIGHT: usize> CompactRange<HEIGHT> {
    /// The range of the empty tree, with room for up to 2^`HEIGHT` − 1 leaves.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash, or returns [`TreeError::Full`] and changes nothing if the tree
    /// already has 2^`HEIGHT` − 1 leaves (or 2^64 − 1).
    pub fn push(&mut self, leaf: Hash) -> Result<(), TreeError> {
        let size = self.size.checked_add(1).ok_or(TreeError::Full)?;
        // One subtree per set bit of the size: checked before anything is popped.
        if u32::try_from(HEIGHT).is_ok_and(|height| size.checked_shr(height).unwrap_or(0) != 0) {
            return Err(TreeError::Full);
        }
        self.push_subtree(leaf, 0, 1)
    }

    /// Appends the leaves of `other`, the range of the leaves that come right after these.
    /// Every subtree of `other` must be a subtree of the whole tree, which holds when this
    /// size is a multiple of the power of two at or above `other`'s size: then the two halves
    /// of a tree can be hashed apart (on two cores) and joined. [`TreeError::OutOfRange`]
    /// otherwise, changing nothing.
    pub fn extend(&mut self, other: &CompactRange<HEIGHT>) -> Result<(), TreeError> {
        let span = other
            .size
            .checked_next_power_of_two()
            .ok_or(TreeError::Full)?;
        if !self.size.is_multiple_of(span) {
            return Err(TreeError::OutOfRange);
        }
        let mut sizes = other.size;
        for &subtree in &other.subtrees {
            // Largest first: the highest set bit of what is left of `other`'s size.
            let height = u64::BITS
                .saturating_sub(1)
                .saturating_sub(sizes.leading_zeros());
            let leaves = 1u64.checked_shl(height).ok_or(TreeError::Full)?;
            sizes = sizes.saturating_sub(leaves);
            self.push_subtree(subtree, height, leaves)?;
        }
        Ok(())
    }

    /// Appends a perfect subtree of `leaves` = 2^`height` leaves (a leaf is one of height 0);
    /// the size must be a multiple of it (checked by the caller).
    fn push_subtree(&mut self, root: Hash, height: u32, leaves: u64) -> Result<(), TreeError> {
        let size = self.size.checked_add(leaves).ok_or(TreeError::Full)?;
        let mut hash = root;
        // Each trailing 1 bit of the old size, from this height up, is a perfect subtree of the
        // same height as the one being added, which the new one completes.
        let mut carry = self.size.checked_shr(height).unwrap_or(0);
        while carry & 1 == 1 {
            let left = self.subtrees.pop().ok_or(TreeError::Full)?;
            hash = node_hash(&left, &hash);
            carry >>= 1;
        }
        self.subtrees.push(hash).map_err(|_| TreeError::Full)?;
        self.size = size;
        Ok(())
    }

    /// The roots of the perfect subtrees, largest first: what [`CompactRange::from_subtrees`]
    /// takes back.
    pub fn subtrees(&self) -> &[Hash] {
        &self.subtrees
    }

    /// The range of a tree of `size` leaves from its subtree roots, largest first (one per set
    /// bit of `size`), as [`CompactRange::subtrees`] gave them; [`TreeError::OutOfRange`] if
    /// their number is not that, [`TreeError::Full`] if they do not fit.
    pub fn from_subtrees(size: u64, subtrees: &[Hash]) -> Result<Self, TreeError> {
        if usize::try_from(size.count_ones()).ok() != Some(subtrees.len()) {
            return Err(TreeError::OutOfRange);
        }
        if u32::try_from(HEIGHT).is_ok_and(|height| size.checked_shr(height).unwrap_or(0) != 0) {
            return Err(TreeError::Full);
        }
        let mut range = Self::empty();
        for &hash in subtrees {
            range.subtrees.push(hash).map_err(|_| TreeError::Full)?;
        }
        range.size = size;
        Ok(range)
    }

    /// The tree's root (RFC 6962 MTH).
    pub fn root(&self) -> Hash {
        let mut subtrees = self.subtrees.iter().rev();
        let Some(&last) = subtrees.next() else {
            return empty_root();
        };
        subtrees.fold(last, |right, left| node_hash(left, &right))
    }
}

/// The compact range over the first `size` intact records (frames hashed as they are, not
/// decoded); [`TreeError::OutOfRange`] if there are fewer.
pub fn range_of_first(
    mut scanner: crate::scan::Scanner<'_>,
    size: u64,
) -> Result<CompactRange, TreeError> {
    let mut range = CompactRange::new();
    while range.size() < size {
        match scanner.next_frame() {
            Some(crate::scan::Frame::Payload { .. }) => range.push(leaf_hash(scanner.payload()))?,
            Some(_) => {}
            None => return Err(TreeError::OutOfRange),
        }
    }
    Ok(range)
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    let below = n.saturating_sub(1);
    1u64.checked_shl(
        u64::BITS
            .saturating_sub(1)
            .saturating_sub(below.leading_zeros()),
    )
    .unwrap_or(0)
}

/// MTH of a run of leaf hashes.
pub fn subtree_root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [leaf] => *leaf,
        _ => {
            let k = usize::try_from(split(count(leaves.len()))).unwrap_or(usize::MAX);
            let (left, right) = leaves.split_at(k.min(leaves.len()));
            node_hash(&subtree_root(left), &subtree_root(right))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 6962 PATH), leaf level first,
/// into `proof` (cleared first).
pub fn inclusion_proof<S: Slots<Hash>>(
    leaves: &[Hash],
    index: usize,
    proof: &mut S,
) -> Result<(), TreeError> {
    if index >= leaves.len() {
        return Err(TreeError::OutOfRange);
    }
    let mut builder = ProofBuilder::inclusion(count(index), count(leaves.len()))?;
    for &leaf in leaves {
        builder.push(leaf)?;
    }
    builder.finish(proof)
}

/// The proof that the tree of the first `old_size` leaves is a prefix of the tree of `leaves`
/// (RFC 6962 PROOF), into `proof` (cleared first). Empty when `old_size` is 0 or all of them.
pub fn consistency_proof<S: Slots<Hash>>(
    leaves: &[Hash],
    old_size: usize,
    proof: &mut S,
) -> Result<(), TreeError> {
    if old_size > leaves.len() {
        return Err(TreeError::OutOfRange);
    }
    let mut builder = ProofBuilder::consistency(count(old_size), count(leaves.len()))?;
    for &leaf in leaves {
        builder.push(leaf)?;
    }
    builder.finish(proof)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The most hashes a proof holds: one per level of a tree of up to 2^64 − 1 leaves.
const MAX_PROOF: usize = 64;

/// An inclusion or consistency proof built from a tree's leaves given one by one, in order, in
/// fixed memory (about 5 KiB) whatever the tree's size: a reader streams the ledger through it
/// instead of holding every leaf hash. Each hash of a proof is the root of a run of leaves, and
/// the runs of one proof never overlap, so one [`CompactRange`] at a time is enough.
#[derive(Debug, Clone)]
pub struct ProofBuilder {
    /// The runs of leaves `start..end` whose roots make the proof, in proof order.
    runs: heapless::Vec<(u64, u64), MAX_PROOF>,
    /// Indices into `runs`, in leaf order.
    order: heapless::Vec<u8, MAX_PROOF>,
    /// The roots of the runs done so far, by index into `runs`.
    roots: [Hash; MAX_PROOF],
    /// How many runs (in leaf order) are done.
    done: usize,
    /// The run being hashed.
    current: CompactRange,
    /// Leaves given so far.
    leaves: u64,
    /// The tree's size.
    size: u64,
}

impl ProofBuilder {
    /// For the audit path of leaf `index` in a tree of `size` leaves (RFC 6962 PATH).
    pub fn inclusion(index: u64, size: u64) -> Result<Self, TreeError> {
        if index >= size {
            return Err(TreeError::OutOfRange);
        }
        let mut runs = heapless::Vec::new();
        path_runs(0, size, index, &mut runs)?;
        Ok(Self::of(runs, size))
    }

    /// For the proof that the tree of the first `old_size` leaves is a prefix of the tree of
    /// `size` leaves (RFC 6962 PROOF); empty when `old_size` is 0 or `size`.
    pub fn consistency(old_size: u64, size: u64) -> Result<Self, TreeError> {
        if old_size > size {
            return Err(TreeError::OutOfRange);
        }
        let mut runs = heapless::Vec::new();
        if old_size > 0 {
            subproof_runs(0, size, old_size, true, &mut runs)?;
        }
        Ok(Self::of(runs, size))
    }

    fn of(runs: heapless::Vec<(u64, u64), MAX_PROOF>, size: u64) -> Self {
        let mut order: heapless::Vec<u8, MAX_PROOF> = (0..runs.len())
            .filter_map(|i| u8::try_from(i).ok())
            .collect();
        order.sort_unstable_by_key(|&i| runs.get(usize::from(i)).map(|run| run.0));
        ProofBuilder {
            runs,
            order,
            roots: [[0; 32]; MAX_PROOF],
            done: 0,
            current: CompactRange::new(),
            leaves: 0,
            size,
        }
    }

    /// Gives the next leaf's hash (leaf 0 first).
    pub fn push(&mut self, leaf: Hash) -> Result<(), TreeError> {
        let n = self.leaves;
        self.leaves = n.checked_add(1).ok_or(TreeError::Full)?;
        let Some(&run) = self.order.get(self.done) else {
            return Ok(());
        };
        let Some(&(start, end)) = self.runs.get(usize::from(run)) else {
            return Ok(());
        };
        // Runs are done in leaf order, so a leaf before the next run's start is in none (and
        // runs end within the tree: a leaf past it comes after the last run is done).
        if n < start {
            return Ok(());
        }
        self.current.push(leaf)?;
        if self.leaves == end {
            if let Some(root) = self.roots.get_mut(usize::from(run)) {
                *root = self.current.root();
            }
            self.current = CompactRange::new();
            self.done = self.done.saturating_add(1);
        }
        Ok(())
    }

    /// The proof, into `proof` (cleared first); [`TreeError::OutOfRange`] if fewer leaves than
    /// the tree's size were given.
    pub fn finish<S: Slots<Hash>>(&self, proof: &mut S) -> Result<(), TreeError> {
        if self.leaves < self.size {
            return Err(TreeError::OutOfRange);
        }
        *proof = S::default();
        for root in self.roots.iter().take(self.runs.len()) {
            proof.push(*root).map_err(|_| TreeError::ProofTooLong)?;
        }
        Ok(())
    }
}

/// The runs of RFC 6962 PATH(index, `D[start:end]`), leaf level first.
fn path_runs(
    start: u64,
    end: u64,
    index: u64,
    runs: &mut heapless::Vec<(u64, u64), MAX_PROOF>,
) -> Result<(), TreeError> {
    let n = end.saturating_sub(start);
    if n <= 1 {
        return Ok(());
    }
    let mid = start.saturating_add(split(n));
    let sibling = if index < mid {
        path_runs(start, mid, index, runs)?;
        (mid, end)
    } else {
        path_runs(mid, end, index, runs)?;
        (start, mid)
    };
    runs.push(sibling).map_err(|_| TreeError::ProofTooLong)
}

/// The runs of RFC 6962 SUBPROOF(m, `D[start:end]`, complete).
fn subproof_runs(
    start: u64,
    end: u64,
    m: u64,
    complete: bool,
    runs: &mut heapless::Vec<(u64, u64), MAX_PROOF>,
) -> Result<(), TreeError> {
    let n = end.saturating_sub(start);
    if m == n {
        if !complete {
            runs.push((start, end))
                .map_err(|_| TreeError::ProofTooLong)?;
        }
        return Ok(());
    }
    let k = split(n);
    let mid = start.saturating_add(k);
    let sibling = if m <= k {
        subproof_runs(start, mid, m, complete, runs)?;
        (mid, end)
    } else {
        subproof_runs(mid, end, m.saturating_sub(k), false, runs)?;
        (start, mid)
    };
    runs.push(sibling).map_err(|_| TreeError::ProofTooLong)
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves with root `root`, given its
/// audit path (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), TreeError> {
    if index >= size {
        return Err(TreeError::OutOfRange);
    }
    let (mut fn_, mut sn) = (index, size.saturating_sub(1));
    let mut hash = *leaf;
    for sibling in proof {
        if sn == 0 {
            return Err(TreeError::WrongProofLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            hash = node_hash(sibling, &hash);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(TreeError::WrongProofLength);
    }
    if hash != *root {
        return Err(TreeError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`, given a consistency proof (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), TreeError> {
    if old_size > new_size {
        return Err(TreeError::OutOfRange);
    }
    if old_size == 0 || old_size == new_size {
        // Nothing to prove beyond equality; a non-empty proof is malformed.
        if !proof.is_empty() {
            return Err(TreeError::WrongProofLength);
        }
        if old_size == new_size && old_root != new_root {
            return Err(TreeError::RootMismatch);
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(TreeError::WrongProofLength);
    }
    // When the old tree is a perfect subtree, its root is the first node of the path.
    let prefix = old_size.is_power_of_two().then_some(*old_root);
    let mut path = prefix.iter().chain(proof.iter());
    let (mut fn_, mut sn) = (old_size.saturating_sub(1), new_size.saturating_sub(1));
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let first = *path.next().ok_or(TreeError::WrongProofLength)?;
    let (mut old_hash, mut new_hash) = (first, first);
    for node in path {
        if sn == 0 {
            return Err(TreeError::WrongProofLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            old_hash = node_hash(node, &old_hash);
            new_hash = node_hash(node, &new_hash);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            new_hash = node_hash(&new_hash, node);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(TreeError::WrongProofLength);
    }
    if old_hash != *old_root || new_hash != *new_root {
        return Err(TreeError::RootMismatch);
    }
    Ok(())
}

/// The compact range over every intact record a scanner yields, in order: leaf i is record i's
/// payload. Damaged frames and tails are not leaves; a caller that must vouch for the whole
/// ledger checks the scan's items first.
pub fn range_of_records(mut scanner: crate::scan::Scanner<'_>) -> Result<CompactRange, TreeError> {
    let mut range = CompactRange::new();
    while let Some(frame) = scanner.next_frame() {
        if matches!(frame, crate::scan::Frame::Payload { .. }) {
            range.push(leaf_hash(scanner.payload()))?;
        }
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_given_back_from_its_subtrees_and_nothing_else() {
        let mut range = CompactRange::new();
        for n in 0..70u64 {
            let again = CompactRange::<64>::from_subtrees(range.size(), range.subtrees()).unwrap();
            assert_eq!(again, range);
            assert_eq!(again.root(), range.root());
            // One subtree more or less than the size's set bits is refused.
            let mut more = range.subtrees().to_vec();
            more.push([1; 32]);
            assert_eq!(
                CompactRange::<64>::from_subtrees(range.size(), &more),
                Err(TreeError::OutOfRange)
            );
            range.push(leaf_hash(&n.to_le_bytes())).unwrap();
        }
        assert_eq!(
            CompactRange::<4>::from_subtrees(16, &[[0; 32]]),
            Err(TreeError::Full)
        );
    }
    use sha2::{Digest, Sha256};

    /// Two halves hashed apart and joined give the tree of the whole, at every aligned split.
    #[test]
    fn ranges_join_at_aligned_splits() {
        let leaves: Vec<Hash> = (0..140u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let range = |l: &[Hash]| {
            let mut r = CompactRange::new();
            l.iter().for_each(|&h| r.push(h).unwrap());
            r
        };
        for n in 0..leaves.len() {
            let whole = range(&leaves[..n]);
            for k in 0..=n {
                let mut left = range(&leaves[..k]);
                let right = range(&leaves[k..n]);
                let aligned = (k as u64).is_multiple_of(((n - k) as u64).next_power_of_two());
                match left.extend(&right) {
                    Ok(()) => {
                        assert!(aligned, "{k} + {}", n - k);
                        assert_eq!(left, whole, "{k} + {}", n - k);
                    }
                    Err(e) => {
                        assert!(!aligned, "{k} + {}: {e}", n - k);
                        assert_eq!(left, range(&leaves[..k]), "unchanged");
                    }
                }
            }
        }
    }

    /// The hand-padded hash is SHA-256 of the prefix and the parts, for every length a record
    /// can have and every split of it, across the one- and two-block boundaries.
    #[test]
    fn hash_is_sha256_of_prefix_and_parts() {
        let data: Vec<u8> = (0..700u32).map(|i| (i * 31 + 7) as u8).collect();
        for len in 0..data.len() {
            let message = &data[..len];
            let mut expected = Sha256::new();
            expected.update([0x00]);
            expected.update(message);
            let expected: Hash = expected.finalize().into();
            assert_eq!(leaf_hash(message), expected, "length {len}");
            let split = len / 3;
            assert_eq!(
                hash(0x00, &[&message[..split], &message[split..]]),
                expected,
                "length {len} split at {split}"
            );
        }
    }
}
