//! Idempotency: a retry or a re-delivery repeats a non-idempotent side effect.
//!
//! Which calls act again when repeated is decided in [`crate::flow::repeated`];
//! this module holds the words the three rules share.

mod consumer_not_idempotent;
mod key_regenerated_per_attempt;
mod retry_without_key;

pub use consumer_not_idempotent::ConsumerNotIdempotent;
pub use key_regenerated_per_attempt::KeyRegeneratedPerAttempt;
pub use retry_without_key::RetryWithoutKey;

use crate::flow::repeated::{Effect, effect};
use crate::knowledge::SinkKind;
use crate::model::{Call, Ecosystem, Function, Language};

/// The words for a repeated effect.
impl Effect {
    /// What the call does: "calls the payment provider", "opens a ticket".
    fn action(&self) -> &'static str {
        match self.kind {
            SinkKind::Crm if self.label.contains("fulfillment") => "creates a shipment",
            SinkKind::Crm if self.label.contains("ticket") => "opens a ticket or issue",
            kind => kind.action(),
        }
    }

    /// What a repeated effect does: "the customer is charged twice".
    fn twice(&self) -> &'static str {
        match self.kind {
            SinkKind::Event => "the message is published twice",
            SinkKind::Email => "the e-mail goes out twice",
            SinkKind::Http => "the other service receives the write twice",
            SinkKind::Payment => "the customer is charged twice",
            SinkKind::Crm if self.label.contains("fulfillment") => "the order ships twice",
            SinkKind::Crm if self.label.contains("ticket") => "a second ticket is opened",
            SinkKind::Crm => "the record is created twice",
        }
    }
}

/// The ecosystem of a path (JS when unknown: only used for wording).
fn ecosystem_of(path: &str) -> Ecosystem {
    Language::from_path(path).map_or(Ecosystem::Js, Language::ecosystem)
}

/// Where an idempotency key goes for this kind of effect, in this ecosystem.
fn key_suggestion(kind: SinkKind, ecosystem: Ecosystem) -> &'static str {
    match (kind, ecosystem) {
        (SinkKind::Payment, Ecosystem::Js) => "the `idempotencyKey` request option",
        (SinkKind::Payment, _) => "the provider's `idempotency_key`",
        (SinkKind::Http, _) => "an `Idempotency-Key` header",
        (SinkKind::Event, Ecosystem::Js) => {
            "a deduplication id (SQS `MessageDeduplicationId`, BullMQ `jobId`)"
        }
        (SinkKind::Event, Ecosystem::Python) => {
            "a deduplication id (Celery `task_id`, SQS `MessageDeduplicationId`)"
        }
        (SinkKind::Event, Ecosystem::Rust) => {
            "a deduplication id (`message_deduplication_id`, a message key the consumer dedupes on)"
        }
        (SinkKind::Email | SinkKind::Crm, _) => {
            "an idempotency key or external id the provider deduplicates on"
        }
    }
}

/// The first parameter that names the work item (not `self`, `ctx`, `req`,
/// nor a retry helper's `bail` / `attempt`): stable data a key can be
/// derived from.
fn stable_parameter(function: &Function) -> Option<String> {
    /// Parameters that are handles to other systems or framework plumbing.
    const NOT_WORK_ITEMS: &[&str] = &[
        "self",
        "&self",
        "&mut self",
        "cls",
        "ctx",
        "context",
        "req",
        "request",
        "res",
        "response",
        "bail",
        "attempt",
        "retry",
        "number",
        "signal",
        "client",
        "http",
        "session",
        "db",
        "pool",
        "conn",
        "connection",
        "mailer",
        "consumer",
        "producer",
        "app",
        "logger",
        "log",
        "tx",
        "trx",
        "next",
        "channel",
        "ch",
        "method",
        "properties",
        "_",
    ];
    /// Type names of handles to other systems.
    const HANDLE_TYPES: &[&str] = &[
        "Client",
        "Pool",
        "Connection",
        "Session",
        "Mailer",
        "Consumer",
        "Producer",
        "Sender",
        "Context",
        "Request",
        "Logger",
    ];
    function.params.iter().find_map(|param| {
        let name = param
            .destructured
            .first()
            .cloned()
            .unwrap_or_else(|| param.name.clone());
        let handle = param
            .type_annotation
            .as_deref()
            .is_some_and(|t| HANDLE_TYPES.iter().any(|h| t.contains(h)));
        let usable = !handle
            && !NOT_WORK_ITEMS.contains(&name.as_str())
            && !name.starts_with('_')
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        usable.then_some(name)
    })
}

/// "`user_id`", "`order.id`" or "the record's or message's id", for suggestions.
fn stable_data_phrase(functions: &[&Function]) -> String {
    match functions.iter().find_map(|f| stable_parameter(f)) {
        Some(name) if name.ends_with("id") || name.ends_with("Id") || name.ends_with("key") => {
            format!("`{name}`")
        }
        Some(name) => format!("`{name}.id`"),
        None => "the record's or message's id".to_string(),
    }
}

/// "`order.created`" when the call names its destination, else "this call".
fn subject(call: &Call) -> String {
    match crate::flow::destination(call) {
        Some(dest) => format!("`{}`", crate::flow::shorten(&dest, 50)),
        None => "this call".to_string(),
    }
}

/// Who receives the effect, for questions: "the payment provider".
fn receiver(kind: SinkKind) -> &'static str {
    match kind {
        SinkKind::Event => "the broker and its consumers",
        SinkKind::Email => "the e-mail provider",
        SinkKind::Http => "the receiving service",
        SinkKind::Payment => "the payment provider",
        SinkKind::Crm => "the receiving system",
    }
}

/// "exactly one charge (`stripe.charges.create`)", for test questions.
fn one_effect(call: &Call, effect: &Effect) -> String {
    let noun = match effect.kind {
        SinkKind::Event => "published message",
        SinkKind::Email => "e-mail",
        SinkKind::Http => "request",
        SinkKind::Payment => "charge",
        SinkKind::Crm if effect.label.contains("fulfillment") => "shipment",
        SinkKind::Crm if effect.label.contains("ticket") => "ticket",
        SinkKind::Crm => "record",
    };
    format!(
        "exactly one {noun} (`{}`)",
        crate::flow::shorten(&call.callee, 50)
    )
}

#[cfg(test)]
mod tests;
