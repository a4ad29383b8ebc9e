//! Seeing through the project's own helpers a file away: real repositories,
//! the real binary. A helper imported from another file that sends mail,
//! calls a webhook or publishes is judged like the SDK call it reaches, and
//! the finding names the chain; a project's transaction wrapper imported
//! from another file opens a transaction like the ORM call it wraps.

mod common;

use common::{Repo, findings, summary};

/// The JSON report of the change from `base` to `head`.
fn scan(repo: &Repo, base: &str, head: &str) -> serde_json::Value {
    repo.scan_change(base, head)
}

/// A repository whose first commit holds `files`, and a second commit that
/// writes `path` as `after`.
fn change(files: &[(&str, &str)], path: &str, after: &str) -> (Repo, String, String) {
    let repo = Repo::new();
    for (file, text) in files {
        repo.write(file, text);
    }
    let base = repo.commit("base");
    repo.write(path, after);
    let head = repo.commit("change");
    (repo, base, head)
}

const PY_NOTIFY: &str = "from django.core.mail import send_mail\n\n\ndef email_receipt(user, invoice):\n    send_mail(\"Receipt\", str(invoice.id), \"billing@example.com\", [user.email])\n";
const PY_VIEWS_BEFORE: &str = "from django.db import transaction\n\nfrom .notify import email_receipt\n\n\ndef pay(user, invoice):\n    with transaction.atomic():\n        invoice.status = \"paid\"\n        invoice.save()\n";

#[test]
fn python_helper_imported_from_another_file_is_seen_inside_the_transaction() {
    let after = format!("{PY_VIEWS_BEFORE}        email_receipt(user, invoice)\n");
    let (repo, base, head) = change(
        &[
            ("shop/orders/notify.py", PY_NOTIFY),
            ("shop/orders/views.py", PY_VIEWS_BEFORE),
        ],
        "shop/orders/views.py",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            10,
            "new".to_string()
        )]
    );
    let message = findings(&report)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("via `email_receipt` (shop/orders/notify.py:4) → `send_mail`"),
        "the chain is named: {message}"
    );
    let related = &findings(&report)[0]["related"];
    assert!(
        related
            .as_array()
            .is_some_and(|places| places.iter().any(|place| {
                place["path"] == "shop/orders/notify.py"
                    && place["line"] == 5
                    && place["message"] == "the chain reaches `send_mail` here"
            })),
        "the chain's end is a related location in the helper's file: {related}"
    );
}

#[test]
fn python_helper_deferred_until_commit_stays_quiet() {
    let after = format!(
        "{PY_VIEWS_BEFORE}        transaction.on_commit(lambda: email_receipt(user, invoice))\n"
    );
    let (repo, base, head) = change(
        &[
            ("shop/orders/notify.py", PY_NOTIFY),
            ("shop/orders/views.py", PY_VIEWS_BEFORE),
        ],
        "shop/orders/views.py",
        &after,
    );
    assert_eq!(summary(&scan(&repo, &base, &head)), vec![]);
}

#[test]
fn python_module_import_and_project_context_manager_from_another_file() {
    let db = "from contextlib import contextmanager\n\nfrom django.db import transaction\n\n\n@contextmanager\ndef unit_of_work():\n    with transaction.atomic():\n        yield\n";
    let before = "from shop import notify\nfrom shop.db import unit_of_work\n\n\ndef refund(user, invoice):\n    with unit_of_work():\n        invoice.save()\n";
    let after = format!("{before}        notify.email_receipt(user, invoice)\n");
    let (repo, base, head) = change(
        &[
            ("shop/notify.py", PY_NOTIFY),
            ("shop/db.py", db),
            ("shop/billing.py", before),
        ],
        "shop/billing.py",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            8,
            "new".to_string()
        )]
    );
    let related = &findings(&report)[0]["related"][0];
    assert_eq!(
        related["line"], 6,
        "the transaction opens at `with unit_of_work()`"
    );
}

const JS_HOOKS: &str = "export async function deliverWebhook(url, payload) {\n  const res = await fetch(url, { method: 'POST', body: JSON.stringify(payload) });\n  if (!res.ok) throw new Error(`webhook ${res.status}`);\n}\n";
const JS_DB: &str = "import { db } from './connection.js';\n\nexport async function withTx(work) {\n  return db.transaction(async (trx) => work(trx));\n}\n";

#[test]
fn javascript_helper_and_transaction_wrapper_from_other_files() {
    let before = "import { withTx } from '../lib/db.js';\nimport { deliverWebhook as notify } from '../lib/hooks.js';\n\nexport async function ship(order) {\n  await withTx(async (trx) => {\n    await trx('orders').where({ id: order.id }).update({ status: 'shipped' });\n  });\n}\n";
    let after = before.replace(
        "update({ status: 'shipped' });\n",
        "update({ status: 'shipped' });\n    await notify('https://hooks.example.com', { id: order.id });\n",
    );
    let (repo, base, head) = change(
        &[
            ("lib/hooks.js", JS_HOOKS),
            ("lib/db.js", JS_DB),
            ("src/ship.js", before),
        ],
        "src/ship.js",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            7,
            "new".to_string()
        )]
    );
    let message = findings(&report)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("lib/hooks.js:1"), "{message}");
    assert!(
        message.contains("inside the `withTx` callback"),
        "{message}"
    );
}

#[test]
fn typescript_namespace_import_of_a_job_helper_inside_prisma_transaction() {
    let jobs = "import { Queue } from 'bullmq';\nconst queue = new Queue('mail');\n\nexport async function enqueueWelcome(userId: string) {\n  await queue.add('welcome', { userId });\n}\n";
    let before = "import * as jobs from './jobs';\n\nexport async function signUp(prisma: any, email: string) {\n  await prisma.$transaction(async (tx: any) => {\n    const user = await tx.user.create({ data: { email } });\n  });\n}\n";
    let after = before.replace(
        "data: { email } });\n",
        "data: { email } });\n    await jobs.enqueueWelcome(user.id);\n",
    );
    let (repo, base, head) = change(
        &[("src/jobs.ts", jobs), ("src/signup.ts", before)],
        "src/signup.ts",
        &after,
    );
    let rules: Vec<String> = summary(&scan(&repo, &base, &head))
        .into_iter()
        .map(|(rule, line, _)| format!("{rule}:{line}"))
        .collect();
    assert!(
        rules.contains(&"sequencing/side-effect-in-transaction:6".to_string()),
        "{rules:?}"
    );
}

#[test]
fn rust_helper_from_another_module_inside_a_diesel_transaction() {
    let notify = "use rdkafka::producer::{FutureProducer, FutureRecord};\nuse std::time::Duration;\n\npub async fn announce(producer: &FutureProducer, id: i64) -> anyhow::Result<()> {\n    let key = id.to_string();\n    producer\n        .send(FutureRecord::to(\"order.paid\").payload(\"{}\").key(&key), Duration::from_secs(0))\n        .await\n        .map_err(|(e, _)| e)?;\n    Ok(())\n}\n";
    let before = "use crate::notify::announce;\nuse diesel::prelude::*;\n\npub fn pay(conn: &mut PgConnection, producer: &FutureProducer, id: i64) -> QueryResult<()> {\n    conn.transaction(|c| {\n        diesel::update(orders::table.find(id)).set(orders::status.eq(\"paid\")).execute(c)?;\n        Ok(())\n    })\n}\n";
    let after = before.replace(
        ".execute(c)?;\n",
        ".execute(c)?;\n        block_on(announce(producer, id)).ok();\n",
    );
    let (repo, base, head) = change(
        &[("svc/src/notify.rs", notify), ("svc/src/orders.rs", before)],
        "svc/src/orders.rs",
        &after,
    );
    let rules: Vec<String> = summary(&scan(&repo, &base, &head))
        .into_iter()
        .map(|(rule, line, _)| format!("{rule}:{line}"))
        .collect();
    assert!(
        rules.contains(&"sequencing/side-effect-in-transaction:7".to_string()),
        "{rules:?}"
    );
}

