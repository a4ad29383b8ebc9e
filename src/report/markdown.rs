//! `--format markdown`, the Action's step summary and the body of its pull
//! request summary comment: a findings table, the questions, the suites to
//! run and why, and the reviewer checklist.
//!
//! Every piece of text that may come from the change goes through
//! [`safe_markdown`](super::safe_markdown), or [`safe_html`](super::safe_html)
//! inside raw HTML (where GitHub does not read Markdown).

use super::safe_html;
use super::safe_markdown::{code_block, code_span, link, message, table_cell, text};
use crate::model::Language;
use crate::rules::Severity;
use crate::scan::{Finding, Report, Status};
use std::collections::HashSet;
use std::fmt::Write;

/// GitHub's limit on a comment body is 65,536 characters; stay under it.
pub const COMMENT_LIMIT: usize = 60_000;

/// GitHub's limit on a job's step summary is 1 MiB; stay under it.
pub const STEP_SUMMARY_LIMIT: usize = 900_000;

/// A workflow suite selected for this change (from `gate::select`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SuiteLine {
    /// The suite's name.
    pub name: String,
    /// The command that runs it, when the configuration gives one.
    pub command: Option<String>,
    /// Why it was selected, one reason per entry.
    pub reasons: Vec<String>,
}

/// Where a finding's code can be seen on the forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLinks {
    /// `https://github.com` or the GitHub Enterprise server URL.
    pub server: String,
    /// `owner/name`.
    pub repository: String,
    /// The head commit the findings' lines refer to.
    pub commit: String,
}

impl SourceLinks {
    /// The URL of lines `line..=end_line` of `path` at the commit.
    pub fn lines_url(&self, path: &str, line: u32, end_line: u32) -> String {
        let anchor = if end_line > line {
            format!("L{line}-L{end_line}")
        } else {
            format!("L{line}")
        };
        format!(
            "{}/{}/blob/{}/{}#{anchor}",
            self.server.trim_end_matches('/'),
            self.repository,
            self.commit,
            path
        )
    }
}

/// A finding that an earlier run reported and this run no longer finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedLine {
    /// Its rule id.
    pub rule: String,
    /// Its path, as the earlier run reported it.
    pub path: String,
}

/// A finding reviewers decided about on the pull request (see
/// `crate::github::Decisions`): taken out of the findings, kept on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionLine {
    /// Its rule id.
    pub rule: String,
    /// Its path.
    pub path: String,
    /// Its line.
    pub line: u32,
    /// The login of who decided.
    pub by: String,
    /// `None` for a dismissal (👎); the reason for an acceptance.
    pub accepted_because: Option<String>,
}

/// Everything a summary shows. Build it with [`SummaryInput::new`] and set
/// what the context knows.
#[derive(Debug, Clone)]
pub struct SummaryInput<'a> {
    /// The scan.
    pub report: &'a Report,
    /// The suites selected for the change, with their reasons.
    pub suites: &'a [SuiteLine],
    /// The reviewer checklist (Markdown from `checklist::render`), if any.
    pub checklist: Option<&'a str>,
    /// Links to the code on the forge, when known.
    pub links: Option<&'a SourceLinks>,
    /// Fingerprints of findings that carry an inline review comment: the
    /// summary lists them without repeating their questions.
    pub inline: &'a HashSet<String>,
    /// Findings fixed since an earlier run.
    pub resolved: &'a [ResolvedLine],
    /// Notices for the reader (plain text, escaped when rendered).
    pub notes: &'a [String],
    /// Findings reviewers dismissed or accepted on this pull request.
    pub decisions: &'a [DecisionLine],
    /// The budget in characters; details are dropped to stay under it.
    pub limit: usize,
}

impl<'a> SummaryInput<'a> {
    /// A summary of `report` with nothing else known (the `--format markdown` view).
    pub fn new(report: &'a Report, inline: &'a HashSet<String>) -> SummaryInput<'a> {
        SummaryInput {
            report,
            suites: &[],
            checklist: None,
            links: None,
            inline,
            resolved: &[],
            notes: &[],
            decisions: &[],
            limit: STEP_SUMMARY_LIMIT,
        }
    }
}

/// `--format markdown`: the report as a Markdown summary.
pub fn to_markdown(report: &Report) -> String {
    let inline = HashSet::new();
    summary(&SummaryInput::new(report, &inline))
}

/// A severity as a coloured word.
pub fn severity_badge(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "🔴 high",
        Severity::Medium => "🟠 medium",
        Severity::Low => "🟡 low",
    }
}

/// The info-string word for a path's language, for code fences.
pub fn fence_language(path: &str) -> &'static str {
    match Language::from_path(path) {
        Some(Language::JavaScript) => "js",
        Some(Language::TypeScript) => "ts",
        Some(Language::Tsx) => "tsx",
        Some(Language::Python) => "python",
        Some(Language::Rust) => "rust",
        None => "",
    }
}

