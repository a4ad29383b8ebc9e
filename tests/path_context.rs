//! Code that is not production — tests, examples, generated and vendored
//! code, Rust test modules — is quiet by default, `.gitattributes` is read
//! from the trusted revision only, and `.handoff.yml` overrides both ways.
//! End to end with the real binary on real repositories.

mod common;

use common::{Repo, findings};

const PUBLISH_IN_TRANSACTION: &str = "export async function pay(id: string) {
  await db.transaction(async (trx) => {
    await trx('orders').where({ id }).update({ status: 'paid' });
    await eventBus.publish('order.paid', { id });
  });
}
";

/// The report of a scan of the last commit's change.
fn last_commit_report(repo: &Repo) -> serde_json::Value {
    repo.handoff(&[
        "scan", "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
    ])
    .json()
}

fn paths(report: &serde_json::Value) -> Vec<String> {
    let mut paths: Vec<String> = findings(report)
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[test]
fn whole_scan_is_quiet_outside_production_code() {
    let repo = Repo::new();
    repo.write(".gitattributes", "client/*.ts linguist-generated=true\n");
    for path in [
        "src/pay.ts",
        "examples/pay.ts",
        "lib/rules/fixtures/pay.ts",
        "client/pay.ts",
        "vendor/pay.ts",
        "src/pay.test.ts",
        "docs/pay.ts",
    ] {
        repo.write(path, PUBLISH_IN_TRANSACTION);
    }
    repo.commit("app");
    let report = repo
        .handoff(&["scan", "--all-files", "--head", "HEAD", "--format", "json"])
        .json();
    assert_eq!(paths(&report), vec!["src/pay.ts".to_string()]);
    repo.write(
        ".handoff.yml",
        "context:\n  production: ['examples/**']\n  quiet: ['src/pay.ts']\n",
    );
    let report = repo
        .handoff(&["scan", "--all-files", "--format", "json"])
        .json();
    assert_eq!(paths(&report), vec!["examples/pay.ts".to_string()]);
}

#[test]
fn a_change_cannot_mark_its_own_code_generated() {
    let repo = Repo::new();
    repo.write("README.md", "app\n");
    repo.commit("base");
    repo.write(".gitattributes", "src/** linguist-generated\n");
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.commit("head");
    let report = last_commit_report(&repo);
    assert_eq!(paths(&report), vec!["src/pay.ts".to_string()]);
    // Once the attribute is in the base, the path is generated code.
    repo.write(
        "src/pay.ts",
        PUBLISH_IN_TRANSACTION.replace("pay(", "settle("),
    );
    repo.commit("edit");
    let report = last_commit_report(&repo);
    assert!(findings(&report).is_empty(), "{report}");
}

#[test]
fn rust_test_modules_are_quiet() {
    let repo = Repo::new();
    let body = "async fn notify(client: &reqwest::Client) {\n    let _ = client.post(\"https://hooks.example.com/x\").send().await;\n}\n";
    repo.write(
        "src/lib.rs",
        format!(
            "{body}\n#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    {}\n}}\n",
            body.replace('\n', "\n    ")
        ),
    );
    repo.commit("app");
    let report = repo
        .handoff(&["scan", "--all-files", "--format", "json"])
        .json();
    let lines: Vec<u64> = findings(&report)
        .iter()
        .map(|f| f["line"].as_u64().unwrap_or_default())
        .collect();
    assert!(!lines.is_empty(), "the production function is reported");
    assert!(lines.iter().all(|line| *line <= 3), "{lines:?}");
}

/// A folder of installed distributions (`pip install --target app/lib`):
/// two `*.dist-info` folders side by side mark its code third-party, in a
/// whole scan and in a change; one alone, or at the root (the project's own
/// build metadata), marks nothing.
#[test]
fn folders_of_installed_distributions_are_vendored() {
    const PUBLISH: &str = "from django.db import transaction\nfrom kafka import KafkaProducer\n\nproducer = KafkaProducer()\n\n\ndef pay(order):\n    with transaction.atomic():\n        order.save()\n        producer.send('order.paid', order.id)\n";
    let repo = Repo::new();
    for folder in ["app/lib", "app/one", ""] {
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        repo.write(
            &format!("{prefix}client-1.0.dist-info/METADATA"),
            "Name: client\n",
        );
        if folder != "app/one" {
            repo.write(
                &format!("{prefix}other-2.0.dist-info/METADATA"),
                "Name: other\n",
            );
        }
        repo.write(&format!("{prefix}client/pay.py"), PUBLISH);
    }
    repo.commit("app");
    let report = repo
        .handoff(&["scan", "--all-files", "--format", "json"])
        .json();
    assert_eq!(
        paths(&report),
        vec![
            "app/one/client/pay.py".to_string(),
            "client/pay.py".to_string()
        ]
    );
    for folder in ["app/lib", "app/one"] {
        repo.write(
            &format!("{folder}/client/settle.py"),
            PUBLISH.replace("pay(", "settle("),
        );
    }
    repo.commit("edit");
    let report = last_commit_report(&repo);
    assert_eq!(paths(&report), vec!["app/one/client/settle.py".to_string()]);
}
