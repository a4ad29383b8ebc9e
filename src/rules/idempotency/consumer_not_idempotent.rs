//! `idempotency/consumer-not-idempotent`.

use super::{ecosystem_of, effect, key_suggestion, one_effect, stable_data_phrase, subject};
use crate::flow::WalkState;
use crate::flow::keys::{Bindings, KeyFinder};
use crate::flow::repeated::Effect;
use crate::flow::shorten;
use crate::knowledge::{Delivery, HandlerRole, Knowledge};
use crate::model::{BlockKind, Call, Function, Node, Span};
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};

declare_rule! {
    /// A message consumer or job handler performs a non-idempotent side effect with no dedupe check
    /// on the message and no idempotency key, so a re-delivered message acts twice.
    ///
    /// ## What it detects
    /// A function registered as a message consumer or job handler that is delivered at least once —
    /// Kafka `eachMessage`, SQS `handleMessage`, a BullMQ `Worker` or `worker.on('order.created',
    /// ..)`, `consume`/`process` callbacks, consumer decorators (`@broker.subscriber`), dramatiq
    /// actors, Celery tasks with `acks_late=True`, Rust consumer streams, routes that verify the
    /// signature of a push queue or webhook provider (`receiver.verify`, Stripe `constructEvent`;
    /// medium confidence when the check is the project's own `verify*Signature`) — that creates, charges,
    /// sends, POSTs or publishes, when nothing before the effect checks whether the message was
    /// already handled (a call or condition about processed / seen / duplicate messages or a record
    /// that already exists, `get_or_create`, `select_for_update`, a status lock, a Redis `SET NX`,
    /// `INSERT … ON CONFLICT DO NOTHING`, an insert of the message's row whose unique-key conflict
    /// is caught and returns: `except IntegrityError: return`) and the effect carries no
    /// idempotency key. Effects inside
    /// an explicit retry are reported by `idempotency/retry-without-key` instead. Handlers
    /// registered for a named event whose delivery guarantee is not visible
    /// (`messenger.subscribe('flows', ..)`) are reported at low severity. Not flagged: in-process
    /// events and lifecycle hooks (`process.on('SIGTERM')`, `worker.on('failed')`, DOM events,
    /// Django `@receiver`), schedules, Celery tasks without `acks_late` (acknowledged before they
    /// run), functions that look like handlers only by name, and in-process queues handed a
    /// function (`queue.enqueue(async () => ..)`).
    ///
    /// ## Why it breaks workflows
    /// Queues and event buses deliver at least once. A consumer that crashes after the effect but
    /// before the acknowledgement, or that exceeds its visibility timeout, receives the same
    /// message again — and repeats the shipment, the e-mail, the charge. Tests deliver each message
    /// exactly once, so they never see it.
    ///
    /// ## Example
    /// ```javascript
    /// worker.on('order.created', async ({ orderId }) => {
    ///   const order = await db.orders.find(orderId);
    ///   await fulfillment.createShipment({ orderId: order.id, items: order.items });
    /// });
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// worker.on('order.created', async ({ eventId, orderId }) => {
    ///   const first = await db.processedEvents.insertIfAbsent(eventId); // INSERT … ON CONFLICT DO NOTHING
    ///   if (!first) return;
    ///   const order = await db.orders.find(orderId);
    ///   await fulfillment.createShipment({ orderId: order.id, items: order.items }, { idempotencyKey: `shipment-${order.id}` });
    /// });
    /// ```
    ///
    /// ## How to fix it
    /// Record the message id as processed in the same transaction as the consumer's own writes (a
    /// processed-events table with a unique key, `INSERT … ON CONFLICT DO NOTHING`) and skip
    /// messages already recorded; and pass an idempotency key derived from the message (the event
    /// id, the order id) to the downstream call, so a duplicate that slips through is still
    /// deduplicated downstream.
    ///
    /// ## Reviewer questions
    /// - What happens when this message is delivered twice (a redelivery after a timeout, a restart
    ///   before the ack)?
    /// - What is the idempotency key (the event id, the order id), and where is it recorded as
    ///   processed?
    /// - How would a workflow test verify exactly one effect when the same message is delivered
    ///   twice?
    /// - What if the message arrives late, after a newer one for the same record was already
    ///   handled?
    pub struct ConsumerNotIdempotent {
        id: "idempotency/consumer-not-idempotent",
        severity: Medium,
        checks: file,
    }
}

