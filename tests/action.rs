//! `handoff action` end to end: the real binary (the Docker image's entry
//! point) with a full GitHub Actions environment, a real git repository, a
//! real `pull_request` payload from `@octokit/webhooks-examples`, and a fake
//! GitHub REST API on loopback whose every request is checked against
//! GitHub's published REST description (`@octokit/openapi`).

mod common;
mod fake_github;

use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, CHECKOUT_OUTBOX, Repo, binary};
use fake_github::{BOT_LOGIN, FakeGitHub, pull_request_event, webhook_example};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use wiremock::ResponseTemplate;

const TOKEN: &str = "ghs_SECRETTOKEN123";
const RULE: &str = "sequencing/side-effect-in-transaction";

/// A repository with `main` (the base) and a `feature` branch (the head)
/// that moves the publish into the transaction.
struct PullRequest {
    repo: Repo,
    base: String,
    head: String,
}

fn checkout_pull_request(after: &str) -> PullRequest {
    let repo = Repo::new();
    // The Action writes its SARIF log into the workspace; later commits of
    // these tests must not pick it up.
    repo.write(".gitignore", "handoff.sarif\n");
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = repo.commit("checkout");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/checkout.js", after);
    let head = repo.commit("publish inside the transaction");
    PullRequest { repo, base, head }
}

/// The result of one `handoff action` run.
struct ActionRun {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: HashMap<String, String>,
    step_summary: String,
    elapsed: Duration,
}

impl ActionRun {
    fn assert_no_token(&self) {
        assert!(
            !self.stdout.contains(TOKEN),
            "the token is in stdout:\n{}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(TOKEN),
            "the token is in stderr:\n{}",
            self.stderr
        );
        assert!(
            !self.step_summary.contains(TOKEN),
            "the token is in the step summary"
        );
        assert!(
            !self.stdout.contains("SECRETTOKEN"),
            "part of the token is in stdout"
        );
    }
}

/// Parse `GITHUB_OUTPUT` (the `name<<delimiter` syntax).
fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut outputs = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for next in lines.by_ref() {
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            outputs.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_string(), value.to_string());
        }
    }
    outputs
}

/// Run `handoff action` in `workspace` with a full Actions environment.
fn run_action(
    workspace: &Path,
    event_name: &str,
    event: &Value,
    api_url: &str,
    inputs: &[(&str, &str)],
) -> ActionRun {
    let runner = tempfile::tempdir().expect("runner temp dir");
    let event_path = runner.path().join("event.json");
    std::fs::write(
        &event_path,
        serde_json::to_vec_pretty(event).expect("event JSON"),
    )
    .expect("write event");
    let output_path = runner.path().join("output");
    let summary_path = runner.path().join("step_summary.md");
    let repository = event["repository"]["full_name"]
        .as_str()
        .unwrap_or("Codertocat/Hello-World");
    let mut command = Command::new(binary());
    command
        .arg("action")
        .current_dir(workspace)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", repository)
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_GRAPHQL_URL", format!("{api_url}/graphql"))
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &output_path)
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("GITHUB_SHA", "0000000000000000000000000000000000000001")
        .env("GITHUB_REF", "refs/pull/2/merge")
        .env("GITHUB_RUN_ID", "1")
        .env("RUNNER_TEMP", runner.path())
        .env("INPUT_GITHUB-TOKEN", TOKEN)
        .env("INPUT_FAIL-ON", "high")
        .env("INPUT_COMMENT", "inline")
        .env("INPUT_SARIF-FILE", "handoff.sarif");
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_ascii_uppercase()), value);
    }
    let started = Instant::now();
    let output = command.output().expect("handoff runs");
    let elapsed = started.elapsed();
    ActionRun {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        outputs: parse_outputs(&std::fs::read_to_string(&output_path).unwrap_or_default()),
        step_summary: std::fs::read_to_string(&summary_path).unwrap_or_default(),
        elapsed,
    }
}

async fn fake_for(event: &Value) -> FakeGitHub {
    FakeGitHub::start(
        event["repository"]["full_name"]
            .as_str()
            .unwrap_or("Codertocat/Hello-World"),
        "",
    )
    .await
}

