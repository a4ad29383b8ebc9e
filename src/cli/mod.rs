//! The command line: argument parsing, the one error chain, exit codes.

mod all_files;
mod checklist;
mod gate;
mod init;
mod suppressions;

use crate::diff::Target;
use crate::report::{self, Format, TextStyle};
use crate::rules::{Confidence, Severity, all_rules, doc_markdown, find_rule};
use crate::scan::{self, Report, ScanOptions, Status};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub mod action;

/// Handoff reads a change and says which workflow handoffs it puts at risk.
#[derive(Debug, Parser)]
#[command(name = "handoff", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan a change for workflow-boundary risks.
    Scan(ScanArgs),
    /// List the rules.
    Rules {
        /// Output format: an aligned list, or the README's Markdown table.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule id, e.g. sequencing/side-effect-in-transaction.
        rule: String,
    },
    /// Select the workflow test suites a change must run, with the reasons.
    Gate(gate::GateArgs),
    /// Print the reviewer checklist (Markdown, with a Mermaid diagram).
    Checklist(checklist::ChecklistArgs),
    /// Write a starter .handoff.yml and GitHub workflow for this repository.
    Init(init::InitArgs),
    /// List every inline suppression (`handoff-ignore[...]`) with its rule, place and reason.
    Suppressions(suppressions::SuppressionsArgs),
    /// The GitHub Action's entry point (reads the GITHUB_* and INPUT_* environment).
    Action {
        /// Post the results an analysis run left in DIR (its `results-dir`
        /// artifact) from a `workflow_run` workflow, instead of scanning.
        #[arg(long, value_name = "DIR")]
        post_from: Option<PathBuf>,
    },
}

/// Which change to read.
#[derive(Debug, Args, Clone)]
pub struct RevisionArgs {
    /// A directory inside the repository.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The base revision (default: merge-base of HEAD with origin/HEAD, origin/main or main).
    #[arg(long)]
    base: Option<String>,
    /// The head revision (default: the work tree).
    #[arg(long, conflicts_with = "staged")]
    head: Option<String>,
    /// Compare the index with HEAD (pre-commit).
    #[arg(long)]
    staged: bool,
    /// The configuration file (default: .handoff.yml at the repository root).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Leave out findings whose evidence is below this confidence.
    #[arg(long, value_enum, default_value_t = MinConfidence::Low)]
    min_confidence: MinConfidence,
}

/// The `--min-confidence` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinConfidence {
    /// Every finding, including those that rest on a name alone.
    Low,
    /// Findings whose evidence is at least partly resolved.
    Medium,
    /// Only findings whose evidence is resolved (a known SDK, an import, a summary).
    High,
}

impl MinConfidence {
    /// The confidence it stands for.
    pub fn confidence(self) -> Confidence {
        match self {
            MinConfidence::Low => Confidence::Low,
            MinConfidence::Medium => Confidence::Medium,
            MinConfidence::High => Confidence::High,
        }
    }
}

impl RevisionArgs {
    pub(crate) fn options(&self, all: bool) -> ScanOptions {
        let target = if self.staged {
            Target::Index
        } else if let Some(head) = &self.head {
            Target::Revision(head.clone())
        } else {
            Target::WorkTree
        };
        ScanOptions {
            repo: self.repo.clone(),
            base: self.base.clone(),
            target,
            config: self.config.clone(),
            all,
            min_confidence: self.min_confidence.confidence(),
        }
    }
}

#[derive(Debug, Args)]
struct ScanArgs {
    #[command(flatten)]
    revisions: RevisionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the output to a file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Exit 1 when a new finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    fail_on: FailOn,
    /// Also report findings that existed before the change.
    #[arg(long)]
    all: bool,
    /// Scan every supported file of the head revision (or the work tree), not a change:
    /// for first adoption and audits. Every finding is `existing`; `--fail-on` counts them.
    #[arg(long, conflicts_with_all = ["base", "staged"])]
    all_files: bool,
}

/// Formats of `handoff rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    /// One rule per line.
    Text,
    /// A Markdown table (the README's rule table).
    Markdown,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any new finding.
    Low,
    /// New medium or high findings.
    Medium,
    /// New high findings.
    High,
    /// Never fail on findings.
    Never,
}

impl FailOn {
    /// Whether the report's new findings reach the threshold.
    pub fn is_reached_by(self, report: &Report) -> bool {
        let threshold = match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Never => return false,
        };
        report
            .findings
            .iter()
            .any(|f| f.status == Status::New && f.severity >= threshold)
    }
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // A wrapper that already prints its source (`invalid configuration:
            // <the config error>`) would otherwise repeat it.
            let mut chain: Vec<String> = Vec::new();
            for cause in error.chain() {
                let text = cause.to_string();
                if !chain
                    .last()
                    .is_some_and(|previous| previous.ends_with(&text))
                {
                    chain.push(text);
                }
            }
            eprintln!("error: {}", chain.join(": "));
            2
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Rules { format } => {
            let out = match format {
                RulesFormat::Text => all_rules()
                    .iter()
                    .map(|rule| {
                        format!(
                            "{:<44} {:<7} {}\n",
                            rule.id().as_str(),
                            rule.default_severity().as_str(),
                            rule.doc().summary
                        )
                    })
                    .collect(),
                RulesFormat::Markdown => rules_table(),
            };
            write_stdout(&out)?;
            Ok(0)
        }
        Command::Gate(args) => gate::run(&args),
        Command::Checklist(args) => checklist::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Suppressions(args) => suppressions::run(&args),
        Command::Explain { rule } => {
            let Some(found) = find_rule(&rule) else {
                bail!("unknown rule `{rule}`: `handoff rules` lists the rule ids");
            };
            write_stdout(&doc_markdown(found))?;
            Ok(0)
        }
        Command::Action { post_from } => action::run(post_from.as_deref()),
    }
}

fn run_scan(args: &ScanArgs) -> Result<i32> {
    if args.all_files {
        return all_files::run(args);
    }
    let (report, config) = scan::scan(&args.revisions.options(args.all))?;
    // Only the JSON contract carries the selected suites; the pre-commit hook
    // (text) does not pay for the gate.
    let suites = match args.format {
        Format::Json => crate::gate::select(&report, &config).suites,
        Format::Text | Format::Sarif | Format::Markdown | Format::Github => Vec::new(),
    };
    let rendered = report::render(&report, args.format, text_style(args), &suites);
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(&rendered)?,
    }
    let reached = args.fail_on.is_reached_by(&report);
    // The process exits next: freeing every file model and the compiled
    // knowledge would cost more than analysing a small change.
    std::mem::forget((report, config, suites));
    Ok(i32::from(reached))
}

fn text_style(args: &ScanArgs) -> TextStyle {
    if args.output.is_none()
        && args.format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
    {
        TextStyle::Color
    } else {
        TextStyle::Plain
    }
}

/// The README's rule table, generated from the rule docs.
pub fn rules_table() -> String {
    let mut out = String::from("| rule | severity | what it flags |\n|---|---|---|\n");
    for rule in all_rules() {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            rule.id(),
            rule.default_severity(),
            rule.doc().summary.replace('|', "\\|")
        ));
    }
    out.push_str("\n`handoff explain <rule-id>` prints a rule's full documentation: what it detects, why it breaks workflows, a bad and a good example, the fix, and the reviewer questions.\n");
    out
}

pub(crate) fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A closed pipe (`handoff rules | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
