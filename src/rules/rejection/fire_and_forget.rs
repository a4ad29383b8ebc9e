//! `rejection/fire-and-forget`.

use crate::flow::outcome::{
    awaited_callees, bound_and_unread, chain_links, effect_phrase, function_phrase, is_chain_link,
    rejecter,
};
use crate::flow::telemetry::is_telemetry;
use crate::flow::{WalkState, callee_name};
use crate::knowledge::{Knowledge, Sink};
use crate::model::{
    Call, CallResult, Ecosystem, FileModel, FunctionOrigin, Language, Node, Return, Span, Value,
};
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};
use std::collections::HashSet;

declare_rule! {
    /// A side effect's promise, coroutine or task is neither awaited, returned nor handled, so its
    /// failure is never observed.
    ///
    /// ## What it detects
    /// Inside an async function: a call that reaches another system (message bus, queue, e-mail
    /// provider, HTTP write, payment provider, CRM) whose promise is dropped — not awaited, not
    /// returned, no `.catch(..)` or rejection callback (`void sink()` included); a side effect
    /// awaited inside an `async` callback given to `forEach` (which never waits for it); a side
    /// effect run with `asyncio.create_task(..)` / `ensure_future(..)` or `tokio::spawn(..)` whose
    /// handle is dropped and whose failure is not handled inside the task (nor inside the project
    /// helper the task runs, which catches it itself). In Python, a coroutine
    /// called without `await` inside `async def` (when the same callee is awaited elsewhere in the
    /// file) is flagged at high severity: it never runs at all. A node-style call left to run
    /// whose callback throws the error it is given (`(err) => { if (err) throw err }`) is flagged
    /// too: the throw escapes the caller's `try` and `await`. Other callback-style calls, synchronous
    /// publishers (amqplib `channel.publish`), generic `publish` calls never awaited anywhere in
    /// the file, a publish known only by its receiver's name (`this.eventBus.publish`) that the
    /// file makes again and again as a bare statement and never awaits or chains (its author
    /// knows it hands back nothing to wait for), calls of the project's helpers that hand back
    /// nothing to wait for (not async, no
    /// value returned: the helper owns the effect's failure), telemetry pings (analytics, metrics,
    /// heartbeats: said by the target or by the name of the function that sends them) and test
    /// code are not flagged.
    ///
    /// ## Why it breaks workflows
    /// The caller moves on before the effect is done: the route answers, the job completes, the
    /// transaction of work is reported finished. When the downstream system rejects the request,
    /// the failure surfaces as an unhandled promise rejection (which may crash the process), a
    /// 'Task exception was never retrieved' warning, or nothing at all — never as an error the
    /// caller, a retry or an alert could act on. Tests pass because fakes resolve instantly.
    ///
    /// ## Example
    /// ```javascript
    /// app.post('/orders', async (req, res) => {
    ///   const order = await orders.create(req.body);
    ///   eventBus.publish('order.created', { orderId: order.id }); // not awaited
    ///   res.status(201).json(order);
    /// });
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// app.post('/orders', async (req, res) => {
    ///   const order = await orders.create(req.body);
    ///   await eventBus.publish('order.created', { orderId: order.id });
    ///   res.status(201).json(order);
    /// });
    /// ```
    ///
    /// ## How to fix it
    /// Await the call (or return its promise) so its failure reaches the caller; replace
    /// `forEach(async ..)` with `for … of` or `await Promise.all(items.map(..))`; keep the task
    /// handle and await it, or handle the error inside the task. If the effect must happen after
    /// the response, hand it to a queue or outbox that retries, rather than to a floating promise.
    ///
    /// ## Reviewer questions
    /// - What should the caller report if this side effect fails? Right now it cannot know.
    /// - Who is alerted when it fails in the background?
    /// - Must the effect finish before the function returns? If not, what retries it when it fails?
    /// - How would a workflow test verify the effect happened when nothing waits for it?
    pub struct FireAndForget {
        id: "rejection/fire-and-forget",
        severity: Medium,
        checks: file,
    }
}

