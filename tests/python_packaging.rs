//! pip and pre-commit: the wheel maturin (PyPI) builds from `pyproject.toml`
//! installs into a fresh virtual environment and puts a working `handoff`
//! on the PATH; the fast pre-commit hook (`pre-commit-mirror/`, published as
//! the `-pre-commit` repository) installs that wheel, served locally with
//! `PIP_FIND_LINKS`, and blocks a staged high finding with the real
//! `pre-commit`.
//!
//! The wheel is built from the development profile into the target directory
//! the tests were built in, so it reuses the test build's binary instead of
//! compiling Handoff a second time.

mod common;
mod support;

use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, CHECKOUT_OUTBOX, Repo};
use handoff::home::{PYPI_PACKAGE, VERSION};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the wheel, built once per test run.
fn wheel_dir() -> &'static Path {
    static WHEELS: OnceLock<tempfile::TempDir> = OnceLock::new();
    WHEELS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("wheel dir");
            let target = Path::new(env!("CARGO_BIN_EXE_handoff"))
                .parent()
                .and_then(Path::parent)
                .expect("target dir")
                .to_path_buf();
            let started = Instant::now();
            let mut maturin = Command::new(support::venv_tool("maturin"));
            maturin
                .args([
                    "build",
                    "--profile",
                    "dev",
                    "--interpreter",
                    "python3",
                    "--out",
                ])
                .arg(dir.path())
                .current_dir(root())
                .env("CARGO_TARGET_DIR", &target);
            // The variables cargo sets for a test process (CARGO_MANIFEST_DIR,
            // CARGO_PKG_*...) would look like changes to the build scripts
            // that read them, and recompile half the dependencies.
            for (name, _) in std::env::vars_os() {
                let name = name.to_string_lossy();
                if (name.starts_with("CARGO_") && name != "CARGO_HOME") || name == "OUT_DIR" {
                    maturin.env_remove(&*name);
                }
            }
            let output = support::run(&mut maturin);
            assert!(
                output.status.success(),
                "maturin build: {}",
                support::text(&output)
            );
            eprintln!("maturin build --profile dev: {:?}", started.elapsed());
            dir
        })
        .path()
}

