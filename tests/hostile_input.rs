//! Hostile input stays cheap: a long single line of minified code with many
//! risky calls gives a bounded report in every format (the real binary on a
//! real repository).

mod common;

use common::{Repo, findings};

/// The most any output of one of these runs may take. The SARIF rules table
/// alone is about 64 KB; everything else is a few KB.
const OUTPUT_BOUND: usize = 128 * 1024;

/// One risky function, minified.
const UNIT: &str = r#"async function f(o){await db.transaction(async t=>{await t("orders").insert(o);await producer.send({topic:"order.created",messages:[o]})})}"#;

/// A repository whose head adds `src/bundle.js`: one line of `units` copies
/// of [`UNIT`] (about 130 bytes each).
fn minified_bundle(units: usize) -> Repo {
    let repo = Repo::new();
    repo.write("src/keep.js", "export const x = 1;\n");
    repo.commit("base");
    repo.write("src/bundle.js", format!("{}\n", UNIT.repeat(units)));
    repo.commit("minified bundle");
    repo
}

#[test]
fn a_long_minified_line_gives_one_collapsed_finding_and_bounded_output() {
    // About 200 KB on one line: before the bound, the text report printed
    // the whole line once per finding (about 300 MB).
    let units = 1_500;
    let repo = minified_bundle(units);
    let base = ["--base", "HEAD~1"];
    let json = repo.handoff(&["scan", base[0], base[1], "--format", "json"]);
    assert!(
        json.stdout.len() < OUTPUT_BOUND,
        "{} bytes",
        json.stdout.len()
    );
    let reported = findings(&json.json());
    assert_eq!(reported.len(), 1, "{reported:#?}");
    assert_eq!(reported[0]["rule"], "sequencing/side-effect-in-transaction");
    assert_eq!(reported[0]["occurrences"], units);
    let message = reported[0]["message"].as_str().unwrap_or_default();
    assert!(message.ends_with(&format!(
        "({units} findings of this rule on this line, shown once)"
    )));
    for format in ["text", "sarif", "markdown", "github"] {
        let run = repo.handoff(&["scan", base[0], base[1], "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stdout.len() < OUTPUT_BOUND,
            "{format}: {} bytes",
            run.stdout.len()
        );
    }
    for command in ["gate", "checklist"] {
        let run = repo.handoff(&[command, base[0], base[1]]);
        assert!(
            run.stdout.len() < OUTPUT_BOUND,
            "{command}: {} bytes",
            run.stdout.len()
        );
    }
}

#[test]
fn the_text_report_quotes_a_marked_window_and_underlines_the_call() {
    let repo = minified_bundle(400);
    let run = repo.handoff(&["scan", "--base", "HEAD~1"]);
    let code_lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("1 | "))
        .collect();
    assert_eq!(code_lines.len(), 1, "{}", run.stdout);
    let quoted = code_lines[0].trim_start_matches("1 | ");
    assert!(quoted.starts_with('…') && quoted.ends_with('…'), "{quoted}");
    assert!(quoted.chars().count() <= 242, "{quoted}");
    let underline = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("| ") && l.contains('^'))
        .unwrap_or_else(|| panic!("no underline in:\n{}", run.stdout));
    let offset = underline.find('^').unwrap_or_default() - "  | ".len();
    let under: String = quoted.chars().skip(offset).take(13).collect();
    assert_eq!(under, "producer.send", "{quoted}\n{underline}");
}
