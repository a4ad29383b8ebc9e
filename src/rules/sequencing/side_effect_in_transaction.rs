//! `sequencing/side-effect-in-transaction`.

use crate::flow::WalkState;
use crate::flow::imports::project_local_names;
use crate::flow::outcome::only_asks;
use crate::flow::writes::{PathWrites, writes_on_path};
use crate::flow::{
    ScopeStyle, TransactionScope, callee_name, shorten, test_assertion, what_is_sent,
};
use crate::knowledge::{
    Delivery, HandlerRole, Knowledge, RequestTransactions, Sink, SinkKind, identifier_words,
};
use crate::model::{Call, Language, Span};
use crate::rules::RuleId;
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};

declare_rule! {
    /// A side effect (publish, enqueue, e-mail, HTTP write, payment) fires inside a database
    /// transaction, before the state it announces is committed.
    ///
    /// ## What it detects
    /// A call that reaches another system (message bus, queue, job system, e-mail provider, HTTP
    /// write, payment provider, CRM) made inside a transaction scope: the callback of a transaction
    /// opener (knex, Prisma, TypeORM, Sequelize, Mongoose, Diesel, SeaORM), a `with
    /// transaction.atomic()` / `with session.begin()` block, or a function decorated with
    /// `@transaction.atomic`. When the Django settings turn on `ATOMIC_REQUESTS`, every request
    /// runs in a transaction: a side effect outside a task, a management command or a migration
    /// (a signal `@receiver` included: the code that saves the model calls it, inside the
    /// request's transaction) is reported with medium confidence and the settings line. Calls
    /// deferred with
    /// `transaction.on_commit(...)` / `afterCommit(...)`, outbox inserts, in-process
    /// `EventEmitter`s, and HTTP requests that only ask (a token exchange under a row lock, a
    /// search; see unchecked-response) are not flagged. A transaction that writes nothing on the path to the effect
    /// (no call named as a write, no helper of the project whose body writes; a helper named as a
    /// write counts only if its body writes) is not flagged: the effect announces state committed
    /// earlier; a path that calls the project's own function from a file not read (imported by
    /// name, so it may write) keeps the finding at medium confidence. Confidence is also medium
    /// when the only write is inside such a helper, when the effect
    /// only refreshes a cache (a task or helper named for a cache), when a helper's chain ends
    /// in another file on a call known only by its method's name, or when the project's wrapper
    /// opens the transaction only on some paths (`if not converts(request): return view(..)`
    /// before `with transaction.atomic(): return view(..)`).
    ///
    /// ## Why it breaks workflows
    /// The downstream system can act before the transaction commits: a worker that loads the order
    /// sees it still `pending` and skips it, or sees nothing at all; and if the transaction rolls
    /// back, the message announced a change that never happened. Unit and end-to-end tests stay
    /// green because fakes deliver after the request finishes.
    ///
    /// ## Example
    /// ```javascript
    /// await db.transaction(async (trx) => {
    ///   const order = await trx('orders').insert({ status: 'pending' });
    ///   await eventBus.publish('order.created', { orderId: order.id }); // consumers may run before commit
    ///   await trx('orders').where({ id: order.id }).update({ status: 'paid' });
    /// });
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// await db.transaction(async (trx) => {
    ///   const order = await trx('orders').insert({ status: 'paid' });
    ///   await trx('outbox').insert({ topic: 'order.created', key: order.id, payload: JSON.stringify({ orderId: order.id }) });
    /// });
    /// // an outbox worker publishes committed rows, with the row key as idempotency key
    /// ```
    ///
    /// ## How to fix it
    /// Write the message to an outbox table in the same transaction and publish it from a worker
    /// after commit; or register the effect to run after commit (`transaction.on_commit(...)` in
    /// Django, `trx.afterCommit(...)`/publishing after the transaction callback returns in JS,
    /// after `tx.commit().await?` in Rust). Make the consumer idempotent either way.
    ///
    /// ## Reviewer questions
    /// - Which downstream systems act on this side effect, and what do they read from the database
    ///   when they do?
    /// - What is the ordering requirement: must the state be committed before the side effect
    ///   fires?
    /// - What happens to the side effect if the transaction rolls back after this line?
    /// - How would a workflow test verify that the effect happens exactly once, after commit?
    /// - What if the downstream system processes the message before commit, late, or twice?
    pub struct SideEffectInTransaction {
        id: "sequencing/side-effect-in-transaction",
        severity: High,
        checks: file,
    }
}

