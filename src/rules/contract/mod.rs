//! Contract: producer and consumer of a payload stop agreeing.
//!
//! These rules are cross-file: a producer in one file, its consumers in
//! others, possibly in another language, base against head. They run once
//! per change over a [`ContractContext`] — the drifts between the touched
//! files (both versions) and the files of the repository that mention what
//! the change touches — rather than per file version (each is a
//! [`crate::rules::RepositoryRule`]).
//!
//! The machinery (producers, consumers, payload types, drift) lives in
//! [`crate::contract`]; each rule file here turns one kind of drift into
//! findings.

mod consumer_reads_unknown_field;
mod enum_value_removed;
mod field_made_optional;
mod field_removed;
mod field_renamed;
mod field_type_changed;

pub use consumer_reads_unknown_field::ConsumerReadsUnknownField;
pub use enum_value_removed::EnumValueRemoved;
pub use field_made_optional::FieldMadeOptional;
pub use field_removed::FieldRemoved;
pub use field_renamed::FieldRenamed;
pub use field_type_changed::FieldTypeChanged;

use crate::contract::{Change, Channel, ContractContext, Drift, Subject, WireKind};
use crate::rules::{Confidence, LocatedFinding, RawFinding, RelatedSpan, RuleId, Severity};

/// `orderId` / `customer.email`, for messages.
pub(crate) fn key(path: &[String]) -> String {
    format!("`{}`", path.join("."))
}

/// The related locations of a drift: who still uses the old shape, or
/// where the payload is passed on unseen.
fn related(drift: &Drift) -> Vec<RelatedSpan> {
    drift
        .users
        .iter()
        .chain(drift.opaque.iter())
        .map(|u| RelatedSpan {
            path: (u.path != drift.path).then(|| u.path.clone()),
            span: u.span,
            message: u.message.clone(),
        })
        .collect()
}

/// The channels of a drift, for messages: "`order.created`", "`a` and `b`".
fn channels_phrase(drift: &Drift) -> String {
    let names: Vec<String> = drift.channels.iter().map(Channel::describe).collect();
    match names.as_slice() {
        [] => "its payload".to_string(),
        [one] => one.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

/// Where the users are, for messages: "`src/worker.ts`", "`a.py` and `b.rs`".
fn users_phrase(drift: &Drift) -> String {
    let mut paths: Vec<&str> = drift.users.iter().map(|u| u.path.as_str()).collect();
    paths.dedup();
    let quoted: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

/// What the thing that changed is called, for messages.
fn subject_phrase(drift: &Drift) -> String {
    match &drift.subject {
        Subject::Producer { call } => format!("`{call}`"),
        Subject::Type { name } => format!("type `{name}`"),
        Subject::Consumer => "this consumer".to_string(),
    }
}

/// The question a change with no consumer in sight must raise.
fn who_consumes(drift: &Drift) -> String {
    if drift.channels.is_empty() {
        format!(
            "Who consumes {}? It is declared as a wire format, but nothing in this repository sends or receives it — which services, queues or stored documents depend on its current shape?",
            subject_phrase(drift)
        )
    } else if drift.consumers_found {
        format!(
            "Who consumes {}? The consumers in this repository pass the payload on whole; does the code they pass it to read the old shape?",
            channels_phrase(drift)
        )
    } else {
        format!(
            "Who consumes {}? No consumer of it is in this repository — which services, webhooks, pipelines or stored messages read it?",
            channels_phrase(drift)
        )
    }
}

/// One finding of `rule` for each drift `words` has a message and questions
/// for (the drifts of the kind the rule reports).
fn report(
    rule: RuleId,
    context: &ContractContext,
    findings: &mut Vec<LocatedFinding>,
    words: impl Fn(&Drift) -> Option<(String, Vec<String>)>,
) {
    for drift in context.drifts() {
        if let Some((message, questions)) = words(drift) {
            findings.extend(finding(rule, drift, message, questions));
        }
    }
}

/// A drift's message, said of the declared type when a type changed
/// ("type `OrderCreated` no longer puts `email` on the wire (`order.created`): …"),
/// else of its channels ("`order.created` is no longer sent with `email`: …"),
/// closed by who still reads `key`.
fn drift_message(drift: &Drift, of_type: &str, of_channels: &str, key: &str) -> String {
    let channels = channels_phrase(drift);
    let impact = impact(drift, key);
    match &drift.subject {
        Subject::Type { name } => format!("type `{name}` {of_type} ({channels}): {impact}"),
        _ => format!("{channels} {of_channels}: {impact}"),
    }
}

/// Build the finding of a drift: severity from its evidence, related
/// locations, and the rule's message and questions.
fn finding(
    rule: RuleId,
    drift: &Drift,
    message: String,
    mut questions: Vec<String>,
) -> Option<LocatedFinding> {
    let severity = drift.severity()?;
    if severity == Severity::Medium && !matches!(drift.change, Change::UnknownRead { .. }) {
        questions.insert(0, who_consumes(drift));
    }
    Some(LocatedFinding {
        path: drift.path.clone(),
        finding: RawFinding {
            rule,
            severity,
            confidence: Confidence::High,
            span: drift.span,
            function: drift.function.clone(),
            trigger_text: drift.trigger.clone(),
            message,
            questions,
            related: related(drift),
        },
    })
}

/// The standard closing clause of a message: who is affected.
fn impact(drift: &Drift, old: &str) -> String {
    if !drift.users.is_empty() {
        let count = drift.users.len();
        let noun = drift
            .channels
            .first()
            .map_or("consumer", Channel::consumer_noun);
        format!(
            "{} still {} {old} ({})",
            if count == 1 {
                format!("a {noun}")
            } else {
                format!("{noun}s")
            },
            if count == 1 { "reads" } else { "read" },
            users_phrase(drift)
        )
    } else if drift.consumers_found {
        "the consumers in this repository pass the payload on without showing what they read"
            .to_string()
    } else if drift.channels.is_empty() {
        "nothing in this repository shows who reads it".to_string()
    } else {
        format!(
            "no consumer of {} is in this repository",
            channels_phrase(drift)
        )
    }
}
