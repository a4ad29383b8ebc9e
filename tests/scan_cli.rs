//! `handoff scan` end to end: real repositories, the real binary.

mod common;

use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, CHECKOUT_OUTBOX, Repo, findings, summary};

fn two_commits(path: &str, before: &str, after: &str) -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write(path, before);
    let base = repo.commit("before");
    repo.write(path, after);
    let head = repo.commit("after");
    (repo, base, head)
}

fn scan_json(repo: &Repo, base: &str, head: &str, extra: &[&str]) -> serde_json::Value {
    repo.scan_change_with(base, head, extra)
}

#[test]
fn checkout_refactor_reports_one_new_finding_on_the_publish_line() {
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_BEFORE, CHECKOUT_AFTER);
    let report = scan_json(&repo, &base, &head, &[]);
    assert_eq!(report["schema"], "handoff/v1");
    assert_eq!(report["base"], base.as_str());
    assert_eq!(report["head"], head.as_str());
    assert_eq!(report["risk"], "high");
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            6,
            "new".to_string()
        )]
    );
    let finding = &findings(&report)[0];
    assert_eq!(finding["class"], "sequencing");
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["path"], "src/checkout.js");
    assert_eq!(finding["column"], 11);
    assert_eq!(finding["end_line"], 6);
    assert!(
        finding["message"]
            .as_str()
            .unwrap_or_default()
            .contains("order.created")
    );
    assert_eq!(finding["related"][0]["line"], 4);
    assert_eq!(finding["related"][0]["path"], "src/checkout.js");
    let questions = finding["questions"].as_array().expect("questions");
    assert!(questions.len() >= 4);
    assert!(questions.iter().any(|q| {
        q.as_str()
            .unwrap_or_default()
            .contains("exactly one `order.created`")
    }));
    assert_eq!(finding["fingerprint"].as_str().map(str::len), Some(32));
    assert_eq!(report["stats"]["files_changed"], 1);
    assert_eq!(report["stats"]["files_analyzed"], 1);
    assert_eq!(report["stats"]["parse_errors"], 0);
}

#[test]
fn outbox_and_after_commit_versions_report_nothing() {
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_AFTER, CHECKOUT_OUTBOX);
    let report = scan_json(&repo, &base, &head, &[]);
    assert_eq!(report["risk"], "none");
    assert!(findings(&report).is_empty(), "{report:#}");
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_AFTER, CHECKOUT_BEFORE);
    assert!(findings(&scan_json(&repo, &base, &head, &[])).is_empty());
}

const DJANGO_BEFORE: &str = "from django.db import transaction\n\n\ndef checkout(request):\n    with transaction.atomic():\n        order = Order.objects.create(user=request.user, status=\"paid\")\n        transaction.on_commit(lambda: send_order_email.delay(order.id))\n    return JsonResponse({\"orderId\": order.id})\n";
const DJANGO_AFTER: &str = "from django.db import transaction\n\n\ndef checkout(request):\n    with transaction.atomic():\n        order = Order.objects.create(user=request.user, status=\"paid\")\n        send_order_email.delay(order.id)\n    return JsonResponse({\"orderId\": order.id})\n";

#[test]
fn django_delay_inside_atomic_without_on_commit_is_reported() {
    let (repo, base, head) = two_commits("shop/views.py", DJANGO_BEFORE, DJANGO_AFTER);
    let report = scan_json(&repo, &base, &head, &[]);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            7,
            "new".to_string()
        )]
    );
    let (repo, base, head) = two_commits("shop/views.py", DJANGO_AFTER, DJANGO_BEFORE);
    assert!(findings(&scan_json(&repo, &base, &head, &[])).is_empty());
}

const SQLX_BEFORE: &str = r#"pub async fn checkout(pool: &PgPool, producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE orders SET status = 'paid' WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    producer.send(FutureRecord::to("order.created").payload(&id.to_string()).key(&id.to_string()), Duration::ZERO).await;
    Ok(())
}
"#;
const SQLX_AFTER: &str = r#"pub async fn checkout(pool: &PgPool, producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE orders SET status = 'paid' WHERE id = $1").bind(id).execute(&mut *tx).await?;
    producer.send(FutureRecord::to("order.created").payload(&id.to_string()).key(&id.to_string()), Duration::ZERO).await;
    tx.commit().await?;
    Ok(())
}
"#;

#[test]
fn rust_sqlx_publish_before_commit_is_reported() {
    let (repo, base, head) = two_commits("src/checkout.rs", SQLX_BEFORE, SQLX_AFTER);
    let report = scan_json(&repo, &base, &head, &[]);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-before-commit".to_string(),
            4,
            "new".to_string()
        )]
    );
    let related: Vec<u64> = findings(&report)[0]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["line"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(related, vec![2, 5]);
}

