//! Git access: which files a change touches, their new-side changed lines, renames,
//! added and deleted files, and both versions of every wanted file.
//!
//! A change is a base commit compared with one of three targets: another commit
//! (`--head REV`), the index (`--staged`), or the work tree (the default, including the
//! index and untracked files that are not ignored). Everything goes through libgit2;
//! nothing shells out to `git`.
//!
//! Only the files the caller wants (by path) have their contents loaded. Files that
//! cannot be analysed as text (binary, over 1 MiB, not UTF-8, symlinks, submodules) are
//! skipped with a one-line warning instead of failing the run.

mod content;
mod error;
mod revision;
mod tree_files;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffDelta, DiffFindOptions, DiffOptions, ErrorCode, Oid, Repository};

pub use content::MAX_FILE_BYTES;
use content::{BlobReader, SkipReason, disk_decoded, line_changes, mode_skip};
use error::one_line;
pub use error::{DiffError, RevisionRole};
pub use revision::default_base;
use revision::{default_base_for, head_commit_id, resolve_commit};
pub use tree_files::{
    PathReader, Threads, TreeScan, for_each_tree_file, read_paths, read_tree_files,
    resolve_tree_scan,
};

/// What the base is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A commit (`--head REV`): any revspec git understands.
    Revision(String),
    /// The staged changes (`--staged`): the index.
    Index,
    /// The work tree with the index and untracked, non-ignored files (the default).
    WorkTree,
}

/// A request for the change set between a base and a target.
pub struct DiffRequest<'a> {
    /// Any directory inside the repository; the repository is discovered upward.
    pub repo: &'a Path,
    /// Any revspec (sha, branch, tag, `HEAD~3`); `None` picks the default base.
    ///
    /// The default base is the merge-base with the remote default branch (see
    /// [`default_base`]) — of HEAD for the index and work tree targets, of the target
    /// commit for a revision target — except for `--staged`, whose default base is HEAD:
    /// a pre-commit hook checks what is about to be committed, not the whole branch.
    /// While HEAD has no commit yet (unborn), the index and work tree targets compare
    /// with the empty tree, so every file is added.
    pub base: Option<&'a str>,
    /// What the base is compared with.
    pub target: Target,
    /// Whether the contents of a path (head-side, `/`-separated, relative to the
    /// repository root) should be loaded. Paths it refuses are counted in
    /// [`ChangeSet::files_changed`] but neither loaded nor warned about.
    pub wants_contents: &'a dyn Fn(&str) -> bool,
}

/// Every file a change touches, with both versions of the wanted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// The repository's work tree (its git directory for a bare repository).
    pub repo_root: PathBuf,
    /// The base commit's full hex sha; 40 zeros for the empty tree (unborn HEAD).
    pub base: String,
    /// The head commit's full hex sha, or `INDEX`, or `WORKTREE`.
    pub head: String,
    /// The wanted, readable text files, sorted by path.
    pub files: Vec<ChangedFile>,
    /// Every changed path, including skipped and unwanted ones.
    pub files_changed: usize,
    /// The paths of every changed file, wanted or not (both paths of a rename),
    /// sorted and `/`-separated; paths that are not UTF-8 are shown lossily.
    pub changed_paths: Vec<String>,
    /// One line per skipped file: `skipped assets/logo.png: binary file`.
    pub warnings: Vec<String>,
}

/// One changed file with both of its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Head-side path (base-side for a deletion), `/`-separated, relative to the root.
    pub path: String,
    /// The base-side path of a renamed (or copied) file.
    pub old_path: Option<String>,
    /// How the file changed.
    pub status: FileStatus,
    /// The base version; `None` for an added file.
    pub base_text: Option<String>,
    /// The head version; `None` for a deleted file.
    pub head_text: Option<String>,
    /// Head-side lines added or modified, merged; empty for a deletion.
    pub changed_lines: Vec<LineRange>,
    /// Base-side lines removed or modified, merged; empty for an addition.
    pub base_changed_lines: Vec<LineRange>,
    /// Where lines were removed with nothing added in their place, as head-side
    /// positions: `n` means between head lines `n` and `n + 1` (0: before the
    /// first line). A pure deletion touches no head line, yet it can remove a
    /// safeguard (`raise_for_status()`, an `await`, an idempotency key).
    pub removed_after: Vec<u32>,
}

impl ChangedFile {
    /// Whether head-side `line` (1-based) was added or modified by the change.
    pub fn touches_line(&self, line: u32) -> bool {
        self.changed_lines.iter().any(|range| range.contains(line))
    }

