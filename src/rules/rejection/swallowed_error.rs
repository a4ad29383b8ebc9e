//! `rejection/swallowed-error`.

use crate::flow::outcome::{
    Exit, Outcome, RESULT_DISCARDS, Usage, calls_in_arguments, chain_links, classify_return_text,
    effect_phrase, err_binding, function_phrase, has_word, is_chain_link, log_message, only_asks,
    rejecter, rest_of_function, usage_in,
};
use crate::flow::raised::only_local_errors;
use crate::flow::telemetry::is_telemetry;
use crate::flow::{WalkState, callee_name};
use crate::knowledge::{HandlerRole, Knowledge, Sink, SinkOrigin};
use crate::model::{
    Block, BlockKind, Call, CallResult, Ecosystem, FileModel, Function, Language, Node, Span, Value,
};
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};

declare_rule! {
    /// A downstream failure is caught and dropped (empty handler, a log below error level, or a
    /// success return), so the caller reports success for work that did not happen.
    ///
    /// ## What it detects
    /// A call that reaches another system (message bus, queue, job system, e-mail provider, HTTP
    /// write, payment provider, CRM) whose failure ends in silence: a `catch`/`except` around it
    /// that is empty (`pass`), only logs below error level (`logger.warn`, `console.log`,
    /// `logging.warning`, `print`), or returns success (`return true`, `res.json({ ok: true })`,
    /// `Ok(())`); a `.catch(() => {})` on its promise; `with suppress(Exception):`;
    /// `Promise.allSettled` / `asyncio.gather(return_exceptions=True)` whose results are never
    /// read; Rust `let _ = sink(..).await`, `.ok();`, `if let Err(e) = sink(..).await { warn!(..)
    /// }`. Handlers that rethrow, return an error or a sentinel (`null`, `None`, `false`), answer
    /// with an error status, log at error level, or call anything else (a retry, a nack, a
    /// dead-letter or outbox write, an error callback) are not flagged, nor are handlers that
    /// return a fallback value or answer with a body that says the call failed (`Response({'status':
    /// 'error'}, ..)`), fall through to a failure return after the try (`return (False,
    /// {})`), catch only local errors (`KeyError`, `JSONDecodeError`, the project's own exception
    /// classes), catch a narrow error beside a catch-all handler (`except
    /// SMTPRecipientsRefused:` before `except Exception: log.exception(..)`: the catch-all's handling
    /// decides), sit in a retry loop, say in
    /// a comment or log message that the failure is tolerated (`# best effort`, 'optional', 'may
    /// not exist yet', `# it's fine`, 'falling back to the HTML page') or in the documentation of the function around them (a
    /// JSDoc or docstring that calls it best effort), are made by a function that ends a session or
    /// connection (`close`, `logout`, `__aexit__`), sit in a handler that ends by re-raising
    /// (a cleanup before `raise`: the caller is told of the failure anyway), print it to the
    /// console of a command run by hand (a Django management command's `self.stdout.write(..)`,
    /// `print(..)` or `click.echo(..)` in a click or typer command: whoever runs the command
    /// reads it), or live in test
    /// code. Telemetry pings and
    /// update checks
    /// (best effort by design), requests that only ask (see unchecked-response), messages to a
    /// live feed (a run's own channel, Redis pub/sub) and calls handed to a task spawner (`create_task(send(..))`: a
    /// `try` around the spawn never sees their failure) are not flagged either.
    ///
    /// ## Why it breaks workflows
    /// The downstream system said no — an invalid payload, a rate limit, an expired token, an
    /// unknown template — and the caller carries on as if it had said yes. The user sees a
    /// confirmation, the job is marked done, the route answers 200; the e-mail, shipment or CRM
    /// record never exists, and nobody is paged because a warning-level log line is not an alert.
    /// Tests pass because their fakes always accept.
    ///
    /// ## Example
    /// ```javascript
    /// try {
    ///   await crm.contacts.create({ email, source: 'signup' });
    /// } catch (err) {
    ///   logger.warn({ err }, 'CRM sync failed'); // nobody is alerted, signup reports success
    /// }
    /// res.status(201).json({ ok: true });
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// try {
    ///   await crm.contacts.create({ email, source: 'signup' });
    /// } catch (err) {
    ///   logger.error({ err }, 'CRM sync failed');
    ///   await db.outbox.insert({ topic: 'crm.contact.create', payload: { email } }); // retried later
    /// }
    /// res.status(201).json({ ok: true });
    /// ```
    ///
    /// ## How to fix it
    /// Decide what a rejection means for the workflow and make it visible: rethrow (or return an
    /// error status) so the caller and its retries see it; or record it for a retry (an outbox or
    /// dead-letter row, `self.retry()`, a nack); and log at error level or report to error tracking
    /// so someone is alerted. In Rust, propagate with `?` or handle the `Err` arm with more than a
    /// warning.
    ///
    /// ## Reviewer questions
    /// - What does the downstream system do when it rejects this request, and who finds out?
    /// - Who is alerted when this call fails? Is a log below error level watched by anyone?
    /// - What does the caller (user, route response, job runner) believe happened when this fails?
    /// - How would a workflow test verify that the effect really happened, and that a downstream
    ///   rejection makes the workflow fail or retry?
    /// - If losing this effect is acceptable, where is that decision recorded and counted?
    pub struct SwallowedError {
        id: "rejection/swallowed-error",
        severity: High,
        checks: file,
    }
}

