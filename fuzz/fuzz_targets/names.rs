//! Any text as a name or free text, read from a file: the reader holds it to the writer's rule
//! (a record the writer would refuse is refused on read, with the same rule), and whatever is
//! printed of it through the CLI's escaping carries no control or bidi-override character.
#![no_main]

use std::convert::Infallible;

use ledger_cli::escape::{escape, escape_lines};
use ledger_core::entry::{self, Entry, Name, Open, Record, Text, is_bidi_control};
use ledger_core::error::LedgerError;
use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
use ledger_core::scan::{Item, Scanner};
use ledger_core::slots::Fixed;
use ledger_core::State;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Past the checksum, so mutated frames reach the decoder (see `record::fuzz`).
    ledger_core::record::fuzz::SKIP_CHECKSUM.store(true, std::sync::atomic::Ordering::Relaxed);
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Printed: never a raw control or override, whatever the text.
    let one_line = escape(text);
    assert!(!one_line.chars().any(|c| c.is_control() || is_bidi_control(c)), "{one_line:?}");
    let lines = escape_lines(text);
    assert!(!lines.chars().any(|c| (c.is_control() && c != '\n') || is_bidi_control(c)));
    // Read from a file: a party named `text` (bypassing the writer's check) and a note.
    let mut bytes = preamble().to_vec();
    let mut state: State<Fixed<4, 2, 2, 2>> = State::default();
    let mut sink = |frame: &[u8]| -> Result<(), Infallible> {
        bytes.extend_from_slice(frame);
        Ok(())
    };
    let open = Entry::Open(Open { origin: entry::name("fuzz.example").unwrap() });
    state.append(open, &mut sink).unwrap();
    let mut entries = Vec::new();
    if let Ok(name) = Name::try_from(text) {
        entries.push((Entry::Party(name), entry::name(text).is_ok()));
    }
    if let Ok(note) = Text::try_from(text) {
        let date = ledger_core::Date(20_000);
        let note = ledger_core::entry::Note { date, about: None, text: note };
        entries.push((Entry::Note(note), entry::text(text).is_ok()));
    }
    for (entry, writer_accepts) in entries {
        let mut reader: State<Fixed<4, 2, 2, 2>> = State::default();
        let mut frame = [0u8; MAX_FRAME];
        let mut ledger = bytes.clone();
        let record = Record { seq: 1, entry };
        let Ok(len) = encode_frame(&record, &mut frame) else { continue };
        ledger.extend_from_slice(&frame[..len]);
        let mut verdicts = Vec::new();
        for item in Scanner::new(&ledger).unwrap() {
            if let Item::Record { record, .. } = item {
                verdicts.push(reader.apply(&record));
            }
        }
        assert_eq!(verdicts.len(), 2, "both records decode");
        match &verdicts[1] {
            Ok(()) => assert!(writer_accepts, "read what the writer refuses: {text:?}"),
            Err(LedgerError::Text(_)) => assert!(!writer_accepts, "refused what the writer takes: {text:?}"),
            Err(other) => panic!("{other:?} for {text:?}"),
        }
    }
});