#[tokio::test]
async fn three_runs_on_the_same_head_leave_one_summary_and_no_duplicate_inline_comment() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    for attempt in 1..=3 {
        let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
        assert_eq!(
            run.code, 1,
            "run {attempt}: a new high finding fails the step\n{}\n{}",
            run.stdout, run.stderr
        );
        run.assert_no_token();
    }
    let summaries = fake.summaries();
    assert_eq!(summaries.len(), 1, "exactly one summary comment");
    assert_eq!(
        fake.finding_comments().len(),
        1,
        "one inline comment for the one finding"
    );
    assert_eq!(
        fake.reviews().len(),
        1,
        "one review, posted by the first run only"
    );
    assert_eq!(
        fake.count("POST", r"/issues/\d+/comments").await,
        1,
        "the summary is created once"
    );
    assert_eq!(
        fake.count("PATCH", r"/issues/comments/\d+").await,
        0,
        "an unchanged summary is not rewritten"
    );

    let comment = &fake.finding_comments()[0];
    assert_eq!(comment["path"], "src/checkout.js");
    assert_eq!(comment["line"], 6, "on the publish line, new side");
    assert_eq!(comment["side"], "RIGHT");
    assert_eq!(comment["commit_id"], pr.head.as_str());
    let body = comment["body"].as_str().unwrap_or_default();
    assert!(body.contains(RULE), "{body}");
    assert!(body.contains("Before merging, answer"), "{body}");
    assert!(body.contains("- [ ] "), "questions are a task list: {body}");
    assert!(body.contains("<!-- handoff:finding fingerprint="), "{body}");

    let summary = summaries[0]["body"].as_str().unwrap_or_default();
    assert!(
        summary.contains("### Handoff · risk: **high**"),
        "{summary}"
    );
    assert!(summary.contains("inline comment"), "{summary}");
    assert!(summary.contains("#### Workflow suites to run"), "{summary}");
    assert!(
        summary.contains("https://github.com/Codertocat/Hello-World/blob/"),
        "locations link to the head commit: {summary}"
    );
    assert_eq!(summaries[0]["user"]["login"], BOT_LOGIN);

    let operations = fake.assert_requests_match_openapi().await;
    for expected in [
        "pulls/list-review-comments",
        "pulls/create-review",
        "issues/list-comments",
        "issues/create-comment",
    ] {
        assert!(
            operations.iter().any(|o| o == expected),
            "{expected} was called: {operations:?}"
        );
    }
}

#[tokio::test]
async fn pushing_a_fix_marks_the_inline_comment_resolved() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let first = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(first.code, 1, "{}", first.stderr);

    pr.repo.write("src/checkout.js", CHECKOUT_OUTBOX);
    let fixed = pr.repo.commit("use the outbox");
    let event = pull_request_event("synchronize", &pr.base, &fixed);
    let second = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(
        second.code, 0,
        "no finding left: {}\n{}",
        second.stdout, second.stderr
    );
    second.assert_no_token();

    let comments = fake.finding_comments();
    assert_eq!(comments.len(), 1);
    let body = comments[0]["body"].as_str().unwrap_or_default();
    assert!(body.starts_with("✅ **Resolved**"), "{body}");
    assert!(
        body.contains(&format!("`{}`", &fixed[..7])),
        "names the fixing commit: {body}"
    );
    assert!(body.contains("state=resolved"), "{body}");
    assert_eq!(fake.reviews().len(), 1, "no new review for a fix");

    let summaries = fake.summaries();
    assert_eq!(summaries.len(), 1);
    let summary = summaries[0]["body"].as_str().unwrap_or_default();
    assert!(
        summary.contains("No new workflow-boundary findings."),
        "{summary}"
    );
    assert!(
        summary.contains("#### Resolved since the last run"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("`{RULE}` in `src/checkout.js`")),
        "{summary}"
    );
    let operations = fake.assert_requests_match_openapi().await;
    assert!(
        operations
            .iter()
            .any(|o| o == "pulls/update-review-comment"),
        "{operations:?}"
    );
    assert!(
        operations.iter().any(|o| o == "issues/update-comment"),
        "{operations:?}"
    );

    // A third run on the fixed head changes nothing.
    let third = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(third.code, 0);
    assert_eq!(
        fake.count("PATCH", r"/pulls/comments/\d+").await,
        1,
        "resolved once"
    );
}

#[tokio::test]
async fn server_error_then_success_posts_one_review() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let error =
        ResponseTemplate::new(500).set_body_json(serde_json::json!({"message": "Server Error"}));
    fake.fail_next("POST", r"/pulls/\d+/reviews", 1, error)
        .await;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        fake.count("POST", r"/pulls/\d+/reviews").await,
        2,
        "one retry"
    );
    assert_eq!(fake.reviews().len(), 1);
    assert_eq!(fake.finding_comments().len(), 1, "one comment");
    assert_eq!(fake.summaries().len(), 1);
    assert!(
        !run.stdout.contains("::notice title=Handoff::"),
        "no fallback: {}",
        run.stdout
    );
    fake.assert_requests_match_openapi().await;
}

