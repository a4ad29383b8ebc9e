//! Knowledge packs: which calls are transactions, side effects, deferrals and
//! idempotency keys, per ecosystem.
//!
//! The built-in packs live in `rules/*.yaml` and are embedded in the binary;
//! `.handoff.yml` extends them. Every pack is validated when loaded, and every
//! error points at `file:line:column`.

mod failure;
mod pack;
mod pattern;
mod retry;

pub use pack::{
    DedupeChecks, HandlerEntry, HandlerRole, LogLevel, LoggerEntry, NeverRedelivered,
    OptionCondition, Pack, PatternEntry, RedeliveryEntry, RetryClientEntry, RetryEntry,
    RetryTarget, RouteFileEntry, SinkEntry, SinkKind, SinkOrigin, ViewClasses,
};
pub use pattern::{CallPattern, PatternSet, RequiredLiteral, SetIndex};
pub use retry::{Delivery, RetryClient, RetryMechanism, identifier_words};

use crate::model::{Call, Ecosystem, Function, Value};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// The built-in packs: (file name, YAML text).
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("rules/js.yaml", include_str!("../../rules/js.yaml")),
    ("rules/python.yaml", include_str!("../../rules/python.yaml")),
    ("rules/rust.yaml", include_str!("../../rules/rust.yaml")),
];

/// A pack or configuration that could not be loaded. The message is shown
/// on one line and clipped (see [`shown_message`]): a configuration comes
/// from the change under review, and its values must not be echoed whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {}", shown_message(.message))]
pub struct KnowledgeError {
    /// The file the error is in.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Characters of a quoted value (`` `…` `` or `"…"`) an error shows.
const MAX_QUOTED: usize = 40;

/// Characters of an error message shown at most.
const MAX_MESSAGE: usize = 300;

/// An error message as shown: one line, every quoted value clipped to
/// [`MAX_QUOTED`] characters and the whole to [`MAX_MESSAGE`] (cuts marked
/// `…`). Values from a configuration may be long, multi-line, or come from
/// a file it should never have read.
pub fn shown_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE * 4));
    let mut quote: Option<char> = None;
    let mut quoted = 0usize;
    let mut total = 0usize;
    for c in message.chars() {
        if total == MAX_MESSAGE {
            out.push('…');
            break;
        }
        let c = if c.is_control() { ' ' } else { c };
        match quote {
            Some(open) if c == open => quote = None,
            Some(_) => {
                quoted += 1;
                if quoted > MAX_QUOTED {
                    if quoted == MAX_QUOTED + 1 {
                        out.push('…');
                        total += 1;
                    }
                    continue;
                }
            }
            None if c == '`' || c == '"' => {
                quote = Some(c);
                quoted = 0;
            }
            None => {}
        }
        out.push(c);
        total += 1;
    }
    out
}

impl KnowledgeError {
    /// An error at the first occurrence of `needle` in `source` (1:1 if absent).
    pub fn at_text(file: &str, source: &str, needle: &str, message: String) -> KnowledgeError {
        let (line, column) = source
            .find(needle)
            .map(|offset| {
                let before = &source[..offset];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (line, column)
            })
            .unwrap_or((1, 1));
        KnowledgeError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }

    /// An error from a YAML deserialisation failure.
    pub fn from_yaml(file: &str, error: &serde_norway::Error) -> KnowledgeError {
        let (line, column) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
        // serde_norway appends "at line X column Y" to some messages; we say it once.
        let text = error.to_string();
        let message = match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        KnowledgeError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

/// A kind of call pattern in a [`Knowledge`], for [`Knowledge::patterns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// Transaction openers.
    Transactions,
    /// Commits.
    Commits,
    /// Raw-SQL begins (before their `when_sql` condition).
    SqlBegins,
    /// Receivers whose writes open a transaction implicitly.
    ImplicitSessions,
    /// Deferrals until commit.
    Deferrals,
    /// Side-effect sinks (before their extra conditions).
    Sinks,
    /// Retrying HTTP client configurations (`axiosRetry`, `Retry(..)`).
    RetryClients,
    /// Idempotency-key generators (`randomUUID`, `uuid.uuid4`).
    KeyGenerators,
    /// What makes a function a message consumer or a job: the registering
    /// calls, decorators and names of non-route handlers (their option keys
    /// are [`Knowledge::consumer_option_keys`]).
    ConsumerHandlers,
}

/// A compiled sink.
#[derive(Debug, Clone)]
pub struct Sink {
    patterns: PatternSet,
    /// What the call reaches.
    pub kind: SinkKind,
    /// A short label for messages.
    pub label: String,
    /// Whether it came from a generic pattern.
    pub generic: bool,
    /// Whether the action is non-idempotent.
    pub non_idempotent: bool,
    /// A pack's SDK call, or a helper of the project that reaches one.
    pub origin: SinkOrigin,
    /// For a helper: the idempotency key its own call of the sink sends.
    pub key: Option<HelperKey>,
    /// For a helper: where the chain ends, at the pack sink's call.
    pub reached_at: Option<SinkPlace>,
    /// For a helper: whether its chain catches the sink's failure and does
    /// not rethrow it, so its callers never see the failure.
    pub caught_inside: bool,
    /// For a helper: whether the message it publishes goes to one entity's
    /// live feed (see [`crate::flow::describe::per_entity_channel`]).
    pub live_feed: bool,
    when_option: Option<OptionCondition>,
    when_new_arg: PatternSet,
}

/// Where a helper's chain reaches the SDK: the pack sink's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkPlace {
    /// The file, when it is not the file that calls the helper.
    pub path: Option<String>,
    /// The call.
    pub span: crate::model::Span,
    /// The call's callee (`tasks.send_welcome.delay`).
    pub callee: String,
    /// Whether the call was taken for the sink by its method's name alone,
    /// on some object (`order.send_mail(..)` for `**.send_mail`): weak
    /// evidence where the object's class is out of sight.
    pub by_name_only: bool,
}

/// The idempotency key a helper of the project sends with the side effect it
/// reaches (`postJson` sets `Idempotency-Key: crypto.randomUUID()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperKey {
    /// The option or header name as written (`Idempotency-Key`).
    pub name: String,
    /// The generator, when the helper mints the key itself on every call
    /// (`crypto.randomUUID`); `None` when the key comes from its caller or
    /// from stable data.
    pub generated_by: Option<String>,
}

/// A compiled pattern entry with its optional SQL condition.
#[derive(Debug, Clone)]
struct Matcher {
    patterns: PatternSet,
    when_sql: Option<Regex>,
}

