//! Which of the project's own tests exercise which code.
//!
//! A workflow's suite and a change's related tests are the project's real
//! tests: the test files whose imports reach the code, through the
//! repository's import graph (the way `jest --findRelatedTests` picks them),
//! run by the runner the project already has (its package scripts, pytest,
//! Django's test runner, cargo test or nextest), with the whole suite as the
//! fallback when nothing narrower is known.

mod graph;
mod manifests;
mod runner;

pub use graph::ImportGraph;
pub use manifests::{Manifests, is_manifest};
pub use runner::{JsRunner, MAX_FILES_PER_COMMAND, Suite, command_for_tests, whole_suite_for};

use crate::context::{PathContext, by_convention};
use crate::diff::{self, DiffError};
use crate::model::{Ecosystem, Language};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// Folders never read: dependencies and build output.
const SKIPPED_FOLDERS: &[&str] = &[
    "node_modules",
    "dist",
    "build",
    "target",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".next",
    "coverage",
    "site-packages",
    "__pycache__",
];

/// The command a workflow's suite runs, and what it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteCommand {
    /// The shell command (`npm run test -- src/orders.test.ts`).
    pub command: String,
    /// The related test files it runs; empty when it is the whole suite.
    pub tests: Vec<String>,
}

/// The repository's tests, runners and import graph.
#[derive(Debug, Default)]
pub struct TestIndex {
    manifests: Manifests,
    graph: ImportGraph,
    tests: BTreeSet<String>,
}

/// What a [`TestIndex`] is built from: the wanted files of one revision
/// (`(path, text)`) and every path of that revision.
#[derive(Debug, Default)]
pub struct IndexSources {
    /// `(path, text)` of every file [`TestIndex::wants`], sorted by path.
    pub files: Vec<(String, String)>,
    /// Every path of the revision, wanted or not.
    pub paths: BTreeSet<String>,
}

impl IndexSources {
    /// Read revision `rev` (the work tree for `None`) of the repository at
    /// `repo_root`, once.
    ///
    /// # Errors
    /// A [`DiffError`] when the repository or the revision cannot be read.
    pub fn read(repo_root: &Path, rev: Option<&str>) -> Result<IndexSources, DiffError> {
        let seen: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
        let wants = |path: &str| {
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(path.to_string());
            TestIndex::wants(path)
        };
        let files = diff::read_tree_files(repo_root, rev, &wants)?;
        let paths = seen.into_inner().unwrap_or_else(PoisonError::into_inner);
        Ok(IndexSources { files, paths })
    }

    /// The index of these sources.
    pub fn index(&self) -> TestIndex {
        TestIndex::build(&self.files, &self.paths)
    }
}

impl TestIndex {
    /// Whether the index needs to read `path`: source files (tests
    /// included) and manifests, outside dependency and build folders.
    pub fn wants(path: &str) -> bool {
        let skipped = path
            .split('/')
            .any(|segment| SKIPPED_FOLDERS.contains(&segment));
        !skipped && (Language::from_path(path).is_some() || is_manifest(path))
    }

    /// Index `files` (`(path, text)` of every file [`TestIndex::wants`]);
    /// `paths` are all the files of the repository (lockfiles are told by
    /// their presence).
    pub fn build(files: &[(String, String)], paths: &BTreeSet<String>) -> TestIndex {
        let manifests = Manifests::read(files.iter().map(|(p, t)| (p.as_str(), t.as_str())), paths);
        let sources: Vec<(String, String)> = files
            .iter()
            .filter(|(path, _)| Language::from_path(path).is_some())
            .cloned()
            .collect();
        let graph = ImportGraph::build(&sources, &manifests);
        let tests = sources
            .iter()
            .filter(|(path, text)| is_test_file(&manifests, path, text))
            .map(|(path, _)| path.clone())
            .collect();
        TestIndex {
            manifests,
            graph,
            tests,
        }
    }

    /// Every test file of the repository.
    pub fn tests(&self) -> &BTreeSet<String> {
        &self.tests
    }

    /// The manifests the index read.
    pub fn manifests(&self) -> &Manifests {
        &self.manifests
    }

