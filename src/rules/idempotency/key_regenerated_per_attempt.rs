//! `idempotency/key-regenerated-per-attempt`.

use super::{effect, one_effect, stable_data_phrase};
use crate::flow::keys::{Bindings, KeyFinder, KeyOrigin, Regenerated, regenerated_per_attempt};
use crate::flow::retried::retried_phrase;
use crate::flow::shorten;
use crate::flow::{RetryFacts, WalkState};
use crate::knowledge::{HandlerRole, Knowledge, SinkOrigin};
use crate::model::Call;
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};

declare_rule! {
    /// An idempotency key is generated inside the retried code (uuid4(), randomUUID(), Date.now()),
    /// so every attempt sends a new key and nothing is deduplicated.
    ///
    /// ## What it detects
    /// A side-effect call whose idempotency key (an `idempotencyKey` option, an `Idempotency-Key`
    /// header, `idempotency_key=`, `MessageDeduplicationId`, BullMQ `jobId`, …) comes from a key
    /// generator (`uuid4()`, `uuid.v4()`, `crypto.randomUUID()`, `Uuid::new_v4()`, `nanoid()`,
    /// `Date.now()`, `time.time()`) — directly, through a variable, or interpolated in a string —
    /// when the generation runs again on every attempt: inside a retry wrapper's callback, a
    /// retried function or task, a hand-written retry loop, or a job or message handler that is
    /// re-run on re-delivery. A key generated once, before the retry starts, is not flagged, nor
    /// is one minted in a hand-written loop that goes round only after the service answered 429
    /// (every attempt repeated is one the service refused).
    ///
    /// ## Why it breaks workflows
    /// The point of an idempotency key is that a retry sends the *same* key, so the downstream
    /// system recognises it and returns the first result. A key made fresh inside the attempt
    /// differs every time: the first attempt's ticket or charge exists, the retry's new key creates
    /// a second one. The code looks safe in review — a key is there — and tests pass because they
    /// never retry after a success.
    ///
    /// ## Example
    /// ```javascript
    /// await pRetry(async () => {
    ///   await stripe.paymentIntents.create(
    ///     { amount: order.total, currency: 'eur', customer: order.customerId },
    ///     { idempotencyKey: randomUUID() }, // new key on every attempt
    ///   );
    /// }, { retries: 3 });
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// const idempotencyKey = `order-${order.id}-payment`; // same key on every attempt
    /// await pRetry(async () => {
    ///   await stripe.paymentIntents.create(
    ///     { amount: order.total, currency: 'eur', customer: order.customerId },
    ///     { idempotencyKey },
    ///   );
    /// }, { retries: 3 });
    /// ```
    ///
    /// ## How to fix it
    /// Derive the key from stable data that identifies the operation (`order-${order.id}-payment`,
    /// `f"onboarding-{user_id}"`, the job or event id), or generate it once before the retry starts
    /// — or store it with the job when it is enqueued — and reuse it on every attempt.
    ///
    /// ## Reviewer questions
    /// - What stable data identifies this operation, so that every attempt sends the same key?
    /// - Can the key be generated once before the retry starts (or stored with the job) and reused?
    /// - How would a test verify that two attempts send the same key and produce exactly one
    ///   effect?
    /// - What happens downstream when the first attempt succeeded but its response was lost?
    pub struct KeyRegeneratedPerAttempt {
        id: "idempotency/key-regenerated-per-attempt",
        severity: High,
        checks: file,
    }
}

impl KeyRegeneratedPerAttempt {
    /// A retried call of a helper from another file that mints the key it
    /// sends on every call (`postJson` sets `Idempotency-Key:
    /// crypto.randomUUID()`): reported at the call, the retry is here. A
    /// helper of this file is reported inside it, where its key is minted.
    fn minted_by_imported_helper(
        &self,
        call: &Call,
        state: &WalkState<'_>,
        facts: &RetryFacts<'_>,
        file: &FileContext<'_>,
    ) -> Option<RawFinding> {
        let sink = file.knowledge.sink(call)?;
        if sink.origin != SinkOrigin::ImportedHelper || !sink.non_idempotent {
            return None;
        }
        let key = sink.key.as_ref()?;
        let generator = shorten(key.generated_by.as_deref()?, 40);
        let retried = facts.retried(call, state)?;
        let name = shorten(&key.name, 40);
        let callee = shorten(&call.callee, 50);
        let how = retried_phrase(&retried);
        let stable = stable_data_phrase(&crate::flow::functions_around(file.model, call.span));
        Some(RawFinding {
            rule: self.id(),
            severity: if retried.certain {
                Severity::High
            } else {
                Severity::Medium
            },
            confidence: Confidence::High.when_certain(retried.certain),
            span: call.span,
            function: state.function.clone(),
            trigger_text: call.text.clone(),
            message: format!(
                "`{callee}` sends a `{name}` it generates itself with `{generator}()` on every call ({}), and it is {how}: every attempt sends a new key, so the downstream system treats each retry as a new request and the key deduplicates nothing",
                sink.label,
            ),
            questions: vec![
                format!(
                    "What stable data identifies this operation — {stable}, the order, job or event id — so that every attempt sends the same `{name}`?"
                ),
                format!(
                    "Can the caller make `{name}` once, before the retry starts, and pass it to `{callee}` instead of `{callee}` minting one per call?"
                ),
                format!(
                    "How would a test verify that two attempts of `{callee}` send the same `{name}` and produce exactly one effect?"
                ),
                "What happens downstream when the first attempt succeeded but its response was lost, and the retry arrives with a different key?".to_string(),
            ],
            related: vec![RelatedSpan {
                path: None,
                span: retried.origin,
                message: format!("retried here ({})", retried.label),
            }],
        })
    }
}

