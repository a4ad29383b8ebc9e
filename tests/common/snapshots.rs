//! Insta snapshots of the words Handoff prints, one per case of a walk.
//!
//! A walk checks every case and fails once at the end, listing every case
//! whose words changed, so one `cargo test` writes every `.snap.new` file;
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test`) accepts them.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// The snapshots of one walk, under `tests/snapshots/<group>/`.
pub struct Snapshots {
    settings: insta::Settings,
    changed: Vec<String>,
}

impl Snapshots {
    /// The snapshots kept in `tests/snapshots/<group>/`.
    pub fn new(group: &str) -> Snapshots {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/snapshots")
                .join(group),
        );
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        Snapshots {
            settings,
            changed: Vec::new(),
        }
    }

    /// Compare `text` with the snapshot `name`, described as `description`.
    pub fn check(&mut self, name: &str, description: &str, text: &str) {
        let mut settings = self.settings.clone();
        settings.set_description(description);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name.to_string(), text));
        }));
        if outcome.is_err() {
            self.changed.push(name.to_string());
        }
    }

    /// Fail when any snapshot of the walk changed.
    pub fn assert_all_match(&self) {
        assert!(
            self.changed.is_empty(),
            "{} snapshots changed: {}\nreview with `cargo insta review` (or accept all with `INSTA_UPDATE=always cargo test`)",
            self.changed.len(),
            self.changed.join(", ")
        );
    }
}

/// The words of the findings of a JSON report (message, questions, related
/// locations), ordered by place, as a snapshot shows them.
pub fn finding_words(findings: &[serde_json::Value]) -> String {
    use std::fmt::Write as _;
    let mut sorted: Vec<&serde_json::Value> = findings.iter().collect();
    sorted.sort_by_key(|f| {
        (
            f["path"].as_str().unwrap_or_default().to_string(),
            f["line"].as_u64(),
            f["column"].as_u64(),
            f["rule"].as_str().unwrap_or_default().to_string(),
        )
    });
    let mut out = String::new();
    for f in sorted {
        let _ = writeln!(
            out,
            "{} {}:{}:{}-{}:{} severity {} confidence {} {}",
            f["rule"].as_str().unwrap_or_default(),
            f["path"].as_str().unwrap_or_default(),
            f["line"],
            f["column"],
            f["end_line"],
            f["end_column"],
            f["severity"].as_str().unwrap_or_default(),
            f["confidence"].as_str().unwrap_or_default(),
            f["status"].as_str().unwrap_or_default(),
        );
        let _ = writeln!(out, "  {}", f["message"].as_str().unwrap_or_default());
        for question in f["questions"].as_array().into_iter().flatten() {
            let _ = writeln!(out, "  ? {}", question.as_str().unwrap_or_default());
        }
        for related in f["related"].as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "  related {}:{} {}",
                related["path"].as_str().unwrap_or_default(),
                related["line"],
                related["message"].as_str().unwrap_or_default()
            );
        }
    }
    if out.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}
