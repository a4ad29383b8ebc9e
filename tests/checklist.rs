//! `handoff checklist` end to end: the reviewer's Markdown for real changes in
//! real repositories, compared exactly with `tests/snapshots/*.md`
//! (`UPDATE_SNAPSHOTS=1` rewrites them), and its Mermaid diagrams checked by
//! Mermaid's own parser and by a strict syntax check.

mod common;
mod support;

use common::{CHECKOUT_BEFORE, Repo};
use regex::Regex;
use std::collections::HashSet;

const CONFIG: &str = r#"workflows:
  - name: checkout
    description: "order paid, fulfillment request created once, receipt e-mail accepted"
    paths: ["src/checkout*.js"]
    topics: ["order.*"]
    suite:
      name: checkout
      command: npm run test:workflow -- checkout
    threshold: medium
  - name: billing
    paths: ["src/jobs/**"]
    suite:
      name: billing
      command: npm run test:workflow -- billing
always:
  - name: unit
    command: npm test
"#;

/// The AI refactor of the article: publish moved inside the transaction.
const CHECKOUT_AFTER: &str = r#"app.post('/checkout', async (req, res) => {
  const { cart, paymentMethod, userId } = req.body;
  const payment = await payments.authorize(paymentMethod, cart.total);
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ user_id: userId, total: cart.total, status: 'pending' });
    // Bug: event published before transaction fully commits and before status finalized
    await eventBus.publish('order.created', { orderId: created.id, userId, total: cart.total });
    await trx.orders.update(created.id, { status: 'paid', payment_id: payment.id });
    return created;
  });
  res.status(200).json({ success: true, orderId: order.id });
});
"#;

/// The article's worker, which silently skips unpaid orders.
const WORKER: &str = r#"worker.on('order.created', async ({ orderId }) => {
  const order = await db.orders.find(orderId);
  if (order.status !== 'paid') {
    // silently skip, assuming another event will come later
    logger.warn({ orderId }, 'Order not paid yet, skipping fulfillment');
    return;
  }
  await fulfillment.createShipment({ orderId: order.id, items: order.items, total: order.total });
});
"#;

const CHARGE_BEFORE: &str = r#"new Worker('billing', async (job) => {
  await stripe.charges.create({ amount: job.data.amount, customer: job.data.customerId });
});
"#;

const CHARGE_AFTER: &str = r#"new Worker('billing', async (job) => {
  await pRetry(async () => {
    await stripe.charges.create({ amount: job.data.amount, customer: job.data.customerId });
    await resend.emails.send({ to: job.data.email, template: 'receipt', idempotencyKey: randomUUID() });
  }, { retries: 3 });
});
"#;

const EVENTS_BEFORE: &str = r#"export async function announceOrder(order) {
  await eventBus.publish('order.created', { orderId: order.id });
}
"#;

const EVENTS_AFTER: &str = r#"export async function announceOrder(order) {
  logger.info({ orderId: order.id }, 'order announced by the outbox relay');
}
"#;

const WORKER_AFTER: &str = r#"worker.on('order.created', async ({ orderId }) => {
  const order = await db.orders.find(orderId);
  if (!order) {
    return;
  }
  if (order.status !== 'paid') {
    logger.warn({ orderId }, 'Order not paid yet, skipping fulfillment');
    return;
  }
  await fulfillment.createShipment({ orderId: order.id, items: order.items, total: order.total });
  await eventBus.publish('fulfillment.requested', { orderId: order.id });
});
"#;

const DJANGO_BEFORE: &str = r#"from django.db import transaction

@api_view(["POST"])
def create_order(request):
    with transaction.atomic():
        order = Order.objects.create(user=request.user, status="paid")
    transaction.on_commit(lambda: send_receipt.delay(order.id))
    return Response({"id": order.id})
"#;

const DJANGO_AFTER: &str = r#"from django.db import transaction

@api_view(["POST"])
def create_order(request):
    with transaction.atomic():
        order = Order.objects.create(user=request.user, status="paid")
        send_receipt.delay(order.id)
        producer.send("order.created", {"order_id": order.id})
    return Response({"id": order.id})
"#;

