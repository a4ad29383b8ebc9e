//! `handoff-ignore[<rule-id>]: <reason>` comments.

use crate::model::Comment;
use crate::rules::find_rule;
use regex::Regex;
use std::sync::LazyLock;

static SUPPRESSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"handoff-ignore\[([^\]]*)\](:?)\s*(.*)")
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// A suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule ids it names.
    pub rules: Vec<String>,
    /// The line the comment is on (it covers that line and the next).
    pub line: u32,
    /// The reason given, empty if none.
    pub reason: String,
}

impl Suppression {
    /// Whether it suppresses `rule` for a finding starting on `line`.
    pub fn covers(&self, rule: &str, line: u32) -> bool {
        (line == self.line || line == self.line + 1) && self.rules.iter().any(|r| r == rule)
    }
}

impl Suppression {
    /// What is wrong with the comment, one line each (without the place):
    /// unknown rule ids, a missing reason.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .rules
            .iter()
            .filter(|rule| find_rule(rule).is_none())
            .map(|rule| {
                format!("handoff-ignore names unknown rule `{rule}`; `handoff rules` lists the ids")
            })
            .collect();
        if self.reason.is_empty() {
            problems.push(format!(
                "handoff-ignore without a reason; write `handoff-ignore[{}]: <why this is safe>`",
                self.rules.join(",")
            ));
        }
        problems
    }
}

/// Read the suppressions of a file; problems go to `warnings` as
/// `path:line: ...` lines.
pub fn suppressions(
    path: &str,
    comments: &[Comment],
    warnings: &mut Vec<String>,
) -> Vec<Suppression> {
    let mut found = Vec::new();
    for comment in comments {
        let Some(captures) = SUPPRESSION.captures(&comment.text) else {
            continue;
        };
        let rules: Vec<String> = captures[1]
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        let reason = if &captures[2] == ":" {
            captures[3].trim().to_string()
        } else {
            String::new()
        };
        let suppression = Suppression {
            rules,
            line: comment.span.start_line,
            reason,
        };
        for problem in suppression.problems() {
            warnings.push(format!("{path}:{}: {problem}", suppression.line));
        }
        found.push(suppression);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn comment(text: &str, line: u32) -> Comment {
        Comment {
            text: text.to_string(),
            span: Span {
                start_line: line,
                end_line: line,
                ..Span::default()
            },
        }
    }

    #[test]
    fn suppression_covers_its_line_and_the_next() {
        let mut warnings = Vec::new();
        let found = suppressions(
            "a.js",
            &[comment(
                "handoff-ignore[sequencing/side-effect-in-transaction]: consumer re-reads after commit",
                4,
            )],
            &mut warnings,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(found[0].covers("sequencing/side-effect-in-transaction", 4));
        assert!(found[0].covers("sequencing/side-effect-in-transaction", 5));
        assert!(!found[0].covers("sequencing/side-effect-in-transaction", 6));
    }

    #[test]
    fn missing_reason_and_unknown_rule_warn() {
        let mut warnings = Vec::new();
        suppressions(
            "a.py",
            &[comment("handoff-ignore[sequencing/nope]", 2)],
            &mut warnings,
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("unknown rule `sequencing/nope`"));
        assert!(warnings[1].starts_with("a.py:2: handoff-ignore without a reason"));
    }
}
