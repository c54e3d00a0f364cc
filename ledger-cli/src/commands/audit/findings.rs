//! The findings of one file's audit, kept in memory up to [`KEEP`] and past that in an unnamed
//! temporary file, one JSON line each, so that a ledger with a million broken records is
//! audited in the memory of a clean one. They are read back in order when printed.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};

use serde::{Deserialize, Serialize};

use crate::error::{CliError, Result};

/// Findings kept in memory before the rest go to the temporary file.
pub const KEEP: usize = 4_096;

/// Bytes of spilled findings gathered before they are written out.
const WRITE_AT: usize = 1 << 20;

/// One finding as it is printed: where, what kind, and the sentence that says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingJson {
    pub seq: Option<u32>,
    pub offset: usize,
    pub kind: String,
    pub message: String,
}

/// Every finding of one file, in the order found.
#[derive(Debug, Default)]
pub struct Findings {
    kept: Vec<FindingJson>,
    /// The temporary file, once past [`KEEP`].
    file: Option<File>,
    /// Spilled findings not yet written to the file (JSON lines).
    pending: Vec<u8>,
    spilled: usize,
    /// The first failure to make or write the temporary file: reported once the audit ends.
    failed: Option<std::io::Error>,
}

impl Findings {
    /// These findings.
    pub fn of(findings: impl IntoIterator<Item = FindingJson>) -> Findings {
        let mut all = Findings::default();
        findings.into_iter().for_each(|f| all.push(f));
        all
    }

    /// Adds a finding after the others.
    pub fn push(&mut self, finding: FindingJson) {
        if self.kept.len() < KEEP {
            self.kept.push(finding);
            return;
        }
        // Serializing plain strings and numbers into a Vec cannot fail.
        if serde_json::to_writer(&mut self.pending, &finding).is_ok() {
            self.pending.push(b'\n');
            self.spilled += 1;
        }
        if self.pending.len() >= WRITE_AT {
            self.write_pending();
        }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.kept.len() + self.spilled
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first one.
    pub fn first(&self) -> Option<&FindingJson> {
        self.kept.first()
    }

    /// Says whether the temporary file failed, once every finding is in.
    pub fn check(&self) -> Result<()> {
        match &self.failed {
            Some(e) => Err(CliError::failure(format!(
                "audit: cannot keep the findings in a temporary file: {e}"
            ))),
            None => Ok(()),
        }
    }

    /// Hands every finding to `each`, in order; stops at `each`'s first error or a failed read.
    pub fn try_for_each(&self, mut each: impl FnMut(&FindingJson) -> Result<()>) -> Result<()> {
        self.kept.iter().try_for_each(&mut each)?;
        if self.spilled == 0 {
            return Ok(());
        }
        let unreadable = |e: std::io::Error| {
            CliError::failure(format!("audit: cannot read back the findings: {e}"))
        };
        let mut each_line = |lines: &mut dyn BufRead| -> Result<()> {
            for line in lines.lines() {
                let line = line.map_err(unreadable)?;
                let finding: FindingJson = serde_json::from_str(&line)
                    .map_err(|e| unreadable(std::io::Error::other(e)))?;
                each(&finding)?;
            }
            Ok(())
        };
        if let Some(file) = self.file.as_ref() {
            let mut file: &File = file;
            file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
            each_line(&mut BufReader::new(file))?;
        }
        each_line(&mut &self.pending[..])
    }

    /// Moves the pending lines to the temporary file (made on first use).
    fn write_pending(&mut self) {
        if self.failed.is_some() {
            return;
        }
        let written = match &mut self.file {
            Some(file) => file.write_all(&self.pending),
            None => tempfile::tempfile().and_then(|mut file| {
                file.write_all(&self.pending)?;
                self.file = Some(file);
                Ok(())
            }),
        };
        match written {
            Ok(()) => self.pending.clear(),
            Err(e) => self.failed = Some(e),
        }
    }
}

impl Serialize for Findings {
    /// As a JSON array, read back from the temporary file as it is written out.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        let mut failed = None;
        let walked = self.try_for_each(|finding| {
            seq.serialize_element(finding).map_err(|e| {
                failed = Some(e);
                CliError::failure(String::new())
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        walked.map_err(|e| S::Error::custom(e.message()))?;
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(i: usize) -> FindingJson {
        FindingJson {
            seq: (!i.is_multiple_of(3)).then_some(i as u32),
            offset: i * 7,
            kind: ["rule", "damaged", "sequence"][i % 3].to_string(),
            // Quotes, a line break and a non-ASCII letter: read back as they were.
            message: format!("finding \"{i}\"\nsaid é {}", "x".repeat(i % 300)),
        }
    }

    #[test]
    fn findings_past_those_kept_come_back_in_order() {
        let count = KEEP + 20_000;
        let mut findings = Findings::default();
        for i in 0..count {
            findings.push(finding(i));
        }
        findings.check().unwrap();
        assert_eq!(findings.len(), count);
        assert!(
            findings.file.is_some(),
            "some were written to the temporary file"
        );
        assert!(
            !findings.pending.is_empty(),
            "and some still wait in memory"
        );
        let mut seen = 0;
        findings
            .try_for_each(|f| {
                assert_eq!(*f, finding(seen));
                seen += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, count);
        // A second walk reads the file from its start again.
        let mut again = 0;
        findings
            .try_for_each(|_| {
                again += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(again, count);
    }

    #[test]
    fn few_findings_stay_in_memory() {
        let mut findings = Findings::default();
        for i in 0..10 {
            findings.push(finding(i));
        }
        assert!(findings.file.is_none() && findings.pending.is_empty());
        assert_eq!(findings.first(), Some(&finding(0)));
        let json = serde_json::to_value(&findings).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(10));
    }
}
