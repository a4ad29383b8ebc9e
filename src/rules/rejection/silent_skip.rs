//! `rejection/silent-skip`.

use crate::flow::outcome::{Exit, Outcome, log_message};
use crate::flow::{callee_name, shorten};
use crate::knowledge::{HandlerRole, Knowledge, LogLevel};
use crate::model::{Block, BlockKind, Call, Function, Node, Span};
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

declare_rule! {
    /// A consumer or job returns early on a state check with only a log, so the message is
    /// acknowledged and the work it carries never happens.
    ///
    /// ## What it detects
    /// Inside a message consumer or job (`worker.on('order.created', ..)`, BullMQ `Worker`, Kafka
    /// `eachMessage`, Celery `@shared_task`, handlers named `handle_*_event`): an `if` on the state
    /// of a record the handler loaded — a status compared with `!==`/`!=`/`not in`, a readiness
    /// flag negated (`!order.paid`), or a missing record — whose branch only logs below error level
    /// and returns (bare, `None`, `Ok(())`), with more work after it. Branches that throw or raise,
    /// retry or re-enqueue (`job.moveToDelayed`, `self.retry`, `channel.nack`), return an error,
    /// log at error level, or mention deduplication, a final state or a state parked for a
    /// person (`requires_manual_review`: that person's action resumes the work) (`already processed`,
    /// `cancelled`, a `// ... ignore` comment) are not flagged, nor are filters on the message's
    /// own fields, nor in receivers of signals sent on every save or delete of a record (Django's
    /// `@receiver(post_save, ..)`: the record's next change runs them again). A missing record
    /// (`if (!order)`) is flagged only when the log says it is not there *yet*.
    ///
    /// ## Why it breaks workflows
    /// Returning from a consumer acknowledges the message; returning from a job marks it done. If
    /// the state is not right *yet* — the producer published before its transaction committed, a
    /// replica lags, an earlier step is still running — the handler drops the work for good while
    /// logging a warning nobody watches. The article's fulfillment worker does exactly this:
    /// checkout returns 200, the worker runs, the order is still `pending`, and no shipment is ever
    /// created. Every test is green.
    ///
    /// ## Example
    /// ```javascript
    /// worker.on('order.created', async ({ orderId }) => {
    ///   const order = await db.orders.find(orderId);
    ///   if (order.status !== 'paid') {
    ///     logger.warn({ orderId }, 'Order not paid yet, skipping fulfillment');
    ///     return; // acknowledged: nothing will deliver this order again
    ///   }
    ///   await fulfillment.createShipment(
    ///     { orderId: order.id, items: order.items },
    ///     { idempotencyKey: `shipment-${order.id}` },
    ///   );
    /// });
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// worker.on('order.created', async ({ orderId }) => {
    ///   const order = await db.orders.find(orderId);
    ///   if (order.status !== 'paid') {
    ///     // not committed yet: fail so the broker redelivers with backoff
    ///     throw new RetryableError(`order ${orderId} is ${order.status}, expected paid`);
    ///   }
    ///   await fulfillment.createShipment(
    ///     { orderId: order.id, items: order.items },
    ///     { idempotencyKey: `shipment-${order.id}` },
    ///   );
    /// });
    /// ```
    ///
    /// ## How to fix it
    /// Decide whether the state can still change. If it can, make the handler fail or reschedule so
    /// the message comes back: throw, nack with requeue, `job.moveToDelayed(..)`, `raise
    /// self.retry(countdown=..)`. If it cannot, say so at error level or in a metric, or park the
    /// message in a dead-letter queue. Better still, publish only after commit (an outbox) so the
    /// consumer never sees uncommitted state.
    ///
    /// ## Reviewer questions
    /// - When the guard is true, what brings this message or job back once the state changes?
    ///   Returning acknowledges it.
    /// - Who is alerted when messages are skipped here? Is a log below error level watched by
    ///   anyone?
    /// - Can the message arrive before the state it expects is committed (published inside the
    ///   producer's transaction, read from a lagging replica)?
    /// - How would a workflow test verify that the work after the guard eventually happens when the
    ///   message arrives early?
    pub struct SilentSkip {
        id: "rejection/silent-skip",
        severity: High,
        checks: file,
    }
}

