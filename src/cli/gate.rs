//! `handoff gate`: the workflow suites a change must run, as JSON or as
//! GitHub Actions step outputs.

use super::{RevisionArgs, write_stdout};
use crate::gate::{self, GateResult};
use crate::scan;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `handoff gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(flatten)]
    revisions: RevisionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GateFormat::Json)]
    format: GateFormat,
}

/// Formats of `handoff gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GateFormat {
    /// `{ "risk": …, "suites": [{ "name", "command", "reasons" }] }`.
    Json,
    /// Step outputs `risk`, `suites` (a JSON list of names for a matrix) and
    /// `matrix` (`{"include": [{"suite", "command"}]}`), appended to
    /// `$GITHUB_OUTPUT` when it is set, and printed.
    Github,
}

/// Run `handoff gate`. Always exits 0 on success: the gate selects, it does
/// not fail (that is `handoff scan --fail-on`).
pub(super) fn run(args: &GateArgs) -> Result<i32> {
    let (report, config) = scan::scan(&args.revisions.options(false))?;
    let selection = gate::select(&report, &config);
    match args.format {
        GateFormat::Json => write_stdout(&to_json(&selection)?)?,
        GateFormat::Github => {
            let outputs = github_outputs(&selection)?;
            if let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
                append(&PathBuf::from(path), &outputs)?;
            }
            write_stdout(&outputs)?;
        }
    }
    Ok(0)
}

fn to_json(selection: &GateResult) -> Result<String> {
    let mut text =
        serde_json::to_string_pretty(selection).context("cannot serialise the gate's result")?;
    text.push('\n');
    Ok(text)
}

/// `key=value` lines in the `$GITHUB_OUTPUT` format. Every value is one line
/// of compact JSON (or a bare word), so no heredoc delimiter is needed.
pub(crate) fn github_outputs(selection: &GateResult) -> Result<String> {
    let names =
        serde_json::to_string(&selection.names()).context("cannot serialise the suite names")?;
    let include: Vec<serde_json::Value> = selection
        .suites
        .iter()
        .map(|suite| serde_json::json!({ "suite": suite.name, "command": suite.command }))
        .collect();
    let matrix = serde_json::to_string(&serde_json::json!({ "include": include }))
        .context("cannot serialise the suite matrix")?;
    Ok(format!(
        "risk={}\nsuites={names}\nmatrix={matrix}\n",
        selection.risk
    ))
}

fn append(path: &PathBuf, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot open $GITHUB_OUTPUT ({}) for appending",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write $GITHUB_OUTPUT ({})", path.display()))
}
