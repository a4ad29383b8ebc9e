//! The Action's files pass the tools their users run on them:
//! `check-jsonschema` with GitHub's schemas and `zizmor` (offline), with no
//! findings. The README section embeds the example workflow verbatim.

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

#[test]
fn example_workflow_matches_the_github_workflows_schema() {
    let (ok, text) = run(
        &tool("check-jsonschema"),
        &[
            "--builtin-schema",
            "vendor.github-workflows",
            "examples/workflows/handoff.yml",
        ],
    );
    assert!(ok, "{text}");
}

#[test]
fn zizmor_finds_nothing_in_the_action_or_the_example_workflow() {
    for persona in ["regular", "pedantic"] {
        let (ok, text) = run(
            &tool("zizmor"),
            &[
                "--offline",
                "--persona",
                persona,
                "action.yml",
                "examples/workflows/handoff.yml",
            ],
        );
        assert!(ok, "zizmor ({persona}):\n{text}");
        assert!(
            text.contains("No findings to report"),
            "zizmor ({persona}):\n{text}"
        );
    }
}

#[test]
fn the_readme_section_embeds_the_example_workflow_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("## Use it in GitHub Actions\n")
        .expect("the README has a \"Use it in GitHub Actions\" section");
    let doc = &readme[start..];
    let example = std::fs::read_to_string(root().join("examples/workflows/handoff.yml"))
        .expect("the example workflow");
    assert!(
        doc.contains(&format!("```yaml\n{example}```")),
        "the README must show examples/workflows/handoff.yml verbatim in a ```yaml block"
    );
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
