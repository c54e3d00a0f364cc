//! The in-place COBS against corncobs (the encoder the format was first written with): the
//! same frames, byte for byte, and the same verdicts on arbitrary bytes.

use ledger_core::cobs::{CobsError, decode_in_place, encode_in_place, max_encoded_len, overhead};
use proptest::prelude::*;

/// Encodes with the data placed `overhead(len)` in (the least `encode_in_place` accepts).
fn encode(data: &[u8]) -> Vec<u8> {
    let start = overhead(data.len());
    let mut buf = vec![0xAA; start + data.len() + 1];
    buf[start..start + data.len()].copy_from_slice(data);
    let len = encode_in_place(&mut buf, start, data.len()).unwrap();
    buf.truncate(len);
    buf
}

fn reference(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0; corncobs::max_encoded_len(data.len())];
    let len = corncobs::encode_buf(data, &mut out);
    out.truncate(len);
    out
}

/// Data with long runs and zeros where the block boundaries are (253, 254, 255 bytes).
fn edge_cases() -> Vec<Vec<u8>> {
    let mut cases = vec![vec![], vec![0], vec![0, 0], vec![1], vec![1, 0], vec![0, 1]];
    for run in [253, 254, 255, 508, 509, 643] {
        let bytes: Vec<u8> = (0..run).map(|i| (i % 255 + 1) as u8).collect();
        cases.push(bytes.clone());
        cases.push([bytes.clone(), vec![0]].concat());
        cases.push([vec![0], bytes.clone()].concat());
        cases.push([bytes.clone(), vec![0], bytes.clone()].concat());
        cases.push([bytes.clone(), vec![0, 0, 7]].concat());
    }
    cases
}

#[test]
fn block_boundaries_encode_as_corncobs_does_and_decode_back() {
    for data in edge_cases() {
        let frame = encode(&data);
        assert_eq!(frame, reference(&data), "{} bytes", data.len());
        assert!(frame.len() <= max_encoded_len(data.len()));
        assert_eq!(frame.iter().position(|&b| b == 0), Some(frame.len() - 1));
        let mut buf = frame.clone();
        let len = decode_in_place(&mut buf).unwrap();
        assert_eq!(&buf[..len], &data[..]);
    }
}

#[test]
fn encoding_needs_room_before_the_data_and_after_it() {
    let data = [1u8; 300]; // two blocks: overhead 2
    let mut buf = vec![0; 2 + 300 + 1];
    buf[2..302].copy_from_slice(&data);
    assert_eq!(
        encode_in_place(&mut buf.clone(), 1, 300),
        Err(CobsError::NoRoom)
    );
    assert_eq!(
        encode_in_place(&mut buf[..302], 2, 300),
        Err(CobsError::NoRoom)
    );
    assert_eq!(encode_in_place(&mut buf, 2, 300), Ok(303));
}

#[test]
fn truncated_frames_are_refused() {
    // A code byte promising more than there is, and bytes with no delimiter.
    assert_eq!(decode_in_place(&mut [5, 1, 2]), Err(CobsError::Truncated));
    assert_eq!(decode_in_place(&mut [2, 1]), Err(CobsError::Truncated));
    assert_eq!(decode_in_place(&mut []), Err(CobsError::Truncated));
    assert_eq!(decode_in_place(&mut [0]), Ok(0));
}

proptest! {
    #[test]
    fn any_data_encodes_as_corncobs_does(
        data in prop::collection::vec(prop_oneof![3 => Just(0u8), 1 => any::<u8>(), 6 => 1u8..], 0..800),
        extra in 0usize..4,
    ) {
        let start = overhead(data.len()) + extra;
        let mut buf = vec![0x55; start + data.len() + 1 + extra];
        buf[start..start + data.len()].copy_from_slice(&data);
        let len = encode_in_place(&mut buf, start, data.len()).unwrap();
        prop_assert_eq!(&buf[..len], &reference(&data)[..]);
    }

    #[test]
    fn any_bytes_decode_as_corncobs_decodes_them(
        bytes in prop::collection::vec(prop_oneof![1 => Just(0u8), 2 => 1u8..8, 4 => any::<u8>()], 0..600),
    ) {
        let mut out = vec![0; bytes.len()];
        let expected = corncobs::decode_buf(&bytes, &mut out).map(|len| out[..len].to_vec());
        let mut buf = bytes.clone();
        let ours = decode_in_place(&mut buf).map(|len| buf[..len].to_vec());
        prop_assert_eq!(ours.ok(), expected.ok());
    }
}
