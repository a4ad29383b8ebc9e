//! The YAML shape of a knowledge pack (`rules/*.yaml`, and the `knowledge:`
//! section of `.handoff.yml`).

use crate::model::Ecosystem;
use serde::Deserialize;

/// One knowledge pack as written in YAML.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The ecosystem the pack applies to (required in `rules/*.yaml`; implied
    /// by the key in `.handoff.yml`).
    #[serde(default)]
    pub ecosystem: Option<Ecosystem>,
    /// Calls that open a transaction. How far the transaction reaches is read
    /// from the syntax: the body of a callback argument, of a `with` block, of
    /// a decorated function, or — when the call's result is bound
    /// (`tx = pool.begin()`) — until that handle's commit.
    #[serde(default)]
    pub transactions: Vec<PatternEntry>,
    /// Calls that commit a transaction handle (`tx.commit()`), and raw SQL
    /// statements (`when_sql`) that begin or commit one.
    #[serde(default)]
    pub commits: Vec<PatternEntry>,
    /// Raw-SQL transaction openers (`client.query('BEGIN')`).
    #[serde(default)]
    pub sql_begins: Vec<PatternEntry>,
    /// Receivers whose first write opens a transaction implicitly, ended by
    /// their `commit()` (SQLAlchemy `session`, DB-API connections).
    #[serde(default)]
    pub implicit_sessions: Vec<String>,
    /// Calls whose callback runs only after the surrounding transaction
    /// commits (`transaction.on_commit`, `afterCommit`).
    #[serde(default)]
    pub deferrals: Vec<PatternEntry>,
    /// Side-effect sinks: calls that reach another system.
    #[serde(default)]
    pub sinks: Vec<SinkEntry>,
    /// Calls that are never side effects even if a sink pattern matches
    /// (outbox writes).
    #[serde(default)]
    pub safe: Vec<PatternEntry>,
    /// Constructors whose instances are in-process (`EventEmitter`): calls on
    /// them are never cross-system side effects.
    #[serde(default)]
    pub local_constructors: Vec<String>,
    /// Option, keyword or header names that carry an idempotency key.
    #[serde(default)]
    pub idempotency_keys: Vec<String>,

    // ── Idempotency: what runs again, and what keeps a re-run from acting twice ──
    /// Retry mechanisms that re-run a callback or a function when it fails
    /// (p-retry, tenacity `@retry`, Celery `autoretry_for`, backon `.retry(..)`).
    #[serde(default)]
    pub retries: Vec<RetryEntry>,
    /// HTTP client configurations that make the client resend requests
    /// (axios-retry, got `retry.methods`, urllib3 `Retry`, reqwest-retry).
    #[serde(default)]
    pub retry_clients: Vec<RetryClientEntry>,
    /// Calls that hand a retrying configuration on to their receiver
    /// (`session.mount(prefix, HTTPAdapter(max_retries=retry))`).
    #[serde(default)]
    pub retry_attachers: Vec<String>,
    /// Sleep / backoff calls: inside a loop around a failing call they mark a
    /// hand-written retry loop (`time.sleep(2 ** attempt)`).
    #[serde(default)]
    pub retry_sleeps: Vec<String>,
    /// Calls that produce a new value on every run (`uuid4()`, `randomUUID()`,
    /// `Date.now()`): an idempotency key made from them changes per attempt.
    #[serde(default)]
    pub key_generators: Vec<String>,
    /// How a consumer checks that it has already handled a message.
    #[serde(default)]
    pub dedupe_checks: DedupeChecks,
    /// Handlers whose messages or jobs are delivered at least once: re-run
    /// after a crash, a timeout or a missing ack (Kafka, SQS, BullMQ).
    #[serde(default)]
    pub redelivered: Vec<RedeliveryEntry>,
    /// Handler registrations that are in-process events or schedules, never
    /// re-delivered (`process.on('SIGTERM')`, Django `@receiver`, cron).
    #[serde(default)]
    pub never_redelivered: NeverRedelivered,
    /// How route handlers, message consumers and jobs are recognised.
    #[serde(default)]
    pub handlers: Vec<HandlerEntry>,
    /// Files whose location is their route (Next.js `app/**/route.ts`,
    /// `pages/api/**`): their exported HTTP-verb functions are route handlers.
    #[serde(default)]
    pub route_files: Vec<RouteFileEntry>,
    /// Classes whose methods handle requests (Django and DRF views).
    #[serde(default)]
    pub view_classes: ViewClasses,

    // ── Rejection: how downstream failures are reported, checked or lost ──
    /// Logging calls and the level they log at. A failure logged below
    /// `error` alerts nobody.
    #[serde(default)]
    pub loggers: Vec<LoggerEntry>,
    /// Member names that read an HTTP response's status (`ok`, `status`,
    /// `raise_for_status`, `error_for_status`).
    #[serde(default)]
    pub status_checks: Vec<String>,
    /// HTTP calls that reject / raise on a non-2xx status by default (axios,
    /// got, ky), so their response needs no explicit status check.
    #[serde(default)]
    pub throwing_clients: Vec<String>,
    /// Options that make one HTTP call raise on a non-2xx status whatever
    /// its client (aiohttp's `raise_for_status=True`), with the values that
    /// do it.
    #[serde(default)]
    pub throwing_options: Vec<OptionCondition>,
    /// Options that tell one HTTP call to answer a 4xx/5xx normally
    /// whatever its client (`throwHttpErrors: false` for got, ky and the
    /// clients modelled on them): the caller must look at the status.
    #[serde(default)]
    pub non_throwing_options: Vec<OptionCondition>,
    /// Modules whose HTTP clients resolve normally on a 4xx/5xx answer
    /// (`requests`, `httpx`, `node-fetch`). A client known only by its name
    /// (`self.session.post`) is taken for one of them only in a file that
    /// imports one; elsewhere it is most often the project's own wrapper.
    #[serde(default)]
    pub non_throwing_http_modules: Vec<String>,
    /// Side-effect calls that return synchronously rather than a promise or
    /// future (amqplib `channel.publish`), so not awaiting them loses nothing.
    #[serde(default)]
    pub synchronous_sinks: Vec<String>,
    /// Calls that start a background task whose failure is observed only
    /// through the handle they return (`asyncio.create_task`, `tokio::spawn`).
    #[serde(default)]
    pub task_spawners: Vec<String>,
    /// Context managers that silence exceptions (`contextlib.suppress`).
    #[serde(default)]
    pub error_suppressors: Vec<String>,
    /// Exception types raised by local code, never by a downstream call
    /// (`KeyError`, `json.JSONDecodeError`): a handler catching only these
    /// does not swallow a downstream failure.
    #[serde(default)]
    pub local_errors: Vec<String>,
    /// Exception types only a check of a response's status raises
    /// (`requests.exceptions.HTTPError`, from `raise_for_status()`), never
    /// the request itself: a retry on these alone re-runs nothing unless
    /// the status is checked.
    #[serde(default)]
    pub status_errors: Vec<String>,
    /// Exception types raised only while a connection is being made
    /// (`requests.exceptions.ConnectTimeout`, `smtplib.SMTPConnectError`),
    /// before anything is sent on it: a retry on these alone re-runs a
    /// request only when no request went out.
    #[serde(default)]
    pub connect_errors: Vec<String>,
    /// Calls that send an HTTP response to the caller (`res.json`,
    /// `JsonResponse`); without a 4xx/5xx status they report success.
    #[serde(default)]
    pub responses: Vec<String>,
}