impl Matcher {
    fn matches(&self, call: &Call) -> bool {
        self.patterns.matches(&call.callee)
            && self.when_sql.as_ref().is_none_or(|sql| {
                call.first_string_arg()
                    .is_some_and(|text| sql.is_match(text))
            })
    }
}

/// Everything known about one ecosystem's libraries, and — for one file —
/// about the project's own helpers it calls.
///
/// The packs are shared (a clone is a reference count); the helpers of a file
/// are a small overlay of exact callee names consulted first
/// ([`Knowledge::with_helpers`]).
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    packs: Arc<PackKnowledge>,
    helpers: Option<Arc<HelperFacts>>,
    requests: Option<Arc<RequestTransactions>>,
}

/// Every HTTP request of the project runs in a database transaction that
/// commits after the view returns (Django's `ATOMIC_REQUESTS`), as its
/// settings say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTransactions {
    /// The settings file that turns it on.
    pub path: String,
    /// The line that does.
    pub line: u32,
    /// That line's setting, as written.
    pub setting: String,
}

impl std::ops::Deref for Knowledge {
    type Target = PackKnowledge;

    fn deref(&self) -> &PackKnowledge {
        &self.packs
    }
}

impl std::ops::DerefMut for Knowledge {
    fn deref_mut(&mut self) -> &mut PackKnowledge {
        Arc::make_mut(&mut self.packs)
    }
}

/// What the project's own helpers do, by the exact callee a file uses for
/// them (`email_receipt`, `self.remind`, `notify.email_receipt`).
#[derive(Debug, Clone, Default)]
pub struct HelperFacts {
    /// Helpers that reach a sink, with the sink they reach (labelled with the chain).
    pub sinks: HashMap<String, Sink>,
    /// Helpers that run a callable they are given inside a transaction.
    pub transactions: HashSet<String>,
    /// Those of [`HelperFacts::transactions`] that open it only on some
    /// paths and also run the callable with no transaction open.
    pub partial_transactions: HashSet<String>,
    /// Helpers that run a callable they are given after commit.
    pub deferrals: HashSet<String>,
    /// Tasks whose own `.delay()` / `.apply_async()` waits for the commit
    /// (their `base=` task class defers the send).
    pub tasks_sent_after_commit: HashSet<String>,
    /// The method names the project's own classes visible in the file
    /// declare (its classes, and the classes it imports from the project):
    /// a call `x.send_mail(..)` that a pack matches by that method name alone
    /// (`**.send_mail`) is taken for the project's method, not the SDK's.
    pub project_method_names: HashSet<String>,
    /// Calls resolved to a method of the project's own class that reaches
    /// no side effect the packs know (`this.events.publish` on an in-process
    /// event class, `this.client.fetch` on a request wrapper whose method
    /// comes from its caller): never a sink by a generic method name, and
    /// the method owns the responses it gets.
    pub project_methods: HashSet<String>,
    /// Calls resolved to the project's own functions that are named as
    /// writes and whose bodies write nothing (`self.update_initial` that
    /// only sets attributes; see [`crate::flow::writes`]).
    pub writes_nothing: HashSet<String>,
    /// Calls resolved to the project's own functions whose bodies write
    /// stored state, whatever their names say (`process(order)` that calls
    /// `order.save()`).
    pub writes_in_body: HashSet<String>,
    /// Helpers that reach a side effect but hand nothing back to wait for:
    /// not async, returning no value (`function notify(o) {
    /// queue.add(..).catch(log) }`). Dropping what they return drops no
    /// promise; the helper owns the effect's failure.
    pub settled: HashSet<String>,
    /// Every call name a summary of the project's code answers for: a
    /// declared function or method, or a helper imported from a file read.
    /// A call of the project's own code that is not here was not seen.
    pub summarised: HashSet<String>,
    /// Those of [`HelperFacts::summarised`] whose bodies are known to reach
    /// no side effect (a whole-repository scan withholds what another
    /// file's helper reaches: those are not here).
    pub reach_nothing: HashSet<String>,
    /// Calls on an object the project's own code makes out of sight
    /// (`CommandQueue.getInstance()`, `createQueue()`, `new Outbox()`, each
    /// imported from the project), or chained on what such a class makes
    /// (`PeerRequest::put(..).send(..)`): a pattern that only guesses the
    /// client from names (`**.*queue.add`, `**.put().**.send`) is no
    /// evidence about it.
    pub project_made: HashSet<String>,
    /// Helpers that return the response of their HTTP write whole, its
    /// status unread (`return fetch(url, { method: 'POST', .. })`): a
    /// caller that drops what they return drops the status with it.
    pub response_returners: HashSet<String>,
    /// Names the file binds by unpacking what a call hands back (`const
    /// [sendMessage] = useStore(..)`, `const { publish } = usePubSub()`),
    /// not by importing them: a bare call of one calls that value, not a
    /// client's method that a pattern names (`**.sendMessage`).
    pub unpacked: HashSet<String>,
}

impl HelperFacts {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
            && self.transactions.is_empty()
            && self.partial_transactions.is_empty()
            && self.deferrals.is_empty()
            && self.tasks_sent_after_commit.is_empty()
            && self.project_methods.is_empty()
            && self.project_method_names.is_empty()
            && self.writes_nothing.is_empty()
            && self.writes_in_body.is_empty()
            && self.settled.is_empty()
            && self.summarised.is_empty()
            && self.project_made.is_empty()
            && self.response_returners.is_empty()
            && self.unpacked.is_empty()
    }
}

/// The knowledge packs of one ecosystem, compiled.
#[derive(Debug, Clone, Default)]
pub struct PackKnowledge {
    transactions: Vec<Matcher>,
    commits: Vec<Matcher>,
    sql_begins: Vec<Matcher>,
    implicit_sessions: PatternSet,
    deferrals: Vec<Matcher>,
    sinks: Vec<Sink>,
    safe: Vec<Matcher>,
    local_constructors: PatternSet,
    idempotency_keys: Vec<String>,
    /// `idempotency_keys` as [`Knowledge::is_idempotency_key_name`] compares
    /// them: lowercase letters and digits only.
    normalised_idempotency_keys: HashSet<String>,
    retry: retry::RetryKnowledge,
    handlers: Vec<Handler>,
    route_files: Vec<RouteFiles>,
    view_bases: PatternSet,
    view_methods: HashSet<String>,
    failure: failure::FailureKnowledge,
    /// The lists above indexed by last callee segment, built on first use
    /// (and dropped whenever a pack is added).
    indexes: OnceLock<Indexes>,
}

/// [`SetIndex`]es of the call-pattern lists every rule consults per call.
#[derive(Debug, Clone)]
struct Indexes {
    transactions: SetIndex,
    deferrals: SetIndex,
    sinks: SetIndex,
    handler_calls: SetIndex,
}

