//! The contract rules on real git repositories, through the real binary.
//!
//! Every case directory `fixtures/<language>/contract/<case>/` becomes a
//! repository: a file `x.base.ts` is the base version of `x.ts`, committed
//! as `x.ts` and then overwritten in the work tree with `x.ts`; every other
//! file is the same on both sides. Findings must appear exactly on the head
//! lines whose comment says `expect: <rule-id>`, and nowhere else; the words
//! of its findings are an insta snapshot per case in
//! `tests/snapshots/contract/` (`cargo insta review` accepts a change).

mod common;

use common::{Repo, findings};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `fixtures/*/contract/*/` directories.
fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = Vec::new();
    for language in std::fs::read_dir(&root).expect("fixtures folder").flatten() {
        let contract = language.path().join("contract");
        let Ok(entries) = std::fs::read_dir(&contract) else {
            continue;
        };
        cases.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    cases.sort();
    cases
}

/// The head files of a case, and the base text of the touched ones.
fn case_files(dir: &Path) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut head = BTreeMap::new();
    let mut base = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("case folder").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).expect("fixtures are UTF-8");
        match name.split_once(".base.") {
            Some((stem, extension)) => {
                base.insert(format!("{stem}.{extension}"), text);
            }
            None => {
                head.insert(name, text);
            }
        }
    }
    (head, base)
}

/// `(path, line, rule)` expected by the `expect:` comments of the head files.
fn expectations(head: &BTreeMap<String, String>) -> BTreeSet<(String, u64, String)> {
    let mut expected = BTreeSet::new();
    for (path, text) in head {
        for (index, line) in text.lines().enumerate() {
            if let Some(position) = line.find("expect: ") {
                for rule in line[position + "expect: ".len()..].split(',') {
                    let rule = rule.trim();
                    if !rule.is_empty() {
                        expected.insert((path.clone(), index as u64 + 1, rule.to_string()));
                    }
                }
            }
        }
    }
    expected
}

/// A repository holding a case: base committed, head in the work tree.
fn case_repository(dir: &Path) -> (Repo, BTreeMap<String, String>) {
    let (head, base) = case_files(dir);
    let repo = Repo::new();
    for (path, text) in &head {
        repo.write(path, base.get(path).unwrap_or(text));
    }
    repo.commit("base");
    for (path, text) in &head {
        repo.write(path, text);
    }
    (repo, head)
}

fn scan(repo: &Repo, extra: &[&str]) -> Value {
    let mut args = vec![
        "scan",
        "--base",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend_from_slice(extra);
    let run = repo.handoff(&args);
    assert_eq!(run.code, 0, "handoff failed: {}", run.stderr);
    run.json()
}

fn contract_findings(report: &Value) -> Vec<Value> {
    findings(report)
        .into_iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("contract/"))
        })
        .collect()
}

