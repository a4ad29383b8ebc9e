//! `handoff scan --all-files`: whole-repository scans for first adoption and
//! audits, end to end on real repositories with the real binary.

mod common;

use common::{Repo, findings};
use std::collections::BTreeSet;
use std::path::Path;

const PUBLISH_IN_TRANSACTION: &str = "export async function pay(id: string) {
  await db.transaction(async (trx) => {
    await trx('orders').where({ id }).update({ status: 'paid' });
    await eventBus.publish('order.paid', { id });
  });
}
";

const PLAIN_COMPONENT: &str = "export function Total({ cents }: { cents: number }) {
  return <strong>{(cents / 100).toFixed(2)}</strong>;
}
";

fn copy_fixtures(
    from: &Path,
    prefix: &str,
    repo: &Repo,
    expected: &mut BTreeSet<(String, u64, String)>,
) {
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .expect("fixtures are readable")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let relative = format!("{prefix}{name}");
        // Contract fixtures are pairs of versions (`x.base.ts` is the base of
        // `x.ts`) checked by tests/contract.rs; a whole-repository scan has no
        // base and runs no contract rule.
        if path.is_dir() && name == "contract" {
            continue;
        }
        if path.is_dir() {
            copy_fixtures(&path, &format!("{relative}/"), repo, expected);
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("fixtures are UTF-8");
        for (index, line) in source.lines().enumerate() {
            if let Some(position) = line.find("expect: ") {
                for rule in line[position + "expect: ".len()..].split(',') {
                    let rule = rule.trim().trim_end_matches("*/").trim();
                    if !rule.is_empty() {
                        expected.insert((relative.clone(), index as u64 + 1, rule.to_string()));
                    }
                }
            }
        }
        repo.write(&relative, source);
    }
}

