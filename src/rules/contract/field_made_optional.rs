//! `contract/field-made-optional`.

use super::{Change, ContractContext, Subject, channels_phrase, finding, impact, key};
use crate::rules::{Class, LocatedFinding, RepositoryRule, Rule, RuleDoc, RuleId, Severity};

/// ## What it detects
/// A key a producer always sent that may now be missing or null: sent
/// conditionally (`...(coupon && { coupon })`, `x ?? undefined`,
/// `x if c else None`), or declared optional (`?`, `Option<T>`,
/// `Optional[T]`, `NotRequired[T]`, `skip_serializing_if`), while a consumer
/// still reads it.
///
/// ## Why it breaks workflows
/// The consumer was written when the key was always there: it dereferences
/// it, passes it on, or validates it as required, and the rare payload
/// without it fails far from the change that caused it.
pub struct FieldMadeOptional;

static DOC: RuleDoc = RuleDoc {
    summary: "A payload key that was always sent may now be missing or null while a consumer still reads it.",
    detects: "A key that becomes conditional in a producer's object literal (a conditional spread, a value that may be `undefined`/`null`/`None`) or optional in the declared type it sends (`?:`, `| undefined`, `Option<T>`, `#[serde(default)]`, `skip_serializing_if`, `Optional[T]`, `NotRequired[T]`, `required=False`), while a consumer of the same topic or route still reads it. With no consumer in the repository the finding is medium and asks who consumes the payload.",
    why: "A nested object becoming optional is the quietest contract drift: most payloads still carry the key, tests use full fixtures, and only the rare message without it fails — in a consumer that dereferences it, or in a strict deserialiser that rejects the whole message.",
    bad: "// producer (changed)\nawait bus.publish('order.created', { orderId, ...(customer && { customer }) });\n\n// consumer (unchanged)\nbus.subscribe('order.created', (e) => mailer.send(e.customer.email));",
    good: "// consumer handles absence explicitly\nbus.subscribe('order.created', (e) => e.customer ? mailer.send(e.customer.email) : log.info('guest order'));",
    fix: "Make every consumer handle the missing key in the same change, or keep sending it (with an explicit empty value the consumer understands).",
    questions: &[
        "What does the consumer do when the key is missing?",
        "Is the absence a state the downstream system can represent?",
        "Does a workflow test send a payload without the key?",
    ],
};

impl Rule for FieldMadeOptional {
    fn id(&self) -> RuleId {
        RuleId("contract/field-made-optional")
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

impl RepositoryRule for FieldMadeOptional {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        for drift in context.drifts() {
            let Change::MadeOptional { field } = &drift.change else {
                continue;
            };
            let name = key(field);
            let channels = channels_phrase(drift);
            let message = match &drift.subject {
                Subject::Type { name: type_name } => format!(
                    "type `{type_name}` now declares {name} optional ({channels}): {}",
                    impact(drift, &name)
                ),
                _ => format!(
                    "{channels} may now be sent without {name}: {}",
                    impact(drift, &name)
                ),
            };
            let questions = vec![
                format!(
                    "What does each consumer of {channels} do when {name} is missing or null — skip, crash, or pass `undefined` on?"
                ),
                format!(
                    "Is a payload without {name} a state the downstream system can represent, or should the producer not send it at all?"
                ),
                format!(
                    "Does a workflow test send {channels} without {name} and check the outcome?"
                ),
            ];
            findings.extend(finding(self.id(), drift, message, questions));
        }
    }
}
