//! Which calls act again when they are repeated: the non-idempotent side
//! effects a retry or a re-delivery repeats, decided once for the
//! idempotency rules.

use super::RetryFacts;
use crate::knowledge::{Knowledge, SinkKind, SinkOrigin};
use crate::model::Call;

/// A side effect that acts again when it is repeated.
pub struct Effect {
    /// A short label (`Stripe`, `HTTP client`).
    pub label: String,
    /// What it reaches.
    pub kind: SinkKind,
    /// Whether it came from a generic pattern (`*.publish`).
    pub generic: bool,
}

/// The non-idempotent side effect `call` performs, if any: a pack sink marked
/// non-idempotent, or a write through a client configured to resend writes.
///
/// A method chain is one effect, reported once: on its first pack sink
/// (`client.post(u).json(b).send()`), or — when no part is a pack sink — on
/// the whole chain. `owner` is the chain's outermost call when `call` is an
/// inner part of it.
pub fn effect(
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