#[test]
fn every_contract_fixture_case_fires_exactly_where_it_expects() {
    let cases = case_dirs();
    assert!(cases.len() >= 15, "contract fixture cases are missing");
    let mut failures = Vec::new();
    let mut snapshots = common::snapshots::Snapshots::new("contract");
    let mut languages = BTreeSet::new();
    for dir in &cases {
        let case = dir
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .unwrap_or(dir)
            .display()
            .to_string();
        languages.insert(case.split('/').next().unwrap_or_default().to_string());
        let (files, bases) = case_files(dir);
        for (path, text) in files.iter().chain(bases.iter()) {
            if let Some(language) = handoff::model::Language::from_path(path) {
                let errors = handoff::lang::parse(language, text).parse_errors;
                if errors > 0 {
                    failures.push(format!("{case}/{path}: fixture has {errors} syntax errors"));
                }
            }
        }
        let (repo, head) = case_repository(dir);
        let report = scan(&repo, &[]);
        snapshots.check(
            &case.replace('/', "__"),
            &case,
            &common::snapshots::finding_words(&contract_findings(&report)),
        );
        let expected = expectations(&head);
        let actual: BTreeSet<(String, u64, String)> = contract_findings(&report)
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or_default(),
                    f["rule"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        for (path, line, rule) in expected.difference(&actual) {
            failures.push(format!(
                "{case}/{path}:{line}: expected {rule}, got nothing"
            ));
        }
        for (path, line, rule) in actual.difference(&expected) {
            failures.push(format!("{case}/{path}:{line}: unexpected {rule}"));
        }
        for finding in contract_findings(&report) {
            if finding["status"] != "new" {
                failures.push(format!("{case}: contract finding is not new: {finding}"));
            }
        }
    }
    assert_eq!(
        languages,
        ["javascript", "python", "rust", "tsx", "typescript"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        "every language has contract fixtures"
    );
    assert!(
        failures.is_empty(),
        "{} contract fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    snapshots.assert_all_match();
}

/// A repository with `files` committed, then `changes` written to the work tree.
fn repository(files: &[(&str, &str)], changes: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.commit("base");
    for (path, text) in changes {
        repo.write(path, text);
    }
    repo
}

const CHECKOUT: &str = "import { eventBus } from './bus';\n\nexport async function checkout(order: { id: string; total: number }): Promise<void> {\n  await eventBus.publish('order.created', { orderId: order.id, total: order.total });\n}\n";
const WORKER: &str = "import { worker } from './bus';\n\nworker.on('order.created', async ({ orderId }) => {\n  await fulfillment.createShipment({ orderId });\n});\n";

fn renamed_checkout() -> String {
    CHECKOUT.replace("orderId: order.id", "order_id: order.id")
}

#[test]
fn renamed_publish_key_is_one_high_finding_at_the_producer_with_the_consumer_related() {
    let repo = repository(
        &[("src/checkout.ts", CHECKOUT), ("src/worker.ts", WORKER)],
        &[("src/checkout.ts", &renamed_checkout())],
    );
    let report = scan(&repo, &[]);
    let found = contract_findings(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = &found[0];
    assert_eq!(finding["rule"], "contract/field-renamed");
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["status"], "new");
    assert_eq!(finding["path"], "src/checkout.ts");
    assert_eq!(finding["line"], 4);
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`order_id` instead of `orderId`"),
        "{message}"
    );
    let related = finding["related"].as_array().cloned().unwrap_or_default();
    assert_eq!(related.len(), 1, "{related:#?}");
    assert_eq!(related[0]["path"], "src/worker.ts");
    assert_eq!(related[0]["line"], 3);
    assert_eq!(report["risk"], "high");
}

#[test]
fn serde_rename_all_change_is_reported_against_a_python_consumer_of_the_old_key() {
    let events = "use serde::Serialize;\n\n#[derive(Serialize)]\npub struct OrderCreated {\n    pub order_id: String,\n}\n\npub async fn announce(bus: &Bus, order: &Order) -> Result<(), BusError> {\n    bus.publish(\"order.created\", &OrderCreated { order_id: order.id.clone() }).await\n}\n";
    let consumer = "@consumer(\"order.created\")\ndef handle_order_created(event):\n    ship(event[\"order_id\"])\n";
    let renamed = events.replace(
        "#[derive(Serialize)]\n",
        "#[derive(Serialize)]\n#[serde(rename_all = \"camelCase\")]\n",
    );
    let repo = repository(
        &[
            ("orders/src/events.rs", events),
            ("worker/handlers.py", consumer),
        ],
        &[("orders/src/events.rs", &renamed)],
    );
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "contract/field-renamed");
    assert_eq!(found[0]["severity"], "high");
    assert_eq!(found[0]["path"], "orders/src/events.rs");
    assert_eq!(found[0]["line"], 6);
    assert_eq!(found[0]["related"][0]["path"], "worker/handlers.py");
    assert_eq!(found[0]["related"][0]["line"], 3);

    // The same drift through a renamed Rust field, not the container.
    let field_renamed = events
        .replace("pub order_id: String", "pub id: String")
        .replace(
            "OrderCreated { order_id: order.id.clone() }",
            "OrderCreated { id: order.id.clone() }",
        );
    let repo = repository(
        &[
            ("orders/src/events.rs", events),
            ("worker/handlers.py", consumer),
        ],
        &[("orders/src/events.rs", &field_renamed)],
    );
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "contract/field-renamed");
    assert_eq!(found[0]["related"][0]["path"], "worker/handlers.py");
}