/// A compiled [`RouteFileEntry`].
#[derive(Debug, Clone)]
struct RouteFiles {
    files: globset::GlobMatcher,
    root: String,
    exports: Vec<String>,
}

/// A route a file's location gives it ([`Knowledge::route_of_file`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRoute<'k> {
    /// The route path (`/api/links/[linkId]`).
    pub route: String,
    /// The exported function names that handle requests (`POST`).
    pub exports: &'k [String],
}

/// A compiled [`HandlerEntry`].
#[derive(Debug, Clone)]
struct Handler {
    role: HandlerRole,
    calls: PatternSet,
    requires_string: bool,
    decorators: PatternSet,
    option_keys: Vec<String>,
    names: PatternSet,
    name_keys: Vec<String>,
    body_calls: PatternSet,
    body_call_names: PatternSet,
}

/// `call` with its receiver written as the construction it is bound to
/// (`client.post` → `httpx.Client().post`), when it is bound to one.
fn as_constructed(call: &Call) -> Option<Call> {
    let construction = call.constructed_receiver.as_deref()?;
    let root = call.callee.split(['.', '(']).next()?;
    let rest = call.callee.strip_prefix(root)?;
    let mut rewritten = call.clone();
    rewritten.callee = format!("{construction}(){rest}");
    rewritten.receiver = call
        .receiver
        .as_deref()
        .and_then(|receiver| receiver.strip_prefix(root))
        .map(|tail| format!("{construction}(){tail}"));
    Some(rewritten)
}

impl Knowledge {
    /// This knowledge with the project helpers a file calls laid over it.
    pub fn with_helpers(&self, helpers: HelperFacts) -> Knowledge {
        Knowledge {
            packs: Arc::clone(&self.packs),
            helpers: (!helpers.is_empty()).then(|| Arc::new(helpers)),
            requests: self.requests.clone(),
        }
    }

    /// Whether every request runs in a transaction (see [`RequestTransactions`]).
    pub fn request_transactions(&self) -> Option<&RequestTransactions> {
        self.requests.as_deref()
    }

    /// Whether the call opens a transaction (callback, `with`, decorator or handle).
    pub fn is_transaction_opener(&self, call: &Call) -> bool {
        if self
            .helpers
            .as_ref()
            .is_some_and(|h| h.transactions.contains(&call.callee))
        {
            return true;
        }
        self.indexes()
            .transactions
            .candidates(&call.callee)
            .iter()
            .any(|&i| self.transactions[i].matches(call))
    }

    /// The indexes of the lists consulted per call.
    fn indexes(&self) -> &Indexes {
        self.indexes.get_or_init(|| Indexes {
            transactions: SetIndex::new(self.transactions.iter().map(|m| &m.patterns)),
            deferrals: SetIndex::new(self.deferrals.iter().map(|m| &m.patterns)),
            sinks: SetIndex::new(self.sinks.iter().map(|s| &s.patterns)),
            handler_calls: SetIndex::new(self.handlers.iter().map(|h| &h.calls)),
        })
    }

    /// Whether the call commits a transaction (a handle's `commit()` or SQL `COMMIT`).
    pub fn is_commit(&self, call: &Call) -> bool {
        self.commits.iter().any(|m| m.matches(call))
    }

    /// Whether the call begins a transaction with raw SQL.
    pub fn is_sql_begin(&self, call: &Call) -> bool {
        self.sql_begins.iter().any(|m| m.matches(call))
    }

    /// Whether writes on this receiver open a transaction implicitly.
    pub fn is_implicit_session(&self, receiver: &str) -> bool {
        self.implicit_sessions.matches(receiver)
    }

    /// Whether the call enqueues a task whose send waits for the commit
    /// (`notify.delay(..)` where `notify` is declared with a deferring
    /// `base=` task class): it is deferred, like a call inside `on_commit`.
    pub fn sends_after_commit(&self, call: &Call) -> bool {
        matches!(call.method.as_str(), "delay" | "apply_async")
            && call.receiver.as_deref().is_some_and(|task| {
                self.helpers
                    .as_ref()
                    .is_some_and(|h| h.tasks_sent_after_commit.contains(task))
            })
    }

    /// Whether the call's callee is in the set of [`HelperFacts`] `pick`
    /// chooses.
    fn helper_fact(&self, call: &Call, pick: impl Fn(&HelperFacts) -> &HashSet<String>) -> bool {
        self.helpers
            .as_ref()
            .is_some_and(|h| pick(h).contains(&call.callee))
    }