impl FileRule for FireAndForget {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let Some(ecosystem) = Language::from_path(file.path).map(Language::ecosystem) else {
            return;
        };
        let walker = file.walker();
        let links = chain_links(file.model);
        let awaited = awaited_callees(file.model);
        // Read the file for them only once a guessed publish is found.
        let only_dropped = std::cell::OnceCell::new();
        let unawaited_callbacks = unawaited_async_callbacks(file.model);
        walker.walk(file.model, &mut |call, state| {
            if is_chain_link(&links, call) || walker.is_local_receiver(call, state) {
                return;
            }
            let unread = || {
                bound_and_unread(
                    call,
                    file.source,
                    state.enclosing,
                    &file.model.comments,
                    knowledge,
                )
            };
            if knowledge.is_task_spawner(call) {
                if matches!(call.result, CallResult::Discarded) || unread() {
                    for (effect, sink) in spawned_effects(call, ecosystem, knowledge) {
                        findings.push(self.finding(
                            file,
                            effect,
                            sink,
                            call,
                            state,
                            Lost::Spawned(call),
                        ));
                    }
                }
                return;
            }
            if ecosystem == Ecosystem::Js
                && let Some((owner, owner_span)) = unawaited_callbacks
                    .iter()
                    .find(|(_, span)| *span == state.enclosing.span)
                && let Some(sink) = knowledge.sink(call)
                && !inside_own_try(state)
            {
                findings.push(self.finding(
                    file,
                    call,
                    sink,
                    call,
                    state,
                    Lost::Unawaited(owner.clone(), *owner_span),
                ));
                return;
            }
            if ecosystem == Ecosystem::Js
                && let Some((sink, thrown)) = thrown_in_callback(call, knowledge)
            {
                findings.push(self.finding(
                    file,
                    call,
                    sink,
                    call,
                    state,
                    Lost::ThrownInCallback(thrown),
                ));
                return;
            }
            let Some((effect, sink)) =
                dropped_promise(call, state, ecosystem, &awaited, knowledge, unread)
            else {
                return;
            };
            // A sink guessed from its receiver's name (`this.eventBus.publish`)
            // that the file calls again and again as a statement, never
            // awaiting or chaining it, is one its author knows to return
            // nothing to wait for (an in-process bus).
            if sink.guesses_receiver(&effect.callee)
                && only_dropped
                    .get_or_init(|| only_ever_dropped(file.model))
                    .contains(&effect.callee)
            {
                return;
            }
            findings.push(self.finding(file, effect, sink, call, state, Lost::Dropped));
        });
    }
}

/// The callees the file drops as a statement at least twice and never
/// treats as a promise: never awaited, nor chained (`.then(..)`,
/// `.catch(..)`). Forwarding one (`publish: (t, e) => bus.publish(t, e)`)
/// says nothing either way.
fn only_ever_dropped(model: &FileModel) -> HashSet<String> {
    let mut dropped: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut promised: HashSet<&str> = HashSet::new();
    model.module.for_each_call(&mut |call| {
        for link in &call.chain {
            promised.insert(link.callee.as_str());
        }
        if call.awaited {
            promised.insert(call.callee.as_str());
        } else if matches!(call.result, CallResult::Discarded) {
            *dropped.entry(call.callee.as_str()).or_default() += 1;
        }
    });
    dropped
        .into_iter()
        .filter(|(callee, count)| *count >= 2 && !promised.contains(callee))
        .map(|(callee, _)| callee.to_string())
        .collect()
}

/// How the side effect's outcome is lost.
enum Lost<'a> {
    /// The promise / coroutine is dropped where it is made.
    Dropped,
    /// Awaited inside an async callback that its caller (`forEach`) never awaits.
    Unawaited(String, Span),
    /// Run in a spawned task whose handle is dropped.
    Spawned(&'a Call),
    /// Its node-style callback throws the error (at the span), where no
    /// `try` or `await` of the caller can catch it.
    ThrownInCallback(Span),
}

/// A side effect whose promise is dropped at the call site.
fn dropped_promise<'a>(
    call: &'a Call,
    state: &WalkState<'a>,
    ecosystem: Ecosystem,
    awaited: &HashSet<String>,
    knowledge: &'a Knowledge,
    unread: impl Fn() -> bool,
) -> Option<(&'a Call, &'a Sink)> {
    let explicitly = matches!(call.result, CallResult::ExplicitlyIgnored);
    let dropped = matches!(call.result, CallResult::Discarded) || explicitly;
    if call.awaited || !(dropped || unread()) {
        return None;
    }
    match ecosystem {
        // Rust futures are lazy (the compiler warns about an unused one);
        // dropped results are the swallowed-error rule's.
        Ecosystem::Rust => return None,
        // Python calls run synchronously unless they are coroutines; only a
        // callee awaited elsewhere in the file is known to be one.
        Ecosystem::Python => {
            if !state.enclosing.is_async || !awaited.contains(&call.callee) {
                return None;
            }
        }
        Ecosystem::Js => {
            if !state.enclosing.is_async && !explicitly {
                return None;
            }
        }
    }
    let links: Vec<&Call> = call.chain.iter().chain(std::iter::once(call)).collect();
    let position = links
        .iter()
        .position(|link| knowledge.sink(link).is_some())?;
    let effect = links[position];
    let sink = knowledge.sink(effect)?;
    let handled = links[position + 1..]
        .iter()
        .any(|link| link.method == "catch" || (link.method == "then" && link.args.len() >= 2));
    if handled
        || sink.caught_inside
        || sink.feeds_a_watcher(effect, Some(state.enclosing))
        || knowledge.is_synchronous_sink(effect)
        || knowledge.settles_itself(effect)
        || is_telemetry(effect, &state.function)
        || effect.callbacks().next().is_some()
        || has_callback_argument(effect)
    {
        return None;
    }
    if sink.generic && !awaited.contains(&effect.callee) {
        return None;
    }
    Some((effect, sink))
}

