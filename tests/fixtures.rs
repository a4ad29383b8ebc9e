//! Walks every fixture under `fixtures/` and checks that findings appear
//! exactly on the lines whose comment says `expect: <rule-id>[, <rule-id>]`,
//! and nowhere else; and that their words — message, questions, related
//! locations — are the ones in `tests/snapshots/fixtures/` (one insta
//! snapshot per fixture file; `cargo insta review` accepts a change). A new
//! fixture is a new test case with no code.

mod common;

use handoff::config::Config;
use handoff::rules::RawFinding;
use handoff::scan::{AnalyzedVersion, analyze_source};
use std::collections::BTreeSet;
use std::fmt::Write as _;
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

/// The analysis of one fixture; a fixture no frontend reads is a failure,
/// never skipped.
fn analyse(relative: &Path, source: &str, config: &Config) -> Result<AnalyzedVersion, String> {
    analyze_source(relative, source, config).ok_or_else(|| {
        format!(
            "{}: no language reads this extension (a fixture is .js .mjs .cjs .jsx .ts .mts .cts .tsx .py .pyi or .rs)",
            relative.display()
        )
    })
}

/// The words of a fixture's findings, in source order, as a snapshot shows them.
fn words(findings: &[(RawFinding, String)]) -> String {
    let mut out = String::new();
    for (finding, _) in findings {
        let span = finding.span;
        let _ = writeln!(
            out,
            "{} {}:{}-{}:{} severity {} confidence {}",
            finding.rule,
            span.start_line,
            span.start_col,
            span.end_line,
            span.end_col,
            finding.severity,
            finding.confidence
        );
        let _ = writeln!(out, "  {}", finding.message);
        for question in &finding.questions {
            let _ = writeln!(out, "  ? {question}");
        }
        for related in &finding.related {
            let path = related
                .path
                .as_deref()
                .map(|path| format!("{path}:"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  related {path}{}:{} {}",
                related.span.start_line, related.span.start_col, related.message
            );
        }
    }
    if out.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
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
    let mut snapshots = common::snapshots::Snapshots::new("fixtures");
    let mut checked = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).expect("fixtures are UTF-8");
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let analysis = match analyse(relative, &source, &config) {
            Ok(analysis) => analysis,
            Err(failure) => {
                failures.push(failure);
                continue;
            }
        };
        checked += 1;
        snapshots.check(
            &relative.to_string_lossy().replace('/', "__"),
            &relative.display().to_string(),
            &words(&analysis.findings),
        );
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
    snapshots.assert_all_match();
    assert!(
        failures.is_empty(),
        "{} fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_fixture_no_language_reads_is_a_failure_not_skipped() {
    let config = Config::builtin().expect("built-in knowledge loads");
    let Err(failure) = analyse(
        Path::new("javascript/sequencing/checkout.jsm"),
        "await eventBus.publish('order.created', {});\n",
        &config,
    ) else {
        panic!("a fixture with an unknown extension is a failure");
    };
    assert!(
        failure.starts_with("javascript/sequencing/checkout.jsm: no language reads this extension"),
        "{failure}"
    );
    assert!(analyse(Path::new("javascript/sequencing/checkout.js"), "", &config).is_ok());
}
