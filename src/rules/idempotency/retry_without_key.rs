//! `idempotency/retry-without-key`.

use super::{
    ecosystem_of, effect, key_suggestion, one_effect, receiver, stable_data_phrase, subject,
};
use crate::flow::WalkState;
use crate::flow::imports::project_local_names;
use crate::flow::keys::{Bindings, KeyFinder};
use crate::flow::raised::{only_connect_errors, only_local_errors, only_status_errors};
use crate::flow::repeated::Effect;
use crate::flow::retried::{Retried, RetriedHow, retried_phrase};
use crate::flow::retry::RetryKind;
use crate::flow::shorten;
use crate::knowledge::{Knowledge, SinkKind, SinkOrigin};
use crate::model::Call;
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};

declare_rule! {
    /// A non-idempotent side effect (create, charge, POST, send, enqueue) runs inside a retry with
    /// no idempotency key, so a retried attempt acts twice.
    ///
    /// ## What it detects
    /// A call that creates, charges, POSTs, sends or enqueues, made inside a retry scope: the
    /// callback of a retry wrapper (p-retry, async-retry, exponential-backoff, backon `.retry(..)`,
    /// tokio-retry `Retry::spawn`, backoff `retry`), a function decorated with tenacity `@retry` or
    /// `@backoff.on_exception`, a Celery task with `autoretry_for` (or calling `self.retry` where
    /// the retry can follow the effect: in a handler of a `try` around it, or later in the task), a
    /// dramatiq actor, a BullMQ worker whose jobs are added with `attempts`, a hand-written retry
    /// loop (`for attempt in range(3): try … except: sleep`, `while (tries--)` with a catch, `loop
    /// { match .. { Err(_) if attempts < 3 => .. } }`), a same-file function called from a retry
    /// wrapper or loop, or a request through an HTTP client configured to resend writes
    /// (axios-retry with a custom `retryCondition`, got/ky `retry.methods` with POST, urllib3
    /// `Retry(allowed_methods=[..'POST'..])` mounted on a session, reqwest-retry middleware; a
    /// session set to resend POSTs that the file hands on to another client, `API(session=
    /// session)`, and makes no write through itself is reported at its retry configuration, at
    /// medium confidence: the writes it resends are out of sight) — when
    /// the call passes no idempotency key (`idempotencyKey`, an `Idempotency-Key` header,
    /// `idempotency_key=`, SQS `MessageDeduplicationId`, BullMQ `jobId`, Celery `task_id`, or a
    /// name added under `idempotency_keys` in `.handoff.yml`). An enqueue or publish that is the
    /// last act of a retried function or callback (nothing runs after it but logging and pure
    /// conversions, `len(..)`, `str(..)`; no loop around it) is
    /// not reported: a failed enqueue was not sent, and nothing after it can fail and re-run it.
    /// Nor is an effect under a retry that fires only on exceptions local code raises — the
    /// project's own (`autoretry_for=(LockBusy,)` with `LockBusy` a class of the file or
    /// imported from the project's own package) or a unique-key conflict (`except
    /// IntegrityError: continue` in a retry loop) — when only library calls can run after it
    /// (a `return` ends the attempt): a library's failure never raises such an exception, so
    /// the retry cannot follow the effect. Nor is a request under a retry that fires only on the
    /// exception a status check raises (`@retry(requests.exceptions.HTTPError)`, backoff's
    /// `on_exception(.., HTTPError)`, tenacity's `retry_if_exception_type(HTTPError)`, httpx's
    /// `HTTPStatusError`) when nothing after it in the
    /// attempt checks the status: nothing raises that exception, so the retry never goes round.
    /// PUT and DELETE are idempotent methods (RFC 9110): a repeat leaves the state one request
    /// leaves, so they are not reported. A loop or a function calling itself again that first asks
    /// the operator (`input("Try again? Y/N")`, `click.confirm(..)`) is not an automatic retry:
    /// the person who saw the failure decides. Nor is a write made only while a fresh read on the same
    /// client says it is still needed (`status = client.get(url)`, then `if status == "active":
    /// client.post(..)`): the next attempt reads what the first one left. Nor is one made only
    /// after a claim of stored rows, a conditional update whose count the code tests
    /// (`reserved = Kick.objects.filter(pk=k.pk, done_at=None).update(started_at=now)`, then `if
    /// reserved == 0: continue`): the next attempt claims nothing. Nor is a hand-written
    /// loop that goes round only after the service answered that it did not act (`if
    /// status == 429: sleep(..)`, or a 401 / `invalid_token` answer after which the loop renews
    /// the token, with every other status leaving the loop and no `except` around the call that
    /// goes round, so a timeout leaves it too), or whose every `except` names such a refusal
    /// (`except SessionTimeoutError: session = login()`, `except RateLimitError:`): the repeated
    /// request is one the service refused. Nor is a retry its author documents as safe to repeat,
    /// in it or right above it (`# Retrying the POST is safe: requests are quote-only`,
    /// `// idempotent`). Nor is a loop named for polling (`for _ in range(MAX_POLL_ATTEMPTS)`), which
    /// waits for a result rather than retrying a failure; a condition that compares an answer
    /// with a constant named for retrying (`result is RETRY_LATER`) counts no attempts. Nor is
    /// a loop that never goes round (every pass ends in `break`, `return` or
    /// `raise`, its handlers re-raise, nothing says `continue`), nor a call after which the pass
    /// can only leave the loop (it is in no `try` of the loop, and `break`, `return` or `raise`
    /// follows it with no `try` or `continue` between: `try: conn = connect() except
    /// Disconnected: sleep(1) else: conn.sendmail(..); break` goes round only when connecting
    /// failed), nor a loop that takes the 409 a
    /// repeated write is answered with for the work done (`elif resp.status_code == 409: return
    /// existing`), nor a call made in a handler that gives up and leaves the loop (`except
    /// AuthError: tell_owner(..); return`: it runs once), nor an enqueue that is the last
    /// act of a helper a retry loop calls as its attempt's last act (only the enqueue's own
    /// failure, when nothing was queued, sends it again). Requests that only ask
    /// (see unchecked-response), telemetry and messages to a live feed are not flagged either.
    /// Under a decorator known only by a bare name that the file imports from the project's own
    /// code (`from .tasks import retry`, then `@retry`), a finding is medium confidence: how that
    /// decorator retries, and on what, is in code out of sight. So is a JSON-RPC or GraphQL POST
    /// whose operation the body does not name (`{"method": method, "params": ..}`, a query in a
    /// variable): every operation is a POST there, reads included.
    ///
    /// ## Why it breaks workflows
    /// Retries fire exactly when the outcome of an attempt is unknown: a timeout after the provider
    /// created the ticket, a crash after the charge went through. Without a key, the next attempt
    /// is a brand-new request downstream, so the user who clicked once gets two tickets, two
    /// charges or two shipments. Unit tests of the retry logic and happy-path end-to-end tests
    /// never see this, because fakes do not fail after succeeding.
    ///
    /// ## Example
    /// ```python
    /// import requests
    /// from celery import shared_task
    ///
    ///
    /// @shared_task(bind=True, autoretry_for=(requests.Timeout,), max_retries=5)
    /// def finalize_onboarding(self, user_id):
    ///     response = requests.post(f"{SUPPORT_API}/tickets", json={"user_id": user_id, "type": "onboarding_failure"})
    ///     response.raise_for_status()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import requests
    /// from celery import shared_task
    ///
    ///
    /// @shared_task(bind=True, autoretry_for=(requests.Timeout,), max_retries=5)
    /// def finalize_onboarding(self, user_id):
    ///     response = requests.post(
    ///         f"{SUPPORT_API}/tickets",
    ///         json={"user_id": user_id, "type": "onboarding_failure"},
    ///         headers={"Idempotency-Key": f"onboarding-failure-{user_id}"},
    ///     )
    ///     response.raise_for_status()
    /// ```
    ///
    /// ## How to fix it
    /// Pass an idempotency key derived from stable data that identifies the operation (the order
    /// id, `f"onboarding-{user_id}"`, the job or event id) — the provider's key option, an
    /// `Idempotency-Key` header, a queue deduplication id — so that every attempt sends the same
    /// key and the downstream system acts once. When the downstream system has no key support,
    /// record the effect (its external id) before retrying and check it at the start of each
    /// attempt.
    ///
    /// ## Reviewer questions
    /// - What happens on retry: if the side effect succeeded but the attempt then failed, what does
    ///   the next attempt do downstream?
    /// - What is the idempotency key, and is it derived from data that stays the same across
    ///   attempts?
    /// - How would a workflow test verify exactly one effect when the first attempt times out after
    ///   succeeding?
    /// - Does the downstream system deduplicate on its own, and for how long?
    /// - What if the downstream system accepts the first attempt late, after the retry already sent
    ///   it again?
    pub struct RetryWithoutKey {
        id: "idempotency/retry-without-key",
        severity: High,
        checks: file,
    }
}

