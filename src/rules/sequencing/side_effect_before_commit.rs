//! `sequencing/side-effect-before-commit`.

use crate::flow::outcome::only_asks;
use crate::flow::{CallSite, callee_name, shorten, test_assertion, what_is_sent};
use crate::model::Call;
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};
use std::collections::HashMap;

declare_rule! {
    /// A side effect fires between an explicit transaction begin and its commit, so downstream
    /// systems can act before the state is durable.
    ///
    /// ## What it detects
    /// In one function: a transaction begun explicitly (sqlx/SeaORM `pool.begin()`, knex/Sequelize
    /// `await db.transaction()` without a callback, TypeORM `queryRunner.startTransaction()`,
    /// Mongoose `session.startTransaction()`, raw SQL `BEGIN`, the first write on a SQLAlchemy
    /// session), then a call that reaches another system (message bus, queue, e-mail, HTTP write,
    /// payment, CRM), then the commit of the same transaction (`tx.commit()`,
    /// `commitTransaction()`, `COMMIT`, `session.commit()`). HTTP requests that only ask (a
    /// token, a search; see unchecked-response) announce nothing and are not flagged.
    ///
    /// ## Why it breaks workflows
    /// The side effect is visible to another system before the commit: a consumer that reads the
    /// row sees the old state or nothing, and when the commit fails (a constraint, a deadlock, a
    /// lost connection) the message, e-mail or charge has already happened for data that does not
    /// exist.
    ///
    /// ## Example
    /// ```rust,ignore
    /// use rdkafka::producer::{FutureProducer, FutureRecord};
    /// use sqlx::PgPool;
    /// use std::time::Duration;
    ///
    /// pub async fn mark_paid(pool: &PgPool, producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    ///     let mut tx = pool.begin().await?;
    ///     sqlx::query("UPDATE orders SET status = 'paid' WHERE id = $1")
    ///         .bind(id)
    ///         .execute(&mut *tx)
    ///         .await?;
    ///     let key = id.to_string();
    ///     producer // consumers may read the order before the commit below
    ///         .send(FutureRecord::to("order.paid").payload(&key).key(&key), Duration::ZERO)
    ///         .await
    ///         .map_err(|(e, _)| e)?;
    ///     tx.commit().await?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// use rdkafka::producer::{FutureProducer, FutureRecord};
    /// use sqlx::PgPool;
    /// use std::time::Duration;
    ///
    /// pub async fn mark_paid(pool: &PgPool, producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    ///     let mut tx = pool.begin().await?;
    ///     sqlx::query("UPDATE orders SET status = 'paid' WHERE id = $1")
    ///         .bind(id)
    ///         .execute(&mut *tx)
    ///         .await?;
    ///     tx.commit().await?;
    ///     let key = id.to_string();
    ///     producer
    ///         .send(FutureRecord::to("order.paid").payload(&key).key(&key), Duration::ZERO)
    ///         .await
    ///         .map_err(|(e, _)| e)?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// ## How to fix it
    /// Commit first, then fire the side effect — or, when the effect must not be lost, insert an
    /// outbox row inside the transaction and let a worker publish committed rows with the row id as
    /// idempotency key.
    ///
    /// ## Reviewer questions
    /// - Which downstream systems act on this side effect, and what do they read when they do?
    /// - Must the transaction be committed before the side effect fires?
    /// - What happens if the commit fails after the side effect was sent?
    /// - How would a workflow test verify the effect happens once, after the commit?
    /// - What if the downstream system processes it early, late, or twice?
    pub struct SideEffectBeforeCommit {
        id: "sequencing/side-effect-before-commit",
        severity: High,
        checks: file,
    }
}

/// An explicitly begun transaction in one function.
struct OpenTransaction<'a> {
    begin: &'a Call,
    /// Side effects seen since the begin, waiting for the commit.
    pending: Vec<(&'a Call, &'static str, String, bool, String)>,
}

