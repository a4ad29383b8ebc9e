//! Specs of the diff module, run against real repositories built with the `git` command
//! line in temporary directories.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use super::content::merge_ranges;
use super::*;

/// A throwaway repository on branch `main` with a local identity.
struct Fixture {
    /// Keeps the temporary directory alive; the repository is `root` inside it.
    _dir: TempDir,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        Self::with_branch("main")
    }

    fn with_branch(branch: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path().to_path_buf();
        let fixture = Fixture { _dir: dir, root };
        fixture.git(&["-c", &format!("init.defaultBranch={branch}"), "init", "-q"]);
        fixture.configure();
        fixture
    }

    /// A `--depth 1` clone of `origin`.
    fn shallow_clone_of(origin: &Fixture) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("file://{}", origin.root().display());
        run_git(dir.path(), &["clone", "-q", "--depth", "1", &url, "clone"]);
        let root = dir.path().join("clone");
        let fixture = Fixture { _dir: dir, root };
        fixture.configure();
        fixture
    }

    fn configure(&self) {
        self.git(&["config", "user.name", "Handoff Tests"]);
        self.git(&["config", "user.email", "tests@handoff.invalid"]);
        self.git(&["config", "commit.gpgsign", "false"]);
        self.git(&["config", "core.autocrlf", "false"]);
    }

    fn root(&self) -> &Path {
        &self.root
    }

    /// Runs git in the repository and returns its trimmed standard output.
    fn git(&self, args: &[&str]) -> String {
        run_git(self.root(), args)
    }

    fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.root().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(full, contents).expect("write fixture file");
    }

    /// `git mv`, creating the destination directory first.
    fn rename(&self, from: &str, to: &str) {
        if let Some(parent) = self.root().join(to).parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        self.git(&["mv", from, to]);
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.root().join(path)).expect("remove fixture file");
    }

    /// Stages everything and commits; returns the new commit's sha.
    fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn diff(&self, base: Option<&str>, target: Target) -> Result<ChangeSet, DiffError> {
        diff_in(self.root(), base, target)
    }
}

fn run_git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn diff_in(repo: &Path, base: Option<&str>, target: Target) -> Result<ChangeSet, DiffError> {
    compute(&DiffRequest {
        repo,
        base,
        target,
        wants_contents: &|_| true,
    })
}

fn head(rev: &str) -> Target {
    Target::Revision(rev.to_string())
}

fn ranges(pairs: &[(u32, u32)]) -> Vec<LineRange> {
    pairs
        .iter()
        .map(|&(first, last)| LineRange { first, last })
        .collect()
}

fn numbered_lines(count: u32) -> String {
    (1..=count).map(|n| format!("line {n}\n")).collect()
}

fn only_file(change_set: &ChangeSet) -> &ChangedFile {
    assert_eq!(change_set.files.len(), 1, "files: {:?}", change_set.files);
    &change_set.files[0]
}

/// A repository with a first commit holding `path`, then a second commit writing
/// `after` to it; returns the fixture and the two shas.
fn two_commits(path: &str, before: &str, after: &str) -> (Fixture, String, String) {
    let fixture = Fixture::new();
    fixture.write(path, before);
    let base = fixture.commit_all("before");
    fixture.write(path, after);
    let head = fixture.commit_all("after");
    (fixture, base, head)
}

#[test]
fn modified_file_reports_each_hunk_as_head_side_ranges() {
    let before = numbered_lines(12);
    let after = before
        .replace("line 2\n", "line two\n")
        .replace("line 5\nline 6\n", "line five\nline six\n")
        .replace("line 9\n", "")
        .replace("line 11\n", "line 11\ninserted a\ninserted b\n");
    let (fixture, base, head_sha) = two_commits("src/app.ts", &before, &after);

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    let file = only_file(&change_set);
    assert_eq!(file.path, "src/app.ts");
    assert_eq!(file.status, FileStatus::Modified);
    assert_eq!(file.old_path, None);
    assert_eq!(file.base_text.as_deref(), Some(before.as_str()));
    assert_eq!(file.head_text.as_deref(), Some(after.as_str()));
    // The deletion of line 9 touches no head-side line; the insertion after line 11
    // lands on head lines 11 and 12 (one line was deleted above it).
    assert_eq!(file.changed_lines, ranges(&[(2, 2), (5, 6), (11, 12)]));
    assert_eq!(file.base_changed_lines, ranges(&[(2, 2), (5, 6), (9, 9)]));
    // Line 9 went away between head lines 8 and 9.
    assert_eq!(file.removed_after, vec![8]);
    assert_eq!(change_set.base, base);
    assert_eq!(change_set.head, head_sha);
    assert_eq!(change_set.files_changed, 1);
    assert!(change_set.warnings.is_empty());
}