impl FileRule for KeyRegeneratedPerAttempt {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let walker = file.walker();
        let facts = file.retry_facts();
        let bindings = Bindings::new(file.model);
        let keys = KeyFinder::new(file.knowledge, &bindings, file.source);
        walker.walk(file.model, &mut |call, state| {
            let finding = self
                .minted_by_imported_helper(call, state, facts, file)
                .or_else(|| self.minted_here(call, state, file, &keys, &bindings, facts));
            findings.extend(finding);
        });
    }
}

impl KeyRegeneratedPerAttempt {
    /// A key generated in this file for `call`, minted anew on every attempt.
    fn minted_here(
        &self,
        call: &Call,
        state: &WalkState<'_>,
        file: &FileContext<'_>,
        keys: &KeyFinder<'_, '_>,
        bindings: &Bindings<'_>,
        facts: &RetryFacts<'_>,
    ) -> Option<RawFinding> {
        let knowledge = file.knowledge;
        let key = keys.key_of(call)?;
        let KeyOrigin::Generated {
            generator,
            at,
            text,
        } = &key.origin
        else {
            return None;
        };
        // One report per chain: on its effect, or — for a key given to a
        // call no pack knows — on the whole chain.
        let owner = bindings.chain_owner(call);
        let effect = effect(call, owner, knowledge, facts);
        if effect.is_none() && !idempotency_key_of_unknown_call(&key.name, call, owner, knowledge) {
            return None;
        }
        let regenerated = regenerated_per_attempt(*at, call, state, facts, knowledge)?;
        let (severity, how, origin) = rerun(regenerated, state);
        let stable = stable_data_phrase(&crate::flow::functions_around(file.model, call.span));
        let produce = match &effect {
            Some(effect) => one_effect(call, effect),
            None => format!("exactly one effect (`{}`)", shorten(&call.callee, 50)),
        };
        let generator = shorten(generator, 40);
        let name = shorten(&key.name, 40);
        Some(RawFinding {
            rule: self.id(),
            severity,
            // A key minted inside the retried region is seen, not inferred;
            // a re-delivered handler's retry is a property of its registration.
            confidence: if severity == Severity::High {
                Confidence::High
            } else {
                Confidence::Medium
            },
            span: *at,
            function: state.function.clone(),
            trigger_text: text.clone(),
            message: format!(
                "The `{name}` sent with `{}` is generated by `{generator}()` {how}: every attempt sends a new key, so the downstream system treats each retry as a new request and the key deduplicates nothing",
                shorten(&call.callee, 50),
            ),
            questions: minted_key_questions(&name, &stable, &produce),
            related: vec![
                RelatedSpan {
                    path: None,
                    span: key.span,
                    message: format!("key sent here (`{}`)", shorten(&call.callee, 50)),
                },
                origin,
            ],
        })
    }
}

/// Whether `call` is no known effect but is given a key named for
/// idempotency (`idempotencyKey`, `dedup_id`): then it is reported on the
/// whole chain.
fn idempotency_key_of_unknown_call(
    key_name: &str,
    call: &Call,
    owner: Option<&Call>,
    knowledge: &Knowledge,
) -> bool {
    let named_key = {
        let lower = key_name.to_ascii_lowercase();
        lower.contains("idempot") || lower.contains("dedup")
    };
    let unknown_call = owner.is_none()
        && knowledge.sink(call).is_none()
        && !call.chain.iter().any(|c| knowledge.sink(c).is_some());
    named_key && unknown_call
}

fn minted_key_questions(name: &str, stable: &str, produce: &str) -> Vec<String> {
    vec![
        format!(
            "What stable data identifies this operation — {stable}, the order, job or event id — so that every attempt sends the same `{name}`?"
        ),
        format!(
            "Can `{name}` be generated once, before the retry starts (or stored with the job when it is enqueued), and reused by every attempt?"
        ),
        format!(
            "How would a test verify that two attempts send the same `{name}` and produce {produce}?"
        ),
        "What happens downstream when the first attempt succeeded but its response was lost, and the retry arrives with a different key?".to_string(),
    ]
}

/// How the code that mints the key comes to run again: the severity, the
/// phrase for the message, and where the re-run is set up.
fn rerun(regenerated: Regenerated<'_>, state: &WalkState<'_>) -> (Severity, String, RelatedSpan) {
    match regenerated {
        Regenerated::Retried(retried) => (
            if retried.certain {
                Severity::High
            } else {
                Severity::Medium
            },
            retried_phrase(&retried),
            RelatedSpan {
                path: None,
                span: retried.origin,
                message: format!("retried here ({})", retried.label),
            },
        ),
        Regenerated::Redelivered { role, handler } => {
            let topic = state
                .handler_topic
                .map(|t| format!("`{}` ", shorten(t, 40)))
                .unwrap_or_default();
            (
                Severity::Medium,
                format!(
                    "in the {topic}{}, which runs again when the {} is re-delivered",
                    role.noun(),
                    if role == HandlerRole::Job {
                        "job"
                    } else {
                        "message"
                    }
                ),
                RelatedSpan {
                    path: None,
                    span: handler.span,
                    message: format!("{} re-run on re-delivery", role.noun()),
                },
            )
        }
    }
}