/// How to recognise functions that play a role in a workflow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerEntry {
    /// The role such functions play.
    pub role: HandlerRole,
    /// Registration calls whose inline callback is the handler
    /// (`app.post('/x', cb)`, `worker.on('topic', cb)`, `new Worker('q', cb)`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Only when the registration call has a string-literal argument
    /// (a route or topic), to tell `bus.on('order.created', cb)` from `arr.on(cb)`.
    #[serde(default)]
    pub requires_string: bool,
    /// Decorators / attributes that make the function a handler
    /// (`@app.post`, `@shared_task`, `#[post]`).
    #[serde(default)]
    pub decorators: Vec<String>,
    /// Object-literal keys whose function value is the handler
    /// (`consumer.run({ eachMessage: async (..) => .. })`).
    #[serde(default)]
    pub option_keys: Vec<String>,
    /// Function-name patterns (`handle_*_event`), for code with no registration in sight.
    #[serde(default)]
    pub names: Vec<String>,
    /// Keyword arguments of the registration that name the route, queue or
    /// task when no positional string does (Celery `name=`, utoipa `path =`).
    /// Other keywords (`compression="zlib"`) never name anything.
    #[serde(default)]
    pub name_keys: Vec<String>,
    /// Calls in a function's own body that make it such a handler, whatever
    /// registers it: a route that verifies the signature of a push queue or
    /// a webhook provider (`receiver.verify(..)`,
    /// `stripe.webhooks.constructEvent(..)`) is called by a service that
    /// delivers again until it gets a 2xx, so it is delivered at least once.
    #[serde(default)]
    pub body_calls: Vec<String>,
    /// Like `body_calls`, for calls of the project's own helpers known only
    /// by how they are named (`verify*Signature`): the same role, at medium
    /// confidence, since the name is the only evidence.
    #[serde(default)]
    pub body_call_names: Vec<String>,
}

