//! Where Handoff is published, decided once: the repository, the version and
//! the names of the packages. `handoff init`, the JSON Schema URL, the
//! README's install commands, the Action's install step and the release
//! files all follow from here and from `Cargo.toml` (`repository`, `version`),
//! which a test keeps equal to these constants; publishing under another name
//! is a change to [`REPOSITORY`] and `Cargo.toml`, and the same test lists
//! every file still naming the old one.

/// The canonical GitHub repository, `owner/name`.
pub const REPOSITORY: &str = "handoff-dev/handoff";

/// The version of this build (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The distribution name of the wheels on PyPI (`pip install handoff-review`);
/// `handoff` itself is taken there.
pub const PYPI_PACKAGE: &str = "handoff-review";

/// The commit a release build was made from: the release workflow sets
/// `HANDOFF_RELEASE_COMMIT` to the tagged commit when it compiles, so `handoff
/// init` can pin the action to it. Absent in other builds.
const RELEASE_COMMIT: Option<&str> = option_env!("HANDOFF_RELEASE_COMMIT");

/// The release tag of this version, `v0.1.0`.
pub fn tag() -> String {
    format!("v{VERSION}")
}

/// The commit of this release, when this binary is a release build (a full
/// 40-character hexadecimal SHA-1, anything else is ignored).
pub fn release_commit() -> Option<&'static str> {
    RELEASE_COMMIT.filter(|sha| is_commit_sha(sha))
}

/// Whether `text` is a full commit SHA-1 (40 hexadecimal digits).
pub fn is_commit_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `https://github.com/owner/name`.
pub fn repository_url() -> String {
    format!("https://github.com/{REPOSITORY}")
}

/// The URL of the configuration's JSON Schema at this version's tag.
pub fn schema_url() -> String {
    format!(
        "https://raw.githubusercontent.com/{REPOSITORY}/{}/schemas/handoff.schema.json",
        tag()
    )
}

/// How a workflow refers to the action: pinned to the release commit with
/// the tag in a comment when the commit is known (`owner/name@<sha> # v0.1.0`),
/// else by tag.
pub fn action_reference(commit: Option<&str>) -> String {
    match commit {
        Some(sha) => format!("{REPOSITORY}@{sha} # {}", tag()),
        None => format!("{REPOSITORY}@{}", tag()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_toml_names_the_same_repository() {
        assert_eq!(env!("CARGO_PKG_REPOSITORY"), repository_url());
    }

    #[test]
    fn the_action_is_pinned_by_commit_with_the_tag_in_a_comment() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            action_reference(Some(sha)),
            format!("{REPOSITORY}@{sha} # v{VERSION}")
        );
        assert_eq!(action_reference(None), format!("{REPOSITORY}@v{VERSION}"));
        assert!(is_commit_sha(sha));
        assert!(!is_commit_sha("v0.1.0"));
        assert!(!is_commit_sha(&sha[1..]));
    }
}
