//! Pull requests from forks, the way GitHub recommends: the `pull_request`
//! run analyses with a read-only token (the loopback GitHub refuses its
//! writes) and leaves its results in `results-dir`; the `workflow_run` run
//! posts them with `handoff action --post-from`, in an empty workspace (no
//! checkout), after checking them against the triggering run and the pull
//! request on GitHub. Tampered results are refused and post nothing.

mod common;
mod fake_github;

use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, Repo, binary};
use fake_github::{FakeGitHub, pull_request_event, webhook_example};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const READ_ONLY_TOKEN: &str = "ghs_FORKREADONLY123";
const WRITE_TOKEN: &str = "ghs_BASEWRITE456";
const FORK: &str = "contributor/Hello-World";

/// One `handoff action` run.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: String,
}

fn run_handoff(
    workspace: &Path,
    event_name: &str,
    event: &Value,
    api_url: &str,
    token: &str,
    inputs: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let runner = tempfile::tempdir().expect("runner temp dir");
    let event_path = runner.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).expect("write event");
    let output_path = runner.path().join("output");
    let mut command = Command::new(binary());
    command
        .arg("action")
        .args(args)
        .current_dir(workspace)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", "Codertocat/Hello-World")
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &output_path)
        .env("GITHUB_STEP_SUMMARY", runner.path().join("summary.md"))
        .env("RUNNER_TEMP", runner.path())
        .env("INPUT_GITHUB-TOKEN", token);
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_ascii_uppercase()), value);
    }
    let output = command.output().expect("handoff runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        outputs: std::fs::read_to_string(&output_path).unwrap_or_default(),
    };
    for token in [READ_ONLY_TOKEN, WRITE_TOKEN] {
        assert!(
            !run.stdout.contains(token) && !run.stderr.contains(token),
            "a token was printed"
        );
    }
    run
}

/// A fork's pull request analysed by the `pull_request` run.
struct Analysed {
    _repo: Repo,
    fake: FakeGitHub,
    number: u64,
    head: String,
    results: tempfile::TempDir,
}

async fn analyse_fork_pull_request() -> Analysed {
    let repo = Repo::new();
    repo.write(".gitignore", "handoff.sarif\n");
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = repo.commit("checkout");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let head = repo.commit("publish inside the transaction");
    let mut event = pull_request_event("opened", &base, &head);
    event["pull_request"]["head"]["repo"]["full_name"] = json!(FORK);
    let number = event["pull_request"]["number"].as_u64().expect("number");
    let fake = FakeGitHub::start("Codertocat/Hello-World", "").await;
    fake.make_read_only(READ_ONLY_TOKEN);
    fake.add_pull(number, &head, FORK);
    let results = tempfile::tempdir().expect("results dir");
    let dir = results.path().join("handoff-results");
    let run = run_handoff(
        repo.path(),
        "pull_request",
        &event,
        &fake.api_url(),
        READ_ONLY_TOKEN,
        &[("results-dir", &dir.to_string_lossy())],
        &[],
    );
    assert_eq!(
        run.code, 1,
        "the high finding fails the check:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        fake.refused_writes() >= 1,
        "the analysis tried to comment and GitHub refused the read-only token"
    );
    assert!(
        run.stdout.contains("::notice title=Handoff::"),
        "{}",
        run.stdout
    );
    assert!(fake.reviews().is_empty() && fake.summaries().is_empty());
    assert!(
        run.outputs.contains(&*dir.to_string_lossy()),
        "the results-dir output: {}",
        run.outputs
    );
    assert!(dir.join("handoff-results.json").is_file());
    assert!(
        dir.join("handoff.sarif").is_file(),
        "the SARIF log travels with the results"
    );
    Analysed {
        _repo: repo,
        fake,
        number,
        head,
        results,
    }
}

/// A real `workflow_run` payload for the analysis run of `head` (from a
/// fork: GitHub lists no pull request).
fn workflow_run_event(head: &str) -> Value {
    let mut event = webhook_example("workflow_run", |e| e["action"] == "completed");
    event["workflow_run"]["event"] = json!("pull_request");
    event["workflow_run"]["head_sha"] = json!(head);
    event["workflow_run"]["pull_requests"] = json!([]);
    event["workflow_run"]["head_repository"]["full_name"] = json!(FORK);
    event["workflow_run"]["repository"]["full_name"] = json!("Codertocat/Hello-World");
    event["repository"]["full_name"] = json!("Codertocat/Hello-World");
    event
}

/// `handoff action --post-from` in an empty workspace.
fn post(analysed: &Analysed, dir: &Path) -> Run {
    let workspace = tempfile::tempdir().expect("empty workspace");
    run_handoff(
        workspace.path(),
        "workflow_run",
        &workflow_run_event(&analysed.head),
        &analysed.fake.api_url(),
        WRITE_TOKEN,
        &[("comment", "inline")],
        &["--post-from", &dir.to_string_lossy()],
    )
}