#[test]
fn touching_and_overlapping_ranges_are_merged() {
    let merged = merge_ranges(ranges(&[(7, 9), (1, 2), (3, 3), (8, 12), (20, 20)]));
    assert_eq!(merged, ranges(&[(1, 3), (7, 12), (20, 20)]));
}

#[test]
fn changed_file_answers_whether_a_line_was_touched() {
    let (fixture, base, head_sha) = two_commits("a.py", "a\nb\nc\nd\n", "a\nB\nc\nD\n");
    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");
    let file = only_file(&change_set);
    assert!(file.touches_line(2));
    assert!(!file.touches_line(3));
    assert!(file.touches_lines(3, 4));
    assert!(!file.touches_lines(1, 1));
}

#[test]
fn a_pure_deletion_touches_the_region_around_it_but_no_line() {
    let before = "def f():\n    r = post()\n    r.raise_for_status()\n    return r\n";
    let after = "def f():\n    r = post()\n    return r\n";
    let (fixture, base, head_sha) = two_commits("a.py", before, after);
    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");
    let file = only_file(&change_set);
    assert!(file.changed_lines.is_empty());
    assert_eq!(file.removed_after, vec![2]);
    assert!(!file.touches_lines(1, 3));
    assert!(
        file.touches_region(1, 3),
        "the function around the deletion"
    );
    assert!(file.touches_region(2, 2), "the call the deletion followed");
    assert!(!file.touches_region(1, 1));
    assert!(!file.touches_region(3, 3), "the deletion is above line 3");
    assert!(file.touches_anything());
}

#[test]
fn added_file_changes_every_line() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    fixture.write("src/new.js", numbered_lines(4));
    let head_sha = fixture.commit_all("add");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    let file = only_file(&change_set);
    assert_eq!(file.status, FileStatus::Added);
    assert_eq!(file.base_text, None);
    assert_eq!(file.head_text.as_deref(), Some(numbered_lines(4).as_str()));
    assert_eq!(file.changed_lines, ranges(&[(1, 4)]));
    assert!(file.base_changed_lines.is_empty());
}

#[test]
fn deleted_file_keeps_its_base_text_and_no_head_lines() {
    let fixture = Fixture::new();
    fixture.write("keep.txt", "keep\n");
    fixture.write("old/worker.py", numbered_lines(3));
    let base = fixture.commit_all("first");
    fixture.remove("old/worker.py");
    let head_sha = fixture.commit_all("delete");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    let file = only_file(&change_set);
    assert_eq!(file.path, "old/worker.py");
    assert_eq!(file.status, FileStatus::Deleted);
    assert_eq!(file.base_text.as_deref(), Some(numbered_lines(3).as_str()));
    assert_eq!(file.head_text, None);
    assert!(file.changed_lines.is_empty());
    assert_eq!(file.base_changed_lines, ranges(&[(1, 3)]));
    assert_eq!(file.removed_after, vec![0]);
}

#[test]
fn pure_rename_has_old_path_and_no_changed_lines() {
    let fixture = Fixture::new();
    fixture.write("src/checkout.ts", numbered_lines(20));
    let base = fixture.commit_all("first");
    fixture.rename("src/checkout.ts", "src/orders/checkout.ts");
    let head_sha = fixture.commit_all("move");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    let file = only_file(&change_set);
    assert_eq!(file.path, "src/orders/checkout.ts");
    assert_eq!(file.old_path.as_deref(), Some("src/checkout.ts"));
    assert_eq!(file.status, FileStatus::Renamed);
    assert!(file.changed_lines.is_empty());
    assert!(file.base_changed_lines.is_empty());
    assert_eq!(change_set.files_changed, 1);
}

