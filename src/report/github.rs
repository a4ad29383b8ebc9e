//! `--format github`: GitHub Actions workflow commands. Each finding becomes
//! an annotation on its line in the pull request's "Files changed" view;
//! warnings become warning annotations without a file.
//!
//! Values are encoded the way the Actions runner decodes them, so text from
//! the change can never end a command or start another one.

use crate::rules::Severity;
use crate::scan::{Finding, Report, Status};
use std::fmt::Write;

/// Encode a command's message (`%`, CR and LF).
pub fn escape_data(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Encode a command property value (also `:` and `,`).
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation level of a severity.
pub fn annotation_level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// One finding as an annotation command (one line, with its new line).
pub fn annotation(finding: &Finding) -> String {
    let mut properties = format!(
        "file={},line={},endLine={}",
        escape_property(&finding.path),
        finding.line.max(1),
        finding.end_line.max(finding.line).max(1)
    );
    // Columns are only valid on a single-line annotation.
    if finding.end_line <= finding.line {
        let _ = write!(
            properties,
            ",col={},endColumn={}",
            finding.column.max(1),
            finding.end_column.max(finding.column).max(1)
        );
    }
    let status = match finding.status {
        Status::New => "",
        Status::Existing => ", existing",
    };
    let _ = write!(
        properties,
        ",title={}",
        escape_property(&format!(
            "Handoff {} ({}{status})",
            finding.rule, finding.severity
        ))
    );
    let mut body = finding.message.clone();
    if !finding.questions.is_empty() {
        body.push_str("\n\nBefore merging, answer:");
        for question in &finding.questions {
            body.push_str("\n- ");
            body.push_str(question);
        }
    }
    format!(
        "::{} {properties}::{}\n",
        annotation_level(finding.severity),
        escape_data(&body)
    )
}

/// The report as workflow commands: one annotation per finding, one
/// warning per scan warning, and a plain summary line.
pub fn to_workflow_commands(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(&annotation(finding));
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "::warning title=Handoff::{}", escape_data(warning));
    }
    let new = report
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .count();
    let _ = writeln!(
        out,
        "Handoff: {new} new finding{}; risk: {}",
        if new == 1 { "" } else { "s" },
        report.risk_name()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_lines_cannot_start_another_command() {
        let encoded = escape_data("msg\n::set-output name=x::y\r\n100%");
        assert_eq!(encoded, "msg%0A::set-output name=x::y%0D%0A100%25");
        assert!(!encoded.contains('\n'));
    }

    #[test]
    fn properties_encode_separators() {
        assert_eq!(escape_property("a,b:c\nd"), "a%2Cb%3Ac%0Ad");
    }
}