/// `path:line` as a code span, linked to the forge when links are known.
fn location(finding: &Finding, links: Option<&SourceLinks>) -> String {
    let label = code_span(&format!("{}:{}", finding.path, finding.line));
    match links {
        Some(links) => link(
            &label,
            &links.lines_url(&finding.path, finding.line, finding.end_line),
        ),
        None => label,
    }
}

/// One finding in full: message, code, related locations and questions.
pub fn finding_details(finding: &Finding, links: Option<&SourceLinks>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<details><summary><b>{}</b> {} at {}</summary>\n",
        severity_badge(finding.severity),
        safe_html::code(&finding.rule),
        safe_html::code(&format!("{}:{}", finding.path, finding.line))
    );
    let _ = writeln!(out, "{}\n", message(&finding.message));
    let _ = writeln!(out, "{}\n", location(finding, links));
    if !finding.source_lines.is_empty() {
        out.push_str(&code_block(
            &finding.source_lines.join("\n"),
            fence_language(&finding.path),
        ));
        out.push('\n');
    }
    write_related(&mut out, finding, links);
    write_questions(&mut out, &finding.questions);
    out.push_str("</details>\n\n");
    out
}

/// The related locations as a list.
pub fn write_related(out: &mut String, finding: &Finding, links: Option<&SourceLinks>) {
    for related in &finding.related {
        let label = code_span(&format!("{}:{}", related.path, related.line));
        let place = match links {
            Some(links) => link(
                &label,
                &links.lines_url(&related.path, related.line, related.line),
            ),
            None => label,
        };
        let _ = writeln!(out, "- {}: {place}", message(&related.message));
    }
    if !finding.related.is_empty() {
        out.push('\n');
    }
}

/// The reviewer questions as a task list.
pub fn write_questions(out: &mut String, questions: &[String]) {
    if questions.is_empty() {
        return;
    }
    out.push_str("**Before merging, answer:**\n\n");
    for question in questions {
        let _ = writeln!(out, "- [ ] {}", message(question));
    }
    out.push('\n');
}

/// Render a summary within its budget.
pub fn summary(input: &SummaryInput<'_>) -> String {
    let report = input.report;
    let new = report
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .count();
    let existing = report.findings.len() - new;
    let mut out = String::new();
    let _ = writeln!(out, "### Handoff · risk: **{}**\n", report.risk_name());
    let _ = writeln!(out, "{}\n", headline(report, new, existing));
    let tail = summary_tail(input);
    if !report.findings.is_empty() {
        // Rows first, then details, each while they fit the budget.
        let reserve = out.len() + tail.len() + 400;
        let (table, mut omitted) = findings_table(input, reserve);
        out.push_str(&table);
        out.push('\n');
        let budget = input.limit.saturating_sub(reserve + out.len());
        let (details, left_out) = findings_details(input, budget);
        out.push_str(&details);
        omitted += left_out;
        if omitted > 0 {
            let _ = writeln!(
                out,
                "_{omitted} more finding detail{} did not fit here: see the SARIF results or `handoff scan` output._\n",
                if omitted == 1 { "" } else { "s" }
            );
        }
    }
    out.push_str(&tail);
    out
}

/// What follows the findings: resolved, decisions, suites, the checklist,
/// notes and the footer.
fn summary_tail(input: &SummaryInput<'_>) -> String {
    let report = input.report;
    let mut tail = String::new();
    write_resolved(&mut tail, input.resolved);
    write_decisions(&mut tail, &report.findings, input.decisions);
    write_suites(&mut tail, input.suites);
    if let Some(checklist) = input.checklist.filter(|c| !c.trim().is_empty()) {
        let _ = writeln!(
            tail,
            "#### Reviewer checklist\n\n{}\n",
            checklist.trim_end()
        );
    }
    write_notes(&mut tail, input.notes, &report.warnings);
    let _ = writeln!(
        tail,
        "<sub>Handoff {} · {} · questions and fixes: <code>handoff explain &lt;rule&gt;</code></sub>",
        env!("CARGO_PKG_VERSION"),
        revisions(report)
    );
    tail
}

/// One row per finding while the rows fit `limit` after `reserve`; with
/// the number of rows left out.
fn findings_table(input: &SummaryInput<'_>, reserve: usize) -> (String, usize) {
    let mut table = String::from("| Severity | Rule | Location | Finding |\n|---|---|---|---|\n");
    let mut omitted = 0usize;
    for finding in &input.report.findings {
        let status = if finding.status == Status::Existing {
            " (existing)"
        } else {
            ""
        };
        let comment = if input.inline.contains(&finding.fingerprint) {
            " · inline comment"
        } else {
            ""
        };
        let row = format!(
            "| {}{status} | {} | {}{comment} | {} |\n",
            severity_badge(finding.severity),
            table_cell(&code_span(&finding.rule)),
            table_cell(&location(finding, input.links)),
            table_cell(&message(&finding.message))
        );
        if reserve + table.len() + row.len() > input.limit {
            omitted += 1;
            continue;
        }
        table.push_str(&row);
    }
    (table, omitted)
}