/// A file-system routing convention.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteFileEntry {
    /// Glob of the route files (`**/app/**/route.{ts,js}`).
    pub files: String,
    /// The folder the route path starts after (`app`, `pages`).
    pub root: String,
    /// Names of the exported functions that handle requests (`POST`).
    #[serde(default)]
    pub exports: Vec<String>,
}

/// Classes whose methods are request handlers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewClasses {
    /// Base-class patterns (`*View`, `*ViewSet`, `viewsets.*`).
    #[serde(default)]
    pub bases: Vec<String>,
    /// Method names that handle a request (`post`, `create`, `perform_create`).
    #[serde(default)]
    pub methods: Vec<String>,
}

/// The role a function plays in a workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HandlerRole {
    /// An HTTP route handler (the start of a workflow).
    Route,
    /// A message or event consumer (re-deliveries happen).
    Consumer,
    /// A background job or task (retries happen).
    Job,
}

impl HandlerRole {
    /// A noun for messages: "route handler", "message consumer", "job".
    pub fn noun(self) -> &'static str {
        match self {
            HandlerRole::Route => "route handler",
            HandlerRole::Consumer => "message consumer",
            HandlerRole::Job => "job",
        }
    }
}

/// A set of call patterns, with an optional note.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternEntry {
    /// Callee patterns (see [`super::pattern`]).
    pub calls: Vec<String>,
    /// Only when the first string argument matches this regular expression.
    #[serde(default)]
    pub when_sql: Option<String>,
    /// A human note (which library this covers).
    #[serde(default)]
    pub note: Option<String>,
}

/// A side-effect sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkEntry {
    /// Callee patterns.
    pub calls: Vec<String>,
    /// What the call reaches.
    pub kind: SinkKind,
    /// A short label for messages (`Kafka producer`, `Stripe`).
    pub label: String,
    /// A generic pattern (`*.publish`): findings from it are one severity lower.
    #[serde(default)]
    pub generic: bool,
    /// Only a sink when this option (object key or keyword) has one of
    /// these values, compared case-insensitively (`method: POST`).
    #[serde(default)]
    pub when_option: Option<OptionCondition>,
    /// Only a sink when an argument is `new X(...)` with X matching one of
    /// these patterns (AWS SDK v3 `client.send(new PublishCommand(..))`).
    #[serde(default)]
    pub when_new_arg: Vec<String>,
    /// Whether the call performs a non-idempotent action (create, charge,
    /// send, enqueue). Reads and idempotent writes (PUT, upsert) say `false`.
    #[serde(default = "default_true")]
    pub non_idempotent: bool,
    /// Whether the call feeds a live feed: delivered at most once, to
    /// whoever listens at that moment (Redis pub/sub, a socket broadcast).
    /// No handoff waits on it, so its loss is the listener's concern.
    #[serde(default)]
    pub live_feed: bool,
}

/// Where a sink comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SinkOrigin {
    /// A knowledge pack (built-in or `.handoff.yml`): the call is the SDK's.
    #[default]
    Pack,
    /// A helper defined in the same file that reaches a pack sink.
    LocalHelper,
    /// A helper imported from another file of the project that reaches one.
    ImportedHelper,
}