#[test]
fn a_helper_that_only_logs_is_not_a_side_effect() {
    let util = "export function audit(order) {\n  console.log('paid', order.id);\n}\n";
    let before = "import { audit } from './util';\n\nexport async function pay(db, order) {\n  await db.transaction(async (trx) => {\n    await trx('orders').where({ id: order.id }).update({ status: 'paid' });\n  });\n}\n";
    let after = before.replace(
        "update({ status: 'paid' });\n",
        "update({ status: 'paid' });\n    audit(order);\n",
    );
    let (repo, base, head) = change(
        &[("src/util.js", util), ("src/pay.js", before)],
        "src/pay.js",
        &after,
    );
    assert_eq!(summary(&scan(&repo, &base, &head)), vec![]);
}

const PY_NOTIFY_QUIET: &str = "from django.core.mail import send_mail\n\n\ndef email_receipt(user, invoice):\n    print(\"receipt\", invoice.id)\n";
const PY_VIEWS_CALLING: &str = "from django.db import transaction\n\nfrom shop.notify import email_receipt\n\n\ndef pay(user, invoice):\n    with transaction.atomic():\n        invoice.save()\n        email_receipt(user, invoice)\n\n\ndef pay_later(user, invoice):\n    with transaction.atomic():\n        invoice.save()\n        transaction.on_commit(lambda: email_receipt(user, invoice))\n";

#[test]
fn a_helper_that_starts_sending_mail_is_reported_with_its_callers_inside_transactions() {
    let (repo, base, head) = change(
        &[
            ("shop/notify.py", PY_NOTIFY_QUIET),
            ("shop/views.py", PY_VIEWS_CALLING),
        ],
        "shop/notify.py",
        PY_NOTIFY,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            5,
            "new".to_string()
        )]
    );
    let finding = &findings(&report)[0];
    assert_eq!(finding["path"], "shop/notify.py");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(message.contains("shop/views.py:9"), "{message}");
    let related: Vec<(String, u64)> = finding["related"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_string(),
                r["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            ("shop/views.py".to_string(), 9),
            ("shop/views.py".to_string(), 7)
        ],
        "the caller inside the transaction, not the one deferred with on_commit"
    );
}

#[test]
fn a_helper_whose_callers_hold_no_transaction_is_not_reported() {
    let views = "from shop.notify import email_receipt\n\n\ndef pay(user, invoice):\n    invoice.save()\n    email_receipt(user, invoice)\n";
    let (repo, base, head) = change(
        &[
            ("shop/notify.py", PY_NOTIFY_QUIET),
            ("shop/views.py", views),
        ],
        "shop/notify.py",
        PY_NOTIFY,
    );
    assert_eq!(summary(&scan(&repo, &base, &head)), vec![]);
}

#[test]
fn javascript_webhook_helper_called_inside_a_knex_transaction_elsewhere() {
    let quiet =
        "export async function deliverWebhook(url, payload) {\n  console.log(url, payload);\n}\n";
    let caller = "import { deliverWebhook } from '../lib/hooks.js';\n\nexport async function ship(db, order) {\n  await db.transaction(async (trx) => {\n    await trx('orders').where({ id: order.id }).update({ status: 'shipped' });\n    await deliverWebhook('https://hooks.example.com', { id: order.id });\n  });\n}\n";
    let (repo, base, head) = change(
        &[("lib/hooks.js", quiet), ("src/ship.js", caller)],
        "lib/hooks.js",
        JS_HOOKS,
    );
    let report = scan(&repo, &base, &head);
    let rules: Vec<(String, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        rules.contains(&(
            "sequencing/side-effect-in-transaction".to_string(),
            "lib/hooks.js".to_string()
        )),
        "{rules:?}"
    );
}

const PY_TASK_CLASSES: &str = "from celery import Task\nfrom django.db import transaction\n\n\nclass OnCommitTask(Task):\n    abstract = True\n\n    def apply_async(self, *args, **kwargs):\n        transaction.on_commit(lambda: super().apply_async(*args, **kwargs))\n";
const PY_JOBS: &str = "from shop.celery import app\nfrom shop.task_classes import OnCommitTask\n\n\n@app.task(base=OnCommitTask, acks_late=True)\ndef send_receipt(order_id):\n    pass\n\n\n@app.task(acks_late=True)\ndef sync_crm(order_id):\n    pass\n";
const PY_CHECKOUT_BEFORE: &str = "from django.db import transaction\n\nfrom shop.jobs import send_receipt, sync_crm\n\n\ndef pay(order):\n    with transaction.atomic():\n        order.status = \"paid\"\n        order.save()\n";

#[test]
fn python_task_whose_base_class_sends_on_commit_is_deferred_two_files_away() {
    // `send_receipt` is declared in jobs.py with a `base=` task class from a
    // third file whose `apply_async` waits for the commit: its `.delay()`
    // inside the transaction is deferred; `sync_crm`'s is not.
    let after = format!(
        "{PY_CHECKOUT_BEFORE}        send_receipt.delay(order.id)\n        sync_crm.delay(order.id)\n"
    );
    let (repo, base, head) = change(
        &[
            ("shop/task_classes.py", PY_TASK_CLASSES),
            ("shop/jobs.py", PY_JOBS),
            ("shop/checkout.py", PY_CHECKOUT_BEFORE),
        ],
        "shop/checkout.py",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            11,
            "new".to_string()
        )],
        "only sync_crm.delay: {report}"
    );
}

const JS_CLIENT: &str = "export class ApiClient {\n  constructor(baseUrl) {\n    this.baseUrl = baseUrl;\n  }\n\n  async fetch(path, init) {\n    const res = await fetch(`${this.baseUrl}${path}`, init);\n    if (!res.ok) {\n      throw new Error(`API ${res.status}`);\n    }\n    return res;\n  }\n\n  async alert(text) {\n    await fetch('https://hooks.example.com/alerts', { method: 'POST', body: text });\n  }\n\n  async publish(event) {\n    console.info(event);\n  }\n}\n";
const JS_LEADS_BEFORE: &str = "import { ApiClient } from './client.js';\n\nexport class LeadService {\n  constructor(db) {\n    this.db = db;\n    this.client = new ApiClient('https://crm.example.com');\n  }\n\n  async syncLead(lead) {\n    return this.db.transaction(async (trx) => {\n      await trx('leads').insert(lead);\n";

#[test]
fn calls_on_an_instance_of_a_project_client_class_are_its_methods() {
    // `this.client.fetch` is the project's `ApiClient.fetch`, which throws
    // on an error status: not a raw `fetch` whose status goes unread, though
    // still a POST inside the transaction. `this.client.alert` reaches a
    // webhook through the class's method (the chain is named);
    // `this.client.publish` is an in-process method, not a message bus.
    let after = format!(
        "{JS_LEADS_BEFORE}      await this.client.fetch('/leads', {{ method: 'POST', body: JSON.stringify(lead) }});\n      await this.client.alert('synced');\n      await this.client.publish('lead.synced');\n    }});\n  }}\n}}\n"
    );
    let before = format!("{JS_LEADS_BEFORE}    }});\n  }}\n}}\n");
    let (repo, base, head) = change(
        &[("src/client.js", JS_CLIENT), ("src/leads.js", &before)],
        "src/leads.js",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![
            (
                "sequencing/side-effect-in-transaction".to_string(),
                12,
                "new".to_string()
            ),
            (
                "sequencing/side-effect-in-transaction".to_string(),
                13,
                "new".to_string()
            )
        ],
        "{report}"
    );
    let message = findings(&report)[1]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("via `alert` (src/client.js:14) → `fetch`"),
        "the chain goes through the class's method: {message}"
    );
}

