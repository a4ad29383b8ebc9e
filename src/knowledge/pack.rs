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
    /// How route handlers, message consumers and jobs are recognised.
    #[serde(default)]
    pub handlers: Vec<HandlerEntry>,

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
    /// Calls that send an HTTP response to the caller (`res.json`,
    /// `JsonResponse`); without a 4xx/5xx status they report success.
    #[serde(default)]
    pub responses: Vec<String>,
    /// Retry wrappers: calls whose callback argument, or decorators whose
    /// function, may run more than once (`pRetry(fn)`, `@retry`, `@backoff.on_exception`).
    #[serde(default)]
    pub retries: Vec<PatternEntry>,
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
}
