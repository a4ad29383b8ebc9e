//! Inline review comments: one review per run with a comment on the new side
//! of each changed line that carries a new finding; a finding already
//! commented on (same fingerprint) is not posted again, and a comment whose
//! finding is gone is edited to say it is resolved.

use super::marker::{FindingMarker, finding_marker, parse_finding_marker, written_by};
use super::{Client, GitHubError, Repository};
use crate::report::markdown::{
    ResolvedLine, SourceLinks, severity_badge, write_questions, write_related,
};
use crate::report::safe_markdown::{code_span, message};
use crate::rules::Confidence;
use crate::scan::{Finding, Report, Status};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::fmt::Write;

/// Lines of context GitHub shows around each change: review comments may
/// sit on them too.
pub const CONTEXT_LINES: u32 = 3;

/// At most this many inline comments per run; the rest go to the summary.
pub const MAX_INLINE_COMMENTS: usize = 30;

/// One of Handoff's earlier inline comments on the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingComment {
    /// The review comment's id.
    pub id: u64,
    /// Its marker.
    pub marker: FindingMarker,
    /// The file it is on.
    pub path: String,
    /// Its body.
    pub body: String,
}

/// A comment to post in this run's review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineComment {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The file.
    pub path: String,
    /// The first line of a multi-line comment.
    pub start_line: Option<u32>,
    /// The (last) line, on the new side.
    pub line: u32,
    /// The Markdown body, ending with the hidden marker.
    pub body: String,
}

/// What this run does with inline comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewPlan {
    /// New comments to post (in one review).
    pub post: Vec<InlineComment>,
    /// Fingerprints of findings that already carry an unresolved comment.
    pub already_commented: HashSet<String>,
    /// Earlier comments whose finding is gone: mark them resolved.
    pub resolve: Vec<ExistingComment>,
    /// Earlier comments already marked resolved whose finding is still gone.
    pub previously_resolved: Vec<ExistingComment>,
}

impl ReviewPlan {
    /// Every fixed finding, for the summary.
    pub fn resolved_lines(&self) -> Vec<ResolvedLine> {
        let mut seen = HashSet::new();
        self.resolve
            .iter()
            .chain(&self.previously_resolved)
            .filter(|c| seen.insert(c.marker.fingerprint.clone()))
            .map(|c| ResolvedLine {
                rule: c.marker.rule.clone(),
                path: c.path.clone(),
            })
            .collect()
    }
}

/// Handoff's comments among a pull request's review comments (the items of
/// `GET /repos/{owner}/{repo}/pulls/{n}/comments`): those written by
/// `own` (Handoff's login); replies and markers planted by anyone else are
/// skipped.
pub fn existing_comments(items: &[Value], own: &str) -> Vec<ExistingComment> {
    items
        .iter()
        .filter(|item| item["in_reply_to_id"].is_null() && written_by(item, own))
        .filter_map(|item| {
            let body = item["body"].as_str()?;
            Some(ExistingComment {
                id: item["id"].as_u64()?,
                marker: parse_finding_marker(body)?,
                path: item["path"].as_str().unwrap_or_default().to_string(),
                body: body.to_string(),
            })
        })
        .collect()
}

/// Where on the new side a finding can carry a review comment: GitHub only
/// accepts lines inside the diff's hunks (changed lines and their context).
/// `None` when the finding lies outside them.
pub fn comment_position(report: &Report, finding: &Finding) -> Option<(Option<u32>, u32)> {
    let file = report
        .files
        .iter()
        .find(|f| f.path == finding.path && f.change.head_text.is_some())?;
    let line_count = file
        .change
        .head_text
        .as_deref()
        .map_or(0, |t| t.lines().count()) as u32;
    let hunks: Vec<(u32, u32)> = file
        .change
        .changed_lines
        .iter()
        .map(|range| {
            (
                range.first.saturating_sub(CONTEXT_LINES).max(1),
                (range.last + CONTEXT_LINES).min(line_count.max(range.last)),
            )
        })
        .collect();
    let inside = |line: u32| {
        hunks
            .iter()
            .any(|&(first, last)| first <= line && line <= last)
    };
    let (line, end) = (finding.line, finding.end_line.max(finding.line));
    if end > line
        && hunks
            .iter()
            .any(|&(first, last)| first <= line && end <= last)
    {
        return Some((Some(line), end));
    }
    if inside(line) {
        return Some((None, line));
    }
    (line..=end).find(|&l| inside(l)).map(|l| (None, l))
}

