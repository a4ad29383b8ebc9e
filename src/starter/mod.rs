//! `handoff init`: a starter configuration inferred from the repository.
//!
//! It detects the ecosystems in the work tree, parses the source files, finds
//! route handlers that reach other systems and the message consumers and jobs
//! of the topics they publish, and turns them into commented workflows for
//! `.handoff.yml`; it also writes the GitHub workflow that runs the Action and
//! the selected suites, and the pre-commit snippet.

use crate::config::Config;
use crate::diff::{self, DiffError};
use crate::flow::{ScopeWalker, destination};
use crate::gate::handler_entry;
use crate::home;
use crate::knowledge::{HandlerRole, SinkKind};
use crate::model::{Ecosystem, Language};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// At most this many source files are parsed.
const MAX_FILES: usize = 5000;

/// At most this many workflows are written.
const MAX_WORKFLOWS: usize = 12;

/// Path segments that never name a workflow (`/api/v1/orders` → `orders`).
const NOISE_SEGMENTS: &[&str] = &["api", "rest", "graphql", "internal", "public", "admin"];

/// Folders and file names that hold tests, fixtures or generated code.
const SKIPPED_DIRECTORIES: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "fixtures",
    "e2e",
    "node_modules",
    "vendor",
    "dist",
    "build",
    "target",
    ".venv",
    "venv",
    "migrations",
    "examples",
];

/// A workflow inferred from handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredWorkflow {
    /// Its name (`checkout`), a lowercase slug.
    pub name: String,
    /// The files of its handlers, sorted.
    pub paths: BTreeSet<String>,
    /// The topics its route publishes and its consumers consume, sorted.
    pub topics: BTreeSet<String>,
    /// Where it came from, one phrase each (`POST /checkout (src/app.js:3) publishes order.created`).
    pub evidence: Vec<String>,
    /// The ecosystem of its first handler (for the suite command hint).
    pub ecosystem: Ecosystem,
}

/// What `handoff init` found in a repository.
#[derive(Debug, Clone, Default)]
pub struct Detected {
    /// Source files per ecosystem.
    pub ecosystems: BTreeMap<Ecosystem, usize>,
    /// Package manifests at the root (`package.json`, `pyproject.toml`, `Cargo.toml`).
    pub manifests: Vec<String>,
    /// Inferred workflows, by name.
    pub workflows: Vec<InferredWorkflow>,
    /// Whether more files existed than were parsed.
    pub truncated: bool,
}

/// A route, consumer or job found in one file.
struct HandlerFound {
    role: HandlerRole,
    label: String,
    topic: Option<String>,
    path: String,
    line: u32,
    language: Language,
    publishes: BTreeSet<String>,
    reaches_out: bool,
}

/// Detect ecosystems and infer workflows from the work tree at `repo_root`.
pub fn detect(repo_root: &Path, config: &Config) -> Result<Detected, DiffError> {
    let wants = |path: &str| Language::from_path(path).is_some() && !is_skipped(path);
    let files = diff::read_tree_files(repo_root, None, &wants)?;
    let mut detected = Detected {
        truncated: files.len() > MAX_FILES,
        ..Detected::default()
    };
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
    let mut handlers = Vec::new();
    for (path, text) in files.iter().take(MAX_FILES) {
        let Some(language) = Language::from_path(path) else {
            continue;
        };
        *detected.ecosystems.entry(language.ecosystem()).or_insert(0) += 1;
        handlers.extend(find_handlers(path, text, language, config));
    }
    detected.workflows = infer_workflows(&handlers);
    Ok(detected)
}

fn is_skipped(path: &str) -> bool {
    let mut segments = path.split('/');
    let file = segments.next_back().unwrap_or(path);
    segments.any(|s| SKIPPED_DIRECTORIES.contains(&s))
        || file.contains(".test.")
        || file.contains(".spec.")
        || file.starts_with("test_")
        || file.ends_with("_test.py")
}

