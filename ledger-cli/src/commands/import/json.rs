//! The rows of a JSON import, one at a time as they are parsed: a ledger's export of a million
//! events is a few hundred MB of JSON, and as one `serde_json::Value` it took about 5 GB. Only
//! the row being checked is held (as a `Value`: one row of a dozen fields).
//!
//! The file is an array of rows, or an object with `events` (the array) and `origin` (the
//! exporting ledger's, for references). An `origin` after `events` is read in a first pass that
//! skips the rows without holding them, and the rows in a second.

use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::CliError;
use crate::mapped::Mapped;

/// Why reading the rows stopped.
#[derive(Debug)]
pub(super) enum Stop {
    /// The file is not JSON, or not of the shape import reads.
    Json(serde_json::Error),
    /// A row was refused.
    Row(CliError),
}

/// Hands each row, numbered from 1, to `each`, with the file's `origin` if it has one (looked
/// for only when `origin_wanted`).
pub(super) fn for_each_row(
    bytes: &Mapped,
    start: usize,
    origin_wanted: bool,
    mut each: impl FnMut(usize, Value, Option<&str>) -> Result<(), CliError>,
) -> Result<(), Stop> {
    let mut refused = None;
    let mut origin = None;
    let mut later = false;
    let first = read(
        bytes,
        start,
        Top {
            rows: Some(Rows {
                each: &mut each,
                refused: &mut refused,
                origin: None,
            }),
            origin: &mut origin,
            rows_now: !origin_wanted,
            events_before_origin: &mut later,
        },
    );
    if let Some(e) = refused {
        return Err(Stop::Row(e));
    }
    first.map_err(Stop::Json)?;
    if !later {
        return Ok(());
    }
    // `events` came before `origin`: the rows again, now that the origin is known.
    let second = read(
        bytes,
        start,
        Top {
            rows: Some(Rows {
                each: &mut each,
                refused: &mut refused,
                origin,
            }),
            origin: &mut None,
            rows_now: true,
            events_before_origin: &mut false,
        },
    );
    if let Some(e) = refused {
        return Err(Stop::Row(e));
    }
    second.map_err(Stop::Json)
}

fn read(bytes: &Mapped, start: usize, top: Top<'_, '_>) -> Result<(), serde_json::Error> {
    // Through a reader, so that the pages behind it are let go of (a slice would keep the whole
    // file resident); buffered, so that the parser takes bytes from memory.
    let reader = std::io::BufReader::with_capacity(64 << 10, bytes.reader_from(start));
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    top.deserialize(&mut deserializer)?;
    deserializer.end()
}

type Each<'e> = dyn FnMut(usize, Value, Option<&str>) -> Result<(), CliError> + 'e;

/// The rows of an array, each handed over as it is parsed.
struct Rows<'a, 'e> {
    each: &'a mut Each<'e>,
    refused: &'a mut Option<CliError>,
    origin: Option<String>,
}

impl<'de> DeserializeSeed<'de> for Rows<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut number = 0;
        while let Some(row) = seq.next_element::<Value>()? {
            number += 1;
            if let Err(e) = (self.each)(number, row, self.origin.as_deref()) {
                *self.refused = Some(e);
                return Err(A::Error::custom("a row was refused"));
            }
        }
        Ok(())
    }
}

/// The file: an array of rows, or an object with `events` and `origin`; anything else holds
/// no rows.
struct Top<'a, 'e> {
    rows: Option<Rows<'a, 'e>>,
    origin: &'a mut Option<String>,
    /// Hand the rows over whether or not an origin was seen before them (a second pass, or
    /// no origin wanted).
    rows_now: bool,
    /// `events` came before `origin` (or there is no origin): its rows were skipped, for a
    /// second pass.
    events_before_origin: &'a mut bool,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows, or an object with `events`")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, seq: A) -> Result<(), A::Error> {
        match self.rows.take() {
            Some(rows) => rows.visit_seq(seq),
            None => Ok(()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "events" => match self.rows.take() {
                    Some(mut rows) if self.rows_now || self.origin.is_some() => {
                        rows.origin = rows.origin.or_else(|| self.origin.clone());
                        map.next_value_seed(rows)?;
                    }
                    // The origin may come after: the rows wait for a second pass.
                    Some(rows) => {
                        map.next_value::<IgnoredAny>()?;
                        *self.events_before_origin = true;
                        self.rows = Some(rows);
                    }
                    // `events` twice: the first is the one read.
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
                "origin" => *self.origin = map.next_value::<Option<String>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}
