//! `handoff checklist`: the reviewer's checklist, in Markdown.
//!
//! Every touched workflow boundary — each side-effect call, transaction,
//! retry scope and consumer the change edits, with or without a finding — is
//! listed under the workflow it belongs to, with the article's review
//! questions made specific to the code: which downstream systems it affects,
//! the ordering requirement, what happens on retry, what the idempotency key
//! is, how the selected suite should verify it, and what if the downstream
//! accepts late, rejects silently or processes twice. A Mermaid diagram of
//! the touched chain comes first; GitHub renders it in comments.

mod mermaid;

use crate::config::Config;
use crate::gate::{
    Boundary, BoundaryKind, BoundaryMap, Consumer, GateResult, RetryScope, Side, SideEffect,
    Transaction, touched_boundaries, workflow_suite,
};
use crate::knowledge::{HandlerRole, SinkKind};
use crate::model::Language;
use crate::report::safe_markdown::{code_span, message, text};
use crate::scan::{Finding, Report, Status};
use std::fmt::Write;

/// At most this many boundaries get their full set of questions; those with
/// findings first. A GitHub comment holds 65,536 characters.
const MAX_DETAILED: usize = 20;

/// At most this many further boundaries are listed on one line each.
const MAX_COMPACT: usize = 100;

/// The hidden marker that starts every checklist (for finding it again in a comment).
pub const MARKER: &str = "<!-- handoff:checklist -->";

/// The suite context of one checklist group.
struct GroupSuite<'a> {
    name: &'a str,
    command: Option<&'a str>,
    selected: bool,
}

/// One group of the checklist: a workflow, or the boundaries outside all.
struct Group<'a> {
    title: String,
    description: Option<&'a str>,
    suite: Option<GroupSuite<'a>>,
    boundaries: Vec<&'a Boundary>,
    findings: Vec<&'a Finding>,
}

/// Render the reviewer checklist for a change.
pub fn render(report: &Report, config: &Config, gate: &GateResult) -> String {
    let map = touched_boundaries(report, config);
    render_with(report, config, gate, &map)
}

