//! `pledge publish DIR`: the ledger, up to its latest checkpoint, as a C2SP tlog-tiles static
//! log (`checkpoint`, `tile/…`, `tile/entries/…`) that any static web server can serve. Tiles
//! and bundles are immutable: one that exists already must hold the same bytes, or the
//! published log and the ledger disagree and nothing more is written. The checkpoint goes last,
//! so a client never sees a checkpoint whose tiles are missing.

use std::path::Path;

use ledger_core::entry::Entry;
use ledger_core::scan::{Frame, Item, Scanner};
use ledger_core::tiles::{self, TILE_WIDTH, Tile, Tiler};
use ledger_core::tree::{Hash, leaf_hash};

use super::Context;
use super::proof::note;
use crate::error::{CliError, FAILURE, Result};
use crate::escape::escape;
use crate::files::{self, Existing};
use crate::ledger_file;
use crate::output::{print, warn};

pub fn run(context: &Context, dir: &Path) -> Result<()> {
    let ledger = ledger_file::read(
        context.path()?,
        crate::ledger_file::View::ALL,
        &context.keys,
    )?;
    let origin = ledger
        .state
        .origin()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let checkpoint = ledger
        .bytes
        .scan()
        .map_err(CliError::failure)?
        .filter_map(|item| match item {
            Item::Record {
                record:
                    ledger_core::Record {
                        entry: Entry::Checkpoint(c),
                        ..
                    },
                ..
            } => Some(c),
            _ => None,
        })
        .last()
        .ok_or_else(|| {
            CliError::input(
                "the ledger has no checkpoint to publish; append one with `pledge checkpoint --sign KEYFILE`",
            )
        })?;
    if checkpoint.signature.is_none() {
        warn("the latest checkpoint is unsigned: clients cannot check who published it");
    }
    let shown = escape(&dir.to_string_lossy()).into_owned();
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("{shown}: cannot create: {e}")))?;
    let checkpoint_path = dir.join("checkpoint");
    if let Ok(old) = std::fs::read_to_string(&checkpoint_path)
        && let Ok(old) = ledger_core::checkpoint::parse_note(&old)
        && (old.origin != origin || old.size > checkpoint.size)
    {
        return Err(CliError::new(
            FAILURE,
            format!(
                "{shown} holds a checkpoint of '{}' at size {}; this ledger's is '{}' at size {}: \
                 not published over it",
                escape(old.origin),
                old.size,
                escape(&origin),
                checkpoint.size
            ),
        ));
    }
    let mut writer = Writer {
        dir,
        written: 0,
        kept: 0,
    };
    let mut tiler = Tiler::new();
    let mut bundle: Vec<u8> = Vec::new();
    let (mut entries, mut bundles) = (0usize, 0u64);
    let mut scanner = Scanner::new(&ledger.bytes).map_err(CliError::failure)?;
    let mut leaves = 0u64;
    let mut behind = ledger.bytes.behind();
    while leaves < checkpoint.size {
        let Some(frame) = scanner.next_frame() else {
            break;
        };
        behind.reached(scanner.position());
        if !matches!(frame, Frame::Payload { .. }) {
            continue;
        }
        let payload = scanner.payload();
        bundle.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        bundle.extend_from_slice(payload);
        entries += 1;
        if entries == TILE_WIDTH {
            writer.put(&tiles::path(None, bundles, TILE_WIDTH), &bundle)?;
            (bundle, entries, bundles) = (Vec::new(), 0, bundles + 1);
        }
        tiler.push(leaf_hash(payload), &mut |tile| writer.put_tile(tile))?;
        leaves += 1;
    }
    if entries > 0 {
        writer.put(&tiles::path(None, bundles, entries), &bundle)?;
    }
    for tile in tiler.partial_tiles() {
        writer.put_tile(tile)?;
    }
    let text = note(
        &origin,
        checkpoint.size,
        &checkpoint.root,
        checkpoint.signature.as_ref(),
    )?;
    files::write_new(
        "publish",
        &checkpoint_path,
        text.as_bytes(),
        0o644,
        Existing::Replace,
        context.path().ok(),
    )?;
    print(&format!(
        "published {} records to {shown}: {} files written, {} already there; checkpoint at size {}\n",
        checkpoint.size, writer.written, writer.kept, checkpoint.size
    ))
}

/// Writes immutable files under the published directory.
struct Writer<'a> {
    dir: &'a Path,
    written: u64,
    kept: u64,
}

impl Writer<'_> {
    fn put_tile(&mut self, tile: Tile<'_>) -> Result<()> {
        let bytes: Vec<u8> = tile
            .hashes
            .iter()
            .flat_map(|h: &Hash| h.iter().copied())
            .collect();
        self.put(
            &tiles::path(Some(tile.level), tile.index, tile.hashes.len()),
            &bytes,
        )
    }

    /// Writes `bytes` at `relative`, unless the same bytes are there; different bytes there
    /// mean the published log is not this ledger's.
    fn put(&mut self, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(relative);
        match std::fs::read(&path) {
            Ok(old) if old == bytes => {
                self.kept += 1;
                return Ok(());
            }
            Ok(_) => {
                return Err(CliError::new(
                    FAILURE,
                    format!(
                        "{}: holds other bytes: the published log is not this ledger's history; \
                         nothing more was written",
                        escape(&path.to_string_lossy())
                    ),
                ));
            }
            Err(_) => {}
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                CliError::failure(format!("{}: cannot create: {e}", parent.display()))
            })?;
        }
        files::write_new("publish", &path, bytes, 0o644, Existing::Keep, None)?;
        self.written += 1;
        Ok(())
    }
}
