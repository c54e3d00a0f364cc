//! The Merkle tree against Certificate Transparency's published roots and against a plain
//! recursive reference written from RFC 6962 (over `Vec`s, as the RFC states it), on every
//! size from 1 to 257: roots, every inclusion proof, and consistency proofs; tampered proofs
//! must fail.

use ledger_core::tree::{
    CompactRange, Hash, ProofBuilder, TreeError, consistency_proof, empty_root, inclusion_proof,
    leaf_hash, node_hash, subtree_root, verify_consistency, verify_inclusion,
};

/// RFC 6962 §2.1 MTH, as written.
fn mth(leaves: &[Vec<u8>]) -> Hash {
    let n = leaves.len();
    if n == 0 {
        return empty_root();
    }
    if n == 1 {
        return leaf_hash(&leaves[0]);
    }
    let k = k(n);
    node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
}

fn k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 §2.1.1 PATH(m, D[n]).
fn path(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = k(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D[n], b).
fn subproof(m: usize, leaves: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if b { vec![] } else { vec![mth(leaves)] };
    }
    let k = k(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], b);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn data(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("record {i}").into_bytes()).collect()
}

fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn certificate_transparency_test_vectors() {
    // The eight leaves and roots of certificate-transparency's merkle tree tests.
    let leaves: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        vec![0x10],
        vec![0x20, 0x21],
        vec![0x30, 0x31],
        vec![0x40, 0x41, 0x42, 0x43],
        (0x50..0x58).collect(),
        (0x60..0x70).collect(),
    ];
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    assert_eq!(
        hex(&CompactRange::new().root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let mut range = CompactRange::new();
    for (leaf, root) in leaves.iter().zip(roots) {
        range.push(leaf_hash(leaf)).unwrap();
        assert_eq!(hex(&range.root()), root, "size {}", range.size());
    }
}

#[test]
fn roots_and_every_inclusion_proof_agree_with_the_reference_up_to_257_leaves() {
    let all = data(257);
    let mut range = CompactRange::new();
    let mut hashes: Vec<Hash> = Vec::new();
    for n in 1..=257 {
        range.push(leaf_hash(&all[n - 1])).unwrap();
        hashes.push(leaf_hash(&all[n - 1]));
        let leaves = &all[..n];
        let root = mth(leaves);
        assert_eq!(range.root(), root, "root of {n}");
        assert_eq!(subtree_root(&hashes), root);
        for m in 0..n {
            let mut proof: heapless::Vec<Hash, 64> = heapless::Vec::new();
            inclusion_proof(&hashes, m, &mut proof).unwrap();
            assert_eq!(
                proof.as_slice(),
                path(m, leaves).as_slice(),
                "PATH({m}, D[{n}])"
            );
            verify_inclusion(&hashes[m], m as u64, n as u64, &proof, &root).unwrap();
            // The wrong leaf, index, size or root, or a shortened proof, fails.
            let other = leaf_hash(b"not a record");
            assert_eq!(
                verify_inclusion(&other, m as u64, n as u64, &proof, &root),
                Err(TreeError::RootMismatch)
            );
            if n > 1 {
                assert!(
                    verify_inclusion(&hashes[m], ((m + 1) % n) as u64, n as u64, &proof, &root)
                        .is_err()
                );
                assert!(
                    verify_inclusion(
                        &hashes[m],
                        m as u64,
                        n as u64,
                        &proof[..proof.len() - 1],
                        &root
                    )
                    .is_err()
                );
            }
            // (The size is not checked against the path alone: where leaf m's path has the same
            // shape in trees of n and n + 1 leaves, RFC 9162 verification accepts either. A
            // checkpoint signs size and root together for that reason.)
        }
    }
}

#[test]
fn consistency_proofs_agree_with_the_reference() {
    let all = data(257);
    let hashes: Vec<Hash> = all.iter().map(|d| leaf_hash(d)).collect();
    let sizes: Vec<usize> = (1..=70).chain([127, 128, 129, 255, 256, 257]).collect();
    for &n in &sizes {
        let new_root = mth(&all[..n]);
        for m in 0..=n {
            let mut proof: heapless::Vec<Hash, 64> = heapless::Vec::new();
            consistency_proof(&hashes[..n], m, &mut proof).unwrap();
            let expected = if m == 0 {
                vec![]
            } else {
                subproof(m, &all[..n], true)
            };
            assert_eq!(proof.as_slice(), expected.as_slice(), "PROOF({m}, D[{n}])");
            let old_root = mth(&all[..m]);
            verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof).unwrap();
            if 0 < m && m < n {
                // A rewritten old tree, a wrong new root, or a damaged proof fails.
                let forged = node_hash(&old_root, &old_root);
                assert!(
                    verify_consistency(m as u64, n as u64, &forged, &new_root, &proof).is_err(),
                    "forged old {m} {n}"
                );
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &forged, &proof).is_err()
                );
                let mut damaged = proof.clone();
                damaged[0][0] ^= 1;
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &damaged).is_err()
                );
                assert!(
                    verify_consistency(
                        m as u64,
                        n as u64,
                        &old_root,
                        &new_root,
                        &proof[..proof.len() - 1]
                    )
                    .is_err()
                );
            }
        }
    }
}

