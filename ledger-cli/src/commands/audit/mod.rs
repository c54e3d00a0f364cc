//! `pledge audit`: everything wrong with a ledger, said with where it is, and the totals it
//! implies. The checks are the core's; this module reads the files and prints the findings.

mod findings;

use std::path::{Path, PathBuf};

use ledger_core::audit::{self, Expectations, Finding, FindingKind, Leaves};
use ledger_core::checkpoint::{self, VerifierKey};
use ledger_core::scan::Scanner;
use ledger_core::tree::{self, CompactRange, Hash, ProofBuilder, TreeError};
use ledger_core::witness::WitnessKey;
use serde::Serialize;

use super::Context;
use super::keys::{read_verifier, read_witness_key};
use super::report::{GoalsJson, goals_data, goals_table};
use crate::cli::{AuditArgs, Format};
use crate::error::{BAD_INPUT, CliError, FAILURE, Result};
use crate::escape::escape;
use crate::mapped::{Behind, Mapped};
use crate::output::{Column, CsvWriter, print, print_json_streamed};
use crate::tables::Desktop;
use findings::{FindingJson, Findings};

#[derive(Debug, Serialize)]
struct AuditJson {
    files: Vec<FileJson>,
}

#[derive(Debug, Serialize)]
struct FileJson {
    file: String,
    readable: bool,
    records: u64,
    root: String,
    checkpoints: u64,
    trusted_checkpoints: u64,
    findings: Findings,
    #[serde(skip_serializing_if = "Option::is_none")]
    consistency_proof: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    totals: Option<GoalsJson>,
}

/// A checkpoint published elsewhere, that the ledger must contain.
struct Published {
    /// Which option and file it came from, for findings.
    source: String,
    origin: String,
    size: u64,
    root: Hash,
    /// The --witness keys whose cosignature on it verifies.
    cosigned_by: Vec<String>,
    /// Cosignatures that claim a --witness key but do not verify.
    forged: Vec<String>,
}

/// The witnesses an audit requires, and how many of them each published note needs.
struct Witnesses {
    keys: Vec<WitnessKey>,
    quorum: usize,
}

pub fn run(context: &Context, args: &AuditArgs) -> Result<()> {
    let trust = args
        .trust
        .as_deref()
        .map(|t| read_verifier("--trust", t))
        .transpose()?;
    let witnesses = Witnesses {
        keys: args
            .witnesses
            .iter()
            .map(|w| read_witness_key("--witness", w))
            .collect::<Result<_>>()?,
        quorum: args.quorum.unwrap_or(args.witnesses.len()),
    };
    if !witnesses.keys.is_empty()
        && (witnesses.quorum == 0 || witnesses.quorum > witnesses.keys.len())
    {
        return Err(CliError::input(format!(
            "--quorum {}: expected 1 to {}, the number of --witness keys",
            witnesses.quorum,
            witnesses.keys.len()
        )));
    }
    let mut published = Vec::new();
    for (option, path) in [
        ("--since", &args.since),
        ("--expect-checkpoint", &args.expect_checkpoint),
    ] {
        if let Some(path) = path {
            published.push(read_note(option, path, trust.as_ref(), &witnesses.keys)?);
        }
    }
    let expect_root = args.expect_root.as_deref().map(parse_root).transpose()?;
    let files: Vec<PathBuf> = if args.files.is_empty() {
        vec![context.path()?.to_path_buf()]
    } else {
        args.files.clone()
    };
    let audited = super::in_parallel(&files, |file| {
        audit_file(
            file,
            context,
            trust.as_ref(),
            &published,
            expect_root,
            &witnesses,
        )
    });
    let report = AuditJson {
        files: audited.into_iter().collect::<Result<_>>()?,
    };
    for file in &report.files {
        file.findings.check()?;
    }
    match args.output.format {
        Format::Json => print_json_streamed(&report)?,
        Format::Csv => print_findings_csv(&report)?,
        Format::Table => print_human(&report)?,
    }
    let unreadable = report.files.iter().any(|f| !f.readable);
    let findings = report.files.iter().any(|f| !f.findings.is_empty());
    match (unreadable, findings) {
        (true, _) => Err(CliError::quiet(BAD_INPUT)),
        (false, true) => Err(CliError::quiet(FAILURE)),
        (false, false) => Ok(()),
    }
}

