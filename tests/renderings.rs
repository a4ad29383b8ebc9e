//! The article's checkout change as every reader sees it: the text report,
//! the Markdown report, the reviewer checklist, the JSON report and SARIF,
//! each an insta snapshot in `tests/snapshots/checkout/`, so a change of
//! wording is reviewed as a diff (`cargo insta review`). Commit shas, the
//! elapsed time and the version are replaced by placeholders: the snapshots
//! are the same on every run.

mod common;

use common::snapshots::Snapshots;
use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, Repo};

/// The checkout change committed: base and head shas.
fn checkout_change() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let base = repo.commit("checkout publishes after commit");
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let head = repo.commit("refactor: publish inside the transaction");
    (repo, base, head)
}

/// `text` with everything that differs between runs replaced.
fn normalised(text: &str, base: &str, head: &str) -> String {
    let mut text = text.to_string();
    for (sha, name) in [(base, "<base>"), (head, "<head>")] {
        text = text.replace(sha, name);
        // Short forms (`abc1234`), longest first.
        for length in [12, 8, 7] {
            text = text.replace(&sha[..length], name);
        }
    }
    let elapsed = regex::Regex::new(r#""elapsed_ms": \d+"#).expect("pattern");
    let text = elapsed.replace_all(&text, r#""elapsed_ms": 0"#);
    let analysed = regex::Regex::new(r"analysed in \d+ ms").expect("pattern");
    let text = analysed.replace_all(&text, "analysed in <elapsed> ms");
    text.replace(env!("CARGO_PKG_VERSION"), "<version>")
}

#[test]
fn the_checkout_change_reads_the_same_in_every_format() {
    let (repo, base, head) = checkout_change();
    let mut snapshots = Snapshots::new("checkout");
    let revisions = ["--base", base.as_str(), "--head", head.as_str()];
    for format in ["text", "markdown", "json", "sarif"] {
        let mut args = vec!["scan", "--format", format, "--fail-on", "never"];
        args.extend(revisions);
        let run = repo.handoff(&args);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        snapshots.check(
            format,
            &format!("handoff scan --format {format}"),
            &normalised(&run.stdout, &base, &head),
        );
    }
    let mut args = vec!["checklist"];
    args.extend(revisions);
    let run = repo.handoff(&args);
    assert_eq!(run.code, 0, "checklist: {}", run.stderr);
    snapshots.check(
        "checklist",
        "handoff checklist",
        &normalised(&run.stdout, &base, &head),
    );
    snapshots.assert_all_match();
}

#[test]
fn normalising_replaces_shas_elapsed_time_and_version() {
    let base = "0123456789abcdef0123456789abcdef01234567";
    let head = "fedcba9876543210fedcba9876543210fedcba98";
    let text = format!(
        "{base} {} {head} \"elapsed_ms\": 17 analysed in 46 ms handoff {}",
        &head[..7],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        normalised(&text, base, head),
        "<base> <head> <head> \"elapsed_ms\": 0 analysed in <elapsed> ms handoff <version>"
    );
}
