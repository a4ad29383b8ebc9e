//! Every wanted text file of a revision or of the work tree, for whole-repository scans.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{ObjectType, Oid, Repository, Status, StatusOptions, StatusShow, Tree};

use super::content::{BlobReader, disk_text, is_regular_file_mode};
use super::error::{DiffError, RevisionRole};
use super::revision::{head_commit_id, resolve_commit};
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
    let blobs = BlobReader::new(repo).map_err(|error| {
        DiffError::git(
            "opening the object database",
            &repository_root(repo),
            &error,
        )
    })?;
    Ok(committed_blobs(repo, spec, wants)?
        .into_iter()
        .filter_map(|(path, id)| Some((path, blobs.text(id).ok()?)))
        .collect())
}

/// The wanted regular files of the tree of revision `spec`, with their blob ids.
fn committed_blobs(
    repo: &Repository,
    spec: &str,
    wants: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Oid)>, DiffError> {
    let root = repository_root(repo);
    let git_error = |context: &str, error: git2::Error| DiffError::git(context, &root, &error);
    let commit = resolve_commit(repo, spec, RevisionRole::Scan)?;
    let tree = commit
        .tree()
        .map_err(|error| git_error("reading the scanned commit's tree", error))?;
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
                    if is_file && wants(&path) {
                        files.push((path, entry.id()));
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
    let (workdir, paths) = work_tree_paths(repo, wants)?;
    Ok(paths
        .into_iter()
        .filter_map(|path| {
            // Deleted, unreadable, binary or oversized files simply are not part of
            // the scan.
            let text = disk_text(&workdir.join(&path)).ok()?;
            Some((path, text))
        })
        .collect())
}

/// The work tree's directory and its wanted paths (index plus untracked, non-ignored
/// files), sorted.
fn work_tree_paths(
    repo: &Repository,
    wants: &dyn Fn(&str) -> bool,
) -> Result<(PathBuf, Vec<String>), DiffError> {
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
    // Only untracked files are wanted here: skip comparing the index with HEAD.
    options
        .show(StatusShow::Workdir)
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
    Ok((
        workdir.to_path_buf(),
        paths.into_iter().filter(|path| wants(path)).collect(),
    ))
}

/// What a whole-repository scan reads, resolved once (see [`resolve_tree_scan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeScan {
    /// The repository's work tree (its git directory for a bare repository).
    pub repo_root: PathBuf,
    /// The scanned revision's full hex sha, or HEAD's when the work tree is scanned
    /// (`None` while HEAD is unborn).
    pub commit: Option<String>,
}

/// Resolves what a whole-repository scan of `rev` (or of the work tree, for `None`)
/// reads: pass [`TreeScan::commit`] to [`map_tree_files`] so that the files read and
/// the sha reported are the same commit.
///
/// # Errors
/// A [`DiffError`] when `repo` is not in a repository or the revision cannot be
/// resolved.
pub fn resolve_tree_scan(repo: &Path, rev: Option<&str>) -> Result<TreeScan, DiffError> {
    let repository = open_repository(repo)?;
    let commit = match rev {
        Some(spec) => Some(
            resolve_commit(&repository, spec, RevisionRole::Scan)?
                .id()
                .to_string(),
        ),
        None => head_commit_id(&repository)?.map(|id| id.to_string()),
    };
    Ok(TreeScan {
        repo_root: repository_root(&repository),
        commit,
    })
}

