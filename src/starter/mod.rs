//! `handoff init`: a starter configuration inferred from the repository.
//!
//! It detects the ecosystems in the work tree, parses the production
//! sources, finds the route handlers, consumers, jobs and spawned background
//! workers that reach other systems (seeing through the project's helpers,
//! files away: the `reach` module),
//! groups them into workflows named after the business noun they act on
//! (producers and consumers of one topic or task joined), picks each
//! workflow's suite from the project's own tests and runners, and writes
//! the commented `.handoff.yml`; it also writes the GitHub workflows that
//! run the Action and the selected suites, and the pre-commit snippet.

mod entries;
mod infer;
mod names;
mod reach;
mod registry;
mod yaml;

pub use entries::{EntryPoint, LeftOut};
pub use infer::{InferredWorkflow, Omissions};
pub use yaml::{ecosystems_line, handoff_yml, summary_line};

use crate::config::Config;
use crate::diff::DiffError;
use crate::flow::derived::Summaries;
use crate::home;
use crate::lang;
use crate::model::{Ecosystem, FileModel, Language};
use crate::related::{IndexSources, Manifests, SuiteCommand, TestIndex, whole_suite_for};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// At most this many source files are parsed.
const MAX_FILES: usize = 5000;

/// At most this many workflows are written: a file a maintainer reads.
pub const MAX_WORKFLOWS: usize = 12;

/// At most this many whole suites are proposed for `always`.
const MAX_WHOLE_SUITES: usize = 4;

/// Folders whose code starts no workflow of the product, beyond the tests,
/// examples, docs, generated and vendored code [`crate::context`] sets apart.
const SKIPPED_FOLDERS: &[&str] = &["migrations", "alembic", "scripts", "node_modules"];

/// A workflow with the suite that verifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarterWorkflow {
    /// The inferred workflow.
    pub workflow: InferredWorkflow,
    /// Its suite from the project's tests, when a runner was found.
    pub suite: Option<SuiteCommand>,
}

/// What `handoff init` found in a repository.
#[derive(Debug, Clone, Default)]
pub struct Detected {
    /// Production source files per ecosystem.
    pub ecosystems: BTreeMap<Ecosystem, usize>,
    /// Package manifests at the root (`package.json`, `pyproject.toml`, `Cargo.toml`).
    pub manifests: Vec<String>,
    /// Inferred workflows, most boundaries first.
    pub workflows: Vec<StarterWorkflow>,
    /// What was left out, and why.
    pub omissions: Omissions,
    /// The test files of the repository.
    pub tests: usize,
    /// The whole suite of each ecosystem with a runner (for `always`).
    pub whole_suites: Vec<String>,
    /// Whether more files existed than were parsed.
    pub truncated: bool,
}

/// Detect ecosystems and infer workflows from the work tree at `repo_root`.
pub fn detect(repo_root: &Path, config: &Config) -> Result<Detected, DiffError> {
    let repository = IndexSources::read(repo_root, None)?;
    let files = &repository.files;
    let mut detected = Detected::default();
    for (manifest, ecosystem) in [
        ("package.json", Ecosystem::Js),
        ("pyproject.toml", Ecosystem::Python),
        ("requirements.txt", Ecosystem::Python),
        ("setup.py", Ecosystem::Python),
        ("Cargo.toml", Ecosystem::Rust),
    ] {
        if repo_root.join(manifest).is_file() {
            detected.manifests.push(manifest.to_string());
            detected.ecosystems.entry(ecosystem).or_insert(0);
        }
    }
    let sources: Vec<(&str, &str, Language)> = files
        .iter()
        .filter_map(|(path, text)| {
            let language = Language::from_path(path)?;
            is_product_code(path, config).then_some((path.as_str(), text.as_str(), language))
        })
        .collect();
    detected.truncated = sources.len() > MAX_FILES;
    let sources = &sources[..sources.len().min(MAX_FILES)];
    for (_, _, language) in sources {
        *detected.ecosystems.entry(language.ecosystem()).or_insert(0) += 1;
    }
    let index = repository.index();
    let entries = find_all_entries(sources, config, index.manifests(), &mut detected.omissions);
    let workflows = infer::infer(&entries, MAX_WORKFLOWS, &mut detected.omissions);
    detected.tests = index.tests().len();
    detected.workflows = workflows
        .into_iter()
        .map(|workflow| StarterWorkflow {
            suite: index.suite_command(&workflow.paths),
            workflow,
        })
        .collect();
    detected.whole_suites = whole_suites(&index, detected.ecosystems.keys().copied().collect());
    Ok(detected)
}

/// The whole suite of every runner that owns some of the project's test
/// files, most test files first, at most [`MAX_WHOLE_SUITES`]: a monorepo's
/// unit and end-to-end suites, each crate's and each package's tests, and
/// not only the suite of the first test file in path order.
fn whole_suites(index: &TestIndex, ecosystems: BTreeSet<Ecosystem>) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for test in index.tests() {
        let Some(language) = Language::from_path(test) else {
            continue;
        };
        if !ecosystems.contains(&language.ecosystem()) {
            continue;
        }
        let one = BTreeSet::from([test.clone()]);
        if let Some(command) = whole_suite_for(index.manifests(), &one) {
            *counts.entry(command).or_default() += 1;
        }
    }
    let mut suites: Vec<(String, usize)> = counts.into_iter().collect();
    suites.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    suites
        .into_iter()
        .take(MAX_WHOLE_SUITES)
        .map(|(command, _)| command)
        .collect()
}

/// Whether a file is code of the product: not a test, example, doc,
/// generated or vendored file, migration or script, nor ignored.
fn is_product_code(path: &str, config: &Config) -> bool {
    let skipped = path
        .split('/')
        .any(|segment| SKIPPED_FOLDERS.contains(&segment));
    !skipped && !config.is_ignored(path) && config.path_context(path).is_production()
}

