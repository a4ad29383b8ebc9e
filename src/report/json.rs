//! `--format json`: the `handoff/v1` contract of DESIGN.md. Fields are only
//! ever added, never renamed.

use crate::gate::SelectedSuite;
use crate::scan::{Finding, Report, Stats};
use serde::Serialize;

/// The schema id of the JSON output.
pub const SCHEMA: &str = "handoff/v1";

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    base: &'a str,
    head: &'a str,
    risk: &'static str,
    findings: &'a [Finding],
    suites: Vec<JsonSuite<'a>>,
    warnings: &'a [String],
    stats: &'a Stats,
}

/// A selected suite as the contract spells it: `name` and `reasons`, with
/// `command` added.
#[derive(Serialize)]
struct JsonSuite<'a> {
    name: &'a str,
    reasons: &'a [String],
    command: Option<&'a str>,
}

/// Serialise a report as pretty JSON (with a trailing newline); `suites` are
/// the gate's selection (`gate::select`).
pub fn to_json(report: &Report, suites: &[SelectedSuite]) -> String {
    let document = JsonReport {
        schema: SCHEMA,
        base: &report.base,
        head: &report.head,
        risk: report.risk_name(),
        findings: &report.findings,
        suites: suites
            .iter()
            .map(|suite| JsonSuite {
                name: &suite.name,
                reasons: &suite.reasons,
                command: suite.command.as_deref(),
            })
            .collect(),
        warnings: &report.warnings,
        stats: &report.stats,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
