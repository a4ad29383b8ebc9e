//! The Action's install step (`scripts/install_handoff.py`, run by the
//! composite `action.yml`) against a loopback server holding fake release
//! assets: the right asset per OS and architecture, the checksum verified, a
//! tampered asset refused, the tool cache reused, and the source build taken
//! when the action does not run from a release.

use handoff::home::{REPOSITORY, VERSION};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// (RUNNER_OS, RUNNER_ARCH, Rust target) of every release asset.
const RUNNERS: &[(&str, &str, &str)] = &[
    ("Linux", "X64", "x86_64-unknown-linux-musl"),
    ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
    ("macOS", "X64", "x86_64-apple-darwin"),
    ("macOS", "ARM64", "aarch64-apple-darwin"),
    ("Windows", "X64", "x86_64-pc-windows-msvc"),
];

const RELEASE_COMMIT: &str = "5e1d0b2c3a4f5e6d7c8b9a0f1e2d3c4b5a697887";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn asset_name(target: &str) -> String {
    let extension = if target.contains("windows") {
        "zip"
    } else {
        "tar.gz"
    };
    format!("handoff-v{VERSION}-{target}.{extension}")
}

/// A fake `handoff` for `target`: a shell script that names its target.
fn fake_binary(target: &str) -> String {
    format!("#!/bin/sh\necho \"fake handoff for {target}\"\n")
}

/// A release directory as the release workflow makes it, with
/// `scripts/release_files.py` (`pack` per target, then `checksums`), from
/// fake binaries.
fn release_directory() -> tempfile::TempDir {
    let dist = tempfile::tempdir().expect("dist");
    let binaries = tempfile::tempdir().expect("binaries");
    let script = root().join("scripts/release_files.py");
    for (_, _, target) in RUNNERS {
        let binary = binaries.path().join(target);
        std::fs::write(&binary, fake_binary(target)).expect("fake binary");
        let pack = Command::new("python3")
            .arg(&script)
            .args(["pack", target])
            .arg(&binary)
            .arg(dist.path())
            .output()
            .expect("python3 runs");
        assert!(
            pack.status.success(),
            "{}",
            String::from_utf8_lossy(&pack.stderr)
        );
    }
    let sums = Command::new("python3")
        .arg(&script)
        .arg("checksums")
        .arg(dist.path())
        .args([&format!("v{VERSION}"), RELEASE_COMMIT])
        .output()
        .expect("python3 runs");
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stderr)
    );
    dist
}

/// A loopback "GitHub" serving the release's files; `tamper` names a target
/// whose archive differs from its checksum.
async fn release_server(tamper: Option<&str>) -> MockServer {
    let server = MockServer::start().await;
    let base = format!("/{REPOSITORY}/releases/download/v{VERSION}");
    let dist = release_directory();
    let tampered = tamper.map(asset_name);
    for entry in std::fs::read_dir(dist.path()).expect("dist").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut bytes = std::fs::read(entry.path()).expect("release file");
        if tampered.as_deref() == Some(name.as_str()) {
            bytes.extend_from_slice(b"tampered");
        }
        Mock::given(method("GET"))
            .and(path(format!("{base}/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
            .mount(&server)
            .await;
    }
    server
}

/// One run of the install step.
struct Install {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: HashMap<String, String>,
}

/// The runner's folders for a job.
struct Runner {
    tool_cache: tempfile::TempDir,
    workspace: tempfile::TempDir,
    temp: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        Runner {
            tool_cache: tempfile::tempdir().expect("tool cache"),
            workspace: tempfile::tempdir().expect("workspace"),
            temp: tempfile::tempdir().expect("runner temp"),
        }
    }

    fn install(&self, server: &str, os: &str, arch: &str, reference: &str) -> Install {
        self.install_with(server, os, arch, reference, &[])
    }

    fn install_with(
        &self,
        server: &str,
        os: &str,
        arch: &str,
        reference: &str,
        env: &[(&str, &str)],
    ) -> Install {
        let output = self.temp.path().join("github_output");
        let _ = std::fs::remove_file(&output);
        let mut command = Command::new("python3");
        command
            .arg(root().join("scripts/install_handoff.py"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("GITHUB_ACTION_PATH", root())
            .env("HANDOFF_ACTION_REF", reference)
            .env("GITHUB_WORKSPACE", self.workspace.path())
            .env("GITHUB_SERVER_URL", server)
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TOOL_CACHE", self.tool_cache.path())
            .env("RUNNER_TEMP", self.temp.path())
            .env("GITHUB_OUTPUT", &output);
        for (name, value) in env {
            command.env(name, value);
        }
        let result = command.output().expect("python3 runs");
        let outputs = std::fs::read_to_string(&output)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Install {
            code: result.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&result.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
            outputs,
        }
    }
}

async fn asset_requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            r.url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .filter(|name| name.starts_with("handoff-v"))
        .collect()
}

#[tokio::test]
async fn each_runner_gets_the_asset_of_its_os_and_architecture() {
    let server = release_server(None).await;
    for (os, arch, target) in RUNNERS {
        let runner = Runner::new();
        let started = Instant::now();
        let run = runner.install(&server.uri(), os, arch, &format!("v{VERSION}"));
        let elapsed = started.elapsed();
        assert_eq!(run.code, 0, "{os} {arch}:\n{}\n{}", run.stdout, run.stderr);
        let installed = PathBuf::from(&run.outputs["path"]);
        assert!(
            installed.starts_with(
                runner
                    .tool_cache
                    .path()
                    .join("handoff")
                    .join(VERSION)
                    .join(arch.to_ascii_lowercase())
            ),
            "{os} {arch}: {}",
            installed.display()
        );
        assert_eq!(run.outputs["origin"], "release");
        assert_eq!(
            std::fs::read_to_string(&installed).expect("installed binary"),
            fake_binary(target),
            "{os} {arch} gets the {target} binary"
        );
        if *os == "Linux" && *arch == "X64" {
            let ran = Command::new(&installed).output().expect("runs");
            assert_eq!(
                String::from_utf8_lossy(&ran.stdout).trim(),
                format!("fake handoff for {target}")
            );
            eprintln!("install from the loopback release: {elapsed:?}");
        }
        assert!(
            run.stdout
                .contains(&format!("handoff v{VERSION} for {target} from the release")),
            "{}",
            run.stdout
        );
    }
    let requested = asset_requests(&server).await;
    let expected: Vec<String> = RUNNERS.iter().map(|(_, _, t)| asset_name(t)).collect();
    assert_eq!(
        requested, expected,
        "one download per runner, of its own asset"
    );
}

#[tokio::test]
async fn a_tampered_asset_is_refused_and_nothing_is_installed() {
    let server = release_server(Some("x86_64-unknown-linux-musl")).await;
    let runner = Runner::new();
    let run = runner.install(&server.uri(), "Linux", "X64", &format!("v{VERSION}"));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "::error title=Handoff::handoff-v{VERSION}-x86_64-unknown-linux-musl.tar.gz does not match the release's checksum"
        )),
        "{}",
        run.stdout
    );
    assert!(!run.outputs.contains_key("path"), "no binary is handed on");
    let cached: Vec<_> = walk(runner.tool_cache.path());
    assert!(cached.is_empty(), "nothing in the tool cache: {cached:?}");
    // Another runner's asset is intact and installs.
    let arm = Runner::new();
    assert_eq!(
        arm.install(&server.uri(), "Linux", "ARM64", &format!("v{VERSION}"))
            .code,
        0
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn the_tool_cache_is_reused_and_a_changed_binary_is_replaced() {
    let server = release_server(None).await;
    let runner = Runner::new();
    let first = runner.install(&server.uri(), "Linux", "X64", &format!("v{VERSION}"));
    assert_eq!(first.outputs["origin"], "release", "{}", first.stdout);
    let started = Instant::now();
    let second = runner.install(&server.uri(), "Linux", "X64", &format!("v{VERSION}"));
    eprintln!("install from the tool cache: {:?}", started.elapsed());
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.outputs["origin"], "cache");
    assert_eq!(second.outputs["path"], first.outputs["path"]);
    assert_eq!(asset_requests(&server).await.len(), 1, "downloaded once");

    // A cached binary that no longer matches what was verified is fetched again.
    std::fs::write(&first.outputs["path"], "#!/bin/sh\necho changed\n").expect("overwrite");
    let third = runner.install(&server.uri(), "Linux", "X64", &format!("v{VERSION}"));
    assert_eq!(third.outputs["origin"], "release");
    assert_eq!(
        std::fs::read_to_string(&third.outputs["path"]).expect("binary"),
        fake_binary("x86_64-unknown-linux-musl")
    );
}