/// Fields that hold a record's lifecycle state.
static STATUS_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(status|state|stage|phase|step)$|(status|state)$")
        .expect("the status-field pattern is a valid regular expression")
});

/// Flags that say a record has reached a state (`paid`, `is_ready`).
static READINESS_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(is_?|has_?|has_been_?)?(paid|ready|confirmed|committed|complete|completed|finali[sz]ed|settled|captured|authori[sz]ed|verified|provisioned|available|approved|published|synced)$")
        .expect("the readiness-field pattern is a valid regular expression")
});

/// Values that mean "not there yet" when a status equals them.
static NOT_READY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)pending|created|processing|draft|unpaid|awaiting|initiated|queued|waiting|incomplete|requires_|in_progress|inprogress|not_ready|notready|\bnew\b")
        .expect("the not-ready pattern is a valid regular expression")
});

/// Words that mark a deliberate skip: deduplication, a terminal state, or a
/// state parked for a person (`requires_manual_finalization`, `in_review`):
/// that person's action resumes the work, not this message.
static DELIBERATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)already|duplicate|dedup|idempot|processed|handled|cancel|deleted|archived|disabled|unsubscri|opted|expired|refunded|closed|inactive|blocked|banned|suspended|ignor|manual|human|moderat|needs_review|in_review|under_review")
        .expect("the deliberate-skip pattern is a valid regular expression")
});

/// Words that say the skip waits for something that has not happened yet.
static NOT_YET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\byet\b|later|not ready|pending|wait|until|before|retry")
        .expect("the not-yet pattern is a valid regular expression")
});

/// Member paths in a condition (`order.status`, `self.order?.state`).
static MEMBER_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+")
        .expect("the member-path pattern is a valid regular expression")
});

/// Calls that decode the message itself rather than load state.
const DECODERS: &[&str] = &[
    "parse",
    "loads",
    "load",
    "decode",
    "deserialize",
    "from_str",
    "from_slice",
    "from_value",
    "from_json",
    "model_validate",
    "parse_obj",
    "parse_raw",
    "get_json",
    "json",
    "validate",
    "clone",
    "copy",
    "deepcopy",
    "to_dict",
    "dict",
    "toString",
    "to_string",
    "String",
    "str",
    "int",
    "Number",
    "Boolean",
    "bool",
];

/// One consumer or job found by the walker.
struct Handler<'a> {
    function: &'a Function,
    role: HandlerRole,
    topic: Option<&'a str>,
    name: String,
}

/// A guard whose branch drops the message.
struct Skip<'a> {
    block: &'a Block,
    condition: &'a str,
    outcome: Outcome<'a>,
    severity: Severity,
}

impl FileRule for SilentSkip {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let walker = file.walker();
        let mut handlers: HashMap<usize, Handler<'_>> = HashMap::new();
        walker.walk(file.model, &mut |_, state| {
            let (Some(role), Some(function)) = (state.role, state.handler) else {
                return;
            };
            if role == HandlerRole::Route {
                return;
            }
            let entry = handlers.entry(function.span.start_byte).or_insert(Handler {
                function,
                role,
                topic: state.handler_topic,
                name: state.function.clone(),
            });
            // The name seen from the handler's own body, not a nested callback.
            if std::ptr::eq(state.enclosing, function) {
                entry.name = state.function.clone();
            }
        });
        let mut handlers: Vec<Handler<'_>> = handlers.into_values().collect();
        handlers.sort_by_key(|h| h.function.span.start_byte);
        for handler in &handlers {
            // A receiver of a signal sent on every save or delete of a
            // record runs again on the record's next change: passing over
            // it in some state drops nothing for good.
            if knowledge.handles_record_changes(handler.function) {
                continue;
            }
            let loaded = loaded_records(handler.function);
            let mut skips = Vec::new();
            find_skips(
                &handler.function.body,
                false,
                &loaded,
                file,
                knowledge,
                &mut skips,
            );
            for skip in skips {
                if asked_by_message(skip.condition, handler.function) {
                    continue;
                }
                let Some(skipped) = skipped_work(handler.function, skip.block, knowledge) else {
                    continue;
                };
                findings.push(self.finding(file, handler, &skip, skipped, knowledge));
            }
        }
    }
}