/// How the failure of the side effect is lost.
enum Swallow<'a> {
    /// A catch/except handler (or `.catch` callback, `if let Err` body).
    Handler {
        /// What the handler is called in messages (`catch`, `except`, `.catch(..)`).
        construct: &'static str,
        /// The handler's span.
        span: Span,
        /// What it does.
        outcome: Outcome<'a>,
    },
    /// `with suppress(..)`.
    Suppressed(&'a Call),
    /// `Promise.allSettled` / `asyncio.gather(return_exceptions=True)`, results unread.
    Settled(&'a Call),
    /// Rust `let _ = ..`, `.ok();`, `.unwrap_or_default()`.
    Ignored(&'a Call),
}

impl FileRule for SwallowedError {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let ecosystem = Language::from_path(file.path).map(Language::ecosystem);
        let walker = file.walker();
        let branches = Branches::collect(file.model, knowledge);
        let links = chain_links(file.model);
        let spawned = spawned_calls(file.model, knowledge);
        walker.walk(file.model, &mut |call, state| {
            if walker.is_local_receiver(call, state) {
                return;
            }
            let outermost = !is_chain_link(&links, call);
            // A whole chain's outcome dropped where it is made: a promise
            // handler that swallows, a settled promise, a Rust result ignored.
            let dropped = outermost
                .then(|| {
                    self.promise_handler(call, file, state, knowledge)
                        .or_else(|| {
                            settled_sink(call, file, state, knowledge)
                                .map(|(sink_call, sink)| (sink_call, sink, Swallow::Settled(call)))
                        })
                        .or_else(|| {
                            (ecosystem == Some(Ecosystem::Rust))
                                .then(|| rust_ignored(call, knowledge))
                                .flatten()
                                .map(|(sink_call, sink)| (sink_call, sink, Swallow::Ignored(call)))
                        })
                })
                .flatten();
            if let Some((sink_call, sink, swallow)) = dropped {
                if is_telemetry(sink_call, &state.function)
                    || asks(sink_call, sink, &state.function)
                    || documented_as_tolerated(file, call)
                {
                    return;
                }
                findings.push(self.finding(file, sink_call, sink, call, state, swallow));
                return;
            }
            // A helper that catches the failure itself never lets it reach
            // a handler here: the swallow, if any, is in the helper. A
            // message to one run's live feed is the watcher's concern.
            let Some(sink) = knowledge.sink(call).filter(|sink| {
                !sink.caught_inside && !sink.feeds_a_watcher(call, Some(state.enclosing))
            }) else {
                return;
            };
            // Retry loops (as flow decides them) are the idempotency rules'
            // concern: their catch is expected to log and try again. A call
            // handed to a task spawner (`create_task(send(..))`) runs in the
            // task: a `try` around the spawn never sees its failure (the
            // dropped task is fire-and-forget's concern).
            // A failure met while a handler reports another one anyway (a
            // cleanup before `raise`) hides nothing from the caller.
            if state.in_retry_loop()
                || crate::flow::outcome::in_rethrowing_handler(
                    state.enclosing,
                    call.span,
                    file.source,
                )
                || spawned.contains(&call.span)
                || is_telemetry(call, &state.function)
                || asks(call, sink, &state.function)
            {
                return;
            }
            let swallow = caught(file, state, knowledge)
                .or_else(|| branches.suppressor_around(call))
                .or_else(|| branches.err_branch_around(call, file, knowledge));
            if let Some(swallow) = swallow
                && !documented_as_tolerated(file, call)
                && !tells_the_operator(file, call, &swallow)
                && !logged_guess(file, state, sink, call, &swallow)
                && !left_pending(file, state, call, &swallow)
            {
                findings.push(self.finding(file, call, sink, call, state, swallow));
            }
        });
    }
}

/// Whether the failure leaves its item pending for the next pass: in a loop
/// over items, the `try` that catches it records the success only after the
/// effect (`send_email(row); db.execute("update .. set mail_next_attempt =
/// null ..")`), so a failed send skips the record and the item is picked up
/// again, like a message left on its queue.
fn left_pending(
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    call: &Call,
    swallow: &Swallow<'_>,
) -> bool {
    let Swallow::Handler { span, .. } = swallow else {
        return false;
    };
    state.innermost_plain_loop().is_some()
        && state.try_stack.iter().any(|context| {
            context
                .handlers
                .iter()
                .any(|handler| matches!(handler, Node::Block(block) if block.span == *span))
                && crate::flow::writes::success_recorded_after(
                    state.enclosing,
                    context.span,
                    call,
                    file.knowledge,
                )
        })
}

/// The calls that write to the console of whoever runs a command.
const CONSOLE_WRITES: &[&str] = &[
    "stdout.write",
    "stderr.write",
    "print",
    "click.echo",
    "click.secho",
    "typer.echo",
    "typer.secho",
    "console.print",
];

/// The command-line libraries whose `command` decorator declares a command
/// a person runs by hand.
const COMMAND_LINE_LIBRARIES: &[&str] = &["click", "asyncclick", "typer", "cloup"];

/// Whether a function is a command-line command: declared with a
/// command-line library's decorator (click's and typer's `@cli.command(..)`,
/// `@click.command()`, `@app.command()`) in a file that imports the library
/// (a chat bot's `@bot.command()` answers in the chat, not on a console).
fn is_command(file: &FileContext<'_>, function: &crate::model::Function) -> bool {
    function
        .decorators
        .iter()
        .any(|decorator| decorator.callee.rsplit('.').next() == Some("command"))
        && Language::from_path(file.path).is_some_and(|language| {
            COMMAND_LINE_LIBRARIES
                .iter()
                .any(|library| crate::flow::imports::imports_module(language, file.source, library))
        })
}

/// Whether the handler tells the operator of a command run by hand (a
/// Django management command, `management/commands/*.py`, or a function
/// declared as a command-line command) on the console
/// (`self.stdout.write(..)`, `print(..)`, `click.echo(..)`): the person
/// running it reads what it prints, so the failure is reported, not lost.
fn tells_the_operator(file: &FileContext<'_>, call: &Call, swallow: &Swallow<'_>) -> bool {
    let Swallow::Handler { outcome, .. } = swallow else {
        return false;
    };
    let run_by_hand = file.path.contains("management/commands/")
        || crate::flow::functions_around(file.model, call.span)
            .into_iter()
            .any(|function| is_command(file, function));
    run_by_hand
        && outcome.logs.iter().any(|(log, _)| {
            CONSOLE_WRITES
                .iter()
                .any(|write| log.callee == *write || log.callee.ends_with(&format!(".{write}")))
        })
}

/// Whether the finding would rest on guesses on both sides: the effect is
/// known by its method's name alone (`bot.send_message`, `*.publish`), and
/// the handler leaves a trace in the log while nothing after it tells the
/// caller the work succeeded. A chat reply or an alert given up with a
/// warning is then as likely the author's choice as a lost handoff; an
/// empty handler, a success reported, or an SDK known by its import still
/// make the claim.
fn logged_guess(
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    sink: &Sink,
    call: &Call,
    swallow: &Swallow<'_>,
) -> bool {
    let Swallow::Handler { outcome, .. } = swallow else {
        return false;
    };
    let traced = !outcome.logs.is_empty() || outcome.passed_logger.is_some();
    sink.origin == SinkOrigin::Pack
        && sink.matched_by_method_name_only(&call.callee)
        && !receiver_in_sight(file, call)
        && traced
        && !success_reported(file, state, swallow, call.span)
}

/// Whether the file shows what a call's receiver is: built in the file, a
/// module-level declaration of the file (`@shared_task def rebuild(..)`),
/// or a name imported from the project (`from .tasks import rebuild`).
fn receiver_in_sight(file: &FileContext<'_>, call: &Call) -> bool {
    if call.constructed_receiver.is_some() {
        return true;
    }
    let Some(root) = call
        .receiver
        .as_deref()
        .and_then(|receiver| receiver.split(['.', '[', '(']).next())
    else {
        return false;
    };
    let declared = file.model.module.body.iter().any(|node| match node {
        Node::Function(function) => function.name == root,
        _ => false,
    });
    declared
        || Language::from_path(file.path).is_some_and(|language| {
            crate::flow::imports::project_local_names(language, file.path, file.source)
                .contains(root)
        })
}

/// Whether the effect is an HTTP request that only asks (a token, a query,
/// a report): its failure loses no handoff, the caller finds no answer.
fn asks(call: &Call, sink: &Sink, function: &str) -> bool {
    only_asks(call, sink, function)
}

impl SwallowedError {
    /// `sink(..).catch(cb)` / `sink(..).then(ok, cb)` with a callback that drops the failure.
    fn promise_handler<'a>(
        &self,
        call: &'a Call,
        file: &FileContext<'a>,
        state: &WalkState<'a>,
        knowledge: &'a Knowledge,
    ) -> Option<(&'a Call, &'a Sink, Swallow<'a>)> {
        // The links of the chain in order, the outermost call last.
        let links: Vec<&'a Call> = call.chain.iter().chain(std::iter::once(call)).collect();
        let (position, handler_index) =
            links
                .iter()
                .enumerate()
                .find_map(|(i, link)| match link.method.as_str() {
                    "catch" => Some((i, 0)),
                    "then" if link.args.len() >= 2 => Some((i, 1)),
                    _ => None,
                })?;
        let (sink_call, sink) = links[..position]
            .iter()
            .find_map(|c| knowledge.sink(c).map(|s| (*c, s)))
            .filter(|(c, sink)| {
                !sink.caught_inside && !sink.feeds_a_watcher(c, Some(state.enclosing))
            })?;
        if state.in_retry_loop() {
            return None;
        }
        let handler = links[position].args.get(handler_index)?;
        let outcome = match &handler.value {
            Value::Function(function) => {
                let binding = function.params.first().map(|p| p.name.as_str());
                Outcome::read(
                    &function.body,
                    function.span,
                    file.source,
                    binding,
                    knowledge,
                )
            }
            // `.catch(console.log)`: a logger passed by name.
            Value::Path(path) => {
                let level = knowledge.log_level(&Call {
                    callee: path.clone(),
                    ..Call::default()
                })?;
                Outcome::passing_to_logger(path, level)
            }
            _ => return None,
        };
        let mut outcome = outcome;
        // `.catch(() => null)` only tells the caller something if the caller reads it.
        if !matches!(
            call.result,
            CallResult::Bound | CallResult::Returned | CallResult::Used
        ) {
            outcome.exits.retain(|exit| *exit != Exit::Sentinel);
        }
        outcome.swallows().then_some((
            sink_call,
            sink,
            Swallow::Handler {
                construct: promise_construct(handler_index),
                span: handler.span,
                outcome,
            },
        ))
    }

    fn finding(
        &self,
        file: &FileContext<'_>,
        sink_call: &Call,
        sink: &Sink,
        trigger: &Call,
        state: &WalkState<'_>,
        swallow: Swallow<'_>,
    ) -> RawFinding {
        let severity = if sink.generic {
            Severity::Medium
        } else {
            self.default_severity()
        };
        let function = function_phrase(&state.function);
        let how = swallow_phrase(&swallow);
        let consequence = consequence(state.role, &function, &swallow);
        let message = format!(
            "`{}` {} ({}), but {how}: when it fails, {consequence}",
            callee_name(sink_call),
            sink.kind.action(),
            sink.label,
        );
        let mut related = Vec::new();
        match &swallow {
            Swallow::Handler { span, outcome, .. } => {
                let what = match outcome.loudest_log() {
                    Some((_, level)) => format!(
                        "failure handled here: logged at {} level only",
                        level.as_str()
                    ),
                    None => "failure handled here, and dropped".to_string(),
                };
                related.push(RelatedSpan {
                    path: None,
                    span: *span,
                    message: what,
                });
            }
            Swallow::Suppressed(call) | Swallow::Settled(call) | Swallow::Ignored(call) => {
                if call.span != sink_call.span {
                    related.push(RelatedSpan {
                        path: None,
                        span: call.span,
                        message: format!("failure discarded here (`{}`)", callee_name(call)),
                    });
                }
            }
        }
        // A swallow is the rule's whole claim only when the caller is then
        // told the work succeeded; a failure logged and left behind in a
        // function that promises nothing may be the author's choice.
        let confidence = Confidence::of_failure_handling(sink, sink_call, file.model);
        let confidence = if success_reported(file, state, &swallow, trigger.span) {
            confidence
        } else {
            confidence.min(Confidence::Medium)
        };
        RawFinding {
            rule: self.id(),
            severity,
            confidence,
            span: sink_call.span,
            function: state.function.clone(),
            trigger_text: trigger.text.clone(),
            message,
            questions: questions(sink_call, trigger, sink, &function, &swallow),
            related,
        }
    }
}

