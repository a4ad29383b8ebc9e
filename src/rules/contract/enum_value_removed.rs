//! `contract/enum-value-removed`.

use super::{Change, ContractContext, channels_phrase, finding, users_phrase};
use crate::rules::{Class, LocatedFinding, RepositoryRule, Rule, RuleDoc, RuleId, Severity};

/// ## What it detects
/// A value removed from an enum that travels in a payload — a TypeScript
/// string-literal union or `enum`, a Python `Enum`, a Rust serde enum —
/// while a consumer still handles that value, or a producer still sends it
/// to a consumer that now rejects it.
///
/// ## Why it breaks workflows
/// Stored and queued payloads still carry the old value; a strict consumer
/// rejects them ("unknown variant"), a lenient one drops them in a default
/// branch. Either way the downstream action silently does not happen.
pub struct EnumValueRemoved;

static DOC: RuleDoc = RuleDoc {
    summary: "A value is removed from an enum carried in a payload while a consumer or producer still uses it.",
    detects: "A value removed from a declared enum (TypeScript string-literal union or `enum`, Python `Enum`/`Literal`, Rust enum with serde renames resolved) that is part of a payload sent or received on a topic or route, while a consumer of that channel still compares with the value, or a producer still sends it to a consumer whose enum no longer accepts it. With nobody in the repository sending or receiving it, a wire type (serde, pydantic) gets a medium finding that asks who consumes it.",
    why: "The enum changes in one place, but the value lives on in queued messages, stored documents and the other side's code. A strict deserialiser rejects the whole message (`unknown variant`), a lenient consumer falls into a default branch; the downstream action silently does not happen.",
    bad: "// shared type (changed)\nexport type OrderStatus = 'pending' | 'paid';   // 'refunded' removed\n\n// consumer (unchanged)\nbus.subscribe('order.updated', (e) => { if (e.status === 'refunded') refunds.process(e.orderId); });",
    good: "// keep the value until no producer sends it and no stored message carries it\nexport type OrderStatus = 'pending' | 'paid' | 'refunded';",
    fix: "Keep accepting the value until no producer sends it and no stored or queued payload carries it; remove the consumer's handling in the same change when the value is truly gone.",
    questions: &[
        "Are payloads with this value still stored, queued or in flight?",
        "What does the consumer do with a value it does not know — reject, drop, or default?",
        "Does a workflow test send every enum value the producer can emit?",
    ],
};

impl Rule for EnumValueRemoved {
    fn id(&self) -> RuleId {
        RuleId("contract/enum-value-removed")
    }

    fn class(&self) -> Class {
        Class::Contract
    }

    fn default_severity(&self) -> Severity {
        Severity::High
    }

    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn repository(&self) -> Option<&dyn RepositoryRule> {
        Some(self)
    }
}

impl RepositoryRule for EnumValueRemoved {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        for drift in context.drifts() {
            let Change::EnumValueRemoved { type_name, value } = &drift.change else {
                continue;
            };
            let channels = channels_phrase(drift);
            let evidence = if drift.users.is_empty() {
                if drift.channels.is_empty() {
                    "nothing in this repository shows who sends or reads it".to_string()
                } else {
                    format!("no consumer of {channels} in this repository handles it")
                }
            } else {
                format!("it is still used in {}", users_phrase(drift))
            };
            let message =
                format!("`{type_name}` no longer has the value `{value}` ({channels}): {evidence}");
            let questions = vec![
                format!(
                    "Are payloads with `{value}` still stored, queued or in flight on {channels}, and what happens to them after the deploy?"
                ),
                format!(
                    "What does the consumer do with `{value}` once its `{type_name}` no longer knows it — reject the message, drop it, or fall into a default branch?"
                ),
                format!(
                    "Does a workflow test send every value of `{type_name}` the producer can still emit?"
                ),
            ];
            findings.extend(finding(self.id(), drift, message, questions));
        }
    }
}
