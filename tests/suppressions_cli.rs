//! `handoff suppressions`: the inventory of inline suppressions, on real
//! repositories with the real binary.

mod common;

use common::Repo;

const PAY: &str = "async function pay(db, eventBus) {\n  await db.transaction(async (trx) => {\n    // handoff-ignore[sequencing/side-effect-in-transaction]: the consumer re-reads after commit\n    await eventBus.publish('order.paid', {});\n  });\n}\n";
const SYNC: &str = "def sync(client):\n    try:\n        client.post('/crm')\n    except Exception:  # handoff-ignore[rejection/swallowed-error, rejection/nope]\n        pass\n";

fn repository() -> (Repo, String) {
    let repo = Repo::new();
    repo.write("src/pay.js", PAY);
    repo.write("app/sync.py", SYNC);
    repo.write(
        "src/plain.ts",
        "export const handoff = 'handoff-ignore is only text here';\n",
    );
    repo.write(
        "README.md",
        "handoff-ignore[sequencing/side-effect-in-transaction]: docs only\n",
    );
    let head = repo.commit("code with suppressions");
    (repo, head)
}

#[test]
fn lists_every_suppression_with_rule_place_reason_and_problems() {
    let (repo, head) = repository();
    let run = repo.handoff(&["suppressions", "--head", &head, "--format", "json"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let inventory = run.json();
    assert_eq!(inventory["schema"], "handoff/suppressions/v1");
    assert_eq!(inventory["head"], head.as_str());
    let entries = inventory["suppressions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let places: Vec<(String, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or_default().to_string(),
                e["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![
            ("app/sync.py".to_string(), 4),
            ("src/pay.js".to_string(), 3)
        ]
    );
    assert_eq!(entries[0]["reason"], "");
    assert_eq!(
        entries[0]["rules"],
        serde_json::json!(["rejection/swallowed-error", "rejection/nope"])
    );
    let problems = entries[0]["problems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0]
            .as_str()
            .unwrap_or_default()
            .contains("unknown rule `rejection/nope`")
    );
    assert!(
        problems[1]
            .as_str()
            .unwrap_or_default()
            .contains("without a reason")
    );
    assert_eq!(entries[1]["reason"], "the consumer re-reads after commit");
    assert_eq!(entries[1]["problems"], serde_json::json!([]));
}

#[test]
fn text_inventory_reads_the_work_tree_and_respects_gitignore() {
    let (repo, _) = repository();
    repo.write(".gitignore", "build/\n");
    repo.write("build/out.js", PAY);
    repo.write("src/new.py", "def f(bus):\n    bus.publish('x')  # handoff-ignore[rejection/fire-and-forget]: fire and forget by design\n");
    let run = repo.handoff(&["suppressions"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.stdout,
        "app/sync.py:4: [rejection/swallowed-error,rejection/nope] (no reason)\n  = warning: handoff-ignore names unknown rule `rejection/nope`; `handoff rules` lists the ids\n  = warning: handoff-ignore without a reason; write `handoff-ignore[rejection/swallowed-error,rejection/nope]: <why this is safe>`\nsrc/new.py:2: [rejection/fire-and-forget] fire and forget by design\nsrc/pay.js:3: [sequencing/side-effect-in-transaction] the consumer re-reads after commit\n3 suppressions in 3 files; 1 with a problem\n"
    );
}

#[test]
fn markdown_inventory_renders_hostile_reasons_inert() {
    let repo = Repo::new();
    repo.write(
        "src/a.js",
        "// handoff-ignore[sequencing/side-effect-in-transaction]: <img src=x onerror=alert(1)> | @team\nawait bus.publish('x');\n",
    );
    let head = repo.commit("hostile");
    let run = repo.handoff(&["suppressions", "--head", &head, "--format", "markdown"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.render.r#unsafe = true;
    let html = comrak::markdown_to_html(&run.stdout, &options);
    assert!(!html.contains("<img"), "{html}");
    assert_eq!(
        html.matches("<tr>").count(),
        2,
        "one header row and one suppression: {html}"
    );
    assert!(
        run.stdout
            .contains("1 suppression in 1 file; 0 with a problem")
    );
}

#[test]
fn a_revision_that_does_not_exist_is_a_one_line_error() {
    let (repo, _) = repository();
    let run = repo.handoff(&["suppressions", "--head", "no-such-rev"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}