/// How the handler is named as the subject of the message ("this consumer
/// of `orders`") and what it handles ("the `orders` message").
fn handler_names(handler: &Handler<'_>) -> (String, String) {
    match (handler.role, handler.topic) {
        (HandlerRole::Job, Some(topic)) => {
            (format!("this `{topic}` job"), format!("the `{topic}` job"))
        }
        (HandlerRole::Job, None) => (
            format!("the job `{}`", handler.function.name),
            format!("the `{}` job", handler.function.name),
        ),
        (_, Some(topic)) => (
            format!("this consumer of `{topic}`"),
            format!("the `{topic}` message"),
        ),
        (_, None) => (
            format!("the consumer `{}`", handler.function.name),
            "the message".to_string(),
        ),
    }
}

/// The reviewer's questions about a skip of `what` when `condition` holds.
fn questions(
    path: &str,
    role: HandlerRole,
    skip: &Skip<'_>,
    condition: &str,
    what: &str,
    work: &str,
) -> Vec<String> {
    let level_note = match skip.outcome.loudest_log() {
        Some((_, level)) if level < LogLevel::Error => {
            format!("{} is rarely watched", level.log_phrase())
        }
        _ => "Nothing is logged".to_string(),
    };
    let retry = retry_hint(path, role);
    let (arrive, arrives, returning) = match role {
        HandlerRole::Job => ("run", "runs", "completes the job"),
        _ => ("arrive", "arrives", "acknowledges the message"),
    };
    vec![
        format!(
            "When `{condition}`, what brings {what} back once the state changes? Returning here {returning}."
        ),
        format!(
            "Who is alerted when {what} is skipped? {level_note}: is there a metric or a dead-letter queue?"
        ),
        format!(
            "Can {what} {arrive} before the state it expects is committed (enqueued inside the producer's transaction, read from a lagging replica)? If so, should this {retry}?"
        ),
        format!(
            "How would a workflow test verify that `{work}` eventually runs when {what} {arrives} while `{condition}` still holds?"
        ),
    ]
}

/// Whether the guard skips only when the message asks it to: one term of
/// a conjunction is a flag the handler receives (`... and not
/// allow_retransmission`, `&& !opts.force`), so the sender chose the skip.
fn asked_by_message(condition: &str, handler: &Function) -> bool {
    let terms: Vec<&str> = condition
        .split(" and ")
        .flat_map(|part| part.split("&&"))
        .map(str::trim)
        .collect();
    terms.len() > 1
        && terms.iter().any(|term| {
            let flag = term
                .trim_start_matches("not ")
                .trim_start_matches('!')
                .trim_matches(|c| c == '(' || c == ')' || c == ' ');
            let root = flag.split('.').next().unwrap_or(flag);
            flag.chars()
                .all(|c| c == '.' || crate::flow::outcome::is_ident_char(c))
                && handler
                    .params
                    .iter()
                    .any(|p| p.name == root || p.destructured.iter().any(|d| d == root))
        })
}

/// Names bound in the handler from calls that load state (not from decoding
/// the message): `order` in `const order = await db.orders.find(id)`, and
/// destructured names (`status` in `const { status } = await load(id)`).
fn loaded_records(handler: &Function) -> HashSet<String> {
    let params: HashSet<&str> = handler
        .params
        .iter()
        .flat_map(|p| {
            std::iter::once(p.name.as_str()).chain(p.destructured.iter().map(String::as_str))
        })
        .filter(|name| !matches!(*name, "self" | "this" | "cls"))
        .collect();
    let mut loaded = HashSet::new();
    handler.for_each_call(&mut |call| {
        let Some(bound) = call.bound_to.as_deref() else {
            return;
        };
        if DECODERS.contains(&call.method.as_str()) {
            return;
        }
        let root = call
            .receiver
            .as_deref()
            .unwrap_or("")
            .split(['.', '('])
            .next()
            .unwrap_or("");
        if params.contains(root) {
            return;
        }
        let bound = bound.trim().trim_start_matches("mut ").trim();
        if bound.starts_with(['{', '[', '(']) {
            for name in bound
                .split(|c: char| !crate::flow::outcome::is_ident_char(c))
                .filter(|n| !n.is_empty())
            {
                loaded.insert(format!("{{}}{name}"));
            }
        } else {
            loaded.insert(bound.to_string());
        }
    });
    loaded
}

