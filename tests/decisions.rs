//! Reviewers' decisions read back by `handoff action`: a 👎 on an inline
//! comment dismisses the finding, `/handoff accept` and the `handoff:accept`
//! label accept findings — only from people with write access. The real
//! binary, a real repository, a real `pull_request` payload and the loopback
//! GitHub checked against GitHub's REST description.

mod common;
mod fake_github;

use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, Repo, binary};
use fake_github::{FakeGitHub, pull_request_event};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const TOKEN: &str = "ghs_DECISIONSTOKEN";
const RULE: &str = "sequencing/side-effect-in-transaction";

struct Run {
    code: i32,
    stdout: String,
    step_summary: String,
}

fn pull_request() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write(".gitignore", "handoff.sarif\n");
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = repo.commit("checkout");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let head = repo.commit("publish inside the transaction");
    (repo, base, head)
}

fn run_action(workspace: &Path, event: &Value, api_url: &str) -> Run {
    let runner = tempfile::tempdir().expect("runner temp dir");
    let event_path = runner.path().join("event.json");
    std::fs::write(&event_path, serde_json::to_vec(event).expect("event JSON")).expect("event");
    let summary_path = runner.path().join("step_summary.md");
    let output = Command::new(binary())
        .arg("action")
        .current_dir(workspace)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event_path)
        .env(
            "GITHUB_REPOSITORY",
            event["repository"]["full_name"]
                .as_str()
                .unwrap_or_default(),
        )
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("RUNNER_TEMP", runner.path())
        .env("INPUT_GITHUB-TOKEN", TOKEN)
        .env("INPUT_FAIL-ON", "high")
        .output()
        .expect("handoff action runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        step_summary: std::fs::read_to_string(&summary_path).unwrap_or_default(),
    }
}

async fn first_run() -> (Repo, Value, FakeGitHub, u64) {
    let (repo, base, head) = pull_request();
    let event = pull_request_event("opened", &base, &head);
    let fake = FakeGitHub::start(
        event["repository"]["full_name"]
            .as_str()
            .unwrap_or_default(),
        "",
    )
    .await;
    let run = run_action(repo.path(), &event, &fake.api_url());
    assert_eq!(
        run.code, 1,
        "a new high finding fails the step\n{}",
        run.stdout
    );
    let comments = fake.finding_comments();
    assert_eq!(comments.len(), 1);
    let id = comments[0]["id"].as_u64().expect("comment id");
    (repo, event, fake, id)
}

fn summary_body(fake: &FakeGitHub) -> String {
    let summaries = fake.summaries();
    assert_eq!(summaries.len(), 1, "one summary comment");
    summaries[0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_thumbs_down_from_a_writer_dismisses_the_finding() {
    let (repo, event, fake, id) = first_run().await;
    fake.add_writer("maintainer");
    fake.react(id, "maintainer", "-1");
    let run = run_action(repo.path(), &event, &fake.api_url());
    assert_eq!(
        run.code, 0,
        "a dismissed finding does not fail the step\n{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1 finding dismissed or accepted by reviewers"),
        "{}",
        run.stdout
    );
    let summary = summary_body(&fake);
    assert!(
        summary.contains("#### Decisions on this pull request"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "`{RULE}` at `src/checkout.js:6`: dismissed by maintainer"
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("| `{RULE}` | 0 | 1 | 0 |")),
        "{summary}"
    );
    assert!(
        run.step_summary.contains("dismissed by maintainer"),
        "{}",
        run.step_summary
    );
    let comment = &fake.finding_comments()[0];
    assert!(
        !comment["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Resolved"),
        "a dismissed finding's comment is not marked fixed: {comment}"
    );
    assert_eq!(fake.reviews().len(), 1, "nothing is posted again");
    let operations = fake.assert_requests_match_openapi().await;
    for expected in [
        "reactions/list-for-pull-request-review-comment",
        "repos/get-collaborator-permission-level",
    ] {
        assert!(
            operations.iter().any(|o| o == expected),
            "{expected}: {operations:?}"
        );
    }
}

#[tokio::test]
async fn a_thumbs_down_from_someone_without_write_access_changes_nothing() {
    let (repo, event, fake, id) = first_run().await;
    fake.react(id, "drive-by", "-1");
    let run = run_action(repo.path(), &event, &fake.api_url());
    assert_eq!(
        run.code, 1,
        "the finding still fails the step\n{}",
        run.stdout
    );
    assert!(!summary_body(&fake).contains("Decisions on this pull request"));
}

#[tokio::test]
async fn an_accept_command_from_a_writer_accepts_the_rule_with_its_reason() {
    let (repo, event, fake, _) = first_run().await;
    fake.add_writer("lead-dev");
    fake.add_comment_by(
        "lead-dev",
        &format!("Looks fine.\n/handoff accept {RULE} the consumer re-reads the order after commit <b>ok</b>"),
    );
    fake.add_comment_by("author", "/handoff accept all I say so");
    let run = run_action(repo.path(), &event, &fake.api_url());
    assert_eq!(run.code, 0, "{}", run.stdout);
    let summary = summary_body(&fake);
    assert!(
        summary.contains("accepted by lead-dev: the consumer re-reads the order after commit"),
        "{summary}"
    );
    assert!(
        !summary.contains("<b>ok</b>"),
        "the reason is escaped: {summary}"
    );
    assert!(
        !summary.contains("I say so"),
        "a non-writer's command is ignored: {summary}"
    );
    assert!(
        summary.contains(&format!("| `{RULE}` | 0 | 0 | 1 |")),
        "{summary}"
    );
}

#[tokio::test]
async fn the_accept_label_counts_when_a_writer_added_it() {
    let (repo, mut event, fake, _) = first_run().await;
    event["pull_request"]["labels"] = json!([{"name": "handoff:accept"}]);
    fake.label("author", "handoff:accept");
    let run = run_action(repo.path(), &event, &fake.api_url());
    assert_eq!(
        run.code, 1,
        "the author labelling their own change decides nothing\n{}",
        run.stdout
    );
    fake.add_writer("release-manager");
    fake.label("release-manager", "handoff:accept");
    let run = run_action(repo.path(), &event, &fake.api_url());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        summary_body(&fake).contains("accepted by release-manager: the handoff:accept label"),
        "{}",
        summary_body(&fake)
    );
    fake.assert_requests_match_openapi().await;
}
