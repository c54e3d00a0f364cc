//! The references a ledger has imported before, in one block of text and a hash table of
//! where each one is: about 20 bytes a reference (its text and a 8-byte slot), where a
//! `HashSet<String>` held 80 (a `String`, its own allocation and a 24-byte slot). A ledger of a
//! million imported pledges is checked against in 25 MB instead of 80.

use hashbrown::HashTable;

/// A set of texts, each up to 65,535 bytes (a note's text is at most 256).
#[derive(Debug, Default)]
pub struct RefSet {
    /// Every text, one after another.
    texts: String,
    /// Each text's start in `texts` (the high 48 bits) and length (the low 16).
    table: HashTable<u64>,
    /// Keyed at random per process, so that no file can choose references that collide.
    hasher: ahash::RandomState,
}

impl RefSet {
    /// Adds `text` (once: a text already there is not added again). `false` if it cannot be
    /// kept (longer than 65,535 bytes, or texts beyond 2^48 bytes in all): never for a
    /// note's text.
    pub fn insert(&mut self, text: &str) -> bool {
        let hash = self.hasher.hash_one(text);
        let (texts, hasher) = (&self.texts, &self.hasher);
        if self
            .table
            .find(hash, |&slot| text_at(texts, slot) == Some(text))
            .is_some()
        {
            return true;
        }
        let (Ok(len), Ok(start)) = (u16::try_from(text.len()), u64::try_from(texts.len())) else {
            return false;
        };
        if start >= 1 << 48 {
            return false;
        }
        let slot = (start << 16) | u64::from(len);
        self.texts.push_str(text);
        let texts = &self.texts;
        self.table.insert_unique(hash, slot, |&slot| {
            hasher.hash_one(text_at(texts, slot).unwrap_or_default())
        });
        true
    }

    /// Whether `text` was added.
    pub fn contains(&self, text: &str) -> bool {
        let hash = self.hasher.hash_one(text);
        self.table
            .find(hash, |&slot| text_at(&self.texts, slot) == Some(text))
            .is_some()
    }
}

/// The text a slot names.
fn text_at(texts: &str, slot: u64) -> Option<&str> {
    let start = usize::try_from(slot >> 16).ok()?;
    let len = usize::from(u16::try_from(slot & 0xFFFF).ok()?);
    texts.get(start..start.checked_add(len)?)
}

impl<'a> FromIterator<&'a str> for RefSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(texts: I) -> Self {
        let mut set = RefSet::default();
        for text in texts {
            set.insert(text);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_was_added_and_nothing_else() {
        let mut set = RefSet::default();
        for i in 0..10_000 {
            assert!(set.insert(&format!("R{i}")));
        }
        assert!(set.insert("R5"), "again");
        assert!(set.insert(""));
        for i in 0..10_000 {
            assert!(set.contains(&format!("R{i}")), "R{i}");
        }
        for absent in ["R10000", "R-1", "r5", "R5 ", "R"] {
            assert!(!set.contains(absent), "{absent}");
        }
        assert!(set.contains(""));
        // Each text is kept once.
        let expected: usize = (0..10_000).map(|i| format!("R{i}").len()).sum();
        assert_eq!(set.texts.len(), expected);
        assert!(!set.insert(&"x".repeat(70_000)), "too long to keep");
        assert!(!set.contains(&"x".repeat(70_000)));
    }
}
