//! Knowledge for the idempotency rules: what runs again when it fails (retry
//! wrappers, retrying decorators and tasks, retrying HTTP clients, the sleeps
//! of hand-written retry loops), what makes a key change on every run, and
//! how consumers recognise a message they have already handled.
//!
//! Kept apart from the side-effect knowledge in `mod.rs`: these entries say
//! nothing about *what* a call reaches, only about whether it can run twice.

use super::{
    CallPattern, Knowledge, KnowledgeError, Pack, PatternSet, RedeliveryEntry, RetryClientEntry,
    RetryEntry, RetryTarget, compile_patterns,
};
use crate::model::{Call, Function, FunctionOrigin, Value};
use regex::Regex;

/// A compiled retry mechanism ([`RetryEntry`]).
#[derive(Debug, Clone)]
pub struct RetryMechanism {
    /// A short label for messages (`p-retry`, `tenacity @retry`).
    pub label: String,
    calls: PatternSet,
    decorators: PatternSet,
    when_options: Vec<String>,
    when_body_calls: PatternSet,
    when_file_options: Vec<String>,
    disabled_when_zero: Vec<String>,
    errors_option: Option<String>,
    errors_argument: Option<usize>,
    errors_calls: PatternSet,
}

impl RetryMechanism {
    /// The exceptions `decorator` says it retries on (`autoretry_for=(A, B)`),
    /// as written; `None` when the mechanism or the decorator names none, so
    /// any failure retries.
    pub fn retried_errors(&self, decorator: &Call) -> Option<Vec<String>> {
        let by_name = self
            .errors_option
            .as_deref()
            .and_then(|option| decorator.option_value(option));
        let by_position = || {
            let position = self.errors_argument?;
            decorator
                .args
                .iter()
                .filter(|arg| arg.keyword.is_none())
                .nth(position)
                .map(|arg| &arg.value)
        };
        // tenacity's `retry=retry_if_exception_type(A, B)`: a call given to
        // the decorator that names the exceptions in its arguments.
        let by_call = || {
            decorator.args.iter().find_map(|arg| match &arg.value {
                Value::Call(call) if self.errors_calls.matches(&call.callee) => Some(
                    call.args
                        .iter()
                        .filter(|arg| arg.keyword.is_none())
                        .map(|arg| &arg.value)
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
        };
        let values = match by_name.or_else(by_position) {
            Some(value) => vec![value],
            None => by_call()?,
        };
        let mut paths = Vec::new();
        for value in values {
            match value {
                Value::Path(path) => paths.push(path.clone()),
                Value::Array(items) => {
                    for item in items {
                        let Value::Path(path) = item else {
                            return None;
                        };
                        paths.push(path.clone());
                    }
                }
                _ => return None,
            }
        }
        (!paths.is_empty()).then_some(paths)
    }

    /// Whether the mechanism retries only where the body asks for it
    /// (Celery `self.retry(..)`), rather than on any failure.
    pub fn is_explicit(&self) -> bool {
        !self.when_body_calls.is_empty()
    }

    /// Whether the options given to `call` satisfy the entry's conditions.
    fn options_hold(&self, call: &Call, file_option: &dyn Fn(&str) -> bool) -> bool {
        let keys = call.option_keys();
        (self.when_options.is_empty()
            || self.when_options.iter().any(|o| keys.contains(&o.as_str())))
            && (self.when_file_options.is_empty()
                || self.when_file_options.iter().any(|o| file_option(o)))
            && !self
                .disabled_when_zero
                .iter()
                .any(|o| call.option_value(o).is_some_and(is_zero))
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.trim() == "0",
        Value::Bool(b) => !b,
        Value::Path(p) => p == "None",
        _ => false,
    }
}

/// A compiled retrying HTTP client configuration ([`RetryClientEntry`]).
#[derive(Debug, Clone)]
pub struct RetryClient {
    /// A short label for messages (`axios-retry`).
    pub label: String,
    /// Which client the configuration applies to.
    pub applies_to: RetryTarget,
    calls: PatternSet,
    methods_options: Vec<String>,
    condition_option: Option<String>,
    idempotent_conditions: PatternSet,
}

impl RetryClient {
    /// Whether this configuration call makes the client resend writes.
    fn retries_writes(&self, call: &Call) -> bool {
        self.resends(call, &["POST", "PATCH"])
    }

    /// Whether this configuration call (one [`Knowledge::retry_client`]
    /// matched) makes the client resend POSTs, not only PATCHes: a patch
    /// that sets fields is often resent on purpose, a POST seldom is.
    /// Only a method list can say so: a custom condition or a default
    /// policy says nothing of the methods.
    pub fn resends_posts(&self, call: &Call) -> bool {
        !self.methods_options.is_empty() && self.resends(call, &["POST"])
    }

    /// Whether the call makes the client resend requests of one of
    /// `methods`: its method list names one or every method, or a custom
    /// condition decides (which may take any method).
    fn resends(&self, call: &Call, methods: &[&str]) -> bool {
        if !self.methods_options.is_empty() {
            let listed = self
                .methods_options
                .iter()
                .find_map(|o| option_argument(call, o));
            let Some((value, text)) = listed else {
                return false;
            };
            let all_methods = matches!(value, Value::Bool(false))
                || matches!(value, Value::Path(p) if p == "None" || p == "null")
                || matches!(text.trim(), "None" | "False" | "null" | "false");
            let upper = text.to_ascii_uppercase();
            return all_methods || methods.iter().any(|method| upper.contains(method));
        }
        if let Some(option) = &self.condition_option {
            return match option_argument(call, option) {
                None => false,
                Some((Value::Path(path), _)) => !self.idempotent_conditions.matches(path),
                Some((Value::Call(inner), _)) => !self.idempotent_conditions.matches(&inner.callee),
                Some(_) => true,
            };
        }
        true
    }
}

/// The value of an option (object key at any depth, or keyword) of a call
/// or its chain, with the value's source text when the model keeps it.
fn option_argument<'a>(call: &'a Call, key: &str) -> Option<(&'a Value, String)> {
    fn in_value<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
        match value {
            Value::Object(props) => props.iter().find_map(|p| {
                if p.key == key {
                    Some(&p.value)
                } else {
                    in_value(&p.value, key)
                }
            }),
            _ => None,
        }
    }
    for c in call.chain.iter().chain(std::iter::once(call)) {
        for arg in &c.args {
            if arg.keyword.as_deref() == Some(key) {
                // The argument's text includes `keyword=`; keep the value's.
                let text = arg
                    .text
                    .strip_prefix(key)
                    .and_then(|rest| rest.trim_start().strip_prefix('='))
                    .unwrap_or(&arg.text)
                    .trim();
                return Some((&arg.value, text.to_string()));
            }
            if let Some(value) = in_value(&arg.value, key) {
                return Some((value, value_text(value)));
            }
        }
    }
    None
}

/// The text of a value, enough to look for method names in it.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) | Value::Number(s) | Value::Path(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(","),
        Value::Call(call) => call.text.clone(),
        Value::Object(props) => props
            .iter()
            .map(|p| value_text(&p.value))
            .collect::<Vec<_>>()
            .join(","),
        Value::Function(_) | Value::Other => String::new(),
    }
}