/// A side effect called node-style and left to run (`sheets.values.append(req,
/// (err) => { if (err) throw err })`) whose callback throws the error it is
/// given: the sink and where the error is thrown.
fn thrown_in_callback<'a>(call: &Call, knowledge: &'a Knowledge) -> Option<(&'a Sink, Span)> {
    if call.awaited || !matches!(call.result, CallResult::Discarded) {
        return None;
    }
    let sink = knowledge.sink(call)?;
    call.callbacks().find_map(|callback| {
        let error = callback.params.first()?;
        if !matches!(error.name.as_str(), "err" | "error" | "e" | "er") {
            return None;
        }
        let mut thrown = None;
        visit_returns(&callback.body, &mut |ret| {
            if thrown.is_none() && ret.value_text.trim_start().starts_with("throw") {
                thrown = Some(ret.span);
            }
        });
        Some((sink, thrown?))
    })
}

/// Every `return` or `throw` under `nodes`, outside nested functions.
fn visit_returns<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Return)) {
    for node in nodes {
        match node {
            Node::Return(ret) => visit(ret),
            Node::Block(block) => visit_returns(&block.body, visit),
            _ => {}
        }
    }
}

/// Node-style APIs take a trailing callback (`sendMail(opts, (err) => ..)`)
/// and report errors through it, not through a promise.
fn has_callback_argument(call: &Call) -> bool {
    call.args.last().is_some_and(|arg| {
        matches!(&arg.value, Value::Path(name) if matches!(name.as_str(), "cb" | "callback" | "done" | "next"))
    })
}

/// The side effects inside a spawned task whose failure leaves the task
/// unhandled: the task's result (or panic) goes nowhere once the handle is dropped.
fn spawned_effects<'a>(
    spawner: &'a Call,
    ecosystem: Ecosystem,
    knowledge: &'a Knowledge,
) -> Vec<(&'a Call, &'a Sink)> {
    let mut effects = Vec::new();
    for arg in &spawner.args {
        match &arg.value {
            // `asyncio.create_task(publish(..))`; a helper that catches the
            // failure of what it sends leaves the task nothing to lose.
            Value::Call(inner) => {
                for link in inner.chain.iter().chain(std::iter::once(inner.as_ref())) {
                    if let Some(sink) = knowledge.sink(link) {
                        if !sink.caught_inside && !sink.feeds_a_watcher(link, None) {
                            effects.push((link, sink));
                        }
                        break;
                    }
                }
            }
            // `tokio::spawn(async move { .. })`: effects whose error escapes the task.
            Value::Function(function) => {
                let mut seen = Vec::new();
                crate::model::for_each_call_in(&function.body, &mut |c| seen.push(c));
                for c in seen {
                    if let Some(sink) = knowledge.sink(c)
                        && escapes_task(c, &function.body, ecosystem)
                    {
                        effects.push((c, sink));
                    }
                }
            }
            _ => {}
        }
    }
    effects
}

/// Whether a call's failure escapes the spawned task body: propagated with
/// `?`, returned as the task's value, or unwrapped into a panic.
fn escapes_task(call: &Call, body: &[crate::model::Node], ecosystem: Ecosystem) -> bool {
    if ecosystem != Ecosystem::Rust {
        return false;
    }
    if call.propagated || matches!(call.result, CallResult::Returned) {
        return true;
    }
    // `sink(..).await.unwrap()`: the call is a link of an `unwrap` chain.
    let mut unwrapped = false;
    crate::model::for_each_call_in(body, &mut |outer| {
        if matches!(outer.method.as_str(), "unwrap" | "expect")
            && outer.chain.iter().any(|link| link.span == call.span)
        {
            unwrapped = true;
        }
    });
    unwrapped
}

