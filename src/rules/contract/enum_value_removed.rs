//! `contract/enum-value-removed`.

use super::{Change, ContractContext, channels_phrase, report, users_phrase};
use crate::rules::{LocatedFinding, RepositoryRule, Rule, declare_rule};

declare_rule! {
    /// A value is removed from an enum carried in a payload while a consumer or producer still uses
    /// it.
    ///
    /// ## What it detects
    /// A value removed from a declared enum (TypeScript string-literal union or `enum`, Python
    /// `Enum`/`Literal`, Rust enum with serde renames resolved) that is part of a payload sent or
    /// received on a topic or route, while a consumer of that channel still compares with the
    /// value, or a producer still sends it to a consumer whose enum no longer accepts it. With
    /// nobody in the repository sending or receiving it, a wire type (serde, pydantic) gets a
    /// medium finding that asks who consumes it.
    ///
    /// ## Why it breaks workflows
    /// The enum changes in one place, but the value lives on in queued messages, stored documents
    /// and the other side's code. A strict deserialiser rejects the whole message (`unknown
    /// variant`), a lenient consumer falls into a default branch; the downstream action silently
    /// does not happen.
    ///
    /// ## Example
    /// ```typescript
    /// // events.ts, before:
    /// export type OrderStatus = 'pending' | 'paid' | 'refunded';
    /// export interface OrderUpdated {
    ///   orderId: string;
    ///   status: OrderStatus;
    /// }
    /// // events.ts, after:
    /// export type OrderStatus = 'pending' | 'paid';
    /// export interface OrderUpdated {
    ///   orderId: string;
    ///   status: OrderStatus;
    /// }
    /// // orders.ts, unchanged:
    /// import type { OrderUpdated } from './events';
    /// export async function update(order: Order): Promise<void> {
    ///   const event: OrderUpdated = { orderId: order.id, status: order.status };
    ///   await bus.publish('order.updated', event);
    /// }
    /// // refunds.ts, unchanged:
    /// bus.subscribe('order.updated', async (e) => {
    ///   if (e.status === 'refunded') await refunds.process(e.orderId);
    /// });
    /// ```
    ///
    /// Use instead:
    /// ```typescript
    /// // events.ts, after:
    /// // the value stays until no producer sends it and no stored message carries it
    /// export type OrderStatus = 'pending' | 'paid' | 'refunded';
    /// export interface OrderUpdated {
    ///   orderId: string;
    ///   status: OrderStatus;
    /// }
    /// ```
    ///
    /// ## How to fix it
    /// Keep accepting the value until no producer sends it and no stored or queued payload carries
    /// it; remove the consumer's handling in the same change when the value is truly gone.
    ///
    /// ## Reviewer questions
    /// - Are payloads with this value still stored, queued or in flight?
    /// - What does the consumer do with a value it does not know — reject, drop, or default?
    /// - Does a workflow test send every enum value the producer can emit?
    pub struct EnumValueRemoved {
        id: "contract/enum-value-removed",
        severity: High,
        checks: repository,
    }
}

impl RepositoryRule for EnumValueRemoved {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        report(self.id(), context, findings, |drift| {
            let Change::EnumValueRemoved { type_name, value } = &drift.change else {
                return None;
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
            Some((message, questions))
        });
    }
}