/// How a handler's messages or jobs are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// At least once: a crash, a timeout or a missing ack re-delivers
    /// (Kafka, SQS, BullMQ, Celery with `acks_late`).
    AtLeastOnce,
    /// Registered for a named event whose delivery guarantee is not visible
    /// (`bus.on('order.created', ..)`).
    Unknown,
    /// Not re-delivered: an in-process event, a schedule, or a task that is
    /// acknowledged before it runs (Celery's default).
    AtMostOnce,
    /// No registration in sight: the role comes from the function's name.
    Unregistered,
}

/// A compiled [`RedeliveryEntry`].
#[derive(Debug, Clone)]
struct Redelivered {
    calls: PatternSet,
    decorators: PatternSet,
    option_keys: Vec<String>,
    when_true: Vec<String>,
}

impl Redelivered {
    fn options_hold(&self, call: &Call) -> bool {
        self.when_true.is_empty()
            || self
                .when_true
                .iter()
                .any(|o| matches!(call.option_value(o), Some(Value::Bool(true))))
    }
}

/// The compiled idempotency sections of every pack for one ecosystem.
#[derive(Debug, Clone, Default)]
pub(super) struct RetryKnowledge {
    mechanisms: Vec<RetryMechanism>,
    clients: Vec<RetryClient>,
    attachers: PatternSet,
    sleeps: PatternSet,
    key_generators: PatternSet,
    dedupe_calls: PatternSet,
    dedupe_words: Vec<String>,
    dedupe_condition_words: Vec<String>,
    dedupe_options: Vec<String>,
    dedupe_sql: Vec<Regex>,
    conflict_errors: Vec<String>,
    redelivered: Vec<Redelivered>,
    never_calls: PatternSet,
    never_decorators: PatternSet,
    never_topics: Vec<String>,
    record_signals: Vec<String>,
}

