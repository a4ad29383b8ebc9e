//! One place for the project's home: every file that names the repository,
//! the image, the pre-commit mirror, the PyPI package or a release names the
//! ones `handoff::home` and `Cargo.toml` decide. Publishing under another
//! name is a change to `home::REPOSITORY` and `Cargo.toml`; this test then
//! lists every file that still names the old one.

use handoff::home::{PYPI_PACKAGE, REPOSITORY, VERSION};
use std::path::Path;

/// The files that name where Handoff is published.
const FILES: &[&str] = &[
    "README.md",
    "action.yml",
    "Dockerfile",
    "pyproject.toml",
    "pre-commit-mirror/pyproject.toml",
    "pre-commit-mirror/.pre-commit-hooks.yaml",
    ".github/workflows/release.yml",
    "examples/workflows/handoff.yml",
    "examples/workflows/handoff-comment.yml",
    "schemas/handoff.schema.json",
];

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_file_names_the_one_home() {
    // `github.com/<owner>/handoff...`, `ghcr.io/<owner>/handoff`,
    // `raw.githubusercontent.com/<owner>/handoff`, `<owner>/handoff@<ref>`.
    let mention = regex::Regex::new(
        r"(?:github\.com/|ghcr\.io/|githubusercontent\.com/|uses: )([A-Za-z0-9_.-]+)/(handoff[A-Za-z0-9_.-]*)",
    )
    .expect("regex");
    let (owner, name) = REPOSITORY.split_once('/').expect("owner/name");
    let mut stale = Vec::new();
    let mut seen = 0;
    for file in FILES {
        let text = read(file);
        for found in mention.captures_iter(&text) {
            seen += 1;
            let repository = found[2].trim_end_matches(['.', ',']);
            let known = [name.to_string(), format!("{name}-pre-commit")];
            if &found[1] != owner || !known.iter().any(|k| k == repository) {
                stale.push(format!("{file}: {}", &found[0]));
            }
        }
    }
    assert!(seen > 10, "the home is named in the README and the schema");
    assert!(
        stale.is_empty(),
        "files that name another home than {REPOSITORY}:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_release_named_is_this_version() {
    let release = regex::Regex::new(
        r"(?:handoff-v|rev: v|handoff@v|handoff:v|download/v|handoff-review==|handoff@\S+ # v)(\d+\.\d+\.\d+)",
    )
    .expect("regex");
    let mut stale = Vec::new();
    for file in FILES {
        for found in release.captures_iter(&read(file)) {
            if &found[1] != VERSION {
                stale.push(format!("{file}: {}", &found[0]));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "files that name another release than v{VERSION}:\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_python_package_is_the_one_pip_installs() {
    let readme = read("README.md");
    assert!(readme.contains(&format!("pip install {PYPI_PACKAGE}")));
    assert!(read("pyproject.toml").contains(&format!("name = \"{PYPI_PACKAGE}\"")));
    assert!(
        read(".github/workflows/release.yml")
            .contains(&format!("https://pypi.org/p/{PYPI_PACKAGE}"))
    );
}