impl FileRule for RetryWithoutKey {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let walker = file.walker();
        let facts = file.retry_facts();
        let bindings = Bindings::new(file.model);
        let keys = KeyFinder::new(knowledge, &bindings, file.source);
        let project_names = std::cell::OnceCell::new();
        let projects_own = |retried: &Retried| {
            projects_own_decorator(retried, file, || {
                project_names.get_or_init(|| {
                    crate::model::Language::from_path(file.path)
                        .map(|language| project_local_names(language, file.path, file.source))
                        .unwrap_or_default()
                })
            })
        };
        walker.walk(file.model, &mut |call, state| {
            if walker.is_local_receiver(call, state) || facts.in_failure_branch(call.span) {
                return;
            }
            let Some(effect) = effect(call, bindings.chain_owner(call), knowledge, facts) else {
                return;
            };
            // A POST to a query, search or completion endpoint, or made by
            // a function named for asking, asks: a repeated one changes
            // nothing. A telemetry upload sent twice
            // counts a metric twice; no workflow waits on it.
            // A message to one run's live feed is read by its watcher while
            // it lasts, no handoff to another system.
            let asks = effect.kind == SinkKind::Http
                && (crate::flow::outcome::asks_only(call, &state.function)
                    || crate::flow::outcome::named_for_a_credential(&call.method)
                    || crate::flow::outcome::documented_as_a_read(
                        state.enclosing,
                        file.source,
                        &file.model.comments,
                    ));
            if asks
                || crate::flow::telemetry::is_telemetry(call, &state.function)
                || knowledge
                    .sink(call)
                    .is_some_and(|sink| sink.feeds_a_watcher(call, Some(state.enclosing)))
            {
                return;
            }
            let Some(retried) = facts.retried(call, state) else {
                return;
            };
            // The author says in so many words, in the retry or right above
            // it, that repeating the attempt is safe (`# Retrying the POST is
            // safe: requests are quote-only`, `// idempotent`).
            if crate::flow::retry::documented_as_safe_to_repeat(
                &file.model.comments,
                retried.origin,
                retried.region,
                file.source,
            ) {
                return;
            }
            // A write made only while a fresh read of the other service
            // says it is still needed is not repeated by a retry: the next
            // attempt reads the state the first one left.
            // Nor is one made only after a claim of stored rows (a
            // conditional update whose count is tested): the next attempt
            // claims nothing.
            if crate::flow::guard::guarded_by_fresh_read(state.enclosing, call)
                || crate::flow::guard::claimed_by_conditional_update(
                    state.enclosing,
                    call,
                    file.source,
                )
            {
                return;
            }
            // A loop that goes round only when the service answered that it
            // did not act (429, a rate limit), or that never goes round,
            // repeats nothing it did.
            if facts.repeats_nothing_done(&retried)
                || facts.run_once_on_leaving(&retried, call)
                || facts.leaves_once_done(&retried, call)
            {
                return;
            }
            // An enqueue or publish that failed was not sent: when it is the
            // attempt's last act, only its own failure re-runs it.
            // A helper a retry loop calls as its attempt's last act, whose
            // own last act is the enqueue, is the same case.
            if effect.kind == SinkKind::Event
                && (matches!(
                    retried.how,
                    RetriedHow::Scope(RetryKind::Decorator | RetryKind::Wrapper)
                ) || facts.called_last(&retried))
                && retried
                    .region
                    .is_some_and(|region| facts.last_act_of_attempt(region, call))
            {
                return;
            }
            // A retry that fires only on the project's own exceptions, or on
            // those only local code raises (`except IntegrityError`), re-runs
            // the attempt only when that code raises one: when only library
            // calls can run after the effect, it is not repeated.
            if retried.region.is_some_and(|region| {
                facts.retried_errors(&retried).is_some_and(|errors| {
                    only_local_errors(&errors, file.path, file.source, knowledge)
                }) && facts
                    .nothing_after_can_fail(region, call, &|c| may_raise_local_error(c, knowledge))
            }) {
                return;
            }
            // A retry only on failures to connect (`except SMTPConnectError:`,
            // `@backoff.on_exception(.., httpx.ConnectError)`) goes round
            // only when a connection could not be made, with nothing sent
            // on it: the effect runs again only if another request after it
            // in the attempt fails to connect.
            if facts
                .retried_errors(&retried)
                .is_some_and(|errors| only_connect_errors(&errors, file.source, knowledge))
                && facts.no_other_request_after(&retried, call)
            {
                return;
            }
            // A retry only on the error a status check raises
            // (`@retry(requests.exceptions.HTTPError)`) around a request
            // that raises none itself goes round only when the status is
            // checked: when nothing after the request can check it, the
            // request is not repeated.
            if !knowledge.throws_on_error_status(call)
                && retried.region.is_some_and(|region| {
                    facts
                        .retried_errors(&retried)
                        .is_some_and(|errors| only_status_errors(&errors, file.source, knowledge))
                        && facts.nothing_after_can_fail(region, call, &|c| {
                            knowledge.is_status_check(&c.method)
                                || may_raise_local_error(c, knowledge)
                        })
                })
            {
                return;
            }
            // A helper of the project that sends a key with its effect is
            // judged by the key it sends (`key-regenerated-per-attempt` when
            // it mints one on every call).
            if keys.key_of(call).is_some() || knowledge.sink(call).is_some_and(|s| s.key.is_some())
            {
                return;
            }
            let own = projects_own(&retried);
            findings.push(self.finding(file, call, state, &effect, &retried, own));
        });
        for (client, label, origin) in facts.handed_on_clients() {
            findings.push(self.handed_on_finding(file, &client, &label, origin));
        }
    }
}

