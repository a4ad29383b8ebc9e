//! The contract rules on real git repositories, through the real binary.
//!
//! Every case directory `fixtures/<language>/contract/<case>/` becomes a
//! repository: a file `x.base.ts` is the base version of `x.ts`, committed
//! as `x.ts` and then overwritten in the work tree with `x.ts`; every other
//! file is the same on both sides. Findings must appear exactly on the head
//! lines whose comment says `expect: <rule-id>`, and nowhere else.

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
    let mut languages = BTreeSet::new();
    for dir in &cases {
        let case = dir
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .unwrap_or(dir)
            .display()
            .to_string();
        languages.insert(case.split('/').next().unwrap_or_default().to_string());
        let (repo, head) = case_repository(dir);
        let report = scan(&repo, &[]);
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
}