impl FileRule for ConsumerNotIdempotent {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let walker = file.walker();
        let facts = file.retry_facts();
        let bindings = Bindings::new(file.model);
        let keys = KeyFinder::new(knowledge, &bindings, file.source);
        walker.walk(file.model, &mut |call, state| {
            let (Some(role @ (HandlerRole::Consumer | HandlerRole::Job)), Some(handler)) =
                (state.role, state.handler)
            else {
                return;
            };
            if walker.is_local_receiver(call, state) || facts.in_failure_branch(call.span) {
                return;
            }
            let Some(effect) = effect(call, bindings.chain_owner(call), knowledge, facts) else {
                return;
            };
            // A retried effect is `idempotency/retry-without-key`'s finding.
            if facts.retried(call, state).is_some() || keys.key_of(call).is_some() {
                return;
            }
            let severity = match (knowledge.delivery(handler), effect.generic) {
                (Delivery::AtLeastOnce, false) => self.default_severity(),
                (Delivery::AtLeastOnce, true) | (Delivery::Unknown, false) => Severity::Low,
                (Delivery::Unknown, true) | (Delivery::AtMostOnce | Delivery::Unregistered, _) => {
                    return;
                }
            };
            if deduped_before(handler, call.span, knowledge) {
                return;
            }
            findings.push(self.finding(file, call, state, (handler, role), &effect, severity));
        });
    }
}

impl ConsumerNotIdempotent {
    /// The finding for a re-delivered handler's effect without dedupe or key.
    fn finding(
        &self,
        file: &FileContext<'_>,
        call: &Call,
        state: &WalkState<'_>,
        (handler, role): (&Function, HandlerRole),
        effect: &Effect,
        severity: Severity,
    ) -> RawFinding {
        let knowledge = file.knowledge;
        let ecosystem = ecosystem_of(file.path);
        let topic = state
            .handler_topic
            .map(|t| format!("`{}` ", shorten(t, 40)))
            .unwrap_or_default();
        let delivered = match state.handler_topic {
            Some(t) => format!("`{}` is delivered twice", shorten(t, 40)),
            None => format!("the same {} is delivered twice", message_noun(role)),
        };
        let sent = subject(call);
        let stable = stable_data_phrase(&crate::flow::functions_around(file.model, call.span));
        RawFinding {
            rule: self.id(),
            severity,
            confidence: knowledge
                .sink(call)
                .map_or(Confidence::of_pattern(effect.generic), |sink| {
                    Confidence::of_sink(sink, call, file.model)
                })
                .when_certain(
                    matches!(knowledge.delivery(handler), Delivery::AtLeastOnce)
                        && !knowledge.body_role_by_name_only(handler),
                ),
            span: call.span,
            function: state.function.clone(),
            trigger_text: call.text.clone(),
            message: format!(
                "`{}` {} ({}) in the {topic}{} with no dedupe check on the {} and no idempotency key: when the {} is re-delivered (a crash or timeout before the ack), {}",
                shorten(&call.callee, 50),
                effect.action(),
                effect.label,
                role.noun(),
                message_noun(role),
                message_noun(role),
                effect.twice(),
            ),
            questions: vec![
                format!(
                    "What happens when {delivered}: what does the second run of `{}` do downstream?",
                    shorten(&call.callee, 50)
                ),
                format!(
                    "What is the idempotency key — {stable}, the event id — and where is it recorded as processed before {sent} goes out (a processed-events table, `INSERT … ON CONFLICT DO NOTHING`)? Could it also go to the call as {}?",
                    key_suggestion(effect.kind, ecosystem)
                ),
                format!(
                    "How would a workflow test verify {} when the same {} is delivered twice?",
                    one_effect(call, effect),
                    message_noun(role)
                ),
                format!(
                    "What if the {} arrives late, after a newer one for the same record was already handled?",
                    message_noun(role)
                ),
            ],
            related: std::iter::once(RelatedSpan {
                path: None,
                span: handler.span,
                message: format!("{} registered here", role.noun()),
            })
            .chain(knowledge.sink(call).and_then(RelatedSpan::chain_end))
            .collect(),
        }
    }
}