const PY_CRM_CLIENT: &str = "import requests\n\n\nclass CrmClient:\n    def __init__(self, base_url):\n        self.base_url = base_url\n\n    def post(self, path, payload):\n        response = requests.post(self.base_url + path, json=payload, timeout=10)\n        response.raise_for_status()\n        return response.json()\n";
const PY_SYNC_BEFORE: &str = "from crm.client import CrmClient\n\n\nclass LeadSync:\n    def __init__(self):\n        self.crm = CrmClient(\"https://crm.example.com\")\n\n    def push(self, lead):\n        return None\n";

#[test]
fn python_instance_of_a_project_client_that_raises_on_error_status_is_not_unchecked() {
    let after = PY_SYNC_BEFORE.replace(
        "        return None\n",
        "        self.crm.post(\"/leads\", {\"email\": lead.email})\n        return None\n",
    );
    let (repo, base, head) = change(
        &[
            ("crm/__init__.py", ""),
            ("crm/client.py", PY_CRM_CLIENT),
            ("crm/sync.py", PY_SYNC_BEFORE),
        ],
        "crm/sync.py",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        Vec::<(String, u64, String)>::new(),
        "{report}"
    );
}

#[test]
fn the_checklist_and_the_gate_see_the_helper_the_rules_see() {
    // No transaction: no finding, but the change adds a call that e-mails a
    // customer through a helper of another file. The checklist lists it as
    // a touched boundary, with the chain, as the rules would name it.
    let before = "from .notify import email_receipt\n\n\ndef pay(user, invoice):\n    invoice.status = \"paid\"\n    invoice.save()\n";
    let after = format!("{before}    email_receipt(user, invoice)\n");
    let (repo, base, head) = change(
        &[
            ("shop/orders/notify.py", PY_NOTIFY),
            ("shop/orders/views.py", before),
        ],
        "shop/orders/views.py",
        &after,
    );
    let run = repo.handoff(&["checklist", "--base", &base, "--head", &head]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stdout.contains("1 touched boundary"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "#### Side effect `email_receipt` (e-mail provider via `email_receipt` (shop/orders/notify.py:4) → `send_mail`)"
        ),
        "{}",
        run.stdout
    );
}

fn scan_all_files(repo: &Repo, args: &[&str]) -> serde_json::Value {
    let mut all = vec![
        "scan",
        "--all-files",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    all.extend_from_slice(args);
    let run = repo.handoff(&all);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()
}

fn rules_and_places(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_whole_repository_scan_reads_other_files_to_quiet_never_to_chain() {
    // The same files as in review, scanned whole: the task whose base class
    // in a third file defers stays quiet, as in review. An audit reports what
    // each file does itself, so the helper in notify.py called inside
    // views.py's transaction is not reported there (review reports it with
    // the change that makes the call).
    let repo = Repo::new();
    for (path, text) in [
        ("shop/task_classes.py", PY_TASK_CLASSES),
        ("shop/jobs.py", PY_JOBS),
        (
            "shop/checkout.py",
            &format!(
                "{PY_CHECKOUT_BEFORE}        send_receipt.delay(order.id)\n        sync_crm.delay(order.id)\n"
            ),
        ),
        ("shop/orders/notify.py", PY_NOTIFY),
        (
            "shop/orders/views.py",
            &format!("{PY_VIEWS_BEFORE}        email_receipt(user, invoice)\n"),
        ),
    ] {
        repo.write(path, text);
    }
    let head = repo.commit("all");
    let expected = vec![(
        "sequencing/side-effect-in-transaction".to_string(),
        "shop/checkout.py".to_string(),
        11,
    )];
    // The committed tree and the work tree are read alike.
    let committed = scan_all_files(&repo, &["--head", &head]);
    assert_eq!(rules_and_places(&committed), expected, "{committed}");
    assert!(
        findings(&committed)[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("`sync_crm.delay`")),
        "{committed}"
    );
    assert_eq!(rules_and_places(&scan_all_files(&repo, &[])), expected);
}

const PY_INVOICES_BEFORE: &str = "from django.db import transaction\n\nfrom shop.celery import app\nfrom shop.task_classes import OnCommitTask\n\n\n@app.task(base=OnCommitTask)\ndef transmit(invoice_id):\n    pass\n\n\n@app.task\ndef audit(invoice_id):\n    pass\n\n\ndef issue(invoice):\n    with transaction.atomic():\n        invoice.save()\n";

#[test]
fn a_task_declared_with_an_imported_deferring_base_class_is_deferred_in_its_own_file() {
    // The task class comes from another file; the tasks and the transaction
    // are in this one: `transmit` waits for the commit, `audit` does not.
    let after = format!(
        "{PY_INVOICES_BEFORE}        transmit.apply_async(args=(invoice.id,))\n        audit.delay(invoice.id)\n"
    );
    let (repo, base, head) = change(
        &[
            ("shop/task_classes.py", PY_TASK_CLASSES),
            ("shop/invoices.py", PY_INVOICES_BEFORE),
        ],
        "shop/invoices.py",
        &after,
    );
    let expected = vec![(
        "sequencing/side-effect-in-transaction".to_string(),
        "shop/invoices.py".to_string(),
        21,
    )];
    let report = scan(&repo, &base, &head);
    assert_eq!(rules_and_places(&report), expected, "in review: {report}");
    let whole = scan_all_files(&repo, &["--head", &head]);
    assert_eq!(rules_and_places(&whole), expected, "whole: {whole}");
}

const PY_MODELS: &str = "from django.db import models\n\n\nclass Invoice(models.Model):\n    status = models.CharField(max_length=20)\n\n    def send_mail(self, template):\n        OutgoingMail.objects.create(invoice=self, template=template)\n";
const PY_CLOSE_BEFORE: &str = "from django.core import mail\nfrom django.db import transaction\n\nfrom shop.models import Invoice\n\n\ndef close(invoice_id):\n    with transaction.atomic():\n        invoice = Invoice.objects.get(pk=invoice_id)\n        invoice.status = \"closed\"\n        invoice.save()\n";

#[test]
fn a_method_the_projects_own_class_declares_is_not_an_sdk_call_by_its_name() {
    // `invoice.send_mail(..)` is the project's model method (it writes an
    // outgoing-mail row), matched by a pack only through the method name;
    // Django's own `mail.send_mail(..)` in the same transaction still is.
    let after = format!(
        "{PY_CLOSE_BEFORE}        invoice.send_mail(\"closed\")\n        mail.send_mail(\"Closed\", \"\", \"a@example.com\", [\"b@example.com\"])\n"
    );
    let (repo, base, head) = change(
        &[
            ("shop/models.py", PY_MODELS),
            ("shop/close.py", PY_CLOSE_BEFORE),
        ],
        "shop/close.py",
        &after,
    );
    let expected = vec![(
        "sequencing/side-effect-in-transaction".to_string(),
        "shop/close.py".to_string(),
        13,
    )];
    let report = scan(&repo, &base, &head);
    assert_eq!(rules_and_places(&report), expected, "in review: {report}");
    let whole = scan_all_files(&repo, &["--head", &head]);
    assert_eq!(rules_and_places(&whole), expected, "whole: {whole}");
}

#[test]
fn names_reexported_by_a_package_index_are_followed_to_their_module() {
    // The model class is imported from its package (`shop.models`), whose
    // `__init__.py` passes it on from `shop/models/invoice.py`; in TypeScript
    // an `index.ts` passes on an in-process event log class with `export *`.
    let py_close = format!(
        "{}        invoice.send_mail(\"closed\")\n",
        PY_CLOSE_BEFORE.replace("from django.core import mail\n", "")
    );
    let repo = Repo::new();
    for (path, text) in [
        ("shop/__init__.py", ""),
        ("shop/models/__init__.py", "from .invoice import Invoice\n"),
        ("shop/models/invoice.py", PY_MODELS),
        ("shop/close.py", py_close.as_str()),
        ("src/events/index.ts", "export * from './log';\n"),
        (
            "src/events/log.ts",
            "export class AuditLog {\n  entries: string[] = [];\n  publish(entry: string) {\n    this.entries.push(entry);\n  }\n}\n",
        ),
        (
            "src/orders.ts",
            "import { AuditLog } from './events';\n\nexport async function pay(db: any, log: AuditLog, id: string) {\n  await db.transaction(async (trx: any) => {\n    await trx('orders').where({ id }).update({ status: 'paid' });\n    log.publish(`order ${id} paid`);\n  });\n}\n",
        ),
    ] {
        repo.write(path, text);
    }
    let head = repo.commit("all");
    let whole = scan_all_files(&repo, &["--head", &head]);
    assert_eq!(rules_and_places(&whole), Vec::new(), "{whole}");
}

#[test]
fn a_whole_repository_scan_resolves_the_projects_import_aliases() {
    // `@/events/log` is the project's own file through `tsconfig.json`
    // `paths`: its in-process log's `publish` is no message bus, in a whole
    // scan as in review. Without the tsconfig the import names a package,
    // and the call is taken for a publish by its name.
    let log = "export class AuditLog {\n  entries: string[] = [];\n  publish(entry: string) {\n    this.entries.push(entry);\n  }\n}\n";
    let orders = "import { AuditLog } from '@/events/log';\n\nexport async function pay(db: any, log: AuditLog, id: string) {\n  await db.transaction(async (trx: any) => {\n    await trx('orders').where({ id }).update({ status: 'paid' });\n    log.publish(`order ${id} paid`);\n  });\n}\n";
    let tsconfig = "{\n  // comments are allowed here\n  \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@/*\": [\"src/*\"] } }\n}\n";
    let repo = Repo::new();
    for (path, text) in [("src/events/log.ts", log), ("src/orders.ts", orders)] {
        repo.write(path, text);
    }
    let without = repo.commit("no tsconfig");
    let reported = scan_all_files(&repo, &["--head", &without]);
    assert_eq!(
        rules_and_places(&reported),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            "src/orders.ts".to_string(),
            6,
        )],
        "{reported}"
    );
    repo.write("tsconfig.json", tsconfig);
    let head = repo.commit("tsconfig");
    let whole = scan_all_files(&repo, &["--head", &head]);
    assert_eq!(rules_and_places(&whole), Vec::new(), "{whole}");
    assert_eq!(rules_and_places(&scan_all_files(&repo, &[])), Vec::new());
}

