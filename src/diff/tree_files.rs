//! Every wanted text file of a revision or of the work tree, for whole-repository scans.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

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

/// The text of each of `paths` in revision `rev`'s tree (on disk in the work
/// tree when `rev` is `None`), looked up one by one — for a handful of paths
/// in a large repository much cheaper than listing the tree. Paths that do not
/// exist, or are not UTF-8 text files of at most 1 MiB, are left out.
///
/// # Errors
/// As [`read_tree_files`].
pub fn read_paths(
    repo_root: &Path,
    rev: Option<&str>,
    paths: &[&str],
) -> Result<Vec<(String, String)>, DiffError> {
    let reader = PathReader::open(repo_root, rev)?;
    Ok(paths
        .iter()
        .filter_map(|path| Some((path.to_string(), reader.text(path)?)))
        .collect())
}

/// Reads single files of one revision's tree (or of the work tree) by path,
/// on demand: what a whole-repository scan uses to read the helpers a file
/// imports. Not `Sync` (a libgit2 handle): share it behind a lock.
pub struct PathReader {
    source: PathSource,
    /// The wanted files of the revision, listed once
    /// ([`PathReader::open_listed`]): lookups never walk the tree again.
    listed: Option<Listed>,
}

enum Listed {
    /// The committed files and their blobs.
    Blobs(HashMap<String, Oid>),
    /// The work tree's files.
    Files(HashSet<String>),
}

enum PathSource {
    /// The work tree's root; `None` for a bare repository (nothing to read).
    WorkTree(Option<PathBuf>),
    /// A commit's tree in the repository.
    Commit { repo: Repository, tree: Oid },
}

impl std::fmt::Debug for PathReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            PathSource::WorkTree(root) => {
                f.debug_tuple("PathReader::WorkTree").field(root).finish()
            }
            PathSource::Commit { tree, .. } => {
                f.debug_tuple("PathReader::Commit").field(tree).finish()
            }
        }
    }
}

impl PathReader {
    /// A reader of revision `rev` (any revspec), or of the work tree for `None`.
    ///
    /// # Errors
    /// As [`read_tree_files`].
    pub fn open(repo_root: &Path, rev: Option<&str>) -> Result<PathReader, DiffError> {
        let repo = open_repository(repo_root)?;
        let Some(spec) = rev else {
            let workdir = repo.workdir().map(Path::to_path_buf);
            return Ok(PathReader {
                source: PathSource::WorkTree(workdir),
                listed: None,
            });
        };
        let tree = resolve_commit(&repo, spec, RevisionRole::Scan)?.tree_id();
        Ok(PathReader {
            source: PathSource::Commit { repo, tree },
            listed: None,
        })
    }

    /// A reader that lists the files `wants` of the revision once, so that
    /// the many lookups of a whole-repository scan cost a hash lookup each.
    ///
    /// # Errors
    /// As [`read_tree_files`].
    pub fn open_listed(
        repo_root: &Path,
        rev: Option<&str>,
        wants: &dyn Fn(&str) -> bool,
    ) -> Result<PathReader, DiffError> {
        let mut reader = PathReader::open(repo_root, rev)?;
        let listed = match (&reader.source, rev) {
            (PathSource::Commit { repo, .. }, Some(spec)) => {
                Listed::Blobs(committed_blobs(repo, spec, wants)?.into_iter().collect())
            }
            _ => {
                let repo = open_repository(repo_root)?;
                Listed::Files(work_tree_paths(&repo, wants)?.1.into_iter().collect())
            }
        };
        reader.listed = Some(listed);
        Ok(reader)
    }

    /// The paths listed by [`PathReader::open_listed`] that `keep` keeps, in
    /// path order; none when the reader lists nothing.
    pub fn listed_paths(&self, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut paths: Vec<String> = match &self.listed {
            Some(Listed::Blobs(blobs)) => blobs.keys().filter(|p| keep(p)).cloned().collect(),
            Some(Listed::Files(files)) => files.iter().filter(|p| keep(p)).cloned().collect(),
            None => Vec::new(),
        };
        paths.sort();
        paths
    }

