//! `handoff init` end to end: ecosystems detected, workflows inferred from
//! routes and consumers, files that validate (our schema, GitHub's workflow
//! schema), and never an overwrite without `--force`.

mod common;
mod support;

use common::{Repo, handoff_in};
use std::process::Command;

const CHECKOUT: &str = r#"app.post('/api/v1/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => trx.orders.insert({ status: 'paid' }));
  await eventBus.publish('order.created', { orderId: order.id });
  res.status(200).json({ orderId: order.id });
});

app.get('/health', (req, res) => res.send('ok'));
"#;

const WORKER: &str = r#"worker.on('order.created', async ({ orderId }) => {
  await fulfillment.createShipment({ orderId });
});
"#;

const SIGNUP: &str = r#"@app.post("/signup")
def signup(payload):
    user = User.objects.create(email=payload.email)
    producer.send("user.created", {"user_id": user.id})
    return user
"#;

const CONSUMERS: &str = r#"@broker.subscriber("user.created")
def on_user_created(message):
    crm.contacts.create(email=message["email"])
"#;

const CHECKOUT_TEST: &str = r#"const checkout = require('../checkout');
app.post('/test-only', async (req, res) => {
  await eventBus.publish('test.event', {});
});
"#;

fn shop() -> Repo {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"name\": \"shop\", \"scripts\": {\"test\": \"jest\"}}\n",
    );
    repo.write(
        "pyproject.toml",
        "[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n",
    );
    repo.write("src/checkout.js", CHECKOUT);
    repo.write("src/worker.js", WORKER);
    repo.write("app/api.py", SIGNUP);
    repo.write("app/consumers.py", CONSUMERS);
    repo.write("src/__tests__/checkout.test.js", CHECKOUT_TEST);
    repo.write("app/__init__.py", "");
    repo.write(
        "tests/test_signup.py",
        "from app.api import signup\n\n\ndef test_signup():\n    assert signup\n",
    );
    repo.commit("shop");
    repo
}

