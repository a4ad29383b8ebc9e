//! `sequencing/side-effect-in-transaction`.

use crate::flow::{
    ScopeStyle, TransactionScope, callee_name, shorten, test_assertion, what_is_sent,
};
use crate::model::Call;
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
    /// `@transaction.atomic`. Calls deferred with `transaction.on_commit(...)` /
    /// `afterCommit(...)`, outbox inserts, and in-process `EventEmitter`s are not flagged.
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
        walker.walk(file.model, &mut |call, state| {
            let Some(scope) = state.transaction else {
                return;
            };
            if state.deferred_by.is_some()
                || walker.is_local_receiver(call, state)
                || file.knowledge.sends_after_commit(call)
            {
                return;
            }
            let Some(sink) = file.knowledge.sink(call) else {
                return;
            };
            let severity = if sink.generic {
                Severity::Medium
            } else {
                self.default_severity()
            };
            findings.push(RawFinding {
                rule: self.id(),
                severity,
                confidence: Confidence::of_pattern(sink.generic),
                span: call.span,
                function: state.function.clone(),
                trigger_text: call.text.clone(),
                message: message(call, &sink.label, sink.kind.action(), &scope),
                questions: questions(call, sink.kind.downstream(), &scope),
                related: vec![RelatedSpan {
                    path: None,
                    span: scope.opener.span,
                    message: format!("transaction opened here (`{}`)", callee_name(scope.opener)),
                }],
            });
        });
    }
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