/// Like [`read_tree_files`], but streaming: `threads` threads (with stacks of
/// `stack_bytes`) each take the next wanted file in path order, read it and pass it
/// to `map`, and `each` receives
/// `(path, map's result)` on the calling thread, in path order, as soon as the
/// results before it are in. Only the texts being mapped and the results waiting
/// for a slower file before them are in memory at any time, however large the
/// repository. The same files as [`read_tree_files`] are visited.
///
/// # Errors
/// As [`read_tree_files`].
pub fn for_each_tree_file<T: Send>(
    repo_root: &Path,
    rev: Option<&str>,
    threads: Threads,
    wants: &(dyn Fn(&str) -> bool + Sync),
    map: &(dyn Fn(&str, String) -> T + Sync),
    each: &mut dyn FnMut(String, T),
) -> Result<(), DiffError> {
    let repo = open_repository(repo_root)?;
    let Some(spec) = rev else {
        let (workdir, paths) = work_tree_paths(&repo, wants)?;
        let read = |path: &String| -> Result<Option<(String, T)>, DiffError> {
            // Deleted, unreadable, binary or oversized files are not part of the scan.
            Ok(disk_text(&workdir.join(path))
                .ok()
                .map(|text| (path.clone(), map(path, text))))
        };
        return pipelined(threads, &paths, &read, each);
    };
    let mut blobs = committed_blobs(&repo, spec, wants)?;
    blobs.sort_by(|a, b| a.0.cmp(&b.0));
    // libgit2 handles are not shared across threads: each job borrows one from this
    // pool (opening it the first time), so a handful are opened per scan.
    let git_dir: PathBuf = repo.path().to_path_buf();
    let handles: Mutex<Vec<Repository>> = Mutex::new(vec![repo]);
    let read = |(path, id): &(String, Oid)| -> Result<Option<(String, T)>, DiffError> {
        let handle = handles.lock().ok().and_then(|mut pool| pool.pop());
        let handle = match handle {
            Some(handle) => handle,
            None => Repository::open(&git_dir)
                .map_err(|error| DiffError::git("opening the repository", &git_dir, &error))?,
        };
        // Binary, oversized or non-UTF-8 blobs are not part of the scan.
        let text = BlobReader::new(&handle)
            .map_err(|error| DiffError::git("opening the object database", &git_dir, &error))?
            .text(*id)
            .ok();
        if let Ok(mut pool) = handles.lock() {
            pool.push(handle);
        }
        Ok(text.map(|text| (path.clone(), map(path, text))))
    };
    pipelined(threads, &blobs, &read, each)
}

/// The threads [`for_each_tree_file`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads {
    /// How many (at least one is started).
    pub count: usize,
    /// The stack size of each.
    pub stack_bytes: usize,
}

/// What reading one item gives: its path and mapped result, or nothing when
/// the item is not part of the scan.
type ItemResult<T> = Result<Option<(String, T)>, DiffError>;

/// One item's result, with the item's position.
type Numbered<T> = (usize, ItemResult<T>);

/// Runs `job` over `items` on `threads` threads (each takes the next item, so no
/// thread waits at a chunk boundary) and hands the results to `each` on the
/// calling thread, in the items' order.
fn pipelined<E: Sync, T: Send>(
    threads: Threads,
    items: &[E],
    job: &(dyn Fn(&E) -> ItemResult<T> + Sync),
    each: &mut dyn FnMut(String, T),
) -> Result<(), DiffError> {
    let next = AtomicUsize::new(0);
    // Bounded, so that threads wait when the caller falls behind.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Numbered<T>>(256);
    std::thread::scope(|scope| {
        for _ in 0..threads.count.max(1) {
            let sender = sender.clone();
            let next = &next;
            let worker = move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        return;
                    };
                    // The caller stopped (an error): nothing more to do.
                    if sender.send((index, job(item))).is_err() {
                        return;
                    }
                }
            };
            if let Err(error) = std::thread::Builder::new()
                .stack_size(threads.stack_bytes)
                .spawn_scoped(scope, worker)
            {
                return Err(DiffError::Threads {
                    reason: super::error::one_line(&error.to_string()),
                });
            }
        }
        drop(sender);
        // Results that arrived before an earlier, slower one.
        let mut waiting: BTreeMap<usize, ItemResult<T>> = BTreeMap::new();
        let mut expected = 0;
        for (index, result) in receiver {
            waiting.insert(index, result);
            while let Some(result) = waiting.remove(&expected) {
                expected += 1;
                if let Some((path, mapped)) = result? {
                    each(path, mapped);
                }
            }
        }
        Ok(())
    })
}