fn the_wheel() -> PathBuf {
    let wheels: Vec<PathBuf> = std::fs::read_dir(wheel_dir())
        .expect("wheel dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels[0].clone()
}

fn run(command: &mut Command) -> Output {
    let output = support::run(command);
    assert!(
        output.status.success(),
        "{command:?}: {}",
        support::text(&output)
    );
    output
}

#[test]
fn the_wheel_puts_a_working_handoff_on_the_path_of_a_fresh_venv() {
    let wheel = the_wheel();
    let name = wheel
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let distribution = PYPI_PACKAGE.replace('-', "_");
    assert!(
        name.starts_with(&format!("{distribution}-{VERSION}-py3-none-")),
        "{name}"
    );
    let venv = tempfile::tempdir().expect("venv dir");
    let started = Instant::now();
    run(Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path()));
    let bin = venv.path().join("bin");
    run(Command::new(bin.join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel));
    eprintln!(
        "fresh venv + pip install of the wheel: {:?}",
        started.elapsed()
    );

    let version = run(Command::new(bin.join("handoff")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("handoff {VERSION}")
    );

    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    repo.commit("checkout");
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    // `handoff` found on the PATH of the virtual environment, as after `pip install`.
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let scan = support::run(
        Command::new("handoff")
            .args(["scan", "--base", "HEAD"])
            .current_dir(repo.path())
            .env("PATH", path)
            .env("NO_COLOR", "1"),
    );
    let text = support::text(&scan);
    assert_eq!(scan.status.code(), Some(1), "{text}");
    assert!(
        text.contains("high[sequencing/side-effect-in-transaction]"),
        "{text}"
    );
}

/// The mirror repository the fast hook is published as, committed in a
/// temporary git repository; returns it and its commit.
fn mirror_repository() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("mirror");
    for file in ["pyproject.toml", ".pre-commit-hooks.yaml"] {
        std::fs::copy(
            root().join("pre-commit-mirror").join(file),
            dir.path().join(file),
        )
        .expect("copy the mirror");
    }
    let git = |args: &[&str]| {
        let output = run(Command::new("git")
            .args([
                "-c",
                "user.name=Handoff",
                "-c",
                "user.email=test@example.com",
            ])
            .args(args)
            .current_dir(dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1"));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "mirror"]);
    let commit = git(&["rev-parse", "HEAD"]);
    (dir, commit)
}

/// pip's sources for the hook's environment: the wheel, and the setuptools
/// wheel virtualenv ships (to build the mirror's tiny package), nothing else.
fn find_links() -> String {
    let embedded = support::tools_dir().join("venv/lib");
    let seed = std::fs::read_dir(&embedded)
        .expect("venv lib")
        .flatten()
        .map(|e| e.path().join("site-packages/virtualenv/seed/wheels/embed"))
        .find(|p| p.is_dir())
        .expect("virtualenv's embedded wheels (a dependency of pre-commit)");
    format!("{} {}", wheel_dir().display(), seed.display())
}

fn commit_with_hook(repo: &Repo, cache: &Path, message: &str) -> Output {
    support::run(
        Command::new("git")
            .args(["commit", "-m", message])
            .current_dir(repo.path())
            .env("PRE_COMMIT_HOME", cache)
            .env("PIP_FIND_LINKS", find_links())
            .env("PIP_NO_INDEX", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1"),
    )
}

#[test]
fn the_fast_pre_commit_hook_installs_the_wheel_and_blocks_a_staged_high_finding() {
    let (mirror, commit) = mirror_repository();
    let cache = tempfile::tempdir().expect("pre-commit cache");
    let repo = Repo::new();
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {commit}\n    hooks:\n      - id: handoff\n",
            mirror.path().display()
        ),
    );
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    run(Command::new(support::venv_tool("pre-commit"))
        .arg("install")
        .current_dir(repo.path())
        .env("PRE_COMMIT_HOME", cache.path()));
    repo.git(&["add", "-A"]);
    let started = Instant::now();
    let first = commit_with_hook(&repo, cache.path(), "checkout");
    eprintln!(
        "first commit, fast hook installed from the wheel: {:?}",
        started.elapsed()
    );
    assert!(first.status.success(), "{}", support::text(&first));
    assert!(support::text(&first).contains("Passed"));

    repo.write("src/checkout.js", CHECKOUT_AFTER);
    repo.git(&["add", "src/checkout.js"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let started = Instant::now();
    let refused = commit_with_hook(&repo, cache.path(), "publish inside the transaction");
    eprintln!("a later commit with the hook: {:?}", started.elapsed());
    let text = support::text(&refused);
    assert!(!refused.status.success(), "refused: {text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(
        text.contains("high[sequencing/side-effect-in-transaction]"),
        "{text}"
    );
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head, "nothing committed");

    repo.write("src/checkout.js", CHECKOUT_OUTBOX);
    repo.git(&["add", "src/checkout.js"]);
    let fixed = commit_with_hook(&repo, cache.path(), "outbox");
    assert!(fixed.status.success(), "{}", support::text(&fixed));
}

#[test]
fn the_fast_hook_is_the_compiled_hook_installed_from_the_release_wheel() {
    let read = |path: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(root().join(path)).expect(path);
        serde_norway::from_str(&text).expect("YAML")
    };
    let compiled = read(".pre-commit-hooks.yaml")[0].clone();
    let fast = read("pre-commit-mirror/.pre-commit-hooks.yaml")[0].clone();
    for key in [
        "id",
        "name",
        "description",
        "entry",
        "pass_filenames",
        "require_serial",
        "files",
    ] {
        assert_eq!(compiled[key], fast[key], "{key}");
    }
    assert_eq!(compiled["language"], "rust");
    assert_eq!(fast["language"], "python");
    let pyproject =
        std::fs::read_to_string(root().join("pre-commit-mirror/pyproject.toml")).expect("mirror");
    assert!(
        pyproject.contains(&format!("version = \"{VERSION}\"")),
        "the mirror's version is the release's: {pyproject}"
    );
    assert!(
        pyproject.contains(&format!("dependencies = [\"{PYPI_PACKAGE}=={VERSION}\"]")),
        "the mirror depends on this release's wheel: {pyproject}"
    );
    let ours = std::fs::read_to_string(root().join("pyproject.toml")).expect("pyproject");
    assert!(
        ours.contains(&format!("name = \"{PYPI_PACKAGE}\"")),
        "{ours}"
    );
}