#[test]
fn whole_repository_scan_finds_every_fixture_expectation() {
    // Every fixture exercises a rule, so none may be skipped by the literal
    // prefilter: the scan must find exactly what the fixtures expect.
    let repo = Repo::new();
    let mut expected = BTreeSet::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    copy_fixtures(&fixtures, "", &repo, &mut expected);
    let head = repo.commit("fixtures");
    let run = repo.handoff(&[
        "scan",
        "--all-files",
        "--head",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let actual: BTreeSet<(String, u64, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(!expected.is_empty(), "fixtures carry expectations");
    assert_eq!(actual, expected);
    assert!(findings(&report).iter().all(|f| f["status"] == "existing"));
    assert_eq!(report["risk"], "none");
    assert_eq!(report["head"], head.as_str());
    assert_eq!(report["base"], head.as_str());
}

#[test]
fn files_that_cannot_trigger_a_rule_are_not_parsed() {
    let repo = Repo::new();
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.write("src/Total.tsx", PLAIN_COMPONENT);
    repo.write(
        "src/format.py",
        "def cents(value):\n    return f\"{value / 100:.2f}\"\n",
    );
    repo.commit("app");
    let report = repo
        .handoff(&["scan", "--all-files", "--format", "json"])
        .json();
    assert_eq!(report["stats"]["files_analyzed"], 3);
    assert_eq!(report["stats"]["files_parsed"], 1);
    assert_eq!(findings(&report).len(), 1);
    assert_eq!(findings(&report)[0]["path"], "src/pay.ts");
    assert_eq!(findings(&report)[0]["line"], 4);
}

#[test]
fn work_tree_scan_respects_gitignore_and_ignore_globs() {
    let repo = Repo::new();
    repo.write(".gitignore", "dist/\n");
    repo.write(".handoff.yml", "ignore: [\"legacy/**\"]\n");
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.commit("app");
    repo.write(
        "dist/pay.js",
        PUBLISH_IN_TRANSACTION.replace(": string", ""),
    );
    repo.write("legacy/pay.ts", PUBLISH_IN_TRANSACTION);
    // An untracked, non-ignored file is part of the work tree.
    repo.write(
        "src/refund.ts",
        PUBLISH_IN_TRANSACTION.replace("pay(", "refund("),
    );
    let report = repo
        .handoff(&["scan", "--all-files", "--format", "json"])
        .json();
    let paths: Vec<String> = findings(&report)
        .iter()
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    assert_eq!(paths, ["src/pay.ts", "src/refund.ts"]);
    assert_eq!(report["head"], "WORKTREE");
}

#[test]
fn fail_on_counts_existing_findings_in_an_audit() {
    let repo = Repo::new();
    // A publish on an unknown receiver is a medium finding.
    repo.write(
        "src/pay.ts",
        PUBLISH_IN_TRANSACTION.replace("eventBus.publish", "notifications.publish"),
    );
    repo.commit("app");
    let default = repo.handoff(&["scan", "--all-files"]);
    assert_eq!(default.code, 0, "{}", default.stdout);
    assert!(default.stdout.contains("medium["), "{}", default.stdout);
    assert_eq!(
        repo.handoff(&["scan", "--all-files", "--fail-on", "medium"])
            .code,
        1
    );
    assert_eq!(
        repo.handoff(&["scan", "--all-files", "--fail-on", "never"])
            .code,
        0
    );
}

#[test]
fn text_output_streams_existing_findings_and_counts_them() {
    let repo = Repo::new();
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.write(
        "src/refund.ts",
        PUBLISH_IN_TRANSACTION.replace("pay(", "refund("),
    );
    repo.commit("app");
    let run = repo.handoff(&["scan", "--all-files"]);
    assert!(run.stdout.contains("(existing)"), "{}", run.stdout);
    assert!(run.stdout.contains("src/pay.ts:4:11"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "0 new findings (0 high, 0 medium, 0 low), 2 existing; 0 changed files, 2 analysed"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.trim_end().ends_with("risk: none"),
        "{}",
        run.stdout
    );
}

#[test]
fn output_file_receives_the_report() {
    let repo = Repo::new();
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.commit("app");
    let out = repo.path().join("audit.json");
    let out_arg = out.to_string_lossy().to_string();
    let run = repo.handoff(&[
        "scan",
        "--all-files",
        "--format",
        "json",
        "--output",
        &out_arg,
    ]);
    assert!(run.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report written"))
            .expect("JSON");
    assert_eq!(findings(&report).len(), 1);
}

#[test]
fn base_and_staged_are_usage_errors() {
    let repo = Repo::new();
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.commit("app");
    for extra in [["--base", "HEAD"], ["--staged", "--format"]] {
        let mut args = vec!["scan", "--all-files"];
        args.extend(extra);
        if extra[0] == "--staged" {
            args.push("json");
        }
        let run = repo.handoff(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    }
}

#[test]
fn unknown_revision_exits_2_with_one_line() {
    let repo = Repo::new();
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.commit("app");
    let run = repo.handoff(&["scan", "--all-files", "--head", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("no-such-branch"), "{}", run.stderr);
}

#[path = "../benches/corpus/mod.rs"]
mod corpus;

#[test]
fn prefilter_never_hides_a_finding_on_a_generated_repository() {
    // Every file analysed without any prefilter must give exactly the
    // findings the whole-repository scan reports.
    let repo = Repo::new();
    let config = handoff::config::Config::builtin().expect("built-in knowledge");
    let mut expected = BTreeSet::new();
    for file in corpus::generate_repository(11, 400) {
        repo.write(&file.path, &file.text);
        if let Some(analysis) =
            handoff::scan::analyze_source(Path::new(&file.path), &file.text, &config)
        {
            for (finding, _) in &analysis.findings {
                expected.insert((
                    file.path.clone(),
                    u64::from(finding.span.start_line),
                    finding.rule.as_str().to_string(),
                ));
            }
        }
    }
    repo.commit("generated");
    let run = repo.handoff(&[
        "scan",
        "--all-files",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let report = run.json();
    let actual: BTreeSet<(String, u64, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(expected.len() > 50, "the corpus exercises the rules");
    assert_eq!(actual, expected);
    let parsed = report["stats"]["files_parsed"].as_u64().unwrap_or_default();
    assert!(
        parsed < 400,
        "the prefilter skips some files ({parsed} parsed)"
    );
}

#[test]
fn a_build_next_to_its_source_is_one_finding() {
    // A package that ships its source and its build holds one root cause.
    let build = PUBLISH_IN_TRANSACTION.replace(": string", "");
    let repo = Repo::new();
    repo.write("README.md", "shop\n");
    let base = repo.commit("empty");
    repo.write("src/pay.ts", PUBLISH_IN_TRANSACTION);
    repo.write("dist/pay.js", &build);
    repo.write("dist/pay.cjs", &build);
    // Another function publishing the same way is another finding.
    repo.write(
        "src/refund.ts",
        PUBLISH_IN_TRANSACTION.replace("pay(", "refund("),
    );
    let head = repo.commit("app and its build");

    // The audit streams findings in path order: the first copy is kept and
    // the others are counted in a warning.
    let audit = repo
        .handoff(&["scan", "--all-files", "--format", "json"])
        .json();
    let audited = findings(&audit);
    let paths: Vec<&str> = audited.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths, ["dist/pay.cjs", "src/refund.ts"], "{audit}");
    let warned = audit["warnings"].as_array().is_some_and(|warnings| {
        warnings.iter().any(|w| {
            w.as_str()
                .is_some_and(|w| w.starts_with("2 finding(s) repeat a finding of an earlier file"))
        })
    });
    assert!(warned, "{audit}");

    // A change keeps the source's finding and relates the build's copies.
    let change = repo.scan_change(&base, &head);
    let found = findings(&change);
    let paths: Vec<&str> = found.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths, ["src/pay.ts", "src/refund.ts"], "{change}");
    let related: Vec<&str> = found[0]["related"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert!(related.contains(&"dist/pay.js"), "{change}");
    assert!(related.contains(&"dist/pay.cjs"), "{change}");
}
