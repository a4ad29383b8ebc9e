//! `--format json`: the `handoff/v1` contract of DESIGN.md. Fields are only
//! ever added, never renamed.

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
    suites: Vec<JsonSuite>,
    warnings: &'a [String],
    stats: &'a Stats,
}

#[derive(Serialize)]
struct JsonSuite {
    name: String,
    reasons: Vec<String>,
}

/// Serialise a report as pretty JSON (with a trailing newline).
pub fn to_json(report: &Report) -> String {
    let document = JsonReport {
        schema: SCHEMA,
        base: &report.base,
        head: &report.head,
        risk: report.risk_name(),
        findings: &report.findings,
        suites: Vec::new(),
        warnings: &report.warnings,
        stats: &report.stats,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
