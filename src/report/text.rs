//! `--format text`: rustc-style diagnostics.

use crate::rules::Severity;
use crate::scan::{Finding, Report, Status};
use std::fmt::Write;

/// Whether to use ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    /// Plain text (files, pipes, `NO_COLOR`).
    Plain,
    /// ANSI colours (a terminal).
    Color,
}

struct Paint {
    style: TextStyle,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.style {
            TextStyle::Plain => text.to_string(),
            TextStyle::Color => format!("\x1b[{code}m{text}\x1b[0m"),
        }
    }
    fn severity(&self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
        };
        self.wrap(code, text)
    }
    fn blue(&self, text: &str) -> String {
        self.wrap("1;34", text)
    }
    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
}

/// Render the findings, the warnings and a one-line summary.
pub fn to_text(report: &Report, style: TextStyle) -> String {
    let paint = Paint { style };
    let mut out = String::new();
    for finding in &report.findings {
        write_finding(&mut out, finding, &paint);
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "{}: {warning}", paint.wrap("1;33", "warning"));
    }
    let new = report
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .count();
    let existing = report.findings.len() - new;
    let count = |severity: Severity| {
        report
            .findings
            .iter()
            .filter(|f| f.status == Status::New && f.severity == severity)
            .count()
    };
    let mut summary = format!(
        "{} new finding{} ({} high, {} medium, {} low)",
        new,
        if new == 1 { "" } else { "s" },
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    );
    if existing > 0 {
        let _ = write!(summary, ", {existing} existing");
    }
    let _ = writeln!(
        out,
        "{}; {} changed file{}, {} analysed in {} ms; risk: {}",
        paint.bold(&summary),
        report.stats.files_changed,
        if report.stats.files_changed == 1 {
            ""
        } else {
            "s"
        },
        report.stats.files_analyzed,
        report.stats.elapsed_ms,
        report.risk_name()
    );
    out
}

fn write_finding(out: &mut String, finding: &Finding, paint: &Paint) {
    let status = match finding.status {
        Status::New => "",
        Status::Existing => " (existing)",
    };
    let _ = writeln!(
        out,
        "{}{}: {}",
        paint.severity(
            finding.severity,
            &format!("{}[{}]", finding.severity, finding.rule)
        ),
        status,
        paint.bold(&finding.message)
    );
    let width = finding.end_line.max(finding.line).to_string().len();
    let gutter = " ".repeat(width);
    let _ = writeln!(
        out,
        "{gutter}{} {}:{}:{}",
        paint.blue("-->"),
        finding.path,
        finding.line,
        finding.column
    );
    let _ = writeln!(out, "{gutter} {}", paint.blue("|"));
    for (offset, source) in finding.source_lines.iter().enumerate() {
        let number = finding.line + offset as u32;
        let _ = writeln!(
            out,
            "{} {} {}",
            paint.blue(&format!("{number:>width$}")),
            paint.blue("|"),
            source.replace('\t', "    ")
        );
        let (from, to) = underline_range(finding, number, source);
        if to > from {
            let _ = writeln!(
                out,
                "{gutter} {} {}{}",
                paint.blue("|"),
                " ".repeat(from),
                paint.severity(finding.severity, &"^".repeat(to - from))
            );
        }
    }
    let _ = writeln!(out, "{gutter} {}", paint.blue("|"));
    for related in &finding.related {
        let _ = writeln!(
            out,
            "{gutter} {} note: {} at {}:{}:{}",
            paint.blue("="),
            related.message,
            related.path,
            related.line,
            related.column
        );
    }
    for question in &finding.questions {
        let _ = writeln!(out, "{gutter} {} question: {question}", paint.blue("="));
    }
    out.push('\n');
}

/// The 0-based character columns to underline on `line` of the span.
fn underline_range(finding: &Finding, line: u32, source: &str) -> (usize, usize) {
    let length = source.replace('\t', "    ").chars().count();
    let from = if line == finding.line {
        finding.column.saturating_sub(1) as usize
    } else {
        source.chars().take_while(|c| c.is_whitespace()).count()
    };
    let to = if line == finding.end_line {
        (finding.end_column.saturating_sub(1) as usize).min(length)
    } else {
        length
    };
    (from.min(length), to)
}
