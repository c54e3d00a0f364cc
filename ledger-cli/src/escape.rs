//! Everything printed that came from a file or an argument goes through here, so that no name,
//! text or path can move the cursor, clear the screen or reorder what is displayed: control
//! characters and bidirectional overrides are shown as `\u{..}` escapes (`\n`, `\t`, `\r` by
//! their usual names), never sent to the terminal.

use std::borrow::Cow;
use std::fmt::Write;

use ledger_core::entry::is_bidi_control;

/// Marks where a table's header begins and ends in text that `print` finishes: bold on a
/// colour terminal, nothing otherwise. Private-use characters that [`escape`] escapes, so no
/// name or text can carry one to the terminal.
pub const HEADER_START: char = '\u{F8F0}';
/// See [`HEADER_START`].
pub const HEADER_END: char = '\u{F8F1}';

fn is_marker(c: char) -> bool {
    c == HEADER_START || c == HEADER_END
}

/// `text` with every control character and bidirectional override escaped: for one line.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| {
        c.is_control() || is_bidi_control(c) || is_marker(c)
    })
}

/// `text` with every control character but the line break, and every bidirectional override,
/// escaped: for output of several lines whose values were escaped already, as a last guard.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| {
        (c.is_control() && c != '\n') || is_bidi_control(c)
    })
}

/// JSON text with every bidirectional override written as a JSON `\uXXXX` escape (serde_json
/// escapes control characters already; these it leaves raw). The JSON means the same.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    // Every override is three bytes of UTF-8: ASCII text, most of what is written, has none.
    if json.is_ascii() || !json.chars().any(is_bidi_control) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_bidi_control(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// serde_json's pretty layout, with every string's text passed through [`escape_json`] as it is
/// written: the text arrives whole, between the escapes serde_json writes itself, so no
/// character is ever split and nothing else needs looking at.
#[derive(Debug, Default)]
pub struct SafeJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        writer.write_all(escape_json(fragment).as_bytes())
    }

    // The layout is the pretty formatter's.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    // Printable ASCII is never escaped: most text is, and a byte test is far quicker than
    // decoding every character (a million-row listing escapes fourteen fields a row).
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) || !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_overrides_become_visible_escapes() {
        assert_eq!(escape("Japan"), "Japan");
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(
            escape("l1\nl2\t\r\u{7f}\u{85}"),
            "l1\\nl2\\t\\r\\u{7f}\\u{85}"
        );
        assert_eq!(escape_lines("l1\nl2\u{1b}\n"), "l1\nl2\\u{1b}\n");
        assert_eq!(
            escape("a\u{f8f0}b"),
            "a\\u{f8f0}b",
            "no name carries a marker"
        );
        assert_eq!(escape_json("\"a\u{202e}b\""), "\"a\\u202eb\"");
        let parsed: String = serde_json::from_str(&escape_json("\"a\u{202e}b\"")).unwrap();
        assert_eq!(parsed, "a\u{202e}b", "the JSON still means the same");
    }

    #[test]
    fn json_strings_are_written_with_overrides_escaped_and_the_pretty_layout() {
        use serde::Serialize;
        let value = serde_json::json!({
            "k\u{2066}ey": ["a\u{202e}b", "quote \" and \u{1b}", 12],
            "plain": "ASCII only",
        });
        let mut text = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut text, SafeJson::default());
        value.serialize(&mut serializer).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            !text.chars().any(is_bidi_control),
            "no override reaches the output: {text}"
        );
        assert!(text.contains("\"k\\u2066ey\": ["), "{text}");
        assert!(text.contains("\"a\\u202eb\""), "{text}");
        assert_eq!(
            text.replace("\\u2066", "\u{2066}")
                .replace("\\u202e", "\u{202e}"),
            serde_json::to_string_pretty(&value).unwrap(),
            "the layout is serde_json's pretty one"
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, value, "the JSON still means the same");
    }
}
