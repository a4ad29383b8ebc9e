//! Walks every fixture under `fixtures/` and checks that findings appear
//! exactly on the lines whose comment says `expect: <rule-id>[, <rule-id>]`,
//! and nowhere else. A new fixture is a new test case with no code.

use handoff::config::Config;
use handoff::scan::analyze_source;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            // Contract fixtures are base/head pairs across files, checked in
            // git repositories by `tests/contract.rs`.
            if path.file_name().is_some_and(|name| name == "contract") {
                continue;
            }
            fixture_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `(line, rule)` pairs a fixture expects, read from its comments.
fn expectations(source: &str) -> BTreeSet<(u32, String)> {
    let mut expected = BTreeSet::new();
    for (index, line) in source.lines().enumerate() {
        if let Some(position) = line.find("expect: ") {
            let list = &line[position + "expect: ".len()..];
            for rule in list.split(',') {
                let rule = rule.trim().trim_end_matches("*/").trim();
                if !rule.is_empty() {
                    expected.insert((index as u32 + 1, rule.to_string()));
                }
            }
        }
    }
    expected
}

#[test]
fn every_fixture_fires_exactly_where_it_expects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    fixture_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() >= 10,
        "fixtures are missing under {}",
        root.display()
    );
    let config = Config::builtin().expect("built-in knowledge loads");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).expect("fixtures are UTF-8");
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let Some(analysis) = analyze_source(relative, &source, &config) else {
            continue;
        };
        checked += 1;
        if analysis.model.parse_errors > 0 {
            failures.push(format!(
                "{}: fixture has {} syntax errors",
                relative.display(),
                analysis.model.parse_errors
            ));
        }
        let actual: BTreeSet<(u32, String)> = analysis
            .findings
            .iter()
            .map(|(f, _)| (f.span.start_line, f.rule.as_str().to_string()))
            .collect();
        let expected = expectations(&source);
        for (line, rule) in expected.difference(&actual) {
            failures.push(format!(
                "{}:{line}: expected {rule}, got nothing",
                relative.display()
            ));
        }
        for (line, rule) in actual.difference(&expected) {
            let message = analysis
                .findings
                .iter()
                .find(|(f, _)| f.span.start_line == *line && f.rule.as_str() == rule)
                .map(|(f, _)| f.message.clone())
                .unwrap_or_default();
            failures.push(format!(
                "{}:{line}: unexpected {rule}: {message}",
                relative.display()
            ));
        }
    }
    assert!(checked >= 10, "only {checked} fixtures were analysed");
    assert!(
        failures.is_empty(),
        "{} fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