fn find_handlers(path: &str, text: &str, language: Language, config: &Config) -> Vec<HandlerFound> {
    let model = crate::lang::parse(language, text);
    let knowledge = config.knowledge.for_ecosystem(language.ecosystem());
    let walker = ScopeWalker::new(knowledge, &model);
    let mut found: BTreeMap<usize, HandlerFound> = BTreeMap::new();
    walker.walk(&model, &mut |call, state| {
        let (Some(handler), Some(role)) = (state.handler, state.role) else {
            return;
        };
        let entry = found.entry(handler.span.start_byte).or_insert_with(|| {
            let entry = handler_entry(handler, role, state.handler_topic.map(str::to_string));
            HandlerFound {
                role,
                label: entry.label,
                topic: entry.topic,
                path: path.to_string(),
                line: entry.line,
                language,
                publishes: BTreeSet::new(),
                reaches_out: false,
            }
        });
        if state.transaction.is_some() || knowledge.is_transaction_opener(call) {
            entry.reaches_out = true;
        }
        if let Some(sink) = knowledge.sink(call) {
            entry.reaches_out = true;
            if sink.kind == SinkKind::Event
                && let Some(topic) = destination(call)
            {
                entry.publishes.insert(topic);
            }
        }
    });
    found.into_values().collect()
}

/// A lowercase slug: letters and digits, other runs become one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `/api/v1/orders/:id/cancel` → `orders`.
fn name_from_route(route: &str) -> Option<String> {
    route
        .split('/')
        .filter(|s| !s.is_empty())
        .filter(|s| !s.starts_with([':', '{', '<', '[', '*', '$']))
        .filter(|s| !NOISE_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()))
        .filter(|s| !is_version(s))
        .map(slug)
        .find(|s| !s.is_empty())
}

fn is_version(segment: &str) -> bool {
    let rest = segment.strip_prefix(['v', 'V']).unwrap_or(segment);
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
}

/// `order.created` → `order`; `send_receipt` → `send-receipt`.
fn name_from_topic(topic: &str) -> Option<String> {
    topic
        .split(['.', ':', '/'])
        .map(slug)
        .find(|s| !s.is_empty())
}

fn infer_workflows(handlers: &[HandlerFound]) -> Vec<InferredWorkflow> {
    let mut workflows: Vec<InferredWorkflow> = Vec::new();
    let mut ordered: Vec<&HandlerFound> = handlers.iter().collect();
    ordered.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    for route in ordered
        .iter()
        .filter(|h| h.role == HandlerRole::Route && h.reaches_out)
    {
        let Some(name) = route.topic.as_deref().and_then(name_from_route) else {
            continue;
        };
        let mut evidence = format!("{} ({}:{})", route.label, route.path, route.line);
        if !route.publishes.is_empty() {
            let topics: Vec<&str> = route.publishes.iter().map(String::as_str).collect();
            let _ = write!(evidence, " publishes {}", topics.join(", "));
        }
        let workflow = workflow_named(&mut workflows, &name, route.language.ecosystem());
        workflow.paths.insert(route.path.clone());
        workflow.topics.extend(route.publishes.iter().cloned());
        workflow.evidence.push(evidence);
    }
    for consumer in ordered
        .iter()
        .filter(|h| matches!(h.role, HandlerRole::Consumer | HandlerRole::Job))
    {
        let Some(topic) = consumer.topic.as_deref() else {
            continue;
        };
        let evidence = format!(
            "{} ({}:{}) {} {topic}",
            consumer.label,
            consumer.path,
            consumer.line,
            if consumer.role == HandlerRole::Job {
                "runs jobs of"
            } else {
                "consumes"
            }
        );
        let index = workflows.iter().position(|w| w.topics.contains(topic));
        let workflow = match index {
            Some(index) => &mut workflows[index],
            None => {
                let Some(name) = name_from_topic(topic) else {
                    continue;
                };
                workflow_named(&mut workflows, &name, consumer.language.ecosystem())
            }
        };
        workflow.paths.insert(consumer.path.clone());
        workflow.topics.insert(topic.to_string());
        workflow.evidence.push(evidence);
    }
    workflows.sort_by(|a, b| a.name.cmp(&b.name));
    workflows.truncate(MAX_WORKFLOWS);
    workflows
}

