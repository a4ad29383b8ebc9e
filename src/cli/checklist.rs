//! `handoff checklist`: the reviewer checklist as Markdown.

use super::{RevisionArgs, write_stdout};
use crate::{checklist, gate, scan};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `handoff checklist`.
#[derive(Debug, Args)]
pub struct ChecklistArgs {
    #[command(flatten)]
    revisions: RevisionArgs,
    /// Write the Markdown to a file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Run `handoff checklist`; exits 0 whatever the findings (it informs, the
/// scan gates).
pub(super) fn run(args: &ChecklistArgs) -> Result<i32> {
    let options = args.revisions.options(false);
    let (report, config) = scan::scan(&options)?;
    let mut map = gate::touched_boundaries(&report, &config);
    // The consumers of a touched topic usually live in files the change does not touch.
    let elsewhere = gate::consumers_elsewhere(&options.repo, &report, &config, &map.topics())?;
    map.add_consumers(elsewhere);
    let selection = gate::select_with(&report, &config, &map);
    let markdown = checklist::render_with(&report, &config, &selection, &map);
    match &args.output {
        Some(path) => std::fs::write(path, markdown)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(&markdown)?,
    }
    Ok(0)
}