#[test]
fn a_local_helper_that_calls_the_projects_method_is_not_a_send_by_name() {
    // `_notify` calls `invoice.send_mail(..)`, the method the file's own
    // model declares (it writes an outgoing-mail row): calling `_notify`
    // inside the transaction is no e-mail. `_alert` calls the class's
    // `send_email`, which posts to a mail API: that chain is reported, as the
    // HTTP write it is.
    let models = "import requests\nfrom django.db import models, transaction\n\n\nclass Invoice(models.Model):\n    def send_mail(self, template):\n        OutgoingMail.objects.create(invoice=self, template=template)\n\n    def send_email(self, url):\n        requests.post(url, json={\"id\": self.pk}, timeout=5)\n\n\ndef _notify(invoice):\n    invoice.send_mail(\"closed\")\n\n\ndef _alert(invoice):\n    invoice.send_email(\"https://mail.example.com/send\")\n\n\ndef close(invoice):\n    with transaction.atomic():\n        invoice.save()\n";
    let after = format!("{models}        _notify(invoice)\n        _alert(invoice)\n");
    let (repo, base, head) = change(&[("shop/models.py", models)], "shop/models.py", &after);
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            "shop/models.py".to_string(),
            25,
        )],
        "{report}"
    );
    let message = findings(&report)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("HTTP write") && message.contains("`send_email`"),
        "{message}"
    );
}

#[test]
fn in_review_a_helper_passed_on_by_a_package_index_is_seen_through() {
    // `sendReceipt` is imported from the `mail` package, whose `index.ts`
    // passes it on from `mail/receipts.ts`; `notify` from `shop.notify`,
    // whose `__init__.py` passes it on from `shop/notify/mails.py`.
    let ts_before = "import { sendReceipt } from './mail';\n\nexport async function pay(db: any, id: string) {\n  await db.transaction(async (trx: any) => {\n    await trx('orders').where({ id }).update({ status: 'paid' });\n  });\n}\n";
    let ts_after = ts_before.replace(
        "update({ status: 'paid' });\n",
        "update({ status: 'paid' });\n    await sendReceipt(id);\n",
    );
    let py_before = "from django.db import transaction\n\nfrom shop.notify import notify\n\n\ndef pay(order):\n    with transaction.atomic():\n        order.save()\n";
    let py_after = format!("{py_before}        notify(order)\n");
    let repo = Repo::new();
    for (path, text) in [
        (
            "src/mail/index.ts",
            "export { sendReceipt } from './receipts';\n",
        ),
        (
            "src/mail/receipts.ts",
            "import sgMail from '@sendgrid/mail';\n\nexport async function sendReceipt(id: string) {\n  await sgMail.send({ to: 'a@example.com', subject: id });\n}\n",
        ),
        ("src/orders.ts", ts_before),
        ("shop/__init__.py", ""),
        ("shop/notify/__init__.py", "from .mails import notify\n"),
        (
            "shop/notify/mails.py",
            PY_NOTIFY
                .replace("email_receipt(user, invoice)", "notify(user)")
                .as_str(),
        ),
        ("shop/pay.py", py_before),
    ] {
        repo.write(path, text);
    }
    let base = repo.commit("base");
    repo.write("src/orders.ts", &ts_after);
    repo.write("shop/pay.py", &py_after);
    let head = repo.commit("change");
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![
            (
                "sequencing/side-effect-in-transaction".to_string(),
                "shop/pay.py".to_string(),
                9,
            ),
            (
                "sequencing/side-effect-in-transaction".to_string(),
                "src/orders.ts".to_string(),
                6,
            ),
        ],
        "{report}"
    );
    let messages: Vec<String> = findings(&report)
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(messages[0].contains("shop/notify/mails.py"), "{messages:?}");
    assert!(messages[1].contains("src/mail/receipts.ts"), "{messages:?}");
}

#[test]
fn in_review_a_helpers_task_whose_base_class_defers_is_quiet_three_files_away() {
    // views.py → receipts.py (the helper) → jobs.py (the tasks) →
    // task_classes.py (the class whose enqueue waits for the commit).
    let receipts = "from shop.jobs import send_receipt, sync_crm\n\n\ndef queue_receipt(order):\n    send_receipt.delay(order.id)\n\n\ndef queue_sync(order):\n    sync_crm.delay(order.id)\n";
    let before = "from django.db import transaction\n\nfrom shop.receipts import queue_receipt, queue_sync\n\n\ndef pay(order):\n    with transaction.atomic():\n        order.save()\n";
    let after = format!("{before}        queue_receipt(order)\n        queue_sync(order)\n");
    let (repo, base, head) = change(
        &[
            ("shop/task_classes.py", PY_TASK_CLASSES),
            ("shop/jobs.py", PY_JOBS),
            ("shop/receipts.py", receipts),
            ("shop/views.py", before),
        ],
        "shop/views.py",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            "shop/views.py".to_string(),
            10,
        )],
        "only queue_sync: {report}"
    );
}

const PY_PARTNER: &str = "import uuid\n\nimport requests\n\n\ndef post_order(order):\n    response = requests.post(\n        \"https://partner.example.com/orders\",\n        json={\"order_id\": order.id},\n        headers={\"Idempotency-Key\": str(uuid.uuid4())},\n    )\n    response.raise_for_status()\n\n\ndef post_order_keyed(order, key):\n    response = requests.post(\n        \"https://partner.example.com/orders\",\n        json={\"order_id\": order.id},\n        headers={\"Idempotency-Key\": key},\n    )\n    response.raise_for_status()\n";
const PY_RETRY_BEFORE: &str = "import time\n\nfrom .partner import post_order, post_order_keyed\n\n\ndef sync(order):\n    pass\n";