fn default_true() -> bool {
    true
}

/// An option that must have one of several values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionCondition {
    /// The option key or keyword (`method`).
    pub key: String,
    /// Accepted values.
    pub values: Vec<String>,
}

/// What a sink reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// An event bus, queue or job system.
    Event,
    /// An e-mail provider.
    Email,
    /// An HTTP write to another service.
    Http,
    /// A payment provider.
    Payment,
    /// A CRM or other SaaS record.
    Crm,
}

impl SinkKind {
    /// A phrase for messages: "publishes an event", "sends an e-mail".
    pub fn action(self) -> &'static str {
        match self {
            SinkKind::Event => "publishes a message",
            SinkKind::Email => "sends an e-mail",
            SinkKind::Http => "makes an HTTP write",
            SinkKind::Payment => "calls the payment provider",
            SinkKind::Crm => "writes to the CRM",
        }
    }

    /// Who is downstream, for questions: "the consumers of", "the recipient".
    pub fn downstream(self) -> &'static str {
        match self {
            SinkKind::Event => "every consumer of this message",
            SinkKind::Email => "the customer receiving this e-mail",
            SinkKind::Http => "the service receiving this request",
            SinkKind::Payment => "the payment provider and the customer's card",
            SinkKind::Crm => "the CRM and the teams working from it",
        }
    }
}

/// A retry mechanism: something that runs code again when it fails.
///
/// An entry names wrapper `calls` (their callback is retried), `decorators`
/// (the decorated function is retried), or both; the `when_*` conditions
/// narrow it, and all given conditions must hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryEntry {
    /// A short label for messages (`p-retry`, `tenacity @retry`).
    pub label: String,
    /// Wrapper calls whose callback is retried: the inline function argument,
    /// a function passed by name, or the closure the call is made on
    /// (`pRetry(fn)`, `Retry::spawn(strategy, || ..)`, backon `op.retry(..)`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Decorators / attributes that retry the function they decorate
    /// (`@retry`, `@backoff.on_exception`, `@shared_task`).
    #[serde(default)]
    pub decorators: Vec<String>,
    /// Only when the call or decorator is given one of these options or
    /// keywords (Celery `autoretry_for`, huey `retries`).
    #[serde(default)]
    pub when_options: Vec<String>,
    /// Only when the decorated function's body makes one of these calls
    /// (Celery `self.retry(exc=exc)`).
    #[serde(default)]
    pub when_body_calls: Vec<String>,
    /// Only when one of these options is set to more than one attempt
    /// somewhere in the same file (BullMQ `attempts` on `queue.add`).
    #[serde(default)]
    pub when_file_options: Vec<String>,
    /// Options that switch the retries off when set to `0` or `False`
    /// (dramatiq `max_retries=0`).
    #[serde(default)]
    pub disabled_when_zero: Vec<String>,
    /// The option of the decorator that lists the exceptions it retries on
    /// (Celery `autoretry_for`); without it, any failure retries.
    #[serde(default)]
    pub errors_option: Option<String>,
    /// The position of the decorator's positional argument that lists the
    /// exceptions it retries on (`@retry(HTTPError, tries=3)`,
    /// `@backoff.on_exception(backoff.expo, Timeout)`), when it is not
    /// given by name.
    #[serde(default)]
    pub errors_argument: Option<usize>,
    /// Calls that, given to the decorator, name the exceptions it retries
    /// on in their arguments (tenacity's `retry=retry_if_exception_type(A,
    /// B)`).
    #[serde(default)]
    pub errors_calls: Vec<String>,
}

/// An HTTP client configuration that makes the client resend requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryClientEntry {
    /// A short label for messages (`axios-retry`, `urllib3 Retry`).
    pub label: String,
    /// Calls that configure the retries.
    pub calls: Vec<String>,
    /// Which client the configuration applies to.
    #[serde(default)]
    pub applies_to: RetryTarget,
    /// Options that list the retried HTTP methods. When given, writes are
    /// retried only if the list names POST or PATCH, or is `None`/`False`
    /// (urllib3 `allowed_methods`, got `retry.methods`).
    #[serde(default)]
    pub methods_options: Vec<String>,
    /// An option deciding which failures are retried. When given, writes are
    /// retried only if it is set, to anything but `idempotent_conditions`
    /// (axios-retry `retryCondition`).
    #[serde(default)]
    pub condition_option: Option<String>,
    /// Values of `condition_option` that retry idempotent requests only.
    #[serde(default)]
    pub idempotent_conditions: Vec<String>,
}

