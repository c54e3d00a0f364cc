//! A pledge's memo on the wire: the longest one reads back, and one byte longer, bytes that are
//! not UTF-8, or unknown flags are refused, never truncated or read as something else.

use ledger_core::amount::CommodityId;
use ledger_core::entry::{Entry, PartyId, Pledge, Record, Tags, text};
use ledger_core::error::FormatError;
use ledger_core::record::{MAX_PAYLOAD, decode_payload, encode_payload};
use ledger_core::{Amount, Date};

fn pledge_with_memo(memo: &str) -> Record {
    Record {
        seq: 3,
        entry: Entry::Pledge(Pledge {
            date: Date::parse("2025-10-28").unwrap(),
            from: PartyId(0),
            to: PartyId(1),
            amount: Amount {
                units: 100,
                commodity: CommodityId(0),
            },
            goal: None,
            project: None,
            sector: None,
            tags: Tags::new(),
            due: None,
            memo: Some(text(memo).unwrap()),
            planned: false,
        }),
    }
}

/// The payload of a pledge whose 256-byte memo ends it: everything before the memo's length.
fn prefix_and_memo() -> (Vec<u8>, Vec<u8>) {
    let memo = "m".repeat(256);
    let record = pledge_with_memo(&memo);
    let mut buf = [0u8; MAX_PAYLOAD];
    let payload = encode_payload(&record, &mut buf).unwrap().to_vec();
    assert_eq!(
        decode_payload(&payload, 3),
        Ok(record),
        "the longest memo reads back"
    );
    // Length 256 as a varint is 0x80 0x02, then the 256 bytes.
    let split = payload.len() - 256 - 2;
    assert_eq!(&payload[split..split + 2], &[0x80, 0x02]);
    (payload[..split].to_vec(), memo.into_bytes())
}

/// The pledge's payload with its memo replaced by these length bytes and memo bytes, decoded.
fn decode_with_memo(
    length: [u8; 2],
    edit: impl FnOnce(&mut Vec<u8>),
) -> Result<Record, FormatError> {
    let (prefix, mut memo) = prefix_and_memo();
    edit(&mut memo);
    decode_payload(&[prefix, length.to_vec(), memo].concat(), 3)
}

#[test]
fn a_memo_one_byte_too_long_is_refused() {
    let result = decode_with_memo([0x81, 0x02], |memo| memo.push(b'm'));
    assert_eq!(result, Err(FormatError::PayloadInvalid));
}

#[test]
fn a_memo_that_is_not_utf8_is_refused() {
    let result = decode_with_memo([0x80, 0x02], |memo| memo[10] = 0xFF);
    assert_eq!(result, Err(FormatError::PayloadInvalid));
}

#[test]
fn unknown_pledge_flags_are_refused() {
    let record = pledge_with_memo("x");
    let mut buf = [0u8; MAX_PAYLOAD];
    let mut payload = encode_payload(&record, &mut buf).unwrap().to_vec();
    // The flags byte comes just before the memo (length 1, then "x"); bit 5 says a memo follows.
    let flags = payload.len() - 3;
    assert_eq!(payload[flags], 1 << 5);
    // Bit 6 is `planned`: a flag alone, no field follows.
    let mut planned = payload.clone();
    planned[flags] |= 1 << 6;
    match decode_payload(&planned, 3).unwrap().entry {
        ledger_core::entry::Entry::Pledge(p) => assert!(p.planned),
        other => panic!("{other:?}"),
    }
    payload[flags] |= 1 << 7;
    assert_eq!(
        decode_payload(&payload, 3),
        Err(FormatError::PayloadInvalid)
    );
}