    /// Whether any head-side line in `first..=last` was added or modified.
    pub fn touches_lines(&self, first: u32, last: u32) -> bool {
        let span = LineRange { first, last };
        self.changed_lines.iter().any(|range| range.overlaps(&span))
    }

    /// Whether the change added, modified or removed anything in head lines
    /// `first..=last`: a changed line in the range, or lines removed right
    /// after one of them (a `raise_for_status()` line deleted below its call,
    /// the last statement of a function deleted).
    pub fn touches_region(&self, first: u32, last: u32) -> bool {
        self.touches_lines(first, last)
            || self
                .removed_after
                .iter()
                .any(|&line| first <= line && line <= last)
    }

    /// Whether the change added, modified or removed any line of the file.
    pub fn touches_anything(&self) -> bool {
        !self.changed_lines.is_empty() || !self.removed_after.is_empty()
    }
}

/// How a file changed between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileStatus {
    /// New in head (also untracked files in the work tree, and copies).
    Added,
    /// Present on both sides under the same path.
    Modified,
    /// Gone in head.
    Deleted,
    /// Moved from [`ChangedFile::old_path`], possibly with edits.
    Renamed,
}

impl FileStatus {
    /// The lowercase name used in reports: `added`, `modified`, `deleted`, `renamed`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Modified => "modified",
            FileStatus::Deleted => "deleted",
            FileStatus::Renamed => "renamed",
        }
    }
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based inclusive range of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineRange {
    /// First line of the range.
    pub first: u32,
    /// Last line of the range (equal to `first` for a single line).
    pub last: u32,
}

impl LineRange {
    /// Whether `line` lies in the range.
    pub fn contains(&self, line: u32) -> bool {
        self.first <= line && line <= self.last
    }