    /// Whether the call is resolved to a method of the project's own class
    /// that reaches no known side effect (see [`HelperFacts::project_methods`]).
    pub fn is_project_method(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.project_methods)
    }

    /// Whether the call resolves to a function of the project named as a
    /// write whose body writes nothing (see [`HelperFacts::writes_nothing`]).
    pub fn writes_nothing(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.writes_nothing)
    }

    /// Whether the call resolves to a function of the project whose body
    /// writes stored state (see [`HelperFacts::writes_in_body`]).
    pub fn writes_in_body(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.writes_in_body)
    }

    /// Whether the call resolves to a helper of the project that reaches a
    /// side effect and hands nothing back to wait for (see
    /// [`HelperFacts::settled`]).
    pub fn settles_itself(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.settled)
    }

    /// Whether the call resolves to a helper of the project that returns
    /// the response of its HTTP write unread (see
    /// [`HelperFacts::response_returners`]).
    pub fn hands_back_response(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.response_returners)
    }

    /// Whether the call resolves to a helper of the project that opens a
    /// transaction around the callable it runs only on some paths (see
    /// [`HelperFacts::partial_transactions`]).
    pub fn opens_transaction_on_some_paths(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.partial_transactions)
    }

    /// Whether a summary of the project's code answers for the call (see
    /// [`HelperFacts::summarised`]).
    pub fn is_summarised(&self, call: &Call) -> bool {
        self.helper_fact(call, |h| &h.summarised)
    }

    /// Whether the call defers its callback until after commit.
    pub fn is_deferral(&self, call: &Call) -> bool {
        if self
            .helpers
            .as_ref()
            .is_some_and(|h| h.deferrals.contains(&call.callee))
        {
            return true;
        }
        self.indexes()
            .deferrals
            .candidates(&call.callee)
            .iter()
            .any(|&i| self.deferrals[i].matches(call))
    }

    /// Whether a constructor makes an in-process object (`EventEmitter`).
    pub fn is_local_constructor(&self, callee: &str) -> bool {
        self.local_constructors.matches(callee)
    }

    /// The option/keyword/header names that carry an idempotency key.
    pub fn idempotency_keys(&self) -> &[String] {
        &self.idempotency_keys
    }

    /// The role of an inline callback passed to `call` (`app.post('/x', cb)`).
    pub fn callback_role(&self, call: &Call) -> Option<HandlerRole> {
        self.indexes()
            .handler_calls
            .candidates(&call.callee)
            .iter()
            .map(|&i| &self.handlers[i])
            .find(|h| {
                h.calls.matches(&call.callee)
                    && (!h.requires_string || call.first_string_arg().is_some())
            })
            .map(|h| h.role)
    }

    /// The role a decorator / attribute gives its function (`@shared_task`).
    pub fn decorator_role(&self, decorator: &Call) -> Option<HandlerRole> {
        self.handlers
            .iter()
            .find(|h| h.decorators.matches(&decorator.callee))
            .map(|h| h.role)
    }

    /// The route, topic, queue or task a registration names, read the way
    /// its framework defines it: the first positional string argument
    /// (`@app.post("/checkout")`, `worker.on('order.created', ..)`), else
    /// the string value of one of the handler entry's `name_keys`
    /// (`@shared_task(name="emails.send")`). Unrelated keyword arguments
    /// (`compression="zlib"`) are never read as a name.
    pub fn handler_name<'c>(&self, registration: &'c Call) -> Option<&'c str> {
        let positional = registration
            .args
            .iter()
            .find_map(|a| match (&a.value, &a.keyword) {
                (Value::String(s), None) => Some(s.as_str()),
                _ => None,
            });
        if positional.is_some() {
            return positional;
        }
        let callee = registration.callee.as_str();
        self.handlers
            .iter()
            .filter(|h| h.decorators.matches(callee) || h.calls.matches(callee))
            .flat_map(|h| h.name_keys.iter())
            .find_map(|key| match registration.option_value(key) {
                Some(Value::String(s)) => Some(s.as_str()),
                _ => None,
            })
    }

    /// The route a file's location gives it under a file-system routing
    /// convention (`apps/web/app/api/links/[id]/route.ts` →
    /// `/api/links/[id]`); route groups (`(marketing)`) are left out.
    pub fn route_of_file(&self, path: &str) -> Option<FileRoute<'_>> {
        let entry = self.route_files.iter().find(|r| r.files.is_match(path))?;
        let segments: Vec<&str> = path.split('/').collect();
        let start = segments.iter().rposition(|s| *s == entry.root)? + 1;
        let mut route: Vec<&str> = segments[start..].to_vec();
        let file = route.pop()?;
        let stem = file.split('.').next().unwrap_or(file);
        if stem != "route" && stem != "index" && !stem.starts_with('+') {
            route.push(stem);
        }
        let kept: Vec<&str> = route
            .into_iter()
            .filter(|s| !(s.starts_with('(') && s.ends_with(')')))
            .collect();
        Some(FileRoute {
            route: format!("/{}", kept.join("/")),
            exports: &entry.exports,
        })
    }

    /// Whether a method handles requests in a view class (`def post(self,
    /// request)` of a `View`, `create` of a DRF `ViewSet`).
    pub fn is_view_method(&self, function: &crate::model::Function) -> bool {
        let short = function.name.rsplit('.').next().unwrap_or(&function.name);
        function.class.is_some()
            && self.view_methods.contains(short)
            && function
                .class_bases
                .iter()
                .any(|base| self.view_bases.matches(base))
    }

    /// The role of a function passed as the value of an object key (`eachMessage`).
    pub fn option_key_role(&self, key: &str) -> Option<HandlerRole> {
        self.handlers
            .iter()
            .find(|h| h.option_keys.iter().any(|k| k == key))
            .map(|h| h.role)
    }

    /// The role a call in the function's own body gives it (see
    /// [`pack::HandlerEntry::body_calls`]): such handlers are delivered at
    /// least once.
    pub fn body_role(&self, function: &Function) -> Option<HandlerRole> {
        self.body_role_from(function, |h| &h.body_calls)
            .or_else(|| self.body_role_from(function, |h| &h.body_call_names))
    }

    /// Whether the function's role comes only from a call of the project's
    /// own helper named like a signature check (see
    /// [`pack::HandlerEntry::body_call_names`]): medium confidence.
    pub fn body_role_by_name_only(&self, function: &Function) -> bool {
        self.body_role_from(function, |h| &h.body_calls).is_none()
            && self
                .body_role_from(function, |h| &h.body_call_names)
                .is_some()
    }

    fn body_role_from(
        &self,
        function: &Function,
        patterns: impl Fn(&Handler) -> &PatternSet,
    ) -> Option<HandlerRole> {
        let handlers: Vec<&Handler> = self
            .handlers
            .iter()
            .filter(|h| !patterns(h).is_empty())
            .collect();
        if handlers.is_empty() {
            return None;
        }
        // The module's top level is no handler, and a nested function is
        // called by whoever it is given to: only the function's own calls.
        if matches!(function.origin, crate::model::FunctionOrigin::Module) {
            return None;
        }
        let mut role = None;
        for_each_own_call(&function.body, &mut |call| {
            if role.is_none() {
                role = handlers
                    .iter()
                    .find(|h| patterns(h).matches(&call.callee))
                    .map(|h| h.role);
            }
        });
        role
    }

    /// The role a function's name suggests (`handle_order_created`).
    pub fn name_role(&self, name: &str) -> Option<HandlerRole> {
        let short = name.rsplit(['.', ' ']).next().unwrap_or(name);
        self.handlers
            .iter()
            .find(|h| h.names.matches(short))
            .map(|h| h.role)
    }

    /// Every call pattern of one kind, as compiled (built-in and user knowledge).
    ///
    /// Literal prefilters are built from these: a call can only match a
    /// pattern if the file contains one of its
    /// [`CallPattern::required_literals`].
    pub fn patterns(&self, kind: PatternKind) -> Vec<&CallPattern> {
        fn of(matchers: &[Matcher]) -> Vec<&CallPattern> {
            matchers.iter().flat_map(|m| m.patterns.iter()).collect()
        }
        match kind {
            PatternKind::Transactions => of(&self.transactions),
            PatternKind::Commits => of(&self.commits),
            PatternKind::SqlBegins => of(&self.sql_begins),
            PatternKind::Deferrals => of(&self.deferrals),
            PatternKind::ImplicitSessions => self.implicit_sessions.iter().collect(),
            PatternKind::Sinks => self.sinks.iter().flat_map(|s| s.patterns.iter()).collect(),
            PatternKind::RetryClients => self.retry.client_patterns(),
            PatternKind::KeyGenerators => self.retry.key_generator_patterns(),
            PatternKind::ConsumerHandlers => self
                .handlers
                .iter()
                .filter(|h| h.role != HandlerRole::Route)
                .flat_map(|h| {
                    h.calls
                        .iter()
                        .chain(h.decorators.iter())
                        .chain(h.names.iter())
                        .chain(h.body_calls.iter())
                        .chain(h.body_call_names.iter())
                })
                .collect(),
        }
    }

    /// The object keys whose function value is a message consumer or a job
    /// (`eachMessage`), for literal prefilters.
    pub fn consumer_option_keys(&self) -> Vec<&str> {
        self.handlers
            .iter()
            .filter(|h| h.role != HandlerRole::Route)
            .flat_map(|h| h.option_keys.iter().map(String::as_str))
            .collect()
    }

    /// Whether the call writes an outbox row (`trx.outbox.insert(..)`,
    /// `trx('outbox').insert(..)`): the safe way to publish, never a sink.
    pub fn is_outbox_write(&self, call: &Call) -> bool {
        is_outbox_write(call)
    }

    /// The sink this call reaches, if it is a cross-system side effect.
    pub fn sink(&self, call: &Call) -> Option<&Sink> {
        if call.is_new {
            return None;
        }
        if let Some(helper) = self
            .helpers
            .as_ref()
            .and_then(|h| h.sinks.get(&call.callee))
        {
            return Some(helper);
        }
        // Few calls are sinks: find the sink first, check the exclusions
        // (which allocate) only for those. A receiver bound to a library's
        // construction is matched as that construction first
        // (`httpx.Client().post` for `client.post(..)`, `AWS.SQS().sendMessage`
        // for `sqs.sendMessage(..)`): the construction is the evidence a
        // pattern of the method's name alone only guesses.
        let sink = as_constructed(call)
            .and_then(|constructed| self.pack_sink(&constructed))
            .or_else(|| self.pack_sink(call))?;
        if self.safe.iter().any(|m| m.matches(call)) || is_outbox_write(call) {
            return None;
        }
        // A method of the project's own class that reaches nothing the packs
        // know: a pattern that only guesses from names (`**.*Bus.publish`)
        // is no evidence against its body.
        if self.is_project_method(call)
            && (sink.generic || sink.matched_by_names_only(&call.callee))
        {
            return None;
        }
        if sink.yields_to_project_function(call) && self.is_project_method_name(call) {
            return None;
        }
        // A bare HTTP function the project declares or imports from its own
        // code (`import fetch from '../utils/fetch'`) is that function: how
        // it answers a failure (it may check the status and throw) is in its
        // body, whose summary found no request the packs know. A name that
        // says what is sent (`send_email`) still says it of the project's
        // helper, whatever the helper calls to send it.
        // So is a function named for creating a record another system keeps
        // (`create_incident`, `create_ticket`): the project that declares
        // it, and whose body reaches no such system, keeps the record itself.
        // And a function named like a messaging client's method
        // (`sendMessage`, `publish`, `enqueue`: a pattern that names the
        // method of any receiver): the project's function of that name is no
        // such client's method, and its body reaches no bus the packs know.
        if call.receiver.is_none()
            && (matches!(sink.kind, SinkKind::Http | SinkKind::Crm)
                || (sink.kind == SinkKind::Event && sink.matched_by_method_name_only(&call.callee)))
            && self.is_summarised(call)
        {
            return None;
        }
        // A function of a project module the file imports whole (`from app
        // import queue`, then `queue.enqueue(session, ..)`), read and
        // summarised: its body reached nothing the packs know, and a pattern
        // that names only the method (`**.enqueue`) is no evidence against it.
        if sink.yields_to_project_function(call) && self.helper_fact(call, |h| &h.reach_nothing) {
            return None;
        }
        // A value the file unpacks from a call (`const [sendMessage] =
        // useStore(..)`) is no client's method, whatever its name.
        if call.receiver.is_none()
            && self.helper_fact(call, |h| &h.unpacked)
            && sink.names_the_method_only(&call.callee)
        {
            return None;
        }
        if self.helper_fact(call, |h| &h.project_made)
            && (sink.generic || sink.matched_by_names_only(&call.callee))
        {
            return None;
        }
        // `self.request("POST", ..)`, `this.fetch(..)`: a method of the
        // object's own class or of a base, the project's wrapper however the
        // call is spelled; what the method does decides, through its summary.
        if matches!(call.receiver.as_deref(), Some("self" | "this"))
            && sink.names_the_method_only(&call.callee)
        {
            return None;
        }
        Some(sink)
    }

    fn pack_sink(&self, call: &Call) -> Option<&Sink> {
        self.indexes()
            .sinks
            .candidates(&call.callee)
            .iter()
            .map(|&i| &self.sinks[i])
            .find(|sink| sink.matches(call))
    }

    /// Whether `call` names a method the project's
    /// own classes declare (see [`HelperFacts::project_method_names`]).
    fn is_project_method_name(&self, call: &Call) -> bool {
        self.helpers
            .as_ref()
            .is_some_and(|h| h.project_method_names.contains(&call.method))
    }

    fn add_pack(&mut self, file: &str, source: &str, pack: &Pack) -> Result<(), KnowledgeError> {
        self.indexes = OnceLock::new();
        let matchers = |entries: &[PatternEntry]| -> Result<Vec<Matcher>, KnowledgeError> {
            entries
                .iter()
                .map(|entry| compile_entry(file, source, entry))
                .collect()
        };
        self.transactions.extend(matchers(&pack.transactions)?);
        self.commits.extend(matchers(&pack.commits)?);
        self.sql_begins.extend(matchers(&pack.sql_begins)?);
        self.deferrals.extend(matchers(&pack.deferrals)?);
        self.safe.extend(matchers(&pack.safe)?);
        self.implicit_sessions
            .extend(compile_patterns(file, source, &pack.implicit_sessions)?);
        self.local_constructors
            .extend(compile_patterns(file, source, &pack.local_constructors)?);
        self.idempotency_keys
            .extend(pack.idempotency_keys.iter().cloned());
        self.normalised_idempotency_keys.extend(
            pack.idempotency_keys
                .iter()
                .map(|key| retry::normalise_key_name(key)),
        );
        self.retry.add_pack(file, source, pack)?;
        for entry in &pack.handlers {
            self.handlers.push(Handler {
                role: entry.role,
                calls: compile_patterns(file, source, &entry.calls)?,
                requires_string: entry.requires_string,
                decorators: compile_patterns(file, source, &entry.decorators)?,
                option_keys: entry.option_keys.clone(),
                names: compile_patterns(file, source, &entry.names)?,
                name_keys: entry.name_keys.clone(),
                body_calls: compile_patterns(file, source, &entry.body_calls)?,
                body_call_names: compile_patterns(file, source, &entry.body_call_names)?,
            });
        }
        for entry in &pack.route_files {
            let glob = globset::GlobBuilder::new(&entry.files)
                .literal_separator(true)
                .build()
                .map_err(|error| {
                    KnowledgeError::at_text(
                        file,
                        source,
                        &entry.files,
                        format!("invalid `route_files` glob `{}`: {error}", entry.files),
                    )
                })?;
            self.route_files.push(RouteFiles {
                files: glob.compile_matcher(),
                root: entry.root.clone(),
                exports: entry.exports.clone(),
            });
        }
        self.view_bases
            .extend(compile_patterns(file, source, &pack.view_classes.bases)?);
        self.view_methods
            .extend(pack.view_classes.methods.iter().cloned());
        self.failure.add_pack(file, source, pack)?;
        for entry in &pack.sinks {
            self.sinks.push(Sink {
                patterns: compile_patterns(file, source, &entry.calls)?,
                kind: entry.kind,
                label: entry.label.clone(),
                generic: entry.generic,
                non_idempotent: entry.non_idempotent,
                when_option: entry.when_option.clone(),
                when_new_arg: compile_patterns(file, source, &entry.when_new_arg)?,
                origin: SinkOrigin::Pack,
                key: None,
                reached_at: None,
                caught_inside: false,
                live_feed: entry.live_feed,
            });
        }
        Ok(())
    }
}

