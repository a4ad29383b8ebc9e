//! Boundaries and selections on in-memory changes (the CLI tests cover real
//! repositories).

use super::*;
use crate::config::{CONFIG_FILE, Config};
use crate::diff::{ChangeSet, ChangedFile, FileStatus, LineRange};
use crate::scan::analyze_change;

/// A change adding `path` with `text` (every line changed).
fn added(path: &str, text: &str) -> ChangedFile {
    let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
    ChangedFile {
        path: path.to_string(),
        old_path: None,
        status: FileStatus::Added,
        base_text: None,
        head_text: Some(text.to_string()),
        changed_lines: vec![LineRange {
            first: 1,
            last: lines,
        }],
        base_changed_lines: Vec::new(),
        removed_after: Vec::new(),
    }
}

fn report_for(files: Vec<ChangedFile>, config: &Config) -> Report {
    let changed_paths = files.iter().map(|f| f.path.clone()).collect();
    let change = ChangeSet {
        repo_root: std::path::PathBuf::from("."),
        base: "0".repeat(40),
        head: "WORKTREE".to_string(),
        files_changed: files.len(),
        files,
        changed_paths,
        warnings: Vec::new(),
    };
    analyze_change(change, config, false).expect("analysis runs")
}

fn config(text: &str) -> Config {
    Config::parse(text, CONFIG_FILE).expect("valid configuration")
}

const RETRY_LOOP: &str = r#"def sync_lead(lead):
    for attempt in range(3):
        try:
            requests.post("https://crm.example.com/leads", json=lead)
            return
        except Timeout:
            continue
"#;

#[test]
fn python_retry_loop_is_a_retry_scope_around_the_http_write() {
    let config = config("");
    let report = report_for(vec![added("crm/sync.py", RETRY_LOOP)], &config);
    let map = touched_boundaries(&report, &config);
    let retry = map
        .boundaries
        .iter()
        .find_map(|b| match &b.kind {
            BoundaryKind::Retry(retry) => Some(retry),
            _ => None,
        })
        .expect("a retry scope");
    assert_eq!(retry.wrapper, "the retry loop `for attempt in range(3)`");
    assert_eq!(
        retry.effects,
        ["the request to `https://crm.example.com/leads`"]
    );
    assert!(!retry.all_keyed);
    let effect = map
        .boundaries
        .iter()
        .find_map(|b| match &b.kind {
            BoundaryKind::SideEffect(effect) => Some(effect),
            _ => None,
        })
        .expect("a side effect");
    assert_eq!(effect.retry.as_ref().map(|r| r.line), Some(2));
    assert_eq!(effect.caught_at, Some(6));
    assert_eq!(
        effect.loop_header, None,
        "a retry loop is not an ordinary loop"
    );
}

const DEFERRED: &str = r#"from django.db import transaction

def pay(order):
    with transaction.atomic():
        order.save()
        transaction.on_commit(lambda: send_receipt.delay(order.id))
"#;

#[test]
fn deferred_effect_keeps_its_transaction_and_its_deferral() {
    let config = config("");
    let report = report_for(vec![added("shop/pay.py", DEFERRED)], &config);
    let map = touched_boundaries(&report, &config);
    let effect = map
        .boundaries
        .iter()
        .find_map(|b| match &b.kind {
            BoundaryKind::SideEffect(effect) => Some(effect),
            _ => None,
        })
        .expect("the task call");
    assert_eq!(
        effect.transaction.as_ref().map(|t| t.name.as_str()),
        Some("transaction.atomic")
    );
    assert_eq!(
        effect.deferred_by.as_ref().map(|d| d.name.as_str()),
        Some("transaction.on_commit")
    );
    assert!(report.findings.is_empty(), "deferred: no finding");
    let transaction = map
        .boundaries
        .iter()
        .find_map(|b| match &b.kind {
            BoundaryKind::Transaction(transaction) => Some(transaction),
            _ => None,
        })
        .expect("the transaction");
    assert!(
        transaction.effects.is_empty(),
        "a deferred effect does not fire before commit"
    );
}