    /// The test files whose imports reach any of `paths` (test files among
    /// `paths` included).
    pub fn related_tests<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        self.graph
            .reaching(paths)
            .into_iter()
            .filter(|path| self.tests.contains(path))
            .collect()
    }

    /// The command that verifies code in `paths`: its related tests run by
    /// their runners, else the whole suites that own `paths`.
    pub fn suite_command(&self, paths: &BTreeSet<String>) -> Option<SuiteCommand> {
        let related = self.related_tests(paths.iter().map(String::as_str));
        if let Some(command) = command_for_tests(&self.manifests, &related) {
            return Some(SuiteCommand {
                command,
                tests: related.into_iter().collect(),
            });
        }
        whole_suite_for(&self.manifests, paths).map(|command| SuiteCommand {
            command,
            tests: Vec::new(),
        })
    }

    /// The whole suite of one ecosystem (the root-most runner), for a
    /// repository whose workflows were not inferred.
    pub fn whole_suite(&self, ecosystem: Ecosystem) -> Option<String> {
        let owned: BTreeSet<String> = self
            .tests
            .iter()
            .filter(|path| Language::from_path(path).map(Language::ecosystem) == Some(ecosystem))
            .take(1)
            .cloned()
            .collect();
        whole_suite_for(&self.manifests, &owned)
    }
}

/// Whether a source file is a test a runner collects: `test_*.py`,
/// `*_test.py`, Django's `tests.py`; `*.test.ts`, `*.spec.js`, files under
/// `__tests__/` (and under `test/` for mocha); a Rust crate's `tests/*.rs`
/// or a file with a `#[cfg(test)]` module or `#[test]` functions.
fn is_test_file(manifests: &Manifests, path: &str, text: &str) -> bool {
    let Some(language) = Language::from_path(path) else {
        return false;
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    match language.ecosystem() {
        Ecosystem::Python => {
            stem != "conftest"
                && (stem.starts_with("test") || stem.ends_with("_test") || stem.ends_with("_tests"))
        }
        Ecosystem::Js => {
            if name.contains(".test.") || name.contains(".spec.") || path.contains("__tests__/") {
                return true;
            }
            by_convention(path) == PathContext::Test
                && matches!(
                    runner::owner(manifests, path),
                    Some((
                        Suite::Js {
                            runner: runner::JsRunner::Mocha,
                            ..
                        },
                        _
                    ))
                )
        }
        Ecosystem::Rust => {
            let in_tests_folder = manifests.rust_crate_of(path).is_some_and(|krate| {
                let tests = manifests::join(&krate.dir, "tests");
                manifests::is_ancestor(&tests, path)
            });
            in_tests_folder || text.contains("#[cfg(test)]") || text.contains("#[test]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(files: &[(&str, &str)]) -> TestIndex {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| ((*p).to_string(), (*t).to_string()))
            .collect();
        let paths = files.iter().map(|(p, _)| p.clone()).collect();
        TestIndex::build(&files, &paths)
    }

    fn command(index: &TestIndex, path: &str) -> Option<String> {
        let paths: BTreeSet<String> = [path.to_string()].into();
        index.suite_command(&paths).map(|suite| suite.command)
    }

    #[test]
    fn runners_built_into_the_runtime_run_the_related_tests() {
        for (script, expected) in [
            (
                "NODE_ENV=test deno test -A --parallel",
                "cd apps/web && npm run test -- src/alerts.test.ts",
            ),
            (
                "bun test",
                "cd apps/web && npm run test -- src/alerts.test.ts",
            ),
            (
                "node --test",
                "cd apps/web && npm run test -- src/alerts.test.ts",
            ),
        ] {
            let manifest =
                format!("{{\"name\": \"web\", \"scripts\": {{\"test\": \"{script}\"}}}}");
            let index = index(&[
                ("apps/web/package.json", &manifest),
                ("apps/web/src/alerts.ts", "export const alert = () => 1;\n"),
                (
                    "apps/web/src/alerts.test.ts",
                    "import { alert } from './alerts';\nalert();\n",
                ),
            ]);
            assert_eq!(
                command(&index, "apps/web/src/alerts.ts").as_deref(),
                Some(expected),
                "{script}"
            );
        }
    }
}