#[test]
fn a_key_minted_by_a_helper_in_another_file_is_new_on_every_attempt_of_the_callers_retry() {
    let after = "import time\n\nfrom .partner import post_order, post_order_keyed\n\n\ndef sync(order):\n    for attempt in range(3):\n        try:\n            post_order(order)\n            return\n        except Exception:\n            time.sleep(2 ** attempt)\n\n\ndef sync_keyed(order):\n    key = f\"order-{order.id}\"\n    for attempt in range(3):\n        try:\n            post_order_keyed(order, key)\n            return\n        except Exception:\n            time.sleep(2 ** attempt)\n";
    let (repo, base, head) = change(
        &[
            ("shop/partner.py", PY_PARTNER),
            ("shop/sync.py", PY_RETRY_BEFORE),
        ],
        "shop/sync.py",
        after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "idempotency/key-regenerated-per-attempt".to_string(),
            9,
            "new".to_string()
        )],
        "the keyed helper is quiet and neither is reported as sending no key"
    );
    let message = findings(&report)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("`post_order` sends a `Idempotency-Key` it generates itself with `uuid.uuid4()` on every call")
            && message.contains("via `post_order` (shop/partner.py:6) → `requests.post`"),
        "{message}"
    );
}

#[test]
fn a_typescript_request_helper_that_mints_its_key_is_seen_from_the_retry_loop_that_calls_it() {
    let helper = "export async function postJson(url: string, body: unknown) {\n  const res = await fetch(url, {\n    method: \"POST\",\n    headers: { \"Idempotency-Key\": crypto.randomUUID() },\n    body: JSON.stringify(body),\n  });\n  if (!res.ok) throw new Error(`rejected: ${res.status}`);\n  return res;\n}\n";
    let before = "import { postJson } from \"./http\";\n\nexport async function charge(order: { id: string }) {\n  await postJson(\"https://pay.example.com/charges\", { order: order.id });\n}\n";
    let after = "import { postJson } from \"./http\";\n\nexport async function charge(order: { id: string }) {\n  for (let attempt = 0; attempt < 3; attempt++) {\n    try {\n      await postJson(\"https://pay.example.com/charges\", { order: order.id });\n      return;\n    } catch (error) {\n      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));\n    }\n  }\n}\n";
    let (repo, base, head) = change(
        &[("src/http.ts", helper), ("src/charge.ts", before)],
        "src/charge.ts",
        after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "idempotency/key-regenerated-per-attempt".to_string(),
            6,
            "new".to_string()
        )]
    );
}

#[test]
fn helpers_imported_through_tsconfig_paths_and_workspace_packages_are_seen_through() {
    let before = "import { prisma } from \"@acme/db\";\n\nexport async function POST(req: Request) {\n  const body = await req.json();\n  await prisma.$transaction(async (tx) => {\n    await tx.order.create({ data: body });\n  });\n  return Response.json({ ok: true });\n}\n";
    let after = "import { prisma } from \"@acme/db\";\nimport { notifyPartner } from \"@acme/partners/notify\";\nimport { deliverWebhook } from \"@/lib/webhooks\";\n\nexport async function POST(req: Request) {\n  const body = await req.json();\n  await prisma.$transaction(async (tx) => {\n    await tx.order.create({ data: body });\n    await notifyPartner(body.partnerId);\n    await deliverWebhook(body.hook, body);\n  });\n  return Response.json({ ok: true });\n}\n";
    let (repo, base, head) = change(
        &[
            (
                "apps/web/tsconfig.json",
                "{\n  // comments and trailing commas, as tsconfig allows\n  \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@/*\": [\"./*\"] } },\n}\n",
            ),
            (
                "apps/web/package.json",
                "{\"name\": \"web\", \"private\": true}\n",
            ),
            (
                "apps/web/lib/webhooks.ts",
                "export async function deliverWebhook(url: string, payload: unknown) {\n  await fetch(url, { method: \"POST\", body: JSON.stringify(payload) });\n}\n",
            ),
            (
                "packages/partners/package.json",
                "{\"name\": \"@acme/partners\", \"exports\": {\"./notify\": \"./src/notify.ts\"}}\n",
            ),
            (
                "packages/partners/src/notify.ts",
                "export async function notifyPartner(partnerId: string) {\n  await fetch(`https://partners.example.com/${partnerId}/orders`, { method: \"POST\" });\n}\n",
            ),
            ("apps/web/app/api/orders/route.ts", before),
        ],
        "apps/web/app/api/orders/route.ts",
        after,
    );
    let report = scan(&repo, &base, &head);
    let messages: Vec<String> = findings(&report)
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["line"],
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages[0].starts_with("9 ")
            && messages[0]
                .contains("via `notifyPartner` (packages/partners/src/notify.ts:1) → `fetch`"),
        "{messages:#?}"
    );
    assert!(
        messages[1].starts_with("10 ")
            && messages[1].contains("via `deliverWebhook` (apps/web/lib/webhooks.ts:1) → `fetch`"),
        "{messages:#?}"
    );
}

#[test]
fn a_chain_that_ends_on_a_method_known_only_by_its_name_in_another_file_is_medium() {
    // `refund` (another file) ends on `order.send_mail(..)`: the pack knows
    // `send_mail` only by its name, and `order` is a parameter whose class
    // that file's imports would tell. `close` ends on Django's
    // `mail.send_mail(..)`, a module the file imports: high, as before.
    let refunds = "from django.core import mail\n\n\ndef refund(order):\n    order.send_mail(\"refunded\")\n\n\ndef close(order):\n    mail.send_mail(\"Closed\", \"\", \"a@example.com\", [order.email])\n";
    let before = "from django.db import transaction\n\nfrom shop.refunds import close, refund\n\n\ndef settle(order):\n    with transaction.atomic():\n        order.status = \"settled\"\n        order.save()\n";
    let after = format!("{before}        refund(order)\n        close(order)\n");
    let (repo, base, head) = change(
        &[("shop/refunds.py", refunds), ("shop/views.py", before)],
        "shop/views.py",
        &after,
    );
    let report = scan(&repo, &base, &head);
    let found: Vec<(u64, String)> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "sequencing/side-effect-in-transaction")
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["confidence"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(10, "medium".to_string()), (11, "high".to_string())],
        "{report}"
    );
    assert!(
        findings(&report)[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("known only by its method's name")),
        "{report}"
    );
}

#[test]
fn an_injected_member_named_after_the_projects_own_class_is_judged_by_its_method() {
    // `this.eventBus` is the injected `EventBus` the file imports from the
    // project: an in-process subject whose `publish` reaches no other system,
    // so its publish inside the transaction stays quiet, though the pack
    // knows `*Bus.publish` by name. `this.outboundBus` is named after no
    // class of the project: the pack's name stays the evidence.
    let bus = "import { Subject } from 'rxjs';\n\nexport class EventBus {\n  private events = new Subject<unknown>();\n\n  publish(event: unknown): void {\n    this.events.next(event);\n  }\n}\n";
    let before = "import { EventBus } from '../events/event-bus';\n\nexport class ShippingService {\n  constructor(private connection: Connection, private eventBus: EventBus, private outboundBus: Bus) {}\n\n  async ship(orderId: string) {\n    await this.connection.transaction(async (trx) => {\n      await trx('orders').where({ id: orderId }).update({ state: 'shipped' });\n    });\n  }\n}\n";
    let after = before.replace(
        "update({ state: 'shipped' });\n",
        "update({ state: 'shipped' });\n      this.eventBus.publish({ type: 'shipped', orderId });\n      await this.outboundBus.publish({ type: 'shipped', orderId });\n",
    );
    let (repo, base, head) = change(
        &[
            ("src/events/event-bus.ts", bus),
            ("src/shipping/shipping.service.ts", before),
        ],
        "src/shipping/shipping.service.ts",
        &after,
    );
    let report = scan(&repo, &base, &head);
    let lines: Vec<u64> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "sequencing/side-effect-in-transaction")
        .map(|f| f["line"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(lines, vec![10], "{report}");
}

#[test]
fn a_default_imported_helper_is_seen_through_like_a_named_one() {
    let mailer = "import nodemailer from 'nodemailer';\n\nconst transport = nodemailer.createTransport({});\n\nexport default async function sendReceipt(order) {\n  await transport.sendMail({ to: order.email, subject: 'Receipt' });\n}\n";
    let before = "import sendReceipt from '../lib/send-receipt.js';\n\nexport async function pay(db, order) {\n  await db.transaction(async (trx) => {\n    await trx('orders').where({ id: order.id }).update({ status: 'paid' });\n  });\n}\n";
    let after = before.replace(
        "update({ status: 'paid' });\n",
        "update({ status: 'paid' });\n    await sendReceipt(order);\n",
    );
    let (repo, base, head) = change(
        &[("lib/send-receipt.js", mailer), ("src/pay.js", before)],
        "src/pay.js",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            6,
            "new".to_string()
        )],
        "{report}"
    );
    let message = findings(&report)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("lib/send-receipt.js:5"), "{message}");
}

