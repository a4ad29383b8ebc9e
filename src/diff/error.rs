//! Errors of the diff module: each one renders as a single line that names the cause and
//! the fix, because the CLI prints it as is and exits with code 2.

use std::fmt;
use std::path::Path;

/// Which side of the comparison a revision was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionRole {
    /// The `--base` revision.
    Base,
    /// The `--head` revision.
    Head,
    /// The revision whose tree a whole-repository scan reads.
    Scan,
}

impl fmt::Display for RevisionRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RevisionRole::Base => "base",
            RevisionRole::Head => "head",
            RevisionRole::Scan => "scan",
        })
    }
}

/// Why a change set or a tree could not be read.
///
/// Every variant's `Display` is one line: what failed, then what to do about it. Text
/// that comes from the user or from git (revision names, paths, libgit2 messages) is
/// flattened to one line when the error is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// No repository at or above the given directory.
    #[error(
        "not a git repository (or any parent directory): {path}: run Handoff inside a repository or pass --repo DIR"
    )]
    NotARepository {
        /// The directory discovery started from.
        path: String,
    },
    /// The repository has no work tree but the request needs one.
    #[error(
        "repository {path} is bare (no work tree): pass --head REV to compare commits, or run Handoff in a checkout"
    )]
    NoWorkTree {
        /// The repository's git directory.
        path: String,
    },
    /// A revision is missing from a shallow clone.
    #[error(
        "{role} revision {spec} is not in this clone (shallow clone?): fetch full history with `actions/checkout` `fetch-depth: 0`, or run `git fetch --deepen=100`"
    )]
    ShallowMissingRevision {
        /// Which revision was being resolved.
        role: RevisionRole,
        /// The revision as the user wrote it.
        spec: String,
    },
    /// A revision that does not name anything in a complete repository.
    #[error(
        "unknown revision '{spec}': check the name, or fetch it with `git fetch origin {}`",
        fetch_name(spec)
    )]
    UnknownRevision {
        /// The revision as the user wrote it.
        spec: String,
    },
    /// An abbreviated object id that matches several objects.
    #[error(
        "ambiguous revision '{spec}': use more hex digits of the commit id, or a branch or tag name"
    )]
    AmbiguousRevision {
        /// The revision as the user wrote it.
        spec: String,
    },
    /// A revision that names a tree or a blob instead of a commit.
    #[error("{role} revision '{spec}' is a {kind}, not a commit: pass a commit id, branch or tag")]
    NotACommit {
        /// Which revision was being resolved.
        role: RevisionRole,
        /// The revision as the user wrote it.
        spec: String,
        /// The kind of object it names (`tree`, `blob`, …).
        kind: String,
    },
    /// HEAD has no commit yet, so there is nothing to take a merge-base with.
    #[error(
        "HEAD has no commits yet, so there is no default base: commit first, pass --staged, or pass --base REV"
    )]
    UnbornHead,
    /// None of `origin/HEAD`, `origin/main`, `main` gives a merge-base with HEAD.
    #[error(
        "no default base found (no merge-base of HEAD with origin/HEAD, origin/main or main): pass --base REV"
    )]
    NoDefaultBase,
    /// The `--base` revision comes after the head: a descendant of it.
    #[error(
        "base revision {spec} comes after the head (it is a descendant of it), so the change would read backwards: swap --base and --head, or pass the commit the change started from"
    )]
    BaseAfterHead {
        /// The revision as the user wrote it.
        spec: String,
    },
    /// The default branch exists but its shared history with HEAD was not fetched.
    #[error(
        "HEAD and {upstream} share no history in this shallow clone: fetch full history with `actions/checkout` `fetch-depth: 0`, run `git fetch --deepen=100`, or pass --base REV"
    )]
    ShallowNoMergeBase {
        /// The upstream ref that was found (`origin/main`, …).
        upstream: String,
    },
    /// The threads that read and analyse a whole tree could not start.
    #[error("cannot start reader threads: {reason}: lower RAYON_NUM_THREADS")]
    Threads {
        /// The operating system's reason.
        reason: String,
    },
    /// Any other libgit2 failure, with what Handoff was doing at the time.
    #[error("git error while {context}: {message}: check that `git status` works in {repo}")]
    Git {
        /// What Handoff was doing, e.g. `reading the index`.
        context: String,
        /// libgit2's message.
        message: String,
        /// The repository (or the directory) involved.
        repo: String,
    },
}

impl DiffError {
    /// Wraps a libgit2 error with what was being done and where.
    pub(crate) fn git(context: impl Into<String>, repo: &Path, error: &git2::Error) -> Self {
        DiffError::Git {
            context: one_line(&context.into()),
            message: one_line(error.message().trim_end_matches(['.', ' '])),
            repo: one_line(&repo.display().to_string()),
        }
    }
}

/// Flattens text that came from the user or from git so that it cannot break the
/// one-line promise: control characters (newlines included) are escaped.
pub(crate) fn one_line(text: &str) -> String {
    let mut flat = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            flat.extend(c.escape_default());
        } else {
            flat.push(c);
        }
    }
    flat
}

/// The name to fetch for a revision: `origin/main` is fetched as `main`
/// (`git fetch origin origin/main` fails).
fn fetch_name(spec: &str) -> &str {
    spec.strip_prefix("origin/")
        .or_else(|| spec.strip_prefix("refs/remotes/origin/"))
        .unwrap_or(spec)
}
