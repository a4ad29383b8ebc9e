//! The pre-commit hook with the real `pre-commit` (PyPI): our manifest is a
//! valid hook manifest, the snippet `handoff init` prints is a valid config,
//! and in a real repository a commit staging a publish inside a transaction
//! is refused with the finding printed while a clean commit goes through.

mod common;
mod support;

use common::Repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHECKOUT_BEFORE: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    return trx.orders.insert({ status: 'paid' });
  });
  await eventBus.publish('order.created', { orderId: order.id });
  res.status(200).json({ orderId: order.id });
});
"#;

const CHECKOUT_PUBLISH_IN_TRANSACTION: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ status: 'paid' });
    await eventBus.publish('order.created', { orderId: created.id });
    return created;
  });
  res.status(200).json({ orderId: order.id });
});
"#;

const CHECKOUT_OUTBOX: &str = r#"app.post('/checkout', async (req, res) => {
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ status: 'paid' });
    await trx.outbox.insert({ topic: 'order.created', key: created.id, payload: JSON.stringify({ orderId: created.id }) });
    return created;
  });
  res.status(200).json({ orderId: order.id });
});
"#;

fn manifest_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml")
}

/// Our one hook, as YAML.
fn manifest_hook() -> serde_json::Value {
    let text = std::fs::read_to_string(manifest_path()).expect("manifest exists");
    let hooks: serde_json::Value = serde_norway::from_str(&text).expect("manifest is YAML");
    assert_eq!(hooks.as_array().map(Vec::len), Some(1), "one hook: {hooks}");
    hooks[0].clone()
}

/// Run a program in `dir` with a private pre-commit cache.
fn run_in(dir: &Path, cache: &Path, program: &Path, args: &[&str]) -> Output {
    support::run(
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("PRE_COMMIT_HOME", cache)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1"),
    )
}

#[test]
fn hook_manifest_is_valid_for_pre_commit() {
    let cache = tempfile::tempdir().expect("temp dir");
    let output = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        cache.path(),
        &support::venv_tool("pre-commit"),
        &["validate-manifest", &manifest_path().to_string_lossy()],
    );
    assert!(output.status.success(), "{}", support::text(&output));
}

#[test]
fn hook_runs_the_staged_scan_once_per_commit_built_with_cargo() {
    let hook = manifest_hook();
    assert_eq!(hook["id"], "handoff");
    assert_eq!(hook["entry"], "handoff scan --staged");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["pass_filenames"], false);
    // The hook's file filter is exactly the set of extensions Handoff parses.
    let files =
        regex::Regex::new(hook["files"].as_str().expect("files regex")).expect("valid regex");
    for path in [
        "a.js", "a.mjs", "a.cjs", "a.jsx", "a.ts", "a.mts", "a.cts", "a.tsx", "a.py", "a.pyi",
        "a.rs", "a.txt", "a.json", "a.md", "ajs",
    ] {
        assert_eq!(
            files.is_match(path),
            handoff::model::Language::from_path(path).is_some(),
            "{path}"
        );
    }
}

#[test]
fn snippet_printed_by_init_is_a_valid_pre_commit_config() {
    let repo = Repo::new();
    repo.write("src/app.js", "export const a = 1;\n");
    repo.commit("app");
    let run = repo.handoff(&["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snippet = run
        .stdout
        .split_once("add this to .pre-commit-config.yaml:\n\n")
        .map(|(_, snippet)| snippet.to_string())
        .expect("snippet printed");
    let config = repo.path().join("snippet.yaml");
    std::fs::write(&config, snippet).expect("write snippet");
    let cache = tempfile::tempdir().expect("temp dir");
    let output = run_in(
        repo.path(),
        cache.path(),
        &support::venv_tool("pre-commit"),
        &["validate-config", &config.to_string_lossy()],
    );
    assert!(output.status.success(), "{}", support::text(&output));
}

/// A repository with the hook installed by `pre-commit install`, running the
/// built binary through a `repo: local` hook with our manifest's settings.
fn repository_with_hook(cache: &Path) -> Repo {
    let hook = manifest_hook();
    let repo = Repo::new();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: handoff\n        name: handoff\n        entry: \"'{}' scan --staged\"\n        language: system\n        pass_filenames: false\n        require_serial: true\n        files: '{}'\n",
        common::binary().display(),
        hook["files"].as_str().expect("files regex"),
    );
    repo.write(".pre-commit-config.yaml", config);
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    let install = run_in(
        repo.path(),
        cache,
        &support::venv_tool("pre-commit"),
        &["install"],
    );
    assert!(install.status.success(), "{}", support::text(&install));
    repo.git(&["add", "-A"]);
    let first = git_commit(&repo, cache, "checkout");
    assert!(
        first.status.success(),
        "the first commit passes the hook: {}",
        support::text(&first)
    );
    repo
}

fn git_commit(repo: &Repo, cache: &Path, message: &str) -> Output {
    run_in(
        repo.path(),
        cache,
        Path::new("git"),
        &["commit", "-m", message],
    )
}

#[test]
fn commit_staging_a_publish_inside_a_transaction_is_refused_with_the_finding() {
    let cache = tempfile::tempdir().expect("temp dir");
    let repo = repository_with_hook(cache.path());
    let head_before = repo.git(&["rev-parse", "HEAD"]);
    repo.write("src/checkout.js", CHECKOUT_PUBLISH_IN_TRANSACTION);
    repo.git(&["add", "src/checkout.js"]);
    let refused = git_commit(&repo, cache.path(), "publish inside the transaction");
    let output = support::text(&refused);
    assert!(
        !refused.status.success(),
        "the commit must be refused: {output}"
    );
    assert!(output.contains("handoff"), "{output}");
    assert!(output.contains("Failed"), "{output}");
    assert!(
        output.contains("high[sequencing/side-effect-in-transaction]"),
        "{output}"
    );
    assert!(output.contains("--> src/checkout.js:4:11"), "{output}");
    assert_eq!(
        repo.git(&["rev-parse", "HEAD"]),
        head_before,
        "nothing was committed"
    );
}

#[test]
fn clean_commit_passes_the_hook() {
    let cache = tempfile::tempdir().expect("temp dir");
    let repo = repository_with_hook(cache.path());
    repo.write("src/checkout.js", CHECKOUT_OUTBOX);
    repo.git(&["add", "src/checkout.js"]);
    let committed = git_commit(&repo, cache.path(), "outbox");
    let output = support::text(&committed);
    assert!(committed.status.success(), "{output}");
    assert!(output.contains("Passed"), "{output}");
    assert_eq!(repo.git(&["log", "--format=%s", "-1"]), "outbox");
}

#[test]
fn commit_without_source_files_skips_the_hook() {
    let cache = tempfile::tempdir().expect("temp dir");
    let repo = repository_with_hook(cache.path());
    repo.write("README.md", "# Shop\n");
    repo.git(&["add", "README.md"]);
    let committed = git_commit(&repo, cache.path(), "docs");
    let output = support::text(&committed);
    assert!(committed.status.success(), "{output}");
    assert!(output.contains("Skipped"), "{output}");
}
