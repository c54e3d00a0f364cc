//! A ledger's bytes mapped from its file instead of read into memory, and let go of behind a
//! reader as it goes: a whole read then holds a window of the file's pages, not the file.
//!
//! The only `unsafe` code of the workspace is here, for two reasons:
//! - Mapping a file is unsafe because another process may change or shorten it while it is
//!   mapped. Every ledger is mapped under `pledge`'s shared lock, which every writer of ours
//!   (append, repair) waits for, and records are checked (CRC-32C, the Merkle tree) whatever
//!   their bytes are. A file another program shortens anyway makes a read of the lost pages
//!   raise SIGBUS: [`stop_on_cut_files`] turns that into one line on stderr and exit code 1
//!   instead of a crash. (Appends are written with `write`, never through a map.)
//! - Letting go of pages (`MADV_DONTNEED`) is unsafe in general because it zeroes private
//!   anonymous memory; on this read-only file mapping it only unmaps pages, which the page
//!   cache gives back unchanged if they are read again.
#![allow(unsafe_code)]

use std::fs::File;
use std::ops::Deref;

use ledger_core::entry::Record;
use ledger_core::scan::{Frame, Item, Scanner};
use memmap2::{Mmap, UncheckedAdvice};

/// Bytes read between two hand-backs of pages: small next to the 64 MiB a command may use,
/// large enough that the system calls cost nothing next to the reading.
const WINDOW: usize = 2 << 20;

/// A file's bytes, mapped read-only (nothing mapped for an empty file). It holds a handle to
/// the file, so a lock taken on the file before lasts as long as the bytes.
#[derive(Debug, Default)]
pub struct Mapped {
    map: Option<Mmap>,
    /// The file's lock (a lock belongs to the open file, which this handle shares).
    _lock: Option<File>,
    /// How much of the map is the ledger (less than the file for an interrupted append).
    len: usize,
}

impl Mapped {
    /// Maps `file` as it is now; appends made later are not seen.
    pub fn of(file: &File) -> std::io::Result<Mapped> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("the file is larger than this machine can map"))?;
        if len == 0 {
            return Ok(Mapped::default());
        }
        // SAFETY: see the module's doc: the file is read-only here, and its being shortened
        // by another program is caught (SIGBUS), not undefined behaviour we act on.
        let map = unsafe { Mmap::map(file)? };
        let len = len.min(map.len());
        Ok(Mapped {
            map: Some(map),
            _lock: Some(file.try_clone()?),
            len,
        })
    }

    /// Sees only the first `len` bytes from now on.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Lets go of the pages of `start..end` (whole pages around it); reading them again brings
    /// them back from the page cache.
    fn release(&self, start: usize, end: usize) {
        let Some(map) = &self.map else { return };
        let end = end.min(map.len());
        if start < end {
            // SAFETY: a read-only shared file mapping: the pages are dropped from this
            // process only, and read back from the file if touched again (see the module doc).
            let _ = unsafe {
                map.unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start)
            };
        }
    }

    /// A tracker that lets go of pages behind a reader of these bytes from their start.
    pub fn behind(&self) -> Behind<'_> {
        self.behind_from(0)
    }

    /// A tracker that lets go of pages behind a reader that starts at `offset`.
    pub fn behind_from(&self, offset: usize) -> Behind<'_> {
        Behind {
            bytes: self,
            from: offset,
        }
    }

    /// These bytes as a reader from `offset`, each page let go of once it is past it.
    pub fn reader_from(&self, offset: usize) -> Reader<'_> {
        Reader {
            at: offset,
            behind: self.behind_from(offset),
        }
    }

    /// The records of these bytes, each page let go of once they are past it.
    pub fn scan(&self) -> Result<Scan<'_>, ledger_core::error::FormatError> {
        Ok(Scan {
            scanner: Scanner::new(self)?,
            behind: self.behind(),
        })
    }
}

impl Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.map {
            Some(map) => map.get(..self.len).unwrap_or_default(),
            None => &[],
        }
    }
}

/// Lets go of a mapped file's pages behind one reader, a window at a time. Each reader (each
/// thread) keeps its own: a page another reader still needs is read back, not lost.
#[derive(Debug, Clone)]
pub struct Behind<'a> {
    bytes: &'a Mapped,
    /// Where the pages not yet let go of begin.
    from: usize,
}

impl Behind<'_> {
    /// The reader is done with every byte before `offset`.
    pub fn reached(&mut self, offset: usize) {
        if offset >= self.from.saturating_add(WINDOW) {
            self.bytes.release(self.from, offset);
            self.from = offset;
        }
    }

    /// Lets go of every page from where the last release stopped to the end (the tests check
    /// that nothing of the mapping is left).
    #[cfg(test)]
    pub fn done(&mut self) {
        self.bytes.release(self.from, self.bytes.len);
        self.from = self.bytes.len;
    }
}

/// Mapped bytes read in order, their pages let go of behind the reader.
#[derive(Debug)]
pub struct Reader<'a> {
    at: usize,
    behind: Behind<'a>,
}