impl RetryKnowledge {
    /// The call patterns of the retrying client configurations.
    pub(super) fn client_patterns(&self) -> Vec<&CallPattern> {
        self.clients.iter().flat_map(|c| c.calls.iter()).collect()
    }

    /// The call patterns of the idempotency-key generators.
    pub(super) fn key_generator_patterns(&self) -> Vec<&CallPattern> {
        self.key_generators.iter().collect()
    }

    /// Add the idempotency sections of a pack.
    pub(super) fn add_pack(
        &mut self,
        file: &str,
        source: &str,
        pack: &Pack,
    ) -> Result<(), KnowledgeError> {
        for entry in &pack.retries {
            self.mechanisms
                .push(compile_mechanism(file, source, entry)?);
        }
        for entry in &pack.retry_clients {
            self.clients.push(compile_client(file, source, entry)?);
        }
        self.attachers
            .extend(compile_patterns(file, source, &pack.retry_attachers)?);
        self.sleeps
            .extend(compile_patterns(file, source, &pack.retry_sleeps)?);
        self.key_generators
            .extend(compile_patterns(file, source, &pack.key_generators)?);
        let checks = &pack.dedupe_checks;
        self.dedupe_calls
            .extend(compile_patterns(file, source, &checks.calls)?);
        self.dedupe_words
            .extend(checks.words.iter().map(|w| w.to_ascii_lowercase()));
        self.dedupe_condition_words.extend(
            checks
                .condition_words
                .iter()
                .map(|w| w.to_ascii_lowercase()),
        );
        self.dedupe_options.extend(checks.options.iter().cloned());
        self.conflict_errors
            .extend(checks.conflict_errors.iter().cloned());
        if let Some(sql) = &checks.sql {
            let regex = Regex::new(sql).map_err(|e| {
                let detail = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                KnowledgeError::at_text(
                    file,
                    source,
                    sql,
                    format!("invalid `dedupe_checks.sql` regular expression: {detail}"),
                )
            })?;
            self.dedupe_sql.push(regex);
        }
        for entry in &pack.redelivered {
            self.redelivered
                .push(compile_redelivered(file, source, entry)?);
        }
        let never = &pack.never_redelivered;
        self.never_calls
            .extend(compile_patterns(file, source, &never.calls)?);
        self.never_decorators
            .extend(compile_patterns(file, source, &never.decorators)?);
        self.never_topics.extend(never.topics.iter().cloned());
        self.record_signals
            .extend(never.record_signals.iter().cloned());
        Ok(())
    }
}

fn compile_mechanism(
    file: &str,
    source: &str,
    entry: &RetryEntry,
) -> Result<RetryMechanism, KnowledgeError> {
    if entry.calls.is_empty() && entry.decorators.is_empty() {
        return Err(KnowledgeError::at_text(
            file,
            source,
            &entry.label,
            format!(
                "retry entry `{}` names no `calls` and no `decorators`; add the wrapper calls or decorators it covers",
                entry.label
            ),
        ));
    }
    Ok(RetryMechanism {
        label: entry.label.clone(),
        calls: compile_patterns(file, source, &entry.calls)?,
        decorators: compile_patterns(file, source, &entry.decorators)?,
        when_options: entry.when_options.clone(),
        when_body_calls: compile_patterns(file, source, &entry.when_body_calls)?,
        when_file_options: entry.when_file_options.clone(),
        disabled_when_zero: entry.disabled_when_zero.clone(),
        errors_option: entry.errors_option.clone(),
        errors_argument: entry.errors_argument,
        errors_calls: compile_patterns(file, source, &entry.errors_calls)?,
    })
}