/// The entry points of every file, each file seen through its own helpers
/// and, chain after chain, the helpers of the files it imports
/// ([`reach::Reach`]).
fn find_all_entries(
    sources: &[(&str, &str, Language)],
    config: &Config,
    manifests: &Manifests,
    omissions: &mut Omissions,
) -> Vec<EntryPoint> {
    let models: Vec<FileModel> = sources
        .par_iter()
        .map(|(_, text, language)| {
            let mut model = lang::parse(*language, text);
            reach::declare_bound_functions(&mut model);
            model
        })
        .collect();
    let files: Vec<reach::ReachFile<'_>> = sources
        .iter()
        .zip(&models)
        .map(|((path, source, language), model)| reach::ReachFile {
            path,
            source,
            language: *language,
            model,
        })
        .collect();
    let reach = reach::Reach::read(&files, manifests, config);
    let registry = registry::Registry::read(
        &sources
            .iter()
            .zip(&models)
            .map(|((path, source, language), model)| registry::RegistryFile {
                path,
                source,
                language: *language,
                model,
                knowledge: config.knowledge.for_ecosystem(language.ecosystem()),
            })
            .collect::<Vec<_>>(),
    );
    let found: Vec<entries::FileEntries> = sources
        .par_iter()
        .zip(models.par_iter())
        .enumerate()
        .map(|(index, ((path, text, language), model))| {
            let packs = config.knowledge.for_ecosystem(language.ecosystem());
            let mut summaries = Summaries::new(
                model,
                packs,
                Box::new(|function: &crate::model::Function| {
                    format!("line {}", function.span.start_line)
                }),
            );
            for (name, summary) in reach.imported(index) {
                summaries.add_imported(&name, summary);
            }
            let knowledge = summaries.knowledge();
            let file = entries::SourceFile {
                path,
                source: text,
                language: *language,
                model,
            };
            entries::find_entries(&file, &registry, &knowledge)
        })
        .collect();
    let mut all = Vec::new();
    for file in found {
        omissions.add(file.left_out);
        all.extend(file.entries);
    }
    all
}

/// The example workflows shipped with the Action (`examples/workflows/`),
/// which `handoff init` adapts: one source for both. The first analyses each
/// pull request with a read-only token; the second posts its results.
const EXAMPLE_WORKFLOWS: [(&str, &str); 2] = [
    (
        ".github/workflows/handoff.yml",
        include_str!("../../examples/workflows/handoff.yml"),
    ),
    (
        ".github/workflows/handoff-comment.yml",
        include_str!("../../examples/workflows/handoff-comment.yml"),
    ),
];

/// The line of the examples that uses the action from its own repository.
const SELF_USE_PREFIX: &str = "uses: ./";

/// A workflow file `handoff init` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowFile {
    /// Its path from the repository root.
    pub path: &'static str,
    /// Its text.
    pub text: String,
}

/// The GitHub Actions workflows: Handoff on every pull request with a
/// read-only token (SARIF in code scanning, then the selected workflow
/// suites as a matrix), and the `workflow_run` companion that posts the
/// review and the summary comment, forks included. They are the Action's
/// example workflows with the action pinned to `commit` (this release's, see
/// [`home::release_commit`]) or, when it is unknown, referenced by tag.
pub fn github_workflows(commit: Option<&str>) -> Vec<WorkflowFile> {
    EXAMPLE_WORKFLOWS
        .iter()
        .map(|(path, example)| WorkflowFile {
            path,
            text: adapt_example(example, commit),
        })
        .collect()
}

fn adapt_example(example: &str, commit: Option<&str>) -> String {
    let tag = home::tag();
    let mut out = String::from(
        "# Written by `handoff init`: handoff.yml analyses each pull request with a
# read-only token and uploads the results; handoff-comment.yml posts them as
# review comments and one summary comment, forks included, without running
# the pull request's code.
",
    );
    if commit.is_none() {
        let _ = writeln!(
            out,
            "# Pin the action to the commit of the {tag} release:\n# `uses: {}@<40-character commit sha> # {tag}`.",
            home::REPOSITORY
        );
    }
    let reference = home::action_reference(commit);
    let body = example
        .lines()
        .skip_while(|line| line.starts_with('#'))
        .map(|line| match line.find(SELF_USE_PREFIX) {
            Some(at) => format!("{}uses: {reference}", &line[..at]),
            None => line.to_string(),
        });
    for line in body {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The `.pre-commit-config.yaml` snippet for the fast hook (it installs the
/// prebuilt wheel).
pub fn pre_commit_snippet() -> String {
    format!(
        "repos:
  - repo: {}
    rev: {}
    hooks:
      - id: handoff
",
        home::pre_commit_repository_url(),
        home::tag()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_migrations_and_scripts_are_not_product_code() {
        let config = Config::builtin().expect("built-in configuration");
        assert!(!is_product_code("src/__tests__/checkout.js", &config));
        assert!(!is_product_code("src/checkout.test.ts", &config));
        assert!(!is_product_code("app/tests/test_orders.py", &config));
        assert!(!is_product_code(
            "shop/migrations/0004_backfill.py",
            &config
        ));
        assert!(!is_product_code("node_modules/x/index.js", &config));
        assert!(!is_product_code("examples/express/app.js", &config));
        assert!(is_product_code("src/checkout.js", &config));
    }

    #[test]
    fn starter_without_workflows_still_parses_as_configuration() {
        let text = handoff_yml(&Detected::default());
        let config = Config::parse(&text, ".handoff.yml").expect("starter parses");
        assert!(config.file.workflows.is_empty());
    }
}