#[test]
fn out_of_range_requests_are_errors() {
    let hashes: Vec<Hash> = data(5).iter().map(|d| leaf_hash(d)).collect();
    let mut proof: heapless::Vec<Hash, 64> = heapless::Vec::new();
    assert_eq!(
        inclusion_proof(&hashes, 5, &mut proof),
        Err(TreeError::OutOfRange)
    );
    assert_eq!(
        consistency_proof(&hashes, 6, &mut proof),
        Err(TreeError::OutOfRange)
    );
    let mut tiny: heapless::Vec<Hash, 1> = heapless::Vec::new();
    assert_eq!(
        inclusion_proof(&hashes, 0, &mut tiny),
        Err(TreeError::ProofTooLong)
    );
    assert_eq!(
        verify_inclusion(&hashes[0], 0, 0, &[], &empty_root()),
        Err(TreeError::OutOfRange)
    );
    assert_eq!(
        verify_consistency(3, 2, &empty_root(), &empty_root(), &[]),
        Err(TreeError::OutOfRange)
    );
}

#[test]
fn a_shorter_range_gives_the_same_roots_and_refuses_a_leaf_past_its_height() {
    let all = data(300);
    let mut full = CompactRange::new();
    let mut short: CompactRange<8> = CompactRange::empty();
    for (n, leaf) in all.iter().enumerate() {
        full.push(leaf_hash(leaf)).unwrap();
        if n < 255 {
            short.push(leaf_hash(leaf)).unwrap();
            assert_eq!(short.root(), full.root(), "size {}", n + 1);
        } else {
            // 2^8 − 1 leaves is the most 8 subtrees are guaranteed to hold.
            let before = short.clone();
            assert_eq!(short.push(leaf_hash(leaf)), Err(TreeError::Full));
            assert_eq!(short, before, "a refused push changes nothing");
        }
    }
    assert_eq!(short.size(), 255);
}

/// A reader streams the whole ledger through a `ProofBuilder`, which may hold more records than
/// the checkpoint's tree: the leaves past the tree's size are not part of the proof, and a
/// ledger with fewer leaves than the size has no proof.
#[test]
fn a_streamed_proof_ignores_leaves_past_the_tree_and_needs_all_before() {
    let all = data(100);
    let hashes: Vec<Hash> = all.iter().map(|d| leaf_hash(d)).collect();
    for n in [1usize, 2, 7, 33, 64, 65] {
        for m in [0, n / 2, n - 1] {
            let proofs = |index: bool, given: usize| {
                let mut builder = if index {
                    ProofBuilder::inclusion(m as u64, n as u64).unwrap()
                } else {
                    ProofBuilder::consistency(m as u64, n as u64).unwrap()
                };
                for &leaf in &hashes[..given] {
                    builder.push(leaf).unwrap();
                }
                let mut proof: heapless::Vec<Hash, 64> = heapless::Vec::new();
                builder.finish(&mut proof).map(|()| proof)
            };
            let mut expected: heapless::Vec<Hash, 64> = heapless::Vec::new();
            inclusion_proof(&hashes[..n], m, &mut expected).unwrap();
            assert_eq!(
                proofs(true, 100).unwrap(),
                expected,
                "PATH({m}, D[{n}]) of 100"
            );
            assert_eq!(proofs(true, n - 1), Err(TreeError::OutOfRange));
            consistency_proof(&hashes[..n], m, &mut expected).unwrap();
            assert_eq!(
                proofs(false, 100).unwrap(),
                expected,
                "PROOF({m}, D[{n}]) of 100"
            );
            assert_eq!(proofs(false, n - 1), Err(TreeError::OutOfRange));
        }
    }
    assert_eq!(
        ProofBuilder::inclusion(5, 5).map(|_| ()),
        Err(TreeError::OutOfRange)
    );
}