/// Whether a call's first two arguments are plain names (or it has none):
/// nothing it is given says what is sent.
fn given_objects_only(call: &Call) -> bool {
    let mut positional = call.args.iter().filter(|arg| arg.keyword.is_none());
    match positional.next() {
        None => true,
        Some(first) => {
            matches!(first.value, Value::Path(_))
                && positional
                    .next()
                    .is_none_or(|second| matches!(second.value, Value::Path(_)))
        }
    }
}

/// Whether an argument is an object rather than a URL: a plain name that
/// does not say URL (`order`), or a call that neither says URL nor builds a
/// string (`query.one()`, `get_object_or_404(Order, pk=pk)`; not
/// `urljoin(base, path)`, `self.url_for(order)`, `"/orders/{}".format(id)`).
fn gives_an_object(value: &Value) -> bool {
    match value {
        Value::Path(name) => !names_a_url(name),
        Value::Call(call) => {
            std::iter::once(call.as_ref())
                .chain(&call.chain)
                .all(|link| {
                    !names_a_url(&link.method) && !STRING_BUILDERS.contains(&link.method.as_str())
                })
                && !call.callee.split(['.', '(', ')']).any(names_a_url)
        }
        _ => false,
    }
}

/// Methods and functions that build a string, and so may build a URL.
const STRING_BUILDERS: &[&str] = &[
    "format",
    "join",
    "urljoin",
    "replace",
    "strip",
    "rstrip",
    "lstrip",
    "concat",
    "toString",
    "to_string",
    "str",
    "quote",
    "encode",
    "decode",
    "expand",
    "resolve",
    "with_path",
    "reverse",
];

