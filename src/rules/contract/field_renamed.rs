//! `contract/field-renamed`.

use super::{Change, ContractContext, channels_phrase, drift_message, key, report};
use crate::rules::{LocatedFinding, RepositoryRule, Rule, declare_rule};

declare_rule! {
    /// A payload key is renamed on the producer side while a consumer still reads the old name.
    ///
    /// ## What it detects
    /// A key of a published message, an HTTP request body or a route response renamed in the
    /// producer's object literal or in the declared type it sends (TypeScript interface or type
    /// alias, Python TypedDict/dataclass/pydantic/DRF/marshmallow, Rust serde struct including
    /// `rename`/`rename_all`), while a consumer of the same topic or route — destructuring `({
    /// orderId })`, reading `event.orderId`, `event["order_id"]`, `event.get("order_id")`, or
    /// validating a typed payload — still uses the old key. With no consumer in the repository the
    /// finding is medium and asks who consumes the payload.
    ///
    /// ## Why it breaks workflows
    /// Producer and consumer are each valid in isolation, so compilers and unit tests stay green,
    /// but after the deploy the consumer reads a missing key: it gets `undefined` or `None`,
    /// silently skips work, or writes nulls downstream. Messages already queued under the old name
    /// break the new consumer the other way round.
    ///
    /// ## Example
    /// ```javascript
    /// // orders.js, before:
    /// export async function announce(order) {
    ///   await eventBus.publish('order.created', { orderId: order.id, total: order.total });
    /// }
    /// // orders.js, after:
    /// export async function announce(order) {
    ///   await eventBus.publish('order.created', { order_id: order.id, total: order.total });
    /// }
    /// // worker.js, unchanged:
    /// worker.on('order.created', async ({ orderId }) => fulfil(orderId));
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// // orders.js, after:
    /// export async function announce(order) {
    ///   // both keys until every consumer (and every queued message) has moved
    ///   await eventBus.publish('order.created', { orderId: order.id, order_id: order.id, total: order.total });
    /// }
    /// // worker.js, after:
    /// worker.on('order.created', async ({ order_id, orderId }) => fulfil(order_id ?? orderId));
    /// ```
    ///
    /// ## How to fix it
    /// Rename the key in every consumer in the same change, or keep sending the old key next to the
    /// new one until every consumer (and every queued message) has moved; version the topic or
    /// route when the change cannot be made compatible.
    ///
    /// ## Reviewer questions
    /// - Which deploys first — producer or consumer — and what does the consumer read in between?
    /// - Can the producer send both keys until every consumer has moved?
    /// - What happens to messages already queued under the old key?
    /// - How would a workflow test verify that the consumer receives the new key and acts on it?
    pub struct FieldRenamed {
        id: "contract/field-renamed",
        severity: High,
        checks: repository,
    }
}

impl RepositoryRule for FieldRenamed {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        report(self.id(), context, findings, |drift| {
            let Change::Renamed { from, to } = &drift.change else {
                return None;
            };
            let (old, new) = (key(from), key(to));
            let channels = channels_phrase(drift);
            let message = drift_message(
                drift,
                &format!("now puts {new} on the wire instead of {old}"),
                &format!("is now sent with {new} instead of {old}"),
                &old,
            );
            let questions = vec![
                format!(
                    "Which deploys first? Until every consumer of {channels} reads {new}, it finds {old} missing — can the producer send both keys during the rollout?"
                ),
                format!(
                    "What happens to payloads already sent or queued with {old} once the consumers expect {new}?"
                ),
                format!(
                    "How would a workflow test verify that the consumer of {channels} receives {new} and acts on it?"
                ),
            ];
            Some((message, questions))
        });
    }
}