/// Whether the code tells its caller the work succeeded once the failure is
/// dropped (or drops it without any trace): the handler is empty, reports
/// success or returns a value as if nothing failed; the function is a route, consumer or job (its runner
/// takes a normal return for success); a statement after it announces
/// success, or the first `return` after it hands back a value (see
/// [`crate::flow::outcome::success_told_after`]); the first `return` after the
/// swallow hands back a value (`return true`, `return
/// Promise.resolve(email)`, `Ok(())`) — in the function around it or, when
/// that is a callback that returns nothing, in the function around the
/// callback.
fn success_reported(
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    swallow: &Swallow<'_>,
    at: Span,
) -> bool {
    if state.role.is_some() {
        return true;
    }
    let after = match swallow {
        Swallow::Handler { outcome, span, .. } => {
            // An empty handler leaves no trace at all: nobody can ever learn
            // of the failure, whatever the caller is told.
            let empty = outcome.logs.is_empty()
                && outcome.passed_logger.is_none()
                && outcome.exits.is_empty();
            if empty || outcome.reported_success().is_some() || outcome.fallback().is_some() {
                return true;
            }
            if span.end_byte > at.end_byte {
                *span
            } else {
                at
            }
        }
        _ => at,
    };
    crate::flow::outcome::success_told_after(file.model, after)
}

