//! Loading one version of a file (a blob, or the file on disk) as text, and the line
//! ranges a change touches. Anything that is not small UTF-8 text becomes a
//! [`SkipReason`], never an error: one odd file must not stop the analysis of a change.

use std::fmt;
use std::io;
use std::path::Path;

use git2::{DiffOptions, FileMode, Odb, Oid, Patch, Repository};

use super::LineRange;

/// Files larger than this (on either side of a change) are not analysed.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary.
const BINARY_SNIFF_BYTES: usize = 8000;

/// Why a changed file is left out of the analysis; rendered into the warning
/// `skipped <path>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// The path is not valid UTF-8, so no frontend or reporter could name it.
    PathNotUtf8,
    /// A gitlink: the submodule's own repository holds the code.
    Submodule,
    /// A symbolic link: its content is a target path, not source.
    Symlink,
    /// A directory entry, such as an untracked nested repository.
    NotAFile,
    /// Over [`MAX_FILE_BYTES`]: almost certainly generated or vendored.
    TooLarge,
    /// Contains NUL bytes.
    Binary,
    /// A Git LFS pointer: the content lives in LFS storage, the pointer is
    /// not code.
    LfsPointer,
    /// The index records an unresolved merge conflict for the path.
    Conflicted,
    /// The content could not be read; the message says why.
    Unreadable(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::PathNotUtf8 => f.write_str("path is not valid UTF-8"),
            SkipReason::Submodule => f.write_str("submodule (gitlink)"),
            SkipReason::Symlink => f.write_str("symbolic link"),
            SkipReason::NotAFile => f.write_str("not a regular file (nested repository?)"),
            SkipReason::TooLarge => f.write_str("larger than 1 MiB"),
            SkipReason::Binary => f.write_str("binary file"),
            SkipReason::LfsPointer => {
                f.write_str("Git LFS pointer (run `git lfs pull` to analyse the content)")
            }
            SkipReason::Conflicted => f.write_str("unresolved merge conflict"),
            SkipReason::Unreadable(why) => write!(f, "unreadable ({why})"),
        }
    }
}

/// Whether an entry of this mode can be read as a source file.
pub(crate) fn mode_skip(mode: FileMode) -> Option<SkipReason> {
    match mode {
        FileMode::Blob | FileMode::BlobExecutable | FileMode::BlobGroupWritable => None,
        // An absent side (added or deleted file) has no mode to object to.
        FileMode::Unreadable => None,
        FileMode::Link => Some(SkipReason::Symlink),
        FileMode::Commit => Some(SkipReason::Submodule),
        FileMode::Tree => Some(SkipReason::NotAFile),
    }
}

/// Whether a raw git mode (as stored in the index or a tree) is a regular file.
pub(crate) fn is_regular_file_mode(mode: u32) -> bool {
    mode & 0o170_000 == 0o100_000
}

/// Reads blobs out of the object database, checking their size before inflating them.
pub(crate) struct BlobReader<'r> {
    repo: &'r Repository,
    odb: Odb<'r>,
}

impl<'r> BlobReader<'r> {
    /// Opens the object database of `repo`.
    pub(crate) fn new(repo: &'r Repository) -> Result<Self, git2::Error> {
        Ok(BlobReader {
            repo,
            odb: repo.odb()?,
        })
    }

    /// The blob `id` as text, or why it cannot be analysed.
    pub(crate) fn text(&self, id: Oid) -> Result<String, SkipReason> {
        self.decoded(id).map(|decoded| decoded.text)
    }

    /// The blob `id` decoded, saying whether bytes were replaced.
    pub(crate) fn decoded(&self, id: Oid) -> Result<Decoded, SkipReason> {
        let (size, _) = self.odb.read_header(id).map_err(unreadable_git)?;
        if u64::try_from(size).map_or(true, |size| size > MAX_FILE_BYTES) {
            return Err(SkipReason::TooLarge);
        }
        let blob = self.repo.find_blob(id).map_err(unreadable_git)?;
        decode(blob.content().to_vec())
    }
}

/// The file at `path` in the work tree as text, or why it cannot be analysed.
pub(crate) fn disk_text(path: &Path) -> Result<String, SkipReason> {
    disk_decoded(path).map(|decoded| decoded.text)
}

