//! Writing a large file that must be synced when it is complete, without waiting for all of it
//! at the end: every [`SYNC_EVERY`] bytes written, a second thread syncs what the file holds so
//! far, so that the disk works while the writer goes on and the last sync waits only for the
//! last stretch. Linux starts writing dirty pages back on its own only at a tenth of memory or
//! after 30 s: without this, the 96 MB of slots of a million pledges wait whole for their sync
//! (about 0.15 s on the benchmark machine's disk).

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

/// Bytes written between two syncs asked of the second thread.
pub const SYNC_EVERY: u64 = 8 << 20;

/// A writer to `file` whose bytes are synced behind it: see the module's documentation. The
/// second thread is started by the first sync asked, so a file under [`SYNC_EVERY`] costs none.
#[derive(Debug)]
pub struct SyncBehind<'scope, 'env> {
    file: &'env File,
    written: u64,
    scope: &'scope Scope<'scope, 'env>,
    syncer: Option<Syncer<'scope>>,
}

/// The second thread, and how to ask it for a sync.
#[derive(Debug)]
struct Syncer<'scope> {
    ask: SyncSender<()>,
    thread: ScopedJoinHandle<'scope, io::Result<usize>>,
}

impl Write for SyncBehind<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&mut &*self.file).write(buf)?;
        let before = self.written;
        self.written = before.saturating_add(n as u64);
        if self.written / SYNC_EVERY > before / SYNC_EVERY {
            let file = self.file;
            let syncer = self.syncer.get_or_insert_with(|| {
                let (ask, asked) = sync_channel(1);
                let thread = self.scope.spawn(move || {
                    // One sync per request, stopping at the first failure.
                    let mut syncs = 0;
                    for () in asked {
                        file.sync_data()?;
                        syncs += 1;
                    }
                    Ok(syncs)
                });
                Syncer { ask, thread }
            });
            // Refused when a sync is asked already (it covers these bytes too) or when the
            // syncer failed (which `writing` reports): nothing to do either way.
            let _ = syncer.ask.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `write` with a [`SyncBehind`] writer to `file`, then syncs the file's data once more:
/// when it returns `Ok`, everything written is on disk. The first error of the writes or of
/// any sync is returned.
pub fn writing<T>(
    file: &File,
    write: impl FnOnce(&mut SyncBehind<'_, '_>) -> io::Result<T>,
) -> io::Result<T> {
    writing_counted(file, write).map(|(value, _)| value)
}

/// [`writing`], also saying how many syncs the second thread made.
fn writing_counted<T>(
    file: &File,
    write: impl FnOnce(&mut SyncBehind<'_, '_>) -> io::Result<T>,
) -> io::Result<(T, usize)> {
    let written = std::thread::scope(|scope| {
        let mut out = SyncBehind {
            file,
            written: 0,
            scope,
            syncer: None,
        };
        let written = write(&mut out);
        let synced = match out.syncer {
            None => Ok(0),
            Some(Syncer { ask, thread }) => {
                // The sender goes: the syncer finishes the sync in hand, if any, and stops.
                drop(ask);
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }
        };
        written.and_then(|value| synced.map(|syncs| (value, syncs)))
    })?;
    file.sync_data()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::io::{BufWriter, Read, Seek};

    use super::*;

    #[test]
    fn everything_written_is_in_the_file() {
        let mut file = tempfile::tempfile().unwrap();
        // Three syncs' worth and a ragged end, in writes of odd sizes.
        let bytes: Vec<u8> = (0..3 * SYNC_EVERY + 12_345)
            .map(|i| (i % 251) as u8)
            .collect();
        let (count, syncs) = writing_counted(&file, |out| {
            let mut buffered = BufWriter::with_capacity(1 << 16, out);
            for chunk in bytes.chunks(70_001) {
                buffered.write_all(chunk)?;
            }
            buffered.flush()?;
            Ok(bytes.len())
        })
        .unwrap();
        assert_eq!(count, bytes.len());
        // At least one while writing (more if the disk keeps up), at most one per 8 MiB.
        assert!((1..=3).contains(&syncs), "{syncs} syncs behind the writer");
        let mut back = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut back).unwrap();
        assert!(back == bytes, "the file holds what was written, in order");
    }

    #[test]
    fn a_small_file_is_synced_once_at_the_end_only() {
        let file = tempfile::tempfile().unwrap();
        let ((), syncs) = writing_counted(&file, |out| out.write_all(&[7; 4096])).unwrap();
        assert_eq!(syncs, 0);
        assert_eq!(file.metadata().unwrap().len(), 4096);
    }

    #[test]
    fn an_error_of_the_writer_is_returned() {
        let file = tempfile::tempfile().unwrap();
        let refused = writing(&file, |out| -> io::Result<()> {
            out.write_all(b"some")?;
            Err(io::Error::other("disk full"))
        });
        assert_eq!(refused.unwrap_err().to_string(), "disk full");
    }

    #[test]
    fn a_write_to_a_read_only_file_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        let file = File::open(&path).unwrap();
        assert!(writing(&file, |out| out.write_all(b"y")).is_err());
    }
}
