//! `handoff gate` end to end: which workflow suites a change selects, and why,
//! on real repositories with the real binary.

mod common;

use common::Repo;
use serde_json::{Value, json};

const CONFIG: &str = r#"workflows:
  - name: checkout
    description: "order paid, fulfillment request created once"
    paths: ["src/checkout/**"]
    topics: ["order.*"]
    suite:
      name: checkout
      command: npm run test:workflow -- checkout
    threshold: medium
  - name: emails
    paths: ["templates/**"]
    suite:
      name: emails
"#;

const HELPER_BEFORE: &str = r#"export async function announceOrder(order) {
  await eventBus.publish('order.created', { orderId: order.id });
}
"#;

const HELPER_AFTER: &str = r#"export async function announceOrder(order) {
  await eventBus.publish('order.created', { orderId: order.id, total: order.total });
}
"#;

const CHECKOUT_BEFORE: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ status: 'paid' });
    return created;
  });
  await eventBus.publish('order.created', { orderId: order.id });
  res.status(200).json({ orderId: order.id });
});
"#;

const CHECKOUT_AFTER: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ status: 'paid' });
    await eventBus.publish('order.created', { orderId: created.id });
    return created;
  });
  res.status(200).json({ orderId: order.id });
});
"#;

/// Commit `before`, then `after`; returns the repository and both shas.
fn change(config: &str, before: &[(&str, &str)], after: &[(&str, &str)]) -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write(".handoff.yml", config);
    for (path, text) in before {
        repo.write(path, text);
    }
    let base = repo.commit("before");
    for (path, text) in after {
        repo.write(path, text);
    }
    let head = repo.commit("after");
    (repo, base, head)
}