#[tokio::test]
async fn fork_results_are_posted_once_by_the_workflow_run() {
    let analysed = analyse_fork_pull_request().await;
    let dir = analysed.results.path().join("handoff-results");
    let mut log = String::new();
    for attempt in 1..=2 {
        let run = post(&analysed, &dir);
        log.push_str(&run.stdout);
        assert_eq!(
            run.code, 0,
            "attempt {attempt}:\n{}\n{}",
            run.stdout, run.stderr
        );
        assert!(
            run.stdout.contains(&format!(
                "for pull request #{} at {}",
                analysed.number, analysed.head
            )),
            "{}",
            run.stdout
        );
    }
    assert_eq!(
        analysed.fake.reviews().len(),
        1,
        "exactly one review:\n{log}"
    );
    assert_eq!(analysed.fake.summaries().len(), 1, "exactly one summary");
    let comments = analysed.fake.finding_comments();
    assert_eq!(comments.len(), 1, "one inline comment for the one finding");
    assert_eq!(comments[0]["path"], "src/checkout.js");
    assert_eq!(comments[0]["commit_id"], json!(analysed.head));
    analysed.fake.assert_requests_match_openapi().await;
}

/// Rewrite the results file with `edit`; returns its directory.
fn tampered(analysed: &Analysed, edit: impl Fn(&mut Value)) -> tempfile::TempDir {
    let source = analysed
        .results
        .path()
        .join("handoff-results/handoff-results.json");
    let mut results: Value =
        serde_json::from_str(&std::fs::read_to_string(source).expect("results")).expect("JSON");
    edit(&mut results);
    let dir = tempfile::tempdir().expect("tampered dir");
    std::fs::write(dir.path().join("handoff-results.json"), results.to_string())
        .expect("write tampered results");
    dir
}

fn assert_refused(analysed: &Analysed, run: &Run, why: &str) {
    assert_eq!(
        run.code, 2,
        "{why}: refused with exit 2:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.starts_with("error: "), "{why}: {}", run.stderr);
    assert!(run.stderr.contains("refused"), "{why}: {}", run.stderr);
    assert_eq!(
        run.stderr.trim_end().lines().count(),
        1,
        "{why}: one line: {}",
        run.stderr
    );
    assert!(analysed.fake.reviews().is_empty(), "{why}: nothing posted");
    assert!(
        analysed.fake.summaries().is_empty(),
        "{why}: nothing posted"
    );
}

#[tokio::test]
async fn tampered_results_are_refused_and_post_nothing() {
    let analysed = analyse_fork_pull_request().await;
    // Another pull request, whose head is another commit.
    analysed
        .fake
        .add_pull(77, "1111111111111111111111111111111111111111", FORK);
    let other_pull = tampered(&analysed, |r| r["pull_request"] = json!(77));
    let run = post(&analysed, other_pull.path());
    assert_refused(&analysed, &run, "another pull request");
    assert!(run.stderr.contains("pull request #77"), "{}", run.stderr);

    let wrong_sha = tampered(&analysed, |r| {
        r["head_sha"] = json!("2222222222222222222222222222222222222222")
    });
    let run = post(&analysed, wrong_sha.path());
    assert_refused(&analysed, &run, "another commit");
    assert!(run.stderr.contains("for commit 2222222"), "{}", run.stderr);

    let unknown_rule = tampered(&analysed, |r| {
        r["findings"][0]["rule"] = json!("@everyone/look-here")
    });
    assert_refused(
        &analysed,
        &post(&analysed, unknown_rule.path()),
        "an unknown rule",
    );

    let escaping_path = tampered(&analysed, |r| {
        r["findings"][0]["path"] = json!("../../etc/passwd")
    });
    assert_refused(
        &analysed,
        &post(&analysed, escaping_path.path()),
        "a path outside",
    );

    let oversized = tampered(&analysed, |r| {
        r["warnings"] = json!(vec!["x".repeat(1024); 9 * 1024])
    });
    let run = post(&analysed, oversized.path());
    assert_refused(&analysed, &run, "oversized");
    assert!(
        run.stderr.contains("larger than 8388608 bytes"),
        "{}",
        run.stderr
    );

    // The untouched results still post.
    let dir = analysed.results.path().join("handoff-results");
    assert_eq!(post(&analysed, &dir).code, 0);
    assert_eq!(analysed.fake.reviews().len(), 1);
}

#[tokio::test]
async fn posting_outside_a_workflow_run_is_refused() {
    let analysed = analyse_fork_pull_request().await;
    let workspace = tempfile::tempdir().expect("workspace");
    let dir = analysed.results.path().join("handoff-results");
    let run = run_handoff(
        workspace.path(),
        "pull_request_target",
        &json!({"workflow_run": null}),
        &analysed.fake.api_url(),
        WRITE_TOKEN,
        &[],
        &["--post-from", &dir.to_string_lossy()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("trigger the posting workflow with `on: workflow_run`"),
        "{}",
        run.stderr
    );
    assert!(analysed.fake.reviews().is_empty());
}
