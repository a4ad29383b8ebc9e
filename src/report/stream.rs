//! Streaming output for reports whose findings arrive one at a time
//! (`handoff scan --all-files`): a whole-repository audit can report
//! thousands of findings, and holding them all, rendered, doubles the memory
//! a scan needs.

use super::json::{stream_finding, stream_head, stream_tail};
use super::text::{Tally, finding_text, tail_text};
use super::{Format, TextStyle, render};
use crate::rules::Severity;
use crate::scan::{Finding, Report};
use std::io::{self, Write};

/// Writes a report as its findings arrive, in report order.
///
/// Text and JSON are written as they come (JSON puts `risk`, `warnings` and
/// `stats`, known only at the end, after the findings: the same document as
/// [`super::to_json`] without selected suites, keys in another order). Other
/// formats are collected and rendered by [`ReportStream::finish`].
pub struct ReportStream<W: Write> {
    out: W,
    format: Format,
    style: TextStyle,
    base: String,
    head: String,
    tally: Tally,
    /// Findings of a format that is rendered whole.
    collected: Vec<Finding>,
    started: bool,
    /// The first write error; nothing more is written after it.
    error: Option<io::Error>,
}

impl<W: Write> ReportStream<W> {
    /// A stream of the report of `base`..`head` in `format`; nothing is
    /// written until the first finding or [`ReportStream::finish`].
    pub fn new(out: W, format: Format, style: TextStyle, base: &str, head: &str) -> Self {
        ReportStream {
            out,
            format,
            style,
            base: base.to_string(),
            head: head.to_string(),
            tally: Tally::default(),
            collected: Vec::new(),
            started: false,
            error: None,
        }
    }

    fn streams(&self) -> bool {
        matches!(self.format, Format::Text | Format::Json)
    }

    /// Write (or, for a format rendered whole, keep) the next finding.
    pub fn finding(&mut self, finding: Finding) {
        self.tally.add(&finding);
        if !self.streams() {
            self.collected.push(finding);
            return;
        }
        let mut text = String::new();
        if self.format == Format::Json {
            if !self.started {
                text.push_str(&stream_head(&self.base, &self.head));
            }
            text.push_str(&stream_finding(&finding, !self.started));
        } else {
            text.push_str(&finding_text(&finding, self.style));
        }
        self.started = true;
        self.write(text.as_bytes());
    }

    /// The highest severity of the findings so far, new or existing.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.tally.worst
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(error) = self.out.write_all(bytes)
        {
            self.error = Some(error);
        }
    }

    /// Write the rest of the report: its warnings and counters (`report`'s own
    /// findings are ignored: they are the ones streamed), then flush.
    ///
    /// # Errors
    /// The first error writing to the output.
    pub fn finish(mut self, mut report: Report) -> io::Result<()> {
        let text = if !self.streams() {
            report.findings = std::mem::take(&mut self.collected);
            render(&report, self.format, self.style, &[])
        } else if self.format == Format::Json {
            let risk = self.tally.risk().map_or("none", Severity::as_str);
            let head = if self.started {
                String::new()
            } else {
                stream_head(&self.base, &self.head)
            };
            head + &stream_tail(&report, risk, self.started)
        } else {
            tail_text(&report, &self.tally, self.style)
        };
        self.write(text.as_bytes());
        if self.error.is_none()
            && let Err(error) = self.out.flush()
        {
            self.error = Some(error);
        }
        self.error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Class;
    use crate::scan::{RelatedLocation, Stats, Status};

    fn finding(path: &str, line: u32) -> Finding {
        Finding {
            rule: "sequencing/side-effect-in-transaction".to_string(),
            class: Class::Sequencing,
            severity: Severity::High,
            confidence: crate::rules::Confidence::High,
            status: Status::Existing,
            path: path.to_string(),
            line,
            column: 5,
            end_line: line,
            end_column: 30,
            message: "`eventBus.publish` sends \"order.created\"\nbefore commit".to_string(),
            questions: vec!["Which downstream systems act on it?".to_string()],
            related: vec![RelatedLocation {
                path: path.to_string(),
                line: 1,
                column: 1,
                message: "transaction opened here".to_string(),
            }],
            fingerprint: "ab12".to_string(),
            function: "checkout".to_string(),
            occurrences: 1,
            source_lines: vec!["    await eventBus.publish('order.created', {});".to_string()],
            source_cut: 0,
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            base: "a".repeat(40),
            head: "WORKTREE".to_string(),
            findings,
            warnings: vec!["src/x.ts: 1 syntax error — analysed what parsed".to_string()],
            stats: Stats {
                files_analyzed: 3,
                files_parsed: Some(2),
                ..Stats::default()
            },
            files: Vec::new(),
            changed_paths: Vec::new(),
        }
    }

    fn streamed(findings: &[Finding], format: Format) -> String {
        let mut out = Vec::new();
        let whole = report(Vec::new());
        let mut stream =
            ReportStream::new(&mut out, format, TextStyle::Plain, &whole.base, &whole.head);
        for finding in findings {
            stream.finding(finding.clone());
        }
        stream.finish(whole).expect("writes to a vector");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn streamed_json_is_the_same_document_as_the_rendered_one() {
        for findings in [vec![], vec![finding("a.ts", 3), finding("b.ts", 7)]] {
            let text = streamed(&findings, Format::Json);
            let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            let expected: serde_json::Value =
                serde_json::from_str(&super::super::to_json(&report(findings), &[]))
                    .expect("valid JSON");
            assert_eq!(parsed, expected);
        }
    }

    #[test]
    fn streamed_text_is_the_rendered_text() {
        let findings = vec![finding("a.ts", 3), finding("b.ts", 7)];
        assert_eq!(
            streamed(&findings, Format::Text),
            super::super::to_text(&report(findings), TextStyle::Plain)
        );
    }

    #[test]
    fn worst_severity_counts_existing_findings() {
        let mut out = Vec::new();
        let mut stream = ReportStream::new(&mut out, Format::Json, TextStyle::Plain, "a", "b");
        assert_eq!(stream.worst_severity(), None);
        stream.finding(finding("a.ts", 1));
        assert_eq!(stream.worst_severity(), Some(Severity::High));
    }
}