fn gate(repo: &Repo, base: &str, head: &str) -> Value {
    let run = repo.handoff(&["gate", "--base", base, "--head", head]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()
}

fn reasons(result: &Value, suite: &str) -> Vec<String> {
    result["suites"]
        .as_array()
        .and_then(|suites| suites.iter().find(|s| s["name"] == suite))
        .and_then(|s| s["reasons"].as_array())
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn names(result: &Value) -> Vec<String> {
    result["suites"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn edited_publish_in_a_shared_helper_selects_the_workflow_of_its_topic() {
    let (repo, base, head) = change(
        CONFIG,
        &[("src/lib/events.js", HELPER_BEFORE)],
        &[("src/lib/events.js", HELPER_AFTER)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(
        result,
        json!({
            "risk": "none",
            "suites": [{
                "name": "checkout",
                "command": "npm run test:workflow -- checkout",
                "reasons": ["src/lib/events.js:2: `eventBus.publish` publishes `order.created`, a topic of workflow `checkout` (`order.*`)"]
            }]
        })
    );
}

#[test]
fn a_changed_path_selects_its_workflow_naming_file_and_first_changed_line() {
    let (repo, base, head) = change(
        CONFIG,
        &[
            (
                "src/checkout/total.js",
                "export const total = (c) => c.sum;\n// rounding\n",
            ),
            ("templates/receipt.html", "<p>Thanks</p>\n"),
        ],
        &[
            (
                "src/checkout/total.js",
                "export const total = (c) => c.sum;\n// rounding to cents\n",
            ),
            ("templates/receipt.html", "<p>Thanks!</p>\n"),
        ],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(names(&result), ["checkout", "emails"]);
    assert_eq!(
        reasons(&result, "checkout"),
        [
            "src/checkout/total.js:2: changed, in the paths of workflow `checkout` (`src/checkout/**`)"
        ]
    );
    // Not a source file: the path is all the gate knows.
    assert_eq!(
        reasons(&result, "emails"),
        ["templates/receipt.html: changed, in the paths of workflow `emails` (`templates/**`)"]
    );
    assert_eq!(result["suites"][1]["command"], Value::Null);
}

#[test]
fn a_new_finding_at_or_above_the_threshold_is_a_reason() {
    let (repo, base, head) = change(
        CONFIG,
        &[("src/checkout/app.js", CHECKOUT_BEFORE)],
        &[("src/checkout/app.js", CHECKOUT_AFTER)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(result["risk"], "high");
    assert_eq!(
        reasons(&result, "checkout"),
        [
            "src/checkout/app.js:4: changed, in the paths of workflow `checkout` (`src/checkout/**`)",
            "src/checkout/app.js:4: `eventBus.publish` publishes `order.created`, a topic of workflow `checkout` (`order.*`)",
            "src/checkout/app.js:4: new high finding `sequencing/side-effect-in-transaction` in workflow `checkout` (threshold: medium)",
        ]
    );
}

#[test]
fn a_finding_below_the_threshold_is_not_a_reason() {
    let config = format!(
        "{}rules:\n  sequencing/side-effect-in-transaction:\n    severity: low\n",
        CONFIG
    );
    let (repo, base, head) = change(
        &config,
        &[("src/checkout/app.js", CHECKOUT_BEFORE)],
        &[("src/checkout/app.js", CHECKOUT_AFTER)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(result["risk"], "low");
    let checkout = reasons(&result, "checkout");
    assert_eq!(checkout.len(), 2, "{checkout:?}");
    assert!(
        checkout.iter().all(|r| !r.contains("finding")),
        "{checkout:?}"
    );
}

#[test]
fn an_edited_consumer_of_a_topic_selects_its_workflow() {
    let worker_before = "worker.on('order.created', async ({ orderId }) => {\n  await fulfillment.createShipment({ orderId });\n});\n";
    let worker_after = "worker.on('order.created', async ({ orderId }) => {\n  const order = await db.orders.find(orderId);\n  await fulfillment.createShipment({ orderId: order.id });\n});\n";
    let (repo, base, head) = change(
        CONFIG,
        &[("src/worker.js", worker_before)],
        &[("src/worker.js", worker_after)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(
        reasons(&result, "checkout"),
        [
            "src/worker.js:1: `worker.on order.created` consumes `order.created`, a topic of workflow `checkout` (`order.*`)"
        ]
    );
}

#[test]
fn a_removed_publish_selects_its_workflow_naming_the_line_before_the_change() {
    let after = "export async function announceOrder(order) {\n  logger.info({ orderId: order.id }, 'announced by the relay');\n}\n";
    let (repo, base, head) = change(
        CONFIG,
        &[("src/lib/events.js", HELPER_BEFORE)],
        &[("src/lib/events.js", after)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(
        reasons(&result, "checkout"),
        [
            "src/lib/events.js:2 (before the change): `eventBus.publish` publishing `order.created` was removed; `order.created` is a topic of workflow `checkout` (`order.*`)"
        ]
    );
}

#[test]
fn an_edited_outbox_row_selects_the_workflow_of_its_topic() {
    let before = "export async function createPaidOrder(trx, input) {\n  const order = await trx.orders.insert({ ...input, status: 'paid' });\n  return order;\n}\n";
    let after = "export async function createPaidOrder(trx, input) {\n  const order = await trx.orders.insert({ ...input, status: 'paid' });\n  await trx.outbox.insert({ topic: 'order.paid', key: order.id, payload: JSON.stringify({ orderId: order.id }) });\n  return order;\n}\n";
    let (repo, base, head) = change(
        CONFIG,
        &[("src/orders.js", before)],
        &[("src/orders.js", after)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(
        reasons(&result, "checkout"),
        [
            "src/orders.js:3: `trx.outbox.insert` writes an outbox row for `order.paid`, a topic of workflow `checkout` (`order.*`)"
        ]
    );
}

#[test]
fn python_publish_inside_a_django_transaction_selects_by_topic_and_finding() {
    let before = "from django.db import transaction\n\ndef create_order(data):\n    with transaction.atomic():\n        order = Order.objects.create(**data)\n    return order\n";
    let after = "from django.db import transaction\n\ndef create_order(data):\n    with transaction.atomic():\n        order = Order.objects.create(**data)\n        producer.send(\"order.created\", {\"order_id\": order.id})\n    return order\n";
    let (repo, base, head) = change(
        CONFIG,
        &[("shop/orders.py", before)],
        &[("shop/orders.py", after)],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(
        reasons(&result, "checkout"),
        [
            "shop/orders.py:6: `producer.send` publishes `order.created`, a topic of workflow `checkout` (`order.*`)",
            "shop/orders.py:6: new high finding `sequencing/side-effect-in-transaction` in workflow `checkout` (threshold: medium)",
        ]
    );
}

#[test]
fn always_suites_run_on_every_change_and_name_their_config_line() {
    let config = format!("{CONFIG}always:\n  - name: unit\n    command: npm test\n");
    let (repo, base, head) = change(
        &config,
        &[("README.md", "# Shop\n")],
        &[("README.md", "# Shop!\n")],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(
        result,
        json!({
            "risk": "none",
            "suites": [{
                "name": "unit",
                "command": "npm test",
                "reasons": [".handoff.yml:14: listed under `always`, so it runs on every change"]
            }]
        })
    );
}

#[test]
fn a_change_outside_every_workflow_selects_nothing() {
    let (repo, base, head) = change(
        CONFIG,
        &[("src/util.js", "export const a = 1;\n")],
        &[("src/util.js", "export const a = 2;\n")],
    );
    assert_eq!(
        gate(&repo, &base, &head),
        json!({ "risk": "none", "suites": [] })
    );
}

#[test]
fn workflows_sharing_a_suite_are_merged_into_one_entry() {
    let config = r#"workflows:
  - name: checkout
    paths: ["src/checkout/**"]
    suite: { name: e2e, command: npm run e2e }
  - name: signup
    paths: ["src/signup/**"]
    suite: { name: e2e }
"#;
    let (repo, base, head) = change(
        config,
        &[
            ("src/checkout/a.js", "export const a = 1;\n"),
            ("src/signup/b.js", "export const b = 1;\n"),
        ],
        &[
            ("src/checkout/a.js", "export const a = 2;\n"),
            ("src/signup/b.js", "export const b = 2;\n"),
        ],
    );
    let result = gate(&repo, &base, &head);
    assert_eq!(names(&result), ["e2e"]);
    assert_eq!(result["suites"][0]["command"], "npm run e2e");
    assert_eq!(reasons(&result, "e2e").len(), 2);
}

#[test]
fn github_format_appends_the_actions_outputs_to_github_output() {
    let (repo, base, head) = change(
        CONFIG,
        &[("src/lib/events.js", HELPER_BEFORE)],
        &[("src/lib/events.js", HELPER_AFTER)],
    );
    let output = repo.path().join("github-output");
    std::fs::write(&output, "earlier=1\n").expect("write");
    let run = std::process::Command::new(common::binary())
        .args([
            "gate", "--base", &base, "--head", &head, "--format", "github",
        ])
        .current_dir(repo.path())
        .env("GITHUB_OUTPUT", &output)
        .output()
        .expect("handoff runs");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected = "risk=none\nsuites=[{\"name\":\"checkout\",\"command\":\"npm run test:workflow -- checkout\",\"reasons\":[\"src/lib/events.js:2: `eventBus.publish` publishes `order.created`, a topic of workflow `checkout` (`order.*`)\"]}]\n";
    assert_eq!(String::from_utf8_lossy(&run.stdout), expected);
    assert_eq!(
        std::fs::read_to_string(&output).expect("read"),
        format!("earlier=1\n{expected}")
    );
}

#[test]
fn scan_json_lists_the_selected_suites_with_reasons_and_command() {
    let (repo, base, head) = change(
        CONFIG,
        &[("src/lib/events.js", HELPER_BEFORE)],
        &[("src/lib/events.js", HELPER_AFTER)],
    );
    let run = repo.handoff(&["scan", "--base", &base, "--head", &head, "--format", "json"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.json()["suites"],
        json!([{
            "name": "checkout",
            "reasons": ["src/lib/events.js:2: `eventBus.publish` publishes `order.created`, a topic of workflow `checkout` (`order.*`)"],
            "command": "npm run test:workflow -- checkout"
        }])
    );
}

/// Run `handoff gate` on a one-commit change with `config`; returns the run.
fn gate_with_config(config: &str) -> common::Run {
    let (repo, base, head) = change(
        config,
        &[("src/a.js", "export const a = 1;\n")],
        &[("src/a.js", "export const a = 2;\n")],
    );
    repo.handoff(&["gate", "--base", &base, "--head", &head])
}

#[test]
fn invalid_configurations_exit_2_with_file_line_and_column() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "workflows:\n  - name: checkout\n    paths: [\"src/**\"]\n    threshold: urgent\n",
            ".handoff.yml:4:16",
            "urgent",
        ),
        (
            "workflows:\n  - name: checkout\n    pahts: [\"src/**\"]\n",
            ".handoff.yml:3:5",
            "pahts",
        ),
        (
            "workflows:\n  - name: checkout\n    paths: [\"src/[\"]\n",
            ".handoff.yml:3:14",
            "invalid path glob",
        ),
        (
            "workflows:\n  - name: checkout\n    topics: [\"order.{a\"]\n",
            ".handoff.yml:3:15",
            "invalid topic pattern",
        ),
        (
            "workflows:\n  - name: checkout\n    suite: { command: npm test }\n    paths: [a]\n",
            ".handoff.yml:3:12",
            "name",
        ),
        (
            "workflows:\n  - name: checkout\n",
            ".handoff.yml:2:11",
            "neither `paths` nor `topics`",
        ),
        (
            "always:\n  - command: npm test\n",
            ".handoff.yml:2:5",
            "name",
        ),
    ];
    for (config, location, message) in cases {
        let run = gate_with_config(config);
        assert_eq!(run.code, 2, "{config}\nstdout: {}", run.stdout);
        assert!(
            run.stderr.starts_with("error: invalid configuration: "),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(location),
            "{config}\nexpected {location} in: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(message),
            "{config}\nexpected {message} in: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert_eq!(
            run.stderr.matches(location).count(),
            1,
            "said once: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

fn related_tests(repo: &Repo, args: &[&str]) -> Vec<String> {
    let mut all = vec!["gate", "--format", "tests"];
    all.extend_from_slice(args);
    let run = repo.handoff(&all);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.stdout.lines().map(str::to_string).collect()
}

#[test]
fn tests_format_lists_the_test_files_whose_imports_reach_the_change() {
    let (repo, base, head) = change(
        "",
        &[
            (
                "pyproject.toml",
                "[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n",
            ),
            ("shop/__init__.py", ""),
            (
                "shop/orders.py",
                "def total(order):\n    return order.amount\n",
            ),
            (
                "shop/checkout.py",
                "from shop.orders import total\n\ndef pay(order):\n    return total(order)\n",
            ),
            (
                "shop/emails.py",
                "def welcome(user):\n    return user.email\n",
            ),
            (
                "tests/test_checkout.py",
                "from shop.checkout import pay\n\ndef test_pay():\n    assert pay\n",
            ),
            (
                "tests/test_emails.py",
                "from shop.emails import welcome\n\ndef test_welcome():\n    assert welcome\n",
            ),
            (
                "package.json",
                "{\"scripts\": {\"test\": \"vitest run\"}, \"devDependencies\": {\"vitest\": \"1\"}}\n",
            ),
            ("web/cart.ts", "export const cart = () => 1;\n"),
            (
                "web/cart.test.ts",
                "import { cart } from './cart';\ntest('cart', () => cart());\n",
            ),
        ],
        &[(
            "shop/orders.py",
            "def total(order):\n    return order.amount + order.tax\n",
        )],
    );
    // Through the import graph: orders.py ← checkout.py ← test_checkout.py;
    // the e-mail and TypeScript tests do not reach it.
    assert_eq!(
        related_tests(&repo, &["--base", &base, "--head", &head]),
        ["tests/test_checkout.py"]
    );

    // The work tree is read as it is on disk, and a changed test is its own
    // related test.
    repo.write(
        "web/cart.test.ts",
        "import { cart } from './cart';\ntest('cart', () => cart() + 1);\n",
    );
    assert_eq!(
        related_tests(&repo, &["--base", &head]),
        ["web/cart.test.ts"]
    );
}

#[test]
fn tests_format_prints_nothing_when_no_test_reaches_the_change() {
    let (repo, base, head) = change(
        "",
        &[
            ("app/mail.py", "def send(user):\n    return user\n"),
            (
                "tests/test_other.py",
                "def test_nothing():\n    assert True\n",
            ),
        ],
        &[("app/mail.py", "def send(user):\n    return user.email\n")],
    );
    assert!(related_tests(&repo, &["--base", &base, "--head", &head]).is_empty());
}
