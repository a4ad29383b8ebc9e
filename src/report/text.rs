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
    let mut tally = Tally::default();
    for finding in &report.findings {
        write_finding(&mut out, finding, &paint);
        tally.add(finding);
    }
    write_tail(&mut out, report, &tally, &paint);
    out
}

/// Counts of a report's findings, for its summary line (kept as findings are
/// streamed, see [`super::ReportStream`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tally {
    /// New findings by severity: high, medium, low.
    new: [usize; 3],
    /// Existing findings.
    pub(super) existing: usize,
    /// The highest severity of any finding, new or existing.
    pub(super) worst: Option<Severity>,
}

impl Tally {
    /// Count one finding.
    pub(super) fn add(&mut self, finding: &Finding) {
        match finding.status {
            Status::New => {
                self.new[match finding.severity {
                    Severity::High => 0,
                    Severity::Medium => 1,
                    Severity::Low => 2,
                }] += 1;
            }
            Status::Existing => self.existing += 1,
        }
        self.worst = self.worst.max(Some(finding.severity));
    }

    /// The risk: the highest severity among new findings.
    pub(super) fn risk(&self) -> Option<Severity> {
        [Severity::High, Severity::Medium, Severity::Low]
            .into_iter()
            .zip(self.new)
            .find(|(_, count)| *count > 0)
            .map(|(severity, _)| severity)
    }
}

/// One finding as text.
pub(super) fn finding_text(finding: &Finding, style: TextStyle) -> String {
    let mut out = String::new();
    write_finding(&mut out, finding, &Paint { style });
    out
}

/// The warnings and the summary line.
pub(super) fn tail_text(report: &Report, tally: &Tally, style: TextStyle) -> String {
    let mut out = String::new();
    write_tail(&mut out, report, tally, &Paint { style });
    out
}

fn write_tail(out: &mut String, report: &Report, tally: &Tally, paint: &Paint) {
    for warning in &report.warnings {
        let _ = writeln!(out, "{}: {warning}", paint.wrap("1;33", "warning"));
    }
    let new: usize = tally.new.iter().sum();
    let mut summary = format!(
        "{} new finding{} ({} high, {} medium, {} low)",
        new,
        if new == 1 { "" } else { "s" },
        tally.new[0],
        tally.new[1],
        tally.new[2]
    );
    if tally.existing > 0 {
        let _ = write!(summary, ", {} existing", tally.existing);
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
        tally.risk().map_or("none", Severity::as_str)
    );
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

/// The 0-based character columns to underline on `line` of the span, in
/// the shown window of the line (see [`crate::scan::excerpt`]).
fn underline_range(finding: &Finding, line: u32, source: &str) -> (usize, usize) {
    let length = source.replace('\t', "    ").chars().count();
    // The first line's window may start after the line does, with a mark.
    let shift = |column: u32| -> usize {
        if line == finding.line && finding.source_cut > 0 {
            column.saturating_sub(finding.source_cut) as usize
        } else {
            column.saturating_sub(1) as usize
        }
    };
    let from = if line == finding.line {
        shift(finding.column)
    } else {
        source.chars().take_while(|c| c.is_whitespace()).count()
    };
    let to = if line == finding.end_line {
        shift(finding.end_column).min(length)
    } else {
        length
    };
    (from.min(length), to)
}
