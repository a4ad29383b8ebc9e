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

#[test]
fn a_symlinked_configuration_is_refused_without_echoing_its_target() {
    let outside = tempfile::tempdir().expect("temp dir");
    let secret = outside.path().join("credentials");
    std::fs::write(&secret, "aws_secret_access_key = AKIASECRETVALUE\n").expect("write");
    let repo = Repo::new();
    repo.write("src/a.js", "export const a = 1;\n");
    std::os::unix::fs::symlink(&secret, repo.path().join(".handoff.yml")).expect("symlink");
    repo.commit("config is a link");
    let run = repo.handoff(&["scan", "--base", "HEAD"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(".handoff.yml:1:1: the configuration is a symbolic link"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("AKIASECRETVALUE"), "{}", run.stderr);
    assert!(!run.stderr.contains("credentials"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_yaml_error_quotes_at_most_a_clipped_excerpt_of_the_value() {
    let repo = Repo::new();
    let value = format!("BEGIN{}END", "x".repeat(5_000));
    repo.write(".handoff.yml", format!("ignore: {value}\n"));
    repo.commit("bad config");
    let run = repo.handoff(&["scan", "--base", "HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".handoff.yml:1:9"), "{}", run.stderr);
    assert!(!run.stderr.contains("END"), "{}", run.stderr);
    assert!(
        run.stderr.len() < 500,
        "{} bytes: {}",
        run.stderr.len(),
        run.stderr
    );
}

#[test]
fn a_deeply_nested_configuration_is_refused_fast() {
    let repo = Repo::new();
    repo.write(
        ".handoff.yml",
        format!("rules: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    repo.commit("deep config");
    let started = std::time::Instant::now();
    let run = repo.handoff(&["scan", "--base", "HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("nesting deeper than 32 levels"),
        "{}",
        run.stderr
    );
    // Before the limit, this took 52 s of CPU.
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

/// GitHub-flavoured Markdown to HTML with raw HTML passed through, as
/// cmark-gfm does before GitHub's sanitiser (which keeps `<img>` and
/// headings): what matters is that none of the change's text becomes one.
fn render_gfm(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &options)
}

#[test]
fn a_hostile_path_renders_inert_in_the_markdown_report() {
    let repo = Repo::new();
    repo.write("src/keep.js", "export const x = 1;\n");
    repo.commit("base");
    let hostile = "src/<img src=x onerror=alert(1)><h1>big</h1>.js";
    repo.write(hostile, format!("{UNIT}\n"));
    repo.commit("hostile name");
    let run = repo.handoff(&["scan", "--base", "HEAD~1", "--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = render_gfm(&run.stdout);
    assert!(html.contains("<summary>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<h1"), "{html}");
    // The <summary> line shows the rule and the place as code, no backticks.
    assert!(
        html.contains(
            "<code>src/&lt;img src=x onerror=alert(1)&gt;&lt;h1&gt;big&lt;/h1&gt;.js:1</code>"
        ),
        "{html}"
    );
    assert!(!html.contains("<summary><b>🔴 high</b> `"), "{html}");
}

#[test]
fn one_byte_that_is_not_utf8_in_a_comment_hides_no_finding() {
    let repo = Repo::new();
    repo.write("src/keep.js", "export const x = 1;\n");
    repo.commit("base");
    let mut bundle = b"// caf\xe9 (saved as Latin-1)\n".to_vec();
    bundle.extend_from_slice(format!("{UNIT}\n").as_bytes());
    repo.write("src/orders.js", bundle);
    repo.commit("orders");
    let run = repo.handoff(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let reported = findings(&run.json());
    assert_eq!(reported.len(), 1, "{reported:#?}");
    assert_eq!(reported[0]["rule"], "sequencing/side-effect-in-transaction");
    assert_eq!(reported[0]["line"], 2);
    assert_eq!(
        run.json()["warnings"],
        serde_json::json!([
            "src/orders.js: bytes that are not valid UTF-8 read as U+FFFD (save the file as UTF-8)"
        ])
    );
}