/// Whether a function around `call` documents that its failures are
/// tolerated (`/** Best-effort revoke ... */`): the swallow is the author's
/// recorded choice.
fn documented_as_tolerated(file: &FileContext<'_>, call: &Call) -> bool {
    crate::flow::outcome::tolerated_around(file.model, call, &[], file.source)
}

/// The calls handed to a task spawner as its argument (`create_task(send(..))`,
/// the links of a chain included): they run in the task, not where they are written.
fn spawned_calls(model: &FileModel, knowledge: &Knowledge) -> Vec<Span> {
    let mut spans = Vec::new();
    model.module.for_each_call(&mut |call| {
        if !knowledge.is_task_spawner(call) {
            return;
        }
        for arg in &call.args {
            if let Value::Call(inner) = &arg.value {
                spans.push(inner.span);
                spans.extend(inner.chain.iter().map(|link| link.span));
            }
        }
    });
    spans
}

fn promise_construct(handler_index: usize) -> &'static str {
    if handler_index == 0 {
        "the `.catch(..)` callback"
    } else {
        "the rejection callback of `.then(..)`"
    }
}

/// What the code does with the failure, as a phrase: "the `catch` around it
/// only logs at warn level ('CRM sync failed')".
fn swallow_phrase(swallow: &Swallow<'_>) -> String {
    match swallow {
        Swallow::Handler {
            construct, outcome, ..
        } => {
            let mut parts = Vec::new();
            if let Some((logger, level)) = &outcome.passed_logger {
                parts.push(format!(
                    "only hands it to `{logger}` ({} level)",
                    level.as_str()
                ));
            }
            if let Some((log, level)) = outcome.loudest_log() {
                parts.push(format!(
                    "only logs at {} level ({})",
                    level.as_str(),
                    log_message(log)
                ));
            }
            if let Some(success) = outcome.reported_success() {
                parts.push(format!(
                    "reports success with `{}`",
                    crate::flow::shorten(success, 60)
                ));
            } else if let Some(fallback) = outcome.fallback() {
                parts.push(format!(
                    "returns `{}` as if nothing failed",
                    crate::flow::shorten(fallback, 40)
                ));
            }
            if parts.is_empty() {
                parts.push("is empty".to_string());
            }
            format!("{construct} {}", parts.join(" and then "))
        }
        Swallow::Suppressed(call) => format!(
            "`with {}:` silences its exceptions",
            crate::flow::shorten(&call.text, 50)
        ),
        Swallow::Settled(call) => format!(
            "`{}` never rejects and its results are never read",
            callee_name(call)
        ),
        Swallow::Ignored(call) => match (call.result, call.method.as_str()) {
            (CallResult::ExplicitlyIgnored, _) => "`let _ =` discards its `Result`".to_string(),
            (_, "ok") => "`.ok()` turns its `Result` into an `Option` that is dropped".to_string(),
            (_, method) => format!("`.{method}(..)` replaces its error with a default"),
        },
    }
}