/// The file at `path` in the work tree decoded, saying whether bytes were
/// replaced.
pub(crate) fn disk_decoded(path: &Path) -> Result<Decoded, SkipReason> {
    let metadata = std::fs::symlink_metadata(path).map_err(unreadable_io)?;
    if metadata.file_type().is_symlink() {
        return Err(SkipReason::Symlink);
    }
    if !metadata.is_file() {
        return Err(SkipReason::NotAFile);
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge);
    }
    let bytes = std::fs::read(path).map_err(unreadable_io)?;
    // The file may have grown between the two calls.
    if u64::try_from(bytes.len()).map_or(true, |len| len > MAX_FILE_BYTES) {
        return Err(SkipReason::TooLarge);
    }
    decode(bytes)
}

/// The first line of every Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";

/// A file version as text.
pub(crate) struct Decoded {
    /// The text; bytes that were not UTF-8 are U+FFFD.
    pub(crate) text: String,
    /// Whether any byte was not UTF-8 (the caller warns: findings near a
    /// replaced character may quote it differently).
    pub(crate) replaced_invalid_utf8: bool,
}

/// Text from raw bytes, refusing binary content and LFS pointers. Bytes that
/// are not UTF-8 are replaced, never a reason to skip: one odd byte in a
/// comment must not hide every finding of the file.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<Decoded, SkipReason> {
    if is_binary(&bytes) {
        return Err(SkipReason::Binary);
    }
    if bytes.starts_with(LFS_POINTER) {
        return Err(SkipReason::LfsPointer);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            replaced_invalid_utf8: false,
        },
        Err(error) => Decoded {
            text: String::from_utf8_lossy(error.as_bytes()).into_owned(),
            replaced_invalid_utf8: true,
        },
    })
}

/// Git's binary heuristic: a NUL byte near the start of the content.
fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(BINARY_SNIFF_BYTES).any(|&byte| byte == 0)
}

fn unreadable_git(error: git2::Error) -> SkipReason {
    SkipReason::Unreadable(error.message().trim_end_matches('.').to_string())
}

fn unreadable_io(error: io::Error) -> SkipReason {
    SkipReason::Unreadable(error.to_string())
}

/// Lines a change touches on each side, as merged 1-based inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LineChanges {
    /// Head-side lines added or modified.
    pub(crate) head: Vec<LineRange>,
    /// Base-side lines removed or modified.
    pub(crate) base: Vec<LineRange>,
    /// Head-side positions of pure deletions (see [`super::ChangedFile::removed_after`]).
    pub(crate) removed_after: Vec<u32>,
}

/// Diffs two texts with no context lines and collects the hunks' line ranges.
///
/// The diff runs on exactly the texts that are handed to the frontends, so the ranges
/// always refer to the lines the findings will point at (even when git would have
/// applied a filter such as CRLF conversion to the work tree file).
pub(crate) fn line_changes(base: &str, head: &str) -> Result<LineChanges, git2::Error> {
    let mut options = DiffOptions::new();
    // The texts were already checked to be UTF-8 without NUL bytes: they are text even
    // when libgit2's stricter heuristic (many control characters) would disagree.
    options.context_lines(0).interhunk_lines(0).force_text(true);
    let patch = Patch::from_buffers(
        base.as_bytes(),
        None,
        head.as_bytes(),
        None,
        Some(&mut options),
    )?;
    let mut changes = LineChanges::default();
    for hunk_index in 0..patch.num_hunks() {
        let (hunk, _) = patch.hunk(hunk_index)?;
        if let Some(range) = span(hunk.new_start(), hunk.new_lines()) {
            changes.head.push(range);
        }
        if let Some(range) = span(hunk.old_start(), hunk.old_lines()) {
            changes.base.push(range);
        }
        // With no line on the new side, git's new start is the line the
        // removed lines followed (0 at the top of the file).
        if hunk.new_lines() == 0 && hunk.old_lines() > 0 {
            changes.removed_after.push(hunk.new_start());
        }
    }
    changes.head = merge_ranges(changes.head);
    changes.base = merge_ranges(changes.base);
    Ok(changes)
}

/// The inclusive range of `count` lines from `start`; `None` for a pure insertion or
/// deletion, which touches no line on that side.
fn span(start: u32, count: u32) -> Option<LineRange> {
    let last = start.checked_add(count.checked_sub(1)?)?;
    Some(LineRange {
        first: start.max(1),
        last,
    })
}

/// Sorts ranges and joins those that overlap or touch (`1-3` and `4-6` become `1-6`).
pub(crate) fn merge_ranges(mut ranges: Vec<LineRange>) -> Vec<LineRange> {
    ranges.sort_by_key(|range| (range.first, range.last));
    let mut merged: Vec<LineRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(previous) if range.first <= previous.last.saturating_add(1) => {
                previous.last = previous.last.max(range.last);
            }
            _ => merged.push(range),
        }
    }
    merged
}