/// A repository with `files_before` committed, then `files_after` committed.
fn change(
    config: Option<&str>,
    before: &[(&str, &str)],
    after: &[(&str, &str)],
) -> (Repo, String, String) {
    let repo = Repo::new();
    if let Some(config) = config {
        repo.write(".handoff.yml", config);
    }
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

fn checklist(repo: &Repo, base: &str, head: &str) -> String {
    let run = repo.handoff(&["checklist", "--base", base, "--head", head]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.stdout
}

fn article_checklist() -> String {
    let (repo, base, head) = change(
        Some(CONFIG),
        &[
            ("src/checkout.js", CHECKOUT_BEFORE),
            ("src/worker.js", WORKER),
        ],
        &[("src/checkout.js", CHECKOUT_AFTER)],
    );
    checklist(&repo, &base, &head)
}

fn retry_checklist() -> String {
    let (repo, base, head) = change(
        Some(CONFIG),
        &[("src/jobs/charge.js", CHARGE_BEFORE)],
        &[("src/jobs/charge.js", CHARGE_AFTER)],
    );
    checklist(&repo, &base, &head)
}

fn consumer_checklist() -> String {
    let (repo, base, head) = change(
        None,
        &[("src/events.js", EVENTS_BEFORE), ("src/worker.js", WORKER)],
        &[
            ("src/events.js", EVENTS_AFTER),
            ("src/worker.js", WORKER_AFTER),
        ],
    );
    checklist(&repo, &base, &head)
}

fn django_checklist() -> String {
    let (repo, base, head) = change(
        Some(CONFIG),
        &[("orders/views.py", DJANGO_BEFORE)],
        &[("orders/views.py", DJANGO_AFTER)],
    );
    checklist(&repo, &base, &head)
}

#[test]
fn article_checkout_refactor_checklist_matches_snapshot() {
    support::assert_snapshot("checklist-checkout.md", &article_checklist());
}

#[test]
fn article_checklist_names_the_consumer_outside_the_diff_and_its_silent_skip() {
    let markdown = article_checklist();
    assert!(
        markdown.contains("`worker.on order.created` (`src/worker.js:1`), which returns early at line 3 when `order.status !== 'paid'`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("⚠ delivers, may arrive before commit and be skipped"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- [ ] **Test:** The `checkout` suite (`npm run test:workflow -- checkout`) should assert exactly one `order.created` message with this `orderId`"),
        "{markdown}"
    );
}

#[test]
fn retry_scope_checklist_matches_snapshot() {
    support::assert_snapshot("checklist-retry.md", &retry_checklist());
}

#[test]
fn retry_checklist_flags_a_key_generated_per_attempt() {
    let markdown = retry_checklist();
    assert!(
        markdown.contains("#### Retry scope `p-retry` · `src/jobs/charge.js:2`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("`idempotencyKey: randomUUID()` looks generated per attempt"),
        "{markdown}"
    );
}

#[test]
fn removed_publish_and_edited_consumer_checklist_matches_snapshot() {
    support::assert_snapshot("checklist-consumer.md", &consumer_checklist());
}

#[test]
fn django_transaction_checklist_matches_snapshot() {
    support::assert_snapshot("checklist-django.md", &django_checklist());
}

#[test]
fn every_item_is_an_unchecked_checkbox() {
    for markdown in [
        article_checklist(),
        retry_checklist(),
        consumer_checklist(),
        django_checklist(),
    ] {
        let items: Vec<&str> = markdown.lines().filter(|l| l.starts_with("- [")).collect();
        assert!(!items.is_empty(), "{markdown}");
        assert!(items.iter().all(|l| l.starts_with("- [ ] ")), "{markdown}");
    }
}

#[test]
fn change_without_boundaries_says_so_and_still_lists_always_suites() {
    let (repo, base, head) = change(
        Some(CONFIG),
        &[
            ("README.md", "# Shop\n"),
            ("src/util.js", "export const add = (a, b) => a + b;\n"),
        ],
        &[
            ("README.md", "# Shop\n\nNow with docs.\n"),
            ("src/util.js", "export const add = (a, b) => b + a;\n"),
        ],
    );
    let markdown = checklist(&repo, &base, &head);
    assert!(
        markdown.starts_with("<!-- handoff:checklist -->\n## Handoff reviewer checklist\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("This change touches no workflow boundary"),
        "{markdown}"
    );
    assert!(!markdown.contains("```mermaid"), "{markdown}");
    assert!(markdown.contains("- `unit`: `npm test`"), "{markdown}");
}

#[test]
fn output_option_writes_the_markdown_to_a_file() {
    let (repo, base, head) = change(
        Some(CONFIG),
        &[("src/checkout.js", CHECKOUT_BEFORE)],
        &[("src/checkout.js", CHECKOUT_AFTER)],
    );
    let target = repo.path().join("checklist.md");
    let target_text = target.to_string_lossy().into_owned();
    let run = repo.handoff(&[
        "checklist",
        "--base",
        &base,
        "--head",
        &head,
        "--output",
        &target_text,
    ]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stdout.is_empty());
    let written = std::fs::read_to_string(&target).expect("checklist written");
    assert!(
        written.contains(
            "#### Side effect `eventBus.publish` → `order.created` · `src/checkout.js:7`"
        ),
        "{written}"
    );
}

#[test]
fn invalid_configuration_exits_2_with_its_location() {
    let (repo, base, head) = change(
        Some("workflows:\n  - name: checkout\n    paths: [\"src/**\"]\n    treshold: high\n"),
        &[("src/checkout.js", CHECKOUT_BEFORE)],
        &[("src/checkout.js", CHECKOUT_AFTER)],
    );
    let run = repo.handoff(&["checklist", "--base", &base, "--head", &head]);
    assert_eq!(run.code, 2, "stdout: {}", run.stdout);
    assert!(run.stderr.contains(".handoff.yml:4:5"), "{}", run.stderr);
    assert!(run.stderr.contains("treshold"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn mermaid_diagrams_parse_with_mermaid() {
    let diagrams: Vec<String> = [
        article_checklist(),
        retry_checklist(),
        consumer_checklist(),
        django_checklist(),
    ]
    .iter()
    .flat_map(|markdown| support::mermaid_blocks(markdown))
    .collect();
    assert_eq!(diagrams.len(), 4, "one diagram per checklist");
    let results = support::mermaid_parse(&diagrams);
    assert_eq!(results.len(), diagrams.len(), "{results:?}");
    for (result, diagram) in results.iter().zip(&diagrams) {
        assert!(result.starts_with("OK flowchart"), "{result}\n{diagram}");
    }
}

#[test]
fn mermaid_parser_rejects_a_broken_flowchart() {
    // The check above is only worth something if the parser really parses.
    let results = support::mermaid_parse(&["flowchart LR\n  n1[\"open\" --> n2\n".to_string()]);
    assert_eq!(results.len(), 1);
    assert!(results[0].starts_with("ERR "), "{results:?}");
}

#[test]
fn mermaid_diagrams_pass_the_strict_syntax_check() {
    for markdown in [
        article_checklist(),
        retry_checklist(),
        consumer_checklist(),
        django_checklist(),
    ] {
        for diagram in support::mermaid_blocks(&markdown) {
            strict_flowchart_check(&diagram);
        }
    }
}

/// The subset of flowchart syntax the checklist emits, checked line by line:
/// every node has an id and a quoted label free of quotes, every edge joins
/// declared nodes, every `class` names declared nodes and a defined class,
/// every `linkStyle` index names an edge.
fn strict_flowchart_check(diagram: &str) {
    let node = Regex::new(
        r#"^  (n\d+)(\["[^"]*"\]|\[\["[^"]*"\]\]|\{\{"[^"]*"\}\}|\("[^"]*"\)|\(\["[^"]*"\]\))$"#,
    )
    .expect("regex");
    let edge = Regex::new(r#"^  (n\d+) (-->|-\.->)(\|"[^"]*"\|)? (n\d+)$"#).expect("regex");
    let class_def =
        Regex::new(r"^  classDef ([a-z]+) [a-z-]+:[^ ,]+( [^ ,]+)?(,[a-z-]+:[^ ,]+( [^ ,]+)?)*$")
            .expect("regex");
    let class = Regex::new(r"^  class (n\d+(,n\d+)*) ([a-z]+)$").expect("regex");
    let link_style =
        Regex::new(r"^  linkStyle (\d+(,\d+)*) stroke:#[0-9a-f]{6},stroke-width:\dpx$")
            .expect("regex");
    let mut lines = diagram.lines();
    assert!(
        matches!(lines.next(), Some("flowchart LR" | "flowchart TD")),
        "{diagram}"
    );
    let mut nodes = HashSet::new();
    let mut classes = HashSet::new();
    let mut edges = 0usize;
    for line in lines {
        if let Some(captures) = node.captures(line) {
            assert!(
                nodes.insert(captures[1].to_string()),
                "node declared twice: {line}"
            );
        } else if let Some(captures) = edge.captures(line) {
            assert!(
                nodes.contains(&captures[1]) && nodes.contains(&captures[4]),
                "edge to an undeclared node: {line}"
            );
            edges += 1;
        } else if let Some(captures) = class_def.captures(line) {
            classes.insert(captures[1].to_string());
        } else if let Some(captures) = class.captures(line) {
            assert!(classes.contains(&captures[3]), "undefined class: {line}");
            assert!(
                captures[1].split(',').all(|id| nodes.contains(id)),
                "class on an undeclared node: {line}"
            );
        } else if let Some(captures) = link_style.captures(line) {
            assert!(
                captures[1]
                    .split(',')
                    .all(|i| i.parse::<usize>().is_ok_and(|i| i < edges)),
                "linkStyle index out of range: {line}"
            );
        } else {
            panic!("line outside the emitted flowchart syntax: {line:?}\n{diagram}");
        }
    }
    assert!(!nodes.is_empty() && edges > 0, "{diagram}");
}

#[test]
fn documented_checklist_example_is_real_output() {
    let docs =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("docs exist");
    let start = docs
        .find("<!-- checklist-example:start -->")
        .expect("start marker");
    let end = docs
        .find("<!-- checklist-example:end -->")
        .expect("end marker");
    let output = article_checklist();
    let output_lines: HashSet<&str> = output.lines().collect();
    for line in docs[start..end]
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
    {
        assert!(
            output_lines.contains(line),
            "README.md shows a line the checklist does not print:\n{line}"
        );
    }
}

#[test]
fn large_changes_stay_within_a_github_comment() {
    let mut source = String::new();
    for i in 0..150 {
        source.push_str(&format!(
            "export async function announce{i}(order) {{\n  await eventBus.publish('order.step{i}', {{ orderId: order.id }});\n}}\n"
        ));
    }
    let (repo, base, head) = change(
        Some(CONFIG),
        &[("README.md", "# Shop\n")],
        &[("src/steps.js", &source)],
    );
    let markdown = checklist(&repo, &base, &head);
    assert!(markdown.len() < 65_536, "{} characters", markdown.len());
    assert_eq!(
        markdown.matches("\n#### Side effect ").count(),
        20,
        "{markdown}"
    );
    assert!(markdown.contains("#### More touched boundaries\n\n- [ ] Side effect `eventBus.publish` → `order.step20` · `src/steps.js:62`\n"), "{markdown}");
    assert!(
        markdown.contains("_30 more touched boundaries are not listed here._"),
        "{markdown}"
    );
    assert!(
        markdown.contains("110 more touched boundaries are not drawn."),
        "{markdown}"
    );
}

#[test]
fn a_hostile_topic_renders_inert_in_the_diagram() {
    let hostile = r#"%%{init:{}}%%<br/><img src=x>&amp;it's"#;
    let after = CHECKOUT_AFTER.replace("'order.created'", &format!("\"{hostile}\""));
    let (repo, base, head) = change(
        Some(CONFIG),
        &[("src/checkout.js", CHECKOUT_BEFORE)],
        &[("src/checkout.js", after.as_str())],
    );
    let markdown = checklist(&repo, &base, &head);
    let diagrams = support::mermaid_blocks(&markdown);
    assert_eq!(diagrams.len(), 1, "{markdown}");
    let diagram = &diagrams[0];
    assert!(
        diagram.contains("#37;#37;{init:{}}#37;#37;"),
        "the topic is drawn: {diagram}"
    );
    for live in ["%%", "<img", "<br/><img", "&amp;"] {
        assert!(!diagram.contains(live), "{live} in {diagram}");
    }
    assert!(diagram.contains("#38;amp;"), "{diagram}");
    strict_flowchart_check(diagram);
    let results = support::mermaid_parse(&diagrams);
    assert!(
        results[0].starts_with("OK flowchart"),
        "{results:?}\n{diagram}"
    );
}