/// The details of the findings without an inline comment, while they fit
/// `budget`; with the number left out.
fn findings_details(input: &SummaryInput<'_>, budget: usize) -> (String, usize) {
    let expanded: Vec<&Finding> = input
        .report
        .findings
        .iter()
        .filter(|f| !input.inline.contains(&f.fingerprint))
        .collect();
    if expanded.is_empty() {
        return (String::new(), 0);
    }
    let mut details = String::from(if input.inline.is_empty() {
        "#### Findings\n\n"
    } else {
        "#### Findings without an inline comment\n\n"
    });
    let mut shown = 0usize;
    for finding in &expanded {
        let block = finding_details(finding, input.links);
        if details.len() + block.len() > budget {
            break;
        }
        details.push_str(&block);
        shown += 1;
    }
    let omitted = expanded.len() - shown;
    if shown == 0 {
        details.clear();
    }
    (details, omitted)
}

fn headline(report: &Report, new: usize, existing: usize) -> String {
    let count = |severity: Severity| {
        report
            .findings
            .iter()
            .filter(|f| f.status == Status::New && f.severity == severity)
            .count()
    };
    let mut line = if new == 0 {
        "No new workflow-boundary findings.".to_string()
    } else {
        format!(
            "**{new} new finding{}** ({} high, {} medium, {} low)",
            if new == 1 { "" } else { "s" },
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low)
        )
    };
    if existing > 0 {
        let _ = write!(line, ", {existing} existing");
    }
    let _ = write!(
        line,
        " · {} changed file{}, {} analysed",
        report.stats.files_changed,
        if report.stats.files_changed == 1 {
            ""
        } else {
            "s"
        },
        report.stats.files_analyzed
    );
    line
}

fn short(sha: &str) -> String {
    if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        sha[..7].to_string()
    } else {
        sha.to_string()
    }
}

fn revisions(report: &Report) -> String {
    format!(
        "{} → {}",
        code_span(&short(&report.base)),
        code_span(&short(&report.head))
    )
}

fn write_resolved(out: &mut String, resolved: &[ResolvedLine]) {
    if resolved.is_empty() {
        return;
    }
    out.push_str("#### Resolved since the last run\n\n");
    for line in resolved {
        let _ = writeln!(
            out,
            "- ✅ {} in {}",
            code_span(&line.rule),
            code_span(&line.path)
        );
    }
    out.push('\n');
}

/// Who dismissed or accepted what, and per rule how many findings were kept,
/// dismissed and accepted: which rules earn their place.
fn write_decisions(out: &mut String, kept: &[Finding], decisions: &[DecisionLine]) {
    if decisions.is_empty() {
        return;
    }
    out.push_str(
        "#### Decisions on this pull request

",
    );
    for decision in decisions {
        let place = code_span(&format!("{}:{}", decision.path, decision.line));
        let what = match &decision.accepted_because {
            None => format!("dismissed by {}", text(&decision.by)),
            Some(reason) => format!("accepted by {}: {}", text(&decision.by), text(reason)),
        };
        let _ = writeln!(out, "- {} at {place}: {what}", code_span(&decision.rule));
    }
    let mut tally: std::collections::BTreeMap<&str, [usize; 3]> = std::collections::BTreeMap::new();
    for finding in kept {
        tally.entry(finding.rule.as_str()).or_default()[0] += 1;
    }
    for decision in decisions {
        let slot = if decision.accepted_because.is_some() {
            2
        } else {
            1
        };
        tally.entry(decision.rule.as_str()).or_default()[slot] += 1;
    }
    out.push_str("\n| Rule | Kept | Dismissed | Accepted |\n|---|---|---|---|\n");
    for (rule, [kept, dismissed, accepted]) in tally {
        let _ = writeln!(
            out,
            "| {} | {kept} | {dismissed} | {accepted} |",
            table_cell(&code_span(rule))
        );
    }
    out.push('\n');
}

fn write_suites(out: &mut String, suites: &[SuiteLine]) {
    out.push_str("#### Workflow suites to run\n\n");
    if suites.is_empty() {
        out.push_str("No workflow suite is selected by this change.\n\n");
        return;
    }
    out.push_str("| Suite | Command | Why |\n|---|---|---|\n");
    for suite in suites {
        let command = suite
            .command
            .as_deref()
            .map_or_else(|| "—".to_string(), code_span);
        let why: Vec<String> = suite.reasons.iter().map(|r| message(r)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            table_cell(&text(&suite.name)),
            table_cell(&command),
            table_cell(&why.join("<br>"))
        );
    }
    out.push('\n');
}

fn write_notes(out: &mut String, notes: &[String], warnings: &[String]) {
    for note in notes {
        let _ = writeln!(out, "> [!NOTE]\n> {}\n", text(note));
    }
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>{} warning{}</summary>\n",
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    );
    for warning in warnings.iter().take(200) {
        let _ = writeln!(out, "- {}", text(warning));
    }
    if warnings.len() > 200 {
        let _ = writeln!(out, "- … and {} more", warnings.len() - 200);
    }
    out.push_str("\n</details>\n\n");
}
