//! One finding per rule and line: generated or minified code can hold
//! thousands of the same risky call on one line, and a report that repeats
//! them says nothing more than one finding with a count.

use super::Finding;
use std::collections::HashMap;

/// Merge the findings of one rule and status on one line of one file into
/// the first of them (in the given order), which keeps its fingerprint and
/// counts the others in `occurrences`; its message says so.
pub(super) fn collapse_per_line(findings: Vec<Finding>) -> Vec<Finding> {
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut first: HashMap<(String, u32, String, super::Status), usize> = HashMap::new();
    for finding in findings {
        let key = (
            finding.path.clone(),
            finding.line,
            finding.rule.clone(),
            finding.status,
        );
        match first.get(&key) {
            Some(&index) => kept[index].occurrences += finding.occurrences,
            None => {
                first.insert(key, kept.len());
                kept.push(finding);
            }
        }
    }
    for finding in kept.iter_mut().filter(|f| f.occurrences > 1) {
        finding.message = format!(
            "{} ({} findings of this rule on this line, shown once)",
            finding.message, finding.occurrences
        );
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Class, Confidence, Severity};
    use crate::scan::Status;

    fn finding(line: u32, column: u32, rule: &str) -> Finding {
        Finding {
            rule: rule.to_string(),
            class: Class::Sequencing,
            severity: Severity::High,
            confidence: Confidence::High,
            status: Status::New,
            path: "dist/app.js".to_string(),
            line,
            column,
            end_line: line,
            end_column: column + 5,
            message: "`bus.publish` inside the transaction".to_string(),
            questions: Vec::new(),
            related: Vec::new(),
            fingerprint: format!("{rule}{line}{column}"),
            function: "f".to_string(),
            occurrences: 1,
            source_lines: Vec::new(),
            source_cut: 0,
        }
    }

    #[test]
    fn findings_of_one_rule_on_one_line_become_one_with_a_count() {
        let findings = vec![
            finding(1, 10, "sequencing/a"),
            finding(1, 20, "sequencing/b"),
            finding(1, 30, "sequencing/a"),
            finding(1, 40, "sequencing/a"),
            finding(2, 10, "sequencing/a"),
        ];
        let collapsed = collapse_per_line(findings);
        let shape: Vec<(u32, u32, &str, u32)> = collapsed
            .iter()
            .map(|f| (f.line, f.column, f.rule.as_str(), f.occurrences))
            .collect();
        assert_eq!(
            shape,
            [
                (1, 10, "sequencing/a", 3),
                (1, 20, "sequencing/b", 1),
                (2, 10, "sequencing/a", 1)
            ]
        );
        assert_eq!(collapsed[0].fingerprint, "sequencing/a110");
        assert!(
            collapsed[0]
                .message
                .ends_with("(3 findings of this rule on this line, shown once)")
        );
        assert_eq!(collapsed[1].message, "`bus.publish` inside the transaction");
    }

    #[test]
    fn new_and_existing_findings_stay_apart() {
        let mut existing = finding(1, 30, "sequencing/a");
        existing.status = Status::Existing;
        let collapsed = collapse_per_line(vec![finding(1, 10, "sequencing/a"), existing]);
        assert_eq!(collapsed.len(), 2);
    }
}