#[test]
fn a_default_imported_fetch_wrapper_that_throws_is_not_an_unchecked_fetch() {
    let wrapper = "import nodeFetch from 'node-fetch';\n\nexport default async function fetch(url, init) {\n  const response = await nodeFetch(url, init);\n  if (!response.ok) {\n    throw new Error(`request failed: ${response.status}`);\n  }\n  return response;\n}\n";
    let before = "import fetch from '../utils/fetch.js';\n\nexport async function deliver(url, payload) {\n  return { delivered: false };\n}\n";
    let after = before.replace(
        "  return { delivered: false };\n",
        "  await fetch(url, { method: 'POST', body: JSON.stringify(payload) });\n  return { delivered: true };\n",
    );
    let (repo, base, head) = change(
        &[("utils/fetch.js", wrapper), ("src/deliver.js", before)],
        "src/deliver.js",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        Vec::<(String, u64, String)>::new(),
        "{report}"
    );
}

const JS_CRM: &str = "export function postLead(lead) {\n  return fetch(`${process.env.CRM_URL}/leads`, {\n    method: 'POST',\n    body: JSON.stringify({ email: lead.email }),\n  });\n}\n";
const JS_SIGNUP_CHECKED: &str = "import { postLead } from './crm.js';\n\nexport async function signUp(lead) {\n  const res = await postLead(lead);\n  if (!res.ok) {\n    throw new Error(`CRM refused the lead: ${res.status}`);\n  }\n  return lead;\n}\n";
const JS_SIGNUP_DROPPED: &str = "import { postLead } from './crm.js';\n\nexport async function signUp(lead) {\n  await postLead(lead);\n  return lead;\n}\n";

#[test]
fn deleting_the_status_check_on_a_response_a_helper_returns_is_a_new_unchecked_response() {
    let (repo, base, head) = change(
        &[("src/crm.js", JS_CRM), ("src/signup.js", JS_SIGNUP_CHECKED)],
        "src/signup.js",
        JS_SIGNUP_DROPPED,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "rejection/unchecked-response".to_string(),
            4,
            "new".to_string()
        )]
    );
    let finding = &findings(&report)[0];
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`postLead` returns the response of its HTTP write unread")
            && message.contains("via `postLead` (src/crm.js:1) → `fetch`"),
        "the chain is named: {message}"
    );
    let related = finding["related"].as_array().cloned().unwrap_or_default();
    assert!(
        related
            .iter()
            .any(|r| r["path"] == "src/crm.js" && r["line"] == 2),
        "the helper's own call is related: {related:?}"
    );
}

#[test]
fn a_caller_that_checks_the_response_a_helper_returns_stays_quiet() {
    let (repo, base, head) = change(
        &[("src/crm.js", JS_CRM), ("src/signup.js", JS_SIGNUP_DROPPED)],
        "src/signup.js",
        JS_SIGNUP_CHECKED,
    );
    let report = scan(&repo, &base, &head);
    assert!(findings(&report).is_empty(), "{report:#}");
}

const RS_PEER: &str = "use reqwest::{Client, StatusCode};\n\npub struct PeerRequest<'a> {\n    url: &'a str,\n    client: Option<&'a Client>,\n}\n\nimpl<'a> PeerRequest<'a> {\n    pub fn put(url: &'a str) -> Self {\n        Self { url, client: None }\n    }\n\n    pub fn with_client(mut self, client: &'a Client) -> Self {\n        self.client = Some(client);\n        self\n    }\n\n    pub async fn send(&self, body: &str) -> Result<(), PeerError> {\n        let response = self.client.unwrap().put(self.url).body(body.to_string()).send().await?;\n        if response.status() != StatusCode::OK {\n            return Err(PeerError::Rejected(response.status()));\n        }\n        Ok(())\n    }\n}\n";
const RS_SYNC_BEFORE: &str = "use crate::peer::PeerRequest;\nuse reqwest::Client;\n\npub async fn push_edit(client: &Client, body: &str) -> Result<(), PeerError> {\n    Ok(())\n}\n";

#[test]
fn a_rust_chain_on_the_crates_own_request_type_is_its_code_not_reqwests() {
    // `PeerRequest::put(..).with_client(c).send(..)` names reqwest's
    // builder methods, but starts at the crate's own type, whose `send`
    // checks the status; reqwest's own builder, its answer dropped, is
    // still reported.
    let after = RS_SYNC_BEFORE.replace(
        "    Ok(())\n",
        "    PeerRequest::put(\"https://peer.example.com/edit\").with_client(client).send(body).await?;\n    client.post(\"https://peer.example.com/log\").body(body.to_string()).send().await?;\n    Ok(())\n",
    );
    let (repo, base, head) = change(
        &[("src/peer.rs", RS_PEER), ("src/sync.rs", RS_SYNC_BEFORE)],
        "src/sync.rs",
        &after,
    );
    let expected = vec![(
        "rejection/unchecked-response".to_string(),
        "src/sync.rs".to_string(),
        6,
    )];
    let report = scan(&repo, &base, &head);
    assert_eq!(rules_and_places(&report), expected, "in review: {report}");
    let whole = scan_all_files(&repo, &["--head", &head]);
    assert_eq!(rules_and_places(&whole), expected, "whole: {whole}");
}

const RS_CHAT: &str = "pub struct PostMessage<'a> {\n    pub channel: &'a str,\n    pub text: &'a str,\n}\n\nimpl<'a> PostMessage<'a> {\n    pub async fn send(&self, client: &reqwest::Client) -> anyhow::Result<reqwest::Response> {\n        Ok(client\n            .post(\"https://chat.example.com/api/messages\")\n            .json(&(self.channel, self.text))\n            .send()\n            .await?)\n    }\n}\n\npub struct ArchiveThread<'a> {\n    pub thread: &'a str,\n}\n\nimpl<'a> ArchiveThread<'a> {\n    pub async fn send(&self, client: &reqwest::Client) -> anyhow::Result<()> {\n        client\n            .post(\"https://chat.example.com/api/archive\")\n            .json(&self.thread)\n            .send()\n            .await?\n            .error_for_status()?;\n        Ok(())\n    }\n}\n";
const RS_ANNOUNCE_BEFORE: &str = "pub async fn announce(client: &reqwest::Client, text: &str) -> anyhow::Result<()> {\n    Ok(())\n}\n";

