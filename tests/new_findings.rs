//! New means the change introduced the risk: a deleted safeguard makes the
//! finding on an untouched line new; an edited argument of an existing risky
//! call does not. Real repositories, the real binary.

mod common;

use common::{Repo, findings, summary};

/// Commits `before`, then `after`, and scans the second commit with `--all`.
fn scan_change(path: &str, before: &str, after: &str) -> serde_json::Value {
    let repo = Repo::new();
    repo.write(path, before);
    let base = repo.commit("safe");
    repo.write(path, after);
    let head = repo.commit("change");
    let run = repo.handoff(&[
        "scan",
        "--base",
        &base,
        "--head",
        &head,
        "--format",
        "json",
        "--fail-on",
        "never",
        "--all",
    ]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()
}

/// The change only deletes lines: the finding's own line is in the base
/// version as it is, so only the deletion can have introduced it.
fn assert_new_on_untouched_line(path: &str, before: &str, after: &str, rule: &str, line: u64) {
    let report = scan_change(path, before, after);
    assert_eq!(
        summary(&report),
        vec![(rule.to_string(), line, "new".to_string())],
        "{path}: {report:#}"
    );
    let text = after
        .lines()
        .nth(line as usize - 1)
        .expect("the finding's line exists");
    assert!(
        before.lines().any(|l| l == text),
        "the finding's line `{text}` is untouched"
    );
    assert_eq!(report["risk"], findings(&report)[0]["severity"]);
}

#[test]
fn deleting_raise_for_status_makes_the_unchecked_post_new() {
    let before = r#"import requests


def charge(order):
    resp = requests.post("https://pay.example.com/charges", json={"amount": order.total})
    resp.raise_for_status()
    return resp.json()
"#;
    let after = before.replace("    resp.raise_for_status()\n", "");
    assert_new_on_untouched_line(
        "billing/charges.py",
        before,
        &after,
        "rejection/unchecked-response",
        5,
    );
}

#[test]
fn deleting_the_res_ok_check_makes_the_unchecked_fetch_new() {
    let before = r#"export async function syncLead(lead: Lead): Promise<string> {
  const res = await fetch("https://crm.example.com/leads", {
    method: "POST",
    body: JSON.stringify(lead),
  });
  if (!res.ok) {
    throw new Error(`crm rejected lead: ${res.status}`);
  }
  const body = await res.json();
  return body.id;
}
"#;
    let after = before.replace(
        "  if (!res.ok) {\n    throw new Error(`crm rejected lead: ${res.status}`);\n  }\n",
        "",
    );
    assert_new_on_untouched_line(
        "src/crm.ts",
        before,
        &after,
        "rejection/unchecked-response",
        2,
    );
}

#[test]
fn deleting_error_for_status_makes_the_unchecked_reqwest_post_new() {
    let before = r#"pub async fn sync_lead(client: &reqwest::Client, lead: &Lead) -> anyhow::Result<()> {
    let res = client.post("https://crm.example.com/leads").json(lead).send().await?;
    res.error_for_status()?;
    Ok(())
}
"#;
    let after = before.replace("    res.error_for_status()?;\n", "");
    assert_new_on_untouched_line(
        "src/crm.rs",
        before,
        &after,
        "rejection/unchecked-response",
        2,
    );
}

#[test]
fn deleting_the_idempotency_key_argument_makes_the_retried_charge_new() {
    let before = r#"import stripe
from tenacity import retry, stop_after_attempt


@retry(stop=stop_after_attempt(3))
def charge(order, key):
    return stripe.Charge.create(
        amount=order.total,
        currency="eur",
        idempotency_key=key,
    )
"#;
    let after = before.replace("        idempotency_key=key,\n", "");
    assert_new_on_untouched_line(
        "billing/charges.py",
        before,
        &after,
        "idempotency/retry-without-key",
        7,
    );
}

#[test]
fn deleting_the_idempotency_key_option_makes_the_p_retry_charge_new() {
    let before = r#"import pRetry from "p-retry";
import Stripe from "stripe";
const stripe = new Stripe(process.env.STRIPE_KEY);

export async function charge(order, key) {
  return pRetry(() =>
    stripe.charges.create(
      { amount: order.total, currency: "eur" },
      {
        idempotencyKey: key,
      },
    ),
  { retries: 3 });
}
"#;
    let after = before.replace("        idempotencyKey: key,\n", "");
    assert_new_on_untouched_line(
        "src/charges.js",
        before,
        &after,
        "idempotency/retry-without-key",
        7,
    );
}