    /// Whether a regular file exists at `path` (repository-relative,
    /// `/`-separated), without reading it.
    pub fn exists(&self, path: &str) -> bool {
        match &self.listed {
            Some(Listed::Blobs(blobs)) => return blobs.contains_key(path),
            Some(Listed::Files(files)) => return files.contains(path),
            None => {}
        }
        match &self.source {
            PathSource::WorkTree(workdir) => workdir.as_ref().is_some_and(|root| {
                std::fs::symlink_metadata(root.join(path)).is_ok_and(|m| m.file_type().is_file())
            }),
            PathSource::Commit { repo, tree } => repo
                .find_tree(*tree)
                .ok()
                .and_then(|tree| tree.get_path(Path::new(path)).ok())
                .is_some_and(|entry| {
                    entry.kind() == Some(ObjectType::Blob)
                        && u32::try_from(entry.filemode()).is_ok_and(is_regular_file_mode)
                }),
        }
    }

    /// The text of the regular file at `path` (repository-relative,
    /// `/`-separated), or `None` when it does not exist, is not a regular
    /// file, or is not UTF-8 text of at most 1 MiB.
    pub fn text(&self, path: &str) -> Option<String> {
        if let (Some(Listed::Blobs(blobs)), PathSource::Commit { repo, .. }) =
            (&self.listed, &self.source)
        {
            let id = *blobs.get(path)?;
            return BlobReader::new(repo).ok()?.text(id).ok();
        }
        match &self.source {
            PathSource::WorkTree(workdir) => disk_text(&workdir.as_ref()?.join(path)).ok(),
            PathSource::Commit { repo, tree } => {
                let tree = repo.find_tree(*tree).ok()?;
                let entry = tree.get_path(Path::new(path)).ok()?;
                let regular = u32::try_from(entry.filemode()).is_ok_and(is_regular_file_mode);
                if entry.kind() != Some(ObjectType::Blob) || !regular {
                    return None;
                }
                BlobReader::new(repo).ok()?.text(entry.id()).ok()
            }
        }
    }
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
        let (workdir, listed) = work_tree_paths(&repo, wants)?;
        // The handle keeps the index and what the status walk loaded (2.5 MB for
        // 10,000 files): let them go before the files are analysed.
        drop(repo);
        let paths = PathList::new(&listed);
        drop(listed);
        let read = |index: usize| -> ItemResult<T> {
            let Some(path) = paths.get(index) else {
                return Ok(None);
            };
            // Deleted, unreadable, binary or oversized files are not part of the scan.
            let Ok(text) = disk_text(&workdir.join(&path)) else {
                return Ok(None);
            };
            let mapped = map(&path, text);
            Ok(Some((path, mapped)))
        };
        return pipelined(threads, paths.len(), &read, each);
    };
    let (paths, ids) = {
        let mut blobs = committed_blobs(&repo, spec, wants)?;
        blobs.sort_by(|a, b| a.0.cmp(&b.0));
        let ids: Vec<Oid> = blobs.iter().map(|(_, id)| *id).collect();
        (PathList::new(blobs.iter().map(|(path, _)| path)), ids)
    };
    // The handle's object cache keeps the trees walked above: let them go.
    let blobs = Mutex::new(BlobSource::new(repo.path().to_path_buf()));
    drop(repo);
    let read = |index: usize| -> ItemResult<T> {
        let (Some(path), Some(id)) = (paths.get(index), ids.get(index)) else {
            return Ok(None);
        };
        // Binary, oversized or non-UTF-8 blobs are not part of the scan.
        let text = blobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .text(*id)?;
        Ok(text.map(|text| {
            let mapped = map(&path, text);
            (path, mapped)
        }))
    };
    pipelined(threads, paths.len(), &read, each)
}

/// How often the paths of a [`PathList`] are stored whole.
const PATHS_PER_RESTART: usize = 16;

/// Sorted paths, front-coded: each stored as the length of the prefix it
/// shares with the one before and the rest, every [`PATHS_PER_RESTART`]th
/// whole, so that any path is rebuilt from a few entries. Sorted paths share
/// most of their text: the benchmark's 10,000 paths take 195 KB so instead of
/// 540 KB (as many `String`s, which, allocated while libgit2 filled the heap
/// around them, also pinned its pages for the whole scan).
struct PathList {
    /// Entries: shared prefix length and rest length (LEB128), then the rest.
    bytes: Vec<u8>,
    /// Where every [`PATHS_PER_RESTART`]th entry starts in `bytes`.
    restarts: Vec<usize>,
    len: usize,
}

