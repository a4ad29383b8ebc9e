//! Gate: which workflow test suites a change must run, and why.
//!
//! A workflow in `.handoff.yml` owns paths, side-effect topics and a CI suite.
//! Its suite is selected when the change touches one of its paths, when a
//! touched call publishes (or a touched consumer consumes) one of its topics
//! — an edited `publish('order.created')` in a shared helper selects
//! `checkout` — or when a new finding at or above the workflow's threshold
//! lies in it. `always` suites are selected for every change. Every reason
//! names the file and line that caused it.

mod boundary;
#[cfg(test)]
mod tests;

pub(crate) use boundary::handler_entry;
pub use boundary::{
    Boundary, BoundaryKind, BoundaryMap, Consumer, ConsumerSite, Entry, IdempotencyKey, Located,
    RetryScope, Side, SideEffect, Transaction, consumers_elsewhere, touched_boundaries,
};

use crate::config::{Config, Workflow};
use crate::rules::Severity;
use crate::scan::{Report, Status};
use serde::Serialize;

/// At most this many path reasons per workflow; the rest are counted.
const MAX_PATH_REASONS: usize = 10;

/// The gate's decision (`handoff gate --format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateResult {
    /// The highest severity among new findings: `none|low|medium|high`.
    pub risk: String,
    /// The suites to run, in the order `.handoff.yml` declares them.
    pub suites: Vec<SelectedSuite>,
}

/// One selected CI suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectedSuite {
    /// The suite's name (its `suite.name`, else the workflow's name).
    pub name: String,
    /// The command that runs it, when `.handoff.yml` gives one.
    pub command: Option<String>,
    /// Why it was selected, one line each, naming the file and line.
    pub reasons: Vec<String>,
}

impl GateResult {
    /// The selected suite names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.suites.iter().map(|s| s.name.as_str()).collect()
    }

    /// The selected suite with this name, if any.
    pub fn suite(&self, name: &str) -> Option<&SelectedSuite> {
        self.suites.iter().find(|s| s.name == name)
    }
}

/// The suite that verifies a workflow: `(name, command)`. A workflow without
/// a `suite` is verified by a suite named after it.
pub fn workflow_suite(workflow: &Workflow) -> (&str, Option<&str>) {
    match &workflow.suite {
        Some(suite) => (suite.name.as_str(), suite.command.as_deref()),
        None => (workflow.name.as_str(), None),
    }
}

/// Select the suites a change must run.
pub fn select(report: &Report, config: &Config) -> GateResult {
    // Without workflows or `always` suites there is nothing to select, and
    // no reason to find the touched boundaries.
    if config.file.workflows.is_empty() && config.file.always.is_empty() {
        return GateResult {
            risk: report.risk_name().to_string(),
            suites: Vec::new(),
        };
    }
    select_with(report, config, &touched_boundaries(report, config))
}

/// [`select`] with boundaries already computed (the checklist shares them).
pub fn select_with(report: &Report, config: &Config, map: &BoundaryMap) -> GateResult {
    let mut suites: Vec<SelectedSuite> = Vec::new();
    for (index, workflow) in config.file.workflows.iter().enumerate() {
        let mut reasons = path_reasons(report, config, index, workflow);
        reasons.extend(topic_reasons(map, config, index, workflow));
        reasons.extend(finding_reasons(report, config, map, index, workflow));
        if reasons.is_empty() {
            continue;
        }
        let (name, command) = workflow_suite(workflow);
        add(&mut suites, name, command, reasons);
    }
    for suite in &config.file.always {
        let place = match config.always_line() {
            Some(line) => format!("{}:{line}", config.file_name()),
            None => config.file_name().to_string(),
        };
        let reason = format!("{place}: listed under `always`, so it runs on every change");
        add(
            &mut suites,
            &suite.name,
            suite.command.as_deref(),
            vec![reason],
        );
    }
    GateResult {
        risk: report.risk_name().to_string(),
        suites,
    }
}

/// Merge a selection into the list: one entry per suite name, reasons in order.
fn add(suites: &mut Vec<SelectedSuite>, name: &str, command: Option<&str>, reasons: Vec<String>) {
    match suites.iter_mut().find(|s| s.name == name) {
        Some(existing) => {
            if existing.command.is_none() {
                existing.command = command.map(str::to_string);
            }
            for reason in reasons {
                if !existing.reasons.contains(&reason) {
                    existing.reasons.push(reason);
                }
            }
        }
        None => suites.push(SelectedSuite {
            name: name.to_string(),
            command: command.map(str::to_string),
            reasons,
        }),
    }
}

/// The first changed line of a path, when the file was analysed (head lines;
/// base lines for a deleted file).
fn first_changed_line(report: &Report, path: &str) -> Option<u32> {
    let file = report
        .files
        .iter()
        .find(|f| f.path == path || f.change.old_path.as_deref() == Some(path))?;
    file.change
        .changed_lines
        .first()
        .or(file.change.base_changed_lines.first())
        .map(|range| range.first)
}