/// What the caller reports instead, by the role of the enclosing handler.
fn consequence(role: Option<HandlerRole>, function: &str, swallow: &Swallow<'_>) -> String {
    let success = match swallow {
        Swallow::Handler { outcome, .. } => outcome
            .reported_success()
            .map(|s| crate::flow::shorten(s, 50)),
        _ => None,
    };
    match (role, success) {
        (_, Some(success)) => format!("{function} still answers `{success}` and nobody is alerted"),
        (Some(HandlerRole::Route), None) => {
            format!(
                "the route handler {function} carries on and answers as if it had worked, and nobody is alerted"
            )
        }
        (Some(HandlerRole::Consumer), None) => format!(
            "the consumer {function} returns normally, the message is acknowledged and never redelivered"
        ),
        (Some(HandlerRole::Job), None) => {
            format!("the job {function} completes as if it had worked and is not retried")
        }
        (None, None) => format!("{function} carries on as if it had worked and nobody is alerted"),
    }
}

fn questions(
    sink_call: &Call,
    trigger: &Call,
    sink: &Sink,
    function: &str,
    swallow: &Swallow<'_>,
) -> Vec<String> {
    let callee = callee_name(sink_call);
    let alerting = match swallow {
        Swallow::Handler { outcome, .. } => match outcome.loudest_log() {
            Some((_, level)) => format!(
                "Who is alerted when `{callee}` fails? {} is rarely watched: should this be an error report, a metric, or a retry?",
                level.log_phrase()
            ),
            None => format!(
                "Who is alerted when `{callee}` fails? The handler drops the error without a trace."
            ),
        },
        _ => format!(
            "Who is alerted when `{callee}` fails? Nothing logs or reports the discarded error."
        ),
    };
    let effect = effect_phrase(sink_call, trigger, sink.kind);
    let rejecter = rejecter(sink.kind);
    vec![
        format!(
            "What happens to {effect} when {rejecter} rejects it (invalid payload, rate limit, expired credentials), and how would anyone find out?"
        ),
        alerting,
        format!(
            "What does the caller of {function} believe happened when this fails, and is that true for the user?"
        ),
        format!(
            "How would a workflow test verify that {effect} was accepted by {rejecter}, and that a rejection makes the workflow fail or retry instead of reporting success?"
        ),
        "If losing this effect is acceptable, where is that decision recorded and counted?"
            .to_string(),
    ]
}