/// Whether a receiver's path names a database (`db.session`, `self.database`,
/// `orm_session`): no HTTP client is called so.
fn names_a_database(receiver: &str) -> bool {
    receiver.split('.').any(|segment| {
        identifier_words(segment)
            .iter()
            .any(|word| matches!(word.as_str(), "db" | "database" | "orm"))
    })
}

/// Whether a name says it holds a URL (`url`, `webhook_uri`, `endpoint`,
/// `self.base_path`, `link`).
fn names_a_url(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    identifier_words(last).iter().any(|word| {
        matches!(
            word.as_str(),
            "url"
                | "uri"
                | "urls"
                | "endpoint"
                | "path"
                | "href"
                | "link"
                | "route"
                | "location"
                | "address"
                | "resource"
                | "target"
        )
    })
}

impl Sink {
    /// Whether `call` (a call of this sink, made in `function` when known)
    /// publishes to one entity's live feed, read by a watcher while it
    /// lasts: a stream of progress or chunks, not a handoff another system
    /// depends on.
    pub fn feeds_a_watcher(&self, call: &Call, function: Option<&Function>) -> bool {
        self.live_feed
            || (self.kind == SinkKind::Event
                && self.origin == SinkOrigin::Pack
                && match function {
                    Some(function) => crate::flow::describe::per_entity_channel_in(call, function),
                    None => crate::flow::describe::per_entity_channel(call),
                })
    }

    /// Whether `callee` matched only patterns that recognise the receiver by
    /// a fragment of its variable's name (`**.*[bB]us.publish`,
    /// `**.*[qQ]ueue.add`, `**.*[eE]vents.publish`; a bare `*` for a
    /// resource, as in `**.stripe.*.create`, guesses nothing): a guess from
    /// how the code names things, not evidence of the library behind it.
    pub fn guesses_receiver(&self, callee: &str) -> bool {
        self.only_patterns_that(callee, |pattern| {
            pattern.strip_prefix("**.").is_some_and(|rest| {
                let segments: Vec<&str> = rest.split('.').collect();
                segments.len() >= 2
                    && segments[..segments.len() - 1].iter().any(|segment| {
                        segment.contains('*') && segment.chars().any(char::is_alphabetic)
                    })
            })
        })
    }

    /// Whether a pattern of the sink that matches `callee` names where the
    /// call comes from (a global, `fetch`; a library's path, `requests.post`)
    /// rather than taking any receiver (`**.request`, `**.*session.post`).
    pub fn names_its_origin(&self, callee: &str) -> bool {
        self.patterns
            .iter()
            .any(|pattern| !pattern.as_str().starts_with("**.") && pattern.matches(callee))
    }

    /// Whether some pattern of the sink matches `callee` and every one that
    /// does satisfies `test` (given the pattern as written).
    fn only_patterns_that(&self, callee: &str, test: impl Fn(&str) -> bool) -> bool {
        let mut matched = self
            .patterns
            .iter()
            .filter(|p| p.matches(callee))
            .peekable();
        matched.peek().is_some() && matched.all(|p| test(p.as_str()))
    }

    /// Whether `callee` matches only patterns that take any receiver
    /// (`**.*Bus.publish`, `**.send_mail`) and the sink asks nothing of the
    /// call (a constructed argument such as `new SendMessageCommand(..)`, an
    /// option such as `method: 'POST'` written at the call are evidence):
    /// the names of the receiver and the method are all that matched.
    pub fn matched_by_names_only(&self, callee: &str) -> bool {
        self.when_new_arg.is_empty()
            && self.when_option.is_none()
            && self.only_patterns_that(callee, |pattern| pattern.starts_with("**."))
    }