#[tokio::test]
async fn review_applied_before_a_lost_answer_is_not_posted_twice() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    // GitHub creates the review, then the answer is lost (502).
    fake.state.lock().expect("state lock").lose_answers = 1;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        fake.count("POST", r"/pulls/\d+/reviews").await,
        1,
        "the retry saw the review had landed"
    );
    assert_eq!(fake.reviews().len(), 1);
    assert_eq!(fake.finding_comments().len(), 1);
    assert_eq!(fake.summaries().len(), 1);
}

#[tokio::test]
async fn summary_applied_before_a_lost_answer_is_not_posted_twice() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    fake.state.lock().expect("state lock").lose_answers = 1;
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        &fake.api_url(),
        &[("comment", "summary")],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        fake.count("POST", r"/issues/\d+/comments").await,
        1,
        "not posted again"
    );
    assert_eq!(fake.summaries().len(), 1);
    assert!(
        !run.stdout.contains("::notice title=Handoff::"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn read_only_token_falls_back_to_annotations_and_the_step_summary() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let mut event = pull_request_event("opened", &pr.base, &pr.head);
    event["pull_request"]["head"]["repo"]["full_name"] =
        serde_json::json!("contributor/Hello-World");
    let fake = fake_for(&event).await;
    let forbidden = ResponseTemplate::new(403).set_body_json(serde_json::json!({
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
        "status": "403"
    }));
    fake.fail_next("POST", r"/pulls/\d+/reviews", 10, forbidden.clone())
        .await;
    fake.fail_next("POST", r"/issues/\d+/comments", 10, forbidden)
        .await;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(
        run.code, 1,
        "exit code still follows fail-on: {}\n{}",
        run.stdout, run.stderr
    );
    run.assert_no_token();
    assert_eq!(
        run.stdout.matches("::notice title=Handoff::").count(),
        1,
        "one notice:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("annotations"), "{}", run.stdout);
    let annotation = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::error file=src/checkout.js,line=6,"))
        .unwrap_or_else(|| panic!("an annotation on the finding's line:\n{}", run.stdout));
    assert!(
        annotation.contains(&format!("title=Handoff {}", RULE.replace(':', "%3A"))),
        "{annotation}"
    );
    assert!(
        annotation.contains("%0A%0ABefore merging, answer:"),
        "{annotation}"
    );
    assert!(
        run.step_summary.contains("### Handoff · risk: **high**"),
        "{}",
        run.step_summary
    );
    assert!(
        run.step_summary.contains("Before merging, answer"),
        "questions in the step summary"
    );
    assert!(
        run.step_summary
            .contains("could not comment on the pull request"),
        "{}",
        run.step_summary
    );
    assert_eq!(
        fake.count("POST", r"/pulls/\d+/reviews").await,
        1,
        "a 403 is not retried"
    );
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("1"));
}

#[tokio::test]
async fn secondary_rate_limit_waits_for_retry_after_and_succeeds() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let limited = ResponseTemplate::new(403)
        .insert_header("retry-after", "1")
        .set_body_json(serde_json::json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            "status": "403"
        }));
    fake.fail_next("POST", r"/pulls/\d+/reviews", 1, limited)
        .await;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.elapsed >= Duration::from_secs(1),
        "waited for Retry-After: {:?}",
        run.elapsed
    );
    assert_eq!(fake.count("POST", r"/pulls/\d+/reviews").await, 2);
    assert_eq!(fake.reviews().len(), 1);
    assert!(
        !run.stdout.contains("::notice title=Handoff::"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn primary_rate_limit_waits_until_the_reset() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 1)
        .unwrap_or_default();
    let exhausted = ResponseTemplate::new(403)
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", reset.to_string().as_str())
        .set_body_json(
            serde_json::json!({"message": "API rate limit exceeded for installation ID 1."}),
        );
    fake.fail_next("GET", r"/pulls/\d+/comments", 1, exhausted)
        .await;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.elapsed >= Duration::from_secs(1), "{:?}", run.elapsed);
    assert_eq!(fake.reviews().len(), 1);
}

