//! Reporters: turn a [`Report`] into text, JSON and the other formats.
//! They know nothing of how a finding was found.

mod json;
mod text;

pub use json::{SCHEMA, to_json};
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
    }
}