fn path_reasons(
    report: &Report,
    config: &Config,
    index: usize,
    workflow: &Workflow,
) -> Vec<String> {
    let matched: Vec<(&str, &str)> = report
        .changed_paths
        .iter()
        .filter_map(|path| Some((path.as_str(), config.workflow_path_glob(index, path)?)))
        .collect();
    let mut reasons: Vec<String> = matched
        .iter()
        .take(MAX_PATH_REASONS)
        .map(|(path, glob)| {
            let place = match first_changed_line(report, path) {
                Some(line) => format!("{path}:{line}"),
                None => (*path).to_string(),
            };
            format!(
                "{place}: changed, in the paths of workflow `{}` (`{glob}`)",
                workflow.name
            )
        })
        .collect();
    if matched.len() > MAX_PATH_REASONS {
        let more = matched.len() - MAX_PATH_REASONS;
        let first = matched[MAX_PATH_REASONS].0;
        reasons.push(format!(
            "{first}: and {more} more changed file{} in the paths of workflow `{}`",
            if more == 1 { "" } else { "s" },
            workflow.name
        ));
    }
    reasons
}

fn topic_reasons(
    map: &BoundaryMap,
    config: &Config,
    index: usize,
    workflow: &Workflow,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let mut covered: Vec<(&str, &str)> = Vec::new();
    // Calls and consumers first; a transaction only adds a topic its calls did not.
    let ordered = map
        .boundaries
        .iter()
        .filter(|b| !matches!(b.kind, BoundaryKind::Transaction(_)))
        .chain(
            map.boundaries
                .iter()
                .filter(|b| matches!(b.kind, BoundaryKind::Transaction(_))),
        );
    for boundary in ordered {
        for topic in &boundary.topics {
            let Some(pattern) = config.workflow_topic_pattern(index, topic) else {
                continue;
            };
            if matches!(boundary.kind, BoundaryKind::Transaction(_))
                && covered.contains(&(boundary.path.as_str(), topic.as_str()))
            {
                continue;
            }
            covered.push((boundary.path.as_str(), topic.as_str()));
            let of = format!("a topic of workflow `{}` (`{pattern}`)", workflow.name);
            let place = boundary.location();
            let reason = match (&boundary.kind, boundary.side) {
                (BoundaryKind::SideEffect(effect), Side::Head) if effect.outbox => {
                    format!(
                        "{place}: `{}` writes an outbox row for `{topic}`, {of}",
                        effect.callee
                    )
                }
                (BoundaryKind::SideEffect(effect), Side::Head) => {
                    format!("{place}: `{}` publishes `{topic}`, {of}", effect.callee)
                }
                (BoundaryKind::SideEffect(effect), Side::Base) => format!(
                    "{place} (before the change): `{}` publishing `{topic}` was removed; `{topic}` is {of}",
                    effect.callee
                ),
                (BoundaryKind::Consumer(consumer), Side::Head) => {
                    format!("{place}: `{}` consumes `{topic}`, {of}", consumer.label)
                }
                (BoundaryKind::Consumer(consumer), Side::Base) => format!(
                    "{place} (before the change): the consumer `{}` of `{topic}` was removed; `{topic}` is {of}",
                    consumer.label
                ),
                (BoundaryKind::Transaction(transaction), _) => format!(
                    "{place}: the edited `{}` transaction publishes `{topic}`, {of}",
                    transaction.opener
                ),
                (BoundaryKind::Retry(retry), _) => {
                    format!(
                        "{place}: the edited retry `{}` repeats `{topic}`, {of}",
                        retry.wrapper
                    )
                }
            };
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    }
    reasons
}

fn finding_reasons(
    report: &Report,
    config: &Config,
    map: &BoundaryMap,
    index: usize,
    workflow: &Workflow,
) -> Vec<String> {
    let threshold = workflow.threshold.unwrap_or(Severity::Low);
    let mut reasons = Vec::new();
    for (position, finding) in report.findings.iter().enumerate() {
        if finding.status != Status::New || finding.severity < threshold {
            continue;
        }
        let by_path = config.workflow_path_glob(index, &finding.path).is_some();
        let by_topic = map
            .boundaries
            .iter()
            .filter(|b| b.findings.contains(&position))
            .flat_map(|b| b.topics.iter())
            .any(|topic| config.workflow_topic_pattern(index, topic).is_some());
        if by_path || by_topic {
            reasons.push(format!(
                "{}:{}: new {} finding `{}` in workflow `{}` (threshold: {threshold})",
                finding.path, finding.line, finding.severity, finding.rule, workflow.name
            ));
        }
    }
    reasons
}