impl FileRule for SideEffectBeforeCommit {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let walker = file.walker();
        // Open transactions per enclosing function (by its start byte), then by handle.
        let mut open: HashMap<usize, Vec<(String, OpenTransaction<'_>)>> = HashMap::new();
        walker.walk(file.model, &mut |call, state| {
            let transactions = open.entry(state.enclosing.span.start_byte).or_default();
            if knowledge.is_commit(call) {
                let handle = call.receiver.clone().unwrap_or_default();
                if let Some(position) = transactions.iter().position(|(h, _)| *h == handle) {
                    let (_, transaction) = transactions.remove(position);
                    for (sink_call, action, label, generic, function) in transaction.pending {
                        findings.push(self.finding(
                            sink_call,
                            action,
                            &label,
                            generic,
                            function,
                            transaction.begin,
                            call,
                        ));
                    }
                }
                return;
            }
            if let Some(handle) = begun_handle(call, state.site, knowledge) {
                if !transactions.iter().any(|(h, _)| *h == handle) {
                    transactions.push((
                        handle,
                        OpenTransaction {
                            begin: call,
                            pending: Vec::new(),
                        },
                    ));
                }
                return;
            }
            if state.transaction.is_some()
                || state.deferred_by.is_some()
                || walker.is_local_receiver(call, state)
                || file.knowledge.sends_after_commit(call)
            {
                return;
            }
            if let Some(sink) = knowledge.sink(call)
                && !only_asks(call, sink, &state.function)
                && let Some((_, transaction)) = transactions.last_mut()
            {
                transaction.pending.push((
                    call,
                    sink.kind.action(),
                    sink.label.clone(),
                    sink.generic,
                    state.function.clone(),
                ));
            }
        });
    }
}

impl SideEffectBeforeCommit {
    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        call: &Call,
        action: &str,
        label: &str,
        generic: bool,
        function: String,
        begin: &Call,
        commit: &Call,
    ) -> RawFinding {
        let sent = what_is_sent(call);
        let commit_name = callee_name(commit);
        RawFinding {
            rule: self.id(),
            severity: if generic {
                Severity::Medium
            } else {
                Severity::High
            },
            confidence: Confidence::of_pattern(generic),
            span: call.span,
            function,
            trigger_text: call.text.clone(),
            message: format!(
                "`{}` {action} ({label}) after `{}` began a transaction and before `{commit_name}` (line {}): downstream systems can act on {sent} before the state is committed, and the commit can still fail",
                shorten(&call.callee, 50),
                callee_name(begin),
                commit.span.start_line,
            ),
            questions: vec![
                format!(
                    "Which downstream systems act on {sent}, and what do they read from the database when they receive it?"
                ),
                format!(
                    "Can {sent} move after `{commit_name}` (line {}), or into an outbox row written inside the transaction?",
                    commit.span.start_line
                ),
                format!(
                    "If `{commit_name}` fails after {sent} was sent, what undoes it downstream?"
                ),
                format!(
                    "What should the workflow test assert — {}, observed only after the commit?",
                    test_assertion(call)
                ),
                "What if the downstream system processes this early, late, or twice?".to_string(),
            ],
            related: vec![
                RelatedSpan {
                    path: None,
                    span: begin.span,
                    message: format!("transaction begun here (`{}`)", callee_name(begin)),
                },
                RelatedSpan {
                    path: None,
                    span: commit.span,
                    message: format!("committed here (`{commit_name}`)"),
                },
            ],
        }
    }
}

/// The handle of a transaction this call begins explicitly, if it does:
/// the variable a begin-style opener is bound to (or its receiver), the
/// receiver of a SQL `BEGIN`, or a session's first write.
fn begun_handle(
    call: &Call,
    site: CallSite,
    knowledge: &crate::knowledge::Knowledge,
) -> Option<String> {
    if site == CallSite::WithItem {
        return None;
    }
    if knowledge.is_transaction_opener(call) && call.callbacks().next().is_none() {
        return call
            .bound_to
            .as_deref()
            .map(|name| name.trim_start_matches("mut ").trim().to_string())
            .or_else(|| call.receiver.clone());
    }
    if knowledge.is_sql_begin(call) {
        return call.receiver.clone();
    }
    let receiver = call.receiver.as_deref()?;
    let writes = matches!(
        call.method.as_str(),
        "add"
            | "add_all"
            | "merge"
            | "delete"
            | "execute"
            | "flush"
            | "bulk_save_objects"
            | "bulk_insert_mappings"
    );
    (writes && knowledge.is_implicit_session(receiver)).then(|| receiver.to_string())
}