fn workflow_named<'a>(
    workflows: &'a mut Vec<InferredWorkflow>,
    name: &str,
    ecosystem: Ecosystem,
) -> &'a mut InferredWorkflow {
    let index = match workflows.iter().position(|w| w.name == name) {
        Some(index) => index,
        None => {
            workflows.push(InferredWorkflow {
                name: name.to_string(),
                paths: BTreeSet::new(),
                topics: BTreeSet::new(),
                evidence: Vec::new(),
                ecosystem,
            });
            workflows.len() - 1
        }
    };
    &mut workflows[index]
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.replace(['"', '\\'], "")))
}

/// The command a suite of this ecosystem is typically run with.
fn command_hint(ecosystem: Ecosystem, suite: &str) -> String {
    match ecosystem {
        Ecosystem::Js => format!("npm run test:workflow -- {suite}"),
        Ecosystem::Python => format!("pytest -m {suite}"),
        Ecosystem::Rust => format!("cargo test --test {suite}"),
    }
}

fn ecosystem_name(ecosystem: Ecosystem) -> &'static str {
    match ecosystem {
        Ecosystem::Js => "JavaScript/TypeScript",
        Ecosystem::Python => "Python",
        Ecosystem::Rust => "Rust",
    }
}

/// One line naming the detected ecosystems: `JavaScript/TypeScript (12 files), Python (3 files)`.
pub fn ecosystems_line(detected: &Detected) -> String {
    if detected.ecosystems.is_empty() {
        return "no JavaScript, TypeScript, Python or Rust sources".to_string();
    }
    detected
        .ecosystems
        .iter()
        .map(|(ecosystem, files)| {
            format!(
                "{} ({files} file{})",
                ecosystem_name(*ecosystem),
                if *files == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The starter `.handoff.yml`.
pub fn handoff_yml(detected: &Detected) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# yaml-language-server: $schema={}",
        home::schema_url()
    );
    let _ = writeln!(out, "# Handoff configuration, written by `handoff init`.");
    let _ = writeln!(out, "# Detected: {}.", ecosystems_line(detected));
    out.push_str(
        "#
# Workflows are your critical flows, defined in business terms. `handoff gate`
# selects a workflow's suite when a change touches its paths or its topics, or
# carries a finding at or above its threshold; `handoff checklist` groups the
# reviewer's questions by workflow. The workflows below were inferred from
# route handlers that reach other systems and from message consumers: rename
# them, say what \"done\" means, and point each suite at the command that
# verifies the workflow end to end.
",
    );
    if detected.truncated {
        let _ = writeln!(out, "# Only the first {MAX_FILES} source files were read.");
    }
    out.push('\n');
    if detected.workflows.is_empty() {
        let hint = command_hint(
            detected
                .ecosystems
                .keys()
                .next()
                .copied()
                .unwrap_or(Ecosystem::Js),
            "checkout",
        );
        let _ = write!(
            out,
            "# No route handler that reaches another system, and no message consumer,
# was recognised. A workflow looks like this:
#
# workflows:
#   - name: checkout
#     description: \"order paid, fulfillment request created once, receipt e-mail accepted\"
#     paths: [\"src/checkout/**\", \"src/workers/fulfillment*\"]
#     topics: [\"order.*\"]
#     suite:
#       name: checkout
#       command: {hint}
#     threshold: medium
workflows: []
"
        );
    } else {
        out.push_str("workflows:\n");
        for workflow in &detected.workflows {
            write_workflow(&mut out, workflow);
        }
    }
    out.push_str(
        "
# Suites that run on every change, whatever it touches:
# always:
#   - name: unit
#     command: npm test

# Rule settings and paths never analysed:
# rules:
#   sequencing/side-effect-before-commit:
#     severity: medium
# ignore:
#   - \"scripts/**\"

# Teach Handoff your own wrappers (one line per SDK call):
# knowledge:
#   js:
#     sinks:
#       - calls: [\"eventBus.publish\"]
#         kind: event
#         label: our event bus
",
    );
    out
}

fn write_workflow(out: &mut String, workflow: &InferredWorkflow) {
    let _ = writeln!(out, "  # Inferred from:");
    for evidence in &workflow.evidence {
        let _ = writeln!(out, "  #   {evidence}");
    }
    let _ = writeln!(out, "  - name: {}", workflow.name);
    let _ = writeln!(
        out,
        "    # What \"done\" means, in business terms: which downstream actions happen, once, in which order."
    );
    let topics: Vec<&str> = workflow.topics.iter().map(String::as_str).collect();
    let description = if topics.is_empty() {
        format!(
            "{} completes and every downstream action it starts happens exactly once",
            workflow.name
        )
    } else {
        format!(
            "{} completes: {} delivered once, after commit, and handled by every consumer",
            workflow.name,
            topics.join(", ")
        )
    };
    let _ = writeln!(out, "    description: {}", quoted(&description));
    let _ = writeln!(out, "    paths:");
    for path in &workflow.paths {
        let _ = writeln!(out, "      - {}", quoted(path));
    }
    if !workflow.topics.is_empty() {
        let _ = writeln!(out, "    topics:");
        for topic in &workflow.topics {
            let _ = writeln!(out, "      - {}", quoted(topic));
        }
    }
    let _ = writeln!(out, "    suite:");
    let _ = writeln!(out, "      name: {}", workflow.name);
    let _ = writeln!(
        out,
        "      command: {}",
        quoted(&command_hint(workflow.ecosystem, &workflow.name))
    );
    let _ = writeln!(
        out,
        "    # New findings at or above this severity in the workflow select its suite too."
    );
    let _ = writeln!(out, "    threshold: medium");
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

/// The `.pre-commit-config.yaml` snippet for the hook.
pub fn pre_commit_snippet() -> String {
    format!(
        "repos:
  - repo: {}
    rev: {}
    hooks:
      - id: handoff
",
        home::repository_url(),
        home::tag()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_skip_api_prefixes_versions_and_parameters() {
        assert_eq!(name_from_route("/checkout").as_deref(), Some("checkout"));
        assert_eq!(
            name_from_route("/api/v1/orders/:id/cancel").as_deref(),
            Some("orders")
        );
        assert_eq!(
            name_from_route("/{tenant}/Sign_Up").as_deref(),
            Some("sign-up")
        );
        assert_eq!(name_from_route("/api/:id"), None);
    }

    #[test]
    fn topic_names_take_the_first_segment() {
        assert_eq!(name_from_topic("order.created").as_deref(), Some("order"));
        assert_eq!(
            name_from_topic("send_receipt").as_deref(),
            Some("send-receipt")
        );
        assert_eq!(name_from_topic("..."), None);
    }

    #[test]
    fn test_and_vendored_files_are_not_read() {
        assert!(is_skipped("src/__tests__/checkout.js"));
        assert!(is_skipped("src/checkout.test.ts"));
        assert!(is_skipped("app/tests/test_orders.py"));
        assert!(is_skipped("node_modules/x/index.js"));
        assert!(!is_skipped("src/checkout.js"));
    }

    #[test]
    fn starter_without_workflows_still_parses_as_configuration() {
        let text = handoff_yml(&Detected::default());
        let config = Config::parse(&text, ".handoff.yml").expect("starter parses");
        assert!(config.file.workflows.is_empty());
    }
}
