//! The inventory of inline suppressions (`handoff suppressions`): every
//! `handoff-ignore[...]` comment of a revision or of the work tree, with its
//! rules, place, reason and what is wrong with it — the auditable record of
//! the decisions a team took to silence a finding.

use super::ScanError;
use super::suppression::suppressions;
use crate::diff::{self, Threads};
use crate::lang::{self, PARSER_STACK_BYTES};
use crate::model::Language;
use serde::Serialize;
use std::path::Path;

/// The marker every suppression comment contains: files without it are not parsed.
const MARKER: &str = "handoff-ignore";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionEntry {
    /// Repository-relative path.
    pub path: String,
    /// 1-based line of the comment (it covers that line and the next).
    pub line: u32,
    /// The rule ids it names.
    pub rules: Vec<String>,
    /// The reason given; empty when none is.
    pub reason: String,
    /// What is wrong with it (unknown rule, missing reason), one line each.
    pub problems: Vec<String>,
}

/// Every suppression of one revision or of the work tree.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressionInventory {
    /// The commit read, or `WORKTREE`.
    pub head: String,
    /// The suppressions, by path and line.
    pub suppressions: Vec<SuppressionEntry>,
}

/// Read every supported source file of `rev` (the work tree when `None`,
/// `.gitignore` respected) that mentions the suppression marker, and list its
/// suppression comments.
///
/// # Errors
/// A git error when `repo` is not a repository or `rev` cannot be resolved.
pub fn suppression_inventory(
    repo: &Path,
    rev: Option<&str>,
) -> Result<SuppressionInventory, ScanError> {
    let target = diff::resolve_tree_scan(repo, rev)?;
    let tree = rev.and(target.commit.clone());
    let head = match &tree {
        Some(sha) => sha.clone(),
        None => "WORKTREE".to_string(),
    };
    let wants = |path: &str| Language::from_path(path).is_some();
    let read = |path: &str, text: String| -> Vec<SuppressionEntry> {
        match Language::from_path(path) {
            Some(language) if text.contains(MARKER) => entries(path, language, &text),
            _ => Vec::new(),
        }
    };
    let mut found = Vec::new();
    let threads = Threads {
        count: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        stack_bytes: PARSER_STACK_BYTES,
    };
    diff::for_each_tree_file(
        &target.repo_root,
        tree.as_deref(),
        threads,
        &wants,
        &read,
        &mut |_, entries| found.extend(entries),
    )?;
    Ok(SuppressionInventory {
        head,
        suppressions: found,
    })
}

/// The suppression comments of one file, in line order.
fn entries(path: &str, language: Language, text: &str) -> Vec<SuppressionEntry> {
    let model = lang::parse(language, text);
    let mut ignored_warnings = Vec::new();
    suppressions(path, &model.comments, &mut ignored_warnings)
        .into_iter()
        .map(|suppression| SuppressionEntry {
            path: path.to_string(),
            line: suppression.line,
            problems: suppression.problems(),
            rules: suppression.rules,
            reason: suppression.reason,
        })
        .collect()
}