#[tokio::test]
async fn a_planted_marker_is_never_adopted_or_edited() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    // Before Handoff's first run, the author plants the summary's marker and
    // a finding marker with any fingerprint on the finding's line.
    let planted_summary = "<!-- handoff:summary -->\nAll clear, merge away.";
    let planted = fake.add_comment_by("octocat", planted_summary);
    let planted_inline = "looks fine\n<!-- handoff:finding fingerprint=00000000000000000000000000000000 rule=sequencing/side-effect-in-transaction -->";
    fake.add_review_comment_by("octocat", "src/checkout.js", 6, planted_inline);
    for attempt in 1..=2 {
        let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
        assert_eq!(run.code, 1, "run {attempt}: {}\n{}", run.stdout, run.stderr);
    }
    let summaries = fake.summaries();
    assert_eq!(summaries.len(), 2, "the planted one and Handoff's own");
    let planted_now = summaries.iter().find(|c| c["id"] == planted).expect("kept");
    assert_eq!(planted_now["body"], planted_summary, "never edited");
    let own: Vec<_> = summaries
        .iter()
        .filter(|c| c["user"]["login"] == BOT_LOGIN)
        .collect();
    assert_eq!(own.len(), 1, "one summary of Handoff's own over two runs");
    assert!(
        own[0]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("### Handoff · risk: **high**"),
        "{}",
        own[0]["body"]
    );
    assert_eq!(
        fake.count("PATCH", &format!(r"/issues/comments/{planted}$"))
            .await,
        0,
        "the planted summary is never patched"
    );
    assert_eq!(
        fake.count("PATCH", r"/pulls/comments/\d+").await,
        0,
        "the planted inline marker is neither resolved nor edited"
    );
    let inline: Vec<_> = fake
        .finding_comments()
        .into_iter()
        .filter(|c| c["user"]["login"] == BOT_LOGIN)
        .collect();
    assert_eq!(inline.len(), 1, "Handoff's own inline comment, posted once");
    fake.assert_requests_match_openapi().await;
}

#[tokio::test]
async fn pagination_finds_the_summary_and_comments_on_later_pages() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    fake.seed_issue_comments(150);
    fake.seed_review_comments(120, "src/other.js");
    let first = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    fake.seed_issue_comments(60);
    let second = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert_eq!(
        fake.summaries().len(),
        1,
        "the summary on page 2 was found again"
    );
    assert_eq!(
        fake.finding_comments().len(),
        1,
        "the inline comment on page 2 was found again"
    );
    let pages: Vec<String> = fake
        .requests()
        .await
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert!(
        pages.iter().any(|p| p == "3"),
        "followed Link to page 3: {pages:?}"
    );
    fake.assert_requests_match_openapi().await;
}

#[tokio::test]
async fn finding_github_refuses_inline_goes_to_the_summary_with_its_questions() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    // GitHub's diff has only line 1 commentable here: the review is refused.
    fake.state.lock().expect("state lock").diff_lines =
        Some(vec![("src/checkout.js".to_string(), 1, 1)]);
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(fake.finding_comments().is_empty());
    let summaries = fake.summaries();
    assert_eq!(summaries.len(), 1);
    let summary = summaries[0]["body"].as_str().unwrap_or_default();
    assert!(summary.contains("#### Findings"), "{summary}");
    assert!(summary.contains("Before merging, answer"), "{summary}");
    assert!(
        summary.contains("Line could not be resolved"),
        "says why: {summary}"
    );
    assert!(
        !run.stdout.contains("::notice title=Handoff::"),
        "not a fallback: {}",
        run.stdout
    );
}

#[tokio::test]
async fn a_422_for_one_bad_line_still_posts_the_good_comments() {
    let refund = "app.post('/refund', async (req, res) => {\n  await db.transaction(async (trx) => {\n    await trx.refunds.insert({ order_id: req.body.orderId });\n    await eventBus.publish('refund.created', { orderId: req.body.orderId });\n  });\n  res.status(200).json({ ok: true });\n});\n";
    let pr = checkout_pull_request(&format!("{CHECKOUT_AFTER}{refund}"));
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    // GitHub's diff places the checkout handler's lines, not the refund's.
    fake.state.lock().expect("state lock").diff_lines =
        Some(vec![("src/checkout.js".to_string(), 1, 12)]);
    for attempt in 1..=2 {
        let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
        assert_eq!(run.code, 1, "run {attempt}: {}\n{}", run.stdout, run.stderr);
    }
    let inline = fake.finding_comments();
    assert_eq!(
        inline.len(),
        1,
        "the good comment, posted once: {inline:#?}"
    );
    assert_eq!(inline[0]["line"], 6, "the checkout publish");
    let summaries = fake.summaries();
    assert_eq!(summaries.len(), 1);
    let summary = summaries[0]["body"].as_str().unwrap_or_default();
    assert!(
        summary.contains("GitHub did not accept 1 inline comment on src/checkout.js:15"),
        "{summary}"
    );
    assert!(summary.contains("Line could not be resolved"), "{summary}");
    assert!(
        summary.contains("refund.created"),
        "the refused one is listed: {summary}"
    );
    assert!(
        !summary.contains("`order.created` inside"),
        "the posted one is not repeated in full: {summary}"
    );
}