#[test]
fn topic_of_a_python_task_selects_a_workflow_without_paths_match() {
    let config = config("workflows:\n  - name: receipts\n    topics: [\"send_receipt\"]\n");
    let report = report_for(vec![added("shop/pay.py", DEFERRED)], &config);
    let result = select(&report, &config);
    assert_eq!(result.names(), ["receipts"]);
    assert_eq!(
        result.suites[0].reasons,
        [
            "shop/pay.py:6: `send_receipt.delay` publishes `send_receipt`, a topic of workflow `receipts` (`send_receipt`)"
        ]
    );
    assert_eq!(result.suites[0].command, None);
}

#[test]
fn path_reasons_are_capped_with_a_count_of_the_rest() {
    let config = config("workflows:\n  - name: all\n    paths: [\"src/**\"]\n");
    let files = (0..13)
        .map(|i| added(&format!("src/f{i:02}.js"), "export const a = 1;\n"))
        .collect();
    let report = report_for(files, &config);
    let result = select(&report, &config);
    let reasons = &result.suites[0].reasons;
    assert_eq!(reasons.len(), 11, "{reasons:?}");
    assert_eq!(
        reasons[10],
        "src/f10.js: and 3 more changed files in the paths of workflow `all`"
    );
}

#[test]
fn gate_result_serialises_command_as_null_when_absent() {
    let result = GateResult {
        risk: "none".to_string(),
        suites: vec![SelectedSuite {
            name: "e2e".to_string(),
            command: None,
            reasons: vec!["a.js:1: why".to_string()],
        }],
    };
    assert_eq!(
        serde_json::to_value(&result).expect("serialises"),
        serde_json::json!({ "risk": "none", "suites": [{ "name": "e2e", "command": null, "reasons": ["a.js:1: why"] }] })
    );
}

const SQLX: &str = r#"async fn checkout(pool: &PgPool, producer: &FutureProducer, order_id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE orders SET status = 'paid' WHERE id = $1").bind(order_id).execute(&mut *tx).await?;
    producer
        .send(FutureRecord::to("order.created").payload(&payload).key(&key), Duration::from_secs(0))
        .await
        .map_err(|(e, _)| e)?;
    tx.commit().await?;
    Ok(())
}
"#;

#[test]
fn rust_handle_transaction_holds_the_send_before_its_commit() {
    let config = config("workflows:\n  - name: checkout\n    topics: [\"order.*\"]\n");
    let report = report_for(vec![added("src/checkout.rs", SQLX)], &config);
    let map = touched_boundaries(&report, &config);
    let transaction = map
        .boundaries
        .iter()
        .find_map(|b| match &b.kind {
            BoundaryKind::Transaction(transaction) => Some(transaction),
            _ => None,
        })
        .expect("the pool.begin transaction");
    assert_eq!(transaction.opener, "pool.begin");
    assert_eq!(transaction.style, None, "a handle, not a scope");
    assert_eq!(transaction.effects, ["`order.created`"]);
    assert_eq!(transaction.commit_line, Some(8));
    let effect = map
        .boundaries
        .iter()
        .find_map(|b| match &b.kind {
            BoundaryKind::SideEffect(effect) => Some(effect),
            _ => None,
        })
        .expect("the send");
    assert_eq!(
        effect.destination.as_deref(),
        Some("order.created"),
        "the topic of the nested FutureRecord"
    );
    assert_eq!(effect.transaction.as_ref().map(|t| t.line), Some(2));
    let result = select(&report, &config);
    assert_eq!(result.names(), ["checkout"]);
    assert!(
        result.suites[0].reasons[0]
            .starts_with("src/checkout.rs:4: `producer.send` publishes `order.created`"),
        "{:?}",
        result.suites[0].reasons
    );
}

