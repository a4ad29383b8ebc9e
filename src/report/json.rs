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

/// `value` as pretty JSON nested `depth` levels deep (two spaces per level):
/// how [`to_json`] lays it out inside the document.
fn nested<T: Serialize + ?Sized>(value: &T, depth: usize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("\"{e}\""));
    // JSON strings never contain a raw newline: every one is layout.
    text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
}

/// The opening of a streamed JSON report, up to its findings array (see
/// [`super::ReportStream`]). The fields that are only known at the end (risk,
/// warnings, counters) follow the findings: the same document as [`to_json`]
/// with its keys in another order.
pub(super) fn stream_head(base: &str, head: &str) -> String {
    format!(
        "{{\n  \"schema\": {},\n  \"base\": {},\n  \"head\": {},\n  \"findings\": [",
        nested(SCHEMA, 1),
        nested(base, 1),
        nested(head, 1)
    )
}

/// One finding of a streamed JSON report; `first` for the first one.
pub(super) fn stream_finding(finding: &Finding, first: bool) -> String {
    format!(
        "{}\n    {}",
        if first { "" } else { "," },
        nested(finding, 2)
    )
}

/// The end of a streamed JSON report, after `any` findings.
pub(super) fn stream_tail(report: &Report, risk: &str, any: bool) -> String {
    format!(
        "{}],\n  \"risk\": {},\n  \"suites\": [],\n  \"warnings\": {},\n  \"stats\": {}\n}}\n",
        if any { "\n  " } else { "" },
        nested(risk, 1),
        nested(&report.warnings, 1),
        nested(&report.stats, 1)
    )
}