#[test]
fn renamed_file_with_edits_reports_only_the_edited_lines() {
    let fixture = Fixture::new();
    let before = numbered_lines(20);
    fixture.write("lib/outbox.rs", &before);
    let base = fixture.commit_all("first");
    fixture.rename("lib/outbox.rs", "lib/relay.rs");
    fixture.write("lib/relay.rs", before.replace("line 7\n", "line seven\n"));
    let head_sha = fixture.commit_all("move and edit");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    let file = only_file(&change_set);
    assert_eq!(file.status, FileStatus::Renamed);
    assert_eq!(file.old_path.as_deref(), Some("lib/outbox.rs"));
    assert_eq!(file.path, "lib/relay.rs");
    assert_eq!(file.base_text.as_deref(), Some(before.as_str()));
    assert_eq!(file.changed_lines, ranges(&[(7, 7)]));
    assert_eq!(file.base_changed_lines, ranges(&[(7, 7)]));
}

#[test]
fn binary_file_is_skipped_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    fixture.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    fixture.write("src/app.js", "ok();\n");
    let head_sha = fixture.commit_all("logo");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    assert_eq!(only_file(&change_set).path, "src/app.js");
    assert_eq!(change_set.files_changed, 2);
    assert_eq!(
        change_set.warnings,
        vec!["skipped assets/logo.png: binary file"]
    );
}

#[test]
fn file_over_one_mebibyte_on_either_side_is_skipped_with_a_warning() {
    let big = "x".repeat(1024 * 1024 + 1);
    let fixture = Fixture::new();
    fixture.write("shrinks.js", &big);
    fixture.write("grows.js", "small\n");
    let base = fixture.commit_all("first");
    fixture.write("shrinks.js", "small\n");
    fixture.write("grows.js", &big);
    let head_sha = fixture.commit_all("swap");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    assert!(change_set.files.is_empty());
    assert_eq!(change_set.files_changed, 2);
    assert_eq!(
        change_set.warnings,
        vec![
            "skipped grows.js: larger than 1 MiB",
            "skipped shrinks.js: larger than 1 MiB"
        ]
    );
}

#[test]
fn file_of_exactly_one_mebibyte_is_analysed() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    let exact = "y".repeat(1024 * 1024 - 1) + "\n";
    fixture.write("generated.js", &exact);
    let head_sha = fixture.commit_all("add");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    assert_eq!(only_file(&change_set).changed_lines, ranges(&[(1, 1)]));
    assert!(change_set.warnings.is_empty());
}

#[test]
fn invalid_utf8_on_either_side_is_read_lossily_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("latin1.py", b"name = 'caf\xe9'\n");
    fixture.write("fixed.py", b"name = 'caf\xe9'\n");
    let base = fixture.commit_all("first");
    fixture.write(
        "latin1.py",
        b"name = 'caf\xe9 cr\xe8me'\nrequests.post(url)\n",
    );
    fixture.write("fixed.py", "name = 'café'\n");
    let head_sha = fixture.commit_all("edit");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    let paths: Vec<&str> = change_set.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["fixed.py", "latin1.py"]);
    let latin1 = &change_set.files[1];
    assert_eq!(
        latin1.head_text.as_deref(),
        Some("name = 'caf\u{fffd} cr\u{fffd}me'\nrequests.post(url)\n")
    );
    assert_eq!(latin1.changed_lines, ranges(&[(1, 2)]));
    assert_eq!(
        change_set.warnings,
        vec![
            "fixed.py: bytes that are not valid UTF-8 read as U+FFFD (save the file as UTF-8)",
            "latin1.py: bytes that are not valid UTF-8 read as U+FFFD (save the file as UTF-8)"
        ]
    );
}

#[cfg(unix)]
#[test]
fn symlink_is_skipped_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("src/real.ts", "export {};\n");
    let base = fixture.commit_all("first");
    std::os::unix::fs::symlink("real.ts", fixture.root().join("src/alias.ts"))
        .expect("create symlink");
    let head_sha = fixture.commit_all("link");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    assert!(change_set.files.is_empty());
    assert_eq!(change_set.files_changed, 1);
    assert_eq!(
        change_set.warnings,
        vec!["skipped src/alias.ts: symbolic link"]
    );
}

