//! postcard's encoding of integers, strings and tag lists, written as raw bytes.
//!
//! postcard writes a varint with a loop whose bound the optimiser cannot see, so every
//! `Serialize` impl that writes an integer or a length through it keeps a bounds-check panic
//! (unreachable, but present in a device's code). The core's types serialize those fields with
//! these helpers instead: the same bytes postcard's wire format specifies (LEB128 varints,
//! zigzag for signed values, a varint length before a string's UTF-8), handed to postcard as a
//! tuple of `u8`, which it writes byte by byte with checked writes. That is on a device; off
//! one, where the bounds check costs nothing and speed counts, integers and strings go through
//! postcard's own writers (the same bytes, tested against each other). Decoding is postcard's
//! own, and the golden files check that the bytes did not change.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserializer, Serialize, Serializer};

/// Longest varint: a `u64` in 7-bit groups.
const MAX_VARINT: usize = 10;

/// A value as its varint bytes.
struct Varint {
    bytes: [u8; MAX_VARINT],
    len: usize,
}

impl Varint {
    #[inline(never)]
    fn new(mut value: u64) -> Varint {
        let mut bytes = [0u8; MAX_VARINT];
        let mut len = 0usize;
        for slot in bytes.iter_mut() {
            let low = value.to_le_bytes()[0] & 0x7F;
            value = value.wrapping_shr(7);
            len = len.saturating_add(1);
            if value == 0 {
                *slot = low;
                break;
            }
            *slot = low | 0x80;
        }
        Varint { bytes, len }
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Serializes runs of bytes, back to back, as one tuple of `u8`.
#[inline(never)]
fn raw<S: Serializer>(runs: &[&[u8]], serializer: S) -> Result<S::Ok, S::Error> {
    let len = runs
        .iter()
        .map(|run| run.len())
        .fold(0, usize::saturating_add);
    let mut tuple = serializer.serialize_tuple(len)?;
    for byte in runs.iter().flat_map(|run| run.iter()) {
        tuple.serialize_element(byte)?;
    }
    tuple.end()
}

/// A `u64` as postcard writes it. On a device, through [`Varint`] and [`raw`] (no panic path);
/// elsewhere postcard's own `serialize_u64`, which writes the same bytes at once rather than
/// one checked write a byte: a tenth of an audit's time was this writer (re-encoding every
/// record for the canonical-form check). The two write the same bytes (tested).
pub(crate) fn u64<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    #[cfg(target_os = "none")]
    return byte_wise_u64(value, serializer);
    // Below 128 the varint is the byte itself, which postcard writes as a `u8` without the
    // `memcpy` call its varint writer makes for one byte (half of all varints in a ledger).
    #[cfg(not(target_os = "none"))]
    return match u8::try_from(*value) {
        Ok(byte) if byte < 0x80 => serializer.serialize_u8(byte),
        _ => serializer.serialize_u64(*value),
    };
}

/// A `u64` as postcard writes it, written a byte at a time: the device's writer.
#[cfg_attr(not(any(test, target_os = "none")), allow(dead_code))]
fn byte_wise_u64<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    raw(&[Varint::new(*value).as_bytes()], serializer)
}

/// A `u32` as postcard writes it.
pub(crate) fn u32<S: Serializer>(value: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    u64(&u64::from(*value), serializer)
}

/// An `i32` as postcard writes it: zigzag, then varint.
pub(crate) fn i32<S: Serializer>(value: &i32, serializer: S) -> Result<S::Ok, S::Error> {
    let zigzag = value.wrapping_shl(1) ^ value.wrapping_shr(31);
    u32(&u32::from_le_bytes(zigzag.to_le_bytes()), serializer)
}

/// An `i64` as postcard writes it: zigzag, then varint.
pub(crate) fn i64<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    let zigzag = value.wrapping_shl(1) ^ value.wrapping_shr(63);
    u64(&u64::from_le_bytes(zigzag.to_le_bytes()), serializer)
}

/// An `Option<u32>` as postcard writes it.
pub(crate) fn option_u32<S: Serializer>(
    value: &Option<u32>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        None => serializer.serialize_none(),
        Some(value) => serializer.serialize_some(&U32(*value)),
    }
}

/// Names and texts (`heapless::String`), as postcard writes and reads a string: varint length,
/// then UTF-8. Read by borrowing the bytes from the input and copying them once into the
/// string: serde's own path moved each string through several by-value copies, which on a
/// device cost stack and a decoder per capacity.
pub(crate) mod text {
    use serde::de::{self, Deserialize, Deserializer};
    use serde::{Serialize, Serializer};