/// Which client a retry configuration applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryTarget {
    /// The client the call returns (`got.extend({..})`, a client builder), and
    /// the request itself when the call is one (`got.post(url, { retry })`).
    #[default]
    Result,
    /// The client passed as first argument (`axiosRetry(client, {..})`).
    FirstArgument,
}

/// How a consumer checks that it has already handled a message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupeChecks {
    /// Calls that record-or-detect a duplicate (`get_or_create`, `setnx`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Words that, in a callee or an `if` condition, name a dedupe check
    /// (`processed`, `seen`, `already`); matched against identifier words.
    #[serde(default)]
    pub words: Vec<String>,
    /// Words that name a dedupe check only in an `if` condition, where they
    /// guard the effect (`if Sent.objects.filter(..).exists(): return`), not
    /// in any call (`annotate(has_listener=Exists(..))`).
    #[serde(default)]
    pub condition_words: Vec<String>,
    /// Option keys / string arguments that make a write conditional on the
    /// key being new (Redis `NX`).
    #[serde(default)]
    pub options: Vec<String>,
    /// A regular expression over SQL text that makes an insert a dedupe
    /// (`ON CONFLICT DO NOTHING`, `INSERT IGNORE`).
    #[serde(default)]
    pub sql: Option<String>,
    /// What a unique key raises on a second insert of the same row: error
    /// types (`IntegrityError`) and codes (`P2002`, `23505`). A handler that
    /// catches one and leaves before the effect has claimed the message by
    /// inserting it.
    #[serde(default)]
    pub conflict_errors: Vec<String>,
}

/// Handlers whose messages or jobs are delivered at least once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeliveryEntry {
    /// Registration calls whose inline callback is such a handler
    /// (`new Worker('q', cb)`, `consumer.subscribe('topic', cb)`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Decorators that make the function such a handler.
    #[serde(default)]
    pub decorators: Vec<String>,
    /// Object keys whose function value is such a handler (`eachMessage`).
    #[serde(default)]
    pub option_keys: Vec<String>,
    /// Only when the registration or decorator sets one of these options to
    /// true (Celery `acks_late=True`).
    #[serde(default)]
    pub when_true: Vec<String>,
}

/// Handler registrations that are never re-delivered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeverRedelivered {
    /// Registration calls (`**.schedule`, `gulp.task`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Decorators (Django `receiver`).
    #[serde(default)]
    pub decorators: Vec<String>,
    /// Event names of in-process emitters, streams and processes
    /// (`data`, `error`, `SIGTERM`).
    #[serde(default)]
    pub topics: Vec<String>,
    /// Signals sent on every save or delete of a record (Django's
    /// `post_save`, `pre_delete`), named as the first argument of a
    /// handler's decorator: a handler that passes over a record in some
    /// state runs again on the record's next change.
    #[serde(default)]
    pub record_signals: Vec<String>,
}

/// A set of logging calls that log at one level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggerEntry {
    /// Callee patterns (`logger.warn`, `logging.warning`, `tracing.warn`).
    pub calls: Vec<String>,
    /// The level they log at.
    pub level: LogLevel,
}

/// A log level. Ordered: `Debug < Info < Warn < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Debug and trace output, and plain prints.
    Debug,
    /// Informational messages.
    Info,
    /// Warnings: recorded, rarely alerted on.
    Warn,
    /// Errors and exception reports: what alerting watches.
    Error,
}

impl LogLevel {
    /// The lowercase name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    /// "A warn-level log", "An info-level log": the phrase for messages.
    pub fn log_phrase(self) -> String {
        let article = if self == LogLevel::Info { "An" } else { "A" };
        format!("{article} {}-level log", self.as_str())
    }
}