#[test]
fn submodule_gitlink_is_skipped_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    let cacheinfo = format!("160000,{base},vendor/sub");
    fixture.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
    fixture.git(&["commit", "-q", "-m", "add submodule"]);
    let head_sha = fixture.git(&["rev-parse", "HEAD"]);

    let committed = fixture.diff(Some(&base), head(&head_sha)).expect("diff");
    let staged_view = fixture.diff(Some(&base), Target::Index).expect("diff");

    for change_set in [committed, staged_view] {
        assert!(change_set.files.is_empty());
        assert_eq!(change_set.files_changed, 1);
        assert_eq!(
            change_set.warnings,
            vec!["skipped vendor/sub: submodule (gitlink)"]
        );
    }
}

#[test]
fn a_git_lfs_pointer_is_skipped_with_a_warning_not_parsed() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    fixture.write(
        "src/bundle.js",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    let head_sha = fixture.commit_all("lfs pointer");
    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");
    assert!(change_set.files.is_empty());
    assert_eq!(
        change_set.warnings,
        vec!["skipped src/bundle.js: Git LFS pointer (run `git lfs pull` to analyse the content)"]
    );
}

#[cfg(unix)]
#[test]
fn path_that_is_not_utf8_is_skipped_with_a_warning() {
    use std::os::unix::ffi::OsStrExt;

    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.js");
    std::fs::write(fixture.root().join(name), "ok();\n").expect("write file");
    let head_sha = fixture.commit_all("odd name");

    let change_set = fixture.diff(Some(&base), head(&head_sha)).expect("diff");

    assert!(change_set.files.is_empty());
    assert_eq!(change_set.files_changed, 1);
    assert_eq!(
        change_set.warnings,
        vec!["skipped caf\u{fffd}.js: path is not valid UTF-8"]
    );
}

#[test]
fn unwanted_paths_are_counted_but_neither_loaded_nor_warned_about() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    fixture.write("docs/guide.md", "guide\n");
    fixture.write("assets/logo.png", b"\0binary");
    fixture.write("src/app.ts", "run();\n");
    let head_sha = fixture.commit_all("more");

    let change_set = compute(&DiffRequest {
        repo: fixture.root(),
        base: Some(&base),
        target: head(&head_sha),
        wants_contents: &|path| path.ends_with(".ts"),
    })
    .expect("diff");

    assert_eq!(only_file(&change_set).path, "src/app.ts");
    assert_eq!(change_set.files_changed, 3);
    assert!(change_set.warnings.is_empty());
}

#[test]
fn staged_mode_compares_the_index_with_head_and_ignores_unstaged_edits() {
    let fixture = Fixture::new();
    fixture.write("a.js", "one\ntwo\nthree\n");
    fixture.write("b.js", "bee\n");
    let head_sha = fixture.commit_all("first");
    fixture.write("a.js", "one\nTWO\nthree\n");
    fixture.git(&["add", "a.js"]);
    fixture.write("a.js", "one\nTWO\nthree\nunstaged\n");
    fixture.write("b.js", "unstaged bee\n");
    fixture.write("untracked.js", "new\n");

    let change_set = fixture.diff(None, Target::Index).expect("diff");

    assert_eq!(change_set.base, head_sha);
    assert_eq!(change_set.head, "INDEX");
    let file = only_file(&change_set);
    assert_eq!(file.path, "a.js");
    assert_eq!(file.head_text.as_deref(), Some("one\nTWO\nthree\n"));
    assert_eq!(file.changed_lines, ranges(&[(2, 2)]));
    assert_eq!(change_set.files_changed, 1);
}

#[test]
fn work_tree_mode_includes_index_edits_and_untracked_files_but_not_ignored_ones() {
    let fixture = Fixture::new();
    fixture.write(".gitignore", "dist/\n");
    fixture.write("a.js", "one\ntwo\n");
    fixture.write("gone.js", "bye\n");
    let head_sha = fixture.commit_all("first");
    fixture.write("a.js", "one\ntwo\nthree\n");
    fixture.write("staged.js", "staged\n");
    fixture.git(&["add", "staged.js"]);
    fixture.write("src/untracked/new.ts", "fresh\nfile\n");
    fixture.write("dist/bundle.js", "ignored\n");
    fixture.remove("gone.js");

    let change_set = fixture.diff(Some("HEAD"), Target::WorkTree).expect("diff");

    assert_eq!(change_set.base, head_sha);
    assert_eq!(change_set.head, "WORKTREE");
    let summary: Vec<(&str, FileStatus, Vec<LineRange>)> = change_set
        .files
        .iter()
        .map(|file| (file.path.as_str(), file.status, file.changed_lines.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a.js", FileStatus::Modified, ranges(&[(3, 3)])),
            ("gone.js", FileStatus::Deleted, vec![]),
            ("src/untracked/new.ts", FileStatus::Added, ranges(&[(1, 2)])),
            ("staged.js", FileStatus::Added, ranges(&[(1, 1)])),
        ]
    );
    assert_eq!(
        change_set.files[2].head_text.as_deref(),
        Some("fresh\nfile\n")
    );
    assert_eq!(change_set.files_changed, 4);
    assert_eq!(
        change_set.repo_root,
        fixture.root().canonicalize().expect("canonical root")
    );
}