    /// Whether `callee` matches only patterns that name the method alone
    /// (`**.send_mail`, `**.{post,put}`) and the sink asks nothing of the
    /// call's options: nothing but the method's name is evidence (an option
    /// such as `method: 'POST'` written at the call is).
    pub fn matched_by_method_name_only(&self, callee: &str) -> bool {
        self.when_option.is_none() && self.names_the_method_only(callee)
    }

    /// Whether the project's own function of the method `call` names (a
    /// method of one of its classes, a function of a module the file
    /// imports whole) decides what the call reaches rather than this sink:
    /// a method called on a receiver, matched by its name alone.
    pub fn yields_to_project_function(&self, call: &Call) -> bool {
        call.receiver.is_some() && self.matched_by_method_name_only(&call.callee)
    }

    /// Whether `callee` matches only patterns that name the method alone
    /// (`**.request`), whatever the sink asks of the call's options.
    pub fn names_the_method_only(&self, callee: &str) -> bool {
        self.only_patterns_that(callee, |pattern| {
            pattern
                .strip_prefix("**.")
                .is_some_and(|method| !method.contains('.'))
        })
    }

    /// The sink a project helper reaches, as the helper's callers see it:
    /// found by exact callee through [`HelperFacts`], never by pattern.
    pub fn of_helper(
        kind: SinkKind,
        label: String,
        generic: bool,
        non_idempotent: bool,
        origin: SinkOrigin,
        key: Option<HelperKey>,
        reached_at: Option<SinkPlace>,
    ) -> Sink {
        Sink {
            kind,
            label,
            generic,
            non_idempotent,
            origin,
            key,
            reached_at,
            caught_inside: false,
            live_feed: false,
            patterns: PatternSet::default(),
            when_option: None,
            when_new_arg: PatternSet::default(),
        }
    }

    fn matches(&self, call: &Call) -> bool {
        if !self.patterns.matches(&call.callee) {
            return false;
        }
        // A generic method name (`*.publish`, `*.trigger`) names an SDK's
        // method; a bare function of that name (`trigger(trx, ..)`) is the
        // project's own, seen through its summary or not at all.
        if self.generic && call.receiver.is_none() && self.origin == SinkOrigin::Pack {
            return false;
        }
        // Every HTTP client's write names what it writes to; `delete()` with
        // no argument (and ends no builder chain: `.post(url).send()`) is a
        // model instance deleting its own row.
        if self.kind == SinkKind::Http
            && call.args.is_empty()
            && !call.callee.contains("()")
            && self.origin == SinkOrigin::Pack
        {
            return false;
        }
        // No client of another system takes the work itself as its first
        // argument: `queue.add(async () => ..)` is an in-process task queue
        // (p-queue, a serial queue of the app's own), not a broker's queue.
        if self.origin == SinkOrigin::Pack
            && call
                .args
                .iter()
                .find(|arg| arg.keyword.is_none())
                .is_some_and(|arg| matches!(arg.value, Value::Function(_)))
        {
            return false;
        }
        // A session of the database (`db.session`, `self.db_session`) stages
        // rows: its `delete(row)` is no HTTP `DELETE`.
        if self.kind == SinkKind::Http
            && self.origin == SinkOrigin::Pack
            && call.receiver.as_deref().is_some_and(names_a_database)
        {
            return false;
        }
        // An HTTP `DELETE` names a URL; `session.delete(order)` or
        // `session.delete(query.one())`, given an object that does not say
        // URL (on a receiver not built as an HTTP client), is an ORM session
        // deleting a row.
        if self.kind == SinkKind::Http
            && self.origin == SinkOrigin::Pack
            && call.method == "delete"
            && call.constructed_receiver.is_none()
            && call
                .args
                .iter()
                .find(|arg| arg.keyword.is_none())
                .is_some_and(|arg| gives_an_object(&arg.value))
        {
            return false;
        }
        // The generic `trigger` names what it sends: a channel and an event
        // name (Pusher), a job id (`tasks.trigger('sync', ..)`), the run's
        // options or a list of them (`client.trigger({ url })`). Given
        // objects alone (`workflow.trigger(workflow, ctx)`), it is a method
        // of the project's own engine.
        if self.generic
            && self.origin == SinkOrigin::Pack
            && call.method == "trigger"
            && given_objects_only(call)
        {
            return false;
        }
        // A call that receives an inline function is registering a handler
        // (`app.post('/orders', handler)`), not performing the write.
        if self.kind == SinkKind::Http && call.callbacks().next().is_some() {
            return false;
        }
        if let Some(condition) = &self.when_option {
            let value = if condition.key == "method" {
                call.http_method()
            } else {
                match call.option_value(&condition.key) {
                    Some(Value::String(value)) => Some(value.as_str()),
                    _ => None,
                }
            };
            let Some(value) = value else {
                return false;
            };
            if !condition
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(value))
            {
                return false;
            }
        }
        if !self.when_new_arg.is_empty() {
            let has_command = call.args.iter().any(|arg| {
                matches!(&arg.value, Value::Call(inner) if inner.is_new && self.when_new_arg.matches(&inner.callee))
            });
            if !has_command {
                return false;
            }
        }
        true
    }
}

/// Every call made by the statements `nodes` themselves, with the calls in
/// their arguments and chains, not those of nested functions.
fn for_each_own_call(nodes: &[crate::model::Node], visit: &mut dyn FnMut(&Call)) {
    use crate::model::Node;
    fn value(v: &Value, visit: &mut dyn FnMut(&Call)) {
        if let Value::Call(call) = v {
            own_call(call, visit);
        }
    }
    fn own_call(call: &Call, visit: &mut dyn FnMut(&Call)) {
        visit(call);
        for link in &call.chain {
            visit(link);
        }
        for arg in &call.args {
            value(&arg.value, visit);
        }
    }
    for node in nodes {
        match node {
            Node::Call(call) => own_call(call, visit),
            Node::Block(block) => for_each_own_call(&block.body, visit),
            Node::Return(ret) => {
                if let Some(v) = &ret.value {
                    value(v, visit);
                }
            }
            Node::Assign(assign) => value(&assign.value, visit),
            Node::Function(_) => {}
        }
    }
}

/// An outbox write is the safe way to publish: the message row commits with
/// the state it announces. `trx.outbox.insert(..)`, `trx('outbox').insert(..)`,
/// `Outbox.objects.create(..)`.
fn is_outbox_write(call: &Call) -> bool {
    let mentions_outbox = |text: &str| text.to_ascii_lowercase().contains("outbox");
    mentions_outbox(&call.callee)
        || call
            .chain
            .iter()
            .any(|c| c.first_string_arg().is_some_and(mentions_outbox))
        || call.receiver.as_deref().is_some_and(mentions_outbox)
}

