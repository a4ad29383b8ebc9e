//! `contract/field-type-changed`.

use super::{Change, ContractContext, Subject, WireKind, channels_phrase, impact, key, report};
use crate::flow::shorten;
use crate::rules::{LocatedFinding, RepositoryRule, Rule, declare_rule};

declare_rule! {
    /// A payload value changes type or format (number ↔ string, ISO timestamp ↔ epoch) while a
    /// consumer still reads it.
    ///
    /// ## What it detects
    /// A key whose value kind changes between base and head: a literal of another type, a
    /// conversion added or removed around the same expression (`String(x)`, `x.toFixed(2)`,
    /// `Number(x)`, `str(x)`), a timestamp written in another format (`toISOString()`, `getTime()`,
    /// `Date.now()`, `isoformat()`, `timestamp()`, `to_rfc3339()`, `timestamp_millis()`), or a
    /// declared field type of another kind (TypeScript, Python annotations and serializer fields,
    /// Rust types and serde `with` formats). With no consumer in the repository the finding is
    /// medium and asks who consumes the payload.
    ///
    /// ## Why it breaks workflows
    /// Both sides compile. The consumer parses the new value with the old expectation: JavaScript
    /// concatenates instead of adding, dates become `Invalid Date` or land in 1970, and strict
    /// deserialisers (serde, pydantic) reject the whole message.
    ///
    /// ## Example
    /// ```javascript
    /// // payments.js, before:
    /// export async function capture(order) {
    ///   await bus.publish('order.paid', { orderId: order.id, paidAt: order.paidAt.toISOString() });
    /// }
    /// // payments.js, after:
    /// export async function capture(order) {
    ///   await bus.publish('order.paid', { orderId: order.id, paidAt: order.paidAt.getTime() });
    /// }
    /// // ledger.js, unchanged:
    /// bus.subscribe('order.paid', ({ orderId, paidAt }) => ledger.record(orderId, Date.parse(paidAt)));
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// // payments.js, after:
    /// export async function capture(order) {
    ///   // the old format under the old key, the new one under a new key
    ///   await bus.publish('order.paid', {
    ///     orderId: order.id,
    ///     paidAt: order.paidAt.toISOString(),
    ///     paidAtMs: order.paidAt.getTime(),
    ///   });
    /// }
    /// ```
    ///
    /// ## How to fix it
    /// Keep the old format under the old key and add the new format under a new key, or change
    /// every consumer's parsing in the same change.
    ///
    /// ## Reviewer questions
    /// - Does every consumer parse the value the new way?
    /// - What does a consumer that parses it the old way do — fail loudly or compute something
    ///   wrong?
    /// - Can the new format go under a new key while the old one stays?
    pub struct FieldTypeChanged {
        id: "contract/field-type-changed",
        severity: High,
        checks: repository,
    }
}

/// "an ISO-8601 timestamp string", or the expression when the kind is unknown.
fn describe(kind: Option<WireKind>, text: &str) -> String {
    match kind {
        Some(kind) => kind.to_string(),
        None if text.is_empty() => "its previous type".to_string(),
        None => format!("`{}` unconverted", shorten(text, 40)),
    }
}

impl RepositoryRule for FieldTypeChanged {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        report(self.id(), context, findings, |drift| {
            let Change::TypeChanged {
                field,
                from,
                to,
                from_text,
                to_text,
            } = &drift.change
            else {
                return None;
            };
            let name = key(field);
            let channels = channels_phrase(drift);
            let (before, after) = (describe(*from, from_text), describe(*to, to_text));
            let owner = match &drift.subject {
                Subject::Type { name } => format!("type `{name}` now declares"),
                _ => format!("{channels} now carries"),
            };
            let message = format!(
                "{owner} {name} as {after} instead of {before}: {}",
                impact(drift, &name)
            );
            let timestamps = matches!(from, Some(WireKind::Timestamp(_)))
                || matches!(to, Some(WireKind::Timestamp(_)));
            let parsing = if timestamps {
                format!(
                    "Does every consumer of {channels} parse {name} in the new format? `new Date(…)` accepts both epoch milliseconds and ISO strings but not epoch seconds; Python's `datetime.fromisoformat`, pydantic and serde accept only what they were written for."
                )
            } else if matches!(
                (from, to),
                (Some(WireKind::Number), Some(WireKind::String))
                    | (Some(WireKind::String), Some(WireKind::Number))
                    | (None, Some(WireKind::String))
                    | (None, Some(WireKind::Number))
            ) {
                format!(
                    "Does every consumer of {channels} convert {name} before computing with it? In JavaScript `'10.00' + 1` is `'10.001'`; serde and pydantic reject the message outright."
                )
            } else {
                format!("Does every consumer of {channels} accept {name} as {after}?")
            };
            let questions = vec![
                parsing,
                format!(
                    "Can the new representation go under a new key while {name} keeps its current one until every consumer has moved?"
                ),
                format!(
                    "How would a workflow test verify the value the consumer of {channels} computes from {name}?"
                ),
            ];
            Some((message, questions))
        });
    }
}
