//! The external tools the gate, checklist, schema and pre-commit tests run
//! for real (installed into `.tools/` by `bash scripts/test.sh`), and the
//! exact-match Markdown snapshots.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `<manifest dir>/.tools`.
pub fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools")
}

/// A program from the test tools' Python virtualenv; fails the test when
/// it is missing (never passes silently).
pub fn venv_tool(name: &str) -> PathBuf {
    let path = tools_dir().join("venv").join("bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `bash scripts/test.sh` (it installs the test tools from .ci/requirements.txt into .tools/)",
        path.display()
    );
    path
}

/// The test tools' `node_modules`, with `package` installed in it.
pub fn node_package(package: &str) -> PathBuf {
    let modules = tools_dir().join("node_modules");
    assert!(
        modules.join(package).join("package.json").is_file(),
        "npm package {package} is missing from {}: run `bash scripts/test.sh` (it installs .ci/package.json into .tools/)",
        modules.display()
    );
    modules
}

/// Run a command and return its output, with stdin closed.
pub fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// Output as text (stdout then stderr), for assertion messages.
/// ANSI colour codes are removed: tools colour their output on some CI
/// terminals even when asked not to.
pub fn text(output: &Output) -> String {
    let raw = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    strip_ansi(&raw)
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Compare `actual` with `tests/snapshots/<name>` exactly;
/// `UPDATE_SNAPSHOTS=1` rewrites the file instead.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("snapshot is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "snapshot {} cannot be read ({e}): run `UPDATE_SNAPSHOTS=1 cargo test` to create it",
            path.display()
        )
    });
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {} differs at line {}:\n  expected: {:?}\n  actual:   {:?}\n--- actual output ---\n{actual}\n(run `UPDATE_SNAPSHOTS=1 cargo test` if the change is intended)",
            path.display(),
            first_difference + 1,
            expected.lines().nth(first_difference).unwrap_or("<end>"),
            actual.lines().nth(first_difference).unwrap_or("<end>"),
        );
    }
}

/// Every ```mermaid block of a Markdown text.
pub fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```mermaid") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Parse diagrams with the real Mermaid parser (`mermaid.parse`, in Node
/// with a jsdom window for its sanitiser). Returns one line per diagram:
/// `OK <diagram type>` or `ERR <message>`.
pub fn mermaid_parse(diagrams: &[String]) -> Vec<String> {
    let modules = node_package("mermaid");
    node_package("jsdom");
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/mermaid-parse.mjs"),
    )
    .expect("tests/support/mermaid-parse.mjs exists");
    let input = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(input.path(), serde_json::to_string(diagrams).expect("json"))
        .expect("write diagrams");
    // `-e` code resolves bare imports from the working directory: .tools/.
    let output = run(Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .arg(input.path())
        .current_dir(modules.parent().expect("tools dir")));
    assert!(output.status.success(), "node failed: {}", text(&output));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