#[tokio::test]
async fn a_commit_pin_installs_the_release_only_for_the_release_commit() {
    let server = release_server(None).await;
    let runner = Runner::new();
    let run = runner.install(&server.uri(), "macOS", "ARM64", RELEASE_COMMIT);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["origin"], "release");
}

/// `cargo build --profile dev` of this repository into the target directory
/// this test was built in: the source build, without a second compilation.
fn source_build_env() -> Vec<(&'static str, String)> {
    let binary = Path::new(env!("CARGO_BIN_EXE_handoff"));
    let target = binary
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_string_lossy()
        .into_owned();
    vec![
        ("HANDOFF_BUILD_PROFILE", "dev".to_string()),
        ("CARGO_TARGET_DIR", target),
        (
            "CARGO_HOME",
            std::env::var("CARGO_HOME").unwrap_or_default(),
        ),
        (
            "RUSTUP_HOME",
            std::env::var("RUSTUP_HOME").unwrap_or_default(),
        ),
    ]
}

fn assert_source_build(run: &Install, reason: &str) {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["origin"], "source");
    assert!(
        run.stdout.contains(&format!(
            "::notice title=Handoff::building handoff from source: {reason}"
        )),
        "{}",
        run.stdout
    );
    let version = Command::new(&run.outputs["path"])
        .arg("--version")
        .output()
        .expect("the built handoff runs");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("handoff {VERSION}")
    );
}

#[tokio::test]
async fn without_a_release_the_action_builds_from_source_with_a_notice() {
    let empty = MockServer::start().await;
    let env = source_build_env();
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let runner = Runner::new();
    let run = runner.install_with(&empty.uri(), "Linux", "X64", &format!("v{VERSION}"), &env);
    assert_source_build(&run, &format!("no usable v{VERSION} release"));

    // A branch is not a release: no download is even tried.
    let server = release_server(None).await;
    let run = runner.install_with(&server.uri(), "Linux", "X64", "main", &env);
    assert_source_build(&run, "`main` is not the");
    // Nor is a commit other than the release's.
    let run = runner.install_with(
        &server.uri(),
        "Linux",
        "X64",
        "0000000000000000000000000000000000000abc",
        &env,
    );
    assert_source_build(&run, &format!("no usable v{VERSION} release (commit"));
    assert!(
        asset_requests(&server).await.is_empty(),
        "no asset downloaded"
    );

    // `uses: ./`: the action is the checked-out repository's own code.
    let workspace = root().to_string_lossy().into_owned();
    let mut local = env.clone();
    local.push(("GITHUB_WORKSPACE", &workspace));
    let run = runner.install_with(&server.uri(), "Linux", "X64", "", &local);
    assert_source_build(&run, "the action is this repository's own code");
}