impl PathList {
    fn new<S: AsRef<str>>(paths: impl IntoIterator<Item = S>) -> PathList {
        let mut list = PathList {
            bytes: Vec::new(),
            restarts: Vec::new(),
            len: 0,
        };
        let mut previous: Option<S> = None;
        for path in paths {
            let text = path.as_ref().as_bytes();
            let shared = match &previous {
                Some(before) if list.len % PATHS_PER_RESTART != 0 => before
                    .as_ref()
                    .as_bytes()
                    .iter()
                    .zip(text)
                    .take_while(|(a, b)| a == b)
                    .count(),
                _ => {
                    list.restarts.push(list.bytes.len());
                    0
                }
            };
            push_length(&mut list.bytes, shared);
            push_length(&mut list.bytes, text.len() - shared);
            list.bytes.extend_from_slice(&text[shared..]);
            list.len += 1;
            previous = Some(path);
        }
        list.bytes.shrink_to_fit();
        list.restarts.shrink_to_fit();
        list
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The path at `index`, or `None` past the end.
    fn get(&self, index: usize) -> Option<String> {
        if index >= self.len {
            return None;
        }
        let mut at = *self.restarts.get(index / PATHS_PER_RESTART)?;
        let mut path: Vec<u8> = Vec::new();
        for _ in 0..=index % PATHS_PER_RESTART {
            let shared = read_length(&self.bytes, &mut at)?;
            let rest = read_length(&self.bytes, &mut at)?;
            let end = at.checked_add(rest)?;
            path.truncate(shared);
            path.extend_from_slice(self.bytes.get(at..end)?);
            at = end;
        }
        // Every path went in as UTF-8, and comes out whole.
        String::from_utf8(path).ok()
    }
}

/// Appends `value` as LEB128: seven bits a byte, low bits first.
fn push_length(bytes: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        // Truncation intended: the low seven bits, with the continuation bit.
        bytes.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    // Below 0x80 here.
    bytes.push(value as u8);
}

/// Reads a LEB128 value written by [`push_length`] at `at`, moving past it.
fn read_length(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let mut value = 0_usize;
    let mut shift = 0_u32;
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= usize::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
    }
}

/// Blobs read without letting libgit2's caches grow with the repository.
///
/// libgit2 keeps every delta base it inflates in a cache of up to 16 MB per
/// pack (flushed only when full), and the pack's pages stay mapped: reading the
/// benchmark's 10,000 blobs in path order took 59 MB peak RSS where reading the
/// same files from the work tree took 37 MB. Closing the handle every
/// [`RECYCLE_BLOBS`] reads frees the pack and its cache. The analysis threads
/// share this one handle: reading a blob is quick next to parsing it.
struct BlobSource {
    git_dir: PathBuf,
    repo: Option<Repository>,
    reads: usize,
}

/// Blobs read through one repository handle before it is reopened. Peak RSS
/// of the benchmark scan of a commit: 42.5 MB reopening every 256 blobs,
/// 35.7 MB every 128, 34.3 MB every 32 and 34.3 MB every 16 (where the
/// reopening starts to cost CPU time).
const RECYCLE_BLOBS: usize = 32;

impl BlobSource {
    fn new(git_dir: PathBuf) -> BlobSource {
        BlobSource {
            git_dir,
            repo: None,
            reads: 0,
        }
    }