#[test]
fn typescript_and_tsx_versions_are_reported() {
    for path in ["src/checkout.ts", "app/checkout/action.tsx"] {
        let (repo, base, head) = two_commits(path, CHECKOUT_BEFORE, CHECKOUT_AFTER);
        let report = scan_json(&repo, &base, &head, &[]);
        assert_eq!(
            summary(&report),
            vec![(
                "sequencing/side-effect-in-transaction".to_string(),
                6,
                "new".to_string()
            )],
            "{path}"
        );
    }
}

#[test]
fn untouched_existing_finding_is_reported_only_with_all() {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let base = repo.commit("existing bug");
    repo.write(
        "src/checkout.js",
        format!("{CHECKOUT_AFTER}\nfunction unrelated() {{ return 1; }}\n"),
    );
    let head = repo.commit("unrelated change");
    assert!(findings(&scan_json(&repo, &base, &head, &[])).is_empty());
    let all = scan_json(&repo, &base, &head, &["--all"]);
    assert_eq!(
        summary(&all),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            6,
            "existing".to_string()
        )]
    );
    assert_eq!(
        all["risk"], "none",
        "existing findings do not raise the risk"
    );
}

#[test]
fn moved_publish_keeps_its_fingerprint() {
    let repo = Repo::new();
    repo.write("README.md", "shop\n");
    let empty = repo.commit("init");
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let base = repo.commit("bug");
    let before = scan_json(&repo, &empty, &base, &[]);
    assert_eq!(summary(&before).len(), 1);
    repo.write(
        "src/checkout.js",
        format!("// a comment\n\n// moves everything down\n{CHECKOUT_AFTER}"),
    );
    let head = repo.commit("move");
    let after = scan_json(&repo, &base, &head, &["--all"]);
    assert_eq!(
        summary(&after),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            9,
            "existing".to_string()
        )]
    );
    assert_eq!(
        findings(&before)[0]["fingerprint"],
        findings(&after)[0]["fingerprint"]
    );
}

#[test]
fn renamed_file_keeps_existing_findings_existing() {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let base = repo.commit("bug");
    std::fs::create_dir_all(repo.path().join("src/orders")).expect("mkdir");
    repo.git(&["mv", "src/checkout.js", "src/orders/checkout.js"]);
    let head = repo.commit("rename");
    assert!(findings(&scan_json(&repo, &base, &head, &[])).is_empty());
    let all = scan_json(&repo, &base, &head, &["--all"]);
    assert_eq!(findings(&all)[0]["path"], "src/orders/checkout.js");
    assert_eq!(findings(&all)[0]["status"], "existing");
}

#[test]
fn deleted_file_reports_nothing() {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let base = repo.commit("bug");
    repo.remove("src/checkout.js");
    let head = repo.commit("delete");
    let report = scan_json(&repo, &base, &head, &["--all"]);
    assert!(findings(&report).is_empty());
    assert_eq!(report["stats"]["files_changed"], 1);
}

#[test]
fn binary_and_invalid_utf8_files_are_skipped_with_warnings() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("init");
    repo.write("assets/logo.js", [0u8, 159, 146, 150, 0, 1, 2]);
    repo.write("src/latin1.py", b"name = '\xe9t\xe9'\n".as_slice());
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let head = repo.commit("add");
    let report = scan_json(&repo, &base, &head, &[]);
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("assets/logo.js"), "{warnings}");
    assert!(warnings.contains("src/latin1.py"), "{warnings}");
    assert_eq!(
        summary(&report).len(),
        1,
        "the valid file is still analysed"
    );
}

#[test]
fn staged_mode_sees_only_the_index() {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    repo.commit("clean");
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let run = repo.handoff(&["scan", "--staged", "--format", "json"]);
    assert_eq!(run.code, 0, "nothing staged yet: {}", run.stderr);
    assert!(findings(&run.json()).is_empty());
    repo.git(&["add", "src/checkout.js"]);
    let run = repo.handoff(&["scan", "--staged", "--format", "json"]);
    assert_eq!(
        run.code, 1,
        "a new high finding fails the default --fail-on high"
    );
    let report = run.json();
    assert_eq!(report["head"], "INDEX");
    assert_eq!(summary(&report).len(), 1);
}