fn message_noun(role: HandlerRole) -> &'static str {
    match role {
        HandlerRole::Job => "job",
        HandlerRole::Consumer | HandlerRole::Route => "message",
    }
}

/// Whether the handler checks for a duplicate before `effect`: a dedupe call
/// (`seen(event.id)`, `get_or_create`, `SET NX`, `ON CONFLICT DO NOTHING`) or
/// a condition naming one (`if event.id in processed_ids`), written before
/// the effect or around it.
fn deduped_before(handler: &Function, effect: Span, knowledge: &Knowledge) -> bool {
    let mut found = false;
    handler.for_each_call(&mut |call: &Call| {
        found |= call.span.start_byte < effect.start_byte && knowledge.is_dedupe_call(call);
    });
    found
        || conditions_before(&handler.body, effect, knowledge)
        || claimed_by_unique_insert(&handler.body, effect, knowledge)
}

/// Whether, before `effect`, a handler catches what a unique key raises on
/// a second insert (`except IntegrityError: return`, `catch (e) { if
/// (e.code === 'P2002') return; .. }`) and leaves: the insert of the
/// message's row is the claim, and a re-delivered message finds it taken.
fn claimed_by_unique_insert(nodes: &[Node], effect: Span, knowledge: &Knowledge) -> bool {
    nodes.iter().any(|node| {
        let Node::Block(block) = node else {
            return false;
        };
        if block.span.start_byte >= effect.start_byte {
            return false;
        }
        let leaves_on_conflict = match &block.kind {
            BlockKind::Catch { error_types, .. } => {
                (error_types
                    .iter()
                    .any(|error| knowledge.names_conflict_error(error))
                    && returns(&block.body))
                    || conflict_branch_returns(&block.body, knowledge)
            }
            BlockKind::Arm { pattern } => {
                knowledge.names_conflict_error(pattern) && returns(&block.body)
            }
            _ => false,
        };
        leaves_on_conflict || claimed_by_unique_insert(&block.body, effect, knowledge)
    })
}

/// Whether an `if` in `nodes` tests for a unique-key conflict and returns.
fn conflict_branch_returns(nodes: &[Node], knowledge: &Knowledge) -> bool {
    nodes.iter().any(|node| match node {
        Node::Block(block) => match &block.kind {
            BlockKind::If { condition } if knowledge.names_conflict_error(condition) => {
                returns(&block.body)
            }
            _ => conflict_branch_returns(&block.body, knowledge),
        },
        _ => false,
    })
}

/// Whether `nodes` return (not in a nested function).
fn returns(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Return(_) => true,
        Node::Block(block) => returns(&block.body),
        _ => false,
    })
}

fn conditions_before(nodes: &[Node], effect: Span, knowledge: &Knowledge) -> bool {
    nodes.iter().any(|node| match node {
        Node::Block(block) => {
            block.span.start_byte < effect.start_byte
                && ((matches!(&block.kind, BlockKind::If { condition } if knowledge.condition_mentions_dedupe(condition)))
                    || conditions_before(&block.body, effect, knowledge))
        }
        Node::Function(function) => conditions_before(&function.body, effect, knowledge),
        _ => false,
    })
}