impl std::io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.behind.bytes.get(self.at..).unwrap_or_default();
        let len = rest.len().min(buf.len());
        buf.get_mut(..len)
            .unwrap_or_default()
            .copy_from_slice(rest.get(..len).unwrap_or_default());
        self.at += len;
        self.behind.reached(self.at);
        Ok(len)
    }
}

/// A [`Scanner`] over mapped bytes that lets go of their pages behind it.
#[derive(Debug, Clone)]
pub struct Scan<'a> {
    scanner: Scanner<'a>,
    behind: Behind<'a>,
}

impl Scan<'_> {
    /// The scanner, to read frames or payloads at the position of the last item.
    pub fn scanner(&self) -> &Scanner<'_> {
        &self.scanner
    }

    /// The next frame, an intact record decoded into `record` ([`Scanner::next_into`]): for
    /// whole reads, which then move no record.
    pub fn next_into(&mut self, record: &mut Record) -> Option<Frame> {
        let frame = self.scanner.next_into(record);
        self.behind.reached(self.scanner.position());
        frame
    }
}

impl Iterator for Scan<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let item = self.scanner.next();
        self.behind.reached(self.scanner.position());
        item
    }
}

/// The one line printed when a mapped file is shortened under us (see the module doc).
const CUT_SHORT: &[u8] = b"error: a file pledge was reading was cut short by another program, \
    which ignored pledge's lock; stopped\n";

/// Turns SIGBUS, which reading a mapped file that another program shortened raises, into one
/// line on stderr and exit code 1. Installed once, before any file is mapped.
pub fn stop_on_cut_files() {
    extern "C" fn on_sigbus(_: libc::c_int) {
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the message is static.
        unsafe {
            let _ = libc::write(2, CUT_SHORT.as_ptr().cast(), CUT_SHORT.len());
            libc::_exit(1);
        }
    }
    // SAFETY: a zeroed sigaction is valid (no flags, empty mask) before its fields are set; the
    // handler only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Kilobytes of this process's memory that hold pages of the mapping starting at `start`,
    /// from the kernel's own account (/proc/self/smaps).
    fn resident_kb(start: *const u8) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let head = format!("{:x}-", start as usize);
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&head));
        assert!(lines.next().is_some(), "the mapping is not in smaps");
        let rss = lines.find(|l| l.starts_with("Rss:")).unwrap();
        rss.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    fn file_of(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn the_pages_behind_a_reader_leave_memory_and_read_back_the_same() {
        let bytes: Vec<u8> = (0..5 * WINDOW).map(|i| (i % 251) as u8).collect();
        let mapped = Mapped::of(&file_of(&bytes)).unwrap();
        assert_eq!(&*mapped, &bytes[..]);
        let start = mapped.as_ptr();
        let all_kb = resident_kb(start);
        assert!(
            all_kb >= (5 * WINDOW / 1024) as u64,
            "{all_kb} KB resident after a read"
        );

        let mut behind = mapped.behind();
        behind.reached(WINDOW - 1);
        assert_eq!(
            resident_kb(start),
            all_kb,
            "less than a window read: nothing let go"
        );
        behind.reached(4 * WINDOW);
        let kept_kb = resident_kb(start);
        assert!(
            kept_kb <= (WINDOW / 1024 + 4) as u64,
            "{kept_kb} KB still resident with one window ahead of the reader"
        );
        behind.done();
        assert_eq!(resident_kb(start), 0);
        // What was let go of reads back unchanged, from the page cache.
        assert_eq!(&*mapped, &bytes[..]);
    }

    #[test]
    fn a_scan_lets_go_of_what_it_read_and_truncate_shortens_the_view() {
        use ledger_core::entry::{Entry, Note, Open, Record, name, text};
        use ledger_core::record::{MAX_FRAME, encode_frame, preamble};
        let mut bytes = preamble().to_vec();
        let mut frame = [0u8; MAX_FRAME];
        let open = Entry::Open(Open {
            origin: name("test").unwrap(),
        });
        let note = |seq| {
            Entry::Note(Note {
                date: ledger_core::Date(20_000),
                about: None,
                text: text(&format!("note {seq} {}", "x".repeat(200))).unwrap(),
            })
        };
        let mut seq = 0;
        while bytes.len() < 3 * WINDOW {
            let entry = if seq == 0 { open.clone() } else { note(seq) };
            let len = encode_frame(&Record { seq, entry }, &mut frame).unwrap();
            bytes.extend_from_slice(&frame[..len]);
            seq += 1;
        }
        let mut mapped = Mapped::of(&file_of(&bytes)).unwrap();
        let records = mapped.scan().unwrap().count();
        assert_eq!(records, seq as usize);
        assert!(
            resident_kb(mapped.as_ptr()) <= (WINDOW / 1024 + 4) as u64,
            "a whole scan keeps at most a window"
        );
        mapped.truncate(100);
        assert_eq!(mapped.len(), 100);
        assert_eq!(&*mapped, &bytes[..100]);
    }

    #[test]
    fn an_empty_file_maps_to_no_bytes() {
        let mapped = Mapped::of(&file_of(&[])).unwrap();
        assert!(mapped.is_empty());
        mapped.behind().done();
    }
}