fn compile_patterns(
    file: &str,
    source: &str,
    patterns: &[String],
) -> Result<PatternSet, KnowledgeError> {
    PatternSet::new(patterns).map_err(|(pattern, error)| {
        KnowledgeError::at_text(
            file,
            source,
            &pattern,
            format!("invalid call pattern `{pattern}`: {error}; write segments separated by `.`, with `*`, `**` and `{{a,b}}`"),
        )
    })
}

fn compile_entry(
    file: &str,
    source: &str,
    entry: &PatternEntry,
) -> Result<Matcher, KnowledgeError> {
    let when_sql = entry
        .when_sql
        .as_deref()
        .map(|sql| {
            Regex::new(sql).map_err(|e| {
                let first_line = e
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
                    format!("invalid `when_sql` regular expression: {first_line}"),
                )
            })
        })
        .transpose()?;
    Ok(Matcher {
        patterns: compile_patterns(file, source, &entry.calls)?,
        when_sql,
    })
}

/// Knowledge for every ecosystem.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    js: Knowledge,
    python: Knowledge,
    rust: Knowledge,
}

impl KnowledgeBase {
    /// The built-in packs, compiled. They are tested, so this only fails if
    /// the binary was built from a broken pack.
    ///
    /// They are compiled once per process (about 30 M instructions); callers
    /// get a copy to extend.
    pub fn builtin() -> Result<KnowledgeBase, KnowledgeError> {
        static COMPILED: OnceLock<Result<KnowledgeBase, KnowledgeError>> = OnceLock::new();
        COMPILED.get_or_init(KnowledgeBase::compile_builtin).clone()
    }

    fn compile_builtin() -> Result<KnowledgeBase, KnowledgeError> {
        let mut base = KnowledgeBase::default();
        for (file, source) in BUILTIN_PACKS {
            let pack: Pack =
                serde_norway::from_str(source).map_err(|e| KnowledgeError::from_yaml(file, &e))?;
            let Some(ecosystem) = pack.ecosystem else {
                return Err(KnowledgeError::at_text(
                    file,
                    source,
                    "",
                    "a pack needs `ecosystem: js|python|rust`".to_string(),
                ));
            };
            base.add_pack(ecosystem, file, source, &pack)?;
        }
        Ok(base)
    }

    /// Add a pack for an ecosystem; `file` and `source` locate errors.
    pub fn add_pack(
        &mut self,
        ecosystem: Ecosystem,
        file: &str,
        source: &str,
        pack: &Pack,
    ) -> Result<(), KnowledgeError> {
        self.for_ecosystem_mut(ecosystem)
            .add_pack(file, source, pack)
    }

    /// Every request of the project's Python code runs in a transaction.
    pub fn set_request_transactions(&mut self, fact: RequestTransactions) {
        self.python.requests = Some(Arc::new(fact));
    }

    /// The knowledge for an ecosystem.
    pub fn for_ecosystem(&self, ecosystem: Ecosystem) -> &Knowledge {
        match ecosystem {
            Ecosystem::Js => &self.js,
            Ecosystem::Python => &self.python,
            Ecosystem::Rust => &self.rust,
        }
    }

    fn for_ecosystem_mut(&mut self, ecosystem: Ecosystem) -> &mut Knowledge {
        match ecosystem {
            Ecosystem::Js => &mut self.js,
            Ecosystem::Python => &mut self.python,
            Ecosystem::Rust => &mut self.rust,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_check_in_its_own_body_makes_a_function_a_push_consumer() {
        let base = KnowledgeBase::builtin().expect("built-in packs are valid");
        let js = base.for_ecosystem(Ecosystem::Js);
        let source = "export async function POST(req) {\n  const event = stripe.webhooks.constructEvent(body, sig, secret);\n  return ok();\n}\nexport async function GET(req) {\n  const check = () => receiver.verify({ body });\n  return ok();\n}\n";
        let model = crate::lang::parse(crate::model::Language::JavaScript, source);
        assert_eq!(
            js.body_role(&model.module),
            None,
            "the module is no handler"
        );
        let functions: Vec<&Function> = model
            .module
            .body
            .iter()
            .filter_map(|node| match node {
                crate::model::Node::Function(f) => Some(f),
                _ => None,
            })
            .collect();
        assert_eq!(js.body_role(functions[0]), Some(HandlerRole::Consumer));
        assert_eq!(
            js.body_role(functions[1]),
            None,
            "a nested function's call is not the function's own"
        );
    }

    #[test]
    fn builtin_packs_load() {
        let base = KnowledgeBase::builtin().expect("built-in packs are valid");
        assert!(!base.for_ecosystem(Ecosystem::Js).sinks.is_empty());
        assert!(!base.for_ecosystem(Ecosystem::Python).sinks.is_empty());
        assert!(!base.for_ecosystem(Ecosystem::Rust).sinks.is_empty());
    }

    #[test]
    fn shown_messages_are_one_line_with_quoted_values_clipped() {
        let secret = "s".repeat(500);
        let error = KnowledgeError {
            file: ".handoff.yml".to_string(),
            line: 1,
            column: 1,
            message: format!("invalid type: string \"{secret}\nline two\", expected a map"),
        };
        let shown = error.to_string();
        assert_eq!(
            shown,
            format!(
                ".handoff.yml:1:1: invalid type: string \"{}…\", expected a map",
                "s".repeat(40)
            )
        );
        let long = "word ".repeat(200);
        assert!(shown_message(&long).chars().count() <= MAX_MESSAGE + 1);
        assert!(shown_message(&long).ends_with('…'));
    }

    #[test]
    fn unknown_pack_field_points_at_line_and_column() {
        let source = "ecosystem: js\nsinkz:\n  - calls: [a]\n";
        let error = serde_norway::from_str::<Pack>(source).expect_err("unknown field");
        let error = KnowledgeError::from_yaml("x.yaml", &error);
        assert_eq!((error.line, error.column), (2, 1));
        assert!(error.message.contains("sinkz"), "{}", error.message);
    }

    #[test]
    fn bad_pattern_points_at_the_pattern() {
        let source = "ecosystem: js\nsinks:\n  - calls: ['a.{b']\n    kind: event\n    label: x\n";
        let pack: Pack = serde_norway::from_str(source).expect("valid yaml");
        let error = KnowledgeBase::default()
            .add_pack(Ecosystem::Js, "x.yaml", source, &pack)
            .expect_err("bad glob");
        assert_eq!((error.line, error.column), (3, 14));
    }
}
