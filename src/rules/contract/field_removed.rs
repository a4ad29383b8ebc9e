//! `contract/field-removed`.

use super::{Change, ContractContext, channels_phrase, drift_message, key, report};
use crate::rules::{LocatedFinding, RepositoryRule, Rule, declare_rule};

declare_rule! {
    /// A payload key is no longer sent while a consumer still reads it.
    ///
    /// ## What it detects
    /// A key removed from the object a producer publishes, posts or responds with, or from the
    /// declared type it sends (including a serde field now `#[serde(skip)]`), while a consumer of
    /// the same topic or route still reads it. With no consumer in the repository the finding is
    /// medium and asks who consumes the payload.
    ///
    /// ## Why it breaks workflows
    /// Nothing fails at the producer: the consumer simply stops receiving the value and falls back
    /// to `undefined`, `None` or a default, which flows into the next system as missing data — the
    /// failure surfaces days later as a support ticket.
    ///
    /// ## Example
    /// ```javascript
    /// // orders.js, before:
    /// export async function sendReceipt(order, customer) {
    ///   await queue.add('send-receipt', { orderId: order.id, email: customer.email });
    /// }
    /// // orders.js, after:
    /// export async function sendReceipt(order, customer) {
    ///   await queue.add('send-receipt', { orderId: order.id });
    /// }
    /// // receipts.js, unchanged:
    /// new Worker('send-receipt', async (job) => mailer.send(job.data.email));
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// // orders.js, after:
    /// export async function sendReceipt(order, customer) {
    ///   await queue.add('send-receipt', { orderId: order.id, email: customer.email });
    /// }
    /// ```
    ///
    /// ## How to fix it
    /// Keep sending the key until no consumer reads it, or change the consumers in the same change
    /// to get the value elsewhere (load it by id).
    ///
    /// ## Reviewer questions
    /// - Does every consumer still work without the key — or does it fall back silently?
    /// - Can the key stay, deprecated, until no consumer reads it?
    /// - How would a workflow test catch a consumer acting on a missing value?
    pub struct FieldRemoved {
        id: "contract/field-removed",
        severity: High,
        checks: repository,
    }
}

impl RepositoryRule for FieldRemoved {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        report(self.id(), context, findings, |drift| {
            let Change::Removed { field } = &drift.change else {
                return None;
            };
            let old = key(field);
            let channels = channels_phrase(drift);
            let message = drift_message(
                drift,
                &format!("no longer puts {old} on the wire"),
                &format!("is no longer sent with {old}"),
                &old,
            );
            let questions = vec![
                format!(
                    "What does each consumer of {channels} do without {old} — fail, skip the work, or carry on with `undefined`/`None`?"
                ),
                format!(
                    "Can {old} stay, deprecated, until no consumer reads it, or can the consumer load the value another way in the same change?"
                ),
                format!(
                    "How would a workflow test verify that the downstream action still happens without {old}?"
                ),
            ];
            Some((message, questions))
        });
    }
}
