//! `--format github`: GitHub Actions workflow commands. Each finding becomes
//! an annotation on its line in the pull request's "Files changed" view;
//! warnings become warning annotations without a file.
//!
//! Values are encoded the way the Actions runner decodes them, so text from
//! the change can never end a command or start another one.

use crate::rules::Severity;
use crate::scan::{Finding, Report, Status};
use std::fmt::Write;

/// GitHub shows at most this many annotations of each level (error, warning,
/// notice) from one step; it drops the others silently.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// GitHub shows at most this many annotations from one job.
pub const ANNOTATIONS_PER_JOB: usize = 50;

/// Findings as annotation commands within GitHub's limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// The commands, one line each.
    pub commands: String,
    /// How many findings were annotated.
    pub shown: usize,
    /// How many were left out by the limits (the summary lists them).
    pub omitted: usize,
}

/// Annotations for `findings`, most severe first (then by path and line), at
/// most [`ANNOTATIONS_PER_LEVEL`] per level and `budget` in all, so that
/// GitHub drops none of them without saying so: the caller reports
/// [`Annotations::omitted`].
pub fn limited_annotations<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    budget: usize,
) -> Annotations {
    let mut ordered: Vec<&Finding> = findings.into_iter().collect();
    ordered.sort_by(|a, b| {
        (b.severity, &a.path, a.line, a.column).cmp(&(a.severity, &b.path, b.line, b.column))
    });
    let mut out = Annotations::default();
    let mut per_level = [0usize; 3];
    for finding in ordered {
        let level = match finding.severity {
            Severity::High => &mut per_level[0],
            Severity::Medium => &mut per_level[1],
            Severity::Low => &mut per_level[2],
        };
        if *level >= ANNOTATIONS_PER_LEVEL || out.shown >= budget {
            out.omitted += 1;
            continue;
        }
        *level += 1;
        out.shown += 1;
        out.commands.push_str(&annotation(finding));
    }
    out
}

/// The sentence that says how many findings are not annotated, if any.
pub fn omitted_note(omitted: usize) -> Option<String> {
    (omitted > 0).then(|| {
        format!(
            "{omitted} more finding{} not shown as annotations: GitHub shows at most {ANNOTATIONS_PER_LEVEL} errors, {ANNOTATIONS_PER_LEVEL} warnings and {ANNOTATIONS_PER_LEVEL} notices per step (the most severe are shown); every finding is in the job summary.",
            if omitted == 1 { " is" } else { "s are" }
        )
    })
}

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

/// The report as workflow commands: one annotation per finding within
/// GitHub's limits (most severe first), the scan's warnings while the
/// warning limit allows, and a plain summary line that counts what was left
/// out.
pub fn to_workflow_commands(report: &Report) -> String {
    let annotations = limited_annotations(&report.findings, ANNOTATIONS_PER_JOB);
    let mut out = annotations.commands;
    let warning_room = ANNOTATIONS_PER_LEVEL.saturating_sub(
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Medium)
            .count(),
    );
    for warning in report.warnings.iter().take(warning_room) {
        let _ = writeln!(out, "::warning title=Handoff::{}", escape_data(warning));
    }
    if let Some(note) = omitted_note(annotations.omitted) {
        let _ = writeln!(out, "Handoff: {note}");
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

    fn finding(severity: Severity, path: &str, line: u32) -> Finding {
        Finding {
            rule: "sequencing/side-effect-in-transaction".to_string(),
            class: crate::rules::Class::Sequencing,
            severity,
            confidence: crate::rules::Confidence::High,
            status: Status::New,
            path: path.to_string(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
            message: "m".to_string(),
            questions: Vec::new(),
            related: Vec::new(),
            fingerprint: format!("{path}:{line}"),
            function: "f".to_string(),
            occurrences: 1,
            source_lines: Vec::new(),
            source_cut: 0,
        }
    }

    fn levels(commands: &str) -> Vec<&str> {
        commands
            .lines()
            .map(|l| l.split_once(' ').map_or(l, |(level, _)| level))
            .collect()
    }

    #[test]
    fn most_severe_first_at_most_ten_per_level() {
        let mut findings = Vec::new();
        for line in 1..=12 {
            findings.push(finding(Severity::Low, "a.js", line));
            findings.push(finding(Severity::Medium, "b.js", line));
            findings.push(finding(Severity::High, "c.js", line));
        }
        let out = limited_annotations(&findings, ANNOTATIONS_PER_JOB);
        assert_eq!(out.shown, 30);
        assert_eq!(out.omitted, 6);
        let levels = levels(&out.commands);
        assert_eq!(levels[..10], ["::error"; 10]);
        assert_eq!(levels[10..20], ["::warning"; 10]);
        assert_eq!(levels[20..], ["::notice"; 10]);
        assert!(out.commands.starts_with("::error file=c.js,line=1,"));
        assert_eq!(
            omitted_note(out.omitted).as_deref(),
            Some(
                "6 more findings are not shown as annotations: GitHub shows at most 10 errors, 10 warnings and 10 notices per step (the most severe are shown); every finding is in the job summary."
            )
        );
        assert_eq!(omitted_note(0), None);
    }

    #[test]
    fn the_job_budget_caps_the_total() {
        let findings: Vec<Finding> = (1..=5)
            .map(|line| finding(Severity::High, "a.js", line))
            .collect();
        let out = limited_annotations(&findings, 3);
        assert_eq!((out.shown, out.omitted), (3, 2));
    }

    #[test]
    fn properties_encode_separators() {
        assert_eq!(escape_property("a,b:c\nd"), "a%2Cb%3Ac%0Ad");
    }
}