#[test]
fn work_tree_mode_is_the_default() {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    repo.commit("clean");
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let run = repo.handoff(&[
        "scan",
        "--base",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["head"], "WORKTREE");
    assert_eq!(summary(&report).len(), 1);
}

#[test]
fn shallow_clone_without_the_base_exits_2_with_the_fix() {
    let origin = Repo::new();
    origin.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = origin.commit("one");
    origin.write("src/checkout.js", CHECKOUT_AFTER);
    origin.commit("two");
    let clone_dir = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "clone"])
        .current_dir(clone_dir.path())
        .status()
        .expect("git clone");
    assert!(status.success());
    let run = common::handoff_in(
        &clone_dir.path().join("clone"),
        &["scan", "--base", &base, "--head", "HEAD"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
    assert!(run.stderr.contains("git fetch --deepen"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn broken_config_exits_2_with_line_and_column() {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = repo.commit("one");
    repo.write(
        ".handoff.yml",
        "rules:\n  sequencing/side-effect-in-transaction:\n    severity: urgent\n",
    );
    let run = repo.handoff(&["scan", "--base", &base]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: invalid configuration: .handoff.yml:3:15: "),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    repo.write(".handoff.yml", "knowledge:\n  js:\n    sinks:\n      - calls: ['bus.{a']\n        kind: event\n        label: x\n");
    let run = repo.handoff(&["scan", "--base", &base]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(".handoff.yml:4:18: invalid call pattern"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_can_add_a_sink_disable_a_rule_and_ignore_paths() {
    let before = "async function f(db) {\n  await db.transaction(async (trx) => {\n    await trx.orders.insert({});\n  });\n}\n";
    let after = "async function f(db) {\n  await db.transaction(async (trx) => {\n    await trx.orders.insert({});\n    await notifier.announce('order.created', {});\n  });\n}\n";
    let (repo, base, head) = two_commits("src/a.js", before, after);
    assert!(
        findings(&scan_json(&repo, &base, &head, &[])).is_empty(),
        "unknown wrappers are quiet"
    );
    repo.write(".handoff.yml", "knowledge:\n  js:\n    sinks:\n      - calls: ['notifier.announce']\n        kind: event\n        label: our event bus\n");
    let report = scan_json(&repo, &base, &head, &[]);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            4,
            "new".to_string()
        )]
    );
    assert!(
        findings(&report)[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("our event bus")
    );
    repo.write(".handoff.yml", "knowledge:\n  js:\n    sinks:\n      - calls: ['notifier.announce']\n        kind: event\n        label: bus\nrules:\n  sequencing/side-effect-in-transaction:\n    severity: low\n");
    assert_eq!(
        findings(&scan_json(&repo, &base, &head, &[]))[0]["severity"],
        "low"
    );
    repo.write(".handoff.yml", "knowledge:\n  js:\n    sinks:\n      - calls: ['notifier.announce']\n        kind: event\n        label: bus\nignore: ['src/**']\n");
    assert!(findings(&scan_json(&repo, &base, &head, &[])).is_empty());
    repo.write(".handoff.yml", "knowledge:\n  js:\n    sinks:\n      - calls: ['notifier.announce']\n        kind: event\n        label: bus\nrules:\n  sequencing/side-effect-in-transaction:\n    enabled: false\n");
    assert!(findings(&scan_json(&repo, &base, &head, &[])).is_empty());
}

#[test]
fn suppression_with_reason_silences_the_finding() {
    let suppressed = CHECKOUT_AFTER.replace(
        "    await eventBus.publish(",
        "    // handoff-ignore[sequencing/side-effect-in-transaction]: the consumer re-reads after a delay\n    await eventBus.publish(",
    );
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_BEFORE, &suppressed);
    let report = scan_json(&repo, &base, &head, &[]);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert!(report["warnings"].as_array().expect("warnings").is_empty());
    let unexplained = suppressed.replace(": the consumer re-reads after a delay", "");
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_BEFORE, &unexplained);
    let report = scan_json(&repo, &base, &head, &[]);
    assert!(findings(&report).is_empty());
    assert!(report["warnings"].to_string().contains("without a reason"));
}

#[test]
fn fail_on_sets_the_exit_code() {
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_BEFORE, CHECKOUT_AFTER);
    let args = |fail_on: &'static str| {
        vec![
            "scan",
            "--base",
            &base,
            "--head",
            &head,
            "--fail-on",
            fail_on,
        ]
    };
    assert_eq!(repo.handoff(&args("high")).code, 1);
    assert_eq!(repo.handoff(&args("medium")).code, 1);
    assert_eq!(repo.handoff(&args("never")).code, 0);
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_AFTER, CHECKOUT_OUTBOX);
    assert_eq!(
        repo.handoff(&["scan", "--base", &base, "--head", &head, "--fail-on", "low"])
            .code,
        0
    );
}

#[test]
fn text_output_underlines_the_span_and_asks_the_questions() {
    let (repo, base, head) = two_commits("src/checkout.js", CHECKOUT_BEFORE, CHECKOUT_AFTER);
    let run = repo.handoff(&[
        "scan",
        "--base",
        &base,
        "--head",
        &head,
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0);
    let text = &run.stdout;
    assert!(
        text.starts_with("high[sequencing/side-effect-in-transaction]: `eventBus.publish`"),
        "{text}"
    );
    assert!(text.contains(" --> src/checkout.js:6:11"), "{text}");
    assert!(
        text.contains("6 |     await eventBus.publish('order.created'"),
        "{text}"
    );
    assert!(text.contains("  |           ^^^^^^^^^^^^^^^^"), "{text}");
    assert!(
        text.contains("= note: transaction opened here (`db.transaction`) at src/checkout.js:4:"),
        "{text}"
    );
    assert!(text.contains("= question: "), "{text}");
    assert!(
        text.contains("1 new finding (1 high, 0 medium, 0 low)"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn syntax_errors_and_deep_nesting_do_not_stop_the_scan() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("init");
    repo.write(
        "src/broken.js",
        format!("{CHECKOUT_AFTER}\nfunction oops( {{\n"),
    );
    repo.write(
        "src/deep.js",
        format!("const x = {}1{};\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    repo.write(
        "src/deep.py",
        format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000)),
    );
    repo.write(
        "src/deep.rs",
        format!(
            "fn f() {{ {}1{} }}\n",
            "(".repeat(10_000),
            ")".repeat(10_000)
        ),
    );
    repo.write(
        "src/deep_blocks.rs",
        format!("fn f() {}{}\n", "{".repeat(10_000), "}".repeat(10_000)),
    );
    let head = repo.commit("hostile");
    let report = scan_json(&repo, &base, &head, &[]);
    assert!(
        report["stats"]["parse_errors"].as_u64().unwrap_or_default() >= 1,
        "{report:#}"
    );
    assert!(report["warnings"].to_string().contains("src/broken.js"));
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            6,
            "new".to_string()
        )],
        "what parsed is still analysed"
    );
}