/// Guards inside `nodes` whose branch drops the message. `following` tells
/// whether statements follow `nodes` in an enclosing block.
fn find_skips<'a>(
    nodes: &'a [Node],
    following: bool,
    loaded: &HashSet<String>,
    file: &FileContext<'a>,
    knowledge: &Knowledge,
    skips: &mut Vec<Skip<'a>>,
) {
    for (index, node) in nodes.iter().enumerate() {
        let Node::Block(block) = node else {
            continue;
        };
        let followed = following || index + 1 < nodes.len();
        match &block.kind {
            BlockKind::If { condition } if condition != "else" => {
                if followed
                    && let Some(skip) = skip_branch(block, condition, loaded, file, knowledge)
                {
                    skips.push(skip);
                    continue;
                }
                find_skips(&block.body, followed, loaded, file, knowledge, skips);
            }
            BlockKind::Catch { .. } | BlockKind::Finally => {}
            _ => find_skips(&block.body, followed, loaded, file, knowledge, skips),
        }
    }
}

/// The guard's branch, if it only logs (below error level) and returns
/// normally on a check of loaded state.
fn skip_branch<'a>(
    block: &'a Block,
    condition: &'a str,
    loaded: &HashSet<String>,
    file: &FileContext<'a>,
    knowledge: &Knowledge,
) -> Option<Skip<'a>> {
    let (last, before) = block.body.split_last()?;
    let Node::Return(ret) = last else {
        return None;
    };
    if !before
        .iter()
        .all(|node| matches!(node, Node::Call(call) if knowledge.log_level(call).is_some()))
    {
        return None;
    }
    let outcome = Outcome::read(&block.body, block.span, file.source, None, knowledge);
    if outcome.propagates || outcome.handled_by.is_some() || outcome.alerts() {
        return None;
    }
    let returns_normally = match crate::flow::outcome::classify_return_text(&ret.value_text) {
        Exit::Bare | Exit::Success(_) => true,
        Exit::Sentinel => !matches!(ret.value_text.trim(), "false" | "False" | "-1"),
        Exit::Failure | Exit::Fallback(_) => false,
    };
    if !returns_normally {
        return None;
    }
    let messages: String = outcome
        .logs
        .iter()
        .map(|(call, _)| call.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if DELIBERATE.is_match(condition) || DELIBERATE.is_match(&messages) {
        return None;
    }
    if deliberate_comment(block, file) {
        return None;
    }
    let mut severity = state_check(condition, loaded)?;
    let waits = NOT_YET.is_match(&messages);
    severity = match severity {
        // A missing record is usually deliberate (deleted, someone else's);
        // only a log that says "not found yet" makes it a lost message.
        Severity::Low if waits => Severity::Medium,
        Severity::Low => return None,
        Severity::Medium if waits => Severity::High,
        other => other,
    };
    Some(Skip {
        block,
        condition,
        outcome,
        severity,
    })
}

/// Whether a comment on the guard's line, the line above it or inside its
/// branch says the skip is deliberate (`// not ours - ignore`).
fn deliberate_comment(block: &Block, file: &FileContext<'_>) -> bool {
    let first = block.span.start_line.saturating_sub(1);
    file.model.comments.iter().any(|comment| {
        comment.span.start_line >= first
            && comment.span.start_line <= block.span.end_line
            && DELIBERATE.is_match(&comment.text)
    })
}

