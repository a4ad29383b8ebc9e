//! Every wanted text file of a revision or of the work tree, for whole-repository scans.

use std::collections::BTreeSet;
use std::path::Path;

use git2::{ObjectType, Repository, Status, StatusOptions, Tree};

use super::content::{BlobReader, disk_text, is_regular_file_mode};
use super::error::{DiffError, RevisionRole};
use super::revision::resolve_commit;
use super::{open_repository, repository_root};

/// Returns `(path, text)` for every wanted file of a revision's tree (`rev` is any
/// revspec), or of the work tree when `rev` is `None` (tracked files plus untracked,
/// non-ignored ones, as they are on disk), sorted by path.
///
/// Paths are `/`-separated and relative to the repository root; `wants` sees each path
/// before its contents are read. Files that are not UTF-8 text of at most 1 MiB,
/// symlinks, submodules and paths that are not UTF-8 are left out silently: a scan of
/// a whole repository would otherwise drown in warnings about images and lockfiles.
///
/// # Errors
/// A [`DiffError`] when `repo_root` is not in a repository, the revision cannot be
/// resolved, the repository is bare and `rev` is `None`, or libgit2 fails.
pub fn read_tree_files(
    repo_root: &Path,
    rev: Option<&str>,
    wants: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, DiffError> {
    let repo = open_repository(repo_root)?;
    let mut files = match rev {
        Some(spec) => committed_files(&repo, spec, wants)?,
        None => work_tree_files(&repo, wants)?,
    };
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The wanted text files of the tree of revision `spec`.
fn committed_files(
    repo: &Repository,
    spec: &str,
    wants: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, DiffError> {
    let root = repository_root(repo);
    let git_error = |context: &str, error: git2::Error| DiffError::git(context, &root, &error);
    let commit = resolve_commit(repo, spec, RevisionRole::Scan)?;
    let tree = commit
        .tree()
        .map_err(|error| git_error("reading the scanned commit's tree", error))?;
    let blobs =
        BlobReader::new(repo).map_err(|error| git_error("opening the object database", error))?;
    let mut files = Vec::new();
    // An explicit stack rather than `Tree::walk`, which gives up on the first directory
    // whose name is not UTF-8 instead of skipping it.
    let mut pending: Vec<(String, Tree<'_>)> = vec![(String::new(), tree)];
    while let Some((prefix, tree)) = pending.pop() {
        for entry in tree.iter() {
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                continue;
            };
            let path = format!("{prefix}{name}");
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    let subtree = repo
                        .find_tree(entry.id())
                        .map_err(|error| git_error("reading a directory of the tree", error))?;
                    pending.push((format!("{path}/"), subtree));
                }
                Some(ObjectType::Blob) => {
                    let is_file = u32::try_from(entry.filemode()).is_ok_and(is_regular_file_mode);
                    if is_file
                        && wants(&path)
                        && let Ok(text) = blobs.text(entry.id())
                    {
                        files.push((path, text));
                    }
                }
                // Gitlinks (submodules) point at commits of another repository.
                _ => {}
            }
        }
    }
    Ok(files)
}

/// The wanted text files of the work tree: everything in the index plus untracked,
/// non-ignored files, read from disk.
fn work_tree_files(
    repo: &Repository,
    wants: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, DiffError> {
    let root = repository_root(repo);
    let git_error = |context: &str, error: git2::Error| DiffError::git(context, &root, &error);
    let Some(workdir) = repo.workdir() else {
        return Err(DiffError::NoWorkTree {
            path: super::error::one_line(&repo.path().display().to_string()),
        });
    };
    let mut paths = BTreeSet::new();
    let index = repo
        .index()
        .map_err(|error| git_error("reading the index", error))?;
    for entry in index.iter() {
        if is_regular_file_mode(entry.mode)
            && let Ok(path) = String::from_utf8(entry.path)
        {
            paths.insert(path);
        }
    }
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(|error| git_error("listing untracked files", error))?;
    for entry in statuses.iter() {
        if entry.status().contains(Status::WT_NEW)
            && let Ok(path) = std::str::from_utf8(entry.path_bytes())
        {
            paths.insert(path.to_string());
        }
    }
    Ok(paths
        .into_iter()
        .filter(|path| wants(path))
        .filter_map(|path| {
            // Deleted, unreadable, binary or oversized files simply are not part of
            // the scan.
            let text = disk_text(&workdir.join(&path)).ok()?;
            Some((path, text))
        })
        .collect())
}