#[test]
fn renaming_a_key_on_both_sides_in_one_change_reports_nothing() {
    let repo = repository(
        &[("src/checkout.ts", CHECKOUT), ("src/worker.ts", WORKER)],
        &[
            ("src/checkout.ts", &renamed_checkout()),
            ("src/worker.ts", &WORKER.replace("orderId", "order_id")),
        ],
    );
    assert_eq!(contract_findings(&scan(&repo, &[])), Vec::<Value>::new());
}

#[test]
fn adding_an_optional_field_reports_nothing_in_any_language() {
    let with_gift = CHECKOUT.replace(
        "total: order.total }",
        "total: order.total, ...(order.gift ? { gift: order.gift } : {}) }",
    );
    let rust = "#[derive(Serialize)]\npub struct OrderCreated {\n    pub order_id: String,\n}\n\npub async fn announce(bus: &Bus, id: String) -> Result<(), BusError> {\n    bus.publish(\"order.created\", &OrderCreated { order_id: id }).await\n}\n";
    let rust_with_note = rust.replace(
        "    pub order_id: String,\n",
        "    pub order_id: String,\n    #[serde(skip_serializing_if = \"Option::is_none\")]\n    pub note: Option<String>,\n",
    );
    let python = "from pydantic import BaseModel\n\nclass Refund(BaseModel):\n    order_id: str\n\ndef refund(bus, order):\n    bus.publish(\"order.refunded\", Refund(order_id=order.id).model_dump())\n";
    let python_with_reason = python.replace(
        "    order_id: str\n",
        "    order_id: str\n    reason: str | None = None\n",
    );
    let consumer = "@consumer(\"order.refunded\")\ndef on_refund(event):\n    refund(event[\"order_id\"])\n\n@consumer(\"order.created\")\ndef on_created(event):\n    ship(event[\"order_id\"], event[\"orderId\"])\n";
    let repo = repository(
        &[
            ("src/checkout.ts", CHECKOUT),
            ("src/worker.ts", WORKER),
            ("orders/src/events.rs", rust),
            ("refunds/models.py", python),
            ("worker/handlers.py", consumer),
        ],
        &[
            ("src/checkout.ts", &with_gift),
            ("orders/src/events.rs", &rust_with_note),
            ("refunds/models.py", &python_with_reason),
        ],
    );
    assert_eq!(contract_findings(&scan(&repo, &[])), Vec::<Value>::new());
}

#[test]
fn a_change_nobody_in_the_repository_consumes_is_medium_and_asks_who_consumes_it() {
    let repo = repository(
        &[("src/checkout.ts", CHECKOUT)],
        &[("src/checkout.ts", &renamed_checkout())],
    );
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["severity"], "medium");
    let first_question = found[0]["questions"][0].as_str().unwrap_or_default();
    assert!(
        first_question.starts_with("Who consumes `order.created`?"),
        "{first_question}"
    );
    assert_eq!(found[0]["related"], Value::Array(Vec::new()));
}

#[test]
fn a_consumer_that_passes_the_payload_on_whole_makes_the_finding_medium() {
    let opaque_worker =
        "worker.on('order.created', async (event) => {\n  await fulfil(event);\n});\n";
    let repo = repository(
        &[
            ("src/checkout.ts", CHECKOUT),
            ("src/worker.ts", opaque_worker),
        ],
        &[("src/checkout.ts", &renamed_checkout())],
    );
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["severity"], "medium");
    assert_eq!(found[0]["related"][0]["path"], "src/worker.ts");
    let related = found[0]["related"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(related.contains("`fulfil`"), "{related}");
}

#[test]
fn consumers_that_no_longer_read_a_removed_key_leave_nothing_to_report() {
    let worker = "worker.on('order.created', async ({ orderId }) => ship(orderId));\n";
    let without_total = CHECKOUT.replace(", total: order.total", "");
    let repo = repository(
        &[("src/checkout.ts", CHECKOUT), ("src/worker.ts", worker)],
        &[("src/checkout.ts", &without_total)],
    );
    assert_eq!(contract_findings(&scan(&repo, &[])), Vec::<Value>::new());
}