/// How strongly the condition reads as "the loaded record is not in the
/// expected state yet": `None` when it is no check of loaded state at all.
fn state_check(condition: &str, loaded: &HashSet<String>) -> Option<Severity> {
    let text = condition.trim();
    let inequality = text.contains("!=")
        || text.contains(" not in ")
        || text.contains("<>")
        || text.contains("!matches!")
        || (text.contains(" is not ") && !text.contains("is not None"));
    let negated = text.starts_with('!') || text.starts_with("not ");
    let mut best: Option<Severity> = None;
    let mut raise = |severity: Severity| {
        best = Some(best.map_or(severity, |b| b.max(severity)));
    };
    for path in MEMBER_PATH.find_iter(text) {
        let path = path.as_str().replace("?.", ".");
        let mut segments = path.split('.');
        let root = segments.next().unwrap_or("");
        let Some(field) = segments.next_back() else {
            continue;
        };
        if !loaded.contains(root) {
            continue;
        }
        if let Some(severity) = field_check(field, inequality, negated, text) {
            raise(severity);
        } else if field == "is_none" || field == "is_empty" {
            raise(Severity::Low);
        }
    }
    // Destructured status: `const { status } = await load(id)`.
    for name in text
        .split(|c: char| !crate::flow::outcome::is_ident_char(c))
        .filter(|n| !n.is_empty())
    {
        if loaded.contains(&format!("{{}}{name}"))
            && let Some(severity) = field_check(name, inequality, negated, text)
        {
            raise(severity);
        }
    }
    // A missing record: `!order`, `order is None`, `order == null`.
    let bare = text
        .trim_start_matches('!')
        .trim_start_matches("not ")
        .trim();
    let record = bare
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches(".is_none()");
    let missing = loaded.contains(record)
        && (negated && bare == record
            || text.ends_with("is None")
            || text.ends_with("== null")
            || text.ends_with("=== null")
            || text.ends_with("=== undefined")
            || text.ends_with("== None")
            || text.ends_with(".is_none()"));
    if missing {
        raise(Severity::Low);
    }
    best
}

/// How a condition on one field of a loaded record reads: a status compared
/// as "not the expected one", or a readiness flag negated.
fn field_check(field: &str, inequality: bool, negated: bool, text: &str) -> Option<Severity> {
    let status = STATUS_FIELD.is_match(field) && (inequality || NOT_READY_VALUE.is_match(text));
    let not_ready = READINESS_FIELD.is_match(field) && negated;
    (status || not_ready).then_some(Severity::Medium)
}

/// The first piece of work after the guard that the skip prevents: a side
/// effect if there is one, else the first other call.
fn skipped_work<'a>(
    handler: &'a Function,
    guard: &Block,
    knowledge: &'a Knowledge,
) -> Option<&'a Call> {
    let mut first_call = None;
    let mut first_sink = None;
    handler.for_each_call(&mut |call| {
        if call.span.start_byte < guard.span.end_byte
            || call.is_new
            || knowledge.log_level(call).is_some()
        {
            return;
        }
        if first_sink.is_none() && knowledge.sink(call).is_some() {
            first_sink = Some(call);
        }
        if first_call.is_none() {
            first_call = Some(call);
        }
    });
    first_sink.or(first_call)
}

/// The span of the guard's first line (`if (order.status !== 'paid') {`), so
/// that review comments sit on the condition.
fn head_span(source: &str, block: &Block) -> Span {
    let start = block.span.start_byte;
    let line_end = source
        .get(start..block.span.end_byte)
        .and_then(|text| text.find('\n'))
        .map_or(block.span.end_byte, |offset| start + offset);
    let head = source.get(start..line_end).unwrap_or("");
    let trimmed = head.trim_end();
    Span {
        start_byte: start,
        end_byte: start + trimmed.len(),
        start_line: block.span.start_line,
        start_col: block.span.start_col,
        end_line: block.span.start_line,
        end_col: block.span.start_col + trimmed.chars().count() as u32,
    }
}

