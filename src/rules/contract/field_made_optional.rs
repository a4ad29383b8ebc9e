//! `contract/field-made-optional`.

use super::{Change, ContractContext, channels_phrase, drift_message, key, report};
use crate::rules::{LocatedFinding, RepositoryRule, Rule, declare_rule};

declare_rule! {
    /// A payload key that was always sent may now be missing or null while a consumer still reads
    /// it.
    ///
    /// ## What it detects
    /// A key that becomes conditional in a producer's object literal (a conditional spread, a value
    /// that may be `undefined`/`null`/`None`) or optional in the declared type it sends (`?:`, `|
    /// undefined`, `Option<T>`, `#[serde(default)]`, `skip_serializing_if`, `Optional[T]`,
    /// `NotRequired[T]`, `required=False`), while a consumer of the same topic or route still reads
    /// it. With no consumer in the repository the finding is medium and asks who consumes the
    /// payload.
    ///
    /// ## Why it breaks workflows
    /// A nested object becoming optional is the quietest contract drift: most payloads still carry
    /// the key, tests use full fixtures, and only the rare message without it fails — in a consumer
    /// that dereferences it, or in a strict deserialiser that rejects the whole message.
    ///
    /// ## Example
    /// ```javascript
    /// // orders.js, before:
    /// export async function announce(order, customer) {
    ///   await bus.publish('order.created', { orderId: order.id, customer });
    /// }
    /// // orders.js, after:
    /// export async function announce(order, customer) {
    ///   await bus.publish('order.created', { orderId: order.id, ...(customer && { customer }) });
    /// }
    /// // receipts.js, unchanged:
    /// bus.subscribe('order.created', (e) => mailer.send(e.customer.email));
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// // orders.js, after:
    /// const GUEST = { email: null, guest: true };
    /// export async function announce(order, customer) {
    ///   // always sent: a guest order carries a customer the consumer understands
    ///   await bus.publish('order.created', { orderId: order.id, customer: customer ?? GUEST });
    /// }
    /// ```
    ///
    /// ## How to fix it
    /// Make every consumer handle the missing key in the same change, or keep sending it (with an
    /// explicit empty value the consumer understands).
    ///
    /// ## Reviewer questions
    /// - What does the consumer do when the key is missing?
    /// - Is the absence a state the downstream system can represent?
    /// - Does a workflow test send a payload without the key?
    pub struct FieldMadeOptional {
        id: "contract/field-made-optional",
        severity: High,
        checks: repository,
    }
}

impl RepositoryRule for FieldMadeOptional {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        report(self.id(), context, findings, |drift| {
            let Change::MadeOptional { field } = &drift.change else {
                return None;
            };
            let name = key(field);
            let channels = channels_phrase(drift);
            let message = drift_message(
                drift,
                &format!("now declares {name} optional"),
                &format!("may now be sent without {name}"),
                &name,
            );
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
            Some((message, questions))
        });
    }
}
