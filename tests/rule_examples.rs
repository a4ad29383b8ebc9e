//! Every rule's documented examples are real code: the bad example is a change
//! the rule reports, the good one the same change made safely, on which
//! Handoff reports nothing. Each runs as a real git repository through the
//! real binary.
//!
//! An example is one file (`example.<ext>`, added by the change), or several
//! files, each introduced by a comment line naming it and its side of the
//! change: `// orders.js, before:`, `// orders.js, after:`,
//! `// worker.js, unchanged:` (`#` in Python). The good example starts from
//! the bad one's base and changes what it names.

mod common;

use common::{Repo, findings};
use handoff::model::Language;
use handoff::rules::{Example, Rule, all_rules};
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Before,
    After,
    Unchanged,
}

/// One file of an example: path, side, text.
type ExampleFile = (String, Side, String);

fn extension(language: Language) -> &'static str {
    match language {
        Language::JavaScript => "js",
        Language::TypeScript => "ts",
        Language::Tsx => "tsx",
        Language::Python => "py",
        Language::Rust => "rs",
    }
}

/// `orders.js, before:` → `("orders.js", Before)`.
fn marker(line: &str) -> Option<(String, Side)> {
    let text = line.trim();
    let text = text
        .strip_prefix("// ")
        .or_else(|| text.strip_prefix("# "))?;
    let (path, side) = text.split_once(", ")?;
    let side = match side {
        "before:" => Side::Before,
        "after:" => Side::After,
        "unchanged:" => Side::Unchanged,
        _ => return None,
    };
    (!path.contains(' ')).then(|| (path.to_string(), side))
}

fn example_files(rule: &dyn Rule, example: &Example) -> Vec<ExampleFile> {
    let language = example
        .language()
        .unwrap_or_else(|| panic!("{}: example language `{}`", rule.id(), example.language));
    let starts_with_marker = example
        .code
        .lines()
        .next()
        .is_some_and(|line| marker(line).is_some());
    if !starts_with_marker {
        let path = format!("example.{}", extension(language));
        return vec![(path, Side::After, format!("{}\n", example.code))];
    }
    let mut files: Vec<ExampleFile> = Vec::new();
    for line in example.code.lines() {
        match (marker(line), files.last_mut()) {
            (Some((path, side)), _) => files.push((path, side, String::new())),
            (None, Some((_, _, text))) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => unreachable!("the first line is a marker"),
        }
    }
    files
}

fn with_sides(
    files: &[ExampleFile],
    sides: &[Side],
    mut onto: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    for (path, side, text) in files {
        if sides.contains(side) {
            onto.insert(path.clone(), text.clone());
        }
    }
    onto
}

/// The rule ids Handoff reports when `base` is committed and the work tree
/// holds `head`.
fn reported(base: &BTreeMap<String, String>, head: &BTreeMap<String, String>) -> Vec<String> {
    let repo = Repo::new();
    for (path, text) in base {
        repo.write(path, text);
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    for path in base.keys().filter(|path| !head.contains_key(*path)) {
        repo.remove(path);
    }
    for (path, text) in head {
        repo.write(path, text);
    }
    let run = repo.handoff(&[
        "scan",
        "--base",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    findings(&run.json())
        .iter()
        .map(|f| format!("{} at line {}: {}", f["rule"], f["line"], f["message"]))
        .collect()
}

#[test]
fn every_rule_reports_its_bad_example_and_nothing_on_its_good_one() {
    let mut failures = Vec::new();
    for rule in all_rules() {
        let doc = rule.doc();
        let id = rule.id().as_str();
        let bad = example_files(*rule, &doc.bad);
        let good = example_files(*rule, &doc.good);
        if good.iter().any(|(_, side, _)| *side == Side::Before) {
            failures.push(format!(
                "{id}: the good example starts from the bad one's base"
            ));
        }
        let base = with_sides(&bad, &[Side::Before, Side::Unchanged], BTreeMap::new());
        let bad_head = with_sides(&bad, &[Side::After, Side::Unchanged], base.clone());
        let good_head = with_sides(&good, &[Side::After, Side::Unchanged], base.clone());
        let on_bad = reported(&base, &bad_head);
        if !on_bad.iter().any(|f| f.starts_with(&format!("\"{id}\""))) {
            failures.push(format!(
                "{id}: the bad example is not reported (reported: {on_bad:?})"
            ));
        }
        let on_good = reported(&base, &good_head);
        if !on_good.is_empty() {
            failures.push(format!("{id}: the good example is reported: {on_good:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_example_names_its_files_and_their_side_of_the_change() {
    assert_eq!(
        marker("// orders.js, before:"),
        Some(("orders.js".to_string(), Side::Before))
    );
    assert_eq!(
        marker("# shop/tasks.py, unchanged:"),
        Some(("shop/tasks.py".to_string(), Side::Unchanged))
    );
    assert_eq!(marker("// consumers may run before commit"), None);
    assert_eq!(marker("// a comment, after:"), None);
}