/// [`render`] with boundaries already computed.
pub fn render_with(
    report: &Report,
    config: &Config,
    gate: &GateResult,
    map: &BoundaryMap,
) -> String {
    let layout = Layout { standalone: true };
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}\n## Handoff reviewer checklist\n");
    let new_findings = report
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .count();
    let suites = if gate.suites.is_empty() {
        "no workflow suite selected".to_string()
    } else {
        format!(
            "suites to run: {}",
            gate.suites
                .iter()
                .map(|s| code(&s.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(
        out,
        "Risk: **{}** · {} · {} · {suites}\n",
        gate.risk,
        plural(new_findings, "new finding"),
        plural(map.boundaries.len(), "touched boundary"),
    );
    if map.boundaries.is_empty() && map.loose_findings.is_empty() {
        out.push_str("This change touches no workflow boundary: no side effect, transaction, retry scope or consumer.\n");
        write_suites(&mut out, gate);
        return out;
    }
    write_body(&mut out, report, config, gate, map, layout);
    write_suites(&mut out, gate);
    out
}

/// The checklist as a section of another comment (the Action's summary,
/// which has its own title, risk line and suites): the diagram and the
/// grouped items, headings two levels deeper. `None` when the change touches
/// no boundary.
pub fn render_section(
    report: &Report,
    config: &Config,
    gate: &GateResult,
    map: &BoundaryMap,
) -> Option<String> {
    if map.boundaries.is_empty() && map.loose_findings.is_empty() {
        return None;
    }
    let mut out = String::new();
    write_body(
        &mut out,
        report,
        config,
        gate,
        map,
        Layout { standalone: false },
    );
    Some(out)
}

/// Whether the checklist is a document of its own or a section of another.
#[derive(Debug, Clone, Copy)]
struct Layout {
    standalone: bool,
}

impl Layout {
    /// The heading of a workflow group.
    fn group(self) -> &'static str {
        if self.standalone { "###" } else { "#####" }
    }

    /// The heading of one boundary.
    fn item(self) -> &'static str {
        if self.standalone { "####" } else { "######" }
    }
}

/// The diagram, the groups and the notes.
fn write_body(
    out: &mut String,
    report: &Report,
    config: &Config,
    gate: &GateResult,
    map: &BoundaryMap,
    layout: Layout,
) {
    if let Some((diagram, left_out)) = mermaid::flowchart(map) {
        let _ = writeln!(out, "```mermaid\n{diagram}```\n");
        let mut legend = String::from(
            "<sub>The touched chain: route or job → transaction → side effects → topic → consumers. ⚠ red edges: a side effect that can reach downstream before its state is committed, or repeat on retry without an idempotency key.",
        );
        if left_out > 0 {
            let _ = write!(
                legend,
                " {} more touched boundaries are not drawn.",
                left_out
            );
        }
        let _ = writeln!(out, "{legend}</sub>\n");
    }
    let groups = groups(report, config, gate, map);
    let mut budget = Budget::new(map);
    for group in &groups {
        write_group(out, group, map, report, &mut budget, layout);
    }
    if budget.omitted > 0 {
        let _ = writeln!(
            out,
            "_{} more touched boundaries are not listed here._\n",
            budget.omitted
        );
    }
    if config.file.workflows.is_empty() {
        out.push_str("> No workflows are configured, so no suite is tied to these boundaries. `handoff init` writes a starter `.handoff.yml` with workflows inferred from your routes and consumers.\n\n");
    }
}

fn plural(count: usize, noun: &str) -> String {
    match (count, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{count} {stem}ies"),
        (_, None) => format!("{count} {noun}s"),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn joined(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The text with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A code span whose text cannot end it; prose around it goes through
/// [`message`] when written, so text from the change cannot subvert the
/// Markdown (close a span or fence, inject HTML, mention someone).
fn code(raw: &str) -> String {
    code_span(raw)
}

/// Assign each boundary (and each loose finding) to the first workflow it
/// belongs to — by path, else by topic — or to the "other" group.
fn groups<'a>(
    report: &'a Report,
    config: &'a Config,
    gate: &GateResult,
    map: &'a BoundaryMap,
) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = config
        .file
        .workflows
        .iter()
        .map(|workflow| {
            let (name, command) = workflow_suite(workflow);
            Group {
                title: format!("Workflow {}", code(&workflow.name)),
                description: workflow.description.as_deref(),
                suite: Some(GroupSuite {
                    name,
                    command,
                    selected: gate.suite(name).is_some(),
                }),
                boundaries: Vec::new(),
                findings: Vec::new(),
            }
        })
        .collect();
    let other_title = if config.file.workflows.is_empty() {
        "Touched boundaries".to_string()
    } else {
        "Not in a configured workflow".to_string()
    };
    groups.push(Group {
        title: other_title,
        description: None,
        suite: None,
        boundaries: Vec::new(),
        findings: Vec::new(),
    });
    let other = groups.len() - 1;
    let workflow_of = |path: &str, topics: &[String]| {
        (0..config.file.workflows.len())
            .find(|&i| {
                config.workflow_path_glob(i, path).is_some()
                    || topics
                        .iter()
                        .any(|t| config.workflow_topic_pattern(i, t).is_some())
            })
            .unwrap_or(other)
    };
    for boundary in &map.boundaries {
        let index = workflow_of(&boundary.path, &boundary.topics);
        groups[index].boundaries.push(boundary);
    }
    for &position in &map.loose_findings {
        if let Some(finding) = report.findings.get(position) {
            let index = workflow_of(&finding.path, &[]);
            groups[index].findings.push(finding);
        }
    }
    groups.retain(|g| !g.boundaries.is_empty() || !g.findings.is_empty());
    groups
}

/// Which boundaries are written in full, which on one line, how many left out.
struct Budget<'a> {
    detailed: Vec<&'a Boundary>,
    compact_left: usize,
    omitted: usize,
}

impl<'a> Budget<'a> {
    fn new(map: &'a BoundaryMap) -> Budget<'a> {
        let with_findings = map.boundaries.iter().filter(|b| !b.findings.is_empty());
        let without = map.boundaries.iter().filter(|b| b.findings.is_empty());
        Budget {
            detailed: with_findings.chain(without).take(MAX_DETAILED).collect(),
            compact_left: MAX_COMPACT,
            omitted: 0,
        }
    }

    fn is_detailed(&self, boundary: &Boundary) -> bool {
        self.detailed.iter().any(|d| std::ptr::eq(*d, boundary))
    }
}

fn write_group(
    out: &mut String,
    group: &Group<'_>,
    map: &BoundaryMap,
    report: &Report,
    budget: &mut Budget<'_>,
    layout: Layout,
) {
    let _ = writeln!(out, "{} {}\n", layout.group(), message(&group.title));
    if let Some(description) = group.description {
        let _ = writeln!(out, "_Done means: {}_\n", text(description.trim()));
    }
    if let Some(suite) = &group.suite {
        let command = suite
            .command
            .map(|c| format!(" ({})", code(c)))
            .unwrap_or_default();
        let status = if suite.selected {
            "selected for this change"
        } else {
            "not selected"
        };
        let _ = writeln!(out, "Suite: {}{command}, {status}.\n", code(suite.name));
    }
    let suite = group.suite.as_ref();
    let mut compact = Vec::new();
    for boundary in &group.boundaries {
        if budget.is_detailed(boundary) {
            write_boundary(out, boundary, map, report, suite, layout);
        } else if budget.compact_left > 0 {
            budget.compact_left -= 1;
            compact.push(format!(
                "- [ ] {} · {}",
                message(&heading(boundary)),
                message(&place(boundary))
            ));
        } else {
            budget.omitted += 1;
        }
    }
    if !compact.is_empty() {
        let _ = writeln!(out, "{} More touched boundaries\n", layout.item());
        for line in compact {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    if !group.findings.is_empty() {
        let _ = writeln!(out, "{} Other new findings\n", layout.item());
        for finding in &group.findings {
            let _ = writeln!(
                out,
                "- [ ] **{}** {} at {}: {}",
                finding.severity,
                code(&finding.rule),
                code(&format!("{}:{}", finding.path, finding.line)),
                message(&finding.message)
            );
        }
        out.push('\n');
    }
}

fn write_boundary(
    out: &mut String,
    boundary: &Boundary,
    map: &BoundaryMap,
    report: &Report,
    suite: Option<&GroupSuite<'_>>,
    layout: Layout,
) {
    let _ = writeln!(
        out,
        "{} {} · {}\n",
        layout.item(),
        message(&heading(boundary)),
        message(&place(boundary))
    );
    if let Some(context) = context_line(boundary) {
        let _ = writeln!(out, "{}\n", message(&context));
    }
    for &index in &boundary.findings {
        if let Some(finding) = report.findings.get(index) {
            let _ = writeln!(
                out,
                "> ⚠ **{}** {}: {}",
                finding.severity,
                code(&finding.rule),
                message(&finding.message)
            );
        }
    }
    if !boundary.findings.is_empty() {
        out.push('\n');
    }
    let items = match (&boundary.kind, boundary.side) {
        (BoundaryKind::SideEffect(effect), Side::Head) => {
            effect_items(boundary, effect, map, suite)
        }
        (BoundaryKind::SideEffect(effect), Side::Base) => {
            removed_effect_items(boundary, effect, suite)
        }
        (BoundaryKind::Transaction(transaction), _) => {
            transaction_items(boundary, transaction, suite)
        }
        (BoundaryKind::Retry(retry), _) => retry_items(retry, suite),
        (BoundaryKind::Consumer(consumer), Side::Head) => consumer_items(consumer, map, suite),
        (BoundaryKind::Consumer(consumer), Side::Base) => {
            removed_consumer_items(boundary, consumer)
        }
    };
    for (title, item) in items {
        let _ = writeln!(out, "- [ ] **{title}:** {}", message(&item));
    }
    out.push('\n');
}

/// Where a boundary is: `` `path:line` ``, or its line before the change.
fn place(boundary: &Boundary) -> String {
    match boundary.side {
        Side::Head => format!("`{}`", boundary.location()),
        Side::Base => format!("`{}` before the change", boundary.location()),
    }
}

/// A boundary's title: what it is and what it names.
fn heading(boundary: &Boundary) -> String {
    match &boundary.kind {
        BoundaryKind::SideEffect(effect) => {
            let noun = match (effect.outbox, boundary.side) {
                (true, Side::Head) => "Outbox row",
                (false, Side::Head) => "Side effect",
                (true, Side::Base) => "Removed outbox row",
                (false, Side::Base) => "Removed side effect",
            };
            match &effect.destination {
                Some(destination) => {
                    format!("{noun} {} → {}", code(&effect.callee), code(destination))
                }
                None => format!("{noun} {} ({})", code(&effect.callee), effect.label),
            }
        }
        BoundaryKind::Transaction(transaction) => {
            format!("Transaction {}", code(&transaction.opener))
        }
        BoundaryKind::Retry(retry) => format!("Retry scope {}", code(&retry.wrapper)),
        BoundaryKind::Consumer(consumer) => {
            let noun = if consumer.role == HandlerRole::Job {
                "Job"
            } else {
                "Consumer"
            };
            let noun = match (boundary.side, noun) {
                (Side::Base, "Job") => "Removed job",
                (Side::Base, _) => "Removed consumer",
                (Side::Head, noun) => noun,
            };
            format!("{noun} {}", code(&consumer.label))
        }
    }
}

/// Where the boundary runs: its handler, transaction, deferral, retry, loop.
fn context_line(boundary: &Boundary) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(entry) = &boundary.entry
        && !matches!(boundary.kind, BoundaryKind::Consumer(_))
    {
        let role = entry
            .role
            .map(|r| format!(" ({})", r.noun()))
            .unwrap_or_default();
        parts.push(format!("Runs in {}{role}", code(&entry.label)));
    }
    if let BoundaryKind::SideEffect(effect) = &boundary.kind {
        if let Some(transaction) = &effect.transaction {
            parts.push(format!(
                "inside the transaction opened by {} (line {})",
                code(&transaction.name),
                transaction.line
            ));
        }
        if let Some(deferral) = &effect.deferred_by {
            parts.push(format!(
                "deferred by {} (line {}) until after commit",
                code(&deferral.name),
                deferral.line
            ));
        }
        if let Some(retry) = &effect.retry {
            parts.push(format!(
                "retried by {} (line {})",
                code(&retry.name),
                retry.line
            ));
        }
        if let Some(header) = &effect.loop_header {
            parts.push(format!("in the loop {}", code(header)));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("{}.", capitalized(&parts.join(", "))))
}

/// "the `checkout` suite (`npm run …`)" or a request to add a workflow.
fn suite_phrase(suite: Option<&GroupSuite<'_>>) -> String {
    match suite {
        Some(suite) => {
            let command = suite
                .command
                .map(|c| format!(" ({})", code(c)))
                .unwrap_or_default();
            format!("The {} suite{command}", code(suite.name))
        }
        None => "A workflow test".to_string(),
    }
}

fn consumers_phrase(map: &BoundaryMap, topic: &str) -> Option<String> {
    let consumers: Vec<String> = map
        .consumers_of(topic)
        .map(|c| {
            let skip = c
                .early_returns
                .first()
                .map(|(line, condition)| {
                    format!(
                        ", which returns early at line {line} when {}",
                        code(condition)
                    )
                })
                .unwrap_or_default();
            format!(
                "{} (`{}:{}`){skip}",
                code(&c.entry.label),
                c.path,
                c.entry.line
            )
        })
        .collect();
    if consumers.is_empty() {
        None
    } else {
        Some(consumers.join("; "))
    }
}

fn effect_items(
    boundary: &Boundary,
    effect: &SideEffect,
    map: &BoundaryMap,
    suite: Option<&GroupSuite<'_>>,
) -> Vec<(&'static str, String)> {
    let sent = &effect.sent;
    let keys = if effect.payload_keys.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            effect
                .payload_keys
                .iter()
                .map(|k| code(k))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let topic = boundary.topics.first();
    let downstream = match effect.sink_kind {
        SinkKind::Event => match topic.and_then(|t| consumers_phrase(map, t)) {
            Some(consumers) => format!(
                "Which systems act on {sent}? It is consumed by {consumers}. Which other services subscribe, and what do they read when it arrives?"
            ),
            None => format!(
                "Which systems act on {sent}? No consumer of it was found: name the services that subscribe and what they read when it arrives."
            ),
        },
        SinkKind::Email => format!(
            "The {} delivers {sent} to a customer: which template and variables does it need, and does this call pass them all{keys}?",
            effect.label
        ),
        SinkKind::Http => {
            format!("Which service receives {sent}, and what does it change when it does{keys}?")
        }
        SinkKind::Payment => format!(
            "{} moves money through {}: which local record stores the result, and who reconciles a mismatch?",
            capitalized(sent),
            effect.label
        ),
        SinkKind::Crm => format!(
            "Which records and required fields does {sent} write in the CRM{keys}, and which teams act on them?"
        ),
    };
    let ordering = ordering_question(boundary, effect);
    let retry = retry_question(boundary, effect);
    let key = idempotency_question(effect);
    let test = format!(
        "{} should assert {}, after the workflow completes, not just the response or the enqueue.",
        suite_phrase(suite),
        effect.assertion
    );
    let failure = failure_question(boundary, effect);
    vec![
        ("Downstream", downstream),
        ("Ordering", ordering),
        ("Retry", retry),
        ("Idempotency key", key),
        ("Test", test),
        ("Late, silent or twice", failure),
    ]
}

/// When the effect fires relative to the commit of the state it announces.
fn ordering_question(boundary: &Boundary, effect: &SideEffect) -> String {
    let sent = &effect.sent;
    match (&effect.transaction, &effect.deferred_by, effect.outbox) {
        (Some(transaction), _, true) => format!("The row commits with the transaction opened by {} (line {}) and a relay publishes it after commit: is the relay deployed, and does it keep the order consumers rely on?", code(&transaction.name), transaction.line),
        (None, _, true) => "Is this outbox row written in the same transaction as the state it announces? None is visible here.".to_string(),
        (_, Some(deferral), false) => format!("It runs only after commit ({} at line {}). Does anything need {sent} before the response, and what if the process stops between the commit and the send?", code(&deferral.name), deferral.line),
        (Some(transaction), None, false) => format!("It fires inside the transaction opened by {} (line {}), before commit. Must those writes be committed before {sent} is seen downstream? If the transaction rolls back after this line, who retracts it?", code(&transaction.name), transaction.line),
        (None, None, false) => format!("What must be committed before {sent} fires, and is it committed at this point in {}?", code(function_name(boundary))),
    }
}

/// What happens when the receiver takes the effect late, silently or twice.
fn failure_question(boundary: &Boundary, effect: &SideEffect) -> String {
    let sent = &effect.sent;
    let mut failure = match effect.sink_kind {
        SinkKind::Event => format!("What if a consumer receives {sent} late (before the state it reads exists), drops it after a validation error, or processes it twice?"),
        SinkKind::Email => format!("What if the provider accepts {sent} but drops it later (template validation, suppression list), rejects it silently, or sends it twice?"),
        SinkKind::Http => "What if the service times out after applying it, answers 4xx/5xx that nothing checks, or applies it twice?".to_string(),
        SinkKind::Payment => "What if the provider charges but the response is lost (timeout), declines asynchronously, or charges twice?".to_string(),
        SinkKind::Crm => "What if the CRM accepts the request but rejects the record later (a required field, an unknown enum value), or creates a duplicate?".to_string(),
    };
    if let Some(line) = effect.caught_at {
        let _ = write!(
            failure,
            " Its failure is caught at line {line}: does the caller still report success?"
        );
    }
    if effect.unobserved && boundary.language != Language::Python {
        failure.push_str(" The call is neither awaited nor checked, so a rejection is never seen.");
    }
    failure
}

fn function_name(boundary: &Boundary) -> &str {
    match &boundary.entry {
        Some(entry) => &entry.label,
        None if boundary.function.is_empty() => "the module",
        None => &boundary.function,
    }
}

fn retry_question(boundary: &Boundary, effect: &SideEffect) -> String {
    let sent = &effect.sent;
    let idempotent = if effect.non_idempotent {
        ""
    } else {
        " The call is idempotent by method as long as every attempt sends the same body."
    };
    let base = if let Some(retry) = &effect.retry {
        format!(
            "{} (line {}) re-runs this code: every attempt repeats {sent}, including one that timed out after the downstream applied it.",
            code(&retry.name),
            retry.line
        )
    } else if let Some(header) = &effect.loop_header {
        format!(
            "It runs once per iteration of {}: is one {sent} per item intended, and what happens when the loop fails halfway and the whole operation is retried?",
            code(header)
        )
    } else {
        match boundary.entry.as_ref().and_then(|e| e.role) {
            Some(HandlerRole::Consumer) => format!(
                "Messages are delivered at least once: a redelivery to {} repeats {sent}.",
                code(function_name(boundary))
            ),
            Some(HandlerRole::Job) => format!(
                "Jobs are retried after failures: a retry of {} after a partial success repeats {sent}.",
                code(function_name(boundary))
            ),
            Some(HandlerRole::Route) => format!(
                "A client retry, a double submit or a refreshed page on {} repeats {sent}.",
                code(function_name(boundary))
            ),
            None => format!(
                "If whoever calls {} retries (a job, a redelivered message, a resubmitted form), {sent} repeats.",
                code(function_name(boundary))
            ),
        }
    };
    format!("{base}{idempotent}")
}

fn idempotency_question(effect: &SideEffect) -> String {
    match &effect.idempotency_key {
        Some(key) => {
            let value = key.value.as_deref().unwrap_or("…");
            // Generated or not is the flow layer's decision, the same one
            // behind `idempotency/key-regenerated-per-attempt`.
            if key.generated {
                format!("`{}: {value}` looks generated per attempt: a retry sends a new key and the downstream cannot deduplicate. Derive it from the business record and create it once, before the first attempt.", key.name)
            } else {
                format!("`{}: {value}` is passed: is it derived from the business record and the same on every attempt?", key.name)
            }
        }
        None if !effect.non_idempotent => "None is passed, and the call is idempotent by method: confirm the target treats a repeat as a no-op.".to_string(),
        None => {
            let candidate = effect
                .payload_keys
                .iter()
                .find(|k| k.ends_with("Id") || k.ends_with("_id") || k.as_str() == "id")
                .map(|k| format!(" — {} is a candidate", code(k)))
                .unwrap_or_default();
            match effect.sink_kind {
                SinkKind::Event => format!("None is passed: what stable key lets consumers deduplicate {}{candidate}?", effect.sent),
                _ => format!("None is passed: which key makes a repeat a no-op at {}{candidate}?", effect.label),
            }
        }
    }
}

fn removed_effect_items(
    boundary: &Boundary,
    effect: &SideEffect,
    suite: Option<&GroupSuite<'_>>,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "Who sends it now",
            format!(
                "{} of {} was removed here (line {} before the change). Which code sends it now, and do its consumers still receive it exactly once?",
                code(&effect.callee),
                effect.sent,
                boundary.span.start_line
            ),
        ),
        (
            "Test",
            format!(
                "{} should still assert {}.",
                suite_phrase(suite),
                effect.assertion
            ),
        ),
    ]
}

fn transaction_items(
    boundary: &Boundary,
    transaction: &Transaction,
    suite: Option<&GroupSuite<'_>>,
) -> Vec<(&'static str, String)> {
    let ordering = if transaction.effects.is_empty() {
        format!(
            "No side effect fires inside it. Side effects that announce its writes must run after it commits: check the code after line {}.",
            transaction.commit_line.unwrap_or(boundary.span.end_line)
        )
    } else {
        format!(
            "These fire inside it, before commit: {}. Which need the committed state, and can they move to an outbox row or after the transaction?",
            joined(&transaction.effects)
        )
    };
    vec![
        ("Ordering", ordering),
        (
            "Rollback",
            "If it rolls back (a constraint, a deadlock, a lost connection), which downstream actions already happened, and what undoes them?".to_string(),
        ),
        (
            "Test",
            format!("{} should assert that consumers observe the committed state (the final status), never an intermediate one.", suite_phrase(suite)),
        ),
    ]
}

fn retry_items(retry: &RetryScope, suite: Option<&GroupSuite<'_>>) -> Vec<(&'static str, String)> {
    let repeats = if retry.effects.is_empty() {
        format!(
            "{} re-runs this code: what does each attempt repeat (writes, calls through your own wrappers)?",
            code(&retry.wrapper)
        )
    } else {
        let keyed = if retry.all_keyed {
            ""
        } else {
            ", and not every one passes an idempotency key"
        };
        format!(
            "{} re-runs this code: {} repeat on every attempt{keyed}.",
            code(&retry.wrapper),
            joined(&retry.effects)
        )
    };
    vec![
        ("Retry", repeats),
        (
            "Idempotency key",
            "Which key, created once before the first attempt and sent on every attempt, makes each repeat a no-op downstream?".to_string(),
        ),
        (
            "Test",
            format!("{} should simulate a timeout after partial success (the downstream applied the first attempt) and assert the effect happened exactly once.", suite_phrase(suite)),
        ),
    ]
}

fn consumer_items(
    consumer: &Consumer,
    map: &BoundaryMap,
    suite: Option<&GroupSuite<'_>>,
) -> Vec<(&'static str, String)> {
    let topic = consumer.topic.as_deref().unwrap_or("its message");
    let producers = producers_phrase(map, topic);
    let handles = match consumer.role {
        HandlerRole::Job => format!("It runs {} jobs.", code(topic)),
        _ => format!("It handles {}.", code(topic)),
    };
    let arrives = match consumer.role {
        HandlerRole::Job => "when it runs",
        _ => "when the message arrives",
    };
    let mut items = vec![(
        "Upstream state",
        format!(
            "{handles}{producers} What does it read {arrives}, and is that state committed by then?"
        ),
    )];
    for (line, condition) in &consumer.early_returns {
        items.push((
            "Silent skip",
            format!("It returns early at line {line} when {}: is that message retried, dead-lettered or alerted on, or dropped without a trace?", code(condition)),
        ));
    }
    let twice = twice_question(consumer, topic);
    items.push(("Processes twice", twice));
    let effect = consumer
        .effects
        .first()
        .map(|(_, assertion)| assertion.clone())
        .unwrap_or_else(|| "its downstream effect exactly once".to_string());
    let trigger = match consumer.role {
        HandlerRole::Job => format!("enqueue one {} job", code(topic)),
        _ => format!("publish one {}", code(topic)),
    };
    items.push((
        "Test",
        format!(
            "{} should {trigger} and assert {effect}, also when it is delivered twice.",
            suite_phrase(suite)
        ),
    ));
    items
}

/// What makes handling the message or job twice harmless, with the key to
/// deduplicate on when the message carries an id.
fn twice_question(consumer: &Consumer, topic: &str) -> String {
    let dedupe = consumer
        .message_keys
        .iter()
        .find(|k| k.ends_with("Id") || k.ends_with("_id") || k.as_str() == "id")
        .map(|k| format!(" — deduplicate on {}", code(k)))
        .unwrap_or_default();
    match consumer.role {
        HandlerRole::Job => format!(
            "Jobs are retried after failures: what makes running it twice with the same payload harmless{dedupe}?"
        ),
        _ => format!(
            "Delivery is at least once: what makes handling {} twice harmless{dedupe}?",
            code(topic)
        ),
    }
}

/// " In this change it is produced by …": the changed producers of
/// `topic`, each marked when it publishes inside a transaction.
fn producers_phrase(map: &BoundaryMap, topic: &str) -> String {
    let producers: Vec<String> = map
        .boundaries
        .iter()
        .filter(|b| b.side == Side::Head && b.topics.iter().any(|t| t == topic))
        .filter_map(|b| match &b.kind {
            BoundaryKind::SideEffect(effect) => {
                let risk = if effect.transaction.is_some()
                    && effect.deferred_by.is_none()
                    && !effect.outbox
                {
                    ", inside a transaction ⚠"
                } else {
                    ""
                };
                Some(format!(
                    "{} (`{}`{risk})",
                    code(&effect.callee),
                    b.location()
                ))
            }
            _ => None,
        })
        .collect();
    if producers.is_empty() {
        String::new()
    } else {
        format!(
            " In this change it is produced by {}.",
            producers.join("; ")
        )
    }
}

fn removed_consumer_items(boundary: &Boundary, consumer: &Consumer) -> Vec<(&'static str, String)> {
    let topic = consumer.topic.as_deref().unwrap_or("its message");
    vec![(
        "Who consumes it now",
        format!(
            "The consumer {} of {} was removed here (line {} before the change). Who handles {} now, and are messages already queued for it still processed?",
            code(&consumer.label),
            code(topic),
            boundary.span.start_line,
            code(topic)
        ),
    )]
}

fn write_suites(out: &mut String, gate: &GateResult) {
    out.push_str("### Suites to run\n\n");
    if gate.suites.is_empty() {
        out.push_str("No workflow suite is selected by this change.\n");
        return;
    }
    for suite in &gate.suites {
        let command = suite
            .command
            .as_deref()
            .map(|c| format!(": {}", code(c)))
            .unwrap_or_default();
        let _ = writeln!(out, "- {}{command}", code(&suite.name));
        for reason in &suite.reasons {
            let _ = writeln!(out, "  - {}", message(reason));
        }
    }
}