#[test]
fn a_rust_type_named_inline_by_its_crate_path_sends_through_its_own_method() {
    // `crate::chat::PostMessage { .. }.send(..)`: no `use` names the type,
    // the literal is the receiver (or a local it is bound to), and its
    // `send` hands back reqwest's response unread, which the caller drops. `ArchiveThread`'s `send`
    // checks the status itself, so its call is quiet.
    let after = RS_ANNOUNCE_BEFORE.replace(
        "    Ok(())\n",
        "    crate::chat::PostMessage {\n        channel: \"releases\",\n        text,\n    }\n    .send(client)\n    .await?;\n    crate::chat::ArchiveThread { thread: \"old\" }.send(client).await?;\n    let note = crate::chat::PostMessage { channel: \"audit\", text };\n    note.send(client).await?;\n    Ok(())\n",
    );
    let (repo, base, head) = change(
        &[
            ("src/chat.rs", RS_CHAT),
            ("src/announce.rs", RS_ANNOUNCE_BEFORE),
        ],
        "src/announce.rs",
        &after,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![
            (
                "rejection/unchecked-response".to_string(),
                "src/announce.rs".to_string(),
                2,
            ),
            (
                "rejection/unchecked-response".to_string(),
                "src/announce.rs".to_string(),
                10,
            )
        ],
        "in review: {report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("src/chat.rs") && text.contains("PostMessage"),
        "the finding names the chain through the crate's type: {report}"
    );
}

const PY_BILLING_CHECKED: &str = "import requests\n\n\ndef post_invoice(invoice):\n    response = requests.post(\"https://ledger.example.com/invoices\", json=invoice)\n    response.raise_for_status()\n    return response\n";
const PY_BILLING_RAW: &str = "import requests\n\n\ndef post_invoice(invoice):\n    return requests.post(\"https://ledger.example.com/invoices\", json=invoice)\n";
const PY_CLOSE: &str = "from .billing import post_invoice\n\n\ndef close_month(invoice, books):\n    post_invoice(invoice)\n    books.mark_closed(invoice)\n";
const PY_REFUND: &str = "from .billing import post_invoice\n\n\ndef refund(invoice):\n    response = post_invoice(invoice)\n    if not response.ok:\n        raise RuntimeError(response.text)\n";

#[test]
fn a_helper_whose_status_check_is_deleted_is_reported_with_the_callers_that_drop_its_response() {
    // The change only deletes `raise_for_status()` from the helper and
    // returns the response whole; `close_month`, untouched in another file,
    // drops it, while `refund` checks it. One finding, at the helper's
    // write, with the dropping caller related.
    let (repo, base, head) = change(
        &[
            ("billing/billing.py", PY_BILLING_CHECKED),
            ("billing/close.py", PY_CLOSE),
            ("billing/refund.py", PY_REFUND),
        ],
        "billing/billing.py",
        PY_BILLING_RAW,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![(
            "rejection/unchecked-response".to_string(),
            "billing/billing.py".to_string(),
            5,
        )],
        "{report}"
    );
    let related = &findings(&report)[0]["related"];
    assert_eq!(related.as_array().map(Vec::len), Some(1), "{report}");
    assert_eq!(related[0]["path"], "billing/close.py", "{report}");
    assert_eq!(related[0]["line"], 5, "{report}");

    // The check kept: the helper owns the status, nothing is reported.
    let (repo, base, head) = change(
        &[
            ("billing/billing.py", PY_BILLING_CHECKED),
            ("billing/close.py", PY_CLOSE),
        ],
        "billing/billing.py",
        &PY_BILLING_CHECKED.replace("/invoices", "/v2/invoices"),
    );
    let quiet = scan(&repo, &base, &head);
    assert!(findings(&quiet).is_empty(), "{quiet}");
}

const RS_LEDGER_CHECKED: &str = "pub struct Entry<'a> {\n    pub amount: i64,\n    pub memo: &'a str,\n}\n\nimpl<'a> Entry<'a> {\n    pub async fn post(&self, client: &reqwest::Client) -> anyhow::Result<()> {\n        client\n            .post(\"https://ledger.example.com/entries\")\n            .json(&(self.amount, self.memo))\n            .send()\n            .await?\n            .error_for_status()?;\n        Ok(())\n    }\n}\n\npub struct Note;\n\nimpl Note {\n    pub async fn post(&self) -> anyhow::Result<()> {\n        Ok(())\n    }\n}\n";
const RS_PAYOUT: &str = "pub async fn payout(client: &reqwest::Client) -> anyhow::Result<()> {\n    let entry = crate::ledger::Entry { amount: -500, memo: \"payout\" };\n    entry.post(client).await?;\n    Ok(())\n}\n";

#[test]
fn a_rust_method_that_now_hands_back_reqwests_response_is_reported_with_its_callers() {
    // `Entry::post` loses its `error_for_status()?` and returns the
    // response; `payout` (untouched) binds an `Entry` literal and drops what
    // `post` returns. Another type's `post` in the same file is not it.
    let raw = RS_LEDGER_CHECKED
        .replace(
            "-> anyhow::Result<()> {\n        client",
            "-> anyhow::Result<reqwest::Response> {\n        Ok(client",
        )
        .replace(
            "            .await?\n            .error_for_status()?;\n        Ok(())\n",
            "            .await?)\n",
        );
    assert_ne!(raw, RS_LEDGER_CHECKED);
    let (repo, base, head) = change(
        &[
            ("src/ledger.rs", RS_LEDGER_CHECKED),
            ("src/payout.rs", RS_PAYOUT),
        ],
        "src/ledger.rs",
        &raw,
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![(
            "rejection/unchecked-response".to_string(),
            "src/ledger.rs".to_string(),
            8,
        )],
        "{report}"
    );
    let related = &findings(&report)[0]["related"];
    assert_eq!(related[0]["path"], "src/payout.rs", "{report}");
    assert_eq!(related[0]["line"], 3, "{report}");
}

const PY_PARTNER_STABLE: &str = "import uuid\n\nimport requests\n\n\ndef post_order(order):\n    response = requests.post(\n        \"https://partner.example.com/orders\",\n        json={\"order_id\": order.id},\n        headers={\"Idempotency-Key\": f\"order-{order.id}\"},\n    )\n    response.raise_for_status()\n";
const PY_SYNC_RETRIED: &str = "import time\n\nfrom .partner import post_order\n\n\ndef sync(order):\n    for attempt in range(3):\n        try:\n            post_order(order)\n            return\n        except Exception:\n            time.sleep(2 ** attempt)\n";
const PY_SYNC_ONCE: &str =
    "from .partner import post_order\n\n\ndef sync_once(order):\n    post_order(order)\n";

#[test]
fn a_helper_that_now_mints_its_key_is_reported_with_the_callers_that_retry_it() {
    // The change swaps the helper's stable key for a fresh UUID; `sync`,
    // untouched in another file, retries it, `sync_once` does not. One
    // finding, at the helper's request, with the retrying caller related.
    let (repo, base, head) = change(
        &[
            ("shop/partner.py", PY_PARTNER_STABLE),
            ("shop/sync.py", PY_SYNC_RETRIED),
            ("shop/once.py", PY_SYNC_ONCE),
        ],
        "shop/partner.py",
        &PY_PARTNER_STABLE.replace("f\"order-{order.id}\"", "str(uuid.uuid4())"),
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![(
            "idempotency/key-regenerated-per-attempt".to_string(),
            "shop/partner.py".to_string(),
            7,
        )],
        "{report}"
    );
    let finding = &findings(&report)[0];
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`post_order` now mints the `Idempotency-Key`")
            && message.contains("`uuid.uuid4()`")
            && message.contains("shop/sync.py:9"),
        "{message}"
    );
    let related = finding["related"].as_array().cloned().unwrap_or_default();
    assert_eq!(related.len(), 2, "{report}");
    assert_eq!(related[0]["path"], "shop/sync.py", "{report}");
    assert_eq!(related[0]["line"], 9, "{report}");
    assert_eq!(related[1]["line"], 7, "the retry loop: {report}");

    // The key stays stable: the edit touches the helper, nothing is reported.
    let (repo, base, head) = change(
        &[
            ("shop/partner.py", PY_PARTNER_STABLE),
            ("shop/sync.py", PY_SYNC_RETRIED),
        ],
        "shop/partner.py",
        &PY_PARTNER_STABLE.replace("/orders", "/v2/orders"),
    );
    let quiet = scan(&repo, &base, &head);
    assert!(findings(&quiet).is_empty(), "{quiet}");
}