#[test]
fn committed_and_staged_changes_are_compared_like_the_work_tree() {
    let repo = repository(
        &[("src/checkout.ts", CHECKOUT), ("src/worker.ts", WORKER)],
        &[("src/checkout.ts", &renamed_checkout())],
    );
    repo.git(&["add", "-A"]);
    let staged = contract_findings(&scan(&repo, &["--staged"]));
    assert_eq!(staged.len(), 1, "{staged:#?}");
    assert_eq!(staged[0]["related"][0]["path"], "src/worker.ts");
    repo.git(&["commit", "-q", "-m", "rename"]);
    let run = repo.handoff(&[
        "scan",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let committed = contract_findings(&run.json());
    assert_eq!(committed.len(), 1, "{committed:#?}");
    assert_eq!(committed[0]["related"][0]["path"], "src/worker.ts");
    assert_eq!(committed[0]["fingerprint"], staged[0]["fingerprint"]);
}

#[test]
fn consumers_in_gitignored_files_are_not_part_of_the_repository() {
    let repo = repository(
        &[
            ("src/checkout.ts", CHECKOUT),
            (".gitignore", "generated/\n"),
        ],
        &[("src/checkout.ts", &renamed_checkout())],
    );
    repo.write("generated/worker.ts", WORKER);
    let report = scan(&repo, &[]);
    let found = contract_findings(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0]["severity"], "medium",
        "the ignored consumer was indexed"
    );
    assert_eq!(report["stats"]["files_indexed"], 0);
}

#[test]
fn only_files_that_mention_the_change_are_parsed() {
    let mut files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("src/feature{i}.ts"),
                format!("export function feature{i}(x: number): number {{ return x + {i}; }}\n"),
            )
        })
        .collect();
    files.push(("src/checkout.ts".into(), CHECKOUT.into()));
    files.push(("src/worker.ts".into(), WORKER.into()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let repo = repository(&borrowed, &[("src/checkout.ts", &renamed_checkout())]);
    let report = scan(&repo, &[]);
    assert_eq!(report["stats"]["files_indexed"], 1);
    assert_eq!(contract_findings(&report).len(), 1);
}

#[test]
fn a_suppression_comment_with_a_reason_silences_a_contract_finding() {
    let suppressed = renamed_checkout().replace(
        "  await eventBus.publish",
        "  // handoff-ignore[contract/field-renamed]: consumers deploy first and read both keys\n  await eventBus.publish",
    );
    let repo = repository(
        &[("src/checkout.ts", CHECKOUT), ("src/worker.ts", WORKER)],
        &[("src/checkout.ts", &suppressed)],
    );
    let report = scan(&repo, &[]);
    assert_eq!(contract_findings(&report), Vec::<Value>::new());
    assert_eq!(report["warnings"], Value::Array(Vec::new()));
}

#[test]
fn configuration_turns_contract_rules_off_and_changes_their_severity() {
    let files = [
        ("src/checkout.ts", CHECKOUT),
        ("src/worker.ts", WORKER),
        (
            ".handoff.yml",
            "rules:\n  contract/field-renamed:\n    severity: low\n",
        ),
    ];
    let repo = repository(&files, &[("src/checkout.ts", &renamed_checkout())]);
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "low");
    repo.write(
        ".handoff.yml",
        "rules:\n  contract/field-renamed:\n    enabled: false\n",
    );
    assert_eq!(contract_findings(&scan(&repo, &[])), Vec::<Value>::new());
}

#[test]
fn the_contract_rules_are_listed_and_explained() {
    let repo = Repo::new();
    let listed = repo.handoff(&["rules"]);
    assert_eq!(listed.code, 0);
    for rule in [
        "contract/field-renamed",
        "contract/field-removed",
        "contract/field-type-changed",
        "contract/field-made-optional",
        "contract/enum-value-removed",
        "contract/consumer-reads-unknown-field",
    ] {
        assert!(
            listed.stdout.contains(rule),
            "{rule} missing from `handoff rules`"
        );
        let explained = repo.handoff(&["explain", rule]);
        assert_eq!(explained.code, 0, "{}", explained.stderr);
        assert!(explained.stdout.contains("## Reviewer questions"));
        assert!(explained.stdout.contains("Class: contract"));
    }
}