    /// Writes the string.
    pub(crate) fn serialize<const N: usize, S: Serializer>(
        value: &heapless::String<N>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::Str(value).serialize(serializer)
    }

    /// Reads a string of at most `N` bytes; a longer one is an error, never truncated.
    pub(crate) fn deserialize<'de, const N: usize, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<heapless::String<N>, D::Error> {
        copy(super::Utf8::deserialize(deserializer)?)
    }

    /// The string as a `heapless::String<N>`, or an error if it is not UTF-8 or longer.
    pub(crate) fn copy<const N: usize, E: de::Error>(
        text: super::Utf8<'_>,
    ) -> Result<heapless::String<N>, E> {
        let mut out = heapless::String::new();
        fill_in(text, &mut out)?;
        Ok(out)
    }

    /// Fills `out` (empty) with the string, or gives an error if it is not UTF-8 or longer:
    /// for a string that is part of what is being decoded (the pledge's memo), filled where
    /// it stays rather than apart and moved in (260 more bytes of a device's stack).
    pub(crate) fn fill_in<const N: usize, E: de::Error>(
        text: super::Utf8<'_>,
        out: &mut heapless::String<N>,
    ) -> Result<(), E> {
        if super::fill(text.0, out.as_mut_view()) {
            Ok(())
        } else {
            Err(E::custom("a name or text not UTF-8, or too long"))
        }
    }
}

/// Optional names and texts, as postcard writes and reads an `Option` of a string.
pub(crate) mod optional_text {
    use serde::Serializer;
    use serde::de::{Deserialize, Deserializer};

    /// Writes the option.
    pub(crate) fn serialize<const N: usize, S: Serializer>(
        value: &Option<heapless::String<N>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            None => serializer.serialize_none(),
            Some(value) => serializer.serialize_some(&super::Str(value)),
        }
    }

    /// Reads the option; a string longer than `N` bytes, or not UTF-8, is an error, never
    /// truncated.
    pub(crate) fn deserialize<'de, const N: usize, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<heapless::String<N>>, D::Error> {
        <Option<super::Utf8<'de>>>::deserialize(deserializer)?
            .map(super::text::copy)
            .transpose()
    }
}

/// A string's bytes as they are in the input, not yet checked: postcard writes a string and a
/// byte array alike (varint length, then the bytes), and [`fill`] checks them as it copies
/// them. Serde's `&str` brought `core::str::from_utf8` into a device's flash with its
/// 256-byte table and a visitor of its own, for strings of a few dozen bytes. Postcard only:
/// it is read as bytes borrowed from the input, which postcard always has.
pub(crate) struct Utf8<'de>(pub(crate) &'de [u8]);

impl<'de> de::Deserialize<'de> for Utf8<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> Visitor<'de> for Bytes {
            type Value = Utf8<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E: de::Error>(
                self,
                bytes: &'de [u8],
            ) -> Result<Self::Value, E> {
                Ok(Utf8(bytes))
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

/// Pushes `bytes` onto `out` if they are UTF-8 and fit; whether they were. On a device, decoded
/// one character at a time without a table ([`push_utf8`], about 0.2 KB less flash); elsewhere
/// checked by `core::str::from_utf8`, about a tenth faster over a whole ledger. The two accept
/// the same bytes (tested).
fn fill(bytes: &[u8], out: &mut heapless::string::StringView) -> bool {
    #[cfg(target_os = "none")]
    return push_utf8(bytes, out);
    #[cfg(not(target_os = "none"))]
    return core::str::from_utf8(bytes).is_ok_and(|text| out.push_str(text).is_ok());
}

/// Pushes each character of `bytes` onto `out`; whether they were all UTF-8 as Unicode defines
/// it (no over-long form, no surrogate, nothing past U+10FFFF: what `core::str::from_utf8`
/// accepts) and all fit. No table; one copy of the decoder and of the push, whatever the
/// strings' capacities (a view, not `N`).
#[cfg_attr(not(any(test, target_os = "none")), allow(dead_code))]
#[inline(never)]
fn push_utf8(bytes: &[u8], out: &mut heapless::string::StringView) -> bool {
    let mut rest = bytes;
    while let Some((&lead, tail)) = rest.split_first() {
        // How many continuation bytes follow the lead byte, and the least code point a
        // sequence that long may carry (anything less is over-long).
        let (more, least) = match lead {
            0x00..=0x7F => (0, 0),
            0xC2..=0xDF => (1, 0x80),
            0xE0..=0xEF => (2, 0x800),
            0xF0..=0xF4 => (3, 0x1_0000),
            _ => return false,
        };
        let Some((continuation, after)) = tail.split_at_checked(more) else {
            return false;
        };
        // The lead byte's payload bits: the bit below its run of ones is always 0.
        let mut code = u32::from(lead & (0x7F >> more));
        for &byte in continuation {
            if byte & 0xC0 != 0x80 {
                return false;
            }
            code = (code << 6) | u32::from(byte & 0x3F);
        }
        // char::from_u32 refuses surrogates and anything past U+10FFFF.
        match char::from_u32(code) {
            Some(c) if code >= least && out.push(c).is_ok() => {}
            _ => return false,
        }
        rest = after;
    }
    true
}

/// A `u32` that serializes as postcard writes it, for tuple elements.
pub(crate) struct U32(pub u32);

impl Serialize for U32 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        u32(&self.0, serializer)
    }
}