fn compile_redelivered(
    file: &str,
    source: &str,
    entry: &RedeliveryEntry,
) -> Result<Redelivered, KnowledgeError> {
    Ok(Redelivered {
        calls: compile_patterns(file, source, &entry.calls)?,
        decorators: compile_patterns(file, source, &entry.decorators)?,
        option_keys: entry.option_keys.clone(),
        when_true: entry.when_true.clone(),
    })
}

fn compile_client(
    file: &str,
    source: &str,
    entry: &RetryClientEntry,
) -> Result<RetryClient, KnowledgeError> {
    Ok(RetryClient {
        label: entry.label.clone(),
        applies_to: entry.applies_to,
        calls: compile_patterns(file, source, &entry.calls)?,
        methods_options: entry.methods_options.clone(),
        condition_option: entry.condition_option.clone(),
        idempotent_conditions: compile_patterns(file, source, &entry.idempotent_conditions)?,
    })
}

impl Knowledge {
    /// The retry mechanism whose wrapper `call` is (`pRetry(fn)`), if its
    /// conditions hold. `file_option` tells whether an option is set to more
    /// than one attempt elsewhere in the file.
    pub fn retry_wrapper(
        &self,
        call: &Call,
        file_option: &dyn Fn(&str) -> bool,
    ) -> Option<&RetryMechanism> {
        self.retry
            .mechanisms
            .iter()
            .find(|m| m.calls.matches(&call.callee) && m.options_hold(call, file_option))
    }

