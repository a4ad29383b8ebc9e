//! The npm package, the way @ast-grep/cli ships a Rust binary: `handoff-review`
//! is a launcher whose optional dependencies are one package per platform
//! (`os`/`cpu` declared), made by `scripts/release_files.py npm-package`. The
//! test packs both with the real npm, installs them offline into a fresh
//! project, and runs `handoff --version` and a scan through the launcher.

mod common;
mod support;

use common::{CHECKOUT_AFTER, CHECKOUT_BEFORE, Repo};
use handoff::home::VERSION;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The release target of this machine, as the npm platform packages name them.
fn host_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "aarch64") => "aarch64-unknown-linux-musl",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        ("windows", "x86_64") => "x86_64-pc-windows-msvc",
        other => panic!("no release target for {other:?}"),
    }
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

/// `npm pack` of `dir` into `out`; the tarball.
fn pack(dir: &Path, out: &Path) -> PathBuf {
    let output = run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(out)
        .current_dir(dir));
    out.join(String::from_utf8_lossy(&output.stdout).trim())
}

/// A fresh npm project with `tarballs` installed offline.
fn project_with(tarballs: &[PathBuf]) -> tempfile::TempDir {
    let project = tempfile::tempdir().expect("project");
    std::fs::write(
        project.path().join("package.json"),
        "{\"name\": \"shop\", \"private\": true}\n",
    )
    .expect("package.json");
    let cache = project.path().join(".npm-cache");
    run(Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--cache"])
        .arg(&cache)
        .args(tarballs)
        .current_dir(project.path()));
    project
}

#[test]
fn the_launcher_runs_the_binary_of_this_platform() {
    let work = tempfile::tempdir().expect("work");
    let made = run(Command::new("python3")
        .arg(root().join("scripts/release_files.py"))
        .args(["npm-package", host_target(), env!("CARGO_BIN_EXE_handoff")])
        .arg(work.path().join("packages")));
    let platform_dir = PathBuf::from(String::from_utf8_lossy(&made.stdout).trim());
    let platform = pack(&platform_dir, work.path());
    let launcher = pack(&root().join("npm/handoff-review"), work.path());
    assert!(
        launcher.ends_with(format!("handoff-review-{VERSION}.tgz")),
        "{}",
        launcher.display()
    );

    let project = project_with(&[platform, launcher.clone()]);
    let bin = project.path().join("node_modules/.bin/handoff");
    let version = run(Command::new(&bin).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("handoff {VERSION}")
    );
    let repo = Repo::new();
    repo.write("src/checkout.js", CHECKOUT_BEFORE);
    repo.commit("checkout");
    repo.write("src/checkout.js", CHECKOUT_AFTER);
    let scan = support::run(
        Command::new(&bin)
            .args(["scan", "--base", "HEAD"])
            .current_dir(repo.path())
            .env("NO_COLOR", "1"),
    );
    let text = support::text(&scan);
    assert_eq!(scan.status.code(), Some(1), "{text}");
    assert!(
        text.contains("high[sequencing/side-effect-in-transaction]"),
        "{text}"
    );

    // Without its platform package the launcher says why, in one line.
    let bare = project_with(&[launcher]);
    let missing = support::run(&mut Command::new(
        bare.path().join("node_modules/.bin/handoff"),
    ));
    let text = support::text(&missing);
    assert_eq!(missing.status.code(), Some(2), "{text}");
    assert!(text.starts_with("error: handoff-review-"), "{text}");
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
}