#[tokio::test]
async fn summary_mode_posts_no_inline_comment_and_off_posts_nothing() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        &fake.api_url(),
        &[("comment", "summary")],
    );
    assert_eq!(run.code, 1);
    assert!(fake.reviews().is_empty());
    let summary = fake.summaries()[0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(summary.contains("Before merging, answer"), "{summary}");

    let quiet = fake_for(&event).await;
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        &quiet.api_url(),
        &[("comment", "off")],
    );
    assert_eq!(run.code, 1);
    assert!(
        quiet.requests().await.is_empty(),
        "comment: off calls no API"
    );
    assert!(
        run.stdout.contains("::error file=src/checkout.js,line=6,"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("::notice"),
        "off is not a fallback: {}",
        run.stdout
    );
}

#[tokio::test]
async fn outputs_and_sarif_are_written_for_later_steps() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        &fake.api_url(),
        &[("fail-on", "never")],
    );
    assert_eq!(run.code, 0, "fail-on never: {}", run.stderr);
    assert_eq!(run.outputs.get("risk").map(String::as_str), Some("high"));
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("1"));
    let suites: Value = serde_json::from_str(run.outputs.get("suites").map_or("", String::as_str))
        .expect("suites is JSON");
    assert!(suites.is_array(), "{suites}");
    assert_eq!(
        run.outputs.get("sarif-file").map(String::as_str),
        Some("handoff.sarif")
    );
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(pr.repo.path().join("handoff.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], RULE);
    assert!(
        run.step_summary
            .contains("| Severity | Rule | Location | Finding |"),
        "{}",
        run.step_summary
    );
}

#[tokio::test]
async fn push_event_scans_the_pushed_commits_and_annotates_without_calling_the_api() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let mut event = webhook_example("push", |e| e["ref"] == "refs/heads/master");
    event["before"] = serde_json::json!(pr.base);
    event["after"] = serde_json::json!(pr.head);
    let fake = fake_for(&event).await;
    let run = run_action(pr.repo.path(), "push", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        fake.requests().await.is_empty(),
        "no pull request, no API call"
    );
    assert!(
        run.stdout.contains("::error file=src/checkout.js,line=6,"),
        "{}",
        run.stdout
    );
    assert!(run.step_summary.contains(RULE));
    run.assert_no_token();
}

#[tokio::test]
async fn workflow_dispatch_compares_the_given_base_with_the_checkout() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = webhook_example("workflow_dispatch", |_| true);
    let fake = fake_for(&event).await;
    let run = run_action(
        pr.repo.path(),
        "workflow_dispatch",
        &event,
        &fake.api_url(),
        &[("base", pr.base.as_str()), ("head", pr.head.as_str())],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs.get("risk").map(String::as_str), Some("high"));
}

#[tokio::test]
async fn enterprise_api_url_with_a_path_prefix_is_honoured() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = FakeGitHub::start("Codertocat/Hello-World", "/api/v3").await;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(fake.reviews().len(), 1);
    assert_eq!(fake.summaries().len(), 1);
    assert!(
        fake.requests()
            .await
            .iter()
            .all(|r| r.url.path().starts_with("/api/v3/"))
    );
    fake.assert_requests_match_openapi().await;
}

#[tokio::test]
async fn the_token_is_sent_to_github_and_printed_nowhere_even_on_errors() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    run.assert_no_token();
    let authorized = fake.requests().await.iter().all(|r| {
        r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"))
    });
    assert!(authorized, "every request carries the token");

    // A rejected token: exit 2, one error line, no token.
    let rejected = fake_for(&event).await;
    let unauthorized = ResponseTemplate::new(401)
        .set_body_json(serde_json::json!({"message": "Bad credentials", "status": "401"}));
    rejected
        .fail_next("GET", r"/pulls/\d+/comments", 10, unauthorized)
        .await;
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        &rejected.api_url(),
        &[],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("::error title=Handoff::"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Bad credentials"), "{}", run.stdout);
    run.assert_no_token();

    // An unreachable API: fallback, no token.
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        "http://127.0.0.1:9",
        &[],
    );
    run.assert_no_token();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);

    // Bad inputs and a broken payload: exit 2, no token.
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &event,
        &fake.api_url(),
        &[("comment", "loud")],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("invalid action input `comment`: `loud`; use one of inline, summary, off"),
        "{}",
        run.stderr
    );
    run.assert_no_token();
    let run = run_action(
        pr.repo.path(),
        "pull_request",
        &serde_json::json!({"action": "opened"}),
        &fake.api_url(),
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("lacks `pull_request`"),
        "{}",
        run.stderr
    );
    run.assert_no_token();
}