/// Whether the retry is a decorator known only by a bare name (`@retry`)
/// that the file imports from the project's own code: how it retries, and
/// on what, is in the project's code, out of sight.
fn projects_own_decorator<'n>(
    retried: &Retried,
    file: &FileContext<'_>,
    project_names: impl FnOnce() -> &'n std::collections::HashSet<String>,
) -> bool {
    if retried.how != RetriedHow::Scope(RetryKind::Decorator) {
        return false;
    }
    let text = file
        .source
        .get(retried.origin.start_byte..retried.origin.end_byte)
        .unwrap_or("")
        .trim_start_matches('@');
    let name_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let (name, rest) = text.split_at(name_end);
    !name.is_empty() && !rest.starts_with('.') && project_names().contains(name)
}

/// Whether `call` may raise an exception of the project or of local code:
/// anything but a library's side effect (a pack sink), a check of its
/// response's status (which raises the client's error) or a log line.
fn may_raise_local_error(call: &Call, knowledge: &Knowledge) -> bool {
    let library_sink = knowledge
        .sink(call)
        .is_some_and(|sink| sink.origin == SinkOrigin::Pack);
    !library_sink && !knowledge.is_status_check(&call.method) && knowledge.log_level(call).is_none()
}

impl RetryWithoutKey {
    /// The finding at a client's retry configuration that resends writes,
    /// when the file hands the client on and writes nothing through it: the
    /// writes it will resend are made out of sight, so the configuration
    /// is where the question is asked (medium confidence).
    fn handed_on_finding(
        &self,
        file: &FileContext<'_>,
        client: &str,
        label: &str,
        origin: crate::model::Span,
    ) -> RawFinding {
        let function = crate::flow::functions_around(file.model, origin)
            .first()
            .map_or_else(|| "<module>".to_string(), |f| f.name.clone());
        let trigger = file
            .source
            .get(origin.start_byte..origin.end_byte)
            .unwrap_or_default()
            .to_string();
        RawFinding {
            rule: self.id(),
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            span: origin,
            function,
            trigger_text: trigger,
            message: format!(
                "`{client}` is set to resend failed writes ({label}) and is handed on to code that writes through it out of sight: every POST made through it is sent again after a timeout or an error status, with no idempotency key, so the receiving service may act twice"
            ),
            questions: vec![
                format!("Which writes go through `{client}`, and does each receiving service deduplicate a resent one (an idempotency key, a unique request id)?"),
                "Should the retry be limited to idempotent methods (GET, PUT, DELETE), with writes retried only where a key makes the repeat harmless?".to_string(),
                "What if the first attempt went through and only the answer was lost?".to_string(),
            ],
            related: Vec::new(),
        }
    }

