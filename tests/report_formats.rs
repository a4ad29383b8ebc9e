//! `--format sarif|markdown|github` on real repositories with the real binary.

mod common;

use common::Repo;
use serde_json::Value;
use std::path::Path;

const CLEAN: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => trx.orders.insert({ status: 'paid' }));
  await eventBus.publish('order.created', { orderId: order.id });
  res.status(200).json({ orderId: order.id });
});
"#;

const RISKY: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ status: 'paid' });
    await eventBus.publish('order.created', { orderId: created.id });
    return created;
  });
  res.status(200).json({ orderId: order.id });
});
"#;

/// `legacy.js` already has the risk on the base and is touched on a comment
/// line; `checkout.js` gets the risk in the change.
fn repository_with_new_and_existing_findings() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write("src/legacy.js", format!("// legacy checkout\n{RISKY}"));
    repo.write("src/checkout.js", CLEAN);
    let base = repo.commit("base");
    repo.write(
        "src/legacy.js",
        format!("// legacy checkout, kept for the mobile app\n{RISKY}"),
    );
    repo.write("src/checkout.js", RISKY);
    let head = repo.commit("head");
    (repo, base, head)
}

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the SARIF schema is vendored"))
            .expect("the SARIF schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_rules_fingerprints_and_baseline_state() {
    let (repo, base, head) = repository_with_new_and_existing_findings();
    let run = repo.handoff(&[
        "scan",
        "--base",
        &base,
        "--head",
        &head,
        "--all",
        "--format",
        "sarif",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sarif = run.json();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
    assert_eq!(sarif["version"], "2.1.0");
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["baselineState"] = Value::from("fresh");
    assert!(
        !sarif_validator().is_valid(&broken),
        "the schema does judge baselineState"
    );

    let json = repo
        .handoff(&[
            "scan",
            "--base",
            &base,
            "--head",
            &head,
            "--all",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .json();
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    for rule in handoff::rules::all_rules() {
        let described = rules
            .iter()
            .find(|r| r["id"] == rule.id().as_str())
            .unwrap_or_else(|| panic!("{} is described", rule.id()));
        assert_eq!(
            described["help"]["markdown"],
            handoff::rules::doc_markdown(*rule),
            "help.markdown is the rule doc"
        );
        assert_eq!(described["shortDescription"]["text"], rule.doc().summary);
    }
    let results = run0["results"].as_array().expect("results");
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(results.len(), findings.len());
    let mut states: Vec<(&str, &str)> = Vec::new();
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["rule"]);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], finding["rule"]);
        assert_eq!(
            result["partialFingerprints"]["handoffFingerprint/v1"],
            finding["fingerprint"]
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], finding["path"]);
        assert_eq!(location["region"]["startLine"], finding["line"]);
        assert_eq!(result["level"], "error");
        assert_eq!(
            result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
            finding["related"][0]["line"]
        );
        states.push((
            finding["path"].as_str().unwrap_or_default(),
            result["baselineState"].as_str().unwrap_or_default(),
        ));
    }
    assert_eq!(
        states,
        vec![("src/checkout.js", "new"), ("src/legacy.js", "unchanged")]
    );
}

#[test]
fn markdown_format_is_a_summary_with_a_table_and_the_questions() {
    let (repo, base, head) = repository_with_new_and_existing_findings();
    let run = repo.handoff(&[
        "scan", "--base", &base, "--head", &head, "--format", "markdown",
    ]);
    assert_eq!(run.code, 1, "a new high finding: {}", run.stderr);
    assert!(
        run.stdout.starts_with("### Handoff · risk: **high**\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "| 🔴 high | `sequencing/side-effect-in-transaction` | `src/checkout.js:4` |"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("**Before merging, answer:**"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("```js\n    await eventBus.publish('order.created'"),
        "{}",
        run.stdout
    );
}

#[test]
fn github_format_prints_one_annotation_per_finding() {
    let (repo, base, head) = repository_with_new_and_existing_findings();
    let run = repo.handoff(&[
        "scan",
        "--base",
        &base,
        "--head",
        &head,
        "--format",
        "github",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "{}", run.stdout);
    assert!(
        annotations[0].starts_with("::error file=src/checkout.js,line=4,endLine=4,col=11,"),
        "{}",
        annotations[0]
    );
    assert!(
        annotations[0].contains("title=Handoff sequencing/side-effect-in-transaction (high)::"),
        "{}",
        annotations[0]
    );
    assert!(
        run.stdout.ends_with("Handoff: 1 new finding; risk: high\n"),
        "{}",
        run.stdout
    );
}
