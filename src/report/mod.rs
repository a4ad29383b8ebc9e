//! Reporters: turn a [`Report`] into text, JSON, SARIF, Markdown and GitHub
//! workflow commands. They know nothing of how a finding was found.

pub mod github;
mod json;
pub mod markdown;
pub mod safe_html;
pub mod safe_markdown;
pub mod safe_mermaid;
pub mod sarif;
mod stream;
mod text;

pub use json::{SCHEMA, to_json};
pub use stream::ReportStream;
pub use text::{TextStyle, to_text};

use crate::gate::SelectedSuite;
use crate::scan::Report;

/// The output formats of `handoff scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style text for terminals.
    Text,
    /// The `handoff/v1` JSON contract.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// A Markdown summary (what the GitHub Action writes to the step summary).
    Markdown,
    /// GitHub Actions workflow commands (annotations on the changed lines).
    Github,
}

/// Render a report in a format; `suites` are the gate's selection.
pub fn render(
    report: &Report,
    format: Format,
    style: TextStyle,
    suites: &[SelectedSuite],
) -> String {
    match format {
        Format::Text => to_text(report, style),
        Format::Json => to_json(report, suites),
        Format::Sarif => sarif::to_sarif(report),
        Format::Markdown => markdown::to_markdown(report),
        Format::Github => github::to_workflow_commands(report),
    }
}