#[test]
fn work_tree_rename_to_an_untracked_file_is_detected() {
    let fixture = Fixture::new();
    fixture.write("jobs/email.py", numbered_lines(10));
    fixture.commit_all("first");
    fixture.remove("jobs/email.py");
    fixture.write("jobs/mailer.py", numbered_lines(10));

    let change_set = fixture.diff(Some("HEAD"), Target::WorkTree).expect("diff");

    let file = only_file(&change_set);
    assert_eq!(file.status, FileStatus::Renamed);
    assert_eq!(file.old_path.as_deref(), Some("jobs/email.py"));
    assert!(file.changed_lines.is_empty());
}

#[test]
fn repository_is_discovered_from_a_subdirectory() {
    let fixture = Fixture::new();
    fixture.write("pkg/deep/mod.py", "x = 1\n");
    fixture.commit_all("first");
    fixture.write("pkg/deep/mod.py", "x = 2\n");

    let change_set = diff_in(
        &fixture.root().join("pkg/deep"),
        Some("HEAD"),
        Target::WorkTree,
    )
    .expect("diff");

    assert_eq!(only_file(&change_set).path, "pkg/deep/mod.py");
}

#[test]
fn base_accepts_ancestor_branch_and_tag_revspecs() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    let first = fixture.commit_all("first");
    fixture.git(&["tag", "v1"]);
    fixture.git(&["branch", "release"]);
    fixture.write("a.js", "1\n2\n");
    let second = fixture.commit_all("second");
    fixture.write("a.js", "1\n2\n3\n");
    let third = fixture.commit_all("third");

    let ancestor = fixture.diff(Some("HEAD~1"), head("HEAD")).expect("HEAD~1");
    let branch = fixture.diff(Some("release"), head("HEAD")).expect("branch");
    let tag = fixture.diff(Some("v1"), head("HEAD")).expect("tag");
    let short_sha = fixture
        .diff(Some(&first[..8]), head(&third))
        .expect("short sha");

    assert_eq!(ancestor.base, second);
    assert_eq!(ancestor.head, third);
    assert_eq!(only_file(&ancestor).changed_lines, ranges(&[(3, 3)]));
    for change_set in [branch, tag, short_sha] {
        assert_eq!(change_set.base, first);
        assert_eq!(only_file(&change_set).changed_lines, ranges(&[(2, 3)]));
    }
}

#[test]
fn default_base_is_the_merge_base_with_local_main() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    let fork_point = fixture.commit_all("first");
    fixture.git(&["checkout", "-q", "-b", "feature"]);
    fixture.write("a.js", "1\nfeature\n");
    fixture.commit_all("feature work");
    fixture.git(&["checkout", "-q", "main"]);
    fixture.write("b.js", "main moved on\n");
    fixture.commit_all("main work");
    fixture.git(&["checkout", "-q", "feature"]);

    let repo = Repository::open(fixture.root()).expect("open");
    assert_eq!(
        default_base(&repo).expect("default base").to_string(),
        fork_point
    );
    let change_set = fixture.diff(None, head("HEAD")).expect("diff");
    assert_eq!(change_set.base, fork_point);
    assert_eq!(only_file(&change_set).path, "a.js");
}

