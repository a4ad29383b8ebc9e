//! `handoff gate`: the workflow suites a change must run, as JSON or as
//! GitHub Actions step outputs; or the project's test files a change reaches.

use super::{RevisionArgs, write_stdout};
use crate::diff::Target;
use crate::gate::{self, GateResult};
use crate::related::IndexSources;
use crate::scan::{self, Report};
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
    /// Step outputs `risk` and `suites` (the JSON list of
    /// `{"name", "command", "reasons"}` the Action writes, for
    /// `fromJSON` in a matrix), appended to `$GITHUB_OUTPUT` when it is set,
    /// and printed.
    Github,
    /// The project's test files whose imports reach the changed files
    /// (changed tests included), one path per line, for a CI step that runs
    /// exactly those (`pytest $(handoff gate --format tests)`). Nothing when
    /// no test reaches the change: the runner's whole suite is the fallback.
    Tests,
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
        GateFormat::Tests => write_stdout(&related_tests(&report, &args.revisions)?)?,
    }
    Ok(0)
}

fn to_json(selection: &GateResult) -> Result<String> {
    let mut text =
        serde_json::to_string_pretty(selection).context("cannot serialise the gate's result")?;
    text.push('\n');
    Ok(text)
}

/// `key=value` lines in the `$GITHUB_OUTPUT` format, the same `risk` and
/// `suites` the Action writes. Every value is one line of compact JSON (or a
/// bare word), so no heredoc delimiter is needed.
fn github_outputs(selection: &GateResult) -> Result<String> {
    let suites = serde_json::to_string(&selection.suites).context("cannot serialise the suites")?;
    Ok(format!("risk={}\nsuites={suites}\n", selection.risk))
}

/// The related test files of the change, one per line, read from the
/// head revision (the work tree for the work tree and the index).
fn related_tests(report: &Report, revisions: &RevisionArgs) -> Result<String> {
    let options = revisions.options(false);
    let head = match &options.target {
        Target::Revision(_) => Some(report.head.as_str()),
        Target::Index | Target::WorkTree => None,
    };
    let index = IndexSources::read(&options.repo, head)?.index();
    let tests = index.related_tests(report.changed_paths.iter().map(String::as_str));
    Ok(tests.into_iter().map(|path| path + "\n").collect())
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