fn audit_file(
    path: &Path,
    context: &Context,
    trust: Option<&VerifierKey>,
    published: &[Published],
    expect_root: Option<Hash>,
    witnesses: &Witnesses,
) -> Result<FileJson> {
    let name = path.display().to_string();
    let unreadable = |message: String| FileJson {
        file: name.clone(),
        readable: false,
        records: 0,
        root: String::new(),
        checkpoints: 0,
        trusted_checkpoints: 0,
        findings: Findings::of([FindingJson {
            seq: None,
            offset: 0,
            kind: "unreadable".into(),
            message,
        }]),
        consistency_proof: None,
        totals: None,
    };
    let bytes = match crate::files::map_regular(path) {
        Ok(bytes) => bytes,
        Err(e) => return Ok(unreadable(e)),
    };
    let scanner = match Scanner::new(&bytes) {
        Ok(scanner) => scanner,
        Err(e) => return Ok(unreadable(e.to_string())),
    };
    let mut expect = Expectations {
        trust,
        // A writer in the farthest time zone ahead may be a day ahead of the auditor.
        today: context.today.checked_add_days(1),
        roots: Default::default(),
    };
    for p in published {
        let _ = expect.roots.push((p.size, p.root));
    }
    let mut findings = Findings::default();
    // The tree is hashed on a second core while this one decodes and folds.
    let summary = crate::tree_check::hashing_elsewhere(|leaves| {
        let leaves = &mut LeavesBehind {
            leaves,
            behind: bytes.behind(),
        };
        audit::audit_with::<Desktop>(scanner.clone(), &expect, leaves, |finding| {
            findings.push(finding_json(&finding))
        })
    });
    let origin = summary
        .state
        .origin()
        .map(|o| o.to_string())
        .unwrap_or_default();
    for p in published.iter().filter(|_| !witnesses.keys.is_empty()) {
        for name in &p.forged {
            findings.push(FindingJson {
                seq: None,
                offset: 0,
                kind: "cosignature".into(),
                message: format!(
                    "{}: the cosignature by witness {name} does not verify",
                    p.source
                ),
            });
        }
        if p.cosigned_by.len() < witnesses.quorum {
            findings.push(FindingJson {
                seq: None,
                offset: 0,
                kind: "witness_quorum".into(),
                message: format!(
                    "{}: cosigned by {} of the {} witnesses required{}",
                    p.source,
                    p.cosigned_by.len(),
                    witnesses.quorum,
                    if p.cosigned_by.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", p.cosigned_by.join(", "))
                    }
                ),
            });
        }
    }
    for p in published.iter().filter(|p| p.origin != origin) {
        findings.push(FindingJson {
            seq: None,
            offset: 0,
            kind: "origin".into(),
            message: format!(
                "the published checkpoint is for '{}', this ledger is '{origin}'",
                p.origin
            ),
        });
    }
    let root = summary.range.root();
    if let Some(expected) = expect_root
        && expected != root
    {
        findings.push(FindingJson {
            seq: None,
            offset: bytes.len(),
            kind: "expected_root".into(),
            message: format!(
                "the root is {}, not the expected {}",
                hex(&root),
                hex(&expected)
            ),
        });
    }
    let consistency_proof = consistency(
        &bytes,
        published,
        summary.range.size(),
        &root,
        &mut findings,
    );
    let totals = goals_data(&summary.state, None, None).ok();
    Ok(FileJson {
        file: name,
        readable: true,
        records: summary.range.size(),
        root: hex(&root),
        checkpoints: summary.checkpoints,
        trusted_checkpoints: summary.trusted_checkpoints,
        findings,
        consistency_proof,
        totals,
    })
}