    /// Whether the two ranges share at least one line.
    pub fn overlaps(&self, other: &LineRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

/// The full hex id standing for the empty tree as a base (unborn HEAD).
const EMPTY_BASE: &str = "0000000000000000000000000000000000000000";

/// Refuses a `--base` that comes after the head (a descendant of it): the
/// diff would read the change backwards, additions as removals.
fn refuse_base_after_head(
    repo: &Repository,
    spec: &str,
    base: Oid,
    head_side: &HeadSide<'_>,
) -> Result<(), DiffError> {
    let head = match head_side {
        HeadSide::Commit(commit) => Some(commit.id()),
        HeadSide::Index | HeadSide::WorkTree => head_commit_id(repo)?,
    };
    let Some(head) = head else {
        return Ok(());
    };
    if base != head && repo.graph_descendant_of(base, head).unwrap_or(false) {
        return Err(DiffError::BaseAfterHead {
            spec: one_line(spec),
        });
    }
    Ok(())
}

/// Computes the change set a request describes.
///
/// # Errors
/// A [`DiffError`] when the repository cannot be found, a revision cannot be resolved,
/// no default base exists, or libgit2 fails; never for an individual odd file, which
/// becomes a warning instead.
pub fn compute(request: &DiffRequest) -> Result<ChangeSet, DiffError> {
    let repo = open_repository(request.repo)?;
    let repo_root = repository_root(&repo);
    let git_error = |context: &str, error: git2::Error| DiffError::git(context, &repo_root, &error);

    let head_side = match &request.target {
        Target::Revision(spec) => {
            HeadSide::Commit(resolve_commit(&repo, spec, RevisionRole::Head)?)
        }
        Target::Index => HeadSide::Index,
        Target::WorkTree => HeadSide::WorkTree,
    };
    let base_id = base_of(&repo, request.base, &head_side)?;
    let base_tree = match base_id {
        Some(id) => Some(
            repo.find_commit(id)
                .and_then(|commit| commit.tree())
                .map_err(|error| git_error("reading the base commit's tree", error))?,
        ),
        None => None,
    };
    let (diff, head, work_tree) = diff_to_head(&repo, base_tree.as_ref(), head_side, &git_error)?;
    let blobs =
        BlobReader::new(&repo).map_err(|error| git_error("opening the object database", error))?;
    let mut change_set = ChangeSet {
        repo_root: repo_root.clone(),
        base: base_id.map_or_else(|| EMPTY_BASE.to_string(), |id| id.to_string()),
        head,
        files: Vec::new(),
        files_changed: 0,
        changed_paths: Vec::new(),
        warnings: Vec::new(),
    };
    for delta in diff.deltas() {
        let examined = examine(&delta, request.wants_contents, &blobs, work_tree.as_deref())
            .map_err(|error| git_error("diffing a changed file", error))?;
        change_set.add(&delta, examined);
    }
    change_set.files.sort_by(|a, b| a.path.cmp(&b.path));
    change_set.changed_paths.sort();
    change_set.changed_paths.dedup();
    Ok(change_set)
}

/// The commit the change is compared with: the one asked for, or the
/// default for the head side (`--staged` checks what the next commit adds on
/// top of HEAD, as a pre-commit hook does, not the whole branch; an unborn
/// HEAD means the empty tree).
fn base_of(
    repo: &Repository,
    asked: Option<&str>,
    head_side: &HeadSide<'_>,
) -> Result<Option<git2::Oid>, DiffError> {
    Ok(match (asked, head_side) {
        (Some(spec), _) => {
            let base = resolve_commit(repo, spec, RevisionRole::Base)?.id();
            refuse_base_after_head(repo, spec, base, head_side)?;
            Some(base)
        }
        (None, HeadSide::Commit(commit)) => Some(default_base_for(repo, commit.id())?),
        (None, HeadSide::Index) => head_commit_id(repo)?,
        (None, HeadSide::WorkTree) => match head_commit_id(repo)? {
            Some(head) => Some(default_base_for(repo, head)?),
            None => None,
        },
    })
}

/// The diff from the base tree to the head side, with renames found; with
/// the head's name (a commit id, `INDEX`, `WORKTREE`) and the work tree
/// files are read from, if any.
fn diff_to_head<'r>(
    repo: &'r Repository,
    base_tree: Option<&git2::Tree<'_>>,
    head_side: HeadSide<'_>,
    git_error: &dyn Fn(&str, git2::Error) -> DiffError,
) -> Result<(git2::Diff<'r>, String, Option<PathBuf>), DiffError> {
    let mut options = DiffOptions::new();
    // Without typechange, a file that became a symlink would show up twice (deleted
    // and added under the same path).
    options.context_lines(0).include_typechange(true);
    let (mut diff, head, work_tree) = match head_side {
        HeadSide::Commit(commit) => {
            let tree = commit
                .tree()
                .map_err(|error| git_error("reading the head commit's tree", error))?;
            let diff = repo
                .diff_tree_to_tree(base_tree, Some(&tree), Some(&mut options))
                .map_err(|error| git_error("comparing base and head", error))?;
            (diff, commit.id().to_string(), None)
        }
        HeadSide::Index => {
            let index = repo
                .index()
                .map_err(|error| git_error("reading the index", error))?;
            let diff = repo
                .diff_tree_to_index(base_tree, Some(&index), Some(&mut options))
                .map_err(|error| git_error("comparing base and the index", error))?;
            (diff, "INDEX".to_string(), None)
        }
        HeadSide::WorkTree => {
            let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
                return Err(DiffError::NoWorkTree {
                    path: one_line(&repo.path().display().to_string()),
                });
            };
            options.include_untracked(true).recurse_untracked_dirs(true);
            let diff = repo
                .diff_tree_to_workdir_with_index(base_tree, Some(&mut options))
                .map_err(|error| git_error("comparing base and the work tree", error))?;
            (diff, "WORKTREE".to_string(), Some(workdir))
        }
    };
    diff.find_similar(Some(
        DiffFindOptions::new().renames(true).for_untracked(true),
    ))
    .map_err(|error| git_error("detecting renames", error))?;
    Ok((diff, head, work_tree))
}

impl ChangeSet {
    /// One delta, as [`examine`] found it.
    fn add(&mut self, delta: &git2::DiffDelta<'_>, examined: Examined) {
        match examined {
            Examined::Unchanged => return,
            Examined::Unwanted => {}
            Examined::Skipped(warning) => self.warnings.push(warning),
            Examined::File(file, warning) => {
                self.warnings.extend(warning);
                self.files.push(*file);
            }
        }
        self.files_changed += 1;
        for side in [delta.old_file(), delta.new_file()] {
            if let Some(bytes) = side.path_bytes() {
                self.changed_paths
                    .push(String::from_utf8_lossy(bytes).into_owned());
            }
        }
    }
}

/// Process-wide libgit2 settings, applied before the first repository opens.
///
/// libgit2 recomputes the SHA-1 of every object it reads (git itself does
/// so only when it fetches or checks); Handoff reads the repository it runs
/// in, which git already verified. Turning it off saved 47 M of 1,018 M
/// instructions on a 20-file pull request of the benchmark repository
/// (tree and blob reads for the diff).
fn configure_libgit2() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| git2::opts::strict_hash_verification(false));
}

