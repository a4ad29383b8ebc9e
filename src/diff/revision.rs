//! Turning revision names into commits, and finding the default base of a change.

use git2::{Commit, ErrorCode, Oid, Repository};

use super::error::{DiffError, RevisionRole, one_line};

/// The branches a pull request is usually compared against, in order of preference:
/// the remote's default branch, then `main` on the remote, then a local `main`.
const DEFAULT_BRANCHES: [(&str, &str); 3] = [
    ("origin/HEAD", "refs/remotes/origin/HEAD"),
    ("origin/main", "refs/remotes/origin/main"),
    ("main", "refs/heads/main"),
];

/// Resolves any revspec git understands (sha, abbreviated sha, branch, tag, `HEAD~3`)
/// to a commit, with an error that says how to get the revision when it is missing.
pub(crate) fn resolve_commit<'r>(
    repo: &'r Repository,
    spec: &str,
    role: RevisionRole,
) -> Result<Commit<'r>, DiffError> {
    let object = repo
        .revparse_single(spec)
        .map_err(|error| revision_error(repo, spec, role, &error))?;
    object.peel_to_commit().map_err(|_| DiffError::NotACommit {
        role,
        spec: one_line(spec),
        kind: object
            .kind()
            .map_or("object", |kind| kind.str())
            .to_string(),
    })
}

/// Explains a revision that libgit2 could not parse or find.
fn revision_error(
    repo: &Repository,
    spec: &str,
    role: RevisionRole,
    error: &git2::Error,
) -> DiffError {
    match error.code() {
        ErrorCode::NotFound | ErrorCode::InvalidSpec => {
            // A shallow clone lacks old commits, so a commit id or an ancestor walk
            // (`main~5`) that fails is most likely beyond the fetched depth; a branch
            // name that fails is more likely just not fetched.
            if repo.is_shallow() && names_history(spec) {
                DiffError::ShallowMissingRevision {
                    role,
                    spec: one_line(spec),
                }
            } else {
                DiffError::UnknownRevision {
                    spec: one_line(spec),
                }
            }
        }
        ErrorCode::Ambiguous => DiffError::AmbiguousRevision {
            spec: one_line(spec),
        },
        _ => DiffError::git(
            format!("resolving {role} revision '{spec}'"),
            repo.path(),
            error,
        ),
    }
}

/// Whether a revspec names a point in history (a commit id or an ancestor of something)
/// rather than a ref name.
fn names_history(spec: &str) -> bool {
    let is_commit_id =
        (4..=40).contains(&spec.len()) && spec.bytes().all(|b| b.is_ascii_hexdigit());
    is_commit_id || spec.contains(['~', '^'])
}

/// The commit HEAD points at, or `None` while HEAD is unborn (no commit yet).
pub(crate) fn head_commit_id(repo: &Repository) -> Result<Option<Oid>, DiffError> {
    match repo.head() {
        Ok(reference) => reference
            .peel_to_commit()
            .map(|commit| Some(commit.id()))
            .map_err(|error| {
                DiffError::git("reading the commit HEAD points at", repo.path(), &error)
            }),
        Err(error) if matches!(error.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            Ok(None)
        }
        Err(error) => Err(DiffError::git("reading HEAD", repo.path(), &error)),
    }
}

/// The default base of a change made on HEAD: the merge-base of HEAD with the remote's
/// default branch (`origin/HEAD`), else with `origin/main`, else with a local `main`.
///
/// # Errors
/// [`DiffError::UnbornHead`] when HEAD has no commit, [`DiffError::ShallowNoMergeBase`]
/// when a shallow clone lacks the shared history, [`DiffError::NoDefaultBase`] when no
/// candidate branch exists or none shares history with HEAD.
pub fn default_base(repo: &Repository) -> Result<Oid, DiffError> {
    let head = head_commit_id(repo)?.ok_or(DiffError::UnbornHead)?;
    default_base_for(repo, head)
}

/// The default base for a change whose tip is `tip` (HEAD, or the `--head` commit).
pub(crate) fn default_base_for(repo: &Repository, tip: Oid) -> Result<Oid, DiffError> {
    for (name, refname) in DEFAULT_BRANCHES {
        let Some(upstream) = branch_tip(repo, refname)? else {
            continue;
        };
        match repo.merge_base(tip, upstream) {
            Ok(base) => return Ok(base),
            Err(error) if error.code() == ErrorCode::NotFound => {
                if repo.is_shallow() {
                    return Err(DiffError::ShallowNoMergeBase {
                        upstream: name.to_string(),
                    });
                }
                // Unrelated histories: a later candidate may still share history.
            }
            Err(error) => {
                return Err(DiffError::git(
                    format!("computing the merge-base of HEAD and {name}"),
                    repo.path(),
                    &error,
                ));
            }
        }
    }
    Err(DiffError::NoDefaultBase)
}

/// The commit a ref points at, following symbolic refs; `None` when the ref does not
/// exist or dangles (an `origin/HEAD` left behind by a deleted branch).
fn branch_tip(repo: &Repository, refname: &str) -> Result<Option<Oid>, DiffError> {
    let reference = match repo.find_reference(refname) {
        Ok(reference) => reference,
        Err(error) if error.code() == ErrorCode::NotFound => return Ok(None),
        Err(error) => {
            return Err(DiffError::git(
                format!("reading {refname}"),
                repo.path(),
                &error,
            ));
        }
    };
    Ok(reference
        .resolve()
        .and_then(|resolved| resolved.peel_to_commit())
        .ok()
        .map(|commit| commit.id()))
}