#[test]
fn default_base_prefers_origin_main_over_a_missing_local_main() {
    let fixture = Fixture::with_branch("trunk");
    fixture.write("a.py", "1\n");
    let upstream = fixture.commit_all("first");
    fixture.git(&["update-ref", "refs/remotes/origin/main", &upstream]);
    fixture.write("a.py", "1\n2\n");
    fixture.commit_all("local work");
    fixture.write("a.py", "1\n2\n3\n");

    let change_set = fixture.diff(None, Target::WorkTree).expect("diff");

    assert_eq!(change_set.base, upstream);
    assert_eq!(only_file(&change_set).changed_lines, ranges(&[(2, 3)]));
}

#[test]
fn default_base_follows_origin_head_first() {
    let fixture = Fixture::new();
    fixture.write("a.py", "1\n");
    let develop = fixture.commit_all("first");
    fixture.write("a.py", "1\n2\n");
    let main_tip = fixture.commit_all("second");
    fixture.git(&["update-ref", "refs/remotes/origin/develop", &develop]);
    fixture.git(&["update-ref", "refs/remotes/origin/main", &main_tip]);
    fixture.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/develop",
    ]);

    let repo = Repository::open(fixture.root()).expect("open");

    assert_eq!(
        default_base(&repo).expect("default base").to_string(),
        develop
    );
}

#[test]
fn missing_default_branch_asks_for_an_explicit_base() {
    let fixture = Fixture::with_branch("trunk");
    fixture.write("a.py", "1\n");
    fixture.commit_all("first");

    let error = fixture
        .diff(None, Target::WorkTree)
        .expect_err("no default base");

    assert_eq!(error, DiffError::NoDefaultBase);
    assert_eq!(
        error.to_string(),
        "no default base found (no merge-base of HEAD with origin/HEAD, origin/main or main): pass --base REV"
    );
}

/// An origin with three commits and a `--depth 1` clone of it; returns the clone and
/// the origin's first commit, which the clone lacks.
fn shallow_clone() -> (Fixture, String) {
    let origin = Fixture::new();
    origin.write("a.js", "1\n");
    let oldest = origin.commit_all("first");
    origin.write("a.js", "1\n2\n");
    origin.commit_all("second");
    origin.write("a.js", "1\n2\n3\n");
    origin.commit_all("third");
    (Fixture::shallow_clone_of(&origin), oldest)
}

#[test]
fn base_missing_from_a_shallow_clone_explains_how_to_fetch_history() {
    let (clone, oldest) = shallow_clone();

    let by_sha = clone
        .diff(Some(&oldest), head("HEAD"))
        .expect_err("shallow");
    let by_ancestry = clone
        .diff(Some("HEAD~2"), head("HEAD"))
        .expect_err("shallow");

    assert_eq!(
        by_sha.to_string(),
        format!(
            "base revision {oldest} is not in this clone (shallow clone?): fetch full history with `actions/checkout` `fetch-depth: 0`, or run `git fetch --deepen=100`"
        )
    );
    assert!(matches!(
        by_ancestry,
        DiffError::ShallowMissingRevision {
            role: RevisionRole::Base,
            ..
        }
    ));
}

#[test]
fn unknown_revision_names_the_revision_and_how_to_fetch_it() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    fixture.commit_all("first");

    let error = fixture
        .diff(Some("no-such-branch"), Target::WorkTree)
        .expect_err("unknown");

    assert_eq!(
        error.to_string(),
        "unknown revision 'no-such-branch': check the name, or fetch it with `git fetch origin no-such-branch`"
    );
}

#[test]
fn unknown_remote_branch_gets_a_fetch_hint_that_works() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "a\n");
    fixture.commit_all("first");
    let error = fixture
        .diff(Some("origin/main"), Target::WorkTree)
        .expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "unknown revision 'origin/main': check the name, or fetch it with `git fetch origin main`"
    );
}

#[test]
fn revision_text_cannot_break_the_one_line_message() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    fixture.commit_all("first");

    let error = fixture
        .diff(Some("evil\nsecond line"), Target::WorkTree)
        .expect_err("unknown");

    assert!(!error.to_string().contains('\n'), "{error}");
}

#[test]
fn revision_naming_a_blob_is_not_a_commit() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    fixture.commit_all("first");

    let error = fixture
        .diff(Some("HEAD:a.js"), Target::WorkTree)
        .expect_err("blob");

    assert_eq!(
        error.to_string(),
        "base revision 'HEAD:a.js' is a blob, not a commit: pass a commit id, branch or tag"
    );
}