    /// The retrying decorator of `function` and its mechanism, if one of its
    /// decorators retries it (`@retry`, `@shared_task(autoretry_for=..)`, a
    /// task that calls `self.retry`).
    pub fn retry_decorator<'f>(
        &self,
        function: &'f Function,
        file_option: &dyn Fn(&str) -> bool,
    ) -> Option<(&'f Call, &RetryMechanism)> {
        function.decorators.iter().find_map(|decorator| {
            self.retry
                .mechanisms
                .iter()
                .find(|m| {
                    m.decorators.matches(&decorator.callee)
                        && m.options_hold(decorator, file_option)
                        && (m.when_body_calls.is_empty() || {
                            let mut found = false;
                            function.for_each_call(&mut |c| {
                                found |= m.when_body_calls.matches(&c.callee);
                            });
                            found
                        })
                })
                .map(|m| (decorator, m))
        })
    }

    /// Whether the call is a retry wrapper or a retrying decorator of any
    /// known mechanism, whatever its options: its callback (or decorated
    /// function) may run more than once. For listing touched retry scopes.
    pub fn is_retry(&self, call: &Call) -> bool {
        self.retry
            .mechanisms
            .iter()
            .any(|m| m.calls.matches(&call.callee) || m.decorators.matches(&call.callee))
    }

    /// Whether the call asks for a retry explicitly (`self.retry(exc=exc)`).
    pub fn is_explicit_retry_call(&self, call: &Call) -> bool {
        self.retry
            .mechanisms
            .iter()
            .any(|m| m.when_body_calls.matches(&call.callee))
    }

    /// The retrying client configuration `call` makes, if it makes the
    /// client resend writes (POST, PATCH).
    pub fn retry_client(&self, call: &Call) -> Option<&RetryClient> {
        self.retry
            .clients
            .iter()
            .find(|c| c.calls.matches(&call.callee) && c.retries_writes(call))
    }

    /// Whether the call attaches a retrying adapter to its receiver
    /// (`session.mount(prefix, adapter)`).
    pub fn is_retry_attacher(&self, call: &Call) -> bool {
        self.retry.attachers.matches(&call.callee)
    }

    /// Whether the call sleeps or backs off (`time.sleep`, `setTimeout`).
    pub fn is_retry_sleep(&self, call: &Call) -> bool {
        self.retry.sleeps.matches(&call.callee)
    }

    /// Whether `handler` is registered by a decorator for a signal sent on
    /// every save or delete of a record (`@receiver(post_save, sender=..)`,
    /// `@receiver([pre_delete, post_delete], ..)`; the packs'
    /// `never_redelivered.record_signals`).
    pub fn handles_record_changes(&self, handler: &Function) -> bool {
        let signals = &self.retry.record_signals;
        let names = |value: &Value| -> Vec<String> {
            match value {
                Value::Path(path) => vec![path.clone()],
                Value::Array(items) => items
                    .iter()
                    .filter_map(|item| match item {
                        Value::Path(path) => Some(path.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        handler.decorators.iter().any(|decorator| {
            self.retry.never_decorators.matches(&decorator.callee)
                && decorator
                    .args
                    .iter()
                    .find(|arg| arg.keyword.is_none())
                    .is_some_and(|arg| {
                        let named = names(&arg.value);
                        !named.is_empty()
                            && named.iter().all(|name| {
                                let last = name.rsplit('.').next().unwrap_or(name);
                                signals.iter().any(|signal| signal == last)
                            })
                    })
        })
    }

    /// How the messages or jobs of a handler function are delivered, judged
    /// from how it is registered: the call it is passed to (with its topic),
    /// its decorators, or the option key it is the value of.
    pub fn delivery(&self, handler: &Function) -> Delivery {
        let knowledge = &self.retry;
        if let FunctionOrigin::Callback {
            callee,
            first_string,
            ..
        } = &handler.origin
        {
            // `click.bs.button`, `shown.bs.collapse`: the event is the first word.
            let event = first_string
                .as_deref()
                .map(|t| t.split(['.', ':', ' ']).next().unwrap_or(t));
            // Lifecycle events first (`worker.on('completed')` is in-process),
            // then brokers (`worker.on('order.created')`), then in-process
            // emitters (`emitter.on(..)`, AMD `define(..)`).
            if event.is_some_and(|e| knowledge.never_topics.iter().any(|n| n == e)) {
                return Delivery::AtMostOnce;
            }
            if knowledge
                .redelivered
                .iter()
                .any(|r| r.calls.matches(callee))
            {
                return Delivery::AtLeastOnce;
            }
            if knowledge.never_calls.matches(callee) {
                return Delivery::AtMostOnce;
            }
            return Delivery::Unknown;
        }
        if self.body_role(handler).is_some() {
            return Delivery::AtLeastOnce;
        }
        let decorators = &handler.decorators;
        if decorators
            .iter()
            .any(|d| knowledge.never_decorators.matches(&d.callee))
        {
            return Delivery::AtMostOnce;
        }
        if decorators.iter().any(|d| {
            knowledge
                .redelivered
                .iter()
                .any(|r| r.decorators.matches(&d.callee) && r.options_hold(d))
        }) {
            return Delivery::AtLeastOnce;
        }
        match decorators.iter().find_map(|d| self.decorator_role(d)) {
            Some(super::HandlerRole::Consumer) => return Delivery::Unknown,
            Some(_) => return Delivery::AtMostOnce,
            None => {}
        }
        let by_key = matches!(handler.origin, FunctionOrigin::Anonymous)
            && knowledge
                .redelivered
                .iter()
                .any(|r| r.option_keys.contains(&handler.name));
        if by_key {
            Delivery::AtLeastOnce
        } else {
            Delivery::Unregistered
        }
    }

    /// Whether an event name is one an in-process emitter, a stream, a
    /// process, the DOM or a job library emits about itself (`error`,
    /// `failed`, `click`, `SIGTERM`), never a business topic. Names listing
    /// several events (`mouseup touchend`) and namespaced ones
    /// (`click.bs.button`) are judged by their first word.
    pub fn is_lifecycle_event(&self, event: &str) -> bool {
        let first = event.split(['.', ':', ' ']).next().unwrap_or(event);
        self.retry.never_topics.iter().any(|n| n == first)
    }

    /// Whether a callee produces a new value on every run (`uuid4`).
    pub fn is_key_generator(&self, callee: &str) -> bool {
        self.retry.key_generators.matches(callee)
    }

    /// Whether an option / keyword / header / builder-method name carries an
    /// idempotency key, compared without case, `-` and `_`
    /// (`Idempotency-Key`, `idempotency_key`, `idempotencyKey`).
    pub fn is_idempotency_key_name(&self, name: &str) -> bool {
        // Most names are short identifiers that are no key: normalise on the
        // stack and look the result up, without allocating.
        let mut buffer = [0u8; 64];
        let mut length = 0;
        for byte in name.bytes().filter(u8::is_ascii_alphanumeric) {
            let Some(slot) = buffer.get_mut(length) else {
                // Longer than any key name anyone writes.
                let normalised = normalise_key_name(name);
                return self.normalised_idempotency_keys.contains(&normalised)
                    || says_idempotency_key(&normalised);
            };
            *slot = byte.to_ascii_lowercase();
            length += 1;
        }
        length > 0
            && std::str::from_utf8(&buffer[..length]).is_ok_and(|wanted| {
                self.normalised_idempotency_keys.contains(wanted) || says_idempotency_key(wanted)
            })
    }

    /// Whether the call records or detects a duplicate: a known dedupe call
    /// (`get_or_create`), a callee naming one (`markProcessed`, `seen`), a
    /// write conditional on a new key (Redis `NX`), or SQL that ignores
    /// conflicts (`INSERT .. ON CONFLICT DO NOTHING`).
    pub fn is_dedupe_call(&self, call: &Call) -> bool {
        let checks = &self.retry;
        if checks.dedupe_calls.matches(&call.callee) || self.mentions_dedupe(&call.callee) {
            return true;
        }
        let keys = call.option_keys();
        if checks
            .dedupe_options
            .iter()
            .any(|o| keys.iter().any(|k| k.eq_ignore_ascii_case(o)))
        {
            return true;
        }
        call.chain.iter().chain(std::iter::once(call)).any(|c| {
            c.args.iter().any(|arg| match &arg.value {
                Value::String(text) => {
                    checks
                        .dedupe_options
                        .iter()
                        .any(|o| text.eq_ignore_ascii_case(o))
                        || checks.dedupe_sql.iter().any(|sql| sql.is_match(text))
                }
                _ => false,
            })
        })
    }

    /// Whether an `if` condition checks for a duplicate: it names a dedupe
    /// check (`already_processed`) or asks whether a record exists.
    pub fn condition_mentions_dedupe(&self, condition: &str) -> bool {
        let words = identifier_words(condition);
        self.mentions_dedupe(condition)
            || self
                .retry
                .dedupe_condition_words
                .iter()
                .any(|w| words.iter().any(|x| x == w))
    }

    /// Whether code text (a handler's error type, a condition on the caught
    /// error) names what a unique key raises on a second insert of the same
    /// row (`IntegrityError`, `err.code === 'P2002'`; the packs'
    /// `dedupe_checks.conflict_errors`).
    pub fn names_conflict_error(&self, text: &str) -> bool {
        self.retry.conflict_errors.iter().any(|error| {
            crate::flow::outcome::has_word(text, error)
                || text.contains(&format!("'{error}'"))
                || text.contains(&format!("\"{error}\""))
        })
    }

    /// Whether code text (a callee, an `if` condition) names a dedupe check
    /// by one of its identifier words (`already_processed`, `isDuplicate`).
    pub fn mentions_dedupe(&self, text: &str) -> bool {
        let words = identifier_words(text);
        self.retry
            .dedupe_words
            .iter()
            .any(|w| words.iter().any(|x| x == w))
    }
}

/// `Idempotency-Key` → `idempotencykey`.
pub(super) fn normalise_key_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The lowercase words of the identifiers in `text`, split at `_`, `-`,
/// punctuation and camel-case humps: `isAlreadyProcessed(event.id)` →
/// `is already processed event id`.
pub fn identifier_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && previous_lower && !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            current.push(ch.to_ascii_lowercase());
        } else {
            previous_lower = false;
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a normalised name (lowercase letters and digits only) says it
/// carries an idempotency key, whatever the project calls it: it names
/// idempotency or deduplication (`X-Idempotent-Token`, `dedupeId`) or a
/// delivery id (`WEBHOOK_DELIVERY_ID_HEADER`, `X-Delivery-Id`: the id a
/// webhook receiver deduplicates redeliveries by).
fn says_idempotency_key(normalised: &str) -> bool {
    normalised.contains("idempot")
        || normalised.contains("dedup")
        || normalised.contains("deliveryid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_words_split_camel_snake_and_punctuation() {
        assert_eq!(
            identifier_words("isAlreadyProcessed(event.id) && seen_ids"),
            ["is", "already", "processed", "event", "id", "seen", "ids"]
        );
        assert_eq!(identifier_words("HTTPAdapter"), ["httpadapter"]);
    }

    #[test]
    fn key_names_compare_without_case_or_separators() {
        assert_eq!(normalise_key_name("Idempotency-Key"), "idempotencykey");
        assert_eq!(normalise_key_name("idempotency_key"), "idempotencykey");
        assert_eq!(normalise_key_name("idempotencyKey"), "idempotencykey");
    }
}