#[test]
fn deleting_the_idempotency_key_header_makes_the_retry_loop_post_new() {
    let before = r#"pub async fn charge(client: &reqwest::Client, order: &Order, key: &str) -> anyhow::Result<reqwest::Response> {
    for attempt in 0..3 {
        match client
            .post("https://pay.example.com/charges")
            .header("Idempotency-Key", key)
            .json(order)
            .send()
            .await
        {
            Ok(response) => return Ok(response),
            Err(_) => tokio::time::sleep(Duration::from_millis(200 * attempt)).await,
        }
    }
    anyhow::bail!("charge failed")
}
"#;
    let after = before.replace("            .header(\"Idempotency-Key\", key)\n", "");
    assert_new_on_untouched_line(
        "src/charges.rs",
        before,
        &after,
        "idempotency/retry-without-key",
        3,
    );
}

#[test]
fn deleting_the_await_of_a_started_publish_makes_it_fire_and_forget() {
    let before = r#"import { Kafka } from "kafkajs";
const producer = new Kafka({ brokers: ["k:9092"] }).producer();

export async function placeOrder(db, order) {
  await db.insert(order);
  const sent = producer.send({ topic: "order.created", messages: [{ value: JSON.stringify(order) }] });
  await db.log(order.id);
  await sent;
  return order.id;
}
"#;
    let after = before.replace("  await sent;\n", "");
    assert_new_on_untouched_line(
        "src/orders.js",
        before,
        &after,
        "rejection/fire-and-forget",
        6,
    );
}

#[test]
fn deleting_the_await_of_a_task_makes_it_fire_and_forget() {
    let before = r#"import asyncio
from aiokafka import AIOKafkaProducer

producer = AIOKafkaProducer(bootstrap_servers="k:9092")


async def place_order(db, order):
    await db.insert(order)
    task = asyncio.create_task(producer.send_and_wait("orders", order.to_bytes()))
    await db.log(order.id)
    await task
    return order.id
"#;
    let after = before.replace("    await task\n", "");
    assert_new_on_untouched_line(
        "shop/orders.py",
        before,
        &after,
        "rejection/fire-and-forget",
        9,
    );
}

#[test]
fn deleting_the_await_of_a_join_handle_makes_the_spawned_post_fire_and_forget() {
    let before = r#"pub async fn place_order(client: reqwest::Client, order: Order) -> anyhow::Result<()> {
    let handle = tokio::spawn(async move {
        client.post("https://crm.example.com/orders").json(&order).send().await
    });
    handle.await??;
    Ok(())
}
"#;
    let after = before.replace("    handle.await??;\n", "");
    assert_new_on_untouched_line(
        "src/orders.rs",
        before,
        &after,
        "rejection/fire-and-forget",
        3,
    );
}

#[test]
fn deleting_the_after_commit_wrapper_puts_the_publish_back_in_the_transaction() {
    let before = r#"import { Kafka } from "kafkajs";
const producer = new Kafka({ brokers: ["k:9092"] }).producer();

export async function placeOrder(knex, order) {
  await knex.transaction(async (trx) => {
    await trx("orders").insert(order);
    trx.afterCommit(async () => {
      await producer.send({ topic: "order.created", messages: [{ value: order.id }] });
    });
  });
}
"#;
    let after = before
        .replace("    trx.afterCommit(async () => {\n", "")
        .replace("    });\n  });\n", "  });\n");
    assert_new_on_untouched_line(
        "src/orders.ts",
        before,
        &after,
        "sequencing/side-effect-in-transaction",
        7,
    );
}

#[test]
fn deleting_the_after_commit_closure_puts_the_rust_publish_back_in_the_transaction() {
    let before = r#"pub fn ship(conn: &mut PgConnection, publisher: &Publisher, id: i32) -> QueryResult<()> {
    conn.transaction(|c| {
        diesel::update(orders::table.find(id)).set(orders::status.eq("shipped")).execute(c)?;
        c.after_commit(move || {
            publisher.publish("order.shipped", &id.to_string());
        });
        Ok(())
    })
}
"#;
    let after = before
        .replace("        c.after_commit(move || {\n", "")
        .replace("        });\n", "");
    assert_new_on_untouched_line(
        "src/orders.rs",
        before,
        &after,
        "sequencing/side-effect-in-transaction",
        4,
    );
}

#[test]
fn unwrapping_on_commit_puts_the_django_mail_back_in_the_transaction() {
    let before = r#"from django.core.mail import send_mail
from django.db import transaction


def place_order(order):
    with transaction.atomic():
        order.save()
        transaction.on_commit(
            lambda: send_mail("Your order", "Thanks", "shop@example.com", [order.email])
        )
"#;
    // Python's indentation makes the mail line change too; the finding is new
    // either way, and it is the only one.
    let after = before.replace(
        "        transaction.on_commit(\n            lambda: send_mail(\"Your order\", \"Thanks\", \"shop@example.com\", [order.email])\n        )\n",
        "        send_mail(\"Your order\", \"Thanks\", \"shop@example.com\", [order.email])\n",
    );
    let report = scan_change("shop/orders.py", before, &after);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            8,
            "new".to_string()
        )]
    );
}