#[test]
fn directory_outside_any_repository_suggests_repo_flag() {
    let dir = tempfile::tempdir().expect("temporary directory");

    let error = diff_in(dir.path(), None, Target::WorkTree).expect_err("not a repo");

    assert_eq!(
        error.to_string(),
        format!(
            "not a git repository (or any parent directory): {}: run Handoff inside a repository or pass --repo DIR",
            dir.path().display()
        )
    );
}

#[test]
fn staged_mode_on_an_unborn_head_compares_with_the_empty_tree() {
    let fixture = Fixture::new();
    fixture.write("src/first.ts", "a\nb\n");
    fixture.write("notes.txt", "not staged\n");
    fixture.git(&["add", "src/first.ts"]);

    let change_set = fixture.diff(None, Target::Index).expect("diff");

    assert_eq!(change_set.base, "0".repeat(40));
    assert_eq!(change_set.head, "INDEX");
    let file = only_file(&change_set);
    assert_eq!(file.status, FileStatus::Added);
    assert_eq!(file.changed_lines, ranges(&[(1, 2)]));
}

#[test]
fn default_base_on_an_unborn_head_is_an_error() {
    let fixture = Fixture::new();
    let repo = Repository::open(fixture.root()).expect("open");

    assert_eq!(default_base(&repo), Err(DiffError::UnbornHead));
}

#[test]
fn tree_files_of_a_revision_are_the_wanted_text_files() {
    let fixture = Fixture::new();
    fixture.write("src/a.ts", "a\n");
    fixture.write("src/nested/b.ts", "b\n");
    fixture.write("src/logo.ts", b"\0binary");
    fixture.write("README.md", "readme\n");
    let first = fixture.commit_all("first");
    fixture.write("src/c.ts", "later\n");
    fixture.commit_all("second");

    let files = read_tree_files(fixture.root(), Some(&first), &|path| path.ends_with(".ts"))
        .expect("tree files");

    assert_eq!(
        files,
        vec![
            ("src/a.ts".to_string(), "a\n".to_string()),
            ("src/nested/b.ts".to_string(), "b\n".to_string()),
        ]
    );
}

#[test]
fn tree_files_of_the_work_tree_respect_gitignore() {
    let fixture = Fixture::new();
    fixture.write(".gitignore", "node_modules/\n");
    fixture.write("tracked.js", "committed\n");
    fixture.write("deleted.js", "gone soon\n");
    fixture.commit_all("first");
    fixture.write("tracked.js", "edited\n");
    fixture.remove("deleted.js");
    fixture.write("fresh/new.js", "untracked\n");
    fixture.write("node_modules/dep/index.js", "ignored\n");

    let files =
        read_tree_files(fixture.root(), None, &|path| path.ends_with(".js")).expect("tree files");

    assert_eq!(
        files,
        vec![
            ("fresh/new.js".to_string(), "untracked\n".to_string()),
            ("tracked.js".to_string(), "edited\n".to_string()),
        ]
    );
}

#[test]
fn submodule_gitlink_in_the_work_tree_is_skipped_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    let base = fixture.commit_all("first");
    let cacheinfo = format!("160000,{base},vendor/sub");
    fixture.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
    // An uninitialised submodule is an empty directory in the work tree.
    std::fs::create_dir_all(fixture.root().join("vendor/sub")).expect("create directory");

    let change_set = fixture.diff(Some(&base), Target::WorkTree).expect("diff");

    assert!(change_set.files.is_empty());
    assert_eq!(
        change_set.warnings,
        vec!["skipped vendor/sub: submodule (gitlink)"]
    );
}

#[test]
fn untracked_nested_repository_is_skipped_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("README.md", "hello\n");
    fixture.commit_all("first");
    let nested = fixture.root().join("tools/nested");
    std::fs::create_dir_all(&nested).expect("create nested directory");
    run_git(&nested, &["init", "-q"]);
    std::fs::write(nested.join("x.js"), "x();\n").expect("write nested file");

    let change_set = fixture.diff(Some("HEAD"), Target::WorkTree).expect("diff");

    assert!(change_set.files.is_empty(), "{:?}", change_set.files);
    assert_eq!(
        change_set.warnings,
        vec!["skipped tools/nested/: not a regular file (nested repository?)"]
    );
}