    /// The finding for an effect without a key under a retry.
    fn finding(
        &self,
        file: &FileContext<'_>,
        call: &Call,
        state: &WalkState<'_>,
        effect: &Effect,
        retried: &Retried,
        projects_own: bool,
    ) -> RawFinding {
        let knowledge = file.knowledge;
        let ecosystem = ecosystem_of(file.path);
        let severity = if retried.certain && !effect.generic {
            self.default_severity()
        } else {
            Severity::Medium
        };
        let sent = subject(call);
        let to = receiver(effect.kind);
        let stable = stable_data_phrase(&crate::flow::functions_around(file.model, call.span));
        let how = retried_phrase(retried);
        let callee = shorten(&call.callee, 50);
        RawFinding {
            rule: self.id(),
            severity,
            confidence: knowledge
                .sink(call)
                .map_or(Confidence::of_pattern(effect.generic), |sink| {
                    Confidence::of_sink(sink, call, file.model)
                })
                // A JSON-RPC or GraphQL POST whose operation is named out of
                // sight may only ask.
                .when_certain(
                    retried.certain
                        && !projects_own
                        && !crate::flow::rpc::operation_out_of_sight(call),
                ),
            span: call.span,
            function: state.function.clone(),
            trigger_text: call.text.clone(),
            message: format!(
                "`{callee}` {} ({}) {how} with no idempotency key: if an attempt fails after the call went through (a timeout, a crash before success is recorded), the next attempt repeats it and {}",
                effect.action(),
                effect.label,
                effect.twice(),
            ),
            questions: vec![
                format!(
                    "What happens on retry: if `{callee}` succeeded but the attempt then failed, what does the next attempt ({}) do at {to}?",
                    retried.label
                ),
                format!(
                    "What is the idempotency key for {sent}? Can it be derived from stable data such as {stable} and passed as {}?",
                    key_suggestion(effect.kind, ecosystem)
                ),
                format!(
                    "How would a workflow test verify {} when the first attempt times out after the call succeeded?",
                    one_effect(call, effect)
                ),
                format!(
                    "Does {to} deduplicate identical requests on its own, and for how long?"
                ),
                "What if the first attempt is accepted late, after the retry already sent it again?".to_string(),
            ],
            related: std::iter::once(RelatedSpan {
                path: None,
                span: retried.origin,
                message: format!("retried here ({})", retried.label),
            })
            .chain(knowledge.sink(call).and_then(RelatedSpan::chain_end))
            .collect(),
        }
    }
}
