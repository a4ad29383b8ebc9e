//! `contract/consumer-reads-unknown-field`.

use super::{Change, ContractContext, channels_phrase, key, report};
use crate::rules::{LocatedFinding, RepositoryRule, Rule, declare_rule};

declare_rule! {
    /// A consumer changed to read a payload key that no producer of its topic or route sends.
    ///
    /// ## What it detects
    /// A read added to a consumer or route handler (`event.order_id`, `({ order_id })`,
    /// `event["order_id"]`, `event.get("order_id")`), or a key newly required by the payload type
    /// it validates (serde, pydantic), when every producer of the same topic or route in the
    /// repository sends a known object without that key.
    ///
    /// ## Why it breaks workflows
    /// The consumer is changed alone and its tests are fed the payload it now expects, so
    /// everything is green; in production the producer never sends the key, and the consumer reads
    /// `undefined`/`None` or rejects every message.
    ///
    /// ## Example
    /// ```javascript
    /// // orders.js, unchanged:
    /// export async function announce(order) {
    ///   await bus.publish('order.created', { orderId: order.id });
    /// }
    /// // fulfilment.js, before:
    /// bus.subscribe('order.created', async ({ orderId }) => fulfil(orderId));
    /// // fulfilment.js, after:
    /// bus.subscribe('order.created', async ({ order_id }) => fulfil(order_id));
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// // fulfilment.js, after:
    /// bus.subscribe('order.created', async ({ orderId }) => fulfil(orderId, { source: 'order.created' }));
    /// ```
    ///
    /// ## How to fix it
    /// Read the key the producers send, or change the producers in the same change (sending both
    /// keys while consumers move).
    ///
    /// ## Reviewer questions
    /// - Which producer is meant to send this key?
    /// - Should the consumer accept both keys during the rollout?
    /// - Does the consumer's test use a payload recorded from the real producer?
    pub struct ConsumerReadsUnknownField {
        id: "contract/consumer-reads-unknown-field",
        severity: High,
        checks: repository,
    }
}

impl RepositoryRule for ConsumerReadsUnknownField {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        report(self.id(), context, findings, |drift| {
            let Change::UnknownRead { field, read } = &drift.change else {
                return None;
            };
            let name = key(field);
            let channels = channels_phrase(drift);
            let count = drift.users.len();
            let message = format!(
                "`{read}` reads {name} from {channels}, but {} in this repository {} it",
                if count == 1 {
                    "the producer".to_string()
                } else {
                    format!("none of the {count} producers")
                },
                if count == 1 { "does not send" } else { "sends" }
            );
            let questions = vec![
                format!(
                    "Which producer of {channels} is meant to send {name}? The producers here are listed as related locations with the keys they send."
                ),
                format!(
                    "Should the consumer accept the key the producers send today until they send {name}?"
                ),
                format!(
                    "Does the consumer's test use a payload recorded from the real producer of {channels}, rather than one written to match the consumer?"
                ),
            ];
            Some((message, questions))
        });
    }
}