impl FileRule for SideEffectInTransaction {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let walker = file.walker();
        // The names the file binds to the project's own code: a call on one
        // that no summary answers for is code out of sight, which may write.
        let project_names = std::cell::OnceCell::new();
        let unseen = |call: &Call| {
            let names = project_names.get_or_init(|| {
                Language::from_path(file.path).map_or_else(Default::default, |language| {
                    project_local_names(language, file.path, file.source)
                })
            });
            is_unseen_project_call(call, names) && !file.knowledge.is_summarised(call)
        };
        let requests = file
            .knowledge
            .request_transactions()
            .filter(|_| runs_in_requests(file.path));
        walker.walk(file.model, &mut |call, state| {
            if state.deferred_by.is_some()
                || walker.is_local_receiver(call, state)
                || file.knowledge.sends_after_commit(call)
            {
                return;
            }
            let Some(scope) = state.transaction else {
                // Django's ATOMIC_REQUESTS: outside tasks and consumers, the
                // request's own transaction is open; an in-process receiver
                // (a Django signal's `@receiver`) runs inside the code that
                // sends the signal, in its transaction.
                if let Some(requests) = requests
                    && !runs_on_its_own(state, file.knowledge)
                    && let Some(sink) = file.knowledge.sink(call)
                    && !only_asks(call, sink, &state.function)
                {
                    let mut finding =
                        request_finding(self.id(), call, state, &sink.label, sink.kind, requests);
                    finding.related.extend(RelatedSpan::chain_end(sink));
                    findings.push(finding);
                }
                return;
            };
            // A request that only asks (a token, a search) announces nothing
            // a rollback could take back.
            let Some(sink) = file
                .knowledge
                .sink(call)
                .filter(|sink| !only_asks(call, sink, &state.function))
            else {
                return;
            };
            let severity = if sink.generic {
                Severity::Medium
            } else {
                self.default_severity()
            };
            let writes = writes_on_path(&scope, call, sink.origin, file.knowledge, &unseen);
            if writes == PathWrites::Nothing {
                // Nothing this transaction writes is on the path: the effect
                // announces state committed earlier, and a rollback takes
                // back nothing its receiver reads.
                return;
            }
            let in_helper = matches!(writes, PathWrites::InHelper(_) | PathWrites::Unseen(_));
            let cache = refreshes_cache(call, sink);
            let named = ends_by_name_elsewhere(sink);
            let partial = file.knowledge.opens_transaction_on_some_paths(scope.opener);
            let mut message = message(call, &sink.label, sink.kind.action(), &scope);
            match &writes {
                PathWrites::InHelper(helper) => message.push_str(&write_in_helper(helper)),
                PathWrites::Unseen(callee) => message.push_str(&write_unseen(callee)),
                _ => {}
            }
            if cache {
                message.push_str(CACHE_REFRESH);
            }
            if named {
                message.push_str(NAMED_ELSEWHERE);
            }
            if partial {
                message.push_str(&opened_on_some_paths(scope.opener));
            }
            findings.push(RawFinding {
                rule: self.id(),
                severity,
                confidence: if !in_helper && !cache && !named && !partial {
                    Confidence::of_sink(sink, call, file.model)
                } else {
                    Confidence::of_sink(sink, call, file.model).min(Confidence::Medium)
                },
                span: call.span,
                function: state.function.clone(),
                trigger_text: call.text.clone(),
                message,
                questions: questions(call, sink.kind.downstream(), &scope),
                related: std::iter::once(RelatedSpan {
                    path: None,
                    span: scope.opener.span,
                    message: format!("transaction opened here (`{}`)", callee_name(scope.opener)),
                })
                .chain(RelatedSpan::chain_end(sink))
                .collect(),
            });
        });
    }
}