/// The Markdown of an inline comment on a finding.
pub fn comment_body(finding: &Finding, links: Option<&SourceLinks>) -> String {
    let mut out = format!(
        "**{} · {}** — Handoff\n\n{}\n\n",
        severity_badge(finding.severity),
        code_span(&finding.rule),
        message(&finding.message)
    );
    write_related(&mut out, finding, links);
    write_questions(&mut out, &finding.questions);
    let _ = writeln!(
        out,
        "<sub>{} shows the rule's examples and fix. If this is intended, say why in a {} comment on the line.</sub>\n",
        code_span(&format!("handoff explain {}", finding.rule)),
        code_span(&format!("handoff-ignore[{}]: <reason>", finding.rule))
    );
    out.push_str(&finding_marker(&finding.fingerprint, &finding.rule, false));
    out.push('\n');
    out
}

/// The body of a comment whose finding is fixed: a note on top, the
/// original folded below.
pub fn resolved_body(comment: &ExistingComment, head: &str) -> String {
    let original = match comment.body.rfind("<!-- handoff:finding ") {
        Some(at) => comment.body[..at].trim_end(),
        None => comment.body.trim_end(),
    };
    let short: String = head.chars().take(7).collect();
    format!(
        "✅ **Resolved** — Handoff no longer finds this at {}.\n\n<details><summary>Original comment</summary>\n\n{original}\n\n</details>\n\n{}\n",
        code_span(&short),
        finding_marker(&comment.marker.fingerprint, &comment.marker.rule, true)
    )
}

/// Decide what to post and what to resolve. New findings at or above the
/// `inline` confidence are posted inline; with `None` (the `summary` comment
/// mode) nothing new is. The others are left to the summary comment.
pub fn plan_review(
    report: &Report,
    existing: &[ExistingComment],
    inline: Option<Confidence>,
    links: Option<&SourceLinks>,
) -> ReviewPlan {
    let current: HashSet<&str> = report
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let active: HashSet<&str> = existing
        .iter()
        .filter(|c| !c.marker.resolved)
        .map(|c| c.marker.fingerprint.as_str())
        .collect();
    let mut plan = ReviewPlan::default();
    for finding in report.findings.iter().filter(|f| f.status == Status::New) {
        if active.contains(finding.fingerprint.as_str()) {
            plan.already_commented.insert(finding.fingerprint.clone());
            continue;
        }
        if inline.is_none_or(|min| finding.confidence < min)
            || plan.post.len() >= MAX_INLINE_COMMENTS
            || plan
                .post
                .iter()
                .any(|c| c.fingerprint == finding.fingerprint)
        {
            continue;
        }
        if let Some((start_line, line)) = comment_position(report, finding) {
            plan.post.push(InlineComment {
                fingerprint: finding.fingerprint.clone(),
                path: finding.path.clone(),
                start_line,
                line,
                body: comment_body(finding, links),
            });
        }
    }
    for comment in existing {
        if current.contains(comment.marker.fingerprint.as_str()) {
            continue;
        }
        if comment.marker.resolved {
            plan.previously_resolved.push(comment.clone());
        } else {
            plan.resolve.push(comment.clone());
        }
    }
    plan
}

fn review_comment_json(comment: &InlineComment) -> Value {
    let mut value = json!({
        "path": comment.path,
        "line": comment.line,
        "side": "RIGHT",
        "body": comment.body,
    });
    if let Some(start) = comment.start_line {
        value["start_line"] = json!(start);
        value["start_side"] = json!("RIGHT");
    }
    value
}