#[test]
fn unresolved_conflict_in_the_index_is_skipped_with_a_warning() {
    let fixture = Fixture::new();
    fixture.write("a.js", "base\n");
    fixture.commit_all("first");
    fixture.git(&["checkout", "-q", "-b", "other"]);
    fixture.write("a.js", "other\n");
    fixture.commit_all("other");
    fixture.git(&["checkout", "-q", "main"]);
    fixture.write("a.js", "main\n");
    fixture.commit_all("main");
    let merge = Command::new("git")
        .arg("-C")
        .arg(fixture.root())
        .args(["merge", "-q", "other"])
        .output()
        .expect("run git merge");
    assert!(!merge.status.success(), "the merge must conflict");

    let staged = fixture.diff(None, Target::Index).expect("staged diff");
    let work_tree = fixture
        .diff(Some("HEAD"), Target::WorkTree)
        .expect("work tree diff");

    for change_set in [staged, work_tree] {
        assert!(change_set.files.is_empty());
        assert_eq!(change_set.files_changed, 1);
        assert_eq!(
            change_set.warnings,
            vec!["skipped a.js: unresolved merge conflict"]
        );
    }
}

#[test]
fn work_tree_mode_on_an_unborn_head_treats_every_file_as_added() {
    let fixture = Fixture::new();
    fixture.write("src/main.py", "print('hi')\n");

    let change_set = fixture.diff(None, Target::WorkTree).expect("diff");

    assert_eq!(change_set.base, "0".repeat(40));
    let file = only_file(&change_set);
    assert_eq!(file.status, FileStatus::Added);
    assert_eq!(file.changed_lines, ranges(&[(1, 1)]));
}

#[test]
fn default_base_of_a_head_revision_is_its_own_merge_base_with_main() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    let fork_point = fixture.commit_all("first");
    fixture.git(&["checkout", "-q", "-b", "feature"]);
    fixture.write("feature.js", "feature\n");
    let feature_tip = fixture.commit_all("feature work");
    fixture.git(&["checkout", "-q", "main"]);
    fixture.write("a.js", "1\n2\n");
    fixture.commit_all("main work");

    let change_set = fixture.diff(None, head("feature")).expect("diff");

    assert_eq!(change_set.base, fork_point);
    assert_eq!(change_set.head, feature_tip);
    assert_eq!(only_file(&change_set).path, "feature.js");
}

#[test]
fn shallow_clone_without_shared_history_explains_how_to_fetch_it() {
    let origin = Fixture::new();
    origin.write("a.js", "1\n");
    origin.commit_all("first");
    origin.write("a.js", "1\n2\n");
    origin.commit_all("second");
    let clone = Fixture::shallow_clone_of(&origin);
    clone.git(&["checkout", "-q", "-b", "feature"]);
    clone.write("b.js", "b\n");
    clone.commit_all("feature");
    origin.write("a.js", "1\n2\n3\n");
    origin.commit_all("third");
    origin.write("a.js", "1\n2\n3\n4\n");
    origin.commit_all("fourth");
    clone.git(&["fetch", "-q", "--depth", "1", "origin"]);

    let error = clone
        .diff(None, Target::WorkTree)
        .expect_err("no shared history");

    assert_eq!(
        error.to_string(),
        "HEAD and origin/HEAD share no history in this shallow clone: fetch full history with `actions/checkout` `fetch-depth: 0`, run `git fetch --deepen=100`, or pass --base REV"
    );
}

#[test]
fn a_base_that_comes_after_the_head_is_refused_not_read_backwards() {
    let fixture = Fixture::new();
    fixture.write("a.js", "1\n");
    let older = fixture.commit_all("first");
    fixture.write("a.js", "1\n2\n");
    let newer = fixture.commit_all("second");

    let backwards = fixture
        .diff(Some(&newer), head(&older))
        .expect_err("base after head");
    let from_work_tree = fixture.diff(Some(&newer), Target::WorkTree);

    assert_eq!(
        backwards.to_string(),
        format!(
            "base revision {newer} comes after the head (it is a descendant of it), so the change would read backwards: swap --base and --head, or pass the commit the change started from"
        )
    );
    assert!(from_work_tree.is_ok(), "base == HEAD is an empty change");
    assert!(fixture.diff(Some(&older), head(&newer)).is_ok());
}