    /// The blob `id` as text; `None` when it is not text that can be analysed.
    fn text(&mut self, id: Oid) -> Result<Option<String>, DiffError> {
        if self.reads >= RECYCLE_BLOBS {
            // Closed before reopening, so that the pack and its cache are freed.
            self.repo = None;
            self.reads = 0;
        }
        let repo = match self.repo.take() {
            Some(repo) => repo,
            None => Repository::open(&self.git_dir)
                .map_err(|error| DiffError::git("opening the repository", &self.git_dir, &error))?,
        };
        let repo = self.repo.insert(repo);
        self.reads += 1;
        let blobs = BlobReader::new(repo).map_err(|error| {
            DiffError::git("opening the object database", &self.git_dir, &error)
        })?;
        Ok(blobs.text(id).ok())
    }
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

/// Runs `job` over the items `0..count` on `threads` threads (each takes the next
/// item, so no thread waits at a chunk boundary) and hands the results to `each` on
/// the calling thread, in the items' order.
fn pipelined<T: Send>(
    threads: Threads,
    count: usize,
    job: &(dyn Fn(usize) -> ItemResult<T> + Sync),
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
                    if index >= count {
                        return;
                    }
                    // The caller stopped (an error): nothing more to do.
                    if sender.send((index, job(index))).is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(root: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=Handoff Tests"])
            .args(["-c", "user.email=tests@handoff.invalid"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(root)
            .output()
            .expect("git runs");
        assert!(status.status.success(), "git {args:?}: {status:?}");
    }

    /// A repository with `count` similar files (so that packing stores most of
    /// them as deltas), committed and packed, plus an untracked file.
    fn repository_of(count: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path();
        git(root, &["init", "-q"]);
        for n in 0..count {
            let path = root.join(format!("src/module_{:02}/handler_{n}.ts", n % 7));
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            let body = format!("export function handler{n}() {{\n  return {n};\n}}\n");
            std::fs::write(&path, body.repeat(20)).expect("write");
        }
        std::fs::write(root.join("README.md"), "not wanted\n").expect("write");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "files"]);
        git(root, &["gc", "-q", "--aggressive"]);
        std::fs::write(root.join("src/untracked.ts"), "export const later = 1;\n").expect("write");
        dir
    }

    fn streamed(root: &Path, rev: Option<&str>, count: usize) -> Vec<(String, String)> {
        let threads = Threads {
            count,
            stack_bytes: 1024 * 1024,
        };
        let mut files = Vec::new();
        for_each_tree_file(
            root,
            rev,
            threads,
            &|path| path.ends_with(".ts"),
            &|path, text| format!("{path}:{}", text.len()),
            &mut |path, mapped| files.push((path, mapped)),
        )
        .expect("streams");
        files
    }

    fn whole(root: &Path, rev: Option<&str>) -> Vec<(String, String)> {
        read_tree_files(root, rev, &|path| path.ends_with(".ts"))
            .expect("reads")
            .into_iter()
            .map(|(path, text)| {
                let mapped = format!("{path}:{}", text.len());
                (path, mapped)
            })
            .collect()
    }

    #[test]
    fn streaming_a_commit_visits_the_files_read_whole_in_path_order() {
        // More blobs than one repository handle reads before it is reopened.
        let repo = repository_of(RECYCLE_BLOBS * 3 + 5);
        let expected = whole(repo.path(), Some("HEAD"));
        assert_eq!(expected.len(), RECYCLE_BLOBS * 3 + 5);
        for threads in [1, 3] {
            assert_eq!(streamed(repo.path(), Some("HEAD"), threads), expected);
        }
    }

    #[test]
    fn streaming_the_work_tree_visits_the_files_read_whole_in_path_order() {
        let repo = repository_of(40);
        let expected = whole(repo.path(), None);
        assert!(expected.iter().any(|(path, _)| path == "src/untracked.ts"));
        for threads in [1, 3] {
            assert_eq!(streamed(repo.path(), None, threads), expected);
        }
    }

    #[test]
    fn path_list_gives_back_every_path_it_was_built_from() {
        let long = format!("{}/deep.ts", "very-long-directory-name".repeat(12));
        let mut paths: Vec<String> = (0..40)
            .map(|n| format!("services/catalog/src/gift-card/file-{n:02}.ts"))
            .chain([
                "a.ts".to_string(),
                "a/b.ts".to_string(),
                "é/ünïcode.ts".to_string(),
                "é/ünï.ts".to_string(),
                long,
            ])
            .collect();
        paths.sort();
        let list = PathList::new(&paths);
        assert_eq!(list.len(), paths.len());
        let rebuilt: Vec<String> = (0..list.len()).filter_map(|i| list.get(i)).collect();
        assert_eq!(rebuilt, paths);
        assert_eq!(list.get(paths.len()), None);
    }

    #[test]
    fn path_list_stores_shared_prefixes_once() {
        let paths: Vec<String> = (0..1000)
            .map(|n| format!("packages/checkout/src/user-profile/user-profile-{n:04}.ts"))
            .collect();
        let whole: usize = paths.iter().map(String::len).sum();
        let list = PathList::new(&paths);
        assert!(
            list.bytes.len() < whole / 3,
            "{} of {whole}",
            list.bytes.len()
        );
    }

    #[test]
    fn empty_path_list_has_no_paths() {
        let list = PathList::new(Vec::<String>::new());
        assert_eq!(list.len(), 0);
        assert_eq!(list.get(0), None);
    }
}