/// Whether the code runs outside the request that triggers it: a job, or a
/// consumer of messages that arrive from elsewhere (not an in-process
/// receiver, which the sender calls synchronously).
fn runs_on_its_own(state: &WalkState<'_>, knowledge: &Knowledge) -> bool {
    match state.role {
        Some(HandlerRole::Job) => true,
        Some(HandlerRole::Consumer) => !state
            .handler
            .is_some_and(|handler| knowledge.delivery(handler) == Delivery::AtMostOnce),
        _ => false,
    }
}

/// Whether code in `path` runs while a request is handled: not a task
/// module, a management command or a migration.
fn runs_in_requests(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    !(file == "tasks.py"
        || path.contains("/tasks/")
        || path.contains("/management/commands/")
        || path.contains("/migrations/"))
}

/// A side effect made while the request's transaction (ATOMIC_REQUESTS) is
/// open: medium confidence, since the function may also run outside requests.
fn request_finding(
    rule: RuleId,
    call: &Call,
    state: &WalkState<'_>,
    label: &str,
    kind: SinkKind,
    requests: &RequestTransactions,
) -> RawFinding {
    let sent = what_is_sent(call);
    RawFinding {
        rule,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        span: call.span,
        function: state.function.clone(),
        trigger_text: call.text.clone(),
        message: format!(
            "`{}` {} ({label}) while a request's transaction is open (`ATOMIC_REQUESTS` in {}:{}): when this runs in a request, downstream systems can act on {sent} before the request's writes are committed, or after they are rolled back",
            shorten(&call.callee, 50),
            kind.action(),
            requests.path,
            requests.line,
        ),
        questions: vec![
            format!(
                "Does this run while a request is handled? With `ATOMIC_REQUESTS`, the view's writes commit only after it returns: what does the receiver of {sent} ({}) read when it arrives first?",
                kind.downstream()
            ),
            format!("Can {sent} move to `transaction.on_commit(...)`?"),
            format!(
                "If the request fails after this line and its transaction rolls back, who retracts {sent}?"
            ),
        ],
        related: vec![RelatedSpan {
            path: Some(requests.path.clone()),
            span: Span {
                start_line: requests.line,
                end_line: requests.line,
                start_col: 1,
                end_col: 1,
                ..Span::default()
            },
            message: format!(
                "every request runs in a transaction here (`{}`)",
                requests.setting
            ),
        }],
    }
}

/// Why a chain that ends in another file on a call known by its name alone
/// is of medium confidence.
const NAMED_ELSEWHERE: &str = " (the chain ends in another file on a call known only by its method's name: the class of the object it is called on is not in sight there)";

/// Whether the chain of a helper ends, in another file, on a call taken for
/// the sink by its method's name alone (`order.send_mail(..)`): the classes
/// that file imports are not read, so the object may be the project's own.
fn ends_by_name_elsewhere(sink: &Sink) -> bool {
    sink.reached_at
        .as_ref()
        .is_some_and(|end| end.path.is_some() && end.by_name_only)
}

/// Said of a transaction the project's wrapper opens only on some paths:
/// it also runs the function with none open, and whether the effect's path
/// is one of the paths inside is not settled here.
fn opened_on_some_paths(opener: &Call) -> String {
    format!(
        " (`{}` opens the transaction only on some paths and runs the function without one on the others: check that this effect is not sent on a path inside it)",
        callee_name(opener)
    )
}

/// Why a cache refresh sent before commit is of medium confidence.
const CACHE_REFRESH: &str = " (it refreshes a cache: a reader between it and the commit can cache the old state again until the next refresh, which matters less than a handoff of work)";

/// Whether the effect only keeps a cache fresh: the task, topic or helper
/// at the end of the chain is named for a cache (`invalidate_cache.delay`,
/// `purgeCache`).
fn refreshes_cache(call: &Call, sink: &Sink) -> bool {
    let end = sink
        .reached_at
        .as_ref()
        .map_or(call.callee.as_str(), |place| place.callee.as_str());
    identifier_words(end)
        .iter()
        .any(|word| matches!(word.as_str(), "cache" | "caches"))
}