/// Leaves that let go of the mapped ledger's pages behind the audit as it reads.
struct LeavesBehind<'a, L> {
    leaves: &'a mut L,
    behind: Behind<'a>,
}

impl<L: Leaves> Leaves for LeavesBehind<'_, L> {
    fn size(&self) -> u64 {
        self.leaves.size()
    }

    fn push(&mut self, payload: &[u8]) -> Result<(), TreeError> {
        self.leaves.push(payload)
    }

    fn range(&mut self) -> &CompactRange {
        self.leaves.range()
    }

    fn read_to(&mut self, offset: usize) {
        self.behind.reached(offset);
    }
}

/// For a published checkpoint older than the ledger: the RFC 6962 consistency proof from it to
/// the current tree, checked as a verifier without the ledger would check it.
fn consistency(
    bytes: &Mapped,
    published: &[Published],
    size: u64,
    root: &Hash,
    findings: &mut Findings,
) -> Option<Vec<String>> {
    let old = published
        .iter()
        .filter(|p| p.size < size)
        .max_by_key(|p| p.size)?;
    // Every intact frame is a leaf, as in the audit's own tree.
    let builder = ProofBuilder::consistency(old.size, size).ok()?;
    let proof = crate::tree_check::streamed_proof(bytes, builder).ok()?;
    if let Err(e) = tree::verify_consistency(old.size, size, &old.root, root, &proof) {
        findings.push(FindingJson {
            seq: None,
            offset: 0,
            kind: "consistency".into(),
            message: format!(
                "the ledger does not extend the checkpoint of size {}: {e}",
                old.size
            ),
        });
    }
    Some(proof.iter().map(|h| hex(h)).collect())
}

/// The words for a ledger without its `open` record, the same from every reader.
pub const NO_OPEN: &str = "the ledger has no `open` record";

fn finding_json(finding: &Finding) -> FindingJson {
    let (kind, message) = match &finding.kind {
        FindingKind::Damaged(e) => ("damaged", format!("damaged record: {e}")),
        FindingKind::TornTail { len } => (
            "torn_tail",
            format!(
                "incomplete last record ({len} bytes), an interrupted append; `pledge repair` removes it"
            ),
        ),
        FindingKind::NonCanonical => (
            "non_canonical",
            "the record's bytes are not the canonical encoding of what they decode to".to_string(),
        ),
        FindingKind::Sequence { expected, found } => (
            "sequence",
            format!(
                "sequence number {found} where {expected} was expected: records are missing before it"
            ),
        ),
        FindingKind::OutOfPlace { position, seq } => (
            "out_of_place",
            format!("record #{seq} stands at position {position}: repeated or moved"),
        ),
        FindingKind::Rule(e) => ("rule", format!("breaks a rule: {e}")),
        FindingKind::CheckpointRoot { size } => (
            "checkpoint_root",
            format!(
                "the checkpoint for {size} records does not match them: something before it was changed"
            ),
        ),
        FindingKind::Signature(e) => (
            "signature",
            format!("checkpoint signature by the trusted key: {e}"),
        ),
        FindingKind::ExpectedRoot { size } => (
            "expected_root",
            format!("the tree of the first {size} records does not have the published root"),
        ),
        FindingKind::Shorter { size, records } => (
            "shorter",
            format!(
                "a checkpoint was published for {size} records, but the ledger has {records}: records were removed"
            ),
        ),
        FindingKind::NoTrustedCheckpoint => (
            "no_trusted_checkpoint",
            "no checkpoint that matches the ledger is signed by the trusted key".to_string(),
        ),
        FindingKind::Tree(e) => ("tree", e.to_string()),
        FindingKind::NoOpen => ("no_open", NO_OPEN.to_string()),
        other => ("other", format!("{other:?}")),
    };
    FindingJson {
        seq: finding.seq,
        offset: finding.offset,
        kind: kind.into(),
        message,
    }
}