/// Post one review holding `comments`, on the head commit. If a failed
/// attempt did land (GitHub answered 5xx after creating it), the retry
/// notices the comments and does not post them twice.
pub async fn post_review(
    client: &Client,
    own: &str,
    repository: &Repository,
    number: u64,
    head: &str,
    comments: &[InlineComment],
) -> Result<Value, GitHubError> {
    let path = format!("{}/pulls/{number}/reviews", repository.api_path());
    let count = comments.len();
    let body = json!({
        "commit_id": head,
        "event": "COMMENT",
        "body": format!(
            "Handoff found {count} new workflow-boundary risk{} on changed lines. The summary comment lists every finding, the suites to run and the reviewer checklist.",
            if count == 1 { "" } else { "s" }
        ),
        "comments": comments.iter().map(review_comment_json).collect::<Vec<_>>(),
    });
    let wanted: HashSet<&str> = comments.iter().map(|c| c.fingerprint.as_str()).collect();
    let list_path = format!("{}/pulls/{number}/comments", repository.api_path());
    client
        .create(&path, &body, || async {
            let items = client.get_all(&list_path).await?;
            let landed = existing_comments(&items, own)
                .iter()
                .any(|c| wanted.contains(c.marker.fingerprint.as_str()));
            Ok(landed.then(|| json!({ "recovered": true })))
        })
        .await
}