const TS_CHARGE_KEYED: &str = "export async function charge(order: { id: string }) {\n  const res = await fetch(\"https://pay.example.com/charges\", {\n    method: \"POST\",\n    headers: { \"Idempotency-Key\": `charge-${order.id}` },\n    body: JSON.stringify({ order: order.id }),\n  });\n  if (!res.ok) throw new Error(`rejected: ${res.status}`);\n}\n";
const TS_CHECKOUT_RETRIED: &str = "import { charge } from \"./payments\";\n\nexport async function checkout(order: { id: string }) {\n  for (let attempt = 0; attempt < 3; attempt++) {\n    try {\n      await charge(order);\n      return;\n    } catch (error) {\n      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));\n    }\n  }\n}\n";

#[test]
fn deleting_the_key_a_helper_sends_is_reported_with_the_callers_that_retry_it() {
    // The change deletes the idempotency header; the retry loop that calls
    // the helper is in another, untouched file.
    let (repo, base, head) = change(
        &[
            ("src/payments.ts", TS_CHARGE_KEYED),
            ("src/checkout.ts", TS_CHECKOUT_RETRIED),
        ],
        "src/payments.ts",
        &TS_CHARGE_KEYED.replace(
            "    headers: { \"Idempotency-Key\": `charge-${order.id}` },\n",
            "",
        ),
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        rules_and_places(&report),
        vec![(
            "idempotency/retry-without-key".to_string(),
            "src/payments.ts".to_string(),
            2,
        )],
        "{report}"
    );
    let finding = &findings(&report)[0];
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`charge` no longer sends the `Idempotency-Key`")
            && message.contains("src/checkout.ts:6"),
        "{message}"
    );
    assert_eq!(finding["related"][0]["path"], "src/checkout.ts", "{report}");

    // The key kept: quiet.
    let (repo, base, head) = change(
        &[
            ("src/payments.ts", TS_CHARGE_KEYED),
            ("src/checkout.ts", TS_CHECKOUT_RETRIED),
        ],
        "src/payments.ts",
        &TS_CHARGE_KEYED.replace("/charges", "/v2/charges"),
    );
    let quiet = scan(&repo, &base, &head);
    assert!(findings(&quiet).is_empty(), "{quiet}");
}

const PY_BOOKING_DEFERRED: &str = "from django.db import models, transaction\n\nfrom .jobs import mail_confirmation\n\n\nclass Booking(models.Model):\n    state = models.CharField(max_length=20)\n\n    def cancel(self):\n        self.state = \"cancelled\"\n\n\nclass Confirmable:\n    def confirm(self):\n        self.state = \"confirmed\"\n        self.save()\n        transaction.on_commit(lambda: mail_confirmation.delay(self.pk))\n\n\nclass PendingBooking(Confirmable, Booking):\n    def hold(self):\n        self.state = \"held\"\n";
const PY_DESK: &str = "from django.db import transaction\n\nfrom .models import PendingBooking\n\n\ndef settle(booking, payment):\n    booking.confirm()\n    payment.save()\n\n\ndef checkout(request, pk):\n    booking = PendingBooking.objects.get(pk=pk)\n    with transaction.atomic():\n        settle(booking, request.payment)\n\n\ndef preview(booking):\n    booking.confirm()\n";

#[test]
fn a_method_that_now_sends_is_reported_where_a_function_of_another_file_calls_it_in_a_transaction()
{
    // The change drops the `on_commit` around the confirmation e-mail of a
    // mixin's method. `checkout`, untouched in another file, calls `settle`,
    // which calls `booking.confirm()` on a parameter, inside
    // `transaction.atomic`: the booking's class is known only through the
    // import of the class that inherits the method and the receiver's name,
    // so the finding is medium confidence and names the path.
    let (repo, base, head) = change(
        &[
            ("bookings/models.py", PY_BOOKING_DEFERRED),
            ("bookings/desk.py", PY_DESK),
        ],
        "bookings/models.py",
        &PY_BOOKING_DEFERRED.replace(
            "transaction.on_commit(lambda: mail_confirmation.delay(self.pk))",
            "mail_confirmation.delay(self.pk)",
        ),
    );
    let report = scan(&repo, &base, &head);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            17,
            "new".to_string()
        )],
        "{report}"
    );
    let finding = &findings(&report)[0];
    assert_eq!(finding["confidence"], "medium", "{report}");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`settle`, which calls `confirm`, at bookings/desk.py:14"),
        "{message}"
    );
    let related = finding["related"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        related.len(),
        2,
        "only the call inside the transaction: {report}"
    );
    assert_eq!(related[1]["line"], 13, "the transaction: {report}");

    // A method of the same name on an unrelated class of the file makes a
    // call by the name alone ambiguous: nothing is guessed.
    let ambiguous = PY_BOOKING_DEFERRED.replace(
        "class PendingBooking",
        "class Invoice:\n    def confirm(self):\n        pass\n\n\nclass PendingBooking",
    );
    let (repo, base, head) = change(
        &[
            ("bookings/models.py", &ambiguous),
            ("bookings/desk.py", PY_DESK),
        ],
        "bookings/models.py",
        &ambiguous.replace(
            "transaction.on_commit(lambda: mail_confirmation.delay(self.pk))",
            "mail_confirmation.delay(self.pk)",
        ),
    );
    assert_eq!(summary(&scan(&repo, &base, &head)), vec![]);
}

const PY_JOB_TABLE: &str = "async def enqueue(session, kind, payload=None, key=None):\n    \"\"\"Add a job row in the caller's transaction; a worker polls the table.\"\"\"\n    session.add(Job(kind=kind, payload=payload, key=key))\n";
const PY_RQ_QUEUE: &str = "import django_rq\n\n\ndef enqueue(session, kind, payload=None, key=None):\n    django_rq.enqueue(kind, payload)\n";
const PY_APPROVE_BEFORE: &str = "from app import jobs\n\n\nasync def approve(runtime, approval_id):\n    async with runtime.transaction() as session:\n        approval = await session.get(Approval, approval_id)\n        approval.status = \"approved\"\n        session.add(approval)\n";

#[test]
fn a_function_of_a_project_module_imported_whole_is_judged_by_its_body_not_its_name() {
    // `jobs.enqueue(..)` on the project's module `src/app/jobs.py`: a pack
    // names `**.enqueue` for RQ's queues, but the module's function adds a
    // job row in the caller's transaction, and is quiet; the same call where
    // the module hands the job to RQ still fires.
    let after = format!(
        "{PY_APPROVE_BEFORE}        await jobs.enqueue(session, \"approval.decided\", {{\"id\": approval_id}})\n"
    );
    for (jobs, expected) in [
        (PY_JOB_TABLE, vec![]),
        (
            PY_RQ_QUEUE,
            vec![(
                "sequencing/side-effect-in-transaction".to_string(),
                "src/app/services/approvals.py".to_string(),
                9,
            )],
        ),
    ] {
        let (repo, base, head) = change(
            &[
                ("src/app/__init__.py", ""),
                ("src/app/jobs.py", jobs),
                ("src/app/services/approvals.py", PY_APPROVE_BEFORE),
            ],
            "src/app/services/approvals.py",
            &after,
        );
        let report = scan(&repo, &base, &head);
        assert_eq!(rules_and_places(&report), expected, "in review: {report}");
        // A whole-repository scan reads other files to quiet, never to
        // chain: the module whose function reaches nothing quiets the call;
        // the one that reaches RQ leaves it to the pack, which names it.
        let whole = scan_all_files(&repo, &["--head", &head]);
        assert_eq!(rules_and_places(&whole), expected, "whole: {whole}");
    }
}