#[test]
fn a_consumer_that_reads_a_key_no_producer_sends_names_the_producers() {
    let producer = "export async function ship(order) {\n  await bus.publish('order.shipped', { orderId: order.id });\n}\n";
    let consumer = "bus.subscribe('order.shipped', async (event) => notify(event.orderId));\n";
    let repo = repository(
        &[("src/ship.js", producer), ("src/notify.js", consumer)],
        &[(
            "src/notify.js",
            "bus.subscribe('order.shipped', async (event) => notify(event.orderId, event.trackingUrl));\n",
        )],
    );
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "contract/consumer-reads-unknown-field");
    assert_eq!(found[0]["severity"], "high");
    assert_eq!(found[0]["related"][0]["path"], "src/ship.js");
    assert_eq!(found[0]["related"][0]["line"], 2);
    let related = found[0]["related"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(related.contains("`orderId`"), "{related}");
}

#[test]
fn truncated_and_garbled_versions_of_every_fixture_never_panic() {
    use handoff::config::Config;
    use handoff::contract::ContractContext;
    use handoff::contract::{SourceFile, TouchedFile};
    use handoff::model::Language;
    use handoff::rules::repository_rules;

    let config = Config::builtin().expect("built-in knowledge loads");
    let mut checked = 0;
    for dir in case_dirs() {
        let (head, base) = case_files(&dir);
        for (path, text) in &head {
            let Some(language) = Language::from_path(path) else {
                continue;
            };
            let original = base.get(path).unwrap_or(text);
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            for step in 1..8 {
                let cut = boundaries[boundaries.len() * step / 8];
                let garbled = format!(
                    "{}{{[(\"'`{}",
                    &text[..cut],
                    &text[cut..].replace(['{', ')'], "")
                );
                for variant in [&text[..cut], garbled.as_str()] {
                    let base_model = handoff::lang::parse(language, original);
                    let head_model = handoff::lang::parse(language, variant);
                    let knowledge = config.knowledge.for_ecosystem(language.ecosystem());
                    let touched = [TouchedFile {
                        base: Some(SourceFile {
                            path,
                            language,
                            source: original,
                            model: &base_model,
                            knowledge,
                        }),
                        head: Some(SourceFile {
                            path,
                            language,
                            source: variant,
                            model: &head_model,
                            knowledge,
                        }),
                    }];
                    let context = ContractContext::new(&touched, &[]);
                    for (_, rule) in repository_rules() {
                        let mut found = Vec::new();
                        rule.check_repository(&context, &mut found);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} variants were checked");
}

#[test]
fn a_consumer_reading_a_field_its_payload_type_defaults_is_not_an_unknown_read() {
    // The route validates its body with a pydantic form that gives `size`
    // and `n` defaults; the web client sends only the prompt, and the reads
    // take the defaults. A field the form newly requires and reads, which
    // the client never sends, is still reported.
    let client = "export async function generate(prompt) {\n  return fetch(`${API}/images/generations`, { method: 'POST', body: JSON.stringify({ prompt }) });\n}\n";
    let route = |style: &str, reads: &str| {
        format!(
            "from fastapi import APIRouter\nfrom pydantic import BaseModel\n\nrouter = APIRouter()\n\n\nclass ImageForm(BaseModel):\n    prompt: str\n{style}    size: str | None = None\n    n: int = 1\n\n\n@router.post(\"/images/generations\")\nasync def generations(form_data: ImageForm):\n    return render(form_data.prompt{reads})\n"
        )
    };
    let repo = repository(
        &[
            ("src/api.js", client),
            ("backend/images.py", &route("", "")),
        ],
        &[(
            "backend/images.py",
            &route("", ", form_data.size, form_data.n"),
        )],
    );
    assert_eq!(
        contract_findings(&scan(&repo, &[])),
        Vec::<Value>::new(),
        "defaulted fields read"
    );
    let repo = repository(
        &[
            ("src/api.js", client),
            ("backend/images.py", &route("", "")),
        ],
        &[(
            "backend/images.py",
            &route("    style: str\n", ", form_data.style"),
        )],
    );
    let found = contract_findings(&scan(&repo, &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "contract/consumer-reads-unknown-field");
}
