//! One finding per rule and line: generated or minified code can hold
//! thousands of the same risky call on one line, and a report that repeats
//! them says nothing more than one finding with a count. One finding per
//! copy of the same code: a package that ships its source and its builds
//! (`src/mail.ts`, `dist/mail.js`, `dist/mail.cjs`) holds one root cause.

use super::{Finding, RelatedLocation};
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

/// Merge the findings that are the same finding in copies of the same code
/// (one rule and status, the same function, message and flagged source
/// text, in files that are builds of one another, see [`are_copies`]) into
/// one, kept in the file most likely the source (not a build folder's,
/// TypeScript before its JavaScript output); the copies become its related
/// locations.
pub(super) fn collapse_copies(findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if let Some(key) = copy_key(finding) {
            groups.entry(key).or_default().push(index);
        }
    }
    let mut copy_of: HashMap<usize, usize> = HashMap::new();
    for members in groups.values().filter(|members| members.len() > 1) {
        let Some(&kept) = members
            .iter()
            .min_by_key(|&&index| (build_rank(&findings[index].path), index))
        else {
            continue;
        };
        for &index in members {
            if index != kept && are_copies(&findings[index].path, &findings[kept].path) {
                copy_of.insert(index, kept);
            }
        }
    }
    if copy_of.is_empty() {
        return findings;
    }
    let mut related: HashMap<usize, Vec<RelatedLocation>> = HashMap::new();
    for (&copy, &kept) in &copy_of {
        let finding = &findings[copy];
        related.entry(kept).or_default().push(RelatedLocation {
            path: finding.path.clone(),
            line: finding.line,
            column: finding.column,
            message: "the same code, built from the same source: one fix".to_string(),
        });
    }
    findings
        .into_iter()
        .enumerate()
        .filter(|(index, _)| !copy_of.contains_key(index))
        .map(|(index, mut finding)| {
            if let Some(mut copies) = related.remove(&index) {
                copies.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
                finding.related.extend(copies);
            }
            finding
        })
        .collect()
}

/// What copies of one finding share, hashed: its rule and status, its
/// function, its message but for the line numbers it cites, and the first
/// line of the source it flags (a build reformats what follows: trailing
/// commas, quotes). `None` without source text to compare.
pub(super) fn copy_key(finding: &Finding) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let first_line = finding.source_lines.first()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    finding.rule.hash(&mut hasher);
    finding.status.hash(&mut hasher);
    finding.function.hash(&mut hasher);
    without_line_numbers(&finding.message).hash(&mut hasher);
    first_line.trim().hash(&mut hasher);
    Some(hasher.finish())
}

/// Folders that hold what a build made from the source.
const BUILD_FOLDERS: &[&str] = &["dist", "build", "lib", "esm", "cjs", "out", "built"];

/// Whether two files are builds of one another: both in build folders (a
/// bundler's ESM and CommonJS chunks), or one module once the build folders,
/// a `src` folder and the extensions are set aside (`src/mail.ts`,
/// `dist/mail.js`). Code copied by hand between modules is not: each copy
/// is its own fix.
pub(super) fn are_copies(a: &str, b: &str) -> bool {
    a != b && ((in_build_folder(a) && in_build_folder(b)) || module_of(a) == module_of(b))
}

fn in_build_folder(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|segment| BUILD_FOLDERS.contains(&segment))
}

/// A path without build folders, a `src` folder and extensions.
fn module_of(path: &str) -> String {
    let mut segments: Vec<&str> = path
        .split('/')
        .filter(|segment| *segment != "src" && !BUILD_FOLDERS.contains(segment))
        .collect();
    if let Some(file) = segments.last_mut() {
        *file = file.split('.').next().unwrap_or(file);
    }
    segments.join("/")
}

/// How likely a path is a build's output rather than the source: 0 for a
/// TypeScript or non-JavaScript file outside build folders, 1 for
/// JavaScript outside them, 2 inside one.
fn build_rank(path: &str) -> u8 {
    let in_build = in_build_folder(path);
    let javascript = [".js", ".cjs", ".mjs", ".jsx"]
        .iter()
        .any(|extension| path.ends_with(extension));
    if in_build { 2 } else { u8::from(javascript) }
}

/// A message without the line numbers it cites (`(line 58)`): copies of
/// one function sit at different lines.
fn without_line_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("(line ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "(line ".len()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            out.push_str("(line)");
            rest = &after[digits + 1..];
        } else {
            out.push_str("(line ");
            rest = after;
        }
    }
    out.push_str(rest);
    out
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

    fn in_file(path: &str, line: u32, message: &str, source: &str) -> Finding {
        let mut f = finding(line, 1, "rejection/unchecked-response");
        f.path = path.to_string();
        f.message = message.to_string();
        f.source_lines = vec![format!("  {source}")];
        f
    }

    #[test]
    fn copies_of_one_function_in_a_build_become_one_finding_at_the_source() {
        let call = "const res = await fetch(url, { method: 'POST' });";
        let findings = vec![
            in_file("dist/mail.cjs", 40, "`fetch` in `send` (line 58)", call),
            in_file("dist/mail.js", 41, "`fetch` in `send` (line 60)", call),
            in_file("src/mail.ts", 30, "`fetch` in `send` (line 50)", call),
            // Another call, and the same code copied into another module by
            // hand: each its own finding.
            in_file(
                "src/other.ts",
                3,
                "`fetch` in `send` (line 50)",
                "fetch(other)",
            ),
            in_file(
                "src/billing/mail.ts",
                30,
                "`fetch` in `send` (line 50)",
                call,
            ),
        ];
        let collapsed = collapse_copies(findings);
        let kept: Vec<(&str, usize)> = collapsed
            .iter()
            .map(|f| (f.path.as_str(), f.related.len()))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("src/mail.ts", 2),
                ("src/other.ts", 0),
                ("src/billing/mail.ts", 0)
            ]
        );
        assert_eq!(collapsed[0].related[0].path, "dist/mail.cjs");
        assert_eq!(collapsed[0].related[1].line, 41);
    }

    #[test]
    fn two_calls_in_one_file_are_not_copies() {
        let call = "await fetch(url, { method: 'POST' });";
        let findings = vec![
            in_file("src/a.ts", 1, "m", call),
            in_file("src/a.ts", 9, "m", call),
        ];
        assert_eq!(collapse_copies(findings).len(), 2);
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
