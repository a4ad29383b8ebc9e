//! Idempotency: a retry or a re-delivery repeats a non-idempotent side effect.

mod consumer_not_idempotent;
mod key_regenerated_per_attempt;
mod retry_without_key;

pub use consumer_not_idempotent::ConsumerNotIdempotent;
pub use key_regenerated_per_attempt::KeyRegeneratedPerAttempt;
pub use retry_without_key::RetryWithoutKey;

use crate::flow::RetryFacts;
use crate::knowledge::{Knowledge, SinkKind, SinkOrigin};
use crate::model::{Call, Ecosystem, Function, Language};

/// A side effect that acts again when it is repeated.
struct Effect {
    /// A short label (`Stripe`, `HTTP client`).
    label: String,
    /// What it reaches.
    kind: SinkKind,
    /// Whether it came from a generic pattern (`*.publish`).
    generic: bool,
}

/// The non-idempotent side effect `call` performs, if any: a pack sink marked
/// non-idempotent, or a write through a client configured to resend writes.
///
/// A method chain is one effect, reported once: on its first pack sink
/// (`client.post(u).json(b).send()`), or — when no part is a pack sink — on
/// the whole chain. `owner` is the chain's outermost call when `call` is an
/// inner part of it.
fn effect(
    call: &Call,
    owner: Option<&Call>,
    knowledge: &Knowledge,
    facts: &RetryFacts,
) -> Option<Effect> {
    let pack_effect = |sink: &crate::knowledge::Sink| {
        // A queue handed a function schedules work in-process (p-queue,
        // `jobQueue.enqueue(async () => ..)`): no message leaves.
        let in_process = sink.kind == SinkKind::Event && call.callbacks().next().is_some();
        // A helper of this file is judged at its own effect (a retry around
        // a call of it reaches into it: `RetryFacts`), not again at each call.
        let local_helper = sink.origin == SinkOrigin::LocalHelper;
        (sink.non_idempotent && !in_process && !local_helper).then(|| Effect {
            label: sink.label.clone(),
            kind: sink.kind,
            generic: sink.generic,
        })
    };
    if let Some(owner) = owner {
        let sink = knowledge.sink(call)?;
        let earlier_sink = owner
            .chain
            .iter()
            .take_while(|c| c.span != call.span)
            .any(|c| knowledge.sink(c).is_some());
        return if earlier_sink {
            None
        } else {
            pack_effect(sink)
        };
    }
    if let Some(sink) = knowledge.sink(call) {
        return pack_effect(sink);
    }
    if call.chain.iter().any(|c| knowledge.sink(c).is_some()) {
        return None;
    }
    facts.is_retrying_client_write(call).then(|| Effect {
        label: "HTTP client".to_string(),
        kind: SinkKind::Http,
        generic: false,
    })
}

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
