//! `handoff suppressions`: the inventory of inline suppressions, so a team can
//! audit which findings it decided to silence, where and why.

use super::write_stdout;
use crate::report::safe_markdown::{code_span, table_cell, text};
use crate::scan::{SuppressionEntry, SuppressionInventory, suppression_inventory};
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::fmt::Write;
use std::path::PathBuf;

/// Arguments of `handoff suppressions`.
#[derive(Debug, Args)]
pub struct SuppressionsArgs {
    /// A directory inside the repository.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The revision to read (default: the work tree, `.gitignore` respected).
    #[arg(long)]
    head: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InventoryFormat::Text)]
    format: InventoryFormat,
}

/// Formats of `handoff suppressions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InventoryFormat {
    /// One suppression per line.
    Text,
    /// `{"schema": "handoff/suppressions/v1", "head": …, "suppressions": […]}`.
    Json,
    /// A Markdown table (for a pull request or an audit page).
    Markdown,
}

/// Run `handoff suppressions`; exits 0 (it informs; `handoff scan` warns
/// about a suppression without a reason).
pub(super) fn run(args: &SuppressionsArgs) -> Result<i32> {
    let inventory = suppression_inventory(&args.repo, args.head.as_deref())?;
    let out = match args.format {
        InventoryFormat::Text => to_text(&inventory.suppressions),
        InventoryFormat::Json => to_json(&inventory),
        InventoryFormat::Markdown => to_markdown(&inventory.suppressions),
    };
    write_stdout(&out)?;
    Ok(0)
}

fn tally(entries: &[SuppressionEntry]) -> String {
    let files = entries
        .iter()
        .map(|e| e.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let troubled = entries.iter().filter(|e| !e.problems.is_empty()).count();
    format!(
        "{} suppression{} in {files} file{}; {troubled} with a problem\n",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
    )
}

fn to_text(entries: &[SuppressionEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let reason = if entry.reason.is_empty() {
            "(no reason)"
        } else {
            entry.reason.as_str()
        };
        let _ = writeln!(
            out,
            "{}:{}: [{}] {reason}",
            entry.path,
            entry.line,
            entry.rules.join(",")
        );
        for problem in &entry.problems {
            let _ = writeln!(out, "  = warning: {problem}");
        }
    }
    out.push_str(&tally(entries));
    out
}

fn to_json(inventory: &SuppressionInventory) -> String {
    let document = serde_json::json!({
        "schema": "handoff/suppressions/v1",
        "head": inventory.head,
        "suppressions": inventory.suppressions,
    });
    let mut out = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

fn to_markdown(entries: &[SuppressionEntry]) -> String {
    let mut out = String::from("| place | rules | reason | problems |\n|---|---|---|---|\n");
    for entry in entries {
        let rules: Vec<String> = entry.rules.iter().map(|r| code_span(r)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            table_cell(&code_span(&format!("{}:{}", entry.path, entry.line))),
            table_cell(&rules.join(", ")),
            table_cell(&text(&entry.reason)),
            table_cell(&text(&entry.problems.join("; "))),
        );
    }
    out.push('\n');
    out.push_str(&text(tally(entries).trim_end()));
    out.push('\n');
    out
}