fn read(repo: &Repo, path: &str) -> String {
    std::fs::read_to_string(repo.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn init_writes_workflows_inferred_from_routes_and_consumers() {
    let repo = shop();
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Detected: JavaScript/TypeScript (2 files), Python (3 files).\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("wrote .handoff.yml (2 workflows inferred: checkout, signup; left out: 1 handler without a boundary)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("wrote .github/workflows/handoff.yml (runs the Action"),
        "{}",
        run.stdout
    );
    support::assert_snapshot("init-handoff.yml", &read(&repo, ".handoff.yml"));
    support::assert_snapshot(
        "init-github-workflow.yml",
        &read(&repo, ".github/workflows/handoff.yml"),
    );
    assert!(
        run.stdout.contains(
            "wrote .github/workflows/handoff-comment.yml (posts the review and the summary comment, forks included)\n"
        ),
        "{}",
        run.stdout
    );
    support::assert_snapshot(
        "init-github-comment-workflow.yml",
        &read(&repo, ".github/workflows/handoff-comment.yml"),
    );
}

#[test]
fn starter_configuration_drives_the_gate() {
    let repo = shop();
    assert_eq!(repo.handoff(&["init"]).code, 0);
    repo.commit("handoff init");
    repo.write(
        "src/worker.js",
        WORKER.replace("{ orderId }", "{ orderId, items }"),
    );
    let run = repo.handoff(&["gate", "--base", "HEAD"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let result = run.json();
    assert_eq!(result["suites"][0]["name"], "checkout", "{result}");
    // The project's own runner, narrowed to the test whose imports reach
    // the workflow's files.
    assert_eq!(
        result["suites"][0]["command"], "npm run test -- src/__tests__/checkout.test.js",
        "{result}"
    );
}

#[test]
fn starter_files_pass_their_schemas() {
    let repo = shop();
    assert_eq!(repo.handoff(&["init"]).code, 0);
    let check_jsonschema = support::venv_tool("check-jsonschema");
    let schema =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/handoff.schema.json");
    let ours = support::run(
        Command::new(&check_jsonschema)
            .arg("--schemafile")
            .arg(&schema)
            .arg(repo.path().join(".handoff.yml")),
    );
    assert!(ours.status.success(), "{}", support::text(&ours));
    // GitHub's workflow schema ships with check-jsonschema: no network needed.
    let github = support::run(
        Command::new(&check_jsonschema)
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(repo.path().join(".github/workflows/handoff.yml"))
            .arg(repo.path().join(".github/workflows/handoff-comment.yml")),
    );
    assert!(github.status.success(), "{}", support::text(&github));
}

#[test]
fn repository_without_handlers_gets_a_commented_example() {
    let repo = Repo::new();
    repo.write("Cargo.toml", "[package]\nname = \"lib\"\n");
    repo.write(
        "src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 { a + b }\n",
    );
    repo.commit("lib");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(
        run.stdout.starts_with("Detected: Rust (1 file).\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("no workflow inferred"),
        "{}",
        run.stdout
    );
    let starter = read(&repo, ".handoff.yml");
    assert!(starter.contains("\nworkflows: []\n"), "{starter}");
    assert!(
        starter.contains("#       command: cargo test\n"),
        "{starter}"
    );
    handoff::config::Config::parse(&starter, ".handoff.yml").expect("the starter parses");
}

#[test]
fn existing_files_are_kept_unless_forced() {
    let repo = shop();
    repo.write(".handoff.yml", "ignore: [\"vendor/**\"]\n");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(
        run.stdout
            .contains("kept .handoff.yml: it exists (pass --force to overwrite it)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("wrote .github/workflows/handoff.yml"),
        "{}",
        run.stdout
    );
    assert_eq!(read(&repo, ".handoff.yml"), "ignore: [\"vendor/**\"]\n");

    repo.write(".github/workflows/handoff.yml", "name: mine\n");
    let again = repo.handoff(&["init"]);
    assert!(
        again
            .stdout
            .contains("kept .github/workflows/handoff.yml: it exists"),
        "{}",
        again.stdout
    );
    assert_eq!(read(&repo, ".github/workflows/handoff.yml"), "name: mine\n");

    let forced = repo.handoff(&["init", "--force"]);
    assert_eq!(forced.code, 0, "stderr: {}", forced.stderr);
    assert!(read(&repo, ".handoff.yml").contains("- name: checkout"));
    assert!(
        read(&repo, ".github/workflows/handoff.yml").starts_with("# Written by `handoff init`:")
    );
}

#[test]
fn init_prints_the_pre_commit_snippet() {
    let repo = shop();
    let run = repo.handoff(&["init"]);
    let snippet = run
        .stdout
        .split_once("add this to .pre-commit-config.yaml:\n\n")
        .map(|(_, snippet)| snippet)
        .expect("snippet printed");
    assert!(
        snippet.starts_with(&format!(
            "repos:\n  - repo: https://github.com/{}-pre-commit\n",
            handoff::home::REPOSITORY
        )),
        "the fast hook, installed from the wheel: {snippet}"
    );
    assert!(
        snippet.ends_with("    hooks:\n      - id: handoff\n"),
        "{snippet}"
    );
}

#[test]
fn init_outside_a_repository_exits_2_with_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = handoff_in(dir.path(), &["init"]);
    assert_eq!(run.code, 2, "stdout: {}", run.stdout);
    assert!(
        run.stderr
            .contains("is not inside a git repository: run `git init` first"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "nothing written"
    );
}

#[test]
fn a_development_build_references_the_action_by_tag_and_asks_for_the_pin() {
    let repo = shop();
    assert_eq!(repo.handoff(&["init"]).code, 0);
    let version = env!("CARGO_PKG_VERSION");
    let reference = format!("uses: {}@v{version}", handoff::home::REPOSITORY);
    for file in [
        ".github/workflows/handoff.yml",
        ".github/workflows/handoff-comment.yml",
    ] {
        let output = support::run(
            Command::new(support::venv_tool("zizmor"))
                .env("NO_COLOR", "1")
                .args(["--offline", "--persona", "regular", "--format", "plain"])
                .arg(repo.path().join(file)),
        );
        let text = support::text(&output);
        // A development build cannot know the release's commit: the file's
        // header asks for it, and zizmor's one finding says the same. A
        // release build pins it (tests/release_files.rs).
        let findings: Vec<&str> = text
            .lines()
            .filter(|line| {
                ["error[", "warning[", "help[", "info["]
                    .iter()
                    .any(|level| line.starts_with(level))
            })
            .collect();
        assert_eq!(findings.len(), 1, "{file}: {text}");
        assert!(
            findings[0].starts_with("error[unpinned-uses]"),
            "{file}: {text}"
        );
        assert!(text.contains(&reference), "{file}: {text}");
        let header = read(&repo, file);
        assert!(
            header.contains(&format!(
                "# Pin the action to the commit of the v{version} release:"
            )),
            "{header}"
        );
    }
}

const REPORT_QUEUE: &str = r#"import { Queue } from "bullmq";

const reportQueue = new Queue("reports");

export const enqueueReportJob = async (kind: string, payload: object) => {
  return await reportQueue.add(kind, payload);
};

export async function scheduleDigestJob(when: number) {
  return await reportQueue.add("digest", {}, { delay: when });
}
"#;

const REPORT_WORKER: &str = r#"import { Worker } from "bullmq";
import nodemailer from "nodemailer";

const transport = nodemailer.createTransport({});

new Worker("reports", async (job) => {
  await transport.sendMail({ to: job.data.to, subject: "Your report is ready" });
});
"#;

/// Helpers named like jobs (`*Job`) that enqueue jobs are producers: one
/// joins the worker of the queue it feeds, and one whose job has no worker
/// starts no workflow of its own; `init` says what it left out.
#[test]
fn enqueue_helpers_named_like_jobs_join_their_worker_and_start_no_workflow() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"name\": \"reports\", \"scripts\": {\"test\": \"vitest run\"}, \"devDependencies\": {\"vitest\": \"1\"}}\n",
    );
    repo.write("src/queue.ts", REPORT_QUEUE);
    repo.write("src/worker.ts", REPORT_WORKER);
    repo.commit("reports");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(
        run.stdout
            .contains("(1 workflow inferred: report; left out: 1 job producer)"),
        "{}",
        run.stdout
    );
    let written = read(&repo, ".handoff.yml");
    let names: Vec<&str> = written
        .lines()
        .filter_map(|line| line.strip_prefix("  - name: "))
        .collect();
    assert_eq!(names, ["report"], "{written}");
    assert!(
        written.contains("      - \"src/queue.ts\"\n      - \"src/worker.ts\"\n"),
        "{written}"
    );
    assert!(
        written.contains(
            "# - 1 function named like a job that only enqueues, with no job found for what it starts: task scheduleDigestJob.\n"
        ),
        "{written}"
    );
}

/// The `always` block proposes every suite the project's tests belong to,
/// most test files first: the unit suite comes before the end-to-end one
/// even when an end-to-end test is first in path order.
#[test]
fn always_proposes_each_suite_of_the_tests_most_files_first() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"name\": \"ledger\", \"scripts\": {\"test\": \"vitest run\", \"test:e2e\": \"playwright test\"}, \"devDependencies\": {\"vitest\": \"1\", \"@playwright/test\": \"1\"}}\n",
    );
    repo.write(
        "src/ledger.ts",
        "export const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);\n",
    );
    repo.write(
        "e2e/ledger.spec.ts",
        "import { test } from '@playwright/test';\ntest('opens', async ({ page }) => { await page.goto('/'); });\n",
    );
    for name in ["sums", "empty"] {
        repo.write(
            &format!("src/{name}.test.ts"),
            "import { total } from './ledger';\nimport { test, expect } from 'vitest';\ntest('total', () => expect(total([1])).toBe(1));\n",
        );
    }
    repo.commit("ledger");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let written = read(&repo, ".handoff.yml");
    assert!(
        written.contains(
            "# always:\n#   - name: unit\n#     command: \"npm run test\"\n#   - name: unit-2\n#     command: \"npm run test:e2e\"\n"
        ),
        "{written}"
    );
}

/// A Rust service whose route only hands the work to an in-process channel:
/// a worker the server spawns receives from it in a loop and, three calls
/// and two files away, posts the notification. A scheduled worker runs the
/// same pipeline. The route, both workers and the files of the chain are one
/// workflow; a spawned loop that reaches nothing and a route that reaches
/// nothing stay out.
#[test]
fn spawned_workers_fed_by_a_route_through_a_channel_are_one_workflow() {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"feeds\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write(
        "src/main.rs",
        "mod api;\nmod notify;\nmod refresh;\nmod server;\nfn main() {}\n",
    );
    repo.write(
        "src/api.rs",
        r#"use axum::{routing::post, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feeds/refresh", post(refresh_feeds))
        .route("/feeds/ping", post(ping))
}

async fn refresh_feeds(State(state): State<AppState>) -> StatusCode {
    match state.refresh_sender.try_send(()) {
        Ok(()) => StatusCode::ACCEPTED,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn ping() -> StatusCode {
    StatusCode::OK
}
"#,
    );
    repo.write(
        "src/server.rs",
        r#"use crate::refresh::refresh_all;

pub async fn start(client: reqwest::Client) {
    let (refresh_sender, refresh_rx) = mpsc::channel::<()>(1);
    let (stats_tx, stats_rx) = mpsc::channel::<u64>(8);
    tokio::spawn(run_refresh_worker(client.clone(), refresh_rx));
    tokio::spawn(async move {
        run_scheduled_feeds_worker(client).await;
    });
    tokio::spawn(count_stats(stats_rx));
    serve(refresh_sender, stats_tx).await;
}

async fn run_refresh_worker(client: reqwest::Client, mut rx: mpsc::Receiver<()>) {
    while let Some(()) = rx.recv().await {
        refresh_all(&client).await;
    }
}

async fn run_scheduled_feeds_worker(client: reqwest::Client) {
    let mut interval = tokio::time::interval(Duration::from_secs(86_400));
    loop {
        interval.tick().await;
        refresh_all(&client).await;
    }
}

async fn count_stats(mut rx: mpsc::Receiver<u64>) {
    let mut total = 0;
    while let Some(n) = rx.recv().await {
        total += n;
    }
}
"#,
    );
    repo.write(
        "src/refresh.rs",
        r#"use crate::notify::announce;

pub async fn refresh_all(client: &reqwest::Client) {
    let changed = download_feeds(client).await;
    report(client, changed).await;
}

async fn report(client: &reqwest::Client, changed: usize) {
    announce(client, changed).await;
}
"#,
    );
    repo.write(
        "src/notify.rs",
        r#"pub async fn announce(client: &reqwest::Client, changed: usize) {
    let body = format!("{changed} feeds changed");
    let _ = client.post("https://hooks.example.com/feeds").body(body).send().await;
}
"#,
    );
    repo.commit("feeds");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let written = read(&repo, ".handoff.yml");
    let names: Vec<&str> = written
        .lines()
        .filter_map(|line| line.strip_prefix("  - name: "))
        .collect();
    assert_eq!(names, ["feeds"], "{written}");
    for path in [
        "src/api.rs",
        "src/notify.rs",
        "src/refresh.rs",
        "src/server.rs",
    ] {
        assert!(
            written.contains(&format!("      - \"{path}\"\n")),
            "{path}: {written}"
        );
    }
    assert!(
        written.contains("POST /feeds/refresh (src/api.rs:9); hands work to the refresh channel · worker run_refresh_worker (src/server.rs:14) → HTTP client"),
        "{written}"
    );
    assert!(written.contains("and 1 more entry point"), "{written}");
    assert!(!written.contains("count_stats ("), "{written}");
    assert!(!written.contains("POST /feeds/ping ("), "{written}");
}

/// A TypeScript monorepo written in arrow-function constants, importing
/// through its `tsconfig.json` alias and a workspace package's index: the
/// job a definition table registers reaches the mailer three files away
/// (job → pipeline → `@/lib/mail` index → the module that sends), and the
/// route that enqueues it through the jobs package's helper joins it, named
/// after the job, not the route's first segment. A UI component's handler
/// and a test stay out.
#[test]
fn jobs_reach_boundaries_through_aliases_index_files_and_arrow_helpers() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"name\": \"surveys\", \"private\": true, \"workspaces\": [\"apps/*\", \"packages/*\"]}\n",
    );
    repo.write(
        "apps/web/package.json",
        "{\"name\": \"web\", \"scripts\": {\"test\": \"vitest run\"}, \"devDependencies\": {\"vitest\": \"1\"}}\n",
    );
    repo.write(
        "apps/web/tsconfig.json",
        "{\n  // aliases\n  \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@/*\": [\"./*\"] } }\n}\n",
    );
    repo.write(
        "packages/jobs/package.json",
        "{\"name\": \"@surveys/jobs\", \"main\": \"src/index.ts\"}\n",
    );
    repo.write(
        "packages/jobs/src/index.ts",
        "export { enqueueDigestJob } from './queue';\n",
    );
    repo.write(
        "packages/jobs/src/queue.ts",
        r#"import { Queue } from "bullmq";

const queue = new Queue("background");

export const enqueueDigestJob = async (data: { surveyId: string }) => {
  return await queue.add("digest.send", data);
};
"#,
    );
    repo.write(
        "apps/web/lib/jobs/definitions.ts",
        r#"import { processDigestJob } from "@/modules/digest/process-digest-job";

export const definitions = {
  "digest.send": { handle: processDigestJob },
};
"#,
    );
    repo.write(
        "apps/web/modules/digest/process-digest-job.ts",
        r#"import { runDigestPipeline } from "@/modules/digest/pipeline";

export const processDigestJob = async (data: { surveyId: string }) => {
  await runDigestPipeline(data.surveyId);
};
"#,
    );
    repo.write(
        "apps/web/modules/digest/pipeline.ts",
        r#"import { sendDigestEmail } from "@/lib/mail";

export const runDigestPipeline = async (surveyId: string) => {
  const summary = await summarize(surveyId);
  await sendDigestEmail(summary);
};

const summarize = async (surveyId: string) => ({ surveyId });
"#,
    );
    repo.write("apps/web/lib/mail/index.ts", "export * from './send';\n");
    repo.write(
        "apps/web/lib/mail/send.ts",
        r#"import { createTransport } from "nodemailer";

export const sendDigestEmail = async (summary: { surveyId: string }) => {
  const transporter = createTransport({});
  await transporter.sendMail({ to: "owner@example.com", subject: summary.surveyId });
};
"#,
    );
    repo.write(
        "apps/web/app/api/v1/surveys/[surveyId]/digest-requests/route.ts",
        r#"import { enqueueDigestJob } from "@surveys/jobs";

export const POST = async (request: Request) => {
  const { surveyId } = await request.json();
  await enqueueDigestJob({ surveyId });
  return Response.json({ queued: true });
};
"#,
    );
    repo.write(
        "apps/web/components/digest-button.tsx",
        r#"import { sendDigestEmail } from "@/lib/mail";

export const DigestButton = () => (
  <button onClick={async () => { await sendDigestEmail({ surveyId: "s" }); }}>Send</button>
);
"#,
    );
    repo.write(
        "apps/web/modules/digest/pipeline.test.ts",
        r#"import { runDigestPipeline } from "@/modules/digest/pipeline";
import { test } from "vitest";

test("digest", async () => { await runDigestPipeline("s"); });
"#,
    );
    repo.commit("surveys");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let written = read(&repo, ".handoff.yml");
    let names: Vec<&str> = written
        .lines()
        .filter_map(|line| line.strip_prefix("  - name: "))
        .collect();
    assert_eq!(names, ["digest"], "{written}");
    assert!(
        written.contains("POST /api/v1/surveys/[surveyId]/digest-requests ("),
        "{written}"
    );
    assert!(
        written.contains("task processDigestJob (apps/web/modules/digest/process-digest-job.ts:3) → e-mail/SMS provider"),
        "{written}"
    );
    for path in [
        "apps/web/lib/mail/send.ts",
        "apps/web/modules/digest/pipeline.ts",
        "apps/web/modules/digest/process-digest-job.ts",
        "packages/jobs/src/queue.ts",
    ] {
        assert!(
            written.contains(&format!("      - \"{path}\"\n")),
            "{path}: {written}"
        );
    }
    assert!(!written.contains("digest-button"), "{written}");
    assert!(!written.contains("pipeline.test.ts\"\n"), "{written}");
}