/// A string that serializes as postcard writes it, for tuple elements.
pub(crate) struct Str<'a>(pub &'a str);

impl Serialize for Str<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // As for integers ([`u64`]): postcard's own writer off a device, the same bytes.
        #[cfg(target_os = "none")]
        return self.byte_wise(serializer);
        #[cfg(not(target_os = "none"))]
        return serializer.serialize_str(self.0);
    }
}

impl Str<'_> {
    /// The string written a byte at a time: the device's writer.
    #[cfg_attr(not(any(test, target_os = "none")), allow(dead_code))]
    fn byte_wise<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = Varint::new(self.0.len() as u64);
        raw(&[len.as_bytes(), self.0.as_bytes()], serializer)
    }
}

/// A tag list that serializes as postcard writes a sequence of ids: varint count, then each id
/// as a varint.
pub(crate) struct TagList<'a>(pub &'a crate::entry::Tags);

impl Serialize for TagList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let count = Varint::new(self.0.len() as u64);
        let mut tuple = serializer.serialize_tuple(self.0.len().saturating_add(1))?;
        for byte in count.as_bytes() {
            tuple.serialize_element(byte)?;
        }
        for tag in self.0 {
            for byte in Varint::new(u64::from(tag.0)).as_bytes() {
                tuple.serialize_element(byte)?;
            }
        }
        tuple.end()
    }
}

/// Reads a fixed-size byte array (postcard: the bytes, no length) with one loop, where serde's
/// own impl for arrays unrolls a step per byte (1 KB of device code for a 32-byte hash).
pub(crate) fn byte_array<'de, const N: usize, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<[u8; N], D::Error> {
    struct Bytes<const N: usize>(PhantomData<[u8; N]>);
    impl<'de, const N: usize> Visitor<'de> for Bytes<N> {
        type Value = [u8; N];
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a fixed number of bytes")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[u8; N], A::Error> {
            let mut bytes = [0u8; N];
            for byte in &mut bytes {
                *byte = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("too few bytes"))?;
            }
            Ok(bytes)
        }
    }
    deserializer.deserialize_tuple(N, Bytes::<N>(PhantomData))
}

#[cfg(test)]
mod tests {
    use postcard::Serializer;
    use postcard::ser_flavors::{Flavor, Slice};
    use proptest::prelude::*;
    use serde::Serialize;

    type Postcard<'a, 'b> = &'a mut Serializer<Slice<'b>>;

    /// What a helper writes, through postcard's serializer.
    fn ours<T: ?Sized>(
        value: &T,
        helper: impl Fn(&T, Postcard) -> postcard::Result<()>,
    ) -> Vec<u8> {
        let mut buf = [0u8; 1200];
        let mut serializer = Serializer {
            output: Slice::new(&mut buf),
        };
        helper(value, &mut serializer).unwrap();
        let len = serializer.output.finalize().unwrap().len();
        buf[..len].to_vec()
    }