/// The innermost `catch`/`except` that ends the sink's failure in silence.
///
/// Handlers are read from the innermost try outwards: one that propagates
/// hands the failure to the next try out; one that does anything else
/// (retry, nack, record, report) has handled it.
fn caught<'a>(
    file: &FileContext<'a>,
    state: &WalkState<'a>,
    knowledge: &'a Knowledge,
) -> Option<Swallow<'a>> {
    for context in state.try_stack.iter().rev() {
        let mut all_propagate = true;
        let mut any_catch = false;
        for handler in context.handlers {
            let Node::Block(block) = handler else {
                continue;
            };
            let BlockKind::Catch {
                error_types,
                binding,
                ..
            } = &block.kind
            else {
                continue;
            };
            // Errors only local code raises (a project's own exception, a
            // missing key) are not the downstream failure; a narrow error
            // handled beside a broad handler is a case the author triaged
            // (`except RecipientsRefused: log.warning(..)` before `except
            // Exception: log.exception(..)`): the broad handler decides.
            if only_local_errors(error_types, file.path, file.source, knowledge)
                || triaged(error_types, block, context.handlers)
            {
                continue;
            }
            any_catch = true;
            let outcome = Outcome::read(
                &block.body,
                block.span,
                file.source,
                binding.as_deref(),
                knowledge,
            );
            if outcome.swallows()
                && !(outcome.exits.is_empty()
                    && failure_follows(state.enclosing, context.span, file.source, knowledge))
            {
                let construct = if file.path.ends_with(".py") || file.path.ends_with(".pyi") {
                    "the `except` around it"
                } else {
                    "the `catch` around it"
                };
                return Some(Swallow::Handler {
                    construct,
                    span: block.span,
                    outcome,
                });
            }
            if !outcome.propagates {
                all_propagate = false;
            }
        }
        if any_catch && !all_propagate {
            return None;
        }
    }
    None
}

/// Error types that catch every failure.
const CATCH_ALL_TYPES: &[&str] = &["Exception", "BaseException", "Error", "StandardError"];

/// Whether the handler `block` catches only narrow `error_types` and a later
/// handler of the same `try` catches everything else: the narrow case is one
/// the author expected and chose to let pass (`except DatabaseError: pass`
/// for a table not migrated yet), and what happens to every other failure is
/// the catch-all's to say.
fn triaged(error_types: &[String], block: &Block, handlers: &[Node]) -> bool {
    let catches_all = |types: &[String]| {
        types.is_empty()
            || types
                .iter()
                .any(|t| CATCH_ALL_TYPES.contains(&t.rsplit('.').next().unwrap_or(t)))
    };
    if catches_all(error_types) {
        return false;
    }
    handlers.iter().any(|handler| {
        let Node::Block(other) = handler else {
            return false;
        };
        let BlockKind::Catch {
            error_types: other_types,
            ..
        } = &other.kind
        else {
            return false;
        };
        other.span.start_byte > block.span.start_byte && catches_all(other_types)
    })
}

/// Whether a handler that falls through lets the function report the
/// failure anyway: the first `return` after the try statement (in its block
/// or any enclosing one) returns a failure or sentinel (`return (False, {})`
/// after `except RequestException: log.warning(..)`), hands the result to a
/// call, or returns a value the try block was building (`return status_code`
/// where the try set `status_code = r.status_code`).
fn failure_follows(
    function: &Function,
    try_span: Span,
    source: &str,
    knowledge: &Knowledge,
) -> bool {
    let mut continuation = Vec::new();
    let Some(try_block) = continuation_after(&function.body, try_span, &mut continuation) else {
        return false;
    };
    let Some(ret) =
        continuation
            .iter()
            .flat_map(|nodes| nodes.iter())
            .find_map(|node| match node {
                Node::Return(ret) => Some(ret),
                _ => None,
            })
    else {
        return false;
    };
    if let Some(Value::Call(call)) = &ret.value
        && knowledge.log_level(call).is_none()
        && !matches!(call.callee.as_str(), "Ok" | "Some")
    {
        return true;
    }
    match classify_return_text(&ret.value_text) {
        Exit::Failure | Exit::Sentinel => true,
        Exit::Fallback(text) => touched_names(try_block, source)
            .iter()
            .any(|name| has_word(&text, name)),
        Exit::Bare | Exit::Success(_) => false,
    }
}

/// Finds the try block at `try_span` and collects the statements that run
/// after it (and its handlers), innermost block first, then the statements
/// after each enclosing block.
fn continuation_after<'a>(
    nodes: &'a [Node],
    try_span: Span,
    continuation: &mut Vec<&'a [Node]>,
) -> Option<&'a Block> {
    for (index, node) in nodes.iter().enumerate() {
        let Node::Block(block) = node else {
            continue;
        };
        if block.span == try_span && matches!(block.kind, BlockKind::Try) {
            let rest = &nodes[index + 1..];
            let handlers = rest
                .iter()
                .take_while(|n| {
                    matches!(n, Node::Block(b) if matches!(b.kind, BlockKind::Catch { .. } | BlockKind::Finally))
                })
                .count();
            continuation.push(&rest[handlers..]);
            return Some(block);
        }
        if block.span.start_byte <= try_span.start_byte
            && try_span.end_byte <= block.span.end_byte
            && let Some(found) = continuation_after(&block.body, try_span, continuation)
        {
            continuation.push(&nodes[index + 1..]);
            return Some(found);
        }
    }
    None
}