#[tokio::test]
async fn shallow_clone_without_the_base_gets_the_fetch_depth_error() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let clone = tempfile::tempdir().expect("clone dir");
    let source = format!("file://{}", pr.repo.path().display());
    let status = Command::new("git")
        .args([
            "clone", "-q", "--depth", "1", "--branch", "feature", &source,
        ])
        .arg(clone.path().join("shallow"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git clone runs");
    assert!(status.success());
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let run = run_action(
        &clone.path().join("shallow"),
        "pull_request",
        &event,
        &fake.api_url(),
        &[],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim().lines().count(),
        1,
        "one line: {}",
        run.stderr
    );
    assert!(fake.requests().await.is_empty());
}

const HOSTILE: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ status: 'paid' });
    await eventBus.publish('@octocat <img src=x onerror=alert(1)> ``` </details>', { orderId: created.id });
    return created;
  });
  res.status(200).json({ orderId: order.id });
});
"#;

/// Render GitHub-flavoured Markdown to HTML, raw HTML passed through (as
/// GitHub does for the tags it allows), to see what a reader would get.
fn render_gfm(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &options)
}

/// The HTML with the contents of `<code>` elements removed.
fn outside_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find("<code") {
        out.push_str(&rest[..open]);
        match rest[open..].find("</code>") {
            Some(close) => rest = &rest[open + close + "</code>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn text_from_the_pull_request_cannot_mention_people_or_inject_html() {
    let repo = Repo::new();
    repo.write("src/checkout.js", "export const placeholder = 1;\n");
    let base = repo.commit("start");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/checkout.js", HOSTILE);
    let head = repo.commit("hostile topic");
    let event = pull_request_event("opened", &base, &head);
    let fake = fake_for(&event).await;
    let run = run_action(repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let mut bodies = vec![run.step_summary.clone()];
    bodies.extend(
        fake.summaries()
            .iter()
            .map(|c| c["body"].as_str().unwrap_or_default().to_string()),
    );
    bodies.extend(
        fake.finding_comments()
            .iter()
            .map(|c| c["body"].as_str().unwrap_or_default().to_string()),
    );
    assert_eq!(
        bodies.len(),
        3,
        "step summary, summary comment and inline comment"
    );
    for markdown in &bodies {
        let html = render_gfm(markdown);
        let prose = outside_code(&html);
        assert!(html.contains("octocat"), "the topic is shown: {html}");
        assert!(
            !prose.contains("@octocat"),
            "no mention outside code: {prose}"
        );
        assert!(!prose.contains("<img"), "no HTML injected: {prose}");
        assert_eq!(
            prose.matches("<details>").count(),
            prose.matches("</details>").count(),
            "{prose}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "the code is shown literally: {html}"
        );
    }
}

#[test]
fn the_openapi_judge_rejects_bodies_github_would_refuse() {
    let spec = fake_github::openapi::OpenApi::get();
    let path = "/repos/o/r/pulls/2/reviews";
    let good = br#"{"event":"COMMENT","body":"b","comments":[{"path":"a.js","line":6,"side":"RIGHT","body":"x"}]}"#;
    assert_eq!(
        spec.check_request("POST", path, &[], good),
        Ok("pulls/create-review".to_string())
    );
    let typo =
        br#"{"event":"COMMENT","body":"b","comments":[{"path":"a.js","lines":6,"body":"x"}]}"#;
    assert!(
        spec.check_request("POST", path, &[], typo).is_err(),
        "an undocumented property"
    );
    let wrong_type = br#"{"event":"COMMENT","comments":[{"path":"a.js","line":"six","body":"x"}]}"#;
    assert!(
        spec.check_request("POST", path, &[], wrong_type).is_err(),
        "a string line"
    );
    let bad_event = br#"{"event":"SHOUT","body":"b"}"#;
    assert!(spec.check_request("POST", path, &[], bad_event).is_err());
    let query = [("per_page".to_string(), "500".to_string())];
    assert!(
        spec.check_request("GET", "/repos/o/r/issues/2/comments", &query, b"")
            .is_err()
    );
    assert!(
        spec.check_request("DELETE", "/repos/o/r/issues/2/comments", &[], b"")
            .is_err()
    );
}

#[test]
fn the_fake_answers_as_github_documents() {
    let spec = fake_github::openapi::OpenApi::get();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let pr = checkout_pull_request(CHECKOUT_AFTER);
        let event = pull_request_event("opened", &pr.base, &pr.head);
        let fake = fake_for(&event).await;
        let run = run_action(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let state = fake.state.lock().expect("state lock");
        let mut problems = Vec::new();
        for comment in &state.issue_comments {
            problems.extend(spec.check_response(
                "post",
                "/repos/{owner}/{repo}/issues/{issue_number}/comments",
                201,
                comment,
            ));
        }
        for comment in &state.review_comments {
            problems.extend(spec.check_response(
                "patch",
                "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
                200,
                comment,
            ));
        }
        for review in &state.reviews {
            problems.extend(spec.check_response(
                "post",
                "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                200,
                review,
            ));
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    });
}

#[test]
fn action_yml_declares_the_inputs_and_outputs_handoff_reads_and_writes() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(manifest.join("action.yml")).expect("action.yml");
    let action: serde_json::Value = serde_norway::from_str(&text).expect("action.yml is YAML");
    let names = |key: &str| {
        let mut names: Vec<String> = action[key]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    };
    let sorted = |list: &[&str]| {
        let mut list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        list.sort();
        list
    };
    assert_eq!(names("inputs"), sorted(handoff::cli::action::INPUTS));
    assert_eq!(names("outputs"), sorted(handoff::cli::action::OUTPUTS));
    // A composite action: the install step, then `handoff action` with every
    // input passed as the INPUT_* variable it reads, and every output read
    // from that step.
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    assert_eq!(steps[0]["id"], "install");
    assert!(
        steps[0]["run"]
            .as_str()
            .is_some_and(|r| r.contains("scripts/install_handoff.py")),
        "{}",
        steps[0]
    );
    let run = &steps[1];
    assert_eq!(run["id"], "handoff");
    for input in handoff::cli::action::INPUTS {
        let variable = format!("INPUT_{}", input.to_ascii_uppercase().replace('-', "_"));
        assert_eq!(
            run["env"][&variable],
            format!("${{{{ inputs.{input} }}}}"),
            "{variable}"
        );
    }
    for output in handoff::cli::action::OUTPUTS {
        assert_eq!(
            action["outputs"][output]["value"],
            format!("${{{{ steps.handoff.outputs.{output} }}}}"),
            "{output}"
        );
    }
    // The Dockerfile stays: the image the release publishes runs the same entry point.
    let dockerfile = std::fs::read_to_string(manifest.join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile
            .lines()
            .any(|l| l == r#"ENTRYPOINT ["handoff", "action"]"#),
        "{dockerfile}"
    );
    assert!(
        dockerfile
            .lines()
            .any(|l| l.starts_with("USER ") && !l.contains("root")),
        "a non-root user"
    );
    assert!(
        dockerfile.contains("safe.directory"),
        "git trusts the mounted workspace"
    );
}

#[tokio::test]
async fn annotations_stay_within_githubs_limits_and_the_summary_counts_the_rest() {
    let repo = Repo::new();
    repo.write(".gitignore", "handoff.sarif\n");
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = repo.commit("checkout");
    // Twelve handlers, each publishing inside its transaction: twelve high findings.
    for index in 0..12 {
        repo.write(
            &format!("src/checkout{index:02}.js"),
            CHECKOUT_AFTER.replace("/checkout", &format!("/checkout{index}")),
        );
    }
    let head = repo.commit("twelve publishes inside transactions");
    let mut event = webhook_example("push", |e| e["ref"] == "refs/heads/master");
    event["before"] = serde_json::json!(base);
    event["after"] = serde_json::json!(head);
    let fake = fake_for(&event).await;
    let run = run_action(repo.path(), "push", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("12"));
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error file="))
        .collect();
    assert_eq!(
        errors.len(),
        10,
        "GitHub shows 10 errors per step:\n{}",
        run.stdout
    );
    assert!(
        errors[0].contains("file=src/checkout00.js"),
        "{}",
        errors[0]
    );
    let note = "2 more findings are not shown as annotations";
    assert!(run.stdout.contains(note), "{}", run.stdout);
    assert!(run.step_summary.contains(note), "{}", run.step_summary);
    assert!(
        run.step_summary.contains("src/checkout11.js"),
        "every finding is in the job summary"
    );
}

/// The composite action's second step as the runner runs it: its `run`
/// script under `bash -eo pipefail`, with its `env` evaluated from the
/// action's input defaults (and `overrides`) and the install step's `path`.
fn run_composite_step(
    workspace: &Path,
    event_name: &str,
    event: &Value,
    api_url: &str,
    overrides: &[(&str, &str)],
) -> ActionRun {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(manifest.join("action.yml")).expect("action.yml");
    let action: Value = serde_norway::from_str(&text).expect("action.yml is YAML");
    let input = |name: &str| -> String {
        if let Some((_, value)) = overrides.iter().find(|(n, _)| *n == name) {
            return value.to_string();
        }
        let default = action["inputs"][name]["default"]
            .as_str()
            .unwrap_or_default();
        default.replace("${{ github.token }}", TOKEN)
    };
    let step = &action["runs"]["steps"][1];
    let runner = tempfile::tempdir().expect("runner temp dir");
    let event_path = runner.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).expect("write event");
    let output_path = runner.path().join("output");
    let summary_path = runner.path().join("step_summary.md");
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().expect("run script"))
        .current_dir(workspace)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
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
        .env("GITHUB_OUTPUT", &output_path)
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("RUNNER_TEMP", runner.path());
    for (name, value) in step["env"].as_object().expect("step env") {
        let expression = value.as_str().unwrap_or_default();
        let evaluated = if expression == "${{ steps.install.outputs.path }}" {
            binary().to_string_lossy().into_owned()
        } else {
            let name = expression
                .trim_start_matches("${{ inputs.")
                .trim_end_matches(" }}");
            input(name)
        };
        command.env(name, evaluated);
    }
    let started = Instant::now();
    let output = command.output().expect("bash runs");
    ActionRun {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        outputs: parse_outputs(&std::fs::read_to_string(&output_path).unwrap_or_default()),
        step_summary: std::fs::read_to_string(&summary_path).unwrap_or_default(),
        elapsed: started.elapsed(),
    }
}

#[tokio::test]
async fn the_composite_step_passes_every_input_to_handoff_action() {
    let pr = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &pr.base, &pr.head);
    let fake = fake_for(&event).await;
    let run = run_composite_step(pr.repo.path(), "pull_request", &event, &fake.api_url(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    run.assert_no_token();
    assert_eq!(fake.reviews().len(), 1, "the token input reached GitHub");
    assert_eq!(fake.summaries().len(), 1);
    assert_eq!(run.outputs["risk"], "high");
    assert_eq!(run.outputs["sarif-file"], "handoff.sarif");
    assert_eq!(run.outputs["results-dir"], "", "no results-dir by default");
    assert!(pr.repo.path().join("handoff.sarif").is_file());

    // The fork-safe inputs: `comment: off` and `results-dir`, then `post-from`.
    let results = tempfile::tempdir().expect("results");
    let dir = results.path().join("out").to_string_lossy().into_owned();
    let second = checkout_pull_request(CHECKOUT_AFTER);
    let event = pull_request_event("opened", &second.base, &second.head);
    let fake = fake_for(&event).await;
    let run = run_composite_step(
        second.repo.path(),
        "pull_request",
        &event,
        &fake.api_url(),
        &[
            ("comment", "off"),
            ("results-dir", &dir),
            ("sarif-file", ""),
        ],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        fake.requests().await.is_empty(),
        "comment: off calls no API"
    );
    assert_eq!(run.outputs["results-dir"], dir);
    assert_eq!(
        run.outputs["sarif-file"], "",
        "an empty sarif-file turns SARIF off"
    );
    assert!(Path::new(&dir).join("handoff-results.json").is_file());

    let number = event["pull_request"]["number"].as_u64().expect("number");
    fake.add_pull(number, &second.head, "Codertocat/Hello-World");
    let mut workflow_run = webhook_example("workflow_run", |e| e["action"] == "completed");
    workflow_run["workflow_run"]["event"] = serde_json::json!("pull_request");
    workflow_run["workflow_run"]["head_sha"] = serde_json::json!(second.head);
    workflow_run["workflow_run"]["pull_requests"] = serde_json::json!([]);
    workflow_run["repository"]["full_name"] = event["repository"]["full_name"].clone();
    workflow_run["workflow_run"]["head_repository"]["full_name"] =
        event["repository"]["full_name"].clone();
    let empty = tempfile::tempdir().expect("no checkout");
    let posted = run_composite_step(
        empty.path(),
        "workflow_run",
        &workflow_run,
        &fake.api_url(),
        &[("post-from", &dir)],
    );
    assert_eq!(posted.code, 0, "{}\n{}", posted.stdout, posted.stderr);
    assert_eq!(fake.reviews().len(), 1);
    assert_eq!(fake.summaries().len(), 1);
}
