//! The text of the starter `.handoff.yml`: each inferred workflow with one
//! comment line of evidence, its suite from the project's tests, and what
//! was left out and why.

use super::{Detected, MAX_FILES, MAX_WORKFLOWS, StarterWorkflow};
use crate::home;
use crate::model::Ecosystem;
use crate::related::MAX_FILES_PER_COMMAND;
use std::fmt::Write;

/// At most this many labels are named per kind of omission.
const NAMED_OMISSIONS: usize = 4;

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.replace(['"', '\\'], "")))
}

fn ecosystem_name(ecosystem: Ecosystem) -> &'static str {
    match ecosystem {
        Ecosystem::Js => "JavaScript/TypeScript",
        Ecosystem::Python => "Python",
        Ecosystem::Rust => "Rust",
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// One line naming the detected ecosystems: `JavaScript/TypeScript (12 files), Python (3 files)`.
pub fn ecosystems_line(detected: &Detected) -> String {
    if detected.ecosystems.is_empty() {
        return "no JavaScript, TypeScript, Python or Rust sources".to_string();
    }
    detected
        .ecosystems
        .iter()
        .map(|(ecosystem, files)| {
            format!(
                "{} ({})",
                ecosystem_name(*ecosystem),
                plural(*files, "file", "files")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The starter `.handoff.yml`.
pub fn handoff_yml(detected: &Detected) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# yaml-language-server: $schema={}",
        home::schema_url()
    );
    let _ = writeln!(out, "# Handoff configuration, written by `handoff init`.");
    let _ = writeln!(out, "# Detected: {}.", ecosystems_line(detected));
    out.push_str(
        "#
# Workflows are your critical flows, defined in business terms. `handoff gate`
# selects a workflow's suite when a change touches its paths or its topics, or
# carries a finding at or above its threshold; `handoff checklist` groups the
# reviewer's questions by workflow. The workflows below were inferred from the
# route handlers, consumers and jobs that reach other systems, grouped by the
# business noun they act on (a route and the jobs it enqueues are one
# workflow), most boundaries first; the comment above each says why. Each
# suite runs the project's tests whose imports reach the workflow's files
# (`handoff gate --format tests` lists them for a change), or the whole suite
# when no test does. Rename them, and say what \"done\" means.
",
    );
    if detected.truncated {
        let _ = writeln!(out, "# Only the first {MAX_FILES} source files were read.");
    }
    out.push('\n');
    if detected.workflows.is_empty() {
        write_example(&mut out, detected);
    } else {
        out.push_str("workflows:\n");
        for workflow in &detected.workflows {
            write_workflow(&mut out, workflow);
        }
    }
    write_omissions(&mut out, detected);
    write_always(&mut out, detected);
    out.push_str(
        "
# Rule settings and paths never analysed:
# rules:
#   sequencing/side-effect-before-commit:
#     severity: medium
# ignore:
#   - \"scripts/**\"

# Teach Handoff your own wrappers (one line per SDK call):
# knowledge:
#   js:
#     sinks:
#       - calls: [\"eventBus.publish\"]
#         kind: event
#         label: our event bus
",
    );
    out
}

fn write_example(out: &mut String, detected: &Detected) {
    let command = detected
        .whole_suites
        .first()
        .cloned()
        .unwrap_or_else(|| conventional_command(detected).to_string());
    let _ = write!(
        out,
        "# No route handler, consumer or job that reaches another system was
# recognised. A workflow looks like this:
#
# workflows:
#   - name: checkout
#     description: \"order paid, fulfillment request created once, receipt e-mail accepted\"
#     paths: [\"src/checkout/**\", \"src/workers/fulfillment*\"]
#     topics: [\"order.*\"]
#     suite:
#       name: checkout
#       command: {command}
#     threshold: medium
workflows: []
"
    );
}

fn write_workflow(out: &mut String, starter: &StarterWorkflow) {
    let workflow = &starter.workflow;
    let _ = writeln!(
        out,
        "  # {}: {}",
        plural(workflow.boundaries, "boundary", "boundaries"),
        workflow.evidence
    );
    let _ = writeln!(out, "  - name: {}", workflow.name);
    let description = if workflow.topics.is_empty() {
        format!(
            "{} completes and every downstream action it starts happens exactly once",
            workflow.name
        )
    } else {
        let topics: Vec<&str> = workflow.topics.iter().map(String::as_str).collect();
        format!(
            "{} completes: {} delivered once, after commit, and handled by every consumer",
            workflow.name,
            topics.join(", ")
        )
    };
    let _ = writeln!(out, "    description: {}", quoted(&description));
    let _ = writeln!(out, "    paths:");
    for path in &workflow.paths {
        let _ = writeln!(out, "      - {}", quoted(path));
    }
    if !workflow.topics.is_empty() {
        let _ = writeln!(out, "    topics:");
        for topic in &workflow.topics {
            let _ = writeln!(out, "      - {}", quoted(topic));
        }
    }
    let _ = writeln!(out, "    suite:");
    let _ = writeln!(out, "      name: {}", workflow.name);
    match &starter.suite {
        Some(suite) => {
            let note = if suite.tests.is_empty() {
                "the whole suite: no test imports these paths".to_string()
            } else if suite.tests.len() > MAX_FILES_PER_COMMAND {
                format!(
                    "the whole suite: {} test files import these paths, more than {MAX_FILES_PER_COMMAND}",
                    suite.tests.len()
                )
            } else {
                format!(
                    "{} whose imports reach these paths",
                    plural(suite.tests.len(), "test file", "test files")
                )
            };
            let _ = writeln!(out, "      command: {} # {note}", quoted(&suite.command));
        }
        None => {
            let _ = writeln!(
                out,
                "      # No test runner was found for these paths: add `command:`."
            );
        }
    }
    let _ = writeln!(out, "    threshold: medium");
}

fn named(labels: &[String]) -> String {
    let mut unique: Vec<&str> = Vec::new();
    for label in labels {
        if !unique.contains(&label.as_str()) {
            unique.push(label);
        }
    }
    let shown: Vec<&str> = unique.iter().take(NAMED_OMISSIONS).copied().collect();
    let more = if unique.len() > NAMED_OMISSIONS {
        ", …"
    } else {
        ""
    };
    format!("{}{more}", shown.join("; "))
}

/// The `# Left out:` block: what was not turned into a workflow, and why.
fn write_omissions(out: &mut String, detected: &Detected) {
    let omissions = &detected.omissions;
    out.push_str("\n# Left out:\n");
    if !omissions.beyond_cap.is_empty() {
        let shown: Vec<String> = omissions
            .beyond_cap
            .iter()
            .take(NAMED_OMISSIONS * 2)
            .map(|(name, boundaries)| format!("{name} ({boundaries})"))
            .collect();
        let more = if omissions.beyond_cap.len() > NAMED_OMISSIONS * 2 {
            ", …"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "# - {} with fewer boundaries, to keep this file readable (at most {MAX_WORKFLOWS}): {}{more}.",
            plural(
                omissions.beyond_cap.len(),
                "more workflow",
                "more workflows"
            ),
            shown.join(", ")
        );
    }
    if !omissions.no_boundary.is_empty() {
        let _ = writeln!(
            out,
            "# - {} no other system and enqueues nothing: {}.",
            plural(
                omissions.no_boundary.len(),
                "route handler, consumer or job that reaches",
                "route handlers, consumers and jobs that reach"
            ),
            named(&omissions.no_boundary)
        );
    }
    if !omissions.events.is_empty() {
        let _ = writeln!(
            out,
            "# - {} of in-process, UI, process or library lifecycle events, which are not workflows: {}.",
            plural(omissions.events.len(), "listener", "listeners"),
            named(&omissions.events)
        );
    }
    if !omissions.user_interface.is_empty() {
        let _ = writeln!(
            out,
            "# - {} in user-interface code: {}.",
            plural(omissions.user_interface.len(), "handler", "handlers"),
            named(&omissions.user_interface)
        );
    }
    if !omissions.producers.is_empty() {
        let _ = writeln!(
            out,
            "# - {} like a job that only {}, with no job found for what {}: {}.",
            plural(
                omissions.producers.len(),
                "function named",
                "functions named"
            ),
            if omissions.producers.len() == 1 {
                "enqueues"
            } else {
                "enqueue"
            },
            if omissions.producers.len() == 1 {
                "it starts"
            } else {
                "they start"
            },
            named(&omissions.producers)
        );
    }
    out.push_str(
        "# - Tests, examples, docs, migrations, scripts, generated and vendored code are not read.\n",
    );
}

/// The test command of the ecosystem with the most files, for the examples
/// when the project has no runner Handoff recognises.
fn conventional_command(detected: &Detected) -> &'static str {
    let main = detected
        .ecosystems
        .iter()
        .max_by_key(|(_, files)| **files)
        .map(|(ecosystem, _)| *ecosystem);
    match main {
        Some(Ecosystem::Rust) => "cargo test",
        Some(Ecosystem::Python) => "pytest",
        _ => "npm test",
    }
}

fn write_always(out: &mut String, detected: &Detected) {
    out.push_str("\n# Suites that run on every change, whatever it touches:\n# always:\n");
    if detected.whole_suites.is_empty() {
        let _ = writeln!(
            out,
            "#   - name: unit\n#     command: {}",
            conventional_command(detected)
        );
        return;
    }
    for (index, command) in detected.whole_suites.iter().enumerate() {
        let name = if index == 0 {
            "unit".to_string()
        } else {
            format!("unit-{}", index + 1)
        };
        let _ = writeln!(
            out,
            "#   - name: {name}\n#     command: {}",
            quoted(command)
        );
    }
}

/// What `handoff init` says about the starter: `3 workflows inferred:
/// orders, signup, invoices; left out: 12 event listeners, 2 without a
/// boundary`.
pub fn summary_line(detected: &Detected) -> String {
    let names: Vec<&str> = detected
        .workflows
        .iter()
        .map(|w| w.workflow.name.as_str())
        .collect();
    let mut line = if names.is_empty() {
        "no workflow inferred; an example is in the comments".to_string()
    } else {
        format!(
            "{} inferred: {}",
            plural(names.len(), "workflow", "workflows"),
            names.join(", ")
        )
    };
    let omissions = &detected.omissions;
    let left_out: Vec<String> = [
        (
            omissions.beyond_cap.len(),
            "beyond the cap",
            "beyond the cap",
        ),
        (
            omissions.no_boundary.len(),
            "handler without a boundary",
            "handlers without a boundary",
        ),
        (omissions.events.len(), "event listener", "event listeners"),
        (omissions.user_interface.len(), "UI handler", "UI handlers"),
        (omissions.producers.len(), "job producer", "job producers"),
    ]
    .into_iter()
    .filter(|(count, _, _)| *count > 0)
    .map(|(count, one, many)| plural(count, one, many))
    .collect();
    if !left_out.is_empty() {
        let _ = write!(line, "; left out: {}", left_out.join(", "));
    }
    line
}