/// The head side of a change, once its revision is resolved.
enum HeadSide<'r> {
    Commit(git2::Commit<'r>),
    Index,
    WorkTree,
}

/// Opens the repository containing `path`.
pub(crate) fn open_repository(path: &Path) -> Result<Repository, DiffError> {
    configure_libgit2();
    Repository::discover(path).map_err(|error| match error.code() {
        ErrorCode::NotFound => DiffError::NotARepository {
            path: one_line(&path.display().to_string()),
        },
        _ => DiffError::git("opening the repository", path, &error),
    })
}

/// The work tree of `repo`, or its git directory when it is bare; without the trailing
/// separator libgit2 adds.
pub(crate) fn repository_root(repo: &Repository) -> PathBuf {
    repo.workdir()
        .unwrap_or_else(|| repo.path())
        .components()
        .collect()
}

/// What became of one delta.
enum Examined {
    /// Not a change at all (unmodified or ignored entries).
    Unchanged,
    /// A change the caller did not want the contents of.
    Unwanted,
    /// A change that cannot be analysed; the warning says why.
    Skipped(String),
    /// A change with its contents, and a warning about how they were read.
    File(Box<ChangedFile>, Option<String>),
}

/// Classifies one delta and, when it is wanted and readable, loads both versions.
///
/// `work_tree` is set when the head side is the work tree, whose files are read from
/// disk; otherwise both sides are blobs.
fn examine(
    delta: &DiffDelta<'_>,
    wants: &dyn Fn(&str) -> bool,
    blobs: &BlobReader<'_>,
    work_tree: Option<&Path>,
) -> Result<Examined, git2::Error> {
    let Some(status) = file_status(delta.status()) else {
        return Ok(Examined::Unchanged);
    };
    let (old, new) = (delta.old_file(), delta.new_file());
    let shown = if status == FileStatus::Deleted {
        &old
    } else {
        &new
    };
    let path_bytes = shown.path_bytes().unwrap_or_default();
    let Ok(path) = std::str::from_utf8(path_bytes) else {
        let lossy = String::from_utf8_lossy(path_bytes);
        return Ok(skipped(&lossy, &SkipReason::PathNotUtf8));
    };
    if !wants(path) {
        return Ok(Examined::Unwanted);
    }
    let Ok(old_path) = renamed_from(delta) else {
        return Ok(skipped(path, &SkipReason::PathNotUtf8));
    };
    let has_base = matches!(
        status,
        FileStatus::Modified | FileStatus::Renamed | FileStatus::Deleted
    );
    let has_head = status != FileStatus::Deleted;
    if let Some(reason) = unreadable(delta, has_base, has_head) {
        return Ok(skipped(path, &reason));
    }
    let base = match has_base.then(|| blobs.decoded(old.id())).transpose() {
        Ok(base) => base,
        Err(reason) => return Ok(skipped(path, &reason)),
    };
    let head = match has_head
        .then(|| match work_tree {
            Some(root) => disk_decoded(&root.join(path)),
            None => blobs.decoded(new.id()),
        })
        .transpose()
    {
        Ok(head) => head,
        Err(reason) => return Ok(skipped(path, &reason)),
    };
    let warning = decoding_warning(path, [&base, &head]);
    let base_text = base.map(|decoded| decoded.text);
    let head_text = head.map(|decoded| decoded.text);
    let lines = line_changes(
        base_text.as_deref().unwrap_or_default(),
        head_text.as_deref().unwrap_or_default(),
    )?;
    Ok(Examined::File(
        Box::new(ChangedFile {
            path: path.to_string(),
            old_path,
            status,
            base_text,
            head_text,
            changed_lines: lines.head,
            base_changed_lines: lines.base,
            removed_after: lines.removed_after,
        }),
        warning,
    ))
}

/// Why git cannot give a side of the delta as text: a conflict, an
/// unreadable file, or a mode that is no file (a symlink, a submodule).
fn unreadable(delta: &DiffDelta<'_>, has_base: bool, has_head: bool) -> Option<SkipReason> {
    match delta.status() {
        Delta::Conflicted => return Some(SkipReason::Conflicted),
        Delta::Unreadable => {
            return Some(SkipReason::Unreadable("git could not read it".to_string()));
        }
        _ => {}
    }
    [
        (has_base, delta.old_file().mode()),
        (has_head, delta.new_file().mode()),
    ]
    .into_iter()
    .filter(|(present, _)| *present)
    .find_map(|(_, mode)| mode_skip(mode))
}