/// The gate's retry scope (what the checklist shows) and the idempotency
/// rule's finding come from the same flow fact, so they agree on every
/// snippet: the same code is retried for both, under the same name.
#[test]
fn gate_retry_scopes_and_retry_findings_agree() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "jobs/charge.js",
            "import pRetry from 'p-retry';\nexport async function charge(order) {\n  await pRetry(() => stripe.charges.create({ amount: order.total }), { retries: 3 });\n}\n",
            Some("p-retry"),
        ),
        // A BullMQ worker retries only when `attempts` is configured.
        (
            "jobs/worker.js",
            "import { Worker } from 'bullmq';\nnew Worker('billing', async (job) => {\n  await stripe.charges.create({ amount: job.data.total });\n});\n",
            None,
        ),
        (
            "crm/sync.py",
            "import requests\nfrom requests import Timeout\n\ndef sync_lead(lead):\n    for attempt in range(3):\n        try:\n            requests.post(\"https://crm.example.com/leads\", json=lead)\n            return\n        except Timeout:\n            continue\n",
            Some("the retry loop `for attempt in range(3)`"),
        ),
        // Iterating over a list of delays names no attempt count.
        (
            "crm/notify.py",
            "import requests\n\ndef notify(lead):\n    for backoff in BACKOFF_DELAYS:\n        requests.post(\"https://crm.example.com/notes\", json=lead)\n",
            None,
        ),
    ];
    for (path, text, expected) in cases {
        let config = config("");
        let report = report_for(vec![added(path, text)], &config);
        let map = touched_boundaries(&report, &config);
        let gate = map.boundaries.iter().find_map(|b| match &b.kind {
            BoundaryKind::Retry(retry) => Some(retry.wrapper.clone()),
            _ => None,
        });
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule == "idempotency/retry-without-key");
        assert_eq!(gate.as_deref(), *expected, "{path}: the gate's retry scope");
        assert_eq!(finding.is_some(), expected.is_some(), "{path}: the rule");
        if let (Some(finding), Some(label)) = (finding, expected) {
            assert!(
                finding.message.contains(label),
                "{path}: the finding names the same retry: {}",
                finding.message
            );
        }
    }
}

/// The checklist's "looks generated per attempt" and
/// `idempotency/key-regenerated-per-attempt` read the same flow fact: they
/// agree whether the key is an option, a header set on a variable, or a
/// variable minted inside or outside the retried code.
#[test]
fn gate_keys_and_regenerated_key_findings_agree() {
    let cases: &[(&str, &str, bool)] = &[
        (
            "jobs/inline.js",
            "import pRetry from 'p-retry';\nexport async function charge(order) {\n  await pRetry(() => stripe.charges.create({ amount: order.total }, { idempotencyKey: randomUUID() }), { retries: 3 });\n}\n",
            true,
        ),
        (
            "jobs/variable.js",
            "import pRetry from 'p-retry';\nexport async function charge(order) {\n  await pRetry(() => {\n    const key = uuidv4();\n    return stripe.charges.create({ amount: order.total }, { idempotencyKey: key });\n  }, { retries: 3 });\n}\n",
            true,
        ),
        (
            "jobs/once.js",
            "import pRetry from 'p-retry';\nexport async function charge(order) {\n  const key = randomUUID();\n  await pRetry(() => stripe.charges.create({ amount: order.total }, { idempotencyKey: key }), { retries: 3 });\n}\n",
            false,
        ),
        (
            "crm/headers.py",
            "import uuid\nimport requests\nfrom tenacity import retry, stop_after_attempt\n\n@retry(stop=stop_after_attempt(3))\ndef create_lead(lead):\n    headers = {\"Idempotency-Key\": str(uuid.uuid4())}\n    return requests.post(\"https://crm.example.com/leads\", json=lead, headers=headers)\n",
            true,
        ),
        (
            "jobs/stable.js",
            "import pRetry from 'p-retry';\nexport async function charge(order) {\n  await pRetry(() => stripe.charges.create({ amount: order.total }, { idempotencyKey: `charge-${order.id}` }), { retries: 3 });\n}\n",
            false,
        ),
    ];
    for (path, text, regenerated) in cases {
        let config = config("");
        let report = report_for(vec![added(path, text)], &config);
        let map = touched_boundaries(&report, &config);
        let key = map
            .boundaries
            .iter()
            .find_map(|b| match &b.kind {
                BoundaryKind::SideEffect(effect) => effect.idempotency_key.clone(),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{path}: the gate sees the key"));
        let finding = report
            .findings
            .iter()
            .any(|f| f.rule == "idempotency/key-regenerated-per-attempt");
        assert_eq!(key.generated, *regenerated, "{path}: the checklist's key");
        assert_eq!(finding, *regenerated, "{path}: the rule");
    }
}