    /// What postcard itself writes for the plain value.
    fn theirs<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
        let mut buf = [0u8; 1200];
        postcard::to_slice(value, &mut buf).unwrap().to_vec()
    }

    proptest! {
        #[test]
        fn integers_are_written_as_postcard_writes_them(
            a in any::<u64>(), b in any::<i64>(), c in any::<i32>(), d in any::<u32>(),
        ) {
            prop_assert_eq!(ours(&a, |v, s| super::u64(v, s)), theirs(&a));
            prop_assert_eq!(ours(&b, |v, s| super::i64(v, s)), theirs(&b));
            prop_assert_eq!(ours(&c, |v, s| super::i32(v, s)), theirs(&c));
            prop_assert_eq!(ours(&d, |v, s| super::u32(v, s)), theirs(&d));
            prop_assert_eq!(ours(&Some(d), |v, s| super::option_u32(v, s)), theirs(&Some(d)));
            prop_assert_eq!(ours(&None, |v, s| super::option_u32(v, s)), theirs(&None::<u32>));
            // The device's writer, which the lines above reach only on a device.
            prop_assert_eq!(ours(&a, |v, s| super::byte_wise_u64(v, s)), theirs(&a));
        }

        #[test]
        fn strings_and_tag_lists_are_written_as_postcard_writes_them(
            text in "\\PC{0,200}",
            tags in prop::collection::vec(any::<u32>(), 0..=8),
        ) {
            let text: heapless::String<1000> = heapless::String::try_from(text.as_str()).unwrap();
            prop_assert_eq!(ours(&text, |v, s| super::text::serialize(v, s)), theirs(text.as_str()));
            prop_assert_eq!(ours(&text, |v, s| super::Str(v).byte_wise(s)), theirs(text.as_str()));
            let some = Some(text.clone());
            prop_assert_eq!(
                ours(&some, |v, s| super::optional_text::serialize(v, s)),
                theirs(&Some(text.as_str()))
            );
            let list: crate::entry::Tags = tags.iter().map(|&t| crate::entry::TagId(t)).collect();
            prop_assert_eq!(ours(&list, |v, s| super::TagList(v).serialize(s)), theirs(&tags[..]));
        }
    }

    #[test]
    fn boundary_integers() {
        for value in [
            0u64,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            assert_eq!(ours(&value, |v, s| super::u64(v, s)), theirs(&value));
            assert_eq!(
                ours(&value, |v, s| super::byte_wise_u64(v, s)),
                theirs(&value)
            );
        }
        for value in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            assert_eq!(ours(&value, |v, s| super::i64(v, s)), theirs(&value));
        }
        for value in [i32::MIN, -1, 0, i32::MAX] {
            assert_eq!(ours(&value, |v, s| super::i32(v, s)), theirs(&value));
        }
    }

    /// What a device reads `bytes` as, into a string of `N` bytes.
    fn table_free<const N: usize>(bytes: &[u8]) -> Option<heapless::String<N>> {
        let mut out = heapless::String::new();
        super::push_utf8(bytes, out.as_mut_view()).then_some(out)
    }

    /// What this build reads `bytes` as.
    fn read<const N: usize>(bytes: &[u8]) -> Option<heapless::String<N>> {
        let mut out = heapless::String::new();
        super::fill(bytes, out.as_mut_view()).then_some(out)
    }

    /// The table-free check accepts exactly what `core::str::from_utf8` accepts, with the same
    /// characters: every sequence of one and two bytes, every three-byte sequence that starts
    /// with a lead byte, every four-byte lead with continuation bytes at and around each
    /// boundary, and random bytes and strings (below).
    #[test]
    fn utf8_is_what_the_standard_library_accepts() {
        let agree = |bytes: &[u8]| {
            let ours = table_free::<16>(bytes);
            let theirs = core::str::from_utf8(bytes).ok();
            assert_eq!(ours.as_deref(), theirs, "{bytes:02x?}");
        };
        for a in 0..=255u8 {
            agree(&[a]);
            for b in 0..=255u8 {
                agree(&[a, b]);
                if a >= 0xC0 {
                    for c in 0..=255u8 {
                        agree(&[a, b, c]);
                    }
                }
            }
        }
        let edges = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF,
        ];
        for lead in 0xF0..=0xFFu8 {
            for &b in &edges {
                for &c in &edges {
                    for &d in &edges {
                        agree(&[lead, b, c, d]);
                        agree(&[b'x', lead, b, c, d, b'y']);
                    }
                }
            }
        }
    }

    /// A string one byte longer than the capacity is refused, never cut short.
    #[test]
    fn utf8_refuses_what_does_not_fit() {
        for read in [read::<3>, table_free::<3>] {
            assert_eq!(read("abc".as_bytes()).as_deref(), Some("abc"));
            assert_eq!(read("abcd".as_bytes()), None);
            // A two-byte character that would end past the capacity.
            assert_eq!(read("ab\u{e9}".as_bytes()), None);
        }
    }

    proptest! {
        #[test]
        fn utf8_agrees_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let ours = table_free::<64>(&bytes);
            prop_assert_eq!(ours.as_deref(), core::str::from_utf8(&bytes).ok());
        }

        #[test]
        fn utf8_reads_every_string_back(text in "\\PC{0,20}") {
            let ours = table_free::<128>(text.as_bytes());
            prop_assert_eq!(ours.as_deref(), Some(text.as_str()));
        }
    }
}