#[test]
fn editing_an_argument_of_an_existing_unchecked_call_keeps_it_existing() {
    let cases = [
        (
            "billing/charges.py",
            "import requests\n\n\ndef charge(order):\n    requests.post(\"https://pay.example.com/charges\", json={\"amount\": order.total})\n    return True\n",
            "{\"amount\": order.total}",
            "{\"amount\": order.total, \"currency\": \"eur\"}",
            5,
        ),
        (
            "src/crm.js",
            "export async function syncLead(lead) {\n  await fetch(\"https://crm.example.com/leads\", { method: \"POST\", body: JSON.stringify(lead) });\n  return lead.id;\n}\n",
            "JSON.stringify(lead)",
            "JSON.stringify({ ...lead, source: \"web\" })",
            2,
        ),
        (
            "src/crm.rs",
            "pub async fn sync_lead(client: &reqwest::Client, lead: &Lead) -> anyhow::Result<()> {\n    client.post(\"https://crm.example.com/leads\").json(lead).send().await?;\n    Ok(())\n}\n",
            ".json(lead)",
            ".json(&LeadBody::from(lead))",
            2,
        ),
    ];
    for (path, before, old, new, line) in cases {
        let after = before.replace(old, new);
        assert_ne!(before, after);
        let report = scan_change(path, before, &after);
        assert_eq!(
            summary(&report),
            vec![(
                "rejection/unchecked-response".to_string(),
                line,
                "existing".to_string()
            )],
            "{path}"
        );
        assert_eq!(report["risk"], "none", "{path}");
    }
}

#[test]
fn an_unrelated_edit_in_the_function_keeps_its_existing_finding_existing() {
    let before = "import requests\n\n\ndef charge(order):\n    requests.post(\"https://pay.example.com/charges\", json={\"amount\": order.total})\n    return True\n";
    let after = before.replace(
        "    return True\n",
        "    log.info(\"charged\")\n    return True\n",
    );
    assert_eq!(
        summary(&scan_change("billing/charges.py", before, &after)),
        vec![(
            "rejection/unchecked-response".to_string(),
            5,
            "existing".to_string()
        )]
    );
}

#[test]
fn renaming_the_function_keeps_its_existing_finding_existing() {
    let before = "import requests\n\n\ndef charge(order):\n    requests.post(\"https://pay.example.com/charges\", json={\"amount\": order.total})\n    return True\n";
    let after = before.replace("def charge(order):", "def charge_order(order):");
    assert_eq!(
        summary(&scan_change("billing/charges.py", before, &after)),
        vec![(
            "rejection/unchecked-response".to_string(),
            5,
            "existing".to_string()
        )]
    );
}

#[test]
fn a_second_identical_call_is_the_new_one_not_the_old_one() {
    let before = "import requests\n\n\ndef charge(order):\n    requests.post(\"https://pay.example.com/charges\", json={\"amount\": order.total})\n    return True\n";
    let after = before.replace(
        "def charge(order):\n",
        "def charge(order):\n    requests.post(\"https://pay.example.com/holds\", json={\"amount\": order.total})\n",
    );
    assert_eq!(
        summary(&scan_change("billing/charges.py", before, &after)),
        vec![
            (
                "rejection/unchecked-response".to_string(),
                5,
                "new".to_string()
            ),
            (
                "rejection/unchecked-response".to_string(),
                6,
                "existing".to_string()
            ),
        ]
    );
}

#[test]
fn a_deletion_in_another_function_leaves_an_existing_finding_existing() {
    let before = "import requests\n\n\ndef charge(order):\n    requests.post(\"https://pay.example.com/charges\", json={\"amount\": order.total})\n    return True\n\n\ndef refund(order):\n    resp = requests.post(\"https://pay.example.com/refunds\", json={\"id\": order.id})\n    resp.raise_for_status()\n    return resp.json()\n";
    let after = before.replace("    resp.raise_for_status()\n", "");
    let report = scan_change("billing/charges.py", before, &after);
    assert_eq!(
        summary(&report),
        vec![
            (
                "rejection/unchecked-response".to_string(),
                5,
                "existing".to_string()
            ),
            (
                "rejection/unchecked-response".to_string(),
                10,
                "new".to_string()
            ),
        ]
    );
}