impl SilentSkip {
    fn finding(
        &self,
        file: &FileContext<'_>,
        handler: &Handler<'_>,
        skip: &Skip<'_>,
        skipped: &Call,
        knowledge: &Knowledge,
    ) -> RawFinding {
        let condition = shorten(skip.condition, 60);
        let (subject, what) = handler_names(handler);
        let logged = match skip.outcome.loudest_log() {
            Some((log, level)) => format!(
                "logs at {} level ({}) and returns",
                level.as_str(),
                log_message(log)
            ),
            None => "returns without a word".to_string(),
        };
        let acknowledged = match handler.role {
            HandlerRole::Job => "the job is marked done and never retried",
            _ => "the message is acknowledged and never redelivered",
        };
        let work = callee_name(skipped);
        let downstream = knowledge
            .sink(skipped)
            .map(|sink| format!(" ({})", sink.label))
            .unwrap_or_default();
        let message = format!(
            "When `{condition}`, {subject} {logged}: {acknowledged}, so `{work}`{downstream} never runs for it once the state changes",
        );
        let questions = questions(file.path, handler.role, skip, &condition, &what, &work);
        let mut related = vec![RelatedSpan {
            path: None,
            span: skipped.span,
            message: format!("skipped work: `{work}`"),
        }];
        if let Some((log, _)) = skip.outcome.loudest_log() {
            related.insert(
                0,
                RelatedSpan {
                    path: None,
                    span: log.span,
                    message: "the only trace of the skip".to_string(),
                },
            );
        }
        let function = if handler.name.is_empty() {
            handler.function.name.clone()
        } else {
            handler.name.clone()
        };
        RawFinding {
            rule: self.id(),
            severity: skip.severity,
            confidence: knowledge.sink(skipped).map_or(Confidence::High, |sink| {
                Confidence::of_failure_handling(sink, skipped, file.model)
            }),
            span: head_span(file.source, skip.block),
            function,
            trigger_text: format!("if {} return", skip.condition),
            message,
            questions,
            related,
        }
    }
}

/// How to make the handler come back later, in the file's language.
fn retry_hint(path: &str, role: HandlerRole) -> &'static str {
    let python = path.ends_with(".py") || path.ends_with(".pyi");
    let rust = path.ends_with(".rs");
    match (python, rust, role) {
        (true, _, HandlerRole::Job) => "`raise self.retry(countdown=..)` instead of returning",
        (true, _, _) => "raise (or nack with requeue) so the message is redelivered",
        (_, true, _) => "return an `Err` so the message is redelivered or the job retried",
        (_, _, HandlerRole::Job) => {
            "throw, or reschedule with `job.moveToDelayed(..)`, instead of returning"
        }
        _ => "throw (or nack with requeue) so the message is redelivered",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(names: &[&str]) -> HashSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn status_inequality_on_a_loaded_record_is_a_state_check() {
        let records = loaded(&["order"]);
        assert_eq!(
            state_check("order.status !== 'paid'", &records),
            Some(Severity::Medium)
        );
        assert_eq!(
            state_check("order.status not in (\"paid\", \"captured\")", &records),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn message_fields_and_terminal_equalities_are_not_state_checks() {
        let records = loaded(&["order"]);
        assert_eq!(
            state_check("event.type !== 'order.created'", &records),
            None
        );
        assert_eq!(state_check("order.status === 'shipped'", &records), None);
    }

    #[test]
    fn a_missing_record_is_a_weak_state_check() {
        let records = loaded(&["order"]);
        assert_eq!(state_check("!order", &records), Some(Severity::Low));
        assert_eq!(state_check("order is None", &records), Some(Severity::Low));
    }

    #[test]
    fn the_guard_head_is_its_first_line() {
        let source = "if (order.status !== 'paid') {\n  return;\n}\n";
        let block = Block {
            kind: BlockKind::If {
                condition: "order.status !== 'paid'".to_string(),
            },
            body: Vec::new(),
            span: Span {
                start_byte: 0,
                end_byte: source.len() - 1,
                start_line: 1,
                start_col: 1,
                end_line: 3,
                end_col: 2,
            },
        };
        let head = head_span(source, &block);
        assert_eq!((head.start_line, head.end_line), (1, 1));
        assert_eq!(
            &source[head.start_byte..head.end_byte],
            "if (order.status !== 'paid') {"
        );
    }
}