/// Edit the comments of fixed findings to say so.
pub async fn resolve_comments(
    client: &Client,
    repository: &Repository,
    comments: &[ExistingComment],
    head: &str,
) -> Result<(), GitHubError> {
    for comment in comments {
        let path = format!("{}/pulls/comments/{}", repository.api_path(), comment.id);
        client
            .patch(&path, &json!({ "body": resolved_body(comment, head) }))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ChangedFile, FileStatus, LineRange};
    use crate::model::Language;
    use crate::rules::{Class, Severity};
    use crate::scan::{AnalyzedFile, Stats};

    fn finding(line: u32, end_line: u32, fingerprint: &str) -> Finding {
        Finding {
            rule: "sequencing/side-effect-in-transaction".to_string(),
            class: Class::Sequencing,
            severity: Severity::High,
            confidence: Confidence::High,
            status: Status::New,
            path: "src/a.js".to_string(),
            line,
            column: 1,
            end_line,
            end_column: 10,
            message: "publishes `order.created` <b>inside</b> a transaction".to_string(),
            questions: vec!["What if @octocat retries?".to_string()],
            related: Vec::new(),
            fingerprint: fingerprint.to_string(),
            function: "f".to_string(),
            occurrences: 1,
            source_lines: Vec::new(),
            source_cut: 0,
        }
    }

    fn report(findings: Vec<Finding>, changed: Vec<LineRange>) -> Report {
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        Report {
            base: "a".repeat(40),
            head: "b".repeat(40),
            findings,
            warnings: Vec::new(),
            stats: Stats::default(),
            files: vec![AnalyzedFile {
                path: "src/a.js".to_string(),
                language: Language::JavaScript,
                change: ChangedFile {
                    path: "src/a.js".to_string(),
                    old_path: None,
                    status: FileStatus::Modified,
                    base_text: Some(text.clone()),
                    head_text: Some(text),
                    changed_lines: changed,
                    base_changed_lines: Vec::new(),
                    removed_after: Vec::new(),
                },
                head: None,
                base: None,
                head_helpers: Vec::new(),
                base_helpers: Vec::new(),
            }],
            changed_paths: vec!["src/a.js".to_string()],
        }
    }

    fn existing(id: u64, fingerprint: &str, resolved: bool) -> ExistingComment {
        ExistingComment {
            id,
            marker: FindingMarker {
                fingerprint: fingerprint.to_string(),
                rule: "sequencing/side-effect-in-transaction".to_string(),
                resolved,
            },
            path: "src/a.js".to_string(),
            body: format!(
                "old\n{}",
                finding_marker(
                    fingerprint,
                    "sequencing/side-effect-in-transaction",
                    resolved
                )
            ),
        }
    }

    #[test]
    fn finding_on_a_changed_line_is_commented_inline() {
        let report = report(
            vec![finding(10, 10, "aa")],
            vec![LineRange {
                first: 10,
                last: 10,
            }],
        );
        let plan = plan_review(&report, &[], Some(Confidence::High), None);
        assert_eq!(plan.post.len(), 1);
        assert_eq!((plan.post[0].start_line, plan.post[0].line), (None, 10));
        assert!(plan.post[0].body.ends_with(
            "<!-- handoff:finding fingerprint=aa rule=sequencing/side-effect-in-transaction -->\n"
        ));
    }

    #[test]
    fn multi_line_finding_inside_one_hunk_spans_its_lines() {
        let report = report(
            vec![finding(10, 12, "aa")],
            vec![LineRange {
                first: 11,
                last: 11,
            }],
        );
        let plan = plan_review(&report, &[], Some(Confidence::High), None);
        assert_eq!((plan.post[0].start_line, plan.post[0].line), (Some(10), 12));
    }

    #[test]
    fn finding_outside_the_diff_is_left_for_the_summary() {
        let report = report(
            vec![finding(40, 40, "aa")],
            vec![LineRange {
                first: 10,
                last: 12,
            }],
        );
        let plan = plan_review(&report, &[], Some(Confidence::High), None);
        assert!(plan.post.is_empty());
        assert!(plan.already_commented.is_empty());
        let near = report_with_line(15);
        assert_eq!(
            plan_review(&near, &[], Some(Confidence::High), None)
                .post
                .len(),
            1,
            "context lines are commentable"
        );
    }

    fn report_with_line(line: u32) -> Report {
        report(
            vec![finding(line, line, "aa")],
            vec![LineRange {
                first: 10,
                last: 12,
            }],
        )
    }

    #[test]
    fn unchanged_finding_is_not_posted_again_and_fixed_one_is_resolved() {
        let report = report(
            vec![finding(10, 10, "aa")],
            vec![LineRange {
                first: 10,
                last: 10,
            }],
        );
        let plan = plan_review(
            &report,
            &[
                existing(1, "aa", false),
                existing(2, "bb", false),
                existing(3, "cc", true),
            ],
            Some(Confidence::High),
            None,
        );
        assert!(plan.post.is_empty());
        assert!(plan.already_commented.contains("aa"));
        assert_eq!(
            plan.resolve.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(plan.resolved_lines().len(), 2);
    }

    #[test]
    fn finding_whose_comment_was_resolved_is_posted_again_when_it_returns() {
        let report = report(
            vec![finding(10, 10, "aa")],
            vec![LineRange {
                first: 10,
                last: 10,
            }],
        );
        let plan = plan_review(
            &report,
            &[existing(1, "aa", true)],
            Some(Confidence::High),
            None,
        );
        assert_eq!(plan.post.len(), 1);
    }

    #[test]
    fn findings_below_the_inline_confidence_are_left_for_the_summary() {
        let mut report = report(
            vec![finding(10, 10, "aa"), finding(12, 12, "bb")],
            vec![LineRange {
                first: 10,
                last: 12,
            }],
        );
        report.findings[1].confidence = Confidence::Medium;
        let high_only = plan_review(&report, &[], Some(Confidence::High), None);
        let posted: Vec<&str> = high_only
            .post
            .iter()
            .map(|c| c.fingerprint.as_str())
            .collect();
        assert_eq!(posted, ["aa"]);
        let everything = plan_review(&report, &[], Some(Confidence::Low), None);
        assert_eq!(everything.post.len(), 2);
    }

    #[test]
    fn summary_mode_posts_nothing_inline() {
        let report = report(
            vec![finding(10, 10, "aa")],
            vec![LineRange {
                first: 10,
                last: 10,
            }],
        );
        assert!(plan_review(&report, &[], None, None).post.is_empty());
    }

    #[test]
    fn comment_body_is_safe_markdown() {
        let body = comment_body(&finding(1, 1, "aa"), None);
        assert!(body.contains("`order.created`"));
        assert!(body.contains("&lt;b&gt;inside&lt;/b&gt;"), "{body}");
        assert!(body.contains("@\u{200D}octocat"), "{body}");
        assert!(body.contains("- [ ] What if"), "{body}");
    }

    #[test]
    fn resolved_body_keeps_the_original_and_flips_the_marker() {
        let body = resolved_body(&existing(1, "aa", false), &"c".repeat(40));
        assert!(body.starts_with("✅ **Resolved**"));
        assert!(body.contains("`ccccccc`"));
        assert!(
            body.contains("<details><summary>Original comment</summary>\n\nold\n\n</details>"),
            "{body}"
        );
        assert!(parse_finding_marker(&body).is_some_and(|m| m.resolved && m.fingerprint == "aa"));
    }
}
