//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers.
//!
//! Every rule is described in `tool.driver.rules` with its documentation as
//! `help.markdown` (the same text as `handoff explain`). Results carry our
//! line-independent fingerprint as a partial fingerprint, and
//! `baselineState` says whether the change introduced them.

use crate::rules::{Confidence, Severity, all_rules, doc_markdown};
use crate::scan::{Finding, Report, Status};
use serde_json::{Value, json};

/// The schema URI written into the log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "handoffFingerprint/v1";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning's `problem.severity` for non-security rules.
fn problem_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "recommendation",
    }
}

fn rules() -> Vec<Value> {
    all_rules()
        .iter()
        .map(|rule| {
            let doc = rule.doc();
            let id = rule.id().as_str();
            let name: String = id
                .rsplit('/')
                .next()
                .unwrap_or(id)
                .split('-')
                .map(|word| {
                    let mut chars = word.chars();
                    chars
                        .next()
                        .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                        .unwrap_or_default()
                })
                .collect();
            json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": doc.summary },
                "fullDescription": { "text": doc.detects },
                "help": {
                    "text": format!("{}\n\n{}", doc.why, doc.fix),
                    "markdown": doc_markdown(*rule),
                },
                "defaultConfiguration": { "level": level(rule.default_severity()) },
                "properties": {
                    "tags": ["workflow-boundary", rule.class().as_str()],
                    "precision": "medium",
                    "problem.severity": problem_severity(rule.default_severity()),
                },
            })
        })
        .collect()
}

/// A repository path as a relative URI reference (RFC 3986): every byte
/// but unreserved characters and `/` percent-encoded, so consumers decode
/// the same path (spaces, `%`, `#`, `?`, new lines).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn physical(path: &str, region: Value) -> Value {
    json!({
        "artifactLocation": { "uri": uri(path), "uriBaseId": "%SRCROOT%" },
        "region": region,
    })
}

/// SARIF `rank` (0.0–100.0, how likely the result is a true problem) for a
/// confidence.
fn rank(confidence: Confidence) -> f64 {
    match confidence {
        Confidence::High => 90.0,
        Confidence::Medium => 60.0,
        Confidence::Low => 30.0,
    }
}

/// The `precision` property code-scanning tools read (`high`, `medium`,
/// `low`; SARIF's `very-high` is not claimed).
fn precision(confidence: Confidence) -> &'static str {
    confidence.as_str()
}

fn result(finding: &Finding, rule_index: Option<usize>) -> Value {
    let mut text = finding.message.clone();
    if !finding.questions.is_empty() {
        text.push_str("\n\nBefore merging, answer:");
        for question in &finding.questions {
            text.push_str("\n- ");
            text.push_str(question);
        }
    }
    let mut region = json!({
        "startLine": finding.line.max(1),
        "startColumn": finding.column.max(1),
        "endLine": finding.end_line.max(finding.line).max(1),
        "endColumn": finding.end_column.max(1),
    });
    if !finding.source_lines.is_empty() {
        region["snippet"] = json!({ "text": finding.source_lines.join("\n") });
    }
    let related: Vec<Value> = finding
        .related
        .iter()
        .enumerate()
        .map(|(index, related)| {
            json!({
                "id": index + 1,
                "physicalLocation": physical(&related.path, json!({
                    "startLine": related.line.max(1),
                    "startColumn": related.column.max(1),
                })),
                "message": { "text": related.message },
            })
        })
        .collect();
    let mut value = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical(&finding.path, region) }],
        "partialFingerprints": { FINGERPRINT_KEY: finding.fingerprint },
        "baselineState": match finding.status {
            Status::New => "new",
            Status::Existing => "unchanged",
        },
        "rank": rank(finding.confidence),
        "properties": {
            "severity": finding.severity.as_str(),
            "confidence": finding.confidence.as_str(),
            "precision": precision(finding.confidence),
            "class": finding.class.as_str(),
            "function": finding.function,
            "questions": finding.questions,
        },
    });
    if let Some(index) = rule_index {
        value["ruleIndex"] = json!(index);
    }
    if !related.is_empty() {
        value["relatedLocations"] = Value::Array(related);
    }
    value
}

/// The report as a SARIF 2.1.0 log (pretty JSON with a trailing newline).
pub fn to_sarif(report: &Report) -> String {
    let rule_ids: Vec<&str> = all_rules().iter().map(|r| r.id().as_str()).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rule_ids.iter().position(|id| *id == f.rule)))
        .collect();
    let notifications: Vec<Value> = report
        .warnings
        .iter()
        .map(|w| json!({ "level": "warning", "message": { "text": w } }))
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "Handoff",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules(),
                },
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "base": report.base,
                "head": report.head,
                "risk": report.risk_name(),
            },
        }],
    });
    let mut text =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_percent_encoded() {
        assert_eq!(uri("src/checkout.js"), "src/checkout.js");
        assert_eq!(
            uri("src/my file%20#1?.js\nx/é.js"),
            "src/my%20file%2520%231%3F.js%0Ax/%C3%A9.js"
        );
    }
}