#[test]
fn not_a_repository_and_unknown_revision_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = common::handoff_in(dir.path(), &["scan", "--base", "HEAD"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let repo = Repo::new();
    repo.write("a.js", "x\n");
    repo.commit("one");
    let run = repo.handoff(&["scan", "--base", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-branch"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn rules_and_explain_print_the_rule_docs() {
    let repo = Repo::new();
    let run = repo.handoff(&["rules"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("sequencing/side-effect-in-transaction"));
    assert!(run.stdout.contains("sequencing/side-effect-before-commit"));
    let run = repo.handoff(&["explain", "sequencing/side-effect-in-transaction"]);
    assert_eq!(run.code, 0);
    for section in [
        "## What it detects",
        "## Why it breaks workflows",
        "## Example",
        "Use instead:",
        "## How to fix it",
        "## Reviewer questions",
    ] {
        assert!(run.stdout.contains(section), "missing {section}");
    }
    let run = repo.handoff(&["explain", "sequencing/nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("handoff rules"));
}

#[test]
fn findings_carry_confidence_and_min_confidence_leaves_the_weaker_out() {
    // `eventBus.publish` names a bus (high confidence); `notifier.publish` is only
    // the generic method name `*.publish` (medium).
    let before = "export async function pay(db, eventBus, notifier, id) {\n  await db.transaction(async (trx) => {\n    await trx('orders').where({ id }).update({ status: 'paid' });\n  });\n}\n";
    let after = "export async function pay(db, eventBus, notifier, id) {\n  await db.transaction(async (trx) => {\n    await trx('orders').where({ id }).update({ status: 'paid' });\n    await eventBus.publish('order.paid', { id });\n    await notifier.publish('audit', { id });\n  });\n}\n";
    let (repo, base, head) = two_commits("src/pay.js", before, after);
    let report = scan_json(&repo, &base, &head, &[]);
    let confidences: Vec<(u64, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["confidence"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        confidences,
        vec![(4, "high".to_string()), (5, "medium".to_string())]
    );
    let strict = scan_json(&repo, &base, &head, &["--min-confidence", "high"]);
    assert_eq!(
        summary(&strict),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            4,
            "new".to_string()
        )]
    );
    let sarif = repo.handoff(&[
        "scan",
        "--base",
        &base,
        "--head",
        &head,
        "--format",
        "sarif",
        "--fail-on",
        "never",
    ]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ranks: Vec<(f64, String)> = results
        .iter()
        .map(|r| {
            (
                r["rank"].as_f64().unwrap_or_default(),
                r["properties"]["precision"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        ranks,
        vec![(90.0, "high".to_string()), (60.0, "medium".to_string())]
    );
}