/// Names the try block writes to: assignment targets, bound results and
/// receivers of its calls (`accepted` in `accepted.add(id)`), and counters
/// updated in place (`sent++`, `sent += 1`), which the model does not keep.
fn touched_names(block: &Block, source: &str) -> Vec<String> {
    let mut names = Vec::new();
    collect_touched(&block.body, &mut names);
    let text = source
        .get(block.span.start_byte..block.span.end_byte)
        .unwrap_or("");
    for op in ["++", "--", "+=", "-="] {
        for (at, _) in text.match_indices(op) {
            let name: String = text[..at]
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| crate::flow::outcome::is_ident_char(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

fn collect_touched(nodes: &[Node], names: &mut Vec<String>) {
    let root = |text: &str| {
        text.trim_start_matches("self.")
            .trim_start_matches("this.")
            .split(['.', '[', '('])
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    for node in nodes {
        match node {
            Node::Assign(assign) => names.push(root(&assign.target)),
            Node::Call(call) => {
                if let Some(bound) = &call.bound_to {
                    names.push(root(bound));
                }
                if let Some(receiver) = &call.receiver {
                    names.push(root(receiver));
                }
            }
            Node::Block(block) => collect_touched(&block.body, names),
            Node::Function(_) | Node::Return(_) => {}
        }
    }
    names.retain(|name| !name.is_empty() && name.chars().all(crate::flow::outcome::is_ident_char));
}

/// `Promise.allSettled([...sinks])` / `asyncio.gather(.., return_exceptions=True)`
/// whose results are dropped or never read.
fn settled_sink<'a>(
    call: &'a Call,
    file: &FileContext<'a>,
    state: &WalkState<'a>,
    knowledge: &'a Knowledge,
) -> Option<(&'a Call, &'a Sink)> {
    let settles = match call.callee.as_str() {
        "Promise.allSettled" => true,
        "asyncio.gather" | "gather" => {
            matches!(
                call.option_value("return_exceptions"),
                Some(Value::Bool(true))
            )
        }
        _ => false,
    };
    if !settles {
        return None;
    }
    let unread = match call.result {
        CallResult::Discarded | CallResult::ExplicitlyIgnored => true,
        CallResult::Bound => {
            let rest = rest_of_function(
                file.source,
                call.span,
                state.enclosing,
                &file.model.comments,
            );
            call.bound_to
                .as_deref()
                .is_some_and(|var| usage_in(&rest, var, knowledge) == Usage::Unused)
        }
        CallResult::Returned | CallResult::Used => false,
    };
    if !unread {
        return None;
    }
    calls_in_arguments(call)
        .into_iter()
        .find_map(|c| knowledge.sink(c).map(|s| (c, s)))
}

/// Rust: `let _ = sink(..).await;`, `sink(..).await.ok();`,
/// `sink(..).await.unwrap_or_default();`.
fn rust_ignored<'a>(call: &'a Call, knowledge: &'a Knowledge) -> Option<(&'a Call, &'a Sink)> {
    let discarded = match call.result {
        CallResult::ExplicitlyIgnored => true,
        CallResult::Discarded => RESULT_DISCARDS.contains(&call.method.as_str()),
        _ => false,
    };
    if !discarded || call.propagated {
        return None;
    }
    if call.method == "unwrap_or_else" && closure_reports(call, knowledge) {
        return None;
    }
    std::iter::once(call)
        .chain(call.chain.iter())
        .find_map(|c| knowledge.sink(c).map(|s| (c, s)))
}

/// Whether `unwrap_or_else(|e| ..)` does something with the error beyond a low log.
fn closure_reports(call: &Call, knowledge: &Knowledge) -> bool {
    call.callbacks().any(|function| {
        let binding = function.params.first().map(|p| p.name.as_str());
        let outcome = Outcome::read(&function.body, Span::default(), "", binding, knowledge);
        !outcome.swallows()
    })
}

/// Blocks that silence failures without a try: `with suppress(..)`, Rust
/// `if let Err(e) = ..` bodies and `Err(..)` match arms.
struct Branches<'a> {
    suppressors: Vec<(&'a Block, &'a Call)>,
    /// `if let Err(..) = <call>` blocks, with their condition.
    err_branches: Vec<(&'a Block, &'a str)>,
    /// `Err(..) =>` arms, with the span of a call in their `match` scrutinee.
    match_arms: Vec<(Span, &'a Block)>,
}

impl<'a> Branches<'a> {
    fn collect(model: &'a FileModel, knowledge: &Knowledge) -> Self {
        let mut branches = Branches {
            suppressors: Vec::new(),
            err_branches: Vec::new(),
            match_arms: Vec::new(),
        };
        branches.visit(&model.module.body, knowledge);
        branches
    }

    fn visit(&mut self, nodes: &'a [Node], knowledge: &Knowledge) {
        self.pair_match_arms(nodes);
        for node in nodes {
            match node {
                Node::Block(block) => {
                    match &block.kind {
                        BlockKind::With { items, .. } => {
                            if let Some(item) = items.iter().find(|item| {
                                knowledge.is_error_suppressor(item)
                                    && !item.args.iter().all(|a| {
                                        matches!(&a.value, Value::Path(t) if knowledge.is_local_error(t))
                                    })
                            }) {
                                self.suppressors.push((block, item));
                            }
                        }
                        BlockKind::If { condition } if condition.trim_start().starts_with("let Err") => {
                            self.err_branches.push((block, condition.as_str()));
                        }
                        _ => {}
                    }
                    self.visit(&block.body, knowledge);
                }
                Node::Function(function) => self.visit(&function.body, knowledge),
                Node::Call(call) => self.visit_call(call, knowledge),
                Node::Return(ret) => {
                    if let Some(value) = &ret.value {
                        self.visit_value(value, knowledge);
                    }
                }
                Node::Assign(assign) => self.visit_value(&assign.value, knowledge),
            }
        }
    }

    /// A `match` scrutinee's calls come right before the arm blocks; pair
    /// each such call with the `Err(..)` arms that handle its result.
    fn pair_match_arms(&mut self, nodes: &'a [Node]) {
        let mut index = 0;
        while index < nodes.len() {
            let run_start = index;
            while let Some(Node::Call(call)) = nodes.get(index)
                && call.result == CallResult::Used
            {
                index += 1;
            }
            let scrutinee = &nodes[run_start..index];
            let arms_start = index;
            while let Some(Node::Block(block)) = nodes.get(index)
                && matches!(block.kind, BlockKind::Arm { .. })
            {
                index += 1;
            }
            if !scrutinee.is_empty() {
                for arm in &nodes[arms_start..index] {
                    let Node::Block(block) = arm else { continue };
                    let BlockKind::Arm { pattern } = &block.kind else {
                        continue;
                    };
                    if !pattern.trim_start().starts_with("Err") {
                        continue;
                    }
                    for node in scrutinee {
                        if let Node::Call(call) = node {
                            self.match_arms.push((call.span, block));
                        }
                    }
                }
            }
            if index == run_start {
                index += 1;
            }
        }
    }

    fn visit_call(&mut self, call: &'a Call, knowledge: &Knowledge) {
        for link in call.chain.iter().chain(std::iter::once(call)) {
            for arg in &link.args {
                self.visit_value(&arg.value, knowledge);
            }
        }
    }

    fn visit_value(&mut self, value: &'a Value, knowledge: &Knowledge) {
        match value {
            Value::Function(function) => self.visit(&function.body, knowledge),
            Value::Call(call) => self.visit_call(call, knowledge),
            Value::Object(props) => props
                .iter()
                .for_each(|p| self.visit_value(&p.value, knowledge)),
            Value::Array(items) => items.iter().for_each(|v| self.visit_value(v, knowledge)),
            _ => {}
        }
    }

    fn suppressor_around(&self, call: &'a Call) -> Option<Swallow<'a>> {
        self.suppressors
            .iter()
            .filter(|(block, _)| contains(block.span, call.span))
            .map(|(_, item)| Swallow::Suppressed(item))
            .next_back()
    }

    /// The `if let Err(..) = <call>` body or `Err(..) =>` arm that handles this
    /// call's result, when it drops the error.
    fn err_branch_around(
        &self,
        call: &'a Call,
        file: &FileContext<'a>,
        knowledge: &'a Knowledge,
    ) -> Option<Swallow<'a>> {
        let block = self
            .err_branches
            .iter()
            .find(|(block, head)| {
                contains(block.span, call.span) && squeeze(head).contains(&squeeze(&call.text))
            })
            .map(|(block, _)| *block)
            .or_else(|| {
                self.match_arms
                    .iter()
                    .find(|(scrutinee, _)| contains(*scrutinee, call.span))
                    .map(|(_, block)| *block)
            })?;
        let head = match &block.kind {
            BlockKind::If { condition } => condition.as_str(),
            BlockKind::Arm { pattern } => pattern.as_str(),
            _ => "",
        };
        let outcome = Outcome::read(
            &block.body,
            body_span(block),
            file.source,
            err_binding(head),
            knowledge,
        );
        outcome.swallows().then_some(Swallow::Handler {
            construct: "the `Err` branch that handles it",
            span: block.span,
            outcome,
        })
    }
}

/// The span of a block's statements (so the head's text is not searched).
fn body_span(block: &Block) -> Span {
    let first = block.body.first().map(Node::span);
    let last = block.body.last().map(Node::span);
    match (first, last) {
        (Some(first), Some(last)) => Span {
            start_byte: first.start_byte,
            end_byte: last.end_byte,
            start_line: first.start_line,
            start_col: first.start_col,
            end_line: last.end_line,
            end_col: last.end_col,
        },
        _ => Span::default(),
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start_byte <= inner.start_byte && inner.end_byte <= outer.end_byte
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