/// Said of a transaction whose only writes on the path to the side effect
/// are in the bodies of the project's helpers (see [`writes_on_path`]).
fn write_in_helper(helper: &str) -> String {
    format!(
        " (the only writes of this transaction on the path to it are inside the project's helpers, `{}` first: if they write stored state, the receiver can read it uncommitted; if they only keep state in memory, the effect announces state committed earlier)",
        shorten(helper, 40)
    )
}

/// Whether `call` calls a function of the project that `names` (the names
/// the file binds to the project's code) reaches by name: the imported
/// function itself (`settle(order)`) or a function of an imported module
/// (`billing.settle(order)`), named as an act rather than a read
/// (`get_order`, `render_total`, `is_open` read). A class imported from the
/// project (`Order.objects.get(..)`) is the ORM's, not code out of sight.
fn is_unseen_project_call(call: &Call, names: &std::collections::HashSet<String>) -> bool {
    let segments: Vec<&str> = call.callee.split('.').collect();
    let by_name = match segments.as_slice() {
        [function] => names.contains(*function),
        [module, _] => {
            names.contains(*module) && module.chars().next().is_some_and(char::is_lowercase)
        }
        _ => false,
    };
    by_name
        && !identifier_words(&call.method)
            .first()
            .is_some_and(|first| READ_WORDS.contains(&first.as_str()))
}

/// First words of a function's name that say it reads or computes.
const READ_WORDS: &[&str] = &[
    "get",
    "find",
    "fetch",
    "load",
    "list",
    "read",
    "count",
    "lookup",
    "search",
    "render",
    "format",
    "build",
    "make",
    "compute",
    "calculate",
    "validate",
    "check",
    "is",
    "has",
    "can",
    "should",
    "to",
    "as",
    "parse",
    "serialize",
    "log",
];

/// Said of a transaction whose path calls only the project's code out of
/// sight (see [`writes_on_path`]).
fn write_unseen(callee: &str) -> String {
    format!(
        " (no write is visible on the path to it, but it calls the project's `{}`, whose file was not read: if that writes, the receiver can read it uncommitted)",
        shorten(callee, 40)
    )
}

fn scope_phrase(scope: &TransactionScope<'_>) -> String {
    let opener = callee_name(scope.opener);
    match scope.style {
        ScopeStyle::Callback => format!("inside the `{opener}` callback"),
        ScopeStyle::With => format!("inside `with {opener}()`"),
        ScopeStyle::Decorator => format!("in a function decorated with `@{opener}`"),
    }
}

fn message(call: &Call, label: &str, action: &str, scope: &TransactionScope<'_>) -> String {
    format!(
        "`{}` {action} ({label}) {}, before the transaction commits: downstream systems can act on {} while the data it announces is uncommitted or rolled back",
        shorten(&call.callee, 50),
        scope_phrase(scope),
        what_is_sent(call),
    )
}

fn questions(call: &Call, downstream: &str, scope: &TransactionScope<'_>) -> Vec<String> {
    let sent = what_is_sent(call);
    let deferral = match scope.style {
        ScopeStyle::With | ScopeStyle::Decorator => "`transaction.on_commit(...)`",
        ScopeStyle::Callback => "an outbox row or publishing after the transaction resolves",
    };
    vec![
        format!(
            "Which downstream systems act on {sent} ({downstream}), and what do they read from the database when they receive it?"
        ),
        format!(
            "Must the writes of `{}` be committed before {sent} is sent? If so, can this move to {deferral}?",
            callee_name(scope.opener)
        ),
        format!("If the transaction rolls back after this line, who retracts {sent}?"),
        format!(
            "What should the workflow test assert — {}, observed only after the transaction has committed?",
            test_assertion(call)
        ),
        "What if the downstream system processes this before commit, late, or twice?".to_string(),
    ]
}