/// Async callbacks passed to `forEach` (or to a `map` whose result is
/// dropped): their promises are never awaited by the caller. Each entry is
/// the receiving call's callee and the callback's span.
fn unawaited_async_callbacks(model: &FileModel) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    model.module.for_each_call(&mut |call| {
        let drops_promises = call.method == "forEach"
            || (call.method == "map" && matches!(call.result, CallResult::Discarded));
        if !drops_promises {
            return;
        }
        for function in call.callbacks() {
            if function.is_async && matches!(function.origin, FunctionOrigin::Callback { .. }) {
                found.push((call.callee.clone(), function.span));
            }
        }
    });
    found
}

/// Whether a `try` inside the callback itself surrounds the call.
fn inside_own_try(state: &WalkState<'_>) -> bool {
    let function = state.enclosing.span;
    state.try_stack.iter().any(|context| {
        function.start_byte <= context.span.start_byte && context.span.end_byte <= function.end_byte
    })
}

impl FireAndForget {
    fn finding(
        &self,
        file: &FileContext<'_>,
        effect: &Call,
        sink: &Sink,
        trigger: &Call,
        state: &WalkState<'_>,
        lost: Lost<'_>,
    ) -> RawFinding {
        let function = function_phrase(&state.function);
        let callee = callee_name(effect);
        let sent = effect_phrase(effect, trigger, sink.kind);
        let python = matches!(Language::from_path(file.path), Some(Language::Python));
        let (how, related) = how_it_is_lost(&lost, python, &function, &sent, sink.kind);
        let message = format!(
            "`{callee}` {} ({}), but {how}",
            sink.kind.action(),
            sink.label
        );
        let severity = if python && matches!(lost, Lost::Dropped) {
            // An unawaited coroutine never runs at all.
            Severity::High
        } else if sink.generic {
            Severity::Low
        } else {
            self.default_severity()
        };
        let questions = questions(&function, &callee, &sent, sink.kind);
        RawFinding {
            rule: self.id(),
            severity,
            confidence: Confidence::of_failure_handling(sink, effect, file.model),
            span: effect.span,
            function: state.function.clone(),
            trigger_text: trigger.text.clone(),
            message,
            questions,
            related,
        }
    }
}

/// How the outcome of the effect is lost, and where that is decided.
fn how_it_is_lost(
    lost: &Lost<'_>,
    python: bool,
    function: &str,
    sent: &str,
    kind: crate::knowledge::SinkKind,
) -> (String, Vec<RelatedSpan>) {
    match lost {
        Lost::Dropped if python => (
            format!(
                "it is called without `await` in an async function: the coroutine is created and never runs, so {sent} is never sent and {function} carries on as if it had been (Python only warns \"coroutine was never awaited\")"
            ),
            Vec::new(),
        ),
        Lost::Dropped => (
            format!(
                "its promise is neither awaited, returned nor given a `.catch`: {function} moves on before it finishes, and if {} rejects {sent} the failure is an unhandled rejection at best",
                rejecter(kind)
            ),
            Vec::new(),
        ),
        Lost::Unawaited(owner, span) => (
            format!(
                "it runs in an async callback of `{owner}`, which does not wait for the promise: the caller finishes first and never sees a rejection of {sent}"
            ),
            vec![RelatedSpan {
                path: None,
                span: *span,
                message: format!("async callback whose promise `{owner}` drops"),
            }],
        ),
        Lost::ThrownInCallback(at) => (
            format!(
                "its callback throws the error, and a throw inside a callback escapes the caller's `try` and `await`: {function} carries on as if {sent} had worked, and the error is an uncaught exception"
            ),
            vec![RelatedSpan {
                path: None,
                span: *at,
                message: "thrown here, inside the callback".to_string(),
            }],
        ),
        Lost::Spawned(spawner) => (
            format!(
                "it runs in a task started by `{}` whose handle is dropped: when {sent} fails, the error (or panic) is never observed by anyone",
                callee_name(spawner)
            ),
            vec![RelatedSpan {
                path: None,
                span: spawner.span,
                message: format!(
                    "task started here (`{}`), handle dropped",
                    callee_name(spawner)
                ),
            }],
        ),
    }
}

/// The reviewer's questions about an effect nothing waits for.
fn questions(
    function: &str,
    callee: &str,
    sent: &str,
    kind: crate::knowledge::SinkKind,
) -> Vec<String> {
    vec![
        format!(
            "What should {function} report if {} rejects {sent}? As written it cannot know.",
            rejecter(kind)
        ),
        format!("Who is alerted when `{callee}` fails in the background?"),
        format!(
            "Must {sent} be delivered before {function} returns? If not, what retries it when it fails — a queue or an outbox?"
        ),
        format!(
            "How would a workflow test verify that {sent} reached {} exactly once, and see a failure, when nothing waits for it?",
            rejecter(kind)
        ),
    ]
}