/// One row per finding, every file's, for programs: `file,seq,offset,kind,message`. A clean
/// audit is the header alone. Written as the findings are read back.
fn print_findings_csv(report: &AuditJson) -> Result<()> {
    const COLUMNS: &[Column] = &[
        Column::left("File", "file"),
        Column::right("Record", "seq"),
        Column::right("Byte", "offset"),
        Column::left("Kind", "kind"),
        Column::left("Message", "message"),
    ];
    let mut csv = CsvWriter::new(std::io::BufWriter::new(std::io::stdout().lock()), COLUMNS)?;
    for file in &report.files {
        file.findings.try_for_each(|f| {
            let seq = f.seq.map(|s| s.to_string()).unwrap_or_default();
            let offset = f.offset.to_string();
            csv.fields([file.file.as_str(), &seq, &offset, &f.kind, &f.message])
        })?;
    }
    csv.finish()
}

/// Findings printed at a time, as text for people.
const LINES_AT_A_TIME: usize = 4_096;

/// The audit for people, file by file: the verdict, the findings as they are read back, and
/// the totals.
fn print_human(report: &AuditJson) -> Result<()> {
    for file in &report.files {
        if !file.readable {
            let message = file.findings.first().map_or("", |f| f.message.as_str());
            print(&format!(
                "{}: cannot audit: {}\n",
                escape(&file.file),
                escape(message)
            ))?;
            continue;
        }
        let verdict = if file.findings.is_empty() {
            "OK".to_string()
        } else {
            format!("{} findings", file.findings.len())
        };
        let mut text = format!(
            "{}: {verdict}\n  records      {}\n  root         {}\n  checkpoints  {} ({} signed by the trusted key)\n",
            escape(&file.file),
            file.records,
            file.root,
            file.checkpoints,
            file.trusted_checkpoints
        );
        let mut lines = 0;
        file.findings.try_for_each(|f| {
            let place = match f.seq {
                Some(seq) => format!("record #{seq} at byte {}", f.offset),
                None => format!("byte {}", f.offset),
            };
            text.push_str(&format!("  {place}: {}\n", escape(&f.message)));
            lines += 1;
            if lines % LINES_AT_A_TIME == 0 {
                print(&text)?;
                text.clear();
            }
            Ok(())
        })?;
        if let Some(totals) = &file.totals {
            text.push_str("\nTotals reproduced from the records that keep the rules:\n");
            text.push_str(&goals_table(totals));
        }
        print(&text)?;
    }
    Ok(())
}

fn read_note(
    option: &str,
    path: &Path,
    trust: Option<&VerifierKey>,
    witnesses: &[WitnessKey],
) -> Result<Published> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("{option} {}: cannot read: {e}", path.display())))?;
    let note = checkpoint::parse_note(&text)
        .map_err(|e| CliError::input(format!("{option} {}: {e}", path.display())))?;
    if let Some(key) = trust
        && !note.is_signed_by(key)
    {
        return Err(CliError::input(format!(
            "{option} {}: not signed by the trusted key {}",
            path.display(),
            key.name
        )));
    }
    let mut cosigned_by = Vec::new();
    let mut forged = Vec::new();
    for witness in witnesses {
        match witness.cosigned(note.body, note.signatures) {
            Ok(Some(_)) => cosigned_by.push(witness.name.to_string()),
            Ok(None) => {}
            Err(_) => forged.push(witness.name.to_string()),
        }
    }
    Ok(Published {
        source: format!("{option} {}", escape(&path.to_string_lossy())),
        origin: note.origin.to_string(),
        size: note.size,
        root: note.root,
        cosigned_by,
        forged,
    })
}

fn parse_root(text: &str) -> Result<Hash> {
    let bad = || {
        CliError::input(format!(
            "--expect-root '{text}': expected 64 hex digits, as `pledge head` prints"
        ))
    };
    if text.len() != 64 {
        return Err(bad());
    }
    let mut root = [0u8; 32];
    for (i, byte) in root.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
            .map_err(|_| bad())?;
    }
    Ok(root)
}

pub(super) fn hex(hash: &[u8]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