/// The path a renamed or copied file had; `Err` when it is not UTF-8.
fn renamed_from(delta: &DiffDelta<'_>) -> Result<Option<String>, std::str::Utf8Error> {
    match delta.status() {
        Delta::Renamed | Delta::Copied => {
            std::str::from_utf8(delta.old_file().path_bytes().unwrap_or_default())
                .map(|old_path| Some(old_path.to_string()))
        }
        _ => Ok(None),
    }
}

/// The warning for a file whose bytes were not all UTF-8.
fn decoding_warning(path: &str, sides: [&Option<content::Decoded>; 2]) -> Option<String> {
    sides
        .into_iter()
        .flatten()
        .any(|decoded| decoded.replaced_invalid_utf8)
        .then(|| {
            format!(
                "{}: bytes that are not valid UTF-8 read as U+FFFD (save the file as UTF-8)",
                one_line(path)
            )
        })
}

/// How a delta counts in the change set; `None` when the file did not
/// change.
fn file_status(delta: Delta) -> Option<FileStatus> {
    Some(match delta {
        Delta::Unmodified | Delta::Ignored => return None,
        Delta::Added | Delta::Untracked | Delta::Copied => FileStatus::Added,
        Delta::Deleted => FileStatus::Deleted,
        Delta::Modified | Delta::Typechange | Delta::Conflicted | Delta::Unreadable => {
            FileStatus::Modified
        }
        Delta::Renamed => FileStatus::Renamed,
    })
}

/// The warning for a file left out of the analysis.
fn skipped(path: &str, reason: &SkipReason) -> Examined {
    Examined::Skipped(format!("skipped {}: {reason}", one_line(path)))
}

/// The root `.gitattributes` of a commit (`sha`), or of the work tree when
/// `sha` is `None`; empty when there is none or it cannot be read (it can
/// only make paths quieter, so a missing file is no error).
pub fn gitattributes_at(repo_root: &std::path::Path, sha: Option<&str>) -> String {
    let Some(sha) = sha.filter(|sha| sha.chars().any(|c| c != '0')) else {
        return std::fs::read_to_string(repo_root.join(".gitattributes")).unwrap_or_default();
    };
    let Ok(repo) = git2::Repository::open(repo_root) else {
        return String::new();
    };
    repo.revparse_single(&format!("{sha}:.gitattributes"))
        .ok()
        .and_then(|object| object.peel_to_blob().ok())
        .map(|blob| String::from_utf8_lossy(blob.content()).into_owned())
        .unwrap_or_default()
}

/// The `*.dist-info/METADATA` paths of the installed distributions in the
/// folders above `paths` (below the root) at a commit (`sha`), or in the
/// work tree when `sha` is `None` (see
/// [`crate::context::installed_package_folders`]). Unreadable folders list
/// nothing: they can only make paths quieter.
pub fn distribution_metadata_above<'p>(
    repo_root: &Path,
    sha: Option<&str>,
    paths: impl IntoIterator<Item = &'p str>,
) -> Vec<String> {
    let mut folders = std::collections::BTreeSet::new();
    for path in paths {
        let mut rest = path;
        while let Some((folder, _)) = rest.rsplit_once('/') {
            if !folders.insert(folder) {
                break;
            }
            rest = folder;
        }
    }
    let mut found = Vec::new();
    let mut note = |folder: &str, name: &str| {
        if crate::context::is_distribution_folder(name) {
            found.push(format!("{folder}/{name}/METADATA"));
        }
    };
    match sha.filter(|sha| sha.chars().any(|c| c != '0')) {
        Some(sha) => {
            let Ok(repo) = Repository::open(repo_root) else {
                return found;
            };
            let Ok(tree) = repo
                .revparse_single(sha)
                .and_then(|object| object.peel_to_tree())
            else {
                return found;
            };
            for folder in folders {
                let Some(subtree) = tree
                    .get_path(Path::new(folder))
                    .ok()
                    .and_then(|entry| entry.to_object(&repo).ok())
                    .and_then(|object| object.into_tree().ok())
                else {
                    continue;
                };
                for entry in subtree.iter() {
                    if entry.kind() == Some(git2::ObjectType::Tree) {
                        if let Ok(name) = entry.name() {
                            note(folder, name);
                        }
                    }
                }
            }
        }
        None => {
            for folder in folders {
                let Ok(entries) = std::fs::read_dir(repo_root.join(folder)) else {
                    continue;
                };
                for entry in entries.flatten() {
                    if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                        note(folder, &entry.file_name().to_string_lossy());
                    }
                }
            }
        }
    }
    found
}
